//! The read commands: `show ID` (one channel, as text or `--json`) and `list` (the channels
//! an address opened or receives as a gateway owner, with its role in each).

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use taonet_client::{ChannelInfo, prelude::*};
use taonet_crypto::Ss58;

use super::{ChannelArgs, ListArgs, channel, parse_channel_id};
use crate::Global;
use crate::args::parse_ss58;
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};

/// A channel in words, one field a line.
fn print_channel(c: &ChannelInfo) {
    println!("Channel {}", c.id);
    println!("  opener:      {}", c.opener);
    println!("  gateway:     {} (owner {})", c.gateway, c.gateway_owner);
    println!("  deposit:     {}", tao(c.deposit));
    println!(
        "  claimed:     {} ({} of it to miners)",
        tao(c.claimed),
        tao(c.paid_to_miners)
    );
    println!("  remaining:   {}", tao(c.remaining));
    println!(
        "  expiry:      block {} (now {}){}",
        c.expiry,
        c.height,
        if c.expired {
            " — expired: the opener may reclaim"
        } else {
            ""
        }
    );
    println!("  opened at:   block {}", c.opened_at);
}

/// `channel show ID`: one channel, in words or as JSON.
pub(super) fn show(args: &ChannelArgs, id: &str, global: Global) -> Result<ExitCode> {
    let id = parse_channel_id("ID", id)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let c = channel(&s, id).await?;
        if global.json {
            print_json(&c)?;
        } else {
            print_channel(&c);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `channel list`: a table of the address's channels and its role in each.
pub(super) fn list(args: &ChannelArgs, a: &ListArgs, global: Global) -> Result<ExitCode> {
    let who = match &a.ss58 {
        Some(s) => parse_ss58("--ss58", s)?,
        None => args.keys.coldkey_account()?,
    };
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let channels = s
            .client
            .channel_list(who.to_ss58())
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "address": who.to_ss58(), "channels": channels }))?;
            return Ok(ExitCode::SUCCESS);
        }
        if channels.is_empty() {
            println!("(no open channels for {})", who.to_ss58());
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "id",
            "role",
            "gateway",
            "deposit",
            "claimed",
            "remaining",
            "expiry",
        ]);
        for c in &channels {
            let role = if c.opener == who.to_ss58() {
                "opener"
            } else {
                "gateway"
            };
            t.add_row(vec![
                c.id.to_hex(),
                role.to_string(),
                short(&c.gateway),
                tao(c.deposit),
                tao(c.claimed),
                tao(c.remaining),
                format!("{}{}", c.expiry, if c.expired { " (expired)" } else { "" }),
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}
