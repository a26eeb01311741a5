//! Errors of the runtime, by layer.
//!
//! Each module owns the error enum of its rules, beside them: [`BalancesError`] in
//! [`crate::balances`], [`StakingError`] in [`crate::staking`], [`SubnetError`] in
//! [`crate::subnets`], [`NeuronError`] in [`crate::neurons`], [`WeightsError`] in
//! [`crate::weights`], [`ConsensusError`] in [`crate::seats`], [`GovernanceError`] in
//! [`crate::governance`], [`SlashingError`] in [`crate::slashing`], [`EvidenceError`] in
//! [`crate::evidence`], [`LivenessError`] in [`crate::liveness`], [`ChannelError`] in
//! [`crate::channels`], [`CommitmentError`] in [`crate::commitments`], [`IdentityError`] in
//! [`crate::identity`] and [`KeySwapError`] in [`crate::keyswap`]. They are re-exported here, so `taonet_runtime::error::*` names every
//! error. This module keeps only the envelopes that compose them:
//!
//! - [`TxInvalid`]: a transaction that may not be included in a block at all (bad signature,
//!   wrong nonce, cannot pay its fee, a free call from an unregistered hotkey, over its rate
//!   limit or whose call fails). A block containing one is invalid.
//! - [`DispatchError`]: a valid transaction whose call failed. It is included, pays its fee,
//!   bumps the nonce and changes nothing else; its receipt records this error, tagged with
//!   the module whose rule refused it.
//! - [`BlockError`]: why a block was rejected.

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Hash, NetUid, Rao};

pub use crate::balances::BalancesError;
pub use crate::channels::ChannelError;
pub use crate::commitments::CommitmentError;
pub use crate::evidence::EvidenceError;
pub use crate::governance::GovernanceError;
pub use crate::identity::IdentityError;
pub use crate::keyswap::KeySwapError;
pub use crate::liveness::LivenessError;
pub use crate::neurons::NeuronError;
pub use crate::seats::ConsensusError;
pub use crate::slashing::SlashingError;
pub use crate::staking::StakingError;
pub use crate::subnets::SubnetError;
pub use crate::weights::WeightsError;

/// Why a transaction cannot be included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum TxInvalid {
    /// The signature does not verify for this chain.
    #[error(
        "bad signature: it does not verify for this signer on this chain (wrong key, wrong chain id or tampered transaction)"
    )]
    BadSignature,
    /// The nonce is not the signer's next nonce.
    #[error("wrong nonce {got}: the signer's next nonce is {expected}")]
    Nonce {
        /// The signer's next nonce.
        expected: u64,
        /// The nonce in the transaction.
        got: u64,
    },
    /// The fee is above the signer's limit.
    #[error("fee {fee} TAO exceeds the transaction's fee limit {limit} TAO")]
    FeeLimit {
        /// The fee the transaction would pay (tip included).
        fee: Rao,
        /// The transaction's `fee_limit`.
        limit: Rao,
    },
    /// The signer cannot pay the fee.
    #[error("the signer's free balance {free} TAO cannot pay the fee {fee} TAO")]
    CannotPayFee {
        /// The fee the transaction would pay (tip included).
        fee: Rao,
        /// The signer's free balance.
        free: Rao,
    },
    /// The encoded transaction is too large.
    #[error("transaction is {size} bytes; the limit is {max}")]
    TooLarge {
        /// The encoded transaction's size in bytes.
        size: usize,
        /// The largest transaction accepted, in bytes.
        max: usize,
    },
    /// A free call must be signed by a hotkey registered on the subnet.
    #[error("free call from a hotkey that is not registered on subnet {netuid}")]
    HotkeyNotRegistered {
        /// The subnet the call is about.
        netuid: NetUid,
    },
    /// A free call over its rate limit.
    #[error("{what} is rate-limited: next allowed at block {next}")]
    RateLimited {
        /// What the signer tried to do too often ("setting weights", "serving the axon",
        /// "committing data").
        what: &'static str,
        /// First block at which it is allowed.
        next: BlockNumber,
    },
    /// Free calls pay no fee, so they carry no tip.
    #[error(
        "a free call (weights, serving, commitments) carries a tip of {0} TAO; free calls must have tip 0"
    )]
    TipOnFreeCall(Rao),
    /// A free call whose call fails is never included (it would take block space for free).
    #[error("free call refused: {0}")]
    FreeCallFailed(DispatchError),
}

/// Why a call failed (its transaction is still included and pays its fee).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "module", content = "error", rename_all = "snake_case")]
pub enum DispatchError {
    /// Refused by a balances rule ([`crate::balances`]).
    #[error(transparent)]
    Balances(#[from] BalancesError),
    /// Refused by a staking rule ([`crate::staking`]).
    #[error(transparent)]
    Staking(#[from] StakingError),
    /// Refused by a subnet rule ([`crate::subnets`]).
    #[error(transparent)]
    Subnets(#[from] SubnetError),
    /// Refused by a registration or serving rule ([`crate::neurons`]).
    #[error(transparent)]
    Neurons(#[from] NeuronError),
    /// Refused by a weights rule ([`crate::weights`]).
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// Refused by a consensus-key rule ([`crate::seats`]).
    #[error(transparent)]
    Consensus(#[from] ConsensusError),
    /// Refused by a governance rule ([`crate::governance`]).
    #[error(transparent)]
    Governance(#[from] GovernanceError),
    /// Refused by a slashing or jailing rule ([`crate::slashing`]).
    #[error(transparent)]
    Slashing(#[from] SlashingError),
    /// Equivocation evidence refused ([`crate::evidence`]).
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// Refused by a payment-channel rule ([`crate::channels`]).
    #[error(transparent)]
    Channels(#[from] ChannelError),
    /// Refused by a commitment rule ([`crate::commitments`]).
    #[error(transparent)]
    Commitments(#[from] CommitmentError),
    /// Refused by an identity rule ([`crate::identity`]).
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Refused by a key swap rule ([`crate::keyswap`]).
    #[error(transparent)]
    KeySwap(#[from] KeySwapError),
}

/// Why a block was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BlockError {
    /// Height is not parent + 1.
    #[error("block height {got} does not follow the parent's height (expected {expected})")]
    Height {
        /// The parent's height plus one.
        expected: BlockNumber,
        /// The block's height.
        got: BlockNumber,
    },
    /// The block's parent is not the last block the state applied.
    #[error("block's parent {got} is not the state's last block {expected}")]
    Parent {
        /// The hash of the state's last block.
        expected: Hash,
        /// The parent hash in the block's header.
        got: Hash,
    },
    /// Timestamp not after the parent's.
    #[error("block timestamp {got} ms is not after the parent's {parent} ms")]
    Timestamp {
        /// The parent's timestamp, in ms.
        parent: u64,
        /// The block's timestamp, in ms.
        got: u64,
    },
    /// The proposer (the field, a hotkey) holds no seat in the block's consensus epoch.
    #[error("proposer {0} holds no seat in this consensus epoch")]
    UnknownProposer(AccountId),
    /// More transactions than a block may carry.
    #[error("block has {got} transactions; the limit is {max}")]
    TooManyTransactions {
        /// The number of transactions in the block.
        got: usize,
        /// The most a block may carry.
        max: usize,
    },
    /// The transactions take more bytes than the block budget.
    #[error("block carries {got} bytes of transactions; the limit is max_block_bytes = {max}")]
    TooManyBytes {
        /// The encoded size of the block's transactions, in bytes.
        got: usize,
        /// `max_block_bytes`.
        max: usize,
    },
    /// Free calls take more than their share of the block budget.
    #[error(
        "block carries {got} bytes of free calls; their share of the block is at most {max} bytes (free_block_bytes_ppb)"
    )]
    TooManyFreeBytes {
        /// The encoded size of the block's free calls, in bytes.
        got: usize,
        /// Their share of `max_block_bytes` (`free_block_bytes_ppb`), in bytes.
        max: usize,
    },
    /// The block carries a transaction that may not be included.
    #[error("transaction {index} is invalid: {error}")]
    InvalidTransaction {
        /// The transaction's index in the block.
        index: usize,
        /// Why it may not be included.
        error: TxInvalid,
    },
    /// The state root after executing the block differs from the one it declares.
    #[error("state root mismatch: the block says {declared}, execution gives {computed}")]
    StateRoot {
        /// The state root in the block's header.
        declared: Hash,
        /// The state root after executing the block here.
        computed: Hash,
    },
    /// The seat set the block carries differs from the one the runtime elected.
    #[error("the block's seat set differs from the runtime's election")]
    Seats,
    /// The parent votes the block carries are refused ([`crate::liveness`]).
    #[error("invalid parent votes: {0}")]
    ParentVotes(#[from] LivenessError),
    /// The block carries another protocol version than the one its height runs under
    /// ([`crate::upgrade`]).
    #[error(
        "the block says protocol v{got}; a block at its height runs under protocol v{expected}"
    )]
    Version {
        /// The version the block's height runs under.
        expected: u32,
        /// The version the block carries.
        got: u32,
    },
    /// The chain moved to a protocol version this build cannot run ([`crate::upgrade`]).
    #[error(
        "this chain moved to protocol v{version} at height {height}{}: this taonet runs protocol v{supported} at most; install a taonet release that runs protocol v{version} and restart the node",
        if name.is_empty() { String::new() } else { format!(" (upgrade \"{name}\")") }
    )]
    UnsupportedVersion {
        /// The version the chain moved to.
        version: u32,
        /// The height it took effect at.
        height: BlockNumber,
        /// The upgrade's name.
        name: String,
        /// The newest version this build runs.
        supported: u32,
    },
    /// An invariant ([`crate::invariants`]) failed after the block; the text says which (a
    /// bug).
    #[error("invariant violated after the block: {0}")]
    Invariant(String),
}
