//! The dendrite: a pooled HTTP/1.1 client calling axons with bittensor 10 signed headers.
//!
//! # Request (what the Python dendrite sends, §b1)
//! `POST http://<ip>:<port>/<SynapseName>`, JSON body = the whole synapse (base fields with
//! the dendrite and axon terminals filled), headers `name`, `timeout`,
//! `bt_header_axon_{ip,port,hotkey}`, `bt_header_dendrite_{ip,version,nonce,uuid,hotkey,
//! signature}`, `header_size`, `total_size`, `computed_body_hash`, `content-type`. The
//! signature is sr25519 by our hotkey over `<nonce>.<our hotkey>.<axon hotkey>.<uuid>.<body
//! hash>`. The `bt_header_input_obj_*` headers (base64 of an *empty* value of each
//! pydantic-required field, a Python quirk the axon does not need) are not sent.
//!
//! # Nonces and lanes
//! Nonces are `time_ns`, forced strictly increasing across the dendrite. An axon accepts
//! only increasing nonces per `(hotkey, uuid)`, so two concurrent calls sharing a uuid could
//! arrive out of order and the later-signed one would be refused. Each in-flight call
//! therefore takes a **lane**, a uuid no other in-flight call uses; lanes are reused once
//! their call ends, so a busy dendrite shows an axon a handful of uuids, not one per call.
//!
//! # JSON synapses
//! [`Dendrite::call_json`] sends a synapse whose type is known only at run time (a Python
//! pydantic model) as a JSON object with its route name and hash fields; typed calls
//! ([`Dendrite::call`]) are the same request built from `S` ([`Dendrite::build_request`] is
//! [`Dendrite::build_json_request`] of the serialised synapse), so signing, lanes, nonces
//! and the deadline are one code path. The [`JsonCallResult`] carries both terminals as the
//! Python dendrite fills them: the axon's from its response (headers over body), or our
//! own status with bittensor's codes when it did not answer (timeout 408, unreachable or
//! non-public 503).
//!
//! # Streaming
//! [`Dendrite::call_stream`] / [`Dendrite::call_stream_json`] (bittensor's `call_stream`)
//! return once the response head arrived: its [`Outcome`] and terminals, then a stream of
//! the body's chunks as they arrive. A lane is held only until the head arrived (the axon
//! has verified the nonce by then). The deadline covers the whole stream: when it passes
//! the stream yields `Err(Outcome::Timeout)` and ends; a broken connection ends it with
//! `Err(Outcome::Unreachable)`, more than [`DendriteConfig::max_stream_bytes`] in all with
//! `Err(Outcome::Status { code: 413 })`. A non-200 answer has no chunks; its body is read
//! (up to [`DendriteConfig::max_response_bytes`]) for the message.
//!
//! # Results
//! Every call ends in a [`CallResult`] (typed), [`JsonCallResult`] or [`StreamCall`] with a
//! typed [`Outcome`]: transport failures and the deadline are outcomes, not errors. The
//! deadline covers connect, send and the whole response. Non-streamed response bodies are
//! limited to [`DendriteConfig::max_response_bytes`].
//!
//! # Addresses
//! Axon addresses come from the chain, so the dendrite refuses to dial non-public ones
//! (loopback, private, link-local, … — [`crate::address`]): such a call ends in
//! [`Outcome::NonPublicAddress`] without a connection being made, and [`Dendrite::post_raw`]
//! refuses them too. [`DendriteConfig::allow_private_axons`] lifts this for local networks;
//! [`DendriteConfig::allow_loopback_axons`] lifts it for loopback addresses only (a local
//! network on one machine), every other non-public range staying refused.
//!
//! # Layout
//! | file | what |
//! |---|---|
//! | `mod.rs` | the [`Dendrite`], [`DendriteConfig`], [`AxonTarget`], the results and [`Outcome`] |
//! | `request.rs` | the signed request ([`Dendrite::build_json_request`]), nonces, lanes |
//! | `call.rs` | [`Dendrite::call`], [`Dendrite::call_json`], `send`, `post_raw`, `call_btauth` |
//! | `stream.rs` | [`Dendrite::call_stream`], [`Dendrite::call_stream_json`], the chunk stream |
//! | `outcome.rs` | how an answer, or its absence, becomes an [`Outcome`] and terminals |

mod call;
mod outcome;
mod request;
mod stream;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::BoxStream;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand_core::{OsRng, RngCore};
use taonet_crypto::Keypair;

use crate::synapse::{SynapseBase, TerminalInfo};

/// Request headers as (name, value) pairs.
pub type Headers = Vec<(String, String)>;

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 200 and a parsable synapse (for streams: 200, the chunks follow).
    Success,
    /// Our deadline passed, or the axon answered 408.
    Timeout,
    /// 403: the axon's blacklist refused us.
    Blacklisted(String),
    /// 401: the axon did not verify us.
    FailedVerification(String),
    /// Could not connect or the connection broke.
    Unreachable(String),
    /// Not dialled: the axon's address is not public and neither
    /// [`DendriteConfig::allow_private_axons`] nor (for loopback)
    /// [`DendriteConfig::allow_loopback_axons`] allows it; the message says which range.
    NonPublicAddress(String),
    /// Any other status (or 422 for an unparsable 200 body), with the axon's message; 400
    /// for a JSON synapse that could not be sent at all (not an object, unhashable field).
    Status {
        /// HTTP status.
        code: u16,
        /// `message` of the error body.
        message: String,
    },
}

/// The result of one call.
#[derive(Clone, Debug)]
pub struct CallResult<S> {
    /// How it ended.
    pub outcome: Outcome,
    /// The returned synapse fields (on success).
    pub synapse: Option<S>,
    /// The returned base fields (on success), axon terminal included.
    pub base: Option<SynapseBase>,
    /// Wall time of the call.
    pub elapsed: Duration,
}

impl<S> CallResult<S> {
    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.outcome == Outcome::Success
    }
}

/// The answer to a JSON call ([`Dendrite::call_json`]).
#[derive(Clone, Debug)]
pub struct JsonCallResult {
    /// How it ended.
    pub outcome: Outcome,
    /// The axon's terminal as its response describes it: on 200 the body's `axon` terminal,
    /// otherwise the HTTP status and the body's `message`, each overlaid by the
    /// `bt_header_axon_*` response headers (status, message, process time, hotkey, uuid, …;
    /// as the Python dendrite merges them). When the axon did not answer, `status_code` and
    /// `status_message` come from our own outcome, with bittensor's codes: timeout 408
    /// `Request timeout after <t> seconds`, unreachable 503 `Service unavailable at
    /// <addr>/<name>: <why>`, non-public 503 with the refusal, not sent 400.
    pub axon: TerminalInfo,
    /// The dendrite terminal we sent (nonce, uuid, hotkey, signature, version, ip) with,
    /// as in Python, `status_code`/`status_message` copied from `axon` and `process_time` set
    /// to the call's wall time in seconds.
    pub dendrite: TerminalInfo,
    /// The 200 body parsed as a JSON object (None unless Success).
    pub body: Option<serde_json::Value>,
    /// Wall time of the call.
    pub elapsed: Duration,
}

impl JsonCallResult {
    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.outcome == Outcome::Success
    }
}

/// A streaming call ([`Dendrite::call_stream`], [`Dendrite::call_stream_json`]): the
/// response's status and headers, then its chunks as they arrive.
pub struct StreamCall {
    /// Success if the axon answered 200; otherwise the refusal (and `chunks` yields nothing).
    pub outcome: Outcome,
    /// The axon's terminal from the response headers (see [`JsonCallResult::axon`]); its
    /// `process_time` is the axon's time until the stream started.
    pub axon: TerminalInfo,
    /// The dendrite terminal we sent (see [`JsonCallResult::dendrite`]; `process_time` is
    /// the time until the response headers arrived).
    pub dendrite: TerminalInfo,
    /// For a non-200 answer: its JSON body (`{"message": …}`) if any.
    pub error_body: Option<serde_json::Value>,
    /// The body's chunks; ends at the end of the response, or with `Err(Outcome::Timeout)`
    /// (the call's deadline passed), `Err(Outcome::Unreachable)` (the connection broke) or
    /// `Err(Outcome::Status { code: 413, .. })` (more than
    /// [`DendriteConfig::max_stream_bytes`]) mid-stream.
    pub chunks: BoxStream<'static, Result<Bytes, Outcome>>,
}

impl std::fmt::Debug for StreamCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamCall")
            .field("outcome", &self.outcome)
            .field("axon", &self.axon)
            .field("dendrite", &self.dendrite)
            .field("error_body", &self.error_body)
            .finish_non_exhaustive()
    }
}

/// An axon to call: its address and the hotkey we believe it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxonTarget {
    /// Where the axon listens; a non-public address is refused unless
    /// [`DendriteConfig::allow_private_axons`] (or, for loopback,
    /// [`DendriteConfig::allow_loopback_axons`]) is set.
    pub addr: SocketAddr,
    /// Hotkey (SS58).
    pub hotkey: String,
}

/// Dendrite settings.
#[derive(Clone, Debug)]
pub struct DendriteConfig {
    /// IP advertised in `bt_header_dendrite_ip` (no lookup is made).
    pub external_ip: String,
    /// Largest accepted response body, streams excepted (16 MiB).
    pub max_response_bytes: usize,
    /// Largest streamed response, all chunks together (64 MiB); more ends the stream with
    /// `Err(Outcome::Status { code: 413, .. })`.
    pub max_stream_bytes: usize,
    /// Idle connections kept per axon (64).
    pub max_idle_per_host: usize,
    /// Dial loopback, private, link-local and other non-public axon addresses (false: they
    /// are refused, see [`crate::address`]). Only for local networks.
    pub allow_private_axons: bool,
    /// Dial loopback axons (`127.0.0.0/8`, `::1`, `::ffff:127.0.0.0/104`) even when
    /// `allow_private_axons` is false; every other non-public range stays refused (false).
    /// For a local network on one machine: its axons are reached while LAN and cloud
    /// metadata addresses published on chain are not.
    pub allow_loopback_axons: bool,
}

impl Default for DendriteConfig {
    fn default() -> Self {
        DendriteConfig {
            external_ip: "127.0.0.1".to_string(),
            max_response_bytes: 16 << 20,
            max_stream_bytes: 64 << 20,
            max_idle_per_host: 64,
            allow_private_axons: false,
            allow_loopback_axons: false,
        }
    }
}

/// A dendrite: signs calls with our hotkey and sends them to axons over pooled connections.
#[derive(Debug)]
pub struct Dendrite {
    keypair: Keypair,
    hotkey: String,
    config: DendriteConfig,
    client: Client<HttpConnector, Full<Bytes>>,
    last_nonce: AtomicU64,
    lanes: Mutex<Vec<String>>,
}

/// A random uuid-formatted string (version 4 layout).
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Dendrite {
    /// A dendrite signing with `keypair` (its hotkey).
    pub fn new(keypair: Keypair, config: DendriteConfig) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(config.max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Dendrite {
            hotkey: keypair.ss58(),
            keypair,
            config,
            client,
            last_nonce: AtomicU64::new(0),
            lanes: Mutex::new(Vec::new()),
        }
    }

    /// Our hotkey (SS58).
    pub fn hotkey(&self) -> &str {
        &self.hotkey
    }
}
