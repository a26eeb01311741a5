//! Chain commands end to end: the `taonet` binary against a real in-process node (the chain,
//! its RPC server and a single-seat block producer finalizing a block every 100 ms).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use predicates::prelude::*;
use serde_json::Value;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_crypto::{Keypair, Ss58};
use taonet_node::chain::Chain;
use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::dev_keys;

use super::{Command, taonet};

/// A node: chain + RPC server + block producer, stopped on drop.
struct Node {
    chain: Chain,
    url: String,
    stop: Arc<AtomicBool>,
    producer: Option<JoinHandle<()>>,
    _server: Box<dyn std::any::Any + Send>,
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// The consensus key of dev validator `i` in [`Node::start_voting`].
fn seat_key(i: usize) -> commonware_cryptography::ed25519::PrivateKey {
    use commonware_cryptography::Signer;
    commonware_cryptography::ed25519::PrivateKey::from_seed(500 + i as u64)
}

/// The parent votes of `voters` (indices of [`seat_key`]) for the finalized head of `chain`.
fn votes_for_head(chain: &Chain, voters: &[usize]) -> Option<taonet_types::ParentVotes> {
    use commonware_codec::Encode;
    use commonware_cryptography::Signer;
    use taonet_node::consensus::vote_namespaces;
    use taonet_runtime::evidence::vote_message;
    let head = chain.finalized();
    if head.height == 0 {
        return None;
    }
    let state = chain.finalized_state();
    let epoch = state.consensus_epoch(head.height);
    let seats = state.seats(epoch)?;
    let view = head.height + 1;
    let proposal = taonet_types::evidence::VoteProposal {
        parent: view - 1,
        payload: head.hash,
    };
    let message = vote_message(epoch, view, Some(&proposal));
    let ns = vote_namespaces(&chain.domain()).notarize;
    let mut votes: Vec<taonet_types::ParentVote> = voters
        .iter()
        .filter_map(|i| {
            let key = seat_key(*i);
            let public: [u8; 32] = key.public_key().encode().as_ref().try_into().ok()?;
            let seat = seats.seats.iter().position(|s| s.consensus_key == public)?;
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&key.sign(&ns, &message).encode());
            Some(taonet_types::ParentVote {
                seat: seat as u16,
                kind: taonet_types::ParentVoteKind::Notarize,
                signature,
            })
        })
        .collect();
    votes.sort_by_key(|v| v.seat);
    Some(taonet_types::ParentVotes {
        view,
        parent_view: view - 1,
        votes,
    })
}

impl Node {
    fn start() -> Node {
        Node::start_with(ChainSpec::dev(&[[7u8; 32]]), Vec::new())
    }

    /// A dev chain whose four validators (alice … dave) vote with [`seat_key`]; every block
    /// carries the parent votes of `voters` (the others are offline).
    fn start_voting(voters: &[usize]) -> Node {
        let keys: Vec<[u8; 32]> = (0..4)
            .map(|i| {
                use commonware_codec::Encode;
                use commonware_cryptography::Signer;
                seat_key(i)
                    .public_key()
                    .encode()
                    .as_ref()
                    .try_into()
                    .unwrap()
            })
            .collect();
        Node::start_with(ChainSpec::dev(&keys), voters.to_vec())
    }

    fn start_with(spec: ChainSpec, voters: Vec<usize>) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let chain = Chain::open(&dir.path().join("chain"), &spec).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = RpcConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        };
        let (handle, addr) = rt
            .block_on(taonet_node::rpc::start(
                &config,
                RpcApi::new(chain.clone(), NetworkStatus::default()),
            ))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let producer = {
            let chain = chain.clone();
            let stop = stop.clone();
            let proposer = dev_keys("alice").1.account_id();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let parent = chain.finalized();
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap()
                        .as_millis() as u64;
                    let ts = now.max(parent.timestamp_ms + 1);
                    let votes = if voters.is_empty() {
                        None
                    } else {
                        votes_for_head(&chain, &voters)
                    };
                    let block = chain
                        .propose_with_votes(&parent.hash, &proposer, ts, votes)
                        .unwrap();
                    chain.finalize(&block).unwrap();
                }
            })
        };
        Node {
            chain,
            url: format!("ws://{addr}"),
            stop,
            producer: Some(producer),
            _server: Box::new(handle),
            _rt: rt,
            _dir: dir,
        }
    }

    fn height(&self) -> u64 {
        self.chain.finalized().height
    }

    fn wait_height(&self, h: u64) {
        let start = Instant::now();
        while self.height() < h {
            assert!(start.elapsed() < Duration::from_secs(30), "chain stalled");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(p) = self.producer.take() {
            let _ = p.join();
        }
    }
}

/// Writes an unencrypted wallet `name` with `cold` and hotkey `default` = `hot`.
fn write_wallet(root: &Path, name: &str, cold: &Keypair, hot: &Keypair) {
    let w = Wallet::new(root, name).unwrap();
    w.coldkey()
        .write(&KeyfileData::from_keypair(cold), None, false)
        .unwrap();
    w.coldkeypub()
        .write(&KeyfileData::public(&cold.account_id()), None, false)
        .unwrap();
    w.hotkey("default")
        .unwrap()
        .write(&KeyfileData::from_keypair(hot), None, false)
        .unwrap();
    w.hotkeypub("default")
        .unwrap()
        .write(&KeyfileData::public(&hot.account_id()), None, false)
        .unwrap();
}

struct Env {
    node: Node,
    root: PathBuf,
    _wallets: tempfile::TempDir,
}

impl Env {
    /// `taonet --rpc URL --no-prompt --json --wallet-name W <args>`.
    fn cmd(&self, wallet: &str, args: &[&str]) -> Command {
        let mut c = taonet(&self.root);
        c.args(["--no-prompt", "--json"]);
        c.args(args);
        c.args(["--rpc", &self.node.url]);
        c.args(["--wallet-name", wallet]);
        c.timeout(Duration::from_secs(60));
        c
    }

    fn ok(&self, wallet: &str, args: &[&str]) -> Value {
        let out = self
            .cmd(wallet, args)
            .assert()
            .success()
            .get_output()
            .clone();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// A transaction that must succeed.
    fn tx(&self, wallet: &str, args: &[&str]) -> Value {
        let v = self.ok(wallet, args);
        assert_eq!(v["success"], true, "{args:?}: {v}");
        assert!(v["block_height"].as_u64().unwrap() > 0, "{v}");
        v
    }
}

fn setup() -> Env {
    setup_with(Node::start())
}

fn setup_with(node: Node) -> Env {
    let wallets = tempfile::tempdir().unwrap();
    let root = wallets.path().to_path_buf();
    for name in ["alice", "bob"] {
        let (cold, hot) = dev_keys(name);
        write_wallet(&root, name, &cold, &hot);
    }
    for (i, name) in ["miner1", "miner2"].iter().enumerate() {
        let cold = Keypair::from_seed(&[10 + i as u8; 32]);
        let hot = Keypair::from_seed(&[20 + i as u8; 32]);
        write_wallet(&root, name, &cold, &hot);
    }
    Env {
        node,
        root,
        _wallets: wallets,
    }
}

fn ss58(root: &Path, wallet: &str, hot: bool) -> String {
    let w = Wallet::new(root, wallet).unwrap();
    let a = if hot {
        w.hotkey_account("default").unwrap().unwrap()
    } else {
        w.coldkey_account().unwrap().unwrap()
    };
    a.to_ss58()
}

const TAO: u64 = 1_000_000_000;

#[test]
fn chain_commands_end_to_end() {
    let env = setup();
    let root = env.root.clone();
    let (bob_cold, miner1_cold, miner1_hot, miner2_cold) = (
        ss58(&root, "bob", false),
        ss58(&root, "miner1", false),
        ss58(&root, "miner1", true),
        ss58(&root, "miner2", false),
    );

    // --- balances and transfers
    let alice = env.ok("alice", &["wallet", "balance"]);
    assert_eq!(alice["free"], 100_000 * TAO);
    assert_eq!(alice["staked"], 10_000 * TAO);
    let t = env.tx(
        "alice",
        &["wallet", "transfer", "--dest", &bob_cold, "--amount", "1.5"],
    );
    assert!(t["fee"].as_u64().unwrap() > 0);
    // --tip: the same transfer pays exactly the tip more.
    let tipped = env.tx(
        "alice",
        &[
            "wallet", "transfer", "--dest", &bob_cold, "--amount", "1.5", "--tip", "0.25",
        ],
    );
    assert_eq!(
        tipped["fee"].as_u64().unwrap(),
        t["fee"].as_u64().unwrap() + TAO / 4
    );
    // A free call takes no tip.
    env.cmd(
        "alice",
        &[
            "weights",
            "set",
            "--netuid",
            "1",
            "--uids",
            "0",
            "--weights",
            "1",
            "--tip",
            "1",
        ],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("free call"));
    let bob = env.ok("alice", &["wallet", "balance", "--ss58", &bob_cold]);
    assert_eq!(bob["free"], 100_003 * TAO);
    for (dest, amount) in [(&miner1_cold, "500"), (&miner2_cold, "500")] {
        env.tx(
            "alice",
            &["wallet", "transfer", "--dest", dest, "--amount", amount],
        );
    }
    // Human output: a table with τ amounts.
    taonet(&root)
        .args([
            "wallet",
            "balance",
            "--wallet-name",
            "miner1",
            "--rpc",
            &env.node.url,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("500 τ"));

    // A transfer its signer cannot pay: refused by the node's pool (never included, no fee),
    // the reason in words, exit 1.
    let out = env
        .cmd(
            "miner2",
            &[
                "wallet", "transfer", "--dest", &bob_cold, "--amount", "1000000",
            ],
        )
        .assert()
        .code(1)
        .stderr(predicate::str::contains("insufficient balance"))
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["success"], false);
    assert!(v["block_height"].is_null(), "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("insufficient balance")
    );

    // Malformed input: exit 2, nothing sent.
    for args in [
        vec![
            "wallet",
            "transfer",
            "--dest",
            "not-an-address",
            "--amount",
            "1",
        ],
        vec![
            "wallet",
            "transfer",
            "--dest",
            &bob_cold,
            "--amount",
            "1.0000000001",
        ],
        vec!["wallet", "transfer", "--dest", &bob_cold, "--amount", "-1"],
        vec!["consensus", "register-key", "--key", "0xzz"],
        vec![
            "weights",
            "set",
            "--netuid",
            "1",
            "--uids",
            "1,2",
            "--weights",
            "0.5",
        ],
        vec!["delegate", "set-take", "--take", "19"],
        vec![
            "axon",
            "serve",
            "--netuid",
            "1",
            "--ip",
            "300.1.1.1",
            "--port",
            "1",
        ],
    ] {
        env.cmd("alice", &args).assert().code(2);
    }
    env.cmd(
        "alice",
        &[
            "subnet",
            "set-hyperparam",
            "--netuid",
            "1",
            "--name",
            "nope",
            "--value",
            "1",
        ],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("valid names").and(predicate::str::contains("tempo")));

    // --- staking: the miner's own hotkey is associated, then staked on
    let t = env.tx("miner1", &["stake", "add", "--amount", "10"]);
    assert_eq!(t["hotkey"], miner1_hot.as_str());
    let list = env.ok("miner1", &["stake", "list"]);
    assert_eq!(list["stakes"][0]["hotkey"], miner1_hot.as_str());
    assert_eq!(list["stakes"][0]["amount"], 10 * TAO);
    let t = env.tx("miner1", &["stake", "remove", "--amount", "4"]);
    assert_eq!(t["unbonding_period"], 20);
    let release = t["release_block"].as_u64().unwrap();
    let unb = env.ok("miner1", &["stake", "unbonding"]);
    assert_eq!(unb["unbonding"][0]["amount"], 4 * TAO);
    assert_eq!(unb["unbonding"][0]["release_block"], release);
    let free_before = env.ok("miner1", &["wallet", "balance"])["free"]
        .as_u64()
        .unwrap();

    // --- delegation: the default take is 18%, so 10% is a decrease
    env.tx("miner1", &["delegate", "set-take", "--take", "10"]);
    let delegates = env.ok("miner1", &["delegate", "list"]);
    let mine = delegates["delegates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["hotkey"] == miner1_hot.as_str())
        .unwrap();
    assert_eq!(mine["take"], 6554);
    assert_eq!(mine["total_stake"], 6 * TAO);

    // --- subnets
    let created = env.tx("bob", &["subnet", "create", "--name", "bobnet"]);
    let netuid = created["netuid"].as_u64().unwrap();
    assert_eq!(created["lock_cost"], 100 * TAO);
    let subnets = env.ok("bob", &["subnet", "list"]);
    assert!(
        subnets["subnets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["netuid"] == netuid
                && s["name"] == "bobnet"
                && s["owner"] == bob_cold.as_str())
    );
    let n = netuid.to_string();
    let shown = env.ok("bob", &["subnet", "show", "--netuid", &n]);
    assert_eq!(shown["subnet"]["netuid"], netuid);
    assert_eq!(shown["top_neurons"].as_array().unwrap().len(), 1);
    env.tx(
        "bob",
        &[
            "subnet",
            "set-hyperparam",
            "--netuid",
            &n,
            "--name",
            "tempo",
            "--value",
            "20",
        ],
    );
    // A second change right away is rate-limited by the runtime: its typed error, in words.
    env.cmd(
        "bob",
        &[
            "subnet",
            "set-hyperparam",
            "--netuid",
            &n,
            "--name",
            "alpha_values",
            "--value",
            "2000,60000",
        ],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("rate-limited"));
    let hp = env.ok("bob", &["subnet", "hyperparams", "--netuid", &n]);
    assert_eq!(hp["hyperparams"]["tempo"], 20);
    // Not the owner: refused before sending.
    env.cmd(
        "alice",
        &[
            "subnet",
            "set-hyperparam",
            "--netuid",
            &n,
            "--name",
            "tempo",
            "--value",
            "30",
        ],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("owned by"));
    taonet(&root)
        .args([
            "subnet",
            "hyperparams",
            "--netuid",
            &n,
            "--rpc",
            &env.node.url,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("tempo").and(predicate::str::contains("20")));

    // Register the miners on subnet 1 (alice's, uid 0 = alice's hotkey).
    let r1 = env.tx("miner1", &["subnet", "register", "--netuid", "1"]);
    let r2 = env.tx("miner2", &["subnet", "register", "--netuid", "1"]);
    let (u1, u2) = (r1["uid"].as_u64().unwrap(), r2["uid"].as_u64().unwrap());
    assert_ne!(u1, u2);

    // --- axon and consensus key
    env.tx(
        "miner1",
        &[
            "axon", "serve", "--netuid", "1", "--ip", "10.0.0.1", "--port", "8091",
        ],
    );
    let key_file = root.join("consensus.key");
    std::fs::write(&key_file, hex::encode([42u8; 32])).unwrap();
    let reg = env.tx(
        "miner1",
        &[
            "consensus",
            "register-key",
            "--key-file",
            key_file.to_str().unwrap(),
        ],
    );
    let expected = {
        use commonware_codec::{Copying, DecodeExt, Encode};
        use commonware_cryptography::Signer;
        let k =
            commonware_cryptography::ed25519::PrivateKey::decode(Copying(&[42u8; 32][..])).unwrap();
        format!("0x{}", hex::encode(k.public_key().encode()))
    };
    assert_eq!(reg["consensus_key"], expected.as_str());

    // --- weights from alice's hotkey (uid 0 on subnet 1)
    let (s1, s2) = (u1.to_string(), u2.to_string());
    let uids = format!("{s1},{s2}");
    let set = env.tx(
        "alice",
        &[
            "weights",
            "set",
            "--netuid",
            "1",
            "--uids",
            &uids,
            "--weights",
            "0.7,0.3",
        ],
    );
    let meta = env.ok(
        "alice",
        &["subnet", "metagraph", "--netuid", "1", "--weights"],
    );
    let neurons = meta["neurons"].as_array().unwrap();
    let alice_w = neurons[0]["weights"].as_array().unwrap();
    assert!(
        alice_w.contains(&serde_json::json!([u1, 65535])),
        "{alice_w:?}"
    );
    let m1 = neurons.iter().find(|x| x["uid"] == u1).unwrap();
    assert_eq!(m1["hotkey"], miner1_hot.as_str());
    assert_eq!(m1["axon"]["address"], "10.0.0.1:8091");
    taonet(&root)
        .args([
            "subnet",
            "metagraph",
            "--netuid",
            "1",
            "--rpc",
            &env.node.url,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("10.0.0.1:8091"));

    // Commit-reveal: enable it, commit (salt kept in the wallet), reveal (waits for the epoch).
    env.tx(
        "alice",
        &[
            "subnet",
            "set-hyperparam",
            "--netuid",
            "1",
            "--name",
            "commit_reveal_enabled",
            "--value",
            "true",
        ],
    );
    // Weight updates are rate-limited (2 blocks on the dev chain).
    env.node
        .wait_height(set["block_height"].as_u64().unwrap() + 3);
    let c = env.tx(
        "alice",
        &[
            "weights",
            "commit",
            "--netuid",
            "1",
            "--uids",
            &uids,
            "--weights",
            "0.2,0.8",
        ],
    );
    assert!(c["salt"].as_array().unwrap().len() == 8);
    assert!(Path::new(c["stored_in"].as_str().unwrap()).exists());
    env.tx("alice", &["weights", "reveal", "--netuid", "1"]);
    // Nothing left to reveal.
    env.cmd("alice", &["weights", "reveal", "--netuid", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no stored commit"));

    // --- unbonding paid out after the 20-block period
    env.node.wait_height(release + 1);
    let unb = env.ok("miner1", &["stake", "unbonding"]);
    assert_eq!(unb["unbonding"].as_array().unwrap().len(), 0, "{unb}");
    let free_after = env.ok("miner1", &["wallet", "balance"])["free"]
        .as_u64()
        .unwrap();
    assert!(free_after > free_before, "{free_before} -> {free_after}");
}

#[test]
fn chain_commands_fail_cleanly_without_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let (cold, hot) = dev_keys("alice");
    write_wallet(dir.path(), "alice", &cold, &hot);
    taonet(dir.path())
        .args([
            "wallet",
            "balance",
            "--wallet-name",
            "alice",
            "--rpc",
            "ws://127.0.0.1:1",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot reach the node"));
    // Without --no-prompt and without a terminal, nothing is sent.
    let node = Node::start();
    taonet(dir.path())
        .args([
            "wallet",
            "transfer",
            "--wallet-name",
            "alice",
            "--rpc",
            &node.url,
        ])
        .args(["--dest", &dev_keys("bob").0.ss58(), "--amount", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--no-prompt"));
    // A query needs a gateway: none given, none in the environment, no local network.
    taonet(dir.path())
        .env_remove("TAONET_GATEWAY")
        .args(["query", "--wallet-name", "alice", "Hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no gateway: pass --gateway URL"));
}

#[test]
fn governance_commands_propose_vote_and_execute() {
    let env = setup();
    // Malformed or out-of-bounds changes exit 2 before anything is sent.
    env.cmd("alice", &["gov", "propose", "--set", "nope=1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a governance parameter"));
    env.cmd("alice", &["gov", "propose", "--set", "seat_count=0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("seat_count"));
    env.cmd("alice", &["gov", "propose"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--text"));

    // Alice (the validator, all the stake) proposes and votes; it passes and executes.
    let v = env.tx(
        "alice",
        &[
            "gov",
            "propose",
            "--set",
            "tx_byte_fee=0.00000015",
            "--set",
            "unbonding_period=7",
            "--description",
            "cheaper bytes, shorter unbonding",
        ],
    );
    let id = v["proposal"].as_u64().unwrap_or_else(|| panic!("{v}"));
    let id_s = id.to_string();
    env.tx("alice", &["gov", "vote", "--proposal", &id_s, "--aye"]);
    let show = env.ok("alice", &["gov", "show", &id_s]);
    assert_eq!(show["proposal"]["status"]["status"], "voting", "{show}");
    assert_eq!(show["proposal"]["live"], true);
    assert_eq!(show["proposal"]["tally"]["approved"], true, "{show}");
    assert_eq!(show["votes"][0]["vote"], "aye");
    assert_eq!(show["votes"][0]["voter"], ss58(&env.root, "alice", false));
    // Bob has free TAO but no stake: his vote is refused by the runtime (exit 1).
    env.cmd("bob", &["gov", "vote", "--proposal", &id_s, "--nay"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no voting weight"));
    let list = env.ok("bob", &["gov", "list"]);
    assert_eq!(list["proposals"][0]["id"], id);
    let execute_at = show["proposal"]["execute_at"].as_u64().unwrap();
    env.node.wait_height(execute_at + 1);
    let show = env.ok("bob", &["gov", "show", &id_s]);
    assert_eq!(show["proposal"]["status"]["status"], "executed", "{show}");
    let params = env.node.chain.finalized_state().params().clone();
    assert_eq!(params.unbonding_period, 7);
    assert_eq!(params.tx_byte_fee.0, 150);
    // Human output too.
    taonet(&env.root)
        .args(["gov", "show", &id_s, "--rpc", &env.node.url])
        .assert()
        .success()
        .stdout(predicate::str::contains("executed").and(predicate::str::contains("quorum")));
    let t = env.ok("alice", &["gov", "treasury"]);
    assert!(t["balance"].as_u64().unwrap() > 0, "{t}");
    assert_eq!(
        t["account"],
        taonet_types::gov::treasury_account().to_ss58()
    );
    // A spend above the treasury is refused before signing (exit 1).
    env.cmd(
        "alice",
        &[
            "gov",
            "propose",
            "--spend-to",
            &ss58(&env.root, "bob", false),
            "--amount",
            "1000000",
        ],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("exceeds the treasury balance"));
}

/// `taonet consensus participation | jail | unjail` against a chain whose seat dave never
/// votes: participation shows it, it is jailed for liveness at the end of epoch 0, unjail is
/// refused with a clear message until the jail period is over, then accepted.
#[test]
fn consensus_commands_show_participation_jail_and_unjail() {
    let env = setup_with(Node::start_voting(&[0, 1, 2]));
    {
        let (cold, hot) = dev_keys("dave");
        write_wallet(&env.root, "dave", &cold, &hot);
    }
    let dave = ss58(&env.root, "dave", true);
    let length = env.node.chain.consensus_epoch_length();
    env.node.wait_height(5);
    let p = env.ok("alice", &["consensus", "participation"]);
    assert_eq!(p["epoch"], 0, "{p}");
    assert!(p["counted_blocks"].as_u64().unwrap() >= 3, "{p}");
    let row = |p: &Value, who: &str| {
        p["seats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["hotkey"] == who)
            .cloned()
            .unwrap_or_else(|| panic!("{who} in {p}"))
    };
    assert_eq!(row(&p, &dave)["voted"], 0);
    assert_eq!(row(&p, &dave)["missed_ppb"], 1_000_000_000u64);
    assert_eq!(row(&p, &ss58(&env.root, "alice", true))["missed"], 0);

    // The end of epoch 0 jails dave (liveness, no slash).
    env.node.wait_height(length + 1);
    let jail = env.ok("dave", &["consensus", "jail"]);
    assert_eq!(jail["jail"]["jailed"], true, "{jail}");
    assert_eq!(jail["jail"]["reason"], "liveness");
    assert_eq!(jail["slashes"].as_array().unwrap().len(), 0);
    let until = jail["jail"]["until_epoch"].as_u64().unwrap();
    let p0 = env.ok("alice", &["consensus", "participation", "--epoch", "0"]);
    assert_eq!(row(&p0, &dave)["jailed"], true);
    // The human table says the same.
    let text = taonet(&env.root)
        .args([
            "consensus",
            "participation",
            "--epoch",
            "0",
            "--rpc",
            &env.node.url,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("Consensus epoch 0") && text.contains("100.00%"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(&dave) && l.ends_with("jailed")),
        "{text}"
    );
    taonet(&env.root)
        .args(["--no-prompt", "consensus", "jail", "--rpc", &env.node.url])
        .args(["--wallet-name", "dave"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is jailed (liveness)"));

    // Too early: refused by the runtime with the epoch it may be unjailed in.
    env.cmd("dave", &["consensus", "unjail"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "jailed until consensus epoch {until}"
        )));
    // A hotkey that is not the wallet's: refused as not the owner.
    env.cmd("bob", &["consensus", "unjail", "--hotkey-ss58", &dave])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not owned by the signing coldkey"));
    // An epoch whose seats are unknown: a clear usage error.
    env.cmd("alice", &["consensus", "participation", "--epoch", "99999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not known"));

    env.node.wait_height(until * length + 1);
    let v = env.tx("dave", &["consensus", "unjail"]);
    assert_eq!(v["hotkey"], dave.as_str());
    let jail = env.ok("dave", &["consensus", "jail"]);
    assert_eq!(jail["jail"]["jailed"], false, "{jail}");
}

#[test]
fn channel_commands_open_pay_claim_and_reclaim() {
    use taonet_neuron::gateway::VoucherBook;
    use taonet_types::channel::voucher_from_hex;
    let env = setup();
    let alice_hot = ss58(&env.root, "alice", true);
    // Malformed input exits 2 before anything is sent.
    env.cmd(
        "bob",
        &[
            "channel",
            "open",
            "--gateway",
            "nope",
            "--amount",
            "1",
            "--blocks",
            "9",
        ],
    )
    .assert()
    .code(2);
    env.cmd("bob", &["channel", "show", "0x12"])
        .assert()
        .code(2);
    env.cmd(
        "alice",
        &[
            "channel",
            "claim",
            "--channel",
            &format!("0x{}", "11".repeat(32)),
            "--voucher",
            "0xzz",
        ],
    )
    .assert()
    .code(2);

    // Bob opens a channel to alice's validator hotkey and tops it up.
    let v = env.tx(
        "bob",
        &[
            "channel",
            "open",
            "--gateway",
            &alice_hot,
            "--amount",
            "1",
            "--blocks",
            "40",
        ],
    );
    let id = v["channel"].as_str().unwrap().to_string();
    assert_eq!(v["info"]["gateway"], alice_hot);
    assert_eq!(v["info"]["deposit"], TAO);
    env.tx(
        "bob",
        &[
            "channel", "top-up", &id, "--amount", "0.5", "--blocks", "10",
        ],
    );
    let show = env.ok("bob", &["channel", "show", &id]);
    assert_eq!(show["deposit"], TAO + TAO / 2, "{show}");
    let expiry = show["expiry"].as_u64().unwrap();
    assert_eq!(expiry, v["info"]["expiry"].as_u64().unwrap() + 10);
    for who in ["bob", "alice"] {
        let list = env.ok(who, &["channel", "list"]);
        assert_eq!(list["channels"][0]["id"], id.as_str(), "{who}: {list}");
    }
    // A voucher from bob, claimed by alice with uid 0 (her own hotkey) as the miner.
    let voucher = env.ok(
        "bob",
        &["channel", "voucher", "--channel", &id, "--amount", "0.3"],
    );
    let hex = voucher["voucher"].as_str().unwrap().to_string();
    assert_eq!(
        voucher_from_hex(&hex).unwrap().voucher.amount.0,
        3 * TAO / 10
    );
    env.cmd(
        "bob",
        &["channel", "claim", "--channel", &id, "--voucher", &hex],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("cannot claim"));
    env.tx(
        "alice",
        &[
            "channel",
            "claim",
            "--channel",
            &id,
            "--voucher",
            &hex,
            "--miner",
            "0:1",
        ],
    );
    let show = env.ok("bob", &["channel", "show", &id]);
    assert_eq!(show["claimed"], 3 * TAO / 10, "{show}");
    assert_eq!(show["paid_to_miners"], 3 * TAO / 20);
    env.cmd(
        "alice",
        &["channel", "claim", "--channel", &id, "--voucher", &hex],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains("not above"));
    // A gateway's voucher book holding 0.4 TAO: `claim --book` redeems the 0.1 increase.
    let v4 = env.ok(
        "bob",
        &["channel", "voucher", "--channel", &id, "--amount", "0.4"],
    );
    let v4 = voucher_from_hex(v4["voucher"].as_str().unwrap()).unwrap();
    let domain = env.node.chain.domain();
    let mut book = VoucherBook::new(&domain, &alice_hot, 1);
    book.record(
        &ss58(&env.root, "bob", false),
        v4,
        taonet_types::Rao(3 * TAO / 10),
        expiry,
        &[],
    );
    let path = env.root.join("book.json");
    book.save(&path).unwrap();
    let out = env.ok(
        "alice",
        &["channel", "claim", "--book", path.to_str().unwrap()],
    );
    assert_eq!(out["claims"][0]["success"], true, "{out}");
    assert_eq!(
        env.ok("bob", &["channel", "show", &id])["claimed"],
        4 * TAO / 10
    );
    let after = VoucherBook::load(&path).unwrap();
    assert_eq!(after.unclaimed().0, 0, "the book records the claim");

    // Reclaim: refused before the expiry, then the rest comes back.
    env.cmd("bob", &["channel", "reclaim", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("can be reclaimed from block"));
    env.node.wait_height(expiry);
    let r = env.tx("bob", &["channel", "reclaim", &id]);
    assert_eq!(r["returned"], TAO + TAO / 2 - 4 * TAO / 10, "{r}");
    env.cmd("bob", &["channel", "show", &id])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn subnet_commit_and_commitment() {
    let env = setup();
    let alice_hot = ss58(&env.root, "alice", true);
    // Nothing committed yet.
    let none = env.ok(
        "alice",
        &["subnet", "commitment", "--netuid", "1", "--uid", "0"],
    );
    assert_eq!(none["commitment"], Value::Null);
    // Alice's hotkey holds uid 0 of subnet 1: it commits as text (free, signed by the hotkey).
    let t = env.tx(
        "alice",
        &[
            "subnet",
            "commit",
            "--netuid",
            "1",
            "--data",
            "hf://taonet/model@v1",
        ],
    );
    assert_eq!(t["fee"], 0, "{t}");
    assert_eq!(t["hotkey"], alice_hot.as_str());
    let got = env.ok(
        "alice",
        &["subnet", "commitment", "--netuid", "1", "--uid", "0"],
    );
    let c = &got["commitment"];
    assert_eq!(c["hotkey"], alice_hot.as_str());
    assert_eq!(c["block"], t["block_height"]);
    assert_eq!(
        c["data"],
        format!("0x{}", hex::encode("hf://taonet/model@v1"))
    );
    // The human form shows the text.
    let out = taonet(&env.root)
        .args([
            "--no-prompt",
            "subnet",
            "commitment",
            "--netuid",
            "1",
            "--uid",
            "0",
        ])
        .args(["--rpc", &env.node.url])
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("hf://taonet/model@v1"));
    // Bad input is a usage error before anything is sent.
    for args in [
        vec!["subnet", "commit", "--netuid", "1", "--data-hex", "0xzz"],
        vec!["subnet", "commit", "--netuid", "1", "--data", ""],
        vec![
            "subnet",
            "commit",
            "--netuid",
            "1",
            "--data",
            &"x".repeat(1025),
        ],
    ] {
        env.cmd("alice", &args).assert().code(2);
    }
    // An unregistered hotkey's commitment is refused by the node.
    env.cmd(
        "miner1",
        &["subnet", "commit", "--netuid", "1", "--data-hex", "0x00ff"],
    )
    .assert()
    .failure()
    .stderr(predicate::str::contains("not registered on subnet 1"));
}
