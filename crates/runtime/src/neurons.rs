//! Neurons: burned registration, root registration, pruning and serving.
//!
//! # Rules
//! - `burned_register(netuid, hotkey, max_burn)` (coldkey signs and pays): not on root
//!   (`UseRootRegister`); the subnet exists and allows registration; the hotkey is not
//!   registered there yet and is unowned or owned by the signer. The signer **burns** the
//!   current price (total issuance falls), which must not exceed `max_burn`.
//!   The neuron takes the next uid, or, when the subnet is full, replaces the neuron with the
//!   lowest emission among those that are not immune (`block − registered_at ≥
//!   immunity_period`) and are not the owner's hotkey (ties: earliest registration, then
//!   lowest uid). If every neuron is immune the call fails (`NoSlotAvailable`).
//! - The price rises ×`burn_increase_mult_ppm`/10⁶ (1.26) per registration and decays with
//!   a half-life of `burn_half_life` blocks, always clamped to `[min_burn, max_burn]`. The
//!   decay is computed when needed (`burn × 2^(−Δ/half_life)`, the fractional power by a
//!   4th-order series, within 1%), so idle subnets cost nothing per block.
//! - `root_register(hotkey)`: enters a root candidate; membership is a rule over the
//!   candidates' stake, recomputed every root epoch ([`crate::root`]).
//! - A replaced neuron's uid loses its weight commits and its commitment
//!   ([`crate::commitments`]): the newcomer inherits neither.
//! - `serve_axon(netuid, axon)` (hotkey signs, free, rate-limited by `serving_rate_limit`):
//!   ip type 4 or 6, a non-zero port and address, IPv4 fitting in 32 bits (`InvalidAxon`).
//! - `reset_axon(netuid)` (hotkey signs, free, the same rate limit): the uid's axon becomes
//!   the empty address (all zero, as a neuron that never served), so nobody dials it; a uid
//!   without an axon is refused (`NoAxon`).

use serde::Serialize;
use taonet_types::tx::AxonInfo;
use taonet_types::{AccountId, BlockNumber, NetUid, Rao, Uid};

use crate::state::{Neuron, State, SubnetRecord};

/// Why a neuron registration (burned or root) or an axon announcement was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum NeuronError {
    /// No subnet has this netuid.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// The subnet's owner has turned registration off.
    #[error("registration is disabled on subnet {0}")]
    RegistrationDisabled(NetUid),
    /// The hotkey already holds a uid on the subnet.
    #[error("hotkey is already registered on subnet {netuid} as uid {uid}")]
    AlreadyRegistered {
        /// The subnet registered on.
        netuid: NetUid,
        /// The uid the hotkey already holds there.
        uid: Uid,
    },
    /// The hotkey belongs to a coldkey other than the signer.
    #[error("hotkey {0} is owned by another coldkey")]
    HotkeyNotOwned(AccountId),
    /// The current registration price is above the signer's `max_burn`.
    #[error("the registration burn is {burn} TAO, above your limit of {limit} TAO")]
    PriceLimitExceeded {
        /// The registration price now.
        burn: Rao,
        /// The most the signer agreed to burn.
        limit: Rao,
    },
    /// The signer's free balance cannot pay the registration price.
    #[error("the registration burn is {burn} TAO but only {available} TAO is free")]
    CannotAffordBurn {
        /// The registration price now.
        burn: Rao,
        /// The signer's free balance.
        available: Rao,
    },
    /// The subnet is full and every neuron in it is immune (or the owner's hotkey).
    #[error("subnet {0} is full and every neuron is immune; try again later")]
    NoSlotAvailable(NetUid),
    /// `burned_register` on the root subnet, which is joined with `root_register`.
    #[error("use root_register to join the root subnet")]
    UseRootRegister,
    /// The root candidate list is full and the hotkey does not have strictly more stake than
    /// the weakest candidate that is not a member ([`crate::root`]).
    #[error(
        "the root candidate list is full and the hotkey's stake {stake} TAO does not exceed the lowest candidate's {lowest} TAO; add stake and try again"
    )]
    RootStakeTooLow {
        /// The joining hotkey's total stake.
        stake: Rao,
        /// The total stake of the weakest candidate that is not a member.
        lowest: Rao,
    },
    /// `root_register` of a hotkey that is already a root candidate.
    #[error("{}", match uid {
        Some(uid) => format!("the hotkey is already a root member (uid {uid})"),
        None => "the hotkey is already a root candidate; membership (the root_max_uids candidates with the most stake) is recomputed every root epoch".to_string(),
    })]
    AlreadyRootCandidate {
        /// Its root uid, if it is a member now.
        uid: Option<Uid>,
    },
    /// The signing hotkey holds no uid on the subnet.
    #[error("hotkey is not registered on subnet {0}")]
    NotRegistered(NetUid),
    /// An axon that cannot be served; the text says which rule it breaks.
    #[error("invalid axon address: {0}")]
    InvalidAxon(&'static str),
    /// `reset_axon` on a uid that serves no axon.
    #[error("the hotkey serves no axon on subnet {0}; nothing to reset")]
    NoAxon(NetUid),
}

/// `2^(−r/h)` scaled by 10¹², for `0 ≤ r < h`.
fn pow2_neg_fraction(r: u64, h: u64) -> u128 {
    const S: u128 = 1_000_000_000_000;
    const LN2: u128 = 693_147_180_560; // ln 2 × 10¹²
    let x = u128::from(r) * S / u128::from(h.max(1));
    let t = x * LN2 / S; // t = x·ln2 ∈ [0, 0.6932)
    let t2 = t * t / S;
    let t3 = t2 * t / S;
    let t4 = t3 * t / S;
    (S + t2 / 2 + t4 / 24).saturating_sub(t + t3 / 6)
}

/// The registration price of a subnet at block `now`.
pub fn current_burn(info: &SubnetRecord, now: BlockNumber) -> Rao {
    let p = &info.hyperparams;
    let h = p.burn_half_life.max(1);
    let elapsed = now.saturating_sub(info.burn_block);
    let (q, r) = (elapsed / h, elapsed % h);
    let halved = if q >= 64 { 0 } else { info.burn.0 >> q };
    let decayed = u128::from(halved) * pow2_neg_fraction(r, h) / 1_000_000_000_000;
    let v = u64::try_from(decayed).unwrap_or(u64::MAX);
    Rao(v.clamp(p.min_burn.0, p.max_burn.0.max(p.min_burn.0)))
}

impl State {
    /// The uid a registration on a full subnet would replace, if any.
    pub fn prune_candidate(&self, netuid: NetUid) -> Option<Uid> {
        let info = self.subnets.get(&netuid)?;
        let now = self.globals.height;
        let immunity = info.hyperparams.immunity_period;
        self.neurons
            .range((netuid, 0)..(netuid, info.n))
            .filter(|(_, n)| n.hotkey != info.owner_hotkey)
            .filter(|(_, n)| now.saturating_sub(n.registered_at) >= immunity)
            .min_by_key(|((_, uid), n)| (n.emission, n.registered_at, *uid))
            .map(|((_, uid), _)| *uid)
    }

    /// Puts `hotkey` on `uid` of `netuid` (a new slot or a replacement). A replaced neuron's
    /// weight commits and its uid's commitment go with it.
    pub(crate) fn seat_neuron(&mut self, netuid: NetUid, uid: Uid, hotkey: &AccountId) {
        let now = self.globals.height;
        if let Some(old) = self.neurons.get(&(netuid, uid)).map(|n| n.hotkey) {
            self.uids.remove(&(netuid, old));
            self.commits.remove(&(netuid, old));
        }
        self.clear_commitment(netuid, uid);
        self.neurons
            .insert((netuid, uid), Neuron::new(*hotkey, now));
        self.uids.insert((netuid, *hotkey), uid);
    }

    /// `neurons.burned_register`. Returns the uid.
    pub fn burned_register(
        &mut self,
        signer: &AccountId,
        netuid: NetUid,
        hotkey: &AccountId,
        max_burn: Rao,
    ) -> Result<Uid, NeuronError> {
        if netuid == 0 {
            return Err(NeuronError::UseRootRegister);
        }
        let info = self
            .subnets
            .get(&netuid)
            .ok_or(NeuronError::SubnetNotFound(netuid))?
            .clone();
        if !info.hyperparams.registration_allowed {
            return Err(NeuronError::RegistrationDisabled(netuid));
        }
        if let Some(uid) = self.uid_of(netuid, hotkey) {
            return Err(NeuronError::AlreadyRegistered { netuid, uid });
        }
        if matches!(self.hotkey_owner(hotkey), Some(o) if o != *signer) {
            return Err(NeuronError::HotkeyNotOwned(*hotkey));
        }
        let now = self.globals.height;
        let burn = current_burn(&info, now);
        if burn > max_burn {
            return Err(NeuronError::PriceLimitExceeded {
                burn,
                limit: max_burn,
            });
        }
        let available = self.free(signer);
        if available < burn {
            return Err(NeuronError::CannotAffordBurn { burn, available });
        }
        let uid = if info.n < info.hyperparams.max_allowed_uids {
            info.n
        } else {
            self.prune_candidate(netuid)
                .ok_or(NeuronError::NoSlotAvailable(netuid))?
        };
        self.burn_free(signer, burn)
            .map_err(|_| NeuronError::CannotAffordBurn { burn, available })?;
        self.ensure_hotkey_owner(hotkey, signer)
            .map_err(|_| NeuronError::HotkeyNotOwned(*hotkey))?;
        self.seat_neuron(netuid, uid, hotkey);
        let mult = u128::from(info.hyperparams.burn_increase_mult_ppm);
        let raised = u128::from(burn.0) * mult / 1_000_000;
        let p = &info.hyperparams;
        let raised = u64::try_from(raised)
            .unwrap_or(u64::MAX)
            .clamp(p.min_burn.0, p.max_burn.0.max(p.min_burn.0));
        if let Some(s) = self.subnets.get_mut(&netuid) {
            if uid == s.n {
                s.n += 1;
            }
            s.burn = Rao(raised);
            s.burn_block = now;
        }
        Ok(uid)
    }

    /// `neurons.serve_axon` (registration and rate limit are checked at validation).
    pub fn serve_axon(
        &mut self,
        hotkey: &AccountId,
        netuid: NetUid,
        axon: &AxonInfo,
    ) -> Result<(), NeuronError> {
        let uid = self
            .uid_of(netuid, hotkey)
            .ok_or(NeuronError::NotRegistered(netuid))?;
        match axon.ip_type {
            4 if axon.ip > u128::from(u32::MAX) => {
                return Err(NeuronError::InvalidAxon(
                    "an IPv4 address must fit in 32 bits",
                ));
            }
            4 | 6 => {}
            _ => return Err(NeuronError::InvalidAxon("ip_type must be 4 or 6")),
        }
        if axon.port == 0 {
            return Err(NeuronError::InvalidAxon("port must not be 0"));
        }
        if axon.ip == 0 {
            return Err(NeuronError::InvalidAxon(
                "address must not be 0.0.0.0 or ::",
            ));
        }
        let now = self.globals.height;
        if let Some(n) = self.neurons.get_mut(&(netuid, uid)) {
            n.axon = *axon;
            n.last_serve = now.max(1);
        }
        Ok(())
    }

    /// `neurons.reset_axon` (registration and rate limit are checked at validation).
    pub fn reset_axon(&mut self, hotkey: &AccountId, netuid: NetUid) -> Result<(), NeuronError> {
        let uid = self
            .uid_of(netuid, hotkey)
            .ok_or(NeuronError::NotRegistered(netuid))?;
        let now = self.globals.height;
        let neuron = self
            .neurons
            .get_mut(&(netuid, uid))
            .ok_or(NeuronError::NotRegistered(netuid))?;
        if neuron.axon == AxonInfo::default() {
            return Err(NeuronError::NoAxon(netuid));
        }
        neuron.axon = AxonInfo::default();
        neuron.last_serve = now.max(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractional_halving_is_monotone_and_accurate() {
        let h = 360;
        let mut prev = u128::MAX;
        for r in 0..h {
            let v = pow2_neg_fraction(r, h);
            assert!(v <= prev, "not monotone at {r}");
            prev = v;
            let exact = 2f64.powf(-(r as f64) / h as f64) * 1e12;
            assert!(
                (v as f64 - exact).abs() / exact < 0.01,
                "r={r}: {v} vs {exact}"
            );
        }
        assert_eq!(pow2_neg_fraction(0, h), 1_000_000_000_000);
    }
}
