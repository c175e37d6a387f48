//! Typed views of exported memory, bound by lifetime to the guard they come from.
//!
//! # How views touch memory
//!
//! Memory under an export may still be written by JavaScript code that bypasses parabuf (any code holding the same
//! `ArrayBuffer`). Forming a Rust reference (`&[T]`/`&mut [T]`) to such memory would be undefined behaviour the moment
//! JavaScript wrote to it, so views never do. Every element access is a single **relaxed atomic load or store** of the
//! element's own width ([`Element::load`], [`Element::store`]). Relaxed atomics compile to plain loads and stores on
//! every supported target, and they make concurrent access by another thread a *race on values* rather than a data
//! race in Rust's sense: a kernel may see old or new values when JavaScript writes during an operation, but never
//! undefined behaviour on the Rust side. Kernels that want tight loops copy a block into a local buffer with
//! [`ReadView::read_into`] and compute on that. On x86-64 that bulk copy reads the 16-byte-aligned middle of the block
//! with aligned vector loads in inline assembly (see `copy_from_shared`): each naturally aligned element inside such a
//! load is read in one access, so the guarantee is the same — old or new value, never a torn element. On processors
//! with AVX-512, views of doubles can also hand a kernel their elements 32 at a time straight in vector registers
//! (`ReadView::fold_groups`), from 64-byte loads in inline assembly with the same guarantee (see there for what it
//! rests on).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{
    AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed,
};

use half::f16;

use crate::error::{Error, Result};
use crate::ledger::{ReadGuard, WriteGuard};
use crate::region::Region;

mod sealed {
    pub trait Sealed {}
}

/// A numeric element type that a typed array can hold. Sealed: implemented for `i8`, `u8`, `i16`, `u16`, `i32`, `u32`,
/// `i64`, `u64`, [`f16`](struct@f16), `f32` and `f64`.
pub trait Element: Copy + Send + Sync + PartialEq + fmt::Debug + Default + 'static + sealed::Sealed {
    /// The alignment an address must have for this element's atomic accesses.
    const ALIGN: usize;

    /// Loads one element.
    ///
    /// # Safety
    /// `p` must be non-null, aligned to [`Self::ALIGN`], and valid for reads of `size_of::<Self>()` bytes, and no Rust
    /// reference may cover those bytes.
    unsafe fn load(p: *const Self) -> Self;

    /// Stores one element.
    ///
    /// # Safety
    /// As [`Element::load`], and `p` must be valid for writes.
    unsafe fn store(p: *mut Self, value: Self);
}

macro_rules! atomic_element {
    ($t:ty, $atomic:ty, $bits:ty, $to_bits:expr, $from_bits:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const ALIGN: usize = std::mem::align_of::<$atomic>();

            #[inline(always)]
            unsafe fn load(p: *const Self) -> Self {
                // SAFETY: the caller guarantees `p` is aligned for the atomic type of the same size and valid for reads;
                // the atomic reference lives only for this one load.
                let bits = unsafe { <$atomic>::from_ptr(p as *mut $bits) }.load(Relaxed);
                $from_bits(bits)
            }

            #[inline(always)]
            unsafe fn store(p: *mut Self, value: Self) {
                // SAFETY: as in `load`, and the caller guarantees `p` is valid for writes.
                unsafe { <$atomic>::from_ptr(p as *mut $bits) }.store($to_bits(value), Relaxed);
            }
        }
    };
}

atomic_element!(i8, AtomicI8, i8, |v| v, |b| b);
atomic_element!(u8, AtomicU8, u8, |v| v, |b| b);
atomic_element!(i16, AtomicI16, i16, |v| v, |b| b);
atomic_element!(u16, AtomicU16, u16, |v| v, |b| b);
atomic_element!(i32, AtomicI32, i32, |v| v, |b| b);
atomic_element!(u32, AtomicU32, u32, |v| v, |b| b);
atomic_element!(i64, AtomicI64, i64, |v| v, |b| b);
atomic_element!(u64, AtomicU64, u64, |v| v, |b| b);
atomic_element!(f16, AtomicU16, u16, f16::to_bits, f16::from_bits);
atomic_element!(f32, AtomicU32, u32, f32::to_bits, f32::from_bits);
atomic_element!(f64, AtomicU64, u64, f64::to_bits, f64::from_bits);

/// Checks that `region` is a whole number of aligned `T`s and returns its element count.
fn element_count<T: Element>(region: Region) -> Result<usize> {
    let size = std::mem::size_of::<T>();
    if !region.len().is_multiple_of(size) {
        return Err(Error::arg_value(format!(
            "a region of {} bytes is not a whole number of {size}-byte elements",
            region.len()
        )));
    }
    if !region.is_empty() && !region.addr().is_multiple_of(T::ALIGN) {
        return Err(Error::Misaligned { address: region.addr(), align: T::ALIGN });
    }
    Ok(region.len() / size)
}

/// A read-only view of `len` elements of type `T`, valid while the guard it borrows from (`'g`) lives.
pub struct ReadView<'g, T: Element> {
    ptr: *const T,
    len: usize,
    _guard: PhantomData<&'g ReadGuard>,
    _elem: PhantomData<T>,
}

/// A read-write view of `len` elements of type `T`, borrowing its guard exclusively for `'g`.
pub struct WriteView<'g, T: Element> {
    ptr: *mut T,
    len: usize,
    _guard: PhantomData<&'g mut WriteGuard>,
    _elem: PhantomData<T>,
}

// SAFETY: a ReadView only performs atomic loads of memory that stays valid for 'g; loads from several threads at once
// are race-free.
unsafe impl<T: Element> Send for ReadView<'_, T> {}
// SAFETY: as for Send.
unsafe impl<T: Element> Sync for ReadView<'_, T> {}
// SAFETY: a WriteView performs only atomic loads and stores of memory that stays valid for 'g; moving it to another
// thread moves the exclusive right to write those elements with it.
unsafe impl<T: Element> Send for WriteView<'_, T> {}
// SAFETY: shared references to a WriteView allow only atomic loads (`get`, `as_read`), which are race-free.
unsafe impl<T: Element> Sync for WriteView<'_, T> {}

impl<T: Element> fmt::Debug for ReadView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadView").field("ptr", &self.ptr).field("len", &self.len).finish()
    }
}

impl<T: Element> fmt::Debug for WriteView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteView").field("ptr", &self.ptr).field("len", &self.len).finish()
    }
}

impl<T: Element> Clone for ReadView<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Element> Copy for ReadView<'_, T> {}

impl<'g, T: Element> ReadView<'g, T> {
    /// Makes a view of the whole region.
    ///
    /// # Safety
    /// The region's bytes must be readable (as promised to [`Region::new`]) and under a live export for all of `'g`.
    pub(crate) unsafe fn from_region(region: Region) -> Result<Self> {
        let len = element_count::<T>(region)?;
        Ok(ReadView { ptr: region.as_ptr() as *const T, len, _guard: PhantomData, _elem: PhantomData })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `index`.
    ///
    /// # Panics
    /// When `index >= len` (kernels stay in bounds; the binding turns a panic into `ERR_PARABUF_INTERNAL`).
    #[inline(always)]
    pub fn get(&self, index: usize) -> T {
        assert!(index < self.len, "index {index} out of bounds for a view of {}", self.len);
        // SAFETY: index is in bounds, the view's memory is valid and aligned for 'g (from_region's contract).
        unsafe { T::load(self.ptr.wrapping_add(index)) }
    }

    /// The elements of `range` as a view with the same lifetime.
    ///
    /// # Panics
    /// When `range` reaches past the end or is reversed.
    pub fn slice(&self, range: Range<usize>) -> ReadView<'g, T> {
        assert!(range.start <= range.end && range.end <= self.len, "range {range:?} out of bounds for {}", self.len);
        ReadView {
            // SAFETY (pointer arithmetic): range.start <= len, so the result stays within or one past the view.
            ptr: self.ptr.wrapping_add(range.start),
            len: range.end - range.start,
            _guard: PhantomData,
            _elem: PhantomData,
        }
    }

    /// Copies `out.len()` elements starting at `start` into `out`.
    ///
    /// # Panics
    /// When the range reaches past the end.
    #[inline(always)]
    pub fn read_into(&self, start: usize, out: &mut [T]) {
        let end = start.checked_add(out.len()).expect("range overflow");
        assert!(end <= self.len, "range {start}..{end} out of bounds for {}", self.len);
        let ahead = (self.len - end) * std::mem::size_of::<T>();
        // SAFETY: start..end is within the view, whose memory is valid, aligned and exported for 'g; `out` is a local
        // buffer of exactly end - start elements that no other code touches while this copies.
        unsafe { copy_from_shared(self.ptr.wrapping_add(start), out, ahead) };
    }

    /// An iterator over the elements, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = T> + '_ {
        (0..self.len).map(move |i| self.get(i))
    }

    /// Copies the elements into a new vector.
    pub fn to_vec(&self) -> Vec<T> {
        let mut out = vec![T::default(); self.len];
        self.read_into(0, &mut out);
        out
    }

    /// The view cut into consecutive sub-views of `size` elements (the last may be shorter).
    ///
    /// # Panics
    /// When `size` is 0.
    pub fn chunks(&self, size: usize) -> impl ExactSizeIterator<Item = ReadView<'g, T>> + '_ {
        assert!(size > 0, "chunk size must be positive");
        let this = *self;
        (0..self.len.div_ceil(size)).map(move |c| this.slice(c * size..((c + 1) * size).min(this.len)))
    }
}

/// How far ahead of a copy [`ReadView::read_into`] asks the processor to start fetching: 4 KiB, measured on the
/// bench machine (Sapphire Rapids, 2 cores): a compensated sum streamed from memory at 1, 2 and 4 KiB ahead ran at
/// 0.9, 1.0 and 1.05 times the speed of a plain read without prefetching; without the hint, at 0.7.
const PREFETCH_AHEAD: usize = 4096;

/// How far ahead of a reader [`prefetch_ahead`] touches each new 4 KiB page, so that its address translation is ready
/// before the line prefetches reach it. The processor's own prefetchers stop at page boundaries, and a prefetch into a
/// page missing from the TLB first waits for a page walk (two-dimensional in a virtual machine). JavaScript memory
/// lives in 4 KiB pages. On the 2-core bench VM, over 1e8 doubles read from 4 KiB pages: the plain sum went from 22.4
/// to 28.4 GB/s, the compensated sum from 19.7 to 24.2, the read probe from 24.0 to 28.5; over 1e7 (in the large
/// shared L3), the compensated sum from 1.77 to 1.62 ms. 16, 32 and 64 KiB ahead measured alike.
const TRANSLATION_AHEAD: usize = 32 * 1024;

/// Bytes per page of the smallest kind, the unit in which [`TRANSLATION_AHEAD`] touches memory.
const PAGE: usize = 4096;

/// How far ahead [`prefetch_ahead`] asks for the first [`PAGE_HEAD_LINES`] lines of each page, well before the line
/// prefetches reach them: the processor's stream prefetcher stops at every page boundary and starts each page cold, so
/// a page's first lines are the ones with nothing else in flight. On the 2-core bench VM, over 1e8 doubles in 4 KiB
/// pages, the compensated sum went from 30.2 to 28.7-29.4 ms, the plain sum from 27.2 to 27.0, and the read probe from
/// 27.1 to 26.0-26.5 ms; 8, 12 and 32 KiB ahead and 2 to 16 lines measured within a few percent of this.
const PAGE_HEAD_AHEAD: usize = 16 * 1024;

/// Lines at the start of a page that [`PAGE_HEAD_AHEAD`] fetches early.
const PAGE_HEAD_LINES: usize = 8;

/// Asks the processor to start loading the cache line at `address` into L2 (x86-64 `prefetcht1`; nothing elsewhere or
/// under Miri). Into L2 rather than L1 (`prefetcht0`): an L1 prefetch holds one of the core's few line-fill buffers
/// until the line arrives, and with 4 KiB in flight the demand loads then waited for buffers (perf showed the
/// prefetches themselves as the hottest instructions); on the 2-core bench VM the staged read path went from about 21
/// to 25 GB/s and the sum of 1e8 doubles from 0.58 to 0.70 of the read limit. A hint: it never faults and has no
/// effect a program can observe other than timing, so any address is fine.
#[inline(always)]
pub(crate) fn prefetch(address: *const u8) {
    // SAFETY: SSE, the one target feature `_mm_prefetch` needs, is part of every x86-64 processor; a prefetch reads
    // nothing architecturally, so no address can make it undefined behaviour.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(address.cast())
    };
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = address;
}

/// What a reader about to read the `len` bytes at `at` asks for next, calling this for consecutive spans in order:
/// every line [`PREFETCH_AHEAD`] further on, and once per page it enters (for the one span that starts within the
/// first `len` bytes of a page), the page [`TRANSLATION_AHEAD`] further on and the head of the page
/// [`PAGE_HEAD_AHEAD`] further on. Nothing at or beyond `limit` bytes from `at` is asked for (pass `usize::MAX` for no
/// limit: a prefetch never faults).
#[inline(always)]
pub(crate) fn prefetch_ahead(at: *const u8, len: usize, limit: usize) {
    (PREFETCH_AHEAD..(PREFETCH_AHEAD + len).min(limit))
        .step_by(64)
        .for_each(|offset| prefetch(at.wrapping_add(offset)));
    let into_page = (at as usize) % PAGE;
    if into_page < len {
        let head = PAGE_HEAD_AHEAD - into_page;
        (head..(head + PAGE_HEAD_LINES * 64).min(limit))
            .step_by(64)
            .for_each(|offset| prefetch(at.wrapping_add(offset)));
        if TRANSLATION_AHEAD < limit {
            prefetch(at.wrapping_add(TRANSLATION_AHEAD));
        }
    }
}

/// Copies `out.len()` elements from shared memory at `src` into `out`, every element read whole (its old or its new
/// value under a concurrent write, never a mix), and asks for what follows them ([`prefetch_ahead`]) without passing
/// the `ahead` bytes that follow them in the view.
///
/// On x86-64 the 16-byte-aligned middle goes through aligned vector loads (`movaps`) in inline assembly: one load per
/// 16 bytes instead of one per element, so a core keeps more cache-line reads in flight. An assembly block is outside
/// the Rust abstract machine's data-race rules; what this one does is what a byte-wise atomic copy does (C++ P1478),
/// with a stronger hardware guarantee on top: an aligned 16-byte load stays within one cache line, and x86-64 reads
/// every naturally aligned quadword inside one access atomically (Intel SDM vol. 3, "Guaranteed Atomic Operations"),
/// so no element of up to 8 bytes is torn. The unaligned head and the tail, and every other target, use
/// [`Element::load`] (as does everything under Miri, which cannot run assembly).
///
/// # Safety
/// `src` must be aligned to [`Element::ALIGN`] and valid for reads of `out.len()` elements, and no Rust reference may
/// cover those bytes.
#[inline(always)]
unsafe fn copy_from_shared<T: Element>(src: *const T, out: &mut [T], ahead: usize) {
    let bytes = std::mem::size_of_val(out);
    prefetch_ahead(src as *const u8, bytes, bytes + ahead);
    // SAFETY: the caller's guarantees are those `copy_vectors` asks for.
    let done = unsafe { copy_vectors(src, out) };
    for (i, slot) in out.iter_mut().enumerate().skip(done) {
        // SAFETY: i < out.len(), within the caller's valid range.
        *slot = unsafe { T::load(src.wrapping_add(i)) };
    }
}

/// The loop of [`copy_vectors`]: `groups` times, four aligned 16-byte loads (`$load`) from `$src` and four stores
/// (`$store`) to `$dst`, 64 bytes each time. Must be used inside an `unsafe` block whose obligations cover those bytes.
#[cfg(all(target_arch = "x86_64", not(miri)))]
macro_rules! copy_groups {
    ($load:literal, $store:literal, $src:expr, $dst:expr, $groups:expr) => {
        std::arch::asm!(
            "2:",
            concat!($load, " {a}, xmmword ptr [{src}]"),
            concat!($load, " {b}, xmmword ptr [{src} + 16]"),
            concat!($load, " {c}, xmmword ptr [{src} + 32]"),
            concat!($load, " {d}, xmmword ptr [{src} + 48]"),
            concat!($store, " xmmword ptr [{dst}], {a}"),
            concat!($store, " xmmword ptr [{dst} + 16], {b}"),
            concat!($store, " xmmword ptr [{dst} + 32], {c}"),
            concat!($store, " xmmword ptr [{dst} + 48], {d}"),
            "add {src}, 64",
            "add {dst}, 64",
            "dec {groups}",
            "jnz 2b",
            src = inout(reg) $src => _,
            dst = inout(reg) $dst => _,
            groups = inout(reg) $groups => _,
            a = out(xmm_reg) _,
            b = out(xmm_reg) _,
            c = out(xmm_reg) _,
            d = out(xmm_reg) _,
            options(nostack),
        )
    };
}

/// Copies a leading part of `out.len()` elements at `src` into `out` with aligned 16-byte vector loads (see
/// [`copy_from_shared`]) and returns how many elements it copied: none when there are fewer than 64 bytes past the
/// first 16-byte boundary.
///
/// # Safety
/// As [`copy_from_shared`].
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
unsafe fn copy_vectors<T: Element>(src: *const T, out: &mut [T]) -> usize {
    const GROUP: usize = 64;
    let size = std::mem::size_of::<T>();
    let bytes = std::mem::size_of_val(out);
    let head = (src as usize).wrapping_neg() % 16 / size;
    if bytes < head * size + GROUP {
        return 0;
    }
    for (i, slot) in out[..head].iter_mut().enumerate() {
        // SAFETY: i < head <= out.len(), within the caller's valid range.
        *slot = unsafe { T::load(src.wrapping_add(i)) };
    }
    let groups = (bytes - head * size) / GROUP;
    let (src, dst) = (src.wrapping_add(head), out.as_mut_ptr().wrapping_add(head));
    // Both copies below rest on this: `src` is now 16-byte aligned (head elements reach the next multiple of 16;
    // element sizes divide 16) and the `groups * 64` bytes from there lie within the caller's valid range; they go
    // to `out[head..]`, which holds at least as many bytes and is exclusively ours. `groups` is at least 1, so the
    // loop runs at least once. The block touches only those bytes, the four vector registers it names and the three
    // registers it consumes.
    //
    // Inside AVX code (the kernels' SIMD paths) legacy SSE instructions would pay a transition on every load, so the
    // copy uses the VEX encoding of the same 16-byte moves wherever there is AVX.
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: as above; the VEX encoding runs only here, where the processor has AVX.
        unsafe { copy_groups!("vmovaps", "vmovups", src, dst, groups) };
    } else {
        // SAFETY: as above; SSE2 is part of every x86-64 processor.
        unsafe { copy_groups!("movaps", "movups", src, dst, groups) };
    }
    head + groups * GROUP / size
}

/// Copies nothing: where there is no vector copy (other targets, and Miri, which cannot run assembly), the element-wise
/// loads of [`copy_from_shared`] do all the work.
///
/// # Safety
/// None needed; the signature matches the x86-64 version.
#[cfg(not(all(target_arch = "x86_64", not(miri))))]
#[inline(always)]
unsafe fn copy_vectors<T: Element>(_src: *const T, _out: &mut [T]) -> usize {
    0
}

/// The element types whose views can hand their elements to a kernel as doubles in AVX-512 registers
/// ([`ReadView::fold_groups`]): `f64` as it is, `f32` widened on the way in (exactly, as `as f64` widens).
#[cfg(all(target_arch = "x86_64", not(miri)))]
pub(crate) trait RegisterGroups: Element {
    /// Whether a group is loaded as floats and widened to doubles (`vcvtps2pd`) rather than loaded as doubles.
    const WIDENED: bool;
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl RegisterGroups for f64 {
    const WIDENED: bool = false;
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
impl RegisterGroups for f32 {
    const WIDENED: bool = true;
}

/// Elements as doubles in AVX-512 registers (x86-64): what a kernel that streams a view of `f64` or `f32` uses in
/// place of [`ReadView::read_into`] when the processor has AVX-512, so that each element is loaded once, into the
/// register its arithmetic needs, instead of being copied into a local buffer and loaded again from there. On the
/// 2-core bench VM a compensated sum of doubles read this way streamed from memory at 23-24 GB/s, close to plain
/// loads of a private buffer (25); through the 16-byte staged copy it reached 19.
#[cfg(all(target_arch = "x86_64", not(miri)))]
impl<T: Element> ReadView<'_, T> {
    /// Folds each whole group of [`DOUBLES_PER_GROUP`] consecutive elements from the start of the view, as four
    /// vectors of eight doubles, in order, into `init` with `f`; returns the result and how many elements that was
    /// (the last `len % 32` are left for the caller to read another way). Prefetches ([`prefetch_ahead`]) as
    /// [`ReadView::read_into`] does, but without stopping at the end of the view: kernels read a view in blocks that
    /// follow one another, and leaving each block's first 4 KiB unfetched made the sum of 1e8 doubles 8 % slower. A
    /// prefetch is a hint and never faults, so the addresses past the end are harmless.
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
        unsafe { fold_groups_avx512([self.ptr], self.len, init, |acc, [group]| f(acc, group)) }
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
        assert_eq!(self.len, other.len, "paired views must have one length");
        let _proof = simd;
        let mut f = f;
        // SAFETY: as in fold_groups, for both views, which have the same length.
        unsafe { fold_groups_avx512([self.ptr, other.ptr], self.len, init, |acc, [x, y]| f(acc, x, y)) }
    }
}

/// Elements per group of [`ReadView::fold_groups`]: four AVX-512 vectors of doubles.
#[cfg(all(target_arch = "x86_64", not(miri)))]
pub(crate) const DOUBLES_PER_GROUP: usize = 32;

/// The four loads of one group in [`fold_groups_avx512`]: `$load` of a `$size` operand at `$at` and at the byte
/// offsets `$b_at`, `$c_at` and `$d_at` from it, into the registers `$a` to `$d`. Expands to the `asm!` alone, so that each use sits in its own
/// `unsafe` block with the reasoning for its own loads.
#[cfg(all(target_arch = "x86_64", not(miri)))]
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
#[cfg(all(target_arch = "x86_64", not(miri)))]
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

/// The eight doubles of an AVX-512 register.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[target_feature(enable = "avx512f")]
#[inline]
fn doubles_of(v: std::arch::x86_64::__m512d) -> [f64; 8] {
    let mut out = [0.0; 8];
    // SAFETY: `out` is a local array of exactly eight doubles, writable; AVX-512F is enabled in this function.
    unsafe { std::arch::x86_64::_mm512_storeu_pd(out.as_mut_ptr(), v) };
    out
}

impl<'g, T: Element> WriteView<'g, T> {
    /// Makes a writable view of the whole region.
    ///
    /// # Safety
    /// The region's bytes must be readable and writable (as promised to [`Region::new`]) and under a live write export
    /// for all of `'g`, and no other view of them may be alive during `'g`.
    pub(crate) unsafe fn from_region(region: Region) -> Result<Self> {
        let len = element_count::<T>(region)?;
        Ok(WriteView { ptr: region.as_ptr() as *mut T, len, _guard: PhantomData, _elem: PhantomData })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element at `index`.
    ///
    /// # Panics
    /// When `index >= len`.
    #[inline(always)]
    pub fn get(&self, index: usize) -> T {
        self.as_read().get(index)
    }

    /// Stores `value` at `index`.
    ///
    /// # Panics
    /// When `index >= len`.
    #[inline(always)]
    pub fn set(&mut self, index: usize, value: T) {
        assert!(index < self.len, "index {index} out of bounds for a view of {}", self.len);
        // SAFETY: in bounds; memory valid, aligned and writable for 'g, and this view is its only writer in Rust.
        unsafe { T::store(self.ptr.wrapping_add(index), value) }
    }

    /// Copies `values` into the view starting at `start`.
    ///
    /// # Panics
    /// When the range reaches past the end.
    pub fn write_from(&mut self, start: usize, values: &[T]) {
        let end = start.checked_add(values.len()).expect("range overflow");
        assert!(end <= self.len, "range {start}..{end} out of bounds for {}", self.len);
        for (i, v) in values.iter().enumerate() {
            // SAFETY: start + i < end <= len, within the view's writable memory.
            unsafe { T::store(self.ptr.wrapping_add(start + i), *v) };
        }
    }

    /// A read-only view of the same elements, borrowing this one.
    pub fn as_read(&self) -> ReadView<'_, T> {
        ReadView { ptr: self.ptr, len: self.len, _guard: PhantomData, _elem: PhantomData }
    }

    /// Splits the view into the elements before `mid` and from `mid` on. Each half can be written independently (on
    /// different threads).
    ///
    /// # Panics
    /// When `mid > len`.
    pub fn split_at(self, mid: usize) -> (WriteView<'g, T>, WriteView<'g, T>) {
        assert!(mid <= self.len, "split point {mid} out of bounds for {}", self.len);
        let head = WriteView { ptr: self.ptr, len: mid, _guard: PhantomData, _elem: PhantomData };
        let tail =
            WriteView { ptr: self.ptr.wrapping_add(mid), len: self.len - mid, _guard: PhantomData, _elem: PhantomData };
        (head, tail)
    }

    /// The view cut into disjoint consecutive sub-views of `size` elements (the last may be shorter), to be written in
    /// parallel.
    ///
    /// # Panics
    /// When `size` is 0.
    pub fn into_chunks(self, size: usize) -> Vec<WriteView<'g, T>> {
        assert!(size > 0, "chunk size must be positive");
        let mut out = Vec::with_capacity(self.len.div_ceil(size));
        let mut rest = self;
        while rest.len > size {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
        if rest.len > 0 {
            out.push(rest);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use crate::region::OwnedBuffer;

    #[test]
    fn views_read_and_write_through_guards() {
        let buf = OwnedBuffer::zeroed(64);
        let ledger = Ledger::new();
        let mut w = ledger.write(buf.region()).unwrap();
        {
            let mut v = w.view_mut::<f64>().unwrap();
            assert_eq!(v.len(), 8);
            for i in 0..8 {
                v.set(i, i as f64 * 0.5);
            }
        }
        drop(w);
        let r = ledger.read(buf.region()).unwrap();
        let v = r.view::<f64>().unwrap();
        assert_eq!(v.to_vec(), vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5]);
        assert_eq!(v.slice(2..4).to_vec(), vec![1.0, 1.5]);
        let chunks: Vec<Vec<f64>> = v.chunks(3).map(|c| c.to_vec()).collect();
        assert_eq!(chunks, vec![vec![0.0, 0.5, 1.0], vec![1.5, 2.0, 2.5], vec![3.0, 3.5]]);
    }

    /// `fold_groups` hands over every whole group in order, element for element as `get` reads them (floats
    /// widened), from every offset within a cache line, and leaves the partial group at the end to the caller.
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    fn register_groups_match_single_loads<T: RegisterGroups>(make: impl Fn(usize) -> T, widen: impl Fn(T) -> f64) {
        let Some(simd) = pulp::x86::V4::try_new() else {
            return; // the groups exist only on processors with AVX-512 (the bench and CI machines have it)
        };
        let count = 1024;
        let buf = OwnedBuffer::zeroed(count * std::mem::size_of::<T>());
        let ledger = Ledger::new();
        let values: Vec<T> = (0..count).map(make).collect();
        ledger.write(buf.region()).unwrap().view_mut::<T>().unwrap().write_from(0, &values);
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<T>().unwrap();
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
    }

    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn register_groups_of_doubles_match_single_loads() {
        register_groups_match_single_loads(|i| i as f64 * 1.25 - 7.0, |x| x);
    }

    #[cfg(all(target_arch = "x86_64", not(miri)))]
    #[test]
    fn register_groups_of_floats_match_single_loads() {
        // Values that need every bit of a float's mantissa, so a conversion that rounded would show.
        register_groups_match_single_loads(|i| (i as f32 + 0.5) * (1.0 + f32::EPSILON) - 300.0, f64::from);
    }

    /// `read_into` against element-by-element `get`, from every offset of a 16-byte line and for lengths around the
    /// vector copy's 64-byte groups, so the aligned middle, the unaligned head and the tail all get checked.
    fn copies_match_single_loads<T: Element>(make: impl Fn(usize) -> T) {
        let count = 4096 / std::mem::size_of::<T>();
        let buf = OwnedBuffer::zeroed(count * std::mem::size_of::<T>());
        let ledger = Ledger::new();
        let values: Vec<T> = (0..count).map(make).collect();
        ledger.write(buf.region()).unwrap().view_mut::<T>().unwrap().write_from(0, &values);
        let guard = ledger.read(buf.region()).unwrap();
        let view = guard.view::<T>().unwrap();
        // Miri runs only the element-wise fallback (no assembly), slowly: a few lengths around the 16- and 64-byte
        // edges show it sound; natively every length up to 200 runs through the vector copy's head, groups and tail.
        let lengths: Vec<usize> = if cfg!(miri) { vec![0, 1, 7, 8, 9, 31, 64, 65, 130] } else { (0..200).collect() };
        for start in 0..16 / std::mem::size_of::<T>() + 1 {
            for len in lengths.iter().copied().chain([count - start]) {
                let mut out = vec![T::default(); len];
                view.read_into(start, &mut out);
                let want: Vec<T> = (start..start + len).map(|i| view.get(i)).collect();
                assert_eq!(out, want, "start {start}, len {len}");
            }
        }
    }

    #[test]
    fn bulk_copies_read_every_element_from_any_offset() {
        copies_match_single_loads(|i| i as u8);
        copies_match_single_loads(|i| (i * 7) as i16);
        copies_match_single_loads(|i| (i * 13) as f32);
        copies_match_single_loads(|i| (i as u64) << 40 | i as u64);
        copies_match_single_loads(|i| i as f64 * -0.25);
    }

    #[test]
    fn misaligned_and_ragged_regions_are_refused() {
        let buf = OwnedBuffer::zeroed(64);
        let ledger = Ledger::new();
        let r = ledger.read(buf.region().sub(4, 16).unwrap()).unwrap();
        assert_eq!(r.view::<f64>().unwrap_err().code(), "ERR_PARABUF_MISALIGNED");
        assert_eq!(r.view::<f32>().unwrap().len(), 4);
        let ragged = ledger.read(buf.region().sub(0, 6).unwrap()).unwrap();
        assert_eq!(ragged.view::<u32>().unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
    }

    #[test]
    fn split_views_write_disjoint_halves_in_parallel() {
        let buf = OwnedBuffer::zeroed(8 * 1000);
        let ledger = Ledger::new();
        let mut w = ledger.write(buf.region()).unwrap();
        let v = w.view_mut::<u64>().unwrap();
        let chunks = v.into_chunks(300);
        assert_eq!(chunks.iter().map(WriteView::len).collect::<Vec<_>>(), vec![300, 300, 300, 100]);
        std::thread::scope(|s| {
            for (c, mut chunk) in chunks.into_iter().enumerate() {
                s.spawn(move || {
                    for i in 0..chunk.len() {
                        chunk.set(i, (c * 300 + i) as u64);
                    }
                });
            }
        });
        let v = w.view::<u64>().unwrap();
        assert!(v.iter().enumerate().all(|(i, x)| x == i as u64));
    }

    #[test]
    fn every_element_type_round_trips() {
        fn round_trip<T: Element>(value: T) {
            let buf = OwnedBuffer::zeroed(32);
            let ledger = Ledger::new();
            let mut w = ledger.write(buf.region()).unwrap();
            let mut v = w.view_mut::<T>().unwrap();
            let last = v.len() - 1;
            v.set(last, value);
            assert_eq!(v.get(last), value);
            assert_eq!(v.get(0), T::default());
        }
        round_trip(-5i8);
        round_trip(250u8);
        round_trip(-300i16);
        round_trip(60000u16);
        round_trip(-7i32);
        round_trip(4_000_000_000u32);
        round_trip(i64::MIN);
        round_trip(u64::MAX);
        round_trip(f16::from_f32(1.5));
        round_trip(-0.25f32);
        round_trip(1e300f64);
    }
}
