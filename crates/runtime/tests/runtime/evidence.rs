//! Equivocation evidence (`consensus.report_equivocation`): real ed25519 votes signed with
//! commonware keys; valid evidence of every kind slashes and jails, and tampered
//! signatures, non-conflicts, wrong epochs, non-seat keys, malformed shapes, unknown, future
//! and stale epochs and duplicates are refused with their typed errors.

use commonware_codec::{DecodeExt, Encode};
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PrivateKey;
use taonet_runtime::error::{DispatchError, EvidenceError, SlashingError};
use taonet_runtime::evidence::{VoteKind, vote_message, vote_namespace};
use taonet_runtime::slashing::JailReason;
use taonet_types::evidence::{Equivocation, EquivocationKind, SignedVote, VoteProposal};
use taonet_types::tx::ConsensusCall;
use taonet_types::{AccountId, Call, ChainDomain, Hash};

use crate::support::{Chain, chain_with_seats as chain_with, cold, hot, key_bytes, seat_key};

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
    let ns = vote_namespace(domain, kind);
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
    // Short epochs and a long unbonding window: the seat set is pruned before the offence
    // is stale.
    let mut c = chain_with(|s| {
        s.params.consensus_epoch_length = 5;
        s.params.unbonding_period = 1_000;
    });
    c.advance_to(60);
    assert!(c.state.seats(0).is_none());
    let ev = double_vote(&c, &seat_key(0), EquivocationKind::Notarize, 0, 2, (1, 2));
    assert_eq!(
        c.fail(cold("bob"), report(ev)),
        refused(EvidenceError::UnknownEpoch(0))
    );
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
