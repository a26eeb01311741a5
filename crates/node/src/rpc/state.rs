//! `state_*`: accounts, stake, delegates, subnets, neurons, seats, jails, slashes and the
//! chain's figures ([`StateApiServer`]).
//!
//! # Rules
//! - Every answer is read from one finalized state (account history from the store's
//!   indexes), so the figures of one answer agree with each other.
//! - Addresses are parsed by `input.rs`; a malformed one is refused with
//!   `BAD_ADDRESS`.
//! - A delegate (`state_getDelegate`, each entry of `state_getDelegates[Page]`) carries its
//!   owner coldkey's identity (`identity.set`), one map read per delegate;
//!   `state_getIdentity` reads one account's.
//! - `state_getProtocol` answers from the finalized state and the node itself: the version
//!   the chain runs, the newest this node runs, the scheduled upgrade (with the blocks left
//!   and whether this node runs it) and, once the node has halted at an upgrade it cannot run,
//!   why.
//! - `state_getRoot` reads the root subnet (netuid 0): its members (the neurons of netuid 0,
//!   by uid, each with its total stake and its weights keyed by netuid) and every root
//!   candidate in the runtime's membership order (`State::root_candidates_ranked`: most total
//!   stake first, then earlier registration, then lower hotkey; a member carries its uid).
//!   `next_recompute` is the block of the next root epoch (`last_root_epoch + root_tempo`),
//!   which recomputes the membership (sooner if the set of subnets changes). The answer is
//!   bounded by the runtime: at most `root_max_uids` members and 4 × `root_max_uids`
//!   candidates, O(c log c) in the c candidates.
//! - `state_getColdkeySwap` reads the swap a coldkey announced (`null` when none is pending;
//!   an executed swap is removed); `disputed_at` is `null` unless the old coldkey disputed it.
//! - Lists that grow with the chain are bounded: delegates and account history by page (at
//!   most 1,000 an answer, continued by cursor; an account history page costs O(page) index
//!   reads), registered nodes at most [`MAX_NODES_LISTED`].
//! - A coldkey's overview (`state_getOverview`) lists the hotkeys it owns (the owner index)
//!   and the hotkeys it stakes on (the coldkey's stake index), each once, in account-id order,
//!   each with the coldkey's stake on it and its registrations (uid and metagraph figures per
//!   subnet). Its balances and `total_stake` cover every position; the hotkeys are paged: at
//!   most [`MAX_OVERVIEW_HOTKEYS`] a page, and a page stops before a hotkey that would take it
//!   past [`MAX_OVERVIEW_REGISTRATIONS`] registrations (the first hotkey of a page always fits:
//!   a hotkey has at most one uid per subnet). The cursor is the last hotkey of the page
//!   (SS58); each page carries its block, so a caller reading several pages can tell whether
//!   they come from one state. A page costs O(k log n) in the coldkey's k hotkeys plus O(S log
//!   n) per listed hotkey over the S subnets.

use std::collections::BTreeSet;
use std::ops::Bound;

use jsonrpsee::core::async_trait;
use jsonrpsee::types::ErrorObjectOwned;
use taonet_client::api::StateApiServer;
use taonet_client::codes;
use taonet_client::types::*;
use taonet_crypto::Ss58;
use taonet_runtime::State;
use taonet_runtime::emission::block_emission;
use taonet_types::{AccountId, ChainParams, Hash, Rao, SeatSet};

use super::convert::{
    coldkey_swap_info, commitment_info, delegate_info, delegates_page, identity_info, neuron_info,
    root_info, subnet_info,
};
use super::input::{
    MAX_PAGE, page_limit, parse_address, parse_delegate_cursor, parse_history_cursor,
};
use super::{RpcApi, err};

/// Most registered nodes `state_getNodes` lists.
const MAX_NODES_LISTED: u32 = 1024;

/// Most hotkeys of one page of `state_getOverview` (also its default).
pub const MAX_OVERVIEW_HOTKEYS: u32 = 256;

/// Most registrations of one page of `state_getOverview` (unless its first hotkey alone has
/// more, which the subnet limit bounds).
pub const MAX_OVERVIEW_REGISTRATIONS: usize = 1024;

/// The overview page limit: `limit` hotkeys (default [`MAX_OVERVIEW_HOTKEYS`]), from 1 to
/// [`MAX_OVERVIEW_HOTKEYS`].
fn overview_limit(limit: Option<u32>) -> Result<usize, ErrorObjectOwned> {
    match limit.unwrap_or(MAX_OVERVIEW_HOTKEYS) {
        0 => Err(err(codes::TOO_LARGE, "limit must be at least 1")),
        l if l > MAX_OVERVIEW_HOTKEYS => Err(err(
            codes::TOO_LARGE,
            format!(
                "limit {l} is over the most hotkeys per overview page, {MAX_OVERVIEW_HOTKEYS}; page with the cursor"
            ),
        )),
        l => Ok(l as usize),
    }
}

/// One registration of an overview: the neuron's metagraph figures.
fn overview_registration(
    state: &State,
    hotkey: &AccountId,
    netuid: u16,
    uid: u16,
) -> Option<OverviewRegistration> {
    let n = state.neuron(netuid, uid)?;
    Some(OverviewRegistration {
        netuid,
        uid,
        stake: state.total_hotkey_stake(hotkey),
        incentive: n.incentive,
        dividends: n.dividends,
        emission: n.emission,
        validator_permit: n.validator_permit,
        axon: (n.axon.port != 0)
            .then(|| n.axon.socket_addr().map(|a| a.to_string()))
            .flatten(),
        last_update: n.last_update,
    })
}

/// One page of the overview of `coldkey` (module rules).
fn overview_page(
    state: &State,
    coldkey: &AccountId,
    limit: usize,
    after: Option<AccountId>,
) -> Overview {
    let positions = state.stakes_of(coldkey);
    let total_stake = positions
        .iter()
        .fold(Rao::ZERO, |a, (_, s)| a.saturating_add(*s));
    let mut hotkeys: BTreeSet<AccountId> = state.hotkeys_of(coldkey).into_iter().collect();
    hotkeys.extend(positions.iter().map(|(h, _)| *h));
    let lower = match after {
        Some(a) => Bound::Excluded(a),
        None => Bound::Unbounded,
    };
    let mut page = Vec::new();
    let mut registrations = 0usize;
    let mut rest = hotkeys.range((lower, Bound::Unbounded)).peekable();
    while let Some(hotkey) = rest.peek().copied() {
        if page.len() == limit {
            break;
        }
        let regs: Vec<OverviewRegistration> = state
            .registrations_of(hotkey)
            .into_iter()
            .filter_map(|(netuid, uid)| overview_registration(state, hotkey, netuid, uid))
            .collect();
        if !page.is_empty() && registrations + regs.len() > MAX_OVERVIEW_REGISTRATIONS {
            break;
        }
        registrations += regs.len();
        page.push(OverviewHotkey {
            hotkey: hotkey.to_ss58(),
            owner: state.hotkey_owner(hotkey).map(|o| o.to_ss58()),
            stake: state.stake(hotkey, coldkey),
            total_stake: state.total_hotkey_stake(hotkey),
            registrations: regs,
        });
        rest.next();
    }
    let next_cursor = rest
        .peek()
        .is_some()
        .then(|| page.last().map(|h| h.hotkey.clone()))
        .flatten();
    Overview {
        coldkey: coldkey.to_ss58(),
        block: state.height(),
        free: state.free(coldkey),
        unbonding: state
            .unbonding_of(coldkey)
            .iter()
            .fold(Rao::ZERO, |a, (_, u)| a.saturating_add(u.amount)),
        total_stake,
        hotkeys: page,
        next_cursor,
    }
}

#[async_trait]
impl StateApiServer for RpcApi {
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

    async fn state_get_overview(
        &self,
        coldkey: String,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<Overview, ErrorObjectOwned> {
        let who = parse_address(&coldkey)?;
        let limit = overview_limit(limit)?;
        let after = cursor
            .as_deref()
            .map(|c| {
                parse_address(c).map_err(|_| {
                    err(
                        codes::BAD_ADDRESS,
                        format!(
                            "bad cursor {c:?}: pass a page's next_cursor (the SS58 of its last hotkey)"
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(overview_page(
            &self.chain.finalized_state(),
            &who,
            limit,
            after,
        ))
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

    async fn state_get_delegates_page(
        &self,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<DelegatesPage, ErrorObjectOwned> {
        let limit = page_limit(limit)?;
        let after = cursor.as_deref().map(parse_delegate_cursor).transpose()?;
        Ok(delegates_page(&self.chain.finalized_state(), limit, after))
    }

    async fn state_get_subnets(&self) -> Result<Vec<SubnetInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state
            .subnets()
            .map(|(n, s)| subnet_info(n, s, &state))
            .collect())
    }

    async fn state_get_subnet(
        &self,
        netuid: u16,
    ) -> Result<Option<SubnetDetail>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(state.subnet(netuid).map(|s| SubnetDetail {
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
            .neuron(netuid, uid)
            .map(|n| neuron_info(&state, netuid, uid, n, true, true)))
    }

    async fn state_get_commitment(
        &self,
        netuid: u16,
        uid: u16,
    ) -> Result<Option<CommitmentInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        Ok(commitment_info(&state, netuid, uid))
    }

    async fn state_get_identity(
        &self,
        address: String,
    ) -> Result<Option<IdentityInfo>, ErrorObjectOwned> {
        let account = parse_address(&address)?;
        Ok(identity_info(&self.chain.finalized_state(), &account))
    }

    async fn state_get_root(&self) -> Result<RootInfo, ErrorObjectOwned> {
        Ok(root_info(&self.chain.finalized_state()))
    }

    async fn state_get_coldkey_swap(
        &self,
        coldkey: String,
    ) -> Result<Option<ColdkeySwapInfo>, ErrorObjectOwned> {
        let account = parse_address(&coldkey)?;
        Ok(coldkey_swap_info(&self.chain.finalized_state(), &account))
    }

    async fn state_get_protocol(&self) -> Result<ProtocolInfo, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let upgrade = state.pending_upgrade().map(|u| UpgradeInfo {
            version: u.version,
            height: u.height,
            name: u.name.clone(),
            notes: u.notes.clone(),
            blocks_left: u.height.saturating_sub(state.height()),
            supported: u.version <= state.max_version,
        });
        Ok(ProtocolInfo {
            block: state.height(),
            version: state.protocol_version(),
            supported: state.max_version,
            upgrade,
            halted: self.chain.halted(),
        })
    }

    async fn state_get_metagraph(
        &self,
        netuid: u16,
        with_weights: bool,
        with_bonds: bool,
    ) -> Result<Option<MetagraphInfo>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let Some(subnet) = state.subnet(netuid) else {
            return Ok(None);
        };
        let neurons = state
            .neurons(netuid)
            .take(usize::from(subnet.n))
            .map(|(uid, n)| neuron_info(&state, netuid, uid, n, with_weights, with_bonds))
            .collect();
        Ok(Some(MetagraphInfo {
            netuid,
            block: state.height(),
            subnet: subnet_info(netuid, subnet, &state),
            neurons,
        }))
    }

    async fn state_get_seats(
        &self,
        epoch: Option<u64>,
    ) -> Result<Option<SeatSet>, ErrorObjectOwned> {
        let state = self.chain.finalized_state();
        let epoch = epoch.unwrap_or_else(|| state.consensus_epoch(state.height() + 1));
        Ok(state.seats(epoch).cloned())
    }

    async fn state_get_jail(&self, hotkey: String) -> Result<JailInfo, ErrorObjectOwned> {
        let hotkey = parse_address(&hotkey)?;
        let state = self.chain.finalized_state();
        let current_epoch = state.consensus_epoch(state.height() + 1);
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
        let epoch = epoch.unwrap_or_else(|| state.consensus_epoch(state.height() + 1));
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
        let epoch = state.consensus_epoch(state.height() + 1);
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
        let g = state.globals();
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
            total_fees_burned: g.total_fees_burned,
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
}
