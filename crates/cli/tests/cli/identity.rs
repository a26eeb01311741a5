//! `taonet wallet set-identity`, `get-identity` and `clear-identity` on a real one-validator
//! local network (free ports): the identity round-trips through the chain, the fee is paid,
//! the delegate list shows the name, bad texts are refused before anything is signed (exit 2,
//! nonce unchanged), and clearing an absent identity is refused without sending.

use std::time::Duration;

use serde_json::{Value, json};
use taonet_crypto::Ss58;
use taonet_runtime::genesis::dev_keys;

use super::localnet::{HEAVY, Localnet};
use super::netcli::Cli;
use super::taonet;

impl Cli {
    /// A command that must fail with `code`: its stderr.
    fn refused_err(&self, args: &[&str], code: i32) -> String {
        self.refused(args, code).1
    }
}

#[test]
fn wallet_set_get_and_clear_identity() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let cli = Cli::new(&net);
    let (alice, _) = dev_keys("alice");
    let alice_ss58 = alice.account_id().to_ss58();
    let get = ["wallet", "get-identity", "--wallet-name", "alice"];
    assert_eq!(
        cli.json(&get),
        json!({ "address": alice_ss58, "identity": null })
    );

    // Set: a paying transaction signed by the coldkey.
    let t = cli.json(&[
        "wallet",
        "set-identity",
        "--wallet-name",
        "alice",
        "--name",
        "Alice's validator ✓",
        "--url",
        "https://alice.example",
        "--description",
        "Validates every subnet",
    ]);
    assert_eq!(t["success"], true, "{t}");
    assert!(t["fee"].as_u64().unwrap() > 0, "{t}");
    assert_eq!(t["address"], alice_ss58.as_str());
    let want = json!({
        "address": alice_ss58,
        "identity": {
            "name": "Alice's validator ✓",
            "url": "https://alice.example",
            "description": "Validates every subnet",
            "block": t["block_height"],
        }
    });
    assert_eq!(cli.json(&get), want);
    assert_eq!(
        cli.json(&["wallet", "get-identity", "--ss58", &alice_ss58]),
        want
    );
    // The human form shows the texts.
    let mut human = taonet(&cli.root);
    human
        .args([
            "--no-prompt",
            "wallet",
            "get-identity",
            "--wallet-name",
            "alice",
        ])
        .args(["--rpc", &cli.rpc])
        .timeout(Duration::from_secs(60));
    let out = String::from_utf8(human.assert().success().get_output().stdout.clone()).unwrap();
    for text in [
        "Alice's validator ✓",
        "https://alice.example",
        "Validates every subnet",
    ] {
        assert!(out.contains(text), "get-identity lacks {text:?}:\n{out}");
    }
    // The delegate list names alice's hotkey's owner by it.
    let mut delegates = taonet(&cli.root);
    delegates
        .args(["--no-prompt", "delegate", "list", "--rpc", &cli.rpc])
        .timeout(Duration::from_secs(60));
    let out = String::from_utf8(delegates.assert().success().get_output().stdout.clone()).unwrap();
    assert!(
        out.contains("Alice's validator ✓ (5Grwv…utQY)"),
        "delegate list lacks alice's identity:\n{out}"
    );
    // Another account has none.
    let (bob, _) = dev_keys("bob");
    assert_eq!(
        cli.json(&[
            "wallet",
            "get-identity",
            "--ss58",
            &bob.account_id().to_ss58()
        ])["identity"],
        Value::Null
    );

    // Bad input: exit 2 with the rule, nothing signed or sent (the nonce stays).
    let nonce = cli.nonce(&alice_ss58);
    let long = "x".repeat(257);
    for (args, says) in [
        (vec!["--name", ""], "needs a name"),
        (
            vec!["--name", "A", "--description", "two\nlines"],
            "control character",
        ),
        (vec!["--name", "A\u{1b}[1m"], "control character"),
        (vec!["--name", &long], "at most 256"),
        (vec!["--name", "A", "--url", &long], "url is 257 bytes"),
    ] {
        let mut full = vec!["wallet", "set-identity", "--wallet-name", "alice"];
        full.extend(args);
        let err = cli.refused_err(&full, 2);
        assert!(err.contains(says), "{full:?}: stderr lacks {says:?}: {err}");
    }
    let err = cli.refused_err(&["wallet", "get-identity", "--ss58", "5notanaddress"], 2);
    assert!(err.contains("--ss58"), "{err}");
    assert_eq!(cli.nonce(&alice_ss58), nonce, "nothing was sent");
    assert_eq!(cli.json(&get), want, "the identity is unchanged");

    // Clear, then clearing again is refused before sending.
    let t = cli.json(&["wallet", "clear-identity", "--wallet-name", "alice"]);
    assert_eq!(t["success"], true, "{t}");
    assert!(t["fee"].as_u64().unwrap() > 0, "{t}");
    assert_eq!(cli.json(&get)["identity"], Value::Null);
    let nonce = cli.nonce(&alice_ss58);
    let err = cli.refused_err(&["wallet", "clear-identity", "--wallet-name", "alice"], 1);
    assert!(err.contains("has no on-chain identity"), "{err}");
    assert_eq!(cli.nonce(&alice_ss58), nonce);
}
