//! [`Column`]: a new array an operation returns (sorted indices, prefix sums, quantiles, distinct values), handed to
//! the binding as a vector of its Rust element type, which becomes a typed array of that type without a copy.

use half::f16;

/// A vector of one element type, returned to JavaScript as the typed array of that type (`u8` as a `Uint8Array`, `f16`
/// as the `Uint16Array` that holds a `Float16Array`'s bits: the facade gives such results the input's own constructor).
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// `Int8Array`.
    Int8(Vec<i8>),
    /// `Uint8Array`.
    Uint8(Vec<u8>),
    /// `Int16Array`.
    Int16(Vec<i16>),
    /// `Uint16Array`.
    Uint16(Vec<u16>),
    /// `Int32Array`.
    Int32(Vec<i32>),
    /// `Uint32Array`.
    Uint32(Vec<u32>),
    /// `Float16Array`, as the bits a `Uint16Array` holds.
    Float16(Vec<f16>),
    /// `Float32Array`.
    Float32(Vec<f32>),
    /// `Float64Array`.
    Float64(Vec<f64>),
    /// `BigInt64Array`.
    BigInt64(Vec<i64>),
    /// `BigUint64Array`.
    BigUint64(Vec<u64>),
}

impl Column {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Column::Int8(v) => v.len(),
            Column::Uint8(v) => v.len(),
            Column::Int16(v) => v.len(),
            Column::Uint16(v) => v.len(),
            Column::Int32(v) => v.len(),
            Column::Uint32(v) => v.len(),
            Column::Float16(v) => v.len(),
            Column::Float32(v) => v.len(),
            Column::Float64(v) => v.len(),
            Column::BigInt64(v) => v.len(),
            Column::BigUint64(v) => v.len(),
        }
    }

    /// Whether it has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element type a [`Column`] can hold.
pub trait ColumnElement: Sized {
    /// `values` as a column.
    fn column(values: Vec<Self>) -> Column;
}

macro_rules! column_element {
    ($($t:ty => $variant:ident),*) => {$(
        impl ColumnElement for $t {
            fn column(values: Vec<Self>) -> Column {
                Column::$variant(values)
            }
        }
    )*};
}
column_element!(i8 => Int8, u8 => Uint8, i16 => Int16, u16 => Uint16, i32 => Int32, u32 => Uint32, f16 => Float16,
    f32 => Float32, f64 => Float64, i64 => BigInt64, u64 => BigUint64);
