//! One real running network shared by the tests of this binary: a single-validator
//! development chain run by `taonet_node::service::run_until` (real consensus, store, RPC, and
//! the explorer served by the node at `/`), a standalone explorer (`taonet_explorer::serve`)
//! pointed at it, and activity put on chain through the client: a transfer, delegated stake
//! and an unstake (unbonding), a new subnet with a hostile identity, two neuron registrations,
//! weights, two commitments (text with markup, and binary), a text proposal with a hostile
//! description and a vote, Alice's on-chain identity (a name with markup), Alice's root
//! weights over subnets 1 and 2 ([`ROOT_WEIGHTS`]) and Ferdie's hotkey entered as a root
//! candidate. The root has one seat (`root_max_uids` = 1), held by Alice's genesis hotkey, so
//! Ferdie's candidate waits.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use commonware_codec::Encode;
use commonware_cryptography::Signer;
use taonet_client::{TxStatus, prelude::*};
use taonet_crypto::Keypair;
use taonet_explorer::ExplorerConfig;
use taonet_node::consensus::{NodeConfig, load_or_create_key};
use taonet_node::rpc::RpcConfig;
use taonet_node::service::{ServiceConfig, run_until};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::dev_keys;
use taonet_types::gov::{ProposalAction, VoteKind};
use taonet_types::tx::{
    BalancesCall, CommitmentCall, GovernanceCall, IdentityCall, NeuronCall, StakingCall,
    SubnetCall, WeightsCall,
};
use taonet_types::{Call, ChainDomain, Hash, Rao, SignedTransaction, Transaction};

/// What a subnet owner may write as its name; the explorer must show it as text.
pub const HOSTILE_NAME: &str = "<b>evil</b><script>window.__xss=3</script>";
/// A proposal description trying to inject markup.
pub const HOSTILE_DESCRIPTION: &str =
    "Lower fees <img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script> & \"more\"";
/// Dave's commitment: text with markup, shown escaped. (Eve's, uid 2, is binary: shown as hex.)
pub const DAVE_COMMITMENT: &str = "hf://dave/<model>@v1";
/// Eve's commitment bytes.
pub const EVE_COMMITMENT: &[u8] = &[0, 1, 0xfe, 0xff];
/// Alice's identity name (her coldkey's; shown beside her hotkey), with markup to escape.
pub const ALICE_IDENTITY: &str = "Alice <i>Validator</i>";
/// A subnet URL that must not become a link.
pub const HOSTILE_URL: &str = "javascript:window.__xss=4";
/// Alice's root weights on subnet 1 and on Charlie's subnet (2): normalised 2/3 and 1/3.
pub const ROOT_WEIGHTS: [u16; 2] = [65_535, 32_768];

/// The shared network.
pub struct Net {
    /// The node's RPC address (it also serves the explorer at `/`).
    pub node: SocketAddr,
    /// The standalone explorer's address.
    pub explorer: SocketAddr,
    /// Alice's transfer to Bob.
    pub transfer: Hash,
    /// Bob's stake on Alice's hotkey.
    pub stake: Hash,
    /// The netuid Charlie created.
    pub new_netuid: u16,
    /// Dave's commitment ([`DAVE_COMMITMENT`], uid 1 of subnet 1).
    pub commitment: Hash,
    /// Alice's `identity.set` ([`ALICE_IDENTITY`]).
    pub identity: Hash,
    /// The first finalized height after the setup.
    pub setup_height: u64,
}

impl Net {
    /// `http://<explorer><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.explorer)
    }

    /// `http://<node><path>` (the explorer the node serves).
    pub fn node_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.node)
    }
}

/// Alice, Bob, … (coldkey, hotkey).
pub fn keys(name: &str) -> (Keypair, Keypair) {
    dev_keys(name)
}

static NET: OnceLock<Net> = OnceLock::new();

/// The shared network, started by the first test that asks.
pub fn net() -> &'static Net {
    NET.get_or_init(start)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn data_dir() -> PathBuf {
    // Under the target directory, replaced on every run (a static is never dropped, so a
    // temporary directory would never be removed).
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer-net");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("data dir");
    dir
}

fn start() -> Net {
    let t0 = Instant::now();
    let dir = data_dir();
    let key_file = dir.join("consensus.key");
    let key = load_or_create_key(&key_file).expect("consensus key");
    let public: [u8; 32] = key
        .public_key()
        .encode()
        .as_ref()
        .try_into()
        .expect("32 bytes");
    let mut spec = ChainSpec::dev(&[public]);
    // Long enough that the unbonding entry and the open vote outlive the tests.
    spec.params.unbonding_period = 2_000;
    spec.params.gov_voting_period = 2_000;
    // One root seat (Alice's genesis hotkey), so a second candidate waits.
    spec.params.root_max_uids = 1;
    let listen = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let config = ServiceConfig {
        data_dir: dir.clone(),
        chain_spec: spec,
        consensus: NodeConfig::new(listen, key_file, dir),
        rpc: RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            explorer: true,
            ..RpcConfig::default()
        },
        metrics: None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("test-node".into())
        .spawn(move || {
            let ready = tx.clone();
            let result = run_until(
                config,
                move |bound| {
                    let _ = ready.send(Ok(bound.rpc));
                },
                std::future::pending(),
            );
            let _ = tx.send(Err(format!("node stopped: {result:?}")));
        })
        .expect("node thread");
    let node = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("node did not start")
        .expect("node failed");

    // The standalone explorer and the client calls run on a runtime of their own thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let explorer = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = ExplorerConfig::new(format!("ws://{node}"));
        config.poll_interval = Duration::from_millis(100);
        tokio::spawn(taonet_explorer::serve(
            listener,
            config,
            std::future::pending(),
        ));
        addr
    });
    eprintln!("net: node up after {:?}", t0.elapsed());
    let (transfer, stake, new_netuid, commitment, identity, setup_height) =
        runtime.block_on(activity(node));
    eprintln!("net: activity done after {:?}", t0.elapsed());
    // Keep the runtime (and the explorer on it) alive for the rest of the process.
    std::thread::spawn(move || runtime.block_on(std::future::pending::<()>()));
    Net {
        node,
        explorer,
        transfer,
        stake,
        new_netuid,
        commitment,
        identity,
        setup_height,
    }
}

/// `call` signed by `pair` with `nonce` for the chain `domain`.
pub fn sign(pair: &Keypair, nonce: u64, call: Call, domain: &ChainDomain) -> SignedTransaction {
    let tx = Transaction {
        signer: pair.account_id(),
        nonce,
        fee_limit: Rao(1_000_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = pair.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

/// The chain's signing domain, from its properties.
pub async fn domain(client: &Client) -> ChainDomain {
    let props = client.system_properties().await.expect("properties");
    ChainDomain {
        chain_id: props.chain_id,
        genesis_hash: props.genesis_hash,
    }
}

/// Submits `txs` at once and waits until each is finalized and succeeded; their hashes.
pub async fn finalize_all(client: &Client, txs: Vec<SignedTransaction>) -> Vec<Hash> {
    let watches = txs.iter().map(|tx| async move {
        let status =
            tokio::time::timeout(Duration::from_secs(60), client.submit_and_watch(tx, |_| {}))
                .await
                .expect("finalized within 60 s")
                .expect("submitted");
        match status {
            TxStatus::Finalized { success: true, .. } => tx.hash(),
            other => panic!("{} did not succeed: {other:?}", tx.tx.call.name()),
        }
    });
    futures::future::join_all(watches).await
}

const TAO: u64 = 1_000_000_000;

async fn activity(node: SocketAddr) -> (Hash, Hash, u16, Hash, Hash, u64) {
    let client = Client::connect(&format!("ws://{node}"))
        .await
        .expect("client");
    // The first block, so the chain is running before anything is submitted.
    let t0 = Instant::now();
    while client
        .chain_get_finalized_head()
        .await
        .expect("head")
        .height
        < 1
    {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no block within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let domain = domain(&client).await;
    let (alice, alice_hot) = keys("alice");
    let (bob, _) = keys("bob");
    let (charlie, charlie_hot) = keys("charlie");
    let (dave, dave_hot) = keys("dave");
    let (eve, eve_hot) = keys("eve");
    let (ferdie, ferdie_hot) = keys("ferdie");

    let first = finalize_all(
        &client,
        vec![
            sign(
                &alice,
                0,
                Call::Balances(BalancesCall::Transfer {
                    dest: bob.account_id(),
                    amount: Rao(2 * TAO),
                }),
                &domain,
            ),
            sign(
                &bob,
                0,
                Call::Staking(StakingCall::AddStake {
                    hotkey: alice_hot.account_id(),
                    amount: Rao(50 * TAO),
                }),
                &domain,
            ),
            sign(
                &charlie,
                0,
                Call::Subnets(SubnetCall::RegisterNetwork {
                    hotkey: charlie_hot.account_id(),
                }),
                &domain,
            ),
            sign(
                &dave,
                0,
                Call::Neurons(NeuronCall::BurnedRegister {
                    netuid: 1,
                    hotkey: dave_hot.account_id(),
                    max_burn: Rao(TAO),
                }),
                &domain,
            ),
            sign(
                &eve,
                0,
                Call::Neurons(NeuronCall::BurnedRegister {
                    netuid: 1,
                    hotkey: eve_hot.account_id(),
                    max_burn: Rao(TAO),
                }),
                &domain,
            ),
        ],
    )
    .await;
    // A proposal from Alice (separately: its nonce follows the transfer's).
    finalize_all(
        &client,
        vec![sign(
            &alice,
            1,
            Call::Governance(GovernanceCall::Propose {
                action: ProposalAction::Text,
                description: HOSTILE_DESCRIPTION.into(),
            }),
            &domain,
        )],
    )
    .await;
    let new_netuid = client
        .state_get_subnets()
        .await
        .expect("subnets")
        .iter()
        .find(|s| s.owner_hotkey == taonet_crypto::Ss58::to_ss58(&charlie_hot.account_id()))
        .expect("charlie's subnet")
        .netuid;
    let third = finalize_all(
        &client,
        vec![
            sign(
                &dave_hot,
                0,
                Call::Commitments(CommitmentCall::Set {
                    netuid: 1,
                    data: DAVE_COMMITMENT.as_bytes().to_vec(),
                }),
                &domain,
            ),
            sign(
                &eve_hot,
                0,
                Call::Commitments(CommitmentCall::Set {
                    netuid: 1,
                    data: EVE_COMMITMENT.to_vec(),
                }),
                &domain,
            ),
            sign(
                &alice,
                2,
                Call::Governance(GovernanceCall::Vote {
                    proposal: 0,
                    vote: VoteKind::Aye,
                }),
                &domain,
            ),
            sign(
                &charlie,
                1,
                Call::Subnets(SubnetCall::SetIdentity {
                    netuid: new_netuid,
                    name: HOSTILE_NAME.into(),
                    url: HOSTILE_URL.into(),
                    description: "\"quotes\" & <i>tags</i>".into(),
                }),
                &domain,
            ),
            sign(
                &bob,
                1,
                Call::Staking(StakingCall::RemoveStake {
                    hotkey: alice_hot.account_id(),
                    amount: Rao(10 * TAO),
                }),
                &domain,
            ),
            sign(
                &alice_hot,
                0,
                Call::Weights(WeightsCall::SetWeights {
                    netuid: 1,
                    uids: vec![1, 2],
                    weights: vec![20_000, 65_535],
                    version_key: 0,
                }),
                &domain,
            ),
            sign(
                &alice,
                3,
                Call::Identity(IdentityCall::Set {
                    name: ALICE_IDENTITY.into(),
                    url: "https://alice.example/<x>".into(),
                    description: "Runs the first validator".into(),
                }),
                &domain,
            ),
            sign(
                &alice_hot,
                1,
                Call::Weights(WeightsCall::SetWeights {
                    netuid: 0,
                    uids: vec![1, new_netuid],
                    weights: ROOT_WEIGHTS.to_vec(),
                    version_key: 0,
                }),
                &domain,
            ),
            sign(
                &ferdie,
                0,
                Call::Neurons(NeuronCall::RootRegister {
                    hotkey: ferdie_hot.account_id(),
                }),
                &domain,
            ),
        ],
    )
    .await;
    // Wait for an epoch of subnet 1 to turn the weights into incentive.
    let t0 = Instant::now();
    loop {
        let m = client
            .state_get_metagraph(1, false, false)
            .await
            .expect("metagraph")
            .expect("subnet 1");
        if m.neurons.iter().any(|n| n.uid == 2 && n.incentive > 0) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no incentive within 60 s: {m:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let height = client
        .chain_get_finalized_head()
        .await
        .expect("head")
        .height;
    (first[0], first[1], new_netuid, third[0], third[6], height)
}
