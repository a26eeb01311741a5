//! Integration tests for taonet-yuma-sim: mirrors of subtensor's epoch tests run as
//! scenarios, the scenario format, and the example scenarios under `examples/yuma`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "yuma_sim/common.rs"]
mod common;
#[path = "yuma_sim/examples.rs"]
mod examples;
#[path = "yuma_sim/reference.rs"]
mod reference;
#[path = "yuma_sim/scenario_format.rs"]
mod scenario_format;
