//! Genesis: chain spec JSON errors name the path; semantic checks; the dev chain's state.

use taonet_crypto::Ss58;
use taonet_runtime::{ChainSpec, GenesisError, invariants};
use taonet_types::{MAX_SUPPLY, Rao};

use crate::support::{cold, hot, tao};

fn json_error(text: &str) -> String {
    match ChainSpec::from_json(text) {
        Err(GenesisError::Json(m)) => m,
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

fn invalid(spec: &ChainSpec) -> String {
    match spec.build() {
        Err(GenesisError::Invalid(m)) => m,
        Err(e) => panic!("expected a semantic error, got {e}"),
        Ok(_) => panic!("expected an error"),
    }
}

fn alice() -> String {
    cold("alice").account_id().to_ss58()
}

#[test]
fn a_minimal_spec_parses_and_builds() {
    let text = format!(
        r#"{{"chain_id": "t", "params": {{"unbonding_period": 5, "default_hyperparams": {{"tempo": 12}}}},
            "balances": [{{"account": "{}", "amount": "1.5"}}]}}"#,
        alice()
    );
    let spec = ChainSpec::from_json(&text).unwrap();
    assert_eq!(spec.params.unbonding_period, 5);
    assert_eq!(spec.params.default_hyperparams.tempo, 12);
    assert_eq!(
        spec.params.default_hyperparams.kappa, 32_767,
        "other fields default"
    );
    let g = spec.build().unwrap();
    assert_eq!(
        g.state.free(&cold("alice").account_id()),
        Rao(1_500_000_000)
    );
    assert_eq!(g.state.globals.total_issuance, Rao(1_500_000_000));
    assert!(g.state.subnets.get(&0).is_some(), "root always exists");
    assert_eq!(g.block.height, 0);
    assert_eq!(g.domain.genesis_hash, g.block.hash());
    assert_eq!(g.state.head, g.block.hash());
    assert_eq!(g.block.state_root, g.state.root());
    // A spec round-trips through its JSON.
    let again = ChainSpec::from_json(&serde_json::to_string(&spec).unwrap()).unwrap();
    assert_eq!(again, spec);
}

#[test]
fn json_errors_name_the_path() {
    let m = json_error(r#"{"chain_id": "t", "parms": {}}"#);
    assert!(m.contains("parms"), "{m}");
    let m = json_error(r#"{"chain_id": "t", "params": {"tmepo": 1}}"#);
    assert!(m.starts_with("params"), "{m}");
    assert!(m.contains("tmepo"), "{m}");
    let m = json_error(r#"{"chain_id": "t", "params": {"default_hyperparams": {"tempo": "x"}}}"#);
    assert!(m.starts_with("params.default_hyperparams.tempo"), "{m}");
    let m = json_error(
        r#"{"chain_id": "t", "balances": [{"account": "5NotAnAddress", "amount": "1"}]}"#,
    );
    assert!(m.starts_with("balances[0].account"), "{m}");
    let text = format!(
        r#"{{"chain_id": "t", "balances": [{{"account": "{}", "amount": "1.0000000001"}}]}}"#,
        alice()
    );
    let m = json_error(&text);
    assert!(m.starts_with("balances[0].amount"), "{m}");
    let text = format!(
        r#"{{"chain_id": "t", "balances": [{{"account": "{}", "amount": "-1"}}]}}"#,
        alice()
    );
    assert!(json_error(&text).starts_with("balances[0].amount"));
    let text = format!(
        r#"{{"chain_id": "t", "validators": [{{"coldkey": "{a}", "hotkey": "{a}", "stake": "1", "consensus_key": "0x12"}}]}}"#,
        a = alice()
    );
    assert!(json_error(&text).starts_with("validators[0].consensus_key"));
    let m = json_error(r#"{"params": {}}"#);
    assert!(m.contains("chain_id"), "{m}");
    let m = json_error(
        r#"{"chain_id": "t", "subnets": [{"owner": "x", "owner_hotkey": "y", "colour": 1}]}"#,
    );
    assert!(m.starts_with("subnets[0]"), "{m}");
}

#[test]
fn semantic_errors() {
    let mut spec = ChainSpec::dev(&[]);
    spec.chain_id = " ".into();
    assert!(invalid(&spec).contains("chain_id"));
    let mut spec = ChainSpec::dev(&[]);
    spec.chain_id = "x".repeat(65);
    assert!(invalid(&spec).contains("chain_id"));
    let mut spec = ChainSpec::dev(&[]);
    spec.params.consensus_epoch_length = 0;
    assert!(invalid(&spec).contains("consensus_epoch_length"));
    // More than the supply.
    let mut spec = ChainSpec::dev(&[]);
    spec.balances[0].amount = taonet_runtime::genesis::Tao(MAX_SUPPLY);
    assert!(invalid(&spec).contains("21M"));
    // The same consensus key twice.
    let spec = ChainSpec::dev(&[[4; 32], [4; 32]]);
    let m = invalid(&spec);
    assert!(m.starts_with("validators[1].consensus_key"), "{m}");
    // A hotkey claimed by two coldkeys.
    let mut spec = ChainSpec::dev(&[[4; 32], [5; 32]]);
    spec.validators[1].hotkey = spec.validators[0].hotkey;
    spec.validators[1].consensus_key = None;
    assert!(invalid(&spec).starts_with("validators[1]"));
    // A subnet whose owner hotkey belongs to someone else.
    let mut spec = ChainSpec::dev(&[[4; 32]]);
    spec.subnets[0].owner = taonet_runtime::genesis::Address(cold("bob").account_id());
    assert!(invalid(&spec).starts_with("subnets[0]"));
}

#[test]
fn the_dev_chain() {
    let g = ChainSpec::dev(&[[1; 32], [2; 32], [3; 32]])
        .build()
        .unwrap();
    let s = &g.state;
    invariants::check(s).unwrap();
    // 8 × 100,000 free + 3 × 10,000 staked.
    assert_eq!(s.globals.total_issuance, tao(830_000));
    assert_eq!(s.globals.total_stake, tao(30_000));
    assert_eq!(s.subnets.get(&0).unwrap().n, 3);
    let one = s.subnets.get(&1).unwrap();
    assert_eq!(one.owner, cold("alice").account_id());
    assert_eq!(one.owner_hotkey, hot("alice").account_id());
    assert_eq!(
        one.emission_share,
        u64::MAX,
        "the only subnet has the whole share"
    );
    assert_eq!(one.locked, Rao::ZERO);
    assert_eq!(s.seats(0).unwrap().seats.len(), 3);
    // Deterministic: building twice gives the same genesis.
    let again = ChainSpec::dev(&[[1; 32], [2; 32], [3; 32]])
        .build()
        .unwrap();
    assert_eq!(again.block, g.block);
    assert_eq!(again.domain, g.domain);
}
