//! `/api/live?after=H`: the live-update long poll.
//!
//! It answers as soon as the explorer has seen a finalized block above `H` (immediately if it
//! already has), or after `long_poll_timeout` with whatever it has. The answer is JSON:
//! `{"height": H, "hash": "0x…", "error": null | "why the node cannot be reached",
//! "fields": {"finalized_height": "1,234", …}}`, where `fields` are the figures pages mark with
//! `data-live="<name>"`, already formatted, which the script writes as text.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use taonet_client::{HeadInfo, Health, Supply};

use super::{AppState, Params, parse_u64};
use crate::error::PageError;
use crate::format;

/// The figures with `data-live` names, formatted for display.
pub(crate) fn fields(
    head: Option<&HeadInfo>,
    health: Option<&Health>,
    supply: Option<&Supply>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(h) = head {
        out.push(("finalized_height", format::group(h.height)));
        out.push(("block_hash", h.hash.to_string()));
        out.push(("block_time", format::utc(h.timestamp_ms)));
    }
    if let Some(h) = health {
        out.push(("best_height", format::group(h.best_height)));
        out.push(("peers", format::group(h.peers as u64)));
        out.push(("mempool", format::group(h.mempool as u64)));
    }
    if let Some(s) = supply {
        out.push(("issuance", format::tao(s.total_issuance)));
        out.push(("stake", format::tao(s.total_stake)));
        out.push(("unbonding", format::tao(s.total_unbonding)));
        out.push(("block_reward", format::tao(s.block_reward)));
        out.push(("pending_emission", format::tao(s.pending_emission)));
        out.push(("burned", format::tao(s.total_burned)));
        out.push((
            "supply_share",
            format::percent_ppb(
                u64::try_from(
                    u128::from(s.total_issuance.0) * 1_000_000_000
                        / u128::from(taonet_types::MAX_SUPPLY.0),
                )
                .unwrap_or(u64::MAX),
            ),
        ));
    }
    out
}

pub(crate) async fn poll(State(app): AppState, Query(params): Params) -> Response {
    let after = match params
        .get("after")
        .map(|a| parse_u64("after", a))
        .transpose()
    {
        Ok(a) => a,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({ "error": e.to_string() }),
            );
        }
    };
    let Ok(_permit) = app.waiting.clone().try_acquire_owned() else {
        let e = PageError::Busy;
        return json(e.status(), &serde_json::json!({ "error": e.to_string() }));
    };
    let mut rx = app.live.subscribe();
    // Answer on a newer block, or as soon as the node goes down or comes back.
    let was_down = rx.borrow().error.is_some();
    let newer = |l: &crate::sampler::Live| {
        l.head.is_some_and(|h| after.is_none_or(|a| h.height > a)) || l.error.is_some() != was_down
    };
    let _ = tokio::time::timeout(app.config.long_poll_timeout, rx.wait_for(newer)).await;
    let live = rx.borrow().clone();
    let fields: serde_json::Map<String, serde_json::Value> = fields(
        live.head.as_ref(),
        live.health.as_ref(),
        live.supply.as_ref(),
    )
    .into_iter()
    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
    .collect();
    json(
        StatusCode::OK,
        &serde_json::json!({
            "height": live.head.map(|h| h.height),
            "hash": live.head.map(|h| h.hash.to_string()),
            "error": live.error,
            "fields": fields,
        }),
    )
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        value.to_string(),
    )
        .into_response()
}
