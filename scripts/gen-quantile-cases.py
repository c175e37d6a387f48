#!/usr/bin/env python3
"""Writes __test__/data/quantile-cases.json: what numpy's quantile and nanquantile (2.x) return for many inputs, for
__test__/quantile.spec.ts, which runs every case through parabuf without numpy.

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy && /tmp/np/bin/python scripts/gen-quantile-cases.py

A case holds the data, q (a number, which numpy promotes weakly, or a list, which it does not), the method and
whether NaNs are skipped (np.nanquantile), and the expected doubles as 16-hex-digit IEEE bit patterns (so -0 and NaN
are exact), or the error numpy raises. Two differences parabuf documents (docs/numerics.md) are applied here and
marked "adjusted":
- integer data: numpy's result on the data converted to float64 (numpy subtracts neighbours in the integer type,
  which wraps for the extremes of narrow types);
- where numpy's interpolation gives NaN from two non-NaN neighbours (it subtracts infinities, or multiplies one by 0):
  the limit (the left neighbour when both are equal or the weight is 0, the right one at weight 1, else the infinite
  one, NaN between -inf and +inf).
Data values are JSON numbers, or the strings "NaN", "Infinity", "-Infinity", "-0"; 64-bit integers are decimal strings.
"""
import json
import math
import random
import struct
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
OUT = Path(__file__).resolve().parent.parent / "__test__" / "data" / "quantile-cases.json"
METHODS = ["linear", "lower", "higher", "nearest", "midpoint"]
TYPES = {
    "Int8Array": np.int8, "Uint8Array": np.uint8, "Int16Array": np.int16, "Uint16Array": np.uint16,
    "Int32Array": np.int32, "Uint32Array": np.uint32, "BigInt64Array": np.int64, "BigUint64Array": np.uint64,
    "Float16Array": np.float16, "Float32Array": np.float32, "Float64Array": np.float64,
}
FLOATS = ("Float16Array", "Float32Array", "Float64Array")


def bits(x):
    return struct.pack(">d", float(x)).hex()


def enc(x, type):
    if type.startswith("Big"):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 and math.copysign(1, x) < 0:
        return "-0"
    return x


def limit(a, b, t):
    if a == b or t == 0:
        return a
    if t == 1:
        return b
    if math.isinf(a) and math.isinf(b):
        return math.nan
    return a if math.isinf(a) else b


def neighbours(values, q, method):
    """numpy's neighbours and weight (_get_indexes, _get_gamma) over the sorted non-NaN values, for the adjustment."""
    n = len(values)
    scaled = (n - 1) * q
    if method != "linear" and method != "midpoint":
        return None
    v = scaled if method == "linear" else 0.5 * (math.floor(scaled) + math.ceil(scaled))
    if v >= n - 1:
        lo = hi = n - 1
        prev = -1
    else:
        lo = math.floor(v)
        hi = lo + 1
        prev = lo
    t = v - prev if method == "linear" else (0.0 if v % 1 == 0 else 0.5)
    return values[lo], values[hi], t


def expected(type, data, q, method, skip):
    dtype = TYPES[type]
    a = np.array(data, dtype=dtype)
    f = np.nanquantile if skip else np.quantile
    qq = q if isinstance(q, float) else np.array(q, dtype=np.float64)
    listed = lambda r: [float(r)] if isinstance(q, float) else [float(x) for x in r]
    try:
        result = f(a, qq, method=method)
    except (IndexError, ValueError) as e:
        return {"error": type_name(e)}
    raw = [bits(r) for r in listed(result)]
    if type not in FLOATS:
        a = a.astype(np.float64)
        result = f(a, qq, method=method)
    results = listed(result)
    qs = [q] if isinstance(q, float) else q
    valid = sorted(float(x) for x in a if not math.isnan(float(x)))
    has_nan = len(valid) < len(a)
    for i, (r, qq) in enumerate(zip(results, qs)):
        if math.isnan(r) and valid and (skip or not has_nan):
            nb = neighbours(valid, qq, method)
            if nb is not None and not math.isnan(nb[0]) and not math.isnan(nb[1]):
                results[i] = limit(*nb)
    encoded = [bits(r) for r in results]
    return {"expected": encoded, **({"adjusted": True} if encoded != raw else {})}


def type_name(e):
    return type(e).__name__


def main():
    rng = random.Random(20261207)
    cases = []

    def add(type, data, q, method="linear", skip=False, name=""):
        case = {"name": name, "type": type, "data": [enc(x, type) for x in data], "q": q, "method": method}
        if skip:
            case["skipNaN"] = True
        case.update(expected(type, data, q, method, skip))
        cases.append(case)

    for type, dtype in TYPES.items():
        if type in FLOATS:
            lo, hi = -1000.0, 1000.0
            draw = lambda: rng.choice([rng.uniform(lo, hi), float(rng.randint(-5, 5)), rng.uniform(0, 1) * 1e-3])
        else:
            info = np.iinfo(dtype)
            lo, hi = int(info.min), int(info.max)
            if type.startswith("Big"):
                lo, hi = max(lo, -(2**53)), min(hi, 2**53)
            draw = lambda: rng.choice([rng.randint(lo, hi), rng.randint(-3, 3) if lo < 0 else rng.randint(0, 6)])
        for n in (1, 2, 3, 4, 5, 8, 10, 33, 100):
            data = [draw() for _ in range(n)]
            if type in FLOATS:
                data = [float(dtype(x)) for x in data]
            for method in METHODS:
                add(type, data, rng.choice([0.0, 0.5, 1.0, rng.random()]), method, name=f"random n={n}")
                add(type, data, [0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 1.0, rng.random()], method, name=f"random n={n}, q array")
        # Ties: few distinct values.
        for n in (6, 51):
            data = [rng.choice([1, 2, 2, 3]) for _ in range(n)]
            for method in METHODS:
                add(type, data, [0.2, 0.5, 0.8], method, name="ties")
        if type not in FLOATS:
            ext = [lo, hi, lo, hi, 0 if lo < 0 else 1]
            for method in METHODS:
                add(type, ext, [0.0, 0.3, 0.5, 0.7, 1.0], method, name="integer extremes")
        else:
            finfo = np.finfo(dtype)
            big, tiny = float(finfo.max), float(finfo.smallest_subnormal)
            specials = {
                "signed zeros": [-0.0, 0.0, -0.0, 1.0],
                "only -0": [-0.0],
                "two -0": [-0.0, -0.0],
                "near the largest": [big, -big, big, big / 2],
                "subnormals": [tiny, 3 * tiny, -tiny, 0.0, 2 * tiny],
                "infinities": [1.0, math.inf, -math.inf, 2.0],
                "one infinity": [1.0, math.inf],
                "NaN": [3.0, math.nan, 1.0, 2.0],
                "all NaN": [math.nan, math.nan],
            }
            for name, data in specials.items():
                for method in METHODS:
                    add(type, data, [0.0, 0.25, 0.5, 0.75, 1.0], method, name=name)
                    add(type, data, 0.5, method, name=name + ", scalar q")
                    if "NaN" in name:
                        add(type, data, [0.0, 0.5, 1.0], method, skip=True, name=name + ", skipNaN")
            for method in METHODS:
                add(type, [float(dtype(rng.uniform(-1, 1))) for _ in range(40)] + [math.nan] * 3, [0.1, 0.5, 0.9], method, skip=True, name="random with NaN, skipNaN")
        add(type, [], 0.5, name="empty")
        add(type, [], [0.5], name="empty, q array")
        add(type, [1], [], name="empty q")
    OUT.write_text(json.dumps({"numpy": np.__version__, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"{len(cases)} cases, {sum('adjusted' in c for c in cases)} adjusted, {sum('error' in c for c in cases)} errors -> {OUT}")


main()
