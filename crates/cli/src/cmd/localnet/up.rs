//! `taonet localnet up`: create (or restart) the network, wait until it finalizes, then
//! bring up the text subnet's neurons.
//!
//! A network already running in the directory is refused; `--reset` deletes a stopped one
//! first. Every node port is checked free before anything starts. Progress is shown in
//! stages on stderr; a node or neuron that exits during start-up fails the command with the
//! end of its log. With `--foreground` it stays attached and Ctrl-C runs `down`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use taonet_client::prelude::*;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};

use super::neurons::{self, NeuronPlan};
use super::process::{spawn_node, tail};
use super::{members, runtime};
use crate::cmd::node::consensus_public_key;
use crate::context::{Localnet, LocalnetNode, pid_alive};
use crate::progress::Stages;
use crate::{Global, usage};

#[derive(Args, Debug)]
pub(super) struct UpArgs {
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

/// Whether nothing listens on `addr` yet.
fn port_free(addr: SocketAddr) -> bool {
    std::net::TcpListener::bind(addr).is_ok()
}

/// The finalized height the node at `rpc` reports (none if it does not answer in 2 s).
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

/// `localnet up`: the network, its neurons, then a summary of both.
pub(super) fn up(dir: &Path, a: &UpArgs, global: Global) -> Result<ExitCode> {
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
        return members::down(dir, false, global);
    }
    Ok(ExitCode::SUCCESS)
}

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

/// Plans (first time), registers and starts the subnet's neurons, then waits until every
/// miner is registered with its axon published (or the timeout passes: a warning).
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
