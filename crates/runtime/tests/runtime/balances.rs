//! Balances: transfers and their errors; failed calls pay the fee and change nothing else.

use taonet_runtime::error::{BalancesError, DispatchError};
use taonet_types::Rao;

use crate::support::{Chain, PROPOSER, add, call, cold, key, sub, tao};

#[test]
fn transfer_moves_exactly_the_amount_and_the_fee() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let dest = key(1).account_id();
    let issuance = c.state.globals.total_issuance;
    let before = c.free(alice);
    let r = c.ok(alice, call::transfer(dest, tao(5)));
    assert!(r.fee > Rao::ZERO);
    assert_eq!(c.free(alice), sub(sub(before, tao(5)), r.fee));
    assert_eq!(c.state.free(&dest), tao(5));
    // The fee goes to the proposer, less the treasury's share (rounded down).
    let to_treasury = Rao(
        (u128::from(r.fee.0) * u128::from(c.state.params().treasury_fee_share) / 1_000_000_000)
            as u64,
    );
    assert_eq!(c.state.free(&PROPOSER), sub(r.fee, to_treasury));
    assert_eq!(
        c.state.treasury_balance(),
        add(c.genesis.globals.treasury, to_treasury)
    );
    assert_eq!(c.state.nonce(&alice.account_id()), 1);
    // Block rewards accrue as pending emission; a transfer never changes issuance.
    assert_eq!(c.state.globals.total_issuance, issuance);
}

fn failing_transfer(amount: Rao, to_self: bool, dest_seed: u8) -> (Chain, DispatchError) {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let dest = if to_self {
        alice.account_id()
    } else {
        key(dest_seed).account_id()
    };
    let before = c.free(alice);
    let root_state = c.state.clone();
    let r = c.submit(alice, call::transfer(dest, amount));
    let err = r.result.clone().expect_err("the transfer fails");
    // Only the fee and nonce changed.
    assert_eq!(c.free(alice), sub(before, r.fee));
    assert_eq!(c.state.nonce(&alice.account_id()), 1);
    if !to_self {
        assert_eq!(c.state.free(&dest), root_state.free(&dest));
    }
    (c, err)
}

#[test]
fn zero_amount_is_refused() {
    let (_, e) = failing_transfer(Rao::ZERO, false, 1);
    assert_eq!(e, DispatchError::Balances(BalancesError::ZeroAmount));
}

#[test]
fn self_transfer_is_refused() {
    let (_, e) = failing_transfer(tao(1), true, 0);
    assert_eq!(e, DispatchError::Balances(BalancesError::SelfTransfer));
}

#[test]
fn insufficient_balance_names_amounts() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let free = c.free(alice);
    let r = c.submit(alice, call::transfer(key(1).account_id(), free));
    // The fee was taken first, so the full former balance is no longer there.
    assert_eq!(
        r.result,
        Err(DispatchError::Balances(
            BalancesError::InsufficientBalance {
                needed: free,
                available: sub(free, r.fee),
            }
        ))
    );
    assert_eq!(c.state.free(&key(1).account_id()), Rao::ZERO);
}

#[test]
fn dust_accounts_cannot_be_created() {
    let ed = taonet_types::ChainParams::default().existential_deposit;
    let (mut c, e) = failing_transfer(Rao(ed.0 - 1), false, 2);
    assert_eq!(
        e,
        DispatchError::Balances(BalancesError::BelowExistentialDeposit {
            balance: Rao(ed.0 - 1),
            minimum: ed,
        })
    );
    // Exactly the existential deposit is fine, and then any top-up is too.
    let dest = key(2).account_id();
    c.ok(cold("alice"), call::transfer(dest, ed));
    c.ok(cold("alice"), call::transfer(dest, Rao(1)));
    assert_eq!(c.state.free(&dest), add(ed, Rao(1)));
}

#[test]
fn a_poor_account_can_spend_all_but_the_fee() {
    let mut c = Chain::dev();
    let poor = key(3);
    c.ok(cold("alice"), call::transfer(poor.account_id(), tao(1)));
    let tx = c.tx(&poor, call::transfer(key(4).account_id(), Rao(1)));
    let fee = Rao(100_000 + 100 * commonware_codec::EncodeSize::encode_size(&tx) as u64);
    let amount = sub(tao(1), fee);
    let r = c.ok(&poor, call::transfer(key(4).account_id(), amount));
    assert_eq!(r.fee, fee);
    assert_eq!(c.free(&poor), Rao::ZERO);
    assert_eq!(c.state.free(&key(4).account_id()), amount);
    // The emptied account keeps its nonce (accounts are never deleted).
    assert_eq!(c.state.nonce(&poor.account_id()), 1);
}
