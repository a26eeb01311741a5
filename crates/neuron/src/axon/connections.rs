//! Serving: [`Axon::serve`] builds the shared state and runs the accept loop, which serves
//! at most [`AxonConfig::max_connections`] connections at once (one more is answered 503
//! and closed), each under the header and idle timeouts (see the axon's "Connections").

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

#[cfg(doc)]
use super::AxonConfig;
use super::pipeline::handle;
use super::routes::python_str_repr_item;
use super::{Axon, AxonHandle, Shared};
use crate::btauth::BtAuthVerifier;
use crate::error::AxonError;
use crate::nonce::NonceTable;
use crate::priority::PriorityGate;
use crate::rate::RateLimiter;

impl Axon {
    /// Serves on `listener` in a background task.
    pub fn serve(self, listener: TcpListener) -> Result<AxonHandle, AxonError> {
        let local_addr = listener.local_addr()?;
        let mut config = self.config;
        if config.external_port == 0 {
            config.external_port = local_addr.port();
        }
        let hotkey = self.keypair.ss58();
        let names: Vec<String> = self
            .routes
            .iter()
            .map(|(n, _)| python_str_repr_item(n))
            .collect();
        let shared = Arc::new(Shared {
            nonces: NonceTable::new(
                config.nonce_capacity,
                config.nonce_keys_per_hotkey,
                config.max_timeout_s,
                config.max_future_skew_s,
            ),
            btauth: BtAuthVerifier::new(
                hotkey.clone(),
                config.nonce_capacity,
                config.replay_per_hotkey,
            ),
            connections: Arc::new(Semaphore::new(config.max_connections.max(1))),
            rate: config
                .rate_limit
                .map(|l| RateLimiter::new(l, config.nonce_capacity)),
            gate: PriorityGate::new(config.max_concurrent),
            uuid: crate::dendrite::random_uuid(),
            route_names: format!("[{}]", names.join(", ")),
            routes: self.routes.into_iter().collect(),
            hotkey,
            config,
            blacklist: self.blacklist,
            priority: self.priority,
        });
        let task = tokio::spawn(accept_loop(listener, shared));
        Ok(AxonHandle { local_addr, task })
    }
}

/// Accepts connections while there is room (see the axon's "Connections").
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("axon: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
            tokio::spawn(refuse_connection(stream));
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            let header_timeout = shared.config.header_timeout;
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(shared, peer, req).await) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(%peer, "axon connection closed: {e}");
            }
        });
    }
}

/// Answers a connection over the cap with 503 and closes it.
async fn refuse_connection(mut stream: TcpStream) {
    const BODY: &str = r#"{"message": "Too many connections"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let write = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}
