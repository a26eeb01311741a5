//! Axon throughput and latency of signed bittensor 10 calls on loopback.
//!
//! `axon::signed_call/conns=N`: N dendrites (each its own pooled connection and hotkey
//! uuid) call one axon concurrently; criterion reports the time per request. Before the
//! criterion run, a fixed 3-second load per N prints requests/s, p50 and p99 latency.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taonet_crypto::Keypair;
use taonet_neuron::{AllowAll, Axon, AxonConfig, AxonTarget, Dendrite, DendriteConfig};

#[path = "support/echo.rs"]
mod echo;
use echo::{EchoSynapse, percentiles};

async fn load(dendrites: &[Arc<Dendrite>], target: &AxonTarget, per_conn: u64) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for d in dendrites {
        let (d, t) = (d.clone(), target.clone());
        tasks.push(tokio::spawn(async move {
            let s = EchoSynapse {
                value: 7,
                items: vec![1, 2, 3],
                output: None,
            };
            let mut lat = Vec::with_capacity(per_conn as usize);
            for _ in 0..per_conn {
                let t0 = Instant::now();
                let r = d.call(&t, &s, Duration::from_secs(12)).await.unwrap();
                assert!(r.is_success(), "{:?}", r.outcome);
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let miner = Keypair::from_uri("//Miner").unwrap();
    let target = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = Axon::new(miner.clone(), AxonConfig::default(), AllowAll)
            .attach(|mut e: EchoSynapse, _| async move {
                e.output = Some(2 * e.value + e.items.iter().sum::<i64>());
                Ok(e)
            })
            .serve(listener)
            .unwrap();
        AxonTarget {
            addr: handle.local_addr,
            hotkey: miner.ss58(),
        }
    });
    let mut group = c.benchmark_group("axon");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    for conns in [1usize, 8, 32] {
        let dendrites: Vec<Arc<Dendrite>> = (0..conns)
            .map(|i| {
                let k = Keypair::from_uri(&format!("//Validator{i}")).unwrap();
                Arc::new(Dendrite::new(
                    k,
                    DendriteConfig {
                        allow_private_axons: true,
                        ..DendriteConfig::default()
                    },
                ))
            })
            .collect();
        // Fixed load for req/s and percentiles.
        let start = Instant::now();
        let mut lat = Vec::new();
        while start.elapsed() < Duration::from_secs(3) {
            lat.extend(rt.block_on(load(&dendrites, &target, 50)));
        }
        let secs = start.elapsed().as_secs_f64();
        let n = lat.len();
        let (p50, p99) = percentiles(lat);
        eprintln!(
            "axon::signed_call/conns={conns}: {:.0} req/s, p50 {p50:?}, p99 {p99:?} ({n} requests)",
            n as f64 / secs,
        );
        group.bench_function(format!("signed_call/conns={conns}"), |b| {
            b.iter_custom(|iters| {
                let per_conn = iters.div_ceil(conns as u64).max(1);
                let t0 = Instant::now();
                rt.block_on(load(&dendrites, &target, per_conn));
                t0.elapsed()
                    .mul_f64(iters as f64 / (per_conn * conns as u64) as f64)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
