//! The tables' generated code, checked row by row: encodings round-trip every field, bounds
//! accept their edges and refuse just outside, every name parses back to its update.

#![allow(clippy::unwrap_used)]

use commonware_codec::{Copying, DecodeExt, Encode, EncodeSize, Error};
use serde_json::Value;

use super::*;
use crate::{RAO_PER_TAO, Rao};

/// `v` with every number moved by one (down, unless it is zero) and every flag flipped.
fn bump_all(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), bump_all(v))).collect())
        }
        other => bump(other),
    }
}

fn bump(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(0), _) => Value::from(1u64),
            (Some(u), _) => Value::from(u - 1),
            (None, Some(i)) => Value::from(i + 1),
            _ => v.clone(),
        },
        other => other.clone(),
    }
}

/// Every way of changing exactly one leaf field of `v` (recursing into records), as
/// `(path, changed value)`.
fn one_field_changes(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Value::Object(map) = v {
        for (k, field) in map {
            let changed = match field {
                Value::Object(_) => one_field_changes(field)
                    .into_iter()
                    .map(|(path, inner)| (format!("{k}.{path}"), inner))
                    .collect::<Vec<_>>(),
                leaf => vec![(k.clone(), bump(leaf))],
            };
            for (path, new) in changed {
                let mut whole = map.clone();
                whole.insert(k.clone(), new);
                out.push((path, Value::Object(whole)));
            }
        }
    }
    out
}

#[test]
fn records_round_trip_every_field() {
    let defaults = ChainParams::default();
    let all_changed: ChainParams =
        serde_json::from_value(bump_all(&serde_json::to_value(&defaults).unwrap())).unwrap();
    for p in [&defaults, &all_changed] {
        let bytes = p.encode();
        assert_eq!(bytes.len(), p.encode_size());
        assert_eq!(bytes[0], ChainParams::FORMAT_VERSION);
        assert_eq!(&ChainParams::decode(bytes).unwrap(), p);
    }
    // Each field on its own reaches the encoding (nothing is skipped or defaulted).
    let base = defaults.encode();
    let changes = one_field_changes(&serde_json::to_value(&defaults).unwrap());
    let leaves = ChainParams::FIELDS.len() - 1 + SubnetHyperparams::FIELDS.len();
    assert_eq!(changes.len(), leaves);
    for (path, value) in changes {
        let p: ChainParams = serde_json::from_value(value).unwrap();
        assert_ne!(p, defaults, "{path}");
        let bytes = p.encode();
        assert_ne!(bytes, base, "{path} does not reach the encoding");
        assert_eq!(ChainParams::decode(bytes).unwrap(), p, "{path}");
    }
    let h = SubnetHyperparams::default();
    assert_eq!(SubnetHyperparams::decode(h.encode()).unwrap(), h);
}

#[test]
fn records_decode_strictly() {
    let bytes = ChainParams::default().encode().to_vec();
    let mut other_version = bytes.clone();
    other_version[0] = 2;
    assert!(matches!(
        ChainParams::decode(Copying(&other_version[..])),
        Err(Error::Invalid("ChainParams", _))
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        ChainParams::decode(Copying(&trailing[..])),
        Err(Error::ExtraData(1))
    ));
    assert!(ChainParams::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    let h = SubnetHyperparams::default().encode().to_vec();
    assert!(SubnetHyperparams::decode(Copying(&h[1..])).is_err());
    assert!(SubnetHyperparams::decode(Copying(&[h.clone(), vec![7]].concat()[..])).is_err());
}

#[test]
fn json_fills_defaults_and_refuses_unknown_fields() {
    let p = ChainParams::default();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<ChainParams>(&json).unwrap(), p);
    let partial: SubnetHyperparams = serde_json::from_str(r#"{"tempo": 20}"#).unwrap();
    assert_eq!(partial.tempo, 20);
    assert_eq!(partial.kappa, 32_767);
    assert!(serde_json::from_str::<SubnetHyperparams>(r#"{"tmepo": 20}"#).is_err());
}

#[test]
fn fields_list_every_field_once() {
    for (fields, json) in [
        (
            ChainParams::FIELDS,
            serde_json::to_value(ChainParams::default()).unwrap(),
        ),
        (
            SubnetHyperparams::FIELDS,
            serde_json::to_value(SubnetHyperparams::default()).unwrap(),
        ),
    ] {
        let map = json.as_object().unwrap();
        assert_eq!(fields.len(), map.len());
        assert!(
            fields
                .iter()
                .all(|f| map.contains_key(f.name) && !f.doc.is_empty())
        );
    }
    let settable = |name| {
        SubnetHyperparams::FIELDS
            .iter()
            .any(|f| f.name == name && f.settable)
    };
    assert!(settable("alpha_low") && settable("tempo") && !settable("kappa"));
    assert!(
        !ChainParams::FIELDS
            .iter()
            .any(|f| f.name == "consensus_epoch_length" && f.settable)
    );
}

#[test]
fn bounds_accept_their_edges_and_refuse_just_outside() {
    let chain = ParamUpdate::bound_edges();
    let subnet = HyperparamUpdate::bound_edges();
    // Every simple row has at least its two edges.
    assert!(chain.len() >= 2 * (PARAM_NAMES.len() - 1));
    assert!(subnet.len() >= 2 * (HYPERPARAM_NAMES.len() - 1));
    for (u, ok) in &chain {
        assert_eq!(u.check_bounds().is_ok(), *ok, "{u:?}");
        if !ok {
            let mut p = ChainParams::default();
            let e = u.apply(&mut p).unwrap_err();
            assert_eq!(e.name, u.name());
            assert_eq!(p, ChainParams::default());
        }
    }
    for (u, ok) in &subnet {
        assert_eq!(u.check_bounds().is_ok(), *ok, "{u:?}");
        if !ok {
            assert!(u.apply(&mut SubnetHyperparams::default()).is_err(), "{u:?}");
            let nested = ParamUpdate::DefaultHyperparam(u.clone());
            let e = nested.apply(&mut ChainParams::default()).unwrap_err();
            assert_eq!(e.name, format!("default_hyperparams.{}", u.name()));
        }
    }
    // The composite's fields each have their bounds.
    let alpha = |lo, hi| HyperparamUpdate::AlphaValues(lo, hi).check_bounds().is_ok();
    assert!(alpha(MIN_ALPHA, MIN_ALPHA) && alpha(MIN_ALPHA, u16::MAX));
    assert!(!alpha(MIN_ALPHA - 1, MIN_ALPHA) && !alpha(MIN_ALPHA, MIN_ALPHA - 1));
}

#[test]
fn refusals_state_the_bound_in_words() {
    let mut p = ChainParams::default();
    let e = ParamUpdate::JailEpochs(0).apply(&mut p).unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter jail_epochs = 0 is out of bounds: within [1, 100,000] consensus epochs"
    );
    let e = ParamUpdate::TxBaseFee(Rao(2 * RAO_PER_TAO))
        .apply(&mut p)
        .unwrap_err();
    assert_eq!((e.value.as_str(), e.bound.as_str()), ("2", "at most 1 TAO"));
    let e = ParamUpdate::DefaultHyperparam(HyperparamUpdate::AlphaValues(1, 2))
        .apply(&mut p)
        .unwrap_err();
    assert_eq!(e.name, "default_hyperparams.alpha_values");
    assert_eq!(e.value, "1, 2");
    assert_eq!(e.bound, "alpha_low at least 1,638");
}

#[test]
fn rules_between_fields() {
    let mut p = ChainParams::default();
    assert!(ParamUpdate::MaxTake(0).apply(&mut p).is_err());
    assert!(
        ParamUpdate::MinTake(p.default_take + 1)
            .apply(&mut p)
            .is_err()
    );
    assert!(
        ParamUpdate::DefaultTake(p.max_take + 1)
            .apply(&mut p)
            .is_err()
    );
    ParamUpdate::MinTake(p.default_take).apply(&mut p).unwrap();
    ParamUpdate::MaxBlockBytes(1024 * 1024)
        .apply(&mut p)
        .unwrap();
    let e = ParamUpdate::MaxTransactionBytes(p.max_block_bytes + 1)
        .apply(&mut p)
        .unwrap_err();
    assert_eq!(e.bound, "at most max_block_bytes");
    assert!(
        ParamUpdate::MaxBlockBytes(p.max_transaction_bytes - 1)
            .apply(&mut p)
            .is_err()
    );
    assert!(
        ParamUpdate::GovQuorum(p.gov_burn_below_ppb - 1)
            .apply(&mut p)
            .is_err()
    );
    assert!(
        ParamUpdate::GovBurnBelowPpb(p.gov_quorum + 1)
            .apply(&mut p)
            .is_err()
    );
    ParamUpdate::GovBurnBelowPpb(p.gov_quorum)
        .apply(&mut p)
        .unwrap();

    let mut h = SubnetHyperparams::default();
    assert!(
        HyperparamUpdate::AlphaValues(60_000, 50_000)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::MinAllowedWeights(h.max_allowed_uids + 1)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::MaxAllowedUids(h.max_allowed_validators - 1)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::MaxAllowedValidators(h.max_allowed_uids + 1)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::ActivityCutoff(u64::from(h.tempo) - 1)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::WeightsRateLimit(10 * u64::from(h.tempo) + 1)
            .apply(&mut h)
            .is_err()
    );
    assert!(
        HyperparamUpdate::MinBurn(Rao(h.max_burn.0 + 1))
            .apply(&mut h)
            .is_err()
    );
    HyperparamUpdate::MaxBurn(Rao(RAO_PER_TAO / 5))
        .apply(&mut h)
        .unwrap();
    assert!(
        HyperparamUpdate::MinBurn(Rao(RAO_PER_TAO / 5 + 1))
            .apply(&mut h)
            .is_err()
    );
    assert_eq!(h.max_burn, Rao(RAO_PER_TAO / 5));
    HyperparamUpdate::AlphaValues(2_000, 2_000)
        .apply(&mut h)
        .unwrap();
    assert_eq!((h.alpha_low, h.alpha_high), (2_000, 2_000));

    // A list applies all or nothing.
    let before = p.clone();
    assert!(apply_all(&p, &[ParamUpdate::SeatCount(3), ParamUpdate::SeatCount(0)]).is_err());
    assert_eq!(p, before);
    assert_eq!(
        apply_all(&p, &[ParamUpdate::SeatCount(3)])
            .unwrap()
            .seat_count,
        3
    );
}

#[test]
fn every_name_parses_back_to_its_update() {
    let mut named = std::collections::BTreeSet::new();
    for (u, _) in ParamUpdate::bound_edges() {
        assert_eq!(ParamUpdate::parse(&u.name(), &u.value_text()).unwrap(), u);
        named.insert(u.name());
    }
    let mut sub_named = std::collections::BTreeSet::new();
    let alpha = HyperparamUpdate::AlphaValues(2_000, 60_000);
    for u in HyperparamUpdate::bound_edges()
        .into_iter()
        .map(|(u, _)| u)
        .chain([alpha])
    {
        assert_eq!(
            HyperparamUpdate::parse(u.name(), &u.value_text()).unwrap(),
            u
        );
        let nested = ParamUpdate::DefaultHyperparam(u.clone());
        assert_eq!(
            ParamUpdate::parse(&nested.name(), &nested.value_text()).unwrap(),
            nested
        );
        sub_named.insert(u.name().to_string());
    }
    named.insert("default_hyperparams.<name>".to_string());
    // The names lists and the parser cover the same parameters.
    assert_eq!(named, PARAM_NAMES.iter().map(|n| n.to_string()).collect());
    assert_eq!(
        sub_named,
        HYPERPARAM_NAMES.iter().map(|n| n.to_string()).collect()
    );
}

#[test]
fn parser_reads_what_users_type() {
    assert_eq!(
        ParamUpdate::parse("tx_base_fee", "0.0002").unwrap(),
        ParamUpdate::TxBaseFee(Rao(200_000))
    );
    assert_eq!(
        ParamUpdate::parse(" Unbonding-Period ", " 5 ").unwrap(),
        ParamUpdate::UnbondingPeriod(5)
    );
    assert_eq!(
        ParamUpdate::parse("gov_quorum", "250_000_000").unwrap(),
        ParamUpdate::GovQuorum(250_000_000)
    );
    assert_eq!(
        ParamUpdate::parse("default_hyperparams.yuma3_enabled", "off").unwrap(),
        ParamUpdate::DefaultHyperparam(HyperparamUpdate::Yuma3(false))
    );
    assert_eq!(
        HyperparamUpdate::parse("commit_reveal_weights_enabled", "yes").unwrap(),
        HyperparamUpdate::CommitRevealEnabled(true)
    );
    assert_eq!(
        HyperparamUpdate::parse("alpha-values", "2000, 60000").unwrap(),
        HyperparamUpdate::AlphaValues(2000, 60000)
    );
    assert!(matches!(
        ParamUpdate::parse("nope", "1"),
        Err(ParamParseError::UnknownName { valid, .. }) if valid == PARAM_NAMES
    ));
    assert!(matches!(
        ParamUpdate::parse("default_hyperparams.kappa", "1"),
        Err(ParamParseError::UnknownName { name, valid })
            if name == "default_hyperparams.kappa" && valid == HYPERPARAM_NAMES
    ));
    for (name, value) in [
        ("seat_count", "x"),
        ("tx_base_fee", "1.0000000001"),
        ("default_hyperparams.tempo", "70000"),
    ] {
        assert!(
            matches!(
                ParamUpdate::parse(name, value),
                Err(ParamParseError::BadValue { .. })
            ),
            "{name}={value}"
        );
    }
    for value in ["1", "1,2,3", "1,x"] {
        assert!(
            HyperparamUpdate::parse("alpha_values", value).is_err(),
            "{value}"
        );
    }
}

#[test]
fn updates_round_trip_their_tagged_encoding() {
    let mut updates: Vec<ParamUpdate> = ParamUpdate::bound_edges()
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    updates.extend(
        HyperparamUpdate::bound_edges()
            .into_iter()
            .map(|(u, _)| ParamUpdate::DefaultHyperparam(u)),
    );
    updates.push(ParamUpdate::DefaultHyperparam(
        HyperparamUpdate::AlphaValues(1, 2),
    ));
    for u in updates {
        let bytes = u.encode();
        assert_eq!(bytes.len(), u.encode_size());
        assert_eq!(ParamUpdate::decode(bytes).unwrap(), u);
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<ParamUpdate>(&json).unwrap(), u);
    }
    // Tags are the pinned ones.
    assert_eq!(ParamUpdate::JailEpochs(1).encode()[0], 32);
    assert_eq!(ParamUpdate::FreeBlockBytesPpb(1).encode()[0], 37);
    assert_eq!(
        HyperparamUpdate::AlphaValues(1, 2).encode().to_vec(),
        [14, 0, 1, 0, 2]
    );
    assert_eq!(HyperparamUpdate::ServingRateLimit(3).encode()[0], 19);
    assert_eq!(HyperparamUpdate::CommitmentRateLimit(3).encode()[0], 20);
    assert!(matches!(
        HyperparamUpdate::decode(Copying(&[99u8])),
        Err(Error::InvalidEnum(99))
    ));
    assert!(matches!(
        ParamUpdate::decode(Copying(&[255u8])),
        Err(Error::InvalidEnum(255))
    ));
}
