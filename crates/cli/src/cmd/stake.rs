//! `taonet stake …`: add, remove, move and transfer stake; list positions and unbonding
//! entries.
//!
//! - `move --from-hotkey SS58 --to-hotkey SS58 --amount TAO` signs `staking.move_stake`
//!   with the wallet's coldkey: the amount goes from one hotkey to another, same coldkey,
//!   without unbonding. `transfer --hotkey-ss58 SS58 --dest-coldkey SS58 --amount TAO` signs
//!   `staking.transfer_stake`: the position on the hotkey (default: the wallet's hotkey)
//!   passes to another coldkey. Both are paying calls, confirmed unless `--no-prompt`.
//! - Before signing, both read the coldkey's position on the source hotkey: an amount above
//!   it is refused without sending (exit 1, no fee). The chain's other rules (the minimum
//!   amount, an unowned destination hotkey, moved stake that is still locked in place) are the
//!   runtime's, reported in its words ([`taonet_runtime::stake_moves`]).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::tx::StakingCall;
use taonet_types::{AccountId, Call, Rao};

use crate::args::{KeyOpts, RpcOpts, parse_ss58, parse_tao};
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

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
    /// Move stake of the coldkey from one hotkey to another, without unbonding.
    Move(MoveArgs),
    /// Give stake of the coldkey on a hotkey to another coldkey (same hotkey), without
    /// unbonding.
    Transfer(TransferArgs),
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
struct MoveArgs {
    /// The hotkey the stake is on now.
    #[arg(long, visible_alias = "origin-hotkey", value_name = "SS58")]
    from_hotkey: String,
    /// The hotkey that receives it (owned by any coldkey).
    #[arg(long, visible_alias = "dest-hotkey", value_name = "SS58")]
    to_hotkey: String,
    /// Amount in TAO (up to 9 decimals).
    #[arg(long, value_name = "TAO")]
    amount: String,
}

#[derive(Args, Debug)]
struct TransferArgs {
    /// The coldkey that receives the stake.
    #[arg(long, visible_alias = "dest", value_name = "SS58")]
    dest_coldkey: String,
    /// Amount in TAO (up to 9 decimals).
    #[arg(long, value_name = "TAO")]
    amount: String,
    /// The hotkey the stake is on (default: the wallet's hotkey, --hotkey).
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
        StakeCommand::Move(a) => move_stake(&args, a, global),
        StakeCommand::Transfer(a) => transfer(&args, a, global),
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

/// Refuses (exit 1, nothing sent) to move `amount` off `coldkey`'s position on `hotkey` when
/// the position is smaller.
async fn check_position(
    s: &Session,
    coldkey: &AccountId,
    hotkey: &AccountId,
    amount: Rao,
    what: &str,
) -> Result<()> {
    let hotkey_ss58 = hotkey.to_ss58();
    let staked = s
        .client
        .state_get_stake(coldkey.to_ss58())
        .await
        .map_err(|e| rpc_error(e.into()))?
        .into_iter()
        .find(|p| p.hotkey == hotkey_ss58)
        .map_or(Rao::ZERO, |p| p.amount);
    if amount > staked {
        bail!(
            "cannot {what} {}: coldkey {} has {} staked on hotkey {hotkey_ss58}; nothing was sent (see `taonet stake list`)",
            tao(amount),
            coldkey.to_ss58(),
            tao(staked)
        );
    }
    Ok(())
}

fn move_stake(args: &StakeArgs, a: &MoveArgs, global: Global) -> Result<ExitCode> {
    let amount = parse_tao("--amount", &a.amount)?;
    let from = parse_ss58("--from-hotkey", &a.from_hotkey)?;
    let to = parse_ss58("--to-hotkey", &a.to_hotkey)?;
    if from == to {
        return Err(usage!(
            "--from-hotkey and --to-hotkey are the same hotkey; give two different hotkeys"
        ));
    }
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        check_position(&s, &signer.account_id(), &from, amount, "move").await?;
        let summary = [
            format!("Move {} of stake", tao(amount)),
            format!("  from hotkey {}", from.to_ss58()),
            format!("  to hotkey   {}", to.to_ss58()),
            "  (no unbonding; the moved stake stays slashable for offences of the first hotkey \
             until the unbonding period has passed)"
                .to_string(),
        ];
        let call = Call::Staking(StakingCall::MoveStake {
            from_hotkey: from,
            to_hotkey: to,
            amount,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "from_hotkey": from.to_ss58(),
                "to_hotkey": to.to_ss58(),
                "amount": amount,
            }),
            &[format!(
                "  moved {} from {} to {}",
                tao(amount),
                from.to_ss58(),
                to.to_ss58()
            )],
        )
    })
}

fn transfer(args: &StakeArgs, a: &TransferArgs, global: Global) -> Result<ExitCode> {
    let amount = parse_tao("--amount", &a.amount)?;
    let dest = parse_ss58("--dest-coldkey", &a.dest_coldkey)?;
    let hotkey = args.keys.target_hotkey(a.hotkey_ss58.as_deref())?;
    let signer = args.keys.coldkey(global)?;
    if dest == signer.account_id() {
        return Err(usage!(
            "--dest-coldkey is this wallet's own coldkey; give another coldkey (to move stake \
             between hotkeys use `taonet stake move`)"
        ));
    }
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        check_position(&s, &signer.account_id(), &hotkey, amount, "transfer").await?;
        let summary = [
            format!(
                "Transfer {} of stake on hotkey {}",
                tao(amount),
                hotkey.to_ss58()
            ),
            format!("  to coldkey {}", dest.to_ss58()),
            "  (it stays staked on the same hotkey and becomes the other coldkey's)".to_string(),
        ];
        let call = Call::Staking(StakingCall::TransferStake {
            hotkey,
            dest_coldkey: dest,
            amount,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "hotkey": hotkey.to_ss58(),
                "dest_coldkey": dest.to_ss58(),
                "amount": amount,
            }),
            &[format!(
                "  {} staked on {} now belongs to {}",
                tao(amount),
                hotkey.to_ss58(),
                dest.to_ss58()
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
