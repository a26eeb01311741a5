//! Store benchmarks: `store::commit_block/transfers=5000` (one atomic redb write of a block of
//! 5,000 transfers with its ~10,000 changed state records, receipts and indexes, fsynced) and
//! `store::load_state/accounts=10000` (rebuilding the state and its Merkle root at start-up).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use taonet_crypto::Keypair;
use taonet_runtime::genesis::{Address, GenesisBalance, GenesisValidator, Key32, Tao};
use taonet_runtime::{ChainSpec, apply_block, build_block};
use taonet_store::Store;
use taonet_types::tx::BalancesCall;
use taonet_types::{
    AccountId, Call, ChainParams, RAO_PER_TAO, Rao, SignedTransaction, Transaction,
};

fn commit(c: &mut Criterion) {
    let senders: Vec<Keypair> = (0..5000u32)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_be_bytes());
            Keypair::from_seed(&seed)
        })
        .collect();
    let validator = Keypair::from_seed(&[0xaa; 32]);
    let spec = ChainSpec {
        chain_id: "bench".into(),
        genesis_timestamp_ms: 0,
        params: ChainParams {
            max_block_transactions: 10_000,
            ..ChainParams::default()
        },
        balances: senders
            .iter()
            .map(|k| GenesisBalance {
                account: Address(k.account_id()),
                amount: Tao(Rao(100 * RAO_PER_TAO)),
            })
            .collect(),
        validators: vec![GenesisValidator {
            coldkey: Address(validator.account_id()),
            hotkey: Address(validator.account_id()),
            stake: Tao(Rao(10_000 * RAO_PER_TAO)),
            consensus_key: Some(Key32([9u8; 32])),
            root: false,
        }],
        subnets: vec![],
    };
    let genesis = spec.build().unwrap();
    let txs: Vec<SignedTransaction> = senders
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let tx = Transaction {
                signer: k.account_id(),
                nonce: 0,
                fee_limit: Rao(RAO_PER_TAO),
                tip: Rao::ZERO,
                call: Call::Balances(BalancesCall::Transfer {
                    dest: AccountId([(i % 251) as u8; 32]),
                    amount: Rao(RAO_PER_TAO),
                }),
            };
            let signature = k.sign(&tx.signing_payload(&genesis.domain)).0;
            SignedTransaction { tx, signature }
        })
        .collect();
    let built = build_block(
        &genesis.state,
        &genesis.domain,
        validator.account_id(),
        1_000,
        &txs,
    )
    .unwrap();
    let mut state = genesis.state.clone();
    let outcome = apply_block(&mut state, &genesis.domain, &built.block).unwrap();
    assert_eq!(outcome.receipts.len(), 5000);

    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("commit_block/transfers=5000", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let store = Store::open(&dir.path().join("chain.redb")).unwrap();
                store.init_genesis(&genesis).unwrap();
                (dir, store)
            },
            |(dir, store)| {
                store.commit_block(&built.block, &outcome).unwrap();
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("chain.redb")).unwrap();
    store.init_genesis(&genesis).unwrap();
    store.commit_block(&built.block, &outcome).unwrap();
    group.bench_function("load_state/accounts=10000", |b| {
        b.iter(|| {
            let loaded = store.load_state().unwrap();
            assert_eq!(loaded.root(), state.root());
        })
    });
    group.finish();
}

criterion_group!(benches, commit);
criterion_main!(benches);
