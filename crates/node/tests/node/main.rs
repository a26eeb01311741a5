//! Deterministic simulations of the taonet consensus layer: real chains, real commonware
//! simplex + marshal, simulated p2p and simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod byzantine;
mod harness;
mod rpc;
mod rpc_limits;

use std::time::Duration;

use commonware_runtime::{Clock, Supervisor};
use harness::{Sim, add_stake, key_bytes, run, signed, signed_for, transfer};
use taonet_runtime::genesis::dev_keys;

const MINUTE: Duration = Duration::from_secs(60);

fn secs(ctx: &harness::Ctx) -> f64 {
    ctx.current()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// 4 seats finalize the same blocks and state roots, with real transfers in them.
#[test]
fn four_seats_finalize_the_same_blocks() {
    run(1, 10 * MINUTE, |ctx| async move {
        let sim = Sim::new(ctx.child("sim"), 4, 4, 50).await;
        let t0 = secs(&ctx);
        let (alice, _) = dev_keys("alice");
        let (bob, _) = dev_keys("bob");
        for nonce in 0..20 {
            let tx = signed(
                sim.nodes[0].chain(),
                &alice,
                nonce,
                transfer(bob.account_id(), 1_000),
            );
            sim.nodes[0].chain().mempool().submit(tx).unwrap();
        }
        sim.wait_height(&[0, 1, 2, 3], 30, 2 * MINUTE).await;
        let elapsed = secs(&ctx) - t0;
        let common = sim.assert_same_chain(&[0, 1, 2, 3]);
        let txs: usize = (1..=common)
            .map(|h| {
                sim.nodes[3]
                    .chain()
                    .block_by_height(h)
                    .unwrap()
                    .transactions
                    .len()
            })
            .sum();
        assert_eq!(
            txs, 20,
            "every submitted transfer is finalized exactly once"
        );
        // From height 2 on, blocks carry a quorum of verified votes for their parent, and the
        // runtime counts them: every seat is live.
        let chain = sim.nodes[0].chain();
        let carried = (2..=common)
            .filter(|h| {
                chain
                    .block_by_height(*h)
                    .unwrap()
                    .parent_votes
                    .is_some_and(|v| v.votes.len() >= 3)
            })
            .count() as u64;
        assert!(
            carried * 10 >= (common - 1) * 9,
            "{carried} of {} blocks carry their parent's votes",
            common - 1
        );
        assert!(chain.block_by_height(1).unwrap().parent_votes.is_none());
        let participation = chain.finalized_state().participation(0).cloned().unwrap();
        assert_eq!(u64::from(participation.counted), carried);
        assert_eq!(participation.voted.len(), 4);
        for seat in 0..4 {
            assert!(
                participation.missed_ppb(seat) < 200_000_000,
                "seat {seat} is live: {participation:?}"
            );
        }
        println!(
            "4 seats: {common} blocks in {elapsed:.1} simulated s ({:.2} blocks/s)",
            common as f64 / elapsed
        );
    });
}

/// One seat crashes: the rest keep finalizing; it restarts from its storage and catches up.
#[test]
fn crashed_seat_restarts_and_catches_up() {
    run(2, 10 * MINUTE, |ctx| async move {
        let mut sim = Sim::new(ctx.child("sim"), 4, 4, 50).await;
        sim.wait_height(&[0, 1, 2, 3], 5, MINUTE).await;
        sim.crash(3).await;
        let at_crash = sim.height(0);
        let t0 = secs(&ctx);
        sim.wait_height(&[0, 1, 2], at_crash + 15, 2 * MINUTE).await;
        println!(
            "3 of 4 seats: 15 blocks in {:.1} simulated s",
            secs(&ctx) - t0
        );
        let (alice, _) = dev_keys("alice");
        let (bob, _) = dev_keys("bob");
        let tx = signed(
            sim.nodes[0].chain(),
            &alice,
            0,
            transfer(bob.account_id(), 5),
        );
        sim.nodes[0].chain().mempool().submit(tx).unwrap();
        sim.start(3).await;
        let target = sim.height(0) + 10;
        let t1 = secs(&ctx);
        sim.wait_height(&[0, 1, 2, 3], target, 3 * MINUTE).await;
        println!(
            "restarted seat caught up in {:.1} simulated s",
            secs(&ctx) - t1
        );
        sim.assert_same_chain(&[0, 1, 2, 3]);
    });
}

/// Two of four down: no progress and no fork; progress resumes when one returns.
#[test]
fn two_of_four_down_halts_then_resumes() {
    run(3, 10 * MINUTE, |ctx| async move {
        let mut sim = Sim::new(ctx.child("sim"), 4, 4, 50).await;
        sim.wait_height(&[0, 1, 2, 3], 5, MINUTE).await;
        sim.crash(2).await;
        sim.crash(3).await;
        sim.sleep(Duration::from_secs(5)).await;
        let halted = sim.height(0).max(sim.height(1));
        sim.sleep(Duration::from_secs(30)).await;
        assert_eq!(
            sim.height(0).max(sim.height(1)),
            halted,
            "no progress without a quorum"
        );
        sim.assert_same_chain(&[0, 1]);
        sim.start(3).await;
        sim.wait_height(&[0, 1, 3], halted + 5, 3 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 3]);
    });
}

/// A 2|2 partition halts the chain without a fork; healing it restores progress.
#[test]
fn partition_heals() {
    run(4, 10 * MINUTE, |ctx| async move {
        let sim = Sim::new(ctx.child("sim"), 4, 4, 50).await;
        sim.wait_height(&[0, 1, 2, 3], 5, MINUTE).await;
        sim.partition(&[0, 1], &[2, 3]).await;
        sim.sleep(Duration::from_secs(5)).await;
        let cut = (0..4).map(|i| sim.height(i)).max().unwrap();
        sim.sleep(Duration::from_secs(20)).await;
        assert_eq!(
            (0..4).map(|i| sim.height(i)).max().unwrap(),
            cut,
            "no progress while split"
        );
        sim.heal(&[0, 1], &[2, 3]).await;
        sim.wait_height(&[0, 1, 2, 3], cut + 5, 3 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 2, 3]);
    });
}

/// Stake moves to a fifth validator (a full node until then): at the next-but-one epoch it
/// holds a seat and proposes, and the seat it took becomes a follower that keeps up.
#[test]
fn seat_set_changes_across_epochs() {
    run(5, 10 * MINUTE, |ctx| async move {
        let sim = Sim::new(ctx.child("sim"), 5, 5, 10).await;
        let (alice, _) = dev_keys("alice");
        let (_, eve_hot) = dev_keys("eve");
        let chain = sim.nodes[0].chain();
        assert_eq!(chain.seats(0).unwrap().seats.len(), 4);
        assert!(
            !sim.nodes[4].consensus().status().seat,
            "node 4 starts as a follower"
        );
        let tx = signed(
            chain,
            &alice,
            0,
            add_stake(eve_hot.account_id(), 50_000 * 1_000_000_000),
        );
        chain.mempool().submit(tx).unwrap();
        sim.wait_height(&[0, 1, 2, 3, 4], 45, 3 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 2, 3, 4]);
        let eve_key = key_bytes(&sim.nodes[4].public_key());
        let epoch = (2..4)
            .find(|e| {
                chain
                    .seats(*e)
                    .is_some_and(|s| s.seats.iter().any(|x| x.consensus_key == eve_key))
            })
            .expect("eve is elected");
        let first = epoch * 10;
        let proposed = (first..first + 10)
            .filter(|h| chain.block_by_height(*h).unwrap().proposer == eve_hot.account_id())
            .count();
        assert!(proposed > 0, "the new seat proposes in epoch {epoch}");
        assert!(sim.nodes[4].consensus().status().seat);
        assert!(sim.nodes[4].consensus().evidence().is_empty());
    });
}

/// The same seed gives the same chain (and the same runtime audit trail).
#[test]
fn same_seed_same_result() {
    let domain = harness::spec(4, 50).build().unwrap().domain;
    let (alice, _) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    let txs: Vec<_> = (0..5)
        .map(|nonce| signed_for(&domain, &alice, nonce, transfer(bob.account_id(), 7)))
        .collect();
    let once = || {
        let txs = txs.clone();
        run(7, 5 * MINUTE, |ctx| async move {
            let sim = Sim::new(ctx.child("sim"), 4, 4, 50).await;
            for tx in txs {
                sim.nodes[0].chain().mempool().submit(tx).unwrap();
            }
            sim.wait_height(&[0, 1, 2, 3], 12, MINUTE).await;
            let chain = sim.nodes[0].chain();
            let blocks: Vec<_> = (1..=12)
                .map(|h| chain.block_by_height(h).unwrap())
                .collect();
            (blocks, ctx.auditor().state())
        })
    };
    let (first, audit) = once();
    let (second, audit_again) = once();
    assert_eq!(first.iter().map(|b| b.transactions.len()).sum::<usize>(), 5);
    assert_eq!(first, second);
    assert_eq!(audit, audit_again);
}

/// Seat 3 (dave) double-votes once in epoch 0: the honest nodes detect the conflict (and block
/// the offender on p2p, as commonware does with a peer that sends conflicting votes), report it
/// as a transaction, and all of them apply the same slash and jail (same blocks, same state
/// roots) while the chain keeps finalizing on the three honest seats; dave is left out of the
/// next election.
#[test]
fn a_double_voting_seat_is_slashed_and_jailed_on_every_node() {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, atomic::AtomicBool};
    use taonet_node::consensus::EvidenceKind;
    use taonet_runtime::slashing::{JailReason, slash_amount};

    run(11, 10 * MINUTE, |ctx| async move {
        let epoch_length = 40;
        let domain = harness::spec(4, epoch_length).build().unwrap().domain.chain;
        let plan = byzantine::Plan {
            key: harness::node_key(3),
            domain,
            epoch: 0,
            view: 6,
            done: Arc::new(AtomicBool::new(false)),
            round: Arc::new(Mutex::new(None)),
        };
        let sim = Sim::with_byzantine(
            ctx.child("sim"),
            4,
            4,
            epoch_length,
            BTreeMap::from([(3, plan.clone())]),
        )
        .await;
        let (_, dave_hot) = dev_keys("dave");
        let dave = dave_hot.account_id();
        let stake_before = sim.nodes[0]
            .chain()
            .finalized_state()
            .total_hotkey_stake(&dave);
        let burned_before = sim.nodes[0]
            .chain()
            .finalized_state()
            .globals()
            .total_burned;

        // Wait until every honest node has finalized the slash.
        let honest = [0, 1, 2];
        let deadline = ctx.current() + 2 * MINUTE;
        while !honest
            .iter()
            .all(|i| sim.nodes[*i].chain().finalized_state().is_jailed(&dave))
        {
            assert!(
                ctx.current() < deadline,
                "dave was not jailed; heights {:?}, double vote at {:?}",
                (0..4).map(|i| sim.height(i)).collect::<Vec<_>>(),
                plan.round.lock().unwrap()
            );
            sim.sleep(Duration::from_millis(200)).await;
        }
        let (epoch, view) = plan.round.lock().unwrap().expect("dave double-voted");
        assert_eq!(epoch, 0);
        // The honest nodes kept the evidence.
        for i in 0..3 {
            let evidence = sim.nodes[i].consensus().evidence().all();
            assert!(
                evidence
                    .iter()
                    .any(|e| e.kind == EvidenceKind::ConflictingNotarize
                        && e.view == view
                        && e.hotkey == Some(dave)),
                "node {i} kept the evidence: {evidence:?}"
            );
        }
        let slashed_at = sim.height(0);

        // The chain keeps finalizing, past the end of epoch 0 (where the seats of epoch 2 are
        // elected without dave) and into epoch 2.
        let target = (2 * epoch_length + 5).max(slashed_at + 10);
        sim.wait_height(&honest, target, 3 * MINUTE).await;
        let common = sim.assert_same_chain(&honest);
        assert!(common >= target);
        let roots: Vec<_> = honest
            .iter()
            .map(|i| {
                sim.nodes[*i]
                    .chain()
                    .block_by_height(common)
                    .unwrap()
                    .state_root
            })
            .collect();
        assert!(roots.windows(2).all(|w| w[0] == w[1]), "{roots:?}");

        let state = sim.nodes[1].chain().finalized_state();
        let jail = state.jail_of(&dave).unwrap();
        assert_eq!(jail.reason, JailReason::Equivocation);
        let slashes = state.slashes_of(&dave);
        assert_eq!(slashes.len(), 1, "one offence, slashed once: {slashes:?}");
        let record = slashes[0].1;
        let fraction = state.params().slash_fraction_ppb;
        assert_eq!(record.fraction_ppb, fraction);
        // dave's stake is all its own (no nominators): exactly the fraction of it was burned.
        assert_eq!(record.stake_burned, slash_amount(stake_before, fraction));
        assert!(record.stake_burned.0 > 0);
        // The slash is burned, and nothing else was.
        assert_eq!(
            state.globals().total_burned.0 - burned_before.0,
            record.stake_burned.0 + record.unbonding_burned.0
        );
        // Out of the election at the end of epoch 0: epoch 2 has three seats, none of them dave.
        let seats = state.seats(2).unwrap();
        assert_eq!(seats.seats.len(), 3);
        assert!(seats.seats.iter().all(|s| s.hotkey != dave));
        // Reported once (other reports of the same offence, if any, were refused).
        assert_eq!(state.offences().count(), 1);
    });
}

/// Seat 3 is down for the whole of epoch 0: at its end it is jailed for liveness (not
/// slashed) on every node and left out of epoch 2; the three others keep finalizing, and
/// participation shows who voted.
#[test]
fn an_offline_seat_is_jailed_for_liveness() {
    use taonet_runtime::slashing::JailReason;

    run(12, 10 * MINUTE, |ctx| async move {
        let epoch_length = 30;
        let mut sim = Sim::new(ctx.child("sim"), 4, 4, epoch_length).await;
        sim.crash(3).await;
        let (_, dave_hot) = dev_keys("dave");
        let dave = dave_hot.account_id();
        sim.wait_height(&[0, 1, 2], 2 * epoch_length + 5, 3 * MINUTE)
            .await;
        sim.assert_same_chain(&[0, 1, 2]);
        let state = sim.nodes[0].chain().finalized_state();
        let jail = state.jail_of(&dave).expect("dave is jailed");
        assert_eq!(jail.reason, JailReason::Liveness);
        assert_eq!(jail.jailed_at, epoch_length - 1, "at the end of epoch 0");
        assert!(state.slashes_of(&dave).is_empty(), "not slashed");
        let seats = state.seats(0).unwrap();
        let participation = state.participation(0).unwrap();
        assert!(participation.counted as u64 >= (epoch_length - 1) / 2);
        for (i, seat) in seats.seats.iter().enumerate() {
            if seat.hotkey == dave {
                assert_eq!(participation.voted[i], 0);
            } else {
                assert!(
                    participation.missed_ppb(i) < 100_000_000,
                    "{participation:?}"
                );
                assert!(!state.is_jailed(&seat.hotkey));
            }
        }
        assert!(
            state
                .seats(2)
                .unwrap()
                .seats
                .iter()
                .all(|s| s.hotkey != dave)
        );
        // The same, as the RPC reports it.
        use taonet_client::api::StateApiServer;
        use taonet_crypto::Ss58;
        let api = taonet_node::rpc::RpcApi::new(
            sim.nodes[0].chain().clone(),
            taonet_node::rpc::NetworkStatus::default(),
        );
        let info = api.state_get_participation(Some(0)).await.unwrap().unwrap();
        assert_eq!(info.epoch, 0);
        assert_eq!(info.counted_blocks, participation.counted);
        let row = info
            .seats
            .iter()
            .find(|s| s.hotkey == dave.to_ss58())
            .unwrap();
        assert_eq!(row.missed, participation.counted);
        assert_eq!(row.missed_ppb, 1_000_000_000);
        assert!(row.jailed);
        assert_eq!(info.seats.iter().filter(|s| s.jailed).count(), 1);

        // Back online, it follows the chain without a seat.
        sim.start(3).await;
        let target = sim.height(0) + 5;
        sim.wait_height(&[0, 1, 2, 3], target, 3 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 2, 3]);
    });
}

/// The p2p peer set of an epoch: seats as primary; this node, the operator's peers and then the
/// registered nodes (in stake order) as secondary, within the per-set limit, without
/// duplicates, and never dropping a seat.
#[test]
fn peer_sets_admit_registered_nodes_by_stake_within_the_limit() {
    use commonware_cryptography::Signer;
    use taonet_node::consensus::peer_set;
    let k = |i: u64| harness::node_key(i).public_key();
    let seats = vec![k(0), k(1), k(1)];
    let me = k(9);
    let configured = vec![k(2), k(0)];
    let registered = [k(1), k(3), k(4), k(5)];
    let sorted = |mut v: Vec<_>| {
        v.sort();
        v
    };
    let set = peer_set(seats.clone(), &configured, &me, registered.clone(), 100);
    assert_eq!(
        set.primary.iter().cloned().collect::<Vec<_>>(),
        sorted(vec![k(0), k(1)])
    );
    assert_eq!(
        set.secondary.iter().cloned().collect::<Vec<_>>(),
        sorted(vec![me.clone(), k(2), k(3), k(4), k(5)])
    );
    // A limit of 5 identities: the two seats, this node, the configured peer, and the most
    // staked registered node that is not already in.
    let set = peer_set(seats.clone(), &configured, &me, registered.clone(), 5);
    assert_eq!(
        set.secondary.iter().cloned().collect::<Vec<_>>(),
        sorted(vec![me.clone(), k(2), k(3)])
    );
    // Seats alone over the limit: the first ones are kept, with room for this node, instead
    // of a set p2p would refuse.
    let set = peer_set(seats.clone(), &configured, &me, registered.clone(), 2);
    assert_eq!(set.primary.iter().cloned().collect::<Vec<_>>(), vec![k(0)]);
    assert_eq!(
        set.secondary.iter().cloned().collect::<Vec<_>>(),
        vec![me.clone()]
    );
    // A seat holding node needs no extra room for itself.
    let set = peer_set(seats, &configured, &k(1), registered, 2);
    assert_eq!(set.primary.len(), 2);
    assert_eq!(set.secondary.len(), 0);
}

/// Governance schedules protocol version 2 (a new fee split) on 4 seats: at the height the
/// rule changes on every node with equal roots; a follower that runs version 1 only stops at
/// the height with a message instead of forking; a node started from genesis afterwards
/// syncs across the upgrade to the same head.
#[test]
fn an_upgrade_switches_every_node_and_an_old_node_halts_instead_of_forking() {
    use taonet_types::gov::{ProposalAction, VoteKind};
    use taonet_types::protocol::Upgrade;
    use taonet_types::tx::GovernanceCall;
    const HEIGHT: u64 = 30;
    run(11, 20 * MINUTE, |ctx| async move {
        let options = harness::SimOptions {
            max_versions: [(4, 1)].into_iter().collect(),
            late: vec![5],
            spec: Some(|spec| {
                spec.params.gov_voting_period = 6;
                spec.params.gov_execution_delay = 2;
            }),
            ..harness::SimOptions::default()
        };
        let mut sim = Sim::with_options(ctx.child("sim"), 6, 4, 200, options).await;
        let chain = sim.nodes[0].chain().clone();
        let (alice, _) = dev_keys("alice");
        let (bob, _) = dev_keys("bob");
        let upgrade = Upgrade {
            version: 2,
            height: HEIGHT,
            name: "v2-fee-burn".into(),
            notes: "half of the proposer's fee share is burned".into(),
        };
        let propose = taonet_types::Call::Governance(GovernanceCall::Propose {
            action: ProposalAction::ScheduleUpgrade(upgrade.clone()),
            description: "rehearsal".into(),
        });
        chain
            .mempool()
            .submit(signed(&chain, &alice, 0, propose))
            .unwrap();
        // Vote once the proposal is in a finalized block.
        loop {
            if chain.finalized_state().proposal(0).is_some() {
                break;
            }
            sim.sleep(Duration::from_millis(200)).await;
        }
        for (who, nonce) in [(&alice, 1), (&bob, 0)] {
            let vote = taonet_types::Call::Governance(GovernanceCall::Vote {
                proposal: 0,
                vote: VoteKind::Aye,
            });
            chain
                .mempool()
                .submit(signed(&chain, who, nonce, vote))
                .unwrap();
        }
        sim.wait_height(&[0, 1, 2, 3], HEIGHT - 5, 5 * MINUTE).await;
        let scheduled = chain.finalized_state();
        assert_eq!(
            scheduled.pending_upgrade(),
            Some(&upgrade),
            "scheduled in time"
        );
        // A transfer after the height pays the new split.
        sim.wait_height(&[0, 1, 2, 3], HEIGHT + 1, 5 * MINUTE).await;
        chain
            .mempool()
            .submit(signed(&chain, &alice, 2, transfer(bob.account_id(), 1_000)))
            .unwrap();
        sim.wait_height(&[0, 1, 2, 3], HEIGHT + 10, 5 * MINUTE)
            .await;
        let common = sim.assert_same_chain(&[0, 1, 2, 3]);
        for h in 1..=common {
            let b = chain.block_by_height(h).unwrap();
            assert_eq!(b.version, if h < HEIGHT { 1 } else { 2 }, "block {h}");
        }
        for i in 0..4 {
            let s = sim.nodes[i].chain().finalized_state();
            assert_eq!(s.protocol_version(), 2);
            assert!(
                s.globals.total_fees_burned.0 > 0,
                "node {i} burned part of the transfer's fee"
            );
        }
        // The old follower stopped just before the height, with the message, on the same
        // chain as everyone up to there.
        let old = sim.nodes[4].chain();
        assert_eq!(old.finalized().height, HEIGHT - 1);
        let reason = old.halted().expect("the version-1 node halted");
        assert!(
            reason.contains(&format!(
                "this chain moved to protocol v2 at height {HEIGHT}"
            )) && reason.contains("v2-fee-burn"),
            "{reason}"
        );
        for h in 0..HEIGHT {
            assert_eq!(
                old.block_by_height(h).unwrap().hash(),
                chain.block_by_height(h).unwrap().hash()
            );
        }
        // A fresh node syncs from genesis across the upgrade to the same head.
        sim.start(5).await;
        let target = sim.height(0);
        sim.wait_height(&[5], target, 5 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 2, 3, 5]);
        assert_eq!(sim.nodes[5].chain().finalized_state().protocol_version(), 2);
        // The old node, upgraded in place (restarted on its storage with this build), goes
        // on from the block it stopped at: that block was never acknowledged as handled.
        sim.crash(4).await;
        sim.max_versions.remove(&4);
        sim.sleep(Duration::from_secs(2)).await;
        sim.start(4).await;
        let target = sim.height(0) + 3;
        sim.wait_height(&[0, 4], target, 5 * MINUTE).await;
        sim.assert_same_chain(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(sim.nodes[4].chain().halted(), None);
    });
}
