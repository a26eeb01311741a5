//! The state's maps, each declared once.
//!
//! # Rules
//! - One row of the `state_maps!` table per map: its record prefix, field name, key and
//!   value types, and doc. From the table the macro generates the [`State`] struct (one
//!   public [`TrackedMap`] field per row), [`State::new`], the dirty-record collection of
//!   [`State::commit`], the snapshot of [`State::all_records`], the record decoding of
//!   [`State::from_records`] (a prefix no row declares is refused) and [`RECORD_PREFIXES`].
//!   Adding a map is one row here, plus the codec of its value type.
//! - A prefix is part of every record key, hence of the state root: a row's prefix is never
//!   changed or reused. Prefix [`GLOBALS_PREFIX`] is the one [`Globals`] record. Two rows with
//!   the same prefix (or prefix 0) do not compile.
//! - Rows are in field order, which is also the order of the changes [`State::commit`]
//!   returns and of the records [`State::all_records`] writes.
//! - Decoding limits live in the key and value types' own `Read` impls (text by `MAX_TEXT`,
//!   a neuron's weights by `MAX_UIDS_LIMIT`, commits by `MAX_UNREVEALED_COMMITS`, commitment
//!   data by `MAX_COMMITMENT_BYTES`, identity texts by `MAX_TEXT`, …): a row's
//!   types must decode with the unit configuration ([`UnitCfg`]), so a type that needs a
//!   limit chosen by its caller does not compile as a map key or value.

use commonware_codec::Error;
use taonet_types::channel::PaymentChannel;
use taonet_types::gov::{Proposal, VoteRecord};
use taonet_types::{AccountId, BlockNumber, ChainParams, Hash, NetUid, Rao, SeatSet, Uid};

use super::{
    Account, Commits, Globals, GovTask, HotkeyInfo, Indexes, Neuron, RecordChange, SubnetRecord,
    TrackedMap, Unbonding,
};
use crate::commitments::Commitment;
use crate::identity::Identity;
use crate::keyswap::ColdkeySwap;
use crate::liveness::Participation;
use crate::merkle::{SparseMerkleTree, Update};
use crate::slashing::{Jail, SlashRecord};
use crate::stake_moves::StakeMove;

/// The record prefix of the network-wide scalars ([`Globals`], one record, key = the prefix).
pub const GLOBALS_PREFIX: u8 = 0;

/// A codec configuration with a single value (`()` or a tuple of them): decoding with it
/// chooses no limit, so every limit is the decoded type's own.
trait UnitCfg {
    /// The one value.
    const UNIT: Self;
}

impl UnitCfg for () {
    const UNIT: Self = ();
}

impl<A: UnitCfg, B: UnitCfg> UnitCfg for (A, B) {
    const UNIT: Self = (A::UNIT, B::UNIT);
}

impl<A: UnitCfg, B: UnitCfg, C: UnitCfg> UnitCfg for (A, B, C) {
    const UNIT: Self = (A::UNIT, B::UNIT, C::UNIT);
}

/// Declares the state maps (module rules): `prefix => field: TrackedMap<Key, Value>,`.
macro_rules! state_maps {
    ($(
        $(#[$doc:meta])*
        $prefix:literal => $name:ident: TrackedMap<$key:ty, $value:ty>,
    )*) => {
        /// The whole chain state: the [`Globals`] record and the maps of the table in
        /// `state/maps.rs` (one field per map), with the Merkle tree over their records.
        #[derive(Clone, Debug)]
        pub struct State {
            /// Network-wide scalars (record prefix 0).
            pub globals: Globals,
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nRecord prefix ", stringify!($prefix), ".")]
                pub $name: TrackedMap<$key, $value>,
            )*
            /// Derived lookup indexes over the maps above (not records, not in the root).
            pub(crate) idx: Indexes,
            /// Hash of the last applied block (not part of the state root, which the block
            /// hash itself commits to).
            pub head: Hash,
            /// Set when a subnet was created in the current block (the root epoch then
            /// reruns).
            pub(crate) subnets_changed: bool,
            /// Whether the globals record changed since the last commit.
            pub(super) globals_dirty: bool,
            /// The newest protocol version this node runs (not a record: a property of the
            /// build, [`crate::upgrade`]).
            pub max_version: u32,
            /// The sparse Merkle tree over every record, as of the last commit.
            pub(super) tree: SparseMerkleTree,
        }

        /// Every record prefix with the name of its map, globals first, then in table order.
        pub const RECORD_PREFIXES: &[(u8, &str)] = &[
            (GLOBALS_PREFIX, "globals"),
            $(($prefix, stringify!($name)),)*
        ];

        impl State {
            /// An empty state with `params`: zero globals, empty maps, the empty tree.
            pub fn new(params: ChainParams) -> State {
                State {
                    globals: Globals::new(params),
                    $($name: TrackedMap::default(),)*
                    idx: Indexes::default(),
                    head: Hash::ZERO,
                    subnets_changed: false,
                    globals_dirty: true,
                    max_version: taonet_types::protocol::PROTOCOL_VERSION,
                    tree: SparseMerkleTree::new(),
                }
            }

            /// Takes every map's written keys as tree updates and record changes.
            pub(super) fn take_map_changes(
                &mut self,
                updates: &mut Vec<Update>,
                changes: &mut Vec<RecordChange>,
            ) {
                $(self.$name.record_updates($prefix, updates, changes);)*
            }

            /// Appends every map entry as a record.
            pub(super) fn map_records(&self, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
                $(self.$name.all_records($prefix, out);)*
            }

            /// Loads one record of the map with `prefix` (`key` without the prefix);
            /// `None` if no map has that prefix.
            pub(super) fn load_map_record(
                &mut self,
                prefix: u8,
                key: &[u8],
                value: &[u8],
            ) -> Option<Result<(), Error>> {
                match prefix {
                    $($prefix => Some(self.$name.load(
                        key,
                        value,
                        &<<$key as commonware_codec::Read>::Cfg as UnitCfg>::UNIT,
                        &<<$value as commonware_codec::Read>::Cfg as UnitCfg>::UNIT,
                    )),)*
                    _ => None,
                }
            }
        }
    };
}

state_maps! {
    /// Free balances and nonces, by account.
    1 => accounts: TrackedMap<AccountId, Account>,
    /// Each hotkey's owner, delegate take and consensus key.
    2 => hotkeys: TrackedMap<AccountId, HotkeyInfo>,
    /// Stake by (hotkey, coldkey).
    3 => stakes: TrackedMap<(AccountId, AccountId), Rao>,
    /// Total stake per hotkey (the sum of its `stakes`).
    4 => hotkey_stake: TrackedMap<AccountId, Rao>,
    /// Unbonding entries by (release block, id).
    5 => unbonding: TrackedMap<(BlockNumber, u64), Unbonding>,
    /// Subnets by netuid (0 = root).
    6 => subnets: TrackedMap<NetUid, SubnetRecord>,
    /// Neurons by (netuid, uid).
    7 => neurons: TrackedMap<(NetUid, Uid), Neuron>,
    /// The uid of a hotkey on a subnet, by (netuid, hotkey).
    8 => uids: TrackedMap<(NetUid, AccountId), Uid>,
    /// Unrevealed weight commits by (netuid, hotkey).
    9 => commits: TrackedMap<(NetUid, AccountId), Commits>,
    /// Seat sets by consensus epoch.
    10 => seat_sets: TrackedMap<u64, SeatSet>,
    /// Governance proposals by id (kept after they close: the history).
    11 => proposals: TrackedMap<u64, Proposal>,
    /// Governance votes by (proposal, coldkey).
    12 => votes: TrackedMap<(u64, AccountId), VoteRecord>,
    /// Governance work by (block, proposal): a tally or an execution at that block's end.
    13 => gov_queue: TrackedMap<(BlockNumber, u64), GovTask>,
    /// Jailed hotkeys (out of seat elections until unjailed).
    14 => jailed: TrackedMap<AccountId, Jail>,
    /// Processed offences by id (the slash history within the unbonding window).
    15 => offences: TrackedMap<Hash, SlashRecord>,
    /// Vote participation by consensus epoch ([`crate::liveness`]).
    17 => participation: TrackedMap<u64, Participation>,
    /// Open payment channels by id.
    16 => channels: TrackedMap<Hash, PaymentChannel>,
    /// Each uid's newest commitment by (netuid, uid) ([`crate::commitments`]).
    18 => commitments: TrackedMap<(NetUid, Uid), Commitment>,
    /// Each account's identity ([`crate::identity`]).
    19 => identities: TrackedMap<AccountId, Identity>,
    /// Stake moved between hotkeys, still slashable for the first one, by (expiry, coldkey,
    /// nonce) ([`crate::stake_moves`]).
    20 => stake_moves: TrackedMap<(BlockNumber, AccountId, u64), StakeMove>,
    /// Root candidates and the block they registered ([`crate::root`]).
    21 => root_candidates: TrackedMap<AccountId, BlockNumber>,
    /// Announced coldkey swaps by old coldkey ([`crate::keyswap`]).
    22 => coldkey_swaps: TrackedMap<AccountId, ColdkeySwap>,
    /// Hotkeys retired by a swap: old hotkey → (new hotkey, block), so that offences of the
    /// old key still reach it ([`crate::keyswap`]).
    23 => swapped_hotkeys: TrackedMap<AccountId, (AccountId, BlockNumber)>,
    /// The block of each coldkey's last hotkey swap (its rate limit, [`crate::keyswap`]).
    24 => last_hotkey_swap: TrackedMap<AccountId, BlockNumber>,
}

// Two maps with one prefix would write each other's records.
const _: () = {
    let p = RECORD_PREFIXES;
    let mut i = 0;
    while i < p.len() {
        let mut j = i + 1;
        while j < p.len() {
            assert!(p[i].0 != p[j].0, "two state maps share a record prefix");
            j += 1;
        }
        i += 1;
    }
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The prefixes are part of every record key (and so of the state root): pinned here, so
    /// that reordering or renumbering the table is a failing test, not a silent fork.
    #[test]
    fn record_prefixes_are_pinned() {
        let expected: &[(u8, &str)] = &[
            (0, "globals"),
            (1, "accounts"),
            (2, "hotkeys"),
            (3, "stakes"),
            (4, "hotkey_stake"),
            (5, "unbonding"),
            (6, "subnets"),
            (7, "neurons"),
            (8, "uids"),
            (9, "commits"),
            (10, "seat_sets"),
            (11, "proposals"),
            (12, "votes"),
            (13, "gov_queue"),
            (14, "jailed"),
            (15, "offences"),
            (17, "participation"),
            (16, "channels"),
            (18, "commitments"),
            (19, "identities"),
            (20, "stake_moves"),
            (21, "root_candidates"),
            (22, "coldkey_swaps"),
            (23, "swapped_hotkeys"),
            (24, "last_hotkey_swap"),
        ];
        assert_eq!(RECORD_PREFIXES, expected);
    }

    /// Every record of a state is loaded back into the map its prefix names; a record of an
    /// unknown prefix, or a globals prefix with a key, is refused.
    #[test]
    fn records_load_into_their_maps() {
        let mut state = State::new(ChainParams::default());
        state.accounts.insert(
            AccountId([1; 32]),
            Account {
                free: Rao(5),
                nonce: 2,
            },
        );
        state.gov_queue.insert((7, 3), GovTask::Execute);
        state.participation.insert(4, Participation::default());
        let records = state.all_records();
        let root = state.commit_root();
        let loaded = State::from_records(
            records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
            Hash::ZERO,
        )
        .unwrap();
        assert_eq!(loaded.root(), root);
        assert_eq!(loaded.nonce(&AccountId([1; 32])), 2);
        assert_eq!(loaded.gov_queue.get(&(7, 3)), Some(&GovTask::Execute));
        assert!(loaded.participation.contains_key(&4));

        let globals = records[0].clone();
        for key in [vec![255u8, 0], vec![0u8, 1]] {
            let bad = [
                (globals.0.as_slice(), globals.1.as_slice()),
                (&key, &[][..]),
            ];
            assert!(matches!(
                State::from_records(bad, Hash::ZERO),
                Err(super::super::RecordError::UnknownPrefix(_))
            ));
        }
    }
}
