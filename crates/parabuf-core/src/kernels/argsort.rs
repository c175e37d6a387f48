//! `argsort`: the stable ordering of an array by index, by a parallel radix sort of (key, index) pairs.
//!
//! The same hybrid as [`sort`](crate::kernels::sort::sort): elements become unsigned keys in the order `sort` uses, each
//! paired with its index; ranges too big for the cache are split by their most significant digit (in parallel, every
//! chunk of the source scattering into its own disjoint pieces of the destination), and cache-sized buckets finish
//! with least-significant-digit passes. Every pass is stable, so ties keep index order, and a stable sort has one
//! result: the same for any thread count.

use std::mem;

use bytemuck::Pod;
use rayon::prelude::*;

use crate::error::Result;
use crate::exec::{pool, threads, Cancel, BLOCK};
use crate::kernels::blocks::staged;
use crate::kernels::order::{Key, Ordered};
use crate::kernels::sort::{
    digit, lsd_in_cache, sort_keys, Counts, Records, CACHE_BYTES, DIGIT_BITS, PARALLEL_MIN, RADIX, SMALL, TINY,
    YIELD_KEYS,
};
use crate::scratch::Scratch;
use crate::view::ReadView;

/// Indices into an array: 32-bit while every index fits (lengths up to 2^32 − 1), else doubles (exact up to 2^53).
#[derive(Clone, Debug, PartialEq)]
pub enum Indices {
    /// Lengths up to 2^32 − 1.
    U32(Vec<u32>),
    /// Longer lengths.
    F64(Vec<f64>),
}

impl Indices {
    /// How many indices.
    pub fn len(&self) -> usize {
        match self {
            Indices::U32(v) => v.len(),
            Indices::F64(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index `i`, widened.
    pub fn get(&self, i: usize) -> usize {
        match self {
            Indices::U32(v) => v[i] as usize,
            Indices::F64(v) => v[i] as usize,
        }
    }

    /// `indices` (all below `len`) in the representation a result of `len` elements' positions takes.
    pub(crate) fn from_positions(len: usize, indices: impl Iterator<Item = usize>) -> Indices {
        if len <= u32::MAX as usize {
            Indices::U32(indices.map(|i| i as u32).collect())
        } else {
            Indices::F64(indices.map(|i| i as f64).collect())
        }
    }
}

/// An index type for the pairs: `u32`, or `u64` for arrays longer than `u32::MAX`.
pub(crate) trait Index: Pod + Default + Send + Sync + std::fmt::Debug + Ord {
    fn from_usize(i: usize) -> Self;
}

impl Index for u32 {
    #[inline(always)]
    fn from_usize(i: usize) -> Self {
        i as u32
    }
}

impl Index for u64 {
    #[inline(always)]
    fn from_usize(i: usize) -> Self {
        i as u64
    }
}

/// The key `x` sorts by: [`Ordered::sort_key`] with every NaN made one key above all others (NaNs tie), complemented
/// when `descending` (which reverses the order of keys and nothing else).
#[inline(always)]
pub(crate) fn order_key<T: Ordered>(x: T, descending: bool) -> T::Key {
    let key = x.sort_key();
    let key = if T::key_is_nan(key) { u64::MAX } else { key.to_u64() };
    T::Key::from_u64(if descending { !key } else { key })
}

/// The indices that sort `view`, stably: `view[argsort[0]]` comes first. Ascending is the order `sort` uses: numeric,
/// -0 before +0, every NaN last (NaNs of either sign and any payload tie). `descending` is the exact reverse order of
/// values — every NaN first, then largest to smallest, +0 before -0 — with ties still in ascending index order (the
/// stable descending sort, as polars' `argSort({ reverse: true })` makes it; it is not the reverse of the ascending
/// result). Indices are [`Indices::U32`] for lengths up to 2^32 − 1, else [`Indices::F64`].
///
/// Reads the view once; needs private keys and indices twice over (24 bytes per element for 64-bit elements), which
/// from 32 MiB up are kept for the next call of a similar size (module `scratch`). Below [`BLOCK`] elements it runs
/// on the calling thread.
///
/// # Errors
/// `Aborted` when `cancel` is raised; `OutOfRange` when the private buffers cannot be allocated.
pub fn argsort<T: Ordered>(view: &ReadView<'_, T>, descending: bool, cancel: &Cancel) -> Result<Indices> {
    if view.len() <= u32::MAX as usize {
        argsort_as::<T, u32>(view, descending, cancel).map(Indices::U32)
    } else {
        argsort_as::<T, u64>(view, descending, cancel).map(|v| Indices::F64(v.into_iter().map(|i| i as f64).collect()))
    }
}

/// [`argsort`] with indices of type `I`.
pub(crate) fn argsort_as<T: Ordered, I: Index>(
    view: &ReadView<'_, T>,
    descending: bool,
    cancel: &Cancel,
) -> Result<Vec<I>> {
    cancel.check()?;
    let n = view.len();
    if n < SMALL {
        let mut pairs: Vec<(T::Key, I)> = Vec::with_capacity(n);
        staged(view, |start, xs| {
            pairs.extend(xs.iter().enumerate().map(|(i, x)| (order_key(*x, descending), I::from_usize(start + i))));
        });
        // Indices are distinct, so the pair order is the stable order.
        pairs.sort_unstable();
        return Ok(pairs.into_iter().map(|(_, i)| i).collect());
    }
    let mut keys = Scratch::<T::Key>::new(n)?;
    let mut out = vec![I::default(); n];
    let (lo, hi) = read_pairs(view, descending, &mut keys, &mut out, cancel)?;
    let differing = lo.to_u64() ^ hi.to_u64();
    if differing != 0 {
        // Keys all lie between lo and hi: they are equal above the highest bit where those two differ.
        let bits = u64::BITS - differing.leading_zeros();
        let mut keys_b = Scratch::<T::Key>::new(n)?;
        let mut idx_b = Scratch::<I>::new(n)?;
        let a = Pairs { keys: &mut keys, idx: &mut out };
        let b = Pairs { keys: &mut keys_b, idx: &mut idx_b };
        sort_level(a, b, bits, true, cancel)?;
    }
    cancel.check()?;
    Ok(out)
}

/// Reads the keys of `view` into `keys` and their indices into `idx`, block-parallel (on the calling thread for one
/// block); returns the smallest and the largest key.
fn read_pairs<T: Ordered, I: Index>(
    view: &ReadView<'_, T>,
    descending: bool,
    keys: &mut [T::Key],
    idx: &mut [I],
    cancel: &Cancel,
) -> Result<(T::Key, T::Key)> {
    let block = |b: usize, keys: &mut [T::Key], idx: &mut [I]| -> Result<(T::Key, T::Key)> {
        cancel.check()?;
        let first = b * BLOCK;
        staged(&view.slice(first..first + keys.len()), |start, xs| {
            for (k, x) in keys[start..].iter_mut().zip(xs) {
                *k = order_key(*x, descending);
            }
        });
        idx.iter_mut().enumerate().for_each(|(i, slot)| *slot = I::from_usize(first + i));
        Ok(keys.iter().fold((keys[0], keys[0]), |(lo, hi), k| (lo.min(*k), hi.max(*k))))
    };
    let ranges: Vec<(T::Key, T::Key)> = if keys.len() <= BLOCK {
        vec![block(0, keys, idx)?]
    } else {
        pool().install(|| {
            keys.par_chunks_mut(BLOCK)
                .zip(idx.par_chunks_mut(BLOCK))
                .enumerate()
                .map(|(b, (keys, idx))| block(b, keys, idx))
                .collect::<Result<_>>()
        })?
    };
    Ok(ranges
        .into_iter()
        .fold((T::Key::from_u64(u64::MAX), T::Key::default()), |(lo, hi), (l, h)| (lo.min(l), hi.max(h))))
}

/// Keys and their indices, side by side.
#[derive(Debug)]
struct Pairs<'s, K, I> {
    keys: &'s mut [K],
    idx: &'s mut [I],
}

impl<'s, K: Key, I: Index> Pairs<'s, K, I> {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn split_at(self, mid: usize) -> (Pairs<'s, K, I>, Pairs<'s, K, I>) {
        let (ka, kb) = self.keys.split_at_mut(mid);
        let (ia, ib) = self.idx.split_at_mut(mid);
        (Pairs { keys: ka, idx: ia }, Pairs { keys: kb, idx: ib })
    }

    fn copy_from(&mut self, other: &Pairs<'_, K, I>) {
        self.keys.copy_from_slice(other.keys);
        self.idx.copy_from_slice(other.idx);
    }
}

impl<K: Key, I: Index> Records for Pairs<'_, K, I> {
    type Key = K;
    fn keys(&self) -> &[K] {
        self.keys
    }
    fn scatter_into(&self, dst: &mut Self, shift: u32, next: &mut [u32; RADIX]) {
        for (key, index) in self.keys.iter().zip(self.idx.iter()) {
            let d = digit(*key, shift);
            let at = next[d] as usize;
            dst.keys[at] = *key;
            dst.idx[at] = *index;
            next[d] += 1;
        }
    }
    fn copy_into(&self, dst: &mut Self) {
        dst.copy_from(self);
    }
}

/// Sorts the pairs in `a` stably by their keys' lowest `bits` bits (the higher ones being equal throughout), using `b`
/// as scratch; the result ends in `a` if `into_a`, else in `b` (of a bucket finished packed, only the indices).
///
/// A range too big for the cache is split by the [`DIGIT_BITS`] bits just below `bits` rather than by a digit
/// aligned from bit 0: the exponents of floats from a narrow range (uniform in [0, 1), say) leave the top few bits of
/// an aligned digit nearly constant, and a split by them moves every pair for almost nothing.
fn sort_level<K: Key, I: Index>(
    a: Pairs<'_, K, I>,
    mut b: Pairs<'_, K, I>,
    bits: u32,
    into_a: bool,
    cancel: &Cancel,
) -> Result<()> {
    cancel.yield_point();
    let n = a.len();
    if bits == 0 || n <= TINY {
        if bits > 0 {
            let mut pairs: Vec<(K, I)> = a.keys.iter().copied().zip(a.idx.iter().copied()).collect();
            pairs.sort_unstable();
            for ((k, i), (key, index)) in a.keys.iter_mut().zip(a.idx.iter_mut()).zip(pairs) {
                (*k, *i) = (key, index);
            }
        }
        if !into_a {
            b.copy_from(&a);
        }
        return Ok(());
    }
    if n * (mem::size_of::<K>() + mem::size_of::<I>()) <= CACHE_BYTES {
        let index_bits = usize::BITS - (n - 1).leading_zeros();
        if bits + index_bits <= 64 {
            return packed_in_cache(a, b, bits, index_bits, into_a, cancel);
        }
        lsd_in_cache(a, b, bits.div_ceil(DIGIT_BITS), into_a);
        return Ok(());
    }
    cancel.check()?;
    let shift = bits.saturating_sub(DIGIT_BITS);
    let parts = if n >= PARALLEL_MIN { threads() } else { 1 };
    let chunk = n.div_ceil(parts);
    let counts: Vec<Counts> = pool().install(|| {
        a.keys
            .par_chunks(chunk)
            .map(|keys| {
                let mut counts = vec![0usize; RADIX];
                for keys in keys.chunks(YIELD_KEYS) {
                    cancel.yield_point();
                    keys.iter().for_each(|k| counts[digit(*k, shift)] += 1);
                }
                counts
            })
            .collect()
    });
    let totals: Counts = (0..RADIX).map(|d| counts.iter().map(|c| c[d]).sum()).collect();
    if totals.contains(&n) {
        return sort_level(a, b, shift, into_a, cancel);
    }
    scatter(&a, &mut b, shift, &counts, chunk, cancel);
    // Each bucket is now a contiguous range of `b`; finish them independently, the buffers' roles swapped.
    let mut buckets = Vec::with_capacity(RADIX);
    let (mut rest_a, mut rest_b) = (a, b);
    for &len in totals.iter().filter(|len| **len > 0) {
        let (piece_a, tail_a) = rest_a.split_at(len);
        let (piece_b, tail_b) = rest_b.split_at(len);
        buckets.push((piece_a, piece_b));
        rest_a = tail_a;
        rest_b = tail_b;
    }
    pool().install(|| {
        buckets.into_par_iter().try_for_each(|(piece_a, piece_b)| sort_level(piece_b, piece_a, shift, !into_a, cancel))
    })
}

/// Sorts cache-sized pairs whose keys matter only in their lowest `key_bits` bits by packing each pair into one
/// 64-bit integer — those key bits above the pair's position in `a` (`index_bits` wide) — and sorting the integers:
/// positions break ties in index order, and one array of 8-byte values moves where pairs took two. Only the indices
/// of the result are written (to `a` if `into_a`, else `b`): nothing reads a finished bucket's keys.
fn packed_in_cache<K: Key, I: Index>(
    a: Pairs<'_, K, I>,
    b: Pairs<'_, K, I>,
    key_bits: u32,
    index_bits: u32,
    into_a: bool,
    cancel: &Cancel,
) -> Result<()> {
    let key_mask = if key_bits >= 64 { u64::MAX } else { (1u64 << key_bits) - 1 };
    let mut packed: Vec<u64> =
        a.keys.iter().enumerate().map(|(j, k)| (k.to_u64() & key_mask) << index_bits | j as u64).collect();
    let (lo, hi) = packed.iter().fold((u64::MAX, 0), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
    sort_keys(&mut packed, lo, hi, cancel)?;
    let position_mask = (1u64 << index_bits) - 1;
    for (slot, p) in b.idx.iter_mut().zip(&packed) {
        *slot = a.idx[(p & position_mask) as usize];
    }
    if into_a {
        a.idx.copy_from_slice(b.idx);
    }
    Ok(())
}

/// One stable pass: chunk `c` of `src` (`chunk` pairs each) moves its pairs with digit `d` into the piece of `dst`
/// after every pair with a smaller digit and after chunks `0..c`'s pairs with digit `d`.
fn scatter<K: Key, I: Index>(
    src: &Pairs<'_, K, I>,
    dst: &mut Pairs<'_, K, I>,
    shift: u32,
    counts: &[Counts],
    chunk: usize,
    cancel: &Cancel,
) {
    let mut pieces: Vec<Vec<(&mut [K], &mut [I])>> = counts.iter().map(|_| Vec::with_capacity(RADIX)).collect();
    let (mut rest_keys, mut rest_idx) = (&mut *dst.keys, &mut *dst.idx);
    for d in 0..RADIX {
        for (part, counts) in pieces.iter_mut().zip(counts) {
            let (keys, tail_keys) = mem::take(&mut rest_keys).split_at_mut(counts[d]);
            let (idx, tail_idx) = mem::take(&mut rest_idx).split_at_mut(counts[d]);
            part.push((keys, idx));
            rest_keys = tail_keys;
            rest_idx = tail_idx;
        }
    }
    pool().install(|| {
        src.keys.par_chunks(chunk).zip(src.idx.par_chunks(chunk)).zip(pieces).for_each(|((keys, idx), mut pieces)| {
            let mut filled = [0usize; RADIX];
            for (keys, idx) in keys.chunks(YIELD_KEYS).zip(idx.chunks(YIELD_KEYS)) {
                cancel.yield_point();
                for (key, index) in keys.iter().zip(idx) {
                    let d = digit(*key, shift);
                    let (piece_keys, piece_idx) = &mut pieces[d];
                    piece_keys[filled[d]] = *key;
                    piece_idx[filled[d]] = *index;
                    filled[d] += 1;
                }
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::kernels::testutil::{cancelled, sort_order, with_view, Rng, SIZES};

    /// The stable reference: the standard library's stable sort of the indices by `sort`'s comparator (NaNs tie,
    /// last; -0 before +0), reversed comparator when descending.
    fn reference<T: Ordered>(values: &[T], descending: bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        if descending {
            order.sort_by(|&i, &j| sort_order(&values[j], &values[i]));
        } else {
            order.sort_by(|&i, &j| sort_order(&values[i], &values[j]));
        }
        order
    }

    fn got<T: Ordered>(values: &[T], descending: bool) -> Vec<usize> {
        let indices = with_view(values, |v| argsort(v, descending, &Cancel::new())).unwrap();
        assert!(matches!(indices, Indices::U32(_)));
        (0..indices.len()).map(|i| indices.get(i)).collect()
    }

    fn check<T: Ordered>(values: &[T]) {
        for descending in [false, true] {
            assert_eq!(got(values, descending), reference(values, descending), "n = {}, {descending}", values.len());
        }
    }

    /// The small path, one block, cache-sized LSD, one and two levels of parallel MSD splits.
    const LENGTHS: [usize; 7] = [SMALL - 1, SMALL, SMALL + 1, 70_001, PARALLEL_MIN + 5, 1_100_001, 3 * BLOCK + 17];

    #[test]
    fn every_type_and_path_matches_the_stable_reference() {
        let mut rng = Rng::new(41);
        for n in SIZES.into_iter().chain(LENGTHS) {
            let specials = [f64::NAN, -f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY];
            let f: Vec<f64> =
                (0..n).map(|i| if i % 97 == 0 { specials[i % specials.len()] } else { rng.wide_f64() }).collect();
            let bits: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            check(&f);
            check(&bits);
            check(&bits.iter().map(|b| *b as i16).collect::<Vec<_>>());
            // Many ties: stability decides most of the order.
            check(&bits.iter().map(|b| (*b % 5) as i64 - 2).collect::<Vec<_>>());
            check(&bits.iter().map(|b| (b % 1000) as f64 - 500.0).collect::<Vec<_>>());
            check(&bits.iter().map(|b| [0.0, -0.0, f64::NAN, -f64::NAN, 1.0][(b % 5) as usize]).collect::<Vec<_>>());
            if n > 100_000 {
                // The paths above 1e5 depend on the key width alone (f64, u64 and i16 took them): the other types
                // run at the smaller lengths, which keeps the test quick in debug builds.
                continue;
            }
            check(&f.iter().map(|x| *x as f32).collect::<Vec<_>>());
            check(&f.iter().map(|x| f16::from_f64_const(*x)).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i64).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i32).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u32).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u16).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as i8).collect::<Vec<_>>());
            check(&bits.iter().map(|b| *b as u8).collect::<Vec<_>>());
        }
    }

    #[test]
    fn extremes_zeros_and_nans() {
        let values = [3.0f64, f64::NAN, -0.0, 0.0, -f64::NAN, f64::NEG_INFINITY, -0.0, 1e-310, f64::INFINITY, -2.0];
        assert_eq!(got(&values, false), [5, 9, 2, 6, 3, 7, 0, 8, 1, 4]);
        // Descending: NaNs first (in index order), +0 before -0, ties by index.
        assert_eq!(got(&values, true), [1, 4, 8, 0, 7, 3, 2, 6, 9, 5]);
        check(&[i64::MIN, i64::MAX, 0, -1, i64::MIN, i64::MAX]);
        check(&[u64::MAX, 0, u64::MAX, 1]);
        check(&[i8::MIN, i8::MAX, 0, i8::MIN]);
        check(&[f16::NAN, f16::NEG_INFINITY, f16::NEG_ZERO, f16::ZERO, -f16::NAN, f16::MAX]);
    }

    #[test]
    fn constant_sorted_and_reversed_inputs() {
        let n = 3 * PARALLEL_MIN + 7;
        let up: Vec<i64> = (0..n as i64).collect();
        check(&up);
        check(&up.iter().rev().copied().collect::<Vec<_>>());
        check(&vec![-1.5f32; n]);
        check(&vec![f64::NAN; n]);
        check(&vec![7u8; n]);
    }

    #[test]
    fn tiny_inputs() {
        assert_eq!(got::<f64>(&[], false), Vec::<usize>::new());
        assert_eq!(got(&[2u64], true), [0]);
        assert_eq!(got(&[0.0f64, -0.0], false), [1, 0]);
        assert_eq!(got(&[0.0f64, -0.0], true), [0, 1]);
    }

    #[test]
    fn wide_indices_sort_the_same() {
        let mut rng = Rng::new(5);
        for n in [10, SMALL + 3, 300_001] {
            let values: Vec<f64> =
                (0..n).map(|i| if i % 13 == 0 { f64::NAN } else { (rng.next_u64() % 777) as f64 }).collect();
            for descending in [false, true] {
                let wide = with_view(&values, |v| argsort_as::<f64, u64>(v, descending, &Cancel::new())).unwrap();
                let want = reference(&values, descending);
                assert_eq!(wide.iter().map(|i| *i as usize).collect::<Vec<_>>(), want);
            }
        }
        assert_eq!(Indices::from_positions(3, [2usize, 0, 1].into_iter()), Indices::U32(vec![2, 0, 1]));
    }

    #[test]
    fn a_raised_flag_aborts() {
        for n in [0, 3, SMALL + 1, 3 * PARALLEL_MIN] {
            let values: Vec<f64> = (0..n).map(|i| -(i as f64)).collect();
            let result = with_view(&values, |v| argsort(v, false, &cancelled()));
            assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        }
    }
}

impl Indices {
    /// The indices as the typed array JavaScript receives.
    pub fn into_column(self) -> crate::ops::Column {
        match self {
            Indices::U32(v) => crate::ops::Column::Uint32(v),
            Indices::F64(v) => crate::ops::Column::Float64(v),
        }
    }
}

/// `argsort(a, { descending })`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Argsort {
    /// Largest first: the exact reverse of the ascending order, ties still by index.
    pub descending: bool,
}

impl crate::ops::Operation for Argsort {
    const SPEC: crate::ops::Spec = crate::ops::Spec {
        params: &[crate::ops::ParamSpec { name: "descending", ty: crate::ops::ParamType::Boolean }],
        expression: crate::ops::ExpressionUse::Materialised,
        axis: crate::ops::AxisResult::Lanes,
        ..crate::ops::Spec::new(
            "argsort",
            &[crate::ops::ArraySpec::new("a", crate::ledger::Mode::Read).along_one_axis()],
            crate::ops::Returns::Array,
        )
    };
    fn parse(params: &crate::ops::Params<'_>) -> Result<Self> {
        Ok(Argsort { descending: params.boolean("descending")?.unwrap_or(false) })
    }
    fn run(&self, args: &mut [crate::ops::Arg], cancel: &Cancel) -> Result<crate::ops::Output> {
        let descending = self.descending;
        crate::ops::reading!(args, T, v => argsort(&v, descending, cancel))
            .map(|indices| crate::ops::Output::Array(indices.into_column()))
    }
}
