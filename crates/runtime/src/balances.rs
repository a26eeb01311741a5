//! Balances: free TAO, transfers and the primitive credit/debit/stake moves every module uses.
//!
//! # Rules
//! - `transfer(dest, amount)`: `amount > 0`; not to oneself; the signer must hold `amount`
//!   free; the recipient's resulting balance must reach the existential deposit (so dust
//!   accounts cannot be created). Errors: [`BalancesError`].
//! - A transfer to the treasury address ([`taonet_types::gov::treasury_account`]) is a
//!   donation: it adds to the treasury balance (no account is created, no existential
//!   deposit applies).
//! - Accounts are never deleted: their nonce must survive to prevent replays.
//! - Issuance is only changed by emission (mint), registration burns, burned proposal
//!   deposits and slashing; moving TAO between free, staked, unbonding, locked, treasury and
//!   deposits or payment channels never changes it.

use serde::Serialize;
use taonet_types::{AccountId, Rao};

use crate::staking::StakingError;
use crate::state::{Account, State};

/// Why a transfer, or a credit/debit made on behalf of another module, was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BalancesError {
    /// The account's free balance is smaller than the amount to take from it.
    #[error("insufficient balance: {needed} TAO needed, {available} TAO available")]
    InsufficientBalance {
        /// The amount the call takes from the free balance.
        needed: Rao,
        /// The account's free balance before the call.
        available: Rao,
    },
    /// A transfer of zero TAO.
    #[error("amount must be greater than zero")]
    ZeroAmount,
    /// The transfer would leave the recipient below the existential deposit (dust accounts
    /// are never created).
    #[error(
        "the recipient would hold {balance} TAO, below the existential deposit of {minimum} TAO"
    )]
    BelowExistentialDeposit {
        /// The recipient's free balance after the transfer.
        balance: Rao,
        /// The chain's existential deposit.
        minimum: Rao,
    },
    /// The signer named itself as the recipient.
    #[error("sender and recipient are the same account")]
    SelfTransfer,
    /// A balance would exceed `u64` (more than the supply: a bug elsewhere).
    #[error("balance overflow")]
    Overflow,
}

impl State {
    /// Adds `amount` to `who`'s free balance (creating the account).
    pub fn credit(&mut self, who: &AccountId, amount: Rao) -> Result<(), BalancesError> {
        if amount == Rao::ZERO {
            return Ok(());
        }
        match self.accounts.get_mut(who) {
            Some(acc) => {
                acc.free = acc
                    .free
                    .checked_add(amount)
                    .ok_or(BalancesError::Overflow)?;
            }
            None => {
                self.accounts.insert(
                    *who,
                    Account {
                        free: amount,
                        nonce: 0,
                    },
                );
            }
        }
        Ok(())
    }

    /// Removes `amount` from `who`'s free balance.
    pub fn debit(&mut self, who: &AccountId, amount: Rao) -> Result<(), BalancesError> {
        if amount == Rao::ZERO {
            return Ok(());
        }
        let available = self.free(who);
        let rest = available
            .checked_sub(amount)
            .ok_or(BalancesError::InsufficientBalance {
                needed: amount,
                available,
            })?;
        if let Some(acc) = self.accounts.get_mut(who) {
            acc.free = rest;
        }
        Ok(())
    }

    /// Mints `amount` (emission): total issuance grows by exactly what is credited.
    pub fn mint_issuance(&mut self, amount: Rao) -> Result<(), BalancesError> {
        let g = self.globals_mut();
        g.total_issuance = g
            .total_issuance
            .checked_add(amount)
            .ok_or(BalancesError::Overflow)?;
        Ok(())
    }

    /// Burns `amount` of `who`'s free balance: total issuance falls by it.
    pub fn burn_free(&mut self, who: &AccountId, amount: Rao) -> Result<(), BalancesError> {
        self.debit(who, amount)?;
        let g = self.globals_mut();
        g.total_issuance = g.total_issuance.saturating_sub(amount);
        g.total_burned = g.total_burned.checked_add(amount).unwrap_or(g.total_burned);
        Ok(())
    }

    /// Adds `amount` to the stake of `coldkey` on `hotkey` (no balance moves; the caller
    /// debits or mints the source).
    pub fn increase_stake(
        &mut self,
        hotkey: &AccountId,
        coldkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        if amount == Rao::ZERO {
            return Ok(());
        }
        let key = (*hotkey, *coldkey);
        let new = self
            .stake(hotkey, coldkey)
            .checked_add(amount)
            .ok_or(StakingError::Overflow)?;
        let total = self
            .total_hotkey_stake(hotkey)
            .checked_add(amount)
            .ok_or(StakingError::Overflow)?;
        let all = self
            .globals
            .total_stake
            .checked_add(amount)
            .ok_or(StakingError::Overflow)?;
        self.stakes.insert(key, new);
        self.idx.stakes_by_coldkey.insert((*coldkey, *hotkey));
        self.hotkey_stake.insert(*hotkey, total);
        self.globals_mut().total_stake = all;
        Ok(())
    }

    /// Removes `amount` from the stake of `coldkey` on `hotkey`.
    pub fn decrease_stake(
        &mut self,
        hotkey: &AccountId,
        coldkey: &AccountId,
        amount: Rao,
    ) -> Result<(), StakingError> {
        let staked = self.stake(hotkey, coldkey);
        let rest = staked
            .checked_sub(amount)
            .ok_or(StakingError::InsufficientStake {
                requested: amount,
                staked,
            })?;
        let key = (*hotkey, *coldkey);
        if rest == Rao::ZERO {
            self.stakes.remove(&key);
            self.idx.stakes_by_coldkey.remove(&(*coldkey, *hotkey));
        } else {
            self.stakes.insert(key, rest);
        }
        let total = self.total_hotkey_stake(hotkey).saturating_sub(amount);
        if total == Rao::ZERO {
            self.hotkey_stake.remove(hotkey);
        } else {
            self.hotkey_stake.insert(*hotkey, total);
        }
        let g = self.globals_mut();
        g.total_stake = g.total_stake.saturating_sub(amount);
        Ok(())
    }

    /// `transfer`: moves free TAO from `from` to `dest`.
    pub fn transfer(
        &mut self,
        from: &AccountId,
        dest: &AccountId,
        amount: Rao,
    ) -> Result<(), BalancesError> {
        if amount == Rao::ZERO {
            return Err(BalancesError::ZeroAmount);
        }
        if from == dest {
            return Err(BalancesError::SelfTransfer);
        }
        if *dest == taonet_types::gov::treasury_account() {
            self.debit(from, amount)?;
            return self
                .credit_treasury(amount)
                .map_err(|_| BalancesError::Overflow);
        }
        let resulting = self
            .free(dest)
            .checked_add(amount)
            .ok_or(BalancesError::Overflow)?;
        let minimum = self.params().existential_deposit;
        if resulting < minimum {
            return Err(BalancesError::BelowExistentialDeposit {
                balance: resulting,
                minimum,
            });
        }
        self.debit(from, amount)?;
        self.credit(dest, amount)
    }
}
