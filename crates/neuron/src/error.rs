//! Errors of the neuron crate.

use thiserror::Error;

/// A synapse's body hash could not be computed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HashError {
    /// A hashed field holds a value whose Python `str()` this crate does not reproduce.
    #[error(
        "unsupported value in a hashed field: {0} (keep hashed fields to ints, strings, bools, floats and lists)"
    )]
    Unsupported(String),
    /// The synapse could not be serialised to JSON.
    #[error("cannot serialise the synapse: {0}")]
    Serialize(String),
}

/// Why a request was refused by the axon's verification step (→ 401).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum VerifyError {
    /// No nonce header.
    #[error("Missing Nonce")]
    MissingNonce,
    /// No signature header.
    #[error("Missing Signature")]
    MissingSignature,
    /// First request of an endpoint key outside the freshness window.
    #[error(
        "Nonce is too old: acceptable delta is {allowed:.2} seconds but request was {age:.2} seconds old"
    )]
    TooOld {
        /// Allowed age in seconds.
        allowed: f64,
        /// Request age in seconds.
        age: f64,
    },
    /// Not newer than the last accepted nonce of the endpoint key.
    #[error("Nonce is too old, a newer one was last processed")]
    NotNewer,
    /// Further in the future than the configured skew allows.
    #[error("Nonce is too far in the future: {ahead:.2} seconds ahead")]
    TooFarAhead {
        /// Seconds ahead of the axon's clock.
        ahead: f64,
    },
    /// The signature does not verify.
    #[error("Signature mismatch with {message} and {signature}")]
    SignatureMismatch {
        /// The message the axon rebuilt.
        message: String,
        /// The signature as sent.
        signature: String,
    },
    /// The caller hotkey is not valid SS58.
    #[error("invalid hotkey {0}")]
    BadHotkey(String),
    /// The nonce table is full of fresh entries (too many callers at once).
    #[error("nonce table full: too many concurrent callers; retry in a minute")]
    TableFull,
    /// This hotkey holds its whole share of the nonce table with fresh endpoint keys.
    #[error(
        "too many endpoint keys (uuids) in use by this hotkey (quota {quota}); reuse uuids or wait for old ones to expire"
    )]
    HotkeyQuotaFull {
        /// Keys one hotkey may hold.
        quota: usize,
    },
    /// btauth/1 error.
    #[error("btauth/1: {0}")]
    BtAuth(#[from] crate::btauth::BtAuthError),
}

/// A dendrite could not be set up or a request could not be built.
#[derive(Debug, Error)]
pub enum DendriteError {
    /// Body hash.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// JSON encoding of the request.
    #[error("cannot encode the synapse: {0}")]
    Encode(#[from] serde_json::Error),
    /// Building the HTTP request.
    #[error("cannot build the request: {0}")]
    Request(String),
    /// A JSON synapse that is not a JSON object (the kind it is instead).
    #[error(
        "a synapse must be a JSON object of its fields, got {0} (pass the model's fields as an object)"
    )]
    NotAnObject(&'static str),
}

/// Metagraph sync errors.
#[derive(Debug, Error)]
pub enum MetagraphError {
    /// RPC failure.
    #[error("metagraph RPC failed: {0}")]
    Rpc(String),
    /// The subnet does not exist.
    #[error("subnet {0} does not exist")]
    NoSubnet(u16),
}

/// Axon start-up errors.
#[derive(Debug, Error)]
pub enum AxonError {
    /// Binding or serving failed.
    #[error("axon I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Sending a transaction failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TxError {
    /// The node could not be reached or answered with an error.
    #[error("node RPC failed: {0} (is the node running and --rpc right?)")]
    Rpc(String),
    /// The node refused the transaction before inclusion (invalid, pool full, …).
    #[error("the node refused the transaction: {0}")]
    Refused(String),
    /// Included, but the call failed.
    #[error("{call} failed in block #{block}: {message}")]
    Failed {
        /// `module.call`.
        call: &'static str,
        /// Block it was included in.
        block: u64,
        /// The runtime's error in words.
        message: String,
        /// The runtime's error variant (`reveal_too_early`, …), when the node gave it.
        kind: Option<String>,
    },
    /// The node dropped it before finality (replaced, expired or evicted).
    #[error("the node dropped the transaction before finality (replaced, expired or evicted)")]
    Dropped,
    /// Not finalized in time.
    #[error("the transaction was not finalized within {0:?}")]
    Timeout(std::time::Duration),
}

/// A miner could not start.
#[derive(Debug, Error)]
pub enum MinerError {
    /// The axon could not bind or serve.
    #[error(transparent)]
    Axon(#[from] AxonError),
    /// Registration failed.
    #[error("registration failed: {0}")]
    Register(TxError),
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
}
