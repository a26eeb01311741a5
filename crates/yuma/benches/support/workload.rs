//! The benchmark workload shared by `benches/epoch.rs` and `examples/epoch_profile.rs`: a
//! subnet of `n` uids whose first `validators` hold stake and permits and weight a
//! deterministic pseudo-random 90% of the miners, with a bond toward each.

use taonet_yuma::{EpochInput, Hyperparams, LiquidAlpha};

/// The benchmark subnet.
pub fn subnet(n: usize, validators: usize, yuma3: bool, liquid: bool) -> EpochInput {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut weights = vec![Vec::new(); n];
    let mut bonds = vec![Vec::new(); n];
    for v in 0..validators {
        for m in validators..n {
            if next() % 10 != 0 {
                weights[v].push((m as u16, (next() % 65535) as u16 + 1));
                bonds[v].push((m as u16, (next() % 30000) as u16));
            }
        }
    }
    let stake = (0..n)
        .map(|i| {
            if i < validators {
                1_000_000_000 + next() % 1_000_000_000_000
            } else {
                0
            }
        })
        .collect();
    EpochInput {
        block: 10_000,
        stake,
        weights,
        bonds,
        last_update: vec![9_990; n],
        registered_at: vec![1; n],
        validator_permit: (0..n).map(|i| i < validators).collect(),
        owner_uid: None,
        commit_reveal: None,
        last_epoch_block: Some(9_640),
        emission: 1_000_000_000,
        params: Hyperparams {
            yuma3,
            max_allowed_validators: validators as u16,
            liquid_alpha: LiquidAlpha {
                enabled: liquid,
                ..LiquidAlpha::default()
            },
            ..Hyperparams::default()
        },
    }
}
