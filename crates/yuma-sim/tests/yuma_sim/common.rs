//! Helpers shared by the test modules.

use std::collections::BTreeMap;
use taonet_yuma::Hyperparams;
use taonet_yuma_sim::{NeuronSpec, Scenario, Step};

/// A scenario built in Rust (exact u16 hyperparameters, no JSON rounding).
pub fn scenario(params: Hyperparams, stakes: &[u64], registered_at: u64, start: u64) -> Scenario {
    Scenario {
        description: None,
        params,
        emission_per_epoch: 1_000_000_000,
        neurons: stakes
            .iter()
            .map(|s| NeuronSpec {
                stake: *s,
                registered_at,
            })
            .collect(),
        owner_uid: None,
        start_block: start,
        steps: Vec::new(),
    }
}

/// A `set_weights` step from `(uid, weight)` pairs.
pub fn set_weights(uid: u16, pairs: &[(u16, u16)]) -> Step {
    Step::SetWeights {
        uid,
        weights: pairs.iter().copied().collect::<BTreeMap<_, _>>(),
    }
}

/// The u16 value of column `j` in a sparse bond row (0 if absent).
pub fn bond(row: &[(u16, u16)], j: u16) -> u16 {
    row.iter()
        .find(|(k, _)| *k == j)
        .map(|(_, v)| *v)
        .unwrap_or(0)
}
