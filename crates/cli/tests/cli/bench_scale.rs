//! `taonet --json bench scale --quick`: a generated state written as a real data directory,
//! transfer and epoch blocks applied and committed on it, a child node that opens it and
//! serves `state_getAccount` under load, and the report that says so (in the shape
//! `docs/cli-json.md` documents).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::taonet;

/// The document's shape checker (`json_docs` keeps its copy private).
#[path = "json_docs/shape.rs"]
#[allow(dead_code, clippy::duplicate_mod)]
mod shape;

#[test]
fn bench_scale_quick_measures_a_generated_chain() {
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = taonet(root.path())
        .args(["--json", "bench", "scale", "--quick", "--dir"])
        .arg(root.path().join("bench"))
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let took = started.elapsed();
    let report: Value = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)));
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.md"),
    )
    .unwrap();
    let doc = shape::Doc::parse(&doc).unwrap();
    doc.check_output("bench scale", &String::from_utf8_lossy(&out))
        .unwrap();

    let config = &report["config"];
    assert_eq!(config["subnets"], 2);
    assert_eq!(config["uids"], 256);
    assert_eq!(config["validators"], 16);
    assert_eq!(config["transfers"], 500);
    let sizes = report["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 1, "--quick measures one size");
    let s = &sizes[0];
    assert_eq!(s["accounts"], 2000);
    assert_eq!(s["positions"], 400, "200 positions per 1,000 accounts");
    assert_eq!(s["neurons"], 512);
    assert_eq!(s["weights"], 2 * 16 * 256, "a full row per validator");

    // The child node opened the data directory at the height the benchmark finalized.
    assert!(s["startup"]["spawn_to_ready_ms"].as_f64().unwrap() > 0.0);
    assert!(s["startup"]["open_ms"].as_f64().unwrap() > 0.0);
    assert!(s["memory"]["peak_rss_mib"].as_f64().unwrap() > 0.0);
    assert!(s["data_dir_mib"].as_f64().unwrap() > 0.0);

    // Every transfer of every transfer block succeeded; no epoch ran in them.
    let t = &s["transfer_block"];
    assert_eq!(t["blocks"], 2);
    assert_eq!(t["epochs_in_blocks"], 0);
    for run in t["runs"].as_array().unwrap() {
        assert_eq!(run["receipts"], 500);
        assert_eq!(run["successful"], 500);
        assert!(run["apply_ms"].as_f64().unwrap() > 0.0);
        assert!(run["commit_ms"].as_f64().unwrap() > 0.0);
    }

    // Each epoch block ran exactly one 256-uid subnet's epoch, subnets 1 and 2 in turn.
    let e = &s["epoch_block"];
    assert_eq!(e["epochs_ran"], 2);
    let runs = e["runs"].as_array().unwrap();
    let netuids: Vec<u64> = runs.iter().map(|r| r["netuid"].as_u64().unwrap()).collect();
    assert_eq!(netuids, [1, 2]);
    for run in runs {
        assert_eq!(run["neurons"], 256);
        assert!(run["total_ms"].as_f64().unwrap() > 0.0);
    }
    assert!(
        runs[0]["height"].as_u64().unwrap() > t["runs"][1]["height"].as_u64().unwrap(),
        "the epoch blocks follow the transfer blocks"
    );
    assert_eq!(s["height"], runs[1]["height"]);

    // 200 calls/s for 1 s, all answered.
    let rpc = &s["rpc"];
    assert_eq!(rpc["calls"], 200);
    assert_eq!(rpc["errors"], 0, "first error: {}", rpc["first_error"]);
    assert_eq!(rpc["latency_ms"]["count"], 200);
    assert!(rpc["latency_ms"]["p99"].as_f64().unwrap() > 0.0);

    for goal in [
        "startup_lt_10s",
        "rss_lt_4gib",
        "transfer_block_lt_150ms",
        "epoch_block_lt_100ms",
        "rpc_p99_lt_5ms",
    ] {
        assert!(s["goals"][goal].is_boolean(), "goal {goal}");
    }
    assert!(
        took < Duration::from_secs(60),
        "bench scale --quick took {took:?}"
    );
    // The data directory is removed unless --keep.
    assert!(!root.path().join("bench/accounts-2000").exists());
}

#[test]
fn bench_scale_refuses_more_transfers_than_accounts() {
    let root = tempfile::tempdir().unwrap();
    let out = taonet(root.path())
        .args(["bench", "scale", "--quick", "--accounts", "100", "--dir"])
        .arg(root.path().join("bench"))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("at least --transfers (500)") && err.contains("got 100"),
        "{err}"
    );
}
