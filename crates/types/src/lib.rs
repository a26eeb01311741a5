//! Core value types of taonet, shared by every other crate.
//!
//! - [`Rao`]: an amount of TAO in its base unit (1 TAO = 10⁹ rao), with exact, checked
//!   arithmetic and parsing of decimal TAO strings such as `"1.5"`; [`Rao::to_tao_string`]
//!   with a [`TaoFormat`] is the one TAO formatter, and [`abbreviate`] the one rule for
//!   shortening addresses and hashes for display.
//! - [`AccountId`]: the 32-byte public key that identifies a coldkey or hotkey account
//!   (rendered as SS58 by `taonet-crypto`, as `0x…` hex here).
//! - Identifiers: [`NetUid`] (a subnet), [`Uid`] (a neuron slot in a subnet), [`BlockNumber`].
//! - [`Hash`](struct@Hash): SHA-256 digests (block and transaction hashes, state roots).
//! - The chain's data: [`tx`] (signed transactions and every call), [`block`] (blocks and
//!   consensus seats), [`params`] (chain parameters and subnet hyperparameters), [`gov`]
//!   (governance proposals, parameter updates, the treasury account), [`channel`] (payment
//!   channels and vouchers for pay-per-query access), and their binary encoding ([`codec`],
//!   with `commonware-codec`).
//!
//! ```
//! use taonet_types::{Rao, AccountId};
//!
//! let amount: Rao = "1.25".parse()?;
//! assert_eq!(amount, Rao(1_250_000_000));
//! assert_eq!(amount.to_string(), "1.250000000");
//! assert_eq!(amount.checked_add(Rao::ONE_TAO), Some(Rao(2_250_000_000)));
//!
//! let id = AccountId::from_hex("0x90525c1d8d3894b5538c37372e33e21e40ecb5f4006486fabb3560d6ed36310b")?;
//! assert_eq!(id.to_hex(), "0x90525c1d8d3894b5538c37372e33e21e40ecb5f4006486fabb3560d6ed36310b");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//! - Amounts are unsigned integers of rao; nothing here uses floating point, and every
//!   arithmetic helper is checked (`None` on overflow or underflow, never a wrap).
//! - Parsing is strict: a TAO string has at most 9 decimals, no sign, no exponent, and fits
//!   in a `u64` of rao; anything else is a typed [`AmountError`].
//! - Binary decoding is bounded (every vector and string has a maximum) and must consume the
//!   whole input; encodings of transactions and blocks are consensus-critical.

mod abbrev;
mod account;
mod amount;
pub mod block;
pub mod channel;
pub mod codec;
pub mod evidence;
pub mod gov;
mod hash;
pub mod params;
pub mod protocol;
pub mod tx;

pub use abbrev::abbreviate;
pub use account::{AccountId, AccountIdError};
pub use amount::{AmountError, Decimals, MAX_SUPPLY, RAO_PER_TAO, Rao, TaoFormat, group_thousands};
pub use block::{Block, BlockLimits, ParentVote, ParentVoteKind, ParentVotes, Seat, SeatSet};
pub use hash::Hash;
pub use params::{ChainParams, HyperparamUpdate, SubnetHyperparams};
pub use tx::{Call, ChainDomain, SignedTransaction, Transaction};

/// Identifier of a subnet. Subnet 0 is the root subnet.
pub type NetUid = u16;

/// Index of a neuron inside one subnet (`0..n`).
pub type Uid = u16;

/// Height of a block; the genesis block is height 0.
pub type BlockNumber = u64;
