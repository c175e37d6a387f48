//! Exact accumulators: the real sum of every double (or every product of two doubles) added, with no rounding until
//! `value` rounds it once to the nearest double (ties to even), as Python's `math.fsum` returns a sum.
//!
//! Every finite double is an integer multiple of 2^-1074 below 2^1024, and every product of two an integer multiple of
//! 2^-2148 below 2^2048, so a sum is kept as a fixed-point integer in those units, split into 32-bit digits held in
//! `i64`s (Neal's "small superaccumulator", arXiv:1505.05571): a 53-bit significand (or a 106-bit product of two),
//! shifted to its exponent, touches three (five) adjacent digits, with no carry propagated until the digits are
//! normalised. Each addition changes a digit by less than 2^32, so [`ADDS_BEFORE_NORMALISING`] additions fit before a
//! digit could overflow.

/// Bits per digit.
const DIGIT_BITS: u32 = 32;
/// Additions after which the digits must be normalised: each adds less than 2^32 in magnitude to a digit, which then
/// stays below 2^62 in magnitude, so two such accumulators can still be merged.
pub(crate) const ADDS_BEFORE_NORMALISING: usize = 1 << 29;
const _: () = assert!(crate::exec::BLOCK <= ADDS_BEFORE_NORMALISING, "a block is summed without normalising");

/// The exact sum of doubles: units of 2^-1074; the largest significand (2^53) at the largest shift (2045) reaches bit
/// 2098, and two digits above it absorb the carries of up to 2^62 such values.
pub(crate) type ExactSum = Superaccumulator<{ 2098 / 32 + 3 }, 1074>;

/// The exact sum of products of two doubles: units of 2^-2148; the largest product of significands (2^106) at the
/// largest shift (2 · 2045) reaches bit 4196, and two digits above it absorb the carries.
pub(crate) type ExactDot = Superaccumulator<{ 4196 / 32 + 3 }, 2148>;

/// A sum kept exactly as `DIGITS` 32-bit digits (in `i64`s, with carries pending) in units of 2^-`UNIT`, with the
/// special values seen.
#[derive(Clone, Debug)]
pub(crate) struct Superaccumulator<const DIGITS: usize, const UNIT: u32> {
    digits: [i64; DIGITS],
    /// A NaN was added (or a product of zero and an infinity).
    nan: bool,
    /// +Infinity was added.
    positive_infinity: bool,
    /// -Infinity was added.
    negative_infinity: bool,
}

impl<const DIGITS: usize, const UNIT: u32> Default for Superaccumulator<DIGITS, UNIT> {
    fn default() -> Self {
        Superaccumulator { digits: [0; DIGITS], nan: false, positive_infinity: false, negative_infinity: false }
    }
}

/// A finite double as `significand · 2^(shift - 1074)`, with its sign; `None` for an infinity or NaN.
#[inline(always)]
fn decompose(x: f64) -> Option<(u64, u32, bool)> {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as u32;
    if exponent == 0x7ff {
        return None;
    }
    let fraction = bits & ((1 << 52) - 1);
    // A subnormal has the smallest exponent's scale and no implicit bit.
    let (significand, shift) = if exponent == 0 { (fraction, 0) } else { (fraction | 1 << 52, exponent - 1) };
    Some((significand, shift, bits >> 63 == 1))
}

impl<const DIGITS: usize, const UNIT: u32> Superaccumulator<DIGITS, UNIT> {
    /// Adds `magnitude · 2^shift` units (`magnitude` below 2^106), negated when `negative`, over `WIDTH` digits.
    #[inline(always)]
    fn add_units<const WIDTH: usize>(&mut self, magnitude: u128, shift: u32, negative: bool) {
        let offset = shift % DIGIT_BITS;
        let low = magnitude << offset;
        // The bits shifted past 128 (only products reach them).
        let high = if offset == 0 { 0 } else { magnitude >> (128 - offset) };
        // The sign as a mask: 0 to add, -1 to subtract (`(v ^ mask) - mask` negates when the mask is -1).
        let mask = -i64::from(negative);
        let digit = (shift / DIGIT_BITS) as usize;
        if let Some(digits) = self.digits.get_mut(digit..digit + WIDTH) {
            for (i, d) in digits.iter_mut().enumerate() {
                let part = if i < 4 { (low >> (32 * i)) as u64 & 0xffff_ffff } else { high as u64 };
                *d += (part as i64 ^ mask) - mask;
            }
        }
    }

    #[cold]
    fn add_infinity(&mut self, negative: bool) {
        if negative {
            self.negative_infinity = true;
        } else {
            self.positive_infinity = true;
        }
    }

    /// Propagates the carries: every digit but the top one ends in `0..2^32`, the top one holds the sign.
    pub(crate) fn normalise(&mut self) {
        let mut carry = 0i64;
        let last = DIGITS - 1;
        for digit in &mut self.digits[..last] {
            let value = *digit + carry;
            carry = value >> DIGIT_BITS;
            *digit = value & 0xffff_ffff;
        }
        self.digits[last] += carry;
    }

    /// Adds `other`'s sum to this one. Both must have been normalised since their last additions; this one is
    /// normalised after.
    pub(crate) fn merge(&mut self, other: &Self) {
        for (digit, theirs) in self.digits.iter_mut().zip(&other.digits) {
            *digit += theirs;
        }
        self.nan |= other.nan;
        self.positive_infinity |= other.positive_infinity;
        self.negative_infinity |= other.negative_infinity;
        self.normalise();
    }

    /// The sum rounded once to the nearest double, ties to even: ±Infinity when it overflows, NaN when a NaN or both
    /// infinities were added, an infinity when one was, and +0 for a zero sum (as `math.fsum` gives it, even for
    /// negative zeros). Must be normalised.
    pub(crate) fn value(&self) -> f64 {
        self.scaled_value(0)
    }

    /// [`Superaccumulator::value`] of the sum times 2^`exponent` (rounded once: a sum past the largest double can still
    /// give a finite value scaled down). Must be normalised.
    pub(crate) fn scaled_value(&self, exponent: i32) -> f64 {
        if self.nan || (self.positive_infinity && self.negative_infinity) {
            return f64::NAN;
        }
        if self.positive_infinity {
            return f64::INFINITY;
        }
        if self.negative_infinity {
            return f64::NEG_INFINITY;
        }
        let negative = self.digits[DIGITS - 1] < 0;
        // The magnitude, as 32-bit digits (two's complement negation across the digits; the top one may be wider).
        let mut magnitude = [0u64; DIGITS];
        let mut borrow = 0i64;
        for (out, &digit) in magnitude.iter_mut().zip(&self.digits) {
            let value = if negative { -digit - borrow } else { digit };
            // Normalised digits below the top are in 0..2^32; negated, each is in -2^32..=0 before the borrow.
            borrow = i64::from(value < 0);
            *out = (value + (borrow << DIGIT_BITS)) as u64;
        }
        let rounded = round_units(&magnitude, UNIT.saturating_add_signed(-exponent));
        if negative {
            -rounded
        } else {
            rounded
        }
    }
}

impl ExactSum {
    /// Adds `x` exactly. Call `normalise` at least every [`ADDS_BEFORE_NORMALISING`] additions.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        match decompose(x) {
            // The significand (53 bits) shifted by at most 31 spans three digits.
            Some((significand, shift, negative)) => self.add_units::<3>(u128::from(significand), shift, negative),
            None if x.is_nan() => self.nan = true,
            None => self.add_infinity(x < 0.0),
        }
    }
}

impl ExactDot {
    /// Adds the exact product `a · b`. Call `normalise` at least every [`ADDS_BEFORE_NORMALISING`] additions.
    #[inline(always)]
    pub(crate) fn add_product(&mut self, a: f64, b: f64) {
        match (decompose(a), decompose(b)) {
            // The product of significands (106 bits) shifted by at most 31 spans five digits.
            (Some((x, shift_x, negative_x)), Some((y, shift_y, negative_y))) => {
                self.add_units::<5>(u128::from(x) * u128::from(y), shift_x + shift_y, negative_x != negative_y);
            }
            _ => self.add_special_product(a * b),
        }
    }

    /// Adds `±a · b · 2^scale` exactly, for finite `a` and `b` (negated when `negative`): for comparisons against
    /// sums of products. Call `normalise` before reading.
    pub(crate) fn add_scaled_product(&mut self, a: f64, b: f64, scale: u32, negative: bool) {
        if let (Some((x, shift_x, negative_x)), Some((y, shift_y, negative_y))) = (decompose(a), decompose(b)) {
            let negative = negative != (negative_x != negative_y);
            self.add_units::<5>(u128::from(x) * u128::from(y), shift_x + shift_y + scale, negative);
        }
    }

    /// The sign of the (finite, normalised) sum: whether it is below, at or above zero.
    pub(crate) fn sign(&self) -> std::cmp::Ordering {
        let top = self.digits[self.digits.len() - 1];
        if top != 0 {
            return top.cmp(&0);
        }
        // Digits below the top are normalised to 0..2^32: any non-zero one makes the sum positive.
        if self.digits.iter().any(|&d| d != 0) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }

    /// A product with an infinite or NaN factor: its IEEE value is infinite or NaN (a zero times an infinity).
    #[cold]
    fn add_special_product(&mut self, product: f64) {
        if product.is_nan() {
            self.nan = true;
        } else {
            self.add_infinity(product < 0.0);
        }
    }
}

/// The double nearest `magnitude` (32-bit digits) × 2^-`unit`, ties to even; `+0` for 0, `Infinity` past the largest
/// double.
fn round_units(magnitude: &[u64], unit: u32) -> f64 {
    let Some(top) = magnitude.iter().rposition(|&d| d != 0) else {
        return 0.0;
    };
    let bit_length = top as u32 * DIGIT_BITS + (64 - magnitude[top].leading_zeros());
    if bit_length > unit + 1024 {
        return f64::INFINITY;
    }
    let bit = |index: u32| magnitude.get((index / DIGIT_BITS) as usize).map_or(0, |d| (d >> (index % DIGIT_BITS)) & 1);
    // The result's last bit: 53 bits below the leading one, or the subnormal unit 2^-1074 if that is higher.
    let lowest = bit_length.saturating_sub(53).max(unit.saturating_sub(1074));
    // The kept bits (at most 53), then round half to even on the first dropped bit and the rest.
    let mut kept = 0u64;
    for index in (lowest..bit_length.max(lowest)).rev() {
        kept = kept << 1 | bit(index);
    }
    let half = lowest > 0 && bit(lowest - 1) == 1;
    let rest = lowest > 1 && (0..lowest - 1).any(|index| bit(index) == 1);
    if half && (rest || kept & 1 == 1) {
        kept += 1;
    }
    // kept <= 2^53 is exact as a double. 2^(lowest - unit) lies in 2^-1074..=2^1024; applied in two halves, each a
    // normal power of two, the first product stays normal and the second rounds nothing (the result has at most 53
    // bits, none below 2^-1074) except past the largest double, to Infinity.
    let power = i64::from(lowest) - i64::from(unit);
    let pow2 = |e: i64| f64::from_bits(((e + 1023) as u64) << 52);
    kept as f64 * pow2(power / 2) * pow2(power - power / 2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kernels::testutil::{same_bits_or_both_nan, Rng};

    fn exact(values: &[f64]) -> f64 {
        let mut total = ExactSum::default();
        values.iter().for_each(|x| total.add(*x));
        total.normalise();
        total.value()
    }

    fn hex(text: &str) -> f64 {
        // "±0x1.<13 hex digits>p±e"
        let (negative, text) = text.strip_prefix('-').map_or((false, text), |t| (true, t));
        let (mantissa, exponent) = text.trim_start_matches("0x1.").split_once('p').unwrap();
        let bits = u64::from_str_radix(mantissa, 16).unwrap();
        let exponent: i64 = exponent.parse().unwrap();
        let value = f64::from_bits(((exponent + 1023) as u64) << 52 | bits);
        if negative {
            -value
        } else {
            value
        }
    }

    /// CPython's `test_math.testFsum` cases, with its expected values.
    #[test]
    fn cpython_fsum_cases() {
        let p = |e: i32| 2f64.powi(e);
        let mut cases: Vec<(Vec<f64>, f64)> = vec![
            (vec![], 0.0),
            (vec![0.0], 0.0),
            (vec![1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50], 1e-100),
            (vec![p(53), -0.5, -p(-54)], p(53) - 1.0),
            (vec![p(53), 1.0, p(-100)], p(53) + 2.0),
            (vec![p(53) + 10.0, 1.0, p(-100)], p(53) + 12.0),
            (vec![p(53) - 4.0, 0.5, p(-54)], p(53) - 3.0),
            ((1..1001).map(|n| 1.0 / f64::from(n)).collect(), hex("0x1.df11f45f4e61ap+2")),
            ((1..1001).map(|n| (-1f64).powi(n) / f64::from(n)).collect(), hex("-0x1.62a2af1bd3624p-1")),
            (vec![1e16, 1.0, 1e-16], 10000000000000002.0),
            (vec![1e16 - 2.0, 1.0 - p(-53), -(1e16 - 2.0), -(1.0 - p(-53))], 0.0),
        ];
        // Partials of every size: 2^n - 2^(n+50) + 2^(n+52) for n in -1074, -1072, ..., 970, then -2^1022.
        let mut spread: Vec<f64> = (-1074..972).step_by(2).map(|n| p(n) - p(n + 50) + p(n + 52)).collect();
        spread.push(-p(1022));
        cases.push((spread, hex("0x1.5555555555555p+970")));
        // A telescoping sum with exact differences (Sterbenz): exactly -1.
        let terms: Vec<f64> = (0..1001).map(|i| 1.7f64.powi(i)).collect();
        let mut telescoping: Vec<f64> = terms.windows(2).map(|w| w[1] - w[0]).collect();
        telescoping.push(-terms[1000]);
        cases.push((telescoping, -terms[0]));
        for (values, expected) in cases {
            assert_eq!(exact(&values).to_bits(), expected.to_bits(), "{values:?}");
        }
    }

    #[test]
    fn special_values_follow_ieee_on_the_exact_sum() {
        assert_eq!(exact(&[1e308, -1e308, 1e308]), 1e308);
        assert_eq!(exact(&[1e308, -1e308, 1e308, -1e308, 1e308]), 1e308);
        assert_eq!(exact(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX);
        assert_eq!(exact(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(exact(&[-f64::MAX, -f64::MAX]), f64::NEG_INFINITY);
        // Just below the overflow threshold (MAX + half an ulp) still rounds to MAX; at it, to Infinity (a tie goes
        // to the even significand, which is 2^1024's).
        let half_ulp = p_of(970);
        assert_eq!(exact(&[f64::MAX, half_ulp / 2.0]), f64::MAX);
        assert_eq!(exact(&[f64::MAX, half_ulp]), f64::INFINITY);
        assert!(exact(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(exact(&[1.0, f64::NAN]).is_nan());
        assert_eq!(exact(&[f64::INFINITY, 1e308, 1e308]), f64::INFINITY);
        assert_eq!(exact(&[-0.0]).to_bits(), 0.0f64.to_bits());
        assert_eq!(exact(&[f64::from_bits(1), f64::from_bits(1)]), f64::from_bits(2));
        assert_eq!(exact(&[f64::MIN_POSITIVE, -f64::from_bits(1)]), f64::MIN_POSITIVE - f64::from_bits(1));
    }

    fn p_of(e: i32) -> f64 {
        2f64.powi(e)
    }

    #[test]
    fn ties_round_to_even() {
        // 2^53 + 1 is halfway between 2^53 and 2^53 + 2: to the even 2^53; 2^53 + 3 to 2^53 + 4.
        assert_eq!(exact(&[p_of(53), 1.0]), p_of(53));
        assert_eq!(exact(&[p_of(53), 3.0]), p_of(53) + 4.0);
        // A tie broken by a tiny sticky bit far below.
        assert_eq!(exact(&[p_of(53), 1.0, p_of(-1000)]), p_of(53) + 2.0);
        assert_eq!(exact(&[-p_of(53), -1.0, -p_of(-1000)]), -p_of(53) - 2.0);
    }

    /// `__test__/data/fsum-cases.txt` (`scripts/gen-exact-cases.py`): series with their exact sums rounded once, by
    /// rational arithmetic, CPython's random fsum series among them.
    pub(crate) fn fsum_cases() -> Vec<(f64, Vec<f64>)> {
        cases(include_str!("../../../../__test__/data/fsum-cases.txt"))
    }

    /// `__test__/data/dot-cases.txt` (`scripts/gen-exact-cases.py`): pairs of series (interleaved) with their exact dot
    /// products rounded once.
    pub(crate) fn dot_cases() -> Vec<(f64, Vec<f64>, Vec<f64>)> {
        cases(include_str!("../../../../__test__/data/dot-cases.txt"))
            .into_iter()
            .map(|(expected, terms)| {
                let (a, b) = terms.chunks(2).map(|pair| (pair[0], pair[1])).unzip();
                (expected, a, b)
            })
            .collect()
    }

    /// `__test__/data/variance-cases.txt` (`scripts/gen-exact-cases.py`): series with their exact population and
    /// sample variances rounded once.
    pub(crate) fn variance_cases() -> Vec<(f64, f64, Vec<f64>)> {
        cases(include_str!("../../../../__test__/data/variance-cases.txt"))
            .into_iter()
            .map(|(population, mut rest)| (population, rest.remove(0), rest))
            .collect()
    }

    /// `__test__/data/norm-cases.txt` (`scripts/gen-exact-cases.py`): series with their exact Euclidean norms rounded
    /// once, ties and near ties among them.
    pub(crate) fn norm_cases() -> Vec<(f64, Vec<f64>)> {
        cases(include_str!("../../../../__test__/data/norm-cases.txt"))
    }

    fn cases(text: &str) -> Vec<(f64, Vec<f64>)> {
        text.lines()
            .map(|line| {
                let mut values = line.split(' ').map(|h| f64::from_bits(u64::from_str_radix(h, 16).unwrap()));
                let expected = values.next().unwrap();
                (expected, values.collect())
            })
            .collect()
    }

    #[test]
    fn rounds_exact_dot_products_once() {
        let cases = dot_cases();
        assert_eq!(cases.len(), 83);
        for (expected, a, b) in cases {
            let mut total = ExactDot::default();
            a.iter().zip(&b).for_each(|(x, y)| total.add_product(*x, *y));
            total.normalise();
            assert!(same_bits_or_both_nan(total.value(), expected), "{a:?} · {b:?}");
        }
    }

    #[test]
    fn rounds_exact_sums_of_peer_series_once() {
        let cases = fsum_cases();
        assert_eq!(cases.len(), 140);
        for (expected, values) in cases {
            assert!(same_bits_or_both_nan(exact(&values), expected), "{values:?}");
            // Split anywhere and merged: the same.
            let mut rng = Rng::new(values.len() as u64);
            let (a, b) = values.split_at((rng.unit() * values.len() as f64) as usize);
            let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
            a.iter().for_each(|x| left.add(*x));
            b.iter().for_each(|x| right.add(*x));
            left.normalise();
            right.normalise();
            left.merge(&right);
            assert!(same_bits_or_both_nan(left.value(), expected));
        }
    }
}
