//! `taonet stake …`: add, remove and list stake; unbonding entries.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::tx::StakingCall;
use taonet_types::{Call, Rao};

use crate::Global;
use crate::args::{KeyOpts, RpcOpts, parse_ss58, parse_tao};
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};

#[derive(Args, Debug)]
pub struct StakeArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: StakeCommand,
}

#[derive(Subcommand, Debug)]
enum StakeCommand {
    /// Stake free TAO of the coldkey on a hotkey (the wallet's own by default, or a
    /// delegate's with --hotkey-ss58).
    Add(AmountArgs),
    /// Unstake from a hotkey: the amount enters unbonding and is paid out later.
    Remove(AmountArgs),
    /// The coldkey's stake positions.
    List(ListArgs),
    /// The coldkey's unbonding entries and when they pay out.
    Unbonding(ListArgs),
}

#[derive(Args, Debug)]
struct AmountArgs {
    /// Amount in TAO (up to 9 decimals).
    #[arg(long, value_name = "TAO")]
    amount: String,
    /// The hotkey's address (default: the wallet's hotkey, --hotkey).
    #[arg(long, visible_alias = "hotkey-address", value_name = "SS58")]
    hotkey_ss58: Option<String>,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// The coldkey to show (default: the wallet's).
    #[arg(long, value_name = "SS58")]
    ss58: Option<String>,
}

pub fn run(args: StakeArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        StakeCommand::Add(a) => add(&args, a, global),
        StakeCommand::Remove(a) => remove(&args, a, global),
        StakeCommand::List(a) => list(&args, a, global),
        StakeCommand::Unbonding(a) => unbonding(&args, a, global),
    }
}

fn add(args: &StakeArgs, a: &AmountArgs, global: Global) -> Result<ExitCode> {
    let amount = parse_tao("--amount", &a.amount)?;
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        if a.hotkey_ss58.is_some() {
            let delegate = s
                .client
                .state_get_delegate(hotkey.to_ss58())
                .await
                .map_err(|e| rpc_error(e.into()))?;
            if delegate.is_none() {
                anyhow::bail!(
                    "hotkey {} is not owned by any coldkey yet; only a registered or associated hotkey can receive stake",
                    hotkey.to_ss58()
                );
            }
        } else if let Some(outcome) = s.associate_if_needed(&args.keys, &hotkey, &signer).await?
            // The wallet's own hotkey, not yet claimed: it was claimed first.
            && !outcome.success
        {
            return s.finish(&outcome, json!({ "step": "associate_hotkey" }), &[]);
        }
        let summary = [format!(
            "Stake {} on hotkey {}",
            tao(amount),
            hotkey.to_ss58()
        )];
        let call = Call::Staking(StakingCall::AddStake { hotkey, amount });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "hotkey": hotkey.to_ss58(), "amount": amount }),
            &[format!("  staked {} on {}", tao(amount), hotkey.to_ss58())],
        )
    })
}

fn remove(args: &StakeArgs, a: &AmountArgs, global: Global) -> Result<ExitCode> {
    let amount = parse_tao("--amount", &a.amount)?;
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let period = s.params().await?.unbonding_period;
        let summary = [
            format!("Unstake {} from hotkey {}", tao(amount), hotkey.to_ss58()),
            format!("  it enters unbonding and is paid out {period} blocks after inclusion"),
        ];
        let call = Call::Staking(StakingCall::RemoveStake { hotkey, amount });
        let outcome = s.send(&signer, call, &summary).await?;
        let release = outcome.block_height.map(|h| h.saturating_add(period));
        s.finish(
            &outcome,
            json!({
                "hotkey": hotkey.to_ss58(),
                "amount": amount,
                "unbonding_period": period,
                "release_block": release,
            }),
            &[format!(
                "  {} is unbonding; it is paid out to the free balance at block #{} (in {period} blocks)",
                tao(amount),
                release.unwrap_or(0)
            )],
        )
    })
}

fn list(args: &StakeArgs, a: &ListArgs, global: Global) -> Result<ExitCode> {
    let coldkey = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => args.keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let stakes = s
            .client
            .state_get_stake(coldkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "coldkey": coldkey.to_ss58(), "stakes": stakes }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!("Stake of coldkey {}", coldkey.to_ss58());
        if stakes.is_empty() {
            println!("(no stake)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec!["hotkey", "stake"]);
        let mut total = Rao::ZERO;
        for st in &stakes {
            total = total.checked_add(st.amount).unwrap_or(total);
            t.add_row(vec![st.hotkey.clone(), tao(st.amount)]);
        }
        t.add_row(vec!["total".to_string(), tao(total)]);
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn unbonding(args: &StakeArgs, a: &ListArgs, global: Global) -> Result<ExitCode> {
    let coldkey = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => args.keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let head = s.finalized_height().await?;
        let entries = s
            .client
            .state_get_unbonding(coldkey.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            let list: Vec<_> = entries
                .iter()
                .map(|e| {
                    json!({
                        "hotkey": e.hotkey,
                        "amount": e.amount,
                        "started_at": e.started_at,
                        "release_block": e.release_block,
                        "blocks_left": e.release_block.saturating_sub(head),
                    })
                })
                .collect();
            print_json(&json!({
                "coldkey": coldkey.to_ss58(),
                "finalized_height": head,
                "unbonding": list,
            }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Unbonding of coldkey {} (finalized block #{head})",
            coldkey.to_ss58()
        );
        if entries.is_empty() {
            println!("(nothing unbonding)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "hotkey",
            "amount",
            "unstaked at",
            "release block",
            "ETA",
        ]);
        for e in &entries {
            let left = e.release_block.saturating_sub(head);
            t.add_row(vec![
                short(&e.hotkey),
                tao(e.amount),
                format!("#{}", e.started_at),
                format!("#{}", e.release_block),
                if left == 0 {
                    "paying out".to_string()
                } else {
                    format!("{left} blocks")
                },
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}
