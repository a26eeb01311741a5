//! `taonet node …`: run a node, make its keys and chain spec.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use commonware_codec::Encode;
use commonware_cryptography::Signer;
use serde::Deserialize;
use serde_json::json;
use taonet_node::consensus::{NodeConfig, Peer, load_or_create_key};
use taonet_node::rpc::RpcConfig;
use taonet_node::service::{ServiceConfig, run};
use taonet_runtime::ChainSpec;

use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct NodeArgs {
    #[command(subcommand)]
    command: NodeCommand,
}

#[derive(Subcommand, Debug)]
enum NodeCommand {
    /// Run a node (validator or follower) until Ctrl-C / SIGTERM.
    Run(Box<RunArgs>),
    /// Create a node's consensus key (and optionally a chain spec).
    Init(InitArgs),
}

/// `node run` options; every one can also come from `--config FILE` (JSON with the same names
/// in snake_case), flags winning over the file.
#[derive(Args, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunArgs {
    /// JSON config file.
    #[arg(long, value_name = "FILE")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Data directory.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Chain spec JSON file, or `dev` for a one-validator development chain run by this node.
    #[arg(long, value_name = "FILE|dev")]
    chain_spec: Option<String>,
    /// P2P listen address.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Address peers should dial (default: the listen address).
    #[arg(long, value_name = "ADDR")]
    dialable: Option<SocketAddr>,
    /// Bootstrap peer `<hex ed25519 key>@<host:port>` (repeatable).
    #[arg(long, value_name = "KEY@ADDR")]
    bootstrap: Vec<String>,
    /// JSON-RPC address.
    #[arg(long, value_name = "ADDR")]
    rpc_addr: Option<SocketAddr>,
    /// Prometheus metrics address, or `off`.
    #[arg(long, value_name = "ADDR|off")]
    metrics_addr: Option<String>,
    /// Consensus key file (default: <data-dir>/consensus.key, created if missing).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
    /// Accept peers on private and loopback addresses (local and test networks).
    #[arg(long)]
    allow_private_ips: bool,
    /// Log filter (e.g. `info`, `taonet_node=debug`); default from RUST_LOG or `info`.
    #[arg(long, value_name = "FILTER")]
    log: Option<String>,
    /// Keyfile of a funded account (e.g. a wallet's coldkey or a dedicated hotkey file) that
    /// signs and pays for reports of double-voting seats this node sees; without it the
    /// evidence is kept in <data-dir>/evidence.jsonl but not reported. An encrypted keyfile
    /// is opened with the password in TAONET_WALLET_PASSWORD (or a prompt).
    #[arg(long, value_name = "FILE")]
    evidence_keyfile: Option<PathBuf>,
    /// Do not serve the block explorer at `/` on the RPC address (browsers' GET requests).
    #[arg(long)]
    no_explorer: bool,
    /// JSON-RPC calls per second per client address, shared by all its connections (each
    /// batch entry and explorer page counts one), with a burst of twice as many. Given, it
    /// applies to loopback clients too; without it, remote addresses get 200/s and loopback
    /// (this machine's tools and the explorer) is not limited [default: 200, loopback exempt].
    #[arg(long, value_name = "N")]
    rpc_rate_limit: Option<u32>,
    /// Most calls in one JSON-RPC batch; a larger batch is refused whole with an error
    /// [default: 100].
    #[arg(long, value_name = "N")]
    rpc_max_batch: Option<u32>,
    /// Most p2p identities this node admits per epoch: this node, the seats of the epoch and
    /// the next, bootstrap peers, then followers whose keys are registered on chain, most
    /// stake first [default: 128]. Needs at least twice the seat count plus one.
    #[arg(long, value_name = "N")]
    max_peers: Option<usize>,
    /// Run protocol versions up to N only, as an older taonet would: to rehearse an upgrade
    /// (the node stops at the height where the chain moves past N) [default: the newest this
    /// build runs].
    #[arg(long, value_name = "N")]
    max_protocol_version: Option<u32>,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// Data directory to create (the key goes in <dir>/consensus.key).
    #[arg(long, value_name = "DIR")]
    data_dir: PathBuf,
    /// Also write a development chain spec to this file.
    #[arg(long, value_name = "FILE")]
    spec_out: Option<PathBuf>,
    /// Consensus public keys of the spec's validators (hex; repeatable). Default: this node's.
    #[arg(long = "validator-key", value_name = "HEX")]
    validator_keys: Vec<String>,
    /// Chain id of the written spec.
    #[arg(long, default_value = "taonet-dev")]
    chain_id: String,
}

pub fn run_cmd(args: NodeArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        NodeCommand::Run(a) => node_run(*a, global),
        NodeCommand::Init(a) => node_init(a, global),
    }
}

/// Creates the consensus key file if it is missing: 32 random bytes as hex (the format the
/// node's loader reads), written atomically with mode 0600 from creation by the shared secret
/// file writer, so no partial or world-readable key is ever visible. Returns whether it was
/// created.
pub fn ensure_consensus_key(path: &Path) -> Result<bool> {
    taonet_crypto::secret_file::create_random_hex_key(path)
        .with_context(|| format!("creating the consensus key {}", path.display()))
}

/// The public key of a consensus key file (creating it if missing).
pub fn consensus_public_key(path: &Path) -> Result<[u8; 32]> {
    ensure_consensus_key(path)?;
    let key = load_or_create_key(path)?;
    let public = key.public_key().encode();
    public
        .as_ref()
        .try_into()
        .context("an ed25519 public key is 32 bytes")
}

fn parse_key(s: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(s.trim().trim_start_matches("0x"))
        .map_err(|e| usage!("validator key {s:?} is not hex: {e}"))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| usage!("validator key {s:?} is not 32 bytes"))
}

fn node_init(a: InitArgs, global: Global) -> Result<ExitCode> {
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("creating {}", a.data_dir.display()))?;
    let key_file = a.data_dir.join("consensus.key");
    let existed = key_file.exists();
    let public = consensus_public_key(&key_file)?;
    let mut out = json!({
        "data_dir": a.data_dir,
        "key_file": key_file,
        "consensus_key": format!("0x{}", hex::encode(public)),
        "created": !existed,
    });
    if let Some(spec_out) = &a.spec_out {
        let keys = if a.validator_keys.is_empty() {
            vec![public]
        } else {
            a.validator_keys
                .iter()
                .map(|k| parse_key(k))
                .collect::<Result<Vec<_>>>()?
        };
        let mut spec = ChainSpec::dev(&keys);
        spec.chain_id = a.chain_id.clone();
        spec.build().map_err(|e| usage!("{e}"))?;
        let json = serde_json::to_vec_pretty(&spec)?;
        std::fs::write(spec_out, json)
            .with_context(|| format!("writing {}", spec_out.display()))?;
        out["chain_spec"] = json!(spec_out);
    }
    if global.json {
        println!("{out}");
    } else {
        println!(
            "{} consensus key {} in {}",
            if existed { "Existing" } else { "Created" },
            out["consensus_key"].as_str().unwrap_or_default(),
            key_file.display()
        );
        println!(
            "Peers reach this node as <key>@<host:port>, e.g. {}@<your-ip>:30333",
            hex::encode(public)
        );
        if let Some(spec) = &a.spec_out {
            println!("Wrote a development chain spec to {}", spec.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load_chain_spec(arg: &str, key_file: &Path) -> Result<ChainSpec> {
    if arg == "dev" {
        let public = consensus_public_key(key_file)?;
        return Ok(ChainSpec::dev(&[public]));
    }
    let text =
        std::fs::read_to_string(arg).map_err(|e| usage!("cannot read chain spec {arg}: {e}"))?;
    ChainSpec::from_json(&text).map_err(|e| usage!("{arg}: {e}"))
}

pub(crate) fn init_logging(filter: Option<&str>) {
    let filter = filter
        .map(str::to_string)
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "warn,taonet=info,taonet_node=info".to_string());
    // Colours only on a terminal: a log file (`… 2> node.log`) gets plain text that `grep`
    // and people read as is.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

fn node_run(flags: RunArgs, global: Global) -> Result<ExitCode> {
    let file: RunArgs = match &flags.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage!("cannot read config {}: {e}", path.display()))?;
            let de = &mut serde_json::Deserializer::from_str(&text);
            serde_path_to_error_free(de).map_err(|e| usage!("config {}: {e}", path.display()))?
        }
        None => RunArgs::default(),
    };
    let data_dir = flags
        .data_dir
        .or(file.data_dir)
        .ok_or_else(|| usage!("--data-dir is required (or data_dir in --config)"))?;
    let key_file = flags
        .key_file
        .or(file.key_file)
        .unwrap_or_else(|| data_dir.join("consensus.key"));
    let spec_arg = flags
        .chain_spec
        .or(file.chain_spec)
        .ok_or_else(|| usage!("--chain-spec is required: a chain spec file, or `dev`"))?;
    let listen = flags
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 30333)));
    let dialable = flags.dialable.or(file.dialable);
    let bootstrap: Vec<Peer> = flags
        .bootstrap
        .iter()
        .chain(file.bootstrap.iter())
        .map(|p| p.parse::<Peer>().map_err(|e| usage!("--bootstrap: {e}")))
        .collect::<Result<_>>()?;
    let rpc_addr = flags
        .rpc_addr
        .or(file.rpc_addr)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], taonet_client::DEFAULT_RPC_PORT)));
    let metrics = match flags.metrics_addr.or(file.metrics_addr).as_deref() {
        Some("off") => None,
        Some(a) => Some(
            a.parse::<SocketAddr>()
                .map_err(|e| usage!("--metrics-addr {a:?}: {e}"))?,
        ),
        None => Some(SocketAddr::from(([127, 0, 0, 1], 9615))),
    };
    let evidence_reporter = match flags.evidence_keyfile.or(file.evidence_keyfile) {
        Some(path) => Some(crate::cmd::wallet::load_keypair(
            global.no_prompt,
            &taonet_crypto::wallet::Keyfile::new(path),
            "evidence reporter key",
        )?),
        None => None,
    };
    init_logging(flags.log.as_deref().or(file.log.as_deref()));
    ensure_consensus_key(&key_file)?;
    let chain_spec = load_chain_spec(&spec_arg, &key_file)?;
    let mut consensus = NodeConfig::new(listen, key_file, data_dir.clone());
    consensus.dialable = dialable;
    consensus.bootstrap = bootstrap;
    consensus.allow_private_ips = flags.allow_private_ips || file.allow_private_ips;
    consensus.params.evidence_reporter = evidence_reporter;
    let newest = taonet_types::protocol::PROTOCOL_VERSION;
    match flags.max_protocol_version.or(file.max_protocol_version) {
        Some(v) if v == 0 || v > newest => {
            return Err(usage!(
                "--max-protocol-version {v}: this build runs protocol versions 1 to {newest}"
            ));
        }
        Some(v) => consensus.max_protocol_version = v,
        None => {}
    }
    if let Some(max) = flags.max_peers.or(file.max_peers) {
        if !(4..=100_000).contains(&max) {
            return Err(usage!(
                "--max-peers {max} is out of range: give 4 to 100000 (at least twice the seat count plus one)"
            ));
        }
        consensus.params.max_peers_per_set = max;
    }
    let explorer = !(flags.no_explorer || file.no_explorer);
    let rate_limit = flags.rpc_rate_limit.or(file.rpc_rate_limit);
    if rate_limit == Some(0) {
        return Err(usage!(
            "--rpc-rate-limit 0 would refuse every call: give at least 1 (calls/s per address)"
        ));
    }
    let max_batch = flags
        .rpc_max_batch
        .or(file.rpc_max_batch)
        .unwrap_or(taonet_node::rpc::DEFAULT_MAX_BATCH);
    if max_batch == 0 {
        return Err(usage!(
            "--rpc-max-batch 0 would refuse every batch: give at least 1"
        ));
    }
    let config = ServiceConfig {
        data_dir,
        chain_spec,
        consensus,
        rpc: RpcConfig {
            addr: rpc_addr,
            explorer,
            requests_per_second: rate_limit.unwrap_or(taonet_node::rpc::DEFAULT_RATE_LIMIT),
            limit_loopback: rate_limit.is_some(),
            max_batch,
            ..RpcConfig::default()
        },
        metrics,
    };
    run(config, |bound| {
        tracing::info!(
            rpc = %bound.rpc,
            metrics = ?bound.metrics,
            "node started"
        );
        if explorer {
            tracing::info!("block explorer at http://{}/", bound.rpc);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Deserialises with the JSON path of any error in the message.
fn serde_path_to_error_free<'de, T: serde::Deserialize<'de>>(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
) -> std::result::Result<T, String> {
    T::deserialize(de).map_err(|e| e.to_string())
}
