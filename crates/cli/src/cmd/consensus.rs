//! `taonet consensus register-key`: register the ed25519 key a hotkey votes with when it
//! holds a block-producer seat (the hotkey's owner coldkey signs). `taonet consensus jail`:
//! a hotkey's jail status and slash history. `taonet consensus unjail`: take a jailed hotkey
//! out of jail once its jail period has passed (the hotkey's owner coldkey signs).
//! `taonet consensus participation`: how the seats of an epoch voted. `taonet consensus
//! nodes`: the registered nodes (hotkeys with a consensus key), which nodes admit as peers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{ArgGroup, Args, Subcommand};
use commonware_codec::{Copying, DecodeExt, Encode};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PrivateKey;
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::ConsensusCall;

use crate::args::{KeyOpts, RpcOpts};
use crate::output::{print_json, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct ConsensusArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: ConsensusCommand,
}

#[derive(Subcommand, Debug)]
enum ConsensusCommand {
    /// Register (or replace) the consensus key of the wallet's hotkey.
    RegisterKey(RegisterKeyArgs),
    /// Show whether a hotkey is jailed (out of seat elections) and its recent slashes.
    Jail(HotkeyArgs),
    /// Take the wallet's hotkey (or --hotkey-ss58) out of jail once its jail period has
    /// passed, so it can be elected to a seat again.
    Unjail(HotkeyArgs),
    /// Show how the seats of a consensus epoch voted (seats missing more than the
    /// governance share of votes are jailed at the epoch's end).
    Participation(ParticipationArgs),
    /// List the registered nodes: hotkeys with a consensus key, most stake first. Nodes admit
    /// them as p2p peers from the next epoch on (as many as their --max-peers leaves room for),
    /// so a follower registered here needs no validator to list it.
    Nodes(NodesArgs),
}

#[derive(Args, Debug)]
struct NodesArgs {
    /// Most nodes to list (1 to 1024).
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(1..=1024))]
    limit: u32,
}

#[derive(Args, Debug)]
struct ParticipationArgs {
    /// The consensus epoch (default: the current one).
    #[arg(long)]
    epoch: Option<u64>,
}

#[derive(Args, Debug)]
struct HotkeyArgs {
    /// The hotkey (default: the wallet's hotkey, --hotkey).
    #[arg(long, value_name = "SS58")]
    hotkey_ss58: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("source").required(true).args(["key", "key_file"])))]
struct RegisterKeyArgs {
    /// The ed25519 public key, 0x + 64 hex digits.
    #[arg(long, value_name = "0xHEX32")]
    key: Option<String>,
    /// A node's consensus key file (hex of the ed25519 private key, as `taonet node` writes
    /// it); its public key is registered, with a signature by it over the hotkey that proves
    /// you hold it.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// With --key: the key's proof of possession made offline, 0x + 128 hex digits: its
    /// ed25519 signature (commonware's format) over the hotkey's 32 bytes under the namespace
    /// `taonet/<chain id>/<genesis hash hex>_REGISTER_KEY`.
    #[arg(long, value_name = "0xHEX64", requires = "key")]
    proof: Option<String>,
    /// The hotkey (default: the wallet's hotkey, --hotkey).
    #[arg(long, value_name = "SS58")]
    hotkey_ss58: Option<String>,
}

pub fn run(args: ConsensusArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        ConsensusCommand::RegisterKey(a) => register_key(&args, a, global),
        ConsensusCommand::Jail(a) => jail(&args, a, global),
        ConsensusCommand::Unjail(a) => unjail(&args, a, global),
        ConsensusCommand::Participation(a) => participation(&args, a, global),
        ConsensusCommand::Nodes(a) => nodes(&args, a, global),
    }
}

/// A 32-byte public key from hex.
pub fn public_key_hex(text: &str) -> Result<[u8; 32]> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    let bytes = hex::decode(digits).map_err(|e| usage!("--key is not valid hex: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        usage!(
            "--key must be 32 bytes (64 hex digits), got {}",
            bytes.len()
        )
    })
}

/// The private key of a consensus key file.
pub fn private_key_of_file(path: &PathBuf) -> Result<PrivateKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    let digits = text.trim().trim_start_matches("0x");
    let bytes =
        hex::decode(digits).map_err(|e| usage!("{} is not a hex key file: {e}", path.display()))?;
    PrivateKey::decode(Copying(bytes.as_slice())).map_err(|e| {
        usage!(
            "{} does not hold an ed25519 private key: {e}",
            path.display()
        )
    })
}

/// A 64-byte signature from hex.
fn proof_hex(text: &str) -> Result<[u8; 64]> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    let bytes = hex::decode(digits).map_err(|e| usage!("--proof is not valid hex: {e}"))?;
    <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| {
        usage!(
            "--proof must be 64 bytes (128 hex digits), got {}",
            bytes.len()
        )
    })
}

fn register_key(args: &ConsensusArgs, a: &RegisterKeyArgs, global: Global) -> Result<ExitCode> {
    let private = match (&a.key, &a.key_file) {
        (Some(_), _) => None,
        (None, Some(p)) => Some(private_key_of_file(p)?),
        (None, None) => return Err(usage!("pass --key-file (or --key with --proof)")),
    };
    let key = match (&a.key, &private) {
        (Some(k), _) => public_key_hex(k)?,
        (None, Some(p)) => <[u8; 32]>::try_from(p.public_key().encode().as_ref())
            .context("an ed25519 public key is 32 bytes")?,
        (None, None) => return Err(usage!("pass --key-file (or --key with --proof)")),
    };
    let given_proof = match (&a.key, &a.proof) {
        (Some(_), Some(p)) => Some(proof_hex(p)?),
        (Some(_), None) => {
            return Err(usage!(
                "a consensus key is registered with a proof that you hold it: pass --key-file \
                 (the node's consensus.key), or --proof with the key's signature made offline \
                 (see `taonet consensus register-key --help`)"
            ));
        }
        _ => None,
    };
    let key_hex = format!("0x{}", hex::encode(key));
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let domain = s.domain().await?;
        let proof = match (given_proof, &private) {
            (Some(p), _) => p,
            (None, Some(private)) => {
                let signature = private.sign(
                    &taonet_types::tx::consensus_key_namespace(&domain),
                    &taonet_types::tx::consensus_key_payload(&hotkey),
                );
                <[u8; 64]>::try_from(signature.encode().as_ref())
                    .context("an ed25519 signature is 64 bytes")?
            }
            (None, None) => return Err(usage!("pass --key-file (or --key with --proof)")),
        };
        let summary = [format!(
            "Register consensus key {key_hex} for hotkey {}",
            hotkey.to_ss58()
        )];
        let call = Call::Consensus(ConsensusCall::RegisterConsensusKey { hotkey, key, proof });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "hotkey": hotkey.to_ss58(), "consensus_key": key_hex }),
            &[format!(
                "  {} votes with {key_hex} when elected to a seat",
                hotkey.to_ss58()
            )],
        )
    })
}

fn jail(args: &ConsensusArgs, a: &HotkeyArgs, global: Global) -> Result<ExitCode> {
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let status = s
            .client
            .state_get_jail(hotkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let slashes = s
            .client
            .state_get_slashes(hotkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "jail": status, "slashes": slashes }))?;
            return Ok(ExitCode::SUCCESS);
        }
        match (status.jailed, status.until_epoch) {
            (true, Some(until)) => println!(
                "Hotkey {} is jailed ({}) until consensus epoch {until}; current epoch {}{}",
                status.hotkey,
                status.reason.as_deref().unwrap_or("unknown"),
                status.current_epoch,
                if status.can_unjail {
                    " — it can be unjailed now (taonet consensus unjail)"
                } else {
                    ""
                }
            ),
            _ => println!("Hotkey {} is not jailed", status.hotkey),
        }
        if slashes.is_empty() {
            println!("(no slashes within the unbonding window)");
        }
        for sl in &slashes {
            println!(
                "  offence {} at block {}: {} ppb slashed at block {}, {} TAO burned from stake, {} TAO from unbonding",
                sl.offence_id,
                sl.offence_block,
                sl.fraction_ppb,
                sl.slashed_at,
                tao(sl.stake_burned),
                tao(sl.unbonding_burned)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `a / 10⁹` as a percentage with two decimals.
fn percent(ppb: u32) -> String {
    let hundredths = u64::from(ppb) / 100_000;
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

fn participation(args: &ConsensusArgs, a: &ParticipationArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let info = s
            .client
            .state_get_participation(a.epoch)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let Some(info) = info else {
            return Err(usage!(
                "the seats of consensus epoch {} are not known (not elected yet, or pruned)",
                a.epoch.map_or_else(|| "now".into(), |e| e.to_string())
            ));
        };
        if global.json {
            print_json(&info)?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Consensus epoch {}: {} blocks counted; a seat missing more than {} is jailed",
            info.epoch,
            info.counted_blocks,
            percent(info.missed_votes_jail_ppb)
        );
        println!(
            "{:<50} {:>7} {:>7} {:>8}  status",
            "hotkey", "voted", "missed", "missed%"
        );
        for seat in &info.seats {
            println!(
                "{:<50} {:>7} {:>7} {:>8}  {}",
                seat.hotkey,
                seat.voted,
                seat.missed,
                percent(seat.missed_ppb),
                if seat.jailed { "jailed" } else { "active" }
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn nodes(args: &ConsensusArgs, a: &NodesArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let nodes = s
            .client
            .state_get_nodes(Some(a.limit))
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&nodes)?;
            return Ok(ExitCode::SUCCESS);
        }
        if nodes.is_empty() {
            println!("No registered nodes. Register one with: taonet consensus register-key");
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{:<50} {:<68} {:>16}  role",
            "hotkey", "consensus key", "stake"
        );
        for n in &nodes {
            let role = match (n.seat, n.jailed) {
                (_, true) => "jailed",
                (true, false) => "seat",
                (false, false) => "follower",
            };
            println!(
                "{:<50} {:<68} {:>16}  {role}",
                n.hotkey,
                n.consensus_key,
                tao(n.stake)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn unjail(args: &ConsensusArgs, a: &HotkeyArgs, global: Global) -> Result<ExitCode> {
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let summary = [format!("Unjail hotkey {}", hotkey.to_ss58())];
        let call = Call::Consensus(ConsensusCall::Unjail { hotkey });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "hotkey": hotkey.to_ss58() }),
            &[format!(
                "  {} can be elected to a seat again at the next election",
                hotkey.to_ss58()
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
    fn consensus_public_keys() {
        let k = public_key_hex(&format!("0x{}", "ab".repeat(32))).unwrap();
        assert_eq!(k, [0xab; 32]);
        assert!(UsageError::is(&public_key_hex("0xabcd").unwrap_err()));
        assert!(UsageError::is(&public_key_hex("zz").unwrap_err()));
    }
}
