//! An exact accumulator of doubles: the real sum of every double added, with no rounding until [`ExactSum::value`]
//! rounds it once to the nearest double (ties to even), as Python's `math.fsum` returns it.
//!
//! Every finite double is an integer multiple of 2^-1074 below 2^1024, so the sum is kept as a fixed-point integer in
//! units of 2^-1074, split into 32-bit digits held in `i64`s (Neal's "small superaccumulator", arXiv:1505.05571): a
//! double's 53-bit significand, shifted to its exponent, touches three adjacent digits, with no carry propagated until
//! the digits are normalised. Each addition changes a digit by less than 2^32, so [`ADDS_BEFORE_NORMALISING`] additions
//! fit before a digit could overflow.

/// Bits per digit.
const DIGIT_BITS: u32 = 32;
/// Digits: the largest significand (2^53) at the largest shift (2045) reaches bit 2098; two digits above it absorb
/// the carries of the sum of up to 2^62 such values.
const DIGITS: usize = 2098 / DIGIT_BITS as usize + 3;
/// Additions after which the digits must be normalised: each adds less than 2^32 in magnitude to a digit, which then
/// stays below 2^62 in magnitude, so two such accumulators can still be merged.
pub(crate) const ADDS_BEFORE_NORMALISING: usize = 1 << 29;
const _: () = assert!(crate::exec::BLOCK <= ADDS_BEFORE_NORMALISING, "a block is summed without normalising");

/// The exact sum of the doubles added so far, with the special values seen.
#[derive(Clone, Debug)]
pub(crate) struct ExactSum {
    digits: [i64; DIGITS],
    /// A NaN was added.
    nan: bool,
    /// +Infinity was added.
    positive_infinity: bool,
    /// -Infinity was added.
    negative_infinity: bool,
}

impl Default for ExactSum {
    fn default() -> ExactSum {
        ExactSum { digits: [0; DIGITS], nan: false, positive_infinity: false, negative_infinity: false }
    }
}

impl ExactSum {
    /// Adds `x` exactly. Call [`ExactSum::normalise`] at least every [`ADDS_BEFORE_NORMALISING`] additions.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        if exponent == 0x7ff {
            self.add_special(x);
            return;
        }
        let fraction = bits & ((1 << 52) - 1);
        // A subnormal has the smallest exponent's scale and no implicit bit.
        let (significand, shift) = if exponent == 0 { (fraction, 0) } else { (fraction | 1 << 52, exponent - 1) };
        let digit = (shift / DIGIT_BITS) as usize;
        let wide = u128::from(significand) << (shift % DIGIT_BITS);
        // The sign as a mask: 0 to add, -1 to subtract (`(v ^ mask) - mask` negates when the mask is -1).
        let mask = (bits as i64) >> 63;
        let part = |v: u128| ((v as u64 & 0xffff_ffff) as i64 ^ mask) - mask;
        // `shift` is at most 2045, so `digit + 2` is at most 65, inside DIGITS.
        if let Some([low, middle, high]) = self.digits.get_mut(digit..digit + 3) {
            *low += part(wide);
            *middle += part(wide >> 32);
            *high += part(wide >> 64);
        }
    }

    #[cold]
    fn add_special(&mut self, x: f64) {
        if x.is_nan() {
            self.nan = true;
        } else if x > 0.0 {
            self.positive_infinity = true;
        } else {
            self.negative_infinity = true;
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
    pub(crate) fn merge(&mut self, other: &ExactSum) {
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
        // The magnitude, as normalised 32-bit digits (two's complement negation across the digits).
        let mut magnitude = [0u64; DIGITS];
        let mut borrow = 0i64;
        for (out, &digit) in magnitude.iter_mut().zip(&self.digits) {
            let value = if negative { -digit - borrow } else { digit };
            // Normalised digits below the top are in 0..2^32; negated, each is in -2^32..=0 before the borrow.
            borrow = i64::from(value < 0);
            *out = (value + (borrow << DIGIT_BITS)) as u64;
        }
        let Some(top) = magnitude.iter().rposition(|&d| d != 0) else {
            return 0.0;
        };
        let bit_length = top as u32 * DIGIT_BITS + (64 - magnitude[top].leading_zeros());
        let rounded = if bit_length <= 53 {
            // Exact: below 2^53 units of 2^-1074, which every double of that scale represents.
            let units = magnitude[top] << (DIGIT_BITS * top as u32) | if top == 1 { magnitude[0] } else { 0 };
            (units as f64) * f64::from_bits(1)
        } else {
            round_wide(&magnitude, top, bit_length)
        };
        if negative {
            -rounded
        } else {
            rounded
        }
    }
}

/// The double nearest `magnitude` × 2^-1074 (ties to even), for a magnitude of more than 53 bits (so the result is
/// normal or infinite) whose leading digit is `top`.
fn round_wide(magnitude: &[u64; DIGITS], top: usize, bit_length: u32) -> f64 {
    // The top three digits as one integer, the leading digit shifted up by 64 (a digit below digit 0 reads as 0):
    // more than 64 bits, as a magnitude of more than 53 bits has top >= 1.
    let digit = |index: Option<usize>| index.and_then(|i| magnitude.get(i)).copied().map_or(0, u128::from);
    let window = digit(Some(top)) << 64 | digit(top.checked_sub(1)) << 32 | digit(top.checked_sub(2));
    let window_bits = bit_length + 64 - DIGIT_BITS * top as u32;
    let below = top.saturating_sub(2);
    // The leading 64 bits, left-aligned, and whether any bit below them is set.
    let leading =
        if window_bits >= 64 { (window >> (window_bits - 64)) as u64 } else { (window << (64 - window_bits)) as u64 };
    let dropped = window_bits > 64 && window & ((1u128 << (window_bits - 64)) - 1) != 0;
    let sticky = dropped || magnitude[..below].iter().any(|&d| d != 0);
    let mut significand = leading >> 11;
    let rest = leading & 0x7ff;
    let round_up = rest > 0x400 || (rest == 0x400 && (sticky || significand & 1 == 1));
    let mut biased = u64::from(bit_length) - 52;
    if round_up {
        significand += 1;
        if significand == 1 << 53 {
            significand >>= 1;
            biased += 1;
        }
    }
    if biased >= 0x7ff {
        return f64::INFINITY;
    }
    f64::from_bits(biased << 52 | (significand & ((1 << 52) - 1)))
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

    /// `__test__/data/fsum-cases.txt` (`scripts/gen-fsum-cases.py`): series with their exact sums rounded once, by
    /// rational arithmetic, CPython's random fsum series among them.
    pub(crate) fn fsum_cases() -> Vec<(f64, Vec<f64>)> {
        include_str!("../../../../__test__/data/fsum-cases.txt")
            .lines()
            .map(|line| {
                let mut values = line.split(' ').map(|h| f64::from_bits(u64::from_str_radix(h, 16).unwrap()));
                let expected = values.next().unwrap();
                (expected, values.collect())
            })
            .collect()
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
