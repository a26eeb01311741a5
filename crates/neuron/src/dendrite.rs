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
//! # Results
//! Every call ends in a [`CallResult`] with a typed [`Outcome`]: transport failures and
//! the deadline are outcomes, not errors. The deadline covers connect, send and the whole
//! response.
//!
//! # Addresses
//! Axon addresses come from the chain, so the dendrite refuses to dial non-public ones
//! (loopback, private, link-local, … — [`crate::address`]): such a call ends in
//! [`Outcome::NonPublicAddress`] without a connection being made, and [`Dendrite::post_raw`]
//! refuses them too. [`DendriteConfig::allow_private_axons`] lifts this for local networks.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand_core::{OsRng, RngCore};
use taonet_crypto::Keypair;

use crate::address::check_axon;
use crate::error::DendriteError;
use crate::nonce::now_ns;
use crate::synapse::{
    BITTENSOR_VERSION, Synapse, SynapseBase, SynapseMessage, TerminalInfo, body_hash,
};

/// Request headers as (name, value) pairs.
pub type Headers = Vec<(String, String)>;

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 200 and a parsable synapse.
    Success,
    /// Our deadline passed, or the axon answered 408.
    Timeout,
    /// 403: the axon's blacklist refused us.
    Blacklisted(String),
    /// 401: the axon did not verify us.
    FailedVerification(String),
    /// Could not connect or the connection broke.
    Unreachable(String),
    /// Not dialled: the axon's address is not public and private axons are not allowed
    /// ([`DendriteConfig::allow_private_axons`]); the message says which range.
    NonPublicAddress(String),
    /// Any other status (or 422 for an unparsable 200 body), with the axon's message.
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

/// An axon to call: its address and the hotkey we believe it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxonTarget {
    /// Where the axon listens; a non-public address is refused unless
    /// [`DendriteConfig::allow_private_axons`] is set.
    pub addr: SocketAddr,
    /// Hotkey (SS58).
    pub hotkey: String,
}

/// Dendrite settings.
#[derive(Clone, Debug)]
pub struct DendriteConfig {
    /// IP advertised in `bt_header_dendrite_ip` (no lookup is made).
    pub external_ip: String,
    /// Largest accepted response body (16 MiB).
    pub max_response_bytes: usize,
    /// Idle connections kept per axon (64).
    pub max_idle_per_host: usize,
    /// Dial loopback, private, link-local and other non-public axon addresses (false: they
    /// are refused, see [`crate::address`]). Only for local networks.
    pub allow_private_axons: bool,
}

impl Default for DendriteConfig {
    fn default() -> Self {
        DendriteConfig {
            external_ip: "127.0.0.1".to_string(),
            max_response_bytes: 16 << 20,
            max_idle_per_host: 64,
            allow_private_axons: false,
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
        let hash = body_hash(synapse)?;
        let message = format!("{nonce}.{}.{}.{uuid}.{hash}", self.hotkey, target.hotkey);
        let signature = self.keypair.sign(message.as_bytes()).to_hex();
        let timeout_s = timeout.as_secs_f64();
        let mut msg = SynapseMessage::new(synapse.clone());
        msg.base.timeout = Some(timeout_s);
        msg.base.dendrite = Some(TerminalInfo {
            ip: Some(self.config.external_ip.clone()),
            version: Some(BITTENSOR_VERSION),
            nonce: Some(nonce),
            uuid: Some(uuid.to_string()),
            hotkey: Some(self.hotkey.clone()),
            signature: Some(signature.clone()),
            ..TerminalInfo::default()
        });
        msg.base.axon = Some(TerminalInfo {
            ip: Some(target.addr.ip().to_string()),
            port: Some(target.addr.port()),
            hotkey: Some(target.hotkey.clone()),
            ..TerminalInfo::default()
        });
        let body = serde_json::to_vec(&msg)?;
        let headers = vec![
            ("name".to_string(), S::NAME.to_string()),
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

    /// Calls one axon with `synapse`, giving up after `timeout`.
    pub async fn call<S: Synapse>(
        &self,
        target: &AxonTarget,
        synapse: &S,
        timeout: Duration,
    ) -> Result<CallResult<S>, DendriteError> {
        let lane = self.take_lane();
        let nonce = self.next_nonce();
        let built = self.build_request(target, synapse, timeout, &lane, nonce);
        let result = match built {
            Ok((headers, body)) => Ok(self.send::<S>(target, headers, body, timeout).await),
            Err(e) => Err(e),
        };
        self.put_lane(lane);
        result
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
        let outcome =
            tokio::time::timeout(timeout, self.exchange::<S>(target, headers, body)).await;
        let (outcome, synapse, base) = match outcome {
            Ok(r) => r,
            Err(_) => (Outcome::Timeout, None, None),
        };
        CallResult {
            outcome,
            synapse,
            base,
            elapsed: start.elapsed(),
        }
    }

    /// `Ok` when this dendrite dials `addr`: a public address, or any with
    /// [`DendriteConfig::allow_private_axons`].
    pub fn check_target(&self, addr: SocketAddr) -> Result<(), crate::address::NonPublicAxon> {
        check_axon(addr, self.config.allow_private_axons)
    }

    /// Posts raw `headers` and `body` to `http://<addr><path>` through the pool; returns the
    /// status, headers and body (transport failures as a message). No deadline of its own.
    /// A non-public `addr` is refused unless [`DendriteConfig::allow_private_axons`].
    pub async fn post_raw(
        &self,
        addr: SocketAddr,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<(u16, hyper::HeaderMap, Bytes), String> {
        check_axon(addr, self.config.allow_private_axons).map_err(|e| e.to_string())?;
        let mut req = hyper::Request::builder()
            .method(hyper::Method::POST)
            .uri(format!("http://{addr}{path}"));
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| format!("Service unavailable at {addr}{path}: {e}"))?;
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

    async fn exchange<S: Synapse>(
        &self,
        target: &AxonTarget,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> (Outcome, Option<S>, Option<SynapseBase>) {
        if let Err(e) = check_axon(target.addr, self.config.allow_private_axons) {
            return (Outcome::NonPublicAddress(e.to_string()), None, None);
        }
        let (status, _headers, bytes) = match self
            .post_raw(target.addr, &format!("/{}", S::NAME), &headers, body)
            .await
        {
            Ok(r) => r,
            Err(e) => return (Outcome::Unreachable(e), None, None),
        };
        if status == 200 {
            return match serde_json::from_slice::<SynapseMessage<S>>(&bytes) {
                Ok(m) => (Outcome::Success, Some(m.fields), Some(m.base)),
                Err(e) => (
                    Outcome::Status {
                        code: 422,
                        message: format!("Failed to parse response: {e}"),
                    },
                    None,
                    None,
                ),
            };
        }
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
        let outcome = match status {
            401 => Outcome::FailedVerification(message),
            403 => Outcome::Blacklisted(message),
            408 => Outcome::Timeout,
            code => Outcome::Status { code, message },
        };
        (outcome, None, None)
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
