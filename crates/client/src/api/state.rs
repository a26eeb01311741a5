//! The `state_*` namespace: accounts, stake, subnets, neurons, seats and chain figures.
//!
//! Every answer is read from the finalized state (account history from the store's indexes).
//! Addresses are SS58 (or `0x`-hex); a malformed one is refused with `BAD_ADDRESS`. Lists
//! that could grow with the chain are paged: at most 1,000 entries a page (a coldkey's overview:
//! 256 hotkeys and 1,024 registrations), continued with the previous page's `next_cursor`.

use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use taonet_types::{ChainParams, Hash, Rao, SeatSet};

use crate::types::{
    AccountHistoryPage, AccountInfo, ColdkeySwapInfo, CommitmentInfo, DelegateInfo, DelegatesPage,
    IdentityInfo, JailInfo, MetagraphInfo, NeuronInfo, Overview, ParticipationInfo, ProtocolInfo,
    RegisteredNode, RootInfo, SlashInfo, StakeInfo, SubnetDetail, SubnetInfo, Supply,
    UnbondingInfo,
};

/// The `state_*` methods, as a server trait (implemented by the node) and a client trait
/// (implemented for every jsonrpsee client).
#[rpc(server, client, namespace = "state")]
pub trait StateApi {
    /// Free balance, nonce, total stake and total unbonding of an account (SS58).
    #[method(name = "getAccount")]
    async fn state_get_account(&self, address: String) -> RpcResult<AccountInfo>;

    /// The stake positions of a coldkey: each hotkey it stakes on, with the amount.
    #[method(name = "getStake")]
    async fn state_get_stake(&self, coldkey: String) -> RpcResult<Vec<StakeInfo>>;

    /// A coldkey's overview (btcli's `wallet overview`): free balance, total unbonding, total
    /// stake and, by page, every hotkey it owns or stakes on — with its stake on each and each
    /// subnet registration's uid, stake, incentive, dividends, emission, validator permit, axon
    /// and last weights block. A page holds at most `limit` hotkeys (default and most: 256) in
    /// account-id order after `cursor` (the previous page's `next_cursor`), and stops before a
    /// hotkey that would take it past 1,024 registrations (it always holds at least one). An
    /// unknown coldkey has no hotkeys.
    #[method(name = "getOverview")]
    async fn state_get_overview(
        &self,
        coldkey: String,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> RpcResult<Overview>;

    /// The unbonding entries of a coldkey, each with the block it is released at.
    #[method(name = "getUnbonding")]
    async fn state_get_unbonding(&self, coldkey: String) -> RpcResult<Vec<UnbondingInfo>>;

    /// A hotkey's delegation details: owner, take, total stake, nominators, consensus key,
    /// registrations and its owner coldkey's identity; `None` if the hotkey is not registered.
    #[method(name = "getDelegate")]
    async fn state_get_delegate(&self, hotkey: String) -> RpcResult<Option<DelegateInfo>>;

    /// Hotkeys with stake, most total stake first: the first 1,000 (the first page of
    /// `state_getDelegatesPage`; page with that for more).
    #[method(name = "getDelegates")]
    async fn state_get_delegates(&self) -> RpcResult<Vec<DelegateInfo>>;

    /// Hotkeys with stake, most total stake first, by page: at most `limit` (default 100, at
    /// most 1,000) after `cursor` (the previous page's `next_cursor`; omitted: from the top).
    #[method(name = "getDelegatesPage")]
    async fn state_get_delegates_page(
        &self,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> RpcResult<DelegatesPage>;

    /// Every subnet, by netuid.
    #[method(name = "getSubnets")]
    async fn state_get_subnets(&self) -> RpcResult<Vec<SubnetInfo>>;

    /// One subnet with its hyperparameters; `None` if no subnet has this netuid.
    #[method(name = "getSubnet")]
    async fn state_get_subnet(&self, netuid: u16) -> RpcResult<Option<SubnetDetail>>;

    /// One neuron, with its weights and bonds; `None` if the uid is not registered.
    #[method(name = "getNeuron")]
    async fn state_get_neuron(&self, netuid: u16, uid: u16) -> RpcResult<Option<NeuronInfo>>;

    /// The newest commitment of a uid (`commitments.set`: data a neuron publishes, such as a
    /// model hash or an endpoint); `None` if the uid has none (or is not registered).
    #[method(name = "getCommitment")]
    async fn state_get_commitment(
        &self,
        netuid: u16,
        uid: u16,
    ) -> RpcResult<Option<CommitmentInfo>>;

    /// The on-chain identity an account (SS58, normally a coldkey) published with
    /// `identity.set`: name, url, description and the block that set it; `None` if it has
    /// none.
    #[method(name = "getIdentity")]
    async fn state_get_identity(&self, address: String) -> RpcResult<Option<IdentityInfo>>;

    /// The root subnet: `root_max_uids`, the block of the next root epoch (which recomputes
    /// the membership), the members (uid, hotkey, total stake, weights by netuid) and every
    /// root candidate in membership order (hotkey, total stake, registration block, uid if a
    /// member). The candidates are bounded by the runtime (at most 4 × `root_max_uids`).
    #[method(name = "getRoot")]
    async fn state_get_root(&self) -> RpcResult<RootInfo>;

    /// The coldkey swap announced by a coldkey (SS58): the new coldkey, the announcement
    /// block, the first block it can be executed in and the block it was disputed in (if it
    /// was); `None` if none is pending.
    #[method(name = "getColdkeySwap")]
    async fn state_get_coldkey_swap(&self, coldkey: String) -> RpcResult<Option<ColdkeySwapInfo>>;

    /// The protocol: the version the finalized chain runs, the newest this node runs, and
    /// the upgrade governance scheduled (version, height, name, notes, blocks left, whether
    /// this node runs it), if any.
    #[method(name = "getProtocol")]
    async fn state_get_protocol(&self) -> RpcResult<ProtocolInfo>;

    /// A subnet's metagraph (every neuron); weights and bonds only on request, as they are the
    /// bulk of it. `None` if no subnet has this netuid.
    #[method(name = "getMetagraph")]
    async fn state_get_metagraph(
        &self,
        netuid: u16,
        with_weights: bool,
        with_bonds: bool,
    ) -> RpcResult<Option<MetagraphInfo>>;

    /// The seats of a consensus epoch (the current one if omitted); `None` if they are not
    /// known (not elected yet, or pruned).
    #[method(name = "getSeats")]
    async fn state_get_seats(&self, epoch: Option<u64>) -> RpcResult<Option<SeatSet>>;

    /// The jail status of a hotkey (SS58): whether it is jailed, until which epoch, why, and
    /// whether it may unjail now.
    #[method(name = "getJail")]
    async fn state_get_jail(&self, hotkey: String) -> RpcResult<JailInfo>;

    /// Vote participation of the seats of a consensus epoch (current if omitted); `None` if
    /// the epoch's seats are not known (not elected yet, or pruned).
    #[method(name = "getParticipation")]
    async fn state_get_participation(
        &self,
        epoch: Option<u64>,
    ) -> RpcResult<Option<ParticipationInfo>>;

    /// The registered nodes: every hotkey with a consensus key, most stake first, at most
    /// `limit` (default and most: 1,024). Nodes admit the first of them as p2p peers.
    #[method(name = "getNodes")]
    async fn state_get_nodes(&self, limit: Option<u32>) -> RpcResult<Vec<RegisteredNode>>;

    /// Slashes of a hotkey (SS58) within the unbonding window, oldest first.
    #[method(name = "getSlashes")]
    async fn state_get_slashes(&self, hotkey: String) -> RpcResult<Vec<SlashInfo>>;

    /// The chain parameters in force.
    #[method(name = "getParams")]
    async fn state_get_params(&self) -> RpcResult<ChainParams>;

    /// Issuance, stake, unbonding, pending emission, the block reward, burns and channels:
    /// the chain's supply figures.
    #[method(name = "getSupply")]
    async fn state_get_supply(&self) -> RpcResult<Supply>;

    /// What registering a new subnet locks now (rao).
    #[method(name = "getNetworkLockCost")]
    async fn state_get_network_lock_cost(&self) -> RpcResult<Rao>;

    /// An account's transactions, newest first: (height, index, tx hash), at most `limit`
    /// (at most 1,000), strictly older than `before`.
    #[method(name = "getAccountHistory")]
    async fn state_get_account_history(
        &self,
        address: String,
        limit: u32,
        before: Option<(u64, u32)>,
    ) -> RpcResult<Vec<(u64, u32, Hash)>>;

    /// An account's transactions by page, newest first: at most `limit` (default 100, at most
    /// 1,000) after `cursor` (the previous page's `next_cursor`; omitted: the newest). A page
    /// costs the node O(`limit`) index reads.
    #[method(name = "getAccountHistoryPage")]
    async fn state_get_account_history_page(
        &self,
        address: String,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> RpcResult<AccountHistoryPage>;
}
