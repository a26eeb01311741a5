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

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use taonet_crypto::{Keypair, Signature, Ss58};
use taonet_types::AccountId;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::btauth::{self, BtAuthVerifier};
use crate::error::{AxonError, VerifyError};
use crate::nonce::{NonceTable, now_ns, secs_to_ns};
use crate::priority::{Permit, PriorityGate};
use crate::rate::{RateLimit, RateLimiter};
use crate::synapse::{
    BITTENSOR_VERSION, Ping, Synapse, SynapseMessage, TerminalInfo, body_hash_of_value, python_str,
};

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

    /// Attaches `forward` for synapse `S` (replacing an earlier one of the same name).
    pub fn attach<S, F, Fut>(self, forward: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<S, ForwardError>> + Send + 'static,
    {
        let forward = Arc::new(forward);
        self.attach_json(S::NAME, hash_fields::<S>(), move |value, caller| {
            let forward = forward.clone();
            async move {
                let mut msg = match typed_request::<S>(value) {
                    Ok(msg) => msg,
                    Err(refusal) => return Ok(refusal),
                };
                msg.fields = forward(msg.fields, caller).await?;
                serde_json::to_value(&msg)
                    .map(Reply::Json)
                    .map_err(|e| ForwardError(format!("cannot serialise the answer: {e}")))
            }
        })
    }

    /// Attaches a route whose synapse type is known only at run time: `name` is the route
    /// (the Python class name) and `required_hash_fields` the fields the body hash covers,
    /// in order. Every check of the typed routes runs first (the same code); `forward` gets
    /// the verified request body parsed as a JSON object (base and subnet fields together,
    /// its `dendrite` terminal replaced by the verified one of the headers) and the caller.
    /// Replaces an earlier route of the same name.
    pub fn attach_json<F, Fut>(
        mut self,
        name: impl Into<String>,
        required_hash_fields: Vec<String>,
        forward: F,
    ) -> Self
    where
        F: Fn(serde_json::Value, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Reply, ForwardError>> + Send + 'static,
    {
        let name = name.into();
        let forward: Arc<JsonForward> =
            Arc::new(move |value, caller| Box::pin(forward(value, caller)));
        let route = Arc::new(Route {
            hash_fields: required_hash_fields,
            forward,
        });
        self.routes.retain(|(n, _)| *n != name);
        self.routes.push((name, route));
        self
    }

    /// Typed streaming route (bittensor's StreamingSynapse): `forward` gets the request
    /// synapse and answers with chunks, sent as they come ([`Reply::Stream`]). Replaces an
    /// earlier route of the same name.
    pub fn attach_stream<S, F, Fut>(self, forward: F) -> Self
    where
        S: Synapse,
        F: Fn(S, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ChunkStream, ForwardError>> + Send + 'static,
    {
        let forward = Arc::new(forward);
        self.attach_json(S::NAME, hash_fields::<S>(), move |value, caller| {
            let forward = forward.clone();
            async move {
                match typed_request::<S>(value) {
                    Ok(msg) => forward(msg.fields, caller).await.map(Reply::Stream),
                    Err(refusal) => Ok(refusal),
                }
            }
        })
    }

    /// Serves on `listener` in a background task.
    pub fn serve(self, listener: TcpListener) -> Result<AxonHandle, AxonError> {
        let local_addr = listener.local_addr()?;
        let mut config = self.config;
        if config.external_port == 0 {
            config.external_port = local_addr.port();
        }
        let hotkey = self.keypair.ss58();
        let names: Vec<String> = self
            .routes
            .iter()
            .map(|(n, _)| python_str_repr_item(n))
            .collect();
        let shared = Arc::new(Shared {
            nonces: NonceTable::new(
                config.nonce_capacity,
                config.nonce_keys_per_hotkey,
                config.max_timeout_s,
                config.max_future_skew_s,
            ),
            btauth: BtAuthVerifier::new(
                hotkey.clone(),
                config.nonce_capacity,
                config.replay_per_hotkey,
            ),
            connections: Arc::new(Semaphore::new(config.max_connections.max(1))),
            rate: config
                .rate_limit
                .map(|l| RateLimiter::new(l, config.nonce_capacity)),
            gate: PriorityGate::new(config.max_concurrent),
            uuid: crate::dendrite::random_uuid(),
            route_names: format!("[{}]", names.join(", ")),
            routes: self.routes.into_iter().collect(),
            hotkey,
            config,
            blacklist: self.blacklist,
            priority: self.priority,
        });
        let task = tokio::spawn(accept_loop(listener, shared));
        Ok(AxonHandle { local_addr, task })
    }
}

/// Accepts connections while there is room (see the module's "Connections").
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("axon: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
            tokio::spawn(refuse_connection(stream));
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            let header_timeout = shared.config.header_timeout;
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(shared, peer, req).await) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(%peer, "axon connection closed: {e}");
            }
        });
    }
}

/// Answers a connection over the cap with 503 and closes it.
async fn refuse_connection(mut stream: TcpStream) {
    const BODY: &str = r#"{"message": "Too many connections"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

fn python_str_repr_item(s: &str) -> String {
    python_str(&serde_json::Value::Array(vec![serde_json::Value::String(
        s.to_string(),
    )]))
    .map(|l| l.trim_start_matches('[').trim_end_matches(']').to_string())
    .unwrap_or_else(|_| format!("'{s}'"))
}

fn hash_fields<S: Synapse>() -> Vec<String> {
    S::REQUIRED_HASH_FIELDS
        .iter()
        .map(|f| f.to_string())
        .collect()
}

/// The request body as a typed synapse, or the 400 refusal when it does not fit `S`.
fn typed_request<S: Synapse>(value: serde_json::Value) -> Result<SynapseMessage<S>, Reply> {
    serde_json::from_value(value).map_err(|e| Reply::Refuse {
        status: 400,
        message: format!("Invalid synapse body: {e}"),
    })
}

/// A 500 whose cause is only logged (as the reference hides it behind an id).
fn internal_error(ctx: &Ctx, cause: &str) -> Response<Body> {
    let id = crate::dendrite::random_uuid();
    tracing::debug!(%id, "{cause}");
    error(
        ctx,
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Server Error #{id}"),
    )
}

/// Ends a streamed answer when the synapse's time is up and keeps the forward's priority
/// slot taken until the stream ends (or the client goes away and it is dropped). Before an
/// error aborts the connection the stream yields once, so the server writes out the chunks
/// it already has (hyper flushes when the body is pending) and the client receives them.
fn guard_stream(
    stream: ChunkStream,
    permit: Permit,
    deadline: tokio::time::Instant,
) -> impl futures::Stream<Item = Result<Bytes, ForwardError>> + Send + 'static {
    futures::stream::unfold(Some((stream, permit)), move |state| async move {
        let (mut stream, permit) = state?;
        let err = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => return Some((Ok(chunk), Some((stream, permit)))),
            Ok(None) => return None,
            Ok(Some(Err(e))) => e,
            Err(_) => ForwardError("the stream outlived the synapse timeout".to_string()),
        };
        tracing::debug!("stream ended with an error: {err}");
        tokio::task::yield_now().await;
        Some((Err(err), None))
    })
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

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn parse_opt<T: std::str::FromStr>(h: &HeaderMap, name: &str) -> Result<Option<T>, String> {
    match header(h, name) {
        None => Ok(None),
        Some(v) if v.is_empty() || v == "None" => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| name.to_string()),
    }
}

fn terminal_from_headers(h: &HeaderMap, prefix: &str) -> Result<TerminalInfo, String> {
    TerminalInfo::from_headers(|n| header(h, n), prefix, true)
}

/// Declared bodies up to this size are drained before an early refusal is sent.
const DRAIN_LIMIT: u64 = 64 * 1024;

async fn handle(shared: Arc<Shared>, peer: SocketAddr, req: Request<Incoming>) -> Response<Body> {
    let start = Instant::now();
    let (parts, body) = req.into_parts();
    let name = parts
        .uri
        .path()
        .split('/')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let h = &parts.headers;
    let timeout: f64 = parse_opt(h, "timeout").ok().flatten().unwrap_or(12.0);
    let declared: Option<u64> = header(h, "content-length").and_then(|v| v.trim().parse().ok());
    let mut ctx = Ctx {
        name,
        timeout,
        dendrite: TerminalInfo::default(),
        axon: TerminalInfo {
            version: Some(BITTENSOR_VERSION),
            uuid: Some(shared.uuid.clone()),
            nonce: Some(now_ns()),
            status_code: Some(100),
            ip: Some(shared.config.external_ip.clone()),
            port: Some(shared.config.external_port),
            hotkey: Some(shared.hotkey.clone()),
            ..TerminalInfo::default()
        },
        body_hash: header(h, "computed_body_hash").map(str::to_string),
        start,
    };
    // Everything up to the body read refuses through `early`, which never reads more
    // than a small declared body.
    let early = |resp: Response<Body>, body: Incoming, shared: &Shared| {
        let drain = declared.is_none_or(|n| n <= DRAIN_LIMIT);
        let wait = shared.config.body_timeout.min(Duration::from_secs(2));
        async move {
            if drain {
                let limited = Limited::new(body, DRAIN_LIMIT as usize);
                let _ = tokio::time::timeout(wait, limited.collect()).await;
            }
            resp
        }
    };

    // 1. route
    let Some(route) = shared.routes.get(&ctx.name).cloned() else {
        let msg = format!(
            "Synapse name '{}' not found. Available synapses {}",
            ctx.name, shared.route_names
        );
        return early(error(&ctx, StatusCode::NOT_FOUND, msg), body, &shared).await;
    };
    // 2. declared size
    if declared.is_some_and(|n| n > shared.config.max_body_bytes as u64) {
        let resp = error(
            &ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large".to_string(),
        );
        return early(resp, body, &shared).await;
    }
    // 3. headers
    let scheme = if h.contains_key(btauth::header::VERSION) {
        AuthScheme::BtAuth1
    } else {
        AuthScheme::Bittensor10
    };
    let bt = match scheme {
        AuthScheme::BtAuth1 => match btauth::parse(|n| header(h, n)) {
            Ok(bt) => {
                ctx.dendrite.hotkey = Some(bt.hotkey.clone());
                ctx.dendrite.nonce = Some(bt.nonce);
                Some(bt)
            }
            Err(e) => {
                let resp = not_verified(&ctx, &VerifyError::BtAuth(e));
                return early(resp, body, &shared).await;
            }
        },
        AuthScheme::Bittensor10 => {
            let parsed = terminal_from_headers(h, "bt_header_dendrite_")
                .and_then(|d| terminal_from_headers(h, "bt_header_axon_").map(|a| (d, a)));
            match parsed {
                Ok((d, _claimed_axon)) => ctx.dendrite = d,
                Err(field) => {
                    let msg = format!(
                        "Improperly formatted request. Could not parse headers ({field}) into synapse of type {}.",
                        ctx.name
                    );
                    let resp = error(&ctx, StatusCode::BAD_REQUEST, msg);
                    return early(resp, body, &shared).await;
                }
            }
            None
        }
    };
    ctx.dendrite.ip = Some(peer.ip().to_string());
    ctx.dendrite.port = Some(peer.port());
    let Some(hotkey) = ctx.dendrite.hotkey.clone() else {
        let resp = not_verified(&ctx, &VerifyError::BadHotkey("None".to_string()));
        return early(resp, body, &shared).await;
    };
    // 4. blacklist
    if let Some(reason) = shared.blacklist.blacklist(&hotkey, &ctx.name) {
        let resp = error(
            &ctx,
            StatusCode::FORBIDDEN,
            format!("Forbidden. Key is blacklisted: {reason}."),
        );
        return early(resp, body, &shared).await;
    }
    // 5. verify what the headers allow
    let now = now_ns();
    let verified = match &bt {
        Some(bt) => shared
            .btauth
            .precheck(bt, now)
            .map(|_| bt.nonce)
            .map_err(VerifyError::BtAuth),
        None => verify_b10(&shared, &ctx, &hotkey, now),
    };
    let nonce = match verified {
        Ok(n) => n,
        Err(e) => return early(not_verified(&ctx, &e), body, &shared).await,
    };
    // 6. rate limit, once the caller is fully verified (bittensor 10: now)
    if bt.is_none()
        && let Some(resp) = rate_limited(&shared, &ctx, &hotkey, now)
    {
        return early(resp, body, &shared).await;
    }
    // 7. body
    let read = Limited::new(body, shared.config.max_body_bytes).collect();
    let body = match tokio::time::timeout(shared.config.body_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return error(
                &ctx,
                StatusCode::PAYLOAD_TOO_LARGE,
                "Payload Too Large".to_string(),
            );
        }
        Ok(Err(e)) => {
            let msg = format!("Could not read the request body: {e}");
            return error(&ctx, StatusCode::BAD_REQUEST, msg);
        }
        Err(_) => {
            let msg = format!(
                "Request body not received within {}s",
                shared.config.body_timeout.as_secs_f64()
            );
            return error(&ctx, StatusCode::REQUEST_TIMEOUT, msg);
        }
    };
    // 5b + 6b. btauth/1: the signature covers the body; then the rate limit
    if let Some(bt) = &bt {
        let target = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let now = now_ns();
        if let Err(e) = shared
            .btauth
            .verify(bt, parts.method.as_str(), target, &body, now)
        {
            return not_verified(&ctx, &VerifyError::BtAuth(e));
        }
        if let Some(resp) = rate_limited(&shared, &ctx, &hotkey, now) {
            return resp;
        }
    }
    // 8. priority
    let prio = shared.priority.priority(&hotkey, &ctx.name);
    let wait = Duration::from_nanos(secs_to_ns(ctx.timeout.min(shared.config.max_timeout_s)));
    let Some(permit) = shared.gate.acquire(prio, wait).await else {
        let msg = format!("Response timeout after: {}s", ctx.timeout);
        return error(&ctx, StatusCode::REQUEST_TIMEOUT, msg);
    };
    // 9 + 10. body check and forward
    let caller = Caller {
        hotkey,
        addr: Some(peer),
        scheme,
        nonce,
    };
    let mut value: serde_json::Value = if body.is_empty() {
        serde_json::Value::Object(Default::default())
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let msg = format!("Invalid JSON body: {e}");
                return error(&ctx, StatusCode::BAD_REQUEST, msg);
            }
        }
    };
    if scheme == AuthScheme::Bittensor10 {
        let expected = ctx.body_hash.as_deref().unwrap_or_default();
        let got = body_hash_of_value(&value, &route.hash_fields);
        if got.as_deref().ok() != Some(expected) {
            return internal_error(&ctx, &format!("body hash mismatch: {got:?} != {expected}"));
        }
    }
    let Some(fields) = value.as_object_mut() else {
        let msg = "Invalid synapse body: expected a JSON object".to_string();
        return error(&ctx, StatusCode::BAD_REQUEST, msg);
    };
    // The caller as verified, not as its body claims.
    match serde_json::to_value(&ctx.dendrite) {
        Ok(d) => fields.insert("dendrite".to_string(), d),
        Err(e) => return internal_error(&ctx, &format!("cannot encode the caller: {e}")),
    };
    let sizes = Sizes::of(&value);
    let mut axon_terminal = ctx.axon.clone();
    axon_terminal.status_code = Some(200);
    axon_terminal.status_message = Some("Success".to_string());
    axon_terminal.process_time = Some(start.elapsed().as_secs_f64());
    match (route.forward)(value, caller).await {
        Err(e) => internal_error(&ctx, &format!("forward failed: {e}")),
        Ok(Reply::Refuse { status, message }) => {
            let code = StatusCode::from_u16(status)
                .ok()
                .filter(|c| c.is_client_error() || c.is_server_error())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(&ctx, code, message)
        }
        Ok(Reply::Json(mut out)) => {
            let Some(fields) = out.as_object_mut() else {
                return internal_error(
                    &ctx,
                    "the forward answered a JSON value that is not an object",
                );
            };
            fields.insert("name".to_string(), ctx.name.clone().into());
            match serde_json::to_value(&axon_terminal) {
                Ok(a) => fields.insert("axon".to_string(), a),
                Err(e) => return internal_error(&ctx, &format!("cannot encode the axon: {e}")),
            };
            if let Some(t) = fields.get("timeout").and_then(serde_json::Value::as_f64) {
                ctx.timeout = t;
            }
            let sizes = Sizes::of(&out);
            let out = match serde_json::to_vec(&out) {
                Ok(o) => o,
                Err(e) => return internal_error(&ctx, &format!("cannot encode the answer: {e}")),
            };
            ctx.axon = axon_terminal;
            ctx.axon.process_time = Some(start.elapsed().as_secs_f64());
            respond(&ctx, StatusCode::OK, JSON, Body::from(out), sizes)
        }
        Ok(Reply::Stream(stream)) => {
            ctx.axon = axon_terminal;
            ctx.axon.process_time = Some(start.elapsed().as_secs_f64());
            let deadline = tokio::time::Instant::from_std(start) + wait;
            let body = Body::from_stream(guard_stream(stream, permit, deadline));
            respond(&ctx, StatusCode::OK, EVENT_STREAM, body, sizes)
        }
    }
}

/// `header_size` and `total_size` of a synapse (informational; 0 when absent).
#[derive(Clone, Copy, Default)]
struct Sizes {
    header: u64,
    total: u64,
}

impl Sizes {
    fn of(synapse: &serde_json::Value) -> Sizes {
        let n = |f: &str| synapse.get(f).and_then(serde_json::Value::as_u64);
        Sizes {
            header: n("header_size").unwrap_or_default(),
            total: n("total_size").unwrap_or_default(),
        }
    }
}

const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";

/// `Some(429)` when `hotkey` is over its rate limit.
fn rate_limited(shared: &Shared, ctx: &Ctx, hotkey: &str, now: u64) -> Option<Response<Body>> {
    let rate = shared.rate.as_ref()?;
    if rate.allow(hotkey, now) {
        return None;
    }
    Some(error(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        format!("Rate limit exceeded for {hotkey}"),
    ))
}

fn verify_b10(shared: &Shared, ctx: &Ctx, hotkey: &str, now: u64) -> Result<u64, VerifyError> {
    let d = &ctx.dendrite;
    let nonce = d.nonce.ok_or(VerifyError::MissingNonce)?;
    let uuid = d.uuid.as_deref().unwrap_or("None");
    shared.nonces.check(hotkey, uuid, nonce, ctx.timeout, now)?;
    let signature = d
        .signature
        .as_deref()
        .ok_or(VerifyError::MissingSignature)?;
    let message = format!(
        "{nonce}.{hotkey}.{}.{uuid}.{}",
        shared.hotkey,
        ctx.body_hash.as_deref().unwrap_or("")
    );
    let ok = match (AccountId::from_ss58(hotkey), Signature::from_hex(signature)) {
        (Ok(account), Ok(sig)) => taonet_crypto::verify(&account, message.as_bytes(), &sig),
        _ => false,
    };
    if !ok {
        return Err(VerifyError::SignatureMismatch {
            message,
            signature: signature.to_string(),
        });
    }
    shared.nonces.commit(hotkey, uuid, nonce, now)?;
    Ok(nonce)
}

fn not_verified(ctx: &Ctx, e: &VerifyError) -> Response<Body> {
    error(
        ctx,
        StatusCode::UNAUTHORIZED,
        format!("Not Verified with error: {e}"),
    )
}

fn error(ctx: &Ctx, code: StatusCode, message: String) -> Response<Body> {
    let mut axon = ctx.axon.clone();
    axon.status_code = Some(code.as_u16());
    axon.status_message = Some(message.clone());
    axon.process_time = Some(ctx.start.elapsed().as_secs_f64());
    let body = serde_json::json!({ "message": message }).to_string();
    let ctx = Ctx {
        name: ctx.name.clone(),
        timeout: ctx.timeout,
        dendrite: ctx.dendrite.clone(),
        axon,
        body_hash: ctx.body_hash.clone(),
        start: ctx.start,
    };
    respond(&ctx, code, JSON, Body::from(body), Sizes::default())
}

fn respond(
    ctx: &Ctx,
    code: StatusCode,
    content_type: &str,
    body: Body,
    sizes: Sizes,
) -> Response<Body> {
    let mut headers = HeaderMap::with_capacity(32);
    let mut put = |name: &str, value: String| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(n, v);
        }
    };
    put("content-type", content_type.to_string());
    put("name", ctx.name.clone());
    put("timeout", ctx.timeout.to_string());
    for (prefix, t) in [
        ("bt_header_axon_", &ctx.axon),
        ("bt_header_dendrite_", &ctx.dendrite),
    ] {
        let mut field = |f: &str, v: Option<String>| {
            if let Some(v) = v {
                put(&format!("{prefix}{f}"), v);
            }
        };
        field("status_code", t.status_code.map(|c| c.to_string()));
        field("status_message", t.status_message.clone());
        field("process_time", t.process_time.map(|p| p.to_string()));
        field("ip", t.ip.clone());
        field("port", t.port.map(|p| p.to_string()));
        field("version", t.version.map(|v| v.to_string()));
        field("nonce", t.nonce.map(|n| n.to_string()));
        field("uuid", t.uuid.clone());
        field("hotkey", t.hotkey.clone());
        field("signature", t.signature.clone());
    }
    put("header_size", sizes.header.to_string());
    put("total_size", sizes.total.to_string());
    if let Some(hash) = &ctx.body_hash {
        put("computed_body_hash", hash.clone());
    }
    let mut resp = Response::new(body);
    *resp.status_mut() = code;
    *resp.headers_mut() = headers;
    resp
}
