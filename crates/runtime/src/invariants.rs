//! Invariants that hold after every block (checked in tests, and after every block in debug
//! builds).
//!
//! 1. Total issuance = Σ free balances + total stake + total unbonding + total locked +
//!    treasury + reserved proposal deposits + TAO held by payment channels.
//! 2. The running totals equal their sums: total stake = Σ stake positions = Σ per-hotkey
//!    totals; total unbonding = Σ unbonding entries; total locked = Σ subnet locks; total
//!    pending emission = Σ subnets' pending emission.
//! 3. Issuance plus pending emission never exceeds the 21M TAO cap.
//! 4. Every subnet's neurons are exactly uids `0..n`, and the hotkey → uid index matches them.
//! 5. Every staked hotkey has an owner.
//! 6. Reserved deposits = Σ deposits of proposals in their voting period, and each of those
//!    has exactly one tally task queued.
//! 7. Every jailed hotkey, and the offender of every recorded offence (or the hotkey a swap
//!    replaced it with, [`crate::keyswap`]), has an owner.
//! 8. Every payment channel holds `claimed ≤ deposit` and `paid_to_miners ≤ claimed`, and
//!    the channels' total = Σ (deposit − claimed).
//! 9. The derived indexes ([`crate::state::Indexes`]: stakes by coldkey, hotkeys by owner,
//!    hotkeys by consensus key, unbonding entries by hotkey) equal what a scan of their maps
//!    gives ([`check_indexes`]).
//! 10. Every commitment belongs to a neuron that holds its uid, was made no earlier than that
//!     neuron registered (a new hotkey never inherits one), and has 1 to
//!     `MAX_COMMITMENT_BYTES` bytes.
//! 11. Every identity satisfies the rules of [`crate::identity`] (a name, each text at most
//!     `MAX_TEXT` bytes without control characters) and was set no later than the current
//!     height.

use std::collections::BTreeMap;

use imbl::OrdSet;
use taonet_types::gov::ProposalStatus;
use taonet_types::{AccountId, MAX_SUPPLY};

use crate::state::{GovTask, Indexes, State};

/// Invariant 9: each derived index equals a rebuild from its map (the first mismatch).
pub fn check_indexes(state: &State) -> Result<(), String> {
    let built = Indexes::build(state);
    let idx = &state.idx;
    same(
        "stakes_by_coldkey",
        &idx.stakes_by_coldkey,
        &built.stakes_by_coldkey,
    )?;
    same(
        "hotkeys_by_owner",
        &idx.hotkeys_by_owner,
        &built.hotkeys_by_owner,
    )?;
    same(
        "hotkeys_by_consensus_key",
        &idx.hotkeys_by_consensus_key,
        &built.hotkeys_by_consensus_key,
    )?;
    same(
        "unbonding_by_hotkey",
        &idx.unbonding_by_hotkey,
        &built.unbonding_by_hotkey,
    )?;
    same("moves_by_from", &idx.moves_by_from, &built.moves_by_from)?;
    same(
        "moves_by_target",
        &idx.moves_by_target,
        &built.moves_by_target,
    )
}

/// `Err` naming an entry the index has but a scan does not, and one the other way round.
fn same<T: Ord + Clone + std::fmt::Debug>(
    name: &str,
    index: &OrdSet<T>,
    scan: &OrdSet<T>,
) -> Result<(), String> {
    if index == scan {
        return Ok(());
    }
    let first_not_in = |a: &OrdSet<T>, b: &OrdSet<T>| {
        a.iter()
            .find(|e| !b.contains(*e))
            .map_or_else(|| "none".to_string(), |e| format!("{e:?}"))
    };
    Err(format!(
        "index {name} differs from a scan: extra {}, missing {}",
        first_not_in(index, scan),
        first_not_in(scan, index)
    ))
}

fn sum(values: impl Iterator<Item = u64>) -> u128 {
    values.map(u128::from).sum()
}

/// Checks every invariant, returning the first violation.
pub fn check(state: &State) -> Result<(), String> {
    let g = &state.globals;
    let free = sum(state.accounts.iter().map(|(_, a)| a.free.0));
    let stake = sum(state.stakes.iter().map(|(_, s)| s.0));
    let hotkey_totals = sum(state.hotkey_stake.iter().map(|(_, s)| s.0));
    let unbonding = sum(state.unbonding.iter().map(|(_, u)| u.amount.0));
    let locked = sum(state.subnets.iter().map(|(_, s)| s.locked.0));
    let pending = sum(state.subnets.iter().map(|(_, s)| s.pending_emission.0));

    let parts = free
        + u128::from(g.total_stake.0)
        + u128::from(g.total_unbonding.0)
        + u128::from(g.total_locked.0)
        + u128::from(g.treasury.0)
        + u128::from(g.total_deposits.0)
        + u128::from(g.total_channels.0);
    if u128::from(g.total_issuance.0) != parts {
        return Err(format!(
            "total issuance {} != free {free} + stake {} + unbonding {} + locked {} + treasury {} + deposits {} + channels {}",
            g.total_issuance.0,
            g.total_stake.0,
            g.total_unbonding.0,
            g.total_locked.0,
            g.treasury.0,
            g.total_deposits.0,
            g.total_channels.0
        ));
    }
    let mut in_channels: u128 = 0;
    for (id, c) in state.channels.iter() {
        if c.claimed > c.deposit || c.paid_to_miners > c.claimed {
            return Err(format!(
                "channel {id}: claimed {} of deposit {}, {} of it to miners",
                c.claimed.0, c.deposit.0, c.paid_to_miners.0
            ));
        }
        in_channels += u128::from(c.remaining().0);
    }
    if in_channels != u128::from(g.total_channels.0) {
        return Err(format!(
            "total channels {} != Σ (deposit − claimed) {in_channels}",
            g.total_channels.0
        ));
    }
    let mut deposits: u128 = 0;
    for (id, p) in state.proposals.iter() {
        if p.status == ProposalStatus::Voting {
            deposits += u128::from(p.deposit.0);
            if state.gov_queue.get(&(p.voting_ends, *id)) != Some(&GovTask::Tally) {
                return Err(format!("voting proposal {id} has no tally queued"));
            }
        }
    }
    if deposits != u128::from(g.total_deposits.0) {
        return Err(format!(
            "total deposits {} != voting proposals' deposits {deposits}",
            g.total_deposits.0
        ));
    }
    if stake != u128::from(g.total_stake.0) || hotkey_totals != stake {
        return Err(format!(
            "total stake {} but positions sum to {stake} and hotkey totals to {hotkey_totals}",
            g.total_stake.0
        ));
    }
    let mut per_hotkey: BTreeMap<AccountId, u128> = BTreeMap::new();
    for ((hotkey, _), s) in state.stakes.iter() {
        *per_hotkey.entry(*hotkey).or_default() += u128::from(s.0);
        if !state.hotkeys.contains_key(hotkey) {
            return Err(format!("stake on hotkey {hotkey} that has no owner"));
        }
    }
    for (hotkey, total) in state.hotkey_stake.iter() {
        if per_hotkey.get(hotkey).copied().unwrap_or(0) != u128::from(total.0) {
            return Err(format!(
                "hotkey {hotkey} total stake does not match its positions"
            ));
        }
    }
    if unbonding != u128::from(g.total_unbonding.0) {
        return Err(format!(
            "total unbonding {} != entries {unbonding}",
            g.total_unbonding.0
        ));
    }
    if locked != u128::from(g.total_locked.0) {
        return Err(format!(
            "total locked {} != subnet locks {locked}",
            g.total_locked.0
        ));
    }
    if pending != u128::from(g.total_pending_emission.0) {
        return Err(format!(
            "total pending emission {} != subnets' {pending}",
            g.total_pending_emission.0
        ));
    }
    if u128::from(g.total_issuance.0) + pending > u128::from(MAX_SUPPLY.0) {
        return Err("issuance plus pending emission exceeds the 21M cap".into());
    }
    for (netuid, info) in state.subnets.iter() {
        let uids: Vec<u16> = state
            .neurons
            .range((*netuid, 0)..=(*netuid, u16::MAX))
            .map(|((_, uid), _)| *uid)
            .collect();
        if uids.len() != usize::from(info.n)
            || uids.iter().enumerate().any(|(i, u)| usize::from(*u) != i)
        {
            return Err(format!(
                "subnet {netuid} has n = {} but neurons {uids:?}",
                info.n
            ));
        }
        for ((_, uid), neuron) in state.neurons.range((*netuid, 0)..(*netuid, info.n)) {
            if state.uid_of(*netuid, &neuron.hotkey) != Some(*uid) {
                return Err(format!("subnet {netuid} uid {uid}: hotkey index mismatch"));
            }
        }
    }
    for (hotkey, _) in state.jailed.iter() {
        if !state.hotkeys.contains_key(hotkey) {
            return Err(format!("jailed hotkey {hotkey} has no owner"));
        }
    }
    for (id, record) in state.offences.iter() {
        if !state
            .hotkeys
            .contains_key(&state.current_hotkey(&record.hotkey))
        {
            return Err(format!(
                "offence {id} against hotkey {} that has no owner",
                record.hotkey
            ));
        }
    }
    for ((netuid, uid), c) in state.commitments.iter() {
        let Some(neuron) = state.neurons.get(&(*netuid, *uid)) else {
            return Err(format!(
                "commitment of subnet {netuid} uid {uid} without a neuron"
            ));
        };
        if c.block < neuron.registered_at {
            return Err(format!(
                "commitment of subnet {netuid} uid {uid} (block {}) predates its neuron (block {})",
                c.block, neuron.registered_at
            ));
        }
        if c.data.is_empty() || c.data.len() > taonet_types::tx::MAX_COMMITMENT_BYTES {
            return Err(format!(
                "commitment of subnet {netuid} uid {uid} has {} bytes",
                c.data.len()
            ));
        }
    }
    for (account, id) in state.identities.iter() {
        if let Err(e) = crate::identity::check_identity(&id.name, &id.url, &id.description) {
            return Err(format!("identity of {account}: {e}"));
        }
        if id.block > state.globals.height {
            return Err(format!(
                "identity of {account} set at block {} after the current height {}",
                id.block, state.globals.height
            ));
        }
    }
    check_indexes(state)?;
    let indexed = state.uids.len();
    let neurons = state.neurons.len();
    if indexed != neurons {
        return Err(format!(
            "{indexed} hotkey → uid entries for {neurons} neurons"
        ));
    }
    Ok(())
}
