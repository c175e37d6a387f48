//! Memory access and SIMD in one place: the one detection of the processor's instruction sets ([`simd_arch`]), the
//! prefetches that run ahead of every reader, the bulk copy of shared memory into local buffers
//! ([`copy_from_shared`]), and on x86-64 the inline assembly that loads views straight into AVX-512 registers
//! (`ReadView::fold_groups`). Laid out as memchr's `arch`: this file holds what every target shares, `x86_64` the
//! code for x86-64 processors, `portable` what stands in for it elsewhere and under Miri (which cannot run assembly).
//! Whether a build gets the x86-64 code is decided here, once; kernels reach AVX-512 only through [`with_avx512`].
//!
//! Outside the view, ledger and region modules, this is the only place with `unsafe` code: everything here touches
//! shared memory through raw pointers or assembly, under the rules the module `view` sets out.

use std::sync::OnceLock;

use pulp::Arch;

use crate::view::Element;

#[cfg(all(target_arch = "x86_64", not(miri)))]
mod x86_64;
#[cfg(all(target_arch = "x86_64", not(miri)))]
use x86_64 as imp;
#[cfg(all(target_arch = "x86_64", not(miri)))]
pub(crate) use x86_64::avx512::{RegisterGroups, DOUBLES_PER_GROUP};

#[cfg(not(all(target_arch = "x86_64", not(miri))))]
mod portable;
#[cfg(not(all(target_arch = "x86_64", not(miri))))]
use portable as imp;

pub(crate) use imp::{prefetch, store_fence};

/// The instruction sets of this processor that pulp's vector code can use, detected once: the one place parabuf asks
/// the processor what it has.
pub(crate) fn simd_arch() -> Arch {
    static ARCH: OnceLock<Arch> = OnceLock::new();
    *ARCH.get_or_init(Arch::new)
}

/// `Some(f(simd))` when the processor has AVX-512 (pulp's [`pulp::x86::V4`], the proof kernels hand to
/// `ReadView::fold_groups`), `None` otherwise. The one way kernels reach their AVX-512 halves: it exists only on
/// x86-64 outside Miri, where those halves exist, and elsewhere kernels take their portable paths.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
pub(crate) fn with_avx512<R>(f: impl FnOnce(pulp::x86::V4) -> R) -> Option<R> {
    match simd_arch() {
        Arch::V4(simd) => Some(f(simd)),
        _ => None,
    }
}

/// How far ahead of a copy [`ReadView::read_into`] asks the processor to start fetching (chosen by measurement:
/// bench/README.md, "Prefetch distances").
const PREFETCH_AHEAD: usize = 4096;

/// How far ahead of a reader [`prefetch_ahead`] touches each new 4 KiB page, so that its address translation is ready
/// before the line prefetches reach it. The processor's own prefetchers stop at page boundaries, and a prefetch into a
/// page missing from the TLB first waits for a page walk (two-dimensional in a virtual machine). JavaScript memory
/// lives in 4 KiB pages. Chosen by measurement: bench/README.md, "Prefetch distances".
const TRANSLATION_AHEAD: usize = 32 * 1024;

/// Bytes per page of the smallest kind, the unit in which [`TRANSLATION_AHEAD`] touches memory.
const PAGE: usize = 4096;

/// How far ahead [`prefetch_ahead`] asks for the first [`PAGE_HEAD_LINES`] lines of each page, well before the line
/// prefetches reach them: the processor's stream prefetcher stops at every page boundary and starts each page cold, so
/// a page's first lines are the ones with nothing else in flight. Chosen by measurement: bench/README.md, "Prefetch
/// distances".
const PAGE_HEAD_AHEAD: usize = 16 * 1024;

/// Lines at the start of a page that [`PAGE_HEAD_AHEAD`] fetches early.
const PAGE_HEAD_LINES: usize = 8;

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
pub(crate) unsafe fn copy_from_shared<T: Element>(src: *const T, out: &mut [T], ahead: usize) {
    let bytes = std::mem::size_of_val(out);
    prefetch_ahead(src as *const u8, bytes, bytes + ahead);
    // SAFETY: the caller's guarantees are those `copy_vectors` asks for.
    let done = unsafe { imp::copy_vectors(src, out) };
    for (i, slot) in out.iter_mut().enumerate().skip(done) {
        // SAFETY: i < out.len(), within the caller's valid range.
        *slot = unsafe { T::load(src.wrapping_add(i)) };
    }
}

/// Copies `values` into shared memory at `dst`, every element written whole: the counterpart of
/// [`copy_from_shared`], for kernels whose output goes out in whole stages.
///
/// On x86-64 the middle of the destination, from its first 16-byte boundary, goes through aligned vector stores in
/// inline assembly, 64 bytes at a time, on the footing of [`copy_from_shared`]'s loads (each naturally aligned element
/// inside an aligned 16-byte store is written in one access): a core's store buffer then holds a fraction of the
/// entries that one store per element takes, and it need not wait for them as soon. The ends, every other target and
/// Miri use [`Element::store`].
///
/// # Safety
/// `dst` must be aligned to [`Element::ALIGN`] and valid for writes of `values.len()` elements, and no Rust reference
/// may cover those bytes.
#[inline(always)]
pub(crate) unsafe fn copy_to_shared<T: Element>(dst: *mut T, values: &[T]) {
    let size = std::mem::size_of::<T>();
    let head = ((dst as usize).wrapping_neg() % 16 / size).min(values.len());
    let groups = (values.len() - head) * size / 64;
    let middle = head + groups * 64 / size;
    for i in (0..head).chain(middle..values.len()) {
        // SAFETY: i < values.len(), within the caller's valid range.
        unsafe { T::store(dst.wrapping_add(i), values[i]) };
    }
    if groups > 0 {
        // SAFETY: `dst + head` is 16-byte aligned (head elements reach the next multiple of 16; element sizes divide
        // 16), and the `groups * 64` bytes from there are within the caller's valid range; `values[head..middle]`
        // holds as many bytes.
        unsafe { imp::store_vectors(dst.wrapping_add(head), &values[head..middle], groups) };
    }
}
