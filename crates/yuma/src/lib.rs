//! Yuma Consensus for one subnet epoch.
#![forbid(unsafe_code)]

pub mod epoch;
pub mod error;
mod math;
pub mod params;
pub mod scenario;

pub use epoch::{EpochInput, EpochOutput, epoch};
pub use error::YumaError;
pub use params::{Hyperparams, LiquidAlpha};
