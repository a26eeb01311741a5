//! The JSON-RPC server (HTTP and WebSocket on one port): one implementation per namespace of
//! the node's API ([`taonet_client::api`]), all on one shared handle ([`RpcApi`]: the chain,
//! with its mempool and store, and the network status), merged into one module
//! ([`RpcApi::into_module`]) and served by [`start`].
//!
//! # Layout
//! | file | what |
//! |---|---|
//! | `server.rs` | [`RpcConfig`], the accept loop, [`start`] |
//! | `middleware.rs` | the rate limit and batch cap, the explorer's routing |
//! | [`limits`] | the per-address token buckets and connection counts |
//! | `input.rs` | request → domain: addresses, hex transactions, pages, cursors |
//! | `convert.rs` | state → response shapes |
//! | `system.rs`, `chain.rs`, `state.rs`, `gov.rs`, `channel.rs`, `author.rs`, `payment.rs` | one namespace each: its server trait implemented on [`RpcApi`] |
//!
//! Adding a method: declare it in its namespace's trait in `taonet_client::api`, implement it
//! in the namespace's file here, and add its wire name to the node tests' `rpc_methods.txt`.
//!
//! # Rules
//! - Reads are served from the finalized state and the store; `chain_getHead` and
//!   `chain_getBlockByHash` also see verified, not yet finalized blocks. Each namespace's file
//!   states the rules of its methods.
//! - Every refusal has a code ([`taonet_client::codes`]) and a message that says what was
//!   wrong and, where it can, what to send instead (`input.rs` parses every input).
//! - Transactions arrive as hex of their binary encoding, are decoded with the chain's limits
//!   (whole input consumed) and go through the mempool's checks ([`decode_transaction`],
//!   `author.rs`).
//! - Limits ([`RpcConfig`]): request bodies up to [`RpcConfig::max_request_bytes`],
//!   connections up to `max_connections` in all and `max_connections_per_address` per client
//!   address (more get HTTP 429), subscriptions per connection up to `max_subscriptions`,
//!   batches up to `max_batch` entries (a larger one is refused whole with
//!   `BATCH_TOO_LARGE`), and one token bucket of `requests_per_second` (burst `2×`) per client
//!   address shared by all its connections ([`limits`]): every call, batch entry and explorer
//!   page takes a token; over it a call fails with `RATE_LIMITED` (a batch is refused whole)
//!   and an explorer page gets HTTP 429, each saying the limit and when to retry
//!   (`middleware.rs`). Loopback clients are exempt unless [`RpcConfig::limit_loopback`].
//! - Reads that could grow with the chain are paged and bounded: account history by cursor
//!   (at most 1,000 a page, O(page) index reads), delegates by cursor (at most 1,000 a page;
//!   ordering them by stake reads one total per staked hotkey, and only the page's delegates
//!   are built), transaction status from the store's indexes without decoding the block.
//! - The block explorer ([`taonet_explorer`]) shares the port when [`RpcConfig::explorer`] is
//!   set: plain HTTP `GET`/`HEAD` requests that are not WebSocket upgrades (what a browser
//!   sends) go to the explorer's router; JSON-RPC (`POST`) and WebSocket upgrades go to the
//!   RPC server. The explorer reads the chain through a second, private endpoint of the same
//!   methods on an ephemeral loopback port (not rate-limited: the browser's page request
//!   already took its token on the public port), stopped with the public one (`server.rs`).

mod author;
mod chain;
mod channel;
mod convert;
mod gov;
mod input;
pub mod limits;
mod middleware;
mod payment;
mod server;
mod state;
mod system;

use std::sync::{Arc, Mutex};

use jsonrpsee::RpcModule;
use jsonrpsee::core::RegisterMethodError;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::{
    AuthorApiServer, ChainApiServer, ChannelApiServer, GovApiServer, PaymentApiServer,
    StateApiServer, SystemApiServer,
};

pub use convert::action_summary;
pub use input::decode_transaction;
pub use server::{
    DEFAULT_MAX_BATCH, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_RATE_LIMIT, RpcConfig, start,
};

use crate::chain::Chain;

/// Information the RPC reports about the network (filled by the consensus layer).
#[derive(Clone, Debug, Default)]
pub struct NetworkStatus {
    peers: Arc<Mutex<Vec<String>>>,
}

impl NetworkStatus {
    /// Replaces the list of connected peers.
    pub fn set_peers(&self, peers: Vec<String>) {
        *self.peers.lock().unwrap_or_else(|e| e.into_inner()) = peers;
    }

    /// Connected peers.
    pub fn peers(&self) -> Vec<String> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The handle every namespace's server trait is implemented on: the chain (with its mempool
/// and store) and the network status. Cloning it is cheap; every clone serves the same node.
#[derive(Clone)]
pub struct RpcApi {
    chain: Chain,
    network: NetworkStatus,
}

impl RpcApi {
    /// An API over `chain`.
    pub fn new(chain: Chain, network: NetworkStatus) -> RpcApi {
        RpcApi { chain, network }
    }

    /// Every namespace's methods merged into one module: what [`start`] serves. Fails only if
    /// two namespaces declared the same wire name.
    pub fn into_module(self) -> Result<RpcModule<()>, RegisterMethodError> {
        let mut module = RpcModule::new(());
        module.merge(SystemApiServer::into_rpc(self.clone()))?;
        module.merge(ChainApiServer::into_rpc(self.clone()))?;
        module.merge(StateApiServer::into_rpc(self.clone()))?;
        module.merge(GovApiServer::into_rpc(self.clone()))?;
        module.merge(ChannelApiServer::into_rpc(self.clone()))?;
        module.merge(AuthorApiServer::into_rpc(self.clone()))?;
        module.merge(PaymentApiServer::into_rpc(self))?;
        Ok(module)
    }
}

/// An RPC error with `code` ([`taonet_client::codes`]) and `message`, without data.
fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}
