//! The gateway's HTTP server (axum, HTTP/1.1): `GET /price`, `POST /query` and `GET /health`
//! over the JSON of `api.rs`. Request bodies are limited to 64 KiB; a body that is not a
//! [`QueryRequest`] is refused as `bad_request`, and every refused query is counted in
//! [`GatewayHealth::refused`] and logged. axum is built without its `json` feature, so
//! responses are serialised here ([`json_response`]).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::{Gateway, GatewayHealth, MAX_PROMPT_BYTES, PriceInfo, QueryError, QueryRequest};
use crate::health::update;

/// Largest request body.
const MAX_BODY: usize = 64 * 1024;

impl Gateway {
    /// What `GET /price` answers.
    pub fn price_info(&self) -> PriceInfo {
        let c = &self.inner.config;
        let domain = self.inner.chain.domain();
        PriceInfo {
            gateway: self.inner.hotkey.clone(),
            netuid: c.netuid,
            per_query: c.prices.per_query,
            per_byte: c.prices.per_byte,
            max_bytes: c.max_bytes,
            max_prompt_bytes: MAX_PROMPT_BYTES,
            chain_id: domain.chain_id.clone(),
            genesis_hash: domain.genesis_hash,
            min_blocks_left: c.min_blocks_left,
        }
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/price", get(price_route))
            .route("/query", post(query_route))
            .route("/health", get(health_route))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(self.clone())
    }

    /// Serves the API on `listener` until the task is aborted.
    pub fn serve(&self, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        let app = self.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("gateway API stopped: {e}");
            }
        })
    }
}

impl IntoResponse for QueryError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(status, &self.body())
    }
}

/// A JSON response (axum is built without its `json` feature).
fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::json!({ "error": "internal", "message": e.to_string() }).to_string()
    });
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn price_route(State(g): State<Gateway>) -> Response {
    json_response(StatusCode::OK, &g.price_info())
}

async fn health_route(State(g): State<Gateway>) -> Response {
    json_response(StatusCode::OK, &crate::health::read(&g.inner.health))
}

async fn query_route(State(g): State<Gateway>, body: Bytes) -> Response {
    let result = match serde_json::from_slice::<QueryRequest>(&body) {
        Ok(request) => g.query(request).await,
        Err(e) => Err(QueryError::BadRequest(format!(
            "the body is not a query ({{channel, voucher: {{amount, signature}}, prompt, max_bytes, seed?}}): {e}"
        ))),
    };
    match result {
        Ok(answer) => json_response(StatusCode::OK, &answer),
        Err(e) => {
            update(&g.inner.health, |h: &mut GatewayHealth| h.refused += 1);
            tracing::info!("query refused: {e}");
            e.into_response()
        }
    }
}
