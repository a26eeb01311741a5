//! `taonet query --gateway URL "TEXT"`: ask a subnet through a gateway, paying per query
//! from a payment channel.
//!
//! 1. `GET /price` on the gateway: its hotkey, subnet, prices and chain. The subnet must be
//!    `--netuid` and the chain the one `--rpc` serves.
//! 2. The channel: `--channel ID`, else the wallet's open channel to that gateway with the
//!    most left (from `<wallet>/channels/`), else, with `--open TAO`, a new one lasting
//!    `--blocks` blocks (the opening transaction is confirmed like any other).
//! 3. The voucher: the amount already paid through the channel (the wallet's record, or what
//!    the chain shows claimed, whichever is higher) plus this query's price, signed by the
//!    coldkey. If the gateway answers that it holds more than the wallet's record (an earlier
//!    answer was lost), the wallet adopts that amount — only up to what it has itself signed
//!    — and retries once.
//! 4. Prints the continuation and the miners that contributed (`--json`: the gateway's
//!    answer with the channel and the amounts).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;
use serde_json::json;
use taonet_client::{ChannelInfo, prelude::*};
use taonet_crypto::Ss58;
use taonet_neuron::gateway::{
    GatewayCallError, GatewayClient, PriceInfo, QueryRequest, VoucherPayment,
};
use taonet_types::{AccountId, NetUid, Rao};

use crate::args::{KeyOpts, RpcOpts, parse_tao};
use crate::cmd::channel::parse_channel_id;
use crate::cmd::channel::tx::open_channel;
use crate::cmd::channel::voucher::{
    Payments, all_payments, load_payments, payments_path, save_payments, sign_voucher,
};
use crate::output::{print_json, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The text to continue.
    prompt: String,
    /// The gateway's URL (`http://HOST:PORT`) [default: $TAONET_GATEWAY, else the running
    /// local network's gateway].
    #[arg(long, env = "TAONET_GATEWAY", value_name = "URL")]
    gateway: Option<String>,
    /// The subnet to ask (must be the gateway's).
    #[arg(long, default_value_t = 1)]
    netuid: NetUid,
    /// The channel that pays [default: the wallet's open channel to this gateway].
    #[arg(long, value_name = "ID")]
    channel: Option<String>,
    /// Open a channel with this much TAO if there is no usable one.
    #[arg(long, value_name = "TAO")]
    open: Option<String>,
    /// Blocks the channel opened by --open lasts.
    #[arg(long, default_value_t = 3_600, value_name = "N")]
    blocks: u64,
    /// Most bytes to generate.
    #[arg(long, default_value_t = 32)]
    max_bytes: u32,
    /// Sample with this seed (default: greedy, the most likely byte each time).
    #[arg(long)]
    seed: Option<u64>,
    /// Seconds to wait for the gateway's answer.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
}

pub fn run(a: QueryArgs, global: Global) -> Result<ExitCode> {
    if a.max_bytes == 0 {
        return Err(usage!("--max-bytes must be at least 1"));
    }
    let open_amount = match &a.open {
        Some(t) => Some(parse_tao("--open", t)?),
        None => None,
    };
    let explicit = match &a.channel {
        Some(c) => Some(parse_channel_id("--channel", c)?),
        None => None,
    };
    let url = match &a.gateway {
        Some(url) => url.clone(),
        None => crate::context::Localnet::running()
            .and_then(|net| {
                net.neurons
                    .iter()
                    .filter(|n| crate::context::pid_alive(n.pid))
                    .find_map(|n| n.gateway.as_ref().map(|g| format!("http://{g}")))
            })
            .ok_or_else(|| {
                usage!(
                    "no gateway: pass --gateway URL (or set TAONET_GATEWAY); no local network with a gateway is running"
                )
            })?,
    };
    let gateway = GatewayClient::new(&url, Duration::from_secs(a.timeout.max(1)))
        .map_err(|e| usage!("--gateway: {e}"))?;
    let wallet = a.keys.wallet()?;
    let signer = a.keys.coldkey(global)?;
    block_on(async {
        let price_info = gateway.price().await?;
        if price_info.netuid != a.netuid {
            bail!(
                "the gateway at {} serves subnet {}, not --netuid {}",
                gateway.url(),
                price_info.netuid,
                a.netuid
            );
        }
        if a.max_bytes > price_info.max_bytes {
            return Err(usage!(
                "--max-bytes {} is above the gateway's limit of {}",
                a.max_bytes,
                price_info.max_bytes
            ));
        }
        let s = Session::connect(&a.rpc, global).await?;
        let domain = s.domain().await?;
        if price_info.chain_id != domain.chain_id || price_info.genesis_hash != domain.genesis_hash
        {
            bail!(
                "the gateway settles on chain {} ({}), but the node at --rpc serves {} ({})",
                price_info.chain_id,
                price_info.genesis_hash,
                domain.chain_id,
                domain.genesis_hash
            );
        }
        let price = taonet_neuron::gateway::Prices {
            per_query: price_info.per_query,
            per_byte: price_info.per_byte,
        }
        .price(a.max_bytes)
        .ok_or_else(|| anyhow::anyhow!("the gateway's price overflows"))?;
        let gateway_hotkey = AccountId::from_ss58(&price_info.gateway)
            .map_err(|e| anyhow::anyhow!("the gateway's hotkey {}: {e}", price_info.gateway))?;

        let channel = match explicit {
            Some(id) => {
                let c = s
                    .client
                    .channel_get(id)
                    .await
                    .map_err(|e| rpc_error(e.into()))?
                    .ok_or_else(|| anyhow::anyhow!("channel {id} does not exist"))?;
                if c.opener != signer.ss58() {
                    bail!(
                        "channel {id} was opened by {}, not by this coldkey",
                        c.opener
                    );
                }
                if c.gateway != price_info.gateway {
                    bail!(
                        "channel {id} pays gateway {}, but {} is gateway {}",
                        c.gateway,
                        gateway.url(),
                        price_info.gateway
                    );
                }
                c
            }
            None => match usable_channel(&s, &wallet, &price_info, price).await? {
                Some(c) => c,
                None => {
                    let Some(amount) = open_amount else {
                        bail!(
                            "no open channel to gateway {g} with {p} left; open one with `taonet channel open --gateway {g} --amount TAO --blocks N`, or pass --open TAO",
                            g = price_info.gateway,
                            p = tao(price)
                        );
                    };
                    let (id, outcome) =
                        open_channel(&s, &wallet, &signer, gateway_hotkey, amount, a.blocks)
                            .await?;
                    let Some(id) = id else {
                        bail!(
                            "opening the channel failed: {}",
                            outcome.error.unwrap_or_default()
                        );
                    };
                    s.say(format!("opened channel {id} with {}", tao(amount)));
                    s.client
                        .channel_get(id)
                        .await
                        .map_err(|e| rpc_error(e.into()))?
                        .ok_or_else(|| anyhow::anyhow!("channel {id} is not on chain"))?
                }
            },
        };
        let path = payments_path(&wallet, &channel.id);
        let record = load_payments(&path)?;
        let mut paid = record
            .as_ref()
            .map_or(Rao::ZERO, |r| r.paid)
            .max(channel.claimed);
        let signed_max = record.as_ref().map_or(Rao::ZERO, |r| r.signed);
        let mut retried = false;
        loop {
            let amount = paid
                .checked_add(price)
                .ok_or_else(|| anyhow::anyhow!("amount overflow"))?;
            if amount > channel.deposit {
                bail!(
                    "channel {} has {} left but this query costs {}: top it up with `taonet channel top-up {} --amount TAO`",
                    channel.id,
                    tao(channel.deposit.saturating_sub(paid)),
                    tao(price),
                    channel.id
                );
            }
            let v = sign_voucher(&wallet, &signer, &channel, &domain, amount)?;
            let request = QueryRequest {
                channel: channel.id,
                voucher: VoucherPayment {
                    amount,
                    signature: v.signature,
                },
                prompt: a.prompt.clone(),
                max_bytes: a.max_bytes,
                seed: a.seed,
            };
            match gateway.query(&request).await {
                Ok(answer) => {
                    let mut r = load_payments(&path)?.unwrap_or(Payments {
                        channel: channel.id,
                        chain_id: domain.chain_id.clone(),
                        genesis_hash: domain.genesis_hash,
                        gateway: channel.gateway.clone(),
                        paid: Rao::ZERO,
                        signed: amount,
                    });
                    r.paid = r.paid.max(amount);
                    save_payments(&path, &r)?;
                    if global.json {
                        print_json(&json!({
                            "prompt": a.prompt,
                            "gateway": gateway.url(),
                            "answer": answer,
                        }))?;
                    } else {
                        println!("{}{}", a.prompt, answer.text);
                        eprintln!(
                            "paid {} (channel {}: {} paid in total, {} left)",
                            tao(answer.paid),
                            answer.channel,
                            tao(answer.total_paid),
                            tao(answer.remaining)
                        );
                        for m in &answer.miners {
                            eprintln!(
                                "  miner uid {} ({}): weight {:.3}, {} units",
                                m.uid, m.hotkey, m.weight, m.units
                            );
                        }
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                Err(GatewayCallError::Refused { body, .. })
                    if body.error == "voucher_too_low" && !retried =>
                {
                    let accepted = body.accepted.unwrap_or(Rao::ZERO);
                    let signed_now = signed_max.max(amount);
                    if accepted <= paid || accepted > signed_now {
                        bail!(
                            "the gateway says it holds {} on channel {} but this wallet has paid {} and never signed more than {}: {}",
                            tao(accepted),
                            channel.id,
                            tao(paid),
                            tao(signed_now),
                            body.message
                        );
                    }
                    // An earlier answer was lost after the gateway took its voucher.
                    s.say(format!(
                        "the gateway holds {} (an earlier answer was lost); paying on from there",
                        tao(accepted)
                    ));
                    paid = accepted;
                    retried = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
    })
}

/// The wallet's open channel to the gateway with the most left, if one can pay `price` and
/// has time left.
async fn usable_channel(
    s: &Session,
    wallet: &taonet_crypto::wallet::Wallet,
    price_info: &PriceInfo,
    price: Rao,
) -> Result<Option<ChannelInfo>> {
    let mut best: Option<(Rao, ChannelInfo)> = None;
    for record in all_payments(wallet) {
        if record.gateway != price_info.gateway || record.genesis_hash != price_info.genesis_hash {
            continue;
        }
        let Ok(Some(c)) = s.client.channel_get(record.channel).await else {
            continue;
        };
        let left = c.deposit.saturating_sub(record.paid.max(c.claimed));
        if c.height + price_info.min_blocks_left >= c.expiry || left < price {
            continue;
        }
        if best.as_ref().is_none_or(|(l, _)| left > *l) {
            best = Some((left, c));
        }
    }
    Ok(best.map(|(_, c)| c))
}
