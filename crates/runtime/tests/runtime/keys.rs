//! Issue 18's chain rules: moving stake without unbonding (and the slashing exposure moved
//! stake keeps), hotkey and coldkey swaps, root membership as a rule over stake, and axon
//! reset. The harness checks every invariant (issuance, totals, indexes, uids `0..n`) after
//! every block.

use taonet_runtime::error::{DispatchError, KeySwapError, NeuronError, StakingError, TxInvalid};
use taonet_runtime::{ChainSpec, invariants};
use taonet_types::tx::{AxonInfo, StakingCall};
use taonet_types::{AccountId, Call, Hash, Rao};

use crate::support::{Chain, call, cold, hot, key, tao};

fn staking<T>(e: StakingError) -> Result<T, DispatchError> {
    Err(DispatchError::Staking(e))
}

fn swap<T>(e: KeySwapError) -> Result<T, DispatchError> {
    Err(DispatchError::KeySwap(e))
}

/// Dev chain with the first `n` dev accounts as validators (10,000 TAO self-stake each,
/// consensus keys, root seats; subnet 1 owned by alice).
fn validators(n: u8) -> Chain {
    let keys: Vec<[u8; 32]> = (1..=n).map(|i| [i; 32]).collect();
    Chain::new(&ChainSpec::dev(&keys))
}

#[test]
fn move_stake_moves_between_hotkeys_and_refuses_bad_moves() {
    let mut c = Chain::dev();
    let (bob, charlie) = (cold("bob"), cold("charlie"));
    let (hb, hc) = (hot("bob").account_id(), hot("charlie").account_id());
    c.ok(bob, call::associate(hb));
    c.ok(charlie, call::associate(hc));
    c.ok(bob, call::add_stake(hb, tao(100)));
    let before = c.state.globals.clone();

    // To a hotkey someone else owns: allowed (it is a nomination).
    c.ok(bob, call::move_stake(hb, hc, tao(30)));
    let moved_at = c.height();
    assert_eq!(c.stake(hot("bob"), bob), tao(70));
    assert_eq!(c.stake(hot("charlie"), bob), tao(30));
    assert_eq!(c.state.total_hotkey_stake(&hc), tao(30));
    assert_eq!(c.state.globals.total_stake, before.total_stake);
    assert_eq!(c.state.globals.total_unbonding, before.total_unbonding);

    // Refusals: more than the position, the same hotkey, an unowned hotkey, dust.
    assert_eq!(
        c.submit(bob, call::move_stake(hb, hc, tao(71))).result,
        staking(StakingError::InsufficientStake {
            requested: tao(71),
            staked: tao(70),
        })
    );
    assert_eq!(
        c.submit(bob, call::move_stake(hb, hb, tao(1))).result,
        staking(StakingError::SameHotkey(hb))
    );
    let nobody = key(9).account_id();
    assert_eq!(
        c.submit(bob, call::move_stake(hb, nobody, tao(1))).result,
        staking(StakingError::HotkeyNotFound(nobody))
    );
    let min = c.state.params().min_stake;
    assert_eq!(
        c.submit(bob, call::move_stake(hb, hc, Rao(1))).result,
        staking(StakingError::AmountTooLow {
            amount: Rao(1),
            minimum: min,
        })
    );

    // Moved-in stake stays in place for the window (it may still be slashed for hb), but it
    // can be unstaked.
    let window = c.state.params().unbonding_period;
    assert_eq!(
        c.submit(bob, call::move_stake(hc, hb, tao(10))).result,
        staking(StakingError::StakeLocked {
            requested: tao(10),
            movable: Rao::ZERO,
            until: moved_at + window,
        })
    );
    assert_eq!(
        c.submit(bob, call::transfer_stake(hc, charlie.account_id(), tao(10)))
            .result,
        staking(StakingError::StakeLocked {
            requested: tao(10),
            movable: Rao::ZERO,
            until: moved_at + window,
        })
    );
    c.ok(bob, call::remove_stake(hc, tao(5)));
    assert_eq!(c.state.moves_from(&hb).len(), 1);

    // After the window the record is gone and the stake moves freely.
    c.advance_to(moved_at + window);
    assert!(c.state.stake_moves.is_empty());
    assert_eq!(c.state.moved_in(&hc, &bob.account_id()).0, Rao::ZERO);
    c.ok(bob, call::move_stake(hc, hb, tao(25)));
    assert_eq!(c.stake(hot("bob"), bob), tao(95));
    assert_eq!(c.stake(hot("charlie"), bob), Rao::ZERO);
}

#[test]
fn transfer_stake_gives_a_position_to_another_coldkey() {
    let mut c = Chain::dev();
    let (bob, dave) = (cold("bob"), cold("dave"));
    let hb = hot("bob").account_id();
    c.ok(bob, call::associate(hb));
    c.ok(bob, call::add_stake(hb, tao(100)));
    let total = c.state.globals.total_stake;

    c.ok(bob, call::transfer_stake(hb, dave.account_id(), tao(40)));
    assert_eq!(c.stake(hot("bob"), bob), tao(60));
    assert_eq!(c.stake(hot("bob"), dave), tao(40));
    assert_eq!(c.state.globals.total_stake, total);
    assert_eq!(c.state.total_hotkey_stake(&hb), tao(100));
    // The stake never left the hotkey: no exposure record is needed.
    assert!(c.state.stake_moves.is_empty());

    assert_eq!(
        c.submit(bob, call::transfer_stake(hb, bob.account_id(), tao(1)))
            .result,
        staking(StakingError::SameColdkey(bob.account_id()))
    );
    assert_eq!(
        c.submit(bob, call::transfer_stake(hb, dave.account_id(), tao(61)))
            .result,
        staking(StakingError::InsufficientStake {
            requested: tao(61),
            staked: tao(60),
        })
    );
    // The whole position, and the new owner can unstake what it received.
    c.ok(bob, call::transfer_stake(hb, dave.account_id(), tao(60)));
    assert_eq!(c.stake(hot("bob"), bob), Rao::ZERO);
    c.ok(dave, call::remove_stake(hb, tao(100)));
    assert_eq!(
        c.state.unbonding_of(&dave.account_id())[0].1.amount,
        tao(100)
    );
}

#[test]
fn a_slash_reaches_stake_moved_away_after_the_offence() {
    let mut c = validators(2);
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let (charlie, eve) = (cold("charlie"), cold("eve"));
    let txs = c.txs(&[
        (charlie, call::add_stake(ha, tao(1_000))),
        (eve, call::add_stake(ha, tao(1_000))),
    ]);
    c.block(&txs);
    // Eve moves before the offence: that stake was not on alice when alice misbehaved.
    c.ok(eve, call::move_stake(ha, hb, tao(400)));
    c.advance(1);
    let offence_block = c.height() + 1;
    c.advance(1);
    // Charlie moves after it, then unstakes most of it from bob.
    c.ok(charlie, call::move_stake(ha, hb, tao(400)));
    c.ok(charlie, call::remove_stake(hb, tao(390)));
    let before = c.state.clone();

    let report = c
        .state
        .slash_offence(&ha, Hash::digest(b"offence"), offence_block)
        .unwrap();
    invariants::check(&c.state).unwrap();
    // 5% of the 400 moved: 10 TAO from the 10 still on bob, 10 from the unbonding entry.
    assert_eq!(report.moved.len(), 1);
    let m = report.moved[0];
    assert_eq!(m.coldkey, charlie.account_id());
    assert_eq!(m.to_hotkey, hb);
    assert_eq!((m.from_stake, m.from_unbonding), (tao(10), tao(10)));
    assert_eq!(c.stake(hot("bob"), charlie), Rao::ZERO);
    assert_eq!(
        c.state.unbonding_of(&charlie.account_id())[0].1.amount,
        tao(380)
    );
    // Eve's earlier move is untouched; charlie's record keeps what is still exposed.
    assert_eq!(c.stake(hot("bob"), eve), tao(400));
    let left: Vec<Rao> = c
        .state
        .moves_from(&ha)
        .iter()
        .filter(|(_, r)| r.coldkey == charlie.account_id())
        .map(|(_, r)| r.amount)
        .collect();
    assert_eq!(left, vec![tao(380)]);
    // Everything burned left the issuance, and the totals agree.
    assert_eq!(
        before.globals.total_issuance.0 - c.state.globals.total_issuance.0,
        report.total_burned.0
    );
    let on_alice: u64 = report.stake.iter().map(|(_, r)| r.0).sum();
    assert_eq!(report.stake_burned.0, on_alice + tao(10).0);
    assert_eq!(report.unbonding_burned, tao(10));
    c.advance(2);
}

#[test]
fn swap_hotkey_moves_everything_to_the_new_hotkey() {
    let mut c = validators(2);
    let (alice, charlie, dave) = (cold("alice"), cold("charlie"), cold("dave"));
    let ha = hot("alice").account_id();
    c.ok(charlie, call::add_stake(ha, tao(500)));
    c.ok(dave, call::add_stake(ha, tao(300)));
    c.ok(dave, call::remove_stake(ha, tao(100)));
    let new = key(50).account_id();
    let before = c.state.clone();
    let regs = before.registrations_of(&ha);
    assert!(regs.len() >= 2, "alice is on root and subnet 1: {regs:?}");
    let consensus_key = before.hotkey(&ha).unwrap().consensus_key;
    assert!(consensus_key.is_some());

    let r = c.ok(alice, call::swap_hotkey(ha, new));
    invariants::check(&c.state).unwrap();
    // Ownership, take and consensus key.
    assert!(c.state.hotkey(&ha).is_none());
    let info = c.state.hotkey(&new).unwrap();
    assert_eq!(info.owner, alice.account_id());
    assert_eq!(info.consensus_key, consensus_key);
    assert_eq!(c.state.hotkeys_of(&alice.account_id()), vec![new]);
    // Every position, same totals.
    assert_eq!(c.state.nominators_of(&new), before.nominators_of(&ha));
    assert!(c.state.nominators_of(&ha).is_empty());
    assert_eq!(
        c.state.total_hotkey_stake(&new),
        before.total_hotkey_stake(&ha)
    );
    assert_eq!(c.state.globals.total_stake, before.globals.total_stake);
    // Same uids, with their weights.
    assert_eq!(c.state.registrations_of(&new), regs);
    assert!(c.state.registrations_of(&ha).is_empty());
    for (netuid, uid) in &regs {
        let (n0, n1) = (
            before.neuron(*netuid, *uid).unwrap(),
            c.state.neuron(*netuid, *uid).unwrap(),
        );
        assert_eq!(n1.hotkey, new);
        assert_eq!(n1.weights, n0.weights);
    }
    assert_eq!(c.state.subnet(1).unwrap().owner_hotkey, new);
    // Unbonding entries, root candidacy, the retired key's successor.
    assert_eq!(c.state.unbonding_from(&new).len(), 1);
    assert!(c.state.unbonding_from(&ha).is_empty());
    assert!(c.state.root_candidates.contains_key(&new));
    assert!(!c.state.root_candidates.contains_key(&ha));
    assert_eq!(c.state.current_hotkey(&ha), new);
    // key_swap_cost is burned on top of the fee (alice, a validator, gets part of the fee
    // back as the block's proposer).
    let cost = c.state.params().key_swap_cost;
    assert!(r.fee > Rao::ZERO);
    assert!(before.free(&alice.account_id()).0 - c.free(alice).0 >= cost.0);
    assert_eq!(
        c.state.globals.total_burned.0 - before.globals.total_burned.0,
        cost.0
    );

    // Blocks the retired hotkey still proposes (its seat was elected before the swap) pay
    // their fees to its owner, not to the retired key's account.
    assert_eq!(c.next_proposer(), ha);
    let free = c.free(alice);
    let tx = c.tx(charlie, call::transfer(key(9).account_id(), tao(1)));
    let out = c.block(&[tx]);
    assert!(out.fees > Rao::ZERO);
    assert_eq!(c.state.free(&ha), Rao::ZERO);
    assert!(c.free(alice).0 >= free.0 + out.fees.0);

    // An offence of the old hotkey (the elected seat sets still name it) reaches the new one.
    let report = c
        .state
        .slash_offence(&ha, Hash::digest(b"old key"), c.height())
        .unwrap();
    assert_eq!(report.hotkey, new);
    assert!(c.state.is_jailed(&new));
    invariants::check(&c.state).unwrap();
}

#[test]
fn swap_hotkey_refuses_used_keys_strangers_bad_proofs_and_haste() {
    let mut c = validators(2);
    let (alice, bob, charlie) = (cold("alice"), cold("bob"), cold("charlie"));
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    // To a registered (owned) hotkey.
    assert_eq!(
        c.submit(alice, call::swap_hotkey(ha, hb)).result,
        swap(KeySwapError::NewHotkeyInUse {
            hotkey: hb,
            why: "is already owned by a coldkey",
        })
    );
    assert_eq!(
        c.submit(alice, call::swap_hotkey(ha, ha)).result,
        swap(KeySwapError::SameHotkey(ha))
    );
    let fresh = key(51).account_id();
    assert_eq!(
        c.submit(charlie, call::swap_hotkey(ha, fresh)).result,
        swap(KeySwapError::NotHotkeyOwner(ha))
    );
    // A proof that is not the new hotkey's signature.
    let forged = Call::Staking(StakingCall::SwapHotkey {
        old_hotkey: ha,
        new_hotkey: fresh,
        proof: [7; 64],
    });
    assert_eq!(
        c.submit(alice, forged).result,
        swap(KeySwapError::InvalidProof(fresh))
    );
    // One swap per rate-limit window; a retired key is never reused.
    c.ok(alice, call::swap_hotkey(ha, fresh));
    let next = c.height() + c.state.params().hotkey_swap_rate_limit;
    let fresher = key(52).account_id();
    assert_eq!(
        c.submit(alice, call::swap_hotkey(fresh, fresher)).result,
        swap(KeySwapError::RateLimited { next })
    );
    assert_eq!(
        c.submit(bob, call::swap_hotkey(hb, ha)).result,
        swap(KeySwapError::NewHotkeyInUse {
            hotkey: ha,
            why: "was retired by an earlier swap",
        })
    );
    c.advance_to(next);
    c.ok(alice, call::swap_hotkey(fresh, fresher));
    assert_eq!(c.state.current_hotkey(&ha), fresher);
}

#[test]
fn a_swapped_validator_is_elected_under_its_new_hotkey() {
    let mut c = validators(4);
    let ha = hot("alice").account_id();
    let new = key(53).account_id();
    c.ok(cold("alice"), call::swap_hotkey(ha, new));
    let epoch_len = c.state.params().consensus_epoch_length;
    // Elections run at epoch ends for the epoch after next: two epochs later the seat is new.
    c.advance_to(3 * epoch_len);
    let epoch = c.state.consensus_epoch(c.height() + 1);
    let seats = c.state.seats(epoch).unwrap();
    assert!(seats.seats.iter().any(|s| s.hotkey == new), "{seats:?}");
    assert!(!seats.seats.iter().any(|s| s.hotkey == ha));
}

#[test]
fn coldkey_swap_is_announced_delayed_disputable_then_moves_everything() {
    let mut c = Chain::dev();
    let (alice, bob) = (cold("alice"), cold("bob"));
    let hb = hot("bob").account_id();
    let txs = c.txs(&[
        (bob, call::register(1, hb, tao(1))),
        (bob, call::add_stake(hb, tao(100))),
    ]);
    c.block(&txs);
    let new = key(60).account_id();
    let old = bob.account_id();

    // The new coldkey must be fresh.
    assert_eq!(
        c.submit(bob, call::announce_coldkey_swap(alice.account_id()))
            .result,
        swap(KeySwapError::NewColdkeyInUse {
            coldkey: alice.account_id(),
            why: "owns hotkeys",
        })
    );
    let burned = c.state.globals.total_burned;
    c.ok(bob, call::announce_coldkey_swap(new));
    let cost = c.state.params().key_swap_cost;
    assert_eq!(c.state.globals.total_burned.0 - burned.0, cost.0);
    let pending = c.state.coldkey_swap(&old).unwrap().clone();
    let delay = c.state.params().coldkey_swap_delay;
    assert_eq!(pending.new_coldkey, new);
    assert_eq!(pending.executable_at, pending.announced_at + delay);
    assert_eq!(
        c.submit(bob, call::announce_coldkey_swap(key(61).account_id()))
            .result,
        swap(KeySwapError::AlreadyAnnounced {
            new_coldkey: new,
            executable_at: pending.executable_at,
        })
    );
    // Too early; not a party.
    let height = c.height() + 1;
    assert_eq!(
        c.submit(bob, call::execute_coldkey_swap(old)).result,
        swap(KeySwapError::TooEarly {
            executable_at: pending.executable_at,
            height,
        })
    );
    assert_eq!(
        c.submit(alice, call::execute_coldkey_swap(old)).result,
        swap(KeySwapError::NotParty)
    );
    // Disputed: never executable, and a new announcement is possible.
    c.ok(bob, call::dispute_coldkey_swap());
    let disputed_at = c.height();
    assert_eq!(
        c.submit(bob, call::dispute_coldkey_swap()).result,
        swap(KeySwapError::AlreadyDisputed(disputed_at))
    );
    c.advance_to(pending.executable_at);
    assert_eq!(
        c.submit(bob, call::execute_coldkey_swap(old)).result,
        swap(KeySwapError::Disputed(disputed_at))
    );
    c.ok(bob, call::announce_coldkey_swap(new));
    let executable_at = c.state.coldkey_swap(&old).unwrap().executable_at;
    c.advance_to(executable_at);

    // Executed by the new coldkey (funded to pay its fee).
    c.ok(alice, call::transfer(new, tao(1)));
    c.ok(bob, call::remove_stake(hb, tao(10)));
    let before = c.state.clone();
    let new_kp = key(60);
    let r = c.ok(&new_kp, call::execute_coldkey_swap(old));
    assert_eq!(c.free(bob), Rao::ZERO);
    assert_eq!(
        c.state.free(&new).0,
        before.free(&new).0 + before.free(&old).0 - r.fee.0
    );
    assert_eq!(c.state.stake(&hb, &new), before.stake(&hb, &old));
    assert_eq!(c.state.stake(&hb, &old), Rao::ZERO);
    assert_eq!(c.state.hotkey_owner(&hb), Some(new));
    assert_eq!(c.state.hotkeys_of(&new), vec![hb]);
    assert!(c.state.hotkeys_of(&old).is_empty());
    assert_eq!(c.state.unbonding_of(&new).len(), 1);
    assert!(c.state.unbonding_of(&old).is_empty());
    assert!(c.state.coldkey_swap(&old).is_none());
    assert_eq!(c.state.globals.total_stake, before.globals.total_stake);
    // The hotkey's new owner controls it.
    c.ok(&new_kp, call::remove_stake(hb, tao(5)));
    // The unbonding entry pays the new coldkey.
    let free = c.state.free(&new);
    c.advance(c.state.params().unbonding_period + 1);
    assert!(c.state.free(&new).0 >= free.0 + tao(15).0);
}

/// Root member hotkeys by uid.
fn root_members(c: &Chain) -> Vec<AccountId> {
    c.state.neurons(0).map(|(_, n)| n.hotkey).collect()
}

#[test]
fn root_membership_follows_stake_and_subnet_shares_follow_the_members() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.root_max_uids = 2;
    let mut c = Chain::new(&spec);
    let (bob, charlie, dave) = (cold("bob"), cold("charlie"), cold("dave"));
    let (hb, hc, hd) = (
        hot("bob").account_id(),
        hot("charlie").account_id(),
        hot("dave").account_id(),
    );
    c.ok(cold("eve"), call::register_network(hot("eve").account_id()));
    let txs = c.txs(&[
        (bob, call::associate(hb)),
        (charlie, call::associate(hc)),
        (dave, call::associate(hd)),
    ]);
    c.block(&txs);
    let txs = c.txs(&[
        (bob, call::add_stake(hb, tao(300))),
        (charlie, call::add_stake(hc, tao(200))),
        (dave, call::add_stake(hd, tao(100))),
    ]);
    c.block(&txs);
    // Two seats: the first two join at once, the third waits as a candidate.
    c.ok(bob, call::root_register(hb));
    c.ok(charlie, call::root_register(hc));
    c.ok(dave, call::root_register(hd));
    assert_eq!(root_members(&c), vec![hb, hc]);
    assert_eq!(c.state.uid_of(0, &hd), None);
    assert_eq!(
        c.submit(dave, call::root_register(hd)).result,
        Err(DispatchError::Neurons(NeuronError::AlreadyRootCandidate {
            uid: None
        }))
    );
    // Bob backs subnet 1, charlie subnet 2.
    assert!(
        c.submit_free(hot("bob"), call::set_weights(0, &[1], &[u16::MAX], 0))
            .result
            .is_ok()
    );
    assert!(
        c.submit_free(hot("charlie"), call::set_weights(0, &[2], &[u16::MAX], 0))
            .result
            .is_ok()
    );
    let tempo = u64::from(c.state.params().root_tempo);
    c.advance(tempo);
    let share = |c: &Chain, n: u16| c.state.subnet(n).unwrap().emission_share;
    assert!(share(&c, 1) > share(&c, 2), "bob's 300 TAO back subnet 1");

    // Dave outgrows charlie: at the next root epoch he takes charlie's uid, without weights.
    let charlie_uid = c.state.uid_of(0, &hc).unwrap();
    c.ok(dave, call::add_stake(hd, tao(500)));
    c.advance(tempo);
    assert_eq!(c.state.uid_of(0, &hd), Some(charlie_uid));
    assert_eq!(c.state.uid_of(0, &hc), None);
    assert!(
        c.state.root_candidates.contains_key(&hc),
        "still a candidate"
    );
    assert!(c.state.neuron(0, charlie_uid).unwrap().weights.is_empty());
    // Dave backs subnet 2 with 600 TAO against bob's 300: subnet 2 now gets more.
    assert!(
        c.submit_free(hot("dave"), call::set_weights(0, &[2], &[u16::MAX], 0))
            .result
            .is_ok()
    );
    c.advance(tempo);
    assert!(share(&c, 2) > share(&c, 1), "dave's 600 TAO back subnet 2");

    // A smaller root keeps the top member and uids 0..n (the harness checks invariant 4).
    c.state.globals_mut().params.root_max_uids = 1;
    c.advance(tempo);
    assert_eq!(root_members(&c), vec![hd]);
    assert_eq!(c.state.uid_of(0, &hd), Some(0));
    assert_eq!(c.state.subnet(0).unwrap().n, 1);
}

#[test]
fn the_root_candidate_list_is_bounded() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.root_max_uids = 1;
    let mut c = Chain::new(&spec);
    let alice = cold("alice");
    // 4 candidates per seat: the 5th must out-stake the weakest non-member.
    for i in 0..4u8 {
        let h = key(100 + i).account_id();
        c.ok(alice, call::associate(h));
        c.ok(alice, call::add_stake(h, tao(10 + u64::from(i))));
        c.ok(alice, call::root_register(h));
    }
    let weak = key(104).account_id();
    c.ok(alice, call::associate(weak));
    c.ok(alice, call::add_stake(weak, tao(10)));
    // A root epoch has passed: the member is the one with most stake (13 TAO), the weakest
    // non-member the first registrant (10 TAO), who was seated at once while there was room.
    c.advance(u64::from(c.state.params().root_tempo));
    assert_eq!(root_members(&c), vec![key(103).account_id()]);
    assert_eq!(
        c.submit(alice, call::root_register(weak)).result,
        Err(DispatchError::Neurons(NeuronError::RootStakeTooLow {
            stake: tao(10),
            lowest: tao(10),
        }))
    );
    c.ok(alice, call::add_stake(weak, tao(2)));
    c.ok(alice, call::root_register(weak));
    assert_eq!(c.state.root_candidates.len(), 4);
    assert!(!c.state.root_candidates.contains_key(&key(100).account_id()));
    assert!(c.state.root_candidates.contains_key(&weak));
}

#[test]
fn reset_axon_withdraws_the_address() {
    let mut c = Chain::dev();
    let m = key(1);
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    let uid = c.state.uid_of(1, &m.account_id()).unwrap();
    assert_eq!(
        c.fail(&m, call::reset_axon(1)),
        DispatchError::Neurons(NeuronError::NoAxon(1))
    );
    let axon = AxonInfo {
        version: 1,
        ip: 0x7f00_0001,
        port: 8091,
        ip_type: 4,
        protocol: 4,
    };
    assert!(c.submit_free(&m, call::serve_axon(1, axon)).result.is_ok());
    c.advance(2);
    assert!(c.submit_free(&m, call::reset_axon(1)).result.is_ok());
    assert_eq!(c.state.neuron(1, uid).unwrap().axon, AxonInfo::default());
    // The serving rate limit covers resets too.
    let tx = c.tx(&m, call::serve_axon(1, axon));
    assert!(matches!(
        c.invalid(tx),
        TxInvalid::RateLimited {
            what: "serving the axon",
            ..
        }
    ));
    // An unregistered hotkey cannot reset anything.
    let stranger = key(2);
    let tx = c.tx(&stranger, call::reset_axon(1));
    assert_eq!(c.invalid(tx), TxInvalid::HotkeyNotRegistered { netuid: 1 });
}
