//! The votes this node has seen, per block: what a proposal carries as its parent's votes.
//!
//! # Rules
//! - Every notarize and finalize vote the engine reports (each verified by the attributable
//!   reporter before it gets here), and every signature inside a notarization or finalization
//!   certificate, is recorded under the block it is for (the proposal's payload), its round
//!   (epoch, view, parent view) and its signer (participant index). One vote per signer and
//!   round is kept: the first notarize, or a finalize when no notarize was seen.
//! - [`VoteBook::parent_votes`] turns the votes of one block into the runtime's
//!   [`ParentVotes`]: the round with the most signers (a block re-proposed at an epoch
//!   boundary has votes in several rounds; their messages differ, so one round is carried),
//!   participant indices mapped to seat indices of the epoch's seat set, sorted by seat.
//!   Whether there are enough of them is the runtime's check.
//! - Memory is bounded: the newest [`VoteBook::new`]`(capacity)` blocks are kept.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use commonware_codec::Encode;
use commonware_consensus::simplex::types::{Activity, Proposal};
use commonware_consensus::{Epochable, Viewable};
use commonware_cryptography::sha256;
use commonware_utils::Participant;
use taonet_types::{ParentVote, ParentVoteKind, ParentVotes};

use super::provider::Scheme;

type Digest = sha256::Digest;

/// (epoch, view, parent view) of a proposal.
type Round = (u64, u64, u64);

/// Signer (participant index) → its vote.
type Votes = BTreeMap<u32, (ParentVoteKind, [u8; 64])>;

#[derive(Default)]
struct Inner {
    blocks: BTreeMap<[u8; 32], BTreeMap<Round, Votes>>,
    order: VecDeque<[u8; 32]>,
    capacity: usize,
}

/// The votes seen per block (cheap to clone; clones share it).
#[derive(Clone)]
pub struct VoteBook {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for VoteBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoteBook")
            .field("blocks", &self.lock().blocks.len())
            .finish()
    }
}

impl VoteBook {
    /// A book keeping the votes of the newest `capacity` blocks.
    pub fn new(capacity: usize) -> Self {
        VoteBook {
            inner: Arc::new(Mutex::new(Inner {
                capacity: capacity.max(1),
                ..Inner::default()
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records one vote of participant `signer` for `proposal`.
    pub fn record(
        &self,
        proposal: &Proposal<Digest>,
        signer: Participant,
        kind: ParentVoteKind,
        signature: [u8; 64],
    ) {
        let round = (
            proposal.epoch().get(),
            proposal.view().get(),
            proposal.parent.get(),
        );
        let block = proposal.payload.0;
        let mut inner = self.lock();
        if !inner.blocks.contains_key(&block) {
            inner.order.push_back(block);
            while inner.order.len() > inner.capacity {
                if let Some(old) = inner.order.pop_front() {
                    inner.blocks.remove(&old);
                }
            }
        }
        let votes = inner
            .blocks
            .entry(block)
            .or_default()
            .entry(round)
            .or_default();
        let slot = votes.entry(signer.get()).or_insert((kind, signature));
        if slot.0 == ParentVoteKind::Finalize && kind == ParentVoteKind::Notarize {
            *slot = (kind, signature);
        }
    }

    /// Records the votes an engine activity carries (any other activity is ignored).
    pub fn record_activity(&self, activity: &Activity<Scheme, Digest>) {
        match activity {
            Activity::Notarize(n) => {
                if let Some(sig) = signature_bytes(&n.attestation.signature.encode()) {
                    self.record(
                        &n.proposal,
                        n.attestation.signer,
                        ParentVoteKind::Notarize,
                        sig,
                    );
                }
            }
            Activity::Finalize(f) => {
                if let Some(sig) = signature_bytes(&f.attestation.signature.encode()) {
                    self.record(
                        &f.proposal,
                        f.attestation.signer,
                        ParentVoteKind::Finalize,
                        sig,
                    );
                }
            }
            Activity::Notarization(n) => {
                self.record_certificate(&n.proposal, &n.certificate, ParentVoteKind::Notarize)
            }
            Activity::Finalization(f) => {
                self.record_certificate(&f.proposal, &f.certificate, ParentVoteKind::Finalize)
            }
            _ => {}
        }
    }

    fn record_certificate(
        &self,
        proposal: &Proposal<Digest>,
        certificate: &commonware_cryptography::ed25519::certificate::Certificate,
        kind: ParentVoteKind,
    ) {
        for (signer, signature) in certificate
            .signers
            .iter()
            .zip(certificate.signatures.iter())
        {
            if let Some(sig) = signature_bytes(&signature.encode()) {
                self.record(proposal, signer, kind, sig);
            }
        }
    }

    /// The votes seen for `block` in consensus epoch `epoch`, as a proposal of its child
    /// carries them (module rules). `seat_of` maps a participant index to the seat index of
    /// the epoch's seat set. `None` if no vote of that epoch is known.
    pub fn parent_votes(
        &self,
        block: &[u8; 32],
        epoch: u64,
        seat_of: impl Fn(u32) -> Option<u16>,
    ) -> Option<ParentVotes> {
        let inner = self.lock();
        let rounds = inner.blocks.get(block)?;
        let ((_, view, parent_view), votes) = rounds
            .iter()
            .filter(|((e, _, _), _)| *e == epoch)
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))?;
        let mut carried: Vec<ParentVote> = votes
            .iter()
            .filter_map(|(signer, (kind, signature))| {
                Some(ParentVote {
                    seat: seat_of(*signer)?,
                    kind: *kind,
                    signature: *signature,
                })
            })
            .collect();
        carried.sort_by_key(|v| v.seat);
        carried.dedup_by_key(|v| v.seat);
        Some(ParentVotes {
            view: *view,
            parent_view: *parent_view,
            votes: carried,
        })
    }
}

fn signature_bytes(encoded: &[u8]) -> Option<[u8; 64]> {
    encoded.try_into().ok()
}
