//! `taonet wallet swap-hotkey` and `taonet wallet swap-coldkey …`: key rotation
//! ([`taonet_runtime::keyswap`]).
//!
//! - `swap-hotkey --wallet-hotkey OLD --new-hotkey NEWNAME` signs `staking.swap_hotkey` with
//!   the wallet's coldkey (paying the fee and burning `key_swap_cost`). `NEWNAME` is another
//!   hotkey file of the same wallet (e.g. made with `wallet new-hotkey`); it signs the
//!   ownership proof (its signature over the chain's ownership payload for the coldkey, as
//!   `associate_hotkey`'s). The new hotkey takes over the old one's registrations (same uids),
//!   stake, delegation, consensus key and root candidacy. A new hotkey that is already owned
//!   on chain is refused before anything is sent (exit 1); the chain's other rules (rate
//!   limit, the cost) are reported in its words.
//! - `swap-coldkey announce --new-coldkey SS58` (old coldkey signs, paying and burning
//!   `key_swap_cost`): the swap becomes executable `coldkey_swap_delay` blocks later.
//!   `dispute` (old coldkey) cancels a pending swap. `execute [--old-coldkey SS58]` carries it
//!   out, signed by the wallet's coldkey, which is the old one (the default) or the announced
//!   new one. `status [--ss58 ADDR]` reads `state_getColdkeySwap`.
//! - `dispute` and `execute` read the swap first: with none pending, a disputed one, a signer
//!   that is neither party, or (execute) a swap whose delay has not passed by the next block,
//!   they refuse without sending (exit 1), saying from which block it can be executed.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::prelude::*;
use taonet_client::types::ColdkeySwapInfo;
use taonet_crypto::Ss58;
use taonet_types::tx::StakingCall;
use taonet_types::{AccountId, Call};

use crate::args::{KeyOpts, RpcOpts, parse_ss58};
use crate::output::{print_json, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

/// `wallet swap-hotkey`.
#[derive(Args, Debug)]
pub struct SwapHotkeyArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// The replacement: the name of another hotkey file of this wallet (it signs the proof).
    #[arg(long, value_name = "NAME")]
    new_hotkey: String,
}

/// `wallet swap-coldkey`.
#[derive(Args, Debug)]
pub struct SwapColdkeyArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(subcommand)]
    command: SwapColdkeyCommand,
}

#[derive(Subcommand, Debug)]
enum SwapColdkeyCommand {
    /// Announce that this coldkey's balance, stake and hotkeys move to a new coldkey after
    /// the chain's delay (burns key_swap_cost).
    Announce(AnnounceArgs),
    /// Dispute (cancel) this coldkey's pending swap.
    Dispute,
    /// Execute an announced swap once its delay has passed (signed by the old or the new
    /// coldkey).
    Execute(ExecuteArgs),
    /// The swap announced by this coldkey (or --ss58): pending, executable or disputed.
    #[command(visible_alias = "check")]
    Status(StatusArgs),
}

#[derive(Args, Debug)]
struct AnnounceArgs {
    /// The coldkey that will hold everything (it must own no hotkey, stake or subnet).
    #[arg(long, value_name = "SS58")]
    new_coldkey: String,
}

#[derive(Args, Debug)]
struct ExecuteArgs {
    /// The coldkey whose swap is executed [default: this wallet's coldkey].
    #[arg(long, value_name = "SS58")]
    old_coldkey: Option<String>,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// The old coldkey to show [default: this wallet's coldkey].
    #[arg(long, value_name = "SS58")]
    ss58: Option<String>,
}

/// `wallet swap-hotkey`: signs `staking.swap_hotkey` with the coldkey and the new hotkey's
/// proof.
pub fn swap_hotkey(keys: &KeyOpts, a: &SwapHotkeyArgs, global: Global) -> Result<ExitCode> {
    if a.new_hotkey == keys.hotkey {
        return Err(usage!(
            "--new-hotkey names the hotkey being replaced ({}); give another hotkey of the wallet (create one with `taonet wallet new-hotkey --wallet-name {} --hotkey NAME`)",
            keys.hotkey,
            keys.wallet_name
        ));
    }
    let old = keys.hotkey_account()?;
    let new_keys = KeyOpts {
        hotkey: a.new_hotkey.clone(),
        ..keys.clone()
    };
    let new_pair = new_keys.hotkey_pair(global)?;
    let new = new_pair.account_id();
    if new == old {
        return Err(usage!(
            "hotkeys '{}' and '{}' hold the same key {}; give a different new hotkey",
            keys.hotkey,
            a.new_hotkey,
            new.to_ss58()
        ));
    }
    let signer = keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let owner = s
            .client
            .state_get_delegate(new.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if let Some(d) = owner {
            bail!(
                "hotkey '{}' ({}) is already in use on chain (owned by coldkey {}{}); a swap needs a fresh hotkey: create one with `taonet wallet new-hotkey --wallet-name {} --hotkey NAME`",
                a.new_hotkey,
                new.to_ss58(),
                d.owner,
                if d.registrations.is_empty() {
                    String::new()
                } else {
                    format!(", registered on {} subnet(s)", d.registrations.len())
                },
                keys.wallet_name
            );
        }
        let cost = s.params().await?.key_swap_cost;
        let proof = s.ownership_proof(&new_pair, &signer.account_id()).await?;
        let summary = [
            format!("Swap hotkey '{}' {}", keys.hotkey, old.to_ss58()),
            format!("  for hotkey '{}' {}", a.new_hotkey, new.to_ss58()),
            "  the new hotkey takes over every registration (same uids), stake, delegation and root candidacy".to_string(),
            format!("  burns {} (key_swap_cost) on top of the fee", tao(cost)),
        ];
        let call = Call::Staking(StakingCall::SwapHotkey {
            old_hotkey: old,
            new_hotkey: new,
            proof,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "old_hotkey": old.to_ss58(),
                "new_hotkey": new.to_ss58(),
                "new_hotkey_name": a.new_hotkey,
                "cost": cost,
            }),
            &[
                format!(
                    "  hotkey '{}' {} now holds everything of '{}' {}",
                    a.new_hotkey,
                    new.to_ss58(),
                    keys.hotkey,
                    old.to_ss58()
                ),
                format!(
                    "Next: restart your miner or validator with the new hotkey (--wallet-hotkey {}): the old hotkey is retired and the chain no longer accepts its weights or axon.",
                    a.new_hotkey
                ),
            ],
        )
    })
}

/// `wallet swap-coldkey …`.
pub fn swap_coldkey(keys: &KeyOpts, a: &SwapColdkeyArgs, global: Global) -> Result<ExitCode> {
    match &a.command {
        SwapColdkeyCommand::Announce(x) => announce(keys, &a.rpc, x, global),
        SwapColdkeyCommand::Dispute => dispute(keys, &a.rpc, global),
        SwapColdkeyCommand::Execute(x) => execute(keys, &a.rpc, x, global),
        SwapColdkeyCommand::Status(x) => status(keys, &a.rpc, x, global),
    }
}

async fn pending(s: &Session, coldkey: &AccountId) -> Result<Option<ColdkeySwapInfo>> {
    s.client
        .state_get_coldkey_swap(coldkey.to_ss58())
        .await
        .map_err(|e| rpc_error(e.into()))
}

fn announce(keys: &KeyOpts, rpc: &RpcOpts, a: &AnnounceArgs, global: Global) -> Result<ExitCode> {
    let new = parse_ss58("--new-coldkey", &a.new_coldkey)?;
    let signer = keys.coldkey(global)?;
    if new == signer.account_id() {
        return Err(usage!(
            "--new-coldkey is this wallet's own coldkey; give the coldkey that should receive everything"
        ));
    }
    block_on(async {
        let s = Session::connect(rpc, global).await?;
        let params = s.params().await?;
        let summary = [
            format!(
                "Announce a swap of coldkey {} to {}",
                signer.ss58(),
                new.to_ss58()
            ),
            format!(
                "  after {} blocks the whole balance, every stake position and every hotkey move to the new coldkey",
                params.coldkey_swap_delay
            ),
            "  until then this coldkey can dispute it (`taonet wallet swap-coldkey dispute`)"
                .to_string(),
            format!(
                "  burns {} (key_swap_cost) on top of the fee",
                tao(params.key_swap_cost)
            ),
        ];
        let call = Call::Staking(StakingCall::AnnounceColdkeySwap { new_coldkey: new });
        let outcome = s.send(&signer, call, &summary).await?;
        let swap = if outcome.success {
            pending(&s, &signer.account_id()).await?
        } else {
            None
        };
        let executable_at = swap.as_ref().map(|w| w.executable_at);
        s.finish(
            &outcome,
            json!({
                "old_coldkey": signer.ss58(),
                "new_coldkey": new.to_ss58(),
                "executable_at": executable_at,
            }),
            &[format!(
                "  the swap can be executed from block #{} (`taonet wallet swap-coldkey execute`, by either coldkey); dispute it before then if you did not announce it",
                executable_at.unwrap_or_default()
            )],
        )
    })
}

fn dispute(keys: &KeyOpts, rpc: &RpcOpts, global: Global) -> Result<ExitCode> {
    let signer = keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(rpc, global).await?;
        let Some(swap) = pending(&s, &signer.account_id()).await? else {
            bail!(
                "no coldkey swap is announced for {}; nothing to dispute",
                signer.ss58()
            );
        };
        if let Some(at) = swap.disputed_at {
            bail!(
                "the swap of {} to {} was already disputed at block #{at}; it cannot be executed",
                swap.old_coldkey,
                swap.new_coldkey
            );
        }
        let summary = [
            format!(
                "Dispute the swap of coldkey {} to {} (announced at block #{})",
                swap.old_coldkey, swap.new_coldkey, swap.announced_at
            ),
            "  it is cancelled for good; announce a new swap if you still want one".to_string(),
        ];
        let call = Call::Staking(StakingCall::DisputeColdkeySwap);
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "old_coldkey": swap.old_coldkey,
                "new_coldkey": swap.new_coldkey,
            }),
            &[format!(
                "  the swap to {} is disputed and can no longer be executed",
                swap.new_coldkey
            )],
        )
    })
}

fn execute(keys: &KeyOpts, rpc: &RpcOpts, a: &ExecuteArgs, global: Global) -> Result<ExitCode> {
    let signer = keys.coldkey(global)?;
    let old = match &a.old_coldkey {
        Some(s) => parse_ss58("--old-coldkey", s)?,
        None => signer.account_id(),
    };
    block_on(async {
        let s = Session::connect(rpc, global).await?;
        let Some(swap) = pending(&s, &old).await? else {
            bail!(
                "no coldkey swap is announced for {}{}",
                old.to_ss58(),
                if a.old_coldkey.is_none() {
                    " (executing as the new coldkey? pass --old-coldkey OLD)"
                } else {
                    ""
                }
            );
        };
        if let Some(at) = swap.disputed_at {
            bail!(
                "the swap of {} to {} was disputed at block #{at} by the old coldkey and cannot be executed; the old coldkey may announce a new one",
                swap.old_coldkey,
                swap.new_coldkey
            );
        }
        if signer.ss58() != swap.old_coldkey && signer.ss58() != swap.new_coldkey {
            bail!(
                "only the old coldkey {} or the new coldkey {} may execute this swap; this wallet's coldkey is {}",
                swap.old_coldkey,
                swap.new_coldkey,
                signer.ss58()
            );
        }
        let height = s.finalized_height().await?;
        if height.saturating_add(1) < swap.executable_at {
            bail!(
                "the swap of {} to {} can be executed from block #{} (coldkey_swap_delay after its announcement at #{}); the chain is at block #{height}, {} blocks to go; nothing was sent",
                swap.old_coldkey,
                swap.new_coldkey,
                swap.executable_at,
                swap.announced_at,
                swap.executable_at - height
            );
        }
        let summary = [
            format!(
                "Execute the swap of coldkey {} to {}",
                swap.old_coldkey, swap.new_coldkey
            ),
            "  the whole free balance, every stake position and every hotkey move to the new coldkey"
                .to_string(),
        ];
        let call = Call::Staking(StakingCall::ExecuteColdkeySwap { old_coldkey: old });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "old_coldkey": swap.old_coldkey,
                "new_coldkey": swap.new_coldkey,
            }),
            &[
                format!(
                    "  coldkey {} now holds everything of {}",
                    swap.new_coldkey, swap.old_coldkey
                ),
                format!(
                    "Next: use a wallet whose coldkey is {} (restore it with `taonet wallet regen-coldkey`); hotkeys keep working as they are.",
                    swap.new_coldkey
                ),
            ],
        )
    })
}

/// What a swap's state is at `height`: `pending`, `executable` or `disputed`.
fn swap_state(swap: &ColdkeySwapInfo, height: u64) -> &'static str {
    if swap.disputed_at.is_some() {
        "disputed"
    } else if height.saturating_add(1) >= swap.executable_at {
        "executable"
    } else {
        "pending"
    }
}

fn status(keys: &KeyOpts, rpc: &RpcOpts, a: &StatusArgs, global: Global) -> Result<ExitCode> {
    let who = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(rpc, global).await?;
        let height = s.finalized_height().await?;
        let swap = pending(&s, &who).await?;
        let state = swap.as_ref().map_or("none", |w| swap_state(w, height));
        if global.json {
            print_json(&json!({
                "coldkey": who.to_ss58(),
                "block": height,
                "status": state,
                "swap": swap,
            }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let Some(swap) = swap else {
            println!("No coldkey swap is announced for {}", who.to_ss58());
            return Ok(ExitCode::SUCCESS);
        };
        println!(
            "Coldkey swap of {} to {}",
            swap.old_coldkey, swap.new_coldkey
        );
        println!("  announced at block #{}", swap.announced_at);
        match state {
            "disputed" => println!(
                "  disputed at block #{} by the old coldkey: it cannot be executed",
                swap.disputed_at.unwrap_or_default()
            ),
            "executable" => println!(
                "  executable since block #{} (chain at #{height}): run `taonet wallet swap-coldkey execute`",
                swap.executable_at
            ),
            _ => println!(
                "  executable from block #{} (chain at #{height}, {} blocks to go); the old coldkey can dispute it until then",
                swap.executable_at,
                swap.executable_at - height
            ),
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_is_pending_then_executable_unless_disputed() {
        let mut swap = ColdkeySwapInfo {
            old_coldkey: String::new(),
            new_coldkey: String::new(),
            announced_at: 10,
            executable_at: 40,
            disputed_at: None,
        };
        assert_eq!(swap_state(&swap, 10), "pending");
        assert_eq!(swap_state(&swap, 38), "pending");
        // The next block is the first executable one.
        assert_eq!(swap_state(&swap, 39), "executable");
        assert_eq!(swap_state(&swap, 100), "executable");
        swap.disputed_at = Some(12);
        assert_eq!(swap_state(&swap, 100), "disputed");
    }
}
