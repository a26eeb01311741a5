//! Deterministic simulations of the taonet consensus layer: real chains, real commonware
//! simplex + marshal, simulated p2p and simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;
mod rpc;

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
