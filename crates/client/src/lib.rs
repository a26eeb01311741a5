//! A typed client of the taonet node's JSON-RPC API, used by the CLI and the neurons.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taonet_client::ClientError> {
//! use taonet_client::prelude::*;
//!
//! let client = Client::connect("ws://127.0.0.1:9944").await?;
//! let head = client.chain_get_finalized_head().await?;
//! println!("finalized #{} {}", head.height, head.hash);
//! # Ok(()) }
//! ```
//!
//! The API is one trait per namespace ([`api`]: `system`, `chain`, `state`, `gov`, `channel`,
//! `author`, `payment`), each generated from the same definition the node implements, so
//! client and server cannot drift apart; [`prelude`] brings every client trait into scope.
//! Response shapes are in [`types`]. [`Client::submit_and_watch`] signs nothing: it takes a signed transaction and
//! follows it to finality over a WebSocket subscription.
//!
//! # Invariants
//! - Every call has a timeout and a response-size limit; errors are typed ([`ClientError`]) and
//!   keep the node's error code and message.

pub mod api;
pub mod codes;
pub mod prelude;
pub mod types;

use std::time::Duration;

use commonware_codec::Encode;
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::ws_client::{WsClient, WsClientBuilder};
use taonet_types::SignedTransaction;

use api::AuthorApiClient;
pub use types::*;

/// Default RPC port.
pub const DEFAULT_RPC_PORT: u16 = 9944;

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Could not connect.
    #[error(
        "cannot reach the node at {url}: {reason} (is a node running? start one with `taonet localnet up`)"
    )]
    Connect {
        /// The URL it tried, normalised (see [`ws_url`]).
        url: String,
        /// The transport's error, in words.
        reason: String,
    },
    /// The node answered with an error.
    #[error("{0}")]
    Rpc(#[from] jsonrpsee::core::ClientError),
    /// A response that does not parse.
    #[error("malformed response from the node: {0}")]
    Decode(#[from] serde_json::Error),
    /// A subscription ended early.
    #[error("the node closed the subscription before the transaction was finalized")]
    SubscriptionClosed,
}

impl ClientError {
    /// The JSON-RPC error's `data`, if the node sent any (e.g. the typed runtime error of a
    /// refused free call).
    pub fn rpc_error_data(&self) -> Option<serde_json::Value> {
        match self {
            ClientError::Rpc(jsonrpsee::core::ClientError::Call(e)) => e
                .data()
                .and_then(|raw| serde_json::from_str(raw.get()).ok()),
            _ => None,
        }
    }

    /// The node's error code and message, if the node returned an error.
    pub fn rpc_error(&self) -> Option<(i32, String)> {
        match self {
            ClientError::Rpc(jsonrpsee::core::ClientError::Call(e)) => {
                Some((e.code(), e.message().to_string()))
            }
            _ => None,
        }
    }
}

/// A connected client: WebSocket (subscriptions available) or HTTP.
pub enum Client {
    /// Over WebSocket: calls and subscriptions.
    Ws(WsClient),
    /// Over HTTP: calls only (subscriptions fail; [`Client::submit_and_watch`] polls).
    Http(HttpClient),
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::Ws(_) => f.write_str("Client(ws)"),
            Client::Http(_) => f.write_str("Client(http)"),
        }
    }
}

/// Normalises `host:port`, `http://…` or `ws://…` to a WebSocket URL.
pub fn ws_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if url.starts_with("ws://") || url.starts_with("wss://") {
        url.to_string()
    } else {
        format!("ws://{url}")
    }
}

impl Client {
    /// Connects over WebSocket to `url` (`ws://`, `http://` or `host:port`).
    pub async fn connect(url: &str) -> Result<Client, ClientError> {
        let ws = ws_url(url);
        WsClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .connection_timeout(Duration::from_secs(10))
            .max_response_size(256 * 1024 * 1024)
            .build(&ws)
            .await
            .map(Client::Ws)
            .map_err(|e| ClientError::Connect {
                url: ws,
                reason: e.to_string(),
            })
    }

    /// An HTTP client for `url` (no subscriptions).
    pub fn http(url: &str) -> Result<Client, ClientError> {
        let http = ws_url(url)
            .replacen("ws://", "http://", 1)
            .replacen("wss://", "https://", 1);
        HttpClientBuilder::default()
            .request_timeout(Duration::from_secs(60))
            .max_response_size(256 * 1024 * 1024)
            .build(&http)
            .map(Client::Http)
            .map_err(|e| ClientError::Connect {
                url: http,
                reason: e.to_string(),
            })
    }

    /// Hex of a signed transaction's encoding (what the submit methods take).
    pub fn encode_transaction(tx: &SignedTransaction) -> String {
        format!("0x{}", hex::encode(tx.encode()))
    }

    /// Submits `tx` and waits until it is finalized, or dropped from the node's pool
    /// ([`TxStatus::Unknown`]); `on_status` sees every status update.
    pub async fn submit_and_watch(
        &self,
        tx: &SignedTransaction,
        mut on_status: impl FnMut(&TxStatus),
    ) -> Result<TxStatus, ClientError> {
        let Client::Ws(ws) = self else {
            // Over HTTP: submit, then poll.
            let hash = self
                .author_submit_transaction(Client::encode_transaction(tx))
                .await?;
            loop {
                let status = self.author_get_transaction_status(hash).await?;
                on_status(&status);
                if matches!(status, TxStatus::Finalized { .. } | TxStatus::Unknown) {
                    return Ok(status);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        };
        let mut sub = AuthorApiClient::author_submit_and_watch_transaction(
            ws,
            Client::encode_transaction(tx),
        )
        .await?;
        while let Some(status) = sub.next().await {
            let status = status?;
            on_status(&status);
            if matches!(status, TxStatus::Finalized { .. } | TxStatus::Unknown) {
                return Ok(status);
            }
        }
        Err(ClientError::SubscriptionClosed)
    }
}

impl ClientT for Client {
    async fn notification<Params>(
        &self,
        method: &str,
        params: Params,
    ) -> Result<(), jsonrpsee::core::ClientError>
    where
        Params: jsonrpsee::core::traits::ToRpcParams + Send,
    {
        match self {
            Client::Ws(c) => c.notification(method, params).await,
            Client::Http(c) => c.notification(method, params).await,
        }
    }

    async fn request<R, Params>(
        &self,
        method: &str,
        params: Params,
    ) -> Result<R, jsonrpsee::core::ClientError>
    where
        R: serde::de::DeserializeOwned,
        Params: jsonrpsee::core::traits::ToRpcParams + Send,
    {
        match self {
            Client::Ws(c) => c.request(method, params).await,
            Client::Http(c) => c.request(method, params).await,
        }
    }

    async fn batch_request<'a, R>(
        &self,
        batch: jsonrpsee::core::params::BatchRequestBuilder<'a>,
    ) -> Result<jsonrpsee::core::client::BatchResponse<'a, R>, jsonrpsee::core::ClientError>
    where
        R: serde::de::DeserializeOwned + std::fmt::Debug + 'a,
    {
        match self {
            Client::Ws(c) => c.batch_request(batch).await,
            Client::Http(c) => c.batch_request(batch).await,
        }
    }
}

impl SubscriptionClientT for Client {
    async fn subscribe<'a, Notif, Params>(
        &self,
        subscribe_method: &'a str,
        params: Params,
        unsubscribe_method: &'a str,
    ) -> Result<jsonrpsee::core::client::Subscription<Notif>, jsonrpsee::core::ClientError>
    where
        Params: jsonrpsee::core::traits::ToRpcParams + Send,
        Notif: serde::de::DeserializeOwned,
    {
        match self {
            Client::Ws(c) => {
                c.subscribe(subscribe_method, params, unsubscribe_method)
                    .await
            }
            Client::Http(c) => {
                c.subscribe(subscribe_method, params, unsubscribe_method)
                    .await
            }
        }
    }

    async fn subscribe_to_method<Notif>(
        &self,
        method: &str,
    ) -> Result<jsonrpsee::core::client::Subscription<Notif>, jsonrpsee::core::ClientError>
    where
        Notif: serde::de::DeserializeOwned,
    {
        match self {
            Client::Ws(c) => c.subscribe_to_method(method).await,
            Client::Http(c) => c.subscribe_to_method(method).await,
        }
    }
}
