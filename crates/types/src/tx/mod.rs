//! Transactions: the calls a signed transaction can make, and their signing rules.
//!
//! # Rules
//! - The signer's sr25519 signature
//!   covers [`Transaction::signing_payload`]: the domain tag `"taonet/tx/v1"`, the chain id,
//!   the genesis hash and the encoded transaction, so a transaction signed for one chain is
//!   invalid on every other chain (and on a re-started chain with a new genesis).
//! - A [`Transaction`] is `signer ‖ nonce ‖ fee_limit ‖ tip ‖ call`.
//! - `nonce` must equal the signer's next nonce. The fee is `tx_base_fee + tx_byte_fee ×
//!   encoded size + tip` (see `ChainParams`); `fee_limit` is the most the signer agrees to pay
//!   and must cover it. The tip buys priority: pools and block builders order paying
//!   transactions by fee per byte. Free calls pay nothing and carry no tip.
//! - Claiming a hotkey (`staking.associate_hotkey`) needs the hotkey's own signature over
//!   [`hotkey_ownership_payload`] (the chain and the claiming coldkey); registering a consensus
//!   key needs the key's ed25519 signature over [`consensus_key_payload`] (the hotkey), so
//!   nobody can squat a key they do not hold.
//! - Calls are grouped by runtime module ([`Call`]). Weight setting, commit/reveal, serving
//!   and commitments are *free*: they are signed by the neuron's hotkey, pay no fee, and must come from a
//!   registered hotkey within its rate limits. Every other call is signed by a coldkey and
//!   pays the fee.
//! - Decoding is bounded: at most [`MAX_WEIGHTS`] weights, [`MAX_SALT`] salt words,
//!   [`MAX_TEXT`] bytes per text field, [`MAX_COMMITMENT_BYTES`] bytes of commitment data,
//!   [`MAX_CLAIM_MINERS`](crate::channel::MAX_CLAIM_MINERS) miners per channel claim; the whole buffer must be consumed.
//!
//! # Layout
//! Every item is re-exported here, so its path is `taonet_types::tx::…` whichever file holds it:
//! - `envelope`: [`Transaction`] and [`SignedTransaction`], their encoding, sizes, signing
//!   payload and hash.
//! - `call`: the [`Call`] enum, its names and free-call rule, and its `module ‖ index` tag
//!   codec (the one place a call's wire bytes are defined).
//! - `module_calls`: each runtime module's call enum ([`BalancesCall`] … [`ChannelCall`]) and
//!   [`weights_commit_hash`].
//! - `axon`: [`AxonInfo`], the address a neuron serves on.
//! - `signing`: [`ChainDomain`] and the domain-separated payloads signed outside a transaction
//!   (hotkey ownership, consensus-key registration).

mod axon;
mod call;
mod envelope;
mod module_calls;
mod signing;

pub use axon::AxonInfo;
pub use call::Call;
pub use envelope::{SignedTransaction, Transaction};
pub use module_calls::{
    BalancesCall, ChannelCall, CommitmentCall, ConsensusCall, GovernanceCall, IdentityCall,
    NeuronCall, StakingCall, SubnetCall, WeightsCall, weights_commit_hash,
};
pub use signing::{
    CONSENSUS_KEY_PROOF_SUFFIX, ChainDomain, HOTKEY_OWNERSHIP_DOMAIN, TX_SIGNING_DOMAIN,
    consensus_key_namespace, consensus_key_payload, hotkey_ownership_payload,
};

use crate::params::MAX_UIDS_LIMIT;

/// Most weights in one set_weights / reveal_weights call.
pub const MAX_WEIGHTS: usize = MAX_UIDS_LIMIT as usize;
/// Most salt words in a reveal.
pub const MAX_SALT: usize = 64;
/// Longest text field (names, URLs, descriptions) in bytes.
pub const MAX_TEXT: usize = 256;
/// Most bytes of data in one commitment (`commitments.set`).
pub const MAX_COMMITMENT_BYTES: usize = 1024;
