//! The node's JSON-RPC API (JSON-RPC 2.0 over HTTP and WebSocket), one trait per namespace.
//!
//! # Rules
//! - Every wire name is `<namespace>_<method>` (`state_getAccount`); each namespace's trait
//!   declares its namespace once (`#[rpc(namespace = "state")]`) and its methods by the rest
//!   of the name. The Rust method keeps the namespace as a prefix (`state_get_account`), so
//!   every method of every trait has a distinct name and all can be in scope at once
//!   ([`crate::prelude`]).
//! - Each trait generates a server trait (`…ApiServer`, implemented by the node, one impl per
//!   namespace) and a client trait (`…ApiClient`, implemented for every jsonrpsee client), so
//!   client and server cannot drift apart.
//! - Errors carry a code ([`crate::codes`]) and a message that says what was wrong.
//! - Wire names, parameters and result shapes are a public interface (the Python interop
//!   tests and the explorer call them): the node's tests pin the full method list.
//!
//! | namespace | trait | what |
//! |---|---|---|
//! | `system_*` | [`SystemApi`](system::SystemApiClient) | the node: software, chain, peers, health |
//! | `chain_*` | [`ChainApi`](chain::ChainApiClient) | heads and blocks, head subscriptions |
//! | `state_*` | [`StateApi`](state::StateApiClient) | accounts, stake, subnets, neurons, seats, figures |
//! | `gov_*` | [`GovApi`](gov::GovApiClient) | proposals, votes, the treasury |
//! | `channel_*` | [`ChannelApi`](channel::ChannelApiClient) | payment channels |
//! | `author_*` | [`AuthorApi`](author::AuthorApiClient) | submitting and following transactions |
//! | `payment_*` | [`PaymentApi`](payment::PaymentApiClient) | fee estimates |

pub mod author;
pub mod chain;
pub mod channel;
pub mod gov;
pub mod payment;
pub mod state;
pub mod system;

pub use author::{AuthorApiClient, AuthorApiServer};
pub use chain::{ChainApiClient, ChainApiServer};
pub use channel::{ChannelApiClient, ChannelApiServer};
pub use gov::{GovApiClient, GovApiServer};
pub use payment::{PaymentApiClient, PaymentApiServer};
pub use state::{StateApiClient, StateApiServer};
pub use system::{SystemApiClient, SystemApiServer};
