//! The deterministic state machine of the taonet chain.
//!
//! Given a state and a block, [`apply_block`] checks the block and returns the next state —
//! or rejects the block and leaves the state untouched. The node (networking, consensus,
//! storage) feeds it finalized and proposed blocks; this crate knows nothing of those.
//!
//! ```text
//!  Block ──▶ header checks ──▶ batch signature check ──▶ for each tx: validate → fee → dispatch
//!                                                                       (rollback on failure)
//!        ──▶ block step: unbonding payouts, root epoch, block reward → subnets,
//!                        subnet epochs (taonet-yuma) → owner / miners / validators / nominators,
//!                        seat election at consensus-epoch ends, governance tallies and
//!                        executions
//!        ──▶ state root (sparse Merkle tree over every record) ══ block.state_root ?
//! ```
//!
//! Modules, each documented with its rules: [`balances`], [`staking`], [`subnets`],
//! [`neurons`], [`weights`], [`emission`], [`seats`], [`slashing`], [`evidence`],
//! [`liveness`], [`governance`], [`channels`], [`commitments`], [`identity`], [`genesis`], [`apply`], [`invariants`],
//! [`state`], [`merkle`]. A module that refuses calls owns the error enum of its rules (e.g.
//! [`staking::StakingError`]); [`error`] composes them into the transaction, dispatch and
//! block errors.
//!
//! ```
//! use taonet_crypto::Keypair;
//! use taonet_runtime::{ChainSpec, build_block, apply_block};
//! use taonet_types::{Call, Rao, SignedTransaction, Transaction, tx::BalancesCall};
//!
//! let mut genesis = ChainSpec::dev(&[[7u8; 32]]).build()?;
//! let (alice, _) = taonet_runtime::genesis::dev_keys("alice");
//! let (bob, _) = taonet_runtime::genesis::dev_keys("bob");
//! let tx = Transaction {
//!     signer: alice.account_id(),
//!     nonce: 0,
//!     fee_limit: Rao(1_000_000_000),
//!     tip: Rao(0),
//!     call: Call::Balances(BalancesCall::Transfer { dest: bob.account_id(), amount: Rao(5) }),
//! };
//! let signature = alice.sign(&tx.signing_payload(&genesis.domain)).0;
//! let signed = SignedTransaction { tx, signature };
//! let (_, alice_hot) = taonet_runtime::genesis::dev_keys("alice");
//!
//! // A proposer builds the block; every other node re-executes it.
//! let built = build_block(&genesis.state, &genesis.domain, alice_hot.account_id(), 1_000, &[signed])?;
//! let outcome = apply_block(&mut genesis.state, &genesis.domain, &built.block)?;
//! assert!(outcome.receipts[0].success());
//! assert_eq!(genesis.state.root(), built.block.state_root);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//! - Deterministic: integer arithmetic only, ordered maps only, no clock (time comes from the
//!   block), no I/O, no randomness; the same block on the same state gives the same root on
//!   every machine.
//! - Total issuance = free + staked + unbonding + locked + treasury + proposal deposits +
//!   payment channels, after every block;
//!   issuance never exceeds the emission schedule or the 21M cap; no balance is negative or
//!   overflows ([`invariants`], checked after every block in debug builds).
//! - Every call applies completely or not at all; a failed call still pays its fee and bumps
//!   the nonce, and its receipt records the typed error.
//! - No input makes it panic: bad transactions and blocks are typed errors.

pub mod apply;
pub mod balances;
pub mod channels;
pub mod commitments;
pub mod domain;
pub mod emission;
pub mod error;
pub mod evidence;
pub mod genesis;
pub mod governance;
pub mod identity;
pub mod invariants;
pub mod keyswap;
pub mod liveness;
pub mod merkle;
pub mod neurons;
pub mod proofs;
pub mod root;
pub mod seats;
pub mod sigcache;
pub mod slashing;
pub mod stake_moves;
pub mod staking;
pub mod state;
pub mod subnets;
pub mod upgrade;
pub mod weights;

pub use apply::{
    BlockBudget, BlockOutcome, BuiltBlock, Receipt, ValidTransaction, admit_transaction,
    apply_block, apply_block_cached, apply_transaction, build_block, build_block_cached,
    build_block_with_votes, max_debit, precheck_transaction, transaction_fee, validate_transaction,
};
pub use domain::{Domain, VoteNamespaces};
pub use error::{
    BlockError, ChannelError, CommitmentError, DispatchError, EvidenceError, GovernanceError,
    IdentityError, KeySwapError, LivenessError, SlashingError, TxInvalid,
};
pub use genesis::{ChainSpec, Genesis, GenesisError};
pub use sigcache::SignatureCache;
pub use state::State;
