//! Steps 5 and 6 of the epoch: the masked, row-normalised weights `W` and their consensus
//! `C`. Rules as in the [epoch](super) module's step list.
//!
//! `W` is written into the scratch's one sparse matrix, which the later stages rewrite in
//! place, row i over row i: B' (Yuma 3) and ΔB (original) have at most
//! `|W_i ∪ B_i| ≤ min(|W_i| + |B_i|, n)` entries per row (columns of W or of the stored
//! bonds B), and so has the original's B', so row i gets that many slots. A pass reads
//! row i (into a row buffer) before it rewrites it.

#![deny(clippy::float_arithmetic)]

use super::check::{InputRow, Subnet};
use crate::math::{self, Csr, DivBy, ZERO};
use crate::par;
use fixed::types::I32F32;

/// Step 5: lay out `matrix` for `weights_in` and `bonds_in` and fill it with `W` — the
/// permit, diagonal, outdated and commit-reveal masks and the row normalisation in one pass
/// per row (row blocks concurrently, each writing only its rows).
pub(super) fn masked_weights(
    s: &Subnet<'_>,
    matrix: &mut Csr,
    weights_in: Vec<InputRow<'_>>,
    bonds_in: &[InputRow<'_>],
    permit: &[bool],
) {
    let (input, n, owner) = (s.input, s.n, s.owner);
    let registered_at = &input.registered_at;
    // An uid without a registration block reads as 0, never above this.
    let max_reg = registered_at.iter().copied().max().unwrap_or(0);
    matrix.layout((0..n).map(|i| {
        let w = weights_in.get(i).map_or(0, |r| r.len());
        let b = bonds_in.get(i).map_or(0, |r| r.len());
        w.saturating_add(b).min(n)
    }));
    par::fork_join(
        s.plan.threads,
        matrix.rows_mut(&s.row_blocks),
        |mut rows| {
            for i in rows.rows() {
                let (Some(row), true) =
                    (weights_in.get(i), permit.get(i).copied().unwrap_or(false))
                else {
                    continue;
                };
                let lu = input.last_update.get(i).copied().unwrap_or(0);
                let commit = input
                    .commit_reveal
                    .as_ref()
                    .map(|cr| cr.get(i).copied().flatten().unwrap_or(u64::MAX));
                let mut total = ZERO;
                // When every uid registered before this row's last update (and commit),
                // the outdated and commit-reveal masks keep every entry: only the diagonal
                // mask is left, without the per-entry registration lookup (same entries).
                let all_registered = lu > max_reg && commit.is_none_or(|cb| cb >= max_reg);
                let keep_self = owner == Some(i);
                rows.fill_row(i, |out| {
                    if all_registered {
                        for (j, v) in row.iter() {
                            if usize::from(*j) != i || keep_self {
                                let v = I32F32::from_num(*v);
                                total = total.saturating_add(v);
                                out.push(*j, v);
                            }
                        }
                        return;
                    }
                    for (j, v) in row.iter() {
                        let jj = usize::from(*j);
                        let reg = registered_at.get(jj).copied().unwrap_or(0);
                        if (jj != i || keep_self) && lu > reg && commit.is_none_or(|cb| cb >= reg) {
                            let v = I32F32::from_num(*v);
                            total = total.saturating_add(v);
                            out.push(*j, v);
                        }
                    }
                });
                if total > ZERO {
                    let d = DivBy::new(total);
                    for v in rows.row_mut(i).1 {
                        *v = d.div(*v);
                    }
                }
            }
        },
    );
}

/// Step 6: consensus `C` — the stake-weighted median of every column of `W` at
/// `κ = kappa/65535` over the rows with `Sa > 0`.
pub(super) fn consensus(
    s: &Subnet<'_>,
    weights: &Csr,
    active_stake: &[I32F32],
    median_bufs: &mut Vec<Vec<u64>>,
) -> Vec<I32F32> {
    let kappa = math::u16_proportion(s.input.params.kappa);
    math::weighted_median_cols(active_stake, weights, s.n, kappa, s.plan, median_bufs)
}
