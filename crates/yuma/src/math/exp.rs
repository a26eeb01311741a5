//! substrate-fixed's `exp` for I32F32: the 32-term Taylor series, operation for operation
//! (not a real exponential: it loses accuracy near |x| = 20 exactly as the reference does),
//! clamped to [−20, 20] by [`exp_safe`], and run on several arguments in lockstep by
//! [`exp_safe_lanes`].
//!
//! Rules: each term is `(term·x)/i` with a floor multiply and a truncating divide, on |x|,
//! inverted for negative x; `exp(1)` is e truncated to 23 fractional bits. The unrolled and
//! lane-wise versions are pinned bit for bit against the plain series by the unit tests.

#![deny(clippy::float_arithmetic)]

use super::scalar::{ONE, ZERO, div};
use fixed::types::I32F32;

/// e truncated to 23 fractional bits, as substrate-fixed's `transcendental::E` (an I9F23).
const E_I9F23_BITS: i64 = 22_802_600;

/// `exp(x)` with `x` clamped to [−20, 20]; 0 or MAX on an internal overflow. The
/// one-argument reference that [`exp_safe_lanes`] is pinned against (tests only: the epoch
/// runs every `exp` through the lanes).
#[cfg(test)]
pub(crate) fn exp_safe(x: I32F32) -> I32F32 {
    let lo = I32F32::from_num(-20);
    let hi = I32F32::from_num(20);
    let x = if x < lo {
        lo
    } else if hi < x {
        hi
    } else {
        x
    };
    match exp(x) {
        Some(v) => v,
        None if x <= ZERO => ZERO,
        None => I32F32::MAX,
    }
}

/// How many `exp` chains [`ema_liquid_row`](super::liquid_alpha::ema_liquid_row) interleaves.
pub(crate) const EXP_LANES: usize = 4;

/// [`exp_safe`] of `L` arguments at once, bit for bit: the same Taylor steps as [`exp`],
/// run in lockstep so the `L` dependency chains overlap, until every lane's term is 0.
///
/// Exactness: a lane whose term reached 0 keeps adding 0, as [`exp`]'s early exit assumes.
/// Overflow never happens, so the unchecked (wrapping, never panicking) arithmetic equals
/// [`exp`]'s checked one: after the clamp the operand `o` is at most `20·2^32`; every term
/// `t_i = ⌊⌊t_{i−1}·o / 2^32⌋ / i⌋`, every product and every partial sum is non-decreasing
/// in `o` (floor of products and sums of non-negative non-decreasing quantities), and at
/// `o = 20·2^32` [`exp`] completes without overflow (`exp(±20)` is `Some`, pinned by a
/// unit test), so all products fit in `i64` and all sums stay below `2^63` for every lane.
pub(crate) fn exp_safe_lanes<const L: usize>(x: [I32F32; L]) -> [I32F32; L] {
    let lo = I32F32::from_num(-20);
    let hi = I32F32::from_num(20);
    let mut op = [0u64; L];
    let mut neg = [false; L];
    for ((o, n), v) in op.iter_mut().zip(neg.iter_mut()).zip(x.iter()) {
        let v = (*v).clamp(lo, hi).to_bits();
        *n = v < 0;
        *o = v.unsigned_abs();
    }
    let mut term = op;
    let mut result = [0u64; L];
    for (r, o) in result.iter_mut().zip(op.iter()) {
        *r = o.wrapping_add(1 << 32);
    }
    macro_rules! step {
        ($l:lifetime; $($i:literal)*) => {$(
            let mut any = 0u64;
            for ((t, r), o) in term.iter_mut().zip(result.iter_mut()).zip(op.iter()) {
                let p = ((u128::from(*t) * u128::from(*o)) >> 32) as u64;
                *t = p / $i;
                *r = r.wrapping_add(*t);
                any |= *t;
            }
            if any == 0 {
                break $l;
            }
        )*};
    }
    'series: {
        step!('series; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    }
    let mut out = [ZERO; L];
    for (((y, r), o), n) in out
        .iter_mut()
        .zip(result.iter())
        .zip(op.iter())
        .zip(neg.iter())
    {
        *y = if *o == 0 {
            ONE
        } else if !*n && *o == 1 << 32 {
            I32F32::from_bits(E_I9F23_BITS << 9)
        } else {
            let r = I32F32::from_bits(*r as i64);
            if *n {
                // r >= 1 + |x| > 1, so the quotient never overflows (exp_safe's fallback
                // for a failed negative exp is 0).
                div(ONE, r).unwrap_or(ZERO)
            } else {
                r
            }
        };
    }
    out
}

/// substrate-fixed's `transcendental::exp` for I32F32, operation for operation: the Taylor
/// series `1 + x + Σ_{i=2}^{31} x^i/i!` with each term computed as `(term·x)/i` (floor
/// multiply, truncating divide), on |x|, inverted for negative x; `exp(1)` returns e
/// truncated to 23 fractional bits. `None` where the reference returns `Err`.
#[cfg(test)]
pub(crate) fn exp(x: I32F32) -> Option<I32F32> {
    if x == ZERO {
        return Some(ONE);
    }
    if x == ONE {
        return Some(I32F32::from_bits(E_I9F23_BITS << 9));
    }
    let neg = x < ZERO;
    let operand = if neg { x.checked_neg()? } else { x };
    let o = i128::from(operand.to_bits());
    let mut result = operand.checked_add(ONE)?.to_bits();
    let mut term = operand.to_bits();
    // i = 2..=31, each step `term = (term·x)/i; result += term` with I32F32 semantics:
    // floor multiply (None when the product leaves i64) and, as term >= 0, a truncating
    // division by the integer i (constant divisors compile to exact multiply-shifts).
    // Once a term is 0 every later term is 0 and adds nothing, so the series stops there.
    macro_rules! step {
        ($l:lifetime; $($i:literal)*) => {$(
            let p = (i128::from(term) * o) >> 32;
            term = i64::try_from(p).ok()?;
            term /= $i;
            if term == 0 {
                break $l;
            }
            result = result.checked_add(term)?;
        )*};
    }
    'series: {
        step!('series; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
    }
    let mut result = I32F32::from_bits(result);
    if neg {
        result = div(ONE, result)?;
    }
    Some(result)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_arithmetic)]
mod tests {
    use super::*;
    use crate::math::scalar::HALF;
    use crate::math::{f, xorshift};

    #[test]
    fn exp_is_close_to_the_real_exp() {
        // The reference's 32-term series is only accurate for moderate |x| (at x = 20 it
        // returns ~4.81e8 instead of 4.85e8, and we reproduce that).
        for x in [-10.0, -5.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.0, 5.0, 8.0] {
            let got: f64 = exp(f(x)).unwrap().to_num();
            let want = x.exp();
            assert!(
                (got - want).abs() <= want * 1e-6 + 1e-8,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    /// substrate-fixed's loop written plainly with `fixed`'s checked operations.
    fn exp_plain(x: I32F32) -> Option<I32F32> {
        if x == ZERO {
            return Some(ONE);
        }
        if x == ONE {
            return Some(I32F32::from_bits(E_I9F23_BITS << 9));
        }
        let neg = x < ZERO;
        let op = if neg { -x } else { x };
        let mut result = op + ONE;
        let mut term = op;
        for i in 2..32 {
            term = term.checked_mul(op)?;
            term = term.checked_div(I32F32::from_num(i))?;
            result = result.checked_add(term)?;
        }
        if neg {
            ONE.checked_div(result)
        } else {
            Some(result)
        }
    }

    #[test]
    fn unrolled_exp_matches_the_plain_series_bit_for_bit() {
        let mut bits: i64 = -20 << 32;
        while bits <= 20 << 32 {
            let x = I32F32::from_bits(bits);
            assert_eq!(exp(x), exp_plain(x), "x = {x}");
            bits += 0x0123_4567;
        }
        for x in [
            ZERO,
            ONE,
            -ONE,
            HALF,
            -HALF,
            I32F32::from_num(20),
            I32F32::from_num(-20),
        ] {
            assert_eq!(exp(x), exp_plain(x));
        }
    }

    #[test]
    fn exp_at_the_clamp_bounds_does_not_overflow() {
        // The premise of exp_safe_lanes' exactness argument.
        assert!(exp(I32F32::from_num(20)).is_some());
        assert!(exp(I32F32::from_num(-20)).is_some());
    }

    #[test]
    fn lane_exp_matches_exp_safe_bit_for_bit() {
        let mut next = xorshift(0x5eed_1234);
        let mut xs: Vec<I32F32> = Vec::new();
        // Every edge: 0, ±1, ±(1 ± ulp), the clamp bounds and beyond, extremes.
        for b in [
            0i64,
            1,
            -1,
            1 << 32,
            -(1 << 32),
            (1 << 32) + 1,
            (1 << 32) - 1,
            -(1 << 32) + 1,
            -(1 << 32) - 1,
            20 << 32,
            -(20 << 32),
            (20 << 32) + 1,
            -(20 << 32) - 1,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            xs.push(I32F32::from_bits(b));
        }
        // A dense sweep over [-21, 21] and random bits of every magnitude.
        let mut bits: i64 = -21 << 32;
        while bits <= 21 << 32 {
            xs.push(I32F32::from_bits(bits));
            bits += 0x0001_2345;
        }
        for _ in 0..400_000 {
            let r = next();
            let b = match r % 4 {
                0 => (r >> 2) as i64,
                1 => ((r >> 8) as i64) % (21 << 32),
                2 => ((r >> 8) as i64) % (1 << 34),
                _ => ((r >> 8) as i64) % (1 << 20),
            };
            xs.push(I32F32::from_bits(if r & 2 == 0 { b } else { -b }));
        }
        for chunk in xs.chunks(EXP_LANES) {
            let mut lanes = [ZERO; EXP_LANES];
            lanes[..chunk.len()].copy_from_slice(chunk);
            let got = exp_safe_lanes(lanes);
            for (x, y) in lanes.iter().zip(got.iter()) {
                assert_eq!(*y, exp_safe(*x), "x = {x}");
            }
            let got4 = exp_safe_lanes([lanes[0], lanes[1], lanes[2], lanes[3]]);
            for (x, y) in lanes.iter().zip(got4.iter()) {
                assert_eq!(*y, exp_safe(*x), "x = {x}");
            }
        }
    }
}
