//! Staking: hotkey association, stake, unstake with the unbonding cooldown, take changes.

use taonet_runtime::error::{DispatchError, StakingError};
use taonet_types::tx::StakingCall;
use taonet_types::{AccountId, Call, ChainDomain, Rao};

use crate::support::{Chain, add, call, cold, hot, key, minted, sub, tao, with_proofs};

fn err(e: StakingError) -> Result<(), DispatchError> {
    Err(DispatchError::Staking(e))
}

#[test]
fn associate_hotkey_claims_once() {
    let mut c = Chain::dev();
    let (bob, charlie) = (cold("bob"), cold("charlie"));
    let h = hot("bob").account_id();
    c.ok(bob, call::associate(h));
    assert_eq!(c.state.hotkey_owner(&h), Some(bob.account_id()));
    let info = c.state.hotkeys.get(&h).unwrap();
    assert_eq!(info.take, c.state.params().default_take);
    assert_eq!(
        c.submit(bob, call::associate(h)).result,
        err(StakingError::AlreadyAssociated(h))
    );
    assert_eq!(
        c.submit(charlie, call::associate(h)).result,
        err(StakingError::NotHotkeyOwner(h))
    );
    assert_eq!(c.state.hotkey_owner(&h), Some(bob.account_id()));
}

/// The squatting attack: claiming a hotkey one does not hold, with a forged proof or with a
/// proof its holder made for another coldkey (or another chain), is refused; its holder can
/// still claim it afterwards.
#[test]
fn associating_a_hotkey_needs_its_signature() {
    let mut c = Chain::dev();
    let (charlie, dave) = (cold("charlie"), cold("dave"));
    let h = hot("dave").account_id();
    let claim = |proof: [u8; 64]| Call::Staking(StakingCall::AssociateHotkey { hotkey: h, proof });
    assert_eq!(
        c.submit(charlie, claim([7; 64])).result,
        err(StakingError::InvalidOwnershipProof(h))
    );
    let proof_of = |domain: &ChainDomain, coldkey: &AccountId| match with_proofs(
        domain,
        coldkey,
        call::associate(h),
    ) {
        Call::Staking(StakingCall::AssociateHotkey { proof, .. }) => proof,
        other => panic!("{other:?}"),
    };
    // Dave's hotkey signed for dave's coldkey: worthless to charlie.
    let for_dave = proof_of(&c.domain, &dave.account_id());
    assert_eq!(
        c.submit(charlie, claim(for_dave)).result,
        err(StakingError::InvalidOwnershipProof(h))
    );
    // Signed for charlie, but on another chain.
    let mut other = c.domain.clone();
    other.genesis_hash = taonet_types::Hash([9; 32]);
    let foreign = proof_of(&other, &charlie.account_id());
    assert_eq!(
        c.submit(charlie, claim(foreign)).result,
        err(StakingError::InvalidOwnershipProof(h))
    );
    assert_eq!(c.state.hotkey_owner(&h), None);
    c.ok(dave, claim(for_dave));
    assert_eq!(c.state.hotkey_owner(&h), Some(dave.account_id()));
}

#[test]
fn add_stake_errors() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let h = hot("bob").account_id();
    assert_eq!(
        c.submit(bob, call::add_stake(h, tao(1))).result,
        err(StakingError::HotkeyNotFound(h))
    );
    c.ok(bob, call::associate(h));
    let min = c.state.params().min_stake;
    assert_eq!(
        c.submit(bob, call::add_stake(h, Rao(min.0 - 1))).result,
        err(StakingError::AmountTooLow {
            amount: Rao(min.0 - 1),
            minimum: min,
        })
    );
    let free = c.free(bob);
    let r = c.submit(bob, call::add_stake(h, free));
    assert_eq!(
        r.result,
        err(StakingError::InsufficientBalance {
            needed: free,
            available: sub(free, r.fee),
        })
    );
    assert_eq!(c.state.total_hotkey_stake(&h), Rao::ZERO);
    assert_eq!(c.state.globals.total_stake, Rao::ZERO);
}

#[test]
fn nominators_stake_on_an_owned_hotkey() {
    let mut c = Chain::dev();
    let (bob, charlie) = (cold("bob"), cold("charlie"));
    let h = hot("bob").account_id();
    c.ok(bob, call::associate(h));
    let issuance = c.state.globals.total_issuance;
    let before = c.free(charlie);
    let r1 = c.ok(bob, call::add_stake(h, tao(10)));
    let r2 = c.ok(charlie, call::add_stake(h, tao(30)));
    assert_eq!(c.free(charlie), sub(sub(before, tao(30)), r2.fee));
    assert!(r1.success());
    assert_eq!(c.stake(hot("bob"), bob), tao(10));
    assert_eq!(c.stake(hot("bob"), charlie), tao(30));
    assert_eq!(c.state.total_hotkey_stake(&h), tao(40));
    assert_eq!(c.state.globals.total_stake, tao(40));
    assert_eq!(c.state.nominators_of(&h), {
        let mut v = vec![(bob.account_id(), tao(10)), (charlie.account_id(), tao(30))];
        v.sort();
        v
    });
    assert_eq!(c.state.stakes_of(&charlie.account_id()), vec![(h, tao(30))]);
    assert_eq!(
        c.state.globals.total_issuance, issuance,
        "staking moves, never mints"
    );
}

#[test]
fn remove_stake_errors() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let h = hot("bob").account_id();
    c.ok(bob, call::associate(h));
    c.ok(bob, call::add_stake(h, tao(1)));
    assert_eq!(
        c.submit(bob, call::remove_stake(h, add(tao(1), Rao(1))))
            .result,
        err(StakingError::InsufficientStake {
            requested: add(tao(1), Rao(1)),
            staked: tao(1),
        })
    );
    assert_eq!(
        c.submit(bob, call::remove_stake(h, Rao::ZERO)).result,
        err(StakingError::InsufficientStake {
            requested: Rao::ZERO,
            staked: tao(1),
        })
    );
    let min = c.state.params().min_stake;
    assert_eq!(
        c.submit(bob, call::remove_stake(h, Rao(1))).result,
        err(StakingError::AmountTooLow {
            amount: Rao(1),
            minimum: min,
        })
    );
    // Someone without a position.
    assert_eq!(
        c.submit(cold("dave"), call::remove_stake(h, min)).result,
        err(StakingError::InsufficientStake {
            requested: min,
            staked: Rao::ZERO,
        })
    );
    // A whole position below the minimum may leave.
    c.ok(bob, call::remove_stake(h, sub(tao(1), Rao(1_000))));
    c.ok(bob, call::remove_stake(h, Rao(1_000)));
    assert_eq!(c.stake(hot("bob"), bob), Rao::ZERO);
    assert!(c.state.stakes.is_empty());
    assert!(c.state.hotkey_stake.is_empty());
}

#[test]
fn unbonding_pays_out_exactly_after_the_cooldown() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let h = hot("bob").account_id();
    c.ok(bob, call::associate(h));
    c.ok(bob, call::add_stake(h, tao(50)));
    let free_before = c.free(bob);
    let issuance = c.state.globals.total_issuance;
    let r = c.ok(bob, call::remove_stake(h, tao(20)));
    let start = c.height();
    let release = start + c.state.params().unbonding_period;
    assert_eq!(release, start + 20);
    // Out of the stake at once, not yet in the free balance.
    assert_eq!(c.stake(hot("bob"), bob), tao(30));
    assert_eq!(c.free(bob), sub(free_before, r.fee));
    assert_eq!(c.state.globals.total_unbonding, tao(20));
    let entries = c.state.unbonding_of(&bob.account_id());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, release);
    assert_eq!(entries[0].1.amount, tao(20));
    assert_eq!(entries[0].1.hotkey, h);
    assert_eq!(entries[0].1.started_at, start);
    // A second unstake a few blocks later has its own release.
    let between = c.advance(3);
    assert_eq!(minted(&between), Rao::ZERO);
    let r2 = c.ok(bob, call::remove_stake(h, tao(5)));
    let release2 = c.height() + 20;
    assert_eq!(c.state.globals.total_unbonding, tao(25));
    let fees = add(r.fee, r2.fee);

    let mut outs = c.advance_to(release - 1);
    assert_eq!(
        c.free(bob),
        sub(free_before, fees),
        "nothing before the cooldown"
    );
    let out = c.block(&[]);
    outs.push(out.clone());
    assert_eq!(c.height(), release);
    assert_eq!(out.unbonded, tao(20));
    assert_eq!(c.free(bob), sub(add(free_before, tao(20)), fees));
    assert_eq!(c.state.globals.total_unbonding, tao(5));
    assert_eq!(c.state.unbonding_of(&bob.account_id()).len(), 1);

    outs.extend(c.advance_to(release2 - 1));
    assert_eq!(c.state.globals.total_unbonding, tao(5));
    let out = c.block(&[]);
    outs.push(out.clone());
    assert_eq!(out.unbonded, tao(5));
    assert_eq!(c.free(bob), sub(add(free_before, tao(25)), fees));
    assert_eq!(c.state.globals.total_unbonding, Rao::ZERO);
    assert!(c.state.unbonding_of(&bob.account_id()).is_empty());
    // Issuance grew by what the subnet epochs paid (of the blocks after the first unstake;
    // the three blocks in between had no epoch), never by the unbonded amounts.
    assert_eq!(
        c.state.globals.total_issuance,
        add(issuance, minted(&outs)),
        "unbonding never mints"
    );
}

#[test]
fn take_errors_and_rate_limit() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let h = hot("bob").account_id();
    let stranger = key(7).account_id();
    assert_eq!(
        c.submit(bob, call::decrease_take(stranger, 1)).result,
        err(StakingError::HotkeyNotFound(stranger))
    );
    c.ok(bob, call::associate(h));
    assert_eq!(
        c.submit(cold("charlie"), call::decrease_take(h, 1)).result,
        err(StakingError::NotHotkeyOwner(h))
    );
    assert_eq!(
        c.submit(cold("charlie"), call::increase_take(h, 11_796))
            .result,
        err(StakingError::NotHotkeyOwner(h))
    );
    let p = c.state.params().clone();
    assert_eq!(p.default_take, 11_796);
    assert_eq!(
        c.submit(bob, call::decrease_take(h, 11_796)).result,
        err(StakingError::TakeNotChanged {
            requested: 11_796,
            current: 11_796,
            direction: "lower",
        })
    );
    assert_eq!(
        c.submit(bob, call::increase_take(h, 11_796)).result,
        err(StakingError::TakeNotChanged {
            requested: 11_796,
            current: 11_796,
            direction: "higher",
        })
    );
    assert_eq!(
        c.submit(bob, call::increase_take(h, 11_797)).result,
        err(StakingError::TakeOutOfBounds {
            take: 11_797,
            min: p.min_take,
            max: p.max_take,
        })
    );
    // Decreases take effect at once and are not rate-limited.
    c.ok(bob, call::decrease_take(h, 5_000));
    c.ok(bob, call::decrease_take(h, 4_000));
    assert_eq!(c.state.hotkeys.get(&h).unwrap().take, 4_000);
    // The first increase is allowed at once; the next waits take_increase_rate_limit blocks.
    c.ok(bob, call::increase_take(h, 6_000));
    let at = c.height();
    assert_eq!(c.state.hotkeys.get(&h).unwrap().take, 6_000);
    assert_eq!(
        c.submit(bob, call::increase_take(h, 7_000)).result,
        err(StakingError::TakeRateLimited {
            next: at + p.take_increase_rate_limit,
        })
    );
    c.advance_to(at + p.take_increase_rate_limit - 1);
    c.ok(bob, call::increase_take(h, 7_000));
    assert_eq!(c.height(), at + p.take_increase_rate_limit);
    assert_eq!(c.state.hotkeys.get(&h).unwrap().take, 7_000);
}

#[test]
fn take_cannot_go_below_the_minimum() {
    let mut spec = taonet_runtime::ChainSpec::dev(&[]);
    spec.params.min_take = 1_000;
    let mut c = Chain::new(&spec);
    let bob = cold("bob");
    let h = hot("bob").account_id();
    c.ok(bob, call::associate(h));
    assert_eq!(
        c.submit(bob, call::decrease_take(h, 999)).result,
        err(StakingError::TakeOutOfBounds {
            take: 999,
            min: 1_000,
            max: 11_796,
        })
    );
    c.ok(bob, call::decrease_take(h, 1_000));
}
