//! The hardening work's attacks mounted together against a real 4-validator local network
//! (`taonet bench tps --flood …`): keys with no balance sending future nonces, a registered
//! hotkey sending failing free calls and maximum-size reveals, and one client address sending
//! maximum-size RPC batches. Honest transfers keep finalizing within seconds, none is lost or
//! refused, the nodes' memory and disk stay bounded, and every flood is refused or held to
//! its limit.

use std::process::Command;

use serde_json::Value;

use crate::localnet::{HEAVY, taonet_bin};

#[test]
fn honest_transfers_finalize_under_every_flood() {
    let _heavy = HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    // Ports as the localnet tests pick them (one heavy test at a time).
    let pid = std::process::id();
    let rpc = 20_000 + (pid % 3000) as u16 * 4;
    let axon = 56_000 + (pid % 900) as u16 * 10;
    let dir = tempfile::tempdir().unwrap();
    // The transaction floods and the honest senders all come from 127.0.0.1 (a few hundred
    // calls/s per node together), the batches from 127.0.0.2: a limit well above the first
    // and far below the second.
    let (rate_limit, duration) = (2_000u64, 10u64);
    let out = Command::new(taonet_bin())
        .args([
            "--json",
            "bench",
            "tps",
            "--no-neurons",
            "--validators",
            "4",
        ])
        .args(["--rate", "50", "--duration", &duration.to_string()])
        .args(["--senders", "8", "--connections", "4"])
        .args(["--flood", "future-nonce,free-calls,rpc-batch"])
        .args(["--rpc-rate-limit", &rate_limit.to_string()])
        .args(["--sample-memory", "2"])
        .arg("--dir")
        .arg(dir.path().join("net"))
        .args(["--rpc-port", &rpc.to_string()])
        .args(["--p2p-port", &(rpc + 12_000).to_string()])
        .args(["--metrics-port", &(rpc + 24_000).to_string()])
        .args(["--axon-port", &axon.to_string()])
        .args(["--health-port", &(axon + 3).to_string()])
        .args(["--gateway-port", &(axon + 8).to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The output has the shape docs/cli-json.md gives it (memory over time included).
    if let Err(e) = crate::json_docs::doc().check_output("bench tps", &stdout) {
        panic!("{e}");
    }
    let r: Value = serde_json::from_str(&stdout).unwrap();
    let n = |v: &Value| {
        v.as_f64()
            .unwrap_or_else(|| panic!("not a number: {v} in {r}"))
    };

    // Honest transfers: none refused, none lost, none failed, final within seconds.
    assert!(n(&r["submitted"]) > 0.0, "{r}");
    assert_eq!(r["rejected_submissions"], 0, "{r}");
    assert_eq!(r["finalized_total"], r["submitted"], "{r}");
    assert_eq!(r["unfinalized_after_drain"], 0, "{r}");
    assert_eq!(r["failed_receipts"], 0, "{r}");
    assert!(n(&r["finality_latency_s"]["p99"]) < 5.0, "{r}");
    // The chain kept finalizing through the window.
    assert!(n(&r["blocks_in_window"]) >= 5.0, "{r}");
    // Memory and disk stay bounded: a debug build's node uses a few hundred MiB, and its data
    // directory holds ~2 MiB after this run (the junk, had any of it been included, would
    // add megabytes: a maximum-size reveal is 16 KiB).
    for m in r["memory"].as_array().unwrap() {
        assert!(n(&m["peak_rss_mib"]) < 1024.0, "{m}");
        assert!(n(&m["data_dir_mib"]) < 6.0, "{m}");
    }
    // Memory over time (--sample-memory 2): every 2 s, every node's RSS, and a trend per node.
    let over_time = &r["memory_over_time"];
    let samples = over_time["samples"].as_array().unwrap();
    assert!(samples.len() >= 4, "{over_time}");
    for (k, s) in samples.iter().enumerate() {
        assert!((n(&s["t_s"]) - 2.0 * (k + 1) as f64).abs() < 1.0, "{s}");
        let rss = s["rss_mib"].as_object().unwrap();
        assert_eq!(rss.len(), 4, "{s}");
        assert!(rss.values().all(|v| n(v) > 1.0 && n(v) < 1024.0), "{s}");
    }
    let processes = over_time["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 4);
    for p in processes {
        assert!(n(&p["samples"]) >= 2.0, "{p}");
        assert!(n(&p["max_mib"]) >= n(&p["last_mib"]), "{p}");
    }

    let flood = |kind: &str| {
        r["floods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} flood in {r}"))
            .clone()
    };
    // Keys with no balance: every transaction refused, as unpayable.
    let f = flood("FutureNonce");
    assert!(n(&f["sent"]) > 100.0, "{f}");
    assert_eq!(f["accepted"], 0, "{f}");
    assert!(
        f["first_refusal"]
            .as_str()
            .unwrap()
            .contains("insufficient balance"),
        "{f}"
    );
    // Failing free calls: refused; at most 4 per node wait as future nonces.
    let f = flood("FreeCalls");
    assert!(n(&f["sent"]) > 100.0, "{f}");
    assert!(n(&f["accepted"]) <= 16.0, "{f}");
    assert!(
        f["first_refusal"]
            .as_str()
            .unwrap()
            .contains("free call refused"),
        "{f}"
    );
    // Batches from one address: served up to the limit (burst 2×), the rest refused whole.
    let f = flood("RpcBatch");
    let window = n(&r["duration_s"]);
    assert!(n(&f["refused"]) > 0.0, "{f}");
    assert!(
        n(&f["accepted"]) <= rate_limit as f64 * window + 2.0 * rate_limit as f64 + 100.0,
        "{f}"
    );
    assert!(
        f["first_refusal"]
            .as_str()
            .unwrap()
            .contains("rate limit exceeded"),
        "{f}"
    );
}
