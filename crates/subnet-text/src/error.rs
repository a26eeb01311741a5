//! Errors of the text subnet.

use std::path::PathBuf;

use thiserror::Error;

/// What went wrong in the text subnet's codecs, models and settings.
#[derive(Debug, Error)]
pub enum TextError {
    /// A request or response field does not decode or breaks a limit.
    #[error("malformed NextByte {field}: {reason}")]
    Malformed {
        /// The field (`prefixes[3]`, `distributions`, …).
        field: String,
        /// What was wrong.
        reason: String,
    },
    /// A model file could not be read or written.
    #[error("model file {}: {source}", path.display())]
    Io {
        /// The model file's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A model file is not a valid taonet model.
    #[error("{}: not a valid taonet model: {reason}", path.display())]
    BadModel {
        /// The file (empty when decoding bytes).
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The model kind in the file is not built into this binary.
    #[error(
        "{}: model kind {kind:?} is not available in this build{hint}",
        path.display()
    )]
    UnsupportedModel {
        /// The model file's path.
        path: PathBuf,
        /// The kind found in the file's metadata.
        kind: String,
        /// How to get it.
        hint: String,
    },
    /// An invalid setting (training order, prefix lengths, held-out text…).
    #[error("invalid setting: {0}")]
    Config(String),
    /// Training data is unusable (or training on it diverged).
    #[error("training data: {0}")]
    Training(String),
    /// The tensor library (candle, feature `candle`) failed.
    #[error("candle: {0}")]
    Candle(String),
}
