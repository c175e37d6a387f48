//! Reductions over an expression's values without an array of them: the fused `sum`, and the pattern for others.

use super::run::Bound;
use crate::error::Result;
use crate::exec::Cancel;
use crate::kernels::blocks::{merged, Lanes};
use crate::kernels::exact::ExactSum;
use crate::kernels::sum::{certified, compensated_error_bound};

/// The sum of an expression's values: the exact sum rounded once to the nearest double, as
/// [`sum`](crate::kernels::sum()) gives for the array of those values, so the two agree bit for bit. A compensated pass
/// over the values, proven by the same error bound, answers almost always; a second, exact pass (recomputing the
/// values) answers the rest.
///
/// # Errors
/// As [`Bound::map_blocks`].
pub fn sum(bound: &Bound<'_, '_>, cancel: &Cancel) -> Result<f64> {
    let parts = bound.map_blocks(cancel, |values| {
        let mut lanes = Lanes::default();
        let mut magnitude = 0.0f64;
        // Pieces are whole groups of lanes but the last, so every term goes to the lane its block index selects.
        values.staged(|_, xs| {
            lanes.add(xs);
            magnitude += xs.iter().map(|x| x.abs()).sum::<f64>();
        });
        (lanes.total(), magnitude)
    })?;
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
