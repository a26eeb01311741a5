//! `docs/cli-json.md` against the real `--json` output: the document parses (its shape
//! language is checked in [`shape`]), and commands run offline and against a one-validator
//! local network (free ports) print exactly the documented shapes — an undocumented key, a
//! missing one or a wrong type fails with the JSON path. Transactions are checked against the
//! shared receipt shape, failed ones included (their receipt is printed with exit 1). That
//! every command of the CLI is documented is checked by the binary's unit test
//! (`src/json_docs_check.rs`), which walks the clap tree.
//!
//! Not run here (checked by that completeness test only): `localnet start`/`stop` (they would
//! stop the only validator), `bench tps` (its own local network, minutes), `query` and `channel
//! claim` with a voucher book (a gateway), `channel reclaim` (only after expiry), and the
//! long-running `node run`, `miner run` and `validator run`, which print no JSON.

mod shape;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use taonet_crypto::Ss58;
use taonet_runtime::genesis::dev_keys;

use self::shape::Doc;
use super::localnet::{HEAVY, Localnet, taonet_bin};
use super::taonet;

/// The document, parsed.
pub(crate) fn doc() -> Doc {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Doc::parse(&text).unwrap_or_else(|e| panic!("docs/cli-json.md: {e}"))
}

/// Runs commands with `--json --no-prompt` and checks their output against the document.
struct Runner {
    doc: Doc,
    wallets: PathBuf,
    config: PathBuf,
    rpc: Option<String>,
    checked: BTreeSet<String>,
}

impl Runner {
    fn new(wallets: PathBuf, config: PathBuf, rpc: Option<String>) -> Runner {
        Runner {
            doc: doc(),
            wallets,
            config,
            rpc,
            checked: BTreeSet::new(),
        }
    }

    /// `taonet --json --no-prompt CMD ARGS [--rpc URL]`, which must exit with one of `codes`;
    /// checks its stdout against CMD's shape and returns its first JSON value.
    fn run_with(&mut self, cmd: &str, args: &[&str], codes: &[i32]) -> Value {
        let mut c = taonet(&self.wallets);
        c.env("TAONET_CONFIG", &self.config)
            .env_remove("TAONET_RPC")
            .args(["--json", "--no-prompt"])
            .args(cmd.split(' '))
            .args(args);
        if let Some(rpc) = &self.rpc {
            c.args(["--rpc", rpc]);
        }
        c.timeout(Duration::from_secs(120));
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            codes.contains(&code),
            "`taonet {cmd} {}` exited {code} (expected {codes:?})\nstdout: {stdout}\nstderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        self.check(cmd, &stdout)
    }

    /// [`Runner::run_with`] for a command that must succeed.
    fn run(&mut self, cmd: &str, args: &[&str]) -> Value {
        self.run_with(cmd, args, &[0])
    }

    /// Checks `stdout` of `cmd`; its first value.
    fn check(&mut self, cmd: &str, stdout: &str) -> Value {
        if let Err(e) = self.doc.check_output(cmd, stdout) {
            panic!("{e}");
        }
        self.checked.insert(cmd.to_string());
        serde_json::from_str(stdout.lines().next().unwrap_or_default()).unwrap()
    }
}

#[test]
fn the_document_parses_and_lists_commands() {
    let d = doc();
    for cmd in ["wallet create", "stake add", "sim yuma", "sudo get"] {
        assert!(d.commands.contains_key(cmd), "{cmd}");
    }
    assert!(d.commands["sim yuma"].lines);
    assert!(d.no_json.contains("node run"));
    assert!(d.shared.contains_key("receipt"));
}

#[test]
fn offline_commands_print_their_documented_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("wallets");
    let mut r = Runner::new(root.clone(), dir.path().join("config.toml"), None);
    let created = r.run("wallet create", &["--wallet-name", "a", "--no-password"]);
    let cold = created["coldkey"]["ss58"].as_str().unwrap().to_string();
    let mnemonic = created["coldkey"]["mnemonic"].as_str().unwrap().to_string();
    r.run(
        "wallet new-coldkey",
        &["--wallet-name", "b", "--no-password"],
    );
    r.run(
        "wallet new-hotkey",
        &["--wallet-name", "b", "--hotkey", "h2"],
    );
    r.run(
        "wallet regen-coldkey",
        &[
            "--wallet-name",
            "c",
            "--no-password",
            "--mnemonic",
            &mnemonic,
        ],
    );
    let seed = format!("0x{}", "22".repeat(32));
    r.run(
        "wallet regen-hotkey",
        &["--wallet-name", "c", "--seed", &seed],
    );
    r.run(
        "wallet regen-coldkeypub",
        &["--wallet-name", "d", "--ss58", &cold],
    );
    r.run("wallet list", &[]);
    r.run("wallet show", &["--wallet-name", "d"]);
    let signed = r.run("wallet sign", &["--wallet-name", "a", "--message", "hi"]);
    let sig = signed["signature"].as_str().unwrap();
    let v = r.run(
        "wallet verify",
        &["--ss58", &cold, "--message", "hi", "--signature", sig],
    );
    assert_eq!(v["valid"], true);
    let v = r.run_with(
        "wallet verify",
        &["--ss58", &cold, "--message", "ho", "--signature", sig],
        &[1],
    );
    assert_eq!(v["valid"], false);

    r.run("config set", &["networks.test", "ws://127.0.0.1:1"]);
    r.run("config get", &["networks.test"]);
    assert_eq!(r.run("config get", &["network"])["value"], Value::Null);
    r.run("config list", &[]);
    r.run("config unset", &["networks.test"]);

    let p = |name: &str| dir.path().join(name).display().to_string();
    r.run(
        "miner corpus",
        &["--out", &p("corpus.txt"), "--bytes", "2000"],
    );
    let model = p("model.bin");
    r.run(
        "miner train",
        &["--out", &model, "--bytes", "20000", "--order", "2"],
    );
    r.run("miner eval", &["--model", &model, "--samples", "4"]);
    r.run(
        "miner mixture",
        &[
            "--orders",
            "2,1",
            "--train-bytes",
            "20000",
            "--heldout-bytes",
            "2000",
        ],
    );
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/yuma/new_miner_joining.json")
        .display()
        .to_string();
    r.run("sim yuma", &[&scenario]);
    let node = p("node");
    let spec = p("spec.json");
    let init = r.run("node init", &["--data-dir", &node, "--spec-out", &spec]);
    assert_eq!(init["created"], true);
    assert_eq!(r.checked.len(), 20, "{:?}", r.checked);
}

#[test]
fn chain_commands_print_their_documented_shapes() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let rpc = net.rpc(0);
    let mut r = Runner::new(
        net.dir.path().join("wallets"),
        net.dir.path().join("config.toml"),
        Some(rpc.clone()),
    );
    let w = |name: &str| ["--wallet-name".to_string(), name.to_string()];
    let alice_hot = dev_keys("alice").1.account_id().to_ss58();
    let bob = dev_keys("bob").0.account_id().to_ss58();
    let dave = dev_keys("dave").0.account_id().to_ss58();

    // The local network's own commands: its record (what `up --json` printed) and status.
    let record: Value =
        serde_json::from_slice(&std::fs::read(net.dir.path().join("localnet.json")).unwrap())
            .unwrap();
    r.check("localnet up", &format!("{record}\n"));
    let status = net.run(&["status"]);
    assert!(status.status.success());
    r.check("localnet status", &String::from_utf8_lossy(&status.stdout));

    // Reads.
    for (cmd, args) in [
        ("wallet balance", &w("alice")[..]),
        ("wallet balance", &["--all".to_string()][..]),
        ("wallet overview", &w("alice")[..]),
        ("wallet overview", &["--all".to_string()][..]),
        ("wallet get-identity", &w("alice")[..]),
        ("stake list", &w("alice")[..]),
        ("stake unbonding", &w("alice")[..]),
        ("subnet list", &[][..]),
        ("subnet burn-cost", &[][..]),
        ("delegate list", &[][..]),
        ("consensus nodes", &[][..]),
        ("consensus participation", &[][..]),
        ("consensus jail", &w("alice")[..]),
        ("gov treasury", &[][..]),
        ("gov upgrade", &[][..]),
        ("gov list", &[][..]),
        ("root list", &[][..]),
        ("root candidates", &[][..]),
        ("root weights", &[][..]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        r.run(cmd, &args);
    }

    // Transactions and what they change.
    r.run(
        "wallet transfer",
        &["--wallet-name", "alice", "--dest", &bob, "--amount", "1"],
    );
    let staked = r.run(
        "stake add",
        &[
            "--wallet-name",
            "bob",
            "--hotkey-ss58",
            &alice_hot,
            "--amount",
            "2",
        ],
    );
    assert_eq!(staked["success"], true, "{staked}");
    r.run(
        "stake remove",
        &[
            "--wallet-name",
            "bob",
            "--hotkey-ss58",
            &alice_hot,
            "--amount",
            "1",
        ],
    );
    let unbonding = r.run("stake unbonding", &["--wallet-name", "bob"]);
    assert_eq!(unbonding["unbonding"].as_array().unwrap().len(), 1);
    let take = r.run(
        "delegate set-take",
        &["--wallet-name", "alice", "--take", "10"],
    );
    assert_eq!(take["success"], true, "{take}");
    let same = r.run(
        "delegate set-take",
        &["--wallet-name", "alice", "--take", "10"],
    );
    assert_eq!(same["changed"], false, "{same}");
    r.run(
        "wallet set-identity",
        &[
            "--wallet-name",
            "alice",
            "--name",
            "Alice",
            "--url",
            "https://a.example",
        ],
    );
    r.run("wallet get-identity", &["--wallet-name", "alice"]);
    r.run("delegate list", &[]);
    r.run("wallet clear-identity", &["--wallet-name", "alice"]);

    // A subnet of bob's, with a neuron of charlie's.
    let created = r.run(
        "subnet create",
        &["--wallet-name", "bob", "--name", "bobnet"],
    );
    assert!(created["identity"]["success"] == true, "{created}");
    let netuid = created["netuid"].as_u64().unwrap().to_string();
    let n = netuid.as_str();
    r.run("subnet show", &["--netuid", n]);
    r.run("subnet hyperparams", &["--netuid", n]);
    r.run("sudo get", &["--netuid", n]);
    r.run("subnet burn-cost", &["--netuid", n]);
    r.run(
        "subnet set-hyperparam",
        &[
            "--wallet-name",
            "bob",
            "--netuid",
            n,
            "--param",
            "commit_reveal_enabled",
            "--value",
            "true",
        ],
    );
    // Hyperparameter changes are rate-limited: this one may fail, with its receipt.
    r.run_with(
        "sudo set",
        &[
            "--wallet-name",
            "bob",
            "--netuid",
            n,
            "--param",
            "tempo",
            "--value",
            "12",
        ],
        &[0, 1],
    );
    let reg = r.run(
        "subnet register",
        &["--wallet-name", "charlie", "--netuid", n],
    );
    let uid = reg["uid"].as_u64().unwrap().to_string();
    r.run(
        "subnet commit",
        &["--wallet-name", "charlie", "--netuid", n, "--data", "hello"],
    );
    r.run("subnet commitment", &["--netuid", n, "--uid", &uid]);
    r.run(
        "axon serve",
        &[
            "--wallet-name",
            "charlie",
            "--netuid",
            n,
            "--ip",
            "127.0.0.1",
            "--port",
            "8091",
        ],
    );
    let meta = r.run("subnet metagraph", &["--netuid", n, "--weights", "--bonds"]);
    assert!(meta["neurons"][1]["commitment"].is_string(), "{meta}");
    r.run(
        "weights set",
        &[
            "--wallet-name",
            "alice",
            "--netuid",
            "1",
            "--uids",
            "0",
            "--weights",
            "1",
        ],
    );
    r.run(
        "weights commit",
        &[
            "--wallet-name",
            "charlie",
            "--netuid",
            n,
            "--uids",
            "0,1",
            "--weights",
            "1,1",
        ],
    );
    // The reveal waits for its block; the chain may refuse it (its receipt, exit 1).
    r.run_with(
        "weights reveal",
        &["--wallet-name", "charlie", "--netuid", n],
        &[0, 1],
    );

    // Consensus: a key made by `node init`, and an unjail of a hotkey not jailed (refused
    // by the runtime: a failed receipt).
    let node = net.dir.path().join("extra-node").display().to_string();
    let rpc_flag = r.rpc.take();
    r.run("node init", &["--data-dir", &node]);
    r.rpc = rpc_flag;
    let key = format!("{node}/consensus.key");
    r.run(
        "consensus register-key",
        &["--wallet-name", "charlie", "--key-file", &key],
    );
    let unjail = r.run_with("consensus unjail", &["--wallet-name", "alice"], &[1]);
    assert_eq!(unjail["success"], false, "{unjail}");

    // Governance: the three kinds of actions, a vote, a cancel.
    let text = r.run(
        "gov propose",
        &["--wallet-name", "alice", "--text", "--description", "hello"],
    );
    let id = text["proposal"].as_u64().unwrap().to_string();
    r.run(
        "gov propose",
        &["--wallet-name", "alice", "--set", "tx_byte_fee=0.0000002"],
    );
    let spend = r.run(
        "gov propose",
        &[
            "--wallet-name",
            "alice",
            "--spend-to",
            &dave,
            "--amount",
            "0.00001",
        ],
    );
    r.run(
        "gov vote",
        &["--wallet-name", "bob", "--proposal", &id, "--aye"],
    );
    r.run("gov show", &[&id]);
    r.run("gov list", &[]);
    let spend_id = spend["proposal"].as_u64().unwrap().to_string();
    r.run(
        "gov cancel",
        &["--wallet-name", "alice", "--proposal", &spend_id],
    );

    // A payment channel from dave to alice's validator hotkey, claimed by alice.
    let opened = r.run(
        "channel open",
        &[
            "--wallet-name",
            "dave",
            "--gateway",
            &alice_hot,
            "--amount",
            "1",
            "--blocks",
            "200",
        ],
    );
    let ch = opened["channel"].as_str().unwrap().to_string();
    r.run("channel show", &[&ch]);
    r.run("channel list", &["--wallet-name", "dave"]);
    let voucher = r.run(
        "channel voucher",
        &["--wallet-name", "dave", "--channel", &ch, "--amount", "0.1"],
    );
    let hex = voucher["voucher"].as_str().unwrap().to_string();
    r.run(
        "channel top-up",
        &[&ch, "--wallet-name", "dave", "--amount", "1"],
    );
    r.run(
        "channel claim",
        &[
            "--wallet-name",
            "alice",
            "--channel",
            &ch,
            "--voucher",
            &hex,
        ],
    );

    // A recorded scenario (one epoch of subnet 1).
    let out = net.dir.path().join("recorded.json").display().to_string();
    r.run(
        "sim record",
        &["--netuid", "1", "--epochs", "1", "--out", &out],
    );

    // The explorer prints its address once it listens, then serves until stopped.
    let mut explorer = std::process::Command::new(taonet_bin())
        .args([
            "--json",
            "explorer",
            "--listen",
            "127.0.0.1:0",
            "--rpc",
            &rpc,
        ])
        .env("HOME", net.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(explorer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    explorer.kill().unwrap();
    explorer.wait().unwrap();
    r.check("explorer", &line);

    // Down (the network's drop purges it afterwards).
    let down = net.run(&["down"]);
    assert!(down.status.success());
    r.check("localnet down", &String::from_utf8_lossy(&down.stdout));
    assert_eq!(r.checked.len(), 55, "{:?}", r.checked);
}
