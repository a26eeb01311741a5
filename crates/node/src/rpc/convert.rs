//! State → response: builds the client's response shapes ([`taonet_client::types`]) from the
//! runtime's state and the node's heads.
//!
//! # Rules
//! - Read only: nothing here changes state or touches the store.
//! - Addresses leave as SS58 and keys as `0x`-hex; amounts stay integers of rao, shares
//!   parts per billion.
//! - A proposal still voting gets a live tally; a closed one the tally it closed with.

use taonet_client::types::*;
use taonet_crypto::Ss58;
use taonet_runtime::State;
use taonet_runtime::neurons::current_burn;
use taonet_runtime::state::{Neuron, SubnetRecord};
use taonet_types::{AccountId, Hash, Rao};

use crate::chain::Head;

pub(super) fn head_info(h: Head) -> HeadInfo {
    HeadInfo {
        height: h.height,
        hash: h.hash,
        state_root: h.state_root,
        timestamp_ms: h.timestamp_ms,
    }
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
        ProposalAction::ScheduleUpgrade(u) => vec![format!(
            "upgrade to protocol v{} \"{}\" at block {}",
            u.version, u.name, u.height
        )],
        ProposalAction::CancelUpgrade { version } => {
            vec![format!(
                "cancel the scheduled upgrade to protocol v{version}"
            )]
        }
    }
}

pub(super) fn proposal_info(state: &State, p: &taonet_types::gov::Proposal) -> ProposalInfo {
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
        height: state.height(),
    }
}

pub(super) fn channel_info(
    state: &State,
    id: Hash,
    c: &taonet_types::channel::PaymentChannel,
) -> ChannelInfo {
    let height = state.height();
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

pub(super) fn subnet_info(netuid: u16, s: &SubnetRecord, state: &State) -> SubnetInfo {
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
        burn: current_burn(s, state.height()),
        pending_emission: s.pending_emission,
        last_epoch_block: s.last_epoch_block,
        next_epoch_block: s.last_epoch_block + tempo,
        epoch_index: s.epoch_index,
        locked: s.locked,
        url: s.identity.url.clone(),
        description: s.identity.description.clone(),
    }
}

pub(super) fn neuron_info(
    state: &State,
    netuid: u16,
    uid: u16,
    n: &Neuron,
    weights: bool,
    bonds: bool,
) -> NeuronInfo {
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
        commitment: state
            .commitment(netuid, uid)
            .map(|c| format!("0x{}", hex::encode(&c.data))),
    }
}

pub(super) fn commitment_info(state: &State, netuid: u16, uid: u16) -> Option<CommitmentInfo> {
    let c = state.commitment(netuid, uid)?;
    let hotkey = state.neuron(netuid, uid)?.hotkey;
    Some(CommitmentInfo {
        netuid,
        uid,
        hotkey: hotkey.to_ss58(),
        block: c.block,
        data: format!("0x{}", hex::encode(&c.data)),
    })
}

pub(super) fn identity_info(state: &State, account: &AccountId) -> Option<IdentityInfo> {
    state.identity(account).map(|i| IdentityInfo {
        name: i.name.clone(),
        url: i.url.clone(),
        description: i.description.clone(),
        block: i.block,
    })
}

pub(super) fn root_info(state: &State) -> RootInfo {
    let params = state.params();
    let tempo = u64::from(params.root_tempo.max(1));
    let members = state
        .neurons(0)
        .map(|(uid, n)| RootMember {
            uid,
            hotkey: n.hotkey.to_ss58(),
            stake: state.total_hotkey_stake(&n.hotkey),
            weights: n.weights.iter().copied().collect(),
        })
        .collect();
    let candidates = state
        .root_candidates_ranked()
        .into_iter()
        .map(|c| RootCandidateInfo {
            hotkey: c.hotkey.to_ss58(),
            stake: c.stake,
            registered_at: c.registered_at,
            uid: c.uid,
        })
        .collect();
    RootInfo {
        block: state.height(),
        max_members: params.root_max_uids,
        next_recompute: state.globals().last_root_epoch.saturating_add(tempo),
        members,
        candidates,
    }
}

pub(super) fn coldkey_swap_info(state: &State, coldkey: &AccountId) -> Option<ColdkeySwapInfo> {
    state.coldkey_swap(coldkey).map(|s| ColdkeySwapInfo {
        old_coldkey: coldkey.to_ss58(),
        new_coldkey: s.new_coldkey.to_ss58(),
        announced_at: s.announced_at,
        executable_at: s.executable_at,
        disputed_at: (s.disputed_at != 0).then_some(s.disputed_at),
    })
}

pub(super) fn delegate_info(state: &State, hotkey: &AccountId) -> Option<DelegateInfo> {
    let info = state.hotkey(hotkey)?;
    let registrations = state
        .subnets()
        .filter_map(|(netuid, _)| state.uid_of(netuid, hotkey).map(|uid| (netuid, uid)))
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
        identity: identity_info(state, &info.owner),
    })
}

/// Hotkeys with stake, most first (then by hotkey), strictly after `after`: at most `limit`.
/// Sorting reads one total per hotkey; only the page's delegates are built (nominators,
/// registrations).
pub(super) fn delegates_page(
    state: &State,
    limit: u32,
    after: Option<(Rao, AccountId)>,
) -> DelegatesPage {
    let after = after.map(|(stake, hotkey)| (stake, hotkey.to_ss58()));
    let mut order: Vec<(Rao, String, AccountId)> = state
        .hotkey_stakes()
        .filter(|(h, _)| state.hotkey(h).is_some())
        .map(|(h, s)| (s, h.to_ss58(), h))
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
