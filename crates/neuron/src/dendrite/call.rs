//! Whole calls (see the dendrite's "Results" and "Addresses"): typed and JSON calls within
//! one deadline covering connect, send and the whole response, `btauth/1` calls, raw posts,
//! and the transport under them, which never dials a non-public address unless allowed.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

#[cfg(doc)]
use super::DendriteConfig;
use super::outcome::{
    error_outcome, finish_dendrite, header_terminal, not_sent, sent_terminal, set_local_status,
    unparsable,
};
use super::request::json_kind;
use super::{AxonTarget, CallResult, Dendrite, Headers, JsonCallResult, Outcome};
use crate::address::check_axon_with;
use crate::error::DendriteError;
use crate::synapse::{Synapse, SynapseMessage, TerminalInfo};

/// A response as the transport gave it, body read.
struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Dendrite {
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
    pub(super) async fn open(
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
