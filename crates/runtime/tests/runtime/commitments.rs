//! Commitments: set and read back, the free-call rules (registered signer, rate limit, data
//! length), and a replaced uid losing its commitment.

use commonware_codec::{DecodeExt, Encode};
use taonet_runtime::error::{CommitmentError, DispatchError};
use taonet_runtime::{ChainSpec, State, TxInvalid};
use taonet_types::tx::MAX_COMMITMENT_BYTES;
use taonet_types::{Hash, HyperparamUpdate, Rao, SignedTransaction, SubnetHyperparams};

use crate::support::{Chain, call, cold, hot, key, tao};

/// The dev chain with subnet 1 shaped by `f`.
fn chain_with(f: impl FnOnce(&mut SubnetHyperparams)) -> Chain {
    let mut spec = ChainSpec::dev(&[]);
    let mut h = spec.params.default_hyperparams.clone();
    f(&mut h);
    spec.subnets[0].hyperparams = Some(h);
    Chain::new(&spec)
}

#[test]
fn set_and_read_back_then_rate_limited() {
    let mut c = chain_with(|h| h.commitment_rate_limit = 5);
    let m = key(1);
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    assert_eq!(c.state.commitment(1, 1), None);
    // Free: the hotkey holds nothing and pays nothing.
    let r = c.ok(&m, call::set_commitment(1, b"sha256:abcd"));
    assert_eq!(r.fee, Rao::ZERO);
    assert_eq!(r.call, "commitments.set");
    let at = c.height();
    let got = c.state.commitment(1, 1).unwrap();
    assert_eq!((got.data.as_slice(), got.block), (&b"sha256:abcd"[..], at));
    // Too early: invalid, never included.
    assert_eq!(
        c.invalid(c.tx(&m, call::set_commitment(1, b"v2"))),
        TxInvalid::RateLimited {
            what: "committing data",
            next: at + 5,
        }
    );
    c.advance_to(at + 4);
    let r = c.ok(&m, call::set_commitment(1, &[0xff; MAX_COMMITMENT_BYTES]));
    assert_eq!(r.fee, Rao::ZERO);
    let got = c.state.commitment(1, 1).unwrap();
    assert_eq!((got.data.len(), got.block), (MAX_COMMITMENT_BYTES, at + 5));
    // The owner changes the limit: 0 lets the next block commit again.
    c.ok(
        cold("alice"),
        call::set_hyperparameter(1, HyperparamUpdate::CommitmentRateLimit(0)),
    );
    c.ok(&m, call::set_commitment(1, b"v3"));
    assert_eq!(c.state.commitment(1, 1).unwrap().data, b"v3");
    // Each subnet and uid has its own: the owner's uid 0 commits at once.
    c.ok(hot("alice"), call::set_commitment(1, b"owner"));
    assert_eq!(c.state.commitment(1, 0).unwrap().data, b"owner");
    assert_eq!(c.state.commitment(1, 1).unwrap().data, b"v3");
}

#[test]
fn unregistered_empty_and_oversized_commitments_are_refused() {
    let mut c = Chain::dev();
    let m = key(1);
    // An unregistered hotkey may not make free calls at all.
    assert_eq!(
        c.invalid(c.tx(&m, call::set_commitment(1, b"x"))),
        TxInvalid::HotkeyNotRegistered { netuid: 1 }
    );
    assert_eq!(
        c.invalid(c.tx(&m, call::set_commitment(9, b"x"))),
        TxInvalid::HotkeyNotRegistered { netuid: 9 }
    );
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    // Empty data: the call fails, so the free call is invalid and leaves no trace.
    assert_eq!(
        c.fail(&m, call::set_commitment(1, b"")),
        DispatchError::Commitments(CommitmentError::Empty)
    );
    assert_eq!(c.state.commitment(1, 1), None);
    // More than 1 KiB does not even decode.
    let tx = c.tx(&m, call::set_commitment(1, &[1; MAX_COMMITMENT_BYTES + 1]));
    assert!(SignedTransaction::decode(tx.encode()).is_err());
    // A call not built by the decoder is still refused by the runtime.
    let mut s = c.state.clone();
    assert_eq!(
        s.set_commitment(&m.account_id(), 1, &[1; MAX_COMMITMENT_BYTES + 1]),
        Err(CommitmentError::TooLong {
            len: MAX_COMMITMENT_BYTES + 1,
            max: MAX_COMMITMENT_BYTES,
        })
    );
    assert_eq!(
        s.set_commitment(&key(2).account_id(), 1, b"x"),
        Err(CommitmentError::NotRegistered(1))
    );
    assert_eq!(
        s.set_commitment(&m.account_id(), 9, b"x"),
        Err(CommitmentError::SubnetNotFound(9))
    );
}

#[test]
fn a_replaced_uid_loses_its_commitment() {
    let mut c = chain_with(|h| {
        h.max_allowed_uids = 2;
        h.max_allowed_validators = 2;
        h.immunity_period = 3;
        h.commitment_rate_limit = 100;
    });
    let bob = cold("bob");
    let (a, b) = (key(11), key(12));
    c.ok(bob, call::register(1, a.account_id(), tao(1)));
    assert_eq!(c.state.uid_of(1, &a.account_id()), Some(1));
    c.ok(&a, call::set_commitment(1, b"a's model"));
    assert!(c.state.commitment(1, 1).is_some());
    c.advance(3);
    // The subnet is full; a has served its immunity and is replaced by b.
    c.ok(bob, call::register(1, b.account_id(), tao(1)));
    assert_eq!(c.state.uid_of(1, &b.account_id()), Some(1));
    assert_eq!(c.state.commitment(1, 1), None, "b does not inherit a's");
    // Nor a's rate limit: b commits at once.
    c.ok(&b, call::set_commitment(1, b"b's model"));
    assert_eq!(c.state.commitment(1, 1).unwrap().data, b"b's model");
    assert_eq!(c.state.commitment(1, 1).unwrap().block, c.height());
}

#[test]
fn a_block_of_commitments_keeps_invariants_and_replays() {
    let mut c = Chain::dev();
    let miners: Vec<_> = (20..24).map(key).collect();
    for m in &miners {
        c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    }
    // Four commitments, a transfer and a second commitment of one hotkey (rate-limited:
    // left out) in one block; the harness checks the invariants and that building and
    // applying agree.
    let mut calls: Vec<_> = miners
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                m,
                call::set_commitment(1, format!("endpoint {i}").as_bytes()),
            )
        })
        .collect();
    let transfer = call::transfer(key(99).account_id(), tao(1));
    calls.push((cold("bob"), transfer));
    calls.push((&miners[0], call::set_commitment(1, b"again")));
    let txs = c.txs(
        &calls
            .iter()
            .map(|(k, c)| (*k, c.clone()))
            .collect::<Vec<_>>(),
    );
    let (outcome, rejected) = c.try_block(&txs);
    assert_eq!(outcome.receipts.len(), 5);
    assert!(outcome.receipts.iter().all(|r| r.success()));
    assert_eq!(rejected.len(), 1);
    assert!(matches!(rejected[0].1, TxInvalid::RateLimited { .. }));
    for (i, _) in miners.iter().enumerate() {
        let uid = 1 + i as u16;
        assert_eq!(
            c.state.commitment(1, uid).unwrap().data,
            format!("endpoint {i}").as_bytes()
        );
    }
    // The records round-trip: a node restarting from its store has the same commitments.
    let loaded = State::from_records(
        c.state
            .all_records()
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
            .collect::<Vec<_>>(),
        Hash::ZERO,
    )
    .unwrap();
    assert_eq!(loaded.root(), c.state.root());
    assert_eq!(loaded.commitment(1, 2), c.state.commitment(1, 2));
    // A replay from genesis reaches the same root.
    let mut replay = Chain {
        state: c.genesis.clone(),
        blocks: Vec::new(),
        ..c.clone()
    };
    for b in &c.blocks {
        replay.apply(b).unwrap();
    }
    assert_eq!(replay.state.root(), c.state.root());
}

#[test]
fn the_call_round_trips_through_the_codec_and_json() {
    use commonware_codec::{Copying, EncodeSize, Error};
    use taonet_types::Call;
    let c = call::set_commitment(3, b"\x00hi");
    let bytes = c.encode();
    assert_eq!(bytes.len(), c.encode_size());
    assert_eq!(&bytes[..], &[8, 0, 0, 3, 3, 0, b'h', b'i']);
    assert_eq!(Call::decode(bytes).unwrap(), c);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["commitments"]["set"]["data"], "0x006869");
    assert_eq!(serde_json::from_value::<Call>(json).unwrap(), c);
    assert!(c.is_free());
    assert!(matches!(
        Call::decode(Copying(&[8, 1])),
        Err(Error::InvalidEnum(1))
    ));
}
