//! Serving one paid query ([`Gateway::query`]) and choosing the miners that answer it: the
//! top `top_miners` by incentive (then by the validator's score, then uid), never the
//! gateway's own hotkey, and never an axon whose address is not public unless
//! [`GatewayConfig::allow_private_axons`](super::GatewayConfig::allow_private_axons).
//!
//! # Rules of a paid query
//! 1. The channel is read from the chain (finalized state): it exists, pays our hotkey, and
//!    has at least `min_blocks_left` blocks before its expiry (so a claim still lands).
//! 2. The voucher is for this channel, signed by its opener for this chain
//!    (`taonet_crypto::voucher`), at most the deposit, and at least `accepted + price`,
//!    where `accepted` is the highest amount the gateway accepted or saw claimed on chain.
//!    Rules 1 and 2 are checked before the gateway keeps anything about the channel; then
//!    queries on one channel are served one at a time (rule 2 checked again under the
//!    channel's lock), so two requests cannot spend the same increase. The lock exists only
//!    while queries hold or wait for it ([`Gateway::tracked_channels`]): random channel ids
//!    cost no memory.
//! 3. The answer is computed; if it fails nothing is recorded (the voucher is not taken).
//! 4. The voucher and the contributions are written to the
//!    [`BookStore`](super::BookStore) (one redb transaction for that channel's record,
//!    fsynced, on the blocking pool), then the answer is returned. The user's next voucher
//!    must exceed this one.

use std::collections::BTreeMap;
use std::sync::Arc;

use taonet_client::prelude::*;
use taonet_client::types::ChannelInfo;
use taonet_types::Rao;

use super::{
    AnswerRequest, Candidate, Gateway, GatewayHealth, MAX_PROMPT_BYTES, QueryError, QueryRequest,
    QueryResponse, check_payment,
};
use crate::address::check_axon;
use crate::health::update;
use crate::metagraph::Metagraph;

/// The validator's current scores: uid → (hotkey, moving-average reward).
pub type ScoreSource = Arc<dyn Fn() -> BTreeMap<u16, (String, f64)> + Send + Sync>;

impl Gateway {
    /// The top miners by incentive (then by our score, then uid), without ourselves.
    async fn candidates(&self) -> Result<Vec<Candidate>, QueryError> {
        let client = self.inner.chain.client();
        let mut guard = self.inner.metagraph.lock().await;
        match guard.as_mut() {
            Some(m) => {
                m.refresh(client)
                    .await
                    .map_err(|e| QueryError::Chain(e.to_string()))?;
            }
            None => {
                *guard = Some(
                    Metagraph::sync(client, self.inner.config.netuid)
                        .await
                        .map_err(|e| QueryError::Chain(e.to_string()))?,
                );
            }
        }
        let Some(m) = guard.as_ref() else {
            return Ok(Vec::new());
        };
        let scores = (self.inner.scores)();
        let mut out: Vec<Candidate> = m
            .axons()
            .into_iter()
            .filter(|(_, t)| t.hotkey != self.inner.hotkey)
            .filter(|(_, t)| check_axon(t.addr, self.inner.config.allow_private_axons).is_ok())
            .map(|(uid, target)| {
                let incentive = m.by_uid(uid).map_or(0, |n| n.incentive);
                let score = scores
                    .get(&uid)
                    .filter(|(hotkey, _)| *hotkey == target.hotkey)
                    .map_or(0.0, |(_, s)| *s);
                Candidate {
                    uid,
                    hotkey: target.hotkey.clone(),
                    target,
                    incentive,
                    score,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.incentive
                .cmp(&a.incentive)
                .then(b.score.total_cmp(&a.score))
                .then(a.uid.cmp(&b.uid))
        });
        out.truncate(self.inner.config.top_miners.max(1));
        Ok(out)
    }

    /// Serves one paid query, by the rules of a paid query (`gateway/query.rs`).
    pub async fn query(&self, request: QueryRequest) -> Result<QueryResponse, QueryError> {
        let c = &self.inner.config;
        if request.prompt.len() > MAX_PROMPT_BYTES {
            return Err(QueryError::BadRequest(format!(
                "the prompt is {} bytes; the limit is {MAX_PROMPT_BYTES}",
                request.prompt.len()
            )));
        }
        if request.max_bytes == 0 || request.max_bytes > c.max_bytes {
            return Err(QueryError::BadRequest(format!(
                "max_bytes must be 1 to {}, got {}",
                c.max_bytes, request.max_bytes
            )));
        }
        let price = c
            .prices
            .price(request.max_bytes)
            .ok_or_else(|| QueryError::BadRequest("price overflow".into()))?;
        let voucher = request.signed_voucher();
        let id = request.channel;
        // Everything that can refuse the query is checked against the chain before any
        // per-channel state exists, so unknown ids cost nothing to remember.
        let client = self.inner.chain.client();
        let check = |channel: &ChannelInfo, accepted: Rao| {
            check_payment(
                channel,
                &self.inner.hotkey,
                self.inner.chain.domain(),
                &voucher,
                accepted,
                price,
                c.min_blocks_left,
            )
        };
        let channel = client
            .channel_get(id)
            .await
            .map_err(|e| QueryError::Chain(e.to_string()))?
            .ok_or(QueryError::UnknownChannel(id))?;
        check(&channel, self.inner.book.accepted(&id))?;
        // Queries on one channel are served one at a time: re-check what is accepted once
        // the channel is ours.
        let _serial = self.inner.locks.lock(id).await;
        check(&channel, self.inner.book.accepted(&id))?;
        let miners = self.candidates().await?;
        if miners.is_empty() {
            return Err(QueryError::NoAnswer(format!(
                "no miner of subnet {} serves an axon",
                c.netuid
            )));
        }
        let answer = self
            .inner
            .answerer
            .answer(AnswerRequest {
                prompt: request.prompt.clone().into_bytes(),
                max_bytes: request.max_bytes as usize,
                seed: request.seed,
                miners,
            })
            .await
            .map_err(QueryError::NoAnswer)?;
        let contributions: Vec<(u16, String, u64)> = answer
            .miners
            .iter()
            .filter(|m| m.units > 0)
            .map(|m| (m.uid, m.hotkey.clone(), m.units))
            .collect();
        // Durable before the answer goes out.
        let (opener, claimed, expiry) = (channel.opener.clone(), channel.claimed, channel.expiry);
        self.book_write(move |book| book.record(&opener, voucher, claimed, expiry, &contributions))
            .await
            .map_err(|e| QueryError::Storage(e.to_string()))?;
        update(&self.inner.health, |h: &mut GatewayHealth| {
            h.answered += 1;
            h.earned = h.earned.checked_add(price).unwrap_or(h.earned);
        });
        self.book_health();
        Ok(QueryResponse {
            text: String::from_utf8_lossy(&answer.bytes).into_owned(),
            bytes: format!("0x{}", hex::encode(&answer.bytes)),
            miners: answer.miners,
            paid: price,
            total_paid: voucher.voucher.amount,
            remaining: channel.deposit.saturating_sub(voucher.voucher.amount),
            channel: id,
            expiry: channel.expiry,
        })
    }
}
