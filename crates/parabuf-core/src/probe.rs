//! Bench-only measurements, used by `npm run bench` and by no operation: the machine's memory-read bandwidth (the limit
//! any streaming kernel runs into), and a plain parallel sum to hold the deterministic compensated `sum` against.
//!
//! Both run on parabuf's own pool ([`pool`]), so they use the same threads as the kernels.

use std::hint::black_box;
use std::time::Instant;

use pulp::{as_arrays, Simd, WithSimd};
use rayon::prelude::*;

#[cfg(all(target_arch = "x86_64", not(miri)))]
use crate::arch;
use crate::arch::{prefetch_ahead, simd_arch};
use crate::exec::{pool, runs_on_caller, threads, BLOCK};
use crate::kernels::blocks::STAGE;
use crate::ledger::Ledger;
use crate::region::OwnedBuffer;
use crate::view::{Element, ReadView, WriteView};

/// Elements per piece of the plain sum: its own constant, so that the baseline stays the same whatever the kernels'
/// staging size.
const PLAIN_PIECE: usize = 512;

/// Words (`u64`) per piece of work in the bandwidth probe: 1 MiB, large enough that scheduling costs nothing, small
/// enough that the pool balances the tail.
const PROBE_CHUNK: usize = 1 << 17;

/// How the bandwidth probe reads its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadPath {
    /// Ordinary loads of a private `Vec<u64>`, which the compiler vectorises, prefetched ahead as the kernels' reads
    /// are: the machine's read limit.
    Plain,
    /// Through a [`ReadView`] of a parabuf-owned buffer, staged with [`ReadView::read_into`] (as the kernels read
    /// JavaScript memory), then folded: what the kernels' reading alone can reach.
    View,
}

/// One bandwidth measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Bandwidth {
    /// Bytes read per second in the fastest pass.
    pub bytes_per_second: f64,
    /// The buffer's size in bytes (a multiple of 8).
    pub bytes: usize,
    /// Passes made over the buffer; the fastest counts.
    pub passes: usize,
    /// The seconds of every pass, in order.
    pub seconds: Vec<f64>,
    /// Threads that read at once (the pool's size).
    pub threads: usize,
}

/// XOR of `words` into eight independent accumulators: no dependency chain longer than one instruction per eight
/// words, no floating point, and a loop the compiler turns into wide vector loads. With `prefetching`, each group also
/// asks for what follows it ([`prefetch_ahead`]), as [`ReadView::read_into`] does, so that the limit is measured
/// with the best reading technique the kernels have (memory not yet in cache); without it, for data already staged.
#[inline(always)]
fn xor_fold(words: &[u64], prefetching: bool) -> u64 {
    let mut acc = [0u64; 8];
    let mut groups = words.chunks_exact(8);
    for group in &mut groups {
        if prefetching {
            prefetch_ahead(group.as_ptr().cast(), std::mem::size_of_val(group), usize::MAX);
        }
        for (a, w) in acc.iter_mut().zip(group) {
            *a ^= *w;
        }
    }
    groups.remainder().iter().fold(acc.iter().fold(0, |x, a| x ^ a), |x, w| x ^ w)
}

/// Reads `bytes` (rounded down to whole `u64` words, at least one) with every thread of the pool, `passes` times
/// (at least once), and reports the fastest pass.
///
/// The buffer is allocated and written first (so every page is mapped) and freed at the end; pass a size far larger
/// than the last-level cache (1 GiB or more) to measure memory rather than cache. The pass folds words with XOR into
/// independent accumulators, so arithmetic never limits it: the time is the time to bring the bytes in.
pub fn read_bandwidth(bytes: usize, passes: usize, path: ReadPath) -> Bandwidth {
    let words = (bytes / 8).max(1);
    let passes = passes.max(1);
    let seconds = match path {
        ReadPath::Plain => {
            let mut data = vec![0u64; words];
            pool().install(|| {
                data.par_chunks_mut(PROBE_CHUNK).enumerate().for_each(|(c, chunk)| {
                    for (i, w) in chunk.iter_mut().enumerate() {
                        *w = ((c * PROBE_CHUNK + i) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    }
                });
            });
            time_passes(passes, || {
                pool().install(|| {
                    data.par_chunks(PROBE_CHUNK).map(|chunk| xor_fold(chunk, true)).reduce(|| 0, |a, b| a ^ b)
                })
            })
        }
        ReadPath::View => {
            let buf = OwnedBuffer::zeroed(words * 8);
            let ledger = Ledger::new();
            {
                let mut guard = ledger.write(buf.region()).expect("a private ledger has no other export");
                let view = guard.view_mut::<u64>().expect("an owned buffer is aligned for u64");
                pool().install(|| {
                    view.into_chunks(PROBE_CHUNK).into_par_iter().enumerate().for_each(|(c, mut chunk)| {
                        let pattern: Vec<u64> = (0..chunk.len())
                            .map(|i| ((c * PROBE_CHUNK + i) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                            .collect();
                        chunk.write_from(0, &pattern);
                    });
                });
            }
            let guard = ledger.read(buf.region()).expect("a private ledger has no other export");
            let view = guard.view::<u64>().expect("an owned buffer is aligned for u64");
            time_passes(passes, || xor_in_chunks(&view, staged_xor))
        }
    };
    Bandwidth::fastest(words * 8, seconds)
}

/// Reads the memory of `view` `passes` times (at least once) with every thread of the pool and reports the fastest
/// pass, as [`read_bandwidth`] does for a private buffer: the limit for that memory in particular. Pages the system
/// placed differently can read at different speeds (on the bench VM, the first large array a Node process allocates
/// reads a quarter slower than the next), so a kernel's speed on an array is best held against this.
///
/// The words are folded with XOR, with no floating point. On AVX-512 they come through the same 64-byte register loads
/// as the sum of doubles (`ReadView::fold_groups`), elsewhere through staged copies, which read slower than plain
/// loads: there the figure understates the memory.
pub fn read_bandwidth_of(view: &ReadView<'_, f64>, passes: usize) -> Bandwidth {
    let seconds = time_passes(passes.max(1), || xor_in_chunks(view, doubles_xor));
    Bandwidth::fastest(view.len() * 8, seconds)
}

/// Copies `src` into `dst` (of one length) `passes` times (at least once) with every thread of the pool, staged as the
/// kernels read and write, and reports the fastest pass as the bytes it moved (read and written) per second: the limit
/// for a kernel that reads one array and writes another, such as `cumsum`.
///
/// # Panics
/// When the lengths differ.
pub fn copy_bandwidth(src: &ReadView<'_, f64>, dst: WriteView<'_, f64>, passes: usize) -> Bandwidth {
    assert_eq!(src.len(), dst.len(), "a copy needs two arrays of one length");
    let len = src.len();
    let mut chunks = dst.into_chunks(PROBE_CHUNK);
    let seconds = (0..passes.max(1))
        .map(|_| {
            let start = Instant::now();
            pool().install(|| {
                chunks.par_iter_mut().enumerate().for_each(|(c, chunk)| {
                    let mut stage = [0.0f64; STAGE];
                    let mut at = 0;
                    while at < chunk.len() {
                        let n = STAGE.min(chunk.len() - at);
                        src.read_into(c * PROBE_CHUNK + at, &mut stage[..n]);
                        chunk.write_from(at, &stage[..n]);
                        at += n;
                    }
                });
            });
            start.elapsed().as_secs_f64()
        })
        .collect();
    Bandwidth::fastest(2 * len * 8, seconds)
}

/// The XOR of `fold` over [`PROBE_CHUNK`]-sized pieces of `view`, on every thread of the pool.
fn xor_in_chunks<T: Element>(view: &ReadView<'_, T>, fold: impl Fn(&ReadView<'_, T>) -> u64 + Sync) -> u64 {
    pool().install(|| {
        (0..view.len().div_ceil(PROBE_CHUNK))
            .into_par_iter()
            .map(|c| fold(&view.slice(c * PROBE_CHUNK..((c + 1) * PROBE_CHUNK).min(view.len()))))
            .reduce(|| 0, |a, b| a ^ b)
    })
}

impl Bandwidth {
    /// The measurement of `bytes` read once per pass in `seconds`, the fastest pass counting.
    fn fastest(bytes: usize, seconds: Vec<f64>) -> Bandwidth {
        let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
        Bandwidth { bytes_per_second: bytes as f64 / best, bytes, passes: seconds.len(), seconds, threads: threads() }
    }
}

/// The XOR of the bits of every element of `view`, read as [`read_bandwidth_of`] describes.
fn doubles_xor(view: &ReadView<'_, f64>) -> u64 {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some(words) = arch::with_avx512(|simd| {
        simd.vectorize(|| {
            let (words, whole) = view.fold_groups(simd, [0u64; 32], |mut words, group| {
                let group: [u64; 32] = bytemuck::cast(group);
                words.iter_mut().zip(group).for_each(|(w, g)| *w ^= g);
                words
            });
            (whole..view.len()).fold(words.iter().fold(0, |x, w| x ^ w), |x, i| x ^ view.get(i).to_bits())
        })
    }) {
        return words;
    }
    staged_xor(view)
}

/// [`xor_fold`] of the words of a view, staged through a local buffer as the kernels stage their input.
fn staged_xor<T: Element + bytemuck::Pod>(view: &ReadView<'_, T>) -> u64 {
    let mut stage = [T::default(); STAGE];
    let mut acc = 0;
    let mut start = 0;
    while start < view.len() {
        let n = STAGE.min(view.len() - start);
        view.read_into(start, &mut stage[..n]);
        acc ^= xor_fold(bytemuck::cast_slice(&stage[..n]), false);
        start += n;
    }
    acc
}

/// The seconds each of `passes` runs of `pass` takes; results go through [`black_box`] so no pass is optimised away.
fn time_passes(passes: usize, pass: impl Fn() -> u64) -> Vec<f64> {
    (0..passes)
        .map(|_| {
            let start = Instant::now();
            black_box(pass());
            start.elapsed().as_secs_f64()
        })
        .collect()
}

/// A plain parallel sum of `view`: uncompensated `f64` additions in eight lanes per staged piece, the pieces spread by
/// rayon's work stealing and added in whatever order they finish. Fast, but the bits of the result depend on the
/// scheduling: the baseline the deterministic, compensated [`sum`](crate::kernels::sum()) is measured against.
///
/// Like the kernels, it stays on the calling thread for inputs of at most one [`BLOCK`], so that small sizes compare
/// per-call costs rather than the cost of waking the pool.
pub fn plain_sum(view: &ReadView<'_, f64>) -> f64 {
    let piece_sum = |piece: usize| {
        let start = piece * PLAIN_PIECE;
        let n = PLAIN_PIECE.min(view.len() - start);
        // Read as the compensated sum reads where it can, so that the two differ only in their arithmetic.
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if let Some(sum) = arch::with_avx512(|simd| {
            let piece = view.slice(start..start + n);
            simd.vectorize(|| plain_doubles_avx512(simd, &piece))
        }) {
            return sum;
        }
        let mut stage = [0.0f64; PLAIN_PIECE];
        view.read_into(start, &mut stage[..n]);
        simd_arch().dispatch(PlainLanes(&stage[..n]))
    };
    let pieces = view.len().div_ceil(PLAIN_PIECE);
    if runs_on_caller(view.len().div_ceil(BLOCK)) {
        return (0..pieces).map(piece_sum).sum();
    }
    pool().install(|| (0..pieces).into_par_iter().map(piece_sum).sum::<f64>())
}

/// The plain dot product of two `f64` views, as [`plain_sum`] adds: rounded products in plain accumulators, pieces in
/// parallel, added in whatever order they finish. The baseline the correctly rounded [`dot`](crate::kernels::dot()) is
/// measured against.
///
/// # Panics
/// When the lengths differ.
pub fn plain_dot(a: &ReadView<'_, f64>, b: &ReadView<'_, f64>) -> f64 {
    assert_eq!(a.len(), b.len(), "plain_dot needs one length");
    let piece_dot = |piece: usize| {
        let start = piece * PLAIN_PIECE;
        let n = PLAIN_PIECE.min(a.len() - start);
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        if let Some(dot) = arch::with_avx512(|simd| {
            let (x, y) = (a.slice(start..start + n), b.slice(start..start + n));
            simd.vectorize(|| {
                let (lanes, whole) = x.fold_group_pairs(&y, simd, [simd.splat_f64s(0.0); 4], |mut lanes, xs, ys| {
                    for ((lane, x), y) in lanes.iter_mut().zip(xs).zip(ys) {
                        *lane = simd.mul_add_f64s(x, y, *lane);
                    }
                    lanes
                });
                let sums: &[f64] = bytemuck::cast_slice(&lanes);
                sums.iter().sum::<f64>() + (whole..n).map(|i| x.get(i) * y.get(i)).sum::<f64>()
            })
        }) {
            return dot;
        }
        let (mut xs, mut ys) = ([0.0f64; PLAIN_PIECE], [0.0f64; PLAIN_PIECE]);
        a.read_into(start, &mut xs[..n]);
        b.read_into(start, &mut ys[..n]);
        let mut lanes = [0.0f64; 8];
        for (i, (x, y)) in xs[..n].iter().zip(&ys[..n]).enumerate() {
            lanes[i % 8] += x * y;
        }
        lanes.iter().sum::<f64>()
    };
    let pieces = a.len().div_ceil(PLAIN_PIECE);
    if runs_on_caller(a.len().div_ceil(BLOCK)) {
        return (0..pieces).map(piece_dot).sum();
    }
    pool().install(|| (0..pieces).into_par_iter().map(piece_dot).sum::<f64>())
}

/// [`plain_sum`] of one piece on AVX-512: four vectors of plain accumulators fed straight from the view's registers
/// ([`ReadView::fold_groups`], as the compensated sum's lanes are), then the leftover terms.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn plain_doubles_avx512(simd: pulp::x86::V4, piece: &ReadView<'_, f64>) -> f64 {
    let (lanes, whole) = piece.fold_groups(simd, [simd.splat_f64s(0.0); 4], |mut lanes, group| {
        for (lane, x) in lanes.iter_mut().zip(group) {
            *lane = simd.add_f64s(*lane, x);
        }
        lanes
    });
    let sums: &[f64] = bytemuck::cast_slice(&lanes);
    sums.iter().sum::<f64>() + (whole..piece.len()).map(|i| piece.get(i)).sum::<f64>()
}

/// Eight plain `f64` accumulators on the widest vectors the processor has (as the compensated sum's lanes), then
/// the leftover terms: the arithmetic of [`plain_sum`]'s pieces.
struct PlainLanes<'a>(&'a [f64]);

impl WithSimd for PlainLanes<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        let (groups, rest) = as_arrays::<8, f64>(self.0);
        let mut lanes = [simd.splat_f64s(0.0); 8];
        for group in groups {
            let (vectors, _) = S::as_simd_f64s(group);
            for (lane, x) in lanes.iter_mut().zip(vectors) {
                *lane = simd.add_f64s(*lane, *x);
            }
        }
        let sums: &[f64] = bytemuck::cast_slice(&lanes[..8 / S::F64_LANES]);
        sums.iter().sum::<f64>() + rest.iter().sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::with_view;

    #[test]
    fn xor_fold_folds_every_word() {
        let words: Vec<u64> = (1..=19).collect();
        for prefetching in [false, true] {
            assert_eq!(xor_fold(&words, prefetching), words.iter().fold(0, |a, w| a ^ w));
            assert_eq!(xor_fold(&[], prefetching), 0);
        }
    }

    #[test]
    fn bandwidth_probes_report_positive_rates() {
        for path in [ReadPath::Plain, ReadPath::View] {
            let bw = read_bandwidth(3 * PROBE_CHUNK * 8 + 24, 2, path);
            assert_eq!(bw.bytes, 3 * PROBE_CHUNK * 8 + 24);
            assert_eq!((bw.passes, bw.seconds.len()), (2, 2));
            assert!(bw.bytes_per_second > 0.0 && bw.bytes_per_second.is_finite(), "{bw:?}");
            assert!(bw.threads >= 1);
        }
        assert_eq!(read_bandwidth(0, 0, ReadPath::Plain).bytes, 8);
    }

    #[test]
    fn a_view_is_read_whole() {
        let values: Vec<f64> = (0..(2 * PROBE_CHUNK + 45)).map(|i| i as f64 * 0.75).collect();
        let want = values.iter().fold(0, |x, v| x ^ v.to_bits());
        for range in [0..values.len(), 3..values.len() - 2, 0..0, 5..6] {
            assert_eq!(
                with_view(&values[range.clone()], doubles_xor),
                values[range.clone()].iter().fold(0, |x, v| x ^ v.to_bits())
            );
        }
        let bw = with_view(&values, |v| read_bandwidth_of(v, 2));
        assert_eq!((bw.bytes, bw.passes, bw.seconds.len()), (values.len() * 8, 2, 2));
        assert!(bw.bytes_per_second > 0.0 && bw.bytes_per_second.is_finite(), "{bw:?}");
        assert_eq!(with_view(&values, doubles_xor), want);
    }

    #[test]
    fn plain_sum_adds_every_element() {
        let values: Vec<f64> = (0..(3 * STAGE + 13)).map(|i| i as f64).collect();
        let n = values.len() as f64;
        assert_eq!(with_view(&values, plain_sum), n * (n - 1.0) / 2.0);
        assert_eq!(with_view(&[], plain_sum), 0.0);
    }
}
