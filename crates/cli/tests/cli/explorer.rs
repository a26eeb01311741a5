//! `taonet explorer` and the explorer a node serves: real processes, plain HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn taonet_bin() -> PathBuf {
    PathBuf::from(assert_cmd::cargo::cargo_bin!("taonet"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on `addr`: (status, whole response).
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return (0, String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// Waits until `GET path` answers (any status).
fn wait_up(addr: SocketAddr, path: &str) -> (u16, String) {
    let t0 = Instant::now();
    loop {
        let r = get(addr, path);
        if r.0 != 0 {
            return r;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "{addr} never answered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn node(dir: &std::path::Path, extra: &[&str]) -> (Killed, SocketAddr) {
    let rpc = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut args = vec![
        "node".to_string(),
        "run".into(),
        "--data-dir".into(),
        dir.display().to_string(),
        "--chain-spec".into(),
        "dev".into(),
        "--rpc-addr".into(),
        rpc.to_string(),
        "--metrics-addr".into(),
        "off".into(),
        "--listen".into(),
        format!("127.0.0.1:{}", free_port()),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let child = Command::new(taonet_bin())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (Killed(child), rpc)
}

/// `taonet node run` serves the explorer at `/` on its RPC port; `--no-explorer` turns it off;
/// `taonet explorer --rpc` serves it on its own address for any node, printing where.
#[test]
fn nodes_and_the_explorer_command_serve_the_explorer() {
    let dir = tempfile::tempdir().unwrap();
    let (_node, rpc) = node(dir.path(), &[]);
    let (status, page) = wait_up(rpc, "/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("taonet explorer") && page.contains("<h1>Overview</h1>"));

    // The standalone explorer, pointed at that node.
    let child = Command::new(taonet_bin())
        .args(["--json", "explorer", "--rpc"])
        .arg(format!("ws://{rpc}"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut explorer = Killed(child);
    let mut line = String::new();
    BufReader::new(explorer.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let printed: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(printed["rpc"], format!("ws://{rpc}"));
    let url = printed["url"].as_str().unwrap();
    let addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let (status, page) = wait_up(addr, "/subnet/1");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("text-prediction") && page.contains("Metagraph"));

    // Another node with the explorer off: a browser's GET is not answered with pages.
    let dir2 = tempfile::tempdir().unwrap();
    let (_quiet, rpc2) = node(dir2.path(), &["--no-explorer"]);
    let (status, page) = wait_up(rpc2, "/");
    assert_ne!(status, 200, "{page}");
    assert!(!page.contains("taonet explorer"));
}

/// `node run --max-peers` (or `max_peers` in the config file) outside its range is refused
/// before anything starts, naming the option and the range.
#[test]
fn node_run_refuses_a_max_peers_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("node.json");
    std::fs::write(&config, r#"{"max_peers": 3}"#).unwrap();
    for extra in [
        vec!["--max-peers".to_string(), "2".into()],
        vec!["--config".to_string(), config.display().to_string()],
    ] {
        let out = Command::new(taonet_bin())
            .args(["node", "run", "--chain-spec", "dev", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(&extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(
            stderr.contains("--max-peers") && stderr.contains("4 to 100000"),
            "{extra:?}: {stderr}"
        );
        assert!(!dir.path().join("data").join("consensus").exists());
    }
}
