#!/usr/bin/env python3
"""Writes __test__/data/axis-lane-cases.json: what numpy (2.x) returns for cumsum, argsort and quantile along an axis
of a few fixed arrays, for __test__/axis-lanes.spec.ts, which runs every case through parabuf without numpy.

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy && /tmp/np/bin/python scripts/gen-axis-lane-cases.py

`data` holds one array per typed array type; a case holds the type's name, a view of its array (shape, strides in elements, offset), the
operation with its options as parabuf takes them, and numpy's result: its shape and its values, doubles as
16-hex-digit IEEE bit patterns (so -0 and NaN are exact), indices and 64-bit integers as decimal strings; or the
error numpy raises. The view is built in numpy with as_strided over the same data, so both see the same elements.
Data values are JSON numbers, or the strings "NaN", "Infinity", "-Infinity", "-0"; 64-bit integers are decimal strings.
"""
import json
import struct
import warnings
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

warnings.simplefilter("ignore")
OUT = Path(__file__).resolve().parent.parent / "__test__" / "data" / "axis-lane-cases.json"
TYPES = {
    "Int8Array": np.int8,
    "Uint8Array": np.uint8,
    "Int16Array": np.int16,
    "Uint16Array": np.uint16,
    "Int32Array": np.int32,
    "Uint32Array": np.uint32,
    "Float32Array": np.float32,
    "Float64Array": np.float64,
    "BigInt64Array": np.int64,
    "BigUint64Array": np.uint64,
}


def encode(x, big):
    if big:
        return str(int(x))
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and str(x).startswith("-"):
        return "-0"
    return x


def bits(x):
    return struct.pack(">d", float(x)).hex()


def view_of(data, shape, strides, offset):
    size = data.itemsize
    return as_strided(data[offset:], shape=shape, strides=[s * size for s in strides])


def case(name, type_name, data, shape, strides, offset, op, options, compute, exact_ints=False):
    big = type_name.startswith("Big")
    dtype = TYPES[type_name]
    values = np.array([int(x) for x in data] if big else data, dtype=dtype)
    v = view_of(values, shape, strides, offset)
    entry = {
        "name": name,
        "type": type_name,
        "shape": shape,
        "strides": strides,
        "offset": offset,
        "op": op,
        "options": options,
    }
    try:
        result = np.asarray(compute(v))
    except Exception as e:  # noqa: BLE001 - numpy's refusal is the expectation
        entry["error"] = type(e).__name__
        return entry
    entry["resultShape"] = list(result.shape)
    flat = result.reshape(-1)
    if result.dtype.kind in "iu" and (exact_ints or result.dtype.itemsize == 8):
        entry["expected"] = [str(int(x)) for x in flat]
    else:
        entry["expected"] = [bits(x) for x in flat.astype(np.float64)]
    return entry


def main():
    rng = np.random.default_rng(23)
    cases = []
    arrays = {}
    # A 3 × 4 × 5 view, transposed and sliced: axes (2, 0, 1) of a row-major 4 × 5 × 6 array, every other element of
    # its last axis, from an offset; negative strides on one axis.
    base_shape = (4, 5, 6)
    for type_name, dtype in TYPES.items():
        big = type_name.startswith("Big")
        if type_name.startswith("Float"):
            data = [float(x) for x in rng.integers(-50, 50, size=int(np.prod(base_shape)) + 3) / 4]
            # NaNs (no -0: numpy's argsort ties -0 with +0, where parabuf orders -0 first, as TypedArray sort does).
            data[7] = float("nan")
            data[40] = float("nan")
        elif type_name.startswith("Uint") or type_name == "BigUint64Array":
            data = [int(x) for x in rng.integers(0, 40, size=int(np.prod(base_shape)) + 3)]
        else:
            data = [int(x) for x in rng.integers(-20, 20, size=int(np.prod(base_shape)) + 3)]
        arrays[type_name] = [encode(x, big) for x in data]
        # In elements: the row-major strides of 4 × 5 × 6 are (30, 6, 1).
        shape, strides, offset = [3, 4, 5], [2, 30, -6], 3 + 4 * 6
        for axis in [0, 1, 2, -1]:
            cases.append(case(f"cumsum axis {axis}", type_name, data, shape, strides, offset, "cumsum", {"axis": axis},
                              lambda v, axis=axis: np.cumsum(v, axis=axis,
                                                             dtype=np.float64 if not big else dtype)))
            for descending in [False, True]:
                def order(v, axis=axis, descending=descending):
                    if not descending:
                        return np.argsort(v, axis=axis, kind="stable")
                    # parabuf's descending order is the exact reverse of the ascending one with ties still by index:
                    # a stable ascending argsort of the negated keys, NaN first (numpy has no descending argsort).
                    if big:
                        return np.argsort(-v.astype(object), axis=axis, kind="stable")
                    keys = v.astype(np.float64)
                    return np.argsort(np.where(np.isnan(keys), -np.inf, -keys), axis=axis, kind="stable")
                cases.append(case(f"argsort axis {axis}{' descending' if descending else ''}", type_name, data, shape,
                                  strides, offset, "argsort", {"axis": axis, "descending": descending}, order,
                                  exact_ints=True))
            for q in [0.5, [0.0, 0.25, 0.9, 1.0]]:
                for method in ["linear", "nearest"]:
                    def quantile(v, axis=axis, q=q, method=method):
                        # parabuf interpolates integer data in double (documented): numpy on the data as float64.
                        data = v if type_name.startswith("Float") else v.astype(np.float64)
                        return np.quantile(data, q, axis=axis, method=method)
                    cases.append(case(f"quantile {q} {method} axis {axis}", type_name, data, shape, strides, offset,
                                      "quantile", {"axis": axis, "q": q, "method": method}, quantile))
        # Several axes at once for quantile (numpy reduces them together).
        cases.append(case("quantile axes [0, 2]", type_name, data, shape, strides, offset, "quantile",
                          {"axis": [0, 2], "q": [0.1, 0.5]},
                          lambda v: np.quantile(v if type_name.startswith("Float") else v.astype(np.float64), [0.1, 0.5],
                                                axis=(0, 2))))
    OUT.write_text(json.dumps({"numpy": np.__version__, "data": arrays, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
