//! One epoch's result inside a scenario, and its two printed forms: one JSON object per
//! line (`taonet sim yuma`'s default output) and a readable table (`--summary`).

use serde::Serialize;
use std::fmt::Write as _;
use taonet_yuma::EpochOutput;

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
