//! Integration tests for taonet-yuma: the golden bit-exactness guard, the parallel paths
//! against the sequential one, and property tests. Scenario-driven tests (reference
//! mirrors, the scenario format, the example scenarios) are taonet-yuma-sim's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "yuma/golden.rs"]
mod golden;
#[path = "yuma/parallel.rs"]
mod parallel;
#[path = "yuma/properties.rs"]
mod properties;
