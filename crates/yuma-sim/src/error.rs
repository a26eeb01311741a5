//! Why a scenario was rejected or stopped.

use taonet_yuma::YumaError;
use thiserror::Error;

/// Why a scenario was rejected or stopped.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The JSON does not parse into a scenario; `path` locates the problem.
    #[error("{path}: {message}")]
    Json {
        /// JSON path of the problem, e.g. `steps[2].set_weights.uid`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// The scenario parses but says something impossible.
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path of the problem, e.g. `steps[3].set_weights.uid`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// The epoch rejected the state (should not happen for a validated scenario).
    #[error("steps[{step}]: epoch failed: {source}")]
    Epoch {
        /// Index of the step that ran the epoch.
        step: usize,
        /// The epoch's error.
        source: YumaError,
    },
}
