//! Root membership: who sets the subnets' emission shares.
//!
//! # Rules
//! - The root subnet (netuid 0) has at most `root_max_uids` members; their weights over
//!   subnets are what the root epoch ([`crate::emission`]) turns into emission shares.
//! - `neurons.root_register(hotkey)` (coldkey signs, paying; the hotkey unowned or owned by the
//!   signer, `HotkeyNotOwned`) makes the hotkey a **root candidate**, recorded with its
//!   registration block. A hotkey already a candidate is refused (`AlreadyRootCandidate`,
//!   saying whether it is a member).
//! - **Membership is a rule, recomputed at every root epoch** (every `root_tempo` blocks, and
//!   when the set of subnets changes), before the shares are computed: the members are the
//!   `root_max_uids` candidates with the most total stake (own and delegated), ties broken
//!   by the earlier registration, then by the lower hotkey. Members that stay keep their uid
//!   and weights; a member that falls out loses its uid, and the newcomers take the freed
//!   uids (lowest first), then new uids at the end; if the root shrinks (a lower
//!   `root_max_uids`, candidates gone), the members on the highest uids are moved down into
//!   the freed ones, keeping their weights, so that uids stay `0..n`. A newcomer starts
//!   without weights.
//! - Between root epochs a candidate joins at once only while the root subnet has a free
//!   uid: then every candidate is a member and the rule above still holds. On a full root
//!   subnet it waits for the next root epoch (the call succeeds; `root list` shows it as a
//!   candidate).
//! - At most `4 × root_max_uids` candidates: when that many are registered, a new candidate
//!   must have strictly more stake than the candidate with the least stake that is not a
//!   member, whom it replaces (`RootStakeTooLow` otherwise). So the candidate list, and the
//!   root epoch's work (O(c log c) in the c candidates), stay bounded.
//! - A hotkey swap carries the candidacy and the uid to the new hotkey ([`crate::keyswap`]).
//! - Genesis members (`root: true` in the chain spec) are candidates registered at block 0.

use std::collections::BTreeSet;

use taonet_types::{AccountId, BlockNumber, Rao, Uid};

use crate::neurons::NeuronError;
use crate::state::State;

/// Candidates allowed per root seat (module rules).
pub const CANDIDATES_PER_SEAT: usize = 4;

/// A root candidate's standing: hotkey, total stake, registration block, and its uid if it
/// is a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootCandidate {
    /// The candidate hotkey.
    pub hotkey: AccountId,
    /// Its total stake (own and delegated).
    pub stake: Rao,
    /// The block it registered as a candidate.
    pub registered_at: BlockNumber,
    /// Its root uid, if it is a member now.
    pub uid: Option<Uid>,
}

impl State {
    /// Every root candidate in membership order (most stake first, then earlier
    /// registration, then lower hotkey).
    pub fn root_candidates_ranked(&self) -> Vec<RootCandidate> {
        let mut all: Vec<RootCandidate> = self
            .root_candidates
            .iter()
            .map(|(hotkey, at)| RootCandidate {
                hotkey: *hotkey,
                stake: self.total_hotkey_stake(hotkey),
                registered_at: *at,
                uid: self.uid_of(0, hotkey),
            })
            .collect();
        all.sort_by(|a, b| {
            b.stake
                .cmp(&a.stake)
                .then(a.registered_at.cmp(&b.registered_at))
                .then(a.hotkey.cmp(&b.hotkey))
        });
        all
    }

    /// `neurons.root_register`: enters `hotkey` as a root candidate; returns its uid if it
    /// became a member at once.
    pub fn root_register(
        &mut self,
        signer: &AccountId,
        hotkey: &AccountId,
    ) -> Result<Option<Uid>, NeuronError> {
        let root = self
            .subnets
            .get(&0)
            .ok_or(NeuronError::SubnetNotFound(0))?
            .clone();
        if self.root_candidates.contains_key(hotkey) {
            return Err(NeuronError::AlreadyRootCandidate {
                uid: self.uid_of(0, hotkey),
            });
        }
        if matches!(self.hotkey_owner(hotkey), Some(o) if o != *signer) {
            return Err(NeuronError::HotkeyNotOwned(*hotkey));
        }
        let max = self.params().root_max_uids;
        let limit = usize::from(max).saturating_mul(CANDIDATES_PER_SEAT);
        let mut replaced = None;
        if self.root_candidates.len() >= limit {
            let stake = self.total_hotkey_stake(hotkey);
            let lowest = self
                .root_candidates_ranked()
                .into_iter()
                .rev()
                .find(|c| c.uid.is_none());
            match lowest {
                Some(c) if stake > c.stake => replaced = Some(c.hotkey),
                Some(c) => {
                    return Err(NeuronError::RootStakeTooLow {
                        stake,
                        lowest: c.stake,
                    });
                }
                None => return Err(NeuronError::NoSlotAvailable(0)),
            }
        }
        self.ensure_hotkey_owner(hotkey, signer)
            .map_err(|_| NeuronError::HotkeyNotOwned(*hotkey))?;
        if let Some(out) = replaced {
            self.root_candidates.remove(&out);
        }
        let now = self.globals.height;
        self.root_candidates.insert(*hotkey, now);
        if root.n < max {
            let uid = root.n;
            self.seat_neuron(0, uid, hotkey);
            if let Some(s) = self.subnets.get_mut(&0) {
                s.n += 1;
            }
            return Ok(Some(uid));
        }
        Ok(None)
    }

    /// Recomputes the root members from the candidates (module rules). Returns whether the
    /// membership changed.
    pub(crate) fn recompute_root_members(&mut self) -> bool {
        let Some(root) = self.subnets.get(&0).cloned() else {
            return false;
        };
        let max = usize::from(self.params().root_max_uids);
        let top: Vec<AccountId> = self
            .root_candidates_ranked()
            .into_iter()
            .take(max)
            .map(|c| c.hotkey)
            .collect();
        let current: Vec<(Uid, AccountId)> = self
            .neurons
            .range((0, 0)..(0, root.n))
            .map(|((_, uid), n)| (*uid, n.hotkey))
            .collect();
        // Sets for the membership tests: O(k log k), not O(k²), for up to MAX_UIDS_LIMIT
        // members.
        let top_set: BTreeSet<AccountId> = top.iter().copied().collect();
        let current_set: BTreeSet<AccountId> = current.iter().map(|(_, h)| *h).collect();
        let stays = |h: &AccountId| top_set.contains(h);
        if current.len() == top.len() && current.iter().all(|(_, h)| stays(h)) {
            return false;
        }
        // Members that fall out free their uids.
        let mut free: Vec<Uid> = Vec::new();
        for (uid, hotkey) in &current {
            if !stays(hotkey) {
                self.neurons.remove(&(0, *uid));
                self.uids.remove(&(0, *hotkey));
                self.commits.remove(&(0, *hotkey));
                self.clear_commitment(0, *uid);
                free.push(*uid);
            }
        }
        // Newcomers, in rank order, take the freed uids, then new ones.
        let mut n = root.n;
        let newcomers: Vec<AccountId> = top
            .iter()
            .filter(|h| !current_set.contains(*h))
            .copied()
            .collect();
        let mut free_iter = free.into_iter();
        for hotkey in newcomers {
            let uid = match free_iter.next() {
                Some(uid) => uid,
                None => {
                    n += 1;
                    n - 1
                }
            };
            self.seat_neuron(0, uid, &hotkey);
        }
        // The root shrank: the members on the highest uids move down into the holes.
        let holes: Vec<Uid> = free_iter.collect();
        n = self.trim_root(n);
        for hole in holes {
            if hole >= n {
                continue;
            }
            let last = n - 1;
            if let Some(neuron) = self.neurons.remove(&(0, last)) {
                self.uids.insert((0, neuron.hotkey), hole);
                if let Some(c) = self.commitments.remove(&(0, last)) {
                    self.commitments.insert((0, hole), c);
                }
                self.neurons.insert((0, hole), neuron);
            }
            n = self.trim_root(last);
        }
        if let Some(s) = self.subnets.get_mut(&0) {
            s.n = n;
        }
        true
    }

    /// `n` lowered past the empty uids at the end of the root subnet.
    fn trim_root(&self, mut n: Uid) -> Uid {
        while n > 0 && !self.neurons.contains_key(&(0, n - 1)) {
            n -= 1;
        }
        n
    }
}
