//! `taonet wallet set-identity`, `get-identity` and `clear-identity`: the coldkey's on-chain
//! identity (btcli's chain identity).
//!
//! - `set-identity --name N [--url U] [--description D]` signs `identity.set` with the
//!   wallet's coldkey: a paying call that replaces the coldkey's identity. The texts are
//!   checked before anything is signed, by the runtime's own rule
//!   ([`taonet_runtime::identity::check_identity`]: a name, each text at most 256 bytes, no
//!   control characters), so bad input exits 2 without paying a fee.
//! - `clear-identity` signs `identity.clear` (refused by the chain, fee paid, when the
//!   coldkey has none; so it is checked first and exits 1 without sending).
//! - `get-identity [--ss58 ADDRESS]` reads `state_getIdentity` of the address or the wallet's
//!   coldkey. With `--json` it prints `{"address", "identity"}`, `identity` being
//!   `{"name", "url", "description", "block"}` or `null`.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::json;
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::IdentityCall;

use crate::args::{KeyOpts, RpcOpts, parse_ss58};
use crate::output::{print_json, table};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

/// `wallet set-identity`.
#[derive(Args, Debug)]
pub struct SetIdentityArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// Display name (1 to 256 bytes, no control characters).
    #[arg(long, value_name = "TEXT")]
    name: String,
    /// A URL (at most 256 bytes).
    #[arg(long, value_name = "URL", default_value = "")]
    url: String,
    /// A description (at most 256 bytes, one line).
    #[arg(long, value_name = "TEXT", default_value = "")]
    description: String,
}

/// `wallet clear-identity`.
#[derive(Args, Debug)]
pub struct ClearIdentityArgs {
    #[command(flatten)]
    rpc: RpcOpts,
}

/// `wallet get-identity`.
#[derive(Args, Debug)]
pub struct GetIdentityArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// Show this address's identity instead of the wallet coldkey's.
    #[arg(long, value_name = "SS58")]
    ss58: Option<String>,
}

/// `wallet set-identity`: signs `identity.set` with the coldkey.
pub fn set_identity(keys: &KeyOpts, a: &SetIdentityArgs, global: Global) -> Result<ExitCode> {
    taonet_runtime::identity::check_identity(&a.name, &a.url, &a.description)
        .map_err(|e| usage!("{e}"))?;
    let signer = keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let mut summary = vec![
            format!("Set the on-chain identity of {}", signer.ss58()),
            format!("  name: {}", a.name),
        ];
        if !a.url.is_empty() {
            summary.push(format!("  url: {}", a.url));
        }
        if !a.description.is_empty() {
            summary.push(format!("  description: {}", a.description));
        }
        let call = Call::Identity(IdentityCall::Set {
            name: a.name.clone(),
            url: a.url.clone(),
            description: a.description.clone(),
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({
                "address": signer.ss58(),
                "name": a.name,
                "url": a.url,
                "description": a.description,
            }),
            &[format!(
                "  identity of {} is now “{}”",
                signer.ss58(),
                a.name
            )],
        )
    })
}

/// `wallet clear-identity`: signs `identity.clear` with the coldkey.
pub fn clear_identity(keys: &KeyOpts, a: &ClearIdentityArgs, global: Global) -> Result<ExitCode> {
    let signer = keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let current = s
            .client
            .state_get_identity(signer.ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        let Some(current) = current else {
            bail!(
                "{} has no on-chain identity to clear (set one with `taonet wallet set-identity`)",
                signer.ss58()
            );
        };
        let summary = [format!(
            "Clear the on-chain identity of {} (now “{}”)",
            signer.ss58(),
            current.name
        )];
        let outcome = s
            .send(&signer, Call::Identity(IdentityCall::Clear), &summary)
            .await?;
        s.finish(
            &outcome,
            json!({ "address": signer.ss58() }),
            &[format!("  {} has no identity now", signer.ss58())],
        )
    })
}

/// `wallet get-identity`: reads `state_getIdentity`.
pub fn get_identity(keys: &KeyOpts, a: &GetIdentityArgs, global: Global) -> Result<ExitCode> {
    let who = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let got = s
            .client
            .state_get_identity(who.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "address": who.to_ss58(), "identity": got }))?;
            return Ok(ExitCode::SUCCESS);
        }
        let Some(id) = got else {
            println!("{} has no on-chain identity", who.to_ss58());
            return Ok(ExitCode::SUCCESS);
        };
        let mut t = table(vec!["identity", &who.to_ss58()]);
        for (k, v) in [
            ("name", id.name),
            ("url", id.url),
            ("description", id.description),
            ("block", format!("#{}", id.block)),
        ] {
            t.add_row(vec![k.to_string(), v]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}
