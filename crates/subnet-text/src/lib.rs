//! The default taonet subnet (netuid 1): **next-byte prediction**.
//!
//! A validator sends a batch of independent text prefixes ([`NextByte`]); a miner answers,
//! for each, a distribution over the next byte; the validator scores the answer in bits per
//! byte of the true next bytes ([`score`]), on text drawn from a public synthetic language
//! with its secret per-epoch seed ([`generator`]), optionally mixed with its private
//! held-out text. Miners can learn the language from unlimited samples but cannot have
//! memorised the test text. [`TextSubnet`] plugs this into the generic validator loop of
//! `taonet-neuron`; [`Model`] (a byte n-gram, [`ngram`], or with the off-by-default cargo
//! feature `candle` a byte-level neural MLP trained with candle, `mlp`) plugs into its miner
//! loop. Without the feature the chain builds without candle, and an MLP model file is
//! refused with a hint to rebuild with `--features candle`. A gateway validator answers paid
//! queries with a continuation generated from the loss-weighted mixture of the top miners
//! ([`gateway`]); [`mixture`] measures that mixture against the best single miner.
//!
//! ```
//! use taonet_neuron::{MinerModel, Subnet};
//! use taonet_subnet_text::{Language, Model, NgramModel, TextSubnet, TextSubnetConfig};
//!
//! // A miner trains a 4-gram model on the public language (any seed of its own)…
//! let text = Language::new().text(7, 200_000);
//! let model = Model::Ngram(NgramModel::train(4, &text, |_| {})?);
//!
//! // …and a validator scores its answer to a secret challenge.
//! let subnet = TextSubnet::new(TextSubnetConfig::default())?;
//! let (request, targets) = subnet.challenge([42; 32]);
//! let answer = model.answer(request).map_err(|e| e.0)?;
//! let score = subnet.score(&targets, Some(&answer));
//! assert!(score.metric < 3.0, "bits per byte {}", score.metric); // uniform guessing = 8
//! assert!(score.reward > 0.0 && score.reward <= 1.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//! - The language and every challenge are pure functions of public constants and the
//!   seed, integer-only and portable ([`generator`]).
//! - Prefixes in one request are independent: none overlaps another or contains another's
//!   target.
//! - A score is bounded: every byte costs at most [`score::WORST_BITS`]; missing, late,
//!   malformed or wrong-shaped answers cost exactly that ([`score`]).
//! - Decoders of untrusted bytes (requests, responses, model files) enforce explicit limits
//!   and refuse anything malformed with a [`TextError`]; they never panic.

pub mod error;
mod file;
pub mod gateway;
pub mod generator;
pub mod mixture;
#[cfg(feature = "candle")]
pub mod mlp;
pub mod model;
pub mod ngram;
pub mod score;
pub mod subnet;
pub mod synapse;

pub use error::TextError;
pub use generator::{Language, Sample};
#[cfg(feature = "candle")]
pub use mlp::{MlpConfig, MlpModel};
pub use model::{Model, evaluate_on_language, evaluate_on_text};
pub use ngram::NgramModel;
pub use subnet::{Targets, TextSubnet, TextSubnetConfig};
pub use synapse::{Distribution, NextByte};
