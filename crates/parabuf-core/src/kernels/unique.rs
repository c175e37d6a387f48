//! `unique`: the sorted distinct values of an array and how often each occurs.
//!
//! Each pool thread counts a run of consecutive blocks into a table of its own: a dense array of counts while the keys
//! it has seen span at most `DENSE_MAX` values (always, for 8- and 16-bit elements), else an open-addressing hash
//! table while it holds at most `HASH_MAX` distinct keys. The tables are merged and sorted at the end. When a run
//! meets more distinct keys than that, the whole array is sorted instead (the radix sort of
//! [`sort`](crate::kernels::sort::sort)) and its runs of equal keys counted. Counts do not depend on how blocks were grouped,
//! so the result is the same for any thread count.

use crate::error::Result;
use crate::exec::{threads, Cancel, BLOCK};
use crate::kernels::blocks::{fold_ranges, staged};
use crate::kernels::order::{Key, Ordered};
use crate::kernels::sort::{read_keys, sort_keys, Keys};
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
        ..crate::ops::Spec::new("unique", crate::ops::READS_A, crate::ops::Returns::Pair("values", "counts"))
    };
    fn run(&self, args: &mut [crate::ops::Arg], cancel: &Cancel) -> Result<crate::ops::Output> {
        crate::ops::reading!(args, T, v => unique(&v, cancel).map(|(values, counts)| crate::ops::Output::Pair {
            names: ["values", "counts"],
            columns: [crate::ops::ColumnElement::column(values), crate::ops::Column::Float64(counts)],
        }))
    }
}
