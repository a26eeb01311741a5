//! Seats: consensus keys, proposer checks, election at consensus-epoch ends.

use taonet_runtime::error::{ConsensusError, DispatchError};
use taonet_runtime::{BlockError, ChainSpec, build_block};

use taonet_types::Call;
use taonet_types::tx::ConsensusCall;

use crate::support::{Chain, call, ck, cold, hot, key, tao, with_proofs};

fn err(e: ConsensusError) -> Result<(), DispatchError> {
    Err(DispatchError::Consensus(e))
}

/// Dev chain with alice and bob as validators (10,000 TAO each).
fn validators() -> Chain {
    Chain::new(&ChainSpec::dev(&[[1; 32], [2; 32]]))
}

#[test]
fn genesis_elects_the_first_two_epochs() {
    let c = validators();
    for epoch in [0, 1] {
        let set = c.state.seats(epoch).unwrap();
        assert_eq!(set.epoch, epoch);
        let hotkeys: Vec<_> = set.seats.iter().map(|s| s.hotkey).collect();
        let mut expected = vec![hot("alice").account_id(), hot("bob").account_id()];
        expected.sort(); // equal stake: lower hotkey bytes first
        assert_eq!(hotkeys, expected);
        assert!(set.seats.iter().all(|s| s.stake == tao(10_000)));
    }
}

#[test]
fn only_seat_holders_may_propose() {
    let mut c = validators();
    let stranger = key(1).account_id();
    assert_eq!(
        build_block(&c.state, &c.domain, stranger, 5_000, &[])
            .map(|_| ())
            .unwrap_err(),
        BlockError::UnknownProposer(stranger)
    );
    let mut b = c.build(&[]).block;
    b.proposer = stranger;
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::UnknownProposer(stranger))
    );
    // A seat holder's block pays its fees to the hotkey's owner coldkey.
    let tx = c.tx(cold("charlie"), call::transfer(key(2).account_id(), tao(1)));
    let proposer = c.next_proposer();
    let owner = c.state.hotkey_owner(&proposer).unwrap();
    let before = c.state.free(&owner);
    let out = c.block(&[tx]);
    assert_eq!(c.state.free(&owner).0 - before.0, out.fees.0);
}

#[test]
fn register_consensus_key_errors() {
    let mut c = validators();
    let (alice, charlie) = (cold("alice"), cold("charlie"));
    let h = hot("alice").account_id();
    assert_eq!(
        c.submit(alice, call::consensus_key(h, [0; 32])).result,
        err(ConsensusError::InvalidKey)
    );
    assert_eq!(
        c.submit(charlie, call::consensus_key(h, ck(9))).result,
        err(ConsensusError::NotHotkeyOwner(h))
    );
    // Re-registering one's own key, or replacing it, is fine.
    c.ok(alice, call::consensus_key(h, ck(9)));
    c.ok(alice, call::consensus_key(h, ck(9)));
    c.ok(alice, call::consensus_key(h, ck(8)));
    assert_eq!(c.state.hotkeys.get(&h).unwrap().consensus_key, Some(ck(8)));
    // A key held by the operator of two hotkeys is registered under one of them only.
    let hc = hot("charlie").account_id();
    c.ok(charlie, call::associate(hc));
    c.ok(charlie, call::consensus_key(hc, ck(5)));
    assert_eq!(
        c.submit(alice, call::consensus_key(h, ck(5))).result,
        err(ConsensusError::KeyInUse(hc))
    );
}

/// The squatting attack: registering a key one does not hold (here bob's genesis key, and a
/// fresh node's key before its operator registers it) is refused, whatever proof is offered.
#[test]
fn consensus_keys_need_a_proof_of_possession() {
    let mut c = validators();
    let alice = cold("alice");
    let h = hot("alice").account_id();
    // No proof (the harness cannot sign for bob's genesis key [2; 32]).
    assert_eq!(
        c.submit(alice, call::consensus_key(h, [2; 32])).result,
        err(ConsensusError::InvalidKeyProof)
    );
    // A real signature by the key, but over another hotkey (a proof seen on chain, replayed).
    let victim_node = ck(30);
    let hb = hot("bob").account_id();
    let proof_for_bob = match with_proofs(
        &c.domain,
        &cold("bob").account_id(),
        call::consensus_key(hb, victim_node),
    ) {
        Call::Consensus(ConsensusCall::RegisterConsensusKey { proof, .. }) => proof,
        other => panic!("{other:?}"),
    };
    let replay = Call::Consensus(ConsensusCall::RegisterConsensusKey {
        hotkey: h,
        key: victim_node,
        proof: proof_for_bob,
    });
    assert_eq!(
        c.submit(alice, replay).result,
        err(ConsensusError::InvalidKeyProof)
    );
    // A proof made for another chain.
    let mut other_chain = c.domain.clone();
    other_chain.chain_id = "another-chain".into();
    let foreign = match with_proofs(
        &other_chain,
        &alice.account_id(),
        call::consensus_key(h, ck(31)),
    ) {
        Call::Consensus(ConsensusCall::RegisterConsensusKey { proof, .. }) => proof,
        other => panic!("{other:?}"),
    };
    let foreign = Call::Consensus(ConsensusCall::RegisterConsensusKey {
        hotkey: h,
        key: ck(31),
        proof: foreign,
    });
    assert_eq!(
        c.submit(alice, foreign).result,
        err(ConsensusError::InvalidKeyProof)
    );
    // The key's holder registers it with a valid proof.
    c.ok(cold("bob"), call::consensus_key(hb, victim_node));
    assert_eq!(
        c.state.hotkeys.get(&hb).unwrap().consensus_key,
        Some(victim_node)
    );
}

#[test]
fn seats_two_epochs_ahead_follow_stake() {
    let mut c = validators();
    let charlie = cold("charlie");
    let hc = hot("charlie").account_id();
    c.ok(charlie, call::associate(hc));
    c.ok(charlie, call::add_stake(hc, tao(20_000)));
    c.ok(charlie, call::consensus_key(hc, ck(3)));
    // Last block of consensus epoch 0 (length 50) elects epoch 2.
    c.advance_to(48);
    let out = c.block(&[]);
    assert_eq!(c.height(), 49);
    let set = out.seats.expect("seats at the epoch end");
    assert_eq!(set.epoch, 2);
    assert_eq!(set.seats[0].hotkey, hc, "most stake first");
    assert_eq!(set.seats[0].stake, tao(20_000));
    assert_eq!(set.seats.len(), 3);
    assert_eq!(c.state.seats(2), Some(&set));
    // Epoch 1 keeps the genesis seats; charlie proposes from epoch 2 on.
    assert_eq!(c.state.seats(1).unwrap().seats.len(), 2);
    c.advance_to(100);
    assert_eq!(c.next_proposer(), hc);
    c.block(&[]);
}

#[test]
fn a_block_must_carry_the_elected_seats() {
    let mut c = validators();
    c.advance_to(48);
    let built = c.build(&[]);
    assert!(built.block.seats.is_some());
    let mut b = built.block.clone();
    b.seats = None;
    assert_eq!(c.apply(&b).map(|_| ()), Err(BlockError::Seats));
    let mut b = built.block.clone();
    b.seats.as_mut().unwrap().seats.pop();
    assert_eq!(c.apply(&b).map(|_| ()), Err(BlockError::Seats));
    // Seats in a block that elects nothing are refused too.
    let mut c2 = validators();
    let mut b = c2.build(&[]).block;
    b.seats = built.block.seats.clone();
    assert_eq!(c2.apply(&b).map(|_| ()), Err(BlockError::Seats));
    c.apply(&built.block).unwrap();
}

#[test]
fn seats_carry_over_when_nobody_qualifies() {
    let mut c = validators();
    // Both validators unstake below min_seat_stake.
    for name in ["alice", "bob"] {
        c.ok(
            cold(name),
            call::remove_stake(hot(name).account_id(), tao(9_500)),
        );
    }
    c.advance_to(49);
    let set = c.state.seats(2).unwrap();
    assert_eq!(set.epoch, 2);
    assert_eq!(set.seats, c.state.seats(1).unwrap().seats);
}

#[test]
fn registered_node_keys_are_every_consensus_key_by_stake() {
    let mut c = validators();
    // Genesis: alice and bob (10,000 TAO each; equal stake, lower hotkey bytes first).
    let mut genesis = [
        (hot("alice").account_id(), [1; 32]),
        (hot("bob").account_id(), [2; 32]),
    ];
    genesis.sort();
    let genesis_keys: Vec<[u8; 32]> = genesis.iter().map(|(_, k)| *k).collect();
    assert_eq!(c.state.registered_node_keys(10), genesis_keys);
    // A follower: charlie registers a key under a hotkey with far too little stake for a seat.
    let charlie = cold("charlie");
    let hc = hot("charlie").account_id();
    c.ok(charlie, call::associate(hc));
    c.ok(charlie, call::add_stake(hc, tao(1)));
    c.ok(charlie, call::consensus_key(hc, ck(3)));
    // Dave's hotkey has more stake but no key: not a node.
    let dave = cold("dave");
    let hd = hot("dave").account_id();
    c.ok(dave, call::associate(hd));
    c.ok(dave, call::add_stake(hd, tao(50)));
    let mut expected = genesis_keys.clone();
    expected.push(ck(3));
    assert_eq!(c.state.registered_node_keys(10), expected);
    // Seats need min_seat_stake; the node list is everyone with a key.
    assert!(c.state.elect_seats(5).seats.iter().all(|s| s.hotkey != hc));
    // The limit keeps the most staked.
    assert_eq!(c.state.registered_node_keys(2), genesis_keys);
    assert_eq!(c.state.registered_node_keys(0), Vec::<[u8; 32]>::new());
    // More stake moves the follower up; a replaced key replaces it in the list.
    c.ok(charlie, call::add_stake(hc, tao(20_000)));
    c.ok(charlie, call::consensus_key(hc, ck(4)));
    assert_eq!(c.state.registered_node_keys(1), vec![ck(4)]);
    assert_eq!(c.state.registered_node_keys(10).len(), 3);
}
