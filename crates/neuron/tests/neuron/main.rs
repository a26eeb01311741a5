//! Integration tests of the neuron protocol: Rust dendrite ↔ Rust axon round trips,
//! adversarial requests (bittensor 10 and btauth/1) and interop with Python bittensor.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod interop;
mod loops;
mod metagraph;
mod protocol;
