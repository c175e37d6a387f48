//! What a reduction reads: an array's elements through a read view, or a bound expression's values computed block by
//! block ([`Bound::map_blocks`]), so that one kernel serves both.
//!
//! A [`Source`] hands out the pool's usual blocks (the same cut for both, so per-block partials combine alike) as
//! [`Staged`] blocks, whose values come in the pieces [`staged`] copies from a view: [`STAGE`] elements, the last one
//! shorter. An expression computes its values [`WIDTH`] at a time, a whole number of stages, so its pieces are cut at
//! exactly the offsets a view's are, and a kernel that decides anything per stage decides it at the same elements.
//! Blocks that are views also give the view itself ([`Staged::view`]), for the kernels' register paths.

use std::ops::Range;
use std::sync::{Condvar, Mutex, PoisonError};

use crate::error::Result;
use crate::exec::{Cancel, Partials, BLOCK};
use crate::expr::{BlockValues, Bound, WIDTH};
use crate::kernels::blocks::{fold_ranges, map_ranges, staged, STAGE};
use crate::view::{Element, ReadView};

const _: () = assert!(WIDTH.is_multiple_of(STAGE), "an expression's pieces are whole stages");

/// One block of values, piece by piece.
pub(crate) trait Staged {
    /// The element type.
    type Item: Element;

    /// Calls `f(offset, values)` on consecutive pieces of the block, `offset` being the index of `values[0]` within
    /// it: the pieces [`staged`] gives for a view of this length. May be called more than once (an expression
    /// computes its values again).
    fn stages(&mut self, f: impl FnMut(usize, &[Self::Item]));

    /// The block as a read view, when it is one.
    fn view(&self) -> Option<ReadView<'_, Self::Item>>;
}

impl<T: Element> Staged for ReadView<'_, T> {
    type Item = T;

    #[inline(always)]
    fn stages(&mut self, f: impl FnMut(usize, &[T])) {
        staged(self, f);
    }

    #[inline(always)]
    fn view(&self) -> Option<ReadView<'_, T>> {
        Some(*self)
    }
}

/// A block of an expression's values with the lifetimes of its [`BlockValues`] erased, so that every block of every
/// expression is one type.
pub(crate) trait ValueBlock {
    /// [`BlockValues::staged`].
    fn pieces(&mut self, f: &mut dyn FnMut(usize, &[f64]));
}

impl ValueBlock for BlockValues<'_, '_, '_> {
    fn pieces(&mut self, f: &mut dyn FnMut(usize, &[f64])) {
        self.staged(f);
    }
}

impl Staged for dyn ValueBlock + '_ {
    type Item = f64;

    #[inline(always)]
    fn stages(&mut self, mut f: impl FnMut(usize, &[f64])) {
        self.pieces(&mut |offset, values| {
            for (i, stage) in values.chunks(STAGE).enumerate() {
                f(offset + i * STAGE, stage);
            }
        });
    }

    fn view(&self) -> Option<ReadView<'_, f64>> {
        None
    }
}

/// A reduction's input: elements in the pool's blocks.
pub(crate) trait Source: Sync {
    /// The element type.
    type Item: Element;
    /// A block.
    type Block<'b>: Staged<Item = Self::Item> + ?Sized;

    /// The number of elements.
    fn len(&self) -> usize;

    /// Whether there is no element.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole input as a read view, when it is one (for the register paths, which only x86-64 has).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn view(&self) -> Option<ReadView<'_, Self::Item>>;

    /// `per_block(start, block)` for every [`BLOCK`]-sized block of the first `end` elements (`end` at most
    /// [`Source::len`]), `start` being the index of the block's first element; the results in block order. One block
    /// runs on the calling thread, more on the pool, as [`map_blocks`](crate::exec::map_blocks) runs them.
    ///
    /// # Errors
    /// [`Error::Aborted`](crate::Error::Aborted) when `cancel` is raised before every block is done; an
    /// expression's own refusals ([`Bound::map_blocks`]).
    fn map_blocks_to<R, F>(&self, end: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: for<'b> Fn(usize, &mut Self::Block<'b>) -> R + Sync + Send;

    /// [`Source::map_blocks_to`] over every element.
    ///
    /// # Errors
    /// As [`Source::map_blocks_to`].
    fn map_blocks<R, F>(&self, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: for<'b> Fn(usize, &mut Self::Block<'b>) -> R + Sync + Send,
    {
        self.map_blocks_to(self.len(), cancel, per_block)
    }

    /// Folds every block into at most `parts` accumulators made by `init` and combines them with `reduce`, as
    /// [`fold_ranges`] does: only for results that do not depend on which blocks share an accumulator (counts).
    ///
    /// # Errors
    /// As [`Source::map_blocks_to`].
    fn fold_blocks<A, I, F, R>(&self, parts: usize, cancel: &Cancel, init: I, fold: F, reduce: R) -> Result<A>
    where
        A: Send,
        I: Fn() -> A + Sync + Send,
        F: for<'b> Fn(&mut A, &mut Self::Block<'b>) + Sync + Send,
        R: Fn(A, A) -> A;
}

impl<T: Element> Source for ReadView<'_, T> {
    type Item = T;
    type Block<'b> = ReadView<'b, T>;

    #[inline(always)]
    fn len(&self) -> usize {
        ReadView::len(self)
    }

    #[inline(always)]
    fn view(&self) -> Option<ReadView<'_, T>> {
        Some(*self)
    }

    #[inline]
    fn map_blocks_to<R, F>(&self, end: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: for<'b> Fn(usize, &mut ReadView<'b, T>) -> R + Sync + Send,
    {
        map_ranges(end, cancel, |range: Range<usize>| per_block(range.start, &mut self.slice(range)))
    }

    #[inline]
    fn fold_blocks<A, I, F, R>(&self, parts: usize, cancel: &Cancel, init: I, fold: F, reduce: R) -> Result<A>
    where
        A: Send,
        I: Fn() -> A + Sync + Send,
        F: for<'b> Fn(&mut A, &mut ReadView<'b, T>) + Sync + Send,
        R: Fn(A, A) -> A,
    {
        fold_ranges(self.len(), parts, cancel, init, |acc, range| fold(acc, &mut self.slice(range)), reduce)
    }
}

/// An expression's values: doubles, computed block by block and never stored. An expression whose inputs are all
/// numbers has no length: [`Source::len`] is 0 for it, and every map over its blocks is refused
/// ([`Bound::map_blocks`]'s `ERR_INVALID_ARG_VALUE`), so a reduction never answers for it.
impl Source for Bound<'_, '_> {
    type Item = f64;
    type Block<'b> = dyn ValueBlock + 'b;

    fn len(&self) -> usize {
        Bound::len(self).unwrap_or(0)
    }

    fn view(&self) -> Option<ReadView<'_, f64>> {
        None
    }

    fn map_blocks_to<R, F>(&self, end: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: for<'b> Fn(usize, &mut (dyn ValueBlock + 'b)) -> R + Sync + Send,
    {
        let partials = Bound::map_blocks(self, cancel, |values| {
            let start = values.range().start;
            (start < end).then(|| per_block(start, values as &mut dyn ValueBlock))
        })?;
        Ok(partials.into_iter().flatten().collect())
    }

    /// Blocks take an accumulator from a shared pool and give it back: at most `parts` exist at once (a block waits
    /// for one when all are taken), and each block's values are computed once.
    fn fold_blocks<A, I, F, R>(&self, parts: usize, cancel: &Cancel, init: I, fold: F, reduce: R) -> Result<A>
    where
        A: Send,
        I: Fn() -> A + Sync + Send,
        F: for<'b> Fn(&mut A, &mut (dyn ValueBlock + 'b)) + Sync + Send,
        R: Fn(A, A) -> A,
    {
        let parts = parts.max(1);
        // The free accumulators, and how many were made.
        let pool = Mutex::new((Vec::<A>::new(), 0usize));
        let returned = Condvar::new();
        Bound::map_blocks(self, cancel, |values| {
            let mut acc = {
                let mut guard = pool.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if let Some(acc) = guard.0.pop() {
                        break acc;
                    }
                    if guard.1 < parts {
                        guard.1 += 1;
                        drop(guard);
                        break init();
                    }
                    guard = returned.wait(guard).unwrap_or_else(PoisonError::into_inner);
                }
            };
            fold(&mut acc, values as &mut dyn ValueBlock);
            pool.lock().unwrap_or_else(PoisonError::into_inner).0.push(acc);
            returned.notify_one();
        })?;
        let (accumulators, _) = pool.into_inner().unwrap_or_else(PoisonError::into_inner);
        Ok(accumulators.into_iter().reduce(reduce).unwrap_or_else(init))
    }
}

/// The first `len` elements of a source (a whole number of blocks, or all of them), as a source of their own.
pub(crate) struct Prefix<'s, S: Source + ?Sized> {
    source: &'s S,
    len: usize,
}

impl<'s, S: Source + ?Sized> Prefix<'s, S> {
    /// The first `len.min(source.len())` elements of `source`; `len` a multiple of [`BLOCK`] or beyond the end.
    pub(crate) fn new(source: &'s S, len: usize) -> Prefix<'s, S> {
        debug_assert!(len.is_multiple_of(BLOCK) || len >= source.len());
        Prefix { source, len: len.min(source.len()) }
    }
}

impl<S: Source + ?Sized> Source for Prefix<'_, S> {
    type Item = S::Item;
    type Block<'b> = S::Block<'b>;

    fn len(&self) -> usize {
        self.len
    }

    fn view(&self) -> Option<ReadView<'_, S::Item>> {
        self.source.view().map(|v| v.slice(0..self.len))
    }

    fn map_blocks_to<R, F>(&self, end: usize, cancel: &Cancel, per_block: F) -> Result<Partials<R>>
    where
        R: Send,
        F: for<'b> Fn(usize, &mut S::Block<'b>) -> R + Sync + Send,
    {
        self.source.map_blocks_to(end.min(self.len), cancel, per_block)
    }

    fn fold_blocks<A, I, F, R>(&self, parts: usize, cancel: &Cancel, init: I, fold: F, reduce: R) -> Result<A>
    where
        A: Send,
        I: Fn() -> A + Sync + Send,
        F: for<'b> Fn(&mut A, &mut S::Block<'b>) + Sync + Send,
        R: Fn(A, A) -> A,
    {
        // A prefix is a few blocks (a variance's first): an accumulator each.
        let _ = parts;
        let accumulators = self.map_blocks(cancel, |_, block| {
            let mut acc = init();
            fold(&mut acc, block);
            acc
        })?;
        Ok(accumulators.into_iter().reduce(reduce).unwrap_or_else(init))
    }
}
