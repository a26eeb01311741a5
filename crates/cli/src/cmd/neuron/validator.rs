//! `taonet validator run`: query the subnet's miners, score them and set weights every
//! tempo until Ctrl-C or SIGTERM; with `--gateway`, also serve paid queries.
//!
//! Every flag is checked before anything starts (intervals in seconds within bounds, the
//! gateway's prices, sizes and claim interval); the gateway's claims must be signed by the
//! hotkey's owner coldkey, checked on chain before it listens, unless `--no-claim`. On a
//! signal the validator stops and the gateway claims what it holds one last time.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use taonet_neuron::gateway::{Gateway, GatewayConfig, Prices, ScoreSource};
use taonet_neuron::tx::TxSender;
use taonet_neuron::validator::{Validator, ValidatorConfig};
use taonet_neuron::{Dendrite, DendriteConfig};
use taonet_subnet_text::gateway::TextAnswerer;
use taonet_subnet_text::{TextSubnet, TextSubnetConfig};

use super::{
    NeuronOpts, connect_chain, health_endpoint, multi_thread_runtime, neuron_rpc, shutdown_signal,
};
use crate::args::parse_tao;
use crate::{Global, usage};

#[derive(Args, Debug)]
pub(super) struct ValidatorRunArgs {
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

/// `validator run`: checks the flags, then validates (and serves the gateway) until a
/// signal.
pub(super) fn run(a: ValidatorRunArgs, global: Global) -> Result<ExitCode> {
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
    let url = neuron_rpc(a.common.rpc.rpc.as_deref())?;
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
        crate::cmd::channel::claim::default_book_path(&wallet, &a.common.keys.hotkey, a.netuid)
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

/// Checks the hotkey's owner against the claimer, binds the API and starts serving.
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
