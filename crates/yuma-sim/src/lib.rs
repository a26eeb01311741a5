//! Multi-epoch Yuma Consensus scenarios: a small simulated subnet driven by a JSON script,
//! each epoch computed by [`taonet_yuma::epoch()`] — what `taonet sim yuma` runs and what the
//! example scenarios under `examples/yuma/` are written in (format reference:
//! `docs/sim-yuma.md`).
//!
//! This is a tool for exploring economics, not consensus code: it parses JSON (serde) and
//! reads liquid-alpha bounds as decimals, which is why it lives outside `taonet-yuma`.
//!
//! ```text
//!  JSON text ──▶ Scenario::from_json_str (defaults, path-named errors) ──▶ Scenario
//!     │ run / run_with: steps in order on a simulated subnet (an EpochInput kept up to date)
//!     ▼
//!  EpochReport per epoch ──▶ to_json_line (JSON lines) / summary_table (text)
//! ```
//!
//! # The script
//!
//! The runner keeps the chain state the epoch reads (stake, weights, bonds, last update,
//! registration block, permits, last epoch block) and applies the steps in order:
//!
//! * `{"set_weights": {"uid": U, "weights": {"3": 65535, "4": 0}}}` — like the chain's
//!   `set_weights` at the current block: the row is max-upscaled so its maximum is 65535
//!   ([`taonet_yuma::max_upscale`]: round to nearest, in the chain's own fixed-point
//!   arithmetic), explicit zeros are kept, and `last_update[U] := block`. No admission
//!   checks (permit, rate limit, stake) are applied: the epoch's masks decide what counts.
//! * `{"advance_to": B}` — move the current block to `B` (never backwards).
//! * `{"epoch": {}}` — run one epoch at the current block with `params.emission_per_epoch`
//!   rao; new bonds and permits replace the old ones and the block is recorded as the last
//!   epoch block (for the next epoch's bond mask).
//! * `{"epochs": {"count": K}}` — K times: advance by `params.tempo` blocks, run an epoch.
//! * `{"replace": {"uid": U, "stake": S}}` — a new neuron takes uid U at the current block:
//!   `registered_at = last_update = block`, its weights and bonds rows emptied, its permit
//!   cleared, its stake set.
//! * `{"set_stake": {"uid": U, "stake": S}}` — change a stake.
//!
//! `neurons[i]` is uid i, with `last_update = registered_at` and no permit at the start.
//! Omitted parameters take [`Hyperparams::default`](taonet_yuma::Hyperparams::default) (a
//! new subnet: Yuma 3 on) and `emission_per_epoch = 1e9`; `start_block` defaults to 1 and
//! `owner_uid` to none. `liquid_alpha.alpha_low/alpha_high` are decimals in [0, 1],
//! converted once to u16 (`round(x·65535)`).
//!
//! # Usage
//!
//! ```
//! use taonet_yuma_sim::Scenario;
//!
//! let text = r#"{"neurons": [{"stake": 10}, {"stake": 0}],
//!                "steps": [{"epoch": {}}, {"advance_to": 2},
//!                          {"set_weights": {"uid": 0, "weights": {"1": 65535}}},
//!                          {"epochs": {"count": 2}}]}"#;
//! let scenario = Scenario::from_json_str(text)?;
//! scenario.run_with(|report| println!("{}", report.to_json_line()))?;
//! let reports = scenario.run()?;
//! assert_eq!(reports.len(), 3);
//! // The first epoch issues uid 0 its permit; after its weights, uid 1 earns the incentive.
//! assert_eq!(reports[2].output.incentive, vec![0, 65535]);
//! for report in &reports {
//!     print!("{}", report.summary_table());
//! }
//! # Ok::<(), taonet_yuma_sim::ScenarioError>(())
//! ```
//!
//! # Public API
//!
//! * [`Scenario::from_json_str`]`(&str) -> Result<Scenario, ScenarioError>` (or build a
//!   [`Scenario`] in Rust: exact u16 hyperparameters, [`Step`]s, [`NeuronSpec`]s);
//! * [`Scenario::run`]`() -> Result<Vec<EpochReport>, ScenarioError>` and
//!   [`Scenario::run_with`]`(FnMut(&EpochReport))` (streaming);
//! * per report [`EpochReport::to_json_line`], [`EpochReport::summary_table`] and
//!   [`EpochReport::dense_bonds`].
//!
//! # Invariants
//!
//! * Deterministic: the same scenario gives the same reports, bit for bit, on every machine
//!   (the epoch is pure fixed point; the only floats convert the liquid-alpha bounds once,
//!   at parse time).
//! * Never panics on any input text: bad JSON, unknown fields, uids out of range and blocks
//!   going backwards are [`ScenarioError`]s naming the JSON path (fuzzed:
//!   `fuzz/fuzz_targets/yuma_scenario.rs`).
//! * A validated scenario's epochs cannot fail; [`ScenarioError::Epoch`] would be a bug.
#![forbid(unsafe_code)]

mod error;
mod format;
mod report;
mod run;

pub use error::ScenarioError;
pub use format::{NeuronSpec, Scenario, Step};
pub use report::EpochReport;
