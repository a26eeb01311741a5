//! Network-scale neuron benchmarks: a validator's fan-out to many miners, and a metagraph
//! sync of a full 4096-uid subnet from a real chain over JSON-RPC.
//!
//! `dendrite::fan_out/miners=N`: N in-process axons (each its own hotkey, `AllowAll`, the
//! echo synapse) on 127.0.0.1; one dendrite calls all N concurrently with
//! [`Dendrite::forward`] and a 12 s deadline. One iteration is one whole round: N signed
//! calls, every one answered (asserted). Before the criterion run, a fixed number of rounds
//! per N prints the p50/p99 round time.
//!
//! `metagraph::sync/uids=4096`: a single-process taonet chain (`taonet_node::chain::Chain`
//! plus its JSON-RPC server) whose subnet 1 holds 4096 neurons, all registered through
//! signed `BurnedRegister` transactions in one block; 64 of them are staked, earn validator
//! permits at an epoch and set weights on all 4096 uids. Then [`Metagraph::sync`] (the full
//! snapshot without weights, over HTTP as a neuron does) and, as a second row,
//! `state_get_metagraph(netuid, true, false)` (with the 64 × 4096 weights). Setup is not
//! measured; p50/p99 of a fixed number of syncs are printed before the criterion run. The
//! chain is built by `support/chain.rs`, which `examples/sdk_bench_targets.rs` shares.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Dendrite, DendriteConfig, Metagraph,
};

#[path = "support/chain.rs"]
mod bench_chain;
#[path = "support/echo.rs"]
mod echo;
use bench_chain::NETUID;
use echo::{EchoSynapse, percentiles};

const DEADLINE: Duration = Duration::from_secs(12);

// ---------------------------------------------------------------------------------------
// dendrite::fan_out

async fn spawn_axons(n: usize) -> (Vec<AxonHandle>, Vec<AxonTarget>) {
    let mut handles = Vec::with_capacity(n);
    let mut targets = Vec::with_capacity(n);
    for i in 0..n {
        let miner = Keypair::from_uri(&format!("//Miner{i}")).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = Axon::new(miner.clone(), AxonConfig::default(), AllowAll)
            .attach(|mut e: EchoSynapse, _| async move {
                e.output = Some(2 * e.value + e.items.iter().sum::<i64>());
                Ok(e)
            })
            .serve(listener)
            .unwrap();
        targets.push(AxonTarget {
            addr: handle.local_addr,
            hotkey: miner.ss58(),
        });
        handles.push(handle);
    }
    (handles, targets)
}

/// One fan-out round; returns its wall time (signing included, checks excluded).
async fn round(dendrite: &Dendrite, targets: &[AxonTarget], synapse: &EchoSynapse) -> Duration {
    let t0 = Instant::now();
    let results = dendrite.forward(targets, synapse, DEADLINE).await.unwrap();
    let elapsed = t0.elapsed();
    assert_eq!(results.len(), targets.len());
    for r in &results {
        assert!(r.is_success(), "{:?}", r.outcome);
        assert_eq!(r.synapse.as_ref().and_then(|e| e.output), Some(20));
    }
    elapsed
}

fn fan_out(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let synapse = EchoSynapse {
        value: 7,
        items: vec![1, 2, 3],
        output: None,
    };
    let mut group = c.benchmark_group("dendrite");
    for (miners, fixed_rounds) in [(64usize, 200usize), (256, 100)] {
        let (_axons, targets) = rt.block_on(spawn_axons(miners));
        let dendrite = Dendrite::new(
            Keypair::from_uri("//Validator").unwrap(),
            DendriteConfig {
                allow_private_axons: true,
                ..DendriteConfig::default()
            },
        );
        // Open the pooled connections first.
        for _ in 0..3 {
            rt.block_on(round(&dendrite, &targets, &synapse));
        }
        let start = Instant::now();
        let times: Vec<Duration> = (0..fixed_rounds)
            .map(|_| rt.block_on(round(&dendrite, &targets, &synapse)))
            .collect();
        let secs = start.elapsed().as_secs_f64();
        let (p50, p99) = percentiles(times);
        eprintln!(
            "dendrite::fan_out/miners={miners}: round p50 {p50:?}, p99 {p99:?} \
             ({fixed_rounds} rounds, {:.0} calls/s)",
            (miners * fixed_rounds) as f64 / secs
        );
        group.throughput(Throughput::Elements(miners as u64));
        group.bench_function(format!("fan_out/miners={miners}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += rt.block_on(round(&dendrite, &targets, &synapse));
                }
                total
            })
        });
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------
// metagraph::sync

const UIDS: usize = 4096;
const VALIDATORS: usize = 64;

fn metagraph(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chain = bench_chain::open(dir.path(), UIDS, VALIDATORS);
    bench_chain::populate(&chain, UIDS, VALIDATORS);
    let (_server, addr) = rt.block_on(bench_chain::serve_rpc(&chain, ([127, 0, 0, 1], 0).into()));
    let client = Client::http(&format!("http://{addr}")).unwrap();

    let sync = || async {
        let m = Metagraph::sync(&client, NETUID).await.unwrap();
        assert_eq!(m.neurons().len(), UIDS);
        m
    };
    let with_weights = || async {
        let m = client
            .state_get_metagraph(NETUID, true, false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.neurons.len(), UIDS);
        m
    };
    // Response sizes, for the record (the RPC answer is this JSON plus the envelope).
    let plain = rt.block_on(client.state_get_metagraph(NETUID, false, false));
    let plain_bytes = serde_json::to_vec(&plain.unwrap().unwrap()).unwrap().len();
    let weighted_bytes = serde_json::to_vec(&rt.block_on(with_weights()))
        .unwrap()
        .len();

    const FIXED: usize = 30;
    for (name, bytes) in [("sync", plain_bytes), ("sync_with_weights", weighted_bytes)] {
        let times: Vec<Duration> = (0..FIXED)
            .map(|_| {
                let t0 = Instant::now();
                if name == "sync" {
                    rt.block_on(sync());
                } else {
                    rt.block_on(with_weights());
                }
                t0.elapsed()
            })
            .collect();
        let (p50, p99) = percentiles(times);
        eprintln!(
            "metagraph::{name}/uids={UIDS}: p50 {p50:?}, p99 {p99:?} ({FIXED} syncs, \
             {:.2} MB JSON)",
            bytes as f64 / 1e6
        );
    }

    let mut group = c.benchmark_group("metagraph");
    group.bench_function(format!("sync/uids={UIDS}"), |b| {
        b.iter(|| rt.block_on(sync()))
    });
    group.bench_function(format!("sync_with_weights/uids={UIDS}"), |b| {
        b.iter(|| rt.block_on(with_weights()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = fan_out, metagraph
}
criterion_main!(benches);
