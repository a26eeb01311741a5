//! A tiny HTTP health endpoint for long-running neurons: `GET /health` answers the loop's
//! current status as JSON (200), anything else 404.

use std::sync::{Arc, RwLock};

use axum::Router;
use axum::routing::get;
use serde::Serialize;
use tokio::net::TcpListener;

use crate::error::AxonError;

/// Status shared between a loop and its health endpoint.
pub type SharedHealth<T> = Arc<RwLock<T>>;

/// Reads a shared status, tolerating a poisoned lock (the data is plain values).
pub fn read<T: Clone>(health: &SharedHealth<T>) -> T {
    health.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Updates a shared status.
pub fn update<T>(health: &SharedHealth<T>, f: impl FnOnce(&mut T)) {
    let mut guard = health.write().unwrap_or_else(|e| e.into_inner());
    f(&mut guard);
}

/// Serves `GET /health` on `listener` until the returned task is aborted.
pub fn serve_health<T>(
    listener: TcpListener,
    health: SharedHealth<T>,
) -> Result<tokio::task::JoinHandle<()>, AxonError>
where
    T: Serialize + Clone + Send + Sync + 'static,
{
    let app = Router::new().route(
        "/health",
        get(move || {
            let h = health.clone();
            async move {
                let body = serde_json::to_string(&read(&h))
                    .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("health endpoint stopped: {e}");
        }
    }))
}
