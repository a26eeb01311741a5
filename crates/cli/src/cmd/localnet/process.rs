//! The network's processes: each node and neuron is a `taonet` child in its own process
//! group with its output appended to a log file; stopped with SIGTERM, then SIGKILL after
//! 10 s.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use taonet_crypto::wallet::Wallet;
use taonet_runtime::genesis::DEV_NAMES;

use crate::context::{Localnet, pid_alive};

/// Starts validator node `index` of `net` (`taonet node run` with the network's chain spec,
/// the other nodes as bootstrap peers, and its dev coldkey for evidence reports); returns its
/// pid.
pub(super) fn spawn_node(net: &Localnet, index: usize) -> Result<u32> {
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
pub(super) fn spawn_logged(mut cmd: Command, log: &Path, name: &str) -> Result<u32> {
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

/// The last `lines` lines of the file at `path` (empty if unreadable).
pub(super) fn tail(path: &Path, lines: usize) -> String {
    std::fs::read_to_string(path)
        .map(|s| {
            let all: Vec<&str> = s.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        })
        .unwrap_or_default()
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

/// Stops `pid` if alive: SIGTERM, then SIGKILL if it is still running after 10 s.
pub(super) fn stop_pid(pid: u32) {
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
