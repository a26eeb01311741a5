//! Runs every scenario under examples/yuma and checks the behaviour its description claims.
//! Set `YUMA_PRINT=1` to print each epoch's summary table.

use taonet_yuma_sim::{EpochReport, Scenario};

fn load(name: &str) -> Vec<EpochReport> {
    let path = format!("{}/../../examples/yuma/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("example exists");
    let s = Scenario::from_json_str(&text).expect("example parses");
    assert!(
        s.description.as_deref().is_some_and(|d| !d.is_empty()),
        "{name} has a description"
    );
    let r = s.run().expect("example runs");
    if std::env::var_os("YUMA_PRINT").is_some() {
        for rep in &r {
            println!("{}", rep.summary_table());
        }
    }
    r
}

fn at_block(r: &[EpochReport], block: u64) -> &EpochReport {
    r.iter()
        .find(|e| e.block == block)
        .expect("an epoch at that block")
}

#[test]
fn every_example_is_checked() {
    let dir = format!("{}/../../examples/yuma", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "colluding_minority.json",
            "new_miner_joining.json",
            "recorded_weight_copying.json",
            "validator_switching_miners.json",
            "weight_copying.json"
        ]
    );
}

/// Recorded from a live local network (`taonet sim record --copier-of 1`): the added copier
/// (the last uid) has uid 1's stake, and in every epoch where it earns anything it earns less
/// than uid 1, whose weights it copies one epoch late.
#[test]
fn recorded_weight_copying() {
    let r = load("recorded_weight_copying.json");
    assert!(r.len() >= 10);
    let copier = r[0].output.dividends.len() - 1;
    let mut earning = 0;
    for e in &r {
        let d = &e.output.dividends;
        if d[copier] > 0 {
            earning += 1;
            assert!(d[copier] < d[1], "block {}: {d:?}", e.block);
        }
    }
    assert!(earning >= 8, "the copier earned in {earning} epochs");
}

/// The copier (uid 3) earns as much as the honest validators while nothing changes, and less
/// than each of them from the honest move on, even after it has copied the new weights.
#[test]
fn weight_copying() {
    let r = load("weight_copying.json");
    let before = &at_block(&r, 1441).output.dividends;
    assert!(before[..3].iter().all(|d| *d == before[3]), "{before:?}");
    let after: Vec<&EpochReport> = r.iter().filter(|e| e.block > 1441).collect();
    assert_eq!(after.len(), 5);
    for e in after {
        let d = &e.output.dividends;
        assert!(d[..3].iter().all(|h| d[3] < *h), "block {}: {d:?}", e.block);
        assert!(e.output.validator_emission[3] < e.output.validator_emission[0]);
    }
    // Miner 6 takes over miner 4's incentive.
    let last = &r.last().unwrap().output;
    assert_eq!(last.incentive[4], 0);
    assert!(last.incentive[6] > last.incentive[5]);
}

/// The colluders' miner 8 gets consensus 0 and no incentive; colluders lose trust and
/// dividends per stake.
#[test]
fn colluding_minority() {
    let r = load("colluding_minority.json");
    for e in r.iter().skip(1) {
        let o = &e.output;
        assert_eq!(o.consensus[8], 0, "block {}", e.block);
        assert_eq!(o.incentive[8], 0);
        assert_eq!(o.server_emission[8], 0);
        assert!(o.incentive[5..8].iter().all(|i| *i > 20_000));
        for c in [3, 4] {
            for h in [0, 1, 2] {
                assert!(o.validator_trust[c] < o.validator_trust[h]);
                // dividends per unit of stake: d_c / s_c < d_h / s_h
                let (dc, dh) = (u128::from(o.dividends[c]), u128::from(o.dividends[h]));
                let (sc, sh) = (u128::from(e.stake[c]), u128::from(e.stake[h]));
                assert!(dc * sh < dh * sc, "block {} colluder {c} vs {h}", e.block);
            }
        }
    }
}

/// Validator 0's bond to miner 4 decays from its switch on; its bond to miner 5 is 0 while
/// only it backs miner 5 and grows every epoch once the majority follows.
#[test]
fn validator_switching_miners() {
    let r = load("validator_switching_miners.json");
    let b = |e: &EpochReport, j: usize| e.dense_bonds()[0][j];
    let after: Vec<&EpochReport> = r.iter().filter(|e| e.block > 1441).collect();
    let mut prev_4 = b(at_block(&r, 1441), 4);
    for e in &after {
        assert!(b(e, 4) < prev_4, "block {}: bond to 4 decays", e.block);
        prev_4 = b(e, 4);
    }
    assert_eq!(b(after[0], 5), 0, "clipped while alone on miner 5");
    assert_eq!(after[0].output.validator_trust[0], 0);
    for w in after[1..].windows(2) {
        assert!(b(w[1], 5) > b(w[0], 5), "bond to 5 grows");
    }
    assert!(b(after[0], 5) < b(after[1], 5));
    let last = after.last().unwrap();
    assert!(b(last, 5) > b(last, 4), "the bonds have shifted to miner 5");
}

/// The newcomer on uid 5 earns rising incentive; bonds toward it were masked once.
#[test]
fn new_miner_joining() {
    let r = load("new_miner_joining.json");
    let joined: Vec<&EpochReport> = r.iter().filter(|e| e.block > 1082).collect();
    assert_eq!(joined.len(), 4);
    for w in joined.windows(2) {
        assert!(w[1].output.incentive[5] > w[0].output.incentive[5]);
    }
    assert!(joined[0].output.incentive[5] > 0);
    // The first epoch after registration drops the predecessor's bonds toward uid 5: only
    // the fresh α·w term remains, far below the old bond.
    let old = at_block(&r, 1081).dense_bonds()[0][5];
    let new = joined[0].dense_bonds()[0][5];
    assert!(new * 10 < old, "old {old}, new {new}");
}
