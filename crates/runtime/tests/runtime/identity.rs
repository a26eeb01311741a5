//! On-chain identities: set, replace, clear and read back; the text rules; the fee it pays;
//! the stored record's codec; and the invariants over arbitrary texts.

use commonware_codec::{Copying, DecodeExt, Encode, EncodeSize, Error};
use proptest::prelude::*;
use taonet_runtime::error::{DispatchError, IdentityError};
use taonet_runtime::identity::{Identity, check_identity};
use taonet_runtime::{ChainSpec, State, invariants, transaction_fee};
use taonet_types::tx::{IdentityCall, MAX_TEXT};
use taonet_types::{Call, Hash, SignedTransaction};

use crate::support::{Chain, cold, key, sub};

fn set(name: &str, url: &str, description: &str) -> Call {
    Call::Identity(IdentityCall::Set {
        name: name.into(),
        url: url.into(),
        description: description.into(),
    })
}

fn clear() -> Call {
    Call::Identity(IdentityCall::Clear)
}

#[test]
fn set_replace_clear_and_pay_the_fee() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let id = bob.account_id();
    assert_eq!(c.state.identity(&id), None);
    let before = c.free(bob);
    let issuance = c.state.globals.total_issuance;
    let call = set(
        "Bob's validator",
        "https://bob.example",
        "Validates subnet 1",
    );
    let size = c.tx(bob, call.clone()).encode_size();
    let r = c.ok(bob, call.clone());
    assert_eq!(r.call, "identity.set");
    // A paying call: the normal fee, priced by the transaction's bytes.
    assert!(!call.is_free());
    assert_eq!(r.fee, transaction_fee(&c.state, &call, size));
    assert!(r.fee.0 > 0);
    assert_eq!(c.free(bob), sub(before, r.fee));
    // Fees move TAO; they neither mint nor burn it.
    assert_eq!(c.state.globals.total_issuance, issuance);
    let at = c.height();
    assert_eq!(
        c.state.identity(&id),
        Some(&Identity {
            name: "Bob's validator".into(),
            url: "https://bob.example".into(),
            description: "Validates subnet 1".into(),
            block: at,
        })
    );
    // A longer text costs more: the fee prices every byte.
    let long = set(&"n".repeat(MAX_TEXT), "", &"d".repeat(MAX_TEXT));
    let long_size = c.tx(bob, long.clone()).encode_size();
    let r2 = c.ok(bob, long);
    assert!(r2.fee > r.fee);
    assert_eq!(
        r2.fee,
        transaction_fee(&c.state, &set("x", "", ""), long_size)
    );
    // Replaced whole: the url set before is gone.
    c.ok(bob, set("Bob", "", ""));
    let got = c.state.identity(&id).unwrap();
    assert_eq!(
        (got.name.as_str(), got.url.as_str(), got.block),
        ("Bob", "", c.height())
    );
    // Another account's identity is its own.
    c.ok(cold("alice"), set("Alice", "", ""));
    assert_eq!(c.state.identity(&id).unwrap().name, "Bob");
    // Clear removes it; clearing again fails and still pays.
    let r = c.ok(bob, clear());
    assert_eq!(r.call, "identity.clear");
    assert_eq!(c.state.identity(&id), None);
    let before = c.free(bob);
    assert_eq!(
        c.fail(bob, clear()),
        DispatchError::Identity(IdentityError::NotSet)
    );
    assert!(c.free(bob) < before);
    assert_eq!(
        c.state.identity(&cold("alice").account_id()).unwrap().name,
        "Alice"
    );
}

#[test]
fn bad_texts_are_refused_and_change_nothing_but_the_fee() {
    let mut c = Chain::dev();
    let bob = cold("bob");
    let id = bob.account_id();
    c.ok(bob, set("Bob", "https://bob.example", ""));
    let kept = c.state.identity(&id).cloned();
    for (call, err) in [
        (set("", "https://x", "d"), IdentityError::NoName),
        (
            set("Bob", "", "two\nlines"),
            IdentityError::ControlCharacter {
                field: "description",
                code: 0x0A,
            },
        ),
        (
            set("B\u{1b}[31mob", "", ""),
            IdentityError::ControlCharacter {
                field: "name",
                code: 0x1B,
            },
        ),
        (
            set("Bob", "\u{85}", ""),
            IdentityError::ControlCharacter {
                field: "url",
                code: 0x85,
            },
        ),
        (
            set("Bob", &"u".repeat(MAX_TEXT + 1), ""),
            IdentityError::TooLong {
                field: "url",
                len: MAX_TEXT + 1,
                max: MAX_TEXT,
            },
        ),
    ] {
        let before = c.free(bob);
        assert_eq!(c.fail(bob, call), DispatchError::Identity(err));
        assert!(c.free(bob) < before, "a failed paying call pays its fee");
        assert_eq!(c.state.identity(&id).cloned(), kept);
    }
    // Non-ASCII text that is not a control character is fine; so is exactly MAX_TEXT bytes.
    c.ok(bob, set("Bøb ✓", &"u".repeat(MAX_TEXT), "Zürich"));
    assert_eq!(c.state.identity(&id).unwrap().name, "Bøb ✓");
    // More than MAX_TEXT bytes does not even decode.
    let tx = c.tx(bob, set(&"n".repeat(MAX_TEXT + 1), "", ""));
    assert!(matches!(
        SignedTransaction::decode(tx.encode()),
        Err(Error::InvalidLength(257))
    ));
    // An account that never set one has nothing to clear.
    let k = key(7);
    c.ok(
        bob,
        crate::support::call::transfer(k.account_id(), crate::support::tao(1)),
    );
    assert_eq!(
        c.fail(&k, clear()),
        DispatchError::Identity(IdentityError::NotSet)
    );
}

#[test]
fn the_call_round_trips_through_the_codec_and_json() {
    let c = set("ab", "", "x");
    let bytes = c.encode();
    assert_eq!(bytes.len(), c.encode_size());
    assert_eq!(&bytes[..], &[9, 0, 2, b'a', b'b', 0, 1, b'x']);
    assert_eq!(Call::decode(bytes).unwrap(), c);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["identity"]["set"]["name"], "ab");
    assert_eq!(serde_json::from_value::<Call>(json).unwrap(), c);
    let c = clear();
    assert_eq!(&c.encode()[..], &[9, 1]);
    assert_eq!(c.encode_size(), 2);
    assert_eq!(Call::decode(c.encode()).unwrap(), c);
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!({"identity": "clear"})
    );
    // Unknown call index, invalid UTF-8, trailing bytes.
    assert!(matches!(
        Call::decode(Copying(&[9u8, 2])),
        Err(Error::InvalidEnum(2))
    ));
    assert!(Call::decode(Copying(&[9u8, 0, 1, 0xff, 0, 0])).is_err());
    assert!(Call::decode(Copying(&[9u8, 1, 0])).is_err());
}

#[test]
fn the_stored_record_is_versioned_and_strict() {
    let rec = Identity {
        name: "Bob".into(),
        url: "https://bob.example".into(),
        description: String::new(),
        block: 42,
    };
    let bytes = rec.encode().to_vec();
    assert_eq!(bytes.len(), rec.encode_size());
    assert_eq!(bytes[0], Identity::FORMAT_VERSION);
    assert_eq!(Identity::decode(Copying(bytes.as_slice())).unwrap(), rec);
    // Another version, a trailing byte, a truncation, an over-long text: all refused.
    let mut v2 = bytes.clone();
    v2[0] = 2;
    assert!(matches!(
        Identity::decode(Copying(v2.as_slice())),
        Err(Error::Invalid("Identity", _))
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Identity::decode(Copying(trailing.as_slice())).is_err());
    assert!(Identity::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    let long = Identity {
        name: "n".repeat(MAX_TEXT + 1),
        ..rec.clone()
    };
    assert!(matches!(
        Identity::decode(long.encode()),
        Err(Error::InvalidLength(257))
    ));
    // A node restarting from its records has the same identities and root.
    let mut c = Chain::dev();
    c.ok(cold("bob"), set("Bob", "https://bob.example", "d"));
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
    let id = cold("bob").account_id();
    assert_eq!(loaded.identity(&id), c.state.identity(&id));
    // The identity is part of the state root.
    let mut other = c.state.clone();
    other.clear_identity(&id).unwrap();
    assert_ne!(other.commit_root(), c.state.root());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the texts, `set_identity` stores them exactly when they satisfy the rules,
    /// leaves the state untouched otherwise, and the invariants hold either way.
    #[test]
    fn set_identity_stores_only_valid_texts(
        name in "\\PC{0,80}|[a\\n\\t\\x00-\\x1f]{0,4}|a{250,260}",
        url in "\\PC{0,40}|\\x7f",
        description in "\\PC{0,300}",
    ) {
        let mut state = ChainSpec::dev(&[]).build().unwrap().state;
        let who = key(3).account_id();
        let root = state.commit_root();
        let ok = name.len() <= MAX_TEXT
            && url.len() <= MAX_TEXT
            && description.len() <= MAX_TEXT
            && !format!("{name}{url}{description}").chars().any(char::is_control)
            && !name.is_empty();
        let result = state.set_identity(&who, &name, &url, &description);
        prop_assert_eq!(result.is_ok(), ok);
        prop_assert_eq!(result, check_identity(&name, &url, &description));
        if ok {
            let got = state.identity(&who).unwrap();
            prop_assert_eq!((&got.name, &got.url, &got.description), (&name, &url, &description));
            prop_assert_eq!(Identity::decode(got.encode()).unwrap(), got.clone());
        } else {
            prop_assert!(state.identity(&who).is_none());
            prop_assert_eq!(state.commit_root(), root);
        }
        prop_assert!(invariants::check(&state).is_ok());
    }
}
