//! `norm`: the Euclidean norm, scaled so that it overflows or underflows only when the result itself does.

use crate::error::Result;
use crate::exec::{map_blocks, Cancel};
use crate::kernels::blocks::{staged, Lanes, STAGE};
use crate::kernels::numeric::{Neumaier, Numeric};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

const ABS_MASK: u64 = !(1 << 63);
const INFINITY_BITS: u64 = 0x7FF0_0000_0000_0000;

/// Scale exponents are multiples of nothing in particular but stay within ±`MAX_SHIFT`, so 2^±shift is a normal
/// double and a scaled maximum is at most 2^23.
const MAX_SHIFT: i32 = 1000;
/// Magnitudes within 2^±`BAND` square and sum without scaling (2^802 · 2^62 elements is still finite), which keeps
/// ordinary data on the unscaled path.
const BAND: i32 = 400;

/// `x · 2^e` for any `e`, in steps that keep every factor a normal double.
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    while e > MAX_SHIFT {
        x *= pow2(MAX_SHIFT);
        e -= MAX_SHIFT;
    }
    while e < -MAX_SHIFT {
        x *= pow2(-MAX_SHIFT);
        e += MAX_SHIFT;
    }
    x * pow2(e)
}

/// 2^e for `|e| <= MAX_SHIFT`.
/// `x * x` as the rounded product and its exact rounding error (Dekker's splitting; no fused multiply-add, which is
/// slow in software on baseline x86-64). Exact for the scaled values this module squares.
#[inline(always)]
fn two_square(x: f64) -> (f64, f64) {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let c = SPLIT * x;
    let hi = c - (c - x);
    let lo = x - hi;
    let p = x * x;
    (p, ((hi * hi - p) + 2.0 * hi * lo) + lo * lo)
}

/// The square root of the double-double `sum + compensation`, corrected by one Newton step so that the compensation
/// is not lost when the root is rounded.
fn double_sqrt((sum, compensation): (f64, f64)) -> f64 {
    let root = sum.sqrt();
    if root == 0.0 || !root.is_finite() {
        return (sum + compensation).sqrt();
    }
    let (square, square_error) = two_square(root);
    root + (((sum - square) - square_error) + compensation) / (2.0 * root)
}

fn pow2(e: i32) -> f64 {
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// A sum of squares as `2^(2·shift) · sum`, plus the non-finite values seen.
#[derive(Clone, Copy, Debug, Default)]
struct Squares {
    /// `None` until a non-zero finite value arrives.
    shift: Option<i32>,
    sum: Neumaier,
    nan: bool,
    infinite: bool,
}

impl Squares {
    /// The shift that suits a largest magnitude of `max`: none for ordinary magnitudes, else its binary exponent.
    fn shift_for(max: f64) -> i32 {
        // Subnormals read as exponent -1023 and clamp with the rest of the tiny range.
        let e = ((max.to_bits() >> 52) as i32) - 1023;
        if e.abs() <= BAND {
            0
        } else {
            e.clamp(-MAX_SHIFT, MAX_SHIFT)
        }
    }

    fn merge(&mut self, other: Squares) {
        self.nan |= other.nan;
        self.infinite |= other.infinite;
        let Some(theirs) = other.shift else { return };
        let ours = self.shift.unwrap_or(theirs);
        // Both sums move to the larger shift; what that pushes below the subnormal range is below rounding anyway.
        let shift = ours.max(theirs);
        self.sum = self.sum.scaled(ldexp(1.0, 2 * (ours - shift)));
        self.sum.merge(other.sum.scaled(ldexp(1.0, 2 * (theirs - shift))));
        self.shift = Some(shift);
    }

    fn norm(&self) -> f64 {
        if self.nan {
            f64::NAN
        } else if self.infinite {
            f64::INFINITY
        } else {
            self.shift.map_or(0.0, |shift| ldexp(double_sqrt(self.sum.parts()), shift))
        }
    }
}

fn block_squares<T: Numeric>(block: ReadView<'_, T>) -> Squares {
    let mut out = Squares::default();
    let mut lanes = Lanes::default();
    let mut terms = [0.0; STAGE];
    let mut errors = [0.0; STAGE];
    staged(&block, |_, xs| {
        if out.nan {
            return;
        }
        let terms = &mut terms[..xs.len()];
        for (t, x) in terms.iter_mut().zip(xs) {
            *t = x.to_f64();
        }
        // The largest magnitude as bits: integer max is NaN-aware (NaN bits exceed Infinity's) and vectorises.
        let max_bits = terms.iter().fold(0u64, |m, t| m.max(t.to_bits() & ABS_MASK));
        if max_bits > INFINITY_BITS {
            out.nan = true;
            return;
        }
        if max_bits == INFINITY_BITS {
            out.infinite = true;
        }
        if out.infinite || max_bits == 0 {
            return;
        }
        let wanted = Squares::shift_for(f64::from_bits(max_bits));
        let shift = match out.shift {
            Some(current) if current >= wanted => current,
            Some(current) => {
                lanes.scale(ldexp(1.0, 2 * (current - wanted)));
                wanted
            }
            None => wanted,
        };
        out.shift = Some(shift);
        let factor = pow2(-shift);
        let errors = &mut errors[..terms.len()];
        for (t, e) in terms.iter_mut().zip(errors.iter_mut()) {
            (*t, *e) = two_square(*t * factor);
        }
        lanes.add(terms);
        lanes.add(errors);
    });
    out.sum = lanes.total();
    out
}

/// The Euclidean norm `sqrt(Σ x²)`, as a number, with values read as JavaScript reads them (64-bit integers rounded
/// to doubles). Squares are summed compensated, in fixed blocks and lanes, and scaled by powers of two where needed,
/// so neither `[3e200, 4e200]` overflows nor `[3e-200, 4e-200]` underflows. NaN if any element is NaN; else Infinity
/// if any is infinite; 0 for an empty array.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn norm<T: Numeric>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<f64> {
    let partials = map_blocks(view, cancel, block_squares)?;
    let mut total = Squares::default();
    partials.into_iter().for_each(|p| total.merge(p));
    Ok(total.norm())
}

crate::ops::reduction! {
    /// `norm(a)`.
    Norm = "norm", Returns::Number, |v, cancel| crate::kernels::norm(&v, cancel).map(Output::number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn norm_of<T: Numeric>(values: &[T]) -> f64 {
        with_view(values, |v| norm(v, &Cancel::new()).unwrap())
    }

    #[test]
    fn pythagoras_at_every_scale() {
        assert_eq!(norm_of::<f64>(&[]), 0.0);
        assert_eq!(norm_of(&[0.0f64, -0.0]), 0.0);
        assert_eq!(norm_of(&[3.0f64, -4.0]), 5.0);
        for e in [-1074, -1060, -1000, -600, -401, -400, 0, 400, 401, 600, 1000, 1018] {
            let (a, b) = (3.0 * ldexp(1.0, e), 4.0 * ldexp(1.0, e));
            assert_eq!(norm_of(&[a, b]), 5.0 * ldexp(1.0, e), "2^{e}");
        }
        assert_eq!(norm_of(&[f64::MAX]), f64::MAX);
        assert_eq!(norm_of(&[5e-324]), 5e-324);
        assert_eq!(norm_of(&[f64::MAX, f64::MAX]), f64::INFINITY);
    }

    #[test]
    fn non_finite_values() {
        assert!(norm_of(&[1.0f64, f64::NAN, f64::INFINITY]).is_nan());
        assert!(norm_of(&[f64::INFINITY, 1.0, -f64::NAN]).is_nan());
        assert_eq!(norm_of(&[1.0f64, f64::NEG_INFINITY]), f64::INFINITY);
        let mut values = vec![1.0f32; 2 * BLOCK + 3];
        values[10] = f32::INFINITY;
        values[2 * BLOCK + 1] = f32::NAN;
        assert!(norm_of(&values).is_nan());
    }

    #[test]
    fn integers_and_narrow_floats() {
        assert_eq!(norm_of(&[3i8, -4]), 5.0);
        assert_eq!(norm_of(&[i64::MIN]), 2f64.powi(63));
        assert_eq!(norm_of(&[u64::MAX, 0]), 2f64.powi(64));
        assert_eq!(norm_of(&[half::f16::from_f32(3.0), half::f16::from_f32(4.0)]), 5.0);
    }

    #[test]
    fn scales_change_across_blocks() {
        // Tiny values first, then ordinary ones, then huge ones: each rescale leaves the larger terms exact.
        let mut values = vec![1e-300f64; BLOCK];
        values.extend(vec![3.0; BLOCK]);
        values.push(4.0 * ldexp(1.0, 600));
        values.push(3.0 * ldexp(1.0, 600));
        assert_eq!(norm_of(&values), 5.0 * ldexp(1.0, 600));
        values.reverse();
        assert_eq!(norm_of(&values), 5.0 * ldexp(1.0, 600));
    }

    #[test]
    fn ordinary_data_is_within_an_ulp_of_the_double_double_reference() {
        let mut rng = Rng::new(21);
        for n in SIZES {
            let values: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            let mut acc = Neumaier::default();
            for x in &values {
                let (p, e) = two_square(*x);
                acc.add(p);
                acc.add(e);
            }
            let expected = double_sqrt(acc.parts());
            let got = norm_of(&values);
            assert!((got - expected).abs() <= expected * f64::EPSILON, "n = {n}: {got} vs {expected}");
        }
    }

    #[test]
    fn squares_are_summed_exactly() {
        // x² + y² is not exact in double for these; the exact squares make the root come out right. (For 3e200 and
        // 4e200 the exact root lies a hair below the midpoint between two doubles, so the answer is the lower one.)
        assert_eq!(norm_of(&[3e200f64, 4e200]), 4.9999999999999995e200);
        assert_eq!(norm_of(&[0.3f64, 0.4]), 0.5);
        assert_eq!(norm_of(&[1e-200f64, 1e-200]), std::f64::consts::SQRT_2 * 1e-200);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| norm(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
