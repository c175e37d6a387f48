//! Reductions over an expression's values without an array of them: the fused `sum`, and the pattern for others.

use pulp::{Simd, WithSimd};

use super::run::{BlockValues, Bound};
use crate::arch::simd_arch;
use crate::error::Result;
use crate::exec::Cancel;
use crate::kernels::blocks::{merged, Lanes};
#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::kernels::blocks::{Avx512BlockSum, LANES};
use crate::kernels::exact::ExactSum;
use crate::kernels::numeric::Neumaier;
use crate::kernels::sum::{certified, compensated_error_bound};

/// The sum of an expression's values: the exact sum rounded once to the nearest double, as
/// [`sum`](crate::kernels::sum()) gives for the array of those values, so the two agree bit for bit. A compensated pass
/// over the values, proven by the same error bound, answers almost always; a second, exact pass (recomputing the
/// values) answers the rest.
///
/// # Errors
/// As [`Bound::map_blocks`].
pub fn sum(bound: &Bound<'_, '_>, cancel: &Cancel) -> Result<f64> {
    let parts = bound.map_blocks(cancel, compensated_values)?;
    let magnitude: f64 = parts.iter().map(|(_, m)| m).sum();
    let total = merged(parts.iter().map(|(t, _)| *t));
    let len = bound.len().unwrap_or(0);
    if magnitude == 0.0 && total.value() == 0.0 {
        return Ok(0.0);
    }
    if let Some(value) = certified(total, compensated_error_bound(magnitude, len)) {
        return Ok(value);
    }
    let mut exact = ExactSum::default();
    bound
        .map_blocks(cancel, |values| {
            let mut block = ExactSum::default();
            values.staged(|_, xs| xs.iter().for_each(|x| block.add(*x)));
            block.normalise();
            block
        })?
        .iter()
        .for_each(|block| exact.merge(block));
    Ok(exact.value())
}

/// A block's compensated sum and a bound on the sum of its values' magnitudes: on AVX-512 in [`Avx512BlockSum`]'s
/// registers (the magnitudes bounded by a maximum, which adds no pass over the values), elsewhere through
/// [`CompensatedValues`]. The same lanes and arithmetic either way, so the same bits of the total; the bound differs,
/// which changes no result (a certified sum is the correctly rounded one, as is the exact pass's).
fn compensated_values(values: &mut BlockValues<'_, '_, '_>) -> (Neumaier, f64) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some(sum) = crate::arch::with_avx512(|simd| {
        let mut sum = Avx512BlockSum::new(simd);
        let (mut whole, mut rest) = (0, [0.0; LANES]);
        let mut rest_len = 0;
        // Pieces are whole groups of lanes but the block's last, so only that one leaves a partial group. Each piece
        // through `vectorize`: this callback is compiled on its own, where each AVX-512 operation would be a call.
        values.staged(|_, xs| {
            let (groups, remainder) = pulp::as_arrays::<LANES, f64>(xs);
            sum = simd.vectorize(|| add_groups(simd, sum, groups));
            whole += groups.len() * LANES;
            rest_len = remainder.len();
            rest[..rest_len].copy_from_slice(remainder);
        });
        simd.vectorize(|| sum.finish(simd, whole, rest[..rest_len].iter().copied()))
    }) {
        return (sum.total, sum.magnitude);
    }
    simd_arch().dispatch(CompensatedValues { values })
}

/// `sum` with each group of [`LANES`] values added. By value, so that the lanes stay in registers through the loop.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn add_groups(simd: pulp::x86::V4, mut sum: Avx512BlockSum, groups: &[[f64; LANES]]) -> Avx512BlockSum {
    for group in groups {
        sum.add(simd, bytemuck::cast(*group));
    }
    sum
}

/// A block's compensated sum and the sum of its values' magnitudes, compiled for the processor's widest vectors (the
/// lanes' arithmetic is IEEE per element, so the bits are the same on every machine).
struct CompensatedValues<'a, 'b, 'e, 'v> {
    values: &'a mut BlockValues<'b, 'e, 'v>,
}

impl WithSimd for CompensatedValues<'_, '_, '_, '_> {
    type Output = (Neumaier, f64);

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> Self::Output {
        let mut lanes = Lanes::default();
        let mut magnitude = [0.0f64; 8];
        // Pieces are whole groups of lanes but the last, so every term goes to the lane its block index selects.
        self.values.staged(|_, xs| {
            lanes.add(xs);
            let mut groups = xs.chunks_exact(magnitude.len());
            for group in &mut groups {
                magnitude.iter_mut().zip(group).for_each(|(m, x)| *m += x.abs());
            }
            magnitude.iter_mut().zip(groups.remainder()).for_each(|(m, x)| *m += x.abs());
        });
        (lanes.total(), magnitude.iter().sum())
    }
}
