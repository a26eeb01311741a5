//! Transactions' calls in words: a one-line summary for tables and labelled arguments for the
//! transaction page. Addresses become account links, amounts TAO, proportions percentages.

use std::fmt::Write as _;

use taonet_types::gov::{ParamUpdate, ProposalAction};
use taonet_types::tx::{
    BalancesCall, ChannelCall, CommitmentCall, ConsensusCall, GovernanceCall, IdentityCall,
    NeuronCall, StakingCall, SubnetCall, WeightsCall,
};
use taonet_types::{AccountId, Call, HyperparamUpdate};

use super::ss58;
use crate::format;
use crate::html::{account_link, account_link_full, block_link, commitment_cell, esc, tao_cell};

fn who(id: &AccountId) -> String {
    account_link(&ss58(id))
}

fn subnet(netuid: u16) -> String {
    format!(r#"<a href="/subnet/{netuid}">SN{netuid}</a>"#)
}

fn proposal(id: u64) -> String {
    format!(r#"<a href="/proposal/{id}">proposal #{id}</a>"#)
}

/// A hyperparameter change as `name = value` text (burns in TAO).
fn hyperparam_text(update: &HyperparamUpdate) -> String {
    let value = serde_json::to_value(update)
        .ok()
        .and_then(|v| v.get("value").cloned())
        .unwrap_or(serde_json::Value::Null);
    let name = update.name();
    let shown = match (name.ends_with("burn"), value.as_u64()) {
        (true, Some(rao)) => format::tao(taonet_types::Rao(rao)),
        _ => value.to_string(),
    };
    format!("{name} = {shown}")
}

/// A chain-parameter change as `name = value` text.
fn param_text(update: &ParamUpdate) -> String {
    format!("{} = {}", update.name(), update.value_text())
}

/// A proposal's action as markup lines.
pub(crate) fn action_lines(action: &ProposalAction) -> Vec<String> {
    match action {
        ProposalAction::SetParams(updates) => updates
            .iter()
            .map(|u| format!("set <code>{}</code>", esc(&param_text(u))))
            .collect(),
        ProposalAction::TreasurySpend { to, amount } => vec![format!(
            "pay {} from the treasury to {}",
            tao_cell(*amount),
            who(to)
        )],
        ProposalAction::Text => vec!["text only (nothing is executed)".into()],
        ProposalAction::ScheduleUpgrade(u) => {
            let mut lines = vec![format!(
                "upgrade to protocol v{} “{}” at block {}",
                u.version,
                esc(&u.name),
                u.height
            )];
            if !u.notes.is_empty() {
                lines.push(esc(&u.notes));
            }
            lines
        }
        ProposalAction::CancelUpgrade { version } => {
            vec![format!(
                "cancel the scheduled upgrade to protocol v{version}"
            )]
        }
    }
}

fn weights_list(uids: &[u16], weights: &[u16]) -> String {
    let mut out = String::new();
    for (i, (u, w)) in uids.iter().zip(weights).enumerate() {
        if i == 32 {
            let _ = write!(out, " … and {} more", uids.len() - 32);
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "uid {u} → {}", format::proportion(*w));
    }
    if out.is_empty() {
        out.push_str("none");
    }
    esc(&out)
}

/// One line describing the call (markup).
pub(crate) fn summary(call: &Call) -> String {
    match call {
        Call::Balances(BalancesCall::Transfer { dest, amount }) => {
            format!("transfer {} to {}", tao_cell(*amount), who(dest))
        }
        Call::Staking(c) => match c {
            StakingCall::AssociateHotkey { hotkey, .. } => format!("claim hotkey {}", who(hotkey)),
            StakingCall::AddStake { hotkey, amount } => {
                format!("stake {} on {}", tao_cell(*amount), who(hotkey))
            }
            StakingCall::RemoveStake { hotkey, amount } => {
                format!("unstake {} from {}", tao_cell(*amount), who(hotkey))
            }
            StakingCall::IncreaseTake { hotkey, take } => format!(
                "raise the take of {} to {}",
                who(hotkey),
                esc(&format::percent_u16(*take))
            ),
            StakingCall::DecreaseTake { hotkey, take } => format!(
                "lower the take of {} to {}",
                who(hotkey),
                esc(&format::percent_u16(*take))
            ),
            StakingCall::MoveStake {
                from_hotkey,
                to_hotkey,
                amount,
            } => format!(
                "move {} of stake from {} to {}",
                tao_cell(*amount),
                who(from_hotkey),
                who(to_hotkey)
            ),
            StakingCall::TransferStake {
                hotkey,
                dest_coldkey,
                amount,
            } => format!(
                "give {} of stake on {} to {}",
                tao_cell(*amount),
                who(hotkey),
                who(dest_coldkey)
            ),
            StakingCall::SwapHotkey {
                old_hotkey,
                new_hotkey,
                ..
            } => format!("swap hotkey {} for {}", who(old_hotkey), who(new_hotkey)),
            StakingCall::AnnounceColdkeySwap { new_coldkey } => {
                format!("announce a swap of this coldkey to {}", who(new_coldkey))
            }
            StakingCall::DisputeColdkeySwap => "dispute this coldkey's announced swap".to_string(),
            StakingCall::ExecuteColdkeySwap { old_coldkey } => {
                format!("execute the announced swap of coldkey {}", who(old_coldkey))
            }
        },
        Call::Subnets(c) => match c {
            SubnetCall::RegisterNetwork { hotkey } => {
                format!("create a subnet with owner hotkey {}", who(hotkey))
            }
            SubnetCall::SetIdentity { netuid, name, .. } => {
                format!("name {} “{}”", subnet(*netuid), esc(name))
            }
            SubnetCall::SetHyperparameter { netuid, update } => format!(
                "set <code>{}</code> on {}",
                esc(&hyperparam_text(update)),
                subnet(*netuid)
            ),
        },
        Call::Neurons(c) => match c {
            NeuronCall::BurnedRegister { netuid, hotkey, .. } => {
                format!("register {} on {}", who(hotkey), subnet(*netuid))
            }
            NeuronCall::RootRegister { hotkey } => {
                format!("enter {} as a root candidate", who(hotkey))
            }
            NeuronCall::ResetAxon { netuid } => format!("withdraw the axon on {}", subnet(*netuid)),
            NeuronCall::ServeAxon { netuid, axon } => format!(
                "serve an axon at {} on {}",
                esc(&axon
                    .socket_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "an invalid address".into())),
                subnet(*netuid)
            ),
        },
        Call::Weights(c) => match c {
            WeightsCall::SetWeights { netuid, uids, .. } => {
                format!("set {} weights on {}", uids.len(), subnet(*netuid))
            }
            WeightsCall::CommitWeights { netuid, .. } => {
                format!("commit weights on {}", subnet(*netuid))
            }
            WeightsCall::RevealWeights { netuid, uids, .. } => {
                format!("reveal {} weights on {}", uids.len(), subnet(*netuid))
            }
        },
        Call::Consensus(c) => match c {
            ConsensusCall::RegisterConsensusKey { hotkey, .. } => {
                format!("register a consensus key for {}", who(hotkey))
            }
            ConsensusCall::Unjail { hotkey } => format!("unjail {}", who(hotkey)),
            ConsensusCall::ReportEquivocation { evidence } => format!(
                "report a {} equivocation in epoch {}, view {}",
                esc(&format!("{:?}", evidence.kind).to_lowercase()),
                evidence.epoch,
                evidence.view
            ),
        },
        Call::Governance(c) => match c {
            GovernanceCall::Propose { action, .. } => {
                format!("propose: {}", action_lines(action).join("; "))
            }
            GovernanceCall::Vote { proposal: id, vote } => {
                format!("vote {} on {}", esc(vote.as_str()), proposal(*id))
            }
            GovernanceCall::Cancel { proposal: id } => format!("cancel {}", proposal(*id)),
        },
        Call::Channels(c) => match c {
            ChannelCall::Open {
                gateway, deposit, ..
            } => format!(
                "open a payment channel of {} to gateway {}",
                tao_cell(*deposit),
                who(gateway)
            ),
            ChannelCall::TopUp { amount, .. } => {
                format!("top up a payment channel by {}", tao_cell(*amount))
            }
            ChannelCall::Claim {
                voucher, miners, ..
            } => format!(
                "claim a voucher of {} in total ({} miners share)",
                tao_cell(voucher.voucher.amount),
                miners.len()
            ),
            ChannelCall::Reclaim { .. } => "reclaim an expired payment channel".to_string(),
        },
        Call::Commitments(CommitmentCall::Set { netuid, data }) => {
            format!("commit {} on {}", commitment_cell(data), subnet(*netuid))
        }
        Call::Identity(IdentityCall::Set { name, .. }) => {
            format!("set the account's identity to “{}”", esc(name))
        }
        Call::Identity(IdentityCall::Clear) => "clear the account's identity".to_string(),
    }
}

/// The call's arguments as (label, markup) pairs.
pub(crate) fn details(call: &Call) -> Vec<(&'static str, String)> {
    let hex32 = |b: &[u8; 32]| format!("<code>0x{}</code>", esc(&hex_lower(b)));
    match call {
        Call::Balances(BalancesCall::Transfer { dest, amount }) => vec![
            ("To", account_link_full(&ss58(dest))),
            ("Amount", tao_cell(*amount)),
        ],
        Call::Staking(c) => match c {
            StakingCall::AssociateHotkey { hotkey, .. } => {
                vec![("Hotkey", account_link_full(&ss58(hotkey)))]
            }
            StakingCall::AddStake { hotkey, amount }
            | StakingCall::RemoveStake { hotkey, amount } => {
                vec![
                    ("Hotkey", account_link_full(&ss58(hotkey))),
                    ("Amount", tao_cell(*amount)),
                ]
            }
            StakingCall::IncreaseTake { hotkey, take }
            | StakingCall::DecreaseTake { hotkey, take } => {
                vec![
                    ("Hotkey", account_link_full(&ss58(hotkey))),
                    ("Take", esc(&format::percent_u16(*take))),
                ]
            }
            StakingCall::MoveStake {
                from_hotkey,
                to_hotkey,
                amount,
            } => vec![
                ("From hotkey", account_link_full(&ss58(from_hotkey))),
                ("To hotkey", account_link_full(&ss58(to_hotkey))),
                ("Amount", tao_cell(*amount)),
            ],
            StakingCall::TransferStake {
                hotkey,
                dest_coldkey,
                amount,
            } => vec![
                ("Hotkey", account_link_full(&ss58(hotkey))),
                ("To coldkey", account_link_full(&ss58(dest_coldkey))),
                ("Amount", tao_cell(*amount)),
            ],
            StakingCall::SwapHotkey {
                old_hotkey,
                new_hotkey,
                ..
            } => vec![
                ("Old hotkey", account_link_full(&ss58(old_hotkey))),
                ("New hotkey", account_link_full(&ss58(new_hotkey))),
            ],
            StakingCall::AnnounceColdkeySwap { new_coldkey } => {
                vec![("New coldkey", account_link_full(&ss58(new_coldkey)))]
            }
            StakingCall::DisputeColdkeySwap => Vec::new(),
            StakingCall::ExecuteColdkeySwap { old_coldkey } => {
                vec![("Old coldkey", account_link_full(&ss58(old_coldkey)))]
            }
        },
        Call::Subnets(c) => match c {
            SubnetCall::RegisterNetwork { hotkey } => {
                vec![("Owner hotkey", account_link_full(&ss58(hotkey)))]
            }
            SubnetCall::SetIdentity {
                netuid,
                name,
                url,
                description,
            } => vec![
                ("Subnet", subnet(*netuid)),
                ("Name", esc(name)),
                ("URL", esc(url)),
                ("Description", esc(description)),
            ],
            SubnetCall::SetHyperparameter { netuid, update } => vec![
                ("Subnet", subnet(*netuid)),
                (
                    "Change",
                    format!("<code>{}</code>", esc(&hyperparam_text(update))),
                ),
            ],
        },
        Call::Neurons(c) => match c {
            NeuronCall::BurnedRegister {
                netuid,
                hotkey,
                max_burn,
            } => vec![
                ("Subnet", subnet(*netuid)),
                ("Hotkey", account_link_full(&ss58(hotkey))),
                ("Most burn accepted", tao_cell(*max_burn)),
            ],
            NeuronCall::RootRegister { hotkey } => {
                vec![("Hotkey", account_link_full(&ss58(hotkey)))]
            }
            NeuronCall::ResetAxon { netuid } => vec![("Subnet", subnet(*netuid))],
            NeuronCall::ServeAxon { netuid, axon } => vec![
                ("Subnet", subnet(*netuid)),
                (
                    "Address",
                    esc(&axon
                        .socket_addr()
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "invalid".into())),
                ),
                ("Version", axon.version.to_string()),
                ("Protocol", axon.protocol.to_string()),
            ],
        },
        Call::Weights(c) => match c {
            WeightsCall::SetWeights {
                netuid,
                uids,
                weights,
                version_key,
            } => vec![
                ("Subnet", subnet(*netuid)),
                ("Weights", weights_list(uids, weights)),
                ("Version key", version_key.to_string()),
            ],
            WeightsCall::CommitWeights {
                netuid,
                commit_hash,
            } => vec![
                ("Subnet", subnet(*netuid)),
                (
                    "Commit hash",
                    format!("<code>{}</code>", esc(&commit_hash.to_string())),
                ),
            ],
            WeightsCall::RevealWeights {
                netuid,
                uids,
                weights,
                salt,
                version_key,
            } => vec![
                ("Subnet", subnet(*netuid)),
                ("Weights", weights_list(uids, weights)),
                ("Salt words", salt.len().to_string()),
                ("Version key", version_key.to_string()),
            ],
        },
        Call::Consensus(c) => match c {
            ConsensusCall::RegisterConsensusKey { hotkey, key, .. } => vec![
                ("Hotkey", account_link_full(&ss58(hotkey))),
                ("Consensus key (ed25519)", hex32(key)),
            ],
            ConsensusCall::Unjail { hotkey } => vec![("Hotkey", account_link_full(&ss58(hotkey)))],
            ConsensusCall::ReportEquivocation { evidence } => vec![
                ("Kind", esc(&format!("{:?}", evidence.kind))),
                ("Epoch", evidence.epoch.to_string()),
                ("View", evidence.view.to_string()),
                ("Offender key", hex32(&evidence.key)),
            ],
        },
        Call::Governance(c) => match c {
            GovernanceCall::Propose {
                action,
                description,
            } => vec![
                ("Action", action_lines(action).join("<br>")),
                (
                    "Description",
                    format!(r#"<p class="text">{}</p>"#, esc(description)),
                ),
            ],
            GovernanceCall::Vote { proposal: id, vote } => {
                vec![("Proposal", proposal(*id)), ("Vote", esc(vote.as_str()))]
            }
            GovernanceCall::Cancel { proposal: id } => vec![("Proposal", proposal(*id))],
        },
        Call::Channels(c) => match c {
            ChannelCall::Open {
                gateway,
                deposit,
                expiry,
            } => vec![
                ("Gateway", account_link_full(&ss58(gateway))),
                ("Deposit", tao_cell(*deposit)),
                ("Expiry", block_link(*expiry)),
            ],
            ChannelCall::TopUp {
                channel,
                amount,
                expiry,
            } => vec![
                ("Channel", hex32(&channel.0)),
                ("Added", tao_cell(*amount)),
                ("Expiry", block_link(*expiry)),
            ],
            ChannelCall::Claim {
                channel,
                voucher,
                netuid,
                miners,
            } => vec![
                ("Channel", hex32(&channel.0)),
                ("Voucher total", tao_cell(voucher.voucher.amount)),
                ("Subnet", netuid.to_string()),
                (
                    "Miners (uid: units)",
                    esc(&miners
                        .iter()
                        .map(|m| format!("{}: {}", m.uid, m.units))
                        .collect::<Vec<_>>()
                        .join(", ")),
                ),
            ],
            ChannelCall::Reclaim { channel } => vec![("Channel", hex32(&channel.0))],
        },
        Call::Commitments(CommitmentCall::Set { netuid, data }) => vec![
            ("Subnet", subnet(*netuid)),
            (
                "Data",
                format!(
                    "<code>{}</code> ({} bytes)",
                    esc(&format::commitment(data)),
                    data.len()
                ),
            ),
        ],
        Call::Identity(IdentityCall::Set {
            name,
            url,
            description,
        }) => vec![
            ("Name", esc(name)),
            ("URL", format!("<code>{}</code>", esc(url))),
            (
                "Description",
                format!(r#"<p class="text">{}</p>"#, esc(description)),
            ),
        ],
        Call::Identity(IdentityCall::Clear) => vec![("Identity", "removed".to_string())],
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
