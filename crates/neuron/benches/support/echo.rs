//! What the neuron benches share: the echo synapse and latency percentiles.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use taonet_neuron::Synapse;

/// A small synapse with two hashed fields (`value`, `items`) and a response field.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EchoSynapse {
    pub value: i64,
    pub items: Vec<i64>,
    #[serde(default)]
    pub output: Option<i64>,
}

impl Synapse for EchoSynapse {
    const NAME: &'static str = "EchoSynapse";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["value", "items"];
}

/// The p50 and p99 of `v` (non-empty).
pub fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let pct = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    (pct(0.50), pct(0.99))
}
