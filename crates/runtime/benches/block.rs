//! Block application benchmarks: `runtime::apply_block/transfers=5000` (signature checks
//! included), `runtime::apply_block/epochs=8x256` (a block that runs the epochs of 8
//! subnets with 256 neurons each) and `runtime::apply_block/parent_votes=64` (an empty block
//! carrying the votes of 64 seats for its parent, all verified and counted).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use taonet_crypto::Keypair;
use taonet_runtime::genesis::{Address, GenesisBalance, GenesisSubnet, GenesisValidator, Tao};
use taonet_runtime::{ChainSpec, State, apply_block, build_block};
use taonet_types::tx::BalancesCall;
use taonet_types::{
    AccountId, Call, ChainDomain, ChainParams, RAO_PER_TAO, Rao, SignedTransaction,
    SubnetHyperparams, Transaction,
};

fn sign(pair: &Keypair, nonce: u64, call: Call, domain: &ChainDomain) -> SignedTransaction {
    let tx = Transaction {
        signer: pair.account_id(),
        nonce,
        fee_limit: Rao(RAO_PER_TAO),
        tip: Rao::ZERO,
        call,
    };
    let signature = pair.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

fn transfers(c: &mut Criterion) {
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
            consensus_key: Some(taonet_runtime::genesis::Key32([9u8; 32])),
            root: false,
        }],
        subnets: vec![],
    };
    let genesis = spec.build().unwrap();
    let dest = AccountId([0x55; 32]);
    let txs: Vec<SignedTransaction> = senders
        .iter()
        .map(|k| {
            sign(
                k,
                0,
                Call::Balances(BalancesCall::Transfer {
                    dest,
                    amount: Rao(RAO_PER_TAO),
                }),
                &genesis.domain,
            )
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
    assert_eq!(built.block.transactions.len(), 5000);
    assert!(built.outcome.receipts.iter().all(|r| r.success()));

    let mut group = c.benchmark_group("runtime::apply_block");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("transfers=5000", |b| {
        b.iter_batched(
            || genesis.state.clone(),
            |mut state: State| {
                apply_block(&mut state, &genesis.domain, black_box(&built.block)).unwrap();
                state
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn epochs(c: &mut Criterion) {
    // 8 subnets of 256 neurons: 64 validators weighting every miner, all epochs due at once.
    let owner = Keypair::from_seed(&[1; 32]);
    let hyperparams = SubnetHyperparams {
        tempo: 10,
        max_allowed_uids: 256,
        ..SubnetHyperparams::default()
    };
    let spec = ChainSpec {
        chain_id: "bench".into(),
        genesis_timestamp_ms: 0,
        params: ChainParams {
            default_hyperparams: hyperparams.clone(),
            ..ChainParams::default()
        },
        balances: vec![GenesisBalance {
            account: Address(owner.account_id()),
            amount: Tao(Rao(1_000_000 * RAO_PER_TAO)),
        }],
        validators: vec![],
        subnets: (0..8u8)
            .map(|i| GenesisSubnet {
                owner: Address(owner.account_id()),
                owner_hotkey: Address(AccountId([i + 1; 32])),
                hyperparams: Some(hyperparams.clone()),
                name: format!("bench-{i}"),
                url: String::new(),
                description: String::new(),
            })
            .collect(),
    };
    let mut genesis = spec.build().unwrap();
    let state = &mut genesis.state;
    // Fill the subnets directly through the runtime's own entry points, as registrations and
    // weight settings would.
    for netuid in 1..=8u16 {
        for uid in 1..256u16 {
            let mut hotkey = [0u8; 32];
            hotkey[..2].copy_from_slice(&netuid.to_be_bytes());
            hotkey[2..4].copy_from_slice(&uid.to_be_bytes());
            let hotkey = AccountId(hotkey);
            state
                .burned_register(&owner.account_id(), netuid, &hotkey, Rao(u64::MAX))
                .unwrap();
            if uid < 64 {
                state
                    .add_stake(
                        &owner.account_id(),
                        &hotkey,
                        Rao(1_000 * RAO_PER_TAO + u64::from(uid)),
                    )
                    .unwrap();
            }
        }
    }
    // One epoch so validators get permits, then everyone with a permit sets weights.
    let mut timestamp = 1_000;
    let mut state = genesis.state.clone();
    let proposer = AccountId([0xee; 32]);
    let step = |state: &mut State, timestamp: &mut u64| {
        *timestamp += 1000;
        let built = build_block(state, &genesis.domain, proposer, *timestamp, &[]).unwrap();
        apply_block(state, &genesis.domain, &built.block).unwrap();
    };
    for _ in 0..11 {
        step(&mut state, &mut timestamp);
    }
    let miners: Vec<u16> = (64..256).collect();
    for netuid in 1..=8u16 {
        for uid in 1..64u16 {
            let hotkey = state.neurons.get(&(netuid, uid)).unwrap().hotkey;
            let weights: Vec<u16> = miners.iter().map(|m| (m * 7 + uid) % 1000 + 1).collect();
            state
                .set_weights(&hotkey, netuid, &miners, &weights, 0)
                .unwrap();
        }
    }
    // Advance until the block before the next epochs, then bench the epoch block.
    while !state.subnets.iter().any(|(n, s)| {
        *n != 0 && state.globals.height + 1 >= s.last_epoch_block + u64::from(s.hyperparams.tempo)
    }) {
        step(&mut state, &mut timestamp);
    }
    let built = build_block(&state, &genesis.domain, proposer, timestamp + 1000, &[]).unwrap();
    assert_eq!(
        built.outcome.epochs.len(),
        8,
        "all 8 epochs run in the benched block"
    );

    let mut group = c.benchmark_group("runtime::apply_block");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("epochs=8x256", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s: State| {
                apply_block(&mut s, &genesis.domain, black_box(&built.block)).unwrap();
                s
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn parent_votes(c: &mut Criterion) {
    use commonware_codec::Encode;
    use commonware_cryptography::Signer;
    use commonware_cryptography::ed25519::PrivateKey;
    use taonet_runtime::VoteNamespaces;
    use taonet_runtime::build_block_with_votes;
    use taonet_runtime::evidence::{VoteKind, vote_message};
    use taonet_types::evidence::VoteProposal;
    use taonet_types::{ParentVote, ParentVoteKind, ParentVotes};

    const SEATS: usize = 64;
    let keys: Vec<PrivateKey> = (0..SEATS as u64)
        .map(|i| PrivateKey::from_seed(i + 1))
        .collect();
    let hotkeys: Vec<Keypair> = (0..SEATS)
        .map(|i| Keypair::from_seed(&[i as u8 + 1; 32]))
        .collect();
    let spec = ChainSpec {
        chain_id: "bench".into(),
        genesis_timestamp_ms: 0,
        params: ChainParams {
            seat_count: SEATS as u16,
            min_seat_stake: Rao(RAO_PER_TAO),
            ..ChainParams::default()
        },
        balances: vec![],
        validators: keys
            .iter()
            .zip(&hotkeys)
            .map(|(key, hot)| {
                let mut public = [0u8; 32];
                public.copy_from_slice(&key.public_key().encode());
                GenesisValidator {
                    coldkey: Address(hot.account_id()),
                    hotkey: Address(hot.account_id()),
                    stake: Tao(Rao(10_000 * RAO_PER_TAO)),
                    consensus_key: Some(taonet_runtime::genesis::Key32(public)),
                    root: false,
                }
            })
            .collect(),
        subnets: vec![],
    };
    let genesis = spec.build().unwrap();
    // The runtime verifies votes under the namespaces its domain carries (the node supplies
    // the engine's); the bench signs under its own.
    let domain = genesis.domain.clone().with_votes(VoteNamespaces {
        notarize: b"bench/notarize".to_vec(),
        finalize: b"bench/finalize".to_vec(),
        nullify: b"bench/nullify".to_vec(),
    });
    let seats = genesis.state.seats(0).unwrap().clone();
    assert_eq!(seats.seats.len(), SEATS);
    let proposer = seats.seats[0].hotkey;
    // Block 1 (its parent is genesis: no votes), then block 2 carrying every seat's vote.
    let first = build_block(&genesis.state, &domain, proposer, 1_000, &[]).unwrap();
    let mut state = genesis.state.clone();
    apply_block(&mut state, &domain, &first.block).unwrap();
    let parent = first.block.hash();
    let message = vote_message(
        0,
        2,
        Some(&VoteProposal {
            parent: 1,
            payload: parent,
        }),
    );
    let ns = domain.vote_namespace(VoteKind::Notarize).unwrap();
    let votes: Vec<ParentVote> = seats
        .seats
        .iter()
        .enumerate()
        .map(|(i, seat)| {
            let key = keys
                .iter()
                .find(|k| k.public_key().encode().as_ref() == seat.consensus_key)
                .unwrap();
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&key.sign(ns, &message).encode());
            ParentVote {
                seat: i as u16,
                kind: ParentVoteKind::Notarize,
                signature,
            }
        })
        .collect();
    let votes = ParentVotes {
        view: 2,
        parent_view: 1,
        votes,
    };
    let built = build_block_with_votes(&state, &domain, proposer, 2_000, &[], Some(votes)).unwrap();
    assert_eq!(
        built.block.parent_votes.as_ref().unwrap().votes.len(),
        SEATS
    );

    let mut group = c.benchmark_group("runtime::apply_block");
    group.sample_size(20);
    group.bench_function("parent_votes=64", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s: State| {
                apply_block(&mut s, &domain, black_box(&built.block)).unwrap();
                s
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, transfers, epochs, parent_votes);
criterion_main!(benches);
