//! The x86-64 code of [`arch`](super): the prefetch instruction, the copy loop in inline assembly, and (in
//! [`avx512`]) the loads of views straight into AVX-512 registers.

use crate::view::Element;

pub(crate) mod avx512;

/// Asks the processor to start loading the cache line at `address` into L2 (`prefetcht1`; the portable version does
/// nothing). Into L2 rather than L1 (`prefetcht0`): an L1 prefetch holds one of the core's few line-fill buffers
/// until the line arrives, and with 4 KiB in flight the demand loads then waited for buffers (perf showed the
/// prefetches themselves as the hottest instructions; measured: bench/README.md, "Prefetch distances"). A hint: it
/// never faults and has no effect a program can observe other than timing, so any address is fine.
#[inline(always)]
pub(crate) fn prefetch(address: *const u8) {
    // SAFETY: SSE, the one target feature `_mm_prefetch` needs, is part of every x86-64 processor; a prefetch reads
    // nothing architecturally, so no address can make it undefined behaviour.
    unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(address.cast()) };
}

/// Waits until every earlier store, the weakly ordered non-temporal ones included, is visible to other cores
/// (`sfence`): what a writer with non-temporal stores does before its output may be read elsewhere.
#[inline(always)]
pub(crate) fn store_fence() {
    // SAFETY: SSE, the one target feature `_mm_sfence` needs, is part of every x86-64 processor; a fence touches no
    // memory.
    unsafe { std::arch::x86_64::_mm_sfence() };
}

/// The loop of [`copy_vectors`]: `groups` times, four aligned 16-byte loads (`$load`) from `$src` and four stores
/// (`$store`) to `$dst`, 64 bytes each time. Must be used inside an `unsafe` block whose obligations cover those bytes.
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
/// [`copy_from_shared`](super::copy_from_shared)) and returns how many elements it copied: none when there are fewer
/// than 64 bytes past the first 16-byte boundary.
///
/// # Safety
/// As [`copy_from_shared`](super::copy_from_shared).
#[inline(always)]
pub(super) unsafe fn copy_vectors<T: Element>(src: *const T, out: &mut [T]) -> usize {
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

/// Stores `groups` times 64 bytes from `values` (which holds at least as many bytes) at `dst` with aligned 16-byte
/// vector stores (see [`copy_to_shared`](super::copy_to_shared)), in the VEX encoding where there is AVX (as
/// [`copy_vectors`]).
///
/// # Safety
/// `dst` must be 16-byte aligned and valid for writes of `groups * 64` bytes, and no Rust reference may cover them;
/// `groups` must be at least 1.
#[inline(always)]
pub(super) unsafe fn store_vectors<T: Element>(dst: *mut T, values: &[T], groups: usize) {
    assert!(std::mem::size_of_val(values) >= groups * 64 && groups > 0);
    let src = values.as_ptr();
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the `groups * 64` bytes read from `src` are within `values` (asserted); those written at `dst` are
        // the caller's, 16-byte aligned as `vmovaps` needs; `groups` is at least 1, so the loop runs at least once.
        // The block touches only those bytes, the four vector registers it names and the three registers it consumes.
        unsafe { copy_groups!("vmovups", "vmovaps", src, dst, groups) };
    } else {
        // SAFETY: as above, in the SSE encoding that every x86-64 processor has.
        unsafe { copy_groups!("movups", "movaps", src, dst, groups) };
    }
}
