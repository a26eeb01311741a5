//! The `chain_*` namespace: heads and blocks.
//!
//! Heights and hashes refer to finalized blocks unless a method says otherwise;
//! `chain_getHead` and `chain_getBlockByHash` also see verified blocks that are not finalized
//! yet.

use jsonrpsee::core::{RpcResult, SubscriptionResult};
use jsonrpsee::proc_macros::rpc;
use taonet_types::Hash;

use crate::types::{BlockInfo, HeadInfo, TransactionInfo};

/// The `chain_*` methods and subscriptions, as a server trait (implemented by the node) and a
/// client trait (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "chain")]
pub trait ChainApi {
    /// The best known head (it may not be finalized yet).
    #[method(name = "getHead")]
    async fn chain_get_head(&self) -> RpcResult<HeadInfo>;

    /// The finalized head.
    #[method(name = "getFinalizedHead")]
    async fn chain_get_finalized_head(&self) -> RpcResult<HeadInfo>;

    /// The finalized block at `height`, with a summary of each transaction and its outcome;
    /// `None` if no block is finalized there.
    #[method(name = "getBlockByHeight")]
    async fn chain_get_block_by_height(&self, height: u64) -> RpcResult<Option<BlockInfo>>;

    /// A block by hash, finalized or only verified (its `finalized` field says which); `None`
    /// if the node does not know it.
    #[method(name = "getBlockByHash")]
    async fn chain_get_block_by_hash(&self, hash: Hash) -> RpcResult<Option<BlockInfo>>;

    /// The hash of the finalized block at `height`; `None` if no block is finalized there.
    #[method(name = "getBlockHash")]
    async fn chain_get_block_hash(&self, height: u64) -> RpcResult<Option<Hash>>;

    /// Transactions of a finalized block, decoded, with their receipts: those at indexes
    /// `offset..offset + limit` (`limit` at most 1,000). `None` if no block is finalized at
    /// `height`.
    #[method(name = "getBlockTransactions")]
    async fn chain_get_block_transactions(
        &self,
        height: u64,
        offset: u32,
        limit: u32,
    ) -> RpcResult<Option<Vec<TransactionInfo>>>;

    /// Every new best head, as it is imported (notifications `chain_newHead`).
    #[subscription(name = "subscribeNewHeads" => "newHead", unsubscribe = "unsubscribeNewHeads", item = HeadInfo)]
    async fn chain_subscribe_new_heads(&self) -> SubscriptionResult;

    /// Every newly finalized head (notifications `chain_finalizedHead`).
    #[subscription(name = "subscribeFinalizedHeads" => "finalizedHead", unsubscribe = "unsubscribeFinalizedHeads", item = HeadInfo)]
    async fn chain_subscribe_finalized_heads(&self) -> SubscriptionResult;
}
