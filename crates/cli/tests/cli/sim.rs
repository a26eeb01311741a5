//! `taonet sim yuma` and `taonet miner corpus` (offline commands).

use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

use super::taonet;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/yuma")
        .join(name)
}

/// `taonet sim yuma <example>`: its epoch reports.
fn run_example(name: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = taonet(dir.path())
        .args(["sim", "yuma"])
        .arg(example(name))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    epochs(&out)
}

fn epochs(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn runs_every_example_as_json_lines() {
    for name in [
        "weight_copying.json",
        "colluding_minority.json",
        "validator_switching_miners.json",
        "new_miner_joining.json",
        "recorded_weight_copying.json",
    ] {
        let reports = run_example(name);
        assert!(reports.len() >= 2, "{name}: {} epochs", reports.len());
        for r in &reports {
            let n = r["stake_weight"].as_array().unwrap().len();
            for key in [
                "active",
                "consensus",
                "incentive",
                "dividends",
                "validator_trust",
                "validator_permit",
                "server_emission",
                "validator_emission",
                "emission",
                "bonds",
            ] {
                assert_eq!(r[key].as_array().unwrap().len(), n, "{name}: {key}");
            }
            assert!(r["block"].is_u64());
            let total: u64 = r["emission"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_u64().unwrap())
                .sum();
            assert!(total > 0, "{name}: nothing emitted");
        }
    }
}

#[test]
fn new_miner_gains_incentive_over_epochs() {
    let reports = run_example("new_miner_joining.json");
    let n = reports[0]["incentive"].as_array().unwrap().len();
    let last_uid = n - 1;
    let first = reports.first().unwrap()["incentive"][last_uid]
        .as_u64()
        .unwrap();
    let last = reports.last().unwrap()["incentive"][last_uid]
        .as_u64()
        .unwrap();
    assert!(
        last > first,
        "incentive of uid {last_uid}: {first} -> {last}"
    );
}

#[test]
fn summary_is_a_readable_table() {
    let dir = tempfile::tempdir().unwrap();
    taonet(dir.path())
        .args(["sim", "yuma", "--summary"])
        .arg(example("colluding_minority.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("epoch 0 at block").and(predicate::str::contains("uid")));
}

#[test]
fn bad_scenarios_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"{"params": {"kappa": "x"}}"#, "params.kappa"),
        (
            r#"{"neurons": [{"stake": 1}], "steps": [{"set_weights": {"uid": 7, "weights": {}}}]}"#,
            "steps[0].set_weights.uid",
        ),
        (
            r#"{"neurons": [{"stake": 1}], "steps": [{"fly": {}}]}"#,
            "steps[0]",
        ),
        ("not json", "invalid scenario"),
    ];
    for (text, needle) in cases {
        taonet(dir.path())
            .args(["sim", "yuma", "-"])
            .write_stdin(text)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
    taonet(dir.path())
        .args(["sim", "yuma", "/nonexistent/scenario.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open"));
}

/// Weights recorded from a live local network (`taonet sim record --copier-of 1`: two
/// subnet validators scoring three n-gram miners) plus an added validator that copies uid
/// 1's weights one epoch late: once it has weights to copy, it earns less than the
/// validator it copies in every epoch, although it has the same stake.
#[test]
fn a_weight_copier_on_recorded_weights_earns_less_than_the_honest_validator() {
    let file = example("recorded_weight_copying.json");
    let scenario: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let copier = scenario["neurons"].as_array().unwrap().len() - 1;
    let reports = run_example("recorded_weight_copying.json");
    assert!(reports.len() >= 10, "{} epochs", reports.len());
    let dividends = |r: &Value, uid: usize| r["dividends"][uid].as_u64().unwrap();
    let mut compared = 0;
    let (mut honest_total, mut copier_total) = (0, 0);
    for r in &reports {
        // The copier has the copied validator's stake throughout.
        assert_eq!(r["stake_weight"][copier], r["stake_weight"][1], "{r}");
        if dividends(r, copier) > 0 {
            assert!(
                dividends(r, copier) < dividends(r, 1),
                "block {}: {r}",
                r["block"]
            );
            compared += 1;
        }
        honest_total += dividends(r, 1);
        copier_total += dividends(r, copier);
    }
    assert!(compared >= 8, "the copier earned in only {compared} epochs");
    assert!(copier_total < honest_total);
}

/// `taonet miner corpus`: the public language's text, the same for the same seed, written
/// only where nothing would be lost.
#[test]
fn miner_corpus_writes_the_public_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("corpus.txt");
    let write = |path: &std::path::Path, seed: &str| {
        taonet(dir.path())
            .args([
                "miner", "corpus", "--bytes", "5000", "--seed", seed, "--out",
            ])
            .arg(path)
            .assert()
    };
    write(&out, "7").success();
    let text = std::fs::read(&out).unwrap();
    assert_eq!(text.len(), 5000);
    assert!(
        text.iter().filter(|b| **b == b' ').count() > 300,
        "words separated by spaces"
    );
    // Same seed, same text; another seed, other text.
    let again = dir.path().join("again.txt");
    write(&again, "7").success();
    assert_eq!(std::fs::read(&again).unwrap(), text);
    let other = dir.path().join("other.txt");
    write(&other, "8").success();
    assert_ne!(std::fs::read(&other).unwrap(), text);
    // An existing file is kept without --force.
    write(&out, "8")
        .failure()
        .stderr(predicate::str::contains("already exists; pass --force"));
    assert_eq!(std::fs::read(&out).unwrap(), text);
    // Absurd sizes are refused with the range.
    taonet(dir.path())
        .args(["miner", "corpus", "--bytes", "0", "--out"])
        .arg(dir.path().join("zero.txt"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--bytes must be 1 to"));
}

/// A reader that goes away (`taonet … | head`) ends a command quietly: status 0 and no
/// panic report, whether the command writes through `println!` (tables, `--json`) or, like
/// `sim yuma`, handles the closed pipe itself.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = example("weight_copying.json");
    let runs: [&[&str]; 3] = [
        &["config", "list"],
        &["--json", "config", "list"],
        &["sim", "yuma", scenario.to_str().unwrap()],
    ];
    for args in runs {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("taonet"))
            .args(args)
            .env("HOME", dir.path())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
