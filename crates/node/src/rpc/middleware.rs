//! The HTTP and JSON-RPC layers in front of the methods: the per-address rate limit and batch
//! cap ([`RateLimit`]), and the routing of browser requests to the block explorer
//! ([`ExplorerLayer`]).
//!
//! # Rules
//! - Every call, batch entry and explorer page takes one token from its client address's
//!   bucket ([`super::limits`]); a refused call fails with `RATE_LIMITED`, a refused page gets
//!   HTTP 429 with `Retry-After`, each saying the limit and when to retry.
//! - A batch over `max_batch` entries (`BATCH_TOO_LARGE`), or one the bucket cannot pay for
//!   whole (`RATE_LIMITED`), is refused whole: no entry of it runs.
//! - A throttled notification is dropped unserved (notifications get no answer either way).
//! - Only `GET`/`HEAD` requests that are not WebSocket upgrades go to the explorer; JSON-RPC
//!   (`POST`) and upgrades go on to the RPC server.

use std::sync::Arc;

use jsonrpsee::MethodResponse;
use jsonrpsee::core::BoxError;
use jsonrpsee::core::middleware::{Batch, Notification, RpcServiceT};
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use jsonrpsee::types::{Id, Request};
use taonet_client::codes;

use super::err;
use super::limits::{AddressLimits, ClientAddr, Throttled};

/// The client address of a request (`0.0.0.0`, limited like any address, if the accept loop
/// did not record one).
fn client_ip(extensions: &axum::http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<ClientAddr>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.0)
}

/// The rate-limit refusal, saying the limit and when to retry.
fn rate_limited(limits: &AddressLimits, t: Throttled, what: &str) -> String {
    format!(
        "rate limit exceeded: {} calls/s per address (burst {}){what}; retry after {} ms",
        limits.rate().unwrap_or(0),
        limits.rate().unwrap_or(0).saturating_mul(2),
        (t.retry_after_secs * 1000.0).ceil() as u64
    )
}

/// The rate limit and batch size middleware: every call and batch entry takes a token from
/// its client address's bucket ([`AddressLimits`]); a batch over `max_batch` entries, or one
/// the bucket cannot pay for whole, is refused whole.
#[derive(Clone)]
pub(super) struct RateLimit<S> {
    pub(super) service: S,
    pub(super) limits: Arc<AddressLimits>,
    pub(super) max_batch: u32,
}

impl<S> RpcServiceT for RateLimit<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let allowed = self.limits.take(client_ip(request.extensions()), 1);
        let limits = self.limits.clone();
        let service = self.service.clone();
        async move {
            match allowed {
                Ok(()) => service.call(request).await,
                Err(t) => MethodResponse::error(
                    request.id,
                    err(codes::RATE_LIMITED, rate_limited(&limits, t, "")),
                ),
            }
        }
    }

    fn batch<'a>(
        &self,
        mut requests: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let n = requests.len();
        let refusal = if n > self.max_batch as usize {
            Some(err(
                codes::BATCH_TOO_LARGE,
                format!(
                    "batch of {n} entries exceeds --rpc-max-batch {}; send at most {} calls per batch",
                    self.max_batch, self.max_batch
                ),
            ))
        } else {
            let ip = client_ip(requests.extensions());
            let entries = u32::try_from(n).unwrap_or(u32::MAX);
            self.limits.take(ip, entries).err().map(|t| {
                err(
                    codes::RATE_LIMITED,
                    rate_limited(
                        &self.limits,
                        t,
                        &format!("; this batch of {n} entries needs {n} and was refused whole"),
                    ),
                )
            })
        };
        let service = self.service.clone();
        async move {
            match refusal {
                None => service.batch(requests).await,
                Some(e) => MethodResponse::error(Id::Null, e),
            }
        }
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        // Notifications get no answer either way; a throttled one is dropped unserved.
        let allowed = self.limits.take(client_ip(n.extensions()), 1).is_ok();
        let service = self.service.clone();
        async move {
            if allowed {
                service.notification(n).await
            } else {
                MethodResponse::notification()
            }
        }
    }
}

/// A plain-text HTTP response.
pub(super) fn text_response(
    status: u16,
    text: String,
    retry_after_secs: Option<u64>,
) -> HttpResponse<HttpBody> {
    let mut response = HttpResponse::new(HttpBody::from(text));
    *response.status_mut() = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::TOO_MANY_REQUESTS);
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Some(secs) = retry_after_secs {
        headers.insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
    }
    response
}

/// Sends browser requests (`GET`/`HEAD` that are not WebSocket upgrades) to the explorer,
/// each taking a token from its address's bucket (HTTP 429 when it is empty), and everything
/// else to the RPC server.
#[derive(Clone)]
pub(super) struct ExplorerLayer {
    pub(super) explorer: Option<axum::Router>,
    pub(super) limits: Arc<AddressLimits>,
}

impl<S> tower::Layer<S> for ExplorerLayer {
    type Service = ExplorerService<S>;

    fn layer(&self, inner: S) -> ExplorerService<S> {
        ExplorerService {
            inner,
            explorer: self.explorer.clone(),
            limits: self.limits.clone(),
        }
    }
}

#[derive(Clone)]
pub(super) struct ExplorerService<S> {
    inner: S,
    explorer: Option<axum::Router>,
    limits: Arc<AddressLimits>,
}

/// Whether a request is a browser's page request (not JSON-RPC, not a WebSocket upgrade).
fn is_browser_request<B>(request: &HttpRequest<B>) -> bool {
    use axum::http::Method;
    (request.method() == Method::GET || request.method() == Method::HEAD)
        && !request.headers().contains_key("upgrade")
}

impl<S> tower::Service<HttpRequest<HttpBody>> for ExplorerService<S>
where
    S: tower::Service<HttpRequest<HttpBody>, Response = HttpResponse<HttpBody>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse<HttpBody>, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<HttpBody>) -> Self::Future {
        if let Some(router) = &self.explorer
            && is_browser_request(&request)
        {
            if let Err(t) = self.limits.take(client_ip(request.extensions()), 1) {
                let text = format!(
                    "{}\n",
                    rate_limited(&self.limits, t, " (explorer pages count one each)")
                );
                let secs = t.retry_after_secs.ceil() as u64;
                return Box::pin(async move { Ok(text_response(429, text, Some(secs))) });
            }
            let router = router.clone();
            return Box::pin(async move {
                match tower::ServiceExt::oneshot(router, request).await {
                    Ok(response) => Ok(response.map(HttpBody::new)),
                    Err(never) => match never {},
                }
            });
        }
        Box::pin(self.inner.call(request))
    }
}
