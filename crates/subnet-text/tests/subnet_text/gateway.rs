//! The gateway's text answer over real axons: the loss-weighted mixture of several miners,
//! deterministic for a seed, with contributions by weight; a silent miner is left out; and
//! the mixture against the best single miner on held-out text.

use std::sync::Arc;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use taonet_crypto::Keypair;
use taonet_neuron::gateway::{AnswerRequest, Answerer, Candidate};
use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Dendrite, DendriteConfig, MinerModel,
};
use taonet_subnet_text::gateway::{TextAnswerer, UNITS_PER_BYTE, pick, step, weights};
use taonet_subnet_text::mixture::{self, em_weights};
use taonet_subnet_text::{Language, Model, NextByte, NgramModel};

async fn serve(name: &str, model: Option<Arc<Model>>) -> (AxonHandle, AxonTarget) {
    let key = Keypair::from_uri(&format!("//{name}")).unwrap();
    let hotkey = key.ss58();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let axon = Axon::new(key, AxonConfig::default(), AllowAll)
        .attach(move |s: NextByte, _caller| {
            let model = model.clone();
            async move {
                match model {
                    Some(m) => m.answer(s),
                    // A miner that never answers usefully.
                    None => Err(taonet_neuron::ForwardError("offline".into())),
                }
            }
        })
        .serve(listener)
        .unwrap();
    let target = AxonTarget {
        addr: axon.local_addr,
        hotkey,
    };
    (axon, target)
}

fn candidate(uid: u16, target: &AxonTarget, score: f64) -> Candidate {
    Candidate {
        uid,
        hotkey: target.hotkey.clone(),
        target: target.clone(),
        incentive: 0,
        score,
    }
}

#[test]
fn weights_follow_the_validator_scores() {
    let t = AxonTarget {
        addr: "127.0.0.1:1".parse().unwrap(),
        hotkey: "x".into(),
    };
    // Rewards 2^(−2·bpb) of bpb 2 and 3: weights 2^(−4·2) : 2^(−4·3) = 16 : 1.
    let w = weights(&[
        candidate(0, &t, 2f64.powf(-4.0)),
        candidate(1, &t, 2f64.powf(-6.0)),
    ]);
    assert!((w[0] / w[1] - 16.0).abs() < 1e-9, "{w:?}");
    // Unscored miners weigh nothing next to a scored one; alone they share equally.
    let w = weights(&[candidate(0, &t, 0.5), candidate(1, &t, 0.0)]);
    assert_eq!(w, vec![1.0, 0.0]);
    let w = weights(&[candidate(0, &t, 0.0), candidate(1, &t, 0.0)]);
    assert_eq!(w, vec![0.5, 0.5]);
}

#[test]
fn steps_mix_pick_and_count_units() {
    let mut a = [1u16; 256];
    a[b'x' as usize] = 60_000;
    let mut b = [1u16; 256];
    b[b'y' as usize] = 60_000;
    let mut units = vec![0u64; 3];
    // Miner 0 weighs 3, miner 1 weighs 1, miner 2 did not answer.
    let byte = step(
        &[Some(a), Some(b), None],
        &[3.0, 1.0, 5.0],
        None,
        &mut units,
    );
    assert_eq!(byte, Some(b'x'));
    assert_eq!(units, vec![750_000, 250_000, 0]);
    assert_eq!(step(&[None, None], &[1.0, 1.0], None, &mut units), None);
    // Seeded sampling is reproducible.
    let mut r1 = ChaCha20Rng::seed_from_u64(9);
    let mut r2 = ChaCha20Rng::seed_from_u64(9);
    let mixed = [100u16; 256];
    let s1: Vec<u8> = (0..32).map(|_| pick(&mixed, Some(&mut r1))).collect();
    let s2: Vec<u8> = (0..32).map(|_| pick(&mixed, Some(&mut r2))).collect();
    assert_eq!(s1, s2);
    assert!(s1.iter().any(|&b| b != s1[0]), "draws vary");
    assert_eq!(pick(&mixed, None), 0, "greedy ties go to the lowest byte");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_is_a_deterministic_mixture_and_credits_who_answered() {
    let text = Language::new().text(3, 150_000);
    let good = Arc::new(Model::Ngram(NgramModel::train(5, &text, |_| {}).unwrap()));
    let weak = Arc::new(Model::Ngram(NgramModel::train(2, &text, |_| {}).unwrap()));
    let (_a, good_t) = serve("GwGood", Some(good.clone())).await;
    let (_b, weak_t) = serve("GwWeak", Some(weak)).await;
    let (_c, off_t) = serve("GwOff", None).await;
    let dendrite = Arc::new(Dendrite::new(
        Keypair::from_uri("//GwValidator").unwrap(),
        DendriteConfig {
            allow_private_axons: true,
            ..DendriteConfig::default()
        },
    ));
    let answerer = TextAnswerer::new(dendrite, Duration::from_secs(5));
    let miners = vec![
        candidate(4, &good_t, 2f64.powf(-2.0 * 1.6)),
        candidate(7, &weak_t, 2f64.powf(-2.0 * 3.0)),
        candidate(9, &off_t, 0.5),
    ];
    let ask = |seed| AnswerRequest {
        prompt: b"the ".to_vec(),
        max_bytes: 12,
        seed,
        miners: miners.clone(),
    };
    let one = answerer.answer(ask(Some(7))).await.unwrap();
    let two = answerer.answer(ask(Some(7))).await.unwrap();
    assert_eq!(one, two, "same answers and seed, same text");
    assert_eq!(one.bytes.len(), 12);
    // The offline miner contributed nothing and is not listed; the others share every byte.
    let uids: Vec<u16> = one.miners.iter().map(|m| m.uid).collect();
    assert_eq!(uids, vec![4, 7]);
    let total: u64 = one.miners.iter().map(|m| m.units).sum();
    assert!(total.abs_diff(12 * UNITS_PER_BYTE) <= 24, "{total}");
    assert!(
        one.miners[0].units > 10 * one.miners[1].units,
        "{:?}",
        one.miners
    );
    // Greedy: the mixture's most likely byte each time, which here is the good model's.
    let greedy = answerer.answer(ask(None)).await.unwrap();
    let mut ctx = b"the ".to_vec();
    for &b in &greedy.bytes {
        let d = good.distributions(&[ctx.clone()])[0];
        let best = (0..256)
            .max_by_key(|&i| (d[i], std::cmp::Reverse(i)))
            .unwrap() as u8;
        assert_eq!(b, best, "after {:?}", String::from_utf8_lossy(&ctx));
        ctx.push(b);
    }
    // Nobody answering fails the query.
    let e = answerer
        .answer(AnswerRequest {
            miners: vec![candidate(9, &off_t, 0.5)],
            ..ask(None)
        })
        .await
        .unwrap_err();
    assert!(e.contains("none of the 1 miners"), "{e}");
}

#[test]
fn a_fitted_mixture_beats_the_best_single_miner_on_held_out_text() {
    // Three miners of the same order, each trained on its own text of the language: similar
    // quality, different mistakes (research/ml.md §4: where mixing gains most).
    let language = Language::new();
    let models: Vec<Model> = [1u64, 2, 3]
        .iter()
        .map(|&seed| {
            Model::Ngram(NgramModel::train(4, &language.text(seed, 100_000), |_| {}).unwrap())
        })
        .collect();
    let refs: Vec<&Model> = models.iter().collect();
    // Held out: another seed of the language, fitted on one half, measured on the other.
    let heldout = language.text(12_345, 8_000);
    let (fit, eval) = heldout.split_at(4_000);
    let r = mixture::compare(&refs, fit, eval, 8);
    assert_eq!(r.singles.len(), 3);
    assert!(
        r.em < r.best_single - 0.03,
        "EM mixture {} vs best {}",
        r.em,
        r.best_single
    );
    assert!(r.score_weighted < r.best_single - 0.03, "{r:?}");
    let sum: f64 = r.em_weights.iter().sum();
    assert!((sum - 1.0).abs() < 1e-9);
    assert!(em_weights(&[], b"", 3).is_empty());
    // Miners of very different quality: equal weights are worse than the best alone, the
    // fitted mixture is not.
    let train = language.text(1, 100_000);
    let uneven: Vec<Model> = [1usize, 4]
        .iter()
        .map(|&o| Model::Ngram(NgramModel::train(o, &train, |_| {}).unwrap()))
        .collect();
    let r = mixture::compare(&uneven.iter().collect::<Vec<_>>(), fit, eval, 8);
    assert!(r.equal > r.best_single, "{r:?}");
    assert!(r.em <= r.best_single + 0.005, "{r:?}");
}
