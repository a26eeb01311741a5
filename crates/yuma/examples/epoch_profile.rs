//! Run one benchmark input of `benches/epoch.rs` a few times, for profilers
//! (`valgrind --tool=callgrind --toggle-collect='taonet_yuma::epoch::epoch_with'`) and
//! quick timing: `cargo run --release -p taonet-yuma --example epoch_profile -- 4096 256
//! yuma3 15 scratch` (uids, validators, `original` | `yuma3` | `liquid`, repetitions, and
//! `scratch` to call `epoch_with` on one reused `EpochScratch` instead of `epoch`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;
use taonet_yuma::{EpochScratch, epoch, epoch_with};

#[path = "../benches/support/workload.rs"]
mod workload;
use workload::subnet;

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
