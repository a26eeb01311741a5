//! Consensus seats: who produces and finalizes blocks.
//!
//! # Rules
//! - `register_consensus_key(hotkey, key)`, signed by the hotkey's owner coldkey
//!   (`NotHotkeyOwner`): sets or replaces the ed25519 key the hotkey votes with. A key can
//!   belong to one hotkey only (`KeyInUse`); the all-zero key is refused (`InvalidKey`).
//! - Consensus epoch `E` covers heights `[E·L, (E+1)·L)` with `L = consensus_epoch_length`.
//!   When the last block of epoch `E` is applied, the runtime elects the seats of epoch
//!   `E + 2`: the `seat_count` hotkeys with the largest total stake (own + delegated) among
//!   those with a consensus key, at least `min_seat_stake` and not jailed
//!   ([`crate::slashing`]); ties go to the lower hotkey bytes. The set is written into the
//!   block (`Block::seats`) and the state. If nobody qualifies, the previous epoch's seats
//!   carry over — without its jailed hotkeys, unless that would leave none — so the chain
//!   never loses its producers.
//! - Seat sets are kept for as long as evidence against their seats can be reported: after
//!   each election, sets older than [`State::seat_sets_kept`] epochs (the unbonding window in
//!   epochs, rounded up, plus one and a margin; at least [`SEAT_SETS_KEPT`]) are pruned, by
//!   the parameters of that moment.
//! - Registered nodes ([`State::registered_node_keys`]): the consensus keys of hotkeys that
//!   registered one — seat or not, jailed or not — ordered by total stake (most first; ties to
//!   the lower hotkey bytes). Nodes admit these keys as p2p peers, so anyone can run a
//!   follower by registering its key under a hotkey; the stake order decides who is admitted
//!   when there are more than a node has room for.
//! - BFT safety holds while fewer than one third of the *seats* are Byzantine; stake only
//!   decides who holds them.

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Seat, SeatSet};

use crate::state::State;

/// Why a `register_consensus_key` call was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusError {
    /// The hotkey is not owned by the signing coldkey.
    #[error("hotkey {0} is not owned by the signing coldkey")]
    NotHotkeyOwner(AccountId),
    /// The consensus key is already registered by another hotkey (named in the field).
    #[error("this consensus key is already registered by hotkey {0}")]
    KeyInUse(AccountId),
    /// The key is not a valid ed25519 public key (the all-zero key, for one).
    #[error("the consensus key is not a valid ed25519 public key")]
    InvalidKey,
    /// The consensus key's signature over the hotkey does not verify for this chain.
    #[error(
        "the proof of possession does not verify: it must be the consensus key's signature over the hotkey for this chain (taonet consensus register-key --key-file makes it)"
    )]
    InvalidKeyProof,
}

/// The fewest seat sets kept in the state, whatever the unbonding window (liveness needs
/// the recent ones; see [`State::seat_sets_kept`]).
pub const SEAT_SETS_KEPT: u64 = 8;

/// Seat sets kept beyond what the unbonding window needs ([`State::seat_sets_kept`]).
pub const SEAT_SETS_MARGIN: u64 = 2;

impl State {
    /// The consensus epoch of a height.
    pub fn consensus_epoch(&self, height: BlockNumber) -> u64 {
        height / self.params().consensus_epoch_length.max(1)
    }

    /// Whether `height` is the last block of its consensus epoch.
    pub fn is_epoch_end(&self, height: BlockNumber) -> bool {
        let len = self.params().consensus_epoch_length.max(1);
        height % len == len - 1
    }

    /// How many seat sets, the newest back, are kept after an election, by the current
    /// parameters: `max(SEAT_SETS_KEPT, ⌈unbonding_period / L⌉ + 1 + SEAT_SETS_MARGIN)`.
    ///
    /// Evidence of epoch `E` is accepted while `E`'s last block is inside the unbonding
    /// window ([`crate::evidence`]). At the end of epoch `C` the election stores `N = C + 2`;
    /// from the next block on the window starts at or after `(C + 1)·L − unbonding_period`,
    /// so the epochs still reportable are `E ≥ C + 1 − ⌈unbonding_period / L⌉ = N − 1 −
    /// ⌈unbonding_period / L⌉`: `⌈unbonding_period / L⌉ + 1` sets back from `N`, plus the
    /// margin. Pruning uses the parameters of the moment, so a governance change of the
    /// window takes effect at the next election (a set already pruned is not recovered).
    pub fn seat_sets_kept(&self) -> u64 {
        let p = self.params();
        p.unbonding_period
            .div_ceil(p.consensus_epoch_length.max(1))
            .saturating_add(1 + SEAT_SETS_MARGIN)
            .max(SEAT_SETS_KEPT)
    }

    /// The seats of consensus epoch `epoch`, if known.
    pub fn seats(&self, epoch: u64) -> Option<&SeatSet> {
        self.seat_sets.get(&epoch)
    }

    /// `consensus.register_consensus_key`.
    pub fn register_consensus_key(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        key: [u8; 32],
    ) -> Result<(), ConsensusError> {
        if key == [0u8; 32] {
            return Err(ConsensusError::InvalidKey);
        }
        if self.hotkey_owner(hotkey) != Some(*signer) {
            return Err(ConsensusError::NotHotkeyOwner(*hotkey));
        }
        if let Some(other) = self.consensus_key_holders(&key).find(|h| h != hotkey) {
            return Err(ConsensusError::KeyInUse(other));
        }
        if let Some(info) = self.hotkeys.get_mut(hotkey) {
            if let Some(old) = info.consensus_key.replace(key) {
                self.idx.hotkeys_by_consensus_key.remove(&(old, *hotkey));
            }
            self.idx.hotkeys_by_consensus_key.insert((key, *hotkey));
        }
        Ok(())
    }

    /// The hotkeys that registered `key` (at most one while the `KeyInUse` rule holds), in
    /// hotkey order. O(log n) (the consensus-key index).
    pub fn consensus_key_holders(&self, key: &[u8; 32]) -> impl Iterator<Item = AccountId> + '_ {
        self.idx
            .hotkeys_by_consensus_key
            .range((*key, AccountId([0u8; 32]))..=(*key, AccountId([0xffu8; 32])))
            .map(|(_, h)| *h)
    }

    /// Elects the seats of `epoch` from the current stake (without storing them): the first
    /// `seat_count` registered nodes that are not jailed and have `min_seat_stake`.
    pub fn elect_seats(&self, epoch: u64) -> SeatSet {
        let p = self.params();
        let seats = self
            .registered_nodes(usize::MAX)
            .into_iter()
            .filter(|n| n.stake >= p.min_seat_stake && !self.is_jailed(&n.hotkey))
            .take(usize::from(p.seat_count))
            .collect();
        SeatSet { epoch, seats }
    }

    /// Every hotkey that registered a consensus key, with its key and total stake, most stake
    /// first (ties: lower hotkey bytes), at most `limit` (see the module rules).
    pub fn registered_nodes(&self, limit: usize) -> Vec<Seat> {
        // The consensus-key index: only hotkeys with a key, not every hotkey.
        let mut nodes: Vec<Seat> = self
            .idx
            .hotkeys_by_consensus_key
            .iter()
            .map(|(key, hotkey)| Seat {
                hotkey: *hotkey,
                consensus_key: *key,
                stake: self.total_hotkey_stake(hotkey),
            })
            .collect();
        nodes.sort_by(|a, b| b.stake.cmp(&a.stake).then(a.hotkey.cmp(&b.hotkey)));
        nodes.truncate(limit);
        nodes
    }

    /// The consensus keys of [`State::registered_nodes`].
    pub fn registered_node_keys(&self, limit: usize) -> Vec<[u8; 32]> {
        self.registered_nodes(limit)
            .into_iter()
            .map(|n| n.consensus_key)
            .collect()
    }

    /// At the end of epoch `E`: elects, stores and returns the seats of `E + 2`.
    pub(crate) fn rotate_seats(&mut self, height: BlockNumber) -> SeatSet {
        let epoch = self.consensus_epoch(height) + 2;
        let mut set = self.elect_seats(epoch);
        if set.seats.is_empty()
            && let Some(prev) = self.seat_sets.get(&(epoch - 1))
        {
            let free: Vec<_> = prev
                .seats
                .iter()
                .filter(|s| !self.is_jailed(&s.hotkey))
                .cloned()
                .collect();
            set.seats = if free.is_empty() {
                prev.seats.clone()
            } else {
                free
            };
        }
        self.seat_sets.insert(epoch, set.clone());
        let kept = self.seat_sets_kept();
        if epoch >= kept {
            self.seat_sets.remove_below(&(epoch - kept));
        }
        set
    }
}
