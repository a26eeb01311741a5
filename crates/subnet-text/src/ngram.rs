//! The byte n-gram miner: counts of every context of up to `order − 1` bytes, predictions by
//! interpolated Witten–Bell smoothing, stored as safetensors.
//!
//! # Model
//! For context length `k = 0 … order−1`, with `c(h)` the count of context `h`, `c(h, b)` the
//! count of byte `b` after it and `t(h)` the number of distinct bytes seen after it:
//!
//! ```text
//! P₋₁(b)      = 1/256
//! P_k(b | h)  = (c(h, b) + t(h)·P_{k−1}(b | h')) / (c(h) + t(h))   if h was seen
//!             = P_{k−1}(b | h')                                      otherwise
//! ```
//!
//! where `h'` drops the oldest byte of `h`.
//!
//! # File format (`format = taonet-ngram`, version 1)
//! A safetensors file with metadata `format`, `version`, `order`, `trained_bytes`, and per
//! context length `k` four tensors: `ctx.k` (U64, the contexts packed big-endian, strictly
//! increasing), `offsets.k` (U32, `len(ctx.k)+1` entries, from 0, increasing), `next.k` (U8,
//! the bytes seen after each context, strictly increasing within a context) and `count.k`
//! (U32, their counts, non-zero). Loading checks every one of these rules, so a corrupt
//! or hostile file is refused instead of mispredicting or panicking.
//!
//! Training sorts packed (context, byte) keys instead of hashing them: deterministic,
//! and about `order` × `n log n` work for `n` training bytes (an order-6 model on 1 MB took
//! about 2–3 s in a debug build). On the public language, orders 1–6 scored ≈ 4.4 / 3.6 /
//! 2.8 / 2.0 / 1.5 / 1.5 bits per byte, which is what makes the local network's miners
//! (models of different orders) visibly different.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};

use crate::{TextError, file};

/// Highest supported order (7 context bytes + the predicted byte fill a u64 key).
pub const MAX_ORDER: usize = 8;
/// The `format` metadata value of n-gram model files.
pub const FORMAT: &str = "taonet-ngram";

/// Counts for one context length.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Table {
    ctx: Vec<u64>,
    offsets: Vec<u32>,
    next: Vec<u8>,
    count: Vec<u32>,
    /// Per context: total count (derived).
    total: Vec<u64>,
}

impl Table {
    fn find(&self, key: u64) -> Option<usize> {
        self.ctx.binary_search(&key).ok()
    }
}

/// A trained byte n-gram model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NgramModel {
    order: usize,
    trained_bytes: u64,
    tables: Vec<Table>,
}

/// Training progress, reported after each context length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Context lengths done.
    pub done: usize,
    /// Context lengths in all (= order).
    pub total: usize,
}

impl NgramModel {
    /// Counts every context of `0..order` bytes in `text`, calling `progress` after each
    /// context length.
    ///
    /// # Errors
    /// [`TextError::Config`] for an order outside `1..=8`; [`TextError::Training`] for empty
    /// text or more than `u32::MAX` bytes.
    pub fn train(
        order: usize,
        text: &[u8],
        mut progress: impl FnMut(Progress),
    ) -> Result<Self, TextError> {
        if !(1..=MAX_ORDER).contains(&order) {
            return Err(TextError::Config(format!(
                "n-gram order {order}: use 1 to {MAX_ORDER}"
            )));
        }
        if text.is_empty() {
            return Err(TextError::Training("no training text".into()));
        }
        if u32::try_from(text.len()).is_err() {
            return Err(TextError::Training(format!(
                "{} bytes: train on at most {} bytes",
                text.len(),
                u32::MAX
            )));
        }
        let mut tables = Vec::with_capacity(order);
        let mut keys: Vec<u64> = Vec::with_capacity(text.len());
        for k in 0..order {
            keys.clear();
            let mut window = 0u64;
            let mask = if k == 0 { 0 } else { u64::MAX >> (64 - 8 * k) };
            for (t, &b) in text.iter().enumerate() {
                if t >= k {
                    keys.push(((window & mask) << 8) | u64::from(b));
                }
                window = (window << 8) | u64::from(b);
            }
            keys.sort_unstable();
            let mut table = Table::default();
            let mut i = 0;
            while i < keys.len() {
                let ctx = keys[i] >> 8;
                if table.ctx.last() != Some(&ctx) {
                    table.ctx.push(ctx);
                    table.offsets.push(table.next.len() as u32);
                }
                let mut j = i;
                while j < keys.len() && keys[j] == keys[i] {
                    j += 1;
                }
                table.next.push(keys[i] as u8);
                table.count.push((j - i) as u32);
                i = j;
            }
            table.offsets.push(table.next.len() as u32);
            table.total = totals(&table);
            tables.push(table);
            progress(Progress {
                done: k + 1,
                total: order,
            });
        }
        Ok(NgramModel {
            order,
            trained_bytes: text.len() as u64,
            tables,
        })
    }

    /// The order (context bytes + 1).
    pub fn order(&self) -> usize {
        self.order
    }

    /// How many bytes it was trained on.
    pub fn trained_bytes(&self) -> u64 {
        self.trained_bytes
    }

    /// Number of (context, byte) entries stored.
    pub fn entries(&self) -> usize {
        self.tables.iter().map(|t| t.next.len()).sum()
    }

    /// The next-byte probabilities after `context` (only its last `order − 1` bytes matter).
    pub fn predict(&self, context: &[u8]) -> [f64; 256] {
        let mut p = [1.0 / 256.0; 256];
        for (k, table) in self.tables.iter().enumerate() {
            if context.len() < k {
                break;
            }
            let key = context[context.len() - k..]
                .iter()
                .fold(0u64, |a, &b| (a << 8) | u64::from(b));
            let Some(i) = table.find(key) else { break };
            let (lo, hi) = (table.offsets[i] as usize, table.offsets[i + 1] as usize);
            let c = table.total[i] as f64;
            let t = (hi - lo) as f64;
            let scale = t / (c + t);
            for q in &mut p {
                *q *= scale;
            }
            for (b, n) in table.next[lo..hi].iter().zip(&table.count[lo..hi]) {
                p[usize::from(*b)] += f64::from(*n) / (c + t);
            }
        }
        p
    }

    /// Serialises to safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, TextError> {
        let mut names = Vec::new();
        let mut data: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (k, t) in self.tables.iter().enumerate() {
            data.push((
                format!("ctx.{k}"),
                Dtype::U64,
                vec![t.ctx.len()],
                le_bytes_u64(&t.ctx),
            ));
            data.push((
                format!("offsets.{k}"),
                Dtype::U32,
                vec![t.offsets.len()],
                le_bytes_u32(&t.offsets),
            ));
            data.push((
                format!("next.{k}"),
                Dtype::U8,
                vec![t.next.len()],
                t.next.clone(),
            ));
            data.push((
                format!("count.{k}"),
                Dtype::U32,
                vec![t.count.len()],
                le_bytes_u32(&t.count),
            ));
        }
        for (name, dtype, shape, bytes) in &data {
            let view =
                TensorView::new(*dtype, shape.clone(), bytes).map_err(|e| TextError::BadModel {
                    path: Default::default(),
                    reason: format!("{name}: {e}"),
                })?;
            names.push((name.clone(), view));
        }
        let metadata: HashMap<String, String> = [
            ("format".to_string(), FORMAT.to_string()),
            ("version".to_string(), "1".to_string()),
            ("order".to_string(), self.order.to_string()),
            ("trained_bytes".to_string(), self.trained_bytes.to_string()),
        ]
        .into_iter()
        .collect();
        safetensors::serialize(names, Some(metadata)).map_err(|e| TextError::BadModel {
            path: Default::default(),
            reason: format!("serialising: {e}"),
        })
    }

    /// Writes the model to `path` (via a temporary file, then a rename, so a crash never
    /// leaves a half-written model under the final name).
    pub fn save(&self, path: &Path) -> Result<(), TextError> {
        let bytes = self.to_bytes()?;
        file::write_atomically(path, &bytes)
    }

    /// Reads a model from `path`.
    pub fn load(path: &Path) -> Result<Self, TextError> {
        let bytes = file::read(path)?;
        Self::from_bytes(&bytes).map_err(|e| file::with_path(path, e))
    }

    /// Decodes safetensors bytes, checking every rule of the file format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TextError> {
        let bad = file::bad;
        let (st, md) = file::parse(bytes)?;
        let get = |k: &str| {
            md.get(k)
                .cloned()
                .ok_or_else(|| bad(format!("metadata {k:?} missing")))
        };
        if get("format")? != FORMAT {
            return Err(bad(format!(
                "format is {:?}, expected {FORMAT:?}",
                get("format")?
            )));
        }
        if get("version")? != "1" {
            return Err(bad(format!(
                "format version {:?} is not supported (1 is)",
                get("version")?
            )));
        }
        let order: usize = get("order")?
            .parse()
            .map_err(|_| bad("order is not a number".into()))?;
        if !(1..=MAX_ORDER).contains(&order) {
            return Err(bad(format!("order {order} outside 1..={MAX_ORDER}")));
        }
        let trained_bytes: u64 = get("trained_bytes")?
            .parse()
            .map_err(|_| bad("trained_bytes is not a number".into()))?;
        if st.len() != 4 * order {
            return Err(bad(format!(
                "{} tensors, expected {} for order {order}",
                st.len(),
                4 * order
            )));
        }
        let mut tables = Vec::with_capacity(order);
        for k in 0..order {
            let tensor = |name: String, dtype: Dtype| -> Result<Vec<u8>, TextError> {
                let t = st
                    .tensor(&name)
                    .map_err(|_| bad(format!("tensor {name} missing")))?;
                if t.dtype() != dtype || t.shape().len() != 1 {
                    return Err(bad(format!(
                        "tensor {name}: expected a 1-d {dtype:?} tensor"
                    )));
                }
                Ok(t.data().to_vec())
            };
            let ctx = u64s(&tensor(format!("ctx.{k}"), Dtype::U64)?);
            let offsets = u32s(&tensor(format!("offsets.{k}"), Dtype::U32)?);
            let next = tensor(format!("next.{k}"), Dtype::U8)?;
            let count = u32s(&tensor(format!("count.{k}"), Dtype::U32)?);
            let table = Table {
                ctx,
                offsets,
                next,
                count,
                total: Vec::new(),
            };
            check_table(k, &table).map_err(|r| bad(format!("context length {k}: {r}")))?;
            let total = totals(&table);
            tables.push(Table { total, ..table });
        }
        Ok(NgramModel {
            order,
            trained_bytes,
            tables,
        })
    }
}

fn check_table(k: usize, t: &Table) -> Result<(), String> {
    if t.offsets.len() != t.ctx.len() + 1 {
        return Err(format!(
            "{} offsets for {} contexts",
            t.offsets.len(),
            t.ctx.len()
        ));
    }
    if t.next.len() != t.count.len() {
        return Err(format!(
            "{} bytes but {} counts",
            t.next.len(),
            t.count.len()
        ));
    }
    if t.offsets.first() != Some(&0) || t.offsets.last().map(|&o| o as usize) != Some(t.next.len())
    {
        return Err("offsets must run from 0 to the number of entries".into());
    }
    if t.offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err("offsets must increase strictly (no empty context)".into());
    }
    if t.ctx.windows(2).any(|w| w[0] >= w[1]) {
        return Err("contexts must increase strictly".into());
    }
    let limit = if k == 0 { 0 } else { u64::MAX >> (64 - 8 * k) };
    if t.ctx.iter().any(|&c| c > limit) {
        return Err(format!("a context does not fit in {k} bytes"));
    }
    if t.count.contains(&0) {
        return Err("zero count".into());
    }
    for w in t.offsets.windows(2) {
        let run = &t.next[w[0] as usize..w[1] as usize];
        if run.windows(2).any(|p| p[0] >= p[1]) {
            return Err("next bytes must increase strictly within a context".into());
        }
    }
    Ok(())
}

fn totals(t: &Table) -> Vec<u64> {
    t.offsets
        .windows(2)
        .map(|w| {
            t.count[w[0] as usize..w[1] as usize]
                .iter()
                .map(|&c| u64::from(c))
                .sum()
        })
        .collect()
}

fn le_bytes_u64(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn le_bytes_u32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u64s(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
