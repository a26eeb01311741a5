//! The n-gram miner: training, quality by order, the model file.

use taonet_subnet_text::ngram::{NgramModel, Progress};
use taonet_subnet_text::{Language, Model, TextError, evaluate_on_language, evaluate_on_text};

fn devils() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/devils-dictionary.txt"
    ))
    .unwrap()
}

#[test]
fn higher_orders_predict_the_language_better() {
    let lang = Language::new();
    let text = lang.text(11, 300_000);
    let mut bpb = Vec::new();
    for order in [1, 2, 4] {
        let mut steps = Vec::new();
        let m = NgramModel::train(order, &text, |p| steps.push(p)).unwrap();
        assert_eq!(
            steps.last(),
            Some(&Progress {
                done: order,
                total: order
            })
        );
        assert_eq!(steps.len(), order);
        let m = Model::Ngram(m);
        bpb.push(evaluate_on_language(&m, &lang, [77; 32], 400, 32, 256).unwrap());
    }
    eprintln!("bits per byte by order 1, 2, 4: {bpb:?}");
    // Uniform guessing is 8 bits; the unigram is ≈ 4.2; each order is visibly better.
    assert!(bpb[0] < 5.0 && bpb[0] > 3.5, "{bpb:?}");
    assert!(bpb[1] < bpb[0] - 0.5, "{bpb:?}");
    assert!(bpb[2] < bpb[1] - 0.5, "{bpb:?}");
}

#[test]
fn predictions_are_distributions_that_follow_the_counts() {
    let m = NgramModel::train(3, b"abababababababab", |_| {}).unwrap();
    let p = m.predict(b"xab");
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    // After "ab" only "a" was ever seen.
    assert!(p[usize::from(b'a')] > 0.8, "{}", p[usize::from(b'a')]);
    assert!(p.iter().all(|&q| q > 0.0));
    // Unseen contexts back off to shorter ones; an empty context is the unigram.
    let q = m.predict(b"zz");
    assert!((q[usize::from(b'a')] - q[usize::from(b'b')]).abs() < 0.1);
}

#[test]
fn a_saved_model_loads_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/m.safetensors");
    let m = NgramModel::train(5, &devils(), |_| {}).unwrap();
    m.save(&path).unwrap();
    assert!(!dir.path().join("sub/m.safetensors.tmp").exists());
    let back = NgramModel::load(&path).unwrap();
    assert_eq!(back, m);
    let loaded = Model::load(&path).unwrap();
    assert!(
        loaded.describe().contains("5-gram"),
        "{}",
        loaded.describe()
    );
    // Trained on the Devil's Dictionary, it predicts it far better than chance.
    let bpb = evaluate_on_text(&loaded, &devils()[..20_000], 8);
    assert!(bpb < 2.5, "{bpb}");
}

#[test]
fn corrupt_and_foreign_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let good = NgramModel::train(2, b"hello world", |_| {})
        .unwrap()
        .to_bytes()
        .unwrap();

    let p = dir.path().join("garbage.bin");
    std::fs::write(&p, b"definitely not a model").unwrap();
    let err = Model::load(&p).unwrap_err().to_string();
    assert!(
        err.contains("garbage.bin") && err.contains("taonet miner train"),
        "{err}"
    );

    let missing = dir.path().join("missing.safetensors");
    assert!(matches!(Model::load(&missing), Err(TextError::Io { .. })));

    // Truncations and single-byte flips never panic and are refused or decode to a
    // consistent model.
    for cut in [0, 7, 8, good.len() / 2, good.len() - 1] {
        assert!(NgramModel::from_bytes(&good[..cut]).is_err(), "cut {cut}");
    }
    for i in (0..good.len()).step_by(3) {
        let mut b = good.clone();
        b[i] ^= 0x5a;
        if let Ok(m) = NgramModel::from_bytes(&b) {
            let p = m.predict(b"hel");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        }
    }

    // Another safetensors file (no taonet metadata) is named as such.
    let other = safetensors_without_metadata();
    let p = dir.path().join("other.safetensors");
    std::fs::write(&p, other).unwrap();
    let err = Model::load(&p).unwrap_err().to_string();
    assert!(err.contains("\"format\""), "{err}");

    assert!(NgramModel::train(0, b"x", |_| {}).is_err());
    assert!(NgramModel::train(9, b"x", |_| {}).is_err());
    assert!(NgramModel::train(2, b"", |_| {}).is_err());
}

#[test]
#[cfg(not(feature = "candle"))]
fn an_mlp_file_is_refused_with_the_rebuild_hint_without_candle() {
    // The smallest safetensors file that claims to be an MLP model.
    let header = br#"{"__metadata__":{"format":"taonet-mlp","version":"1"},"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[1, 2]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mlp.safetensors");
    std::fs::write(&p, bytes).unwrap();
    let err = Model::load(&p).unwrap_err();
    assert!(
        matches!(&err, TextError::UnsupportedModel { kind, .. } if kind == "taonet-mlp"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("mlp.safetensors") && msg.contains("rebuild taonet with `--features candle`"),
        "{msg}"
    );
}

fn safetensors_without_metadata() -> Vec<u8> {
    let header = br#"{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header);
    out.extend_from_slice(&[1, 2]);
    out
}
