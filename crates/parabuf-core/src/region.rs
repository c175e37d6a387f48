//! [`Region`]: a half-open byte range of memory that Rust does not own, and the one type in which pointers to such
//! memory travel between threads.

use std::alloc::Layout;
use std::collections::BTreeMap;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::error::ByteRange;

/// A half-open byte range `[start, start + len)` of memory owned outside Rust (a JavaScript `ArrayBuffer`, a
/// `SharedArrayBuffer`, or an [`OwnedBuffer`]).
///
/// `Region` is the single wrapper in which pointers to foreign memory cross threads. It is `Copy`, `Send` and `Sync`,
/// and by itself grants nothing: its address can be read, but its bytes can be reached only through a view, and a view
/// only through a guard of the [`Ledger`](crate::Ledger). The promise made to [`Region::new`] is what makes views
/// sound; the ledger is what keeps two views from conflicting.
///
/// Rust never forms a reference (`&[T]` or `&mut [T]`) to the bytes of a region: JavaScript code may write them at any
/// time, which a reference would forbid. Views read and write element by element through relaxed atomic operations
/// instead (see [`view`](crate::view)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    start: NonNull<u8>,
    len: usize,
}

// SAFETY: a Region is an address and a length. Sending it to another thread sends no access: the bytes can only be
// touched through views, whose element accesses are atomic and whose lifetimes are bound to ledger guards.
unsafe impl Send for Region {}
// SAFETY: as for Send: shared references to a Region expose only its address and length.
unsafe impl Sync for Region {}

impl Region {
    /// Describes `len` bytes of foreign memory starting at `start`.
    ///
    /// A null `start` is allowed only with `len == 0` (JavaScript reports a null data pointer for empty and detached
    /// buffers); it is replaced by a dangling, well-aligned address, since no byte of an empty region is ever touched.
    ///
    /// # Safety
    ///
    /// For as long as any guard taken on this region (or on a sub-region of it) is alive, the caller must ensure that:
    /// - the `len` bytes from `start` stay allocated, are not freed, moved or shrunk (for a JavaScript buffer: the
    ///   `ArrayBuffer` is kept reachable and is neither detached nor resized in a way that frees these bytes);
    /// - they are readable, and writable too wherever a write guard is taken;
    /// - no Rust reference (`&`/`&mut`) to them exists, so that the atomic element accesses of views are the only Rust
    ///   accesses;
    /// - `start + len` does not overflow the address space.
    pub unsafe fn new(start: *mut u8, len: usize) -> Region {
        let start = match NonNull::new(start) {
            Some(p) => p,
            None => {
                assert!(len == 0, "a null region must be empty");
                NonNull::<u64>::dangling().cast()
            }
        };
        Region { start, len }
    }

    /// The address of the first byte.
    pub fn addr(&self) -> usize {
        self.start.as_ptr() as usize
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the region is empty. Empty regions never conflict with anything.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes as a [`ByteRange`] of addresses.
    pub fn range(&self) -> ByteRange {
        ByteRange { start: self.addr(), end: self.addr() + self.len }
    }

    /// Whether two regions share at least one byte.
    pub fn overlaps(&self, other: &Region) -> bool {
        !self.is_empty()
            && !other.is_empty()
            && self.addr() < other.addr() + other.len
            && other.addr() < self.addr() + self.len
    }

    /// Whether `other` lies wholly inside `self`.
    pub fn contains(&self, other: &Region) -> bool {
        other.addr() >= self.addr() && other.addr() + other.len <= self.addr() + self.len
    }

    /// The sub-region of `len` bytes at `offset`, or `None` when it would reach past the end.
    pub fn sub(&self, offset: usize, len: usize) -> Option<Region> {
        let end = offset.checked_add(len)?;
        if end > self.len {
            return None;
        }
        // The new start stays within (or one past) the original allocation, which Region::new's caller vouched for.
        let start = self.start.as_ptr().wrapping_add(offset);
        Some(Region { start: NonNull::new(start).unwrap_or(self.start), len })
    }

    /// The first byte as a raw pointer, for the view module.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.start.as_ptr()
    }
}

/// Memory that parabuf owns and lends to JavaScript (the backing store of `alloc()`ed arrays).
///
/// It is reference-counted: the JavaScript `ArrayBuffer` holds one reference, and every export taken on any part of it
/// holds another (the [`Ledger`](crate::Ledger) finds the owner by address), so the bytes stay allocated until both the
/// JavaScript object and every export are gone, even if JavaScript detaches the buffer while an operation runs.
///
/// The bytes are stored as `AtomicU64` words: 8-byte aligned for every element type, and shared mutation through them
/// is permitted by Rust without any `unsafe` on this side.
#[derive(Debug)]
pub struct OwnedBuffer {
    words: Box<[AtomicU64]>,
    len: usize,
}

fn owned_registry() -> &'static Mutex<BTreeMap<usize, Weak<OwnedBuffer>>> {
    static REGISTRY: OnceLock<Mutex<BTreeMap<usize, Weak<OwnedBuffer>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// How many non-empty owned buffers are registered: when none are, no region can be in one, and [`owner_of`] answers
/// without taking the registry's lock (most programs never call `alloc()`, and every export asks).
static REGISTERED: AtomicUsize = AtomicUsize::new(0);

fn lock_registry() -> std::sync::MutexGuard<'static, BTreeMap<usize, Weak<OwnedBuffer>>> {
    owned_registry().lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl OwnedBuffer {
    /// Allocates `len` zeroed bytes and registers them so exports keep them alive.
    ///
    /// Aborts the process when the memory cannot be allocated, like `Vec`; see [`OwnedBuffer::try_zeroed`].
    pub fn zeroed(len: usize) -> Arc<OwnedBuffer> {
        let count = len.div_ceil(8);
        let words = zeroed_words(count).unwrap_or_else(|| match Layout::array::<AtomicU64>(count) {
            Ok(layout) => std::alloc::handle_alloc_error(layout),
            Err(_) => panic!("capacity overflow: {len} bytes"),
        });
        OwnedBuffer::register(words, len)
    }

    /// As [`OwnedBuffer::zeroed`], but `None` instead of aborting when the memory cannot be allocated (the binding
    /// turns that into a `RangeError` for JavaScript).
    pub fn try_zeroed(len: usize) -> Option<Arc<OwnedBuffer>> {
        Some(OwnedBuffer::register(zeroed_words(len.div_ceil(8))?, len))
    }

    fn register(words: Box<[AtomicU64]>, len: usize) -> Arc<OwnedBuffer> {
        let buffer = Arc::new(OwnedBuffer { words, len });
        if len > 0 {
            lock_registry().insert(buffer.addr(), Arc::downgrade(&buffer));
            // After the insertion: a region in this buffer exists only once JavaScript has the array made from it,
            // which it gets after this returns, so every owner_of that can be asked about it sees the count.
            REGISTERED.fetch_add(1, Ordering::Release);
        }
        buffer
    }

    fn addr(&self) -> usize {
        self.words.as_ptr() as usize
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first byte, for handing the memory to JavaScript.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.words.as_ptr() as *mut u8
    }

    /// All the buffer's bytes as a region.
    pub fn region(&self) -> Region {
        // SAFETY: the words are allocated for as long as `self` lives, and every guard on this region keeps `self`
        // alive through `owner_of`; the words are atomics, so writes through shared pointers are permitted; no Rust
        // reference to the bytes is handed out.
        unsafe { Region::new(self.as_mut_ptr(), self.len) }
    }
}

impl Drop for OwnedBuffer {
    fn drop(&mut self) {
        // The words are freed only after this body runs, so no other buffer can hold this address yet.
        if self.len > 0 {
            lock_registry().remove(&self.addr());
            REGISTERED.fetch_sub(1, Ordering::Release);
        }
    }
}

/// `count` zeroed words, or `None` when the allocator refuses them.
///
/// They come from the allocator's zeroing allocation (`calloc`), which gets large blocks as fresh pages that the system
/// zeroes when they are first touched: like a JavaScript `ArrayBuffer`, a big `alloc()` costs memory only as it is
/// written, and asking for more than the machine has fails here (or costs nothing until written) instead of writing
/// zeros over all of it and getting the process killed for running out of memory.
fn zeroed_words(count: usize) -> Option<Box<[AtomicU64]>> {
    let layout = Layout::array::<AtomicU64>(count).ok()?;
    if layout.size() == 0 {
        return Some(Box::new([]));
    }
    // SAFETY: the layout's size is not zero.
    let first = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<AtomicU64>();
    if first.is_null() {
        return None;
    }
    // SAFETY: `first` is a fresh allocation of `layout`, the layout of `[AtomicU64; count]`, which is what the Box
    // deallocates with; all-zero bytes are a valid `AtomicU64` (it has the representation of `u64`), so every element is
    // initialised, to 0.
    Some(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(first, count)) })
}

/// The parabuf-owned buffer that contains all of `region`, if any.
pub(crate) fn owner_of(region: &Region) -> Option<Arc<OwnedBuffer>> {
    if region.is_empty() || REGISTERED.load(Ordering::Acquire) == 0 {
        return None;
    }
    let registry = lock_registry();
    let (_, weak) = registry.range(..=region.addr()).next_back()?;
    let owner = weak.upgrade()?;
    owner.region().contains(region).then_some(owner)
}

/// How many parabuf-owned buffers are alive (for leak tests).
pub fn owned_buffer_count() -> usize {
    lock_registry().values().filter(|w| w.strong_count() > 0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(addr: usize, len: usize) -> Region {
        // SAFETY: these regions only exercise address arithmetic; no view is made of them.
        unsafe { Region::new(std::ptr::without_provenance_mut(addr), len) }
    }

    #[test]
    fn overlap_is_half_open() {
        assert!(region(0x1000, 16).overlaps(&region(0x1008, 16)));
        assert!(!region(0x1000, 16).overlaps(&region(0x1010, 16)));
        assert!(!region(0x1010, 16).overlaps(&region(0x1000, 16)));
    }

    #[test]
    fn empty_regions_overlap_nothing() {
        assert!(!region(0x1000, 0).overlaps(&region(0x1000, 16)));
        assert!(!region(0x1000, 16).overlaps(&region(0x1004, 0)));
    }

    #[test]
    fn null_empty_region_is_allowed() {
        // SAFETY: an empty region at null is never dereferenced.
        let r = unsafe { Region::new(std::ptr::null_mut(), 0) };
        assert!(r.is_empty());
    }

    #[test]
    fn owned_buffers_are_found_by_address_and_kept_alive() {
        let buf = OwnedBuffer::zeroed(100);
        let inner = buf.region().sub(8, 16).unwrap();
        let owner = owner_of(&inner).expect("owner found");
        assert!(Arc::ptr_eq(&owner, &buf));
        assert_eq!(Arc::strong_count(&buf), 2);
        drop(owner);
        let outside = region(buf.region().addr() + 96, 8);
        assert!(owner_of(&outside).is_none(), "a region reaching past the buffer has no owner");
    }

    #[test]
    fn zeroed_buffers_are_zero_and_sized() {
        for len in [0, 1, 7, 8, 9, 4096 + 3] {
            let buf = OwnedBuffer::try_zeroed(len).expect("small allocations succeed");
            assert_eq!(buf.len(), len);
            assert_eq!(buf.words.len(), len.div_ceil(8));
            assert!(buf.words.iter().all(|w| w.load(std::sync::atomic::Ordering::Relaxed) == 0));
            assert_eq!(OwnedBuffer::zeroed(len).words.len(), len.div_ceil(8));
        }
    }

    #[test]
    fn impossible_allocations_fail_instead_of_aborting() {
        assert!(OwnedBuffer::try_zeroed(usize::MAX).is_none());
        assert!(OwnedBuffer::try_zeroed(1 << 62).is_none());
        let ok = OwnedBuffer::try_zeroed(24).expect("small allocations succeed");
        assert_eq!(ok.len(), 24);
        assert!(owner_of(&ok.region()).is_some(), "try_zeroed registers the buffer like zeroed");
    }

    #[test]
    fn sub_checks_bounds() {
        let r = region(0x1000, 16);
        assert_eq!(r.sub(8, 8).map(|s| (s.addr(), s.len())), Some((0x1008, 8)));
        assert!(r.sub(8, 9).is_none());
        assert!(r.sub(usize::MAX, 2).is_none());
        assert!(r.contains(&r.sub(4, 4).unwrap()));
    }
}
