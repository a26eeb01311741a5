//! A small HTTP client of a gateway's API (what `taonet query` uses): `GET /price`,
//! `POST /query`, `GET /health`. Plain HTTP/1.1 through the same pooled client as the
//! dendrite; responses are bounded.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;

use super::{ErrorBody, PriceInfo, QueryRequest, QueryResponse};

/// Largest response accepted from a gateway.
const MAX_RESPONSE: usize = 4 << 20;

/// Why a gateway call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayCallError {
    /// The URL is not `http://host:port` (or `host:port`).
    #[error("bad gateway URL {0:?}: use http://HOST:PORT")]
    BadUrl(String),
    /// Connecting or transferring failed.
    #[error("cannot reach the gateway at {url}: {reason}")]
    Transport {
        /// The gateway URL that was called.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The gateway answered with an error.
    #[error("the gateway refused ({status} {}): {}", body.error, body.message)]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its JSON error.
        body: ErrorBody,
    },
    /// The answer is not what the API promises.
    #[error("the gateway's answer is malformed: {0}")]
    Malformed(String),
}

/// A gateway client.
#[derive(Debug, Clone)]
pub struct GatewayClient {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl GatewayClient {
    /// A client of the gateway at `url` (`http://host:port`, a trailing `/` allowed, or
    /// `host:port`); each call gives up after `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, GatewayCallError> {
        let url = url.trim().trim_end_matches('/');
        let base = if url.contains("://") {
            url.to_string()
        } else {
            format!("http://{url}")
        };
        let uri: hyper::Uri = base
            .parse()
            .map_err(|_| GatewayCallError::BadUrl(url.to_string()))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(GatewayCallError::BadUrl(url.to_string()));
        }
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Ok(GatewayClient {
            base,
            client,
            timeout,
        })
    }

    /// The gateway's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// `GET /price`.
    pub async fn price(&self) -> Result<PriceInfo, GatewayCallError> {
        self.call("GET", "/price", None).await
    }

    /// `POST /query`.
    pub async fn query(&self, request: &QueryRequest) -> Result<QueryResponse, GatewayCallError> {
        let body =
            serde_json::to_vec(request).map_err(|e| GatewayCallError::Malformed(e.to_string()))?;
        self.call("POST", "/query", Some(body)).await
    }

    /// `GET /health` as JSON.
    pub async fn health(&self) -> Result<serde_json::Value, GatewayCallError> {
        self.call("GET", "/health", None).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, GatewayCallError> {
        let url = format!("{}{path}", self.base);
        let transport = |reason: String| GatewayCallError::Transport {
            url: url.clone(),
            reason,
        };
        let req = hyper::Request::builder()
            .method(method)
            .uri(&url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| GatewayCallError::BadUrl(format!("{url}: {e}")))?;
        let exchange = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| transport(e.to_string()))?;
            let status = resp.status().as_u16();
            let bytes = Limited::new(resp.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| transport(e.to_string()))?
                .to_bytes();
            Ok::<_, GatewayCallError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| transport(format!("no answer within {:?}", self.timeout)))??;
        if status != 200 {
            let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
                error: "http".into(),
                message: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
                accepted: None,
                required: None,
            });
            return Err(GatewayCallError::Refused { status, body });
        }
        serde_json::from_slice(&bytes).map_err(|e| GatewayCallError::Malformed(e.to_string()))
    }
}
