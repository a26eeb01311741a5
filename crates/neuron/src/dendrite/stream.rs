//! Streaming calls (see the dendrite's "Streaming"): the response head, then its chunks as
//! they arrive under the call's deadline and [`DendriteConfig::max_stream_bytes`].

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

#[cfg(doc)]
use super::DendriteConfig;
use super::outcome::{
    error_outcome, finish_dendrite, header_terminal, not_sent, sent_terminal, set_local_status,
};
use super::{AxonTarget, Dendrite, Outcome, StreamCall};
use crate::error::DendriteError;
use crate::synapse::{Synapse, SynapseMessage, TerminalInfo};

impl Dendrite {
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
