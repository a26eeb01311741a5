//! Weights: direct setting and commit-reveal.
//!
//! # Rules (checked in this order)
//! `set_weights(netuid, uids, weights, version_key)`, signed by the neuron's hotkey (free;
//! registration on the subnet and the rate limit `block − last_update ≥ weights_rate_limit`
//! are checked before inclusion):
//! 1. the subnet exists (`SubnetNotFound`); commit-reveal is off (`CommitRevealEnabled`);
//! 2. `uids` and `weights` have the same length (`LengthMismatch`), at most the subnet size
//!    (`TooManyWeights`);
//! 3. the hotkey's stake reaches `stake_threshold`, the owner exempt (`NotEnoughStake`);
//! 4. `version_key ≥` the subnet's key when that is non-zero (`IncorrectVersionKey`);
//! 5. the neuron holds a validator permit, unless the call is a single self-weight or comes
//!    from the owner's hotkey (`NoValidatorPermit`);
//! 6. no uid twice (`DuplicateUid`), every uid exists (`InvalidUid`);
//! 7. at least `min(min_allowed_weights, n)` weights unless it is a single self-weight
//!    (`TooFewWeights`).
//!
//! The row is then max-upscaled (largest weight = 65535, rounded to nearest, exactly as the
//! reference chain does), stored sorted by uid **with explicit zeros kept**, and
//! `last_update := block`.
//!
//! On the root subnet (netuid 0) the "uids" are subnet ids: each must be an existing
//! non-root subnet (`InvalidSubnetWeight`); permits and the size rule do not apply.
//!
//! Commit-reveal (subnets with `commit_reveal_enabled`):
//! - `commit_weights(netuid, hash)` stores `hash = weights_commit_hash(hotkey, netuid, uids,
//!   weights, salt, version_key)` with the block and the subnet's epoch index; at most 10
//!   unrevealed commits per hotkey (`TooManyCommits`); rate-limited like set_weights.
//! - `reveal_weights(netuid, uids, weights, salt, version_key)` must match a commit
//!   (`NoMatchingCommit`) made exactly `reveal_period_epochs` epochs earlier: earlier is
//!   `RevealTooEarly`, later `CommitExpired`. It then applies the set_weights checks 2–7
//!   and removes the commit. A commit is kept one epoch past its reveal epoch (so a late reveal
//!   is answered `CommitExpired`) and dropped at the next epoch step.
//! - While a validator has unrevealed commits, the epoch masks its weights toward uids that
//!   registered after its earliest commit (no "sniping" of new uids).

use std::collections::BTreeSet;

use serde::Serialize;
use taonet_types::tx::weights_commit_hash;
use taonet_types::{AccountId, BlockNumber, Hash, NetUid, Rao, Uid};

use crate::state::{Commits, MAX_UNREVEALED_COMMITS, State, WeightCommit};

/// Why a `set_weights`, `commit_weights` or `reveal_weights` call was refused (numbered as
/// the checks in the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum WeightsError {
    /// No subnet has this netuid.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// `uids` and `weights` have different lengths.
    #[error("{uids} uids but {weights} weights: the two lists must have the same length")]
    LengthMismatch {
        /// The length of `uids`.
        uids: usize,
        /// The length of `weights`.
        weights: usize,
    },
    /// More weights than the subnet has neurons.
    #[error("{given} weights but the subnet has only {n} neurons")]
    TooManyWeights {
        /// The number of weights given.
        given: usize,
        /// The number of neurons on the subnet.
        n: u16,
    },
    /// Fewer weights than `min(min_allowed_weights, n)`, and not a single self-weight.
    #[error("{given} weights given; at least {min} are required")]
    TooFewWeights {
        /// The number of weights given.
        given: usize,
        /// The fewest the subnet accepts from this neuron.
        min: usize,
    },
    /// A uid listed twice.
    #[error("uid {0} appears more than once")]
    DuplicateUid(Uid),
    /// A uid the subnet does not have (`u16::MAX` when the signer itself holds no uid).
    #[error("uid {uid} does not exist (the subnet has {n} neurons)")]
    InvalidUid {
        /// The uid that does not exist.
        uid: Uid,
        /// The number of neurons on the subnet.
        n: u16,
    },
    /// A root weight on a netuid that is not an existing non-root subnet.
    #[error("root weight on subnet {0}, which does not exist")]
    InvalidSubnetWeight(NetUid),
    /// The hotkey's stake is below the subnet's `stake_threshold` (the owner is exempt).
    #[error(
        "stake {stake} TAO is below the subnet's threshold {threshold} TAO for setting weights"
    )]
    NotEnoughStake {
        /// The hotkey's total stake.
        stake: Rao,
        /// The subnet's `stake_threshold`.
        threshold: Rao,
    },
    /// The version key is below the subnet's non-zero `weights_version_key`.
    #[error("weights version key {given} is below the subnet's {required}; upgrade the validator")]
    IncorrectVersionKey {
        /// The version key in the call.
        given: u64,
        /// The subnet's `weights_version_key`.
        required: u64,
    },
    /// The neuron holds no validator permit (and the call is neither a single self-weight
    /// nor from the owner's hotkey).
    #[error("the neuron has no validator permit on this subnet")]
    NoValidatorPermit,
    /// `set_weights` on a subnet with commit-reveal on: commit, then reveal.
    #[error("commit-reveal is enabled on subnet {0}: commit a hash, then reveal")]
    CommitRevealEnabled(NetUid),
    /// `commit_weights` or `reveal_weights` on a subnet with commit-reveal off.
    #[error("commit-reveal is disabled on subnet {0}: set weights directly")]
    CommitRevealDisabled(NetUid),
    /// The hotkey already has the most unrevealed commits allowed; the field is how many.
    #[error("{0} unrevealed commits already; reveal or wait for them to expire")]
    TooManyCommits(usize),
    /// No stored commit has the hash of the revealed weights.
    #[error("no commit matches this reveal (check uids, weights, salt and version key)")]
    NoMatchingCommit,
    /// A reveal before the commit's reveal epoch.
    #[error("this commit can be revealed from block {from} (subnet epoch {epoch})")]
    RevealTooEarly {
        /// First block whose transactions fall in the reveal epoch (exact while the tempo
        /// stays the same).
        from: BlockNumber,
        /// The epoch in which to reveal.
        epoch: u64,
    },
    /// A reveal after the commit's reveal epoch; the field is that epoch.
    #[error("this commit expired in subnet epoch {0}")]
    CommitExpired(u64),
}

impl State {
    fn weights_subnet(&self, netuid: NetUid) -> Result<&crate::state::SubnetRecord, WeightsError> {
        self.subnets
            .get(&netuid)
            .ok_or(WeightsError::SubnetNotFound(netuid))
    }

    /// Checks a weights row (rules 2–7) and returns it max-upscaled and sorted by uid.
    fn checked_weights(
        &self,
        hotkey: &AccountId,
        netuid: NetUid,
        uids: &[Uid],
        weights: &[u16],
        version_key: u64,
    ) -> Result<Vec<(Uid, u16)>, WeightsError> {
        let info = self.weights_subnet(netuid)?;
        let p = &info.hyperparams;
        if uids.len() != weights.len() {
            return Err(WeightsError::LengthMismatch {
                uids: uids.len(),
                weights: weights.len(),
            });
        }
        let is_root = netuid == 0;
        if !is_root && uids.len() > usize::from(info.n) {
            return Err(WeightsError::TooManyWeights {
                given: uids.len(),
                n: info.n,
            });
        }
        let uid = self
            .uid_of(netuid, hotkey)
            .ok_or(WeightsError::InvalidUid {
                uid: u16::MAX,
                n: info.n,
            })?;
        let is_owner = *hotkey == info.owner_hotkey;
        let stake = self.total_hotkey_stake(hotkey);
        if !is_owner && stake < p.stake_threshold {
            return Err(WeightsError::NotEnoughStake {
                stake,
                threshold: p.stake_threshold,
            });
        }
        if p.weights_version_key != 0 && version_key < p.weights_version_key {
            return Err(WeightsError::IncorrectVersionKey {
                given: version_key,
                required: p.weights_version_key,
            });
        }
        let self_weight_only = uids.len() == 1 && uids[0] == uid;
        if !is_root {
            let permit = self
                .neurons
                .get(&(netuid, uid))
                .is_some_and(|n| n.validator_permit);
            if !permit && !self_weight_only && !is_owner {
                return Err(WeightsError::NoValidatorPermit);
            }
        }
        let mut seen = BTreeSet::new();
        for &u in uids {
            if !seen.insert(u) {
                return Err(WeightsError::DuplicateUid(u));
            }
            if is_root {
                if u == 0 || !self.subnets.contains_key(&u) {
                    return Err(WeightsError::InvalidSubnetWeight(u));
                }
            } else if u >= info.n {
                return Err(WeightsError::InvalidUid { uid: u, n: info.n });
            }
        }
        if !is_root && !self_weight_only {
            let min = usize::from(p.min_allowed_weights.min(info.n));
            if uids.len() < min {
                return Err(WeightsError::TooFewWeights {
                    given: uids.len(),
                    min,
                });
            }
        }
        let upscaled = taonet_yuma::max_upscale(weights);
        let mut row: Vec<(Uid, u16)> = uids.iter().copied().zip(upscaled).collect();
        row.sort_unstable_by_key(|(u, _)| *u);
        Ok(row)
    }

    fn store_weights(&mut self, hotkey: &AccountId, netuid: NetUid, row: Vec<(Uid, u16)>) {
        let now = self.globals.height;
        if let Some(uid) = self.uid_of(netuid, hotkey)
            && let Some(n) = self.neurons.get_mut(&(netuid, uid))
        {
            n.weights = row;
            n.last_update = now;
        }
    }

    /// `weights.set_weights`.
    pub fn set_weights(
        &mut self,
        hotkey: &AccountId,
        netuid: NetUid,
        uids: &[Uid],
        weights: &[u16],
        version_key: u64,
    ) -> Result<(), WeightsError> {
        let info = self.weights_subnet(netuid)?;
        if netuid != 0 && info.hyperparams.commit_reveal_enabled {
            return Err(WeightsError::CommitRevealEnabled(netuid));
        }
        let row = self.checked_weights(hotkey, netuid, uids, weights, version_key)?;
        self.store_weights(hotkey, netuid, row);
        Ok(())
    }

    /// `weights.commit_weights`.
    pub fn commit_weights(
        &mut self,
        hotkey: &AccountId,
        netuid: NetUid,
        hash: Hash,
    ) -> Result<(), WeightsError> {
        let info = self.weights_subnet(netuid)?;
        if !info.hyperparams.commit_reveal_enabled {
            return Err(WeightsError::CommitRevealDisabled(netuid));
        }
        let epoch = info.epoch_index;
        let now = self.globals.height;
        let mut commits = self
            .commits
            .get(&(netuid, *hotkey))
            .cloned()
            .unwrap_or_default();
        if commits.0.len() >= MAX_UNREVEALED_COMMITS {
            return Err(WeightsError::TooManyCommits(commits.0.len()));
        }
        commits.0.push(WeightCommit {
            hash,
            block: now,
            epoch,
        });
        self.commits.insert((netuid, *hotkey), commits);
        Ok(())
    }

    /// `weights.reveal_weights`.
    pub fn reveal_weights(
        &mut self,
        hotkey: &AccountId,
        netuid: NetUid,
        uids: &[Uid],
        weights: &[u16],
        salt: &[u16],
        version_key: u64,
    ) -> Result<(), WeightsError> {
        let info = self.weights_subnet(netuid)?;
        if !info.hyperparams.commit_reveal_enabled {
            return Err(WeightsError::CommitRevealDisabled(netuid));
        }
        let (epoch, period, tempo) = (
            info.epoch_index,
            u64::from(info.hyperparams.reveal_period_epochs),
            u64::from(info.hyperparams.tempo),
        );
        // The epoch of a block runs after its transactions, so the first block whose
        // transactions see the next epoch index is the one after that epoch's block.
        let next_epoch_block = info.last_epoch_block.saturating_add(tempo);
        let hash = weights_commit_hash(hotkey, netuid, uids, weights, salt, version_key);
        let commits = self
            .commits
            .get(&(netuid, *hotkey))
            .cloned()
            .unwrap_or_default();
        let index = commits
            .0
            .iter()
            .position(|c| c.hash == hash)
            .ok_or(WeightsError::NoMatchingCommit)?;
        let commit = &commits.0[index];
        let reveal_epoch = commit.epoch.saturating_add(period);
        if epoch < reveal_epoch {
            let epochs_left = reveal_epoch - epoch - 1;
            return Err(WeightsError::RevealTooEarly {
                from: next_epoch_block
                    .saturating_add(1)
                    .saturating_add(epochs_left.saturating_mul(tempo)),
                epoch: reveal_epoch,
            });
        }
        if epoch > reveal_epoch {
            return Err(WeightsError::CommitExpired(reveal_epoch));
        }
        let row = self.checked_weights(hotkey, netuid, uids, weights, version_key)?;
        let mut remaining = commits;
        remaining.0.remove(index);
        if remaining.0.is_empty() {
            self.commits.remove(&(netuid, *hotkey));
        } else {
            self.commits.insert((netuid, *hotkey), remaining);
        }
        self.store_weights(hotkey, netuid, row);
        Ok(())
    }

    /// Drops commits whose reveal epoch has passed (at each subnet epoch).
    pub(crate) fn expire_commits(&mut self, netuid: NetUid) {
        let Some(info) = self.subnets.get(&netuid) else {
            return;
        };
        let (epoch, period) = (
            info.epoch_index,
            u64::from(info.hyperparams.reveal_period_epochs),
        );
        let lo = (netuid, AccountId([0u8; 32]));
        let hi = (netuid, AccountId([0xffu8; 32]));
        let entries: Vec<((NetUid, AccountId), Commits)> = self
            .commits
            .range(lo..=hi)
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        for (key, commits) in entries {
            let kept: Vec<WeightCommit> = commits
                .0
                .iter()
                // Kept one epoch past its reveal epoch, so a late reveal is told it expired.
                .filter(|c| c.epoch.saturating_add(period).saturating_add(1) >= epoch)
                .cloned()
                .collect();
            if kept.len() == commits.0.len() {
                continue;
            }
            if kept.is_empty() {
                self.commits.remove(&key);
            } else {
                self.commits.insert(key, Commits(kept));
            }
        }
    }

    /// The earliest unrevealed commit block of a hotkey on a subnet (for the sniping mask).
    /// Expired commits (kept one more epoch only to answer `CommitExpired`) do not count.
    pub(crate) fn earliest_commit(&self, netuid: NetUid, hotkey: &AccountId) -> Option<u64> {
        let info = self.subnets.get(&netuid)?;
        let (epoch, period) = (
            info.epoch_index,
            u64::from(info.hyperparams.reveal_period_epochs),
        );
        self.commits.get(&(netuid, *hotkey)).and_then(|c| {
            c.0.iter()
                .filter(|c| c.epoch.saturating_add(period) >= epoch)
                .map(|c| c.block)
                .min()
        })
    }

    /// Whether `hotkey` may set weights now on `netuid` (rate limit); `Err(next block)`.
    pub(crate) fn weights_rate_ok(&self, netuid: NetUid, hotkey: &AccountId) -> Result<(), u64> {
        let now = self.globals.height;
        let (Some(info), Some(uid)) = (self.subnets.get(&netuid), self.uid_of(netuid, hotkey))
        else {
            return Ok(());
        };
        let limit = info.hyperparams.weights_rate_limit;
        let last_commit = self
            .commits
            .get(&(netuid, *hotkey))
            .and_then(|c| c.0.iter().map(|c| c.block).max());
        let last = self
            .neurons
            .get(&(netuid, uid))
            .map_or(0, |n| n.last_update)
            .max(last_commit.unwrap_or(0));
        let registered = self
            .neurons
            .get(&(netuid, uid))
            .map_or(0, |n| n.registered_at);
        // A neuron that never set weights may do so at once after registering.
        let never_set = self
            .neurons
            .get(&(netuid, uid))
            .is_some_and(|n| n.weights.is_empty());
        if last == registered && last_commit.is_none() && never_set {
            return Ok(());
        }
        let next = last.saturating_add(limit);
        if now < next { Err(next) } else { Ok(()) }
    }
}
