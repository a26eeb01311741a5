//! Subnets: creation, identity and owner-settable hyperparameters.
//!
//! # Rules
//! - `register_network(hotkey)` (signed by the future owner's coldkey): at most
//!   `subnet_limit` subnets besides root (`LimitReached`); at most one registration per
//!   `network_rate_limit` blocks network-wide (`RateLimited`); the owner hotkey must be
//!   unowned or owned by the signer (`HotkeyNotOwned`); the signer pays the **lock cost**
//!   (`CannotAffordLock`), which stays locked (counted in total issuance) for the subnet's life.
//!   Lock cost = `network_min_lock` for the first subnet, then
//!   `max(network_min_lock, 2·last − last·Δ/network_lock_reduction_interval)` where `last` is
//!   the previous lock and `Δ` the blocks since it: it doubles on each registration and decays
//!   back linearly. The new subnet takes the lowest free netuid ≥ 1, the default
//!   hyperparameters and `initial_burn` as its registration price; its owner hotkey becomes
//!   uid 0. Its first epoch is staggered by `netuid mod tempo` blocks.
//! - `set_identity(netuid, name, url, description)`: owner only (`NotOwner`), each text at
//!   most 256 bytes.
//! - `set_hyperparameter(netuid, update)`: owner only, not on root (`RootSubnet`), bounds as
//!   [`HyperparamUpdate::apply`] states plus `max_allowed_uids ≥` current size; at most one
//!   change per two tempos (`HyperparamRateLimited`).

use serde::Serialize;
use taonet_types::tx::MAX_TEXT;
use taonet_types::{AccountId, BlockNumber, HyperparamUpdate, NetUid, Rao};

use crate::state::{Neuron, State, SubnetIdentity, SubnetRecord};

/// Why a subnet call (register a network, set its identity or a hyperparameter) was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum SubnetError {
    /// No subnet has this netuid.
    #[error("subnet {0} does not exist")]
    NotFound(NetUid),
    /// The signer is not the subnet's owner coldkey.
    #[error("only the owner of subnet {0} may do this")]
    NotOwner(NetUid),
    /// `subnet_limit` subnets (besides root) already exist; the field is that limit.
    #[error("the subnet limit ({0}) is reached")]
    LimitReached(u16),
    /// A subnet was registered less than `network_rate_limit` blocks ago (network-wide).
    #[error("subnet registration is rate-limited: next allowed at block {next}")]
    RateLimited {
        /// The first block at which a subnet may be registered again.
        next: BlockNumber,
    },
    /// The signer's free balance cannot pay the lock cost.
    #[error("the lock cost is {cost} TAO but only {available} TAO is free")]
    CannotAffordLock {
        /// The lock cost now.
        cost: Rao,
        /// The signer's free balance.
        available: Rao,
    },
    /// The owner hotkey belongs to a coldkey other than the signer.
    #[error("hotkey {0} is owned by another coldkey")]
    HotkeyNotOwned(AccountId),
    /// A hyperparameter value out of its bounds; the text says which bound.
    #[error("{0}")]
    Hyperparam(String),
    /// The subnet's hyperparameters changed less than two tempos ago.
    #[error("hyperparameter changes are rate-limited: next allowed at block {next}")]
    HyperparamRateLimited {
        /// The first block at which the owner may change a hyperparameter again.
        next: BlockNumber,
    },
    /// The call does not apply to the root subnet (netuid 0).
    #[error("the root subnet cannot be changed by this call")]
    RootSubnet,
    /// An identity text longer than its limit.
    #[error("{field} is longer than {max} bytes")]
    TextTooLong {
        /// Which identity field: name, url or description.
        field: &'static str,
        /// The limit in bytes.
        max: usize,
    },
}

impl State {
    /// The lock cost a subnet registration would pay now.
    pub fn network_lock_cost(&self) -> Rao {
        let p = self.params();
        let min = p.network_min_lock;
        let last = self.globals.last_lock_cost;
        if last == Rao::ZERO {
            return min;
        }
        let elapsed = self
            .globals
            .height
            .saturating_sub(self.globals.last_network_registration);
        let doubled = u128::from(last.0) * 2;
        let interval = u128::from(p.network_lock_reduction_interval.max(1));
        let reduction = u128::from(last.0) * u128::from(elapsed) / interval;
        let cost = doubled.saturating_sub(reduction);
        Rao(u64::try_from(cost).unwrap_or(u64::MAX)).max(min)
    }

    /// Creates a subnet (used by `register_network` and genesis). Returns its netuid.
    pub(crate) fn create_subnet(
        &mut self,
        owner: &AccountId,
        owner_hotkey: &AccountId,
        netuid: NetUid,
        locked: Rao,
    ) -> Result<NetUid, SubnetError> {
        self.ensure_hotkey_owner(owner_hotkey, owner)
            .map_err(|_| SubnetError::HotkeyNotOwned(*owner_hotkey))?;
        let now = self.globals.height;
        let hyperparams = self.params().default_hyperparams.clone();
        let tempo = u64::from(hyperparams.tempo.max(1));
        let info = SubnetRecord {
            owner: *owner,
            owner_hotkey: *owner_hotkey,
            n: 1,
            burn: self.params().initial_burn,
            burn_block: now,
            created_at: now,
            last_epoch_block: now.saturating_sub(u64::from(netuid) % tempo),
            stepped: false,
            epoch_index: 0,
            pending_emission: Rao::ZERO,
            emission_share: 0,
            last_hyperparam_change: 0,
            locked,
            identity: SubnetIdentity::default(),
            hyperparams,
        };
        self.subnets.insert(netuid, info);
        self.neurons
            .insert((netuid, 0), Neuron::new(*owner_hotkey, now));
        self.uids.insert((netuid, *owner_hotkey), 0);
        Ok(netuid)
    }

    /// `subnets.register_network`.
    pub fn register_network(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
    ) -> Result<NetUid, SubnetError> {
        let p = self.params().clone();
        let count = self.subnets.iter().filter(|(n, _)| **n != 0).count();
        if count >= usize::from(p.subnet_limit) {
            return Err(SubnetError::LimitReached(p.subnet_limit));
        }
        let now = self.globals.height;
        let last = self.globals.last_network_registration;
        if last != 0 && now < last.saturating_add(p.network_rate_limit) {
            return Err(SubnetError::RateLimited {
                next: last.saturating_add(p.network_rate_limit),
            });
        }
        if matches!(self.hotkey_owner(hotkey), Some(o) if o != *signer) {
            return Err(SubnetError::HotkeyNotOwned(*hotkey));
        }
        let cost = self.network_lock_cost();
        let available = self.free(signer);
        if available < cost {
            return Err(SubnetError::CannotAffordLock { cost, available });
        }
        let netuid = (1..=NetUid::MAX)
            .find(|n| !self.subnets.contains_key(n))
            .ok_or(SubnetError::LimitReached(p.subnet_limit))?;
        self.debit(signer, cost)
            .map_err(|_| SubnetError::CannotAffordLock { cost, available })?;
        let g = self.globals_mut();
        g.total_locked = g.total_locked.checked_add(cost).unwrap_or(g.total_locked);
        g.last_network_registration = now.max(1);
        g.last_lock_cost = cost;
        self.create_subnet(signer, hotkey, netuid, cost)
    }

    fn owned_subnet(
        &self,
        signer: &AccountId,
        netuid: NetUid,
    ) -> Result<&SubnetRecord, SubnetError> {
        let info = self
            .subnets
            .get(&netuid)
            .ok_or(SubnetError::NotFound(netuid))?;
        if info.owner != *signer {
            return Err(SubnetError::NotOwner(netuid));
        }
        Ok(info)
    }

    /// `subnets.set_identity`.
    pub fn set_subnet_identity(
        &mut self,
        signer: &AccountId,
        netuid: NetUid,
        identity: SubnetIdentity,
    ) -> Result<(), SubnetError> {
        self.owned_subnet(signer, netuid)?;
        for (field, text) in [
            ("name", &identity.name),
            ("url", &identity.url),
            ("description", &identity.description),
        ] {
            if text.len() > MAX_TEXT {
                return Err(SubnetError::TextTooLong {
                    field,
                    max: MAX_TEXT,
                });
            }
        }
        if let Some(info) = self.subnets.get_mut(&netuid) {
            info.identity = identity;
        }
        Ok(())
    }

    /// `subnets.set_hyperparameter`.
    pub fn set_hyperparameter(
        &mut self,
        signer: &AccountId,
        netuid: NetUid,
        update: &HyperparamUpdate,
    ) -> Result<(), SubnetError> {
        if netuid == 0 {
            return Err(SubnetError::RootSubnet);
        }
        let info = self.owned_subnet(signer, netuid)?;
        let now = self.globals.height;
        let limit = 2 * u64::from(info.hyperparams.tempo);
        if info.last_hyperparam_change != 0
            && now < info.last_hyperparam_change.saturating_add(limit)
        {
            return Err(SubnetError::HyperparamRateLimited {
                next: info.last_hyperparam_change.saturating_add(limit),
            });
        }
        if let HyperparamUpdate::MaxAllowedUids(v) = update
            && *v < info.n
        {
            return Err(SubnetError::Hyperparam(format!(
                "hyperparameter max_allowed_uids = {v} is below the current number of neurons {}",
                info.n
            )));
        }
        let mut params = info.hyperparams.clone();
        update
            .apply(&mut params)
            .map_err(|e| SubnetError::Hyperparam(e.to_string()))?;
        if let Some(info) = self.subnets.get_mut(&netuid) {
            info.hyperparams = params;
            info.last_hyperparam_change = now.max(1);
        }
        Ok(())
    }
}
