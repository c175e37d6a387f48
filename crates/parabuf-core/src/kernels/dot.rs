//! `dot`: the sum of element-wise products. Exact for integers, correctly rounded for floats.

#[cfg(all(target_arch = "x86_64", not(miri)))]
use pulp::Simd;

#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch::{self, RegisterGroups};
use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::exec::{Partials, BLOCK};
use crate::kernels::blocks::{map_ranges, merged, staged_pair, Lanes, STAGE};
#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::kernels::blocks::{Avx512Lanes, LANES};
use crate::kernels::exact::ExactDot;
use crate::kernels::numeric::{Neumaier, Numeric, Scalar};
use crate::kernels::sum::{certified, compensated_error_bound, U};
use crate::ledger::Mode;
use crate::ops::{read_view, same_kind_and_length, Arg, ArraySpec, Operation, Output, Returns, Spec};
use crate::view::ReadView;

/// A signed integer of 192 bits, `high · 2^128 + low`: wide enough that no dot product of arrays that fit in memory
/// overflows it (products of two 64-bit values reach 2^128), so the exact result can be tested against `i128` once,
/// at the end, whatever the order of the partial sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Wide {
    low: u128,
    high: i64,
}

impl Wide {
    #[inline(always)]
    fn add(&mut self, magnitude: u128, negative: bool) {
        if negative {
            let (low, borrow) = self.low.overflowing_sub(magnitude);
            self.low = low;
            self.high -= borrow as i64;
        } else {
            let (low, carry) = self.low.overflowing_add(magnitude);
            self.low = low;
            self.high += carry as i64;
        }
    }

    #[inline(always)]
    fn add_product(&mut self, a: i128, b: i128) {
        // |a|, |b| < 2^64, so the product of magnitudes fits u128.
        self.add(a.unsigned_abs() * b.unsigned_abs(), (a < 0) != (b < 0));
    }

    fn merge(&mut self, other: Wide) {
        self.add(other.low, false);
        self.high += other.high;
    }

    fn to_i128(self) -> Option<i128> {
        let low = self.low as i128;
        match self.high {
            0 if low >= 0 => Some(low),
            -1 if low < 0 => Some(low),
            _ => None,
        }
    }
}

/// One block's products `p = fl(x·y)`: their compensated sum in [`Lanes`] order, the plain sum of their rounding
/// errors `x·y - p`, and the sum of their magnitudes (for the error bound of [`float_dot`]).
#[derive(Clone, Copy, Debug, Default)]
struct ProductSums {
    total: Neumaier,
    errors: f64,
    magnitude: f64,
}

/// The rounding error `x·y - p` of the product `p = fl(x·y)`, by Dekker's TwoProduct (no fused multiply-add needed):
/// exact unless a factor's split overflows (beyond about 2^996) or a partial product underflows, where
/// [`float_dot`]'s bound or its exact pass takes over.
#[inline(always)]
fn product_error(x: f64, y: f64, p: f64) -> f64 {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let split = |v: f64| {
        let c = SPLIT * v;
        let high = c - (c - v);
        (high, v - high)
    };
    let ((xh, xl), (yh, yl)) = (split(x), split(y));
    ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
}

/// [`ProductSums`] of two blocks of doubles or floats on AVX-512, read as the compensated sum reads
/// (`compensated_groups_avx512`, in `blocks`): the products (of doubles, floats widened first) are the terms, rounded
/// as [`Lanes`] rounds them, so the total's bits are those of the staged path; the errors come from a fused
/// multiply-add.
///
/// # Panics
/// When the lengths differ (callers validate them first).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn products_avx512<T: RegisterGroups + Numeric>(
    simd: pulp::x86::V4,
    a: &ReadView<'_, T>,
    b: &ReadView<'_, T>,
) -> ProductSums {
    let zero = simd.splat_f64s(0.0);
    let start = (Avx512Lanes::new(simd), [zero; 2], [zero; 2]);
    let ((lanes, errors, magnitudes), whole) =
        a.fold_group_pairs(b, simd, start, |(mut lanes, mut errors, mut magnitudes), xs, ys| {
            let products: [pulp::f64x8; 4] = std::array::from_fn(|j| simd.mul_f64s(xs[j], ys[j]));
            let lost: [pulp::f64x8; 4] =
                std::array::from_fn(|j| simd.mul_add_f64s(xs[j], ys[j], simd.neg_f64s(products[j])));
            let [m0, m1, m2, m3] = products.map(|p| simd.abs_f64s(p));
            lanes.add(simd, products);
            errors[0] = simd.add_f64s(errors[0], simd.add_f64s(lost[0], lost[1]));
            errors[1] = simd.add_f64s(errors[1], simd.add_f64s(lost[2], lost[3]));
            magnitudes[0] = simd.add_f64s(magnitudes[0], simd.add_f64s(m0, m1));
            magnitudes[1] = simd.add_f64s(magnitudes[1], simd.add_f64s(m2, m3));
            (lanes, errors, magnitudes)
        });
    let (mut xs, mut ys) = ([T::default(); LANES], [T::default(); LANES]);
    let (xs, ys) = (&mut xs[..a.len() - whole], &mut ys[..a.len() - whole]);
    a.read_into(whole, xs);
    b.read_into(whole, ys);
    let rest = || xs.iter().zip(ys.iter()).map(|(x, y)| (x.to_f64(), y.to_f64()));
    let reduce = |v: [pulp::f64x8; 2]| simd.reduce_sum_f64s(simd.add_f64s(v[0], v[1]));
    ProductSums {
        total: lanes.finish(simd, rest().map(|(x, y)| x * y)),
        errors: reduce(errors) + rest().map(|(x, y)| x.mul_add(y, -(x * y))).sum::<f64>(),
        magnitude: reduce(magnitudes) + rest().map(|(x, y)| (x * y).abs()).sum::<f64>(),
    }
}

/// [`ProductSums`] of each block of two views of doubles or floats on AVX-512, straight from their registers (see
/// [`products_avx512`]).
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn products_in_registers<T: RegisterGroups + Numeric>(
    simd: pulp::x86::V4,
    a: &ReadView<'_, T>,
    b: &ReadView<'_, T>,
    cancel: &Cancel,
) -> Result<Partials<ProductSums>> {
    map_ranges(a.len(), cancel, |range| {
        let (a, b) = (a.slice(range.clone()), b.slice(range));
        <pulp::x86::V4 as Simd>::vectorize(simd, Products(simd, &a, &b))
    })
}

/// [`products_avx512`] as an operation for [`Simd::vectorize`]: behind a closure, its set-up and totals were compiled
/// without AVX-512, each intrinsic a call (see `blocks::LaneTree`).
#[cfg(all(target_arch = "x86_64", not(miri)))]
struct Products<'v, 'a, T: crate::view::Element>(pulp::x86::V4, &'v ReadView<'a, T>, &'v ReadView<'a, T>);

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl<T: RegisterGroups + Numeric> pulp::WithSimd for Products<'_, '_, T> {
    type Output = ProductSums;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> ProductSums {
        products_avx512(self.0, self.1, self.2)
    }
}

/// [`ProductSums`] of each block of two views of floats, staged.
fn products_staged<T: Numeric>(
    a: &ReadView<'_, T>,
    b: &ReadView<'_, T>,
    cancel: &Cancel,
) -> Result<Partials<ProductSums>> {
    map_ranges(a.len(), cancel, |range| {
        let mut lanes = Lanes::default();
        let (mut errors, mut magnitude) = (0.0, 0.0);
        let mut terms = [0.0; STAGE];
        staged_pair(&a.slice(range.clone()), &b.slice(range), |_, xs, ys| {
            for ((t, x), y) in terms.iter_mut().zip(xs).zip(ys) {
                let (x, y) = (x.to_f64(), y.to_f64());
                *t = x * y;
                errors += product_error(x, y, *t);
                magnitude += t.abs();
            }
            lanes.add(&terms[..xs.len()]);
        });
        ProductSums { total: lanes.total(), errors, magnitude }
    })
}

/// The float dot product: the exact `Σ a[i]·b[i]` rounded once to a double (ties to even). A compensated pass over
/// the rounded products, plus the sum of their exact rounding errors, answers when its error bound proves the
/// rounding; an exact pass ([`ExactDot`]: every product exactly, in units of 2^-2148) answers the rest.
///
/// The bound: the compensated sum's ([`compensated_error_bound`]) over the products' magnitudes `A`; the plain sums of
/// the errors (each at most `u·|p|`, in chains of at most a block, then one addition per block) are off by at most
/// `(BLOCK + blocks)·u²·A`, doubled here; and eight subnormal units per product for products and errors that
/// underflow.
fn float_dot(parts: &[ProductSums], terms: usize) -> Option<f64> {
    let mut total = merged(parts.iter().map(|part| part.total));
    let errors: f64 = parts.iter().map(|part| part.errors).sum();
    let magnitude: f64 = parts.iter().map(|part| part.magnitude).sum();
    if !errors.is_finite() {
        return None;
    }
    total.add(errors);
    // The errors' plain sums run in chains of at most a block (the staged path adds a block's errors one by one),
    // then one addition per block.
    let chain = (BLOCK + terms.div_ceil(BLOCK)) as f64;
    let bound = compensated_error_bound(magnitude, terms)
        + 2.0 * chain * U * U * magnitude
        + 8.0 * terms as f64 * f64::from_bits(1);
    certified(total, bound)
}

/// The exact dot product of two views of floats, rounded once.
fn exact_dot<T: Numeric>(a: &ReadView<'_, T>, b: &ReadView<'_, T>, cancel: &Cancel) -> Result<f64> {
    let partials = map_ranges(a.len(), cancel, |range| {
        let mut total = ExactDot::default();
        staged_pair(&a.slice(range.clone()), &b.slice(range), |_, xs, ys| {
            xs.iter().zip(ys).for_each(|(x, y)| total.add_product(x.to_f64(), y.to_f64()));
        });
        total.normalise();
        total
    })?;
    let mut total = ExactDot::default();
    partials.iter().for_each(|part| total.merge(part));
    Ok(total.value())
}

/// The sum of `a[i] * b[i]`. Empty arrays give 0 (`0n` for 64-bit integers).
///
/// Floats (`f32` and `f16` promoted, exactly): the exact sum of the exact products rounded once to a double, ties to
/// even (`float_dot`, `exact_dot`); ±Infinity only when that sum overflows, NaN only for a NaN element, both
/// infinities, or an infinity times a zero. 8- to 32-bit integers: exact, rounded once
/// to a double. 64-bit integers: exact, as a bigint.
///
/// # Errors
/// [`Error::LengthMismatch`] when the lengths differ; [`Error::OutOfRange`] when a 64-bit result does not fit 128
/// bits; `Aborted` when `cancel` is raised.
pub fn dot<T: Numeric>(a: &ReadView<'_, T>, b: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    if a.len() != b.len() {
        return Err(Error::LengthMismatch { left: a.len(), right: b.len() });
    }
    if T::IS_FLOAT {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        let in_registers = arch::with_avx512(|simd| {
            match (T::as_double_view(a), T::as_double_view(b), T::as_float_view(a), T::as_float_view(b)) {
                (Some(a), Some(b), _, _) => Some(products_in_registers(simd, &a, &b, cancel)),
                (_, _, Some(a), Some(b)) => Some(products_in_registers(simd, &a, &b, cancel)),
                _ => None,
            }
        })
        .flatten();
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        let in_registers: Option<Result<Partials<ProductSums>>> = None;
        let parts = match in_registers {
            Some(parts) => parts?,
            None => products_staged(a, b, cancel)?,
        };
        return Ok(Scalar::Number(match float_dot(&parts, a.len()) {
            Some(value) => value,
            None => exact_dot(a, b, cancel)?,
        }));
    }
    let partials = map_ranges(a.len(), cancel, |range| {
        let mut acc = Wide::default();
        staged_pair(&a.slice(range.clone()), &b.slice(range), |_, xs, ys| {
            for (x, y) in xs.iter().zip(ys) {
                acc.add_product(x.to_i128().unwrap_or(0), y.to_i128().unwrap_or(0));
            }
        });
        acc
    })?;
    let mut total = Wide::default();
    partials.into_iter().for_each(|p| total.merge(p));
    let exact = total.to_i128().ok_or_else(|| {
        Error::out_of_range("dot() of these bigint arrays exceeds the 128-bit range parabuf computes exactly")
    })?;
    Ok(if std::mem::size_of::<T>() == 8 { Scalar::BigInt(exact) } else { Scalar::Number(exact as f64) })
}

/// `dot(a, b)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Dot;

impl Operation for Dot {
    const SPEC: Spec = Spec::new(
        "dot",
        &[ArraySpec::new("a", Mode::Read).along_one_axis(), ArraySpec::new("b", Mode::Read).along_one_axis()],
        Returns::Element,
    );
    fn check(&self, args: &[Arg]) -> Result<()> {
        same_kind_and_length("dot", args)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [a, b] = args else { return Err(Error::internal("dot() takes two arrays")) };
        crate::with_element_type!(a.kind, T => {
            let a = read_view::<T>(&mut a.lent)?;
            let b = read_view::<T>(&mut b.lent)?;
            crate::kernels::dot(&a, &b, cancel).map(Output::Scalar)
        })
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_views, Rng, SIZES};

    fn dot_of<T: Numeric>(a: &[T], b: &[T]) -> Result<Scalar> {
        with_views(a, b, |a, b| dot(a, b, &Cancel::new()))
    }

    fn is_nan(result: Result<Scalar>) -> bool {
        matches!(result, Ok(Scalar::Number(x)) if x.is_nan())
    }

    #[test]
    fn empty_is_zero() {
        assert_eq!(dot_of::<f64>(&[], &[]).unwrap(), Scalar::Number(0.0));
        assert_eq!(dot_of::<i64>(&[], &[]).unwrap(), Scalar::BigInt(0));
        assert_eq!(dot_of::<u8>(&[], &[]).unwrap(), Scalar::Number(0.0));
    }

    #[test]
    fn lengths_must_match() {
        assert_eq!(dot_of(&[1.0f64], &[]).unwrap_err(), Error::LengthMismatch { left: 1, right: 0 });
    }

    #[test]
    fn floats_are_the_exact_sum_of_exact_products_rounded_once() {
        assert_eq!(dot_of(&[1.0f64, 1e100, 1.0, -1e100], &[1.0; 4]).unwrap(), Scalar::Number(2.0));
        assert_eq!(dot_of(&[3.0f32, 4.0], &[0.5, 0.25]).unwrap(), Scalar::Number(2.5));
        let h = f16::from_f32;
        assert_eq!(dot_of(&[h(65504.0), h(65504.0)], &[h(65504.0), h(-65504.0)]).unwrap(), Scalar::Number(0.0));
        // Products that overflow on their own but cancel exactly: the exact sum, 0.
        assert_eq!(dot_of(&[1e200f64, 1e200], &[1e200, -1e200]).unwrap(), Scalar::Number(0.0));
        assert_eq!(dot_of(&[1e200f64, 1e200, 1.0], &[1e200, -1e200, 3.0]).unwrap(), Scalar::Number(3.0));
        assert_eq!(dot_of(&[1e200f64, 1e200], &[1e200, 1e200]).unwrap(), Scalar::Number(f64::INFINITY));
        assert!(is_nan(dot_of(&[f64::INFINITY, 1.0], &[0.0, 1.0])));
        assert!(is_nan(dot_of(&[f64::INFINITY, 1.0], &[1.0, f64::NEG_INFINITY])));
        assert!(is_nan(dot_of(&[f64::NAN], &[1.0])));
        assert_eq!(dot_of(&[f64::INFINITY], &[2.0]).unwrap(), Scalar::Number(f64::INFINITY));
    }

    #[test]
    fn integers_are_exact() {
        let exact = u32::MAX as i128 * u32::MAX as i128 + u32::MAX as i128;
        assert_eq!(dot_of(&[u32::MAX, u32::MAX], &[u32::MAX, 1]).unwrap(), Scalar::Number(exact as f64));
        assert_eq!(dot_of(&[-128i8; 3], &[-128; 3]).unwrap(), Scalar::Number(49152.0));
        let expected = i64::MIN as i128 * i64::MAX as i128 - 6;
        assert_eq!(dot_of(&[i64::MIN, 3], &[i64::MAX, -2]).unwrap(), Scalar::BigInt(expected));
        let expected = u64::MAX as i128 * 3 * 2;
        assert_eq!(dot_of(&[u64::MAX, 3], &[3, u64::MAX]).unwrap(), Scalar::BigInt(expected));
    }

    #[test]
    fn bigint_results_beyond_128_bits_are_out_of_range() {
        assert_eq!(dot_of(&[u64::MAX; 2], &[u64::MAX; 2]).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        // 2^126 + 2^126 is one past i128::MAX.
        assert_eq!(dot_of(&[i64::MIN; 2], &[i64::MIN; 2]).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn partial_sums_beyond_128_bits_that_come_back_are_exact() {
        // Blocks 0 and 1 contribute 2^126 each (2^127 in total: past i128), block 2 brings it back.
        let n = 2 * BLOCK + 3;
        let a = vec![i64::MIN; n];
        let mut b = vec![0i64; n];
        b[0] = i64::MIN;
        b[BLOCK] = i64::MIN;
        b[n - 1] = i64::MAX;
        let expected = (1i128 << 126) + (i64::MIN as i128 * i64::MAX as i128) + (1i128 << 126);
        assert_eq!(dot_of(&a, &b).unwrap(), Scalar::BigInt(expected));
    }

    /// The exact dot product rounded once, computed sequentially.
    fn exactly<T: Numeric>(a: &[T], b: &[T]) -> Scalar {
        let mut total = ExactDot::default();
        a.iter().zip(b).for_each(|(x, y)| total.add_product(x.to_f64(), y.to_f64()));
        total.normalise();
        Scalar::Number(total.value())
    }

    #[test]
    fn random_and_cancelling_series_are_the_exact_sum_rounded_once() {
        let mut rng = Rng::new(9);
        for n in SIZES {
            let a: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            let b: Vec<f64> = (0..n).map(|_| rng.wide_f64()).collect();
            assert_eq!(dot_of(&a, &b).unwrap(), exactly(&a, &b), "n = {n}");
            // Each product followed by nearly its negation: the exact pass decides.
            let c: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { a[i] } else { -a[i - 1] }).collect();
            let d: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { b[i] } else { b[i - 1] * (1.0 + f64::EPSILON) }).collect();
            assert_eq!(dot_of(&c, &d).unwrap(), exactly(&c, &d), "n = {n}");
        }
    }

    #[test]
    fn peer_cases_through_the_kernel() {
        for (expected, a, b) in crate::kernels::exact::tests::dot_cases() {
            let Scalar::Number(got) = dot_of(&a, &b).unwrap() else { unreachable!() };
            assert!(crate::kernels::testutil::same_bits_or_both_nan(got, expected), "{a:?} · {b:?}");
        }
    }

    /// The two arrays start at any offsets within a cache line, each its own (the AVX-512 path loads 64 bytes at a
    /// time from wherever they start, 32 of floats), and nothing outside them is read: the NaNs around them would
    /// show. The result is the exact dot product rounded once.
    fn arrays_starting_anywhere_in_a_line_give_the_same_bits<T: Numeric>(
        make: impl Fn(f64) -> T,
        nan: T,
        seed: u64,
        offsets: &[(usize, usize)],
    ) {
        let mut rng = Rng::new(seed);
        let per_line = 64 / std::mem::size_of::<T>();
        for n in [0, 31, 32, 33, 100, BLOCK + 45] {
            let a: Vec<T> = (0..n).map(|_| make(rng.wide_f64())).collect();
            let b: Vec<T> = (0..n).map(|_| make(rng.wide_f64())).collect();
            let want = exactly(&a, &b);
            for &(at_a, at_b) in offsets {
                let pad = |values: &[T], at: usize| [vec![nan; at], values.to_vec(), vec![nan; per_line]].concat();
                let got = with_views(&pad(&a, at_a), &pad(&b, at_b), |pa, pb| {
                    dot(&pa.slice(at_a..at_a + n), &pb.slice(at_b..at_b + n), &Cancel::new()).unwrap()
                });
                assert_eq!(got, want, "{n} values from offsets {at_a} and {at_b}");
            }
        }
    }

    #[test]
    fn double_arrays_starting_anywhere_in_a_line_give_the_same_bits() {
        arrays_starting_anywhere_in_a_line_give_the_same_bits(
            |x| x,
            f64::NAN,
            12,
            &[(0, 0), (1, 3), (5, 2), (7, 7), (4, 0)],
        );
    }

    #[test]
    fn float_arrays_starting_anywhere_in_a_line_give_the_same_bits() {
        let offsets = [(0, 0), (1, 3), (5, 2), (15, 7), (4, 0), (9, 14)];
        arrays_starting_anywhere_in_a_line_give_the_same_bits(|x| x as f32, f32::NAN, 14, &offsets);
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_views(&[1.0f64; 4], &[1.0; 4], |a, b| dot(a, b, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
