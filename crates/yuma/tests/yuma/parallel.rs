//! Parallel epochs are bit-identical to sequential ones: every output field (and every
//! error) of random subnets, from a few uids to a few thousand, in every mode, with 1 to 8
//! threads per stage, on fresh and reused scratches. (The golden test pins the sequential
//! output to the original implementation.)

use std::num::NonZeroUsize;
use taonet_yuma::{EpochInput, EpochScratch, Hyperparams, LiquidAlpha, Parallelism, epoch_with};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A random subnet of about `n` uids: validators first (dense or sparse rows, unsorted rows
/// sometimes), every mode, extreme hyperparameters (α < 0 from a moving average above 10⁶,
/// β strictly between 0 and 1, κ anywhere), masks, ties and explicit zeros.
fn subnet(r: &mut Rng, n: usize) -> EpochInput {
    let validators = 1 + r.below(n.min(if n > 500 { 64 } else { 200 }) as u64) as usize;
    let density = [3u64, 40, 90, 100][r.below(4) as usize];
    let palette = r.chance(30);
    let value = |r: &mut Rng| {
        if palette {
            [0u16, 1, 32767, 65535][r.below(4) as usize]
        } else {
            r.next() as u16
        }
    };
    let block = 10_000 + r.below(100);
    let mut weights = vec![Vec::new(); n];
    let mut bonds = vec![Vec::new(); n];
    for i in 0..n {
        if i < validators || r.chance(2) {
            for j in 0..n {
                if r.chance(density) {
                    weights[i].push((j as u16, value(r)));
                }
                if r.chance(density) {
                    bonds[i].push((j as u16, value(r)));
                }
            }
            if r.chance(10) {
                weights[i].reverse();
                bonds[i].reverse();
            }
        }
    }
    let stake = (0..n)
        .map(|i| {
            if i < validators || r.chance(3) {
                match r.below(3) {
                    0 => 1 + r.below(1000),
                    1 => 1_000_000_000 + r.below(1_000_000_000_000),
                    _ => r.below(10_000_000_000_000_000),
                }
            } else {
                0
            }
        })
        .collect();
    let last_update = (0..n)
        .map(|_| {
            if r.chance(90) {
                block - r.below(30)
            } else {
                r.below(block)
            }
        })
        .collect();
    let registered_at = (0..n)
        .map(|_| {
            if r.chance(90) {
                r.below(10)
            } else {
                block - r.below(60)
            }
        })
        .collect();
    let yuma3 = r.chance(60);
    let (lo, hi) = (r.next() as u16, r.next() as u16);
    EpochInput {
        block,
        stake,
        weights,
        bonds,
        last_update,
        registered_at,
        validator_permit: (0..n).map(|i| i < validators || r.chance(3)).collect(),
        owner_uid: r.chance(30).then(|| r.below(n as u64) as u16),
        commit_reveal: r.chance(15).then(|| {
            (0..n)
                .map(|_| r.chance(60).then(|| block - r.below(80)))
                .collect()
        }),
        last_epoch_block: match r.below(3) {
            0 => None,
            1 => Some(0),
            _ => Some(block - 1 - r.below(50)),
        },
        emission: if r.chance(80) {
            1_000_000_000
        } else {
            r.next()
        },
        params: Hyperparams {
            kappa: if r.chance(60) {
                32_767
            } else {
                r.next() as u16
            },
            bonds_moving_average: match r.below(4) {
                0 => 900_000,
                1 => r.below(1_000_001),
                2 => 1_000_000 + r.below(5_000_000),
                _ => r.next(),
            },
            bonds_penalty: match r.below(3) {
                0 => 0,
                1 => u16::MAX,
                _ => r.next() as u16,
            },
            yuma3,
            liquid_alpha: LiquidAlpha {
                enabled: yuma3 && r.chance(50),
                alpha_low: lo.min(hi),
                alpha_high: lo.max(hi),
                steepness: r.below(6000) as i16 - 1000,
            },
            activity_cutoff: if r.chance(80) { 5_000 } else { r.below(40) },
            max_allowed_validators: 1 + r.below(n as u64 + 5) as u16,
            stake_threshold: if r.chance(80) { 0 } else { r.below(2_000) },
            tempo: 1 + r.below(400) as u16,
        },
    }
}

fn threads(t: usize) -> Parallelism {
    Parallelism::Threads(NonZeroUsize::new(t).unwrap())
}

#[test]
fn parallel_epochs_equal_sequential_ones_bit_for_bit() {
    let mut r = Rng(0x7061_7261_6c6c_656c);
    let mut seq = EpochScratch::with_parallelism(Parallelism::Sequential);
    // Reused scratches with several thread counts (leftovers of other sizes must not show).
    let mut reused: Vec<EpochScratch> = [2usize, 3, 7]
        .iter()
        .map(|t| EpochScratch::with_parallelism(threads(*t)))
        .collect();
    reused.push(EpochScratch::with_parallelism(Parallelism::Auto));
    for case in 0..96 {
        let n = match case % 8 {
            0 => 1 + r.below(4) as usize,
            1 | 2 => 5 + r.below(30) as usize,
            3..=5 => 30 + r.below(200) as usize,
            6 => 200 + r.below(500) as usize,
            _ => 700 + r.below(1000) as usize,
        };
        let input = subnet(&mut r, n);
        let want = epoch_with(&mut seq, &input);
        for scratch in reused.iter_mut() {
            let p = scratch.parallelism();
            assert_eq!(
                epoch_with(scratch, &input),
                want,
                "case {case}, n = {n}, {p:?}"
            );
        }
        let t = 1 + r.below(8) as usize;
        let mut fresh = EpochScratch::with_parallelism(threads(t));
        assert_eq!(
            epoch_with(&mut fresh, &input),
            want,
            "case {case}, n = {n}, fresh scratch with {t} threads"
        );
    }
}

#[test]
fn parallel_epochs_report_the_same_errors() {
    let mut r = Rng(42);
    for case in 0..60 {
        let n = 20 + r.below(300) as usize;
        let mut input = subnet(&mut r, n);
        // Corrupt a few rows: out-of-range uids, duplicates, in weights and/or bonds.
        for _ in 0..1 + r.below(3) {
            let i = r.below(n as u64) as usize;
            let row = if r.chance(50) {
                &mut input.weights[i]
            } else {
                &mut input.bonds[i]
            };
            if r.chance(50) {
                row.push((n as u16 + r.below(5) as u16, 1));
            } else {
                row.push((r.below(n as u64) as u16, 1));
                row.push((r.below(n as u64) as u16, 2));
            }
        }
        if r.chance(10) {
            input.bonds.pop();
        }
        let want = epoch_with(
            &mut EpochScratch::with_parallelism(Parallelism::Sequential),
            &input,
        );
        for t in [2usize, 3, 7] {
            let got = epoch_with(&mut EpochScratch::with_parallelism(threads(t)), &input);
            assert_eq!(got, want, "case {case}, {t} threads");
        }
    }
}

#[test]
fn parallelism_is_a_scratch_setting() {
    let mut s = EpochScratch::new();
    assert_eq!(s.parallelism(), Parallelism::Auto);
    s.set_parallelism(Parallelism::Sequential);
    assert_eq!(s.parallelism(), Parallelism::Sequential);
    assert_eq!(Parallelism::default(), Parallelism::Auto);
}
