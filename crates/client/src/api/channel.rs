//! The `channel_*` namespace: payment channels (a deposit an opener locks for a gateway to
//! claim from; not the p2p layer's channels).
//!
//! Read from the finalized state; a channel is listed from its opening until it is reclaimed.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use taonet_types::Hash;

use crate::types::ChannelInfo;

/// The `channel_*` methods, as a server trait (implemented by the node) and a client trait
/// (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "channel")]
pub trait ChannelApi {
    /// An open payment channel by id (`None` if it was never opened or was reclaimed).
    #[method(name = "get")]
    async fn channel_get(&self, id: Hash) -> RpcResult<Option<ChannelInfo>>;

    /// The open channels an address (SS58) opened, or that pay it as the gateway hotkey or
    /// the gateway's owner coldkey.
    #[method(name = "list")]
    async fn channel_list(&self, address: String) -> RpcResult<Vec<ChannelInfo>>;
}
