//! [`Ordered`]: every element type mapped onto unsigned integer keys whose integer order is the order JavaScript's
//! `Math.min`/`Math.max` and `TypedArray.prototype.sort` agree on, so comparisons, extremes and radix digits are plain
//! integer operations with no special cases in the loops.

use std::fmt::Debug;

use bytemuck::Pod;

use half::f16;

use crate::kernels::numeric::Numeric;

/// An unsigned integer key: `u8`, `u16`, `u32` or `u64`.
pub trait Key: Pod + Ord + Default + Send + Sync + Debug {
    /// Width in bits.
    const BITS: u32;

    /// The key widened to 64 bits (radix digits are cut from this).
    fn to_u64(self) -> u64;

    /// The key whose [`Key::to_u64`] is `bits` (truncating wider values).
    fn from_u64(bits: u64) -> Self;
}

macro_rules! key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            const BITS: u32 = <$t>::BITS;
            #[inline(always)]
            fn to_u64(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn from_u64(bits: u64) -> Self {
                bits as $t
            }
        }
    )*};
}
key!(u8, u16, u32, u64);

/// An element type with an order-preserving bijection onto unsigned keys.
///
/// For floats, [`Ordered::key`] follows the IEEE 754 total order: `-NaN < -Infinity < … < -0 < +0 < … < Infinity <
/// +NaN`. That is the order `Math.min`/`Math.max` use among numbers (they rank -0 below +0), with NaNs outside the
/// range of numbers at both ends, where [`Ordered::LOWEST`] and [`Ordered::HIGHEST`] detect them.
pub trait Ordered: Numeric {
    /// The key type, as wide as the element.
    type Key: Key;

    /// The key of the smallest non-NaN value (`-Infinity`, or the integer minimum).
    const LOWEST: Self::Key;

    /// The key of the largest non-NaN value (`Infinity`, or the integer maximum).
    const HIGHEST: Self::Key;

    /// The total-order key (see the trait docs).
    fn key(self) -> Self::Key;

    /// [`Ordered::key`], except that every NaN ranks above `Infinity`, as `TypedArray.prototype.sort` places NaNs last
    /// whatever their sign bit. Round-trips through [`Ordered::from_key`] for every value but NaNs with the sign bit
    /// set, which come back with it cleared (payload kept).
    fn sort_key(self) -> Self::Key;

    /// The element with this key.
    fn from_key(key: Self::Key) -> Self;

    /// Whether a key from [`Ordered::key`] or [`Ordered::sort_key`] is a NaN's.
    #[inline(always)]
    fn key_is_nan(key: Self::Key) -> bool {
        key < Self::LOWEST || key > Self::HIGHEST
    }
}

macro_rules! unsigned_ordered {
    ($($t:ty),*) => {$(
        impl Ordered for $t {
            type Key = $t;
            const LOWEST: $t = <$t>::MIN;
            const HIGHEST: $t = <$t>::MAX;
            #[inline(always)]
            fn key(self) -> $t {
                self
            }
            #[inline(always)]
            fn sort_key(self) -> $t {
                self
            }
            #[inline(always)]
            fn from_key(key: $t) -> Self {
                key
            }
        }
    )*};
}
unsigned_ordered!(u8, u16, u32, u64);

macro_rules! signed_ordered {
    ($($t:ty => $k:ty),*) => {$(
        impl Ordered for $t {
            type Key = $k;
            const LOWEST: $k = 0;
            const HIGHEST: $k = <$k>::MAX;
            #[inline(always)]
            fn key(self) -> $k {
                // Flipping the sign bit moves negatives below positives in unsigned order.
                (self as $k) ^ (1 << (<$k>::BITS - 1))
            }
            #[inline(always)]
            fn sort_key(self) -> $k {
                self.key()
            }
            #[inline(always)]
            fn from_key(key: $k) -> Self {
                (key ^ (1 << (<$k>::BITS - 1))) as $t
            }
        }
    )*};
}
signed_ordered!(i8 => u8, i16 => u16, i32 => u32, i64 => u64);

macro_rules! float_ordered {
    ($($t:ty => $k:ty, $to_bits:expr, $from_bits:expr, $inf_bits:expr, $sign:expr);*) => {$(
        impl Ordered for $t {
            type Key = $k;
            const LOWEST: $k = !($inf_bits | $sign);
            const HIGHEST: $k = $inf_bits | $sign;
            #[inline(always)]
            fn key(self) -> $k {
                let bits: $k = $to_bits(self);
                // Negatives: reverse their magnitude order below every positive. Positives: lift above negatives.
                if bits & $sign != 0 { !bits } else { bits | $sign }
            }
            #[inline(always)]
            fn sort_key(self) -> $k {
                let bits: $k = $to_bits(self);
                // A NaN of either sign ranks as the positive NaN with its payload; every positive NaN's key is
                // above Infinity's.
                if bits & !$sign > $inf_bits { bits | $sign } else { self.key() }
            }
            #[inline(always)]
            fn from_key(key: $k) -> Self {
                $from_bits(if key & $sign != 0 { key & !$sign } else { !key })
            }
        }
    )*};
}

float_ordered!(
    f16 => u16, f16::to_bits, f16::from_bits, 0x7C00u16, 0x8000u16;
    f32 => u32, f32::to_bits, f32::from_bits, 0x7F80_0000u32, 0x8000_0000u32;
    f64 => u64, f64::to_bits, f64::from_bits, 0x7FF0_0000_0000_0000u64, 0x8000_0000_0000_0000u64
);

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_monotone<T: Ordered>(ascending: &[T]) {
        for pair in ascending.windows(2) {
            assert!(pair[0].key() < pair[1].key(), "{:?} !< {:?}", pair[0], pair[1]);
            assert!(pair[0].sort_key() < pair[1].sort_key(), "{:?} !< {:?}", pair[0], pair[1]);
        }
        for x in ascending {
            assert_eq!(T::from_key(x.key()).to_f64().to_bits(), x.to_f64().to_bits());
            assert!(!T::key_is_nan(x.key()));
        }
    }

    #[test]
    fn floats_follow_the_total_order() {
        assert_monotone(&[f64::NEG_INFINITY, -1e300, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, f64::MAX, f64::INFINITY]);
        assert_monotone(&[f32::NEG_INFINITY, -1.0, -0.0, 0.0, f32::MIN_POSITIVE, f32::INFINITY]);
        assert_monotone(&[f16::NEG_INFINITY, f16::MIN, -f16::ONE, f16::NEG_ZERO, f16::ZERO, f16::ONE, f16::INFINITY]);
    }

    #[test]
    fn integers_follow_numeric_order() {
        assert_monotone(&[i8::MIN, -1, 0, 1, i8::MAX]);
        assert_monotone(&[i64::MIN, -1, 0, 1, i64::MAX]);
        assert_monotone(&[0u64, 1, u64::MAX]);
        assert_monotone(&[i16::MIN, 0, i16::MAX]);
        assert_monotone(&[i32::MIN, 0, i32::MAX]);
    }

    #[test]
    fn nans_sit_outside_the_numbers() {
        let negative_nan = f64::from_bits(0xFFF8_0000_0000_0001);
        let positive_nan = f64::from_bits(0x7FF8_0000_0000_0002);
        assert!(f64::key_is_nan(negative_nan.key()) && negative_nan.key() < f64::NEG_INFINITY.key());
        assert!(f64::key_is_nan(positive_nan.key()) && positive_nan.key() > f64::INFINITY.key());
        assert!(negative_nan.sort_key() > f64::INFINITY.key());
        assert_eq!(f64::from_key(negative_nan.sort_key()).to_bits(), 0x7FF8_0000_0000_0001);
        assert_eq!(f64::from_key(positive_nan.sort_key()).to_bits(), positive_nan.to_bits());
        assert!(f32::key_is_nan(f32::NAN.key()) && f16::key_is_nan((-f16::NAN).key()));
    }
}
