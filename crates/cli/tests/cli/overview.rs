//! `taonet wallet overview` and `wallet balance --all` on a real one-validator local network:
//! a wallet with a hotkey registered on two subnets, a hotkey that is only staked on, an idle
//! local hotkey, a local copy of someone else's registered hotkey, a delegation to the dev
//! validator and unbonding stake. The overview must say what the individual commands say
//! (`wallet balance`, `stake list`, `stake unbonding`, `subnet metagraph`); `--all` lists every
//! wallet, the unreadable ones with their error; `balance --all` totals add up.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use taonet_crypto::Ss58;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_runtime::genesis::dev_keys;
use taonet_types::{Rao, TaoFormat};

use super::localnet::{HEAVY, Localnet};
use super::netcli::Cli;
use super::taonet;

const TAO: u64 = 1_000_000_000;

impl Cli {
    /// An offline wallet command (no `--rpc`), its JSON.
    fn offline(&self, args: &[&str]) -> Value {
        let out = taonet(&self.root)
            .args(["--json"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .clone();
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

fn rao(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an amount in rao: {v}"))
}

fn tao(r: u64) -> String {
    Rao(r).to_tao_string(TaoFormat::COMPACT.with_symbol())
}

/// A wallet's hotkey address.
fn hotkey_ss58(root: &Path, wallet: &str, hotkey: &str) -> String {
    Wallet::new(root, wallet)
        .unwrap()
        .hotkey_account(hotkey)
        .unwrap()
        .unwrap()
        .to_ss58()
}

/// The reads the overview is checked against, taken between two overviews.
struct Reads {
    overview: Value,
    balance: Value,
    stakes: Value,
    unbonding: Value,
    metagraphs: Vec<Value>,
}

/// Overview, the individual commands, overview again: `Some` if both overviews agree (no
/// epoch or payout changed the figures in between).
fn consistent_reads(cli: &Cli, netuids: &[u64]) -> Option<Reads> {
    let overview = cli.json(&["wallet", "overview", "--wallet-name", "ov"]);
    let balance = cli.json(&["wallet", "balance", "--wallet-name", "ov"]);
    let stakes = cli.json(&["stake", "list", "--wallet-name", "ov"]);
    let unbonding = cli.json(&["stake", "unbonding", "--wallet-name", "ov"]);
    let metagraphs = netuids
        .iter()
        .map(|n| cli.json(&["subnet", "metagraph", "--netuid", &n.to_string()]))
        .collect();
    let again = cli.json(&["wallet", "overview", "--wallet-name", "ov"]);
    (again == overview).then_some(Reads {
        overview,
        balance,
        stakes,
        unbonding,
        metagraphs,
    })
}

/// The metagraph row of (netuid, uid) as an overview registration.
fn metagraph_registration(r: &Reads, netuids: &[u64], netuid: u64, uid: u64) -> Value {
    let m = &r.metagraphs[netuids.iter().position(|n| *n == netuid).unwrap()];
    let row = m["neurons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["uid"] == uid)
        .unwrap();
    json!({
        "netuid": netuid,
        "uid": uid,
        "stake": row["stake"],
        "incentive": row["incentive"],
        "dividends": row["dividends"],
        "emission": row["emission"],
        "validator_permit": row["validator_permit"],
        "axon": row["axon"]["address"],
        "last_update": row["last_update"],
    })
}

#[test]
fn wallet_overview_and_balance_all_agree_with_the_individual_commands() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let cli = Cli::new(&net);
    let root = cli.root.clone();

    // Wallet `ov`: hotkeys h1, h2, h3, and a public copy of bob's hotkey named `borrowed`.
    cli.offline(&[
        "wallet",
        "create",
        "--wallet-name",
        "ov",
        "--hotkey",
        "h1",
        "--no-password",
    ]);
    for h in ["h2", "h3"] {
        cli.offline(&["wallet", "new-hotkey", "--wallet-name", "ov", "--hotkey", h]);
    }
    let (_, bob_hot) = dev_keys("bob");
    let (_, alice_hot) = dev_keys("alice");
    Wallet::new(&root, "ov")
        .unwrap()
        .hotkeypub("borrowed")
        .unwrap()
        .write(&KeyfileData::public(&bob_hot.account_id()), None, false)
        .unwrap();
    let ov_cold = cli.offline(&["wallet", "show", "--wallet-name", "ov"])["coldkey"]["ss58"]
        .as_str()
        .unwrap()
        .to_string();
    let (h1, h2, h3) = (
        hotkey_ss58(&root, "ov", "h1"),
        hotkey_ss58(&root, "ov", "h2"),
        hotkey_ss58(&root, "ov", "h3"),
    );

    // Funds; h1 owns a new subnet (uid 0) and joins subnet 1; h2 is only staked on; a
    // delegation to alice's validator; bob registers his hotkey on subnet 1.
    cli.tx(&[
        "wallet",
        "transfer",
        "--wallet-name",
        "alice",
        "--dest",
        &ov_cold,
        "--amount",
        "1000",
    ]);
    let created = cli.tx(&[
        "subnet",
        "create",
        "--wallet-name",
        "ov",
        "--hotkey",
        "h1",
        "--name",
        "ovnet",
    ]);
    let own_net = created["netuid"].as_u64().unwrap();
    cli.tx(&[
        "subnet",
        "register",
        "--wallet-name",
        "ov",
        "--hotkey",
        "h1",
        "--netuid",
        "1",
    ]);
    cli.tx(&[
        "axon",
        "serve",
        "--wallet-name",
        "ov",
        "--hotkey",
        "h1",
        "--netuid",
        "1",
        "--ip",
        "10.0.0.7",
        "--port",
        "8091",
    ]);
    cli.tx(&[
        "stake",
        "add",
        "--wallet-name",
        "ov",
        "--hotkey",
        "h2",
        "--amount",
        "20",
    ]);
    cli.tx(&[
        "stake",
        "add",
        "--wallet-name",
        "ov",
        "--hotkey-ss58",
        &alice_hot.ss58(),
        "--amount",
        "50",
    ]);
    cli.tx(&[
        "subnet",
        "register",
        "--wallet-name",
        "bob",
        "--netuid",
        "1",
    ]);

    // Unbonding lasts 20 blocks (10 s): unstake again whenever it was paid out before a
    // consistent set of reads.
    let netuids = [0, 1, own_net];
    let mut reads = None;
    for _ in 0..10 {
        cli.tx(&[
            "stake",
            "remove",
            "--wallet-name",
            "ov",
            "--hotkey-ss58",
            &alice_hot.ss58(),
            "--amount",
            "1",
        ]);
        if let Some(r) = consistent_reads(&cli, &netuids)
            && rao(&r.overview["unbonding"]) > 0
        {
            reads = Some(r);
            break;
        }
    }
    let r = reads.expect("no two overviews in a row agreed with unbonding pending");
    let o = &r.overview;

    // The exact JSON shape.
    assert_eq!(
        keys(o),
        set(&["coldkey", "free", "unbonding", "total_stake", "hotkeys"])
    );
    // Balances: as `wallet balance` says.
    assert_eq!(o["coldkey"], ov_cold.as_str());
    assert_eq!(o["coldkey"], r.balance["address"]);
    assert_eq!(o["free"], r.balance["free"]);
    assert_eq!(o["unbonding"], r.balance["unbonding"]);
    assert_eq!(o["total_stake"], r.balance["staked"]);
    let unbonding: u64 = r.unbonding["unbonding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| rao(&e["amount"]))
        .sum();
    assert_eq!(rao(&o["unbonding"]), unbonding);

    // Hotkeys: local ones by name, then the delegation (no local name).
    let hotkeys = o["hotkeys"].as_array().unwrap();
    let names: Vec<Value> = hotkeys.iter().map(|h| h["name"].clone()).collect();
    assert_eq!(
        names,
        [
            json!("borrowed"),
            json!("h1"),
            json!("h2"),
            json!("h3"),
            Value::Null
        ]
    );
    let ss58s: Vec<&str> = hotkeys
        .iter()
        .map(|h| h["ss58"].as_str().unwrap())
        .collect();
    assert_eq!(
        ss58s,
        [
            bob_hot.ss58().as_str(),
            &h1,
            &h2,
            &h3,
            alice_hot.ss58().as_str()
        ]
    );
    // Stake per hotkey: as `stake list` says; every position is listed; the total adds up.
    let positions = r.stakes["stakes"].as_array().unwrap();
    for h in hotkeys {
        assert_eq!(keys(h), set(&["ss58", "name", "stake", "registrations"]));
        let listed = positions
            .iter()
            .find(|p| p["hotkey"] == h["ss58"])
            .map_or(0, |p| rao(&p["amount"]));
        assert_eq!(rao(&h["stake"]), listed, "{h}");
    }
    for p in positions {
        assert!(ss58s.contains(&p["hotkey"].as_str().unwrap()), "{p}");
    }
    assert_eq!(
        rao(&o["total_stake"]),
        hotkeys.iter().map(|h| rao(&h["stake"])).sum::<u64>()
    );
    assert_eq!(rao(&hotkeys[2]["stake"]), 20 * TAO);
    assert_eq!(rao(&hotkeys[3]["stake"]), 0);
    assert!(hotkeys[3]["registrations"].as_array().unwrap().is_empty());
    assert!(hotkeys[2]["registrations"].as_array().unwrap().is_empty());
    assert!(rao(&hotkeys[4]["stake"]) >= 40 * TAO, "{}", hotkeys[4]);

    // Registrations: each one the metagraph's row.
    let regs = |i: usize| -> Vec<(u64, u64)> {
        hotkeys[i]["registrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["netuid"].as_u64().unwrap(), r["uid"].as_u64().unwrap()))
            .collect()
    };
    let h1_regs = regs(1);
    assert_eq!(
        h1_regs.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [1, own_net]
    );
    assert!(h1_regs.contains(&(own_net, 0)), "{h1_regs:?}");
    assert_eq!(regs(0).iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1]);
    assert!(regs(4).contains(&(1, 0)), "{:?}", regs(4));
    assert!(regs(4).iter().any(|(n, _)| *n == 0), "root: {:?}", regs(4));
    for h in hotkeys {
        for reg in h["registrations"].as_array().unwrap() {
            assert_eq!(
                keys(reg),
                set(&[
                    "netuid",
                    "uid",
                    "stake",
                    "incentive",
                    "dividends",
                    "emission",
                    "validator_permit",
                    "axon",
                    "last_update"
                ])
            );
            let (netuid, uid) = (
                reg["netuid"].as_u64().unwrap(),
                reg["uid"].as_u64().unwrap(),
            );
            assert_eq!(
                reg,
                &metagraph_registration(&r, &netuids, netuid, uid),
                "{}",
                h["ss58"]
            );
        }
    }
    let h1_on_1 = &hotkeys[1]["registrations"][0];
    assert_eq!(h1_on_1["axon"], "10.0.0.7:8091");
    assert!(hotkeys[1]["registrations"][1]["axon"].is_null());

    // The tables: balances, hotkeys (with the delegation's owner) and registrations.
    let text = cli.text(&["wallet", "overview", "--wallet-name", "ov"]);
    for needle in [
        ov_cold.as_str(),
        "h1",
        "borrowed",
        "this coldkey",
        "delegate of",
        "10.0.0.7:8091",
        "total",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }

    // A wallet whose coldkey address cannot be read: no coldkeypub.txt and an encrypted
    // coldkey; another with a garbled coldkeypub.txt.
    cli.offline(&["wallet", "create", "--wallet-name", "lost", "--no-password"]);
    std::fs::remove_file(root.join("lost/coldkeypub.txt")).unwrap();
    std::fs::write(root.join("lost/coldkey"), b"$NACL-not-really-a-secret").unwrap();
    cli.offline(&[
        "wallet",
        "create",
        "--wallet-name",
        "garbled",
        "--no-password",
    ]);
    std::fs::write(root.join("garbled/coldkeypub.txt"), b"not a keyfile").unwrap();
    // A single wallet without an address is an error, in words.
    cli.cmd(&["wallet", "overview", "--wallet-name", "lost"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("coldkey"));

    // --all: every wallet, by name; the unreadable ones with their error.
    let all = cli.json(&["wallet", "overview", "--all"]);
    let all = all.as_array().unwrap();
    let wallets: Vec<&str> = all.iter().map(|w| w["wallet"].as_str().unwrap()).collect();
    let mut expected: Vec<&str> = taonet_runtime::genesis::DEV_NAMES.to_vec();
    expected.extend(["garbled", "lost", "ov"]);
    expected.sort_unstable();
    assert_eq!(wallets, expected);
    for w in all {
        let name = w["wallet"].as_str().unwrap();
        match name {
            "lost" | "garbled" => {
                assert!(w["coldkey"].is_null(), "{w}");
                let e = w["error"].as_str().unwrap();
                assert!(e.contains("coldkey"), "{e}");
                if name == "lost" {
                    assert!(e.contains("coldkeypub.txt") && e.contains("regen-coldkeypub"));
                }
            }
            _ => {
                let mut single = w.clone();
                single.as_object_mut().unwrap().remove("wallet");
                assert_eq!(
                    keys(&single),
                    set(&["coldkey", "free", "unbonding", "total_stake", "hotkeys"]),
                    "{w}"
                );
                let cold = Wallet::new(&root, name)
                    .unwrap()
                    .coldkey_account()
                    .unwrap()
                    .unwrap()
                    .to_ss58();
                assert_eq!(w["coldkey"], cold.as_str());
            }
        }
    }
    let ov = all.iter().find(|w| w["wallet"] == "ov").unwrap();
    let ov_ss58s: Vec<&str> = ov["hotkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ss58"].as_str().unwrap())
        .collect();
    assert_eq!(ov_ss58s, ss58s);
    let alice = all.iter().find(|w| w["wallet"] == "alice").unwrap();
    assert_eq!(alice["hotkeys"][0]["name"], "default");
    assert_eq!(alice["hotkeys"][0]["registrations"][0]["uid"], 0);
    let text = cli.text(&["wallet", "overview", "--all"]);
    assert!(text.contains("All wallets"), "{text}");
    assert!(
        text.contains("Wallet lost: no readable coldkey address"),
        "{text}"
    );

    // balance --all: one row per wallet; each total adds up; the table's total row is the sum
    // (read until two JSON answers around the table agree).
    let mut checked = false;
    for _ in 0..10 {
        let before = cli.json(&["wallet", "balance", "--all"]);
        let text = cli.text(&["wallet", "balance", "--all"]);
        let after = cli.json(&["wallet", "balance", "--all"]);
        if before != after {
            continue;
        }
        let rows = before.as_array().unwrap();
        let names: Vec<&str> = rows.iter().map(|w| w["name"].as_str().unwrap()).collect();
        assert_eq!(names, expected);
        let mut sums = [0u64; 4];
        for row in rows {
            if row["name"] == "lost" || row["name"] == "garbled" {
                assert_eq!(keys(row), set(&["name", "coldkey", "error"]), "{row}");
                assert!(row["coldkey"].is_null());
                continue;
            }
            assert_eq!(
                keys(row),
                set(&["name", "coldkey", "free", "staked", "unbonding", "total"]),
                "{row}"
            );
            let parts = [
                rao(&row["free"]),
                rao(&row["staked"]),
                rao(&row["unbonding"]),
            ];
            assert_eq!(rao(&row["total"]), parts.iter().sum::<u64>(), "{row}");
            for (s, v) in sums
                .iter_mut()
                .zip(parts.iter().chain([&rao(&row["total"])]))
            {
                *s += v;
            }
        }
        let ov_row = rows.iter().find(|w| w["name"] == "ov").unwrap();
        assert_eq!(ov_row["coldkey"], ov_cold.as_str());
        let total_line = text
            .lines()
            .find(|l| l.trim_start_matches('│').trim_start().starts_with("total"))
            .unwrap_or_else(|| panic!("no total row:\n{text}"));
        for s in sums {
            assert!(
                total_line.contains(&tao(s)),
                "{} not in {total_line}",
                tao(s)
            );
        }
        checked = true;
        break;
    }
    assert!(checked, "balance --all never read the same twice in a row");
}
