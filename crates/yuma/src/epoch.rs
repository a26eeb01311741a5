//! One Yuma Consensus epoch of one subnet: subtensor's production sparse epoch
//! (`epoch_mechanism`), bit for bit.
//!
//! `n` is the number of uids (`stake.len()`), `b` the current block. `I32F32` unless said
//! otherwise; "normalise" means divide by the sum unless the sum is 0.
//!
//! 1. **Activity.** `active_i = !(last_update_i + activity_cutoff < b)` (saturating add).
//! 2. **Stake.** Raw stake as I64F64; zeroed when below `stake_threshold` (the owner uid is
//!    exempt); normalised in I64F64 and truncated to I32F32 → `S` (stored as `stake_weight`).
//! 3. **Permits.** This epoch uses the *previous* permits `P` (owner forced true). The new
//!    permits are the top `max_allowed_validators` of `S`: entries with `S = 0` never qualify;
//!    if `n ≥ k`, a stable ascending sort by `S` clears the first `n − k` (ties drop lower
//!    uids first); the owner is forced true. They are returned for the next epoch.
//! 4. **Active stake.** `Sa = S` with inactive uids and uids without `P` zeroed, normalised.
//! 5. **Weights.** Stored u16 weights as plain numbers; drop rows without `P`; drop
//!    self-weights except the owner's; drop `w_ij` where `last_update_i ≤ registered_at_j`
//!    (outdated); with commit–reveal, drop `w_ij` where `i`'s earliest active commit block
//!    `< registered_at_j`; normalise each row with a positive sum (explicit zeros survive).
//! 6. **Consensus.** `C_j` = stake-weighted median of column `j` at `κ = kappa/65535` over the
//!    rows with `Sa > 0` (stakes renormalised, a missing entry counts as 0): the smallest
//!    weight `v` in the column with `stake(w ≤ v) > ΣSa − κ` (see `math::weighted_median_cols`).
//! 7. **Clipping.** `Wc_ij = min(w_ij, C_j)`, dropping entries clipped to a zero threshold.
//!    Validator trust `VT_i = Σ_j Wc_ij`.
//! 8. **Incentive.** `rank_j = Σ_i Sa_i·Wc_ij`; `I` = rank normalised.
//! 9. **Bonds.** `Wb = W + β·(Wc − W)` with `β = bonds_penalty/65535` (β = 0 gives `W` as is,
//!    β = 1 gives `Wc`; otherwise only positive entries are kept). Stored bonds toward uids
//!    registered at or after `last_tempo` are dropped, where `last_tempo = last_epoch_block + 1`,
//!    or `b − tempo` when the subnet never ran an epoch (`None` or `Some(0)`).
//!    * *Original Yuma* (`yuma3 = false`): `B` = stored u16 values as numbers, masked, column
//!      normalised; `ΔB = Wb ∘ Sa` column normalised; `B' = α·ΔB + (1 − α)·B` with
//!      `α = 1 − bma/10⁶` (liquid alpha ignored), positive entries kept, column normalised;
//!      `D_i = Σ_j B'_ij·I_j` normalised; bonds stored column-max-upscaled.
//!    * *Yuma 3*: `B` = stored u16/65535, masked. With liquid alpha on and some `C_j ≠ 0`:
//!      only entries of the `Wb` row survive (a bond toward an omitted uid is lost at once),
//!      `B'_ij = min(1, (1 − α_ij)·B_ij + max(0, α_ij·Wb_ij))`, `α_ij` the sigmoid of
//!      `math::liquid_alpha_sigmoid`; otherwise `B' = α·Wb + (1 − α)·B` (positive entries).
//!      `D_i = Sa_i·Σ_j colnorm(B')_ij·I_j` normalised; `B'` stored as is.
//!
//!    The new bond row of a uid is stored only if its *new* permit is true; otherwise it is
//!    empty (a validator losing its permit loses its bonds).
//! 10. **Emission.** `Σ = Σ(I + D)`; server share `I/Σ`, validator share `D/Σ`, combined
//!     `normalise(I + D)`. If `Σ = 0` the validator and combined shares are `Sa`, or `S` when
//!     `Sa` is all zero. Each share is multiplied by the epoch's rao in I96F32 and floored to
//!     u64, so the totals may fall short of the input by rounding.
//!
//! All u16 outputs are `floor(x·65535)`.
//!
//! Deviation by design: sparse input rows may come in any order; they are sorted by uid
//! first (the reference's liquid-alpha walk assumes sorted rows, which is what the chain
//! stores for sorted `set_weights` calls). Duplicate or out-of-range uids are rejected.

#![deny(clippy::float_arithmetic)]

use crate::error::YumaError;
use crate::math::{self, Csr, DivBy, LiquidAlphaFixed, ONE, ZERO};
use crate::params::Hyperparams;
use fixed::types::{I32F32, I64F64, I96F32};
use std::borrow::Cow;

/// Everything one epoch reads, per subnet (and mechanism).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EpochInput {
    /// Current block `b`.
    pub block: u64,
    /// Stake weight per uid in rao; its length is `n`.
    pub stake: Vec<u64>,
    /// Stored weights per uid: `(uid, u16)` rows, already row max-upscaled.
    pub weights: Vec<Vec<(u16, u16)>>,
    /// Stored bonds per uid: `(uid, u16)` rows (column-max-upscaled for original Yuma,
    /// proportions for Yuma 3).
    pub bonds: Vec<Vec<(u16, u16)>>,
    /// Block of each uid's last weight set.
    pub last_update: Vec<u64>,
    /// Block at which each uid was (most recently) registered.
    pub registered_at: Vec<u64>,
    /// Validator permits from the previous epoch.
    pub validator_permit: Vec<bool>,
    /// The subnet owner's uid, if the owner hotkey is registered.
    pub owner_uid: Option<u16>,
    /// `None` when commit–reveal is off; otherwise one entry per uid: the block of its
    /// earliest still-active commit, `None` if it has none.
    pub commit_reveal: Option<Vec<Option<u64>>>,
    /// Block of the subnet's previous epoch (`LastMechansimStepBlock`); `None` (or `Some(0)`)
    /// when it never ran one.
    pub last_epoch_block: Option<u64>,
    /// Rao to distribute this epoch.
    pub emission: u64,
    /// Hyperparameters.
    pub params: Hyperparams,
}

/// What one epoch produces, one entry per uid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EpochOutput {
    /// Whether the uid set weights within the activity cutoff.
    pub active: Vec<bool>,
    /// Consensus weight per uid (u16 proportion).
    pub consensus: Vec<u16>,
    /// Incentive (miner share), sums to ≈ 65535 when non-zero.
    pub incentive: Vec<u16>,
    /// Dividends (validator share), sums to ≈ 65535 when non-zero.
    pub dividends: Vec<u16>,
    /// Sum of the validator's clipped weights.
    pub validator_trust: Vec<u16>,
    /// New validator permits (used by the next epoch).
    pub validator_permit: Vec<bool>,
    /// Normalised stake after the threshold.
    pub stake_weight: Vec<u16>,
    /// Miner emission in rao.
    pub server_emission: Vec<u64>,
    /// Validator emission in rao.
    pub validator_emission: Vec<u64>,
    /// Combined emission in rao (what the chain stores as `Emission`).
    pub emission: Vec<u64>,
    /// New bonds, one sparse `(uid, u16)` row per uid, sorted by uid.
    pub bonds: Vec<Vec<(u16, u16)>>,
}

/// One validated input row, sorted by uid.
type InputRow<'a> = Cow<'a, [(u16, u16)]>;

/// Check lengths, uid ranges and duplicates; return the rows sorted by uid (borrowed when
/// already sorted, as the chain stores them).
fn sorted_rows<'a>(
    matrix: &'static str,
    rows: &'a [Vec<(u16, u16)>],
    n: usize,
) -> Result<Vec<InputRow<'a>>, YumaError> {
    if rows.len() != n {
        return Err(YumaError::LengthMismatch {
            field: matrix,
            expected: n,
            got: rows.len(),
        });
    }
    let mut out = Vec::with_capacity(n);
    for (i, row) in rows.iter().enumerate() {
        if let Some((uid, _)) = row.iter().find(|(uid, _)| usize::from(*uid) >= n) {
            return Err(YumaError::UidOutOfRange {
                matrix,
                row: i,
                uid: *uid,
                n,
            });
        }
        if row.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
            out.push(Cow::Borrowed(row.as_slice()));
            continue;
        }
        let mut r = row.clone();
        r.sort_unstable_by_key(|e| e.0);
        if let Some(w) = r.windows(2).find(|w| matches!(w, [a, b] if a.0 == b.0)) {
            let uid = w.first().map(|e| e.0).unwrap_or_default();
            return Err(YumaError::DuplicateUid {
                matrix,
                row: i,
                uid,
            });
        }
        out.push(Cow::Owned(r));
    }
    Ok(out)
}

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

/// Working memory of [`epoch_with`], kept between calls so that repeated epochs reuse
/// their multi-MiB buffers instead of mapping (and page-faulting) fresh ones every call.
/// It holds no state that affects results: any scratch gives the same output as a new one.
#[derive(Debug, Default)]
pub struct EpochScratch {
    weights: Csr,
    next: Csr,
    ema: Csr,
    median: Vec<u64>,
}

impl EpochScratch {
    /// An empty scratch; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Run one epoch. Pure and deterministic; returns a typed error for inconsistent input and
/// never panics. Same as [`epoch_with`] on a fresh [`EpochScratch`].
pub fn epoch(input: &EpochInput) -> Result<EpochOutput, YumaError> {
    epoch_with(&mut EpochScratch::default(), input)
}

/// [`epoch`], reusing `scratch`'s buffers (faster when called repeatedly); the output is
/// identical.
pub fn epoch_with(
    scratch: &mut EpochScratch,
    input: &EpochInput,
) -> Result<EpochOutput, YumaError> {
    let EpochScratch {
        weights,
        next,
        ema: ema_bonds,
        median: median_buf,
    } = scratch;
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
    let p = &input.params;
    let yuma3 = p.yuma3;
    let weights_in = sorted_rows("weights", &input.weights, n)?;
    let bonds_in = sorted_rows("bonds", &input.bonds, n)?;
    let block = input.block;

    // 1. Activity.
    let active: Vec<bool> = input
        .last_update
        .iter()
        .map(|lu| lu.saturating_add(p.activity_cutoff) >= block)
        .collect();

    // 2. Stake: threshold (owner exempt), I64F64 normalisation, truncation to I32F32.
    let filtered: Vec<I64F64> = input
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
    let stake: Vec<I32F32> = filtered
        .iter()
        .map(|s| {
            let x = if total == I64F64::ZERO {
                *s
            } else {
                math::safe_div64(*s, total)
            };
            I32F32::saturating_from_num(x)
        })
        .collect();

    // 3. Permits: previous ones for this epoch, top-k for the next.
    let mut permit = input.validator_permit.clone();
    let mut new_permit = top_k_nonzero(&stake, usize::from(p.max_allowed_validators));
    if let Some(o) = owner {
        if let Some(x) = permit.get_mut(o) {
            *x = true;
        }
        if let Some(x) = new_permit.get_mut(o) {
            *x = true;
        }
    }

    // 4. Active stake.
    let mut active_stake: Vec<I32F32> = stake
        .iter()
        .zip(active.iter().zip(permit.iter()))
        .map(|(s, (a, v))| if *a && *v { *s } else { ZERO })
        .collect();
    math::normalize(&mut active_stake);

    // 5. Weights: permit, diagonal, outdated, commit-reveal masks; row normalisation, in
    // one pass per row.
    let registered_at = &input.registered_at;
    let nnz_in: usize = weights_in.iter().map(|r| r.len()).sum();
    weights.reset(n, nnz_in);
    for (i, row) in weights_in.iter().enumerate() {
        if !permit.get(i).copied().unwrap_or(false) {
            weights.end_row();
            continue;
        }
        let lu = input.last_update.get(i).copied().unwrap_or(0);
        let commit = input
            .commit_reveal
            .as_ref()
            .map(|cr| cr.get(i).copied().flatten().unwrap_or(u64::MAX));
        let start = weights.cols.len();
        let mut total = ZERO;
        weights.append_row(row.len(), |out| {
            for (j, v) in row.iter() {
                let jj = usize::from(*j);
                let reg = registered_at.get(jj).copied().unwrap_or(0);
                if (jj != i || owner == Some(i)) && lu > reg && commit.is_none_or(|cb| cb >= reg) {
                    let v = I32F32::from_num(*v);
                    total = total.saturating_add(v);
                    out.push(*j, v);
                }
            }
        });
        if total > ZERO {
            let d = DivBy::new(total);
            for v in weights.vals.get_mut(start..).unwrap_or(&mut []) {
                *v = d.div(*v);
            }
        }
    }
    drop(weights_in);

    // 6. Consensus.
    let kappa = math::u16_proportion(p.kappa);
    let consensus = math::weighted_median_cols(&active_stake, weights, n, kappa, median_buf);

    // 7–9, one pass per row: clipping, validator trust and ranks; the bond-weights row
    // Wb = W + β·(Wc − W); the masked stored bonds; and the bond EMA (Yuma 3) or ΔB = Wb ∘ Sa
    // (original), with their column sums.
    let beta = math::u16_proportion(p.bonds_penalty);
    let last_tempo = match input.last_epoch_block {
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
    let bond_value = |v: u16| {
        if yuma3 {
            math::u16_proportion(v)
        } else {
            I32F32::from_num(v)
        }
    };
    let masked_bonds = |row: &[(u16, u16)], out: &mut Csr| {
        out.offsets.truncate(1);
        out.cols.clear();
        out.vals.clear();
        for (j, v) in row {
            let reg = registered_at.get(usize::from(*j)).copied().unwrap_or(0);
            if last_tempo > reg {
                out.push(*j, bond_value(*v));
            }
        }
        out.end_row();
    };

    let mut validator_trust = vec![ZERO; n];
    let mut incentive = vec![ZERO; n];
    // Yuma 3: the new bonds B'; original: ΔB. Column sums of each.
    // Room for every row's upper bound (W row plus stored bond row), so it never regrows.
    let nnz_bonds: usize = bonds_in.iter().map(|r| r.len()).sum();
    next.reset(n, weights.cols.len().saturating_add(nnz_bonds));
    let mut next_col_sum = vec![ZERO; n];
    // Original only: column sums of the masked stored bonds.
    let mut bond_col_sum = vec![ZERO; n];
    let mut clipped = Csr::with_capacity(1, 0);
    let mut mixed = Csr::with_capacity(1, 0);
    let mut old = Csr::with_capacity(1, 0);
    let mut liquid_tmp = math::LiquidScratch::default();
    for (i, ((trust, sa), bond_row)) in validator_trust
        .iter_mut()
        .zip(active_stake.iter())
        .zip(bonds_in.iter())
        .enumerate()
    {
        let w_row = weights.row(i);
        clipped.offsets.truncate(1);
        clipped.cols.clear();
        clipped.vals.clear();
        let mut t = ZERO;
        clipped.append_row(w_row.0.len(), |out| {
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
                if let Some(r) = incentive.get_mut(jj) {
                    *r = r.saturating_add(sa.saturating_mul(c));
                }
            }
        });
        *trust = t;
        let wb_row = if beta == ZERO {
            w_row
        } else if beta == ONE {
            clipped.row(0)
        } else {
            mixed.offsets.truncate(1);
            mixed.cols.clear();
            mixed.vals.clear();
            let cap = w_row.0.len() + clipped.cols.len();
            mixed.append_row(cap, |out| {
                math::interpolate_row(w_row, clipped.row(0), beta, out);
            });
            mixed.row(0)
        };
        masked_bonds(bond_row, &mut old);
        let b_row = old.row(0);
        if yuma3 {
            let cap = wb_row.0.len() + b_row.0.len();
            next.append_row(cap, |out| match liquid {
                Some(laf) => {
                    math::ema_liquid_row(
                        wb_row,
                        b_row,
                        &consensus,
                        laf,
                        out,
                        &mut next_col_sum,
                        &mut liquid_tmp,
                    );
                }
                None => math::ema_row(wb_row, b_row, alpha, out, &mut next_col_sum),
            });
        } else {
            next.append_row(wb_row.0.len(), |out| {
                for (j, v) in wb_row.0.iter().zip(wb_row.1.iter()) {
                    let d = v.saturating_mul(*sa);
                    out.push(*j, d);
                    if let Some(s) = next_col_sum.get_mut(usize::from(*j)) {
                        *s = s.saturating_add(d);
                    }
                }
            });
            for (j, v) in b_row.0.iter().zip(b_row.1.iter()) {
                if let Some(s) = bond_col_sum.get_mut(usize::from(*j)) {
                    *s = s.saturating_add(*v);
                }
            }
        }
    }
    drop(clipped);
    drop(mixed);
    math::normalize(&mut incentive);

    let mut dividends: Vec<I32F32> = vec![ZERO; n];
    let mut new_bonds: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
    if yuma3 {
        let (ema_bonds, col_sum) = (next, next_col_sum);
        // D_i = Sa_i · Σ_j (B'_ij / Σ_k B'_kj) · I_j, the column normalisation done on the fly.
        let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
        for (i, ((d, sa), (np, out))) in dividends
            .iter_mut()
            .zip(active_stake.iter())
            .zip(new_permit.iter().zip(new_bonds.iter_mut()))
            .enumerate()
        {
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
                total = total.saturating_add(norm.saturating_mul(inc));
            }
            *d = total.checked_mul(*sa).unwrap_or(ZERO);
            if *np {
                *out = cols
                    .iter()
                    .zip(vals.iter())
                    .map(|(j, v)| (*j, math::to_u16_proportion(*v)))
                    .collect();
            }
        }
        math::normalize(&mut dividends);
    } else {
        // B' = α·colnorm(ΔB) + (1 − α)·colnorm(B), positive entries kept.
        let (delta, delta_col_sum) = (next, next_col_sum);
        let delta_div: Vec<DivBy> = delta_col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let bond_div: Vec<DivBy> = bond_col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let col_norm = |divs: &[DivBy], sums: &[I32F32], j: u16, v: I32F32| {
            let j = usize::from(j);
            match (sums.get(j), divs.get(j)) {
                (Some(s), Some(dv)) if *s != ZERO => dv.div(v),
                _ => v,
            }
        };
        ema_bonds.reset(n, delta.cols.len().saturating_add(nnz_bonds));
        let mut col_sum = vec![ZERO; n];
        let mut d_row = Csr::with_capacity(1, 0);
        for (i, bond_row) in bonds_in.iter().enumerate() {
            let (dc, dv) = delta.row(i);
            d_row.offsets.truncate(1);
            d_row.cols.clear();
            d_row.vals.clear();
            d_row.append_row(dc.len(), |out| {
                for (j, v) in dc.iter().zip(dv.iter()) {
                    out.push(*j, col_norm(&delta_div, &delta_col_sum, *j, *v));
                }
            });
            masked_bonds(bond_row, &mut old);
            for (j, v) in old.cols.iter().zip(old.vals.iter_mut()) {
                *v = col_norm(&bond_div, &bond_col_sum, *j, *v);
            }
            let b_row = old.row(0);
            ema_bonds.append_row(dc.len() + b_row.0.len(), |out| {
                math::ema_row(d_row.row(0), b_row, alpha, out, &mut col_sum);
            });
        }
        // Column normalisation, dividends D_i = Σ_j B'_ij·I_j and column maxima in one pass.
        let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let mut col_max = vec![ZERO; n];
        for (i, d) in dividends.iter_mut().enumerate() {
            let r = ema_bonds.range(i);
            let cols = ema_bonds.cols.get(r.clone()).unwrap_or(&[]);
            let vals = ema_bonds.vals.get_mut(r).unwrap_or(&mut []);
            let mut total = ZERO;
            for (j, v) in cols.iter().zip(vals.iter_mut()) {
                *v = col_norm(&col_div, &col_sum, *j, *v);
                let j = usize::from(*j);
                let x = incentive.get(j).copied().unwrap_or(ZERO);
                total = total.saturating_add(x.saturating_mul(*v));
                if let Some(mx) = col_max.get_mut(j)
                    && *mx < *v
                {
                    *mx = *v;
                }
            }
            *d = total;
        }
        math::normalize(&mut dividends);
        // Stored column-max-upscaled, for the uids that keep a permit.
        let max_div: Vec<DivBy> = col_max.iter().map(|s| DivBy::new(*s)).collect();
        for (i, (np, out)) in new_permit.iter().zip(new_bonds.iter_mut()).enumerate() {
            if *np {
                let (cols, vals) = ema_bonds.row(i);
                *out = cols
                    .iter()
                    .zip(vals.iter())
                    .map(|(j, v)| {
                        (
                            *j,
                            math::to_u16_proportion(col_norm(&max_div, &col_max, *j, *v)),
                        )
                    })
                    .collect();
            }
        }
    }
    drop(bonds_in);

    // 10. Emission split.
    let combined: Vec<I32F32> = incentive
        .iter()
        .zip(dividends.iter())
        .map(|(i, d)| i.saturating_add(*d))
        .collect();
    let emission_sum = math::sum(&combined);
    let mut server_share = incentive.clone();
    let mut validator_share = dividends.clone();
    let mut combined_share = combined;
    math::normalize_with_sum(&mut server_share, emission_sum);
    math::normalize_with_sum(&mut validator_share, emission_sum);
    math::normalize(&mut combined_share);
    if emission_sum == ZERO {
        let fallback = if math::sum(&active_stake) == ZERO {
            &stake
        } else {
            &active_stake
        };
        validator_share.clone_from(fallback);
        combined_share.clone_from(fallback);
    }
    let rao = I96F32::saturating_from_num(input.emission);
    let to_rao = |x: &Vec<I32F32>| -> Vec<u64> {
        x.iter()
            .map(|v| {
                I96F32::saturating_from_num(*v)
                    .saturating_mul(rao)
                    .saturating_to_num::<u64>()
            })
            .collect()
    };
    let to_u16 =
        |x: &Vec<I32F32>| -> Vec<u16> { x.iter().map(|v| math::to_u16_proportion(*v)).collect() };

    Ok(EpochOutput {
        active,
        consensus: to_u16(&consensus),
        incentive: to_u16(&incentive),
        dividends: to_u16(&dividends),
        validator_trust: to_u16(&validator_trust),
        stake_weight: to_u16(&stake),
        server_emission: to_rao(&server_share),
        validator_emission: to_rao(&validator_share),
        emission: to_rao(&combined_share),
        validator_permit: new_permit,
        bonds: new_bonds,
    })
}
