//! The candle MLP miner (feature `candle`): a byte-level neural language model trained with
//! AdamW on CPU, stored as safetensors.
//!
//! # Model
//! The last `context` bytes before the predicted byte, each an index into a 257-entry
//! embedding (bytes 0–255, plus [`PAD`] = 256 filling the left of shorter prefixes), are
//! concatenated and fed through two hidden layers with a residual connection:
//!
//! ```text
//! x      = [E(b₁) … E(b_context)]                  (context·embedding)
//! h₁     = gelu(W₁ x + c₁)                          (hidden)
//! h₂     = h₁ + gelu(W₂ h₁ + c₂)                    (hidden)
//! P(b)   = softmax(W₃ h₂ + c₃)_b                    (256)
//! ```
//!
//! With the defaults (context 12, embedding 16, hidden 256) this is research/ml.md's model C,
//! 185,104 parameters. Training draws random positions of the text (1 in 8 with a randomly
//! shortened, left-padded context so short prefixes are predicted well too), minimises the
//! cross-entropy with AdamW and a cosine learning-rate decay to a tenth of the peak.
//!
//! # Determinism
//! candle's CPU random generator cannot be seeded, so every weight is initialised from
//! ChaCha20 seeded with [`MlpConfig::seed`] and every batch is drawn from ChaCha20 seeded with
//! [`TrainOptions::seed`]: the same seeds and text give the same weights on the same build
//! and CPU. (Predictions are not bit-portable across CPUs; scoring never needs them to be.)
//!
//! # File format (`format = taonet-mlp`, version 1)
//! A safetensors file with metadata `format`, `version`, `context`, `embedding`, `hidden`,
//! `seed`, `steps` and `trained_bytes` (decimal integers) and exactly seven F32 tensors:
//! `embedding` `[257, embedding]`, `hidden1.weight` `[hidden, context·embedding]`,
//! `hidden1.bias` `[hidden]`, `hidden2.weight` `[hidden, hidden]`, `hidden2.bias` `[hidden]`,
//! `output.weight` `[256, hidden]` and `output.bias` `[256]` (weights are `[out, in]`, as in
//! candle-nn and PyTorch). Loading checks the metadata, the limits [`MAX_CONTEXT`],
//! [`MAX_EMBEDDING`] and [`MAX_HIDDEN`], every tensor's dtype and shape, and that every weight
//! is finite, so a corrupt or hostile file is refused with a reason instead of panicking or
//! mispredicting.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Module, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use candle_nn::{Embedding, Linear};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use safetensors::tensor::{Dtype, TensorView};

use crate::{TextError, file};

/// The `format` metadata value of MLP model files.
pub const FORMAT: &str = crate::model::MLP_FORMAT;
/// The embedding index of padding (left of prefixes shorter than the context).
pub const PAD: u32 = 256;
/// Largest context (bytes) a model may use.
pub const MAX_CONTEXT: usize = 64;
/// Largest embedding width.
pub const MAX_EMBEDDING: usize = 256;
/// Largest hidden width.
pub const MAX_HIDDEN: usize = 2048;
/// Largest training batch.
pub const MAX_BATCH: usize = 65_536;
/// Prefixes per forward pass of [`MlpModel::predict_batch`] (bounds its memory; requests
/// are far smaller, so a request is one pass).
pub const PREDICT_CHUNK: usize = 4096;

const VOCAB: usize = 257;
const OUTPUTS: usize = 256;

/// The shape of an MLP and the seed of its initial weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MlpConfig {
    /// Context bytes (1 to [`MAX_CONTEXT`]; default 12).
    pub context: usize,
    /// Embedding width per byte (1 to [`MAX_EMBEDDING`]; default 16).
    pub embedding: usize,
    /// Width of both hidden layers (1 to [`MAX_HIDDEN`]; default 256).
    pub hidden: usize,
    /// Seed of the initial weights (default 0).
    pub seed: u64,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            context: 12,
            embedding: 16,
            hidden: 256,
            seed: 0,
        }
    }
}

impl MlpConfig {
    /// Checks the limits.
    ///
    /// # Errors
    /// [`TextError::Config`] naming the setting out of range.
    pub fn validate(&self) -> Result<(), TextError> {
        check_range("MLP context", self.context, MAX_CONTEXT).map_err(TextError::Config)?;
        check_range("MLP embedding", self.embedding, MAX_EMBEDDING).map_err(TextError::Config)?;
        check_range("MLP hidden", self.hidden, MAX_HIDDEN).map_err(TextError::Config)
    }

    /// Number of trainable parameters.
    pub fn parameters(&self) -> usize {
        let (c, e, h) = (self.context, self.embedding, self.hidden);
        VOCAB * e + (c * e + 1) * h + (h + 1) * h + (h + 1) * OUTPUTS
    }
}

fn check_range(what: &str, value: usize, max: usize) -> Result<(), String> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("{what} {value}: use 1 to {max}"))
    }
}

/// How to train.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainOptions {
    /// Optimiser steps (at least 1).
    pub steps: usize,
    /// Targets per step (1 to [`MAX_BATCH`]).
    pub batch_size: usize,
    /// Peak AdamW learning rate (decays by a cosine to a tenth of it).
    pub learning_rate: f64,
    /// Seed of the batch sampling.
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            steps: 2000,
            batch_size: 128,
            learning_rate: 3e-3,
            seed: 0,
        }
    }
}

/// Training progress, reported after every step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainProgress {
    /// Steps done (1 to `steps`).
    pub step: usize,
    /// Steps in all.
    pub steps: usize,
    /// This step's training loss, in bits per byte.
    pub loss_bits_per_byte: f64,
}

/// The weights, as candle tensors.
#[derive(Clone, Debug)]
struct Params {
    embedding: Tensor,
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
    wo: Tensor,
    bo: Tensor,
}

/// Tensor names and shapes, in file order.
fn layout(c: &MlpConfig) -> [(&'static str, [usize; 2]); 7] {
    let (ce, e, h) = (c.context * c.embedding, c.embedding, c.hidden);
    [
        ("embedding", [VOCAB, e]),
        ("hidden1.weight", [h, ce]),
        ("hidden1.bias", [h, 0]),
        ("hidden2.weight", [h, h]),
        ("hidden2.bias", [h, 0]),
        ("output.weight", [OUTPUTS, h]),
        ("output.bias", [OUTPUTS, 0]),
    ]
}

/// The dims of a layout entry (`[n, 0]` is 1-d).
fn dims(shape: [usize; 2]) -> Vec<usize> {
    if shape[1] == 0 {
        vec![shape[0]]
    } else {
        shape.to_vec()
    }
}

impl Params {
    fn from_tensors(t: Vec<Tensor>) -> Result<Self, TextError> {
        let [embedding, w1, b1, w2, b2, wo, bo]: [Tensor; 7] =
            t.try_into().map_err(|t: Vec<Tensor>| {
                TextError::Candle(format!("{} tensors, expected 7", t.len()))
            })?;
        Ok(Params {
            embedding,
            w1,
            b1,
            w2,
            b2,
            wo,
            bo,
        })
    }

    fn tensors(&self) -> [&Tensor; 7] {
        [
            &self.embedding,
            &self.w1,
            &self.b1,
            &self.w2,
            &self.b2,
            &self.wo,
            &self.bo,
        ]
    }

    /// Logits `[batch, 256]` for context indices `ids` (`[batch, context]`, u32).
    fn forward(&self, config: &MlpConfig, ids: &Tensor) -> candle_core::Result<Tensor> {
        let batch = ids.dim(0)?;
        let x = Embedding::new(self.embedding.clone(), config.embedding)
            .forward(ids)?
            .reshape((batch, config.context * config.embedding))?;
        let h1 = Linear::new(self.w1.clone(), Some(self.b1.clone()))
            .forward(&x)?
            .gelu()?;
        let h2 = (&h1
            + Linear::new(self.w2.clone(), Some(self.b2.clone()))
                .forward(&h1)?
                .gelu()?)?;
        Linear::new(self.wo.clone(), Some(self.bo.clone())).forward(&h2)
    }
}

impl From<candle_core::Error> for TextError {
    fn from(e: candle_core::Error) -> Self {
        TextError::Candle(e.to_string())
    }
}

/// A trained byte MLP.
#[derive(Clone, Debug)]
pub struct MlpModel {
    config: MlpConfig,
    steps: u64,
    trained_bytes: u64,
    params: Params,
}

/// A uniform draw from `0..n` (`n ≥ 1`; the bias of 2⁻³² is irrelevant here).
fn below(rng: &mut impl RngCore, n: usize) -> usize {
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// A uniform draw from `[-a, a)`.
fn uniform(rng: &mut impl RngCore, a: f32) -> f32 {
    // 24 random bits give every representable step of [0, 1).
    let u = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
    (2.0 * u - 1.0) * a
}

/// Appends the context indices of `prefix` (its last `context` bytes, left-padded).
fn push_ids(ids: &mut Vec<u32>, prefix: &[u8], context: usize) {
    let tail = &prefix[prefix.len().saturating_sub(context)..];
    ids.extend(std::iter::repeat_n(PAD, context - tail.len()));
    ids.extend(tail.iter().map(|&b| u32::from(b)));
}

impl MlpModel {
    /// Trains a model of shape `config` on `text`, calling `progress` after every step.
    ///
    /// # Errors
    /// [`TextError::Config`] for a shape or option out of range, [`TextError::Training`] for
    /// empty text or a diverged loss, [`TextError::Candle`] if candle fails.
    pub fn train(
        config: &MlpConfig,
        text: &[u8],
        options: &TrainOptions,
        mut progress: impl FnMut(TrainProgress),
    ) -> Result<Self, TextError> {
        config.validate()?;
        if options.steps == 0 {
            return Err(TextError::Config(
                "MLP training steps: use at least 1".into(),
            ));
        }
        check_range("MLP batch size", options.batch_size, MAX_BATCH).map_err(TextError::Config)?;
        if !(options.learning_rate.is_finite() && options.learning_rate > 0.0) {
            return Err(TextError::Config(format!(
                "MLP learning rate {}: use a positive number",
                options.learning_rate
            )));
        }
        if text.is_empty() {
            return Err(TextError::Training("no training text".into()));
        }

        let vars = init_vars(config)?;
        let params = Params::from_tensors(vars.iter().map(|v| v.as_tensor().clone()).collect())?;
        let mut optimizer = AdamW::new(
            vars.clone(),
            ParamsAdamW {
                lr: options.learning_rate,
                weight_decay: 0.01,
                ..ParamsAdamW::default()
            },
        )?;

        let (c, b) = (config.context, options.batch_size);
        let mut rng = ChaCha20Rng::seed_from_u64(options.seed);
        let mut ids = Vec::with_capacity(b * c);
        let mut targets = Vec::with_capacity(b);
        for step in 0..options.steps {
            ids.clear();
            targets.clear();
            for _ in 0..b {
                let t = below(&mut rng, text.len());
                let mut k = t.min(c);
                if below(&mut rng, 8) == 0 {
                    k = below(&mut rng, k + 1);
                }
                push_ids(&mut ids, &text[t - k..t], c);
                targets.push(u32::from(text[t]));
            }
            let x = Tensor::from_slice(&ids, (b, c), &Device::Cpu)?;
            let y = Tensor::from_slice(&targets, b, &Device::Cpu)?;
            let logits = params.forward(config, &x)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y)?;
            let progress_fraction = step as f64 / options.steps as f64;
            let decay = 0.5 * (1.0 + (std::f64::consts::PI * progress_fraction).cos());
            optimizer.set_learning_rate(options.learning_rate * (0.1 + 0.9 * decay));
            optimizer.backward_step(&loss)?;
            let nats = f64::from(loss.to_scalar::<f32>()?);
            if !nats.is_finite() {
                return Err(TextError::Training(format!(
                    "the loss diverged at step {} (try a lower learning rate)",
                    step + 1
                )));
            }
            progress(TrainProgress {
                step: step + 1,
                steps: options.steps,
                loss_bits_per_byte: nats / std::f64::consts::LN_2,
            });
        }
        drop(optimizer);
        let params =
            Params::from_tensors(vars.into_iter().map(|v| v.as_detached_tensor()).collect())?;
        Ok(MlpModel {
            config: *config,
            steps: options.steps as u64,
            trained_bytes: text.len() as u64,
            params,
        })
    }

    /// The shape (and initial seed) of the model.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }

    /// Training steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Bytes of the training text.
    pub fn trained_bytes(&self) -> u64 {
        self.trained_bytes
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        let c = &self.config;
        format!(
            "byte MLP (context {}, embedding {}, hidden {}, {} parameters), trained {} steps on \
             {} bytes",
            c.context,
            c.embedding,
            c.hidden,
            c.parameters(),
            self.steps,
            self.trained_bytes
        )
    }

    /// Every weight, by tensor name in file order (row-major).
    ///
    /// # Errors
    /// [`TextError::Candle`] if candle fails.
    pub fn weights(&self) -> Result<Vec<(&'static str, Vec<f32>)>, TextError> {
        layout(&self.config)
            .iter()
            .zip(self.params.tensors())
            .map(|((name, _), t)| Ok((*name, t.flatten_all()?.to_vec1::<f32>()?)))
            .collect()
    }

    /// Next-byte probabilities after each prefix (only its last `context` bytes matter),
    /// one forward pass per [`PREDICT_CHUNK`] prefixes.
    ///
    /// # Errors
    /// [`TextError::Candle`] if candle fails (the shapes checked on load rule that out).
    pub fn try_predict_batch(&self, prefixes: &[Vec<u8>]) -> Result<Vec<[f64; 256]>, TextError> {
        let c = self.config.context;
        let mut out = Vec::with_capacity(prefixes.len());
        let mut ids = Vec::new();
        for chunk in prefixes.chunks(PREDICT_CHUNK) {
            ids.clear();
            for p in chunk {
                push_ids(&mut ids, p, c);
            }
            let x = Tensor::from_slice(&ids, (chunk.len(), c), &Device::Cpu)?;
            let logits = self.params.forward(&self.config, &x)?.to_vec2::<f32>()?;
            out.extend(logits.iter().map(|row| softmax(row)));
        }
        Ok(out)
    }

    /// [`try_predict_batch`](Self::try_predict_batch), with a uniform distribution for every
    /// prefix should candle fail (which validated shapes rule out).
    pub fn predict_batch(&self, prefixes: &[Vec<u8>]) -> Vec<[f64; 256]> {
        self.try_predict_batch(prefixes)
            .unwrap_or_else(|_| vec![[1.0 / 256.0; 256]; prefixes.len()])
    }

    /// Next-byte probabilities after `context` (see [`predict_batch`](Self::predict_batch)).
    pub fn predict(&self, context: &[u8]) -> [f64; 256] {
        self.predict_batch(&[context.to_vec()])
            .pop()
            .unwrap_or([1.0 / 256.0; 256])
    }

    /// Serialises to safetensors bytes.
    ///
    /// # Errors
    /// [`TextError::Candle`] or [`TextError::BadModel`] if the weights cannot be serialised.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TextError> {
        let layout = layout(&self.config);
        let data: Vec<(&str, Vec<usize>, Vec<u8>)> = layout
            .iter()
            .zip(self.weights()?)
            .map(|((name, shape), (_, w))| {
                (
                    *name,
                    dims(*shape),
                    w.iter().flat_map(|x| x.to_le_bytes()).collect(),
                )
            })
            .collect();
        let bad = |reason: String| TextError::BadModel {
            path: Default::default(),
            reason,
        };
        let mut views = Vec::with_capacity(data.len());
        for (name, shape, bytes) in &data {
            let view = TensorView::new(Dtype::F32, shape.clone(), bytes)
                .map_err(|e| bad(format!("{name}: {e}")))?;
            views.push((name.to_string(), view));
        }
        let c = &self.config;
        let metadata: HashMap<String, String> = [
            ("format", FORMAT.to_string()),
            ("version", "1".to_string()),
            ("context", c.context.to_string()),
            ("embedding", c.embedding.to_string()),
            ("hidden", c.hidden.to_string()),
            ("seed", c.seed.to_string()),
            ("steps", self.steps.to_string()),
            ("trained_bytes", self.trained_bytes.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        safetensors::serialize(views, Some(metadata)).map_err(|e| bad(format!("serialising: {e}")))
    }

    /// Writes the model to `path` (via a temporary file, then a rename, so a crash never
    /// leaves a half-written model under the final name).
    ///
    /// # Errors
    /// [`TextError::Io`] and those of [`to_bytes`](Self::to_bytes).
    pub fn save(&self, path: &Path) -> Result<(), TextError> {
        let bytes = self.to_bytes()?;
        file::write_atomically(path, &bytes)
    }

    /// Reads a model from `path`.
    ///
    /// # Errors
    /// [`TextError::Io`], or [`TextError::BadModel`] naming what is wrong with the file.
    pub fn load(path: &Path) -> Result<Self, TextError> {
        let bytes = file::read(path)?;
        Self::from_bytes(&bytes).map_err(|e| file::with_path(path, e))
    }

    /// Decodes safetensors bytes, checking every rule of the file format.
    ///
    /// # Errors
    /// [`TextError::BadModel`] naming the broken rule.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TextError> {
        let bad = file::bad;
        let (st, md) = file::parse(bytes)?;
        let get = |k: &str| {
            md.get(k)
                .cloned()
                .ok_or_else(|| bad(format!("metadata {k:?} missing")))
        };
        let number = |k: &str| -> Result<u64, TextError> {
            get(k)?
                .parse()
                .map_err(|_| bad(format!("metadata {k:?} is not a number")))
        };
        let format = get("format")?;
        if format != FORMAT {
            return Err(bad(format!("format is {format:?}, expected {FORMAT:?}")));
        }
        let version = get("version")?;
        if version != "1" {
            return Err(bad(format!(
                "format version {version:?} is not supported (1 is)"
            )));
        }
        let size = |k: &str| -> Result<usize, TextError> {
            usize::try_from(number(k)?).map_err(|_| bad(format!("metadata {k:?} is too large")))
        };
        let config = MlpConfig {
            context: size("context")?,
            embedding: size("embedding")?,
            hidden: size("hidden")?,
            seed: number("seed")?,
        };
        config.validate().map_err(|e| match e {
            TextError::Config(reason) => bad(reason),
            other => other,
        })?;
        let steps = number("steps")?;
        let trained_bytes = number("trained_bytes")?;
        let layout = layout(&config);
        if st.len() != layout.len() {
            return Err(bad(format!(
                "{} tensors, expected {}: {}",
                st.len(),
                layout.len(),
                layout.map(|(n, _)| n).join(", ")
            )));
        }
        let mut tensors = Vec::with_capacity(layout.len());
        for (name, shape) in layout {
            let t = st
                .tensor(name)
                .map_err(|_| bad(format!("tensor {name} missing")))?;
            let want = dims(shape);
            if t.dtype() != Dtype::F32 || t.shape() != want.as_slice() {
                return Err(bad(format!(
                    "tensor {name} is {:?} {:?}, expected F32 {want:?} for context {}, \
                     embedding {}, hidden {}",
                    t.dtype(),
                    t.shape(),
                    config.context,
                    config.embedding,
                    config.hidden
                )));
            }
            let values: Vec<f32> = t
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            if values.len() != want.iter().product::<usize>() {
                return Err(bad(format!("tensor {name}: data does not match its shape")));
            }
            if values.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("tensor {name} holds a non-finite weight")));
            }
            tensors.push(
                Tensor::from_vec(values, want, &Device::Cpu).map_err(|e| bad(e.to_string()))?,
            );
        }
        let params = Params::from_tensors(tensors)?;
        Ok(MlpModel {
            config,
            steps,
            trained_bytes,
            params,
        })
    }
}

/// The initial weights: embeddings uniform in ±1, each layer uniform in ±1/√fan_in (the
/// output layer a tenth of that, so training starts near the uniform distribution), biases
/// zero; all from ChaCha20 seeded with `config.seed`.
fn init_vars(config: &MlpConfig) -> Result<Vec<Var>, TextError> {
    let mut rng = ChaCha20Rng::seed_from_u64(config.seed);
    layout(config)
        .iter()
        .map(|(name, shape)| {
            let n = shape[0] * shape[1].max(1);
            let scale = match *name {
                "embedding" => 1.0,
                "hidden1.weight" | "hidden2.weight" => 1.0 / (shape[1] as f32).sqrt(),
                "output.weight" => 0.1 / (shape[1] as f32).sqrt(),
                _ => 0.0,
            };
            let values: Vec<f32> = (0..n)
                .map(|_| {
                    if scale == 0.0 {
                        0.0
                    } else {
                        uniform(&mut rng, scale)
                    }
                })
                .collect();
            Ok(Var::from_vec(values, dims(*shape), &Device::Cpu)?)
        })
        .collect()
}

/// Softmax of f32 logits, computed in f64.
fn softmax(logits: &[f32]) -> [f64; 256] {
    let mut p = [0.0f64; 256];
    let max = logits
        .iter()
        .fold(f64::NEG_INFINITY, |m, &x| m.max(f64::from(x)));
    let mut total = 0.0;
    for (q, &x) in p.iter_mut().zip(logits) {
        *q = (f64::from(x) - max).exp();
        total += *q;
    }
    if !(total.is_finite() && total > 0.0) {
        return [1.0 / 256.0; 256];
    }
    for q in &mut p {
        *q /= total;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_ids_are_left_padded() {
        let mut ids = Vec::new();
        push_ids(&mut ids, b"ab", 4);
        push_ids(&mut ids, b"abcdef", 4);
        push_ids(&mut ids, b"", 2);
        assert_eq!(
            ids,
            [PAD, PAD, 97, 98, 99, 100, 101, 102, PAD, PAD].to_vec()
        );
    }

    #[test]
    fn softmax_is_a_distribution() {
        let mut logits = [0.0f32; 256];
        logits[7] = 100.0;
        let p = softmax(&logits);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[7] > 0.99);
        assert_eq!(softmax(&[f32::NAN; 256]), [1.0 / 256.0; 256]);
    }

    #[test]
    fn the_default_shape_is_model_c() {
        assert_eq!(MlpConfig::default().parameters(), 185_104);
    }
}
