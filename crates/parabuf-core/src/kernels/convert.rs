//! What JavaScript stores when a value is assigned to a typed array element (`ta[i] = v`), for every element type.
//!
//! Numbers: `ToInt8`…`ToUint32` for integer arrays (truncate, wrap modulo 2^N, NaN and ±Infinity to 0), `ToUint8Clamp`
//! for `Uint8ClampedArray` (clamp, round half to even), and round-to-nearest-even for float arrays. Bigints: wrap
//! modulo 2^64 (`BigInt.asIntN`/`asUintN(64, v)`).

use half::f16;

use crate::kernels::numeric::{Numeric, Scalar};
use crate::kind::ElementKind;
use crate::view::WriteView;

/// 2^64 as a double.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
/// 2^63 as a double.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Conversions from JavaScript values to one element type.
pub trait Store: Numeric {
    /// The element `ta[i] = x` stores for a number `x` in every array but `Uint8ClampedArray`. For the 64-bit integer
    /// types (which JavaScript fills with bigints only) it is the truncated number modulo 2^64, the same rule extended.
    fn from_number(x: f64) -> Self;

    /// `Uint8ClampedArray`'s rule extended to every type: NaN to 0, saturate at the type's bounds, round half to even.
    /// For floats it is [`Store::from_number`].
    fn from_number_clamped(x: f64) -> Self;

    /// The element for an exact integer: modulo 2^N for integer types (what a bigint array stores), nearest for floats.
    fn from_bigint(x: i128) -> Self;

    /// `view` as a view of doubles, when the type is `f64` (whose every conversion from a number is the number
    /// itself); `None` otherwise. Lets a kernel store doubles without converting them.
    #[inline(always)]
    fn as_double_write_view<'a, 'g>(view: &'a mut WriteView<'g, Self>) -> Option<&'a mut WriteView<'g, f64>> {
        let _ = view;
        None
    }
}

/// `x` truncated, modulo 2^64, as the two's-complement `i64` with those bits. Narrower `ToIntN`/`ToUintN` follow by
/// truncating the bits further, since 2^N divides 2^64.
#[inline(always)]
fn to_int64_bits(x: f64) -> i64 {
    if x.abs() < TWO_POW_63 {
        // Truncation toward zero, exact in this range; the common case, so kept branch-light.
        x as i64
    } else if x.is_finite() {
        // `%` on doubles is exact; the remainder of an integer is an integer below 2^64 in magnitude.
        (x % TWO_POW_64) as i128 as i64
    } else {
        0
    }
}

macro_rules! int_store {
    ($($t:ty),*) => {$(
        impl Store for $t {
            #[inline(always)]
            fn from_number(x: f64) -> Self {
                to_int64_bits(x) as $t
            }
            #[inline(always)]
            fn from_number_clamped(x: f64) -> Self {
                // `as` saturates at the bounds and sends NaN to 0.
                x.round_ties_even() as $t
            }
            #[inline(always)]
            fn from_bigint(x: i128) -> Self {
                x as $t
            }
        }
    )*};
}
int_store!(i8, u8, i16, u16, i32, u32, i64, u64);

impl Store for f64 {
    #[inline(always)]
    fn from_number(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn from_number_clamped(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn from_bigint(x: i128) -> Self {
        x as f64
    }
    #[inline(always)]
    fn as_double_write_view<'a, 'g>(view: &'a mut WriteView<'g, f64>) -> Option<&'a mut WriteView<'g, f64>> {
        Some(view)
    }
}

impl Store for f32 {
    #[inline(always)]
    fn from_number(x: f64) -> Self {
        // Rust's f64 → f32 cast rounds to nearest, ties to even, overflowing to ±Infinity: IEEE, as JavaScript.
        x as f32
    }
    #[inline(always)]
    fn from_number_clamped(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn from_bigint(x: i128) -> Self {
        x as f32
    }
}

impl Store for f16 {
    #[inline(always)]
    fn from_number(x: f64) -> Self {
        f64_to_f16(x)
    }
    #[inline(always)]
    fn from_number_clamped(x: f64) -> Self {
        f64_to_f16(x)
    }
    #[inline(always)]
    fn from_bigint(x: i128) -> Self {
        f64_to_f16(x as f64)
    }
}

/// `x` rounded once to the nearest half-precision float, ties to even, overflowing to ±Infinity (JavaScript's
/// `Math.f16round` and `Float16Array` stores). NaN becomes the quiet NaN `0x7E00`.
///
/// `half::f16::from_f64` is not used: it rounds through `f32` on CPUs with F16C and drops the low 32 mantissa bits
/// otherwise, and both round twice (1 + 2^-11 + 2^-40 must round up, to 1 + 2^-10, and comes back as 1).
pub fn f64_to_f16(x: f64) -> f16 {
    let sign = ((x.to_bits() >> 48) as u16) & 0x8000;
    let a = x.abs();
    if a.is_nan() {
        return f16::from_bits(0x7E00);
    }
    // 65520 is halfway between the largest half (65504) and 2^16; ties to even round it up, out of range.
    if a >= 65520.0 {
        return f16::from_bits(sign | 0x7C00);
    }
    // Halves in a's binade are spaced 2^(e - 10); subnormals share the spacing of the lowest binade, e = -14.
    let e = ((a.to_bits() >> 52) as i32 - 1023).max(-14);
    // Scaling by a power of two is exact, so the one rounding is round_ties_even.
    let units = (a * f64::from_bits(((1023 + 10 - e) as u64) << 52)).round_ties_even() as u16;
    // Exponent and significand are contiguous in the encoding: a significand that rounds up to 2^11 carries into the
    // exponent, and the subnormal range (e = -14, units < 2^10) needs no special case.
    f16::from_bits(sign | ((((e + 14) as u16) << 10) + units))
}

/// How numbers become elements of one [`ElementKind`]: decided once per operation, applied per element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conversion {
    clamped: bool,
}

impl Conversion {
    /// The conversion JavaScript uses when storing into an array of `kind`.
    pub fn of(kind: ElementKind) -> Conversion {
        Conversion { clamped: kind == ElementKind::Uint8Clamped }
    }

    /// Whether numbers clamp (`Uint8ClampedArray`) rather than wrap or round.
    pub fn clamps(self) -> bool {
        self.clamped
    }

    /// The element stored for the number `x`.
    #[inline(always)]
    pub fn number<T: Store>(self, x: f64) -> T {
        if self.clamped {
            T::from_number_clamped(x)
        } else {
            T::from_number(x)
        }
    }

    /// The element stored for `value`: a bigint wraps ([`Store::from_bigint`]), a number converts as
    /// [`Conversion::number`].
    pub fn scalar<T: Store>(self, value: Scalar) -> T {
        match value {
            Scalar::Number(x) => self.number(x),
            Scalar::BigInt(x) => T::from_bigint(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ToIntN`/`ToUintN` as the specification words it, on exact integers.
    fn spec_to_int(x: f64, bits: u32, signed: bool) -> i128 {
        if !x.is_finite() {
            return 0;
        }
        let modulus = 1i128 << bits;
        // |x| < 2^1024 does not fit i128, but x mod 2^bits only needs x mod 2^64, exact through fmod.
        let r = ((x.trunc() % TWO_POW_64) as i128).rem_euclid(modulus);
        if signed && r >= modulus / 2 {
            r - modulus
        } else {
            r
        }
    }

    const AWKWARD: [f64; 24] = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        127.0,
        128.0,
        -129.0,
        255.0,
        255.5,
        256.0,
        65535.9,
        -65536.0,
        2147483648.0,
        -2147483649.0,
        4294967296.0 + 7.0,
        9007199254740993.0,
        1e20,
        -1e20,
        1e300,
        f64::MAX,
        5e-324,
    ];

    #[test]
    fn integers_wrap_like_to_int_n() {
        let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        for x in AWKWARD.into_iter().chain(specials).chain(AWKWARD.map(|x| -x)) {
            assert_eq!(i8::from_number(x) as i128, spec_to_int(x, 8, true), "{x}");
            assert_eq!(u8::from_number(x) as i128, spec_to_int(x, 8, false), "{x}");
            assert_eq!(i16::from_number(x) as i128, spec_to_int(x, 16, true), "{x}");
            assert_eq!(u16::from_number(x) as i128, spec_to_int(x, 16, false), "{x}");
            assert_eq!(i32::from_number(x) as i128, spec_to_int(x, 32, true), "{x}");
            assert_eq!(u32::from_number(x) as i128, spec_to_int(x, 32, false), "{x}");
            assert_eq!(i64::from_number(x) as i128, spec_to_int(x, 64, true), "{x}");
            assert_eq!(u64::from_number(x) as i128, spec_to_int(x, 64, false), "{x}");
        }
        assert_eq!(i8::from_number(-129.9), 127);
        assert_eq!(u32::from_number(-1.0), u32::MAX);
        assert_eq!(i32::from_number(1e20), 1661992960);
        assert_eq!(u8::from_number(1e300), 0);
    }

    #[test]
    fn clamped_rounds_half_to_even() {
        let conv = Conversion::of(ElementKind::Uint8Clamped);
        let cases = [
            (0.5, 0u8),
            (1.5, 2),
            (2.5, 2),
            (3.5, 4),
            (254.5, 254),
            (0.49999999999999994, 0),
            (1.0000001, 1),
            (-0.0, 0),
            (-0.5, 0),
            (-1e9, 0),
            (255.4, 255),
            (255.5, 255),
            (300.0, 255),
            (f64::NAN, 0),
            (f64::INFINITY, 255),
            (f64::NEG_INFINITY, 0),
        ];
        for (x, expected) in cases {
            assert_eq!(conv.number::<u8>(x), expected, "{x}");
        }
        assert_eq!(Conversion::of(ElementKind::Uint8).number::<u8>(256.5), 0);
    }

    #[test]
    fn floats_round_to_nearest_even() {
        let conv = Conversion::of(ElementKind::Float32);
        assert_eq!(conv.number::<f32>(1.0 + 2f64.powi(-24)), 1.0);
        assert_eq!(conv.number::<f32>(1.0 + 3.0 * 2f64.powi(-24)), 1.0 + 2f32.powi(-22));
        assert_eq!(conv.number::<f32>(1e39), f32::INFINITY);
        assert_eq!(conv.number::<f32>(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(Conversion::of(ElementKind::Float64).number::<f64>(0.1), 0.1);
    }

    #[test]
    fn f16_is_rounded_once_from_double() {
        // Just above the tie between 1 and 1 + 2^-10: rounding through f32 would land on the tie and go to even.
        let x = 1.0 + 2f64.powi(-11) + 2f64.powi(-40);
        assert_eq!(f64_to_f16(x).to_bits(), 0x3C01);
        assert_eq!(f64_to_f16(-x).to_bits(), 0xBC01);
        assert_eq!(f64_to_f16(1.0 + 2f64.powi(-11)).to_bits(), 0x3C00);
        assert_eq!(f64_to_f16(65504.0).to_bits(), 0x7BFF);
        assert_eq!(f64_to_f16(65519.99).to_bits(), 0x7BFF);
        assert_eq!(f64_to_f16(65520.0).to_bits(), 0x7C00);
        assert_eq!(f64_to_f16(-1e10).to_bits(), 0xFC00);
        assert_eq!(f64_to_f16(f64::NEG_INFINITY).to_bits(), 0xFC00);
        assert_eq!(f64_to_f16(-0.0).to_bits(), 0x8000);
        assert_eq!(f64_to_f16(2f64.powi(-25)).to_bits(), 0x0000);
        assert_eq!(f64_to_f16(2f64.powi(-25) + 2f64.powi(-60)).to_bits(), 0x0001);
        assert_eq!(f64_to_f16(3.0 * 2f64.powi(-25)).to_bits(), 0x0002);
        assert_eq!(f64_to_f16(5e-324).to_bits(), 0x0000);
        assert!(f64_to_f16(f64::NAN).is_nan());
    }

    #[test]
    fn f16_matches_exact_rounding_at_every_grid_point_and_midpoint() {
        for bits in 0u16..0x7C00 {
            let here = f16::from_bits(bits).to_f64();
            let next = if bits == 0x7BFF { 65536.0 } else { f16::from_bits(bits + 1).to_f64() };
            let mid = (here + next) / 2.0;
            let even = if bits & 1 == 0 { bits } else { bits + 1 };
            let up = if bits == 0x7BFF { 0x7C00 } else { bits + 1 };
            for sign in [0u16, 0x8000] {
                let s = if sign == 0 { 1.0 } else { -1.0 };
                assert_eq!(f64_to_f16(s * here).to_bits(), sign | bits);
                assert_eq!(f64_to_f16(s * mid).to_bits(), sign | even, "tie above {bits:#x}");
                assert_eq!(f64_to_f16(s * mid.next_up()).to_bits(), sign | up, "above tie {bits:#x}");
                assert_eq!(f64_to_f16(s * mid.next_down()).to_bits(), sign | bits, "below tie {bits:#x}");
            }
        }
    }

    #[test]
    fn bigints_wrap_modulo_2_64() {
        assert_eq!(i64::from_bigint(1i128 << 63), i64::MIN);
        assert_eq!(u64::from_bigint(-1), u64::MAX);
        assert_eq!(i64::from_bigint((1i128 << 64) + 5), 5);
        assert_eq!(u64::from_bigint(-(1i128 << 64) - 1), u64::MAX);
        let conv = Conversion::of(ElementKind::BigInt64);
        assert_eq!(conv.scalar::<i64>(Scalar::BigInt(-3)), -3);
    }

    #[test]
    fn every_kind_converts_a_scalar() {
        for kind in ElementKind::ALL {
            let conv = Conversion::of(kind);
            let value = if kind.is_bigint() { Scalar::BigInt(300) } else { Scalar::Number(300.7) };
            let stored = crate::with_element_type!(kind, T => conv.scalar::<T>(value).to_f64());
            let expected = match kind {
                ElementKind::Int8 => 44.0,
                ElementKind::Uint8 => 44.0,
                ElementKind::Uint8Clamped => 255.0,
                ElementKind::Int16 | ElementKind::Uint16 | ElementKind::Int32 | ElementKind::Uint32 => 300.0,
                ElementKind::Float16 => 300.75,
                ElementKind::Float32 => 300.7f32 as f64,
                ElementKind::Float64 => 300.7,
                ElementKind::BigInt64 | ElementKind::BigUint64 => 300.0,
            };
            assert_eq!(stored, expected, "{kind}");
        }
    }
}
