"""Writes __test__/data/fsum-cases.txt: float series and their exact sums rounded once to a double.

Each line is one case: the expected sum, then the terms, all as 16-hex-digit IEEE bit patterns. The expected value is
computed with exact rational arithmetic (fractions.Fraction, whose float() rounds once, ties to even) and checked
against math.fsum (except where fsum refuses an intermediate overflow). Series: CPython's test_math.testFsum cases and its random series (`gauss(0, random()) ** 7`
telescoping against the running sum, with huge cancelling pairs), plus mixed magnitudes, near-overflow values and
subnormals. Run: python3 scripts/gen-fsum-cases.py
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


def main():
    lines = []
    for values in cases():
        expected = exact(values)
        try:
            assert math.isinf(expected) or expected == math.fsum(values), values
        except OverflowError:
            pass  # fsum gives up on an intermediate overflow; the rational sum is the reference.
        lines.append(' '.join(f'{bits(v):016x}' for v in [expected, *values]))
    path = Path(__file__).resolve().parent.parent / '__test__' / 'data' / 'fsum-cases.txt'
    path.write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} cases -> {path}')


main()
