//! `taonet weights …`: set, commit and reveal weights (free calls signed by the hotkey).
//!
//! Weights are given as decimals and scaled so the largest becomes 65535 (as bittensor does),
//! or as raw u16 values with `--raw`. `commit` keeps what it committed (uids, weights, salt,
//! version key and the first block it may be revealed at) in
//! `<wallet>/weight_commits/netuid-<N>-<hotkey>.json`, so `reveal` needs only `--netuid`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_crypto::wallet::create_private_dir;
use taonet_types::tx::{WeightsCall, weights_commit_hash};
use taonet_types::{Call, Hash};

use crate::args::{KeyOpts, RpcOpts};
use crate::output::unit;
use crate::progress::spinner;
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

/// Salt words generated for a commit.
const SALT_WORDS: usize = 8;

#[derive(Args, Debug)]
pub struct WeightsArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: WeightsCommand,
}

#[derive(Subcommand, Debug)]
enum WeightsCommand {
    /// Set weights directly (subnets without commit-reveal).
    Set(SetArgs),
    /// Commit to weights by hash (commit-reveal subnets); the salt is kept for `reveal`.
    Commit(CommitArgs),
    /// Reveal committed weights (the oldest stored commit unless given explicitly).
    Reveal(RevealArgs),
}

#[derive(Args, Debug)]
struct WeightValues {
    /// The subnet to set weights on (netuid; the hotkey must be registered there).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Destination uids, comma-separated: 1,2,3.
    #[arg(long, value_name = "UIDS")]
    uids: String,
    /// Weights, one per uid, comma-separated: 0.5,0.3,0.2.
    #[arg(long, value_name = "WEIGHTS")]
    weights: String,
    /// The weights are raw u16 values (0–65535), sent as they are.
    #[arg(long)]
    raw: bool,
    /// Version key [default: the subnet's weights_version_key].
    #[arg(long, value_name = "N")]
    version_key: Option<u64>,
}

#[derive(Args, Debug)]
struct SetArgs {
    #[command(flatten)]
    w: WeightValues,
}

#[derive(Args, Debug)]
struct CommitArgs {
    #[command(flatten)]
    w: WeightValues,
    /// Salt, comma-separated u16 words [default: 8 random words].
    #[arg(long, value_name = "WORDS")]
    salt: Option<String>,
}

#[derive(Args, Debug)]
struct RevealArgs {
    /// The subnet the weights were committed on (netuid).
    #[arg(long, visible_alias = "subnet", value_name = "N")]
    netuid: u16,
    /// Uids (with --weights and --salt: reveal these instead of a stored commit).
    #[arg(long, value_name = "UIDS", requires_all = ["weights", "salt"])]
    uids: Option<String>,
    /// Weights as committed.
    #[arg(long, value_name = "WEIGHTS", requires = "uids")]
    weights: Option<String>,
    /// The weights are raw u16 values.
    #[arg(long)]
    raw: bool,
    /// Salt as committed, comma-separated u16 words.
    #[arg(long, value_name = "WORDS", requires = "uids")]
    salt: Option<String>,
    /// Version key as committed [default: the subnet's weights_version_key].
    #[arg(long, value_name = "N")]
    version_key: Option<u64>,
    /// Fail instead of waiting when the commit cannot be revealed yet.
    #[arg(long)]
    no_wait: bool,
}

/// A commit kept for its reveal.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredCommit {
    /// The commit hash.
    pub commit_hash: Hash,
    /// The subnet the weights are committed on.
    pub netuid: u16,
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Destination uids, as committed.
    pub uids: Vec<u16>,
    /// Weights (u16).
    pub weights: Vec<u16>,
    /// The salt words hashed into the commit (needed to reveal it).
    pub salt: Vec<u16>,
    /// Version key hashed into the commit.
    pub version_key: u64,
    /// Block the commit was finalized in.
    pub block: u64,
    /// First block whose transactions may reveal it.
    pub reveal_from: u64,
}

pub fn run(args: WeightsArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        WeightsCommand::Set(a) => set(&args, a, global),
        WeightsCommand::Commit(a) => commit(&args, a, global),
        WeightsCommand::Reveal(a) => reveal(&args, a, global),
    }
}

fn parse_list<T: std::str::FromStr>(flag: &str, s: &str) -> Result<Vec<T>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse()
                .map_err(|_| usage!("{flag}: {p:?} is not a valid number"))
        })
        .collect()
}

/// Weights as u16: raw, or decimals scaled so the largest is 65535.
pub fn to_u16_weights(text: &str, raw: bool) -> Result<Vec<u16>> {
    if raw {
        return parse_list::<u16>("--weights", text);
    }
    let values = parse_list::<f64>("--weights", text)?;
    if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(usage!("--weights must be non-negative numbers"));
    }
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return Err(usage!("--weights: at least one weight must be above zero"));
    }
    Ok(values
        .iter()
        .map(|v| (v / max * f64::from(u16::MAX)).round() as u16)
        .collect())
}

fn uids_and_weights(uids: &str, weights: &str, raw: bool) -> Result<(Vec<u16>, Vec<u16>)> {
    let uids = parse_list::<u16>("--uids", uids)?;
    let weights = to_u16_weights(weights, raw)?;
    if uids.is_empty() {
        return Err(usage!("--uids: give at least one uid"));
    }
    if uids.len() != weights.len() {
        return Err(usage!(
            "--uids has {} entries but --weights has {}; give one weight per uid",
            uids.len(),
            weights.len()
        ));
    }
    Ok((uids, weights))
}

fn describe(uids: &[u16], weights: &[u16]) -> String {
    uids.iter()
        .zip(weights)
        .map(|(u, w)| format!("{u}:{}", unit(*w)))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn version_key(s: &Session, netuid: u16, given: Option<u64>) -> Result<u64> {
    if let Some(v) = given {
        return Ok(v);
    }
    Ok(s.client
        .state_get_subnet(netuid)
        .await
        .map_err(|e| rpc_error(e.into()))?
        .with_context(|| format!("subnet {netuid} does not exist (see `taonet subnet list`)"))?
        .hyperparams
        .weights_version_key)
}

fn set(args: &WeightsArgs, a: &SetArgs, global: Global) -> Result<ExitCode> {
    let (uids, weights) = uids_and_weights(&a.w.uids, &a.w.weights, a.w.raw)?;
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let version_key = version_key(&s, a.w.netuid, a.w.version_key).await?;
        let summary = [
            format!(
                "Set weights on subnet {} (version key {version_key})",
                a.w.netuid
            ),
            format!("  uid:weight {}", describe(&uids, &weights)),
        ];
        let call = Call::Weights(WeightsCall::SetWeights {
            netuid: a.w.netuid,
            uids: uids.clone(),
            weights: weights.clone(),
            version_key,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "netuid": a.w.netuid, "uids": uids, "weights": weights, "version_key": version_key }),
            &[format!("  weights set by {}", signer.ss58())],
        )
    })
}

fn store_path(keys: &KeyOpts, netuid: u16) -> Result<PathBuf> {
    let wallet = keys.wallet()?;
    Ok(wallet
        .dir()
        .join("weight_commits")
        .join(format!("netuid-{netuid}-{}.json", keys.hotkey)))
}

fn load_store(path: &Path) -> Result<Vec<StoredCommit>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a weight-commit file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn save_store(path: &Path, commits: &[StoredCommit]) -> Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    taonet_crypto::atomic_file::write_atomic(path, &serde_json::to_vec_pretty(commits)?)
        .with_context(|| format!("writing {}", path.display()))
}

fn commit(args: &WeightsArgs, a: &CommitArgs, global: Global) -> Result<ExitCode> {
    let (uids, weights) = uids_and_weights(&a.w.uids, &a.w.weights, a.w.raw)?;
    let salt: Vec<u16> = match &a.salt {
        Some(text) => parse_list("--salt", text)?,
        None => {
            use rand_core::RngCore;
            (0..SALT_WORDS)
                .map(|_| (rand_core::OsRng.next_u32() & 0xffff) as u16)
                .collect()
        }
    };
    if salt.is_empty() {
        return Err(usage!("--salt: give at least one word"));
    }
    let store = store_path(&args.keys, a.w.netuid)?;
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let netuid = a.w.netuid;
        let detail = s
            .client
            .state_get_subnet(netuid)
            .await
            .map_err(|e| rpc_error(e.into()))?
            .with_context(|| format!("subnet {netuid} does not exist"))?;
        let version_key =
            a.w.version_key
                .unwrap_or(detail.hyperparams.weights_version_key);
        let hotkey = signer.account_id();
        let commit_hash = weights_commit_hash(&hotkey, netuid, &uids, &weights, &salt, version_key);
        let summary = [
            format!("Commit weights on subnet {netuid} (version key {version_key})"),
            format!("  uid:weight {}", describe(&uids, &weights)),
            format!("  commit hash {commit_hash}"),
        ];
        let call = Call::Weights(WeightsCall::CommitWeights {
            netuid,
            commit_hash,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        let mut reveal_from = None;
        if let (true, Some(block)) = (outcome.success, outcome.block_height) {
            // The commit belongs to the epoch its block's transactions saw.
            let tempo = u64::from(detail.hyperparams.tempo.max(1));
            let period = u64::from(detail.hyperparams.reveal_period_epochs.max(1));
            let mut next = detail.info.next_epoch_block;
            while block > next {
                next = next.saturating_add(tempo);
            }
            let from = next
                .saturating_add(1)
                .saturating_add((period - 1).saturating_mul(tempo));
            reveal_from = Some(from);
            let mut commits = load_store(&store)?;
            commits.push(StoredCommit {
                commit_hash,
                netuid,
                hotkey: hotkey.to_ss58(),
                uids: uids.clone(),
                weights: weights.clone(),
                salt: salt.clone(),
                version_key,
                block,
                reveal_from: from,
            });
            save_store(&store, &commits)?;
        }
        let salt_text = salt
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",");
        s.finish(
            &outcome,
            json!({
                "netuid": netuid,
                "commit_hash": commit_hash,
                "salt": salt,
                "uids": uids,
                "weights": weights,
                "version_key": version_key,
                "reveal_from_block": reveal_from,
                "stored_in": store,
            }),
            &[
                format!("  salt: {salt_text} (kept in {})", store.display()),
                format!(
                    "  reveal from block #{} with: taonet weights reveal --netuid {netuid}",
                    reveal_from.unwrap_or(0)
                ),
            ],
        )
    })
}

fn reveal(args: &WeightsArgs, a: &RevealArgs, global: Global) -> Result<ExitCode> {
    let store = store_path(&args.keys, a.netuid)?;
    let explicit = match (&a.uids, &a.weights, &a.salt) {
        (Some(u), Some(w), Some(salt)) => {
            let (uids, weights) = uids_and_weights(u, w, a.raw)?;
            Some((uids, weights, parse_list::<u16>("--salt", salt)?))
        }
        (None, None, None) => None,
        _ => return Err(usage!("give --uids, --weights and --salt together")),
    };
    let signer = args.keys.hotkey_pair(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let netuid = a.netuid;
        let mut commits = load_store(&store)?;
        let hotkey = signer.ss58();
        let (uids, weights, salt, version_key, reveal_from, stored) = match explicit {
            Some((uids, weights, salt)) => {
                let vk = version_key(&s, netuid, a.version_key).await?;
                (uids, weights, salt, vk, 0, None)
            }
            None => {
                let Some((i, c)) = commits
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.netuid == netuid && c.hotkey == hotkey)
                    .min_by_key(|(_, c)| c.block)
                else {
                    bail!(
                        "no stored commit for subnet {netuid} and hotkey {hotkey} in {}; pass --uids, --weights and --salt",
                        store.display()
                    );
                };
                let c = c.clone();
                (
                    c.uids,
                    c.weights,
                    c.salt,
                    c.version_key,
                    c.reveal_from,
                    Some(i),
                )
            }
        };
        // Wait until the next block may reveal.
        let head = s.finalized_height().await?;
        if head.saturating_add(1) < reveal_from {
            if a.no_wait {
                bail!(
                    "too early: this commit can be revealed from block #{reveal_from} (finalized: #{head})"
                );
            }
            let pb = spinner(global);
            if !global.json {
                eprintln!("Waiting for block #{reveal_from} to reveal (finalized: #{head})…");
            }
            loop {
                let head = s.finalized_height().await?;
                if head.saturating_add(1) >= reveal_from {
                    break;
                }
                pb.set_message(format!("waiting for block #{reveal_from}, at #{head}"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            pb.finish_and_clear();
        }
        let summary = [
            format!("Reveal weights on subnet {netuid} (version key {version_key})"),
            format!("  uid:weight {}", describe(&uids, &weights)),
        ];
        let call = Call::Weights(WeightsCall::RevealWeights {
            netuid,
            uids: uids.clone(),
            weights: weights.clone(),
            salt,
            version_key,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        if outcome.success
            && let Some(i) = stored
        {
            commits.remove(i);
            save_store(&store, &commits)?;
        }
        s.finish(
            &outcome,
            json!({ "netuid": netuid, "uids": uids, "weights": weights, "version_key": version_key }),
            &[format!("  weights revealed by {hotkey}")],
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::UsageError;

    #[test]
    fn weights_scale_to_max_or_stay_raw() {
        assert_eq!(
            to_u16_weights("0.5,0.25,0", false).unwrap(),
            vec![65535, 32768, 0]
        );
        assert_eq!(to_u16_weights("3, 1", false).unwrap(), vec![65535, 21845]);
        assert_eq!(to_u16_weights("100,65535", true).unwrap(), vec![100, 65535]);
        for (bad, raw) in [
            ("0,0", false),
            ("-1,2", false),
            ("x", false),
            ("70000", true),
        ] {
            assert!(
                UsageError::is(&to_u16_weights(bad, raw).unwrap_err()),
                "{bad}"
            );
        }
    }
}
