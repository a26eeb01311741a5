//! Fixed-point scalars: the I32F32 / I64F64 arithmetic of the epoch and the conversions
//! between proportions, with subtensor's exact rounding (substrate-fixed semantics):
//!
//! * addition and subtraction are exact, saturating at the type bounds;
//! * multiplication ([`smul`]) is `(a·b) >> 32` with an arithmetic shift, i.e. floor (toward
//!   −∞), saturating;
//! * division ([`div`]) is `(a << 32) / b` with integer division, i.e. truncation toward
//!   zero; a "safe" division ([`safe_div`], [`safe_div64`], [`DivBy`]) returns 0 on a zero
//!   divisor or on overflow;
//! * fixed→integer conversions discard low bits (floor), saturating: a u16 proportion is
//!   `floor(x·65535)` ([`to_u16_proportion`]), and `x / 65535` the other way
//!   ([`u16_proportion`]).
//!
//! Bit-exactness: the fast paths (one 64×64→128-bit multiply, 64-bit divisions, a
//! precomputed reciprocal) are each pinned against `fixed`'s own `saturating_mul` /
//! `checked_div` by the unit tests below, on edge values and random bits.

#![deny(clippy::float_arithmetic)]

use fixed::types::{I32F32, I64F64};

pub(crate) const ZERO: I32F32 = I32F32::ZERO;
pub(crate) const ONE: I32F32 = I32F32::ONE;
/// 0.5 in I32F32 (exact).
pub(crate) const HALF: I32F32 = I32F32::from_bits(1 << 31);

/// `a.saturating_mul(b)`, bit for bit: the exact product `a·b` of the bits (one signed
/// 64×64→128-bit multiply; `fixed` multiplies in 128×128 bits), floored by an arithmetic
/// shift of the 32 fractional bits, saturated to the I32F32 range by the product's sign.
#[inline]
pub(crate) fn smul(a: I32F32, b: I32F32) -> I32F32 {
    // |a·b| ≤ 2^126 fits i128 exactly.
    let q = (i128::from(a.to_bits()) * i128::from(b.to_bits())) >> 32;
    I32F32::from_bits(i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX }))
}

/// [`smul`] for a factor `u` with `|u| ≤ 1` (and `x ≠ I32F32::MIN` when `u < 0`), without
/// the saturation: the exact `u·x / 2^32` lies between 0 and `x` (or `−x`), so its floor
/// always fits in i64 and equals `smul(u, x)` bit for bit (pinned by a unit test). Used
/// where the factor is provably a proportion — liquid alpha's σ, α, 1 − α and d − ½, the
/// scalar EMA's α and 1 − α when α ∈ [0, 1], a row's active stake — saving the range checks
/// (the callers check the factor's range once per row or epoch where it is not structural).
#[inline]
pub(crate) fn smul_unit(u: I32F32, x: I32F32) -> I32F32 {
    debug_assert!((-ONE..=ONE).contains(&u) && (u >= ZERO || x != I32F32::MIN));
    I32F32::from_bits(((i128::from(u.to_bits()) * i128::from(x.to_bits())) >> 32) as i64)
}

/// `safe_div(ONE, ONE.saturating_add(e))` for `e ≥ 0` (liquid alpha's `σ = 1/(1 + exp)`)
/// as one 64-bit division: with `r = 2^32 + e` in bits (no overflow below
/// `e = 2^63 − 2^32`), `2^64 / r` truncated is `⌊(2^64 − 1)/r⌋`, plus one when `r`
/// divides `2^64` (a power of two), which is [`div`]'s reciprocal path; its integer-divisor
/// path (`r = k·2^32`) gives the same `⌊2^32/k⌋`. The quotient is at most `2^32`. Other
/// `e` take the general [`safe_div`].
#[inline]
pub(crate) fn recip_one_plus(e: I32F32) -> I32F32 {
    let eb = e.to_bits();
    if (0..=i64::MAX - (1 << 32)).contains(&eb) {
        let r = eb as u64 + (1 << 32);
        let q = u64::MAX / r + u64::from(r.is_power_of_two());
        return I32F32::from_bits(q as i64);
    }
    safe_div(ONE, ONE.saturating_add(e))
}

/// `a / b`, or 0 when `b == 0` or the quotient overflows (subtensor's `safe_div`).
#[inline]
pub(crate) fn safe_div(a: I32F32, b: I32F32) -> I32F32 {
    div(a, b).unwrap_or(ZERO)
}

/// `a / b` truncated toward zero, `None` on a zero divisor or overflow: exactly
/// `I32F32::checked_div`, with 64-bit fast paths for the common non-negative cases (the
/// generic path divides in 128 bits).
#[inline]
pub(crate) fn div(a: I32F32, b: I32F32) -> Option<I32F32> {
    let (ab, bb) = (a.to_bits(), b.to_bits());
    if ab >= 0 && bb > 0 {
        let (au, bu) = (ab as u64, bb as u64);
        if au >> 32 == 0 {
            // (a << 32) fits in u64: the quotient is ((a << 32) / b), truncated.
            let q = (au << 32) / bu;
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
        if bu & 0xFFFF_FFFF == 0 {
            // Integer divisor k: (a << 32) / (k << 32) == a / k.
            let q = au / (bu >> 32);
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
        if au == 1 << 32 {
            // 1 / b = 2^64 / b = (2^64 − 1) / b, plus one when b divides 2^64; the quotients
            // 2^64 (b = 1) and 2^63 (b = 2) overflow and give None as they must.
            let q = (u64::MAX / bu).checked_add(u64::from(bu.is_power_of_two()))?;
            return i64::try_from(q).ok().map(I32F32::from_bits);
        }
    }
    a.checked_div(b)
}

/// `n / d` (truncating) from a precomputed `m = (2^64 − 1) / d`: the estimate
/// `⌊n·m / 2^64⌋` is `⌊n/d⌋` or one less (as `m > 2^64/d − 1`), and the remainder fixes it.
#[inline]
fn div_by_recip(n: u64, d: u64, m: u64) -> u64 {
    let q = ((u128::from(n) * u128::from(m)) >> 64) as u64;
    let r = n.wrapping_sub(q.wrapping_mul(d));
    if r >= d { q.wrapping_add(1) } else { q }
}

/// [`safe_div`] by one divisor many times: exactly `safe_div(a, b)` for every `a`, with the
/// hardware division replaced by a multiplication with a precomputed reciprocal on the
/// fast paths of [`div`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct DivBy {
    b: I32F32,
    /// `b`'s bits when `b > 0`, else 0 (no fast path).
    bu: u64,
    m: u64,
    /// `b`'s integer part when `b > 0` is an integer, else 0.
    k: u64,
    mk: u64,
}

impl DivBy {
    pub(crate) fn new(b: I32F32) -> Self {
        let bb = b.to_bits();
        if bb <= 0 {
            return Self {
                b,
                bu: 0,
                m: 0,
                k: 0,
                mk: 0,
            };
        }
        let bu = bb as u64;
        let k = if bu & 0xFFFF_FFFF == 0 { bu >> 32 } else { 0 };
        Self {
            b,
            bu,
            m: u64::MAX / bu,
            k,
            mk: u64::MAX.checked_div(k).unwrap_or(0),
        }
    }

    /// `safe_div(a, b)`.
    #[inline]
    pub(crate) fn div(&self, a: I32F32) -> I32F32 {
        let ab = a.to_bits();
        if ab >= 0 && self.bu != 0 {
            let au = ab as u64;
            if au >> 32 == 0 {
                let q = div_by_recip(au << 32, self.bu, self.m);
                return i64::try_from(q).map(I32F32::from_bits).unwrap_or(ZERO);
            }
            if self.k != 0 {
                let q = div_by_recip(au, self.k, self.mk);
                return i64::try_from(q).map(I32F32::from_bits).unwrap_or(ZERO);
            }
        }
        safe_div(a, self.b)
    }
}

/// `a / b` in I64F64, or 0 when `b == 0` or the quotient overflows.
#[inline]
pub(crate) fn safe_div64(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div(b).unwrap_or(I64F64::ZERO)
}

/// `x / 65535` for a u16 proportion.
#[inline]
pub(crate) fn u16_proportion(x: u16) -> I32F32 {
    // safe_div(x, 65535) takes div's integer-divisor path ((x << 32) / 65535, or 0 for
    // x = 0); written out so the constant divisor compiles to a multiplication.
    I32F32::from_bits((i64::from(x) << 32) / 65535)
}

/// floor(x · 65535), saturating into `0..=65535` (subtensor's `fixed_proportion_to_u16`:
/// `smul(x, 65535).saturating_to_num::<u16>()`). Computed directly: the product's bits are
/// exactly `x_bits · 65535` (65535 is an integer), `fixed`'s conversion discards the
/// fractional bits (floor, an arithmetic shift) and saturates, and where `smul` itself
/// saturates (|x| ≥ 2^47 / 65535) the u16 saturates the same way; so the floor of the exact
/// 128-bit product clamped to `0..=65535` is the same bits (pinned against the `fixed`
/// form by a unit test). It runs once per stored bond entry.
#[inline]
pub(crate) fn to_u16_proportion(x: I32F32) -> u16 {
    ((i128::from(x.to_bits()) * 65535) >> 32).clamp(0, 65535) as u16
}

/// Saturating sum.
#[inline]
pub(crate) fn sum(x: &[I32F32]) -> I32F32 {
    x.iter().fold(ZERO, |acc, v| acc.saturating_add(*v))
}

/// Normalise a vector to sum 1 in place; left unchanged when it sums to 0.
pub(crate) fn normalize(x: &mut [I32F32]) {
    let total = sum(x);
    if total == ZERO {
        return;
    }
    for v in x.iter_mut() {
        *v = safe_div(*v, total);
    }
}

/// Divide every entry by `total`; left unchanged when `total` is 0.
pub(crate) fn normalize_with_sum(x: &mut [I32F32], total: I32F32) {
    if total == ZERO {
        return;
    }
    for v in x.iter_mut() {
        *v = safe_div(*v, total);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_arithmetic)]
mod tests {
    use super::*;
    use crate::math::{f, xorshift};

    #[test]
    fn u16_proportion_matches_the_fixed_conversion() {
        let reference = |x: I32F32| smul(x, I32F32::from_num(u16::MAX)).saturating_to_num::<u16>();
        let mut next = xorshift(0xfeed_0016);
        let mut xs: Vec<i64> = vec![
            0,
            1,
            -1,
            1 << 32,
            (1 << 32) - 1,
            (1 << 32) + 1,
            i64::MAX,
            i64::MIN,
            (1 << 47) / 65535,
            (1 << 47) / 65535 + 1,
            -(1 << 47) / 65535 - 1,
        ];
        for _ in 0..200_000 {
            let r = next();
            xs.push(match r % 3 {
                0 => next() as i64,
                1 => (next() % (1 << 33)) as i64,
                _ => (next() % (1 << 40)) as i64 - (1 << 39),
            });
        }
        for x in xs {
            let x = I32F32::from_bits(x);
            assert_eq!(to_u16_proportion(x), reference(x), "x = {x:?}");
        }
    }

    #[test]
    fn unit_multiply_and_reciprocal_match_the_general_ones() {
        let mut next = xorshift(0x0123_4567);
        let edges = [
            0i64,
            1,
            -1,
            (1 << 31),
            -(1 << 31),
            (1 << 32) - 1,
            1 << 32,
            -(1 << 32),
            i64::MAX,
            i64::MIN + 1,
            (1 << 62) + 12345,
            -(1 << 62) - 12345,
        ];
        let mut us: Vec<i64> = edges
            .iter()
            .copied()
            .filter(|u| u.abs() <= 1 << 32)
            .collect();
        let mut xs: Vec<i64> = edges.to_vec();
        xs.push(i64::MIN);
        let mut es: Vec<i64> = edges.to_vec();
        es.extend([
            i64::MAX - (1 << 32),
            i64::MAX - (1 << 32) + 1,
            3 << 32,
            7 << 32,
        ]);
        for _ in 0..100_000 {
            let r = next();
            us.push((r % ((1 << 33) + 1)) as i64 - (1 << 32));
            xs.push(match r % 3 {
                0 => next() as i64,
                1 => (next() % (1 << 40)) as i64 - (1 << 39),
                _ => ((next() >> 1) as i64).max(i64::MIN + 1),
            });
            es.push(match r % 3 {
                0 => (next() % (1 << 62)) as i64,
                1 => (next() % (1 << 36)) as i64,
                _ => ((next() % 64) << 32) as i64,
            });
        }
        for (u, x) in us.iter().zip(xs.iter().cycle()) {
            let (u, x) = (I32F32::from_bits(*u), I32F32::from_bits(*x));
            if u >= ZERO || x != I32F32::MIN {
                assert_eq!(smul_unit(u, x), smul(u, x), "u = {u:?}, x = {x:?}");
            }
        }
        for e in es {
            let e = I32F32::from_bits(e);
            assert_eq!(
                recip_one_plus(e),
                safe_div(ONE, ONE.saturating_add(e)),
                "e = {e:?}"
            );
        }
    }

    #[test]
    fn fast_division_matches_checked_div() {
        let vals = [
            0i64,
            1,
            2,
            3,
            7,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            3 << 32,
            65535 << 32,
            i64::MAX,
            -1,
            -(1 << 32),
        ];
        for a in vals {
            for b in vals {
                let (fa, fb) = (I32F32::from_bits(a), I32F32::from_bits(b));
                assert_eq!(div(fa, fb), fa.checked_div(fb), "{a} / {b}");
            }
        }
    }

    #[test]
    fn reciprocal_division_matches_checked_div() {
        let mut next = xorshift(0xdead_beef);
        let edge = [
            0i64,
            1,
            2,
            3,
            (1 << 31) + 1,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 1,
            7 << 32,
            65535 << 32,
            i64::MAX,
            -1,
            -(1 << 32),
            i64::MIN,
        ];
        let mut divisors: Vec<i64> = edge.to_vec();
        for _ in 0..300 {
            let r = next();
            divisors.push(match r % 4 {
                0 => (r >> 8) as i64 & ((1 << 33) - 1),
                1 => ((r >> 8) % 70_000) as i64 * (1 << 32),
                2 => (r >> 2) as i64,
                _ => (r >> 40) as i64 + 1,
            });
        }
        for b in divisors {
            let fb = I32F32::from_bits(b);
            let d = DivBy::new(fb);
            let mut nums: Vec<i64> = edge.to_vec();
            for _ in 0..200 {
                let r = next();
                nums.push(match r % 4 {
                    0 => (r >> 8) as i64 & ((1 << 33) - 1),
                    1 => ((r >> 8) % 70_000) as i64 * (1 << 32),
                    2 => r as i64,
                    _ => b
                        .wrapping_mul((r % 5) as i64)
                        .wrapping_add((r % 3) as i64 - 1),
                });
            }
            for a in nums {
                let fa = I32F32::from_bits(a);
                assert_eq!(d.div(fa), safe_div(fa, fb), "{a} / {b}");
                assert_eq!(div(fa, fb), fa.checked_div(fb), "{a} / {b}");
            }
        }
    }

    #[test]
    fn fast_multiply_matches_saturating_mul() {
        let mut next = xorshift(0x00c0_ffee);
        let edge = [
            0i64,
            1,
            -1,
            2,
            1 << 31,
            -(1 << 31),
            (1 << 32) - 1,
            1 << 32,
            -(1 << 32),
            (1 << 32) + 1,
            3 << 31,
            65535 << 32,
            1 << 47,
            -(1 << 47),
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            i64::MAX - 1,
        ];
        let mut vals: Vec<i64> = edge.to_vec();
        for _ in 0..3000 {
            let r = next();
            vals.push(match r % 4 {
                0 => r as i64,
                1 => ((r >> 8) as i64) % (1 << 34),
                2 => ((r >> 8) as i64) % (1 << 50),
                _ => -(((r >> 8) as i64) % (1 << 33)),
            });
        }
        for a in &edge {
            for b in &vals {
                let (fa, fb) = (I32F32::from_bits(*a), I32F32::from_bits(*b));
                assert_eq!(smul(fa, fb), fa.saturating_mul(fb), "{a} * {b}");
                assert_eq!(smul(fb, fa), fb.saturating_mul(fa), "{b} * {a}");
            }
        }
        for w in vals.windows(2) {
            let (fa, fb) = (I32F32::from_bits(w[0]), I32F32::from_bits(w[1]));
            assert_eq!(smul(fa, fb), fa.saturating_mul(fb), "{} * {}", w[0], w[1]);
        }
    }

    #[test]
    fn u16_proportion_is_safe_div_by_65535() {
        for x in 0..=u16::MAX {
            let want = safe_div(I32F32::from_num(x), I32F32::from_num(u16::MAX));
            assert_eq!(u16_proportion(x), want, "{x}");
        }
    }

    #[test]
    fn floor_multiply_and_truncating_divide() {
        let tiny = I32F32::from_bits(1);
        assert_eq!((-tiny).saturating_mul(HALF), I32F32::from_bits(-1));
        assert_eq!((-tiny).checked_div(f(2.0)).unwrap(), ZERO);
    }
}
