//! Epoch cost at realistic subnet sizes. Every validator weights 90% of the miners (a
//! deterministic pseudo-random subset with pseudo-random weights) and holds a bond toward
//! each of them, so non-zero entries ≈ 0.9 · validators · miners. Both bond modes, each
//! with `epoch` (fresh buffers, `Parallelism::Auto`), `epoch_with` on a reused
//! `EpochScratch` (`…/scratch`, `Auto`) and on a reused sequential one (`…/scratch_seq`).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use taonet_yuma::{EpochScratch, Parallelism, epoch, epoch_with};

#[path = "support/workload.rs"]
mod workload;
use workload::subnet;

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
            // The same on the calling thread only.
            let mut seq = EpochScratch::with_parallelism(Parallelism::Sequential);
            let id = BenchmarkId::new(
                format!("{mode}/scratch_seq"),
                format!("uids={n}/validators={v}"),
            );
            g.bench_with_input(id, &input, |b, i| {
                b.iter(|| epoch_with(&mut seq, black_box(i)).unwrap())
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
