//! `taonet channel …`: payment channels for pay-per-query access to a gateway.
//!
//! - `open --gateway HOTKEY --amount TAO --blocks N` locks TAO in a channel to a gateway
//!   hotkey until block `now + N`; prints the channel id (known before sending: it is derived
//!   from the coldkey and the transaction's nonce).
//! - `top-up ID [--amount TAO] [--blocks N]` adds TAO and/or moves the expiry N blocks later.
//! - `show ID`, `list [--ss58 ADDR]` read channels from the node (`list`: those the wallet's
//!   coldkey opened or whose gateway it owns).
//! - `voucher --channel ID --amount TAO` signs a voucher for a cumulative amount (hex, the
//!   form `claim --voucher` reads) — what `taonet query` does for each query.
//! - `claim` (gateway side, signed by the gateway hotkey's owner coldkey) redeems vouchers:
//!   from a gateway's voucher book (`--book PATH`, default the book `taonet validator run
//!   --gateway` keeps for this wallet and hotkey; stop the gateway first, or run it with
//!   `--no-claim`) or one `--voucher HEX` for `--channel ID`, with `--miner UID:UNITS` to
//!   pay miners their share.
//! - `reclaim ID` returns what was not claimed, once the channel has expired.
//!
//! The amounts signed per channel are kept in `<wallet>/channels/<id>.json` (written
//! atomically): `paid`, the highest amount a gateway acknowledged, and `signed`, the highest
//! ever signed, so cumulative vouchers keep increasing across runs and a gateway cannot make
//! the wallet sign for more than it really was sent.
//!
//! This module holds the arguments and the dispatch; the commands live by topic:
//! [`tx`] (`open`, `top-up`, `reclaim`: the opener's transactions), [`read`] (`show`,
//! `list`), [`voucher`] (`voucher` and the wallet's payment records) and [`claim`] (the
//! gateway side: `claim` from a voucher book or one voucher).

pub mod claim;
mod read;
pub mod tx;
pub mod voucher;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use taonet_client::{ChannelInfo, prelude::*};
use taonet_types::{Hash, NetUid};

use crate::args::{KeyOpts, RpcOpts};
use crate::session::{Session, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct ChannelArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: ChannelCommand,
}

#[derive(Subcommand, Debug)]
enum ChannelCommand {
    /// Open a channel to a gateway: lock TAO until a block.
    Open(OpenArgs),
    /// Add TAO to an open channel and/or move its expiry later.
    TopUp(TopUpArgs),
    /// One channel.
    Show(IdArg),
    /// Channels the wallet's coldkey opened or receives as a gateway owner.
    List(ListArgs),
    /// Sign a voucher for a cumulative amount (prints it as hex).
    Voucher(VoucherArgs),
    /// Redeem vouchers as the gateway's owner (from a gateway's book, or one voucher).
    Claim(ClaimArgs),
    /// Take back what was not claimed from an expired channel.
    Reclaim(IdArg),
}

#[derive(Args, Debug)]
struct OpenArgs {
    /// The gateway's hotkey (SS58; `GET /price` on the gateway shows it).
    #[arg(long, value_name = "SS58")]
    gateway: String,
    /// TAO to lock in the channel.
    #[arg(long, value_name = "TAO")]
    amount: String,
    /// Blocks until it expires (the gateway claims before; you reclaim after).
    #[arg(long, value_name = "N")]
    blocks: u64,
}

#[derive(Args, Debug)]
struct TopUpArgs {
    /// The channel id.
    id: String,
    /// TAO to add.
    #[arg(long, value_name = "TAO")]
    amount: Option<String>,
    /// Blocks to move the expiry later by.
    #[arg(long, value_name = "N")]
    blocks: Option<u64>,
}

#[derive(Args, Debug)]
struct IdArg {
    /// The channel id (0x + 64 hex digits).
    id: String,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Whose channels [default: the wallet's coldkey].
    #[arg(long, value_name = "SS58")]
    ss58: Option<String>,
}

#[derive(Args, Debug)]
struct VoucherArgs {
    /// The channel id.
    #[arg(long, value_name = "ID")]
    channel: String,
    /// The cumulative amount paid through the channel, in TAO.
    #[arg(long, value_name = "TAO")]
    amount: String,
}

#[derive(Args, Debug)]
struct ClaimArgs {
    /// A gateway's voucher book [default: the book `validator run --gateway` keeps for this
    /// wallet, hotkey and --netuid].
    #[arg(long, value_name = "PATH", conflicts_with = "voucher")]
    book: Option<PathBuf>,
    /// Only this channel.
    #[arg(long, value_name = "ID")]
    channel: Option<String>,
    /// One voucher (hex, as `channel voucher` prints it) instead of a book.
    #[arg(long, value_name = "HEX", requires = "channel")]
    voucher: Option<String>,
    /// The subnet the miners answered on.
    #[arg(long, default_value_t = 1)]
    netuid: NetUid,
    /// A miner that answered and its units (repeatable), with --voucher.
    #[arg(long = "miner", value_name = "UID:UNITS", requires = "voucher")]
    miners: Vec<String>,
}

pub fn run(args: ChannelArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        ChannelCommand::Open(a) => tx::open(&args, a, global),
        ChannelCommand::TopUp(a) => tx::top_up(&args, a, global),
        ChannelCommand::Show(a) => read::show(&args, &a.id, global),
        ChannelCommand::List(a) => read::list(&args, a, global),
        ChannelCommand::Voucher(a) => voucher::voucher(&args, a, global),
        ChannelCommand::Claim(a) => claim::claim(&args, a, global),
        ChannelCommand::Reclaim(a) => tx::reclaim(&args, &a.id, global),
    }
}

/// Parses a channel id (exit 2 if malformed).
pub fn parse_channel_id(flag: &str, s: &str) -> Result<Hash> {
    Hash::from_hex(s.trim()).map_err(|e| usage!("{flag}: {s:?} is not a channel id: {e}"))
}

/// The channel `id` as the node reports it; an error in words if it does not exist.
async fn channel(s: &Session, id: Hash) -> Result<ChannelInfo> {
    s.client
        .channel_get(id)
        .await
        .map_err(|e| rpc_error(e.into()))?
        .ok_or_else(|| {
            anyhow::anyhow!("channel {id} does not exist (never opened, or already reclaimed)")
        })
}
