//! Integration tests of the neuron protocol: Rust dendrite ↔ Rust axon round trips,
//! adversarial requests (bittensor 10 and btauth/1), interop with Python bittensor, the
//! miner/validator loops and the gateway on a real chain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod axon_attacks;
mod common;
mod gateway;
mod interop;
mod json_routes;
mod loops;
mod metagraph;
mod protocol;
mod ssrf;
mod streaming;
