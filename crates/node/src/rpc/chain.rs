//! `chain_*`: heads and blocks, and the head subscriptions ([`ChainApiServer`]).
//!
//! # Rules
//! - Heights name finalized blocks; `chain_getHead` and `chain_getBlockByHash` also see
//!   verified blocks that are not finalized yet (their `finalized` is false).
//! - A block's receipts are read with one range read per block, never one lookup per
//!   transaction; `chain_getBlockTransactions` returns at most 1,000 transactions a call.
//! - A head subscription that falls behind the chain's event channel skips to the current
//!   head rather than failing.

use commonware_codec::EncodeSize;
use jsonrpsee::core::{SubscriptionResult, async_trait};
use jsonrpsee::server::{PendingSubscriptionSink, SubscriptionMessage};
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::ChainApiServer;
use taonet_client::codes;
use taonet_client::types::{BlockInfo, HeadInfo, TransactionInfo, TxSummary};
use taonet_crypto::Ss58;
use taonet_types::{Block, Hash};
use tokio::sync::broadcast::error::RecvError;

use super::convert::head_info;
use super::{RpcApi, err};
use crate::chain::ChainEvent;

#[async_trait]
impl ChainApiServer for RpcApi {
    async fn chain_get_head(&self) -> Result<HeadInfo, ErrorObjectOwned> {
        Ok(head_info(self.chain.best()))
    }

    async fn chain_get_finalized_head(&self) -> Result<HeadInfo, ErrorObjectOwned> {
        Ok(head_info(self.chain.finalized()))
    }

    async fn chain_get_block_by_height(
        &self,
        height: u64,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned> {
        Ok(self
            .chain
            .block_by_height(height)
            .map(|b| self.block_info(&b, true)))
    }

    async fn chain_get_block_by_hash(
        &self,
        hash: Hash,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned> {
        let finalized_height = self.chain.finalized().height;
        Ok(self.chain.block_by_hash(&hash).map(|b| {
            let fin = b.height <= finalized_height
                && self.chain.block_by_height(b.height).map(|f| f.hash()) == Some(hash);
            self.block_info(&b, fin)
        }))
    }

    async fn chain_get_block_hash(&self, height: u64) -> Result<Option<Hash>, ErrorObjectOwned> {
        Ok(self.chain.block_by_height(height).map(|b| b.hash()))
    }

    async fn chain_get_block_transactions(
        &self,
        height: u64,
        offset: u32,
        limit: u32,
    ) -> Result<Option<Vec<TransactionInfo>>, ErrorObjectOwned> {
        if limit > 1_000 {
            return Err(err(codes::TOO_LARGE, "limit must be at most 1000"));
        }
        let Some(block) = self.chain.block_by_height(height) else {
            return Ok(None);
        };
        let receipts = self
            .chain
            .with_store(|s| s.receipts(height))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?;
        let start = (offset as usize).min(block.transactions.len());
        let end = start
            .saturating_add(limit as usize)
            .min(block.transactions.len());
        block.transactions[start..end]
            .iter()
            .zip(start..)
            .map(|(t, i)| {
                let hash = t.hash();
                let receipt = receipts
                    .get(i)
                    .filter(|r| r.tx_hash == hash)
                    .ok_or_else(|| {
                        err(
                            codes::STORAGE,
                            format!("receipt {height}/{i} is missing from the store"),
                        )
                    })?;
                Ok(TransactionInfo {
                    hash,
                    block_height: height,
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    signer: t.tx.signer.to_ss58(),
                    nonce: t.tx.nonce,
                    fee_limit: t.tx.fee_limit,
                    call_name: t.tx.call.name().to_string(),
                    call: t.tx.call.clone(),
                    size: t.encode_size(),
                    fee: receipt.fee,
                    success: receipt.success,
                    error_message: receipt.error_message.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    async fn chain_subscribe_new_heads(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        self.follow_heads(pending, false).await
    }

    async fn chain_subscribe_finalized_heads(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        self.follow_heads(pending, true).await
    }
}

impl RpcApi {
    /// The response shape of `block`; a finalized one with each transaction's outcome from
    /// the block's receipts.
    fn block_info(&self, block: &Block, finalized: bool) -> BlockInfo {
        // One range read of the block's receipts: looking each transaction up by hash reloads
        // and decodes the whole block per transaction (quadratic, and under the chain lock).
        let mut receipts: Vec<Option<bool>> = vec![None; block.transactions.len()];
        if finalized && let Ok(stored) = self.chain.with_store(|s| s.receipts(block.height)) {
            for (slot, (t, r)) in receipts
                .iter_mut()
                .zip(block.transactions.iter().zip(stored.iter()))
            {
                if r.tx_hash == t.hash() {
                    *slot = Some(r.success);
                }
            }
        }
        BlockInfo {
            height: block.height,
            hash: block.hash(),
            parent: block.parent,
            timestamp_ms: block.timestamp_ms,
            proposer: block.proposer.to_ss58(),
            state_root: block.state_root,
            finalized,
            transactions: block
                .transactions
                .iter()
                .zip(receipts)
                .map(|(t, success)| TxSummary {
                    hash: t.hash(),
                    signer: t.tx.signer.to_ss58(),
                    nonce: t.tx.nonce,
                    call: t.tx.call.name().to_string(),
                    success,
                })
                .collect(),
            seats: block.seats.clone(),
            version: block.version,
        }
    }

    /// Sends each new best head (with `finalized`: each finalized head) to the subscriber
    /// until it unsubscribes or the chain's events end; after a lag, the current head.
    async fn follow_heads(
        &self,
        pending: PendingSubscriptionSink,
        finalized: bool,
    ) -> SubscriptionResult {
        let mut events = self.chain.subscribe();
        let sink = pending.accept().await?;
        loop {
            tokio::select! {
                event = events.recv() => {
                    let head = match event {
                        Ok(ChainEvent::Finalized(h)) => h,
                        Ok(ChainEvent::NewHead(h)) if !finalized => h,
                        Ok(ChainEvent::NewHead(_)) => continue,
                        Err(RecvError::Lagged(_)) => if finalized { self.chain.finalized() } else { self.chain.best() },
                        Err(RecvError::Closed) => return Ok(()),
                    };
                    let msg = serde_json::value::to_raw_value(&head_info(head))?;
                    sink.send(SubscriptionMessage::from(msg)).await?;
                }
                _ = sink.closed() => return Ok(()),
            }
        }
    }
}
