//! Errors: [`ExplorerError`] (setting the explorer up) and [`PageError`] (one request),
//! which renders as an HTML page with the right status and a message a user can act on.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use taonet_client::{ClientError, codes};

use crate::html::{LiveHeader, Nav, Page, esc};

/// Why the explorer could not be set up or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ExplorerError {
    /// The RPC URL is not usable.
    #[error("bad RPC URL {url:?}: {reason}")]
    BadRpcUrl {
        /// The URL as configured.
        url: String,
        /// Why the client refused it.
        reason: String,
    },
    /// Serving failed.
    #[error("explorer server: {0}")]
    Io(#[from] std::io::Error),
}

/// Why one request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The request itself is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// What was asked for does not exist (404).
    #[error("{message}")]
    NotFound {
        /// Page title.
        title: String,
        /// What is missing.
        message: String,
    },
    /// The node could not be reached (502).
    #[error("cannot reach the node at {url}: {reason}")]
    Unreachable {
        /// RPC URL.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The node answered with an error (502).
    #[error("the node at {url} answered with an error: {message}")]
    Node {
        /// RPC URL.
        url: String,
        /// The node's error message and code, or why its answer could not be decoded.
        message: String,
    },
    /// The node did not answer in time (504).
    #[error("the node at {url} did not answer within {secs} s")]
    Timeout {
        /// RPC URL.
        url: String,
        /// The request timeout that ran out, in seconds (at least 1).
        secs: u64,
    },
    /// Too many live-update requests are waiting (503).
    #[error("too many live-update requests are waiting; try again shortly")]
    Busy,
}

impl PageError {
    /// A 404 with a title and message.
    pub fn not_found(title: impl Into<String>, message: impl Into<String>) -> PageError {
        PageError::NotFound {
            title: title.into(),
            message: message.into(),
        }
    }

    /// Maps a client error of a call to the node at `url`.
    pub fn from_client(url: &str, e: ClientError) -> PageError {
        match e.rpc_error() {
            Some((code, message)) => match code {
                codes::BAD_ADDRESS | codes::TOO_LARGE | codes::BAD_TRANSACTION => {
                    PageError::BadRequest(message)
                }
                codes::NOT_FOUND => PageError::not_found("Not found", message),
                _ => PageError::Node {
                    url: url.to_string(),
                    message: format!("{message} (code {code})"),
                },
            },
            None => match e {
                ClientError::Decode(d) => PageError::Node {
                    url: url.to_string(),
                    message: format!("malformed response: {d}"),
                },
                other => PageError::Unreachable {
                    url: url.to_string(),
                    reason: other.to_string(),
                },
            },
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::NotFound { .. } => StatusCode::NOT_FOUND,
            PageError::Unreachable { .. } | PageError::Node { .. } => StatusCode::BAD_GATEWAY,
            PageError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            PageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn title(&self) -> &str {
        match self {
            PageError::BadRequest(_) => "Bad request",
            PageError::NotFound { title, .. } => title,
            PageError::Unreachable { .. } => "Node unreachable",
            PageError::Node { .. } => "Node error",
            PageError::Timeout { .. } => "Node too slow",
            PageError::Busy => "Busy",
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            PageError::BadRequest(_) => {
                "Search accepts an SS58 address, a block number, or a 0x-prefixed 64-digit block or transaction hash."
            }
            PageError::NotFound { .. } => {
                "The explorer shows finalized data; a block or transaction submitted moments ago may need another second."
            }
            PageError::Unreachable { .. } | PageError::Timeout { .. } => {
                "Check that the node is running and listening at that address (the one the explorer was started with: taonet explorer --rpc URL), then reload this page. The banner at the top disappears as soon as the node answers again."
            }
            PageError::Node { .. } => "The node refused the request; its message is above.",
            PageError::Busy => "Reload in a few seconds.",
        }
    }

    /// The error page.
    pub fn page(&self) -> String {
        let message = self.to_string();
        let mut chars = message.chars();
        let message: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        let body = format!(
            r#"<div class="error"><p class="message">{}</p><p class="hint">{}</p><p><a href="/">Back to the overview</a></p></div>"#,
            esc(&message),
            esc(self.hint())
        );
        Page::new(self.title(), Nav::None)
            .section("error", body)
            .render(&LiveHeader::default())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.page()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        response
    }
}
