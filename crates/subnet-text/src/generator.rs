//! The evaluation text: a public synthetic language over a real English word list, sampled
//! with a secret seed.
//!
//! Miners are scored on text they cannot have memorised, yet can learn: the *language* is
//! public and fixed (its parameters derive from [`LANGUAGE_SEED`]), so a miner can generate
//! as much training text as it likes ([`Language::text`]), but the *samples* a validator
//! scores with come from the validator's secret per-epoch seed.
//!
//! # The language (version 1)
//! - Vocabulary: 4,096 lowercase words from Debian's `wamerican` (SCOWL) list
//!   (`data/words.txt`, licence in `data/SCOWL-COPYRIGHT`).
//! - Every word belongs to one of [`CLASSES`] word classes; within a class words follow a
//!   Zipf law (weight ∝ 1/(rank + 1)) over a fixed random ranking.
//! - A sentence is a first-order Markov chain over classes: a start class, then from each
//!   class one of [`SUCCESSORS`] successor classes or the end of the sentence, with fixed
//!   random integer weights. The first word is capitalised; after a word a comma follows
//!   with probability 1/16; a sentence ends with `.` (12/16), `?` (3/16) or `!` (1/16), and is
//!   followed by a newline (1/6) or a space.
//!
//! # Rules
//! - Integer-only and portable: parameters and samples come from ChaCha20 (`rand_chacha`)
//!   and unbiased integer sampling, so every machine produces the same bytes from the
//!   same seed. Changing any of this is a new language version (miners retrain).
//! - [`Language::sample`] draws independent prefixes: prefix *i* comes from its own
//!   ChaCha20 stream (stream number *i*), starting at a random offset into fresh text, so
//!   no prefix overlaps another or reveals another's target.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::TextError;

/// The word list (one word per line).
pub const WORDS: &str = include_str!("../data/words.txt");
/// The seed every parameter of the public language derives from.
pub const LANGUAGE_SEED: [u8; 32] = *b"taonet next-byte language v1\0\0\0\0";
/// Number of word classes.
pub const CLASSES: usize = 24;
/// Successor classes per class.
pub const SUCCESSORS: usize = 5;
/// Most bytes of lead-in text skipped before a prefix starts (so prefixes start anywhere).
pub const MAX_SKIP: u32 = 256;

/// The public synthetic language.
#[derive(Clone, Debug)]
pub struct Language {
    words: Vec<&'static str>,
    /// Per class: the words (indices into `words`) and their cumulative Zipf weights.
    class_words: Vec<(Vec<u32>, Vec<u32>)>,
    /// Cumulative weights of the start class.
    start: Vec<u32>,
    /// Per class: successor classes (the last entry, `CLASSES`, is "end of sentence") and
    /// their cumulative weights.
    next: Vec<(Vec<u32>, Vec<u32>)>,
}

impl Default for Language {
    fn default() -> Self {
        Self::new()
    }
}

/// One sampled prefix and the byte that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The context given to miners.
    pub prefix: Vec<u8>,
    /// The true next byte.
    pub target: u8,
}

impl Language {
    /// Builds the language from [`LANGUAGE_SEED`] (about a millisecond).
    pub fn new() -> Self {
        let words: Vec<&'static str> = WORDS.lines().filter(|w| !w.is_empty()).collect();
        let mut rng = ChaCha20Rng::from_seed(LANGUAGE_SEED);
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); CLASSES];
        for i in 0..words.len() {
            members[below(&mut rng, CLASSES as u32) as usize].push(i as u32);
        }
        let class_words = members
            .into_iter()
            .map(|mut m| {
                shuffle(&mut rng, &mut m);
                let weights: Vec<u32> = (0..m.len() as u32).map(|r| 720_720 / (r + 1)).collect();
                (m, cumulative(&weights))
            })
            .collect();
        let start_weights: Vec<u32> = (0..CLASSES).map(|_| 1 + below(&mut rng, 8)).collect();
        let next = (0..CLASSES)
            .map(|_| {
                let mut classes: Vec<u32> = (0..CLASSES as u32).collect();
                shuffle(&mut rng, &mut classes);
                classes.truncate(SUCCESSORS);
                let mut weights: Vec<u32> =
                    (0..SUCCESSORS).map(|_| 1 + below(&mut rng, 16)).collect();
                classes.push(CLASSES as u32);
                weights.push(1 + below(&mut rng, 8));
                (classes, cumulative(&weights))
            })
            .collect();
        Language {
            words,
            class_words,
            start: cumulative(&start_weights),
            next,
        }
    }

    /// The vocabulary: every word the language can draw, in the order of [`WORDS`].
    pub fn words(&self) -> &[&'static str] {
        &self.words
    }

    /// Appends whole sentences drawn from `rng` to `out` until it holds at least `len`
    /// bytes, then truncates it to exactly `len`.
    pub fn write(&self, rng: &mut impl RngCore, out: &mut Vec<u8>, len: usize) {
        while out.len() < len {
            self.sentence(rng, out);
        }
        out.truncate(len);
    }

    /// `len` bytes of text from `seed` (training data for miners).
    pub fn text(&self, seed: u64, len: usize) -> Vec<u8> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut out = Vec::with_capacity(len + 128);
        self.write(&mut rng, &mut out, len);
        out
    }

    /// `count` independent prefixes with lengths uniform in `min_len..=max_len`, from
    /// `seed` (see the module rules).
    ///
    /// # Errors
    /// [`TextError::Config`] when `min_len > max_len` or `max_len` exceeds the synapse limit.
    pub fn sample(
        &self,
        seed: [u8; 32],
        count: usize,
        min_len: usize,
        max_len: usize,
    ) -> Result<Vec<Sample>, TextError> {
        check_lengths(min_len, max_len)?;
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut text = Vec::with_capacity(max_len + MAX_SKIP as usize + 128);
        Ok((0..count)
            .map(|i| {
                rng.set_stream(i as u64);
                rng.set_word_pos(0);
                let len = min_len + below(&mut rng, (max_len - min_len + 1) as u32) as usize;
                let skip = below(&mut rng, MAX_SKIP) as usize;
                text.clear();
                self.write(&mut rng, &mut text, skip + len + 1);
                Sample {
                    prefix: text[skip..skip + len].to_vec(),
                    target: text[skip + len],
                }
            })
            .collect())
    }

    fn sentence(&self, rng: &mut impl RngCore, out: &mut Vec<u8>) {
        let mut class = pick(rng, &self.start);
        let mut first = true;
        // Bounded: even a chain that never draws "end" stops after 64 words.
        for _ in 0..64 {
            let (members, cum) = &self.class_words[class];
            if !members.is_empty() {
                let word = self.words[members[pick(rng, cum)] as usize].as_bytes();
                if !first {
                    if below(rng, 16) == 0 {
                        out.push(b',');
                    }
                    out.push(b' ');
                }
                out.push(if first {
                    word[0].to_ascii_uppercase()
                } else {
                    word[0]
                });
                out.extend_from_slice(&word[1..]);
                first = false;
            }
            let (succ, cum) = &self.next[class];
            let s = succ[pick(rng, cum)] as usize;
            if s == CLASSES {
                break;
            }
            class = s;
        }
        let r = below(rng, 16);
        out.push(match r {
            0..12 => b'.',
            12..15 => b'?',
            _ => b'!',
        });
        out.push(if below(rng, 6) == 0 { b'\n' } else { b' ' });
    }
}

/// Checks prefix length bounds against the synapse limits.
///
/// # Errors
/// [`TextError::Config`] when they are unusable.
pub fn check_lengths(min_len: usize, max_len: usize) -> Result<(), TextError> {
    if min_len > max_len || max_len > crate::synapse::MAX_PREFIX_BYTES {
        return Err(TextError::Config(format!(
            "prefix lengths {min_len}..={max_len}: need min ≤ max ≤ {}",
            crate::synapse::MAX_PREFIX_BYTES
        )));
    }
    Ok(())
}

/// Uniform in `0..n` (n ≥ 1), unbiased (Lemire's multiply-and-reject).
pub(crate) fn below(rng: &mut impl RngCore, n: u32) -> u32 {
    let n = n.max(1);
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u64::from(rng.next_u32()) * u64::from(n);
        if (m as u32) >= threshold {
            return (m >> 32) as u32;
        }
    }
}

fn shuffle<T>(rng: &mut impl RngCore, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = below(rng, i as u32 + 1) as usize;
        v.swap(i, j);
    }
}

fn cumulative(weights: &[u32]) -> Vec<u32> {
    let mut acc = 0u32;
    weights
        .iter()
        .map(|w| {
            acc = acc.saturating_add(*w);
            acc
        })
        .collect()
}

/// Index drawn with probability proportional to the weights whose running sums are `cum`.
fn pick(rng: &mut impl RngCore, cum: &[u32]) -> usize {
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = below(rng, total);
    cum.partition_point(|&c| c <= r).min(cum.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let x = below(&mut rng, 7);
            assert!(x < 7);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn pick_follows_weights() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let cum = cumulative(&[1, 0, 3]);
        let mut n = [0u32; 3];
        for _ in 0..4000 {
            n[pick(&mut rng, &cum)] += 1;
        }
        assert_eq!(n[1], 0);
        assert!(n[2] > 2 * n[0], "{n:?}");
    }
}
