//! Error codes of the node's RPC (beyond JSON-RPC's own -32700…-32603).

/// The transaction could not be decoded.
pub const BAD_TRANSACTION: i32 = 1001;
/// The transaction is invalid (signature, nonce, fee, …).
pub const INVALID_TRANSACTION: i32 = 1002;
/// The mempool refused the transaction (duplicate, full, underpriced, …).
pub const MEMPOOL_REJECTED: i32 = 1003;
/// A malformed address or key.
pub const BAD_ADDRESS: i32 = 1004;
/// Too many requests from this client.
pub const RATE_LIMITED: i32 = 1005;
/// Something is wrong with the node's storage.
pub const STORAGE: i32 = 1006;
/// A requested range is too large.
pub const TOO_LARGE: i32 = 1007;
/// The requested item (e.g. a governance proposal) does not exist.
pub const NOT_FOUND: i32 = 1008;
/// A batch has more entries than the node's `--rpc-max-batch`; it is refused whole (split it).
pub const BATCH_TOO_LARGE: i32 = 1009;
