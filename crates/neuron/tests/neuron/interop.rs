use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use taonet_neuron::{AxonConfig, AxonTarget, Outcome, Ping};

use crate::common::*;
use crate::streaming::{StreamSynapse, drain, stream_axon, tokens};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/neuron/interop.py")
}

/// Interoperability with the real Python `bittensor` 10.5.0 in both directions, on
/// 127.0.0.1 only. `scripts/test.sh` installs it in a virtualenv and sets
/// `TAONET_TEST_PYTHON`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python bittensor: run by scripts/test.sh"]
async fn interop_with_python_bittensor() {
    let python = std::env::var("TAONET_TEST_PYTHON").expect(
        "TAONET_TEST_PYTHON must name a python with bittensor installed (see scripts/test.sh)",
    );

    // (a) Python dendrite -> Rust axon.
    let axon = default_axon().await;
    let port = axon.local_addr.port().to_string();
    let out = tokio::process::Command::new(&python)
        .arg(script())
        .args(["call", &port, &miner().ss58()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("{text}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["output"], 17, "{v}");
    assert_eq!(v["is_success"], true, "{v}");
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["axon_hotkey"], miner().ss58(), "{v}");
    assert_eq!(v["ping_success"], true, "{v}");
    assert_eq!(v["wrong_status"], 401, "{v}");
    assert_eq!(v["wrong_failed_verification"], true, "{v}");

    // (a2) Python Dendrite.call_stream of a StreamingSynapse -> Rust streaming axon.
    let (stream_axon, _, _) = stream_axon(AxonConfig::default()).await;
    let port = stream_axon.local_addr.port().to_string();
    let out = tokio::process::Command::new(&python)
        .arg(script())
        .args(["stream", &port, &miner().ss58()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("{text}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let chunks: Vec<&str> = v["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(chunks.concat(), tokens(5), "{v}");
    assert!(
        chunks.len() > 1,
        "one chunk: the answer was not streamed: {v}"
    );
    assert_eq!(v["completion"], tokens(5), "{v}");
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["is_success"], true, "{v}");
    assert_eq!(v["axon_hotkey"], miner().ss58(), "{v}");
    // Refused: bittensor's call_stream hands the error body to the synapse's parser.
    assert_eq!(v["wrong_status"], 401, "{v}");
    let wrong: String = v["wrong_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(wrong.contains("Not Verified"), "{v}");

    // (b) Rust dendrite -> Python axon.
    let mut child = Command::new(&python)
        .arg(script())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 || line.starts_with('{') {
                return line;
            }
        }
    })
    .await
    .unwrap();
    let info: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first}"));
    let target = AxonTarget {
        addr: format!("127.0.0.1:{}", info["port"]).parse().unwrap(),
        hotkey: info["hotkey"].as_str().unwrap().to_string(),
    };
    let d = dendrite();
    let mut result = None;
    for _ in 0..50 {
        let r = d
            .call(
                &target,
                &EchoSynapse::new(7, vec![1, 2]),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        if !matches!(r.outcome, Outcome::Unreachable(_)) {
            result = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = result.expect("python axon never came up");
    let ping = d
        .call(&target, &Ping {}, Duration::from_secs(10))
        .await
        .unwrap();
    let mut streamed = d
        .call_stream(
            &target,
            &StreamSynapse {
                prompt: "plain".into(),
                n: 4,
                completion: String::new(),
            },
            Duration::from_secs(10),
        )
        .await;
    let stream_outcome = streamed.outcome.clone();
    let stream_status = streamed.axon.status_code;
    let streamed_text = drain(&mut streamed).await;
    let mut wrong = target.clone();
    wrong.hotkey = miner().ss58();
    let refused = d
        .call(
            &wrong,
            &EchoSynapse::new(1, vec![]),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    child.kill().ok();
    child.wait().ok();
    assert_eq!(r.outcome, Outcome::Success);
    assert_eq!(r.synapse.unwrap().output, Some(17));
    assert_eq!(r.base.unwrap().axon.unwrap().status_code, Some(200));
    assert!(ping.is_success(), "{:?}", ping.outcome);
    assert_eq!(
        stream_outcome,
        Outcome::Success,
        "{:?}",
        streamed.error_body
    );
    assert_eq!(stream_status, Some(200));
    assert_eq!(streamed_text, (tokens(4), None));
    assert!(
        matches!(refused.outcome, Outcome::FailedVerification(_)),
        "{:?}",
        refused.outcome
    );
}
