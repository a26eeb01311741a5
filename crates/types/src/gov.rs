//! Governance and treasury types: parameter updates, proposals, votes and tallies.
//!
//! # Rules
//! - A proposal carries one [`ProposalAction`]: a list of chain-parameter changes
//!   ([`ParamUpdate`], at most [`MAX_PARAM_UPDATES`]), a treasury spend, or plain text; and a
//!   description of at most [`MAX_DESCRIPTION`] bytes.
//! - Every [`ParamUpdate`] states its bounds; [`ParamUpdate::apply`] checks them against the
//!   parameters it is applied to (so `min_take ≤ default_take ≤ max_take` always holds) and
//!   [`apply_all`] applies a list in order on a copy, all or nothing.
//!   `consensus_epoch_length` is deliberately not changeable: seat sets are indexed by epoch
//!   number, which assumes a fixed epoch length.
//! - Ratios are integers in parts per billion ([`PPB`]); nothing here uses floating point.
//! - The treasury is addressed by [`treasury_account`]: SHA-256 of `"taonet/treasury"`, a
//!   key nobody holds. Its balance is the state's treasury total.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::codec::{read_str, read_vec, str_size, write_str};
use crate::params::{ChainParams, HyperparamError, HyperparamUpdate, MAX_TEMPO, MAX_UIDS_LIMIT};
use crate::{AccountId, BlockNumber, Hash, MAX_SUPPLY, RAO_PER_TAO, Rao};

/// One billion: ratios are parts per billion.
pub const PPB: u32 = 1_000_000_000;
/// Longest proposal description in bytes.
pub const MAX_DESCRIPTION: usize = 2048;
/// Most parameter changes in one proposal.
pub const MAX_PARAM_UPDATES: usize = 32;
/// Longest recorded failure reason in bytes.
pub const MAX_REASON: usize = 512;
/// The preimage of the treasury account id.
pub const TREASURY_SEED: &[u8] = b"taonet/treasury";
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
/// Lowest `missed_votes_jail_ppb`: more than a third of an epoch's votes.
pub const MIN_MISSED_VOTES_JAIL_PPB: u32 = PPB / 3 + 1;

/// The treasury's well-known account id: SHA-256 of [`TREASURY_SEED`].
pub fn treasury_account() -> AccountId {
    AccountId(Hash::digest(TREASURY_SEED).0)
}

/// One chain-parameter change a proposal can make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "name", content = "value")]
pub enum ParamUpdate {
    /// `tx_base_fee`, at most 1 TAO.
    TxBaseFee(Rao),
    /// `tx_byte_fee`, at most 0.01 TAO.
    TxByteFee(Rao),
    /// `existential_deposit`, at most 1 TAO.
    ExistentialDeposit(Rao),
    /// `min_stake`, at most 1,000 TAO.
    MinStake(Rao),
    /// `unbonding_period`, at most [`MAX_PERIOD`] blocks.
    UnbondingPeriod(u64),
    /// `subnet_owner_cut`, at most 50% (32,767).
    SubnetOwnerCut(u16),
    /// `default_take`, within [`min_take`, `max_take`].
    DefaultTake(u16),
    /// `min_take`, at most `default_take`.
    MinTake(u16),
    /// `max_take`, at least `default_take`.
    MaxTake(u16),
    /// `take_increase_rate_limit`, at most [`MAX_PERIOD`] blocks.
    TakeIncreaseRateLimit(u64),
    /// `network_min_lock`, within [0.1 TAO, 1,000,000 TAO].
    NetworkMinLock(Rao),
    /// `network_lock_reduction_interval`, within [1, [`MAX_PERIOD`]].
    NetworkLockReductionInterval(u64),
    /// `network_rate_limit`, at most [`MAX_PERIOD`] blocks.
    NetworkRateLimit(u64),
    /// `subnet_limit`, within [1, 1024].
    SubnetLimit(u16),
    /// `initial_burn`, at most 1,000 TAO.
    InitialBurn(Rao),
    /// `seat_count` (K), within [1, 1024].
    SeatCount(u16),
    /// `min_seat_stake`, at most the supply.
    MinSeatStake(Rao),
    /// `root_max_uids`, within [1, 4096] (and not below the root subnet's size, checked by
    /// the runtime).
    RootMaxUids(u16),
    /// `root_tempo`, within [1, 50,400].
    RootTempo(u16),
    /// `max_block_transactions`, within [1, [`MAX_BLOCK_TRANSACTIONS_LIMIT`]] (what a block
    /// decoder accepts).
    MaxBlockTransactions(u32),
    /// `max_transaction_bytes`, within [4 KiB, 4 MiB] and at most `max_block_bytes`.
    MaxTransactionBytes(u32),
    /// One field of `default_hyperparams`, with the owner-settable bounds.
    DefaultHyperparam(HyperparamUpdate),
    /// `gov_min_proposer_stake`, at most the supply.
    GovMinProposerStake(Rao),
    /// `gov_proposal_deposit`, at most 1,000,000 TAO.
    GovProposalDeposit(Rao),
    /// `gov_voting_period`, within [1, [`MAX_PERIOD`]].
    GovVotingPeriod(u64),
    /// `gov_execution_delay`, at most [`MAX_PERIOD`].
    GovExecutionDelay(u64),
    /// `gov_quorum`, at most [`PPB`].
    GovQuorum(u32),
    /// `gov_approval_threshold`, below [`PPB`] (so a proposal can pass).
    GovApprovalThreshold(u32),
    /// `gov_burn_below_ppb`, at most `gov_quorum`.
    GovBurnBelowPpb(u32),
    /// `treasury_fee_share`, at most [`PPB`].
    TreasuryFeeShare(u32),
    /// `gov_max_active_proposals`, within [1, 1024].
    GovMaxActiveProposals(u16),
    /// `slash_fraction_ppb`, within [1, [`MAX_SLASH_FRACTION_PPB`]].
    SlashFractionPpb(u32),
    /// `jail_epochs`, within [1, [`MAX_JAIL_EPOCHS`]].
    JailEpochs(u64),
    /// `missed_votes_jail_ppb`, within [[`MIN_MISSED_VOTES_JAIL_PPB`], [`PPB`]]: jailing must
    /// need more than a third of the votes missing, or a Byzantine third of the seats could
    /// jail honest seats by leaving their votes out of the blocks it proposes.
    MissedVotesJailPpb(u32),
    /// `query_miner_share_ppb`, at most [`PPB`].
    QueryMinerSharePpb(u32),
    /// `max_channel_duration`, within [1, [`MAX_PERIOD`]] blocks.
    MaxChannelDuration(u64),
    /// `max_block_bytes`, within [64 KiB, [`MAX_BLOCK_BYTES_LIMIT`]] and at least
    /// `max_transaction_bytes`.
    MaxBlockBytes(u32),
    /// `free_block_bytes_ppb`, at most [`PPB`].
    FreeBlockBytesPpb(u32),
}

/// Why a parameter value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("parameter {name} = {value} is out of bounds: {bound}")]
pub struct ParamError {
    /// The parameter.
    pub name: String,
    /// The value given.
    pub value: String,
    /// The rule it breaks.
    pub bound: String,
}

impl From<HyperparamError> for ParamError {
    fn from(e: HyperparamError) -> Self {
        ParamError {
            name: format!("default_hyperparams.{}", e.name),
            value: e.value,
            bound: e.bound.to_string(),
        }
    }
}

/// The names of every governance-settable parameter (`default_hyperparams.<name>` takes
/// any owner-settable hyperparameter name).
pub const PARAM_NAMES: &[&str] = &[
    "tx_base_fee",
    "tx_byte_fee",
    "existential_deposit",
    "min_stake",
    "unbonding_period",
    "subnet_owner_cut",
    "default_take",
    "min_take",
    "max_take",
    "take_increase_rate_limit",
    "network_min_lock",
    "network_lock_reduction_interval",
    "network_rate_limit",
    "subnet_limit",
    "initial_burn",
    "seat_count",
    "min_seat_stake",
    "root_max_uids",
    "root_tempo",
    "max_block_transactions",
    "max_transaction_bytes",
    "default_hyperparams.<name>",
    "gov_min_proposer_stake",
    "gov_proposal_deposit",
    "gov_voting_period",
    "gov_execution_delay",
    "gov_quorum",
    "gov_approval_threshold",
    "gov_burn_below_ppb",
    "treasury_fee_share",
    "gov_max_active_proposals",
    "slash_fraction_ppb",
    "jail_epochs",
    "missed_votes_jail_ppb",
    "query_miner_share_ppb",
    "max_channel_duration",
    "max_block_bytes",
    "free_block_bytes_ppb",
];

impl ParamUpdate {
    /// The parameter's name (`default_hyperparams.<name>` for hyperparameter defaults).
    pub fn name(&self) -> String {
        use ParamUpdate as P;
        let n = match self {
            P::TxBaseFee(_) => "tx_base_fee",
            P::TxByteFee(_) => "tx_byte_fee",
            P::ExistentialDeposit(_) => "existential_deposit",
            P::MinStake(_) => "min_stake",
            P::UnbondingPeriod(_) => "unbonding_period",
            P::SubnetOwnerCut(_) => "subnet_owner_cut",
            P::DefaultTake(_) => "default_take",
            P::MinTake(_) => "min_take",
            P::MaxTake(_) => "max_take",
            P::TakeIncreaseRateLimit(_) => "take_increase_rate_limit",
            P::NetworkMinLock(_) => "network_min_lock",
            P::NetworkLockReductionInterval(_) => "network_lock_reduction_interval",
            P::NetworkRateLimit(_) => "network_rate_limit",
            P::SubnetLimit(_) => "subnet_limit",
            P::InitialBurn(_) => "initial_burn",
            P::SeatCount(_) => "seat_count",
            P::MinSeatStake(_) => "min_seat_stake",
            P::RootMaxUids(_) => "root_max_uids",
            P::RootTempo(_) => "root_tempo",
            P::MaxBlockTransactions(_) => "max_block_transactions",
            P::MaxTransactionBytes(_) => "max_transaction_bytes",
            P::DefaultHyperparam(h) => return format!("default_hyperparams.{}", h.name()),
            P::GovMinProposerStake(_) => "gov_min_proposer_stake",
            P::GovProposalDeposit(_) => "gov_proposal_deposit",
            P::GovVotingPeriod(_) => "gov_voting_period",
            P::GovExecutionDelay(_) => "gov_execution_delay",
            P::GovQuorum(_) => "gov_quorum",
            P::GovApprovalThreshold(_) => "gov_approval_threshold",
            P::GovBurnBelowPpb(_) => "gov_burn_below_ppb",
            P::TreasuryFeeShare(_) => "treasury_fee_share",
            P::GovMaxActiveProposals(_) => "gov_max_active_proposals",
            P::SlashFractionPpb(_) => "slash_fraction_ppb",
            P::JailEpochs(_) => "jail_epochs",
            P::MissedVotesJailPpb(_) => "missed_votes_jail_ppb",
            P::QueryMinerSharePpb(_) => "query_miner_share_ppb",
            P::MaxChannelDuration(_) => "max_channel_duration",
            P::MaxBlockBytes(_) => "max_block_bytes",
            P::FreeBlockBytesPpb(_) => "free_block_bytes_ppb",
        };
        n.to_string()
    }

    /// The new value as text (amounts in TAO).
    pub fn value_text(&self) -> String {
        use ParamUpdate as P;
        match self {
            P::TxBaseFee(v)
            | P::TxByteFee(v)
            | P::ExistentialDeposit(v)
            | P::MinStake(v)
            | P::NetworkMinLock(v)
            | P::InitialBurn(v)
            | P::MinSeatStake(v)
            | P::GovMinProposerStake(v)
            | P::GovProposalDeposit(v) => v.to_tao_compact(),
            P::UnbondingPeriod(v)
            | P::TakeIncreaseRateLimit(v)
            | P::NetworkLockReductionInterval(v)
            | P::NetworkRateLimit(v)
            | P::GovVotingPeriod(v)
            | P::GovExecutionDelay(v)
            | P::JailEpochs(v)
            | P::MaxChannelDuration(v) => v.to_string(),
            P::SubnetOwnerCut(v)
            | P::DefaultTake(v)
            | P::MinTake(v)
            | P::MaxTake(v)
            | P::SubnetLimit(v)
            | P::SeatCount(v)
            | P::RootMaxUids(v)
            | P::RootTempo(v)
            | P::GovMaxActiveProposals(v) => v.to_string(),
            P::MaxBlockTransactions(v)
            | P::MaxTransactionBytes(v)
            | P::GovQuorum(v)
            | P::GovApprovalThreshold(v)
            | P::GovBurnBelowPpb(v)
            | P::TreasuryFeeShare(v)
            | P::SlashFractionPpb(v)
            | P::MissedVotesJailPpb(v)
            | P::MaxBlockBytes(v)
            | P::FreeBlockBytesPpb(v)
            | P::QueryMinerSharePpb(v) => v.to_string(),
            P::DefaultHyperparam(HyperparamUpdate::MinBurn(v) | HyperparamUpdate::MaxBurn(v)) => {
                v.to_tao_compact()
            }
            P::DefaultHyperparam(h) => {
                // `Tempo(20)` → `20`, `AlphaValues(1, 2)` → `1, 2`.
                let d = format!("{h:?}");
                match d.split_once('(') {
                    Some((_, rest)) => rest.strip_suffix(')').unwrap_or(rest).to_string(),
                    None => d,
                }
            }
        }
    }

    /// Checks the bounds against `p` and applies the change to it. On error `p` is
    /// unchanged.
    pub fn apply(&self, p: &mut ChainParams) -> Result<(), ParamError> {
        use ParamUpdate as P;
        let fail = |bound: &str| ParamError {
            name: self.name(),
            value: self.value_text(),
            bound: bound.to_string(),
        };
        let check = |ok: bool, bound: &str| if ok { Ok(()) } else { Err(fail(bound)) };
        let tao = |t: u64| Rao(t.saturating_mul(RAO_PER_TAO));
        match *self {
            P::TxBaseFee(v) => {
                check(v <= tao(1), "at most 1 TAO")?;
                p.tx_base_fee = v;
            }
            P::TxByteFee(v) => {
                check(v <= Rao(RAO_PER_TAO / 100), "at most 0.01 TAO per byte")?;
                p.tx_byte_fee = v;
            }
            P::ExistentialDeposit(v) => {
                check(v <= tao(1), "at most 1 TAO")?;
                p.existential_deposit = v;
            }
            P::MinStake(v) => {
                check(v <= tao(1_000), "at most 1,000 TAO")?;
                p.min_stake = v;
            }
            P::UnbondingPeriod(v) => {
                check(v <= MAX_PERIOD, "at most 10,000,000 blocks")?;
                p.unbonding_period = v;
            }
            P::SubnetOwnerCut(v) => {
                check(v <= u16::MAX / 2, "at most 32,767 (50%)")?;
                p.subnet_owner_cut = v;
            }
            P::DefaultTake(v) => {
                check(
                    p.min_take <= v && v <= p.max_take,
                    "within [min_take, max_take]",
                )?;
                p.default_take = v;
            }
            P::MinTake(v) => {
                check(v <= p.default_take, "at most default_take")?;
                p.min_take = v;
            }
            P::MaxTake(v) => {
                check(v >= p.default_take, "at least default_take")?;
                p.max_take = v;
            }
            P::TakeIncreaseRateLimit(v) => {
                check(v <= MAX_PERIOD, "at most 10,000,000 blocks")?;
                p.take_increase_rate_limit = v;
            }
            P::NetworkMinLock(v) => {
                check(
                    v >= Rao(RAO_PER_TAO / 10) && v <= tao(1_000_000),
                    "within [0.1, 1,000,000] TAO",
                )?;
                p.network_min_lock = v;
            }
            P::NetworkLockReductionInterval(v) => {
                check(
                    (1..=MAX_PERIOD).contains(&v),
                    "within [1, 10,000,000] blocks",
                )?;
                p.network_lock_reduction_interval = v;
            }
            P::NetworkRateLimit(v) => {
                check(v <= MAX_PERIOD, "at most 10,000,000 blocks")?;
                p.network_rate_limit = v;
            }
            P::SubnetLimit(v) => {
                check((1..=1024).contains(&v), "within [1, 1024]")?;
                p.subnet_limit = v;
            }
            P::InitialBurn(v) => {
                check(v <= tao(1_000), "at most 1,000 TAO")?;
                p.initial_burn = v;
            }
            P::SeatCount(v) => {
                check((1..=1024).contains(&v), "within [1, 1024]")?;
                p.seat_count = v;
            }
            P::MinSeatStake(v) => {
                check(v <= MAX_SUPPLY, "at most the 21M TAO supply")?;
                p.min_seat_stake = v;
            }
            P::RootMaxUids(v) => {
                check((1..=MAX_UIDS_LIMIT).contains(&v), "within [1, 4096]")?;
                p.root_max_uids = v;
            }
            P::RootTempo(v) => {
                check((1..=MAX_TEMPO).contains(&v), "within [1, 50,400] blocks")?;
                p.root_tempo = v;
            }
            P::MaxBlockTransactions(v) => {
                check(
                    (1..=MAX_BLOCK_TRANSACTIONS_LIMIT).contains(&v),
                    "within [1, 20,000] (the most a block decoder accepts)",
                )?;
                p.max_block_transactions = v;
            }
            P::MaxTransactionBytes(v) => {
                check(
                    (4096..=4 * 1024 * 1024).contains(&v) && v <= p.max_block_bytes,
                    "within [4 KiB, 4 MiB] and at most max_block_bytes",
                )?;
                p.max_transaction_bytes = v;
            }
            P::DefaultHyperparam(ref h) => {
                let mut hp = p.default_hyperparams.clone();
                h.apply(&mut hp)?;
                p.default_hyperparams = hp;
            }
            P::GovMinProposerStake(v) => {
                check(v <= MAX_SUPPLY, "at most the 21M TAO supply")?;
                p.gov_min_proposer_stake = v;
            }
            P::GovProposalDeposit(v) => {
                check(v <= tao(1_000_000), "at most 1,000,000 TAO")?;
                p.gov_proposal_deposit = v;
            }
            P::GovVotingPeriod(v) => {
                check(
                    (1..=MAX_PERIOD).contains(&v),
                    "within [1, 10,000,000] blocks",
                )?;
                p.gov_voting_period = v;
            }
            P::GovExecutionDelay(v) => {
                check(v <= MAX_PERIOD, "at most 10,000,000 blocks")?;
                p.gov_execution_delay = v;
            }
            P::GovQuorum(v) => {
                check(
                    v <= PPB && v >= p.gov_burn_below_ppb,
                    "within [gov_burn_below_ppb, 1,000,000,000] ppb",
                )?;
                p.gov_quorum = v;
            }
            P::GovApprovalThreshold(v) => {
                check(v < PPB, "below 1,000,000,000 ppb")?;
                p.gov_approval_threshold = v;
            }
            P::GovBurnBelowPpb(v) => {
                check(v <= p.gov_quorum, "at most gov_quorum")?;
                p.gov_burn_below_ppb = v;
            }
            P::TreasuryFeeShare(v) => {
                check(v <= PPB, "at most 1,000,000,000 ppb")?;
                p.treasury_fee_share = v;
            }
            P::GovMaxActiveProposals(v) => {
                check((1..=1024).contains(&v), "within [1, 1024]")?;
                p.gov_max_active_proposals = v;
            }
            P::SlashFractionPpb(v) => {
                check(
                    (1..=MAX_SLASH_FRACTION_PPB).contains(&v),
                    "within [1, 1,000,000,000] ppb",
                )?;
                p.slash_fraction_ppb = v;
            }
            P::JailEpochs(v) => {
                check(
                    (1..=MAX_JAIL_EPOCHS).contains(&v),
                    "within [1, 100,000] consensus epochs",
                )?;
                p.jail_epochs = v;
            }
            P::MissedVotesJailPpb(v) => {
                check(
                    (MIN_MISSED_VOTES_JAIL_PPB..=PPB).contains(&v),
                    "within [333,333,334, 1,000,000,000] ppb (more than a third of the votes, so a Byzantine third cannot jail honest seats)",
                )?;
                p.missed_votes_jail_ppb = v;
            }
            P::QueryMinerSharePpb(v) => {
                check(v <= PPB, "at most 1,000,000,000 ppb")?;
                p.query_miner_share_ppb = v;
            }
            P::MaxChannelDuration(v) => {
                check(
                    (1..=MAX_PERIOD).contains(&v),
                    "within [1, 10,000,000] blocks",
                )?;
                p.max_channel_duration = v;
            }
            P::MaxBlockBytes(v) => {
                check(
                    (64 * 1024..=MAX_BLOCK_BYTES_LIMIT).contains(&v)
                        && v >= p.max_transaction_bytes,
                    "within [64 KiB, 7 MiB] (what the block codec accepts) and at least max_transaction_bytes",
                )?;
                p.max_block_bytes = v;
            }
            P::FreeBlockBytesPpb(v) => {
                check(v <= PPB, "at most 1,000,000,000 ppb")?;
                p.free_block_bytes_ppb = v;
            }
        }
        Ok(())
    }

    fn tag(&self) -> u8 {
        use ParamUpdate as P;
        match self {
            P::TxBaseFee(_) => 0,
            P::TxByteFee(_) => 1,
            P::ExistentialDeposit(_) => 2,
            P::MinStake(_) => 3,
            P::UnbondingPeriod(_) => 4,
            P::SubnetOwnerCut(_) => 5,
            P::DefaultTake(_) => 6,
            P::MinTake(_) => 7,
            P::MaxTake(_) => 8,
            P::TakeIncreaseRateLimit(_) => 9,
            P::NetworkMinLock(_) => 10,
            P::NetworkLockReductionInterval(_) => 11,
            P::NetworkRateLimit(_) => 12,
            P::SubnetLimit(_) => 13,
            P::InitialBurn(_) => 14,
            P::SeatCount(_) => 15,
            P::MinSeatStake(_) => 16,
            P::RootMaxUids(_) => 17,
            P::RootTempo(_) => 18,
            P::MaxBlockTransactions(_) => 19,
            P::MaxTransactionBytes(_) => 20,
            P::DefaultHyperparam(_) => 21,
            P::GovMinProposerStake(_) => 22,
            P::GovProposalDeposit(_) => 23,
            P::GovVotingPeriod(_) => 24,
            P::GovExecutionDelay(_) => 25,
            P::GovQuorum(_) => 26,
            P::GovApprovalThreshold(_) => 27,
            P::GovBurnBelowPpb(_) => 28,
            P::TreasuryFeeShare(_) => 29,
            P::GovMaxActiveProposals(_) => 30,
            P::SlashFractionPpb(_) => 31,
            P::JailEpochs(_) => 32,
            P::MissedVotesJailPpb(_) => 33,
            P::QueryMinerSharePpb(_) => 34,
            P::MaxChannelDuration(_) => 35,
            P::MaxBlockBytes(_) => 36,
            P::FreeBlockBytesPpb(_) => 37,
        }
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

impl Write for ParamUpdate {
    fn write(&self, buf: &mut impl BufMut) {
        use ParamUpdate as P;
        self.tag().write(buf);
        match self {
            P::TxBaseFee(v)
            | P::TxByteFee(v)
            | P::ExistentialDeposit(v)
            | P::MinStake(v)
            | P::NetworkMinLock(v)
            | P::InitialBurn(v)
            | P::MinSeatStake(v)
            | P::GovMinProposerStake(v)
            | P::GovProposalDeposit(v) => v.write(buf),
            P::UnbondingPeriod(v)
            | P::TakeIncreaseRateLimit(v)
            | P::NetworkLockReductionInterval(v)
            | P::NetworkRateLimit(v)
            | P::GovVotingPeriod(v)
            | P::GovExecutionDelay(v)
            | P::JailEpochs(v)
            | P::MaxChannelDuration(v) => v.write(buf),
            P::SubnetOwnerCut(v)
            | P::DefaultTake(v)
            | P::MinTake(v)
            | P::MaxTake(v)
            | P::SubnetLimit(v)
            | P::SeatCount(v)
            | P::RootMaxUids(v)
            | P::RootTempo(v)
            | P::GovMaxActiveProposals(v) => v.write(buf),
            P::MaxBlockTransactions(v)
            | P::MaxTransactionBytes(v)
            | P::GovQuorum(v)
            | P::GovApprovalThreshold(v)
            | P::GovBurnBelowPpb(v)
            | P::TreasuryFeeShare(v)
            | P::SlashFractionPpb(v)
            | P::MissedVotesJailPpb(v)
            | P::MaxBlockBytes(v)
            | P::FreeBlockBytesPpb(v)
            | P::QueryMinerSharePpb(v) => v.write(buf),
            P::DefaultHyperparam(h) => h.write(buf),
        }
    }
}

impl EncodeSize for ParamUpdate {
    fn encode_size(&self) -> usize {
        use ParamUpdate as P;
        1 + match self {
            P::SubnetOwnerCut(_)
            | P::DefaultTake(_)
            | P::MinTake(_)
            | P::MaxTake(_)
            | P::SubnetLimit(_)
            | P::SeatCount(_)
            | P::RootMaxUids(_)
            | P::RootTempo(_)
            | P::GovMaxActiveProposals(_) => 2,
            P::MaxBlockTransactions(_)
            | P::MaxTransactionBytes(_)
            | P::GovQuorum(_)
            | P::GovApprovalThreshold(_)
            | P::GovBurnBelowPpb(_)
            | P::TreasuryFeeShare(_)
            | P::SlashFractionPpb(_)
            | P::MissedVotesJailPpb(_)
            | P::MaxBlockBytes(_)
            | P::FreeBlockBytesPpb(_)
            | P::QueryMinerSharePpb(_) => 4,
            P::DefaultHyperparam(h) => h.encode_size(),
            _ => 8,
        }
    }
}

impl Read for ParamUpdate {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        use ParamUpdate as P;
        Ok(match u8::read(buf)? {
            0 => P::TxBaseFee(Rao::read(buf)?),
            1 => P::TxByteFee(Rao::read(buf)?),
            2 => P::ExistentialDeposit(Rao::read(buf)?),
            3 => P::MinStake(Rao::read(buf)?),
            4 => P::UnbondingPeriod(u64::read(buf)?),
            5 => P::SubnetOwnerCut(u16::read(buf)?),
            6 => P::DefaultTake(u16::read(buf)?),
            7 => P::MinTake(u16::read(buf)?),
            8 => P::MaxTake(u16::read(buf)?),
            9 => P::TakeIncreaseRateLimit(u64::read(buf)?),
            10 => P::NetworkMinLock(Rao::read(buf)?),
            11 => P::NetworkLockReductionInterval(u64::read(buf)?),
            12 => P::NetworkRateLimit(u64::read(buf)?),
            13 => P::SubnetLimit(u16::read(buf)?),
            14 => P::InitialBurn(Rao::read(buf)?),
            15 => P::SeatCount(u16::read(buf)?),
            16 => P::MinSeatStake(Rao::read(buf)?),
            17 => P::RootMaxUids(u16::read(buf)?),
            18 => P::RootTempo(u16::read(buf)?),
            19 => P::MaxBlockTransactions(u32::read(buf)?),
            20 => P::MaxTransactionBytes(u32::read(buf)?),
            21 => P::DefaultHyperparam(HyperparamUpdate::read(buf)?),
            22 => P::GovMinProposerStake(Rao::read(buf)?),
            23 => P::GovProposalDeposit(Rao::read(buf)?),
            24 => P::GovVotingPeriod(u64::read(buf)?),
            25 => P::GovExecutionDelay(u64::read(buf)?),
            26 => P::GovQuorum(u32::read(buf)?),
            27 => P::GovApprovalThreshold(u32::read(buf)?),
            28 => P::GovBurnBelowPpb(u32::read(buf)?),
            29 => P::TreasuryFeeShare(u32::read(buf)?),
            30 => P::GovMaxActiveProposals(u16::read(buf)?),
            31 => P::SlashFractionPpb(u32::read(buf)?),
            32 => P::JailEpochs(u64::read(buf)?),
            33 => P::MissedVotesJailPpb(u32::read(buf)?),
            34 => P::QueryMinerSharePpb(u32::read(buf)?),
            35 => P::MaxChannelDuration(u64::read(buf)?),
            36 => P::MaxBlockBytes(u32::read(buf)?),
            37 => P::FreeBlockBytesPpb(u32::read(buf)?),
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// What a proposal does if it passes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalAction {
    /// Change chain parameters (applied in order, all or nothing).
    SetParams(Vec<ParamUpdate>),
    /// Pay `amount` from the treasury to `to`.
    TreasurySpend {
        /// Recipient.
        to: AccountId,
        /// Amount.
        amount: Rao,
    },
    /// A signalling proposal: nothing is executed.
    Text,
}

impl Write for ProposalAction {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            ProposalAction::SetParams(u) => {
                0u8.write(buf);
                u.write(buf);
            }
            ProposalAction::TreasurySpend { to, amount } => {
                1u8.write(buf);
                to.write(buf);
                amount.write(buf);
            }
            ProposalAction::Text => 2u8.write(buf),
        }
    }
}

impl EncodeSize for ProposalAction {
    fn encode_size(&self) -> usize {
        1 + match self {
            ProposalAction::SetParams(u) => u.encode_size(),
            ProposalAction::TreasurySpend { .. } => 40,
            ProposalAction::Text => 0,
        }
    }
}

impl Read for ProposalAction {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => ProposalAction::SetParams(read_vec(buf, MAX_PARAM_UPDATES)?),
            1 => ProposalAction::TreasurySpend {
                to: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            },
            2 => ProposalAction::Text,
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// In favour.
    Aye,
    /// Against.
    Nay,
    /// Counts towards the quorum only.
    Abstain,
}

impl VoteKind {
    /// `aye`, `nay` or `abstain`.
    pub fn as_str(&self) -> &'static str {
        match self {
            VoteKind::Aye => "aye",
            VoteKind::Nay => "nay",
            VoteKind::Abstain => "abstain",
        }
    }
}

impl Write for VoteKind {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            VoteKind::Aye => 0,
            VoteKind::Nay => 1,
            VoteKind::Abstain => 2,
        };
        tag.write(buf);
    }
}

impl EncodeSize for VoteKind {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for VoteKind {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => VoteKind::Aye,
            1 => VoteKind::Nay,
            2 => VoteKind::Abstain,
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A coldkey's vote on a proposal (a state record; the last vote cast counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    /// The vote.
    pub vote: VoteKind,
    /// Block it was cast (or last changed).
    pub block: BlockNumber,
}

crate::plain_codec!(VoteRecord {
    vote: VoteKind,
    block: BlockNumber,
});

/// Stake counted for a proposal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Stake voting aye (direct and delegated).
    pub aye: Rao,
    /// Stake voting nay.
    pub nay: Rao,
    /// Stake abstaining.
    pub abstain: Rao,
    /// Total stake of the chain when counted.
    pub total_stake: Rao,
    /// Turnout ≥ quorum.
    pub quorum_met: bool,
    /// Quorum met and aye / (aye + nay) > threshold.
    pub approved: bool,
}

crate::plain_codec!(Tally {
    aye: Rao,
    nay: Rao,
    abstain: Rao,
    total_stake: Rao,
    quorum_met: bool,
    approved: bool,
});

impl Tally {
    /// aye + nay + abstain.
    pub fn turnout(&self) -> u128 {
        u128::from(self.aye.0) + u128::from(self.nay.0) + u128::from(self.abstain.0)
    }
}

/// Where a proposal is in its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum ProposalStatus {
    /// Open for votes.
    Voting,
    /// Approved; waiting for its execution block.
    Passed,
    /// Quorum met but not approved.
    Rejected,
    /// Executed.
    Executed,
    /// Approved, but its execution failed (the reason is recorded).
    Failed(String),
    /// The quorum was not reached.
    Expired,
    /// Withdrawn by the proposer before any vote.
    Cancelled,
}

impl ProposalStatus {
    /// A short lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalStatus::Voting => "voting",
            ProposalStatus::Passed => "passed",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Executed => "executed",
            ProposalStatus::Failed(_) => "failed",
            ProposalStatus::Expired => "expired",
            ProposalStatus::Cancelled => "cancelled",
        }
    }
}

impl Write for ProposalStatus {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            ProposalStatus::Voting => 0,
            ProposalStatus::Passed => 1,
            ProposalStatus::Rejected => 2,
            ProposalStatus::Executed => 3,
            ProposalStatus::Failed(_) => 4,
            ProposalStatus::Expired => 5,
            ProposalStatus::Cancelled => 6,
        };
        tag.write(buf);
        if let ProposalStatus::Failed(reason) = self {
            write_str(reason, buf);
        }
    }
}

impl EncodeSize for ProposalStatus {
    fn encode_size(&self) -> usize {
        1 + match self {
            ProposalStatus::Failed(reason) => str_size(reason),
            _ => 0,
        }
    }
}

impl Read for ProposalStatus {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => ProposalStatus::Voting,
            1 => ProposalStatus::Passed,
            2 => ProposalStatus::Rejected,
            3 => ProposalStatus::Executed,
            4 => ProposalStatus::Failed(read_str(buf, MAX_REASON)?),
            5 => ProposalStatus::Expired,
            6 => ProposalStatus::Cancelled,
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A proposal (a state record, kept after it closes as the governance history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its id (0, 1, 2, … in submission order).
    pub id: u64,
    /// The proposing coldkey.
    pub proposer: AccountId,
    /// What it does.
    pub action: ProposalAction,
    /// Why.
    pub description: String,
    /// Deposit reserved from the proposer.
    pub deposit: Rao,
    /// Whether the deposit was burned at the tally (else it was returned).
    pub deposit_burned: bool,
    /// Block it was submitted.
    pub submitted: BlockNumber,
    /// Last block of its voting period (the tally runs at its end).
    pub voting_ends: BlockNumber,
    /// Block at whose end it executes if passed.
    pub execute_at: BlockNumber,
    /// Status.
    pub status: ProposalStatus,
    /// The final tally (set at the end of the voting period).
    pub tally: Option<Tally>,
}

impl Write for Proposal {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        self.proposer.write(buf);
        self.action.write(buf);
        write_str(&self.description, buf);
        self.deposit.write(buf);
        self.deposit_burned.write(buf);
        self.submitted.write(buf);
        self.voting_ends.write(buf);
        self.execute_at.write(buf);
        self.status.write(buf);
        self.tally.write(buf);
    }
}

impl EncodeSize for Proposal {
    fn encode_size(&self) -> usize {
        8 + 32
            + self.action.encode_size()
            + str_size(&self.description)
            + 8
            + 1
            + 8 * 3
            + self.status.encode_size()
            + self.tally.encode_size()
    }
}

impl Read for Proposal {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Proposal {
            id: u64::read(buf)?,
            proposer: AccountId::read(buf)?,
            action: ProposalAction::read(buf)?,
            description: read_str(buf, MAX_DESCRIPTION)?,
            deposit: Rao::read(buf)?,
            deposit_burned: bool::read(buf)?,
            submitted: u64::read(buf)?,
            voting_ends: u64::read(buf)?,
            execute_at: u64::read(buf)?,
            status: ProposalStatus::read(buf)?,
            tally: Option::<Tally>::read(buf)?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{DecodeExt, Encode};

    #[test]
    fn treasury_account_is_fixed() {
        assert_eq!(treasury_account().0, Hash::digest(b"taonet/treasury").0);
    }

    #[test]
    fn updates_round_trip_and_check_bounds() {
        let mut p = ChainParams::default();
        for u in [
            ParamUpdate::TxBaseFee(Rao(5)),
            ParamUpdate::UnbondingPeriod(9),
            ParamUpdate::SeatCount(7),
            ParamUpdate::GovQuorum(300_000_000),
            ParamUpdate::DefaultHyperparam(HyperparamUpdate::Tempo(20)),
            ParamUpdate::SlashFractionPpb(100_000_000),
            ParamUpdate::JailEpochs(3),
            ParamUpdate::MissedVotesJailPpb(PPB),
            ParamUpdate::QueryMinerSharePpb(250_000_000),
            ParamUpdate::MaxChannelDuration(100),
        ] {
            let bytes = u.encode();
            assert_eq!(bytes.len(), u.encode_size());
            assert_eq!(ParamUpdate::decode(bytes).unwrap(), u);
            u.apply(&mut p).unwrap();
        }
        assert_eq!(p.tx_base_fee, Rao(5));
        assert_eq!(
            ParamUpdate::DefaultHyperparam(HyperparamUpdate::AlphaValues(1, 2)).value_text(),
            "1, 2"
        );
        assert_eq!(
            ParamUpdate::DefaultHyperparam(HyperparamUpdate::MinBurn(Rao(500_000_000)))
                .value_text(),
            "0.5"
        );
        assert_eq!(p.default_hyperparams.tempo, 20);
        assert_eq!(
            (p.slash_fraction_ppb, p.jail_epochs, p.missed_votes_jail_ppb),
            (100_000_000, 3, PPB)
        );
        assert!(
            ParamUpdate::SlashFractionPpb(PPB + 1)
                .apply(&mut p)
                .is_err()
        );
        assert!(ParamUpdate::JailEpochs(0).apply(&mut p).is_err());
        assert_eq!(
            (p.query_miner_share_ppb, p.max_channel_duration),
            (250_000_000, 100)
        );
        assert!(
            ParamUpdate::QueryMinerSharePpb(PPB + 1)
                .apply(&mut p)
                .is_err()
        );
        assert!(ParamUpdate::MaxChannelDuration(0).apply(&mut p).is_err());
        assert!(PARAM_NAMES.contains(&"query_miner_share_ppb"));
        assert_eq!(ParamUpdate::JailEpochs(4).name(), "jail_epochs");
        assert!(PARAM_NAMES.contains(&"slash_fraction_ppb"));
        let e = ParamUpdate::SeatCount(0).apply(&mut p).unwrap_err();
        assert_eq!(e.name, "seat_count");
        assert!(
            ParamUpdate::GovApprovalThreshold(PPB)
                .apply(&mut p)
                .is_err()
        );
        assert!(ParamUpdate::MaxTake(0).apply(&mut p).is_err());
        let e = ParamUpdate::DefaultHyperparam(HyperparamUpdate::Tempo(1))
            .apply(&mut p)
            .unwrap_err();
        assert_eq!(e.name, "default_hyperparams.tempo");
        let before = p.clone();
        assert!(apply_all(&p, &[ParamUpdate::SeatCount(3), ParamUpdate::SeatCount(0)]).is_err());
        assert_eq!(p, before);
    }

    #[test]
    fn proposals_round_trip() {
        let prop = Proposal {
            id: 3,
            proposer: AccountId([1; 32]),
            action: ProposalAction::SetParams(vec![ParamUpdate::TxByteFee(Rao(1))]),
            description: "cheaper bytes".into(),
            deposit: Rao(10),
            deposit_burned: false,
            submitted: 1,
            voting_ends: 2,
            execute_at: 3,
            status: ProposalStatus::Failed("no".into()),
            tally: Some(Tally::default()),
        };
        let bytes = prop.encode();
        assert_eq!(bytes.len(), prop.encode_size());
        assert_eq!(Proposal::decode(bytes).unwrap(), prop);
        let json = serde_json::to_string(&prop).unwrap();
        assert_eq!(serde_json::from_str::<Proposal>(&json).unwrap(), prop);
    }
}
