//! The gateway's claims: the vouchers in the book turned into payments on chain, by a loop
//! ([`Gateway::run_claims`]) or one round at a time ([`Gateway::claim_all`]).
//!
//! # Claims
//! Every claim interval (and once more on shutdown) each channel with an unclaimed amount is
//! claimed with its highest voucher, signed by the gateway hotkey's owner coldkey, listing
//! the miners that answered (uid, units) whose uid still belongs to the hotkey that earned
//! them. The chain pays `query_miner_share_ppb` of the increase to those miners pro rata by
//! units. A claim is only sent when its fee ([`claim_fee`]: `tx_base_fee + tx_byte_fee ·`
//! the signed transaction's size) is below what it brings the claimer ([`claim_value`]:
//! the increase less the miners' share); the others stay in the book until later queries
//! make them worth it (counted in
//! [`GatewayHealth::skipped_claims`](super::GatewayHealth::skipped_claims)). Claims are
//! sent soonest expiry first, [`CLAIM_CONCURRENCY`] at a time with consecutive nonces. A
//! claim the chain refuses because the channel is gone or expired (or whose expiry has
//! passed) drops the entry (the loss is logged); one refused as not increasing adopts the
//! chain's claimed amount. Choose a claim interval well below `min_blocks_left` blocks.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};
use taonet_client::prelude::*;
use taonet_types::channel::MinerShare;
use taonet_types::gov::PPB;
use taonet_types::tx::ChannelCall;
use taonet_types::{Call, ChainParams, Hash, Rao};

use super::{BookEntry, Gateway, GatewayHealth};
use crate::error::TxError;
use crate::health::update;
use crate::tx::Included;

/// Claims kept in the health report.
const CLAIMS_KEPT: usize = 100;

/// One claim the gateway made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// The channel claimed from.
    pub channel: Hash,
    /// The voucher amount claimed.
    pub amount: Rao,
    /// The increase it paid out.
    pub delta: Rao,
    /// The miners listed: (uid, units).
    pub miners: Vec<(u16, u64)>,
    /// The block it was finalized in.
    pub block: u64,
    /// The fee paid.
    pub fee: Rao,
}

impl Gateway {
    /// Claims every channel with an unclaimed amount that is worth its fee, soonest expiry
    /// first, [`CLAIM_CONCURRENCY`] at a time (the rules of claims, `gateway/claims.rs`); returns the claims
    /// that were finalized. Without a claimer, does nothing.
    pub async fn claim_all(&self) -> Vec<ClaimRecord> {
        let Some(claimer) = self.inner.claimer.as_ref() else {
            return Vec::new();
        };
        let client = self.inner.chain.client();
        let netuid = self.inner.config.netuid;
        let hotkeys: BTreeMap<u16, String> =
            match client.state_get_metagraph(netuid, false, false).await {
                Ok(Some(m)) => m.neurons.into_iter().map(|n| (n.uid, n.hotkey)).collect(),
                Ok(None) => BTreeMap::new(),
                Err(e) => {
                    self.note_error(format!("claims: cannot read subnet {netuid}: {e}"));
                    return Vec::new();
                }
            };
        let (params, height) = match (
            client.state_get_params().await,
            client.chain_get_finalized_head().await,
        ) {
            (Ok(p), Ok(h)) => (p, h.height),
            (Err(e), _) | (_, Err(e)) => {
                self.note_error(format!("claims: cannot read the chain: {e}"));
                return Vec::new();
            }
        };
        let book = self.inner.book.snapshot();
        let mut due = Vec::new();
        let mut skipped = 0usize;
        for (id, entry) in book.channels {
            if entry.unclaimed() == Rao::ZERO {
                continue;
            }
            if height >= entry.expiry {
                // The chain refuses claims from the expiry on (channel_expired).
                self.claim_refused(&id, &entry, Some("channel_expired"), "expired")
                    .await;
                continue;
            }
            let miners = entry.claim_miners(|uid| hotkeys.get(&uid).cloned());
            let call = Call::Channels(ChannelCall::Claim {
                channel: id,
                voucher: entry.voucher,
                netuid,
                miners: miners.clone(),
            });
            let fee = claim_fee(&params, &call);
            let value = claim_value(&params, entry.unclaimed(), !miners.is_empty());
            if fee >= value {
                tracing::debug!(
                    "channel {id}: not claimed yet, the fee {fee} exceeds the {value} it would bring"
                );
                skipped += 1;
                continue;
            }
            due.push((id, entry, miners, call));
        }
        due.sort_by_key(|(id, e, _, _)| (e.expiry, *id));
        let mut done = Vec::new();
        for wave in due.chunks(CLAIM_CONCURRENCY) {
            let nonce = match self.inner.chain.next_nonce(claimer).await {
                Ok(n) => n,
                Err(e) => {
                    self.note_error(format!("claims: {e}"));
                    break;
                }
            };
            let sent = wave.iter().enumerate().map(|(i, (_, _, _, call))| {
                self.inner
                    .chain
                    .submit_at(claimer, call.clone(), Some(nonce + i as u64))
            });
            let results = futures::future::join_all(sent).await;
            for ((id, entry, miners, _), result) in wave.iter().zip(results) {
                match result {
                    Ok(included) => {
                        if let Some(record) = self.claimed(*id, entry, miners, included).await {
                            done.push(record);
                        }
                    }
                    Err(TxError::Failed { kind, message, .. }) => {
                        self.claim_refused(id, entry, kind.as_deref(), &message)
                            .await;
                    }
                    Err(e) => self.note_error(format!("claim on channel {id}: {e}")),
                }
            }
        }
        if let Err(e) = self.book_write(move |b| b.prune(height)).await {
            self.note_error(format!("saving the voucher book: {e}"));
        }
        update(&self.inner.health, |h: &mut GatewayHealth| {
            h.skipped_claims = skipped;
        });
        self.book_health();
        done
    }

    /// Books a finalized claim.
    async fn claimed(
        &self,
        id: Hash,
        entry: &BookEntry,
        miners: &[MinerShare],
        included: Included,
    ) -> Option<ClaimRecord> {
        let amount = entry.voucher.voucher.amount;
        let record = ClaimRecord {
            channel: id,
            amount,
            delta: amount.saturating_sub(entry.claimed),
            miners: miners.iter().map(|m| (m.uid, m.units)).collect(),
            block: included.block_height,
            fee: included.fee,
        };
        tracing::info!(
            "claimed {} TAO on channel {id} (block #{}, {} miners, fee {})",
            record.delta,
            record.block,
            miners.len(),
            record.fee
        );
        let paid = miners.to_vec();
        if let Err(e) = self
            .book_write(move |b| b.mark_claimed(&id, amount, &paid))
            .await
        {
            self.note_error(format!("saving the voucher book: {e}"));
        }
        update(&self.inner.health, |h: &mut GatewayHealth| {
            h.claimed = h.claimed.checked_add(record.delta).unwrap_or(h.claimed);
            h.claim_fees = h.claim_fees.checked_add(record.fee).unwrap_or(h.claim_fees);
            h.claims.push(record.clone());
            if h.claims.len() > CLAIMS_KEPT {
                h.claims.remove(0);
            }
        });
        Some(record)
    }

    /// A claim the chain refused: adopt its state where that explains the refusal.
    async fn claim_refused(&self, id: &Hash, entry: &BookEntry, kind: Option<&str>, why: &str) {
        let id = *id;
        let written = match kind {
            Some("unknown_channel" | "channel_expired") => {
                tracing::warn!(
                    "channel {id}: {why}; {} TAO of vouchers can no longer be claimed",
                    entry.unclaimed()
                );
                self.book_write(move |b| b.remove(&id)).await
            }
            Some("voucher_not_increasing") => {
                match self.inner.chain.client().channel_get(id).await {
                    Ok(Some(c)) => {
                        self.book_write(move |b| b.mark_claimed(&id, c.claimed, &[]))
                            .await
                    }
                    _ => Ok(()),
                }
            }
            _ => {
                self.note_error(format!("claim on channel {id} failed: {why}"));
                Ok(())
            }
        };
        if let Err(e) = written {
            self.note_error(format!("saving the voucher book: {e}"));
        }
    }

    /// Logs a failure and keeps it as the health report's `last_error`.
    fn note_error(&self, message: String) {
        tracing::warn!("{message}");
        update(&self.inner.health, |h: &mut GatewayHealth| {
            h.last_error = Some(message);
        });
    }

    /// Claims every claim interval until `shutdown` completes, then once more.
    pub async fn run_claims(&self, shutdown: impl Future<Output = ()>) {
        if self.inner.claimer.is_none() {
            shutdown.await;
            return;
        }
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(self.inner.config.claim_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tick.tick() => {
                    self.claim_all().await;
                }
            }
        }
        let claimed = self.claim_all().await;
        tracing::info!("final claims before shutdown: {}", claimed.len());
    }
}

/// Claims in flight at once (consecutive nonces of the claimer).
pub const CLAIM_CONCURRENCY: usize = 8;

/// The fee the chain charges for `call` sent without a tip: the base fee of the signed
/// transaction's size.
pub fn claim_fee(params: &ChainParams, call: &Call) -> Rao {
    params.base_fee(taonet_types::SignedTransaction::size_of(call))
}

/// What a claim of `delta` brings its claimer: the increase less the miners' share (when
/// miners are listed).
pub fn claim_value(params: &ChainParams, delta: Rao, with_miners: bool) -> Rao {
    if !with_miners {
        return delta;
    }
    let share =
        u128::from(delta.0) * u128::from(params.query_miner_share_ppb.min(PPB)) / u128::from(PPB);
    delta.saturating_sub(Rao(u64::try_from(share).unwrap_or(u64::MAX)))
}
