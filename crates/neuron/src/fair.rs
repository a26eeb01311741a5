//! A bounded table of entries grouped by caller hotkey, fair per hotkey: the storage of the
//! axon's replay defences (the bittensor nonce table, [`crate::nonce`], and the btauth/1
//! replay cache, [`crate::btauth`]).
//!
//! # Rules
//! - At most `capacity` entries in all and at most `per_hotkey` of one hotkey.
//! - An entry is forgotten only once the caller's `stale` predicate holds for it (forgetting a
//!   live one would reopen a replay): a fresh entry is never evicted.
//! - A new entry of a hotkey at its quota first sweeps that hotkey's own stale entries; if
//!   none goes, it is refused ([`Refused::HotkeyQuotaFull`]), so one caller exhausts only its
//!   own quota. When the whole table is full, it is swept at most once per
//!   [`SWEEP_INTERVAL_NS`] (a full table of fresh entries is not rescanned on every request)
//!   and a new entry is refused ([`Refused::TableFull`]) while it stays full.

use std::collections::HashMap;
use std::hash::Hash;

/// Shortest time between two sweeps of the whole table.
pub const SWEEP_INTERVAL_NS: u64 = 100_000_000;

/// Why a new entry was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The hotkey holds `per_hotkey` live entries.
    HotkeyQuotaFull,
    /// The table holds `capacity` live entries.
    TableFull,
}

/// Entries `K → V` grouped by hotkey (see the module rules).
#[derive(Debug)]
pub struct FairTable<K, V> {
    by_hotkey: HashMap<String, HashMap<K, V>>,
    len: usize,
    last_sweep_ns: Option<u64>,
    capacity: usize,
    per_hotkey: usize,
}

impl<K: Eq + Hash, V> FairTable<K, V> {
    /// A table of at most `capacity` entries, at most `per_hotkey` of one hotkey.
    pub fn new(capacity: usize, per_hotkey: usize) -> Self {
        FairTable {
            by_hotkey: HashMap::new(),
            len: 0,
            last_sweep_ns: None,
            capacity: capacity.max(1),
            per_hotkey: per_hotkey.max(1),
        }
    }

    /// Most entries of one hotkey.
    pub fn per_hotkey(&self) -> usize {
        self.per_hotkey
    }

    /// The entry `key` of `hotkey`.
    pub fn get(&self, hotkey: &str, key: &K) -> Option<&V> {
        self.by_hotkey.get(hotkey).and_then(|m| m.get(key))
    }

    /// The entry `key` of `hotkey`, to change in place.
    pub fn get_mut(&mut self, hotkey: &str, key: &K) -> Option<&mut V> {
        self.by_hotkey.get_mut(hotkey).and_then(|m| m.get_mut(key))
    }

    /// Stores a new entry (or replaces `key`'s), making room by forgetting stale entries
    /// only; `now_ns` paces the whole-table sweep.
    pub fn insert(
        &mut self,
        hotkey: &str,
        key: K,
        value: V,
        now_ns: u64,
        stale: impl Fn(&V) -> bool,
    ) -> Result<(), Refused> {
        if let Some(entries) = self.by_hotkey.get_mut(hotkey) {
            if let Some(v) = entries.get_mut(&key) {
                *v = value;
                return Ok(());
            }
            if entries.len() >= self.per_hotkey {
                let before = entries.len();
                entries.retain(|_, v| !stale(v));
                self.len -= before - entries.len();
                if entries.len() >= self.per_hotkey {
                    return Err(Refused::HotkeyQuotaFull);
                }
            }
        }
        let due = self
            .last_sweep_ns
            .is_none_or(|t| now_ns.saturating_sub(t) >= SWEEP_INTERVAL_NS);
        if self.len >= self.capacity && due {
            let mut len = 0;
            self.by_hotkey.retain(|_, entries| {
                entries.retain(|_, v| !stale(v));
                len += entries.len();
                !entries.is_empty()
            });
            self.len = len;
            self.last_sweep_ns = Some(now_ns);
        }
        if self.len >= self.capacity {
            return Err(Refused::TableFull);
        }
        self.by_hotkey
            .entry(hotkey.to_string())
            .or_default()
            .insert(key, value);
        self.len += 1;
        Ok(())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of entries of `hotkey`.
    pub fn entries_of(&self, hotkey: &str) -> usize {
        self.by_hotkey.get(hotkey).map_or(0, HashMap::len)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quota_per_hotkey_and_only_stale_entries_go() {
        // Values are expiry times; stale = expired at "now" 10.
        let stale = |exp: &u64| *exp <= 10;
        let mut t: FairTable<u32, u64> = FairTable::new(4, 2);
        t.insert("greedy", 1, 100, 0, stale).unwrap();
        t.insert("greedy", 2, 100, 0, stale).unwrap();
        assert_eq!(
            t.insert("greedy", 3, 100, 0, stale),
            Err(Refused::HotkeyQuotaFull)
        );
        // Others are unaffected; a full table of fresh entries refuses.
        t.insert("a", 1, 5, 0, stale).unwrap();
        t.insert("b", 1, 100, 0, stale).unwrap();
        // "a"'s entry is stale: the sweep frees it.
        t.insert("c", 1, 100, 0, stale).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!(t.entries_of("a"), 0);
        assert_eq!(t.insert("d", 1, 100, 0, stale), Err(Refused::TableFull));
        // Replacing an existing key takes no room.
        t.insert("b", 1, 200, 0, stale).unwrap();
        assert_eq!(t.get("b", &1), Some(&200));
    }

    #[test]
    fn a_full_table_is_swept_at_most_once_per_interval() {
        let mut t: FairTable<u32, u64> = FairTable::new(2, 2);
        t.insert("a", 1, 0, 0, |_| false).unwrap();
        t.insert("b", 1, 0, 0, |_| false).unwrap();
        // Sweeps at t = 0 and finds nothing stale.
        assert_eq!(t.insert("c", 1, 0, 0, |_| false), Err(Refused::TableFull));
        // Everything is stale now, but the next sweep is not due until 100 ms later.
        assert_eq!(
            t.insert("c", 1, 0, SWEEP_INTERVAL_NS - 1, |_| true),
            Err(Refused::TableFull)
        );
        t.insert("c", 1, 0, SWEEP_INTERVAL_NS, |_| true).unwrap();
        assert_eq!(t.len(), 1);
    }
}
