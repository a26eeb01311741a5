//! `taonet wallet balance` and `taonet wallet transfer`.
//!
//! `wallet balance --all` shows every local wallet ([`crate::cmd::wallet::local_wallets`])
//! with one `state_getAccount` call each: a table with a total row, or with `--json` an array
//! of `{"name", "coldkey", "free", "staked", "unbonding", "total"}` (rao; `total` = free +
//! staked + unbonding). A wallet whose coldkey address cannot be read is listed as `{"name",
//! "coldkey": null, "error"}` and left out of the totals, instead of failing the command.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use serde_json::json;
use taonet_crypto::Ss58;
use taonet_types::tx::BalancesCall;
use taonet_types::{Call, Rao};

use crate::Global;
use crate::args::{KeyOpts, RpcOpts, parse_ss58, parse_tao};
use crate::output::{print_json, table, tao};
use crate::session::{Session, block_on};

/// `wallet balance`.
#[derive(Args, Debug)]
pub struct BalanceArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// Show this address instead of the wallet's coldkey.
    #[arg(long, value_name = "SS58", conflicts_with = "all")]
    ss58: Option<String>,
    /// Every local wallet (the wallet directory's, and a running local network's development
    /// wallets unless --wallet-path or TAONET_WALLET_PATH names the directory), with totals.
    #[arg(long)]
    all: bool,
}

/// One row of `wallet balance --all` (its JSON shape, in field order).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum WalletBalance {
    /// A wallet whose coldkey address was read.
    Read {
        name: String,
        coldkey: String,
        free: Rao,
        staked: Rao,
        unbonding: Rao,
        total: Rao,
    },
    /// A wallet whose coldkey address cannot be read (`coldkey` is null).
    Unreadable {
        name: String,
        coldkey: Option<String>,
        error: String,
    },
}

/// `wallet transfer`.
#[derive(Args, Debug)]
pub struct TransferArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// Recipient address.
    #[arg(long, visible_alias = "destination", value_name = "SS58")]
    dest: String,
    /// Amount in TAO (up to 9 decimals).
    #[arg(long, value_name = "TAO")]
    amount: String,
}

/// `wallet balance`: free, staked, unbonding and nonce of an account (`--all`: of every local
/// wallet).
pub fn balance(keys: &KeyOpts, a: &BalanceArgs, global: Global) -> Result<ExitCode> {
    if a.all {
        return balance_all(keys, a, global);
    }
    let who = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let info = s.account(&who).await?;
        if global.json {
            print_json(&info)?;
            return Ok(ExitCode::SUCCESS);
        }
        let total = info
            .free
            .checked_add(info.staked)
            .and_then(|t| t.checked_add(info.unbonding))
            .unwrap_or(info.free);
        let mut t = table(vec![
            "address",
            "free",
            "staked",
            "unbonding",
            "total",
            "nonce",
        ]);
        t.add_row(vec![
            info.address.clone(),
            tao(info.free),
            tao(info.staked),
            tao(info.unbonding),
            tao(total),
            info.nonce.to_string(),
        ]);
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

/// `wallet balance --all` (module rules).
fn balance_all(keys: &KeyOpts, a: &BalanceArgs, global: Global) -> Result<ExitCode> {
    let wallets = crate::cmd::wallet::local_wallets(keys.wallet_path.as_deref())?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let mut rows = Vec::new();
        for wallet in &wallets {
            let name = wallet.name().to_string();
            rows.push(match crate::cmd::wallet::coldkey_address(wallet) {
                Ok(coldkey) => {
                    let info = s.account(&coldkey).await?;
                    WalletBalance::Read {
                        name,
                        coldkey: info.address,
                        free: info.free,
                        staked: info.staked,
                        unbonding: info.unbonding,
                        total: info
                            .free
                            .saturating_add(info.staked)
                            .saturating_add(info.unbonding),
                    }
                }
                Err(error) => WalletBalance::Unreadable {
                    name,
                    coldkey: None,
                    error,
                },
            });
        }
        if global.json {
            print_json(&rows)?;
            return Ok(ExitCode::SUCCESS);
        }
        if rows.is_empty() {
            println!("No local wallets. Create one with: taonet wallet create");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "wallet",
            "coldkey",
            "free",
            "staked",
            "unbonding",
            "total",
        ]);
        let mut sum = [Rao::ZERO; 4];
        let mut errors = Vec::new();
        for row in &rows {
            match row {
                WalletBalance::Read {
                    name,
                    coldkey,
                    free,
                    staked,
                    unbonding,
                    total,
                } => {
                    for (acc, v) in sum.iter_mut().zip([*free, *staked, *unbonding, *total]) {
                        *acc = acc.saturating_add(v);
                    }
                    t.add_row(vec![
                        name.clone(),
                        coldkey.clone(),
                        tao(*free),
                        tao(*staked),
                        tao(*unbonding),
                        tao(*total),
                    ]);
                }
                WalletBalance::Unreadable { name, error, .. } => {
                    t.add_row(vec![name.clone(), "unreadable (see below)".into()]);
                    errors.push(format!("wallet {name}: {error}"));
                }
            }
        }
        t.add_row(vec![
            "total".to_string(),
            String::new(),
            tao(sum[0]),
            tao(sum[1]),
            tao(sum[2]),
            tao(sum[3]),
        ]);
        println!("{t}");
        for e in errors {
            println!("{e}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `wallet transfer`: send TAO from the wallet's coldkey.
pub fn transfer(keys: &KeyOpts, a: &TransferArgs, global: Global) -> Result<ExitCode> {
    let dest = parse_ss58("--dest", &a.dest)?;
    let amount = parse_tao("--amount", &a.amount)?;
    let signer = keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let free = s.account(&signer.account_id()).await?.free;
        if amount > free && !global.json {
            eprintln!(
                "warning: the amount {} is more than the free balance {}; the transfer will fail",
                tao(amount),
                tao(free)
            );
        }
        let summary = [
            format!("Transfer {} to {}", tao(amount), dest.to_ss58()),
            format!("  free balance: {}", tao(free)),
        ];
        let call = Call::Balances(BalancesCall::Transfer { dest, amount });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "dest": dest.to_ss58(), "amount": amount }),
            &[format!("  sent {} to {}", tao(amount), dest.to_ss58())],
        )
    })
}
