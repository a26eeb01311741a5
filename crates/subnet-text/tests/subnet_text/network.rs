//! Miners and a validator over real axons and a dendrite: honest models of different
//! quality, a garbage miner, a miner replaying old answers, a copier relaying another's.

use std::sync::Arc;
use std::time::Duration;

use taonet_crypto::Keypair;
use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Dendrite, DendriteConfig, ForwardError,
    MinerModel, Subnet,
};
use taonet_subnet_text::{Language, Model, NextByte, NgramModel, TextSubnet, TextSubnetConfig};

async fn serve<F, Fut>(name: &str, f: F) -> (AxonHandle, AxonTarget)
where
    F: Fn(NextByte) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<NextByte, ForwardError>> + Send + 'static,
{
    let key = Keypair::from_uri(&format!("//{name}")).unwrap();
    let hotkey = key.ss58();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axon = Axon::new(key, AxonConfig::default(), AllowAll)
        .attach(move |s: NextByte, _caller| f(s))
        .serve(listener)
        .unwrap();
    let target = AxonTarget {
        addr: axon.local_addr,
        hotkey,
    };
    (axon, target)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_rank_miners_by_quality_over_the_wire() {
    let text = Language::new().text(5, 200_000);
    let good = Arc::new(Model::Ngram(NgramModel::train(4, &text, |_| {}).unwrap()));
    let weak = Arc::new(Model::Ngram(NgramModel::train(1, &text, |_| {}).unwrap()));

    let g = good.clone();
    let (_a1, good_t) = serve("Good", move |s| {
        let g = g.clone();
        async move { g.answer(s) }
    })
    .await;
    let w = weak.clone();
    let (_a2, weak_t) = serve("Weak", move |s| {
        let w = w.clone();
        async move { w.answer(s) }
    })
    .await;
    // Garbage: uniform noise of the right shape.
    let (_a3, garbage_t) = serve("Garbage", |mut s: NextByte| async move {
        let n = s.prefixes.len();
        let mut d = [0u16; 256];
        d[0] = 65535;
        s.set_distributions(&vec![d; n]);
        Ok(s)
    })
    .await;
    // Wrong shape: one distribution for the whole batch.
    let (_a4, shape_t) = serve("Shape", |mut s: NextByte| async move {
        s.set_distributions(&[[1u16; 256]]);
        Ok(s)
    })
    .await;
    // Copier: relays the request to the good miner and returns its answer.
    let relay = Arc::new(Dendrite::new(
        Keypair::from_uri("//Copier").unwrap(),
        DendriteConfig {
            allow_private_axons: true,
            ..DendriteConfig::default()
        },
    ));
    let relay_target = good_t.clone();
    let (_a5, copier_t) = serve("Copier", move |s: NextByte| {
        let relay = relay.clone();
        let t = relay_target.clone();
        async move {
            let r = relay
                .call(&t, &s, Duration::from_secs(5))
                .await
                .map_err(|e| ForwardError(e.to_string()))?;
            r.synapse.ok_or_else(|| ForwardError("relay failed".into()))
        }
    })
    .await;

    let subnet = TextSubnet::new(TextSubnetConfig {
        prefixes: 96,
        ..Default::default()
    })
    .unwrap();
    let dendrite = Dendrite::new(
        Keypair::from_uri("//Validator").unwrap(),
        DendriteConfig {
            allow_private_axons: true,
            ..DendriteConfig::default()
        },
    );
    let targets = [&good_t, &weak_t, &garbage_t, &shape_t, &copier_t];
    let mut replay: Option<NextByte> = None;
    let mut totals = [0.0f64; 6];
    for round in 0..3u8 {
        let (request, secret) = subnet.challenge([round; 32]);
        for (i, t) in targets.iter().enumerate() {
            let r = dendrite
                .call(t, &request, Duration::from_secs(10))
                .await
                .unwrap();
            let answer = r.synapse;
            totals[i] += subnet.score(&secret, answer.as_ref()).metric;
            if i == 0 && round == 0 {
                replay = answer;
            }
        }
        // A miner replaying round 0's good answers in later rounds.
        let replayed = replay.clone().filter(|_| round > 0);
        totals[5] += subnet.score(&secret, replayed.as_ref()).metric;
    }
    let [good_b, weak_b, garbage_b, shape_b, copier_b, replay_b] = totals.map(|t| t / 3.0);
    assert!(good_b < 2.6, "good {good_b}");
    assert!(weak_b > good_b + 1.0, "weak {weak_b} good {good_b}");
    assert!(garbage_b > 15.0, "garbage {garbage_b}");
    assert_eq!(shape_b, taonet_subnet_text::score::WORST_BITS);
    // A copier earns no more than the miner it copies.
    assert!(
        (copier_b - good_b).abs() < 1e-9,
        "copier {copier_b} good {good_b}"
    );
    // Replaying old answers on fresh prefixes is no better than a bad guess (round 0 scored
    // nothing, rounds 1–2 score the stale distributions).
    assert!(replay_b > weak_b, "replay {replay_b}");
}
