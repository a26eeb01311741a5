//! Emission: the block reward, its split across subnets, and subnet epochs.
//!
//! # Rules
//! - **Block reward**: `1 TAO / 2^k` where `k = ⌊log2(21M / (21M − issued))⌋` and `issued` is
//!   the total issuance plus emission already accrued but not yet distributed: the reward
//!   halves at 10.5M, 15.75M, 18.375M, … TAO and is never more than what is left below the
//!   21M cap, so issuance never exceeds the schedule.
//! - **Split across subnets** by the shares of the last **root epoch** (every `root_tempo`
//!   blocks, and whenever the set of subnets changes): root members weight subnets; with stake
//!   `S` and row-normalised weights `W`, each subnet's consensus `C_j` is the largest weight
//!   backed by at least κ (0.5) of the root stake, weights are clipped to it, and the subnet's
//!   share is `Σ_i S_i · min(W_ij, C_j)`, normalised. Without any root weight, subnets share
//!   equally. Each block, every subnet accrues `reward × share` (floored) as *pending* emission;
//!   pending emission is not yet issued.
//! - **Subnet epochs**: a subnet runs its epoch when `block ≥ last_epoch + tempo` (new subnets
//!   are staggered by `netuid mod tempo`). Of the pending amount `P`, the owner's cut
//!   `⌊P · subnet_owner_cut / 65535⌋` is paid to the owner coldkey's free balance; the rest is
//!   the Yuma epoch's emission ([`taonet_yuma::epoch()`]), which splits it 50/50 into miner
//!   incentive and validator dividends (with the reference's fallbacks).
//! - **Miner incentive** is added as stake of the miner hotkey's owner on that hotkey.
//!   **Validator dividends** pay the hotkey's take (`⌊d · take / 65535⌋`) as stake to the
//!   hotkey's owner, and the rest to every staker of the hotkey (the owner included) pro rata
//!   to their stake, floored; the rounding dust goes to the owner. Every rao distributed is
//!   minted at that moment, so total issuance grows by exactly what is credited; the
//!   undistributed floor remainder of an epoch is never issued.

use taonet_types::{AccountId, BlockNumber, MAX_SUPPLY, NetUid, RAO_PER_TAO, Rao, Uid};
use taonet_yuma::{EpochInput, Hyperparams, LiquidAlpha};

use crate::state::State;

thread_local! {
    /// Reused buffers of the Yuma epoch (outputs do not depend on them; they only spare the
    /// allocation and page faults of multi-MiB buffers at every epoch).
    static EPOCH_SCRATCH: std::cell::RefCell<taonet_yuma::EpochScratch> =
        std::cell::RefCell::new(taonet_yuma::EpochScratch::default());
}

/// The initial block reward (1 TAO).
pub const INITIAL_BLOCK_REWARD: Rao = Rao(RAO_PER_TAO);

/// The block reward when `issued` rao have been issued (or accrued).
pub fn block_emission(issued: Rao) -> Rao {
    let supply = u128::from(MAX_SUPPLY.0);
    let issued = u128::from(issued.0).min(supply);
    let remaining = supply - issued;
    if remaining == 0 {
        return Rao::ZERO;
    }
    // k = ⌊log2(supply / remaining)⌋: the largest k with remaining · 2^k ≤ supply.
    let mut k = 0u32;
    while k < 64 && remaining << (k + 1) <= supply {
        k += 1;
    }
    let reward = if k >= 64 {
        0
    } else {
        INITIAL_BLOCK_REWARD.0 >> k
    };
    Rao(reward.min(u64::try_from(remaining).unwrap_or(u64::MAX)))
}

/// What one subnet epoch did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EpochRecord {
    /// The subnet whose epoch ran.
    pub netuid: NetUid,
    /// Pending emission consumed.
    pub pending: Rao,
    /// Paid to the owner.
    pub owner_cut: Rao,
    /// Paid to miners (incentive).
    pub miners: Rao,
    /// Paid to validators and their nominators (dividends).
    pub validators: Rao,
}

const U16_MAX: u128 = u16::MAX as u128;
const SHARE_ONE: u128 = u64::MAX as u128;

/// Stake-weighted κ-median consensus shares (the root epoch). `rows[i]` is member `i`'s
/// (column, weight) list; returns one share per column in `0..columns`, as fractions of
/// `u64::MAX`, or `None` if no weight counts.
pub fn consensus_shares(
    stake: &[u64],
    rows: &[Vec<(usize, u16)>],
    columns: usize,
    kappa: u16,
) -> Option<Vec<u64>> {
    const ONE: u128 = 1 << 32;
    let total_stake: u128 = stake.iter().map(|&s| u128::from(s)).sum();
    if total_stake == 0 || columns == 0 {
        return None;
    }
    // Row-normalised weights in 32-bit fixed point, by column.
    let mut by_col: Vec<Vec<(u128, u128)>> = vec![Vec::new(); columns];
    for (i, row) in rows.iter().enumerate() {
        let s = u128::from(stake.get(i).copied().unwrap_or(0));
        let sum: u128 = row.iter().map(|(_, w)| u128::from(*w)).sum();
        if s == 0 || sum == 0 {
            continue;
        }
        for &(c, w) in row {
            if c < columns {
                by_col[c].push((u128::from(w) * ONE / sum, s));
            }
        }
    }
    let needed = total_stake * u128::from(kappa) / U16_MAX;
    let mut ranks = vec![0u128; columns];
    for (c, entries) in by_col.iter_mut().enumerate() {
        entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.0));
        let mut cum = 0u128;
        let mut consensus = 0u128;
        for &(w, s) in entries.iter() {
            cum += s;
            if cum >= needed {
                consensus = w;
                break;
            }
        }
        ranks[c] = entries.iter().map(|&(w, s)| w.min(consensus) * s).sum();
    }
    let total: u128 = ranks.iter().sum();
    if total == 0 {
        return None;
    }
    // `rank · 2^64` overflows u128 once a rank reaches 2^64 (a few TAO of stake at full
    // weight), so drop the low bits of ranks and total alike until the total fits in 64 bits.
    let shift = (u128::BITS - total.leading_zeros()).saturating_sub(64);
    let total = total >> shift;
    Some(
        ranks
            .iter()
            .map(|r| u64::try_from((r >> shift) * SHARE_ONE / total).unwrap_or(u64::MAX))
            .collect(),
    )
}

impl State {
    /// Recomputes every subnet's emission share from the root subnet's weights.
    pub(crate) fn root_epoch(&mut self) {
        let netuids: Vec<NetUid> = self
            .subnets
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n != 0)
            .collect();
        if netuids.is_empty() {
            return;
        }
        let column_of = |netuid: NetUid| netuids.binary_search(&netuid).ok();
        let root_n = self.subnets.get(&0).map_or(0, |s| s.n);
        let kappa = self.subnets.get(&0).map_or(32_767, |s| s.hyperparams.kappa);
        let mut stake = Vec::new();
        let mut rows = Vec::new();
        for ((_, _), neuron) in self.neurons.range((0, 0)..(0, root_n)) {
            stake.push(self.total_hotkey_stake(&neuron.hotkey).0);
            rows.push(
                neuron
                    .weights
                    .iter()
                    .filter_map(|(netuid, w)| column_of(*netuid).map(|c| (c, *w)))
                    .collect::<Vec<_>>(),
            );
        }
        let shares = consensus_shares(&stake, &rows, netuids.len(), kappa).unwrap_or_else(|| {
            // Equal split, the remainder to the lowest netuids.
            let count = netuids.len() as u128;
            (0..netuids.len())
                .map(|i| {
                    let base = SHARE_ONE / count;
                    let extra = u128::from((i as u128) < SHARE_ONE % count);
                    u64::try_from(base + extra).unwrap_or(u64::MAX)
                })
                .collect()
        });
        for (netuid, share) in netuids.iter().zip(shares) {
            if let Some(s) = self.subnets.get_mut(netuid)
                && s.emission_share != share
            {
                s.emission_share = share;
            }
        }
        let now = self.globals.height;
        self.globals_mut().last_root_epoch = now;
    }

    /// Accrues this block's reward to the subnets' pending emission. Returns the total.
    pub(crate) fn accrue_emission(&mut self) -> Rao {
        let issued = self
            .globals
            .total_issuance
            .checked_add(self.globals.total_pending_emission)
            .unwrap_or(MAX_SUPPLY);
        let reward = block_emission(issued);
        if reward == Rao::ZERO {
            return Rao::ZERO;
        }
        let shares: Vec<(NetUid, u64)> = self
            .subnets
            .iter()
            .filter(|(n, s)| **n != 0 && s.emission_share > 0)
            .map(|(n, s)| (*n, s.emission_share))
            .collect();
        let mut total = Rao::ZERO;
        for (netuid, share) in shares {
            let amount = u128::from(reward.0) * u128::from(share) / SHARE_ONE;
            let amount = Rao(u64::try_from(amount).unwrap_or(0));
            if amount == Rao::ZERO {
                continue;
            }
            if let Some(s) = self.subnets.get_mut(&netuid) {
                s.pending_emission = s
                    .pending_emission
                    .checked_add(amount)
                    .unwrap_or(s.pending_emission);
                total = total.checked_add(amount).unwrap_or(total);
            }
        }
        let g = self.globals_mut();
        g.total_pending_emission = g
            .total_pending_emission
            .checked_add(total)
            .unwrap_or(g.total_pending_emission);
        total
    }

    /// Subnets whose epoch is due at `now`, in netuid order.
    pub(crate) fn due_epochs(&self, now: BlockNumber) -> Vec<NetUid> {
        self.subnets
            .iter()
            .filter(|(n, s)| {
                **n != 0
                    && now
                        >= s.last_epoch_block
                            .saturating_add(u64::from(s.hyperparams.tempo.max(1)))
            })
            .map(|(n, _)| *n)
            .collect()
    }

    /// Mints `amount` as stake of the hotkey's owner on the hotkey.
    fn mint_stake(&mut self, hotkey: &AccountId, amount: Rao) {
        if amount == Rao::ZERO {
            return;
        }
        let owner = self.hotkey_owner(hotkey).unwrap_or(*hotkey);
        if self.increase_stake(hotkey, &owner, amount).is_ok() {
            let _ = self.mint_issuance(amount);
        }
    }

    /// Pays a validator's dividend: the take to the owner, the rest to its stakers pro rata.
    fn pay_dividend(&mut self, hotkey: &AccountId, amount: Rao) {
        if amount == Rao::ZERO {
            return;
        }
        let (owner, take) = match self.hotkeys.get(hotkey) {
            Some(h) => (h.owner, h.take),
            None => (*hotkey, 0),
        };
        let take_amount = u128::from(amount.0) * u128::from(take) / U16_MAX;
        let rest = u128::from(amount.0) - take_amount;
        let nominators = self.nominators_of(hotkey);
        let total: u128 = nominators.iter().map(|(_, s)| u128::from(s.0)).sum();
        let mut paid = 0u128;
        for (coldkey, stake) in &nominators {
            // No stakers (total 0): nothing here, everything goes to the owner below.
            if let Some(share) = (rest * u128::from(stake.0)).checked_div(total)
                && share > 0
            {
                let share = Rao(u64::try_from(share).unwrap_or(0));
                if self.increase_stake(hotkey, coldkey, share).is_ok() {
                    let _ = self.mint_issuance(share);
                    paid += u128::from(share.0);
                }
            }
        }
        // The take plus the rounding dust (or everything, if the hotkey has no stake).
        let to_owner = Rao(u64::try_from(u128::from(amount.0) - paid).unwrap_or(0));
        if to_owner > Rao::ZERO && self.increase_stake(hotkey, &owner, to_owner).is_ok() {
            let _ = self.mint_issuance(to_owner);
        }
    }

    /// Runs the epoch of `netuid` and distributes its pending emission.
    pub(crate) fn run_subnet_epoch(&mut self, netuid: NetUid) -> Option<EpochRecord> {
        let info = self.subnets.get(&netuid)?.clone();
        let now = self.globals.height;
        let n = info.n;
        let neurons: Vec<(Uid, crate::state::Neuron)> = self
            .neurons
            .range((netuid, 0)..(netuid, n))
            .map(|((_, uid), neuron)| (*uid, neuron.clone()))
            .collect();
        let p = &info.hyperparams;
        let pending = info.pending_emission;
        let owner_cut = Rao(u64::try_from(
            u128::from(pending.0) * u128::from(self.params().subnet_owner_cut) / U16_MAX,
        )
        .unwrap_or(0));
        let to_epoch = pending.saturating_sub(owner_cut);
        let input = EpochInput {
            block: now,
            stake: neurons
                .iter()
                .map(|(_, x)| self.total_hotkey_stake(&x.hotkey).0)
                .collect(),
            weights: neurons.iter().map(|(_, x)| x.weights.clone()).collect(),
            bonds: neurons.iter().map(|(_, x)| x.bonds.clone()).collect(),
            last_update: neurons.iter().map(|(_, x)| x.last_update).collect(),
            registered_at: neurons.iter().map(|(_, x)| x.registered_at).collect(),
            validator_permit: neurons.iter().map(|(_, x)| x.validator_permit).collect(),
            owner_uid: self.uid_of(netuid, &info.owner_hotkey),
            commit_reveal: p.commit_reveal_enabled.then(|| {
                neurons
                    .iter()
                    .map(|(_, x)| self.earliest_commit(netuid, &x.hotkey))
                    .collect()
            }),
            last_epoch_block: info.stepped.then_some(info.last_epoch_block),
            emission: to_epoch.0,
            params: Hyperparams {
                kappa: p.kappa,
                bonds_moving_average: p.bonds_moving_average,
                bonds_penalty: p.bonds_penalty,
                yuma3: p.yuma3,
                liquid_alpha: LiquidAlpha {
                    enabled: p.liquid_alpha_enabled,
                    alpha_low: p.alpha_low,
                    alpha_high: p.alpha_high,
                    steepness: p.alpha_sigmoid_steepness,
                },
                activity_cutoff: p.activity_cutoff,
                max_allowed_validators: p.max_allowed_validators,
                stake_threshold: p.stake_threshold.0,
                tempo: p.tempo,
            },
        };
        // The epoch validates its input; our own state is always consistent, so an error here
        // is a bug. Keep the pending emission and move on rather than halt the chain.
        let out = EPOCH_SCRATCH
            .with(|scratch| taonet_yuma::epoch_with(&mut scratch.borrow_mut(), &input))
            .ok();

        if let Some(s) = self.subnets.get_mut(&netuid) {
            s.last_epoch_block = now;
            s.stepped = true;
            s.epoch_index += 1;
            if out.is_some() {
                s.pending_emission = Rao::ZERO;
            }
        }
        self.expire_commits(netuid);
        let out = out?;
        let g = self.globals_mut();
        g.total_pending_emission = g.total_pending_emission.saturating_sub(pending);

        let owner = info.owner;
        if owner_cut > Rao::ZERO && self.credit(&owner, owner_cut).is_ok() {
            let _ = self.mint_issuance(owner_cut);
        }
        let mut miners = Rao::ZERO;
        let mut validators = Rao::ZERO;
        for (i, (uid, neuron)) in neurons.iter().enumerate() {
            let server = Rao(out.server_emission.get(i).copied().unwrap_or(0));
            let validator = Rao(out.validator_emission.get(i).copied().unwrap_or(0));
            if let Some(x) = self.neurons.get_mut(&(netuid, *uid)) {
                x.active = out.active.get(i).copied().unwrap_or(false);
                x.validator_permit = out.validator_permit.get(i).copied().unwrap_or(false);
                x.stake_weight = out.stake_weight.get(i).copied().unwrap_or(0);
                x.consensus = out.consensus.get(i).copied().unwrap_or(0);
                x.incentive = out.incentive.get(i).copied().unwrap_or(0);
                x.dividends = out.dividends.get(i).copied().unwrap_or(0);
                x.validator_trust = out.validator_trust.get(i).copied().unwrap_or(0);
                x.emission = Rao(out.emission.get(i).copied().unwrap_or(0));
                x.bonds = out.bonds.get(i).cloned().unwrap_or_default();
            }
            self.mint_stake(&neuron.hotkey, server);
            self.pay_dividend(&neuron.hotkey, validator);
            miners = miners.checked_add(server).unwrap_or(miners);
            validators = validators.checked_add(validator).unwrap_or(validators);
        }
        Some(EpochRecord {
            netuid,
            pending,
            owner_cut,
            miners,
            validators,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_halves_by_issuance() {
        let tao = |t: u64| Rao(t * RAO_PER_TAO);
        assert_eq!(block_emission(Rao::ZERO), tao(1));
        assert_eq!(block_emission(tao(10_499_999)), tao(1));
        assert_eq!(block_emission(tao(10_500_000)), Rao(RAO_PER_TAO / 2));
        assert_eq!(block_emission(tao(15_750_000)), Rao(RAO_PER_TAO / 4));
        assert_eq!(block_emission(tao(18_375_000)), Rao(RAO_PER_TAO / 8));
        assert_eq!(block_emission(MAX_SUPPLY), Rao::ZERO);
        // Near the cap the reward has halved to nothing (it is always far below what is left).
        assert_eq!(block_emission(Rao(MAX_SUPPLY.0 - 3)), Rao::ZERO);
        let mut issued = Rao::ZERO;
        for _ in 0..1000 {
            let r = block_emission(issued);
            assert!(r.0 <= MAX_SUPPLY.0 - issued.0);
            issued = Rao(issued.0 + r.0 * 1_000_000);
        }
    }

    #[test]
    fn consensus_clips_a_minority() {
        // Three members with equal stake: two weight column 0, one weights column 1 alone.
        let stake = [100, 100, 100];
        let rows = vec![vec![(0, 65535)], vec![(0, 65535)], vec![(1, 65535)]];
        let shares = consensus_shares(&stake, &rows, 2, 32_767).unwrap_or_default();
        assert_eq!(shares[1], 0, "a minority's subnet gets nothing");
        assert!(shares[0] > u64::MAX / 2);
        assert!(consensus_shares(&[0, 0], &rows[..2], 2, 32_767).is_none());
    }
}
