//! Applying transactions and blocks.
//!
//! # Transaction pipeline
//! 1. **Validate** ([`validate_transaction`]): size ≤ `max_transaction_bytes`; the sr25519
//!    signature over the chain-bound signing payload; `nonce` = the signer's next nonce;
//!    the fee (`tx_base_fee + tx_byte_fee × size + tip`, zero for free calls, which may carry
//!    no tip) ≤ `fee_limit` and ≤ the signer's free balance; for free calls, the signing
//!    hotkey is registered on the subnet and within its rate limit. A transaction failing any
//!    of these is invalid: it is never included, and a block containing one is rejected.
//! 2. **Charge**: the fee moves from the signer to the block proposer's owner coldkey, less
//!    the treasury's `treasury_fee_share` (rounded down), and the nonce increases.
//! 3. **Dispatch** the call. If a paying call fails, everything it changed is rolled back
//!    (the state is a persistent structure, so the snapshot is O(1)); the fee and nonce stay,
//!    and the receipt records the typed error. A **free call that fails is invalid**
//!    ([`TxInvalid::FreeCallFailed`]): it pays nothing, so it may only take block space when
//!    it does what it says — every included free call succeeded and used its rate-limit slot
//!    (a reveal uses up the commit it matches), and nobody can fill blocks with failing free
//!    calls.
//!
//! # Block pipeline ([`apply_block`])
//! Header checks (height, parent, increasing timestamp, proposer holds a seat, transaction
//! count, `max_block_bytes` of encoded transactions of which free calls take at most
//! `free_block_bytes_ppb`); batch signature verification; the parent votes the block carries are checked and
//! counted ([`crate::liveness`]); the transactions in order; then the block step:
//! matured unbonding is paid out, the root epoch runs if due (or if subnets changed), the block
//! reward accrues to subnets, due subnet epochs run, and at the end of a consensus epoch the
//! seats that missed too many votes are jailed and the seats two epochs ahead are elected; last, governance tallies and executions due in this
//! block run ([`crate::governance`]). Finally the state root is computed and must equal the
//! block's, and the elected seats must equal the block's. All of it happens on a copy of the
//! state that replaces the original only if the block is valid. In debug builds every
//! invariant of [`crate::invariants`] is checked after every block.

use commonware_codec::EncodeSize;
use serde::Serialize;
use taonet_crypto::{Signature, verify};
use taonet_types::tx::{
    BalancesCall, ChannelCall, CommitmentCall, ConsensusCall, GovernanceCall, IdentityCall,
    NeuronCall, StakingCall, SubnetCall, WeightsCall,
};
use taonet_types::{
    AccountId, Block, BlockNumber, Call, ChainDomain, Hash, ParentVotes, Rao, SeatSet,
    SignedTransaction,
};

use crate::domain::Domain;
use crate::emission::EpochRecord;
use crate::error::{BlockError, DispatchError, KeySwapError, TxInvalid};
use crate::governance::GovEvent;
use crate::seats::ConsensusError;
use crate::sigcache::SignatureCache;
use crate::staking::StakingError;
use crate::state::{Account, RecordChange, State, SubnetIdentity};
use taonet_types::protocol::Upgrade;

/// The outcome of one included transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: Hash,
    /// The account that signed the transaction.
    pub signer: AccountId,
    /// Nonce used.
    pub nonce: u64,
    /// `module.call`.
    pub call: &'static str,
    /// Fee paid.
    pub fee: Rao,
    /// `Ok` or the typed reason the call failed.
    pub result: Result<(), DispatchError>,
}

impl Receipt {
    /// Whether the call succeeded.
    pub fn success(&self) -> bool {
        self.result.is_ok()
    }
}

/// What applying a block did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BlockOutcome {
    /// One receipt per transaction, in order.
    pub receipts: Vec<Receipt>,
    /// Root after the block.
    pub state_root: Hash,
    /// Seats elected in this block.
    pub seats: Option<SeatSet>,
    /// Subnet epochs run.
    pub epochs: Vec<EpochRecord>,
    /// Block reward accrued to subnets.
    pub accrued: Rao,
    /// Unbonding paid out.
    pub unbonded: Rao,
    /// Fees paid to the proposer (after the treasury's share).
    pub fees: Rao,
    /// Fees paid to the treasury (`treasury_fee_share` of each fee, rounded down).
    pub treasury_fees: Rao,
    /// Fees burned (protocol 2 on, [`crate::upgrade`]).
    pub fees_burned: Rao,
    /// The protocol upgrade that became active at the start of this block, if any.
    pub upgraded: Option<Upgrade>,
    /// Governance tallies and executions in the block step.
    pub governance: Vec<GovEvent>,
    /// Seats jailed for missed votes at the end of the consensus epoch.
    pub liveness_jailed: Vec<AccountId>,
    /// The state records the block changed (what a store must write).
    #[serde(skip)]
    pub changes: Vec<RecordChange>,
}

/// A transaction that passed validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidTransaction {
    /// Fee it will pay.
    pub fee: Rao,
    /// Encoded size.
    pub size: usize,
}

/// The base fee of a transaction of `size` bytes making `call` (`tx_base_fee + tx_byte_fee ×
/// size`; zero for free calls). A transaction pays this plus its tip.
pub fn transaction_fee(state: &State, call: &Call, size: usize) -> Rao {
    if call.is_free() {
        return Rao::ZERO;
    }
    state.params().base_fee(size)
}

/// Verifies a transaction's signature for `domain`.
pub fn verify_signature(tx: &SignedTransaction, domain: &ChainDomain) -> bool {
    verify(
        &tx.tx.signer,
        &tx.tx.signing_payload(domain),
        &Signature(tx.signature),
    )
}

/// Verifies many transactions' signatures at once (one batch check when all are valid).
pub fn verify_signatures(txs: &[SignedTransaction], domain: &ChainDomain) -> Vec<bool> {
    crate::sigcache::verify_signatures(txs, domain)
}

/// [`verify_signatures`] through `cache` when there is one (only the uncached ones are
/// checked; see [`crate::sigcache`]).
fn check_signatures(
    txs: &[SignedTransaction],
    domain: &ChainDomain,
    cache: Option<&SignatureCache>,
) -> Vec<bool> {
    match cache {
        Some(cache) => {
            let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
            cache.verify_all(txs, &hashes, domain)
        }
        None => verify_signatures(txs, domain),
    }
}

/// Checks that `tx` may be included now (step 1 of the pipeline).
pub fn validate_transaction(
    state: &State,
    domain: &ChainDomain,
    tx: &SignedTransaction,
    check_signature: bool,
) -> Result<ValidTransaction, TxInvalid> {
    validate(state, domain, tx, check_signature, true)
}

/// The checks of [`validate_transaction`] that hold whatever transactions come before this
/// one: size, signature, no tip on a free call, fee within the limit, a free call's signer
/// registered on the subnet. What a pool runs on a transaction whose nonce is ahead of the
/// signer's next one (its nonce, balance and rate limit are judged when it is next).
pub fn precheck_transaction(
    state: &State,
    domain: &ChainDomain,
    tx: &SignedTransaction,
    check_signature: bool,
) -> Result<ValidTransaction, TxInvalid> {
    validate(state, domain, tx, check_signature, false)
}

/// [`validate_transaction`] (`now`) or [`precheck_transaction`] (not `now`).
fn validate(
    state: &State,
    domain: &ChainDomain,
    tx: &SignedTransaction,
    check_signature: bool,
    now: bool,
) -> Result<ValidTransaction, TxInvalid> {
    let size = tx.encode_size();
    let max = state.params().max_transaction_bytes as usize;
    if size > max {
        return Err(TxInvalid::TooLarge { size, max });
    }
    if check_signature && !verify_signature(tx, domain) {
        return Err(TxInvalid::BadSignature);
    }
    let signer = &tx.tx.signer;
    let expected = state.nonce(signer);
    if now && tx.tx.nonce != expected {
        return Err(TxInvalid::Nonce {
            expected,
            got: tx.tx.nonce,
        });
    }
    if tx.tx.call.is_free() && tx.tx.tip > Rao::ZERO {
        return Err(TxInvalid::TipOnFreeCall(tx.tx.tip));
    }
    let fee = transaction_fee(state, &tx.tx.call, size)
        .checked_add(tx.tx.tip)
        .ok_or(TxInvalid::FeeLimit {
            fee: Rao(u64::MAX),
            limit: tx.tx.fee_limit,
        })?;
    if fee > tx.tx.fee_limit {
        return Err(TxInvalid::FeeLimit {
            fee,
            limit: tx.tx.fee_limit,
        });
    }
    let free = state.free(signer);
    if now && free < fee {
        return Err(TxInvalid::CannotPayFee { fee, free });
    }
    if let Some(netuid) = free_call_netuid(&tx.tx.call) {
        if state.uid_of(netuid, signer).is_none() {
            return Err(TxInvalid::HotkeyNotRegistered { netuid });
        }
        if !now {
            return Ok(ValidTransaction { fee, size });
        }
        match &tx.tx.call {
            Call::Weights(WeightsCall::SetWeights { .. } | WeightsCall::CommitWeights { .. }) => {
                state
                    .weights_rate_ok(netuid, signer)
                    .map_err(|next| TxInvalid::RateLimited {
                        what: "setting weights",
                        next,
                    })?;
            }
            Call::Neurons(NeuronCall::ServeAxon { .. } | NeuronCall::ResetAxon { .. }) => {
                if let (Some(uid), Some(info)) =
                    (state.uid_of(netuid, signer), state.subnets.get(&netuid))
                {
                    let last = state
                        .neurons
                        .get(&(netuid, uid))
                        .map_or(0, |n| n.last_serve);
                    let next = last.saturating_add(info.hyperparams.serving_rate_limit);
                    if last != 0 && state.globals.height < next {
                        return Err(TxInvalid::RateLimited {
                            what: "serving the axon",
                            next,
                        });
                    }
                }
            }
            Call::Commitments(CommitmentCall::Set { .. }) => {
                state.commitment_rate_ok(netuid, signer).map_err(|next| {
                    TxInvalid::RateLimited {
                        what: "committing data",
                        next,
                    }
                })?;
            }
            _ => {}
        }
    }
    Ok(ValidTransaction { fee, size })
}

/// [`validate_transaction`], and for a free call also a dry run of the call on a copy of the
/// state (O(1) to make): a free call that would fail is refused here, as a block would refuse
/// it. What a transaction pool runs on the signer's next transaction.
pub fn admit_transaction(
    state: &State,
    domain: &Domain,
    tx: &SignedTransaction,
    check_signature: bool,
) -> Result<ValidTransaction, TxInvalid> {
    if !tx.tx.call.is_free() {
        return validate_transaction(state, domain, tx, check_signature);
    }
    let mut dry = state.clone();
    let fee_to = tx.tx.signer;
    let receipt = apply_transaction(&mut dry, domain, tx, &fee_to, check_signature)?;
    Ok(ValidTransaction {
        fee: receipt.fee,
        size: tx.encode_size(),
    })
}

/// The most a transaction can take from its signer's free balance: its fee (tip included) and
/// what its call moves out of the free balance at most (a transfer's amount, a stake, the
/// burn or lock limit of a registration, a channel deposit, a proposal deposit). A pool
/// admits a signer's transactions only while their sum stays within the free balance.
pub fn max_debit(state: &State, tx: &SignedTransaction) -> Rao {
    let size = tx.encode_size();
    let fee = transaction_fee(state, &tx.tx.call, size).saturating_add(tx.tx.tip);
    let spend = match &tx.tx.call {
        Call::Balances(BalancesCall::Transfer { amount, .. })
        | Call::Staking(StakingCall::AddStake { amount, .. })
        | Call::Channels(ChannelCall::TopUp { amount, .. }) => *amount,
        Call::Neurons(NeuronCall::BurnedRegister { max_burn, .. }) => *max_burn,
        Call::Subnets(SubnetCall::RegisterNetwork { .. }) => state.network_lock_cost(),
        Call::Channels(ChannelCall::Open { deposit, .. }) => *deposit,
        Call::Governance(GovernanceCall::Propose { .. }) => state.params().gov_proposal_deposit,
        Call::Staking(StakingCall::SwapHotkey { .. } | StakingCall::AnnounceColdkeySwap { .. }) => {
            state.params().key_swap_cost
        }
        _ => Rao::ZERO,
    };
    fee.saturating_add(spend)
}

/// The subnet a free call acts on (its signer must be registered there); `None` for paying
/// calls.
fn free_call_netuid(call: &Call) -> Option<u16> {
    match call {
        Call::Weights(
            WeightsCall::SetWeights { netuid, .. }
            | WeightsCall::CommitWeights { netuid, .. }
            | WeightsCall::RevealWeights { netuid, .. },
        )
        | Call::Neurons(NeuronCall::ServeAxon { netuid, .. } | NeuronCall::ResetAxon { netuid })
        | Call::Commitments(CommitmentCall::Set { netuid, .. }) => Some(*netuid),
        _ => None,
    }
}

/// Executes a call for `signer`, whose transaction has nonce `nonce` (step 3 of the
/// pipeline).
fn dispatch(
    state: &mut State,
    domain: &Domain,
    signer: &AccountId,
    nonce: u64,
    call: &Call,
) -> Result<(), DispatchError> {
    match call {
        Call::Balances(BalancesCall::Transfer { dest, amount }) => {
            state.transfer(signer, dest, *amount)?
        }
        Call::Staking(c) => match c {
            StakingCall::AssociateHotkey { hotkey, proof } => {
                if !crate::proofs::verify_hotkey_ownership(domain, signer, hotkey, proof) {
                    return Err(StakingError::InvalidOwnershipProof(*hotkey).into());
                }
                state.associate_hotkey(signer, hotkey)?
            }
            StakingCall::AddStake { hotkey, amount } => state.add_stake(signer, hotkey, *amount)?,
            StakingCall::RemoveStake { hotkey, amount } => {
                state.remove_stake(signer, hotkey, *amount)?
            }
            StakingCall::IncreaseTake { hotkey, take } => {
                state.increase_take(signer, hotkey, *take)?
            }
            StakingCall::DecreaseTake { hotkey, take } => {
                state.decrease_take(signer, hotkey, *take)?
            }
            StakingCall::MoveStake {
                from_hotkey,
                to_hotkey,
                amount,
            } => state.move_stake(signer, nonce, from_hotkey, to_hotkey, *amount)?,
            StakingCall::TransferStake {
                hotkey,
                dest_coldkey,
                amount,
            } => state.transfer_stake(signer, hotkey, dest_coldkey, *amount)?,
            StakingCall::SwapHotkey {
                old_hotkey,
                new_hotkey,
                proof,
            } => {
                if !crate::proofs::verify_hotkey_ownership(domain, signer, new_hotkey, proof) {
                    return Err(KeySwapError::InvalidProof(*new_hotkey).into());
                }
                state.swap_hotkey(signer, old_hotkey, new_hotkey)?
            }
            StakingCall::AnnounceColdkeySwap { new_coldkey } => {
                state.announce_coldkey_swap(signer, new_coldkey)?
            }
            StakingCall::DisputeColdkeySwap => state.dispute_coldkey_swap(signer)?,
            StakingCall::ExecuteColdkeySwap { old_coldkey } => {
                state.execute_coldkey_swap(signer, old_coldkey)?
            }
        },
        Call::Subnets(c) => match c {
            SubnetCall::RegisterNetwork { hotkey } => {
                state.register_network(signer, hotkey)?;
                state.subnets_changed = true;
            }
            SubnetCall::SetIdentity {
                netuid,
                name,
                url,
                description,
            } => state.set_subnet_identity(
                signer,
                *netuid,
                SubnetIdentity {
                    name: name.clone(),
                    url: url.clone(),
                    description: description.clone(),
                },
            )?,
            SubnetCall::SetHyperparameter { netuid, update } => {
                state.set_hyperparameter(signer, *netuid, update)?
            }
        },
        Call::Neurons(c) => match c {
            NeuronCall::BurnedRegister {
                netuid,
                hotkey,
                max_burn,
            } => {
                state.burned_register(signer, *netuid, hotkey, *max_burn)?;
            }
            NeuronCall::RootRegister { hotkey } => {
                state.root_register(signer, hotkey)?;
            }
            NeuronCall::ServeAxon { netuid, axon } => state.serve_axon(signer, *netuid, axon)?,
            NeuronCall::ResetAxon { netuid } => state.reset_axon(signer, *netuid)?,
        },
        Call::Weights(c) => match c {
            WeightsCall::SetWeights {
                netuid,
                uids,
                weights,
                version_key,
            } => state.set_weights(signer, *netuid, uids, weights, *version_key)?,
            WeightsCall::CommitWeights {
                netuid,
                commit_hash,
            } => state.commit_weights(signer, *netuid, *commit_hash)?,
            WeightsCall::RevealWeights {
                netuid,
                uids,
                weights,
                salt,
                version_key,
            } => state.reveal_weights(signer, *netuid, uids, weights, salt, *version_key)?,
        },
        Call::Consensus(ConsensusCall::RegisterConsensusKey { hotkey, key, proof }) => {
            // The cheap checks first, then the signature.
            if *key != [0; 32]
                && state.hotkey_owner(hotkey) == Some(*signer)
                && !crate::proofs::verify_consensus_key_proof(domain, hotkey, key, proof)
            {
                return Err(ConsensusError::InvalidKeyProof.into());
            }
            state.register_consensus_key(signer, hotkey, *key)?
        }
        Call::Consensus(ConsensusCall::Unjail { hotkey }) => state.unjail(signer, hotkey)?,
        Call::Consensus(ConsensusCall::ReportEquivocation { evidence }) => {
            state.report_equivocation(domain, evidence)?;
        }
        Call::Governance(c) => match c {
            GovernanceCall::Propose {
                action,
                description,
            } => {
                state.propose(signer, action, description)?;
            }
            GovernanceCall::Vote { proposal, vote } => state.vote(signer, *proposal, *vote)?,
            GovernanceCall::Cancel { proposal } => state.cancel_proposal(signer, *proposal)?,
        },
        Call::Channels(c) => match c {
            ChannelCall::Open {
                gateway,
                deposit,
                expiry,
            } => {
                state.open_channel(signer, nonce, gateway, *deposit, *expiry)?;
            }
            ChannelCall::TopUp {
                channel,
                amount,
                expiry,
            } => state.top_up_channel(signer, channel, *amount, *expiry)?,
            ChannelCall::Claim {
                channel,
                voucher,
                netuid,
                miners,
            } => {
                state.claim_channel(domain, signer, channel, voucher, *netuid, miners)?;
            }
            ChannelCall::Reclaim { channel } => {
                state.reclaim_channel(signer, channel)?;
            }
        },
        Call::Commitments(CommitmentCall::Set { netuid, data }) => {
            state.set_commitment(signer, *netuid, data)?
        }
        Call::Identity(c) => match c {
            IdentityCall::Set {
                name,
                url,
                description,
            } => state.set_identity(signer, name, url, description)?,
            IdentityCall::Clear => state.clear_identity(signer)?,
        },
    }
    Ok(())
}

/// Validates, charges and dispatches one transaction against `state` at the current height.
/// `fee_to` receives the fee. On `Err` the state is unchanged.
pub fn apply_transaction(
    state: &mut State,
    domain: &Domain,
    tx: &SignedTransaction,
    fee_to: &AccountId,
    check_signature: bool,
) -> Result<Receipt, TxInvalid> {
    let valid = validate_transaction(state, domain, tx, check_signature)?;
    let signer = tx.tx.signer;
    // Free calls that fail leave no trace at all (nonce included); O(1) persistent snapshot.
    let before = tx.tx.call.is_free().then(|| state.clone());
    // Charge the fee and bump the nonce (validation guaranteed both are possible).
    if valid.fee > Rao::ZERO {
        state
            .debit(&signer, valid.fee)
            .map_err(|_| TxInvalid::CannotPayFee {
                fee: valid.fee,
                free: state.free(&signer),
            })?;
        // The treasury's share (rounded down) and the rest to the proposer; crediting cannot
        // overflow: the fee was part of the issuance.
        // Protocol 2 on burns part of the rest (crate::upgrade).
        let split = state.fee_split(valid.fee);
        let _ = state.credit(fee_to, split.proposer);
        let _ = state.credit_treasury(split.treasury);
        state.burn_fee(split.burned);
    }
    match state.accounts.get_mut(&signer) {
        Some(acc) => acc.nonce += 1,
        None => {
            state.accounts.insert(
                signer,
                Account {
                    free: Rao::ZERO,
                    nonce: 1,
                },
            );
        }
    }
    let snapshot = state.clone();
    let result = dispatch(state, domain, &signer, tx.tx.nonce, &tx.tx.call);
    if let Err(e) = &result {
        if let Some(before) = before {
            // Free calls pay nothing: one that fails is not included (see the module rules).
            *state = before;
            return Err(TxInvalid::FreeCallFailed(e.clone()));
        }
        *state = snapshot;
    }
    Ok(Receipt {
        tx_hash: tx.hash(),
        signer,
        nonce: tx.tx.nonce,
        call: tx.tx.call.name(),
        fee: valid.fee,
        result,
    })
}

/// Who receives a block's fees: the proposer hotkey's owner (or the proposer itself).
/// A proposer retired by a hotkey swap (the elected seat sets still name it) is followed
/// to its replacement's owner.
pub fn fee_recipient(state: &State, proposer: &AccountId) -> AccountId {
    state
        .hotkey_owner(&state.current_hotkey(proposer))
        .unwrap_or(*proposer)
}

/// Checks the block header against the state (the parent).
fn check_header(state: &State, block: &Block) -> Result<(), BlockError> {
    let expected = state.globals.height + 1;
    if block.height != expected {
        return Err(BlockError::Height {
            expected,
            got: block.height,
        });
    }
    if block.parent != state.head {
        return Err(BlockError::Parent {
            expected: state.head,
            got: block.parent,
        });
    }
    if block.timestamp_ms <= state.globals.last_timestamp_ms {
        return Err(BlockError::Timestamp {
            parent: state.globals.last_timestamp_ms,
            got: block.timestamp_ms,
        });
    }
    check_proposer(state, block.height, &block.proposer)?;
    let version = check_version(state, block.height)?;
    if block.version != version {
        return Err(BlockError::Version {
            expected: version,
            got: block.version,
        });
    }
    let max = state.params().max_block_transactions as usize;
    if block.transactions.len() > max {
        return Err(BlockError::TooManyTransactions {
            got: block.transactions.len(),
            max,
        });
    }
    let budget = BlockBudget::of(state);
    let (mut bytes, mut free_bytes) = (0usize, 0usize);
    for tx in &block.transactions {
        let size = tx.encode_size();
        bytes = bytes.saturating_add(size);
        if tx.tx.call.is_free() {
            free_bytes = free_bytes.saturating_add(size);
        }
    }
    if bytes > budget.bytes {
        return Err(BlockError::TooManyBytes {
            got: bytes,
            max: budget.bytes,
        });
    }
    if free_bytes > budget.free_bytes {
        return Err(BlockError::TooManyFreeBytes {
            got: free_bytes,
            max: budget.free_bytes,
        });
    }
    Ok(())
}

/// How many bytes of transactions a block on `state` may carry, and how many of them free
/// calls may take (`max_block_bytes`, `free_block_bytes_ppb` of it rounded down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockBudget {
    /// Most bytes of encoded transactions.
    pub bytes: usize,
    /// Most bytes of encoded free calls among them.
    pub free_bytes: usize,
}

impl BlockBudget {
    /// The budget the parameters of `state` set.
    pub fn of(state: &State) -> BlockBudget {
        let p = state.params();
        let bytes = u64::from(p.max_block_bytes);
        let free = u128::from(bytes) * u128::from(p.free_block_bytes_ppb) / 1_000_000_000;
        BlockBudget {
            bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
            free_bytes: usize::try_from(free).unwrap_or(usize::MAX),
        }
    }
}

fn check_proposer(
    state: &State,
    height: BlockNumber,
    proposer: &AccountId,
) -> Result<(), BlockError> {
    match state.seats(state.consensus_epoch(height)) {
        Some(set) if !set.seats.is_empty() => {
            if set.seats.iter().any(|s| s.hotkey == *proposer) {
                Ok(())
            } else {
                Err(BlockError::UnknownProposer(*proposer))
            }
        }
        // No seats known (a chain without validators in tests): anyone may propose.
        _ => Ok(()),
    }
}

/// Adds a paid fee to the block's totals (parameters only change in the block step, so the
/// split is the one the transaction used).
fn add_fees(state: &State, outcome: &mut BlockOutcome, fee: Rao) {
    let split = state.fee_split(fee);
    outcome.fees = outcome.fees.saturating_add(split.proposer);
    outcome.treasury_fees = outcome.treasury_fees.saturating_add(split.treasury);
    outcome.fees_burned = outcome.fees_burned.saturating_add(split.burned);
}

/// The block step after the transactions.
fn finish_block(state: &mut State, outcome: &mut BlockOutcome) {
    let now = state.globals.height;
    outcome.unbonded = state.release_unbonding(now);
    state.prune_stake_moves(now);
    let root_tempo = u64::from(state.params().root_tempo.max(1));
    if state.subnets_changed || now >= state.globals.last_root_epoch.saturating_add(root_tempo) {
        state.recompute_root_members();
        state.root_epoch();
        state.subnets_changed = false;
    }
    outcome.accrued = state.accrue_emission();
    for netuid in state.due_epochs(now) {
        if let Some(record) = state.run_subnet_epoch(netuid) {
            outcome.epochs.push(record);
        }
    }
    if state.is_epoch_end(now) {
        outcome.liveness_jailed = state.liveness_step(now);
        outcome.seats = Some(state.rotate_seats(now));
    }
    // Last, so parameter changes take effect from the next block as a whole.
    outcome.governance = state.governance_step(now);
}

/// Starts a block on `state`: sets height and time, then activates a scheduled upgrade
/// whose height is reached (its migration runs first thing in the block). Returns it.
fn begin_block(state: &mut State, height: BlockNumber, timestamp_ms: u64) -> Option<Upgrade> {
    let g = state.globals_mut();
    g.height = height;
    g.last_timestamp_ms = timestamp_ms;
    state.activate_upgrade(height)
}

/// The protocol version a block at `height` on `state` runs under, if this build runs it.
fn check_version(state: &State, height: BlockNumber) -> Result<u32, BlockError> {
    let version = state.version_at(height);
    if version > state.max_version {
        let (at, name) = state
            .pending_upgrade()
            .map_or((height, String::new()), |u| (u.height, u.name.clone()));
        return Err(BlockError::UnsupportedVersion {
            version,
            height: at,
            name,
            supported: state.max_version,
        });
    }
    Ok(version)
}

/// Applies `block` to `state`. On error `state` is unchanged.
pub fn apply_block(
    state: &mut State,
    domain: &Domain,
    block: &Block,
) -> Result<BlockOutcome, BlockError> {
    apply(state, domain, block, None)
}

/// [`apply_block`], skipping the signatures `signatures` already holds and adding the ones it
/// verifies (the result is the same: see [`crate::sigcache`]).
pub fn apply_block_cached(
    state: &mut State,
    domain: &Domain,
    block: &Block,
    signatures: &SignatureCache,
) -> Result<BlockOutcome, BlockError> {
    apply(state, domain, block, Some(signatures))
}

fn apply(
    state: &mut State,
    domain: &Domain,
    block: &Block,
    cache: Option<&SignatureCache>,
) -> Result<BlockOutcome, BlockError> {
    check_header(state, block)?;
    // Batch-verify every signature first.
    if let Some(index) = check_signatures(&block.transactions, domain, cache)
        .iter()
        .position(|ok| !ok)
    {
        return Err(BlockError::InvalidTransaction {
            index,
            error: TxInvalid::BadSignature,
        });
    }

    let mut next = state.clone();
    let upgraded = begin_block(&mut next, block.height, block.timestamp_ms);
    next.record_parent_votes(
        domain,
        block.height,
        &block.parent,
        block.parent_votes.as_ref(),
    )?;
    let fee_to = fee_recipient(&next, &block.proposer);
    let mut outcome = BlockOutcome {
        upgraded,
        ..BlockOutcome::default()
    };
    for (index, tx) in block.transactions.iter().enumerate() {
        let receipt = apply_transaction(&mut next, domain, tx, &fee_to, false)
            .map_err(|error| BlockError::InvalidTransaction { index, error })?;
        add_fees(&next, &mut outcome, receipt.fee);
        outcome.receipts.push(receipt);
    }
    finish_block(&mut next, &mut outcome);
    if outcome.seats != block.seats {
        return Err(BlockError::Seats);
    }
    let (root, changes) = next.commit();
    outcome.changes = changes;
    if root != block.state_root {
        return Err(BlockError::StateRoot {
            declared: block.state_root,
            computed: root,
        });
    }
    outcome.state_root = root;
    if cfg!(debug_assertions) {
        crate::invariants::check(&next).map_err(BlockError::Invariant)?;
    }
    next.head = block.hash();
    *state = next;
    Ok(outcome)
}

/// A block built by [`build_block`], with what it did and the transactions left out.
#[derive(Clone, Debug)]
pub struct BuiltBlock {
    /// The built block, header (state root included) and body.
    pub block: Block,
    /// What applying it did.
    pub outcome: BlockOutcome,
    /// The state after it.
    pub state: State,
    /// Candidates left out because they were invalid, with the reason.
    pub rejected: Vec<(Hash, TxInvalid)>,
}

/// Builds the next block on `state` from `candidates` (in order; invalid ones are skipped
/// and reported), carrying no parent votes. `state` itself is not modified.
pub fn build_block(
    state: &State,
    domain: &Domain,
    proposer: AccountId,
    timestamp_ms: u64,
    candidates: &[SignedTransaction],
) -> Result<BuiltBlock, BlockError> {
    build_block_with_votes(state, domain, proposer, timestamp_ms, candidates, None)
}

/// [`build_block`], carrying `parent_votes` (consensus votes for the parent, which is the
/// block `state` is after; see [`crate::liveness`]). Votes that do not pass the liveness
/// checks are left out (the block then carries none) rather than making the block invalid.
pub fn build_block_with_votes(
    state: &State,
    domain: &Domain,
    proposer: AccountId,
    timestamp_ms: u64,
    candidates: &[SignedTransaction],
    parent_votes: Option<ParentVotes>,
) -> Result<BuiltBlock, BlockError> {
    build(
        state,
        domain,
        (proposer, timestamp_ms),
        candidates,
        parent_votes,
        None,
    )
}

/// [`build_block_with_votes`], skipping the signatures `signatures` already holds (a node's
/// pool verified them at admission) and adding the ones it verifies.
pub fn build_block_cached(
    state: &State,
    domain: &Domain,
    proposer: AccountId,
    timestamp_ms: u64,
    candidates: &[SignedTransaction],
    parent_votes: Option<ParentVotes>,
    signatures: &SignatureCache,
) -> Result<BuiltBlock, BlockError> {
    build(
        state,
        domain,
        (proposer, timestamp_ms),
        candidates,
        parent_votes,
        Some(signatures),
    )
}

fn build(
    state: &State,
    domain: &Domain,
    (proposer, timestamp_ms): (AccountId, u64),
    candidates: &[SignedTransaction],
    parent_votes: Option<ParentVotes>,
    cache: Option<&SignatureCache>,
) -> Result<BuiltBlock, BlockError> {
    let height = state.globals.height + 1;
    check_proposer(state, height, &proposer)?;
    let version = check_version(state, height)?;
    let timestamp_ms = timestamp_ms.max(state.globals.last_timestamp_ms + 1);
    let parent_votes = parent_votes.filter(|votes| {
        state
            .check_parent_votes(domain, height, &state.head, votes)
            .is_ok()
    });
    let mut next = state.clone();
    let upgraded = begin_block(&mut next, height, timestamp_ms);
    next.record_parent_votes(domain, height, &state.head, parent_votes.as_ref())?;
    let fee_to = fee_recipient(&next, &proposer);
    let mut outcome = BlockOutcome {
        upgraded,
        ..BlockOutcome::default()
    };
    let mut included = Vec::new();
    let mut rejected = Vec::new();
    let max = state.params().max_block_transactions as usize;
    let budget = BlockBudget::of(state);
    let (mut bytes, mut free_bytes) = (0usize, 0usize);
    // Signers with a transaction left out: their later nonces cannot apply in this block.
    let mut held_back: std::collections::BTreeSet<AccountId> = std::collections::BTreeSet::new();
    let signatures_ok = check_signatures(candidates, domain, cache);
    for (tx, signature_ok) in candidates.iter().zip(signatures_ok) {
        if included.len() >= max {
            break;
        }
        if held_back.contains(&tx.tx.signer) {
            continue;
        }
        if !signature_ok {
            rejected.push((tx.hash(), TxInvalid::BadSignature));
            held_back.insert(tx.tx.signer);
            continue;
        }
        // The byte budget: a transaction that does not fit waits for a later block.
        let size = tx.encode_size();
        let free = tx.tx.call.is_free();
        if bytes.saturating_add(size) > budget.bytes
            || (free && free_bytes.saturating_add(size) > budget.free_bytes)
        {
            held_back.insert(tx.tx.signer);
            continue;
        }
        match apply_transaction(&mut next, domain, tx, &fee_to, false) {
            Ok(receipt) => {
                add_fees(&next, &mut outcome, receipt.fee);
                outcome.receipts.push(receipt);
                included.push(tx.clone());
                bytes += size;
                if free {
                    free_bytes += size;
                }
            }
            Err(e) => {
                rejected.push((tx.hash(), e));
                held_back.insert(tx.tx.signer);
            }
        }
    }
    finish_block(&mut next, &mut outcome);
    let (root, changes) = next.commit();
    outcome.state_root = root;
    outcome.changes = changes;
    if cfg!(debug_assertions) {
        crate::invariants::check(&next).map_err(BlockError::Invariant)?;
    }
    let block = Block {
        parent: state.head,
        height,
        timestamp_ms,
        proposer,
        transactions: included,
        state_root: root,
        seats: outcome.seats.clone(),
        parent_votes,
        version,
    };
    next.head = block.hash();
    Ok(BuiltBlock {
        block,
        outcome,
        state: next,
        rejected,
    })
}
