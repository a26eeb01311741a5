//! Step 9 of the epoch, first half: the bond parameters, the masked stored bonds, and the
//! fused pass of steps 7–9 that rewrites every row of `W` into the new bonds `B'` (Yuma 3)
//! or into `ΔB = Wb ∘ Sa` (original). The dividends and the stored bonds are
//! [`dividends`](super::dividends). Rules as in the [epoch](super) module's step list.
//!
//! The row blocks run concurrently; each returns its own column sums (of the ranks, of B'
//! or ΔB, and of the masked stored bonds), added up in block order. Why the sums equal the
//! sequential saturating ones: every term is ≥ 0 (stakes, weights and stored bonds are ≥ 0,
//! so ranks Sa·Wc and ΔB = Wb·Sa are; the EMAs keep only values > 0), and saturating
//! addition of non-negative terms is min(exact sum, MAX) whatever the grouping or order —
//! so splitting rows into blocks cannot change any bit.

#![deny(clippy::float_arithmetic)]

use super::check::{InputRow, Subnet};
use super::clipping;
use crate::math::{self, Csr, LiquidAlphaFixed, ONE, RowBuf, ZERO};
use crate::par;
use fixed::types::{I32F32, I64F64};

/// One sparse row as (columns, values).
type Row<'r> = (&'r [u16], &'r [I32F32]);

/// Step 9's parameters, derived once per epoch.
pub(super) struct BondRules<'a> {
    /// Yuma 3 (absolute bonds) rather than the original (column-normalised) bonds.
    pub yuma3: bool,
    /// `β = bonds_penalty/65535`, the weight of the clipped row in `Wb`.
    beta: I32F32,
    /// Stored bonds toward uids registered at or after this block are dropped.
    last_tempo: u64,
    /// The EMA rate `α = 1 − bonds_moving_average/10⁶`.
    pub alpha: I32F32,
    /// Liquid alpha's parameters, when it applies to this epoch (Yuma 3, enabled, some
    /// `C_j ≠ 0`).
    liquid: Option<LiquidAlphaFixed>,
    /// Registration block per uid.
    registered_at: &'a [u64],
    /// Whether no stored bond is dropped by the registration mask: every uid registered
    /// before `last_tempo` (and `last_tempo > 0`, so an uid without a registration block,
    /// read as 0, is kept too). Then the mask skips its per-entry lookup.
    keep_all: bool,
}

impl<'a> BondRules<'a> {
    /// The rules of `s`'s epoch, given its consensus.
    pub(super) fn new(s: &Subnet<'a>, consensus: &[I32F32]) -> Self {
        let (p, block) = (&s.input.params, s.input.block);
        let yuma3 = p.yuma3;
        let beta = math::u16_proportion(p.bonds_penalty);
        let last_tempo = match s.input.last_epoch_block {
            None | Some(0) => block.saturating_sub(u64::from(p.tempo)),
            Some(lms) => lms.saturating_add(1),
        };
        let bma = math::safe_div64(
            I64F64::saturating_from_num(p.bonds_moving_average),
            I64F64::from_num(1_000_000),
        );
        let alpha = ONE.saturating_sub(I32F32::saturating_from_num(bma));
        let la = &p.liquid_alpha;
        let liquid = (yuma3 && la.enabled && consensus.iter().any(|c| *c != ZERO))
            .then(|| LiquidAlphaFixed::new(la.alpha_low, la.alpha_high, la.steepness));
        Self {
            yuma3,
            beta,
            last_tempo,
            alpha,
            liquid,
            registered_at: &s.input.registered_at,
            keep_all: last_tempo > 0 && s.input.registered_at.iter().all(|r| last_tempo > *r),
        }
    }

    /// A stored u16 bond as a number: a proportion (`v/65535`) under Yuma 3, the plain
    /// value under the original.
    fn bond_value(&self, v: u16) -> I32F32 {
        if self.yuma3 {
            math::u16_proportion(v)
        } else {
            I32F32::from_num(v)
        }
    }

    /// The stored bond row `row` as numbers, without the bonds toward uids registered at or
    /// after `last_tempo`, into `out`.
    ///
    /// When the mask keeps everything (`keep_all`, the usual case: no uid registered since
    /// the last epoch) only the conversion runs, with the same entries in the same order.
    pub(super) fn masked_bonds(&self, row: &[(u16, u16)], out: &mut RowBuf) {
        out.fill(row.len(), |out| {
            self.for_each_masked_bond(row, |j, v| out.push(j, v));
        });
    }

    /// `f(j, value)` for every entry of the stored bond row `row` that the registration
    /// mask keeps, in column order ([`BondRules::masked_bonds`] without the buffer). When
    /// the mask keeps everything (`keep_all`, the usual case: no uid registered since the
    /// last epoch) the per-entry lookup is skipped; the conversion is chosen once per row.
    #[inline]
    fn for_each_masked_bond(&self, row: &[(u16, u16)], mut f: impl FnMut(u16, I32F32)) {
        match (self.keep_all, self.yuma3) {
            (true, true) => {
                for (j, v) in row {
                    f(*j, math::u16_proportion(*v));
                }
            }
            (true, false) => {
                for (j, v) in row {
                    f(*j, I32F32::from_num(*v));
                }
            }
            (false, _) => {
                for (j, v) in row {
                    let reg = self
                        .registered_at
                        .get(usize::from(*j))
                        .copied()
                        .unwrap_or(0);
                    if self.last_tempo > reg {
                        f(*j, self.bond_value(*v));
                    }
                }
            }
        }
    }

    /// The bond-weights row `Wb = W + β·(Wc − W)`: `W` as is for β = 0, `Wc` for β = 1,
    /// otherwise the positive entries of the interpolation, written into `mixed`.
    fn bond_weights_row<'r>(
        &self,
        w_row: Row<'r>,
        clipped: &'r RowBuf,
        mixed: &'r mut RowBuf,
    ) -> Row<'r> {
        if self.beta == ZERO {
            w_row
        } else if self.beta == ONE {
            clipped.row()
        } else {
            let cap = w_row.0.len() + clipped.row().0.len();
            mixed.fill(cap, |out| {
                math::interpolate_row(w_row, clipped.row(), self.beta, out);
            });
            mixed.row()
        }
    }
}

/// What the fused pass of steps 7–9 leaves besides the rewritten matrix.
pub(super) struct RowPass {
    /// Validator trust `VT_i = Σ_j Wc_ij` (step 7).
    pub validator_trust: Vec<I32F32>,
    /// `rank_j = Σ_i Sa_i·Wc_ij` (step 8, before normalisation).
    pub ranks: Vec<I32F32>,
    /// Column sums of what the matrix now holds: B' (Yuma 3) or ΔB (original).
    pub next_col_sum: Vec<I32F32>,
    /// Original only: column sums of the masked stored bonds (all zero under Yuma 3).
    pub bond_col_sum: Vec<I32F32>,
}

/// What every row of the fused pass reads.
pub(super) struct PassInputs<'x> {
    /// `Sa` (step 4).
    pub active_stake: &'x [I32F32],
    /// `C` (step 6).
    pub consensus: &'x [I32F32],
    /// The stored bonds, sorted by uid.
    pub bonds_in: &'x [InputRow<'x>],
    /// Step 9's parameters.
    pub rules: &'x BondRules<'x>,
}

/// One row block's column sums (see [`RowPass`]).
struct BlockSums {
    ranks: Vec<I32F32>,
    next_col_sum: Vec<I32F32>,
    bond_col_sum: Vec<I32F32>,
}

/// The reusable row buffers of one row block.
#[derive(Default)]
struct RowBufs {
    /// The row of `W` being rewritten (read before the rewrite).
    w: RowBuf,
    /// Its clipped row `Wc`.
    clipped: RowBuf,
    /// `Wb` when it is neither `W` nor `Wc`.
    mixed: RowBuf,
    /// The masked stored bonds.
    old: RowBuf,
}

/// Steps 7–9 in one pass per row (row blocks concurrently): clipping, validator trust and
/// ranks; the bond-weights row `Wb`; the masked stored bonds; and the bond EMA (Yuma 3) or
/// `ΔB = Wb ∘ Sa` (original), with their column sums. Each row of `matrix` (holding `W`)
/// is replaced by B' (Yuma 3) or by ΔB (original).
pub(super) fn row_pass(s: &Subnet<'_>, matrix: &mut Csr, inputs: &PassInputs<'_>) -> RowPass {
    let n = s.n;
    let yuma3 = inputs.rules.yuma3;
    let mut validator_trust = vec![ZERO; n];
    let jobs: Vec<_> = matrix
        .rows_mut(&s.row_blocks)
        .into_iter()
        .zip(par::chunks_mut(&mut validator_trust, &s.row_blocks))
        .collect();
    let parts = par::fork_join(s.plan.threads, jobs, |(mut rows, trust)| {
        let mut sums = BlockSums {
            ranks: vec![ZERO; n],
            next_col_sum: vec![ZERO; n],
            // Original only: column sums of the masked stored bonds.
            bond_col_sum: if yuma3 { Vec::new() } else { vec![ZERO; n] },
        };
        let mut bufs = RowBufs::default();
        for (i, trust) in rows.rows().zip(trust.iter_mut()) {
            *trust = bond_row(i, &mut rows, &mut bufs, &mut sums, inputs);
        }
        sums
    });
    let mut ranks = vec![ZERO; n];
    let mut next_col_sum = vec![ZERO; n];
    let mut bond_col_sum = vec![ZERO; n];
    for part in parts {
        par::add_non_negative(&mut ranks, &part.ranks);
        par::add_non_negative(&mut next_col_sum, &part.next_col_sum);
        par::add_non_negative(&mut bond_col_sum, &part.bond_col_sum);
    }
    RowPass {
        validator_trust,
        ranks,
        next_col_sum,
        bond_col_sum,
    }
}

/// Steps 7–9 for row `i` of the block `rows`: clip it (adding to the block's ranks), form
/// `Wb`, and rewrite the row with B' (Yuma 3) or ΔB (original), adding to the block's column
/// sums. Returns the validator trust `VT_i`.
fn bond_row(
    i: usize,
    rows: &mut math::RowsMut<'_>,
    bufs: &mut RowBufs,
    sums: &mut BlockSums,
    inputs: &PassInputs<'_>,
) -> I32F32 {
    let rules = inputs.rules;
    let sa = inputs.active_stake.get(i).copied().unwrap_or(ZERO);
    bufs.w.copy_from(rows.row(i));
    let w_row = bufs.w.row();
    let trust = clipping::clip_row(
        w_row,
        inputs.consensus,
        sa,
        &mut bufs.clipped,
        &mut sums.ranks,
    );
    let wb_row = rules.bond_weights_row(w_row, &bufs.clipped, &mut bufs.mixed);
    let bonds_in = inputs.bonds_in.get(i).map_or(&[][..], |r| r);
    if rules.yuma3 {
        rules.masked_bonds(bonds_in, &mut bufs.old);
        let b_row = bufs.old.row();
        rows.fill_row(i, |out| match rules.liquid {
            Some(laf) => {
                math::ema_liquid_row(
                    wb_row,
                    b_row,
                    inputs.consensus,
                    laf,
                    out,
                    &mut sums.next_col_sum,
                );
            }
            None => math::ema_row(wb_row, b_row, rules.alpha, out, &mut sums.next_col_sum),
        });
    } else {
        // A normalised stake lies in [0, 1]: the unsaturated multiply (same bits).
        let unit_stake = (ZERO..=ONE).contains(&sa);
        rows.fill_row(i, |out| {
            for (j, v) in wb_row.0.iter().zip(wb_row.1.iter()) {
                let d = if unit_stake {
                    math::smul_unit(sa, *v)
                } else {
                    math::smul(*v, sa)
                };
                out.push(*j, d);
                if let Some(s) = sums.next_col_sum.get_mut(usize::from(*j)) {
                    *s = s.saturating_add(d);
                }
            }
        });
        // Only the column sums of the masked stored bonds are needed here (the original's
        // EMA masks them again), so they are summed straight from the input row.
        rules.for_each_masked_bond(bonds_in, |j, v| {
            if let Some(s) = sums.bond_col_sum.get_mut(usize::from(j)) {
                *s = s.saturating_add(v);
            }
        });
    }
    trust
}
