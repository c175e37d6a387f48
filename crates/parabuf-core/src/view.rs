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
//! with aligned vector loads in inline assembly (see `arch::copy_from_shared`): each naturally aligned element inside
//! such a load is read in one access, so the guarantee is the same — old or new value, never a torn element. On
//! processors with AVX-512, views of doubles can also hand a kernel their elements 32 at a time straight in vector
//! registers (`ReadView::fold_groups`, in the `arch` module with every other piece of assembly and SIMD detection),
//! from 64-byte loads in inline assembly with the same guarantee (see there for what it rests on).

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{
    AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed,
};

use half::f16;

use crate::arch;
use crate::error::{Error, Result};
use crate::layout::Layout;
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

    /// The address of the first element, for the bulk reads of the [`arch`] module, which must keep to the view's
    /// `len` elements and, like every access through a view, never make a Rust reference to them.
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> *const T {
        self.ptr
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
        unsafe { arch::copy_from_shared(self.as_ptr().wrapping_add(start), out, ahead) };
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

    /// Copies `values` into the view starting at `start`, as [`WriteView::write_from`] does, with vector stores where
    /// the processor has them (see `arch::copy_to_shared`): for kernels that write whole stages.
    ///
    /// # Panics
    /// When the range reaches past the end.
    #[inline(always)]
    pub(crate) fn write_vectors_from(&mut self, start: usize, values: &[T]) {
        let end = start.checked_add(values.len()).expect("range overflow");
        assert!(end <= self.len, "range {start}..{end} out of bounds for {}", self.len);
        // SAFETY: start..end is within the view's writable memory, which is valid and aligned for 'g, and which no Rust
        // reference covers: this view is its only writer.
        unsafe { arch::copy_to_shared(self.ptr.wrapping_add(start), values) };
    }

    /// The address of the first element, for the bulk writes of the [`arch`] module, which must keep to the view's
    /// `len` elements and, like every access through a view, never make a Rust reference to them.
    #[inline(always)]
    pub(crate) fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr
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

/// A read-only view of the elements a [`Layout`] reaches in a typed array, valid while the guard it borrows from
/// (`'g`) lives.
///
/// Like [`ReadView`], it never forms a Rust reference to the elements: each is read by one relaxed atomic load, and
/// runs along an axis of stride 1 (or -1) are copied in bulk ([`StridedReadView::read_run`]).
pub struct StridedReadView<'g, T: Element> {
    /// Element 0 of the data the layout indexes (which need not be an element the layout reaches).
    base: *const T,
    layout: Layout,
    _guard: PhantomData<&'g ReadGuard>,
    _elem: PhantomData<T>,
}

/// A read-write view of the elements a [`Layout`] reaches in a typed array, borrowing its guard exclusively for
/// `'g`. Its layout reaches each element by one index only ([`Layout::check_writable`]), so the sub-views of
/// [`StridedWriteView::split_axis`] share no element and may be written from different threads.
pub struct StridedWriteView<'g, T: Element> {
    base: *mut T,
    layout: Layout,
    _guard: PhantomData<&'g mut WriteGuard>,
    _elem: PhantomData<T>,
}

// SAFETY: as for ReadView: only atomic loads of memory that stays valid and exported for 'g.
unsafe impl<T: Element> Send for StridedReadView<'_, T> {}
// SAFETY: as for Send.
unsafe impl<T: Element> Sync for StridedReadView<'_, T> {}
// SAFETY: as for WriteView: atomic loads and stores of memory that stays valid for 'g; moving the view moves the
// exclusive right to write its elements with it.
unsafe impl<T: Element> Send for StridedWriteView<'_, T> {}
// SAFETY: shared references to a StridedWriteView allow only atomic loads (`get`, `as_read`), which are race-free.
unsafe impl<T: Element> Sync for StridedWriteView<'_, T> {}

impl<T: Element> fmt::Debug for StridedReadView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StridedReadView").field("base", &self.base).field("layout", &self.layout).finish()
    }
}

impl<T: Element> fmt::Debug for StridedWriteView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StridedWriteView").field("base", &self.base).field("layout", &self.layout).finish()
    }
}

impl<T: Element> Clone for StridedReadView<'_, T> {
    fn clone(&self) -> Self {
        StridedReadView { base: self.base, layout: self.layout.clone(), _guard: PhantomData, _elem: PhantomData }
    }
}

/// Checks that `layout` reaches only elements of `data` as an aligned array of `T`.
fn check_strided<T: Element>(data: Region, layout: &Layout) -> Result<()> {
    let size = std::mem::size_of::<T>();
    if !data.is_empty() && !data.addr().is_multiple_of(T::ALIGN) {
        return Err(Error::Misaligned { address: data.addr(), align: T::ALIGN });
    }
    if let Some(span) = layout.element_span() {
        if span.end > data.len() / size {
            return Err(Error::out_of_range(format!(
                "a layout reaching element {} is outside data of {} {size}-byte elements",
                span.end - 1,
                data.len() / size
            )));
        }
    }
    Ok(())
}

/// The element index of `index` in `layout`, checked to be inside the shape.
///
/// # Panics
/// When `index` is outside the layout's shape (kernels stay in bounds; the binding turns a panic into
/// `ERR_PARABUF_INTERNAL`).
#[inline]
fn element_index(layout: &Layout, index: &[usize]) -> usize {
    layout.element_of(index).unwrap_or_else(|| panic!("index {index:?} outside shape {:?}", layout.shape()))
}

/// The first element and the step of the run of `len` elements from `index` along `axis`.
///
/// # Panics
/// When `index` is outside the shape, `axis` is not an axis, or the run reaches past the end of the axis.
#[inline]
fn run_of(layout: &Layout, index: &[usize], axis: usize, len: usize) -> (usize, isize) {
    let first = element_index(layout, index);
    let size = layout.shape()[axis];
    assert!(index[axis] + len <= size, "a run of {len} from {} outside axis {axis} of size {size}", index[axis]);
    (first, layout.strides()[axis])
}

impl<'g, T: Element> StridedReadView<'g, T> {
    /// A view of the elements `layout` reaches in `data`, an array of `T`.
    ///
    /// # Safety
    /// Every element `layout` reaches in `data` must be readable (as promised to [`Region::new`]) and under a live
    /// export for all of `'g`.
    pub(crate) unsafe fn from_parts(data: Region, layout: Layout) -> Result<Self> {
        check_strided::<T>(data, &layout)?;
        Ok(StridedReadView { base: data.as_ptr() as *const T, layout, _guard: PhantomData, _elem: PhantomData })
    }

    /// The layout: shape, strides and offset in elements.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The number of indices.
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// Whether there are no indices.
    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }

    /// The element at `index`.
    ///
    /// # Panics
    /// When `index` is outside the shape.
    #[inline]
    pub fn get(&self, index: &[usize]) -> T {
        let e = element_index(&self.layout, index);
        // SAFETY: `e` is an element the layout reaches, valid, aligned and exported for 'g (from_parts's contract).
        unsafe { T::load(self.base.wrapping_add(e)) }
    }

    /// Copies the `out.len()` elements from `index` along `axis` into `out` (`out[j]` is the element at `index` with
    /// `j` added along `axis`). A step of 1 or -1 copies in bulk, as [`ReadView::read_into`] does.
    ///
    /// # Panics
    /// When `index` is outside the shape or the run reaches past the end of `axis`.
    #[inline]
    pub fn read_run(&self, index: &[usize], axis: usize, out: &mut [T]) {
        if out.is_empty() {
            return;
        }
        let (first, step) = run_of(&self.layout, index, axis, out.len());
        // The next run a kernel reads may lie anywhere, so prefetches stay within this one (no bytes `ahead`): the
        // bytes after it in memory may be another task's, and fetching them would only take bandwidth.
        match step {
            1 => {
                // SAFETY: the run's elements first..first + len are all reached by the layout (indices along `axis`
                // within its size), so valid, aligned and exported for 'g; `out` is local to the caller.
                unsafe { arch::copy_from_shared(self.base.wrapping_add(first), out, 0) };
            }
            -1 => {
                let lowest = first + 1 - out.len();
                // SAFETY: as above, for the elements lowest..=first, which the run reaches from its end back.
                unsafe { arch::copy_from_shared(self.base.wrapping_add(lowest), out, 0) };
                out.reverse();
            }
            _ => {
                for (j, slot) in out.iter_mut().enumerate() {
                    let e = first.wrapping_add_signed(step * j as isize);
                    // SAFETY: the element at `index` plus `j` along `axis` is reached by the layout (checked by
                    // run_of), so valid, aligned and exported for 'g.
                    *slot = unsafe { T::load(self.base.wrapping_add(e)) };
                }
            }
        }
    }

    /// The run of `len` elements from `index` along `axis` as a contiguous [`ReadView`], in memory order (the reverse
    /// of index order when the axis's stride is -1), so that whole-array kernels can run on it; `None` unless the
    /// axis's stride is 1 or -1.
    ///
    /// # Panics
    /// When `index` is outside the shape or the run reaches past the end of `axis`.
    pub fn contiguous_run(&self, index: &[usize], axis: usize, len: usize) -> Option<ReadView<'g, T>> {
        if len == 0 {
            return Some(ReadView { ptr: self.base, len: 0, _guard: PhantomData, _elem: PhantomData });
        }
        let (first, step) = run_of(&self.layout, index, axis, len);
        let lowest = match step {
            1 => first,
            -1 => first + 1 - len,
            _ => return None,
        };
        // The run's elements lowest..lowest + len are all reached by the layout (indices along `axis` within its
        // size), so they are under this view's export for 'g, as a ReadView's elements must be.
        Some(ReadView { ptr: self.base.wrapping_add(lowest), len, _guard: PhantomData, _elem: PhantomData })
    }

    /// The same elements with the axes reordered ([`Layout::permuted`]).
    ///
    /// # Errors
    /// As [`Layout::permuted`].
    pub fn permuted(&self, axes: &[usize]) -> Result<StridedReadView<'g, T>> {
        Ok(self.with_layout(self.layout.permuted(axes)?))
    }

    /// The indices `range` along `axis` ([`Layout::sliced`]).
    ///
    /// # Panics
    /// As [`Layout::sliced`].
    pub fn sliced(&self, axis: usize, range: Range<usize>) -> StridedReadView<'g, T> {
        self.with_layout(self.layout.sliced(axis, range))
    }

    /// The elements at index `i` along `axis`, without that dimension ([`Layout::indexed`]).
    ///
    /// # Panics
    /// As [`Layout::indexed`].
    pub fn indexed(&self, axis: usize, i: usize) -> StridedReadView<'g, T> {
        self.with_layout(self.layout.indexed(axis, i))
    }

    /// The same elements in the same order with the fewest dimensions ([`Layout::coalesced`]).
    pub fn coalesced(&self) -> StridedReadView<'g, T> {
        self.with_layout(self.layout.coalesced())
    }

    /// Axes `axis` and `axis + 1` as one, when they chain ([`Layout::merged`]).
    pub fn merged(&self, axis: usize) -> Option<StridedReadView<'g, T>> {
        self.layout.merged(axis).map(|layout| self.with_layout(layout))
    }

    /// This view's data through `layout`, which reaches only elements this view's layout reaches (the layout
    /// methods used above guarantee it).
    fn with_layout(&self, layout: Layout) -> StridedReadView<'g, T> {
        StridedReadView { base: self.base, layout, _guard: PhantomData, _elem: PhantomData }
    }
}

impl<'g, T: Element> StridedWriteView<'g, T> {
    /// A writable view of the elements `layout` reaches in `data`, an array of `T`.
    ///
    /// # Errors
    /// As [`StridedReadView`]'s, and `ERR_INVALID_ARG_VALUE` when two indices of `layout` reach one element.
    ///
    /// # Safety
    /// Every element `layout` reaches in `data` must be readable and writable (as promised to [`Region::new`]) and
    /// under a live write export for all of `'g`, and no other view of them may be alive during `'g`.
    pub(crate) unsafe fn from_parts(data: Region, layout: Layout) -> Result<Self> {
        check_strided::<T>(data, &layout)?;
        layout.check_writable()?;
        Ok(StridedWriteView { base: data.as_ptr() as *mut T, layout, _guard: PhantomData, _elem: PhantomData })
    }

    /// The layout: shape, strides and offset in elements.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The number of indices (each reaching its own element).
    pub fn len(&self) -> usize {
        self.layout.len()
    }

    /// Whether there are no indices.
    pub fn is_empty(&self) -> bool {
        self.layout.is_empty()
    }

    /// A read-only view of the same elements, borrowing this one.
    pub fn as_read(&self) -> StridedReadView<'_, T> {
        StridedReadView { base: self.base, layout: self.layout.clone(), _guard: PhantomData, _elem: PhantomData }
    }

    /// The element at `index`.
    ///
    /// # Panics
    /// When `index` is outside the shape.
    pub fn get(&self, index: &[usize]) -> T {
        self.as_read().get(index)
    }

    /// Stores `value` at `index`.
    ///
    /// # Panics
    /// When `index` is outside the shape.
    #[inline]
    pub fn set(&mut self, index: &[usize], value: T) {
        let e = element_index(&self.layout, index);
        // SAFETY: `e` is reached by the layout, so valid, aligned, writable and exported for writing for 'g, and this
        // view is its only writer in Rust.
        unsafe { T::store(self.base.wrapping_add(e), value) }
    }

    /// Stores `values` from `index` along `axis` (`values[j]` at `index` with `j` added along `axis`).
    ///
    /// # Panics
    /// When `index` is outside the shape or the run reaches past the end of `axis`.
    #[inline]
    pub fn write_run(&mut self, index: &[usize], axis: usize, values: &[T]) {
        if values.is_empty() {
            return;
        }
        let (first, step) = run_of(&self.layout, index, axis, values.len());
        for (j, &value) in values.iter().enumerate() {
            let e = first.wrapping_add_signed(step * j as isize);
            // SAFETY: the element at `index` plus `j` along `axis` is reached by the layout (checked by run_of), so
            // valid, aligned and writable for 'g, and this view is its only writer in Rust.
            unsafe { T::store(self.base.wrapping_add(e), value) };
        }
    }

    /// Splits the view along `axis` into the indices before `mid` and from `mid` on. The halves share no element
    /// (each element is reached by one index only), so they can be written independently, on different threads.
    ///
    /// # Panics
    /// When `axis` is not an axis or `mid` is past its end.
    pub fn split_axis(self, axis: usize, mid: usize) -> (StridedWriteView<'g, T>, StridedWriteView<'g, T>) {
        let size = self.layout.shape()[axis];
        let head = self.layout.sliced(axis, 0..mid);
        let tail = self.layout.sliced(axis, mid..size);
        let part = |layout| StridedWriteView { base: self.base, layout, _guard: PhantomData, _elem: PhantomData };
        (part(head), part(tail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::with_view;
    use crate::layout::Layout;
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

    /// The buffer the bulk-copy tests work in. Under Miri every element access is interpreted and every write test
    /// copies the whole buffer in and out per case, so a 4 KiB buffer made each Miri pass take a quarter of an hour;
    /// 512 bytes still hold every length Miri checks from every start, in every element size but the widest.
    fn bulk_copy_bytes() -> usize {
        if cfg!(miri) {
            512
        } else {
            4096
        }
    }

    /// The first elements the bulk-copy tests start at: every offset within a 16-byte line natively; under Miri the
    /// line's first, second and last: aligned, misaligned by one element, and aligned again one line further in.
    fn bulk_copy_starts<T: Element>() -> Vec<usize> {
        let line = 16 / std::mem::size_of::<T>();
        if cfg!(miri) {
            let mut starts = vec![0, 1.min(line), line];
            starts.dedup();
            starts
        } else {
            (0..line + 1).collect()
        }
    }

    /// `read_into` against element-by-element `get`, from every offset of a 16-byte line and for lengths around the
    /// vector copy's 64-byte groups, so the aligned middle, the unaligned head and the tail all get checked.
    fn copies_match_single_loads<T: Element>(make: impl Fn(usize) -> T) {
        let count = bulk_copy_bytes() / std::mem::size_of::<T>();
        let values: Vec<T> = (0..count).map(make).collect();
        with_view(&values, |view| {
            // Miri runs only the element-wise fallback (no assembly), slowly: a few lengths around the 16- and 64-byte
            // edges show it sound; natively every length up to 200 runs through the vector copy's head, groups and tail.
            let lengths: Vec<usize> =
                if cfg!(miri) { vec![0, 1, 7, 8, 9, 31, 64, 65, 130] } else { (0..200).collect() };
            for start in bulk_copy_starts::<T>() {
                for len in lengths.iter().copied().filter(|&len| len <= count - start).chain([count - start]) {
                    let mut out = vec![T::default(); len];
                    view.read_into(start, &mut out);
                    let want: Vec<T> = (start..start + len).map(|i| view.get(i)).collect();
                    assert_eq!(out, want, "start {start}, len {len}");
                }
            }
        });
    }

    #[test]
    fn bulk_copies_read_every_element_from_any_offset() {
        copies_match_single_loads(|i| i as u8);
        copies_match_single_loads(|i| (i * 7) as i16);
        copies_match_single_loads(|i| (i * 13) as f32);
        copies_match_single_loads(|i| (i as u64) << 40 | i as u64);
        copies_match_single_loads(|i| i as f64 * -0.25);
    }

    /// [`WriteView::write_vectors_from`] at every offset within 16 bytes and every length up to 200 (a few under
    /// Miri) writes exactly its values, and nothing either side of them.
    fn vector_writes_match_single_stores<T: Element>(make: impl Fn(usize) -> T) {
        let count = bulk_copy_bytes() / std::mem::size_of::<T>();
        let values: Vec<T> = (0..count).map(make).collect();
        let lengths: Vec<usize> = if cfg!(miri) { vec![0, 1, 7, 8, 9, 31, 64, 65, 130] } else { (0..200).collect() };
        for start in bulk_copy_starts::<T>() {
            for len in lengths.iter().copied().filter(|&len| len <= count - start).chain([count - start]) {
                let (_, written) = crate::kernels::testutil::with_view_mut(&vec![T::default(); count], |mut view| {
                    view.write_vectors_from(start, &values[..len]);
                });
                let want: Vec<T> = (0..count)
                    .map(|i| if (start..start + len).contains(&i) { values[i - start] } else { T::default() })
                    .collect();
                assert_eq!(written, want, "start {start}, len {len}");
            }
        }
    }

    #[test]
    fn bulk_copies_write_every_element_at_any_offset() {
        vector_writes_match_single_stores(|i| (i % 255 + 1) as u8);
        vector_writes_match_single_stores(|i| (i * 7 + 1) as i16);
        vector_writes_match_single_stores(|i| (i * 13 + 1) as f32);
        vector_writes_match_single_stores(|i| (i as u64) << 40 | (i as u64 + 1));
        vector_writes_match_single_stores(|i| i as f64 * -0.25 - 1.0);
    }

    /// An 8 × 6 matrix of doubles in parabuf-owned memory, element `e` holding `e`.
    fn matrix() -> (std::sync::Arc<OwnedBuffer>, Ledger) {
        let buf = OwnedBuffer::zeroed(8 * 48);
        let ledger = Ledger::new();
        let values: Vec<f64> = (0..48).map(f64::from).collect();
        ledger.write(buf.region()).unwrap().view_mut::<f64>().unwrap().write_from(0, &values);
        (buf, ledger)
    }

    fn layout(shape: &[i64], strides: &[i64], offset: i64) -> Layout {
        Layout::new(shape, Some(strides), offset, 48).unwrap()
    }

    /// Every index of `shape`, in row-major order.
    fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
        let mut all = vec![Vec::new()];
        for &n in shape {
            all = all.into_iter().flat_map(|p| (0..n).map(move |i| [p.clone(), vec![i]].concat())).collect();
        }
        all
    }

    #[test]
    fn strided_views_read_every_run_along_every_axis() {
        let (buf, ledger) = matrix();
        let layouts = [
            layout(&[8, 6], &[6, 1], 0),
            layout(&[6, 8], &[1, 6], 0),
            layout(&[8, 6], &[-6, -1], 47),
            layout(&[8, 3], &[6, 2], 1),
            layout(&[3, 4, 2], &[0, -6, 1], 46),
            layout(&[2, 0, 3], &[1, 1, 1], 0),
            layout(&[], &[], 5),
        ];
        for l in layouts {
            let guard = ledger.read_strided(buf.region(), 8, l.clone()).unwrap();
            let view = guard.strided_view::<f64>().unwrap();
            assert_eq!(view.layout(), &l);
            for index in indices(l.shape()) {
                assert_eq!(view.get(&index), l.element_of(&index).unwrap() as f64);
                for axis in 0..l.ndim() {
                    let len = l.shape()[axis] - index[axis];
                    let mut out = vec![-1.0; len];
                    view.read_run(&index, axis, &mut out);
                    let want: Vec<f64> = (0..len)
                        .map(|j| {
                            let mut at = index.clone();
                            at[axis] += j;
                            l.element_of(&at).unwrap() as f64
                        })
                        .collect();
                    assert_eq!(out, want, "{l:?} from {index:?} along {axis}");
                }
            }
            // Runs along axes of stride ±1 as contiguous views: the same elements, in memory order.
            for index in indices(l.shape()) {
                for axis in 0..l.ndim() {
                    let len = l.shape()[axis] - index[axis];
                    let mut out = vec![0.0; len];
                    view.read_run(&index, axis, &mut out);
                    match (l.strides()[axis], view.contiguous_run(&index, axis, len)) {
                        (1, Some(run)) => assert_eq!(run.to_vec(), out),
                        (-1, Some(run)) => assert_eq!(run.to_vec(), out.into_iter().rev().collect::<Vec<_>>()),
                        (_, run) => assert!(run.is_none() || len == 0),
                    }
                }
            }
            // Derived views read what their layouts say.
            let c = view.coalesced();
            for index in indices(c.layout().shape()) {
                assert_eq!(c.get(&index), c.layout().element_of(&index).unwrap() as f64);
            }
        }
    }

    #[test]
    fn interleaved_strided_writers_write_only_their_elements() {
        let (buf, ledger) = matrix();
        let mut even = ledger.write_strided(buf.region(), 8, layout(&[8, 3], &[6, 2], 0)).unwrap();
        let mut odd = ledger.write_strided(buf.region(), 8, layout(&[8, 3], &[6, 2], 1)).unwrap();
        let (even_view, odd_view) = (even.strided_view_mut::<f64>().unwrap(), odd.strided_view_mut::<f64>().unwrap());
        std::thread::scope(|s| {
            for (view, sign) in [(even_view, -1.0), (odd_view, 1.0)] {
                s.spawn(move || {
                    // Rows in two halves, from two more threads.
                    let (top, bottom) = view.split_axis(0, 5);
                    std::thread::scope(|s| {
                        for (mut half, first_row) in [(top, 0), (bottom, 5)] {
                            s.spawn(move || {
                                for row in 0..half.layout().shape()[0] {
                                    let values: Vec<f64> =
                                        (0..3).map(|c| sign * ((first_row + row) * 10 + c) as f64).collect();
                                    half.write_run(&[row, 0], 1, &values);
                                }
                            });
                        }
                    });
                });
            }
        });
        drop((even, odd));
        let guard = ledger.read(buf.region()).unwrap();
        let all = guard.view::<f64>().unwrap().to_vec();
        for row in 0..8 {
            for col in 0..6 {
                let sign = if col % 2 == 0 { -1.0 } else { 1.0 };
                assert_eq!(all[row * 6 + col], sign * (row * 10 + col / 2) as f64, "[{row}, {col}]");
            }
        }
    }

    #[test]
    fn strided_views_keep_to_their_export() {
        let (buf, ledger) = matrix();
        let even = ledger.read_strided(buf.region(), 8, layout(&[8, 3], &[6, 2], 0)).unwrap();
        assert_eq!(even.strided_view::<f32>().unwrap_err().code(), "ERR_PARABUF_TYPE_MISMATCH");
        let other = layout(&[8, 3], &[6, 2], 1);
        assert_eq!(even.strided_view_with::<f64>(&other).unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
        assert!(even.strided_view_with::<f64>(&layout(&[8, 3], &[6, 2], 0)).is_ok());
        drop(even);
        // Over a byte range: any layout within it, written only when each element is reached once.
        let mut first_rows = ledger.write(buf.region().sub(0, 8 * 12).unwrap()).unwrap();
        let transposed = Layout::new(&[6, 2], Some(&[1, 6]), 0, 12).unwrap();
        let mut view = first_rows.strided_view_mut_with::<f64>(&transposed).unwrap();
        view.set(&[5, 1], -1.0);
        assert_eq!(view.get(&[5, 1]), -1.0);
        assert_eq!(first_rows.strided_view_mut::<f64>().unwrap().as_read().get(&[11]), -1.0);
        let beyond = layout(&[2, 6], &[6, 1], 6);
        assert_eq!(first_rows.strided_view_mut_with::<f64>(&beyond).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        let repeating = Layout::new(&[2, 6], Some(&[0, 1]), 0, 12).unwrap();
        assert_eq!(first_rows.strided_view_mut_with::<f64>(&repeating).unwrap_err().code(), "ERR_INVALID_ARG_VALUE");
        drop(first_rows);
        let read = ledger.read(buf.region().sub(4, 8).unwrap()).unwrap();
        assert_eq!(read.strided_view::<f64>().unwrap_err().code(), "ERR_PARABUF_MISALIGNED");
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
