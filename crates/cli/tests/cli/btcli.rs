//! What btcli users type: the group aliases (`subnets`, `st`, `sudo`), `-H`/`--wallet-hotkey`,
//! named networks in the config file (`taonet config …`, `--network NAME|URL`) with their
//! resolution order and refusals, and `subnet burn-cost`. The offline parts run in a temporary
//! HOME; the rest on a real one-validator local network on free ports.

use std::path::Path;
use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value, json};

use super::localnet::{HEAVY, Localnet};
use super::{Command, json_out, taonet};

/// `taonet` with wallets and HOME at `root`, and no RPC, config or local network inherited
/// from the environment.
fn isolated(root: &Path) -> Command {
    let mut c = taonet(root);
    c.env_remove("TAONET_RPC")
        .env_remove("TAONET_CONFIG")
        .env_remove("TAONET_LOCALNET_DIR")
        .timeout(Duration::from_secs(120));
    c
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn help_lists_the_btcli_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let help = isolated(dir.path()).arg("--help").assert().success();
    // Help is wrapped to the terminal's width: compare with whitespace runs collapsed.
    let flat = |out: &[u8]| {
        String::from_utf8_lossy(out)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let text = flat(&help.get_output().stdout);
    for alias in [
        "[alias: st]",
        "[aliases: s, subnets]",
        "[aliases: w, wallets]",
        "[alias: su]",
        "[alias: c]",
    ] {
        assert!(text.contains(alias), "{alias} missing from:\n{text}");
    }
    let sub = isolated(dir.path())
        .args(["stake", "add", "--help"])
        .assert()
        .success();
    let text = flat(&sub.get_output().stdout);
    for flag in [
        "-H, --hotkey",
        "--wallet-hotkey",
        "-p, --wallet-path",
        "--network",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[test]
fn config_round_trip_refusals_and_malformed_files() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let file = home.join(".taonet/config.toml");
    let run = |args: &[&str]| json_out(isolated(home).arg("--json").args(args));

    // Nothing set: an empty config; `local` is always known.
    let listed = run(&["config", "list"]);
    assert_eq!(listed["network"], Value::Null);
    assert_eq!(listed["networks"], json!({ "local": "local" }));
    assert_eq!(listed["source"], "local");
    assert!(!file.exists(), "reading must not create the file");

    let set = run(&["config", "set", "networks.testnet", "ws://127.0.0.1:9"]);
    assert_eq!(
        set,
        json!({ "file": file, "key": "networks.testnet", "value": "ws://127.0.0.1:9" })
    );
    run(&["config", "set", "network", "testnet"]);
    assert_eq!(
        run(&["config", "get", "network"]),
        json!({ "key": "network", "value": "testnet" })
    );
    assert_eq!(
        run(&["config", "get", "networks.testnet"])["value"],
        "ws://127.0.0.1:9"
    );
    assert_eq!(run(&["config", "get", "networks.local"])["value"], "local");
    assert_eq!(
        run(&["c", "get"]),
        json!({
            "file": file,
            "network": "testnet",
            "networks": { "local": "local", "testnet": "ws://127.0.0.1:9" },
            "rpc": "ws://127.0.0.1:9",
            "source": "config",
        })
    );
    let saved = std::fs::read(&file).unwrap();

    // Refusals: exit 2, saying what is valid, and the file is untouched.
    let refusals: [(&[&str], &str); 7] = [
        (
            &["config", "set", "network", "nope"],
            "unknown network \"nope\"; known networks: local, testnet",
        ),
        (
            &["subnet", "list", "--network", "nope"],
            "--network: unknown network \"nope\"; known networks: local, testnet",
        ),
        (
            &["config", "set", "networks.local", "ws://127.0.0.1:1"],
            "built in",
        ),
        (
            &["config", "set", "networks.x", "not-a-url"],
            "not a node URL",
        ),
        (&["config", "set", "netwrk", "local"], "unknown key"),
        (&["config", "get", "networks.nope"], "known networks"),
        (
            &["config", "unset", "networks.testnet"],
            "is the default network",
        ),
    ];
    for (args, why) in refusals {
        isolated(home)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(why));
        assert_eq!(
            std::fs::read(&file).unwrap(),
            saved,
            "{args:?} changed the file"
        );
    }

    // TAONET_RPC names a network too, and comes before the config's default.
    let env_rpc = json_out(
        isolated(home)
            .env("TAONET_RPC", "local")
            .args(["--json", "config", "list"]),
    );
    assert_eq!(env_rpc["source"], "env");
    assert_eq!(env_rpc["rpc"], "ws://127.0.0.1:9944");

    // A malformed file: an error naming the file and line, for every command that needs it;
    // never rewritten. `--rpc URL` does not need it.
    let broken = "network = \"testnet\"\n[networks]\ntestnet = ws://127.0.0.1:9\n";
    std::fs::write(&file, broken).unwrap();
    let where_ = format!("{}, line 3", file.display());
    for args in [
        &["config", "list"][..],
        &["config", "set", "networks.y", "ws://127.0.0.1:2"],
        &["subnet", "list"],
        &["subnet", "list", "--network", "testnet"],
    ] {
        isolated(home)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(&where_));
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    isolated(home)
        .args(["subnet", "list", "--rpc", "ws://127.0.0.1:1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ws://127.0.0.1:1"));

    // $TAONET_CONFIG moves the file.
    let other = home.join("elsewhere/taonet.toml");
    json_out(isolated(home).env("TAONET_CONFIG", &other).args([
        "--json",
        "config",
        "set",
        "network",
        "ws://10.0.0.1:9944",
    ]));
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "network = \"ws://10.0.0.1:9944\"\n"
    );
    let unset = json_out(
        isolated(home)
            .env("TAONET_CONFIG", &other)
            .args(["--json", "config", "unset", "network"]),
    );
    assert_eq!(unset["removed"], true);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "");
}

#[test]
fn wallet_hotkey_short_flags() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let wallets = root.join("wallets");
    let w = wallets.to_str().unwrap();
    // `-p` and `-H` (btcli's short flags), `--wallet-hotkey` and `--wallet_name`.
    isolated(root)
        .args([
            "wallet",
            "create",
            "-p",
            w,
            "--wallet_name",
            "w1",
            "-H",
            "h1",
        ])
        .arg("--no-password")
        .assert()
        .success();
    isolated(root)
        .args(["w", "new-hotkey", "-p", w, "--wallet-name", "w1"])
        .args(["--wallet-hotkey", "h2"])
        .assert()
        .success();
    let shown = json_out(isolated(root).args([
        "--json",
        "wallets",
        "show",
        "-p",
        w,
        "--wallet-name",
        "w1",
    ]));
    let names: Vec<&str> = shown["hotkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["h1", "h2"]);
    assert!(wallets.join("w1/hotkeys/h2").exists());
    assert!(!root.join("w1").exists(), "-p must choose the wallet root");
}

/// The network's wallets, a config file of its own, and the test network's RPC.
struct Net {
    root: std::path::PathBuf,
    config: std::path::PathBuf,
    rpc: String,
}

impl Net {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = isolated(&self.root);
        c.env("TAONET_CONFIG", &self.config)
            .args(["--json", "--no-prompt"])
            .args(args);
        c
    }

    fn json(&self, args: &[&str]) -> Value {
        stdout_json(&self.cmd(args).assert().success().get_output().clone())
    }

    fn json_rpc(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--rpc", &self.rpc]);
        self.json(&all)
    }

    /// `alias` prints what `original` prints (read between two readings of `original` that
    /// agree, so the chain did not move in between).
    fn same_as(&self, alias: &[&str], original: &[&str]) {
        for _ in 0..20 {
            let before = self.json_rpc(original);
            let got = self.json_rpc(alias);
            if self.json_rpc(original) == before {
                assert_eq!(got, before, "{alias:?} differs from {original:?}");
                return;
            }
        }
        panic!("{original:?} never read the same twice");
    }
}

fn netuids(list: &Value) -> Vec<u64> {
    list["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["netuid"].as_u64().unwrap())
        .collect()
}

#[test]
fn aliases_named_networks_and_burn_cost_on_a_local_network() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let net = Localnet::up(1);
    let cfg = tempfile::tempdir().unwrap();
    let n = Net {
        root: net.dir.path().join("wallets"),
        config: cfg.path().join("config.toml"),
        rpc: net.rpc(0),
    };

    // --- named networks: `--network NAME` reaches the node the name stands for
    n.json(&["config", "set", "networks.testnet", &n.rpc]);
    let by_url = netuids(&n.json_rpc(&["subnet", "list"]));
    assert!(by_url.contains(&1), "{by_url:?}");
    assert_eq!(
        netuids(&n.json(&["subnets", "list", "--network", "testnet"])),
        by_url
    );
    // `local` is the running local network.
    let local = n
        .cmd(&["subnet", "list", "--network", "local"])
        .env("TAONET_LOCALNET_DIR", net.dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(netuids(&stdout_json(&local)), by_url);
    // The config's default network serves commands given no flag …
    n.json(&["config", "set", "network", "testnet"]);
    assert_eq!(netuids(&n.json(&["subnet", "list"])), by_url);
    // … after TAONET_RPC, which comes after the flag.
    n.cmd(&["subnet", "list"])
        .env("TAONET_RPC", "ws://127.0.0.1:1")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ws://127.0.0.1:1"));
    let flag_first = n
        .cmd(&["subnet", "list", "--network", "testnet"])
        .env("TAONET_RPC", "ws://127.0.0.1:1")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(netuids(&stdout_json(&flag_first)), by_url);

    // --- aliases read what the originals read
    n.same_as(
        &["subnets", "show", "--netuid", "1"],
        &["subnet", "show", "--netuid", "1"],
    );
    n.same_as(
        &["st", "list", "--wallet-name", "alice"],
        &["stake", "list", "--wallet-name", "alice"],
    );
    n.same_as(
        &["sudo", "get", "--netuid", "1"],
        &["subnet", "hyperparams", "--netuid", "1"],
    );
    n.same_as(
        &["subnets", "hyperparameters", "--netuid", "1"],
        &["subnet", "hyperparams", "--netuid", "1"],
    );

    // --- burn-cost without a netuid: the lock cost `subnet create` locks
    let lock = n.json_rpc(&["subnet", "burn-cost"]);
    let created = n.json_rpc(&["subnets", "create", "--wallet-name", "bob"]);
    assert_eq!(created["success"], true, "{created}");
    assert_eq!(lock, json!({ "lock_cost": created["lock_cost"] }));
    let netuid = created["netuid"].as_u64().unwrap().to_string();

    // --- sudo set: btcli's flags, the owner's change, seen by `subnet hyperparams`
    let set = n.json_rpc(&[
        "sudo",
        "set",
        "--netuid",
        &netuid,
        "--param",
        "tempo",
        "--value",
        "17",
        "--wallet-name",
        "bob",
    ]);
    assert_eq!(set["success"], true, "{set}");
    let hp = n.json_rpc(&["subnet", "hyperparams", "--netuid", &netuid]);
    assert_eq!(hp["hyperparams"]["tempo"], 17);
    assert_eq!(n.json_rpc(&["su", "get", "--netuid", &netuid]), hp);
    // Refused like the original: not the owner (exit 1), an unknown name (exit 2).
    n.cmd(&[
        "sudo",
        "set",
        "--netuid",
        &netuid,
        "--parameter",
        "tempo",
        "--value",
        "30",
        "--wallet-name",
        "alice",
        "--rpc",
        &n.rpc,
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("owned by"));
    n.cmd(&[
        "sudo", "set", "--netuid", &netuid, "--param", "nope", "--value", "1", "--rpc", &n.rpc,
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("valid names"));

    // --- burn-cost --netuid: the registration burn `subnet show` and `subnet list` report
    let (cost, shown) = (0..20)
        .find_map(|_| {
            let before = n.json_rpc(&["subnet", "show", "--netuid", &netuid]);
            let cost = n.json_rpc(&["subnet", "burn-cost", "--netuid", &netuid]);
            let after = n.json_rpc(&["subnet", "show", "--netuid", &netuid]);
            (before["subnet"]["burn"] == after["subnet"]["burn"]).then_some((cost, before))
        })
        .expect("the burn never read the same twice");
    assert_eq!(
        cost,
        json!({ "netuid": created["netuid"], "burn": shown["subnet"]["burn"] })
    );
    assert!(cost["burn"].as_u64().unwrap() > 0, "{cost}");
    n.cmd(&["subnet", "burn-cost", "--netuid", "999", "--rpc", &n.rpc])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("subnet 999 does not exist"));

    // --- -H: a new hotkey of bob's, registered by its name given as -H
    n.json(&[
        "wallet",
        "new-hotkey",
        "--wallet-name",
        "bob",
        "-H",
        "extra",
    ]);
    let extra = n.json(&["wallet", "show", "--wallet-name", "bob"])["hotkeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "extra")
        .unwrap()["ss58"]
        .clone();
    let reg = n.json_rpc(&[
        "subnet",
        "register",
        "--netuid",
        &netuid,
        "--wallet-name",
        "bob",
        "-H",
        "extra",
    ]);
    assert_eq!(reg["success"], true, "{reg}");
    assert_eq!(reg["hotkey"], extra);
    let meta = n.json_rpc(&["s", "metagraph", "--netuid", &netuid]);
    assert!(
        meta["neurons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["hotkey"] == extra),
        "{meta}"
    );
}
