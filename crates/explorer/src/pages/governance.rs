//! `/governance` and `/proposal/{id}`: the protocol version and scheduled upgrade, the
//! treasury, proposals, tallies and votes.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use taonet_client::ProposalInfo;
use taonet_client::types::ProtocolInfo;
use taonet_types::gov::{ProposalStatus, VoteKind};

use super::{AppState, Params, PathText, calls, parse_u64, respond, sort_param};
use crate::error::PageError;
use crate::format;
use crate::html::{
    Cell, Column, Dir, Nav, Page, Sort, Table, account_link, account_link_full, block_link, esc,
    facts, plain_table, tao_cell,
};
use crate::source::call;

fn status_badge(s: &ProposalStatus) -> String {
    let class = match s {
        ProposalStatus::Voting | ProposalStatus::Passed => "",
        ProposalStatus::Executed => "ok",
        ProposalStatus::Rejected | ProposalStatus::Failed(_) | ProposalStatus::Expired => "bad",
        ProposalStatus::Cancelled => "",
    };
    format!(r#"<span class="badge {class}">{}</span>"#, esc(s.as_str()))
}

fn proposals_table(proposals: &[ProposalInfo]) -> Table {
    Table {
        name: "proposals",
        columns: vec![
            Column::num("id", "#", "Proposal id"),
            Column::text("status", "Status", ""),
            Column::text("action", "Action", "What it does if it passes"),
            Column::text("proposer", "Proposer", ""),
            Column::num("submitted", "Submitted", "Block"),
            Column::num("ends", "Voting ends", "Block"),
            Column::num("turnout", "Turnout", "Stake that voted, of all stake"),
            Column::num("approval", "Approval", "Aye / (aye + nay)"),
            Column::num("votes", "Votes", "Coldkeys that voted"),
        ],
        rows: proposals
            .iter()
            .map(|p| {
                vec![
                    Cell::num(p.id, format!(r#"<a href="/proposal/{0}">{0}</a>"#, p.id)),
                    Cell::text_with(p.status.as_str(), status_badge(&p.status)),
                    Cell::text_with(
                        &p.summary.join("; "),
                        calls::action_lines(&p.action).join("<br>"),
                    ),
                    Cell::text_with(&p.proposer, account_link(&p.proposer)),
                    Cell::num(p.submitted, block_link(p.submitted)),
                    Cell::num(p.voting_ends, block_link(p.voting_ends)),
                    Cell::num(p.turnout_ppb, esc(&format::percent_ppb(p.turnout_ppb))),
                    Cell::num(
                        p.approval_ppb.map_or(-1, i128::from),
                        p.approval_ppb
                            .map(|a| esc(&format::percent_ppb(a)))
                            .unwrap_or_else(|| "–".into()),
                    ),
                    Cell::num(p.votes, p.votes.to_string()),
                ]
            })
            .collect(),
        empty: "No proposals yet.",
    }
}

/// The protocol version and the scheduled upgrade (rules: `taonet_runtime::upgrade`).
fn protocol_facts(p: &ProtocolInfo) -> String {
    let upgrade = match &p.upgrade {
        None => "none scheduled".to_string(),
        Some(u) => {
            let mut text = format!(
                "to protocol v{} “{}” at block {} (in {} blocks)",
                u.version,
                esc(&u.name),
                block_link(u.height),
                u.blocks_left
            );
            if !u.notes.is_empty() {
                text.push_str(&format!("<br>{}", esc(&u.notes)));
            }
            if !u.supported {
                text.push_str(&format!(
                    "<br><strong>this node does not run protocol v{}: it stops at block {}</strong>",
                    u.version, u.height
                ));
            }
            text
        }
    };
    let mut rows = vec![
        ("Protocol version", format!("v{}", p.version)),
        ("Upgrade", upgrade),
    ];
    if let Some(reason) = &p.halted {
        rows.push(("Halted", esc(reason)));
    }
    facts(&rows)
}

pub(crate) async fn list(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let (treasury, proposals, chain, protocol) = futures::join!(
        call!(app, gov_treasury()),
        call!(app, gov_proposals(Some(100))),
        call!(app, state_get_params()),
        call!(app, state_get_protocol()),
    );
    let (treasury, proposals, chain, protocol) = (treasury?, proposals?, chain?, protocol?);
    let table = proposals_table(&proposals);
    let sort = sort_param(
        &params,
        &table,
        Sort {
            key: "id".into(),
            dir: Dir::Desc,
        },
    )?;
    let info = facts(&[
        (
            "Treasury",
            format!(
                "{} at {}",
                tao_cell(treasury.balance),
                account_link_full(&treasury.account)
            ),
        ),
        (
            "Treasury's share of fees",
            esc(&format::percent_ppb(u64::from(treasury.fee_share_ppb))),
        ),
        ("Proposals voting", treasury.active_proposals.to_string()),
        ("Deposits reserved", tao_cell(treasury.reserved_deposits)),
        (
            "Voting period",
            format!("{} blocks", chain.gov_voting_period),
        ),
        (
            "Execution delay",
            format!("{} blocks", chain.gov_execution_delay),
        ),
        (
            "Quorum",
            esc(&format::percent_ppb(u64::from(chain.gov_quorum))),
        ),
        (
            "Approval threshold",
            format!(
                "more than {}",
                esc(&format::percent_ppb(u64::from(
                    chain.gov_approval_threshold
                )))
            ),
        ),
        ("Stake to propose", tao_cell(chain.gov_min_proposer_stake)),
        ("Deposit", tao_cell(chain.gov_proposal_deposit)),
    ]);
    let page = Page::new("Governance", Nav::Governance)
        .live_section("protocol", 5, protocol_facts(&protocol))
        .live_section("treasury", 5, info)
        .live_section(
            "proposals",
            2,
            format!("<h2>Proposals</h2>{}", table.render(Some(&sort))),
        );
    Ok(respond(&app, page, &params))
}

fn meter(label: &str, part: u128, total: u128) -> String {
    let ppb = u64::try_from(part * 1_000_000_000 / total.max(1)).unwrap_or(0);
    let pct = ppb / 10_000_000;
    format!(
        r#"<div class="tally"><span class="tally-label">{}</span><meter min="0" max="100" value="{pct}"></meter> <span>{}</span></div>"#,
        esc(label),
        esc(&format::percent_ppb(ppb))
    )
}

pub(crate) async fn proposal(
    State(app): AppState,
    Path(id): PathText,
    Query(params): Params,
) -> Result<Response, PageError> {
    let id = parse_u64("proposal id", &id)?;
    let (p, votes) = futures::join!(call!(app, gov_proposal(id)), call!(app, gov_votes(id)));
    let p = p?.ok_or_else(|| {
        PageError::not_found("Proposal not found", format!("There is no proposal {id}."))
    })?;
    let votes = votes?;
    let t = &p.tally;
    let mut rows = vec![
        ("Status", status_badge(&p.status)),
        ("Proposer", account_link_full(&p.proposer)),
        ("Action", calls::action_lines(&p.action).join("<br>")),
        (
            "Description",
            if p.description.is_empty() {
                "–".into()
            } else {
                format!(r#"<p class="text">{}</p>"#, esc(&p.description))
            },
        ),
        (
            "Deposit",
            format!(
                "{}{}",
                tao_cell(p.deposit),
                if p.deposit_burned { " (burned)" } else { "" }
            ),
        ),
        ("Submitted", block_link(p.submitted)),
        ("Voting ends", block_link(p.voting_ends)),
        ("Executes at", block_link(p.execute_at)),
    ];
    if let ProposalStatus::Failed(reason) = &p.status {
        rows.push((
            "Why it failed",
            format!(r#"<span class="bad">{}</span>"#, esc(reason)),
        ));
    }
    if p.status == ProposalStatus::Voting {
        rows.push((
            "Blocks left",
            format::group(p.voting_ends.saturating_sub(p.height)),
        ));
    }
    let total = u128::from(t.total_stake.0);
    let yes_no = u128::from(t.aye.0) + u128::from(t.nay.0);
    let tally = format!(
        r#"<h2>Tally{}</h2>{}{}{}{}{}"#,
        if p.live {
            " (live: counted over the stake as it is now)"
        } else {
            ""
        },
        meter("Aye", u128::from(t.aye.0), total),
        meter("Nay", u128::from(t.nay.0), total),
        meter("Abstain", u128::from(t.abstain.0), total),
        facts(&[
            ("Aye", tao_cell(t.aye)),
            ("Nay", tao_cell(t.nay)),
            ("Abstain", tao_cell(t.abstain)),
            ("All stake", tao_cell(t.total_stake)),
            (
                "Turnout",
                format!(
                    "{} (quorum {}){}",
                    esc(&format::percent_ppb(p.turnout_ppb)),
                    esc(&format::percent_ppb(u64::from(p.quorum_ppb))),
                    if t.quorum_met { " ✓" } else { "" }
                ),
            ),
            (
                "Approval",
                format!(
                    "{} (needs more than {}){}",
                    if yes_no == 0 {
                        "–".into()
                    } else {
                        esc(&format::percent_ppb(p.approval_ppb.unwrap_or(0)))
                    },
                    esc(&format::percent_ppb(u64::from(p.threshold_ppb))),
                    if t.approved { " ✓" } else { "" }
                ),
            ),
        ]),
        String::new(),
    );
    let vote_rows: Vec<Vec<String>> = votes
        .iter()
        .map(|v| {
            let class = match v.vote {
                VoteKind::Aye => "ok",
                VoteKind::Nay => "bad",
                VoteKind::Abstain => "",
            };
            vec![
                account_link_full(&v.voter),
                format!(
                    r#"<span class="badge {class}">{}</span>"#,
                    esc(v.vote.as_str())
                ),
                tao_cell(v.weight),
                block_link(v.block),
            ]
        })
        .collect();
    let live = p.status == ProposalStatus::Voting;
    let votes_html = format!(
        "<h2>Votes</h2>{}",
        plain_table(
            &["Voter", "Vote", "Stake it counts now", "Block"],
            &vote_rows,
            "No votes yet."
        )
    );
    let mut page = Page::new(format!("Proposal {id}"), Nav::Governance);
    page = if live {
        page.live_section("proposal", 2, facts(&rows))
            .live_section("tally", 2, tally)
            .live_section("votes", 2, votes_html)
    } else {
        page.section("proposal", facts(&rows))
            .section("tally", tally)
            .section("votes", votes_html)
    };
    Ok(respond(&app, page, &params))
}

#[cfg(test)]
mod tests {
    use taonet_client::types::UpgradeInfo;

    use super::*;

    /// A scheduled upgrade shows its version, escaped name and notes, the blocks left and,
    /// when this node cannot run it, the warning; a halted node says why.
    #[test]
    fn the_protocol_section_shows_the_upgrade_and_the_halt() {
        let mut p = ProtocolInfo {
            block: 90,
            version: 1,
            supported: 1,
            upgrade: Some(UpgradeInfo {
                version: 2,
                height: 100,
                name: "v2".into(),
                notes: "<b>burn</b>".into(),
                blocks_left: 10,
                supported: false,
            }),
            halted: None,
        };
        let html = protocol_facts(&p);
        for text in [
            "<dd>v1</dd>",
            "to protocol v2 “v2” at block",
            "(in 10 blocks)",
            "&lt;b&gt;burn&lt;/b&gt;",
            "this node does not run protocol v2: it stops at block 100",
        ] {
            assert!(html.contains(text), "{text:?} in {html}");
        }
        p.upgrade = None;
        p.halted = Some("moved <on>".into());
        let html = protocol_facts(&p);
        assert!(html.contains("none scheduled") && html.contains("moved &lt;on&gt;"));
    }
}
