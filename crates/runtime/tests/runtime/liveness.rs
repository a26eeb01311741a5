//! Liveness: parent votes carried by blocks are verified and counted, and seats that miss
//! more than `missed_votes_jail_ppb` of an epoch's counted blocks are jailed (not slashed).

use commonware_codec::Encode;
use commonware_cryptography::Signer;
use commonware_cryptography::ed25519::PrivateKey;
use taonet_runtime::error::LivenessError;
use taonet_runtime::evidence::{VoteKind, vote_message};
use taonet_runtime::liveness::quorum;
use taonet_runtime::slashing::JailReason;
use taonet_runtime::{BlockError, BlockOutcome, ChainSpec, apply_block, build_block_with_votes};
use taonet_types::evidence::VoteProposal;
use taonet_types::gov::{PPB, ParamUpdate, apply_all};
use taonet_types::{AccountId, Block, ChainParams, ParentVote, ParentVoteKind, ParentVotes};

use crate::support::{Chain, chain_with_seats as chain_with, cold, hot, key_bytes};

const NAMES: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Consensus key of dev validator `i` (alice = 0, bob = 1, …).
fn seat_key(i: usize) -> PrivateKey {
    crate::support::seat_key(i as u64)
}

/// The index of validator `i`'s seat in the seat set of the parent of the next block.
fn seat_index(c: &Chain, i: usize) -> u16 {
    let epoch = c.state.consensus_epoch(c.height());
    let key = key_bytes(&seat_key(i));
    c.state
        .seats(epoch)
        .unwrap()
        .seats
        .iter()
        .position(|s| s.consensus_key == key)
        .unwrap() as u16
}

/// A vote of validator `i` for the last applied block (the parent of the next one), proposed
/// in round (parent epoch, `view`) on parent view `view − 1`.
fn vote(c: &Chain, i: usize, kind: ParentVoteKind, view: u64) -> ParentVote {
    let epoch = c.state.consensus_epoch(c.height());
    let ns = c
        .domain
        .vote_namespace(match kind {
            ParentVoteKind::Notarize => VoteKind::Notarize,
            ParentVoteKind::Finalize => VoteKind::Finalize,
        })
        .unwrap();
    let proposal = VoteProposal {
        parent: view - 1,
        payload: c.state.head,
    };
    let msg = vote_message(epoch, view, Some(&proposal));
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&seat_key(i).sign(ns, &msg).encode());
    ParentVote {
        seat: seat_index(c, i),
        kind,
        signature,
    }
}

/// The parent votes of validators `voters` (notarize votes; view = parent height + 1).
fn votes_of(c: &Chain, voters: &[usize]) -> ParentVotes {
    let view = c.height() + 1;
    let mut votes: Vec<ParentVote> = voters
        .iter()
        .map(|i| vote(c, *i, ParentVoteKind::Notarize, view))
        .collect();
    votes.sort_by_key(|v| v.seat);
    ParentVotes {
        view,
        parent_view: view - 1,
        votes,
    }
}

/// Builds the next block carrying `votes` and applies it; returns the block and outcome.
fn block_with(c: &mut Chain, votes: Option<ParentVotes>) -> (Block, BlockOutcome) {
    let proposer = c.next_proposer();
    let built =
        build_block_with_votes(&c.state, &c.domain, proposer, c.time_ms, &[], votes).unwrap();
    c.time_ms += 1_000;
    let outcome = apply_block(&mut c.state, &c.domain, &built.block).unwrap();
    assert_eq!(c.state.root(), built.block.state_root);
    c.blocks.push(built.block.clone());
    (built.block, outcome)
}

/// A block carrying the votes of `voters` (which must be accepted).
fn voted_block(c: &mut Chain, voters: &[usize]) -> BlockOutcome {
    let votes = (c.height() >= 1).then(|| votes_of(c, voters));
    let expected = votes.clone();
    let (block, outcome) = block_with(c, votes);
    assert_eq!(block.parent_votes, expected, "the votes are carried");
    outcome
}

/// Applies `votes` on top of the current state in an otherwise valid block; the error.
fn refused(c: &Chain, votes: ParentVotes) -> LivenessError {
    let proposer = c.next_proposer();
    let mut built =
        build_block_with_votes(&c.state, &c.domain, proposer, c.time_ms, &[], None).unwrap();
    built.block.parent_votes = Some(votes);
    let mut state = c.state.clone();
    match apply_block(&mut state, &c.domain, &built.block) {
        Err(BlockError::ParentVotes(e)) => {
            assert_eq!(
                state.root(),
                c.state.root(),
                "a refused block changes nothing"
            );
            e
        }
        other => panic!("expected refused parent votes, got {other:?}"),
    }
}

fn hotkey(i: usize) -> AccountId {
    hot(NAMES[i]).account_id()
}

#[test]
fn quorum_is_n_minus_a_third() {
    assert_eq!(
        (0..=7).map(quorum).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 3, 4, 5, 5]
    );
}

#[test]
fn carried_votes_are_counted_per_seat() {
    let mut c = chain_with(|_| {});
    voted_block(&mut c, &[]); // height 1: its parent is genesis, nothing to carry
    for _ in 0..10 {
        voted_block(&mut c, &[0, 1, 2]);
    }
    for _ in 0..5 {
        voted_block(&mut c, &[0, 1, 2, 3]);
    }
    // Finalize votes count as well.
    let view = c.height() + 1;
    let mut votes: Vec<ParentVote> = (0..4)
        .map(|i| vote(&c, i, ParentVoteKind::Finalize, view))
        .collect();
    votes.sort_by_key(|v| v.seat);
    block_with(
        &mut c,
        Some(ParentVotes {
            view,
            parent_view: view - 1,
            votes,
        }),
    );
    // A block without votes counts for nobody.
    block_with(&mut c, None);

    let p = c.state.participation(0).unwrap().clone();
    assert_eq!(p.counted, 16);
    let voted = |i: usize| p.voted[usize::from(seat_index(&c, i))];
    assert_eq!((voted(0), voted(1), voted(2), voted(3)), (16, 16, 16, 6));
    assert_eq!(p.missed(usize::from(seat_index(&c, 3))), 10);
    assert_eq!(p.missed_ppb(usize::from(seat_index(&c, 3))), 625_000_000);
    assert_eq!(p.missed_ppb(usize::from(seat_index(&c, 0))), 0);

    // The record is part of the state root and survives a restore from records.
    let records = c.state.all_records();
    let restored = taonet_runtime::State::from_records(
        records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
        c.state.head,
    )
    .unwrap();
    assert_eq!(restored.root(), c.state.root());
    assert_eq!(restored.participation(0), Some(&p));
}

#[test]
fn a_seat_that_misses_the_epoch_is_jailed_without_a_slash() {
    let mut c = chain_with(|_| {});
    let length = c.state.params().consensus_epoch_length;
    let dave_stake = c.state.total_hotkey_stake(&hotkey(3));
    let issuance = c.state.globals.total_issuance;
    voted_block(&mut c, &[]);
    let mut jailed_at = None;
    while c.height() < length - 1 {
        let outcome = voted_block(&mut c, &[0, 1, 2]);
        if !outcome.liveness_jailed.is_empty() {
            jailed_at = Some((c.height(), outcome.liveness_jailed.clone()));
        }
    }
    assert_eq!(
        jailed_at,
        Some((length - 1, vec![hotkey(3)])),
        "dave is jailed at the last block of epoch 0, nobody else"
    );
    let jail = c.state.jail_of(&hotkey(3)).unwrap();
    assert_eq!(jail.reason, JailReason::Liveness);
    assert_eq!(jail.until_epoch, c.state.params().jail_epochs);
    // Not slashed: stake and issuance untouched by the jail.
    assert_eq!(c.state.total_hotkey_stake(&hotkey(3)), dave_stake);
    assert!(c.state.slashes_of(&hotkey(3)).is_empty());
    assert!(c.state.globals.total_issuance >= issuance);
    // Left out of the election held in the same block (the seats of epoch 2).
    let seats = c.state.seats(2).unwrap();
    assert!(seats.seats.iter().all(|s| s.hotkey != hotkey(3)));
    assert_eq!(seats.seats.len(), 3);
    // Epoch 1's seats were elected before: dave still holds one there.
    assert!(
        c.state
            .seats(1)
            .unwrap()
            .seats
            .iter()
            .any(|s| s.hotkey == hotkey(3))
    );
    // The owner may unjail once the jail period is over, and dave is elected again.
    let until = jail.until_epoch;
    assert!(
        c.fail(
            cold("dave"),
            taonet_types::Call::Consensus(taonet_types::tx::ConsensusCall::Unjail {
                hotkey: hotkey(3)
            })
        )
        .to_string()
        .contains("jailed until consensus epoch")
    );
    c.advance_to(until * length);
    c.ok(
        cold("dave"),
        taonet_types::Call::Consensus(taonet_types::tx::ConsensusCall::Unjail {
            hotkey: hotkey(3),
        }),
    );
    c.advance_to((until + 1) * length);
    let next = c.state.consensus_epoch(c.height()) + 1;
    assert!(
        c.state
            .seats(next)
            .unwrap()
            .seats
            .iter()
            .any(|s| s.hotkey == hotkey(3)),
        "elected again after unjail"
    );
}

#[test]
fn the_threshold_is_strict_and_exact() {
    // 37.5%: with 48 counted blocks, 18 misses is exactly the threshold (kept), 19 is over it.
    let mut c = chain_with(|s| s.params.missed_votes_jail_ppb = 375_000_000);
    let length = c.state.params().consensus_epoch_length;
    assert_eq!(length, 50);
    voted_block(&mut c, &[]);
    let mut n = 0;
    let mut last = BlockOutcome::default();
    while c.height() < length - 1 {
        let voters: &[usize] = if n < 19 {
            &[0, 1, 3] // charlie misses 19
        } else if n < 37 {
            &[0, 1, 2] // dave misses 18
        } else {
            &[0, 1, 2, 3]
        };
        last = voted_block(&mut c, voters);
        n += 1;
    }
    let p = c.state.participation(0).unwrap();
    assert_eq!(p.counted, 48);
    assert_eq!(last.liveness_jailed, vec![hotkey(2)]);
    assert!(c.state.is_jailed(&hotkey(2)));
    assert!(!c.state.is_jailed(&hotkey(3)));
}

#[test]
fn a_threshold_a_byzantine_third_could_abuse_is_refused() {
    // Jailing for missing a third or less would let a Byzantine third of the seats jail
    // honest ones by leaving their votes out: neither genesis nor governance may set it.
    for bad in [1, 250_000_000, PPB / 3] {
        let mut spec = ChainSpec::dev(&[]);
        spec.params.missed_votes_jail_ppb = bad;
        let e = spec.build().unwrap_err().to_string();
        assert!(e.contains("missed_votes_jail_ppb"), "{e}");
        let refused = apply_all(
            &ChainParams::default(),
            &[ParamUpdate::MissedVotesJailPpb(bad)],
        )
        .unwrap_err();
        assert_eq!(refused.name, "missed_votes_jail_ppb");
    }
    let ok = apply_all(
        &ChainParams::default(),
        &[ParamUpdate::MissedVotesJailPpb(PPB / 3 + 1)],
    )
    .unwrap();
    assert_eq!(ok.missed_votes_jail_ppb, PPB / 3 + 1);
}

#[test]
fn too_few_counted_blocks_judge_nobody() {
    let mut c = chain_with(|_| {});
    let length = c.state.params().consensus_epoch_length;
    // Only 10 blocks of epoch 0 carry votes (fewer than half the epoch), all without dave.
    voted_block(&mut c, &[]);
    for _ in 0..10 {
        voted_block(&mut c, &[0, 1, 2]);
    }
    let mut last = BlockOutcome::default();
    while c.height() < length - 1 {
        last = block_with(&mut c, None).1;
    }
    assert!(last.seats.is_some(), "the epoch ended");
    assert!(last.liveness_jailed.is_empty());
    assert!(!c.state.is_jailed(&hotkey(3)));
}

#[test]
fn invalid_parent_votes_make_the_block_invalid() {
    let mut c = chain_with(|_| {});
    // Height 1 carries nothing: its parent is the genesis block.
    let at_one = ParentVotes {
        view: 1,
        parent_view: 0,
        votes: Vec::new(),
    };
    assert_eq!(refused(&c, at_one), LivenessError::Unexpected(1));
    voted_block(&mut c, &[]);
    voted_block(&mut c, &[0, 1, 2]);

    // Below quorum (3 of 4).
    assert_eq!(
        refused(&c, votes_of(&c, &[0, 1])),
        LivenessError::BelowQuorum { got: 2, needed: 3 }
    );
    // Not sorted, or a seat twice.
    let mut unsorted = votes_of(&c, &[0, 1, 2]);
    unsorted.votes.swap(0, 2);
    assert_eq!(refused(&c, unsorted), LivenessError::NotSorted);
    let mut twice = votes_of(&c, &[0, 1, 2]);
    twice.votes[1] = twice.votes[0].clone();
    assert_eq!(refused(&c, twice), LivenessError::NotSorted);
    // A seat the epoch does not have.
    let mut unknown = votes_of(&c, &[0, 1, 2]);
    unknown.votes[2].seat = 9;
    assert_eq!(
        refused(&c, unknown),
        LivenessError::UnknownSeat { epoch: 0, seat: 9 }
    );
    // A signature of another seat's key under this seat's index.
    let mut swapped = votes_of(&c, &[0, 1, 2]);
    let stolen = swapped.votes[1].signature;
    swapped.votes[0].signature = stolen;
    let seat = swapped.votes[0].seat;
    assert_eq!(refused(&c, swapped), LivenessError::BadSignature(seat));
    // A claimed view the votes were not signed for.
    let mut other_view = votes_of(&c, &[0, 1, 2]);
    other_view.view += 1;
    assert!(matches!(
        refused(&c, other_view),
        LivenessError::BadSignature(_)
    ));
    // A finalize signature presented as a notarize.
    let mut kind = votes_of(&c, &[0, 1, 2]);
    kind.votes[0].kind = ParentVoteKind::Finalize;
    assert!(matches!(refused(&c, kind), LivenessError::BadSignature(_)));

    // A proposer handed invalid votes leaves them out instead of building an invalid block.
    let proposer = c.next_proposer();
    let built = build_block_with_votes(
        &c.state,
        &c.domain,
        proposer,
        c.time_ms,
        &[],
        Some(votes_of(&c, &[0])),
    )
    .unwrap();
    assert_eq!(built.block.parent_votes, None);
}
