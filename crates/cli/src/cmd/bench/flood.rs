//! The attacks `taonet bench tps --flood` runs beside the honest load, each the attack of the
//! hardening work it measures:
//!
//! - `future-nonce`: 100 fresh keys with no balance send transfers with future nonces (1 to
//!   20) and the highest fee limit. A node's pool refuses them all (nothing they pay for is
//!   covered by a balance), so they never take pool room from honest transfers.
//! - `free-calls`: one registered hotkey (a fresh one, registered on subnet 1 by heidi's
//!   coldkey just before) sends weights calls on a
//!   uid that does not exist and maximum-size reveals (4,096 weights) that match no commit, at
//!   its next nonce and the few after. Failing free calls are refused (or, ahead of the next
//!   nonce, held at most 4 per hotkey), so they take no block space.
//! - `rpc-batch`: one client address (127.0.0.2) sends batches of 100 `state_getAccount`
//!   calls over fresh connections; every entry takes a token of that address's bucket, so the
//!   node (all of it goes to node 0) serves it at most `--rpc-rate-limit` calls per second.
//!
//! Every request is signed (or built) before the window opens and then repeated as fast as
//! four connections allow, so the flood costs the nodes, not the benchmark's signing. Every
//! answer is counted, refused or accepted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::{BalancesCall, WeightsCall};
use taonet_types::{AccountId, Call, ChainDomain, Rao, SignedTransaction, Transaction};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::{Flood, Shared};
use crate::context::Localnet;

/// Connections each flood uses.
const WORKERS: usize = 4;

/// Counts of a running flood.
#[derive(Default)]
struct Stats {
    sent: AtomicU64,
    refused: AtomicU64,
    accepted: AtomicU64,
    first_refusal: Mutex<Option<String>>,
}

impl Stats {
    async fn refused(&self, n: u64, why: String) {
        self.refused.fetch_add(n, Ordering::Relaxed);
        let mut first = self.first_refusal.lock().await;
        if first.is_none() {
            *first = Some(why);
        }
    }
}

/// A flood in progress; it stops with the honest load (`Shared::stop`).
pub(super) struct Running {
    kind: Flood,
    stats: Arc<Stats>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Waits for the workers (they stop with the honest load) and reports the counts over
    /// `window` seconds.
    pub(super) async fn finish(self, window: f64) -> Value {
        for t in self.tasks {
            let _ = t.await;
        }
        let s = &self.stats;
        let sent = s.sent.load(Ordering::Relaxed);
        json!({
            "kind": format!("{:?}", self.kind),
            "sent": sent,
            "sent_per_s": super::round3(sent as f64 / window.max(1e-9)),
            "refused": s.refused.load(Ordering::Relaxed),
            "accepted": s.accepted.load(Ordering::Relaxed),
            "first_refusal": *s.first_refusal.lock().await,
        })
    }
}

/// Starts the `kind` flood against the nodes of `net`.
pub(super) async fn start(
    kind: Flood,
    net: &Localnet,
    domain: &ChainDomain,
    shared: Arc<Shared>,
) -> Result<Running> {
    let stats = Arc::new(Stats::default());
    let mut tasks = Vec::new();
    match kind {
        Flood::FutureNonce | Flood::FreeCalls => {
            let txs = match kind {
                Flood::FutureNonce => future_nonce_transactions(domain),
                _ => {
                    let hotkey = register_flood_hotkey(net, domain).await?;
                    free_call_transactions(domain, &hotkey, 0)
                }
            };
            let txs = Arc::new(txs);
            for w in 0..WORKERS {
                let client = Client::connect(&net.nodes[w % net.nodes.len()].rpc).await?;
                let (txs, stats, shared) = (txs.clone(), stats.clone(), shared.clone());
                tasks.push(tokio::spawn(async move {
                    // Each worker cycles through its share of the requests until the end.
                    let mine: Vec<&String> = txs.iter().skip(w).step_by(WORKERS).collect();
                    'run: loop {
                        for hex in &mine {
                            if shared.stop.load(Ordering::Relaxed) {
                                break 'run;
                            }
                            stats.sent.fetch_add(1, Ordering::Relaxed);
                            match client.author_submit_transaction((*hex).clone()).await {
                                Ok(_) => {
                                    stats.accepted.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => {
                                    let e = taonet_client::ClientError::from(e);
                                    let why =
                                        e.rpc_error().map_or_else(|| e.to_string(), |(_, m)| m);
                                    stats.refused(1, why).await
                                }
                            }
                        }
                    }
                }));
            }
        }
        Flood::RpcBatch => {
            // Every worker on node 0: one address against one node's limit.
            let body = Arc::new(batch_body(100));
            for _ in 0..WORKERS {
                let addr = net.nodes[0].rpc.trim_start_matches("ws://").to_string();
                let (body, stats, shared) = (body.clone(), stats.clone(), shared.clone());
                tasks.push(tokio::spawn(async move {
                    while !shared.stop.load(Ordering::Relaxed) {
                        stats.sent.fetch_add(100, Ordering::Relaxed);
                        match post_from(&addr, &body).await {
                            Ok(answer) if answer.contains("\"code\":1005") => {
                                stats.refused(100, rpc_message(&answer)).await;
                            }
                            Ok(answer) if answer.contains("\"result\"") => {
                                stats.accepted.fetch_add(100, Ordering::Relaxed);
                            }
                            Ok(answer) => stats.refused(100, rpc_message(&answer)).await,
                            Err(e) => {
                                stats.refused(100, e.to_string()).await;
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                }));
            }
        }
    }
    Ok(Running { kind, stats, tasks })
}

/// A fresh hotkey registered on subnet 1 by heidi's coldkey (only the flood uses it, so its
/// nonces stay at 0: every refused call leaves them there).
async fn register_flood_hotkey(net: &Localnet, domain: &ChainDomain) -> Result<Keypair> {
    let client = Client::connect(&net.nodes[0].rpc).await?;
    let hotkey = Keypair::from_seed(b"taonet bench flood hotkey 000000");
    let coldkey = dev_keys("heidi").0;
    let nonce = client.state_get_account(coldkey.ss58()).await?.nonce;
    let call = Call::Neurons(taonet_types::tx::NeuronCall::BurnedRegister {
        netuid: 1,
        hotkey: hotkey.account_id(),
        max_burn: Rao(100 * taonet_types::RAO_PER_TAO),
    });
    let tx = Transaction {
        signer: coldkey.account_id(),
        nonce,
        fee_limit: Rao(taonet_types::RAO_PER_TAO),
        tip: Rao::ZERO,
        call,
    };
    let signature = coldkey.sign(&tx.signing_payload(domain)).0;
    let status = client
        .submit_and_watch(&SignedTransaction { tx, signature }, |_| {})
        .await?;
    match status {
        taonet_client::TxStatus::Finalized { success: true, .. } => Ok(hotkey),
        other => anyhow::bail!("registering the flood's hotkey: {other:?}"),
    }
}

fn sign(domain: &ChainDomain, signer: &Keypair, nonce: u64, fee_limit: Rao, call: Call) -> String {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit,
        tip: Rao::ZERO,
        call,
    };
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    Client::encode_transaction(&SignedTransaction { tx, signature })
}

/// 100 keys with no balance × nonces 1–20, each a transfer with the highest fee limit.
fn future_nonce_transactions(domain: &ChainDomain) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..100u64 {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&k.to_le_bytes());
        seed[8..16].copy_from_slice(b"flooder!");
        let key = Keypair::from_seed(&seed);
        for nonce in 1..=20 {
            let call = Call::Balances(BalancesCall::Transfer {
                dest: AccountId([7; 32]),
                amount: Rao(1),
            });
            out.push(sign(domain, &key, nonce, Rao(u64::MAX), call));
        }
    }
    out
}

/// From `hotkey` at nonces `next` to `next + 7`: weights on a uid that does not exist and
/// maximum-size reveals matching no commit.
fn free_call_transactions(domain: &ChainDomain, hotkey: &Keypair, next: u64) -> Vec<String> {
    let uids: Vec<u16> = (0..taonet_types::tx::MAX_WEIGHTS as u16).collect();
    let mut out = Vec::new();
    for variant in 0..32u16 {
        for nonce in next..next + 8 {
            let weights = Call::Weights(WeightsCall::SetWeights {
                netuid: 1,
                uids: vec![u16::MAX - 1],
                weights: vec![1],
                version_key: u64::from(variant),
            });
            out.push(sign(domain, hotkey, nonce, Rao::ZERO, weights));
            let reveal = Call::Weights(WeightsCall::RevealWeights {
                netuid: 1,
                uids: uids.clone(),
                weights: vec![1; uids.len()],
                salt: vec![variant; taonet_types::tx::MAX_SALT],
                version_key: 0,
            });
            out.push(sign(domain, hotkey, nonce, Rao::ZERO, reveal));
        }
    }
    out
}

/// A JSON-RPC batch of `n` reads.
fn batch_body(n: usize) -> String {
    let alice = dev_keys("alice").0.ss58();
    let calls: Vec<Value> = (0..n)
        .map(
            |i| json!({"jsonrpc": "2.0", "id": i, "method": "state_getAccount", "params": [alice]}),
        )
        .collect();
    Value::Array(calls).to_string()
}

/// POSTs `body` to `addr` from the client address 127.0.0.2; the whole response.
async fn post_from(addr: &str, body: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target: std::net::SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::other(format!("{addr}: {e}")))?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 2], 0)))?;
    let mut stream = socket.connect(target).await?;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .map_err(|_| std::io::Error::other("no answer within 10 s"))??;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The `"message"` of a JSON-RPC error answer (or its first line).
fn rpc_message(answer: &str) -> String {
    answer
        .split("\"message\":\"")
        .nth(1)
        .and_then(|m| m.split('"').next())
        .unwrap_or_else(|| answer.lines().next().unwrap_or_default())
        .to_string()
}
