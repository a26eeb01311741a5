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
//!   by anyone who knows the epoch's seats (it becomes slashing evidence in a later issue).
//! - Records are deduplicated by (kind, epoch, view, key). The newest `capacity` are kept in
//!   memory; with a file, every new record is also appended to it as one JSON line, and the
//!   file is read back on open, so evidence survives restarts.

use std::collections::{HashSet, VecDeque};
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use commonware_actor::Feedback;
use commonware_codec::Encode;
use commonware_consensus::simplex::types::{Activity, Attributable};
use commonware_consensus::{Epochable, Reporter, Viewable};
use commonware_cryptography::sha256;
use serde::{Deserialize, Serialize};
use taonet_types::AccountId;

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
}

/// Why the evidence log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// Reading or creating the file failed.
    #[error("evidence log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
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
}

impl Reporter for EvidenceReporter {
    type Activity = Activity<Scheme, sha256::Digest>;

    fn report(&mut self, activity: Self::Activity) -> Feedback {
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
        self.log.record(Evidence {
            kind,
            epoch,
            view: view.get(),
            consensus_key: key.map(|k| hex::encode(k.encode())).unwrap_or_default(),
            hotkey,
            proof: hex::encode(proof),
        });
        Feedback::Ok
    }
}
