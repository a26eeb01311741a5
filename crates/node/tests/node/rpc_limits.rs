//! Attacks on the RPC server's limits, mounted against a real node's RPC server: oversized
//! batches, batches and many connections used to dodge the rate limit, connection floods from
//! one address, the explorer flooded through the RPC port, and the paged reads that replace
//! unbounded ones (every entry exactly once across pages).

use std::time::{Duration, Instant};

use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;
use serde_json::Value;
use taonet_client::{TxStatus, codes, prelude::*};
use taonet_node::rpc::RpcConfig;
use taonet_runtime::genesis::dev_keys;
use taonet_types::tx::BalancesCall;
use taonet_types::{Call, ChainDomain, Hash, Rao};

use crate::rpc::{local, node, raw_get, raw_http, rpc_code, sign};

/// A raw JSON-RPC POST over HTTP/1.1: (status, body).
async fn post(ws_url: &str, body: &str) -> (u16, String) {
    let (status, text) = raw_http(
        ws_url,
        "POST",
        "/",
        "Content-Type: application/json\r\n",
        body,
    )
    .await;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The JSON value in a (possibly chunked) HTTP body.
fn json_of(body: &str) -> Value {
    if let Ok(v) = serde_json::from_str(body) {
        return v;
    }
    // Chunked: the JSON sits between the first chunk-size line and the trailing chunks.
    let start = body.find(['{', '[']).unwrap_or(0);
    let end = body.rfind(['}', ']']).map_or(body.len(), |i| i + 1);
    serde_json::from_str(&body[start..end]).unwrap_or(Value::Null)
}

fn batch_of(n: usize, method: &str) -> String {
    let calls: Vec<Value> = (0..n)
        .map(|i| serde_json::json!({"jsonrpc": "2.0", "id": i, "method": method, "params": []}))
        .collect();
    Value::Array(calls).to_string()
}

/// A batch of 1,000 calls is refused whole with the batch error (one error object, no
/// results), and the message names the limit and what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_1000_calls_is_refused_whole() {
    let n = node(local()).await;
    let (status, body) = post(&n.url, &batch_of(1_000, "system_name")).await;
    let answer = json_of(&body);
    assert!(
        !answer.is_array(),
        "status {status}: a batch of 1000 was served: {}",
        &body[..body.len().min(300)]
    );
    assert_eq!(
        answer["error"]["code"].as_i64(),
        Some(i64::from(codes::BATCH_TOO_LARGE)),
        "{body}"
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("batch of 1000 entries exceeds --rpc-max-batch 100"),
        "{message}"
    );
    // A batch within the limit is still served, entry by entry.
    let (_, body) = post(&n.url, &batch_of(100, "system_name")).await;
    let answer = json_of(&body);
    assert_eq!(answer.as_array().map(Vec::len), Some(100), "{body}");
}

/// Batch entries count against the rate limit: a batch larger than the address's remaining
/// budget is refused with the rate-limit error instead of being served for one token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_entries_count_against_the_rate_limit() {
    let n = node(RpcConfig {
        requests_per_second: 10,
        limit_loopback: true,
        ..local()
    })
    .await;
    // Burst is 2 × 10 = 20 calls; 3 batches of 50 entries are 150 calls.
    let mut served = 0;
    let mut limited = 0;
    for _ in 0..3 {
        let (_, body) = post(&n.url, &batch_of(50, "system_name")).await;
        let answer = json_of(&body);
        match answer.as_array() {
            Some(results) => served += results.iter().filter(|r| r.get("result").is_some()).count(),
            None => {
                assert_eq!(
                    answer["error"]["code"].as_i64(),
                    Some(i64::from(codes::RATE_LIMITED)),
                    "{body}"
                );
                limited += 1;
            }
        }
    }
    assert_eq!(
        served, 0,
        "{served} batch entries were served past the limit"
    );
    assert_eq!(limited, 3);
}

/// With `rate_limit = N`, N × 10 calls spread over 10 connections from one address are mostly
/// refused with the rate-limit error (the limit is per address, not per connection), and a
/// call a second later is served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_is_per_address_across_connections() {
    const N: u32 = 10;
    let n = node(RpcConfig {
        requests_per_second: N,
        limit_loopback: true,
        ..local()
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..10 {
        clients.push(Client::connect(&n.url).await.unwrap());
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        tasks.push(tokio::spawn(async move {
            let mut served = 0u32;
            let mut limited = 0u32;
            for _ in 0..N {
                match client.system_name().await {
                    Ok(_) => served += 1,
                    Err(e) => {
                        assert_eq!(rpc_code(&e), codes::RATE_LIMITED, "{e}");
                        assert!(e.to_string().contains("rate limit exceeded"), "{e}");
                        limited += 1;
                    }
                }
            }
            (served, limited, client)
        }));
    }
    let mut served = 0;
    let mut limited = 0;
    let mut clients = Vec::new();
    for t in tasks {
        let (s, l, c) = t.await.unwrap();
        served += s;
        limited += l;
        clients.push(c);
    }
    let elapsed = started.elapsed().as_secs_f64();
    // What one address may be served in `elapsed`: the burst plus the refill.
    let budget = 2 * N + (f64::from(N) * elapsed).ceil() as u32 + 1;
    assert!(
        served <= budget,
        "{served} of {} calls served in {elapsed:.2}s; one address may get at most {budget}",
        N * 10
    );
    assert!(limited > 0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(clients[0].system_name().await.unwrap(), "taonet");
}

/// One address cannot hold more than `max_connections_per_address` connections; others are
/// refused with HTTP 429 while it holds them, and admitted once it closes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection() {
    let n = node(RpcConfig {
        max_connections_per_address: 4,
        limit_loopback: true,
        ..local()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(Client::connect(&n.url).await.unwrap());
    }
    let refused = Client::connect(&n.url).await;
    assert!(
        refused.is_err(),
        "a 5th connection from one address was admitted"
    );
    let (status, body) = raw_get(&n.url, "/", "").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("connections per address"), "{body}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = Client::connect(&n.url).await.unwrap();
    assert_eq!(again.system_name().await.unwrap(), "taonet");
}

/// The explorer on the RPC port is under the same per-address limit: a flood of page
/// requests gets HTTP 429 with a clear text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explorer_pages_are_rate_limited() {
    let n = node(RpcConfig {
        explorer: true,
        requests_per_second: 5,
        limit_loopback: true,
        ..local()
    })
    .await;
    let mut ok = 0;
    let mut limited = 0;
    for _ in 0..40 {
        let (status, body) = raw_get(&n.url, "/static/explorer.css", "").await;
        match status {
            200 => ok += 1,
            429 => {
                assert!(body.contains("rate limit exceeded"), "{body}");
                assert!(body.contains("per address"), "{body}");
                limited += 1;
            }
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert!(ok > 0);
    assert!(limited > 0, "40 explorer requests at 5/s: none was limited");
}

/// Submits `count` transfers alice → bob and waits until all are finalized; their hashes.
async fn transfers_to_bob(n: &crate::rpc::Node, client: &Client, count: u64) -> Vec<Hash> {
    let (alice, _) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let domain: ChainDomain = n.chain.domain();
    let start = n.chain.finalized_state().nonce(&alice.account_id());
    let mut hashes = Vec::new();
    for i in 0..count {
        let tx = sign(
            &alice,
            start + i,
            Call::Balances(BalancesCall::Transfer {
                dest: bob.account_id(),
                amount: Rao(1_000),
            }),
            &domain,
        );
        hashes.push(
            client
                .author_submit_transaction(Client::encode_transaction(&tx))
                .await
                .unwrap(),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for h in &hashes {
        loop {
            let status = client.author_get_transaction_status(*h).await.unwrap();
            if matches!(status, TxStatus::Finalized { .. }) {
                break;
            }
            assert!(Instant::now() < deadline, "{h} was not finalized");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    hashes
}

/// Account history by cursor: pages of `limit` entries with the next cursor, newest first;
/// across pages every entry comes exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_history_pages_return_every_entry_once() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let hashes = transfers_to_bob(&n, &client, 23).await;
    let (bob, _) = dev_keys("bob");
    let raw = jsonrpsee::http_client::HttpClientBuilder::default()
        .build(n.url.replace("ws://", "http://"))
        .unwrap();
    let mut seen: Vec<(u64, u32, Hash)> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page: Value = raw
            .request(
                "state_getAccountHistoryPage",
                rpc_params![bob.ss58(), 5, cursor.clone()],
            )
            .await
            .unwrap();
        pages += 1;
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 5);
        for e in entries {
            let entry: (u64, u32, Hash) = (
                e["block_height"].as_u64().unwrap(),
                e["index"].as_u64().unwrap() as u32,
                serde_json::from_value(e["hash"].clone()).unwrap(),
            );
            seen.push(entry);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 100, "paging does not end");
    }
    assert_eq!(seen.len(), hashes.len());
    let mut sorted = seen.clone();
    sorted.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    assert_eq!(sorted, seen, "pages are not newest first");
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "an entry came twice");
    for h in &hashes {
        assert!(seen.iter().any(|e| e.2 == *h), "{h} is missing");
    }
    // The first page without a limit is the default page; the old method still answers.
    let old = client
        .state_get_account_history(bob.ss58(), 3, None)
        .await
        .unwrap();
    assert_eq!(old, seen[..3].to_vec());
    // A limit over the maximum is refused with a clear error.
    let e = raw
        .request::<Value, _>(
            "state_getAccountHistoryPage",
            rpc_params![bob.ss58(), 100_000],
        )
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&e), codes::TOO_LARGE);
}

/// A finalized transaction's status comes from the tx-hash index with its receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_status_of_a_finalized_tx_from_the_index() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let hashes = transfers_to_bob(&n, &client, 3).await;
    for h in hashes {
        let TxStatus::Finalized {
            block_height,
            block_hash,
            index,
            success,
            fee,
            ..
        } = client.author_get_transaction_status(h).await.unwrap()
        else {
            panic!("not finalized");
        };
        assert!(success);
        assert!(fee > Rao::ZERO);
        let block = client
            .chain_get_block_by_height(block_height)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(block.hash, block_hash);
        assert_eq!(block.transactions[index as usize].hash, h);
    }
    let unknown = client
        .author_get_transaction_status(Hash([9; 32]))
        .await
        .unwrap();
    assert!(matches!(unknown, TxStatus::Unknown));
}

/// Delegates by page (most stake first): every delegate exactly once across pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegates_pages_return_every_delegate_once() {
    let n = node(local()).await;
    let client = Client::connect(&n.url).await.unwrap();
    let all = client.state_get_delegates().await.unwrap();
    assert!(!all.is_empty());
    let raw = jsonrpsee::http_client::HttpClientBuilder::default()
        .build(n.url.replace("ws://", "http://"))
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let page: Value = raw
            .request("state_getDelegatesPage", rpc_params![1, cursor.clone()])
            .await
            .unwrap();
        for d in page["delegates"].as_array().unwrap() {
            seen.push(d["hotkey"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let expected: Vec<String> = all.iter().map(|d| d.hotkey.clone()).collect();
    assert_eq!(seen, expected);
}
