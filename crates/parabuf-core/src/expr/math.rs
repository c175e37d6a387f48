//! What each operator and function of the language computes for one element: JavaScript's `Math.*` and operators on
//! doubles.
//!
//! Arithmetic, `%`, comparisons, logic, `abs sign sqrt floor ceil round trunc min max clamp` are exactly what V8
//! computes (IEEE operations, and JavaScript's rules where they part from C's). The other functions are within 1 ulp of
//! the correctly rounded value with the same bits on every platform: `exp`, `sin`, `cos`, `sinh`, `tanh` and `hypot`
//! computed here (see each), `log`, `log2` and `log10` as the `libm` crate computes them but without branches, the
//! rest from the `libm` crate, a pure-Rust port of musl's (and so mostly of fdlibm, as
//! V8's own are); `pow` adds JavaScript's two exceptions to C's, `acosh` its NaN below 1.

use super::parse::{Binary, Ternary, Unary};

/// JavaScript's ToBoolean of a number: false for ±0 and NaN.
#[inline(always)]
pub(crate) fn truthy(x: f64) -> bool {
    x != 0.0 && !x.is_nan()
}

#[inline(always)]
fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `Math.min` of two: NaN if either is, and −0 below +0.
#[inline(always)]
pub(crate) fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a < b {
        a
    } else if b < a {
        b
    } else {
        // Equal: the same number, or zeros of either sign, where the negative one wins.
        f64::from_bits(a.to_bits() | b.to_bits())
    }
}

/// `Math.max` of two: NaN if either is, and +0 above −0.
#[inline(always)]
pub(crate) fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a > b {
        a
    } else if b > a {
        b
    } else {
        f64::from_bits(a.to_bits() & b.to_bits())
    }
}

/// `Math.round`: the nearest integer, halves toward +Infinity, and −0 for −0.5 ≤ x ≤ −0.
#[inline(always)]
pub(crate) fn js_round(x: f64) -> f64 {
    let down = x.floor();
    // `x - floor(x)` is exact for every double, so the comparison with one half is too.
    if x - down >= 0.5 {
        // Rounding up from [-0.5, 0) lands on zero, which keeps x's sign.
        (down + 1.0).copysign(x)
    } else {
        down
    }
}

/// `Math.sign`: ±1, or the argument itself for ±0 and NaN.
#[inline(always)]
pub(crate) fn js_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

/// `Math.pow` and `**`: C's `pow`, except that a NaN exponent always gives NaN and `(±1) ** ±Infinity` is NaN
/// (ECMA-262 Number::exponentiate; C gives 1 in both cases).
#[inline]
pub(crate) fn js_pow(x: f64, y: f64) -> f64 {
    if y.is_nan() || (y.is_infinite() && x.abs() == 1.0) {
        f64::NAN
    } else {
        libm::pow(x, y)
    }
}

/// `%`: the remainder truncating toward zero, with the dividend's sign (C's `fmod`, which Rust's `%` is): NaN for a
/// zero divisor or an infinite dividend, the dividend for an infinite divisor.
#[inline(always)]
pub(crate) fn js_rem(a: f64, b: f64) -> f64 {
    a % b
}

/// `Math.hypot` of any number of values: +Infinity if any is infinite (even with a NaN), else NaN if any is NaN, else
/// the square root of the sum of squares, computed in double-double after scaling by a power of two near the largest
/// magnitude, so that it neither overflows nor underflows and lands within 1 ulp of the correctly rounded value.
pub(crate) fn js_hypot(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let mut largest = 0.0f64;
    let mut nan = false;
    for x in values.clone() {
        if x.is_infinite() {
            return f64::INFINITY;
        }
        nan |= x.is_nan();
        largest = largest.max(x.abs());
    }
    if nan {
        return f64::NAN;
    }
    if largest == 0.0 {
        return 0.0;
    }
    // A power of two near the largest magnitude: scaling by it is exact (for normal results; subnormal inputs scale
    // up exactly), and the scaled squares sum to between 1 and the count (times 4).
    let exponent = libm::ilogb(largest);
    let (mut hi, mut lo) = (0.0f64, 0.0f64);
    for x in values {
        // Scaled one by one: 2^-exponent itself overflows when the largest value is subnormal.
        let y = libm::scalbn(x.abs(), -exponent);
        // y² exactly as a pair (FMA gives the rounding error of the product).
        let p = y * y;
        let e = y.mul_add(y, -p);
        // (hi, lo) += (p, e): TwoSum of the heads, the tails added in.
        let s = hi + p;
        let v = s - hi;
        let err = (hi - (s - v)) + (p - v);
        lo += err + e;
        hi = s;
    }
    // sqrt(hi + lo) ≈ sqrt(hi) + lo / (2 sqrt(hi)), with the residual of sqrt(hi) folded in.
    let (h, l) = {
        let s = hi + lo;
        (s, lo - (s - hi))
    };
    let r = h.sqrt();
    let residual = (-r).mul_add(r, h) + l;
    let root = r + residual / (2.0 * r);
    libm::scalbn(root, exponent)
}

/// `Math.exp`, without a branch or a table so that a loop of it vectorises: `x = k ln 2 + r` with `|r| <= ln 2 / 2`
/// (Cody and Waite's two-part `ln 2`, exact in the first part), `exp(r) - 1` by its Taylor series to degree 13
/// (the next term is below 2^-57 of the result), then `2^k (1 + q)` with one fused rounding and an exact (or, for
/// subnormal results, the only) scaling. Every step but that last rounding errs by under 0.3 ulp together, so the
/// result is within 1 ulp of the correctly rounded value (the tests hold it to that against mpmath). The fused
/// multiply-adds are the instruction where the processor has one and correctly rounded software otherwise: the same
/// bits everywhere.
#[inline(always)]
pub(crate) fn js_exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split of ln 2: the high part has 21 trailing zero bits, so k·LN2_HI is exact for |k| < 2^21.
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    // Adding 1.5·2^52 rounds to an integer, kept in the low bits of the sum.
    const SHIFT: f64 = 6755399441055744.0;
    /// 1/n! for n = 13 down to 2.
    const C: [f64; 12] = [
        1.0 / 6227020800.0,
        1.0 / 479001600.0,
        1.0 / 39916800.0,
        1.0 / 3628800.0,
        1.0 / 362880.0,
        1.0 / 40320.0,
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    // Beyond these the result is 0 or Infinity, which the clamped arguments still give.
    let xc = x.clamp(-746.0, 710.0);
    let kd = xc.mul_add(LOG2E, SHIFT);
    let k = kd - SHIFT;
    let ki = (kd.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let r = (-k).mul_add(LN2_HI, xc);
    let r = (-k).mul_add(LN2_LO, r);
    let p = C[1..].iter().fold(C[0], |p, c| p.mul_add(r, *c));
    let q = (r * r).mul_add(p, r);
    // 2^k as two factors that are normal doubles for every k here (-1076 to 1024).
    let k2 = ki >> 1;
    let k1 = ki - k2;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    let e = q.mul_add(s1, s1) * s2;
    if x.is_nan() {
        x
    } else {
        e
    }
}

/// Largest magnitude [`reduced_sin_cos`] reduces: 2^20 · π/2, below which fdlibm's three-part π/2 leaves the reduced
/// argument good to 151 bits; beyond it `libm`'s full reduction (Payne and Hanek's) takes over.
pub(crate) const TRIG_REDUCED: f64 = 1647099.3291652855;

/// `x` reduced to `n·π/2 + (y0 + y1)` with `|y0| <= π/4`, and `n` (an integer as a float): fdlibm's medium-range reduction with all
/// three of its rounds always taken (fdlibm stops early when the first rounds already suffice), so that it has no
/// branch.
#[inline(always)]
pub(crate) fn reduce_pio2(x: f64) -> (f64, f64, f64) {
    const TO_INT: f64 = 6755399441055744.0;
    const INV_PIO2: f64 = f64::from_bits(0x3FE4_5F30_6DC9_C883);
    const PIO2_1: f64 = f64::from_bits(0x3FF9_21FB_5440_0000);
    const PIO2_2: f64 = f64::from_bits(0x3DD0_B461_1A60_0000);
    const PIO2_3: f64 = f64::from_bits(0x3BA3_198A_2E00_0000);
    const PIO2_3T: f64 = f64::from_bits(0x397B_839A_2520_49C1);
    let tmp = x * INV_PIO2 + TO_INT;
    let f_n = tmp - TO_INT;
    // Each PIO2_i has 33 significant bits: f_n·PIO2_i is exact for |f_n| < 2^20, and so is the first subtraction.
    // The second and third subtract the next parts of π/2, each keeping its rounding error (`(t - r) - w`, exact);
    // the corrections and the last tail go into `w`. fdlibm drops the second error when it takes the third round,
    // which it does only after a cancellation made the second subtraction exact; taken always, it must be kept.
    let r = x - f_n * PIO2_1;
    let t = r;
    let w2 = f_n * PIO2_2;
    let r = t - w2;
    let e2 = (t - r) - w2;
    let t = r;
    let w3 = f_n * PIO2_3;
    let r = t - w3;
    let e3 = (t - r) - w3;
    let w = f_n * PIO2_3T - e3 - e2;
    let y0 = r - w;
    let y1 = (r - y0) - w;
    (f_n, y0, y1)
}

/// fdlibm's kernel of `sin` on `[-π/4, π/4]`, for the argument `x + y` (`|y|` tiny against `x`).
#[inline(always)]
fn kernel_sin(x: f64, y: f64) -> f64 {
    const S1: f64 = f64::from_bits(0xBFC5_5555_5555_5549); // -1.66666666666666324348e-01
    const S2: f64 = f64::from_bits(0x3F81_1111_1110_F8A6); // 8.33333333332248946124e-03
    const S3: f64 = f64::from_bits(0xBF2A_01A0_19C1_61D5); // -1.98412698298579493134e-04
    const S4: f64 = f64::from_bits(0x3EC7_1DE3_57B1_FE7D); // 2.75573137070700676789e-06
    const S5: f64 = f64::from_bits(0xBE5A_E5E6_8A2B_9CEB); // -2.50507602534068634195e-08
    const S6: f64 = f64::from_bits(0x3DE5_D93A_5ACF_D57C); // 1.58969099521155010221e-10
    let z = x * x;
    let w = z * z;
    let r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    let v = z * x;
    x - ((z * (0.5 * y - v * r) - y) - v * S1)
}

/// fdlibm's kernel of `cos` on `[-π/4, π/4]`, for the argument `x + y`.
#[inline(always)]
fn kernel_cos(x: f64, y: f64) -> f64 {
    const C1: f64 = f64::from_bits(0x3FA5_5555_5555_554C); // 4.16666666666666019037e-02
    const C2: f64 = f64::from_bits(0xBF56_C16C_16C1_5177); // -1.38888888888741095749e-03
    const C3: f64 = f64::from_bits(0x3EFA_01A0_19CB_1590); // 2.48015872894767294178e-05
    const C4: f64 = f64::from_bits(0xBE92_7E4F_809C_52AD); // -2.75573143513906633035e-07
    const C5: f64 = f64::from_bits(0x3E21_EE9E_BDB4_B1C4); // 2.08757232129817482790e-09
    const C6: f64 = f64::from_bits(0xBDA8_FAE9_BE88_38D4); // -1.13596475577881948265e-11
    let z = x * x;
    let w = z * z;
    let r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (z * r - x * y))
}

/// `sin` and `cos` of `x` for `|x| <= TRIG_REDUCED` (or NaN), without a branch so that a loop of them vectorises:
/// both kernels on the reduced argument, the quadrant choosing between them. Within 1 ulp, as fdlibm's.
#[inline(always)]
pub(crate) fn reduced_sin_cos(x: f64) -> (f64, f64) {
    let (n, y0, y1) = reduce_pio2(x);
    sin_cos_in_quadrant(n, y0, y1)
}

/// `sin` and `cos` of `n·π/2 + (y0 + y1)`, as [`reduce_pio2`] leaves the argument.
#[inline(always)]
pub(crate) fn sin_cos_in_quadrant(n: f64, y0: f64, y1: f64) -> (f64, f64) {
    let (s, c) = (kernel_sin(y0, y1), kernel_cos(y0, y1));
    // The quadrant's bits from n kept a float (an integer below 2^20 in magnitude, so these operations are exact):
    // the loops carry no integer lanes.
    let half = n * 0.5;
    let odd = half != half.floor();
    let quarter = half.floor() * 0.5;
    let second_half = quarter != quarter.floor();
    let (sin, cos) = if odd { (c, s) } else { (s, c) };
    let sin = if second_half { -sin } else { sin };
    // (n + 1) & 2: the second half for even n, the first quarter's complement for odd n.
    let cos = if second_half != odd { -cos } else { cos };
    (sin, cos)
}

/// `Math.sin`: [`reduced_sin_cos`] up to [`TRIG_REDUCED`], `libm`'s beyond.
#[inline(always)]
pub(crate) fn js_sin(x: f64) -> f64 {
    if x.abs() > TRIG_REDUCED {
        libm::sin(x)
    } else {
        reduced_sin_cos(x).0
    }
}

/// `Math.cos`: [`reduced_sin_cos`] up to [`TRIG_REDUCED`], `libm`'s beyond.
#[inline(always)]
pub(crate) fn js_cos(x: f64) -> f64 {
    if x.abs() > TRIG_REDUCED {
        libm::cos(x)
    } else {
        reduced_sin_cos(x).1
    }
}

/// Which logarithm [`js_log_base`] computes.
pub(crate) const LN: u8 = 0;
/// See [`LN`].
pub(crate) const LOG2: u8 = 1;
/// See [`LN`].
pub(crate) const LOG10: u8 = 2;

/// `Math.log`, `Math.log2` or `Math.log10` (`BASE` one of [`LN`], [`LOG2`], [`LOG10`]): the `libm` crate's (FreeBSD's
/// `e_log.c`, `e_log2.c`, `e_log10.c`, each within 1 ulp) operation for operation, so the same bits, but without a
/// branch so that a loop of them vectorises: the subnormal scaling is selected rather than branched to, the early
/// answer for 1 is the formula's own (+0), and the special arguments (0, negatives, +Infinity, NaN) replace the
/// formula's value at the end.
#[inline(always)]
pub(crate) fn js_log_base<const BASE: u8>(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    const IVLN2HI: f64 = f64::from_bits(0x3FF7_1547_6520_0000);
    const IVLN2LO: f64 = f64::from_bits(0x3DE7_05FC_2EEF_A200);
    const IVLN10HI: f64 = f64::from_bits(0x3FDB_CB7B_1520_0000);
    const IVLN10LO: f64 = f64::from_bits(0x3DBB_9438_CA9A_ADD5);
    const LOG10_2HI: f64 = f64::from_bits(0x3FD3_4413_509F_6000);
    const LOG10_2LO: f64 = f64::from_bits(0x3D59_FEF3_11F1_2B36);
    const LG1: f64 = f64::from_bits(0x3FE5_5555_5555_5593);
    const LG2: f64 = f64::from_bits(0x3FD9_9999_9997_FA04);
    const LG3: f64 = f64::from_bits(0x3FD2_4924_9422_9359);
    const LG4: f64 = f64::from_bits(0x3FCC_71C5_1D8E_78AF);
    const LG5: f64 = f64::from_bits(0x3FC7_4664_96CB_03DE);
    const LG6: f64 = f64::from_bits(0x3FC3_9A09_D078_C69F);
    const LG7: f64 = f64::from_bits(0x3FC2_F112_DF3E_5244);
    const TWO54: f64 = f64::from_bits(0x4350_0000_0000_0000);
    // Below the normal range (and for the arguments replaced at the end): scaled up by 2^54, exactly.
    let subnormal = x < f64::MIN_POSITIVE;
    let xs = if subnormal { x * TWO54 } else { x };
    let ui = xs.to_bits();
    // x = 2^k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2).
    let hx = ((ui >> 32) as u32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    let k = ((hx >> 20) as i32) - 0x3ff - if subnormal { 54 } else { 0 };
    let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((u64::from(hx) << 32) | (ui & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = f64::from(k);
    let value = if BASE == LN {
        s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
    } else {
        // hi + lo = f - hfsq + s (hfsq + r), hi with its low 32 bits cleared so that its products are exact.
        let hi = f64::from_bits((f - hfsq).to_bits() & 0xffff_ffff_0000_0000);
        let lo = f - hi - hfsq + s * (hfsq + r);
        let (y, val_hi, val_lo) = if BASE == LOG2 {
            (dk, hi * IVLN2HI, (lo + hi) * IVLN2LO + lo * IVLN2HI)
        } else {
            (dk * LOG10_2HI, hi * IVLN10HI, dk * LOG10_2LO + (lo + hi) * IVLN10LO + lo * IVLN10HI)
        };
        let sum = y + val_hi;
        (val_lo + ((y - sum) + val_hi)) + sum
    };
    let value = if x == f64::INFINITY { x } else { value };
    let value = if x == 0.0 { f64::NEG_INFINITY } else { value };
    if x < 0.0 || x.is_nan() {
        f64::NAN
    } else {
        value
    }
}

/// `Math.tanh`, within 1 ulp: `libm`'s (fdlibm's) `-t / (t + 2)` with `t = expm1(-2|x|)` errs by 2 ulps below 1
/// in magnitude. Below 0.55 the Taylor series instead (its terms past `x` sum to at most a tenth of `x`, so their
/// rounding reaches the result at a tenth of its size); up to 22, `1 - 2 / (expm1(2|x|) + 2)`, whose quotient is at
/// most a third of the result; beyond, `libm`'s (±1 and the special values).
#[inline]
pub(crate) fn js_tanh(x: f64) -> f64 {
    let a = x.abs();
    if a < 0.55 {
        /// The series' coefficients of x^3, x^5, … x^41 (mpmath, rounded to nearest): the next term is below
        /// 2^-62 of x here.
        const C: [f64; 20] = [
            f64::from_bits(0xBFD5_5555_5555_5555),
            f64::from_bits(0x3FC1_1111_1111_1111),
            f64::from_bits(0xBFAB_A1BA_1BA1_BA1C),
            f64::from_bits(0x3F96_64F4_882C_10FA),
            f64::from_bits(0xBF82_26E3_55E6_C23D),
            f64::from_bits(0x3F6D_6D3D_0E15_7DE0),
            f64::from_bits(0xBF57_DA36_452B_75E3),
            f64::from_bits(0x3F43_5582_4803_6744),
            f64::from_bits(0xBF2F_57D7_734D_1664),
            f64::from_bits(0x3F19_67E1_8AFC_AFAD),
            f64::from_bits(0xBF04_97D8_EEA2_5259),
            f64::from_bits(0x3EF0_B132_D39A_6050),
            f64::from_bits(0xBEDB_0F72_D3EE_24E9),
            f64::from_bits(0x3EC5_EF2D_A474_E5B7),
            f64::from_bits(0xBEB1_C77D_F95C_1C0D),
            f64::from_bits(0x3E9C_D299_DE4A_E6BB),
            f64::from_bits(0xBE87_5CDE_6563_FED9),
            f64::from_bits(0x3E72_EFE8_DB3A_FF1F),
            f64::from_bits(0xBE5E_B322_9047_434C),
            f64::from_bits(0x3E48_E25F_F932_7E2C),
        ];
        let x2 = x * x;
        let p = C.iter().rev().fold(0.0f64, |acc, c| acc.mul_add(x2, *c));
        (x2 * x).mul_add(p, x)
    } else if a < 22.0 {
        (1.0 - 2.0 / (libm::expm1(2.0 * a) + 2.0)).copysign(x)
    } else {
        libm::tanh(x)
    }
}

/// `Math.acosh`: NaN below 1 (the `libm` crate's answers a finite value for negative arguments).
#[inline]
pub(crate) fn js_acosh(x: f64) -> f64 {
    if x < 1.0 {
        f64::NAN
    } else {
        libm::acosh(x)
    }
}

/// `Math.sinh`, within 1 ulp: below 1 in magnitude, where `libm`'s (fdlibm's) formula through `expm1` errs by up to
/// 2 ulps, the Taylor series, whose terms past `x` sum to at most 0.18 |x| and so carry their rounding into the result
/// at under a fifth of their size; elsewhere `libm`'s.
#[inline]
pub(crate) fn js_sinh(x: f64) -> f64 {
    if x.abs() < 1.0 {
        /// 1/(2k+1)! for k = 1..=10: the last term is below 2^-65 of x.
        const C: [f64; 10] = [
            1.0 / 6.0,
            1.0 / 120.0,
            1.0 / 5040.0,
            1.0 / 362880.0,
            1.0 / 39916800.0,
            1.0 / 6227020800.0,
            1.0 / 1307674368000.0,
            1.0 / 355687428096000.0,
            1.0 / 121645100408832000.0,
            1.0 / 51090942171709440000.0,
        ];
        let x2 = x * x;
        let p = C.iter().rev().fold(0.0f64, |acc, c| acc.mul_add(x2, *c));
        // x + x³·p, the small part rounded once into the exact x; keeps -0 and the sign.
        (x2 * x).mul_add(p, x)
    } else {
        libm::sinh(x)
    }
}

/// The scalar function of a one-argument operation.
#[inline(always)]
pub(crate) fn unary(op: Unary, x: f64) -> f64 {
    match op {
        Unary::Neg => -x,
        Unary::Not => flag(!truthy(x)),
        Unary::Abs => x.abs(),
        Unary::Sign => js_sign(x),
        Unary::Sqrt => x.sqrt(),
        Unary::Cbrt => libm::cbrt(x),
        Unary::Exp => js_exp(x),
        Unary::Expm1 => libm::expm1(x),
        Unary::Log => js_log_base::<LN>(x),
        Unary::Log1p => libm::log1p(x),
        Unary::Log2 => js_log_base::<LOG2>(x),
        Unary::Log10 => js_log_base::<LOG10>(x),
        Unary::Sin => js_sin(x),
        Unary::Cos => js_cos(x),
        Unary::Tan => libm::tan(x),
        Unary::Asin => libm::asin(x),
        Unary::Acos => libm::acos(x),
        Unary::Atan => libm::atan(x),
        Unary::Sinh => js_sinh(x),
        Unary::Cosh => libm::cosh(x),
        Unary::Tanh => js_tanh(x),
        Unary::Asinh => libm::asinh(x),
        Unary::Acosh => js_acosh(x),
        Unary::Atanh => libm::atanh(x),
        Unary::Floor => x.floor(),
        Unary::Ceil => x.ceil(),
        Unary::Round => js_round(x),
        Unary::Trunc => x.trunc(),
    }
}

/// The scalar function of a two-argument operation.
#[inline(always)]
pub(crate) fn binary(op: Binary, a: f64, b: f64) -> f64 {
    match op {
        Binary::Add => a + b,
        Binary::Sub => a - b,
        Binary::Mul => a * b,
        Binary::Div => a / b,
        Binary::Rem => js_rem(a, b),
        Binary::Pow => js_pow(a, b),
        Binary::Lt => flag(a < b),
        Binary::Le => flag(a <= b),
        Binary::Gt => flag(a > b),
        Binary::Ge => flag(a >= b),
        Binary::Eq => flag(a == b),
        Binary::Ne => flag(a != b),
        Binary::And => {
            if truthy(a) {
                b
            } else {
                a
            }
        }
        Binary::Or => {
            if truthy(a) {
                a
            } else {
                b
            }
        }
        Binary::Min => js_min(a, b),
        Binary::Max => js_max(a, b),
        Binary::Atan2 => libm::atan2(a, b),
    }
}

/// The scalar function of a three-argument operation.
#[inline(always)]
pub(crate) fn ternary(op: Ternary, a: f64, b: f64, c: f64) -> f64 {
    match op {
        Ternary::Select => {
            if truthy(a) {
                b
            } else {
                c
            }
        }
        Ternary::Clamp => js_min(js_max(a, b), c),
    }
}
