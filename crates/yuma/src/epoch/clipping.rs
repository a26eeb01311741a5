//! Steps 7 and 8 of the epoch: clipping each weight to its column's consensus, validator
//! trust, and the incentive. Rules as in the [epoch](super) module's step list. Both run
//! row by row inside the fused pass of steps 7–9 ([`row_pass`](super::bonds::row_pass)),
//! which sums each row block's ranks and adds the blocks up in block order (every rank term
//! `Sa_i·Wc_ij` is ≥ 0, so the saturating sums equal the sequential ones).

#![deny(clippy::float_arithmetic)]

use crate::math::{self, RowBuf, ZERO};
use fixed::types::I32F32;

/// Step 7 for one row of `W`: `Wc_ij = min(w_ij, C_j)` written into `clipped` (entries
/// clipped to a zero threshold are dropped), `Sa_i·Wc_ij` added to `ranks[j]` (step 8);
/// returns the validator trust `VT_i = Σ_j Wc_ij`.
pub(super) fn clip_row(
    w_row: (&[u16], &[I32F32]),
    consensus: &[I32F32],
    sa: I32F32,
    clipped: &mut RowBuf,
    ranks: &mut [I32F32],
) -> I32F32 {
    let mut t = ZERO;
    // A normalised stake lies in [0, 1]: the unsaturated multiply (same bits), checked once.
    let unit_stake = (ZERO..=math::ONE).contains(&sa);
    clipped.fill(w_row.0.len(), |out| {
        for (j, v) in w_row.0.iter().zip(w_row.1.iter()) {
            let jj = usize::from(*j);
            let th = consensus.get(jj).copied().unwrap_or(ZERO);
            let c = if th < *v {
                if th > ZERO {
                    th
                } else {
                    continue;
                }
            } else {
                *v
            };
            out.push(*j, c);
            t = t.saturating_add(c);
            if let Some(r) = ranks.get_mut(jj) {
                let rank = if unit_stake {
                    math::smul_unit(sa, c)
                } else {
                    math::smul(sa, c)
                };
                *r = r.saturating_add(rank);
            }
        }
    });
    t
}

/// Step 8: the incentive `I`, the ranks `rank_j = Σ_i Sa_i·Wc_ij` normalised.
pub(super) fn incentive(mut ranks: Vec<I32F32>) -> Vec<I32F32> {
    math::normalize(&mut ranks);
    ranks
}
