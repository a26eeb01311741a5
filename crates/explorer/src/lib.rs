//! The taonet block explorer: server-rendered pages and SVG charts over the node's client API.
//!
//! ```text
//!  browser ──GET──▶ axum router ──▶ page handlers ──▶ taonet-client (HTTP JSON-RPC) ──▶ node
//!     ▲  long-poll /api/live             │  ▲
//!     └──── new finalized head ◀─ sampler ┘  └─ History (bounded samples, for charts)
//! ```
//!
//! The explorer runs against any node's JSON-RPC endpoint (`taonet explorer --rpc URL`), and a
//! node serves it itself on its RPC port at `/` (`taonet-node`, unless `--no-explorer`). Pages:
//! the overview (heights, finality, issuance, emission rate, seats), blocks and transactions
//! with decoded calls, accounts (balance, stake, unbonding, history; delegation and jail for
//! hotkeys; an announced coldkey swap and its dispute), subnets and their metagraphs
//! (sortable), the root subnet (members, weights by subnet, emission shares, candidates),
//! validators and delegation, governance proposals with tallies and votes, and charts
//! (`/charts/*.svg`). A search box takes an address, a block number or a block/transaction
//! hash.
//!
//! Live updates: a small script long-polls `/api/live?after=<height>`, which answers as soon as
//! a newer block is finalized; it then rewrites the figures marked `data-live`, reloads the
//! charts and re-fetches the page sections marked `data-refresh` (`?fragment=<id>` on the page's
//! own URL). Sortable tables sort on the server (`?sort=<column>&dir=asc|desc`) and, with the
//! script, in place on a header click.
//!
//! ```no_run
//! # async fn demo() -> Result<(), taonet_explorer::ExplorerError> {
//! use taonet_explorer::{ExplorerConfig, serve};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // Serves until the future completes (here: never).
//! serve(listener, ExplorerConfig::new("http://127.0.0.1:9944"), std::future::pending()).await?;
//! # Ok(()) }
//! ```
//!
//! Everything a page shows that came from the chain is escaped:
//!
//! ```
//! use taonet_explorer::html::esc;
//! assert_eq!(esc(r#"<script>alert("x")</script>"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
//! ```
//!
//! # Invariants
//! - **Escaping**: every string that comes from the chain or the request (names, descriptions,
//!   URLs, addresses, error messages) is HTML/XML-escaped before it reaches a page or an SVG;
//!   links to chain-supplied URLs are only made for `http(s)://` addresses. Pages are served
//!   with a Content-Security-Policy that allows scripts from the explorer's own origin only
//!   (no inline script or style anywhere), `X-Content-Type-Options: nosniff` and
//!   `Referrer-Policy: no-referrer`.
//! - **Bounded memory**: the chart history keeps at most [`HistoryLimits`] samples; at most
//!   `max_waiting` live-update requests wait at once (503 beyond); every node call has a
//!   timeout.
//! - **Read-only**: the explorer only calls the node's read methods; it holds no keys and
//!   submits nothing.
//! - **No panics on input**: malformed addresses, hashes, numbers and sort columns are 400
//!   pages, missing items 404, an unreachable node 502 naming the RPC URL, a slow one 504;
//!   while the node is down every page shows a banner, and pages recover by themselves.

mod error;
pub mod format;
pub mod history;
pub mod html;
mod pages;
mod sampler;
mod source;
pub mod svg;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use tokio::sync::{Semaphore, watch};

pub use error::{ExplorerError, PageError};
pub use history::HistoryLimits;

/// How the explorer runs.
#[derive(Clone, Debug)]
pub struct ExplorerConfig {
    /// The node's RPC URL (`http://host:port`, `ws://host:port` or `host:port`).
    pub rpc_url: String,
    /// How often the sampler asks the node for its finalized head.
    pub poll_interval: Duration,
    /// Longest wait for one node call before the page fails with 504.
    pub request_timeout: Duration,
    /// Longest a live-update request waits for a new block before answering anyway.
    pub long_poll_timeout: Duration,
    /// Most live-update requests waiting at once (more get 503).
    pub max_waiting: usize,
    /// Bounds of the chart history.
    pub history: HistoryLimits,
}

impl ExplorerConfig {
    /// Defaults for the node at `rpc_url`: poll every 250 ms, 10 s call timeout, 20 s long
    /// polls, 1,024 waiting, [`HistoryLimits::default`].
    pub fn new(rpc_url: impl Into<String>) -> ExplorerConfig {
        ExplorerConfig {
            rpc_url: rpc_url.into(),
            poll_interval: Duration::from_millis(250),
            request_timeout: Duration::from_secs(10),
            long_poll_timeout: Duration::from_secs(20),
            max_waiting: 1_024,
            history: HistoryLimits::default(),
        }
    }
}

/// State shared by the handlers and the sampler.
pub(crate) struct App {
    pub(crate) config: ExplorerConfig,
    pub(crate) source: source::Source,
    pub(crate) history: RwLock<history::History>,
    pub(crate) live: watch::Sender<sampler::Live>,
    pub(crate) waiting: Arc<Semaphore>,
}

/// The explorer's routes, with its sampler started on the current Tokio runtime (it stops
/// when the router and every clone of it are dropped).
///
/// # Errors
/// [`ExplorerError::BadRpcUrl`] if `config.rpc_url` is not a usable URL.
///
/// # Panics
/// Outside a Tokio runtime (it spawns the sampler).
pub fn router(config: ExplorerConfig) -> Result<Router, ExplorerError> {
    let source = source::Source::new(&config.rpc_url, config.request_timeout)?;
    let app = Arc::new(App {
        history: RwLock::new(history::History::new(config.history.clone())),
        live: watch::Sender::new(sampler::Live::default()),
        waiting: Arc::new(Semaphore::new(config.max_waiting)),
        source,
        config,
    });
    tokio::spawn(sampler::run(Arc::downgrade(&app)));
    Ok(pages::routes(app))
}

/// Serves the explorer on `listener` until `shutdown` completes.
///
/// # Errors
/// A bad RPC URL, or an I/O error of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ExplorerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ExplorerError> {
    let app = router(config)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
