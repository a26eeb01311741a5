//! Run one benchmark input of `benches/epoch.rs` a few times, for profilers
//! (`valgrind --tool=callgrind --toggle-collect='taonet_yuma::epoch::epoch_with'`) and
//! quick timing: `cargo run --release -p taonet-yuma --example epoch_profile -- 4096 256
//! yuma3 15 scratch` (uids, validators, `original` | `yuma3` | `liquid`, repetitions, and
//! `scratch` to call `epoch_with` on one reused `EpochScratch` instead of `epoch`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use taonet_yuma::{EpochInput, EpochScratch, Hyperparams, LiquidAlpha, epoch, epoch_with};

fn subnet(n: usize, validators: usize, yuma3: bool, liquid: bool) -> EpochInput {
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(4096, |s| s.parse().unwrap());
    let v: usize = args.get(2).map_or(256, |s| s.parse().unwrap());
    let mode = args.get(3).map_or("yuma3", String::as_str);
    let reps: usize = args.get(4).map_or(1, |s| s.parse().unwrap());
    let (yuma3, liquid) = match mode {
        "original" => (false, false),
        "yuma3" => (true, false),
        _ => (true, true),
    };
    let reuse = args.get(5).is_some_and(|s| s == "scratch");
    let input = subnet(n, v, yuma3, liquid);
    let mut scratch = EpochScratch::new();
    let mut best = u128::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        let out = if reuse {
            epoch_with(&mut scratch, std::hint::black_box(&input)).unwrap()
        } else {
            epoch(std::hint::black_box(&input)).unwrap()
        };
        best = best.min(t.elapsed().as_micros());
        std::hint::black_box(out);
    }
    let how = if reuse { "epoch_with" } else { "epoch" };
    println!("{how} {mode} uids={n} validators={v}: min of {reps} = {best} us");
}
