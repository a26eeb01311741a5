//! The server: its configuration ([`RpcConfig`]), the accept loop and [`start`].
//!
//! # Rules
//! - One port serves JSON-RPC over HTTP and WebSocket and, when [`RpcConfig::explorer`] is
//!   set, the block explorer's pages.
//! - The accept loop admits each connection under the per-address cap (over it: HTTP 429 on
//!   every request of that connection) and tags every request with the client's address,
//!   which the rate limit reads; a WebSocket holds its place until it closes.
//! - The explorer reads the chain through a second, private endpoint serving the same methods
//!   on an ephemeral loopback port, without a rate limit, stopped with the public one.

use std::net::SocketAddr;
use std::sync::Arc;

use jsonrpsee::core::BoxError;
use jsonrpsee::core::middleware::RpcServiceBuilder;
use jsonrpsee::server::{
    HttpBody, HttpRequest, HttpResponse, Methods, Server, ServerConfig, ServerHandle, StopHandle,
    TowerServiceBuilder,
};

use super::RpcApi;
use super::limits::{self, AddressLimits, ClientAddr};
use super::middleware::{ExplorerLayer, RateLimit, text_response};

/// Default calls per second per client address (`--rpc-rate-limit`).
pub const DEFAULT_RATE_LIMIT: u32 = 200;
/// Default most entries per batch (`--rpc-max-batch`).
pub const DEFAULT_MAX_BATCH: u32 = 100;
/// Default most concurrent connections per client address.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: u32 = 32;

/// Limits of the RPC server.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Largest request body.
    pub max_request_bytes: u32,
    /// Largest response body.
    pub max_response_bytes: u32,
    /// Most concurrent connections.
    pub max_connections: u32,
    /// Most subscriptions per connection.
    pub max_subscriptions: u32,
    /// Sustained calls per second per client address, shared by all its connections (batch
    /// entries and explorer pages count one each); the burst is twice this.
    pub requests_per_second: u32,
    /// Serve the block explorer at `/` for browsers (off by default here; `taonet node run`
    /// turns it on unless `--no-explorer`).
    pub explorer: bool,
    /// Limit loopback clients too (off: this machine's tools are never throttled; `taonet
    /// node run --rpc-rate-limit N` turns it on).
    pub limit_loopback: bool,
    /// Most entries in one batch; a larger batch is refused whole.
    pub max_batch: u32,
    /// Most concurrent connections from one client address.
    pub max_connections_per_address: u32,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], taonet_client::DEFAULT_RPC_PORT)),
            max_request_bytes: 4 * 1024 * 1024,
            max_response_bytes: 256 * 1024 * 1024,
            max_connections: 256,
            max_subscriptions: 256,
            requests_per_second: DEFAULT_RATE_LIMIT,
            explorer: false,
            limit_loopback: false,
            max_batch: DEFAULT_MAX_BATCH,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        }
    }
}

/// The address a client on this machine reaches `addr` at (loopback for a wildcard address).
fn local_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// The jsonrpsee service of one accepted connection: records the client's address in every
/// request's extensions (the rate limit reads it there), with the connection's place under the
/// per-address cap (a WebSocket keeps its request's extensions, so the place is held until the
/// socket closes, not just until the HTTP upgrade), and hands the request on.
#[derive(Clone)]
struct Connection<R, H> {
    builder: TowerServiceBuilder<R, H>,
    methods: Methods,
    stop: StopHandle,
    client: ClientAddr,
    permit: Arc<limits::ConnectionPermit>,
}

impl<R, H, B> tower::Service<HttpRequest<B>> for Connection<R, H>
where
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    jsonrpsee::server::TowerService<R, H>: tower::Service<
            HttpRequest<HttpBody>,
            Response = HttpResponse<HttpBody>,
            Error = BoxError,
            Future: Send + 'static,
        >,
    R: Clone,
    H: Clone,
{
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse<HttpBody>, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let mut request = request.map(HttpBody::new);
        request.extensions_mut().insert(self.client);
        request.extensions_mut().insert(self.permit.clone());
        let mut service = self
            .builder
            .clone()
            .build(self.methods.clone(), self.stop.clone());
        Box::pin(tower::Service::call(&mut service, request))
    }
}

/// Answers every request of a connection over the per-address connection cap with HTTP 429.
#[derive(Clone)]
struct Refuse {
    max: u32,
}

impl<B: Send + 'static> tower::Service<HttpRequest<B>> for Refuse {
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future = std::future::Ready<Result<HttpResponse<HttpBody>, BoxError>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: HttpRequest<B>) -> Self::Future {
        std::future::ready(Ok(text_response(
            429,
            format!(
                "too many connections from your address: at most {} connections per address; close some and retry\n",
                self.max
            ),
            Some(1),
        )))
    }
}

/// Serves `methods` on `listener` with `limits` until the returned handle is stopped or
/// dropped: an accept loop that admits each connection under the per-address cap and tags its
/// requests with the client's address.
fn serve(
    listener: tokio::net::TcpListener,
    config: &RpcConfig,
    methods: Methods,
    limits: Arc<AddressLimits>,
    explorer: Option<axum::Router>,
    keep_alive: Option<ServerHandle>,
) -> ServerHandle {
    let middleware_limits = limits.clone();
    let max_batch = config.max_batch.max(1);
    let middleware = RpcServiceBuilder::new().layer_fn(move |service| RateLimit {
        service,
        limits: middleware_limits.clone(),
        max_batch,
    });
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions)
        .build();
    let builder = Server::builder()
        .set_config(server_config)
        .set_rpc_middleware(middleware)
        .set_http_middleware(tower::ServiceBuilder::new().layer(ExplorerLayer {
            explorer,
            limits: limits.clone(),
        }))
        .to_service_builder();
    let (stop, handle) = jsonrpsee::server::stop_channel();
    tokio::spawn(async move {
        // Held until this server stops (the explorer's private endpoint stops with it).
        let _keep_alive = keep_alive;
        loop {
            let (socket, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::debug!("rpc accept failed: {e}");
                        continue;
                    }
                },
                _ = stop.clone().shutdown() => break,
            };
            let shutdown = stop.clone().shutdown();
            match limits.connect(remote.ip()) {
                Some(permit) => {
                    let service = Connection {
                        builder: builder.clone(),
                        methods: methods.clone(),
                        stop: stop.clone(),
                        client: ClientAddr(remote.ip()),
                        permit: Arc::new(permit),
                    };
                    tokio::spawn(async move {
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            socket, service, shutdown,
                        )
                        .await;
                    });
                }
                None => {
                    let refuse = Refuse {
                        max: limits.max_connections(),
                    };
                    tokio::spawn(async move {
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            socket, refuse, shutdown,
                        )
                        .await;
                    });
                }
            }
        }
    });
    handle
}

/// Starts the RPC server (and the explorer, if configured); it runs until the handle is
/// stopped or dropped (the explorer's sampler and private endpoint stop with it).
pub async fn start(config: &RpcConfig, api: RpcApi) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let methods: Methods = api.into_module().map_err(std::io::Error::other)?.into();
    let (explorer, private) = if config.explorer {
        // The explorer's own reads go to a private loopback endpoint without a rate limit: the
        // browser's page request already took its token from its own address's bucket.
        let private =
            tokio::net::TcpListener::bind(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)))
                .await?;
        let private_addr = local_address(private.local_addr()?);
        let handle = serve(
            private,
            config,
            methods.clone(),
            Arc::new(AddressLimits::unlimited()),
            None,
            None,
        );
        let url = format!("http://{private_addr}");
        let router = taonet_explorer::router(taonet_explorer::ExplorerConfig::new(url))
            .map_err(std::io::Error::other)?;
        (Some(router), Some(handle))
    } else {
        (None, None)
    };
    let limits = Arc::new(AddressLimits::new(
        config.requests_per_second,
        config.max_connections_per_address,
        config.limit_loopback,
    ));
    let handle = serve(listener, config, methods, limits, explorer, private);
    Ok((handle, addr))
}
