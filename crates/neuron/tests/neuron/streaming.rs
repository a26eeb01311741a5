//! Streaming synapses (bittensor's StreamingSynapse): `Axon::attach_stream` sends chunks as
//! the forward produces them, `Dendrite::call_stream` hands them over as they arrive.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, ChunkStream, Dendrite, DendriteConfig, ForwardError,
    Outcome, Reply, StreamCall, Synapse,
};

use crate::common::*;

/// A streaming synapse, also defined in `interop.py`: the answer is `n` tokens `tok<i> `.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StreamSynapse {
    #[serde(default)]
    pub prompt: String,
    #[serde(default)]
    pub n: u32,
    #[serde(default)]
    pub completion: String,
}

impl Synapse for StreamSynapse {
    const NAME: &'static str = "StreamSynapse";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["prompt", "n"];
}

pub fn token(i: u32) -> String {
    format!("tok{i} ")
}

/// The whole answer to `n` tokens.
pub fn tokens(n: u32) -> String {
    (0..n).map(token).collect()
}

/// The chunks of a streaming forward for `s`: `n` tokens 10 ms apart; prompt `wait`: waits
/// for `go` after the first; `long`: a token every 100 ms until the client goes away;
/// `fail`: an error after the first.
pub fn token_stream(s: StreamSynapse, go: Arc<Notify>) -> ChunkStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ForwardError>>(4);
    tokio::spawn(async move {
        let mut i = 0;
        while s.prompt == "long" || i < s.n {
            if tx.send(Ok(Bytes::from(token(i)))).await.is_err() {
                return;
            }
            match s.prompt.as_str() {
                "wait" if i == 0 => go.notified().await,
                "fail" => {
                    let _ = tx.send(Err(ForwardError("the model broke".into()))).await;
                    return;
                }
                "long" => tokio::time::sleep(Duration::from_millis(100)).await,
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
            i += 1;
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) }).boxed()
}

/// An axon streaming [`StreamSynapse`] (typed) and `JsonStream` (a JSON route answering
/// `Reply::Stream`); counts the forwards that ran.
pub async fn stream_axon(config: AxonConfig) -> (AxonHandle, Arc<Notify>, Arc<AtomicUsize>) {
    let go = Arc::new(Notify::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (g, r) = (go.clone(), runs.clone());
    let (g2, r2) = (go.clone(), runs.clone());
    let axon = Axon::new(miner(), config, AllowAll)
        .attach_stream(move |s: StreamSynapse, _caller| {
            let (go, runs) = (g.clone(), r.clone());
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(token_stream(s, go))
            }
        })
        .attach_json(
            "JsonStream",
            vec!["prompt".to_string(), "n".to_string()],
            move |v, _caller| {
                let (go, runs) = (g2.clone(), r2.clone());
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    let s: StreamSynapse =
                        serde_json::from_value(v).map_err(|e| ForwardError(e.to_string()))?;
                    Ok(Reply::Stream(token_stream(s, go)))
                }
            },
        )
        .serve(listener)
        .unwrap();
    (axon, go, runs)
}

fn synapse(prompt: &str, n: u32) -> StreamSynapse {
    StreamSynapse {
        prompt: prompt.to_string(),
        n,
        completion: String::new(),
    }
}

/// Everything left in the stream, as text, and the error that ended it.
pub async fn drain(call: &mut StreamCall) -> (String, Option<Outcome>) {
    let mut text = String::new();
    while let Some(chunk) = call.chunks.next().await {
        match chunk {
            Ok(c) => text.push_str(std::str::from_utf8(&c).unwrap()),
            Err(e) => return (text, Some(e)),
        }
    }
    (text, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_arrive_in_order_before_the_stream_ends() {
    let (a, go, _) = stream_axon(AxonConfig::default()).await;
    let t = target(a.local_addr);
    let d = dendrite();
    let mut call = d.call_stream(&t, &synapse("wait", 5), T).await;
    assert_eq!(call.outcome, Outcome::Success, "{:?}", call.error_body);
    assert_eq!(call.axon.status_code, Some(200));
    assert_eq!(call.axon.status_message.as_deref(), Some("Success"));
    assert_eq!(call.axon.hotkey, Some(miner().ss58()));
    assert!(call.axon.process_time.is_some());
    assert_eq!(call.dendrite.hotkey, Some(validator().ss58()));
    assert_eq!(call.dendrite.status_code, Some(200));
    // The first chunk arrives while the server waits for us to say `go`: it is streamed.
    let first = call.chunks.next().await.unwrap().unwrap();
    assert_eq!(first, token(0).as_bytes());
    let nothing = tokio::time::timeout(Duration::from_millis(200), call.chunks.next()).await;
    assert!(
        nothing.is_err(),
        "a chunk came before the server produced it"
    );
    go.notify_one();
    let (rest, err) = drain(&mut call).await;
    assert_eq!(err, None);
    assert_eq!(format!("{}{rest}", token(0)), tokens(5));

    // The same through a JSON route and a JSON call.
    let mut call = d
        .call_stream_json(
            &t,
            "JsonStream",
            serde_json::json!({"prompt": "plain", "n": 3}),
            &["prompt".to_string(), "n".to_string()],
            T,
        )
        .await;
    assert_eq!(call.outcome, Outcome::Success);
    assert_eq!(drain(&mut call).await, (tokens(3), None));
}

#[tokio::test]
async fn streamed_response_headers_match_the_reference() {
    let (a, _, _) = stream_axon(AxonConfig::default()).await;
    let t = target(a.local_addr);
    let d = dendrite();
    let (h, body) = d
        .build_request(&t, &synapse("plain", 4), T, "s-raw", now_ns())
        .unwrap();
    let (code, headers, body) = d
        .post_raw(t.addr, "/StreamSynapse", &h, body)
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["transfer-encoding"], "chunked");
    assert_eq!(headers["bt_header_axon_status_code"], "200");
    assert_eq!(headers["bt_header_axon_status_message"], "Success");
    assert_eq!(
        headers["bt_header_dendrite_hotkey"],
        validator().ss58().as_str()
    );
    assert_eq!(headers["name"], "StreamSynapse");
    let sent_hash = h.iter().find(|(k, _)| k == "computed_body_hash").unwrap();
    assert_eq!(headers["computed_body_hash"], sent_hash.1.as_str());
    assert_eq!(body, tokens(4).as_bytes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_limits_and_broken_streams_end_with_an_error() {
    let (a, _, _) = stream_axon(AxonConfig::default()).await;
    let t = target(a.local_addr);
    let d = dendrite();
    // A stream longer than the call's timeout: some chunks, then Timeout, then the end.
    let started = Instant::now();
    let mut call = d
        .call_stream(&t, &synapse("long", 0), Duration::from_millis(450))
        .await;
    assert_eq!(call.outcome, Outcome::Success);
    let (text, err) = drain(&mut call).await;
    assert_eq!(err, Some(Outcome::Timeout));
    assert!(text.starts_with(&tokens(2)), "{text}");
    assert!(call.chunks.next().await.is_none());
    assert!(started.elapsed() < Duration::from_secs(2));
    // The forward's error: the chunks before it, then the connection breaks.
    let mut call = d.call_stream(&t, &synapse("fail", 5), T).await;
    let (text, err) = drain(&mut call).await;
    assert_eq!(text, token(0));
    assert!(matches!(err, Some(Outcome::Unreachable(_))), "{err:?}");
    // More than max_stream_bytes.
    let small = Dendrite::new(
        validator(),
        DendriteConfig {
            max_stream_bytes: 12,
            ..local()
        },
    );
    let mut call = small.call_stream(&t, &synapse("plain", 5), T).await;
    let (text, err) = drain(&mut call).await;
    assert!(text.len() <= 12, "{text}");
    assert!(
        matches!(&err, Some(Outcome::Status { code: 413, message }) if message.contains("max_stream_bytes")),
        "{err:?}"
    );
    // The axon ends a stream at the synapse timeout even if the client keeps reading.
    let (h, body) = d
        .build_request(
            &t,
            &synapse("long", 0),
            Duration::from_millis(300),
            "s-cut",
            now_ns(),
        )
        .unwrap();
    let started = Instant::now();
    let cut = tokio::time::timeout(
        Duration::from_secs(5),
        d.post_raw(t.addr, "/StreamSynapse", &h, body),
    )
    .await
    .expect("the axon kept streaming past the synapse timeout");
    assert!(cut.is_err(), "{cut:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_callers_get_no_chunks_and_streams_hold_their_slot() {
    let (a, go, runs) = stream_axon(AxonConfig {
        max_concurrent: 1,
        ..AxonConfig::default()
    })
    .await;
    let t = target(a.local_addr);
    let d = dendrite();
    // Unverified (we sign for another receiver): 401, its message, no chunks, no forward.
    let mut wrong = t.clone();
    wrong.hotkey = validator().ss58();
    let mut call = d.call_stream(&wrong, &synapse("plain", 3), T).await;
    match &call.outcome {
        Outcome::FailedVerification(m) => assert!(m.starts_with("Not Verified with error"), "{m}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(call.axon.status_code, Some(401));
    let message = call.error_body.as_ref().unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(message.starts_with("Not Verified"), "{message}");
    assert!(call.chunks.next().await.is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // A tampered hashed field: 500 before the forward.
    let (h, body) = d
        .build_request(&t, &synapse("plain", 3), T, "s-tamper", now_ns())
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["n"] = 1000.into();
    let (code, _, _) = d
        .post_raw(
            t.addr,
            "/StreamSynapse",
            &h,
            serde_json::to_vec(&v).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(code, 500);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // An open stream holds the axon's only forward slot: a call that cannot wait is 408.
    let mut open = d.call_stream(&t, &synapse("wait", 2), T).await;
    assert_eq!(
        open.chunks.next().await.unwrap().unwrap(),
        token(0).as_bytes()
    );
    let (h, body) = d
        .build_request(
            &t,
            &synapse("plain", 1),
            Duration::from_millis(100),
            "s-busy",
            now_ns(),
        )
        .unwrap();
    let (code, _, _) = d
        .post_raw(t.addr, "/StreamSynapse", &h, body)
        .await
        .unwrap();
    assert_eq!(code, 408);
    go.notify_one();
    assert_eq!(drain(&mut open).await, (token(1), None));
    // Released once the stream ended.
    let mut call = d.call_stream(&t, &synapse("plain", 2), T).await;
    assert_eq!(drain(&mut call).await, (tokens(2), None));
}

#[tokio::test]
async fn loopback_only_dendrite_streams_from_a_local_axon() {
    let (a, _, _) = stream_axon(AxonConfig::default()).await;
    let loopback = Dendrite::new(
        validator(),
        DendriteConfig {
            allow_loopback_axons: true,
            ..DendriteConfig::default()
        },
    );
    let mut call = loopback
        .call_stream(&target(a.local_addr), &synapse("plain", 2), T)
        .await;
    assert_eq!(drain(&mut call).await, (tokens(2), None));
    let mut lan = target(a.local_addr);
    lan.addr = "10.1.2.3:8091".parse().unwrap();
    let mut call = loopback.call_stream(&lan, &synapse("plain", 2), T).await;
    assert!(
        matches!(call.outcome, Outcome::NonPublicAddress(_)),
        "{:?}",
        call.outcome
    );
    assert_eq!(call.axon.status_code, Some(503));
    assert!(call.chunks.next().await.is_none());
}
