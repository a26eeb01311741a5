//! A protocol upgrade on a real local network (issue #19): four validators (`taonet localnet`)
//! run this build, which knows protocol versions 1 and 2 (version 2 burns half of the block
//! proposer's fee share). Governance schedules version 2 through the CLI; at the height the
//! rule changes on every validator with equal roots; a follower told `--max-protocol-version 1`
//! warns, reports it in its metrics and then stops at the height before, exiting non-zero with
//! the message; a fresh follower syncs from genesis across the upgrade to the same head.
//!
//! Followers are admitted as peers by registering their consensus keys on chain (eve and
//! ferdie each stake 1 TAO on their hotkeys and register one key), which takes effect at the
//! next consensus epoch (50 blocks on the development chain).

use std::cell::RefCell;
use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use taonet_client::{BlockInfo, prelude::*};
use taonet_runtime::genesis::dev_keys;

use crate::localnet::{HEAVY, Localnet, WAIT, rt, tail, taonet_bin};

/// The upgrade's name, as it must appear in the warnings and the halt message.
const NAME: &str = "v2-fee-burn";

/// A port nothing listens on now (the OS picks it; never a default port).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `taonet node run` follower logging to a file; killed when dropped.
struct Follower {
    name: &'static str,
    child: RefCell<Child>,
    log: PathBuf,
    rpc: String,
    metrics: SocketAddr,
}

impl Follower {
    /// Starts a follower of the localnet described by `status` (its chain spec, and its
    /// validators as bootstrap peers) on fresh ports.
    fn start(
        name: &'static str,
        status: &Value,
        data_dir: &Path,
        key_file: &Path,
        extra: &[&str],
    ) -> Follower {
        let log = data_dir.with_extension("log");
        let out = File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let rpc = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let metrics = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut cmd = Command::new(taonet_bin());
        cmd.args(["node", "run", "--data-dir"])
            .arg(data_dir)
            .arg("--key-file")
            .arg(key_file)
            .arg("--chain-spec")
            .arg(status["chain_spec"].as_str().unwrap())
            .args(["--listen", &format!("127.0.0.1:{}", free_port())])
            .args(["--rpc-addr", &rpc.to_string()])
            .args(["--metrics-addr", &metrics.to_string()])
            .arg("--allow-private-ips")
            .args(extra);
        for n in status["nodes"].as_array().unwrap() {
            cmd.arg("--bootstrap").arg(format!(
                "{}@{}",
                n["consensus_key"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("0x"),
                n["p2p"].as_str().unwrap()
            ));
        }
        let child = cmd
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "warn,taonet=info,taonet_node=info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap();
        Follower {
            name,
            child: RefCell::new(child),
            log,
            rpc: format!("ws://{rpc}"),
            metrics,
        }
    }

    /// Its exit status, if it has exited.
    fn exited(&self) -> Option<ExitStatus> {
        self.child.borrow_mut().try_wait().unwrap()
    }

    /// Fails the test (with its log) if it has exited.
    fn assert_running(&self, when: &str) {
        if let Some(status) = self.exited() {
            panic!(
                "the {} exited ({status}) {when}\n{}",
                self.name,
                self.tail()
            );
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of its log, for failure messages.
    fn tail(&self) -> String {
        format!(
            "--- {} ({}):\n{}",
            self.name,
            self.log.display(),
            tail(&self.log, 20)
        )
    }

    /// Its Prometheus metrics, if it answers.
    fn metrics(&self) -> Option<String> {
        use std::io::{Read, Write};
        let mut s = TcpStream::connect_timeout(&self.metrics, Duration::from_secs(2)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.metrics
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        out.starts_with("HTTP/1.1 200").then_some(out)
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let child = self.child.get_mut();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A client of `rpc`, or `None` if it does not answer within 2 s.
async fn connect(rpc: &str) -> Option<Client> {
    tokio::time::timeout(Duration::from_secs(2), Client::connect(rpc))
        .await
        .ok()?
        .ok()
}

async fn finalized(rpc: &str) -> Option<u64> {
    let c = connect(rpc).await?;
    tokio::time::timeout(Duration::from_secs(2), c.chain_get_finalized_head())
        .await
        .ok()?
        .ok()
        .map(|h| h.height)
}

async fn block(rpc: &str, height: u64) -> BlockInfo {
    let c = connect(rpc)
        .await
        .unwrap_or_else(|| panic!("{rpc} does not answer"));
    c.chain_get_block_by_height(height)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{rpc} has no block at {height}"))
}

/// The test's view of the network: the localnet, its wallets and a scratch directory.
struct Env {
    net: Localnet,
    status: Value,
    rpcs: Vec<String>,
    home: tempfile::TempDir,
}

impl Env {
    /// `taonet --json --no-prompt ARGS --rpc RPC --wallet-path WALLETS`, which must succeed;
    /// its JSON.
    fn cli(&self, rpc: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--rpc", rpc, "--wallet-path"]);
        all.push(self.status["wallet_path"].as_str().unwrap());
        self.run(&all)
    }

    /// `taonet --json --no-prompt ARGS` (bounded to 2 minutes), which must succeed; its JSON.
    fn run(&self, args: &[&str]) -> Value {
        let out = crate::Command::new(taonet_bin())
            .timeout(Duration::from_secs(120))
            .args(["--json", "--no-prompt"])
            .args(args)
            .env("HOME", self.home.path())
            .env_remove("TAONET_RPC")
            .env_remove("TAONET_WALLET_PATH")
            .env_remove("TAONET_WALLET_PASSWORD")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "taonet {args:?} failed ({}): {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.net.logs()
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "taonet {args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// A transaction through validator 0 that must be finalized successfully.
    fn tx(&self, wallet: &str, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--wallet-name", wallet]);
        let v = self.cli(&self.rpcs[0], &all);
        assert_eq!(v["success"], true, "{args:?}: {v}");
        v
    }

    /// Polls `check` every 250 ms until it returns `Some`, failing after [`WAIT`] with the
    /// validators' and `followers`' logs.
    fn wait_for<T>(
        &self,
        what: &str,
        followers: &[&Follower],
        mut check: impl FnMut() -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(v) = check() {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {} s waiting for {what}\n{}\n{}",
                WAIT.as_secs(),
                self.net.logs(),
                followers
                    .iter()
                    .map(|f| f.tail())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// The whole of issue #19's rehearsal on real processes (module docs).
#[test]
fn a_governance_upgrade_switches_every_validator_and_halts_an_old_follower() {
    let _heavy = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let net = Localnet::up(4);
    let status = net.status();
    let rpcs: Vec<String> = (0..4)
        .map(|i| status["nodes"][i]["rpc"].as_str().unwrap().to_string())
        .collect();
    let env = Env {
        net,
        status,
        rpcs,
        home: tempfile::tempdir().unwrap(),
    };
    let rt = rt();
    let v0 = env.rpcs[0].clone();
    let work = tempfile::tempdir().unwrap();

    // Two follower keys, registered on chain so the validators admit them from the next
    // consensus epoch: the old follower's (under eve's hotkey) and the fresh one's (ferdie's,
    // kept outside its data directory, which stays empty until it starts).
    let old_dir = work.path().join("old");
    let fresh_key_dir = work.path().join("fresh-key");
    for (wallet, dir) in [("eve", &old_dir), ("ferdie", &fresh_key_dir)] {
        let init = env.run(&["node", "init", "--data-dir", dir.to_str().unwrap()]);
        assert_eq!(init["created"], true, "{init}");
        env.tx(wallet, &["stake", "add", "--amount", "1"]);
        let reg = env.tx(
            wallet,
            &[
                "consensus",
                "register-key",
                "--key-file",
                dir.join("consensus.key").to_str().unwrap(),
            ],
        );
        assert_eq!(reg["consensus_key"], init["consensus_key"], "{reg}");
    }

    // 1. A follower that runs protocol v1 only.
    let old = Follower::start(
        "old follower (v1 only)",
        &env.status,
        &old_dir,
        &old_dir.join("consensus.key"),
        &["--max-protocol-version", "1"],
    );

    // 2. Alice proposes version 2 at a height the vote (40 blocks) and the execution delay
    // (10) reach with margin; alice and bob (half of the stake) vote it through.
    let now = env.cli(&v0, &["gov", "upgrade"]);
    assert_eq!(now["version"], 1, "{now}");
    assert_eq!(now["upgrade"], Value::Null, "{now}");
    // The CLI requires more than now + 1 + 40 + 10 + 1; 70 leaves ~18 blocks between the
    // execution and the height to read the old follower's warning state, and puts the height
    // well past block 50, where the followers are admitted.
    let height = now["block"].as_u64().unwrap() + 70;
    let h = height.to_string();
    let proposed = env.tx(
        "alice",
        &[
            "gov",
            "propose",
            "--upgrade-version",
            "2",
            "--upgrade-height",
            &h,
            "--upgrade-name",
            NAME,
            "--upgrade-notes",
            "half of the proposer's fee share is burned",
            "--description",
            "rehearsal of issue 19",
        ],
    );
    let id = proposed["proposal"]
        .as_u64()
        .unwrap_or_else(|| panic!("{proposed}"))
        .to_string();
    let client = rt.block_on(connect(&v0)).unwrap();
    let before_votes = rt.block_on(client.state_get_supply()).unwrap();
    let mut vote_fees = 0;
    for voter in ["alice", "bob"] {
        let v = env.tx(voter, &["gov", "vote", "--proposal", &id, "--aye"]);
        assert!(v["block_height"].as_u64().unwrap() < height, "{v}");
        vote_fees += v["fee"].as_u64().unwrap();
    }
    // Under version 1 fees burn nothing.
    let after_votes = rt.block_on(client.state_get_supply()).unwrap();
    assert!(vote_fees > 0);
    assert_eq!(after_votes.total_burned, before_votes.total_burned);
    assert_eq!(after_votes.total_fees_burned.0, 0);

    // The follower follows the chain once admitted (epoch 1, from block 50).
    let joined = env.wait_for(
        "the old follower to finalize past block 51",
        &[&old],
        || {
            old.assert_running("before following the chain");
            rt.block_on(finalized(&old.rpc)).filter(|&f| f > 51)
        },
    );
    assert_eq!(
        rt.block_on(block(&old.rpc, joined)).hash,
        rt.block_on(block(&v0, joined)).hash,
        "the follower's block at {joined}"
    );

    // 3. Before the height: the validators show the scheduled upgrade…
    let scheduled = env.wait_for("the upgrade to be scheduled", &[&old], || {
        let p = env.cli(&v0, &["gov", "upgrade"]);
        (p["upgrade"] != Value::Null).then_some(p)
    });
    assert!(scheduled["block"].as_u64().unwrap() < height, "{scheduled}");
    assert_eq!(scheduled["version"], 1, "{scheduled}");
    assert_eq!(scheduled["supported"], 2, "{scheduled}");
    let u = &scheduled["upgrade"];
    assert_eq!(u["version"], 2, "{scheduled}");
    assert_eq!(u["height"], height, "{scheduled}");
    assert_eq!(u["name"], NAME, "{scheduled}");
    assert_eq!(u["supported"], true, "{scheduled}");
    // …and the old follower says it cannot run it (metrics, `gov upgrade` on its RPC), while
    // still on the validators' chain.
    env.wait_for(
        "the old follower's metrics to report the unsupported upgrade",
        &[&old],
        || {
            old.assert_running("before reporting the upgrade");
            old.metrics()
                .filter(|m| m.lines().any(|l| l == "taonet_upgrade_unsupported 1"))
        },
    );
    let on_old = env.cli(&old.rpc, &["gov", "upgrade"]);
    assert_eq!(on_old["supported"], 1, "{on_old}");
    assert_eq!(on_old["upgrade"]["supported"], false, "{on_old}");
    assert_eq!(on_old["upgrade"]["height"], height, "{on_old}");
    let seen = on_old["block"].as_u64().unwrap();
    assert!(seen < height, "{on_old}");
    assert_eq!(
        rt.block_on(block(&old.rpc, seen)).hash,
        rt.block_on(block(&v0, seen)).hash,
        "the old follower's block at {seen}"
    );

    // 5. The old follower stops at the height before, exiting non-zero with the message.
    let exit = env.wait_for("the old follower to stop", &[&old], || old.exited());
    assert!(!exit.success(), "{exit}\n{}", old.tail());
    let log = old.log_text();
    for needle in [
        format!("this chain moves to protocol v2 at height {height} (upgrade \"{NAME}\") in"),
        format!("this chain moved to protocol v2 at height {height} (upgrade \"{NAME}\")"),
        format!(" finalized height={} ", height - 1),
    ] {
        assert!(log.contains(&needle), "{needle:?} not in\n{}", old.tail());
    }
    assert!(
        !log.contains(&format!(" finalized height={height} ")),
        "{}",
        old.tail()
    );
    // Reopened on its data, the old build refuses to start, with the same message.
    let log = old.log.clone();
    drop(old);
    std::fs::rename(&log, log.with_extension("first.log")).unwrap();
    let again = Follower::start(
        "old follower, restarted",
        &env.status,
        &old_dir,
        &old_dir.join("consensus.key"),
        &["--max-protocol-version", "1"],
    );
    let exit = env.wait_for("the restarted old follower to refuse", &[&again], || {
        again.exited()
    });
    assert!(!exit.success(), "{exit}\n{}", again.tail());
    assert!(
        again.log_text().contains(&format!(
            "this chain moved to protocol v2 at height {height} (upgrade \"{NAME}\")"
        )),
        "{}",
        again.tail()
    );
    drop(again);

    // 4. After the height: every validator runs version 2, blocks carry it from the height on.
    env.wait_for(
        "every validator to finalize the upgrade height",
        &[],
        || {
            env.rpcs
                .iter()
                .all(|r| rt.block_on(finalized(r)).is_some_and(|f| f >= height))
                .then_some(())
        },
    );
    for r in &env.rpcs {
        let p = env.cli(r, &["gov", "upgrade"]);
        assert_eq!(p["version"], 2, "{r}: {p}");
        assert_eq!(p["upgrade"], Value::Null, "{r}: {p}");
    }
    for h in 1..=height {
        let b = rt.block_on(block(&v0, h));
        assert_eq!(b.version, if h < height { 1 } else { 2 }, "block {h}");
    }

    // A transfer after the height: the treasury gets its share, half of the rest is burned.
    let supply = rt.block_on(client.state_get_supply()).unwrap();
    let treasury = rt.block_on(client.gov_treasury()).unwrap();
    let heidi = dev_keys("heidi").0.ss58();
    let sent = env.tx(
        "alice",
        &["wallet", "transfer", "--dest", &heidi, "--amount", "1"],
    );
    let at = sent["block_height"].as_u64().unwrap();
    assert!(at >= height, "{sent}");
    let fee = u128::from(sent["fee"].as_u64().unwrap());
    let to_treasury = fee * u128::from(treasury.fee_share_ppb) / 1_000_000_000;
    let burned = ((fee - to_treasury) / 2) as u64;
    assert!(burned > 0, "fee {fee}");
    let supply_after = rt.block_on(client.state_get_supply()).unwrap();
    let treasury_after = rt.block_on(client.gov_treasury()).unwrap();
    assert_eq!(
        supply_after.total_fees_burned.0,
        supply.total_fees_burned.0 + burned,
        "fee {fee}: {supply:?} -> {supply_after:?}"
    );
    assert_eq!(supply.total_fees_burned.0, 0, "nothing burned before");
    assert_eq!(
        supply_after.total_burned.0,
        supply.total_burned.0 + burned,
        "fee {fee}: {supply:?} -> {supply_after:?}"
    );
    assert_eq!(
        u128::from(treasury_after.balance.0),
        u128::from(treasury.balance.0) + to_treasury,
        "fee {fee}"
    );

    // All four agree on the block and the state root at a height past both.
    let common = (height + 3).max(at);
    env.wait_for(
        &format!("every validator to finalize {common}"),
        &[],
        || {
            env.rpcs
                .iter()
                .all(|r| rt.block_on(finalized(r)).is_some_and(|f| f >= common))
                .then_some(())
        },
    );
    let reference = rt.block_on(block(&v0, common));
    assert_eq!(reference.version, 2);
    for r in &env.rpcs[1..] {
        let b = rt.block_on(block(r, common));
        assert_eq!(b.hash, reference.hash, "{r}: block {common}");
        assert_eq!(b.state_root, reference.state_root, "{r}: root at {common}");
    }

    // 6. A fresh follower (empty data directory, this build) syncs from genesis across the
    // upgrade to the validators' head.
    let fresh_dir = work.path().join("fresh");
    assert!(!fresh_dir.exists());
    let fresh = Follower::start(
        "fresh follower",
        &env.status,
        &fresh_dir,
        &fresh_key_dir.join("consensus.key"),
        &[],
    );
    let target = rt.block_on(finalized(&v0)).unwrap();
    env.wait_for(
        &format!("the fresh follower to finalize {target}"),
        &[&fresh],
        || {
            rt.block_on(finalized(&fresh.rpc))
                .filter(|&f| f >= target)
                .map(|_| ())
        },
    );
    for h in [height - 1, height, target] {
        let ours = rt.block_on(block(&fresh.rpc, h));
        let theirs = rt.block_on(block(&v0, h));
        assert_eq!(ours.hash, theirs.hash, "fresh follower's block {h}");
        assert_eq!(
            ours.state_root, theirs.state_root,
            "fresh follower's root {h}"
        );
    }
    let p = env.cli(&fresh.rpc, &["gov", "upgrade"]);
    assert_eq!(p["version"], 2, "{p}");
    assert_eq!(p["supported"], 2, "{p}");
    let fresh_supply = rt
        .block_on(rt.block_on(connect(&fresh.rpc)).unwrap().state_get_supply())
        .unwrap();
    assert!(
        fresh_supply.total_fees_burned.0 >= burned,
        "{fresh_supply:?}"
    );

    eprintln!(
        "a_governance_upgrade_switches_every_validator_and_halts_an_old_follower: upgrade at {height}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
