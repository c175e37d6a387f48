"""Writes __test__/data/fsum-cases.txt, dot-cases.txt, variance-cases.txt and norm-cases.txt: float series and their
exact sums (of the terms, or of the products of pairs of terms), exact variances or exact Euclidean norms, rounded once
to a double.

Each line is one case: the expected value (for variance, two: ddof 0 and ddof 1), then the terms (for dot, a[0] b[0]
a[1] b[1] ...), all as 16-hex-digit IEEE bit patterns. The expected value is
computed with exact rational arithmetic (fractions.Fraction, whose float() rounds once, ties to even) and checked
against math.fsum (except where fsum refuses an intermediate overflow). Dot series: cancelling products,
products below the subnormal range and near the overflow threshold, ties. Run: python3 scripts/gen-exact-cases.py Series: CPython's test_math.testFsum cases and its random series (`gauss(0, random()) ** 7`
telescoping against the running sum, with huge cancelling pairs), plus mixed magnitudes, near-overflow values and
subnormals.
"""
import math
import random
import struct
from fractions import Fraction
from pathlib import Path


def bits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def exact(values):
    if any(math.isnan(v) for v in values) or (math.inf in values and -math.inf in values):
        return math.nan
    if math.inf in values:
        return math.inf
    if -math.inf in values:
        return -math.inf
    total = sum(map(Fraction, values), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def cases():
    rng = random.Random(20261207)
    out = []
    # CPython's test_math.testFsum random series.
    for _ in range(40):
        vals = [7, 1e100, -7, -1e100, -9e-20, 8e-20] * 10
        s = 0
        for _ in range(200):
            v = rng.gauss(0, rng.random()) ** 7 - s
            s += v
            vals.append(v)
        rng.shuffle(vals)
        out.append([float(v) for v in vals])
    # Mixed magnitudes, with and without cancellation.
    for _ in range(40):
        n = rng.randrange(1, 300)
        vals = [rng.choice([-1, 1]) * rng.random() * 2.0 ** rng.randrange(-1074, 1000) for _ in range(n)]
        if rng.random() < 0.5:
            vals += [-v for v in vals[: n // 2]]
            rng.shuffle(vals)
        out.append(vals)
    # Near the overflow threshold: sums that overflow and sums that only pass through it.
    for _ in range(20):
        n = rng.randrange(2, 12)
        out.append([rng.choice([-1, 1]) * (1 - rng.random() / 4) * 1.7976931348623157e308 for _ in range(n)])
    # Subnormals and the smallest normals.
    for _ in range(20):
        n = rng.randrange(1, 40)
        out.append([rng.choice([-1, 1]) * rng.randrange(1, 2**53) * 2.0 ** -1074 for _ in range(n)])
    # Ties: 2^53 + odd small integers and sticky bits far below.
    for k in range(20):
        out.append([2.0**53, float(2 * k + 1), rng.choice([0.0, 2.0 ** -1000, -(2.0 ** -1000)])])
    return out


def exact_dot(pairs):
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    if any(math.isnan(v) for v in a + b):
        return math.nan
    infinite = [x * y for x, y in pairs if math.isinf(x) or math.isinf(y)]
    if any(math.isnan(p) for p in infinite) or (math.inf in infinite and -math.inf in infinite):
        return math.nan
    if infinite:
        return infinite[0]
    total = sum((Fraction(x) * Fraction(y) for x, y in pairs), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def dot_cases():
    rng = random.Random(20261208)
    out = []
    for _ in range(30):
        # Cancelling: each product followed by nearly its negation.
        pairs = []
        for _ in range(rng.randrange(1, 80)):
            x, y = rng.uniform(-1, 1) * 2.0 ** rng.randrange(-60, 60), rng.uniform(-1, 1) * 2.0 ** rng.randrange(-60, 60)
            pairs += [(x, y), (-x, y * (1 + rng.choice([0, 2**-52, -(2**-52)]))), (rng.random(), rng.random())]
        rng.shuffle(pairs)
        out.append(pairs)
    for _ in range(20):
        # Products far below the subnormal range, alone and against larger ones.
        n = rng.randrange(1, 30)
        out.append([(rng.uniform(-1, 1) * 2.0 ** rng.randrange(-600, -500), rng.uniform(-1, 1) * 2.0 ** rng.randrange(-600, -500)) for _ in range(n)]
                   + [(rng.choice([0.0, 2.0**-1074, 3.0 * 2.0**-1074]), rng.choice([0.5, 0.25, 1.0]))])
    for _ in range(15):
        # Near and past the overflow threshold, with products that overflow on their own but not in the sum.
        n = rng.randrange(2, 8)
        out.append([(rng.choice([-1, 1]) * rng.uniform(0.5, 1) * 2.0**600, rng.uniform(0.5, 1) * 2.0**424) for _ in range(n)])
    for k in range(15):
        # Ties and sticky bits: 2^53 + odd, a tiny product deciding the rounding.
        out.append([(2.0**27, 2.0**26), (float(2 * k + 1), 1.0), (rng.choice([0.0, 2.0**-600, -(2.0**-600)]), 2.0**-500)])
    out.append([(math.inf, 0.0), (1.0, 1.0)])
    out.append([(math.inf, 2.0), (-1.0, math.inf)])
    out.append([(1e200, 1e200), (1e200, -1e200)])
    return out


def exact_variances(values):
    """The exact population (ddof 0) and sample (ddof 1) variances, each rounded once (inf past the largest double)."""
    xs = [Fraction(v) for v in values]
    mean = sum(xs, Fraction(0)) / len(xs)
    m2 = sum(((x - mean) ** 2 for x in xs), Fraction(0))

    def rounded(q):
        try:
            return float(q)
        except OverflowError:
            return math.inf

    return rounded(m2 / len(xs)), rounded(m2 / (len(xs) - 1)) if len(xs) > 1 else math.nan


def variance_cases():
    rng = random.Random(20261209)
    out = []
    for _ in range(15):
        # Offset data: a large offset plus small noise.
        offset = rng.choice([1e9, 1e12, 1e15, -3e8, 2.0**60])
        out.append([offset + rng.uniform(-1, 1) * rng.choice([1e-3, 1, 100]) for _ in range(rng.randrange(2, 200))])
    for _ in range(10):
        # Near the overflow threshold, of one sign and of both.
        big = 1.7976931348623157e308
        out.append([rng.choice([-1, 1]) * rng.uniform(0.1, 1) * big for _ in range(rng.randrange(2, 20))])
        out.append([rng.uniform(0.5, 1) * big for _ in range(rng.randrange(2, 20))])
    for _ in range(10):
        # Subnormal and tiny data; a tiny spread around 1.
        out.append([rng.randrange(-2**40, 2**40) * 2.0**-1074 for _ in range(rng.randrange(2, 50))])
        out.append([rng.uniform(-1, 1) * 2.0**-600 for _ in range(rng.randrange(2, 50))])
        out.append([1.0 + rng.randrange(-4, 5) * 2.0**-52 for _ in range(rng.randrange(2, 50))])
    for _ in range(15):
        # n = 2, and the case.
        out.append([rng.uniform(-1, 1) * 2.0 ** rng.randrange(-1000, 1000) for _ in range(2)])
    out.append([1e200, 1e200, -1e200])
    out.append([1e154, -1e154])
    return out


def exact_norm(values):
    """sqrt(Σx²) of the exact sum, rounded once: isqrt with two guard bits and a sticky bit, then float()'s rounding."""
    total = sum((Fraction(v) * Fraction(v) for v in values), Fraction(0))
    if total == 0:
        return 0.0
    # total = n / 2^k with k even (a power of two at most 2^2148).
    n, d = total.numerator, total.denominator
    k = d.bit_length() - 1
    if k % 2:
        n, k = n * 2, k + 1
    j = max(0, 60 - n.bit_length() // 2)
    root = math.isqrt(n << (2 * j))
    sticky = 1 if root * root != n << (2 * j) else 0
    try:
        return float(Fraction(2 * root + sticky, 2 ** (k // 2 + j + 1)))
    except OverflowError:
        return math.inf


def norm_cases():
    rng = random.Random(20261210)
    out = []
    for _ in range(30):
        e = rng.randrange(-1074, 1000)
        out.append([rng.uniform(-1, 1) * 2.0 ** (e + rng.randrange(-30, 30)) for _ in range(rng.randrange(1, 60))])
    for _ in range(30):
        # Ties and near ties: r² + (r·ulp + ulp²/4) makes the square of the midpoint above r, or a hair off it.
        r = rng.uniform(1, 2) * 2.0 ** rng.randrange(-500, 500)
        ulp = math.ulp(r)
        rest = Fraction(r) * Fraction(ulp) + Fraction(ulp) ** 2 / 4
        x = float(math.sqrt(rest))
        out.append([r, x])
        out.append([r, math.nextafter(x, 0.0)])
        out.append([r, math.nextafter(x, math.inf)])
    out.append([3e200, 4e200])
    out.append([0.3, 0.4])
    out.append([1.7976931348623157e308, 1e300])
    out.append([1.7976931348623157e308, 1.7976931348623157e308])
    out.append([3 * 2.0 ** -1074, 4 * 2.0 ** -1074])
    out.append([2.0 ** -1074] * 7)
    out.append([1e-300, 1e-310, 1e-320])
    return out


def main():
    lines = []
    for values in cases():
        expected = exact(values)
        try:
            assert math.isinf(expected) or expected == math.fsum(values), values
        except OverflowError:
            pass  # fsum gives up on an intermediate overflow; the rational sum is the reference.
        lines.append(' '.join(f'{bits(v):016x}' for v in [expected, *values]))
    data = Path(__file__).resolve().parent.parent / '__test__' / 'data'
    (data / 'fsum-cases.txt').write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} sum cases')
    lines = []
    for pairs in dot_cases():
        terms = [v for pair in pairs for v in pair]
        lines.append(' '.join(f'{bits(v):016x}' for v in [exact_dot(pairs), *terms]))
    (data / 'dot-cases.txt').write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} dot cases')
    lines = []
    for values in variance_cases():
        lines.append(' '.join(f'{bits(v):016x}' for v in [*exact_variances(values), *values]))
    (data / 'variance-cases.txt').write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} variance cases')
    lines = []
    for values in norm_cases():
        lines.append(' '.join(f'{bits(v):016x}' for v in [exact_norm(values), *values]))
    (data / 'norm-cases.txt').write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} norm cases')


main()
