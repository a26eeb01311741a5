//! Bit-exactness guard for performance work: the epoch's complete output on a few hundred
//! deterministic pseudo-random subnets (every mode, masks, ties, explicit zeros, up to a few
//! hundred uids) is hashed per case and compared with hashes recorded from the original
//! straightforward implementation (commit 9e9d835). Any change to any output bit of any
//! case fails here, naming the case.
//!
//! To re-record after an *intended* semantic change: `YUMA_GOLDEN_PRINT=1 cargo test -p
//! taonet-yuma golden -- --nocapture` and paste the printed table into `golden_hashes.txt`.

use taonet_yuma::{
    EpochInput, EpochOutput, EpochScratch, Hyperparams, LiquidAlpha, epoch, epoch_with,
};

const CASES: usize = 400;

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

/// A u16 weight drawn from a small palette (ties), the full range, or 0.
fn value(r: &mut Rng, style: u64) -> u16 {
    match style {
        0 => [0u16, 1, 100, 32767, 65535][r.below(5) as usize],
        1 => (r.below(4) * 16384).min(65535) as u16,
        _ => r.next() as u16,
    }
}

fn case(seed: u64) -> EpochInput {
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x1234_5678);
    let n = match r.below(4) {
        0 => 1 + r.below(8) as usize,
        1 => 8 + r.below(40) as usize,
        2 => 40 + r.below(120) as usize,
        _ => 160 + r.below(200) as usize,
    };
    let validators = 1 + r.below(n as u64) as usize;
    let density = [5u64, 30, 60, 90, 100][r.below(5) as usize];
    let style = r.below(3);
    let block = 1_000 + r.below(100);
    let mut weights = vec![Vec::new(); n];
    let mut bonds = vec![Vec::new(); n];
    for i in 0..n {
        let writer = i < validators || r.chance(5);
        if writer {
            for j in 0..n {
                if r.chance(density) {
                    weights[i].push((j as u16, value(&mut r, style)));
                }
                if r.chance(density) {
                    bonds[i].push((j as u16, value(&mut r, style)));
                }
            }
            // Rows arrive in any order.
            if r.chance(20) {
                weights[i].reverse();
            }
        } else if r.chance(10) {
            bonds[i].push((r.below(n as u64) as u16, value(&mut r, 2)));
        }
    }
    let stake = (0..n)
        .map(|i| {
            if i < validators || r.chance(10) {
                match r.below(4) {
                    0 => 1 + r.below(1000),
                    1 => 1_000_000_000 + r.below(1_000_000_000_000),
                    2 => [5u64, 500, 50_000][r.below(3) as usize],
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
            if r.chance(85) {
                r.below(10)
            } else {
                block - r.below(60)
            }
        })
        .collect();
    let validator_permit = (0..n).map(|i| i < validators || r.chance(5)).collect();
    let owner_uid = r.chance(30).then(|| r.below(n as u64) as u16);
    let commit_reveal = r.chance(20).then(|| {
        (0..n)
            .map(|_| r.chance(60).then(|| block - r.below(80)))
            .collect()
    });
    let last_epoch_block = match r.below(3) {
        0 => None,
        1 => Some(0),
        _ => Some(block - 1 - r.below(50)),
    };
    let yuma3 = r.chance(60);
    let (lo, hi) = (r.next() as u16, r.next() as u16);
    let params = Hyperparams {
        kappa: if r.chance(60) {
            32_767
        } else {
            r.next() as u16
        },
        bonds_moving_average: if r.chance(50) {
            900_000
        } else {
            r.below(1_000_001)
        },
        bonds_penalty: match r.below(3) {
            0 => 0,
            1 => u16::MAX,
            _ => r.next() as u16,
        },
        yuma3,
        liquid_alpha: LiquidAlpha {
            enabled: yuma3 && r.chance(50),
            alpha_low: if r.chance(50) { 45_875 } else { lo.min(hi) },
            alpha_high: if r.chance(50) { 58_982 } else { lo.max(hi) },
            steepness: if r.chance(50) {
                1000
            } else {
                r.below(6000) as i16 - 1000
            },
        },
        activity_cutoff: if r.chance(80) { 5_000 } else { r.below(40) },
        max_allowed_validators: 1 + r.below(n as u64 + 5) as u16,
        stake_threshold: if r.chance(80) { 0 } else { r.below(2_000) },
        tempo: 1 + r.below(400) as u16,
    };
    EpochInput {
        block,
        stake,
        weights,
        bonds,
        last_update,
        registered_at,
        validator_permit,
        owner_uid,
        commit_reveal,
        last_epoch_block,
        emission: if r.chance(80) {
            1_000_000_000
        } else {
            r.next()
        },
        params,
    }
}

struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, b: &[u8]) {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64s(&mut self, v: impl IntoIterator<Item = u64>) {
        let mut len = 0u64;
        for x in v {
            self.bytes(&x.to_le_bytes());
            len += 1;
        }
        self.bytes(&len.to_le_bytes());
    }
}

fn hash(out: &EpochOutput) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    h.u64s(out.active.iter().map(|x| u64::from(*x)));
    for v in [
        &out.consensus,
        &out.incentive,
        &out.dividends,
        &out.validator_trust,
        &out.stake_weight,
    ] {
        h.u64s(v.iter().map(|x| u64::from(*x)));
    }
    h.u64s(out.validator_permit.iter().map(|x| u64::from(*x)));
    for v in [&out.server_emission, &out.validator_emission, &out.emission] {
        h.u64s(v.iter().copied());
    }
    for row in &out.bonds {
        h.u64s(
            row.iter()
                .map(|(j, v)| (u64::from(*j) << 16) | u64::from(*v)),
        );
    }
    h.0
}

#[test]
fn epoch_outputs_match_the_recorded_hashes() {
    let print = std::env::var_os("YUMA_GOLDEN_PRINT").is_some();
    let recorded: Vec<u64> = include_str!("golden_hashes.txt")
        .split_whitespace()
        .map(|t| u64::from_str_radix(t, 16).unwrap())
        .collect();
    let mut got = Vec::with_capacity(CASES);
    for seed in 0..CASES as u64 {
        let input = case(seed);
        let out = epoch(&input).unwrap();
        got.push(hash(&out));
    }
    if print {
        for chunk in got.chunks(6) {
            let line: Vec<String> = chunk.iter().map(|h| format!("{h:016x}")).collect();
            println!("{}", line.join(" "));
        }
        return;
    }
    assert_eq!(
        recorded.len(),
        CASES,
        "golden_hashes.txt has the wrong length"
    );
    for (seed, (g, w)) in got.iter().zip(recorded.iter()).enumerate() {
        assert_eq!(g, w, "case {seed}: output differs from the recorded one");
    }
}

#[test]
fn one_reused_scratch_matches_the_recorded_hashes() {
    // Every case through one EpochScratch, in an order that alternates sizes and modes, so
    // that leftovers of a previous call (bigger buffers, stale entries) would show.
    let recorded: Vec<u64> = include_str!("golden_hashes.txt")
        .split_whitespace()
        .map(|t| u64::from_str_radix(t, 16).unwrap())
        .collect();
    let mut scratch = EpochScratch::new();
    for seed in (0..CASES as u64).rev().chain(0..CASES as u64) {
        let out = epoch_with(&mut scratch, &case(seed)).unwrap();
        assert_eq!(
            hash(&out),
            recorded[seed as usize],
            "case {seed} with a reused scratch"
        );
    }
}
