#!/usr/bin/env python3
"""Writes __test__/data/histogram-cases.json: what numpy.histogram (2.x) counts for many inputs, for
__test__/histogram.spec.ts, which runs every case through parabuf without numpy.

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy && /tmp/np/bin/python scripts/gen-histogram-cases.py

parabuf's options map onto numpy as docs/numerics.md says:
- no min and no max: np.histogram(a, bins), the range taken from the data in its own type; for data with NaN (which
  numpy refuses), range=(np.nanmin(a), np.nanmax(a)) as numpy scalars of the data's type, which numpy treats alike;
- min and max: range=(float(min), float(max)), two Python floats;
- one of them: the other is float(np.nanmax(a)) or float(np.nanmin(a)) (one unit beside the given bound when no
  element is a number).
Where numpy raises (ValueError, or the IndexError of an index it cannot place), the case expects a RangeError.

Each value array is stored once, in "data"; a case names it by index. Numbers are stored as JSON numbers (Python writes the shortest text that reads back as the same double), non-finite
ones as the strings "NaN", "Infinity", "-Infinity", and 64-bit integers as decimal strings.
"""
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
OUT = Path(__file__).resolve().parent.parent / "__test__" / "data" / "histogram-cases.json"
MAX = float(np.finfo(np.float64).max)

TYPES = {
    "Int8Array": np.int8, "Uint8Array": np.uint8, "Int16Array": np.int16, "Uint16Array": np.uint16,
    "Int32Array": np.int32, "Uint32Array": np.uint32, "BigInt64Array": np.int64, "BigUint64Array": np.uint64,
    "Float16Array": np.float16, "Float32Array": np.float32, "Float64Array": np.float64,
}
FLOATS = ("Float16Array", "Float32Array", "Float64Array")


def enc(x):
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def numpy_counts(a, bins, lo, hi):
    """What numpy answers for parabuf's histogram(a, { bins, min: lo, max: hi })."""
    if lo is None and hi is None:
        if a.size and np.isnan(a).any() if a.dtype.kind == "f" else False:
            if np.isnan(a).all():
                raise ValueError("autodetected range of [nan, nan] is not finite")
            return np.histogram(a, bins=bins, range=(np.nanmin(a), np.nanmax(a)))[0]
        return np.histogram(a, bins=bins)[0]
    numbers = a[~np.isnan(a)] if a.dtype.kind == "f" else a
    if lo is None:
        lo = float(numbers.min()) if numbers.size else hi - 1.0
    if hi is None:
        hi = float(numbers.max()) if numbers.size else lo + 1.0
    return np.histogram(a, bins=bins, range=(float(lo), float(hi)))[0]


CASES = []
SEEN = set()
DATA = []  # the value arrays, each stored once; a case names its array by index
DATA_INDEX = {}


def case(name, type_name, values, bins, lo=None, hi=None):
    a = np.array(values, dtype=TYPES[type_name])
    key = (type_name, a.tobytes(), bins, lo, hi)
    if key in SEEN:
        return
    SEEN.add(key)
    data_key = (type_name, a.tobytes())
    if data_key not in DATA_INDEX:
        DATA_INDEX[data_key] = len(DATA)
        DATA.append([enc(x) for x in a.tolist()])
    entry = {"name": name, "type": type_name, "data": DATA_INDEX[data_key], "bins": bins}
    if lo is not None:
        entry["min"] = enc(lo)
    if hi is not None:
        entry["max"] = enc(hi)
    try:
        counts = numpy_counts(a, bins, lo, hi)
        entry["counts"] = [[i, int(c)] for i, c in enumerate(counts) if c]
    except (ValueError, IndexError) as e:
        entry["error"] = f"{type(e).__name__}: {e}"
    CASES.append(entry)


rng = np.random.default_rng(19)

# ---- numpy's own tests (numpy/lib/tests/test_histograms.py, TestHistogram), as counts ----
case("test_simple: rand(100), 10 bins", "Float64Array", rng.random(100), 10)
case("test_simple: linspace(0, 10, 100), 10 bins", "Float64Array", np.linspace(0, 10, 100), 10)
case("test_one_bin: [1, 2], 1 bin", "Float64Array", [1, 2], 1)
case("test_one_bin: [1, 2] int64, 1 bin", "BigInt64Array", [1, 2], 1)
for lo, hi in [(0, 9), (1, 10)]:
    case(f"test_outliers: arange(10) + .5, range [{lo}, {hi}]", "Float64Array", np.arange(10) + .5, 10, lo, hi)
case("test_outliers: 8 bins over [1, 9]", "Float64Array", np.arange(10) + .5, 8, 1, 9)
for t in ("Float32Array", "Float64Array"):
    for v in ([276.318359, -69.593948, 21.329449], [5005.689453, 4481.327637, 6010.369629]):
        case("test_f32_rounding (histogram2d's axes)", t, v, 100)
case("test_empty", "Float64Array", [], 1, 0, 1)
case("test_finite_range", "Float64Array", np.linspace(0.0, 1.0, num=100), 10, 0.25, 0.75)
for t in ("BigInt64Array", "Float64Array", "Int32Array", "Uint16Array", "Float32Array"):
    case("test_bin_edge_cases", t, [337, 404, 739, 806, 1007, 1811, 2012], 8296, 2, 2280)
case("test_last_bin_inclusive_range", "Float64Array", [0., 0., 0., 1., 2., 3., 3., 4., 5.], 30, -0.5, 5)
case("test_some_nan_values: one NaN, range (0, 1)", "Float64Array", [0, 1, np.nan], 10, 0, 1)
case("test_some_nan_values: all NaN, range (0, 1)", "Float64Array", [np.nan, np.nan], 10, 0, 1)
case("test_some_nan_values: all NaN, range from the data", "Float64Array", [np.nan, np.nan], 10)
case("test_some_nan_values: one NaN, range from the other values (parabuf)", "Float64Array", [0, 1, np.nan], 10)
for t, bits in (("Int8Array", 8), ("Int16Array", 16), ("Int32Array", 32), ("BigInt64Array", 64)):
    e = bits - 1
    case("test_signed_overflow_bounds", t, [-2**e + 4, 2**e - 4], 2)
    case("test_signed_overflow_bounds: the extremes", t, [-2**e, 2**e - 1, 0, -1, 1], 7)
for small, eps in (("Float16Array", np.finfo(np.float32).eps), ("Float16Array", np.finfo(np.float64).eps),
                   ("Float32Array", np.finfo(np.float64).eps)):
    case("test_precision: lower bound", small, [1.0], 1, 1.0 + float(eps), 2.0)
    case("test_precision: upper bound", small, [1.0], 1, 0.0, 1.0 - float(eps))
case("test_small_value_range", "Float64Array", [1, 1 + 2e-16] * 10, 10)
case("test_gh_23110", "Float64Array", [-0.9e-308], 2, -1e-308, -2e-313)
case("test_integer_non_auto: tile(arange(9), 10), 16 bins", "BigInt64Array", np.tile(np.arange(9), 10), 16)
case("test_integer_non_auto: as Uint8", "Uint8Array", np.tile(np.arange(9), 10), 16)
case("issue 19: tiny values in a symmetric range", "Float64Array", [-1, -1e-17, 1e-17, 1], 2)
case("issue 19: 0.3 in 10 bins over [0, 1]", "Float64Array", [0.3], 10, 0, 1)
case("numpy: too narrow for 10 bins", "Float64Array", [1.0], 10, 1.0, float(np.nextafter(1.0, 2)))

# ---- every edge, and one ulp either side of it ----
RANGES = [(0.0, 1.0), (-1.0, 1.0), (-3.7, 11.2), (0.1, 0.7), (1e-300, 1e-299), (-1e20, 1e20), (1e15, 1e15 + 1000),
          (-5e-324, 5e-324), (2.5, 2.5), (-1e300, 1e300), (-MAX / 2, MAX / 2)]
BINS = [1, 2, 3, 7, 10, 33, 100, 256]


def around(edges, dtype):
    out = []
    for e in edges:
        e = dtype(e)
        out += [e, np.nextafter(e, dtype(-np.inf)), np.nextafter(e, dtype(np.inf))]
    return out


for t in FLOATS:
    dt = TYPES[t]
    for lo, hi in RANGES:
        for bins in BINS:
            if t != "Float64Array" and (abs(lo) > 1e4 or 0 < abs(hi - lo) < 1e-3) and bins > 3:
                continue
            try:
                _, edges = np.histogram(np.array([], dt), bins=bins, range=(lo, hi))
                values = around(edges, dt)
            except ValueError:
                values = [lo, hi]
            values += [0.0, -0.0, lo / 2, hi / 2, np.nan]
            case(f"edges ±1 ulp, range given [{lo}, {hi}]", t, values, bins, lo, hi)
            # The same data with the range taken from it (in the data's type): the extremes are the outermost edges.
            auto = np.array([v for v in values if not np.isnan(v) and dt(lo) <= dt(v) <= dt(hi)], dt)
            if auto.size:
                try:
                    _, edges = np.histogram(auto, bins=bins)
                    more = [v for v in around(edges, dt) if auto.min() <= v <= auto.max()]
                except ValueError:
                    more = []
                merged = np.unique(np.concatenate([auto, np.array(more, dt)]))
                case(f"edges ±1 ulp, range from the data [{lo}, {hi}]", t, merged, bins)
            if bins <= 10:
                case(f"one bound given: min {lo}", t, values, bins, lo, None)
                case(f"one bound given: max {hi}", t, values, bins, None, hi)

for lo, hi in [(0.0, 1.0), (-3.7, 11.2), (-1e20, 1e20)]:
    _, edges = np.histogram(np.array([]), bins=1000, range=(lo, hi))
    case(f"edges ±1 ulp, 1000 bins over [{lo}, {hi}]", "Float64Array", around(edges, np.float64), 1000, lo, hi)

# Tiny values near 0 in symmetric ranges, and huge ranges.
tiny = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1e-17, -1e-17, 2.2e-308, -2.2e-308, 1e-30, -1e-30]
for bins in [1, 2, 3, 4, 5, 8, 10, 64, 255, 256, 1001]:
    for r in [1.0, 1e-10, 1e20, 1e300, MAX]:
        case("tiny values, symmetric range", "Float64Array", tiny + [-r, r], bins)
        case("tiny values, symmetric range given", "Float64Array", tiny, bins, -r, r)
        case("huge values, symmetric range given", "Float64Array", [-r, r, r / 3, -r / 3, r / 7], bins, -r, r)
    case("±MAX_VALUE from the data", "Float64Array", [-MAX, 0.0, MAX], bins)
    case("±MAX_VALUE given, no overflowing element", "Float64Array", [-MAX, -1.0, 0.0], bins, -MAX, MAX)
    case("±1e20", "Float64Array", [-1e20, 1e20, 0.0, 3.3e19, -1e19, 7e19, 1.0], bins)
    case("float32 tiny", "Float32Array", [0.0, 1e-45, -1e-45, 1e-38, -1e-38, 1.0, -1.0], bins)
    case("float32 huge", "Float32Array", [-3.4e38, 3.4e38, 0.0, 1e38], bins)
    case("float16 range", "Float16Array", [-65504.0, 65504.0, 0.0, 1.0], bins)
    case("float16 tiny", "Float16Array", [0.0, 6e-8, -6e-8, 1.0], bins)

# Integer data: auto ranges (computed with the exact width), given ranges, all in one value.
INT_EXTREMES = {"Int8Array": (-128, 127), "Uint8Array": (0, 255), "Int16Array": (-32768, 32767),
                "Uint16Array": (0, 65535), "Int32Array": (-2**31, 2**31 - 1), "Uint32Array": (0, 2**32 - 1),
                "BigInt64Array": (-2**63, 2**63 - 1), "BigUint64Array": (0, 2**64 - 1)}
for t, (lo, hi) in INT_EXTREMES.items():
    dt = TYPES[t]
    extremes = [lo, hi, lo + 1, hi - 1, (lo + hi) // 2, (lo + hi) // 2 + 1, 0, 1]
    for bins in [1, 2, 3, 7, 10, 255, 256, 1000, 4096]:
        case("integer extremes", t, extremes, bins)
        rand = rng.integers(lo, hi, size=100, dtype=dt, endpoint=True)
        case("random integers", t, rand, bins)
        case("random integers, range given", t, rand, bins, float(lo) / 3 + float(hi) / 3, float(hi) * 0.9)
        small = rng.integers(max(lo, -50), min(hi, 50), size=100, dtype=dt, endpoint=True)
        case("small integers", t, small, bins)
        case("small integers, range given", t, small, bins, -20.5, 37.25)
        case("one value", t, [hi, hi, hi], bins)
        case("one value", t, [lo + 3] * 3, bins)
    if t.startswith("Big"):
        for base in [2**53, 2**60, 2**62]:
            s = -base if t == "BigInt64Array" else base
            case("64-bit integers beyond 2^53", t, [s, s + 1, s + 2, s + 3, s + 1000, s + 4097], 4)
            case("64-bit integers beyond 2^53, range given", t, [s, s + 1, s + 2, s + 1000], 3, float(s), float(s + 1000))

# Random floats in every float type, with and without a range, with NaN.
for t in FLOATS:
    dt = TYPES[t]
    for bins in [1, 2, 5, 16, 100, 256, 1000, 2048, 4096, 65536]:
        x = rng.normal(size=200).astype(dt)
        case("normal data", t, x, bins)
        case("normal data, range given", t, x, bins, -1.5, 2.25)
        case("normal data, min given", t, x, bins, -0.3, None)
        with_nan = np.concatenate([x[:50], [np.nan, np.nan]])
        case("normal data with NaN (range from the other values)", t, with_nan, bins)
        u = (rng.random(200) * 3 - 1).astype(dt)
        case("uniform data over [-1, 2]", t, u, bins, -1, 2)
    case("empty, range from the data", t, [], 65536)
    case("empty, range from the data", t, [], 3)
    case("a value of float16's and float32's edge rounding", t, [0.1, 0.2, 0.3, 0.7, 0.9], 10, 0, 1)

json.dump({"numpy": np.__version__, "data": DATA, "cases": CASES}, open(OUT, "w"), separators=(",", ":"))
errors = sum("error" in c for c in CASES)
print(f"{len(CASES)} cases ({errors} where numpy raises) from numpy {np.__version__} -> {OUT}", file=sys.stderr)
