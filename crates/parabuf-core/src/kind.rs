//! [`ElementKind`]: which typed array an export is viewed as.

use std::fmt;

use crate::error::{Error, Result};

/// The element type of a JavaScript typed array.
///
/// `Uint8Clamped` shares `u8` storage with `Uint8` but converts numbers differently on store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementKind {
    /// `Int8Array`
    Int8,
    /// `Uint8Array` (and `Buffer`)
    Uint8,
    /// `Uint8ClampedArray`
    Uint8Clamped,
    /// `Int16Array`
    Int16,
    /// `Uint16Array`
    Uint16,
    /// `Int32Array`
    Int32,
    /// `Uint32Array`
    Uint32,
    /// `Float16Array`
    Float16,
    /// `Float32Array`
    Float32,
    /// `Float64Array`
    Float64,
    /// `BigInt64Array`
    BigInt64,
    /// `BigUint64Array`
    BigUint64,
}

impl ElementKind {
    /// Every kind, in the order of [`ElementKind::code`].
    pub const ALL: [ElementKind; 12] = [
        ElementKind::Int8,
        ElementKind::Uint8,
        ElementKind::Uint8Clamped,
        ElementKind::Int16,
        ElementKind::Uint16,
        ElementKind::Int32,
        ElementKind::Uint32,
        ElementKind::Float16,
        ElementKind::Float32,
        ElementKind::Float64,
        ElementKind::BigInt64,
        ElementKind::BigUint64,
    ];

    /// The small integer the binding and the facade use for this kind.
    pub fn code(self) -> u32 {
        ElementKind::ALL.iter().position(|k| *k == self).unwrap_or(0) as u32
    }

    /// The kind for a code from [`ElementKind::code`].
    ///
    /// # Errors
    /// [`Error::InvalidArgValue`] for an unknown code.
    pub fn from_code(code: u32) -> Result<ElementKind> {
        ElementKind::ALL
            .get(code as usize)
            .copied()
            .ok_or_else(|| Error::arg_value(format!("unknown element kind code {code}")))
    }

    /// The JavaScript constructor's name.
    pub fn name(self) -> &'static str {
        match self {
            ElementKind::Int8 => "Int8Array",
            ElementKind::Uint8 => "Uint8Array",
            ElementKind::Uint8Clamped => "Uint8ClampedArray",
            ElementKind::Int16 => "Int16Array",
            ElementKind::Uint16 => "Uint16Array",
            ElementKind::Int32 => "Int32Array",
            ElementKind::Uint32 => "Uint32Array",
            ElementKind::Float16 => "Float16Array",
            ElementKind::Float32 => "Float32Array",
            ElementKind::Float64 => "Float64Array",
            ElementKind::BigInt64 => "BigInt64Array",
            ElementKind::BigUint64 => "BigUint64Array",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            ElementKind::Int8 | ElementKind::Uint8 | ElementKind::Uint8Clamped => 1,
            ElementKind::Int16 | ElementKind::Uint16 | ElementKind::Float16 => 2,
            ElementKind::Int32 | ElementKind::Uint32 | ElementKind::Float32 => 4,
            ElementKind::Float64 | ElementKind::BigInt64 | ElementKind::BigUint64 => 8,
        }
    }

    /// Whether JavaScript reads and writes these elements as `bigint`.
    pub fn is_bigint(self) -> bool {
        matches!(self, ElementKind::BigInt64 | ElementKind::BigUint64)
    }
}

impl fmt::Display for ElementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs `$body` with `$T` bound to the Rust element type of `$kind` (`u8` for both `Uint8` and `Uint8Clamped`).
#[macro_export]
macro_rules! with_element_type {
    ($kind:expr, $T:ident => $body:expr) => {
        match $kind {
            $crate::ElementKind::Int8 => {
                type $T = i8;
                $body
            }
            $crate::ElementKind::Uint8 | $crate::ElementKind::Uint8Clamped => {
                type $T = u8;
                $body
            }
            $crate::ElementKind::Int16 => {
                type $T = i16;
                $body
            }
            $crate::ElementKind::Uint16 => {
                type $T = u16;
                $body
            }
            $crate::ElementKind::Int32 => {
                type $T = i32;
                $body
            }
            $crate::ElementKind::Uint32 => {
                type $T = u32;
                $body
            }
            $crate::ElementKind::Float16 => {
                type $T = $crate::f16;
                $body
            }
            $crate::ElementKind::Float32 => {
                type $T = f32;
                $body
            }
            $crate::ElementKind::Float64 => {
                type $T = f64;
                $body
            }
            $crate::ElementKind::BigInt64 => {
                type $T = i64;
                $body
            }
            $crate::ElementKind::BigUint64 => {
                type $T = u64;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in ElementKind::ALL {
            assert_eq!(ElementKind::from_code(kind.code()).unwrap(), kind);
        }
        assert!(ElementKind::from_code(12).is_err());
    }

    #[test]
    fn sizes_match_rust_types() {
        for kind in ElementKind::ALL {
            let size = with_element_type!(kind, T => std::mem::size_of::<T>());
            assert_eq!(size, kind.size(), "{kind}");
        }
    }
}
