//! Real processes: `taonet localnet` with 4 validators (a transfer and a stake finalized, a
//! validator killed with SIGKILL and restarted, everyone agreeing again), the text subnet's
//! miners and validators as their own processes (the best miner earns the most, the
//! validators' weights agree), and validators in separate network namespaces
//! (`scripts/netns-test.sh`: a cut link partitions a node, restoring it heals).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use taonet_client::{TxStatus, prelude::*};
use taonet_crypto::Keypair;
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::{BalancesCall, ChainDomain, StakingCall};
use taonet_types::{Call, Rao, SignedTransaction, Transaction};

/// These tests (and the guide's, `guide.rs`) each run several validators on a 2-core machine:
/// one at a time.
pub(crate) static HEAVY: Mutex<()> = Mutex::new(());

/// Every wait is bounded by this.
pub(crate) const WAIT: Duration = Duration::from_secs(240);

pub(crate) fn taonet_bin() -> PathBuf {
    PathBuf::from(assert_cmd::cargo::cargo_bin!("taonet"))
}

/// A local network in a temporary directory, taken down (and deleted) when dropped.
pub(crate) struct Localnet {
    pub(crate) dir: tempfile::TempDir,
    nodes: usize,
}

impl Localnet {
    /// Only the chain.
    pub(crate) fn up(nodes: usize) -> Localnet {
        Localnet::up_with(nodes, &["--no-neurons"])
    }

    pub(crate) fn up_with(nodes: usize, extra: &[&str]) -> Localnet {
        let dir = tempfile::tempdir().unwrap();
        // Base ports from the pid: away from the defaults (9944/30333/9615) and from other
        // test processes.
        let slot = (std::process::id() % 3000) as u16;
        let rpc = 20_000 + slot * 4;
        let net = Localnet { dir, nodes };
        let out = net.run(
            &[
                "up",
                "--validators",
                &nodes.to_string(),
                "--rpc-port",
                &rpc.to_string(),
                "--p2p-port",
                &(rpc + 12_000).to_string(),
                "--metrics-port",
                &(rpc + 24_000).to_string(),
                "--timeout",
                &WAIT.as_secs().to_string(),
            ]
            .into_iter()
            .chain(extra.iter().copied())
            .collect::<Vec<_>>(),
        );
        assert!(
            out.status.success(),
            "localnet up failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            net.logs()
        );
        net
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        Command::new(taonet_bin())
            .arg("--json")
            .arg("localnet")
            .arg("--dir")
            .arg(self.dir.path())
            .args(args)
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }

    pub(crate) fn status(&self) -> Value {
        let out = self.run(&["status"]);
        assert!(
            out.status.success(),
            "localnet status failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn node(&self, i: usize) -> Value {
        self.status()["nodes"][i].clone()
    }

    pub(crate) fn rpc(&self, i: usize) -> String {
        self.node(i)["rpc"].as_str().unwrap().to_string()
    }

    /// The last lines of every node's and neuron's log, for failure messages.
    pub(crate) fn logs(&self) -> String {
        let mut logs: Vec<(String, PathBuf)> = (0..self.nodes)
            .map(|i| {
                (
                    format!("validator-{i}"),
                    self.dir.path().join(format!("validator-{i}/node.log")),
                )
            })
            .collect();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("neurons")) {
            let mut neurons: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            neurons.sort();
            logs.extend(neurons.into_iter().map(|p| (p.display().to_string(), p)));
        }
        logs.iter()
            .map(|(name, log)| format!("--- {name} ({}):\n{}", log.display(), tail(log, 15)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Polls `check` every 250 ms until it returns `Some`, failing after [`WAIT`].
    pub(crate) fn wait_for<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = check() {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {} s waiting for {what}\nstatus: {}\n{}",
                    WAIT.as_secs(),
                    self.status(),
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        let _ = self.run(&["down", "--purge"]);
    }
}

pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Signs `call` by `signer` with its next nonce, submits it to `client` and waits (bounded) for
/// it to be finalized successfully; returns the block height.
pub(crate) async fn submit_finalized(
    client: &Client,
    domain: &ChainDomain,
    signer: &Keypair,
    call: Call,
) -> u64 {
    let nonce = client.state_get_account(signer.ss58()).await.unwrap().nonce;
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(1_000_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    let signed = SignedTransaction { tx, signature };
    let status = tokio::time::timeout(WAIT, client.submit_and_watch(&signed, |_| {}))
        .await
        .unwrap_or_else(|_| panic!("transaction not finalized within {} s", WAIT.as_secs()))
        .unwrap();
    match status {
        TxStatus::Finalized {
            block_height,
            success: true,
            ..
        } => block_height,
        other => panic!("transaction failed: {other:?}"),
    }
}

async fn finalized_height(rpc: &str) -> Option<u64> {
    let client = tokio::time::timeout(Duration::from_secs(2), Client::connect(rpc))
        .await
        .ok()?
        .ok()?;
    tokio::time::timeout(Duration::from_secs(2), client.chain_get_finalized_head())
        .await
        .ok()?
        .ok()
        .map(|h| h.height)
}

#[test]
fn four_validators_survive_a_sigkill_and_agree_again() {
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let net = Localnet::up(4);
    let rt = rt();
    let rpcs: Vec<String> = (0..4).map(|i| net.rpc(i)).collect();

    // `status --watch` keeps reporting: one JSON document per refresh, heights moving on.
    let mut watcher = Command::new(taonet_bin())
        .args(["--json", "localnet", "--dir"])
        .arg(net.dir.path())
        .args(["status", "--watch", "1"])
        .env("HOME", net.dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(3_500));
    watcher.kill().unwrap();
    let out = watcher.wait_with_output().unwrap();
    let snapshots: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(snapshots.len() >= 2, "{snapshots:?}");
    let height = |v: &Value| v["nodes"][0]["finalized_height"].as_u64().unwrap();
    assert!(height(snapshots.last().unwrap()) > height(&snapshots[0]));
    assert!(
        snapshots
            .iter()
            .all(|s| s["nodes"].as_array().unwrap().len() == 4)
    );
    let client = rt.block_on(Client::connect(&rpcs[0])).unwrap();
    let props = rt.block_on(client.system_properties()).unwrap();
    let domain = ChainDomain {
        chain_id: props.chain_id,
        genesis_hash: props.genesis_hash,
    };
    let (alice, alice_hot) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let (heidi, _) = dev_keys("heidi");

    // While it runs, wallet commands that read keys find the development wallets by name, and
    // `wallet list` shows them apart from the user's own (none here).
    let elsewhere = tempfile::tempdir().unwrap();
    let wallet = |args: &[&str]| -> Value {
        let out = Command::new(taonet_bin())
            .args(["--json", "--no-prompt", "wallet"])
            .args(args)
            .env("HOME", elsewhere.path())
            .env("TAONET_LOCALNET_DIR", net.dir.path())
            .env_remove("TAONET_WALLET_PATH")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "wallet {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let shown = wallet(&["show", "--wallet-name", "alice"]);
    assert_eq!(shown["coldkey"]["ss58"], alice.ss58(), "{shown}");
    let listed = wallet(&["list"]);
    assert_eq!(listed["wallets"], serde_json::json!([]), "{listed}");
    let dev: Vec<&str> = listed["localnet"]["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert!(dev.contains(&"alice") && dev.contains(&"heidi"), "{listed}");

    // A transfer, finalized, moves exactly the amount.
    let heidi_before = rt
        .block_on(client.state_get_account(heidi.ss58()))
        .unwrap()
        .free;
    let amount = Rao(1_500_000_000);
    rt.block_on(submit_finalized(
        &client,
        &domain,
        &alice,
        Call::Balances(BalancesCall::Transfer {
            dest: heidi.account_id(),
            amount,
        }),
    ));
    let heidi_after = rt
        .block_on(client.state_get_account(heidi.ss58()))
        .unwrap()
        .free;
    assert_eq!(heidi_after, heidi_before.checked_add(amount).unwrap());

    // Bob stakes on alice's validator hotkey.
    let stake = Rao(10_000_000_000);
    rt.block_on(submit_finalized(
        &client,
        &domain,
        &bob,
        Call::Staking(StakingCall::AddStake {
            hotkey: alice_hot.account_id(),
            amount: stake,
        }),
    ));
    let positions = rt.block_on(client.state_get_stake(bob.ss58())).unwrap();
    let on_alice = positions
        .iter()
        .find(|p| p.hotkey == alice_hot.ss58())
        .unwrap_or_else(|| panic!("no stake of bob on alice's hotkey: {positions:?}"));
    assert!(on_alice.amount >= stake, "{positions:?}");

    // SIGKILL validator-3: no clean shutdown.
    let victim = net.node(3);
    let pid = victim["pid"].as_u64().unwrap();
    assert!(victim["running"] == true && pid != 0, "{victim}");
    let killed = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success(), "kill -9 {pid} failed");
    net.wait_for("validator-3 to be reported stopped", || {
        (net.node(3)["running"] == false).then_some(())
    });

    // The other three keep finalizing (3 of 4 is a quorum)…
    let others = |h: u64| {
        (0..3).all(|i| {
            rt.block_on(finalized_height(&rpcs[i]))
                .is_some_and(|f| f >= h)
        })
    };
    let at_kill = (0..3)
        .filter_map(|i| rt.block_on(finalized_height(&rpcs[i])))
        .max()
        .unwrap();
    net.wait_for(
        "the 3 remaining validators to finalize 5 more blocks",
        || others(at_kill + 5).then_some(()),
    );
    // …including a transaction the stopped node has not seen.
    let during = rt.block_on(submit_finalized(
        &client,
        &domain,
        &alice,
        Call::Balances(BalancesCall::Transfer {
            dest: heidi.account_id(),
            amount,
        }),
    ));
    let before_restart = (0..3)
        .filter_map(|i| rt.block_on(finalized_height(&rpcs[i])))
        .max()
        .unwrap();
    assert!(before_restart >= during);

    // Restart it on its data: it catches up past where the others were.
    let out = net.run(&["start", "validator-3"]);
    assert!(
        out.status.success(),
        "localnet start failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        net.logs()
    );
    net.wait_for(
        &format!("the restarted validator-3 to finalize past height {before_restart}"),
        || {
            rt.block_on(finalized_height(&rpcs[3]))
                .is_some_and(|h| h > before_restart)
                .then_some(())
        },
    );

    // Same block, same state root at a common height on all four (heights move between
    // calls: compare one fixed height).
    let common = (0..4)
        .map(|i| rt.block_on(finalized_height(&rpcs[i])).unwrap())
        .min()
        .unwrap();
    assert!(common > before_restart);
    let blocks: Vec<_> = rpcs
        .iter()
        .map(|rpc| {
            let c = rt.block_on(Client::connect(rpc)).unwrap();
            rt.block_on(c.chain_get_block_by_height(common))
                .unwrap()
                .unwrap_or_else(|| panic!("{rpc} has no finalized block at {common}"))
        })
        .collect();
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.hash, blocks[0].hash, "validator-{i} block at {common}");
        assert_eq!(
            b.state_root,
            blocks[0].state_root,
            "validator-{i} state root at {common}\n{}",
            net.logs()
        );
        assert!(b.finalized);
    }
    // The restarted node serves the state it missed.
    let c3 = rt.block_on(Client::connect(&rpcs[3])).unwrap();
    let on_3 = rt.block_on(c3.state_get_account(heidi.ss58())).unwrap();
    let on_0 = rt.block_on(client.state_get_account(heidi.ss58())).unwrap();
    assert_eq!(on_3, on_0);
    assert_eq!(
        on_3.free,
        heidi_before
            .checked_add(amount)
            .and_then(|x| x.checked_add(amount))
            .unwrap()
    );
    // And the status command agrees: all four running.
    let status = net.status();
    for n in status["nodes"].as_array().unwrap() {
        assert_eq!(n["running"], true, "{n}");
    }
    eprintln!(
        "four_validators_survive_a_sigkill_and_agree_again: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// `localnet up` with the text subnet: three miners of decreasing quality (byte 6-, 4- and
/// 2-grams) and two subnet validators, each its own process. Within a few tempos the
/// incentive follows quality, both validators' weight rows rank the miners the same way,
/// and the best miner is paid.
#[test]
fn localnet_subnet_pays_the_best_miner_most() {
    let _heavy = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    // Ports axon..axon+2 (miners), +3..+7 (health), +8 (gateway).
    let slot = (std::process::id() % 900) as u16;
    let axon = 56_000 + slot * 10;
    let net = Localnet::up_with(
        2,
        &[
            "--miners",
            "3",
            "--train-bytes",
            "300000",
            "--axon-port",
            &axon.to_string(),
            "--health-port",
            &(axon + 3).to_string(),
            "--gateway-port",
            &(axon + 8).to_string(),
        ],
    );
    let status = net.status();
    let wallet_path = PathBuf::from(status["wallet_path"].as_str().unwrap());
    let neurons = status["neurons"].as_array().unwrap().clone();
    assert_eq!(neurons.len(), 5, "{status}");
    let roles: Vec<&str> = neurons
        .iter()
        .map(|n| n["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["miner", "miner", "miner", "validator", "validator"]);
    for n in &neurons {
        assert_eq!(n["netuid"], 1);
        assert!(n["pid"].as_u64().unwrap() > 0, "{n}");
        assert!(n["uid"].is_u64(), "registered: {n}");
        let hotkey = n["hotkey"].as_str().unwrap();
        assert!(hotkey.starts_with('5') && hotkey.len() == 48, "{n}");
        // The keys are in bittensor's layout under wallet_path.
        let hot = wallet_path
            .join(n["wallet_name"].as_str().unwrap())
            .join("hotkeys")
            .join(n["hotkey_name"].as_str().unwrap());
        let file: Value = serde_json::from_slice(&std::fs::read(&hot).unwrap()).unwrap();
        assert_eq!(file["ss58Address"], n["hotkey"], "{}", hot.display());
    }
    for (i, n) in neurons[..3].iter().enumerate() {
        assert_eq!(n["axon"], format!("127.0.0.1:{}", axon + i as u16), "{n}");
    }

    let miner_uids: Vec<u64> = neurons[..3]
        .iter()
        .map(|n| n["uid"].as_u64().unwrap())
        .collect();
    let ranks_by_quality = |row: &Value| -> bool {
        let w = |uid: u64| {
            row.as_array()
                .and_then(|r| r.iter().find(|e| e[0].as_u64() == Some(uid)))
                .and_then(|e| e[1].as_u64())
                .unwrap_or(0)
        };
        w(miner_uids[0]) > w(miner_uids[1]) && w(miner_uids[1]) > w(miner_uids[2])
    };
    let settled = net.wait_for(
        "incentive and weights to follow the miners' quality",
        || {
            let s = net.status();
            let n = s["neurons"].as_array()?.clone();
            let incentive: Vec<u64> = n[..3]
                .iter()
                .map(|m| m["incentive"].as_u64())
                .collect::<Option<_>>()?;
            let ordered = incentive[0] > incentive[1] && incentive[1] > incentive[2];
            let rows_agree = n[3..].iter().all(|v| ranks_by_quality(&v["weights"]));
            let paid = n[0]["emission"].as_u64()? > 0;
            // A validator's health records the weights block once its submission returns,
            // which can be a moment after the row is visible on chain.
            let reported = n[3..]
                .iter()
                .all(|v| v["last_weights_block"].as_u64().is_some());
            (ordered && rows_agree && paid && reported).then_some(n)
        },
    );
    // The validators report their last weights block and no standing error.
    for v in &settled[3..] {
        assert!(v["last_weights_block"].as_u64().is_some(), "{v}");
        assert!(v["health"]["rounds"].as_u64().unwrap() > 0, "{v}");
        assert!(v["validator_permit"] == true, "{v}");
    }
    // The best miner's validators earn dividends.
    assert!(
        settled[3..]
            .iter()
            .any(|v| v["dividends"].as_u64().unwrap_or(0) > 0)
    );

    // The first subnet validator is also a gateway: a paid query, through a channel opened on
    // the way, gets a continuation combined from the miners.
    assert_eq!(
        status["neurons"][3]["gateway"],
        format!("127.0.0.1:{}", axon + 8)
    );
    let out = Command::new(taonet_bin())
        .args(["--json", "--no-prompt", "query", "--netuid", "1"])
        .args(["--gateway", &format!("http://127.0.0.1:{}", axon + 8)])
        .args(["--wallet-name", "ferdie", "--wallet-path"])
        .arg(&wallet_path)
        .args(["--open", "1", "--max-bytes", "8", "--rpc", &net.rpc(0)])
        .arg("The ")
        .env("HOME", net.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "query: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        net.logs()
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        answer["answer"]["text"].as_str().unwrap().len(),
        8,
        "{answer}"
    );
    assert!(
        !answer["answer"]["miners"].as_array().unwrap().is_empty(),
        "{answer}"
    );

    // The explorer every node serves shows the subnet's miners, rendered in headless Chromium.
    let explorer = net.rpc(1).replacen("ws://", "http://", 1);
    let dom = chromium_dom(&format!("{explorer}/subnet/1"));
    assert!(dom.contains("Metagraph"), "{dom}");
    for n in &settled[..3] {
        assert!(dom.contains(n["hotkey"].as_str().unwrap()), "{dom}");
    }

    // `sim record` turns the live subnet into a replayable scenario with a weight copier.
    let rec = net.dir.path().join("recorded.json");
    let bob_uid = settled[4]["uid"].as_u64().unwrap().to_string();
    let out = Command::new(taonet_bin())
        .args([
            "--json",
            "sim",
            "record",
            "--netuid",
            "1",
            "--epochs",
            "2",
            "--timeout",
            "120",
        ])
        .args(["--copier-of", &bob_uid, "--rpc", &net.rpc(0), "--out"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sim record: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(recorded["epochs"], 2);
    assert_eq!(recorded["copier_uid"], 5);
    let out = Command::new(taonet_bin())
        .args(["sim", "yuma"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sim yuma: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replayed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replayed.len(), 2);
    // Replayed on the chain's own rules, the miners keep their order.
    let last = &replayed[1]["incentive"];
    let inc = |i: usize| last[miner_uids[i] as usize].as_u64().unwrap();
    assert!(inc(0) > inc(1) && inc(1) > inc(2), "{last}");

    // Stopping a miner by name leaves the rest running; `start` brings it back.
    let out = net.run(&["stop", "miner-2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(net.status()["neurons"][2]["running"], false);
    let out = net.run(&["start", "miner-2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(net.status()["neurons"][2]["running"], true);
    let out = net.run(&["stop", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("miner-0"));
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Validators on distinct addresses in separate network namespaces; cutting one node's link
/// partitions it, restoring it heals (`scripts/netns-test.sh`).
#[test]
fn netns_partition_and_heal() {
    let how = "run as root on Linux with iproute2 (`ip`) installed: \
               `sudo -E cargo test -p taonet-cli --test cli netns`, or \
               `sudo scripts/netns-test.sh target/debug/taonet`";
    let uid = Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "the network-namespace test needs root: {how}"
    );
    assert!(
        which("ip"),
        "the network-namespace test needs `ip` (iproute2): {how}"
    );
    let _serial = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/netns-test.sh");
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .arg(taonet_bin())
        .env("NETNS_TEST_DIR", work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/netns-test.sh failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("PASS"), "{stdout}\n{stderr}");
    eprintln!(
        "netns_partition_and_heal: {:.1} s\n{stdout}",
        started.elapsed().as_secs_f64()
    );
}

/// The DOM of `url` after its scripts ran, from headless Chromium (Debian's `chromium`,
/// installed by scripts/test.sh).
fn chromium_dom(url: &str) -> String {
    let chromium = std::env::var("TAONET_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap_or_else(|e| {
            panic!("{chromium} could not run ({e}); install it with `apt-get install -y chromium`")
        });
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
