//! Neurons: burned registration (price, burn, pruning when full), root registration, serving.

use taonet_runtime::error::{DispatchError, NeuronError};
use taonet_runtime::{ChainSpec, TxInvalid};
use taonet_types::tx::AxonInfo;
use taonet_types::{HyperparamUpdate, Rao, SubnetHyperparams};

use crate::support::{Chain, call, cold, hot, key, minted, sub, tao};

fn err(e: NeuronError) -> Result<(), DispatchError> {
    Err(DispatchError::Neurons(e))
}

/// The dev chain with subnet 1 shaped by `f`.
fn chain_with(f: impl FnOnce(&mut SubnetHyperparams)) -> Chain {
    let mut spec = ChainSpec::dev(&[]);
    let mut h = spec.params.default_hyperparams.clone();
    f(&mut h);
    spec.subnets[0].hyperparams = Some(h);
    Chain::new(&spec)
}

#[test]
fn burned_register_burns_the_price_and_raises_it() {
    let mut c = chain_with(|h| h.burn_half_life = 10);
    let bob = cold("bob");
    let m = key(1).account_id();
    // The genesis price (initial_burn, 0.1 TAO) decays from block 0: at block 10, half.
    assert_eq!(c.state.params().initial_burn, Rao(100_000_000));
    c.advance(9);
    let before = c.free(bob);
    let issuance = c.state.globals.total_issuance;
    let burned = c.state.globals.total_burned;
    let tx = c.tx(bob, call::register(1, m, tao(1)));
    let out = c.block(&[tx]);
    let r = &out.receipts[0];
    assert!(r.success());
    assert_eq!(c.height(), 10);
    assert_eq!(c.free(bob), sub(sub(before, Rao(50_000_000)), r.fee));
    assert_eq!(
        c.state.globals.total_issuance.0,
        issuance.0 - 50_000_000 + minted([&out]).0,
        "the burn leaves the issuance"
    );
    assert_eq!(c.state.globals.total_burned.0 - burned.0, 50_000_000);
    assert_eq!(c.state.uid_of(1, &m), Some(1));
    assert_eq!(c.state.hotkey_owner(&m), Some(bob.account_id()));
    let info = c.state.subnets.get(&1).unwrap();
    assert_eq!(info.n, 2);
    // ×1.26.
    assert_eq!(info.burn, Rao(63_000_000));
    let n = c.state.neurons.get(&(1, 1)).unwrap();
    assert_eq!(n.registered_at, c.height());
    // The price halves every burn_half_life blocks.
    let at = c.height();
    c.advance(10);
    assert_eq!(
        taonet_runtime::neurons::current_burn(c.state.subnets.get(&1).unwrap(), at + 10),
        Rao(31_500_000)
    );
    c.advance(9);
    let before = c.free(bob);
    let issuance = c.state.globals.total_issuance;
    // Executed at at + 20: two half-lives.
    let tx = c.tx(bob, call::register(1, key(2).account_id(), tao(1)));
    let out = c.block(&[tx]);
    assert!(out.receipts[0].success());
    assert_eq!(c.height(), at + 20);
    assert_eq!(
        c.free(bob),
        sub(sub(before, Rao(15_750_000)), out.receipts[0].fee)
    );
    assert_eq!(
        c.state.globals.total_issuance.0,
        issuance.0 - 15_750_000 + minted([&out]).0
    );
    assert_eq!(c.state.subnets.get(&1).unwrap().burn, Rao(19_845_000));
    // Never below min_burn, however long the subnet idles.
    c.advance(200);
    let now = c.height();
    assert_eq!(
        taonet_runtime::neurons::current_burn(c.state.subnets.get(&1).unwrap(), now),
        Rao(500_000)
    );
}

#[test]
fn burned_register_errors() {
    // Half-life 10: transactions of block 10 see exactly half the initial 0.1 TAO.
    let mut c = chain_with(|h| h.burn_half_life = 10);
    let bob = cold("bob");
    let m = key(1).account_id();
    assert_eq!(
        c.submit(bob, call::register(0, m, tao(1))).result,
        err(NeuronError::UseRootRegister)
    );
    assert_eq!(
        c.submit(bob, call::register(5, m, tao(1))).result,
        err(NeuronError::SubnetNotFound(5))
    );
    c.advance_to(9);
    assert_eq!(
        c.submit(bob, call::register(1, m, Rao(49_999_999))).result,
        err(NeuronError::PriceLimitExceeded {
            burn: Rao(50_000_000),
            limit: Rao(49_999_999),
        })
    );
    let alice_hot = hot("alice").account_id();
    assert_eq!(
        c.submit(bob, call::register(1, alice_hot, tao(1))).result,
        err(NeuronError::AlreadyRegistered { netuid: 1, uid: 0 })
    );
    // alice's hotkey registered elsewhere would still be alice's.
    c.ok(cold("alice"), call::register_network(key(50).account_id()));
    assert_eq!(
        c.submit(bob, call::register(2, alice_hot, tao(1))).result,
        err(NeuronError::HotkeyNotOwned(alice_hot))
    );
    let poor = key(3);
    c.ok(
        cold("alice"),
        call::transfer(poor.account_id(), Rao(20_000_000)),
    );
    c.advance_to(19);
    let r = c.submit(&poor, call::register(1, m, tao(1)));
    assert_eq!(c.height(), 20);
    assert_eq!(
        r.result,
        err(NeuronError::CannotAffordBurn {
            burn: Rao(25_000_000),
            available: sub(Rao(20_000_000), r.fee),
        })
    );
    c.ok(
        cold("alice"),
        call::set_hyperparameter(1, HyperparamUpdate::RegistrationAllowed(false)),
    );
    assert_eq!(
        c.submit(bob, call::register(1, m, tao(1))).result,
        err(NeuronError::RegistrationDisabled(1))
    );
    assert_eq!(c.state.subnets.get(&1).unwrap().n, 1);
    assert_eq!(c.state.uid_of(1, &m), None);
}

#[test]
fn registration_when_full_prunes_the_oldest_non_immune_neuron() {
    let mut c = chain_with(|h| {
        h.max_allowed_uids = 3;
        h.max_allowed_validators = 3;
        h.immunity_period = 5;
        h.tempo = 100;
    });
    let bob = cold("bob");
    let (a, b, cc, d) = (key(11), key(12), key(13), key(14));
    c.ok(bob, call::register(1, a.account_id(), tao(1)));
    assert_eq!(c.height(), 1);
    c.ok(bob, call::register(1, b.account_id(), tao(1)));
    assert_eq!(c.state.subnets.get(&1).unwrap().n, 3);
    // Full and every neuron immune (or the owner).
    let before = c.free(bob);
    let r = c.submit(bob, call::register(1, cc.account_id(), tao(1)));
    assert_eq!(r.result, err(NeuronError::NoSlotAvailable(1)));
    assert_eq!(c.free(bob), sub(before, r.fee), "no burn on failure");
    // At block 6, a (registered at 1) has served its immunity; b (at 2) has not.
    c.advance_to(5);
    assert_eq!(c.state.prune_candidate(1), None);
    c.ok(bob, call::register(1, cc.account_id(), tao(1)));
    assert_eq!(c.height(), 6);
    assert_eq!(c.state.uid_of(1, &a.account_id()), None, "a was pruned");
    assert_eq!(c.state.uid_of(1, &cc.account_id()), Some(1));
    assert_eq!(c.state.neurons.get(&(1, 1)).unwrap().registered_at, 6);
    assert_eq!(c.state.subnets.get(&1).unwrap().n, 3);
    // Later both b (2) and cc (6) are prunable with equal emission: the earlier goes.
    c.advance_to(11);
    assert_eq!(c.state.prune_candidate(1), Some(2));
    c.ok(bob, call::register(1, d.account_id(), tao(1)));
    assert_eq!(c.state.uid_of(1, &b.account_id()), None);
    assert_eq!(c.state.uid_of(1, &d.account_id()), Some(2));
    assert_eq!(c.state.uid_of(1, &cc.account_id()), Some(1));
    assert_eq!(
        c.state.uid_of(1, &hot("alice").account_id()),
        Some(0),
        "the owner stays"
    );
    // The lowest emission goes first, whatever the registration order.
    c.advance_to(40);
    let mut s = c.state.clone();
    s.neurons.get_mut(&(1, 1)).unwrap().emission = Rao(10);
    s.neurons.get_mut(&(1, 2)).unwrap().emission = Rao(9);
    assert_eq!(s.prune_candidate(1), Some(2));
    s.neurons.get_mut(&(1, 2)).unwrap().emission = Rao(11);
    assert_eq!(s.prune_candidate(1), Some(1));
}

#[test]
fn root_register_enters_a_candidate_and_membership_follows_stake() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.root_max_uids = 1;
    let mut c = Chain::new(&spec);
    let (bob, charlie) = (cold("bob"), cold("charlie"));
    let (hb, hc) = (hot("bob").account_id(), hot("charlie").account_id());
    c.ok(bob, call::associate(hb));
    c.ok(bob, call::add_stake(hb, tao(5)));
    c.ok(bob, call::root_register(hb));
    assert_eq!(c.state.uid_of(0, &hb), Some(0));
    assert_eq!(
        c.submit(bob, call::root_register(hb)).result,
        err(NeuronError::AlreadyRootCandidate { uid: Some(0) })
    );
    c.ok(charlie, call::associate(hc));
    c.ok(charlie, call::add_stake(hc, tao(5)));
    assert_eq!(
        c.submit(cold("dave"), call::root_register(hc)).result,
        err(NeuronError::HotkeyNotOwned(hc))
    );
    // The root is full: charlie waits as a candidate; on equal stake the earlier one stays.
    c.ok(charlie, call::root_register(hc));
    assert_eq!(c.state.uid_of(0, &hc), None);
    let tempo = u64::from(c.state.params().root_tempo);
    c.advance(tempo);
    assert_eq!(c.state.uid_of(0, &hb), Some(0));
    // More stake: charlie takes the seat at the next root epoch.
    c.ok(charlie, call::add_stake(hc, tao(1)));
    c.advance(tempo);
    assert_eq!(c.state.uid_of(0, &hc), Some(0));
    assert_eq!(c.state.uid_of(0, &hb), None);
    assert_eq!(c.state.subnets.get(&0).unwrap().n, 1);
}

#[test]
fn serve_axon_checks_the_address_and_rate() {
    let mut c = Chain::dev();
    let m = key(1);
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    let good = AxonInfo {
        version: 1,
        ip: 0x7f00_0001,
        port: 8091,
        ip_type: 4,
        protocol: 4,
    };
    for (axon, why) in [
        (AxonInfo { ip_type: 5, ..good }, "ip_type must be 4 or 6"),
        (
            AxonInfo {
                ip: 1 << 40,
                ..good
            },
            "an IPv4 address must fit in 32 bits",
        ),
        (AxonInfo { port: 0, ..good }, "port must not be 0"),
        (
            AxonInfo { ip: 0, ..good },
            "address must not be 0.0.0.0 or ::",
        ),
    ] {
        assert_eq!(
            c.submit_free(&m, call::serve_axon(1, axon)).result,
            err(NeuronError::InvalidAxon(why))
        );
    }
    // Free: the hotkey holds nothing and pays nothing.
    let r = c.ok(&m, call::serve_axon(1, good));
    assert_eq!(r.fee, Rao::ZERO);
    let at = c.height();
    assert_eq!(c.state.neurons.get(&(1, 1)).unwrap().axon, good);
    let v6 = AxonInfo {
        ip: u128::MAX,
        ip_type: 6,
        ..good
    };
    assert_eq!(
        c.invalid(c.tx(&m, call::serve_axon(1, v6))),
        TxInvalid::RateLimited {
            what: "serving the axon",
            next: at + 2,
        }
    );
    c.advance_to(at + 1);
    c.ok(&m, call::serve_axon(1, v6));
    assert_eq!(c.state.neurons.get(&(1, 1)).unwrap().axon, v6);
    // An unregistered hotkey may not make free calls at all.
    assert_eq!(
        c.invalid(c.tx(&key(2), call::serve_axon(1, good))),
        TxInvalid::HotkeyNotRegistered { netuid: 1 }
    );
    assert_eq!(
        c.state.clone().serve_axon(&key(2).account_id(), 1, &good),
        Err(NeuronError::NotRegistered(1))
    );
}
