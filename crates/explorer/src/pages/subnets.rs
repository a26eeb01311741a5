//! `/subnets` and `/subnet/{netuid}`: subnets, hyperparameters and metagraphs. Subnet 0's
//! page links to `/root` (membership, weights and candidates).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use taonet_client::{MetagraphInfo, SubnetInfo};

use super::{AppState, Params, PathText, parse_u64, respond, sort_param};
use crate::error::PageError;
use crate::format;
use crate::html::{
    Cell, Column, Dir, Nav, Page, Sort, Table, account_link, account_link_full, block_link,
    commitment_cell, esc, facts, plain_table, subnet_link, tao_cell, yes_no,
};
use crate::source::call;

fn subnets_table(subnets: &[SubnetInfo]) -> Table {
    Table {
        name: "subnets",
        columns: vec![
            Column::num("netuid", "Netuid", "Subnet id"),
            Column::text("name", "Name", "Set by the owner"),
            Column::num("neurons", "Neurons", "Registered / capacity"),
            Column::num("tempo", "Tempo", "Blocks between epochs"),
            Column::num(
                "emission",
                "Emission share",
                "Share of each block's emission",
            ),
            Column::num(
                "burn",
                "Registration burn",
                "Current price to register a neuron",
            ),
            Column::num(
                "pending",
                "Pending emission",
                "Accrued since the last epoch",
            ),
            Column::num("next_epoch", "Next epoch", "Block of the next epoch"),
            Column::text("owner", "Owner", "Owner coldkey"),
            Column::num("locked", "Locked", "TAO locked at creation"),
        ],
        rows: subnets
            .iter()
            .map(|s| {
                vec![
                    Cell::num(
                        s.netuid,
                        format!(r#"<a href="/subnet/{0}">{0}</a>"#, s.netuid),
                    ),
                    Cell::text_with(&s.name, subnet_link(s.netuid, &s.name)),
                    Cell::num(s.n, format!("{}/{}", s.n, s.max_n)),
                    Cell::num(s.tempo, s.tempo.to_string()),
                    Cell::num(
                        s.emission_share_ppb,
                        esc(&format::percent_ppb(s.emission_share_ppb)),
                    ),
                    Cell::num(s.burn.0, tao_cell(s.burn)),
                    Cell::num(s.pending_emission.0, tao_cell(s.pending_emission)),
                    Cell::num(s.next_epoch_block, block_link(s.next_epoch_block)),
                    Cell::text_with(&s.owner, account_link(&s.owner)),
                    Cell::num(s.locked.0, tao_cell(s.locked)),
                ]
            })
            .collect(),
        empty: "No subnets.",
    }
}

pub(crate) async fn list(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let (subnets, lock, chain) = futures::join!(
        call!(app, state_get_subnets()),
        call!(app, state_get_network_lock_cost()),
        call!(app, state_get_params()),
    );
    let (subnets, lock, chain) = (subnets?, lock?, chain?);
    let table = subnets_table(&subnets);
    let sort = sort_param(
        &params,
        &table,
        Sort {
            key: "netuid".into(),
            dir: Dir::Asc,
        },
    )?;
    let info = format!(
        "<p>{} of at most {} subnets. Creating one now locks {}.</p>",
        subnets.len(),
        chain.subnet_limit,
        tao_cell(lock)
    );
    let page = Page::new("Subnets", Nav::Subnets)
        .section("info", info)
        .live_section("subnets", 3, table.render(Some(&sort)));
    Ok(respond(&app, page, &params))
}

fn metagraph_table(m: &MetagraphInfo) -> Table {
    Table {
        name: "metagraph",
        columns: vec![
            Column::num("uid", "UID", "Slot in the subnet"),
            Column::text("hotkey", "Hotkey", "The neuron's hotkey"),
            Column::text("coldkey", "Coldkey", "Owner of the hotkey"),
            Column::num(
                "stake",
                "Stake",
                "Total stake on the hotkey (own + delegated)",
            ),
            Column::num("stake_weight", "Stake weight", "Normalised stake (u16)"),
            Column::num("rank", "Rank", "Position by incentive (1 = highest)"),
            Column::num(
                "trust",
                "Trust",
                "Validator trust: how much its weights agree with consensus",
            ),
            Column::num(
                "consensus",
                "Consensus",
                "Stake-weighted median weight it receives",
            ),
            Column::num("incentive", "Incentive", "Its share of miner emission"),
            Column::num("dividends", "Dividends", "Its share of validator emission"),
            Column::num("emission", "Emission", "TAO earned at the last epoch"),
            Column::text("permit", "Validator", "Holds a validator permit"),
            Column::text("active", "Active", "Updated within the activity cutoff"),
            Column::num("updated", "Last update", "Block of its last weight update"),
            Column::num("registered", "Registered", "Block it registered"),
            Column::text("axon", "Axon", "Address it serves on"),
            Column::text(
                "commitment",
                "Commitment",
                "Data it published (commitments.set): text, or hex",
            ),
        ],
        rows: {
            // Rank by incentive (1 = highest; ties by uid).
            let mut order: Vec<(u16, u16)> =
                m.neurons.iter().map(|n| (n.incentive, n.uid)).collect();
            order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let rank = |uid: u16| {
                order
                    .iter()
                    .position(|(_, u)| *u == uid)
                    .map_or(0, |p| p + 1)
            };
            m.neurons
                .iter()
                .map(|n| {
                    let r = rank(n.uid);
                    let axon = n
                        .axon
                        .as_ref()
                        .map(|a| a.address.clone())
                        .unwrap_or_default();
                    vec![
                        Cell::num(n.uid, n.uid.to_string()),
                        Cell::text_with(&n.hotkey, account_link(&n.hotkey)),
                        Cell::text_with(&n.coldkey, account_link(&n.coldkey)),
                        Cell::num(n.stake.0, tao_cell(n.stake)),
                        Cell::num(n.stake_weight, esc(&format::proportion(n.stake_weight))),
                        Cell::num(r as u64, r.to_string()),
                        Cell::num(
                            n.validator_trust,
                            esc(&format::proportion(n.validator_trust)),
                        ),
                        Cell::num(n.consensus, esc(&format::proportion(n.consensus))),
                        Cell::num(n.incentive, esc(&format::proportion(n.incentive))),
                        Cell::num(n.dividends, esc(&format::proportion(n.dividends))),
                        Cell::num(n.emission.0, tao_cell(n.emission)),
                        Cell::text_with(
                            if n.validator_permit { "yes" } else { "no" },
                            yes_no(n.validator_permit).into(),
                        ),
                        Cell::text_with(
                            if n.active { "yes" } else { "no" },
                            yes_no(n.active).into(),
                        ),
                        Cell::num(n.last_update, block_link(n.last_update)),
                        Cell::num(n.registered_at, block_link(n.registered_at)),
                        Cell::text_with(
                            &axon,
                            if axon.is_empty() {
                                "–".into()
                            } else {
                                format!("<code>{}</code>", esc(&axon))
                            },
                        ),
                        match n.commitment.as_deref().and_then(format::from_hex) {
                            Some(data) => {
                                Cell::text_with(&format::commitment(&data), commitment_cell(&data))
                            }
                            None => Cell::text_with("", "–".into()),
                        },
                    ]
                })
                .collect()
        },
        empty: "No neurons registered.",
    }
}

/// A link for an owner-supplied URL, only for http(s) addresses; anything else is shown as
/// text.
fn url_html(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    if url.is_empty() {
        "–".into()
    } else if (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        format!(
            r#"<a href="{0}" rel="nofollow noopener noreferrer">{0}</a>"#,
            esc(url.trim())
        )
    } else {
        esc(url)
    }
}

pub(crate) async fn subnet(
    State(app): AppState,
    Path(netuid): PathText,
    Query(params): Params,
) -> Result<Response, PageError> {
    let n = parse_u64("netuid", &netuid)?;
    let netuid = u16::try_from(n)
        .map_err(|_| PageError::BadRequest(format!("netuid {n} is out of range (0 to 65535)")))?;
    let (detail, metagraph) = futures::join!(
        call!(app, state_get_subnet(netuid)),
        call!(app, state_get_metagraph(netuid, false, false)),
    );
    let (Some(detail), Some(metagraph)) = (detail?, metagraph?) else {
        return Err(PageError::not_found(
            "Subnet not found",
            format!("There is no subnet {netuid} on this chain. See the list of subnets."),
        ));
    };
    let table = metagraph_table(&metagraph);
    let sort = sort_param(
        &params,
        &table,
        Sort {
            key: "uid".into(),
            dir: Dir::Asc,
        },
    )?;
    let s = &detail.info;
    let mut summary_rows = vec![
        (
            "Name",
            if s.name.is_empty() {
                "–".into()
            } else {
                esc(&s.name)
            },
        ),
        (
            "Description",
            if s.description.is_empty() {
                "–".into()
            } else {
                format!(r#"<span class="text">{}</span>"#, esc(&s.description))
            },
        ),
        ("URL", url_html(&s.url)),
        ("Owner", account_link_full(&s.owner)),
        ("Owner hotkey", account_link_full(&s.owner_hotkey)),
        ("Neurons", format!("{} of {}", s.n, s.max_n)),
        (
            "Emission share",
            esc(&format::percent_ppb(s.emission_share_ppb)),
        ),
        ("Tempo", format!("{} blocks", s.tempo)),
        (
            "Epochs",
            format!(
                "{} run; last at block {}, next at block {}",
                format::group(s.epoch_index),
                block_link(s.last_epoch_block),
                block_link(s.next_epoch_block)
            ),
        ),
        ("Pending emission", tao_cell(s.pending_emission)),
        ("Registration burn", tao_cell(s.burn)),
        ("Locked", tao_cell(s.locked)),
        ("Metagraph read at", block_link(metagraph.block)),
    ];
    if netuid == 0 {
        summary_rows.insert(
            0,
            (
                "Root membership",
                r#"<a href="/root">members, their weights by subnet, and the candidates</a>"#
                    .into(),
            ),
        );
    }
    let summary = facts(&summary_rows);
    let hyper = serde_json::to_value(&detail.hyperparams)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let hyper_rows: Vec<Vec<String>> = hyper
        .iter()
        .map(|(k, v)| {
            let value = match (k.ends_with("burn") || k == "stake_threshold", v.as_u64()) {
                (true, Some(rao)) => tao_cell(taonet_types::Rao(rao)),
                _ => esc(&v.to_string()),
            };
            vec![format!("<code>{}</code>", esc(k)), value]
        })
        .collect();
    let charts = format!(
        r#"<div class="charts"><img class="chart" src="/charts/subnet/{netuid}/incentive.svg" data-live-src="/charts/subnet/{netuid}/incentive.svg" alt="Incentive per uid over time" width="800" height="300"><img class="chart" src="/charts/subnet/{netuid}/stake.svg" data-live-src="/charts/subnet/{netuid}/stake.svg" alt="Stake distribution across uids" width="800" height="300"></div>"#
    );
    let title = if s.name.is_empty() {
        format!("Subnet {netuid}")
    } else {
        format!("Subnet {netuid} · {}", s.name)
    };
    let page = Page::new(title, Nav::Subnets)
        .live_section("summary", 3, summary)
        .section("charts", charts)
        .live_section(
            "metagraph",
            5,
            format!(
                "<h2>Metagraph</h2><p class=\"hint\">Click a column header to sort.</p>{}",
                table.render(Some(&sort))
            ),
        )
        .section(
            "hyperparameters",
            format!(
                "<h2>Hyperparameters</h2>{}",
                plain_table(&["Name", "Value"], &hyper_rows, "")
            ),
        );
    Ok(respond(&app, page, &params))
}
