//! `/validators`: every hotkey with stake (delegates), with take, stake, nominators and
//! whether it holds a block-producer seat this epoch. The owner column carries the name the
//! owner coldkey published on chain (`wallet set-identity`), when it did.

use axum::extract::{Query, State};
use axum::response::Response;
use taonet_client::DelegateInfo;
use taonet_crypto::Ss58;
use taonet_types::Rao;

use super::blocks::seats_section;
use super::{AppState, Params, respond, sort_param};
use crate::error::PageError;
use crate::format;
use crate::html::{
    Cell, Column, Dir, Nav, Page, Sort, Table, account_link, esc, facts, tao_cell, yes_no,
};
use crate::source::call;

/// The owner's identity name, its URL and description in the title; empty without one.
pub(crate) fn identity_cell(d: &DelegateInfo) -> Cell {
    match &d.identity {
        Some(id) => {
            let mut title = id.url.clone();
            if !id.description.is_empty() {
                if !title.is_empty() {
                    title.push_str(" — ");
                }
                title.push_str(&id.description);
            }
            Cell::text_with(
                &id.name,
                format!(
                    r#"<span class="identity" title="{}">{}</span>"#,
                    esc(&title),
                    esc(&id.name)
                ),
            )
        }
        None => Cell::text(""),
    }
}

fn delegates_table(delegates: &[DelegateInfo], seated: &[String]) -> Table {
    let total: u128 = delegates.iter().map(|d| u128::from(d.total_stake.0)).sum();
    Table {
        name: "validators",
        columns: vec![
            Column::num("rank", "#", "Position by total stake"),
            Column::text("hotkey", "Hotkey", "The validator's hotkey"),
            Column::text("owner", "Owner", "Coldkey owning the hotkey"),
            Column::text(
                "identity",
                "Identity",
                "Name the owner coldkey published on chain (wallet set-identity)",
            ),
            Column::num("stake", "Total stake", "Own + delegated stake"),
            Column::num("share", "Share", "Of all stake on hotkeys"),
            Column::num("own", "Own stake", "Staked by the owner"),
            Column::num("take", "Take", "Cut of dividends kept by the owner"),
            Column::num("nominators", "Nominators", "Coldkeys staking on it"),
            Column::text("seat", "Seat", "Holds a block-producer seat this epoch"),
            Column::text("key", "Consensus key", "Registered a key to vote with"),
            Column::num("subnets", "Subnets", "Subnets it is registered on"),
        ],
        rows: delegates
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let own = d
                    .nominators
                    .iter()
                    .find(|(c, _)| *c == d.owner)
                    .map(|(_, a)| *a)
                    .unwrap_or(Rao::ZERO);
                let share =
                    u64::try_from(u128::from(d.total_stake.0) * 1_000_000_000 / total.max(1))
                        .unwrap_or(0);
                let seat = seated.contains(&d.hotkey);
                vec![
                    Cell::num(i as u64 + 1, (i + 1).to_string()),
                    Cell::text_with(&d.hotkey, account_link(&d.hotkey)),
                    Cell::text_with(&d.owner, account_link(&d.owner)),
                    identity_cell(d),
                    Cell::num(d.total_stake.0, tao_cell(d.total_stake)),
                    Cell::num(share, esc(&format::percent_ppb(share))),
                    Cell::num(own.0, tao_cell(own)),
                    Cell::num(d.take, esc(&format::percent_u16(d.take))),
                    Cell::num(d.nominators.len() as u64, d.nominators.len().to_string()),
                    Cell::text_with(if seat { "yes" } else { "no" }, yes_no(seat).into()),
                    Cell::text_with(
                        if d.consensus_key.is_some() {
                            "yes"
                        } else {
                            "no"
                        },
                        yes_no(d.consensus_key.is_some()).into(),
                    ),
                    Cell::num(
                        d.registrations.len() as u64,
                        d.registrations.len().to_string(),
                    ),
                ]
            })
            .collect(),
        empty: "No hotkey has stake.",
    }
}

pub(crate) async fn page(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let (delegates, seats, chain) = futures::join!(
        call!(app, state_get_delegates()),
        call!(app, state_get_seats(None)),
        call!(app, state_get_params()),
    );
    let (delegates, seats, chain) = (delegates?, seats?, chain?);
    let seated: Vec<String> = seats
        .as_ref()
        .map(|s| s.seats.iter().map(|x| x.hotkey.to_ss58()).collect())
        .unwrap_or_default();
    let table = delegates_table(&delegates, &seated);
    let sort = sort_param(
        &params,
        &table,
        Sort {
            key: "stake".into(),
            dir: Dir::Desc,
        },
    )?;
    let info = facts(&[
        ("Hotkeys with stake", delegates.len().to_string()),
        ("Seats per epoch", chain.seat_count.to_string()),
        ("Stake needed for a seat", tao_cell(chain.min_seat_stake)),
        (
            "Consensus epoch length",
            format!("{} blocks", chain.consensus_epoch_length),
        ),
        (
            "Default take",
            esc(&format::percent_u16(chain.default_take)),
        ),
        (
            "Unbonding period",
            format!("{} blocks", chain.unbonding_period),
        ),
    ]);
    let seats_html = seats
        .as_ref()
        .map(|s| seats_section(s, None))
        .unwrap_or_default();
    let page = Page::new("Validators and delegation", Nav::Validators)
        .section("info", info)
        .live_section(
            "validators",
            3,
            format!(
                "<h2>Delegates</h2><p class=\"hint\">Click a column header to sort. Stake on a hotkey earns its dividends, minus its take.</p>{}",
                table.render(Some(&sort))
            ),
        )
        .section(
            "distribution",
            r#"<img class="chart" src="/charts/stake.svg" data-live-src="/charts/stake.svg" alt="Stake distribution across hotkeys" width="800" height="300">"#.into(),
        )
        .live_section("seats", 5, seats_html);
    Ok(respond(&app, page, &params))
}
