//! The explorer's only data source: the node's JSON-RPC API through `taonet-client` (HTTP, so
//! a restarted node needs no reconnection), each call bounded by a timeout and its errors
//! mapped to [`PageError`]s that name the node's URL.

use std::time::Duration;

use taonet_client::{Client, ClientError};

use crate::error::{ExplorerError, PageError};

/// A node's API.
#[derive(Debug)]
pub(crate) struct Source {
    url: String,
    client: Client,
    timeout: Duration,
}

impl Source {
    /// A source for the node at `url` (`http://`, `ws://` or `host:port`).
    pub(crate) fn new(url: &str, timeout: Duration) -> Result<Source, ExplorerError> {
        let client = Client::http(url).map_err(|e| ExplorerError::BadRpcUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        let http = taonet_client::ws_url(url)
            .replacen("ws://", "http://", 1)
            .replacen("wss://", "https://", 1);
        Ok(Source {
            url: http,
            client,
            timeout,
        })
    }

    /// The node's URL (as the explorer calls it).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The client, to start a call with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Awaits a call started on [`Source::client`], within the timeout.
    pub(crate) async fn call<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, PageError>
    where
        ClientError: From<E>,
    {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(PageError::from_client(&self.url, ClientError::from(e))),
            Err(_) => Err(PageError::Timeout {
                url: self.url.clone(),
                secs: self.timeout.as_secs().max(1),
            }),
        }
    }
}

/// `call!(app, method(args…))`: calls an API method on the app's node with its timeout and
/// error mapping (`Result<_, PageError>`).
macro_rules! call {
    ($app:expr, $method:ident ( $($arg:expr),* $(,)? )) => {{
        use ::taonet_client::prelude::*;
        let source = &$app.source;
        source.call(source.client().$method($($arg),*))
    }};
}
pub(crate) use call;
