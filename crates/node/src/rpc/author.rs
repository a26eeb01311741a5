//! `author_*`: submitting transactions and following them ([`AuthorApiServer`]).
//!
//! # Rules
//! - A transaction arrives as hex of its encoding and is decoded with the chain's limits
//!   ([`super::decode_transaction`]), then goes through the mempool's checks. Refusals:
//!   `BAD_TRANSACTION` (does not decode), `INVALID_TRANSACTION` (a failing free call carries
//!   its typed runtime error as `data`, as in receipts), `MEMPOOL_REJECTED` (the rest).
//! - A transaction's status comes from the store's indexes (hash → position → receipt), with
//!   no block decoded; then the mempool; otherwise it is unknown.
//! - Submit-and-watch subscribes to finality before submitting, so no block is missed, and
//!   ends after `Finalized` or `Unknown`.

use jsonrpsee::core::{SubscriptionResult, async_trait};
use jsonrpsee::server::{PendingSubscriptionSink, SubscriptionMessage};
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::AuthorApiServer;
use taonet_client::codes;
use taonet_client::types::TxStatus;
use taonet_runtime::TxInvalid;
use taonet_types::{Hash, SignedTransaction};
use tokio::sync::broadcast::error::RecvError;

use super::input::decode_transaction;
use super::{RpcApi, err};
use crate::chain::ChainEvent;
use crate::mempool::MempoolError;

#[async_trait]
impl AuthorApiServer for RpcApi {
    async fn author_submit_transaction(&self, tx_hex: String) -> Result<Hash, ErrorObjectOwned> {
        self.submit(&tx_hex).map(|(_, h)| h)
    }

    async fn author_submit_and_watch_transaction(
        &self,
        pending: PendingSubscriptionSink,
        tx_hex: String,
    ) -> SubscriptionResult {
        // Subscribe to finality before submitting, so no block is missed.
        let mut events = self.chain.subscribe();
        let hash = match self.submit(&tx_hex) {
            Ok((_, h)) => h,
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        let sink = pending.accept().await?;
        let send = |status: &TxStatus| {
            serde_json::value::to_raw_value(status).map(SubscriptionMessage::from)
        };
        sink.send(send(&TxStatus::Pending)?).await?;
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(ChainEvent::Finalized(_)) | Err(RecvError::Lagged(_)) => {
                        let status = self.status(&hash).map_err(|e| e.message().to_string())?;
                        match status {
                            TxStatus::Finalized { .. } => {
                                sink.send(send(&status)?).await?;
                                return Ok(());
                            }
                            TxStatus::Unknown => {
                                sink.send(send(&status)?).await?;
                                return Ok(());
                            }
                            TxStatus::Pending => {}
                        }
                    }
                    Ok(ChainEvent::NewHead(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                },
                _ = sink.closed() => return Ok(()),
            }
        }
    }

    async fn author_get_transaction_status(
        &self,
        hash: Hash,
    ) -> Result<TxStatus, ErrorObjectOwned> {
        self.status(&hash)
    }

    async fn author_pending_transactions(&self) -> Result<Vec<Hash>, ErrorObjectOwned> {
        Ok(self
            .chain
            .mempool()
            .pending(10_000)
            .iter()
            .map(SignedTransaction::hash)
            .collect())
    }
}

impl RpcApi {
    /// The status of the transaction `hash`: finalized (from the store's indexes, no block
    /// decoded), pending in the mempool, or unknown.
    fn status(&self, hash: &Hash) -> Result<TxStatus, ErrorObjectOwned> {
        // From the indexes (hash → position → receipt, height → block hash): no block decode.
        if let Some(found) = self
            .chain
            .with_store(|s| s.transaction_receipt(hash))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?
        {
            return Ok(TxStatus::Finalized {
                block_height: found.block_height,
                block_hash: found.block_hash,
                index: found.index,
                success: found.receipt.success,
                fee: found.receipt.fee,
                error: found.receipt.error,
                error_message: found.receipt.error_message,
            });
        }
        if self.chain.mempool().contains(hash) {
            return Ok(TxStatus::Pending);
        }
        Ok(TxStatus::Unknown)
    }

    /// Decodes `tx_hex` with the finalized state's limits and submits it to the mempool;
    /// returns the transaction and its hash, or the refusal as an RPC error.
    fn submit(&self, tx_hex: &str) -> Result<(SignedTransaction, Hash), ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let tx = decode_transaction(tx_hex, state.params())?;
        let hash = self
            .chain
            .mempool()
            .submit(tx.clone())
            .map_err(|e| match e {
                // A failing free call: its typed runtime error as data (`{"module", "error"}`,
                // as in receipts), so a neuron can tell "too early" from "never".
                MempoolError::Invalid(TxInvalid::FreeCallFailed(dispatch)) => {
                    ErrorObjectOwned::owned(
                        codes::INVALID_TRANSACTION,
                        format!(
                            "invalid transaction: {}",
                            TxInvalid::FreeCallFailed(dispatch.clone())
                        ),
                        Some(serde_json::to_value(&dispatch).unwrap_or_default()),
                    )
                }
                MempoolError::Invalid(inner) => err(
                    codes::INVALID_TRANSACTION,
                    format!("invalid transaction: {inner}"),
                ),
                other => err(
                    codes::MEMPOOL_REJECTED,
                    format!("transaction rejected: {other}"),
                ),
            })?;
        Ok((tx, hash))
    }
}
