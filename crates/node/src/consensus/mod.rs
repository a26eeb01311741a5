//! Consensus: commonware simplex BFT, marshal block ordering and authenticated p2p, driven by
//! the chain's elected seats.
//!
//! ```text
//!  mempool ──gossip channel──▶ peers' mempools
//!     │
//!     ▼ propose (leader)                      verify (every seat): re-execute, compare root
//!  ChainApplication ◀── marshal::Inline ◀──▶ simplex engine of epoch E (ed25519 votes)
//!                             │                         │ conflicting votes
//!                             ▼ finalized, in order     ▼
//!                      orchestrator ── chain.finalize ── ack        EvidenceLog
//!                             │ last block of E finalized
//!                             ▼
//!                      start engine E+1 (seats of E+1 from the chain), stop engine E
//! ```
//!
//! # Protocol rules
//! - **Blocks** ([`block`]): the consensus digest of a block is its hash; the wire encoding is
//!   the block's own codec.
//! - **Seats** ([`provider`]): the voters of epoch `E` are the consensus keys of
//!   `chain.seats(E)`; one seat, one vote; safety holds while fewer than a third of the seats
//!   are faulty.
//! - **Propose / verify** ([`application`]): proposals come from the mempool through
//!   `chain.propose`; a proposal is valid iff its proposer is the view leader's hotkey and
//!   `chain.verify` re-executes it to the same state root.
//! - **Finality and epochs** ([`orchestrator`]): a block is final when simplex finalizes it;
//!   marshal delivers finalized blocks in order; each is made durable with `chain.finalize`
//!   before it is acknowledged; the last block of epoch `E` switches the engine to `E+1`.
//! - **Followers**: a node without a seat runs the same stack with a verifying (non-signing)
//!   scheme and follows; when elected, it votes from the next boundary on. Nodes admit a
//!   follower on p2p when it is among their bootstrap peers or its key is registered on chain
//!   under a hotkey (from the next epoch on; [`orchestrator::peer_set`]).
//! - **Gossip** ([`gossip`]): mempool-accepted transactions are batched to all peers.
//! - **Evidence** ([`evidence`]): every conflicting-vote proof is kept, and reported as a
//!   `consensus.report_equivocation` transaction when the node has a reporter account
//!   ([`report`]).
//! - **Participation** ([`votes`]): every verified vote and certificate signature is kept per
//!   block; a proposal carries its parent's votes, which the runtime checks and counts
//!   (`taonet_runtime::liveness`).
//!
//! Production entry point: [`run_validator`] (commonware's tokio runtime and authenticated
//! discovery p2p). Tests drive [`start`] with the deterministic runtime and simulated p2p.

pub mod application;
pub mod block;
pub mod evidence;
pub mod gossip;
pub mod orchestrator;
pub mod provider;
pub mod report;
mod run;
pub mod votes;

pub use block::{BlockCodec, ConsensusBlock};
pub use evidence::{Evidence, EvidenceError, EvidenceKind, EvidenceLog};
pub use orchestrator::{
    ConsensusHandle, ConsensusParams, ConsensusStatus, NodeContext, P2pChannels, StartError,
    peer_set, start,
};
pub use provider::{Scheme, SeatProvider, vote_namespaces};
pub use run::{NodeConfig, NodeError, Peer, load_or_create_key, run_validator};
