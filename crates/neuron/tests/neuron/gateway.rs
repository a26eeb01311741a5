//! The gateway against a real single-producer chain, with a scripted answerer: a paid query
//! is checked against the channel on chain, recorded durably (a restarted gateway still
//! refuses a replayed voucher), refused with the right reason for every broken rule (and
//! not charged when the answer fails), and claimed on chain with the miners' share.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use taonet_client::prelude::*;
use taonet_crypto::{Keypair, voucher};
use taonet_neuron::gateway::{
    Answer, AnswerRequest, Answerer, BookError, BoxFuture, ContributingMiner, Gateway,
    GatewayCallError, GatewayClient, GatewayConfig, Prices, QueryError, QueryRequest, VoucherBook,
    VoucherPayment,
};
use taonet_neuron::tx::TxSender;
use taonet_runtime::genesis::dev_keys;
use taonet_types::channel::{Voucher, channel_id};
use taonet_types::tx::{AxonInfo, ChannelCall, NeuronCall};
use taonet_types::{Call, Hash, RAO_PER_TAO, Rao};

/// Answers with every candidate contributing 10 units per byte; prompt "fail" fails.
struct Scripted;

impl Answerer for Scripted {
    fn answer(&self, request: AnswerRequest) -> BoxFuture<'_, Result<Answer, String>> {
        Box::pin(async move {
            if request.prompt == b"fail" {
                return Err("every miner timed out".into());
            }
            Ok(Answer {
                bytes: vec![b'z'; request.max_bytes],
                miners: request
                    .miners
                    .iter()
                    .map(|m| ContributingMiner {
                        uid: m.uid,
                        hotkey: m.hotkey.clone(),
                        weight: 1.0,
                        units: 10 * request.max_bytes as u64,
                    })
                    .collect(),
            })
        })
    }
}

/// The tests' unit of payment: big enough that a claim is worth the chain's fee.
const U: u64 = 10_000;

/// A query paying `amount` units of [`U`] in total.
fn request(channel: Hash, signer: &Keypair, amount: u64, chain: &TxSender) -> QueryRequest {
    request_rao(channel, signer, amount * U, chain)
}

/// A query paying `amount` rao in total.
fn request_rao(channel: Hash, signer: &Keypair, amount: u64, chain: &TxSender) -> QueryRequest {
    let v = voucher::sign(
        signer,
        Voucher {
            channel,
            amount: Rao(amount),
        },
        chain.domain(),
    );
    QueryRequest {
        channel,
        voucher: VoucherPayment {
            amount: Rao(amount),
            signature: v.signature,
        },
        prompt: "hello".into(),
        max_bytes: 4,
        seed: None,
    }
}

/// Registers charlie's hotkey on subnet 1 and publishes its axon at 127.0.0.1:9 (a loopback
/// address: a gateway asks it only when private axons are allowed).
async fn charlie_serves_on_loopback(rpc: &TxSender) {
    let (charlie, charlie_hot) = dev_keys("charlie");
    rpc.submit(
        &charlie,
        Call::Neurons(NeuronCall::BurnedRegister {
            netuid: 1,
            hotkey: charlie_hot.account_id(),
            max_burn: Rao(RAO_PER_TAO),
        }),
    )
    .await
    .unwrap();
    rpc.submit(
        &charlie_hot,
        Call::Neurons(NeuronCall::ServeAxon {
            netuid: 1,
            axon: AxonInfo {
                version: 1,
                ip: 0x7f00_0001,
                port: 9,
                ip_type: 4,
                protocol: 4,
            },
        }),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paid_queries_are_checked_recorded_and_claimed() {
    let node = crate::common::DevNode::start(Duration::from_millis(40), Some(100_000)).await;
    let (chain, addr, dir) = (node.chain.clone(), node.addr, &node.dir);
    let rpc = Arc::new(TxSender::connect(&format!("http://{addr}")).await.unwrap());
    let client = rpc.client();

    // Charlie's hotkey is a miner of subnet 1 serving an axon; alice's hotkey (uid 0, a
    // genesis validator) is the gateway; eve pays.
    let (alice, alice_hot) = dev_keys("alice");
    let (charlie, charlie_hot) = dev_keys("charlie");
    let (eve, _) = dev_keys("eve");
    charlie_serves_on_loopback(&rpc).await;
    let open = |gateway: taonet_types::AccountId| {
        Call::Channels(ChannelCall::Open {
            gateway,
            deposit: Rao(1_000 * U),
            expiry: chain.finalized().height + 400,
        })
    };
    let nonce = client.state_get_account(eve.ss58()).await.unwrap().nonce;
    rpc.submit(&eve, open(alice_hot.account_id()))
        .await
        .unwrap();
    let id = channel_id(&eve.account_id(), nonce);
    rpc.submit(&eve, open(charlie_hot.account_id()))
        .await
        .unwrap();
    let other = channel_id(&eve.account_id(), nonce + 1);

    let book = dir.path().join("gateway/book.json");
    let mut config = GatewayConfig::new(
        1,
        Prices {
            per_query: Rao(100 * U),
            per_byte: Rao(0),
        },
        book.clone(),
    );
    config.min_blocks_left = 50;
    // Charlie's axon is published as 127.0.0.1.
    config.allow_private_axons = true;
    let make = |config: GatewayConfig| {
        Gateway::new(
            &alice_hot.account_id(),
            rpc.clone(),
            Some(alice.clone()),
            config,
            Arc::new(Scripted),
            Arc::new(Default::default),
        )
    };
    let gateway = make(config.clone()).unwrap();

    // A paid query: answered by the miner, recorded in the book.
    let answer = gateway.query(request(id, &eve, 100, &rpc)).await.unwrap();
    assert_eq!(answer.text, "zzzz");
    assert_eq!(
        (answer.paid, answer.total_paid, answer.remaining),
        (Rao(100 * U), Rao(100 * U), Rao(900 * U))
    );
    assert_eq!(answer.miners.len(), 1);
    assert_eq!(answer.miners[0].hotkey, charlie_hot.ss58());
    let uid = answer.miners[0].uid;

    // Refusals, each with its reason.
    let refused = |e: Result<_, QueryError>| {
        e.map(|_: taonet_neuron::gateway::QueryResponse| ())
            .unwrap_err()
    };
    assert_eq!(
        refused(gateway.query(request(id, &eve, 150, &rpc)).await),
        QueryError::TooLow {
            amount: Rao(150 * U),
            accepted: Rao(100 * U),
            price: Rao(100 * U),
            required: Rao(200 * U)
        }
    );
    assert_eq!(
        refused(gateway.query(request(id, &charlie, 300, &rpc)).await),
        QueryError::BadSignature(id)
    );
    assert!(matches!(
        refused(gateway.query(request(id, &eve, 1_001, &rpc)).await),
        QueryError::Overspend { .. }
    ));
    assert!(matches!(
        refused(gateway.query(request(other, &eve, 100, &rpc)).await),
        QueryError::WrongGateway { .. }
    ));
    assert_eq!(
        refused(gateway.query(request(Hash([3; 32]), &eve, 100, &rpc)).await),
        QueryError::UnknownChannel(Hash([3; 32]))
    );
    let mut zero = request(id, &eve, 200, &rpc);
    zero.max_bytes = 0;
    assert!(matches!(
        refused(gateway.query(zero).await),
        QueryError::BadRequest(_)
    ));
    // A failed answer is not charged: the same voucher pays the next query.
    let mut failing = request(id, &eve, 200, &rpc);
    failing.prompt = "fail".into();
    assert!(matches!(
        refused(gateway.query(failing).await),
        QueryError::NoAnswer(_)
    ));
    gateway.query(request(id, &eve, 200, &rpc)).await.unwrap();

    // A book is not shared with another subnet, nor opened by two gateways at once.
    assert!(matches!(make(config.clone()), Err(BookError::InUse { .. })));
    drop(gateway);
    let mut wrong = config.clone();
    wrong.netuid = 2;
    assert!(matches!(make(wrong), Err(BookError::Mismatch { .. })));
    // The book survives a restart: the replayed voucher is still refused.
    let gateway = make(config.clone()).unwrap();
    assert!(matches!(
        refused(gateway.query(request(id, &eve, 200, &rpc)).await),
        QueryError::TooLow { .. }
    ));

    // Over HTTP: the price list and a query.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _api = gateway.serve(listener);
    let http = GatewayClient::new(&url, Duration::from_secs(10)).unwrap();
    let price = http.price().await.unwrap();
    assert_eq!(
        (price.gateway, price.per_query),
        (alice_hot.ss58(), Rao(100 * U))
    );
    let answer = http.query(&request(id, &eve, 300, &rpc)).await.unwrap();
    assert_eq!(answer.total_paid, Rao(300 * U));

    // The claim pays the miner's owner half and alice the rest, minus her fee.
    let charlie_free = client.state_get_account(charlie.ss58()).await.unwrap().free;
    let claims = gateway.claim_all().await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(
        (claims[0].amount, claims[0].delta),
        (Rao(300 * U), Rao(300 * U))
    );
    assert_eq!(claims[0].miners, vec![(uid, 120)]);
    let c = client.channel_get(id).await.unwrap().unwrap();
    assert_eq!((c.claimed, c.paid_to_miners), (Rao(300 * U), Rao(150 * U)));
    assert_eq!(
        client.state_get_account(charlie.ss58()).await.unwrap().free,
        Rao(charlie_free.0 + 150 * U)
    );
    // Nothing left to claim; the next query builds on the claimed amount.
    assert!(gateway.claim_all().await.is_empty());
    let health = taonet_neuron::health::read(&gateway.health());
    assert_eq!((health.claimed, health.unclaimed), (Rao(300 * U), Rao(0)));
    assert!(matches!(
        refused(gateway.query(request(id, &eve, 300, &rpc)).await),
        QueryError::TooLow { accepted, .. } if accepted == Rao(300 * U)
    ));

    drop(node);
}

/// The gateway's hardening, attacked for real: per-channel state stays bounded whatever
/// channel ids arrive, an old JSON book is migrated and the book survives restarts, a claim
/// that would cost more in fees than it brings is left for later, and a miner publishing a
/// private address is not asked unless private axons are allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gateway_state_is_bounded_durable_and_claims_are_worth_their_fee() {
    let node = crate::common::DevNode::start(Duration::from_millis(40), Some(1_000_000)).await;
    let (chain, addr, dir) = (node.chain.clone(), node.addr, &node.dir);
    let rpc = Arc::new(TxSender::connect(&format!("http://{addr}")).await.unwrap());
    let client = rpc.client();
    let (alice, alice_hot) = dev_keys("alice");
    let (eve, _) = dev_keys("eve");
    charlie_serves_on_loopback(&rpc).await;
    let nonce = client.state_get_account(eve.ss58()).await.unwrap().nonce;
    rpc.submit(
        &eve,
        Call::Channels(ChannelCall::Open {
            gateway: alice_hot.account_id(),
            deposit: Rao(1_000 * U),
            expiry: chain.finalized().height + 400,
        }),
    )
    .await
    .unwrap();
    let id = channel_id(&eve.account_id(), nonce);

    // A book in the old JSON format holding a 5-rao voucher.
    let book = dir.path().join("gateway/old.json");
    let mut old = VoucherBook::new(rpc.domain(), &alice_hot.ss58(), 1);
    let five = request_rao(id, &eve, 5, &rpc).signed_voucher();
    old.record(&eve.ss58(), five, Rao(0), u64::MAX, &[]);
    old.save(&book).unwrap();
    assert!(std::fs::read(&book).unwrap().starts_with(b"{"));

    let mut config = GatewayConfig::new(
        1,
        Prices {
            per_query: Rao(1),
            per_byte: Rao(0),
        },
        book.clone(),
    );
    config.min_blocks_left = 50;
    let make = |config: GatewayConfig| {
        Gateway::new(
            &alice_hot.account_id(),
            rpc.clone(),
            Some(alice.clone()),
            config,
            Arc::new(Scripted),
            Arc::new(Default::default),
        )
        .unwrap()
    };

    // Migrated on first open, the JSON kept aside, and the voucher in it honoured.
    let strict = make(config.clone());
    assert!(!std::fs::read(&book).unwrap().starts_with(b"{"));
    let kept = dir.path().join("gateway/old.json.json-migrated");
    assert_eq!(VoucherBook::load(&kept).unwrap(), old);
    assert!(matches!(
        strict.query(request_rao(id, &eve, 5, &rpc)).await,
        Err(QueryError::TooLow {
            accepted: Rao(5),
            ..
        })
    ));
    // Charlie's axon is on 127.0.0.1: not asked by default (SSRF), so there is no answer.
    match strict.query(request_rao(id, &eve, 6, &rpc)).await {
        Err(QueryError::NoAnswer(m)) => assert!(m.contains("no miner"), "{m}"),
        o => panic!("a private axon was asked: {o:?}"),
    }
    drop(strict);
    assert_eq!(VoucherBook::load(&book).unwrap().channels, old.channels);

    config.allow_private_axons = true;
    let gateway = make(config.clone());
    gateway.query(request_rao(id, &eve, 6, &rpc)).await.unwrap();
    assert_eq!(
        gateway.tracked_channels(),
        0,
        "no per-channel state after a query"
    );
    // A 6-rao claim costs more in fees than it brings: left in the book, not sent.
    assert!(gateway.claim_all().await.is_empty());
    let health = taonet_neuron::health::read(&gateway.health());
    assert_eq!(
        (health.skipped_claims, health.unclaimed, health.claim_fees),
        (1, Rao(6), Rao(0))
    );
    assert_eq!(
        client.channel_get(id).await.unwrap().unwrap().claimed,
        Rao(0)
    );

    // Durable: a restarted gateway still holds the 6-rao voucher.
    drop(gateway);
    let gateway = make(config.clone());
    assert!(matches!(
        gateway.query(request_rao(id, &eve, 6, &rpc)).await,
        Err(QueryError::TooLow {
            accepted: Rao(6),
            ..
        })
    ));
    // Once the channel holds enough, the claim is made.
    gateway
        .query(request_rao(id, &eve, 500 * U, &rpc))
        .await
        .unwrap();
    let claims = gateway.claim_all().await;
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0].delta, Rao(500 * U));
    assert!(claims[0].fee < Rao(250 * U), "{:?}", claims[0]);

    // Queries for random channel ids over HTTP: all refused, none remembered.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _api = gateway.serve(listener);
    let http = GatewayClient::new(&url, Duration::from_secs(30)).unwrap();
    let random = |i: u32| {
        use sha2::Digest;
        Hash(sha2::Sha256::digest(i.to_le_bytes()).into())
    };
    let queries = futures::stream::iter(0..1_000u32)
        .map(|i| {
            let (http, q) = (http.clone(), request_rao(random(i), &eve, 6, &rpc));
            async move { http.query(&q).await }
        })
        .buffer_unordered(32);
    let results: Vec<_> = queries.collect().await;
    for r in results {
        match r {
            Err(GatewayCallError::Refused { status: 404, .. }) => {}
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(gateway.tracked_channels(), 0, "per-channel state grew");
    drop(node);
}
