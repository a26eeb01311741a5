//! The node's JSON-RPC API (JSON-RPC 2.0 over HTTP and WebSocket).
//!
//! Every method name is `<namespace>_<method>`; errors carry a code ([`crate::codes`]) and a
//! message that says what was wrong.

use jsonrpsee::core::SubscriptionResult;
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_types::{ChainParams, Hash, SeatSet};

use crate::types::*;

/// The API, as a server trait (implemented by the node) and a client trait (implemented for
/// every jsonrpsee client).
#[rpc(server, client)]
pub trait TaonetApi {
    /// Node software name.
    #[method(name = "system_name")]
    async fn system_name(&self) -> Result<String, ErrorObjectOwned>;
    /// Node software version.
    #[method(name = "system_version")]
    async fn system_version(&self) -> Result<String, ErrorObjectOwned>;
    /// Chain id.
    #[method(name = "system_chain")]
    async fn system_chain(&self) -> Result<String, ErrorObjectOwned>;
    /// Token and address properties.
    #[method(name = "system_properties")]
    async fn system_properties(&self) -> Result<Properties, ErrorObjectOwned>;
    /// Health: peers, heights, mempool.
    #[method(name = "system_health")]
    async fn system_health(&self) -> Result<Health, ErrorObjectOwned>;
    /// Connected peers (consensus public keys).
    #[method(name = "system_peers")]
    async fn system_peers(&self) -> Result<Vec<String>, ErrorObjectOwned>;

    /// Best known head.
    #[method(name = "chain_getHead")]
    async fn chain_get_head(&self) -> Result<HeadInfo, ErrorObjectOwned>;
    /// Finalized head.
    #[method(name = "chain_getFinalizedHead")]
    async fn chain_get_finalized_head(&self) -> Result<HeadInfo, ErrorObjectOwned>;
    /// A finalized block by height.
    #[method(name = "chain_getBlockByHeight")]
    async fn chain_get_block_by_height(
        &self,
        height: u64,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned>;
    /// A block (finalized or verified) by hash.
    #[method(name = "chain_getBlockByHash")]
    async fn chain_get_block_by_hash(
        &self,
        hash: Hash,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned>;
    /// Hash of the finalized block at a height.
    #[method(name = "chain_getBlockHash")]
    async fn chain_get_block_hash(&self, height: u64) -> Result<Option<Hash>, ErrorObjectOwned>;
    /// Transactions of a finalized block, decoded, with their receipts: those at indexes
    /// `offset..offset + limit` (`limit` at most 1,000). `None` if no block is finalized at
    /// `height`.
    #[method(name = "chain_getBlockTransactions")]
    async fn chain_get_block_transactions(
        &self,
        height: u64,
        offset: u32,
        limit: u32,
    ) -> Result<Option<Vec<TransactionInfo>>, ErrorObjectOwned>;
    /// New best heads.
    #[subscription(name = "chain_subscribeNewHeads" => "chain_newHead", unsubscribe = "chain_unsubscribeNewHeads", item = HeadInfo)]
    async fn chain_subscribe_new_heads(&self) -> SubscriptionResult;
    /// Newly finalized heads.
    #[subscription(name = "chain_subscribeFinalizedHeads" => "chain_finalizedHead", unsubscribe = "chain_unsubscribeFinalizedHeads", item = HeadInfo)]
    async fn chain_subscribe_finalized_heads(&self) -> SubscriptionResult;

    /// Balances and nonce of an account (SS58).
    #[method(name = "state_getAccount")]
    async fn state_get_account(&self, address: String) -> Result<AccountInfo, ErrorObjectOwned>;
    /// Stake positions of a coldkey.
    #[method(name = "state_getStake")]
    async fn state_get_stake(&self, coldkey: String) -> Result<Vec<StakeInfo>, ErrorObjectOwned>;
    /// Unbonding entries of a coldkey.
    #[method(name = "state_getUnbonding")]
    async fn state_get_unbonding(
        &self,
        coldkey: String,
    ) -> Result<Vec<UnbondingInfo>, ErrorObjectOwned>;
    /// A hotkey's delegation details.
    #[method(name = "state_getDelegate")]
    async fn state_get_delegate(
        &self,
        hotkey: String,
    ) -> Result<Option<DelegateInfo>, ErrorObjectOwned>;
    /// Hotkeys with stake, most total stake first: the first 1,000 (the first page of
    /// `state_getDelegatesPage`; page with that for more).
    #[method(name = "state_getDelegates")]
    async fn state_get_delegates(&self) -> Result<Vec<DelegateInfo>, ErrorObjectOwned>;
    /// Hotkeys with stake, most total stake first, by page: at most `limit` (default 100, at
    /// most 1,000) after `cursor` (the previous page's `next_cursor`; omitted: from the top).
    #[method(name = "state_getDelegatesPage")]
    async fn state_get_delegates_page(
        &self,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<DelegatesPage, ErrorObjectOwned>;
    /// Every subnet.
    #[method(name = "state_getSubnets")]
    async fn state_get_subnets(&self) -> Result<Vec<SubnetInfo>, ErrorObjectOwned>;
    /// One subnet with its hyperparameters.
    #[method(name = "state_getSubnet")]
    async fn state_get_subnet(&self, netuid: u16)
    -> Result<Option<SubnetDetail>, ErrorObjectOwned>;
    /// One neuron.
    #[method(name = "state_getNeuron")]
    async fn state_get_neuron(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Result<Option<NeuronInfo>, ErrorObjectOwned>;
    /// A subnet's metagraph; weights and bonds on request.
    #[method(name = "state_getMetagraph")]
    async fn state_get_metagraph(
        &self,
        netuid: u16,
        with_weights: bool,
        with_bonds: bool,
    ) -> Result<Option<Metagraph>, ErrorObjectOwned>;
    /// Seats of a consensus epoch (current if omitted).
    #[method(name = "state_getSeats")]
    async fn state_get_seats(
        &self,
        epoch: Option<u64>,
    ) -> Result<Option<SeatSet>, ErrorObjectOwned>;
    /// Jail status of a hotkey (SS58).
    #[method(name = "state_getJail")]
    async fn state_get_jail(&self, hotkey: String) -> Result<JailInfo, ErrorObjectOwned>;
    /// Vote participation of the seats of a consensus epoch (current if omitted); `None` if
    /// the epoch's seats are not known (not elected yet, or pruned).
    #[method(name = "state_getParticipation")]
    async fn state_get_participation(
        &self,
        epoch: Option<u64>,
    ) -> Result<Option<ParticipationInfo>, ErrorObjectOwned>;
    /// The registered nodes: every hotkey with a consensus key, most stake first, at most
    /// `limit` (default and most: 1,024). Nodes admit the first of them as p2p peers.
    #[method(name = "state_getNodes")]
    async fn state_get_nodes(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<RegisteredNode>, ErrorObjectOwned>;
    /// Slashes of a hotkey (SS58) within the unbonding window, oldest first.
    #[method(name = "state_getSlashes")]
    async fn state_get_slashes(&self, hotkey: String) -> Result<Vec<SlashInfo>, ErrorObjectOwned>;
    /// Chain parameters.
    #[method(name = "state_getParams")]
    async fn state_get_params(&self) -> Result<ChainParams, ErrorObjectOwned>;
    /// Issuance and emission figures.
    #[method(name = "state_getSupply")]
    async fn state_get_supply(&self) -> Result<Supply, ErrorObjectOwned>;
    /// Current subnet registration lock cost.
    #[method(name = "state_getNetworkLockCost")]
    async fn state_get_network_lock_cost(&self) -> Result<taonet_types::Rao, ErrorObjectOwned>;
    /// An account's transactions, newest first: (height, index, tx hash), at most `limit`
    /// (at most 1,000), strictly older than `before`.
    #[method(name = "state_getAccountHistory")]
    async fn state_get_account_history(
        &self,
        address: String,
        limit: u32,
        before: Option<(u64, u32)>,
    ) -> Result<Vec<(u64, u32, Hash)>, ErrorObjectOwned>;
    /// An account's transactions by page, newest first: at most `limit` (default 100, at most
    /// 1,000) after `cursor` (the previous page's `next_cursor`; omitted: the newest). A page
    /// costs the node O(`limit`) index reads.
    #[method(name = "state_getAccountHistoryPage")]
    async fn state_get_account_history_page(
        &self,
        address: String,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<AccountHistoryPage, ErrorObjectOwned>;

    /// Governance proposals, newest first (at most `limit`, default 100), with status and
    /// tally.
    #[method(name = "gov_proposals")]
    async fn gov_proposals(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<ProposalInfo>, ErrorObjectOwned>;
    /// One proposal with its tally (live while voting).
    #[method(name = "gov_proposal")]
    async fn gov_proposal(&self, id: u64) -> Result<Option<ProposalInfo>, ErrorObjectOwned>;
    /// The votes on a proposal, with the stake each counts now.
    #[method(name = "gov_votes")]
    async fn gov_votes(&self, id: u64) -> Result<Vec<VoteInfo>, ErrorObjectOwned>;
    /// The treasury: address, balance, fee share.
    #[method(name = "gov_treasury")]
    async fn gov_treasury(&self) -> Result<TreasuryInfo, ErrorObjectOwned>;

    /// An open payment channel by id (`None` if it was never opened or was reclaimed).
    #[method(name = "channel_get")]
    async fn channel_get(&self, id: Hash) -> Result<Option<ChannelInfo>, ErrorObjectOwned>;
    /// The open channels an address (SS58) opened, or that pay it as the gateway hotkey or
    /// the gateway's owner coldkey.
    #[method(name = "channel_list")]
    async fn channel_list(&self, address: String) -> Result<Vec<ChannelInfo>, ErrorObjectOwned>;

    /// Submits a transaction (hex of its encoding); returns its hash.
    #[method(name = "author_submitTransaction")]
    async fn author_submit_transaction(&self, tx_hex: String) -> Result<Hash, ErrorObjectOwned>;
    /// Submits a transaction and reports its status until it is finalized (or dropped).
    #[subscription(name = "author_submitAndWatchTransaction" => "author_transactionStatus", unsubscribe = "author_unwatchTransaction", item = TxStatus)]
    async fn author_submit_and_watch_transaction(&self, tx_hex: String) -> SubscriptionResult;
    /// A transaction's status.
    #[method(name = "author_getTransactionStatus")]
    async fn author_get_transaction_status(&self, hash: Hash)
    -> Result<TxStatus, ErrorObjectOwned>;
    /// Pending transactions (hashes).
    #[method(name = "author_pendingTransactions")]
    async fn author_pending_transactions(&self) -> Result<Vec<Hash>, ErrorObjectOwned>;
    /// Fee a transaction (hex) would pay.
    #[method(name = "payment_estimateFee")]
    async fn payment_estimate_fee(&self, tx_hex: String) -> Result<FeeEstimate, ErrorObjectOwned>;
}
