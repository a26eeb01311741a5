//! The validator loop: query miners, score them, put weights on chain.
//!
//! # What one iteration does
//! 1. Refresh the [`Metagraph`] (one cheap RPC when no block was finalized). Scores of a
//!    uid whose hotkey changed (the neuron was replaced) are forgotten.
//! 2. **Round**: build one challenge with [`Subnet::challenge`] from a round seed and send
//!    it, identical, to every serving axon but our own (per-call deadline
//!    [`ValidatorConfig::query_timeout`]); axons the dendrite does not dial (addresses that
//!    are not public, unless its `allow_private_axons`; [`crate::address`]) are skipped. Each answer is scored ([`Subnet::score`]; a
//!    timeout, refusal or error scores 0) and folded into a per-uid exponential moving
//!    average: `score ← α·reward + (1 − α)·score`.
//! 3. **Weights**, every [`ValidatorConfig::weights_interval`] blocks (default: the subnet's
//!    tempo) and as soon as the first round has scores: weights ∝ moving averages over every
//!    other uid of the subnet (our own uid gets 0), max-upscaled to `u16`. On a subnet with
//!    commit-reveal the loop commits the hash (random salt) and reveals once the chain's
//!    epoch counter reaches the commit's epoch + `reveal_period_epochs`.
//! 4. Any failure (node down, a refused or failed transaction, no permit yet) is logged with
//!    the chain's words, recorded in [`ValidatorHealth::last_error`], and retried with
//!    exponential backoff (5 s doubling to 60 s); the loop never stops by itself.
//!
//! # Seeds
//! Round seeds are `SHA-256("taonet-validator-round" ‖ epoch secret ‖ round)`. The epoch
//! secret is fresh randomness per subnet epoch (or `SHA-256(master ‖ epoch)` when a master
//! seed is configured, for reproducible tests); when the subnet moves to a new epoch the
//! previous secret is logged, so anyone can recompute what the validator asked.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rand_core::{OsRng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_types::tx::{WeightsCall, weights_commit_hash};
use taonet_types::{Call, Uid};

use crate::dendrite::{AxonTarget, Dendrite, Outcome};
use crate::error::{MetagraphError, TxError};
use crate::health::{SharedHealth, update};
use crate::metagraph::Metagraph;
use crate::subnet::Subnet;
use crate::tx::TxSender;

/// Validator settings.
#[derive(Clone, Debug)]
pub struct ValidatorConfig {
    /// The subnet whose miners the validator queries and sets weights on.
    pub netuid: u16,
    /// Time between query rounds (12 s).
    pub round_interval: Duration,
    /// Deadline of one call to a miner (12 s).
    pub query_timeout: Duration,
    /// Moving-average factor α of new rewards (0.1, as bittensor's template).
    pub moving_average_alpha: f64,
    /// Blocks between weight updates; `None` = the subnet's tempo.
    pub weights_interval: Option<u64>,
    /// Version key sent with weights; `None` = the subnet's `weights_version_key`.
    pub version_key: Option<u64>,
    /// Master seed for reproducible challenges; `None` = fresh randomness every epoch.
    pub master_seed: Option<[u8; 32]>,
}

impl ValidatorConfig {
    /// Defaults for subnet `netuid`.
    pub fn new(netuid: u16) -> Self {
        ValidatorConfig {
            netuid,
            round_interval: Duration::from_secs(12),
            query_timeout: Duration::from_secs(12),
            moving_average_alpha: 0.1,
            weights_interval: None,
            version_key: None,
            master_seed: None,
        }
    }
}

/// One miner as the validator sees it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MinerScore {
    /// The miner's uid on the subnet.
    pub uid: u16,
    /// Its hotkey when scored.
    pub hotkey: String,
    /// Moving average of rewards, in `[0, 1]`.
    pub score: f64,
    /// The subnet's metric of the last answer (`None` if it did not answer).
    pub last_metric: Option<f64>,
    /// How the last call ended (`success`, `timeout`, …).
    pub last_outcome: String,
    /// Rounds it was queried in.
    pub queried: u64,
    /// Rounds it answered successfully.
    pub answered: u64,
}

/// What the validator is doing, for `GET /health` and logs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ValidatorHealth {
    /// The subnet the validator works on.
    pub netuid: u16,
    /// Our hotkey.
    pub hotkey: String,
    /// Our uid (`None` while not registered).
    pub uid: Option<u16>,
    /// Last finalized block seen.
    pub block: u64,
    /// Query rounds completed.
    pub rounds: u64,
    /// Block of the last completed round.
    pub last_round_block: Option<u64>,
    /// Block in which weights (or a reveal) were last finalized.
    pub last_weights_block: Option<u64>,
    /// Weight transactions finalized (set, commit or reveal).
    pub weights_transactions: u64,
    /// Commits waiting to be revealed.
    pub pending_reveals: usize,
    /// The last failure, in words (cleared by the next success of the same step).
    pub last_error: Option<String>,
    /// Per-miner scores.
    pub miners: Vec<MinerScore>,
}

/// A weights commit waiting for its reveal epoch.
#[derive(Clone, Debug)]
struct PendingReveal {
    epoch: u64,
    uids: Vec<Uid>,
    weights: Vec<u16>,
    salt: Vec<u16>,
    version_key: u64,
}

/// The validator: owns the subnet logic, our hotkey and the node connection.
pub struct Validator<S: Subnet> {
    subnet: Arc<S>,
    hotkey: Keypair,
    chain: Arc<TxSender>,
    dendrite: Dendrite,
    config: ValidatorConfig,
    health: SharedHealth<ValidatorHealth>,
    metagraph: Option<Metagraph>,
    scores: BTreeMap<u16, MinerScore>,
    epoch: Option<(u64, [u8; 32])>,
    round: u64,
    pending: Vec<PendingReveal>,
    next_weights_block: u64,
    backoff: Duration,
}

const MIN_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl<S: Subnet> Validator<S> {
    /// A validator for `subnet`, signing weights with `hotkey`.
    pub fn new(
        subnet: S,
        hotkey: Keypair,
        chain: Arc<TxSender>,
        dendrite: Dendrite,
        config: ValidatorConfig,
    ) -> Self {
        let health = SharedHealth::default();
        update(&health, |h: &mut ValidatorHealth| {
            h.netuid = config.netuid;
            h.hotkey = hotkey.ss58();
        });
        Validator {
            subnet: Arc::new(subnet),
            hotkey,
            chain,
            dendrite,
            config,
            health,
            metagraph: None,
            scores: BTreeMap::new(),
            epoch: None,
            round: 0,
            pending: Vec::new(),
            next_weights_block: 0,
            backoff: MIN_BACKOFF,
        }
    }

    /// The status shared with a health endpoint.
    pub fn health(&self) -> SharedHealth<ValidatorHealth> {
        self.health.clone()
    }

    /// Current moving-average scores by uid.
    pub fn scores(&self) -> &BTreeMap<u16, MinerScore> {
        &self.scores
    }

    /// Runs until `shutdown` completes.
    pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let pause = match self.step().await {
                Ok(()) => {
                    self.backoff = MIN_BACKOFF;
                    self.config.round_interval
                }
                Err(e) => {
                    tracing::warn!(netuid = self.config.netuid, "validator: {e}; retrying");
                    update(&self.health, |h| h.last_error = Some(e.to_string()));
                    let pause = self.backoff;
                    self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                    pause
                }
            };
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// One iteration: refresh, query round, weights when due, reveals when due.
    pub async fn step(&mut self) -> Result<(), StepError> {
        self.refresh().await?;
        let Some(uid) = self.our_uid() else {
            return Err(StepError::NotRegistered(
                self.config.netuid,
                self.hotkey.ss58(),
            ));
        };
        self.query_round(uid).await?;
        self.reveal_due().await?;
        self.weights_if_due(uid).await?;
        update(&self.health, |h| h.last_error = None);
        Ok(())
    }

    fn our_uid(&self) -> Option<u16> {
        let m = self.metagraph.as_ref()?;
        m.by_hotkey(&self.hotkey.ss58()).map(|n| n.uid)
    }

    async fn refresh(&mut self) -> Result<(), StepError> {
        let client = self.chain.client();
        match &mut self.metagraph {
            Some(m) => {
                m.refresh(client).await?;
            }
            None => self.metagraph = Some(Metagraph::sync(client, self.config.netuid).await?),
        }
        let Some(m) = &self.metagraph else {
            return Ok(());
        };
        // Forget scores of replaced or vanished uids.
        self.scores
            .retain(|uid, s| m.by_uid(*uid).is_some_and(|n| n.hotkey == s.hotkey));
        // Epoch secret.
        let epoch = m.subnet().epoch_index;
        if self.epoch.map(|(e, _)| e) != Some(epoch) {
            if let Some((old, secret)) = self.epoch {
                tracing::info!(
                    netuid = self.config.netuid,
                    epoch = old,
                    "validator: challenge secret of epoch {old} revealed: {}",
                    hex::encode(secret)
                );
            }
            let secret = match self.config.master_seed {
                Some(master) => {
                    let mut h = Sha256::new();
                    h.update(master);
                    h.update(epoch.to_le_bytes());
                    h.finalize().into()
                }
                None => {
                    let mut s = [0u8; 32];
                    OsRng.fill_bytes(&mut s);
                    s
                }
            };
            self.epoch = Some((epoch, secret));
        }
        let (uid, block) = (self.our_uid(), m.block());
        update(&self.health, |h| {
            h.uid = uid;
            h.block = block;
        });
        Ok(())
    }

    fn round_seed(&self) -> [u8; 32] {
        let secret = self.epoch.map(|(_, s)| s).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(b"taonet-validator-round");
        h.update(secret);
        h.update(self.round.to_le_bytes());
        h.finalize().into()
    }

    /// Queries every serving axon but ours once and updates the moving averages.
    async fn query_round(&mut self, our_uid: u16) -> Result<(), StepError> {
        let Some(m) = &self.metagraph else {
            return Ok(());
        };
        let block = m.block();
        let targets: Vec<(u16, AxonTarget)> = m
            .axons()
            .into_iter()
            .filter(|(u, _)| *u != our_uid)
            .collect();
        if targets.is_empty() {
            tracing::info!(
                netuid = self.config.netuid,
                "validator: no miner serves an axon yet; waiting"
            );
            return Ok(());
        }
        let seed = self.round_seed();
        self.round += 1;
        let subnet = self.subnet.clone();
        let (synapse, challenge) = tokio::task::spawn_blocking(move || subnet.challenge(seed))
            .await
            .map_err(|e| StepError::Task(e.to_string()))?;
        // Non-public addresses are not dialled (SSRF); they score like a refusal.
        let addrs: Vec<AxonTarget> = targets
            .iter()
            .filter(|(_, t)| self.dendrite.check_target(t.addr).is_ok())
            .map(|(_, t)| t.clone())
            .collect();
        let mut results = self
            .dendrite
            .forward(&addrs, &synapse, self.config.query_timeout)
            .await
            .map_err(|e| StepError::Task(e.to_string()))?
            .into_iter();
        // Score off the async threads.
        let subnet = self.subnet.clone();
        let answers: Vec<(Option<S::Synapse>, Outcome)> = targets
            .iter()
            .map(|(_, t)| match self.dendrite.check_target(t.addr) {
                Err(e) => (None, Outcome::NonPublicAddress(e.to_string())),
                Ok(()) => results.next().map_or_else(
                    || (None, Outcome::Unreachable("no result".into())),
                    |r| (r.synapse, r.outcome),
                ),
            })
            .collect();
        let scored = tokio::task::spawn_blocking(move || {
            answers
                .into_iter()
                .map(|(answer, outcome)| {
                    let score = subnet.score(&challenge, answer.as_ref());
                    (score, outcome)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StepError::Task(e.to_string()))?;

        let alpha = self.config.moving_average_alpha.clamp(0.0, 1.0);
        for ((uid, target), (score, outcome)) in targets.into_iter().zip(scored) {
            let reward = if outcome == Outcome::Success {
                score.clamped_reward()
            } else {
                0.0
            };
            let entry = self.scores.entry(uid).or_insert_with(|| MinerScore {
                uid,
                hotkey: target.hotkey.clone(),
                score: 0.0,
                last_metric: None,
                last_outcome: String::new(),
                queried: 0,
                answered: 0,
            });
            entry.score = alpha * reward + (1.0 - alpha) * entry.score;
            entry.queried += 1;
            if outcome == Outcome::Success {
                entry.answered += 1;
                entry.last_metric = Some(score.metric);
            } else {
                entry.last_metric = None;
            }
            entry.last_outcome = outcome_word(&outcome);
        }
        tracing::info!(
            netuid = self.config.netuid,
            round = self.round,
            block,
            "validator: round {} scored {} miners (subnet {})",
            self.round,
            self.scores.len(),
            self.subnet.name()
        );
        let miners: Vec<MinerScore> = self.scores.values().cloned().collect();
        update(&self.health, |h| {
            h.rounds += 1;
            h.last_round_block = Some(block);
            h.miners = miners;
        });
        Ok(())
    }

    /// The weights row the scores give: every uid of the subnet but ours, max-upscaled;
    /// `None` when no miner has a positive score.
    pub fn weights_row(&self, our_uid: u16) -> Option<(Vec<Uid>, Vec<u16>)> {
        let m = self.metagraph.as_ref()?;
        let max = self
            .scores
            .values()
            .filter(|s| s.uid != our_uid)
            .map(|s| s.score)
            .fold(0.0f64, f64::max);
        if max <= 0.0 || !max.is_finite() {
            return None;
        }
        let mut uids = Vec::new();
        let mut weights = Vec::new();
        for n in m.neurons() {
            let w = match self.scores.get(&n.uid) {
                Some(s) if n.uid != our_uid => {
                    let x = (s.score / max * 65535.0).round();
                    // In [0, 65535] by construction; the cast saturates anyway.
                    x.clamp(0.0, 65535.0) as u16
                }
                _ => 0,
            };
            uids.push(n.uid);
            weights.push(w);
        }
        Some((uids, weights))
    }

    async fn weights_if_due(&mut self, our_uid: u16) -> Result<(), StepError> {
        let Some(m) = &self.metagraph else {
            return Ok(());
        };
        let block = m.block();
        if block < self.next_weights_block {
            return Ok(());
        }
        let Some((uids, weights)) = self.weights_row(our_uid) else {
            return Ok(());
        };
        let detail = self
            .chain
            .client()
            .state_get_subnet(self.config.netuid)
            .await
            .map_err(|e| StepError::Tx(TxError::Rpc(e.to_string())))?
            .ok_or(StepError::Metagraph(MetagraphError::NoSubnet(
                self.config.netuid,
            )))?;
        let hp = detail.hyperparams;
        let interval = self
            .config
            .weights_interval
            .unwrap_or(u64::from(hp.tempo))
            .max(hp.weights_rate_limit)
            .max(1);
        let version_key = self.config.version_key.unwrap_or(hp.weights_version_key);
        let netuid = self.config.netuid;
        let epoch = detail.info.epoch_index;
        let included = if hp.commit_reveal_enabled {
            let mut salt = vec![0u16; 8];
            for s in &mut salt {
                *s = (OsRng.next_u32() & 0xffff) as u16;
            }
            let commit_hash = weights_commit_hash(
                &self.hotkey.account_id(),
                netuid,
                &uids,
                &weights,
                &salt,
                version_key,
            );
            let call = Call::Weights(WeightsCall::CommitWeights {
                netuid,
                commit_hash,
            });
            let inc = self.chain.submit(&self.hotkey, call).await?;
            self.pending.push(PendingReveal {
                epoch: epoch.saturating_add(u64::from(hp.reveal_period_epochs)),
                uids,
                weights,
                salt,
                version_key,
            });
            tracing::info!(
                netuid,
                block = inc.block_height,
                "validator: weights committed; reveal due at epoch {}",
                epoch.saturating_add(u64::from(hp.reveal_period_epochs))
            );
            inc
        } else {
            let n = uids.len();
            let call = Call::Weights(WeightsCall::SetWeights {
                netuid,
                uids,
                weights,
                version_key,
            });
            let inc = self.chain.submit(&self.hotkey, call).await?;
            tracing::info!(
                netuid,
                block = inc.block_height,
                "validator: weights set on {n} uids"
            );
            update(&self.health, |h| {
                h.last_weights_block = Some(inc.block_height)
            });
            inc
        };
        self.next_weights_block = included.block_height.saturating_add(interval);
        let pending = self.pending.len();
        update(&self.health, |h| {
            h.weights_transactions += 1;
            h.pending_reveals = pending;
        });
        Ok(())
    }

    async fn reveal_due(&mut self) -> Result<(), StepError> {
        let Some(m) = &self.metagraph else {
            return Ok(());
        };
        let epoch = m.subnet().epoch_index;
        let netuid = self.config.netuid;
        let mut i = 0;
        while i < self.pending.len() {
            let p = &self.pending[i];
            if epoch < p.epoch {
                i += 1;
                continue;
            }
            let call = Call::Weights(WeightsCall::RevealWeights {
                netuid,
                uids: p.uids.clone(),
                weights: p.weights.clone(),
                salt: p.salt.clone(),
                version_key: p.version_key,
            });
            match self.chain.submit(&self.hotkey, call).await {
                Ok(inc) => {
                    tracing::info!(
                        netuid,
                        block = inc.block_height,
                        "validator: weights revealed"
                    );
                    self.pending.remove(i);
                    update(&self.health, |h| {
                        h.last_weights_block = Some(inc.block_height);
                        h.weights_transactions += 1;
                    });
                }
                Err(TxError::Failed { kind, .. })
                    if kind.as_deref() == Some("reveal_too_early") =>
                {
                    // Our epoch estimate ran ahead of the chain's; try again next step.
                    i += 1;
                }
                Err(TxError::Failed { message, .. }) => {
                    tracing::warn!(netuid, "validator: reveal dropped: {message}");
                    self.pending.remove(i);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let pending = self.pending.len();
        update(&self.health, |h| h.pending_reveals = pending);
        Ok(())
    }
}

fn outcome_word(o: &Outcome) -> String {
    match o {
        Outcome::Success => "success".into(),
        Outcome::Timeout => "timeout".into(),
        Outcome::Blacklisted(m) => format!("blacklisted: {m}"),
        Outcome::FailedVerification(m) => format!("failed verification: {m}"),
        Outcome::Unreachable(m) => format!("unreachable: {m}"),
        Outcome::NonPublicAddress(m) => format!("not dialled: {m}"),
        Outcome::Status { code, message } => format!("status {code}: {message}"),
    }
}

/// Why a validator step failed (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Reading the subnet failed.
    #[error(transparent)]
    Metagraph(#[from] MetagraphError),
    /// A transaction failed.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// Our hotkey is not registered on the subnet.
    #[error(
        "hotkey {1} is not registered on subnet {0}; register it (taonet subnet register --netuid {0})"
    )]
    NotRegistered(u16, String),
    /// A background task failed.
    #[error("internal task failed: {0}")]
    Task(String),
}
