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

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::json;
use taonet_client::{ChannelInfo, prelude::*};
use taonet_crypto::Ss58;
use taonet_crypto::secret_file::write_secret_file;
use taonet_crypto::wallet::Wallet;
use taonet_neuron::gateway::VoucherBook;
use taonet_types::channel::{
    MinerShare, SignedVoucher, Voucher, channel_id, voucher_from_hex, voucher_to_hex,
};
use taonet_types::tx::ChannelCall;
use taonet_types::{AccountId, Call, ChainDomain, Hash, NetUid, Rao};

use crate::args::{KeyOpts, RpcOpts, parse_ss58, parse_tao};
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, TxOutcome, block_on, rpc_error};
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
        ChannelCommand::Open(a) => open(&args, a, global),
        ChannelCommand::TopUp(a) => top_up(&args, a, global),
        ChannelCommand::Show(a) => show(&args, &a.id, global),
        ChannelCommand::List(a) => list(&args, a, global),
        ChannelCommand::Voucher(a) => voucher(&args, a, global),
        ChannelCommand::Claim(a) => claim(&args, a, global),
        ChannelCommand::Reclaim(a) => reclaim(&args, &a.id, global),
    }
}

/// Parses a channel id (exit 2 if malformed).
pub fn parse_channel_id(flag: &str, s: &str) -> Result<Hash> {
    Hash::from_hex(s.trim()).map_err(|e| usage!("{flag}: {s:?} is not a channel id: {e}"))
}

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

/// What the wallet has signed through one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payments {
    /// The channel's id.
    pub channel: Hash,
    /// The chain's id.
    pub chain_id: String,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The gateway hotkey (SS58).
    pub gateway: String,
    /// The highest amount a gateway acknowledged (answered a query for).
    pub paid: Rao,
    /// The highest amount ever signed.
    pub signed: Rao,
}

/// `<wallet>/channels/<id>.json`.
pub fn payments_path(wallet: &Wallet, id: &Hash) -> PathBuf {
    wallet
        .dir()
        .join("channels")
        .join(format!("{}.json", id.to_hex()))
}

/// The payment record at `path`, if any.
pub fn load_payments(path: &Path) -> Result<Option<Payments>> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .with_context(|| format!("{} is not a channel payment record", path.display()))
}

/// Writes a payment record atomically, readable by its owner only (its vouchers pay).
pub fn save_payments(path: &Path, p: &Payments) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(p)?;
    write_secret_file(path, &bytes, true).with_context(|| format!("writing {}", path.display()))
}

/// Every payment record of the wallet.
pub fn all_payments(wallet: &Wallet) -> Vec<Payments> {
    let dir = wallet.dir().join("channels");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<Payments> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| load_payments(&e.path()).ok().flatten())
        .collect();
    out.sort_by_key(|p| p.channel);
    out
}

/// The default voucher book of a gateway run with `wallet`'s hotkey `hotkey` on `netuid`.
pub fn default_book_path(wallet: &Wallet, hotkey: &str, netuid: NetUid) -> PathBuf {
    wallet
        .dir()
        .join("gateway")
        .join(format!("{hotkey}-netuid{netuid}.json"))
}

async fn channel(s: &Session, id: Hash) -> Result<ChannelInfo> {
    s.client
        .channel_get(id)
        .await
        .map_err(|e| rpc_error(e.into()))?
        .ok_or_else(|| {
            anyhow::anyhow!("channel {id} does not exist (never opened, or already reclaimed)")
        })
}

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

fn open(args: &ChannelArgs, a: &OpenArgs, global: Global) -> Result<ExitCode> {
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

fn top_up(args: &ChannelArgs, a: &TopUpArgs, global: Global) -> Result<ExitCode> {
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

fn show(args: &ChannelArgs, id: &str, global: Global) -> Result<ExitCode> {
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

fn list(args: &ChannelArgs, a: &ListArgs, global: Global) -> Result<ExitCode> {
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

/// Signs a voucher for `amount` on `c` and raises the wallet's `signed` record first.
pub fn sign_voucher(
    wallet: &Wallet,
    signer: &taonet_crypto::Keypair,
    c: &ChannelInfo,
    domain: &ChainDomain,
    amount: Rao,
) -> Result<SignedVoucher> {
    let path = payments_path(wallet, &c.id);
    let mut record = load_payments(&path)?.unwrap_or(Payments {
        channel: c.id,
        chain_id: domain.chain_id.clone(),
        genesis_hash: domain.genesis_hash,
        gateway: c.gateway.clone(),
        paid: Rao::ZERO,
        signed: Rao::ZERO,
    });
    if amount > record.signed {
        record.signed = amount;
        save_payments(&path, &record)?;
    }
    Ok(taonet_crypto::voucher::sign(
        signer,
        Voucher {
            channel: c.id,
            amount,
        },
        domain,
    ))
}

fn voucher(args: &ChannelArgs, a: &VoucherArgs, global: Global) -> Result<ExitCode> {
    let id = parse_channel_id("--channel", &a.channel)?;
    let amount = parse_tao("--amount", &a.amount)?;
    let wallet = args.keys.wallet()?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let c = channel(&s, id).await?;
        if c.opener != signer.ss58() {
            bail!(
                "channel {id} was opened by {}, not by this coldkey: its vouchers must be signed by the opener",
                c.opener
            );
        }
        if amount > c.deposit {
            bail!(
                "{} is more than the channel's deposit of {}: the chain would refuse it",
                tao(amount),
                tao(c.deposit)
            );
        }
        let domain = s.domain().await?;
        let v = sign_voucher(&wallet, &signer, &c, &domain, amount)?;
        let hex = voucher_to_hex(&v);
        if global.json {
            print_json(&json!({ "channel": id, "amount": amount, "voucher": hex, "signed": v }))?;
        } else {
            println!("{hex}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn claim(args: &ChannelArgs, a: &ClaimArgs, global: Global) -> Result<ExitCode> {
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

fn reclaim(args: &ChannelArgs, id: &str, global: Global) -> Result<ExitCode> {
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

    #[test]
    fn payment_records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = Wallet::new(dir.path(), "w").unwrap();
        let id = Hash([1; 32]);
        let path = payments_path(&wallet, &id);
        assert!(load_payments(&path).unwrap().is_none());
        let p = Payments {
            channel: id,
            chain_id: "c".into(),
            genesis_hash: Hash([2; 32]),
            gateway: "5G".into(),
            paid: Rao(3),
            signed: Rao(4),
        };
        save_payments(&path, &p).unwrap();
        assert_eq!(load_payments(&path).unwrap(), Some(p.clone()));
        assert_eq!(all_payments(&wallet), vec![p]);
    }
}
