//! Errors of the runtime, by layer.
//!
//! - [`TxInvalid`]: a transaction that may not be included in a block at all (bad signature,
//!   wrong nonce, cannot pay its fee, a free call from an unregistered hotkey, over its rate
//!   limit or whose call fails). A block containing one is invalid.
//! - [`DispatchError`]: a valid transaction whose call failed. It is included, pays its fee,
//!   bumps the nonce and changes nothing else; its receipt records this error.
//! - [`BlockError`]: why a block was rejected.

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Hash, NetUid, Rao, Uid};

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
        /// The fee.
        fee: Rao,
        /// The limit.
        limit: Rao,
    },
    /// The signer cannot pay the fee.
    #[error("the signer's free balance {free} TAO cannot pay the fee {fee} TAO")]
    CannotPayFee {
        /// The fee.
        fee: Rao,
        /// The signer's free balance.
        free: Rao,
    },
    /// The encoded transaction is too large.
    #[error("transaction is {size} bytes; the limit is {max}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A free call must be signed by a hotkey registered on the subnet.
    #[error("free call from a hotkey that is not registered on subnet {netuid}")]
    HotkeyNotRegistered {
        /// The subnet.
        netuid: NetUid,
    },
    /// A free call over its rate limit.
    #[error("{what} is rate-limited: next allowed at block {next}")]
    RateLimited {
        /// What is limited.
        what: &'static str,
        /// First block at which it is allowed.
        next: BlockNumber,
    },
    /// Free calls pay no fee, so they carry no tip.
    #[error("a free call (weights, serving) carries a tip of {0} TAO; free calls must have tip 0")]
    TipOnFreeCall(Rao),
    /// A free call whose call fails is never included (it would take block space for free).
    #[error("free call refused: {0}")]
    FreeCallFailed(DispatchError),
}

/// Balances errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BalancesError {
    /// Not enough free balance.
    #[error("insufficient balance: {needed} TAO needed, {available} TAO available")]
    InsufficientBalance {
        /// Amount needed.
        needed: Rao,
        /// Free balance.
        available: Rao,
    },
    /// Transfers of zero are refused.
    #[error("amount must be greater than zero")]
    ZeroAmount,
    /// The transfer would create an account below the existential deposit.
    #[error(
        "the recipient would hold {balance} TAO, below the existential deposit of {minimum} TAO"
    )]
    BelowExistentialDeposit {
        /// Resulting balance.
        balance: Rao,
        /// The existential deposit.
        minimum: Rao,
    },
    /// Sending to oneself.
    #[error("sender and recipient are the same account")]
    SelfTransfer,
    /// An arithmetic overflow (a balance above the supply).
    #[error("balance overflow")]
    Overflow,
}

/// Staking errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum StakingError {
    /// The hotkey has no owner yet.
    #[error("hotkey {0} is not associated with any coldkey; register it or associate it first")]
    HotkeyNotFound(AccountId),
    /// The hotkey already has another owner.
    #[error("hotkey {0} is owned by another coldkey")]
    NotHotkeyOwner(AccountId),
    /// The hotkey is already owned by the signer.
    #[error("hotkey {0} is already associated with this coldkey")]
    AlreadyAssociated(AccountId),
    /// The hotkey's ownership proof does not verify.
    #[error(
        "the ownership proof does not verify: it must be hotkey {0}'s signature over the claiming coldkey for this chain"
    )]
    InvalidOwnershipProof(AccountId),
    /// Below the minimum stake operation.
    #[error("amount {amount} TAO is below the minimum stake operation of {minimum} TAO")]
    AmountTooLow {
        /// The amount.
        amount: Rao,
        /// The minimum.
        minimum: Rao,
    },
    /// Not enough free balance to stake.
    #[error("insufficient balance to stake: {needed} TAO needed, {available} TAO free")]
    InsufficientBalance {
        /// Needed.
        needed: Rao,
        /// Available.
        available: Rao,
    },
    /// Not enough stake to unstake.
    #[error(
        "insufficient stake: {requested} TAO requested, {staked} TAO staked by this coldkey on the hotkey"
    )]
    InsufficientStake {
        /// Requested.
        requested: Rao,
        /// Staked.
        staked: Rao,
    },
    /// Take out of bounds.
    #[error("take {take} is outside [{min}, {max}] (u16 proportions)")]
    TakeOutOfBounds {
        /// Requested take.
        take: u16,
        /// Lowest allowed.
        min: u16,
        /// Highest allowed.
        max: u16,
    },
    /// An increase that is not higher, or a decrease that is not lower.
    #[error("take {requested} must be {direction} than the current take {current}")]
    TakeNotChanged {
        /// Requested.
        requested: u16,
        /// Current.
        current: u16,
        /// "higher" or "lower".
        direction: &'static str,
    },
    /// Take increases are rate-limited.
    #[error("take increases are rate-limited: next allowed at block {next}")]
    TakeRateLimited {
        /// First block allowed.
        next: BlockNumber,
    },
    /// Arithmetic overflow.
    #[error("stake overflow")]
    Overflow,
}

/// Subnet errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum SubnetError {
    /// No such subnet.
    #[error("subnet {0} does not exist")]
    NotFound(NetUid),
    /// The signer does not own the subnet.
    #[error("only the owner of subnet {0} may do this")]
    NotOwner(NetUid),
    /// The limit of subnets is reached.
    #[error("the subnet limit ({0}) is reached")]
    LimitReached(u16),
    /// Subnet registrations are rate-limited network-wide.
    #[error("subnet registration is rate-limited: next allowed at block {next}")]
    RateLimited {
        /// First block allowed.
        next: BlockNumber,
    },
    /// Cannot pay the lock cost.
    #[error("the lock cost is {cost} TAO but only {available} TAO is free")]
    CannotAffordLock {
        /// Lock cost.
        cost: Rao,
        /// Free balance.
        available: Rao,
    },
    /// The hotkey belongs to another coldkey.
    #[error("hotkey {0} is owned by another coldkey")]
    HotkeyNotOwned(AccountId),
    /// A hyperparameter value out of bounds.
    #[error("{0}")]
    Hyperparam(String),
    /// Hyperparameter changes are rate-limited.
    #[error("hyperparameter changes are rate-limited: next allowed at block {next}")]
    HyperparamRateLimited {
        /// First block allowed.
        next: BlockNumber,
    },
    /// The root subnet cannot be changed this way.
    #[error("the root subnet cannot be changed by this call")]
    RootSubnet,
    /// A text field too long.
    #[error("{field} is longer than {max} bytes")]
    TextTooLong {
        /// The field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
}

/// Neuron registration and serving errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NeuronError {
    /// No such subnet.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// Registration is disabled on the subnet.
    #[error("registration is disabled on subnet {0}")]
    RegistrationDisabled(NetUid),
    /// Already registered.
    #[error("hotkey is already registered on subnet {netuid} as uid {uid}")]
    AlreadyRegistered {
        /// The subnet.
        netuid: NetUid,
        /// Its uid.
        uid: Uid,
    },
    /// The hotkey belongs to another coldkey.
    #[error("hotkey {0} is owned by another coldkey")]
    HotkeyNotOwned(AccountId),
    /// The burn is above the signer's limit.
    #[error("the registration burn is {burn} TAO, above your limit of {limit} TAO")]
    PriceLimitExceeded {
        /// Current burn.
        burn: Rao,
        /// The limit given.
        limit: Rao,
    },
    /// Cannot pay the burn.
    #[error("the registration burn is {burn} TAO but only {available} TAO is free")]
    CannotAffordBurn {
        /// Burn.
        burn: Rao,
        /// Free balance.
        available: Rao,
    },
    /// Full, and every neuron is immune.
    #[error("subnet {0} is full and every neuron is immune; try again later")]
    NoSlotAvailable(NetUid),
    /// Use root_register for the root subnet.
    #[error("use root_register to join the root subnet")]
    UseRootRegister,
    /// The hotkey needs stake to join the root subnet.
    #[error(
        "root subnet is full and the hotkey's stake {stake} TAO does not exceed the lowest member's {lowest} TAO"
    )]
    RootStakeTooLow {
        /// The hotkey's stake.
        stake: Rao,
        /// The lowest member's stake.
        lowest: Rao,
    },
    /// Not registered on the subnet.
    #[error("hotkey is not registered on subnet {0}")]
    NotRegistered(NetUid),
    /// An axon address that cannot be served.
    #[error("invalid axon address: {0}")]
    InvalidAxon(&'static str),
}

/// Weight errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum WeightsError {
    /// No such subnet.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// uids and weights differ in length.
    #[error("{uids} uids but {weights} weights: the two lists must have the same length")]
    LengthMismatch {
        /// Number of uids.
        uids: usize,
        /// Number of weights.
        weights: usize,
    },
    /// More uids than neurons.
    #[error("{given} weights but the subnet has only {n} neurons")]
    TooManyWeights {
        /// Given.
        given: usize,
        /// Subnet size.
        n: u16,
    },
    /// Too few weights.
    #[error("{given} weights given; at least {min} are required")]
    TooFewWeights {
        /// Given.
        given: usize,
        /// Minimum.
        min: usize,
    },
    /// A uid listed twice.
    #[error("uid {0} appears more than once")]
    DuplicateUid(Uid),
    /// A uid that does not exist.
    #[error("uid {uid} does not exist (the subnet has {n} neurons)")]
    InvalidUid {
        /// The uid.
        uid: Uid,
        /// Subnet size.
        n: u16,
    },
    /// A root weight on a subnet that does not exist.
    #[error("root weight on subnet {0}, which does not exist")]
    InvalidSubnetWeight(NetUid),
    /// Not enough stake.
    #[error(
        "stake {stake} TAO is below the subnet's threshold {threshold} TAO for setting weights"
    )]
    NotEnoughStake {
        /// Stake.
        stake: Rao,
        /// Threshold.
        threshold: Rao,
    },
    /// Outdated version key.
    #[error("weights version key {given} is below the subnet's {required}; upgrade the validator")]
    IncorrectVersionKey {
        /// Given.
        given: u64,
        /// Required.
        required: u64,
    },
    /// No validator permit.
    #[error("the neuron has no validator permit on this subnet")]
    NoValidatorPermit,
    /// Commit-reveal is on: use commit/reveal.
    #[error("commit-reveal is enabled on subnet {0}: commit a hash, then reveal")]
    CommitRevealEnabled(NetUid),
    /// Commit-reveal is off.
    #[error("commit-reveal is disabled on subnet {0}: set weights directly")]
    CommitRevealDisabled(NetUid),
    /// Too many unrevealed commits.
    #[error("{0} unrevealed commits already; reveal or wait for them to expire")]
    TooManyCommits(usize),
    /// No commit matches the reveal.
    #[error("no commit matches this reveal (check uids, weights, salt and version key)")]
    NoMatchingCommit,
    /// Reveal too early.
    #[error("this commit can be revealed from block {from} (subnet epoch {epoch})")]
    RevealTooEarly {
        /// First block whose transactions fall in the reveal epoch (exact while the tempo
        /// stays the same).
        from: BlockNumber,
        /// The epoch in which to reveal.
        epoch: u64,
    },
    /// Reveal too late.
    #[error("this commit expired in subnet epoch {0}")]
    CommitExpired(u64),
}

/// Consensus-seat errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusError {
    /// The hotkey is not owned by the signer.
    #[error("hotkey {0} is not owned by the signing coldkey")]
    NotHotkeyOwner(AccountId),
    /// The key is used by another hotkey.
    #[error("this consensus key is already registered by hotkey {0}")]
    KeyInUse(AccountId),
    /// Not a valid ed25519 point (all zeros).
    #[error("the consensus key is not a valid ed25519 public key")]
    InvalidKey,
    /// The proof of possession does not verify.
    #[error(
        "the proof of possession does not verify: it must be the consensus key's signature over the hotkey for this chain (taonet consensus register-key --key-file makes it)"
    )]
    InvalidKeyProof,
}

/// Governance errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceError {
    /// The description is too long.
    #[error("the proposal description is {len} bytes; the limit is {max}")]
    DescriptionTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The proposer owns too little stake.
    #[error("proposing needs {required} TAO of stake owned by the coldkey; it owns {stake} TAO")]
    InsufficientStake {
        /// Stake owned by the signer (all hotkeys).
        stake: Rao,
        /// `gov_min_proposer_stake`.
        required: Rao,
    },
    /// The proposer cannot pay the deposit.
    #[error("the proposal deposit is {needed} TAO but only {available} TAO is free")]
    InsufficientBalance {
        /// The deposit.
        needed: Rao,
        /// Free balance.
        available: Rao,
    },
    /// Too many proposals are in their voting period.
    #[error("{0} proposals are already being voted on (the limit); wait for one to close")]
    TooManyActiveProposals(u16),
    /// A parameter change out of bounds.
    #[error("invalid parameter change: {0}")]
    InvalidParameter(String),
    /// A parameter proposal without changes, or with too many.
    #[error("a parameter proposal needs 1 to {max} changes; it has {count}")]
    BadUpdateCount {
        /// Changes given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A treasury spend of zero.
    #[error("a treasury spend must be greater than zero")]
    ZeroSpend,
    /// A treasury spend larger than the treasury.
    #[error("the spend of {amount} TAO exceeds the treasury balance of {treasury} TAO")]
    SpendExceedsTreasury {
        /// Requested.
        amount: Rao,
        /// Treasury balance now.
        treasury: Rao,
    },
    /// No such proposal.
    #[error("proposal {0} does not exist")]
    UnknownProposal(u64),
    /// The proposal is not open for votes.
    #[error("voting on proposal {proposal} is closed (status: {status})")]
    VotingClosed {
        /// The proposal.
        proposal: u64,
        /// Its status.
        status: &'static str,
    },
    /// The signer has no stake to vote with.
    #[error("this coldkey has no voting weight: it owns no stake and no hotkey with nominators")]
    NoVotingWeight,
    /// Only the proposer may cancel.
    #[error("only the proposer may cancel proposal {0}")]
    NotProposer(u64),
    /// A proposal with votes cannot be cancelled.
    #[error("proposal {0} already has votes and can no longer be cancelled")]
    AlreadyVoted(u64),
    /// Arithmetic overflow.
    #[error("governance arithmetic overflow")]
    Overflow,
}

/// Slashing and jailing errors ([`crate::slashing`]): the offence refusals of
/// [`crate::State::slash`] and the refusals of `consensus.unjail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum SlashingError {
    /// The hotkey has no owner (it never staked or registered).
    #[error("hotkey {0} is not associated with any coldkey")]
    UnknownHotkey(AccountId),
    /// A slash fraction above 100%.
    #[error("slash fraction {0} ppb is above 1,000,000,000 ppb (100%)")]
    InvalidFraction(u32),
    /// The offence was already slashed.
    #[error("offence {offence_id} was already slashed (at block {slashed_at})")]
    AlreadyProcessed {
        /// The offence id.
        offence_id: Hash,
        /// Block of the earlier slash.
        slashed_at: BlockNumber,
    },
    /// The offence is older than the unbonding window.
    #[error(
        "offence at block {offence_block} is stale: only offences at or after block {oldest} (the unbonding window) can be slashed"
    )]
    StaleOffence {
        /// Block of the offence.
        offence_block: BlockNumber,
        /// Oldest block still slashable.
        oldest: BlockNumber,
    },
    /// The offence block is after the current height.
    #[error("offence at block {offence_block} is in the future (height {height})")]
    FutureOffence {
        /// Block of the offence.
        offence_block: BlockNumber,
        /// Current height.
        height: BlockNumber,
    },
    /// Unjail signed by someone other than the hotkey's owner.
    #[error("hotkey {0} is not owned by the signing coldkey")]
    NotHotkeyOwner(AccountId),
    /// Unjail of a hotkey that is not jailed.
    #[error("hotkey {0} is not jailed")]
    NotJailed(AccountId),
    /// Unjail before the jail period has passed.
    #[error(
        "hotkey {hotkey} is jailed until consensus epoch {until_epoch}; the current epoch is {current_epoch}"
    )]
    StillJailed {
        /// The hotkey.
        hotkey: AccountId,
        /// First epoch it may be unjailed.
        until_epoch: u64,
        /// The current consensus epoch.
        current_epoch: u64,
    },
    /// Arithmetic overflow (a bug: slashed amounts never exceed what is held).
    #[error("slashing arithmetic overflow")]
    Overflow,
}

/// Why equivocation evidence was refused ([`crate::evidence`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceError {
    /// The votes do not have the shape the evidence kind requires.
    #[error("malformed evidence: {0}")]
    Malformed(&'static str),
    /// The two votes are for the same proposal.
    #[error("the two votes are for the same proposal: no conflict")]
    NotAConflict,
    /// The seat set of the epoch is not (or no longer) stored.
    #[error("the seats of consensus epoch {0} are not known")]
    UnknownEpoch(u64),
    /// The key held no seat in the epoch.
    #[error("key 0x{} held no seat in consensus epoch {epoch}", hex::encode(key))]
    NotASeat {
        /// The epoch.
        epoch: u64,
        /// The key.
        key: [u8; 32],
    },
    /// The key is not a valid ed25519 public key.
    #[error("the offender key is not a valid ed25519 public key")]
    InvalidKey,
    /// A vote's signature does not verify.
    #[error("the signature of vote `{0}` does not verify")]
    BadSignature(&'static str),
    /// The seat was already slashed for this view (under evidence of another kind): a seat
    /// is slashed at most once per view.
    #[error(
        "key 0x{} was already slashed for consensus epoch {epoch} view {view} (on {reported} evidence, at block {slashed_at}); a seat is slashed at most once per view",
        hex::encode(key)
    )]
    SeatAlreadySlashedInView {
        /// The epoch.
        epoch: u64,
        /// The view.
        view: u64,
        /// The seat's consensus key.
        key: [u8; 32],
        /// The kind of the evidence that was slashed.
        reported: &'static str,
        /// Block of that slash.
        slashed_at: BlockNumber,
    },
    /// The offence cannot be slashed (duplicate, stale, future, unknown hotkey).
    #[error(transparent)]
    Slashing(#[from] SlashingError),
}

/// Why the parent votes a block carries are refused ([`crate::liveness`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum LivenessError {
    /// Votes in a block whose parent is never voted on (heights 0 and 1).
    #[error("block {0} cannot carry parent votes: its parent is the genesis block")]
    Unexpected(BlockNumber),
    /// The seat set of the parent's epoch is not stored.
    #[error("the seats of consensus epoch {0} are not known")]
    UnknownEpoch(u64),
    /// Fewer votes than a quorum.
    #[error("the block carries {got} parent votes; a quorum is {needed}")]
    BelowQuorum {
        /// Votes carried.
        got: usize,
        /// Quorum.
        needed: usize,
    },
    /// Seat indices not strictly increasing.
    #[error("parent votes must be sorted by seat index without repeats")]
    NotSorted,
    /// A seat index outside the epoch's seat set.
    #[error("parent vote names seat {seat}, which consensus epoch {epoch} does not have")]
    UnknownSeat {
        /// The parent's epoch.
        epoch: u64,
        /// The index.
        seat: u16,
    },
    /// The seat's key is not a valid ed25519 key.
    #[error("seat {0} has no valid ed25519 key")]
    InvalidKey(u16),
    /// A signature does not verify.
    #[error("the parent vote of seat {0} does not verify")]
    BadSignature(u16),
}

/// Payment-channel errors ([`crate::channels`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ChannelError {
    /// A channel opened (or topped up) with nothing.
    #[error("the deposit must be greater than zero")]
    ZeroDeposit,
    /// A deposit below the existential deposit (dust channels are refused).
    #[error(
        "the deposit {deposit} TAO is below the minimum of {minimum} TAO (the existential deposit)"
    )]
    DepositBelowMinimum {
        /// The deposit.
        deposit: Rao,
        /// The minimum.
        minimum: Rao,
    },
    /// The signer cannot pay the deposit.
    #[error("the deposit is {needed} TAO but only {available} TAO is free")]
    InsufficientBalance {
        /// The deposit.
        needed: Rao,
        /// Free balance.
        available: Rao,
    },
    /// The gateway hotkey has no owner.
    #[error(
        "gateway hotkey {0} has no owner: a gateway must be registered on a subnet, associated with a coldkey or staked on"
    )]
    UnknownGateway(AccountId),
    /// An expiry that is not in the future.
    #[error("expiry block {expiry} is not after the current block {height}")]
    ExpiryInPast {
        /// The expiry given.
        expiry: BlockNumber,
        /// The current block.
        height: BlockNumber,
    },
    /// An expiry beyond `max_channel_duration`.
    #[error(
        "expiry block {expiry} is too far ahead: channels may last at most {max_duration} blocks (expiry ≤ {latest})"
    )]
    ExpiryTooFar {
        /// The expiry given.
        expiry: BlockNumber,
        /// `max_channel_duration`.
        max_duration: u64,
        /// The latest expiry allowed now.
        latest: BlockNumber,
    },
    /// A top-up that would bring the expiry forward.
    #[error("the new expiry {requested} is before the channel's current expiry {current}")]
    ExpiryShortened {
        /// The channel's expiry.
        current: BlockNumber,
        /// The expiry given.
        requested: BlockNumber,
    },
    /// A top-up that adds nothing and keeps the expiry.
    #[error("the top-up changes nothing: add an amount or move the expiry later")]
    NothingToChange,
    /// The id is taken (cannot happen: ids hash the signer's nonce).
    #[error("channel {0} already exists")]
    AlreadyExists(Hash),
    /// No open channel with this id.
    #[error("channel {0} does not exist (never opened, or already reclaimed)")]
    UnknownChannel(Hash),
    /// Only the opener may top up or reclaim.
    #[error("only the coldkey that opened channel {0} may do this")]
    NotOpener(Hash),
    /// The claim is signed by someone other than the gateway hotkey's owner.
    #[error("channel {channel} pays gateway {gateway}; only that hotkey's owner coldkey may claim")]
    NotGatewayOwner {
        /// The channel.
        channel: Hash,
        /// Its gateway hotkey.
        gateway: AccountId,
    },
    /// A claim or top-up at or after the expiry.
    #[error("channel {channel} expired at block {expiry} (now {height}); it can only be reclaimed")]
    ChannelExpired {
        /// The channel.
        channel: Hash,
        /// Its expiry.
        expiry: BlockNumber,
        /// The current block.
        height: BlockNumber,
    },
    /// A reclaim before the expiry.
    #[error("channel {channel} can be reclaimed from block {expiry} (now {height})")]
    NotYetExpired {
        /// The channel.
        channel: Hash,
        /// Its expiry.
        expiry: BlockNumber,
        /// The current block.
        height: BlockNumber,
    },
    /// The voucher names a different channel.
    #[error("the voucher is for channel {voucher}, not channel {channel}")]
    VoucherForAnotherChannel {
        /// The channel in the voucher.
        voucher: Hash,
        /// The channel claimed.
        channel: Hash,
    },
    /// The voucher is not signed by the channel's opener for this chain.
    #[error(
        "the voucher's signature does not verify: it must be signed by the channel's opener for this chain"
    )]
    BadVoucherSignature,
    /// A voucher for more than the deposit.
    #[error("the voucher for {amount} TAO overspends the channel's deposit of {deposit} TAO")]
    Overspend {
        /// The voucher amount.
        amount: Rao,
        /// The deposit.
        deposit: Rao,
    },
    /// A voucher not above what was already claimed.
    #[error("the voucher for {amount} TAO is not above the {claimed} TAO already claimed")]
    VoucherNotIncreasing {
        /// The voucher amount.
        amount: Rao,
        /// Claimed so far.
        claimed: Rao,
    },
    /// The miners' subnet does not exist.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// A miner uid that is not on the subnet.
    #[error("uid {uid} does not exist on subnet {netuid}")]
    UnknownMiner {
        /// The subnet.
        netuid: NetUid,
        /// The uid.
        uid: Uid,
    },
    /// A miner listed twice.
    #[error("miner uid {0} is listed more than once")]
    DuplicateMiner(Uid),
    /// A miner with zero units.
    #[error("miner uid {0} has zero units; list only miners that contributed")]
    ZeroUnits(Uid),
    /// Too many miners (the decoder already refuses more).
    #[error("{count} miners listed; at most {max}")]
    TooManyMiners {
        /// Listed.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Arithmetic overflow (a balance above the supply).
    #[error("channel arithmetic overflow")]
    Overflow,
}

/// Why a call failed (its transaction is still included and pays its fee).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "module", content = "error", rename_all = "snake_case")]
pub enum DispatchError {
    /// Balances.
    #[error(transparent)]
    Balances(#[from] BalancesError),
    /// Staking.
    #[error(transparent)]
    Staking(#[from] StakingError),
    /// Subnets.
    #[error(transparent)]
    Subnets(#[from] SubnetError),
    /// Neurons.
    #[error(transparent)]
    Neurons(#[from] NeuronError),
    /// Weights.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// Consensus.
    #[error(transparent)]
    Consensus(#[from] ConsensusError),
    /// Governance.
    #[error(transparent)]
    Governance(#[from] GovernanceError),
    /// Slashing and jailing.
    #[error(transparent)]
    Slashing(#[from] SlashingError),
    /// Equivocation evidence.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// Payment channels.
    #[error(transparent)]
    Channels(#[from] ChannelError),
}

/// Why a block was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BlockError {
    /// Height is not parent + 1.
    #[error("block height {got} does not follow the parent's height (expected {expected})")]
    Height {
        /// Expected.
        expected: BlockNumber,
        /// Got.
        got: BlockNumber,
    },
    /// Wrong parent.
    #[error("block's parent {got} is not the state's last block {expected}")]
    Parent {
        /// Expected.
        expected: Hash,
        /// Got.
        got: Hash,
    },
    /// Timestamp not after the parent's.
    #[error("block timestamp {got} ms is not after the parent's {parent} ms")]
    Timestamp {
        /// Parent's.
        parent: u64,
        /// Got.
        got: u64,
    },
    /// The proposer holds no seat.
    #[error("proposer {0} holds no seat in this consensus epoch")]
    UnknownProposer(AccountId),
    /// Too many transactions.
    #[error("block has {got} transactions; the limit is {max}")]
    TooManyTransactions {
        /// Got.
        got: usize,
        /// Max.
        max: usize,
    },
    /// The transactions take more bytes than the block budget.
    #[error("block carries {got} bytes of transactions; the limit is max_block_bytes = {max}")]
    TooManyBytes {
        /// Got.
        got: usize,
        /// Max.
        max: usize,
    },
    /// Free calls take more than their share of the block budget.
    #[error(
        "block carries {got} bytes of free calls; their share of the block is at most {max} bytes (free_block_bytes_ppb)"
    )]
    TooManyFreeBytes {
        /// Got.
        got: usize,
        /// Max.
        max: usize,
    },
    /// An invalid transaction.
    #[error("transaction {index} is invalid: {error}")]
    InvalidTransaction {
        /// Index in the block.
        index: usize,
        /// Why.
        error: TxInvalid,
    },
    /// The state root differs.
    #[error("state root mismatch: the block says {declared}, execution gives {computed}")]
    StateRoot {
        /// In the block.
        declared: Hash,
        /// Computed.
        computed: Hash,
    },
    /// The seats differ from the election.
    #[error("the block's seat set differs from the runtime's election")]
    Seats,
    /// The carried parent votes are invalid.
    #[error("invalid parent votes: {0}")]
    ParentVotes(#[from] LivenessError),
    /// An invariant failed (a bug).
    #[error("invariant violated after the block: {0}")]
    Invariant(String),
}
