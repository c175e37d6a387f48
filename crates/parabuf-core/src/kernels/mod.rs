//! The kernels: one module per operation, each generic over the element type and split across the pool in fixed
//! blocks (see [`exec`](crate::exec)).
//!
//! Kernels read shared memory only through views (element-wise relaxed atomics, or copies into local buffers with the
//! helpers of `blocks`) and never form Rust references to it; they check cancellation between blocks.

pub(crate) mod blocks;
pub(crate) mod source;

pub mod add;
pub mod argext;
pub mod argsort;
pub mod axes;
pub mod convert;
pub mod count_nonzero;
pub mod cumsum;
pub mod dot;
pub(crate) mod exact;
pub mod fill;
pub mod histogram;
pub mod int_axes;
pub mod minmax;
pub mod moments;
pub mod norm;
pub mod numeric;
pub mod order;
pub mod quantile;
pub mod scale;
pub mod searchsorted;
pub mod sort;
pub mod sum;
pub mod topk;
pub mod unique;

// The operation table: one row per operation, `Variant => module::Declaration`. A row's position is the operation's
// code. Each declaration (an `Operation`: name, arrays, parameters, result, kernel call) lives in its kernel's file;
// `docs/adding-an-operation.md` walks through adding one.
crate::ops::operations! {
    /// The sum of every element.
    Sum => sum::Sum,
    /// The arithmetic mean.
    Mean => moments::Mean,
    /// The smallest element.
    Min => minmax::Min,
    /// The largest element.
    Max => minmax::Max,
    /// The smallest and the largest element.
    MinMax => minmax::MinMax,
    /// The index of the first smallest element.
    ArgMin => argext::ArgMin,
    /// The index of the first largest element.
    ArgMax => argext::ArgMax,
    /// The variance with `ddof` delta degrees of freedom.
    Variance => moments::Variance,
    /// The standard deviation with `ddof` delta degrees of freedom.
    Std => moments::Std,
    /// The dot product of two arrays of one kind and length.
    Dot => dot::Dot,
    /// The Euclidean norm.
    Norm => norm::Norm,
    /// Counts in equal-width bins.
    Histogram => histogram::Histogram,
    /// Every element set to one value.
    Fill => fill::Fill,
    /// Every element set to `element * factor + offset`.
    Scale => scale::Scale,
    /// `dst[i] += src[i]` for a destination and a source of one kind and length.
    Add => add::Add,
    /// Sorted ascending, in place.
    Sort => sort::Sort,
    /// A kernel panic on a pool thread, for the binding's tests.
    SelfTestPanic => crate::ops::SelfTestPanic,
    /// How many elements are not zero.
    CountNonZero => count_nonzero::CountNonZero,
    /// Quantiles as numpy computes them.
    Quantile => quantile::Quantile,
    /// The median: the quantile at 0.5.
    Median => quantile::Median,
    /// The stable ordering by index.
    Argsort => argsort::Argsort,
    /// The k largest or smallest, with their indices.
    Topk => topk::Topk,
    /// The distinct values and their counts.
    Unique => unique::Unique,
    /// The inclusive prefix sum, into an output array.
    Cumsum => cumsum::Cumsum,
    /// Where needles would go in sorted data.
    Searchsorted => searchsorted::Searchsorted,
}

pub use add::add;
pub use argext::{argmax, argmin};
pub use axes::{mean_axes, sum_axes, AxesPlan, Strategy};
pub use convert::{f64_to_f16, Conversion, Store};
pub use dot::dot;
pub use fill::fill;
pub use histogram::histogram;
pub use int_axes::int_sum_axes;
pub use minmax::{max, min, minmax};
pub use moments::{mean, std, variance};
pub use norm::norm;
pub use numeric::{Neumaier, Numeric, Scalar};
pub use order::{Key, Ordered};
pub use scale::scale;
pub use sort::sort;
pub use sum::sum;

/// Helpers for the kernels' unit tests: arrays in parabuf-owned memory under a private ledger, reference
/// implementations, and a small deterministic random source.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::exec::{Cancel, BLOCK};
    use crate::kernels::blocks::{LANES, STAGE};
    use crate::kernels::numeric::Neumaier;
    use crate::ledger::Ledger;
    use crate::region::OwnedBuffer;
    use crate::view::{Element, ReadView, WriteView};

    /// Blocks whose lengths end in every kind of partial group of lanes and stage, full blocks, and the edge cases.
    pub(crate) const LANE_LENGTHS: [usize; 13] =
        [0, 1, 7, 8, 9, LANES - 1, LANES, LANES + 1, STAGE - 1, STAGE + 5, 1000, BLOCK - 3, BLOCK];

    /// Lengths around the block boundaries, where splitting bugs live.
    pub(crate) const SIZES: [usize; 7] = [0, 1, 2, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 3];

    fn buffer_with<T: Element>(values: &[T]) -> (std::sync::Arc<OwnedBuffer>, Ledger) {
        let buf = OwnedBuffer::zeroed(std::mem::size_of_val(values));
        let ledger = Ledger::new();
        ledger.write(buf.region()).unwrap().view_mut::<T>().unwrap().write_from(0, values);
        (buf, ledger)
    }

    /// Runs `f` on a read view of a copy of `values`.
    pub(crate) fn with_view<T: Element, R>(values: &[T], f: impl FnOnce(&ReadView<'_, T>) -> R) -> R {
        let (buf, ledger) = buffer_with(values);
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<T>().unwrap();
        f(&view)
    }

    /// Runs `check` on a view of a copy of `values` that starts at each offset within a 64-byte cache line (the
    /// register paths load whole lines' worth from wherever a view starts), with `outside` filling a line's worth
    /// before and after it: a kernel that reads past either end sees those values.
    pub(crate) fn from_every_offset_in_a_line<T: Element>(
        values: &[T],
        outside: T,
        check: impl Fn(&ReadView<'_, T>, usize),
    ) {
        let per_line = 64 / std::mem::size_of::<T>();
        for offset in 0..per_line {
            let padded = [vec![outside; offset], values.to_vec(), vec![outside; per_line]].concat();
            with_view(&padded, |whole| check(&whole.slice(offset..offset + values.len()), offset));
        }
    }

    /// `TypedArray.prototype.sort`'s order, written apart from the kernels for their references: integers exactly,
    /// floats with `-0` before `+0`, every NaN last and equal to the others.
    pub(crate) fn sort_order<T: crate::kernels::Ordered>(a: &T, b: &T) -> std::cmp::Ordering {
        let (x, y) = (a.to_f64(), b.to_f64());
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => match (a.to_i128(), b.to_i128()) {
                (Some(p), Some(q)) => p.cmp(&q),
                _ => x.total_cmp(&y),
            },
        }
    }

    /// Whether `a` and `b` are the same double bit for bit, or both NaN (whose payload no result promises).
    pub(crate) fn same_bits_or_both_nan(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// Runs `f` on a strided read view, under `layout`, of a copy of `values`.
    pub(crate) fn with_strided<T: Element, R>(
        values: &[T],
        layout: &crate::layout::Layout,
        f: impl FnOnce(&crate::view::StridedReadView<'_, T>) -> R,
    ) -> R {
        let (buf, ledger) = buffer_with(values);
        let guard = ledger.read_strided(buf.region(), std::mem::size_of::<T>(), layout.clone()).unwrap();
        f(&guard.strided_view::<T>().unwrap())
    }

    /// Runs `f` on read views of copies of `a` and `b`.
    pub(crate) fn with_views<A: Element, B: Element, R>(
        a: &[A],
        b: &[B],
        f: impl FnOnce(&ReadView<'_, A>, &ReadView<'_, B>) -> R,
    ) -> R {
        with_view(a, |a| with_view(b, |b| f(a, b)))
    }

    /// Runs `f` on a write view of a copy of `values`; returns its result and the elements afterwards.
    pub(crate) fn with_view_mut<T: Element, R>(values: &[T], f: impl FnOnce(WriteView<'_, T>) -> R) -> (R, Vec<T>) {
        let (buf, ledger) = buffer_with(values);
        let mut guard = ledger.write(buf.region()).unwrap();
        let result = f(guard.view_mut::<T>().unwrap());
        (result, guard.view::<T>().unwrap().to_vec())
    }

    /// Runs `f` on a write view of a copy of `dst` and a read view of a copy of `src`; returns its result and the
    /// elements of `dst` afterwards.
    pub(crate) fn with_dst_src<T: Element, R>(
        dst: &[T],
        src: &[T],
        f: impl FnOnce(WriteView<'_, T>, &ReadView<'_, T>) -> R,
    ) -> (R, Vec<T>) {
        with_view(src, |src| with_view_mut(dst, |dst| f(dst, src)))
    }

    /// A flag that is already raised.
    pub(crate) fn cancelled() -> Cancel {
        let cancel = Cancel::new();
        cancel.cancel();
        cancel
    }

    /// The compensated sum of `terms` exactly as the kernels order it, written out sequentially and apart from the
    /// kernels' code: blocks of [`BLOCK`] terms, term `i` of a block into lane `i % 32`, the lanes merged as a tree
    /// (lane `i` takes in lane `i + 16`, then `i + 8`, `i + 4`, `i + 2` and `i + 1`), then blocks merged in order.
    pub(crate) fn reference_compensated(terms: &[f64]) -> f64 {
        const LANES: usize = 32;
        assert_eq!(LANES, crate::kernels::blocks::LANES, "the reference spells out the kernels' lane count");
        let mut total = Neumaier::default();
        for block in terms.chunks(BLOCK) {
            let mut lanes = [Neumaier::default(); LANES];
            for (i, x) in block.iter().enumerate() {
                lanes[i % LANES].add(*x);
            }
            for half in [16, 8, 4, 2, 1] {
                for i in 0..half {
                    let other = lanes[i + half];
                    lanes[i].merge(other);
                }
            }
            total.merge(lanes[0]);
        }
        total.value()
    }

    /// SplitMix64: tiny, deterministic, good enough to scatter test values.
    #[derive(Debug)]
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Rng {
            Rng(seed)
        }

        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        pub(crate) fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Either sign, magnitudes spread over many binades: hard for naive summation.
        pub(crate) fn wide_f64(&mut self) -> f64 {
            let sign = if self.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
            sign * (self.unit() + 0.5) * 2f64.powi((self.next_u64() % 60) as i32 - 30)
        }
    }
}
