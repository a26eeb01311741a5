//! Miner models behind one type: load any taonet model file and answer `NextByte`.

use std::path::Path;

use taonet_neuron::{ForwardError, MinerModel};

use crate::ngram::{self, NgramModel};
use crate::score;
use crate::synapse::{Distribution, NextByte};
use crate::{Language, TextError, file};

/// The `format` metadata value of MLP model files (module `mlp`, feature `candle`); known
/// without the feature so such a file is refused with a hint.
pub const MLP_FORMAT: &str = "taonet-mlp";

/// A loaded miner model.
#[derive(Debug)]
pub enum Model {
    /// The byte n-gram model.
    Ngram(NgramModel),
    /// The candle byte MLP (feature `candle`).
    #[cfg(feature = "candle")]
    Mlp(crate::mlp::MlpModel),
}

impl Model {
    /// Loads a model file, picking the kind from its `format` metadata.
    ///
    /// # Errors
    /// [`TextError::Io`], [`TextError::BadModel`], or [`TextError::UnsupportedModel`] for a
    /// kind this build lacks.
    pub fn load(path: &Path) -> Result<Self, TextError> {
        let bytes = file::read(path)?;
        let format = file::format_of(&bytes).ok_or_else(|| TextError::BadModel {
            path: path.to_path_buf(),
            reason: "not a safetensors file with a \"format\" entry in its metadata (train \
                     one with `taonet miner train`)"
                .into(),
        })?;
        match format.as_str() {
            ngram::FORMAT => NgramModel::from_bytes(&bytes)
                .map(Model::Ngram)
                .map_err(|e| file::with_path(path, e)),
            #[cfg(feature = "candle")]
            MLP_FORMAT => crate::mlp::MlpModel::from_bytes(&bytes)
                .map(Model::Mlp)
                .map_err(|e| file::with_path(path, e)),
            #[cfg(not(feature = "candle"))]
            MLP_FORMAT => Err(TextError::UnsupportedModel {
                path: path.to_path_buf(),
                kind: format,
                hint: ": rebuild taonet with `--features candle`".into(),
            }),
            _ => Err(TextError::UnsupportedModel {
                path: path.to_path_buf(),
                kind: format,
                hint: String::new(),
            }),
        }
    }

    /// A one-line description for logs.
    pub fn describe(&self) -> String {
        match self {
            Model::Ngram(m) => format!(
                "byte {}-gram, {} entries, trained on {} bytes",
                m.order(),
                m.entries(),
                m.trained_bytes()
            ),
            #[cfg(feature = "candle")]
            Model::Mlp(m) => m.describe(),
        }
    }

    /// Next-byte probabilities after `context`.
    pub fn predict(&self, context: &[u8]) -> [f64; 256] {
        match self {
            Model::Ngram(m) => m.predict(context),
            #[cfg(feature = "candle")]
            Model::Mlp(m) => m.predict(context),
        }
    }

    /// The wire distributions for a batch of prefixes (the MLP predicts them in one
    /// forward pass).
    pub fn distributions(&self, prefixes: &[Vec<u8>]) -> Vec<Distribution> {
        match self {
            #[cfg(feature = "candle")]
            Model::Mlp(m) => m
                .predict_batch(prefixes)
                .iter()
                .map(score::quantize)
                .collect(),
            _ => prefixes
                .iter()
                .map(|p| score::quantize(&self.predict(p)))
                .collect(),
        }
    }
}

impl Model {
    /// Like [`Model::distributions`], but a failure inside the model (candle) is an error
    /// rather than a uniform guess: a miner answers it with an error status.
    ///
    /// # Errors
    /// [`TextError::Candle`] when the MLP's forward pass fails.
    pub fn try_distributions(&self, prefixes: &[Vec<u8>]) -> Result<Vec<Distribution>, TextError> {
        #[cfg(feature = "candle")]
        if let Model::Mlp(m) = self {
            return Ok(m
                .try_predict_batch(prefixes)?
                .iter()
                .map(score::quantize)
                .collect());
        }
        Ok(self.distributions(prefixes))
    }
}

impl MinerModel<NextByte> for Model {
    fn answer(&self, mut request: NextByte) -> Result<NextByte, ForwardError> {
        let prefixes = request
            .decode_prefixes()
            .map_err(|e| ForwardError(e.to_string()))?;
        let ds = self
            .try_distributions(&prefixes)
            .map_err(|e| ForwardError(e.to_string()))?;
        request.set_distributions(&ds);
        Ok(request)
    }
}

/// A model's bits per byte on `count` samples of the language drawn from `seed`, scored
/// exactly as a validator scores (quantised, floored, renormalised).
///
/// # Errors
/// [`TextError::Config`] for unusable prefix lengths.
pub fn evaluate_on_language(
    model: &Model,
    language: &Language,
    seed: [u8; 32],
    count: usize,
    min_len: usize,
    max_len: usize,
) -> Result<f64, TextError> {
    let samples = language.sample(seed, count, min_len, max_len)?;
    let prefixes: Vec<Vec<u8>> = samples.iter().map(|s| s.prefix.clone()).collect();
    let targets: Vec<u8> = samples.iter().map(|s| s.target).collect();
    let answers: Vec<Option<Distribution>> = model
        .distributions(&prefixes)
        .into_iter()
        .map(Some)
        .collect();
    Ok(score::bits_per_byte(Some(&answers), &targets))
}

/// A model's bits per byte predicting every byte of `text` from up to `context` preceding
/// bytes, scored as a validator scores.
pub fn evaluate_on_text(model: &Model, text: &[u8], context: usize) -> f64 {
    if text.is_empty() {
        return score::WORST_BITS;
    }
    let total: f64 = (0..text.len())
        .map(|t| {
            let p = model.predict(&text[t.saturating_sub(context)..t]);
            score::bits(Some(&score::quantize(&p)), text[t])
        })
        .sum();
    total / text.len() as f64
}
