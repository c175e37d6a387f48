"""Writes crates/parabuf-core/tests/data/expr_mpmath_cases.txt: correctly rounded values of the expression language's
transcendental functions, from mpmath at 300 bits, for the core's tests (src/expr/tests.rs) to hold the interpreter
within 1 ulp of.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install mpmath && /tmp/venv/bin/python scripts/expr-mpmath-cases.py

Lines: `function<TAB>x[<TAB>y[<TAB>z]]<TAB>correctly rounded result`, every double as the 16 hex digits of its bits.
Only finite, non-special results are listed (the special values are in expr_js_cases.txt, against V8).
"""

import math
import random
import struct
from pathlib import Path

import mpmath
from mpmath import mp, mpf

mp.prec = 300
OUT = Path(__file__).resolve().parent.parent / "crates" / "parabuf-core" / "tests" / "data" / "expr_mpmath_cases.txt"


def hexbits(x: float) -> str:
    return format(struct.unpack("<Q", struct.pack("<d", x))[0], "016x")


def nearest(v) -> float | None:
    """The double nearest to the mpf v (ties to even), or None outside the finite doubles."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            return None
        v = v.real
    if not mpmath.isfinite(v):
        return None
    x = float(v)  # within one ulp of v; the neighbours decide
    if not math.isfinite(x):
        return None
    best = min((math.nextafter(x, -math.inf), x, math.nextafter(x, math.inf)), key=lambda c: (abs(mpf(c) - v), c != x))
    if not math.isfinite(best) or (abs(best) < 2.2250738585072014e-308 and best != 0):
        # Subnormal results: mpf rounding at 53 bits does not model their coarser spacing; leave them out.
        return None
    return best


rng = random.Random(20261207)


def uniform(lo, hi, n):
    return [rng.uniform(lo, hi) for _ in range(n)]


def binades(lo, hi, n, sign=False):
    out = []
    for _ in range(n):
        x = (1 + rng.random()) * 2.0 ** rng.randint(lo, hi)
        out.append(-x if sign and rng.random() < 0.5 else x)
    return out


# Doubles nearest to multiples of π/2, and their neighbours: where the reduction cancels most.
NEAR_PIO2 = [
    math.nextafter(float(k * mpmath.pi / 2), d) if d else float(k * mpmath.pi / 2)
    for k in [rng.randint(-1_100_000, 1_100_000) for _ in range(200)] + list(range(-20, 21))
    for d in (0, math.inf, -math.inf)
]

FUNCTIONS = {
    "exp": (mpmath.exp, uniform(-745.2, 709.8, 1500) + uniform(-1, 1, 500) + uniform(-0.35, 0.35, 500)
            + uniform(-745.2, -708, 300) + binades(-60, -1, 100, True)),
    "expm1": (mpmath.expm1, uniform(-40, 709, 100) + uniform(-1, 1, 50) + binades(-60, -10, 50, True)),
    "log": (mpmath.log, binades(-1022, 1023, 150) + uniform(0.999, 1.001, 50)),
    "log2": (mpmath.log2 if hasattr(mpmath, "log2") else (lambda x: mpmath.log(x, 2)), binades(-1022, 1023, 150) + uniform(0.999, 1.001, 50)),
    "log10": (mpmath.log10, binades(-1022, 1023, 150) + uniform(0.999, 1.001, 50)),
    "log1p": (mpmath.log1p, uniform(-0.999, 10, 100) + binades(-60, 60, 100, True)),
    "sin": (mpmath.sin, uniform(-10, 10, 500) + uniform(-1.7e6, 1.7e6, 500) + binades(60, 1000, 40, True) + NEAR_PIO2),
    "cos": (mpmath.cos, uniform(-10, 10, 500) + uniform(-1.7e6, 1.7e6, 500) + binades(60, 1000, 40, True) + NEAR_PIO2),
    "tan": (mpmath.tan, uniform(-10, 10, 100) + uniform(-1e6, 1e6, 60) + binades(60, 1000, 40, True)),
    "asin": (mpmath.asin, uniform(-1, 1, 150) + binades(-60, -1, 50, True)),
    "acos": (mpmath.acos, uniform(-1, 1, 150) + binades(-60, -1, 50, True)),
    "atan": (mpmath.atan, uniform(-10, 10, 100) + binades(-60, 100, 100, True)),
    "sinh": (mpmath.sinh, uniform(-710, 710, 100) + uniform(-1, 1, 300) + uniform(-22, 22, 200) + binades(-60, -1, 50, True)),
    "cosh": (mpmath.cosh, uniform(-710, 710, 100) + uniform(-1, 1, 200) + uniform(-22, 22, 200)),
    "tanh": (mpmath.tanh, uniform(-20, 20, 200) + uniform(-1, 1, 500) + uniform(-25, 25, 200) + binades(-60, -1, 100, True)),
    "asinh": (mpmath.asinh, binades(-60, 1000, 150, True) + uniform(-1, 1, 50)),
    "acosh": (mpmath.acosh, binades(0, 1000, 150) + uniform(1, 2, 50) + binades(-10, 10, 20, True)),
    "atanh": (mpmath.atanh, uniform(-1, 1, 150) + binades(-60, -1, 50, True)),
    "cbrt": (lambda x: mpmath.sign(x) * mpmath.cbrt(abs(x)), binades(-1022, 1023, 200, True)),
}


def js_pow(x, y):
    return mpf(x) ** mpf(y) if x >= 0 or float(y).is_integer() else mpf("nan")


BINARY = {
    "atan2": (lambda y, x: mpmath.atan2(y, x), [(a, b) for a, b in zip(binades(-100, 100, 200, True), binades(-100, 100, 200, True))]),
    "pow": (js_pow, [(a, b) for a, b in zip(uniform(0, 100, 150), uniform(-50, 50, 150))]
            + [(-a, float(rng.randint(-40, 40))) for a in uniform(0.5, 20, 50)]),
    "hypot": (lambda x, y: mpmath.sqrt(mpf(x) ** 2 + mpf(y) ** 2),
              [(a, b) for a, b in zip(binades(-1070, 1020, 200, True), binades(-1070, 1020, 200, True))]
              + [(a, a * rng.uniform(0.5, 2)) for a in binades(-1000, 1000, 100, True)]),
}

TERNARY = {
    "hypot": (lambda x, y, z: mpmath.sqrt(mpf(x) ** 2 + mpf(y) ** 2 + mpf(z) ** 2),
              [tuple(binades(-500, 500, 3, True)) for _ in range(150)]
              + [(a, a * rng.uniform(0.5, 2), a * rng.uniform(0.5, 2)) for a in binades(-1000, 1000, 50, True)]),
}

lines = []
for name, (f, xs) in FUNCTIONS.items():
    for x in xs:
        r = nearest(f(mpf(x)))
        if r is not None:
            lines.append("\t".join([name, hexbits(x), hexbits(r)]))
for table in (BINARY, TERNARY):
    for name, (f, cases) in table.items():
        for args in cases:
            r = nearest(f(*[mpf(a) for a in args]))
            if r is not None:
                lines.append("\t".join([name, *map(hexbits, args), hexbits(r)]))

OUT.write_text("\n".join(lines) + "\n")
print(f"{len(lines)} lines to {OUT} (mpmath {mpmath.__version__})")
