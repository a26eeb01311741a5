//! Miner and validator throughput of the text subnet: n-gram (and, with `--features candle`,
//! MLP) answers per second and scoring of a 128-prefix answer.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taonet_neuron::{MinerModel, Subnet};
use taonet_subnet_text::{Language, Model, NgramModel, TextSubnet, TextSubnetConfig};

fn benches(c: &mut Criterion) {
    let text = Language::new().text(1, 1_000_000);
    let subnet = TextSubnet::new(TextSubnetConfig::default()).expect("config");
    let (request, targets) = subnet.challenge([9; 32]);

    let mut g = c.benchmark_group("subnet_text");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);
    g.bench_function("train_ngram_order4_1MB", |b| {
        b.iter(|| NgramModel::train(4, &text, |_| {}).expect("train"))
    });
    g.throughput(Throughput::Elements(request.prefixes.len() as u64));
    g.sample_size(30);
    for order in [2, 4, 6] {
        let model = Model::Ngram(NgramModel::train(order, &text, |_| {}).expect("train"));
        g.bench_function(format!("miner_answer_128_prefixes/order={order}"), |b| {
            b.iter(|| model.answer(request.clone()).expect("answer"))
        });
    }
    #[cfg(feature = "candle")]
    {
        // The default-shape MLP (a few hundred steps: answer time does not depend on them).
        use taonet_subnet_text::mlp::{MlpConfig, MlpModel, TrainOptions};
        let options = TrainOptions {
            steps: 200,
            ..TrainOptions::default()
        };
        let mlp = MlpModel::train(&MlpConfig::default(), &text, &options, |_| {}).expect("train");
        let model = Model::Mlp(mlp);
        g.bench_function("miner_answer_128_prefixes/mlp", |b| {
            b.iter(|| model.answer(request.clone()).expect("answer"))
        });
    }
    let model = Model::Ngram(NgramModel::train(4, &text, |_| {}).expect("train"));
    let answer = model.answer(request.clone()).expect("answer");
    g.bench_function("validator_score_128_prefixes", |b| {
        b.iter(|| subnet.score(&targets, Some(&answer)))
    });
    g.bench_function("validator_challenge_128_prefixes", |b| {
        b.iter(|| subnet.challenge([3; 32]))
    });
    g.finish();
}

criterion_group!(scoring, benches);
criterion_main!(scoring);
