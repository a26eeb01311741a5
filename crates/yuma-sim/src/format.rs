//! The scenario file: its JSON form, the defaults of omitted fields, and the checks that
//! turn it into a [`Scenario`] (see the crate documentation for the format).
//!
//! Rules: unknown fields are rejected; every uid a step names must be `< n`; blocks never
//! go backwards; errors name the JSON path of the problem. The liquid-alpha bounds are the
//! only floats: decimals in [0, 1], converted once here to u16 (`round(x·65535)`), so the
//! epoch only ever sees fixed point.

use crate::error::ScenarioError;
use serde::Deserialize;
use std::collections::BTreeMap;
use taonet_yuma::{Hyperparams, LiquidAlpha};

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

/// One scripted action (see the crate documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Set a validator's weights at the current block.
    SetWeights {
        /// The uid of the validator setting them.
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
        /// Number of epochs to run.
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
        /// The neuron whose stake changes.
        uid: u16,
        /// The uid's stake from now on, in rao.
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
    /// The actions to run, in order.
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
}
