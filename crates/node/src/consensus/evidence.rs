//! Conflicting-vote evidence reported by the consensus engine.
//!
//! # Rules
//! - Every `ConflictingNotarize` (two notarize votes of one seat for different proposals in
//!   one view), `ConflictingFinalize` (two finalize votes, different proposals, one view) and
//!   `NullifyFinalize` (a nullify and a finalize of one seat in one view) the engine reports
//!   is kept. The engine's reporter is wrapped in commonware's `AttributableReporter`, so only
//!   proofs whose signatures verify against the epoch's seats reach the log.
//! - A record holds the epoch, view, offending consensus key, its hotkey (when the seat is
//!   known) and the proof itself: the commonware encoding of both signed messages, checkable
//!   by anyone who knows the epoch's seats (the runtime form is `equivocation`, below).
//! - [`equivocation`] converts a conflict activity into the runtime's
//!   `taonet_types::evidence::Equivocation` (what `consensus.report_equivocation` carries):
//!   round, the offender's key, each vote's proposal (parent view, payload) and its 64-byte
//!   signature, taken from the engine's own votes. Records keep it (`equivocation`, optional
//!   in the JSON lines, so records written before it existed still load), so the evidence
//!   can be submitted as is ([`super::report`] does, when the node has a reporter account).
//!   A test signs conflicting votes with the engine's own scheme (`Notarize::sign`,
//!   `Finalize::sign`, `Nullify::sign`), converts them and has the runtime accept them: the
//!   byte-level check that guards a commonware upgrade.
//! - Records are deduplicated by (kind, epoch, view, key). The newest `capacity` are kept in
//!   memory; with a file, every new record is also appended to it as one JSON line, and the
//!   file is read back on open, so evidence survives restarts.

use std::collections::{HashSet, VecDeque};
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use commonware_actor::Feedback;
use commonware_codec::{Encode, ReadExt as _};
use commonware_consensus::simplex::types::{
    Activity, Attributable, Finalize, Notarize, Nullify, Proposal,
};
use commonware_consensus::{Epochable, Reporter, Viewable};
use commonware_cryptography::certificate::Attestation;
use commonware_cryptography::ed25519::PublicKey;
use commonware_cryptography::sha256;
use serde::{Deserialize, Serialize};
use taonet_types::evidence::{Equivocation, EquivocationKind, SignedVote, VoteProposal};
use taonet_types::{AccountId, Hash};

use super::provider::{Scheme, SeatProvider};

/// What a seat did wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Two notarize votes for different proposals in one view.
    ConflictingNotarize,
    /// Two finalize votes for different proposals in one view.
    ConflictingFinalize,
    /// A nullify and a finalize in one view.
    NullifyFinalize,
}

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What kind of conflict.
    pub kind: EvidenceKind,
    /// Consensus epoch.
    pub epoch: u64,
    /// View within the epoch.
    pub view: u64,
    /// The offender's ed25519 consensus key (hex).
    pub consensus_key: String,
    /// The offender's hotkey, when its seat is known.
    pub hotkey: Option<AccountId>,
    /// The proof: commonware encoding of both signed messages (hex).
    pub proof: String,
    /// The proof as the runtime's evidence (absent in records written before it existed, or
    /// when the offender's key is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivocation: Option<Equivocation>,
}

/// Why the evidence log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Reading or creating the file failed.
    #[error("evidence log {path}: {source}")]
    Io {
        /// The evidence log (JSON lines).
        path: PathBuf,
        /// Why reading or creating it failed.
        source: std::io::Error,
    },
}

struct Inner {
    records: VecDeque<Evidence>,
    seen: HashSet<(EvidenceKind, u64, u64, String)>,
    capacity: usize,
    file: Option<PathBuf>,
}

/// The evidence kept by a node (cheap to clone; all clones share it).
#[derive(Clone)]
pub struct EvidenceLog {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for EvidenceLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceLog")
            .field("len", &self.len())
            .finish()
    }
}

impl EvidenceLog {
    /// An in-memory log keeping the newest `capacity` records.
    pub fn in_memory(capacity: usize) -> Self {
        EvidenceLog {
            inner: Arc::new(Mutex::new(Inner {
                records: VecDeque::new(),
                seen: HashSet::new(),
                capacity: capacity.max(1),
                file: None,
            })),
        }
    }

    /// A log backed by a JSON-lines file (created if missing, read back if present).
    pub fn open(path: &Path, capacity: usize) -> Result<Self, EvidenceError> {
        let log = Self::in_memory(capacity);
        let io = |source| EvidenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for line in text.lines() {
                    // A torn last line (crash while appending) is skipped.
                    if let Ok(e) = serde_json::from_str::<Evidence>(line) {
                        log.insert(e, false);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        log.lock().file = Some(path.to_path_buf());
        Ok(log)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// All kept records, oldest first.
    pub fn all(&self) -> Vec<Evidence> {
        self.lock().records.iter().cloned().collect()
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether no evidence was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a record (ignored if already known). Returns whether it was new.
    pub fn record(&self, evidence: Evidence) -> bool {
        self.insert(evidence, true)
    }

    fn insert(&self, evidence: Evidence, persist: bool) -> bool {
        let mut inner = self.lock();
        let key = (
            evidence.kind,
            evidence.epoch,
            evidence.view,
            evidence.consensus_key.clone(),
        );
        if !inner.seen.insert(key) {
            return false;
        }
        if persist
            && let Some(path) = inner.file.clone()
            && let Ok(line) = serde_json::to_string(&evidence)
        {
            let written = OpenOptions::new()
                .append(true)
                .open(&path)
                .and_then(|mut f| writeln!(f, "{line}").and_then(|()| f.sync_data()));
            if let Err(e) = written {
                tracing::error!(path = %path.display(), error = %e, "could not persist evidence");
            }
        }
        tracing::warn!(kind = ?evidence.kind, epoch = evidence.epoch, view = evidence.view,
            key = %evidence.consensus_key, "conflicting votes: evidence kept");
        inner.records.push_back(evidence);
        while inner.records.len() > inner.capacity {
            inner.records.pop_front();
        }
        true
    }
}

/// The simplex reporter that turns conflict activities into [`Evidence`].
#[derive(Clone)]
pub(crate) struct EvidenceReporter {
    pub(crate) log: EvidenceLog,
    pub(crate) provider: SeatProvider,
    /// Where every verified vote is also recorded.
    pub(crate) votes: super::votes::VoteBook,
}

impl Reporter for EvidenceReporter {
    type Activity = Activity<Scheme, sha256::Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
        self.votes.record_activity(&activity);
        let (kind, epoch, view, signer, proof) = match &activity {
            Activity::ConflictingNotarize(c) => (
                EvidenceKind::ConflictingNotarize,
                c.epoch(),
                c.view(),
                c.signer(),
                c.encode(),
            ),
            Activity::ConflictingFinalize(c) => (
                EvidenceKind::ConflictingFinalize,
                c.epoch(),
                c.view(),
                c.signer(),
                c.encode(),
            ),
            Activity::NullifyFinalize(c) => (
                EvidenceKind::NullifyFinalize,
                c.epoch(),
                c.view(),
                c.signer(),
                c.encode(),
            ),
            _ => return Feedback::Ok,
        };
        let epoch = epoch.get();
        let key = self
            .provider
            .participants(epoch)
            .and_then(|p| p.get(usize::try_from(signer.get()).ok()?).cloned());
        let hotkey = key.as_ref().and_then(|k| self.provider.hotkey(epoch, k));
        let equivocation = key.as_ref().and_then(|k| equivocation(&activity, k));
        self.log.record(Evidence {
            kind,
            epoch,
            view: view.get(),
            consensus_key: key.map(|k| hex::encode(k.encode())).unwrap_or_default(),
            hotkey,
            proof: hex::encode(proof),
            equivocation,
        });
        Feedback::Ok
    }
}

type Digest = sha256::Digest;

fn vote_proposal(p: &Proposal<Digest>) -> Option<VoteProposal> {
    let payload: [u8; 32] = p.payload.as_ref().try_into().ok()?;
    Some(VoteProposal {
        parent: p.parent.get(),
        payload: Hash(payload),
    })
}

fn signed_vote(
    proposal: Option<&Proposal<Digest>>,
    attestation: &Attestation<Scheme>,
) -> Option<SignedVote> {
    let signature: [u8; 64] = attestation.signature.encode().as_ref().try_into().ok()?;
    let proposal = match proposal {
        Some(p) => Some(vote_proposal(p)?),
        None => None,
    };
    Some(SignedVote {
        proposal,
        signature,
    })
}

fn key_bytes(key: &PublicKey) -> Option<[u8; 32]> {
    key.encode().as_ref().try_into().ok()
}

/// The runtime evidence of two conflicting notarize votes of `key`.
pub fn notarize_equivocation(
    a: &Notarize<Scheme, Digest>,
    b: &Notarize<Scheme, Digest>,
    key: &PublicKey,
) -> Option<Equivocation> {
    Some(Equivocation {
        kind: EquivocationKind::Notarize,
        epoch: a.epoch().get(),
        view: a.view().get(),
        key: key_bytes(key)?,
        a: signed_vote(Some(&a.proposal), &a.attestation)?,
        b: signed_vote(Some(&b.proposal), &b.attestation)?,
    })
}

/// The runtime evidence of two conflicting finalize votes of `key`.
pub fn finalize_equivocation(
    a: &Finalize<Scheme, Digest>,
    b: &Finalize<Scheme, Digest>,
    key: &PublicKey,
) -> Option<Equivocation> {
    Some(Equivocation {
        kind: EquivocationKind::Finalize,
        epoch: a.epoch().get(),
        view: a.view().get(),
        key: key_bytes(key)?,
        a: signed_vote(Some(&a.proposal), &a.attestation)?,
        b: signed_vote(Some(&b.proposal), &b.attestation)?,
    })
}

/// The runtime evidence of a nullify and a finalize vote of `key` in one round.
pub fn nullify_finalize_equivocation(
    nullify: &Nullify<Scheme>,
    finalize: &Finalize<Scheme, Digest>,
    key: &PublicKey,
) -> Option<Equivocation> {
    Some(Equivocation {
        kind: EquivocationKind::NullifyFinalize,
        epoch: nullify.epoch().get(),
        view: nullify.view().get(),
        key: key_bytes(key)?,
        a: signed_vote(None, &nullify.attestation)?,
        b: signed_vote(Some(&finalize.proposal), &finalize.attestation)?,
    })
}

/// The runtime evidence of a conflict activity, `key` being the offender's consensus key
/// (the participant at the activity's signer index). `None` for any other activity.
///
/// The conflict types keep their two votes private; their encoding is the two votes'
/// encodings one after the other, so the votes are read back from it.
pub fn equivocation(activity: &Activity<Scheme, Digest>, key: &PublicKey) -> Option<Equivocation> {
    match activity {
        Activity::ConflictingNotarize(c) => {
            let mut buf = c.encode();
            let a = Notarize::<Scheme, Digest>::read(&mut buf).ok()?;
            let b = Notarize::<Scheme, Digest>::read(&mut buf).ok()?;
            notarize_equivocation(&a, &b, key)
        }
        Activity::ConflictingFinalize(c) => {
            let mut buf = c.encode();
            let a = Finalize::<Scheme, Digest>::read(&mut buf).ok()?;
            let b = Finalize::<Scheme, Digest>::read(&mut buf).ok()?;
            finalize_equivocation(&a, &b, key)
        }
        Activity::NullifyFinalize(c) => {
            let mut buf = c.encode();
            let n = Nullify::<Scheme>::read(&mut buf).ok()?;
            let f = Finalize::<Scheme, Digest>::read(&mut buf).ok()?;
            nullify_finalize_equivocation(&n, &f, key)
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use commonware_consensus::simplex::types::{ConflictingNotarize, NullifyFinalize};
    use commonware_consensus::types::{Epoch, Round, View};
    use commonware_cryptography::{Hasher as _, Sha256, Signer as _};
    use taonet_runtime::ChainSpec;
    use taonet_types::Rao;
    use taonet_types::evidence::consensus_namespace;

    use super::*;
    use crate::consensus::provider::{participants, vote_namespaces};

    /// Votes signed by the engine's own scheme (as the provider builds it for a seat) are
    /// converted into runtime evidence that the runtime verifies and slashes: the message
    /// the runtime rebuilds is byte for byte what commonware simplex signs.
    #[test]
    fn engine_signed_conflicts_are_accepted_by_the_runtime() {
        let keys: Vec<commonware_cryptography::ed25519::PrivateKey> = (0..4)
            .map(commonware_cryptography::ed25519::PrivateKey::from_seed)
            .collect();
        let key_bytes: Vec<[u8; 32]> = keys
            .iter()
            .map(|k| super::key_bytes(&k.public_key()).unwrap())
            .collect();
        let genesis = ChainSpec::dev(&key_bytes).build().unwrap();
        let mut state = genesis.state;
        let namespace = consensus_namespace(&genesis.domain);
        // The runtime knows no engine namespace: it verifies under the node's, derived from
        // commonware's own (`vote_namespaces`). Without them, no vote verifies.
        let domain = genesis
            .domain
            .clone()
            .with_votes(vote_namespaces(&genesis.domain));
        let seats = state.seats(0).unwrap().clone();
        let set = participants(&seats);
        let scheme = |i: usize| Scheme::signer(&namespace, set.clone(), keys[i].clone()).unwrap();
        let hotkey = |i: usize| {
            seats
                .seats
                .iter()
                .find(|s| s.consensus_key == key_bytes[i])
                .unwrap()
                .hotkey
        };

        // Two notarize votes of seat 0 for different blocks in round (0, 3).
        let round = Round::new(Epoch::new(0), View::new(3));
        let p1 = Proposal::new(round, View::new(2), Sha256::hash(&[b"block one"]));
        let p2 = Proposal::new(round, View::new(1), Sha256::hash(&[b"block two"]));
        let signer0 = scheme(0);
        let n1 = Notarize::sign(&signer0, p1.clone()).unwrap();
        let n2 = Notarize::sign(&signer0, p2).unwrap();
        let activity = Activity::ConflictingNotarize(ConflictingNotarize::new(n1, n2));
        let ev = equivocation(&activity, &keys[0].public_key()).unwrap();
        assert_eq!(ev.kind, EquivocationKind::Notarize);
        assert_eq!((ev.epoch, ev.view, ev.key), (0, 3, key_bytes[0]));
        // A runtime domain without the engine's namespaces verifies no vote.
        assert!(matches!(
            state.report_equivocation(&genesis.domain, &ev),
            Err(taonet_runtime::EvidenceError::BadSignature("a"))
        ));
        let report = state.report_equivocation(&domain, &ev).unwrap();
        assert_eq!(report.hotkey, hotkey(0));
        assert!(report.total_burned > Rao::ZERO);
        assert!(state.is_jailed(&hotkey(0)));
        // Converted again from the same votes: the same offence, refused as a duplicate.
        assert!(state.report_equivocation(&domain, &ev).is_err());

        // A nullify and a finalize of seat 1 in one round (the nullify signs the round only).
        let signer1 = scheme(1);
        let nullify = Nullify::sign::<Digest>(&signer1, round).unwrap();
        let finalize = Finalize::sign(&signer1, p1).unwrap();
        let activity = Activity::NullifyFinalize(NullifyFinalize::new(nullify, finalize));
        let ev = equivocation(&activity, &keys[1].public_key()).unwrap();
        assert_eq!(ev.kind, EquivocationKind::NullifyFinalize);
        state.report_equivocation(&domain, &ev).unwrap();
        assert!(state.is_jailed(&hotkey(1)));

        // Under another chain's namespace the same kind of votes do not verify.
        let mut other = genesis.domain.chain.clone();
        other.chain_id = "another-chain".into();
        let foreign = Scheme::signer(&consensus_namespace(&other), set, keys[2].clone()).unwrap();
        let n1 = Notarize::sign(
            &foreign,
            Proposal::new(round, View::new(2), Sha256::hash(&[b"x"])),
        )
        .unwrap();
        let n2 = Notarize::sign(
            &foreign,
            Proposal::new(round, View::new(2), Sha256::hash(&[b"y"])),
        )
        .unwrap();
        let activity = Activity::ConflictingNotarize(ConflictingNotarize::new(n1, n2));
        let ev = equivocation(&activity, &keys[2].public_key()).unwrap();
        assert!(matches!(
            state.report_equivocation(&domain, &ev),
            Err(taonet_runtime::EvidenceError::BadSignature("a"))
        ));
        assert!(!state.is_jailed(&hotkey(2)));
    }
}
