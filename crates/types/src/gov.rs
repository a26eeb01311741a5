//! Governance and treasury types: parameter updates, proposals, votes and tallies.
//!
//! # Rules
//! - A proposal carries one [`ProposalAction`]: a list of chain-parameter changes
//!   ([`ParamUpdate`], at most [`MAX_PARAM_UPDATES`]), a treasury spend, plain text, or the
//!   scheduling or cancelling of a protocol upgrade ([`crate::protocol`]); and a description
//!   of at most [`MAX_DESCRIPTION`] bytes.
//! - The parameter updates, their bounds and [`apply_all`] are declared with the parameters
//!   in [`crate::params`] (one table row per parameter) and re-exported here.
//! - Ratios are integers in parts per billion ([`PPB`]); nothing here uses floating point.
//! - The treasury is addressed by [`treasury_account`]: SHA-256 of `"taonet/treasury"`, a
//!   key nobody holds. Its balance is the state's treasury total.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::codec::{read_str, read_vec, str_size, write_str};
use crate::protocol::Upgrade;
use crate::{AccountId, BlockNumber, Hash, Rao};

pub use crate::params::{
    MAX_BLOCK_BYTES_LIMIT, MAX_BLOCK_TRANSACTIONS_LIMIT, MAX_JAIL_EPOCHS, MAX_PERIOD,
    MAX_SLASH_FRACTION_PPB, MIN_MISSED_VOTES_JAIL_PPB, PARAM_NAMES, PPB, ParamError, ParamUpdate,
    apply_all,
};

/// Longest proposal description in bytes.
pub const MAX_DESCRIPTION: usize = 2048;
/// Most parameter changes in one proposal.
pub const MAX_PARAM_UPDATES: usize = 32;
/// Longest recorded failure reason in bytes.
pub const MAX_REASON: usize = 512;
/// The preimage of the treasury account id.
pub const TREASURY_SEED: &[u8] = b"taonet/treasury";
/// The treasury's well-known account id: SHA-256 of [`TREASURY_SEED`].
pub fn treasury_account() -> AccountId {
    AccountId(Hash::digest(TREASURY_SEED).0)
}

/// What a proposal does if it passes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalAction {
    /// Change chain parameters (applied in order, all or nothing).
    SetParams(Vec<ParamUpdate>),
    /// Pay `amount` from the treasury to `to`.
    TreasurySpend {
        /// The account credited with `amount` as free balance.
        to: AccountId,
        /// Rao paid out of the treasury: non-zero and, when proposed, at most its balance
        /// (execution fails if the treasury holds less by then).
        amount: Rao,
    },
    /// A signalling proposal: nothing is executed.
    Text,
    /// Schedule a protocol upgrade ([`crate::protocol`]): blocks from `height` on run under
    /// `version`, the next protocol version.
    ScheduleUpgrade(Upgrade),
    /// Cancel the scheduled upgrade to `version` (before its height).
    CancelUpgrade {
        /// The version of the scheduled upgrade.
        version: u32,
    },
}

impl Write for ProposalAction {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            ProposalAction::SetParams(u) => {
                0u8.write(buf);
                u.write(buf);
            }
            ProposalAction::TreasurySpend { to, amount } => {
                1u8.write(buf);
                to.write(buf);
                amount.write(buf);
            }
            ProposalAction::Text => 2u8.write(buf),
            ProposalAction::ScheduleUpgrade(u) => {
                3u8.write(buf);
                u.write(buf);
            }
            ProposalAction::CancelUpgrade { version } => {
                4u8.write(buf);
                version.write(buf);
            }
        }
    }
}

impl EncodeSize for ProposalAction {
    fn encode_size(&self) -> usize {
        1 + match self {
            ProposalAction::SetParams(u) => u.encode_size(),
            ProposalAction::TreasurySpend { .. } => 40,
            ProposalAction::Text => 0,
            ProposalAction::ScheduleUpgrade(u) => u.encode_size(),
            ProposalAction::CancelUpgrade { .. } => 4,
        }
    }
}

impl Read for ProposalAction {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => ProposalAction::SetParams(read_vec(buf, MAX_PARAM_UPDATES)?),
            1 => ProposalAction::TreasurySpend {
                to: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            },
            2 => ProposalAction::Text,
            3 => ProposalAction::ScheduleUpgrade(Upgrade::read(buf)?),
            4 => ProposalAction::CancelUpgrade {
                version: u32::read(buf)?,
            },
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A coldkey's choice on a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// In favour: counts towards the quorum and for approval.
    Aye,
    /// Against: counts towards the quorum and against approval.
    Nay,
    /// Counts towards the quorum only.
    Abstain,
}

impl VoteKind {
    /// `aye`, `nay` or `abstain`.
    pub fn as_str(&self) -> &'static str {
        match self {
            VoteKind::Aye => "aye",
            VoteKind::Nay => "nay",
            VoteKind::Abstain => "abstain",
        }
    }
}

impl Write for VoteKind {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            VoteKind::Aye => 0,
            VoteKind::Nay => 1,
            VoteKind::Abstain => 2,
        };
        tag.write(buf);
    }
}

impl EncodeSize for VoteKind {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for VoteKind {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => VoteKind::Aye,
            1 => VoteKind::Nay,
            2 => VoteKind::Abstain,
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A coldkey's vote on a proposal (a state record; the last vote cast counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    /// The choice the coldkey made.
    pub vote: VoteKind,
    /// Block it was cast (or last changed).
    pub block: BlockNumber,
}

crate::plain_codec!(VoteRecord {
    vote: VoteKind,
    block: BlockNumber,
});

/// Stake counted for a proposal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Stake voting aye (direct and delegated).
    pub aye: Rao,
    /// Stake voting nay.
    pub nay: Rao,
    /// Stake abstaining.
    pub abstain: Rao,
    /// Total stake of the chain when counted.
    pub total_stake: Rao,
    /// Turnout ≥ quorum.
    pub quorum_met: bool,
    /// Quorum met and aye / (aye + nay) > threshold.
    pub approved: bool,
}

crate::plain_codec!(Tally {
    aye: Rao,
    nay: Rao,
    abstain: Rao,
    total_stake: Rao,
    quorum_met: bool,
    approved: bool,
});

impl Tally {
    /// aye + nay + abstain.
    pub fn turnout(&self) -> u128 {
        u128::from(self.aye.0) + u128::from(self.nay.0) + u128::from(self.abstain.0)
    }
}

/// Where a proposal is in its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum ProposalStatus {
    /// Open for votes.
    Voting,
    /// Approved; waiting for its execution block.
    Passed,
    /// Quorum met but not approved.
    Rejected,
    /// Approved and executed (a text proposal executes without effect).
    Executed,
    /// Approved, but its execution failed (the reason is recorded).
    Failed(String),
    /// The quorum was not reached.
    Expired,
    /// Withdrawn by the proposer before any vote.
    Cancelled,
}

impl ProposalStatus {
    /// A short lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalStatus::Voting => "voting",
            ProposalStatus::Passed => "passed",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Executed => "executed",
            ProposalStatus::Failed(_) => "failed",
            ProposalStatus::Expired => "expired",
            ProposalStatus::Cancelled => "cancelled",
        }
    }
}

impl Write for ProposalStatus {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            ProposalStatus::Voting => 0,
            ProposalStatus::Passed => 1,
            ProposalStatus::Rejected => 2,
            ProposalStatus::Executed => 3,
            ProposalStatus::Failed(_) => 4,
            ProposalStatus::Expired => 5,
            ProposalStatus::Cancelled => 6,
        };
        tag.write(buf);
        if let ProposalStatus::Failed(reason) = self {
            write_str(reason, buf);
        }
    }
}

impl EncodeSize for ProposalStatus {
    fn encode_size(&self) -> usize {
        1 + match self {
            ProposalStatus::Failed(reason) => str_size(reason),
            _ => 0,
        }
    }
}

impl Read for ProposalStatus {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(match u8::read(buf)? {
            0 => ProposalStatus::Voting,
            1 => ProposalStatus::Passed,
            2 => ProposalStatus::Rejected,
            3 => ProposalStatus::Executed,
            4 => ProposalStatus::Failed(read_str(buf, MAX_REASON)?),
            5 => ProposalStatus::Expired,
            6 => ProposalStatus::Cancelled,
            t => return Err(Error::InvalidEnum(t)),
        })
    }
}

/// A proposal (a state record, kept after it closes as the governance history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Its id (0, 1, 2, … in submission order).
    pub id: u64,
    /// The proposing coldkey.
    pub proposer: AccountId,
    /// What it does.
    pub action: ProposalAction,
    /// The proposer's explanation (at most [`MAX_DESCRIPTION`] bytes).
    pub description: String,
    /// Deposit reserved from the proposer.
    pub deposit: Rao,
    /// Whether the deposit was burned at the tally (else it was returned).
    pub deposit_burned: bool,
    /// Block it was submitted.
    pub submitted: BlockNumber,
    /// Last block of its voting period (the tally runs at its end).
    pub voting_ends: BlockNumber,
    /// Block at whose end it executes if passed.
    pub execute_at: BlockNumber,
    /// Where it is in its life: voting, then its outcome.
    pub status: ProposalStatus,
    /// The final tally (set at the end of the voting period).
    pub tally: Option<Tally>,
}

impl Write for Proposal {
    fn write(&self, buf: &mut impl BufMut) {
        self.id.write(buf);
        self.proposer.write(buf);
        self.action.write(buf);
        write_str(&self.description, buf);
        self.deposit.write(buf);
        self.deposit_burned.write(buf);
        self.submitted.write(buf);
        self.voting_ends.write(buf);
        self.execute_at.write(buf);
        self.status.write(buf);
        self.tally.write(buf);
    }
}

impl EncodeSize for Proposal {
    fn encode_size(&self) -> usize {
        8 + 32
            + self.action.encode_size()
            + str_size(&self.description)
            + 8
            + 1
            + 8 * 3
            + self.status.encode_size()
            + self.tally.encode_size()
    }
}

impl Read for Proposal {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Proposal {
            id: u64::read(buf)?,
            proposer: AccountId::read(buf)?,
            action: ProposalAction::read(buf)?,
            description: read_str(buf, MAX_DESCRIPTION)?,
            deposit: Rao::read(buf)?,
            deposit_burned: bool::read(buf)?,
            submitted: u64::read(buf)?,
            voting_ends: u64::read(buf)?,
            execute_at: u64::read(buf)?,
            status: ProposalStatus::read(buf)?,
            tally: Option::<Tally>::read(buf)?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{DecodeExt, Encode};

    #[test]
    fn treasury_account_is_fixed() {
        assert_eq!(treasury_account().0, Hash::digest(b"taonet/treasury").0);
    }

    #[test]
    fn proposals_round_trip() {
        let prop = Proposal {
            id: 3,
            proposer: AccountId([1; 32]),
            action: ProposalAction::SetParams(vec![ParamUpdate::TxByteFee(Rao(1))]),
            description: "cheaper bytes".into(),
            deposit: Rao(10),
            deposit_burned: false,
            submitted: 1,
            voting_ends: 2,
            execute_at: 3,
            status: ProposalStatus::Failed("no".into()),
            tally: Some(Tally::default()),
        };
        let bytes = prop.encode();
        assert_eq!(bytes.len(), prop.encode_size());
        assert_eq!(Proposal::decode(bytes).unwrap(), prop);
        let json = serde_json::to_string(&prop).unwrap();
        assert_eq!(serde_json::from_str::<Proposal>(&json).unwrap(), prop);
    }
}
