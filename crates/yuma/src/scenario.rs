//! Multi-epoch scenarios: a small simulated subnet driven by a JSON script.
//!
//! The runner keeps the chain state the epoch reads (stake, weights, bonds, last update,
//! registration block, permits, last epoch block) and applies the steps in order:
//!
//! * `{"set_weights": {"uid": U, "weights": {"3": 65535, "4": 0}}}` — like the chain's
//!   `set_weights` at the current block: the row is max-upscaled so its maximum is 65535
//!   (round to nearest, in the chain's own fixed-point arithmetic), explicit zeros are kept,
//!   and `last_update[U] := block`. No admission checks (permit, rate limit, stake) are
//!   applied: the epoch's masks decide what counts.
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
//! Omitted parameters take [`Hyperparams::default`] (a new subnet: Yuma 3 on) and
//! `emission_per_epoch = 1e9`; `start_block` defaults to 1 and `owner_uid` to none.
//! `liquid_alpha.alpha_low/alpha_high` are decimals in [0, 1], converted once here to u16
//! (`round(x·65535)`) — the only floats in the crate, kept out of the epoch math.

use crate::epoch::{EpochInput, EpochOutput, epoch};
use crate::error::YumaError;
use crate::params::{Hyperparams, LiquidAlpha};
use fixed::types::I32F32;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use thiserror::Error;

/// Why a scenario was rejected or stopped.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The JSON does not parse into a scenario; `path` locates the problem.
    #[error("{path}: {message}")]
    Json {
        /// JSON path of the problem, e.g. `steps[2].set_weights.uid`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// The scenario parses but says something impossible.
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path of the problem, e.g. `steps[3].set_weights.uid`.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// The epoch rejected the state (should not happen for a validated scenario).
    #[error("steps[{step}]: epoch failed: {source}")]
    Epoch {
        /// Index of the step that ran the epoch.
        step: usize,
        /// The epoch's error.
        source: YumaError,
    },
}

/// Liquid-alpha settings as written in a scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LiquidAlphaJson {
    enabled: bool,
    alpha_low: f64,
    alpha_high: f64,
    steepness: i16,
}

impl Default for LiquidAlphaJson {
    fn default() -> Self {
        Self {
            enabled: false,
            alpha_low: 0.7,
            alpha_high: 0.9,
            steepness: 1000,
        }
    }
}

/// Hyperparameters as written in a scenario file (every field optional).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ParamsJson {
    kappa: u16,
    bonds_moving_average: u64,
    bonds_penalty: u16,
    yuma3: bool,
    liquid_alpha: LiquidAlphaJson,
    activity_cutoff: u64,
    max_allowed_validators: u16,
    stake_threshold: u64,
    tempo: u16,
    emission_per_epoch: u64,
}

impl Default for ParamsJson {
    fn default() -> Self {
        let h = Hyperparams::default();
        Self {
            kappa: h.kappa,
            bonds_moving_average: h.bonds_moving_average,
            bonds_penalty: h.bonds_penalty,
            yuma3: h.yuma3,
            liquid_alpha: LiquidAlphaJson::default(),
            activity_cutoff: h.activity_cutoff,
            max_allowed_validators: h.max_allowed_validators,
            stake_threshold: h.stake_threshold,
            tempo: h.tempo,
            emission_per_epoch: 1_000_000_000,
        }
    }
}

/// One neuron at the start of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeuronSpec {
    /// Stake in rao.
    pub stake: u64,
    /// Registration block.
    #[serde(default)]
    pub registered_at: u64,
}

/// One scripted action (see the module docs).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Set a validator's weights at the current block.
    SetWeights {
        /// The validator.
        uid: u16,
        /// Target uid → raw weight (max-upscaled when stored).
        weights: BTreeMap<u16, u16>,
    },
    /// Move the current block forward.
    AdvanceTo(u64),
    /// Run one epoch at the current block.
    Epoch {},
    /// Run `count` epochs, each `tempo` blocks after the previous block.
    Epochs {
        /// How many.
        count: u32,
    },
    /// Register a new neuron on `uid` at the current block.
    Replace {
        /// The uid taken over.
        uid: u16,
        /// The new neuron's stake.
        stake: u64,
    },
    /// Change a uid's stake.
    SetStake {
        /// The uid.
        uid: u16,
        /// The new stake.
        stake: u64,
    },
}

impl Step {
    fn name(&self) -> &'static str {
        match self {
            Step::SetWeights { .. } => "set_weights",
            Step::AdvanceTo(_) => "advance_to",
            Step::Epoch {} => "epoch",
            Step::Epochs { .. } => "epochs",
            Step::Replace { .. } => "replace",
            Step::SetStake { .. } => "set_stake",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioJson {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    params: ParamsJson,
    neurons: Vec<NeuronSpec>,
    #[serde(default)]
    owner_uid: Option<u16>,
    #[serde(default = "one")]
    start_block: u64,
    #[serde(default)]
    steps: Vec<Step>,
}

fn one() -> u64 {
    1
}

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Free text explaining what the scenario shows.
    pub description: Option<String>,
    /// Hyperparameters (liquid-alpha bounds already converted to u16).
    pub params: Hyperparams,
    /// Rao emitted per epoch.
    pub emission_per_epoch: u64,
    /// The initial neurons (uid = index).
    pub neurons: Vec<NeuronSpec>,
    /// The subnet owner's uid.
    pub owner_uid: Option<u16>,
    /// The block the scenario starts at.
    pub start_block: u64,
    /// The script.
    pub steps: Vec<Step>,
}

fn proportion(path: &str, x: f64) -> Result<u16, ScenarioError> {
    if !x.is_finite() || !(0.0..=1.0).contains(&x) {
        return Err(ScenarioError::Invalid {
            path: path.to_string(),
            message: format!("{x} is not a proportion in [0, 1]"),
        });
    }
    // In range by the check above, so the cast cannot saturate.
    Ok((x * f64::from(u16::MAX)).round() as u16)
}

impl Scenario {
    /// Parse and validate a scenario. Errors name the JSON path of the problem, e.g.
    /// `steps[3].set_weights.uid: uid 9 out of range (n = 5)`.
    pub fn from_json_str(text: &str) -> Result<Self, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let raw: ScenarioJson = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            ScenarioError::Json {
                path,
                message: e.into_inner().to_string(),
            }
        })?;
        let p = &raw.params;
        let params = Hyperparams {
            kappa: p.kappa,
            bonds_moving_average: p.bonds_moving_average,
            bonds_penalty: p.bonds_penalty,
            yuma3: p.yuma3,
            liquid_alpha: LiquidAlpha {
                enabled: p.liquid_alpha.enabled,
                alpha_low: proportion("params.liquid_alpha.alpha_low", p.liquid_alpha.alpha_low)?,
                alpha_high: proportion(
                    "params.liquid_alpha.alpha_high",
                    p.liquid_alpha.alpha_high,
                )?,
                steepness: p.liquid_alpha.steepness,
            },
            activity_cutoff: p.activity_cutoff,
            max_allowed_validators: p.max_allowed_validators,
            stake_threshold: p.stake_threshold,
            tempo: p.tempo,
        };
        let n = raw.neurons.len();
        if n == 0 || n > usize::from(u16::MAX) {
            return Err(ScenarioError::Invalid {
                path: "neurons".into(),
                message: format!("{n} neurons; need 1 to 65535"),
            });
        }
        let out_of_range = |path: String, uid: u16| ScenarioError::Invalid {
            path,
            message: format!("uid {uid} out of range (n = {n})"),
        };
        if let Some(o) = raw.owner_uid
            && usize::from(o) >= n
        {
            return Err(out_of_range("owner_uid".into(), o));
        }
        let mut block = raw.start_block;
        for (i, step) in raw.steps.iter().enumerate() {
            let at = |field: &str| format!("steps[{i}].{}.{field}", step.name());
            match step {
                Step::SetWeights { uid, weights } => {
                    if usize::from(*uid) >= n {
                        return Err(out_of_range(at("uid"), *uid));
                    }
                    if let Some(j) = weights.keys().find(|j| usize::from(**j) >= n) {
                        return Err(out_of_range(at(&format!("weights.{j}")), *j));
                    }
                }
                Step::AdvanceTo(b) => {
                    if *b < block {
                        return Err(ScenarioError::Invalid {
                            path: format!("steps[{i}].advance_to"),
                            message: format!("block {b} is before the current block {block}"),
                        });
                    }
                    block = *b;
                }
                Step::Epoch {} => {}
                Step::Epochs { count } => {
                    block = block
                        .saturating_add(u64::from(*count).saturating_mul(u64::from(params.tempo)));
                }
                Step::Replace { uid, .. } | Step::SetStake { uid, .. } => {
                    if usize::from(*uid) >= n {
                        return Err(out_of_range(at("uid"), *uid));
                    }
                }
            }
        }
        Ok(Self {
            description: raw.description,
            params,
            emission_per_epoch: raw.params.emission_per_epoch,
            neurons: raw.neurons,
            owner_uid: raw.owner_uid,
            start_block: raw.start_block,
            steps: raw.steps,
        })
    }

    /// Run the whole script and collect one report per epoch.
    pub fn run(&self) -> Result<Vec<EpochReport>, ScenarioError> {
        let mut reports = Vec::new();
        self.run_with(|r| reports.push(r.clone()))?;
        Ok(reports)
    }

    /// Run the script, calling `on_epoch` with each epoch's report as soon as it exists.
    pub fn run_with(&self, mut on_epoch: impl FnMut(&EpochReport)) -> Result<(), ScenarioError> {
        let mut state = SubnetState::new(self);
        let mut index = 0usize;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::SetWeights { uid, weights } => state.set_weights(*uid, weights),
                Step::AdvanceTo(b) => state.block = (*b).max(state.block),
                Step::Epoch {} => {
                    let r = state.epoch(i, index)?;
                    index += 1;
                    on_epoch(&r);
                }
                Step::Epochs { count } => {
                    for _ in 0..*count {
                        state.block = state.block.saturating_add(u64::from(self.params.tempo));
                        let r = state.epoch(i, index)?;
                        index += 1;
                        on_epoch(&r);
                    }
                }
                Step::Replace { uid, stake } => state.replace(*uid, *stake),
                Step::SetStake { uid, stake } => {
                    if let Some(s) = state.input.stake.get_mut(usize::from(*uid)) {
                        *s = *stake;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The chain state between epochs: exactly an [`EpochInput`] kept up to date.
struct SubnetState {
    input: EpochInput,
    block: u64,
}

impl SubnetState {
    fn new(s: &Scenario) -> Self {
        let n = s.neurons.len();
        let registered_at: Vec<u64> = s.neurons.iter().map(|x| x.registered_at).collect();
        Self {
            input: EpochInput {
                block: s.start_block,
                stake: s.neurons.iter().map(|x| x.stake).collect(),
                weights: vec![Vec::new(); n],
                bonds: vec![Vec::new(); n],
                last_update: registered_at.clone(),
                registered_at,
                validator_permit: vec![false; n],
                owner_uid: s.owner_uid,
                commit_reveal: None,
                last_epoch_block: None,
                emission: s.emission_per_epoch,
                params: s.params,
            },
            block: s.start_block,
        }
    }

    fn set_weights(&mut self, uid: u16, weights: &BTreeMap<u16, u16>) {
        let values: Vec<u16> = weights.values().copied().collect();
        let upscaled = max_upscale(&values);
        let row: Vec<(u16, u16)> = weights.keys().copied().zip(upscaled).collect();
        let i = usize::from(uid);
        if let Some(r) = self.input.weights.get_mut(i) {
            *r = row;
        }
        if let Some(lu) = self.input.last_update.get_mut(i) {
            *lu = self.block;
        }
    }

    fn replace(&mut self, uid: u16, stake: u64) {
        let i = usize::from(uid);
        let block = self.block;
        let inp = &mut self.input;
        if let (Some(s), Some(r), Some(lu), Some(w), Some(b), Some(p)) = (
            inp.stake.get_mut(i),
            inp.registered_at.get_mut(i),
            inp.last_update.get_mut(i),
            inp.weights.get_mut(i),
            inp.bonds.get_mut(i),
            inp.validator_permit.get_mut(i),
        ) {
            *s = stake;
            *r = block;
            *lu = block;
            w.clear();
            b.clear();
            *p = false;
        }
    }

    fn epoch(&mut self, step: usize, index: usize) -> Result<EpochReport, ScenarioError> {
        self.input.block = self.block;
        let out = epoch(&self.input).map_err(|source| ScenarioError::Epoch { step, source })?;
        self.input.bonds.clone_from(&out.bonds);
        self.input
            .validator_permit
            .clone_from(&out.validator_permit);
        self.input.last_epoch_block = Some(self.block);
        Ok(EpochReport {
            epoch: index,
            step,
            block: self.block,
            stake: self.input.stake.clone(),
            output: out,
        })
    }
}

/// The chain's weight max-upscale (`vec_u16_max_upscale_to_u16`): scale so the largest
/// entry becomes 65535, rounding to nearest, in I32F32 exactly as the reference does.
pub fn max_upscale(values: &[u16]) -> Vec<u16> {
    let u16_max = I32F32::from_num(u16::MAX);
    let threshold = I32F32::from_num(32768);
    let fixed: Vec<I32F32> = values.iter().map(|v| I32F32::from_num(*v)).collect();
    let Some(max) = fixed.iter().max().copied() else {
        return Vec::new();
    };
    if max == I32F32::ZERO {
        return fixed
            .iter()
            .map(|e| e.saturating_mul(u16_max).saturating_to_num::<u16>())
            .collect();
    }
    let ratio = u16_max.checked_div(max).unwrap_or(I32F32::ZERO);
    fixed
        .iter()
        .map(|e| {
            let x = if max > threshold {
                e.saturating_mul(ratio)
            } else {
                e.saturating_mul(u16_max)
                    .checked_div(max)
                    .unwrap_or(I32F32::ZERO)
            };
            x.round().saturating_to_num::<u16>()
        })
        .collect()
}

/// One epoch's result inside a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochReport {
    /// 0-based epoch counter within the scenario.
    pub epoch: usize,
    /// Index of the step that ran it.
    pub step: usize,
    /// The block it ran at.
    pub block: u64,
    /// Stake per uid at that epoch (rao).
    pub stake: Vec<u64>,
    /// The epoch's outputs.
    pub output: EpochOutput,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    epoch: usize,
    block: u64,
    active: &'a [bool],
    consensus: &'a [u16],
    incentive: &'a [u16],
    dividends: &'a [u16],
    validator_trust: &'a [u16],
    validator_permit: &'a [bool],
    stake_weight: &'a [u16],
    server_emission: &'a [u64],
    validator_emission: &'a [u64],
    emission: &'a [u64],
    bonds: Vec<Vec<u16>>,
}

impl EpochReport {
    /// The stored bonds as a dense `n × n` matrix (row = validator uid).
    pub fn dense_bonds(&self) -> Vec<Vec<u16>> {
        let n = self.output.active.len();
        self.output
            .bonds
            .iter()
            .map(|row| {
                let mut dense = vec![0u16; n];
                for (j, v) in row {
                    if let Some(d) = dense.get_mut(usize::from(*j)) {
                        *d = *v;
                    }
                }
                dense
            })
            .collect()
    }

    /// One JSON object on one line (no trailing newline):
    /// `{"epoch","block","active","consensus","incentive","dividends","validator_trust",
    /// "validator_permit","stake_weight","server_emission","validator_emission","emission",
    /// "bonds"}` with `bonds` the dense matrix.
    pub fn to_json_line(&self) -> String {
        let o = &self.output;
        let line = JsonLine {
            epoch: self.epoch,
            block: self.block,
            active: &o.active,
            consensus: &o.consensus,
            incentive: &o.incentive,
            dividends: &o.dividends,
            validator_trust: &o.validator_trust,
            validator_permit: &o.validator_permit,
            stake_weight: &o.stake_weight,
            server_emission: &o.server_emission,
            validator_emission: &o.validator_emission,
            emission: &o.emission,
            bonds: self.dense_bonds(),
        };
        // Serialising plain vectors and numbers cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// A readable plain-text table: one row per uid with stake, activity, permit, the u16
    /// terms and the emissions, under an `epoch N at block B` heading.
    pub fn summary_table(&self) -> String {
        let o = &self.output;
        let mut s = String::new();
        let _ = writeln!(s, "epoch {} at block {}", self.epoch, self.block);
        let _ = writeln!(
            s,
            "{:>5} {:>14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>14} {:>14}",
            "uid",
            "stake",
            "active",
            "permit",
            "S",
            "C",
            "I",
            "D",
            "VT",
            "server_rao",
            "validator_rao"
        );
        for i in 0..o.active.len() {
            let g16 = |v: &[u16]| v.get(i).copied().unwrap_or(0);
            let g64 = |v: &[u64]| v.get(i).copied().unwrap_or(0);
            let yn = |v: &[bool]| {
                if v.get(i).copied().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                }
            };
            let _ = writeln!(
                s,
                "{:>5} {:>14} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>14} {:>14}",
                i,
                g64(&self.stake),
                yn(&o.active),
                yn(&o.validator_permit),
                g16(&o.stake_weight),
                g16(&o.consensus),
                g16(&o.incentive),
                g16(&o.dividends),
                g16(&o.validator_trust),
                g64(&o.server_emission),
                g64(&o.validator_emission),
            );
        }
        s
    }
}
