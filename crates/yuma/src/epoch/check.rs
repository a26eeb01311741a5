//! Step 0 of the epoch: the input checks, and how the epoch will run.
//!
//! Rules: every per-uid vector has one entry per uid (`n = stake.len()`, at most 65535);
//! every weight and bond row names uids `< n`, each at most once; the owner uid, if any, is
//! `< n`. Any violation is a [`YumaError`] naming the field, row and uid — the epoch never
//! panics on input. Rows are returned sorted by uid: borrowed when already sorted (as the
//! chain stores them), sorted copies otherwise.
//!
//! The rows are checked in the same row blocks the later per-row stages use, on several
//! threads when the plan allows; the error reported is the first bad row's, as sequentially.

#![deny(clippy::float_arithmetic)]

use super::EpochInput;
use crate::error::YumaError;
use crate::par::{self, Parallelism, Plan};
use std::borrow::Cow;
use std::ops::Range;

/// One validated input row, sorted by uid.
pub(super) type InputRow<'a> = Cow<'a, [(u16, u16)]>;

/// The checked input and how the epoch runs: what every later step reads.
pub(super) struct Subnet<'a> {
    /// The epoch's input, checked.
    pub input: &'a EpochInput,
    /// The number of uids.
    pub n: usize,
    /// The subnet owner's uid (known to be `< n`).
    pub owner: Option<usize>,
    /// Threads and blocks of the parallel stages.
    pub plan: Plan,
    /// Row blocks of about equal weight and bond entries, one job each in the per-row
    /// stages.
    pub row_blocks: Vec<Range<usize>>,
}

/// The input's weight and bond rows, checked and sorted by uid.
pub(super) struct SortedRows<'a> {
    /// The stored weights, one row per uid.
    pub weights: Vec<InputRow<'a>>,
    /// The stored bonds, one row per uid.
    pub bonds: Vec<InputRow<'a>>,
}

/// Check `input` (lengths, uid ranges, duplicates, the owner) and plan its stages for
/// `parallelism`.
pub(super) fn check(
    input: &EpochInput,
    parallelism: Parallelism,
) -> Result<(Subnet<'_>, SortedRows<'_>), YumaError> {
    let n = input.stake.len();
    if n > usize::from(u16::MAX) {
        return Err(YumaError::TooManyUids { n });
    }
    check_len("last_update", input.last_update.len(), n)?;
    check_len("registered_at", input.registered_at.len(), n)?;
    check_len("validator_permit", input.validator_permit.len(), n)?;
    if let Some(cr) = &input.commit_reveal {
        check_len("commit_reveal", cr.len(), n)?;
    }
    let owner = match input.owner_uid {
        Some(uid) if usize::from(uid) >= n => return Err(YumaError::OwnerOutOfRange { uid, n }),
        Some(uid) => Some(usize::from(uid)),
        None => None,
    };
    // Row blocks of about equal weight and bond entries, one job each in the per-row stages.
    let row_len = |m: &Vec<Vec<(u16, u16)>>, i: usize| m.get(i).map_or(0, Vec::len);
    let entries = (0..n).fold(0usize, |acc, i| {
        acc.saturating_add(row_len(&input.weights, i))
            .saturating_add(row_len(&input.bonds, i))
    });
    let plan = parallelism.plan(entries);
    let row_blocks = par::split(n, plan.blocks, |i| {
        row_len(&input.weights, i).saturating_add(row_len(&input.bonds, i))
    });
    let weights = sorted_rows("weights", &input.weights, n, plan.threads, &row_blocks)?;
    let bonds = sorted_rows("bonds", &input.bonds, n, plan.threads, &row_blocks)?;
    Ok((
        Subnet {
            input,
            n,
            owner,
            plan,
            row_blocks,
        },
        SortedRows { weights, bonds },
    ))
}

/// Check lengths, uid ranges and duplicates; return the rows sorted by uid (borrowed when
/// already sorted, as the chain stores them). The row blocks `blocks` are checked on
/// `threads` threads; the error reported is the one of the first bad row, as sequentially.
fn sorted_rows<'a>(
    matrix: &'static str,
    rows: &'a [Vec<(u16, u16)>],
    n: usize,
    threads: usize,
    blocks: &[Range<usize>],
) -> Result<Vec<InputRow<'a>>, YumaError> {
    if rows.len() != n {
        return Err(YumaError::LengthMismatch {
            field: matrix,
            expected: n,
            got: rows.len(),
        });
    }
    let parts = par::fork_join(threads, blocks.to_vec(), |r| {
        let start = r.start;
        rows.get(r)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(k, row)| sorted_row(matrix, start + k, row, n))
            .collect::<Result<Vec<_>, _>>()
    });
    let mut out = Vec::with_capacity(n);
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// [`sorted_rows`] for row `i`.
fn sorted_row<'a>(
    matrix: &'static str,
    i: usize,
    row: &'a [(u16, u16)],
    n: usize,
) -> Result<InputRow<'a>, YumaError> {
    // The common case first, in one light pass: uids strictly increasing and the last one
    // in range, so every one is (no error; the same answer as the scan below).
    let increasing = row.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0));
    if increasing && row.last().is_none_or(|(uid, _)| usize::from(*uid) < n) {
        return Ok(Cow::Borrowed(row));
    }
    // One pass: the first out-of-range uid, and whether the uids strictly increase.
    let mut sorted = true;
    let mut prev: Option<u16> = None;
    for (uid, _) in row {
        if usize::from(*uid) >= n {
            return Err(YumaError::UidOutOfRange {
                matrix,
                row: i,
                uid: *uid,
                n,
            });
        }
        sorted &= prev.is_none_or(|p| p < *uid);
        prev = Some(*uid);
    }
    if sorted {
        return Ok(Cow::Borrowed(row));
    }
    let mut r = row.to_vec();
    r.sort_unstable_by_key(|e| e.0);
    if let Some(w) = r.windows(2).find(|w| matches!(w, [a, b] if a.0 == b.0)) {
        let uid = w.first().map(|e| e.0).unwrap_or_default();
        return Err(YumaError::DuplicateUid {
            matrix,
            row: i,
            uid,
        });
    }
    Ok(Cow::Owned(r))
}

/// A [`YumaError::LengthMismatch`] unless `got == n`.
fn check_len(field: &'static str, got: usize, n: usize) -> Result<(), YumaError> {
    if got == n {
        Ok(())
    } else {
        Err(YumaError::LengthMismatch {
            field,
            expected: n,
            got,
        })
    }
}
