//! The synthetic language and challenges.

use std::collections::BTreeSet;

use taonet_neuron::Subnet;
use taonet_subnet_text::{Language, TextSubnet, TextSubnetConfig};

#[test]
fn the_language_is_a_fixed_function_of_its_seed() {
    let a = Language::new().text(1, 4096);
    let b = Language::new().text(1, 4096);
    let c = Language::new().text(2, 4096);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 4096);
    // Pinned: the language and the sampler are shared by every validator and miner;
    // changing these bytes means a new language version (see the generator's docs).
    assert_eq!(
        String::from_utf8(a[..80].to_vec()).unwrap(),
        "Swampier, voyagers humbled advised outcome glumly animated. Affably scimitar sta"
    );
    let fnv = Language::new()
        .text(3, 100_000)
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    assert_eq!(fnv, 6_473_249_753_666_370_270);
}

#[test]
fn text_is_sentences_of_listed_words() {
    let lang = Language::new();
    let words: BTreeSet<&str> = lang.words().iter().copied().collect();
    assert_eq!(words.len(), 4096);
    let text = String::from_utf8(lang.text(9, 50_000)).unwrap();
    let mut sentences = 0;
    // Drop the last (truncated) token.
    let tokens: Vec<&str> = text.split([' ', '\n']).filter(|t| !t.is_empty()).collect();
    for tok in &tokens[..tokens.len() - 1] {
        let end = tok.ends_with(['.', '?', '!']);
        sentences += usize::from(end);
        let w = tok
            .trim_end_matches([',', '.', '?', '!'])
            .to_ascii_lowercase();
        assert!(words.contains(w.as_str()), "{tok:?} is not a listed word");
    }
    assert!(sentences > 500, "{sentences} sentences");
    // A Zipf law within classes: the most common word is far more common than the median.
    let mut freq = std::collections::BTreeMap::<String, usize>::new();
    for tok in &tokens {
        *freq
            .entry(
                tok.trim_end_matches([',', '.', '?', '!'])
                    .to_ascii_lowercase(),
            )
            .or_default() += 1;
    }
    let mut counts: Vec<usize> = freq.values().copied().collect();
    counts.sort_unstable();
    assert!(
        counts[counts.len() - 1] > 20 * counts[counts.len() / 2],
        "{counts:?}"
    );
}

#[test]
fn samples_are_independent_and_within_bounds() {
    let lang = Language::new();
    let s = lang.sample([3; 32], 200, 16, 64).unwrap();
    assert_eq!(s.len(), 200);
    for x in &s {
        assert!((16..=64).contains(&x.prefix.len()));
    }
    // Prefix i does not depend on how many prefixes were asked for (own stream per prefix).
    let fewer = lang.sample([3; 32], 10, 16, 64).unwrap();
    assert_eq!(&s[..10], &fewer[..]);
    // Distinct prefixes (independent draws, not windows of one text).
    let distinct: BTreeSet<&Vec<u8>> = s.iter().map(|x| &x.prefix).collect();
    assert_eq!(distinct.len(), 200);
    // No prefix contains a later prefix's text plus its target (no leaked targets).
    for (i, a) in s.iter().enumerate() {
        for b in &s[i + 1..] {
            let mut with_target = b.prefix.clone();
            with_target.push(b.target);
            assert!(
                !a.prefix
                    .windows(with_target.len())
                    .any(|w| w == with_target)
            );
        }
    }
    assert!(lang.sample([3; 32], 1, 10, 5).is_err());
    assert!(lang.sample([3; 32], 1, 10, 100_000).is_err());
}

#[test]
fn challenges_depend_only_on_the_seed_and_hide_targets() {
    let subnet = TextSubnet::new(TextSubnetConfig::default()).unwrap();
    let (r1, t1) = subnet.challenge([5; 32]);
    let (r2, t2) = subnet.challenge([5; 32]);
    let (r3, _) = subnet.challenge([6; 32]);
    assert_eq!(r1, r2);
    assert_eq!(t1, t2);
    assert_ne!(r1, r3);
    assert_eq!(r1.prefixes.len(), 128);
    assert!(r1.distributions.is_none());
    assert_eq!(t1.0.len(), 128);
    let json = serde_json::to_string(&r1).unwrap();
    assert!(!json.contains("target"));
}

#[test]
fn held_out_text_supplies_its_share_of_prefixes() {
    let held = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/devils-dictionary.txt"
    ))
    .unwrap();
    let cfg = TextSubnetConfig {
        prefixes: 40,
        heldout: Some(std::sync::Arc::new(held.clone())),
        heldout_percent: 25,
        ..Default::default()
    };
    let subnet = TextSubnet::new(cfg).unwrap();
    let (prefixes, targets) = subnet.samples([8; 32]);
    assert_eq!(prefixes.len(), 40);
    let from_held = prefixes
        .iter()
        .zip(&targets)
        .filter(|(p, t)| {
            let mut w = (*p).clone();
            w.push(**t);
            held.windows(w.len()).any(|x| x == w)
        })
        .count();
    assert_eq!(from_held, 10);

    let too_short = TextSubnetConfig {
        heldout: Some(std::sync::Arc::new(b"short".to_vec())),
        ..Default::default()
    };
    let err = TextSubnet::new(too_short).unwrap_err().to_string();
    assert!(err.contains("held-out text has 5 bytes"), "{err}");
    for bad in [
        TextSubnetConfig {
            prefixes: 0,
            ..Default::default()
        },
        TextSubnetConfig {
            prefixes: 5000,
            ..Default::default()
        },
        TextSubnetConfig {
            min_len: 300,
            ..Default::default()
        },
        TextSubnetConfig {
            heldout_percent: 101,
            ..Default::default()
        },
        TextSubnetConfig {
            sharpness: f64::NAN,
            ..Default::default()
        },
    ] {
        assert!(TextSubnet::new(bad).is_err());
    }
}
