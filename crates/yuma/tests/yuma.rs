//! Integration tests for taonet-yuma: reference-test mirrors, property tests, the scenario
//! format and the example scenarios.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "yuma/common.rs"]
mod common;
#[path = "yuma/examples.rs"]
mod examples;
#[path = "yuma/golden.rs"]
mod golden;
#[path = "yuma/parallel.rs"]
mod parallel;
#[path = "yuma/properties.rs"]
mod properties;
#[path = "yuma/reference.rs"]
mod reference;
#[path = "yuma/scenario_format.rs"]
mod scenario_format;
