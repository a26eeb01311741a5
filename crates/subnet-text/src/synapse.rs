//! The `NextByte` synapse: a batch of independent text prefixes, answered with one
//! next-byte distribution per prefix.
//!
//! # Wire format
//! A JSON object with two fields next to bittensor's base synapse fields:
//! - `prefixes`: list of strings, each the **standard base64** (with padding) of one prefix's
//!   raw bytes (prefixes may end inside a UTF-8 sequence, so they travel as bytes);
//! - `distributions`: `null` in requests; in responses a list with one string per prefix,
//!   each the standard base64 of **256 little-endian `u16`** (512 bytes): relative
//!   weights of the next byte being 0, 1, …, 255. They need not sum to anything: the
//!   validator divides by their sum, then floors every probability at 2⁻¹⁶ and
//!   renormalises ([`crate::score`]).
//!
//! Only `prefixes` is covered by the body hash (bittensor 10), as the request.
//!
//! # Limits
//! Decoders refuse more than [`MAX_PREFIXES`] prefixes, a prefix longer than
//! [`MAX_PREFIX_BYTES`] bytes, and distributions of any length other than 512 bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use taonet_neuron::Synapse;

use crate::TextError;

/// Most prefixes one request may carry.
pub const MAX_PREFIXES: usize = 1024;
/// Longest prefix, in bytes.
pub const MAX_PREFIX_BYTES: usize = 8192;
/// Bytes of one encoded distribution (256 × u16).
pub const DISTRIBUTION_BYTES: usize = 512;

/// Relative next-byte weights: index = byte value.
pub type Distribution = [u16; 256];

/// The text subnet's request/response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextByte {
    /// Base64 of each prefix.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Base64 of each answer's 256 little-endian u16 weights (`None` in requests).
    #[serde(default)]
    pub distributions: Option<Vec<String>>,
}

impl Synapse for NextByte {
    const NAME: &'static str = "NextByte";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["prefixes"];
}

impl NextByte {
    /// A request for the next byte after each of `prefixes`.
    ///
    /// # Errors
    /// [`TextError::Malformed`] when a limit is broken (so a validator never sends what a
    /// miner must refuse).
    pub fn request<P: AsRef<[u8]>>(prefixes: &[P]) -> Result<Self, TextError> {
        check_count(prefixes.len())?;
        let mut out = Vec::with_capacity(prefixes.len());
        for (i, p) in prefixes.iter().enumerate() {
            let p = p.as_ref();
            check_len(i, p.len())?;
            out.push(STANDARD.encode(p));
        }
        Ok(NextByte {
            prefixes: out,
            distributions: None,
        })
    }

    /// Decodes the prefixes (a miner's first step), enforcing the limits.
    ///
    /// # Errors
    /// [`TextError::Malformed`] naming the bad prefix.
    pub fn decode_prefixes(&self) -> Result<Vec<Vec<u8>>, TextError> {
        check_count(self.prefixes.len())?;
        self.prefixes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                // base64 is 4 chars per 3 bytes: refuse oversized strings before decoding.
                if s.len() > MAX_PREFIX_BYTES.div_ceil(3) * 4 {
                    return Err(too_long(i, s.len() / 4 * 3));
                }
                let bytes = STANDARD.decode(s).map_err(|e| TextError::Malformed {
                    field: format!("prefixes[{i}]"),
                    reason: format!("not standard base64: {e}"),
                })?;
                check_len(i, bytes.len())?;
                Ok(bytes)
            })
            .collect()
    }

    /// Sets the response: one distribution per prefix, in order.
    pub fn set_distributions(&mut self, distributions: &[Distribution]) {
        self.distributions = Some(distributions.iter().map(encode_distribution).collect());
    }

    /// Decodes the response's distributions (`None` entries are malformed ones; the outer
    /// `Err` means the response as a whole is unusable: missing or the wrong count).
    ///
    /// # Errors
    /// [`TextError::Malformed`] when there are no distributions or not one per prefix.
    pub fn decode_distributions(
        &self,
        expected: usize,
    ) -> Result<Vec<Option<Distribution>>, TextError> {
        let Some(ds) = &self.distributions else {
            return Err(TextError::Malformed {
                field: "distributions".into(),
                reason: "missing".into(),
            });
        };
        if ds.len() != expected {
            return Err(TextError::Malformed {
                field: "distributions".into(),
                reason: format!("{} entries for {expected} prefixes", ds.len()),
            });
        }
        Ok(ds.iter().map(|s| decode_distribution(s).ok()).collect())
    }
}

/// The base64 of one distribution (512 bytes, little-endian u16).
pub fn encode_distribution(d: &Distribution) -> String {
    let mut bytes = [0u8; DISTRIBUTION_BYTES];
    for (chunk, w) in bytes.chunks_exact_mut(2).zip(d) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    STANDARD.encode(bytes)
}

/// Decodes one distribution.
///
/// # Errors
/// [`TextError::Malformed`] for bad base64 or a length other than 512 bytes.
pub fn decode_distribution(s: &str) -> Result<Distribution, TextError> {
    let bad = |reason: String| TextError::Malformed {
        field: "distribution".into(),
        reason,
    };
    if s.len() != DISTRIBUTION_BYTES.div_ceil(3) * 4 {
        return Err(bad(format!(
            "{} base64 characters, expected {}",
            s.len(),
            DISTRIBUTION_BYTES.div_ceil(3) * 4
        )));
    }
    let bytes = STANDARD
        .decode(s)
        .map_err(|e| bad(format!("not standard base64: {e}")))?;
    if bytes.len() != DISTRIBUTION_BYTES {
        return Err(bad(format!(
            "{} bytes, expected {DISTRIBUTION_BYTES}",
            bytes.len()
        )));
    }
    let mut d = [0u16; 256];
    for (w, chunk) in d.iter_mut().zip(bytes.chunks_exact(2)) {
        *w = u16::from_le_bytes([chunk[0], chunk[1]]);
    }
    Ok(d)
}

fn check_count(n: usize) -> Result<(), TextError> {
    if n == 0 || n > MAX_PREFIXES {
        return Err(TextError::Malformed {
            field: "prefixes".into(),
            reason: format!("{n} prefixes; a request carries 1 to {MAX_PREFIXES}"),
        });
    }
    Ok(())
}

fn check_len(i: usize, len: usize) -> Result<(), TextError> {
    if len > MAX_PREFIX_BYTES {
        Err(too_long(i, len))
    } else {
        Ok(())
    }
}

fn too_long(i: usize, len: usize) -> TextError {
    TextError::Malformed {
        field: format!("prefixes[{i}]"),
        reason: format!("{len} bytes; a prefix is at most {MAX_PREFIX_BYTES} bytes"),
    }
}
