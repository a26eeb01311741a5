//! Typed errors for the epoch.

use thiserror::Error;

/// Why an epoch input was rejected. Every variant names the offending field and values, so
/// the caller can fix the input; [`crate::epoch()`] never panics instead of returning one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum YumaError {
    /// A per-uid vector does not have one entry per uid (`n = stake.len()`).
    #[error("{field} has {got} entries, expected one per uid (n = {expected})")]
    LengthMismatch {
        /// The input field (`"weights"`, `"last_update"`, ...).
        field: &'static str,
        /// `n`, the number of uids (the length of `stake`).
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// More uids than a subnet can hold (uids are `u16`).
    #[error("{n} uids do not fit in u16 uids (at most 65535)")]
    TooManyUids {
        /// The number of uids given.
        n: usize,
    },
    /// A sparse row refers to a uid that does not exist.
    #[error("{matrix}[{row}] refers to uid {uid}, out of range (n = {n})")]
    UidOutOfRange {
        /// `"weights"` or `"bonds"`.
        matrix: &'static str,
        /// The row (uid of the validator).
        row: usize,
        /// The uid that is out of range.
        uid: u16,
        /// The number of uids.
        n: usize,
    },
    /// A sparse row names the same column twice.
    #[error("{matrix}[{row}] names uid {uid} more than once")]
    DuplicateUid {
        /// `"weights"` or `"bonds"`.
        matrix: &'static str,
        /// The row (uid of the validator).
        row: usize,
        /// The repeated uid.
        uid: u16,
    },
    /// The subnet owner uid does not exist.
    #[error("owner uid {uid} out of range (n = {n})")]
    OwnerOutOfRange {
        /// The owner uid given.
        uid: u16,
        /// The number of uids.
        n: usize,
    },
    /// The total stake does not fit the I64F64 normalisation the reference uses.
    #[error("total stake overflows I64F64 (sum of stake > {max})")]
    StakeOverflow {
        /// The largest total stake the epoch accepts.
        max: u64,
    },
}
