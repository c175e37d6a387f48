//! The native record behind an export handle (`borrow()`): the one place that knows a handle's array, byte range, kind
//! and mode. JavaScript holds it as an opaque, type-tagged external ([`intake::wrap_external`]); nothing a script does to
//! any object changes what it says.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex};

use napi::{Env, Unknown};
use parabuf_core::{ElementKind, Error, ExportCell, Ledger, Lent, Mode};

use crate::intake::{self, KeepAlive, TypedArrayInfo};
use crate::operation::{checked_kind, lock};

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
    /// The ledger id of the export.
    pub id: f64,
}

impl HandleRecord {
    /// Takes an export of `array` (viewed as kind `kind`, checked against what Node-API reports) for a handle.
    ///
    /// # Errors
    /// Intake errors, `ERR_PARABUF_BORROWED` on a conflict (stated in byte offsets of the array's buffer).
    pub fn open(env: &Env, array: &Unknown<'_>, kind: u32, mode: Mode) -> Result<HandleRecord, Error> {
        let what = "borrow() argument";
        let info = intake::typed_array(env, array, &what)?;
        let kind = checked_kind(kind, info.napi_kind, &what)?;
        let cell = match mode {
            Mode::Read => Ledger::global().read(info.region).map(ExportCell::from_read),
            Mode::Write => Ledger::global().write(info.region).map(ExportCell::from_write),
        }
        .map_err(|e| e.relative_to(info.base()))?;
        let view = KeepAlive::new(env, array)?;
        Ok(HandleRecord {
            cell: Arc::new(Mutex::new(cell)),
            kind,
            view: RefCell::new(Some(view)),
            base: info.base(),
            byte_offset: info.byte_offset,
        })
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
        if !empty && (now.start != exported.start || now.end < exported.end) {
            return Err(Error::Detached { what: format!("{what} (an export handle's array)") });
        }
        Ok(info)
    }
}
