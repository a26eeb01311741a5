//! The domain the runtime checks signatures in: the chain's identity, and the namespaces the
//! consensus engine signs its votes under.
//!
//! # Rules
//! - Transactions, hotkey and consensus-key proofs and payment vouchers are signed for a
//!   [`ChainDomain`] (chain id and genesis hash): their namespaces are taonet's own and are
//!   built from the domain by `taonet_types`.
//! - Consensus votes (the parent votes a block carries, the two votes of equivocation
//!   evidence) are signed by the consensus engine under namespaces the *engine* defines. The
//!   runtime does not know them: whoever runs the engine supplies them as
//!   [`VoteNamespaces`] (the node derives them from commonware simplex's own namespace
//!   derivation for the chain's consensus namespace, and a node test has the runtime accept
//!   votes signed by the engine itself).
//! - A [`Domain`] without vote namespaces (a chain executed without a consensus engine:
//!   tools, tests of other rules) verifies no vote: a block with parent votes, or
//!   equivocation evidence, is refused as badly signed.
//! - A [`Domain`] dereferences to its [`ChainDomain`], so it signs and checks everything a
//!   chain domain does.

use std::ops::{Deref, DerefMut};

use taonet_types::ChainDomain;

use crate::evidence::VoteKind;

/// The namespaces the consensus engine signs each kind of vote under, on one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteNamespaces {
    /// The namespace of notarize votes.
    pub notarize: Vec<u8>,
    /// The namespace of finalize votes.
    pub finalize: Vec<u8>,
    /// The namespace of nullify votes.
    pub nullify: Vec<u8>,
}

impl VoteNamespaces {
    /// The namespace of votes of `kind`.
    pub fn of(&self, kind: VoteKind) -> &[u8] {
        match kind {
            VoteKind::Notarize => &self.notarize,
            VoteKind::Finalize => &self.finalize,
            VoteKind::Nullify => &self.nullify,
        }
    }
}

/// A chain as the runtime executes it: its [`ChainDomain`] and, when a consensus engine runs
/// it, the engine's [`VoteNamespaces`] (module rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The chain's identity, which transactions, proofs and vouchers sign.
    pub chain: ChainDomain,
    /// How the consensus engine signs votes on this chain; `None`: no vote verifies.
    pub votes: Option<VoteNamespaces>,
}

impl Domain {
    /// The domain of `chain` without vote namespaces (no vote verifies until
    /// [`Domain::with_votes`]).
    pub fn new(chain: ChainDomain) -> Domain {
        Domain { chain, votes: None }
    }

    /// This domain, with votes verified under `votes`.
    pub fn with_votes(self, votes: VoteNamespaces) -> Domain {
        Domain {
            votes: Some(votes),
            ..self
        }
    }

    /// The namespace votes of `kind` are signed under, if the engine's namespaces are known.
    pub fn vote_namespace(&self, kind: VoteKind) -> Option<&[u8]> {
        self.votes.as_ref().map(|v| v.of(kind))
    }
}

impl From<ChainDomain> for Domain {
    fn from(chain: ChainDomain) -> Domain {
        Domain::new(chain)
    }
}

impl Deref for Domain {
    type Target = ChainDomain;

    fn deref(&self) -> &ChainDomain {
        &self.chain
    }
}

impl DerefMut for Domain {
    fn deref_mut(&mut self) -> &mut ChainDomain {
        &mut self.chain
    }
}
