//! The JSON-RPC server (HTTP and WebSocket on one port), implementing
//! [`taonet_client::api::TaonetApiServer`].
//!
//! # Rules
//! - Reads are served from the finalized state and the store; `chain_getHead` and
//!   `chain_getBlockByHash` also see verified, not yet finalized blocks.
//! - Transactions arrive as hex of their binary encoding, are decoded with the chain's limits
//!   (whole input consumed) and go through the mempool's checks; every rejection has a code
//!   ([`taonet_client::codes`]) and a message that says what was wrong.
//! - Limits: request bodies up to [`RpcConfig::max_request_bytes`], connections up to
//!   `max_connections` in all and `max_connections_per_address` per client address (more get
//!   HTTP 429), subscriptions per connection up to `max_subscriptions`, batches up to
//!   `max_batch` entries (a larger one is refused whole with `BATCH_TOO_LARGE`), and one token
//!   bucket of `requests_per_second` (burst `2×`) per client address shared by all its
//!   connections ([`limits`]): every call, batch entry and explorer page takes a token; over
//!   it a call fails with `RATE_LIMITED` (a batch is refused whole) and an explorer page gets
//!   HTTP 429, each saying the limit and when to retry. Loopback clients are exempt unless
//!   [`RpcConfig::limit_loopback`].
//! - Reads that could grow with the chain are paged and bounded: account history by cursor
//!   (at most 1,000 a page, O(page) index reads), delegates by cursor (at most 1,000 a page;
//!   ordering them by stake reads one total per staked hotkey, and only the page's delegates
//!   are built), transaction status from the store's indexes without decoding the block.
//! - The block explorer ([`taonet_explorer`]) shares the port when [`RpcConfig::explorer`] is
//!   set: plain HTTP `GET`/`HEAD` requests that are not WebSocket upgrades (what a browser
//!   sends) go to the explorer's router; JSON-RPC (`POST`) and WebSocket upgrades go to the
//!   RPC server as before. The explorer reads the chain through a second, private endpoint
//!   of the same API on an ephemeral loopback port (not rate-limited: the browser's page
//!   request already took its token on the public port), stopped with the public one.

pub mod limits;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use commonware_codec::{Decode, EncodeSize};
use jsonrpsee::MethodResponse;
use jsonrpsee::core::BoxError;
use jsonrpsee::core::middleware::{Batch, Notification, RpcServiceBuilder, RpcServiceT};
use jsonrpsee::core::{SubscriptionResult, async_trait};
use jsonrpsee::server::{
    HttpBody, HttpRequest, HttpResponse, Methods, PendingSubscriptionSink, Server, ServerConfig,
    ServerHandle, StopHandle, SubscriptionMessage, TowerServiceBuilder,
};
use jsonrpsee::types::{ErrorObjectOwned, Id, Request};
use taonet_client::api::TaonetApiServer;
use taonet_client::codes;
use taonet_client::types::*;
use taonet_crypto::Ss58;
use taonet_runtime::emission::block_emission;
use taonet_runtime::neurons::current_burn;
use taonet_runtime::state::{Neuron, SubnetInfo as RuntimeSubnet};
use taonet_runtime::{State, TxInvalid, transaction_fee};
use taonet_types::{AccountId, Block, ChainParams, Hash, Rao, SeatSet, SignedTransaction};
use tokio::sync::broadcast::error::RecvError;

use crate::chain::{Chain, ChainEvent, Head};
use crate::mempool::MempoolError;
use limits::{AddressLimits, ClientAddr, Throttled};

/// Most registered nodes `state_getNodes` lists.
const MAX_NODES_LISTED: u32 = 1024;
/// Most entries of one page of account history or delegates.
const MAX_PAGE: u32 = 1_000;
/// Entries of a page when the caller gives no limit.
const DEFAULT_PAGE: u32 = 100;
/// Default calls per second per client address (`--rpc-rate-limit`).
pub const DEFAULT_RATE_LIMIT: u32 = 200;
/// Default most entries per batch (`--rpc-max-batch`).
pub const DEFAULT_MAX_BATCH: u32 = 100;
/// Default most concurrent connections per client address.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: u32 = 32;

/// Limits of the RPC server.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Largest request body.
    pub max_request_bytes: u32,
    /// Largest response body.
    pub max_response_bytes: u32,
    /// Most concurrent connections.
    pub max_connections: u32,
    /// Most subscriptions per connection.
    pub max_subscriptions: u32,
    /// Sustained calls per second per client address, shared by all its connections (batch
    /// entries and explorer pages count one each); the burst is twice this.
    pub requests_per_second: u32,
    /// Serve the block explorer at `/` for browsers (off by default here; `taonet node run`
    /// turns it on unless `--no-explorer`).
    pub explorer: bool,
    /// Limit loopback clients too (off: this machine's tools are never throttled; `taonet
    /// node run --rpc-rate-limit N` turns it on).
    pub limit_loopback: bool,
    /// Most entries in one batch; a larger batch is refused whole.
    pub max_batch: u32,
    /// Most concurrent connections from one client address.
    pub max_connections_per_address: u32,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], taonet_client::DEFAULT_RPC_PORT)),
            max_request_bytes: 4 * 1024 * 1024,
            max_response_bytes: 256 * 1024 * 1024,
            max_connections: 256,
            max_subscriptions: 256,
            requests_per_second: DEFAULT_RATE_LIMIT,
            explorer: false,
            limit_loopback: false,
            max_batch: DEFAULT_MAX_BATCH,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        }
    }
}

/// Information the RPC reports about the network (filled by the consensus layer).
#[derive(Clone, Debug, Default)]
pub struct NetworkStatus {
    peers: Arc<Mutex<Vec<String>>>,
}

impl NetworkStatus {
    /// Replaces the list of connected peers.
    pub fn set_peers(&self, peers: Vec<String>) {
        *self.peers.lock().unwrap_or_else(|e| e.into_inner()) = peers;
    }

    /// Connected peers.
    pub fn peers(&self) -> Vec<String> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(code, message.into(), None::<()>)
}

fn parse_address(s: &str) -> Result<AccountId, ErrorObjectOwned> {
    AccountId::from_ss58(s)
        .or_else(|e| AccountId::from_hex(s).map_err(|_| e))
        .map_err(|e| err(codes::BAD_ADDRESS, format!("bad address {s:?}: {e}")))
}

fn head_info(h: Head) -> HeadInfo {
    HeadInfo {
        height: h.height,
        hash: h.hash,
        state_root: h.state_root,
        timestamp_ms: h.timestamp_ms,
    }
}

/// Decodes a hex-encoded signed transaction with the chain's limits.
pub fn decode_transaction(
    tx_hex: &str,
    params: &ChainParams,
) -> Result<SignedTransaction, ErrorObjectOwned> {
    let digits = tx_hex.trim().strip_prefix("0x").unwrap_or(tx_hex.trim());
    let max = params.max_transaction_bytes as usize;
    if digits.len() > 2 * max {
        return Err(err(
            codes::BAD_TRANSACTION,
            format!(
                "transaction is {} bytes; the limit is {max}",
                digits.len() / 2
            ),
        ));
    }
    let bytes = hex::decode(digits).map_err(|e| {
        err(
            codes::BAD_TRANSACTION,
            format!("transaction is not valid hex: {e}"),
        )
    })?;
    SignedTransaction::decode_cfg(bytes, &()).map_err(|e| {
        err(
            codes::BAD_TRANSACTION,
            format!("transaction does not decode: {e}"),
        )
    })
}

/// A proposal's action in words.
pub fn action_summary(action: &taonet_types::gov::ProposalAction) -> Vec<String> {
    use taonet_types::gov::ProposalAction;
    match action {
        ProposalAction::SetParams(updates) => updates
            .iter()
            .map(|u| format!("set {} = {}", u.name(), u.value_text()))
            .collect(),
        ProposalAction::TreasurySpend { to, amount } => vec![format!(
            "pay {} TAO from the treasury to {}",
            amount.to_tao_compact(),
            to.to_ss58()
        )],
        ProposalAction::Text => vec!["text only (nothing is executed)".into()],
    }
}

fn proposal_info(state: &State, p: &taonet_types::gov::Proposal) -> ProposalInfo {
    use taonet_types::gov::{PPB, ProposalStatus};
    let live = p.status == ProposalStatus::Voting;
    let tally = match (live, p.tally) {
        (false, Some(t)) => t,
        _ => state.gov_tally(p.id).unwrap_or_default(),
    };
    let ppb = |num: u128, den: u128| {
        (num * u128::from(PPB))
            .checked_div(den)
            .map_or(0, |v| u64::try_from(v).unwrap_or(u64::MAX))
    };
    let yes_no = u128::from(tally.aye.0) + u128::from(tally.nay.0);
    ProposalInfo {
        id: p.id,
        proposer: p.proposer.to_ss58(),
        action: p.action.clone(),
        summary: action_summary(&p.action),
        description: p.description.clone(),
        deposit: p.deposit,
        deposit_burned: p.deposit_burned,
        submitted: p.submitted,
        voting_ends: p.voting_ends,
        execute_at: p.execute_at,
        status: p.status.clone(),
        tally,
        live,
        turnout_ppb: ppb(tally.turnout(), u128::from(tally.total_stake.0)),
        quorum_ppb: state.params().gov_quorum,
        approval_ppb: (yes_no > 0).then(|| ppb(u128::from(tally.aye.0), yes_no)),
        threshold_ppb: state.params().gov_approval_threshold,
        votes: u32::try_from(state.votes_on(p.id).len()).unwrap_or(u32::MAX),
        height: state.globals.height,
    }
}

fn channel_info(state: &State, id: Hash, c: &taonet_types::channel::Channel) -> ChannelInfo {
    let height = state.globals.height;
    ChannelInfo {
        id,
        opener: c.opener.to_ss58(),
        gateway: c.gateway.to_ss58(),
        gateway_owner: state
            .hotkey_owner(&c.gateway)
            .map(|o| o.to_ss58())
            .unwrap_or_default(),
        deposit: c.deposit,
        claimed: c.claimed,
        paid_to_miners: c.paid_to_miners,
        remaining: c.remaining(),
        expiry: c.expiry,
        opened_at: c.opened_at,
        expired: height >= c.expiry,
        height,
    }
}

fn subnet_info(netuid: u16, s: &RuntimeSubnet, state: &State) -> SubnetInfo {
    let tempo = u64::from(s.hyperparams.tempo.max(1));
    SubnetInfo {
        netuid,
        name: s.identity.name.clone(),
        owner: s.owner.to_ss58(),
        owner_hotkey: s.owner_hotkey.to_ss58(),
        n: s.n,
        max_n: s.hyperparams.max_allowed_uids,
        tempo: s.hyperparams.tempo,
        emission_share_ppb: u64::try_from(
            u128::from(s.emission_share) * 1_000_000_000 / u128::from(u64::MAX),
        )
        .unwrap_or(0),
        burn: current_burn(s, state.globals.height),
        pending_emission: s.pending_emission,
        last_epoch_block: s.last_epoch_block,
        next_epoch_block: s.last_epoch_block + tempo,
        epoch_index: s.epoch_index,
        locked: s.locked,
        url: s.identity.url.clone(),
        description: s.identity.description.clone(),
    }
}

fn neuron_info(state: &State, uid: u16, n: &Neuron, weights: bool, bonds: bool) -> NeuronInfo {
    NeuronInfo {
        uid,
        hotkey: n.hotkey.to_ss58(),
        coldkey: state
            .hotkey_owner(&n.hotkey)
            .map(|c| c.to_ss58())
            .unwrap_or_default(),
        stake: state.total_hotkey_stake(&n.hotkey),
        active: n.active,
        validator_permit: n.validator_permit,
        stake_weight: n.stake_weight,
        consensus: n.consensus,
        incentive: n.incentive,
        dividends: n.dividends,
        validator_trust: n.validator_trust,
        emission: n.emission,
        last_update: n.last_update,
        registered_at: n.registered_at,
        axon: (n.axon.port != 0).then(|| AxonAddress {
            address: n
                .axon
                .socket_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            version: n.axon.version,
            protocol: n.axon.protocol,
        }),
        weights: weights.then(|| n.weights.clone()),
        bonds: bonds.then(|| n.bonds.clone()),
    }
}

fn delegate_info(state: &State, hotkey: &AccountId) -> Option<DelegateInfo> {
    let info = state.hotkeys.get(hotkey)?;
    let registrations = state
        .subnets
        .iter()
        .filter_map(|(netuid, _)| state.uid_of(*netuid, hotkey).map(|uid| (*netuid, uid)))
        .collect();
    Some(DelegateInfo {
        hotkey: hotkey.to_ss58(),
        owner: info.owner.to_ss58(),
        take: info.take,
        total_stake: state.total_hotkey_stake(hotkey),
        nominators: state
            .nominators_of(hotkey)
            .into_iter()
            .map(|(c, a)| (c.to_ss58(), a))
            .collect(),
        consensus_key: info.consensus_key.map(|k| format!("0x{}", hex::encode(k))),
        registrations,
    })
}

/// A page size: `limit` (default [`DEFAULT_PAGE`]) if at most [`MAX_PAGE`].
fn page_limit(limit: Option<u32>) -> Result<u32, ErrorObjectOwned> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        0 => Err(err(codes::TOO_LARGE, "limit must be at least 1")),
        l if l > MAX_PAGE => Err(err(
            codes::TOO_LARGE,
            format!("limit {l} is over the most per page, {MAX_PAGE}; page with the cursor"),
        )),
        l => Ok(l),
    }
}

/// An account history cursor: `<block height>:<index>` (a page's `next_cursor`).
fn parse_history_cursor(s: &str) -> Result<taonet_store::HistoryEntry, ErrorObjectOwned> {
    s.split_once(':')
        .and_then(|(h, i)| {
            Some(taonet_store::HistoryEntry {
                block_height: h.parse().ok()?,
                index: i.parse().ok()?,
            })
        })
        .ok_or_else(|| {
            err(
                codes::BAD_ADDRESS,
                format!("bad cursor {s:?}: pass a page's next_cursor (<height>:<index>)"),
            )
        })
}

/// A delegates cursor: `<total stake in rao>:<hotkey SS58>` (a page's `next_cursor`).
fn parse_delegate_cursor(s: &str) -> Result<(Rao, AccountId), ErrorObjectOwned> {
    let bad = || {
        err(
            codes::BAD_ADDRESS,
            format!("bad cursor {s:?}: pass a page's next_cursor (<stake>:<hotkey>)"),
        )
    };
    let (stake, hotkey) = s.split_once(':').ok_or_else(bad)?;
    let stake = stake.parse::<u64>().map_err(|_| bad())?;
    Ok((Rao(stake), parse_address(hotkey)?))
}

/// Hotkeys with stake, most first (then by hotkey), strictly after `after`: at most `limit`.
/// Sorting reads one total per hotkey; only the page's delegates are built (nominators,
/// registrations).
fn delegates_page(state: &State, limit: u32, after: Option<(Rao, AccountId)>) -> DelegatesPage {
    let after = after.map(|(stake, hotkey)| (stake, hotkey.to_ss58()));
    let mut order: Vec<(Rao, String, AccountId)> = state
        .hotkey_stake
        .iter()
        .filter(|(h, _)| state.hotkeys.contains_key(h))
        .map(|(h, s)| (*s, h.to_ss58(), *h))
        .filter(|(s, name, _)| match &after {
            // Descending stake, ascending hotkey: "after" is less stake, or equal stake and a
            // greater hotkey.
            Some((cs, cname)) => s < cs || (s == cs && name > cname),
            None => true,
        })
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let more = order.len() > limit as usize;
    order.truncate(limit as usize);
    let next_cursor = more
        .then(|| order.last())
        .flatten()
        .map(|(s, name, _)| format!("{}:{name}", s.0));
    DelegatesPage {
        delegates: order
            .iter()
            .filter_map(|(_, _, h)| delegate_info(state, h))
            .collect(),
        next_cursor,
    }
}

/// The RPC implementation over a [`Chain`].
#[derive(Clone)]
pub struct RpcApi {
    chain: Chain,
    network: NetworkStatus,
}

impl RpcApi {
    /// An API over `chain`.
    pub fn new(chain: Chain, network: NetworkStatus) -> RpcApi {
        RpcApi { chain, network }
    }

    fn block_info(&self, block: &Block, finalized: bool) -> BlockInfo {
        // One range read of the block's receipts: looking each transaction up by hash reloads
        // and decodes the whole block per transaction (quadratic, and under the chain lock).
        let mut receipts: Vec<Option<bool>> = vec![None; block.transactions.len()];
        if finalized && let Ok(stored) = self.chain.with_store(|s| s.receipts(block.height)) {
            for (slot, (t, r)) in receipts
                .iter_mut()
                .zip(block.transactions.iter().zip(stored.iter()))
            {
                if r.tx_hash == t.hash() {
                    *slot = Some(r.success);
                }
            }
        }
        BlockInfo {
            height: block.height,
            hash: block.hash(),
            parent: block.parent,
            timestamp_ms: block.timestamp_ms,
            proposer: block.proposer.to_ss58(),
            state_root: block.state_root,
            finalized,
            transactions: block
                .transactions
                .iter()
                .zip(receipts)
                .map(|(t, success)| TxSummary {
                    hash: t.hash(),
                    signer: t.tx.signer.to_ss58(),
                    nonce: t.tx.nonce,
                    call: t.tx.call.name().to_string(),
                    success,
                })
                .collect(),
            seats: block.seats.clone(),
        }
    }

    fn status(&self, hash: &Hash) -> Result<TxStatus, ErrorObjectOwned> {
        // From the indexes (hash → position → receipt, height → block hash): no block decode.
        if let Some(found) = self
            .chain
            .with_store(|s| s.transaction_receipt(hash))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?
        {
            return Ok(TxStatus::Finalized {
                block_height: found.block_height,
                block_hash: found.block_hash,
                index: found.index,
                success: found.receipt.success,
                fee: found.receipt.fee,
                error: found.receipt.error,
                error_message: found.receipt.error_message,
            });
        }
        if self.chain.mempool().contains(hash) {
            return Ok(TxStatus::Pending);
        }
        Ok(TxStatus::Unknown)
    }

    fn submit(&self, tx_hex: &str) -> Result<(SignedTransaction, Hash), ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let tx = decode_transaction(tx_hex, state.params())?;
        let hash = self
            .chain
            .mempool()
            .submit(tx.clone())
            .map_err(|e| match e {
                // A failing free call: its typed runtime error as data (`{"module", "error"}`,
                // as in receipts), so a neuron can tell "too early" from "never".
                MempoolError::Invalid(TxInvalid::FreeCallFailed(dispatch)) => {
                    ErrorObjectOwned::owned(
                        codes::INVALID_TRANSACTION,
                        format!(
                            "invalid transaction: {}",
                            TxInvalid::FreeCallFailed(dispatch.clone())
                        ),
                        Some(serde_json::to_value(&dispatch).unwrap_or_default()),
                    )
                }
                MempoolError::Invalid(inner) => err(
                    codes::INVALID_TRANSACTION,
                    format!("invalid transaction: {inner}"),
                ),
                other => err(
                    codes::MEMPOOL_REJECTED,
                    format!("transaction rejected: {other}"),
                ),
            })?;
        Ok((tx, hash))
    }
}

#[async_trait]
impl TaonetApiServer for RpcApi {
    async fn system_name(&self) -> Result<String, ErrorObjectOwned> {
        Ok("taonet".into())
    }

    async fn system_version(&self) -> Result<String, ErrorObjectOwned> {
        Ok(env!("CARGO_PKG_VERSION").into())
    }

    async fn system_chain(&self) -> Result<String, ErrorObjectOwned> {
        Ok(self.chain.domain().chain_id)
    }

    async fn system_properties(&self) -> Result<Properties, ErrorObjectOwned> {
        let domain = self.chain.domain();
        Ok(Properties {
            token_symbol: "TAO".into(),
            token_decimals: 9,
            ss58_format: taonet_crypto::SS58_PREFIX,
            chain_id: domain.chain_id,
            genesis_hash: domain.genesis_hash,
        })
    }

    async fn system_health(&self) -> Result<Health, ErrorObjectOwned> {
        let finalized = self.chain.finalized();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Ok(Health {
            peers: self.network.peers().len(),
            finalized_height: finalized.height,
            best_height: self.chain.best().height,
            ms_since_finalized: now.saturating_sub(finalized.timestamp_ms),
            mempool: self.chain.mempool().len(),
        })
    }

    async fn system_peers(&self) -> Result<Vec<String>, ErrorObjectOwned> {
        Ok(self.network.peers())
    }

    async fn chain_get_head(&self) -> Result<HeadInfo, ErrorObjectOwned> {
        Ok(head_info(self.chain.best()))
    }

    async fn chain_get_finalized_head(&self) -> Result<HeadInfo, ErrorObjectOwned> {
        Ok(head_info(self.chain.finalized()))
    }

    async fn chain_get_block_by_height(
        &self,
        height: u64,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned> {
        Ok(self
            .chain
            .block_by_height(height)
            .map(|b| self.block_info(&b, true)))
    }

    async fn chain_get_block_by_hash(
        &self,
        hash: Hash,
    ) -> Result<Option<BlockInfo>, ErrorObjectOwned> {
        let finalized_height = self.chain.finalized().height;
        Ok(self.chain.block_by_hash(&hash).map(|b| {
            let fin = b.height <= finalized_height
                && self.chain.block_by_height(b.height).map(|f| f.hash()) == Some(hash);
            self.block_info(&b, fin)
        }))
    }

    async fn chain_get_block_hash(&self, height: u64) -> Result<Option<Hash>, ErrorObjectOwned> {
        Ok(self.chain.block_by_height(height).map(|b| b.hash()))
    }

    async fn chain_get_block_transactions(
        &self,
        height: u64,
        offset: u32,
        limit: u32,
    ) -> Result<Option<Vec<TransactionInfo>>, ErrorObjectOwned> {
        if limit > 1_000 {
            return Err(err(codes::TOO_LARGE, "limit must be at most 1000"));
        }
        let Some(block) = self.chain.block_by_height(height) else {
            return Ok(None);
        };
        let receipts = self
            .chain
            .with_store(|s| s.receipts(height))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?;
        let start = (offset as usize).min(block.transactions.len());
        let end = start
            .saturating_add(limit as usize)
            .min(block.transactions.len());
        block.transactions[start..end]
            .iter()
            .zip(start..)
            .map(|(t, i)| {
                let hash = t.hash();
                let receipt = receipts
                    .get(i)
                    .filter(|r| r.tx_hash == hash)
                    .ok_or_else(|| {
                        err(
                            codes::STORAGE,
                            format!("receipt {height}/{i} is missing from the store"),
                        )
                    })?;
                Ok(TransactionInfo {
                    hash,
                    block_height: height,
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    signer: t.tx.signer.to_ss58(),
                    nonce: t.tx.nonce,
                    fee_limit: t.tx.fee_limit,
                    call_name: t.tx.call.name().to_string(),
                    call: t.tx.call.clone(),
                    size: t.encode_size(),
                    fee: receipt.fee,
                    success: receipt.success,
                    error_message: receipt.error_message.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    async fn chain_subscribe_new_heads(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        self.follow_heads(pending, false).await
    }

    async fn chain_subscribe_finalized_heads(
        &self,
        pending: PendingSubscriptionSink,
    ) -> SubscriptionResult {
        self.follow_heads(pending, true).await
    }

    async fn state_get_account(&self, address: String) -> Result<AccountInfo, ErrorObjectOwned> {
        let who = parse_address(&address)?;
        let state = self.chain.finalized_state();
        let staked = state
            .stakes_of(&who)
            .iter()
            .fold(Rao::ZERO, |a, (_, s)| a.checked_add(*s).unwrap_or(a));
        let unbonding = state
            .unbonding_of(&who)
            .iter()
            .fold(Rao::ZERO, |a, (_, u)| a.checked_add(u.amount).unwrap_or(a));
        Ok(AccountInfo {
            address: who.to_ss58(),
            free: state.free(&who),
            nonce: state.nonce(&who),
            staked,
            unbonding,
        })
    }

    async fn state_get_stake(&self, coldkey: String) -> Result<Vec<StakeInfo>, ErrorObjectOwned> {
        let who = parse_address(&coldkey)?;
        Ok(self
            .chain
            .finalized_state()
            .stakes_of(&who)
            .into_iter()
            .map(|(h, amount)| StakeInfo {
                hotkey: h.to_ss58(),
                amount,
            })
            .collect())
    }

    async fn state_get_unbonding(
        &self,
        coldkey: String,
    ) -> Result<Vec<UnbondingInfo>, ErrorObjectOwned> {
        let who = parse_address(&coldkey)?;
        Ok(self
            .chain
            .finalized_state()
            .unbonding_of(&who)
            .into_iter()
            .map(|(release, u)| UnbondingInfo {
                hotkey: u.hotkey.to_ss58(),
                amount: u.amount,
                started_at: u.started_at,
                release_block: release,
            })
            .collect())
    }

    async fn state_get_delegate(
        &self,
        hotkey: String,
    ) -> Result<Option<DelegateInfo>, ErrorObjectOwned> {
        let hotkey = parse_address(&hotkey)?;
        Ok(delegate_info(&self.chain.finalized_state(), &hotkey))
    }

    async fn state_get_delegates(&self) -> Result<Vec<DelegateInfo>, ErrorObjectOwned> {
        Ok(delegates_page(&self.chain.finalized_state(), MAX_PAGE, None).delegates)
    }

    async fn state_get_subnets(&self) -> Result<Vec<SubnetInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state
            .subnets
            .iter()
            .map(|(n, s)| subnet_info(*n, s, &state))
            .collect())
    }

    async fn state_get_subnet(
        &self,
        netuid: u16,
    ) -> Result<Option<SubnetDetail>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.subnets.get(&netuid).map(|s| SubnetDetail {
            info: subnet_info(netuid, s, &state),
            hyperparams: s.hyperparams.clone(),
        }))
    }

    async fn state_get_neuron(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Result<Option<NeuronInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state
            .neurons
            .get(&(netuid, uid))
            .map(|n| neuron_info(&state, uid, n, true, true)))
    }

    async fn state_get_metagraph(
        &self,
        netuid: u16,
        with_weights: bool,
        with_bonds: bool,
    ) -> Result<Option<Metagraph>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let Some(subnet) = state.subnets.get(&netuid) else {
            return Ok(None);
        };
        let neurons = state
            .neurons
            .range((netuid, 0)..(netuid, subnet.n))
            .map(|((_, uid), n)| neuron_info(&state, *uid, n, with_weights, with_bonds))
            .collect();
        Ok(Some(Metagraph {
            netuid,
            block: state.globals.height,
            subnet: subnet_info(netuid, subnet, &state),
            neurons,
        }))
    }

    async fn state_get_seats(
        &self,
        epoch: Option<u64>,
    ) -> Result<Option<SeatSet>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let epoch = epoch.unwrap_or_else(|| state.consensus_epoch(state.globals.height + 1));
        Ok(state.seats(epoch).cloned())
    }

    async fn state_get_jail(&self, hotkey: String) -> Result<JailInfo, ErrorObjectOwned> {
        let hotkey = parse_address(&hotkey)?;
        let state = self.chain.finalized_state();
        let current_epoch = state.consensus_epoch(state.globals.height + 1);
        let jail = state.jail_of(&hotkey);
        Ok(JailInfo {
            hotkey: hotkey.to_ss58(),
            jailed: jail.is_some(),
            until_epoch: jail.map(|j| j.until_epoch),
            jailed_at: jail.map(|j| j.jailed_at),
            reason: jail.map(|j| j.reason.as_str().to_string()),
            current_epoch,
            can_unjail: jail.is_some_and(|j| current_epoch >= j.until_epoch),
        })
    }

    async fn state_get_participation(
        &self,
        epoch: Option<u64>,
    ) -> Result<Option<ParticipationInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let epoch = epoch.unwrap_or_else(|| state.consensus_epoch(state.globals.height + 1));
        let Some(set) = state.seats(epoch) else {
            return Ok(None);
        };
        let record = state.participation(epoch).cloned().unwrap_or_default();
        Ok(Some(ParticipationInfo {
            epoch,
            counted_blocks: record.counted,
            missed_votes_jail_ppb: state.params().missed_votes_jail_ppb,
            seats: set
                .seats
                .iter()
                .enumerate()
                .map(|(i, seat)| SeatParticipation {
                    hotkey: seat.hotkey.to_ss58(),
                    consensus_key: format!("0x{}", hex::encode(seat.consensus_key)),
                    voted: record.voted.get(i).copied().unwrap_or(0),
                    missed: record.missed(i),
                    missed_ppb: record.missed_ppb(i),
                    jailed: state.is_jailed(&seat.hotkey),
                })
                .collect(),
        }))
    }

    async fn state_get_nodes(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<RegisteredNode>, ErrorObjectOwned> {
        let limit = limit.unwrap_or(MAX_NODES_LISTED).min(MAX_NODES_LISTED);
        let state = self.chain.finalized_state();
        let epoch = state.consensus_epoch(state.globals.height + 1);
        let seats = state.seats(epoch);
        Ok(state
            .registered_nodes(limit as usize)
            .into_iter()
            .map(|n| RegisteredNode {
                hotkey: n.hotkey.to_ss58(),
                consensus_key: format!("0x{}", hex::encode(n.consensus_key)),
                stake: n.stake,
                seat: seats.is_some_and(|s| s.seats.iter().any(|seat| seat.hotkey == n.hotkey)),
                jailed: state.is_jailed(&n.hotkey),
            })
            .collect())
    }

    async fn state_get_slashes(&self, hotkey: String) -> Result<Vec<SlashInfo>, ErrorObjectOwned> {
        let hotkey = parse_address(&hotkey)?;
        let state = self.chain.finalized_state();
        Ok(state
            .slashes_of(&hotkey)
            .into_iter()
            .map(|(offence_id, r)| SlashInfo {
                offence_id,
                hotkey: r.hotkey.to_ss58(),
                offence_block: r.offence_block,
                slashed_at: r.slashed_at,
                fraction_ppb: r.fraction_ppb,
                stake_burned: r.stake_burned,
                unbonding_burned: r.unbonding_burned,
            })
            .collect())
    }

    async fn state_get_params(&self) -> Result<ChainParams, ErrorObjectOwned> {
        Ok(self.chain.finalized_state().params().clone())
    }

    async fn state_get_supply(&self) -> Result<Supply, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let g = &state.globals;
        Ok(Supply {
            total_issuance: g.total_issuance,
            total_stake: g.total_stake,
            total_unbonding: g.total_unbonding,
            pending_emission: g.total_pending_emission,
            block_reward: block_emission(
                g.total_issuance
                    .checked_add(g.total_pending_emission)
                    .unwrap_or(g.total_issuance),
            ),
            total_burned: g.total_burned,
            total_channels: g.total_channels,
        })
    }

    async fn channel_get(&self, id: Hash) -> Result<Option<ChannelInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.channel(&id).map(|c| channel_info(&state, id, c)))
    }

    async fn channel_list(&self, address: String) -> Result<Vec<ChannelInfo>, ErrorObjectOwned> {
        let who = parse_address(&address)?;
        let state = self.chain.finalized_state();
        Ok(state
            .channels_of(&who)
            .iter()
            .map(|(id, c)| channel_info(&state, *id, c))
            .collect())
    }

    async fn gov_proposals(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<ProposalInfo>, ErrorObjectOwned> {
        let limit = limit.unwrap_or(100);
        if limit > 1_000 {
            return Err(err(codes::TOO_LARGE, "limit must be at most 1000"));
        }
        let state = self.chain.finalized_state();
        // Ids are consecutive, so the newest `limit` are the last `limit` ids.
        let from = state
            .globals
            .next_proposal_id
            .saturating_sub(u64::from(limit));
        let mut out: Vec<ProposalInfo> = state
            .proposals
            .range(from..)
            .map(|(_, p)| proposal_info(&state, p))
            .collect();
        out.reverse();
        Ok(out)
    }

    async fn gov_proposal(&self, id: u64) -> Result<Option<ProposalInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.proposals.get(&id).map(|p| proposal_info(&state, p)))
    }

    async fn gov_votes(&self, id: u64) -> Result<Vec<VoteInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        if !state.proposals.contains_key(&id) {
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
            reserved_deposits: state.globals.total_deposits,
            active_proposals: u32::try_from(state.active_proposals()).unwrap_or(u32::MAX),
        })
    }

    async fn state_get_network_lock_cost(&self) -> Result<Rao, ErrorObjectOwned> {
        Ok(self.chain.finalized_state().network_lock_cost())
    }

    async fn state_get_account_history(
        &self,
        address: String,
        limit: u32,
        before: Option<(u64, u32)>,
    ) -> Result<Vec<(u64, u32, Hash)>, ErrorObjectOwned> {
        let who = parse_address(&address)?;
        if limit > 1_000 {
            return Err(err(codes::TOO_LARGE, "limit must be at most 1000"));
        }
        let before = before.map(|(block_height, index)| taonet_store::HistoryEntry {
            block_height,
            index,
        });
        // The hashes come from the receipts index: O(limit) reads, no block decoded.
        let items = self
            .chain
            .with_store(|s| s.account_history_page(&who, limit as usize, before))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?;
        Ok(items
            .into_iter()
            .map(|i| (i.entry.block_height, i.entry.index, i.tx_hash))
            .collect())
    }

    async fn state_get_account_history_page(
        &self,
        address: String,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<AccountHistoryPage, ErrorObjectOwned> {
        let who = parse_address(&address)?;
        let limit = page_limit(limit)?;
        let before = cursor.as_deref().map(parse_history_cursor).transpose()?;
        // One more than asked tells whether there is a next page.
        let mut items = self
            .chain
            .with_store(|s| s.account_history_page(&who, limit as usize + 1, before))
            .map_err(|e| err(codes::STORAGE, e.to_string()))?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = more
            .then(|| items.last())
            .flatten()
            .map(|i| format!("{}:{}", i.entry.block_height, i.entry.index));
        Ok(AccountHistoryPage {
            entries: items
                .into_iter()
                .map(|i| HistoryItem {
                    block_height: i.entry.block_height,
                    index: i.entry.index,
                    hash: i.tx_hash,
                })
                .collect(),
            next_cursor,
        })
    }

    async fn state_get_delegates_page(
        &self,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<DelegatesPage, ErrorObjectOwned> {
        let limit = page_limit(limit)?;
        let after = cursor.as_deref().map(parse_delegate_cursor).transpose()?;
        Ok(delegates_page(&self.chain.finalized_state(), limit, after))
    }

    async fn author_submit_transaction(&self, tx_hex: String) -> Result<Hash, ErrorObjectOwned> {
        self.submit(&tx_hex).map(|(_, h)| h)
    }

    async fn author_submit_and_watch_transaction(
        &self,
        pending: PendingSubscriptionSink,
        tx_hex: String,
    ) -> SubscriptionResult {
        // Subscribe to finality before submitting, so no block is missed.
        let mut events = self.chain.subscribe();
        let hash = match self.submit(&tx_hex) {
            Ok((_, h)) => h,
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        };
        let sink = pending.accept().await?;
        let send = |status: &TxStatus| {
            serde_json::value::to_raw_value(status).map(SubscriptionMessage::from)
        };
        sink.send(send(&TxStatus::Pending)?).await?;
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(ChainEvent::Finalized(_)) | Err(RecvError::Lagged(_)) => {
                        let status = self.status(&hash).map_err(|e| e.message().to_string())?;
                        match status {
                            TxStatus::Finalized { .. } => {
                                sink.send(send(&status)?).await?;
                                return Ok(());
                            }
                            TxStatus::Unknown => {
                                sink.send(send(&status)?).await?;
                                return Ok(());
                            }
                            TxStatus::Pending => {}
                        }
                    }
                    Ok(ChainEvent::NewHead(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                },
                _ = sink.closed() => return Ok(()),
            }
        }
    }

    async fn author_get_transaction_status(
        &self,
        hash: Hash,
    ) -> Result<TxStatus, ErrorObjectOwned> {
        self.status(&hash)
    }

    async fn author_pending_transactions(&self) -> Result<Vec<Hash>, ErrorObjectOwned> {
        Ok(self
            .chain
            .mempool()
            .pending(10_000)
            .iter()
            .map(SignedTransaction::hash)
            .collect())
    }

    async fn payment_estimate_fee(&self, tx_hex: String) -> Result<FeeEstimate, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let tx = decode_transaction(&tx_hex, state.params())?;
        let size = tx.encode_size();
        Ok(FeeEstimate {
            fee: transaction_fee(&state, &tx.tx.call, size),
            size,
            free_call: tx.tx.call.is_free(),
        })
    }
}

impl RpcApi {
    async fn follow_heads(
        &self,
        pending: PendingSubscriptionSink,
        finalized: bool,
    ) -> SubscriptionResult {
        let mut events = self.chain.subscribe();
        let sink = pending.accept().await?;
        loop {
            tokio::select! {
                event = events.recv() => {
                    let head = match event {
                        Ok(ChainEvent::Finalized(h)) => h,
                        Ok(ChainEvent::NewHead(h)) if !finalized => h,
                        Ok(ChainEvent::NewHead(_)) => continue,
                        Err(RecvError::Lagged(_)) => if finalized { self.chain.finalized() } else { self.chain.best() },
                        Err(RecvError::Closed) => return Ok(()),
                    };
                    let msg = serde_json::value::to_raw_value(&head_info(head))?;
                    sink.send(SubscriptionMessage::from(msg)).await?;
                }
                _ = sink.closed() => return Ok(()),
            }
        }
    }
}

/// The client address of a request (`0.0.0.0`, limited like any address, if the accept loop
/// did not record one).
fn client_ip(extensions: &axum::http::Extensions) -> std::net::IpAddr {
    extensions
        .get::<ClientAddr>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.0)
}

/// The rate-limit refusal, saying the limit and when to retry.
fn rate_limited(limits: &AddressLimits, t: Throttled, what: &str) -> String {
    format!(
        "rate limit exceeded: {} calls/s per address (burst {}){what}; retry after {} ms",
        limits.rate().unwrap_or(0),
        limits.rate().unwrap_or(0).saturating_mul(2),
        (t.retry_after_secs * 1000.0).ceil() as u64
    )
}

/// The rate limit and batch size middleware: every call and batch entry takes a token from
/// its client address's bucket ([`AddressLimits`]); a batch over `max_batch` entries, or one
/// the bucket cannot pay for whole, is refused whole.
#[derive(Clone)]
struct RateLimit<S> {
    service: S,
    limits: Arc<AddressLimits>,
    max_batch: u32,
}

impl<S> RpcServiceT for RateLimit<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let allowed = self.limits.take(client_ip(request.extensions()), 1);
        let limits = self.limits.clone();
        let service = self.service.clone();
        async move {
            match allowed {
                Ok(()) => service.call(request).await,
                Err(t) => MethodResponse::error(
                    request.id,
                    err(codes::RATE_LIMITED, rate_limited(&limits, t, "")),
                ),
            }
        }
    }

    fn batch<'a>(
        &self,
        mut requests: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let n = requests.len();
        let refusal = if n > self.max_batch as usize {
            Some(err(
                codes::BATCH_TOO_LARGE,
                format!(
                    "batch of {n} entries exceeds --rpc-max-batch {}; send at most {} calls per batch",
                    self.max_batch, self.max_batch
                ),
            ))
        } else {
            let ip = client_ip(requests.extensions());
            let entries = u32::try_from(n).unwrap_or(u32::MAX);
            self.limits.take(ip, entries).err().map(|t| {
                err(
                    codes::RATE_LIMITED,
                    rate_limited(
                        &self.limits,
                        t,
                        &format!("; this batch of {n} entries needs {n} and was refused whole"),
                    ),
                )
            })
        };
        let service = self.service.clone();
        async move {
            match refusal {
                None => service.batch(requests).await,
                Some(e) => MethodResponse::error(Id::Null, e),
            }
        }
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        // Notifications get no answer either way; a throttled one is dropped unserved.
        let allowed = self.limits.take(client_ip(n.extensions()), 1).is_ok();
        let service = self.service.clone();
        async move {
            if allowed {
                service.notification(n).await
            } else {
                MethodResponse::notification()
            }
        }
    }
}

/// A plain-text HTTP response.
fn text_response(
    status: u16,
    text: String,
    retry_after_secs: Option<u64>,
) -> HttpResponse<HttpBody> {
    let mut response = HttpResponse::new(HttpBody::from(text));
    *response.status_mut() = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::TOO_MANY_REQUESTS);
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Some(secs) = retry_after_secs {
        headers.insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
    }
    response
}

/// Sends browser requests (`GET`/`HEAD` that are not WebSocket upgrades) to the explorer,
/// each taking a token from its address's bucket (HTTP 429 when it is empty), and everything
/// else to the RPC server.
#[derive(Clone)]
struct ExplorerLayer {
    explorer: Option<axum::Router>,
    limits: Arc<AddressLimits>,
}

impl<S> tower::Layer<S> for ExplorerLayer {
    type Service = ExplorerService<S>;

    fn layer(&self, inner: S) -> ExplorerService<S> {
        ExplorerService {
            inner,
            explorer: self.explorer.clone(),
            limits: self.limits.clone(),
        }
    }
}

#[derive(Clone)]
struct ExplorerService<S> {
    inner: S,
    explorer: Option<axum::Router>,
    limits: Arc<AddressLimits>,
}

/// Whether a request is a browser's page request (not JSON-RPC, not a WebSocket upgrade).
fn is_browser_request<B>(request: &HttpRequest<B>) -> bool {
    use axum::http::Method;
    (request.method() == Method::GET || request.method() == Method::HEAD)
        && !request.headers().contains_key("upgrade")
}

impl<S> tower::Service<HttpRequest<HttpBody>> for ExplorerService<S>
where
    S: tower::Service<HttpRequest<HttpBody>, Response = HttpResponse<HttpBody>, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse<HttpBody>, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: HttpRequest<HttpBody>) -> Self::Future {
        if let Some(router) = &self.explorer
            && is_browser_request(&request)
        {
            if let Err(t) = self.limits.take(client_ip(request.extensions()), 1) {
                let text = format!(
                    "{}\n",
                    rate_limited(&self.limits, t, " (explorer pages count one each)")
                );
                let secs = t.retry_after_secs.ceil() as u64;
                return Box::pin(async move { Ok(text_response(429, text, Some(secs))) });
            }
            let router = router.clone();
            return Box::pin(async move {
                match tower::ServiceExt::oneshot(router, request).await {
                    Ok(response) => Ok(response.map(HttpBody::new)),
                    Err(never) => match never {},
                }
            });
        }
        Box::pin(self.inner.call(request))
    }
}

/// The address a client on this machine reaches `addr` at (loopback for a wildcard address).
fn local_address(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// The jsonrpsee service of one accepted connection: records the client's address in every
/// request's extensions (the rate limit reads it there), with the connection's place under the
/// per-address cap (a WebSocket keeps its request's extensions, so the place is held until the
/// socket closes, not just until the HTTP upgrade), and hands the request on.
#[derive(Clone)]
struct Connection<R, H> {
    builder: TowerServiceBuilder<R, H>,
    methods: Methods,
    stop: StopHandle,
    client: ClientAddr,
    permit: Arc<limits::ConnectionPermit>,
}

impl<R, H, B> tower::Service<HttpRequest<B>> for Connection<R, H>
where
    B: axum::body::HttpBody<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    jsonrpsee::server::TowerService<R, H>: tower::Service<
            HttpRequest<HttpBody>,
            Response = HttpResponse<HttpBody>,
            Error = BoxError,
            Future: Send + 'static,
        >,
    R: Clone,
    H: Clone,
{
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse<HttpBody>, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let mut request = request.map(HttpBody::new);
        request.extensions_mut().insert(self.client);
        request.extensions_mut().insert(self.permit.clone());
        let mut service = self
            .builder
            .clone()
            .build(self.methods.clone(), self.stop.clone());
        Box::pin(tower::Service::call(&mut service, request))
    }
}

/// Answers every request of a connection over the per-address connection cap with HTTP 429.
#[derive(Clone)]
struct Refuse {
    max: u32,
}

impl<B: Send + 'static> tower::Service<HttpRequest<B>> for Refuse {
    type Response = HttpResponse<HttpBody>;
    type Error = BoxError;
    type Future = std::future::Ready<Result<HttpResponse<HttpBody>, BoxError>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: HttpRequest<B>) -> Self::Future {
        std::future::ready(Ok(text_response(
            429,
            format!(
                "too many connections from your address: at most {} connections per address; close some and retry\n",
                self.max
            ),
            Some(1),
        )))
    }
}

/// Serves `methods` on `listener` with `limits` until the returned handle is stopped or
/// dropped: an accept loop that admits each connection under the per-address cap and tags its
/// requests with the client's address.
fn serve(
    listener: tokio::net::TcpListener,
    config: &RpcConfig,
    methods: Methods,
    limits: Arc<AddressLimits>,
    explorer: Option<axum::Router>,
    keep_alive: Option<ServerHandle>,
) -> ServerHandle {
    let middleware_limits = limits.clone();
    let max_batch = config.max_batch.max(1);
    let middleware = RpcServiceBuilder::new().layer_fn(move |service| RateLimit {
        service,
        limits: middleware_limits.clone(),
        max_batch,
    });
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions)
        .build();
    let builder = Server::builder()
        .set_config(server_config)
        .set_rpc_middleware(middleware)
        .set_http_middleware(tower::ServiceBuilder::new().layer(ExplorerLayer {
            explorer,
            limits: limits.clone(),
        }))
        .to_service_builder();
    let (stop, handle) = jsonrpsee::server::stop_channel();
    tokio::spawn(async move {
        // Held until this server stops (the explorer's private endpoint stops with it).
        let _keep_alive = keep_alive;
        loop {
            let (socket, remote) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::debug!("rpc accept failed: {e}");
                        continue;
                    }
                },
                _ = stop.clone().shutdown() => break,
            };
            let shutdown = stop.clone().shutdown();
            match limits.connect(remote.ip()) {
                Some(permit) => {
                    let service = Connection {
                        builder: builder.clone(),
                        methods: methods.clone(),
                        stop: stop.clone(),
                        client: ClientAddr(remote.ip()),
                        permit: Arc::new(permit),
                    };
                    tokio::spawn(async move {
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            socket, service, shutdown,
                        )
                        .await;
                    });
                }
                None => {
                    let refuse = Refuse {
                        max: limits.max_connections(),
                    };
                    tokio::spawn(async move {
                        let _ = jsonrpsee::server::serve_with_graceful_shutdown(
                            socket, refuse, shutdown,
                        )
                        .await;
                    });
                }
            }
        }
    });
    handle
}

/// Starts the RPC server (and the explorer, if configured); it runs until the handle is
/// stopped or dropped (the explorer's sampler and private endpoint stop with it).
pub async fn start(config: &RpcConfig, api: RpcApi) -> std::io::Result<(ServerHandle, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let methods: Methods = api.into_rpc().into();
    let (explorer, private) = if config.explorer {
        // The explorer's own reads go to a private loopback endpoint without a rate limit: the
        // browser's page request already took its token from its own address's bucket.
        let private =
            tokio::net::TcpListener::bind(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0)))
                .await?;
        let private_addr = local_address(private.local_addr()?);
        let handle = serve(
            private,
            config,
            methods.clone(),
            Arc::new(AddressLimits::unlimited()),
            None,
            None,
        );
        let url = format!("http://{private_addr}");
        let router = taonet_explorer::router(taonet_explorer::ExplorerConfig::new(url))
            .map_err(std::io::Error::other)?;
        (Some(router), Some(handle))
    } else {
        (None, None)
    };
    let limits = Arc::new(AddressLimits::new(
        config.requests_per_second,
        config.max_connections_per_address,
        config.limit_loopback,
    ));
    let handle = serve(listener, config, methods, limits, explorer, private);
    Ok((handle, addr))
}
