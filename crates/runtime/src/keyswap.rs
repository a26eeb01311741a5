//! Key rotation: replacing a hotkey in one transaction (`staking.swap_hotkey`), and a
//! compromised coldkey through an announced, delayed and disputable swap
//! (`staking.announce_coldkey_swap`, `dispute_coldkey_swap`, `execute_coldkey_swap`).
//!
//! # Rules
//! - `swap_hotkey(old, new, proof)`, signed by `old`'s owner coldkey (`NotHotkeyOwner`,
//!   `HotkeyNotFound`), paying the normal fee and **burning** `key_swap_cost`
//!   (`CannotPayCost`). `proof` is `new`'s signature over the ownership payload for the signer
//!   (as `associate_hotkey`'s: nobody swaps to a key they do not hold, `InvalidProof`). `new`
//!   differs from `old` (`SameHotkey`) and has no history (`NewHotkeyInUse`, saying which):
//!   no owner, no registration, no unbonding entry, no root candidacy, no jail, and it was
//!   never retired by an earlier swap. One swap per coldkey per `hotkey_swap_rate_limit`
//!   blocks (`RateLimited`, with the first block allowed).
//!
//!   In one step `new` takes over everything of `old`: its owner, take and consensus key;
//!   every stake position on it (own and nominated, totals unchanged); every registration
//!   (same uid, with its weights, bonds, axon and commits); subnets' owner hotkey; unbonding
//!   entries unstaked from it; stake move records from or to it ([`crate::stake_moves`]); its
//!   root candidacy ([`crate::root`]) and its jail. `old` is left with nothing and is recorded
//!   as retired (`old → (new, block)`): an offence of `old` reported later (the seat sets
//!   already elected still name `old`) slashes and jails `new` ([`State::current_hotkey`]).
//!   The consensus key is unchanged, so a validator keeps producing blocks; the next seat
//!   election names `new`.
//! - `announce_coldkey_swap(new)`, signed by the old coldkey, paying the fee and burning
//!   `key_swap_cost`: `new` differs from the signer (`SameColdkey`) and owns no hotkey, stake
//!   position or subnet (`NewColdkeyInUse`); the signer has no swap pending
//!   (`AlreadyAnnounced`; a disputed one may be replaced). The announcement
//!   [`ColdkeySwap`] `{ new_coldkey, announced_at, executable_at = announced_at +
//!   coldkey_swap_delay, disputed_at }` is public state until executed or replaced.
//! - `dispute_coldkey_swap()`, signed by the old coldkey while its swap is pending
//!   (`NoSwapAnnounced`, `AlreadyDisputed`): marks it disputed; it can no longer be executed
//!   and the old coldkey may announce again (a new delay). Whoever holds the old key can
//!   dispute, so a swap someone else announced with a stolen key is stopped by the owner.
//! - `execute_coldkey_swap(old)`, signed by `old` or by the announced new coldkey
//!   (`NotParty`), from block `executable_at` on (`TooEarly`), not disputed (`Disputed`), with
//!   the new coldkey still owning no hotkey, stake or subnet. It moves to the new coldkey: the
//!   whole free balance, every stake position (same hotkeys, totals unchanged), the ownership
//!   of every hotkey, the unbonding entries it would be paid, the stake move records of its
//!   positions, its subnets' ownership and its identity (if the new coldkey has none). The
//!   announcement is removed. What the swap does not move stays with the old key: payment
//!   channels it opened and governance deposits and votes.
//! - Cost: a hotkey swap is O(p log n) in the hotkey's stake positions, registrations and
//!   records; a coldkey swap O(p log n) in its positions and hotkeys plus one pass over the
//!   unbonding queue and the move records (both bounded by the unbonding window). Both burn
//!   `key_swap_cost` on top of the fee, and are rate-limited or delayed.
//! - A failed call changes nothing but the fee.

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Rao, plain_codec};

use crate::state::{HotkeyInfo, State, pairs_of};

/// Most hops [`State::current_hotkey`] follows through retired hotkeys (a chain of swaps is
/// rate-limited, so real chains are far shorter).
pub const MAX_SWAP_HOPS: usize = 64;

/// Why a key swap was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum KeySwapError {
    /// The hotkey to retire has no owner.
    #[error("hotkey {0} is not associated with any coldkey")]
    HotkeyNotFound(AccountId),
    /// The hotkey to retire is owned by another coldkey.
    #[error("hotkey {0} is owned by another coldkey; only its owner can swap it")]
    NotHotkeyOwner(AccountId),
    /// `swap_hotkey` to the same key.
    #[error("the new hotkey is the old one ({0}); give a new hotkey")]
    SameHotkey(AccountId),
    /// The new hotkey already has a history.
    #[error("hotkey {hotkey} cannot replace another: it {why}; swap to a fresh hotkey")]
    NewHotkeyInUse {
        /// The refused new hotkey.
        hotkey: AccountId,
        /// What it already has.
        why: &'static str,
    },
    /// The new hotkey's signature over the signer does not verify.
    #[error(
        "the proof does not verify: it must be the new hotkey {0}'s signature over the owner coldkey for this chain"
    )]
    InvalidProof(AccountId),
    /// A second hotkey swap within `hotkey_swap_rate_limit`.
    #[error("this coldkey swapped a hotkey recently; the next swap is allowed from block {next}")]
    RateLimited {
        /// First block the next swap is allowed.
        next: BlockNumber,
    },
    /// The signer cannot burn `key_swap_cost`.
    #[error("a key swap burns {cost} TAO; the coldkey has {free} TAO free")]
    CannotPayCost {
        /// `key_swap_cost`.
        cost: Rao,
        /// The signer's free balance after the fee.
        free: Rao,
    },
    /// `announce_coldkey_swap` to the signer itself.
    #[error("the new coldkey is the signer ({0}); give another coldkey")]
    SameColdkey(AccountId),
    /// The new coldkey already owns something.
    #[error("coldkey {coldkey} cannot receive a swap: it {why}; use a fresh coldkey")]
    NewColdkeyInUse {
        /// The refused new coldkey.
        coldkey: AccountId,
        /// What it already owns.
        why: &'static str,
    },
    /// A swap is already pending for the signer.
    #[error(
        "a swap of this coldkey to {new_coldkey} is already announced (executable from block {executable_at}); dispute it first to announce another"
    )]
    AlreadyAnnounced {
        /// The pending swap's new coldkey.
        new_coldkey: AccountId,
        /// Its first executable block.
        executable_at: BlockNumber,
    },
    /// No swap is announced for the coldkey.
    #[error("no coldkey swap is announced for {0}")]
    NoSwapAnnounced(AccountId),
    /// The swap was already disputed.
    #[error("the swap was disputed at block {0}; it cannot be executed or disputed again")]
    AlreadyDisputed(BlockNumber),
    /// `execute_coldkey_swap` of a disputed swap.
    #[error(
        "the swap was disputed at block {0} by the old coldkey and cannot be executed; announce a new one"
    )]
    Disputed(BlockNumber),
    /// `execute_coldkey_swap` before its delay has passed.
    #[error(
        "the swap can be executed from block {executable_at} (coldkey_swap_delay after its announcement); the chain is at block {height}"
    )]
    TooEarly {
        /// First executable block.
        executable_at: BlockNumber,
        /// The current height.
        height: BlockNumber,
    },
    /// `execute_coldkey_swap` signed by neither the old nor the new coldkey.
    #[error("only the old coldkey or the announced new coldkey may execute its swap")]
    NotParty,
    /// An amount would overflow (a bug elsewhere).
    #[error("key swap overflow")]
    Overflow,
}

/// An announced coldkey swap (a state record keyed by the old coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColdkeySwap {
    /// The coldkey that receives everything.
    pub new_coldkey: AccountId,
    /// Block of the announcement.
    pub announced_at: BlockNumber,
    /// First block the swap can be executed in.
    pub executable_at: BlockNumber,
    /// Block of the old key's dispute (0: not disputed).
    pub disputed_at: BlockNumber,
}

plain_codec!(ColdkeySwap {
    new_coldkey: AccountId,
    announced_at: BlockNumber,
    executable_at: BlockNumber,
    disputed_at: BlockNumber,
});

impl State {
    /// The hotkey that now stands for `hotkey`: itself, or the key it was swapped to
    /// (following successive swaps, at most [`MAX_SWAP_HOPS`]).
    pub fn current_hotkey(&self, hotkey: &AccountId) -> AccountId {
        let mut h = *hotkey;
        for _ in 0..MAX_SWAP_HOPS {
            match self.swapped_hotkeys.get(&h) {
                Some((next, _)) => h = *next,
                None => break,
            }
        }
        h
    }

    /// The announced coldkey swap of `coldkey`, if any.
    pub fn coldkey_swap(&self, coldkey: &AccountId) -> Option<&ColdkeySwap> {
        self.coldkey_swaps.get(coldkey)
    }

    /// Burns `key_swap_cost` from `signer`.
    fn burn_swap_cost(&mut self, signer: &AccountId) -> Result<(), KeySwapError> {
        let cost = self.params().key_swap_cost;
        let free = self.free(signer);
        if free < cost {
            return Err(KeySwapError::CannotPayCost { cost, free });
        }
        self.burn_free(signer, cost)
            .map_err(|_| KeySwapError::CannotPayCost { cost, free })
    }

    /// Why `hotkey` cannot become a swap's new hotkey, if it cannot.
    fn hotkey_history(&self, hotkey: &AccountId) -> Option<&'static str> {
        if self.hotkeys.contains_key(hotkey) {
            return Some("is already owned by a coldkey");
        }
        if self.total_hotkey_stake(hotkey) > Rao::ZERO {
            return Some("has stake");
        }
        if !self.registrations_of(hotkey).is_empty() {
            return Some("is registered on a subnet");
        }
        if !self.unbonding_from(hotkey).is_empty() {
            return Some("has unbonding stake");
        }
        if self.root_candidates.contains_key(hotkey) {
            return Some("is a root candidate");
        }
        if self.jailed.contains_key(hotkey) {
            return Some("is jailed");
        }
        if self.swapped_hotkeys.contains_key(hotkey) {
            return Some("was retired by an earlier swap");
        }
        None
    }

    /// `staking.swap_hotkey` (the new hotkey's proof is checked by the dispatcher, which
    /// knows the chain domain).
    pub fn swap_hotkey(
        &mut self,
        signer: &AccountId,
        old: &AccountId,
        new: &AccountId,
    ) -> Result<(), KeySwapError> {
        let info = match self.hotkeys.get(old) {
            None => return Err(KeySwapError::HotkeyNotFound(*old)),
            Some(h) if h.owner != *signer => return Err(KeySwapError::NotHotkeyOwner(*old)),
            Some(h) => h.clone(),
        };
        if old == new {
            return Err(KeySwapError::SameHotkey(*new));
        }
        if let Some(why) = self.hotkey_history(new) {
            return Err(KeySwapError::NewHotkeyInUse { hotkey: *new, why });
        }
        let now = self.globals.height;
        if let Some(last) = self.last_hotkey_swap.get(signer) {
            let next = last.saturating_add(self.params().hotkey_swap_rate_limit);
            if now < next {
                return Err(KeySwapError::RateLimited { next });
            }
        }
        self.burn_swap_cost(signer)?;
        self.move_hotkey(&info, old, new);
        self.last_hotkey_swap.insert(*signer, now);
        self.swapped_hotkeys.insert(*old, (*new, now));
        Ok(())
    }

    /// Moves everything of `old` (owned as `info`) to `new` (module rules).
    fn move_hotkey(&mut self, info: &HotkeyInfo, old: &AccountId, new: &AccountId) {
        // Ownership, take and consensus key.
        self.hotkeys.remove(old);
        self.hotkeys.insert(*new, info.clone());
        self.idx.hotkeys_by_owner.remove(&(info.owner, *old));
        self.idx.hotkeys_by_owner.insert((info.owner, *new));
        if let Some(key) = info.consensus_key {
            self.idx.hotkeys_by_consensus_key.remove(&(key, *old));
            self.idx.hotkeys_by_consensus_key.insert((key, *new));
        }
        // Stake positions (the totals do not change).
        for (coldkey, amount) in self.nominators_of(old) {
            self.stakes.remove(&(*old, coldkey));
            self.stakes.insert((*new, coldkey), amount);
            self.idx.stakes_by_coldkey.remove(&(coldkey, *old));
            self.idx.stakes_by_coldkey.insert((coldkey, *new));
        }
        if let Some(total) = self.hotkey_stake.remove(old) {
            self.hotkey_stake.insert(*new, total);
        }
        // Registrations: same uids.
        for (netuid, uid) in self.registrations_of(old) {
            self.uids.remove(&(netuid, *old));
            self.uids.insert((netuid, *new), uid);
            if let Some(n) = self.neurons.get_mut(&(netuid, uid)) {
                n.hotkey = *new;
            }
            if let Some(c) = self.commits.remove(&(netuid, *old)) {
                self.commits.insert((netuid, *new), c);
            }
        }
        let owned: Vec<u16> = self
            .subnets
            .iter()
            .filter(|(_, s)| s.owner_hotkey == *old)
            .map(|(n, _)| *n)
            .collect();
        for netuid in owned {
            if let Some(s) = self.subnets.get_mut(&netuid) {
                s.owner_hotkey = *new;
            }
        }
        // Unbonding entries stay slashable under the new name.
        for (key, mut entry) in self.unbonding_from(old) {
            self.idx.unbonding_by_hotkey.remove(&(*old, key));
            self.idx.unbonding_by_hotkey.insert((*new, key));
            entry.hotkey = *new;
            self.unbonding.insert(key, entry);
        }
        // Stake move records from and to the hotkey.
        for (key, mut record) in self.moves_from(old) {
            self.remove_move(&key);
            record.from_hotkey = *new;
            self.insert_move(key, record);
        }
        let lo = ((*old, AccountId([0; 32])), (0, AccountId([0; 32]), 0));
        let hi = (
            (*old, AccountId([0xff; 32])),
            (BlockNumber::MAX, AccountId([0xff; 32]), u64::MAX),
        );
        let targets: Vec<_> = self
            .idx
            .moves_by_target
            .range(lo..=hi)
            .map(|(_, k)| *k)
            .collect();
        for key in targets {
            if let Some(mut record) = self.remove_move(&key) {
                record.to_hotkey = *new;
                self.insert_move(key, record);
            }
        }
        if let Some(at) = self.root_candidates.remove(old) {
            self.root_candidates.insert(*new, at);
        }
        if let Some(jail) = self.jailed.remove(old) {
            self.jailed.insert(*new, jail);
        }
    }

    /// Why `coldkey` cannot receive a coldkey swap, if it cannot.
    fn coldkey_holdings(&self, coldkey: &AccountId) -> Option<&'static str> {
        if self
            .idx
            .hotkeys_by_owner
            .range(pairs_of(coldkey))
            .next()
            .is_some()
        {
            return Some("owns hotkeys");
        }
        if self
            .idx
            .stakes_by_coldkey
            .range(pairs_of(coldkey))
            .next()
            .is_some()
        {
            return Some("has stake");
        }
        if self.subnets.iter().any(|(_, s)| s.owner == *coldkey) {
            return Some("owns a subnet");
        }
        None
    }

    /// `staking.announce_coldkey_swap`.
    pub fn announce_coldkey_swap(
        &mut self,
        signer: &AccountId,
        new: &AccountId,
    ) -> Result<(), KeySwapError> {
        if new == signer {
            return Err(KeySwapError::SameColdkey(*new));
        }
        if let Some(why) = self.coldkey_holdings(new) {
            return Err(KeySwapError::NewColdkeyInUse { coldkey: *new, why });
        }
        if let Some(s) = self.coldkey_swaps.get(signer)
            && s.disputed_at == 0
        {
            return Err(KeySwapError::AlreadyAnnounced {
                new_coldkey: s.new_coldkey,
                executable_at: s.executable_at,
            });
        }
        self.burn_swap_cost(signer)?;
        let now = self.globals.height;
        let executable_at = now.saturating_add(self.params().coldkey_swap_delay);
        self.coldkey_swaps.insert(
            *signer,
            ColdkeySwap {
                new_coldkey: *new,
                announced_at: now,
                executable_at,
                disputed_at: 0,
            },
        );
        Ok(())
    }

    /// `staking.dispute_coldkey_swap`.
    pub fn dispute_coldkey_swap(&mut self, signer: &AccountId) -> Result<(), KeySwapError> {
        let now = self.globals.height;
        let swap = self
            .coldkey_swaps
            .get_mut(signer)
            .ok_or(KeySwapError::NoSwapAnnounced(*signer))?;
        if swap.disputed_at != 0 {
            return Err(KeySwapError::AlreadyDisputed(swap.disputed_at));
        }
        swap.disputed_at = now.max(1);
        Ok(())
    }

    /// `staking.execute_coldkey_swap`.
    pub fn execute_coldkey_swap(
        &mut self,
        signer: &AccountId,
        old: &AccountId,
    ) -> Result<(), KeySwapError> {
        let swap = self
            .coldkey_swaps
            .get(old)
            .cloned()
            .ok_or(KeySwapError::NoSwapAnnounced(*old))?;
        let new = swap.new_coldkey;
        if *signer != *old && *signer != new {
            return Err(KeySwapError::NotParty);
        }
        if swap.disputed_at != 0 {
            return Err(KeySwapError::Disputed(swap.disputed_at));
        }
        let height = self.globals.height;
        if height < swap.executable_at {
            return Err(KeySwapError::TooEarly {
                executable_at: swap.executable_at,
                height,
            });
        }
        if let Some(why) = self.coldkey_holdings(&new) {
            return Err(KeySwapError::NewColdkeyInUse { coldkey: new, why });
        }
        let snapshot = self.clone();
        let result = self.move_coldkey(old, &new);
        if result.is_err() {
            *self = snapshot;
            return result;
        }
        self.coldkey_swaps.remove(old);
        Ok(())
    }

    /// Moves everything of coldkey `old` to `new` (module rules).
    fn move_coldkey(&mut self, old: &AccountId, new: &AccountId) -> Result<(), KeySwapError> {
        let free = self.free(old);
        if free > Rao::ZERO {
            self.debit(old, free).map_err(|_| KeySwapError::Overflow)?;
            self.credit(new, free).map_err(|_| KeySwapError::Overflow)?;
        }
        for (hotkey, amount) in self.stakes_of(old) {
            self.stakes.remove(&(hotkey, *old));
            self.stakes.insert((hotkey, *new), amount);
            self.idx.stakes_by_coldkey.remove(&(*old, hotkey));
            self.idx.stakes_by_coldkey.insert((*new, hotkey));
        }
        for hotkey in self.hotkeys_of(old) {
            if let Some(h) = self.hotkeys.get_mut(&hotkey) {
                h.owner = *new;
            }
            self.idx.hotkeys_by_owner.remove(&(*old, hotkey));
            self.idx.hotkeys_by_owner.insert((*new, hotkey));
        }
        let entries: Vec<_> = self
            .unbonding
            .iter()
            .filter(|(_, u)| u.coldkey == *old)
            .map(|(k, u)| (*k, u.clone()))
            .collect();
        for (key, mut entry) in entries {
            entry.coldkey = *new;
            self.unbonding.insert(key, entry);
        }
        let moves: Vec<_> = self
            .stake_moves
            .iter()
            .filter(|(_, m)| m.coldkey == *old)
            .map(|(k, _)| *k)
            .collect();
        for key in moves {
            if let Some(mut record) = self.remove_move(&key) {
                record.coldkey = *new;
                self.insert_move(key, record);
            }
        }
        let owned: Vec<u16> = self
            .subnets
            .iter()
            .filter(|(_, s)| s.owner == *old)
            .map(|(n, _)| *n)
            .collect();
        for netuid in owned {
            if let Some(s) = self.subnets.get_mut(&netuid) {
                s.owner = *new;
            }
        }
        if !self.identities.contains_key(new)
            && let Some(id) = self.identities.remove(old)
        {
            self.identities.insert(*new, id);
        }
        Ok(())
    }
}
