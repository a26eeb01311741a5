//! Slashing and jailing: pro-rata burns without rounding leaks, unbonding stake bonded at the
//! offence, duplicate / stale / future offences, jail and unjail through seat elections, the
//! governance parameters, persistence, and a property over random positions and fractions.

use std::collections::BTreeMap;

use proptest::prelude::*;
use taonet_runtime::error::{DispatchError, SlashingError};
use taonet_runtime::genesis::DEV_NAMES;
use taonet_runtime::slashing::{JailReason, slash_amount};
use taonet_runtime::{ChainSpec, State, invariants};
use taonet_types::gov::{MAX_JAIL_EPOCHS, PPB, ParamUpdate, ProposalAction, VoteKind, apply_all};
use taonet_types::tx::GovernanceCall;
use taonet_types::{AccountId, Call, ChainParams, Hash, RAO_PER_TAO, Rao};

use crate::support::{Chain, assert_same_state, call, cold, hot, key, tao};

fn offence(n: u8) -> Hash {
    Hash::digest(&[b'o', n])
}

fn check(state: &State) {
    invariants::check(state).expect("invariants hold");
}

fn err<T>(e: SlashingError) -> Result<T, DispatchError> {
    Err(DispatchError::Slashing(e))
}

/// Dev chain with the first `n` dev accounts as validators (10,000 TAO self-stake each).
fn validators(n: u8) -> Chain {
    let keys: Vec<[u8; 32]> = (1..=n).map(|i| [i; 32]).collect();
    Chain::new(&ChainSpec::dev(&keys))
}

fn seat_hotkeys(c: &Chain, epoch: u64) -> Vec<AccountId> {
    c.state
        .seats(epoch)
        .expect("seats known")
        .seats
        .iter()
        .map(|s| s.hotkey)
        .collect()
}

#[test]
fn slash_burns_the_fraction_of_every_position_pro_rata() {
    let mut c = validators(2);
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let txs = c.txs(&[
        (cold("charlie"), call::add_stake(ha, Rao(333_333_333_337))),
        (cold("dave"), call::add_stake(ha, Rao(7_000_000_019))),
    ]);
    c.block(&txs);
    let before = c.state.clone();
    let positions = before.nominators_of(&ha);
    assert_eq!(positions.len(), 3, "alice's own stake and two nominators");
    assert_eq!(before.params().slash_fraction_ppb, 50_000_000);

    let report = c.state.slash_offence(&ha, offence(1), c.height()).unwrap();
    check(&c.state);

    let mut expected = Vec::new();
    let mut sum: u128 = 0;
    for (coldkey, amount) in &positions {
        // ⌊position · 5%⌋, per position.
        let loss = u128::from(amount.0) * 50_000_000 / 1_000_000_000;
        sum += loss;
        let loss = Rao(loss as u64);
        expected.push((*coldkey, loss));
        assert_eq!(c.state.stake(&ha, coldkey).0, amount.0 - loss.0);
    }
    assert_eq!(report.stake, expected);
    assert_eq!(u128::from(report.total_burned.0), sum);
    assert_eq!(report.stake_burned, report.total_burned);
    assert_eq!(report.unbonding_burned, Rao::ZERO);
    assert!(report.unbonding.is_empty());
    // Burned: exactly what left the positions left the issuance.
    let (g0, g1) = (&before.globals, &c.state.globals);
    assert_eq!(
        g0.total_issuance.0 - g1.total_issuance.0,
        report.total_burned.0
    );
    assert_eq!(g0.total_stake.0 - g1.total_stake.0, report.total_burned.0);
    assert_eq!(g1.total_burned.0 - g0.total_burned.0, report.total_burned.0);
    assert_eq!(
        c.state.total_hotkey_stake(&ha).0,
        before.total_hotkey_stake(&ha).0 - report.total_burned.0
    );
    // Another hotkey's stake and everyone's free balance are untouched.
    assert_eq!(
        c.state.total_hotkey_stake(&hb),
        before.total_hotkey_stake(&hb)
    );
    for name in ["alice", "bob", "charlie", "dave"] {
        assert_eq!(c.free(cold(name)), before.free(&cold(name).account_id()));
    }
    // Jailed for jail_epochs (2 on the dev chain), recorded in the history.
    let jail = c.state.jail_of(&ha).unwrap();
    assert_eq!(jail.reason, JailReason::Equivocation);
    assert_eq!(jail.until_epoch, c.state.consensus_epoch(c.height()) + 2);
    assert_eq!(jail.jailed_at, c.height());
    assert_eq!(report.jailed_until, jail.until_epoch);
    let history = c.state.slashes_of(&ha);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].0, offence(1));
    assert_eq!(history[0].1.stake_burned, report.stake_burned);
    assert_eq!(history[0].1.fraction_ppb, 50_000_000);
    assert!(c.state.slashes_of(&hb).is_empty());
    // The chain goes on (the harness checks invariants and roots after every block).
    c.advance(3);
}

#[test]
fn unbonding_stake_bonded_at_the_offence_is_slashed_and_earlier_unbonding_is_not() {
    let mut c = validators(2);
    let ha = hot("alice").account_id();
    let (charlie, dave, eve) = (cold("charlie"), cold("dave"), cold("eve"));
    let txs = c.txs(&[
        (charlie, call::add_stake(ha, tao(1_000))),
        (dave, call::add_stake(ha, tao(1_000))),
        (eve, call::add_stake(ha, tao(1_000))),
    ]);
    c.block(&txs);
    // Charlie unbonds before the offence, eve in the offence block, dave after it.
    c.ok(charlie, call::remove_stake(ha, tao(400)));
    let charlie_started = c.height();
    c.advance(1);
    c.ok(eve, call::remove_stake(ha, tao(400)));
    let offence_block = c.height();
    c.ok(dave, call::remove_stake(ha, tao(400)));
    let before = c.state.clone();

    let report = c
        .state
        .slash_offence(&ha, offence(7), offence_block)
        .unwrap();
    check(&c.state);
    let twenty = tao(20); // ⌊400 TAO · 5%⌋
    let mut losses: Vec<(AccountId, Rao)> = report
        .unbonding
        .iter()
        .map(|l| (l.coldkey, l.amount))
        .collect();
    losses.sort();
    let mut want = vec![(eve.account_id(), twenty), (dave.account_id(), twenty)];
    want.sort();
    assert_eq!(losses, want);
    assert!(
        report
            .unbonding
            .iter()
            .all(|l| l.started_at >= offence_block)
    );
    assert_eq!(report.unbonding_burned, tao(40));
    assert_eq!(
        before.globals.total_unbonding.0 - c.state.globals.total_unbonding.0,
        tao(40).0
    );
    assert_eq!(
        before.globals.total_issuance.0 - c.state.globals.total_issuance.0,
        report.total_burned.0
    );
    assert_eq!(
        report.total_burned.0,
        report.stake_burned.0 + report.unbonding_burned.0
    );
    let pending = |who: &AccountId| -> Vec<Rao> {
        c.state
            .unbonding_of(who)
            .iter()
            .map(|(_, u)| u.amount)
            .collect()
    };
    assert_eq!(pending(&charlie.account_id()), vec![tao(400)]);
    assert_eq!(pending(&eve.account_id()), vec![tao(380)]);
    assert_eq!(pending(&dave.account_id()), vec![tao(380)]);
    assert_eq!(
        c.state.unbonding_of(&charlie.account_id())[0].1.started_at,
        charlie_started
    );
    // The cooldown pays out what is left.
    let (fc, fd) = (c.free(charlie), c.free(dave));
    c.advance(25);
    assert_eq!(c.free(charlie).0 - fc.0, tao(400).0);
    assert_eq!(c.free(dave).0 - fd.0, tao(380).0);
    assert_eq!(c.state.globals.total_unbonding, Rao::ZERO);
}

#[test]
fn bad_duplicate_stale_and_future_offences_are_refused() {
    let mut c = validators(2);
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    c.advance_to(30);
    let h = c.height();
    let window = c.state.params().unbonding_period;
    assert_eq!(window, 20);
    let before = c.state.clone();
    assert_eq!(
        c.state.slash(&ha, offence(1), PPB + 1, h).unwrap_err(),
        SlashingError::InvalidFraction(PPB + 1)
    );
    let stranger = key(9).account_id();
    assert_eq!(
        c.state.slash_offence(&stranger, offence(1), h).unwrap_err(),
        SlashingError::UnknownHotkey(stranger)
    );
    assert_eq!(
        c.state.slash_offence(&ha, offence(1), h + 1).unwrap_err(),
        SlashingError::FutureOffence {
            offence_block: h + 1,
            height: h
        }
    );
    assert_eq!(
        c.state
            .slash_offence(&ha, offence(1), h - window - 1)
            .unwrap_err(),
        SlashingError::StaleOffence {
            offence_block: h - window - 1,
            oldest: h - window
        }
    );
    assert_same_state(&before, &c.state);
    assert!(!c.state.is_jailed(&ha));

    // The oldest block still in the window is slashable.
    c.state.slash_offence(&ha, offence(1), h - window).unwrap();
    check(&c.state);
    let once = c.state.clone();
    // The same offence again — even claimed at another block — is refused, and changes nothing.
    for block in [h - window, h] {
        assert_eq!(
            c.state.slash_offence(&ha, offence(1), block).unwrap_err(),
            SlashingError::AlreadyProcessed {
                offence_id: offence(1),
                slashed_at: h
            }
        );
    }
    assert_same_state(&once, &c.state);
    // A different offence of the same hotkey is slashed again (compounding).
    let stake = c.state.total_hotkey_stake(&ha);
    let r = c.state.slash_offence(&ha, offence(2), h).unwrap();
    assert!(r.total_burned > Rao::ZERO);
    assert_eq!(
        c.state.total_hotkey_stake(&ha).0,
        stake.0 - r.total_burned.0
    );
    assert_eq!(c.state.slashes_of(&ha).len(), 2);
    check(&c.state);

    // Once out of the window the offence is refused as stale rather than as a duplicate;
    // its record is kept while the seat set of its consensus epoch is (evidence of that
    // epoch could still be reported: the record is what refuses it again).
    c.advance(1);
    c.state.slash_offence(&hb, offence(3), c.height()).unwrap();
    assert!(c.state.offences.get(&offence(1)).is_some());
    assert!(c.state.offences.get(&offence(2)).is_some());
    assert!(matches!(
        c.state.slash_offence(&ha, offence(1), h - window),
        Err(SlashingError::StaleOffence { .. })
    ));
    check(&c.state);
    // Epoch 0's seats are pruned at the end of epoch 7 (dev: 8 sets kept, epochs of 50);
    // the next slash then forgets the epoch-0 offences that are out of the window.
    c.advance_to(400);
    assert!(c.state.seats(0).is_none());
    c.state.slash_offence(&hb, offence(4), c.height()).unwrap();
    for id in [1, 2, 3] {
        assert!(c.state.offences.get(&offence(id)).is_none());
    }
    assert!(c.state.offences.get(&offence(4)).is_some());
    check(&c.state);
    c.advance(2);
}

#[test]
fn a_jailed_hotkey_is_not_elected_until_unjailed() {
    let mut c = validators(3);
    let (alice, bob) = (cold("alice"), cold("bob"));
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    c.advance_to(10);
    let r = c.state.slash_offence(&ha, offence(1), 10).unwrap();
    assert_eq!(r.jailed_until, 2);
    // Too early, wrong signer, not jailed.
    assert_eq!(
        c.fail(alice, call::unjail(ha)),
        DispatchError::Slashing(SlashingError::StillJailed {
            hotkey: ha,
            until_epoch: 2,
            current_epoch: 0
        })
    );
    assert_eq!(
        c.submit(bob, call::unjail(ha)).result,
        err(SlashingError::NotHotkeyOwner(ha))
    );
    assert_eq!(
        c.submit(bob, call::unjail(hb)).result,
        err(SlashingError::NotJailed(hb))
    );
    // The election at the end of epoch 0 leaves alice out of epoch 2; epoch 1 was elected
    // before the offence and keeps her.
    c.advance_to(49);
    assert!(!seat_hotkeys(&c, 2).contains(&ha));
    assert_eq!(seat_hotkeys(&c, 2).len(), 2);
    assert!(seat_hotkeys(&c, 1).contains(&ha));
    // Still too early in epoch 1 (block 99 elects epoch 3, again without her).
    c.advance_to(98);
    assert_eq!(
        c.fail(alice, call::unjail(ha)),
        DispatchError::Slashing(SlashingError::StillJailed {
            hotkey: ha,
            until_epoch: 2,
            current_epoch: 1
        })
    );
    assert_eq!(c.height(), 99);
    assert!(!seat_hotkeys(&c, 3).contains(&ha));
    // In epoch 2 the owner unjails; the next election (end of epoch 2 → epoch 4) elects
    // her again.
    c.ok(alice, call::unjail(ha));
    assert_eq!(c.state.consensus_epoch(c.height()), 2);
    assert!(!c.state.is_jailed(&ha));
    assert_eq!(
        c.submit(alice, call::unjail(ha)).result,
        err(SlashingError::NotJailed(ha))
    );
    c.advance_to(149);
    assert!(seat_hotkeys(&c, 4).contains(&ha));
    assert_eq!(seat_hotkeys(&c, 4).len(), 3);
}

#[test]
fn carried_over_seats_drop_jailed_hotkeys_unless_none_would_be_left() {
    // Nobody qualifies (both below min_seat_stake): the previous seats carry over, less
    // jailed alice.
    let mut c = validators(2);
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    for name in ["alice", "bob"] {
        c.ok(
            cold(name),
            call::remove_stake(hot(name).account_id(), tao(9_500)),
        );
    }
    c.state.slash_offence(&ha, offence(1), c.height()).unwrap();
    c.advance_to(49);
    assert_eq!(seat_hotkeys(&c, 2), vec![hb]);

    // A lone validator, jailed: its seat carries over so the chain keeps a producer.
    let mut solo = validators(1);
    solo.state
        .slash_offence(&ha, offence(1), solo.height())
        .unwrap();
    solo.advance_to(49);
    assert_eq!(seat_hotkeys(&solo, 2), vec![ha]);
    solo.advance(3);
}

#[test]
fn jail_without_slash_keeps_the_later_release() {
    let mut c = validators(2);
    let hb = hot("bob").account_id();
    c.advance_to(60);
    let before = c.state.clone();
    assert_eq!(c.state.jail(&hb, 3, JailReason::Liveness).unwrap(), 4);
    // Nothing is burned.
    assert_eq!(
        c.state.globals.total_issuance,
        before.globals.total_issuance
    );
    assert_eq!(
        c.state.total_hotkey_stake(&hb),
        before.total_hotkey_stake(&hb)
    );
    // A shorter jail does not shorten it; a longer one extends it.
    assert_eq!(c.state.jail(&hb, 1, JailReason::Liveness).unwrap(), 4);
    assert_eq!(c.state.jail(&hb, 5, JailReason::Liveness).unwrap(), 6);
    assert_eq!(c.state.jail_of(&hb).unwrap().reason, JailReason::Liveness);
    let stranger = key(3).account_id();
    assert_eq!(
        c.state
            .jail(&stranger, 1, JailReason::Liveness)
            .unwrap_err(),
        SlashingError::UnknownHotkey(stranger)
    );
    check(&c.state);
    c.advance(2);
}

#[test]
fn slashing_parameters_have_bounds_and_governance_changes_them() {
    let p = ChainParams::default();
    for bad in [
        ParamUpdate::SlashFractionPpb(0),
        ParamUpdate::SlashFractionPpb(PPB + 1),
        ParamUpdate::JailEpochs(0),
        ParamUpdate::JailEpochs(MAX_JAIL_EPOCHS + 1),
        ParamUpdate::MissedVotesJailPpb(0),
        ParamUpdate::MissedVotesJailPpb(PPB / 3),
        ParamUpdate::MissedVotesJailPpb(PPB + 1),
    ] {
        let e = apply_all(&p, std::slice::from_ref(&bad)).unwrap_err();
        assert_eq!(e.name, bad.name());
    }
    let q = apply_all(
        &p,
        &[
            ParamUpdate::SlashFractionPpb(PPB),
            ParamUpdate::JailEpochs(MAX_JAIL_EPOCHS),
            ParamUpdate::MissedVotesJailPpb(PPB / 3 + 1),
        ],
    )
    .unwrap();
    assert_eq!(
        (q.slash_fraction_ppb, q.jail_epochs, q.missed_votes_jail_ppb),
        (PPB, MAX_JAIL_EPOCHS, PPB / 3 + 1)
    );

    // Through a proposal: 10% slashes from its execution on.
    let mut c = validators(2);
    let ha = hot("alice").account_id();
    let id = c.state.globals.next_proposal_id;
    c.ok(
        cold("alice"),
        Call::Governance(GovernanceCall::Propose {
            action: ProposalAction::SetParams(vec![ParamUpdate::SlashFractionPpb(100_000_000)]),
            description: "harsher".into(),
        }),
    );
    for name in ["alice", "bob"] {
        c.ok(
            cold(name),
            Call::Governance(GovernanceCall::Vote {
                proposal: id,
                vote: VoteKind::Aye,
            }),
        );
    }
    let execute_at = c.state.proposals.get(&id).unwrap().execute_at;
    c.advance_to(execute_at);
    assert_eq!(c.state.params().slash_fraction_ppb, 100_000_000);
    let own = c.state.stake(&ha, &cold("alice").account_id());
    let r = c.state.slash_offence(&ha, offence(1), c.height()).unwrap();
    assert_eq!(r.fraction_ppb, 100_000_000);
    assert_eq!(r.stake, vec![(cold("alice").account_id(), Rao(own.0 / 10))]);
    check(&c.state);
}

#[test]
fn jail_and_offence_records_persist_in_the_state_root() {
    let mut c = validators(2);
    let ha = hot("alice").account_id();
    c.advance(2);
    let root_before = c.state.clone().commit_root();
    c.state.slash_offence(&ha, offence(1), c.height()).unwrap();
    let root = c.state.commit_root();
    assert_ne!(root, root_before, "jail and offence records are committed");
    let records = c.state.all_records();
    let restored = State::from_records(
        records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
        c.state.head,
    )
    .unwrap();
    assert_eq!(restored.root(), root);
    assert_eq!(restored.jail_of(&ha), c.state.jail_of(&ha));
    assert_eq!(restored.slashes_of(&ha), c.state.slashes_of(&ha));
    assert_eq!(restored.globals, c.state.globals);
    c.advance(1);
}

#[test]
fn slash_amount_rounds_down() {
    assert_eq!(slash_amount(Rao(19), 50_000_000), Rao(0));
    assert_eq!(slash_amount(Rao(20), 50_000_000), Rao(1));
    assert_eq!(slash_amount(Rao(39), 50_000_000), Rao(1));
    assert_eq!(slash_amount(Rao(u64::MAX), PPB), Rao(u64::MAX));
    assert_eq!(slash_amount(Rao(u64::MAX), 0), Rao(0));
    assert_eq!(slash_amount(Rao(u64::MAX), PPB + 7), Rao(u64::MAX));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random positions, unbonding entries before and after the offence, random fractions:
    /// every position and slashable entry loses exactly ⌊amount · fraction / 10⁹⌋, the burn is
    /// the sum of the losses and the issuance falls by exactly that; nothing else moves.
    #[test]
    fn slashing_never_leaks_rao(
        stakes in prop::collection::vec(2_000_000u64..20_000 * RAO_PER_TAO, 1..7),
        unstakes in prop::collection::vec((0usize..7, 1u64..=1_000, any::<bool>()), 0..10),
        fraction in prop_oneof![Just(0u32), Just(PPB), 0..=PPB],
    ) {
        let mut state = ChainSpec::dev(&[]).build().unwrap().state;
        let h = hot("alice").account_id();
        let _ = state.associate_hotkey(&cold("alice").account_id(), &h);
        let coldkeys: Vec<AccountId> =
            DEV_NAMES.iter().map(|n| cold(n).account_id()).collect();
        for (i, amount) in stakes.iter().enumerate() {
            state.add_stake(&coldkeys[i], &h, Rao(*amount)).unwrap();
        }
        let offence_block = 10;
        for (i, permille, before) in &unstakes {
            state.globals_mut().height = if *before { 5 } else { 10 + *permille % 5 };
            let who = coldkeys[i % stakes.len()];
            let staked = state.stake(&h, &who);
            let amount = Rao(staked.0 / 1_000 * permille);
            let _ = state.remove_stake(&who, &h, amount);
        }
        state.globals_mut().height = 20;
        check(&state);
        let before = state.clone();
        let report = state.slash(&h, offence(1), fraction, offence_block).unwrap();
        check(&state);

        let floor = |a: Rao| Rao((u128::from(a.0) * u128::from(fraction) / u128::from(PPB)) as u64);
        let mut stake_sum: u128 = 0;
        let reported: BTreeMap<AccountId, Rao> = report.stake.iter().copied().collect();
        for (who, amount) in before.nominators_of(&h) {
            let loss = floor(amount);
            prop_assert_eq!(state.stake(&h, &who).0, amount.0 - loss.0);
            prop_assert_eq!(reported.get(&who).copied().unwrap_or(Rao::ZERO), loss);
            stake_sum += u128::from(loss.0);
        }
        let mut unbonding_sum: u128 = 0;
        for (key, entry) in before.unbonding.iter() {
            let after = state.unbonding.get(key).map_or(Rao::ZERO, |u| u.amount);
            let loss = if entry.hotkey == h && entry.started_at >= offence_block {
                floor(entry.amount)
            } else {
                Rao::ZERO
            };
            prop_assert_eq!(after.0, entry.amount.0 - loss.0);
            unbonding_sum += u128::from(loss.0);
        }
        let reported_unbonding: u128 =
            report.unbonding.iter().map(|l| u128::from(l.amount.0)).sum();
        prop_assert_eq!(reported_unbonding, unbonding_sum);
        prop_assert_eq!(u128::from(report.stake_burned.0), stake_sum);
        prop_assert_eq!(u128::from(report.unbonding_burned.0), unbonding_sum);
        prop_assert_eq!(u128::from(report.total_burned.0), stake_sum + unbonding_sum);
        let (g0, g1) = (&before.globals, &state.globals);
        prop_assert_eq!(
            u128::from(g0.total_issuance.0 - g1.total_issuance.0),
            stake_sum + unbonding_sum
        );
        prop_assert_eq!(u128::from(g0.total_stake.0 - g1.total_stake.0), stake_sum);
        prop_assert_eq!(
            u128::from(g0.total_unbonding.0 - g1.total_unbonding.0),
            unbonding_sum
        );
        for who in &coldkeys {
            prop_assert_eq!(state.free(who), before.free(who));
        }
        prop_assert!(state.is_jailed(&h));
    }
}
