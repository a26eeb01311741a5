//! Yuma Consensus for one subnet epoch, as a pure, deterministic, fixed-point function —
//! bit for bit subtensor's production *sparse* epoch (`epoch_mechanism`). Multi-epoch
//! scenarios (`taonet sim yuma`) are the separate crate `taonet-yuma-sim`.
//!
//! ```text
//!  EpochInput (stake, weights, bonds, last_update, registered_at, old permits, params)
//!     │ validate (lengths, uid ranges, duplicates) ──▶ YumaError
//!     ▼
//!  activity ─▶ stake S ─▶ permits (old for now, top-k for next) ─▶ active stake Sa
//!     ─▶ masked, row-normalised W ─▶ consensus C (κ-median) ─▶ clipped Wc, trust
//!     ─▶ incentive I ─▶ bonds B' (original or Yuma 3) ─▶ dividends D ─▶ emission split
//!     ▼
//!  EpochOutput (u16 terms, rao emissions, new permits, new bonds)
//! ```
//!
//! The rules, step by step, are the documentation of [`epoch`](mod@epoch), which is also the
//! table of contents of [`epoch_with`] (one function per step); the fixed-point operations
//! and their rounding are the documentation of the private `math` modules (`scalar`,
//! `sparse`, `median`, `liquid_alpha`, `exp`).
//!
//! # Usage
//!
//! ```
//! use taonet_yuma::{epoch, EpochInput, Hyperparams};
//!
//! // Two validators (uids 0, 1) with permits from the previous epoch, two miners (2, 3).
//! let input = EpochInput {
//!     block: 100,
//!     stake: vec![600, 400, 0, 0],
//!     weights: vec![vec![(2, 65535), (3, 32768)], vec![(2, 65535)], vec![], vec![]],
//!     bonds: vec![vec![]; 4],
//!     last_update: vec![99, 99, 1, 1],
//!     registered_at: vec![1, 1, 1, 1],
//!     validator_permit: vec![true, true, false, false],
//!     owner_uid: None,
//!     commit_reveal: None,
//!     last_epoch_block: Some(50),
//!     emission: 1_000_000_000,
//!     params: Hyperparams::default(),
//! };
//! let out = epoch(&input)?;
//! assert!(out.incentive[2] > out.incentive[3]);
//! assert!(out.server_emission.iter().sum::<u64>() <= 500_000_000);
//! assert_eq!(out.validator_permit, vec![true, true, false, false]);
//! # Ok::<(), taonet_yuma::YumaError>(())
//! ```
//!
//! What the chain stores from `set_weights` is the row max-upscaled ([`max_upscale`]):
//!
//! ```
//! assert_eq!(taonet_yuma::max_upscale(&[1, 2]), [32768, 65535]);
//! ```
//!
//! # Public API
//!
//! * [`epoch()`]`(&EpochInput) -> Result<EpochOutput, YumaError>` — one epoch;
//!   [`epoch_with`]`(&mut EpochScratch, &EpochInput)` the same, reusing an
//!   [`EpochScratch`]'s buffers across calls (identical output, no fresh page faults).
//! * [`Parallelism`] — how many threads an epoch may use, set per scratch
//!   ([`EpochScratch::with_parallelism`]): `Auto` (the default, also of [`epoch()`]: the
//!   machine's cores for large epochs), `Sequential` (never spawns a thread) or
//!   `Threads(k)`. The output is the same bits for every choice.
//! * [`Hyperparams`] / [`LiquidAlpha`] — `Default` is a newly registered subnet.
//! * [`max_upscale`]`(&[u16]) -> Vec<u16>` — the chain's weight normalisation on
//!   `set_weights` ([`weights`]).
//!
//! # Invariants
//!
//! * Pure: no I/O, no clock, no randomness, no hash-map iteration; the same input gives the
//!   same output on every machine.
//! * Parallel but deterministic: large epochs split their per-row and per-column stages
//!   into fixed blocks run on scoped threads; every block writes only its own rows or
//!   columns, and what blocks share (column sums, maxima) is combined in block order with
//!   operations that do not depend on the grouping — exact integer sums, maxima, and
//!   saturating sums of terms that are all ≥ 0 (`min(exact sum, MAX)` in any grouping). So
//!   the thread count and the split never change a bit (tested against the sequential
//!   path on random subnets).
//! * No floats (`#![deny(clippy::float_arithmetic)]` on every module that computes):
//!   I32F32 / I64F64 / I96F32 from the `fixed` crate, whose multiply (floor) and divide
//!   (truncate) match substrate-fixed's for every operation used. No serde either: parsing
//!   scenario files is `taonet-yuma-sim`'s.
//! * Never panics on any input: inconsistent input (length mismatch, uid out of range,
//!   duplicate uid, owner out of range, total stake beyond I64F64) is a [`YumaError`];
//!   arithmetic saturates like the reference.
//! * Sparse: cost grows with the number of non-zero weights and bonds (plus O(n log n) for
//!   the permit sort), never with n².
//! * Outputs are floored exactly like the reference: u16 terms are `floor(x·65535)`, rao
//!   emissions `floor(x·E)` in I96F32, so sums may fall short of 65535 or E.
//! * Liquid alpha's `exp` is substrate-fixed's 32-term Taylor series operation for operation
//!   (including its loss of accuracy near |x| = 20), not a real exponential.
#![forbid(unsafe_code)]

pub mod epoch;
pub mod error;
mod math;
mod par;
pub mod params;
pub mod weights;

pub use epoch::{EpochInput, EpochOutput, EpochScratch, epoch, epoch_with};
pub use error::YumaError;
pub use par::Parallelism;
pub use params::{Hyperparams, LiquidAlpha};
pub use weights::max_upscale;
