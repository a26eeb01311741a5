//! [`TrackedMap`]: an ordered persistent map that remembers which keys were written, and
//! the record encoding of its entries.
//!
//! # Rules
//! - Iteration is in key order; cloning is O(1) (imbl `OrdMap`).
//! - Every write (`insert`, `get_mut` of a present key, `remove` of a present key) marks the
//!   key dirty; [`super::State::commit`] takes the dirty keys and turns each into one
//!   [`RecordChange`]: key `prefix ‖ encode(key)`, value `encode(value)` or `None` if removed.
//! - Loading a record decodes the key and the value with their codec configurations, each
//!   consuming its whole buffer (trailing bytes are an error).

use commonware_codec::{Copying, Decode, EncodeSize, Error, Read, Write};
use imbl::{OrdMap, OrdSet};
use taonet_types::Hash;

use crate::merkle::{SparseMerkleTree, Update};

/// An ordered persistent map that remembers which keys were written.
#[derive(Clone, Debug)]
pub struct TrackedMap<K: Ord + Clone, V: Clone> {
    map: OrdMap<K, V>,
    dirty: OrdSet<K>,
}

impl<K: Ord + Clone, V: Clone> Default for TrackedMap<K, V> {
    fn default() -> Self {
        TrackedMap {
            map: OrdMap::new(),
            dirty: OrdSet::new(),
        }
    }
}

impl<K: Ord + Clone, V: Clone> TrackedMap<K, V> {
    /// The value at `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// A mutable reference to the value at `key` (marks it written).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.map.contains_key(key) {
            self.dirty.insert(key.clone());
        }
        self.map.get_mut(key)
    }

    /// Inserts or replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.dirty.insert(key.clone());
        self.map.insert(key, value)
    }

    /// Removes `key` and returns its value (marks the key written, so its record is
    /// deleted at the next root).
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let old = self.map.remove(key);
        if old.is_some() {
            self.dirty.insert(key.clone());
        }
        old
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// Entries with keys in `range`, in key order.
    pub fn range<R: std::ops::RangeBounds<K>>(
        &self,
        range: R,
    ) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.map.range(range)
    }

    /// Removes every entry whose key is below `bound`.
    pub fn remove_below(&mut self, bound: &K) {
        let old: Vec<K> = self
            .range(..bound.clone())
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            self.remove(&k);
        }
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&K, &V)> {
        self.map.get_min().map(|(k, v)| (k, v))
    }

    fn take_dirty(&mut self) -> OrdSet<K> {
        std::mem::take(&mut self.dirty)
    }
}

/// One changed record: its key and its new encoding (`None` = deleted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordChange {
    /// `prefix ‖ encode(key)`.
    pub key: Vec<u8>,
    /// `encode(value)`, or `None` if the record was removed.
    pub value: Option<Vec<u8>>,
}

pub(super) fn encode<T: Write + EncodeSize>(value: &T) -> Vec<u8> {
    let mut buf = Vec::with_capacity(value.encode_size());
    value.write(&mut buf);
    buf
}

fn record_key<K: Write + EncodeSize>(prefix: u8, key: &K) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + key.encode_size());
    k.push(prefix);
    key.write(&mut k);
    k
}

impl<K, V> TrackedMap<K, V>
where
    K: Ord + Clone + Write + EncodeSize,
    V: Clone + Write + EncodeSize,
{
    pub(super) fn record_updates(
        &mut self,
        prefix: u8,
        out: &mut Vec<Update>,
        changes: &mut Vec<RecordChange>,
    ) {
        for key in self.take_dirty() {
            let k = record_key(prefix, &key);
            let value = self.map.get(&key).map(encode);
            out.push((
                SparseMerkleTree::path_of(&k),
                value.as_deref().map(Hash::digest),
            ));
            changes.push(RecordChange { key: k, value });
        }
    }

    pub(super) fn all_records(&self, prefix: u8, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
        for (k, v) in self.map.iter() {
            out.push((record_key(prefix, k), encode(v)));
        }
    }
}

impl<K, V> TrackedMap<K, V>
where
    K: Ord + Clone + Read,
    V: Clone + Read,
{
    pub(super) fn load(
        &mut self,
        key: &[u8],
        value: &[u8],
        key_cfg: &K::Cfg,
        value_cfg: &V::Cfg,
    ) -> Result<(), Error> {
        let k = K::decode_cfg(Copying(key), key_cfg)?;
        let v = V::decode_cfg(Copying(value), value_cfg)?;
        self.map.insert(k, v);
        Ok(())
    }
}
