//! The kernels: one module per operation, each generic over the element type and split across the pool in fixed
//! blocks (see [`exec`](crate::exec)).

pub mod numeric;
pub mod sum;

pub use numeric::{Neumaier, Numeric, Scalar};
pub use sum::sum;
