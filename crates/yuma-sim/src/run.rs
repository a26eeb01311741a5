//! Running a scenario: the chain state between epochs, kept exactly as the epoch's input,
//! and the steps applied to it in order.
//!
//! Rules: steps apply as the crate documentation describes (`set_weights` max-upscales like
//! the chain and records the block as the uid's last update; `replace` resets the uid's
//! rows, permit and registration); each epoch's new bonds and permits replace the old ones.
//! No admission checks (permit, rate limit, stake) are applied: the epoch's masks decide
//! what counts.

use crate::error::ScenarioError;
use crate::format::{Scenario, Step};
use crate::report::EpochReport;
use std::collections::BTreeMap;
use taonet_yuma::{EpochInput, epoch, max_upscale};

impl Scenario {
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
