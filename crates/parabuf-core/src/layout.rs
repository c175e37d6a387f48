//! Strided N-dimensional layouts: which elements of a typed array a view reaches, validated before any is touched,
//! and the exact overlap questions the ledger asks about them.
//!
//! A [`Layout`] is a shape, strides and an offset, all in elements: index `[i0, i1, …]` reaches element
//! `offset + Σ strides[k]·i[k]` of the data. Strides may be negative (a reversed axis) or zero (a repeated one). As in
//! numpy, a shape with a zero dimension reaches no element, and a shape of no dimensions reaches one (the offset).
//! A layout is valid for data of `len` elements when the lowest and highest elements it reaches lie in `[0, len)`;
//! those two are computed exactly, with overflow-checked arithmetic, before any element is touched.
//!
//! Two questions decide what may be written at the same time, both after numpy's `mem_overlap.c`:
//! - [`Layout::internal_overlap`]: can two distinct indices reach one element? Such a view may be read but never
//!   written through (a write would land twice);
//! - [`Footprint::shares_memory`]: do two layouts over one buffer, of possibly different element sizes and byte
//!   offsets, share a byte? Exact, like `numpy.shares_memory`.
//!
//! Both are bounded linear Diophantine equations, solved by a search whose work is capped at [`MAX_WORK`] nodes; past
//! it the answer is [`Overlap::TooHard`], which every caller treats as "they overlap" (refusing, never allowing).
//! Byte-level questions model an element of `size` bytes as one more dimension of stride 1 byte and extent `size`,
//! so differing element sizes and misaligned byte offsets are decided exactly too.

use std::fmt;
use std::ops::Range;

use smallvec::SmallVec;

use crate::error::{Error, Result};

mod diophantine;

use diophantine::{solve, Solved, Term};

/// The most dimensions a layout may have (numpy's limit).
pub const MAX_DIMS: usize = 64;

/// The work bound of the overlap searches: nodes of the search tree ([`Layout::internal_overlap`],
/// [`Footprint::shares_memory`]) before they answer [`Overlap::TooHard`]. Layouts made by slicing, transposing and
/// reversing a contiguous array take one node per dimension; the bound only stops adversarial strides, whose
/// questions are NP-hard, from holding the ledger's lock for long.
pub const MAX_WORK: usize = 1 << 14;

/// Sizes along each dimension.
pub type Shape = SmallVec<[usize; 4]>;

/// Steps, in elements, along each dimension.
pub type Strides = SmallVec<[isize; 4]>;

/// The answer to an overlap question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlap {
    /// Proven: nothing is shared.
    No,
    /// Proven: something is shared.
    Yes,
    /// Not decided within [`MAX_WORK`] (or the given bound): to be treated as [`Overlap::Yes`].
    TooHard,
}

/// A validated shape, strides and offset (see the [module](self) documentation).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    shape: Shape,
    strides: Strides,
    offset: usize,
    /// How many indices the shape has (the product of its sizes).
    count: usize,
    /// The lowest and highest element reached; both `offset` when none is.
    lowest: usize,
    highest: usize,
}

impl fmt::Debug for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layout")
            .field("shape", &self.shape.as_slice())
            .field("strides", &self.strides.as_slice())
            .field("offset", &self.offset)
            .finish()
    }
}

/// `[a, b, c]`, as messages show lists.
fn list<T: fmt::Display>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", inner.join(", "))
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`: integers past it are not exact in a double.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `x` as an integer, or the coded error naming `what`.
fn integer(what: &str, x: f64) -> Result<i64> {
    if x.fract() != 0.0 || !x.is_finite() || x.abs() > MAX_SAFE_INTEGER {
        return Err(Error::out_of_range(format!("{what} must be an integer, got {x}")));
    }
    Ok(x as i64)
}

/// The row-major strides of `shape`, or `None` when they overflow.
fn row_major_strides(shape: &[usize]) -> Option<Strides> {
    let mut strides: Strides = SmallVec::from_elem(0, shape.len());
    let mut step: usize = 1;
    for (k, &n) in shape.iter().enumerate().rev() {
        strides[k] = isize::try_from(step).ok()?;
        step = step.checked_mul(n.max(1))?;
    }
    Some(strides)
}

/// Lowest and highest element index reached by `shape`, `strides` and `offset` when every size is positive, in exact
/// arithmetic; `None` past `i128`.
fn extremes(shape: &[usize], strides: &[isize], offset: usize) -> Option<(i128, i128)> {
    let (mut low, mut high) = (offset as i128, offset as i128);
    for (&n, &s) in shape.iter().zip(strides) {
        let reach = (s as i128).checked_mul(n as i128 - 1)?;
        if reach < 0 {
            low = low.checked_add(reach)?;
        } else {
            high = high.checked_add(reach)?;
        }
    }
    Some((low, high))
}

impl Layout {
    /// Validates a layout for data of `len` elements: `shape` sizes non-negative, `strides` (default: row-major
    /// contiguous) one per dimension, `offset` non-negative, and every element reached within `[0, len)`.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` naming `shape`, `strides` or `offset` and the values: a negative size or offset, more than
    /// [`MAX_DIMS`] dimensions, an element reached outside the data (or an extent past any address).
    /// `ERR_INVALID_ARG_VALUE` when `strides` and `shape` differ in length.
    pub fn new(shape: &[i64], strides: Option<&[i64]>, offset: i64, len: usize) -> Result<Layout> {
        if shape.len() > MAX_DIMS {
            return Err(Error::out_of_range(format!(
                "shape has {} dimensions; at most {MAX_DIMS} are supported",
                shape.len()
            )));
        }
        let mut sizes = Shape::with_capacity(shape.len());
        for (k, &n) in shape.iter().enumerate() {
            match usize::try_from(n) {
                Ok(n) => sizes.push(n),
                Err(_) => {
                    return Err(Error::out_of_range(format!(
                        "shape[{k}] must be a non-negative integer, got {n} (shape {})",
                        list(shape)
                    )))
                }
            }
        }
        let offset = usize::try_from(offset)
            .map_err(|_| Error::out_of_range(format!("offset must be a non-negative integer, got {offset}")))?;
        let empty = sizes.contains(&0);
        let steps = match strides {
            Some(given) => {
                if given.len() != shape.len() {
                    return Err(Error::arg_value(format!(
                        "strides must have one entry per dimension of shape {} ({}), got {} entries: {}",
                        list(shape),
                        shape.len(),
                        given.len(),
                        list(given)
                    )));
                }
                given
                    .iter()
                    .map(|&s| isize::try_from(s))
                    .collect::<std::result::Result<Strides, _>>()
                    .map_err(|_| Error::out_of_range(format!("strides {} exceed the address space", list(given))))?
            }
            // An empty shape reaches nothing, so its strides never matter, even when a row-major step would overflow.
            None => {
                row_major_strides(&sizes).or_else(|| empty.then(|| SmallVec::from_elem(0, sizes.len()))).ok_or_else(
                    || Error::out_of_range(format!("shape {} has more elements than any data can hold", list(shape))),
                )?
            }
        };
        let count = if empty {
            0
        } else {
            sizes.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)).ok_or_else(|| {
                Error::out_of_range(format!("shape {} has more indices than can be counted", list(shape)))
            })?
        };
        let mut layout = Layout { shape: sizes, strides: steps, offset, count, lowest: offset, highest: offset };
        if empty {
            return Ok(layout);
        }
        if offset >= len {
            return Err(Error::out_of_range(format!(
                "offset {offset} is outside data of {len} elements (it is the element at index {} of shape {})",
                list(&vec![0; shape.len()]),
                list(shape)
            )));
        }
        // Formatted only for an error: a valid layout is made on every call's way into the ledger.
        let blame = || match strides {
            Some(given) => format!("strides {} with shape {} and offset {offset}", list(given), list(shape)),
            None => format!("shape {} with offset {offset}", list(shape)),
        };
        let Some((low, high)) = extremes(&layout.shape, &layout.strides, offset) else {
            return Err(Error::out_of_range(format!("{} reach past any addressable element", blame())));
        };
        let corner = |highest: bool| {
            let index: Vec<usize> = (layout.shape.iter().zip(&layout.strides))
                .map(|(&n, &s)| if (s > 0) == highest && s != 0 { n - 1 } else { 0 })
                .collect();
            list(&index)
        };
        if low < 0 {
            return Err(Error::out_of_range(format!(
                "{} reach element {low} (at index {}), before the start of data",
                blame(),
                corner(false)
            )));
        }
        if high >= len as i128 {
            return Err(Error::out_of_range(format!(
                "{} reach element {high} (at index {}), past the end of data of {len} elements",
                blame(),
                corner(true)
            )));
        }
        (layout.lowest, layout.highest) = (low as usize, high as usize);
        Ok(layout)
    }

    /// [`Layout::new`] from JavaScript numbers: each must be an integer of at most 2^53 - 1 in magnitude; `offset`
    /// defaults to 0 and `strides` to row-major contiguous.
    ///
    /// # Errors
    /// As [`Layout::new`], and `ERR_OUT_OF_RANGE` naming the entry for a number that is not such an integer.
    pub fn from_numbers(shape: &[f64], strides: Option<&[f64]>, offset: Option<f64>, len: usize) -> Result<Layout> {
        let shape: Vec<i64> =
            shape.iter().enumerate().map(|(k, &n)| integer(&format!("shape[{k}]"), n)).collect::<Result<_>>()?;
        let strides: Option<Vec<i64>> = strides
            .map(|s| s.iter().enumerate().map(|(k, &x)| integer(&format!("strides[{k}]"), x)).collect::<Result<_>>())
            .transpose()?;
        let offset = offset.map(|o| integer("offset", o)).transpose()?.unwrap_or(0);
        Layout::new(&shape, strides.as_deref(), offset, len)
    }

    /// The row-major contiguous layout of `shape` at offset 0, valid for data of exactly its element count (the
    /// layout of a new result array).
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` when the element count overflows, or for more than [`MAX_DIMS`] dimensions.
    pub fn row_major(shape: &[usize]) -> Result<Layout> {
        let count = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
        let (Some(count), Ok(sizes)) = (count, shape.iter().map(|&n| i64::try_from(n)).collect::<Result<Vec<_>, _>>())
        else {
            return Err(Error::out_of_range(format!("shape {} has more elements than any data can hold", list(shape))));
        };
        Layout::new(&sizes, None, 0, count)
    }

    /// Sizes along each dimension.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Steps along each dimension, in elements.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// The element reached by the index of all zeros.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of indices (the product of the shape; with a zero stride, more than the elements reached).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the layout reaches no element (some size is zero).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The elements from the lowest reached to the highest, `None` when none is.
    pub fn element_span(&self) -> Option<Range<usize>> {
        (!self.is_empty()).then(|| self.lowest..self.highest + 1)
    }

    /// The bytes of [`Layout::element_span`] for elements of `size` bytes, from the start of the data.
    ///
    /// # Panics
    /// When the span's end in bytes overflows `usize`: a layout validated for data in memory, whose bytes are
    /// addressable, never does.
    pub fn byte_span(&self, size: usize) -> Option<Range<usize>> {
        self.element_span().map(|r| {
            let end = r.end.checked_mul(size).expect("a layout validated for data in memory spans addressable bytes");
            r.start * size..end
        })
    }

    /// The element index `index` reaches, `None` when it is outside the shape or of another dimension count.
    pub fn element_of(&self, index: &[usize]) -> Option<usize> {
        if index.len() != self.ndim() || index.iter().zip(&self.shape).any(|(i, n)| i >= n) {
            return None;
        }
        let reach: isize = index.iter().zip(&self.strides).map(|(&i, &s)| s * i as isize).sum();
        Some(self.offset.wrapping_add_signed(reach))
    }

    /// Whether this is numpy's C-contiguous layout: row-major strides (ignoring dimensions of size 1), so index order
    /// is memory order and the elements reached are exactly [`Layout::element_span`].
    pub fn is_row_major(&self) -> bool {
        if self.is_empty() {
            return true;
        }
        let mut step = 1isize;
        for (&n, &s) in self.shape.iter().zip(&self.strides).rev() {
            if n != 1 {
                if s != step {
                    return false;
                }
                step *= n as isize;
            }
        }
        true
    }

    /// Whether the elements reached are exactly [`Layout::element_span`], each by one index: a contiguous block in
    /// some order (any permutation of a row-major layout's axes, any of them reversed). Such a layout conflicts
    /// exactly as its byte span does.
    pub fn is_dense(&self) -> bool {
        match self.element_span() {
            Some(span) => span.len() == self.count && self.internal_overlap() == Overlap::No,
            None => true,
        }
    }

    /// Whether two distinct indices reach one element (a zero stride along a dimension of more than one, or strides
    /// that collide), decided exactly within [`MAX_WORK`].
    pub fn internal_overlap(&self) -> Overlap {
        match self.collision(MAX_WORK) {
            Collision::None => Overlap::No,
            Collision::Found(..) => Overlap::Yes,
            Collision::TooHard => Overlap::TooHard,
        }
    }

    /// `Ok` when every element is reached by at most one index, so that the layout may be written through.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` naming the shape, the strides, and two indices that reach one element (or the work
    /// bound, when the question could not be decided within it).
    pub fn check_writable(&self) -> Result<()> {
        self.writable_within(MAX_WORK)
    }

    /// [`Layout::check_writable`] with a work bound of `max_work`.
    fn writable_within(&self, max_work: usize) -> Result<()> {
        let what = format!("a view with shape {} and strides {}", list(&self.shape), list(&self.strides));
        match self.collision(max_work) {
            Collision::None => Ok(()),
            Collision::Found(first, second) => Err(Error::arg_value(format!(
                "{what} reaches element {} at both index {} and index {}: it can be read but not written through",
                self.element_of(&first).unwrap_or(self.offset),
                list(&first),
                list(&second)
            ))),
            Collision::TooHard => Err(Error::arg_value(format!(
                "{what} could not be proven to reach each element once within {max_work} steps of search: it can be \
                 read but not written through"
            ))),
        }
    }

    /// A layout with these parts whose elements are among this one's (a permutation, slice or coalescing of it), so
    /// within whatever data this one was validated for.
    fn derived(&self, shape: Shape, strides: Strides, offset: usize) -> Layout {
        let count = if shape.contains(&0) { 0 } else { shape.iter().product() };
        let mut layout = Layout { shape, strides, offset, count, lowest: offset, highest: offset };
        if count > 0 {
            let (low, high) = extremes(&layout.shape, &layout.strides, offset).expect("within the original's extremes");
            (layout.lowest, layout.highest) = (low as usize, high as usize);
            debug_assert!(self.lowest <= layout.lowest && layout.highest <= self.highest);
        }
        layout
    }

    /// The same elements with the axes in the order `axes` gives (axis `k` of the result is axis `axes[k]` of this
    /// layout), as numpy's `transpose(axes)`.
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` when `axes` is not a permutation of `0..ndim`.
    pub fn permuted(&self, axes: &[usize]) -> Result<Layout> {
        let mut seen = vec![false; self.ndim()];
        let is_permutation =
            axes.len() == self.ndim() && axes.iter().all(|&a| a < seen.len() && !std::mem::replace(&mut seen[a], true));
        if !is_permutation {
            return Err(Error::arg_value(format!(
                "axes {} are not a permutation of the {} axes of shape {}",
                list(axes),
                self.ndim(),
                list(&self.shape)
            )));
        }
        let shape = axes.iter().map(|&a| self.shape[a]).collect();
        let strides = axes.iter().map(|&a| self.strides[a]).collect();
        Ok(self.derived(shape, strides, self.offset))
    }

    /// The indices `range` along `axis` (numpy's `a[:, start:end]`), keeping the dimension.
    ///
    /// # Panics
    /// When `axis` is not an axis or `range` is reversed or reaches past the axis.
    pub fn sliced(&self, axis: usize, range: Range<usize>) -> Layout {
        assert!(range.start <= range.end && range.end <= self.shape[axis], "{range:?} outside axis {axis}");
        let mut shape = self.shape.clone();
        shape[axis] = range.len();
        // The slice's first index reaches an element of this layout; an empty slice reaches nothing and keeps the
        // offset.
        let start = if self.is_empty() || range.is_empty() { 0 } else { range.start };
        let offset = self.offset.wrapping_add_signed(self.strides[axis] * start as isize);
        self.derived(shape, self.strides.clone(), offset)
    }

    /// The elements at index `i` along `axis`, without that dimension (numpy's `a[:, i]`).
    ///
    /// # Panics
    /// When `axis` is not an axis or `i` is outside it.
    pub fn indexed(&self, axis: usize, i: usize) -> Layout {
        assert!(i < self.shape[axis], "index {i} outside axis {axis} of size {}", self.shape[axis]);
        let offset = if self.is_empty() {
            self.offset
        } else {
            self.offset.wrapping_add_signed(self.strides[axis] * i as isize)
        };
        let mut shape = self.shape.clone();
        let mut strides = self.strides.clone();
        shape.remove(axis);
        strides.remove(axis);
        self.derived(shape, strides, offset)
    }

    /// The same elements in the same order with the fewest dimensions: sizes of 1 dropped, and each axis merged into
    /// the one before it when stepping through the whole inner axis lands on the outer axis's next index (as a
    /// row-major array's rows follow each other). A row-major layout becomes one dimension; iteration in index
    /// order visits the same elements in the same order.
    pub fn coalesced(&self) -> Layout {
        if self.is_empty() {
            return self.derived(SmallVec::from_slice(&[0]), SmallVec::from_slice(&[1]), self.offset);
        }
        let (mut shape, mut strides) = (Shape::new(), Strides::new());
        for (&n, &s) in self.shape.iter().zip(&self.strides) {
            if n == 1 {
                continue;
            }
            match (shape.last_mut(), strides.last_mut()) {
                (Some(outer_n), Some(outer_s)) if *outer_s == s * n as isize => {
                    *outer_n *= n;
                    *outer_s = s;
                }
                _ => {
                    shape.push(n);
                    strides.push(s);
                }
            }
        }
        self.derived(shape, strides, self.offset)
    }

    /// Axes `axis` and `axis + 1` as one axis, when stepping through the whole inner one lands on the outer one's next
    /// index (or either has size 1): the same elements in the same order. `None` when they do not chain so.
    pub fn merged(&self, axis: usize) -> Option<Layout> {
        let (n, m) = (*self.shape.get(axis)?, *self.shape.get(axis + 1)?);
        let (s, t) = (self.strides[axis], self.strides[axis + 1]);
        let stride = if m == 1 {
            s
        } else if n == 1 || s == t.checked_mul(m as isize)? {
            t
        } else {
            return None;
        };
        let mut shape = self.shape.clone();
        let mut strides = self.strides.clone();
        shape[axis] = n * m;
        strides[axis] = stride;
        shape.remove(axis + 1);
        strides.remove(axis + 1);
        Some(self.derived(shape, strides, self.offset))
    }

    /// Two distinct indices reaching one element, if any.
    fn collision(&self, max_work: usize) -> Collision {
        if self.is_empty() {
            return Collision::None;
        }
        let zeros = || vec![0usize; self.ndim()];
        // The dimensions that can move (size above 1), as positive terms.
        let mut moving: Vec<(usize, Term)> = Vec::new();
        for (k, (&n, &s)) in self.shape.iter().zip(&self.strides).enumerate() {
            if n <= 1 {
                continue;
            }
            if s == 0 {
                let mut second = zeros();
                second[k] = 1;
                return Collision::Found(zeros(), second);
            }
            moving.push((k, Term { a: (s as i128).abs(), ub: n as i128 - 1 }));
        }
        // Sorted by step, each reaching past everything the smaller steps reach: a mixed-radix numbering, one index
        // per element. Every sliced, transposed or reversed contiguous layout passes here without a search.
        moving.sort_by_key(|(_, t)| t.a);
        let mut reach: i128 = 0;
        if moving.iter().all(|(_, t)| {
            let passes = t.a > reach;
            reach = reach.saturating_add(t.a.saturating_mul(t.ub));
            passes
        }) {
            return Collision::None;
        }
        // Two indices x ≠ y with Σ a·x = Σ a·y (steps made positive by counting reversed axes from their end) exist
        // exactly when z = x + (ub - y), 0 <= z <= 2·ub, solves Σ a·z = Σ a·ub other than at z = ub (numpy's
        // reduction of the question).
        moving.reverse();
        let doubled: Vec<Term> = moving.iter().map(|(_, t)| Term { a: t.a, ub: 2 * t.ub }).collect();
        let b = moving.iter().map(|(_, t)| t.a * t.ub).sum();
        match solve(&doubled, b, max_work, true) {
            Solved::No => Collision::None,
            Solved::TooHard => Collision::TooHard,
            Solved::Yes(z) => {
                let (mut first, mut second) = (zeros(), zeros());
                for ((k, t), z) in moving.iter().zip(z) {
                    // x - y = z - ub: both as small as that allows, then mapped back along reversed axes.
                    let d = z - t.ub;
                    let (x, y) = (d.max(0) as usize, (-d).max(0) as usize);
                    let ub = t.ub as usize;
                    (first[*k], second[*k]) = if self.strides[*k] > 0 { (x, y) } else { (ub - x, ub - y) };
                }
                Collision::Found(first, second)
            }
        }
    }
}

/// The result of [`Layout::collision`].
enum Collision {
    None,
    Found(Vec<usize>, Vec<usize>),
    TooHard,
}

/// The bytes a layout reaches in memory: element `e` of the data occupies bytes `[base + e·size, base + (e+1)·size)`.
///
/// `base` is an address (the ledger's) or any common origin: only differences between footprints matter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Footprint {
    base: usize,
    size: usize,
    layout: Layout,
}

impl Footprint {
    /// The bytes `layout` reaches in data whose element 0 is at byte `base`, for elements of `size` bytes.
    ///
    /// # Panics
    /// When `size` is 0, or when the highest byte reached is past `usize::MAX` (a layout validated against data in
    /// memory never is).
    pub fn new(base: usize, size: usize, layout: Layout) -> Footprint {
        assert!(size > 0, "elements have at least one byte");
        if let Some(span) = layout.byte_span(size) {
            assert!(base.checked_add(span.end).is_some(), "a footprint past the address space");
        }
        Footprint { base, size, layout }
    }

    /// The `len` bytes from `start`, as one element of `len` bytes (none when `len` is 0).
    pub fn bytes(start: usize, len: usize) -> Footprint {
        let shape: &[i64] = if len == 0 { &[0] } else { &[] };
        let layout = Layout::new(shape, None, 0, 1).expect("one element, or none, fits one element");
        Footprint::new(start, len.max(1), layout)
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The element size, in bytes.
    pub fn element_size(&self) -> usize {
        self.size
    }

    /// The byte of element 0 of the data.
    pub fn base(&self) -> usize {
        self.base
    }

    /// From the lowest byte reached to one past the highest, `None` when none is.
    pub fn byte_range(&self) -> Option<Range<usize>> {
        self.layout.byte_span(self.size).map(|r| self.base + r.start..self.base + r.end)
    }

    /// Whether some byte is reached by both footprints, decided exactly (as `numpy.shares_memory`) within `max_work`
    /// nodes of search ([`MAX_WORK`] is the ledger's).
    pub fn shares_memory(&self, other: &Footprint, max_work: usize) -> Overlap {
        let (Some(mine), Some(theirs)) = (self.byte_range(), other.byte_range()) else { return Overlap::No };
        if mine.start >= theirs.end || theirs.start >= mine.end {
            return Overlap::No;
        }
        if max_work == 0 {
            return Overlap::TooHard;
        }
        // A byte of `self` is lowest + Σ |stride|·x + u (reversed axes counted from their end) with 0 <= u < size; one
        // of `other` is its highest byte minus Σ |stride|·y + v. They meet exactly when every term is on one side of
        // an equation whose right-hand side is `other`'s highest byte minus `self`'s lowest; the other way round is
        // the same question, and the smaller right-hand side leaves fewer candidates.
        let rhs = (theirs.end - 1 - mine.start).min(mine.end - 1 - theirs.start) as i128;
        let mut terms: Vec<Term> = Vec::new();
        for footprint in [self, other] {
            let size = footprint.size as i128;
            for (&n, &s) in footprint.layout.shape.iter().zip(&footprint.layout.strides) {
                if n > 1 && s != 0 {
                    let Some(a) = (s as i128).abs().checked_mul(size) else { return Overlap::TooHard };
                    terms.push(Term { a, ub: n as i128 - 1 });
                }
            }
            if size > 1 {
                terms.push(Term { a: 1, ub: size - 1 });
            }
        }
        let Some(terms) = simplified(terms, rhs) else { return Overlap::TooHard };
        match solve(&terms, rhs, max_work, false) {
            Solved::No => Overlap::No,
            Solved::Yes(_) => Overlap::Yes,
            Solved::TooHard => Overlap::TooHard,
        }
    }
}

/// The same decision problem with fewer, tighter terms: sorted by decreasing coefficient, equal coefficients merged
/// (their variables' sum takes every value up to the sum of the bounds), each bound cut to what `rhs` allows, terms
/// then fixed at 0 dropped. `None` on overflow.
fn simplified(mut terms: Vec<Term>, rhs: i128) -> Option<Vec<Term>> {
    terms.sort_by_key(|term| std::cmp::Reverse(term.a));
    let mut merged: Vec<Term> = Vec::with_capacity(terms.len());
    for term in terms {
        match merged.last_mut() {
            Some(last) if last.a == term.a => last.ub = last.ub.checked_add(term.ub)?,
            _ => merged.push(term),
        }
    }
    merged.iter_mut().for_each(|t| t.ub = t.ub.min(rhs / t.a));
    merged.retain(|t| t.ub > 0);
    Some(merged)
}

#[cfg(test)]
mod tests;
