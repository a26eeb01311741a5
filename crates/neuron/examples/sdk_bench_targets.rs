//! What the Python SDK benchmark (`python/bench/bench_sdk.py`) calls: Rust axons to fan out
//! to, and a real chain with a full subnet to read a metagraph from. Each mode sets up, prints
//! one JSON line on stdout describing what it serves, then serves until killed (or, with
//! `--until-stdin-closes`, until its standard input reaches end-of-file, so a parent that dies
//! takes it along); the `load` mode instead drives one axon and prints its measurement.
//! Progress goes to stderr.
//!
//! ```text
//! cargo build --release -p taonet-neuron --example sdk_bench_targets
//! target/release/examples/sdk_bench_targets axons --count 256
//! target/release/examples/sdk_bench_targets chain --uids 4096 --validators 64
//! target/release/examples/sdk_bench_targets load --addr 127.0.0.1:8091 \
//!     --axon-hotkey 5F… --synapse EchoSynapse --body '{"value": 7, "items": [1, 2, 3]}' \
//!     --hash-fields value,items
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
//! - `load --addr IP:PORT --axon-hotkey SS58 --synapse NAME [--body JSON] [--hash-fields a,b]
//!   [--connections 32] [--seconds 10] [--warmup 2] [--max-rate 20000] [--uri //LoadGen]`: a
//!   closed-loop load generator for one axon whose requests are signed **before** it starts
//!   measuring, so the measured client CPU is only sending and reading (see below). It does
//!   not serve: it runs, prints one JSON line and exits.
//!
//! Flags are `--name value`; `--port P` (`axons` and `chain`, default 0 = any free port) binds
//! the chain's RPC (chain) or the first axon, the others following on P+1, P+2, … (axons).
//!
//! # The `load` mode
//!
//! - **Requests.** Each is a bittensor 10 request exactly as the dendrite sends it: headers
//!   and body from [`Dendrite::build_json_request`] (signed by the `--uri` hotkey, default
//!   `//LoadGen`) of the JSON object `--body` (the synapse's fields, default `{}`) for route
//!   `--synapse`, hashing `--hash-fields` in that order, declared timeout 12 s, sent as
//!   `POST /<synapse> HTTP/1.1` with `host` and `content-length`.
//! - **Pre-signing.** Each of the `--connections` C connections gets its own uuid and
//!   `ceil(max_rate · (warmup + seconds) / C)` requests, enough for the warm-up and the window
//!   at `--max-rate` answers per second in all. All are signed on every core before the
//!   first one is sent. A connection that uses up its requests before the window ends makes
//!   the run fail (raise `--max-rate`).
//! - **Nonces and freshness.** An axon accepts the nonce that opens a `(hotkey, uuid)` key
//!   only if it is newer than now − (4 s + the request's timeout) = 16 s, and later ones of
//!   the key only if strictly greater than the last (bittensor's default verify;
//!   `taonet_neuron::nonce`, whose axon clamps the timeout to its `max_timeout_s`, 60 s by
//!   default). Signing the ≈ 240,000 requests of a 12 s run at 20,000/s takes a few seconds,
//!   so nonces taken from the clock at each signature would be up to signing + warm-up +
//!   window old when sent. Instead the generator times a few signatures, estimates when
//!   signing will be done (1.5 × the estimate), and gives request k of every connection the
//!   nonce `that time + k` ns: increasing per `(hotkey, uuid)` in send order. Nothing is sent
//!   before the clock has passed the last nonce, so no nonce is ever ahead of the clock
//!   when it arrives, and each is at most warm-up + window (+ however long signing ran past
//!   its estimate) old. Warm-up plus window are limited to 12 s, and the run is refused
//!   before sending anything if signing overran its estimate so much that a nonce could be
//!   15 s old when sent. The oldest nonce actually sent is reported (`max_nonce_age_s`).
//! - **Sending.** One keep-alive HTTP/1.1 connection (TCP_NODELAY) per C, all driven by one
//!   thread (a current-thread tokio runtime): write the prepared bytes, read the whole answer
//!   (`content-length`, chunked, or up to close), send the next. A broken connection, or
//!   an answer with `connection: close`, is redialled before the next request; a request
//!   unanswered after its 12 s timeout counts as a timeout and its connection is redialled.
//! - **Measuring.** Answers completed in the window `[warmup, warmup + seconds)` count:
//!   req/s is the 200 answers over `seconds`, latency (p50, p99) is each 200 call's time from
//!   the first byte written to the last byte read; other statuses, broken exchanges and
//!   timeouts are counted apart. `client_cpu_s` is the user + system CPU of this whole
//!   process during the window (`/proc/self/stat`, USER_HZ = 100 ticks per second, so
//!   ±10 ms), and `client_cpu_us_per_call` that over the calls completed in the window
//!   (any status). Not included: signing, hashing and serialising (done before), connecting
//!   (done before the warm-up).
//! - **Output.** One JSON line: `rps`, `ok`, `p50_ms`, `p99_ms` (null without a 200),
//!   `statuses` (every status answered in the window, 200 included), `warmup_statuses`,
//!   `transport_errors`, `timeouts`, `seconds`, `warmup_s`, `connections`, `max_rate`,
//!   `signed`, `sent` (warm-up and window), `exhausted_connections`, `sign_s`,
//!   `sign_threads`, `client_cpu_s`, `client_cpu_us_per_call`, `max_nonce_age_s`,
//!   `nonce_window_s`, and `"mode": "load"`.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use taonet_crypto::Keypair;
use taonet_neuron::dendrite::{Headers, random_uuid};
use taonet_neuron::nonce::now_ns;
use taonet_neuron::{AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Dendrite, DendriteConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// The benches' shared setup; `unwrap` there is an assertion on the benchmark's own state.
#[allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../benches/support/chain.rs"]
mod bench_chain;
// The synapse and the percentile helper.
#[allow(dead_code)]
#[path = "../benches/support/echo.rs"]
mod echo;

use echo::{EchoSynapse, percentiles};

/// How to use this example, printed with every argument error.
const USAGE: &str = "usage: sdk_bench_targets axons --count N [--port P] [--until-stdin-closes]\n\
     \x20      sdk_bench_targets chain [--uids 4096] [--validators 64] [--no-bonds] [--port P] \
     [--until-stdin-closes]\n\
     \x20      sdk_bench_targets load --addr IP:PORT --axon-hotkey SS58 --synapse NAME \
     [--body JSON] [--hash-fields a,b] [--connections 32] [--seconds 10] [--warmup 2] \
     [--max-rate 20000] [--uri //LoadGen]";

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
    let mode = it
        .next()
        .ok_or("no mode given: say `axons`, `chain` or `load`")?;
    let allowed: &[&str] = match mode.as_str() {
        "axons" => &["--count", "--port", "--until-stdin-closes"],
        "chain" => &[
            "--uids",
            "--validators",
            "--no-bonds",
            "--port",
            "--until-stdin-closes",
        ],
        "load" => &[
            "--addr",
            "--axon-hotkey",
            "--synapse",
            "--body",
            "--hash-fields",
            "--connections",
            "--seconds",
            "--warmup",
            "--max-rate",
            "--uri",
        ],
        other => {
            return Err(format!("unknown mode {other:?}: say `axons`, `chain` or `load`").into());
        }
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

    /// The number (decimals allowed) given as `name`, or `default`; an error naming the flag
    /// if it is not a finite number.
    fn float(&self, name: &str, default: f64) -> Result<f64> {
        match self.values.get(name) {
            Some(v) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(format!("{name} takes a number (e.g. {name} 2.5), got {v:?}").into()),
            },
            None => Ok(default),
        }
    }

    /// The text given as `name`; an error naming the flag if it is missing.
    fn text(&self, name: &str) -> Result<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("`{}` needs {name}", self.mode).into())
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

// ----- load -----

/// The timeout every pre-signed request declares (bittensor's default), in seconds; also how
/// long the generator waits for one answer.
const LOAD_TIMEOUT_S: f64 = 12.0;

/// How old a nonce opening a `(hotkey, uuid)` key may be: bittensor's `ALLOWED_DELTA` (4 s)
/// plus [`LOAD_TIMEOUT_S`].
const NONCE_WINDOW_S: f64 = 4.0 + LOAD_TIMEOUT_S;

/// The oldest a nonce may be planned to get when sent (one second below
/// [`NONCE_WINDOW_S`] for clock reads and scheduling).
const NONCE_BUDGET_S: f64 = NONCE_WINDOW_S - 1.0;

/// Largest warm-up + window, seconds: leaves [`NONCE_BUDGET_S`] − 12 = 3 s for signing to
/// run past its estimate.
const MAX_RUN_S: f64 = 12.0;

/// Longest signing phase accepted (its estimate), seconds.
const MAX_SIGN_S: f64 = 60.0;

/// Most requests signed in one run (each is ≈ 1.3 KB of memory with the echo synapse).
const MAX_SIGNED: usize = 1_000_000;

/// Clock ticks per second of `/proc/self/stat`'s CPU times (Linux's fixed USER_HZ).
const USER_HZ: f64 = 100.0;

/// A failure after the load ran (the measurement is printed): reported without the usage.
#[derive(Debug)]
struct RunFailed(String);

impl std::fmt::Display for RunFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for RunFailed {}

/// What the `load` mode was asked to do.
struct LoadSpec {
    target: AxonTarget,
    synapse: String,
    body: serde_json::Value,
    hash_fields: Vec<String>,
    connections: usize,
    seconds: f64,
    warmup: f64,
    max_rate: f64,
    keypair: Keypair,
}

impl LoadSpec {
    fn from_args(args: &Args) -> Result<LoadSpec> {
        let addr_text = args.text("--addr")?;
        let addr: SocketAddr = addr_text.parse().map_err(|_| {
            format!("--addr takes IP:PORT (e.g. 127.0.0.1:8091), got {addr_text:?}")
        })?;
        let hotkey = args.text("--axon-hotkey")?.to_string();
        taonet_crypto::ss58::decode(&hotkey).map_err(|e| {
            format!("--axon-hotkey must be the axon's SS58 hotkey, got {hotkey:?}: {e}")
        })?;
        let synapse = args.text("--synapse")?.to_string();
        if synapse.is_empty()
            || !synapse
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!(
                "--synapse must be a synapse class name (letters, digits, `_`), got {synapse:?}"
            )
            .into());
        }
        let body_text = args.values.get("--body").map_or("{}", String::as_str);
        let body: serde_json::Value = serde_json::from_str(body_text)
            .map_err(|e| format!("--body must be JSON, got {body_text:?}: {e}"))?;
        if !body.is_object() {
            return Err(format!(
                "--body must be a JSON object of the synapse's fields (e.g. '{{\"value\": 7}}'), \
                 got {body_text:?}"
            )
            .into());
        }
        let hash_fields: Vec<String> = args
            .values
            .get("--hash-fields")
            .map(|f| {
                f.split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(missing) = hash_fields.iter().find(|f| body.get(f.as_str()).is_none()) {
            return Err(format!(
                "--hash-fields names {missing:?}, which --body does not hold: give its value in \
                 --body, so the body hash covers what the axon will see"
            )
            .into());
        }
        let connections = args.number("--connections", Some(32))?;
        if !(1..=4096).contains(&connections) {
            return Err(format!("--connections must be 1..=4096, got {connections}").into());
        }
        let seconds = args.float("--seconds", 10.0)?;
        let warmup = args.float("--warmup", 2.0)?;
        let max_rate = args.float("--max-rate", 20_000.0)?;
        if seconds <= 0.0 || warmup < 0.0 {
            return Err(format!(
                "--seconds must be above 0 and --warmup at least 0, got {seconds} and {warmup}"
            )
            .into());
        }
        if warmup + seconds > MAX_RUN_S {
            return Err(format!(
                "--warmup + --seconds is {} s, more than {MAX_RUN_S} s: pre-signed nonces must \
                 still be fresh when sent (an axon accepts them for {NONCE_WINDOW_S} s), so \
                 shorten the run",
                warmup + seconds
            )
            .into());
        }
        if max_rate < 1.0 {
            return Err(format!("--max-rate must be at least 1 (req/s), got {max_rate}").into());
        }
        let uri = args.values.get("--uri").map_or("//LoadGen", String::as_str);
        let keypair = Keypair::from_uri(uri)
            .map_err(|e| format!("--uri {uri:?} is not a dev key URI (e.g. //LoadGen): {e}"))?;
        Ok(LoadSpec {
            target: AxonTarget { addr, hotkey },
            synapse,
            body,
            hash_fields,
            connections,
            seconds,
            warmup,
            max_rate,
            keypair,
        })
    }

    /// Requests each connection gets: enough for warm-up + window at `max_rate` in all.
    fn per_connection(&self) -> usize {
        let total = self.max_rate * (self.warmup + self.seconds);
        ((total / self.connections as f64).ceil() as usize).max(1)
    }
}

/// One connection's pre-signed requests, in send order.
struct Prepared {
    /// Every request's HTTP/1.1 bytes, back to back.
    bytes: Vec<u8>,
    /// Where each request ends in `bytes`.
    ends: Vec<usize>,
    /// Each request's nonce (ns since the epoch).
    nonces: Vec<u64>,
}

impl Prepared {
    fn request(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

/// Appends `POST /<name> HTTP/1.1` with `headers`, `host`, `content-length` and `body`.
fn write_http(out: &mut Vec<u8>, target: &AxonTarget, name: &str, headers: &Headers, body: &[u8]) {
    use std::io::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "POST /{name} HTTP/1.1\r\nhost: {}\r\n", target.addr);
    for (k, v) in headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    let _ = write!(out, "content-length: {}\r\n\r\n", body.len());
    out.extend_from_slice(body);
}

/// Signs every connection's requests on `threads` threads: request `k` of a connection
/// carries nonce `base_nonce + k`; the connections' requests in order.
fn presign(
    spec: &LoadSpec,
    dendrite: &Dendrite,
    threads: usize,
    base_nonce: u64,
) -> Result<Vec<Prepared>> {
    let per_conn = spec.per_connection();
    let timeout = Duration::from_secs_f64(LOAD_TIMEOUT_S);
    let sign_connection = || -> std::result::Result<Prepared, String> {
        let uuid = random_uuid();
        let mut p = Prepared {
            bytes: Vec::new(),
            ends: Vec::with_capacity(per_conn),
            nonces: Vec::with_capacity(per_conn),
        };
        for k in 0..per_conn {
            let nonce = base_nonce + k as u64;
            let (headers, body) = dendrite
                .build_json_request(
                    &spec.target,
                    &spec.synapse,
                    spec.body.clone(),
                    &spec.hash_fields,
                    timeout,
                    &uuid,
                    nonce,
                )
                .map_err(|e| format!("cannot build the request from --body: {e}"))?;
            write_http(&mut p.bytes, &spec.target, &spec.synapse, &headers, &body);
            if k == 0 {
                // The others are the same size give or take the nonce's last digits.
                p.bytes.reserve(per_conn * (p.bytes.len() + 8));
            }
            p.ends.push(p.bytes.len());
            p.nonces.push(nonce);
        }
        Ok(p)
    };
    let shares: Vec<std::result::Result<Vec<(usize, Prepared)>, String>> =
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|share| {
                    s.spawn(move || {
                        (share..spec.connections)
                            .step_by(threads)
                            .map(|c| sign_connection().map(|p| (c, p)))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a signing thread panicked".to_string()))
                })
                .collect()
        });
    let mut all: Vec<(usize, Prepared)> = Vec::with_capacity(spec.connections);
    for share in shares {
        all.extend(share?);
    }
    all.sort_by_key(|(c, _)| *c);
    Ok(all.into_iter().map(|(_, p)| p).collect())
}

/// Seconds one thread takes to build one request (the median of a few, built and dropped).
fn seconds_per_request(spec: &LoadSpec, dendrite: &Dendrite) -> Result<f64> {
    let timeout = Duration::from_secs_f64(LOAD_TIMEOUT_S);
    let uuid = random_uuid();
    let mut times = Vec::with_capacity(64);
    let mut out = Vec::new();
    for _ in 0..64 {
        let t = Instant::now();
        let (headers, body) = dendrite
            .build_json_request(
                &spec.target,
                &spec.synapse,
                spec.body.clone(),
                &spec.hash_fields,
                timeout,
                &uuid,
                now_ns(),
            )
            .map_err(|e| format!("cannot build the request from --body: {e}"))?;
        out.clear();
        write_http(&mut out, &spec.target, &spec.synapse, &headers, &body);
        times.push(t.elapsed());
    }
    Ok(percentiles(times).0.as_secs_f64())
}

/// What the generator needs of one HTTP/1.1 answer.
struct Answer {
    status: u16,
    /// The server will close the connection after it.
    close: bool,
}

fn invalid(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of a complete chunked body at the start of `b` (trailers included), `None`
/// while it is incomplete.
fn chunked_len(b: &[u8]) -> std::io::Result<Option<usize>> {
    let mut at = 0;
    loop {
        let Some(line) = find(&b[at..], b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&b[at..at + line]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {size_text:?} in a chunked answer")))?;
        at += line + 2;
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let Some(end) = find(&b[at..], b"\r\n") else {
                    return Ok(None);
                };
                at += end + 2;
                if end == 0 {
                    return Ok(Some(at));
                }
            }
        }
        if b.len() < at + size + 2 {
            return Ok(None);
        }
        at += size + 2;
    }
}

/// How the answer's body is delimited.
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

/// Reads one whole answer into `buf` (cleared first).
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Answer> {
    buf.clear();
    let mut scanned = 0;
    let head_end = loop {
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(8192);
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(at) = find(&buf[scanned..], b"\r\n\r\n") {
            break scanned + at + 4;
        }
        scanned = buf.len().saturating_sub(3);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| invalid("an answer head that is not UTF-8".into()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("not an HTTP/1.x status line: {status_line:?}")))?;
    let mut framing = if status == 204 || status == 304 || status < 200 {
        Framing::Length(0)
    } else {
        Framing::UntilClose
    };
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            if !matches!(framing, Framing::Chunked) {
                let n = value
                    .parse()
                    .map_err(|_| invalid(format!("bad content-length {value:?}")))?;
                framing = Framing::Length(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if value.to_ascii_lowercase().contains("chunked") {
                framing = Framing::Chunked;
            }
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.to_ascii_lowercase().contains("close");
        }
    }
    loop {
        let have = &buf[head_end..];
        let complete = match framing {
            Framing::Length(n) => have.len() >= n,
            Framing::Chunked => chunked_len(have)?.is_some(),
            Framing::UntilClose => false,
        };
        if complete {
            return Ok(Answer { status, close });
        }
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(8192);
        }
        if stream.read_buf(buf).await? == 0 {
            return match framing {
                Framing::UntilClose => Ok(Answer {
                    status,
                    close: true,
                }),
                _ => Err(std::io::ErrorKind::UnexpectedEof.into()),
            };
        }
    }
}

async fn dial(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// One connection's counts.
#[derive(Default)]
struct ConnStats {
    /// Every status answered in the window, 200 included.
    statuses: BTreeMap<u16, u64>,
    /// Every status answered before the window.
    warmup_statuses: BTreeMap<u16, u64>,
    /// Each 200 call's time, window only.
    latencies: Vec<Duration>,
    /// Exchanges that broke (connection reset, closed early, bad answer), window only.
    transport_errors: u64,
    /// Requests unanswered after [`LOAD_TIMEOUT_S`], window only.
    timeouts: u64,
    /// It used up its requests before the window ended.
    exhausted: bool,
    /// Requests sent in all (warm-up and window).
    sent: usize,
    /// The oldest nonce sent, ns.
    max_nonce_age_ns: u64,
    /// The last transport error seen, for the report.
    last_error: Option<String>,
}

/// The measurement window, as instants.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// Replays `prepared` over one keep-alive connection until the window ends.
async fn drive(
    prepared: Prepared,
    mut stream: Option<TcpStream>,
    addr: SocketAddr,
    window: Window,
) -> ConnStats {
    let mut stats = ConnStats::default();
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let timeout = Duration::from_secs_f64(LOAD_TIMEOUT_S);
    let mut next = 0;
    while Instant::now() < window.end {
        if next == prepared.ends.len() {
            stats.exhausted = true;
            break;
        }
        let conn = match stream.as_mut() {
            Some(conn) => conn,
            None => match dial(addr).await {
                Ok(conn) => stream.insert(conn),
                Err(e) => {
                    stats.transport_errors += u64::from(Instant::now() >= window.start);
                    stats.last_error = Some(format!("redialling {addr}: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let request = prepared.request(next);
        let age = now_ns().saturating_sub(prepared.nonces[next]);
        stats.max_nonce_age_ns = stats.max_nonce_age_ns.max(age);
        next += 1;
        let started = Instant::now();
        let exchange = async {
            conn.write_all(request).await?;
            read_answer(conn, &mut buf).await
        };
        let result = tokio::time::timeout(timeout, exchange).await;
        let done = Instant::now();
        let counted = done >= window.start && done < window.end;
        match result {
            Ok(Ok(answer)) => {
                if counted {
                    *stats.statuses.entry(answer.status).or_default() += 1;
                    if answer.status == 200 {
                        stats.latencies.push(done - started);
                    }
                } else if done < window.start {
                    *stats.warmup_statuses.entry(answer.status).or_default() += 1;
                }
                if answer.close {
                    stream = None;
                }
            }
            Ok(Err(e)) => {
                stats.transport_errors += u64::from(counted);
                stats.last_error = Some(e.to_string());
                stream = None;
            }
            Err(_) => {
                stats.timeouts += u64::from(counted);
                stream = None;
            }
        }
    }
    stats.sent = next;
    stats
}

/// User + system CPU seconds of this process so far, from `/proc/self/stat`.
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state);
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

async fn load(args: &Args) -> Result<()> {
    let spec = LoadSpec::from_args(args)?;
    let per_conn = spec.per_connection();
    let total = per_conn * spec.connections;
    if total > MAX_SIGNED {
        return Err(format!(
            "{total} requests to pre-sign ({} connections × {per_conn}) is more than \
             {MAX_SIGNED}: lower --max-rate, --seconds or --warmup",
            spec.connections
        )
        .into());
    }
    let dendrite = Dendrite::new(spec.keypair.clone(), DendriteConfig::default());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(spec.connections);
    // The nonces are the clock when signing will be done (estimated with room to spare), so
    // at most warm-up + window old when sent (module docs).
    let per_request = seconds_per_request(&spec, &dendrite)?;
    let estimate = 1.5 * per_request * total as f64 / threads as f64 + 0.1;
    let run_s = spec.warmup + spec.seconds;
    if estimate > MAX_SIGN_S {
        return Err(format!(
            "signing {total} requests would take about {estimate:.1} s ({:.0} µs each on \
             {threads} threads): lower --max-rate or --seconds",
            per_request * 1e6
        )
        .into());
    }
    eprintln!(
        "sdk_bench_targets: signing {total} requests ({} connections × {per_conn}, about \
         {estimate:.1} s)",
        spec.connections
    );
    let sign_start = Instant::now();
    let base_nonce = now_ns() + (estimate * 1e9) as u64;
    let prepared = presign(&spec, &dendrite, threads, base_nonce)?;
    let sign_s = sign_start.elapsed().as_secs_f64();
    let last_nonce = base_nonce + per_conn as u64;
    let late_s = now_ns().saturating_sub(base_nonce) as f64 / 1e9;
    if late_s + run_s > NONCE_BUDGET_S {
        return Err(RunFailed(format!(
            "signing {total} requests took {sign_s:.1} s, {late_s:.1} s longer than planned, so \
             with {run_s} s of warm-up and window the last requests would be sent with nonces \
             {:.1} s old, too close to the {NONCE_WINDOW_S} s an axon accepts: lower \
             --max-rate or --seconds",
            late_s + run_s
        ))
        .into());
    }
    // No nonce may be ahead of the clock when it arrives.
    while now_ns() <= last_nonce {
        tokio::time::sleep(Duration::from_nanos(last_nonce + 1 - now_ns())).await;
    }
    let mut streams = Vec::with_capacity(spec.connections);
    for _ in 0..spec.connections {
        let addr = spec.target.addr;
        streams.push(
            dial(addr)
                .await
                .map_err(|e| format!("cannot connect to --addr {addr}: {e}"))?,
        );
    }
    eprintln!(
        "sdk_bench_targets: signed in {sign_s:.2} s; {} s warm-up, {} s measured",
        spec.warmup, spec.seconds
    );
    let start = Instant::now() + Duration::from_secs_f64(spec.warmup);
    let window = Window {
        start,
        end: start + Duration::from_secs_f64(spec.seconds),
    };
    let tasks: Vec<_> = prepared
        .into_iter()
        .zip(streams)
        .map(|(p, s)| tokio::spawn(drive(p, Some(s), spec.target.addr, window)))
        .collect();
    tokio::time::sleep_until(window.start.into()).await;
    let cpu_start = process_cpu_s();
    tokio::time::sleep_until(window.end.into()).await;
    let cpu_end = process_cpu_s();
    let mut all = ConnStats::default();
    let mut exhausted = 0;
    let mut sent = 0;
    for task in tasks {
        let s = task.await?;
        for (status, n) in s.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
        for (status, n) in s.warmup_statuses {
            *all.warmup_statuses.entry(status).or_default() += n;
        }
        all.latencies.extend(s.latencies);
        all.transport_errors += s.transport_errors;
        all.timeouts += s.timeouts;
        all.max_nonce_age_ns = all.max_nonce_age_ns.max(s.max_nonce_age_ns);
        all.last_error = s.last_error.or(all.last_error);
        exhausted += usize::from(s.exhausted);
        sent += s.sent;
    }
    let ok = all.latencies.len();
    let calls: u64 = all.statuses.values().sum::<u64>() + all.transport_errors + all.timeouts;
    let (p50, p99) = if ok == 0 {
        (None, None)
    } else {
        let (p50, p99) = percentiles(all.latencies);
        (Some(p50.as_secs_f64() * 1e3), Some(p99.as_secs_f64() * 1e3))
    };
    let cpu = cpu_start.zip(cpu_end).map(|(a, b)| b - a);
    let json_counts = |counts: &BTreeMap<u16, u64>| -> serde_json::Value {
        counts
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let statuses = json_counts(&all.statuses);
    let warmup_statuses = json_counts(&all.warmup_statuses);
    println!(
        "{}",
        serde_json::json!({
            "mode": "load",
            "rps": ok as f64 / spec.seconds,
            "ok": ok,
            "p50_ms": p50,
            "p99_ms": p99,
            "statuses": statuses,
            "warmup_statuses": warmup_statuses,
            "transport_errors": all.transport_errors,
            "timeouts": all.timeouts,
            "seconds": spec.seconds,
            "warmup_s": spec.warmup,
            "connections": spec.connections,
            "max_rate": spec.max_rate,
            "signed": total,
            "sent": sent,
            "exhausted_connections": exhausted,
            "sign_s": sign_s,
            "sign_threads": threads,
            "client_cpu_s": cpu,
            "client_cpu_us_per_call": cpu.filter(|_| calls > 0).map(|c| c * 1e6 / calls as f64),
            "max_nonce_age_s": all.max_nonce_age_ns as f64 / 1e9,
            "nonce_window_s": NONCE_WINDOW_S,
        })
    );
    if let Some(e) = &all.last_error {
        eprintln!("sdk_bench_targets: last transport error: {e}");
    }
    if exhausted > 0 {
        return Err(RunFailed(format!(
            "{exhausted} of {} connections used all {per_conn} of their pre-signed requests \
             before the window ended (answers: {warmup_statuses} in the warm-up, {statuses} \
             in the window): if they are 200s the axon answered faster than --max-rate {}; \
             raise it",
            spec.connections, spec.max_rate
        ))
        .into());
    }
    if all.max_nonce_age_ns as f64 / 1e9 >= NONCE_WINDOW_S {
        return Err(RunFailed(format!(
            "a nonce was {:.1} s old when sent, past the {NONCE_WINDOW_S} s an axon accepts: \
             the measurement is not of fresh requests; lower --max-rate or --seconds",
            all.max_nonce_age_ns as f64 / 1e9
        ))
        .into());
    }
    Ok(())
}

fn main() {
    let run = || -> Result<()> {
        let args = parse_args(std::env::args().skip(1).collect())?;
        match args.mode.as_str() {
            // One thread drives every connection: the least client CPU per call.
            "load" => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(load(&args)),
            mode => {
                let rt = tokio::runtime::Runtime::new()?;
                if mode == "axons" {
                    rt.block_on(axons(&args))
                } else {
                    rt.block_on(chain(&args))
                }
            }
        }
    };
    if let Err(e) = run() {
        if e.is::<RunFailed>() {
            eprintln!("sdk_bench_targets: {e}");
            std::process::exit(1);
        }
        eprintln!("sdk_bench_targets: {e}\n{USAGE}");
        std::process::exit(2);
    }
}
