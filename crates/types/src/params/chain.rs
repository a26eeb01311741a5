//! Network-wide parameters: the table, the bounds governance may set them within, and the
//! rules between fields.
//!
//! # Rules
//! - Every settable row states its bounds; [`relations`] states the rules between fields,
//!   checked after the change: `min_take ≤ default_take ≤ max_take`,
//!   `max_transaction_bytes ≤ max_block_bytes`, `gov_burn_below_ppb ≤ gov_quorum`.
//!   [`apply_all`] applies a proposal's list in order on a copy, all or nothing.
//! - `consensus_epoch_length` is deliberately not settable: seat sets are indexed by epoch
//!   number, which assumes a fixed epoch length.
//! - `root_max_uids` may not go below the root subnet's size: the runtime checks that, as it
//!   knows the size.
//! - Ratios are integers in parts per billion ([`PPB`]); nothing here uses floating point.

use serde::{Deserialize, Serialize};

use super::subnet::{
    HyperparamError, HyperparamUpdate, MAX_TEMPO, MAX_UIDS_LIMIT, SubnetHyperparams,
};
use super::table::param_table;
use crate::{MAX_SUPPLY, RAO_PER_TAO, Rao};

/// One billion: ratios are parts per billion.
pub const PPB: u32 = 1_000_000_000;
/// Largest block count a period parameter may take (about 115 days of 1-second blocks).
pub const MAX_PERIOD: u64 = 10_000_000;
/// Largest slash fraction governance may set: 100% (the whole stake).
pub const MAX_SLASH_FRACTION_PPB: u32 = PPB;
/// Longest jail governance may set, in consensus epochs.
pub const MAX_JAIL_EPOCHS: u64 = 100_000;
/// Most transactions a block decoder accepts (`BlockLimits::default`), so the most
/// `max_block_transactions` may be.
pub const MAX_BLOCK_TRANSACTIONS_LIMIT: u32 = 20_000;
/// Most bytes of transactions a block may carry by any governance setting: the consensus
/// block codec accepts 8 MiB per block, and 1 MiB is left for the header, the elected seats
/// and the parent votes (each at most ~75 KiB with 1,024 seats).
pub const MAX_BLOCK_BYTES_LIMIT: u32 = 7 * 1024 * 1024;
/// Lowest `missed_votes_jail_ppb`: more than a third of an epoch's votes, or a Byzantine
/// third of the seats could jail honest seats by leaving their votes out of the blocks it
/// proposes.
pub const MIN_MISSED_VOTES_JAIL_PPB: u32 = PPB / 3 + 1;

/// `whole` TAO.
const fn tao(whole: u64) -> Rao {
    Rao(whole.saturating_mul(RAO_PER_TAO))
}

const KIB: u32 = 1024;
const MIB: u32 = 1024 * 1024;
const DAY: u64 = 24 * 3600;

param_table! {
    /// Network-wide parameters (changed by governance).
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct ChainParams, version 1;

    /// One chain-parameter change a proposal can make.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case", tag = "name", content = "value")]
    pub enum ParamUpdate, name String, error ParamError, names PARAM_NAMES, rules relations;

    fields {
        /// Fee every paying transaction pays, regardless of size.
        tx_base_fee: Rao = Rao(100_000), Tao, update 0 TxBaseFee in [Rao::ZERO, tao(1)];
        /// Fee per byte of the encoded signed transaction.
        tx_byte_fee: Rao = Rao(100), Tao, update 1 TxByteFee in [Rao::ZERO, Rao(RAO_PER_TAO / 100)];
        /// Smallest balance a new account may be created with.
        existential_deposit: Rao = Rao(500), Tao, update 2 ExistentialDeposit in [Rao::ZERO, tao(1)];
        /// Smallest amount for add_stake / remove_stake (a full exit is exempt).
        min_stake: Rao = Rao(2_000_000), Tao, update 3 MinStake in [Rao::ZERO, tao(1_000)];
        /// Blocks an unstaked amount waits before it is paid out.
        unbonding_period: u64 = 7 * DAY, Blocks, update 4 UnbondingPeriod in [0, MAX_PERIOD];
        /// Share of each subnet's emission paid to its owner, u16 proportion (18%).
        subnet_owner_cut: u16 = 11_796, Proportion, update 5 SubnetOwnerCut in [0, u16::MAX / 2];
        /// Take of a new delegate hotkey, u16 proportion (18%).
        default_take: u16 = 11_796, Proportion, update 6 DefaultTake in any;
        /// Lowest take a delegate may set, u16 proportion.
        min_take: u16 = 0, Proportion, update 7 MinTake in any;
        /// Highest take a delegate may set, u16 proportion.
        max_take: u16 = 11_796, Proportion, update 8 MaxTake in any;
        /// Blocks between two take increases of one hotkey.
        take_increase_rate_limit: u64 = 216_000, Blocks, update 9 TakeIncreaseRateLimit in [0, MAX_PERIOD];
        /// Lowest lock cost of a new subnet.
        network_min_lock: Rao = tao(1_000), Tao, update 10 NetworkMinLock in [Rao(RAO_PER_TAO / 10), tao(1_000_000)];
        /// Blocks over which the doubled lock cost decays back.
        network_lock_reduction_interval: u64 = 100_800, Blocks, update 11 NetworkLockReductionInterval in [1, MAX_PERIOD];
        /// Blocks between two subnet registrations (network-wide).
        network_rate_limit: u64 = 7_200, Blocks, update 12 NetworkRateLimit in [0, MAX_PERIOD];
        /// Maximum number of subnets, root excluded.
        subnet_limit: u16 = 128, Number, update 13 SubnetLimit in [1, 1024];
        /// Registration burn of a new subnet.
        initial_burn: Rao = tao(1), Tao, update 14 InitialBurn in [Rao::ZERO, tao(1_000)];
        /// Number of block-producing seats (K).
        seat_count: u16 = 64, Number, update 15 SeatCount in [1, 1024];
        /// Stake a hotkey needs to be elected to a seat.
        min_seat_stake: Rao = tao(1_000), Tao, update 16 MinSeatStake in [Rao::ZERO, MAX_SUPPLY];
        /// Blocks per consensus epoch (seat sets change at epoch boundaries).
        consensus_epoch_length: u64 = 3_600, Blocks;
        /// Maximum members of the root subnet.
        root_max_uids: u16 = 64, Number, update 17 RootMaxUids in [1, MAX_UIDS_LIMIT];
        /// Tempo of the root epoch that sets subnet emission shares.
        root_tempo: u16 = 360, Blocks, update 18 RootTempo in [1, MAX_TEMPO];
        /// Most transactions in a block (at most what a block decoder accepts).
        max_block_transactions: u32 = 20_000, Number, update 19 MaxBlockTransactions in [1, MAX_BLOCK_TRANSACTIONS_LIMIT];
        /// Largest encoded transaction.
        max_transaction_bytes: u32 = 128 * KIB, Bytes, update 20 MaxTransactionBytes in [4 * KIB, 4 * MIB];
        /// Hyperparameters of a new subnet.
        default_hyperparams: SubnetHyperparams = SubnetHyperparams::default(), Record, update 21 DefaultHyperparam nested HyperparamUpdate;
        /// Total stake (over all its hotkeys) a coldkey needs to submit a governance proposal.
        gov_min_proposer_stake: Rao = tao(1_000), Tao, update 22 GovMinProposerStake in [Rao::ZERO, MAX_SUPPLY];
        /// Deposit reserved from the proposer's free balance while a proposal is voted on.
        gov_proposal_deposit: Rao = tao(100), Tao, update 23 GovProposalDeposit in [Rao::ZERO, tao(1_000_000)];
        /// Blocks a proposal is open for votes (the tally runs at the end of its last block).
        gov_voting_period: u64 = 7 * DAY, Blocks, update 24 GovVotingPeriod in [1, MAX_PERIOD];
        /// Blocks between the tally and the execution of a passed proposal.
        gov_execution_delay: u64 = DAY, Blocks, update 25 GovExecutionDelay in [0, MAX_PERIOD];
        /// Turnout (aye + nay + abstain stake) needed, in parts per billion of total stake.
        gov_quorum: u32 = 200_000_000, Ppb, update 26 GovQuorum in [0, PPB];
        /// Approval needed: aye / (aye + nay) must exceed this, in parts per billion (below
        /// 100%, so a proposal can pass).
        gov_approval_threshold: u32 = 500_000_000, Ppb, update 27 GovApprovalThreshold in [0, PPB - 1];
        /// A proposal whose turnout is below this (ppb of total stake) has its deposit burned.
        gov_burn_below_ppb: u32 = 50_000_000, Ppb, update 28 GovBurnBelowPpb in any;
        /// Share of every transaction fee paid to the treasury, in parts per billion.
        treasury_fee_share: u32 = 200_000_000, Ppb, update 29 TreasuryFeeShare in [0, PPB];
        /// Most proposals in their voting period at once.
        gov_max_active_proposals: u16 = 16, Number, update 30 GovMaxActiveProposals in [1, 1024];
        /// Share of every stake position (and of the unbonding entries still slashable) on a
        /// hotkey that an equivocation burns, in parts per billion (5%).
        slash_fraction_ppb: u32 = 50_000_000, Ppb, update 31 SlashFractionPpb in [1, MAX_SLASH_FRACTION_PPB];
        /// Consensus epochs a jailed hotkey stays out of seat elections before its owner may
        /// unjail it.
        jail_epochs: u64 = 24, ConsensusEpochs, update 32 JailEpochs in [1, MAX_JAIL_EPOCHS];
        /// Share of a consensus epoch's votes a seat may miss before it is jailed for liveness,
        /// in parts per billion (more than a third: see [`MIN_MISSED_VOTES_JAIL_PPB`]).
        missed_votes_jail_ppb: u32 = 500_000_000, Ppb, update 33 MissedVotesJailPpb in [MIN_MISSED_VOTES_JAIL_PPB, PPB];
        /// Share of every payment-channel claim paid to the miners the gateway names, in parts
        /// per billion (50%); the gateway's owner gets the rest.
        query_miner_share_ppb: u32 = 500_000_000, Ppb, update 34 QueryMinerSharePpb in [0, PPB];
        /// Longest a payment channel may stay open: its expiry is at most this many blocks after
        /// the block that opens it (or tops it up).
        max_channel_duration: u64 = 30 * DAY, Blocks, update 35 MaxChannelDuration in [1, MAX_PERIOD];
        /// Most bytes of encoded transactions in one block (below what the block codec accepts).
        max_block_bytes: u32 = 4 * MIB, Bytes, update 36 MaxBlockBytes in [64 * KIB, MAX_BLOCK_BYTES_LIMIT];
        /// Share of `max_block_bytes` that free calls (weights, serving, commitments) may take,
        /// in parts per billion; the rest is reserved for paying transactions.
        free_block_bytes_ppb: u32 = 250_000_000, Ppb, update 37 FreeBlockBytesPpb in [0, PPB];
        /// TAO burned by a hotkey swap and by a coldkey-swap announcement.
        key_swap_cost: Rao = Rao(RAO_PER_TAO / 10), Tao, update 38 KeySwapCost in [Rao::ZERO, tao(1_000)];
        /// Blocks between two swaps of hotkeys owned by one coldkey.
        hotkey_swap_rate_limit: u64 = DAY, Blocks, update 39 HotkeySwapRateLimit in [0, MAX_PERIOD];
        /// Blocks between a coldkey swap's announcement and the first block it can be
        /// executed in (the window in which the old key can dispute it).
        coldkey_swap_delay: u64 = 5 * DAY, Blocks, update 40 ColdkeySwapDelay in [0, MAX_PERIOD];
    }

    composite {}
}

/// Why a parameter value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("parameter {name} = {value} is out of bounds: {bound}")]
pub struct ParamError {
    /// The parameter (`default_hyperparams.<name>` for a new subnet's default).
    pub name: String,
    /// The value given, as text.
    pub value: String,
    /// The rule it breaks, in words.
    pub bound: String,
}

impl From<HyperparamError> for ParamError {
    fn from(e: HyperparamError) -> Self {
        ParamError {
            name: format!("default_hyperparams.{}", e.name),
            value: e.value,
            bound: e.bound,
        }
    }
}

/// The rules between chain parameters, checked on `p` after `changed` was applied to it:
/// the rule a change would break, in words.
fn relations(p: &ChainParams, changed: &ParamUpdate) -> Result<(), &'static str> {
    use ParamUpdate as P;
    let rule = |holds: bool, text| if holds { Ok(()) } else { Err(text) };
    match changed {
        P::DefaultTake(_) => rule(
            p.min_take <= p.default_take && p.default_take <= p.max_take,
            "within [min_take, max_take]",
        ),
        P::MinTake(_) => rule(p.min_take <= p.default_take, "at most default_take"),
        P::MaxTake(_) => rule(p.default_take <= p.max_take, "at least default_take"),
        P::MaxTransactionBytes(_) => rule(
            p.max_transaction_bytes <= p.max_block_bytes,
            "at most max_block_bytes",
        ),
        P::MaxBlockBytes(_) => rule(
            p.max_transaction_bytes <= p.max_block_bytes,
            "at least max_transaction_bytes",
        ),
        P::GovQuorum(_) => rule(
            p.gov_burn_below_ppb <= p.gov_quorum,
            "at least gov_burn_below_ppb",
        ),
        P::GovBurnBelowPpb(_) => rule(p.gov_burn_below_ppb <= p.gov_quorum, "at most gov_quorum"),
        _ => Ok(()),
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
}

/// Applies `updates` in order to a copy of `params`; the copy if all are within bounds.
pub fn apply_all(params: &ChainParams, updates: &[ParamUpdate]) -> Result<ChainParams, ParamError> {
    let mut p = params.clone();
    for u in updates {
        u.apply(&mut p)?;
    }
    Ok(p)
}
