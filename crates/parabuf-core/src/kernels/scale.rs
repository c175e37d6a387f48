//! `scale`: `a[i] = a[i] * factor + offset`, stored exactly as JavaScript would store it.

use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::blocks::map_in_place;
use crate::kernels::convert::{Conversion, Store};
use crate::kernels::numeric::Scalar;
use crate::ops::{
    check_element, writing, Arg, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, WRITES_A,
};
use crate::view::WriteView;

/// Sets every element to `a[i] * factor + offset`.
///
/// Number arrays (`factor` and `offset` numbers): computed in doubles as JavaScript computes `a[i] * factor + offset`,
/// with two roundings (never a fused multiply-add), then stored with `conversion` (wrapping for integer arrays,
/// clamping for `Uint8ClampedArray`, rounding for float arrays). Bigint arrays (`factor` and `offset` bigints): exact,
/// then wrapped modulo 2^64 as `BigInt.asIntN`/`asUintN(64, …)`.
///
/// A flag raised before the call changes nothing; one raised during it leaves some blocks scaled.
///
/// # Errors
/// [`Error::InvalidArgType`] when `factor` and `offset` are not both numbers or both bigints (the argument types are
/// checked against the element kind by [`Op`](crate::ops::Op) validation); `Aborted` when `cancel` is raised.
pub fn scale<T: Store>(
    view: WriteView<'_, T>,
    factor: Scalar,
    offset: Scalar,
    conversion: Conversion,
    cancel: &Cancel,
) -> Result<()> {
    match (factor, offset) {
        (Scalar::Number(factor), Scalar::Number(offset)) => {
            map_in_place(view, cancel, |x: T| conversion.number(x.to_f64() * factor + offset))
        }
        (Scalar::BigInt(factor), Scalar::BigInt(offset)) => {
            // Arithmetic modulo 2^128 agrees with exact arithmetic modulo 2^64, which is all the store keeps.
            map_in_place(view, cancel, |x: T| {
                T::from_bigint(x.to_i128().unwrap_or(0).wrapping_mul(factor).wrapping_add(offset))
            })
        }
        _ => Err(Error::arg_type("scale() needs a factor and an offset of one type, both numbers or both bigints")),
    }
}

/// `scale(a, factor, offset)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Scale {
    /// A bigint for 64-bit integer arrays, a number for every other kind.
    pub factor: Scalar,
    /// Of the same type as `factor`.
    pub offset: Scalar,
}

impl Operation for Scale {
    const SPEC: Spec = Spec {
        params: &[
            ParamSpec { name: "factor", ty: ParamType::Element },
            ParamSpec { name: "offset", ty: ParamType::Element },
        ],
        ..Spec::new("scale", WRITES_A, Returns::InPlace)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Scale { factor: params.element("factor")?, offset: params.element("offset")? })
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        check_element("scale", args[0].kind, "factor", self.factor)?;
        check_element("scale", args[0].kind, "offset", self.offset)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let Scale { factor, offset } = *self;
        writing!(args, T, conv, v => crate::kernels::scale(v, factor, offset, conv, cancel).map(|()| Output::InPlace))
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::kernels::testutil::{cancelled, with_view_mut, SIZES};
    use crate::kind::ElementKind;

    fn scaled<T: Store>(values: &[T], kind: ElementKind, factor: Scalar, offset: Scalar) -> Vec<T> {
        let (result, after) = with_view_mut(values, |v| scale(v, factor, offset, Conversion::of(kind), &Cancel::new()));
        result.unwrap();
        after
    }

    const N: fn(f64) -> Scalar = Scalar::Number;
    const B: fn(i128) -> Scalar = Scalar::BigInt;

    #[test]
    fn doubles_round_twice_not_fused() {
        // x·x - 1 for x = 1 + 2^-30: the product rounds to 1 + 2^-29 before the subtraction; an FMA would keep 2^-60.
        let x = 1.0 + 2f64.powi(-30);
        let after = scaled(&[x], ElementKind::Float64, N(x), N(-1.0));
        assert_eq!(after[0], 2f64.powi(-29));
        assert_eq!(scaled(&[1.0f64, -2.0], ElementKind::Float64, N(-0.0), N(0.0)), [0.0, 0.0]);
        assert_eq!(scaled(&[1.0f64, 2.0], ElementKind::Float64, N(3.0), N(-0.0)).to_vec(), [3.0, 6.0]);
    }

    #[test]
    fn narrow_types_store_like_javascript() {
        assert_eq!(scaled(&[100u8, 3], ElementKind::Uint8, N(3.0), N(0.5)), [44, 9]);
        assert_eq!(scaled(&[100u8, 3, 1], ElementKind::Uint8Clamped, N(3.0), N(0.5)), [255, 10, 4]);
        assert_eq!(scaled(&[1u8], ElementKind::Uint8Clamped, N(1.0), N(0.5)), [2]);
        assert_eq!(scaled(&[-100i8], ElementKind::Int8, N(2.0), N(0.0)), [56]);
        assert_eq!(scaled(&[7i32], ElementKind::Int32, N(f64::NAN), N(0.0)), [0]);
        assert_eq!(scaled(&[u32::MAX], ElementKind::Uint32, N(2.0), N(0.0)), [u32::MAX - 1]);
        // f32: the double result rounds once to f32 (1 + 2^-24 is a tie, to even).
        assert_eq!(scaled(&[1.0f32], ElementKind::Float32, N(1.0), N(2f64.powi(-24))), [1.0]);
        assert_eq!(scaled(&[f32::MAX], ElementKind::Float32, N(2.0), N(0.0)), [f32::INFINITY]);
        let h = scaled(&[f16::ONE], ElementKind::Float16, N(1.0), N(2f64.powi(-11) + 2f64.powi(-40)));
        assert_eq!(h[0].to_bits(), 0x3C01);
    }

    #[test]
    fn bigints_wrap_modulo_2_64() {
        assert_eq!(scaled(&[i64::MAX], ElementKind::BigInt64, B(2), B(3)), [1]);
        assert_eq!(scaled(&[5u64], ElementKind::BigUint64, B(-1), B(0)), [u64::MAX - 4]);
        assert_eq!(scaled(&[3i64], ElementKind::BigInt64, B((1 << 64) + 2), B(-(1 << 70))), [6]);
        let x = u64::MAX;
        let exact = (x as i128 * 12345 + 99).rem_euclid(1 << 64) as u64;
        assert_eq!(scaled(&[x], ElementKind::BigUint64, B(12345), B(99)), [exact]);
    }

    #[test]
    fn every_length() {
        for n in SIZES {
            let values: Vec<i16> = (0..n).map(|i| i as i16).collect();
            let expected: Vec<i16> = values.iter().map(|x| (*x as f64 * 3.0 - 1.0) as i64 as i16).collect();
            assert_eq!(scaled(&values, ElementKind::Int16, N(3.0), N(-1.0)), expected, "n = {n}");
        }
    }

    #[test]
    fn mixed_scalars_and_a_raised_flag_change_nothing() {
        let conv = Conversion::of(ElementKind::Float64);
        let (result, after) = with_view_mut(&[1.0f64; 3], |v| scale(v, N(2.0), B(1), conv, &Cancel::new()));
        assert_eq!(result.unwrap_err().code(), "ERR_INVALID_ARG_TYPE");
        assert_eq!(after, [1.0; 3]);
        let (result, after) = with_view_mut(&[1.0f64; 3], |v| scale(v, N(2.0), N(1.0), conv, &cancelled()));
        assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        assert_eq!(after, [1.0; 3]);
    }
}
