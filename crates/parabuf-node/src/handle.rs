//! The native record behind an export handle (`borrow()`): the one place that knows a handle's array, byte range, kind
//! and mode. JavaScript holds it as an opaque, type-tagged external ([`intake::wrap_external`]); nothing a script does to
//! any object changes what it says.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex};

use napi::{Env, Unknown};
use parabuf_core::{ElementKind, Error, ExportCell, Ledger, Lent, Mode};

use crate::intake::{self, KeepAlive, TypedArrayInfo};
use crate::operation::{checked_kind, lock, viewed_region, ViewNumbers, Viewed};

/// An export held by a handle.
#[derive(Debug)]
pub struct HandleRecord {
    cell: Arc<Mutex<ExportCell>>,
    kind: ElementKind,
    /// The typed array the export was taken through (for a `Float16Array`, its `Uint16Array` alias), held until
    /// release: every use re-reads its internal slots. Only the JavaScript thread touches it.
    view: RefCell<Option<KeepAlive>>,
    /// The address of byte 0 of its buffer, to state byte ranges as offsets.
    base: usize,
    byte_offset: usize,
    /// The bytes of the whole array when the export was taken: every use checks that the array still covers them.
    array_range: parabuf_core::ByteRange,
    /// For an export of a view, its shape (a strided export carries its own layout too); `None` for a whole array.
    view_shape: Option<Vec<usize>>,
    /// The number of elements exported.
    elements: usize,
}

/// What JavaScript may see of a handle.
#[napi_derive::napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct ExportState {
    /// Whether `release()` was called.
    pub released: bool,
    /// `'read'` or `'write'`.
    pub mode: String,
    /// The array's `byteOffset` within its buffer when the export was taken.
    pub byte_offset: f64,
    /// The number of exported bytes.
    pub byte_length: f64,
    /// The element kind code of the array.
    pub kind: u32,
    /// The number of elements exported (a view's count, for an export of a view).
    pub elements: f64,
    /// The ledger id of the export.
    pub id: f64,
}

impl HandleRecord {
    /// Takes an export of `array` (viewed as kind `kind`, checked against what Node-API reports), or of the elements
    /// the view `view` of it reaches, for a handle.
    ///
    /// # Errors
    /// Intake errors, a view outside the array (or one that reaches an element twice, for a write export),
    /// `ERR_PARABUF_BORROWED` on a conflict (stated in byte offsets of the array's buffer).
    pub fn open(
        env: &Env,
        array: &Unknown<'_>,
        kind: u32,
        mode: Mode,
        view: Option<&ViewNumbers>,
    ) -> Result<HandleRecord, Error> {
        let what = "borrow() argument";
        let info = intake::typed_array(env, array, &what)?;
        let kind = checked_kind(kind, info.napi_kind, &what)?;
        let Viewed { region, strided, shape } = match view {
            None => Viewed { region: info.region, strided: None, shape: None },
            Some(view) => {
                let layout = view.layout(info.region.len() / kind.size())?;
                if mode == Mode::Write {
                    layout.check_writable()?;
                }
                viewed_region(info.region, kind, layout)?
            }
        };
        let elements = strided.as_ref().map_or(region.len() / kind.size(), |layout| layout.len());
        let view_shape = match (&strided, shape) {
            (Some(layout), _) => Some(layout.shape().to_vec()),
            (None, shape) => shape,
        };
        let cell = match (mode, strided) {
            (Mode::Read, None) => Ledger::global().read(region).map(ExportCell::from_read),
            (Mode::Write, None) => Ledger::global().write(region).map(ExportCell::from_write),
            (Mode::Read, Some(layout)) => {
                Ledger::global().read_strided(info.region, kind.size(), layout).map(ExportCell::from_read)
            }
            (Mode::Write, Some(layout)) => {
                Ledger::global().write_strided(info.region, kind.size(), layout).map(ExportCell::from_write)
            }
        }
        .map_err(|e| e.relative_to(info.base()))?;
        let view = KeepAlive::new(env, array)?;
        Ok(HandleRecord {
            cell: Arc::new(Mutex::new(cell)),
            kind,
            view: RefCell::new(Some(view)),
            base: info.base(),
            byte_offset: info.byte_offset,
            array_range: info.region.range(),
            view_shape,
            elements,
        })
    }

    /// For an export of a view, the view's shape: operations see the exported elements in this shape.
    pub fn view_shape(&self) -> Option<&[usize]> {
        self.view_shape.as_deref()
    }

    /// Releases the export (idempotent; deferred while an operation in flight holds it) and lets the array go.
    pub fn release(&self, env: &Env) {
        lock(&self.cell).release();
        if let Some(view) = self.view.borrow_mut().take() {
            view.release(env);
        }
    }

    /// What JavaScript may see.
    pub fn state(&self) -> ExportState {
        let cell = lock(&self.cell);
        let info = cell.info();
        ExportState {
            released: cell.is_released(),
            mode: cell.mode().as_str().to_string(),
            byte_offset: self.byte_offset as f64,
            byte_length: (info.range.end - info.range.start) as f64,
            kind: self.kind.code(),
            elements: self.elements as f64,
            id: info.id as f64,
        }
    }

    /// The export cell, for an operation's lease.
    pub fn cell(&self) -> Arc<Mutex<ExportCell>> {
        Arc::clone(&self.cell)
    }

    /// The element kind the export was taken as.
    pub fn element_kind(&self) -> ElementKind {
        self.kind
    }

    /// Lends the export to an operation needing `mode`, with conflicts stated as offsets in the buffer.
    ///
    /// # Errors
    /// `ERR_PARABUF_RELEASED` after release; `ERR_PARABUF_BORROWED` for a read handle asked to write, or a write
    /// handle already lent.
    pub fn lend(&self, mode: Mode, operation: &str) -> Result<Lent, Error> {
        lock(&self.cell).lend(mode, operation).map_err(|e| e.relative_to(self.base))
    }

    /// Checks, from the engine's state now, that the handle's array still covers the exported bytes: its buffer is
    /// attached and the view starts where the export starts and reaches at least as far (a length-tracking view over
    /// a grown buffer reaches further; the operation uses the exported bytes only).
    ///
    /// # Errors
    /// `ERR_PARABUF_RELEASED` after release, `ERR_PARABUF_DETACHED` when the memory moved, was transferred or shrank
    /// below the export, `ERR_PARABUF_OUT_OF_BOUNDS` when the view is past the end of its shrunk buffer.
    pub fn current(&self, env: &Env, what: &dyn fmt::Display) -> Result<TypedArrayInfo, Error> {
        let held = self.view.borrow();
        let Some(view) = held.as_ref() else {
            return Err(Error::Released { what: format!("{what} is an export handle that was released") });
        };
        let info = intake::current(env, view, what)?;
        // A view that reports no elements may be past the end of its shrunk buffer: refused like any such view, even
        // when the export itself is empty.
        if info.region.is_empty() && intake::is_out_of_bounds(env, view.raw_value(env)?)? {
            return Err(Error::OutOfBounds { what: what.to_string() });
        }
        let exported = lock(&self.cell).info().range;
        let now = info.region.range();
        let empty = exported.start == exported.end;
        if !empty && (now.start != self.array_range.start || now.end < self.array_range.end.max(exported.end)) {
            return Err(Error::Detached { what: format!("{what} (an export handle's array)") });
        }
        Ok(info)
    }
}
