//! Steps 1–4 of the epoch: activity, stake, permits and active stake — the per-uid vectors
//! the matrix stages weigh by. Rules as in the [epoch](super) module's step list; stake is
//! normalised in I64F64 (the reference's type) and truncated to I32F32.

#![deny(clippy::float_arithmetic)]

use super::check::Subnet;
use crate::error::YumaError;
use crate::math::{self, ZERO};
use fixed::types::{I32F32, I64F64};

/// Step 1: `active_i = !(last_update_i + activity_cutoff < b)` (saturating add).
pub(super) fn activity(s: &Subnet<'_>) -> Vec<bool> {
    let (p, block) = (&s.input.params, s.input.block);
    s.input
        .last_update
        .iter()
        .map(|lu| lu.saturating_add(p.activity_cutoff) >= block)
        .collect()
}

/// Step 2: stake `S` — the threshold (owner exempt), I64F64 normalisation, truncation to
/// I32F32. Fails only when the total stake does not fit I64F64.
pub(super) fn stake(s: &Subnet<'_>) -> Result<Vec<I32F32>, YumaError> {
    let (p, owner) = (&s.input.params, s.owner);
    let filtered: Vec<I64F64> = s
        .input
        .stake
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let s = I64F64::saturating_from_num(*s);
            if owner != Some(i) && s.saturating_to_num::<u64>() < p.stake_threshold {
                I64F64::ZERO
            } else {
                s
            }
        })
        .collect();
    let mut total = I64F64::ZERO;
    for s in &filtered {
        total = total.checked_add(*s).ok_or(YumaError::StakeOverflow {
            max: i64::MAX.unsigned_abs(),
        })?;
    }
    Ok(filtered
        .iter()
        .map(|s| {
            let x = if total == I64F64::ZERO {
                *s
            } else {
                math::safe_div64(*s, total)
            };
            I32F32::saturating_from_num(x)
        })
        .collect())
}

/// The validator permits of step 3.
pub(super) struct Permits {
    /// The previous epoch's permits, used by this epoch (owner forced true).
    pub current: Vec<bool>,
    /// The top-k permits returned for the next epoch (owner forced true).
    pub next: Vec<bool>,
}

/// Step 3: permits — the previous ones for this epoch, the top `max_allowed_validators` of
/// `S` for the next.
pub(super) fn permits(s: &Subnet<'_>, stake: &[I32F32]) -> Permits {
    let mut permit = s.input.validator_permit.clone();
    let mut new_permit = top_k_nonzero(stake, usize::from(s.input.params.max_allowed_validators));
    if let Some(o) = s.owner {
        if let Some(x) = permit.get_mut(o) {
            *x = true;
        }
        if let Some(x) = new_permit.get_mut(o) {
            *x = true;
        }
    }
    Permits {
        current: permit,
        next: new_permit,
    }
}

/// Top-k of the non-zero entries of `stake` (stable ascending sort, lower uids drop first).
fn top_k_nonzero(stake: &[I32F32], k: usize) -> Vec<bool> {
    let n = stake.len();
    let mut result: Vec<bool> = stake.iter().map(|s| *s != ZERO).collect();
    if n < k {
        return result;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by_key(|i| stake.get(*i).copied().unwrap_or(ZERO));
    for i in idx.iter().take(n - k) {
        if let Some(r) = result.get_mut(*i) {
            *r = false;
        }
    }
    result
}

/// Step 4: active stake `Sa` — `S` with inactive uids and uids without a permit zeroed,
/// normalised.
pub(super) fn active_stake(stake: &[I32F32], active: &[bool], permit: &[bool]) -> Vec<I32F32> {
    let mut active_stake: Vec<I32F32> = stake
        .iter()
        .zip(active.iter().zip(permit.iter()))
        .map(|(s, (a, v))| if *a && *v { *s } else { ZERO })
        .collect();
    math::normalize(&mut active_stake);
    active_stake
}
