//! The `system_*` namespace: what the node is and how it is doing.
//!
//! Answers come from the node itself, not from the chain's state: its software, the chain it
//! follows, its peers and its view of the heads.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;

use crate::types::{Health, Properties};

/// The `system_*` methods, as a server trait (implemented by the node) and a client trait
/// (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "system")]
pub trait SystemApi {
    /// The node software's name (`"taonet"`).
    #[method(name = "name")]
    async fn system_name(&self) -> RpcResult<String>;

    /// The node software's version (its crate version, e.g. `"0.1.0"`).
    #[method(name = "version")]
    async fn system_version(&self) -> RpcResult<String>;

    /// The id of the chain the node follows (part of every transaction's signing domain).
    #[method(name = "chain")]
    async fn system_chain(&self) -> RpcResult<String>;

    /// Token symbol and decimals, the SS58 address format, the chain id and the genesis hash:
    /// what a wallet needs to sign for this chain.
    #[method(name = "properties")]
    async fn system_properties(&self) -> RpcResult<Properties>;

    /// The node's health: connected peers, finalized and best heights, time since the last
    /// finalized block, and transactions waiting in the mempool.
    #[method(name = "health")]
    async fn system_health(&self) -> RpcResult<Health>;

    /// The connected consensus peers, by public key (hex).
    #[method(name = "peers")]
    async fn system_peers(&self) -> RpcResult<Vec<String>>;
}
