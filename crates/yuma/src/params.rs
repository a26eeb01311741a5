//! Subnet hyperparameters read by the epoch.

/// Liquid alpha (Yuma 3 only): a per-bond EMA rate between `alpha_low` and `alpha_high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiquidAlpha {
    /// `LiquidAlphaOn`. Has no effect unless [`Hyperparams::yuma3`] is on.
    pub enabled: bool,
    /// Lower bound of α as a u16 proportion (reference default 45,875 ≈ 0.7).
    pub alpha_low: u16,
    /// Upper bound of α as a u16 proportion (reference default 58,982 ≈ 0.9).
    pub alpha_high: u16,
    /// `AlphaSigmoidSteepness` (an `i16` on chain; used as steepness/100). Default 1000.
    pub steepness: i16,
}

impl Default for LiquidAlpha {
    fn default() -> Self {
        Self {
            enabled: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            steepness: 1000,
        }
    }
}

/// The hyperparameters one epoch reads. [`Hyperparams::default`] is what subtensor gives a
/// newly registered subnet (`init_new_network` overrides on top of the pallet defaults):
/// kappa 32,767, bonds moving average 900,000, bonds penalty 65,535, **Yuma 3 on**, liquid
/// alpha off (0.7/0.9, steepness 1000), tempo 360, activity cutoff 5,000 blocks
/// (= ⌊13,889·360/1000⌋), 64 validators, stake threshold 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hyperparams {
    /// κ as a u16 proportion: the stake majority the consensus weight must be backed by.
    pub kappa: u16,
    /// `BondsMovingAverage` in millionths; the bond EMA rate is α = 1 − bma/10⁶.
    pub bonds_moving_average: u64,
    /// β as a u16 proportion: bonds follow `W + β·(clipped W − W)`.
    pub bonds_penalty: u16,
    /// `Yuma3On`: absolute bonds stored as proportions (true) or the original column-normalised
    /// bonds stored column-max-upscaled (false).
    pub yuma3: bool,
    /// Liquid alpha (Yuma 3 only).
    pub liquid_alpha: LiquidAlpha,
    /// Activity cutoff in blocks (already derived from the cutoff factor and the tempo): a uid
    /// whose `last_update + activity_cutoff < block` is inactive.
    pub activity_cutoff: u64,
    /// Top-k validator permits by stake.
    pub max_allowed_validators: u16,
    /// Stake below this (in rao) counts as zero, except for the subnet owner.
    pub stake_threshold: u64,
    /// Tempo in blocks; used for the bond mask before the subnet's first epoch.
    pub tempo: u16,
}

impl Default for Hyperparams {
    fn default() -> Self {
        Self {
            kappa: 32_767,
            bonds_moving_average: 900_000,
            bonds_penalty: u16::MAX,
            yuma3: true,
            liquid_alpha: LiquidAlpha::default(),
            activity_cutoff: 5_000,
            max_allowed_validators: 64,
            stake_threshold: 0,
            tempo: 360,
        }
    }
}
