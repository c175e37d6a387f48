//! `add`: `dst[i] += src[i]`, stored exactly as JavaScript would store it.

use crate::error::{Error, Result};
use crate::exec::Cancel;
use crate::kernels::blocks::zip_in_place;
use crate::kernels::convert::{Conversion, Store};
use crate::ops::{
    read_view, same_kind_and_length, write_view, Arg, Operation, Output, Returns, Spec, WRITES_A_READS_B,
};
use crate::view::{ReadView, WriteView};

/// Adds `src` to `dst` element-wise, as `dst[i] += src[i]` in JavaScript.
///
/// Float arrays: the sum of the two values in doubles, rounded once to the element type (so `Float32Array` adds in
/// double and rounds to single, as JavaScript does). `Uint8ClampedArray`: the sum clamped to 0–255. Other integer
/// arrays, bigint arrays included: the exact sum wrapped modulo 2^N (for up to 32 bits the same as JavaScript's
/// double sum then `ToIntN`, since that sum is exact).
///
/// A flag raised before the call changes nothing; one raised during it leaves some blocks added.
///
/// # Errors
/// [`Error::LengthMismatch`] when the lengths differ (nothing is written); `Aborted` when `cancel` is raised.
pub fn add<T: Store>(
    dst: WriteView<'_, T>,
    src: &ReadView<'_, T>,
    conversion: Conversion,
    cancel: &Cancel,
) -> Result<()> {
    if dst.len() != src.len() {
        return Err(Error::LengthMismatch { left: dst.len(), right: src.len() });
    }
    if T::IS_FLOAT || conversion.clamps() {
        zip_in_place(dst, src, cancel, |d: T, s: T| conversion.number(d.to_f64() + s.to_f64()))
    } else {
        zip_in_place(dst, src, cancel, |d: T, s: T| T::from_bigint(d.to_i128().unwrap_or(0) + s.to_i128().unwrap_or(0)))
    }
}

/// `add(dst, src)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Add;

impl Operation for Add {
    const SPEC: Spec = Spec::new("add", WRITES_A_READS_B, Returns::InPlace);
    fn check(&self, args: &[Arg]) -> Result<()> {
        same_kind_and_length("add", args)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        let [dst, src] = args else { return Err(Error::internal("add() takes two arrays")) };
        let conv = crate::kernels::Conversion::of(dst.kind);
        crate::with_element_type!(dst.kind, T => {
            let src = read_view::<T>(&mut src.lent)?;
            let dst = write_view::<T>(&mut dst.lent)?;
            crate::kernels::add(dst, &src, conv, cancel).map(|()| Output::InPlace)
        })
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::kernels::testutil::{cancelled, with_dst_src, SIZES};
    use crate::kind::ElementKind;

    fn added<T: Store>(dst: &[T], src: &[T], kind: ElementKind) -> Vec<T> {
        let (result, after) = with_dst_src(dst, src, |d, s| add(d, s, Conversion::of(kind), &Cancel::new()));
        result.unwrap();
        after
    }

    #[test]
    fn floats_add_in_double_and_round_once() {
        assert_eq!(added(&[0.1f64, -0.0], &[0.2, -0.0], ElementKind::Float64)[0], 0.1 + 0.2);
        assert_eq!(added(&[-0.0f64], &[-0.0], ElementKind::Float64)[0].to_bits(), (-0.0f64).to_bits());
        // 1 + 2^-24 + 2^-47: just above the tie between 1 and 1 + 2^-23, so it rounds up.
        let small = f32::from_bits(0x3380_0001);
        assert_eq!(added(&[1.0f32], &[small], ElementKind::Float32), [1.0 + f32::EPSILON]);
        assert_eq!(added(&[f32::MAX], &[f32::MAX], ElementKind::Float32), [f32::INFINITY]);
        let h = f16::from_f32;
        assert_eq!(added(&[h(65504.0)], &[h(16.0)], ElementKind::Float16), [f16::INFINITY]);
        assert_eq!(added(&[h(2048.0)], &[h(1.0)], ElementKind::Float16), [h(2048.0)]);
        assert!(added(&[f64::INFINITY], &[f64::NEG_INFINITY], ElementKind::Float64)[0].is_nan());
    }

    #[test]
    fn integers_wrap_and_clamped_clamps() {
        assert_eq!(added(&[200u8, 100], &[100, 100], ElementKind::Uint8), [44, 200]);
        assert_eq!(added(&[200u8, 100], &[100, 100], ElementKind::Uint8Clamped), [255, 200]);
        assert_eq!(added(&[i8::MAX], &[1], ElementKind::Int8), [i8::MIN]);
        assert_eq!(added(&[u32::MAX], &[u32::MAX], ElementKind::Uint32), [u32::MAX - 1]);
        assert_eq!(added(&[i64::MAX], &[1], ElementKind::BigInt64), [i64::MIN]);
        assert_eq!(added(&[u64::MAX], &[2], ElementKind::BigUint64), [1]);
    }

    #[test]
    fn every_length() {
        for n in SIZES {
            let dst: Vec<i32> = (0..n as i32).collect();
            let src: Vec<i32> = (0..n as i32).map(|i| i32::MAX - i).collect();
            assert!(added(&dst, &src, ElementKind::Int32).iter().all(|x| *x == i32::MAX), "n = {n}");
        }
    }

    #[test]
    fn mismatched_lengths_and_a_raised_flag_change_nothing() {
        let conv = Conversion::of(ElementKind::Float64);
        let (result, after) = with_dst_src(&[1.0f64; 3], &[1.0; 2], |d, s| add(d, s, conv, &Cancel::new()));
        assert_eq!(result.unwrap_err(), Error::LengthMismatch { left: 3, right: 2 });
        assert_eq!(after, [1.0; 3]);
        let (result, after) = with_dst_src(&[1.0f64; 3], &[1.0; 3], |d, s| add(d, s, conv, &cancelled()));
        assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        assert_eq!(after, [1.0; 3]);
    }
}
