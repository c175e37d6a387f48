//! Exact sums of 8-, 16- and 32-bit integers along axes, for `sum` and `mean` along axes: each output the exact sum
//! of its elements, as the whole-array [`int_sum`](crate::kernels::sum()) gives it, found in the loop order of
//! [`AxesPlan`] (memory order) in 64-bit accumulators, with no copy of each output's elements first.
//!
//! Integer addition is exact and associative, so how the work is cut changes nothing: tasks are cut by the shape
//! alone anyway, as everywhere else.
//!
//! The case this exists for is a pixel array summed per channel (`[height, width, channels]` over axes `[0, 1]`):
//! the kept axis is the fastest, and its rows are a few elements long and follow one another in memory. Such rows are
//! read as one contiguous run, and added into accumulators a whole number of rows long (`periodic`), so the
//! loop runs on whole vectors whatever the row length.

use std::ops::Range;

use crate::error::Result;
use crate::exec::{map_block_indices, Cancel, BLOCK};
use crate::kernels::axes::{set_position, AxesPlan, Strategy};
use crate::layout::Shape;
use crate::view::{Element, ReadView, StridedReadView};

/// Elements copied out of shared memory at a time.
const STAGE: usize = 2048;

/// Accumulators [`periodic`] keeps at least, and the multiple of which it keeps where it can: whole vectors.
const PERIOD: usize = 64;

/// Rows of a [`Strategy::Rows`] task's piece at least, as for the float sums; at most 2^30, so that no 64-bit
/// accumulator overflows (each adds at most 2^30 elements of at most 2^32 in magnitude).
const MIN_ROWS_PER_PIECE: usize = 128;
const MAX_ROWS_PER_PIECE: usize = 1 << 30;

/// Columns of accumulators a [`Strategy::Rows`] task keeps at most.
const COLUMNS: usize = 16 * 1024;

/// Elements of one output a [`Strategy::Runs`] task sums at most before the next task takes over (also below 2^30).
const RUN_PIECE: usize = 8 * BLOCK;

/// The exact sum of `view`'s elements along `axes` (numpy's `a.sum(axis=axes)`): the output's shape (the kept axes)
/// and its sums, row-major.
///
/// # Errors
/// As [`normalize_axes`](crate::kernels::axes::normalize_axes); `Aborted` when `cancel` is raised.
pub fn int_sum_axes<T: Element + Into<i64>>(
    view: &StridedReadView<'_, T>,
    axes: &[i64],
    cancel: &Cancel,
) -> Result<(Shape, Vec<i128>)> {
    let plan = AxesPlan::new(view.layout(), axes)?;
    let walked = plan.walked(view)?;
    let out_shape: Shape = plan.out_shape().iter().copied().collect();
    let outputs: usize = out_shape.iter().product();
    let kept = plan.kept();
    let reduced: usize = walked.layout().shape()[kept..].iter().product();
    if outputs == 0 || reduced == 0 {
        cancel.check()?;
        return Ok((out_shape, vec![0; outputs]));
    }
    let sums = match plan.strategy() {
        Strategy::Runs => runs(&walked, kept, outputs, reduced, cancel)?,
        Strategy::Rows => rows(&walked, kept, plan.row_axis(), outputs, reduced, cancel)?,
    };
    Ok((out_shape, sums))
}

/// [`Strategy::Runs`]: tasks of whole outputs (about a block of elements) when outputs are short, else of
/// [`RUN_PIECE`]-element pieces of one output; each output's elements are read run by run along the last axis.
fn runs<T: Element + Into<i64>>(
    walked: &StridedReadView<'_, T>,
    kept: usize,
    outputs: usize,
    reduced: usize,
    cancel: &Cancel,
) -> Result<Vec<i128>> {
    let shape = walked.layout().shape();
    let ndim = shape.len();
    // The sum of reduced positions `r0..r1` of output `o`.
    let part = |o: usize, r0: usize, r1: usize, stage: &mut [T]| -> i64 {
        let mut index = vec![0; ndim];
        set_position(&mut index, shape, 0..kept, o);
        if kept == ndim {
            return walked.get(&index).into();
        }
        let last = ndim - 1;
        let mut total = 0i64;
        let mut r = r0;
        while r < r1 {
            set_position(&mut index, shape, kept..ndim, r);
            let run = (shape[last] - index[last]).min(r1 - r).min(stage.len());
            walked.read_run(&index, last, &mut stage[..run]);
            total += stage[..run].iter().map(|&x| x.into()).sum::<i64>();
            r += run;
        }
        total
    };
    if reduced < RUN_PIECE {
        let per_task = (BLOCK / reduced).max(1);
        let chunks = map_block_indices(outputs.div_ceil(per_task), cancel, |t| {
            let mut stage = vec![T::default(); STAGE];
            (t * per_task..((t + 1) * per_task).min(outputs))
                .map(|o| i128::from(part(o, 0, reduced, &mut stage)))
                .collect::<Vec<i128>>()
        })?;
        return Ok(chunks.into_iter().flatten().collect());
    }
    let pieces = reduced.div_ceil(RUN_PIECE);
    let parts = map_block_indices(outputs * pieces, cancel, |t| {
        let (o, p) = (t / pieces, t % pieces);
        part(o, p * RUN_PIECE, ((p + 1) * RUN_PIECE).min(reduced), &mut [T::default(); STAGE])
    })?;
    Ok(parts.chunks(pieces).map(|chunk| chunk.iter().map(|&s| i128::from(s)).sum()).collect())
}

/// [`Strategy::Rows`]: tasks of one index of the other kept axes, up to [`COLUMNS`] columns along the row axis `c`,
/// and a piece of the rows (the reduced positions); each task adds its rows into a row of accumulators.
fn rows<T: Element + Into<i64>>(
    walked: &StridedReadView<'_, T>,
    kept: usize,
    c: usize,
    outputs: usize,
    reduced: usize,
    cancel: &Cancel,
) -> Result<Vec<i128>> {
    let shape = walked.layout().shape();
    let ndim = shape.len();
    let width = shape[c];
    let others = outputs / width;
    let column_blocks = width.div_ceil(COLUMNS);
    let rows_per_piece = (8 * BLOCK / width.min(COLUMNS)).clamp(MIN_ROWS_PER_PIECE, MAX_ROWS_PER_PIECE);
    let pieces = reduced.div_ceil(rows_per_piece);
    // The output position of the task's first column, and the distance between its columns.
    let stride: usize = shape[c + 1..kept].iter().product();
    let first_output = |index: &[usize]| index[..kept].iter().zip(shape).fold(0, |o, (&i, &n)| o * n + i);
    let parts = map_block_indices(others * column_blocks * pieces, cancel, |t| -> Result<(usize, Vec<i64>)> {
        let (p, rest) = (t % pieces, t / pieces);
        let (cb, other) = (rest % column_blocks, rest / column_blocks);
        let columns = cb * COLUMNS..((cb + 1) * COLUMNS).min(width);
        let rows = p * rows_per_piece..((p + 1) * rows_per_piece).min(reduced);
        // The other kept axes' index: `other` row-major over them, the row axis left out.
        let mut index = vec![0; ndim];
        let mut rest = other;
        for axis in (0..kept).rev().filter(|&a| a != c) {
            index[axis] = rest % shape[axis];
            rest /= shape[axis];
        }
        index[c] = columns.start;
        let first = first_output(&index);
        let mut sums = vec![0i64; columns.len()];
        match whole_rows(walked, kept, c, &index, &columns, &rows)? {
            Some(run) => periodic(&run, &mut sums),
            None => {
                let mut row = vec![T::default(); columns.len()];
                for r in rows {
                    set_position(&mut index, shape, kept..ndim, r);
                    walked.read_run(&index, c, &mut row);
                    sums.iter_mut().zip(&row).for_each(|(sum, &x)| *sum += x.into());
                }
            }
        }
        Ok((first, sums))
    })?;
    let mut totals = vec![0i128; outputs];
    for part in parts {
        let (first, sums) = part?;
        for (j, sum) in sums.into_iter().enumerate() {
            totals[first + j * stride] += i128::from(sum);
        }
    }
    Ok(totals)
}

/// The rows `rows` of the columns `columns` (at the other kept axes' `index`) as one contiguous run, row after row,
/// when they lie that way in memory: all of each row, one reduced axis, and rows that follow one another (a pixel
/// array's channels). `None` otherwise.
fn whole_rows<'g, T: Element>(
    walked: &StridedReadView<'g, T>,
    kept: usize,
    c: usize,
    index: &[usize],
    columns: &Range<usize>,
    rows: &Range<usize>,
) -> Result<Option<ReadView<'g, T>>> {
    let ndim = walked.layout().ndim();
    if ndim != kept + 1 || columns.len() != walked.layout().shape()[c] {
        return Ok(None);
    }
    // Fix the other kept axes (from the last, so that positions stay put), leaving [row axis, reduced axis].
    let mut view = walked.clone();
    for axis in (0..kept).rev().filter(|&a| a != c) {
        view = view.indexed(axis, index[axis]);
    }
    let flat = view.permuted(&[1, 0])?.sliced(0, rows.clone()).coalesced();
    if flat.layout().ndim() != 1 || flat.layout().strides()[0] != 1 {
        return Ok(None);
    }
    Ok(flat.contiguous_run(&[0], 0, rows.len() * columns.len()))
}

/// Adds consecutive rows of `sums.len()` elements (all of `run`, a whole number of rows) into `sums`: through
/// accumulators a whole number of rows long and a multiple of [`PERIOD`] where that stays short, which whole stages add
/// into element by element (on vectors), folded into the row's columns at the end. 8- and 16-bit elements add into
/// 32-bit accumulators, twice as many per vector, moved into the 64-bit sums before they could overflow.
fn periodic<T: Element + Into<i64>>(run: &ReadView<'_, T>, sums: &mut [i64]) {
    if std::mem::size_of::<T>() <= 2 {
        // At most 2^16 in magnitude, 2^14 times: below 2^31.
        periodic_in::<T, i32>(run, sums, 1 << 14);
    } else {
        periodic_in::<T, i64>(run, sums, usize::MAX);
    }
}

/// An accumulator type of [`periodic`].
trait Accumulator: Copy + Default + std::ops::AddAssign + Into<i64> {
    /// `x`, which fits.
    fn of(x: i64) -> Self;
}

impl Accumulator for i32 {
    #[inline(always)]
    fn of(x: i64) -> i32 {
        x as i32
    }
}

impl Accumulator for i64 {
    #[inline(always)]
    fn of(x: i64) -> i64 {
        x
    }
}

/// [`periodic`] with accumulators of type `A`, each moved into `sums` after `flush_every` stages' additions at most.
fn periodic_in<T: Element + Into<i64>, A: Accumulator>(run: &ReadView<'_, T>, sums: &mut [i64], flush_every: usize) {
    let w = sums.len();
    let aligned = w / gcd(w, PERIOD) * PERIOD;
    let period = if aligned <= 16 * PERIOD { aligned } else { w * PERIOD.div_ceil(w) };
    let mut accumulators = vec![A::default(); period];
    // Whole periods per stage, so that every stage starts at column 0.
    let per_stage = (STAGE / period).max(1);
    let mut stage = vec![T::default(); period * per_stage];
    let flush = |accumulators: &mut [A], sums: &mut [i64]| {
        for (j, sum) in accumulators.iter_mut().enumerate() {
            sums[j % w] += (*sum).into();
            *sum = A::default();
        }
    };
    let (mut start, mut added) = (0, 0);
    while start < run.len() {
        let n = stage.len().min(run.len() - start);
        run.read_into(start, &mut stage[..n]);
        for chunk in stage[..n].chunks(period) {
            accumulators.iter_mut().zip(chunk).for_each(|(sum, &x)| *sum += A::of(x.into()));
        }
        added += per_stage;
        if added + per_stage > flush_every {
            flush(&mut accumulators, sums);
            added = 0;
        }
        start += n;
    }
    flush(&mut accumulators, sums);
}

/// The greatest common divisor of `a` and `b`.
fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{cancelled, with_strided, Rng};
    use crate::layout::Layout;

    /// Each output's sum by walking every index of the layout.
    fn reference<T: Element + Into<i64>>(data: &[T], layout: &Layout, axes: &[usize]) -> Vec<i128> {
        let shape = layout.shape();
        let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
        let outputs: usize = kept.iter().map(|&a| shape[a]).product();
        let mut sums = vec![0i128; outputs];
        let total: usize = shape.iter().product();
        for flat in 0..total {
            let mut index = vec![0; shape.len()];
            set_position(&mut index, shape, 0..shape.len(), flat);
            let o = kept.iter().fold(0, |o, &a| o * shape[a] + index[a]);
            let offset = layout.offset() as isize
                + index.iter().zip(layout.strides()).map(|(&i, &s)| i as isize * s).sum::<isize>();
            sums[o] += i128::from(data[offset as usize].into());
        }
        sums
    }

    fn check<T: Element + Into<i64>>(data: &[T], shape: &[i64], strides: Option<&[i64]>, offset: i64, axes: &[usize]) {
        let layout = Layout::new(shape, strides, offset, data.len()).unwrap();
        let want = reference(data, &layout, axes);
        let named: Vec<i64> = axes.iter().map(|&a| a as i64).collect();
        let (_, got) = with_strided(data, &layout, |v| int_sum_axes(v, &named, &Cancel::new())).unwrap();
        assert_eq!(got, want, "{shape:?} {strides:?} {axes:?}");
    }

    #[test]
    fn every_layout_sums_exactly() {
        let mut rng = Rng::new(3);
        let bytes: Vec<u8> = (0..3 * 200 * 70 * 2).map(|_| rng.next_u64() as u8).collect();
        let words: Vec<u32> = (0..300 * 1500).map(|_| u32::MAX - (rng.next_u64() % 7) as u32).collect();
        let signed: Vec<i16> = (0..5000 * 7).map(|_| rng.next_u64() as i16).collect();
        // A pixel array per channel, over rows, over columns; with an odd row count, and as a flipped view.
        check(&bytes, &[200, 70, 3], None, 0, &[0, 1]);
        check(&bytes, &[199, 70, 3], None, 0, &[0, 1]);
        check(&bytes, &[200, 70, 3], Some(&[-210, 3, 1]), 199 * 210, &[0, 1]);
        check(&bytes, &[200, 70, 3], None, 0, &[0]);
        check(&bytes, &[200, 70, 3], None, 0, &[1, 2]);
        check(&bytes, &[2, 200, 70, 3], None, 0, &[1, 2]);
        check(&bytes, &[200, 70, 3], Some(&[420, 6, 2]), 1, &[0, 1]);
        // Sums past 2^32 and 2^53 in magnitude, rows wider than a task's columns, pieces of rows.
        check(&words, &[300, 1500], None, 0, &[0]);
        check(&words, &[300, 1500], None, 0, &[1]);
        check(&words, &[1500, 300], Some(&[1, 1500]), 0, &[0]);
        check(&words, &[2, 225_000], None, 0, &[0]);
        check(&words, &[450_000], None, 0, &[0]);
        check(&signed, &[5000, 7], None, 0, &[0]);
        check(&signed, &[5000, 7], None, 0, &[1]);
        check(&signed, &[35, 1000], None, 0, &[]);
    }

    /// The accumulators moved into the sums after every stage, or never, give the same column sums, for row lengths
    /// that divide the vector period, share a factor with it, or are longer than it.
    #[test]
    fn periodic_sums_flush_without_changing_them() {
        let mut rng = Rng::new(9);
        for w in [1, 2, 3, 5, 64, 96, 1000, 1100] {
            let rows = 3000 / w + 7;
            let data: Vec<u16> = (0..rows * w).map(|_| u16::MAX - (rng.next_u64() % 3) as u16).collect();
            let mut want = vec![0i64; w];
            data.iter().enumerate().for_each(|(i, &x)| want[i % w] += i64::from(x));
            crate::kernels::testutil::with_view(&data, |view| {
                for flush_every in [1, 2, usize::MAX] {
                    let mut narrow = vec![0i64; w];
                    periodic_in::<u16, i32>(view, &mut narrow, flush_every);
                    assert_eq!(narrow, want, "{w} columns, flushed every {flush_every}");
                }
                let mut wide = vec![0i64; w];
                periodic(view, &mut wide);
                assert_eq!(wide, want, "{w} columns");
            });
        }
    }

    #[test]
    fn empty_and_aborted() {
        let layout = Layout::new(&[3, 0], None, 0, 0).unwrap();
        let (shape, got) = with_strided::<u8, _>(&[], &layout, |v| int_sum_axes(v, &[1], &Cancel::new())).unwrap();
        assert_eq!((shape.as_slice(), got), (&[3usize][..], vec![0; 3]));
        let full = Layout::new(&[4, 4], None, 0, 16).unwrap();
        let result = with_strided(&[1u8; 16], &full, |v| int_sum_axes(v, &[0], &cancelled()));
        assert!(result.is_err());
    }
}
