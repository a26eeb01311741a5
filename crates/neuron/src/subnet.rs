//! What a subnet author implements: a crate with a [`Subnet`] (the synapse, how a validator
//! builds challenges and scores answers) and one or more [`MinerModel`]s (how a miner
//! answers). The generic [`crate::validator`] and [`crate::miner`] loops do the rest
//! (metagraph, axon, dendrite, weights on chain).
//!
//! # Rules the loops rely on
//! - One challenge per round goes, identical, to every miner: scores within a round are
//!   paired comparisons on the same samples.
//! - [`Subnet::challenge`] is a pure function of the seed, so a validator can publish its
//!   seeds after the fact and anyone can recompute its scores.
//! - [`Subnet::score`] returns a reward in `[0, 1]`, higher is better; a missing, late or
//!   malformed answer gets `0` (the worst); values outside `[0, 1]` or NaN are clamped by
//!   the loop, never trusted.
//! - Miners may run slow, CPU-bound code in [`MinerModel::answer`]: the miner loop calls it
//!   on tokio's blocking pool.

use crate::axon::ForwardError;
use crate::synapse::Synapse;

/// A subnet's validator side: challenges and scoring.
pub trait Subnet: Send + Sync + 'static {
    /// The request/response type miners serve.
    type Synapse: Synapse;
    /// What the validator keeps secret about a challenge to score answers (e.g. the targets).
    type Challenge: Send + Sync + 'static;

    /// A short name for logs.
    fn name(&self) -> &str;

    /// Builds one round's request and its secret part from a 32-byte seed (deterministic).
    fn challenge(&self, seed: [u8; 32]) -> (Self::Synapse, Self::Challenge);

    /// The reward in `[0, 1]` of `answer` (`None`: no usable answer) to `challenge`.
    fn score(&self, challenge: &Self::Challenge, answer: Option<&Self::Synapse>) -> Score;
}

/// A scored answer: the reward the weights are built from, plus the subnet's own measure
/// for logs (e.g. bits per byte).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// In `[0, 1]`, higher is better.
    pub reward: f64,
    /// The subnet's metric, for humans (lower or higher is better as the subnet says).
    pub metric: f64,
}

impl Score {
    /// The reward clamped to `[0, 1]` (NaN → 0).
    pub fn clamped_reward(&self) -> f64 {
        if self.reward.is_nan() {
            0.0
        } else {
            self.reward.clamp(0.0, 1.0)
        }
    }
}

/// A miner's model: answers one request.
pub trait MinerModel<S: Synapse>: Send + Sync + 'static {
    /// Fills the response fields of `request` (CPU-bound work is fine: it runs on the
    /// blocking pool).
    fn answer(&self, request: S) -> Result<S, ForwardError>;
}

impl<S, F> MinerModel<S> for F
where
    S: Synapse,
    F: Fn(S) -> Result<S, ForwardError> + Send + Sync + 'static,
{
    fn answer(&self, request: S) -> Result<S, ForwardError> {
        self(request)
    }
}
