//! What the Python SDK benchmark (`python/bench/bench_sdk.py`) calls: Rust axons to fan out
//! to, and a real chain with a full subnet to read a metagraph from. Each mode sets up, prints
//! one JSON line on stdout describing what it serves, then serves until killed (or, with
//! `--until-stdin-closes`, until its standard input reaches end-of-file, so a parent that dies
//! takes it along). Progress goes to stderr.
//!
//! ```text
//! cargo build --release -p taonet-neuron --example sdk_bench_targets
//! target/release/examples/sdk_bench_targets axons --count 256
//! target/release/examples/sdk_bench_targets chain --uids 4096 --validators 64
//! ```
//!
//! - `axons --count N`: N axons on 127.0.0.1 (free ports), one process, each signing as its
//!   own hotkey (`//Miner{i}`), admitting everyone (`AllowAll`), serving the echo synapse
//!   `EchoSynapse { value: i64, items: Vec<i64>, output: Option<i64> }` (hashed fields
//!   `value`, `items`; the answer sets `output = 2·value + Σitems`). Every request is fully
//!   verified (headers, nonce, sr25519 signature, body hash). Prints
//!   `{"axons": [{"ip", "port", "hotkey"}, …]}`.
//! - `chain --uids U --validators V [--no-bonds]`: a single-process chain whose subnet 1 holds U
//!   neurons built through signed transactions, V of them permitted validators with full
//!   weight rows (the setup of `benches/network.rs`, shared through
//!   `benches/support/chain.rs`), then — unless `--no-bonds` — blocks until an epoch has
//!   turned those weights into bonds; served over JSON-RPC (HTTP and WebSocket) on
//!   127.0.0.1. No block is produced after setup, so every read sees the same state. Prints
//!   `{"rpc" (ws://), "http", "netuid", "uids", "validators", "head", "bonds", "setup_s"}`.
//!
//! Flags are `--name value`; `--port P` (both modes, default 0 = any free port) binds the
//! chain's RPC (chain) or the first axon, the others following on P+1, P+2, … (axons).

use std::collections::HashMap;
use std::error::Error;
use std::net::SocketAddr;
use std::time::Instant;

use taonet_crypto::Keypair;
use taonet_neuron::{AllowAll, Axon, AxonConfig, AxonHandle};
use tokio::io::AsyncReadExt;

// The benches' shared setup; `unwrap` there is an assertion on the benchmark's own state.
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../benches/support/chain.rs"]
mod bench_chain;
// Only the synapse is needed here (the percentile helper is the benches').
#[allow(dead_code)]
#[path = "../benches/support/echo.rs"]
mod echo;

use echo::EchoSynapse;

/// How to use this example, printed with every argument error.
const USAGE: &str = "usage: sdk_bench_targets axons --count N [--port P] [--until-stdin-closes]\n\
     \x20      sdk_bench_targets chain [--uids 4096] [--validators 64] [--no-bonds] [--port P] \
     [--until-stdin-closes]";

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The command line: a mode, `--name value` options and bare `--flag`s.
struct Args {
    mode: String,
    values: HashMap<String, String>,
    flags: Vec<String>,
}

/// Flags that take no value.
const FLAGS: &[&str] = &["--no-bonds", "--until-stdin-closes"];

fn parse_args(raw: Vec<String>) -> Result<Args> {
    let mut it = raw.into_iter();
    let mode = it.next().ok_or("no mode given: say `axons` or `chain`")?;
    let allowed: &[&str] = match mode.as_str() {
        "axons" => &["--count", "--port", "--until-stdin-closes"],
        "chain" => &[
            "--uids",
            "--validators",
            "--no-bonds",
            "--port",
            "--until-stdin-closes",
        ],
        other => return Err(format!("unknown mode {other:?}: say `axons` or `chain`").into()),
    };
    let mut values = HashMap::new();
    let mut flags = Vec::new();
    while let Some(name) = it.next() {
        if !allowed.contains(&name.as_str()) {
            return Err(format!(
                "{name:?} is not an option of `{mode}` (options: {})",
                allowed.join(", ")
            )
            .into());
        }
        if FLAGS.contains(&name.as_str()) {
            flags.push(name);
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{name} needs a value (e.g. {name} 16)"))?;
        values.insert(name, value);
    }
    Ok(Args {
        mode,
        values,
        flags,
    })
}

impl Args {
    /// The number given as `name`, or `default`; an error naming the flag if it is not one.
    fn number(&self, name: &str, default: Option<usize>) -> Result<usize> {
        match (self.values.get(name), default) {
            (Some(v), _) => v
                .parse()
                .map_err(|_| format!("{name} takes a whole number, got {v:?}").into()),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("`{}` needs {name} N", self.mode).into()),
        }
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    /// `--port` as a u16.
    fn port(&self) -> Result<u16> {
        let port = self.number("--port", Some(0))?;
        u16::try_from(port).map_err(|_| format!("--port must be 0..=65535, got {port}").into())
    }
}

/// Prints `json` as one line on stdout, then waits for Ctrl-C (or stdin's end).
async fn announce_and_serve(json: serde_json::Value, until_stdin_closes: bool) -> Result<()> {
    println!("{json}");
    if until_stdin_closes {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 256];
        tokio::select! {
            r = async { while stdin.read(&mut buf).await? > 0 {} Ok::<_, std::io::Error>(()) } => r?,
            r = tokio::signal::ctrl_c() => r?,
        }
    } else {
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}

async fn axons(args: &Args) -> Result<()> {
    let count = args.number("--count", None)?;
    if count == 0 {
        return Err("--count must be at least 1".into());
    }
    let first_port = args.port()?;
    if first_port != 0 && usize::from(first_port) + count - 1 > usize::from(u16::MAX) {
        return Err(format!("--port {first_port} leaves no room for {count} axons").into());
    }
    let mut handles: Vec<AxonHandle> = Vec::with_capacity(count);
    let mut listed = Vec::with_capacity(count);
    for i in 0..count {
        let miner = Keypair::from_uri(&format!("//Miner{i}"))?;
        let port = if first_port == 0 {
            0
        } else {
            first_port + i as u16
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let handle = Axon::new(miner.clone(), AxonConfig::default(), AllowAll)
            .attach(|mut e: EchoSynapse, _| async move {
                e.output = Some(2 * e.value + e.items.iter().sum::<i64>());
                Ok(e)
            })
            .serve(listener)?;
        listed.push(serde_json::json!({
            "ip": handle.local_addr.ip().to_string(),
            "port": handle.local_addr.port(),
            "hotkey": miner.ss58(),
        }));
        handles.push(handle);
    }
    eprintln!("sdk_bench_targets: {count} axons serving EchoSynapse on 127.0.0.1");
    announce_and_serve(
        serde_json::json!({ "axons": listed }),
        args.flag("--until-stdin-closes"),
    )
    .await?;
    for h in handles {
        h.stop();
    }
    Ok(())
}

/// Blocks until an epoch has given each of the `validators` validator hotkeys bonds (they
/// are the first registered hotkeys, uids 1..=validators); how many blocks that took.
fn produce_until_bonds(chain: &taonet_node::chain::Chain, validators: usize) -> Result<usize> {
    let keys: Vec<Keypair> = (0..validators).map(bench_chain::hotkey).collect();
    let bonded = |chain: &taonet_node::chain::Chain| {
        let state = chain.finalized_state();
        keys.iter().all(|h| {
            state
                .uid_of(bench_chain::NETUID, &h.account_id())
                .and_then(|uid| state.neuron(bench_chain::NETUID, uid))
                .is_some_and(|n| !n.bonds.is_empty())
        })
    };
    let mut blocks = 0;
    while !bonded(chain) {
        if blocks >= 100 {
            return Err(format!(
                "no bonds after {blocks} blocks: the subnet owner's hotkey (10,000 TAO, no \
                 weights) outweighs {validators} validators of 1,000 TAO, so consensus and every \
                 bond stay 0; give at least 11 --validators, or --no-bonds"
            )
            .into());
        }
        bench_chain::produce(chain);
        blocks += 1;
    }
    Ok(blocks)
}

async fn chain(args: &Args) -> Result<()> {
    let uids = args.number("--uids", Some(bench_chain::MAX_UIDS))?;
    let validators = args.number("--validators", Some(64))?;
    if !(2..=bench_chain::MAX_UIDS).contains(&uids) {
        return Err(format!("--uids must be 2..={}, got {uids}", bench_chain::MAX_UIDS).into());
    }
    if validators == 0 || validators >= uids {
        return Err(
            format!("--validators must be 1..{uids} (below --uids), got {validators}").into(),
        );
    }
    let port = args.port()?;
    let t0 = Instant::now();
    let dir = tempfile::tempdir()?;
    let chain = bench_chain::open(dir.path(), uids, validators);
    bench_chain::populate(&chain, uids, validators);
    let bonds = !args.flag("--no-bonds");
    if bonds {
        let blocks = produce_until_bonds(&chain, validators)?;
        eprintln!("sdk_bench_targets: bonds after {blocks} more blocks");
    }
    let (_server, addr) =
        bench_chain::serve_rpc(&chain, SocketAddr::from(([127, 0, 0, 1], port))).await;
    let head = chain.finalized_state().height();
    announce_and_serve(
        serde_json::json!({
            "rpc": format!("ws://{addr}"),
            "http": format!("http://{addr}"),
            "netuid": bench_chain::NETUID,
            "uids": uids,
            "validators": validators,
            "head": head,
            "bonds": bonds,
            "setup_s": t0.elapsed().as_secs_f64(),
        }),
        args.flag("--until-stdin-closes"),
    )
    .await
}

#[tokio::main]
async fn main() {
    let run = async {
        let args = parse_args(std::env::args().skip(1).collect())?;
        match args.mode.as_str() {
            "axons" => axons(&args).await,
            _ => chain(&args).await,
        }
    };
    if let Err(e) = run.await {
        eprintln!("sdk_bench_targets: {e}\n{USAGE}");
        std::process::exit(2);
    }
}
