//! Scoring rules, the wire codec and its limits.

use proptest::prelude::*;
use taonet_subnet_text::score::{self, WORST_BITS};
use taonet_subnet_text::synapse::{self, MAX_PREFIX_BYTES, MAX_PREFIXES};
use taonet_subnet_text::{Distribution, NextByte, Targets, TextSubnet, TextSubnetConfig};

fn point(b: u8) -> Distribution {
    let mut d = [0u16; 256];
    d[usize::from(b)] = 65535;
    d
}

proptest! {
    #[test]
    fn bits_are_bounded(d in proptest::collection::vec(any::<u16>(), 256), t in any::<u8>()) {
        let d: Distribution = d.try_into().unwrap();
        let b = score::bits(Some(&d), t);
        prop_assert!((0.0..=WORST_BITS + 1e-9).contains(&b), "{}", b);
    }

    #[test]
    fn probabilities_sum_to_one_and_respect_the_floor(
        d in proptest::collection::vec(any::<u16>(), 256)
    ) {
        let d: Distribution = d.try_into().unwrap();
        if let Some(p) = score::probabilities(&d) {
            let sum: f64 = p.iter().sum();
            prop_assert!((sum - 1.0).abs() < 1e-9);
            let floor = score::FLOOR / (1.0 + 255.0 * score::FLOOR);
            prop_assert!(p.iter().all(|&q| q >= floor * (1.0 - 1e-12)));
        } else {
            prop_assert!(d.iter().all(|&w| w == 0));
        }
    }

    #[test]
    fn distributions_round_trip(d in proptest::collection::vec(any::<u16>(), 256)) {
        let d: Distribution = d.try_into().unwrap();
        prop_assert_eq!(synapse::decode_distribution(&synapse::encode_distribution(&d)).unwrap(), d);
    }

    #[test]
    fn rewards_keep_the_order_of_bits(a in 0.0f64..17.0, b in 0.0f64..17.0) {
        let (ra, rb) = (score::reward(a, 2.0), score::reward(b, 2.0));
        prop_assert!(ra > 0.0 && ra <= 1.0);
        if a < b { prop_assert!(ra > rb); }
    }
}

#[test]
fn confident_right_and_wrong_answers() {
    assert!(score::bits(Some(&point(7)), 7) < 0.006);
    assert!((score::bits(Some(&point(7)), 8) - WORST_BITS).abs() < 1e-9);
    assert_eq!(score::bits(None, 7), WORST_BITS);
    assert_eq!(score::bits(Some(&[0; 256]), 7), WORST_BITS);
}

#[test]
fn wrong_shaped_and_missing_answers_score_worst() {
    let subnet = TextSubnet::new(TextSubnetConfig::default()).unwrap();
    let targets = Targets(vec![1, 2, 3]);
    let mut perfect = NextByte::request(&[b"a", b"b", b"c"]).unwrap();
    perfect.set_distributions(&[point(1), point(2), point(3)]);
    assert!(subnet.bits_per_byte(&targets, Some(&perfect)) < 0.01);

    // Missing answer, missing field, too few and too many distributions: worst.
    let mut short = perfect.clone();
    short.distributions.as_mut().unwrap().pop();
    let mut long = perfect.clone();
    long.distributions
        .as_mut()
        .unwrap()
        .push(synapse::encode_distribution(&point(0)));
    let empty = NextByte {
        distributions: None,
        ..perfect.clone()
    };
    for a in [None, Some(&short), Some(&long), Some(&empty)] {
        assert_eq!(subnet.bits_per_byte(&targets, a), WORST_BITS);
        let s = taonet_neuron::Subnet::score(&subnet, &targets, a);
        assert_eq!(s.reward, score::reward(WORST_BITS, 2.0));
    }
    // One garbled entry costs the worst on that prefix only.
    let mut garbled = perfect.clone();
    garbled.distributions.as_mut().unwrap()[1] = "not base64!".into();
    let b = subnet.bits_per_byte(&targets, Some(&garbled));
    assert!((b - WORST_BITS / 3.0).abs() < 0.01, "{b}");
}

#[test]
fn codec_limits_are_enforced() {
    let too_many = vec![b"x".to_vec(); MAX_PREFIXES + 1];
    assert!(NextByte::request(&too_many).is_err());
    assert!(NextByte::request::<Vec<u8>>(&[]).is_err());
    let too_long = vec![vec![b'x'; MAX_PREFIX_BYTES + 1]];
    assert!(NextByte::request(&too_long).is_err());

    let mut req = NextByte::request(&[b"hello"]).unwrap();
    assert_eq!(req.decode_prefixes().unwrap(), vec![b"hello".to_vec()]);
    req.prefixes[0] = "%%%".into();
    let err = req.decode_prefixes().unwrap_err().to_string();
    assert!(
        err.contains("prefixes[0]") && err.contains("base64"),
        "{err}"
    );
    req.prefixes[0] = "A".repeat(20_000);
    assert!(
        req.decode_prefixes()
            .unwrap_err()
            .to_string()
            .contains("at most")
    );

    assert!(synapse::decode_distribution("AAAA").is_err());
    // Right length of characters, wrong padding/alphabet.
    assert!(synapse::decode_distribution(&"*".repeat(684)).is_err());
}

#[test]
fn mixtures_weight_by_loss() {
    let w = score::mixture_weights(&[2.0, 3.0, f64::NAN], 2.0);
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((w[0] / w[1] - 4.0).abs() < 1e-9);
    assert_eq!(w[2], 0.0);

    // Mixing a right and a uniform answer beats the uniform one and keeps all bytes possible.
    let uniform = [1u16; 256];
    let mix = score::combine(&[(1.0, &point(9)), (1.0, &uniform)]).unwrap();
    assert!(score::bits(Some(&mix), 9) < 1.1);
    assert!(score::bits(Some(&mix), 10) < 9.1);
    assert!(score::combine(&[(0.0, &uniform)]).is_none());
    assert!(score::combine(&[(1.0, &[0; 256])]).is_none());
}
