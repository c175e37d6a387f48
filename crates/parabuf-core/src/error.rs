//! The one error vocabulary of parabuf.
//!
//! Every failure anywhere in the stack is an [`Error`]. Each variant has a stable [`Error::code`] (Node style) and a
//! [`JsClass`] saying which JavaScript error class the facade raises for it, so the JavaScript side never invents
//! codes of its own: it reads [`CATALOG`] through the binding.

use std::fmt;

use crate::ledger::Mode;

/// The JavaScript class an [`Error`] becomes in the public API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsClass {
    /// `TypeError`: the argument has the wrong type or is in an unusable state.
    TypeError,
    /// `RangeError`: the argument has the right type but a value out of range.
    RangeError,
    /// parabuf's own `BorrowError` (a subclass of `Error`): an export conflict.
    BorrowError,
    /// An `AbortError`: the caller's `AbortSignal` fired.
    AbortError,
    /// `SyntaxError`: the source text of an expression cannot be compiled.
    SyntaxError,
    /// A plain `Error`: something inside parabuf went wrong.
    Error,
}

impl JsClass {
    /// The class name as the facade spells it.
    pub fn name(self) -> &'static str {
        match self {
            JsClass::TypeError => "TypeError",
            JsClass::RangeError => "RangeError",
            JsClass::BorrowError => "BorrowError",
            JsClass::AbortError => "AbortError",
            JsClass::SyntaxError => "SyntaxError",
            JsClass::Error => "Error",
        }
    }
}

/// Every code parabuf raises, with the class it is raised as. The facade builds its error mapping from this table.
pub const CATALOG: &[(&str, JsClass)] = &[
    ("ERR_PARABUF_BORROWED", JsClass::BorrowError),
    ("ERR_PARABUF_RELEASED", JsClass::BorrowError),
    ("ERR_PARABUF_DETACHED", JsClass::TypeError),
    ("ERR_PARABUF_RESIZABLE", JsClass::TypeError),
    ("ERR_PARABUF_OUT_OF_BOUNDS", JsClass::TypeError),
    ("ERR_PARABUF_MISALIGNED", JsClass::RangeError),
    ("ERR_PARABUF_TYPE_MISMATCH", JsClass::TypeError),
    ("ERR_PARABUF_LENGTH_MISMATCH", JsClass::RangeError),
    ("ERR_PARABUF_EMPTY", JsClass::RangeError),
    ("ERR_INVALID_ARG_TYPE", JsClass::TypeError),
    ("ERR_INVALID_ARG_VALUE", JsClass::TypeError),
    ("ERR_OUT_OF_RANGE", JsClass::RangeError),
    ("ABORT_ERR", JsClass::AbortError),
    ("ERR_PARABUF_EXPRESSION_SYNTAX", JsClass::SyntaxError),
    ("ERR_PARABUF_INTERNAL", JsClass::Error),
];

/// A half-open byte range `[start, end)`. The ledger works with addresses; before an error reaches JavaScript the binding
/// makes its ranges relative to the buffer the request came through ([`Error::relative_to`]), so messages name byte
/// offsets, never heap addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}) ({} bytes)", self.start, self.end, self.end - self.start)
    }
}

/// Everything that can go wrong in parabuf.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// An export of `requested` mode over `requested_range` overlaps a live export of `blocking` mode.
    Borrowed {
        /// The mode asked for.
        requested: Mode,
        /// The bytes asked for.
        requested_range: ByteRange,
        /// The mode of the live export in the way.
        blocking: Mode,
        /// The bytes of the live export in the way.
        blocking_range: ByteRange,
    },
    /// An export handle was used after `release()`, or while an operation in flight holds it exclusively.
    Released {
        /// What was being attempted.
        what: String,
    },
    /// The memory behind an argument is detached (transferred or destroyed).
    Detached {
        /// The argument.
        what: String,
    },
    /// Work that outlives the call was asked of memory in a resizable, non-shared `ArrayBuffer`, whose shrinking (which
    /// no guard can stop from another realm) would free pages under the native thread.
    Resizable {
        /// The operation.
        operation: &'static str,
    },
    /// A fixed-length view whose resizable buffer shrank below its end: the engine's own methods refuse it too.
    OutOfBounds {
        /// The argument.
        what: String,
    },
    /// The region is not aligned for its element type.
    Misaligned {
        /// Address of the first byte.
        address: usize,
        /// Alignment the element type needs.
        align: usize,
    },
    /// Two arrays that must share an element type do not.
    TypeMismatch {
        /// Description of the mismatch.
        detail: String,
    },
    /// Two arrays that must share a length do not.
    LengthMismatch {
        /// Length of the first array.
        left: usize,
        /// Length of the second array.
        right: usize,
    },
    /// A reduction with no identity was asked of an empty array.
    Empty {
        /// The operation: `None` from a kernel, which does not know its name; [`execute`](crate::execute) names it
        /// ([`Error::in_operation`]) before the error leaves the crate.
        operation: Option<&'static str>,
    },
    /// An argument has the wrong type.
    InvalidArgType {
        /// Description of what was expected and what arrived.
        detail: String,
    },
    /// An argument has the right type but an unusable value.
    InvalidArgValue {
        /// Description.
        detail: String,
    },
    /// A number is out of its allowed range.
    OutOfRange {
        /// Description.
        detail: String,
    },
    /// The caller's signal aborted the operation.
    Aborted {
        /// The operation: `None` from a kernel or [`Cancel::check`](crate::Cancel::check), which do not know its
        /// name; [`execute`](crate::execute) names it ([`Error::in_operation`]) before the error leaves the crate.
        operation: Option<&'static str>,
    },
    /// The source of an expression cannot be compiled: a character or token out of place, an unknown function, a
    /// wrong number of arguments, or nesting deeper than the compiler takes. Points at one character of the source.
    Expression {
        /// What is wrong there.
        reason: String,
        /// 1-based line of the character.
        line: usize,
        /// 1-based column of the character within its line, in characters.
        column: usize,
        /// The line, cut to a window around the character when it is long.
        excerpt: String,
        /// 1-based position of the character within `excerpt`, where the message puts its caret.
        caret: usize,
    },
    /// A bug inside parabuf (a caught panic, an impossible state).
    Internal {
        /// What is known about it.
        detail: String,
    },
}

/// `Result` with parabuf's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable, Node-style code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Borrowed { .. } => "ERR_PARABUF_BORROWED",
            Error::Released { .. } => "ERR_PARABUF_RELEASED",
            Error::Detached { .. } => "ERR_PARABUF_DETACHED",
            Error::OutOfBounds { .. } => "ERR_PARABUF_OUT_OF_BOUNDS",
            Error::Resizable { .. } => "ERR_PARABUF_RESIZABLE",
            Error::Misaligned { .. } => "ERR_PARABUF_MISALIGNED",
            Error::TypeMismatch { .. } => "ERR_PARABUF_TYPE_MISMATCH",
            Error::LengthMismatch { .. } => "ERR_PARABUF_LENGTH_MISMATCH",
            Error::Empty { .. } => "ERR_PARABUF_EMPTY",
            Error::InvalidArgType { .. } => "ERR_INVALID_ARG_TYPE",
            Error::InvalidArgValue { .. } => "ERR_INVALID_ARG_VALUE",
            Error::OutOfRange { .. } => "ERR_OUT_OF_RANGE",
            Error::Aborted { .. } => "ABORT_ERR",
            Error::Expression { .. } => "ERR_PARABUF_EXPRESSION_SYNTAX",
            Error::Internal { .. } => "ERR_PARABUF_INTERNAL",
        }
    }

    /// The JavaScript class this error is raised as.
    pub fn js_class(&self) -> JsClass {
        let code = self.code();
        CATALOG.iter().find(|(c, _)| *c == code).map_or(JsClass::Error, |(_, class)| *class)
    }

    /// The same error with every address range made relative to `base`, the first byte of the buffer the request came
    /// through, so that its message names byte offsets within that buffer and never a heap address. Exports that
    /// overlap a request lie in the same allocation, so their offsets are meaningful against the same base.
    #[must_use]
    pub fn relative_to(self, base: usize) -> Error {
        let rebase = |r: ByteRange| ByteRange { start: r.start.wrapping_sub(base), end: r.end.wrapping_sub(base) };
        match self {
            Error::Borrowed { requested, requested_range, blocking, blocking_range } => Error::Borrowed {
                requested,
                requested_range: rebase(requested_range),
                blocking,
                blocking_range: rebase(blocking_range),
            },
            other => other,
        }
    }

    /// The same error with its operation named `name` where it has none yet ([`Error::Aborted`] and [`Error::Empty`]
    /// from kernels, which do not know which operation runs them). An operation already named keeps its name.
    #[must_use]
    pub fn in_operation(self, name: &'static str) -> Error {
        match self {
            Error::Aborted { operation: None } => Error::Aborted { operation: Some(name) },
            Error::Empty { operation: None } => Error::Empty { operation: Some(name) },
            other => other,
        }
    }

    /// Shorthand for [`Error::InvalidArgType`].
    pub fn arg_type(detail: impl Into<String>) -> Self {
        Error::InvalidArgType { detail: detail.into() }
    }

    /// Shorthand for [`Error::InvalidArgValue`].
    pub fn arg_value(detail: impl Into<String>) -> Self {
        Error::InvalidArgValue { detail: detail.into() }
    }

    /// Shorthand for [`Error::OutOfRange`].
    pub fn out_of_range(detail: impl Into<String>) -> Self {
        Error::OutOfRange { detail: detail.into() }
    }

    /// Shorthand for [`Error::Internal`].
    pub fn internal(detail: impl Into<String>) -> Self {
        Error::Internal { detail: detail.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Borrowed { requested, requested_range, blocking, blocking_range } => write!(
                f,
                "cannot take a '{requested}' export of bytes {requested_range}: a live '{blocking}' export holds bytes {blocking_range}"
            ),
            Error::Released { what } => write!(f, "{what}"),
            Error::Detached { what } => write!(f, "{what} is detached: its memory was transferred or freed"),
            Error::Resizable { operation } => write!(
                f,
                "{operation}() cannot run off the JavaScript thread on a resizable ArrayBuffer: shrinking it while a native thread reads it would crash the process. Use {operation}Sync(), or copy into a fixed-length buffer"
            ),
            Error::OutOfBounds { what } => {
                write!(f, "{what} is out of bounds: its resizable ArrayBuffer shrank below the end of the view")
            }
            Error::Misaligned { address, align } => write!(
                f,
                "memory is not aligned to {align} bytes for its element type (its first byte is {} bytes past a multiple of {align})",
                address % align
            ),
            Error::TypeMismatch { detail } => write!(f, "{detail}"),
            Error::LengthMismatch { left, right } => {
                write!(f, "arrays must have the same length, got {left} and {right} elements")
            }
            Error::Empty { operation: Some(operation) } => write!(f, "{operation}() of an empty array has no value"),
            Error::Empty { operation: None } => write!(f, "an empty array has no value"),
            Error::InvalidArgType { detail } | Error::InvalidArgValue { detail } | Error::OutOfRange { detail } => {
                write!(f, "{detail}")
            }
            Error::Aborted { operation: Some(operation) } => write!(f, "{operation}() was aborted"),
            Error::Aborted { operation: None } => write!(f, "the operation was aborted"),
            Error::Expression { reason, line, column, excerpt, caret } => {
                if *line == 1 {
                    write!(f, "{reason} (column {column})")?;
                } else {
                    write!(f, "{reason} (line {line}, column {column})")?;
                }
                write!(f, "\n    {excerpt}\n    {:>width$}", "^", width = *caret)
            }
            Error::Internal { detail } => write!(f, "internal error in parabuf: {detail}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_catalog_entry() {
        let samples = [
            Error::Borrowed {
                requested: Mode::Read,
                requested_range: ByteRange { start: 0, end: 8 },
                blocking: Mode::Write,
                blocking_range: ByteRange { start: 0, end: 16 },
            },
            Error::Released { what: String::new() },
            Error::Detached { what: String::new() },
            Error::OutOfBounds { what: String::new() },
            Error::Resizable { operation: "sum" },
            Error::Misaligned { address: 1, align: 8 },
            Error::TypeMismatch { detail: String::new() },
            Error::LengthMismatch { left: 1, right: 2 },
            Error::Empty { operation: Some("min") },
            Error::arg_type(""),
            Error::arg_value(""),
            Error::out_of_range(""),
            Error::Aborted { operation: Some("sum") },
            Error::Expression { reason: String::new(), line: 1, column: 1, excerpt: String::new(), caret: 1 },
            Error::internal(""),
        ];
        for e in samples {
            assert!(CATALOG.iter().any(|(c, _)| *c == e.code()), "{} missing", e.code());
        }
    }

    /// The messages JavaScript sees name the operation; a kernel's unnamed error takes the name [`execute`] gives it,
    /// and a name once given stays.
    #[test]
    fn errors_name_their_operation_once() {
        let aborted = Error::Aborted { operation: None };
        assert_eq!(aborted.to_string(), "the operation was aborted");
        assert_eq!(aborted.clone().in_operation("sum"), Error::Aborted { operation: Some("sum") });
        assert_eq!(aborted.in_operation("sum").to_string(), "sum() was aborted");
        let empty = Error::Empty { operation: None };
        assert_eq!(empty.to_string(), "an empty array has no value");
        assert_eq!(empty.in_operation("min").to_string(), "min() of an empty array has no value");
        assert_eq!(Error::Aborted { operation: Some("dot") }.in_operation("sum").to_string(), "dot() was aborted");
        let other = Error::LengthMismatch { left: 1, right: 2 };
        assert_eq!(other.clone().in_operation("dot"), other);
    }

    #[test]
    fn borrow_message_names_modes_and_ranges() {
        let e = Error::Borrowed {
            requested: Mode::Write,
            requested_range: ByteRange { start: 0x1010, end: 0x1020 },
            blocking: Mode::Read,
            blocking_range: ByteRange { start: 0x1018, end: 0x1028 },
        }
        .relative_to(0x1000);
        assert_eq!(
            e.to_string(),
            "cannot take a 'write' export of bytes [16, 32) (16 bytes): a live 'read' export holds bytes [24, 40) (16 bytes)"
        );
        assert_eq!(e.js_class(), JsClass::BorrowError);
    }
}
