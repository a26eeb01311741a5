//! `taonet miner …` and `taonet validator …`: run the text subnet's neurons, train and
//! evaluate miner models.
//!
//! - `miner train` trains a byte n-gram model on the public synthetic language (or a text
//!   corpus, e.g. from `scripts/fetch-corpora.sh`) and saves it as safetensors.
//! - `miner eval` measures a model's bits per byte the way validators score it.
//! - `miner run` registers (with `--register`), serves the axon, publishes its address and
//!   answers validators with the model, until Ctrl-C or SIGTERM.
//! - `validator run` queries the subnet's miners every round, keeps moving-average scores
//!   and sets weights (or commits and reveals them) every tempo, until Ctrl-C or SIGTERM.
//!   With `--gateway` it also serves paid queries over HTTP (`taonet_neuron::gateway`):
//!   answers from the loss-weighted mixture of the top miners by incentive, weighted by its
//!   own scores, paid with payment-channel vouchers it keeps in a voucher book and claims
//!   on chain every `--claim-interval` (and on shutdown) with the hotkey's owner coldkey.
//!   Axon addresses on chain that are not public (loopback, private, …) are not dialled
//!   unless `--allow-private-axons` (local networks; `localnet up` passes it).
//! - `miner mixture` measures the mixture of several n-gram miners against the best single
//!   one on held-out text (the numbers in BENCHMARKS.md).
//!
//! Both long-running commands log to stderr (`--log` filter) and can serve their status as
//! JSON on `GET /health` (`--health-addr`).
//!
//! This module holds the two command groups and what the long-running neurons share (the
//! multi-threaded runtime, shutdown on a signal, the node connection, the health endpoint);
//! the commands live by topic: [`miner`] (`miner run`), [`validator`] (`validator run` and
//! its gateway) and [`model`] (`miner train`, `eval`, `mixture`: offline, no node).

mod miner;
mod model;
mod validator;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use taonet_neuron::health::serve_health;
use taonet_neuron::tx::TxSender;

use crate::args::{KeyOpts, RpcOpts};
use crate::context::resolve_rpc;
use crate::{Global, usage};

use miner::MinerRunArgs;
use model::{CorpusArgs, EvalArgs, MixtureArgs, TrainArgs};
use validator::ValidatorRunArgs;

#[derive(Args, Debug)]
pub struct MinerArgs {
    #[command(subcommand)]
    command: MinerCommand,
}

#[derive(Subcommand, Debug)]
enum MinerCommand {
    /// Serve a model on a subnet: register (with --register), publish the axon, answer.
    Run(MinerRunArgs),
    /// Train a model and save it (safetensors).
    Train(TrainArgs),
    /// Bits per byte of a model, scored as validators score.
    Eval(EvalArgs),
    /// Bits per byte of the mixture of several n-gram miners against the best one alone,
    /// on held-out text (weights fitted on one half, measured on the other).
    Mixture(MixtureArgs),
    /// Write text of the public synthetic language (training data for models built outside
    /// taonet, e.g. in Python).
    Corpus(CorpusArgs),
}

/// What every long-running neuron takes: keys, node, health endpoint, logging.
#[derive(Args, Debug)]
struct NeuronOpts {
    /// Serve `GET /health` (JSON status) on this address.
    #[arg(long, value_name = "ADDR")]
    health_addr: Option<SocketAddr>,
    /// Log filter (RUST_LOG syntax) [default: info for taonet].
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(flatten)]
    rpc: RpcOpts,
}

#[derive(Args, Debug)]
pub struct ValidatorArgs {
    #[command(subcommand)]
    command: ValidatorCommand,
}

#[derive(Subcommand, Debug)]
enum ValidatorCommand {
    /// Query the subnet's miners, score them and set weights every tempo.
    Run(ValidatorRunArgs),
}

pub fn run_miner(args: MinerArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        MinerCommand::Run(a) => miner::run(a, global),
        MinerCommand::Train(a) => model::train(a, global),
        MinerCommand::Eval(a) => model::eval(a, global),
        MinerCommand::Mixture(a) => model::mixture(a, global),
        MinerCommand::Corpus(a) => model::corpus(a, global),
    }
}

pub fn run_validator(args: ValidatorArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        ValidatorCommand::Run(a) => validator::run(a, global),
    }
}

/// A multi-threaded async runtime for a long-running neuron.
fn multi_thread_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// The node URL for a long-running neuron (HTTP: each request stands alone).
fn neuron_rpc(flag: Option<&str>) -> Result<String> {
    Ok(http_url(&resolve_rpc(flag)?))
}

/// `url` with `ws://`/`wss://` turned into `http://`/`https://` (other forms unchanged).
pub(crate) fn http_url(url: &str) -> String {
    if let Some(rest) = url.strip_prefix("ws://") {
        format!("http://{rest}")
    } else if let Some(rest) = url.strip_prefix("wss://") {
        format!("https://{rest}")
    } else {
        url.to_string()
    }
}

/// A transaction sender on the node at `url`, retrying for a minute while it starts.
async fn connect_chain(url: &str) -> Result<Arc<TxSender>> {
    // The node may still be starting: retry for a while, then fail in words.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match TxSender::connect(url).await {
            Ok(c) => return Ok(Arc::new(c)),
            Err(e) if Instant::now() > deadline => {
                return Err(anyhow::anyhow!(
                    "cannot reach the node at {url}: {e}; is it running (`taonet localnet status`) and is --rpc right?"
                ));
            }
            Err(e) => {
                tracing::warn!("node at {url} not reachable yet ({e}); retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}

/// Serves `health` as JSON on `GET /health` at `addr` (`--health-addr`).
async fn health_endpoint<T>(
    addr: SocketAddr,
    health: taonet_neuron::health::SharedHealth<T>,
) -> Result<tokio::task::JoinHandle<()>>
where
    T: serde::Serialize + Clone + Send + Sync + 'static,
{
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| usage!("cannot listen on --health-addr {addr}: {e}"))?;
    serve_health(listener, health).map_err(|e| anyhow::anyhow!("health endpoint: {e}"))
}
