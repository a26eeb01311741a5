//! Seats → signing schemes, per consensus epoch.
//!
//! # Rules
//! - The participants of epoch `E` are the ed25519 `consensus_key`s of `chain.seats(E)`, read
//!   from the finalized state (the runtime elects `E` at the end of `E − 2`; genesis elects 0
//!   and 1). A key that is not a valid ed25519 point is left out, identically on every node.
//! - A node whose key is among them gets a signing scheme (it votes); every other node gets a
//!   verifier (it checks certificates and follows). An epoch whose seats are not known yet (or
//!   were pruned) has no scheme: marshal ignores certificates of it until it is known.
//! - Votes are signed under the namespace `taonet/<chain_id>/<genesis hash>`
//!   (`taonet_types::evidence::consensus_namespace`), so no vote of one chain is valid on
//!   another. The engine derives one namespace per kind of vote from it; [`vote_namespaces`]
//!   takes them from commonware's own derivation and the node hands them to the runtime
//!   (`taonet_runtime::Domain`), which verifies parent votes and equivocation evidence under
//!   them and knows no engine namespace itself.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use commonware_codec::{Copying, DecodeExt};
use commonware_consensus::simplex::scheme::ed25519;
use commonware_consensus::types::Epoch;
use commonware_cryptography::certificate::{Provider, Scoped};
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_utils::ordered::Set;
use taonet_runtime::VoteNamespaces;
use taonet_types::evidence::consensus_namespace;
use taonet_types::{AccountId, ChainDomain, SeatSet};

use crate::chain::Chain;

/// The vote signing scheme (attributable, so conflicting votes are portable evidence).
pub type Scheme = ed25519::Scheme;

/// Schemes kept in the cache.
const CACHED_EPOCHS: usize = 16;

/// The consensus namespace of a chain: [`consensus_namespace`] of its domain, the same
/// function the runtime verifies equivocation evidence with.
pub fn namespace(chain: &Chain) -> Vec<u8> {
    consensus_namespace(&chain.domain())
}

/// The namespaces the engine signs notarize, finalize and nullify votes under on the chain of
/// `domain`: commonware simplex's derivation from the chain's [`consensus_namespace`] (the
/// namespace the schemes of [`SeatProvider`] are built with), for the runtime's vote checks.
pub fn vote_namespaces(domain: &ChainDomain) -> VoteNamespaces {
    let derived =
        commonware_consensus::simplex::scheme::Namespace::new(&consensus_namespace(domain));
    VoteNamespaces {
        notarize: derived.notarize,
        finalize: derived.finalize,
        nullify: derived.nullify,
    }
}

/// The ed25519 public key of a seat, if its bytes are a valid key.
pub fn seat_key(key: &[u8; 32]) -> Option<PublicKey> {
    PublicKey::decode(Copying(&key[..])).ok()
}

/// The participants of a seat set (sorted, deduplicated, invalid keys left out).
pub fn participants(seats: &SeatSet) -> Set<PublicKey> {
    Set::from_iter_dedup(
        seats
            .seats
            .iter()
            .filter_map(|s| seat_key(&s.consensus_key)),
    )
}

#[derive(Clone)]
struct Entry {
    participants: Set<PublicKey>,
    /// Per participant (in participant order): its index in the epoch's seat set.
    seat_indices: Vec<u16>,
    hotkeys: Vec<(PublicKey, AccountId)>,
    scheme: Arc<Scheme>,
    signs: bool,
}

/// Provides the scheme of each epoch from the chain's seats.
#[derive(Clone)]
pub struct SeatProvider {
    chain: Chain,
    namespace: Arc<Vec<u8>>,
    signer: Option<PrivateKey>,
    cache: Arc<Mutex<BTreeMap<u64, Entry>>>,
}

impl std::fmt::Debug for SeatProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeatProvider").finish_non_exhaustive()
    }
}

impl SeatProvider {
    /// A provider for `chain`; `signer` is this node's consensus key.
    pub fn new(chain: Chain, signer: Option<PrivateKey>) -> Self {
        let namespace = Arc::new(namespace(&chain));
        SeatProvider {
            chain,
            namespace,
            signer,
            cache: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    fn entry(&self, epoch: u64) -> Option<Entry> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = cache.get(&epoch) {
            return Some(e.clone());
        }
        let seats = self.chain.seats(epoch)?;
        let participants = participants(&seats);
        if participants.is_empty() {
            return None;
        }
        let seat_indices = participants
            .iter()
            .map(|key| {
                seats
                    .seats
                    .iter()
                    .position(|s| seat_key(&s.consensus_key).as_ref() == Some(key))
                    .and_then(|i| u16::try_from(i).ok())
                    .unwrap_or(u16::MAX)
            })
            .collect();
        let hotkeys = seats
            .seats
            .iter()
            .filter_map(|s| Some((seat_key(&s.consensus_key)?, s.hotkey)))
            .collect();
        let signer = self
            .signer
            .clone()
            .and_then(|key| Scheme::signer(&self.namespace, participants.clone(), key));
        let (scheme, signs) = match signer {
            Some(s) => (s, true),
            None => (
                Scheme::verifier(&self.namespace, participants.clone()),
                false,
            ),
        };
        let entry = Entry {
            participants,
            seat_indices,
            hotkeys,
            scheme: Arc::new(scheme),
            signs,
        };
        cache.insert(epoch, entry.clone());
        while cache.len() > CACHED_EPOCHS {
            cache.pop_first();
        }
        Some(entry)
    }

    /// The scheme the engine of `epoch` runs with (signing if this node holds a seat).
    pub fn engine_scheme(&self, epoch: u64) -> Option<Scheme> {
        self.entry(epoch).map(|e| e.scheme.as_ref().clone())
    }

    /// Whether this node holds a seat in `epoch`.
    pub fn is_seat(&self, epoch: u64) -> bool {
        self.entry(epoch).is_some_and(|e| e.signs)
    }

    /// The participants of `epoch`.
    pub fn participants(&self, epoch: u64) -> Option<Set<PublicKey>> {
        self.entry(epoch).map(|e| e.participants)
    }

    /// The index in the seat set of `epoch` of the participant at index `participant`.
    pub fn seat_index(&self, epoch: u64, participant: u32) -> Option<u16> {
        let entry = self.entry(epoch)?;
        let index = *entry.seat_indices.get(usize::try_from(participant).ok()?)?;
        (index != u16::MAX).then_some(index)
    }

    /// The hotkey holding the seat with consensus key `key` in `epoch`.
    pub fn hotkey(&self, epoch: u64, key: &PublicKey) -> Option<AccountId> {
        self.entry(epoch)?
            .hotkeys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, h)| *h)
    }
}

impl Provider for SeatProvider {
    type Scope = Epoch;
    type Scheme = Scheme;

    fn scoped(&self, scope: Epoch) -> Option<Scoped<Scheme>> {
        let e = self.entry(scope.get())?;
        Some(if e.signs {
            Scoped::scheme(e.scheme)
        } else {
            Scoped::verifier(e.scheme)
        })
    }
}
