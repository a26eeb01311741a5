//! SSRF: axon addresses come from the chain, so a dendrite must not POST to loopback,
//! private or link-local addresses unless it is told it runs on a local network.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use taonet_neuron::{AllowAll, Axon, AxonConfig, Dendrite, DendriteConfig, Outcome};

use crate::common::*;

/// An "internal service" on 127.0.0.1 that counts the requests reaching it.
async fn internal_service() -> (taonet_neuron::AxonHandle, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axon = Axon::new(miner(), AxonConfig::default(), AllowAll)
        .attach(move |mut e: EchoSynapse, _| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                e.output = Some(e.expected());
                Ok(e)
            }
        })
        .serve(listener)
        .unwrap();
    (axon, hits)
}

#[tokio::test]
async fn dendrite_refuses_to_post_to_loopback_unless_allowed() {
    let (axon, hits) = internal_service().await;
    let t = target(axon.local_addr);
    let s = EchoSynapse::new(2, vec![]);

    // The attack: an axon on chain published as 127.0.0.1:<port of an internal service>.
    let strict = Dendrite::new(validator(), DendriteConfig::default());
    let r = strict.call(&t, &s, T).await.unwrap();
    match &r.outcome {
        Outcome::NonPublicAddress(m) => {
            assert!(
                m.contains("loopback") && m.contains("allow_private_axons"),
                "{m}"
            )
        }
        o => panic!("a loopback axon was dialled: {o:?}"),
    }
    // Fan-out: the refusal is an outcome of that target only.
    let rs = strict
        .forward(&[t.clone(), t.clone()], &s, T)
        .await
        .unwrap();
    assert!(
        rs.iter()
            .all(|r| matches!(r.outcome, Outcome::NonPublicAddress(_)))
    );
    // Raw posts are refused too.
    let err = strict
        .post_raw(axon.local_addr, "/EchoSynapse", &[], b"{}".to_vec())
        .await
        .unwrap_err();
    assert!(err.contains("loopback"), "{err}");
    // Private and link-local targets are refused without a connection attempt.
    for addr in [
        "10.0.0.1:8091",
        "169.254.169.254:80",
        "[::ffff:192.168.1.1]:80",
    ] {
        let mut other = t.clone();
        other.addr = addr.parse().unwrap();
        let r = strict.call(&other, &s, T).await.unwrap();
        assert!(
            matches!(r.outcome, Outcome::NonPublicAddress(_)),
            "{addr}: {:?}",
            r.outcome
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the service"
    );

    // A local network opts in.
    let r = dendrite().call(&t, &s, T).await.unwrap();
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn loopback_only_dendrite_reaches_loopback_and_nothing_else_private() {
    let (axon, hits) = internal_service().await;
    let t = target(axon.local_addr);
    let s = EchoSynapse::new(2, vec![]);
    let loopback = Dendrite::new(
        validator(),
        DendriteConfig {
            allow_loopback_axons: true,
            ..DendriteConfig::default()
        },
    );
    let r = loopback.call(&t, &s, T).await.unwrap();
    assert!(r.is_success(), "{:?}", r.outcome);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // The same port on the v4-mapped loopback address.
    let mut mapped = t.clone();
    mapped.addr = format!("[::ffff:127.0.0.1]:{}", axon.local_addr.port())
        .parse()
        .unwrap();
    assert!(loopback.check_target(mapped.addr).is_ok());
    // LAN, link-local (cloud metadata) and the NAT64 form of loopback stay refused, before
    // any connection is attempted.
    for addr in [
        "10.0.0.1:8091",
        "169.254.169.254:80",
        "[::ffff:192.168.1.1]:80",
        "[64:ff9b::7f00:1]:80",
    ] {
        let mut other = t.clone();
        other.addr = addr.parse().unwrap();
        let r = loopback.call(&other, &s, T).await.unwrap();
        match &r.outcome {
            Outcome::NonPublicAddress(m) => assert!(m.contains("allow_private_axons"), "{m}"),
            o => panic!("{addr} was dialled: {o:?}"),
        }
        let err = loopback
            .post_raw(other.addr, "/EchoSynapse", &[], b"{}".to_vec())
            .await
            .unwrap_err();
        assert!(err.contains("not public"), "{err}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
