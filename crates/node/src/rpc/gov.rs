//! `gov_*`: governance proposals, their votes and the treasury ([`GovApiServer`]).
//!
//! # Rules
//! - A proposal still voting is reported with a live tally (each vote weighted by the stake
//!   it counts now); a closed one with the tally it closed with.
//! - `gov_proposals` lists the newest first, at most 1,000 (proposal ids are consecutive, so
//!   the newest are a range read); `gov_votes` on an unknown proposal is `NOT_FOUND`.

use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::GovApiServer;
use taonet_client::codes;
use taonet_client::types::{ProposalInfo, TreasuryInfo, VoteInfo};
use taonet_crypto::Ss58;

use super::convert::proposal_info;
use super::{RpcApi, err};

#[async_trait]
impl GovApiServer for RpcApi {
    async fn gov_proposals(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<ProposalInfo>, ErrorObjectOwned> {
        let limit = limit.unwrap_or(100);
        if limit > 1_000 {
            return Err(err(codes::TOO_LARGE, "limit must be at most 1000"));
        }
        let state = self.chain.finalized_state();
        Ok(state
            .recent_proposals(u64::from(limit))
            .map(|p| proposal_info(&state, p))
            .collect())
    }

    async fn gov_proposal(&self, id: u64) -> Result<Option<ProposalInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.proposal(id).map(|p| proposal_info(&state, p)))
    }

    async fn gov_votes(&self, id: u64) -> Result<Vec<VoteInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        if state.proposal(id).is_none() {
            return Err(err(
                codes::NOT_FOUND,
                format!("proposal {id} does not exist"),
            ));
        }
        Ok(state
            .gov_vote_weights(id)
            .into_iter()
            .map(|(who, v, weight)| VoteInfo {
                voter: who.to_ss58(),
                vote: v.vote,
                block: v.block,
                weight,
            })
            .collect())
    }

    async fn gov_treasury(&self) -> Result<TreasuryInfo, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(TreasuryInfo {
            account: taonet_types::gov::treasury_account().to_ss58(),
            balance: state.treasury_balance(),
            fee_share_ppb: state.params().treasury_fee_share,
            reserved_deposits: state.globals().total_deposits,
            active_proposals: u32::try_from(state.active_proposals()).unwrap_or(u32::MAX),
        })
    }
}
