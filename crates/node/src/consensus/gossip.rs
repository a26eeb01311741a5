//! Transaction gossip between nodes.
//!
//! # Rules
//! - Every transaction this node's mempool accepts (from RPC or from a peer) is announced by
//!   the mempool; the gossip task batches announcements (at most [`MAX_BATCH`] transactions or
//!   [`BATCH_WINDOW`] of waiting) and sends the batch to every connected peer on the gossip
//!   channel. Transactions that arrived by gossip are not sent on again (peers are fully
//!   meshed, so one hop reaches everyone), which bounds traffic at one copy per link.
//! - A batch is a commonware-codec vector of signed transactions, at most [`MAX_BATCH`]
//!   long; a message that does not decode exactly is dropped. A received batch goes through
//!   `mempool.submit_batch`: the same checks as one submission (nonce, balance, size, fee,
//!   signature), with the signatures of the batch verified together; rejections are normal
//!   (duplicates) and are ignored.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use bytes::Bytes;
use commonware_codec::{Copying, Decode, Encode, RangeCfg};
use commonware_cryptography::ed25519::PublicKey;
use commonware_macros::select;
use commonware_p2p::{Receiver, Recipients, Sender};
use commonware_runtime::{Clock, Handle, Spawner};
use taonet_types::{Hash, SignedTransaction};
use tokio::sync::broadcast::error::RecvError;

use crate::chain::Chain;

/// Most transactions in one gossip message.
pub const MAX_BATCH: usize = 256;
/// Longest an announced transaction waits for its batch to fill.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// Hashes of gossiped-in transactions remembered (not sent on again).
const REMEMBERED: usize = 100_000;

/// Decodes a gossip message.
pub fn decode_batch(bytes: &[u8]) -> Option<Vec<SignedTransaction>> {
    Vec::<SignedTransaction>::decode_cfg(Copying(bytes), &(RangeCfg::new(0..=MAX_BATCH), ())).ok()
}

/// Encodes a gossip message.
pub fn encode_batch(txs: &[SignedTransaction]) -> Bytes {
    txs.to_vec().encode()
}

/// Starts the gossip task.
pub(crate) fn start<E, S, R>(
    context: E,
    chain: Chain,
    (mut sender, mut receiver): (S, R),
) -> Handle<()>
where
    E: Spawner + Clock,
    S: Sender<PublicKey = PublicKey>,
    R: Receiver<PublicKey = PublicKey>,
{
    context.spawn(move |context| async move {
        let mut announced = chain.mempool().subscribe();
        let mut from_peers: HashSet<Hash> = HashSet::new();
        let mut order: VecDeque<Hash> = VecDeque::new();
        let mut batch: Vec<SignedTransaction> = Vec::new();
        let mut deadline = context.current() + Duration::from_secs(3600);
        loop {
            select! {
                msg = receiver.recv() => {
                    let Ok((_, bytes)) = msg else { break };
                    let Some(txs) = decode_batch(bytes.as_ref()) else { continue };
                    for tx in &txs {
                        let hash = tx.hash();
                        if from_peers.insert(hash) {
                            order.push_back(hash);
                            if order.len() > REMEMBERED
                                && let Some(old) = order.pop_front()
                            {
                                from_peers.remove(&old);
                            }
                        }
                    }
                    let _ = chain.mempool().submit_batch(txs);
                },
                tx = announced.recv() => {
                    match tx {
                        Ok(tx) => {
                            if !from_peers.contains(&tx.hash()) {
                                if batch.is_empty() {
                                    deadline = context.current() + BATCH_WINDOW;
                                }
                                batch.push(tx);
                            }
                        }
                        Err(RecvError::Lagged(n)) => {
                            tracing::debug!(missed = n, "gossip lagged behind the mempool");
                        }
                        Err(RecvError::Closed) => break,
                    }
                    if batch.len() >= MAX_BATCH {
                        sender.send(Recipients::All, encode_batch(&batch), false);
                        batch.clear();
                    }
                },
                _ = context.sleep_until(deadline) => {
                    if !batch.is_empty() {
                        sender.send(Recipients::All, encode_batch(&batch), false);
                        batch.clear();
                    }
                    deadline = context.current() + Duration::from_secs(3600);
                },
            }
        }
    })
}
