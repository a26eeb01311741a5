//! Liquid alpha (Yuma 3): the per-entry bond EMA whose rate `α_ij` is a sigmoid of how far
//! a validator's weight sits from consensus, `clamp(low + σ·(high − low), low, high)` with
//! `σ = 1 / (1 + exp(−(steepness/100)·(d − 0.5)))`.
//!
//! Rules: operation for operation the reference's `mat_ema_alpha_sparse` /
//! `alpha_sigmoid` (floor multiplies, saturating adds, the safe division); the `exp` is
//! [`exp_safe`], batched [`EXP_LANES`] at a time with identical
//! per-entry results (pinned by a unit test against the one-entry sigmoid).

#![deny(clippy::float_arithmetic)]

#[cfg(test)]
use super::exp::exp_safe;
use super::exp::{EXP_LANES, exp_safe_lanes};
use super::scalar::{HALF, ONE, ZERO, recip_one_plus, smul_unit, u16_proportion};
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
/// One fused pass over the row: the entries are gathered [`EXP_LANES`] at a time into
/// stack arrays (column, weight, stored bond, `exp` argument), their `exp` chains run
/// interleaved ([`exp_safe_lanes`], the same operations per entry), and the group is
/// finished (α, new bond, column sum) before the next one is gathered, so entries are
/// still emitted and summed in column order. A missing stored bond is carried as 0: the
/// reference reads it as 0 for the sigmoid, and its decayed term `(1 − α)·0` is 0, the
/// same bits as the reference's "no bond" branch. (This replaced three passes through
/// per-row vectors of `Option` bonds, arguments and exps; instruction-neutral by itself. The
/// per-entry arithmetic takes the unsaturated multiply [`smul_unit`] where a factor is a
/// proportion and [`recip_one_plus`] for σ: −56 M instructions, −7%, on the 4096-uid
/// liquid-alpha benchmark together with the stored-bond mask's fast path.)
pub(crate) fn ema_liquid_row(
    (cn, vn): (&[u16], &[I32F32]),
    (co, vo): (&[u16], &[I32F32]),
    consensus: &[I32F32],
    la: LiquidAlphaFixed,
    out: &mut RowOut<'_>,
    col_sum: &mut [I32F32],
) {
    let mut cols = [0u16; EXP_LANES];
    let mut ws = [ZERO; EXP_LANES];
    let mut bonds = [ZERO; EXP_LANES];
    let mut xs = [ZERO; EXP_LANES];
    let mut k = 0usize;
    let mut b = 0usize;
    for (j, w) in cn.iter().zip(vn.iter()) {
        while co.get(b).is_some_and(|jb| jb < j) {
            b += 1;
        }
        let bond = match (co.get(b), vo.get(b)) {
            (Some(jb), Some(v)) if jb == j => *v,
            _ => ZERO,
        };
        let c = consensus.get(usize::from(*j)).copied().unwrap_or(ZERO);
        if let (Some(cj), Some(wj), Some(bj), Some(xj)) = (
            cols.get_mut(k),
            ws.get_mut(k),
            bonds.get_mut(k),
            xs.get_mut(k),
        ) {
            (*cj, *wj, *bj, *xj) = (*j, *w, bond, sigmoid_exp_arg(c, *w, bond, la));
        }
        k += 1;
        if k == EXP_LANES {
            let es = exp_safe_lanes(xs);
            finish_entries(&cols, &ws, &bonds, &es, la, out, col_sum);
            k = 0;
        }
    }
    if k > 0 {
        // The last, partial group: the unused lanes get the argument 0 (whose series ends
        // at once), and only the first `k` lanes are finished.
        for x in xs.iter_mut().skip(k) {
            *x = ZERO;
        }
        let es = exp_safe_lanes(xs);
        let tail = ..k.min(EXP_LANES);
        if let (Some(c), Some(w), Some(bd), Some(e)) =
            (cols.get(tail), ws.get(tail), bonds.get(tail), es.get(tail))
        {
            finish_entries(c, w, bd, e, la, out, col_sum);
        }
    }
}

/// The last step of [`ema_liquid_row`] for a group of entries (columns `cols`, weights
/// `ws`, stored bonds `bonds` (0 when none), `exp` of their sigmoid arguments `es`): α, the
/// new bond `min(1, (1 − α)·b + max(0, α·w))`, kept and added to its column sum when > 0.
#[inline]
fn finish_entries(
    cols: &[u16],
    ws: &[I32F32],
    bonds: &[I32F32],
    es: &[I32F32],
    la: LiquidAlphaFixed,
    out: &mut RowOut<'_>,
    col_sum: &mut [I32F32],
) {
    for ((j, w), (bond, e)) in cols.iter().zip(ws.iter()).zip(bonds.iter().zip(es.iter())) {
        // α ∈ [0, 1] (a clamp into [low, high], or `low`, both u16 proportions), so the
        // products take the unsaturated multiply.
        let a = alpha_from_exp(*e, la);
        // 1 − α ∈ [0, 1] cannot overflow: the wrapping form is the saturating one.
        let decayed = smul_unit(ONE.wrapping_sub(a), *bond);
        let inc = smul_unit(a, *w).max(ZERO);
        let val = decayed.saturating_add(inc).min(ONE);
        if val > ZERO {
            out.push(*j, val);
            if let Some(s) = col_sum.get_mut(usize::from(*j)) {
                *s = s.saturating_add(val);
            }
        }
    }
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
    let d = if w >= b {
        clamp(w.saturating_sub(c), ZERO, ONE)
    } else {
        clamp(b.saturating_sub(w), ZERO, ONE)
    };
    // d − ½ ∈ [−½, ½] and |neg_rate| ≤ 327.68 (never MIN): the unsaturated multiply.
    // (d ∈ [0, 1], so d − ½ cannot overflow: the wrapping form is the saturating one.)
    smul_unit(d.wrapping_sub(HALF), la.neg_rate)
}

/// α from `exp_safe(x)`: `clamp(low + σ·(high − low), low, high)`, `σ = 1 / (1 + exp)`.
#[inline]
fn alpha_from_exp(e: I32F32, la: LiquidAlphaFixed) -> I32F32 {
    // 1 + exp(x) >= 1, so this division neither overflows nor divides by zero and equals
    // the reference's saturating_div; σ ∈ [0, 1] takes the unsaturated multiply. low and
    // high are u16 proportions in [0, 1], so high − low ∈ [−1, 1], σ·(high − low) ∈ [−1, 1]
    // and low + σ·(high − low) ∈ [−1, 2]: no overflow, the wrapping forms are the
    // saturating ones.
    let sigmoid = recip_one_plus(e);
    let alpha = la
        .low
        .wrapping_add(smul_unit(sigmoid, la.high.wrapping_sub(la.low)));
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
                ema_liquid_row((&cn, &vn), (&co, &vo), &consensus, la, out, &mut got_sum);
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
