//! `taonet localnet …`: a whole multi-validator network on this machine.
//!
//! `up` creates (or restarts) the network under a directory (default `~/.taonet/localnet`):
//! one data directory and consensus key per validator, a development chain spec with those
//! validators, the development wallets (`alice`, `bob`, … in bittensor's layout under
//! `<dir>/wallets`), then starts one `taonet node run` process per validator on 127.0.0.1,
//! and returns once blocks are finalizing. Unless `--no-neurons`, it then brings up the text
//! subnet (netuid 1): miners of different quality and two subnet validators, each its own
//! process ([`crate::cmd::localnet_neurons`]), and waits until the miners are registered and
//! serving. `status`, `stop NAME`, `start NAME` and `down` manage nodes and neurons alike;
//! everything is recorded in `<dir>/localnet.json`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};

use crate::cmd::localnet_neurons::{self as neurons, NeuronPlan};
use crate::cmd::node::consensus_public_key;
use crate::context::{Localnet, LocalnetNode, default_localnet_dir, pid_alive};
use crate::progress::Stages;
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct LocalnetArgs {
    /// The local network's directory [default: ~/.taonet/localnet, or TAONET_LOCALNET_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: LocalnetCommand,
}

#[derive(Subcommand, Debug)]
enum LocalnetCommand {
    /// Start a local network (or restart a stopped one) and wait until it finalizes blocks.
    Up(UpArgs),
    /// Show every node's heights and roots, and the subnet's neurons.
    Status(StatusArgs),
    /// Stop one node or neuron (SIGTERM, then SIGKILL after 10 s).
    Stop(NodeName),
    /// Start one stopped node (on its data) or neuron again.
    Start(NodeName),
    /// Stop every node and neuron.
    Down(DownArgs),
}

#[derive(Args, Debug)]
struct UpArgs {
    /// Number of validators (1 to 8).
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// Delete any previous network in the directory first.
    #[arg(long)]
    reset: bool,
    /// Stay attached; Ctrl-C stops the network.
    #[arg(long)]
    foreground: bool,
    /// First RPC port (validator i uses port + i).
    #[arg(long, default_value_t = 9944)]
    rpc_port: u16,
    /// First P2P port.
    #[arg(long, default_value_t = 30333)]
    p2p_port: u16,
    /// First metrics port.
    #[arg(long, default_value_t = 9615)]
    metrics_port: u16,
    /// Seconds to wait for the first finalized blocks (and again for the miners).
    #[arg(long, default_value_t = 180)]
    timeout: u64,
    /// Only the chain: no subnet miners and validators.
    #[arg(long)]
    no_neurons: bool,
    /// Miners on subnet 1 (0 to 6), of decreasing quality.
    #[arg(long, default_value_t = 3)]
    miners: usize,
    /// First miner axon port (miner i uses port + i).
    #[arg(long, default_value_t = 8091)]
    axon_port: u16,
    /// First neuron health port (`GET /health`).
    #[arg(long, default_value_t = 9700)]
    health_port: u16,
    /// Port of the paid-query gateway (run by the first subnet validator).
    #[arg(long, default_value_t = 8190)]
    gateway_port: u16,
    /// Bytes of synthetic text the miners' models are trained on.
    #[arg(long, default_value_t = 1_000_000)]
    train_bytes: usize,
    /// The nodes' RPC rate limit, calls per second per client address with loopback included
    /// (`taonet node run --rpc-rate-limit`) [default: loopback clients are not limited].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rpc_rate_limit: Option<u32>,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Keep refreshing every SECS seconds until Ctrl-C (with --json: one JSON line per
    /// refresh).
    #[arg(long, value_name = "SECS")]
    watch: Option<u64>,
}

#[derive(Args, Debug)]
struct NodeName {
    /// Node or neuron name, e.g. validator-1 or miner-0 (see `taonet localnet status`).
    name: String,
}

#[derive(Args, Debug)]
struct DownArgs {
    /// Also delete the network's directory.
    #[arg(long)]
    purge: bool,
}

pub fn run(args: LocalnetArgs, global: Global) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => default_localnet_dir()?,
    };
    match args.command {
        LocalnetCommand::Up(a) => up(&dir, &a, global),
        LocalnetCommand::Status(a) => match a.watch {
            None => status(&dir, global),
            Some(secs) => watch(&dir, secs, global),
        },
        LocalnetCommand::Stop(n) => stop_one(&dir, &n.name, global),
        LocalnetCommand::Start(n) => start_one(&dir, &n.name, global),
        LocalnetCommand::Down(a) => down(&dir, a.purge, global),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn load(dir: &Path) -> Result<Localnet> {
    Localnet::load(dir)?.ok_or_else(|| {
        usage!(
            "no local network in {}; start one with `taonet localnet up`",
            dir.display()
        )
    })
}

/// Writes the development wallets (unencrypted: these keys are public knowledge).
fn write_dev_wallets(root: &Path) -> Result<()> {
    for name in DEV_NAMES {
        let wallet = Wallet::new(root, name)?;
        let (cold, hot) = dev_keys(name);
        let files = [
            (wallet.coldkey(), KeyfileData::from_keypair(&cold)),
            (wallet.coldkeypub(), KeyfileData::public(&cold.account_id())),
            (wallet.hotkey("default")?, KeyfileData::from_keypair(&hot)),
            (
                wallet.hotkeypub("default")?,
                KeyfileData::public(&hot.account_id()),
            ),
        ];
        for (file, data) in files {
            if !file.exists() {
                file.write(&data, None, false)?;
            }
        }
    }
    Ok(())
}

fn port_free(addr: SocketAddr) -> bool {
    std::net::TcpListener::bind(addr).is_ok()
}

fn spawn_node(net: &Localnet, index: usize) -> Result<u32> {
    let node = &net.nodes[index];
    let exe = std::env::current_exe().context("finding the taonet binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("node")
        .arg("run")
        .arg("--data-dir")
        .arg(&node.data_dir)
        .arg("--chain-spec")
        .arg(&net.chain_spec)
        .arg("--listen")
        .arg(&node.p2p)
        .arg("--rpc-addr")
        .arg(node.rpc.trim_start_matches("ws://"))
        .arg("--metrics-addr")
        .arg(&node.metrics)
        .arg("--allow-private-ips")
        // Generous RPC limits: the local network's tools talk to it over loopback, which is
        // not rate-limited without --rpc-rate-limit (passed only when `up` was given one),
        // and may batch.
        .arg("--rpc-max-batch")
        .arg("10000");
    if let Some(limit) = net.rpc_rate_limit {
        cmd.arg("--rpc-rate-limit").arg(limit.to_string());
    }
    // Validator i is the dev account DEV_NAMES[i] of the chain spec; its (unencrypted, public)
    // coldkey signs and pays for the evidence reports of its node.
    if let Some(name) = DEV_NAMES.get(index) {
        let coldkey = Wallet::new(&net.wallet_path, name)?.coldkey();
        if coldkey.exists() {
            cmd.arg("--evidence-keyfile").arg(coldkey.path());
        }
    }
    for (j, other) in net.nodes.iter().enumerate() {
        if j != index {
            cmd.arg("--bootstrap").arg(format!(
                "{}@{}",
                other.consensus_key.trim_start_matches("0x"),
                other.p2p
            ));
        }
    }
    spawn_logged(cmd, &node.log, &node.name)
}

/// Starts `cmd` in its own process group (a Ctrl-C in the terminal that ran `up` does not
/// reach it) with stdin closed and stdout/stderr appended to `log`; returns its pid.
pub(crate) fn spawn_logged(mut cmd: Command, log: &Path, name: &str) -> Result<u32> {
    use std::os::unix::process::CommandExt;
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let err = out.try_clone()?;
    cmd.process_group(0);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {name}"))?;
    Ok(child.id())
}

fn tail(path: &Path, lines: usize) -> String {
    std::fs::read_to_string(path)
        .map(|s| {
            let all: Vec<&str> = s.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        })
        .unwrap_or_default()
}

async fn finalized_height(rpc: &str) -> Option<u64> {
    let client = tokio::time::timeout(Duration::from_secs(2), Client::connect(rpc))
        .await
        .ok()?
        .ok()?;
    tokio::time::timeout(Duration::from_secs(2), client.chain_get_finalized_head())
        .await
        .ok()?
        .ok()
        .map(|h| h.height)
}

fn up(dir: &Path, a: &UpArgs, global: Global) -> Result<ExitCode> {
    if !(1..=DEV_NAMES.len()).contains(&a.validators) {
        return Err(usage!(
            "--validators must be between 1 and {}",
            DEV_NAMES.len()
        ));
    }
    if a.miners > neurons::MAX_MINERS {
        return Err(usage!("--miners must be 0 to {}", neurons::MAX_MINERS));
    }
    if a.train_bytes < 1000 || a.train_bytes > 100_000_000 {
        return Err(usage!("--train-bytes must be 1000 to 100000000"));
    }
    if let Some(existing) = Localnet::load(dir)? {
        if existing.nodes.iter().any(|n| pid_alive(n.pid))
            || existing.neurons.iter().any(|n| pid_alive(n.pid))
        {
            bail!(
                "a local network is already running in {} (see `taonet localnet status`; stop it with `taonet localnet down`)",
                dir.display()
            );
        }
        if a.reset {
            std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut net = match Localnet::load(dir)? {
        Some(net) => net,
        None => {
            let mut keys = Vec::new();
            let mut nodes = Vec::new();
            for i in 0..a.validators {
                let data_dir = dir.join(format!("validator-{i}"));
                std::fs::create_dir_all(&data_dir)?;
                let key = consensus_public_key(&data_dir.join("consensus.key"))?;
                keys.push(key);
                let port = |base: u16| base.checked_add(i as u16).unwrap_or(base);
                nodes.push(LocalnetNode {
                    name: format!("validator-{i}"),
                    rpc: format!("ws://127.0.0.1:{}", port(a.rpc_port)),
                    p2p: format!("127.0.0.1:{}", port(a.p2p_port)),
                    metrics: format!("127.0.0.1:{}", port(a.metrics_port)),
                    pid: 0,
                    log: data_dir.join("node.log"),
                    data_dir,
                    consensus_key: format!("0x{}", hex::encode(key)),
                });
            }
            let mut spec = ChainSpec::dev(&keys);
            spec.chain_id = "taonet-local".into();
            let chain_spec = dir.join("chain-spec.json");
            std::fs::write(&chain_spec, serde_json::to_vec_pretty(&spec)?)?;
            let wallet_path = dir.join("wallets");
            write_dev_wallets(&wallet_path)?;
            Localnet {
                chain_id: spec.chain_id,
                dir: dir.to_path_buf(),
                wallet_path,
                chain_spec,
                nodes,
                neurons: Vec::new(),
                rpc_rate_limit: a.rpc_rate_limit,
            }
        }
    };
    for node in &net.nodes {
        for addr in [
            node.rpc.trim_start_matches("ws://"),
            &node.p2p,
            &node.metrics,
        ] {
            let parsed: SocketAddr = addr.parse().with_context(|| format!("address {addr}"))?;
            if !port_free(parsed) {
                bail!(
                    "{addr} is already in use; pick other ports (--rpc-port, --p2p-port, --metrics-port) or stop what uses it"
                );
            }
        }
    }
    for i in 0..net.nodes.len() {
        let pid = spawn_node(&net, i)?;
        net.nodes[i].pid = pid;
    }
    net.save()?;

    let stages = Stages::new(global.json);
    let rt = runtime()?;
    wait_for_validators(&net, a, &stages, &rt)?;
    if !a.no_neurons && a.miners > 0 {
        start_neurons(&mut net, a, &stages, &rt)?;
    }
    if global.json {
        println!("{}", serde_json::to_string(&net)?);
    } else {
        println!(
            "Local network {} is up: {} validators finalizing blocks.",
            net.chain_id,
            net.nodes.len()
        );
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header(vec!["node", "rpc", "p2p", "metrics", "pid", "log"]);
        for n in &net.nodes {
            table.add_row(vec![
                n.name.clone(),
                n.rpc.clone(),
                n.p2p.clone(),
                format!("http://{}/metrics", n.metrics),
                n.pid.to_string(),
                n.log.display().to_string(),
            ]);
        }
        println!("{table}");
        if let Some(first) = net.nodes.first() {
            println!(
                "Block explorer: {}/ (every node serves one on its RPC address)",
                first.rpc.replacen("ws://", "http://", 1)
            );
        }
        if !net.neurons.is_empty() {
            println!(
                "Subnet {} (next-byte prediction): {} miners and {} validators:",
                neurons::NETUID,
                net.neurons.iter().filter(|n| n.role == "miner").count(),
                net.neurons.iter().filter(|n| n.role == "validator").count()
            );
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED);
            table.set_header(vec![
                "neuron", "hotkey", "wallet", "axon", "model", "pid", "log",
            ]);
            for n in &net.neurons {
                table.add_row(vec![
                    n.name.clone(),
                    n.hotkey.clone(),
                    format!("{}/{}", n.wallet_name, n.hotkey_name),
                    match (&n.axon, &n.gateway) {
                        (Some(axon), _) => axon.clone(),
                        (None, Some(gateway)) => format!("gateway http://{gateway}"),
                        (None, None) => "-".into(),
                    },
                    n.model
                        .as_ref()
                        .and_then(|m| m.file_name())
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "-".into()),
                    n.pid.to_string(),
                    n.log.display().to_string(),
                ]);
            }
            println!("{table}");
            println!(
                "Within a few tempos the better miners earn more: watch `taonet localnet status` or `taonet subnet metagraph --netuid 1`."
            );
        }
        println!(
            "Development wallets (alice, bob, …): {}",
            net.wallet_path.display()
        );
        println!("Try:");
        println!("  taonet wallet balance --wallet-name alice");
        println!("  taonet wallet transfer --wallet-name alice --dest <ss58> --amount 1.5");
        if let Some(gateway) = net.neurons.iter().find_map(|n| n.gateway.as_ref()) {
            println!(
                "  taonet query --netuid 1 --gateway http://{gateway} --wallet-name ferdie --open 1 \"The \"   # a paid query"
            );
        }
        println!("  taonet localnet status --watch 2");
        println!("  taonet localnet down");
    }
    if a.foreground {
        eprintln!("Running in the foreground; Ctrl-C stops the network.");
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
        return down(dir, false, global);
    }
    Ok(ExitCode::SUCCESS)
}

/// Plans (first time), registers and starts the subnet's neurons, then waits until every
/// miner is registered with its axon published (or the timeout passes: a warning).
/// Waits until every validator's RPC reports a finalized height of at least 2.
fn wait_for_validators(
    net: &Localnet,
    a: &UpArgs,
    stages: &Stages,
    rt: &tokio::runtime::Runtime,
) -> Result<()> {
    let total = net.nodes.len();
    let stage = stages.stage("validators", total as u64);
    stage.set(0, "starting…");
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    loop {
        let heights: Vec<Option<u64>> = net
            .nodes
            .iter()
            .map(|n| rt.block_on(finalized_height(&n.rpc)))
            .collect();
        let finalizing = heights.iter().filter(|h| h.is_some_and(|h| h >= 2)).count();
        let top = heights.iter().flatten().max().copied();
        stage.set(
            finalizing as u64,
            match top {
                Some(h) => format!("finalizing, height {h}"),
                None => "waiting for the first blocks…".into(),
            },
        );
        if finalizing == total {
            stage.finish(format!(
                "{total} finalizing, height {}",
                top.unwrap_or_default()
            ));
            return Ok(());
        }
        if let Some(dead) = net.nodes.iter().find(|n| !pid_alive(n.pid)) {
            stage.abandon(format!("{} exited", dead.name));
            bail!(
                "node {} exited during start-up; its log ({}) ends with:\n{}",
                dead.name,
                dead.log.display(),
                tail(&dead.log, 20)
            );
        }
        if Instant::now() > deadline {
            stage.abandon("timed out");
            bail!(
                "only {finalizing} of {total} validators finalize blocks after {} s; the nodes are still running (see `taonet localnet status`, logs in {})",
                a.timeout,
                net.dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn start_neurons(
    net: &mut Localnet,
    a: &UpArgs,
    stages: &Stages,
    rt: &tokio::runtime::Runtime,
) -> Result<()> {
    if net.neurons.is_empty() {
        let plan = NeuronPlan {
            miners: a.miners,
            axon_port: a.axon_port,
            health_port: a.health_port,
            gateway_port: a.gateway_port,
            train_bytes: a.train_bytes,
        };
        let models = stages.stage("miner models", a.miners.min(neurons::MAX_MINERS) as u64);
        let total = std::cell::Cell::new(0u64);
        net.neurons = neurons::plan(net, &plan, &|done, of, what| {
            total.set(of as u64);
            models.set(done as u64, what);
        })?;
        models.finish(format!("{} trained, the rest on disk", total.get()));
        net.save()?;
    }
    neurons::check_ports(&net.neurons)?;
    rt.block_on(neurons::register_validators(net))?;
    for i in 0..net.neurons.len() {
        net.neurons[i].pid = neurons::spawn(net, i)?;
    }
    net.save()?;
    let miners = net.neurons.iter().filter(|n| n.role == "miner").count();
    let validators: Vec<_> = net
        .neurons
        .iter()
        .filter(|n| n.role == "validator")
        .cloned()
        .collect();
    let serving_stage = stages.stage("miners serving", miners as u64);
    let validator_stage = stages.stage("subnet validators", validators.len() as u64);
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    let rpc = net.nodes[0].rpc.clone();
    let (mut miners_done, mut validators_done) = (false, false);
    loop {
        if !miners_done {
            let serving = rt.block_on(async {
                let client = Client::connect(&rpc).await.ok()?;
                let m = client
                    .state_get_metagraph(neurons::NETUID, false, false)
                    .await
                    .ok()??;
                Some(
                    net.neurons
                        .iter()
                        .filter(|n| n.role == "miner")
                        .filter(|n| {
                            m.neurons
                                .iter()
                                .any(|x| x.hotkey == n.hotkey && x.axon.is_some())
                        })
                        .count(),
                )
            });
            if let Some(k) = serving {
                serving_stage.set(k as u64, "registered with an axon on chain");
                if k == miners {
                    serving_stage.finish(format!("{k} registered and serving"));
                    miners_done = true;
                }
            }
        }
        if !validators_done {
            let healthy = validators
                .iter()
                .filter(|v| neurons::health(&v.health).is_some())
                .count();
            validator_stage.set(healthy as u64, "querying miners, setting weights");
            if healthy == validators.len() {
                validator_stage.finish(format!("{healthy} running"));
                validators_done = true;
            }
        }
        if miners_done && validators_done {
            return Ok(());
        }
        if let Some(dead) = net.neurons.iter().find(|n| !pid_alive(n.pid)) {
            serving_stage.abandon(format!("{} exited", dead.name));
            validator_stage.abandon("");
            bail!(
                "{} exited during start-up; its log ({}) ends with:\n{}",
                dead.name,
                dead.log.display(),
                tail(&dead.log, 20)
            );
        }
        if Instant::now() > deadline {
            serving_stage.abandon("still starting");
            validator_stage.abandon("");
            eprintln!(
                "warning: not every neuron is up after {} s; they keep trying (see `taonet localnet status` and the logs in {})",
                a.timeout,
                net.dir.join("neurons").display()
            );
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// `status --watch`: the summary again every `secs` seconds (the screen is cleared between
/// refreshes on a terminal), until interrupted.
fn watch(dir: &Path, secs: u64, global: Global) -> Result<ExitCode> {
    if secs == 0 {
        return Err(usage!("--watch needs a period of at least 1 second"));
    }
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    loop {
        if terminal && !global.json {
            print!("\x1b[2J\x1b[H");
        }
        status(dir, global)?;
        if !global.json {
            println!("(refreshing every {secs} s; Ctrl-C to stop)");
        }
        std::io::Write::flush(&mut std::io::stdout())?;
        std::thread::sleep(Duration::from_secs(secs));
    }
}

fn status(dir: &Path, global: Global) -> Result<ExitCode> {
    let net = load(dir)?;
    let rt = runtime()?;
    let mut rows = Vec::new();
    for n in &net.nodes {
        let alive = pid_alive(n.pid);
        let info = if alive {
            rt.block_on(async {
                let client = tokio::time::timeout(Duration::from_secs(2), Client::connect(&n.rpc))
                    .await
                    .ok()?
                    .ok()?;
                let best = client.chain_get_head().await.ok()?;
                let fin = client.chain_get_finalized_head().await.ok()?;
                let peers = client.system_health().await.ok().map(|h| h.peers);
                Some((best, fin, peers))
            })
        } else {
            None
        };
        rows.push(json!({
            "name": n.name,
            "rpc": n.rpc,
            "p2p": n.p2p,
            "pid": if alive { n.pid } else { 0 },
            "running": alive,
            "height": info.as_ref().map(|i| i.0.height),
            "finalized_height": info.as_ref().map(|i| i.1.height),
            "state_root": info.as_ref().map(|i| i.1.state_root),
            "finalized_hash": info.as_ref().map(|i| i.1.hash),
            "peers": info.as_ref().and_then(|i| i.2),
        }));
    }
    let neuron_rows = rt.block_on(async {
        let client = match net.first_rpc() {
            Some(rpc) => tokio::time::timeout(Duration::from_secs(2), Client::connect(&rpc))
                .await
                .ok()
                .and_then(Result::ok),
            None => None,
        };
        neurons::status_rows(&net, client.as_ref()).await
    });
    if global.json {
        println!(
            "{}",
            json!({
                "chain_id": net.chain_id,
                "dir": net.dir,
                "wallet_path": net.wallet_path,
                "nodes": rows,
                "neurons": neuron_rows,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec![
        "node",
        "state",
        "pid",
        "height",
        "finalized",
        "state root",
        "rpc",
    ]);
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let state = |running: &serde_json::Value| {
        if running == true {
            "running"
        } else {
            "stopped"
        }
        .to_string()
    };
    for r in &rows {
        let root = text(&r["state_root"]);
        table.add_row(vec![
            text(&r["name"]),
            state(&r["running"]),
            text(&r["pid"]),
            text(&r["height"]),
            text(&r["finalized_height"]),
            root.chars().take(18).collect::<String>(),
            text(&r["rpc"]),
        ]);
    }
    println!(
        "{} in {} (wallets: {})",
        net.chain_id,
        net.dir.display(),
        net.wallet_path.display()
    );
    println!("{table}");
    if !neuron_rows.is_empty() {
        use crate::output::{table as new_table, tao, unit};
        let mut table = new_table(vec![
            "neuron",
            "state",
            "uid",
            "axon",
            "stake",
            "incentive",
            "dividends",
            "emission",
            "last weights",
            "last error",
        ]);
        let rao = |v: &serde_json::Value| {
            v.as_u64()
                .map(|r| tao(taonet_types::Rao(r)))
                .unwrap_or_else(|| "-".into())
        };
        let proportion = |v: &serde_json::Value| {
            v.as_u64()
                .and_then(|x| u16::try_from(x).ok())
                .map(unit)
                .unwrap_or_else(|| "-".into())
        };
        for r in &neuron_rows {
            table.add_row(vec![
                text(&r["name"]),
                state(&r["running"]),
                text(&r["uid"]),
                text(&r["axon"]),
                rao(&r["stake"]),
                proportion(&r["incentive"]),
                proportion(&r["dividends"]),
                rao(&r["emission"]),
                text(&r["last_weights_block"]),
                text(&r["last_error"]).chars().take(40).collect(),
            ]);
        }
        println!("Subnet neurons:");
        println!("{table}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends a signal with `kill(1)` (keeps this crate free of `unsafe`).
fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn stop_pid(pid: u32) {
    if !pid_alive(pid) {
        return;
    }
    signal(pid, "TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while pid_alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if pid_alive(pid) {
        signal(pid, "KILL");
    }
}

/// A node or a neuron of the network, by index.
enum Member {
    Node(usize),
    Neuron(usize),
}

fn find(net: &Localnet, name: &str) -> Result<Member> {
    if let Some(i) = net.nodes.iter().position(|n| n.name == name) {
        return Ok(Member::Node(i));
    }
    if let Some(i) = net.neurons.iter().position(|n| n.name == name) {
        return Ok(Member::Neuron(i));
    }
    let names: Vec<&str> = net
        .nodes
        .iter()
        .map(|n| n.name.as_str())
        .chain(net.neurons.iter().map(|n| n.name.as_str()))
        .collect();
    Err(usage!(
        "no node or neuron {name:?}; there are {}",
        names.join(", ")
    ))
}

fn stop_one(dir: &Path, name: &str, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    let pid = match find(&net, name)? {
        Member::Node(i) => &mut net.nodes[i].pid,
        Member::Neuron(i) => &mut net.neurons[i].pid,
    };
    stop_pid(*pid);
    *pid = 0;
    net.save()?;
    if global.json {
        println!("{}", json!({ "name": name, "running": false }));
    } else {
        println!("Stopped {name}.");
    }
    Ok(ExitCode::SUCCESS)
}

fn start_one(dir: &Path, name: &str, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    let member = find(&net, name)?;
    let old = match member {
        Member::Node(i) => net.nodes[i].pid,
        Member::Neuron(i) => net.neurons[i].pid,
    };
    if pid_alive(old) {
        bail!("{name} is already running (pid {old})");
    }
    let pid = match member {
        Member::Node(i) => {
            let pid = spawn_node(&net, i)?;
            net.nodes[i].pid = pid;
            pid
        }
        Member::Neuron(i) => {
            let pid = neurons::spawn(&net, i)?;
            net.neurons[i].pid = pid;
            pid
        }
    };
    net.save()?;
    if global.json {
        println!("{}", json!({ "name": name, "running": true, "pid": pid }));
    } else {
        match member {
            Member::Node(_) => {
                println!("Started {name} (pid {pid}); it catches up from its data directory.")
            }
            Member::Neuron(_) => println!("Started {name} (pid {pid})."),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn down(dir: &Path, purge: bool, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    // Neurons first: they would only log errors once the nodes are gone.
    for n in &mut net.neurons {
        stop_pid(n.pid);
        n.pid = 0;
    }
    for n in &mut net.nodes {
        stop_pid(n.pid);
        n.pid = 0;
    }
    if purge {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    } else {
        net.save()?;
    }
    if global.json {
        println!(
            "{}",
            json!({ "stopped": net.nodes.len(), "stopped_neurons": net.neurons.len(), "purged": purge })
        );
    } else {
        println!(
            "Stopped {} nodes and {} neurons{}.",
            net.nodes.len(),
            net.neurons.len(),
            if purge {
                " and deleted the network"
            } else {
                "; `taonet localnet up` restarts them"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
