//! The scenario file format: defaults, errors with JSON paths, the JSON-lines output.

use taonet_yuma::{Hyperparams, max_upscale};
use taonet_yuma_sim::{Scenario, ScenarioError};

fn err(text: &str) -> String {
    Scenario::from_json_str(text).unwrap_err().to_string()
}

#[test]
fn the_brief_example_parses_and_runs() {
    let text = r#"{
      "params": {
        "kappa": 32767, "bonds_moving_average": 900000, "bonds_penalty": 65535,
        "yuma3": false,
        "liquid_alpha": {"enabled": false, "alpha_low": 0.7, "alpha_high": 0.9, "steepness": 1000},
        "activity_cutoff": 5000, "max_allowed_validators": 64, "stake_threshold": 0,
        "tempo": 360, "emission_per_epoch": 1000000000
      },
      "neurons": [{"stake": 1000, "registered_at": 1}, {"stake": 0, "registered_at": 1},
                  {"stake": 0, "registered_at": 1}, {"stake": 0, "registered_at": 1},
                  {"stake": 0, "registered_at": 1}],
      "owner_uid": null,
      "start_block": 1,
      "steps": [
        {"set_weights": {"uid": 0, "weights": {"3": 65535, "4": 0}}},
        {"advance_to": 2},
        {"epoch": {}},
        {"replace": {"uid": 1, "stake": 0}},
        {"set_stake": {"uid": 0, "stake": 5000}}
      ]
    }"#;
    let s = Scenario::from_json_str(text).unwrap();
    assert_eq!(s.params.liquid_alpha.alpha_low, 45875);
    assert_eq!(s.params.liquid_alpha.alpha_high, 58982);
    let r = s.run().unwrap();
    assert_eq!(r.len(), 1);
    let line = r[0].to_json_line();
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in [
        "block",
        "active",
        "consensus",
        "incentive",
        "dividends",
        "validator_trust",
        "validator_permit",
        "stake_weight",
        "server_emission",
        "validator_emission",
        "emission",
        "bonds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["block"], 2);
    assert_eq!(v["bonds"].as_array().unwrap().len(), 5);
    assert_eq!(v["bonds"][0].as_array().unwrap().len(), 5);
    assert!(r[0].summary_table().starts_with("epoch 0 at block 2\n"));
}

#[test]
fn omitted_fields_take_the_documented_defaults() {
    let s = Scenario::from_json_str(r#"{"neurons": [{"stake": 5}]}"#).unwrap();
    assert_eq!(s.params, Hyperparams::default());
    assert!(s.params.yuma3);
    assert_eq!(s.emission_per_epoch, 1_000_000_000);
    assert_eq!(s.start_block, 1);
    assert_eq!(s.owner_uid, None);
    assert_eq!(s.neurons[0].registered_at, 0);
    assert!(s.run().unwrap().is_empty());
}

#[test]
fn errors_carry_the_json_path() {
    assert_eq!(
        err(r#"{"neurons": [{"stake": 1}], "steps": [{"epoch": {}}, {"set_weights": {"uid": 0, "weights": {"0": 70000}}}]}"#)
            .split(':')
            .next()
            .unwrap(),
        "steps[1].set_weights.weights.0"
    );
    assert!(err(r#"{"neurons": [{"stake": -1}]}"#).starts_with("neurons[0].stake:"));
    assert!(err(r#"{"neurons": [{"stake": 1}], "params": {"kapa": 1}}"#).starts_with("params"));
    assert!(err(r#"{"neurons": [{"stake": 1}], "steps": [{"jump": 3}]}"#).starts_with("steps[0]"));
    let five = r#"[{"stake": 1}, {"stake": 1}, {"stake": 1}, {"stake": 1}, {"stake": 1}]"#;
    let text = format!(
        r#"{{"neurons": {five}, "steps": [{{"epoch": {{}}}}, {{"advance_to": 9}}, {{"epoch": {{}}}}, {{"set_weights": {{"uid": 9, "weights": {{}}}}}}]}}"#
    );
    assert_eq!(
        err(&text),
        "steps[3].set_weights.uid: uid 9 out of range (n = 5)"
    );
    let text = format!(
        r#"{{"neurons": {five}, "steps": [{{"set_weights": {{"uid": 0, "weights": {{"7": 1}}}}}}]}}"#
    );
    assert_eq!(
        err(&text),
        "steps[0].set_weights.weights.7: uid 7 out of range (n = 5)"
    );
    let text =
        format!(r#"{{"neurons": {five}, "start_block": 10, "steps": [{{"advance_to": 3}}]}}"#);
    assert_eq!(
        err(&text),
        "steps[0].advance_to: block 3 is before the current block 10"
    );
    let text = format!(r#"{{"neurons": {five}, "owner_uid": 5}}"#);
    assert_eq!(err(&text), "owner_uid: uid 5 out of range (n = 5)");
    let text =
        format!(r#"{{"neurons": {five}, "params": {{"liquid_alpha": {{"alpha_low": 1.5}}}}}}"#);
    assert_eq!(
        err(&text),
        "params.liquid_alpha.alpha_low: 1.5 is not a proportion in [0, 1]"
    );
    assert!(matches!(
        Scenario::from_json_str(r#"{"neurons": []}"#),
        Err(ScenarioError::Invalid { .. })
    ));
}

#[test]
fn set_weights_max_upscales_like_the_chain() {
    assert_eq!(
        max_upscale(&[16383, 32767, 49149, 65535]),
        [16383, 32767, 49149, 65535]
    );
    assert_eq!(max_upscale(&[32767, 0, 32767]), [65535, 0, 65535]);
    assert_eq!(max_upscale(&[1, 2]), [32768, 65535]);
    assert_eq!(max_upscale(&[0, 0]), [0, 0]);
    assert_eq!(max_upscale(&[]), Vec::<u16>::new());
}

#[test]
fn replace_resets_the_uid() {
    let text = r#"{"params": {"yuma3": true}, "neurons": [{"stake": 10}, {"stake": 0}], "steps": [
        {"epoch": {}}, {"advance_to": 5}, {"set_weights": {"uid": 0, "weights": {"1": 1}}},
        {"epochs": {"count": 2}}, {"replace": {"uid": 0, "stake": 0}}, {"set_stake": {"uid": 1, "stake": 7}},
        {"epochs": {"count": 1}}]}"#;
    let r = Scenario::from_json_str(text).unwrap().run().unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[1].block, 365);
    assert!(r[2].output.bonds[0].iter().any(|(_, v)| *v > 0));
    let last = &r[3].output;
    // uid 0 lost its permit, its bonds, and its stake; uid 1 now holds all stake.
    assert!(last.bonds[0].is_empty());
    assert_eq!(last.stake_weight, vec![0, 65535]);
    assert_eq!(last.validator_permit, vec![false, true]);
}
