//! The axon: an HTTP server answering synapses, wire-compatible with bittensor 10.
//!
//! # Routes
//! `POST /<SynapseName>` (GET is accepted too, as in Python) for every attached synapse,
//! plus the built-in `/Synapse` ping that echoes the synapse back. Only the first path
//! segment names the route. Every route is one [`Reply`]-answering forward over the
//! verified request body as JSON, with the fields its body hash covers:
//! - [`Axon::attach_json`]: a synapse type known only at run time (a Python class): the
//!   route name and hash fields are given, the forward sees and answers JSON;
//! - [`Axon::attach`]: a typed [`Synapse`]; an adapter parses the body into `S` (a body that
//!   does not fit → 400 `Invalid synapse body: …`) and answers the returned `S` as JSON;
//! - [`Axon::attach_stream`]: a typed streaming synapse (bittensor's `StreamingSynapse`);
//!   the same adapter, answering [`Reply::Stream`].
//!
//! So typed, JSON and streaming routes run exactly the same checks below.
//!
//! # Connections
//! At most [`AxonConfig::max_connections`] connections are served at once; one more is
//! answered `503` (`{"message": "Too many connections"}`) and closed. A client must send a
//! request's headers within [`AxonConfig::header_timeout`] (also how long an idle
//! kept-alive connection stays open) and its body within [`AxonConfig::body_timeout`],
//! or it is disconnected (408 for a late body): a slowloris client cannot hold a slot.
//!
//! # Pipeline
//! The reference's checks and codes (§b1 of the research notes), but everything that can be
//! decided from the headers is decided **before the body is read**, so an unknown or
//! unsigned caller cannot make the axon receive a large body:
//! 1. **route**: unknown name → 404 `Synapse name 'X' not found. Available synapses [...]`.
//! 2. **declared size**: a `Content-Length` over [`AxonConfig::max_body_bytes`] → **413**
//!    `Payload Too Large` (ours; the reference has no limit).
//! 3. **headers**: bittensor 10 `bt_header_*` headers, or `btauth/1` headers when
//!    `X-Bittensor-Version` is present. Unparsable → 400 `Improperly formatted request…`;
//!    a missing caller hotkey → 401.
//! 4. **blacklist** ([`Blacklist`]) → 403 `Forbidden. Key is blacklisted: <reason>.`
//! 5. **verify** → 401 `Not Verified with error: <reason>`. bittensor 10: nonce rules of
//!    [`crate::nonce`] (the freshness window applies whatever the version header says),
//!    then sr25519 over `<nonce>.<caller>.<our hotkey>.<uuid>.<body hash header>`, then the
//!    nonce is recorded — all before the body. btauth/1: receiver, freshness and replay
//!    before the body; the signature covers the body's hash, so it is checked once the body
//!    is read ([`crate::btauth`]).
//! 6. **rate limit** (optional, ours, after a complete verification): → 429 `Rate limit
//!    exceeded for <hotkey>`.
//! 7. **body**: read up to [`AxonConfig::max_body_bytes`] (more → 413) within
//!    [`AxonConfig::body_timeout`] (→ 408).
//! 8. **priority** ([`Priority`]): at most [`AxonConfig::max_concurrent`] forwards run;
//!    waiters are served highest priority first; a wait longer than the synapse timeout →
//!    408 `Response timeout after: <timeout>s`.
//! 9. **body check**: the body is parsed as JSON (invalid → 400; empty = `{}`); for
//!    bittensor 10 requests the body hash over the route's hash fields is recomputed and
//!    compared with the signed `computed_body_hash` header: mismatch → **500** `Internal
//!    Server Error #<id>` like the reference; a body that is not a JSON object → 400. The
//!    body's `dendrite` terminal is replaced by the verified one of the headers (hotkey,
//!    nonce, uuid, signature, version; ip and port of the socket), so a forward reading
//!    `synapse.dendrite.hotkey` sees the caller that signed, not a claim in the body.
//! 10. **forward**: the attached function with the body and the [`Caller`]; an error
//!     ([`ForwardError`]) → 500 `Internal Server Error #<id>` (the cause is only logged);
//!     [`Reply::Refuse`] → its status (400..=599, else 500) and message.
//!
//! A request refused before its body is read gets its answer at once; a small declared
//! body (≤ 64 KiB) is drained first so the client reliably reads the answer, a larger one
//! is not read and the connection is closed.
//!
//! # Responses
//! [`Reply::Json`]: 200 with the whole synapse as JSON (`name` set to the route, axon
//! terminal filled: status 200 `Success`, process time, our ip/port/hotkey/version/uuid/
//! nonce; a reply that is not a JSON object → 500); errors carry `{"message": …}`.
//! Every response carries `name`, `timeout`, `bt_header_axon_*` (status code and message
//! included: the Python dendrite reads the status from there), the echoed
//! `bt_header_dendrite_*`, sizes and `computed_body_hash`. The axon-side signature the
//! reference puts on error responses is not sent (no dendrite checks it).
//!
//! # Streaming
//! [`Reply::Stream`] answers like bittensor's `BTStreamingResponse`: 200, `content-type:
//! text/event-stream`, the headers above (status 200 `Success`, `process_time` = the time
//! until the stream starts), then each chunk as the forward yields it, chunked transfer
//! encoding, no framing of ours (each subnet's synapse parses its own chunks). The
//! forward's priority slot ([`AxonConfig::max_concurrent`]) stays taken until the stream
//! ends or the client goes away. A stream still running when the synapse's timeout
//! (clamped to [`AxonConfig::max_timeout_s`]) has passed since the request arrived is cut:
//! the caller's own deadline has passed by then. A chunk `Err` (or that cut) closes the
//! connection after the chunks already yielded are written, without the final empty chunk,
//! so the client sees a broken stream, not a complete one.
//!
//! # Layout
//! | file | what |
//! |---|---|
//! | `mod.rs` | the public types ([`Axon`], [`AxonConfig`], [`Reply`], …), the shared state |
//! | `routes.rs` | [`Axon::attach`], [`Axon::attach_json`], [`Axon::attach_stream`] |
//! | `connections.rs` | [`Axon::serve`], the accept loop, the connection cap ("Connections") |
//! | `pipeline.rs` | one request through the checks of "Pipeline" |
//! | `respond.rs` | the responses and their headers ("Responses"), a stream's guard ("Streaming") |

mod connections;
mod pipeline;
mod respond;
mod routes;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::stream::BoxStream;
use taonet_crypto::Keypair;
use tokio::sync::Semaphore;

use crate::btauth::BtAuthVerifier;
use crate::nonce::NonceTable;
use crate::priority::PriorityGate;
use crate::rate::{RateLimit, RateLimiter};
#[cfg(doc)]
use crate::synapse::Synapse;
use crate::synapse::{Ping, TerminalInfo};

/// Decides whether a caller is refused before verification.
pub trait Blacklist: Send + Sync + 'static {
    /// `Some(reason)` refuses `hotkey` calling `synapse` (→ 403).
    fn blacklist(&self, hotkey: &str, synapse: &str) -> Option<String>;
}

impl<F> Blacklist for F
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
{
    fn blacklist(&self, hotkey: &str, synapse: &str) -> Option<String> {
        self(hotkey, synapse)
    }
}

/// Lets every caller through (tests, public endpoints).
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl Blacklist for AllowAll {
    fn blacklist(&self, _: &str, _: &str) -> Option<String> {
        None
    }
}

/// Orders waiting requests when the axon is saturated (higher first).
pub trait Priority: Send + Sync + 'static {
    /// Priority of `hotkey` calling `synapse`.
    fn priority(&self, hotkey: &str, synapse: &str) -> f64;
}

impl<F> Priority for F
where
    F: Fn(&str, &str) -> f64 + Send + Sync + 'static,
{
    fn priority(&self, hotkey: &str, synapse: &str) -> f64 {
        self(hotkey, synapse)
    }
}

/// Everyone has the same priority (first come, first served).
#[derive(Clone, Copy, Debug, Default)]
pub struct Fifo;

impl Priority for Fifo {
    fn priority(&self, _: &str, _: &str) -> f64 {
        0.0
    }
}

/// Axon settings.
#[derive(Clone, Debug)]
pub struct AxonConfig {
    /// Largest accepted body (default 4 MiB).
    pub max_body_bytes: usize,
    /// Timeouts above this are clamped for the nonce window and the priority wait (60 s).
    pub max_timeout_s: f64,
    /// Endpoint keys held by the nonce table; also the btauth/1 replay cache's size and
    /// the rate limiter's (65,536).
    pub nonce_capacity: usize,
    /// Endpoint keys (uuids) one hotkey may hold in the nonce table (1,024: a busy Rust
    /// dendrite uses one uuid per concurrent call; 64 hotkeys at their quota fill the
    /// default table).
    pub nonce_keys_per_hotkey: usize,
    /// btauth/1 (hotkey, nonce) pairs one hotkey may hold in the replay cache, i.e. its
    /// requests per 12 s (4,096, ≈ 340 requests per second).
    pub replay_per_hotkey: usize,
    /// Bound on nonces ahead of our clock; `None` = the reference (unbounded).
    pub max_future_skew_s: Option<f64>,
    /// Optional per-hotkey rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Forwards running at once (256).
    pub max_concurrent: usize,
    /// Connections served at once (512; more are answered 503 and closed). Keep it below
    /// the process's file-descriptor limit.
    pub max_connections: usize,
    /// Time to send a request's headers, and the longest idle time of a kept-alive
    /// connection (10 s).
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers passed the checks (30 s: 4 MiB at
    /// about 1 Mbit/s).
    pub body_timeout: Duration,
    /// IP advertised in `bt_header_axon_ip`.
    pub external_ip: String,
    /// Port advertised in `bt_header_axon_port` (0 = the bound port).
    pub external_port: u16,
}

impl Default for AxonConfig {
    fn default() -> Self {
        AxonConfig {
            max_body_bytes: 4 << 20,
            max_timeout_s: 60.0,
            nonce_capacity: 65_536,
            nonce_keys_per_hotkey: 1024,
            replay_per_hotkey: 4096,
            max_future_skew_s: None,
            rate_limit: None,
            max_concurrent: 256,
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            external_ip: "127.0.0.1".to_string(),
            external_port: 0,
        }
    }
}

/// How a request authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// bittensor 10 `bt_header_dendrite_*` headers.
    Bittensor10,
    /// bittensor 11 `btauth/1`.
    BtAuth1,
}

/// The verified caller, handed to forward functions.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Caller hotkey (SS58), verified.
    pub hotkey: String,
    /// Socket address.
    pub addr: Option<SocketAddr>,
    /// Scheme used.
    pub scheme: AuthScheme,
    /// Nonce (ns).
    pub nonce: u64,
}

/// A forward failure (→ 500 `Internal Server Error #<id>`; the message is only logged).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ForwardError(pub String);

/// What a forward answers.
pub enum Reply {
    /// The whole synapse as a JSON object (the subnet's fields and the base fields). The axon
    /// sets `name` and the `axon` terminal in it before sending (as typed routes do).
    Json(serde_json::Value),
    /// A streamed answer (bittensor's StreamingSynapse): 200, `content-type:
    /// text/event-stream`, the usual response headers (`bt_header_axon_*` with status 200
    /// "Success", echoed `bt_header_dendrite_*`, `name`, `timeout`, `computed_body_hash`),
    /// then each chunk as it comes (chunked transfer encoding). An `Err` chunk ends the
    /// stream (the connection is closed; the status was already sent).
    Stream(ChunkStream),
    /// Refuse with this status and message (e.g. 403 from a blacklist that needs the body):
    /// answered like the axon's own errors (`{"message": …}` body,
    /// `bt_header_axon_status_code`/`_status_message`). Statuses outside 400..=599 are
    /// answered 500.
    Refuse {
        /// HTTP status (400..=599).
        status: u16,
        /// The message sent to the caller.
        message: String,
    },
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reply::Json(v) => f.debug_tuple("Json").field(v).finish(),
            Reply::Stream(_) => f.write_str("Stream(..)"),
            Reply::Refuse { status, message } => f
                .debug_struct("Refuse")
                .field("status", status)
                .field("message", message)
                .finish(),
        }
    }
}

/// Chunks of a streamed answer.
pub type ChunkStream = BoxStream<'static, Result<Bytes, ForwardError>>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A route's forward, over the verified request body as JSON.
type JsonForward =
    dyn Fn(serde_json::Value, Caller) -> BoxFuture<Result<Reply, ForwardError>> + Send + Sync;

/// One attached synapse: the fields its body hash covers and its forward. Typed, JSON and
/// streaming routes are all this; the typed ones convert with serde around their forward.
struct Route {
    hash_fields: Vec<String>,
    forward: Arc<JsonForward>,
}

struct Shared {
    hotkey: String,
    config: AxonConfig,
    uuid: String,
    routes: HashMap<String, Arc<Route>>,
    route_names: String,
    blacklist: Arc<dyn Blacklist>,
    priority: Arc<dyn Priority>,
    nonces: NonceTable,
    btauth: BtAuthVerifier,
    rate: Option<RateLimiter>,
    gate: PriorityGate,
    connections: Arc<Semaphore>,
}

/// An axon under construction: attach synapses, then [`Axon::serve`].
pub struct Axon {
    keypair: Keypair,
    config: AxonConfig,
    routes: Vec<(String, Arc<Route>)>,
    blacklist: Arc<dyn Blacklist>,
    priority: Arc<dyn Priority>,
}

/// A running axon.
#[derive(Debug)]
pub struct AxonHandle {
    /// The bound address.
    pub local_addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl AxonHandle {
    /// Stops serving.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Axon {
    /// An axon signing as `keypair` (its hotkey) that refuses whom `blacklist` refuses.
    /// The `/Synapse` ping route is attached.
    pub fn new(keypair: Keypair, config: AxonConfig, blacklist: impl Blacklist) -> Self {
        let axon = Axon {
            keypair,
            config,
            routes: Vec::new(),
            blacklist: Arc::new(blacklist),
            priority: Arc::new(Fifo),
        };
        axon.attach::<Ping, _, _>(|p, _| async move { Ok(p) })
    }

    /// Sets the priority function.
    pub fn priority(mut self, priority: impl Priority) -> Self {
        self.priority = Arc::new(priority);
        self
    }
}

/// Request state accumulated through the pipeline (for the response headers).
struct Ctx {
    name: String,
    timeout: f64,
    dendrite: TerminalInfo,
    axon: TerminalInfo,
    body_hash: Option<String>,
    start: Instant,
}
