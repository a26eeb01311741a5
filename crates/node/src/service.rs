//! A whole node in one call: chain, RPC, metrics and consensus.
//!
//! [`run`] opens the chain in the data directory (creating it from the chain spec the first
//! time), starts the JSON-RPC server (with the block explorer at `/` when
//! `rpc.explorer` is set) and the metrics endpoint on a background runtime, then
//! runs consensus on the calling thread until SIGINT or SIGTERM ([`run_until`]: until a
//! future of the caller's completes). A node restarted on the same
//! data directory resumes from its last finalized block.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;

use taonet_runtime::ChainSpec;

use crate::chain::{Chain, ChainError};
use crate::consensus::{NodeConfig, NodeError, run_validator};
use crate::rpc::{NetworkStatus, RpcApi, RpcConfig};

/// Everything a node needs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Data directory (chain store, consensus journals, evidence).
    pub data_dir: PathBuf,
    /// The chain spec.
    pub chain_spec: ChainSpec,
    /// Consensus and p2p.
    pub consensus: NodeConfig,
    /// RPC server.
    pub rpc: RpcConfig,
    /// Metrics endpoint (none to disable).
    pub metrics: Option<SocketAddr>,
}

/// Why a node could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The chain could not be opened.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Consensus failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A server could not start.
    #[error("{what} could not start on {addr}: {source}")]
    Bind {
        /// "RPC" or "metrics".
        what: &'static str,
        /// The address it tried to listen on.
        addr: SocketAddr,
        /// Why binding failed (in use, permission denied, …).
        source: std::io::Error,
    },
    /// The background runtime could not start.
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
}

/// Addresses the node serves on (reported once they are bound).
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// Where the JSON-RPC (and explorer) server listens.
    pub rpc: SocketAddr,
    /// Where the Prometheus metrics server listens, if enabled.
    pub metrics: Option<SocketAddr>,
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs a node until SIGINT/SIGTERM. `on_ready` is called once the RPC and metrics servers
/// are listening.
pub fn run(config: ServiceConfig, on_ready: impl FnOnce(Bound)) -> Result<(), ServiceError> {
    run_until(config, on_ready, shutdown_signal())
}

/// Runs a node until `shutdown` completes (what [`run`] does with SIGINT/SIGTERM; tests and
/// embedders pass their own). `on_ready` is called once the RPC and metrics servers are
/// listening.
pub fn run_until(
    config: ServiceConfig,
    on_ready: impl FnOnce(Bound),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServiceError> {
    let chain = Chain::open(&config.data_dir, &config.chain_spec)?
        .with_max_protocol_version(config.consensus.max_protocol_version)?;
    let network = NetworkStatus::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("taonet-rpc")
        .enable_all()
        .build()
        .map_err(ServiceError::Runtime)?;
    let rpc_config = config.rpc.clone();
    let (rpc_handle, rpc_addr) = runtime
        .block_on(crate::rpc::start(
            &rpc_config,
            RpcApi::new(chain.clone(), network.clone()),
        ))
        .map_err(|source| ServiceError::Bind {
            what: "RPC",
            addr: rpc_config.addr,
            source,
        })?;
    let metrics_addr = match config.metrics {
        Some(addr) => Some(
            runtime
                .block_on(crate::metrics::serve(addr, chain.clone(), network.clone()))
                .map_err(|source| ServiceError::Bind {
                    what: "metrics",
                    addr,
                    source,
                })?,
        ),
        None => None,
    };
    on_ready(Bound {
        rpc: rpc_addr,
        metrics: metrics_addr,
    });
    let shutdown: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(shutdown);
    let mut consensus = config.consensus;
    consensus.network = network;
    let result = run_validator(consensus, chain, Some(shutdown));
    let _ = rpc_handle.stop();
    runtime.shutdown_background();
    result.map_err(ServiceError::from)
}
