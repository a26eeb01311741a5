//! `taonet wallet overview`: btcli's most-used view of a coldkey — balances, every hotkey with
//! the coldkey's stake on it, and every subnet registration of those hotkeys — for one wallet
//! or (`--all`) every local wallet.
//!
//! # Rules
//! - The chain's part comes from `state_getOverview` (one call per page of 256 hotkeys, all
//!   pages from one finalized block: if the chain moves on between pages, the read starts over,
//!   at most [`MAX_ATTEMPTS`] times), so the figures agree with each other.
//! - `hotkeys` = the hotkeys the coldkey owns on chain, plus the wallet's local hotkey files,
//!   plus every hotkey the coldkey has stake on (its delegations), each once; sorted by local
//!   name (hotkeys without one last), then by SS58. `name` is the local hotkey name (the first
//!   in name order if several files hold the same key) or null; `stake` is this coldkey's stake
//!   on the hotkey; `total_stake` is the sum of those, so it equals the coldkey's staked total.
//! - A local hotkey the coldkey neither owns nor stakes on still shows its registrations (it
//!   may be owned by another coldkey), read with `state_getDelegate` and `state_getNeuron` —
//!   extra reads only for such hotkeys.
//! - A registration carries the neuron's row of the metagraph: `stake` is the hotkey's total
//!   stake, `incentive` and `dividends` u16 proportions (as `subnet metagraph --json`),
//!   `emission` rao at the subnet's last epoch, `axon` `"ip:port"` or null, `last_update` the
//!   block of its last weights.
//! - JSON (amounts in rao): `{"coldkey", "free", "unbonding", "total_stake", "hotkeys": [{"ss58",
//!   "name", "stake", "registrations": [{"netuid", "uid", "stake", "incentive", "dividends",
//!   "emission", "validator_permit", "axon", "last_update"}]}]}`. `--all` prints an array of
//!   these, one per local wallet ([`crate::cmd::wallet::local_wallets`]) with its name under
//!   `"wallet"`; a wallet whose coldkey address cannot be read is listed as `{"wallet",
//!   "coldkey": null, "error"}` instead of failing the command.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use serde::Serialize;
use taonet_client::prelude::*;
use taonet_client::types::{Overview, OverviewRegistration};
use taonet_crypto::Ss58;
use taonet_crypto::wallet::Wallet;
use taonet_types::{AccountId, Rao};

use crate::Global;
use crate::args::{KeyOpts, RpcOpts};
use crate::output::{print_json, short, table, tao, unit};
use crate::session::{Session, block_on, rpc_error};

/// How many times a multi-page overview is read again when the chain moved on between pages.
pub const MAX_ATTEMPTS: usize = 3;

/// `wallet overview`.
#[derive(Args, Debug)]
pub struct OverviewArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    /// Every local wallet (the wallet directory's, and a running local network's development
    /// wallets unless --wallet-path or TAONET_WALLET_PATH names the directory).
    #[arg(long)]
    all: bool,
}

/// One hotkey of a wallet's overview (its JSON shape).
#[derive(Clone, Debug, Serialize)]
pub struct HotkeyRow {
    /// The hotkey (SS58).
    pub ss58: String,
    /// Its local name in the wallet, if it has a file there.
    pub name: Option<String>,
    /// The wallet's coldkey's stake on it (rao).
    pub stake: Rao,
    /// Its subnet registrations, by netuid.
    pub registrations: Vec<OverviewRegistration>,
    /// Its owner coldkey (SS58), for the table; not in the JSON.
    #[serde(skip)]
    pub owner: Option<String>,
    /// Its total stake, for the table; not in the JSON.
    #[serde(skip)]
    pub total_stake: Rao,
}

/// A wallet's overview (its JSON shape).
#[derive(Clone, Debug, Serialize)]
pub struct WalletOverview {
    /// The coldkey (SS58).
    pub coldkey: String,
    /// Free balance (rao).
    pub free: Rao,
    /// Unbonding, not yet paid out (rao).
    pub unbonding: Rao,
    /// The coldkey's stake on all its hotkeys (rao): the sum of the rows' `stake`.
    pub total_stake: Rao,
    /// Every hotkey (module rules).
    pub hotkeys: Vec<HotkeyRow>,
    /// The finalized block the chain's figures were read at; not in the JSON.
    #[serde(skip)]
    pub block: u64,
}

impl WalletOverview {
    /// Free + staked + unbonding.
    fn total(&self) -> Rao {
        self.free
            .saturating_add(self.total_stake)
            .saturating_add(self.unbonding)
    }
}

/// One entry of `wallet overview --all` (its JSON shape, in field order).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum WalletEntry {
    /// A wallet whose coldkey address was read: its overview, with its name.
    Read {
        wallet: String,
        #[serde(flatten)]
        overview: WalletOverview,
    },
    /// A wallet whose coldkey address cannot be read (`coldkey` is null).
    Unreadable {
        wallet: String,
        coldkey: Option<String>,
        error: String,
    },
}

/// `wallet overview [--all]`.
pub fn run(keys: &KeyOpts, a: &OverviewArgs, global: Global) -> Result<ExitCode> {
    if a.all {
        return run_all(keys, a, global);
    }
    let wallet = keys.wallet()?;
    let coldkey = keys.coldkey_account()?;
    let local = local_hotkeys(&wallet);
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let o = overview(&s.client, &coldkey, &local).await?;
        if global.json {
            print_json(&o)?;
        } else {
            print_overview(wallet.name(), &o);
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn run_all(keys: &KeyOpts, a: &OverviewArgs, global: Global) -> Result<ExitCode> {
    let wallets = crate::cmd::wallet::local_wallets(keys.wallet_path.as_deref())?;
    block_on(async {
        let s = Session::connect(&a.rpc, global).await?;
        let mut entries = Vec::new();
        for wallet in &wallets {
            let name = wallet.name().to_string();
            entries.push(match crate::cmd::wallet::coldkey_address(wallet) {
                Ok(coldkey) => {
                    let local = local_hotkeys(wallet);
                    WalletEntry::Read {
                        wallet: name,
                        overview: overview(&s.client, &coldkey, &local).await?,
                    }
                }
                Err(error) => WalletEntry::Unreadable {
                    wallet: name,
                    coldkey: None,
                    error,
                },
            });
        }
        if global.json {
            print_json(&entries)?;
            return Ok(ExitCode::SUCCESS);
        }
        if entries.is_empty() {
            println!("No local wallets. Create one with: taonet wallet create");
            return Ok(ExitCode::SUCCESS);
        }
        for e in &entries {
            match e {
                WalletEntry::Read { wallet, overview } => print_overview(wallet, overview),
                WalletEntry::Unreadable { wallet, error, .. } => {
                    println!("Wallet {wallet}: {error}\n")
                }
            }
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
        for e in &entries {
            let (wallet, o) = match e {
                WalletEntry::Read { wallet, overview } => (wallet, overview),
                WalletEntry::Unreadable { wallet, .. } => {
                    t.add_row(vec![wallet.clone(), "unreadable (see above)".into()]);
                    continue;
                }
            };
            for (acc, v) in sum
                .iter_mut()
                .zip([o.free, o.total_stake, o.unbonding, o.total()])
            {
                *acc = acc.saturating_add(v);
            }
            t.add_row(vec![
                wallet.clone(),
                short(&o.coldkey),
                tao(o.free),
                tao(o.total_stake),
                tao(o.unbonding),
                tao(o.total()),
            ]);
        }
        t.add_row(vec![
            "total".into(),
            String::new(),
            tao(sum[0]),
            tao(sum[1]),
            tao(sum[2]),
            tao(sum[3]),
        ]);
        println!("All wallets");
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

/// The wallet's local hotkeys: (name, address), sorted by name. A hotkey file that cannot be
/// read is left out with a warning on stderr (the rest of the overview is still worth seeing).
fn local_hotkeys(wallet: &Wallet) -> Vec<(String, AccountId)> {
    let names = match wallet.hotkeys() {
        Ok(n) => n,
        Err(e) => {
            warn(&format!("wallet '{}': {e}", wallet.name()));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for name in names {
        match wallet.hotkey_account(&name) {
            Ok(Some(a)) => out.push((name, a)),
            Ok(None) => warn(&format!(
                "wallet '{}': hotkey '{name}' is encrypted and has no public file, left out; write its public file with `taonet wallet regen-hotkey` to list it",
                wallet.name()
            )),
            Err(e) => warn(&format!(
                "wallet '{}': hotkey '{name}' is unreadable, left out: {e}",
                wallet.name()
            )),
        }
    }
    out
}

/// A warning on stderr (stdout stays the command's output, JSON included).
fn warn(msg: &str) {
    eprintln!("warning: {msg}");
}

/// Every page of the overview of `coldkey`, all from one finalized block (module rules).
async fn all_pages(client: &Client, coldkey: &AccountId) -> Result<Overview> {
    let fetch = |cursor: Option<String>| async move {
        client
            .state_get_overview(coldkey.to_ss58(), None, cursor)
            .await
            .map_err(|e| rpc_error(e.into()))
    };
    let mut pages = 0;
    for _ in 0..MAX_ATTEMPTS {
        let mut whole = fetch(None).await?;
        pages = 1;
        let mut consistent = true;
        while let Some(cursor) = whole.next_cursor.take() {
            let page = fetch(Some(cursor)).await?;
            pages += 1;
            if page.block != whole.block {
                consistent = false;
                break;
            }
            whole.hotkeys.extend(page.hotkeys);
            whole.next_cursor = page.next_cursor;
        }
        if consistent {
            return Ok(whole);
        }
    }
    bail!(
        "the chain moved on while reading the {pages} pages of the overview of {}, {MAX_ATTEMPTS} times; try again",
        coldkey.to_ss58()
    )
}

/// The registrations of a hotkey the coldkey neither owns nor stakes on (module rules).
async fn foreign_registrations(
    client: &Client,
    hotkey: &AccountId,
) -> Result<(Option<String>, Rao, Vec<OverviewRegistration>)> {
    let Some(d) = client
        .state_get_delegate(hotkey.to_ss58())
        .await
        .map_err(|e| rpc_error(e.into()))?
    else {
        return Ok((None, Rao::ZERO, Vec::new()));
    };
    let mut regs = Vec::new();
    for (netuid, uid) in d.registrations {
        let Some(n) = client
            .state_get_neuron(netuid, uid)
            .await
            .map_err(|e| rpc_error(e.into()))?
        else {
            continue;
        };
        regs.push(OverviewRegistration {
            netuid,
            uid,
            stake: n.stake,
            incentive: n.incentive,
            dividends: n.dividends,
            emission: n.emission,
            validator_permit: n.validator_permit,
            axon: n.axon.map(|a| a.address),
            last_update: n.last_update,
        });
    }
    Ok((Some(d.owner), d.total_stake, regs))
}

/// The overview of `coldkey` with the wallet's local hotkeys `local` (module rules).
pub async fn overview(
    client: &Client,
    coldkey: &AccountId,
    local: &[(String, AccountId)],
) -> Result<WalletOverview> {
    let chain = all_pages(client, coldkey).await?;
    let mut rows: BTreeMap<String, HotkeyRow> = chain
        .hotkeys
        .into_iter()
        .map(|h| {
            (
                h.hotkey.clone(),
                HotkeyRow {
                    ss58: h.hotkey,
                    name: None,
                    stake: h.stake,
                    registrations: h.registrations,
                    owner: h.owner,
                    total_stake: h.total_stake,
                },
            )
        })
        .collect();
    for (name, account) in local {
        let ss58 = account.to_ss58();
        if let Some(row) = rows.get_mut(&ss58) {
            // `local` is sorted by name: the first name wins.
            row.name.get_or_insert_with(|| name.clone());
            continue;
        }
        let (owner, total_stake, registrations) = foreign_registrations(client, account).await?;
        rows.insert(
            ss58.clone(),
            HotkeyRow {
                ss58,
                name: Some(name.clone()),
                stake: Rao::ZERO,
                registrations,
                owner,
                total_stake,
            },
        );
    }
    let mut hotkeys: Vec<HotkeyRow> = rows.into_values().collect();
    hotkeys.sort_by(|a, b| {
        (a.name.is_none(), &a.name, &a.ss58).cmp(&(b.name.is_none(), &b.name, &b.ss58))
    });
    let total_stake = hotkeys
        .iter()
        .fold(Rao::ZERO, |acc, h| acc.saturating_add(h.stake));
    Ok(WalletOverview {
        coldkey: chain.coldkey,
        free: chain.free,
        unbonding: chain.unbonding,
        total_stake,
        hotkeys,
        block: chain.block,
    })
}

/// The tables of one wallet's overview.
fn print_overview(wallet: &str, o: &WalletOverview) {
    println!(
        "Wallet {wallet}: coldkey {} (finalized block #{})",
        o.coldkey, o.block
    );
    let mut t = table(vec!["free", "staked", "unbonding", "total"]);
    t.add_row(vec![
        tao(o.free),
        tao(o.total_stake),
        tao(o.unbonding),
        tao(o.total()),
    ]);
    println!("{t}");
    if o.hotkeys.is_empty() {
        println!("(no hotkeys: create one with `taonet wallet new-hotkey`)\n");
        return;
    }
    let mut t = table(vec![
        "hotkey",
        "ss58",
        "owner",
        "your stake",
        "total stake",
        "subnets",
    ]);
    for h in &o.hotkeys {
        let owner = match &h.owner {
            Some(owner) if *owner == o.coldkey => "this coldkey".to_string(),
            Some(owner) => format!("delegate of {}", short(owner)),
            None => "-".to_string(),
        };
        let subnets = h
            .registrations
            .iter()
            .map(|r| r.netuid.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        t.add_row(vec![
            h.name.clone().unwrap_or_else(|| "-".into()),
            short(&h.ss58),
            owner,
            tao(h.stake),
            tao(h.total_stake),
            if subnets.is_empty() {
                "-".into()
            } else {
                subnets
            },
        ]);
    }
    t.add_row(vec![
        "total".into(),
        String::new(),
        String::new(),
        tao(o.total_stake),
        String::new(),
        String::new(),
    ]);
    println!("{t}");
    let registrations: Vec<(&HotkeyRow, &OverviewRegistration)> = o
        .hotkeys
        .iter()
        .flat_map(|h| h.registrations.iter().map(move |r| (h, r)))
        .collect();
    if registrations.is_empty() {
        println!();
        return;
    }
    let mut t = table(vec![
        "netuid", "uid", "hotkey", "stake", "I", "D", "emission", "permit", "updated", "axon",
    ]);
    let mut emission = Rao::ZERO;
    let mut sorted = registrations;
    sorted.sort_by_key(|(_, r)| (r.netuid, r.uid));
    for (h, r) in &sorted {
        emission = emission.saturating_add(r.emission);
        t.add_row(vec![
            r.netuid.to_string(),
            r.uid.to_string(),
            h.name.clone().unwrap_or_else(|| short(&h.ss58)),
            tao(r.stake),
            unit(r.incentive),
            unit(r.dividends),
            tao(r.emission),
            if r.validator_permit { "✔" } else { "" }.to_string(),
            format!("#{}", r.last_update),
            r.axon.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    t.add_row(vec![
        "total".into(),
        format!("{} uids", sorted.len()),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        tao(emission),
        String::new(),
        String::new(),
        String::new(),
    ]);
    println!("{t}");
    println!();
}
