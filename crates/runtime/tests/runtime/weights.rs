//! Weights: every set_weights check in order, upscaling, rate limit, root weights, and
//! commit-reveal (too early, reveal, mismatch, expiry, too many commits).

use taonet_runtime::error::{DispatchError, WeightsError};
use taonet_runtime::{BlockError, ChainSpec, TxInvalid};
use taonet_types::tx::weights_commit_hash;
use taonet_types::{Rao, SubnetHyperparams};

use crate::support::{Chain, call, cold, hot, key, tao};

fn err(e: WeightsError) -> Result<(), DispatchError> {
    Err(DispatchError::Weights(e))
}

fn chain_with(f: impl FnOnce(&mut SubnetHyperparams)) -> Chain {
    let mut spec = ChainSpec::dev(&[]);
    let mut h = spec.params.default_hyperparams.clone();
    f(&mut h);
    spec.subnets[0].hyperparams = Some(h);
    Chain::new(&spec)
}

/// Subnet 1 with the owner (uid 0), validator bob (uid 1) and two miners (uids 2, 3).
fn subnet() -> Chain {
    let mut c = chain_with(|h| {
        h.min_allowed_weights = 2;
        h.weights_version_key = 3;
        h.stake_threshold = tao(1);
        h.tempo = 100;
    });
    let bob = cold("bob");
    let txs = c.txs(&[
        (bob, call::register(1, hot("bob").account_id(), tao(1))),
        (bob, call::register(1, key(2).account_id(), tao(1))),
        (bob, call::register(1, key(3).account_id(), tao(1))),
    ]);
    let out = c.block(&txs);
    assert!(out.receipts.iter().all(|r| r.success()));
    assert_eq!(c.state.subnets.get(&1).unwrap().n, 4);
    c
}

#[test]
fn set_weights_checks_in_order() {
    let mut c = subnet();
    let v = hot("bob");
    assert_eq!(
        c.submit_free(v, call::set_weights(1, &[2, 3], &[1], 3))
            .result,
        err(WeightsError::LengthMismatch {
            uids: 2,
            weights: 1,
        })
    );
    assert_eq!(
        c.submit_free(v, call::set_weights(1, &[0, 1, 2, 3, 4], &[1; 5], 3))
            .result,
        err(WeightsError::TooManyWeights { given: 5, n: 4 })
    );
    assert_eq!(
        c.submit_free(v, call::set_weights(1, &[2, 3], &[1, 1], 3))
            .result,
        err(WeightsError::NotEnoughStake {
            stake: Rao::ZERO,
            threshold: tao(1),
        })
    );
    c.ok(cold("bob"), call::add_stake(v.account_id(), tao(10)));
    assert_eq!(
        c.submit_free(v, call::set_weights(1, &[2, 3], &[1, 1], 2))
            .result,
        err(WeightsError::IncorrectVersionKey {
            given: 2,
            required: 3,
        })
    );
    assert_eq!(
        c.submit_free(v, call::set_weights(1, &[2, 3], &[1, 1], 3))
            .result,
        err(WeightsError::NoValidatorPermit)
    );
    // A lone self-weight needs neither a permit nor min_allowed_weights.
    c.ok(v, call::set_weights(1, &[1], &[9], 3));
    assert_eq!(
        c.state.neurons.get(&(1, 1)).unwrap().weights,
        vec![(1, 65535)]
    );
    assert_eq!(
        c.state.neurons.get(&(1, 1)).unwrap().last_update,
        c.height()
    );

    // The owner's hotkey needs neither stake nor a permit; the remaining checks apply.
    let o = hot("alice");
    assert_eq!(
        c.submit_free(o, call::set_weights(1, &[2, 2], &[1, 1], 3))
            .result,
        err(WeightsError::DuplicateUid(2))
    );
    assert_eq!(
        c.submit_free(o, call::set_weights(1, &[2, 9], &[1, 1], 3))
            .result,
        err(WeightsError::InvalidUid { uid: 9, n: 4 })
    );
    assert_eq!(
        c.submit_free(o, call::set_weights(1, &[2], &[1], 3)).result,
        err(WeightsError::TooFewWeights { given: 1, min: 2 })
    );
    // Max-upscaled, sorted by uid, explicit zeros kept.
    c.ok(o, call::set_weights(1, &[3, 1, 2], &[2, 0, 1], 3));
    assert_eq!(
        c.state.neurons.get(&(1, 0)).unwrap().weights,
        vec![(1, 0), (2, 32768), (3, 65535)]
    );
    // No such subnet (the hotkey check at validation normally stops this earlier).
    assert_eq!(
        c.state
            .clone()
            .set_weights(&o.account_id(), 9, &[1], &[1], 3),
        Err(WeightsError::SubnetNotFound(9))
    );
}

#[test]
fn weights_are_rate_limited_before_inclusion() {
    let mut c = subnet();
    let o = hot("alice");
    let limit = c
        .state
        .subnets
        .get(&1)
        .unwrap()
        .hyperparams
        .weights_rate_limit;
    assert_eq!(limit, 2);
    c.ok(o, call::set_weights(1, &[2, 3], &[1, 1], 3));
    let at = c.height();
    assert_eq!(
        c.invalid(c.tx(o, call::set_weights(1, &[2, 3], &[1, 1], 3))),
        TxInvalid::RateLimited {
            what: "setting weights",
            next: at + 2,
        }
    );
    c.ok(o, call::set_weights(1, &[2, 3], &[1, 2], 3));
    assert_eq!(c.height(), at + 2);
    // Free calls from a hotkey not on the subnet are not even includable.
    assert_eq!(
        c.invalid(c.tx(&key(9), call::set_weights(1, &[2, 3], &[1, 1], 3))),
        TxInvalid::HotkeyNotRegistered { netuid: 1 }
    );
}

#[test]
fn root_weights_name_subnets_and_set_emission_shares() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let hb = hot("bob");
    c.ok(bob, call::associate(hb.account_id()));
    c.ok(bob, call::add_stake(hb.account_id(), tao(100)));
    c.ok(bob, call::root_register(hb.account_id()));
    c.ok(
        cold("charlie"),
        call::register_network(hot("charlie").account_id()),
    );
    // Equal shares while nobody weights.
    assert_eq!(
        c.state.subnets.get(&1).unwrap().emission_share,
        u64::MAX / 2 + 1
    );
    for bad in [0u16, 3] {
        assert_eq!(
            c.submit_free(hb, call::set_weights(0, &[bad], &[1], 0))
                .result,
            err(WeightsError::InvalidSubnetWeight(bad))
        );
    }
    c.ok(hb, call::set_weights(0, &[2], &[1], 0));
    // The next root epoch (every root_tempo = 10 blocks) gives subnet 2 everything.
    let next = c.state.globals.last_root_epoch + 10;
    c.advance_to(next);
    assert_eq!(c.state.subnets.get(&1).unwrap().emission_share, 0);
    assert_eq!(c.state.subnets.get(&2).unwrap().emission_share, u64::MAX);
    // From then on the whole block reward accrues to subnet 2.
    let p1 = c.state.subnets.get(&1).unwrap().pending_emission;
    let p2 = c.state.subnets.get(&2).unwrap().pending_emission;
    let out = c.block(&[]);
    if out.epochs.is_empty() {
        assert_eq!(c.state.subnets.get(&1).unwrap().pending_emission, p1);
        assert_eq!(
            c.state.subnets.get(&2).unwrap().pending_emission,
            Rao(p2.0 + 1_000_000_000)
        );
    }
    assert_eq!(out.accrued, tao(1));
}

/// Subnet 1 with commit-reveal (reveal one epoch later, tempo 10) and two miners.
fn cr_subnet(rate_limit: u64) -> Chain {
    let mut c = chain_with(|h| {
        h.commit_reveal_enabled = true;
        h.reveal_period_epochs = 1;
        h.tempo = 10;
        h.weights_rate_limit = rate_limit;
    });
    let bob = cold("bob");
    let txs = c.txs(&[
        (bob, call::register(1, key(2).account_id(), tao(1))),
        (bob, call::register(1, key(3).account_id(), tao(1))),
    ]);
    c.block(&txs);
    c
}

#[test]
fn commit_reveal_too_early_then_in_the_reveal_epoch() {
    let mut c = cr_subnet(2);
    let o = hot("alice");
    let oid = o.account_id();
    // Direct weights are refused on a commit-reveal subnet.
    assert_eq!(
        c.submit_free(o, call::set_weights(1, &[1, 2], &[1, 1], 0))
            .result,
        err(WeightsError::CommitRevealEnabled(1))
    );
    let hash = weights_commit_hash(&oid, 1, &[1, 2], &[1, 3], &[7, 8], 0);
    c.ok(o, call::commit(1, hash));
    assert_eq!(c.state.subnets.get(&1).unwrap().epoch_index, 0);
    let commits = c.state.commits.get(&(1, oid)).unwrap().0.clone();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0].epoch, 0);
    assert_eq!(commits[0].block, c.height());
    c.advance(2);
    let early = c.submit_free(o, call::reveal(1, &[1, 2], &[1, 3], &[7, 8], 0));
    let Err(DispatchError::Weights(WeightsError::RevealTooEarly { from, epoch })) = early.result
    else {
        panic!("{:?}", early.result)
    };
    assert_eq!(epoch, 1);
    assert_eq!(
        c.submit_free(o, call::reveal(1, &[1, 2], &[1, 3], &[7, 9], 0))
            .result,
        err(WeightsError::NoMatchingCommit),
        "a wrong salt matches nothing"
    );
    // The reveal works from the block the error names.
    c.advance_to(from - 1);
    let r = c.submit_free(o, call::reveal(1, &[1, 2], &[1, 3], &[7, 8], 0));
    assert_eq!(c.height(), from);
    assert_eq!(r.result, Ok(()));
    assert_eq!(
        c.state.neurons.get(&(1, 0)).unwrap().weights,
        vec![(1, 21845), (2, 65535)]
    );
    assert!(
        c.state.commits.get(&(1, oid)).is_none(),
        "the commit is used up"
    );
    // Revealing the same thing twice finds nothing.
    c.advance(2);
    assert_eq!(
        c.submit_free(o, call::reveal(1, &[1, 2], &[1, 3], &[7, 8], 0))
            .result,
        err(WeightsError::NoMatchingCommit)
    );
    // Commits on a subnet without commit-reveal are refused.
    let mut s = c.state.clone();
    s.subnets
        .get_mut(&1)
        .unwrap()
        .hyperparams
        .commit_reveal_enabled = false;
    assert_eq!(
        s.clone().commit_weights(&oid, 1, hash),
        Err(WeightsError::CommitRevealDisabled(1))
    );
    assert_eq!(
        s.reveal_weights(&oid, 1, &[1, 2], &[1, 3], &[7, 8], 0),
        Err(WeightsError::CommitRevealDisabled(1))
    );
}

#[test]
fn unrevealed_commits_expire_after_their_reveal_epoch() {
    let mut c = cr_subnet(2);
    let o = hot("alice");
    let oid = o.account_id();
    c.advance_to(11);
    let hash = weights_commit_hash(&oid, 1, &[1, 2], &[1, 1], &[1], 0);
    c.ok(o, call::commit(1, hash));
    assert_eq!(c.state.subnets.get(&1).unwrap().epoch_index, 1);
    // Reveal epoch is 2 (blocks 21..=30 after the epoch at 20); at block 30's epoch the
    // index becomes 3: the commit is expired but kept one more epoch to say so.
    c.advance_to(29);
    assert!(c.state.commits.get(&(1, oid)).is_some());
    let out = c.block(&[]);
    assert_eq!(out.epochs.len(), 1);
    assert_eq!(c.state.subnets.get(&1).unwrap().epoch_index, 3);
    assert!(c.state.commits.get(&(1, oid)).is_some());
    assert_eq!(
        c.submit_free(o, call::reveal(1, &[1, 2], &[1, 1], &[1], 0))
            .result,
        err(WeightsError::CommitExpired(2))
    );
    // At the next epoch it is dropped, and a reveal finds nothing.
    c.advance_to(40);
    assert_eq!(c.state.subnets.get(&1).unwrap().epoch_index, 4);
    assert!(
        c.state.commits.get(&(1, oid)).is_none(),
        "expired commits are dropped"
    );
    assert_eq!(
        c.submit_free(o, call::reveal(1, &[1, 2], &[1, 1], &[1], 0))
            .result,
        err(WeightsError::NoMatchingCommit)
    );
}

#[test]
fn at_most_ten_unrevealed_commits() {
    let mut c = cr_subnet(0);
    let o = hot("alice");
    let calls: Vec<_> = (0..11u16)
        .map(|i| {
            let h = weights_commit_hash(&o.account_id(), 1, &[1], &[1], &[i], 0);
            (o, call::commit(1, h))
        })
        .collect();
    let txs = c.txs(&calls);
    let (out, rejected) = c.try_block(&txs);
    assert_eq!(out.receipts.len(), 10);
    assert!(out.receipts.iter().all(|r| r.success()));
    // The eleventh is a failing free call: not included at all.
    assert_eq!(
        rejected,
        vec![(
            txs[10].hash(),
            TxInvalid::FreeCallFailed(DispatchError::Weights(WeightsError::TooManyCommits(10)))
        )]
    );
    assert_eq!(
        c.state.commits.get(&(1, o.account_id())).unwrap().0.len(),
        10
    );
}

/// The attack that stopped block production: one registered hotkey sends many maximum-size
/// reveals that match no commit. Free calls that fail are never included, so none of them takes
/// block space, the block builds, and the hotkey's nonce and state stay as they were.
#[test]
fn failing_reveals_take_no_block_space() {
    let mut c = cr_subnet(0);
    let o = hot("alice");
    let uids: Vec<u16> = (0..4).collect();
    let junk: Vec<_> = (0..200u16)
        .map(|i| (o, call::reveal(1, &uids, &[1; 4], &[i; 64], 0)))
        .collect();
    let txs = c.txs(&junk);
    let nonce = c.state.nonce(&o.account_id());
    let (out, rejected) = c.try_block(&txs);
    assert!(out.receipts.is_empty());
    assert_eq!(
        rejected.len(),
        1,
        "the first fails; the later nonces are held back"
    );
    assert!(matches!(
        rejected[0].1,
        TxInvalid::FreeCallFailed(DispatchError::Weights(WeightsError::NoMatchingCommit))
    ));
    assert_eq!(c.state.nonce(&o.account_id()), nonce);
    assert!(
        c.blocks.last().unwrap().transactions.is_empty(),
        "the block carries none of them"
    );
    // A block that carries one anyway is invalid on every node.
    let mut forged = c.build(&[]).block;
    forged.transactions = vec![c.tx(o, call::reveal(1, &uids, &[1; 4], &[0; 64], 0))];
    assert!(matches!(
        c.apply(&forged),
        Err(BlockError::InvalidTransaction {
            index: 0,
            error: TxInvalid::FreeCallFailed(_)
        })
    ));
}
