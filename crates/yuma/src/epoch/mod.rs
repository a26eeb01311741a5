//! One Yuma Consensus epoch of one subnet: subtensor's production sparse epoch
//! (`epoch_mechanism`), bit for bit.
//!
//! `n` is the number of uids (`stake.len()`), `b` the current block. `I32F32` unless said
//! otherwise; "normalise" means divide by the sum unless the sum is 0.
//!
//! The steps below are the table of contents of [`epoch_with`], which calls one function
//! per step (named after each heading, in the submodules `check`, `stake`, `weights`,
//! `clipping`, `bonds`, `dividends`, `emission`).
//!
//! 0. **Input checks** (`check::check`): lengths, uid ranges, duplicates, the owner; the
//!    rows sorted by uid; the row blocks and threads of the parallel stages.
//! 1. **Activity** (`stake::activity`). `active_i = !(last_update_i + activity_cutoff < b)`
//!    (saturating add).
//! 2. **Stake** (`stake::stake`). Raw stake as I64F64; zeroed when below `stake_threshold`
//!    (the owner uid is exempt); normalised in I64F64 and truncated to I32F32 → `S` (stored
//!    as `stake_weight`).
//! 3. **Permits** (`stake::permits`). This epoch uses the *previous* permits `P` (owner
//!    forced true). The new permits are the top `max_allowed_validators` of `S`: entries with
//!    `S = 0` never qualify; if `n ≥ k`, a stable ascending sort by `S` clears the first
//!    `n − k` (ties drop lower uids first); the owner is forced true. They are returned for
//!    the next epoch.
//! 4. **Active stake** (`stake::active_stake`). `Sa = S` with inactive uids and uids without
//!    `P` zeroed, normalised.
//! 5. **Weights** (`weights::masked_weights`). Stored u16 weights as plain numbers; drop rows
//!    without `P`; drop self-weights except the owner's; drop `w_ij` where
//!    `last_update_i ≤ registered_at_j` (outdated); with commit–reveal, drop `w_ij` where
//!    `i`'s earliest active commit block `< registered_at_j`; normalise each row with a
//!    positive sum (explicit zeros survive).
//! 6. **Consensus** (`weights::consensus`). `C_j` = stake-weighted median of column `j` at
//!    `κ = kappa/65535` over the rows with `Sa > 0` (stakes renormalised, a missing entry
//!    counts as 0): the smallest weight `v` in the column with `stake(w ≤ v) > ΣSa − κ` (see
//!    `math::median`).
//! 7. **Clipping** (`clipping::clip_row`, per row). `Wc_ij = min(w_ij, C_j)`, dropping
//!    entries clipped to a zero threshold. Validator trust `VT_i = Σ_j Wc_ij`.
//! 8. **Incentive** (`clipping::clip_row` sums the ranks, `clipping::incentive` normalises).
//!    `rank_j = Σ_i Sa_i·Wc_ij`; `I` = rank normalised.
//! 9. **Bonds** (`bonds::BondRules`, the fused pass `bonds::row_pass` of steps 7–9, then
//!    `dividends::yuma3` or `dividends::original`). `Wb = W + β·(Wc − W)` with
//!    `β = bonds_penalty/65535` (β = 0 gives `W` as is, β = 1 gives `Wc`; otherwise only
//!    positive entries are kept). Stored bonds toward uids registered at or after
//!    `last_tempo` are dropped, where `last_tempo = last_epoch_block + 1`, or `b − tempo`
//!    when the subnet never ran an epoch (`None` or `Some(0)`).
//!    * *Original Yuma* (`yuma3 = false`): `B` = stored u16 values as numbers, masked, column
//!      normalised; `ΔB = Wb ∘ Sa` column normalised; `B' = α·ΔB + (1 − α)·B` with
//!      `α = 1 − bma/10⁶` (liquid alpha ignored), positive entries kept, column normalised;
//!      `D_i = Σ_j B'_ij·I_j` normalised; bonds stored column-max-upscaled.
//!    * *Yuma 3*: `B` = stored u16/65535, masked. With liquid alpha on and some `C_j ≠ 0`:
//!      only entries of the `Wb` row survive (a bond toward an omitted uid is lost at once),
//!      `B'_ij = min(1, (1 − α_ij)·B_ij + max(0, α_ij·Wb_ij))`, `α_ij` the sigmoid of
//!      `math::liquid_alpha`; otherwise `B' = α·Wb + (1 − α)·B` (positive entries).
//!      `D_i = Sa_i·Σ_j colnorm(B')_ij·I_j` normalised; `B'` stored as is.
//!
//!    The new bond row of a uid is stored only if its *new* permit is true; otherwise it is
//!    empty (a validator losing its permit loses its bonds).
//! 10. **Emission** (`emission::split`). `Σ = Σ(I + D)`; server share `I/Σ`, validator share
//!     `D/Σ`, combined `normalise(I + D)`. If `Σ = 0` the validator and combined shares are
//!     `Sa`, or `S` when `Sa` is all zero. Each share is multiplied by the epoch's rao in
//!     I96F32 and floored to u64, so the totals may fall short of the input by rounding.
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

mod bonds;
mod check;
mod clipping;
mod dividends;
mod emission;
mod stake;
mod weights;

use crate::error::YumaError;
use crate::math::{self, Csr};
use crate::par::Parallelism;
use crate::params::Hyperparams;
use fixed::types::I32F32;

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
    /// The subnet's hyperparameters as of this epoch.
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
///
/// One call per step of the module documentation, in order; the intermediate vectors pass
/// from step to step.
pub fn epoch_with(
    scratch: &mut EpochScratch,
    input: &EpochInput,
) -> Result<EpochOutput, YumaError> {
    let EpochScratch {
        matrix,
        median: median_bufs,
        parallelism,
    } = scratch;
    let (subnet, rows) = check::check(input, *parallelism)?;
    let s = &subnet;
    let active = stake::activity(s);
    let stake = stake::stake(s)?;
    let permits = stake::permits(s, &stake);
    let active_stake = stake::active_stake(&stake, &active, &permits.current);
    weights::masked_weights(s, matrix, rows.weights, &rows.bonds, &permits.current);
    let consensus = weights::consensus(s, matrix, &active_stake, median_bufs);
    let rules = bonds::BondRules::new(s, &consensus);
    let pass = bonds::row_pass(
        s,
        matrix,
        &bonds::PassInputs {
            active_stake: &active_stake,
            consensus: &consensus,
            bonds_in: &rows.bonds,
            rules: &rules,
        },
    );
    let incentive = clipping::incentive(pass.ranks);
    let dividends = if rules.yuma3 {
        dividends::yuma3(
            s,
            matrix,
            &pass.next_col_sum,
            &incentive,
            &active_stake,
            &permits.next,
        )
    } else {
        let inputs = dividends::OriginalInputs {
            rules: &rules,
            bonds_in: &rows.bonds,
            delta_col_sum: &pass.next_col_sum,
            bond_col_sum: &pass.bond_col_sum,
        };
        dividends::original(s, matrix, &inputs, &incentive, &permits.next)
    };
    drop(rows.bonds);
    let emission = emission::split(
        input.emission,
        &incentive,
        &dividends.dividends,
        &stake,
        &active_stake,
    );
    Ok(EpochOutput {
        active,
        consensus: u16_terms(&consensus),
        incentive: u16_terms(&incentive),
        dividends: u16_terms(&dividends.dividends),
        validator_trust: u16_terms(&pass.validator_trust),
        stake_weight: u16_terms(&stake),
        server_emission: emission.server,
        validator_emission: emission.validator,
        emission: emission.combined,
        validator_permit: permits.next,
        bonds: dividends.bonds,
    })
}

/// `floor(x·65535)` per entry, the u16 form of every term of [`EpochOutput`].
fn u16_terms(x: &[I32F32]) -> Vec<u16> {
    x.iter().map(|v| math::to_u16_proportion(*v)).collect()
}
