//! Prometheus metrics on their own port (`GET /metrics`, text exposition format).
//!
//! | metric | type | meaning |
//! | --- | --- | --- |
//! | `taonet_best_height` | gauge | highest verified block |
//! | `taonet_finalized_height` | gauge | highest finalized block |
//! | `taonet_peers` | gauge | connected peers |
//! | `taonet_mempool_transactions` | gauge | pending transactions |
//! | `taonet_mempool_bytes` | gauge | their encoded size |
//! | `taonet_block_time_seconds` | gauge | time between the last two finalized blocks (block timestamps) |
//! | `taonet_finalized_blocks_total` | counter | blocks finalized since start |
//! | `taonet_finalized_transactions_total` | counter | transactions in those blocks |
//! | `taonet_protocol_version` | gauge | protocol version of the finalized chain |
//! | `taonet_protocol_version_supported` | gauge | newest protocol version this node runs |
//! | `taonet_upgrade_height` | gauge | height of the scheduled upgrade (0: none) |
//! | `taonet_upgrade_blocks_left` | gauge | blocks until it (0: none) |
//! | `taonet_upgrade_unsupported` | gauge | 1 if the scheduled upgrade (or the chain) needs a version this node does not run |

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::chain::{Chain, ChainEvent};
use crate::rpc::NetworkStatus;

#[derive(Default)]
struct Counters {
    finalized_blocks: AtomicU64,
    finalized_transactions: AtomicU64,
    block_time_ms: AtomicU64,
}

/// Renders the current metrics.
fn render(chain: &Chain, network: &NetworkStatus, c: &Counters) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    metric(
        "taonet_best_height",
        "gauge",
        "Highest verified block.",
        chain.best().height,
    );
    metric(
        "taonet_finalized_height",
        "gauge",
        "Highest finalized block.",
        chain.finalized().height,
    );
    metric(
        "taonet_peers",
        "gauge",
        "Connected peers.",
        network.peers().len() as u64,
    );
    metric(
        "taonet_mempool_transactions",
        "gauge",
        "Pending transactions.",
        chain.mempool().len() as u64,
    );
    metric(
        "taonet_mempool_bytes",
        "gauge",
        "Encoded size of pending transactions.",
        chain.mempool().bytes() as u64,
    );
    metric(
        "taonet_finalized_blocks_total",
        "counter",
        "Blocks finalized since the node started.",
        c.finalized_blocks.load(Ordering::Relaxed),
    );
    metric(
        "taonet_finalized_transactions_total",
        "counter",
        "Transactions in blocks finalized since the node started.",
        c.finalized_transactions.load(Ordering::Relaxed),
    );
    let state = chain.finalized_state();
    let upgrade = state.pending_upgrade();
    metric(
        "taonet_protocol_version",
        "gauge",
        "Protocol version of the finalized chain.",
        u64::from(state.protocol_version()),
    );
    metric(
        "taonet_protocol_version_supported",
        "gauge",
        "Newest protocol version this node runs.",
        u64::from(state.max_version),
    );
    metric(
        "taonet_upgrade_height",
        "gauge",
        "Height of the scheduled protocol upgrade (0: none).",
        upgrade.map_or(0, |u| u.height),
    );
    metric(
        "taonet_upgrade_blocks_left",
        "gauge",
        "Blocks until the scheduled protocol upgrade (0: none).",
        upgrade.map_or(0, |u| u.height.saturating_sub(state.height())),
    );
    metric(
        "taonet_upgrade_unsupported",
        "gauge",
        "1 if a scheduled upgrade or the chain needs a protocol version this node does not run.",
        u64::from(
            upgrade.is_some_and(|u| u.version > state.max_version) || chain.halted().is_some(),
        ),
    );
    let ms = c.block_time_ms.load(Ordering::Relaxed);
    out.push_str(&format!(
        "# HELP taonet_block_time_seconds Time between the last two finalized blocks.\n# TYPE taonet_block_time_seconds gauge\ntaonet_block_time_seconds {}.{:03}\n",
        ms / 1000,
        ms % 1000
    ));
    out
}

/// Serves metrics on `addr` until the task is dropped. Returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    chain: Chain,
    network: NetworkStatus,
) -> std::io::Result<SocketAddr> {
    let counters = Arc::new(Counters::default());
    // Follow finalized blocks for the counters.
    {
        let chain = chain.clone();
        let counters = counters.clone();
        let mut events = chain.subscribe();
        tokio::spawn(async move {
            let mut last_ts: Option<u64> = None;
            loop {
                match events.recv().await {
                    Ok(ChainEvent::Finalized(head)) => {
                        counters.finalized_blocks.fetch_add(1, Ordering::Relaxed);
                        if let Some(b) = chain.block_by_height(head.height) {
                            counters
                                .finalized_transactions
                                .fetch_add(b.transactions.len() as u64, Ordering::Relaxed);
                        }
                        if let Some(prev) = last_ts {
                            counters
                                .block_time_ms
                                .store(head.timestamp_ms.saturating_sub(prev), Ordering::Relaxed);
                        }
                        last_ts = Some(head.timestamp_ms);
                    }
                    Ok(ChainEvent::NewHead(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
    }
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let body = render(&chain, &network, &counters);
            async move { body }
        }),
    );
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("metrics server stopped: {e}");
        }
    });
    Ok(bound)
}
