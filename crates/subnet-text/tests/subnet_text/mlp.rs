//! The candle MLP miner (feature `candle`): learning the language, determinism, the model
//! file and its validation.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Instant;

use safetensors::tensor::{Dtype, TensorView};
use taonet_subnet_text::mlp::{self, MlpConfig, MlpModel, TrainOptions, TrainProgress};
use taonet_subnet_text::{Language, Model, NgramModel, TextError, evaluate_on_language};

/// Training text seed, evaluation seed and size of the evaluation (as in models.rs).
const TEXT_SEED: u64 = 11;
const EVAL_SEED: [u8; 32] = [77; 32];
const EVAL_COUNT: usize = 400;

/// The default-shape MLP, trained once for every test of this file that needs it.
fn trained() -> &'static MlpModel {
    static MODEL: OnceLock<MlpModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        let text = Language::new().text(TEXT_SEED, 300_000);
        let options = TrainOptions {
            steps: 600,
            batch_size: 128,
            learning_rate: 3e-3,
            seed: 1,
        };
        let started = Instant::now();
        let mut reports: Vec<TrainProgress> = Vec::new();
        let m =
            MlpModel::train(&MlpConfig::default(), &text, &options, |p| reports.push(p)).unwrap();
        let first = reports.first().unwrap().loss_bits_per_byte;
        let last: f64 = reports[reports.len() - 50..]
            .iter()
            .map(|p| p.loss_bits_per_byte)
            .sum::<f64>()
            / 50.0;
        eprintln!(
            "trained {} in {:.1} s; training loss {first:.3} -> {last:.3} bits/byte",
            m.describe(),
            started.elapsed().as_secs_f64()
        );
        assert_eq!(reports.len(), options.steps);
        assert_eq!(reports.last().map(|p| (p.step, p.steps)), Some((600, 600)));
        assert!(first > 7.0 && first < 8.5, "starts near uniform: {first}");
        assert!(last < first - 3.0, "{first} -> {last}");
        m
    })
}

fn tiny(seed: u64) -> MlpModel {
    let config = MlpConfig {
        context: 3,
        embedding: 2,
        hidden: 8,
        seed,
    };
    let options = TrainOptions {
        steps: 20,
        batch_size: 16,
        learning_rate: 1e-2,
        seed: seed + 100,
    };
    MlpModel::train(&config, b"hello world, hello miners", &options, |_| {}).unwrap()
}

#[test]
fn the_mlp_learns_the_language_better_than_a_unigram() {
    let lang = Language::new();
    let model = Model::Mlp(trained().clone());
    let mlp = evaluate_on_language(&model, &lang, EVAL_SEED, EVAL_COUNT, 32, 256).unwrap();
    let text = lang.text(TEXT_SEED, 300_000);
    let ngram: Vec<(usize, f64)> = [1, 2, 3, 4]
        .into_iter()
        .map(|order| {
            let m = Model::Ngram(NgramModel::train(order, &text, |_| {}).unwrap());
            let bpb = evaluate_on_language(&m, &lang, EVAL_SEED, EVAL_COUNT, 32, 256).unwrap();
            (order, bpb)
        })
        .collect();
    eprintln!("bits per byte on the language: MLP {mlp:.3}; n-gram by order {ngram:?}");
    // Uniform guessing is 8 bits; the unigram ≈ 4.2.
    assert!(mlp < 4.0, "MLP {mlp}");
    assert!(
        mlp < ngram[0].1 - 0.5,
        "MLP {mlp} vs unigram {}",
        ngram[0].1
    );
}

#[test]
fn a_saved_mlp_loads_identically_and_model_load_picks_it() {
    let m = trained();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/mlp.safetensors");
    m.save(&path).unwrap();
    assert!(!dir.path().join("sub/mlp.safetensors.tmp").exists());

    let back = MlpModel::load(&path).unwrap();
    assert_eq!(back.config(), m.config());
    assert_eq!(back.steps(), 600);
    assert_eq!(back.weights().unwrap(), m.weights().unwrap());
    let prefixes: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"T".to_vec(),
        b"The quick brown fox".to_vec(),
        Language::new().text(5, 300),
    ];
    let before = m.predict_batch(&prefixes);
    assert_eq!(back.predict_batch(&prefixes), before);
    for (p, d) in prefixes.iter().zip(&before) {
        assert!((d.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(d.iter().all(|&q| q > 0.0));
        // A prefix alone and inside a batch agree (up to the summation order of a batch).
        let alone = m.predict(p);
        let diff = alone
            .iter()
            .zip(d)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-5, "{diff}");
    }
    assert!(m.predict_batch(&[]).is_empty());

    let loaded = Model::load(&path).unwrap();
    assert!(matches!(loaded, Model::Mlp(_)));
    let d = loaded.describe();
    assert!(d.contains("MLP") && d.contains("600 steps"), "{d}");
    let wire = loaded.distributions(&prefixes);
    assert_eq!(wire.len(), prefixes.len());
    assert_eq!(wire[2], taonet_subnet_text::score::quantize(&before[2]));
}

#[test]
fn training_is_deterministic_from_its_seeds() {
    let a = tiny(3).weights().unwrap();
    assert_eq!(a, tiny(3).weights().unwrap());
    assert_ne!(a, tiny(4).weights().unwrap());
    // The shapes are the documented ones.
    let shapes: Vec<(&str, usize)> = a.iter().map(|(n, w)| (*n, w.len())).collect();
    assert_eq!(
        shapes,
        [
            ("embedding", 257 * 2),
            ("hidden1.weight", 8 * 6),
            ("hidden1.bias", 8),
            ("hidden2.weight", 64),
            ("hidden2.bias", 8),
            ("output.weight", 256 * 8),
            ("output.bias", 256),
        ]
    );
    assert_eq!(MlpConfig::default().parameters(), 185_104);
}

#[test]
fn bad_settings_are_refused() {
    let ok = TrainOptions {
        steps: 1,
        batch_size: 4,
        learning_rate: 1e-3,
        seed: 0,
    };
    let c = MlpConfig::default();
    let train = |c: MlpConfig, o: TrainOptions, text: &[u8]| MlpModel::train(&c, text, &o, |_| {});
    assert!(matches!(train(c, ok, b""), Err(TextError::Training(_))));
    for bad in [
        MlpConfig { context: 0, ..c },
        MlpConfig {
            context: mlp::MAX_CONTEXT + 1,
            ..c
        },
        MlpConfig { embedding: 0, ..c },
        MlpConfig {
            hidden: mlp::MAX_HIDDEN + 1,
            ..c
        },
    ] {
        assert!(
            matches!(train(bad, ok, b"abc"), Err(TextError::Config(_))),
            "{bad:?}"
        );
    }
    for bad in [
        TrainOptions { steps: 0, ..ok },
        TrainOptions {
            batch_size: 0,
            ..ok
        },
        TrainOptions {
            learning_rate: 0.0,
            ..ok
        },
        TrainOptions {
            learning_rate: f64::NAN,
            ..ok
        },
    ] {
        assert!(
            matches!(train(c, bad, b"abc"), Err(TextError::Config(_))),
            "{bad:?}"
        );
    }
    // A single byte of text is enough (an empty context predicts it).
    let tiny_config = MlpConfig {
        context: 2,
        embedding: 2,
        hidden: 4,
        seed: 0,
    };
    assert!(train(tiny_config, ok, b"x").is_ok());
}

#[test]
fn corrupt_and_wrongly_shaped_files_are_refused_clearly() {
    let good = tiny(1).to_bytes().unwrap();
    assert!(MlpModel::from_bytes(&good).is_ok());

    // Truncations are refused; byte flips never panic and either are refused or give a
    // model that still predicts distributions.
    for cut in [0, 7, 8, 100, good.len() / 2, good.len() - 1] {
        let err = MlpModel::from_bytes(&good[..cut]).unwrap_err();
        assert!(
            matches!(err, TextError::BadModel { .. }),
            "cut {cut}: {err}"
        );
    }
    for i in (0..good.len()).step_by(5) {
        let mut b = good.clone();
        b[i] ^= 0x5a;
        if let Ok(m) = MlpModel::from_bytes(&b) {
            let p = m.predict(b"hel");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6, "flip at {i}");
        }
    }

    // Through Model::load, a truncated file names the file.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.safetensors");
    std::fs::write(&p, &good[..good.len() - 10]).unwrap();
    let err = Model::load(&p).unwrap_err().to_string();
    assert!(err.contains("cut.safetensors"), "{err}");

    // Hand-made files: shapes, dtypes, metadata, values.
    fn meta(context: &'static str, hidden: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("format", mlp::FORMAT),
            ("version", "1"),
            ("context", context),
            ("embedding", "2"),
            ("hidden", hidden),
            ("seed", "0"),
            ("steps", "1"),
            ("trained_bytes", "1"),
        ]
    }
    let shapes = |hidden: usize| -> Vec<(&'static str, Vec<usize>)> {
        vec![
            ("embedding", vec![257, 2]),
            ("hidden1.weight", vec![hidden, 6]),
            ("hidden1.bias", vec![hidden]),
            ("hidden2.weight", vec![hidden, hidden]),
            ("hidden2.bias", vec![hidden]),
            ("output.weight", vec![256, hidden]),
            ("output.bias", vec![256]),
        ]
    };
    let refused = |bytes: Vec<u8>, want: &str| {
        let err = MlpModel::from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains(want), "expected {want:?} in: {err}");
        let p = dir.path().join("bad.safetensors");
        std::fs::write(&p, &bytes).unwrap();
        let err = Model::load(&p).unwrap_err();
        assert!(matches!(err, TextError::BadModel { .. }), "{err}");
    };

    // The hand-made builder itself makes a valid file.
    assert!(MlpModel::from_bytes(&file(&meta("3", "8"), &shapes(8), 0.1)).is_ok());
    // Metadata says hidden 8, tensors are hidden 4.
    refused(
        file(&meta("3", "8"), &shapes(4), 0.1),
        "tensor hidden1.weight is F32 [4, 6], expected F32 [8, 6]",
    );
    // Metadata says context 4, the first layer takes 3 bytes.
    refused(
        file(&meta("4", "8"), &shapes(8), 0.1),
        "expected F32 [8, 8]",
    );
    // Limits.
    refused(file(&meta("0", "8"), &shapes(8), 0.1), "MLP context 0");
    refused(
        file(&meta("3", "1000000"), &shapes(8), 0.1),
        "MLP hidden 1000000",
    );
    refused(
        file(&meta("3", "x"), &shapes(8), 0.1),
        "\"hidden\" is not a number",
    );
    // A missing, an extra and a misnamed tensor.
    let mut s = shapes(8);
    s.pop();
    refused(file(&meta("3", "8"), &s, 0.1), "6 tensors, expected 7");
    let mut s = shapes(8);
    s.push(("extra", vec![1]));
    refused(file(&meta("3", "8"), &s, 0.1), "8 tensors, expected 7");
    let mut s = shapes(8);
    s[6].0 = "output.bias2";
    refused(file(&meta("3", "8"), &s, 0.1), "tensor output.bias missing");
    // Non-finite weights.
    refused(file(&meta("3", "8"), &shapes(8), f32::NAN), "non-finite");
    // Wrong version, wrong metadata.
    let mut m = meta("3", "8");
    m[1].1 = "2";
    refused(file(&m, &shapes(8), 0.1), "version \"2\"");
    let mut m = meta("3", "8");
    m.remove(5);
    refused(file(&m, &shapes(8), 0.1), "metadata \"seed\" missing");
    // A wrong dtype.
    refused(file_f64(&meta("3", "8"), &shapes(8)), "is F64");
}

/// A safetensors file with `metadata` and F32 tensors of `shapes`, every weight `value`.
fn file(metadata: &[(&str, &str)], shapes: &[(&str, Vec<usize>)], value: f32) -> Vec<u8> {
    let data: Vec<Vec<u8>> = shapes
        .iter()
        .map(|(_, s)| {
            std::iter::repeat_n(value.to_le_bytes(), s.iter().product())
                .flatten()
                .collect()
        })
        .collect();
    serialize(metadata, shapes, &data, Dtype::F32)
}

fn file_f64(metadata: &[(&str, &str)], shapes: &[(&str, Vec<usize>)]) -> Vec<u8> {
    let data: Vec<Vec<u8>> = shapes
        .iter()
        .map(|(_, s)| vec![0u8; 8 * s.iter().product::<usize>()])
        .collect();
    serialize(metadata, shapes, &data, Dtype::F64)
}

fn serialize(
    metadata: &[(&str, &str)],
    shapes: &[(&str, Vec<usize>)],
    data: &[Vec<u8>],
    dtype: Dtype,
) -> Vec<u8> {
    let views: Vec<(String, TensorView<'_>)> = shapes
        .iter()
        .zip(data)
        .map(|((name, shape), bytes)| {
            (
                name.to_string(),
                TensorView::new(dtype, shape.clone(), bytes).unwrap(),
            )
        })
        .collect();
    let metadata: HashMap<String, String> = metadata
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    safetensors::serialize(views, Some(metadata)).unwrap()
}
