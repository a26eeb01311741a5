//! `taonet miner train`, `eval`, `mixture` and `corpus`: offline work on miner models (no
//! node).
//!
//! `train` fits a byte n-gram (or, built with `--features candle`, an MLP) on the public
//! synthetic language or a text file, saves it as safetensors and reports its bits per byte
//! on the public sample [`EVAL_SEED`]; `eval` scores a saved model the way validators do;
//! `mixture` compares mixtures of several n-gram miners with the best one alone; `corpus`
//! writes text of the public language, for miners trained outside taonet (in Python, say).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde_json::json;
use taonet_subnet_text::ngram::NgramModel;
use taonet_subnet_text::{Language, Model, evaluate_on_language, evaluate_on_text};

use crate::{Global, usage};

/// The fixed seed `miner train` and `miner eval` report bits per byte on (public, so
/// numbers are comparable between models; validators use secret seeds).
pub const EVAL_SEED: [u8; 32] = *b"taonet miner eval seed, public!!";

#[derive(Args, Debug)]
pub(super) struct CorpusArgs {
    /// Where to write the text.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Bytes of text.
    #[arg(long, default_value_t = 2_000_000)]
    bytes: usize,
    /// Seed of the text (the same seed always gives the same text).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

/// Most bytes `miner corpus` writes in one go (256 MiB).
const MAX_CORPUS_BYTES: usize = 256 << 20;

/// `taonet miner corpus`: `--bytes` of the public synthetic language from `--seed`, written
/// atomically to `--out`.
pub(super) fn corpus(a: CorpusArgs, global: Global) -> Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(usage!(
            "{} already exists; pass --force to replace it",
            a.out.display()
        ));
    }
    if a.bytes == 0 || a.bytes > MAX_CORPUS_BYTES {
        return Err(usage!(
            "--bytes must be 1 to {MAX_CORPUS_BYTES}, got {}",
            a.bytes
        ));
    }
    let text = Language::new().text(a.seed, a.bytes);
    taonet_crypto::atomic_file::write_atomic(&a.out, &text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", a.out.display()))?;
    if global.json {
        println!(
            "{}",
            json!({"out": a.out.display().to_string(), "bytes": text.len(), "seed": a.seed})
        );
    } else {
        println!(
            "Wrote {} bytes of the synthetic language (seed {}) to {}.",
            text.len(),
            a.seed,
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub(super) struct MixtureArgs {
    /// n-gram orders of the miners (comma-separated).
    #[arg(long, default_value = "6,4,2", value_delimiter = ',')]
    orders: Vec<usize>,
    /// Bytes of synthetic-language text each miner is trained on.
    #[arg(long, default_value_t = 1_000_000)]
    train_bytes: usize,
    /// Train each miner on its own text (seeds 1, 2, …) instead of all on seed 1.
    #[arg(long)]
    independent: bool,
    /// Use this text file instead of the language: miners train on its first 80%, weights
    /// are fitted on the next 10% and measured on the last 10%.
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
    /// Held-out bytes of the language (half to fit, half to measure).
    #[arg(long, default_value_t = 40_000)]
    heldout_bytes: usize,
    /// Seed of the held-out text of the language.
    #[arg(long, default_value_t = 424_242)]
    heldout_seed: u64,
    /// Bytes of context for each prediction.
    #[arg(long, default_value_t = 8)]
    context: usize,
}

/// Kinds of miner model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModelKind {
    /// Byte n-gram counts with Witten–Bell smoothing (seconds to train).
    Ngram,
    /// A byte MLP trained with candle (needs a build with `--features candle`).
    Mlp,
}

#[derive(Args, Debug)]
pub(super) struct TrainArgs {
    /// Where to save the model (safetensors).
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// The kind of model.
    #[arg(long, value_enum, default_value_t = ModelKind::Ngram)]
    kind: ModelKind,
    /// n-gram order: 1 (bytes alone) to 8 (7 bytes of context).
    #[arg(long, default_value_t = 5)]
    order: usize,
    /// MLP: optimiser steps.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// MLP: bytes of context.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 12)]
    context: usize,
    /// MLP: hidden layer width.
    #[cfg_attr(not(feature = "candle"), allow(dead_code))]
    #[arg(long, default_value_t = 256)]
    hidden: usize,
    /// Train on this text file instead of the synthetic language.
    #[arg(long, value_name = "FILE")]
    corpus: Option<PathBuf>,
    /// Bytes of synthetic-language text to train on (without --corpus).
    #[arg(long, default_value_t = 2_000_000)]
    bytes: usize,
    /// Seed of the synthetic training text.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
pub(super) struct EvalArgs {
    /// The model file.
    #[arg(long, value_name = "PATH")]
    model: PathBuf,
    /// Prefixes drawn from the synthetic language.
    #[arg(long, default_value_t = 1024)]
    samples: usize,
    /// Also score every byte of this text file (8 bytes of context).
    #[arg(long, value_name = "FILE")]
    text: Option<PathBuf>,
}

/// A model file, or a usage error that says how to train one.
pub(super) fn load_model(path: &Path) -> Result<Model> {
    Model::load(path).map_err(|e| match e {
        taonet_subnet_text::TextError::Io { .. } => usage!(
            "{e}; train a model first with `taonet miner train --out {}`",
            path.display()
        ),
        other => usage!("{other}"),
    })
}

/// A progress bar on stderr (hidden with `--json` or off a terminal).
fn progress_bar(global: Global, len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = if global.json || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(len)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:28} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// `miner train`: train, save, and score on the public sample.
pub(super) fn train(a: TrainArgs, global: Global) -> Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(usage!(
            "{} already exists; pass --force to replace it",
            a.out.display()
        ));
    }
    if !(1..=taonet_subnet_text::ngram::MAX_ORDER).contains(&a.order) {
        return Err(usage!(
            "--order must be 1 to {}, got {}",
            taonet_subnet_text::ngram::MAX_ORDER,
            a.order
        ));
    }
    if a.kind == ModelKind::Mlp && !cfg!(feature = "candle") {
        return Err(mlp_unavailable());
    }
    let language = Language::new();
    let (text, source) = match &a.corpus {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --corpus {}: {e}", path.display()))?;
            if text.is_empty() {
                return Err(usage!("--corpus {} is empty", path.display()));
            }
            (text, path.display().to_string())
        }
        None => {
            if a.bytes == 0 || a.bytes > u32::MAX as usize {
                return Err(usage!("--bytes must be 1 to {}", u32::MAX));
            }
            let bar = progress_bar(global, 1, "generating training text");
            let text = language.text(a.seed, a.bytes);
            bar.finish_and_clear();
            (text, format!("synthetic language, seed {}", a.seed))
        }
    };
    let started = Instant::now();
    let model = match a.kind {
        ModelKind::Ngram => {
            let bar = progress_bar(global, a.order as u64, "counting contexts");
            let model = NgramModel::train(a.order, &text, |p| bar.set_position(p.done as u64))
                .map_err(|e| usage!("{e}"))?;
            bar.finish_and_clear();
            model.save(&a.out)?;
            Model::Ngram(model)
        }
        ModelKind::Mlp => train_mlp(&a, &text, global)?,
    };
    let bpb = evaluate_on_language(&model, &language, EVAL_SEED, 1024, 32, 256)?;
    let description = model.describe();
    let out = json!({
        "model": a.out,
        "kind": match a.kind { ModelKind::Ngram => "ngram", ModelKind::Mlp => "mlp" },
        "description": description,
        "trained_bytes": text.len(),
        "source": source,
        "seconds": started.elapsed().as_secs_f64(),
        "bits_per_byte": bpb,
    });
    if global.json {
        println!("{out}");
    } else {
        println!(
            "Saved {description} (trained on {} bytes of {source}) to {}.",
            text.len(),
            a.out.display()
        );
        println!("Bits per byte on the public evaluation sample: {bpb:.3} (uniform guessing: 8).");
        println!(
            "Serve it: taonet miner run --netuid 1 --model {} --register",
            a.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `miner eval`: bits per byte on the language (and `--text`), and the reward.
pub(super) fn eval(a: EvalArgs, global: Global) -> Result<ExitCode> {
    if a.samples == 0 || a.samples > 1_000_000 {
        return Err(usage!("--samples must be 1 to 1000000"));
    }
    let model = load_model(&a.model)?;
    let language = Language::new();
    let bpb = evaluate_on_language(&model, &language, EVAL_SEED, a.samples, 32, 256)?;
    let text_bpb = match &a.text {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --text {}: {e}", path.display()))?;
            Some(evaluate_on_text(&model, &text, 8))
        }
        None => None,
    };
    // The reward a validator would give (default sharpness).
    let reward =
        taonet_subnet_text::score::reward(bpb, taonet_subnet_text::score::DEFAULT_SHARPNESS);
    if global.json {
        println!(
            "{}",
            json!({
                "model": a.model,
                "description": model.describe(),
                "samples": a.samples,
                "bits_per_byte": bpb,
                "reward": reward,
                "text_bits_per_byte": text_bpb,
            })
        );
    } else {
        println!("{}: {}", a.model.display(), model.describe());
        println!(
            "bits per byte on {} prefixes of the synthetic language: {bpb:.3} (reward {reward:.4})",
            a.samples
        );
        if let (Some(b), Some(p)) = (text_bpb, &a.text) {
            println!("bits per byte on {}: {b:.3}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `miner mixture`: each miner alone, the best one, and three mixtures of them.
pub(super) fn mixture(a: MixtureArgs, global: Global) -> Result<ExitCode> {
    if a.orders.is_empty() || a.orders.len() > 8 {
        return Err(usage!("--orders takes 1 to 8 orders"));
    }
    for &o in &a.orders {
        if !(1..=taonet_subnet_text::ngram::MAX_ORDER).contains(&o) {
            return Err(usage!(
                "--orders: {o} is not 1 to {}",
                taonet_subnet_text::ngram::MAX_ORDER
            ));
        }
    }
    if a.context == 0 || a.context > 64 {
        return Err(usage!("--context must be 1 to 64"));
    }
    let started = Instant::now();
    let language = Language::new();
    let (models, fit, eval, source) = match &a.text {
        Some(path) => {
            let text = std::fs::read(path)
                .map_err(|e| usage!("cannot read --text {}: {e}", path.display()))?;
            if text.len() < 1_000 {
                return Err(usage!(
                    "--text {} is too short (< 1000 bytes)",
                    path.display()
                ));
            }
            let n = text.len();
            let (train, rest) = text.split_at(n * 8 / 10);
            let (fit, eval) = rest.split_at(rest.len() / 2);
            let models = a
                .orders
                .iter()
                .map(|&o| NgramModel::train(o, train, |_| {}).map(Model::Ngram))
                .collect::<Result<Vec<_>, _>>()?;
            (
                models,
                fit.to_vec(),
                eval.to_vec(),
                path.display().to_string(),
            )
        }
        None => {
            if a.heldout_bytes < 1_000 || a.train_bytes == 0 {
                return Err(usage!(
                    "--heldout-bytes must be at least 1000 and --train-bytes positive"
                ));
            }
            let shared = language.text(1, a.train_bytes);
            let models = a
                .orders
                .iter()
                .enumerate()
                .map(|(i, &o)| {
                    if a.independent {
                        NgramModel::train(o, &language.text(1 + i as u64, a.train_bytes), |_| {})
                    } else {
                        NgramModel::train(o, &shared, |_| {})
                    }
                    .map(Model::Ngram)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let heldout = language.text(a.heldout_seed, a.heldout_bytes);
            let (fit, eval) = heldout.split_at(heldout.len() / 2);
            (
                models,
                fit.to_vec(),
                eval.to_vec(),
                format!("synthetic language, held-out seed {}", a.heldout_seed),
            )
        }
    };
    let refs: Vec<&Model> = models.iter().collect();
    let r = taonet_subnet_text::mixture::compare(&refs, &fit, &eval, a.context);
    let gain = |x: f64| (x - r.best_single) / r.best_single * 100.0;
    if global.json {
        println!(
            "{}",
            json!({
                "source": source,
                "orders": a.orders,
                "independent": a.independent,
                "train_bytes": a.train_bytes,
                "report": r,
                "seconds": started.elapsed().as_secs_f64(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} miners (n-gram orders {:?}{}), {source}; fitted on {} bytes, measured on {}:",
        models.len(),
        a.orders,
        if a.independent {
            ", each on its own text"
        } else {
            ""
        },
        r.fit_bytes,
        r.eval_bytes
    );
    for (o, b) in a.orders.iter().zip(&r.singles) {
        println!("  order {o} alone:              {b:.4} bits/byte");
    }
    println!("  best single miner:          {:.4}", r.best_single);
    println!(
        "  equal-weight mixture:       {:.4} ({:+.2}%)",
        r.equal,
        gain(r.equal)
    );
    println!(
        "  score-weighted (2^-4·bpb):  {:.4} ({:+.2}%)  weights {:.3?}",
        r.score_weighted,
        gain(r.score_weighted),
        r.score_weights
    );
    println!(
        "  EM-fitted mixture:          {:.4} ({:+.2}%)  weights {:.3?}",
        r.em,
        gain(r.em),
        r.em_weights
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "candle")]
fn train_mlp(a: &TrainArgs, text: &[u8], global: Global) -> Result<Model> {
    use taonet_subnet_text::mlp::{MlpConfig, MlpModel, TrainOptions};
    let config = MlpConfig {
        context: a.context,
        hidden: a.hidden,
        seed: a.seed,
        ..MlpConfig::default()
    };
    let options = TrainOptions {
        steps: a.steps,
        seed: a.seed,
        ..TrainOptions::default()
    };
    let bar = progress_bar(global, a.steps as u64, "training the MLP");
    let model = MlpModel::train(&config, text, &options, |p| {
        bar.set_position(p.step as u64);
        bar.set_message(format!(
            "training the MLP ({:.2} bpb)",
            p.loss_bits_per_byte
        ));
    })
    .map_err(|e| match e {
        taonet_subnet_text::TextError::Config(_) => usage!("{e}"),
        other => anyhow::anyhow!("{other}"),
    })?;
    bar.finish_and_clear();
    model.save(&a.out)?;
    Ok(Model::Mlp(model))
}

#[cfg(not(feature = "candle"))]
fn train_mlp(_: &TrainArgs, _: &[u8], _: Global) -> Result<Model> {
    Err(mlp_unavailable())
}

/// The error for `--kind mlp` in a build without the MLP.
fn mlp_unavailable() -> anyhow::Error {
    usage!(
        "this taonet was built without the MLP: rebuild it with `cargo install --path crates/cli --features candle` (or use --kind ngram)"
    )
}
