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
//! measured; p50/p99 of a fixed number of syncs are printed before the criterion run.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Dendrite, DendriteConfig, Metagraph,
};
use taonet_node::chain::Chain;
use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};
use taonet_types::tx::{NeuronCall, StakingCall, WeightsCall};
use taonet_types::{Call, ChainDomain, RAO_PER_TAO, Rao, SignedTransaction, Transaction};

#[path = "support/echo.rs"]
mod echo;
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

const NETUID: u16 = 1;
const UIDS: usize = 4096;
const VALIDATORS: usize = 64;

fn sign(domain: &ChainDomain, signer: &Keypair, nonce: u64, call: Call) -> SignedTransaction {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(u64::MAX),
        tip: Rao::ZERO,
        call,
    };
    SignedTransaction {
        signature: signer.sign(&tx.signing_payload(domain)).0,
        tx,
    }
}

/// Proposes and finalizes one block with whatever the mempool holds; returns how many
/// transactions it carried.
fn produce(chain: &Chain) -> usize {
    let proposer = dev_keys("alice").1.account_id();
    let head = chain.finalized();
    let block = chain
        .propose(&head.hash, &proposer, head.timestamp_ms + 1_000)
        .unwrap();
    chain.finalize(&block).unwrap();
    block.transactions.len()
}

/// A seed-derived hotkey (the registering coldkey signs, so no URI derivation is needed).
fn hotkey(i: usize) -> Keypair {
    let mut seed = [0x4bu8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Keypair::from_seed(&seed)
}

/// Builds the 4096-uid subnet on `chain` through signed transactions (see the module doc).
fn populate(chain: &Chain) {
    let domain = chain.domain();
    let colds: Vec<Keypair> = DEV_NAMES.iter().map(|n| dev_keys(n).0).collect();
    // uid 0 is the owner's hotkey (genesis); register the other 4095.
    let hotkeys: Vec<Keypair> = (0..UIDS - 1).map(hotkey).collect();
    let t0 = Instant::now();
    let state = chain.finalized_state();
    let mut nonces: Vec<u64> = colds.iter().map(|c| state.nonce(&c.account_id())).collect();
    let mut next = |k: usize| {
        let n = nonces[k];
        nonces[k] += 1;
        n
    };
    for (i, hot) in hotkeys.iter().enumerate() {
        let k = i % colds.len();
        let call = Call::Neurons(NeuronCall::BurnedRegister {
            netuid: NETUID,
            hotkey: hot.account_id(),
            max_burn: Rao(RAO_PER_TAO),
        });
        chain
            .mempool()
            .submit(sign(&domain, &colds[k], next(k), call))
            .unwrap();
    }
    let included = produce(chain);
    let state = chain.finalized_state();
    let n = state.subnet(NETUID).unwrap().n as usize;
    assert_eq!(n, UIDS, "{included} transactions in the registration block");
    eprintln!(
        "metagraph setup: {} BurnedRegister transactions in block {} ({:.1} s)",
        UIDS - 1,
        state.height(),
        t0.elapsed().as_secs_f64()
    );

    // Stake the first 64 registered hotkeys (uids 1..=64) from their coldkeys.
    let validators = &hotkeys[..VALIDATORS];
    for (i, hot) in validators.iter().enumerate() {
        let k = i % colds.len();
        let call = Call::Staking(StakingCall::AddStake {
            hotkey: hot.account_id(),
            amount: Rao(1_000 * RAO_PER_TAO),
        });
        chain
            .mempool()
            .submit(sign(&domain, &colds[k], next(k), call))
            .unwrap();
    }
    assert_eq!(produce(chain), VALIDATORS);

    // Blocks until an epoch has given all of them validator permits.
    let permitted = |chain: &Chain| {
        let state = chain.finalized_state();
        validators.iter().all(|h| {
            state
                .uid_of(NETUID, &h.account_id())
                .and_then(|uid| state.neuron(NETUID, uid))
                .is_some_and(|n| n.validator_permit)
        })
    };
    let mut blocks = 0;
    while !permitted(chain) {
        assert!(blocks < 100, "no validator permits after {blocks} blocks");
        produce(chain);
        blocks += 1;
    }

    // Every validator weights all 4096 uids (deterministic pseudo-random weights).
    let state = chain.finalized_state();
    let uids: Vec<u16> = (0..UIDS as u16).collect();
    for (v, hot) in validators.iter().enumerate() {
        let weights: Vec<u16> = uids
            .iter()
            .map(|u| {
                let x = (u64::from(*u) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (v as u64);
                ((x >> 48) as u16) | 1
            })
            .collect();
        let call = Call::Weights(WeightsCall::SetWeights {
            netuid: NETUID,
            uids: uids.clone(),
            weights,
            version_key: 0,
        });
        let nonce = state.nonce(&hot.account_id());
        chain
            .mempool()
            .submit(sign(&domain, hot, nonce, call))
            .unwrap();
    }
    assert_eq!(produce(chain), VALIDATORS);
    let state = chain.finalized_state();
    for hot in validators {
        let uid = state.uid_of(NETUID, &hot.account_id()).unwrap();
        assert_eq!(state.neuron(NETUID, uid).unwrap().weights.len(), UIDS);
    }
    eprintln!(
        "metagraph setup: {VALIDATORS} validators staked, permitted after {blocks} blocks, \
         weights set on {UIDS} uids; head {} ({:.1} s total)",
        state.height(),
        t0.elapsed().as_secs_f64()
    );
}

fn metagraph(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut spec = ChainSpec::dev(&[[5u8; 32]]);
    let hp = &mut spec.params.default_hyperparams;
    hp.max_allowed_uids = UIDS as u16;
    // Every stake-holding validator (alice's owner hotkey included) gets a permit.
    hp.max_allowed_validators = 2 * VALIDATORS as u16;
    // A flat registration price (initial_burn, 0.1 TAO): with the default ×1.26 per
    // registration the burn would sit at max_burn (100 TAO) after ~35 registrations and
    // 4095 of them would cost more than the dev accounts hold.
    hp.burn_increase_mult_ppm = 1_000_000;
    let chain = Chain::open(dir.path(), &spec).unwrap();
    populate(&chain);

    let config = RpcConfig {
        addr: ([127, 0, 0, 1], 0).into(),
        requests_per_second: 100_000,
        ..RpcConfig::default()
    };
    let (_server, addr) = rt
        .block_on(taonet_node::rpc::start(
            &config,
            RpcApi::new(chain.clone(), NetworkStatus::default()),
        ))
        .unwrap();
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
