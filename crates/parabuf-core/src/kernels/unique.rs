//! `unique`: the sorted distinct values of an array and how often each occurs.
//!
//! Each pool thread counts a run of consecutive blocks into a table of its own: a dense array of counts while the keys
//! it has seen span at most `DENSE_MAX` values (always, for 8- and 16-bit elements), else an open-addressing hash
//! table while it holds at most `HASH_MAX` distinct keys. The tables are merged and sorted at the end. When a run
//! meets more distinct keys than that, the whole array is sorted instead (the radix sort of
//! [`sort`](crate::kernels::sort::sort)) and its runs of equal keys counted. Counts do not depend on how blocks were grouped,
//! so the result is the same for any thread count.
//!
//! Along an axis ([`unique_along`], numpy's `np.unique(a, axis=k)`), the slices across it are ranked element by
//! element (the two zeros one rank, every NaN one rank), their indices sorted stably by those ranks (a parallel merge
//! sort for many), and runs of equal slices counted: the same result for any thread count.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exec::{pool, runs_on_caller, threads, Cancel, BLOCK};
use crate::kernels::blocks::{fold_ranges, staged};
use crate::kernels::order::{Key, Ordered};
use crate::kernels::sort::{read_keys, sort_keys, Keys};
use crate::scratch::Scratch;
use crate::view::ReadView;

/// A run's table stays dense while its keys span at most this many values (512 KiB of counts).
const DENSE_MAX: u64 = 1 << 16;
/// A run's hash table holds at most this many distinct keys (1 MiB of slots at most) before the array is sorted.
const HASH_MAX: usize = 1 << 15;

/// The distinct values of `view` in ascending order, each with how many elements equal it (as doubles, exact up to
/// 2^53), as numpy's `np.unique(a, return_counts=True)` gives them:
/// - the order is `sort`'s: numeric, every NaN last;
/// - all NaNs (either sign, any payload) are one value, last, reported as the canonical quiet NaN (`0x7FF8…` for
///   doubles), as numpy 2's default `equal_nan=True` makes them;
/// - -0 and +0 are one value (they compare equal), reported as the zero that occurs first in the array: numpy's
///   `np.unique([0.0, -0.0, 0.0])` gives `[0.]` with count 3 and `np.unique([-0.0, 0.0, 0.0])` gives `[-0.]`; numpy
///   takes the zero its sort happened to put first, which is the first one for arrays of up to 16 elements (its
///   insertion sort is stable) and unspecified beyond; here it is the first one for every length.
///
/// One read of the array, block-parallel (on the calling thread for one block), when each thread's share spans few
/// values or has few distinct ones; otherwise a second read and a sort of a private copy of the keys (twice the
/// array's size for 32- and 64-bit elements).
///
/// # Errors
/// `Aborted` when `cancel` is raised; `OutOfRange` when the sort's private buffers cannot be allocated.
pub fn unique<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<(Vec<T>, Vec<f64>)> {
    cancel.check()?;
    let n = view.len();
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let tables = fold_ranges(
        n,
        threads(),
        cancel,
        || vec![Table::default()],
        |tables, range| tables[0].count(&view.slice(range)),
        |mut a, b| {
            a.extend(b);
            a
        },
    )?;
    let entries = if tables.iter().any(|t| matches!(t.counter, Counter::Overflow)) {
        drop(tables);
        sorted_counts(view, cancel)?
    } else {
        let mut entries: Vec<(u64, u64)> = tables.into_iter().flat_map(Table::into_entries).collect();
        entries.sort_unstable_by_key(|(key, _)| *key);
        combined(entries)
    };
    cancel.check()?;
    finish(view, entries, cancel)
}

/// Counts of keys: dense, hashed, or given up on.
#[derive(Debug, Default)]
enum Counter {
    #[default]
    Empty,
    /// `counts[i]` is the count of key `base + i`.
    Dense {
        base: u64,
        counts: Vec<u64>,
    },
    Hash(HashCounts),
    /// Too many distinct keys: the array is sorted instead.
    Overflow,
}

/// One run's counts.
#[derive(Debug, Default)]
struct Table {
    counter: Counter,
}

impl Table {
    /// Counts the sort keys of `block`.
    fn count<T: Ordered>(&mut self, block: &ReadView<'_, T>) {
        staged(block, |_, xs| {
            let mut i = 0;
            while i < xs.len() {
                match &mut self.counter {
                    Counter::Dense { base, counts } => {
                        let base = *base;
                        // The hot loop: one subtraction, one comparison and one increment per element.
                        while let Some(x) = xs.get(i) {
                            match counts.get_mut(x.sort_key().to_u64().wrapping_sub(base) as usize) {
                                Some(count) => *count += 1,
                                None => break,
                            }
                            i += 1;
                        }
                        if let Some(x) = xs.get(i) {
                            self.make_room(x.sort_key().to_u64());
                        }
                    }
                    Counter::Hash(hash) => {
                        xs[i..].iter().for_each(|x| hash.add(x.sort_key().to_u64(), 1));
                        i = xs.len();
                    }
                    Counter::Empty => {
                        self.counter = Counter::Dense { base: xs[i].sort_key().to_u64(), counts: vec![0; 1] }
                    }
                    Counter::Overflow => return,
                }
            }
        });
        if matches!(&self.counter, Counter::Hash(hash) if hash.len > HASH_MAX) {
            self.counter = Counter::Overflow;
        }
    }

    /// Makes the dense table cover `key` too: at least twice as wide (within [`DENSE_MAX`]), or a hash table once the
    /// keys span more than that.
    fn make_room(&mut self, key: u64) {
        let Counter::Dense { base, counts } = std::mem::take(&mut self.counter) else {
            unreachable!("only a dense table runs out of room")
        };
        let end = base + (counts.len() as u64 - 1);
        let (lo, hi) = (base.min(key), end.max(key));
        self.counter = if hi - lo < DENSE_MAX {
            let span = (hi - lo + 1).max(2 * counts.len() as u64).min(DENSE_MAX);
            // Grow away from the new key's side as well, within the key space.
            let new_base = if key < base { hi.saturating_sub(span - 1) } else { lo.min(u64::MAX - (span - 1)) };
            let mut wider = vec![0; span as usize];
            let at = (base - new_base) as usize;
            wider[at..at + counts.len()].copy_from_slice(&counts);
            Counter::Dense { base: new_base, counts: wider }
        } else {
            let mut hash = HashCounts::new();
            for (i, c) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                hash.add(base + i as u64, *c);
            }
            Counter::Hash(hash)
        };
    }

    /// The (key, count) pairs counted, in no particular order.
    fn into_entries(self) -> Vec<(u64, u64)> {
        match self.counter {
            Counter::Dense { base, counts } => {
                counts.into_iter().enumerate().filter(|(_, c)| *c > 0).map(|(i, c)| (base + i as u64, c)).collect()
            }
            Counter::Hash(hash) => {
                let zero = (hash.zero > 0).then_some((0, hash.zero));
                hash.slots.into_iter().filter(|(_, c)| *c > 0).chain(zero).collect()
            }
            Counter::Empty | Counter::Overflow => Vec::new(),
        }
    }
}

/// Open-addressing counts of 64-bit keys (linear probing, at most half full). Key 0 marks an empty slot, so its count
/// is kept apart.
#[derive(Debug)]
struct HashCounts {
    slots: Vec<(u64, u64)>,
    /// 64 minus log2 of the slot count: a key's home slot is the top bits of its product with an odd constant.
    shift: u32,
    /// Distinct keys held, key 0 included.
    len: usize,
    zero: u64,
}

impl HashCounts {
    fn new() -> Self {
        HashCounts { slots: vec![(0, 0); 1 << 12], shift: 64 - 12, len: 0, zero: 0 }
    }

    #[inline(always)]
    fn add(&mut self, key: u64, count: u64) {
        if key == 0 {
            self.len += usize::from(self.zero == 0);
            self.zero += count;
            return;
        }
        let mask = self.slots.len() - 1;
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        loop {
            let slot = &mut self.slots[i];
            if slot.0 == key {
                slot.1 += count;
                return;
            }
            if slot.0 == 0 {
                *slot = (key, count);
                self.len += 1;
                if 2 * self.len > self.slots.len() {
                    self.grow();
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let wider = vec![(0, 0); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, wider);
        self.shift -= 1;
        self.len = usize::from(self.zero > 0);
        for (key, count) in old.into_iter().filter(|(key, _)| *key != 0) {
            self.add(key, count);
        }
    }
}

/// Sorted (key, count) pairs with equal keys' counts added up.
fn combined(entries: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(entries.len());
    for (key, count) in entries {
        match out.last_mut() {
            Some(last) if last.0 == key => last.1 += count,
            _ => out.push((key, count)),
        }
    }
    out
}

/// The (key, count) pairs of `view`'s sort keys, by sorting a private copy of them.
fn sorted_counts<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<Vec<(u64, u64)>> {
    let Keys { mut keys, lo, hi } = read_keys(view, cancel)?;
    sort_keys(&mut keys, lo, hi, cancel)?;
    let mut entries: Vec<(u64, u64)> = Vec::new();
    for keys in keys.chunks(BLOCK) {
        cancel.check()?;
        for key in keys {
            let key = key.to_u64();
            match entries.last_mut() {
                Some(last) if last.0 == key => last.1 += 1,
                _ => entries.push((key, 1)),
            }
        }
    }
    Ok(entries)
}

/// The values and counts of sorted (sort key, count) pairs: NaNs made one canonical NaN, the two zeros one zero.
fn finish<T: Ordered>(view: &ReadView<'_, T>, entries: Vec<(u64, u64)>, cancel: &Cancel) -> Result<(Vec<T>, Vec<f64>)> {
    let sign = 1u64 << (T::Key::BITS - 1);
    let mut values = Vec::with_capacity(entries.len());
    let mut counts = Vec::with_capacity(entries.len());
    let mut nans = 0u64;
    let mut i = 0;
    while i < entries.len() {
        let (key, count) = entries[i];
        if T::key_is_nan(T::Key::from_u64(key)) {
            nans += count;
        } else if T::IS_FLOAT && key == sign - 1 && entries.get(i + 1).is_some_and(|next| next.0 == sign) {
            // -0 then +0: one value, the zero that comes first in the array.
            let zero = if first_zero_is_negative(view, cancel)? { sign - 1 } else { sign };
            values.push(T::from_key(T::Key::from_u64(zero)));
            counts.push((count + entries[i + 1].1) as f64);
            i += 1;
        } else {
            values.push(T::from_key(T::Key::from_u64(key)));
            counts.push(count as f64);
        }
        i += 1;
    }
    if nans > 0 {
        // The quiet NaN: every exponent bit and the highest mantissa bit (above Infinity's key, `HIGHEST`).
        let highest = T::HIGHEST.to_u64();
        let mantissa_bits = (highest & !sign).trailing_zeros();
        values.push(T::from_key(T::Key::from_u64(highest | 1 << (mantissa_bits - 1))));
        counts.push(nans as f64);
    }
    Ok((values, counts))
}

/// Whether the first zero of `view` (which has one of each sign) is -0, scanning from the start.
fn first_zero_is_negative<T: Ordered>(view: &ReadView<'_, T>, cancel: &Cancel) -> Result<bool> {
    for block in view.chunks(BLOCK) {
        cancel.check()?;
        let mut found = None;
        staged(&block, |_, xs| {
            if found.is_none() {
                found = xs.iter().find(|x| x.to_f64() == 0.0).map(|x| x.to_f64().is_sign_negative());
            }
        });
        if let Some(negative) = found {
            return Ok(negative);
        }
    }
    unreachable!("the view holds a zero")
}

/// numpy's `np.unique(a, axis=axis, return_counts=True)` for an `a` of shape `dims` whose slices across `axis` are
/// `slices`, one after another, each in the row-major order of the other axes (as `np.moveaxis(a, axis, 0)` lays
/// them out): the result's shape (`dims` with `dims[axis]` the number of distinct slices), its values in row-major
/// order, and each distinct slice's count.
///
/// For one dimension this is [`unique`] (numpy runs its one-dimensional `unique` then: all NaNs one value). Otherwise
/// see [`unique_slices`]: slices compared element by element, a slice holding a NaN equal to no other.
///
/// # Errors
/// As [`unique_slices`]; `ERR_PARABUF_INTERNAL` when `slices` does not hold `dims`' elements or `axis` is not one of
/// its axes.
pub fn unique_along<T: Ordered>(
    slices: &ReadView<'_, T>,
    dims: &[usize],
    axis: usize,
    cancel: &Cancel,
) -> Result<(Vec<usize>, Vec<T>, Vec<f64>)> {
    if axis >= dims.len() || dims.iter().product::<usize>() != slices.len() {
        return Err(Error::internal(format!(
            "{} elements were given as slices of shape {dims:?} across axis {axis}",
            slices.len()
        )));
    }
    if dims.len() == 1 {
        let (values, counts) = unique(slices, cancel)?;
        return Ok((vec![values.len()], values, counts));
    }
    let (distinct, counts) = unique_slices(slices, dims[axis], cancel)?;
    let m = counts.len();
    let mut shape = dims.to_vec();
    shape[axis] = m;
    // `distinct` is [m, outer, inner] row-major; the result is [outer, m, inner].
    let outer: usize = dims[..axis].iter().product();
    let inner: usize = dims[axis + 1..].iter().product();
    if outer <= 1 || m <= 1 {
        return Ok((shape, distinct, counts));
    }
    let mut values = Vec::with_capacity(distinct.len());
    for b in 0..outer {
        for u in 0..m {
            let at = (u * outer + b) * inner;
            values.extend_from_slice(&distinct[at..at + inner]);
        }
    }
    Ok((shape, values, counts))
}

/// The distinct slices among `count` slices of `slices` (one after another, all of one length), sorted, each with how
/// many slices equal it (as doubles), as numpy's `np.unique` of a structured array of the slices gives them (which is
/// what `np.unique(a, axis=k)` sorts):
/// - slices are ordered element by element in `sort`'s order (every NaN last and equal to the others), except that
///   -0 and +0 are one value: the first element that differs decides (numpy 2.4.6 ranks NaN first when it compares
///   float16 slices, unlike its float16 sort and its other float types: not followed);
/// - two slices are one when every element compares equal (`==`: -0 equals +0), so a slice holding a NaN equals no
///   other slice, not even a copy of itself: numpy compares rows with `!=`. (The whole-array [`unique`] makes every
///   NaN one value.)
/// - slices equal up to the sign of their zeros are reported as the first of them in index order; numpy reports the
///   one its unstable sort happened to put first. Ties of order (copies of one slice holding a NaN) keep index
///   order.
///
/// Slices of no element are all one. The values come out slice after slice.
///
/// Ranks every element into a private buffer (block-parallel), then sorts the slices' indices with a stable merge
/// sort (on the pool for more than a block of elements); the result is the same for any thread count.
///
/// # Errors
/// `Aborted` when `cancel` is raised (checked between blocks, before and after the sort); `OutOfRange` when the
/// private buffers cannot be allocated; `ERR_PARABUF_INTERNAL` when `count` slices do not fill `slices`.
pub fn unique_slices<T: Ordered>(
    slices: &ReadView<'_, T>,
    count: usize,
    cancel: &Cancel,
) -> Result<(Vec<T>, Vec<f64>)> {
    cancel.check()?;
    let n = slices.len();
    if count == 0 || !n.is_multiple_of(count) {
        return match n {
            0 => Ok((Vec::new(), Vec::new())),
            _ => Err(Error::internal(format!("{n} elements are not {count} slices of one length"))),
        };
    }
    let width = n / count;
    if width == 0 {
        return Ok((Vec::new(), vec![count as f64]));
    }
    // Whole slices per task, about a block of elements each.
    let per_task = (BLOCK / width).max(1);
    let tasks = count.div_ceil(per_task);
    let nan_rank = T::Key::from_u64(u64::MAX);
    let mut ranks = Scratch::<T::Key>::new(n)?;
    let mut has_nan = vec![false; count];
    let rank_task = |t: usize, out: &mut [T::Key], flags: &mut [bool]| -> Result<()> {
        cancel.check()?;
        let start = t * per_task * width;
        staged(&slices.slice(start..start + out.len()), |at, xs| {
            for (r, x) in out[at..].iter_mut().zip(xs) {
                *r = rank(*x);
            }
        });
        if T::IS_FLOAT {
            for (flag, slice) in flags.iter_mut().zip(out.chunks(width)) {
                *flag = slice.contains(&nan_rank);
            }
        }
        Ok(())
    };
    if runs_on_caller(tasks) {
        rank_task(0, &mut ranks, &mut has_nan)?;
    } else {
        pool().install(|| {
            ranks
                .par_chunks_mut(per_task * width)
                .zip(has_nan.par_chunks_mut(per_task))
                .enumerate()
                .try_for_each(|(t, (out, flags))| rank_task(t, out, flags))
        })?;
    }
    let ranks = &ranks[..];
    let slice = |i: usize| &ranks[i * width..(i + 1) * width];
    let mut order = Scratch::<usize>::new(count)?;
    order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
    // Stable, so the order is the one order of (slice, index) whichever sort and thread count.
    let by_slice = |a: &usize, b: &usize| slice(*a).cmp(slice(*b));
    if runs_on_caller(tasks) {
        order.sort_by(by_slice);
    } else {
        pool().install(|| order.par_sort_by(by_slice));
    }
    cancel.check()?;
    let mut values: Vec<T> = Vec::new();
    let mut counts = Vec::new();
    let (mut k, mut since_check) = (0, 0);
    while k < count {
        if since_check >= BLOCK {
            cancel.check()?;
            since_check = 0;
        }
        let first = order[k];
        let mut end = k + 1;
        if !has_nan[first] {
            while end < count && slice(order[end]) == slice(first) {
                end += 1;
            }
        }
        let at = values.len();
        values.resize(at + width, T::default());
        slices.read_into(first * width, &mut values[at..]);
        counts.push((end - k) as f64);
        since_check += (end - k) * width;
        k = end;
    }
    Ok((values, counts))
}

/// An element's rank among slices' elements: its sort key, with -0 ranked as +0 and every NaN as the highest key.
#[inline(always)]
fn rank<T: Ordered>(x: T) -> T::Key {
    let key = x.sort_key();
    if T::IS_FLOAT {
        let sign = 1u64 << (T::Key::BITS - 1);
        if T::key_is_nan(key) {
            return T::Key::from_u64(u64::MAX);
        }
        if key.to_u64() == sign - 1 {
            return T::Key::from_u64(sign);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::kernels::testutil::{cancelled, sort_order, with_view, Rng, SIZES};

    /// Values as bits (NaNs as they come) and counts, from a std sort with `sort`'s comparator and a walk over runs
    /// of equal values (NaNs all equal, the zeros equal, the first zero in the array standing for them).
    fn reference<T: Ordered>(values: &[T]) -> (Vec<u64>, Vec<f64>) {
        // sort's order, with the zeros one value.
        let cmp = |a: &T, b: &T| match a.to_f64() == 0.0 && b.to_f64() == 0.0 {
            true => std::cmp::Ordering::Equal,
            false => sort_order(a, b),
        };
        let mut sorted = values.to_vec();
        sorted.sort_by(cmp);
        let first_zero = values.iter().find(|x| x.to_f64() == 0.0).copied();
        let mut out: (Vec<u64>, Vec<f64>) = (Vec::new(), Vec::new());
        let mut last: Option<T> = None;
        for x in sorted {
            if last.is_some_and(|l| cmp(&l, &x).is_eq()) {
                *out.1.last_mut().unwrap() += 1.0;
            } else {
                let shown = if x.to_f64() == 0.0 { first_zero.unwrap() } else { x };
                let bits = if shown.to_f64().is_nan() { f64::NAN.to_bits() } else { shown.to_f64().to_bits() };
                out.0.push(bits);
                out.1.push(1.0);
            }
            last = Some(x);
        }
        out
    }

    fn got<T: Ordered>(values: &[T]) -> (Vec<T>, Vec<f64>) {
        with_view(values, |v| unique(v, &Cancel::new())).unwrap()
    }

    fn check<T: Ordered>(values: &[T]) {
        let (v, c) = got(values);
        let bits = v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
        assert_eq!((bits, c), reference(values), "n = {}", values.len());
    }

    #[test]
    fn every_type_and_path_matches_the_reference() {
        let mut rng = Rng::new(23);
        // Few distinct in a narrow span (dense), few spread wide (hashed), many (sorted).
        for n in SIZES.into_iter().chain([5 * BLOCK + 7, 200_001]) {
            let specials = [f64::NAN, -f64::NAN, -0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY];
            let f: Vec<f64> =
                (0..n).map(|i| if i % 89 == 0 { specials[i % specials.len()] } else { rng.wide_f64() }).collect();
            let bits: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
            let few: Vec<u64> = bits.iter().map(|b| b % 1000).collect();
            check(&f);
            check(&f.iter().map(|x| *x as f32).collect::<Vec<_>>());
            check(&f.iter().map(|x| f16::from_f64_const(*x)).collect::<Vec<_>>());
            check(&f.iter().map(|x| (x * 4.0).round() / 4.0).collect::<Vec<_>>());
            for values in [&bits, &few] {
                check(values);
                check(&values.iter().map(|b| *b as i64).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as i32).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as u32).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as i16).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as u16).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as i8).collect::<Vec<_>>());
                check(&values.iter().map(|b| *b as u8).collect::<Vec<_>>());
            }
            // Few values far apart (hashed), including 0 (the empty-slot key) and the extremes.
            let spread = [0u64, 1, u64::MAX, 1 << 63, 12345678901234, 7];
            let wide: Vec<u64> = bits.iter().map(|b| spread[(b % 6) as usize]).collect();
            check(&wide);
            check(&wide.iter().map(|b| *b as i64).collect::<Vec<_>>());
            check(&wide.iter().map(|b| f64::from_bits(*b)).collect::<Vec<_>>());
            check(&few.iter().map(|b| (*b as f64 - 500.0) * 1e10).collect::<Vec<_>>());
            // Many distinct within each run, at a few thousand more than the hash table holds.
            check(&bits.iter().map(|b| (b % 40_000) as i64 * 1_000_003).collect::<Vec<_>>());
        }
    }

    #[test]
    fn zeros_and_nans_match_numpy() {
        // np.unique(np.array([0.0, -0.0, 0.0]), return_counts=True) == ([0.], [3]); with -0.0 first, [-0.].
        let (v, c) = got(&[0.0f64, -0.0, 0.0]);
        assert_eq!((v[0].to_bits(), c), (0, vec![3.0]));
        let (v, c) = got(&[-0.0f64, 0.0, 0.0]);
        assert_eq!((v[0].to_bits(), c), ((-0.0f64).to_bits(), vec![3.0]));
        // np.unique([nan, -nan, 1.0], return_counts=True) == ([1., nan], [1, 2]), the NaN 0x7FF8000000000000.
        let (v, c) = got(&[f64::NAN, -f64::NAN, 1.0, f64::from_bits(0x7FF0_0000_0000_0001)]);
        assert_eq!(
            (v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), c),
            (vec![1f64.to_bits(), 0x7FF8_0000_0000_0000], vec![1.0, 3.0])
        );
        let (v, _) = got(&[-f32::NAN]);
        assert_eq!(v[0].to_bits(), 0x7FC0_0000);
        let (v, _) = got(&[f16::from_bits(0xFC01), f16::ONE]);
        assert_eq!(v[1].to_bits(), 0x7E00);
        // Only -0: reported as it is.
        let (v, c) = got(&[-0.0f32, 2.0, -0.0]);
        assert_eq!((v[0].to_bits(), c), ((-0.0f32).to_bits(), vec![2.0, 1.0]));
        // The first zero far into a long array, of either sign, decides.
        for first in [0.0f64, -0.0] {
            let mut values: Vec<f64> = (0..3 * BLOCK).map(|i| (i % 50 + 1) as f64).collect();
            values[2 * BLOCK + 5] = first;
            values[2 * BLOCK + 9] = -first;
            values.push(first);
            check(&values);
        }
    }

    #[test]
    fn extremes_and_tiny_inputs() {
        assert_eq!(got::<f64>(&[]), (vec![], vec![]));
        assert_eq!(got(&[5i8]), (vec![5], vec![1.0]));
        check(&[i64::MIN, i64::MAX, i64::MIN, 0]);
        check(&[u64::MAX, 0, u64::MAX]);
        // Dense tables that grow down to the bottom and up to the top of the key space.
        check(&[u64::MAX - 3, u64::MAX, u64::MAX - 90, u64::MAX - 3, u64::MAX - 2]);
        check(&[5u64, 0, 3, 70, 0, 1]);
        check(&[i16::MAX, i16::MIN, i16::MAX - 1, 0, i16::MIN + 1]);
        check(&(0..3 * BLOCK as u64).rev().map(|i| u64::MAX - i % 40_000).collect::<Vec<_>>());
        check(&[i32::MIN, i32::MAX]);
        check(&[u8::MAX, u8::MIN]);
        check(&[f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, 5e-324, -5e-324]);
        check(&vec![3u16; BLOCK * 3]);
    }

    /// The distinct slices of `values` (`count` slices one after another) as keys, and their counts, by a std sort
    /// of the slice indices with `sort`'s order element by element (the zeros equal) and a walk over runs of equal
    /// slices, a slice with a NaN equal to none; each run shown by its first slice in index order.
    fn slices_reference<T: Ordered>(values: &[T], count: usize) -> (Vec<u64>, Vec<f64>) {
        if count == 0 {
            return (vec![], vec![]);
        }
        let width = values.len() / count;
        if width == 0 {
            return (vec![], vec![count as f64]);
        }
        let element = |a: &T, b: &T| match a.to_f64() == 0.0 && b.to_f64() == 0.0 {
            true => std::cmp::Ordering::Equal,
            false => sort_order(a, b),
        };
        let row = |i: usize| &values[i * width..(i + 1) * width];
        let by_row = |i: &usize, j: &usize| {
            row(*i)
                .iter()
                .zip(row(*j))
                .map(|(a, b)| element(a, b))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        let same =
            |i: usize, j: usize| row(i).iter().zip(row(j)).all(|(a, b)| !a.to_f64().is_nan() && element(a, b).is_eq());
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by(by_row);
        let (mut keys, mut counts) = (Vec::new(), Vec::new());
        let mut start = 0;
        while start < count {
            let mut end = start + 1;
            while end < count && same(order[start], order[end]) {
                end += 1;
            }
            keys.extend(row(order[start]).iter().map(|x| x.key().to_u64()));
            counts.push((end - start) as f64);
            start = end;
        }
        (keys, counts)
    }

    fn check_slices<T: Ordered>(values: &[T], count: usize) {
        let (v, c) = with_view(values, |v| unique_slices(v, count, &Cancel::new())).unwrap();
        let keys: Vec<u64> = v.iter().map(|x| x.key().to_u64()).collect();
        assert_eq!((keys, c), slices_reference(values, count), "{count} slices of {} elements", values.len());
    }

    #[test]
    fn slices_of_every_type_match_the_reference() {
        let mut rng = Rng::new(41);
        // Slices few and wide, many and narrow (more than a block of elements: the parallel rank and sort), of
        // few distinct values so that many slices repeat.
        for (count, width) in
            [(1, 1), (1, 5), (7, 1), (9, 3), (40, 2), (300, 4), (BLOCK / 3 + 7, 3), (5, BLOCK + 9), (3000, 70)]
        {
            let n = count * width;
            let small: Vec<u64> = (0..n).map(|_| rng.next_u64() % 3).collect();
            let specials = [f64::NAN, -0.0, 0.0, 1.0, -f64::NAN, f64::INFINITY];
            let f: Vec<f64> = small
                .iter()
                .map(|&b| {
                    if rng.next_u64().is_multiple_of(97) {
                        specials[(rng.next_u64() % 6) as usize]
                    } else {
                        b as f64 - 1.0
                    }
                })
                .collect();
            check_slices(&f, count);
            check_slices(&f.iter().map(|x| *x as f32).collect::<Vec<_>>(), count);
            check_slices(&f.iter().map(|x| f16::from_f64_const(*x)).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| b.wrapping_mul(u64::MAX / 2)).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| (*b as i64 - 1) * i64::MAX).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as i32 - 1).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as u32 * 7).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as i16 - 1).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as u16).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as i8 - 1).collect::<Vec<_>>(), count);
            check_slices(&small.iter().map(|b| *b as u8 * 100).collect::<Vec<_>>(), count);
        }
    }

    #[test]
    fn slices_follow_numpy_on_nans_zeros_and_empty_slices() {
        // np.unique([[1,nan],[1,nan],[0.,2],[-0.,2],[1,1]], axis=0, return_counts=True): rows [0,2],[1,1],[1,nan],
        // [1,nan] and counts [2,1,1,1]; the zero row shown as the first one, +0.
        let nan = f64::NAN;
        let (v, c) =
            with_view(&[1.0, nan, 1.0, nan, 0.0, 2.0, -0.0, 2.0, 1.0, 1.0], |v| unique_slices(v, 5, &Cancel::new()))
                .unwrap();
        assert_eq!(c, [2.0, 1.0, 1.0, 1.0]);
        let bits: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
        let want: Vec<u64> = [0.0, 2.0, 1.0, 1.0, 1.0, nan, 1.0, nan].iter().map(|x| x.to_bits()).collect();
        assert_eq!(bits, want);
        // With -0 first, -0 is shown.
        let (v, _) = with_view(&[-0.0f32, 2.0, 0.0, 2.0], |v| unique_slices(v, 2, &Cancel::new())).unwrap();
        assert_eq!(v[0].to_bits(), (-0.0f32).to_bits());
        // np.unique(np.zeros((0, 3)), axis=0): no slice; np.unique(np.zeros((2, 0)), axis=0): one empty slice, twice.
        assert_eq!(with_view::<f64, _>(&[], |v| unique_slices(v, 0, &Cancel::new())).unwrap(), (vec![], vec![]));
        assert_eq!(with_view::<f64, _>(&[], |v| unique_slices(v, 2, &Cancel::new())).unwrap(), (vec![], vec![2.0]));
        // Elements that are not whole slices are a caller's mistake, not a panic.
        let err = with_view(&[1u8, 2, 3], |v| unique_slices(v, 2, &Cancel::new())).unwrap_err();
        assert_eq!(err.code(), "ERR_PARABUF_INTERNAL");
    }

    /// The slices of `values` in shape `dims` across `axis`, one after another (numpy's moveaxis to the front).
    fn moved<T: Copy>(values: &[T], dims: &[usize], axis: usize) -> Vec<T> {
        let outer: usize = dims[..axis].iter().product();
        let inner: usize = dims[axis + 1..].iter().product();
        let n = dims[axis];
        let mut out = Vec::with_capacity(values.len());
        for i in 0..n {
            for b in 0..outer {
                out.extend_from_slice(&values[(b * n + i) * inner..(b * n + i + 1) * inner]);
            }
        }
        out
    }

    #[test]
    fn along_an_axis_the_slices_come_back_in_the_input_shape() {
        let mut rng = Rng::new(5);
        for dims in [&[4, 3, 2][..], &[2, 5, 3, 2], &[6, 2], &[3, 1, 4], &[3, 0, 2], &[0, 4], &[2, 0]] {
            let n: usize = dims.iter().product();
            let values: Vec<i32> = (0..n).map(|_| (rng.next_u64() % 2) as i32).collect();
            for axis in 0..dims.len() {
                let slices = moved(&values, dims, axis);
                let (shape, got, counts) = with_view(&slices, |v| unique_along(v, dims, axis, &Cancel::new())).unwrap();
                let (want, want_counts) = with_view(&slices, |v| unique_slices(v, dims[axis], &Cancel::new())).unwrap();
                let mut want_shape = dims.to_vec();
                want_shape[axis] = want_counts.len();
                assert_eq!((&shape, &counts), (&want_shape, &want_counts), "{dims:?} axis {axis}");
                // Back in the input's layout, then across the axis again: the distinct slices one after another.
                assert_eq!(moved(&got, &shape, axis), want, "{dims:?} axis {axis}");
            }
        }
        // numpy: np.unique(np.zeros((3, 0, 2)), axis=2) has shape (3, 0, 1) and counts [2].
        let (shape, values, counts) =
            with_view::<f64, _>(&[], |v| unique_along(v, &[3, 0, 2], 2, &Cancel::new())).unwrap();
        assert_eq!((shape, values, counts), (vec![3, 0, 1], vec![], vec![2.0]));
        // One dimension: the whole-array unique, all NaNs one value (numpy runs its 1-D unique there too).
        let (shape, values, counts) =
            with_view(&[f64::NAN, 1.0, -f64::NAN], |v| unique_along(v, &[3], 0, &Cancel::new())).unwrap();
        assert_eq!((shape, counts), (vec![2], vec![1.0, 2.0]));
        assert_eq!(values[1].to_bits(), 0x7FF8_0000_0000_0000);
    }

    /// Through the dispatch along axes: a strided view (negative strides, an offset) gives, across each axis, what
    /// the kernel gives for its slices; errors are named after the operation.
    #[test]
    fn unique_along_axes_of_a_strided_view() {
        use std::sync::Arc;

        use crate::kind::ElementKind;
        use crate::layout::Layout;
        use crate::ledger::{Ledger, Lent};
        use crate::ops::{execute_along, Arg, Column, Op, Output};
        use crate::region::OwnedBuffer;

        let mut rng = Rng::new(11);
        let values: Vec<f64> = (0..120)
            .map(|_| (rng.next_u64() % 2) as f64 - if rng.next_u64().is_multiple_of(9) { 0.5 } else { 0.0 })
            .collect();
        let buf = OwnedBuffer::zeroed(values.len() * 8);
        let ledger = Ledger::new();
        ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        // Shape [4, 3, 5]: axis 0 steps 1 backwards from 3, axis 1 steps 40, axis 2 steps 8.
        let layout = Layout::new(&[4, 3, 5], Some(&[-1, 40, 8]), 3, values.len()).unwrap();
        let dims = [4, 3, 5];
        let row_major: Vec<f64> = (0..60)
            .map(|flat| {
                let (i, j, k) = (flat / 15, flat / 5 % 3, flat % 5);
                values[(3 - i as i64 + 40 * j as i64 + 8 * k as i64) as usize]
            })
            .collect();
        let run = |axes: &[i64]| {
            let lent = Lent::Read(Arc::new(ledger.read(buf.region()).unwrap()));
            let mut args = [Arg { kind: ElementKind::Float64, lent, layout: Some(layout.clone()), shape: None }];
            execute_along(&Op::Unique(Unique), &mut args, axes, &Cancel::new())
        };
        for axis in [0i64, 1, 2, -1, -3] {
            let k = axis.rem_euclid(3) as usize;
            let slices = moved(&row_major, &dims, k);
            let (shape, want, counts) = with_view(&slices, |v| unique_along(v, &dims, k, &Cancel::new())).unwrap();
            let pair =
                Output::Pair { names: ["values", "counts"], columns: [Column::Float64(want), Column::Float64(counts)] };
            assert_eq!(run(&[axis]).unwrap(), Output::Along { shape, values: Box::new(pair) }, "axis {axis}");
        }
        let err = run(&[0, 1]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
        assert!(err.to_string().starts_with("unique() works along one axis"), "{err}");
        let err = run(&[3]).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
        assert!(err.to_string().starts_with("unique() options.axis: axis 3 is out of range"), "{err}");
        assert_eq!(run(&[]).unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
    }

    #[test]
    fn slices_abort_on_a_raised_flag() {
        for (n, count) in [(0, 0), (6, 3), (BLOCK * 4, BLOCK)] {
            let values: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
            let result = with_view(&values, |v| unique_slices(v, count, &cancelled()));
            assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        }
    }

    #[test]
    fn a_raised_flag_aborts() {
        for n in [0, 3, BLOCK * 4] {
            let values: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let result = with_view(&values, |v| unique(v, &cancelled()));
            assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        }
    }
}

/// `unique(a)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Unique;

impl crate::ops::Operation for Unique {
    const SPEC: crate::ops::Spec = crate::ops::Spec {
        expression: crate::ops::ExpressionUse::Materialised,
        axis: crate::ops::AxisResult::Slices,
        ..crate::ops::Spec::new("unique", crate::ops::READS_A, crate::ops::Returns::Pair("values", "counts"))
    };
    fn run(&self, args: &mut [crate::ops::Arg], cancel: &Cancel) -> Result<crate::ops::Output> {
        crate::ops::reading!(args, T, v => unique(&v, cancel).map(|(values, counts)| crate::ops::Output::Pair {
            names: ["values", "counts"],
            columns: [crate::ops::ColumnElement::column(values), crate::ops::Column::Float64(counts)],
        }))
    }

    fn run_slices(
        &self,
        args: &mut [crate::ops::Arg],
        dims: &[usize],
        axis: usize,
        cancel: &Cancel,
    ) -> Result<crate::ops::Output> {
        crate::ops::reading!(args, T, v => unique_along(&v, dims, axis, cancel).map(|(shape, values, counts)| {
            crate::ops::Output::Along {
                shape,
                values: Box::new(crate::ops::Output::Pair {
                    names: ["values", "counts"],
                    columns: [crate::ops::ColumnElement::column(values), crate::ops::Column::Float64(counts)],
                }),
            }
        }))
    }
}
