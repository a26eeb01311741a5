//! Each runtime module's call enum: what a [`Call`](super::Call) of that module can ask for.
//!
//! # Rules
//! - One enum per module, in the order of their module tags (`balances` 0 … `identity` 9);
//!   the variant order is the call index. Their wire encoding is defined once, by the
//!   [`Call`](super::Call) codec.
//! - Field docs state what the runtime checks; text fields are bounded by [`MAX_TEXT`]
//!   (proposal descriptions by [`MAX_DESCRIPTION`]).
//! - [`weights_commit_hash`] is the one definition of a weights commitment, shared by the
//!   validator that commits and the runtime that checks the reveal.

use commonware_codec::Write;
use serde::{Deserialize, Serialize};

use super::AxonInfo;
#[cfg(doc)]
use super::{
    MAX_COMMITMENT_BYTES, MAX_TEXT, consensus_key_namespace, consensus_key_payload,
    hotkey_ownership_payload,
};
use crate::channel::{MinerShare, SignedVoucher};
use crate::evidence::Equivocation;
#[cfg(doc)]
use crate::gov::MAX_DESCRIPTION;
use crate::gov::{ProposalAction, VoteKind};
use crate::params::HyperparamUpdate;
use crate::{AccountId, BlockNumber, Hash, NetUid, Rao, Uid};

/// Moving TAO between accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancesCall {
    /// Send `amount` of the signer's free balance to `dest`.
    Transfer {
        /// The account credited; its resulting free balance must reach the existential deposit.
        dest: AccountId,
        /// Rao taken from the signer's free balance (more than zero).
        amount: Rao,
    },
}

/// Staking, delegation and hotkey ownership (signed by a coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakingCall {
    /// Claim an unowned hotkey for the signing coldkey. The hotkey proves it agrees:
    /// `proof` is its sr25519 signature over [`hotkey_ownership_payload`] for the signer.
    AssociateHotkey {
        /// The unowned hotkey the signer claims.
        hotkey: AccountId,
        /// The hotkey's signature over [`hotkey_ownership_payload`]`(domain, signer)`.
        #[serde(with = "crate::codec::hex_array")]
        proof: [u8; 64],
    },
    /// Stake `amount` of free balance on `hotkey` (own or a delegate's).
    AddStake {
        /// The owned hotkey to stake on.
        hotkey: AccountId,
        /// Rao moved from the signer's free balance into stake (at least `min_stake`).
        amount: Rao,
    },
    /// Unstake `amount` from `hotkey`: it enters the unbonding queue.
    RemoveStake {
        /// The hotkey the signer has stake on.
        hotkey: AccountId,
        /// Rao to unstake: at most the signer's stake on `hotkey`, and at least `min_stake`
        /// unless it is the whole position.
        amount: Rao,
    },
    /// Raise the hotkey's delegate take (rate-limited).
    IncreaseTake {
        /// The hotkey (owned by the signer).
        hotkey: AccountId,
        /// New take, u16 proportion.
        take: u16,
    },
    /// Lower the hotkey's delegate take.
    DecreaseTake {
        /// The hotkey (owned by the signer).
        hotkey: AccountId,
        /// New take, u16 proportion.
        take: u16,
    },
    /// Move `amount` of the signer's stake from one hotkey to another, without unbonding.
    /// The moved stake stays slashable for offences of `from_hotkey` committed before the
    /// move (see the runtime's `stake_moves` rules).
    MoveStake {
        /// The hotkey the signer has stake on.
        from_hotkey: AccountId,
        /// The hotkey that receives it (owned, by anyone; not `from_hotkey`).
        to_hotkey: AccountId,
        /// Rao moved: at most the position, at least `min_stake` unless the whole position.
        amount: Rao,
    },
    /// Give `amount` of the signer's stake on `hotkey` to `dest_coldkey` (same hotkey),
    /// without unbonding; slashing exposure as for [`StakingCall::MoveStake`].
    TransferStake {
        /// The hotkey the signer has stake on.
        hotkey: AccountId,
        /// The coldkey that receives the position (not the signer).
        dest_coldkey: AccountId,
        /// Rao given: at most the position, at least `min_stake` unless the whole position.
        amount: Rao,
    },
    /// Move everything `old_hotkey` has (registrations, stake, delegation, consensus key,
    /// root candidacy) to `new_hotkey`, a key with no owner and no history. Signed by the
    /// owner coldkey; burns `key_swap_cost`; rate-limited by `hotkey_swap_rate_limit`.
    SwapHotkey {
        /// The hotkey to retire (owned by the signer).
        old_hotkey: AccountId,
        /// Its replacement (never owned, staked on or registered).
        new_hotkey: AccountId,
        /// `new_hotkey`'s signature over [`hotkey_ownership_payload`]`(domain, signer)`.
        #[serde(with = "crate::codec::hex_array")]
        proof: [u8; 64],
    },
    /// Announce that the signing coldkey's balance, stake and hotkeys move to `new_coldkey`
    /// after `coldkey_swap_delay` blocks; burns `key_swap_cost`. Visible on chain until then.
    AnnounceColdkeySwap {
        /// The coldkey that will hold everything (owns no hotkey, stake or subnet).
        new_coldkey: AccountId,
    },
    /// Dispute the signing coldkey's pending swap: it is cancelled and cannot be executed.
    DisputeColdkeySwap,
    /// Carry out `old_coldkey`'s announced swap once its delay has passed (signed by the old
    /// or the new coldkey).
    ExecuteColdkeySwap {
        /// The coldkey whose announced swap is executed.
        old_coldkey: AccountId,
    },
}

/// Subnet creation and ownership (signed by the owner coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubnetCall {
    /// Create a subnet; the signer pays the lock cost and `hotkey` becomes uid 0.
    RegisterNetwork {
        /// The owner's hotkey.
        hotkey: AccountId,
    },
    /// Set the subnet's identity.
    SetIdentity {
        /// The subnet to describe (owned by the signer).
        netuid: NetUid,
        /// Display name (at most [`MAX_TEXT`] bytes, as `url` and `description`).
        name: String,
        /// Web or repository address.
        url: String,
        /// What the subnet does.
        description: String,
    },
    /// Change one owner-settable hyperparameter.
    SetHyperparameter {
        /// The subnet to change (owned by the signer; not root).
        netuid: NetUid,
        /// Which hyperparameter gets which value (checked against its bounds).
        update: HyperparamUpdate,
    },
}

/// Neuron registration and serving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeuronCall {
    /// Register `hotkey` on `netuid` by burning the current registration price (coldkey
    /// signs and pays); fails if the price is above `max_burn`.
    BurnedRegister {
        /// The subnet to join (not root: that is [`NeuronCall::RootRegister`]).
        netuid: NetUid,
        /// The neuron's hotkey.
        hotkey: AccountId,
        /// Highest burn the signer accepts.
        max_burn: Rao,
    },
    /// Become a root candidate (coldkey signs and pays): root members are the
    /// `root_max_uids` candidates with the most stake, recomputed every root epoch.
    RootRegister {
        /// The hotkey to enter (unowned or owned by the signer).
        hotkey: AccountId,
    },
    /// Publish the axon address (free; hotkey signs).
    ServeAxon {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// Where the axon listens (IPv4 or IPv6, non-zero address and port).
        axon: AxonInfo,
    },
    /// Withdraw the axon address (free; hotkey signs; shares the serving rate limit):
    /// the uid is left with no axon, so validators stop querying it.
    ResetAxon {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
    },
}

/// Weights (free; signed by the validator's hotkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightsCall {
    /// Set weights directly.
    SetWeights {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// Destination uids.
        uids: Vec<Uid>,
        /// Weights, one per uid.
        weights: Vec<u16>,
        /// Version key of the validator software.
        version_key: u64,
    },
    /// Commit to weights by hash (commit-reveal subnets).
    CommitWeights {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// `weights_commit_hash(hotkey, netuid, uids, weights, salt, version_key)`.
        commit_hash: Hash,
    },
    /// Reveal committed weights.
    RevealWeights {
        /// The subnet the weights were committed on.
        netuid: NetUid,
        /// Destination uids.
        uids: Vec<Uid>,
        /// Weights, one per uid.
        weights: Vec<u16>,
        /// The salt used in the commit.
        salt: Vec<u16>,
        /// Version key of the validator software, as committed.
        version_key: u64,
    },
}

/// Block-producer registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusCall {
    /// Register (or replace) the ed25519 key `hotkey` votes with if elected to a seat.
    /// Signed by the hotkey's owner coldkey; `proof` shows possession of the key.
    RegisterConsensusKey {
        /// The hotkey (owned by the signer) whose seat votes with `key`.
        hotkey: AccountId,
        /// ed25519 public key.
        key: [u8; 32],
        /// The key's ed25519 signature over [`consensus_key_payload`]`(hotkey)` under the
        /// namespace [`consensus_key_namespace`]`(domain)` (commonware's signing format).
        #[serde(with = "crate::codec::hex_array")]
        proof: [u8; 64],
    },
    /// Take a jailed hotkey out of jail once its jail period has passed, so it can be
    /// elected to a seat again. Signed by the hotkey's owner coldkey.
    Unjail {
        /// The jailed hotkey (owned by the signer).
        hotkey: AccountId,
    },
    /// Report two conflicting consensus votes of one seat (signed by anyone, pays the fee).
    /// Every node verifies the evidence itself; if it holds, the seat's hotkey is slashed
    /// and jailed.
    ReportEquivocation {
        /// The evidence (boxed: it is much larger than the other consensus calls).
        evidence: Box<Equivocation>,
    },
}

/// On-chain governance (signed by a coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceCall {
    /// Submit a proposal; the signer needs `gov_min_proposer_stake` of stake and pays the
    /// deposit (reserved until the tally).
    Propose {
        /// What it does if it passes.
        action: ProposalAction,
        /// Why (at most [`MAX_DESCRIPTION`] bytes).
        description: String,
    },
    /// Vote (or change one's vote) on a proposal in its voting period.
    Vote {
        /// The proposal id.
        proposal: u64,
        /// Aye, nay or abstain; it counts with the voter's stake at the tally.
        vote: VoteKind,
    },
    /// Withdraw one's own proposal before anyone has voted on it (the deposit is returned).
    Cancel {
        /// The proposal id.
        proposal: u64,
    },
}

/// Payment channels for pay-per-query access (signed by a coldkey; see
/// [`crate::channel`] and the runtime's `channels` module for the rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelCall {
    /// Open a channel to `gateway` (a hotkey with an owner): `deposit` moves from the signer's
    /// free balance into the channel until block `expiry`. The channel id is
    /// `channel_id(signer, nonce of this transaction)`.
    Open {
        /// The gateway's hotkey.
        gateway: AccountId,
        /// Amount locked in the channel.
        deposit: Rao,
        /// First block at which the gateway can no longer claim and the opener may reclaim.
        expiry: BlockNumber,
    },
    /// Add `amount` to an open channel's deposit and/or move its expiry later (opener only,
    /// before expiry).
    TopUp {
        /// Id of the open channel (opened by the signer).
        channel: Hash,
        /// Added deposit (may be zero when only the expiry moves).
        amount: Rao,
        /// New expiry, at least the current one.
        expiry: BlockNumber,
    },
    /// Redeem a voucher (signed by the gateway hotkey's owner coldkey, before expiry): pays
    /// the increase over the last claim, `query_miner_share_ppb` of it to the listed miners
    /// of `netuid` pro rata by units, the rest to the signer.
    Claim {
        /// Id of the channel the voucher draws on (its gateway is a hotkey the signer owns).
        channel: Hash,
        /// The highest voucher the gateway holds.
        voucher: SignedVoucher,
        /// The subnet the miners answered on.
        netuid: NetUid,
        /// The miners that answered, with their contributions (distinct uids, units > 0).
        miners: Vec<MinerShare>,
    },
    /// Close an expired channel and return what was not claimed (opener only).
    Reclaim {
        /// Id of the expired channel (opened by the signer).
        channel: Hash,
    },
}

/// On-chain commitments (free; signed by a registered hotkey; see the runtime's
/// `commitments` module for the rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentCall {
    /// Publish `data` for the signer's uid on `netuid` (a model hash, an endpoint, …),
    /// replacing its previous commitment; rate-limited by `commitment_rate_limit`.
    Set {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// The bytes committed: 1 to [`MAX_COMMITMENT_BYTES`] (JSON: `0x`-hex).
        #[serde(with = "crate::codec::hex_bytes")]
        data: Vec<u8>,
    },
}

/// On-chain identities (paying; signed by the coldkey whose identity it is; see the runtime's
/// `identity` module for the rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityCall {
    /// Publish the signer's identity, replacing its previous one. Each field is at most
    /// [`MAX_TEXT`] bytes of UTF-8 without control characters; `name` is not empty.
    Set {
        /// Display name (shown by the explorer beside the account and its hotkeys).
        name: String,
        /// A URL (may be empty).
        url: String,
        /// A free-text description (may be empty).
        description: String,
    },
    /// Remove the signer's identity (refused when it has none).
    Clear,
}

/// The commit hash of weights for commit-reveal: SHA-256 of the encoding of
/// `(hotkey, netuid, uids, weights, salt, version_key)`.
pub fn weights_commit_hash(
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[Uid],
    weights: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Hash {
    let mut buf = Vec::new();
    hotkey.write(&mut buf);
    netuid.write(&mut buf);
    uids.write(&mut buf);
    weights.write(&mut buf);
    salt.write(&mut buf);
    version_key.write(&mut buf);
    Hash::digest(&buf)
}
