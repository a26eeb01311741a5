//! Scoring: bits per byte with floored probabilities, rewards, and mixtures.
//!
//! # Rules
//! - A distribution's 256 weights are divided by their sum; every probability is then
//!   raised to at least [`FLOOR`] = 2⁻¹⁶ and the result renormalised, so a confident wrong
//!   answer costs a bounded [`WORST_BITS`] (≈ 16.006 bits), never infinity.
//! - A missing, all-zero or malformed distribution costs [`WORST_BITS`], exactly as the
//!   worst possible real answer; an answer with the wrong number of distributions (or none)
//!   costs [`WORST_BITS`] on every prefix.
//! - A miner's score on a request is the mean of its bits over the prefixes (bits per
//!   byte, lower is better); its reward is `2^(−k·bpb)` (k = the sharpness, default 2), in
//!   `(0, 1]`, so rewards keep the order of bpb and a uniform guesser (8 bpb) earns ≈ 0.
//! - Scores use only the validator's own arithmetic on the returned integers, so every
//!   validator computes the same numbers from the same answers.

use crate::synapse::Distribution;

/// The probability floor, 2⁻¹⁶.
pub const FLOOR: f64 = 1.0 / 65536.0;

/// Bits charged for a byte whose probability was floored: −log₂(2⁻¹⁶ / (1 + 255·2⁻¹⁶)).
pub const WORST_BITS: f64 = 16.005_602_620_904_646;

/// Default reward sharpness k in `2^(−k·bpb)`.
pub const DEFAULT_SHARPNESS: f64 = 2.0;

/// The probabilities a validator reads from `d`: normalised, floored at [`FLOOR`],
/// renormalised. `None` when every weight is zero.
pub fn probabilities(d: &Distribution) -> Option<[f64; 256]> {
    let sum: u64 = d.iter().map(|&w| u64::from(w)).sum();
    if sum == 0 {
        return None;
    }
    let mut p = [0.0f64; 256];
    let mut total = 0.0;
    for (q, &w) in p.iter_mut().zip(d) {
        *q = (f64::from(w) / sum as f64).max(FLOOR);
        total += *q;
    }
    for q in &mut p {
        *q /= total;
    }
    Some(p)
}

/// Bits for the true byte `target` under `d` (missing or all-zero: [`WORST_BITS`]).
pub fn bits(d: Option<&Distribution>, target: u8) -> f64 {
    match d.and_then(probabilities) {
        Some(p) => (-p[usize::from(target)].log2()).min(WORST_BITS),
        None => WORST_BITS,
    }
}

/// Mean bits per byte of `answers` (one per target; `None` = unusable) on `targets`.
/// An answer list of the wrong length scores [`WORST_BITS`]. No targets: [`WORST_BITS`].
pub fn bits_per_byte(answers: Option<&[Option<Distribution>]>, targets: &[u8]) -> f64 {
    if targets.is_empty() {
        return WORST_BITS;
    }
    match answers {
        Some(a) if a.len() == targets.len() => {
            a.iter()
                .zip(targets)
                .map(|(d, &t)| bits(d.as_ref(), t))
                .sum::<f64>()
                / targets.len() as f64
        }
        _ => WORST_BITS,
    }
}

/// The reward `2^(−k·bpb)` in `(0, 1]` (NaN or negative input → the worst reward).
pub fn reward(bpb: f64, sharpness: f64) -> f64 {
    if bpb.is_nan() {
        return reward(WORST_BITS, sharpness);
    }
    (-sharpness * bpb.max(0.0)).exp2()
}

/// Turns probabilities into the wire's relative u16 weights: `round(p · 65535)`, at
/// least 1 (so no byte is ruled out before the validator's floor).
pub fn quantize(p: &[f64; 256]) -> Distribution {
    let mut d = [1u16; 256];
    for (w, &q) in d.iter_mut().zip(p) {
        let x = if q.is_finite() {
            (q * 65535.0).round()
        } else {
            0.0
        };
        *w = x.clamp(1.0, 65535.0) as u16;
    }
    d
}

/// Mixture weights from measured bits per byte: `w_i ∝ 2^(−k·bpb_i)`, summing to 1
/// (empty input: empty output). The loss-weighted mixture that beats equal weights
/// (research/ml.md §4).
pub fn mixture_weights(bpb: &[f64], sharpness: f64) -> Vec<f64> {
    let best = bpb
        .iter()
        .copied()
        .filter(|b| b.is_finite())
        .fold(f64::INFINITY, f64::min);
    if !best.is_finite() {
        return vec![1.0 / bpb.len().max(1) as f64; bpb.len()];
    }
    // Relative to the best, so the exponent cannot underflow everything to 0.
    let raw: Vec<f64> = bpb
        .iter()
        .map(|&b| {
            if b.is_finite() {
                (-sharpness * (b - best)).exp2()
            } else {
                0.0
            }
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|w| w / sum).collect()
}

/// The mixture `Σ wᵢ·pᵢ` of several answers to the same prefix (each read as the
/// validator reads it), quantised for the wire. Weights need not be normalised; answers
/// that are unusable are skipped. `None` when nothing usable remains.
pub fn combine(parts: &[(f64, &Distribution)]) -> Option<Distribution> {
    let mut mix = [0.0f64; 256];
    let mut total = 0.0;
    for (w, d) in parts {
        if !(w.is_finite() && *w > 0.0) {
            continue;
        }
        let Some(p) = probabilities(d) else { continue };
        for (m, q) in mix.iter_mut().zip(p) {
            *m += w * q;
        }
        total += w;
    }
    if total == 0.0 {
        return None;
    }
    for m in &mut mix {
        *m /= total;
    }
    Some(quantize(&mix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_bits_matches_its_definition() {
        let want = -(FLOOR / (1.0 + 255.0 * FLOOR)).log2();
        assert!((WORST_BITS - want).abs() < 1e-12, "{want}");
        let mut d = [0u16; 256];
        d[0] = 65535;
        assert!((bits(Some(&d), 1) - WORST_BITS).abs() < 1e-9);
    }

    #[test]
    fn uniform_is_eight_bits() {
        let d = [7u16; 256];
        assert!((bits(Some(&d), 200) - 8.0).abs() < 1e-12);
    }
}
