//! Subnets: registration (lock cost, rate limit, limit), identity, hyperparameters.

use taonet_runtime::ChainSpec;
use taonet_runtime::error::{DispatchError, SubnetError};
use taonet_types::{HyperparamUpdate, Rao};

use crate::support::{Chain, add, call, cold, hot, key, sub, tao};

fn err(e: SubnetError) -> Result<(), DispatchError> {
    Err(DispatchError::Subnets(e))
}

#[test]
fn register_network_locks_the_cost_and_seats_the_owner() {
    let mut c = Chain::dev();
    c.advance(5);
    let bob = cold("bob");
    let h = hot("bob").account_id();
    let before = c.free(bob);
    let issuance = c.state.globals.total_issuance;
    assert_eq!(
        c.state.network_lock_cost(),
        tao(100),
        "network_min_lock first"
    );
    let r = c.ok(bob, call::register_network(h));
    let at = c.height();
    assert_eq!(c.free(bob), sub(sub(before, tao(100)), r.fee));
    assert_eq!(c.state.globals.total_locked, tao(100));
    let info = c.state.subnets.get(&2).expect("netuid 2, the lowest free");
    assert_eq!(info.owner, bob.account_id());
    assert_eq!(info.owner_hotkey, h);
    assert_eq!(info.locked, tao(100));
    assert_eq!(info.n, 1);
    assert_eq!(info.created_at, at);
    assert_eq!(info.burn, c.state.params().initial_burn);
    // Staggered first epoch: netuid mod tempo blocks earlier.
    assert_eq!(info.last_epoch_block, at - 2);
    assert_eq!(c.state.uid_of(2, &h), Some(0));
    assert_eq!(c.state.hotkey_owner(&h), Some(bob.account_id()));
    // The root epoch reran in the same block: both subnets now share equally.
    let s1 = c.state.subnets.get(&1).unwrap().emission_share;
    let s2 = c.state.subnets.get(&2).unwrap().emission_share;
    assert_eq!(s1, u64::MAX / 2 + 1);
    assert_eq!(s2, u64::MAX / 2);
    // Locking keeps the TAO in the issuance.
    assert!(c.state.globals.total_issuance >= issuance);
}

#[test]
fn lock_cost_doubles_then_decays_linearly() {
    let mut c = Chain::dev();
    c.ok(cold("bob"), call::register_network(hot("bob").account_id()));
    let first = c.height();
    // Immediately after: double the last lock.
    let interval = c.state.params().network_lock_reduction_interval;
    c.advance(5);
    let elapsed = c.height() - first;
    let expected =
        2 * 100 * 1_000_000_000u128 - 100 * 1_000_000_000u128 * elapsed as u128 / interval as u128;
    assert_eq!(c.state.network_lock_cost(), Rao(expected as u64));
    let charlie = cold("charlie");
    let before = c.free(charlie);
    // The transaction executes in the next block: one more block of decay.
    let expected = 2 * 100 * 1_000_000_000u128
        - 100 * 1_000_000_000u128 * (elapsed + 1) as u128 / interval as u128;
    let r = c.ok(charlie, call::register_network(hot("charlie").account_id()));
    assert_eq!(
        c.free(charlie),
        sub(sub(before, Rao(expected as u64)), r.fee)
    );
    assert_eq!(
        c.state.subnets.get(&3).unwrap().locked,
        Rao(expected as u64)
    );
    assert_eq!(
        c.state.globals.total_locked,
        add(tao(100), Rao(expected as u64))
    );
}

#[test]
fn lock_cost_never_decays_below_the_minimum() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.network_lock_reduction_interval = 4;
    let mut c = Chain::new(&spec);
    c.ok(cold("bob"), call::register_network(hot("bob").account_id()));
    c.advance(10);
    assert_eq!(c.state.network_lock_cost(), tao(100));
}

#[test]
fn register_network_errors() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.subnet_limit = 3;
    spec.params.network_rate_limit = 5;
    let mut c = Chain::new(&spec);
    // Another coldkey's hotkey (alice owns subnet 1's owner hotkey).
    let alice_hot = hot("alice").account_id();
    assert_eq!(
        c.submit(cold("bob"), call::register_network(alice_hot))
            .result,
        err(SubnetError::HotkeyNotOwned(alice_hot))
    );
    // Cannot afford the lock.
    let poor = key(1);
    c.ok(cold("alice"), call::transfer(poor.account_id(), tao(50)));
    let r = c.submit(&poor, call::register_network(key(2).account_id()));
    assert_eq!(
        r.result,
        err(SubnetError::CannotAffordLock {
            cost: tao(100),
            available: sub(tao(50), r.fee),
        })
    );
    assert_eq!(c.state.globals.total_locked, Rao::ZERO);
    // The first succeeds, a second within network_rate_limit blocks is refused.
    c.ok(cold("bob"), call::register_network(hot("bob").account_id()));
    let at = c.height();
    assert_eq!(
        c.submit(
            cold("charlie"),
            call::register_network(hot("charlie").account_id())
        )
        .result,
        err(SubnetError::RateLimited { next: at + 5 })
    );
    c.advance_to(at + 4);
    c.ok(
        cold("charlie"),
        call::register_network(hot("charlie").account_id()),
    );
    assert_eq!(c.height(), at + 5);
    c.advance(5);
    // Now the limit of three subnets besides root is reached.
    assert_eq!(
        c.submit(
            cold("dave"),
            call::register_network(hot("dave").account_id())
        )
        .result,
        err(SubnetError::LimitReached(3))
    );
    assert_eq!(c.state.subnets.len(), 4);
}

#[test]
fn set_identity_rules() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    assert_eq!(
        c.submit(alice, call::set_identity(9, "x", "", "")).result,
        err(SubnetError::NotFound(9))
    );
    assert_eq!(
        c.submit(cold("bob"), call::set_identity(1, "x", "", ""))
            .result,
        err(SubnetError::NotOwner(1))
    );
    let long = "a".repeat(257);
    for (i, field) in ["name", "url", "description"].into_iter().enumerate() {
        let texts: Vec<&str> = (0..3)
            .map(|j| if i == j { long.as_str() } else { "" })
            .collect();
        assert_eq!(
            c.state.clone().set_subnet_identity(
                &alice.account_id(),
                1,
                taonet_runtime::state::SubnetIdentity {
                    name: texts[0].into(),
                    url: texts[1].into(),
                    description: texts[2].into(),
                },
            ),
            Err(SubnetError::TextTooLong { field, max: 256 })
        );
    }
    let full = "b".repeat(256);
    c.ok(alice, call::set_identity(1, &full, "https://x", "d"));
    let id = &c.state.subnets.get(&1).unwrap().identity;
    assert_eq!(id.name, full);
    assert_eq!(id.url, "https://x");
    assert_eq!(id.description, "d");
}

#[test]
fn set_hyperparameter_rules() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    assert_eq!(
        c.submit(
            alice,
            call::set_hyperparameter(0, HyperparamUpdate::Tempo(20))
        )
        .result,
        err(SubnetError::RootSubnet)
    );
    assert_eq!(
        c.submit(
            alice,
            call::set_hyperparameter(7, HyperparamUpdate::Tempo(20))
        )
        .result,
        err(SubnetError::NotFound(7))
    );
    assert_eq!(
        c.submit(
            cold("bob"),
            call::set_hyperparameter(1, HyperparamUpdate::Tempo(20))
        )
        .result,
        err(SubnetError::NotOwner(1))
    );
    match c
        .submit(
            alice,
            call::set_hyperparameter(1, HyperparamUpdate::Tempo(5)),
        )
        .result
    {
        Err(DispatchError::Subnets(SubnetError::Hyperparam(m))) => {
            assert!(m.contains("tempo"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // Three neurons: max_allowed_uids may not go below them.
    c.ok(alice, call::register(1, key(1).account_id(), tao(1)));
    c.ok(alice, call::register(1, key(2).account_id(), tao(1)));
    match c
        .submit(
            alice,
            call::set_hyperparameter(1, HyperparamUpdate::MaxAllowedUids(2)),
        )
        .result
    {
        Err(DispatchError::Subnets(SubnetError::Hyperparam(m))) => {
            assert!(m.contains("max_allowed_uids"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    // None of the failures counted toward the rate limit.
    c.ok(
        alice,
        call::set_hyperparameter(1, HyperparamUpdate::Tempo(20)),
    );
    let at = c.height();
    assert_eq!(c.state.subnets.get(&1).unwrap().hyperparams.tempo, 20);
    // Two tempos (of the new tempo) between changes.
    assert_eq!(
        c.submit(
            alice,
            call::set_hyperparameter(1, HyperparamUpdate::ImmunityPeriod(7))
        )
        .result,
        err(SubnetError::HyperparamRateLimited { next: at + 40 })
    );
    c.advance_to(at + 39);
    c.ok(
        alice,
        call::set_hyperparameter(1, HyperparamUpdate::ImmunityPeriod(7)),
    );
    assert_eq!(
        c.state.subnets.get(&1).unwrap().hyperparams.immunity_period,
        7
    );
}
