//! One request through the axon's checks, in the order of the axon's "Pipeline": route,
//! declared size, headers, blacklist, verify, rate limit, body, priority, body check,
//! forward. Everything decided from the headers refuses before the body is read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use taonet_crypto::{Signature, Ss58};
use taonet_types::AccountId;

use super::respond::{EVENT_STREAM, JSON, Sizes, error, guard_stream, internal_error, respond};
use super::{AuthScheme, Caller, Ctx, Reply, Shared};
use crate::btauth;
use crate::error::VerifyError;
use crate::nonce::{now_ns, secs_to_ns};
use crate::synapse::{BITTENSOR_VERSION, TerminalInfo, body_hash_of_value};

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

pub(super) async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Response<Body> {
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
