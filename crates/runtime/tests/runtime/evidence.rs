//! Equivocation evidence (`consensus.report_equivocation`): real ed25519 votes signed with
//! commonware keys; valid evidence of every kind slashes and jails, and tampered
//! signatures, non-conflicts, wrong epochs, non-seat keys, malformed shapes, unknown, future
//! and stale epochs and duplicates are refused with their typed errors.

use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PrivateKey;
use taonet_runtime::error::{DispatchError, EvidenceError, SlashingError};
use taonet_runtime::evidence::{VoteKind, vote_message};
use taonet_runtime::slashing::JailReason;
use taonet_types::evidence::{Equivocation, EquivocationKind, SignedVote, VoteProposal};
use taonet_types::tx::ConsensusCall;
use taonet_types::{AccountId, Call, ChainDomain, Hash};

use crate::support::{
    Chain, chain_with_seats as chain_with, cold, hot, key_bytes, seat_key, test_votes,
};

fn chain() -> Chain {
    chain_with(|_| {})
}

fn proposal(parent: u64, tag: u8) -> VoteProposal {
    VoteProposal {
        parent,
        payload: Hash::digest(&[tag]),
    }
}

/// A vote of `kind` signed by `key` in round (epoch, view).
fn vote(
    domain: &ChainDomain,
    key: &PrivateKey,
    kind: VoteKind,
    epoch: u64,
    view: u64,
    proposal: Option<VoteProposal>,
) -> SignedVote {
    let ns = test_votes(domain).of(kind).to_vec();
    let msg = vote_message(epoch, view, proposal.as_ref());
    let sig = key.sign(&ns, &msg).encode();
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&sig);
    SignedVote {
        proposal,
        signature,
    }
}

/// Two notarize (or finalize) votes of `key` for different proposals.
fn double_vote(
    c: &Chain,
    key: &PrivateKey,
    kind: EquivocationKind,
    epoch: u64,
    view: u64,
    tags: (u8, u8),
) -> Equivocation {
    let vk = match kind {
        EquivocationKind::Notarize => VoteKind::Notarize,
        _ => VoteKind::Finalize,
    };
    Equivocation {
        kind,
        epoch,
        view,
        key: key_bytes(key),
        a: vote(
            &c.domain,
            key,
            vk,
            epoch,
            view,
            Some(proposal(view - 1, tags.0)),
        ),
        b: vote(
            &c.domain,
            key,
            vk,
            epoch,
            view,
            Some(proposal(view - 1, tags.1)),
        ),
    }
}

fn nullify_finalize(c: &Chain, key: &PrivateKey, epoch: u64, view: u64) -> Equivocation {
    Equivocation {
        kind: EquivocationKind::NullifyFinalize,
        epoch,
        view,
        key: key_bytes(key),
        a: vote(&c.domain, key, VoteKind::Nullify, epoch, view, None),
        b: vote(
            &c.domain,
            key,
            VoteKind::Finalize,
            epoch,
            view,
            Some(proposal(view - 1, 1)),
        ),
    }
}

fn report(evidence: Equivocation) -> Call {
    Call::Consensus(ConsensusCall::ReportEquivocation {
        evidence: Box::new(evidence),
    })
}

fn refused(e: EvidenceError) -> DispatchError {
    DispatchError::Evidence(e)
}

fn stake(c: &Chain, name: &str) -> taonet_types::Rao {
    c.state.total_hotkey_stake(&hot(name).account_id())
}

#[test]
fn a_double_notarize_slashes_and_jails_the_seat() {
    let mut c = chain();
    c.advance(5);
    let alice: AccountId = hot("alice").account_id();
    let before = stake(&c, "alice");
    let ev = double_vote(&c, &seat_key(0), EquivocationKind::Notarize, 0, 3, (1, 2));
    // Reported by someone else (bob's coldkey), who pays the normal fee.
    let r = c.ok(cold("bob"), report(ev));
    assert!(r.fee > taonet_types::Rao::ZERO);

    let fraction = c.state.params().slash_fraction_ppb;
    let expected_loss = taonet_runtime::slashing::slash_amount(before, fraction);
    assert_eq!(
        stake(&c, "alice"),
        before.checked_sub(expected_loss).unwrap()
    );
    let jail = c.state.jail_of(&alice).expect("jailed");
    assert_eq!(jail.reason, JailReason::Equivocation);
    let history = c.state.slashes_of(&alice);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].0, ev.offence_id());
    // Offence block: the first block of epoch 0 (still inside the unbonding window).
    assert_eq!(history[0].1.offence_block, 0);
    // Nobody else was touched.
    assert!(!c.state.is_jailed(&hot("bob").account_id()));
}

#[test]
fn conflicting_finalizes_and_nullify_finalize_are_slashed() {
    let mut c = chain();
    c.advance(3);
    let ev = double_vote(&c, &seat_key(1), EquivocationKind::Finalize, 0, 2, (5, 6));
    c.ok(cold("alice"), report(ev));
    assert!(c.state.is_jailed(&hot("bob").account_id()));

    let ev = nullify_finalize(&c, &seat_key(2), 0, 2);
    c.ok(cold("alice"), report(ev));
    assert!(c.state.is_jailed(&hot("charlie").account_id()));
    assert_eq!(c.state.slashes_of(&hot("charlie").account_id()).len(), 1);
}

#[test]
fn invalid_evidence_is_refused_and_slashes_nothing() {
    let mut c = chain();
    c.advance(5);
    let key = seat_key(0);
    let good = double_vote(&c, &key, EquivocationKind::Notarize, 0, 3, (1, 2));

    // A tampered signature.
    let mut bad = good;
    bad.b.signature[10] ^= 1;
    assert_eq!(
        c.fail(cold("bob"), report(bad)),
        refused(EvidenceError::BadSignature("b"))
    );
    // A signature over another proposal than the one carried.
    let mut bad = good;
    bad.a.proposal = Some(proposal(2, 9));
    assert_eq!(
        c.fail(cold("bob"), report(bad)),
        refused(EvidenceError::BadSignature("a"))
    );
    // The same vote twice is no conflict.
    let mut same = good;
    same.b = same.a;
    assert_eq!(
        c.fail(cold("bob"), report(same)),
        refused(EvidenceError::NotAConflict)
    );
    // Votes of one epoch claimed for another round: the signatures no longer verify.
    let mut wrong = good;
    wrong.view = 4;
    assert_eq!(
        c.fail(cold("bob"), report(wrong)),
        refused(EvidenceError::BadSignature("a"))
    );
    // Notarize votes presented as finalize votes.
    let mut wrong = good;
    wrong.kind = EquivocationKind::Finalize;
    assert_eq!(
        c.fail(cold("bob"), report(wrong)),
        refused(EvidenceError::BadSignature("a"))
    );
    // A key that holds no seat (its votes are real, but it is nobody's seat).
    let stranger = PrivateKey::from_seed(99);
    let ev = double_vote(&c, &stranger, EquivocationKind::Notarize, 0, 3, (1, 2));
    assert_eq!(
        c.fail(cold("bob"), report(ev)),
        refused(EvidenceError::NotASeat {
            epoch: 0,
            key: key_bytes(&stranger)
        })
    );
    // Malformed shapes.
    let mut m = nullify_finalize(&c, &key, 0, 3);
    m.a.proposal = Some(proposal(2, 1));
    assert!(matches!(
        c.fail(cold("bob"), report(m)),
        DispatchError::Evidence(EvidenceError::Malformed(_))
    ));
    let mut m = good;
    m.b.proposal = None;
    assert!(matches!(
        c.fail(cold("bob"), report(m)),
        DispatchError::Evidence(EvidenceError::Malformed(_))
    ));
    // Votes signed for another chain (another namespace) do not verify here.
    let other = ChainDomain {
        chain_id: "other-chain".into(),
        genesis_hash: c.domain.genesis_hash,
    };
    let mut foreign = good;
    foreign.a = vote(&other, &key, VoteKind::Notarize, 0, 3, Some(proposal(2, 1)));
    assert_eq!(
        c.fail(cold("bob"), report(foreign)),
        refused(EvidenceError::BadSignature("a"))
    );
    // An epoch that has not started.
    let future = double_vote(&c, &key, EquivocationKind::Notarize, 1, 3, (1, 2));
    assert_eq!(
        c.fail(cold("bob"), report(future)),
        refused(EvidenceError::Slashing(SlashingError::FutureOffence {
            offence_block: 50,
            height: c.height(),
        }))
    );

    let alice = hot("alice").account_id();
    assert!(!c.state.is_jailed(&alice));
    assert!(c.state.slashes_of(&alice).is_empty());
    // The good evidence still works afterwards.
    c.ok(cold("bob"), report(good));
    assert!(c.state.is_jailed(&alice));
}

#[test]
fn the_same_offence_under_another_signature_pair_is_a_duplicate() {
    let mut c = chain();
    c.advance(5);
    let key = seat_key(3);
    let first = double_vote(&c, &key, EquivocationKind::Notarize, 0, 4, (1, 2));
    c.ok(cold("alice"), report(first));
    let slashed_at = c.height();
    let again = double_vote(&c, &key, EquivocationKind::Notarize, 0, 4, (3, 4));
    assert_eq!(again.offence_id(), first.offence_id());
    assert_ne!(again, first);
    assert_eq!(
        c.fail(cold("alice"), report(again)),
        refused(EvidenceError::Slashing(SlashingError::AlreadyProcessed {
            offence_id: first.offence_id(),
            slashed_at,
        }))
    );
    // Another view is another offence.
    let other_view = double_vote(&c, &key, EquivocationKind::Notarize, 0, 5, (1, 2));
    c.ok(cold("alice"), report(other_view));
    assert_eq!(c.state.slashes_of(&hot("dave").account_id()).len(), 2);
}

#[test]
fn the_offence_block_is_clamped_to_the_window_and_old_epochs_are_stale() {
    // dev: consensus epochs of 50 blocks, unbonding window of 20.
    let mut c = chain();
    c.advance_to(60);
    let key = seat_key(0);
    // Epoch 0 ends at 49 ≥ 60 − 20: still slashable, offence block clamped to 40.
    let ev = double_vote(&c, &key, EquivocationKind::Notarize, 0, 30, (1, 2));
    c.ok(cold("bob"), report(ev));
    let history = c.state.slashes_of(&hot("alice").account_id());
    assert_eq!(history[0].1.offence_block, c.height() - 20);

    c.advance_to(75);
    let ev = double_vote(&c, &seat_key(1), EquivocationKind::Notarize, 0, 30, (1, 2));
    assert_eq!(
        c.fail(cold("alice"), report(ev)),
        refused(EvidenceError::Slashing(SlashingError::StaleOffence {
            offence_block: 49,
            oldest: c.height() - 20,
        }))
    );
}

#[test]
fn an_epoch_whose_seats_were_pruned_is_unknown() {
    // Seat sets are kept for the whole unbonding window, so an unknown epoch is one whose set
    // was pruned before governance lengthened the window: simulated by dropping the record.
    let mut c = chain();
    c.advance(5);
    c.state.seat_sets.remove(&0);
    let ev = double_vote(&c, &seat_key(0), EquivocationKind::Notarize, 0, 2, (1, 2));
    assert_eq!(
        c.fail(cold("bob"), report(ev)),
        refused(EvidenceError::UnknownEpoch(0))
    );
}

/// Attack: one double-voting view reported as a notarize conflict, then as a finalize
/// conflict, then as a nullify/finalize conflict: three offence ids, but one offence. Before
/// the fix each report slashed again (3 × 5%).
#[test]
fn one_view_is_slashed_once_whatever_the_evidence_kind() {
    let mut c = chain();
    c.advance(5);
    let alice = hot("alice").account_id();
    let before = stake(&c, "alice");
    let key = seat_key(0);
    let notarize = double_vote(&c, &key, EquivocationKind::Notarize, 0, 3, (1, 2));
    c.ok(cold("bob"), report(notarize));
    let slashed_at = c.height();
    let once = stake(&c, "alice");
    let fraction = c.state.params().slash_fraction_ppb;
    assert_eq!(
        once,
        before
            .checked_sub(taonet_runtime::slashing::slash_amount(before, fraction))
            .unwrap()
    );

    let finalize = double_vote(&c, &key, EquivocationKind::Finalize, 0, 3, (3, 4));
    assert_ne!(finalize.offence_id(), notarize.offence_id());
    let duplicate = EvidenceError::SeatAlreadySlashedInView {
        epoch: 0,
        view: 3,
        key: key_bytes(&key),
        reported: "notarize",
        slashed_at,
    };
    assert_eq!(
        c.fail(cold("bob"), report(finalize)),
        refused(duplicate.clone())
    );
    assert_eq!(
        c.fail(cold("charlie"), report(nullify_finalize(&c, &key, 0, 3))),
        refused(duplicate.clone())
    );
    assert!(duplicate.to_string().contains("at most once per view"));
    assert_eq!(stake(&c, "alice"), once, "slashed exactly once");
    assert_eq!(c.state.slashes_of(&alice).len(), 1);

    // Another view of the same seat is another offence.
    let next_view = double_vote(&c, &key, EquivocationKind::Finalize, 0, 4, (1, 2));
    c.ok(cold("bob"), report(next_view));
    assert_eq!(c.state.slashes_of(&alice).len(), 2);
}

/// Attack: evidence of an epoch ten epochs back, still inside the unbonding window (the stake
/// it reaches is still bonded or unbonding), used to be refused as `UnknownEpoch` because
/// only 8 seat sets were kept. It is now accepted and slashes, including the stake that
/// started unbonding after the offence.
#[test]
fn evidence_is_accepted_for_the_whole_unbonding_window() {
    let mut c = chain_with(|s| {
        s.params.consensus_epoch_length = 5;
        s.params.unbonding_period = 1_000;
    });
    // Ten epochs of L = 5, a window of 1,000 blocks = 200 epochs (+ 1 + margin) kept.
    assert_eq!(c.state.seat_sets_kept(), 203);
    c.advance_to(12);
    // alice's owner unstakes some of her stake in epoch 2 (after the offence block 10).
    let (ha, ca) = (hot("alice"), cold("alice"));
    let staked = c.stake(ha, ca);
    c.ok(
        ca,
        crate::support::call::remove_stake(ha.account_id(), crate::support::tao(100)),
    );
    assert_eq!(
        c.stake(ha, ca),
        staked.checked_sub(crate::support::tao(100)).unwrap()
    );
    c.advance_to(60);
    assert_eq!(c.state.consensus_epoch(c.height()), 12);
    assert!(c.state.seats(2).is_some(), "epoch 2's seats are still kept");
    let before = stake(&c, "alice");
    let unbonding = c.state.globals.total_unbonding;
    let ev = double_vote(&c, &seat_key(0), EquivocationKind::Notarize, 2, 7, (1, 2));
    c.ok(cold("bob"), report(ev));
    let fraction = c.state.params().slash_fraction_ppb;
    let slash = |a| taonet_runtime::slashing::slash_amount(a, fraction);
    assert_eq!(
        stake(&c, "alice"),
        before.checked_sub(slash(before)).unwrap()
    );
    let history = c.state.slashes_of(&hot("alice").account_id());
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].1.offence_block, 10, "the first block of epoch 2");
    assert_eq!(
        history[0].1.unbonding_burned,
        slash(crate::support::tao(100))
    );
    assert_eq!(
        c.state.globals.total_unbonding,
        unbonding
            .checked_sub(slash(crate::support::tao(100)))
            .unwrap()
    );
}

/// Evidence is refused as stale exactly when its epoch's last block leaves the unbonding
/// window, and the seat sets of older epochs are pruned from then on (never before).
#[test]
fn seat_sets_are_pruned_only_once_evidence_is_stale() {
    let mut c = chain_with(|s| {
        s.params.consensus_epoch_length = 5;
        s.params.unbonding_period = 60;
    });
    // ⌈60 / 5⌉ + 1 + 2 = 15 sets.
    assert_eq!(c.state.seat_sets_kept(), 15);
    for h in 1..=100 {
        c.advance_to(h);
        let oldest = c.height().saturating_sub(60);
        for epoch in 0..c.state.consensus_epoch(c.height()) {
            let last = epoch * 5 + 4;
            if last >= oldest {
                assert!(
                    c.state.seats(epoch).is_some(),
                    "epoch {epoch} is reportable at height {h} but its seats are gone"
                );
            }
        }
    }
    // Epoch 7 (blocks 35..=39), reported in block 101: 39 < 41 = the oldest block of the
    // window, stale with its own error.
    let ev = double_vote(&c, &seat_key(1), EquivocationKind::Notarize, 7, 2, (1, 2));
    assert_eq!(
        c.fail(cold("alice"), report(ev)),
        refused(EvidenceError::Slashing(SlashingError::StaleOffence {
            offence_block: 39,
            oldest: 41,
        }))
    );
    // Epoch 8 (40..=44) is still in the window (block 102: oldest 42).
    let ev = double_vote(&c, &seat_key(1), EquivocationKind::Notarize, 8, 2, (1, 2));
    c.ok(cold("alice"), report(ev));
    // The oldest kept set: epoch 21 stored at the end of 19 (height 99), minus 15.
    assert!(c.state.seats(5).is_none());
    assert!(c.state.seats(6).is_some());
}

/// Attack: a slash record used to be pruned (at the next slash) once its offence block left
/// the window, while its epoch was still reportable: the same evidence then slashed again.
#[test]
fn a_pruned_record_cannot_be_reported_again() {
    // dev: epochs of 50 blocks, a window of 20.
    let mut c = chain();
    c.advance_to(60);
    let key = seat_key(0);
    let first = double_vote(&c, &key, EquivocationKind::Notarize, 1, 3, (1, 2));
    c.ok(cold("bob"), report(first));
    // Offence block 50 (first block of epoch 1). Another seat is slashed at 75: the record
    // of the first offence is older than the window but epoch 1 (up to 99) is reportable.
    c.advance_to(75);
    c.ok(
        cold("bob"),
        report(double_vote(
            &c,
            &seat_key(1),
            EquivocationKind::Notarize,
            1,
            9,
            (1, 2),
        )),
    );
    let before = stake(&c, "alice");
    assert!(matches!(
        c.fail(cold("charlie"), report(first)),
        DispatchError::Evidence(EvidenceError::Slashing(
            SlashingError::AlreadyProcessed { .. }
        ))
    ));
    assert_eq!(stake(&c, "alice"), before);
    assert_eq!(c.state.slashes_of(&hot("alice").account_id()).len(), 1);
}

#[test]
fn the_call_round_trips_through_the_codec_and_json() {
    let c = chain();
    let ev = nullify_finalize(&c, &seat_key(0), 0, 7);
    let call = report(ev);
    let bytes = call.encode();
    assert_eq!(
        bytes.len(),
        commonware_codec::EncodeSize::encode_size(&call)
    );
    assert_eq!(Call::decode(bytes.clone()).unwrap(), call);
    // Truncated or with a bad kind tag: refused.
    assert!(Call::decode(bytes.slice(..bytes.len() - 1)).is_err());
    let mut bad = bytes.to_vec();
    bad[2] = 3;
    assert!(Call::decode(bytes::Bytes::from(bad)).is_err());
    let json = serde_json::to_string(&call).unwrap();
    assert_eq!(serde_json::from_str::<Call>(&json).unwrap(), call);
    assert_eq!(call.name(), "consensus.report_equivocation");
}
