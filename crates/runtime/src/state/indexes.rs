//! Derived lookup indexes over the state's maps (see [`Indexes`]).

use imbl::OrdSet;
use taonet_types::{AccountId, BlockNumber};

use super::State;
use crate::stake_moves::MoveKey;

/// Derived indexes over the state's maps, so that no transaction has to scan a whole map.
///
/// # Rules
/// - They are *derived*: not records, not part of the state root, never stored. Each is
///   exactly what a scan of its map gives; the write paths that change
///   the underlying map keep them so (stakes: [`State::increase_stake`] /
///   [`State::decrease_stake`]; hotkeys: `ensure_hotkey_owner` and
///   [`State::register_consensus_key`]; unbonding: `remove_stake`, the unbonding payout and
///   the slash), and [`State::from_records`] rebuilds them. Code that writes the public maps
///   directly must call [`State::rebuild_indexes`] afterwards.
/// - Stake move records ([`crate::stake_moves`]) are indexed by the hotkey they left (what a
///   slash reaches) and by the position they joined (what stays in place); both are kept by
///   `insert_move` / `remove_move`.
/// - Persistent ordered sets (imbl `OrdSet`): cloning the state stays O(1) and iteration
///   stays in key order. [`crate::invariants`] checks them against a rebuild after every
///   block in debug builds.
///
/// # Cost
/// Every lookup through an index costs O(k log n) in the k entries of one account:
/// `stakes_of` / `owned_stake` (propose), `has_voting_weight` (vote), `KeyInUse`
/// (`register_consensus_key`), the slash's unbonding entries; seat elections read only the
/// hotkeys with a consensus key. A proptest (`properties::indexes_equal_a_rebuild`) compares
/// them with a rebuild over random stake / unstake / associate / slash / key / vote
/// sequences and checks the indexed queries against scans. Figures at 10,000 and 1,000,000
/// positions: `BENCHMARKS.md` ("Runtime: transaction cost against state size").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Indexes {
    /// `(coldkey, hotkey)` of every stake position (`stakes` is keyed by hotkey first).
    pub(crate) stakes_by_coldkey: OrdSet<(AccountId, AccountId)>,
    /// `(owner coldkey, hotkey)` of every hotkey.
    pub(crate) hotkeys_by_owner: OrdSet<(AccountId, AccountId)>,
    /// `(consensus key, hotkey)` of every hotkey that registered a consensus key.
    pub(crate) hotkeys_by_consensus_key: OrdSet<([u8; 32], AccountId)>,
    /// `(hotkey, (release block, id))` of every unbonding entry.
    pub(crate) unbonding_by_hotkey: OrdSet<(AccountId, (BlockNumber, u64))>,
    /// `(from hotkey, key)` of every stake move record ([`crate::stake_moves`]).
    pub(crate) moves_by_from: OrdSet<(AccountId, MoveKey)>,
    /// `((to hotkey, coldkey), key)` of every stake move record.
    pub(crate) moves_by_target: OrdSet<((AccountId, AccountId), MoveKey)>,
}

impl Indexes {
    /// The indexes of `state`'s maps, by a full scan.
    pub(crate) fn build(state: &State) -> Indexes {
        let mut idx = Indexes::default();
        for ((hotkey, coldkey), _) in state.stakes.iter() {
            idx.stakes_by_coldkey.insert((*coldkey, *hotkey));
        }
        for (hotkey, info) in state.hotkeys.iter() {
            idx.hotkeys_by_owner.insert((info.owner, *hotkey));
            if let Some(key) = info.consensus_key {
                idx.hotkeys_by_consensus_key.insert((key, *hotkey));
            }
        }
        for (key, entry) in state.unbonding.iter() {
            idx.unbonding_by_hotkey.insert((entry.hotkey, *key));
        }
        for (key, record) in state.stake_moves.iter() {
            idx.moves_by_from.insert((record.from_hotkey, *key));
            idx.moves_by_target
                .insert(((record.to_hotkey, record.coldkey), *key));
        }
        idx
    }
}

/// The range of pairs `(a, *)` in an index of pairs of account ids.
pub(crate) fn pairs_of(a: &AccountId) -> std::ops::RangeInclusive<(AccountId, AccountId)> {
    (*a, AccountId([0u8; 32]))..=(*a, AccountId([0xffu8; 32]))
}
