//! `searchsorted`: where each needle would be inserted into sorted data to keep it sorted, as numpy's
//! `searchsorted` answers: with `side = 'left'` the first index whose element is not below the needle, with `'right'`
//! the first whose element is above it. NaN sorts last (every NaN equal to every other), `-0` equals `+0`, and values
//! of different element types compare exactly (a 64-bit integer against a double, without rounding either).
//!
//! Each needle is a binary search, needles split across the pool in fixed blocks. When there are many needles, the
//! search first narrows to one `BUCKET` of the data through a sample of every `BUCKET`-th element, taken once per
//! call: the sample stays in cache, so each needle then touches one page of the data rather than one per halving of
//! it. Data that is not sorted gives indices of a binary search over it, which mean nothing (numpy's contract), but
//! touch nothing outside it.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exec::{pool, runs_on_caller, Cancel, BLOCK};
use crate::kernels::argsort::Indices;
use crate::kernels::Numeric;
use crate::ledger::Mode;
use crate::ops::{read_view, Arg, ArraySpec, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec};
use crate::view::ReadView;

/// Elements per bucket of the sample: 512 doubles are one 4 KiB page.
const BUCKET: usize = 512;

/// A needle, as the exact value it compares by.
#[derive(Clone, Copy, Debug)]
enum Probe {
    /// A float needle (NaN included).
    Float(f64),
    /// An integer needle.
    Int(i128),
}

impl Probe {
    fn of<U: Numeric>(needle: U) -> Probe {
        match needle.to_i128() {
            Some(n) if !U::IS_FLOAT => Probe::Int(n),
            _ => Probe::Float(needle.to_f64()),
        }
    }
}

/// The order of two doubles for searching: NaN after every number and equal to NaN, `-0` equal to `+0`.
#[inline(always)]
fn float_order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (a, b) => a.cmp(&b),
    }
}

/// The exact order of a double and an integer (NaN after every integer).
fn float_int_order(x: f64, n: i128) -> Ordering {
    const BEYOND: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0; // 2^127
    if x.is_nan() || x >= BEYOND {
        return Ordering::Greater;
    }
    if x < -BEYOND {
        return Ordering::Less;
    }
    // |x| < 2^127: its integer part is an i128 exactly, and the fraction breaks a tie.
    let whole = x.trunc();
    (whole as i128).cmp(&n).then(float_order(x - whole, 0.0))
}

/// The order of an element of the data and a needle.
#[inline(always)]
fn order<T: Numeric>(x: T, probe: Probe) -> Ordering {
    match probe {
        Probe::Float(v) if T::IS_FLOAT => float_order(x.to_f64(), v),
        Probe::Float(v) => float_int_order(v, x.to_i128().unwrap_or_default()).reverse(),
        Probe::Int(n) if T::IS_FLOAT => float_int_order(x.to_f64(), n),
        Probe::Int(n) => x.to_i128().unwrap_or_default().cmp(&n),
    }
}

/// The first index in `lo..hi` whose element `keep_going` refuses, or `hi`: a binary search over a sorted run, with
/// `get` reading element `i`.
#[inline(always)]
fn first_not(mut lo: usize, mut hi: usize, get: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if get(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Whether a sample of data of `len` elements pays for `needles` needles: reading it costs a page per bucket, about
/// what a search costs without it, and small data stays in cache anyway.
fn worth_sampling(len: usize, needles: usize) -> bool {
    let buckets = len.div_ceil(BUCKET);
    buckets >= 64 && needles >= buckets / 16
}

/// Every `BUCKET`-th element of `sorted`, when [`worth_sampling`].
fn sample<T: Numeric>(sorted: &ReadView<'_, T>, needles: usize) -> Option<Vec<T>> {
    if !worth_sampling(sorted.len(), needles) {
        return None;
    }
    let buckets = sorted.len().div_ceil(BUCKET);
    let read = |k: usize| sorted.get(k * BUCKET);
    Some(if runs_on_caller(buckets.div_ceil(BLOCK)) {
        (0..buckets).map(read).collect()
    } else {
        pool().install(|| (0..buckets).into_par_iter().map(read).collect())
    })
}

/// The insertion index of each needle into `sorted` (see the module), in needle order; deterministic for any thread
/// count. Indices are 32-bit for data of up to 2^32 − 1 elements, else doubles.
///
/// # Errors
/// [`Error::Aborted`] when `cancel` is raised.
pub fn searchsorted<T: Numeric, U: Numeric>(
    sorted: &ReadView<'_, T>,
    needles: &ReadView<'_, U>,
    right: bool,
    cancel: &Cancel,
) -> Result<Indices> {
    let len = sorted.len();
    let samples = sample(sorted, needles.len());
    let position = |needle: U| {
        let probe = Probe::of(needle);
        let below = |x: T| match order(x, probe) {
            Ordering::Less => true,
            Ordering::Equal => right,
            Ordering::Greater => false,
        };
        match &samples {
            Some(samples) => {
                // Samples before `k` are below the needle and sample `k` is not: the answer is past the last sample
                // below it and at most sample `k`'s own index.
                let k = first_not(0, samples.len(), |i| below(samples[i]));
                match k {
                    0 => 0,
                    k => first_not((k - 1) * BUCKET + 1, (k * BUCKET).min(len), |i| below(sorted.get(i))),
                }
            }
            None => first_not(0, len, |i| below(sorted.get(i))),
        }
    };
    let mut positions = vec![0usize; needles.len()];
    let fill = |(b, out): (usize, &mut [usize])| {
        if cancel.is_cancelled() {
            return;
        }
        let mut values = vec![U::default(); out.len()];
        needles.read_into(b * BLOCK, &mut values);
        out.iter_mut().zip(values).for_each(|(o, needle)| *o = position(needle));
    };
    cancel.check()?;
    if runs_on_caller(needles.len().div_ceil(BLOCK)) {
        positions.chunks_mut(BLOCK).enumerate().for_each(fill);
    } else {
        pool().install(|| positions.par_chunks_mut(BLOCK).enumerate().for_each(fill));
    }
    cancel.check()?;
    // Positions run up to `len` itself, which fits 32 bits exactly when every index below it does.
    Ok(Indices::from_positions(len, positions.into_iter()))
}

/// `searchsorted(sorted, needles, { side })`: the facade passes a number needle as an array of one.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Searchsorted {
    /// `side: 'right'`.
    pub right: bool,
}

const SORTED_AND_NEEDLES: &[ArraySpec] = &[
    ArraySpec::new("sorted", Mode::Read).along_one_axis(),
    ArraySpec { internal: true, ..ArraySpec::new("needles", Mode::Read) },
];

impl Operation for Searchsorted {
    const SPEC: Spec = Spec {
        params: &[ParamSpec { name: "side", ty: ParamType::Choice(&["left", "right"]) }],
        expression: crate::ops::ExpressionUse::Materialised,
        ..Spec::new("searchsorted", SORTED_AND_NEEDLES, Returns::Array)
    };

    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Searchsorted { right: params.choice("side")? == Some(1) })
    }

    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [sorted, needles] = args else { return Err(Error::internal("searchsorted() takes two arrays")) };
        let right = self.right;
        let indices = crate::with_element_type!(sorted.kind, T => {
            let sorted = read_view::<T>(&mut sorted.lent)?;
            crate::with_element_type!(needles.kind, U => {
                searchsorted(&sorted, &read_view::<U>(&mut needles.lent)?, right, cancel)
            })
        })?;
        Ok(Output::Array(indices.into_column()))
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::kernels::testutil::{cancelled, with_views, Rng};

    fn searched<T: Numeric, U: Numeric>(sorted: &[T], needles: &[U], right: bool) -> Vec<usize> {
        let indices = with_views(sorted, needles, |s, n| searchsorted(s, n, right, &Cancel::new())).unwrap();
        (0..indices.len()).map(|i| indices.get(i)).collect()
    }

    /// numpy's rule written out: how many elements sort before the needle (or not after it, for `right`).
    fn counted(sorted: &[f64], needle: f64, right: bool) -> usize {
        sorted
            .iter()
            .filter(|&&x| if right { float_order(x, needle).is_le() } else { float_order(x, needle).is_lt() })
            .count()
    }

    #[test]
    fn left_and_right_as_numpy() {
        let sorted = [-1.0, -0.0, 0.0, 0.0, 2.5, 2.5, 7.0, f64::NAN, f64::NAN];
        let needles = [-2.0, -1.0, 0.0, -0.0, 1.0, 2.5, 7.0, 8.0, f64::INFINITY, f64::NAN, f64::NEG_INFINITY];
        assert_eq!(searched(&sorted, &needles, false), [0, 0, 1, 1, 4, 4, 6, 7, 7, 7, 0]);
        assert_eq!(searched(&sorted, &needles, true), [0, 1, 4, 4, 4, 6, 7, 7, 7, 9, 0]);
        assert_eq!(searched::<f64, f64>(&[], &[1.0, f64::NAN], false), [0, 0]);
        assert_eq!(searched::<f64, f64>(&[1.0], &[], false), Vec::<usize>::new());
    }

    #[test]
    fn mixed_types_compare_exactly() {
        let big = (1i64 << 53) + 1;
        let sorted = [i64::MIN, -1, big - 1, big, big + 1, i64::MAX];
        // 2^53 + 1 is not a double: the double 2^53 sorts before it and 2^53 + 2 after.
        let needles = [(1u64 << 53) as f64, ((1u64 << 53) + 2) as f64, f64::NAN, -0.5, f64::NEG_INFINITY, 9.3e18];
        assert_eq!(searched(&sorted, &needles, false), [2, 4, 6, 2, 0, 6]);
        assert_eq!(searched(&sorted, &needles, true), [3, 5, 6, 2, 0, 6]);
        // Integers against floats: 3 falls between 2.5 and 3.5; u64::MAX beyond every double below 2^64.
        assert_eq!(searched(&[2.5f32, 3.0, 3.5, f32::NAN], &[3u64, 4, u64::MAX], false), [1, 3, 3]);
        assert_eq!(searched(&[2.5f32, 3.0, 3.5, f32::NAN], &[3u64], true), [2]);
        assert_eq!(searched(&[0u8, 1, 1, 200], &[1i8, -1], true), [3, 0]);
        let halves: Vec<f16> = [-1.0f32, 0.5, 65504.0].map(f16::from_f32).to_vec();
        assert_eq!(searched(&halves, &[0.5f64, 1e9], false), [1, 3]);
    }

    #[test]
    fn the_sample_finds_what_a_plain_search_finds() {
        let mut rng = Rng::new(3);
        let mut sorted: Vec<f64> = (0..300 * BUCKET + 17).map(|_| (rng.unit() * 1000.0).floor()).collect();
        sorted.extend([f64::NAN; 3]);
        sorted.sort_by(|a, b| float_order(*a, *b));
        let mut needles: Vec<f64> = (0..600).map(|_| (rng.unit() * 1100.0 - 50.0).floor()).collect();
        needles.extend([sorted[0], sorted[BUCKET], sorted[BUCKET - 1], sorted[2 * BUCKET + 1], f64::NAN, -0.0]);
        assert!(worth_sampling(sorted.len(), needles.len()) && !worth_sampling(sorted.len(), 3));
        for right in [false, true] {
            let want: Vec<usize> = needles.iter().map(|&n| counted(&sorted, n, right)).collect();
            assert_eq!(searched(&sorted, &needles, right), want, "right: {right}");
            // Few needles: no sample, the same answers.
            assert_eq!(searched(&sorted, &needles[..3], right), want[..3]);
        }
    }

    #[test]
    fn a_raised_flag_aborts() {
        let result = with_views(&[1.0f64, 2.0], &[1.5f64], |s, n| searchsorted(s, n, false, &cancelled()));
        assert_eq!(result.unwrap_err().code(), "ABORT_ERR");
    }
}
