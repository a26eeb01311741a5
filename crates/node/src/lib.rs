//! The taonet node: the runtime made into a running blockchain.
//!
//! ```text
//!            ┌──────────── consensus (commonware simplex + marshal, p2p) ───────────┐
//!  peers ◀──▶│ propose(parent) ─▶ Chain::propose     verify(block) ─▶ Chain::verify │
//!            │ finalized blocks (in order) ─────────▶ Chain::finalize ─▶ Store       │
//!            └───────────────────────────────────────────────────────────────────────┘
//!  clients ──▶ JSON-RPC (HTTP + WebSocket) ─▶ Chain (finalized state, store, mempool)
//!  browsers ─▶ same port, GET ─▶ block explorer (taonet-explorer, reading the RPC above)
//!  Prometheus ─▶ metrics endpoint
//! ```
//!
//! - [`chain::Chain`]: finalized state (durable, via `taonet-store`), verified fork states,
//!   mempool; the one handle every component shares.
//! - [`mempool::Mempool`]: the transaction pool (validation, limits, fee priority, gossip feed).
//! - [`rpc`]: the JSON-RPC server (and the block explorer for browsers on the same port).
//! - [`metrics`]: Prometheus metrics.
//!
//! # Invariants
//! - The finalized state and `committed_height` are written in one atomic step; a node killed
//!   at any instant restarts at the last finalized block and re-finalizes from there.
//! - Nothing the network or a client sends can make the node panic: every input is decoded
//!   with limits and rejected with a typed error.

pub mod chain;
pub mod consensus;
pub mod mempool;
pub mod metrics;
pub mod retire;
pub mod rpc;
pub mod service;
