//! `/`: the chain at a glance.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Response;

use super::blocks::{blocks_table, recent_blocks, seats_section};
use super::live::fields;
use super::{AppState, Params, respond};
use crate::error::PageError;
use crate::format;
use crate::html::{Nav, Page, account_link_full, esc, tao_cell};
use crate::source::call;

/// One figure: a label and a value; `live` names the `data-live` field that keeps it current.
fn stat(out: &mut String, label: &str, value: &str, live: Option<&str>, note: &str) {
    let live = live
        .map(|k| format!(r#" data-live="{}""#, esc(k)))
        .unwrap_or_default();
    let _ = write!(
        out,
        r#"<div class="stat"><div class="label">{}</div><div class="value"{live}>{}</div><div class="note">{}</div></div>"#,
        esc(label),
        esc(value),
        esc(note)
    );
}

pub(crate) async fn page(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let (head, health, supply, seats, treasury, subnets, participation) = futures::join!(
        call!(app, chain_get_finalized_head()),
        call!(app, system_health()),
        call!(app, state_get_supply()),
        call!(app, state_get_seats(None)),
        call!(app, gov_treasury()),
        call!(app, state_get_subnets()),
        call!(app, state_get_participation(None)),
    );
    let (head, health, supply, seats, treasury, subnets, participation) = (
        head?,
        health?,
        supply?,
        seats?,
        treasury?,
        subnets?,
        participation?,
    );
    let recent = recent_blocks(&app, head.height, 10).await?;
    let now = format::now_ms();

    let live = fields(Some(&head), Some(&health), Some(&supply));
    let get = |k: &str| {
        live.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (block_time, measured) = {
        let history = app.history.read().unwrap_or_else(|e| e.into_inner());
        let measured = {
            let mut it = history.blocks();
            match (it.next(), it.next_back()) {
                (Some(a), Some(b)) if b.height > a.height => Some(
                    (b.emitted().saturating_sub(a.emitted())) / u128::from(b.height - a.height),
                ),
                _ => None,
            }
        };
        (history.block_time_ms(), measured)
    };
    let per_day = block_time.filter(|t| *t > 0).map(|t| {
        let blocks_per_day = 86_400_000 / t;
        taonet_types::Rao(supply.block_reward.0.saturating_mul(blocks_per_day))
    });

    let mut stats = String::from(r#"<div class="stats">"#);
    stat(
        &mut stats,
        "Finalized height",
        &get("finalized_height"),
        Some("finalized_height"),
        "blocks final under BFT consensus",
    );
    stat(
        &mut stats,
        "Best height",
        &get("best_height"),
        Some("best_height"),
        "highest block verified by this node",
    );
    stat(
        &mut stats,
        "Block time",
        &block_time
            .map(|t| format!("{}.{:03} s", t / 1000, t % 1000))
            .unwrap_or_else(|| "measuring…".into()),
        None,
        "average over the blocks the explorer has seen",
    );
    stat(
        &mut stats,
        "Last finalized",
        &get("block_time"),
        Some("block_time"),
        "",
    );
    stat(
        &mut stats,
        "Total issuance",
        &get("issuance"),
        Some("issuance"),
        "",
    );
    stat(
        &mut stats,
        "Share of the 21M cap",
        &get("supply_share"),
        Some("supply_share"),
        "issuance / 21,000,000 TAO",
    );
    stat(
        &mut stats,
        "Emission per block",
        &get("block_reward"),
        Some("block_reward"),
        "current block reward; halves as issuance grows",
    );
    stat(
        &mut stats,
        "Emission per day",
        &per_day
            .map(format::tao)
            .unwrap_or_else(|| "measuring…".into()),
        None,
        "block reward × blocks per day at the measured block time",
    );
    stat(
        &mut stats,
        "Measured emission",
        &measured
            .map(|m| format::tao(taonet_types::Rao(u64::try_from(m).unwrap_or(u64::MAX))))
            .unwrap_or_else(|| "measuring…".into()),
        None,
        "per block: Δ(issuance + pending + burned) over the explorer's samples",
    );
    stat(
        &mut stats,
        "Pending emission",
        &get("pending_emission"),
        Some("pending_emission"),
        "accrued, paid at subnet epochs",
    );
    stat(&mut stats, "Total stake", &get("stake"), Some("stake"), "");
    stat(
        &mut stats,
        "Unbonding",
        &get("unbonding"),
        Some("unbonding"),
        "",
    );
    stat(
        &mut stats,
        "Burned",
        &get("burned"),
        Some("burned"),
        "registrations and slashes",
    );
    stat(
        &mut stats,
        "Treasury",
        &format::tao(treasury.balance),
        None,
        "",
    );
    stat(&mut stats, "Subnets", &subnets.len().to_string(), None, "");
    stat(
        &mut stats,
        "Peers",
        &get("peers"),
        Some("peers"),
        "of the node the explorer reads",
    );
    stat(
        &mut stats,
        "Mempool",
        &get("mempool"),
        Some("mempool"),
        "pending transactions",
    );
    stats.push_str("</div>");

    let seats_html = match &seats {
        Some(s) => seats_section(s, participation.as_ref()),
        None => "<h2>Seats</h2><p>The node has no seat set for the current epoch.</p>".into(),
    };
    let charts = r#"<h2>Over time</h2><div class="charts"><img class="chart" src="/charts/issuance.svg" data-live-src="/charts/issuance.svg" alt="Total issuance and stake over time" width="800" height="300"><img class="chart" src="/charts/emission.svg" data-live-src="/charts/emission.svg" alt="Emission per block over time" width="800" height="300"></div><p><a href="/charts">All charts →</a></p>"#;
    let treasury_html = format!(
        "<h2>Treasury</h2><p>{} held at {}; it receives {} of every fee. {} proposal(s) voting. <a href=\"/governance\">Governance →</a></p>",
        tao_cell(treasury.balance),
        account_link_full(&treasury.account),
        esc(&format::percent_ppb(u64::from(treasury.fee_share_ppb))),
        treasury.active_proposals
    );
    let page = Page::new("Overview", Nav::Overview)
        .section("stats", stats)
        .live_section(
            "recent",
            1,
            format!(
                r#"<h2>Recent blocks</h2>{}<p><a href="/blocks">All blocks →</a></p>"#,
                blocks_table(&recent, now)
            ),
        )
        .live_section("seats", 5, seats_html)
        .section("charts", charts.to_string())
        .live_section("treasury", 5, treasury_html);
    Ok(respond(&app, page, &params))
}
