//! Per-subnet hyperparameters: the table, and the rules between its fields.
//!
//! A subset is settable by the subnet's owner through [`HyperparamUpdate`] (and by
//! governance for a new subnet's defaults, `ParamUpdate::DefaultHyperparam`). Defaults follow
//! subtensor's values for a newly created subnet, except where taonet's design differs.
//!
//! # Rules
//! - Each settable row states its bounds; [`relations`] states the rules between fields,
//!   checked after the change: `min_allowed_weights ≤ max_allowed_uids`,
//!   `max_allowed_validators ≤ max_allowed_uids`, `activity_cutoff ≥ tempo`,
//!   `weights_rate_limit ≤ 10 × tempo`, `alpha_low ≤ alpha_high`, `min_burn ≤ max_burn`.
//! - `max_allowed_uids` may not go below the subnet's current size: the runtime checks that,
//!   as it knows the size.

use serde::{Deserialize, Serialize};

use super::table::param_table;
use crate::{RAO_PER_TAO, Rao};

/// Largest subnet the chain allows (`max_allowed_uids` bound).
pub const MAX_UIDS_LIMIT: u16 = 4096;
/// Smallest tempo an owner may set.
pub const MIN_TEMPO: u16 = 10;
/// Largest tempo an owner may set.
pub const MAX_TEMPO: u16 = 50_400;
/// Smallest liquid-alpha bound an owner may set (2.5% as a u16 proportion).
pub const MIN_ALPHA: u16 = 1638;

param_table! {
    /// Per-subnet hyperparameters.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct SubnetHyperparams, version 1;

    /// One owner-settable hyperparameter change.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case", tag = "name", content = "value")]
    pub enum HyperparamUpdate, name &'static str, error HyperparamError,
        names HYPERPARAM_NAMES, rules relations;

    fields {
        /// Blocks between epochs.
        tempo: u16 = 360, Blocks, update 0 Tempo in [MIN_TEMPO, MAX_TEMPO];
        /// κ: the stake share a weight needs to count in consensus, as a u16 proportion.
        kappa: u16 = 32_767, Proportion;
        /// Blocks after registration during which a neuron cannot be replaced.
        immunity_period: u64 = 5_000, Blocks, update 1 ImmunityPeriod in [0, 1_000_000];
        /// Minimum number of weights in a set_weights call (capped at the subnet size).
        min_allowed_weights: u16 = 1, Number, update 2 MinAllowedWeights in any;
        /// Maximum number of neurons.
        max_allowed_uids: u16 = 256, Number, update 3 MaxAllowedUids in [1, MAX_UIDS_LIMIT];
        /// Number of validator permits (top stake).
        max_allowed_validators: u16 = 64, Number,
            update 4 MaxAllowedValidators in [1, u16::MAX];
        /// Blocks without a weight update after which a validator is inactive.
        activity_cutoff: u64 = 5_000, Blocks, update 5 ActivityCutoff in any;
        /// Minimum weights version key a set_weights call must carry.
        weights_version_key: u64 = 0, Number, update 6 WeightsVersionKey in any;
        /// Blocks between two weight updates of one neuron.
        weights_rate_limit: u64 = 100, Blocks, update 7 WeightsRateLimit in any;
        /// Blocks between two serve_axon calls of one neuron.
        serving_rate_limit: u64 = 50, Blocks, update 19 ServingRateLimit in [0, 10_000];
        /// Blocks between two commitments (`commitments.set`) of one uid.
        commitment_rate_limit: u64 = 100, Blocks, update 20 CommitmentRateLimit in [0, 10_000];
        /// Whether weights must be committed by hash and revealed later.
        commit_reveal_enabled: bool = false, Flag,
            update 8 CommitRevealEnabled alias "commit_reveal_weights_enabled" in any;
        /// Epochs after a commit at which it must be revealed.
        reveal_period_epochs: u16 = 1, Epochs, update 9 RevealPeriodEpochs in [1, 100];
        /// Bond moving average in millionths (α = 1 − x/10⁶).
        bonds_moving_average: u64 = 900_000, Ppm,
            update 10 BondsMovingAverage in [0, 975_000];
        /// β: how much bonds follow clipped weights, u16 proportion.
        bonds_penalty: u16 = u16::MAX, Proportion, update 11 BondsPenalty in any;
        /// Whether the subnet's epoch computes bonds as Yuma 3 does.
        yuma3: bool = true, Flag, update 12 Yuma3 alias "yuma3_enabled" in any;
        /// Liquid alpha (Yuma 3 only).
        liquid_alpha_enabled: bool = false, Flag, update 13 LiquidAlphaEnabled in any;
        /// Liquid alpha lower bound, u16 proportion.
        alpha_low: u16 = 45_875, Proportion, via AlphaValues;
        /// Liquid alpha upper bound, u16 proportion.
        alpha_high: u16 = 58_982, Proportion, via AlphaValues;
        /// Liquid alpha sigmoid steepness (used as /100).
        alpha_sigmoid_steepness: i16 = 1000, Number;
        /// Whether neurons may register.
        registration_allowed: bool = true, Flag, update 15 RegistrationAllowed in any;
        /// Lower bound of the registration burn (below 1 TAO).
        min_burn: Rao = Rao(500_000), Tao, update 16 MinBurn in [Rao::ZERO, Rao(RAO_PER_TAO - 1)];
        /// Upper bound of the registration burn (above 0.1 TAO).
        max_burn: Rao = Rao(100 * RAO_PER_TAO), Tao,
            update 17 MaxBurn in [Rao(RAO_PER_TAO / 10 + 1), Rao(u64::MAX)];
        /// Blocks for the burn to halve.
        burn_half_life: u64 = 360, Blocks, update 18 BurnHalfLife in [1, 36_100];
        /// Burn multiplier per registration, in millionths (1,260,000 = ×1.26).
        burn_increase_mult_ppm: u32 = 1_260_000, Ppm;
        /// Stake a neuron needs to set weights (the owner is exempt).
        stake_threshold: Rao = Rao(0), Tao;
    }

    composite {
        /// `(alpha_low, alpha_high)`: both at least [`MIN_ALPHA`], low ≤ high.
        14 AlphaValues(alpha_low: u16 [MIN_ALPHA, u16::MAX], alpha_high: u16 [MIN_ALPHA, u16::MAX])
            "alpha_values";
    }
}

/// Why a hyperparameter value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("hyperparameter {name} = {value} is out of bounds: {bound}")]
pub struct HyperparamError {
    /// The hyperparameter's name, e.g. `tempo`.
    pub name: &'static str,
    /// The value given, as text.
    pub value: String,
    /// The rule it breaks, in words.
    pub bound: String,
}

/// The rules between hyperparameters, checked on `p` after `changed` was applied to it: the
/// rule a change would break, in words.
fn relations(p: &SubnetHyperparams, changed: &HyperparamUpdate) -> Result<(), &'static str> {
    use HyperparamUpdate as H;
    let rule = |holds: bool, text| if holds { Ok(()) } else { Err(text) };
    match changed {
        H::MinAllowedWeights(_) => rule(
            p.min_allowed_weights <= p.max_allowed_uids,
            "at most max_allowed_uids",
        ),
        H::MaxAllowedUids(_) => rule(
            p.max_allowed_validators <= p.max_allowed_uids,
            "at least max_allowed_validators",
        ),
        H::MaxAllowedValidators(_) => rule(
            p.max_allowed_validators <= p.max_allowed_uids,
            "at most max_allowed_uids",
        ),
        H::ActivityCutoff(_) => rule(
            p.activity_cutoff >= u64::from(p.tempo),
            "at least one tempo",
        ),
        H::WeightsRateLimit(_) => rule(
            p.weights_rate_limit <= 10 * u64::from(p.tempo),
            "at most 10 tempos",
        ),
        H::AlphaValues(..) => rule(p.alpha_low <= p.alpha_high, "low at most high"),
        H::MinBurn(_) => rule(p.min_burn <= p.max_burn, "at most max_burn"),
        H::MaxBurn(_) => rule(p.min_burn <= p.max_burn, "at least min_burn"),
        _ => Ok(()),
    }
}
