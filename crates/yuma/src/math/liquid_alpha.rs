//! Liquid alpha (Yuma 3): the per-entry bond EMA whose rate `α_ij` is a sigmoid of how far
//! a validator's weight sits from consensus, `clamp(low + σ·(high − low), low, high)` with
//! `σ = 1 / (1 + exp(−(steepness/100)·(d − 0.5)))`.
//!
//! Rules: operation for operation the reference's `mat_ema_alpha_sparse` /
//! `alpha_sigmoid` (floor multiplies, saturating adds, the safe division); the `exp` is
//! [`exp_safe`], batched [`EXP_LANES`] at a time with identical
//! per-entry results (pinned by a unit test against the one-entry sigmoid).

#![deny(clippy::float_arithmetic)]

use super::exp::{EXP_LANES, exp_safe, exp_safe_lanes};
use super::scalar::{HALF, ONE, ZERO, safe_div, smul, u16_proportion};
use super::sparse::RowOut;
use fixed::types::I32F32;

/// Liquid-alpha parameters in fixed point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiquidAlphaFixed {
    pub low: I32F32,
    pub high: I32F32,
    /// `steepness / −100` (the reference divides per entry; the quotient is the same).
    pub neg_rate: I32F32,
}

impl LiquidAlphaFixed {
    /// From the u16 bounds and the i16 steepness.
    pub(crate) fn new(alpha_low: u16, alpha_high: u16, steepness: i16) -> Self {
        Self {
            low: u16_proportion(alpha_low),
            high: u16_proportion(alpha_high),
            neg_rate: I32F32::from_num(steepness).saturating_div(I32F32::from_num(-100)),
        }
    }
}

/// One row of the per-entry EMA of the sparse reference path (`mat_ema_alpha_sparse`),
/// adding the kept values to `col_sum`: only columns present
/// in the new (weight) row are emitted — a bond toward an omitted uid disappears — with
/// `min(1, (1 − α_ij)·b_ij + max(0, α_ij·w_ij))` kept when > 0, and α_ij from
/// `liquid_alpha_sigmoid` at (C_j, w_ij, b_ij).
///
/// Computed in three passes over the row so that the `exp` chains of [`EXP_LANES`]
/// entries run interleaved ([`exp_safe_lanes`], the same operations per entry); `tmp`
/// is scratch space.
pub(crate) fn ema_liquid_row(
    (cn, vn): (&[u16], &[I32F32]),
    (co, vo): (&[u16], &[I32F32]),
    consensus: &[I32F32],
    la: LiquidAlphaFixed,
    out: &mut RowOut<'_>,
    col_sum: &mut [I32F32],
    tmp: &mut LiquidScratch,
) {
    // Pass 1: the stored bond of every entry (or none) and the sigmoid's exp argument.
    tmp.bond.clear();
    tmp.x.clear();
    let mut b = 0usize;
    for (j, w) in cn.iter().zip(vn.iter()) {
        while co.get(b).is_some_and(|jb| jb < j) {
            b += 1;
        }
        let bond = match (co.get(b), vo.get(b)) {
            (Some(jb), Some(v)) if jb == j => Some(*v),
            _ => None,
        };
        let c = consensus.get(usize::from(*j)).copied().unwrap_or(ZERO);
        tmp.x.push(sigmoid_exp_arg(c, *w, bond.unwrap_or(ZERO), la));
        tmp.bond.push(bond);
    }
    // Pass 2: exp, EXP_LANES entries at a time.
    tmp.e.clear();
    let mut chunks = tmp.x.chunks_exact(EXP_LANES);
    for chunk in &mut chunks {
        let mut xs = [ZERO; EXP_LANES];
        xs.copy_from_slice(chunk);
        tmp.e.extend_from_slice(&exp_safe_lanes(xs));
    }
    for x in chunks.remainder() {
        tmp.e.push(exp_safe(*x));
    }
    // Pass 3: α and the new bond.
    for ((j, w), (bond, e)) in cn
        .iter()
        .zip(vn.iter())
        .zip(tmp.bond.iter().zip(tmp.e.iter()))
    {
        let a = alpha_from_exp(*e, la);
        let decayed = match bond {
            Some(v) => smul(ONE.saturating_sub(a), *v),
            None => ZERO,
        };
        let inc = smul(a, *w).max(ZERO);
        let val = decayed.saturating_add(inc).min(ONE);
        if val > ZERO {
            out.push(*j, val);
            if let Some(s) = col_sum.get_mut(usize::from(*j)) {
                *s = s.saturating_add(val);
            }
        }
    }
}

/// Per-row scratch space of [`ema_liquid_row`].
#[derive(Clone, Debug, Default)]
pub(crate) struct LiquidScratch {
    bond: Vec<Option<I32F32>>,
    x: Vec<I32F32>,
    e: Vec<I32F32>,
}

/// `clamp(low + σ·(high − low), low, high)` with
/// `σ = 1 / (1 + exp(−(steepness/100)·(d − 0.5)))` and `d` the buy (`w − c`) or sell
/// (`b − w`) distance clamped to [0, 1].
#[cfg(test)]
pub(crate) fn liquid_alpha_sigmoid(
    c: I32F32,
    w: I32F32,
    b: I32F32,
    la: LiquidAlphaFixed,
) -> I32F32 {
    alpha_from_exp(exp_safe(sigmoid_exp_arg(c, w, b, la)), la)
}

/// The argument `−(steepness/100)·(d − 0.5)` of the sigmoid's `exp`.
#[inline]
fn sigmoid_exp_arg(c: I32F32, w: I32F32, b: I32F32, la: LiquidAlphaFixed) -> I32F32 {
    let diff_buy = clamp(w.saturating_sub(c), ZERO, ONE);
    let diff_sell = clamp(b.saturating_sub(w), ZERO, ONE);
    let d = if w >= b { diff_buy } else { diff_sell };
    smul(la.neg_rate, d.saturating_sub(HALF))
}

/// α from `exp_safe(x)`: `clamp(low + σ·(high − low), low, high)`, `σ = 1 / (1 + exp)`.
#[inline]
fn alpha_from_exp(e: I32F32, la: LiquidAlphaFixed) -> I32F32 {
    // 1 + exp(x) >= 1, so this division neither overflows nor divides by zero and equals
    // the reference's saturating_div.
    let sigmoid = safe_div(ONE, ONE.saturating_add(e));
    let alpha = la
        .low
        .saturating_add(smul(sigmoid, la.high.saturating_sub(la.low)));
    clamp(alpha, la.low, la.high)
}

/// `value.min(high).max(low)`.
#[inline]
fn clamp(value: I32F32, low: I32F32, high: I32F32) -> I32F32 {
    value.min(high).max(low)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_arithmetic)]
mod tests {
    use super::*;
    use crate::math::sparse::Csr;
    use crate::math::xorshift;

    #[test]
    fn batched_liquid_row_matches_the_per_entry_sigmoid() {
        let mut next = xorshift(99);
        let mut tmp = LiquidScratch::default();
        for _ in 0..200 {
            let n = (next() % 40) as usize + 1;
            let la = LiquidAlphaFixed::new(
                (next() % 65536) as u16,
                (next() % 65536) as u16,
                (next() % 65536) as u16 as i16,
            );
            let consensus: Vec<I32F32> = (0..n)
                .map(|_| I32F32::from_bits((next() % (1 << 33)) as i64))
                .collect();
            let mut row = |p: u64| {
                let mut c = Vec::new();
                let mut v = Vec::new();
                for j in 0..n {
                    if next() % 4 < p {
                        c.push(j as u16);
                        v.push(I32F32::from_bits((next() % (3 << 31)) as i64));
                    }
                }
                (c, v)
            };
            let (cn, vn) = row(3);
            let (co, vo) = row(2);
            let mut got = Csr::with_capacity(1, 0);
            let mut got_sum = vec![ZERO; n];
            got.append_row(cn.len(), |out| {
                ema_liquid_row(
                    (&cn, &vn),
                    (&co, &vo),
                    &consensus,
                    la,
                    out,
                    &mut got_sum,
                    &mut tmp,
                );
            });
            let mut want = Csr::with_capacity(1, 0);
            let mut want_sum = vec![ZERO; n];
            for (j, w) in cn.iter().zip(vn.iter()) {
                let bond = co.iter().position(|c| c == j).map(|k| vo[k]);
                let c = consensus[usize::from(*j)];
                let a = liquid_alpha_sigmoid(c, *w, bond.unwrap_or(ZERO), la);
                let decayed = bond.map_or(ZERO, |v| ONE.saturating_sub(a).saturating_mul(v));
                let val = decayed
                    .saturating_add(a.saturating_mul(*w).max(ZERO))
                    .min(ONE);
                if val > ZERO {
                    want.push(*j, val);
                    want_sum[usize::from(*j)] = want_sum[usize::from(*j)].saturating_add(val);
                }
            }
            want.end_row();
            assert_eq!(got, want);
            assert_eq!(got_sum, want_sum);
        }
    }
}
