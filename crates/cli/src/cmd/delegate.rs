//! `taonet delegate …`: delegate takes and the list of delegates.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::StakingCall;

use crate::args::{KeyOpts, RpcOpts};
use crate::output::{percent, print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

/// Highest take a delegate may set, in percent.
pub const MAX_TAKE_PERCENT: f64 = 18.0;

#[derive(Args, Debug)]
pub struct DelegateArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: DelegateCommand,
}

#[derive(Subcommand, Debug)]
enum DelegateCommand {
    /// Set the take of the wallet's hotkey (0–18 %): raising it is rate-limited.
    SetTake(SetTakeArgs),
    /// Every hotkey with stake: total stake, take, nominators, and its owner (with the owner's
    /// on-chain identity name, if set).
    List,
}

#[derive(Args, Debug)]
struct SetTakeArgs {
    /// New take in percent, 0 to 18 (e.g. 9 or 11.5).
    #[arg(long, value_name = "PERCENT")]
    take: String,
    /// The hotkey (default: the wallet's hotkey, --hotkey).
    #[arg(long, value_name = "SS58")]
    hotkey_ss58: Option<String>,
}

pub fn run(args: DelegateArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        DelegateCommand::SetTake(a) => set_take(&args, a, global),
        DelegateCommand::List => list(&args, global),
    }
}

/// `p` percent as a u16 proportion.
pub fn take_from_percent(text: &str) -> Result<u16> {
    let p: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| usage!("--take: {text:?} is not a number of percent such as 9 or 11.5"))?;
    if !p.is_finite() || !(0.0..=MAX_TAKE_PERCENT).contains(&p) {
        return Err(usage!(
            "--take must be between 0 and {MAX_TAKE_PERCENT} percent (got {text})"
        ));
    }
    Ok((p / 100.0 * f64::from(u16::MAX)).round() as u16)
}

fn set_take(args: &DelegateArgs, a: &SetTakeArgs, global: Global) -> Result<ExitCode> {
    let take = take_from_percent(&a.take)?;
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let Some(current) = s
            .client
            .state_get_delegate(hotkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?
        else {
            bail!(
                "hotkey {} has no owner on chain; register it on a subnet or stake on it first",
                hotkey.to_ss58()
            );
        };
        if current.take == take {
            s.say(format!(
                "The take of {} is already {}; nothing to do.",
                hotkey.to_ss58(),
                percent(take)
            ));
            if global.json {
                print_json(&json!({ "hotkey": hotkey.to_ss58(), "take": take, "changed": false }))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        let (call, verb) = if take > current.take {
            (StakingCall::IncreaseTake { hotkey, take }, "Increase")
        } else {
            (StakingCall::DecreaseTake { hotkey, take }, "Decrease")
        };
        let summary = [format!(
            "{verb} the take of {} from {} to {}",
            hotkey.to_ss58(),
            percent(current.take),
            percent(take)
        )];
        let outcome = s.send(&signer, Call::Staking(call), &summary).await?;
        s.finish(
            &outcome,
            json!({
                "hotkey": hotkey.to_ss58(),
                "take": take,
                "previous_take": current.take,
                "changed": outcome.success,
            }),
            &[format!("  take is now {}", percent(take))],
        )
    })
}

fn list(args: &DelegateArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let delegates = s
            .client
            .state_get_delegates()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "delegates": delegates }))?;
            return Ok(ExitCode::SUCCESS);
        }
        if delegates.is_empty() {
            println!("(no delegates)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "#",
            "hotkey",
            "owner",
            "total stake",
            "take",
            "nominators",
            "subnets (netuid:uid)",
        ]);
        for (i, d) in delegates.iter().enumerate() {
            let regs: Vec<String> = d
                .registrations
                .iter()
                .map(|(n, u)| format!("{n}:{u}"))
                .collect();
            t.add_row(vec![
                i.to_string(),
                d.hotkey.clone(),
                owner_cell(&d.owner, d.identity.as_ref().map(|id| id.name.as_str())),
                tao(d.total_stake),
                percent(d.take),
                d.nominators.len().to_string(),
                regs.join(" "),
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

/// Longest identity name shown in the delegate table, in characters (the rest is cut to `…`).
const OWNER_NAME_CHARS: usize = 32;

/// The owner column of `delegate list`: the owner's on-chain identity name, when it set one
/// (at most [`OWNER_NAME_CHARS`] characters), then the shortened coldkey.
fn owner_cell(owner: &str, name: Option<&str>) -> String {
    match name {
        Some(name) => {
            let mut shown: String = name.chars().take(OWNER_NAME_CHARS).collect();
            if name.chars().count() > OWNER_NAME_CHARS {
                shown.pop();
                shown.push('…');
            }
            format!("{shown} ({})", short(owner))
        }
        None => short(owner),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::UsageError;

    #[test]
    fn the_owner_column_names_the_owner_identity() {
        let owner = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert_eq!(owner_cell(owner, None), "5Grwv…utQY");
        assert_eq!(
            owner_cell(owner, Some("Alice's validator")),
            "Alice's validator (5Grwv…utQY)"
        );
        let long = "x".repeat(40);
        let cell = owner_cell(owner, Some(&long));
        assert_eq!(cell, format!("{}… (5Grwv…utQY)", "x".repeat(31)));
    }

    #[test]
    fn take_percent_to_u16() {
        assert_eq!(take_from_percent("0").unwrap(), 0);
        assert_eq!(take_from_percent("10").unwrap(), 6554);
        assert_eq!(take_from_percent("18%").unwrap(), 11_796);
        for bad in ["18.01", "-1", "abc", "NaN", "inf"] {
            assert!(
                UsageError::is(&take_from_percent(bad).unwrap_err()),
                "{bad}"
            );
        }
    }
}
