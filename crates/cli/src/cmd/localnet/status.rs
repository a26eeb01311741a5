//! `taonet localnet status [--watch SECS]`: every node's state, heights and state root (read
//! over its RPC, 2 s timeouts), and the subnet's neurons (uid, axon, stake, incentive, …
//! from the metagraph and their health endpoints); as tables, or one JSON object. The JSON
//! also names the chain spec and each node's consensus key, which is what a node joining the
//! network needs (`--chain-spec`, `--bootstrap KEY@P2P`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::json;
use taonet_client::prelude::*;

use super::{load, neurons, runtime};
use crate::context::pid_alive;
use crate::{Global, usage};

/// `status --watch`: the summary again every `secs` seconds (the screen is cleared between
/// refreshes on a terminal), until interrupted.
pub(super) fn watch(dir: &Path, secs: u64, global: Global) -> Result<ExitCode> {
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

/// `localnet status`: one summary.
pub(super) fn status(dir: &Path, global: Global) -> Result<ExitCode> {
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
            "consensus_key": n.consensus_key,
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
                "chain_spec": net.chain_spec,
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
