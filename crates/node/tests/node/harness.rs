//! A simulated network of taonet nodes: commonware's deterministic runtime and simulated p2p,
//! each node a real `Chain` (redb in a temporary directory) with the real consensus stack.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use commonware_codec::Encode;
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_p2p::simulated::{self, Link, Network, Oracle};
use commonware_runtime::{Clock, Handle, Quota, Spawner, Supervisor, deterministic};
use commonware_utils::{NZUsize, probability};
use taonet_crypto::Keypair;
use taonet_node::chain::Chain;
use taonet_node::consensus::{
    BlockCodec, ConsensusHandle, ConsensusParams, EvidenceLog, P2pChannels, start,
};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};

use crate::byzantine::{MaybeByzantine, Plan};
use taonet_types::tx::{BalancesCall, StakingCall};
use taonet_types::{AccountId, Call, ChainDomain, Rao, SignedTransaction, Transaction};

pub type Ctx = deterministic::Context;

/// Link used between every pair of nodes.
pub fn link() -> Link {
    Link {
        latency: Duration::from_millis(40),
        jitter: Duration::from_millis(10),
        success_rate: probability!(1.0),
    }
}

/// One node of the simulation.
pub struct Node {
    pub key: PrivateKey,
    pub dir: PathBuf,
    pub running: Option<(Handle<()>, Chain, ConsensusHandle)>,
}

impl Node {
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }
    pub fn chain(&self) -> &Chain {
        &self.running.as_ref().expect("node is running").1
    }
    pub fn consensus(&self) -> &ConsensusHandle {
        &self.running.as_ref().expect("node is running").2
    }
}

/// A simulated network of nodes sharing one chain spec.
pub struct Sim {
    pub context: Ctx,
    pub oracle: Oracle<PublicKey, Ctx>,
    pub spec: ChainSpec,
    pub nodes: Vec<Node>,
    /// Nodes that double-vote, with their plan.
    pub byzantine: BTreeMap<usize, Plan>,
    /// Nodes that run protocol versions up to less than this build's newest.
    pub max_versions: BTreeMap<usize, u32>,
    _dirs: Vec<tempfile::TempDir>,
}

/// What a [`Sim`] is made of beyond its size.
#[derive(Default)]
pub struct SimOptions {
    /// Nodes that double-vote, with their plan.
    pub byzantine: BTreeMap<usize, Plan>,
    /// Nodes that run protocol versions up to less than this build's newest.
    pub max_versions: BTreeMap<usize, u32>,
    /// Nodes not started with the others ([`Sim::start`] them later).
    pub late: Vec<usize>,
    /// A change to the chain spec.
    pub spec: Option<fn(&mut ChainSpec)>,
}

/// The dev chain spec with `validators` genesis validators (nodes `0..validators`), 4 seats.
pub fn spec(validators: usize, epoch_length: u64) -> ChainSpec {
    let consensus_keys: Vec<[u8; 32]> = (0..validators as u64)
        .map(|i| key_bytes(&node_key(i).public_key()))
        .collect();
    let mut spec = ChainSpec::dev(&consensus_keys);
    spec.params.consensus_epoch_length = epoch_length;
    spec.params.seat_count = 4;
    spec
}

/// The consensus key of node `i`.
pub fn node_key(i: u64) -> PrivateKey {
    PrivateKey::from_seed(1000 + i)
}

/// The 32 bytes of a consensus key.
pub fn key_bytes(key: &PublicKey) -> [u8; 32] {
    let bytes = key.encode();
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes);
    out
}

/// The simulated network's limit on one peer set, which the nodes' peer sets respect.
const MAX_PEERS_PER_SET: usize = 16;

/// Node `i`'s parameters; its dev account (alice, bob, …) reports the evidence it sees.
pub fn params(i: usize) -> ConsensusParams {
    ConsensusParams {
        block_codec: BlockCodec {
            max_bytes: 1024 * 1024,
            ..BlockCodec::default()
        },
        partition_prefix: format!("node{i}"),
        evidence_reporter: DEV_NAMES.get(i).map(|name| dev_keys(name).0),
        max_peers_per_set: MAX_PEERS_PER_SET,
        ..ConsensusParams::default()
    }
}

impl Sim {
    /// `n` nodes; the first `validators` hold genesis seats; `epoch_length` blocks per epoch.
    pub async fn new(context: Ctx, n: usize, validators: usize, epoch_length: u64) -> Sim {
        Sim::with_byzantine(context, n, validators, epoch_length, BTreeMap::new()).await
    }

    /// Like [`Sim::new`], with nodes that double-vote per their plan.
    pub async fn with_byzantine(
        context: Ctx,
        n: usize,
        validators: usize,
        epoch_length: u64,
        byzantine: BTreeMap<usize, Plan>,
    ) -> Sim {
        let options = SimOptions {
            byzantine,
            ..SimOptions::default()
        };
        Sim::with_options(context, n, validators, epoch_length, options).await
    }

    /// Like [`Sim::new`], with [`SimOptions`].
    pub async fn with_options(
        context: Ctx,
        n: usize,
        validators: usize,
        epoch_length: u64,
        options: SimOptions,
    ) -> Sim {
        let SimOptions {
            byzantine,
            max_versions,
            late,
            spec: edit,
        } = options;
        let keys: Vec<PrivateKey> = (0..n as u64).map(node_key).collect();
        let mut spec = spec(validators, epoch_length);
        if let Some(edit) = edit {
            edit(&mut spec);
        }
        let (network, oracle) = Network::new_with_peers(
            context.child("network"),
            simulated::Config {
                max_size: 4 * 1024 * 1024,
                max_peers_per_set: NZUsize!(MAX_PEERS_PER_SET),
                disconnect_on_block: true,
                tracked_peer_sets: NZUsize!(4),
            },
            keys.iter().map(|k| k.public_key()),
        )
        .await;
        network.start();
        let all: Vec<PublicKey> = keys.iter().map(|k| k.public_key()).collect();
        for a in &all {
            for b in &all {
                if a != b {
                    oracle.add_link(a.clone(), b.clone(), link()).await.unwrap();
                }
            }
        }
        let mut dirs = Vec::new();
        let mut nodes = Vec::new();
        for key in keys {
            let dir = tempfile::tempdir().unwrap();
            nodes.push(Node {
                key,
                dir: dir.path().to_path_buf(),
                running: None,
            });
            dirs.push(dir);
        }
        let mut sim = Sim {
            context,
            oracle,
            spec,
            nodes,
            byzantine,
            max_versions,
            _dirs: dirs,
        };
        for i in (0..n).filter(|i| !late.contains(i)) {
            sim.start(i).await;
        }
        sim
    }

    /// Starts (or restarts, on its stored data) node `i`.
    pub async fn start(&mut self, i: usize) {
        assert!(self.nodes[i].running.is_none());
        let mut chain = Chain::open(&self.nodes[i].dir, &self.spec)
            .unwrap_or_else(|e| panic!("node {i} cannot open its chain: {e}"));
        if let Some(max) = self.max_versions.get(&i) {
            chain = chain.with_max_protocol_version(*max).unwrap();
        }
        let key = self.nodes[i].key.clone();
        let me = key.public_key();
        let control = self.oracle.control(me.clone());
        let quota = Quota::per_second(NonZeroU32::new(100_000).unwrap());
        let mut regs = Vec::new();
        for channel in 0..6u64 {
            regs.push(control.register(channel, quota).await.unwrap());
        }
        let plan = self.byzantine.get(&i).cloned();
        let mut regs = regs.into_iter().map(|(s, r)| {
            (
                MaybeByzantine {
                    inner: s,
                    plan: None,
                },
                r,
            )
        });
        let mut next = || regs.next().unwrap();
        let (votes, votes_rx) = next();
        let p2p = P2pChannels {
            votes: (MaybeByzantine { plan, ..votes }, votes_rx),
            certificates: next(),
            resolver: next(),
            backfill: next(),
            blocks: next(),
            transactions: next(),
        };
        let peers: Vec<PublicKey> = self
            .nodes
            .iter()
            .map(|n| n.public_key())
            .filter(|k| *k != me)
            .collect();
        let manager = self.oracle.manager();
        let (tx, rx) = futures::channel::oneshot::channel();
        let chain2 = chain.clone();
        let handle =
            self.context
                .child("node")
                .with_attribute("index", i)
                .spawn(move |ctx| async move {
                    let consensus = start(
                        ctx,
                        chain2,
                        key,
                        peers,
                        p2p,
                        manager,
                        control,
                        params(i),
                        EvidenceLog::in_memory(1000),
                    )
                    .await
                    .unwrap();
                    let _ = tx.send(consensus);
                    futures::future::pending::<()>().await
                });
        let consensus = rx.await.unwrap();
        self.nodes[i].running = Some((handle, chain, consensus));
    }

    /// Crashes node `i` (aborts every task; storage stays).
    pub async fn crash(&mut self, i: usize) {
        if let Some((handle, chain, _)) = self.nodes[i].running.take() {
            handle.abort();
            let _ = handle.await;
            drop(chain);
        }
    }

    pub fn height(&self, i: usize) -> u64 {
        self.nodes[i].chain().finalized().height
    }

    /// Waits (in simulated time) until every node in `which` finalized `height`.
    pub async fn wait_height(&self, which: &[usize], height: u64, limit: Duration) {
        let deadline = self.context.current() + limit;
        loop {
            if which.iter().all(|i| self.height(*i) >= height) {
                return;
            }
            assert!(
                self.context.current() < deadline,
                "nodes {which:?} did not reach height {height}: {:?}",
                which.iter().map(|i| self.height(*i)).collect::<Vec<_>>()
            );
            self.context.sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asserts every node in `which` holds the same finalized blocks (hash and state root)
    /// up to the lowest common height; returns that height.
    pub fn assert_same_chain(&self, which: &[usize]) -> u64 {
        let common = which.iter().map(|i| self.height(*i)).min().unwrap();
        for h in 0..=common {
            let mut seen: BTreeMap<[u8; 32], Vec<usize>> = BTreeMap::new();
            for i in which {
                let b = self.nodes[*i].chain().block_by_height(h).unwrap();
                assert_eq!(b.height, h);
                seen.entry(b.hash().0).or_default().push(*i);
            }
            assert_eq!(seen.len(), 1, "fork at height {h}: {seen:?}");
        }
        common
    }

    pub fn sleep(&self, d: Duration) -> impl std::future::Future<Output = ()> + use<> {
        self.context.sleep(d)
    }

    /// Cuts every link between the two groups.
    pub async fn partition(&self, a: &[usize], b: &[usize]) {
        for x in a {
            for y in b {
                let (px, py) = (self.nodes[*x].public_key(), self.nodes[*y].public_key());
                let _ = self.oracle.remove_link(px.clone(), py.clone()).await;
                let _ = self.oracle.remove_link(py, px).await;
            }
        }
    }

    /// Restores every link between the two groups.
    pub async fn heal(&self, a: &[usize], b: &[usize]) {
        for x in a {
            for y in b {
                let (px, py) = (self.nodes[*x].public_key(), self.nodes[*y].public_key());
                let _ = self.oracle.add_link(px.clone(), py.clone(), link()).await;
                let _ = self.oracle.add_link(py, px, link()).await;
            }
        }
    }
}

/// A signed transaction from a dev account.
pub fn signed(chain: &Chain, signer: &Keypair, nonce: u64, call: Call) -> SignedTransaction {
    signed_for(&chain.domain(), signer, nonce, call)
}

/// A signed transaction for a chain domain (sr25519 signatures are randomized: sign once
/// and reuse the bytes where runs must be identical).
pub fn signed_for(
    domain: &ChainDomain,
    signer: &Keypair,
    nonce: u64,
    call: Call,
) -> SignedTransaction {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(1_000_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

pub fn transfer(dest: AccountId, amount: u64) -> Call {
    Call::Balances(BalancesCall::Transfer {
        dest,
        amount: Rao(amount),
    })
}

pub fn add_stake(hotkey: AccountId, amount: u64) -> Call {
    Call::Staking(StakingCall::AddStake {
        hotkey,
        amount: Rao(amount),
    })
}

/// Runs `f` on a fresh deterministic runtime with `seed`, bounded to `limit` of simulated time.
pub fn run<F, Fut, T>(seed: u64, limit: Duration, f: F) -> T
where
    F: FnOnce(Ctx) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    use commonware_runtime::Runner as _;
    let cfg = deterministic::Config::new()
        .with_seed(seed)
        .with_timeout(Some(limit));
    deterministic::Runner::new(cfg).start(f)
}
