//! Views of doubles and floats loaded straight into AVX-512 registers ([`ReadView::fold_groups`]), and doubles stored
//! into views 64 bytes at a time ([`WriteView::write_lines_from`]).

use crate::arch::prefetch_ahead;
use crate::view::{Element, ReadView, WriteView};

/// The element types whose views can hand their elements to a kernel as doubles in AVX-512 registers
/// ([`ReadView::fold_groups`]): `f64` as it is, `f32` widened on the way in (exactly, as `as f64` widens).
pub(crate) trait RegisterGroups: Element {
    /// Whether a group is loaded as floats and widened to doubles (`vcvtps2pd`) rather than loaded as doubles.
    const WIDENED: bool;
}

impl RegisterGroups for f64 {
    const WIDENED: bool = false;
}

impl RegisterGroups for f32 {
    const WIDENED: bool = true;
}

/// Elements as doubles in AVX-512 registers (x86-64): what a kernel that streams a view of `f64` or `f32` uses in
/// place of [`ReadView::read_into`] when the processor has AVX-512, so that each element is loaded once, into the
/// register its arithmetic needs, instead of being copied into a local buffer and loaded again from there (measured:
/// bench/README.md, "Prefetch distances").
impl<T: Element> ReadView<'_, T> {
    /// Folds each whole group of [`DOUBLES_PER_GROUP`] consecutive elements from the start of the view, as four
    /// vectors of eight doubles, in order, into `init` with `f`; returns the result and how many elements that was
    /// (the last `len % 32` are left for the caller to read another way). Prefetches ([`prefetch_ahead`]) as
    /// [`ReadView::read_into`] does, but without stopping at the end of the view: kernels read a view in blocks that
    /// follow one another, and a block's first 4 KiB left unfetched showed in the sum's speed (bench/README.md, "Kernel
    /// design measurements"). A prefetch is a hint and never faults, so the addresses past the end are harmless.
    ///
    /// A fold rather than a callback on shared state: the accumulator stays in registers, where state behind a
    /// reference would be stored back before every load (the loads are assembly, which the compiler must assume may
    /// read any memory).
    ///
    /// `simd` is the proof that the processor has AVX-512 (pulp makes a [`pulp::x86::V4`] only after checking).
    #[inline(always)]
    pub(crate) fn fold_groups<A>(
        &self,
        simd: pulp::x86::V4,
        init: A,
        f: impl FnMut(A, [pulp::f64x8; 4]) -> A,
    ) -> (A, usize)
    where
        T: RegisterGroups,
    {
        let _proof = simd;
        let mut f = f;
        // SAFETY: `simd` exists, so the processor has AVX-512F and DQ; the view's `len` elements are valid and aligned
        // for reads for 'g (from_region's contract) and no Rust reference covers them (views never make one).
        unsafe { fold_groups_avx512([self.as_ptr()], self.len(), init, |acc, [group]| f(acc, group)) }
    }

    /// [`ReadView::fold_groups`] over this view and `other` in step: `f` gets the same group of both.
    ///
    /// # Panics
    /// When the lengths differ (callers validate them first).
    #[inline(always)]
    pub(crate) fn fold_group_pairs<A>(
        &self,
        other: &ReadView<'_, T>,
        simd: pulp::x86::V4,
        init: A,
        f: impl FnMut(A, [pulp::f64x8; 4], [pulp::f64x8; 4]) -> A,
    ) -> (A, usize)
    where
        T: RegisterGroups,
    {
        assert_eq!(self.len(), other.len(), "paired views must have one length");
        let _proof = simd;
        let mut f = f;
        // SAFETY: as in fold_groups, for both views, which have the same length.
        unsafe { fold_groups_avx512([self.as_ptr(), other.as_ptr()], self.len(), init, |acc, [x, y]| f(acc, x, y)) }
    }
}

impl<'g, T: Element> ReadView<'g, T> {
    /// [`ReadView::fold_groups`] over `N` views of one length in step: `f` gets the same group of each, in the order
    /// of `views` (the rows of a matrix added into one row of accumulators).
    ///
    /// # Panics
    /// When the lengths differ (callers cut the views to one length).
    #[inline(always)]
    pub(crate) fn fold_groups_in_step<A, const N: usize>(
        views: [&ReadView<'g, T>; N],
        simd: pulp::x86::V4,
        init: A,
        f: impl FnMut(A, [[pulp::f64x8; 4]; N]) -> A,
    ) -> (A, usize)
    where
        T: RegisterGroups,
    {
        let len = views.first().map_or(0, |view| view.len());
        assert!(views.iter().all(|view| view.len() == len), "views in step must have one length");
        let _proof = simd;
        // SAFETY: as in fold_groups, for each view, all of length `len`.
        unsafe { fold_groups_avx512(views.map(|view| view.as_ptr()), len, init, f) }
    }
}

/// Elements per group of [`ReadView::fold_groups`]: four AVX-512 vectors of doubles.
pub(crate) const DOUBLES_PER_GROUP: usize = 32;

/// The four loads of one group in [`fold_groups_avx512`]: `$load` of a `$size` operand at `$at` and at the byte
/// offsets `$b_at`, `$c_at` and `$d_at` from it, into the registers `$a` to `$d`. Expands to the `asm!` alone, so that each use sits in its own
/// `unsafe` block with the reasoning for its own loads.
macro_rules! load_group {
    (
        $at:expr, $load:literal, $size:literal, [$b_at:literal, $c_at:literal, $d_at:literal],
        $a:ident, $b:ident, $c:ident, $d:ident
    ) => {
        std::arch::asm!(
            concat!($load, " {a}, ", $size, " ptr [{at}]"),
            concat!($load, " {b}, ", $size, " ptr [{at} + ", $b_at, "]"),
            concat!($load, " {c}, ", $size, " ptr [{at} + ", $c_at, "]"),
            concat!($load, " {d}, ", $size, " ptr [{at} + ", $d_at, "]"),
            at = in(reg) $at,
            a = out(zmm_reg) $a,
            b = out(zmm_reg) $b,
            c = out(zmm_reg) $c,
            d = out(zmm_reg) $d,
            options(nostack, readonly, preserves_flags),
        )
    };
}

/// The loop of [`ReadView::fold_groups`], compiled for AVX-512 so that its loads can name 512-bit registers.
///
/// Each vector comes from one 64-byte load (`vmovupd`) in inline assembly, which like the staged copy is outside the
/// Rust abstract machine's data-race rules. The load need not be aligned: JavaScript's large arrays start 16 bytes
/// into a page, so a 64-byte boundary is the exception. What this relies on to keep elements whole: the manual
/// guarantees that an aligned quadword is read in one access, and says of wider loads only that they "may be
/// implemented using multiple memory accesses" (Intel SDM vol. 3, "Guaranteed Atomic Operations"); x86-64 processors
/// split them at cache lines, and a naturally aligned element never crosses one. So under a concurrent write a kernel
/// sees each element's old or its new value. That is a property of the hardware rather than a written promise, and
/// `docs/safety.md` says so; it decides only which of two racing values a kernel sees, never whether Rust code is
/// sound.
///
/// Floats are loaded 32 bytes at a time and widened as they load (`vcvtps2pd`), which needs no more of the hardware:
/// a naturally aligned 4-byte element never crosses a cache line either.
///
/// Compiled with AVX-512DQ as well as F: not for the loads, but so that the folds' arithmetic inlines into the loop
/// (the compensated lanes use `vrangepd`, a DQ instruction; an intrinsic is inlined only into a function that has
/// its feature, and otherwise became a call per vector).
///
/// # Safety
/// The processor must have AVX-512F and AVX-512DQ; every pointer of `srcs` must be aligned for `T` and valid for reads
/// of `len` elements, and no Rust reference may cover those bytes.
#[target_feature(enable = "avx512f,avx512dq")]
#[inline]
unsafe fn fold_groups_avx512<T: RegisterGroups, A, const VIEWS: usize>(
    srcs: [*const T; VIEWS],
    len: usize,
    init: A,
    mut f: impl FnMut(A, [[pulp::f64x8; 4]; VIEWS]) -> A,
) -> (A, usize) {
    use std::arch::x86_64::__m512d;
    let group_bytes = DOUBLES_PER_GROUP * std::mem::size_of::<T>();
    let groups = len / DOUBLES_PER_GROUP;
    let mut acc = init;
    for group in 0..groups {
        let offset = group * group_bytes;
        let loaded = srcs.map(|src| {
            let at = (src as *const u8).wrapping_add(offset);
            prefetch_ahead(at, group_bytes, usize::MAX);
            let (a, b, c, d): (__m512d, __m512d, __m512d, __m512d);
            if T::WIDENED {
                // SAFETY: the 128 bytes from `at` are the group's 32 floats, inside the caller's valid range (group <
                // len / 32); the block reads only them and writes only the four registers it names.
                unsafe { load_group!(at, "vcvtps2pd", "ymmword", [32, 64, 96], a, b, c, d) };
            } else {
                // SAFETY: the 256 bytes from `at` are the group's 32 doubles, inside the caller's valid range (group <
                // len / 32); the block reads only them and writes only the four registers it names.
                unsafe { load_group!(at, "vmovupd", "zmmword", [64, 128, 192], a, b, c, d) };
            }
            [a, b, c, d].map(|v| bytemuck::cast::<[f64; 8], pulp::f64x8>(doubles_of(v)))
        });
        acc = f(acc, loaded);
    }
    (acc, groups * DOUBLES_PER_GROUP)
}

impl WriteView<'_, f64> {
    /// Copies `values` into the view starting at `start`, as [`WriteView::write_from`] does, with one 64-byte vector
    /// store per cache line from the first 64-byte boundary on (the ends, one element at a time): a store per line
    /// instead of eight keeps the core's store buffer from filling while lines are fetched.
    ///
    /// With `streaming`, the stores are non-temporal (`vmovntpd`): a whole line written at once goes to memory without
    /// being read first, and without displacing the caches' contents. That saves the read of every output line (a
    /// third of the traffic of `a * b + c` beyond that of its three inputs) for an output too large to stay in the
    /// caches anyway, and costs one for an output that would have been read again from them. Non-temporal stores are
    /// weakly ordered: call [`store_fence`](crate::arch::store_fence) after the last of them, before the values may be
    /// read by another thread.
    ///
    /// Each naturally aligned element inside an aligned 64-byte store is written in one access, on the footing of
    /// [`ReadView::fold_groups`]'s loads: another thread reading it sees its old or its new value, never a mix.
    ///
    /// `simd` is the proof that the processor has AVX-512.
    ///
    /// # Panics
    /// When the range reaches past the end.
    #[inline(always)]
    pub(crate) fn write_lines_from(&mut self, simd: pulp::x86::V4, start: usize, values: &[f64], streaming: bool) {
        let _proof = simd;
        let end = start.checked_add(values.len()).expect("range overflow");
        assert!(end <= self.len(), "range {start}..{end} out of bounds for {}", self.len());
        let dst = self.as_mut_ptr().wrapping_add(start);
        let head = ((dst as usize).wrapping_neg() % 64 / 8).min(values.len());
        let lines = (values.len() - head) / 8;
        let middle = head + lines * 8;
        for i in (0..head).chain(middle..values.len()) {
            self.set(start + i, values[i]);
        }
        if lines > 0 {
            // SAFETY: `simd` exists, so the processor has AVX-512F; `dst + head` is 64-byte aligned (`head` elements
            // reach the next multiple of 64 from an 8-byte aligned address) and the `lines * 64` bytes from there are
            // within `start..end`, inside the view's writable memory, which no Rust reference covers (this view is its
            // only writer); `values[head..middle]` holds as many bytes.
            unsafe { store_lines_avx512(dst.wrapping_add(head), &values[head..middle], lines, streaming) };
        }
    }
}

/// The loop of [`store_lines_avx512`]: `$lines` times, one 64-byte load from `$src` (`vmovupd`: a local buffer, any
/// alignment) and one 64-byte store (`$store`) to `$dst`. Must be used inside an `unsafe` block whose obligations
/// cover those bytes.
macro_rules! store_lines {
    ($store:literal, $src:expr, $dst:expr, $lines:expr) => {
        std::arch::asm!(
            "2:",
            "vmovupd {v}, zmmword ptr [{src}]",
            concat!($store, " zmmword ptr [{dst}], {v}"),
            "add {src}, 64",
            "add {dst}, 64",
            "dec {lines}",
            "jnz 2b",
            src = inout(reg) $src => _,
            dst = inout(reg) $dst => _,
            lines = inout(reg) $lines => _,
            v = out(zmm_reg) _,
            options(nostack),
        )
    };
}

/// Stores `lines` times 64 bytes from `values` (which holds at least as many) at `dst`, one aligned 64-byte store
/// per line: non-temporal (`vmovntpd`) when `streaming`, else ordinary (`vmovapd`). See
/// [`WriteView::write_lines_from`].
///
/// # Safety
/// The processor must have AVX-512F; `dst` must be 64-byte aligned and valid for writes of `lines * 64` bytes, and no
/// Rust reference may cover them.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store_lines_avx512(dst: *mut f64, values: &[f64], lines: usize, streaming: bool) {
    assert!(lines > 0 && values.len() >= lines * 8, "a whole number of lines, at least one, from values");
    let src = values.as_ptr();
    if streaming {
        // SAFETY: the `lines * 64` bytes read from `src` are within `values` (asserted); those written at `dst` are
        // the caller's, 64-byte aligned as `vmovntpd` needs; `lines` is at least 1, so the loop runs at least once.
        // The block touches only those bytes, the vector register it names and the three registers it consumes.
        unsafe { store_lines!("vmovntpd", src, dst, lines) };
    } else {
        // SAFETY: as above, with `vmovapd`, which needs the same alignment.
        unsafe { store_lines!("vmovapd", src, dst, lines) };
    }
}

/// The eight doubles of an AVX-512 register.
#[target_feature(enable = "avx512f")]
#[inline]
fn doubles_of(v: std::arch::x86_64::__m512d) -> [f64; 8] {
    let mut out = [0.0; 8];
    // SAFETY: `out` is a local array of exactly eight doubles, writable; AVX-512F is enabled in this function.
    unsafe { std::arch::x86_64::_mm512_storeu_pd(out.as_mut_ptr(), v) };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{with_view, with_view_mut};

    /// `fold_groups` hands over every whole group in order, element for element as `get` reads them (floats
    /// widened), from every offset within a cache line, and leaves the partial group at the end to the caller.
    fn register_groups_match_single_loads<T: RegisterGroups>(make: impl Fn(usize) -> T, widen: impl Fn(T) -> f64) {
        let Some(simd) = pulp::x86::V4::try_new() else {
            return; // the groups exist only on processors with AVX-512 (the bench and CI machines have it)
        };
        let count = 1024;
        let values: Vec<T> = (0..count).map(make).collect();
        with_view(&values, |view| {
            for start in 0..64 / std::mem::size_of::<T>() {
                for len in (0..100).chain([count - start]) {
                    let part = view.slice(start..start + len);
                    let (seen, whole) = simd.vectorize(|| {
                        part.fold_groups(simd, Vec::new(), |mut seen, group| {
                            seen.extend_from_slice(bytemuck::cast_slice::<pulp::f64x8, f64>(&group));
                            seen
                        })
                    });
                    assert_eq!(whole, len / DOUBLES_PER_GROUP * DOUBLES_PER_GROUP, "{len} from {start}");
                    let want: Vec<f64> = values[start..start + whole].iter().map(|x| widen(*x)).collect();
                    assert_eq!(seen, want, "{len} from {start}");
                }
            }
        });
    }

    /// `write_lines_from` stores exactly its values, ordinary or streaming, from every offset within a cache line and
    /// for every length around the lines' ends, and touches nothing else.
    #[test]
    fn lines_write_exactly_their_values() {
        let Some(simd) = pulp::x86::V4::try_new() else {
            return; // the stores exist only on processors with AVX-512 (the bench and CI machines have it)
        };
        let before: Vec<f64> = (0..256).map(|i| -(i as f64)).collect();
        for streaming in [false, true] {
            for start in 0..16 {
                for len in 0..100 {
                    let values: Vec<f64> = (0..len).map(|i| i as f64 * 0.5 + 1.0).collect();
                    let ((), after) = with_view_mut(&before, |mut view| {
                        view.write_lines_from(simd, start, &values, streaming);
                        crate::arch::store_fence();
                    });
                    let mut want = before.clone();
                    want[start..start + len].copy_from_slice(&values);
                    assert_eq!(after, want, "{len} from {start}, streaming: {streaming}");
                }
            }
        }
    }

    #[test]
    fn register_groups_of_doubles_match_single_loads() {
        register_groups_match_single_loads(|i| i as f64 * 1.25 - 7.0, |x| x);
    }

    #[test]
    fn register_groups_of_floats_match_single_loads() {
        // Values that need every bit of a float's mantissa, so a conversion that rounded would show.
        register_groups_match_single_loads(|i| (i as f32 + 0.5) * (1.0 + f32::EPSILON) - 300.0, f64::from);
    }
}
