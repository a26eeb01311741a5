//! Issue 18's chain operations through the CLI on real one-validator local networks (free
//! ports): `stake move`/`stake transfer`, `wallet swap-hotkey`, `wallet swap-coldkey
//! announce|status|dispute|execute` (executed for real: the development chain's
//! `coldkey_swap_delay` is 30 blocks), `root register|list|candidates|weights|set-weights`
//! and `axon reset`. Each checks the chain's state before and after through the CLI's own
//! reads, and the refusals (exit code and words).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_runtime::genesis::dev_keys;

use super::localnet::{HEAVY, Localnet, WAIT, rt};
use super::netcli::Cli;
use super::taonet;

const TAO: u64 = 1_000_000_000;

impl Cli {
    /// `stake list` of a coldkey: hotkey → rao.
    fn stakes(&self, coldkey: &str) -> BTreeMap<String, u64> {
        let v = self.json(&["stake", "list", "--ss58", coldkey]);
        v["stakes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["hotkey"].as_str().unwrap().to_string(),
                    p["amount"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// The coldkey's positions are on exactly `want`'s hotkeys, each holding its amount in
    /// TAO plus at most 1 TAO of rewards earned since (hotkeys registered on a subnet earn
    /// emission every tempo).
    fn assert_stakes(&self, coldkey: &str, want: &[(&str, u64)]) {
        let got = self.stakes(coldkey);
        let hotkeys: Vec<&str> = got.keys().map(String::as_str).collect();
        let mut expected: Vec<&str> = want.iter().map(|(h, _)| *h).collect();
        expected.sort_unstable();
        assert_eq!(hotkeys, expected, "positions of {coldkey}: {got:?}");
        for (hotkey, tao) in want {
            let rao = got[*hotkey];
            assert!(
                (tao * TAO..tao * TAO + TAO).contains(&rao),
                "{coldkey} on {hotkey}: {rao} rao, expected {tao} TAO (+ rewards): {got:?}"
            );
        }
    }

    fn metagraph(&self, netuid: u16) -> Value {
        self.json(&["subnet", "metagraph", "--netuid", &netuid.to_string()])
    }

    /// The neuron of `uid` on `netuid`.
    fn neuron(&self, netuid: u16, uid: u64) -> Value {
        self.metagraph(netuid)["neurons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["uid"] == uid)
            .unwrap_or_else(|| panic!("no uid {uid} on subnet {netuid}"))
            .clone()
    }

    fn height(&self) -> u64 {
        rt().block_on(async {
            let client = Client::connect(&self.rpc).await.unwrap();
            client.chain_get_finalized_head().await.unwrap().height
        })
    }

    /// Waits until the finalized height reaches `height`.
    fn wait_height(&self, height: u64) {
        let deadline = Instant::now() + WAIT;
        while self.height() < height {
            assert!(Instant::now() < deadline, "block {height} not reached");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

fn ss58_of(root: &Path, wallet: &str, hotkey: Option<&str>) -> String {
    let w = Wallet::new(root, wallet).unwrap();
    match hotkey {
        Some(h) => w.hotkey_account(h).unwrap().unwrap(),
        None => w.coldkey_account().unwrap().unwrap(),
    }
    .to_ss58()
}

#[test]
fn stake_moves_transfers_and_key_swaps() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let cli = Cli::new(&net);
    let root = cli.root.clone();
    let (alice_hot, bob_cold, bob_hot, charlie_cold) = (
        dev_keys("alice").1.account_id().to_ss58(),
        dev_keys("bob").0.account_id().to_ss58(),
        dev_keys("bob").1.account_id().to_ss58(),
        dev_keys("charlie").0.account_id().to_ss58(),
    );

    // --- stake move: bob's own hotkey → alice's validator hotkey, no unbonding.
    cli.tx(&["stake", "add", "--wallet-name", "bob", "--amount", "50"]);
    cli.assert_stakes(&bob_cold, &[(&bob_hot, 50)]);
    let moved = cli.tx(&[
        "stake",
        "move",
        "--wallet-name",
        "bob",
        "--from-hotkey",
        &bob_hot,
        "--to-hotkey",
        &alice_hot,
        "--amount",
        "20",
    ]);
    assert!(moved["fee"].as_u64().unwrap() > 0, "{moved}");
    assert_eq!(moved["from_hotkey"], bob_hot.as_str());
    assert_eq!(moved["to_hotkey"], alice_hot.as_str());
    assert_eq!(moved["amount"], 20 * TAO);
    cli.assert_stakes(&bob_cold, &[(&alice_hot, 20), (&bob_hot, 30)]);
    assert_eq!(
        cli.json(&["stake", "unbonding", "--ss58", &bob_cold])["unbonding"],
        json!([]),
        "a move does not unbond"
    );

    // --- stake transfer: 10 of bob's position on his hotkey becomes charlie's.
    let t = cli.tx(&[
        "stake",
        "transfer",
        "--wallet-name",
        "bob",
        "--hotkey-ss58",
        &bob_hot,
        "--dest-coldkey",
        &charlie_cold,
        "--amount",
        "10",
    ]);
    assert_eq!(t["dest_coldkey"], charlie_cold.as_str());
    assert_eq!(t["hotkey"], bob_hot.as_str());
    cli.assert_stakes(&bob_cold, &[(&alice_hot, 20), (&bob_hot, 20)]);
    cli.assert_stakes(&charlie_cold, &[(&bob_hot, 10)]);

    // --- more than the position: refused before sending (exit 1, nonce unchanged).
    let nonce = cli.nonce(&bob_cold);
    let (_, err) = cli.refused(
        &[
            "stake",
            "move",
            "--wallet-name",
            "bob",
            "--from-hotkey",
            &bob_hot,
            "--to-hotkey",
            &alice_hot,
            "--amount",
            "1000",
        ],
        1,
    );
    assert!(
        err.contains("cannot move 1000 τ") && err.contains("has 20 τ staked on hotkey"),
        "{err}"
    );
    let (_, err) = cli.refused(
        &[
            "stake",
            "transfer",
            "--wallet-name",
            "bob",
            "--hotkey-ss58",
            &bob_hot,
            "--dest-coldkey",
            &charlie_cold,
            "--amount",
            "20.5",
        ],
        1,
    );
    assert!(err.contains("cannot transfer 20.5 τ"), "{err}");
    assert_eq!(cli.nonce(&bob_cold), nonce, "nothing was sent");
    // Malformed or self-referential input: exit 2.
    for args in [
        vec![
            "stake",
            "move",
            "--wallet-name",
            "bob",
            "--from-hotkey",
            &bob_hot,
            "--to-hotkey",
            &bob_hot,
            "--amount",
            "1",
        ],
        vec![
            "stake",
            "transfer",
            "--wallet-name",
            "bob",
            "--dest-coldkey",
            &bob_cold,
            "--amount",
            "1",
        ],
        vec![
            "stake",
            "move",
            "--wallet-name",
            "bob",
            "--from-hotkey",
            "5nope",
            "--to-hotkey",
            &alice_hot,
            "--amount",
            "1",
        ],
    ] {
        cli.refused(&args, 2);
    }
    // The moved stake stays in place while it is slashable for bob's hotkey: the chain
    // refuses to move it on (the call is included and pays its fee, exit 1, in words).
    let (out, err) = cli.refused(
        &[
            "stake",
            "move",
            "--wallet-name",
            "bob",
            "--from-hotkey",
            &alice_hot,
            "--to-hotkey",
            &bob_hot,
            "--amount",
            "5",
        ],
        1,
    );
    let receipt: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(receipt["success"], false, "{receipt}");
    assert!(
        receipt["error"]
            .as_str()
            .unwrap()
            .contains("arrived by a stake move"),
        "{receipt}"
    );
    assert!(err.contains("stays in place until block"), "{err}");

    // --- swap-hotkey: bob's registered hotkey → a new hotkey of his wallet.
    let reg = cli.tx(&[
        "subnet",
        "register",
        "--wallet-name",
        "bob",
        "--netuid",
        "1",
    ]);
    let uid = reg["uid"].as_u64().unwrap();
    assert_eq!(cli.neuron(1, uid)["hotkey"], bob_hot.as_str());
    taonet(&root)
        .args([
            "wallet",
            "new-hotkey",
            "--wallet-name",
            "bob",
            "--hotkey",
            "h2",
        ])
        .assert()
        .success();
    let h2 = ss58_of(&root, "bob", Some("h2"));
    let swapped = cli.tx(&[
        "wallet",
        "swap-hotkey",
        "--wallet-name",
        "bob",
        "--wallet-hotkey",
        "default",
        "--new-hotkey",
        "h2",
    ]);
    assert_eq!(swapped["old_hotkey"], bob_hot.as_str());
    assert_eq!(swapped["new_hotkey"], h2.as_str());
    assert_eq!(swapped["cost"], TAO / 10, "the dev chain's key_swap_cost");
    // Same uid, new hotkey; the stake on it (bob's and charlie's) moved with it.
    let n = cli.neuron(1, uid);
    assert_eq!(n["hotkey"], h2.as_str());
    assert_eq!(n["coldkey"], bob_cold.as_str());
    assert!(
        (30 * TAO..31 * TAO).contains(&n["stake"].as_u64().unwrap()),
        "{n}"
    );
    cli.assert_stakes(&bob_cold, &[(&alice_hot, 20), (&h2, 20)]);
    cli.assert_stakes(&charlie_cold, &[(&h2, 10)]);
    // The hotkey being replaced is not a replacement.
    cli.refused(
        &[
            "wallet",
            "swap-hotkey",
            "--wallet-name",
            "bob",
            "--wallet-hotkey",
            "h2",
            "--new-hotkey",
            "h2",
        ],
        2,
    );
    // A hotkey already registered (a local copy of alice's) is refused before sending.
    let w = Wallet::new(&root, "bob").unwrap();
    w.hotkey("alicehot")
        .unwrap()
        .write(
            &KeyfileData::from_keypair(&dev_keys("alice").1),
            None,
            false,
        )
        .unwrap();
    let nonce = cli.nonce(&bob_cold);
    let (_, err) = cli.refused(
        &[
            "wallet",
            "swap-hotkey",
            "--wallet-name",
            "bob",
            "--wallet-hotkey",
            "h2",
            "--new-hotkey",
            "alicehot",
        ],
        1,
    );
    assert!(
        err.contains("is already in use on chain") && err.contains("registered on"),
        "{err}"
    );
    assert_eq!(cli.nonce(&bob_cold), nonce, "nothing was sent");
    // The retired hotkey cannot come back: the chain refuses it in words.
    let (out, _) = cli.refused(
        &[
            "wallet",
            "swap-hotkey",
            "--wallet-name",
            "bob",
            "--wallet-hotkey",
            "h2",
            "--new-hotkey",
            "default",
        ],
        1,
    );
    let receipt: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        receipt["error"]
            .as_str()
            .unwrap()
            .contains("was retired by an earlier swap"),
        "{receipt}"
    );

    // --- swap-coldkey: charlie (stake on h2, and a hotkey of his own) → a fresh coldkey.
    cli.tx(&["stake", "add", "--wallet-name", "charlie", "--amount", "5"]);
    let charlie_hot = dev_keys("charlie").1.account_id().to_ss58();
    taonet(&root)
        .args([
            "wallet",
            "create",
            "--wallet-name",
            "fresh",
            "--no-password",
        ])
        .assert()
        .success();
    let fresh = ss58_of(&root, "fresh", None);
    // The new coldkey pays the fee of the execution it signs.
    cli.tx(&[
        "wallet",
        "transfer",
        "--wallet-name",
        "alice",
        "--dest",
        &fresh,
        "--amount",
        "1",
    ]);
    let status = [
        "wallet",
        "swap-coldkey",
        "status",
        "--wallet-name",
        "charlie",
    ];
    let s = cli.json(&status);
    assert_eq!(s["status"], "none", "{s}");
    assert_eq!(s["swap"], Value::Null);
    let announce = [
        "wallet",
        "swap-coldkey",
        "announce",
        "--wallet-name",
        "charlie",
        "--new-coldkey",
        &fresh,
    ];
    let a = cli.tx(&announce);
    let announced = a["block_height"].as_u64().unwrap();
    let executable = a["executable_at"].as_u64().unwrap();
    assert_eq!(executable, announced + 30, "{a}");
    let s = cli.json(&status);
    assert_eq!(s["status"], "pending", "{s}");
    assert_eq!(
        s["swap"],
        json!({
            "old_coldkey": charlie_cold,
            "new_coldkey": fresh,
            "announced_at": announced,
            "executable_at": executable,
            "disputed_at": null,
        })
    );
    assert!(
        cli.text(&status)
            .contains(&format!("executable from block #{executable}")),
        "status in words"
    );
    // Too early: refused with the block it becomes executable, nothing sent.
    let nonce = cli.nonce(&charlie_cold);
    let (_, err) = cli.refused(
        &[
            "wallet",
            "swap-coldkey",
            "execute",
            "--wallet-name",
            "charlie",
        ],
        1,
    );
    assert!(
        err.contains(&format!("can be executed from block #{executable}")),
        "{err}"
    );
    assert_eq!(cli.nonce(&charlie_cold), nonce);
    // Dispute: the status says so, and it can no longer be executed.
    let d = cli.tx(&[
        "wallet",
        "swap-coldkey",
        "dispute",
        "--wallet-name",
        "charlie",
    ]);
    let disputed = d["block_height"].as_u64().unwrap();
    let s = cli.json(&status);
    assert_eq!(s["status"], "disputed", "{s}");
    assert_eq!(s["swap"]["disputed_at"], disputed);
    assert!(
        cli.text(&status)
            .contains(&format!("disputed at block #{disputed}"))
    );
    let (_, err) = cli.refused(
        &[
            "wallet",
            "swap-coldkey",
            "execute",
            "--wallet-name",
            "charlie",
        ],
        1,
    );
    assert!(err.contains("was disputed at block"), "{err}");

    // Announce again (a disputed swap may be replaced), wait out the delay, and execute it
    // as the new coldkey.
    let a = cli.tx(&announce);
    let executable = a["executable_at"].as_u64().unwrap();
    let before = cli.balance(&charlie_cold);
    let free = before["free"].as_u64().unwrap();
    cli.wait_height(executable);
    let s = cli.json(&["wallet", "swap-coldkey", "status", "--ss58", &charlie_cold]);
    assert_eq!(s["status"], "executable", "{s}");
    let e = cli.tx(&[
        "wallet",
        "swap-coldkey",
        "execute",
        "--wallet-name",
        "fresh",
        "--old-coldkey",
        &charlie_cold,
    ]);
    assert_eq!(e["new_coldkey"], fresh.as_str());
    let fee = e["fee"].as_u64().unwrap();
    // Everything moved: the whole free balance (the executor paid its fee from its own),
    // every stake position and the ownership of charlie's hotkey.
    let after_old = cli.balance(&charlie_cold);
    assert_eq!(after_old["free"], 0, "{after_old}");
    assert_eq!(after_old["staked"], 0, "{after_old}");
    let after_new = cli.balance(&fresh);
    assert_eq!(
        after_new["free"].as_u64().unwrap() + fee,
        free + TAO,
        "{after_new}"
    );
    cli.assert_stakes(&fresh, &[(&charlie_hot, 5), (&h2, 10)]);
    assert!(cli.stakes(&charlie_cold).is_empty());
    let owners = cli.json(&["delegate", "list"]);
    let owner = owners["delegates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["hotkey"] == charlie_hot.as_str())
        .unwrap_or_else(|| panic!("charlie's hotkey is listed: {owners}"));
    assert_eq!(owner["owner"], fresh.as_str());
    assert_eq!(cli.json(&status)["status"], "none", "the swap is done");

    // A second hotkey swap (past the dev chain's 10-block rate limit), in words: it says
    // what to do next.
    taonet(&root)
        .args([
            "wallet",
            "new-hotkey",
            "--wallet-name",
            "bob",
            "--hotkey",
            "h3",
        ])
        .assert()
        .success();
    let h3 = ss58_of(&root, "bob", Some("h3"));
    let out = cli.text(&[
        "wallet",
        "swap-hotkey",
        "--wallet-name",
        "bob",
        "--wallet-hotkey",
        "h2",
        "--new-hotkey",
        "h3",
    ]);
    assert!(out.contains("finalized in block"), "{out}");
    assert!(
        out.contains("restart your miner or validator with the new hotkey (--wallet-hotkey h3)"),
        "{out}"
    );
    assert_eq!(cli.neuron(1, uid)["hotkey"], h3.as_str());
}

#[test]
fn root_membership_weights_and_axon_reset() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let cli = Cli::new(&net);
    let alice_hot = dev_keys("alice").1.account_id().to_ss58();
    let bob_hot = dev_keys("bob").1.account_id().to_ss58();
    let charlie_hot = dev_keys("charlie").1.account_id().to_ss58();

    // Genesis: alice's validator hotkey is the only member, without weights; `r` is `root`.
    let list = cli.json(&["root", "list"]);
    let alice_stake = list[0]["stake"].as_u64().unwrap();
    assert!(alice_stake >= 10_000 * TAO, "{list}");
    assert_eq!(
        list,
        json!([{ "hotkey": alice_hot, "stake": alice_stake, "weights": {} }])
    );
    assert_eq!(cli.json(&["r", "list"]), list);

    // A second subnet to weight.
    let created = cli.tx(&["subnet", "create", "--wallet-name", "alice"]);
    assert_eq!(created["netuid"], 2, "{created}");

    // bob enters his (unowned) hotkey: the root has room, so it is a member at once.
    let r = cli.tx(&["root", "register", "--wallet-name", "bob"]);
    assert!(r["fee"].as_u64().unwrap() > 0, "a paying call: {r}");
    assert_eq!(r["hotkey"], bob_hot.as_str());
    assert_eq!(r["uid"], 1, "{r}");
    let registered = r["block_height"].as_u64().unwrap();
    let list = cli.json(&["root", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(
        list[1],
        json!({ "hotkey": bob_hot, "stake": 0, "weights": {} })
    );
    let c = cli.json(&["root", "candidates"]);
    assert!(c["next_recompute"].as_u64().unwrap() > registered, "{c}");
    assert_eq!(c["max_members"], 64);
    assert_eq!(c["candidates"][0]["hotkey"], alice_hot.as_str());
    assert_eq!(c["candidates"][0]["uid"], 0);
    assert_eq!(
        c["candidates"][1],
        json!({ "hotkey": bob_hot, "stake": 0, "registered_at": registered, "uid": 1 })
    );
    let text = cli.text(&["root", "candidates"]);
    assert!(
        text.contains(&bob_hot) && text.contains("member (uid 1)"),
        "{text}"
    );
    // Registering again is refused by the chain, in words.
    let (out, _) = cli.refused(&["root", "register", "--wallet-name", "bob"], 1);
    assert!(out.contains("already a root member (uid 1)"), "{out}");

    // Root weights: alice over subnets 1 and 2, bob on subnet 2 only.
    let w = cli.tx(&[
        "root",
        "set-weights",
        "--wallet-name",
        "alice",
        "--netuids",
        "1,2",
        "--weights",
        "0.7,0.3",
    ]);
    assert_eq!(w["fee"], 0, "a free call: {w}");
    assert_eq!(w["netuids"], json!([1, 2]));
    assert_eq!(w["weights"], json!([65535, 28086]));
    cli.tx(&[
        "root",
        "set-weights",
        "--wallet-name",
        "bob",
        "--netuids",
        "2",
        "--weights",
        "1",
    ]);
    let list = cli.json(&["root", "list"]);
    assert_eq!(
        list[0]["weights"],
        json!({ "1": 65535, "2": 28086 }),
        "{list}"
    );
    assert_eq!(list[1]["weights"], json!({ "2": 65535 }), "{list}");
    let m = cli.json(&["root", "weights"]);
    assert_eq!(m["netuids"], json!([1, 2]));
    let row = &m["members"][0];
    assert_eq!(row["hotkey"], alice_hot.as_str());
    let share = |v: &Value| v.as_f64().unwrap();
    assert!((share(&row["weights"]["1"]) - 0.7).abs() < 1e-4, "{m}");
    assert!((share(&row["weights"]["2"]) - 0.3).abs() < 1e-4, "{m}");
    assert_eq!(m["members"][1]["weights"], json!({ "2": 1.0 }));
    let text = cli.text(&["root", "weights"]);
    assert!(
        text.contains("subnet 1") && text.contains("0.7000") && text.contains("0.3000"),
        "{text}"
    );
    let text = cli.text(&["root", "list"]);
    assert!(text.contains("1: 70.00%, 2: 30.00%"), "{text}");
    // Refusals: a hotkey that is not a member (exit 1, before sending), the root itself or a
    // malformed list (exit 2).
    let (_, err) = cli.refused(
        &[
            "root",
            "set-weights",
            "--wallet-name",
            "charlie",
            "--netuids",
            "1",
            "--weights",
            "1",
        ],
        1,
    );
    assert!(
        err.contains(&format!("hotkey {charlie_hot} is not a root member")),
        "{err}"
    );
    for (netuids, weights, says) in [
        ("0,1", "1,1", "root subnet itself"),
        ("1,2", "1", "one weight per netuid"),
        ("1,x", "1,1", "is not a netuid"),
    ] {
        let (_, err) = cli.refused(
            &[
                "root",
                "set-weights",
                "--wallet-name",
                "alice",
                "--netuids",
                netuids,
                "--weights",
                weights,
            ],
            2,
        );
        assert!(err.contains(says), "{netuids}/{weights}: {err}");
    }

    // --- axon reset: serve, reset (the metagraph shows no axon), reset again is refused.
    let reg = cli.tx(&[
        "subnet",
        "register",
        "--wallet-name",
        "bob",
        "--netuid",
        "1",
    ]);
    let uid = reg["uid"].as_u64().unwrap();
    let served = cli.tx(&[
        "axon",
        "serve",
        "--wallet-name",
        "bob",
        "--netuid",
        "1",
        "--ip",
        "10.0.0.9",
        "--port",
        "8091",
    ]);
    assert_eq!(cli.neuron(1, uid)["axon"]["address"], "10.0.0.9:8091");
    // The dev chain's serving rate limit is 2 blocks.
    cli.wait_height(served["block_height"].as_u64().unwrap() + 2);
    let reset = cli.tx(&["axon", "reset", "--wallet-name", "bob", "--netuid", "1"]);
    assert_eq!(reset["fee"], 0, "a free call: {reset}");
    assert_eq!(reset["hotkey"], bob_hot.as_str());
    assert_eq!(cli.neuron(1, uid)["axon"], Value::Null);
    cli.wait_height(reset["block_height"].as_u64().unwrap() + 2);
    let (out, err) = cli.refused(
        &["axon", "reset", "--wallet-name", "bob", "--netuid", "1"],
        1,
    );
    assert!(
        out.contains("serves no axon on subnet 1; nothing to reset"),
        "{out}\n{err}"
    );
    // A hotkey not registered on the subnet is refused by the node.
    let (_, err) = cli.refused(
        &["axon", "reset", "--wallet-name", "charlie", "--netuid", "1"],
        1,
    );
    assert!(err.contains("not registered"), "{err}");
}
