//! Attacks on a real axon over loopback: replays after a restart, one hotkey filling the
//! nonce table or the btauth/1 replay cache, large bodies from unknown callers, slowloris
//! clients and connection floods.

use std::time::Duration;

use taonet_crypto::Keypair;
use taonet_neuron::{AllowAll, AxonConfig, Dendrite, Outcome, btauth};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// Longest any of these tests waits for an answer that must come (a hang guard, not a
/// speed requirement).
const GUARD: Duration = Duration::from_secs(20);

fn attacker() -> Keypair {
    Keypair::from_uri("//Attacker").unwrap()
}

/// Reads from `s` until the peer closes the connection (or the guard fires: `None`).
async fn read_to_close(s: &mut TcpStream) -> Option<String> {
    let mut out = Vec::new();
    match tokio::time::timeout(GUARD, s.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// Reads one response head (up to the blank line) from `s`.
async fn read_head(s: &mut TcpStream) -> Option<String> {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !out.ends_with(b"\r\n\r\n") {
            if s.read(&mut byte).await.ok()? == 0 {
                return None;
            }
            out.push(byte[0]);
        }
        Some(())
    };
    tokio::time::timeout(GUARD, read).await.ok()??;
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A signed bittensor 10 request as raw HTTP/1.1 header bytes (no body).
fn raw_head(path: &str, headers: &[(String, String)], content_length: usize) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: axon\r\n");
    for (k, v) in headers {
        if k != "content-length" {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {content_length}\r\n\r\n"));
    head.into_bytes()
}

/// After a restart the nonce table is empty; a request captured earlier, replayed with the
/// `bt_header_dendrite_version` header removed (it is not signed), used to skip the
/// freshness window. It must be refused.
#[tokio::test]
async fn replay_without_version_header_after_restart_is_refused() {
    let config = AxonConfig {
        // The widest window a replayer can ask for: 4 s + 1 s.
        max_timeout_s: 1.0,
        ..AxonConfig::default()
    };
    let first = echo_axon(config.clone(), AllowAll).await;
    let d = dendrite();
    let s = EchoSynapse::new(5, vec![]);
    let (captured, body) = d
        .build_request(
            &target(first.local_addr),
            &s,
            Duration::from_secs(1),
            "u-captured",
            now_ns(),
        )
        .unwrap();
    let r = d
        .send::<EchoSynapse>(&target(first.local_addr), captured.clone(), body.clone(), T)
        .await;
    assert!(r.is_success(), "{:?}", r.outcome);

    // The axon restarts; the attacker waits until the nonce is out of the window.
    first.stop();
    let restarted = echo_axon(config, AllowAll).await;
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let t = target(restarted.local_addr);
    let mut replay = captured.clone();
    replay.retain(|(k, _)| k != "bt_header_dendrite_version");
    // Asking for the widest window changes nothing either.
    set(&mut replay, "timeout", "60.0".into());
    for headers in [replay, captured] {
        match d
            .send::<EchoSynapse>(&t, headers, body.clone(), T)
            .await
            .outcome
        {
            Outcome::FailedVerification(m) => assert!(m.contains("Nonce is too old"), "{m}"),
            o => panic!("a replay was accepted: {o:?}"),
        }
    }
}

/// One hotkey sending more distinct endpoint keys (uuids) than the table holds must not
/// push out or lock out another hotkey: the victim's old request is still a refused
/// replay, and its new requests still pass.
#[tokio::test]
async fn one_hotkey_cannot_fill_the_nonce_table() {
    let a = echo_axon(
        AxonConfig {
            nonce_capacity: 64,
            nonce_keys_per_hotkey: 16,
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let t = target(a.local_addr);
    let s = EchoSynapse::new(1, vec![]);
    let victim = dendrite();
    let (victim_req, victim_body) = victim
        .build_request(&t, &s, T, "victim-1", now_ns())
        .unwrap();
    let r = victim
        .send::<EchoSynapse>(&t, victim_req.clone(), victim_body.clone(), T)
        .await;
    assert!(r.is_success(), "{:?}", r.outcome);

    // 70 distinct keys (more than the whole table), every one validly signed.
    let greedy = Dendrite::new(attacker(), local());
    let mut accepted = 0;
    for i in 0..70 {
        let (h, b) = greedy
            .build_request(&t, &s, T, &format!("flood-{i}"), now_ns())
            .unwrap();
        match greedy.send::<EchoSynapse>(&t, h, b, T).await.outcome {
            Outcome::Success => accepted += 1,
            Outcome::FailedVerification(m) => {
                assert!(m.contains("too many endpoint keys"), "{m}")
            }
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(accepted, 16, "the attacker holds only its quota");

    // The victim's entry is still there: its replay is refused, with or without version.
    let mut no_version = victim_req.clone();
    no_version.retain(|(k, _)| k != "bt_header_dendrite_version");
    for h in [victim_req, no_version] {
        match victim
            .send::<EchoSynapse>(&t, h, victim_body.clone(), T)
            .await
            .outcome
        {
            Outcome::FailedVerification(m) => assert!(m.contains("newer one"), "{m}"),
            o => panic!("the victim's request was replayed: {o:?}"),
        }
    }
    // And the victim is not locked out.
    for lane in ["victim-2", "victim-3"] {
        let (h, b) = victim.build_request(&t, &s, T, lane, now_ns()).unwrap();
        let r = victim.send::<EchoSynapse>(&t, h, b, T).await;
        assert!(r.is_success(), "victim locked out: {:?}", r.outcome);
    }
}

/// The same for the btauth/1 replay cache: 70 requests of one hotkey cannot fill it.
#[tokio::test]
async fn one_hotkey_cannot_fill_the_btauth_replay_cache() {
    let a = echo_axon(
        AxonConfig {
            nonce_capacity: 64,
            replay_per_hotkey: 16,
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    let t = target(a.local_addr);
    let s = EchoSynapse::new(1, vec![]);
    let body = serde_json::to_vec(&taonet_neuron::SynapseMessage::new(s.clone())).unwrap();
    let post = |who: Keypair, nonce: u64| {
        let body = body.clone();
        async move {
            let h: Vec<(String, String)> =
                btauth::sign(&who, "POST", "/EchoSynapse", &body, nonce, &miner().ss58())
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
            let (status, _, b) = dendrite()
                .post_raw(t.addr, "/EchoSynapse", &h, body)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&b).into_owned())
        }
    };
    let victim_nonce = now_ns();
    assert_eq!(post(validator(), victim_nonce).await.0, 200);

    let start = now_ns();
    let mut accepted = 0;
    for i in 0..70 {
        let (status, b) = post(attacker(), start + i).await;
        if status == 200 {
            accepted += 1;
        } else {
            assert!(
                b.contains("too many requests from this hotkey"),
                "{status} {b}"
            );
        }
    }
    assert_eq!(accepted, 16, "the attacker holds only its quota");
    let (status, b) = post(validator(), victim_nonce).await;
    assert_eq!(status, 401, "the victim's request was replayed: {b}");
    assert!(b.contains("replayed nonce"), "{b}");
    let (status, b) = post(validator(), now_ns()).await;
    assert_eq!(status, 200, "victim locked out: {b}");
}

/// Callers that fail the header checks are answered without their body being read: the
/// client below declares 4 MiB and never sends it.
#[tokio::test]
async fn unknown_callers_are_refused_before_the_body_is_read() {
    let allowed = validator().ss58();
    let a = echo_axon(AxonConfig::default(), move |hotkey: &str, _: &str| {
        (hotkey != allowed).then(|| format!("Unrecognized hotkey {hotkey}"))
    })
    .await;
    let t = target(a.local_addr);
    let s = EchoSynapse::new(1, vec![]);
    let huge = 4 << 20;

    // Unsigned: no caller headers at all.
    let unsigned = raw_head("/EchoSynapse", &[], huge);
    // A hotkey the blacklist refuses (signature irrelevant).
    let stranger = Dendrite::new(attacker(), local());
    let (h, _) = stranger
        .build_request(&t, &s, T, "u-stranger", now_ns())
        .unwrap();
    let blacklisted = raw_head("/EchoSynapse", &h, huge);
    // An allowed hotkey with a forged signature.
    let (mut h, _) = dendrite()
        .build_request(&t, &s, T, "u-forged", now_ns())
        .unwrap();
    set(
        &mut h,
        "bt_header_dendrite_signature",
        attacker().sign(b"x").to_hex(),
    );
    let forged = raw_head("/EchoSynapse", &h, huge);
    // An allowed hotkey over btauth/1 with a stale nonce.
    let bt: Vec<(String, String)> = btauth::sign(
        &validator(),
        "POST",
        "/EchoSynapse",
        b"",
        now_ns() - 60_000_000_000,
        &miner().ss58(),
    )
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let stale_bt = raw_head("/EchoSynapse", &bt, huge);
    // A valid caller declaring more than the limit.
    let (h, _) = dendrite()
        .build_request(&t, &s, T, "u-too-big", now_ns())
        .unwrap();
    let too_big = raw_head("/EchoSynapse", &h, (4 << 20) + 1);

    for (what, head, status) in [
        ("unsigned", unsigned, "401"),
        ("blacklisted", blacklisted, "403"),
        ("forged", forged, "401"),
        ("stale btauth", stale_bt, "401"),
        ("too big", too_big, "413"),
    ] {
        let mut conn = TcpStream::connect(a.local_addr).await.unwrap();
        conn.write_all(&head).await.unwrap();
        let answer = read_head(&mut conn)
            .await
            .unwrap_or_else(|| panic!("{what}: no answer without the body"));
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{what}: {answer}"
        );
    }
}

/// A client that sends its headers (or body) slowly is disconnected.
#[tokio::test]
async fn slowloris_clients_are_disconnected() {
    let a = echo_axon(
        AxonConfig {
            header_timeout: Duration::from_millis(500),
            body_timeout: Duration::from_millis(500),
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    // Headers that never end.
    let mut conn = TcpStream::connect(a.local_addr).await.unwrap();
    conn.write_all(b"POST /EchoSynapse HTTP/1.1\r\nhost: axon\r\nx-slow: 1")
        .await
        .unwrap();
    let rest = read_to_close(&mut conn).await;
    assert!(rest.is_some(), "a slowloris connection was kept open");
    // An idle connection is closed too.
    let mut idle = TcpStream::connect(a.local_addr).await.unwrap();
    assert!(
        read_to_close(&mut idle).await.is_some(),
        "an idle connection was kept open"
    );
    // A verified caller whose body never arrives gets 408.
    let t = target(a.local_addr);
    let (h, body) = dendrite()
        .build_request(&t, &EchoSynapse::new(1, vec![]), T, "u-slow", now_ns())
        .unwrap();
    let mut conn = TcpStream::connect(a.local_addr).await.unwrap();
    conn.write_all(&raw_head("/EchoSynapse", &h, body.len()))
        .await
        .unwrap();
    conn.write_all(&body[..body.len() / 2]).await.unwrap();
    let answer = read_to_close(&mut conn)
        .await
        .expect("a slow body kept the connection open");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// Connections beyond the cap are answered 503 and closed; a freed slot serves again.
#[tokio::test]
async fn connections_over_the_cap_are_refused() {
    let a = echo_axon(
        AxonConfig {
            max_connections: 4,
            ..AxonConfig::default()
        },
        AllowAll,
    )
    .await;
    // Four kept-alive connections, each proven served (an unsigned request → 401).
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = TcpStream::connect(a.local_addr).await.unwrap();
        c.write_all(&raw_head("/EchoSynapse", &[], 0))
            .await
            .unwrap();
        let head = read_head(&mut c).await.expect("served");
        assert!(head.starts_with("HTTP/1.1 401"), "{head}");
        held.push(c);
    }
    let mut extra = TcpStream::connect(a.local_addr).await.unwrap();
    let answer = read_to_close(&mut extra).await.expect("refused and closed");
    assert!(
        answer.starts_with("HTTP/1.1 503") && answer.contains("Too many connections"),
        "{answer}"
    );
    // Close one: the axon serves again once it has noticed.
    drop(held.pop());
    let mut served = false;
    for _ in 0..100 {
        let r = dendrite()
            .call(&target(a.local_addr), &EchoSynapse::new(1, vec![]), T)
            .await
            .unwrap();
        if r.is_success() {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "a freed slot was not reused");
}
