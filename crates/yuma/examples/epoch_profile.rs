//! Run one benchmark input of `benches/epoch.rs` a few times, for profilers
//! (`valgrind --tool=callgrind --toggle-collect='taonet_yuma::epoch::epoch_with'`) and
//! quick timing: `cargo run --release -p taonet-yuma --example epoch_profile -- 4096 256
//! yuma3 15 scratch 2` (uids, validators, `original` | `yuma3` | `liquid`, repetitions,
//! `scratch` to call `epoch_with` on one reused `EpochScratch` instead of `epoch`, and the
//! scratch's parallelism: a thread count, `seq`, or `auto`, the default).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroUsize;
use std::time::Instant;
use taonet_yuma::{EpochScratch, Parallelism, epoch, epoch_with};

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
    let parallelism = match args.get(6).map(String::as_str) {
        None | Some("auto") => Parallelism::Auto,
        Some("seq") => Parallelism::Sequential,
        Some(t) => Parallelism::Threads(t.parse::<NonZeroUsize>().unwrap()),
    };
    let mut scratch = EpochScratch::with_parallelism(parallelism);
    let mut best = u128::MAX;
    let cpu0 = cpu_ticks();
    let main0 = main_thread_ns();
    let wall0 = Instant::now();
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
    let how = if reuse {
        format!("epoch_with ({parallelism:?})")
    } else {
        "epoch".to_string()
    };
    let wall = wall0.elapsed().as_micros() / reps.max(1) as u128;
    // Process CPU time (all threads, user + system) per call, from /proc/self/stat (Linux,
    // clock ticks of 10 ms: use enough repetitions).
    let cpu = cpu_ticks()
        .zip(cpu0)
        .map(|(b, a)| (b - a) * 10_000 / reps.max(1) as u64);
    // CPU time of the calling thread alone (ns resolution, /proc/thread-self/schedstat): with
    // parallel stages, the share of the work the calling thread itself ran.
    let main = main_thread_ns()
        .zip(main0)
        .map(|(b, a)| (b - a) / 1_000 / reps.max(1) as u64);
    let show = |x: Option<u64>| x.map_or("?".to_string(), |c| c.to_string());
    println!(
        "{how} {mode} uids={n} validators={v}: min of {reps} = {best} us, mean {wall} us, \
         CPU/call {} us, calling thread CPU/call {} us",
        show(cpu),
        show(main)
    );
}

/// Time this thread has run on a CPU, in ns (`/proc/thread-self/schedstat`, Linux).
fn main_thread_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// utime + stime of this process in clock ticks (`/proc/self/stat` fields 14 and 15).
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}
