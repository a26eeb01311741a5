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
//!
//! Execution: the per-row stages (input checks, 5, 7–9, 9's dividends and bond outputs)
//! and the per-column median (6) run in blocks of rows or columns, on several threads when
//! the scratch's [`Parallelism`] allows; every block writes only its own rows or columns,
//! and column sums and maxima are combined in block order (all summed terms are ≥ 0, so
//! the saturating sums equal the sequential ones). One sparse matrix holds W and is then
//! rewritten in place, row by row, into B' (Yuma 3) or ΔB and B' (original).

#![deny(clippy::float_arithmetic)]

use crate::error::YumaError;
use crate::math::{self, Csr, DivBy, LiquidAlphaFixed, ONE, RowBuf, ZERO};
use crate::par::{self, Parallelism};
use crate::params::Hyperparams;
use fixed::types::{I32F32, I64F64, I96F32};
use std::borrow::Cow;
use std::ops::Range;

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
/// their multi-MiB buffers instead of mapping (and page-faulting) fresh ones every call,
/// and the [`Parallelism`] the epoch runs with. It holds no state that affects results: any
/// scratch, with any parallelism, gives the same output as a new one.
#[derive(Debug, Default)]
pub struct EpochScratch {
    /// One sparse matrix rewritten row by row, in place: W, then B' (Yuma 3) or ΔB and
    /// then B' (original).
    matrix: Csr,
    median: Vec<Vec<u64>>,
    parallelism: Parallelism,
}

impl EpochScratch {
    /// An empty scratch with [`Parallelism::Auto`]; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty scratch running epochs with `parallelism`
    /// ([`Parallelism::Sequential`] never spawns a thread).
    pub fn with_parallelism(parallelism: Parallelism) -> Self {
        Self {
            parallelism,
            ..Self::default()
        }
    }

    /// The parallelism epochs run with.
    pub fn parallelism(&self) -> Parallelism {
        self.parallelism
    }

    /// Change the parallelism of later epochs (the output does not depend on it).
    pub fn set_parallelism(&mut self, parallelism: Parallelism) {
        self.parallelism = parallelism;
    }
}

/// Run one epoch. Pure and deterministic; returns a typed error for inconsistent input and
/// never panics. Same as [`epoch_with`] on a fresh [`EpochScratch`] (so with
/// [`Parallelism::Auto`]: large epochs use the machine's cores, with the same output).
pub fn epoch(input: &EpochInput) -> Result<EpochOutput, YumaError> {
    epoch_with(&mut EpochScratch::default(), input)
}

/// [`epoch`], reusing `scratch`'s buffers (faster when called repeatedly) and running with
/// its [`Parallelism`]; the output is identical.
pub fn epoch_with(
    scratch: &mut EpochScratch,
    input: &EpochInput,
) -> Result<EpochOutput, YumaError> {
    let EpochScratch {
        matrix,
        median: median_bufs,
        parallelism,
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
    let weights_in = sorted_rows("weights", &input.weights, n, plan.threads, &row_blocks)?;
    let bonds_in = sorted_rows("bonds", &input.bonds, n, plan.threads, &row_blocks)?;
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
    // one pass per row (row blocks concurrently, each writing only its rows).
    //
    // Every later matrix is written over W in place, row i over row i: B' (Yuma 3) and ΔB
    // (original) have at most |W_i ∪ B_i| ≤ min(|W_i| + |B_i|, n) entries per row (columns
    // of W or of the stored bonds B), and so has the original's B', so row i gets that
    // many slots. A pass reads row i (into a row buffer) before it rewrites it.
    let registered_at = &input.registered_at;
    matrix.layout((0..n).map(|i| {
        let w = weights_in.get(i).map_or(0, |r| r.len());
        let b = bonds_in.get(i).map_or(0, |r| r.len());
        w.saturating_add(b).min(n)
    }));
    par::fork_join(plan.threads, matrix.rows_mut(&row_blocks), |mut rows| {
        for i in rows.rows() {
            let (Some(row), true) = (weights_in.get(i), permit.get(i).copied().unwrap_or(false))
            else {
                continue;
            };
            let lu = input.last_update.get(i).copied().unwrap_or(0);
            let commit = input
                .commit_reveal
                .as_ref()
                .map(|cr| cr.get(i).copied().flatten().unwrap_or(u64::MAX));
            let mut total = ZERO;
            rows.fill_row(i, |out| {
                for (j, v) in row.iter() {
                    let jj = usize::from(*j);
                    let reg = registered_at.get(jj).copied().unwrap_or(0);
                    if (jj != i || owner == Some(i))
                        && lu > reg
                        && commit.is_none_or(|cb| cb >= reg)
                    {
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
    });
    drop(weights_in);

    // 6. Consensus.
    let kappa = math::u16_proportion(p.kappa);
    let consensus = math::weighted_median_cols(&active_stake, matrix, n, kappa, plan, median_bufs);

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
    let masked_bonds = |row: &[(u16, u16)], out: &mut RowBuf| {
        out.fill(row.len(), |out| {
            for (j, v) in row {
                let reg = registered_at.get(usize::from(*j)).copied().unwrap_or(0);
                if last_tempo > reg {
                    out.push(*j, bond_value(*v));
                }
            }
        });
    };

    // The row blocks run concurrently; each returns its own column sums (of the ranks,
    // of B' or ΔB, and of the masked stored bonds), added up below in block order.
    //
    // Why the sums equal the sequential saturating ones: every term is ≥ 0 (stakes, weights
    // and stored bonds are ≥ 0, so ranks Sa·Wc and ΔB = Wb·Sa are; the EMAs keep only values
    // > 0), and saturating addition of non-negative terms is min(exact sum, MAX) whatever
    // the grouping or order — so splitting rows into blocks cannot change any bit.
    let mut validator_trust = vec![ZERO; n];
    // Each row of W is replaced by the new bonds B' (Yuma 3) or by ΔB (original).
    struct RowPass {
        incentive: Vec<I32F32>,
        next_col_sum: Vec<I32F32>,
        bond_col_sum: Vec<I32F32>,
    }
    let jobs: Vec<_> = matrix
        .rows_mut(&row_blocks)
        .into_iter()
        .zip(par::chunks_mut(&mut validator_trust, &row_blocks))
        .collect();
    let parts = par::fork_join(plan.threads, jobs, |(mut rows, trust)| {
        let mut incentive = vec![ZERO; n];
        let mut next_col_sum = vec![ZERO; n];
        // Original only: column sums of the masked stored bonds.
        let mut bond_col_sum = if yuma3 { Vec::new() } else { vec![ZERO; n] };
        let mut w_buf = RowBuf::default();
        let mut clipped = RowBuf::default();
        let mut mixed = RowBuf::default();
        let mut old = RowBuf::default();
        let mut liquid_tmp = math::LiquidScratch::default();
        for (i, trust) in rows.rows().zip(trust.iter_mut()) {
            let sa = active_stake.get(i).copied().unwrap_or(ZERO);
            w_buf.copy_from(rows.row(i));
            let w_row = w_buf.row();
            let mut t = ZERO;
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
                    if let Some(r) = incentive.get_mut(jj) {
                        *r = r.saturating_add(math::smul(sa, c));
                    }
                }
            });
            *trust = t;
            let wb_row = if beta == ZERO {
                w_row
            } else if beta == ONE {
                clipped.row()
            } else {
                let cap = w_row.0.len() + clipped.row().0.len();
                mixed.fill(cap, |out| {
                    math::interpolate_row(w_row, clipped.row(), beta, out);
                });
                mixed.row()
            };
            masked_bonds(bonds_in.get(i).map_or(&[][..], |r| r), &mut old);
            let b_row = old.row();
            if yuma3 {
                rows.fill_row(i, |out| match liquid {
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
                rows.fill_row(i, |out| {
                    for (j, v) in wb_row.0.iter().zip(wb_row.1.iter()) {
                        let d = math::smul(*v, sa);
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
        RowPass {
            incentive,
            next_col_sum,
            bond_col_sum,
        }
    });
    let mut incentive = vec![ZERO; n];
    let mut next_col_sum = vec![ZERO; n];
    let mut bond_col_sum = vec![ZERO; n];
    for part in parts {
        par::add_non_negative(&mut incentive, &part.incentive);
        par::add_non_negative(&mut next_col_sum, &part.next_col_sum);
        par::add_non_negative(&mut bond_col_sum, &part.bond_col_sum);
    }
    math::normalize(&mut incentive);

    let mut dividends: Vec<I32F32> = vec![ZERO; n];
    let mut new_bonds: Vec<Vec<(u16, u16)>> = vec![Vec::new(); n];
    if yuma3 {
        let (ema_bonds, col_sum): (&Csr, _) = (matrix, next_col_sum);
        // D_i = Sa_i · Σ_j (B'_ij / Σ_k B'_kj) · I_j, the column normalisation done on the fly.
        let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let jobs: Vec<_> = row_blocks
            .iter()
            .cloned()
            .zip(par::chunks_mut(&mut dividends, &row_blocks))
            .zip(par::chunks_mut(&mut new_bonds, &row_blocks))
            .collect();
        par::fork_join(plan.threads, jobs, |((r, dividends), new_bonds)| {
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
                    total = total.saturating_add(math::smul(norm, inc));
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
    } else {
        // B' = α·colnorm(ΔB) + (1 − α)·colnorm(B), positive entries kept.
        let delta_col_sum = next_col_sum;
        let delta_div: Vec<DivBy> = delta_col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let bond_div: Vec<DivBy> = bond_col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let col_norm = |divs: &[DivBy], sums: &[I32F32], j: u16, v: I32F32| {
            let j = usize::from(j);
            match (sums.get(j), divs.get(j)) {
                (Some(s), Some(dv)) if *s != ZERO => dv.div(v),
                _ => v,
            }
        };
        // Each row of ΔB is replaced by B'. Column sums per row block, added in block order
        // (the EMA keeps only values > 0).
        let parts = par::fork_join(plan.threads, matrix.rows_mut(&row_blocks), |mut rows| {
            let mut col_sum = vec![ZERO; n];
            let mut d_row = RowBuf::default();
            let mut old = RowBuf::default();
            for i in rows.rows() {
                let (dc, dv) = rows.row(i);
                d_row.fill(dc.len(), |out| {
                    for (j, v) in dc.iter().zip(dv.iter()) {
                        out.push(*j, col_norm(&delta_div, &delta_col_sum, *j, *v));
                    }
                });
                masked_bonds(bonds_in.get(i).map_or(&[][..], |r| r), &mut old);
                let (oc, ov) = old.row_mut();
                for (j, v) in oc.iter().zip(ov.iter_mut()) {
                    *v = col_norm(&bond_div, &bond_col_sum, *j, *v);
                }
                let b_row = old.row();
                rows.fill_row(i, |out| {
                    math::ema_row(d_row.row(), b_row, alpha, out, &mut col_sum);
                });
            }
            col_sum
        });
        let mut col_sum = vec![ZERO; n];
        for part in parts {
            par::add_non_negative(&mut col_sum, &part);
        }
        // Column normalisation, dividends D_i = Σ_j B'_ij·I_j and column maxima in one pass
        // (maxima per row block, combined in block order: max does not depend on grouping).
        let col_div: Vec<DivBy> = col_sum.iter().map(|s| DivBy::new(*s)).collect();
        let jobs: Vec<_> = matrix
            .rows_mut(&row_blocks)
            .into_iter()
            .zip(par::chunks_mut(&mut dividends, &row_blocks))
            .collect();
        let parts = par::fork_join(plan.threads, jobs, |(mut rows, dividends)| {
            let mut col_max = vec![ZERO; n];
            for (i, d) in rows.rows().zip(dividends.iter_mut()) {
                let (cols, vals) = rows.row_mut(i);
                let mut total = ZERO;
                for (j, v) in cols.iter().zip(vals.iter_mut()) {
                    *v = col_norm(&col_div, &col_sum, *j, *v);
                    let j = usize::from(*j);
                    let x = incentive.get(j).copied().unwrap_or(ZERO);
                    total = total.saturating_add(math::smul(x, *v));
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
        math::normalize(&mut dividends);
        // Stored column-max-upscaled, for the uids that keep a permit.
        let max_div: Vec<DivBy> = col_max.iter().map(|s| DivBy::new(*s)).collect();
        let ema_bonds: &Csr = matrix;
        let jobs: Vec<_> = row_blocks
            .iter()
            .cloned()
            .zip(par::chunks_mut(&mut new_bonds, &row_blocks))
            .collect();
        par::fork_join(plan.threads, jobs, |(r, new_bonds)| {
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
                            math::to_u16_proportion(col_norm(&max_div, &col_max, *j, *v)),
                        )
                    })
                    .collect();
            }
        });
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
