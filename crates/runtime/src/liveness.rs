//! Liveness: which seats voted, per consensus epoch, and jailing the seats that did not.
//!
//! # Rules
//! - Every block from height 2 on may carry [`ParentVotes`]: consensus votes for its parent
//!   (height `h − 1`, consensus epoch `E = ⌊(h − 1) / L⌋`), signed by seats of `E`. Blocks at
//!   heights 0 and 1 carry none (the genesis block is never voted on): `Unexpected`.
//! - Carried votes are checked in full, like evidence ([`crate::evidence`]), or the block is
//!   invalid:
//!   1. the seat set of `E` is stored (`UnknownEpoch`);
//!   2. seat indices are strictly increasing (`NotSorted`) and name seats of `E`
//!      (`UnknownSeat`) whose key is a valid ed25519 key (`InvalidKey`);
//!   3. each signature verifies — the message commonware simplex signs for a notarize
//!      (resp. finalize) vote of the proposal `(E, view, parent_view, parent hash)` under the
//!      engine's namespace for that kind of vote, which the node supplies in the
//!      [`Domain`] (`BadSignature`; a domain without vote namespaces verifies no vote, see
//!      [`crate::domain`]);
//!   4. there are at least `q = n − ⌊(n − 1) / 3⌋` votes, `n` the number of seats of `E`
//!      with a valid key — the quorum every notarization has, so an honest proposer always
//!      has that many (`BelowQuorum`).
//!
//!   A proposer can therefore only *omit* votes of at most `n − q` seats per block (never
//!   invent a vote, never drop a block below quorum); it cannot hurt a seat more than the
//!   share of blocks it proposes.
//! - Participation of epoch `E` ([`Participation`], a state record): `counted` = blocks of
//!   `E` whose votes were carried by their child, and per seat of `E` (same order as
//!   [`SeatSet::seats`](taonet_types::SeatSet::seats)) the number of those blocks it voted
//!   for (a notarize or a finalize). A block without votes counts for nobody.
//! - At the end of epoch `E` (its last block, before the seats of `E + 2` are elected), a seat
//!   that missed more than `missed_votes_jail_ppb` of the counted blocks —
//!   `(counted − voted) · 10⁹ > missed_votes_jail_ppb · counted` — is jailed for `jail_epochs`
//!   without a slash ([`crate::slashing`], reason `liveness`), so it is left out of that
//!   election. Only epochs with `counted ≥ max(1, ⌊(L − 1) / 2⌋)` are judged (too few counted
//!   blocks say little about a seat). The votes for the last block of `E` arrive in the first
//!   block of `E + 1`: they are recorded in `E`'s participation but are not judged.
//!   A hotkey already jailed is left as it is.
//! - Participation records are kept for the epochs whose seat sets are kept
//!   ([`crate::seats::SEAT_SETS_KEPT`]).

use commonware_codec::{Buf, Copying, DecodeExt, EncodeSize, Error, Read, ReadExt, Write};
use commonware_cryptography::Verifier;
use commonware_cryptography::ed25519::{PublicKey, Signature};
use serde::Serialize;
use taonet_types::block::MAX_SEATS;
use taonet_types::evidence::VoteProposal;
use taonet_types::gov::PPB;
use taonet_types::{AccountId, BlockNumber, Hash, ParentVoteKind, ParentVotes};

use crate::domain::Domain;
use crate::evidence::{VoteKind, vote_message};
use crate::seats::SEAT_SETS_KEPT;
use crate::slashing::JailReason;
use crate::state::State;

/// Why the parent votes a block carries are refused (numbered as the checks in the module
/// doc); any of them makes the block invalid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum LivenessError {
    /// Votes in a block whose parent is never voted on (heights 0 and 1); the field is the
    /// block's height.
    #[error("block {0} cannot carry parent votes: its parent is the genesis block")]
    Unexpected(BlockNumber),
    /// The seat set of the parent's epoch (the field) is not stored.
    #[error("the seats of consensus epoch {0} are not known")]
    UnknownEpoch(u64),
    /// Fewer votes than a quorum of the parent epoch's seats.
    #[error("the block carries {got} parent votes; a quorum is {needed}")]
    BelowQuorum {
        /// The number of votes the block carries.
        got: usize,
        /// The quorum `q` of the parent epoch's seats with a valid key.
        needed: usize,
    },
    /// Seat indices not strictly increasing.
    #[error("parent votes must be sorted by seat index without repeats")]
    NotSorted,
    /// A seat index outside the epoch's seat set.
    #[error("parent vote names seat {seat}, which consensus epoch {epoch} does not have")]
    UnknownSeat {
        /// The parent's consensus epoch.
        epoch: u64,
        /// The seat index the vote names.
        seat: u16,
    },
    /// The key of the seat (the field, a seat index) is not a valid ed25519 key.
    #[error("seat {0} has no valid ed25519 key")]
    InvalidKey(u16),
    /// The vote of the seat (the field, a seat index) does not verify.
    #[error("the parent vote of seat {0} does not verify")]
    BadSignature(u16),
}

/// How the seats of one consensus epoch voted (module rules).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// Blocks of the epoch whose votes were carried by their child.
    pub counted: u32,
    /// Per seat (in seat-set order): counted blocks it voted for.
    pub voted: Vec<u32>,
}

impl Write for Participation {
    fn write(&self, buf: &mut impl bytes::BufMut) {
        self.counted.write(buf);
        self.voted.write(buf);
    }
}

impl EncodeSize for Participation {
    fn encode_size(&self) -> usize {
        self.counted.encode_size() + self.voted.encode_size()
    }
}

impl Read for Participation {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Participation {
            counted: u32::read(buf)?,
            voted: taonet_types::codec::read_vec(buf, MAX_SEATS)?,
        })
    }
}

impl Participation {
    /// Counted blocks seat `seat` did not vote for.
    pub fn missed(&self, seat: usize) -> u32 {
        self.counted
            .saturating_sub(self.voted.get(seat).copied().unwrap_or(0))
    }

    /// Missed share of seat `seat` in parts per billion (0 when nothing was counted).
    pub fn missed_ppb(&self, seat: usize) -> u32 {
        if self.counted == 0 {
            return 0;
        }
        let ppb = u128::from(self.missed(seat)) * u128::from(PPB) / u128::from(self.counted);
        u32::try_from(ppb).unwrap_or(PPB)
    }
}

/// The votes a quorum of `n` seats needs: `n − ⌊(n − 1) / 3⌋` (zero for no seats).
pub fn quorum(n: usize) -> usize {
    if n == 0 { 0 } else { n - (n - 1) / 3 }
}

impl State {
    /// The participation record of consensus epoch `epoch`, if any block of it was counted.
    pub fn participation(&self, epoch: u64) -> Option<&Participation> {
        self.participation.get(&epoch)
    }

    /// Checks the parent votes a block at `height` with parent `parent` carries (module
    /// rules), on the state of the parent. Returns the parent's consensus epoch.
    pub fn check_parent_votes(
        &self,
        domain: &Domain,
        height: BlockNumber,
        parent: &Hash,
        votes: &ParentVotes,
    ) -> Result<u64, LivenessError> {
        if height < 2 {
            return Err(LivenessError::Unexpected(height));
        }
        let epoch = self.consensus_epoch(height - 1);
        let set = self
            .seats(epoch)
            .ok_or(LivenessError::UnknownEpoch(epoch))?;
        // Each key is decoded (a point decompression) once.
        let keys: Vec<Option<PublicKey>> = set
            .seats
            .iter()
            .map(|s| PublicKey::decode(Copying(&s.consensus_key[..])).ok())
            .collect();
        let needed = quorum(keys.iter().flatten().count());
        if votes.votes.len() < needed {
            return Err(LivenessError::BelowQuorum {
                got: votes.votes.len(),
                needed,
            });
        }
        let proposal = VoteProposal {
            parent: votes.parent_view,
            payload: *parent,
        };
        let message = vote_message(epoch, votes.view, Some(&proposal));
        let mut previous: Option<u16> = None;
        for vote in &votes.votes {
            if previous.is_some_and(|p| vote.seat <= p) {
                return Err(LivenessError::NotSorted);
            }
            previous = Some(vote.seat);
            let key = keys
                .get(usize::from(vote.seat))
                .ok_or(LivenessError::UnknownSeat {
                    epoch,
                    seat: vote.seat,
                })?
                .as_ref()
                .ok_or(LivenessError::InvalidKey(vote.seat))?;
            let signature = Signature::decode(Copying(&vote.signature[..]))
                .map_err(|_| LivenessError::BadSignature(vote.seat))?;
            let kind = match vote.kind {
                ParentVoteKind::Notarize => VoteKind::Notarize,
                ParentVoteKind::Finalize => VoteKind::Finalize,
            };
            let ns = domain
                .vote_namespace(kind)
                .ok_or(LivenessError::BadSignature(vote.seat))?;
            if !key.verify(ns, &message, &signature) {
                return Err(LivenessError::BadSignature(vote.seat));
            }
        }
        Ok(epoch)
    }

    /// Checks and counts the parent votes of the block at `height` (module rules).
    pub(crate) fn record_parent_votes(
        &mut self,
        domain: &Domain,
        height: BlockNumber,
        parent: &Hash,
        votes: Option<&ParentVotes>,
    ) -> Result<(), LivenessError> {
        let Some(votes) = votes else {
            return Ok(());
        };
        let epoch = self.check_parent_votes(domain, height, parent, votes)?;
        let seats = self.seats(epoch).map_or(0, |s| s.seats.len());
        let mut record = self.participation.get(&epoch).cloned().unwrap_or_default();
        record.voted.resize(seats, 0);
        record.counted = record.counted.saturating_add(1);
        for vote in &votes.votes {
            if let Some(v) = record.voted.get_mut(usize::from(vote.seat)) {
                *v = v.saturating_add(1);
            }
        }
        self.participation.insert(epoch, record);
        Ok(())
    }

    /// At the last block of a consensus epoch: jails the seats of the epoch that missed too
    /// many votes (module rules) and prunes old records. Returns the newly jailed hotkeys.
    pub(crate) fn liveness_step(&mut self, height: BlockNumber) -> Vec<AccountId> {
        let epoch = self.consensus_epoch(height);
        if epoch >= SEAT_SETS_KEPT {
            self.participation.remove_below(&(epoch - SEAT_SETS_KEPT));
        }
        let p = self.params();
        let threshold = p.missed_votes_jail_ppb;
        let jail_epochs = p.jail_epochs;
        let least = (p.consensus_epoch_length.saturating_sub(1) / 2).max(1);
        let (Some(record), Some(set)) = (self.participation.get(&epoch), self.seats(epoch)) else {
            return Vec::new();
        };
        if u64::from(record.counted) < least {
            return Vec::new();
        }
        let offline: Vec<AccountId> = set
            .seats
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                u128::from(record.missed(*i)) * u128::from(PPB)
                    > u128::from(threshold) * u128::from(record.counted)
            })
            .map(|(_, s)| self.current_hotkey(&s.hotkey))
            .filter(|h| !self.is_jailed(h))
            .collect();
        offline
            .into_iter()
            .filter(|h| self.jail(h, jail_epochs, JailReason::Liveness).is_ok())
            .collect()
    }
}
