//! The JSON-RPC server against a real single-node chain: every read, submit-and-watch, and
//! malformed, oversized, replayed or forged input rejected with a clear error.

use std::net::SocketAddr;
use std::time::Duration;

use commonware_codec::Encode;
use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;
use taonet_client::types::{CommitmentInfo, IdentityInfo};
use taonet_client::{TxStatus, codes, prelude::*};
use taonet_crypto::{Keypair, Ss58};
use taonet_node::chain::Chain;
use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::{BalancesCall, StakingCall};
use taonet_types::{Call, ChainDomain, Hash, Rao, SignedTransaction, Transaction};

pub(crate) struct Node {
    pub(crate) chain: Chain,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
    _server: jsonrpsee::server::ServerHandle,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A dev chain with one validator (alice), a block producer thread (every 50 ms), and the RPC.
pub(crate) async fn node(config: RpcConfig) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(dir.path(), &ChainSpec::dev(&[[3u8; 32]])).unwrap();
    let (server, addr) = taonet_node::rpc::start(
        &config,
        RpcApi::new(chain.clone(), NetworkStatus::default()),
    )
    .await
    .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let chain = chain.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let proposer = dev_keys("alice").1.account_id();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let head = chain.finalized();
                let now = head.timestamp_ms + 1_000;
                if let Ok(block) = chain.propose(&head.hash, &proposer, now) {
                    chain.finalize(&block).unwrap();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
    }
    Node {
        chain,
        url: format!("ws://{addr}"),
        _dir: dir,
        _server: server,
        stop,
    }
}

pub(crate) fn local() -> RpcConfig {
    RpcConfig {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..RpcConfig::default()
    }
}

pub(crate) fn sign(
    pair: &Keypair,
    nonce: u64,
    call: Call,
    domain: &ChainDomain,
) -> SignedTransaction {
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

pub(crate) fn rpc_code(e: &jsonrpsee::core::ClientError) -> i32 {
    match e {
        jsonrpsee::core::ClientError::Call(obj) => obj.code(),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_submit_and_watch() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let props = client.system_properties().await.unwrap();
    assert_eq!(props.token_symbol, "TAO");
    assert_eq!(props.ss58_format, 42);
    let domain = ChainDomain {
        chain_id: props.chain_id.clone(),
        genesis_hash: props.genesis_hash,
    };
    assert_eq!(domain, n.chain.domain());

    let (alice, alice_hot) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let before = client.state_get_account(bob.ss58()).await.unwrap();
    let tx = sign(
        &alice,
        0,
        Call::Balances(BalancesCall::Transfer {
            dest: bob.account_id(),
            amount: Rao(2_000_000_000),
        }),
        &domain,
    );
    let fee = client
        .payment_estimate_fee(Client::encode_transaction(&tx))
        .await
        .unwrap();
    assert!(fee.fee > Rao::ZERO && !fee.free_call);
    let mut seen = Vec::new();
    let status = tokio::time::timeout(
        Duration::from_secs(30),
        client.submit_and_watch(&tx, |s| seen.push(s.clone())),
    )
    .await
    .unwrap()
    .unwrap();
    let TxStatus::Finalized {
        success,
        block_height,
        fee: paid,
        ..
    } = status
    else {
        panic!("not finalized: {status:?}");
    };
    assert!(success);
    assert_eq!(paid, fee.fee);
    assert_eq!(seen.first(), Some(&TxStatus::Pending));
    let after = client.state_get_account(bob.ss58()).await.unwrap();
    assert_eq!(after.free.0, before.free.0 + 2_000_000_000);
    assert_eq!(
        client
            .author_get_transaction_status(tx.hash())
            .await
            .unwrap(),
        status_of(&client, tx.hash()).await
    );

    // The block, its hash, the account history.
    let block = client
        .chain_get_block_by_height(block_height)
        .await
        .unwrap()
        .unwrap();
    assert!(block.finalized);
    assert!(
        block
            .transactions
            .iter()
            .any(|t| t.hash == tx.hash() && t.success == Some(true))
    );
    assert_eq!(
        client.chain_get_block_hash(block_height).await.unwrap(),
        Some(block.hash)
    );
    assert_eq!(
        client
            .chain_get_block_by_hash(block.hash)
            .await
            .unwrap()
            .unwrap()
            .height,
        block_height
    );
    let history = client
        .state_get_account_history(bob.ss58(), 10, None)
        .await
        .unwrap();
    assert_eq!(history[0].2, tx.hash());

    // Stake: positions, delegates, metagraph, subnets, seats, supply, params.
    let stake = sign(
        &bob,
        0,
        Call::Staking(StakingCall::AddStake {
            hotkey: alice_hot.account_id(),
            amount: Rao(1_000_000_000),
        }),
        &domain,
    );
    client.submit_and_watch(&stake, |_| {}).await.unwrap();
    let positions = client.state_get_stake(bob.ss58()).await.unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0].hotkey, alice_hot.ss58());
    let delegate = client
        .state_get_delegate(alice_hot.ss58())
        .await
        .unwrap()
        .unwrap();
    assert!(
        delegate
            .nominators
            .iter()
            .any(|(c, a)| *c == bob.ss58() && a.0 == 1_000_000_000)
    );
    let subnets = client.state_get_subnets().await.unwrap();
    assert!(subnets.iter().any(|s| s.netuid == 1));
    let mg = client
        .state_get_metagraph(1, true, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mg.neurons.len(), mg.subnet.n as usize);
    assert!(mg.neurons[0].weights.is_some());
    assert!(
        client
            .state_get_metagraph(77, false, false)
            .await
            .unwrap()
            .is_none()
    );
    let seats = client.state_get_seats(None).await.unwrap().unwrap();
    assert_eq!(seats.seats.len(), 1);
    // Jail status and slash history of a validator that never offended.
    let jail = client.state_get_jail(alice_hot.ss58()).await.unwrap();
    assert_eq!(jail.hotkey, alice_hot.ss58());
    assert!(!jail.jailed && !jail.can_unjail && jail.until_epoch.is_none());
    assert!(
        client
            .state_get_slashes(alice_hot.ss58())
            .await
            .unwrap()
            .is_empty()
    );
    // Participation of the current epoch: one seat; none of these blocks carries votes (they
    // are built without consensus), so nothing is counted. Unknown epochs have none.
    let p = client.state_get_participation(None).await.unwrap().unwrap();
    assert_eq!(p.seats.len(), 1);
    assert_eq!(p.counted_blocks, 0);
    assert_eq!((p.seats[0].voted, p.seats[0].missed), (0, 0));
    assert!(!p.seats[0].jailed);
    assert_eq!(
        p.missed_votes_jail_ppb,
        n.chain.finalized_state().params().missed_votes_jail_ppb
    );
    assert!(
        client
            .state_get_participation(Some(1_000_000))
            .await
            .unwrap()
            .is_none()
    );
    // The registered nodes: the one genesis validator, with its seat and stake.
    let nodes = client.state_get_nodes(None).await.unwrap();
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert_eq!(nodes[0].hotkey, alice_hot.ss58());
    assert_eq!(
        nodes[0].consensus_key,
        format!("0x{}", hex::encode(seats.seats[0].consensus_key))
    );
    assert_eq!(
        nodes[0].stake,
        n.chain
            .finalized_state()
            .total_hotkey_stake(&alice_hot.account_id())
    );
    assert!(nodes[0].seat && !nodes[0].jailed);
    assert!(client.state_get_nodes(Some(0)).await.unwrap().is_empty());
    let e = client
        .state_get_jail("5notanaddress".into())
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
    let supply = client.state_get_supply().await.unwrap();
    assert!(supply.total_issuance > Rao::ZERO);
    assert_eq!(
        client.state_get_params().await.unwrap(),
        n.chain.finalized_state().params().clone()
    );
    let health = client.system_health().await.unwrap();
    assert!(health.finalized_height >= block_height);

    // Subscriptions to heads deliver increasing finalized heights.
    let mut sub = client.chain_subscribe_finalized_heads().await.unwrap();
    let h1 = sub.next().await.unwrap().unwrap();
    let h2 = sub.next().await.unwrap().unwrap();
    assert!(h2.height > h1.height);
}

async fn status_of(client: &Client, hash: Hash) -> TxStatus {
    client.author_get_transaction_status(hash).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_rejected_with_clear_errors() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (alice, _) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let transfer = || {
        Call::Balances(BalancesCall::Transfer {
            dest: bob.account_id(),
            amount: Rao(1_000_000),
        })
    };
    let good = sign(&alice, 0, transfer(), &domain);
    let hex = Client::encode_transaction(&good);

    // Malformed: not hex, truncated, trailing bytes, oversized.
    for bad in [
        "0xnothex".to_string(),
        hex[..hex.len() - 10].to_string(),
        format!("{hex}00"),
        format!("0x{}", "00".repeat(200 * 1024)),
    ] {
        let e = client.author_submit_transaction(bad).await.unwrap_err();
        assert_eq!(rpc_code(&e), codes::BAD_TRANSACTION, "{e}");
    }
    // Forged: a signature by someone else, a tampered amount, another chain's signature.
    let mut forged = good.clone();
    forged.signature = bob.sign(&good.tx.signing_payload(&domain)).0;
    let mut tampered = good.clone();
    tampered.tx.fee_limit = Rao(999);
    let other_chain = ChainDomain {
        chain_id: "another-chain".into(),
        genesis_hash: domain.genesis_hash,
    };
    let replayed_elsewhere = sign(&alice, 0, transfer(), &other_chain);
    for bad in [&forged, &tampered, &replayed_elsewhere] {
        let e = client
            .author_submit_transaction(Client::encode_transaction(bad))
            .await
            .unwrap_err();
        assert_eq!(rpc_code(&e), codes::INVALID_TRANSACTION, "{e}");
        assert!(e.to_string().contains("bad signature"), "{e}");
    }
    // A valid one goes through; the same again is already pending; after finality its nonce
    // is used up (replay refused).
    let hash = client.author_submit_transaction(hex.clone()).await.unwrap();
    assert_eq!(hash, good.hash());
    let e = client
        .author_submit_transaction(hex.clone())
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::MEMPOOL_REJECTED);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !matches!(status_of(&client, hash).await, TxStatus::Finalized { .. }) {
        assert!(std::time::Instant::now() < deadline, "not finalized");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let e = client.author_submit_transaction(hex).await.unwrap_err();
    assert_eq!(rpc_code(&e), codes::MEMPOOL_REJECTED);
    assert!(e.to_string().contains("already used"), "{e}");
    // A fee limit below the fee.
    let mut cheap = Transaction {
        signer: alice.account_id(),
        nonce: 1,
        fee_limit: Rao(1),
        tip: Rao::ZERO,
        call: transfer(),
    };
    let sig = alice.sign(&cheap.signing_payload(&domain)).0;
    let e = client
        .author_submit_transaction(Client::encode_transaction(&SignedTransaction {
            tx: cheap.clone(),
            signature: sig,
        }))
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::INVALID_TRANSACTION);
    assert!(e.to_string().contains("fee limit"), "{e}");
    cheap.fee_limit = Rao(1_000_000_000);

    // Bad addresses, unknown methods, wrong parameter types.
    let e = client
        .state_get_account("5notanaddress".into())
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
    let raw = jsonrpsee::http_client::HttpClientBuilder::default()
        .build(n.url.replace("ws://", "http://"))
        .unwrap();
    let e = raw
        .request::<serde_json::Value, _>("state_noSuchMethod", rpc_params![])
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), -32601);
    let e = raw
        .request::<serde_json::Value, _>("state_getSubnet", rpc_params!["not a number"])
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), -32602);
    // The chain is unaffected by all of it.
    assert_eq!(n.chain.finalized_state().nonce(&alice.account_id()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_and_floods_are_refused() {
    let n = node(RpcConfig {
        max_request_bytes: 64 * 1024,
        requests_per_second: 20,
        limit_loopback: true,
        ..local()
    })
    .await;
    let http = reqwest_free_post(&n.url, &"x".repeat(100 * 1024)).await;
    assert!(
        http.contains("413")
            || http.contains("too big")
            || http.contains("Request Entity Too Large"),
        "{http}"
    );
    let client = Client::connect(&n.url).await.unwrap();
    let mut limited = 0;
    for _ in 0..200 {
        if let Err(e) = client.system_name().await {
            assert_eq!(rpc_code(&e), codes::RATE_LIMITED, "{e}");
            limited += 1;
        }
    }
    assert!(
        limited > 100,
        "only {limited} of 200 calls were rate-limited"
    );
    // The budget is the address's, not the connection's (rpc_limits mounts that attack);
    // once the bucket refills, calls are served again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let other = Client::connect(&n.url).await.unwrap();
    assert_eq!(other.system_name().await.unwrap(), "taonet");
}

/// A raw HTTP POST over TCP (no HTTP client dependency needed), returning the status line
/// and body.
async fn reqwest_free_post(ws_url: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = ws_url.trim_start_matches("ws://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(req.as_bytes()).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).chars().take(300).collect()
}

/// Keeps the signing helper honest about encodings (the RPC takes exactly the codec bytes).
#[test]
fn encoded_transactions_round_trip() {
    let (alice, _) = dev_keys("alice");
    let domain = ChainDomain {
        chain_id: "x".into(),
        genesis_hash: Hash::ZERO,
    };
    let tx = sign(
        &alice,
        3,
        Call::Balances(BalancesCall::Transfer {
            dest: alice.account_id(),
            amount: Rao(1),
        }),
        &domain,
    );
    let hex = Client::encode_transaction(&tx);
    assert_eq!(hex, format!("0x{}", ::hex::encode(tx.encode())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_reads_follow_a_proposal_to_execution() {
    use taonet_types::gov::{ParamUpdate, ProposalAction, ProposalStatus, VoteKind};
    use taonet_types::tx::GovernanceCall;
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (alice, _) = dev_keys("alice");
    let treasury = client.gov_treasury().await.unwrap();
    assert_eq!(
        treasury.account,
        taonet_types::gov::treasury_account().to_ss58()
    );
    assert!(treasury.fee_share_ppb > 0);
    let propose = sign(
        &alice,
        0,
        Call::Governance(GovernanceCall::Propose {
            action: ProposalAction::SetParams(vec![ParamUpdate::TxByteFee(Rao(150))]),
            description: "bytes cost 150 rao".into(),
        }),
        &domain,
    );
    let status = client.submit_and_watch(&propose, |_| {}).await.unwrap();
    assert!(
        matches!(status, TxStatus::Finalized { success: true, .. }),
        "{status:?}"
    );
    let p = client.gov_proposal(0).await.unwrap().unwrap();
    assert_eq!(p.status, ProposalStatus::Voting);
    assert!(p.live && p.tally.aye == Rao::ZERO && !p.tally.quorum_met);
    assert_eq!(p.summary, vec!["set tx_byte_fee = 0.00000015".to_string()]);
    let vote = sign(
        &alice,
        1,
        Call::Governance(GovernanceCall::Vote {
            proposal: 0,
            vote: VoteKind::Aye,
        }),
        &domain,
    );
    client.submit_and_watch(&vote, |_| {}).await.unwrap();
    let votes = client.gov_votes(0).await.unwrap();
    assert_eq!(votes.len(), 1);
    assert_eq!(votes[0].voter, alice.ss58());
    // Alice's validator hotkey holds all the stake (and grows with emission).
    let live = client.gov_proposal(0).await.unwrap().unwrap();
    assert_eq!(votes[0].weight, live.tally.aye);
    assert!(live.tally.approved && live.approval_ppb == Some(1_000_000_000));
    assert_eq!(client.gov_proposals(None).await.unwrap().len(), 1);
    assert_eq!(
        rpc_code(&client.gov_votes(9).await.unwrap_err()),
        codes::NOT_FOUND
    );
    // Voting 40 blocks + delay 10 on the dev chain, at 20 blocks/s.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let p = client.gov_proposal(0).await.unwrap().unwrap();
        if p.status == ProposalStatus::Executed {
            assert!(!p.live && p.tally.quorum_met);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "stuck at {p:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        client.state_get_params().await.unwrap().tx_byte_fee,
        Rao(150)
    );
    assert!(client.gov_treasury().await.unwrap().balance > Rao::ZERO);
}

/// `chain_getBlockTransactions`: a finalized block's transactions, decoded, with receipts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_transactions_are_decoded_with_their_receipts() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (alice, alice_hot) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let transfer = Call::Balances(BalancesCall::Transfer {
        dest: bob.account_id(),
        amount: Rao(3_000_000_000),
    });
    // The second one fails in dispatch (below the minimum stake) but is included and pays.
    let stake = Call::Staking(StakingCall::AddStake {
        hotkey: alice_hot.account_id(),
        amount: Rao(1),
    });
    let t1 = sign(&alice, 0, transfer.clone(), &domain);
    let t2 = sign(&bob, 0, stake.clone(), &domain);
    let (s1, s2) = tokio::join!(
        client.submit_and_watch(&t1, |_| {}),
        client.submit_and_watch(&t2, |_| {})
    );
    for (tx, call, status, ok) in [
        (&t1, &transfer, s1.unwrap(), true),
        (&t2, &stake, s2.unwrap(), false),
    ] {
        let TxStatus::Finalized {
            block_height,
            index,
            fee,
            success,
            ..
        } = status
        else {
            panic!("not finalized: {status:?}");
        };
        assert_eq!(success, ok);
        let got = client
            .chain_get_block_transactions(block_height, index, 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.len(), 1);
        let info = &got[0];
        assert_eq!(info.hash, tx.hash());
        assert_eq!((info.block_height, info.index), (block_height, index));
        assert_eq!(&info.call, call);
        assert_eq!(info.call_name, call.name());
        assert_eq!(info.signer, tx.tx.signer.to_ss58());
        assert_eq!((info.nonce, info.fee_limit), (tx.tx.nonce, tx.tx.fee_limit));
        assert_eq!(info.size, commonware_codec::EncodeSize::encode_size(tx));
        assert_eq!((info.fee, info.success), (fee, ok));
        assert_eq!(info.error_message.is_some(), !ok);
        // The whole block, and offsets past its end.
        let all = client
            .chain_get_block_transactions(block_height, 0, 1000)
            .await
            .unwrap()
            .unwrap();
        assert!(all.iter().any(|t| t.hash == tx.hash()));
        assert!(
            client
                .chain_get_block_transactions(block_height, 5000, 10)
                .await
                .unwrap()
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        client
            .chain_get_block_transactions(u64::MAX, 0, 10)
            .await
            .unwrap()
            .is_none()
    );
    let e = client
        .chain_get_block_transactions(1, 0, 1001)
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::TOO_LARGE);
}

/// A raw HTTP GET over TCP: (status, body).
pub(crate) async fn raw_get(ws_url: &str, path: &str, extra_headers: &str) -> (u16, String) {
    raw_http(ws_url, "GET", path, extra_headers, "").await
}

/// A raw HTTP request over TCP (`Connection: close`): (status, the whole response).
pub(crate) async fn raw_http(
    ws_url: &str,
    method: &str,
    path: &str,
    extra_headers: &str,
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = ws_url.trim_start_matches("ws://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let length = if body.is_empty() {
        String::new()
    } else {
        format!("Content-Length: {}\r\n", body.len())
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra_headers}{length}Connection: close\r\n\r\n{body}"
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// With `explorer` on, browsers' GETs on the RPC port get the explorer; JSON-RPC over HTTP and
/// WebSocket upgrades on the same port are unaffected. Off, a GET gets no explorer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rpc_port_serves_the_explorer_to_browsers() {
    let n = node(RpcConfig {
        explorer: true,
        ..local()
    })
    .await;
    let (status, page) = raw_get(&n.url, "/", "Accept: text/html\r\n").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("text/html") && page.contains("taonet explorer"),
        "{page}"
    );
    let (status, page) = raw_get(&n.url, "/subnet/1", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("text-prediction"));
    let (status, _) = raw_get(&n.url, "/static/explorer.css", "").await;
    assert_eq!(status, 200);
    // JSON-RPC over HTTP POST, on the same port.
    let answer = reqwest_free_post(
        &n.url,
        r#"{"jsonrpc":"2.0","id":1,"method":"system_name","params":[]}"#,
    )
    .await;
    assert!(
        answer.contains("200 OK") && answer.contains("taonet"),
        "{answer}"
    );
    // WebSocket upgrades still reach the RPC server.
    let ws = Client::connect(&n.url).await.unwrap();
    assert!(ws.chain_get_finalized_head().await.is_ok());

    let plain = node(local()).await;
    let (status, page) = raw_get(&plain.url, "/", "Accept: text/html\r\n").await;
    assert_ne!(status, 200, "{page}");
    assert!(!page.contains("taonet explorer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_reads_follow_a_channel_from_open_to_reclaim() {
    use taonet_types::channel::{MinerShare, Voucher, channel_id};
    use taonet_types::tx::ChannelCall;
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (eve, _) = dev_keys("eve");
    let (alice, alice_hot) = dev_keys("alice");
    let finalized = |status: TxStatus| {
        assert!(
            matches!(status, TxStatus::Finalized { success: true, .. }),
            "{status:?}"
        );
    };
    let height = client.chain_get_finalized_head().await.unwrap().height;
    let expiry = height + 30;
    let open = sign(
        &eve,
        0,
        Call::Channels(ChannelCall::Open {
            gateway: alice_hot.account_id(),
            deposit: Rao(2_000_000_000),
            expiry,
        }),
        &domain,
    );
    finalized(client.submit_and_watch(&open, |_| {}).await.unwrap());
    let id = channel_id(&eve.account_id(), 0);
    let info = client.channel_get(id).await.unwrap().unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.opener, eve.ss58());
    assert_eq!(info.gateway, alice_hot.ss58());
    assert_eq!(info.gateway_owner, alice.ss58());
    assert_eq!(
        (info.deposit, info.claimed),
        (Rao(2_000_000_000), Rao::ZERO)
    );
    assert_eq!(
        (info.remaining, info.expiry, info.expired),
        (Rao(2_000_000_000), expiry, false)
    );
    for who in [eve.ss58(), alice_hot.ss58(), alice.ss58()] {
        let list = client.channel_list(who).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, id);
    }
    assert!(
        client
            .channel_list(dev_keys("bob").0.ss58())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        rpc_code(
            &client
                .channel_list("not-an-address".into())
                .await
                .unwrap_err()
        ),
        codes::BAD_ADDRESS
    );
    assert!(client.channel_get(Hash([1; 32])).await.unwrap().is_none());
    assert_eq!(
        client.state_get_supply().await.unwrap().total_channels,
        Rao(2_000_000_000)
    );

    // Alice's coldkey redeems 0.5 TAO, half of it to uid 0 of subnet 1 (her own hotkey).
    let voucher = taonet_crypto::voucher::sign(
        &eve,
        Voucher {
            channel: id,
            amount: Rao(500_000_000),
        },
        &domain,
    );
    let nonce = client.state_get_account(alice.ss58()).await.unwrap().nonce;
    let claim = sign(
        &alice,
        nonce,
        Call::Channels(ChannelCall::Claim {
            channel: id,
            voucher,
            netuid: 1,
            miners: vec![MinerShare { uid: 0, units: 1 }],
        }),
        &domain,
    );
    finalized(client.submit_and_watch(&claim, |_| {}).await.unwrap());
    let info = client.channel_get(id).await.unwrap().unwrap();
    assert_eq!(
        (info.claimed, info.paid_to_miners, info.remaining),
        (Rao(500_000_000), Rao(250_000_000), Rao(1_500_000_000))
    );

    // After the expiry eve takes back the rest and the channel is gone.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !client.channel_get(id).await.unwrap().unwrap().expired {
        assert!(std::time::Instant::now() < deadline, "the chain stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let free = client.state_get_account(eve.ss58()).await.unwrap().free;
    let reclaim = sign(
        &eve,
        1,
        Call::Channels(ChannelCall::Reclaim { channel: id }),
        &domain,
    );
    let status = client.submit_and_watch(&reclaim, |_| {}).await.unwrap();
    let TxStatus::Finalized { fee, success, .. } = status else {
        panic!("{status:?}")
    };
    assert!(success);
    assert_eq!(
        client.state_get_account(eve.ss58()).await.unwrap().free,
        Rao(free.0 + 1_500_000_000 - fee.0)
    );
    assert!(client.channel_get(id).await.unwrap().is_none());
    assert!(client.channel_list(eve.ss58()).await.unwrap().is_empty());
    assert_eq!(
        client.state_get_supply().await.unwrap().total_channels,
        Rao::ZERO
    );
}

/// The server's full method list (methods, subscriptions and their unsubscribes), sorted,
/// equals the checked-in `rpc_methods.txt`: splitting or renaming the API cannot drop or rename
/// a wire method unnoticed (the Python interop tests and the explorer call them by name).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_method_list_is_the_checked_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(dir.path(), &ChainSpec::dev(&[[3u8; 32]])).unwrap();
    let api = RpcApi::new(chain, NetworkStatus::default());
    let module = api.into_module().unwrap();
    let mut names: Vec<&str> = module.method_names().collect();
    names.sort_unstable();
    let listed: Vec<&str> = include_str!("rpc_methods.txt").lines().collect();
    assert_eq!(names, listed, "the RPC method list changed");
}

/// Subscriptions notify under their checked-in method names (`chain_newHead`,
/// `chain_finalizedHead`, `author_transactionStatus`): a client matching notifications by name
/// (the Python interop tests do) keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_notify_under_their_checked_in_names() {
    let dir = tempfile::tempdir().unwrap();
    let chain = Chain::open(dir.path(), &ChainSpec::dev(&[[3u8; 32]])).unwrap();
    let module = RpcApi::new(chain.clone(), NetworkStatus::default())
        .into_module()
        .unwrap();
    let request = |method: &str, params: String| {
        format!(r#"{{"jsonrpc":"2.0","id":0,"method":"{method}","params":{params}}}"#)
    };
    let subscribe = |method: &str, params: String| {
        let module = &module;
        let request = request(method, params);
        async move { module.raw_json_request(&request, 16).await.unwrap().1 }
    };
    let mut new_heads = subscribe("chain_subscribeNewHeads", "[]".into()).await;
    let mut finalized = subscribe("chain_subscribeFinalizedHeads", "[]".into()).await;
    let (alice, alice_hot) = dev_keys("alice");
    let tx = sign(
        &alice,
        0,
        Call::Balances(BalancesCall::Transfer {
            dest: dev_keys("bob").0.account_id(),
            amount: Rao(1),
        }),
        &chain.domain(),
    );
    let params = format!(r#"["{}"]"#, Client::encode_transaction(&tx));
    let mut status = subscribe("author_submitAndWatchTransaction", params).await;
    let head = chain.finalized();
    let block = chain
        .propose(
            &head.hash,
            &alice_hot.account_id(),
            head.timestamp_ms + 1_000,
        )
        .unwrap();
    chain.finalize(&block).unwrap();
    for (notifications, name) in [
        (&mut new_heads, "chain_newHead"),
        (&mut finalized, "chain_finalizedHead"),
        (&mut status, "author_transactionStatus"),
    ] {
        let raw = tokio::time::timeout(Duration::from_secs(10), notifications.recv())
            .await
            .unwrap()
            .unwrap();
        let notification: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(notification["method"], name, "{notification}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commitment_is_read_by_uid_and_shown_in_the_metagraph() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    // Alice's hotkey holds uid 0 of subnet 1 in the dev chain.
    let (_, alice_hot) = dev_keys("alice");
    assert_eq!(client.state_get_commitment(1, 0).await.unwrap(), None);
    let nonce = client
        .state_get_account(alice_hot.account_id().to_ss58())
        .await
        .unwrap()
        .nonce;
    let call = Call::Commitments(taonet_types::tx::CommitmentCall::Set {
        netuid: 1,
        data: b"sha256:00ff".to_vec(),
    });
    let tx = sign(&alice_hot, nonce, call, &domain);
    let status = client.submit_and_watch(&tx, |_| {}).await.unwrap();
    let TxStatus::Finalized {
        block_height,
        fee,
        success,
        ..
    } = status
    else {
        panic!("not finalized: {status:?}");
    };
    assert!(success);
    assert_eq!(fee, Rao::ZERO);
    let got = client.state_get_commitment(1, 0).await.unwrap().unwrap();
    assert_eq!(
        got,
        CommitmentInfo {
            netuid: 1,
            uid: 0,
            hotkey: alice_hot.account_id().to_ss58(),
            block: block_height,
            data: format!("0x{}", hex::encode(b"sha256:00ff")),
        }
    );
    assert_eq!(client.state_get_commitment(1, 99).await.unwrap(), None);
    assert_eq!(client.state_get_commitment(77, 0).await.unwrap(), None);
    let m = client
        .state_get_metagraph(1, false, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.neurons[0].commitment.as_deref(), Some(got.data.as_str()));
    // The JSON of a neuron without a commitment has no such field.
    let raw: serde_json::Value = client
        .request("state_getMetagraph", rpc_params![1, false, false])
        .await
        .unwrap();
    assert_eq!(raw["neurons"][0]["commitment"], got.data);
    assert!(raw["neurons"][0].get("weights").is_none());
}

/// `state_getOverview`: a coldkey's balances, the hotkeys it owns and stakes on (each once),
/// its stake on each, and each registration with the metagraph's figures — compared with the
/// individual reads on a stopped chain; pages that add up to the whole; refusals in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_of_a_coldkey_agrees_with_the_individual_reads() {
    use taonet_client::types::Overview;
    use taonet_types::tx::{NeuronCall, SubnetCall};
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (_, alice_hot) = dev_keys("alice");
    let (bob, bob_hot) = dev_keys("bob");
    let tao = |t: u64| Rao(t * 1_000_000_000);
    // Bob: a subnet of his own (his hotkey is its uid 0), the same hotkey on subnet 1, stake on
    // it, a delegation to alice's validator and part of it unstaked (unbonding).
    let calls = [
        Call::Subnets(SubnetCall::RegisterNetwork {
            hotkey: bob_hot.account_id(),
        }),
        Call::Neurons(NeuronCall::BurnedRegister {
            netuid: 1,
            hotkey: bob_hot.account_id(),
            max_burn: tao(1),
        }),
        Call::Staking(StakingCall::AddStake {
            hotkey: bob_hot.account_id(),
            amount: tao(3),
        }),
        Call::Staking(StakingCall::AddStake {
            hotkey: alice_hot.account_id(),
            amount: tao(5),
        }),
        Call::Staking(StakingCall::RemoveStake {
            hotkey: alice_hot.account_id(),
            amount: tao(1),
        }),
    ];
    for (nonce, call) in calls.into_iter().enumerate() {
        let tx = sign(&bob, nonce as u64, call.clone(), &domain);
        let status = tokio::time::timeout(
            Duration::from_secs(30),
            client.submit_and_watch(&tx, |_| {}),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(
            matches!(status, TxStatus::Finalized { success: true, .. }),
            "{call:?}: {status:?}"
        );
    }
    // Stop the chain (the unbonding is released 20 blocks after the unstake) so that every
    // read below sees the same state.
    n.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let height = n.chain.finalized().height;

    let o = client
        .state_get_overview(bob.ss58(), None, None)
        .await
        .unwrap();
    let account = client.state_get_account(bob.ss58()).await.unwrap();
    let unbonding = client.state_get_unbonding(bob.ss58()).await.unwrap();
    let stakes = client.state_get_stake(bob.ss58()).await.unwrap();
    assert_eq!(o.coldkey, bob.ss58());
    assert_eq!(o.block, height);
    assert_eq!(o.free, account.free);
    assert_eq!(o.total_stake, account.staked);
    assert_eq!(o.unbonding, account.unbonding);
    assert_eq!(o.unbonding, tao(1));
    assert_eq!(unbonding.len(), 1);
    assert_eq!(o.next_cursor, None);
    // Each hotkey once, in account-id order, with bob's stake on it.
    let mut expected = [alice_hot.account_id(), bob_hot.account_id()];
    expected.sort();
    let listed: Vec<&str> = o.hotkeys.iter().map(|h| h.hotkey.as_str()).collect();
    assert_eq!(
        listed,
        expected.iter().map(|a| a.to_ss58()).collect::<Vec<_>>()
    );
    for h in &o.hotkeys {
        let position = stakes
            .iter()
            .find(|s| s.hotkey == h.hotkey)
            .map_or(Rao::ZERO, |s| s.amount);
        assert_eq!(h.stake, position, "{}", h.hotkey);
        let delegate = client
            .state_get_delegate(h.hotkey.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.owner.as_deref(), Some(delegate.owner.as_str()));
        assert_eq!(h.total_stake, delegate.total_stake);
        let regs: Vec<(u16, u16)> = h.registrations.iter().map(|r| (r.netuid, r.uid)).collect();
        assert_eq!(regs, delegate.registrations, "{}", h.hotkey);
        for r in &h.registrations {
            let m = client
                .state_get_metagraph(r.netuid, false, false)
                .await
                .unwrap()
                .unwrap();
            let row = &m.neurons[usize::from(r.uid)];
            assert_eq!(row.hotkey, h.hotkey);
            assert_eq!(r.stake, row.stake);
            assert_eq!(r.incentive, row.incentive);
            assert_eq!(r.dividends, row.dividends);
            assert_eq!(r.emission, row.emission);
            assert_eq!(r.validator_permit, row.validator_permit);
            assert_eq!(r.axon, row.axon.as_ref().map(|a| a.address.clone()));
            assert_eq!(r.last_update, row.last_update);
        }
    }
    let bob_row = o
        .hotkeys
        .iter()
        .find(|h| h.hotkey == bob_hot.ss58())
        .unwrap();
    assert_eq!(bob_row.owner.as_deref(), Some(bob.ss58().as_str()));
    assert_eq!(bob_row.stake, tao(3));
    let netuids: Vec<u16> = bob_row.registrations.iter().map(|r| r.netuid).collect();
    assert_eq!(netuids.len(), 2, "{netuids:?}");
    assert!(netuids.contains(&1));
    let alice_row = o
        .hotkeys
        .iter()
        .find(|h| h.hotkey == alice_hot.ss58())
        .unwrap();
    assert_eq!(alice_row.stake, tao(4));
    assert!(
        alice_row
            .registrations
            .iter()
            .any(|r| r.netuid == 1 && r.uid == 0)
    );

    // Pages of one hotkey add up to the whole answer, from the same block.
    let first = client
        .state_get_overview(bob.ss58(), Some(1), None)
        .await
        .unwrap();
    assert_eq!(first.hotkeys.len(), 1);
    assert_eq!(first.next_cursor.as_deref(), Some(listed[0]));
    let second = client
        .state_get_overview(bob.ss58(), Some(1), first.next_cursor.clone())
        .await
        .unwrap();
    assert_eq!(second.next_cursor, None);
    assert_eq!(
        [first.hotkeys.clone(), second.hotkeys.clone()].concat(),
        o.hotkeys
    );
    assert_eq!((first.block, second.block), (o.block, o.block));
    assert_eq!(second.total_stake, o.total_stake);

    // An unknown coldkey: nothing, not an error. Optional arguments may be left out.
    let stranger = Keypair::from_seed(&[77u8; 32]);
    let empty: Overview = client
        .request("state_getOverview", rpc_params![stranger.ss58()])
        .await
        .unwrap();
    assert_eq!(empty.coldkey, stranger.ss58());
    assert!(empty.hotkeys.is_empty() && empty.next_cursor.is_none());
    assert_eq!(
        (empty.free, empty.unbonding, empty.total_stake),
        (Rao::ZERO, Rao::ZERO, Rao::ZERO)
    );
    // The wire names.
    let raw: serde_json::Value = client
        .request("state_getOverview", rpc_params![bob.ss58()])
        .await
        .unwrap();
    let reg = &raw["hotkeys"][0]["registrations"][0];
    for field in [
        "netuid",
        "uid",
        "stake",
        "incentive",
        "dividends",
        "emission",
        "validator_permit",
        "axon",
        "last_update",
    ] {
        assert!(reg.get(field).is_some(), "{field} missing in {reg}");
    }

    // Refusals: a bad address, a bad cursor, a page size out of range.
    let e = client
        .state_get_overview("5notanaddress".into(), None, None)
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
    assert!(e.to_string().contains("5notanaddress"), "{e}");
    let e = client
        .state_get_overview(bob.ss58(), None, Some("page-2".into()))
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
    assert!(e.to_string().contains("next_cursor"), "{e}");
    for limit in [0, 257] {
        let e = client
            .state_get_overview(bob.ss58(), Some(limit), None)
            .await
            .unwrap_err();
        assert_eq!(rpc_code(&e), codes::TOO_LARGE, "{limit}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_is_read_by_account_and_shown_on_its_delegates() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (alice, alice_hot) = dev_keys("alice");
    let alice_ss58 = alice.account_id().to_ss58();
    assert_eq!(
        client.state_get_identity(alice_ss58.clone()).await.unwrap(),
        None
    );
    let raw: serde_json::Value = client
        .request(
            "state_getDelegate",
            rpc_params![alice_hot.account_id().to_ss58()],
        )
        .await
        .unwrap();
    assert!(raw.get("identity").is_none(), "{raw}");
    let nonce = client
        .state_get_account(alice_ss58.clone())
        .await
        .unwrap()
        .nonce;
    let call = Call::Identity(taonet_types::tx::IdentityCall::Set {
        name: "Alice".into(),
        url: "https://alice.example".into(),
        description: "The first validator".into(),
    });
    let tx = sign(&alice, nonce, call, &domain);
    let status = client.submit_and_watch(&tx, |_| {}).await.unwrap();
    let TxStatus::Finalized {
        block_height,
        fee,
        success,
        ..
    } = status
    else {
        panic!("not finalized: {status:?}");
    };
    assert!(success);
    assert!(fee > Rao::ZERO, "identity.set is a paying call");
    let want = IdentityInfo {
        name: "Alice".into(),
        url: "https://alice.example".into(),
        description: "The first validator".into(),
        block: block_height,
    };
    assert_eq!(
        client.state_get_identity(alice_ss58.clone()).await.unwrap(),
        Some(want.clone())
    );
    // Hex addresses are accepted as everywhere; the hotkey itself has no identity.
    assert_eq!(
        client
            .state_get_identity(format!("0x{}", hex::encode(alice.account_id().0)))
            .await
            .unwrap(),
        Some(want.clone())
    );
    assert_eq!(
        client
            .state_get_identity(alice_hot.account_id().to_ss58())
            .await
            .unwrap(),
        None
    );
    // Alice's hotkey is owned by her coldkey: its delegate entries carry her identity.
    let d = client
        .state_get_delegate(alice_hot.account_id().to_ss58())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.owner, alice_ss58);
    assert_eq!(d.identity, Some(want.clone()));
    let listed = client.state_get_delegates().await.unwrap();
    let entry = listed
        .iter()
        .find(|d| d.hotkey == alice_hot.account_id().to_ss58())
        .expect("alice's hotkey has stake");
    assert_eq!(entry.identity, Some(want.clone()));
    assert!(
        listed
            .iter()
            .filter(|d| d.owner != alice_ss58)
            .all(|d| d.identity.is_none())
    );
    let raw: serde_json::Value = client
        .request("state_getIdentity", rpc_params![alice_ss58.clone()])
        .await
        .unwrap();
    assert_eq!(
        raw,
        serde_json::json!({
            "name": "Alice",
            "url": "https://alice.example",
            "description": "The first validator",
            "block": block_height,
        })
    );
    let e = client
        .state_get_identity("5notanaddress".into())
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
}

/// Signs `call` by `pair` with its next nonce and waits for it to be finalized successfully;
/// the block height.
async fn finalized_ok(client: &Client, domain: &ChainDomain, pair: &Keypair, call: Call) -> u64 {
    let nonce = client.state_get_account(pair.ss58()).await.unwrap().nonce;
    let tx = sign(pair, nonce, call, domain);
    match client.submit_and_watch(&tx, |_| {}).await.unwrap() {
        TxStatus::Finalized {
            block_height,
            success: true,
            ..
        } => block_height,
        other => panic!("not finalized successfully: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_lists_members_with_weights_and_ranked_candidates() {
    use taonet_types::tx::{NeuronCall, SubnetCall, WeightsCall};
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (alice, alice_hot) = dev_keys("alice");
    let (bob, bob_hot) = dev_keys("bob");
    let alice_hot_ss58 = alice_hot.account_id().to_ss58();
    let bob_hot_ss58 = bob_hot.account_id().to_ss58();

    // Genesis: alice's validator hotkey is the only member, a candidate since block 0.
    let root = client.state_get_root().await.unwrap();
    let params = client.state_get_params().await.unwrap();
    assert_eq!(root.max_members, params.root_max_uids);
    assert!(root.next_recompute > root.block, "{root:?}");
    assert!(
        root.next_recompute <= root.block + u64::from(params.root_tempo),
        "{root:?}"
    );
    let alice_stake = Rao(10_000 * taonet_types::RAO_PER_TAO);
    assert_eq!(root.members.len(), 1, "{root:?}");
    assert_eq!(root.members[0].uid, 0);
    assert_eq!(root.members[0].hotkey, alice_hot_ss58);
    assert_eq!(root.members[0].stake, alice_stake);
    assert!(root.members[0].weights.is_empty());
    assert_eq!(
        root.candidates,
        vec![taonet_client::types::RootCandidateInfo {
            hotkey: alice_hot_ss58.clone(),
            stake: alice_stake,
            registered_at: 0,
            uid: Some(0),
        }]
    );

    // Bob enters his fresh hotkey with a little stake: the root has room, so it is a member
    // at once, ranked after alice (less stake).
    let registered = finalized_ok(
        &client,
        &domain,
        &bob,
        Call::Neurons(NeuronCall::RootRegister {
            hotkey: bob_hot.account_id(),
        }),
    )
    .await;
    finalized_ok(
        &client,
        &domain,
        &bob,
        Call::Staking(StakingCall::AddStake {
            hotkey: bob_hot.account_id(),
            amount: Rao(5 * taonet_types::RAO_PER_TAO),
        }),
    )
    .await;
    let root = client.state_get_root().await.unwrap();
    let hotkeys: Vec<&str> = root.members.iter().map(|m| m.hotkey.as_str()).collect();
    assert_eq!(hotkeys, [alice_hot_ss58.as_str(), bob_hot_ss58.as_str()]);
    assert_eq!(root.members[1].uid, 1);
    assert_eq!(root.candidates.len(), 2);
    assert_eq!(root.candidates[1].hotkey, bob_hot_ss58);
    assert_eq!(root.candidates[1].registered_at, registered);
    assert_eq!(root.candidates[1].uid, Some(1));
    assert_eq!(root.candidates[1].stake, Rao(5 * taonet_types::RAO_PER_TAO));

    // A second subnet, then alice's root weights over both: keyed by netuid, max-upscaled.
    finalized_ok(
        &client,
        &domain,
        &alice,
        Call::Subnets(SubnetCall::RegisterNetwork {
            hotkey: alice_hot.account_id(),
        }),
    )
    .await;
    finalized_ok(
        &client,
        &domain,
        &alice_hot,
        Call::Weights(WeightsCall::SetWeights {
            netuid: 0,
            uids: vec![1, 2],
            weights: vec![30_000, 10_000],
            version_key: 0,
        }),
    )
    .await;
    let raw: serde_json::Value = client
        .request("state_getRoot", rpc_params![])
        .await
        .unwrap();
    assert_eq!(
        raw["members"][0],
        serde_json::json!({
            "uid": 0,
            "hotkey": alice_hot_ss58,
            "stake": alice_stake.0,
            "weights": { "1": 65535, "2": 21845 },
        }),
        "{raw}"
    );
    assert_eq!(raw["members"][1]["weights"], serde_json::json!({}));
    assert_eq!(
        raw["candidates"][1],
        serde_json::json!({
            "hotkey": bob_hot_ss58,
            "stake": 5 * taonet_types::RAO_PER_TAO,
            "registered_at": registered,
            "uid": 1,
        })
    );
    let keys: Vec<&str> = raw
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "block",
            "candidates",
            "max_members",
            "members",
            "next_recompute"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coldkey_swap_is_read_from_announcement_to_dispute() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let domain = n.chain.domain();
    let (bob, _) = dev_keys("bob");
    let fresh = Keypair::from_seed(&[77u8; 32]);
    let bob_ss58 = bob.account_id().to_ss58();
    assert_eq!(
        client
            .state_get_coldkey_swap(bob_ss58.clone())
            .await
            .unwrap(),
        None
    );
    let announced = finalized_ok(
        &client,
        &domain,
        &bob,
        Call::Staking(StakingCall::AnnounceColdkeySwap {
            new_coldkey: fresh.account_id(),
        }),
    )
    .await;
    let delay = client.state_get_params().await.unwrap().coldkey_swap_delay;
    let mut want = taonet_client::types::ColdkeySwapInfo {
        old_coldkey: bob_ss58.clone(),
        new_coldkey: fresh.account_id().to_ss58(),
        announced_at: announced,
        executable_at: announced + delay,
        disputed_at: None,
    };
    assert_eq!(
        client
            .state_get_coldkey_swap(bob_ss58.clone())
            .await
            .unwrap(),
        Some(want.clone())
    );
    // Keyed by the old coldkey only; hex addresses are accepted as everywhere.
    assert_eq!(
        client
            .state_get_coldkey_swap(fresh.account_id().to_ss58())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        client
            .state_get_coldkey_swap(format!("0x{}", hex::encode(bob.account_id().0)))
            .await
            .unwrap(),
        Some(want.clone())
    );
    let disputed = finalized_ok(
        &client,
        &domain,
        &bob,
        Call::Staking(StakingCall::DisputeColdkeySwap),
    )
    .await;
    want.disputed_at = Some(disputed);
    assert_eq!(
        client
            .state_get_coldkey_swap(bob_ss58.clone())
            .await
            .unwrap(),
        Some(want.clone())
    );
    let raw: serde_json::Value = client
        .request("state_getColdkeySwap", rpc_params![bob_ss58.clone()])
        .await
        .unwrap();
    assert_eq!(
        raw,
        serde_json::json!({
            "old_coldkey": bob_ss58,
            "new_coldkey": fresh.account_id().to_ss58(),
            "announced_at": announced,
            "executable_at": announced + delay,
            "disputed_at": disputed,
        })
    );
    let e = client
        .state_get_coldkey_swap("5notanaddress".into())
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::BAD_ADDRESS);
}
