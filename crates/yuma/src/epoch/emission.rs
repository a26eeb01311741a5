//! Step 10 of the epoch: the emission split. Rules as in the [epoch](super) module's step
//! list: shares are I32F32, each multiplied by the epoch's rao in I96F32 and floored to
//! u64, so the totals may fall short of the input by rounding.

#![deny(clippy::float_arithmetic)]

use crate::math::{self, ZERO};
use fixed::types::{I32F32, I96F32};

/// The rao each uid receives, by share.
pub(super) struct Emission {
    /// Miner (server) emission: the incentive's share.
    pub server: Vec<u64>,
    /// Validator emission: the dividends' share.
    pub validator: Vec<u64>,
    /// Combined emission (what the chain stores as `Emission`).
    pub combined: Vec<u64>,
}

/// Step 10: `Σ = Σ(I + D)`; server share `I/Σ`, validator share `D/Σ`, combined
/// `normalise(I + D)`; if `Σ = 0` the validator and combined shares are `Sa`, or `S` when
/// `Sa` is all zero. `rao` is the epoch's emission.
pub(super) fn split(
    rao: u64,
    incentive: &[I32F32],
    dividends: &[I32F32],
    stake: &[I32F32],
    active_stake: &[I32F32],
) -> Emission {
    let combined: Vec<I32F32> = incentive
        .iter()
        .zip(dividends.iter())
        .map(|(i, d)| i.saturating_add(*d))
        .collect();
    let emission_sum = math::sum(&combined);
    let mut server_share = incentive.to_vec();
    let mut validator_share = dividends.to_vec();
    let mut combined_share = combined;
    math::normalize_with_sum(&mut server_share, emission_sum);
    math::normalize_with_sum(&mut validator_share, emission_sum);
    math::normalize(&mut combined_share);
    if emission_sum == ZERO {
        let fallback = if math::sum(active_stake) == ZERO {
            stake
        } else {
            active_stake
        };
        validator_share = fallback.to_vec();
        combined_share = fallback.to_vec();
    }
    let rao = I96F32::saturating_from_num(rao);
    Emission {
        server: to_rao(&server_share, rao),
        validator: to_rao(&validator_share, rao),
        combined: to_rao(&combined_share, rao),
    }
}

/// `floor(x·rao)` per share, in I96F32, saturating into u64.
fn to_rao(x: &[I32F32], rao: I96F32) -> Vec<u64> {
    x.iter()
        .map(|v| {
            I96F32::saturating_from_num(*v)
                .saturating_mul(rao)
                .saturating_to_num::<u64>()
        })
        .collect()
}
