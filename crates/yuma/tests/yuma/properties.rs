//! Property tests of the epoch's invariants on random subnets.

use proptest::prelude::*;
use taonet_yuma::{EpochInput, Hyperparams, LiquidAlpha, YumaError, epoch};

const CASES: u32 = 128;

fn params() -> impl Strategy<Value = Hyperparams> {
    (
        any::<u16>(),
        0u64..=1_000_000,
        any::<u16>(),
        any::<bool>(),
        (any::<bool>(), any::<u16>(), any::<u16>(), 0i16..3000),
        0u64..20,
        1u16..12,
        0u64..50,
        1u16..400,
    )
        .prop_map(
            |(kappa, bma, bp, y3, (le, lo, hi, st), cutoff, k, thr, tempo)| Hyperparams {
                kappa,
                bonds_moving_average: bma,
                bonds_penalty: bp,
                yuma3: y3,
                liquid_alpha: LiquidAlpha {
                    enabled: le,
                    alpha_low: lo.min(hi),
                    alpha_high: lo.max(hi),
                    steepness: st,
                },
                activity_cutoff: cutoff,
                max_allowed_validators: k,
                stake_threshold: thr,
                tempo,
            },
        )
}

/// A consistent random subnet of `n` uids with pairwise distinct stakes.
fn subnet() -> impl Strategy<Value = EpochInput> {
    (1usize..10).prop_flat_map(|n| {
        let row = proptest::collection::btree_map(0..n as u16, any::<u16>(), 0..=n);
        (
            proptest::sample::subsequence((0u64..200).collect::<Vec<_>>(), n).prop_shuffle(),
            proptest::collection::vec(row.clone(), n),
            proptest::collection::vec(row, n),
            proptest::collection::vec(0u64..30, n),
            proptest::collection::vec(0u64..30, n),
            proptest::collection::vec(any::<bool>(), n),
            proptest::option::of(0..n as u16),
            20u64..40,
            proptest::option::of(0u64..20),
            any::<u64>(),
            params(),
        )
            .prop_map(
                |(st, w, b, lu, reg, perm, owner, block, last, emission, params)| EpochInput {
                    block,
                    stake: st.iter().map(|s| s * 10).collect(),
                    weights: w.into_iter().map(|r| r.into_iter().collect()).collect(),
                    bonds: b.into_iter().map(|r| r.into_iter().collect()).collect(),
                    last_update: lu,
                    registered_at: reg,
                    validator_permit: perm,
                    owner_uid: owner,
                    commit_reveal: None,
                    last_epoch_block: last,
                    emission,
                    params,
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    /// Emission never exceeds the input, split or combined.
    #[test]
    fn emission_never_exceeds_input(input in subnet()) {
        let out = epoch(&input).unwrap();
        let e = u128::from(input.emission);
        let sum = |v: &[u64]| v.iter().map(|x| u128::from(*x)).sum::<u128>();
        prop_assert!(sum(&out.emission) <= e);
        prop_assert!(sum(&out.server_emission) + sum(&out.validator_emission) <= e);
    }

    /// Incentive and dividends each sum to 65535 up to flooring (at most one unit per uid
    /// lost) whenever they are non-zero.
    #[test]
    fn incentive_and_dividends_are_normalised(input in subnet()) {
        let out = epoch(&input).unwrap();
        let n = out.incentive.len() as u64;
        for v in [&out.incentive, &out.dividends] {
            let s: u64 = v.iter().map(|x| u64::from(*x)).sum();
            prop_assert!(s == 0 || (65535 - n..=65535).contains(&s), "sum {}", s);
        }
    }

    /// A validator with zero stake (and, for original Yuma, no stored bonds) earns nothing.
    #[test]
    fn zero_stake_validator_earns_nothing(mut input in subnet(), pick in any::<prop::sample::Index>()) {
        let i = pick.index(input.stake.len());
        input.stake[i] = 0;
        if input.owner_uid == Some(i as u16) { input.owner_uid = None; }
        if !input.params.yuma3 { input.bonds[i].clear(); }
        let out = epoch(&input).unwrap();
        prop_assert_eq!(out.dividends[i], 0);
        prop_assert_eq!(out.validator_emission[i], 0);
        prop_assert!(!out.validator_permit[i]);
    }

    /// Relabelling the uids relabels every output the same way.
    #[test]
    fn permuting_uids_permutes_outputs(input in subnet(), seed in any::<u64>()) {
        let n = input.stake.len();
        // A deterministic permutation from the seed (Fisher-Yates with an LCG).
        let mut perm: Vec<usize> = (0..n).collect();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            perm.swap(i, (x >> 33) as usize % (i + 1));
        }
        let p = |i: usize| perm[i];
        let mut q = input.clone();
        let rows = |m: &Vec<Vec<(u16, u16)>>| {
            let mut out = vec![Vec::new(); n];
            for (i, r) in m.iter().enumerate() {
                out[p(i)] = r.iter().map(|(j, v)| (p(usize::from(*j)) as u16, *v)).collect();
            }
            out
        };
        q.weights = rows(&input.weights);
        q.bonds = rows(&input.bonds);
        for i in 0..n {
            q.stake[p(i)] = input.stake[i];
            q.last_update[p(i)] = input.last_update[i];
            q.registered_at[p(i)] = input.registered_at[i];
            q.validator_permit[p(i)] = input.validator_permit[i];
        }
        q.owner_uid = input.owner_uid.map(|o| p(usize::from(o)) as u16);
        let a = epoch(&input).unwrap();
        let b = epoch(&q).unwrap();
        for i in 0..n {
            let j = p(i);
            prop_assert_eq!(a.consensus[i], b.consensus[j]);
            prop_assert_eq!(a.incentive[i], b.incentive[j]);
            prop_assert_eq!(a.dividends[i], b.dividends[j]);
            prop_assert_eq!(a.validator_trust[i], b.validator_trust[j]);
            prop_assert_eq!(a.validator_permit[i], b.validator_permit[j]);
            prop_assert_eq!(a.emission[i], b.emission[j]);
            prop_assert_eq!(a.server_emission[i], b.server_emission[j]);
            prop_assert_eq!(a.validator_emission[i], b.validator_emission[j]);
            let mut ra: Vec<(u16, u16)> =
                a.bonds[i].iter().map(|(k, v)| (p(usize::from(*k)) as u16, *v)).collect();
            ra.sort_unstable();
            prop_assert_eq!(ra, b.bonds[j].clone());
        }
    }

    /// Arbitrary, even inconsistent, input gives `Ok` or a typed error, never a panic.
    #[test]
    fn never_panics(
        stake in proptest::collection::vec(any::<u64>(), 0..8),
        weights in proptest::collection::vec(proptest::collection::vec((0u16..10, any::<u16>()), 0..6), 0..9),
        bonds in proptest::collection::vec(proptest::collection::vec((0u16..10, any::<u16>()), 0..6), 0..9),
        last_update in proptest::collection::vec(any::<u64>(), 0..9),
        registered_at in proptest::collection::vec(any::<u64>(), 0..9),
        validator_permit in proptest::collection::vec(any::<bool>(), 0..9),
        commit in proptest::option::of(proptest::collection::vec(proptest::option::of(any::<u64>()), 0..9)),
        owner_uid in proptest::option::of(0u16..10),
        block in any::<u64>(),
        last in proptest::option::of(any::<u64>()),
        emission in any::<u64>(),
        bma in any::<u64>(),
        mut params in params(),
    ) {
        params.bonds_moving_average = bma;
        let input = EpochInput {
            block, stake, weights, bonds, last_update, registered_at, validator_permit,
            owner_uid, commit_reveal: commit, last_epoch_block: last, emission, params,
        };
        match epoch(&input) {
            Ok(out) => prop_assert_eq!(out.active.len(), input.stake.len()),
            Err(e) => {
                let known = matches!(
                    e,
                    YumaError::LengthMismatch { .. }
                        | YumaError::UidOutOfRange { .. }
                        | YumaError::DuplicateUid { .. }
                        | YumaError::OwnerOutOfRange { .. }
                        | YumaError::StakeOverflow { .. }
                        | YumaError::TooManyUids { .. }
                );
                prop_assert!(known);
            }
        }
    }
}

/// Errors carry the data needed to fix the input.
#[test]
fn errors_name_the_problem() {
    let mut input = EpochInput {
        stake: vec![1, 2],
        weights: vec![vec![(5, 1)], vec![]],
        bonds: vec![vec![], vec![]],
        last_update: vec![0, 0],
        registered_at: vec![0, 0],
        validator_permit: vec![true, true],
        ..EpochInput::default()
    };
    let e = epoch(&input).unwrap_err();
    assert_eq!(
        e,
        YumaError::UidOutOfRange {
            matrix: "weights",
            row: 0,
            uid: 5,
            n: 2
        }
    );
    assert_eq!(
        e.to_string(),
        "weights[0] refers to uid 5, out of range (n = 2)"
    );
    input.weights = vec![vec![(1, 1), (1, 2)], vec![]];
    assert_eq!(
        epoch(&input).unwrap_err(),
        YumaError::DuplicateUid {
            matrix: "weights",
            row: 0,
            uid: 1
        }
    );
    input.weights = vec![vec![]];
    assert!(matches!(
        epoch(&input),
        Err(YumaError::LengthMismatch {
            field: "weights",
            ..
        })
    ));
    input.weights = vec![vec![], vec![]];
    input.stake = vec![u64::MAX, u64::MAX];
    assert!(matches!(
        epoch(&input),
        Err(YumaError::StakeOverflow { .. })
    ));
}
