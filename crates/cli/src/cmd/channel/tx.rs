//! The opener's transactions: `open` (also [`open_channel`] for `taonet query --open`),
//! `top-up` and `reclaim`.
//!
//! Each checks what the chain would refuse first (a duration outside
//! `2..=max_channel_duration`, a zero deposit, a channel this coldkey did not open, a
//! reclaim before expiry) so the user gets the reason in words without paying a fee.
//! `open` starts the channel's payment record in the wallet ([`super::voucher`]).

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use taonet_crypto::Ss58;
use taonet_crypto::wallet::Wallet;
use taonet_types::channel::channel_id;
use taonet_types::tx::ChannelCall;
use taonet_types::{AccountId, Call, Hash, Rao};

use super::voucher::{Payments, load_payments, payments_path, save_payments};
use super::{ChannelArgs, OpenArgs, TopUpArgs, channel, parse_channel_id};
use crate::args::{parse_ss58, parse_tao};
use crate::output::tao;
use crate::session::{Session, TxOutcome, block_on};
use crate::{Global, usage};

/// Opens a channel and starts its payment record in the wallet; returns its id (on
/// success) and the outcome. Used by `taonet query --open` too.
pub async fn open_channel(
    s: &Session,
    wallet: &Wallet,
    signer: &taonet_crypto::Keypair,
    gateway: AccountId,
    amount: Rao,
    blocks: u64,
) -> Result<(Option<Hash>, TxOutcome)> {
    let params = s.params().await?;
    if blocks < 2 || blocks > params.max_channel_duration {
        return Err(usage!(
            "--blocks must be 2 to {} (max_channel_duration), got {blocks}",
            params.max_channel_duration
        ));
    }
    if amount.0 == 0 {
        return Err(usage!("--amount must be greater than zero"));
    }
    let height = s.finalized_height().await?;
    let expiry = height + blocks;
    let summary = [
        format!("Open a payment channel to gateway {}", gateway.to_ss58()),
        format!("  deposit: {} (locked until block {expiry})", tao(amount)),
        format!(
            "  the gateway may claim vouchers until then; reclaim the rest from block {expiry}"
        ),
    ];
    let call = Call::Channels(ChannelCall::Open {
        gateway,
        deposit: amount,
        expiry,
    });
    let outcome = s.send(signer, call, &summary).await?;
    if !outcome.success {
        return Ok((None, outcome));
    }
    // The id is the opener's and the transaction's nonce (see `channel_id`).
    let id = channel_id(&signer.account_id(), outcome.nonce);
    let domain = s.domain().await?;
    let path = payments_path(wallet, &id);
    if load_payments(&path)?.is_none() {
        save_payments(
            &path,
            &Payments {
                channel: id,
                chain_id: domain.chain_id,
                genesis_hash: domain.genesis_hash,
                gateway: gateway.to_ss58(),
                paid: Rao::ZERO,
                signed: Rao::ZERO,
            },
        )?;
    }
    Ok((Some(id), outcome))
}

/// `channel open`: [`open_channel`], then the channel as the node reports it.
pub(super) fn open(args: &ChannelArgs, a: &OpenArgs, global: Global) -> Result<ExitCode> {
    let gateway = parse_ss58("--gateway", &a.gateway)?;
    let amount = parse_tao("--amount", &a.amount)?;
    let wallet = args.keys.wallet()?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let (id, outcome) = open_channel(&s, &wallet, &signer, gateway, amount, a.blocks).await?;
        let mut notes = Vec::new();
        let mut info = None;
        if let Some(id) = id {
            let c = channel(&s, id).await?;
            notes.push(format!("  channel {id}"));
            notes.push(format!(
                "  {} locked until block {}; pay with `taonet query --gateway URL --channel {id} \"TEXT\"`",
                tao(c.deposit),
                c.expiry
            ));
            info = Some(c);
        }
        s.finish(&outcome, json!({ "channel": id, "info": info }), &notes)
    })
}

/// `channel top-up`: only the opener may add to or extend a channel.
pub(super) fn top_up(args: &ChannelArgs, a: &TopUpArgs, global: Global) -> Result<ExitCode> {
    let id = parse_channel_id("ID", &a.id)?;
    let amount = match &a.amount {
        Some(t) => parse_tao("--amount", t)?,
        None => Rao::ZERO,
    };
    let extend = a.blocks.unwrap_or(0);
    if amount.0 == 0 && extend == 0 {
        return Err(usage!("say what to change: --amount TAO and/or --blocks N"));
    }
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let c = channel(&s, id).await?;
        if c.opener != signer.ss58() {
            bail!(
                "channel {id} was opened by {}, not by this coldkey",
                c.opener
            );
        }
        let expiry = c.expiry + extend;
        let summary = [
            format!("Top up channel {id}"),
            format!(
                "  deposit: {} → {}",
                tao(c.deposit),
                tao(Rao(c.deposit.0.saturating_add(amount.0)))
            ),
            format!("  expiry: block {} → {expiry}", c.expiry),
        ];
        let call = Call::Channels(ChannelCall::TopUp {
            channel: id,
            amount,
            expiry,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "channel": id, "expiry": expiry, "added": amount }),
            &[],
        )
    })
}

/// `channel reclaim`: the opener takes back the rest once the channel has expired.
pub(super) fn reclaim(args: &ChannelArgs, id: &str, global: Global) -> Result<ExitCode> {
    let id = parse_channel_id("ID", id)?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let c = channel(&s, id).await?;
        if c.opener != signer.ss58() {
            bail!(
                "channel {id} was opened by {}, not by this coldkey",
                c.opener
            );
        }
        if !c.expired {
            bail!(
                "channel {id} can be reclaimed from block {} (now {}); the gateway may claim until then",
                c.expiry,
                c.height
            );
        }
        let summary = [format!(
            "Reclaim {} from expired channel {id} (deposit {}, claimed {})",
            tao(c.remaining),
            tao(c.deposit),
            tao(c.claimed)
        )];
        let call = Call::Channels(ChannelCall::Reclaim { channel: id });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "channel": id, "returned": c.remaining, "claimed": c.claimed }),
            &[format!("  {} returned", tao(c.remaining))],
        )
    })
}
