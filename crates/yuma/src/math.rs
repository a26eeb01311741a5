//! Fixed-point building blocks of the epoch, each with the exact rounding of subtensor's
//! `epoch/math` (substrate-fixed semantics, which `fixed` 1.29 shares for the operations
//! used here):
//!
//! * addition and subtraction are exact (saturating at the type bounds);
//! * multiplication is `(a·b) >> frac` with an arithmetic shift, i.e. floor (toward −∞);
//! * division is `(a << frac) / b` with integer division, i.e. truncation toward zero, and a
//!   "safe" division returns 0 on a zero divisor or on overflow;
//! * fixed→fixed and fixed→integer conversions discard low bits (floor), saturating.
//!
//! Sparse matrices are rows of `(column, value)` sorted by column, one row per uid.

#![deny(clippy::float_arithmetic)]

use fixed::types::{I32F32, I64F64};

/// A sparse row: `(column uid, value)` pairs sorted by column, no duplicates.
pub(crate) type Row = Vec<(u16, I32F32)>;
/// A sparse matrix: one [`Row`] per uid.
pub(crate) type Sparse = Vec<Row>;

pub(crate) const ZERO: I32F32 = I32F32::ZERO;
pub(crate) const ONE: I32F32 = I32F32::ONE;
/// 0.5 in I32F32 (exact).
const HALF: I32F32 = I32F32::from_bits(1 << 31);
/// e truncated to 23 fractional bits, as substrate-fixed's `transcendental::E` (an I9F23).
const E_I9F23_BITS: i64 = 22_802_600;

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
    }
    a.checked_div(b)
}

/// `a / b` in I64F64, or 0 when `b == 0` or the quotient overflows.
#[inline]
pub(crate) fn safe_div64(a: I64F64, b: I64F64) -> I64F64 {
    a.checked_div(b).unwrap_or(I64F64::ZERO)
}

/// `x / 65535` for a u16 proportion.
#[inline]
pub(crate) fn u16_proportion(x: u16) -> I32F32 {
    safe_div(I32F32::from_num(x), I32F32::from_num(u16::MAX))
}

/// floor(x · 65535), saturating into `0..=65535` (subtensor's `fixed_proportion_to_u16`).
#[inline]
pub(crate) fn to_u16_proportion(x: I32F32) -> u16 {
    x.saturating_mul(I32F32::from_num(u16::MAX))
        .saturating_to_num::<u16>()
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

/// Normalise every row with a positive sum to sum 1 (explicit zero entries survive).
pub(crate) fn row_normalize(m: &mut Sparse) {
    for row in m.iter_mut() {
        let total = row.iter().fold(ZERO, |acc, (_, v)| acc.saturating_add(*v));
        if total > ZERO {
            for (_, v) in row.iter_mut() {
                *v = safe_div(*v, total);
            }
        }
    }
}

/// Sum of each row.
pub(crate) fn row_sums(m: &Sparse) -> Vec<I32F32> {
    m.iter()
        .map(|row| row.iter().fold(ZERO, |acc, (_, v)| acc.saturating_add(*v)))
        .collect()
}

/// Sum of each column.
pub(crate) fn col_sums(m: &Sparse, n: usize) -> Vec<I32F32> {
    let mut col_sum = vec![ZERO; n];
    for row in m.iter() {
        for (j, v) in row {
            if let Some(s) = col_sum.get_mut(usize::from(*j)) {
                *s = s.saturating_add(*v);
            }
        }
    }
    col_sum
}

/// Normalise every column with a non-zero sum to sum 1, in place.
pub(crate) fn col_normalize(m: &mut Sparse, n: usize) {
    let col_sum = col_sums(m, n);
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let s = col_sum.get(usize::from(*j)).copied().unwrap_or(ZERO);
            if s != ZERO {
                *v = safe_div(*v, s);
            }
        }
    }
}

/// Divide every column by its maximum (so the column maximum becomes 1), in place.
pub(crate) fn col_max_upscale(m: &mut Sparse, n: usize) {
    let mut col_max = vec![ZERO; n];
    for row in m.iter() {
        for (j, v) in row {
            if let Some(mx) = col_max.get_mut(usize::from(*j))
                && *mx < *v
            {
                *mx = *v;
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let mx = col_max.get(usize::from(*j)).copied().unwrap_or(ZERO);
            if mx != ZERO {
                *v = safe_div(*v, mx);
            }
        }
    }
}

/// `result_j = Σ_i vector_i · m_ij` (each product floored, sums exact).
pub(crate) fn matmul(m: &Sparse, vector: &[I32F32], n: usize) -> Vec<I32F32> {
    let mut out = vec![ZERO; n];
    for (row, scale) in m.iter().zip(vector.iter()) {
        for (j, v) in row {
            if let Some(o) = out.get_mut(usize::from(*j)) {
                *o = o.saturating_add(scale.saturating_mul(*v));
            }
        }
    }
    out
}

/// `result_i = Σ_j vector_j · m_ij`.
pub(crate) fn matmul_transpose(m: &Sparse, vector: &[I32F32]) -> Vec<I32F32> {
    m.iter()
        .map(|row| {
            row.iter().fold(ZERO, |acc, (j, v)| {
                let x = vector.get(usize::from(*j)).copied().unwrap_or(ZERO);
                acc.saturating_add(x.saturating_mul(*v))
            })
        })
        .collect()
}

/// Stake-weighted median of every column at majority `kappa`.
///
/// Only rows with `stake_i > 0` take part; their stakes are renormalised to sum `S`, and a
/// row without an entry in column `j` counts as a weight of 0. With
/// `minority = S − kappa`, the result for a column is the smallest value `v` present in the
/// column whose cumulative stake `stake(w ≤ v)` exceeds `minority`; if no value does, the
/// largest value; and 0 for an empty column set (no row with stake). This is exactly what
/// the reference's mid-pivot partition search returns (its partial sums are exact), computed
/// here per column from the non-zero entries only, so the cost is O(nnz · log nnz).
pub(crate) fn weighted_median_cols(
    stake: &[I32F32],
    weights: &Sparse,
    n: usize,
    kappa: I32F32,
) -> Vec<I32F32> {
    let mut use_stake: Vec<I32F32> = stake.iter().copied().filter(|s| *s > ZERO).collect();
    let rows_with_stake = use_stake.len();
    normalize(&mut use_stake);
    let stake_sum = sum(&use_stake);
    let minority = stake_sum.saturating_sub(kappa);
    let mut median = vec![ZERO; n];
    if rows_with_stake == 0 {
        return median;
    }
    // Transpose the rows with stake into one column-major buffer of (value, stake).
    let mut offsets = vec![0usize; n + 1];
    for (s, row) in stake.iter().zip(weights.iter()) {
        if *s > ZERO {
            for (j, _) in row {
                if let Some(c) = offsets.get_mut(usize::from(*j) + 1) {
                    *c += 1;
                }
            }
        }
    }
    for j in 0..n {
        let prev = offsets.get(j).copied().unwrap_or(0);
        if let Some(c) = offsets.get_mut(j + 1) {
            *c += prev;
        }
    }
    // One extra slot per column for the implicit zeros.
    let total = offsets.get(n).copied().unwrap_or(0);
    let mut buf = vec![(ZERO, ZERO); total];
    let mut fill: Vec<usize> = offsets.iter().take(n).copied().collect();
    let mut k = 0usize;
    for (s, row) in stake.iter().zip(weights.iter()) {
        if *s > ZERO {
            let sk = use_stake.get(k).copied().unwrap_or(ZERO);
            for (j, v) in row {
                if let Some(f) = fill.get_mut(usize::from(*j))
                    && let Some(slot) = buf.get_mut(*f)
                {
                    *slot = (*v, sk);
                    *f += 1;
                }
            }
            k += 1;
        }
    }
    let mut col: Vec<(I32F32, I32F32)> = Vec::new();
    for (j, out) in median.iter_mut().enumerate() {
        let (lo, hi) = (
            offsets.get(j).copied().unwrap_or(0),
            offsets.get(j + 1).copied().unwrap_or(0),
        );
        col.clear();
        col.extend_from_slice(buf.get(lo..hi).unwrap_or(&[]));
        // Rows without an entry count as weight 0 with their whole stake.
        let explicit = col.len();
        let mut zero_stake = stake_sum;
        for (_, s) in col.iter() {
            zero_stake = zero_stake.saturating_sub(*s);
        }
        if explicit < rows_with_stake {
            col.push((ZERO, zero_stake));
        }
        *out = weighted_quantile(&mut col, minority);
    }
    median
}

/// The smallest value `v` among `entries` (value, stake) with `stake(value ≤ v) > minority`,
/// or the largest value if there is none; 0 for no entries. A deterministic three-way
/// quickselect (middle pivot): expected O(len), sums exact.
fn weighted_quantile(entries: &mut [(I32F32, I32F32)], minority: I32F32) -> I32F32 {
    let mut lo_sum = ZERO;
    let mut window: &mut [(I32F32, I32F32)] = entries;
    loop {
        let Some(pivot) = window.get(window.len() / 2).map(|e| e.0) else {
            return ZERO;
        };
        // Dutch national flag: [< pivot | == pivot | > pivot].
        let (mut lt, mut i, mut gt) = (0usize, 0usize, window.len());
        let (mut s_lt, mut s_eq) = (ZERO, ZERO);
        while i < gt {
            let (v, s) = window.get(i).copied().unwrap_or((ZERO, ZERO));
            if v < pivot {
                window.swap(lt, i);
                s_lt = s_lt.saturating_add(s);
                lt += 1;
                i += 1;
            } else if v > pivot {
                gt -= 1;
                window.swap(i, gt);
            } else {
                s_eq = s_eq.saturating_add(s);
                i += 1;
            }
        }
        let cum_lt = lo_sum.saturating_add(s_lt);
        let cum_le = cum_lt.saturating_add(s_eq);
        if cum_lt > minority {
            if lt == 0 {
                return pivot;
            }
            window = &mut window[..lt];
        } else if cum_le > minority || gt == window.len() {
            return pivot;
        } else {
            lo_sum = cum_le;
            window = &mut window[gt..];
        }
    }
}

/// Clip each entry at its column threshold; an entry above a threshold of 0 is dropped,
/// entries at or below the threshold (explicit zeros included) are kept.
pub(crate) fn col_clip(m: &Sparse, threshold: &[I32F32]) -> Sparse {
    m.iter()
        .map(|row| {
            let mut out = Vec::with_capacity(row.len());
            for (j, v) in row {
                let th = threshold.get(usize::from(*j)).copied().unwrap_or(ZERO);
                if th < *v {
                    if th > ZERO {
                        out.push((*j, th));
                    }
                } else {
                    out.push((*j, *v));
                }
            }
            out
        })
        .collect()
}

/// `A + ratio·(B − A)` entry-wise. `ratio == 0` returns `A` and `ratio == 1` returns `B`
/// unchanged; otherwise only strictly positive results are kept (B's columns ⊆ A's here).
pub(crate) fn interpolate(a: Sparse, b: Sparse, ratio: I32F32) -> Sparse {
    if ratio == ZERO {
        return a;
    }
    if ratio == ONE {
        return b;
    }
    a.iter()
        .zip(b.iter())
        .map(|(ra, rb)| {
            let mut out = Vec::with_capacity(ra.len().max(rb.len()));
            let (mut ia, mut ib) = (0usize, 0usize);
            loop {
                let ea = ra.get(ia).copied();
                let eb = rb.get(ib).copied();
                let (j, v1, v2) = match (ea, eb) {
                    (None, None) => break,
                    (Some((ja, va)), None) => {
                        ia += 1;
                        (ja, va, ZERO)
                    }
                    (None, Some((jb, vb))) => {
                        ib += 1;
                        (jb, ZERO, vb)
                    }
                    (Some((ja, va)), Some((jb, vb))) => {
                        if ja < jb {
                            ia += 1;
                            (ja, va, ZERO)
                        } else if jb < ja {
                            ib += 1;
                            (jb, ZERO, vb)
                        } else {
                            ia += 1;
                            ib += 1;
                            (ja, va, vb)
                        }
                    }
                };
                let interp = v1.saturating_add(ratio.saturating_mul(v2.saturating_sub(v1)));
                if interp > ZERO {
                    out.push((j, interp));
                }
            }
            out
        })
        .collect()
}

/// Scale every row by its entry of `vector`: `m_ij · vector_i` (all entries kept).
pub(crate) fn row_hadamard(m: &Sparse, vector: &[I32F32]) -> Sparse {
    m.iter()
        .zip(vector.iter())
        .map(|(row, s)| {
            row.iter()
                .map(|(j, v)| (*j, v.saturating_mul(*s)))
                .collect()
        })
        .collect()
}

/// Merge two sorted rows column by column: `f(new, old)` for every column in either row,
/// with 0 for a missing side.
fn merge_rows(new: &Row, old: &Row, mut f: impl FnMut(u16, I32F32, I32F32)) {
    let (mut a, mut b) = (0usize, 0usize);
    loop {
        match (new.get(a).copied(), old.get(b).copied()) {
            (None, None) => break,
            (Some((j, v)), None) => {
                a += 1;
                f(j, v, ZERO);
            }
            (None, Some((j, v))) => {
                b += 1;
                f(j, ZERO, v);
            }
            (Some((ja, va)), Some((jb, vb))) => {
                if ja < jb {
                    a += 1;
                    f(ja, va, ZERO);
                } else if jb < ja {
                    b += 1;
                    f(jb, ZERO, vb);
                } else {
                    a += 1;
                    b += 1;
                    f(ja, va, vb);
                }
            }
        }
    }
}

/// Scalar EMA `alpha·new + (1 − alpha)·old` over the union of entries, keeping values > 0.
pub(crate) fn ema(new: &Sparse, old: &Sparse, alpha: I32F32) -> Sparse {
    let one_minus_alpha = ONE.saturating_sub(alpha);
    new.iter()
        .zip(old.iter())
        .map(|(rn, ro)| {
            let mut out = Vec::with_capacity(rn.len().max(ro.len()));
            merge_rows(rn, ro, |j, vn, vo| {
                let val = ZERO
                    .saturating_add(alpha.saturating_mul(vn))
                    .saturating_add(one_minus_alpha.saturating_mul(vo));
                if val > ZERO {
                    out.push((j, val));
                }
            });
            out
        })
        .collect()
}

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

/// Per-entry EMA of the sparse reference path (`mat_ema_alpha_sparse`): only columns present
/// in the new (weight) row are emitted — a bond toward an omitted uid disappears — with
/// `min(1, (1 − α_ij)·b_ij + max(0, α_ij·w_ij))` kept when > 0, and α_ij from
/// [`liquid_alpha_sigmoid`] at (C_j, w_ij, b_ij).
pub(crate) fn ema_liquid(
    new: &Sparse,
    old: &Sparse,
    consensus: &[I32F32],
    la: LiquidAlphaFixed,
) -> Sparse {
    new.iter()
        .zip(old.iter())
        .map(|(rn, ro)| {
            let mut out = Vec::with_capacity(rn.len());
            let mut b = 0usize;
            for (j, w) in rn {
                while ro.get(b).is_some_and(|(jb, _)| jb < j) {
                    b += 1;
                }
                let bond = match ro.get(b) {
                    Some((jb, v)) if jb == j => Some(*v),
                    _ => None,
                };
                let c = consensus.get(usize::from(*j)).copied().unwrap_or(ZERO);
                let a = liquid_alpha_sigmoid(c, *w, bond.unwrap_or(ZERO), la);
                let decayed = match bond {
                    Some(v) => ONE.saturating_sub(a).saturating_mul(v),
                    None => ZERO,
                };
                let inc = a.saturating_mul(*w).max(ZERO);
                let val = decayed.saturating_add(inc).min(ONE);
                if val > ZERO {
                    out.push((*j, val));
                }
            }
            out
        })
        .collect()
}

/// `clamp(low + σ·(high − low), low, high)` with
/// `σ = 1 / (1 + exp(−(steepness/100)·(d − 0.5)))` and `d` the buy (`w − c`) or sell
/// (`b − w`) distance clamped to [0, 1].
pub(crate) fn liquid_alpha_sigmoid(
    c: I32F32,
    w: I32F32,
    b: I32F32,
    la: LiquidAlphaFixed,
) -> I32F32 {
    let diff_buy = clamp(w.saturating_sub(c), ZERO, ONE);
    let diff_sell = clamp(b.saturating_sub(w), ZERO, ONE);
    let d = if w >= b { diff_buy } else { diff_sell };
    let x = la.neg_rate.saturating_mul(d.saturating_sub(HALF));
    // 1 + exp(x) >= 1, so this division neither overflows nor divides by zero and equals
    // the reference's saturating_div.
    let sigmoid = safe_div(ONE, ONE.saturating_add(exp_safe(x)));
    let alpha = la
        .low
        .saturating_add(sigmoid.saturating_mul(la.high.saturating_sub(la.low)));
    clamp(alpha, la.low, la.high)
}

/// `value.min(high).max(low)`.
#[inline]
fn clamp(value: I32F32, low: I32F32, high: I32F32) -> I32F32 {
    value.min(high).max(low)
}

/// `exp(x)` with `x` clamped to [−20, 20]; 0 or MAX on an internal overflow.
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

/// substrate-fixed's `transcendental::exp` for I32F32, operation for operation: the Taylor
/// series `1 + x + Σ_{i=2}^{31} x^i/i!` with each term computed as `(term·x)/i` (floor
/// multiply, truncating divide), on |x|, inverted for negative x; `exp(1)` returns e
/// truncated to 23 fractional bits. `None` where the reference returns `Err`.
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
    macro_rules! step {
        ($($i:literal)*) => {$(
            let p = (i128::from(term) * o) >> 32;
            term = i64::try_from(p).ok()?;
            term /= $i;
            result = result.checked_add(term)?;
        )*};
    }
    step!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
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

    fn f(x: f64) -> I32F32 {
        I32F32::from_num(x)
    }

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
    fn quickselect_matches_a_sorted_scan() {
        let mut x: u64 = 12345;
        for _ in 0..300 {
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let len = (next() % 12) as usize + 1;
            let mut e: Vec<(I32F32, I32F32)> = (0..len)
                .map(|_| {
                    (
                        I32F32::from_bits(((next() % 5) as i64) << 30),
                        I32F32::from_bits(((next() % 100) as i64) << 24),
                    )
                })
                .collect();
            let minority = I32F32::from_bits(((next() % 8000) as i64) << 24) - I32F32::from_num(1);
            let mut sorted = e.clone();
            sorted.sort_by_key(|p| p.0);
            let mut cum = ZERO;
            let mut want = sorted.last().unwrap().0;
            let mut i = 0;
            while i < sorted.len() {
                let v = sorted[i].0;
                while i < sorted.len() && sorted[i].0 == v {
                    cum += sorted[i].1;
                    i += 1;
                }
                if cum > minority {
                    want = v;
                    break;
                }
            }
            assert_eq!(weighted_quantile(&mut e, minority), want);
        }
    }

    #[test]
    fn floor_multiply_and_truncating_divide() {
        let tiny = I32F32::from_bits(1);
        assert_eq!((-tiny).saturating_mul(HALF), I32F32::from_bits(-1));
        assert_eq!((-tiny).checked_div(f(2.0)).unwrap(), ZERO);
    }

    #[test]
    fn median_picks_the_kappa_quantile() {
        // Three validators with stake 0.5, 0.3, 0.2 on one column.
        let stake = vec![f(0.5), f(0.3), f(0.2)];
        let w: Sparse = vec![vec![(0, f(0.1))], vec![(0, f(0.5))], vec![(0, f(0.9))]];
        let c = weighted_median_cols(&stake, &w, 1, u16_proportion(32767));
        // stake(w <= 0.1) = 0.5 is not above minority = 1 - 0.49999; stake(w <= 0.5) is.
        assert_eq!(c[0], f(0.5));
        let c = weighted_median_cols(&stake, &w, 1, f(0.6));
        assert_eq!(c[0], f(0.1));
        let c = weighted_median_cols(&stake, &w, 1, ZERO);
        assert_eq!(c[0], f(0.9));
    }
}
