//! `taonet localnet …`: a whole multi-validator network on this machine.
//!
//! `up` creates (or restarts) the network under a directory (default `~/.taonet/localnet`):
//! one data directory and consensus key per validator, a development chain spec with those
//! validators, the development wallets (`alice`, `bob`, … in bittensor's layout under
//! `<dir>/wallets`), then starts one `taonet node run` process per validator on 127.0.0.1,
//! and returns once blocks are finalizing. `status`, `stop NODE`, `start NODE` and `down`
//! manage it; everything is recorded in `<dir>/localnet.json`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use taonet_client::{Client, TaonetApiClient};
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};

use crate::context::{Localnet, LocalnetNode, default_localnet_dir, pid_alive};
use crate::node_cmd::consensus_public_key;
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
    /// Show every node's heights and roots.
    Status,
    /// Stop one node (SIGTERM, then SIGKILL after 10 s).
    Stop(NodeName),
    /// Start one stopped node again on its data.
    Start(NodeName),
    /// Stop every node.
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
    /// Seconds to wait for the first finalized blocks.
    #[arg(long, default_value_t = 180)]
    timeout: u64,
}

#[derive(Args, Debug)]
struct NodeName {
    /// Node name, e.g. validator-1 (see `taonet localnet status`).
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
        LocalnetCommand::Status => status(&dir, global),
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
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&node.log)
        .with_context(|| format!("opening {}", node.log.display()))?;
    let log_err = log.try_clone()?;
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
        .arg("--allow-private-ips");
    for (j, other) in net.nodes.iter().enumerate() {
        if j != index {
            cmd.arg("--bootstrap").arg(format!(
                "{}@{}",
                other.consensus_key.trim_start_matches("0x"),
                other.p2p
            ));
        }
    }
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: a Ctrl-C in the terminal that ran `up` does not reach it.
        cmd.process_group(0);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .context("starting a node process")?;
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
    if let Some(existing) = Localnet::load(dir)? {
        if existing.nodes.iter().any(|n| pid_alive(n.pid)) {
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

    let spinner =
        (!global.json && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
            let s = indicatif::ProgressBar::new_spinner();
            s.enable_steady_tick(Duration::from_millis(120));
            s.set_message(format!("starting {} validators…", net.nodes.len()));
            s
        });
    let rt = runtime()?;
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    let rpc = net.nodes[0].rpc.clone();
    loop {
        let height = rt.block_on(finalized_height(&rpc));
        if let (Some(s), Some(h)) = (&spinner, height) {
            s.set_message(format!("waiting for finality… finalized height {h}"));
        }
        if height.is_some_and(|h| h >= 2) {
            break;
        }
        if let Some(dead) = net.nodes.iter().find(|n| !pid_alive(n.pid)) {
            if let Some(s) = &spinner {
                s.finish_and_clear();
            }
            bail!(
                "node {} exited during start-up; its log ({}) ends with:\n{}",
                dead.name,
                dead.log.display(),
                tail(&dead.log, 20)
            );
        }
        if Instant::now() > deadline {
            if let Some(s) = &spinner {
                s.finish_and_clear();
            }
            bail!(
                "no finalized block after {} s; the nodes are still running (see `taonet localnet status`, logs in {})",
                a.timeout,
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    if let Some(s) = &spinner {
        s.finish_and_clear();
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
        println!(
            "Development wallets (alice, bob, …): {}",
            net.wallet_path.display()
        );
        println!("Try:");
        println!("  taonet wallet balance --wallet-name alice");
        println!("  taonet wallet transfer --wallet-name alice --dest <ss58> --amount 1.5");
        println!("  taonet localnet status");
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
    if global.json {
        println!(
            "{}",
            json!({
                "chain_id": net.chain_id,
                "dir": net.dir,
                "wallet_path": net.wallet_path,
                "nodes": rows,
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
    for r in &rows {
        let root = text(&r["state_root"]);
        table.add_row(vec![
            text(&r["name"]),
            if r["running"] == true {
                "running".into()
            } else {
                "stopped".into()
            },
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

fn find(net: &Localnet, name: &str) -> Result<usize> {
    net.nodes
        .iter()
        .position(|n| n.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = net.nodes.iter().map(|n| n.name.as_str()).collect();
            usage!("no node {name:?}; the nodes are {}", names.join(", "))
        })
}

fn stop_one(dir: &Path, name: &str, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
    let i = find(&net, name)?;
    stop_pid(net.nodes[i].pid);
    net.nodes[i].pid = 0;
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
    let i = find(&net, name)?;
    if pid_alive(net.nodes[i].pid) {
        bail!("{name} is already running (pid {})", net.nodes[i].pid);
    }
    let pid = spawn_node(&net, i)?;
    net.nodes[i].pid = pid;
    net.save()?;
    if global.json {
        println!("{}", json!({ "name": name, "running": true, "pid": pid }));
    } else {
        println!("Started {name} (pid {pid}); it catches up from its data directory.");
    }
    Ok(ExitCode::SUCCESS)
}

fn down(dir: &Path, purge: bool, global: Global) -> Result<ExitCode> {
    let mut net = load(dir)?;
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
        println!("{}", json!({ "stopped": net.nodes.len(), "purged": purge }));
    } else {
        println!(
            "Stopped {} nodes{}.",
            net.nodes.len(),
            if purge {
                " and deleted the network"
            } else {
                "; `taonet localnet up` restarts them"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
