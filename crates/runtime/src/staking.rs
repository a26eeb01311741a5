//! Staking, delegation and unbonding.
//!
//! # Rules
//! - Stake is held per (hotkey, coldkey). A hotkey is owned by one coldkey; any coldkey may
//!   stake on any owned hotkey ("nominate" it). A hotkey's total stake is its weight in every
//!   subnet it is registered on, and in seat elections.
//! - `associate_hotkey(hotkey, proof)`: claims an unowned hotkey for the signer with the default
//!   take. `proof` is the hotkey's sr25519 signature over `hotkey_ownership_payload(chain,
//!   signer)`, so nobody claims a hotkey they do not hold (`InvalidOwnershipProof`). Errors:
//!   `AlreadyAssociated`, `NotHotkeyOwner` (someone else owns it). Registering a neuron or a
//!   subnet with an unowned hotkey also claims it, as in Bittensor, but that burns the
//!   registration price or locks the subnet cost: a claim is never free.
//! - `add_stake(hotkey, amount)`: the hotkey must be owned (`HotkeyNotFound`); `amount ≥
//!   min_stake` (`AmountTooLow`); the signer must hold `amount` free (`InsufficientBalance`).
//! - `remove_stake(hotkey, amount)`: `amount` must not exceed the signer's stake on the hotkey
//!   (`InsufficientStake`) and must be ≥ `min_stake` unless it is the whole position. The
//!   amount leaves the stake at once (no more rewards) and enters the **unbonding queue**; it
//!   is paid to the signer's free balance automatically at the end of block `now +
//!   unbonding_period`. Until then it is queryable and remains slashable for the hotkey.
//! - `increase_take(hotkey, take)` / `decrease_take(hotkey, take)`: owner only
//!   (`NotHotkeyOwner`); a decrease must be lower and ≥ `min_take`, takes effect at once; an
//!   increase must be higher and ≤ `max_take`, and at most one per `take_increase_rate_limit`
//!   blocks (`TakeRateLimited`).

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Rao};

use crate::state::{HotkeyInfo, State, Unbonding, pairs_of};

/// Why a staking call (associate, add or remove stake, change take) was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum StakingError {
    /// The hotkey has no owner coldkey yet (it never registered nor was associated).
    #[error("hotkey {0} is not associated with any coldkey; register it or associate it first")]
    HotkeyNotFound(AccountId),
    /// The hotkey is owned by a coldkey other than the signer.
    #[error("hotkey {0} is owned by another coldkey")]
    NotHotkeyOwner(AccountId),
    /// The signer already owns the hotkey it tries to associate.
    #[error("hotkey {0} is already associated with this coldkey")]
    AlreadyAssociated(AccountId),
    /// The hotkey's signature over the claiming coldkey does not verify for this chain.
    #[error(
        "the ownership proof does not verify: it must be hotkey {0}'s signature over the claiming coldkey for this chain"
    )]
    InvalidOwnershipProof(AccountId),
    /// The amount is below `min_stake` (and, for an unstake, is not the whole position).
    #[error("amount {amount} TAO is below the minimum stake operation of {minimum} TAO")]
    AmountTooLow {
        /// The amount to stake or unstake.
        amount: Rao,
        /// The chain's `min_stake`.
        minimum: Rao,
    },
    /// The signer's free balance is smaller than the amount to stake.
    #[error("insufficient balance to stake: {needed} TAO needed, {available} TAO free")]
    InsufficientBalance {
        /// The amount to stake.
        needed: Rao,
        /// The signer's free balance.
        available: Rao,
    },
    /// The signer's stake on the hotkey is smaller than the amount to unstake.
    #[error(
        "insufficient stake: {requested} TAO requested, {staked} TAO staked by this coldkey on the hotkey"
    )]
    InsufficientStake {
        /// The amount to unstake.
        requested: Rao,
        /// What the signer has staked on the hotkey.
        staked: Rao,
    },
    /// A delegate take outside the chain's bounds.
    #[error("take {take} is outside [{min}, {max}] (u16 proportions)")]
    TakeOutOfBounds {
        /// The take asked for, as a `u16` proportion.
        take: u16,
        /// The chain's `min_take`.
        min: u16,
        /// The chain's `max_take`.
        max: u16,
    },
    /// A take increase that is not higher than the current take, or a decrease that is not
    /// lower.
    #[error("take {requested} must be {direction} than the current take {current}")]
    TakeNotChanged {
        /// The take asked for.
        requested: u16,
        /// The hotkey's take now.
        current: u16,
        /// How the take had to move: "higher" (increase) or "lower" (decrease).
        direction: &'static str,
    },
    /// A take increase within `take_increase_rate_limit` blocks of the previous one.
    #[error("take increases are rate-limited: next allowed at block {next}")]
    TakeRateLimited {
        /// The first block at which the hotkey may raise its take again.
        next: BlockNumber,
    },
    /// A stake total would exceed `u64` (more than the supply: a bug elsewhere).
    #[error("stake overflow")]
    Overflow,
    /// `move_stake` to the hotkey the stake is already on.
    #[error("the stake is already on hotkey {0}; choose another destination hotkey")]
    SameHotkey(AccountId),
    /// `transfer_stake` to the signer itself.
    #[error("coldkey {0} already holds this stake; choose another destination coldkey")]
    SameColdkey(AccountId),
    /// Part of the position arrived by a move and stays in place while it is still
    /// slashable for the hotkey it came from ([`crate::stake_moves`]).
    #[error(
        "only {movable} TAO of this position can be moved now (asked {requested} TAO): the rest arrived by a stake move and stays in place until block {until}, while it is still slashable for the hotkey it came from; it can be unstaked"
    )]
    StakeLocked {
        /// The amount asked for.
        requested: Rao,
        /// What can be moved now.
        movable: Rao,
        /// The block from which all of it can be moved.
        until: BlockNumber,
    },
}

impl State {
    /// Requires `hotkey` to be owned by `owner`, or claims it for `owner` if nobody owns it:
    /// after the hotkey's proof (`associate_hotkey`), or for registrations and subnet creation,
    /// which burn or lock TAO for it (as in Bittensor), and at genesis.
    pub(crate) fn ensure_hotkey_owner(
        &mut self,
        hotkey: &AccountId,
        owner: &AccountId,
    ) -> Result<(), StakingError> {
        match self.hotkeys.get(hotkey) {
            Some(info) if info.owner == *owner => Ok(()),
            Some(_) => Err(StakingError::NotHotkeyOwner(*hotkey)),
            None => {
                let take = self.params().default_take;
                self.hotkeys.insert(
                    *hotkey,
                    HotkeyInfo {
                        owner: *owner,
                        take,
                        last_take_increase: 0,
                        consensus_key: None,
                    },
                );
                self.idx.hotkeys_by_owner.insert((*owner, *hotkey));
                Ok(())
            }
        }
    }

    /// `staking.associate_hotkey` (the hotkey's ownership proof is checked by the dispatcher,
    /// which knows the chain domain).
    pub fn associate_hotkey(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
    ) -> Result<(), StakingError> {
        if self.hotkey_owner(hotkey) == Some(*signer) {
            return Err(StakingError::AlreadyAssociated(*hotkey));
        }
        self.ensure_hotkey_owner(hotkey, signer)
    }

    /// `staking.add_stake`.
    pub fn add_stake(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        if !self.hotkeys.contains_key(hotkey) {
            return Err(StakingError::HotkeyNotFound(*hotkey));
        }
        let minimum = self.params().min_stake;
        if amount < minimum {
            return Err(StakingError::AmountTooLow { amount, minimum });
        }
        let available = self.free(signer);
        if available < amount {
            return Err(StakingError::InsufficientBalance {
                needed: amount,
                available,
            });
        }
        self.debit(signer, amount)
            .map_err(|_| StakingError::InsufficientBalance {
                needed: amount,
                available,
            })?;
        self.increase_stake(hotkey, signer, amount)
    }

    /// The checks of taking `amount` out of `coldkey`'s position on `hotkey` (an unstake, a
    /// move, a transfer): more than zero and at most the position (`InsufficientStake`), and
    /// at least `min_stake` unless it is the whole position (`AmountTooLow`). Returns the
    /// position.
    pub(crate) fn check_take_from_position(
        &self,
        hotkey: &AccountId,
        coldkey: &AccountId,
        amount: Rao,
    ) -> Result<Rao, StakingError> {
        let staked = self.stake(hotkey, coldkey);
        if amount > staked || amount == Rao::ZERO {
            return Err(StakingError::InsufficientStake {
                requested: amount,
                staked,
            });
        }
        let minimum = self.params().min_stake;
        if amount < minimum && amount != staked {
            return Err(StakingError::AmountTooLow { amount, minimum });
        }
        Ok(staked)
    }

    /// `staking.remove_stake`: moves stake into the unbonding queue.
    pub fn remove_stake(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        self.check_take_from_position(hotkey, signer, amount)?;
        self.decrease_stake(hotkey, signer, amount)?;
        let now = self.globals.height;
        let release = now.saturating_add(self.params().unbonding_period);
        let g = self.globals_mut();
        let id = g.next_unbonding_id;
        g.next_unbonding_id += 1;
        g.total_unbonding = g
            .total_unbonding
            .checked_add(amount)
            .ok_or(StakingError::Overflow)?;
        self.unbonding.insert(
            (release, id),
            Unbonding {
                coldkey: *signer,
                hotkey: *hotkey,
                amount,
                started_at: now,
            },
        );
        self.idx
            .unbonding_by_hotkey
            .insert((*hotkey, (release, id)));
        Ok(())
    }

    fn owned_hotkey(
        &self,
        signer: &AccountId,
        hotkey: &AccountId,
    ) -> Result<HotkeyInfo, StakingError> {
        match self.hotkeys.get(hotkey) {
            None => Err(StakingError::HotkeyNotFound(*hotkey)),
            Some(h) if h.owner != *signer => Err(StakingError::NotHotkeyOwner(*hotkey)),
            Some(h) => Ok(h.clone()),
        }
    }

    /// `staking.increase_take`.
    pub fn increase_take(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        take: u16,
    ) -> Result<(), StakingError> {
        let info = self.owned_hotkey(signer, hotkey)?;
        let (min, max) = (self.params().min_take, self.params().max_take);
        if take <= info.take {
            return Err(StakingError::TakeNotChanged {
                requested: take,
                current: info.take,
                direction: "higher",
            });
        }
        if take > max {
            return Err(StakingError::TakeOutOfBounds { take, min, max });
        }
        let now = self.globals.height;
        let limit = self.params().take_increase_rate_limit;
        if info.last_take_increase != 0 && now < info.last_take_increase.saturating_add(limit) {
            return Err(StakingError::TakeRateLimited {
                next: info.last_take_increase.saturating_add(limit),
            });
        }
        if let Some(h) = self.hotkeys.get_mut(hotkey) {
            h.take = take;
            h.last_take_increase = now.max(1);
        }
        Ok(())
    }

    /// `staking.decrease_take`.
    pub fn decrease_take(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        take: u16,
    ) -> Result<(), StakingError> {
        let info = self.owned_hotkey(signer, hotkey)?;
        let (min, max) = (self.params().min_take, self.params().max_take);
        if take >= info.take {
            return Err(StakingError::TakeNotChanged {
                requested: take,
                current: info.take,
                direction: "lower",
            });
        }
        if take < min {
            return Err(StakingError::TakeOutOfBounds { take, min, max });
        }
        if let Some(h) = self.hotkeys.get_mut(hotkey) {
            h.take = take;
        }
        Ok(())
    }

    /// Pays out every unbonding entry released at or before `now`. Returns how much.
    pub(crate) fn release_unbonding(&mut self, now: BlockNumber) -> Rao {
        let due: Vec<((BlockNumber, u64), Unbonding)> = self
            .unbonding
            .range(..=(now, u64::MAX))
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        let mut paid = Rao::ZERO;
        for (key, entry) in due {
            self.unbonding.remove(&key);
            self.idx.unbonding_by_hotkey.remove(&(entry.hotkey, key));
            // Crediting cannot overflow: the amount was part of the issuance.
            let _ = self.credit(&entry.coldkey, entry.amount);
            paid = paid.checked_add(entry.amount).unwrap_or(paid);
            let g = self.globals_mut();
            g.total_unbonding = g.total_unbonding.saturating_sub(entry.amount);
        }
        paid
    }

    /// Pending unbonding entries of `coldkey`: (release block, entry), in release order.
    pub fn unbonding_of(&self, coldkey: &AccountId) -> Vec<(BlockNumber, Unbonding)> {
        self.unbonding
            .iter()
            .filter(|(_, u)| u.coldkey == *coldkey)
            .map(|((release, _), u)| (*release, u.clone()))
            .collect()
    }

    /// Stake positions of `coldkey`: (hotkey, amount), in hotkey order. O(k log n) for its
    /// k positions (the coldkey index).
    pub fn stakes_of(&self, coldkey: &AccountId) -> Vec<(AccountId, Rao)> {
        self.idx
            .stakes_by_coldkey
            .range(pairs_of(coldkey))
            .map(|(_, h)| (*h, self.stake(h, coldkey)))
            .collect()
    }

    /// Hotkeys owned by `coldkey`, in hotkey order. O(k log n) (the owner index).
    pub fn hotkeys_of(&self, coldkey: &AccountId) -> Vec<AccountId> {
        self.idx
            .hotkeys_by_owner
            .range(pairs_of(coldkey))
            .map(|(_, h)| *h)
            .collect()
    }

    /// Unbonding entries unstaked from `hotkey`: ((release block, id), entry), in queue
    /// order. O(k log n) (the hotkey index).
    pub fn unbonding_from(&self, hotkey: &AccountId) -> Vec<((BlockNumber, u64), Unbonding)> {
        let lo = (*hotkey, (0, 0));
        let hi = (*hotkey, (BlockNumber::MAX, u64::MAX));
        self.idx
            .unbonding_by_hotkey
            .range(lo..=hi)
            .filter_map(|(_, key)| self.unbonding.get(key).map(|u| (*key, u.clone())))
            .collect()
    }

    /// Nominators of `hotkey`: (coldkey, amount), in coldkey order.
    pub fn nominators_of(&self, hotkey: &AccountId) -> Vec<(AccountId, Rao)> {
        let lo = (*hotkey, AccountId([0u8; 32]));
        let hi = (*hotkey, AccountId([0xffu8; 32]));
        self.stakes
            .range(lo..=hi)
            .map(|((_, c), amount)| (*c, *amount))
            .collect()
    }
}
