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

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand_core::{OsRng, RngCore};
use taonet_crypto::Keypair;

use crate::address::check_axon_with;
use crate::error::DendriteError;
use crate::nonce::now_ns;
use crate::synapse::{
    BITTENSOR_VERSION, Synapse, SynapseBase, SynapseMessage, TerminalInfo, body_hash_of_value,
};

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

impl Outcome {
    /// The bittensor status code and message of an outcome the axon did not answer itself
    /// (what the Python dendrite puts in `synapse.dendrite`): timeout 408 `Request timeout
    /// after <t> seconds`, unreachable 503 `Service unavailable at …`, non-public 503 with
    /// the refusal, a request not sent 400; an answered status is itself.
    fn local_status(&self, timeout: Duration) -> (u16, String) {
        match self {
            Outcome::Success => (200, "Success".to_string()),
            Outcome::Timeout => (
                408,
                format!("Request timeout after {:?} seconds", timeout.as_secs_f64()),
            ),
            Outcome::Blacklisted(m) => (403, m.clone()),
            Outcome::FailedVerification(m) => (401, m.clone()),
            Outcome::Unreachable(m) | Outcome::NonPublicAddress(m) => (503, m.clone()),
            Outcome::Status { code, message } => (*code, message.clone()),
        }
    }
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

/// A response as the transport gave it, body read.
struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
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

    fn next_nonce(&self) -> u64 {
        let now = now_ns();
        let prev = self.last_nonce.fetch_max(now, Ordering::AcqRel);
        if prev < now {
            now
        } else {
            self.last_nonce.fetch_add(1, Ordering::AcqRel) + 1
        }
    }

    fn take_lane(&self) -> String {
        self.lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(random_uuid)
    }

    fn put_lane(&self, lane: String) {
        self.lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lane);
    }

    /// Builds the signed request for `target` (exposed for tests that tamper with it).
    pub fn build_request<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
        uuid: &str,
        nonce: u64,
    ) -> Result<(Headers, Vec<u8>), DendriteError> {
        let value = serde_json::to_value(SynapseMessage::new(synapse.clone()))?;
        self.build_json_request(
            target,
            S::NAME,
            value,
            S::REQUIRED_HASH_FIELDS,
            timeout,
            uuid,
            nonce,
        )
    }

    /// Builds the signed request for a synapse given as a JSON object (route `name`,
    /// hashing `required_hash_fields` of it in order): fills `name`, `timeout`, the
    /// `dendrite` and `axon` terminals, and the other base fields where absent; signs
    /// `<nonce>.<our hotkey>.<axon hotkey>.<uuid>.<body hash>`. Exposed for tests that tamper
    /// with it; [`Dendrite::call_json`] is the normal way.
    #[allow(clippy::too_many_arguments)]
    pub fn build_json_request<F: AsRef<str>>(
        &self,
        target: &AxonTarget,
        name: &str,
        synapse: serde_json::Value,
        required_hash_fields: &[F],
        timeout: Duration,
        uuid: &str,
        nonce: u64,
    ) -> Result<(Headers, Vec<u8>), DendriteError> {
        let kind = json_kind(&synapse);
        let hash = body_hash_of_value(&synapse, required_hash_fields)?;
        let serde_json::Value::Object(mut fields) = synapse else {
            return Err(DendriteError::NotAnObject(kind));
        };
        let message = format!("{nonce}.{}.{}.{uuid}.{hash}", self.hotkey, target.hotkey);
        let signature = self.keypair.sign(message.as_bytes()).to_hex();
        let timeout_s = timeout.as_secs_f64();
        let dendrite = TerminalInfo {
            ip: Some(self.config.external_ip.clone()),
            version: Some(BITTENSOR_VERSION),
            nonce: Some(nonce),
            uuid: Some(uuid.to_string()),
            hotkey: Some(self.hotkey.clone()),
            signature: Some(signature.clone()),
            ..TerminalInfo::default()
        };
        let axon = TerminalInfo {
            ip: Some(target.addr.ip().to_string()),
            port: Some(target.addr.port()),
            hotkey: Some(target.hotkey.clone()),
            ..TerminalInfo::default()
        };
        fields.insert("name".to_string(), name.into());
        fields.insert("timeout".to_string(), timeout_s.into());
        fields.insert("dendrite".to_string(), serde_json::to_value(&dendrite)?);
        fields.insert("axon".to_string(), serde_json::to_value(&axon)?);
        for (field, default) in [
            ("total_size", serde_json::Value::from(0)),
            ("header_size", serde_json::Value::from(0)),
            ("computed_body_hash", serde_json::Value::from("")),
        ] {
            fields.entry(field).or_insert(default);
        }
        let body = serde_json::to_vec(&fields)?;
        let headers = vec![
            ("name".to_string(), name.to_string()),
            ("timeout".to_string(), format!("{timeout_s:?}")),
            (
                "bt_header_axon_ip".to_string(),
                target.addr.ip().to_string(),
            ),
            (
                "bt_header_axon_port".to_string(),
                target.addr.port().to_string(),
            ),
            ("bt_header_axon_hotkey".to_string(), target.hotkey.clone()),
            (
                "bt_header_dendrite_ip".to_string(),
                self.config.external_ip.clone(),
            ),
            (
                "bt_header_dendrite_version".to_string(),
                BITTENSOR_VERSION.to_string(),
            ),
            ("bt_header_dendrite_nonce".to_string(), nonce.to_string()),
            ("bt_header_dendrite_uuid".to_string(), uuid.to_string()),
            ("bt_header_dendrite_hotkey".to_string(), self.hotkey.clone()),
            ("bt_header_dendrite_signature".to_string(), signature),
            ("header_size".to_string(), "0".to_string()),
            ("total_size".to_string(), body.len().to_string()),
            ("computed_body_hash".to_string(), hash),
            ("content-type".to_string(), "application/json".to_string()),
        ];
        Ok((headers, body))
    }

    /// Signs `build` with a lane and a fresh nonce, runs `send` on the result and gives the
    /// lane back: the one place calls take their uuid and nonce.
    async fn signed<T, Fut>(
        &self,
        build: impl FnOnce(&str, u64) -> Result<(Headers, Vec<u8>), DendriteError>,
        send: impl FnOnce(Headers, Vec<u8>) -> Fut,
    ) -> Result<T, DendriteError>
    where
        Fut: Future<Output = T>,
    {
        let lane = self.take_lane();
        let nonce = self.next_nonce();
        let result = match build(&lane, nonce) {
            Ok((headers, body)) => Ok(send(headers, body).await),
            Err(e) => Err(e),
        };
        self.put_lane(lane);
        result
    }

    /// Calls one axon with `synapse`, giving up after `timeout`.
    pub async fn call<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
    ) -> Result<CallResult<S>, DendriteError> {
        self.signed(
            |lane, nonce| self.build_request(target, synapse, timeout, lane, nonce),
            |headers, body| self.send::<S>(target, headers, body, timeout),
        )
        .await
    }

    /// Sends a prepared request (headers and body) to `target` and interprets the answer.
    pub async fn send<S: Synapse>(
        &self,
        target: &AxonTarget,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        timeout: Duration,
    ) -> CallResult<S> {
        let start = Instant::now();
        let (outcome, synapse, base) = match self
            .exchange(target, S::NAME, &headers, body, timeout)
            .await
        {
            Err(outcome) => (outcome, None, None),
            Ok(answer) if answer.status == 200 => {
                match serde_json::from_slice::<SynapseMessage<S>>(&answer.body) {
                    Ok(m) => (Outcome::Success, Some(m.fields), Some(m.base)),
                    Err(e) => (unparsable(e), None, None),
                }
            }
            Ok(answer) => (error_outcome(answer.status, &answer.body).0, None, None),
        };
        CallResult {
            outcome,
            synapse,
            base,
            elapsed: start.elapsed(),
        }
    }

    /// Calls `target` with a synapse given as a JSON object (base fields may be absent; the
    /// dendrite fills `name`, `timeout`, `dendrite` and `axon` as for typed calls), hashing
    /// `required_hash_fields` of it in order. Never fails: a synapse that cannot be sent
    /// (not an object, a hashed value whose Python `str()` is not reproduced) ends in
    /// `Outcome::Status { code: 400, .. }` without a connection.
    pub async fn call_json(
        &self,
        target: &AxonTarget,
        name: &str,
        synapse: serde_json::Value,
        required_hash_fields: &[String],
        timeout: Duration,
    ) -> JsonCallResult {
        let start = Instant::now();
        let sent = self
            .signed(
                |lane, nonce| {
                    let fields = required_hash_fields;
                    self.build_json_request(target, name, synapse, fields, timeout, lane, nonce)
                },
                |headers, body| self.send_json(target, name, headers, body, timeout),
            )
            .await;
        sent.unwrap_or_else(|e| {
            let outcome = not_sent(&e);
            let mut axon = TerminalInfo::default();
            set_local_status(&mut axon, &outcome, timeout);
            let mut dendrite = TerminalInfo::default();
            finish_dendrite(&mut dendrite, &axon, start.elapsed());
            JsonCallResult {
                outcome,
                axon,
                dendrite,
                body: None,
                elapsed: start.elapsed(),
            }
        })
    }

    /// Sends a prepared JSON request (as [`Dendrite::build_json_request`] makes it) to route
    /// `name` of `target` and interprets the answer like [`Dendrite::call_json`]; the
    /// `dendrite` terminal of the result is read from the request's headers.
    pub async fn send_json(
        &self,
        target: &AxonTarget,
        name: &str,
        headers: Headers,
        body: Vec<u8>,
        timeout: Duration,
    ) -> JsonCallResult {
        let start = Instant::now();
        let mut dendrite = sent_terminal(&headers);
        let answer = self.exchange(target, name, &headers, body, timeout).await;
        let (outcome, axon, body) = match answer {
            Err(outcome) => {
                let mut axon = TerminalInfo::default();
                set_local_status(&mut axon, &outcome, timeout);
                (outcome, axon, None)
            }
            Ok(answer) if answer.status == 200 => {
                match serde_json::from_slice::<serde_json::Value>(&answer.body) {
                    Ok(v) if v.is_object() => {
                        let mut axon: TerminalInfo = v
                            .get("axon")
                            .and_then(|a| serde_json::from_value(a.clone()).ok())
                            .unwrap_or_default();
                        axon.overlay(&header_terminal(&answer.headers));
                        (Outcome::Success, axon, Some(v))
                    }
                    parsed => {
                        let outcome = match parsed {
                            Err(e) => unparsable(e),
                            Ok(v) => Outcome::Status {
                                code: 422,
                                message: format!(
                                    "Failed to parse response: expected a JSON object, got {}",
                                    json_kind(&v)
                                ),
                            },
                        };
                        let mut axon = header_terminal(&answer.headers);
                        set_local_status(&mut axon, &outcome, timeout);
                        (outcome, axon, None)
                    }
                }
            }
            Ok(answer) => {
                let (outcome, message, _) = error_outcome(answer.status, &answer.body);
                let mut axon = TerminalInfo {
                    status_code: Some(answer.status),
                    status_message: Some(message),
                    ..TerminalInfo::default()
                };
                axon.overlay(&header_terminal(&answer.headers));
                (outcome, axon, None)
            }
        };
        finish_dendrite(&mut dendrite, &axon, start.elapsed());
        JsonCallResult {
            outcome,
            axon,
            dendrite,
            body,
            elapsed: start.elapsed(),
        }
    }

    /// Streaming call: the response's status and headers, then its chunks as they arrive.
    /// The deadline covers the whole stream; hitting it ends the stream with a Timeout. A
    /// synapse that cannot be sent ends in `Outcome::Status { code: 400, .. }` as for
    /// [`Dendrite::call_json`].
    pub async fn call_stream_json(
        &self,
        target: &AxonTarget,
        name: &str,
        synapse: serde_json::Value,
        required_hash_fields: &[String],
        timeout: Duration,
    ) -> StreamCall {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let sent = self
            .signed(
                |lane, nonce| {
                    let fields = required_hash_fields;
                    self.build_json_request(target, name, synapse, fields, timeout, lane, nonce)
                },
                |headers, body| async move {
                    let dendrite = sent_terminal(&headers);
                    let opened =
                        tokio::time::timeout_at(deadline, self.open(target, name, &headers, body))
                            .await
                            .unwrap_or(Err(Outcome::Timeout));
                    (dendrite, opened)
                },
            )
            .await;
        let (mut dendrite, opened) = match sent {
            Ok(sent) => sent,
            Err(e) => (TerminalInfo::default(), Err(not_sent(&e))),
        };
        let (outcome, axon, error_body, chunks) = match opened {
            Err(outcome) => {
                let mut axon = TerminalInfo::default();
                set_local_status(&mut axon, &outcome, timeout);
                (outcome, axon, None, empty_chunks())
            }
            Ok(resp) if resp.status() == hyper::StatusCode::OK => {
                let mut axon = TerminalInfo {
                    status_code: Some(200),
                    status_message: Some("Success".to_string()),
                    ..TerminalInfo::default()
                };
                axon.overlay(&header_terminal(resp.headers()));
                let limit = self.config.max_stream_bytes;
                let chunks = chunk_stream(resp.into_body(), deadline, limit);
                (Outcome::Success, axon, None, chunks)
            }
            Ok(resp) => {
                let status = resp.status().as_u16();
                let (parts, body) = resp.into_parts();
                let read = Limited::new(body, self.config.max_response_bytes).collect();
                match tokio::time::timeout_at(deadline, read).await {
                    Ok(Ok(collected)) => {
                        let bytes = collected.to_bytes();
                        let (outcome, message, error_body) = error_outcome(status, &bytes);
                        let mut axon = TerminalInfo {
                            status_code: Some(status),
                            status_message: Some(message),
                            ..TerminalInfo::default()
                        };
                        axon.overlay(&header_terminal(&parts.headers));
                        (outcome, axon, error_body, empty_chunks())
                    }
                    Ok(Err(e)) => {
                        let outcome = Outcome::Unreachable(format!(
                            "Service unavailable at {}/{name}: the error body broke off: {e}",
                            target.addr
                        ));
                        let mut axon = header_terminal(&parts.headers);
                        set_local_status(&mut axon, &outcome, timeout);
                        (outcome, axon, None, empty_chunks())
                    }
                    Err(_) => {
                        let mut axon = header_terminal(&parts.headers);
                        set_local_status(&mut axon, &Outcome::Timeout, timeout);
                        (Outcome::Timeout, axon, None, empty_chunks())
                    }
                }
            }
        };
        finish_dendrite(&mut dendrite, &axon, start.elapsed());
        StreamCall {
            outcome,
            axon,
            dendrite,
            error_body,
            chunks,
        }
    }

    /// Typed streaming call: `synapse` as [`Dendrite::call_stream_json`] sends it, on route
    /// `S::NAME` with `S::REQUIRED_HASH_FIELDS`.
    pub async fn call_stream<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
    ) -> StreamCall {
        match serde_json::to_value(SynapseMessage::new(synapse.clone())) {
            Ok(value) => {
                let fields: Vec<String> = S::REQUIRED_HASH_FIELDS
                    .iter()
                    .map(|f| f.to_string())
                    .collect();
                self.call_stream_json(target, S::NAME, value, &fields, timeout)
                    .await
            }
            Err(e) => {
                let outcome = not_sent(&DendriteError::Encode(e));
                let mut axon = TerminalInfo::default();
                set_local_status(&mut axon, &outcome, timeout);
                StreamCall {
                    outcome,
                    axon,
                    dendrite: TerminalInfo::default(),
                    error_body: None,
                    chunks: empty_chunks(),
                }
            }
        }
    }

    /// `Ok` when this dendrite dials `addr`: a public address, any with
    /// [`DendriteConfig::allow_private_axons`], a loopback one with
    /// [`DendriteConfig::allow_loopback_axons`].
    pub fn check_target(&self, addr: SocketAddr) -> Result<(), crate::address::NonPublicAxon> {
        check_axon_with(
            addr,
            self.config.allow_private_axons,
            self.config.allow_loopback_axons,
        )
    }

    /// Posts raw `headers` and `body` to `http://<addr><path>` through the pool; returns the
    /// status, headers and body (transport failures as a message). No deadline of its own.
    /// A non-public `addr` is refused as by [`Dendrite::check_target`].
    pub async fn post_raw(
        &self,
        addr: SocketAddr,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<(u16, hyper::HeaderMap, Bytes), String> {
        self.check_target(addr).map_err(|e| e.to_string())?;
        let resp = self.post(addr, path, headers, body).await?;
        let status = resp.status().as_u16();
        let (parts, body) = resp.into_parts();
        let bytes = Limited::new(body, self.config.max_response_bytes)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, parts.headers, bytes))
    }

    /// Calls one axon authenticating with `btauth/1` headers instead of bittensor 10 ones.
    pub async fn call_btauth<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
    ) -> Result<CallResult<S>, DendriteError> {
        let mut msg = SynapseMessage::new(synapse.clone());
        msg.base.timeout = Some(timeout.as_secs_f64());
        let body = serde_json::to_vec(&msg)?;
        let path = format!("/{}", S::NAME);
        let mut headers: Vec<(String, String)> = crate::btauth::sign(
            &self.keypair,
            "POST",
            &path,
            &body,
            self.next_nonce(),
            &target.hotkey,
        )
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        headers.push(("content-type".to_string(), "application/json".to_string()));
        headers.push((
            "timeout".to_string(),
            format!("{:?}", timeout.as_secs_f64()),
        ));
        Ok(self.send::<S>(target, headers, body, timeout).await)
    }

    /// POSTs through the pool; a transport failure is the bittensor-style message.
    async fn post(
        &self,
        addr: SocketAddr,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<hyper::Response<Incoming>, String> {
        let mut req = hyper::Request::builder()
            .method(hyper::Method::POST)
            .uri(format!("http://{addr}{path}"));
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        self.client
            .request(req)
            .await
            .map_err(|e| format!("Service unavailable at {addr}{path}: {e}"))
    }

    /// Dials `target` (if allowed) and sends the request to route `name`; the response
    /// with its body still to read. No deadline of its own.
    async fn open(
        &self,
        target: &AxonTarget,
        name: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<hyper::Response<Incoming>, Outcome> {
        self.check_target(target.addr)
            .map_err(|e| Outcome::NonPublicAddress(e.to_string()))?;
        self.post(target.addr, &format!("/{name}"), headers, body)
            .await
            .map_err(Outcome::Unreachable)
    }

    /// One whole exchange within `timeout`: dial, send, read the body (up to
    /// [`DendriteConfig::max_response_bytes`]).
    async fn exchange(
        &self,
        target: &AxonTarget,
        name: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, Outcome> {
        let whole = async {
            let resp = self.open(target, name, headers, body).await?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, self.config.max_response_bytes)
                .collect()
                .await
                .map_err(|e| {
                    Outcome::Unreachable(format!(
                        "Service unavailable at {}/{name}: {e}",
                        target.addr
                    ))
                })?
                .to_bytes();
            Ok(Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(timeout, whole)
            .await
            .unwrap_or(Err(Outcome::Timeout))
    }

    /// Calls every target concurrently with the same synapse and deadline; results in
    /// target order.
    pub async fn forward<S: Synapse>(
        &self,
        targets: &[AxonTarget],
        synapse: &S,
        timeout: Duration,
    ) -> Result<Vec<CallResult<S>>, DendriteError> {
        futures::future::join_all(targets.iter().map(|t| self.call(t, synapse, timeout)))
            .await
            .into_iter()
            .collect()
    }
}

/// A 200 body that does not parse (bittensor's 422).
fn unparsable(e: serde_json::Error) -> Outcome {
    Outcome::Status {
        code: 422,
        message: format!("Failed to parse response: {e}"),
    }
}

/// A request that could not be built: nothing was sent.
fn not_sent(e: &DendriteError) -> Outcome {
    Outcome::Status {
        code: 400,
        message: format!("the synapse was not sent: {e}"),
    }
}

/// The outcome of a non-200 answer, its message (the body's `message`, else the body as
/// text) and the body as JSON if it is JSON.
fn error_outcome(status: u16, body: &[u8]) -> (Outcome, String, Option<serde_json::Value>) {
    let json = serde_json::from_slice::<serde_json::Value>(body).ok();
    let message = json
        .as_ref()
        .and_then(|v| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let outcome = match status {
        401 => Outcome::FailedVerification(message.clone()),
        403 => Outcome::Blacklisted(message.clone()),
        408 => Outcome::Timeout,
        code => Outcome::Status {
            code,
            message: message.clone(),
        },
    };
    (outcome, message, json)
}

/// What the axon's `bt_header_axon_*` response headers say.
fn header_terminal(headers: &hyper::HeaderMap) -> TerminalInfo {
    TerminalInfo::from_headers(
        |n| headers.get(n).and_then(|v| v.to_str().ok()),
        "bt_header_axon_",
        false,
    )
    .unwrap_or_default()
}

/// The dendrite terminal our request headers carry.
fn sent_terminal(headers: &[(String, String)]) -> TerminalInfo {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    TerminalInfo::from_headers(get, "bt_header_dendrite_", false).unwrap_or_default()
}

/// Status of an outcome the axon did not answer (see [`JsonCallResult::axon`]).
fn set_local_status(axon: &mut TerminalInfo, outcome: &Outcome, timeout: Duration) {
    let (code, message) = outcome.local_status(timeout);
    axon.status_code = Some(code);
    axon.status_message = Some(message);
}

/// As the Python dendrite: our terminal takes the axon's status, and the call's time.
fn finish_dendrite(dendrite: &mut TerminalInfo, axon: &TerminalInfo, elapsed: Duration) {
    dendrite.status_code = axon.status_code;
    dendrite.status_message.clone_from(&axon.status_message);
    dendrite.process_time = Some(elapsed.as_secs_f64());
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn empty_chunks() -> BoxStream<'static, Result<Bytes, Outcome>> {
    futures::stream::empty().boxed()
}

/// The chunks of a 200 streamed body until it ends, `deadline` passes (→ Timeout), the
/// connection breaks (→ Unreachable) or more than `limit` bytes came (→ 413); empty data
/// frames are skipped.
fn chunk_stream(
    body: Incoming,
    deadline: tokio::time::Instant,
    limit: usize,
) -> BoxStream<'static, Result<Bytes, Outcome>> {
    let frames = body.into_data_stream();
    futures::stream::unfold(Some((frames, 0usize)), move |state| async move {
        let (mut frames, mut received) = state?;
        loop {
            return match tokio::time::timeout_at(deadline, frames.next()).await {
                Err(_) => Some((Err(Outcome::Timeout), None)),
                Ok(None) => None,
                Ok(Some(Err(e))) => Some((
                    Err(Outcome::Unreachable(format!("the stream broke off: {e}"))),
                    None,
                )),
                Ok(Some(Ok(chunk))) if chunk.is_empty() => continue,
                Ok(Some(Ok(chunk))) => {
                    received = received.saturating_add(chunk.len());
                    if received > limit {
                        let message = format!(
                            "streamed response over max_stream_bytes ({limit} bytes); raise DendriteConfig::max_stream_bytes to accept it"
                        );
                        Some((Err(Outcome::Status { code: 413, message }), None))
                    } else {
                        Some((Ok(chunk), Some((frames, received))))
                    }
                }
            };
        }
    })
    .boxed()
}
