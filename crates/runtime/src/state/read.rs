//! The read API of the state: what the node, the RPC and tests ask of it.
//!
//! # Rules
//! - Every method answers one question about the state as of the last applied block, without
//!   changing it, in O(log n) (or O(log n + k) for an iterator of k items).
//! - Absent entries read as their zero where the chain treats them so (a balance, a nonce, a
//!   stake) and as `None` where absence means something (no such subnet, neuron, proposal).
//! - Iterators are in key order, so every caller sees the same order on every node.
//! - Code outside the runtime reads the state here rather than through its map fields; the
//!   runtime's modules keep their own read methods beside their rules (seats, jails,
//!   participation, channels, unbonding, governance tallies).

use taonet_types::gov::Proposal;
use taonet_types::{AccountId, BlockNumber, Hash, NetUid, Rao, Uid};

use super::{Account, Globals, HotkeyInfo, Neuron, State, SubnetRecord};
use crate::commitments::Commitment;
use crate::identity::Identity;
use crate::slashing::SlashRecord;

impl State {
    /// The network-wide scalars: totals (issuance, stake, unbonding, burned, …), counters and
    /// the parameters, read-only.
    pub fn globals(&self) -> &Globals {
        &self.globals
    }

    /// The height of the last applied block (0 at genesis).
    pub fn height(&self) -> BlockNumber {
        self.globals.height
    }

    /// The hash of the last applied block.
    pub fn head(&self) -> Hash {
        self.head
    }

    /// The account of `who` (balance and nonce), if it has ever held a balance.
    pub fn account(&self, who: &AccountId) -> Option<&Account> {
        self.accounts.get(who)
    }

    /// The free (spendable) balance of `who`; zero for an unknown account.
    pub fn free(&self, who: &AccountId) -> Rao {
        self.accounts.get(who).map_or(Rao::ZERO, |a| a.free)
    }

    /// The nonce the next transaction of `who` must carry; zero for an unknown account.
    pub fn nonce(&self, who: &AccountId) -> u64 {
        self.accounts.get(who).map_or(0, |a| a.nonce)
    }

    /// The registration of `hotkey` (owner, delegate take, consensus key), if registered.
    pub fn hotkey(&self, hotkey: &AccountId) -> Option<&HotkeyInfo> {
        self.hotkeys.get(hotkey)
    }

    /// The coldkey that owns `hotkey`, if registered.
    pub fn hotkey_owner(&self, hotkey: &AccountId) -> Option<AccountId> {
        self.hotkeys.get(hotkey).map(|h| h.owner)
    }

    /// The stake of `coldkey` on `hotkey`; zero if none.
    pub fn stake(&self, hotkey: &AccountId, coldkey: &AccountId) -> Rao {
        self.stakes
            .get(&(*hotkey, *coldkey))
            .copied()
            .unwrap_or(Rao::ZERO)
    }

    /// The total stake on `hotkey` (its own and its nominators'); zero if none.
    pub fn total_hotkey_stake(&self, hotkey: &AccountId) -> Rao {
        self.hotkey_stake.get(hotkey).copied().unwrap_or(Rao::ZERO)
    }

    /// Every hotkey that holds stake, with its total stake, in hotkey order. (A hotkey's
    /// stake can outlive its registration: check [`State::hotkey`] where that matters.)
    pub fn hotkey_stakes(&self) -> impl DoubleEndedIterator<Item = (AccountId, Rao)> + '_ {
        self.hotkey_stake.iter().map(|(h, s)| (*h, *s))
    }

    /// The subnet `netuid`, if it exists (0 = root).
    pub fn subnet(&self, netuid: NetUid) -> Option<&SubnetRecord> {
        self.subnets.get(&netuid)
    }

    /// Every subnet with its netuid, in netuid order (root first).
    pub fn subnets(&self) -> impl DoubleEndedIterator<Item = (NetUid, &SubnetRecord)> + '_ {
        self.subnets.iter().map(|(n, s)| (*n, s))
    }

    /// The neuron at `uid` of subnet `netuid`, if that uid is taken.
    pub fn neuron(&self, netuid: NetUid, uid: Uid) -> Option<&Neuron> {
        self.neurons.get(&(netuid, uid))
    }

    /// The neurons of subnet `netuid` with their uids, in uid order (uids `0..n`; none for
    /// an unknown subnet).
    pub fn neurons(&self, netuid: NetUid) -> impl DoubleEndedIterator<Item = (Uid, &Neuron)> + '_ {
        self.neurons
            .range((netuid, 0)..=(netuid, Uid::MAX))
            .map(|((_, uid), n)| (*uid, n))
    }

    /// The uid of `hotkey` on subnet `netuid`, if registered there.
    pub fn uid_of(&self, netuid: NetUid, hotkey: &AccountId) -> Option<Uid> {
        self.uids.get(&(netuid, *hotkey)).copied()
    }

    /// The registrations of `hotkey`: `(netuid, uid)` of every subnet it holds a uid on, in
    /// netuid order. O(S log n) over the S subnets (the uid map is keyed by subnet first).
    pub fn registrations_of(&self, hotkey: &AccountId) -> Vec<(NetUid, Uid)> {
        self.subnets
            .iter()
            .filter_map(|(netuid, _)| self.uid_of(*netuid, hotkey).map(|uid| (*netuid, uid)))
            .collect()
    }

    /// The newest commitment of `uid` on subnet `netuid`, if it has one
    /// ([`crate::commitments`]).
    pub fn commitment(&self, netuid: NetUid, uid: Uid) -> Option<&Commitment> {
        self.commitments.get(&(netuid, uid))
    }

    /// The identity `account` published, if any ([`crate::identity`]).
    pub fn identity(&self, account: &AccountId) -> Option<&Identity> {
        self.identities.get(account)
    }

    /// The governance proposal `id`, open or closed, if it was ever submitted.
    pub fn proposal(&self, id: u64) -> Option<&Proposal> {
        self.proposals.get(&id)
    }

    /// The newest `limit` proposals (highest ids), newest first.
    pub fn recent_proposals(&self, limit: u64) -> impl Iterator<Item = &Proposal> + '_ {
        // Ids are consecutive from 0, so the newest `limit` are the last `limit` ids.
        let from = self.globals.next_proposal_id.saturating_sub(limit);
        self.proposals.range(from..).rev().map(|(_, p)| p)
    }

    /// The slash record of the processed offence `id`, while it is kept (module rules of
    /// [`crate::slashing`]).
    pub fn offence(&self, id: &Hash) -> Option<&SlashRecord> {
        self.offences.get(id)
    }

    /// Every processed offence still kept, by offence id.
    pub fn offences(&self) -> impl DoubleEndedIterator<Item = (&Hash, &SlashRecord)> + '_ {
        self.offences.iter()
    }
}
