//! Epoch cost at realistic subnet sizes. Every validator weights 90% of the miners (a
//! deterministic pseudo-random subset with pseudo-random weights) and holds a bond toward
//! each of them, so non-zero entries ≈ 0.9 · validators · miners. Both bond modes, each
//! with `epoch` (fresh buffers) and `epoch_with` on a reused `EpochScratch` (`…/scratch`).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use taonet_yuma::{EpochInput, EpochScratch, Hyperparams, LiquidAlpha, epoch, epoch_with};

fn subnet(n: usize, validators: usize, yuma3: bool, liquid: bool) -> EpochInput {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut weights = vec![Vec::new(); n];
    let mut bonds = vec![Vec::new(); n];
    for v in 0..validators {
        for m in validators..n {
            if next() % 10 != 0 {
                weights[v].push((m as u16, (next() % 65535) as u16 + 1));
                bonds[v].push((m as u16, (next() % 30000) as u16));
            }
        }
    }
    let stake = (0..n)
        .map(|i| {
            if i < validators {
                1_000_000_000 + next() % 1_000_000_000_000
            } else {
                0
            }
        })
        .collect();
    EpochInput {
        block: 10_000,
        stake,
        weights,
        bonds,
        last_update: vec![9_990; n],
        registered_at: vec![1; n],
        validator_permit: (0..n).map(|i| i < validators).collect(),
        owner_uid: None,
        commit_reveal: None,
        last_epoch_block: Some(9_640),
        emission: 1_000_000_000,
        params: Hyperparams {
            yuma3,
            max_allowed_validators: validators as u16,
            liquid_alpha: LiquidAlpha {
                enabled: liquid,
                ..LiquidAlpha::default()
            },
            ..Hyperparams::default()
        },
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("yuma::epoch");
    for (n, v) in [(256usize, 64usize), (1024, 128), (4096, 256)] {
        for (mode, yuma3, liquid) in [
            ("original", false, false),
            ("yuma3", true, false),
            ("yuma3_liquid", true, true),
        ] {
            let input = subnet(n, v, yuma3, liquid);
            epoch(&input).unwrap();
            let id = BenchmarkId::new(mode, format!("uids={n}/validators={v}"));
            g.bench_with_input(id, &input, |b, i| b.iter(|| epoch(black_box(i)).unwrap()));
            // The same epoch on one reused scratch (no fresh buffers, no page faults).
            let mut scratch = EpochScratch::new();
            let id = BenchmarkId::new(
                format!("{mode}/scratch"),
                format!("uids={n}/validators={v}"),
            );
            g.bench_with_input(id, &input, |b, i| {
                b.iter(|| epoch_with(&mut scratch, black_box(i)).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = bench
}
criterion_main!(benches);
