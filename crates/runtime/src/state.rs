//! The chain state, its records and its root.
//!
//! # Rules
//! - State lives in ordered persistent maps ([`TrackedMap`]): iteration is always in key
//!   order, and cloning the whole state is O(1), which is how a failed call is rolled back
//!   and how forks are kept apart.
//! - Every map records which keys were written since the last root computation. Each entry is
//!   one *record*: key = `prefix ‖ encode(key)`, value = `encode(value)`. The global scalars
//!   (parameters, issuance, height, …) are one more record.
//! - [`State::commit_root`] feeds the changed records to the sparse Merkle tree
//!   ([`crate::merkle`]), so the state root commits to every byte of state and costs
//!   O(changes · log n) per block.

use bytes::BufMut;
use commonware_codec::{Buf, Copying, Decode, EncodeSize, Error, RangeCfg, Read, ReadExt, Write};
use imbl::{OrdMap, OrdSet};
use taonet_types::channel::Channel;
use taonet_types::codec::{read_str, str_size, write_str};
use taonet_types::gov::{Proposal, VoteRecord};
use taonet_types::tx::{AxonInfo, MAX_TEXT};
use taonet_types::{
    AccountId, BlockNumber, ChainParams, Hash, NetUid, Rao, SeatSet, SubnetHyperparams, Uid,
    plain_codec,
};

use crate::liveness::Participation;
use crate::merkle::{SparseMerkleTree, Update};
use crate::slashing::{Jail, SlashRecord};

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

    /// Removes.
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
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    /// Entries with keys in `range`, in key order.
    pub fn range<R: std::ops::RangeBounds<K>>(&self, range: R) -> impl Iterator<Item = (&K, &V)> {
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

fn encode<T: Write + EncodeSize>(value: &T) -> Vec<u8> {
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
    fn record_updates(
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

    fn all_records(&self, prefix: u8, out: &mut Vec<(Vec<u8>, Vec<u8>)>) {
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
    fn load(
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

/// A free-balance account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Spendable balance.
    pub free: Rao,
    /// Next transaction nonce.
    pub nonce: u64,
}

plain_codec!(Account {
    free: Rao,
    nonce: u64,
});

/// A hotkey's ownership and delegation settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotkeyInfo {
    /// The owning coldkey.
    pub owner: AccountId,
    /// Delegate take, u16 proportion.
    pub take: u16,
    /// Block of the last take increase (0 = never).
    pub last_take_increase: BlockNumber,
    /// ed25519 key for consensus votes, if registered.
    pub consensus_key: Option<[u8; 32]>,
}

plain_codec!(HotkeyInfo {
    owner: AccountId,
    take: u16,
    last_take_increase: BlockNumber,
    consensus_key: Option<[u8; 32]>,
});

/// Stake waiting for its cooldown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbonding {
    /// Who receives it.
    pub coldkey: AccountId,
    /// The hotkey it was unstaked from (stays slashable for that hotkey's offences).
    pub hotkey: AccountId,
    /// Amount.
    pub amount: Rao,
    /// Block the unstake happened.
    pub started_at: BlockNumber,
}

plain_codec!(Unbonding {
    coldkey: AccountId,
    hotkey: AccountId,
    amount: Rao,
    started_at: BlockNumber,
});

/// A subnet's public identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubnetIdentity {
    /// Name.
    pub name: String,
    /// Web or repository address.
    pub url: String,
    /// What it does.
    pub description: String,
}

impl Write for SubnetIdentity {
    fn write(&self, buf: &mut impl BufMut) {
        write_str(&self.name, buf);
        write_str(&self.url, buf);
        write_str(&self.description, buf);
    }
}

impl EncodeSize for SubnetIdentity {
    fn encode_size(&self) -> usize {
        str_size(&self.name) + str_size(&self.url) + str_size(&self.description)
    }
}

impl Read for SubnetIdentity {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(SubnetIdentity {
            name: read_str(buf, MAX_TEXT)?,
            url: read_str(buf, MAX_TEXT)?,
            description: read_str(buf, MAX_TEXT)?,
        })
    }
}

/// A subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetInfo {
    /// Owner coldkey.
    pub owner: AccountId,
    /// Owner hotkey (uid 0 at creation; immune from pruning).
    pub owner_hotkey: AccountId,
    /// Hyperparameters.
    pub hyperparams: SubnetHyperparams,
    /// Number of neurons (uids `0..n`).
    pub n: u16,
    /// Registration burn as of `burn_block` (it decays from there).
    pub burn: Rao,
    /// Block at which `burn` was set.
    pub burn_block: BlockNumber,
    /// Block the subnet was created.
    pub created_at: BlockNumber,
    /// Block of the last epoch (or the staggered start before the first).
    pub last_epoch_block: BlockNumber,
    /// Whether an epoch has run.
    pub stepped: bool,
    /// Epochs run so far.
    pub epoch_index: u64,
    /// Emission accrued since the last epoch, to be distributed (not yet issued).
    pub pending_emission: Rao,
    /// Emission share from the last root epoch, u64 proportion of `u64::MAX`.
    pub emission_share: u64,
    /// Block of the owner's last hyperparameter change (0 = never).
    pub last_hyperparam_change: BlockNumber,
    /// TAO locked when the subnet was created.
    pub locked: Rao,
    /// Identity.
    pub identity: SubnetIdentity,
}

plain_codec!(SubnetInfo {
    owner: AccountId,
    owner_hotkey: AccountId,
    hyperparams: SubnetHyperparams,
    n: u16,
    burn: Rao,
    burn_block: BlockNumber,
    created_at: BlockNumber,
    last_epoch_block: BlockNumber,
    stepped: bool,
    epoch_index: u64,
    pending_emission: Rao,
    emission_share: u64,
    last_hyperparam_change: BlockNumber,
    locked: Rao,
    identity: SubnetIdentity,
});

/// A neuron: one uid of a subnet, with its inputs to and outputs of the last epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neuron {
    /// Its hotkey.
    pub hotkey: AccountId,
    /// Block it registered (on this uid).
    pub registered_at: BlockNumber,
    /// Block of its last weight update.
    pub last_update: BlockNumber,
    /// Served axon.
    pub axon: AxonInfo,
    /// Block of the last serve_axon (0 = never).
    pub last_serve: BlockNumber,
    /// Weights it sets: (uid, u16) sorted by uid, max-upscaled.
    pub weights: Vec<(Uid, u16)>,
    /// Its bonds: (uid, u16) sorted by uid.
    pub bonds: Vec<(Uid, u16)>,
    /// Active at the last epoch.
    pub active: bool,
    /// Validator permit (for the next epoch).
    pub validator_permit: bool,
    /// Stake weight at the last epoch (u16).
    pub stake_weight: u16,
    /// Consensus (u16).
    pub consensus: u16,
    /// Incentive (u16).
    pub incentive: u16,
    /// Dividends (u16).
    pub dividends: u16,
    /// Validator trust (u16).
    pub validator_trust: u16,
    /// Emission at the last epoch.
    pub emission: Rao,
}

impl Neuron {
    /// A freshly registered neuron.
    pub fn new(hotkey: AccountId, block: BlockNumber) -> Neuron {
        Neuron {
            hotkey,
            registered_at: block,
            last_update: block,
            axon: AxonInfo::default(),
            last_serve: 0,
            weights: Vec::new(),
            bonds: Vec::new(),
            active: true,
            validator_permit: false,
            stake_weight: 0,
            consensus: 0,
            incentive: 0,
            dividends: 0,
            validator_trust: 0,
            emission: Rao::ZERO,
        }
    }
}

impl Write for Neuron {
    fn write(&self, buf: &mut impl BufMut) {
        self.hotkey.write(buf);
        self.registered_at.write(buf);
        self.last_update.write(buf);
        self.axon.write(buf);
        self.last_serve.write(buf);
        self.weights.write(buf);
        self.bonds.write(buf);
        self.active.write(buf);
        self.validator_permit.write(buf);
        self.stake_weight.write(buf);
        self.consensus.write(buf);
        self.incentive.write(buf);
        self.dividends.write(buf);
        self.validator_trust.write(buf);
        self.emission.write(buf);
    }
}

impl EncodeSize for Neuron {
    fn encode_size(&self) -> usize {
        32 + 8
            + 8
            + self.axon.encode_size()
            + 8
            + self.weights.encode_size()
            + self.bonds.encode_size()
            + 2
            + 2 * 5
            + 8
    }
}

impl Read for Neuron {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let max = taonet_types::params::MAX_UIDS_LIMIT as usize;
        Ok(Neuron {
            hotkey: AccountId::read(buf)?,
            registered_at: u64::read(buf)?,
            last_update: u64::read(buf)?,
            axon: AxonInfo::read(buf)?,
            last_serve: u64::read(buf)?,
            weights: Vec::<(Uid, u16)>::read_cfg(buf, &(RangeCfg::new(0..=max), ((), ())))?,
            bonds: Vec::<(Uid, u16)>::read_cfg(buf, &(RangeCfg::new(0..=max), ((), ())))?,
            active: bool::read(buf)?,
            validator_permit: bool::read(buf)?,
            stake_weight: u16::read(buf)?,
            consensus: u16::read(buf)?,
            incentive: u16::read(buf)?,
            dividends: u16::read(buf)?,
            validator_trust: u16::read(buf)?,
            emission: Rao::read(buf)?,
        })
    }
}

/// A weights commit awaiting its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightCommit {
    /// The committed hash.
    pub hash: Hash,
    /// Block of the commit.
    pub block: BlockNumber,
    /// Subnet epoch index at the commit.
    pub epoch: u64,
}

plain_codec!(WeightCommit {
    hash: Hash,
    block: BlockNumber,
    epoch: u64,
});

/// Most unrevealed commits per hotkey and subnet.
pub const MAX_UNREVEALED_COMMITS: usize = 10;

/// A list of commits (a record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Commits(pub Vec<WeightCommit>);

impl Write for Commits {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl EncodeSize for Commits {
    fn encode_size(&self) -> usize {
        self.0.encode_size()
    }
}

impl Read for Commits {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Commits(Vec::<WeightCommit>::read_cfg(
            buf,
            &(RangeCfg::new(0..=MAX_UNREVEALED_COMMITS), ()),
        )?))
    }
}

/// A governance task due at the end of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GovTask {
    /// Count the votes of a proposal whose voting period ends.
    Tally,
    /// Execute a passed proposal.
    Execute,
}

impl Write for GovTask {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            GovTask::Tally => 0,
            GovTask::Execute => 1,
        };
        tag.write(buf);
    }
}

impl EncodeSize for GovTask {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for GovTask {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(GovTask::Tally),
            1 => Ok(GovTask::Execute),
            t => Err(Error::InvalidEnum(t)),
        }
    }
}

/// Network-wide scalars (one record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Globals {
    /// Governance parameters.
    pub params: ChainParams,
    /// Height of the last applied block.
    pub height: BlockNumber,
    /// Timestamp of the last applied block (ms).
    pub last_timestamp_ms: u64,
    /// All TAO in existence: free + staked + unbonding + locked + treasury + deposits +
    /// channels.
    pub total_issuance: Rao,
    /// Sum of all stake.
    pub total_stake: Rao,
    /// Sum of all unbonding amounts.
    pub total_unbonding: Rao,
    /// Sum of subnet locks.
    pub total_locked: Rao,
    /// Treasury balance.
    pub treasury: Rao,
    /// Sum of subnets' pending (not yet issued) emission.
    pub total_pending_emission: Rao,
    /// Total TAO burned (registrations).
    pub total_burned: Rao,
    /// Next unbonding entry id.
    pub next_unbonding_id: u64,
    /// Block of the last subnet registration (0 = never).
    pub last_network_registration: BlockNumber,
    /// Lock cost paid by the last subnet registration.
    pub last_lock_cost: Rao,
    /// Block of the last root epoch.
    pub last_root_epoch: BlockNumber,
    /// Id of the next governance proposal.
    pub next_proposal_id: u64,
    /// Sum of the deposits reserved by proposals in their voting period.
    pub total_deposits: Rao,
    /// TAO held by open payment channels: Σ (deposit − claimed).
    pub total_channels: Rao,
}

/// Encoding: the parameters' pre-governance fields, the scalars above in order, then a
/// governance extension (the parameters' governance fields, `next_proposal_id`,
/// `total_deposits`), then a slashing extension (the parameters' slashing fields), then a
/// payment-channel extension (the parameters' channel fields, `total_channels`). A record
/// written before governance (or before slashing, or channels) lacks the later extensions and
/// decodes with their defaults, so stored states stay readable.
impl Write for Globals {
    fn write(&self, buf: &mut impl BufMut) {
        self.params.write_core(buf);
        self.height.write(buf);
        self.last_timestamp_ms.write(buf);
        self.total_issuance.write(buf);
        self.total_stake.write(buf);
        self.total_unbonding.write(buf);
        self.total_locked.write(buf);
        self.treasury.write(buf);
        self.total_pending_emission.write(buf);
        self.total_burned.write(buf);
        self.next_unbonding_id.write(buf);
        self.last_network_registration.write(buf);
        self.last_lock_cost.write(buf);
        self.last_root_epoch.write(buf);
        self.params.write_gov(buf);
        self.next_proposal_id.write(buf);
        self.total_deposits.write(buf);
        self.params.write_slashing(buf);
        self.params.write_channels(buf);
        self.total_channels.write(buf);
    }
}

impl EncodeSize for Globals {
    fn encode_size(&self) -> usize {
        self.params.core_size()
            + 8 * 13
            + ChainParams::GOV_SIZE
            + 8
            + 8
            + ChainParams::SLASHING_SIZE
            + ChainParams::CHANNELS_SIZE
            + 8
    }
}

impl Read for Globals {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let mut g = Globals {
            params: ChainParams::read_core(buf)?,
            height: u64::read(buf)?,
            last_timestamp_ms: u64::read(buf)?,
            total_issuance: Rao::read(buf)?,
            total_stake: Rao::read(buf)?,
            total_unbonding: Rao::read(buf)?,
            total_locked: Rao::read(buf)?,
            treasury: Rao::read(buf)?,
            total_pending_emission: Rao::read(buf)?,
            total_burned: Rao::read(buf)?,
            next_unbonding_id: u64::read(buf)?,
            last_network_registration: u64::read(buf)?,
            last_lock_cost: Rao::read(buf)?,
            last_root_epoch: u64::read(buf)?,
            next_proposal_id: 0,
            total_deposits: Rao::ZERO,
            total_channels: Rao::ZERO,
        };
        if buf.has_remaining() {
            g.params.read_gov(buf)?;
            g.next_proposal_id = u64::read(buf)?;
            g.total_deposits = Rao::read(buf)?;
        }
        if buf.has_remaining() {
            g.params.read_slashing(buf)?;
        }
        if buf.has_remaining() {
            g.params.read_channels(buf)?;
            g.total_channels = Rao::read(buf)?;
        }
        Ok(g)
    }
}

/// The whole chain state.
#[derive(Clone, Debug)]
pub struct State {
    /// Network-wide scalars.
    pub globals: Globals,
    /// Free balances and nonces.
    pub accounts: TrackedMap<AccountId, Account>,
    /// Hotkey ownership, take, consensus key.
    pub hotkeys: TrackedMap<AccountId, HotkeyInfo>,
    /// Stake by (hotkey, coldkey).
    pub stakes: TrackedMap<(AccountId, AccountId), Rao>,
    /// Total stake per hotkey.
    pub hotkey_stake: TrackedMap<AccountId, Rao>,
    /// Unbonding entries by (release block, id).
    pub unbonding: TrackedMap<(BlockNumber, u64), Unbonding>,
    /// Subnets (0 = root).
    pub subnets: TrackedMap<NetUid, SubnetInfo>,
    /// Neurons by (netuid, uid).
    pub neurons: TrackedMap<(NetUid, Uid), Neuron>,
    /// uid of a hotkey on a subnet.
    pub uids: TrackedMap<(NetUid, AccountId), Uid>,
    /// Unrevealed weight commits by (netuid, hotkey).
    pub commits: TrackedMap<(NetUid, AccountId), Commits>,
    /// Seat sets by consensus epoch.
    pub seat_sets: TrackedMap<u64, SeatSet>,
    /// Governance proposals by id (kept after they close: the history).
    pub proposals: TrackedMap<u64, Proposal>,
    /// Votes by (proposal, coldkey).
    pub votes: TrackedMap<(u64, AccountId), VoteRecord>,
    /// Governance work by (block, proposal): a tally or an execution at that block's end.
    pub gov_queue: TrackedMap<(BlockNumber, u64), GovTask>,
    /// Jailed hotkeys (out of seat elections until unjailed).
    pub jailed: TrackedMap<AccountId, Jail>,
    /// Processed offences by id (the slash history within the unbonding window).
    pub offences: TrackedMap<Hash, SlashRecord>,
    /// Vote participation by consensus epoch ([`crate::liveness`]).
    pub participation: TrackedMap<u64, Participation>,
    /// Open payment channels by id.
    pub channels: TrackedMap<Hash, Channel>,
    /// Derived lookup indexes over the maps above (not records, not in the root).
    pub(crate) idx: Indexes,
    /// Hash of the last applied block (not part of the state root, which the block hash
    /// itself commits to).
    pub head: Hash,
    /// Set when a subnet was created in the current block (the root epoch then reruns).
    pub(crate) subnets_changed: bool,
    globals_dirty: bool,
    tree: SparseMerkleTree,
}

/// Derived indexes over the state's maps, so that no transaction has to scan a whole map.
///
/// # Rules
/// - They are *derived*: not records, not part of the state root, never stored. Each is
///   exactly what a scan of its map gives ([`Indexes::build`]); the write paths that change
///   the underlying map keep them so (stakes: [`State::increase_stake`] /
///   [`State::decrease_stake`]; hotkeys: `ensure_hotkey_owner` and
///   [`State::register_consensus_key`]; unbonding: `remove_stake`, the unbonding payout and
///   the slash), and [`State::from_records`] rebuilds them. Code that writes the public maps
///   directly must call [`State::rebuild_indexes`] afterwards.
/// - Persistent ordered sets (imbl `OrdSet`): cloning the state stays O(1) and iteration
///   stays in key order. [`crate::invariants`] checks them against a rebuild after every
///   block in debug builds.
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
        idx
    }
}

/// The range of pairs `(a, *)` in an index of pairs of account ids.
pub(crate) fn pairs_of(a: &AccountId) -> std::ops::RangeInclusive<(AccountId, AccountId)> {
    (*a, AccountId([0u8; 32]))..=(*a, AccountId([0xffu8; 32]))
}

/// Why stored records could not be turned back into a state.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A record with an empty key.
    #[error("state record with an empty key")]
    EmptyKey,
    /// A record of no known map.
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

/// Record prefixes (one per map).
mod prefix {
    pub const GLOBALS: u8 = 0;
    pub const ACCOUNTS: u8 = 1;
    pub const HOTKEYS: u8 = 2;
    pub const STAKES: u8 = 3;
    pub const HOTKEY_STAKE: u8 = 4;
    pub const UNBONDING: u8 = 5;
    pub const SUBNETS: u8 = 6;
    pub const NEURONS: u8 = 7;
    pub const UIDS: u8 = 8;
    pub const COMMITS: u8 = 9;
    pub const SEAT_SETS: u8 = 10;
    pub const PROPOSALS: u8 = 11;
    pub const VOTES: u8 = 12;
    pub const GOV_QUEUE: u8 = 13;
    pub const JAILED: u8 = 14;
    pub const OFFENCES: u8 = 15;
    pub const CHANNELS: u8 = 16;
    pub const PARTICIPATION: u8 = 17;
}

impl State {
    /// An empty state with `params`.
    pub fn new(params: ChainParams) -> State {
        State {
            globals: Globals {
                params,
                height: 0,
                last_timestamp_ms: 0,
                total_issuance: Rao::ZERO,
                total_stake: Rao::ZERO,
                total_unbonding: Rao::ZERO,
                total_locked: Rao::ZERO,
                treasury: Rao::ZERO,
                total_pending_emission: Rao::ZERO,
                total_burned: Rao::ZERO,
                next_unbonding_id: 0,
                last_network_registration: 0,
                last_lock_cost: Rao::ZERO,
                last_root_epoch: 0,
                next_proposal_id: 0,
                total_deposits: Rao::ZERO,
                total_channels: Rao::ZERO,
            },
            accounts: TrackedMap::default(),
            hotkeys: TrackedMap::default(),
            stakes: TrackedMap::default(),
            hotkey_stake: TrackedMap::default(),
            unbonding: TrackedMap::default(),
            subnets: TrackedMap::default(),
            neurons: TrackedMap::default(),
            uids: TrackedMap::default(),
            commits: TrackedMap::default(),
            seat_sets: TrackedMap::default(),
            proposals: TrackedMap::default(),
            votes: TrackedMap::default(),
            gov_queue: TrackedMap::default(),
            jailed: TrackedMap::default(),
            offences: TrackedMap::default(),
            participation: TrackedMap::default(),
            channels: TrackedMap::default(),
            idx: Indexes::default(),
            head: Hash::ZERO,
            subnets_changed: false,
            globals_dirty: true,
            tree: SparseMerkleTree::new(),
        }
    }

    /// Parameters.
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
                SparseMerkleTree::path_of(&[prefix::GLOBALS]),
                Some(Hash::digest(&value)),
            ));
            changes.push(RecordChange {
                key: vec![prefix::GLOBALS],
                value: Some(value),
            });
        }
        let (u, c) = (&mut updates, &mut changes);
        self.accounts.record_updates(prefix::ACCOUNTS, u, c);
        self.hotkeys.record_updates(prefix::HOTKEYS, u, c);
        self.stakes.record_updates(prefix::STAKES, u, c);
        self.hotkey_stake.record_updates(prefix::HOTKEY_STAKE, u, c);
        self.unbonding.record_updates(prefix::UNBONDING, u, c);
        self.subnets.record_updates(prefix::SUBNETS, u, c);
        self.neurons.record_updates(prefix::NEURONS, u, c);
        self.uids.record_updates(prefix::UIDS, u, c);
        self.commits.record_updates(prefix::COMMITS, u, c);
        self.seat_sets.record_updates(prefix::SEAT_SETS, u, c);
        self.proposals.record_updates(prefix::PROPOSALS, u, c);
        self.votes.record_updates(prefix::VOTES, u, c);
        self.gov_queue.record_updates(prefix::GOV_QUEUE, u, c);
        self.jailed.record_updates(prefix::JAILED, u, c);
        self.offences.record_updates(prefix::OFFENCES, u, c);
        self.participation
            .record_updates(prefix::PARTICIPATION, u, c);
        self.channels.record_updates(prefix::CHANNELS, u, c);
        self.tree.update(updates);
        (self.tree.root(), changes)
    }

    /// Every record of the state (for writing a full snapshot), in map order.
    pub fn all_records(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = vec![(vec![prefix::GLOBALS], encode(&self.globals))];
        self.accounts.all_records(prefix::ACCOUNTS, &mut out);
        self.hotkeys.all_records(prefix::HOTKEYS, &mut out);
        self.stakes.all_records(prefix::STAKES, &mut out);
        self.hotkey_stake
            .all_records(prefix::HOTKEY_STAKE, &mut out);
        self.unbonding.all_records(prefix::UNBONDING, &mut out);
        self.subnets.all_records(prefix::SUBNETS, &mut out);
        self.neurons.all_records(prefix::NEURONS, &mut out);
        self.uids.all_records(prefix::UIDS, &mut out);
        self.commits.all_records(prefix::COMMITS, &mut out);
        self.seat_sets.all_records(prefix::SEAT_SETS, &mut out);
        self.proposals.all_records(prefix::PROPOSALS, &mut out);
        self.votes.all_records(prefix::VOTES, &mut out);
        self.gov_queue.all_records(prefix::GOV_QUEUE, &mut out);
        self.jailed.all_records(prefix::JAILED, &mut out);
        self.offences.all_records(prefix::OFFENCES, &mut out);
        self.participation
            .all_records(prefix::PARTICIPATION, &mut out);
        self.channels.all_records(prefix::CHANNELS, &mut out);
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
        let mut updates = Vec::new();
        let pair = ((), ());
        for (key, value) in records {
            let bad = |e: Error| RecordError::Decode {
                key: hex_prefix(key),
                reason: e.to_string(),
            };
            let (&p, rest) = key.split_first().ok_or(RecordError::EmptyKey)?;
            match p {
                prefix::GLOBALS if rest.is_empty() => {
                    globals = Some(Globals::decode_cfg(Copying(value), &()).map_err(bad)?);
                }
                prefix::ACCOUNTS => state.accounts.load(rest, value, &(), &()).map_err(bad)?,
                prefix::HOTKEYS => state.hotkeys.load(rest, value, &(), &()).map_err(bad)?,
                prefix::STAKES => state.stakes.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::HOTKEY_STAKE => state
                    .hotkey_stake
                    .load(rest, value, &(), &())
                    .map_err(bad)?,
                prefix::UNBONDING => state.unbonding.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::SUBNETS => state.subnets.load(rest, value, &(), &()).map_err(bad)?,
                prefix::NEURONS => state.neurons.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::UIDS => state.uids.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::COMMITS => state.commits.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::SEAT_SETS => state.seat_sets.load(rest, value, &(), &()).map_err(bad)?,
                prefix::PROPOSALS => state.proposals.load(rest, value, &(), &()).map_err(bad)?,
                prefix::VOTES => state.votes.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::GOV_QUEUE => state.gov_queue.load(rest, value, &pair, &()).map_err(bad)?,
                prefix::JAILED => state.jailed.load(rest, value, &(), &()).map_err(bad)?,
                prefix::OFFENCES => state.offences.load(rest, value, &(), &()).map_err(bad)?,
                prefix::PARTICIPATION => state
                    .participation
                    .load(rest, value, &(), &())
                    .map_err(bad)?,
                prefix::CHANNELS => state.channels.load(rest, value, &(), &()).map_err(bad)?,
                _ => return Err(RecordError::UnknownPrefix(hex_prefix(key))),
            }
            updates.push((SparseMerkleTree::path_of(key), Some(Hash::digest(value))));
        }
        state.globals = globals.ok_or(RecordError::MissingGlobals)?;
        state.globals_dirty = false;
        state.rebuild_indexes();
        state.tree.update(updates);
        state.head = head;
        Ok(state)
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

    // ----- small typed helpers used by every module -----

    /// Free balance of an account.
    pub fn free(&self, who: &AccountId) -> Rao {
        self.accounts.get(who).map_or(Rao::ZERO, |a| a.free)
    }

    /// Next nonce of an account.
    pub fn nonce(&self, who: &AccountId) -> u64 {
        self.accounts.get(who).map_or(0, |a| a.nonce)
    }

    /// Stake of `coldkey` on `hotkey`.
    pub fn stake(&self, hotkey: &AccountId, coldkey: &AccountId) -> Rao {
        self.stakes
            .get(&(*hotkey, *coldkey))
            .copied()
            .unwrap_or(Rao::ZERO)
    }

    /// Total stake on `hotkey`.
    pub fn total_hotkey_stake(&self, hotkey: &AccountId) -> Rao {
        self.hotkey_stake.get(hotkey).copied().unwrap_or(Rao::ZERO)
    }

    /// The owner of a hotkey.
    pub fn hotkey_owner(&self, hotkey: &AccountId) -> Option<AccountId> {
        self.hotkeys.get(hotkey).map(|h| h.owner)
    }

    /// The uid of `hotkey` on `netuid`.
    pub fn uid_of(&self, netuid: NetUid, hotkey: &AccountId) -> Option<Uid> {
        self.uids.get(&(netuid, *hotkey)).copied()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{DecodeExt, Encode};

    #[test]
    fn globals_written_before_governance_still_decode() {
        let mut params = ChainParams {
            gov_voting_period: 77,
            ..ChainParams::default()
        };
        params.tx_base_fee = Rao(5);
        let mut g = State::new(params).globals;
        g.next_proposal_id = 3;
        g.total_deposits = Rao(9);
        let bytes = g.encode().to_vec();
        assert_eq!(bytes.len(), g.encode_size());
        assert_eq!(Globals::decode(Copying(&bytes)).unwrap(), g);
        // The same record without the governance extension (as written before it existed).
        let legacy = &bytes[..bytes.len()
            - ChainParams::GOV_SIZE
            - 16
            - ChainParams::SLASHING_SIZE
            - ChainParams::CHANNELS_SIZE
            - 8];
        let old = Globals::decode(Copying(legacy)).unwrap();
        assert_eq!(old.params.tx_base_fee, Rao(5));
        assert_eq!(
            old.params.gov_voting_period,
            ChainParams::default().gov_voting_period
        );
        assert_eq!((old.next_proposal_id, old.total_deposits), (0, Rao::ZERO));
        // A partial extension is an error, not a silent default.
        assert!(Globals::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }

    #[test]
    fn globals_written_before_slashing_still_decode() {
        let params = ChainParams {
            slash_fraction_ppb: 7,
            jail_epochs: 9,
            missed_votes_jail_ppb: 11,
            gov_voting_period: 77,
            ..ChainParams::default()
        };
        let mut g = State::new(params).globals;
        g.next_proposal_id = 3;
        let bytes = g.encode().to_vec();
        assert_eq!(bytes.len(), g.encode_size());
        assert_eq!(Globals::decode(Copying(&bytes)).unwrap(), g);
        let legacy =
            &bytes[..bytes.len() - ChainParams::SLASHING_SIZE - ChainParams::CHANNELS_SIZE - 8];
        let old = Globals::decode(Copying(legacy)).unwrap();
        assert_eq!(old.params.gov_voting_period, 77);
        assert_eq!(old.next_proposal_id, 3);
        let d = ChainParams::default();
        assert_eq!(
            (
                old.params.slash_fraction_ppb,
                old.params.jail_epochs,
                old.params.missed_votes_jail_ppb
            ),
            (d.slash_fraction_ppb, d.jail_epochs, d.missed_votes_jail_ppb)
        );
        assert!(Globals::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }

    #[test]
    fn globals_written_before_channels_still_decode() {
        let params = ChainParams {
            slash_fraction_ppb: 7,
            query_miner_share_ppb: 3,
            max_channel_duration: 5,
            ..ChainParams::default()
        };
        let mut g = State::new(params).globals;
        g.total_channels = Rao(42);
        let bytes = g.encode().to_vec();
        assert_eq!(bytes.len(), g.encode_size());
        assert_eq!(Globals::decode(Copying(&bytes)).unwrap(), g);
        let legacy = &bytes[..bytes.len() - ChainParams::CHANNELS_SIZE - 8];
        let old = Globals::decode(Copying(legacy)).unwrap();
        assert_eq!(old.params.slash_fraction_ppb, 7);
        assert_eq!(old.total_channels, Rao::ZERO);
        let d = ChainParams::default();
        assert_eq!(
            (
                old.params.query_miner_share_ppb,
                old.params.max_channel_duration
            ),
            (d.query_miner_share_ppb, d.max_channel_duration)
        );
        assert!(Globals::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }
}
