//! Emission over several tempos: the owner, miners, validators and nominators each get
//! exactly their share; take changes apply to the next epoch; subnets split the block reward.

use taonet_runtime::emission::consensus_shares;
use taonet_runtime::{BlockOutcome, State};
use taonet_types::{AccountId, Rao};

use crate::support::{Chain, call, cold, hot, tao};

const OWNER_CUT: u128 = 11_796;
const U16: u128 = 65_535;

/// Subnet 1 (tempo 10, epochs at blocks 10, 20, …) with validator bob (uid 1) nominated by
/// charlie and dave, and miner eve (uid 2). The validator weights the miner from block 11.
fn scenario() -> Chain {
    let mut c = Chain::dev();
    let (bob, charlie, dave, eve) = (cold("bob"), cold("charlie"), cold("dave"), cold("eve"));
    let v = hot("bob").account_id();
    let txs = c.txs(&[
        (bob, call::register(1, v, tao(1))),
        (bob, call::add_stake(v, tao(100))),
        (charlie, call::add_stake(v, tao(300))),
        (dave, call::add_stake(v, Rao(7_000_000_007))),
        (eve, call::register(1, hot("eve").account_id(), tao(1))),
    ]);
    let out = c.block(&txs);
    assert!(
        out.receipts.iter().all(|r| r.success()),
        "{:?}",
        out.receipts
    );
    c.advance_to(10);
    assert!(c.state.neurons.get(&(1, 1)).unwrap().validator_permit);
    c.ok(hot("bob"), call::set_weights(1, &[2], &[65_535], 0));
    assert_eq!(c.height(), 11);
    c
}

fn stake_of(s: &State, hotkey: &AccountId, coldkey: &AccountId) -> u128 {
    u128::from(s.stake(hotkey, coldkey).0)
}

/// Runs to the next epoch of subnet 1 and checks every payout against the rules.
fn check_next_epoch(c: &mut Chain, take: u16) {
    let next = c.state.subnets.get(&1).unwrap().last_epoch_block + 10;
    c.advance_to(next - 1);
    let before = c.state.clone();
    let out: BlockOutcome = c.block(&[]);
    let after = &c.state;
    assert_eq!(out.epochs.len(), 1);
    let e = &out.epochs[0];
    assert_eq!(e.netuid, 1);
    // The only subnet has the whole share: ten blocks of 1 TAO.
    assert_eq!(e.pending, tao(10));
    let p = u128::from(e.pending.0);

    // Owner: ⌊P · 11796 / 65535⌋ to the owner coldkey's free balance.
    let cut = p * OWNER_CUT / U16;
    assert_eq!(u128::from(e.owner_cut.0), cut);
    let alice = cold("alice").account_id();
    assert_eq!(
        u128::from(after.free(&alice).0) - u128::from(before.free(&alice).0),
        cut
    );

    // Miners and validators split the rest 50/50 (up to Yuma's rounding).
    let rest = p - cut;
    let (miners, validators) = (u128::from(e.miners.0), u128::from(e.validators.0));
    assert!(miners + validators <= rest);
    assert!(rest - (miners + validators) <= 4, "rounding only");
    assert!(miners.abs_diff(rest / 2) <= 2, "{miners} vs {rest}");

    // The miner's incentive is staked for its owner on the miner hotkey.
    let (m, eve) = (hot("eve").account_id(), cold("eve").account_id());
    assert_eq!(
        stake_of(after, &m, &eve) - stake_of(&before, &m, &eve),
        miners
    );

    // The validator: take to the owner, the rest pro rata (floored), dust to the owner.
    let v = hot("bob").account_id();
    assert_eq!(after.hotkeys.get(&v).unwrap().take, take);
    let d = validators;
    let take_amount = d * u128::from(take) / U16;
    let to_stakers = d - take_amount;
    let bob = cold("bob").account_id();
    let total = u128::from(before.total_hotkey_stake(&v).0);
    let mut floors = 0;
    for who in ["charlie", "dave"] {
        let ck = cold(who).account_id();
        let share = to_stakers * stake_of(&before, &v, &ck) / total;
        floors += share;
        assert_eq!(
            stake_of(after, &v, &ck) - stake_of(&before, &v, &ck),
            share,
            "{who}"
        );
    }
    let bob_share = to_stakers * stake_of(&before, &v, &bob) / total;
    floors += bob_share;
    let dust = to_stakers - floors;
    assert!(dust < 3);
    assert_eq!(
        stake_of(after, &v, &bob) - stake_of(&before, &v, &bob),
        take_amount + bob_share + dust
    );

    // Issuance grows by exactly what was paid; the rest of P is never issued.
    assert_eq!(
        u128::from(after.globals.total_issuance.0) - u128::from(before.globals.total_issuance.0),
        cut + miners + validators
    );
    assert_eq!(after.subnets.get(&1).unwrap().pending_emission, Rao::ZERO);
    assert_eq!(after.globals.total_pending_emission, Rao::ZERO);
    // Nobody else moved.
    for who in ["alice", "ferdie", "grace"] {
        let ck = cold(who).account_id();
        if who != "alice" {
            assert_eq!(after.free(&ck), before.free(&ck));
        }
        assert!(after.stakes_of(&ck).is_empty());
    }
}

#[test]
fn an_epoch_pays_owner_miner_validator_and_nominators_exactly() {
    let mut c = scenario();
    check_next_epoch(&mut c, 11_796);
    assert_eq!(c.height(), 20);
    check_next_epoch(&mut c, 11_796);
    check_next_epoch(&mut c, 11_796);
}

#[test]
fn take_changes_apply_from_the_next_epoch() {
    let mut c = scenario();
    let v = hot("bob").account_id();
    c.ok(cold("bob"), call::decrease_take(v, 0));
    check_next_epoch(&mut c, 0);
    c.ok(cold("bob"), call::increase_take(v, 5_000));
    // A second increase within the rate limit fails and leaves the take.
    assert!(
        !c.submit(cold("bob"), call::increase_take(v, 6_000))
            .success()
    );
    check_next_epoch(&mut c, 5_000);
    check_next_epoch(&mut c, 5_000);
}

#[test]
fn unstaked_nominators_stop_earning_at_once() {
    let mut c = scenario();
    let v = hot("bob").account_id();
    let charlie = cold("charlie");
    let all = c.state.stake(&v, &charlie.account_id());
    assert!(all > tao(300), "the first epoch paid charlie too");
    c.ok(charlie, call::remove_stake(v, all));
    check_next_epoch(&mut c, 11_796);
    assert_eq!(c.state.stake(&v, &charlie.account_id()), Rao::ZERO);
    assert_eq!(c.state.unbonding_of(&charlie.account_id())[0].1.amount, all);
}

#[test]
fn subnets_split_the_block_reward_by_share() {
    let mut c = Chain::dev();
    c.ok(cold("bob"), call::register_network(hot("bob").account_id()));
    let (s1, s2) = (
        c.state.subnets.get(&1).unwrap().emission_share,
        c.state.subnets.get(&2).unwrap().emission_share,
    );
    assert_eq!(u128::from(s1) + u128::from(s2), u128::from(u64::MAX));
    let reward = 1_000_000_000u128;
    let a1 = reward * u128::from(s1) / u128::from(u64::MAX);
    let a2 = reward * u128::from(s2) / u128::from(u64::MAX);
    assert_eq!((a1, a2), (500_000_000, 499_999_999));
    for _ in 0..3 {
        let p1 = c.state.subnets.get(&1).unwrap().pending_emission.0;
        let p2 = c.state.subnets.get(&2).unwrap().pending_emission.0;
        let out = c.block(&[]);
        assert_eq!(u128::from(out.accrued.0), a1 + a2);
        if out.epochs.is_empty() {
            assert_eq!(
                u128::from(c.state.subnets.get(&1).unwrap().pending_emission.0 - p1),
                a1
            );
            assert_eq!(
                u128::from(c.state.subnets.get(&2).unwrap().pending_emission.0 - p2),
                a2
            );
        }
    }
}

#[test]
fn root_consensus_shares_with_real_stakes() {
    // 10,000 TAO per member: ranks exceed 2^64.
    let stake = [tao(10_000).0, tao(10_000).0, tao(10_000).0];
    let rows = vec![vec![(0, 65535)], vec![(0, 65535)], vec![(1, 65535)]];
    let shares = consensus_shares(&stake, &rows, 2, 32_767).unwrap();
    assert_eq!(shares, vec![u64::MAX, 0]);
    let rows = vec![
        vec![(0, 65535), (1, 65535)],
        vec![(0, 65535), (1, 65535)],
        vec![(0, 65535), (1, 65535)],
    ];
    let shares = consensus_shares(&stake, &rows, 2, 32_767).unwrap();
    assert_eq!(shares, vec![u64::MAX / 2, u64::MAX / 2]);
}
