//! `taonet root …` (btcli's `root`, alias `r`): the root subnet (netuid 0), whose members'
//! weights over subnets set each subnet's share of emission.
//!
//! - `register` signs `neurons.root_register` with the wallet's coldkey (paying) for the
//!   wallet's hotkey: the hotkey becomes a root *candidate*. It is a member at once while the
//!   root has a free uid; otherwise it waits for the next root epoch, when the members are
//!   recomputed as the `root_max_uids` candidates with the most stake
//!   ([`taonet_runtime::root`]). The command says which happened.
//! - `list` shows the members (uid, hotkey, stake, weights); with `--json` exactly
//!   `[{"hotkey", "stake", "weights": {"<netuid>": u16}}]`, one object per member in uid
//!   order, stake in rao and weights as stored on chain (max-upscaled u16).
//! - `candidates` shows every candidate in membership order (most stake first), member or
//!   waiting, with its stake and registration block, and when the membership is recomputed.
//! - `weights` shows the weight matrix, member × subnet, each member's row normalised to sum
//!   to 1.
//! - `set-weights --netuids 1,2 --weights 0.7,0.3` signs `weights.set_weights` on netuid 0
//!   with the wallet's hotkey (free): on the root the "uids" are netuids, each an existing
//!   subnet other than 0. The weights are scaled so the largest is 65535, as `weights set`
//!   does. A hotkey that is not a root member is refused before anything is sent (exit 1).

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_client::types::RootInfo;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::{NeuronCall, WeightsCall};

use crate::args::{KeyOpts, RpcOpts};
use crate::cmd::weights::to_u16_weights;
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct RootArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: RootCommand,
}

#[derive(Subcommand, Debug)]
enum RootCommand {
    /// Enter the wallet's hotkey as a root candidate (the coldkey signs and pays).
    Register,
    /// The root members: uid, hotkey, stake and weights.
    List,
    /// Every root candidate, most stake first: member or waiting, stake, registration block.
    Candidates,
    /// The root weight matrix (member × subnet), each row normalised to sum to 1.
    #[command(visible_alias = "get-weights")]
    Weights,
    /// Set the wallet's hotkey's root weights over subnets (free; the hotkey signs).
    SetWeights(SetWeightsArgs),
}

#[derive(Args, Debug)]
struct SetWeightsArgs {
    /// Subnets to weight, comma-separated netuids: 1,2 (not 0, the root itself).
    #[arg(long, value_name = "NETUIDS")]
    netuids: String,
    /// Weights, one per netuid, comma-separated: 0.7,0.3 (scaled so the largest is 65535).
    #[arg(long, value_name = "WEIGHTS")]
    weights: String,
}

pub fn run(args: RootArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        RootCommand::Register => register(&args, global),
        RootCommand::List => list(&args, global),
        RootCommand::Candidates => candidates(&args, global),
        RootCommand::Weights => weights(&args, global),
        RootCommand::SetWeights(a) => set_weights(&args, a, global),
    }
}

async fn root(s: &Session) -> Result<RootInfo> {
    s.client
        .state_get_root()
        .await
        .map_err(|e| rpc_error(e.into()))
}

/// `netuid:share` pairs of a weight row, each share its fraction of the row's sum.
fn shares<'a>(row: impl IntoIterator<Item = (&'a u16, &'a u16)>) -> Vec<(u16, f64)> {
    let row: Vec<(u16, u16)> = row.into_iter().map(|(n, w)| (*n, *w)).collect();
    let sum: f64 = row.iter().map(|(_, w)| f64::from(*w)).sum();
    row.into_iter()
        .map(|(n, w)| {
            let share = if sum > 0.0 { f64::from(w) / sum } else { 0.0 };
            (n, share)
        })
        .collect()
}

fn describe_shares(row: &[(u16, f64)]) -> String {
    if row.is_empty() {
        return "(none)".to_string();
    }
    row.iter()
        .map(|(n, s)| format!("{n}: {:.2}%", s * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn register(args: &RootArgs, global: Global) -> Result<ExitCode> {
    let hotkey = args.keys.hotkey_account()?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let before = root(&s).await?;
        let summary = [
            format!("Enter hotkey {} as a root candidate", hotkey.to_ss58()),
            format!(
                "  the root has {} of {} members; when full, the candidates with the most stake are members from the next root epoch",
                before.members.len(),
                before.max_members
            ),
        ];
        let call = Call::Neurons(NeuronCall::RootRegister { hotkey });
        let outcome = s.send(&signer, call, &summary).await?;
        let (uid, next) = if outcome.success {
            let after = root(&s).await?;
            let uid = after
                .members
                .iter()
                .find(|m| m.hotkey == hotkey.to_ss58())
                .map(|m| m.uid);
            (uid, after.next_recompute)
        } else {
            (None, before.next_recompute)
        };
        let note = match uid {
            Some(uid) => format!("  {} is root member uid {uid}", hotkey.to_ss58()),
            None => format!(
                "  {} is a root candidate, waiting: the membership is recomputed at block #{next} (see `taonet root candidates`)",
                hotkey.to_ss58()
            ),
        };
        s.finish(
            &outcome,
            json!({ "hotkey": hotkey.to_ss58(), "uid": uid }),
            &[note],
        )
    })
}

fn list(args: &RootArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let r = root(&s).await?;
        if global.json {
            let members: Vec<_> = r
                .members
                .iter()
                .map(|m| json!({ "hotkey": m.hotkey, "stake": m.stake, "weights": m.weights }))
                .collect();
            print_json(&members)?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Root members: {} of {} (block #{}; membership recomputed at block #{})",
            r.members.len(),
            r.max_members,
            r.block,
            r.next_recompute
        );
        if r.members.is_empty() {
            println!("(no members; enter one with `taonet root register`)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec!["uid", "hotkey", "stake", "weights (netuid: share)"]);
        for m in &r.members {
            t.add_row(vec![
                m.uid.to_string(),
                m.hotkey.clone(),
                tao(m.stake),
                describe_shares(&shares(&m.weights)),
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn candidates(args: &RootArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let r = root(&s).await?;
        if global.json {
            print_json(&json!({
                "block": r.block,
                "max_members": r.max_members,
                "next_recompute": r.next_recompute,
                "candidates": r.candidates,
            }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Root candidates: {} for {} seats (block #{}; membership recomputed at block #{})",
            r.candidates.len(),
            r.max_members,
            r.block,
            r.next_recompute
        );
        if r.candidates.is_empty() {
            println!("(no candidates; enter one with `taonet root register`)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec!["rank", "hotkey", "stake", "registered", "status"]);
        for (i, c) in r.candidates.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                c.hotkey.clone(),
                tao(c.stake),
                format!("#{}", c.registered_at),
                match c.uid {
                    Some(uid) => format!("member (uid {uid})"),
                    None => "waiting".to_string(),
                },
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn weights(args: &RootArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let r = root(&s).await?;
        let netuids: BTreeSet<u16> = r
            .members
            .iter()
            .flat_map(|m| m.weights.keys().copied())
            .collect();
        if global.json {
            let members: Vec<_> = r
                .members
                .iter()
                .map(|m| {
                    let row: serde_json::Map<String, serde_json::Value> = shares(&m.weights)
                        .into_iter()
                        .map(|(n, share)| (n.to_string(), json!(share)))
                        .collect();
                    json!({ "uid": m.uid, "hotkey": m.hotkey, "weights": row })
                })
                .collect();
            print_json(&json!({
                "block": r.block,
                "netuids": netuids,
                "members": members,
            }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Root weights at block #{} (each member's row normalised to sum to 1)",
            r.block
        );
        if netuids.is_empty() {
            println!("(no root member has set weights; see `taonet root set-weights`)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut header = vec!["uid".to_string(), "hotkey".to_string()];
        header.extend(netuids.iter().map(|n| format!("subnet {n}")));
        let mut t = table(header.iter().map(String::as_str).collect());
        for m in &r.members {
            let row = shares(&m.weights);
            let mut cells = vec![m.uid.to_string(), short(&m.hotkey)];
            cells.extend(netuids.iter().map(|n| {
                row.iter()
                    .find(|(k, _)| k == n)
                    .map_or("-".to_string(), |(_, share)| format!("{share:.4}"))
            }));
            t.add_row(cells);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

/// The netuids of `--netuids` (at least one, none twice, not the root).
fn parse_netuids(text: &str) -> Result<Vec<u16>> {
    let mut netuids = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: u16 = part
            .parse()
            .map_err(|_| usage!("--netuids: {part:?} is not a netuid (0 to 65535)"))?;
        if n == 0 {
            return Err(usage!(
                "--netuids: 0 is the root subnet itself; root weights go to the other subnets"
            ));
        }
        if netuids.contains(&n) {
            return Err(usage!("--netuids: subnet {n} is given twice"));
        }
        netuids.push(n);
    }
    if netuids.is_empty() {
        return Err(usage!("--netuids: give at least one netuid"));
    }
    Ok(netuids)
}

fn set_weights(args: &RootArgs, a: &SetWeightsArgs, global: Global) -> Result<ExitCode> {
    let netuids = parse_netuids(&a.netuids)?;
    let weights = to_u16_weights(&a.weights, false)?;
    if netuids.len() != weights.len() {
        return Err(usage!(
            "--netuids has {} entries but --weights has {}; give one weight per netuid",
            netuids.len(),
            weights.len()
        ));
    }
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let r = root(&s).await?;
        let hotkey = signer.ss58();
        let Some(member) = r.members.iter().find(|m| m.hotkey == hotkey) else {
            let waiting = r.candidates.iter().any(|c| c.hotkey == hotkey);
            if waiting {
                bail!(
                    "hotkey {hotkey} is a root candidate but not a member yet: only members set root weights (membership is recomputed at block #{}; see `taonet root candidates`)",
                    r.next_recompute
                );
            }
            bail!(
                "hotkey {hotkey} is not a root member: enter it with `taonet root register`, then set weights once it is a member"
            );
        };
        let version_key = s
            .client
            .state_get_subnet(0)
            .await
            .map_err(|e| rpc_error(e.into()))?
            .context("the chain has no root subnet")?
            .hyperparams
            .weights_version_key;
        let pairs: Vec<(u16, u16)> = netuids.iter().copied().zip(weights.clone()).collect();
        let row = shares(pairs.iter().map(|(n, w)| (n, w)));
        let summary = [
            format!(
                "Set the root weights of hotkey {hotkey} (root uid {})",
                member.uid
            ),
            format!("  shares (netuid: share): {}", describe_shares(&row)),
        ];
        let call = Call::Weights(WeightsCall::SetWeights {
            netuid: 0,
            uids: netuids.clone(),
            weights: weights.clone(),
            version_key,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "hotkey": hotkey,
                "uid": member.uid,
                "netuids": netuids,
                "weights": weights,
            }),
            &[format!(
                "  root weights set by {hotkey}; they count from the next root epoch (block #{})",
                r.next_recompute
            )],
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::UsageError;

    #[test]
    fn netuids_are_checked_and_shares_sum_to_one() {
        assert_eq!(parse_netuids("1, 2,3").unwrap(), [1, 2, 3]);
        for bad in ["", "0,1", "1,1", "x", "70000"] {
            assert!(UsageError::is(&parse_netuids(bad).unwrap_err()), "{bad}");
        }
        let row = shares([(&1, &65535), (&2, &21845)]);
        assert_eq!(row.len(), 2);
        assert!((row[0].1 - 0.75).abs() < 1e-4, "{row:?}");
        assert!((row.iter().map(|(_, s)| s).sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(describe_shares(&row), "1: 75.00%, 2: 25.00%");
        assert_eq!(describe_shares(&[]), "(none)");
    }
}
