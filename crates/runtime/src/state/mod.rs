//! The chain state, its records and its root.
//!
//! # Rules
//! - State lives in ordered persistent maps ([`TrackedMap`]): iteration is always in key
//!   order, and cloning the whole state is O(1), which is how a failed call is rolled back
//!   and how forks are kept apart.
//! - The maps are declared once, in the table of `state/maps.rs`: prefix, name, key and
//!   value. The [`State`] struct and every list over the maps (construction, commit,
//!   snapshot, loading, [`RECORD_PREFIXES`]) are generated from it.
//! - Every map records which keys were written since the last root computation. Each entry is
//!   one *record*: key = `prefix ‖ encode(key)`, value = `encode(value)`. The global scalars
//!   (parameters, issuance, height, …: [`Globals`]) are one more record, key = `[0]`.
//! - [`State::commit_root`] feeds the changed records to the sparse Merkle tree
//!   ([`crate::merkle`]), so the state root commits to every byte of state and costs
//!   O(changes · log n) per block.
//! - [`State::from_records`] is the inverse of [`State::all_records`]: every outside byte is
//!   decoded with the limits of its type, a record of no declared map is refused, and the
//!   tree is rebuilt from the stored bytes, so the root is the one they commit to.
//! - Code outside the runtime reads the state through its read methods (`state/read.rs`:
//!   [`State::account`], [`State::subnet`], [`State::neurons`], …), named for what they
//!   answer, not through the maps.
//!
//! Files: `maps.rs` (the table, hence [`State`]), `tracked.rs` ([`TrackedMap`], the record
//! encoding), `records.rs` (the map values), `globals.rs` ([`Globals`]), `indexes.rs`
//! ([`Indexes`], derived lookups, not in the root), `read.rs` (the read API).

use commonware_codec::{Copying, Decode, Error};
use taonet_types::{ChainParams, Hash};

use crate::merkle::SparseMerkleTree;

mod globals;
mod indexes;
mod maps;
mod read;
mod records;
mod tracked;

pub use globals::Globals;
pub use indexes::Indexes;
pub(crate) use indexes::pairs_of;
pub use maps::{GLOBALS_PREFIX, RECORD_PREFIXES, State};
pub use records::{
    Account, Commits, GovTask, HotkeyInfo, MAX_UNREVEALED_COMMITS, Neuron, SubnetIdentity,
    SubnetRecord, Unbonding, WeightCommit,
};
pub use tracked::{RecordChange, TrackedMap};

use tracked::encode;

/// Why stored records could not be turned back into a state.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A record with an empty key.
    #[error("state record with an empty key")]
    EmptyKey,
    /// A record whose prefix no map declares (the key, hex, shortened).
    #[error("state record {0} has an unknown prefix")]
    UnknownPrefix(String),
    /// A record that does not decode.
    #[error("state record {key} does not decode: {reason}")]
    Decode {
        /// The key (hex, shortened).
        key: String,
        /// The codec error.
        reason: String,
    },
    /// No globals record.
    #[error("the stored state has no globals record")]
    MissingGlobals,
}

fn hex_prefix(key: &[u8]) -> String {
    let shown = &key[..key.len().min(16)];
    format!(
        "0x{}{}",
        hex::encode(shown),
        if key.len() > 16 { "…" } else { "" }
    )
}

impl State {
    /// The chain parameters in force.
    pub fn params(&self) -> &ChainParams {
        &self.globals.params
    }

    /// Mutable globals (marks the record written).
    pub fn globals_mut(&mut self) -> &mut Globals {
        self.globals_dirty = true;
        &mut self.globals
    }

    /// Writes every change since the last call into the Merkle tree and returns the root.
    pub fn commit_root(&mut self) -> Hash {
        self.commit().0
    }

    /// Like [`State::commit_root`], also returning the changed records (for the store).
    pub fn commit(&mut self) -> (Hash, Vec<RecordChange>) {
        let mut updates = Vec::new();
        let mut changes = Vec::new();
        if std::mem::take(&mut self.globals_dirty) {
            let value = encode(&self.globals);
            updates.push((
                SparseMerkleTree::path_of(&[GLOBALS_PREFIX]),
                Some(Hash::digest(&value)),
            ));
            changes.push(RecordChange {
                key: vec![GLOBALS_PREFIX],
                value: Some(value),
            });
        }
        self.take_map_changes(&mut updates, &mut changes);
        self.tree.update(updates);
        (self.tree.root(), changes)
    }

    /// Every record of the state (for writing a full snapshot), in map order.
    pub fn all_records(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = vec![(vec![GLOBALS_PREFIX], encode(&self.globals))];
        self.map_records(&mut out);
        out
    }

    /// Rebuilds a state from its records (as stored by [`State::commit`] /
    /// [`State::all_records`]), with its Merkle tree, so that `root()` is the root those
    /// records commit to. `head` is the hash of the block the records are the state after.
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
        head: Hash,
    ) -> Result<State, RecordError> {
        let mut globals = None;
        let mut state = State::new(ChainParams::default());
        let records: Vec<(&[u8], &[u8])> = records.into_iter().collect();
        // The tree's leaves (two SHA-256 per record), computed on every core while the maps
        // are filled on this thread.
        let (loaded, updates) = std::thread::scope(|scope| {
            let leaves = scope.spawn(|| leaf_updates(&records));
            let loaded = state.load_records(&records, &mut globals);
            let updates = leaves
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (loaded, updates)
        });
        loaded?;
        state.globals = globals.ok_or(RecordError::MissingGlobals)?;
        state.globals_dirty = false;
        state.rebuild_indexes();
        state.tree.update(updates);
        state.head = head;
        Ok(state)
    }

    /// Decodes `records` into the maps (and the globals record into `globals`).
    fn load_records(
        &mut self,
        records: &[(&[u8], &[u8])],
        globals: &mut Option<Globals>,
    ) -> Result<(), RecordError> {
        for &(key, value) in records {
            let bad = |e: Error| RecordError::Decode {
                key: hex_prefix(key),
                reason: e.to_string(),
            };
            let (&p, rest) = key.split_first().ok_or(RecordError::EmptyKey)?;
            if p == GLOBALS_PREFIX && rest.is_empty() {
                *globals = Some(Globals::decode_cfg(Copying(value), &()).map_err(bad)?);
            } else {
                self.load_map_record(p, rest, value)
                    .ok_or_else(|| RecordError::UnknownPrefix(hex_prefix(key)))?
                    .map_err(bad)?;
            }
        }
        Ok(())
    }

    /// Rebuilds the derived indexes ([`Indexes`]) from the maps: needed only after writing
    /// the public maps directly (the state's own methods keep the indexes up to date).
    pub fn rebuild_indexes(&mut self) {
        self.idx = Indexes::build(self);
    }

    /// The root as of the last [`State::commit_root`].
    pub fn root(&self) -> Hash {
        self.tree.root()
    }
}

/// The Merkle updates of `records`: (path of the key, hash of the value), computed on up to
/// the machine's cores (at most 8) in contiguous chunks, in record order.
fn leaf_updates(records: &[(&[u8], &[u8])]) -> Vec<crate::merkle::Update> {
    let leaf =
        |(key, value): &(&[u8], &[u8])| (SparseMerkleTree::path_of(key), Some(Hash::digest(value)));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || records.len() < 16_384 {
        return records.iter().map(leaf).collect();
    }
    let chunk = records.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = records
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(leaf).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
