//! The gateway side: `channel claim` redeems vouchers, signed by the gateway hotkey's owner
//! coldkey.
//!
//! From a voucher book (`--book`, default [`default_book_path`], the book `taonet validator
//! run --gateway` keeps): every channel with an unclaimed amount (or only `--channel`), each
//! claim recorded in the book once it succeeded, the miners paid by the units the book
//! counted for them (only those whose uid still has the same hotkey in the metagraph). Or
//! one `--voucher HEX` for `--channel ID`, with `--miner UID:UNITS` shares. A voucher must be
//! for the channel and above what was already claimed; with a book the command goes on past
//! a failed claim and exits 1 at the end.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use taonet_client::{ChannelInfo, prelude::*};
use taonet_crypto::wallet::Wallet;
use taonet_neuron::gateway::VoucherBook;
use taonet_types::channel::{MinerShare, SignedVoucher, voucher_from_hex};
use taonet_types::tx::ChannelCall;
use taonet_types::{Call, Hash, NetUid, Rao};

use super::{ChannelArgs, ClaimArgs, channel, parse_channel_id};
use crate::output::{print_json, tao};
use crate::session::{Session, TxOutcome, block_on, rpc_error};
use crate::{Global, usage};

/// The default voucher book of a gateway run with `wallet`'s hotkey `hotkey` on `netuid`.
pub fn default_book_path(wallet: &Wallet, hotkey: &str, netuid: NetUid) -> PathBuf {
    wallet
        .dir()
        .join("gateway")
        .join(format!("{hotkey}-netuid{netuid}.json"))
}

/// A `--miner UID:UNITS` share (exit 2 if malformed or zero units).
fn parse_miner(s: &str) -> Result<MinerShare> {
    let (uid, units) = s
        .split_once(':')
        .ok_or_else(|| usage!("--miner {s:?}: expected UID:UNITS"))?;
    let uid = uid
        .trim()
        .parse()
        .map_err(|_| usage!("--miner {s:?}: {uid:?} is not a uid"))?;
    let units: u64 = units
        .trim()
        .parse()
        .map_err(|_| usage!("--miner {s:?}: {units:?} is not a number of units"))?;
    if units == 0 {
        return Err(usage!("--miner {s:?}: units must be greater than zero"));
    }
    Ok(MinerShare { uid, units })
}

/// `channel claim`: one voucher, or every channel due in a voucher book.
pub(super) fn claim(args: &ChannelArgs, a: &ClaimArgs, global: Global) -> Result<ExitCode> {
    let only = match &a.channel {
        Some(c) => Some(parse_channel_id("--channel", c)?),
        None => None,
    };
    let single = match &a.voucher {
        Some(hex) => Some(voucher_from_hex(hex).map_err(|e| usage!("--voucher: {e}"))?),
        None => None,
    };
    let miners = a
        .miners
        .iter()
        .map(|m| parse_miner(m))
        .collect::<Result<Vec<_>>>()?;
    let book_path = match (&a.book, &single) {
        (Some(p), _) => Some(p.clone()),
        (None, None) => Some(default_book_path(
            &args.keys.wallet()?,
            &args.keys.hotkey,
            a.netuid,
        )),
        (None, Some(_)) => None,
    };
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        if let (Some(v), Some(id)) = (single, only) {
            let c = channel(&s, id).await?;
            if c.gateway_owner != signer.ss58() {
                bail!(
                    "channel {id} pays gateway {} owned by {}; this coldkey cannot claim it",
                    c.gateway,
                    c.gateway_owner
                );
            }
            let outcome = send_claim(&s, &signer, &c, v, a.netuid, &miners).await?;
            return s.finish(
                &outcome,
                json!({ "channel": id, "amount": v.voucher.amount }),
                &[],
            );
        }
        let Some(path) = book_path else {
            return Err(usage!("pass --book PATH or --channel ID --voucher HEX"));
        };
        let mut book = VoucherBook::load(&path).map_err(|e| usage!("{e}"))?;
        let hotkeys: std::collections::BTreeMap<u16, String> = s
            .client
            .state_get_metagraph(book.netuid, false, false)
            .await
            .map_err(|e| rpc_error(e.into()))?
            .map(|m| m.neurons.into_iter().map(|n| (n.uid, n.hotkey)).collect())
            .unwrap_or_default();
        let due: Vec<(Hash, taonet_neuron::gateway::BookEntry)> = book
            .channels
            .iter()
            .filter(|(id, e)| only.is_none_or(|o| o == **id) && e.unclaimed() > Rao::ZERO)
            .map(|(id, e)| (*id, e.clone()))
            .collect();
        if due.is_empty() {
            if global.json {
                print_json(&json!({ "book": path, "claims": [] }))?;
            } else {
                println!("nothing to claim in {}", path.display());
            }
            return Ok(ExitCode::SUCCESS);
        }
        let mut results = Vec::new();
        let mut failed = false;
        for (id, entry) in due {
            let c = match channel(&s, id).await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("✘ {id}: {e}");
                    failed = true;
                    continue;
                }
            };
            let shares = entry.claim_miners(|uid| hotkeys.get(&uid).cloned());
            let outcome = send_claim(&s, &signer, &c, entry.voucher, book.netuid, &shares).await?;
            if outcome.success {
                book.mark_claimed(&id, entry.voucher.voucher.amount, &shares);
                book.save(&path)?;
                if !global.json {
                    println!(
                        "✔ claimed {} on channel {id} in block #{} (fee {})",
                        tao(entry.unclaimed()),
                        outcome.block_height.unwrap_or(0),
                        tao(outcome.fee.unwrap_or_default())
                    );
                }
            } else {
                failed = true;
                eprintln!("✘ {id}: {}", outcome.error.clone().unwrap_or_default());
            }
            let mut j = outcome.to_json();
            if let Some(o) = j.as_object_mut() {
                o.insert("channel".into(), json!(id));
                o.insert("amount".into(), json!(entry.voucher.voucher.amount));
            }
            results.push(j);
        }
        if global.json {
            print_json(&json!({ "book": path, "claims": results }))?;
        }
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    })
}

/// Checks `v` against `c` and sends the claim, paying `miners` on `netuid`.
async fn send_claim(
    s: &Session,
    signer: &taonet_crypto::Keypair,
    c: &ChannelInfo,
    v: SignedVoucher,
    netuid: NetUid,
    miners: &[MinerShare],
) -> Result<TxOutcome> {
    if v.voucher.channel != c.id {
        bail!(
            "the voucher is for channel {}, not {}",
            v.voucher.channel,
            c.id
        );
    }
    if v.voucher.amount <= c.claimed {
        bail!(
            "the voucher for {} is not above the {} already claimed on channel {}",
            tao(v.voucher.amount),
            tao(c.claimed),
            c.id
        );
    }
    let mut summary = vec![
        format!(
            "Claim {} from channel {}",
            tao(v.voucher.amount.saturating_sub(c.claimed)),
            c.id
        ),
        format!(
            "  voucher: {} in total (already claimed {})",
            tao(v.voucher.amount),
            tao(c.claimed)
        ),
    ];
    if !miners.is_empty() {
        summary.push(format!(
            "  miners of subnet {netuid}: {}",
            miners
                .iter()
                .map(|m| format!("uid {} ({} units)", m.uid, m.units))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let call = Call::Channels(ChannelCall::Claim {
        channel: c.id,
        voucher: v,
        netuid,
        miners: miners.to_vec(),
    });
    s.send(signer, call, &summary).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_miners_and_ids() {
        assert_eq!(
            parse_miner("3:40").unwrap(),
            MinerShare { uid: 3, units: 40 }
        );
        for bad in ["3", "x:1", "1:y", "1:0"] {
            assert!(
                parse_miner(bad)
                    .unwrap_err()
                    .downcast_ref::<crate::UsageError>()
                    .is_some(),
                "{bad}"
            );
        }
        assert!(parse_channel_id("ID", "0x12").is_err());
        let id = Hash([5; 32]);
        assert_eq!(parse_channel_id("ID", &id.to_hex()).unwrap(), id);
    }
}
