//! `taonet gov …`: on-chain governance and the treasury.
//!
//! - `propose` submits one proposal: parameter changes (`--set NAME=VALUE`, repeatable;
//!   amounts in TAO, ratios in parts per billion, `default_hyperparams.NAME=VALUE` for a new
//!   subnet's defaults), a treasury spend (`--spend-to SS58 --amount TAO`) or plain text
//!   (`--text`), with `--description`. The changes, the spend and the description are checked
//!   here against the chain's current parameters and treasury before anything is signed, so a
//!   proposal the runtime would refuse costs no fee. The proposer needs
//!   `gov_min_proposer_stake` of stake and pays the deposit (returned at the tally unless the
//!   turnout is very low).
//! - `vote --proposal ID --aye|--nay|--abstain` votes with the coldkey's stake and, as a
//!   delegate, its nominators' (a nominator's own vote overrides it); a new vote replaces the
//!   old one until the voting period ends. `cancel` withdraws one's own proposal before any
//!   vote.
//! - `propose --upgrade-version N --upgrade-height H --upgrade-name NAME [--upgrade-notes
//!   TEXT]` schedules a protocol upgrade (`taonet_runtime::upgrade`: the next version, at a
//!   height the vote and the execution delay can reach, checked here first);
//!   `propose --cancel-upgrade N` cancels the scheduled one before its height.
//! - `list`, `show ID` and `treasury` read the node (`show` gives the live tally, the votes
//!   and the timeline); `upgrade` shows the protocol version the chain runs, the newest this
//!   node runs and the scheduled upgrade.

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use taonet_client::{ProposalInfo, prelude::*};
use taonet_types::gov::{
    MAX_DESCRIPTION, MAX_PARAM_UPDATES, PPB, ParamUpdate, ProposalAction, ProposalStatus, VoteKind,
    apply_all,
};
use taonet_types::params::ParamParseError;
use taonet_types::protocol::{MAX_UPGRADE_NOTES, Upgrade};
use taonet_types::tx::GovernanceCall;
use taonet_types::{Call, ChainParams};

use crate::args::{KeyOpts, RpcOpts, parse_ss58, parse_tao};
use crate::output::{print_json, short, table, tao};
use crate::session::{Session, block_on, rpc_error};
use crate::{Global, usage};

#[derive(Args, Debug)]
pub struct GovArgs {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    keys: KeyOpts,
    #[command(subcommand)]
    command: GovCommand,
}

#[derive(Subcommand, Debug)]
enum GovCommand {
    /// Submit a proposal (parameter changes, a treasury spend, or text).
    Propose(ProposeArgs),
    /// Vote on a proposal in its voting period.
    Vote(VoteArgs),
    /// Withdraw your own proposal before anyone voted (the deposit is returned).
    Cancel(CancelArgs),
    /// Proposals, newest first, with status and tally.
    List(ListArgs),
    /// One proposal: action, tally, votes, timeline.
    Show(ShowArgs),
    /// The treasury: address, balance, fee share.
    Treasury,
    /// The protocol version the chain runs and the scheduled upgrade, if any.
    Upgrade,
}

#[derive(Args, Debug)]
struct ProposeArgs {
    /// A parameter change NAME=VALUE (repeatable): amounts in TAO (tx_base_fee=0.0002),
    /// periods in blocks, ratios in parts per billion, default_hyperparams.NAME=VALUE.
    #[arg(long = "set", value_name = "NAME=VALUE", conflicts_with_all = ["spend_to", "text", "upgrade_version", "cancel_upgrade"])]
    set: Vec<String>,
    /// Pay from the treasury to this address (with --amount).
    #[arg(
        long,
        value_name = "SS58",
        requires = "amount",
        conflicts_with = "text"
    )]
    spend_to: Option<String>,
    /// Amount of the treasury spend, in TAO.
    #[arg(long, value_name = "TAO", requires = "spend_to")]
    amount: Option<String>,
    /// A text-only (signalling) proposal.
    #[arg(long, conflicts_with_all = ["upgrade_version", "cancel_upgrade"])]
    text: bool,
    /// Schedule a protocol upgrade to this version (the next one), with --upgrade-height and
    /// --upgrade-name.
    #[arg(long, value_name = "N", requires_all = ["upgrade_height", "upgrade_name"], conflicts_with_all = ["spend_to", "cancel_upgrade"])]
    upgrade_version: Option<u32>,
    /// The first block of the new version.
    #[arg(long, value_name = "BLOCK", requires = "upgrade_version")]
    upgrade_height: Option<u64>,
    /// The upgrade's name (letters, digits, '.', '-', '_'; at most 64 bytes).
    #[arg(long, value_name = "NAME", requires = "upgrade_version")]
    upgrade_name: Option<String>,
    /// What changes and what operators must do (at most 1 KiB).
    #[arg(
        long,
        value_name = "TEXT",
        requires = "upgrade_version",
        default_value = ""
    )]
    upgrade_notes: String,
    /// Cancel the scheduled upgrade to this version.
    #[arg(long, value_name = "N", conflicts_with = "spend_to")]
    cancel_upgrade: Option<u32>,
    /// What the proposal does and why (at most 2 KiB).
    #[arg(long, default_value = "")]
    description: String,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("choice").required(true).multiple(false).args(["aye", "nay", "abstain"])))]
struct VoteArgs {
    /// The proposal id.
    #[arg(long, value_name = "ID")]
    proposal: u64,
    /// Vote in favour.
    #[arg(long)]
    aye: bool,
    /// Vote against.
    #[arg(long)]
    nay: bool,
    /// Count towards the quorum only.
    #[arg(long)]
    abstain: bool,
}

#[derive(Args, Debug)]
struct CancelArgs {
    /// The proposal id.
    #[arg(long, value_name = "ID")]
    proposal: u64,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// At most this many proposals.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

#[derive(Args, Debug)]
struct ShowArgs {
    /// The proposal id.
    id: u64,
}

pub fn run(args: GovArgs, global: Global) -> Result<ExitCode> {
    match &args.command {
        GovCommand::Propose(a) => propose(&args, a, global),
        GovCommand::Vote(a) => vote(&args, a, global),
        GovCommand::Cancel(a) => cancel(&args, a, global),
        GovCommand::List(a) => list(&args, a, global),
        GovCommand::Show(a) => show(&args, a.id, global),
        GovCommand::Treasury => treasury(&args, global),
        GovCommand::Upgrade => upgrade(&args, global),
    }
}

/// Parses one `--set NAME=VALUE` with the parameter table's parser (amounts in TAO, other
/// values as plain numbers or `true`/`false`, `default_hyperparams.NAME` for a new subnet's
/// defaults).
pub fn parse_param(text: &str) -> Result<ParamUpdate> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| usage!("--set {text:?}: expected NAME=VALUE"))?;
    ParamUpdate::parse(name, value).map_err(|e| match e {
        ParamParseError::UnknownName { name, valid } => usage!(
            "--set {name:?} is not a governance parameter; valid names: {}",
            valid.join(", ")
        ),
        e => usage!("--set {}: {e}", text.trim()),
    })
}

/// The proposal's action from the flags, checked against `params` (exit 2 if out of
/// bounds).
fn action_from(a: &ProposeArgs, params: Option<&ChainParams>) -> Result<ProposalAction> {
    if !a.set.is_empty() {
        let updates = a
            .set
            .iter()
            .map(|s| parse_param(s))
            .collect::<Result<Vec<_>>>()?;
        if updates.len() > MAX_PARAM_UPDATES {
            return Err(usage!(
                "at most {MAX_PARAM_UPDATES} --set changes per proposal (got {})",
                updates.len()
            ));
        }
        if let Some(p) = params {
            apply_all(p, &updates).map_err(|e| usage!("{e}"))?;
        }
        return Ok(ProposalAction::SetParams(updates));
    }
    if let (Some(to), Some(amount)) = (&a.spend_to, &a.amount) {
        let to = parse_ss58("--spend-to", to)?;
        let amount = parse_tao("--amount", amount)?;
        if amount.0 == 0 {
            return Err(usage!("--amount must be greater than zero"));
        }
        return Ok(ProposalAction::TreasurySpend { to, amount });
    }
    if a.text {
        return Ok(ProposalAction::Text);
    }
    if let (Some(version), Some(height), Some(name)) =
        (a.upgrade_version, a.upgrade_height, &a.upgrade_name)
    {
        Upgrade::check_name(name).map_err(|e| usage!("--upgrade-name {name:?}: {e}"))?;
        if a.upgrade_notes.len() > MAX_UPGRADE_NOTES {
            return Err(usage!(
                "--upgrade-notes is {} bytes; the limit is {MAX_UPGRADE_NOTES}",
                a.upgrade_notes.len()
            ));
        }
        return Ok(ProposalAction::ScheduleUpgrade(Upgrade {
            version,
            height,
            name: name.clone(),
            notes: a.upgrade_notes.clone(),
        }));
    }
    if let Some(version) = a.cancel_upgrade {
        return Ok(ProposalAction::CancelUpgrade { version });
    }
    Err(usage!(
        "say what the proposal does: --set NAME=VALUE (repeatable), --spend-to SS58 --amount TAO, --text, --upgrade-version N --upgrade-height BLOCK --upgrade-name NAME, or --cancel-upgrade N"
    ))
}

async fn proposal(s: &Session, id: u64) -> Result<ProposalInfo> {
    s.client
        .gov_proposal(id)
        .await
        .map_err(|e| rpc_error(e.into()))?
        .ok_or_else(|| anyhow::anyhow!("proposal {id} does not exist"))
}

fn propose(args: &GovArgs, a: &ProposeArgs, global: Global) -> Result<ExitCode> {
    if a.description.len() > MAX_DESCRIPTION {
        return Err(usage!(
            "--description is {} bytes; the limit is {MAX_DESCRIPTION}",
            a.description.len()
        ));
    }
    // Malformed flags exit 2 before the wallet or the node is touched.
    action_from(a, None)?;
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let params = s.params().await?;
        let action = action_from(a, Some(&params))?;
        check_upgrade_action(&s, &action, &params).await?;
        if let ProposalAction::TreasurySpend { amount, .. } = &action {
            let t = s
                .client
                .gov_treasury()
                .await
                .map_err(|e| rpc_error(e.into()))?;
            if *amount > t.balance {
                bail!(
                    "the spend of {} exceeds the treasury balance of {}",
                    tao(*amount),
                    tao(t.balance)
                );
            }
        }
        let mut summary = vec!["Submit a governance proposal:".to_string()];
        summary.extend(
            taonet_node::rpc::action_summary(&action)
                .into_iter()
                .map(|l| format!("  {l}")),
        );
        if !a.description.is_empty() {
            summary.push(format!("  description: {}", a.description));
        }
        summary.push(format!(
            "  deposit: {} (returned at the tally unless turnout is below {})",
            tao(params.gov_proposal_deposit),
            ppb_percent(u64::from(params.gov_burn_below_ppb))
        ));
        summary.push(format!(
            "  voting: {} blocks, then executed {} blocks later if passed",
            params.gov_voting_period, params.gov_execution_delay
        ));
        let call = Call::Governance(GovernanceCall::Propose {
            action: action.clone(),
            description: a.description.clone(),
        });
        let outcome = s.send(&signer, call, &summary).await?;
        let mut id = None;
        if outcome.success
            && let Ok(list) = s.client.gov_proposals(Some(20)).await
        {
            id = list
                .iter()
                .find(|p| {
                    p.proposer == signer_ss58(&signer) && Some(p.submitted) == outcome.block_height
                })
                .map(|p| p.id);
        }
        let note = match id {
            Some(id) => {
                format!("  proposal #{id}: vote with `taonet gov vote --proposal {id} --aye`")
            }
            None => "  proposal submitted".to_string(),
        };
        s.finish(
            &outcome,
            json!({ "proposal": id, "action": action, "description": a.description }),
            &[note],
        )
    })
}

/// The runtime's checks of an upgrade proposal, against the chain now (a proposal it would
/// refuse costs no fee): the next version, no other scheduled, a height the vote and the
/// execution delay reach; a cancel names the scheduled version.
async fn check_upgrade_action(
    s: &Session,
    action: &ProposalAction,
    params: &ChainParams,
) -> Result<()> {
    let p = match action {
        ProposalAction::ScheduleUpgrade(_) | ProposalAction::CancelUpgrade { .. } => s
            .client
            .state_get_protocol()
            .await
            .map_err(|e| rpc_error(e.into()))?,
        _ => return Ok(()),
    };
    match action {
        ProposalAction::ScheduleUpgrade(u) => {
            if u.version != p.version + 1 {
                return Err(usage!(
                    "--upgrade-version {}: the chain runs protocol v{}, so an upgrade can only be to v{}",
                    u.version,
                    p.version,
                    p.version + 1
                ));
            }
            if let Some(pending) = &p.upgrade {
                bail!(
                    "an upgrade to protocol v{} is already scheduled at block {}; propose --cancel-upgrade {} first",
                    pending.version,
                    pending.height,
                    pending.version
                );
            }
            // Submitted in the next block, executed voting + delay blocks later.
            let executes_at = p.block + 1 + params.gov_voting_period + params.gov_execution_delay;
            if u.height <= executes_at + 1 {
                return Err(usage!(
                    "--upgrade-height {}: a proposal submitted now executes at block {executes_at} at the earliest; give a later height (at least {})",
                    u.height,
                    executes_at + 2
                ));
            }
        }
        ProposalAction::CancelUpgrade { version }
            if p.upgrade.as_ref().map(|u| u.version) != Some(*version) =>
        {
            bail!("no upgrade to protocol v{version} is scheduled (see `taonet gov upgrade`)");
        }
        _ => {}
    }
    Ok(())
}

fn upgrade(args: &GovArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let p = s
            .client
            .state_get_protocol()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&p)?;
            return Ok(ExitCode::SUCCESS);
        }
        println!("Protocol v{} (block #{})", p.version, p.block);
        println!("  this node runs protocol versions up to v{}", p.supported);
        println!(
            "  this taonet runs protocol versions up to v{}",
            taonet_types::protocol::PROTOCOL_VERSION
        );
        match &p.upgrade {
            None => println!("  no upgrade scheduled"),
            Some(u) => {
                println!(
                    "  upgrade to v{} \"{}\" at block #{} (in {} blocks)",
                    u.version, u.name, u.height, u.blocks_left
                );
                if !u.notes.is_empty() {
                    println!("    {}", u.notes);
                }
                if !u.supported {
                    println!(
                        "  warning: this node does not run protocol v{}; it will stop at block #{}: install a taonet release that runs it",
                        u.version, u.height
                    );
                }
            }
        }
        if let Some(reason) = &p.halted {
            println!("  halted: {reason}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn signer_ss58(k: &taonet_crypto::Keypair) -> String {
    k.ss58()
}

fn vote(args: &GovArgs, a: &VoteArgs, global: Global) -> Result<ExitCode> {
    let choice = if a.aye {
        VoteKind::Aye
    } else if a.nay {
        VoteKind::Nay
    } else {
        VoteKind::Abstain
    };
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let p = proposal(&s, a.proposal).await?;
        if p.status != ProposalStatus::Voting {
            bail!(
                "proposal {} is not open for votes (status: {})",
                p.id,
                p.status.as_str()
            );
        }
        let summary = [
            format!("Vote {} on proposal #{}", choice.as_str(), p.id),
            format!("  {}", p.summary.join("; ")),
            format!(
                "  voting ends at block {} (now {})",
                p.voting_ends, p.height
            ),
        ];
        let call = Call::Governance(GovernanceCall::Vote {
            proposal: p.id,
            vote: choice,
        });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(
            &outcome,
            json!({ "proposal": p.id, "vote": choice }),
            &[format!("  voted {} on proposal #{}", choice.as_str(), p.id)],
        )
    })
}

fn cancel(args: &GovArgs, a: &CancelArgs, global: Global) -> Result<ExitCode> {
    let signer = args.keys.coldkey(global)?;
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let p = proposal(&s, a.proposal).await?;
        if p.proposer != signer.ss58() {
            bail!(
                "proposal {} was submitted by {}, not by this coldkey",
                p.id,
                p.proposer
            );
        }
        let summary = [format!(
            "Cancel proposal #{} (deposit {} returned)",
            p.id,
            tao(p.deposit)
        )];
        let call = Call::Governance(GovernanceCall::Cancel { proposal: p.id });
        let outcome = s.send(&signer, call, &summary).await?;
        s.finish(&outcome, json!({ "proposal": p.id }), &[])
    })
}

/// Parts per billion as a percentage (display only).
fn ppb_percent(v: u64) -> String {
    format!("{:.2}%", v as f64 / f64::from(PPB) * 100.0)
}

fn status_text(p: &ProposalInfo) -> String {
    match &p.status {
        ProposalStatus::Failed(reason) => format!("failed: {reason}"),
        s => s.as_str().to_string(),
    }
}

fn list(args: &GovArgs, a: &ListArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let proposals = s
            .client
            .gov_proposals(Some(a.limit))
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "proposals": proposals }))?;
            return Ok(ExitCode::SUCCESS);
        }
        if proposals.is_empty() {
            println!("(no proposals)");
            return Ok(ExitCode::SUCCESS);
        }
        let mut t = table(vec![
            "id", "status", "proposer", "action", "ends", "turnout", "aye", "nay",
        ]);
        for p in &proposals {
            t.add_row(vec![
                p.id.to_string(),
                status_text(p),
                short(&p.proposer),
                p.summary.join("; "),
                p.voting_ends.to_string(),
                format!(
                    "{} / {}",
                    ppb_percent(p.turnout_ppb),
                    ppb_percent(u64::from(p.quorum_ppb))
                ),
                tao(p.tally.aye),
                tao(p.tally.nay),
            ]);
        }
        println!("{t}");
        Ok(ExitCode::SUCCESS)
    })
}

fn show(args: &GovArgs, id: u64, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let p = proposal(&s, id).await?;
        let votes = s
            .client
            .gov_votes(id)
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&json!({ "proposal": p, "votes": votes }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!("Proposal #{} — {}", p.id, status_text(&p));
        println!("  proposer:    {}", p.proposer);
        for line in &p.summary {
            println!("  action:      {line}");
        }
        if !p.description.is_empty() {
            println!("  description: {}", p.description);
        }
        println!(
            "  deposit:     {}{}",
            tao(p.deposit),
            if p.deposit_burned { " (burned)" } else { "" }
        );
        println!(
            "  timeline:    submitted #{} · voting ends #{} · executes #{} · now #{}",
            p.submitted, p.voting_ends, p.execute_at, p.height
        );
        let t = &p.tally;
        println!(
            "  tally{}:     aye {} · nay {} · abstain {} of {} staked",
            if p.live { " (live)" } else { "" },
            tao(t.aye),
            tao(t.nay),
            tao(t.abstain),
            tao(t.total_stake)
        );
        println!(
            "  turnout:     {} (quorum {}) {}",
            ppb_percent(p.turnout_ppb),
            ppb_percent(u64::from(p.quorum_ppb)),
            if t.quorum_met { "✔" } else { "✘" }
        );
        println!(
            "  approval:    {} (must exceed {}) {}",
            p.approval_ppb.map_or("-".to_string(), ppb_percent),
            ppb_percent(u64::from(p.threshold_ppb)),
            if t.approved { "✔" } else { "✘" }
        );
        if votes.is_empty() {
            println!("  (no votes)");
        } else {
            let mut table = table(vec!["voter", "vote", "block", "stake counted"]);
            for v in &votes {
                table.add_row(vec![
                    v.voter.clone(),
                    v.vote.as_str().to_string(),
                    v.block.to_string(),
                    tao(v.weight),
                ]);
            }
            println!("{table}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn treasury(args: &GovArgs, global: Global) -> Result<ExitCode> {
    block_on(async {
        let s = Session::connect(&args.rpc, global).await?;
        let t = s
            .client
            .gov_treasury()
            .await
            .map_err(|e| rpc_error(e.into()))?;
        if global.json {
            print_json(&t)?;
            return Ok(ExitCode::SUCCESS);
        }
        println!("Treasury {}", t.account);
        println!("  balance:           {}", tao(t.balance));
        println!(
            "  fee share:         {}",
            ppb_percent(u64::from(t.fee_share_ppb))
        );
        println!("  reserved deposits: {}", tao(t.reserved_deposits));
        println!("  active proposals:  {}", t.active_proposals);
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use taonet_types::{HyperparamUpdate, Rao};

    #[test]
    fn parses_parameter_changes() {
        assert_eq!(
            parse_param("tx_base_fee=0.0002").unwrap(),
            ParamUpdate::TxBaseFee(Rao(200_000))
        );
        assert_eq!(
            parse_param("unbonding-period = 5").unwrap(),
            ParamUpdate::UnbondingPeriod(5)
        );
        assert_eq!(
            parse_param("gov_quorum=250_000_000").unwrap(),
            ParamUpdate::GovQuorum(250_000_000)
        );
        assert_eq!(
            parse_param("query_miner_share_ppb=300_000_000").unwrap(),
            ParamUpdate::QueryMinerSharePpb(300_000_000)
        );
        assert_eq!(
            parse_param("max-channel-duration=1000").unwrap(),
            ParamUpdate::MaxChannelDuration(1000)
        );
        assert_eq!(
            parse_param("default_hyperparams.tempo=20").unwrap(),
            ParamUpdate::DefaultHyperparam(HyperparamUpdate::Tempo(20))
        );
        for bad in [
            "seat_count",
            "nope=1",
            "seat_count=x",
            "tx_base_fee=1.0000000001",
        ] {
            let e = parse_param(bad).unwrap_err();
            assert!(e.downcast_ref::<crate::UsageError>().is_some(), "{bad}");
        }
    }
}
