//! `taonet bench tps`: throughput and latency of a fresh multi-validator local network.
//!
//! Starts `taonet localnet up` in its own directory, funds `--senders` fresh accounts from the
//! development accounts, pre-signs balance transfers, then submits them concurrently over
//! several WebSocket connections spread across the nodes, at `--rate` per second or as fast
//! as each sender's window allows (`--max`). One follower subscribes to finalized heads and
//! reads each finalized block's transactions: a transaction's latency is from just before its
//! submission to the moment its block was seen finalized. Block times come from the finalized
//! blocks' timestamps; memory from each node's `/proc/<pid>/status`. The network is torn down
//! at the end (unless `--keep`). `--flood KIND[,KIND…]` runs attacks beside the honest load
//! for the whole window ([`flood`]) and reports what each sent and what the nodes refused,
//! so the honest figures can be compared with an unflooded run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};
use taonet_types::tx::BalancesCall;
use taonet_types::{Call, ChainDomain, Hash, Rao, SignedTransaction, Transaction};
use tokio::sync::{Mutex, Semaphore};

use crate::context::Localnet;
use crate::{Global, usage};

mod flood;
mod memory;
mod scale;

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: BenchCommand,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Finalized transfers per second, block time, finality latency and node memory of a
    /// fresh local network (build with --release for meaningful numbers).
    Tps(TpsArgs),
    /// A node at Bittensor's size: start-up, memory, a 5,000-transfer block, a 4,096-uid
    /// epoch block and `state_getAccount` under load, from 10k to 1M accounts (build with
    /// --release for meaningful numbers).
    Scale(scale::ScaleArgs),
}

#[derive(Args, Debug)]
struct TpsArgs {
    /// Number of validators.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Seconds of load (the measurement window).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Offered load: transfers per second in total.
    #[arg(long, conflicts_with = "max")]
    rate: Option<u64>,
    /// Offered load: as fast as possible (each sender keeps --window transfers in flight).
    #[arg(long)]
    max: bool,
    /// Number of fresh sending accounts.
    #[arg(long, default_value_t = 64)]
    senders: usize,
    /// WebSocket connections, spread across the nodes.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Most unfinalized transfers per sender (the mempool takes at most 1,024).
    #[arg(long, default_value_t = 256)]
    window: usize,
    /// Directory of the benchmark's local network [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// First RPC port of the benchmark network.
    #[arg(long, default_value_t = 29944)]
    rpc_port: u16,
    /// First P2P port.
    #[arg(long, default_value_t = 29333)]
    p2p_port: u16,
    /// First metrics port.
    #[arg(long, default_value_t = 29615)]
    metrics_port: u16,
    /// First miner axon port (apart from a local network's 8091 on the same machine).
    #[arg(long, default_value_t = 28091)]
    axon_port: u16,
    /// First neuron health port.
    #[arg(long, default_value_t = 29700)]
    health_port: u16,
    /// Port of the network's paid-query gateway.
    #[arg(long, default_value_t = 28190)]
    gateway_port: u16,
    /// Leave the network running afterwards.
    #[arg(long)]
    keep: bool,
    /// Only the chain: no subnet miners and validators beside the load.
    #[arg(long)]
    no_neurons: bool,
    /// An attack run beside the honest load, to measure what honest transfers keep:
    /// `future-nonce` (100 fresh keys with no balance send transfers with future nonces and
    /// the highest fee limit), `free-calls` (a registered hotkey sends failing weights calls and
    /// maximum-size reveals that match no commit), `rpc-batch` (one client address, 127.0.0.2,
    /// sends batches of 100 reads to one node; the nodes run with `--rpc-rate-limit`).
    /// Several may run at once: `--flood future-nonce,free-calls,rpc-batch`.
    #[arg(long, value_enum, value_name = "KIND", value_delimiter = ',')]
    flood: Vec<Flood>,
    /// The nodes' RPC rate limit per client address, loopback included (with `--flood
    /// rpc-batch`: 5,000 unless given).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rpc_rate_limit: Option<u32>,
    /// Record the resident memory of every node and neuron every SECS seconds of the window,
    /// and report each one's trend after the first quarter (for long runs:
    /// `--rate 500 --duration 3600 --sample-memory 60`).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    sample_memory: Option<u64>,
}

/// An attack `taonet bench tps` runs beside the honest load (`--flood`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Flood {
    /// Unfunded keys, future nonces, the highest fee limit.
    FutureNonce,
    /// A registered hotkey's failing free calls and junk reveals.
    FreeCalls,
    /// Maximum-size batches of reads from one client address.
    RpcBatch,
}

pub fn run(args: BenchArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        BenchCommand::Tps(a) => tps(a, global),
        BenchCommand::Scale(a) => scale::run(a, global),
    }
}

/// What a debug build means for the numbers.
const DEBUG_WARNING: &str = "this is a debug build: numbers are far below what the node does; \
     build with `cargo build --release -p taonet-cli` and run target/release/taonet";

/// Runs `taonet localnet …` (this binary) on the benchmark's directory.
fn localnet(dir: &Path, args: &[String]) -> Result<std::process::Output> {
    let exe = std::env::current_exe().context("finding the taonet binary")?;
    Command::new(exe)
        .arg("--json")
        .arg("localnet")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running taonet localnet")
}

/// Takes the network down when dropped.
struct Teardown {
    dir: PathBuf,
    keep: bool,
}

impl Drop for Teardown {
    fn drop(&mut self) {
        if self.keep {
            eprintln!(
                "Leaving the network running: taonet localnet --dir {} down --purge",
                self.dir.display()
            );
        } else {
            let _ = localnet(&self.dir, &["down".into(), "--purge".into()]);
        }
    }
}

fn tps(a: TpsArgs, global: Global) -> Result<ExitCode> {
    if a.rate.is_none() && !a.max {
        return Err(usage!("choose the load: --rate N (transfers/s) or --max"));
    }
    if a.rate == Some(0) || a.duration == 0 || a.senders == 0 || a.connections == 0 {
        return Err(usage!(
            "--rate, --duration, --senders and --connections must be positive"
        ));
    }
    if !(1..=1_024).contains(&a.window) {
        return Err(usage!("--window must be between 1 and 1024"));
    }
    let profile = if cfg!(debug_assertions) {
        eprintln!("warning: {DEBUG_WARNING}");
        "debug"
    } else {
        "release"
    };
    let dir = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("taonet-bench-{}", std::process::id()))
    });
    eprintln!("Starting {} validators in {}…", a.validators, dir.display());
    let mut up_args: Vec<String> = vec![
        "up".into(),
        "--reset".into(),
        "--validators".into(),
        a.validators.to_string(),
        "--rpc-port".into(),
        a.rpc_port.to_string(),
        "--p2p-port".into(),
        a.p2p_port.to_string(),
        "--metrics-port".into(),
        a.metrics_port.to_string(),
        "--axon-port".into(),
        a.axon_port.to_string(),
        "--health-port".into(),
        a.health_port.to_string(),
        "--gateway-port".into(),
        a.gateway_port.to_string(),
    ];
    let rate_limit = a
        .rpc_rate_limit
        .or(a.flood.contains(&Flood::RpcBatch).then_some(5_000));
    if let Some(limit) = rate_limit {
        up_args.extend(["--rpc-rate-limit".into(), limit.to_string()]);
    }
    if a.no_neurons {
        up_args.push("--no-neurons".into());
    }
    let up = localnet(&dir, &up_args)?;
    let _teardown = Teardown {
        dir: dir.clone(),
        keep: a.keep,
    };
    if !up.status.success() {
        bail!(
            "localnet up failed: {}",
            String::from_utf8_lossy(&up.stderr).trim()
        );
    }
    let net = Localnet::load(&dir)?.context("localnet up wrote no record")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let mut report = runtime.block_on(load(&a, &net))?;
    report["rpc_rate_limit"] = json!(rate_limit);
    report["profile"] = json!(profile);
    report["machine"] = json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu_model": cpu_model(),
    });
    if global.json {
        println!("{report}");
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn memory_mib(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| -> Option<f64> {
        status
            .lines()
            .find(|l| l.starts_with(key))?
            .split_whitespace()
            .nth(1)?
            .parse::<f64>()
            .ok()
    };
    Some((kib("VmRSS:")? / 1024.0, kib("VmHWM:")? / 1024.0))
}

/// Bytes of the files under `dir` (0 for what cannot be read): their lengths, or with
/// `allocated` the blocks they occupy on disk (redb's file is sparse: its length says little).
fn dir_size(dir: &Path, allocated: bool) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path(), allocated),
            Ok(m) if allocated => m.blocks() * 512,
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The `p`-th percentile (0..=100) of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(mut values: Vec<f64>) -> Value {
    values.sort_by(f64::total_cmp);
    let mean = if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    json!({
        "count": values.len(),
        "mean": round3(mean),
        "p50": round3(percentile(&values, 50.0)),
        "p90": round3(percentile(&values, 90.0)),
        "p99": round3(percentile(&values, 99.0)),
        "max": round3(values.last().copied().unwrap_or(f64::NAN)),
    })
}

fn round3(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// A fresh account per run and index.
fn fresh_sender(run: u64, index: usize) -> Keypair {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&run.to_le_bytes());
    seed[8..16].copy_from_slice(&(index as u64).to_le_bytes());
    seed[16..24].copy_from_slice(b"tpsbench");
    Keypair::from_seed(&seed)
}

fn sign(domain: &ChainDomain, signer: &Keypair, nonce: u64, call: Call) -> SignedTransaction {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(10_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

/// A transaction on its way: who sent it and when.
struct InFlight {
    sender: usize,
    submitted: Instant,
}

/// One finalized block as the follower saw it.
struct SeenBlock {
    height: u64,
    timestamp_ms: u64,
    seen: Instant,
    transactions: usize,
    ours: usize,
}

/// State shared by the senders, the follower and the flood.
struct Shared {
    in_flight: Mutex<HashMap<Hash, InFlight>>,
    windows: Vec<Semaphore>,
    latencies: Mutex<Vec<(Instant, f64)>>,
    blocks: Mutex<Vec<SeenBlock>>,
    failed: AtomicU64,
    submitted: AtomicU64,
    rejected: AtomicU64,
    first_rejection: Mutex<Option<String>>,
    stop: AtomicBool,
}

async fn wait_funded(client: &Client, accounts: &[String], minimum: Rao) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    for address in accounts {
        loop {
            let free = client.state_get_account(address.clone()).await?.free;
            if free >= minimum {
                break;
            }
            if Instant::now() > deadline {
                bail!("funding {address} was not finalized within 120 s");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

async fn load(a: &TpsArgs, net: &Localnet) -> Result<Value> {
    let mut clients = Vec::new();
    for c in 0..a.connections {
        let rpc = &net.nodes[c % net.nodes.len()].rpc;
        clients.push(Arc::new(Client::connect(rpc).await?));
    }
    let props = clients[0].system_properties().await?;
    let domain = ChainDomain {
        chain_id: props.chain_id,
        genesis_hash: props.genesis_hash,
    };

    // Fresh senders, funded by the development accounts.
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let senders: Vec<Keypair> = (0..a.senders).map(|i| fresh_sender(run_id, i)).collect();
    let per_sender = match a.rate {
        Some(rate) => rate
            .saturating_mul(a.duration)
            .div_ceil(a.senders as u64)
            .saturating_add(16),
        // Enough for 16,000 transfers/s over the window (twice what 2 cores finalize, so a
        // run never runs out of transfers).
        None => 16_000u64
            .saturating_mul(a.duration)
            .div_ceil(a.senders as u64),
    };
    let amount = Rao(1_000_000);
    let funding = Rao(per_sender
        .saturating_mul(amount.0 + 10_000_000)
        .saturating_add(1_000_000_000));
    eprintln!(
        "Funding {} senders with {} TAO each…",
        a.senders,
        funding.0 as f64 / 1e9
    );
    let funders: Vec<Keypair> = DEV_NAMES.iter().map(|n| dev_keys(n).0).collect();
    let mut nonces = Vec::new();
    for f in &funders {
        nonces.push(clients[0].state_get_account(f.ss58()).await?.nonce);
    }
    for (i, s) in senders.iter().enumerate() {
        let f = i % funders.len();
        let tx = sign(
            &domain,
            &funders[f],
            nonces[f],
            Call::Balances(BalancesCall::Transfer {
                dest: s.account_id(),
                amount: funding,
            }),
        );
        nonces[f] += 1;
        clients[0]
            .author_submit_transaction(Client::encode_transaction(&tx))
            .await
            .context("submitting a funding transfer")?;
    }
    let addresses: Vec<String> = senders.iter().map(Keypair::ss58).collect();
    wait_funded(&clients[0], &addresses, funding).await?;

    // Pre-sign every transfer (on all cores), so signing costs nothing during the run.
    eprintln!(
        "Pre-signing {} transfers ({per_sender} per sender)…",
        per_sender * a.senders as u64
    );
    let dest = dev_keys("alice").0.account_id();
    let signing = Instant::now();
    let presigned: Vec<Vec<(Hash, String)>> = {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let chunk = a.senders.div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = senders
                .chunks(chunk)
                .map(|keys| {
                    let domain = &domain;
                    scope.spawn(move || {
                        keys.iter()
                            .map(|k| {
                                (0..per_sender)
                                    .map(|nonce| {
                                        let tx = sign(
                                            domain,
                                            k,
                                            nonce,
                                            Call::Balances(BalancesCall::Transfer { dest, amount }),
                                        );
                                        (tx.hash(), Client::encode_transaction(&tx))
                                    })
                                    .collect::<Vec<_>>()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    if presigned.len() != a.senders {
        bail!("pre-signing failed");
    }
    eprintln!("  signed in {:.1} s", signing.elapsed().as_secs_f64());

    let shared = Arc::new(Shared {
        in_flight: Mutex::new(HashMap::new()),
        windows: (0..a.senders).map(|_| Semaphore::new(a.window)).collect(),
        latencies: Mutex::new(Vec::new()),
        blocks: Mutex::new(Vec::new()),
        failed: AtomicU64::new(0),
        submitted: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        first_rejection: Mutex::new(None),
        stop: AtomicBool::new(false),
    });

    // The follower: finalized heads from node 0, with each block's transactions.
    let follow_client = Client::connect(&net.nodes[0].rpc).await?;
    let mut heads = follow_client.chain_subscribe_finalized_heads().await?;
    let follower = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut next: Option<u64> = None;
            while let Some(Ok(head)) = heads.next().await {
                let seen = Instant::now();
                let from = next.unwrap_or(head.height);
                for height in from..=head.height {
                    let Ok(Some(block)) = follow_client.chain_get_block_by_height(height).await
                    else {
                        continue;
                    };
                    let mut ours = 0;
                    {
                        let mut in_flight = shared.in_flight.lock().await;
                        let mut latencies = shared.latencies.lock().await;
                        for tx in &block.transactions {
                            if let Some(f) = in_flight.remove(&tx.hash) {
                                ours += 1;
                                latencies.push((seen, (seen - f.submitted).as_secs_f64()));
                                shared.windows[f.sender].add_permits(1);
                                if tx.success == Some(false) {
                                    shared.failed.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                    shared.blocks.lock().await.push(SeenBlock {
                        height,
                        timestamp_ms: block.timestamp_ms,
                        seen,
                        transactions: block.transactions.len(),
                        ours,
                    });
                }
                next = Some(head.height + 1);
            }
        })
    };

    // Rate limiter: tokens every 10 ms.
    let tokens = Arc::new(Semaphore::new(0));
    if let Some(rate) = a.rate {
        let tokens = tokens.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let mut issued = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            while !shared.stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let due = (start.elapsed().as_secs_f64() * rate as f64) as u64;
                if due > issued {
                    // Never bank more than a second's worth.
                    let add = (due - issued).min(rate) as usize;
                    tokens.add_permits(add);
                    issued = due;
                }
            }
        });
    }

    eprintln!(
        "Submitting for {} s ({})…",
        a.duration,
        match a.rate {
            Some(r) => format!("{r} transfers/s offered"),
            None => format!("max: {} in flight per sender", a.window),
        }
    );
    let start = Instant::now();
    let sampler = a
        .sample_memory
        .map(|every| memory::Sampler::start(net, Duration::from_secs(every), start));
    let mut tasks = Vec::new();
    for (s, txs) in presigned.into_iter().enumerate() {
        let client = clients[s % clients.len()].clone();
        let shared = shared.clone();
        let tokens = tokens.clone();
        let rated = a.rate.is_some();
        tasks.push(tokio::spawn(async move {
            for (hash, hex) in txs {
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(permit) = shared.windows[s].acquire().await else {
                    break;
                };
                permit.forget();
                if rated {
                    let Ok(token) = tokens.acquire().await else {
                        break;
                    };
                    token.forget();
                }
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut attempts = 0;
                loop {
                    shared.in_flight.lock().await.insert(
                        hash,
                        InFlight {
                            sender: s,
                            submitted: Instant::now(),
                        },
                    );
                    match client.author_submit_transaction(hex.clone()).await {
                        Ok(_) => {
                            shared.submitted.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Err(e) => {
                            shared.in_flight.lock().await.remove(&hash);
                            shared.rejected.fetch_add(1, Ordering::Relaxed);
                            let mut first = shared.first_rejection.lock().await;
                            if first.is_none() {
                                *first = Some(e.to_string());
                            }
                            drop(first);
                            attempts += 1;
                            if attempts >= 50 || shared.stop.load(Ordering::Relaxed) {
                                return;
                            }
                            // A full pool or a rate limit: back off, then the same nonce again.
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        }));
    }
    let mut floods = Vec::new();
    for kind in &a.flood {
        floods.push(flood::start(*kind, net, &domain, shared.clone()).await?);
    }
    tokio::time::sleep(Duration::from_secs(a.duration)).await;
    shared.stop.store(true, Ordering::Relaxed);
    let window_end = Instant::now();
    let memory_over_time = match sampler {
        Some(s) => s.finish().await,
        None => Value::Null,
    };
    let mut flood_reports = Vec::new();
    for f in floods {
        flood_reports.push(f.finish((window_end - start).as_secs_f64()).await);
    }
    // Release senders waiting on a window or a token.
    for w in &shared.windows {
        w.close();
    }
    tokens.close();
    for t in tasks {
        let _ = t.await;
    }
    let submitted = shared.submitted.load(Ordering::Relaxed);
    // Drain: wait (bounded) for what was submitted to finalize.
    let drain_deadline = Instant::now() + Duration::from_secs(60);
    while !shared.in_flight.lock().await.is_empty() && Instant::now() < drain_deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let unfinalized = shared.in_flight.lock().await.len();
    follower.abort();

    let memory: Vec<Value> = net
        .nodes
        .iter()
        .map(|n| {
            let (rss, hwm) = memory_mib(n.pid).unwrap_or((f64::NAN, f64::NAN));
            let disk = dir_size(&n.data_dir, false) as f64 / (1024.0 * 1024.0);
            json!({
                "node": n.name,
                "rss_mib": round3(rss),
                "peak_rss_mib": round3(hwm),
                "data_dir_mib": round3(disk),
            })
        })
        .collect();

    let window = (window_end - start).as_secs_f64();
    let latencies = shared.latencies.lock().await;
    let in_window = latencies
        .iter()
        .filter(|(seen, _)| *seen >= start && *seen <= window_end)
        .count();
    let latency = summary(latencies.iter().map(|(_, l)| *l).collect());
    let blocks = shared.blocks.lock().await;
    let window_blocks: Vec<&SeenBlock> = blocks
        .iter()
        .filter(|b| b.seen >= start && b.seen <= window_end)
        .collect();
    let block_times: Vec<f64> = window_blocks
        .windows(2)
        .filter(|w| w[1].height == w[0].height + 1)
        .map(|w| w[1].timestamp_ms.saturating_sub(w[0].timestamp_ms) as f64 / 1000.0)
        .collect();
    let txs_per_block = summary(
        window_blocks
            .iter()
            .map(|b| b.transactions as f64)
            .collect(),
    );
    let ours_in_blocks: usize = window_blocks.iter().map(|b| b.ours).sum();
    let tps = in_window as f64 / window;
    let block_time = summary(block_times);
    let goals = json!({
        "block_time_mean_le_1s": block_time["mean"].as_f64().is_some_and(|m| m <= 1.0),
        "finality_p50_le_2s": latency["p50"].as_f64().is_some_and(|m| m <= 2.0),
        "tps_ge_2000": tps >= 2000.0,
        "finality_p50_le_1s": latency["p50"].as_f64().is_some_and(|m| m <= 1.0),
        "finality_p99_le_2s": latency["p99"].as_f64().is_some_and(|m| m <= 2.0),
        "tps_ge_6000": tps >= 6000.0,
    });
    Ok(json!({
        "validators": net.nodes.len(),
        "duration_s": round3(window),
        "offered": match a.rate { Some(r) => json!(r), None => json!("max") },
        "senders": a.senders,
        "connections": a.connections,
        "window_per_sender": a.window,
        "submitted": submitted,
        "rejected_submissions": shared.rejected.load(Ordering::Relaxed),
        "first_rejection": *shared.first_rejection.lock().await,
        "finalized_in_window": in_window,
        "finalized_total": latencies.len(),
        "failed_receipts": shared.failed.load(Ordering::Relaxed),
        "unfinalized_after_drain": unfinalized,
        "finalized_tps": round3(tps),
        "blocks_in_window": window_blocks.len(),
        "our_transfers_in_window_blocks": ours_in_blocks,
        "block_time_s": block_time,
        "transactions_per_block": txs_per_block,
        "finality_latency_s": latency,
        "memory": memory,
        "memory_over_time": memory_over_time,
        "floods": flood_reports,
        "goals": goals,
    }))
}

fn print_report(r: &Value) {
    let text = |v: &Value| match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    println!(
        "taonet bench tps: {} validators, {} build, {} × {}",
        r["validators"],
        text(&r["profile"]),
        r["machine"]["cpus"],
        text(&r["machine"]["cpu_model"])
    );
    if r["profile"] == "debug" {
        println!("WARNING: {DEBUG_WARNING}");
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["metric", "value"]);
    let rows: Vec<(&str, String)> = vec![
        (
            "offered load",
            format!(
                "{} tx/s, {} senders, {} connections",
                text(&r["offered"]),
                r["senders"],
                r["connections"]
            ),
        ),
        ("window", format!("{} s", r["duration_s"])),
        ("submitted", text(&r["submitted"])),
        (
            "rejected submissions",
            format!(
                "{} {}",
                r["rejected_submissions"],
                r["first_rejection"].as_str().unwrap_or_default()
            ),
        ),
        (
            "finalized transfers/s",
            format!(
                "{} ({} in window)",
                r["finalized_tps"], r["finalized_in_window"]
            ),
        ),
        (
            "failed receipts / unfinalized",
            format!(
                "{} / {}",
                r["failed_receipts"], r["unfinalized_after_drain"]
            ),
        ),
    ];
    for (k, v) in rows {
        table.add_row(vec![k.to_string(), v]);
    }
    for (name, key, unit) in [
        ("block time", "block_time_s", " s"),
        ("finality latency", "finality_latency_s", " s"),
        ("transactions per block", "transactions_per_block", ""),
    ] {
        let s = &r[key];
        table.add_row(vec![
            name.to_string(),
            format!(
                "mean {}{unit}, p50 {}{unit}, p90 {}{unit}, p99 {}{unit}, max {}{unit} (n={})",
                text(&s["mean"]),
                text(&s["p50"]),
                text(&s["p90"]),
                text(&s["p99"]),
                text(&s["max"]),
                s["count"]
            ),
        ]);
    }
    for f in r["floods"].as_array().into_iter().flatten() {
        table.add_row(vec![
            format!("flood {}", text(&f["kind"])),
            format!(
                "{} sent ({}/s), {} refused, {} accepted; first refusal: {}",
                text(&f["sent"]),
                text(&f["sent_per_s"]),
                text(&f["refused"]),
                text(&f["accepted"]),
                text(&f["first_refusal"])
            ),
        ]);
    }
    for m in r["memory"].as_array().into_iter().flatten() {
        table.add_row(vec![
            format!("memory {}", text(&m["node"])),
            format!(
                "RSS {} MiB (peak {} MiB), data directory {} MiB",
                text(&m["rss_mib"]),
                text(&m["peak_rss_mib"]),
                text(&m["data_dir_mib"])
            ),
        ]);
    }
    println!("{table}");
    print_memory_over_time(&r["memory_over_time"]);
    let goal = |k: &str| {
        if r["goals"][k] == true {
            "met"
        } else {
            "NOT met"
        }
    };
    println!(
        "Goals: blocks ≤ 1 s {}; finality p50 ≤ 2 s {}; ≥ 2,000 transfers/s {}.",
        goal("block_time_mean_le_1s"),
        goal("finality_p50_le_2s"),
        goal("tps_ge_2000")
    );
    println!(
        "Throughput goals: ≥ 6,000 transfers/s (with --max) {}; at 5,000 offered, finality p50 ≤ 1 s {} and p99 ≤ 2 s {}.",
        goal("tps_ge_6000"),
        goal("finality_p50_le_1s"),
        goal("finality_p99_le_2s")
    );
}

/// The `--sample-memory` table: one row per sample, one column per process, then the trends.
fn print_memory_over_time(m: &Value) {
    let Some(processes) = m["processes"].as_array() else {
        return;
    };
    let names: Vec<String> = processes
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["t (s)".to_string()];
    header.extend(names.iter().map(|n| format!("{n} RSS MiB")));
    table.set_header(header);
    for s in m["samples"].as_array().into_iter().flatten() {
        let mut row = vec![s["t_s"].to_string()];
        row.extend(names.iter().map(|n| match &s["rss_mib"][n] {
            Value::Null => "-".to_string(),
            v => format!("{:.1}", v.as_f64().unwrap_or(f64::NAN)),
        }));
        table.add_row(row);
    }
    println!("{table}");
    let mut trends = Table::new();
    trends.load_preset(UTF8_FULL_CONDENSED);
    trends.set_header(vec![
        "process",
        "after warm-up: first → last MiB",
        "max MiB",
        "slope MiB/hour",
        "bounded",
    ]);
    for p in processes {
        trends.add_row(vec![
            p["name"].as_str().unwrap_or_default().to_string(),
            format!("{} → {}", p["first_mib"], p["last_mib"]),
            p["max_mib"].to_string(),
            p["slope_mib_per_hour"].to_string(),
            p["bounded"].to_string(),
        ]);
    }
    println!(
        "Memory trend after a warm-up of {} s (bounded: growth < max(5% of the mean, 10 MiB)):",
        m["warm_up_s"]
    );
    println!("{trends}");
}
