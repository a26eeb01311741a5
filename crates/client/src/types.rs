//! The JSON shapes of the node's RPC (shared by the server and this client).
//!
//! Addresses are SS58 strings; amounts are integers of rao (1 TAO = 10⁹ rao); hashes and keys
//! are `0x`-hex.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use taonet_types::{Hash, Rao, SeatSet, SubnetHyperparams};

/// A block's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadInfo {
    /// The block's height (genesis is 0).
    pub height: u64,
    /// Block hash.
    pub hash: Hash,
    /// State root after the block.
    pub state_root: Hash,
    /// Block time (ms since the Unix epoch).
    pub timestamp_ms: u64,
}

/// A transaction inside a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxSummary {
    /// The transaction's hash (of its signed encoding).
    pub hash: Hash,
    /// Signer (SS58).
    pub signer: String,
    /// The signer's nonce the transaction used.
    pub nonce: u64,
    /// `module.call`.
    pub call: String,
    /// Whether it succeeded (finalized blocks only).
    pub success: Option<bool>,
}

/// A block as the node serves it: header fields, a summary of each transaction and the
/// seats it elected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInfo {
    /// The block's height (genesis is 0).
    pub height: u64,
    /// The block's hash.
    pub hash: Hash,
    /// Parent hash.
    pub parent: Hash,
    /// Time (ms).
    pub timestamp_ms: u64,
    /// Proposer hotkey (SS58).
    pub proposer: String,
    /// State root after the block.
    pub state_root: Hash,
    /// Whether it is finalized.
    pub finalized: bool,
    /// Its transactions in block order (their outcome only once the block is finalized).
    pub transactions: Vec<TxSummary>,
    /// Seats elected in it.
    pub seats: Option<SeatSet>,
    /// The protocol version it was built under (`taonet_types::protocol`).
    #[serde(default = "genesis_version")]
    pub version: u32,
}

/// The version of blocks from nodes that do not report one.
fn genesis_version() -> u32 {
    taonet_types::protocol::GENESIS_VERSION
}

/// A finalized transaction, decoded, with its receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionInfo {
    /// The transaction's hash (of its signed encoding).
    pub hash: Hash,
    /// Height of its block.
    pub block_height: u64,
    /// Index in the block.
    pub index: u32,
    /// Signer (SS58).
    pub signer: String,
    /// The signer's nonce the transaction used.
    pub nonce: u64,
    /// The most the signer agreed to pay.
    pub fee_limit: Rao,
    /// `module.call`.
    pub call_name: String,
    /// The call with its arguments (account ids inside it are `0x`-hex).
    pub call: taonet_types::Call,
    /// Encoded size in bytes (signature included).
    pub size: usize,
    /// Fee paid.
    pub fee: Rao,
    /// Whether the call succeeded.
    pub success: bool,
    /// The error in words, if it failed.
    pub error_message: Option<String>,
}

/// An account's balances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The account's SS58 address.
    pub address: String,
    /// Free balance.
    pub free: Rao,
    /// Next nonce.
    pub nonce: u64,
    /// Total staked by this coldkey.
    pub staked: Rao,
    /// Total unbonding for this coldkey.
    pub unbonding: Rao,
}

/// A stake position of a coldkey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeInfo {
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Stake the coldkey holds on this hotkey.
    pub amount: Rao,
}

/// A pending unbonding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbondingInfo {
    /// Hotkey it left (SS58).
    pub hotkey: String,
    /// Amount being unbonded, paid out as free balance at `release_block`.
    pub amount: Rao,
    /// Block it was unstaked.
    pub started_at: u64,
    /// Block it is paid out.
    pub release_block: u64,
}

/// A subnet summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetInfo {
    /// The subnet's id.
    pub netuid: u16,
    /// The subnet's name, as its owner set it (may be empty).
    pub name: String,
    /// Owner coldkey (SS58).
    pub owner: String,
    /// Owner hotkey (SS58).
    pub owner_hotkey: String,
    /// Neurons registered now.
    pub n: u16,
    /// Most neurons the subnet admits (its `max_allowed_uids`).
    pub max_n: u16,
    /// Blocks between the subnet's epochs.
    pub tempo: u16,
    /// Emission share, parts per billion.
    pub emission_share_ppb: u64,
    /// Current registration burn.
    pub burn: Rao,
    /// Emission accrued since the last epoch.
    pub pending_emission: Rao,
    /// Block of the last epoch.
    pub last_epoch_block: u64,
    /// Block of the next epoch.
    pub next_epoch_block: u64,
    /// Epochs run.
    pub epoch_index: u64,
    /// Locked at creation.
    pub locked: Rao,
    /// Web or repository address.
    pub url: String,
    /// What the subnet does, as its owner described it (may be empty).
    pub description: String,
}

/// A subnet with its hyperparameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetDetail {
    /// The subnet's summary (flattened into this object on the wire).
    #[serde(flatten)]
    pub info: SubnetInfo,
    /// The subnet's hyperparameters in force.
    pub hyperparams: SubnetHyperparams,
}

/// An axon address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxonAddress {
    /// `ip:port`.
    pub address: String,
    /// Axon version.
    pub version: u32,
    /// Protocol identifier the neuron announced (4 = HTTP, as in bittensor).
    pub protocol: u8,
}

/// One neuron of a metagraph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeuronInfo {
    /// The neuron's uid in its subnet.
    pub uid: u16,
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Owner coldkey (SS58).
    pub coldkey: String,
    /// Total stake on the hotkey.
    pub stake: Rao,
    /// Active at the last epoch.
    pub active: bool,
    /// Validator permit.
    pub validator_permit: bool,
    /// Stake weight (u16).
    pub stake_weight: u16,
    /// Consensus (u16).
    pub consensus: u16,
    /// Incentive (u16).
    pub incentive: u16,
    /// Dividends (u16).
    pub dividends: u16,
    /// Validator trust (u16).
    pub validator_trust: u16,
    /// Emission at the last epoch.
    pub emission: Rao,
    /// Block of the last weight update.
    pub last_update: u64,
    /// Block of registration.
    pub registered_at: u64,
    /// Axon, if served.
    pub axon: Option<AxonAddress>,
    /// Weights set (uid, u16), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<(u16, u16)>>,
    /// Bonds (uid, u16), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonds: Option<Vec<(u16, u16)>>,
    /// The uid's commitment data (`0x`-hex), if it has one (see `state_getCommitment` for
    /// its block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
}

/// The newest commitment of a uid (`commitments.set`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentInfo {
    /// The subnet.
    pub netuid: u16,
    /// The uid that committed.
    pub uid: u16,
    /// The hotkey holding the uid, which signed the commitment (SS58).
    pub hotkey: String,
    /// The block that included the commitment.
    pub block: u64,
    /// The data committed, `0x`-hex (1 to 1,024 bytes).
    pub data: String,
}

/// An account's on-chain identity (`identity.set`; btcli's chain identity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    /// Display name (1 to 256 bytes of UTF-8, no control characters).
    pub name: String,
    /// A URL (at most 256 bytes; may be empty).
    pub url: String,
    /// A description (at most 256 bytes; may be empty).
    pub description: String,
    /// The block that included the identity.
    pub block: u64,
}

/// The root subnet (netuid 0): its members, their weights over subnets, and the candidates
/// membership is recomputed from (`state_getRoot`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootInfo {
    /// Finalized block it was read at.
    pub block: u64,
    /// `root_max_uids`: the most members the root has.
    pub max_members: u16,
    /// The block of the next root epoch, which recomputes the membership.
    pub next_recompute: u64,
    /// The members, by uid.
    pub members: Vec<RootMember>,
    /// Every candidate (members included) in membership order: most stake first, then
    /// earlier registration, then lower hotkey.
    pub candidates: Vec<RootCandidateInfo>,
}

/// A root member: its uid and its weights over subnets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootMember {
    /// Its root uid.
    pub uid: u16,
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Total stake on the hotkey (own and delegated).
    pub stake: Rao,
    /// Its weights by netuid (u16, as stored: max-upscaled), as set by `root set-weights`.
    pub weights: BTreeMap<u16, u16>,
}

/// A root candidate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCandidateInfo {
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Total stake on the hotkey (own and delegated).
    pub stake: Rao,
    /// The block it registered as a candidate (0: a genesis member).
    pub registered_at: u64,
    /// Its root uid if it is a member now.
    pub uid: Option<u16>,
}

/// An announced coldkey swap (`staking.announce_coldkey_swap`; `state_getColdkeySwap`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColdkeySwapInfo {
    /// The coldkey whose balance, stake and hotkeys move (SS58).
    pub old_coldkey: String,
    /// The coldkey that receives them (SS58).
    pub new_coldkey: String,
    /// Block of the announcement.
    pub announced_at: u64,
    /// First block the swap can be executed in.
    pub executable_at: u64,
    /// Block the old coldkey disputed it in (it can no longer be executed); `None` if not.
    pub disputed_at: Option<u64>,
}

/// The protocol a node runs and the upgrade scheduled (`state_getProtocol`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolInfo {
    /// Finalized block it was read at.
    pub block: u64,
    /// The protocol version the finalized chain runs.
    pub version: u32,
    /// The newest protocol version this node runs.
    pub supported: u32,
    /// The upgrade governance scheduled, if any.
    pub upgrade: Option<UpgradeInfo>,
    /// Why the node halted (the chain moved to a version it does not run), if it has.
    pub halted: Option<String>,
}

/// A scheduled protocol upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeInfo {
    /// The version blocks run under from `height` on.
    pub version: u32,
    /// The first block of that version.
    pub height: u64,
    /// Its name.
    pub name: String,
    /// Its notes.
    pub notes: String,
    /// Blocks from the finalized head to `height`.
    pub blocks_left: u64,
    /// Whether this node runs the version.
    pub supported: bool,
}

/// A subnet's metagraph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetagraphInfo {
    /// The subnet's id.
    pub netuid: u16,
    /// Finalized block it was read at.
    pub block: u64,
    /// Subnet summary.
    pub subnet: SubnetInfo,
    /// Neurons by uid.
    pub neurons: Vec<NeuronInfo>,
}

/// A coldkey's overview (`state_getOverview`): its balances and, page by page, every hotkey
/// it owns or stakes on with its subnet registrations, all read from one finalized state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// The coldkey (SS58).
    pub coldkey: String,
    /// The finalized block the answer was read at (pages of one overview agree only if their
    /// blocks do).
    pub block: u64,
    /// Free balance.
    pub free: Rao,
    /// Total unbonding (unstaked, not yet paid out).
    pub unbonding: Rao,
    /// Total stake of the coldkey on every hotkey (all its positions, not only this page's).
    pub total_stake: Rao,
    /// Hotkeys the coldkey owns or holds stake on, in account-id order (each once); at most
    /// 256 a page.
    pub hotkeys: Vec<OverviewHotkey>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One hotkey of an [`Overview`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewHotkey {
    /// The hotkey (SS58).
    pub hotkey: String,
    /// Its owner coldkey (SS58); `None` if it has none (stake can outlive an ownership).
    pub owner: Option<String>,
    /// The overview's coldkey's stake on it (zero for an owned hotkey it does not stake on).
    pub stake: Rao,
    /// Total stake on the hotkey (own and nominators').
    pub total_stake: Rao,
    /// Its subnet registrations, by netuid.
    pub registrations: Vec<OverviewRegistration>,
}

/// One subnet registration (a uid) of an [`OverviewHotkey`], with the same figures as the
/// neuron's row of `state_getMetagraph`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRegistration {
    /// The subnet.
    pub netuid: u16,
    /// The hotkey's uid there.
    pub uid: u16,
    /// Total stake on the hotkey (as in the metagraph).
    pub stake: Rao,
    /// Incentive (u16 proportion, as in the metagraph).
    pub incentive: u16,
    /// Dividends (u16 proportion, as in the metagraph).
    pub dividends: u16,
    /// Emission at the subnet's last epoch.
    pub emission: Rao,
    /// Whether it holds a validator permit.
    pub validator_permit: bool,
    /// The served axon, `ip:port`; `None` if it serves none.
    pub axon: Option<String>,
    /// Block of its last weights update.
    pub last_update: u64,
}

/// A delegate hotkey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateInfo {
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Owner coldkey (SS58).
    pub owner: String,
    /// Take, u16 proportion.
    pub take: u16,
    /// Total stake.
    pub total_stake: Rao,
    /// Nominators: (coldkey SS58, amount).
    pub nominators: Vec<(String, Rao)>,
    /// Consensus key, if registered.
    pub consensus_key: Option<String>,
    /// Subnets it is registered on: (netuid, uid).
    pub registrations: Vec<(u16, u16)>,
    /// The on-chain identity of its owner coldkey, if the owner set one (`identity.set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityInfo>,
}

/// One page of delegates (`state_getDelegatesPage`), most stake first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatesPage {
    /// The delegates of this page.
    pub delegates: Vec<DelegateInfo>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One entry of an account's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Height of the transaction's block.
    pub block_height: u64,
    /// Index in the block.
    pub index: u32,
    /// Transaction hash.
    pub hash: Hash,
}

/// One page of an account's history (`state_getAccountHistoryPage`), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHistoryPage {
    /// The entries of this page.
    pub entries: Vec<HistoryItem>,
    /// Pass as `cursor` for the next (older) page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A transaction's fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeEstimate {
    /// Fee in rao.
    pub fee: Rao,
    /// Encoded size.
    pub size: usize,
    /// Whether the call is free.
    pub free_call: bool,
}

/// Where a transaction is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxStatus {
    /// In the mempool.
    Pending,
    /// Finalized in a block, with its receipt.
    Finalized {
        /// Block height.
        block_height: u64,
        /// Block hash.
        block_hash: Hash,
        /// Index in the block.
        index: u32,
        /// Whether the call succeeded.
        success: bool,
        /// Fee paid.
        fee: Rao,
        /// The typed error, if it failed.
        error: Option<serde_json::Value>,
        /// The error in words, if it failed.
        error_message: Option<String>,
    },
    /// Not known (never seen, or dropped from the mempool).
    Unknown,
}

/// Node health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Connected peers.
    pub peers: usize,
    /// Finalized height.
    pub finalized_height: u64,
    /// Best known height.
    pub best_height: u64,
    /// Milliseconds since the last finalized block.
    pub ms_since_finalized: u64,
    /// Pending transactions.
    pub mempool: usize,
}

/// Chain properties (as Substrate's `system_properties`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Properties {
    /// "TAO".
    pub token_symbol: String,
    /// Decimal places of one TAO: always 9 (1 TAO = 10⁹ rao).
    pub token_decimals: u8,
    /// SS58 address prefix: always 42 (the generic Substrate prefix).
    pub ss58_format: u16,
    /// Chain id.
    pub chain_id: String,
    /// Genesis hash.
    pub genesis_hash: Hash,
}

/// Total issuance and emission figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supply {
    /// Total issuance.
    pub total_issuance: Rao,
    /// Total stake.
    pub total_stake: Rao,
    /// Total unbonding.
    pub total_unbonding: Rao,
    /// Pending (accrued, undistributed) emission.
    pub pending_emission: Rao,
    /// Current block reward.
    pub block_reward: Rao,
    /// Total burned.
    pub total_burned: Rao,
    /// Held by open payment channels (deposits not yet claimed or reclaimed).
    #[serde(default)]
    pub total_channels: Rao,
    /// Burned from transaction fees since protocol v2 (half of the proposer's share; also
    /// counted in `total_burned`).
    #[serde(default)]
    pub total_fees_burned: Rao,
}

/// A governance proposal with its tally: the final one once voting closed, else the live
/// one (counted over the stake as it is now).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalInfo {
    /// The proposal's id (consecutive from 0).
    pub id: u64,
    /// Proposer coldkey (SS58).
    pub proposer: String,
    /// What it does.
    pub action: taonet_types::gov::ProposalAction,
    /// The action in words (addresses SS58, amounts TAO).
    pub summary: Vec<String>,
    /// The proposer's description of the proposal.
    pub description: String,
    /// Deposit reserved by the proposer.
    pub deposit: Rao,
    /// Whether the deposit was burned at the tally.
    pub deposit_burned: bool,
    /// Block submitted.
    pub submitted: u64,
    /// Last voting block.
    pub voting_ends: u64,
    /// Execution block if passed.
    pub execute_at: u64,
    /// Where the proposal is: voting, passed (awaiting execution), executed, failed, rejected,
    /// expired or cancelled.
    pub status: taonet_types::gov::ProposalStatus,
    /// The tally (final, or live while voting).
    pub tally: taonet_types::gov::Tally,
    /// Whether `tally` is live (still voting).
    pub live: bool,
    /// Turnout in ppb of total stake (rounded down; for display).
    pub turnout_ppb: u64,
    /// Quorum needed, ppb (current parameter).
    pub quorum_ppb: u32,
    /// aye / (aye + nay) in ppb (rounded down; for display), if anyone voted aye or nay.
    pub approval_ppb: Option<u64>,
    /// Approval threshold, ppb (current parameter).
    pub threshold_ppb: u32,
    /// Number of votes cast.
    pub votes: u32,
    /// Current height.
    pub height: u64,
}

/// A vote with the stake it counts now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteInfo {
    /// Voting coldkey (SS58).
    pub voter: String,
    /// Aye, nay or abstain.
    pub vote: taonet_types::gov::VoteKind,
    /// Block cast (or last changed).
    pub block: u64,
    /// Stake it counts now (own plus delegated, after nominators' overrides).
    pub weight: Rao,
}

/// The treasury (its address, balance and fee share) and the proposals now being voted on
/// with the deposits they reserve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryInfo {
    /// Its well-known address (SS58): SHA-256 of `"taonet/treasury"`.
    pub account: String,
    /// The treasury's free balance.
    pub balance: Rao,
    /// Share of every fee it receives, ppb.
    pub fee_share_ppb: u32,
    /// Deposits reserved by proposals being voted on.
    pub reserved_deposits: Rao,
    /// Proposals being voted on.
    pub active_proposals: u32,
}

/// A hotkey's jail status (a jailed hotkey takes part in no seat election until its owner
/// unjails it, which is allowed from epoch `until_epoch` on).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JailInfo {
    /// The hotkey (SS58).
    pub hotkey: String,
    /// Whether it is jailed now.
    pub jailed: bool,
    /// First consensus epoch in which it may be unjailed (if jailed).
    pub until_epoch: Option<u64>,
    /// Block it was jailed (if jailed).
    pub jailed_at: Option<u64>,
    /// Why: `equivocation` or `liveness` (if jailed).
    pub reason: Option<String>,
    /// The consensus epoch of the next block.
    pub current_epoch: u64,
    /// Whether `consensus.unjail` would be accepted in the next block.
    pub can_unjail: bool,
}

/// How the seats of one consensus epoch voted (`state_getParticipation`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipationInfo {
    /// The consensus epoch.
    pub epoch: u64,
    /// Blocks of the epoch whose parent votes were carried by their child (so far).
    pub counted_blocks: u32,
    /// Share of counted blocks a seat may miss before it is jailed, in parts per billion.
    pub missed_votes_jail_ppb: u32,
    /// One row per seat of the epoch, in seat-set order.
    pub seats: Vec<SeatParticipation>,
}

/// One seat's votes in a consensus epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatParticipation {
    /// The seat's hotkey (SS58).
    pub hotkey: String,
    /// Its consensus key (0x hex).
    pub consensus_key: String,
    /// Counted blocks it voted for.
    pub voted: u32,
    /// Counted blocks it did not vote for.
    pub missed: u32,
    /// `missed / counted` in parts per billion.
    pub missed_ppb: u32,
    /// Whether the hotkey is jailed now.
    pub jailed: bool,
}

/// A hotkey with a registered consensus key (`state_getNodes`): a seat candidate and a node
/// other nodes admit as a p2p peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredNode {
    /// The hotkey (SS58).
    pub hotkey: String,
    /// Its consensus key (0x hex): the node's p2p identity.
    pub consensus_key: String,
    /// Total stake on the hotkey (own and delegated).
    pub stake: Rao,
    /// Whether it holds a seat in the current consensus epoch.
    pub seat: bool,
    /// Whether the hotkey is jailed (out of seat elections; still admitted as a peer).
    pub jailed: bool,
}

/// One slash of a hotkey (kept for the unbonding window).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlashInfo {
    /// The offence id (hash of its evidence).
    pub offence_id: Hash,
    /// The offender (SS58).
    pub hotkey: String,
    /// Block of the offence.
    pub offence_block: u64,
    /// Block the slash was applied.
    pub slashed_at: u64,
    /// Fraction slashed, ppb.
    pub fraction_ppb: u32,
    /// Burned from stake positions (the owner's and its nominators').
    pub stake_burned: Rao,
    /// Burned from unbonding entries bonded at the offence.
    pub unbonding_burned: Rao,
}

/// An open payment channel (pay-per-query access to a gateway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    /// The channel's id (`channel_id(opener, nonce of the opening transaction)`).
    pub id: Hash,
    /// The coldkey that opened it (SS58): signs vouchers, reclaims the rest.
    pub opener: String,
    /// The gateway hotkey (SS58).
    pub gateway: String,
    /// The gateway hotkey's owner coldkey (SS58), who claims (empty if it has none).
    pub gateway_owner: String,
    /// Everything deposited.
    pub deposit: Rao,
    /// The highest voucher amount claimed so far.
    pub claimed: Rao,
    /// Of `claimed`, what was paid to miners.
    pub paid_to_miners: Rao,
    /// `deposit − claimed`: what a voucher may still add, and what a reclaim returns.
    pub remaining: Rao,
    /// Claims are accepted below this block; reclaim from it on.
    pub expiry: u64,
    /// Block it was opened.
    pub opened_at: u64,
    /// Whether the current height has reached the expiry.
    pub expired: bool,
    /// The current (finalized) height.
    pub height: u64,
}
