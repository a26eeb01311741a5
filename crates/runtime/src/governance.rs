//! On-chain governance and the treasury.
//!
//! # Rules
//! - **Treasury**: its balance is `globals.treasury`, addressed as
//!   [`taonet_types::gov::treasury_account`] (SHA-256 of `"taonet/treasury"`, a key nobody
//!   holds). It receives `treasury_fee_share` (ppb) of every transaction fee, rounded down
//!   (the proposer gets the remainder, so no rao is lost), and any transfer to its address.
//!   Only a passed `TreasurySpend` proposal takes TAO out of it.
//! - **Propose** (`governance.propose`, signed by a coldkey): the signer must own at least
//!   `gov_min_proposer_stake` of stake (summed over its positions on every hotkey), fewer
//!   than `gov_max_active_proposals` proposals may be in their voting period, the
//!   description is at most 2 KiB, a parameter proposal has 1 to 32 changes that all pass
//!   their bounds (applied in order to the current parameters), a spend is non-zero and at
//!   most the treasury balance now. The deposit `gov_proposal_deposit` moves from the
//!   signer's free balance into `globals.total_deposits` (still part of the issuance). The
//!   proposal submitted in block `s` is open for votes in blocks `s ..= s +
//!   gov_voting_period`, and if it passes executes at the end of block `s +
//!   gov_voting_period + gov_execution_delay` (the delay as of submission).
//! - **Vote** (`governance.vote`): by a coldkey with voting weight (it owns stake, or owns a
//!   hotkey with stake) while the proposal is voting; one record per coldkey, a new vote
//!   replaces the old one. **Cancel**: by the proposer while nobody has voted; the deposit is
//!   returned.
//! - **Tally** at the end of the last voting block (after its transactions), over the stake
//!   of that moment. Each stake position (hotkey, coldkey, amount) counts once: for the
//!   coldkey's own vote if it voted, otherwise for the vote of the hotkey's owner (its
//!   delegate) if the owner voted, otherwise not at all. So a delegate votes with its
//!   nominators' stake unless a nominator votes itself, which overrides the delegate for that
//!   stake. Unbonding stake does not vote.
//! - **Quorum**: `(aye + nay + abstain) · 10⁹ ≥ gov_quorum · total_stake`. **Approval**:
//!   quorum met and `aye · 10⁹ > gov_approval_threshold · (aye + nay)`. Integer
//!   cross-multiplication in u128: no division, no rounding. Outcome: `Passed`, `Rejected`
//!   (quorum met, not approved) or `Expired` (no quorum).
//! - **Deposit**: at the tally it is returned to the proposer, unless the turnout is below
//!   `gov_burn_below_ppb` of total stake (`turnout · 10⁹ < gov_burn_below_ppb ·
//!   total_stake`), in which case it is burned (total issuance falls by it).
//! - **Upgrades** (`ScheduleUpgrade`, `CancelUpgrade`): the checks and their effect are the
//!   rules of [`crate::upgrade`].
//! - **Execution** of a passed proposal at its block's end: parameter changes are validated
//!   again against the parameters of that moment (all or nothing) and take effect from the
//!   next block; a spend pays from the treasury if it holds enough. Either way a failure is
//!   recorded as `Failed(reason)` and changes nothing else; a text proposal just becomes
//!   `Executed`.
//! - Proposals and votes stay in the state after they close (the governance history).
//!
//! # Cost
//! No call scans every stake position. Proposing and voting read the signer's own positions
//! and hotkeys through the state's derived indexes (O(k log n)); a tally reads the voters'
//! side only ([`State::gov_vote_weights`]: each voter's own positions, plus per hotkey it
//! owns the hotkey's total less the positions of coldkeys that voted themselves), which is
//! the per-position rule above in O((voters' positions + voters' hotkeys) · log n).

use std::collections::BTreeMap;

use serde::Serialize;
use taonet_types::gov::{
    MAX_DESCRIPTION, MAX_PARAM_UPDATES, MAX_REASON, PPB, ParamUpdate, Proposal, ProposalAction,
    ProposalStatus, Tally, VoteKind, VoteRecord, apply_all, treasury_account,
};
use taonet_types::protocol::Upgrade;
use taonet_types::{AccountId, BlockNumber, ChainParams, Rao};

use crate::state::{GovTask, State, pairs_of};

/// Why a governance call (propose, vote, cancel) was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceError {
    /// The proposal description is longer than its limit.
    #[error("the proposal description is {len} bytes; the limit is {max}")]
    DescriptionTooLong {
        /// The description's length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The proposer owns less stake than `gov_min_proposer_stake`.
    #[error("proposing needs {required} TAO of stake owned by the coldkey; it owns {stake} TAO")]
    InsufficientStake {
        /// Stake owned by the signer (all hotkeys).
        stake: Rao,
        /// `gov_min_proposer_stake`.
        required: Rao,
    },
    /// The proposer's free balance cannot pay `gov_proposal_deposit`.
    #[error("the proposal deposit is {needed} TAO but only {available} TAO is free")]
    InsufficientBalance {
        /// The deposit, `gov_proposal_deposit`.
        needed: Rao,
        /// The signer's free balance.
        available: Rao,
    },
    /// `gov_max_active_proposals` proposals are already voting; the field is that limit.
    #[error("{0} proposals are already being voted on (the limit); wait for one to close")]
    TooManyActiveProposals(u16),
    /// A parameter change outside its bounds; the text says which.
    #[error("invalid parameter change: {0}")]
    InvalidParameter(String),
    /// A parameter proposal with no changes, or with more than the limit.
    #[error("a parameter proposal needs 1 to {max} changes; it has {count}")]
    BadUpdateCount {
        /// The number of changes in the proposal.
        count: usize,
        /// The most changes one proposal may carry.
        max: usize,
    },
    /// A treasury spend of zero.
    #[error("a treasury spend must be greater than zero")]
    ZeroSpend,
    /// A treasury spend larger than the treasury holds now.
    #[error("the spend of {amount} TAO exceeds the treasury balance of {treasury} TAO")]
    SpendExceedsTreasury {
        /// The amount the proposal would spend.
        amount: Rao,
        /// Treasury balance now.
        treasury: Rao,
    },
    /// No proposal has this id.
    #[error("proposal {0} does not exist")]
    UnknownProposal(u64),
    /// A vote or cancel on a proposal that is no longer voting.
    #[error("voting on proposal {proposal} is closed (status: {status})")]
    VotingClosed {
        /// The proposal's id.
        proposal: u64,
        /// Its status, as its text form (`passed`, `rejected`, ...).
        status: &'static str,
    },
    /// The signer owns no stake and no hotkey with nominators, so it has nothing to vote with.
    #[error("this coldkey has no voting weight: it owns no stake and no hotkey with nominators")]
    NoVotingWeight,
    /// A cancel signed by someone other than the proposer.
    #[error("only the proposer may cancel proposal {0}")]
    NotProposer(u64),
    /// A cancel of a proposal that already has votes.
    #[error("proposal {0} already has votes and can no longer be cancelled")]
    AlreadyVoted(u64),
    /// A governance counter or deposit total would exceed its integer type (a bug).
    #[error("governance arithmetic overflow")]
    Overflow,
    /// An upgrade to a version that is not the next one ([`crate::upgrade`]).
    #[error("the chain runs protocol v{current}: an upgrade can only be to v{}, not v{version}", current + 1)]
    UpgradeVersion {
        /// The version proposed.
        version: u32,
        /// The version the chain runs.
        current: u32,
    },
    /// An upgrade is already scheduled.
    #[error(
        "an upgrade to protocol v{version} is already scheduled at height {height}; cancel it first"
    )]
    UpgradeAlreadyScheduled {
        /// Its version.
        version: u32,
        /// Its height.
        height: BlockNumber,
    },
    /// An upgrade height the vote and the execution delay could not reach in time.
    #[error(
        "an upgrade proposed now executes at block {executes_at} at the earliest; its height must be after that (got {height})"
    )]
    UpgradeTooSoon {
        /// The height proposed.
        height: BlockNumber,
        /// The block the proposal would execute in.
        executes_at: BlockNumber,
    },
    /// An invalid upgrade name; the text says why.
    #[error("invalid upgrade name: {0}")]
    UpgradeName(&'static str),
    /// A cancel of an upgrade that is not scheduled.
    #[error("no upgrade to protocol v{0} is scheduled")]
    NoSuchUpgrade(u32),
}

/// What governance did in a block's end step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GovEvent {
    /// The id of the proposal whose status changed.
    pub proposal: u64,
    /// Its new status.
    pub status: ProposalStatus,
}

fn rao(v: u128) -> Rao {
    Rao(u64::try_from(v).unwrap_or(u64::MAX))
}

impl State {
    /// The treasury balance.
    pub fn treasury_balance(&self) -> Rao {
        self.globals.treasury
    }

    /// Adds to the treasury.
    pub(crate) fn credit_treasury(&mut self, amount: Rao) -> Result<(), GovernanceError> {
        let g = self.globals_mut();
        g.treasury = g
            .treasury
            .checked_add(amount)
            .ok_or(GovernanceError::Overflow)?;
        Ok(())
    }

    /// Stake owned by `coldkey`, summed over every hotkey. O(k log n) in its k positions.
    pub fn owned_stake(&self, coldkey: &AccountId) -> Rao {
        let total: u128 = self
            .stakes_of(coldkey)
            .iter()
            .map(|(_, s)| u128::from(s.0))
            .sum();
        rao(total)
    }

    /// Whether `coldkey` has voting weight: own stake, or a hotkey it owns has stake.
    /// O(k log n) in its own positions and hotkeys (the coldkey and owner indexes).
    pub fn has_voting_weight(&self, coldkey: &AccountId) -> bool {
        let staked = |hotkey: &AccountId, c: &AccountId| self.stake(hotkey, c).0 > 0;
        self.idx
            .stakes_by_coldkey
            .range(pairs_of(coldkey))
            .any(|(c, hotkey)| staked(hotkey, c))
            || self
                .idx
                .hotkeys_by_owner
                .range(pairs_of(coldkey))
                .any(|(_, hotkey)| {
                    self.stakes
                        .range(pairs_of(hotkey))
                        .any(|((h, c), _)| staked(h, c))
                })
    }

    /// Number of proposals in their voting period.
    pub fn active_proposals(&self) -> usize {
        self.gov_queue
            .iter()
            .filter(|(_, t)| **t == GovTask::Tally)
            .count()
    }

    /// The votes on a proposal, by coldkey.
    pub fn votes_on(&self, proposal: u64) -> Vec<(AccountId, VoteRecord)> {
        let lo = (proposal, AccountId([0u8; 32]));
        let hi = (proposal, AccountId([0xffu8; 32]));
        self.votes
            .range(lo..=hi)
            .map(|((_, who), v)| (*who, *v))
            .collect()
    }

    /// Each voter's vote and the stake it counts now (own stake it did not delegate away,
    /// plus nominators' stake on its hotkeys that did not vote themselves), by coldkey.
    ///
    /// The rule is per position (module rules), but it is computed from the voters' side
    /// only, so it costs O((voters' positions + voters' hotkeys) · log n), not a scan of every
    /// stake: a voter `v` counts
    /// `Σ own positions + Σ_{hotkey h owned by v} (total stake on h − Σ positions on h of
    /// coldkeys that voted)`. A position of a voting coldkey counts for that coldkey; every
    /// other position on `h` is a non-voter's and goes to `h`'s owner `v`. Same sums as the
    /// per-position rule, in exact u128 arithmetic.
    pub fn gov_vote_weights(&self, proposal: u64) -> Vec<(AccountId, VoteRecord, Rao)> {
        let votes: BTreeMap<AccountId, VoteRecord> = self.votes_on(proposal).into_iter().collect();
        let mut weight: BTreeMap<AccountId, u128> = BTreeMap::new();
        // Per voting delegate's hotkey: stake of voting coldkeys on it (counted elsewhere).
        let mut voted_on: BTreeMap<AccountId, u128> = BTreeMap::new();
        for who in votes.keys() {
            for (hotkey, amount) in self.stakes_of(who) {
                *weight.entry(*who).or_default() += u128::from(amount.0);
                if self
                    .hotkey_owner(&hotkey)
                    .is_some_and(|owner| votes.contains_key(&owner))
                {
                    *voted_on.entry(hotkey).or_default() += u128::from(amount.0);
                }
            }
        }
        for who in votes.keys() {
            for hotkey in self.hotkeys_of(who) {
                let total = u128::from(self.total_hotkey_stake(&hotkey).0);
                let delegated = total.saturating_sub(voted_on.get(&hotkey).copied().unwrap_or(0));
                *weight.entry(*who).or_default() += delegated;
            }
        }
        votes
            .into_iter()
            .map(|(who, v)| (who, v, rao(weight.get(&who).copied().unwrap_or(0))))
            .collect()
    }

    /// Counts the votes on `proposal` over the stake as it is now (the rules above), with the
    /// current quorum and threshold. `None` if there is no such proposal.
    pub fn gov_tally(&self, proposal: u64) -> Option<Tally> {
        self.proposals.get(&proposal)?;
        let (mut aye, mut nay, mut abstain) = (0u128, 0u128, 0u128);
        for (_, v, w) in self.gov_vote_weights(proposal) {
            let w = u128::from(w.0);
            match v.vote {
                VoteKind::Aye => aye += w,
                VoteKind::Nay => nay += w,
                VoteKind::Abstain => abstain += w,
            }
        }
        let p = self.params();
        let total = u128::from(self.globals.total_stake.0);
        let turnout = aye + nay + abstain;
        let quorum_met = turnout * u128::from(PPB) >= u128::from(p.gov_quorum) * total;
        let approved = quorum_met
            && aye * u128::from(PPB) > u128::from(p.gov_approval_threshold) * (aye + nay);
        Some(Tally {
            aye: rao(aye),
            nay: rao(nay),
            abstain: rao(abstain),
            total_stake: self.globals.total_stake,
            quorum_met,
            approved,
        })
    }

    /// Checks a parameter list against `params` and the state (root size).
    fn check_updates(
        &self,
        params: &ChainParams,
        updates: &[ParamUpdate],
    ) -> Result<ChainParams, GovernanceError> {
        if updates.is_empty() || updates.len() > MAX_PARAM_UPDATES {
            return Err(GovernanceError::BadUpdateCount {
                count: updates.len(),
                max: MAX_PARAM_UPDATES,
            });
        }
        let next = apply_all(params, updates)
            .map_err(|e| GovernanceError::InvalidParameter(e.to_string()))?;
        let root_n = self.subnets.get(&0).map_or(0, |s| s.n);
        if next.root_max_uids < root_n {
            return Err(GovernanceError::InvalidParameter(format!(
                "parameter root_max_uids = {} is out of bounds: at least the root subnet's {root_n} members",
                next.root_max_uids
            )));
        }
        Ok(next)
    }

    /// `governance.propose`: returns the new proposal's id.
    pub fn propose(
        &mut self,
        signer: &AccountId,
        action: &ProposalAction,
        description: &str,
    ) -> Result<u64, GovernanceError> {
        if description.len() > MAX_DESCRIPTION {
            return Err(GovernanceError::DescriptionTooLong {
                len: description.len(),
                max: MAX_DESCRIPTION,
            });
        }
        let p = self.params().clone();
        let stake = self.owned_stake(signer);
        if stake < p.gov_min_proposer_stake {
            return Err(GovernanceError::InsufficientStake {
                stake,
                required: p.gov_min_proposer_stake,
            });
        }
        if self.active_proposals() >= usize::from(p.gov_max_active_proposals) {
            return Err(GovernanceError::TooManyActiveProposals(
                p.gov_max_active_proposals,
            ));
        }
        match action {
            ProposalAction::SetParams(updates) => {
                self.check_updates(&p, updates)?;
            }
            ProposalAction::TreasurySpend { amount, .. } => {
                if *amount == Rao::ZERO {
                    return Err(GovernanceError::ZeroSpend);
                }
                let treasury = self.treasury_balance();
                if *amount > treasury {
                    return Err(GovernanceError::SpendExceedsTreasury {
                        amount: *amount,
                        treasury,
                    });
                }
            }
            ProposalAction::Text => {}
            ProposalAction::ScheduleUpgrade(u) => {
                let executes_at = self
                    .globals
                    .height
                    .saturating_add(p.gov_voting_period)
                    .saturating_add(p.gov_execution_delay);
                self.check_upgrade(u, executes_at)?;
            }
            ProposalAction::CancelUpgrade { version } => {
                if self.pending_upgrade().map(|u| u.version) != Some(*version) {
                    return Err(GovernanceError::NoSuchUpgrade(*version));
                }
            }
        }
        let deposit = p.gov_proposal_deposit;
        let available = self.free(signer);
        self.debit(signer, deposit)
            .map_err(|_| GovernanceError::InsufficientBalance {
                needed: deposit,
                available,
            })?;
        let now = self.globals.height;
        let voting_ends = now.saturating_add(p.gov_voting_period.max(1));
        let execute_at = voting_ends.saturating_add(p.gov_execution_delay);
        let g = self.globals_mut();
        let id = g.next_proposal_id;
        g.next_proposal_id = id.checked_add(1).ok_or(GovernanceError::Overflow)?;
        g.total_deposits = g
            .total_deposits
            .checked_add(deposit)
            .ok_or(GovernanceError::Overflow)?;
        self.proposals.insert(
            id,
            Proposal {
                id,
                proposer: *signer,
                action: action.clone(),
                description: description.to_string(),
                deposit,
                deposit_burned: false,
                submitted: now,
                voting_ends,
                execute_at,
                status: ProposalStatus::Voting,
                tally: None,
            },
        );
        self.gov_queue.insert((voting_ends, id), GovTask::Tally);
        Ok(id)
    }

    /// `governance.vote`.
    pub fn vote(
        &mut self,
        signer: &AccountId,
        proposal: u64,
        vote: VoteKind,
    ) -> Result<(), GovernanceError> {
        let p = self
            .proposals
            .get(&proposal)
            .ok_or(GovernanceError::UnknownProposal(proposal))?;
        let now = self.globals.height;
        if p.status != ProposalStatus::Voting || now > p.voting_ends {
            return Err(GovernanceError::VotingClosed {
                proposal,
                status: p.status.as_str(),
            });
        }
        if !self.has_voting_weight(signer) {
            return Err(GovernanceError::NoVotingWeight);
        }
        self.votes
            .insert((proposal, *signer), VoteRecord { vote, block: now });
        Ok(())
    }

    /// `governance.cancel`.
    pub fn cancel_proposal(
        &mut self,
        signer: &AccountId,
        proposal: u64,
    ) -> Result<(), GovernanceError> {
        let p = self
            .proposals
            .get(&proposal)
            .cloned()
            .ok_or(GovernanceError::UnknownProposal(proposal))?;
        if p.proposer != *signer {
            return Err(GovernanceError::NotProposer(proposal));
        }
        if p.status != ProposalStatus::Voting {
            return Err(GovernanceError::VotingClosed {
                proposal,
                status: p.status.as_str(),
            });
        }
        if !self.votes_on(proposal).is_empty() {
            return Err(GovernanceError::AlreadyVoted(proposal));
        }
        self.release_deposit(&p, false)?;
        self.gov_queue.remove(&(p.voting_ends, proposal));
        if let Some(rec) = self.proposals.get_mut(&proposal) {
            rec.status = ProposalStatus::Cancelled;
        }
        Ok(())
    }

    /// Returns (or burns) a proposal's reserved deposit.
    fn release_deposit(&mut self, p: &Proposal, burn: bool) -> Result<(), GovernanceError> {
        let g = self.globals_mut();
        g.total_deposits = g
            .total_deposits
            .checked_sub(p.deposit)
            .ok_or(GovernanceError::Overflow)?;
        if burn {
            g.total_issuance = g.total_issuance.saturating_sub(p.deposit);
            g.total_burned = g
                .total_burned
                .checked_add(p.deposit)
                .unwrap_or(g.total_burned);
            Ok(())
        } else {
            self.credit(&p.proposer, p.deposit)
                .map_err(|_| GovernanceError::Overflow)
        }
    }

    /// The governance part of the block step: tallies and executions due at `now`.
    pub(crate) fn governance_step(&mut self, now: BlockNumber) -> Vec<GovEvent> {
        let due: Vec<((BlockNumber, u64), GovTask)> = self
            .gov_queue
            .range(..=(now, u64::MAX))
            .map(|(k, v)| (*k, *v))
            .collect();
        let mut events = Vec::new();
        for (key, task) in due {
            self.gov_queue.remove(&key);
            let id = key.1;
            let status = match task {
                GovTask::Tally => self.close_voting(id, now),
                GovTask::Execute => self.execute_proposal(id),
            };
            if let Some(status) = status {
                events.push(GovEvent {
                    proposal: id,
                    status: status.clone(),
                });
                if status == ProposalStatus::Passed {
                    // A zero delay executes right away.
                    if let Some(p) = self.proposals.get(&id) {
                        if p.execute_at <= now {
                            if let Some(s) = self.execute_proposal(id) {
                                events.push(GovEvent {
                                    proposal: id,
                                    status: s,
                                });
                            }
                        } else {
                            let at = p.execute_at;
                            self.gov_queue.insert((at, id), GovTask::Execute);
                        }
                    }
                }
            }
        }
        events
    }

    /// Tallies a proposal at the end of its voting period; returns its new status.
    fn close_voting(&mut self, id: u64, _now: BlockNumber) -> Option<ProposalStatus> {
        let p = self.proposals.get(&id)?.clone();
        if p.status != ProposalStatus::Voting {
            return None;
        }
        let tally = self.gov_tally(id)?;
        let total = u128::from(tally.total_stake.0);
        let burn = tally.turnout() * u128::from(PPB)
            < u128::from(self.params().gov_burn_below_ppb) * total;
        // Cannot fail: the deposit was counted in total_deposits when it was reserved.
        let _ = self.release_deposit(&p, burn);
        let status = if !tally.quorum_met {
            ProposalStatus::Expired
        } else if tally.approved {
            ProposalStatus::Passed
        } else {
            ProposalStatus::Rejected
        };
        if let Some(rec) = self.proposals.get_mut(&id) {
            rec.status = status.clone();
            rec.tally = Some(tally);
            rec.deposit_burned = burn;
        }
        Some(status)
    }

    /// Executes a passed proposal; returns `Executed` or `Failed(reason)`.
    fn execute_proposal(&mut self, id: u64) -> Option<ProposalStatus> {
        let p = self.proposals.get(&id)?.clone();
        if p.status != ProposalStatus::Passed {
            return None;
        }
        let status = match self.try_execute(&p.action) {
            Ok(()) => ProposalStatus::Executed,
            Err(mut reason) => {
                if reason.len() > MAX_REASON {
                    let mut cut = MAX_REASON;
                    while !reason.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    reason.truncate(cut);
                }
                ProposalStatus::Failed(reason)
            }
        };
        if let Some(rec) = self.proposals.get_mut(&id) {
            rec.status = status.clone();
        }
        Some(status)
    }

    fn try_execute(&mut self, action: &ProposalAction) -> Result<(), String> {
        match action {
            ProposalAction::SetParams(updates) => {
                let current = self.params().clone();
                let next = self
                    .check_updates(&current, updates)
                    .map_err(|e| e.to_string())?;
                self.globals_mut().params = next;
                Ok(())
            }
            ProposalAction::TreasurySpend { to, amount } => {
                let treasury = self.treasury_balance();
                let rest = treasury.checked_sub(*amount).ok_or_else(|| {
                    format!("the treasury holds {treasury} TAO; the spend needs {amount} TAO")
                })?;
                let snapshot = self.clone();
                self.globals_mut().treasury = rest;
                let paid = if *to == treasury_account() {
                    self.credit_treasury(*amount).map_err(|e| e.to_string())
                } else {
                    self.credit(to, *amount).map_err(|e| e.to_string())
                };
                if let Err(e) = paid {
                    *self = snapshot;
                    return Err(e);
                }
                Ok(())
            }
            ProposalAction::Text => Ok(()),
            ProposalAction::ScheduleUpgrade(u) => {
                let now = self.globals.height;
                self.check_upgrade(u, now).map_err(|e| e.to_string())?;
                self.globals_mut().pending_upgrade = Some(u.clone());
                Ok(())
            }
            ProposalAction::CancelUpgrade { version } => {
                let now = self.globals.height;
                match self.pending_upgrade() {
                    Some(u) if u.version == *version && u.height > now + 1 => {
                        self.globals_mut().pending_upgrade = None;
                        Ok(())
                    }
                    Some(u) if u.version == *version => Err(format!(
                        "the upgrade to protocol v{version} takes effect at block {}: too late to cancel",
                        u.height
                    )),
                    _ => Err(GovernanceError::NoSuchUpgrade(*version).to_string()),
                }
            }
        }
    }

    /// The checks of a scheduled upgrade executed in block `executes_at` (rules of
    /// [`crate::upgrade`]).
    fn check_upgrade(&self, u: &Upgrade, executes_at: BlockNumber) -> Result<(), GovernanceError> {
        let current = self.protocol_version();
        if u.version != current.saturating_add(1) {
            return Err(GovernanceError::UpgradeVersion {
                version: u.version,
                current,
            });
        }
        if let Some(p) = self.pending_upgrade() {
            return Err(GovernanceError::UpgradeAlreadyScheduled {
                version: p.version,
                height: p.height,
            });
        }
        Upgrade::check_name(&u.name).map_err(GovernanceError::UpgradeName)?;
        // The upgrade takes effect in a later block than the one executing the proposal.
        if u.height <= executes_at.saturating_add(1) {
            return Err(GovernanceError::UpgradeTooSoon {
                height: u.height,
                executes_at,
            });
        }
        Ok(())
    }
}
