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

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_neuron::gateway::{Gateway, GatewayConfig, Prices, ScoreSource};
use taonet_neuron::health::serve_health;
use taonet_neuron::miner::{Miner, MinerConfig, Register};
use taonet_neuron::tx::TxSender;
use taonet_neuron::validator::{Validator, ValidatorConfig};
use taonet_neuron::{Dendrite, DendriteConfig};
use taonet_subnet_text::gateway::TextAnswerer;
use taonet_subnet_text::ngram::NgramModel;
use taonet_subnet_text::{
    Language, Model, TextSubnet, TextSubnetConfig, evaluate_on_language, evaluate_on_text,
};

use crate::args::{KeyOpts, RpcOpts, parse_tao};
use crate::context::resolve_rpc;
use crate::{Global, usage};

/// The fixed seed `miner train` and `miner eval` report bits per byte on (public, so
/// numbers are comparable between models; validators use secret seeds).
pub const EVAL_SEED: [u8; 32] = *b"taonet miner eval seed, public!!";

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
}

#[derive(Args, Debug)]
struct MixtureArgs {
    /// n-gram orders of the miners (comma-separated).
    #[arg(long, default_value = "6,4,2", value_delimiter = ',')]
    orders: Vec<usize>,
    /// Bytes of synthetic-language text each miner is trained on.
    #[arg(long, default_value_t = 1_000_000)]
    train_bytes: usize,
    /// Train each miner on its own text (seeds 1, 2, …) instead of all on seed 1.
    #[arg(long)]
    independent: bool,
    /// Use this text file instead of the language: miners train on its first 80%, weights
    /// are fitted on the next 10% and measured on the last 10%.
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
    /// Held-out bytes of the language (half to fit, half to measure).
    #[arg(long, default_value_t = 40_000)]
    heldout_bytes: usize,
    /// Seed of the held-out text of the language.
    #[arg(long, default_value_t = 424_242)]
    heldout_seed: u64,
    /// Bytes of context for each prediction.
    #[arg(long, default_value_t = 8)]
    context: usize,
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
struct MinerRunArgs {
    /// The subnet to mine on (netuid).
    #[arg(long, default_value_t = 1)]
    netuid: u16,
    /// The model file (`taonet miner train --out PATH`).
    #[arg(long, value_name = "PATH")]
    model: PathBuf,
    /// Register the hotkey by burning TAO from the coldkey if it is not registered.
    #[arg(long)]
    register: bool,
    /// Highest registration burn accepted, in TAO.
    #[arg(long, default_value = "10", value_name = "TAO")]
    max_burn: String,
    /// Address the axon listens on.
    #[arg(long, default_value = "0.0.0.0")]
    axon_ip: IpAddr,
    /// Port the axon listens on (0: any free port).
    #[arg(long, default_value_t = 8091)]
    axon_port: u16,
    /// IP published on chain [default: 127.0.0.1 when listening on 0.0.0.0, else --axon-ip].
    #[arg(long)]
    external_ip: Option<IpAddr>,
    /// Port published on chain [default: the listening port].
    #[arg(long)]
    external_port: Option<u16>,
    /// Answer registered callers without a validator permit too.
    #[arg(long)]
    allow_non_validators: bool,
    #[command(flatten)]
    common: NeuronOpts,
}

/// Kinds of miner model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModelKind {
    /// Byte n-gram counts with Witten–Bell smoothing (seconds to train).
    Ngram,
    /// A byte MLP trained with candle (needs a build with `--features candle`).
    Mlp,
}

#[derive(Args, Debug)]
struct TrainArgs {
    /// Where to save the model (safetensors).
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// The kind of model.
    #[arg(long, value_enum, default_value_t = ModelKind::Ngram)]
    kind: ModelKind,
    /// n-gram order: 1 (bytes alone) to 8 (7 bytes of context).
    #[arg(long, default_value_t = 5)]
    order: usize,
    /// MLP: optimiser steps.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// MLP: bytes of context.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 12)]
    context: usize,
    /// MLP: hidden layer width.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 256)]
    hidden: usize,
    /// Train on this text file instead of the synthetic language.
    #[arg(long, value_name = "FILE")]
    corpus: Option<PathBuf>,
    /// Bytes of synthetic-language text to train on (without --corpus).
    #[arg(long, default_value_t = 2_000_000)]
    bytes: usize,
    /// Seed of the synthetic training text.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// The model file.
    #[arg(long, value_name = "PATH")]
    model: PathBuf,
    /// Prefixes drawn from the synthetic language.
    #[arg(long, default_value_t = 1024)]
    samples: usize,
    /// Also score every byte of this text file (8 bytes of context).
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
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

#[derive(Args, Debug)]
struct ValidatorRunArgs {
    /// The subnet to validate on (netuid).
    #[arg(long, default_value_t = 1)]
    netuid: u16,
    /// Seconds between query rounds.
    #[arg(long, default_value_t = 12.0)]
    round_interval: f64,
    /// Seconds a miner has to answer.
    #[arg(long, default_value_t = 12.0)]
    query_timeout: f64,
    /// Moving-average factor of new scores, in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// Blocks between weight updates [default: the subnet's tempo].
    #[arg(long)]
    weights_interval: Option<u64>,
    /// Prefixes per query.
    #[arg(long, default_value_t = 128)]
    prefixes: usize,
    /// Private held-out text: a share of the prefixes comes from it.
    #[arg(long, value_name = "FILE")]
    heldout: Option<PathBuf>,
    /// Also query (and, with --gateway, ask) miners whose axon address on chain is not
    /// public (loopback, private, link-local, …). Only for a local network: on a public one
    /// such addresses point the validator at its own hosts.
    #[arg(long)]
    allow_private_axons: bool,
    #[command(flatten)]
    gateway: GatewayOpts,
    #[command(flatten)]
    common: NeuronOpts,
}

/// `validator run --gateway …`.
#[derive(Args, Debug)]
struct GatewayOpts {
    /// Also serve paid queries over HTTP (GET /price, POST /query, GET /health).
    #[arg(long)]
    gateway: bool,
    /// Address the gateway API listens on.
    #[arg(long, default_value = "127.0.0.1:8190", value_name = "ADDR")]
    gateway_listen: SocketAddr,
    /// Price per query, in TAO.
    #[arg(long, default_value = "0.001", value_name = "TAO")]
    price: String,
    /// Price per byte of `max_bytes` asked for, in TAO.
    #[arg(long, default_value = "0", value_name = "TAO")]
    price_per_byte: String,
    /// Largest `max_bytes` a query may ask for.
    #[arg(long, default_value_t = 256)]
    gateway_max_bytes: u32,
    /// Miners asked per query: the top by incentive.
    #[arg(long, default_value_t = 3)]
    top_miners: usize,
    /// The voucher book, a database (a JSON book of an earlier version is migrated in place)
    /// [default: <wallet>/gateway/<hotkey>-netuid<N>.json].
    #[arg(long, value_name = "PATH")]
    gateway_book: Option<PathBuf>,
    /// Seconds between claims of the vouchers held.
    #[arg(long, default_value_t = 60.0)]
    claim_interval: f64,
    /// Refuse queries on channels with fewer blocks than this before their expiry (keep it
    /// above the claim interval in blocks).
    #[arg(long, default_value_t = 300)]
    min_blocks_left: u64,
    /// Do not claim (no coldkey needed): claim later with `taonet channel claim --book`.
    #[arg(long)]
    no_claim: bool,
}

pub fn run_miner(args: MinerArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        MinerCommand::Run(a) => miner_run(a, global),
        MinerCommand::Train(a) => train(a, global),
        MinerCommand::Eval(a) => eval(a, global),
        MinerCommand::Mixture(a) => mixture(a, global),
    }
}

pub fn run_validator(args: ValidatorArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        ValidatorCommand::Run(a) => validator_run(a, global),
    }
}

fn load_model(path: &Path) -> Result<Model> {
    Model::load(path).map_err(|e| match e {
        taonet_subnet_text::TextError::Io { .. } => usage!(
            "{e}; train a model first with `taonet miner train --out {}`",
            path.display()
        ),
        other => usage!("{other}"),
    })
}

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
fn neuron_rpc(flag: Option<&str>) -> String {
    http_url(&resolve_rpc(flag))
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

fn miner_run(a: MinerRunArgs, global: Global) -> Result<ExitCode> {
    crate::cmd::node::init_logging(a.common.log.as_deref());
    let model = load_model(&a.model)?;
    tracing::info!("model {}: {}", a.model.display(), model.describe());
    let hotkey = a.common.keys.hotkey_pair(global)?;
    let register = if a.register {
        Some(Register {
            coldkey: a.common.keys.coldkey(global)?,
            max_burn: parse_tao("--max-burn", &a.max_burn)?,
        })
    } else {
        None
    };
    let mut config = MinerConfig::new(a.netuid);
    config.register = register;
    config.require_validator_permit = !a.allow_non_validators;
    config.axon.external_ip = match a.external_ip {
        Some(ip) => ip.to_string(),
        None if a.axon_ip.is_unspecified() => "127.0.0.1".into(),
        None => a.axon_ip.to_string(),
    };
    config.axon.external_port = a.external_port.unwrap_or(0);
    if a.common.rpc.tip.is_some() {
        return Err(usage!(
            "--tip applies to the chain commands' paying transactions; neurons send free calls"
        ));
    }
    let url = neuron_rpc(a.common.rpc.rpc.as_deref());
    let rt = multi_thread_runtime()?;
    rt.block_on(async move {
        let listen = SocketAddr::new(a.axon_ip, a.axon_port);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| usage!("cannot listen on {listen}: {e}; pick another --axon-port"))?;
        let chain = connect_chain(&url).await?;
        let miner = Miner::new(hotkey, chain, model, config);
        let _health = match a.common.health_addr {
            Some(addr) => Some(health_endpoint(addr, miner.health()).await?),
            None => None,
        };
        tracing::info!(
            "miner on subnet {} listening on {} (node {url})",
            a.netuid,
            listener
                .local_addr()
                .map(|x| x.to_string())
                .unwrap_or_default()
        );
        miner
            .run(listener, shutdown_signal())
            .await
            .map_err(|e| anyhow::anyhow!("the miner stopped: {e}"))?;
        tracing::info!("miner stopped");
        Ok(ExitCode::SUCCESS)
    })
}

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

fn validator_run(a: ValidatorRunArgs, global: Global) -> Result<ExitCode> {
    crate::cmd::node::init_logging(a.common.log.as_deref());
    let seconds = |flag: &str, v: f64| -> Result<Duration> {
        if v.is_finite() && v > 0.0 && v <= 3600.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(usage!(
                "{flag} must be a number of seconds in (0, 3600], got {v}"
            ))
        }
    };
    let mut config = ValidatorConfig::new(a.netuid);
    config.round_interval = seconds("--round-interval", a.round_interval)?;
    config.query_timeout = seconds("--query-timeout", a.query_timeout)?;
    if !(a.alpha.is_finite() && a.alpha > 0.0 && a.alpha <= 1.0) {
        return Err(usage!("--alpha must be in (0, 1], got {}", a.alpha));
    }
    config.moving_average_alpha = a.alpha;
    if a.weights_interval == Some(0) {
        return Err(usage!("--weights-interval must be at least 1 block"));
    }
    config.weights_interval = a.weights_interval;
    let heldout = match &a.heldout {
        Some(path) => {
            Some(Arc::new(std::fs::read(path).map_err(|e| {
                usage!("cannot read --heldout {}: {e}", path.display())
            })?))
        }
        None => None,
    };
    let subnet = TextSubnet::new(TextSubnetConfig {
        prefixes: a.prefixes,
        heldout,
        ..TextSubnetConfig::default()
    })
    .map_err(|e| usage!("{e}"))?;
    let hotkey = a.common.keys.hotkey_pair(global)?;
    let dendrite_config = DendriteConfig {
        allow_private_axons: a.allow_private_axons,
        ..DendriteConfig::default()
    };
    let dendrite = Dendrite::new(hotkey.clone(), dendrite_config);
    let gateway = if a.gateway.gateway {
        Some(gateway_plan(&a, global)?)
    } else {
        None
    };
    if a.common.rpc.tip.is_some() {
        return Err(usage!(
            "--tip applies to the chain commands' paying transactions; neurons send free calls"
        ));
    }
    let url = neuron_rpc(a.common.rpc.rpc.as_deref());
    let rt = multi_thread_runtime()?;
    rt.block_on(async move {
        let chain = connect_chain(&url).await?;
        let validator = Validator::new(subnet, hotkey.clone(), chain.clone(), dendrite, config);
        let _health = match a.common.health_addr {
            Some(addr) => Some(health_endpoint(addr, validator.health()).await?),
            None => None,
        };
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let claims = match gateway {
            Some(plan) => {
                let g = start_gateway(plan, &hotkey, chain, validator.health(), a.netuid).await?;
                let rx = stop_rx.clone();
                Some(tokio::spawn(async move { g.run_claims(stopped(rx)).await }))
            }
            None => None,
        };
        tracing::info!("validator on subnet {} (node {url})", a.netuid);
        validator.run(stopped(stop_rx)).await;
        if let Some(c) = claims {
            let _ = c.await;
        }
        tracing::info!("validator stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// What `--gateway` needs, checked before anything starts.
struct GatewayPlan {
    config: GatewayConfig,
    listen: SocketAddr,
    claimer: Option<taonet_crypto::Keypair>,
    query_timeout: Duration,
}

fn gateway_plan(a: &ValidatorRunArgs, global: Global) -> Result<GatewayPlan> {
    let g = &a.gateway;
    let prices = Prices {
        per_query: parse_tao("--price", &g.price)?,
        per_byte: parse_tao("--price-per-byte", &g.price_per_byte)?,
    };
    if g.gateway_max_bytes == 0 || g.gateway_max_bytes > 4096 {
        return Err(usage!("--gateway-max-bytes must be 1 to 4096"));
    }
    if prices.price(g.gateway_max_bytes).is_none() {
        return Err(usage!("--price and --price-per-byte overflow"));
    }
    if g.top_miners == 0 || g.top_miners > 64 {
        return Err(usage!("--top-miners must be 1 to 64"));
    }
    if !(g.claim_interval.is_finite() && g.claim_interval > 0.0 && g.claim_interval <= 86_400.0) {
        return Err(usage!(
            "--claim-interval must be a number of seconds in (0, 86400]"
        ));
    }
    let wallet = a.common.keys.wallet()?;
    let book = g.gateway_book.clone().unwrap_or_else(|| {
        crate::cmd::channel::default_book_path(&wallet, &a.common.keys.hotkey, a.netuid)
    });
    let mut config = GatewayConfig::new(a.netuid, prices, book);
    config.max_bytes = g.gateway_max_bytes;
    config.top_miners = g.top_miners;
    config.claim_interval = Duration::from_secs_f64(g.claim_interval);
    config.min_blocks_left = g.min_blocks_left;
    config.allow_private_axons = a.allow_private_axons;
    let claimer = if g.no_claim {
        None
    } else {
        Some(a.common.keys.coldkey(global).map_err(|e| {
            e.context("--gateway claims with the hotkey's owner coldkey (pass --no-claim to only collect vouchers)")
        })?)
    };
    Ok(GatewayPlan {
        config,
        listen: g.gateway_listen,
        claimer,
        query_timeout: Duration::from_secs_f64(a.query_timeout.clamp(0.1, 3600.0)),
    })
}

async fn start_gateway(
    plan: GatewayPlan,
    hotkey: &taonet_crypto::Keypair,
    chain: Arc<TxSender>,
    validator: taonet_neuron::health::SharedHealth<taonet_neuron::validator::ValidatorHealth>,
    netuid: u16,
) -> Result<Gateway> {
    use taonet_client::prelude::*;
    if let Some(claimer) = &plan.claimer {
        let owner = chain
            .client()
            .state_get_delegate(hotkey.ss58())
            .await
            .map_err(|e| anyhow::anyhow!("reading the hotkey's owner: {e}"))?
            .map(|d| d.owner);
        if owner.as_deref() != Some(claimer.ss58().as_str()) {
            return Err(usage!(
                "the gateway's claims must be signed by the owner of hotkey {}, which is {}, not this wallet's coldkey {}",
                hotkey.ss58(),
                owner.unwrap_or_else(|| "nobody (register or associate it first)".into()),
                claimer.ss58()
            ));
        }
    }
    let listener = tokio::net::TcpListener::bind(plan.listen)
        .await
        .map_err(|e| usage!("cannot listen on --gateway-listen {}: {e}", plan.listen))?;
    let dendrite = Arc::new(Dendrite::new(
        hotkey.clone(),
        DendriteConfig {
            allow_private_axons: plan.config.allow_private_axons,
            ..DendriteConfig::default()
        },
    ));
    let answerer = Arc::new(TextAnswerer::new(dendrite, plan.query_timeout));
    let scores: ScoreSource = Arc::new(move || {
        taonet_neuron::health::read(&validator)
            .miners
            .into_iter()
            .map(|m| (m.uid, (m.hotkey, m.score)))
            .collect()
    });
    let book = plan.config.book.clone();
    let gateway = Gateway::new(
        &hotkey.account_id(),
        chain,
        plan.claimer,
        plan.config,
        answerer,
        scores,
    )
    .map_err(|e| usage!("{e}"))?;
    gateway.serve(listener);
    tracing::info!(
        "gateway for subnet {netuid} on http://{} (voucher book {})",
        plan.listen,
        book.display()
    );
    Ok(gateway)
}

fn progress_bar(global: Global, len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = if global.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(len)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn train(a: TrainArgs, global: Global) -> Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(usage!(
            "{} already exists; pass --force to replace it",
            a.out.display()
        ));
    }
    if !(1..=taonet_subnet_text::ngram::MAX_ORDER).contains(&a.order) {
        return Err(usage!(
            "--order must be 1 to {}, got {}",
            taonet_subnet_text::ngram::MAX_ORDER,
            a.order
        ));
    }
    if a.kind == ModelKind::Mlp && !cfg!(feature = "candle") {
        return Err(mlp_unavailable());
    }
    let language = Language::new();
    let (text, source) = match &a.corpus {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --corpus {}: {e}", path.display()))?;
            if text.is_empty() {
                return Err(usage!("--corpus {} is empty", path.display()));
            }
            (text, path.display().to_string())
        }
        None => {
            if a.bytes == 0 || a.bytes > u32::MAX as usize {
                return Err(usage!("--bytes must be 1 to {}", u32::MAX));
            }
            let bar = progress_bar(global, 1, "generating training text");
            let text = language.text(a.seed, a.bytes);
            bar.finish_and_clear();
            (text, format!("synthetic language, seed {}", a.seed))
        }
    };
    let started = Instant::now();
    let model = match a.kind {
        ModelKind::Ngram => {
            let bar = progress_bar(global, a.order as u64, "counting contexts");
            let model = NgramModel::train(a.order, &text, |p| bar.set_position(p.done as u64))
                .map_err(|e| usage!("{e}"))?;
            bar.finish_and_clear();
            model.save(&a.out)?;
            Model::Ngram(model)
        }
        ModelKind::Mlp => train_mlp(&a, &text, global)?,
    };
    let bpb = evaluate_on_language(&model, &language, EVAL_SEED, 1024, 32, 256)?;
    let description = model.describe();
    let out = json!({
        "model": a.out,
        "kind": match a.kind { ModelKind::Ngram => "ngram", ModelKind::Mlp => "mlp" },
        "description": description,
        "trained_bytes": text.len(),
        "source": source,
        "seconds": started.elapsed().as_secs_f64(),
        "bits_per_byte": bpb,
    });
    if global.json {
        println!("{out}");
    } else {
        println!(
            "Saved {description} (trained on {} bytes of {source}) to {}.",
            text.len(),
            a.out.display()
        );
        println!("Bits per byte on the public evaluation sample: {bpb:.3} (uniform guessing: 8).");
        println!(
            "Serve it: taonet miner run --netuid 1 --model {} --register",
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(a: EvalArgs, global: Global) -> Result<ExitCode> {
    if a.samples == 0 || a.samples > 1_000_000 {
        return Err(usage!("--samples must be 1 to 1000000"));
    }
    let model = load_model(&a.model)?;
    let language = Language::new();
    let bpb = evaluate_on_language(&model, &language, EVAL_SEED, a.samples, 32, 256)?;
    let text_bpb = match &a.text {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --text {}: {e}", path.display()))?;
            Some(evaluate_on_text(&model, &text, 8))
        }
        None => None,
    };
    // The reward a validator would give (default sharpness).
    let reward =
        taonet_subnet_text::score::reward(bpb, taonet_subnet_text::score::DEFAULT_SHARPNESS);
    if global.json {
        println!(
            "{}",
            json!({
                "model": a.model,
                "description": model.describe(),
                "samples": a.samples,
                "bits_per_byte": bpb,
                "reward": reward,
                "text_bits_per_byte": text_bpb,
            })
        );
    } else {
        println!("{}: {}", a.model.display(), model.describe());
        println!(
            "bits per byte on {} prefixes of the synthetic language: {bpb:.3} (reward {reward:.4})",
            a.samples
        );
        if let (Some(b), Some(p)) = (text_bpb, &a.text) {
            println!("bits per byte on {}: {b:.3}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn mixture(a: MixtureArgs, global: Global) -> Result<ExitCode> {
    if a.orders.is_empty() || a.orders.len() > 8 {
        return Err(usage!("--orders takes 1 to 8 orders"));
    }
    for &o in &a.orders {
        if !(1..=taonet_subnet_text::ngram::MAX_ORDER).contains(&o) {
            return Err(usage!(
                "--orders: {o} is not 1 to {}",
                taonet_subnet_text::ngram::MAX_ORDER
            ));
        }
    }
    if a.context == 0 || a.context > 64 {
        return Err(usage!("--context must be 1 to 64"));
    }
    let started = Instant::now();
    let language = Language::new();
    let (models, fit, eval, source) = match &a.text {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --text {}: {e}", path.display()))?;
            if text.len() < 1_000 {
                return Err(usage!(
                    "--text {} is too short (< 1000 bytes)",
                    path.display()
                ));
            }
            let n = text.len();
            let (train, rest) = text.split_at(n * 8 / 10);
            let (fit, eval) = rest.split_at(rest.len() / 2);
            let models = a
                .orders
                .iter()
                .map(|&o| NgramModel::train(o, train, |_| {}).map(Model::Ngram))
                .collect::<Result<Vec<_>, _>>()?;
            (
                models,
                fit.to_vec(),
                eval.to_vec(),
                path.display().to_string(),
            )
        }
        None => {
            if a.heldout_bytes < 1_000 || a.train_bytes == 0 {
                return Err(usage!(
                    "--heldout-bytes must be at least 1000 and --train-bytes positive"
                ));
            }
            let shared = language.text(1, a.train_bytes);
            let models = a
                .orders
                .iter()
                .enumerate()
                .map(|(i, &o)| {
                    if a.independent {
                        NgramModel::train(o, &language.text(1 + i as u64, a.train_bytes), |_| {})
                    } else {
                        NgramModel::train(o, &shared, |_| {})
                    }
                    .map(Model::Ngram)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let heldout = language.text(a.heldout_seed, a.heldout_bytes);
            let (fit, eval) = heldout.split_at(heldout.len() / 2);
            (
                models,
                fit.to_vec(),
                eval.to_vec(),
                format!("synthetic language, held-out seed {}", a.heldout_seed),
            )
        }
    };
    let refs: Vec<&Model> = models.iter().collect();
    let r = taonet_subnet_text::mixture::compare(&refs, &fit, &eval, a.context);
    let gain = |x: f64| (x - r.best_single) / r.best_single * 100.0;
    if global.json {
        println!(
            "{}",
            json!({
                "source": source,
                "orders": a.orders,
                "independent": a.independent,
                "train_bytes": a.train_bytes,
                "report": r,
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} miners (n-gram orders {:?}{}), {source}; fitted on {} bytes, measured on {}:",
        models.len(),
        a.orders,
        if a.independent {
            ", each on its own text"
        } else {
            ""
        },
        r.fit_bytes,
        r.eval_bytes
    );
    for (o, b) in a.orders.iter().zip(&r.singles) {
        println!("  order {o} alone:              {b:.4} bits/byte");
    }
    println!("  best single miner:          {:.4}", r.best_single);
    println!(
        "  equal-weight mixture:       {:.4} ({:+.2}%)",
        r.equal,
        gain(r.equal)
    );
    println!(
        "  score-weighted (2^-4·bpb):  {:.4} ({:+.2}%)  weights {:.3?}",
        r.score_weighted,
        gain(r.score_weighted),
        r.score_weights
    );
    println!(
        "  EM-fitted mixture:          {:.4} ({:+.2}%)  weights {:.3?}",
        r.em,
        gain(r.em),
        r.em_weights
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "candle")]
fn train_mlp(a: &TrainArgs, text: &[u8], global: Global) -> Result<Model> {
    use taonet_subnet_text::mlp::{MlpConfig, MlpModel, TrainOptions};
    let config = MlpConfig {
        context: a.context,
        hidden: a.hidden,
        seed: a.seed,
        ..MlpConfig::default()
    };
    let options = TrainOptions {
        steps: a.steps,
        seed: a.seed,
        ..TrainOptions::default()
    };
    let bar = progress_bar(global, a.steps as u64, "training the MLP");
    let model = MlpModel::train(&config, text, &options, |p| {
        bar.set_position(p.step as u64);
        bar.set_message(format!(
            "training the MLP ({:.2} bpb)",
            p.loss_bits_per_byte
        ));
    })
    .map_err(|e| match e {
        taonet_subnet_text::TextError::Config(_) => usage!("{e}"),
        other => anyhow::anyhow!("{other}"),
    })?;
    bar.finish_and_clear();
    model.save(&a.out)?;
    Ok(Model::Mlp(model))
}

#[cfg(not(feature = "candle"))]
fn train_mlp(_: &TrainArgs, _: &[u8], _: Global) -> Result<Model> {
    Err(mlp_unavailable())
}

fn mlp_unavailable() -> anyhow::Error {
    usage!(
        "this taonet was built without the MLP: rebuild it with `cargo install --path crates/cli --features candle` (or use --kind ngram)"
    )
}
