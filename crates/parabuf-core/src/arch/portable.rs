//! What stands in for the x86-64 code of [`arch`](super) on other targets and under Miri: no prefetches and no vector
//! copy, so every element goes through [`Element::load`].

use crate::view::Element;

/// Does nothing: the prefetch hint exists only in the x86-64 code (see there).
#[inline(always)]
pub(crate) fn prefetch(address: *const u8) {
    let _ = address;
}

/// Does nothing: only the x86-64 code has weakly ordered (non-temporal) stores to wait for.
#[inline(always)]
pub(crate) fn store_fence() {}

/// Copies nothing: where there is no vector copy (other targets, and Miri, which cannot run assembly), the element-wise
/// loads of [`copy_from_shared`](super::copy_from_shared) do all the work.
///
/// # Safety
/// None needed; the signature matches the x86-64 version.
#[inline(always)]
pub(super) unsafe fn copy_vectors<T: Element>(_src: *const T, _out: &mut [T]) -> usize {
    0
}

/// Stores `groups` times 64 bytes from `values` at `dst` with [`Element::store`]: there is no vector store outside
/// the x86-64 code.
///
/// # Safety
/// As the x86-64 version.
#[inline(always)]
pub(super) unsafe fn store_vectors<T: Element>(dst: *mut T, values: &[T], groups: usize) {
    let n = groups * 64 / std::mem::size_of::<T>();
    for (i, v) in values[..n].iter().enumerate() {
        // SAFETY: i < n, within the caller's valid range.
        unsafe { T::store(dst.wrapping_add(i), *v) };
    }
}
