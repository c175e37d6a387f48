//! Private buffers that outlive the call that made them, for the next call of a similar size.
//!
//! A sort of 10^8 doubles needs 1.6 GB of private keys and scratch. Allocated per call, that memory is fresh every
//! time: each 4 KiB page faults in and is zeroed on its first write, and when the call ends it all goes back to the
//! operating system. On a virtual machine with free page reporting, the guest hands freed pages to the host a second
//! or two later. On this project's machines that stalled unrelated threads, the JavaScript thread included
//! (bench/README.md, "Kernel design measurements"). So buffers of at least [`KEEP_MIN_BYTES`] are kept by a [`Keeper`]
//! when their call is done, and a call that needs about the same size takes one back.
//! Like jemalloc's `dirty_decay_ms`, a kept buffer that nobody takes for [`IDLE_RELEASE`] is freed, by a background
//! thread, so the memory does go back once the sorting stops.
//!
//! The contents of a [`Scratch`] are unspecified: whatever the previous user left. Every user writes before it reads.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytemuck::Pod;

use crate::error::{Error, Result};

/// Buffers smaller than this are left to the allocator, which recycles them well: glibc's malloc, for one, serves
/// everything below its largest mmap threshold (32 MiB) from memory it already holds.
pub(crate) const KEEP_MIN_BYTES: usize = 32 << 20;
/// How long a kept buffer may wait for a taker before it is freed.
pub(crate) const IDLE_RELEASE: Duration = Duration::from_secs(10);
/// At most this many buffers are kept (two concurrent sorts' keys and scratch); beyond it the longest idle goes.
const KEPT_MAX: usize = 4;
/// A kept buffer serves requests down to this fraction of its size, so a small call cannot keep a big buffer alive.
const REUSE_MIN_FRACTION: usize = 2;

/// A private buffer of `len` elements of `K`, backed by 64-bit words so that every key type fits its alignment.
#[derive(Debug)]
pub(crate) struct Scratch<K> {
    words: Box<[u64]>,
    len: usize,
    keeper: &'static Keeper,
    key: PhantomData<K>,
}

impl<K: Pod> Scratch<K> {
    /// A buffer of `len` elements from the process's [`Keeper`]. Its contents are unspecified.
    ///
    /// # Errors
    /// `OutOfRange` when the memory cannot be allocated, even after every kept buffer has been freed.
    pub(crate) fn new(len: usize) -> Result<Self> {
        Keeper::global().scratch(len)
    }
}

impl<K: Pod> Deref for Scratch<K> {
    type Target = [K];

    fn deref(&self) -> &[K] {
        &bytemuck::cast_slice(&self.words)[..self.len]
    }
}

impl<K: Pod> DerefMut for Scratch<K> {
    fn deref_mut(&mut self) -> &mut [K] {
        &mut bytemuck::cast_slice_mut(&mut self.words)[..self.len]
    }
}

impl<K> Drop for Scratch<K> {
    fn drop(&mut self) {
        self.keeper.keep(std::mem::take(&mut self.words));
    }
}

/// Big buffers between their users, and the thread that frees them when idle.
#[derive(Debug)]
pub(crate) struct Keeper {
    kept: Mutex<Vec<Kept>>,
    changed: Condvar,
    /// Buffers of fewer bytes are not kept.
    min_bytes: usize,
    idle_release: Duration,
    releaser_running: OnceLock<bool>,
}

/// A buffer waiting for its next user.
#[derive(Debug)]
struct Kept {
    words: Box<[u64]>,
    idle_since: Instant,
}

impl Keeper {
    const fn new(min_bytes: usize, idle_release: Duration) -> Self {
        Self {
            kept: Mutex::new(Vec::new()),
            changed: Condvar::new(),
            min_bytes,
            idle_release,
            releaser_running: OnceLock::new(),
        }
    }

    /// The process's keeper: [`KEEP_MIN_BYTES`], [`IDLE_RELEASE`].
    pub(crate) fn global() -> &'static Self {
        static GLOBAL: Keeper = Keeper::new(KEEP_MIN_BYTES, IDLE_RELEASE);
        &GLOBAL
    }

    /// A buffer of `len` elements: a kept one if one fits, else a new one. Its contents are unspecified.
    ///
    /// A new one comes zeroed from the allocator (`calloc`, whose big blocks are fresh pages that the kernel zeroes
    /// as they are first touched), so asking costs nothing until the caller writes. If the allocator refuses, every
    /// kept buffer is freed and it is asked once more.
    ///
    /// # Errors
    /// `OutOfRange` when the allocator refuses both times.
    pub(crate) fn scratch<K: Pod>(&'static self, len: usize) -> Result<Scratch<K>> {
        let bytes = len.checked_mul(size_of::<K>()).ok_or_else(|| refused(len, size_of::<K>()))?;
        let words_needed = bytes.div_ceil(size_of::<u64>());
        let kept = if bytes >= self.min_bytes { self.take(words_needed) } else { None };
        let words = match kept {
            Some(words) => words,
            None => bytemuck::allocation::try_zeroed_slice_box(words_needed)
                .or_else(|()| {
                    let freed = std::mem::take(&mut *self.lock());
                    drop(freed);
                    bytemuck::allocation::try_zeroed_slice_box(words_needed)
                })
                .map_err(|()| refused(len, size_of::<K>()))?,
        };
        Ok(Scratch { words, len, keeper: self, key: PhantomData })
    }

    /// The list; a panic elsewhere while it was locked cannot have left it inconsistent (pushes and removes only).
    fn lock(&self) -> MutexGuard<'_, Vec<Kept>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The smallest kept buffer of at least `words` words that is not too big for them, taken out of the list.
    fn take(&self, words: usize) -> Option<Box<[u64]>> {
        let mut kept = self.lock();
        let fits = |k: &Kept| (words..=words.saturating_mul(REUSE_MIN_FRACTION)).contains(&k.words.len());
        let best = (0..kept.len()).filter(|&i| fits(&kept[i])).min_by_key(|&i| kept[i].words.len())?;
        Some(kept.swap_remove(best).words)
    }

    /// Keeps `words` for a later user if it is big enough (and something will free it), else frees it.
    fn keep(&'static self, words: Box<[u64]>) {
        if words.len() * size_of::<u64>() < self.min_bytes || !self.releaser_running() {
            return;
        }
        // Freeing hundreds of megabytes takes a while: it happens after the lock is released.
        let _evicted = {
            let mut kept = self.lock();
            kept.push(Kept { words, idle_since: Instant::now() });
            self.changed.notify_one();
            (kept.len() > KEPT_MAX).then(|| {
                let oldest = (0..kept.len()).min_by_key(|&i| kept[i].idle_since).unwrap_or(0);
                kept.swap_remove(oldest)
            })
        };
    }

    /// Starts the thread that frees idle buffers, once; false if it could not be started (then nothing is kept, since
    /// nothing would ever free it).
    fn releaser_running(&'static self) -> bool {
        *self.releaser_running.get_or_init(|| {
            let thread = std::thread::Builder::new().name("parabuf-scratch-release".into());
            thread.spawn(|| self.release_idle_buffers()).is_ok()
        })
    }

    /// The releasing thread's loop: frees every buffer idle for `idle_release`, then sleeps until the next one will be.
    fn release_idle_buffers(&self) {
        let mut kept = self.lock();
        loop {
            let now = Instant::now();
            let idle: Vec<Kept> =
                kept.extract_if(.., |k| now.duration_since(k.idle_since) >= self.idle_release).collect();
            if !idle.is_empty() {
                drop(kept);
                drop(idle);
                kept = self.lock();
                continue;
            }
            let next = kept.iter().map(|k| self.idle_release.saturating_sub(now.duration_since(k.idle_since))).min();
            kept = match next {
                Some(wait) => self.changed.wait_timeout(kept, wait).unwrap_or_else(PoisonError::into_inner).0,
                None => self.changed.wait(kept).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// How many buffers are kept now, and their bytes.
    #[cfg(test)]
    pub(crate) fn kept_now(&self) -> (usize, usize) {
        let kept = self.lock();
        (kept.len(), kept.iter().map(|k| k.words.len() * size_of::<u64>()).sum())
    }
}

/// The error for `len` elements of `size` bytes that could not be allocated.
fn refused(len: usize, size: usize) -> Error {
    Error::out_of_range(format!(
        "could not allocate private memory for {len} elements of {size} bytes ({} bytes)",
        len as u128 * size as u128
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words in the smallest buffer the test keeper keeps.
    const MIN_WORDS: usize = 1 << 10;

    /// A keeper of its own for each test, since the tests run at once; `idle_release` long enough not to matter to
    /// a test unless it asks for it.
    fn keeper() -> &'static Keeper {
        keeper_releasing_after(Duration::from_secs(600))
    }

    fn keeper_releasing_after(idle_release: Duration) -> &'static Keeper {
        Box::leak(Box::new(Keeper::new(MIN_WORDS * size_of::<u64>(), idle_release)))
    }

    #[test]
    fn small_buffers_are_not_kept() {
        let keeper = keeper();
        drop(keeper.scratch::<u64>(MIN_WORDS - 1).unwrap());
        drop(keeper.scratch::<u8>(MIN_WORDS * 8 - 8).unwrap());
        assert_eq!(keeper.kept_now(), (0, 0));
    }

    #[test]
    fn a_big_buffer_comes_back_to_the_next_request_of_a_similar_size_contents_and_all() {
        let keeper = keeper();
        let mut first = keeper.scratch::<u64>(MIN_WORDS * 3).unwrap();
        // Both halves of word i hold i, whatever the byte order, so the u32 view below reads i at 2i and 2i + 1.
        first.iter_mut().enumerate().for_each(|(i, w)| *w = i as u64 * 0x1_0000_0001);
        let address = first.as_ptr();
        drop(first);
        assert_eq!(keeper.kept_now(), (1, MIN_WORDS * 3 * 8));

        let again = keeper.scratch::<u32>(MIN_WORDS * 6 - 1).unwrap();
        assert_eq!((again.as_ptr().cast(), again.len()), (address, MIN_WORDS * 6 - 1));
        assert_eq!(&again[..6], [0, 0, 1, 1, 2, 2]);
        assert_eq!(keeper.kept_now(), (0, 0));
        drop(again);

        // Less than half its size gets a buffer of its own.
        let smaller = keeper.scratch::<u64>(MIN_WORDS * 3 / 2 - 1).unwrap();
        assert_ne!(smaller.as_ptr(), address);
        assert_eq!(keeper.kept_now(), (1, MIN_WORDS * 3 * 8));
    }

    #[test]
    fn beyond_kept_max_the_longest_idle_buffer_is_freed() {
        let keeper = keeper();
        drop(keeper.scratch::<u64>(MIN_WORDS * 5).unwrap());
        let others: Vec<Scratch<u64>> = (0..KEPT_MAX).map(|_| keeper.scratch(MIN_WORDS).unwrap()).collect();
        drop(others);
        assert_eq!(keeper.kept_now(), (KEPT_MAX, KEPT_MAX * MIN_WORDS * 8));
    }

    #[test]
    fn kept_buffers_are_freed_once_idle() {
        let keeper = keeper_releasing_after(Duration::from_millis(200));
        drop(keeper.scratch::<u64>(MIN_WORDS).unwrap());
        drop(keeper.scratch::<u64>(MIN_WORDS * 4).unwrap());
        let deadline = Instant::now() + keeper.idle_release * 50;
        while keeper.kept_now().0 > 0 && Instant::now() < deadline {
            std::thread::sleep(keeper.idle_release / 10);
        }
        assert_eq!(keeper.kept_now(), (0, 0));
    }

    #[test]
    fn memory_the_allocator_refuses_is_an_error_after_the_kept_buffers_are_freed() {
        let keeper = keeper();
        drop(keeper.scratch::<u64>(MIN_WORDS).unwrap());
        assert_eq!(keeper.kept_now(), (1, MIN_WORDS * 8));
        let refused = keeper.scratch::<u64>(1 << 60).unwrap_err();
        assert_eq!(refused.code(), "ERR_OUT_OF_RANGE");
        assert!(refused.to_string().contains(&format!("{} bytes", 1u128 << 63)), "{refused}");
        assert_eq!(keeper.kept_now(), (0, 0));
        assert_eq!(keeper.scratch::<u32>(usize::MAX).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }
}
