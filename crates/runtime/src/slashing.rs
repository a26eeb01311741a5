//! Slashing and jailing: what an offence costs a hotkey and its nominators.
//!
//! # Rules
//! - [`State::slash`]`(hotkey, offence_id, fraction_ppb, offence_block)` (called, as
//!   [`State::slash_offence`] with the governance parameter `slash_fraction_ppb`, once
//!   `consensus.report_equivocation` has verified its evidence, [`crate::evidence`]; never
//!   directly by a transaction) burns `fraction_ppb` parts per billion of
//!   - every stake position on the hotkey — its owner's own and each nominator's — each
//!     position losing `⌊position · fraction / 10⁹⌋` (rounded **down**, per position, so
//!     nobody loses more than the fraction of what they hold; the rounding favours the
//!     staker and no rao is created or lost in the process), and
//!   - every unbonding entry unstaked from that hotkey whose unbonding started at or after
//!     `offence_block` (that stake was still bonded when the offence happened), by the same
//!     per-entry rule. Entries that started unbonding before the offence block are untouched.
//!
//!   - stake moved away from the hotkey at or after `offence_block` (`staking.move_stake`),
//!     where it now is, by the rule of [`crate::stake_moves`].
//!
//!   The slashed TAO is burned: total stake (resp. total unbonding) and total issuance fall
//!   by exactly the sum of the per-account losses, and `total_burned` grows by it. A position
//!   or entry slashed to zero is removed.
//! - Each offence has an identifier (the hash of its evidence). An identifier already
//!   processed is refused (`AlreadyProcessed`), so one offence is never slashed twice. An
//!   offence whose block is more than `unbonding_period` blocks in the past is refused as
//!   stale (`StaleOffence`): the stake bonded then may already have been paid out. One in the
//!   future is refused (`FutureOffence`). Processed offences are kept as the slash history
//!   and pruned (at the next slash) once they are older than the unbonding window *and* the
//!   seat set of their consensus epoch is pruned ([`crate::seats`]): until then evidence of
//!   that epoch can still be reported, and the record is what refuses it as a duplicate.
//! - A slash then jails the hotkey: [`State::jail`]`(hotkey, jail_epochs, reason)` records
//!   `until_epoch = current consensus epoch + epochs` (an existing later release is kept).
//!   Jailing alone (without a slash) is what the liveness rule uses.
//! - A jailed hotkey takes part in no seat election ([`crate::seats`]) until it is unjailed.
//!   Seat sets already elected (the next two epochs) are not changed: they are part of the
//!   consensus configuration of those epochs. If every candidate of an election is jailed or
//!   unqualified, the previous seats carry over without the jailed hotkeys (or unchanged if
//!   that would leave none), so the chain never loses its producers.
//! - `consensus.unjail(hotkey)`, signed by the hotkey's owner coldkey (`NotHotkeyOwner`):
//!   refused while the hotkey is not jailed (`NotJailed`) or while the current consensus
//!   epoch is below its `until_epoch` (`StillJailed`). Afterwards the hotkey is elected again
//!   at the next election it qualifies for.
//! - Everything is integer arithmetic (u128 intermediates); a slash applies completely or not
//!   at all.

use serde::Serialize;
use taonet_types::gov::PPB;
use taonet_types::{AccountId, BlockNumber, Hash, Rao, plain_codec};

use crate::stake_moves::MovedLoss;
use crate::state::{State, Unbonding};

/// Slashing and jailing errors: the offence refusals of [`State::slash`] and the refusals
/// of `consensus.unjail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum SlashingError {
    /// The hotkey has no owner (it never staked or registered).
    #[error("hotkey {0} is not associated with any coldkey")]
    UnknownHotkey(AccountId),
    /// A slash fraction above 100%; the field is the fraction in ppb.
    #[error("slash fraction {0} ppb is above 1,000,000,000 ppb (100%)")]
    InvalidFraction(u32),
    /// The offence was already slashed.
    #[error("offence {offence_id} was already slashed (at block {slashed_at})")]
    AlreadyProcessed {
        /// The offence id.
        offence_id: Hash,
        /// Block of the earlier slash.
        slashed_at: BlockNumber,
    },
    /// The offence is older than the unbonding window.
    #[error(
        "offence at block {offence_block} is stale: only offences at or after block {oldest} (the unbonding window) can be slashed"
    )]
    StaleOffence {
        /// Block of the offence.
        offence_block: BlockNumber,
        /// Oldest block still slashable.
        oldest: BlockNumber,
    },
    /// The offence block is after the current height.
    #[error("offence at block {offence_block} is in the future (height {height})")]
    FutureOffence {
        /// Block of the offence.
        offence_block: BlockNumber,
        /// The height of the block being applied.
        height: BlockNumber,
    },
    /// Unjail signed by someone other than the hotkey's owner.
    #[error("hotkey {0} is not owned by the signing coldkey")]
    NotHotkeyOwner(AccountId),
    /// Unjail of a hotkey that is not jailed.
    #[error("hotkey {0} is not jailed")]
    NotJailed(AccountId),
    /// Unjail before the jail period has passed.
    #[error(
        "hotkey {hotkey} is jailed until consensus epoch {until_epoch}; the current epoch is {current_epoch}"
    )]
    StillJailed {
        /// The jailed hotkey.
        hotkey: AccountId,
        /// First epoch it may be unjailed.
        until_epoch: u64,
        /// The current consensus epoch.
        current_epoch: u64,
    },
    /// Arithmetic overflow (a bug: slashed amounts never exceed what is held).
    #[error("slashing arithmetic overflow")]
    Overflow,
}

/// Why a hotkey was jailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JailReason {
    /// Double voting (slashed as well).
    Equivocation,
    /// Too many missed votes (jailed, not slashed).
    Liveness,
}

impl JailReason {
    /// A short lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            JailReason::Equivocation => "equivocation",
            JailReason::Liveness => "liveness",
        }
    }
}

impl commonware_codec::Write for JailReason {
    fn write(&self, buf: &mut impl bytes::BufMut) {
        let tag: u8 = match self {
            JailReason::Equivocation => 0,
            JailReason::Liveness => 1,
        };
        tag.write(buf);
    }
}

impl commonware_codec::EncodeSize for JailReason {
    fn encode_size(&self) -> usize {
        1
    }
}

impl commonware_codec::Read for JailReason {
    type Cfg = ();
    fn read_cfg(
        buf: &mut impl commonware_codec::Buf,
        _: &(),
    ) -> Result<Self, commonware_codec::Error> {
        match <u8 as commonware_codec::ReadExt>::read(buf)? {
            0 => Ok(JailReason::Equivocation),
            1 => Ok(JailReason::Liveness),
            t => Err(commonware_codec::Error::InvalidEnum(t)),
        }
    }
}

/// A jailed hotkey (a state record, removed by `consensus.unjail`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Jail {
    /// First consensus epoch in which the owner may unjail it.
    pub until_epoch: u64,
    /// Block it was (last) jailed.
    pub jailed_at: BlockNumber,
    /// What it was jailed for: equivocation or missed votes.
    pub reason: JailReason,
}

plain_codec!(Jail {
    until_epoch: u64,
    jailed_at: BlockNumber,
    reason: JailReason,
});

/// A processed offence (a state record keyed by the offence id; the slash history, pruned
/// after the unbonding window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SlashRecord {
    /// The offending hotkey.
    pub hotkey: AccountId,
    /// Block of the offence.
    pub offence_block: BlockNumber,
    /// Block the slash was applied.
    pub slashed_at: BlockNumber,
    /// Fraction slashed, ppb.
    pub fraction_ppb: u32,
    /// Burned from stake positions.
    pub stake_burned: Rao,
    /// Burned from unbonding entries.
    pub unbonding_burned: Rao,
}

plain_codec!(SlashRecord {
    hotkey: AccountId,
    offence_block: BlockNumber,
    slashed_at: BlockNumber,
    fraction_ppb: u32,
    stake_burned: Rao,
    unbonding_burned: Rao,
});

/// One unbonding entry's loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct UnbondingLoss {
    /// Who the entry pays.
    pub coldkey: AccountId,
    /// Its release block.
    pub release: BlockNumber,
    /// Block its unbonding started.
    pub started_at: BlockNumber,
    /// Amount burned from it.
    pub amount: Rao,
}

/// What a slash did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SlashReport {
    /// The offending hotkey.
    pub hotkey: AccountId,
    /// The offence id.
    pub offence_id: Hash,
    /// Fraction slashed, ppb.
    pub fraction_ppb: u32,
    /// Per stake position (coldkey, amount burned), in coldkey order; positions that lost
    /// nothing (rounded down to zero) are left out.
    pub stake: Vec<(AccountId, Rao)>,
    /// Per slashed unbonding entry, in queue order (zero losses left out).
    pub unbonding: Vec<UnbondingLoss>,
    /// Per stake move record out of the hotkey that the slash reached
    /// ([`crate::stake_moves`]), in record order.
    pub moved: Vec<MovedLoss>,
    /// Σ stake losses (moved stake included).
    pub stake_burned: Rao,
    /// Σ unbonding losses (moved stake included).
    pub unbonding_burned: Rao,
    /// Total burned: total issuance fell by exactly this.
    pub total_burned: Rao,
    /// The consensus epoch from which the owner may unjail the hotkey.
    pub jailed_until: u64,
}

/// `⌊amount · fraction_ppb / 10⁹⌋` (never more than `amount` for a fraction ≤ 10⁹).
pub fn slash_amount(amount: Rao, fraction_ppb: u32) -> Rao {
    let fraction = u128::from(fraction_ppb.min(PPB));
    let loss = u128::from(amount.0) * fraction / u128::from(PPB);
    // loss ≤ amount, so it fits.
    Rao(u64::try_from(loss).unwrap_or(amount.0))
}

fn add(a: Rao, b: Rao) -> Result<Rao, SlashingError> {
    a.checked_add(b).ok_or(SlashingError::Overflow)
}

impl State {
    /// The jail record of `hotkey`, if jailed.
    pub fn jail_of(&self, hotkey: &AccountId) -> Option<Jail> {
        self.jailed.get(hotkey).copied()
    }

    /// Whether `hotkey` is jailed (excluded from seat elections).
    pub fn is_jailed(&self, hotkey: &AccountId) -> bool {
        self.jailed.contains_key(hotkey)
    }

    /// The processed offences of `hotkey` still in the unbonding window: (offence id,
    /// record), in offence-block order.
    pub fn slashes_of(&self, hotkey: &AccountId) -> Vec<(Hash, SlashRecord)> {
        let mut out: Vec<(Hash, SlashRecord)> = self
            .offences
            .iter()
            .filter(|(_, r)| r.hotkey == *hotkey)
            .map(|(id, r)| (*id, *r))
            .collect();
        out.sort_by(|a, b| {
            a.1.offence_block
                .cmp(&b.1.offence_block)
                .then(a.0.cmp(&b.0))
        });
        out
    }

    /// Jails `hotkey` until consensus epoch `current + epochs` (keeping a later release if
    /// it is already jailed). Returns the release epoch.
    pub fn jail(
        &mut self,
        hotkey: &AccountId,
        epochs: u64,
        reason: JailReason,
    ) -> Result<u64, SlashingError> {
        if !self.hotkeys.contains_key(hotkey) {
            return Err(SlashingError::UnknownHotkey(*hotkey));
        }
        let now = self.globals.height;
        let until = self.consensus_epoch(now).saturating_add(epochs);
        let until = match self.jailed.get(hotkey) {
            Some(j) if j.until_epoch > until => j.until_epoch,
            _ => until,
        };
        self.jailed.insert(
            *hotkey,
            Jail {
                until_epoch: until,
                jailed_at: now,
                reason,
            },
        );
        Ok(until)
    }

    /// `consensus.unjail`.
    pub fn unjail(&mut self, signer: &AccountId, hotkey: &AccountId) -> Result<(), SlashingError> {
        if self.hotkey_owner(hotkey) != Some(*signer) {
            return Err(SlashingError::NotHotkeyOwner(*hotkey));
        }
        let jail = self
            .jailed
            .get(hotkey)
            .copied()
            .ok_or(SlashingError::NotJailed(*hotkey))?;
        let current = self.consensus_epoch(self.globals.height);
        if current < jail.until_epoch {
            return Err(SlashingError::StillJailed {
                hotkey: *hotkey,
                until_epoch: jail.until_epoch,
                current_epoch: current,
            });
        }
        self.jailed.remove(hotkey);
        Ok(())
    }

    /// Slashes `hotkey` for the offence `offence_id` committed at `offence_block` with the
    /// governance fraction `slash_fraction_ppb`, and jails it for `jail_epochs`. A hotkey
    /// retired by a swap is followed to its replacement ([`crate::keyswap`]).
    pub fn slash_offence(
        &mut self,
        hotkey: &AccountId,
        offence_id: Hash,
        offence_block: BlockNumber,
    ) -> Result<SlashReport, SlashingError> {
        let fraction = self.params().slash_fraction_ppb;
        let hotkey = self.current_hotkey(hotkey);
        self.slash(&hotkey, offence_id, fraction, offence_block)
    }

    /// Slashes `fraction_ppb` of the stake bonded to `hotkey` at `offence_block` (see the
    /// module rules), burns it, records the offence and jails the hotkey for `jail_epochs`.
    /// On error nothing changed.
    pub fn slash(
        &mut self,
        hotkey: &AccountId,
        offence_id: Hash,
        fraction_ppb: u32,
        offence_block: BlockNumber,
    ) -> Result<SlashReport, SlashingError> {
        if fraction_ppb > PPB {
            return Err(SlashingError::InvalidFraction(fraction_ppb));
        }
        if !self.hotkeys.contains_key(hotkey) {
            return Err(SlashingError::UnknownHotkey(*hotkey));
        }
        let now = self.globals.height;
        if offence_block > now {
            return Err(SlashingError::FutureOffence {
                offence_block,
                height: now,
            });
        }
        let window = self.params().unbonding_period;
        if now - offence_block > window {
            return Err(SlashingError::StaleOffence {
                offence_block,
                oldest: now.saturating_sub(window),
            });
        }
        if let Some(done) = self.offences.get(&offence_id) {
            return Err(SlashingError::AlreadyProcessed {
                offence_id,
                slashed_at: done.slashed_at,
            });
        }
        let snapshot = self.clone();
        let result = self.apply_slash(hotkey, offence_id, fraction_ppb, offence_block);
        if result.is_err() {
            *self = snapshot;
        }
        result
    }

    fn apply_slash(
        &mut self,
        hotkey: &AccountId,
        offence_id: Hash,
        fraction_ppb: u32,
        offence_block: BlockNumber,
    ) -> Result<SlashReport, SlashingError> {
        let now = self.globals.height;
        self.prune_offences(now);

        // Bonded stake: every position on the hotkey.
        let mut stake = Vec::new();
        let mut stake_burned = Rao::ZERO;
        for (coldkey, amount) in self.nominators_of(hotkey) {
            let loss = slash_amount(amount, fraction_ppb);
            if loss == Rao::ZERO {
                continue;
            }
            self.decrease_stake(hotkey, &coldkey, loss)
                .map_err(|_| SlashingError::Overflow)?;
            stake_burned = add(stake_burned, loss)?;
            stake.push((coldkey, loss));
        }

        // Unbonding stake that was still bonded at the offence.
        // (The hotkey's own entries through the unbonding index, in queue order.)
        let entries: Vec<((BlockNumber, u64), Unbonding)> = self
            .unbonding_from(hotkey)
            .into_iter()
            .filter(|(_, u)| u.started_at >= offence_block)
            .collect();
        let mut unbonding = Vec::new();
        let mut unbonding_burned = Rao::ZERO;
        for (key, mut entry) in entries {
            let loss = slash_amount(entry.amount, fraction_ppb);
            if loss == Rao::ZERO {
                continue;
            }
            unbonding.push(UnbondingLoss {
                coldkey: entry.coldkey,
                release: key.0,
                started_at: entry.started_at,
                amount: loss,
            });
            entry.amount = entry
                .amount
                .checked_sub(loss)
                .ok_or(SlashingError::Overflow)?;
            if entry.amount == Rao::ZERO {
                self.unbonding.remove(&key);
                self.idx.unbonding_by_hotkey.remove(&(entry.hotkey, key));
            } else {
                self.unbonding.insert(key, entry);
            }
            unbonding_burned = add(unbonding_burned, loss)?;
        }

        // Stake moved away from the hotkey after the offence, wherever it now is.
        let (moved, moved_stake, moved_unbonding) =
            self.slash_moved(hotkey, fraction_ppb, offence_block)?;
        let stake_burned = add(stake_burned, moved_stake)?;
        let unbonding_burned = add(unbonding_burned, moved_unbonding)?;

        // Burn: what left the accounts leaves the issuance.
        let total = add(stake_burned, unbonding_burned)?;
        let g = self.globals_mut();
        g.total_unbonding = g
            .total_unbonding
            .checked_sub(unbonding_burned)
            .ok_or(SlashingError::Overflow)?;
        g.total_issuance = g
            .total_issuance
            .checked_sub(total)
            .ok_or(SlashingError::Overflow)?;
        g.total_burned = add(g.total_burned, total)?;

        self.offences.insert(
            offence_id,
            SlashRecord {
                hotkey: *hotkey,
                offence_block,
                slashed_at: now,
                fraction_ppb,
                stake_burned,
                unbonding_burned,
            },
        );
        let epochs = self.params().jail_epochs;
        let jailed_until = self.jail(hotkey, epochs, JailReason::Equivocation)?;
        Ok(SlashReport {
            hotkey: *hotkey,
            offence_id,
            fraction_ppb,
            stake,
            unbonding,
            moved,
            stake_burned,
            unbonding_burned,
            total_burned: total,
            jailed_until,
        })
    }

    /// Forgets processed offences that can no longer be reported again: older than the
    /// unbonding window (refused as stale by [`State::slash`]) *and* of a consensus epoch
    /// whose seat set is pruned (so no evidence of that epoch is accepted any more, whatever
    /// the window becomes). Pruning on the window alone would forget an equivocation while
    /// its epoch is still reportable and let the same evidence slash twice.
    pub(crate) fn prune_offences(&mut self, now: BlockNumber) {
        let window = self.params().unbonding_period;
        let len = self.params().consensus_epoch_length.max(1);
        let oldest_seats = self.seat_sets.first().map_or(u64::MAX, |(e, _)| *e);
        let old: Vec<Hash> = self
            .offences
            .iter()
            .filter(|(_, r)| {
                now.saturating_sub(r.offence_block) > window && r.offence_block / len < oldest_seats
            })
            .map(|(id, _)| *id)
            .collect();
        for id in old {
            self.offences.remove(&id);
        }
    }
}
