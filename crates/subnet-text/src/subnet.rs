//! The validator side: [`TextSubnet`] implements [`taonet_neuron::Subnet`].

use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use taonet_neuron::{Score, Subnet};

use crate::TextError;
use crate::generator::{self, Language, below};
use crate::score;
use crate::synapse::NextByte;

/// Validator settings of the text subnet.
#[derive(Clone, Debug)]
pub struct TextSubnetConfig {
    /// Prefixes per request (128).
    pub prefixes: usize,
    /// Shortest prefix in bytes (32).
    pub min_len: usize,
    /// Longest prefix in bytes (256).
    pub max_len: usize,
    /// The validator's private held-out text, if any.
    pub heldout: Option<Arc<Vec<u8>>>,
    /// Percentage of prefixes taken from the held-out text when there is some (25).
    pub heldout_percent: u8,
    /// k in the reward `2^(−k·bpb)` (2).
    pub sharpness: f64,
}

impl Default for TextSubnetConfig {
    fn default() -> Self {
        TextSubnetConfig {
            prefixes: 128,
            min_len: 32,
            max_len: 256,
            heldout: None,
            heldout_percent: 25,
            sharpness: score::DEFAULT_SHARPNESS,
        }
    }
}

/// The next-byte prediction subnet.
#[derive(Clone, Debug)]
pub struct TextSubnet {
    config: TextSubnetConfig,
    language: Arc<Language>,
}

/// What the validator keeps from a challenge: the true next bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets(pub Vec<u8>);

impl TextSubnet {
    /// A text subnet validator with `config`.
    ///
    /// # Errors
    /// [`TextError::Config`] for unusable settings (no prefixes, too many, bad lengths,
    /// held-out text shorter than `min_len + 1`, a share above 100, a non-positive
    /// sharpness).
    pub fn new(config: TextSubnetConfig) -> Result<Self, TextError> {
        if config.prefixes == 0 || config.prefixes > crate::synapse::MAX_PREFIXES {
            return Err(TextError::Config(format!(
                "{} prefixes per request: use 1 to {}",
                config.prefixes,
                crate::synapse::MAX_PREFIXES
            )));
        }
        generator::check_lengths(config.min_len, config.max_len)?;
        if config.heldout_percent > 100 {
            return Err(TextError::Config(format!(
                "held-out share {}%: use 0 to 100",
                config.heldout_percent
            )));
        }
        if let Some(h) = &config.heldout
            && h.len() <= config.min_len
        {
            return Err(TextError::Config(format!(
                "held-out text has {} bytes; it needs more than the shortest prefix ({} bytes)",
                h.len(),
                config.min_len
            )));
        }
        if !(config.sharpness.is_finite() && config.sharpness > 0.0) {
            return Err(TextError::Config(format!(
                "sharpness {}: use a positive number",
                config.sharpness
            )));
        }
        Ok(TextSubnet {
            config,
            language: Arc::new(Language::new()),
        })
    }

    /// The validator settings this subnet was built with.
    pub fn config(&self) -> &TextSubnetConfig {
        &self.config
    }

    /// The public language.
    pub fn language(&self) -> &Language {
        &self.language
    }

    /// The prefixes and targets of the challenge for `seed` (deterministic).
    pub fn samples(&self, seed: [u8; 32]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let c = &self.config;
        let held = match &c.heldout {
            Some(_) => (c.prefixes * usize::from(c.heldout_percent) / 100).min(c.prefixes),
            None => 0,
        };
        // Lengths were checked in `new`, so sampling cannot fail.
        let synthetic = self
            .language
            .sample(seed, c.prefixes - held, c.min_len, c.max_len)
            .unwrap_or_default();
        let (mut prefixes, mut targets): (Vec<Vec<u8>>, Vec<u8>) =
            synthetic.into_iter().map(|s| (s.prefix, s.target)).unzip();
        if let Some(h) = &c.heldout {
            let mut rng = ChaCha20Rng::from_seed(seed);
            rng.set_stream(u64::MAX);
            for _ in 0..held {
                // A position with at least min_len bytes before it.
                let pos = c.min_len
                    + below(
                        &mut rng,
                        (h.len() - c.min_len).min(u32::MAX as usize) as u32,
                    ) as usize;
                let len = (c.min_len
                    + below(&mut rng, (c.max_len - c.min_len + 1) as u32) as usize)
                    .min(pos);
                prefixes.push(h[pos - len..pos].to_vec());
                targets.push(h[pos]);
            }
        }
        (prefixes, targets)
    }

    /// Scores an answer: bits per byte (see [`crate::score`]).
    pub fn bits_per_byte(&self, targets: &Targets, answer: Option<&NextByte>) -> f64 {
        let decoded = answer.and_then(|a| a.decode_distributions(targets.0.len()).ok());
        score::bits_per_byte(decoded.as_deref(), &targets.0)
    }
}

impl Subnet for TextSubnet {
    type Synapse = NextByte;
    type Challenge = Targets;

    fn name(&self) -> &str {
        "text"
    }

    fn challenge(&self, seed: [u8; 32]) -> (NextByte, Targets) {
        let (prefixes, targets) = self.samples(seed);
        // Within the synapse limits by construction (checked in `new`).
        let request = NextByte::request(&prefixes).unwrap_or_default();
        (request, Targets(targets))
    }

    fn score(&self, challenge: &Targets, answer: Option<&NextByte>) -> Score {
        let bpb = self.bits_per_byte(challenge, answer);
        Score {
            reward: score::reward(bpb, self.config.sharpness),
            metric: bpb,
        }
    }
}
