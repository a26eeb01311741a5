//! Chain and subnet parameters, with their defaults and bounds.
//!
//! [`ChainParams`] are network-wide (changed by governance); [`SubnetHyperparams`] are per
//! subnet (a subset is settable by the subnet owner through [`HyperparamUpdate`], within the
//! bounds [`HyperparamUpdate::check`] states). Defaults follow subtensor's values for a newly
//! created subnet, except where taonet's design differs (block time, unbonding).

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::{RAO_PER_TAO, Rao};

/// Defines `Write`/`EncodeSize`/`Read` for a struct whose fields all read with `Cfg = ()`.
#[macro_export]
macro_rules! plain_codec {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        impl commonware_codec::Write for $name {
            fn write(&self, buf: &mut impl bytes::BufMut) {
                $( commonware_codec::Write::write(&self.$field, buf); )*
            }
        }
        impl commonware_codec::EncodeSize for $name {
            fn encode_size(&self) -> usize {
                0 $( + commonware_codec::EncodeSize::encode_size(&self.$field) )*
            }
        }
        impl commonware_codec::Read for $name {
            type Cfg = ();
            fn read_cfg(
                buf: &mut impl commonware_codec::Buf,
                _: &(),
            ) -> Result<Self, commonware_codec::Error> {
                Ok(Self { $( $field: <$ty as commonware_codec::ReadExt>::read(buf)?, )* })
            }
        }
    };
}

/// Per-subnet hyperparameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubnetHyperparams {
    /// Blocks between epochs.
    pub tempo: u16,
    /// κ as a u16 proportion.
    pub kappa: u16,
    /// Blocks after registration during which a neuron cannot be replaced.
    pub immunity_period: u64,
    /// Minimum number of weights in a set_weights call (capped at the subnet size).
    pub min_allowed_weights: u16,
    /// Maximum number of neurons.
    pub max_allowed_uids: u16,
    /// Number of validator permits (top stake).
    pub max_allowed_validators: u16,
    /// Blocks without a weight update after which a validator is inactive.
    pub activity_cutoff: u64,
    /// Minimum weights version key a set_weights call must carry.
    pub weights_version_key: u64,
    /// Blocks between two weight updates of one neuron.
    pub weights_rate_limit: u64,
    /// Blocks between two serve_axon calls of one neuron.
    pub serving_rate_limit: u64,
    /// Whether weights must be committed by hash and revealed later.
    pub commit_reveal_enabled: bool,
    /// Epochs after a commit at which it must be revealed.
    pub reveal_period_epochs: u16,
    /// Bond moving average in millionths (α = 1 − x/10⁶).
    pub bonds_moving_average: u64,
    /// β: how much bonds follow clipped weights, u16 proportion.
    pub bonds_penalty: u16,
    /// Yuma 3 bonds.
    pub yuma3: bool,
    /// Liquid alpha (Yuma 3 only).
    pub liquid_alpha_enabled: bool,
    /// Liquid alpha lower bound, u16 proportion.
    pub alpha_low: u16,
    /// Liquid alpha upper bound, u16 proportion.
    pub alpha_high: u16,
    /// Liquid alpha sigmoid steepness (used as /100).
    pub alpha_sigmoid_steepness: i16,
    /// Whether neurons may register.
    pub registration_allowed: bool,
    /// Lower bound of the registration burn.
    pub min_burn: Rao,
    /// Upper bound of the registration burn.
    pub max_burn: Rao,
    /// Blocks for the burn to halve.
    pub burn_half_life: u64,
    /// Burn multiplier per registration, in millionths (1,260,000 = ×1.26).
    pub burn_increase_mult_ppm: u32,
    /// Stake a neuron needs to set weights (the owner is exempt).
    pub stake_threshold: Rao,
}

impl Default for SubnetHyperparams {
    fn default() -> Self {
        SubnetHyperparams {
            tempo: 360,
            kappa: 32_767,
            immunity_period: 5_000,
            min_allowed_weights: 1,
            max_allowed_uids: 256,
            max_allowed_validators: 64,
            activity_cutoff: 5_000,
            weights_version_key: 0,
            weights_rate_limit: 100,
            serving_rate_limit: 50,
            commit_reveal_enabled: false,
            reveal_period_epochs: 1,
            bonds_moving_average: 900_000,
            bonds_penalty: u16::MAX,
            yuma3: true,
            liquid_alpha_enabled: false,
            alpha_low: 45_875,
            alpha_high: 58_982,
            alpha_sigmoid_steepness: 1000,
            registration_allowed: true,
            min_burn: Rao(500_000),
            max_burn: Rao(100 * RAO_PER_TAO),
            burn_half_life: 360,
            burn_increase_mult_ppm: 1_260_000,
            stake_threshold: Rao(0),
        }
    }
}

plain_codec!(SubnetHyperparams {
    tempo: u16,
    kappa: u16,
    immunity_period: u64,
    min_allowed_weights: u16,
    max_allowed_uids: u16,
    max_allowed_validators: u16,
    activity_cutoff: u64,
    weights_version_key: u64,
    weights_rate_limit: u64,
    serving_rate_limit: u64,
    commit_reveal_enabled: bool,
    reveal_period_epochs: u16,
    bonds_moving_average: u64,
    bonds_penalty: u16,
    yuma3: bool,
    liquid_alpha_enabled: bool,
    alpha_low: u16,
    alpha_high: u16,
    alpha_sigmoid_steepness: i16,
    registration_allowed: bool,
    min_burn: Rao,
    max_burn: Rao,
    burn_half_life: u64,
    burn_increase_mult_ppm: u32,
    stake_threshold: Rao,
});

/// Largest subnet the chain allows (`max_allowed_uids` bound).
pub const MAX_UIDS_LIMIT: u16 = 4096;
/// Smallest tempo an owner may set.
pub const MIN_TEMPO: u16 = 10;
/// Largest tempo an owner may set.
pub const MAX_TEMPO: u16 = 50_400;

/// One owner-settable hyperparameter change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "name", content = "value")]
pub enum HyperparamUpdate {
    /// `tempo`, in [`MIN_TEMPO`, `MAX_TEMPO`].
    Tempo(u16),
    /// `immunity_period`, at most 1,000,000 blocks.
    ImmunityPeriod(u64),
    /// `min_allowed_weights`, at most `max_allowed_uids`.
    MinAllowedWeights(u16),
    /// `max_allowed_uids`, in [current n, `MAX_UIDS_LIMIT`] (checked by the runtime).
    MaxAllowedUids(u16),
    /// `max_allowed_validators`, in [1, `max_allowed_uids`].
    MaxAllowedValidators(u16),
    /// `activity_cutoff`, at least one tempo.
    ActivityCutoff(u64),
    /// `weights_version_key`.
    WeightsVersionKey(u64),
    /// `weights_rate_limit`, at most 10 tempos.
    WeightsRateLimit(u64),
    /// `commit_reveal_enabled`.
    CommitRevealEnabled(bool),
    /// `reveal_period_epochs`, in [1, 100].
    RevealPeriodEpochs(u16),
    /// `bonds_moving_average`, at most 975,000.
    BondsMovingAverage(u64),
    /// `bonds_penalty`.
    BondsPenalty(u16),
    /// `yuma3`.
    Yuma3(bool),
    /// `liquid_alpha_enabled`.
    LiquidAlphaEnabled(bool),
    /// `(alpha_low, alpha_high)`: both ≥ 1,638, low ≤ high.
    AlphaValues(u16, u16),
    /// `registration_allowed`.
    RegistrationAllowed(bool),
    /// `min_burn`, below 1 TAO and below `max_burn`.
    MinBurn(Rao),
    /// `max_burn`, above 0.1 TAO and above `min_burn`.
    MaxBurn(Rao),
    /// `burn_half_life`, in [1, 36,100] blocks.
    BurnHalfLife(u64),
    /// `serving_rate_limit`, at most 10,000 blocks.
    ServingRateLimit(u64),
}

/// Why a hyperparameter value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("hyperparameter {name} = {value} is out of bounds: {bound}")]
pub struct HyperparamError {
    /// The parameter.
    pub name: &'static str,
    /// The value given.
    pub value: String,
    /// The rule it breaks.
    pub bound: &'static str,
}

impl HyperparamUpdate {
    /// The parameter's name.
    pub fn name(&self) -> &'static str {
        match self {
            HyperparamUpdate::Tempo(_) => "tempo",
            HyperparamUpdate::ImmunityPeriod(_) => "immunity_period",
            HyperparamUpdate::MinAllowedWeights(_) => "min_allowed_weights",
            HyperparamUpdate::MaxAllowedUids(_) => "max_allowed_uids",
            HyperparamUpdate::MaxAllowedValidators(_) => "max_allowed_validators",
            HyperparamUpdate::ActivityCutoff(_) => "activity_cutoff",
            HyperparamUpdate::WeightsVersionKey(_) => "weights_version_key",
            HyperparamUpdate::WeightsRateLimit(_) => "weights_rate_limit",
            HyperparamUpdate::CommitRevealEnabled(_) => "commit_reveal_enabled",
            HyperparamUpdate::RevealPeriodEpochs(_) => "reveal_period_epochs",
            HyperparamUpdate::BondsMovingAverage(_) => "bonds_moving_average",
            HyperparamUpdate::BondsPenalty(_) => "bonds_penalty",
            HyperparamUpdate::Yuma3(_) => "yuma3",
            HyperparamUpdate::LiquidAlphaEnabled(_) => "liquid_alpha_enabled",
            HyperparamUpdate::AlphaValues(..) => "alpha_values",
            HyperparamUpdate::RegistrationAllowed(_) => "registration_allowed",
            HyperparamUpdate::MinBurn(_) => "min_burn",
            HyperparamUpdate::MaxBurn(_) => "max_burn",
            HyperparamUpdate::BurnHalfLife(_) => "burn_half_life",
            HyperparamUpdate::ServingRateLimit(_) => "serving_rate_limit",
        }
    }

    /// Checks the bounds against the current parameters and applies the change to `p`.
    /// (`MaxAllowedUids` ≥ current size is checked by the runtime, which knows the size.)
    pub fn apply(&self, p: &mut SubnetHyperparams) -> Result<(), HyperparamError> {
        let err = |value: String, bound: &'static str| HyperparamError {
            name: self.name(),
            value,
            bound,
        };
        match *self {
            HyperparamUpdate::Tempo(v) => {
                if !(MIN_TEMPO..=MAX_TEMPO).contains(&v) {
                    return Err(err(v.to_string(), "10 ≤ tempo ≤ 50400"));
                }
                p.tempo = v;
            }
            HyperparamUpdate::ImmunityPeriod(v) => {
                if v > 1_000_000 {
                    return Err(err(v.to_string(), "at most 1,000,000 blocks"));
                }
                p.immunity_period = v;
            }
            HyperparamUpdate::MinAllowedWeights(v) => {
                if v > p.max_allowed_uids {
                    return Err(err(v.to_string(), "at most max_allowed_uids"));
                }
                p.min_allowed_weights = v;
            }
            HyperparamUpdate::MaxAllowedUids(v) => {
                if v == 0 || v > MAX_UIDS_LIMIT || v < p.max_allowed_validators {
                    return Err(err(v.to_string(), "max_allowed_validators ≤ value ≤ 4096"));
                }
                p.max_allowed_uids = v;
            }
            HyperparamUpdate::MaxAllowedValidators(v) => {
                if v == 0 || v > p.max_allowed_uids {
                    return Err(err(v.to_string(), "1 ≤ value ≤ max_allowed_uids"));
                }
                p.max_allowed_validators = v;
            }
            HyperparamUpdate::ActivityCutoff(v) => {
                if v < u64::from(p.tempo) {
                    return Err(err(v.to_string(), "at least one tempo"));
                }
                p.activity_cutoff = v;
            }
            HyperparamUpdate::WeightsVersionKey(v) => p.weights_version_key = v,
            HyperparamUpdate::WeightsRateLimit(v) => {
                if v > 10 * u64::from(p.tempo) {
                    return Err(err(v.to_string(), "at most 10 tempos"));
                }
                p.weights_rate_limit = v;
            }
            HyperparamUpdate::CommitRevealEnabled(v) => p.commit_reveal_enabled = v,
            HyperparamUpdate::RevealPeriodEpochs(v) => {
                if !(1..=100).contains(&v) {
                    return Err(err(v.to_string(), "1 ≤ value ≤ 100"));
                }
                p.reveal_period_epochs = v;
            }
            HyperparamUpdate::BondsMovingAverage(v) => {
                if v > 975_000 {
                    return Err(err(v.to_string(), "at most 975,000"));
                }
                p.bonds_moving_average = v;
            }
            HyperparamUpdate::BondsPenalty(v) => p.bonds_penalty = v,
            HyperparamUpdate::Yuma3(v) => p.yuma3 = v,
            HyperparamUpdate::LiquidAlphaEnabled(v) => p.liquid_alpha_enabled = v,
            HyperparamUpdate::AlphaValues(lo, hi) => {
                if lo < 1638 || hi < 1638 || lo > hi {
                    return Err(err(format!("({lo}, {hi})"), "both ≥ 1638 and low ≤ high"));
                }
                p.alpha_low = lo;
                p.alpha_high = hi;
            }
            HyperparamUpdate::RegistrationAllowed(v) => p.registration_allowed = v,
            HyperparamUpdate::MinBurn(v) => {
                if v.0 >= RAO_PER_TAO || v > p.max_burn {
                    return Err(err(v.to_string(), "below 1 TAO and at most max_burn"));
                }
                p.min_burn = v;
            }
            HyperparamUpdate::MaxBurn(v) => {
                if v.0 <= RAO_PER_TAO / 10 || v < p.min_burn {
                    return Err(err(v.to_string(), "above 0.1 TAO and at least min_burn"));
                }
                p.max_burn = v;
            }
            HyperparamUpdate::BurnHalfLife(v) => {
                if !(1..=36_100).contains(&v) {
                    return Err(err(v.to_string(), "1 ≤ value ≤ 36100 blocks"));
                }
                p.burn_half_life = v;
            }
            HyperparamUpdate::ServingRateLimit(v) => {
                if v > 10_000 {
                    return Err(err(v.to_string(), "at most 10,000 blocks"));
                }
                p.serving_rate_limit = v;
            }
        }
        Ok(())
    }

    fn tag(&self) -> u8 {
        match self {
            HyperparamUpdate::Tempo(_) => 0,
            HyperparamUpdate::ImmunityPeriod(_) => 1,
            HyperparamUpdate::MinAllowedWeights(_) => 2,
            HyperparamUpdate::MaxAllowedUids(_) => 3,
            HyperparamUpdate::MaxAllowedValidators(_) => 4,
            HyperparamUpdate::ActivityCutoff(_) => 5,
            HyperparamUpdate::WeightsVersionKey(_) => 6,
            HyperparamUpdate::WeightsRateLimit(_) => 7,
            HyperparamUpdate::CommitRevealEnabled(_) => 8,
            HyperparamUpdate::RevealPeriodEpochs(_) => 9,
            HyperparamUpdate::BondsMovingAverage(_) => 10,
            HyperparamUpdate::BondsPenalty(_) => 11,
            HyperparamUpdate::Yuma3(_) => 12,
            HyperparamUpdate::LiquidAlphaEnabled(_) => 13,
            HyperparamUpdate::AlphaValues(..) => 14,
            HyperparamUpdate::RegistrationAllowed(_) => 15,
            HyperparamUpdate::MinBurn(_) => 16,
            HyperparamUpdate::MaxBurn(_) => 17,
            HyperparamUpdate::BurnHalfLife(_) => 18,
            HyperparamUpdate::ServingRateLimit(_) => 19,
        }
    }
}

impl Write for HyperparamUpdate {
    fn write(&self, buf: &mut impl BufMut) {
        self.tag().write(buf);
        match self {
            HyperparamUpdate::Tempo(v)
            | HyperparamUpdate::MinAllowedWeights(v)
            | HyperparamUpdate::MaxAllowedUids(v)
            | HyperparamUpdate::MaxAllowedValidators(v)
            | HyperparamUpdate::RevealPeriodEpochs(v)
            | HyperparamUpdate::BondsPenalty(v) => v.write(buf),
            HyperparamUpdate::ImmunityPeriod(v)
            | HyperparamUpdate::ActivityCutoff(v)
            | HyperparamUpdate::WeightsVersionKey(v)
            | HyperparamUpdate::WeightsRateLimit(v)
            | HyperparamUpdate::BondsMovingAverage(v)
            | HyperparamUpdate::BurnHalfLife(v)
            | HyperparamUpdate::ServingRateLimit(v) => v.write(buf),
            HyperparamUpdate::CommitRevealEnabled(v)
            | HyperparamUpdate::Yuma3(v)
            | HyperparamUpdate::LiquidAlphaEnabled(v)
            | HyperparamUpdate::RegistrationAllowed(v) => v.write(buf),
            HyperparamUpdate::AlphaValues(lo, hi) => {
                lo.write(buf);
                hi.write(buf);
            }
            HyperparamUpdate::MinBurn(v) | HyperparamUpdate::MaxBurn(v) => v.write(buf),
        }
    }
}

impl EncodeSize for HyperparamUpdate {
    fn encode_size(&self) -> usize {
        1 + match self {
            HyperparamUpdate::Tempo(_)
            | HyperparamUpdate::MinAllowedWeights(_)
            | HyperparamUpdate::MaxAllowedUids(_)
            | HyperparamUpdate::MaxAllowedValidators(_)
            | HyperparamUpdate::RevealPeriodEpochs(_)
            | HyperparamUpdate::BondsPenalty(_) => 2,
            HyperparamUpdate::CommitRevealEnabled(_)
            | HyperparamUpdate::Yuma3(_)
            | HyperparamUpdate::LiquidAlphaEnabled(_)
            | HyperparamUpdate::RegistrationAllowed(_) => 1,
            HyperparamUpdate::AlphaValues(..) => 4,
            _ => 8,
        }
    }
}

impl Read for HyperparamUpdate {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => HyperparamUpdate::Tempo(u16::read(buf)?),
            1 => HyperparamUpdate::ImmunityPeriod(u64::read(buf)?),
            2 => HyperparamUpdate::MinAllowedWeights(u16::read(buf)?),
            3 => HyperparamUpdate::MaxAllowedUids(u16::read(buf)?),
            4 => HyperparamUpdate::MaxAllowedValidators(u16::read(buf)?),
            5 => HyperparamUpdate::ActivityCutoff(u64::read(buf)?),
            6 => HyperparamUpdate::WeightsVersionKey(u64::read(buf)?),
            7 => HyperparamUpdate::WeightsRateLimit(u64::read(buf)?),
            8 => HyperparamUpdate::CommitRevealEnabled(bool::read(buf)?),
            9 => HyperparamUpdate::RevealPeriodEpochs(u16::read(buf)?),
            10 => HyperparamUpdate::BondsMovingAverage(u64::read(buf)?),
            11 => HyperparamUpdate::BondsPenalty(u16::read(buf)?),
            12 => HyperparamUpdate::Yuma3(bool::read(buf)?),
            13 => HyperparamUpdate::LiquidAlphaEnabled(bool::read(buf)?),
            14 => HyperparamUpdate::AlphaValues(u16::read(buf)?, u16::read(buf)?),
            15 => HyperparamUpdate::RegistrationAllowed(bool::read(buf)?),
            16 => HyperparamUpdate::MinBurn(Rao::read(buf)?),
            17 => HyperparamUpdate::MaxBurn(Rao::read(buf)?),
            18 => HyperparamUpdate::BurnHalfLife(u64::read(buf)?),
            19 => HyperparamUpdate::ServingRateLimit(u64::read(buf)?),
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// Network-wide parameters (changed by governance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainParams {
    /// Fee every paying transaction pays, regardless of size.
    pub tx_base_fee: Rao,
    /// Fee per byte of the encoded signed transaction.
    pub tx_byte_fee: Rao,
    /// Smallest balance a new account may be created with.
    pub existential_deposit: Rao,
    /// Smallest amount for add_stake / remove_stake (a full exit is exempt).
    pub min_stake: Rao,
    /// Blocks an unstaked amount waits before it is paid out.
    pub unbonding_period: u64,
    /// Share of each subnet's emission paid to its owner, u16 proportion (18%).
    pub subnet_owner_cut: u16,
    /// Take of a new delegate hotkey, u16 proportion (18%).
    pub default_take: u16,
    /// Lowest take.
    pub min_take: u16,
    /// Highest take.
    pub max_take: u16,
    /// Blocks between two take increases of one hotkey.
    pub take_increase_rate_limit: u64,
    /// Lowest lock cost of a new subnet.
    pub network_min_lock: Rao,
    /// Blocks over which the doubled lock cost decays back.
    pub network_lock_reduction_interval: u64,
    /// Blocks between two subnet registrations (network-wide).
    pub network_rate_limit: u64,
    /// Maximum number of subnets, root excluded.
    pub subnet_limit: u16,
    /// Registration burn of a new subnet.
    pub initial_burn: Rao,
    /// Number of block-producing seats.
    pub seat_count: u16,
    /// Stake a hotkey needs to be elected to a seat.
    pub min_seat_stake: Rao,
    /// Blocks per consensus epoch (seat sets change at epoch boundaries).
    pub consensus_epoch_length: u64,
    /// Maximum members of the root subnet.
    pub root_max_uids: u16,
    /// Tempo of the root epoch that sets subnet emission shares.
    pub root_tempo: u16,
    /// Most transactions in a block.
    pub max_block_transactions: u32,
    /// Largest encoded transaction.
    pub max_transaction_bytes: u32,
    /// Hyperparameters of a new subnet.
    pub default_hyperparams: SubnetHyperparams,
    /// Total stake (over all its hotkeys) a coldkey needs to submit a governance proposal.
    pub gov_min_proposer_stake: Rao,
    /// Deposit reserved from the proposer's free balance while a proposal is voted on.
    pub gov_proposal_deposit: Rao,
    /// Blocks a proposal is open for votes (the tally runs at the end of its last block).
    pub gov_voting_period: u64,
    /// Blocks between the tally and the execution of a passed proposal.
    pub gov_execution_delay: u64,
    /// Turnout (aye + nay + abstain stake) needed, in parts per billion of total stake.
    pub gov_quorum: u32,
    /// Approval needed: aye / (aye + nay) must exceed this, in parts per billion.
    pub gov_approval_threshold: u32,
    /// A proposal whose turnout is below this (ppb of total stake) has its deposit burned.
    pub gov_burn_below_ppb: u32,
    /// Share of every transaction fee paid to the treasury, in parts per billion.
    pub treasury_fee_share: u32,
    /// Most proposals in their voting period at once.
    pub gov_max_active_proposals: u16,
    /// Share of every stake position (and of the unbonding entries still slashable) on a
    /// hotkey that an equivocation burns, in parts per billion (5%).
    pub slash_fraction_ppb: u32,
    /// Consensus epochs a jailed hotkey stays out of seat elections before its owner may
    /// unjail it.
    pub jail_epochs: u64,
    /// Share of a consensus epoch's votes a seat may miss before it is jailed for liveness,
    /// in parts per billion (used by the liveness rule).
    pub missed_votes_jail_ppb: u32,
    /// Share of every payment-channel claim paid to the miners the gateway names, in parts
    /// per billion (50%); the gateway's owner gets the rest.
    pub query_miner_share_ppb: u32,
    /// Longest a payment channel may stay open: its expiry is at most this many blocks after
    /// the block that opens it (or tops it up).
    pub max_channel_duration: u64,
    /// Most bytes of encoded transactions in one block (below what the block codec accepts).
    pub max_block_bytes: u32,
    /// Share of `max_block_bytes` that free calls (weights, serving) may take, in parts per
    /// billion; the rest is reserved for paying transactions.
    pub free_block_bytes_ppb: u32,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            tx_base_fee: Rao(100_000),
            tx_byte_fee: Rao(100),
            existential_deposit: Rao(500),
            min_stake: Rao(2_000_000),
            unbonding_period: 7 * 24 * 3600,
            subnet_owner_cut: 11_796,
            default_take: 11_796,
            min_take: 0,
            max_take: 11_796,
            take_increase_rate_limit: 216_000,
            network_min_lock: Rao(1_000 * RAO_PER_TAO),
            network_lock_reduction_interval: 100_800,
            network_rate_limit: 7_200,
            subnet_limit: 128,
            initial_burn: Rao(RAO_PER_TAO),
            seat_count: 64,
            min_seat_stake: Rao(1_000 * RAO_PER_TAO),
            consensus_epoch_length: 3_600,
            root_max_uids: 64,
            root_tempo: 360,
            max_block_transactions: 20_000,
            max_transaction_bytes: 128 * 1024,
            default_hyperparams: SubnetHyperparams::default(),
            gov_min_proposer_stake: Rao(1_000 * RAO_PER_TAO),
            gov_proposal_deposit: Rao(100 * RAO_PER_TAO),
            gov_voting_period: 7 * 24 * 3600,
            gov_execution_delay: 24 * 3600,
            gov_quorum: 200_000_000,
            gov_approval_threshold: 500_000_000,
            gov_burn_below_ppb: 50_000_000,
            treasury_fee_share: 200_000_000,
            gov_max_active_proposals: 16,
            slash_fraction_ppb: 50_000_000,
            jail_epochs: 24,
            missed_votes_jail_ppb: 500_000_000,
            query_miner_share_ppb: 500_000_000,
            max_channel_duration: 30 * 24 * 3600,
            max_block_bytes: 4 * 1024 * 1024,
            free_block_bytes_ppb: 250_000_000,
        }
    }
}

impl ChainParams {
    /// The base fee of a paying transaction of `size` encoded bytes: `tx_base_fee +
    /// tx_byte_fee × size` (saturating). A transaction pays this plus its tip; free calls pay
    /// nothing.
    pub fn base_fee(&self, size: usize) -> Rao {
        let fee = u128::from(self.tx_base_fee.0) + u128::from(self.tx_byte_fee.0) * size as u128;
        Rao(u64::try_from(fee).unwrap_or(u64::MAX))
    }

    /// Writes the pre-governance fields.
    pub fn write_core(&self, buf: &mut impl BufMut) {
        self.tx_base_fee.write(buf);
        self.tx_byte_fee.write(buf);
        self.existential_deposit.write(buf);
        self.min_stake.write(buf);
        self.unbonding_period.write(buf);
        self.subnet_owner_cut.write(buf);
        self.default_take.write(buf);
        self.min_take.write(buf);
        self.max_take.write(buf);
        self.take_increase_rate_limit.write(buf);
        self.network_min_lock.write(buf);
        self.network_lock_reduction_interval.write(buf);
        self.network_rate_limit.write(buf);
        self.subnet_limit.write(buf);
        self.initial_burn.write(buf);
        self.seat_count.write(buf);
        self.min_seat_stake.write(buf);
        self.consensus_epoch_length.write(buf);
        self.root_max_uids.write(buf);
        self.root_tempo.write(buf);
        self.max_block_transactions.write(buf);
        self.max_transaction_bytes.write(buf);
        self.default_hyperparams.write(buf);
    }

    /// Size of [`ChainParams::write_core`].
    pub fn core_size(&self) -> usize {
        self.tx_base_fee.encode_size()
            + self.tx_byte_fee.encode_size()
            + self.existential_deposit.encode_size()
            + self.min_stake.encode_size()
            + self.unbonding_period.encode_size()
            + self.subnet_owner_cut.encode_size()
            + self.default_take.encode_size()
            + self.min_take.encode_size()
            + self.max_take.encode_size()
            + self.take_increase_rate_limit.encode_size()
            + self.network_min_lock.encode_size()
            + self.network_lock_reduction_interval.encode_size()
            + self.network_rate_limit.encode_size()
            + self.subnet_limit.encode_size()
            + self.initial_burn.encode_size()
            + self.seat_count.encode_size()
            + self.min_seat_stake.encode_size()
            + self.consensus_epoch_length.encode_size()
            + self.root_max_uids.encode_size()
            + self.root_tempo.encode_size()
            + self.max_block_transactions.encode_size()
            + self.max_transaction_bytes.encode_size()
            + self.default_hyperparams.encode_size()
    }

    /// Reads the pre-governance fields; the governance fields take their defaults.
    pub fn read_core(buf: &mut impl Buf) -> Result<ChainParams, Error> {
        Ok(ChainParams {
            tx_base_fee: <Rao>::read(buf)?,
            tx_byte_fee: <Rao>::read(buf)?,
            existential_deposit: <Rao>::read(buf)?,
            min_stake: <Rao>::read(buf)?,
            unbonding_period: <u64>::read(buf)?,
            subnet_owner_cut: <u16>::read(buf)?,
            default_take: <u16>::read(buf)?,
            min_take: <u16>::read(buf)?,
            max_take: <u16>::read(buf)?,
            take_increase_rate_limit: <u64>::read(buf)?,
            network_min_lock: <Rao>::read(buf)?,
            network_lock_reduction_interval: <u64>::read(buf)?,
            network_rate_limit: <u64>::read(buf)?,
            subnet_limit: <u16>::read(buf)?,
            initial_burn: <Rao>::read(buf)?,
            seat_count: <u16>::read(buf)?,
            min_seat_stake: <Rao>::read(buf)?,
            consensus_epoch_length: <u64>::read(buf)?,
            root_max_uids: <u16>::read(buf)?,
            root_tempo: <u16>::read(buf)?,
            max_block_transactions: <u32>::read(buf)?,
            max_transaction_bytes: <u32>::read(buf)?,
            default_hyperparams: <SubnetHyperparams>::read(buf)?,
            ..ChainParams::default()
        })
    }

    /// Size of [`ChainParams::write_gov`].
    pub const GOV_SIZE: usize = 8 + 8 + 8 + 8 + 4 + 4 + 4 + 4 + 2;

    /// Writes the governance fields.
    pub fn write_gov(&self, buf: &mut impl BufMut) {
        self.gov_min_proposer_stake.write(buf);
        self.gov_proposal_deposit.write(buf);
        self.gov_voting_period.write(buf);
        self.gov_execution_delay.write(buf);
        self.gov_quorum.write(buf);
        self.gov_approval_threshold.write(buf);
        self.gov_burn_below_ppb.write(buf);
        self.treasury_fee_share.write(buf);
        self.gov_max_active_proposals.write(buf);
    }

    /// Reads the governance fields into `self`.
    pub fn read_gov(&mut self, buf: &mut impl Buf) -> Result<(), Error> {
        self.gov_min_proposer_stake = Rao::read(buf)?;
        self.gov_proposal_deposit = Rao::read(buf)?;
        self.gov_voting_period = u64::read(buf)?;
        self.gov_execution_delay = u64::read(buf)?;
        self.gov_quorum = u32::read(buf)?;
        self.gov_approval_threshold = u32::read(buf)?;
        self.gov_burn_below_ppb = u32::read(buf)?;
        self.treasury_fee_share = u32::read(buf)?;
        self.gov_max_active_proposals = u16::read(buf)?;
        Ok(())
    }

    /// Size of [`ChainParams::write_slashing`].
    pub const SLASHING_SIZE: usize = 4 + 8 + 4;

    /// Writes the slashing fields.
    pub fn write_slashing(&self, buf: &mut impl BufMut) {
        self.slash_fraction_ppb.write(buf);
        self.jail_epochs.write(buf);
        self.missed_votes_jail_ppb.write(buf);
    }

    /// Reads the slashing fields into `self`.
    pub fn read_slashing(&mut self, buf: &mut impl Buf) -> Result<(), Error> {
        self.slash_fraction_ppb = u32::read(buf)?;
        self.jail_epochs = u64::read(buf)?;
        self.missed_votes_jail_ppb = u32::read(buf)?;
        Ok(())
    }

    /// Size of [`ChainParams::write_channels`].
    pub const CHANNELS_SIZE: usize = 4 + 8;

    /// Writes the payment-channel fields.
    pub fn write_channels(&self, buf: &mut impl BufMut) {
        self.query_miner_share_ppb.write(buf);
        self.max_channel_duration.write(buf);
    }

    /// Size of [`ChainParams::write_limits`].
    pub const LIMITS_SIZE: usize = 4 + 4;

    /// Writes the block-limit fields.
    pub fn write_limits(&self, buf: &mut impl BufMut) {
        self.max_block_bytes.write(buf);
        self.free_block_bytes_ppb.write(buf);
    }

    /// Reads the block-limit fields into `self`.
    pub fn read_limits(&mut self, buf: &mut impl Buf) -> Result<(), Error> {
        self.max_block_bytes = u32::read(buf)?;
        self.free_block_bytes_ppb = u32::read(buf)?;
        Ok(())
    }

    /// Reads the payment-channel fields into `self`.
    pub fn read_channels(&mut self, buf: &mut impl Buf) -> Result<(), Error> {
        self.query_miner_share_ppb = u32::read(buf)?;
        self.max_channel_duration = u64::read(buf)?;
        Ok(())
    }
}

/// Encoding: the pre-governance fields, the governance fields, the slashing fields, the
/// payment-channel fields, then the block-limit fields (each later group is absent in encodings made before it existed:
/// its fields then take their defaults).
impl Write for ChainParams {
    fn write(&self, buf: &mut impl BufMut) {
        self.write_core(buf);
        self.write_gov(buf);
        self.write_slashing(buf);
        self.write_channels(buf);
        self.write_limits(buf);
    }
}

impl EncodeSize for ChainParams {
    fn encode_size(&self) -> usize {
        self.core_size()
            + ChainParams::GOV_SIZE
            + ChainParams::SLASHING_SIZE
            + ChainParams::CHANNELS_SIZE
            + ChainParams::LIMITS_SIZE
    }
}

impl Read for ChainParams {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let mut p = ChainParams::read_core(buf)?;
        p.read_gov(buf)?;
        if buf.has_remaining() {
            p.read_slashing(buf)?;
        }
        if buf.has_remaining() {
            p.read_channels(buf)?;
        }
        if buf.has_remaining() {
            p.read_limits(buf)?;
        }
        Ok(p)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, DecodeExt, Encode};

    #[test]
    fn params_round_trip() {
        let p = ChainParams::default();
        assert_eq!(ChainParams::decode(p.encode()).unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ChainParams>(&json).unwrap(), p);
        let partial: SubnetHyperparams = serde_json::from_str(r#"{"tempo": 20}"#).unwrap();
        assert_eq!(partial.tempo, 20);
        assert_eq!(partial.kappa, 32_767);
        assert!(serde_json::from_str::<SubnetHyperparams>(r#"{"tmepo": 20}"#).is_err());
    }

    #[test]
    fn params_without_the_slashing_fields_decode_with_defaults() {
        let p = ChainParams {
            slash_fraction_ppb: 1,
            jail_epochs: 2,
            missed_votes_jail_ppb: 3,
            ..ChainParams::default()
        };
        let bytes = p.encode();
        assert_eq!(bytes.len(), p.encode_size());
        assert_eq!(ChainParams::decode(bytes.clone()).unwrap(), p);
        let old = &bytes[..bytes.len()
            - ChainParams::SLASHING_SIZE
            - ChainParams::CHANNELS_SIZE
            - ChainParams::LIMITS_SIZE];
        let d = ChainParams::decode(Copying(old)).unwrap();
        assert_eq!(
            d.slash_fraction_ppb,
            ChainParams::default().slash_fraction_ppb
        );
        assert_eq!(d.jail_epochs, ChainParams::default().jail_epochs);
        assert!(ChainParams::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }

    #[test]
    fn params_without_the_channel_fields_decode_with_defaults() {
        let p = ChainParams {
            slash_fraction_ppb: 1,
            query_miner_share_ppb: 7,
            max_channel_duration: 9,
            ..ChainParams::default()
        };
        let bytes = p.encode();
        assert_eq!(bytes.len(), p.encode_size());
        assert_eq!(ChainParams::decode(bytes.clone()).unwrap(), p);
        let old = &bytes[..bytes.len() - ChainParams::CHANNELS_SIZE - ChainParams::LIMITS_SIZE];
        let d = ChainParams::decode(Copying(old)).unwrap();
        assert_eq!(d.slash_fraction_ppb, 1);
        let defaults = ChainParams::default();
        assert_eq!(
            (d.query_miner_share_ppb, d.max_channel_duration),
            (
                defaults.query_miner_share_ppb,
                defaults.max_channel_duration
            )
        );
        // A partial extension is an error, not a silent default.
        assert!(ChainParams::decode(Copying(&bytes[..bytes.len() - 3])).is_err());
    }

    #[test]
    fn updates_check_bounds() {
        let mut p = SubnetHyperparams::default();
        assert!(HyperparamUpdate::Tempo(5).apply(&mut p).is_err());
        HyperparamUpdate::Tempo(99).apply(&mut p).unwrap();
        assert_eq!(p.tempo, 99);
        let e = HyperparamUpdate::AlphaValues(60_000, 50_000)
            .apply(&mut p)
            .unwrap_err();
        assert_eq!(e.name, "alpha_values");
        assert!(
            HyperparamUpdate::BondsMovingAverage(975_001)
                .apply(&mut p)
                .is_err()
        );
        assert!(
            HyperparamUpdate::MinBurn(Rao(2 * RAO_PER_TAO))
                .apply(&mut p)
                .is_err()
        );
        for u in [
            HyperparamUpdate::Tempo(7),
            HyperparamUpdate::AlphaValues(1, 2),
            HyperparamUpdate::MinBurn(Rao(9)),
            HyperparamUpdate::Yuma3(false),
            HyperparamUpdate::ServingRateLimit(3),
        ] {
            let bytes = u.encode();
            assert_eq!(bytes.len(), u.encode_size());
            assert_eq!(HyperparamUpdate::decode(bytes).unwrap(), u);
        }
        assert!(matches!(
            HyperparamUpdate::decode(Copying(&[99u8])),
            Err(Error::InvalidEnum(99))
        ));
    }
}
