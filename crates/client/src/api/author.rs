//! The `author_*` namespace: submitting transactions and following them.
//!
//! A transaction travels as hex (`0x` optional) of its binary encoding; the node decodes it
//! with the chain's limits and puts it through the mempool's checks. A refusal carries a code
//! from [`crate::codes`] (`BAD_TRANSACTION`, `INVALID_TRANSACTION`, `MEMPOOL_REJECTED`) and a
//! message that says what was wrong.

use jsonrpsee::core::{RpcResult, SubscriptionResult};
use jsonrpsee::proc_macros::rpc;
use taonet_types::Hash;

use crate::types::TxStatus;

/// The `author_*` methods and subscription, as a server trait (implemented by the node) and a
/// client trait (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "author")]
pub trait AuthorApi {
    /// Submits a transaction (hex of its encoding) to the mempool; returns its hash.
    #[method(name = "submitTransaction")]
    async fn author_submit_transaction(&self, tx_hex: String) -> RpcResult<Hash>;

    /// Submits a transaction and reports its status (notifications
    /// `author_transactionStatus`): `Pending`, then `Finalized` or, if the pool dropped it,
    /// `Unknown`. A transaction the mempool refuses rejects the subscription with its error.
    #[subscription(name = "submitAndWatchTransaction" => "transactionStatus", unsubscribe = "unwatchTransaction", item = TxStatus)]
    async fn author_submit_and_watch_transaction(&self, tx_hex: String) -> SubscriptionResult;

    /// A transaction's status: finalized (with its receipt), pending in the mempool, or
    /// unknown.
    #[method(name = "getTransactionStatus")]
    async fn author_get_transaction_status(&self, hash: Hash) -> RpcResult<TxStatus>;

    /// The hashes of the transactions waiting in the mempool (at most 10,000).
    #[method(name = "pendingTransactions")]
    async fn author_pending_transactions(&self) -> RpcResult<Vec<Hash>>;
}
