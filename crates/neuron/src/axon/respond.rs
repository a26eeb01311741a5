//! The axon's responses (see the axon's "Responses" and "Streaming"): the synapse or
//! `{"message"}` body with the `bt_header_axon_*`/`bt_header_dendrite_*` headers, the 500
//! whose cause is only logged, and the guard that cuts a stream at the synapse's timeout.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use bytes::Bytes;
use futures::StreamExt;

use super::{ChunkStream, Ctx, ForwardError};
use crate::priority::Permit;

/// A 500 whose cause is only logged (as the reference hides it behind an id).
pub(super) fn internal_error(ctx: &Ctx, cause: &str) -> Response<Body> {
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
pub(super) fn guard_stream(
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

/// `header_size` and `total_size` of a synapse (informational; 0 when absent).
#[derive(Clone, Copy, Default)]
pub(super) struct Sizes {
    header: u64,
    total: u64,
}

impl Sizes {
    pub(super) fn of(synapse: &serde_json::Value) -> Sizes {
        let n = |f: &str| synapse.get(f).and_then(serde_json::Value::as_u64);
        Sizes {
            header: n("header_size").unwrap_or_default(),
            total: n("total_size").unwrap_or_default(),
        }
    }
}

pub(super) const JSON: &str = "application/json";
pub(super) const EVENT_STREAM: &str = "text/event-stream";

pub(super) fn error(ctx: &Ctx, code: StatusCode, message: String) -> Response<Body> {
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

pub(super) fn respond(
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
