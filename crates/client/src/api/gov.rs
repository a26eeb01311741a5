//! The `gov_*` namespace: governance proposals, their votes and the treasury.
//!
//! Read from the finalized state. A proposal still voting is reported with a live tally (the
//! stake each vote counts now); a closed one with the tally it closed with.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;

use crate::types::{ProposalInfo, TreasuryInfo, VoteInfo};

/// The `gov_*` methods, as a server trait (implemented by the node) and a client trait
/// (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "gov")]
pub trait GovApi {
    /// Governance proposals, newest first (at most `limit`, default 100, at most 1,000), with
    /// status and tally.
    #[method(name = "proposals")]
    async fn gov_proposals(&self, limit: Option<u32>) -> RpcResult<Vec<ProposalInfo>>;

    /// One proposal with its tally (live while voting); `None` if no proposal has this id.
    #[method(name = "proposal")]
    async fn gov_proposal(&self, id: u64) -> RpcResult<Option<ProposalInfo>>;

    /// The votes on a proposal, with the stake each counts now; the `NOT_FOUND` error if the
    /// proposal does not exist.
    #[method(name = "votes")]
    async fn gov_votes(&self, id: u64) -> RpcResult<Vec<VoteInfo>>;

    /// The treasury: its address, balance and fee share, the deposits it holds and the number
    /// of active proposals.
    #[method(name = "treasury")]
    async fn gov_treasury(&self) -> RpcResult<TreasuryInfo>;
}
