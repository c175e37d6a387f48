//! `sort`: ascending, as `TypedArray.prototype.sort()` without a comparator, by parallel radix sort.
//!
//! Elements become unsigned keys whose integer order is the sort order ([`Ordered::sort_key`]), are sorted as
//! integers, and are written back. 8- and 16-bit keys are counted (one read, one write). Wider keys are sorted on a
//! private copy by a hybrid radix sort: ranges too big for the cache are split by their most significant digit, in
//! parallel, until each bucket fits in a core's L2; each bucket then finishes with least-significant-digit passes that
//! stay in cache. (Scattering a large array into 2^11 buckets thrashes the TLB on 4 KiB pages, so the hybrid makes
//! only one or two such passes where plain LSD would make all six.) Parallel scatters stay safe: every chunk of the
//! source writes into its own disjoint pieces of the destination, cut beforehand with `split_at_mut`.

use std::mem;

use rayon::prelude::*;

use crate::error::Result;
use crate::exec::{pool, threads, Cancel, BLOCK};
use crate::kernels::blocks::{fold_ranges, staged, STAGE};
use crate::kernels::order::{Key, Ordered};
use crate::ledger::Mode;
use crate::ops::{writing, Arg, ArraySpec, Operation, Output, Returns, Spec};
use crate::scratch::Scratch;
use crate::view::{ReadView, WriteView};

/// Below this many elements a comparison sort of the keys on the calling thread beats setting up passes.
pub(crate) const SMALL: usize = 2048;
/// Bits per radix digit: one split into 2^11 buckets takes 10^7 keys to cache-sized buckets, the counts of a digit
/// still fit in L1, and 64-bit keys need six digits rather than eight.
pub(crate) const DIGIT_BITS: u32 = 11;
pub(crate) const RADIX: usize = 1 << DIGIT_BITS;
/// Buckets of at most this many bytes (and their scratch twins) stay in a core's L2 cache: they finish with LSD passes.
pub(crate) const CACHE_BYTES: usize = 1 << 19;
/// Buckets of at most this many keys finish with a comparison sort: a radix pass costs 2^11 counts whatever the size.
pub(crate) const TINY: usize = 256;
/// Buckets of at least this many keys are split by every thread at once rather than by one.
pub(crate) const PARALLEL_MIN: usize = 1 << 18;
/// Keys a long pass handles between two [`Cancel::yield_point`]s: well under a millisecond of work.
pub(crate) const YIELD_KEYS: usize = 1 << 16;

/// Per-bucket counts of one digit.
pub(crate) type Counts = Vec<usize>;

#[inline(always)]
pub(crate) fn digit<K: Key>(key: K, shift: u32) -> usize {
    (key.to_u64() >> shift) as usize & (RADIX - 1)
}

/// Sorts the elements in ascending order, in place, exactly as `TypedArray.prototype.sort()` with no comparator:
/// numeric order, -0 before +0, every NaN last. The sorted elements are the original ones, except that NaNs with the
/// sign bit set come back with it cleared (JavaScript leaves the bits of a stored NaN to the implementation).
///
/// The result lands all at once: a flag raised before the write-back leaves the array untouched, and the write-back
/// itself is not interrupted. Needs a private copy of the keys (twice the array's size for 32- and 64-bit elements),
/// which, from 32 MiB up, is kept for the next sort of a similar size for 10 s (module `scratch`).
///
/// # Errors
/// `Aborted` when `cancel` is raised before the write-back; `OutOfRange` when the private copy cannot be allocated
/// (the array is then untouched).
pub fn sort<T: Ordered>(view: WriteView<'_, T>, cancel: &Cancel) -> Result<()> {
    cancel.check()?;
    let n = view.len();
    if n < 2 {
        return Ok(());
    }
    if n < SMALL {
        let mut keys: Vec<T::Key> = view.as_read().iter().map(T::sort_key).collect();
        keys.sort_unstable();
        write_keys(view, &keys, cancel);
        return Ok(());
    }
    if T::Key::BITS <= 16 {
        return counting_sort(view, cancel);
    }
    let Keys { mut keys, lo, hi } = read_keys(&view.as_read(), cancel)?;
    // Keys all lie between lo and hi, so they agree on every bit above the highest bit where those two differ: the
    // digits above it need no pass at all.
    let differing = lo.to_u64() ^ hi.to_u64();
    if differing != 0 {
        let digits = (63 - differing.leading_zeros()) / DIGIT_BITS + 1;
        let mut scratch = Scratch::<T::Key>::new(n)?;
        sort_level(&mut keys, &mut scratch, digits, true, cancel)?;
    }
    cancel.check()?;
    write_keys(view, &keys, cancel);
    Ok(())
}

/// Sorts `keys` ascending as integers (by the hybrid radix sort [`sort`] uses), `lo` and `hi` being at most the
/// smallest and at least the largest of them: for kernels that sort keys of their own.
///
/// # Errors
/// `Aborted` when `cancel` is raised; `OutOfRange` when the scratch cannot be allocated.
pub(crate) fn sort_keys<K: Key>(keys: &mut [K], lo: K, hi: K, cancel: &Cancel) -> Result<()> {
    let differing = lo.to_u64() ^ hi.to_u64();
    if keys.len() < 2 || differing == 0 {
        return Ok(());
    }
    let digits = (63 - differing.leading_zeros()) / DIGIT_BITS + 1;
    let mut scratch = Scratch::<K>::new(keys.len())?;
    sort_level(keys, &mut scratch, digits, true, cancel)
}

/// Sort keys, with the smallest and the largest of them.
pub(crate) struct Keys<K> {
    pub(crate) keys: Scratch<K>,
    pub(crate) lo: K,
    pub(crate) hi: K,
}

/// The sort keys of `view`, read block-parallel.
pub(crate) fn read_keys<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Keys<T::Key>> {
    let mut keys = Scratch::new(view.len())?;
    let ranges: Vec<(T::Key, T::Key)> = pool().install(|| {
        keys.par_chunks_mut(BLOCK)
            .enumerate()
            .map(|(b, out)| {
                cancel.check()?;
                staged(&view.slice(b * BLOCK..b * BLOCK + out.len()), |start, xs| {
                    for (k, x) in out[start..].iter_mut().zip(xs) {
                        *k = x.sort_key();
                    }
                });
                Ok(out.iter().fold((out[0], out[0]), |(lo, hi), k| (lo.min(*k), hi.max(*k))))
            })
            .collect::<Result<_>>()
    })?;
    let (lo, hi) = ranges
        .into_iter()
        .fold((T::Key::from_u64(u64::MAX), T::Key::default()), |(lo, hi), (l, h)| (lo.min(l), hi.max(h)));
    Ok(Keys { keys, lo, hi })
}

/// Writes the elements of `keys` over `view`, block-parallel, without checking for cancellation (a sort either lands
/// whole or not at all), only offering cores at `cancel`'s yield points.
fn write_keys<T: Ordered>(view: WriteView<'_, T>, keys: &[T::Key], cancel: &Cancel) {
    let chunks = view.into_chunks(BLOCK);
    pool().install(|| {
        chunks.into_par_iter().zip(keys.par_chunks(BLOCK)).for_each(|(mut chunk, keys)| {
            cancel.yield_point();
            let mut stage = [T::default(); STAGE];
            for (i, keys) in keys.chunks(STAGE).enumerate() {
                for (s, k) in stage.iter_mut().zip(keys) {
                    *s = T::from_key(*k);
                }
                chunk.write_from(i * STAGE, &stage[..keys.len()]);
            }
        });
    });
}

/// Counting sort for keys of at most 16 bits: count every key, then write each block of the output from the running
/// totals. No copy of the array is made.
fn counting_sort<T: Ordered>(view: WriteView<'_, T>, cancel: &Cancel) -> Result<()> {
    let buckets = 1usize << T::Key::BITS;
    let counts = {
        let read = view.as_read();
        let parts = threads().min(read.len() / buckets).max(1);
        fold_ranges(
            read.len(),
            parts,
            cancel,
            || vec![0usize; buckets],
            |counts, range| {
                staged(&read.slice(range), |_, xs| xs.iter().for_each(|x| counts[x.sort_key().to_u64() as usize] += 1));
            },
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                a
            },
        )?
    };
    cancel.check()?;
    // ends[k]: how many keys are <= k, i.e. one past the last output position holding key k.
    let ends: Vec<usize> = counts
        .iter()
        .scan(0, |total, c| {
            *total += c;
            Some(*total)
        })
        .collect();
    let chunks = view.into_chunks(BLOCK);
    pool().install(|| {
        chunks.into_par_iter().enumerate().for_each(|(b, mut chunk)| {
            let first = b * BLOCK;
            let mut key = ends.partition_point(|end| *end <= first);
            let mut stage = [T::default(); STAGE];
            let mut start = 0;
            while start < chunk.len() {
                let n = STAGE.min(chunk.len() - start);
                for (i, slot) in stage[..n].iter_mut().enumerate() {
                    while ends[key] <= first + start + i {
                        key += 1;
                    }
                    *slot = T::from_key(T::Key::from_u64(key as u64));
                }
                chunk.write_from(start, &stage[..n]);
                start += n;
            }
        });
    });
    Ok(())
}

/// Counts of one digit over `keys`.
fn digit_counts<K: Key>(keys: &[K], shift: u32, cancel: &Cancel) -> Counts {
    let mut counts = vec![0usize; RADIX];
    for keys in keys.chunks(YIELD_KEYS) {
        cancel.yield_point();
        keys.iter().for_each(|k| counts[digit(*k, shift)] += 1);
    }
    counts
}

/// Sorts the keys in `a` by their lowest `digits` digits (the higher ones being equal throughout), using `b` as
/// scratch; the result ends in `a` if `into_a`, else in `b`.
fn sort_level<K: Key>(a: &mut [K], b: &mut [K], digits: u32, into_a: bool, cancel: &Cancel) -> Result<()> {
    cancel.yield_point();
    let n = a.len();
    if digits == 0 || n <= TINY {
        if digits > 0 {
            a.sort_unstable();
        }
        if !into_a {
            b.copy_from_slice(a);
        }
        return Ok(());
    }
    if mem::size_of_val(a) <= CACHE_BYTES {
        lsd_in_cache(a, b, digits, into_a);
        return Ok(());
    }
    cancel.check()?;
    let top = digits - 1;
    let shift = top * DIGIT_BITS;
    let parts = if n >= PARALLEL_MIN { threads() } else { 1 };
    let chunk = n.div_ceil(parts);
    let counts: Vec<Counts> = pool().install(|| a.par_chunks(chunk).map(|c| digit_counts(c, shift, cancel)).collect());
    let totals: Counts = (0..RADIX).map(|d| counts.iter().map(|c| c[d]).sum()).collect();
    if totals.contains(&n) {
        return sort_level(a, b, top, into_a, cancel);
    }
    scatter(a, b, shift, &counts, chunk, cancel);
    // Each bucket is now a contiguous range of `b`; finish them independently, the buffers' roles swapped.
    let mut buckets = Vec::with_capacity(RADIX);
    let (mut rest_a, mut rest_b) = (a, b);
    for &len in totals.iter().filter(|len| **len > 0) {
        let (piece_a, tail_a) = mem::take(&mut rest_a).split_at_mut(len);
        let (piece_b, tail_b) = mem::take(&mut rest_b).split_at_mut(len);
        buckets.push((piece_a, piece_b));
        rest_a = tail_a;
        rest_b = tail_b;
    }
    pool().install(|| {
        buckets.into_par_iter().try_for_each(|(piece_a, piece_b)| sort_level(piece_b, piece_a, top, !into_a, cancel))
    })
}

/// Records a radix pass moves: keys alone (`sort`), or keys with their indices (`argsort`).
pub(crate) trait Records: Sized {
    /// The key type.
    type Key: Key;
    /// The keys, in record order.
    fn keys(&self) -> &[Self::Key];
    /// Moves each record with digit `d` at `shift` to `dst[next[d]]`, in order, advancing `next[d]`.
    fn scatter_into(&self, dst: &mut Self, shift: u32, next: &mut [u32; RADIX]);
    /// Copies every record into `dst`.
    fn copy_into(&self, dst: &mut Self);
}

impl<K: Key> Records for &mut [K] {
    type Key = K;
    fn keys(&self) -> &[K] {
        self
    }
    fn scatter_into(&self, dst: &mut Self, shift: u32, next: &mut [u32; RADIX]) {
        for key in self.iter() {
            let d = digit(*key, shift);
            dst[next[d] as usize] = *key;
            next[d] += 1;
        }
    }
    fn copy_into(&self, dst: &mut Self) {
        dst.copy_from_slice(self);
    }
}

/// LSD radix sort of cache-sized records `a` by their keys' lowest `digits` digits, skipping digits that are equal
/// throughout; the result ends in `a` if `into_a`, else in `b`.
pub(crate) fn lsd_in_cache<R: Records>(a: R, b: R, digits: u32, into_a: bool) {
    let n = a.keys().len();
    // Bucket sizes are below CACHE_BYTES, so u32 counts suffice and halve the tables.
    let mut counts = vec![[0u32; RADIX]; digits as usize];
    for key in a.keys() {
        for (i, counts) in counts.iter_mut().enumerate() {
            counts[digit(*key, i as u32 * DIGIT_BITS)] += 1;
        }
    }
    let (mut src, mut dst) = (a, b);
    let mut in_a = true;
    for (i, counts) in counts.iter().enumerate() {
        if counts.iter().any(|c| *c as usize == n) {
            continue;
        }
        let mut next = [0u32; RADIX];
        let mut total = 0;
        for (next, count) in next.iter_mut().zip(counts) {
            *next = total;
            total += count;
        }
        src.scatter_into(&mut dst, i as u32 * DIGIT_BITS, &mut next);
        mem::swap(&mut src, &mut dst);
        in_a = !in_a;
    }
    if in_a != into_a {
        src.copy_into(&mut dst);
    }
}

/// One stable pass: chunk `c` of `src` (`chunk` keys each) moves its keys with digit `d` into the piece of `dst`
/// after every key with a smaller digit and after chunks `0..c`'s keys with digit `d`.
fn scatter<K: Key>(src: &[K], dst: &mut [K], shift: u32, counts: &[Counts], chunk: usize, cancel: &Cancel) {
    let mut pieces: Vec<Vec<&mut [K]>> = counts.iter().map(|_| Vec::with_capacity(RADIX)).collect();
    let mut rest = dst;
    for d in 0..RADIX {
        for (part, counts) in pieces.iter_mut().zip(counts) {
            let (piece, tail) = mem::take(&mut rest).split_at_mut(counts[d]);
            part.push(piece);
            rest = tail;
        }
    }
    pool().install(|| {
        src.par_chunks(chunk).zip(pieces).for_each(|(keys, mut pieces)| {
            let mut filled = [0usize; RADIX];
            for keys in keys.chunks(YIELD_KEYS) {
                cancel.yield_point();
                for key in keys {
                    let d = digit(*key, shift);
                    pieces[d][filled[d]] = *key;
                    filled[d] += 1;
                }
            }
        });
    });
}

/// `sort(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Sort;

impl Operation for Sort {
    const SPEC: Spec = Spec {
        axis: crate::ops::AxisResult::Lanes,
        ..Spec::new("sort", &[ArraySpec::new("a", Mode::Write).along_one_axis()], Returns::InPlace)
    };
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        writing!(args, T, _conv, v => crate::kernels::sort(v, cancel).map(|()| Output::InPlace))
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::kernels::testutil::{cancelled, sort_order, with_view_mut, Rng, SIZES};
    use crate::scratch::Keeper;

    fn sorted<T: Ordered>(values: &[T]) -> Vec<T> {
        let (result, after) = with_view_mut(values, |v| sort(v, &Cancel::new()));
        result.unwrap();
        after
    }

    /// `TypedArray.prototype.sort`'s comparator, applied by the standard library's stable sort.
    fn reference<T: Ordered>(values: &[T]) -> Vec<T> {
        let mut out = values.to_vec();
        out.sort_by(sort_order);
        out
    }

    /// Bits of each element, with every NaN made the same (sorting may clear a NaN's sign bit).
    fn bits<T: Ordered>(values: &[T]) -> Vec<u64> {
        values.iter().map(|x| if T::key_is_nan(x.sort_key()) { u64::MAX } else { x.sort_key().to_u64() }).collect()
    }

    fn check<T: Ordered>(values: &[T]) {
        assert_eq!(bits(&sorted(values)), bits(&reference(values)), "n = {}", values.len());
    }

    /// Every path: comparison sort, counting, cache-sized LSD, one and two levels of parallel MSD splits.
    const LENGTHS: [usize; 6] = [SMALL - 1, SMALL, SMALL + 1, 70_001, PARALLEL_MIN + 5, 1_100_001];

    #[test]
    fn floats_order_zeros_and_put_nans_last() {
        let values = [3.0f64, f64::NAN, -0.0, 0.0, -f64::NAN, f64::NEG_INFINITY, -0.0, 1e-310, f64::INFINITY, -2.0];
        let out = sorted(&values);
        let expected = [f64::NEG_INFINITY, -2.0, -0.0, -0.0, 0.0, 1e-310, 3.0, f64::INFINITY];
        assert_eq!(out[..8].iter().map(|x| x.to_bits()).collect::<Vec<_>>(), expected.map(f64::to_bits));
        assert!(out[8].is_nan() && out[9].is_nan());
        assert!(out[8].is_sign_positive() && out[9].is_sign_positive());
    }

    #[test]
    fn nan_payloads_survive() {
        let nan = f64::from_bits(0x7FF0_0000_0000_0042);
        let mut values = vec![nan; SMALL * 2];
        values[7] = 1.0;
        let out = sorted(&values);
        assert_eq!(out[0], 1.0);
        assert!(out[1..].iter().all(|x| x.to_bits() == nan.to_bits()));
    }

    #[test]
    fn every_path_matches_the_reference() {
        let mut rng = Rng::new(31);
        for n in SIZES.into_iter().chain(LENGTHS) {
            let specials = [f64::NAN, -f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY];
            let f: Vec<f64> =
                (0..n).map(|i| if i % 97 == 0 { specials[i % specials.len()] } else { rng.wide_f64() }).collect();
            check(&f);
            check(&f.iter().map(|x| *x as f32).collect::<Vec<_>>());
            check(&f.iter().map(|x| f16::from_f64_const(*x)).collect::<Vec<_>>());
            let bits: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            check(&bits);
            check(&bits.iter().map(|b| *b as i64).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i32).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u32).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i16).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u16).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i8).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u8).collect::<Vec<_>>());
            // Few distinct values: constant digits are skipped.
            check(&bits.iter().map(|b| (*b % 5) as i64 - 2).collect::<Vec<_>>());
            check(&bits.iter().map(|b| (b % 1000) as f64).collect::<Vec<_>>());
        }
    }

    #[test]
    fn already_sorted_reversed_and_constant() {
        let n = 3 * PARALLEL_MIN + 7;
        let up: Vec<i64> = (0..n as i64).collect();
        check(&up);
        check(&up.iter().rev().copied().collect::<Vec<_>>());
        check(&vec![-1.5f32; n]);
        check(&vec![7u8; n]);
    }

    #[test]
    fn buffers_kept_from_an_earlier_sort_hold_its_keys_and_still_sort_right() {
        // Big enough that the keys and the scratch are kept between the two sorts, so the second starts from buffers
        // full of the first one's keys.
        let n = crate::scratch::KEEP_MIN_BYTES / 8 + 1;
        let mut rng = Rng::new(11);
        let first: Vec<f64> = (0..n).map(|_| f64::from_bits(rng.next_u64())).collect();
        let sorted_first = sorted(&first);
        // At once: kept buffers nobody takes are freed after IDLE_RELEASE, which the reference sort below could use up
        // on a loaded machine.
        assert_eq!(Keeper::global().kept_now(), (2, 2 * n * 8));
        assert_eq!(bits(&sorted_first), bits(&reference(&first)));
        let second: Vec<f64> = (0..n).map(|i| (i % 977) as f64 - rng.unit()).collect();
        check(&second);
    }

    #[test]
    fn tiny_inputs() {
        assert_eq!(sorted::<f64>(&[]), Vec::<f64>::new());
        assert_eq!(sorted(&[2u64]), [2]);
        assert_eq!(sorted(&[0.0f64, -0.0])[0].to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn a_raised_flag_changes_nothing() {
        for n in [3, SMALL + 1, 3 * PARALLEL_MIN] {
            let values: Vec<f64> = (0..n).map(|i| -(i as f64)).collect();
            let (result, after) = with_view_mut(&values, |v| sort(v, &cancelled()));
            assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
            assert_eq!(after, values);
            let bytes: Vec<u8> = (0..n).map(|i| (n - i) as u8).collect();
            let (result, after) = with_view_mut(&bytes, |v| sort(v, &cancelled()));
            assert!(result.is_err());
            assert_eq!(after, bytes);
        }
    }
}
