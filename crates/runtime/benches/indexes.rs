//! Transaction cost against state size (the derived indexes of `runtime::state::Indexes`):
//! `runtime::indexes/<op>/positions=<n>` applies a batch of 100 calls of one kind — through
//! the state methods the dispatcher calls (`governance.vote`, `governance.propose`,
//! `consensus.register_consensus_key`, `staking.add_stake`), signatures and fees left out —
//! to a state of `n` stake positions (10 per coldkey, over `n / 10` hotkeys), for `n` =
//! 10,000 and 1,000,000. Also `gov_tally` (100 voters) and, for comparison, a whole-map scan
//! of the stakes (what `stakes_of` cost before the coldkey index).
//!
//! The states are built by direct method calls (no blocks, no roots), so the setup stays
//! within seconds even at 1,000,000 positions.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use taonet_runtime::State;
use taonet_types::gov::{ProposalAction, VoteKind};
use taonet_types::{AccountId, ChainParams, RAO_PER_TAO, Rao};

const PER_COLDKEY: usize = 10;
const BATCH: usize = 100;

fn id(tag: u8, i: usize) -> AccountId {
    let mut b = [tag; 32];
    b[..8].copy_from_slice(&(i as u64).to_be_bytes());
    AccountId(b)
}

fn coldkey(i: usize) -> AccountId {
    id(0xc0, i)
}

fn owner(i: usize) -> AccountId {
    id(0x0e, i)
}

fn hotkey(i: usize) -> AccountId {
    id(0x40, i)
}

/// `positions` stake positions: `positions / 10` hotkeys (each with its own owner, half of
/// them with a consensus key) and `positions / 10` coldkeys staking on 10 hotkeys each.
fn build(positions: usize) -> State {
    let hotkeys = positions / PER_COLDKEY;
    let params = ChainParams {
        gov_min_proposer_stake: Rao(1),
        gov_max_active_proposals: u16::MAX,
        ..ChainParams::default()
    };
    let mut s = State::new(params);
    for h in 0..hotkeys {
        s.associate_hotkey(&owner(h), &hotkey(h)).unwrap();
        if h % 2 == 0 {
            let mut key = [0x11u8; 32];
            key[..8].copy_from_slice(&(h as u64).to_be_bytes());
            s.register_consensus_key(&owner(h), &hotkey(h), key)
                .unwrap();
        }
    }
    let stride = hotkeys / PER_COLDKEY;
    for c in 0..hotkeys {
        for j in 0..PER_COLDKEY {
            let h = (c + j * stride) % hotkeys;
            s.increase_stake(&hotkey(h), &coldkey(c), Rao(RAO_PER_TAO + c as u64))
                .unwrap();
        }
    }
    // The batch signers (spread over the key space) get free balance for deposits / stakes.
    for k in 0..BATCH {
        let c = signer(k, hotkeys);
        s.credit(&coldkey(c), Rao(10_000 * RAO_PER_TAO)).unwrap();
    }
    // One proposal to vote on.
    s.credit(&coldkey(0), Rao(10_000 * RAO_PER_TAO)).unwrap();
    s.propose(&coldkey(0), &ProposalAction::Text, "bench")
        .unwrap();
    assert_eq!(s.stakes.len(), positions);
    s
}

fn signer(k: usize, hotkeys: usize) -> usize {
    (k * 7919 + 1) % hotkeys
}

/// `BATCH` calls of `f` on a fresh O(1) clone of `state`.
fn run_batch(b: &mut criterion::Bencher, state: &State, f: impl Fn(&mut State, usize)) {
    b.iter_batched(
        || state.clone(),
        |mut s| {
            for k in 0..BATCH {
                f(&mut s, k);
            }
            s
        },
        BatchSize::LargeInput,
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("runtime::indexes");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for positions in [10_000usize, 1_000_000] {
        let started = std::time::Instant::now();
        let state = build(positions);
        eprintln!(
            "built a state of {positions} positions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let hotkeys = positions / PER_COLDKEY;
        g.bench_function(
            BenchmarkId::new("vote_x100", format!("positions={positions}")),
            |b| {
                run_batch(b, &state, |s, k| {
                    s.vote(&coldkey(signer(k, hotkeys)), 0, VoteKind::Aye)
                        .unwrap()
                })
            },
        );
        g.bench_function(
            BenchmarkId::new("propose_x100", format!("positions={positions}")),
            |b| {
                run_batch(b, &state, |s, k| {
                    s.propose(&coldkey(signer(k, hotkeys)), &ProposalAction::Text, "b")
                        .unwrap();
                })
            },
        );
        g.bench_function(
            BenchmarkId::new(
                "register_consensus_key_x100",
                format!("positions={positions}"),
            ),
            |b| {
                run_batch(b, &state, |s, k| {
                    let h = signer(k, hotkeys) | 1;
                    let mut key = [0x22u8; 32];
                    key[..8].copy_from_slice(&(k as u64).to_be_bytes());
                    s.register_consensus_key(&owner(h), &hotkey(h), key)
                        .unwrap()
                })
            },
        );
        g.bench_function(
            BenchmarkId::new("add_stake_x100", format!("positions={positions}")),
            |b| {
                run_batch(b, &state, |s, k| {
                    let c = signer(k, hotkeys);
                    s.add_stake(&coldkey(c), &hotkey((c + 3) % hotkeys), Rao(RAO_PER_TAO))
                        .unwrap()
                })
            },
        );
        let mut voted = state.clone();
        for k in 0..BATCH {
            voted
                .vote(&coldkey(signer(k, hotkeys)), 0, VoteKind::Nay)
                .unwrap();
            voted
                .vote(&owner(signer(k, hotkeys)), 0, VoteKind::Aye)
                .unwrap();
        }
        g.bench_function(
            BenchmarkId::new("gov_tally_200_voters", format!("positions={positions}")),
            |b| b.iter(|| black_box(voted.gov_tally(0))),
        );
        g.bench_function(
            BenchmarkId::new("stakes_of_scan_x1", format!("positions={positions}")),
            |b| {
                let who = coldkey(signer(0, hotkeys));
                b.iter(|| black_box(state.stakes.iter().filter(|((_, c), _)| *c == who).count()))
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
