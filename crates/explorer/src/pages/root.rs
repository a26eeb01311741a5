//! `/root`: the root subnet (netuid 0), whose members' weights set every subnet's emission
//! share.
//!
//! Data: `state_getRoot` (the members with their total stake and weights, every candidate in
//! membership order, `root_max_uids` and the block of the next recompute), `state_getSubnets`
//! (names and the emission shares of the last root epoch) and `state_getDelegate` of each
//! member, for its owner coldkey's identity (at most `root_max_uids` calls, concurrently).
//!
//! What the page shows, and the chain rules behind it:
//! - **Membership is a rule**: at every root epoch the `root_max_uids` candidates with the
//!   most total stake (ties: earlier registration, then lower hotkey) are the members. The
//!   candidates table lists every candidate in that order (rank 1 = most stake) with
//!   "member (uid N)" or "waiting"; it also says, at today's stakes, who would join or leave
//!   at the next recompute.
//! - **Weights** are shown row-normalised over the existing non-root subnets, as the root
//!   epoch uses them: a member's weight on a subnet divided by the sum of its weights on
//!   existing subnets (4 decimals, like every proportion in the explorer). A weight on a
//!   subnet that no longer exists is ignored by the root epoch and counted as such.
//! - **Emission share**: each subnet's share of the block reward as the last root epoch set
//!   it (the subnets list shows the same figure).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use futures::future::join_all;
use taonet_client::{DelegateInfo, RootInfo, SubnetInfo};

use super::validators::identity_cell;
use super::{AppState, Params, respond, sort_param};
use crate::error::PageError;
use crate::format;
use crate::html::{
    Cell, Column, Dir, Nav, Page, Sort, Table, account_link, block_link, esc, facts, plain_table,
    subnet_link, tao_cell,
};
use crate::source::call;

/// Every non-root subnet, by netuid (the columns of the weight matrix).
fn child_subnets(subnets: &[SubnetInfo]) -> BTreeMap<u16, &SubnetInfo> {
    subnets
        .iter()
        .filter(|s| s.netuid != 0)
        .map(|s| (s.netuid, s))
        .collect()
}

/// The sum of a member's weights on subnets that exist (what the root epoch normalises by).
fn weight_sum(weights: &BTreeMap<u16, u16>, subnets: &BTreeMap<u16, &SubnetInfo>) -> u64 {
    weights
        .iter()
        .filter(|(n, _)| subnets.contains_key(n))
        .map(|(_, w)| u64::from(*w))
        .sum()
}

fn members_table(
    root: &RootInfo,
    subnets: &BTreeMap<u16, &SubnetInfo>,
    delegates: &[Option<DelegateInfo>],
) -> Table {
    let total: u128 = root.members.iter().map(|m| u128::from(m.stake.0)).sum();
    Table {
        name: "root-members",
        columns: vec![
            Column::num("uid", "UID", "Root uid"),
            Column::text("hotkey", "Hotkey", "The member's hotkey"),
            Column::text(
                "identity",
                "Identity",
                "Name the hotkey's owner coldkey published on chain",
            ),
            Column::num(
                "stake",
                "Stake",
                "Total stake on the hotkey (own + delegated)",
            ),
            Column::num(
                "share",
                "Stake share",
                "Of the members' stake: how much its weights count",
            ),
            Column::num(
                "weighted",
                "Subnets weighted",
                "Existing subnets it gives a non-zero weight",
            ),
            Column::num(
                "ignored",
                "Ignored weights",
                "Weights on subnets that no longer exist (the root epoch skips them)",
            ),
        ],
        rows: root
            .members
            .iter()
            .zip(delegates)
            .map(|(m, d)| {
                let share = u64::try_from(u128::from(m.stake.0) * 1_000_000_000 / total.max(1))
                    .unwrap_or(0);
                let weighted = m
                    .weights
                    .iter()
                    .filter(|(n, w)| **w > 0 && subnets.contains_key(n))
                    .count() as u64;
                let ignored = m
                    .weights
                    .keys()
                    .filter(|n| !subnets.contains_key(n))
                    .count() as u64;
                vec![
                    Cell::num(m.uid, m.uid.to_string()),
                    Cell::text_with(&m.hotkey, account_link(&m.hotkey)),
                    d.as_ref().map_or_else(|| Cell::text(""), identity_cell),
                    Cell::num(m.stake.0, tao_cell(m.stake)),
                    Cell::num(share, esc(&format::percent_ppb(share))),
                    Cell::num(weighted, weighted.to_string()),
                    Cell::num(ignored, ignored.to_string()),
                ]
            })
            .collect(),
        empty: "The root subnet has no members.",
    }
}

/// The member × subnet matrix of normalised weights, with the subnets' emission shares as
/// its last row.
fn weights_matrix(root: &RootInfo, subnets: &BTreeMap<u16, &SubnetInfo>) -> String {
    let labels: Vec<String> = subnets
        .values()
        .map(|s| {
            if s.name.is_empty() {
                format!("SN{}", s.netuid)
            } else {
                format!("SN{} · {}", s.netuid, s.name)
            }
        })
        .collect();
    let mut headers = vec!["Member"];
    headers.extend(labels.iter().map(String::as_str));
    if subnets.is_empty() {
        return plain_table(
            &headers,
            &[],
            "There are no subnets besides root to weight.",
        );
    }
    let mut rows: Vec<Vec<String>> = root
        .members
        .iter()
        .map(|m| {
            let sum = weight_sum(&m.weights, subnets);
            let mut row = vec![format!("uid {} · {}", m.uid, account_link(&m.hotkey))];
            row.extend(subnets.keys().map(|netuid| {
                match m.weights.get(netuid).copied().filter(|w| *w > 0) {
                    Some(w) => format!(
                        r#"<span title="{} as stored (of 65535)">{}</span>"#,
                        w,
                        esc(&format::fraction(u64::from(w), sum))
                    ),
                    None => "–".into(),
                }
            }));
            row
        })
        .collect();
    let mut shares = vec!["<strong>Emission share</strong> (last root epoch)".to_string()];
    shares.extend(subnets.values().map(|s| {
        format!(
            "<strong>{}</strong> {}",
            esc(&format::percent_ppb(s.emission_share_ppb)),
            subnet_link(s.netuid, "")
        )
    }));
    rows.push(shares);
    plain_table(&headers, &rows, "")
}

/// A candidate's standing: member or waiting, and what the next recompute would do at
/// today's stakes.
fn candidate_status(rank: usize, uid: Option<u16>, max: u16) -> String {
    let in_top = rank <= usize::from(max);
    match (uid, in_top) {
        (Some(uid), true) => format!(r#"<span class="badge ok">member (uid {uid})</span>"#),
        (Some(uid), false) => format!(
            r#"<span class="badge ok">member (uid {uid})</span> outside the top {max}: leaves at the next recompute unless stakes change"#
        ),
        (None, true) => format!(
            r#"<span class="badge">waiting</span> in the top {max}: joins at the next recompute unless stakes change"#
        ),
        (None, false) => r#"<span class="badge">waiting</span>"#.into(),
    }
}

fn candidates_html(root: &RootInfo) -> String {
    let rows: Vec<Vec<String>> = root
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                account_link(&c.hotkey),
                tao_cell(c.stake),
                if c.registered_at == 0 {
                    "genesis".into()
                } else {
                    block_link(c.registered_at)
                },
                candidate_status(i + 1, c.uid, root.max_members),
            ]
        })
        .collect();
    plain_table(
        &["Rank", "Hotkey", "Stake", "Registered", "Status"],
        &rows,
        "No root candidates. A coldkey enters one of its hotkeys with taonet root register.",
    )
}

pub(crate) async fn page(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let (root, subnets) = futures::join!(
        call!(app, state_get_root()),
        call!(app, state_get_subnets())
    );
    let (root, subnets) = (root?, subnets?);
    let delegates: Vec<Option<DelegateInfo>> = join_all(
        root.members
            .iter()
            .map(|m| call!(app, state_get_delegate(m.hotkey.clone()))),
    )
    .await
    .into_iter()
    .collect::<Result<_, _>>()?;
    let children = child_subnets(&subnets);
    let table = members_table(&root, &children, &delegates);
    let sort = sort_param(
        &params,
        &table,
        Sort {
            key: "uid".into(),
            dir: Dir::Asc,
        },
    )?;
    let left = root.next_recompute.saturating_sub(root.block);
    let summary = facts(&[
        (
            "Members",
            format!(
                "{} of at most {} (<code>root_max_uids</code>)",
                root.members.len(),
                root.max_members
            ),
        ),
        ("Candidates", root.candidates.len().to_string()),
        (
            "Next recompute",
            format!(
                "block {} ({})",
                block_link(root.next_recompute),
                if left == 0 {
                    "due now".to_string()
                } else {
                    format!("in {} blocks", format::group(left))
                }
            ),
        ),
        ("Read at", block_link(root.block)),
        (
            "Root subnet page",
            r#"<a href="/subnet/0">SN0</a> (its hyperparameters)"#.into(),
        ),
    ]);
    let page = Page::new("Root subnet", Nav::Root)
        .section(
            "about",
            format!(
                r#"<p class="hint">The root members' weights over subnets set each subnet's share of the block reward. Membership is a rule: at every root epoch the candidates with the most total stake, at most {} of them (ties: earlier registration, then lower hotkey), are the members.</p>"#,
                root.max_members
            ),
        )
        .live_section("summary", 3, summary)
        .live_section(
            "members",
            3,
            format!(
                "<h2>Members</h2><p class=\"hint\">Click a column header to sort.</p>{}",
                table.render(Some(&sort))
            ),
        )
        .live_section(
            "weights",
            5,
            format!(
                "<h2>Weights by subnet</h2><p class=\"hint\">Each member's weights normalised to sum to 1 over the existing subnets, as the root epoch uses them (– : no weight). The last row is each subnet's emission share.</p>{}",
                weights_matrix(&root, &children)
            ),
        )
        .live_section(
            "candidates",
            5,
            format!(
                "<h2>Candidates</h2><p class=\"hint\">In membership order: most stake first.</p>{}",
                candidates_html(&root)
            ),
        );
    Ok(respond(&app, page, &params))
}
