//! `taonet wallet balance` and `taonet wallet transfer`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use serde_json::json;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::BalancesCall;

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
    #[arg(long, value_name = "SS58")]
    ss58: Option<String>,
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

/// `wallet balance`: free, staked, unbonding and nonce of an account.
pub fn balance(keys: &KeyOpts, a: &BalanceArgs, global: Global) -> Result<ExitCode> {
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
