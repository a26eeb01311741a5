//! Properties over random transaction sequences run through real blocks across many tempos:
//! every invariant holds after every block, issuance stays within the schedule, and an
//! independent node replaying the blocks reaches the same roots.

use proptest::prelude::*;
use taonet_runtime::{ChainSpec, apply_block, invariants};
use taonet_types::{Call, RAO_PER_TAO, Rao};

use crate::support::{Chain, assert_same_state, call, cold, hot, key};

const NAMES: [&str; 4] = ["alice", "bob", "charlie", "dave"];

#[derive(Clone, Debug)]
enum Op {
    Transfer {
        from: usize,
        to: usize,
        rao: u64,
    },
    AddStake {
        who: usize,
        hot: usize,
        rao: u64,
    },
    RemoveStake {
        who: usize,
        hot: usize,
        permille: u64,
    },
    Register {
        who: usize,
        hot: usize,
    },
    RootRegister {
        who: usize,
    },
    SetWeights {
        hot: usize,
        targets: Vec<u16>,
    },
    Take {
        who: usize,
        take: u16,
        up: bool,
    },
    RegisterNetwork {
        who: usize,
    },
    MoveStake {
        who: usize,
        pick: usize,
        to: usize,
        permille: u64,
    },
    TransferStake {
        who: usize,
        pick: usize,
        to: usize,
        permille: u64,
    },
    SwapHotkey {
        who: usize,
        new: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..4usize;
    prop_oneof![
        3 => (who.clone(), 0..6usize, 1..3_000 * RAO_PER_TAO)
            .prop_map(|(from, to, rao)| Op::Transfer { from, to, rao }),
        3 => (who.clone(), 0..4usize, 1..5_000 * RAO_PER_TAO)
            .prop_map(|(who, hot, rao)| Op::AddStake { who, hot, rao }),
        2 => (who.clone(), 0..4usize, 1..=1_000u64)
            .prop_map(|(who, hot, permille)| Op::RemoveStake { who, hot, permille }),
        3 => (who.clone(), 0..4usize).prop_map(|(who, hot)| Op::Register { who, hot }),
        1 => who.clone().prop_map(|who| Op::RootRegister { who }),
        3 => (0..4usize, prop::collection::vec(0..6u16, 1..4))
            .prop_map(|(hot, targets)| Op::SetWeights { hot, targets }),
        1 => (who.clone(), 0..12_000u16, any::<bool>())
            .prop_map(|(who, take, up)| Op::Take { who, take, up }),
        1 => who.clone().prop_map(|who| Op::RegisterNetwork { who }),
        2 => (who.clone(), 0..4usize, 0..4usize, 1..=1_000u64)
            .prop_map(|(who, pick, to, permille)| Op::MoveStake { who, pick, to, permille }),
        2 => (who.clone(), 0..4usize, 0..4usize, 1..=1_000u64)
            .prop_map(|(who, pick, to, permille)| Op::TransferStake { who, pick, to, permille }),
        1 => (who, 20..28u8).prop_map(|(who, new)| Op::SwapHotkey { who, new }),
    ]
}

/// The signer and call of an op (stakes and netuids are read from the current state).
fn to_call(c: &Chain, op: &Op) -> (&'static taonet_crypto::Keypair, Call) {
    let h = |i: usize| hot(NAMES[i]).account_id();
    match op {
        Op::Transfer { from, to, rao } => {
            let dest = if *to < 4 {
                cold(NAMES[*to]).account_id()
            } else {
                key(*to as u8).account_id()
            };
            (cold(NAMES[*from]), call::transfer(dest, Rao(*rao)))
        }
        Op::AddStake { who, hot, rao } => (cold(NAMES[*who]), call::add_stake(h(*hot), Rao(*rao))),
        Op::RemoveStake { who, hot, permille } => {
            // One of the signer's positions when it has any.
            let positions = c.state.stakes_of(&cold(NAMES[*who]).account_id());
            let (hotkey, staked) = positions
                .get(*hot % positions.len().max(1))
                .copied()
                .unwrap_or((h(*hot), Rao::ZERO));
            let amount = (u128::from(staked.0) * u128::from(*permille) / 1_000) as u64;
            (
                cold(NAMES[*who]),
                call::remove_stake(hotkey, Rao(amount.max(1))),
            )
        }
        Op::Register { who, hot } => {
            let n = c.state.subnets.iter().filter(|(n, _)| **n != 0).count() as u16;
            let netuid = 1 + ((*who + *hot) as u16 % n.max(1));
            // Validators' hotkeys by their owners, or fresh miner hotkeys by anyone.
            let (signer, hotkey) = if *who == *hot {
                (cold(NAMES[*hot]), h(*hot))
            } else {
                (cold(NAMES[*who]), key(10 + *hot as u8).account_id())
            };
            (
                signer,
                call::register(netuid, hotkey, Rao(10 * RAO_PER_TAO)),
            )
        }
        Op::RootRegister { who } => (cold(NAMES[*who]), call::root_register(h(*who))),
        Op::SetWeights { hot: i, targets } => {
            let netuid = c
                .state
                .subnets
                .iter()
                .map(|(n, _)| *n)
                .find(|n| *n != 0 && c.state.uid_of(*n, &h(*i)).is_some())
                .unwrap_or(1);
            let n = c.state.subnets.get(&netuid).map_or(1, |s| s.n.max(1));
            let mut uids: Vec<u16> = targets.iter().map(|t| t % n).collect();
            uids.sort_unstable();
            uids.dedup();
            let weights: Vec<u16> = uids.iter().map(|u| 100 + *u * 1_000).collect();
            (
                hot(NAMES[*i]),
                call::set_weights(netuid, &uids, &weights, 0),
            )
        }
        Op::Take { who, take, up } => {
            let c = if *up {
                call::increase_take(h(*who), *take)
            } else {
                call::decrease_take(h(*who), *take)
            };
            (cold(NAMES[*who]), c)
        }
        Op::RegisterNetwork { who } => (cold(NAMES[*who]), call::register_network(h(*who))),
        Op::MoveStake {
            who,
            pick,
            to,
            permille,
        } => {
            let (hotkey, amount) = position(c, *who, *pick, *permille);
            // To another dev hotkey, or to whatever the first owned hotkey of `to` is now.
            let owned = c.state.hotkeys_of(&cold(NAMES[*to]).account_id());
            let dest = owned.first().copied().unwrap_or(h(*to));
            (cold(NAMES[*who]), call::move_stake(hotkey, dest, amount))
        }
        Op::TransferStake {
            who,
            pick,
            to,
            permille,
        } => {
            let (hotkey, amount) = position(c, *who, *pick, *permille);
            let dest = cold(NAMES[*to]).account_id();
            (
                cold(NAMES[*who]),
                call::transfer_stake(hotkey, dest, amount),
            )
        }
        Op::SwapHotkey { who, new } => {
            let owned = c.state.hotkeys_of(&cold(NAMES[*who]).account_id());
            let old = owned.first().copied().unwrap_or(h(*who));
            (
                cold(NAMES[*who]),
                call::swap_hotkey(old, key(*new).account_id()),
            )
        }
    }
}

/// One of `who`'s stake positions (by `pick`) and `permille` of it (at least 1 rao).
fn position(c: &Chain, who: usize, pick: usize, permille: u64) -> (taonet_types::AccountId, Rao) {
    let positions = c.state.stakes_of(&cold(NAMES[who]).account_id());
    let (hotkey, staked) = positions
        .get(pick % positions.len().max(1))
        .copied()
        .unwrap_or((hot(NAMES[who]).account_id(), Rao::ZERO));
    let amount = (u128::from(staked.0) * u128::from(permille) / 1_000) as u64;
    (hotkey, Rao(amount.max(1)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn invariants_schedule_and_determinism_hold(
        steps in prop::collection::vec(
            (prop::collection::vec(op(), 0..4), 0..6u64),
            4..14,
        )
    ) {
        let spec = ChainSpec::dev(&[]);
        let mut c = Chain::new(&spec);
        // Every dev coldkey owns its hotkey (alice's already owns subnet 1's owner hotkey).
        let setup: Vec<_> = NAMES[1..]
            .iter()
            .map(|n| (cold(n), call::associate(hot(n).account_id())))
            .collect();
        let txs = c.txs(&setup);
        c.block(&txs);
        let genesis_issuance = c.genesis.globals.total_issuance.0;
        let mut rejected = 0usize;
        for (ops, idle) in &steps {
            // Build this block's transactions against the current state.
            let calls: Vec<_> = ops.iter().map(|o| to_call(&c, o)).collect();
            let refs: Vec<_> = calls.iter().map(|(k, call)| (*k, call.clone())).collect();
            let txs = c.txs(&refs);
            let (_, left_out) = c.try_block(&txs);
            // Only free calls (rate limits) may be left out; a skipped tx shifts the
            // signer's later nonces, which are left out too.
            rejected += left_out.len();
            for _ in 0..*idle {
                c.block(&[]);
            }
            let g = &c.state.globals;
            invariants::check(&c.state).map_err(TestCaseError::fail)?;
            // Issuance (with what is pending and what was burned) never outgrows the block
            // reward of 1 TAO per block since genesis.
            let grown = u128::from(g.total_issuance.0)
                + u128::from(g.total_pending_emission.0)
                + u128::from(g.total_burned.0);
            prop_assert!(
                grown <= u128::from(genesis_issuance) + u128::from(g.height) * u128::from(RAO_PER_TAO)
            );
            prop_assert!(g.total_issuance.0 >= g.total_stake.0);
        }
        prop_assert!(rejected <= steps.iter().map(|(o, _)| o.len()).sum::<usize>());
        // An independent node replays every block from its own genesis.
        let g = spec.build().unwrap();
        let mut s = g.state;
        for block in &c.blocks {
            let out = apply_block(&mut s, &g.domain, block).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(out.state_root, block.state_root);
        }
        assert_same_state(&s, &c.state);
    }
}

// ----- derived indexes (stakes by coldkey, hotkeys by owner / consensus key, unbonding by
// hotkey) against a rebuild, over random state-level sequences -----

#[derive(Clone, Debug)]
enum IndexOp {
    Associate {
        cold: u8,
        hot: u8,
    },
    Stake {
        cold: u8,
        hot: u8,
        tao: u64,
    },
    Unstake {
        cold: u8,
        pick: usize,
        permille: u64,
    },
    Slash {
        hot: u8,
        ppb: u32,
    },
    RegisterKey {
        cold: u8,
        hot: u8,
        key: u8,
    },
    Vote {
        cold: u8,
        kind: u8,
    },
    Unvote {
        cold: u8,
    },
    Move {
        cold: u8,
        pick: usize,
        to: u8,
        permille: u64,
    },
    Swap {
        cold: u8,
        pick: usize,
        new: u8,
    },
}

fn index_op() -> impl Strategy<Value = IndexOp> {
    prop_oneof![
        3 => (0..6u8, 0..8u8).prop_map(|(cold, hot)| IndexOp::Associate { cold, hot }),
        5 => (0..6u8, 0..8u8, 1..50u64).prop_map(|(cold, hot, tao)| IndexOp::Stake { cold, hot, tao }),
        3 => (0..6u8, 0..8usize, 1..=1_000u64)
            .prop_map(|(cold, pick, permille)| IndexOp::Unstake { cold, pick, permille }),
        1 => (0..8u8, 0..=1_000_000_000u32).prop_map(|(hot, ppb)| IndexOp::Slash { hot, ppb }),
        2 => (0..6u8, 0..8u8, 0..4u8).prop_map(|(cold, hot, key)| IndexOp::RegisterKey { cold, hot, key }),
        2 => (0..6u8, 0..3u8).prop_map(|(cold, kind)| IndexOp::Vote { cold, kind }),
        1 => (0..6u8).prop_map(|cold| IndexOp::Unvote { cold }),
        3 => (0..6u8, 0..8usize, 0..8u8, 1..=1_000u64)
            .prop_map(|(cold, pick, to, permille)| IndexOp::Move { cold, pick, to, permille }),
        1 => (0..6u8, 0..8usize, 8..16u8).prop_map(|(cold, pick, new)| IndexOp::Swap { cold, pick, new }),
    ]
}

fn cold_id(i: u8) -> taonet_types::AccountId {
    taonet_types::AccountId([0x10 + i; 32])
}

fn hot_id(i: u8) -> taonet_types::AccountId {
    taonet_types::AccountId([0x80 + i; 32])
}

/// The governance weights by the per-position rule, by a scan of every stake (the
/// definition the indexed tally must reproduce).
fn scanned_vote_weights(
    state: &taonet_runtime::State,
    proposal: u64,
) -> Vec<(taonet_types::AccountId, u64)> {
    use std::collections::BTreeMap;
    let votes: BTreeMap<_, _> = state.votes_on(proposal).into_iter().collect();
    let mut weight: BTreeMap<taonet_types::AccountId, u128> = BTreeMap::new();
    for ((hotkey, coldkey), amount) in state.stakes.iter() {
        let voter = if votes.contains_key(coldkey) {
            Some(*coldkey)
        } else {
            state
                .hotkey_owner(hotkey)
                .filter(|owner| votes.contains_key(owner))
        };
        if let Some(v) = voter {
            *weight.entry(v).or_default() += u128::from(amount.0);
        }
    }
    votes
        .keys()
        .map(|who| (*who, weight.get(who).copied().unwrap_or(0) as u64))
        .collect()
}

fn apply_index_op(state: &mut taonet_runtime::State, op: &IndexOp, n: u64) {
    use taonet_types::gov::{VoteKind, VoteRecord};
    match op {
        IndexOp::Associate { cold, hot } => {
            let _ = state.associate_hotkey(&cold_id(*cold), &hot_id(*hot));
        }
        IndexOp::Stake { cold, hot, tao } => {
            let amount = Rao(tao * RAO_PER_TAO);
            state.credit(&cold_id(*cold), amount).unwrap();
            state.mint_issuance(amount).unwrap();
            let _ = state.add_stake(&cold_id(*cold), &hot_id(*hot), amount);
        }
        IndexOp::Unstake {
            cold,
            pick,
            permille,
        } => {
            let positions = state.stakes_of(&cold_id(*cold));
            if let Some((hotkey, staked)) = positions.get(pick % positions.len().max(1)) {
                let amount = (u128::from(staked.0) * u128::from(*permille) / 1_000) as u64;
                let _ = state.remove_stake(&cold_id(*cold), hotkey, Rao(amount.max(1)));
            }
        }
        IndexOp::Slash { hot, ppb } => {
            let height = state.globals.height;
            let id = taonet_types::Hash::digest(&n.to_le_bytes());
            let _ = state.slash(&hot_id(*hot), id, *ppb, height);
        }
        IndexOp::RegisterKey { cold, hot, key } => {
            let _ = state.register_consensus_key(&cold_id(*cold), &hot_id(*hot), [key + 1; 32]);
        }
        IndexOp::Vote { cold, kind } => {
            let vote = [VoteKind::Aye, VoteKind::Nay, VoteKind::Abstain][usize::from(*kind)];
            state
                .votes
                .insert((0, cold_id(*cold)), VoteRecord { vote, block: 0 });
        }
        IndexOp::Unvote { cold } => {
            state.votes.remove(&(0, cold_id(*cold)));
        }
        IndexOp::Move {
            cold,
            pick,
            to,
            permille,
        } => {
            let positions = state.stakes_of(&cold_id(*cold));
            if let Some((hotkey, staked)) = positions.get(pick % positions.len().max(1)) {
                let amount = (u128::from(staked.0) * u128::from(*permille) / 1_000) as u64;
                let _ =
                    state.move_stake(&cold_id(*cold), n, hotkey, &hot_id(*to), Rao(amount.max(1)));
            }
        }
        IndexOp::Swap { cold, pick, new } => {
            let owned = state.hotkeys_of(&cold_id(*cold));
            if let Some(old) = owned.get(pick % owned.len().max(1)) {
                let _ = state.swap_hotkey(&cold_id(*cold), old, &hot_id(*new));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random stake / unstake / associate / slash / key sequences keep every derived index
    /// equal to a rebuild, and the indexed queries (positions of a coldkey, voting weight,
    /// the governance tally) equal their whole-state scans; a state restored from its
    /// records rebuilds the same indexes.
    #[test]
    fn indexes_equal_a_rebuild(ops in prop::collection::vec(index_op(), 1..80)) {
        let mut state = ChainSpec::dev(&[]).build().unwrap().state;
        for (n, op) in ops.iter().enumerate() {
            apply_index_op(&mut state, op, n as u64);
            if let Err(e) = invariants::check(&state) {
                prop_assert!(false, "after {op:?}: {e}");
            }
            for c in 0..6u8 {
                let coldkey = cold_id(c);
                let scanned: Vec<_> = state
                    .stakes
                    .iter()
                    .filter(|((_, owner), _)| *owner == coldkey)
                    .map(|((h, _), a)| (*h, *a))
                    .collect();
                prop_assert_eq!(state.stakes_of(&coldkey), scanned);
                let weight = state.stakes.iter().any(|((h, k), a)| {
                    a.0 > 0 && (*k == coldkey || state.hotkey_owner(h) == Some(coldkey))
                });
                prop_assert_eq!(state.has_voting_weight(&coldkey), weight);
            }
            let indexed: Vec<_> = state
                .gov_vote_weights(0)
                .into_iter()
                .map(|(who, _, w)| (who, w.0))
                .collect();
            prop_assert_eq!(indexed, scanned_vote_weights(&state, 0));
        }
        let root = state.commit_root();
        let records = state.all_records();
        let restored = taonet_runtime::State::from_records(
            records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
            state.head,
        )
        .unwrap();
        prop_assert_eq!(restored.root(), root);
        prop_assert!(invariants::check_indexes(&restored).is_ok());
        for c in 0..6u8 {
            prop_assert_eq!(restored.stakes_of(&cold_id(c)), state.stakes_of(&cold_id(c)));
        }
        prop_assert_eq!(restored.registered_nodes(usize::MAX), state.registered_nodes(usize::MAX));
    }
}
