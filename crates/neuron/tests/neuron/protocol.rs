use std::sync::Arc;
use std::time::Duration;

use taonet_neuron::{AllowAll, AxonConfig, Outcome, Ping, RateLimit, btauth};

use crate::common::*;

#[tokio::test]
async fn round_trip_echo_ping_and_fan_out() {
    let a = default_axon().await;
    let b = default_axon().await;
    let d = dendrite();
    let s = EchoSynapse::new(7, vec![1, 2]);
    let r = d.call(&target(a.local_addr), &s, T).await.unwrap();
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(r.synapse.unwrap().output, Some(17));
    let axon = r.base.unwrap().axon.unwrap();
    assert_eq!(axon.status_code, Some(200));
    assert_eq!(axon.status_message.as_deref(), Some("Success"));
    assert_eq!(axon.hotkey, Some(miner().ss58()));

    // Built-in ping.
    let p = d.call(&target(a.local_addr), &Ping {}, T).await.unwrap();
    assert!(p.is_success(), "{:?}", p.outcome);

    // Fan-out with one unreachable axon (a closed port).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let targets = [target(a.local_addr), target(closed), target(b.local_addr)];
    let rs = d.forward(&targets, &s, T).await.unwrap();
    assert!(rs[0].is_success() && rs[2].is_success());
    assert!(
        matches!(rs[1].outcome, Outcome::Unreachable(_)),
        "{:?}",
        rs[1].outcome
    );

    // Many concurrent calls from one dendrite to one axon: lanes keep nonces ordered.
    let d = Arc::new(d);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (d, t) = (d.clone(), target(a.local_addr));
        tasks.push(tokio::spawn(async move {
            d.call(&t, &EchoSynapse::new(i, vec![]), T).await.unwrap()
        }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.is_success(), "{:?}", r.outcome);
    }
}

#[tokio::test]
async fn forged_signature_is_401() {
    let a = default_axon().await;
    let d = dendrite();
    let t = target(a.local_addr);
    let (mut h, body) = d
        .build_request(&t, &EchoSynapse::new(1, vec![]), T, "u-forged", now_ns())
        .unwrap();
    let forged = validator().sign(b"something else").to_hex();
    set(&mut h, "bt_header_dendrite_signature", forged);
    let r = d.send::<EchoSynapse>(&t, h, body, T).await;
    match r.outcome {
        Outcome::FailedVerification(m) => assert!(m.contains("Signature mismatch"), "{m}"),
        o => panic!("{o:?}"),
    }
    // Signed by another key than the claimed hotkey.
    let (mut h, body) = d
        .build_request(&t, &EchoSynapse::new(1, vec![]), T, "u-forged2", now_ns())
        .unwrap();
    set(&mut h, "bt_header_dendrite_hotkey", miner().ss58());
    let r = d.send::<EchoSynapse>(&t, h, body, T).await;
    assert!(matches!(r.outcome, Outcome::FailedVerification(_)));
}

#[tokio::test]
async fn replayed_stale_and_future_nonces() {
    let a = default_axon().await;
    let d = dendrite();
    let t = target(a.local_addr);
    let s = EchoSynapse::new(3, vec![]);
    // Replay: the same signed request twice.
    let (h, body) = d.build_request(&t, &s, T, "u-replay", now_ns()).unwrap();
    assert!(
        d.send::<EchoSynapse>(&t, h.clone(), body.clone(), T)
            .await
            .is_success()
    );
    match d.send::<EchoSynapse>(&t, h, body, T).await.outcome {
        Outcome::FailedVerification(m) => {
            assert!(m.contains("a newer one was last processed"), "{m}")
        }
        o => panic!("{o:?}"),
    }
    // Stale: first request of a key older than 4 s + timeout (5 s).
    let (h, body) = d
        .build_request(&t, &s, T, "u-stale", now_ns() - 10_000_000_000)
        .unwrap();
    match d.send::<EchoSynapse>(&t, h, body, T).await.outcome {
        Outcome::FailedVerification(m) => {
            assert!(m.contains("Nonce is too old: acceptable delta"), "{m}")
        }
        o => panic!("{o:?}"),
    }
    // Old but inside the window: accepted on a fresh key.
    let (h, body) = d
        .build_request(&t, &s, T, "u-recent", now_ns() - 3_000_000_000)
        .unwrap();
    assert!(d.send::<EchoSynapse>(&t, h, body, T).await.is_success());
    // Future nonces pass like the reference (no upper bound) ...
    let (h, body) = d
        .build_request(&t, &s, T, "u-future", now_ns() + 3_600_000_000_000)
        .unwrap();
    assert!(d.send::<EchoSynapse>(&t, h, body, T).await.is_success());
    // ... and then lock that key until the clock catches up.
    let (h, body) = d.build_request(&t, &s, T, "u-future", now_ns()).unwrap();
    assert!(matches!(
        d.send::<EchoSynapse>(&t, h, body, T).await.outcome,
        Outcome::FailedVerification(_)
    ));
    // With max_future_skew set, a future nonce is refused.
    let strict = echo_axon(
        AxonConfig {
            max_future_skew_s: Some(2.0),
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let t2 = target(strict.local_addr);
    let (h, body) = d
        .build_request(&t2, &s, T, "u-future", now_ns() + 60_000_000_000)
        .unwrap();
    match d.send::<EchoSynapse>(&t2, h, body, T).await.outcome {
        Outcome::FailedVerification(m) => assert!(m.contains("future"), "{m}"),
        o => panic!("{o:?}"),
    }
}

#[tokio::test]
async fn wrong_receiver_is_401() {
    let a = default_axon().await;
    let d = dendrite();
    let mut t = target(a.local_addr);
    t.hotkey = validator().ss58(); // we believe the axon is someone else
    let r = d.call(&t, &EchoSynapse::new(1, vec![]), T).await.unwrap();
    assert!(
        matches!(r.outcome, Outcome::FailedVerification(_)),
        "{:?}",
        r.outcome
    );
}

#[tokio::test]
async fn oversized_body_is_413() {
    let a = echo_axon(
        AxonConfig {
            max_body_bytes: 2048,
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let d = dendrite();
    let mut s = EchoSynapse::new(1, vec![]);
    s.text = "x".repeat(4096);
    let r = d.call(&target(a.local_addr), &s, T).await.unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Status {
            code: 413,
            message: "Payload Too Large".into()
        }
    );
}

#[tokio::test]
async fn unregistered_caller_is_403() {
    let allowed = miner().ss58();
    let a = echo_axon(AxonConfig::default(), move |hotkey: &str, _: &str| {
        (hotkey != allowed).then(|| format!("Unrecognized hotkey {hotkey}"))
    })
    .await;
    let r = dendrite()
        .call(&target(a.local_addr), &EchoSynapse::new(1, vec![]), T)
        .await
        .unwrap();
    match r.outcome {
        Outcome::Blacklisted(m) => {
            assert!(
                m.starts_with("Forbidden. Key is blacklisted: Unrecognized hotkey"),
                "{m}"
            )
        }
        o => panic!("{o:?}"),
    }
}

#[tokio::test]
async fn unknown_route_is_404() {
    let a = default_axon().await;
    let r = dendrite()
        .call(&target(a.local_addr), &crate::common::Unattached {}, T)
        .await
        .unwrap();
    assert_eq!(
        r.outcome,
        Outcome::Status {
            code: 404,
            message:
                "Synapse name 'Unattached' not found. Available synapses ['Synapse', 'EchoSynapse']"
                    .into()
        }
    );
}

#[tokio::test]
async fn tampered_body_hash_is_500_and_forward_error_is_500() {
    let a = default_axon().await;
    let d = dendrite();
    let t = target(a.local_addr);
    // Change a hashed field after signing: header hash no longer matches the body.
    let (h, body) = d
        .build_request(&t, &EchoSynapse::new(1, vec![2]), T, "u-tamper", now_ns())
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["value"] = 1000.into();
    let r = d
        .send::<EchoSynapse>(&t, h, serde_json::to_vec(&v).unwrap(), T)
        .await;
    match r.outcome {
        Outcome::Status { code: 500, message } => {
            assert!(message.starts_with("Internal Server Error #"), "{message}")
        }
        o => panic!("{o:?}"),
    }
    // Unhashed fields are not authenticated (as in the reference): changing `text` passes.
    let (h, body) = d
        .build_request(&t, &EchoSynapse::new(1, vec![2]), T, "u-tamper2", now_ns())
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["text"] = "changed".into();
    let r = d
        .send::<EchoSynapse>(&t, h, serde_json::to_vec(&v).unwrap(), T)
        .await;
    assert!(r.is_success());
    // A failing forward.
    let mut s = EchoSynapse::new(1, vec![]);
    s.text = "fail".into();
    let r = d.call(&t, &s, T).await.unwrap();
    assert!(
        matches!(r.outcome, Outcome::Status { code: 500, .. }),
        "{:?}",
        r.outcome
    );
}

#[tokio::test]
async fn rate_limit_is_429() {
    let a = echo_axon(
        AxonConfig {
            rate_limit: Some(RateLimit {
                per_second: 0.01,
                burst: 3.0,
            }),
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let d = dendrite();
    let t = target(a.local_addr);
    for _ in 0..3 {
        assert!(
            d.call(&t, &EchoSynapse::new(1, vec![]), T)
                .await
                .unwrap()
                .is_success()
        );
    }
    match d
        .call(&t, &EchoSynapse::new(1, vec![]), T)
        .await
        .unwrap()
        .outcome
    {
        Outcome::Status { code: 429, message } => {
            assert!(message.contains("Rate limit"), "{message}")
        }
        o => panic!("{o:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_priority_timeout_408() {
    let a = echo_axon(
        AxonConfig {
            max_concurrent: 1,
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let d = Arc::new(dendrite());
    let t = target(a.local_addr);
    let mut slow = EchoSynapse::new(1, vec![]);
    slow.text = "slow".into();
    // Our own deadline shorter than the forward: Timeout.
    let r = d.call(&t, &slow, Duration::from_millis(100)).await.unwrap();
    assert_eq!(r.outcome, Outcome::Timeout);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The axon is busy with a slow forward; a request whose synapse timeout (header) is
    // shorter than the wait gets 408 from the priority step.
    let (d2, t2, slow2) = (d.clone(), t.clone(), slow.clone());
    let busy = tokio::spawn(async move { d2.call(&t2, &slow2, T).await.unwrap() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (h, body) = d
        .build_request(
            &t,
            &EchoSynapse::new(2, vec![]),
            Duration::from_millis(50),
            "u-408",
            now_ns(),
        )
        .unwrap();
    let r = d.send::<EchoSynapse>(&t, h, body, T).await;
    assert_eq!(r.outcome, Outcome::Timeout);
    assert!(busy.await.unwrap().is_success());
}

#[tokio::test]
async fn btauth_accept_and_reject() {
    let a = default_axon().await;
    let d = dendrite();
    let t = target(a.local_addr);
    let s = EchoSynapse::new(5, vec![1]);
    let r = d.call_btauth(&t, &s, T).await.unwrap();
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(r.synapse.unwrap().output, Some(11));

    let body = serde_json::to_vec(&serde_json::json!({"value": 5, "items": [1]})).unwrap();
    let v = validator();
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let d = &d;
        async move {
            let h: Vec<(String, String)> = headers
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            d.post_raw(t.addr, "/EchoSynapse", &h, body).await.unwrap()
        }
    };
    let msg = |b: &bytes::Bytes| {
        serde_json::from_slice::<serde_json::Value>(b).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Accepted raw, then the identical request is a replay.
    let h = btauth::sign(&v, "POST", "/EchoSynapse", &body, now_ns(), &miner().ss58());
    let (code, headers, _) = post(h.clone(), body.clone()).await;
    assert_eq!(code, 200);
    assert_eq!(headers["bt_header_axon_status_code"], "200");
    let (code, _, b) = post(h, body.clone()).await;
    assert_eq!(
        (code, msg(&b).as_str()),
        (401, "Not Verified with error: btauth/1: replayed nonce")
    );
    // Body changed after signing.
    let h = btauth::sign(&v, "POST", "/EchoSynapse", &body, now_ns(), &miner().ss58());
    let (code, _, b) = post(h, b"{\"value\": 6}".to_vec()).await;
    assert_eq!(
        (code, msg(&b).as_str()),
        (401, "Not Verified with error: btauth/1: bad signature")
    );
    // Wrong receiver.
    let h = btauth::sign(&v, "POST", "/EchoSynapse", &body, now_ns(), &v.ss58());
    let (code, _, b) = post(h, body.clone()).await;
    assert_eq!(code, 401);
    assert!(msg(&b).contains("wrong receiver"));
    // Stale (11 s old) and too far ahead (3 s).
    for nonce in [now_ns() - 11_000_000_000, now_ns() + 3_000_000_000] {
        let h = btauth::sign(&v, "POST", "/EchoSynapse", &body, nonce, &miner().ss58());
        let (code, _, b) = post(h, body.clone()).await;
        assert_eq!(
            (code, msg(&b).as_str()),
            (401, "Not Verified with error: btauth/1: stale nonce")
        );
    }
    // Missing receiver, unsupported scheme.
    let mut h = btauth::sign(&v, "POST", "/EchoSynapse", &body, now_ns(), &miner().ss58());
    h.retain(|(k, _)| *k != btauth::header::RECEIVER);
    assert_eq!(post(h, body.clone()).await.0, 401);
    let mut h = btauth::sign(&v, "POST", "/EchoSynapse", &body, now_ns(), &miner().ss58());
    h.push((btauth::header::CRYPTO, "ed25519".into()));
    assert_eq!(post(h, body.clone()).await.0, 401);
    // The blacklist applies to btauth callers too.
    let b = echo_axon(AxonConfig::default(), |_: &str, _: &str| {
        Some("nobody".to_string())
    })
    .await;
    let r = d.call_btauth(&target(b.local_addr), &s, T).await.unwrap();
    assert!(matches!(r.outcome, Outcome::Blacklisted(_)));
}
