//! parabuf's engine: memory regions, the process-wide export ledger, lifetime-bound views, and the rayon kernels.
//!
//! No Node-API here. The binding (`parabuf-node`) turns JavaScript values into [`Region`]s, takes exports through the
//! [`Ledger`], and calls [`execute`]; everything that can be decided without JavaScript is decided in this crate.

#![warn(missing_docs)]

mod arch;
pub mod error;
pub mod exec;
pub mod expr;
pub mod kernels;
pub mod kind;
pub mod layout;
pub mod ledger;
pub mod ops;
#[cfg(feature = "bench")]
pub mod probe;
pub mod region;
mod scratch;
pub mod view;

pub use error::{ByteRange, Error, JsClass, Result, CATALOG};
pub use exec::{pool, threads, Cancel, BLOCK};
pub use half::f16;
pub use kernels::{Conversion, Key, Neumaier, Numeric, Ordered, Scalar, Store};
pub use kind::ElementKind;
pub use layout::{Footprint, Layout, Overlap, MAX_DIMS};
pub use ledger::{ExportCell, ExportInfo, Ledger, Lent, Mode, ReadGuard, WriteGuard};
pub use ops::{
    execute, execute_along, execute_expression, guarded, Arg, ArraySpec, AxisResult, Column, ColumnElement,
    ExpressionUse, Op, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, INLINE_BYTES,
};
pub use region::{owned_buffer_count, OwnedBuffer, Region};
pub use view::{Element, ReadView, StridedReadView, StridedWriteView, WriteView};
