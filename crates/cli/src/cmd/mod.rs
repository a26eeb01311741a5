//! The `taonet` commands: one module per top-level command group, each with its clap
//! arguments and a `run` that `main` dispatches to.
//!
//! Commands that read or change the chain take `--rpc URL` / `--network NAME|URL` (default:
//! `TAONET_RPC`, else the config file's default network, else the running local network, else
//! `ws://127.0.0.1:9944`; see [`crate::context`]) and the global `--json`.
//!
//! What commands share lives beside this module, not in it: the flags and parsers in
//! [`crate::args`], the transaction flow (sign → fee → confirm → submit → follow → outcome) in
//! [`crate::session`], and tables and amounts in [`crate::output`]. Malformed input
//! (addresses, amounts, hex) exits 2 before anything is sent; a failed or refused transaction
//! exits 1.

pub mod axon;
pub mod balance;
pub mod bench;
pub mod channel;
pub mod config;
pub mod consensus;
pub mod delegate;
pub mod explorer;
pub mod gov;
pub mod identity;
pub mod keyswap;
pub mod localnet;
pub mod neuron;
pub mod node;
pub mod overview;
pub mod query;
pub mod root;
pub mod sim;
pub mod stake;
pub mod subnet;
pub mod wallet;
pub mod weights;
