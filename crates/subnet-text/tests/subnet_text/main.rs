//! Integration tests of the text subnet (one test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod gateway;
mod generator;
#[cfg(feature = "candle")]
mod mlp;
mod models;
mod network;
mod scoring;
