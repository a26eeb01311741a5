//! `taonet sim …`: offline simulations of the chain's mechanisms.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use taonet_yuma_sim::Scenario;

use crate::{Global, usage};

/// Largest scenario file read (a 4096-uid scenario with dense weights is a few MiB).
const MAX_SCENARIO_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Args, Debug)]
pub struct SimArgs {
    #[command(subcommand)]
    command: SimCommand,
}

#[derive(Subcommand, Debug)]
enum SimCommand {
    /// Run a multi-epoch Yuma Consensus scenario with the chain's own rules.
    ///
    /// Prints one JSON object per epoch (one per line) on stdout, or with --summary a
    /// readable table per epoch. The scenario format is described in docs/sim-yuma.md;
    /// examples are in examples/yuma/.
    Yuma(YumaArgs),
    /// Record a live subnet's stakes and weights, epoch by epoch, as a `sim yuma` scenario.
    ///
    /// Follows the node until `--epochs` subnet epochs have run, then writes a scenario that
    /// replays them: per epoch every validator's stored weight row, stake changes and new
    /// registrations. With `--copier-of UID` it adds one more validator, with the same stake
    /// as UID, that each epoch sets the weights UID had at the previous epoch: what a weight
    /// copier reading the chain can do. Run the result with `taonet sim yuma`.
    Record(RecordArgs),
}

#[derive(Args, Debug)]
struct RecordArgs {
    /// The subnet whose epochs are recorded (netuid).
    #[arg(long, default_value_t = 1)]
    netuid: u16,
    /// Subnet epochs to record.
    #[arg(long, default_value_t = 10)]
    epochs: u32,
    /// Where to write the scenario.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Add a weight copier of this validator uid (one epoch behind).
    #[arg(long, value_name = "UID")]
    copier_of: Option<u16>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    rpc: crate::args::RpcOpts,
}

#[derive(Args, Debug)]
struct YumaArgs {
    /// The scenario JSON file ("-" reads standard input).
    #[arg(value_name = "SCENARIO.json")]
    scenario: PathBuf,
    /// Print a readable table per epoch instead of JSON lines.
    #[arg(long)]
    summary: bool,
}

pub fn run(args: SimArgs, global: Global) -> Result<ExitCode> {
    match args.command {
        SimCommand::Yuma(a) => yuma(&a, global),
        SimCommand::Record(a) => record(&a, global),
    }
}

fn read_scenario(path: &PathBuf) -> Result<String> {
    let mut text = String::new();
    let what = path.display();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_SCENARIO_BYTES + 1)
            .read_to_string(&mut text)
            .context("reading the scenario from standard input")?;
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| usage!("cannot open scenario {what}: {e}"))?;
        file.take(MAX_SCENARIO_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| usage!("cannot read scenario {what}: {e} (it must be UTF-8 JSON)"))?;
    }
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(usage!(
            "scenario {what} is larger than {} MiB",
            MAX_SCENARIO_BYTES / (1024 * 1024)
        ));
    }
    Ok(text)
}

fn yuma(a: &YumaArgs, global: Global) -> Result<ExitCode> {
    let text = read_scenario(&a.scenario)?;
    let scenario = Scenario::from_json_str(&text)
        .map_err(|e| usage!("invalid scenario {}: {e}", a.scenario.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write_err = None;
    let summary = a.summary && !global.json;
    scenario
        .run_with(|report| {
            if write_err.is_some() {
                return;
            }
            let res = if summary {
                write!(out, "{}", report.summary_table())
            } else {
                writeln!(out, "{}", report.to_json_line())
            };
            if let Err(e) = res.and_then(|()| out.flush()) {
                write_err = Some(e);
            }
        })
        .map_err(|e| usage!("scenario {} failed: {e}", a.scenario.display()))?;
    match write_err {
        // A closed pipe (`| head`) is not an error worth reporting.
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Some(e) => return Err(e).context("writing the results"),
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// One recorded epoch: the state the epoch at `block` ran on.
struct Recorded {
    block: u64,
    /// Every neuron.
    neurons: Vec<RecordedNeuron>,
}

/// One neuron as an epoch saw it.
struct RecordedNeuron {
    uid: u16,
    hotkey: String,
    stake: u64,
    registered_at: u64,
    /// Its stored weight row.
    weights: Vec<(u16, u16)>,
}

fn record(a: &RecordArgs, global: Global) -> Result<ExitCode> {
    use taonet_client::prelude::*;
    if a.epochs == 0 || a.epochs > 10_000 {
        return Err(usage!("--epochs must be 1 to 10000"));
    }
    if a.out.exists() && !a.force {
        return Err(usage!(
            "{} already exists; pass --force to replace it",
            a.out.display()
        ));
    }
    let url = crate::context::resolve_rpc(a.rpc.rpc.as_deref())?;
    let netuid = a.netuid;
    let (detail, epochs) = crate::session::block_on(async {
        let client = Client::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the node at {url}: {e}"))?;
        let detail = client
            .state_get_subnet(netuid)
            .await
            .map_err(|e| anyhow::anyhow!("reading subnet {netuid}: {e}"))?
            .ok_or_else(|| usage!("subnet {netuid} does not exist"))?;
        let spinner = crate::progress::spinner(global);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(a.timeout);
        let mut epochs: Vec<Recorded> = Vec::new();
        let mut last_height = 0;
        let mut prev: Option<taonet_client::types::MetagraphInfo> = None;
        while epochs.len() < a.epochs as usize {
            if std::time::Instant::now() > deadline {
                anyhow::bail!(
                    "only {} of {} epochs of subnet {netuid} ran within {} s; raise --timeout",
                    epochs.len(),
                    a.epochs,
                    a.timeout
                );
            }
            let head = client
                .chain_get_finalized_head()
                .await
                .map_err(|e| anyhow::anyhow!("reading the head: {e}"))?;
            if head.height == last_height {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
            last_height = head.height;
            let m = client
                .state_get_metagraph(netuid, true, false)
                .await
                .map_err(|e| anyhow::anyhow!("reading subnet {netuid}: {e}"))?
                .ok_or_else(|| usage!("subnet {netuid} does not exist"))?;
            if let Some(p) = &prev
                && m.subnet.epoch_index > p.subnet.epoch_index
            {
                // The epoch ran on the last state seen before it.
                epochs.push(Recorded {
                    block: m.subnet.last_epoch_block.max(p.block + 1),
                    neurons: p
                        .neurons
                        .iter()
                        .map(|n| RecordedNeuron {
                            uid: n.uid,
                            hotkey: n.hotkey.clone(),
                            stake: n.stake.0,
                            registered_at: n.registered_at,
                            weights: n.weights.clone().unwrap_or_default(),
                        })
                        .collect(),
                });
                spinner.set_message(format!(
                    "recorded {}/{} epochs of subnet {netuid} (block {})",
                    epochs.len(),
                    a.epochs,
                    m.block
                ));
            }
            prev = Some(m);
        }
        spinner.finish_and_clear();
        Ok((detail, epochs))
    })?;
    let scenario = build_recorded_scenario(netuid, &detail, &epochs, a.copier_of)?;
    let text = serde_json::to_string_pretty(&scenario)?;
    Scenario::from_json_str(&text)
        .map_err(|e| anyhow::anyhow!("the recorded scenario is invalid: {e}"))?;
    std::fs::write(&a.out, &text).with_context(|| format!("writing {}", a.out.display()))?;
    let n = scenario["neurons"].as_array().map_or(0, Vec::len);
    if global.json {
        println!(
            "{}",
            serde_json::json!({
                "out": a.out,
                "epochs": epochs.len(),
                "neurons": n,
                "copier_uid": a.copier_of.map(|_| n - 1),
            })
        );
    } else {
        println!(
            "Recorded {} epochs of subnet {netuid} ({n} neurons) to {}.",
            epochs.len(),
            a.out.display()
        );
        if a.copier_of.is_some() {
            println!("The weight copier is uid {}.", n - 1);
        }
        println!("Replay it: taonet sim yuma --summary {}", a.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The scenario replaying `epochs` (see `sim record`).
fn build_recorded_scenario(
    netuid: u16,
    detail: &taonet_client::types::SubnetDetail,
    epochs: &[Recorded],
    copier_of: Option<u16>,
) -> Result<serde_json::Value> {
    use serde_json::json;
    use std::collections::BTreeMap;
    let first = epochs.first().context("no epoch recorded")?;
    let start = first.block.saturating_sub(1).max(1);
    let n_chain = epochs
        .iter()
        .flat_map(|e| e.neurons.iter().map(|x| usize::from(x.uid) + 1))
        .max()
        .unwrap_or(0);
    if let Some(c) = copier_of
        && !first.neurons.iter().any(|x| x.uid == c)
    {
        return Err(usage!("--copier-of {c}: no such uid on subnet {netuid}"));
    }
    let copier = copier_of.map(|_| n_chain as u16);
    let total = n_chain + usize::from(copier.is_some());
    // Who holds each uid, to spot re-registrations.
    let mut holder: BTreeMap<u16, String> = BTreeMap::new();
    let mut stake: BTreeMap<u16, u64> = BTreeMap::new();
    let mut neurons = vec![json!({"stake": 0, "registered_at": start}); total];
    for x in &first.neurons {
        neurons[usize::from(x.uid)] =
            json!({"stake": x.stake, "registered_at": x.registered_at.min(start)});
        holder.insert(x.uid, x.hotkey.clone());
        stake.insert(x.uid, x.stake);
    }
    let stake_of =
        |e: &Recorded, uid: u16| e.neurons.iter().find(|x| x.uid == uid).map(|x| x.stake);
    if let (Some(c), Some(of)) = (copier, copier_of) {
        neurons[usize::from(c)] =
            json!({"stake": stake_of(first, of).unwrap_or(0), "registered_at": start});
    }
    let mut steps = Vec::new();
    let mut block = start;
    let mut copied: Option<Vec<(u16, u16)>> = None;
    for e in epochs {
        let at = e.block.saturating_sub(1).max(block);
        if at > block {
            steps.push(json!({"advance_to": at}));
            block = at;
        }
        for x in &e.neurons {
            if holder.get(&x.uid) != Some(&x.hotkey) {
                // A uid taken over by a new hotkey since the last epoch.
                steps.push(json!({"replace": {"uid": x.uid, "stake": x.stake}}));
                holder.insert(x.uid, x.hotkey.clone());
                stake.insert(x.uid, x.stake);
            } else if stake.get(&x.uid) != Some(&x.stake) {
                steps.push(json!({"set_stake": {"uid": x.uid, "stake": x.stake}}));
                stake.insert(x.uid, x.stake);
            }
        }
        for x in &e.neurons {
            if !x.weights.is_empty() {
                let w: BTreeMap<String, u16> =
                    x.weights.iter().map(|(j, v)| (j.to_string(), *v)).collect();
                steps.push(json!({"set_weights": {"uid": x.uid, "weights": w}}));
            }
        }
        if let (Some(c), Some(of)) = (copier, copier_of) {
            if let Some(s) = stake_of(e, of) {
                steps.push(json!({"set_stake": {"uid": c, "stake": s}}));
            }
            // The copier sets what it saw on chain at the previous epoch.
            if let Some(row) = &copied {
                let w: BTreeMap<String, u16> =
                    row.iter().map(|(j, v)| (j.to_string(), *v)).collect();
                steps.push(json!({"set_weights": {"uid": c, "weights": w}}));
            }
            copied = e
                .neurons
                .iter()
                .find(|x| x.uid == of)
                .map(|x| x.weights.clone())
                .filter(|r| !r.is_empty());
        }
        if e.block > block {
            steps.push(json!({"advance_to": e.block}));
            block = e.block;
        }
        steps.push(json!({"epoch": {}}));
    }
    let h = &detail.hyperparams;
    let owner_uid = first
        .neurons
        .iter()
        .find(|x| x.hotkey == detail.info.owner_hotkey)
        .map(|x| x.uid);
    let description = format!(
        "Recorded from subnet {netuid} of a live chain: {} epochs (blocks {}..={}), every validator's stored weights and every stake change as they were when each epoch ran.{}",
        epochs.len(),
        first.block,
        epochs.last().map_or(first.block, |e| e.block),
        match (copier, copier_of) {
            (Some(c), Some(of)) => format!(
                " Uid {c} is an added weight copier: it has uid {of}'s stake and, each epoch, sets the weights uid {of} had at the previous epoch (what it could read on chain)."
            ),
            _ => String::new(),
        }
    );
    Ok(json!({
        "description": description,
        "params": {
            "kappa": h.kappa,
            "bonds_moving_average": h.bonds_moving_average,
            "bonds_penalty": h.bonds_penalty,
            "yuma3": h.yuma3,
            "liquid_alpha": {
                "enabled": h.liquid_alpha_enabled,
                "alpha_low": f64::from(h.alpha_low) / 65535.0,
                "alpha_high": f64::from(h.alpha_high) / 65535.0,
                "steepness": h.alpha_sigmoid_steepness,
            },
            "activity_cutoff": h.activity_cutoff,
            "max_allowed_validators": h.max_allowed_validators,
            "stake_threshold": h.stake_threshold.0,
            "tempo": h.tempo,
            "emission_per_epoch": 1_000_000_000u64,
        },
        "neurons": neurons,
        "owner_uid": owner_uid,
        "start_block": start,
        "steps": steps,
    }))
}
