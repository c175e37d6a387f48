//! `fill`: every element set to one value.

use crate::error::Result;
use crate::exec::Cancel;
use crate::kernels::blocks::{for_each_block_mut, STAGE};
use crate::kernels::numeric::Scalar;
use crate::ops::{
    check_element, writing, Arg, Operation, Output, ParamSpec, ParamType, Params, Returns, Spec, WRITES_A,
};
use crate::view::{Element, WriteView};

/// Sets every element to `value` (converted by the caller with [`Conversion`](crate::kernels::Conversion), as
/// JavaScript's `fill` converts once and stores the same element everywhere).
///
/// A flag raised before the call changes nothing; one raised during it leaves a prefix of blocks (in no particular
/// order) filled.
///
/// # Errors
/// `Aborted` when `cancel` is raised.
pub fn fill<T: Element>(view: WriteView<'_, T>, value: T, cancel: &Cancel) -> Result<()> {
    let stage = [value; STAGE];
    for_each_block_mut(view, cancel, |_, mut chunk| {
        let mut start = 0;
        while start < chunk.len() {
            let n = STAGE.min(chunk.len() - start);
            chunk.write_from(start, &stage[..n]);
            start += n;
        }
    })
}

/// `fill(a, value)`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Fill {
    /// A bigint for 64-bit integer arrays, a number for every other kind.
    pub value: Scalar,
}

impl Operation for Fill {
    const SPEC: Spec = Spec {
        params: &[ParamSpec { name: "value", ty: ParamType::Element }],
        ..Spec::new("fill", WRITES_A, Returns::InPlace)
    };
    fn parse(params: &Params<'_>) -> Result<Self> {
        Ok(Fill { value: params.element("value")? })
    }
    fn check(&self, args: &[Arg]) -> Result<()> {
        check_element("fill", args[0].kind, "value", self.value)
    }
    fn run(&self, args: &mut [Arg], cancel: &Cancel) -> Result<Output> {
        writing!(args, T, conv, v => crate::kernels::fill(v, conv.scalar::<T>(self.value), cancel).map(|()| Output::InPlace))
    }
}

#[cfg(test)]
mod tests {
    use half::f16;

    use super::*;
    use crate::error::Error;
    use crate::kernels::convert::Conversion;
    use crate::kernels::numeric::Scalar;
    use crate::kernels::testutil::{cancelled, with_view_mut, SIZES};
    use crate::kind::ElementKind;

    #[test]
    fn fills_every_length() {
        for n in SIZES {
            let (result, after) = with_view_mut(&vec![1.5f64; n], |v| fill(v, -0.0, &Cancel::new()));
            result.unwrap();
            assert!(after.iter().all(|x| x.to_bits() == (-0.0f64).to_bits()), "n = {n}");
        }
    }

    #[test]
    fn converted_values_for_each_kind() {
        let conv = |kind| Conversion::of(kind);
        let (_, after) =
            with_view_mut(&[0u8; 3], |v| fill(v, conv(ElementKind::Uint8Clamped).number(300.0), &Cancel::new()));
        assert_eq!(after, [255; 3]);
        let (_, after) = with_view_mut(&[0u8; 3], |v| fill(v, conv(ElementKind::Uint8).number(300.0), &Cancel::new()));
        assert_eq!(after, [44; 3]);
        let x = 1.0 + 2f64.powi(-11) + 2f64.powi(-40);
        let (_, after) =
            with_view_mut(&[f16::ZERO; 2], |v| fill(v, conv(ElementKind::Float16).number(x), &Cancel::new()));
        assert_eq!(after[1].to_bits(), 0x3C01);
        let value = conv(ElementKind::BigUint64).scalar::<u64>(Scalar::BigInt(-1));
        let (_, after) = with_view_mut(&[0u64; 2], |v| fill(v, value, &Cancel::new()));
        assert_eq!(after, [u64::MAX; 2]);
    }

    #[test]
    fn a_raised_flag_changes_nothing() {
        let (result, after) = with_view_mut(&[1i32; 100], |v| fill(v, 7, &cancelled()));
        assert_eq!(result.unwrap_err(), Error::Aborted { operation: None });
        assert_eq!(after, [1; 100]);
    }
}
