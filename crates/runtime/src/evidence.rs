//! Equivocation evidence: `consensus.report_equivocation`, verified by every node.
//!
//! # Rules
//! - Anyone may report (the call pays the normal fee; a refused report still pays it). The
//!   runtime checks the evidence itself, without the consensus engine:
//!   1. Shape: `Notarize`/`Finalize` carry a proposal in both votes, `NullifyFinalize` a
//!      nullify (`a`, no proposal) and a finalize (`b`, a proposal) — else `Malformed`.
//!   2. Conflict: two notarize (resp. finalize) votes must be for different proposals
//!      (`NotAConflict`); a nullify and a finalize of one round always conflict.
//!   3. Epoch: consensus epoch `E` covers heights `[E·L, (E+1)·L)`. An epoch starting after
//!      the current height is refused (`FutureOffence`); one whose last block is older than
//!      the unbonding window is refused as stale (`StaleOffence`). The seat set of `E` must
//!      still be stored (`UnknownEpoch`) and contain `key` (`NotASeat`); the seat gives the
//!      offending hotkey.
//!   4. Signatures: both messages are rebuilt byte for byte as commonware simplex signs
//!      them — ed25519 over `varint(len(ns)) ‖ ns ‖ msg`, `ns` = the namespace of the vote's
//!      kind, which the runtime does not define but takes from the [`Domain`]'s vote
//!      namespaces (supplied by the node from the engine's own derivation, see
//!      [`crate::domain`]; without them no vote verifies), `msg` = `varint(epoch) ‖
//!      varint(view)` for a nullify, followed by `varint(parent) ‖ payload (32 bytes)` for a
//!      notarize or finalize — and verified against `key` with commonware-cryptography's ed25519 (the
//!      very verifier the engine uses, so the runtime accepts exactly what the engine
//!      accepts). `InvalidKey` / `BadSignature` otherwise.
//!   5. One slash per seat per view: the offence is the seat's double voting in round
//!      (epoch, view), whatever the vote kinds. Evidence of any kind for a seat and view
//!      already slashed under another kind (a notarize conflict, then a finalize or a
//!      nullify/finalize conflict of the same view) is refused (`SeatAlreadySlashedInView`);
//!      the same kind again is `AlreadyProcessed` (below). The ids of the three kinds are
//!      [`view_offence_ids`]; each is O(log n) to look up.
//!   6. Slash: [`State::slash_offence`] with the offence id
//!      [`Equivocation::offence_id`] (kind, epoch, view, key — not the signatures, so the
//!      same offence cannot be slashed twice under another signature pair:
//!      `AlreadyProcessed`) and the offence block `max(E·L, height − unbonding_period)`.
//! - Evidence is accepted for as long as the stake it reaches can still be bonded: refused
//!   as stale only once the epoch's last block is older than the unbonding window
//!   (`StaleOffence`, which names the oldest block still in the window). Seat sets are kept
//!   that long ([`State::seat_sets_kept`]), and a processed offence is kept until its epoch's
//!   seat set is pruned ([`crate::slashing`]), so a report cannot be repeated after its
//!   record is forgotten. `UnknownEpoch` only remains for an epoch whose seats were pruned
//!   before governance lengthened the window.
//! - The offence block: a vote carries no block height, only its epoch, so the offence is
//!   somewhere in `[E·L, (E+1)·L)`. The runtime takes the first block of the epoch — the
//!   stake backing a seat is at risk for the whole epoch the seat is held — but no earlier
//!   than the oldest block still in the unbonding window (unbonding entries that started
//!   before it have been paid out, so nothing is lost by the clamp, and the offence is not
//!   refused as stale while part of its epoch is still in the window).
//!   With the development chain's parameters (consensus epochs of 50 blocks, unbonding of 20)
//!   evidence must be reported within 20 blocks after the end of its epoch; production
//!   parameters should keep `unbonding_period` well above `consensus_epoch_length`.

use commonware_codec::varint::UInt;
use commonware_codec::{Copying, DecodeExt, Write};
use commonware_cryptography::Verifier;
use commonware_cryptography::ed25519::{PublicKey, Signature};
use serde::Serialize;
use taonet_types::evidence::{Equivocation, EquivocationKind, SignedVote, VoteProposal};
use taonet_types::{BlockNumber, Hash};

use crate::domain::Domain;
use crate::slashing::SlashReport;
use crate::slashing::SlashingError;
use crate::state::State;

/// Why equivocation evidence was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceError {
    /// The votes do not have the shape the evidence kind requires; the text says how.
    #[error("malformed evidence: {0}")]
    Malformed(&'static str),
    /// The two votes are for the same proposal.
    #[error("the two votes are for the same proposal: no conflict")]
    NotAConflict,
    /// The seat set of the epoch (the field) is not, or no longer, stored.
    #[error("the seats of consensus epoch {0} are not known")]
    UnknownEpoch(u64),
    /// The key held no seat in the epoch.
    #[error("key 0x{} held no seat in consensus epoch {epoch}", hex::encode(key))]
    NotASeat {
        /// The consensus epoch of the votes.
        epoch: u64,
        /// The offender's consensus key.
        key: [u8; 32],
    },
    /// The key is not a valid ed25519 public key.
    #[error("the offender key is not a valid ed25519 public key")]
    InvalidKey,
    /// A vote's signature does not verify; the field names the vote (`a` or `b`).
    #[error("the signature of vote `{0}` does not verify")]
    BadSignature(&'static str),
    /// The seat was already slashed for this view (under evidence of another kind): a seat
    /// is slashed at most once per view.
    #[error(
        "key 0x{} was already slashed for consensus epoch {epoch} view {view} (on {reported} evidence, at block {slashed_at}); a seat is slashed at most once per view",
        hex::encode(key)
    )]
    SeatAlreadySlashedInView {
        /// The consensus epoch of the votes.
        epoch: u64,
        /// The view of the votes.
        view: u64,
        /// The seat's consensus key.
        key: [u8; 32],
        /// The kind of the evidence that was slashed.
        reported: &'static str,
        /// Block of that slash.
        slashed_at: BlockNumber,
    },
    /// The offence cannot be slashed (duplicate, stale, future, unknown hotkey).
    #[error(transparent)]
    Slashing(#[from] SlashingError),
}

/// The kind of one vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteKind {
    /// A notarize vote.
    Notarize,
    /// A finalize vote.
    Finalize,
    /// A nullify vote.
    Nullify,
}

/// The message a vote signs: the round (`varint(epoch) ‖ varint(view)`), followed for a
/// notarize or finalize by the proposal's `varint(parent) ‖ payload`.
pub fn vote_message(epoch: u64, view: u64, proposal: Option<&VoteProposal>) -> Vec<u8> {
    let mut msg = Vec::with_capacity(10 + 10 + 10 + 32);
    UInt(epoch).write(&mut msg);
    UInt(view).write(&mut msg);
    if let Some(p) = proposal {
        UInt(p.parent).write(&mut msg);
        msg.extend_from_slice(&p.payload.0);
    }
    msg
}

/// The two votes' kinds and proposals, checked against the evidence kind (rules 1 and 2).
fn check_conflict(
    e: &Equivocation,
) -> Result<[(VoteKind, Option<&VoteProposal>); 2], EvidenceError> {
    match e.kind {
        EquivocationKind::Notarize | EquivocationKind::Finalize => {
            let vote = if e.kind == EquivocationKind::Notarize {
                VoteKind::Notarize
            } else {
                VoteKind::Finalize
            };
            let (Some(pa), Some(pb)) = (e.a.proposal.as_ref(), e.b.proposal.as_ref()) else {
                return Err(EvidenceError::Malformed(
                    "notarize and finalize votes must carry a proposal",
                ));
            };
            if pa == pb {
                return Err(EvidenceError::NotAConflict);
            }
            Ok([(vote, Some(pa)), (vote, Some(pb))])
        }
        EquivocationKind::NullifyFinalize => match (&e.a.proposal, &e.b.proposal) {
            (None, Some(pb)) => Ok([(VoteKind::Nullify, None), (VoteKind::Finalize, Some(pb))]),
            _ => Err(EvidenceError::Malformed(
                "nullify_finalize needs a nullify (no proposal) as `a` and a finalize as `b`",
            )),
        },
    }
}

fn verify_vote(
    domain: &Domain,
    key: &PublicKey,
    e: &Equivocation,
    kind: VoteKind,
    proposal: Option<&VoteProposal>,
    vote: &SignedVote,
    which: &'static str,
) -> Result<(), EvidenceError> {
    let signature = Signature::decode(Copying(&vote.signature[..]))
        .map_err(|_| EvidenceError::BadSignature(which))?;
    let ns = domain
        .vote_namespace(kind)
        .ok_or(EvidenceError::BadSignature(which))?;
    let msg = vote_message(e.epoch, e.view, proposal);
    if key.verify(ns, &msg, &signature) {
        Ok(())
    } else {
        Err(EvidenceError::BadSignature(which))
    }
}

fn kind_name(kind: EquivocationKind) -> &'static str {
    match kind {
        EquivocationKind::Notarize => "notarize",
        EquivocationKind::Finalize => "finalize",
        EquivocationKind::NullifyFinalize => "nullify_finalize",
    }
}

/// The offence ids of every kind of equivocation by `e`'s seat in `e`'s round (epoch, view),
/// with their kinds: the offence is the seat's double voting in that view, whatever the
/// kind, so at most one of them is ever slashed (module rules).
pub fn view_offence_ids(e: &Equivocation) -> [(EquivocationKind, Hash); 3] {
    [
        EquivocationKind::Notarize,
        EquivocationKind::Finalize,
        EquivocationKind::NullifyFinalize,
    ]
    .map(|kind| (kind, Equivocation { kind, ..*e }.offence_id()))
}

impl State {
    /// The offence block of an equivocation in consensus epoch `epoch` (module rules), or
    /// why it cannot be slashed now.
    pub fn equivocation_offence_block(&self, epoch: u64) -> Result<BlockNumber, SlashingError> {
        let len = self.params().consensus_epoch_length.max(1);
        let now = self.globals.height;
        let first = epoch.saturating_mul(len);
        if first > now {
            return Err(SlashingError::FutureOffence {
                offence_block: first,
                height: now,
            });
        }
        let last = first.saturating_add(len - 1);
        let oldest = now.saturating_sub(self.params().unbonding_period);
        if last < oldest {
            return Err(SlashingError::StaleOffence {
                offence_block: last,
                oldest,
            });
        }
        Ok(first.max(oldest))
    }

    /// Verifies equivocation evidence (module rules) and slashes and jails the offender.
    /// On error nothing changed.
    pub fn report_equivocation(
        &mut self,
        domain: &Domain,
        e: &Equivocation,
    ) -> Result<SlashReport, EvidenceError> {
        let [(kind_a, prop_a), (kind_b, prop_b)] = check_conflict(e)?;
        let offence_block = self.equivocation_offence_block(e.epoch)?;
        let seats = self
            .seats(e.epoch)
            .ok_or(EvidenceError::UnknownEpoch(e.epoch))?;
        let hotkey = seats
            .seats
            .iter()
            .find(|s| s.consensus_key == e.key)
            .map(|s| s.hotkey)
            .ok_or(EvidenceError::NotASeat {
                epoch: e.epoch,
                key: e.key,
            })?;
        let key = PublicKey::decode(Copying(&e.key[..])).map_err(|_| EvidenceError::InvalidKey)?;
        verify_vote(domain, &key, e, kind_a, prop_a, &e.a, "a")?;
        verify_vote(domain, &key, e, kind_b, prop_b, &e.b, "b")?;
        // One slash per seat per view: a processed report of another kind for the same
        // (epoch, view, key) makes this one a duplicate. (The same kind is refused by
        // `slash` itself as `AlreadyProcessed`.)
        let id = e.offence_id();
        if let Some((other, done)) = view_offence_ids(e)
            .into_iter()
            .filter(|(_, other)| *other != id)
            .find_map(|(kind, other)| Some((kind, *self.offences.get(&other)?)))
        {
            return Err(EvidenceError::SeatAlreadySlashedInView {
                epoch: e.epoch,
                view: e.view,
                key: e.key,
                reported: kind_name(other),
                slashed_at: done.slashed_at,
            });
        }
        Ok(self.slash_offence(&hotkey, id, offence_block)?)
    }
}
