//! Mixtures of miners: the network's answer is `Σ wᵢ·pᵢ` over the top miners'
//! distributions ([`crate::score::combine`]), with weights from measured loss. This module
//! measures what that buys on held-out text.
//!
//! # Rules
//! - Every prediction is scored exactly as a validator scores a miner: the model's
//!   probabilities are quantised to the wire's u16 weights, then floored at 2⁻¹⁶ and
//!   renormalised ([`crate::score`]); a mixture combines the miners' wire distributions.
//! - Weights are fitted on one part of the text and evaluated on another (disjoint) part, so
//!   the reported gain is not fitted to the text it is measured on:
//!   *score-weighted* `wᵢ ∝ 2^(−k·bpbᵢ)` with each miner's bits per byte on the fitting part
//!   ([`crate::score::mixture_weights`], k = [`MIXTURE_SHARPNESS`], what the gateway uses
//!   with the validator's scores), and *EM* (expectation–maximisation of the mixture's
//!   likelihood on the fitting part, [`em_weights`]).

use crate::model::Model;
use crate::score;
use crate::synapse::Distribution;

/// Sharpness k of the score-weighted mixture `wᵢ ∝ 2^(−k·bpbᵢ)` (research/ml.md §4: k = 4
/// comes within 0.02 bpb of EM weights).
pub const MIXTURE_SHARPNESS: f64 = 4.0;

/// The wire distributions of `model` for every byte of `text` (context: up to `context`
/// preceding bytes).
pub fn distributions_on_text(model: &Model, text: &[u8], context: usize) -> Vec<Distribution> {
    (0..text.len())
        .map(|t| score::quantize(&model.predict(&text[t.saturating_sub(context)..t])))
        .collect()
}

/// Bits per byte of the mixture with `weights` of `per_model[m][t]` on `text`.
pub fn mixture_bits_per_byte(per_model: &[Vec<Distribution>], weights: &[f64], text: &[u8]) -> f64 {
    if text.is_empty() {
        return score::WORST_BITS;
    }
    let total: f64 = (0..text.len())
        .map(|t| {
            let parts: Vec<(f64, &Distribution)> = per_model
                .iter()
                .zip(weights)
                .filter_map(|(d, w)| d.get(t).map(|d| (*w, d)))
                .collect();
            score::bits(score::combine(&parts).as_ref(), text[t])
        })
        .sum();
    total / text.len() as f64
}

/// Bits per byte of one model's distributions on `text`.
pub fn single_bits_per_byte(dists: &[Distribution], text: &[u8]) -> f64 {
    let answers: Vec<Option<Distribution>> = dists.iter().copied().map(Some).collect();
    score::bits_per_byte(Some(&answers), text)
}

/// Mixture weights maximising the likelihood of `text` under `Σ wᵢ·pᵢ` (EM, `iterations`
/// rounds from equal weights), with each pᵢ read as a validator reads it.
pub fn em_weights(per_model: &[Vec<Distribution>], text: &[u8], iterations: usize) -> Vec<f64> {
    let m = per_model.len();
    if m == 0 {
        return Vec::new();
    }
    // The probability each model gives the true byte, as the validator reads it.
    let p: Vec<Vec<f64>> = per_model
        .iter()
        .map(|ds| {
            text.iter()
                .enumerate()
                .map(|(t, &b)| {
                    ds.get(t)
                        .and_then(score::probabilities)
                        .map_or(score::FLOOR, |q| q[usize::from(b)])
                })
                .collect()
        })
        .collect();
    let mut w = vec![1.0 / m as f64; m];
    for _ in 0..iterations {
        let mut acc = vec![0.0; m];
        for t in 0..text.len() {
            let mix: f64 = w.iter().zip(&p).map(|(wi, pi)| wi * pi[t]).sum();
            if mix > 0.0 {
                for ((a, wi), pi) in acc.iter_mut().zip(&w).zip(&p) {
                    *a += wi * pi[t] / mix;
                }
            }
        }
        let sum: f64 = acc.iter().sum();
        if sum <= 0.0 {
            break;
        }
        w = acc.iter().map(|a| a / sum).collect();
    }
    w
}

/// The comparison [`compare`] reports (bits per byte on the evaluation part).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MixtureReport {
    /// Each model alone.
    pub singles: Vec<f64>,
    /// The best single model's bits per byte.
    pub best_single: f64,
    /// Equal weights.
    pub equal: f64,
    /// Score-weighted (`2^(−k·bpb)` with bpb measured on the fitting part).
    pub score_weighted: f64,
    /// The score-weighted mixture's weights.
    pub score_weights: Vec<f64>,
    /// EM-fitted on the fitting part.
    pub em: f64,
    /// The EM weights.
    pub em_weights: Vec<f64>,
    /// Bytes fitted on.
    pub fit_bytes: usize,
    /// Bytes evaluated on.
    pub eval_bytes: usize,
}

/// Compares each model alone with the mixtures of all of them: weights fitted on `fit`,
/// everything measured on `eval` (both with `context` bytes of context).
pub fn compare(models: &[&Model], fit: &[u8], eval: &[u8], context: usize) -> MixtureReport {
    let fit_d: Vec<Vec<Distribution>> = models
        .iter()
        .map(|m| distributions_on_text(m, fit, context))
        .collect();
    let eval_d: Vec<Vec<Distribution>> = models
        .iter()
        .map(|m| distributions_on_text(m, eval, context))
        .collect();
    let singles: Vec<f64> = eval_d
        .iter()
        .map(|d| single_bits_per_byte(d, eval))
        .collect();
    let best_single = singles.iter().copied().fold(f64::INFINITY, f64::min);
    let fit_bpb: Vec<f64> = fit_d.iter().map(|d| single_bits_per_byte(d, fit)).collect();
    let score_weights = score::mixture_weights(&fit_bpb, MIXTURE_SHARPNESS);
    let em_w = em_weights(&fit_d, fit, 50);
    let equal_w = vec![1.0; models.len()];
    MixtureReport {
        best_single,
        equal: mixture_bits_per_byte(&eval_d, &equal_w, eval),
        score_weighted: mixture_bits_per_byte(&eval_d, &score_weights, eval),
        score_weights,
        em: mixture_bits_per_byte(&eval_d, &em_w, eval),
        em_weights: em_w,
        singles,
        fit_bytes: fit.len(),
        eval_bytes: eval.len(),
    }
}
