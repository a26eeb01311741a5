//! Step 9 of the epoch, second half: the dividends `D` and the bonds stored for the next
//! epoch, from the matrix the fused pass left (B' under Yuma 3, ΔB under the original).
//! Rules as in the [epoch](super) module's step list.
//!
//! Per-row work runs in the epoch's row blocks, each writing only its own rows; column sums
//! and column maxima are combined in block order (sums of terms > 0 saturate to the same
//! value in any grouping, and a maximum does not depend on grouping). A uid whose *new*
//! permit is false gets an empty bond row.

#![deny(clippy::float_arithmetic)]

use super::bonds::BondRules;
use super::check::{InputRow, Subnet};
use crate::math::{self, Csr, DivBy, RowBuf, ZERO};
use crate::par;
use fixed::types::I32F32;

/// The dividends and the new bonds of step 9.
pub(super) struct Dividends {
    /// `D`, normalised.
    pub dividends: Vec<I32F32>,
    /// The bonds stored for the next epoch, one sparse u16 row per uid.
    pub bonds: Vec<Vec<(u16, u16)>>,
}

/// Yuma 3: `D_i = Sa_i · Σ_j (B'_ij / Σ_k B'_kj) · I_j` normalised (the column
/// normalisation done on the fly); `B'` stored as u16 proportions.
pub(super) fn yuma3(
    s: &Subnet<'_>,
    ema_bonds: &Csr,
    col_sum: &[I32F32],
    incentive: &[I32F32],
    active_stake: &[I32F32],
    new_permit: &[bool],
) -> Dividends {
    let (n, row_blocks) = (s.n, &s.row_blocks);
    let mut dividends: Vec<I32F32> = vec![ZERO; n];
    let mut new_bonds: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
    let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
    let unit_incentive = all_unit(incentive);
    let jobs: Vec<_> = row_blocks
        .iter()
        .cloned()
        .zip(par::chunks_mut(&mut dividends, row_blocks))
        .zip(par::chunks_mut(&mut new_bonds, row_blocks))
        .collect();
    par::fork_join(s.plan.threads, jobs, |((r, dividends), new_bonds)| {
        for (i, (d, out)) in r.zip(dividends.iter_mut().zip(new_bonds.iter_mut())) {
            let (cols, vals) = ema_bonds.row(i);
            let mut total = ZERO;
            for (j, v) in cols.iter().zip(vals.iter()) {
                let j = usize::from(*j);
                let cs = col_sum.get(j).copied().unwrap_or(ZERO);
                let norm = if cs == ZERO {
                    *v
                } else {
                    col_div.get(j).map_or(ZERO, |dv| dv.div(*v))
                };
                let inc = incentive.get(j).copied().unwrap_or(ZERO);
                let term = if unit_incentive {
                    math::smul_unit(inc, norm)
                } else {
                    math::smul(norm, inc)
                };
                total = total.saturating_add(term);
            }
            let sa = active_stake.get(i).copied().unwrap_or(ZERO);
            *d = total.checked_mul(sa).unwrap_or(ZERO);
            if new_permit.get(i).copied().unwrap_or(false) {
                *out = cols
                    .iter()
                    .zip(vals.iter())
                    .map(|(j, v)| (*j, math::to_u16_proportion(*v)))
                    .collect();
            }
        }
    });
    math::normalize(&mut dividends);
    Dividends {
        dividends,
        bonds: new_bonds,
    }
}

/// What the original bonds read besides the matrix (holding ΔB).
pub(super) struct OriginalInputs<'x> {
    /// Step 9's parameters.
    pub rules: &'x BondRules<'x>,
    /// The stored bonds, sorted by uid.
    pub bonds_in: &'x [InputRow<'x>],
    /// Column sums of ΔB.
    pub delta_col_sum: &'x [I32F32],
    /// Column sums of the masked stored bonds.
    pub bond_col_sum: &'x [I32F32],
}

/// Original Yuma: `B' = α·colnorm(ΔB) + (1 − α)·colnorm(B)` (positive entries kept),
/// column normalised; `D_i = Σ_j B'_ij·I_j` normalised; bonds stored column-max-upscaled.
pub(super) fn original(
    s: &Subnet<'_>,
    matrix: &mut Csr,
    inputs: &OriginalInputs<'_>,
    incentive: &[I32F32],
    new_permit: &[bool],
) -> Dividends {
    let col_sum = original_ema(s, matrix, inputs);
    let mut dividends: Vec<I32F32> = vec![ZERO; s.n];
    let col_max = original_dividends(s, matrix, &col_sum, incentive, &mut dividends);
    math::normalize(&mut dividends);
    let bonds = original_stored_bonds(s, matrix, &col_max, new_permit);
    Dividends { dividends, bonds }
}

/// Whether every entry of `x` lies in [0, 1] (the incentive is normalised, so it does):
/// then the dividend terms `I_j·B_ij` take the unsaturated multiply [`math::smul_unit`]
/// with `I_j` as the factor, the same bits as `smul`; checked once per epoch.
fn all_unit(x: &[I32F32]) -> bool {
    x.iter().all(|v| (ZERO..=math::ONE).contains(v))
}

/// `v / sums[j]` (by `divs[j]`), or `v` when the column sums to 0. Inlined: it was a
/// call per entry (885 k at 4096 uids) in the original's stored-bond pass.
#[inline]
fn col_norm(divs: &[DivBy], sums: &[I32F32], j: u16, v: I32F32) -> I32F32 {
    let j = usize::from(j);
    match (sums.get(j), divs.get(j)) {
        (Some(s), Some(dv)) if *s != ZERO => dv.div(v),
        _ => v,
    }
}

/// Each row of ΔB in `matrix` replaced by `B' = α·colnorm(ΔB) + (1 − α)·colnorm(B)`,
/// positive entries kept; returns the column sums of B' (per row block, added in block
/// order: the EMA keeps only values > 0).
fn original_ema(s: &Subnet<'_>, matrix: &mut Csr, inputs: &OriginalInputs<'_>) -> Vec<I32F32> {
    let n = s.n;
    let (delta_col_sum, bond_col_sum) = (inputs.delta_col_sum, inputs.bond_col_sum);
    let delta_div: Vec<DivBy> = delta_col_sum.iter().map(|s| DivBy::new(*s)).collect();
    let bond_div: Vec<DivBy> = bond_col_sum.iter().map(|s| DivBy::new(*s)).collect();
    let jobs = matrix.rows_mut(&s.row_blocks);
    let parts = par::fork_join(s.plan.threads, jobs, |mut rows| {
        let mut col_sum = vec![ZERO; n];
        let mut d_row = RowBuf::default();
        let mut old = RowBuf::default();
        for i in rows.rows() {
            let (dc, dv) = rows.row(i);
            d_row.fill(dc.len(), |out| {
                for (j, v) in dc.iter().zip(dv.iter()) {
                    out.push(*j, col_norm(&delta_div, delta_col_sum, *j, *v));
                }
            });
            inputs
                .rules
                .masked_bonds(inputs.bonds_in.get(i).map_or(&[][..], |r| r), &mut old);
            let (oc, ov) = old.row_mut();
            for (j, v) in oc.iter().zip(ov.iter_mut()) {
                *v = col_norm(&bond_div, bond_col_sum, *j, *v);
            }
            let b_row = old.row();
            rows.fill_row(i, |out| {
                math::ema_row(d_row.row(), b_row, inputs.rules.alpha, out, &mut col_sum);
            });
        }
        col_sum
    });
    let mut col_sum = vec![ZERO; n];
    for part in parts {
        par::add_non_negative(&mut col_sum, &part);
    }
    col_sum
}

/// Column normalisation of B' in `matrix` (by `col_sum`), the un-normalised dividends
/// `D_i = Σ_j B'_ij·I_j` into `dividends`, and the column maxima of the normalised B' (per
/// row block, combined in block order: max does not depend on grouping), in one pass.
fn original_dividends(
    s: &Subnet<'_>,
    matrix: &mut Csr,
    col_sum: &[I32F32],
    incentive: &[I32F32],
    dividends: &mut [I32F32],
) -> Vec<I32F32> {
    let n = s.n;
    let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
    let unit_incentive = all_unit(incentive);
    let jobs: Vec<_> = matrix
        .rows_mut(&s.row_blocks)
        .into_iter()
        .zip(par::chunks_mut(dividends, &s.row_blocks))
        .collect();
    let parts = par::fork_join(s.plan.threads, jobs, |(mut rows, dividends)| {
        let mut col_max = vec![ZERO; n];
        for (i, d) in rows.rows().zip(dividends.iter_mut()) {
            let (cols, vals) = rows.row_mut(i);
            let mut total = ZERO;
            for (j, v) in cols.iter().zip(vals.iter_mut()) {
                *v = col_norm(&col_div, col_sum, *j, *v);
                let j = usize::from(*j);
                let x = incentive.get(j).copied().unwrap_or(ZERO);
                let term = if unit_incentive {
                    math::smul_unit(x, *v)
                } else {
                    math::smul(x, *v)
                };
                total = total.saturating_add(term);
                if let Some(mx) = col_max.get_mut(j)
                    && *mx < *v
                {
                    *mx = *v;
                }
            }
            *d = total;
        }
        col_max
    });
    let mut col_max = vec![ZERO; n];
    for part in parts {
        for (m, x) in col_max.iter_mut().zip(part.iter()) {
            *m = (*m).max(*x);
        }
    }
    col_max
}

/// The bonds stored for the next epoch: B' column-max-upscaled to u16, for the uids that
/// keep a permit.
fn original_stored_bonds(
    s: &Subnet<'_>,
    ema_bonds: &Csr,
    col_max: &[I32F32],
    new_permit: &[bool],
) -> Vec<Vec<(u16, u16)>> {
    let mut new_bonds: Vec<Vec<(u16, u16)>> = vec![Vec::new(); s.n];
    let max_div: Vec<DivBy> = col_max.iter().map(|s| DivBy::new(*s)).collect();
    let jobs: Vec<_> = s
        .row_blocks
        .iter()
        .cloned()
        .zip(par::chunks_mut(&mut new_bonds, &s.row_blocks))
        .collect();
    par::fork_join(s.plan.threads, jobs, |(r, new_bonds)| {
        for (i, out) in r.zip(new_bonds.iter_mut()) {
            if !new_permit.get(i).copied().unwrap_or(false) {
                continue;
            }
            let (cols, vals) = ema_bonds.row(i);
            *out = cols
                .iter()
                .zip(vals.iter())
                .map(|(j, v)| {
                    (
                        *j,
                        math::to_u16_proportion(col_norm(&max_div, col_max, *j, *v)),
                    )
                })
                .collect();
        }
    });
    new_bonds
}
