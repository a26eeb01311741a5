//! Moving stake without unbonding: `staking.move_stake` (to another hotkey, same coldkey) and
//! `staking.transfer_stake` (to another coldkey, same hotkey), with the slashing exposure the
//! moved stake keeps.
//!
//! # Rules
//! - `move_stake(from_hotkey, to_hotkey, amount)` (coldkey signs, paying): `to_hotkey` is
//!   owned (`HotkeyNotFound`) and differs from `from_hotkey` (`SameHotkey`); `amount` is more
//!   than zero and at most the signer's position on `from_hotkey` (`InsufficientStake`), and
//!   at least `min_stake` unless it is the whole position (`AmountTooLow`). The amount leaves
//!   the position on `from_hotkey` and joins the signer's position on `to_hotkey` in the same
//!   block: it never unbonds, and total stake and issuance do not change.
//! - `transfer_stake(hotkey, dest_coldkey, amount)` (coldkey signs, paying): the same checks,
//!   with `dest_coldkey` not the signer (`SameColdkey`); the amount becomes `dest_coldkey`'s
//!   stake on the same hotkey. The stake never leaves `hotkey`, so it stays exposed to
//!   `hotkey`'s offences as any position is.
//! - **Exposure of moved stake.** A move writes a [`StakeMove`] record `{ from_hotkey,
//!   to_hotkey, coldkey, amount, moved_at }`, kept until `moved_at + unbonding_period` (the
//!   period in force at the move): as long as an offence of `from_hotkey` committed before
//!   the move can still be slashed ([`crate::slashing`] refuses offences older than the
//!   unbonding window). A slash of `from_hotkey` for an offence at block `o ≤ moved_at`
//!   burns `⌊record.amount · fraction⌋` of the moved stake where it now is: first from the
//!   coldkey's position on `to_hotkey`, then from the coldkey's unbonding entries unstaked
//!   from `to_hotkey` at or after `moved_at`, in queue order; the record's amount falls by
//!   what was burned. What neither holds any more (because `to_hotkey`'s own slash took it)
//!   is not burned twice.
//! - **Moved stake stays in place.** While records target a position, the part of it they
//!   cover (the sum of their amounts) cannot be moved or transferred again (`StakeLocked`,
//!   which says from which block it can): the exposure follows it only into unbonding, never
//!   through a chain of moves. It can be unstaked as any stake.
//! - A record's key is `(expiry, coldkey, nonce)`: the signer's nonce makes it unique; the
//!   records are pruned at the end of the block of their expiry, as unbonding entries are
//!   paid out. Each move costs one record of 144 bytes for the window, priced by the fee.
//! - Key swaps carry records along ([`crate::keyswap`]): a hotkey swap renames `from_hotkey`
//!   and `to_hotkey`, a coldkey swap renames `coldkey`.

use serde::Serialize;
use taonet_types::{AccountId, BlockNumber, Rao, plain_codec};

use crate::slashing::{SlashingError, slash_amount};
use crate::staking::StakingError;
use crate::state::State;

/// The key of a [`StakeMove`] record: (expiry block, coldkey, nonce of the moving
/// transaction).
pub type MoveKey = (BlockNumber, AccountId, u64);

/// Stake moved from one hotkey to another that stays slashable for the first one's earlier
/// offences (a state record, module rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StakeMove {
    /// The hotkey the stake left.
    pub from_hotkey: AccountId,
    /// The hotkey it joined.
    pub to_hotkey: AccountId,
    /// The coldkey whose stake it is.
    pub coldkey: AccountId,
    /// Rao still exposed to `from_hotkey`'s offences before `moved_at`.
    pub amount: Rao,
    /// The block of the move.
    pub moved_at: BlockNumber,
}

plain_codec!(StakeMove {
    from_hotkey: AccountId,
    to_hotkey: AccountId,
    coldkey: AccountId,
    amount: Rao,
    moved_at: BlockNumber,
});

/// What a slash burned of one moved stake record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MovedLoss {
    /// Whose stake it is.
    pub coldkey: AccountId,
    /// Where the stake went.
    pub to_hotkey: AccountId,
    /// Block of the move.
    pub moved_at: BlockNumber,
    /// Burned from the position on `to_hotkey`.
    pub from_stake: Rao,
    /// Burned from unbonding entries unstaked from `to_hotkey`.
    pub from_unbonding: Rao,
}

impl State {
    /// The checks shared by a move and a transfer: the position and the amount.
    fn check_movable(
        &self,
        hotkey: &AccountId,
        coldkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        let staked = self.check_take_from_position(hotkey, coldkey, amount)?;
        let (locked, until) = self.moved_in(hotkey, coldkey);
        if amount > staked.saturating_sub(locked) {
            return Err(StakingError::StakeLocked {
                requested: amount,
                movable: staked.saturating_sub(locked),
                until,
            });
        }
        Ok(())
    }

    /// The stake that moves brought to `(hotkey, coldkey)` and that is still exposed to the
    /// hotkeys it came from, and the block from which all of it is free to move again.
    /// O(k log n) in the position's k records (the target index).
    pub fn moved_in(&self, hotkey: &AccountId, coldkey: &AccountId) -> (Rao, BlockNumber) {
        let now = self.globals.height;
        let lo = ((*hotkey, *coldkey), (0, AccountId([0; 32]), 0));
        let hi = (
            (*hotkey, *coldkey),
            (BlockNumber::MAX, AccountId([0xff; 32]), u64::MAX),
        );
        let mut locked = Rao::ZERO;
        let mut until = 0;
        for (_, key) in self.idx.moves_by_target.range(lo..=hi) {
            if key.0 <= now {
                continue;
            }
            if let Some(m) = self.stake_moves.get(key) {
                locked = locked.saturating_add(m.amount);
                until = until.max(key.0);
            }
        }
        (locked, until)
    }

    /// `staking.move_stake`.
    pub fn move_stake(
        &mut self,
        signer: &AccountId,
        nonce: u64,
        from_hotkey: &AccountId,
        to_hotkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        if from_hotkey == to_hotkey {
            return Err(StakingError::SameHotkey(*to_hotkey));
        }
        if !self.hotkeys.contains_key(to_hotkey) {
            return Err(StakingError::HotkeyNotFound(*to_hotkey));
        }
        self.check_movable(from_hotkey, signer, amount)?;
        self.decrease_stake(from_hotkey, signer, amount)?;
        self.increase_stake(to_hotkey, signer, amount)?;
        let now = self.globals.height;
        let expiry = now.saturating_add(self.params().unbonding_period);
        if expiry > now {
            self.insert_move(
                (expiry, *signer, nonce),
                StakeMove {
                    from_hotkey: *from_hotkey,
                    to_hotkey: *to_hotkey,
                    coldkey: *signer,
                    amount,
                    moved_at: now,
                },
            );
        }
        Ok(())
    }

    /// `staking.transfer_stake`.
    pub fn transfer_stake(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
        dest_coldkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        if dest_coldkey == signer {
            return Err(StakingError::SameColdkey(*dest_coldkey));
        }
        self.check_movable(hotkey, signer, amount)?;
        self.decrease_stake(hotkey, signer, amount)?;
        self.increase_stake(hotkey, dest_coldkey, amount)
    }

    /// Writes a move record and its index entries.
    pub(crate) fn insert_move(&mut self, key: MoveKey, record: StakeMove) {
        self.idx.moves_by_from.insert((record.from_hotkey, key));
        self.idx
            .moves_by_target
            .insert(((record.to_hotkey, record.coldkey), key));
        self.stake_moves.insert(key, record);
    }

    /// Removes a move record and its index entries.
    pub(crate) fn remove_move(&mut self, key: &MoveKey) -> Option<StakeMove> {
        let record = self.stake_moves.remove(key)?;
        self.idx.moves_by_from.remove(&(record.from_hotkey, *key));
        self.idx
            .moves_by_target
            .remove(&((record.to_hotkey, record.coldkey), *key));
        Some(record)
    }

    /// Drops the move records whose window ends at or before `now`. Returns how many.
    pub(crate) fn prune_stake_moves(&mut self, now: BlockNumber) -> usize {
        let due: Vec<MoveKey> = self
            .stake_moves
            .range(..=(now, AccountId([0xff; 32]), u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in &due {
            self.remove_move(key);
        }
        due.len()
    }

    /// Live move records out of `hotkey`: (key, record), in key order. O(k log n).
    pub fn moves_from(&self, hotkey: &AccountId) -> Vec<(MoveKey, StakeMove)> {
        let lo = (*hotkey, (0, AccountId([0; 32]), 0));
        let hi = (*hotkey, (BlockNumber::MAX, AccountId([0xff; 32]), u64::MAX));
        self.idx
            .moves_by_from
            .range(lo..=hi)
            .filter_map(|(_, key)| self.stake_moves.get(key).map(|m| (*key, m.clone())))
            .collect()
    }

    /// The slash's reach into stake moved away from `hotkey` at or after `offence_block`
    /// (module rules). Returns the losses and the totals burned from positions and from
    /// unbonding entries; the caller burns them from the issuance.
    pub(crate) fn slash_moved(
        &mut self,
        hotkey: &AccountId,
        fraction_ppb: u32,
        offence_block: BlockNumber,
    ) -> Result<(Vec<MovedLoss>, Rao, Rao), SlashingError> {
        let mut losses = Vec::new();
        let (mut from_stake_total, mut from_unbonding_total) = (Rao::ZERO, Rao::ZERO);
        for (key, mut record) in self.moves_from(hotkey) {
            if record.moved_at < offence_block {
                continue;
            }
            let due = slash_amount(record.amount, fraction_ppb);
            if due == Rao::ZERO {
                continue;
            }
            let position = self.stake(&record.to_hotkey, &record.coldkey);
            let from_stake = due.min(position);
            if from_stake > Rao::ZERO {
                self.decrease_stake(&record.to_hotkey, &record.coldkey, from_stake)
                    .map_err(|_| SlashingError::Overflow)?;
            }
            let mut rest = due.saturating_sub(from_stake);
            let mut from_unbonding = Rao::ZERO;
            if rest > Rao::ZERO {
                for (ukey, mut entry) in self.unbonding_from(&record.to_hotkey) {
                    if rest == Rao::ZERO {
                        break;
                    }
                    if entry.coldkey != record.coldkey || entry.started_at < record.moved_at {
                        continue;
                    }
                    let take = rest.min(entry.amount);
                    entry.amount = entry.amount.saturating_sub(take);
                    rest = rest.saturating_sub(take);
                    from_unbonding = from_unbonding.saturating_add(take);
                    if entry.amount == Rao::ZERO {
                        self.unbonding.remove(&ukey);
                        self.idx.unbonding_by_hotkey.remove(&(entry.hotkey, ukey));
                    } else {
                        self.unbonding.insert(ukey, entry);
                    }
                }
            }
            let burned = from_stake.saturating_add(from_unbonding);
            if burned == Rao::ZERO {
                continue;
            }
            record.amount = record.amount.saturating_sub(burned);
            losses.push(MovedLoss {
                coldkey: record.coldkey,
                to_hotkey: record.to_hotkey,
                moved_at: record.moved_at,
                from_stake,
                from_unbonding,
            });
            if record.amount == Rao::ZERO {
                self.remove_move(&key);
            } else {
                self.stake_moves.insert(key, record);
            }
            from_stake_total = from_stake_total
                .checked_add(from_stake)
                .ok_or(SlashingError::Overflow)?;
            from_unbonding_total = from_unbonding_total
                .checked_add(from_unbonding)
                .ok_or(SlashingError::Overflow)?;
        }
        Ok((losses, from_stake_total, from_unbonding_total))
    }
}
