//! `min`, `max` and `minmax`, as `Math.min`/`Math.max` over the elements: NaN wins, and -0 ranks below +0.

#[cfg(all(target_arch = "x86_64", not(miri)))]
use pulp::Simd;

#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch::{self, RegisterGroups};
use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::numeric::{Numeric, Scalar};
use crate::kernels::order::{Key as _, Ordered};
use crate::kernels::source::{Source, Staged};
use crate::ops::{Output, Returns};
use crate::view::ReadView;

/// The smallest and largest total-order key of one non-empty block. NaNs take part: a NaN key lies outside the range
/// of number keys at one end or the other, so the pair alone tells whether the block holds one.
fn block_key_range<B: Staged + ?Sized>(block: &mut B) -> (Key<B>, Key<B>)
where
    B::Item: Ordered,
{
    if B::Item::IS_FLOAT {
        if let Some(range) = finite_float_range(block) {
            return range;
        }
    }
    exact_key_range(block)
}

/// The total-order key of a block's elements.
type Key<B> = <<B as Staged>::Item as Ordered>::Key;

/// The smallest and largest key of some elements of type `T`.
type KeyRange<T> = (<T as Ordered>::Key, <T as Ordered>::Key);

/// Lanes of the float fast path: independent minima and maxima that the compiler keeps in vector registers.
const LANES: usize = 8;

/// [`block_key_range`] for a float block by plain float comparisons, which vectorise (`minpd`/`maxpd`) where the
/// integer keys do not. Answers only when the comparisons are enough: `None` when the block holds a NaN or an infinity
/// (caught by `x * 0`, NaN for exactly those), or when an extreme is a zero, whose sign comparisons cannot see. The
/// caller then scans the block by keys, so results are the same either way.
fn finite_float_range<B: Staged + ?Sized>(block: &mut B) -> Option<(Key<B>, Key<B>)>
where
    B::Item: Ordered,
{
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some((lo, hi, special)) = block.view().and_then(|view| {
        arch::with_avx512(|simd| match (B::Item::as_double_view(&view), B::Item::as_float_view(&view)) {
            (Some(doubles), _) => Some(simd.vectorize(|| float_range_avx512(simd, &doubles))),
            (_, Some(floats)) => Some(simd.vectorize(|| float_range_avx512(simd, &floats))),
            _ => None,
        })
        .flatten()
    }) {
        return finite_range_keys::<B::Item>(lo, hi, special);
    }
    let (mut lo, mut hi, mut special) = ([f64::INFINITY; LANES], [f64::NEG_INFINITY; LANES], [0.0f64; LANES]);
    block.stages(|_, xs| {
        let mut groups = xs.chunks_exact(LANES);
        for group in &mut groups {
            for i in 0..LANES {
                let x = group[i].to_f64();
                lo[i] = if x < lo[i] { x } else { lo[i] };
                hi[i] = if x > hi[i] { x } else { hi[i] };
                special[i] += x * 0.0;
            }
        }
        for (i, x) in groups.remainder().iter().enumerate() {
            let x = x.to_f64();
            lo[i] = if x < lo[i] { x } else { lo[i] };
            hi[i] = if x > hi[i] { x } else { hi[i] };
            special[i] += x * 0.0;
        }
    });
    let lo = lo.into_iter().fold(f64::INFINITY, f64::min);
    let hi = hi.into_iter().fold(f64::NEG_INFINITY, f64::max);
    finite_range_keys::<B::Item>(lo, hi, special.into_iter().sum::<f64>())
}

/// The keys of `lo` and `hi` when the comparisons that found them are enough (see [`finite_float_range`]): `special`,
/// the sum of every `x * 0`, is zero, and neither extreme is a zero.
fn finite_range_keys<T: Ordered>(lo: f64, hi: f64, special: f64) -> Option<(T::Key, T::Key)> {
    (special == 0.0 && lo != 0.0 && hi != 0.0).then(|| (key_of_float::<T>(lo), key_of_float::<T>(hi)))
}

/// The smallest and largest value of a block of doubles or floats (as doubles, floats widened exactly) and the sum of
/// every `x * 0`, read straight into AVX-512 registers (`ReadView::fold_groups`). Which of two equal zeros, or what a
/// NaN, the vector minimum keeps does not matter: such a result goes to the key scan (see [`finite_float_range`]).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
pub(crate) fn float_range_avx512<T: RegisterGroups + Numeric>(
    simd: pulp::x86::V4,
    block: &ReadView<'_, T>,
) -> (f64, f64, f64) {
    let (inf, zero) = (simd.splat_f64s(f64::INFINITY), simd.splat_f64s(0.0));
    let init = ([inf; 4], [simd.splat_f64s(f64::NEG_INFINITY); 4], [zero; 4]);
    let ((lo, hi, special), whole) = block.fold_groups(simd, init, |(mut lo, mut hi, mut special), group| {
        for (j, x) in group.into_iter().enumerate() {
            lo[j] = simd.min_f64s(lo[j], x);
            hi[j] = simd.max_f64s(hi[j], x);
            special[j] = simd.add_f64s(special[j], simd.mul_f64s(x, zero));
        }
        (lo, hi, special)
    });
    let lanes = |vectors: [pulp::f64x8; 4]| -> [f64; 32] { bytemuck::cast(vectors) };
    let (lo, hi, special) = (lanes(lo), lanes(hi), lanes(special));
    let init = (lo.into_iter().fold(f64::INFINITY, f64::min), hi.into_iter().fold(f64::NEG_INFINITY, f64::max));
    (whole..block.len())
        .map(|i| block.get(i).to_f64())
        .fold((init.0, init.1, special.into_iter().sum::<f64>()), |(lo, hi, special), x| {
            (lo.min(x), hi.max(x), special + x * 0.0)
        })
}

/// The key of `x`, a value of the float type `T` held in a double (exactly: every `f16` and `f32` is a double).
fn key_of_float<T: Ordered>(x: f64) -> T::Key {
    let key = match std::mem::size_of::<T>() {
        8 => x.key(),
        4 => u64::from((x as f32).key()),
        _ => u64::from(half::f16::from_f64(x).key()),
    };
    T::Key::from_u64(key)
}

/// [`block_key_range`] by comparing the keys of every element: exact for every type and every value.
fn exact_key_range<B: Staged + ?Sized>(block: &mut B) -> (Key<B>, Key<B>)
where
    B::Item: Ordered,
{
    let mut range: Option<(Key<B>, Key<B>)> = None;
    block.stages(|_, xs| {
        let first = xs[0].key();
        let (mut lo, mut hi) = range.unwrap_or((first, first));
        for x in xs {
            let k = x.key();
            lo = lo.min(k);
            hi = hi.max(k);
        }
        range = Some((lo, hi));
    });
    range.expect("blocks are not empty")
}

/// The extreme keys of `view`, or `None` when it is empty.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub(crate) fn key_range<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<Option<KeyRange<S::Item>>>
where
    S::Item: Ordered,
{
    let partials = view.map_blocks(cancel, |_, block| block_key_range(block))?;
    Ok(partials.into_iter().reduce(|(lo, hi), (l, h)| (lo.min(l), hi.max(h))))
}

/// The value of a non-NaN key as JavaScript reads it.
fn scalar_of_key<T: Ordered>(key: T::Key) -> Scalar {
    T::from_key(key).to_scalar()
}

/// `(min, max)` of a non-empty view, NaN for both if any element is NaN.
fn extremes<S: Source + ?Sized>(view: &S, cancel: &Cancel) -> Result<(Scalar, Scalar)>
where
    S::Item: Ordered,
{
    let (lo, hi) = key_range(view, cancel)?.ok_or(Error::Empty { operation: None })?;
    if S::Item::key_is_nan(lo) || S::Item::key_is_nan(hi) {
        return Ok((Scalar::Number(f64::NAN), Scalar::Number(f64::NAN)));
    }
    Ok((scalar_of_key::<S::Item>(lo), scalar_of_key::<S::Item>(hi)))
}

/// The smallest element, as `Math.min(...array)`: NaN if any element is NaN, -0 over +0. A bigint for 64-bit
/// integer arrays.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn min<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    extremes(view, cancel).map(|(lo, _)| lo)
}

/// The largest element, as `Math.max(...array)`: NaN if any element is NaN, +0 over -0. A bigint for 64-bit
/// integer arrays.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn max<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Scalar> {
    extremes(view, cancel).map(|(_, hi)| hi)
}

/// [`min`] and [`max`] in one pass.
///
/// # Errors
/// [`Error::Empty`] for an empty array; `Aborted` when `cancel` is raised.
pub fn minmax<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<(Scalar, Scalar)> {
    extremes(view, cancel)
}

crate::ops::reduction! {
    /// `min(a)`.
    Min = "min", Returns::Element, axis Element,
    |v, cancel| crate::kernels::min(&v, cancel).map(Output::Scalar),
    fused |bound, cancel| extremes(bound, cancel).map(|(lo, _)| Output::Scalar(lo))
}

crate::ops::reduction! {
    /// `max(a)`.
    Max = "max", Returns::Element, axis Element,
    |v, cancel| crate::kernels::max(&v, cancel).map(Output::Scalar),
    fused |bound, cancel| extremes(bound, cancel).map(|(_, hi)| Output::Scalar(hi))
}

crate::ops::reduction! {
    /// `minmax(a)`.
    MinMax = "minmax", Returns::MinMax, axis Element,
    |v, cancel| crate::kernels::minmax(&v, cancel).map(|(min, max)| Output::MinMax { min, max }),
    fused |bound, cancel| extremes(bound, cancel).map(|(min, max)| Output::MinMax { min, max })
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::exec::BLOCK;
    use crate::kernels::testutil::{cancelled, with_view, Rng, SIZES};

    fn mm<T: Ordered>(values: &[T]) -> Result<(Scalar, Scalar)> {
        with_view(values, |v| {
            let both = minmax(v, &Cancel::new());
            if let Ok((lo, hi)) = &both {
                assert_eq!(bits(&min(v, &Cancel::new()).unwrap()), bits(lo));
                assert_eq!(bits(&max(v, &Cancel::new()).unwrap()), bits(hi));
            }
            both
        })
    }

    /// Distinguishes -0 from +0 and compares every NaN equal.
    fn bits(s: &Scalar) -> (u64, i128) {
        match s {
            Scalar::Number(x) if x.is_nan() => (f64::NAN.to_bits(), 0),
            Scalar::Number(x) => (x.to_bits(), 0),
            Scalar::BigInt(v) => (1, *v),
        }
    }

    fn number_bits(x: f64) -> (u64, i128) {
        bits(&Scalar::Number(x))
    }

    #[test]
    fn empty_has_no_extremes() {
        assert_eq!(mm::<f64>(&[]).unwrap_err(), Error::Empty { operation: None });
        with_view::<i8, _>(&[], |v| {
            assert_eq!(min(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: None });
            assert_eq!(max(v, &Cancel::new()).unwrap_err(), Error::Empty { operation: None });
        });
    }

    #[test]
    fn zeros_rank_like_math_min_and_max() {
        let (lo, hi) = mm(&[0.0f64, -0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
        let (lo, hi) = mm(&[-0.0f64, 0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
        let (lo, hi) = mm(&[-0.0f32, -0.0]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(-0.0)));
        let (lo, hi) = mm(&[f16::ZERO, f16::NEG_ZERO]).unwrap();
        assert_eq!((bits(&lo), bits(&hi)), (number_bits(-0.0), number_bits(0.0)));
    }

    #[test]
    fn any_nan_wins_wherever_it_is() {
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            for at in [0, n / 2, n - 1] {
                let mut values = vec![1.5f64; n];
                values[at] = if at % 2 == 0 { f64::NAN } else { -f64::NAN };
                let (lo, hi) = mm(&values).unwrap();
                assert!(matches!((lo, hi), (Scalar::Number(a), Scalar::Number(b)) if a.is_nan() && b.is_nan()));
            }
        }
        let (lo, _) = mm(&[f32::NEG_INFINITY, f32::NAN]).unwrap();
        assert_eq!(bits(&lo), number_bits(f64::NAN));
    }

    #[test]
    fn infinities_and_types() {
        let (lo, hi) = mm(&[1.0f64, f64::INFINITY, -1e300, f64::NEG_INFINITY]).unwrap();
        assert_eq!((lo, hi), (Scalar::Number(f64::NEG_INFINITY), Scalar::Number(f64::INFINITY)));
        assert_eq!(mm(&[3i8, -128, 127]).unwrap(), (Scalar::Number(-128.0), Scalar::Number(127.0)));
        assert_eq!(mm(&[3u32, u32::MAX, 0]).unwrap(), (Scalar::Number(0.0), Scalar::Number(u32::MAX as f64)));
        assert_eq!(
            mm(&[i64::MAX, i64::MIN]).unwrap(),
            (Scalar::BigInt(i64::MIN as i128), Scalar::BigInt(i64::MAX as i128))
        );
        assert_eq!(mm(&[u64::MAX, 7]).unwrap(), (Scalar::BigInt(7), Scalar::BigInt(u64::MAX as i128)));
        assert_eq!(mm(&[5u8]).unwrap(), (Scalar::Number(5.0), Scalar::Number(5.0)));
    }

    #[test]
    fn agrees_with_a_sequential_scan_across_blocks() {
        let mut rng = Rng::new(3);
        for n in SIZES.into_iter().filter(|n| *n > 0) {
            let values: Vec<i32> = (0..n).map(|_| rng.next_u64() as i32).collect();
            let expected = (*values.iter().min().unwrap() as f64, *values.iter().max().unwrap() as f64);
            assert_eq!(mm(&values).unwrap(), (Scalar::Number(expected.0), Scalar::Number(expected.1)), "n = {n}");
        }
        let mut values = vec![0.0f64; 2 * BLOCK + 3];
        values[BLOCK] = -0.0;
        values[2 * BLOCK + 2] = -0.0;
        assert_eq!(bits(&mm(&values).unwrap().0), number_bits(-0.0));
    }

    /// The float fast path must give the bits the key scan gives, whatever mix of specials a block holds.
    fn fast_path_matches_keys<T: Ordered>(of: impl Fn(f64) -> T) {
        let mut rng = Rng::new(17);
        let specials = [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN, 5e-324, -5e-324, 1e-310];
        for n in [1, 2, 7, 9, 100, 1000] {
            for trial in 0..200 {
                let values: Vec<T> = (0..n)
                    .map(|_| {
                        if trial % 3 > 0 && rng.next_u64().is_multiple_of(8) {
                            of(specials[(rng.next_u64() % specials.len() as u64) as usize])
                        } else {
                            of(rng.wide_f64())
                        }
                    })
                    .collect();
                // From every offset within a cache line: the AVX-512 path loads 64 bytes (32 of floats) at a time.
                let per_line = 64 / std::mem::size_of::<T>();
                let at = trial % per_line;
                let padded = [vec![of(f64::NAN); at], values.clone(), vec![of(f64::NAN); per_line]].concat();
                with_view(&padded, |whole| {
                    let v = &whole.slice(at..at + n);
                    let exact = exact_key_range(&mut { *v });
                    if let Some(fast) = finite_float_range(&mut { *v }) {
                        assert_eq!(fast, exact, "{values:?}");
                    }
                    assert_eq!(block_key_range(&mut { *v }), exact, "{values:?}");
                });
            }
        }
    }

    #[test]
    fn the_float_fast_path_matches_the_key_scan() {
        fast_path_matches_keys(|x| x);
        fast_path_matches_keys(|x| x as f32);
        fast_path_matches_keys(f16::from_f64);
        with_view(&[1.0f64, 2.0, 0.0], |v| assert_eq!(finite_float_range(&mut { *v }), None));
        with_view(&[1.0f64, f64::INFINITY], |v| assert_eq!(finite_float_range(&mut { *v }), None));
        with_view(&[-1.0f32, 2.5], |v| {
            assert_eq!(finite_float_range(&mut { *v }), Some(((-1.0f32).key(), 2.5f32.key())));
        });
    }

    #[test]
    fn a_raised_flag_aborts() {
        let err = with_view(&[1.0f64; 4], |v| min(v, &cancelled()).unwrap_err());
        assert_eq!(err, Error::Aborted { operation: None });
    }
}
