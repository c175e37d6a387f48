//! [`Numeric`]: what kernels need to know about each element type, and the compensated accumulator they share.

use half::f16;

use crate::view::{Element, ReadView};

/// A single number as JavaScript receives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// A JavaScript `number`.
    Number(f64),
    /// A JavaScript `bigint` (the values of 64-bit integer arrays, and their exact sums).
    BigInt(i128),
}

impl Default for Scalar {
    /// The number zero.
    fn default() -> Scalar {
        Scalar::Number(0.0)
    }
}

/// Arithmetic facts about an element type, as JavaScript sees its values.
pub trait Numeric: Element + PartialOrd {
    /// Whether the type is floating point.
    const IS_FLOAT: bool;

    /// The value as JavaScript reads it, as a double (exact for every type but 64-bit integers beyond 2^53).
    fn to_f64(self) -> f64;

    /// The exact value for integer types; `None` for floats.
    fn to_i128(self) -> Option<i128>;

    /// `values` as doubles without converting, when the type is `f64`; `None` otherwise. Lets a kernel skip copying
    /// terms it would otherwise convert one by one.
    #[inline(always)]
    fn as_doubles(values: &[Self]) -> Option<&[f64]> {
        let _ = values;
        None
    }

    /// `view` as a view of doubles, when the type is `f64`; `None` otherwise. Lets a kernel take a path that only
    /// doubles have.
    #[inline(always)]
    fn as_double_view<'g>(view: &ReadView<'g, Self>) -> Option<ReadView<'g, f64>> {
        let _ = view;
        None
    }

    /// `view` as a view of floats, when the type is `f32`; `None` otherwise. Lets a kernel take a path that only
    /// floats have.
    #[inline(always)]
    fn as_float_view<'g>(view: &ReadView<'g, Self>) -> Option<ReadView<'g, f32>> {
        let _ = view;
        None
    }

    /// The value as JavaScript reads it from an array of this type: a bigint for 64-bit integers, else a number.
    #[inline]
    fn to_scalar(self) -> Scalar {
        match self.to_i128() {
            Some(exact) if std::mem::size_of::<Self>() == 8 => Scalar::BigInt(exact),
            _ => Scalar::Number(self.to_f64()),
        }
    }
}

macro_rules! int_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            const IS_FLOAT: bool = false;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn to_i128(self) -> Option<i128> {
                Some(self as i128)
            }
        }
    )*};
}
int_numeric!(i8, u8, i16, u16, i32, u32, i64, u64);

impl Numeric for f16 {
    const IS_FLOAT: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f16::to_f64(self)
    }
    #[inline(always)]
    fn to_i128(self) -> Option<i128> {
        None
    }
}

impl Numeric for f32 {
    const IS_FLOAT: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn to_i128(self) -> Option<i128> {
        None
    }
    #[inline(always)]
    fn as_float_view<'g>(view: &ReadView<'g, f32>) -> Option<ReadView<'g, f32>> {
        Some(*view)
    }
}

impl Numeric for f64 {
    const IS_FLOAT: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn to_i128(self) -> Option<i128> {
        None
    }
    #[inline(always)]
    fn as_doubles(values: &[f64]) -> Option<&[f64]> {
        Some(values)
    }
    #[inline(always)]
    fn as_double_view<'g>(view: &ReadView<'g, f64>) -> Option<ReadView<'g, f64>> {
        Some(*view)
    }
}

/// `a + b` rounded, and its rounding error exactly (Knuth's TwoSum: six operations, no comparison, exact whenever
/// `a + b` does not overflow).
#[inline(always)]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let b_part = s - a;
    (s, (a - (s - b_part)) + (b - b_part))
}

/// A Neumaier (improved Kahan–Babuška) compensated sum: the running sum plus the rounding error lost so far.
///
/// The result is as accurate as if computed in twice the working precision, then rounded once, for all but
/// pathological inputs; and unlike plain Kahan it stays exact when a large term cancels a larger running sum
/// (`[1, 1e100, 1, -1e100]` sums to 2).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    /// Adds one term.
    #[inline(always)]
    pub fn add(&mut self, x: f64) {
        // The rounding error by Knuth's TwoSum: exact whatever the operands' magnitudes, so it is the very value
        // Neumaier's textbook step computes with a comparison (`(sum - t) + x` when `|sum| >= |x|`, else
        // `(x - t) + sum`), and the results stay bit-identical. With no comparison and no select, the compiler keeps
        // whole lanes in vector registers; the textbook form compiled to a branch per lane.
        let (t, lost) = two_sum(self.sum, x);
        self.compensation += lost;
        self.sum = t;
    }

    /// An accumulator holding `sum` with `compensation` still to add (as [`Neumaier::parts`] returns them).
    #[inline(always)]
    pub(crate) fn from_parts(sum: f64, compensation: f64) -> Neumaier {
        Neumaier { sum, compensation }
    }

    /// Adds another accumulator's exact state (its sum and its compensation, as two terms).
    #[inline]
    pub fn merge(&mut self, other: Neumaier) {
        self.add(other.sum);
        // A non-finite sum carries a NaN compensation, which must not reach the sum: [1, Infinity] split across two
        // accumulators still sums to Infinity. The sum alone already makes the total non-finite.
        if other.sum.is_finite() {
            self.add(other.compensation);
        }
    }

    /// Both parts multiplied by `factor`: exact for a power of two, as long as neither part leaves the normal range.
    #[inline]
    pub fn scaled(self, factor: f64) -> Neumaier {
        Neumaier { sum: self.sum * factor, compensation: self.compensation * factor }
    }

    /// The running sum and the compensation, unrounded: a double-double value for callers that need more than
    /// [`Neumaier::value`].
    #[inline]
    pub fn parts(&self) -> (f64, f64) {
        (self.sum, self.compensation)
    }

    /// The compensated total.
    ///
    /// Infinite or NaN terms make the compensation NaN; then the plain sum is the right IEEE answer
    /// (`Infinity`, `-Infinity` or `NaN`).
    #[inline]
    pub fn value(&self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.compensation
        } else {
            self.sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(xs: &[f64]) -> f64 {
        let mut acc = Neumaier::default();
        xs.iter().for_each(|x| acc.add(*x));
        acc.value()
    }

    #[test]
    fn neumaier_recovers_cancelled_terms() {
        assert_eq!(total(&[1.0, 1e100, 1.0, -1e100]), 2.0);
        assert_eq!(total(&[0.1; 10]), 1.0);
    }

    #[test]
    fn merging_keeps_non_finite_totals() {
        let mut finite = Neumaier::default();
        finite.add(1.0);
        let mut infinite = Neumaier::default();
        infinite.add(f64::INFINITY);
        let mut acc = finite;
        acc.merge(infinite);
        assert_eq!(acc.value(), f64::INFINITY);
        let mut acc = infinite;
        acc.merge(finite);
        assert_eq!(acc.value(), f64::INFINITY);
        let mut negative = Neumaier::default();
        negative.add(f64::NEG_INFINITY);
        acc.merge(negative);
        assert!(acc.value().is_nan());
    }

    /// Neumaier's textbook step, with the comparison: the reference [`Neumaier::add`] must match bit for bit.
    fn textbook(xs: &[f64]) -> (f64, f64) {
        let (mut sum, mut compensation) = (0.0f64, 0.0f64);
        for &x in xs {
            let t = sum + x;
            compensation += if sum.abs() >= x.abs() { (sum - t) + x } else { (x - t) + sum };
            sum = t;
        }
        (sum, compensation)
    }

    #[test]
    fn two_sum_matches_the_textbook_step_bit_for_bit() {
        let mut rng = crate::kernels::testutil::Rng::new(11);
        for len in [1, 2, 7, 100, 5000] {
            for _ in 0..20 {
                let xs: Vec<f64> = (0..len).map(|_| rng.wide_f64()).collect();
                let mut acc = Neumaier::default();
                xs.iter().for_each(|x| acc.add(*x));
                let (sum, compensation) = textbook(&xs);
                assert_eq!(acc.parts().0.to_bits(), sum.to_bits(), "{xs:?}");
                assert_eq!(acc.parts().1.to_bits(), compensation.to_bits(), "{xs:?}");
            }
        }
        let cancelling = [1.0, 1e100, 1.0, -1e100, -0.0, 3.5e-300, -2.0f64.powi(60)];
        let mut acc = Neumaier::default();
        cancelling.iter().for_each(|x| acc.add(*x));
        assert_eq!(acc.parts(), textbook(&cancelling));
    }

    #[test]
    fn non_finite_terms_follow_ieee() {
        assert_eq!(total(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert!(total(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(total(&[1.0, f64::NAN]).is_nan());
    }
}
