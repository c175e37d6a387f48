#!/usr/bin/env python3
"""Writes __test__/data/unique-axis-cases.json: what numpy (2.x) returns for np.unique(a, axis=k, return_counts=True)
over fixed views of every type, for __test__/unique-axis.spec.ts, which runs every case through parabuf without numpy.

    /path/to/venv/bin/python scripts/gen-unique-axis-cases.py   (bench/.venv has numpy)

A case holds the typed array type's name, its own data, a view of it (shape, strides in elements, offset), the axis,
and numpy's result: the unique values' shape and values (doubles as 16-hex-digit IEEE bit patterns, so -0 and NaN are
exact; 64-bit integers as decimal strings) and the counts; or the error numpy raises. `zeroTies` is true when two
input slices are equal only up to the signs of their zeros: numpy's pick between them is its unstable sort's, so the
spec compares zeros without their sign there (parabuf's own pick, the first in index order, is checked against a
reference instead). Float16 data is asked of numpy as float32 (see `case`). Data values are JSON numbers, or "NaN", "Infinity", "-Infinity", "-0"; 64-bit integers are
decimal strings. The view is built in numpy with as_strided over the same data, so both see the same elements.
"""
import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

warnings.simplefilter("ignore")
OUT = Path(__file__).resolve().parent.parent / "__test__" / "data" / "unique-axis-cases.json"
# The encodings of scripts/gen-axis-lane-cases.py, and its types with the two it leaves out.
_spec = importlib.util.spec_from_file_location("gen_axis_lane_cases", Path(__file__).with_name("gen-axis-lane-cases.py"))
lanes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lanes)
encode, bits = lanes.encode, lanes.bits
TYPES = {**lanes.TYPES, "Uint8ClampedArray": np.uint8, "Float16Array": np.float16}


def zero_ties(v, axis):
    """Whether two slices of `v` across `axis` are == but differ in some zero's sign."""
    if v.ndim <= 1:
        flat = v.reshape(-1).astype(np.float64) if v.dtype.kind == "f" else None
        return flat is not None and bool(np.any((flat == 0) & np.signbit(flat))) and bool(np.any((flat == 0) & ~np.signbit(flat)))
    if v.dtype.kind != "f" or v.size == 0:
        return False
    slices = np.moveaxis(v, axis, 0).reshape(v.shape[axis], -1).astype(np.float64)
    for i in range(len(slices)):
        for j in range(i + 1, len(slices)):
            if np.all(slices[i] == slices[j]) and not np.array_equal(np.signbit(slices[i]), np.signbit(slices[j])):
                return True
    return False


def case(name, type_name, data, shape, strides, offset, axis):
    big = type_name.startswith("Big")
    dtype = TYPES[type_name]
    values = np.array([int(x) for x in data] if big else data, dtype=dtype)
    size = values.itemsize
    v = as_strided(values[offset:], shape=shape, strides=[s * size for s in strides])
    entry = {
        "name": name,
        "type": type_name,
        "data": [encode(x, big) for x in values],
        "shape": shape,
        "strides": strides,
        "offset": offset,
        "axis": axis,
    }
    # numpy 2.4.6 compares float16 slices with NaN below every number (its float16 compare for structured elements;
    # its float16 sort and every other float type put NaN last), which parabuf does not follow: float16 data is
    # asked of numpy as float32, which holds every float16 exactly and orders NaN last.
    asked = v.astype(np.float32) if dtype is np.float16 else v
    try:
        unique, counts = np.unique(asked, axis=axis, return_counts=True)
    except Exception as e:  # noqa: BLE001 - numpy's refusal is the expectation
        entry["error"] = type(e).__name__
        return entry
    entry["resultShape"] = list(unique.shape)
    flat = unique.reshape(-1)
    entry["expected"] = [str(int(x)) for x in flat] if big else [bits(x) for x in flat.astype(np.float64)]
    entry["counts"] = [int(c) for c in counts]
    entry["zeroTies"] = zero_ties(v, axis)
    return entry


def row_major(shape):
    strides, span = [], 1
    for n in reversed(shape):
        strides.insert(0, span)
        span *= max(n, 1)
    return strides


def main():
    rng = np.random.default_rng(29)
    cases = []
    for type_name, dtype in TYPES.items():
        big = type_name.startswith("Big")
        is_float = type_name.startswith("Float")
        info = None if is_float else np.iinfo(dtype)
        # A few values per type, extremes included, so that slices repeat.
        if is_float:
            pool = [0.0, -0.0, 1.5, -2.0, float("nan"), float("inf"), 3.0]
            weights = [3, 2, 3, 3, 1, 1, 3]
        else:
            pool = sorted({int(info.min), int(info.max), 0, 1, int(info.max) // 3})
            weights = [1] * len(pool)
        p = np.array(weights, dtype=np.float64) / sum(weights)

        def draw(n):
            return [pool[i] for i in rng.choice(len(pool), size=n, p=p)]

        def repeated(shape, axis):
            # Slices across `axis` drawn from three prototypes, so that copies occur; returned row-major.
            moved = [shape[axis]] + [n for k, n in enumerate(shape) if k != axis]
            width = int(np.prod(moved[1:]))
            protos = [draw(width) for _ in range(3)]
            slices = np.array([protos[i] for i in rng.integers(0, 3, size=shape[axis])], dtype=object).reshape(moved)
            return list(np.moveaxis(slices, 0, axis).reshape(-1))

        for shape in [[6, 3], [3, 4, 2], [2, 3, 2, 2], [9]]:
            for axis in list(range(len(shape))) + [-1]:
                data = repeated(shape, axis % len(shape))
                cases.append(case(f"{shape} axis {axis}", type_name, data, shape, row_major(shape), 0, axis))
        # Random values of few kinds (not repeated by construction) through a strided view: a 5 × 6 array, rows
        # reversed, every other column, from an offset.
        data = draw(5 * 6 + 2)
        for axis in [0, 1, -2]:
            cases.append(case(f"strided axis {axis}", type_name, data, [5, 3], [-6, 2], 2 + 24, axis))
        # A zero stride: every slice across axis 0 the same.
        cases.append(case("zero stride", type_name, draw(4), [3, 4], [0, 1], 0, 0))
        cases.append(case("zero stride axis 1", type_name, draw(4), [3, 4], [0, 1], 0, 1))
        # Empty dimensions.
        for shape, axis in [([0, 3], 0), ([2, 0], 0), ([2, 0], 1), ([0, 0], 1), ([3, 0, 2], 2), ([0], 0)]:
            cases.append(case(f"empty {shape} axis {axis}", type_name, [], shape, row_major(shape), 0, axis))
        # Axes numpy refuses: beyond the dimensions, and any axis of 0-d.
        for shape, axis in [([2, 3], 2), ([2, 3], -3), ([4], 1), ([], 0)]:
            cases.append(case(f"bad axis {axis} of {shape}", type_name, draw(6), shape, row_major(shape), 0, axis))
        if is_float:
            nan = float("nan")
            # numpy's own example: a row holding NaN equals no other row; the zero rows are one.
            rows = [1, nan, 1, nan, 0.0, 2, -0.0, 2, 1, 1]
            cases.append(case("NaN rows", type_name, rows, [5, 2], [2, 1], 0, 0))
            cases.append(case("NaN columns", type_name, rows, [2, 5], [1, 2], 0, 1))
            # One dimension: the whole-array unique, every NaN one value.
            cases.append(case("1-D NaNs", type_name, [nan, 1, -nan, 1, 0.0], [5], [1], 0, 0))
    OUT.write_text(json.dumps({"numpy": np.__version__, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
