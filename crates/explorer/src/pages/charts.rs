//! `/charts` and the SVG charts.
//!
//! | chart | shows | data |
//! | --- | --- | --- |
//! | `/charts/issuance.svg` | total issuance and total stake over height | history |
//! | `/charts/emission.svg` | block reward and measured emission per block over height | history |
//! | `/charts/subnets.svg` | each subnet's emission share over height | history |
//! | `/charts/stake.svg` | stake across hotkeys (top 11 + the rest) | `state_getDelegates` now |
//! | `/charts/subnet/{netuid}/incentive.svg` | incentive of the top 8 uids over the subnet's epochs | history |
//! | `/charts/subnet/{netuid}/stake.svg` | stake across the subnet's uids (top 11 + the rest) | `state_getMetagraph` now |

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{AppState, Params, parse_u64, respond};
use crate::error::PageError;
use crate::format::{self, tao_f64};
use crate::html::{Nav, Page, esc, subnet_link};
use crate::source::call;
use crate::svg::{Bar, LineChart, Series, Unit, bar_chart, line_chart};

const NO_HISTORY: &str = "No data yet: the explorer samples the chain from the moment it starts";

fn svg(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn page(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let subnets = call!(app, state_get_subnets()).await?;
    let (samples, limits) = {
        let h = app.history.read().unwrap_or_else(|e| e.into_inner());
        (h.blocks().len(), h.limits().clone())
    };
    let img = |src: &str, alt: &str| {
        format!(
            r#"<img class="chart" src="{0}" data-live-src="{0}" alt="{1}" width="800" height="300">"#,
            esc(src),
            esc(alt)
        )
    };
    let mut body = format!(
        "<p class=\"hint\">Charts over time are drawn from the {samples} finalized blocks this explorer has sampled since it started (it keeps the last {}; subnet charts keep {} epochs).</p><div class=\"charts\">{}{}{}{}</div><h2>Subnets</h2>",
        limits.blocks,
        limits.epochs,
        img("/charts/issuance.svg", "Total issuance and stake over time"),
        img("/charts/emission.svg", "Emission per block over time"),
        img("/charts/subnets.svg", "Emission share per subnet over time"),
        img("/charts/stake.svg", "Stake distribution across hotkeys"),
    );
    for s in &subnets {
        body.push_str(&format!(
            "<h3>{}</h3><div class=\"charts\">{}{}</div>",
            subnet_link(s.netuid, &s.name),
            img(
                &format!("/charts/subnet/{}/incentive.svg", s.netuid),
                "Incentive per uid over time"
            ),
            img(
                &format!("/charts/subnet/{}/stake.svg", s.netuid),
                "Stake distribution across uids"
            ),
        ));
    }
    let page = Page::new("Charts", Nav::Charts).section("charts", body);
    Ok(respond(&app, page, &params))
}

/// Bars for the `top` largest values and one for the rest.
fn top_bars(mut items: Vec<(String, u64)>, top: usize) -> Vec<Bar> {
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let rest: u128 = items.iter().skip(top).map(|(_, v)| u128::from(*v)).sum();
    let others = items.len().saturating_sub(top);
    let mut bars: Vec<Bar> = items
        .into_iter()
        .take(top)
        .map(|(label, v)| Bar {
            label,
            value: tao_f64(taonet_types::Rao(v)),
        })
        .collect();
    if others > 0 {
        bars.push(Bar {
            label: format!("{others} others"),
            value: rest as f64 / taonet_types::RAO_PER_TAO as f64,
        });
    }
    bars
}

pub(crate) async fn chain_chart(
    State(app): AppState,
    Path(name): Path<String>,
    Query(_): Params,
) -> Result<Response, PageError> {
    let chart = match name.as_str() {
        "issuance.svg" => {
            let h = app.history.read().unwrap_or_else(|e| e.into_inner());
            let issuance = h
                .blocks()
                .map(|s| (s.height as f64, tao_f64(s.total_issuance)))
                .collect();
            let stake = h
                .blocks()
                .map(|s| (s.height as f64, tao_f64(s.total_stake)))
                .collect();
            line_chart(&LineChart {
                title: "Total issuance and stake".into(),
                x_label: "block".into(),
                y_unit: Unit::Tao,
                y_from_zero: false,
                series: vec![
                    Series {
                        label: "issuance".into(),
                        points: issuance,
                    },
                    Series {
                        label: "stake".into(),
                        points: stake,
                    },
                ],
                empty: NO_HISTORY.into(),
            })
        }
        "emission.svg" => {
            let h = app.history.read().unwrap_or_else(|e| e.into_inner());
            let reward = h
                .blocks()
                .map(|s| (s.height as f64, tao_f64(s.block_reward)))
                .collect();
            let samples: Vec<_> = h.blocks().collect();
            let measured = samples
                .windows(2)
                .filter(|w| w[1].height > w[0].height)
                .map(|w| {
                    let per_block = w[1].emitted().saturating_sub(w[0].emitted())
                        / u128::from(w[1].height - w[0].height);
                    (
                        w[1].height as f64,
                        per_block as f64 / taonet_types::RAO_PER_TAO as f64,
                    )
                })
                .collect();
            line_chart(&LineChart {
                title: "Emission per block (measured: Δ issuance + pending + burned)".into(),
                x_label: "block".into(),
                y_unit: Unit::Tao,
                y_from_zero: true,
                series: vec![
                    Series {
                        label: "block reward".into(),
                        points: reward,
                    },
                    Series {
                        label: "measured".into(),
                        points: measured,
                    },
                ],
                empty: NO_HISTORY.into(),
            })
        }
        "subnets.svg" => {
            let h = app.history.read().unwrap_or_else(|e| e.into_inner());
            let mut by_subnet: BTreeMap<u16, Vec<(f64, f64)>> = BTreeMap::new();
            for s in h.blocks() {
                for (netuid, ppb) in &s.subnet_shares {
                    by_subnet
                        .entry(*netuid)
                        .or_default()
                        .push((s.height as f64, *ppb as f64 / 1e7));
                }
            }
            line_chart(&LineChart {
                title: "Emission share per subnet".into(),
                x_label: "block".into(),
                y_unit: Unit::Percent,
                y_from_zero: true,
                series: by_subnet
                    .into_iter()
                    .map(|(n, points)| Series {
                        label: format!("SN{n}"),
                        points,
                    })
                    .collect(),
                empty: NO_HISTORY.into(),
            })
        }
        "stake.svg" => {
            let delegates = call!(app, state_get_delegates()).await?;
            let items = delegates
                .iter()
                .map(|d| (format::short_address(&d.hotkey), d.total_stake.0))
                .collect();
            bar_chart(
                "Stake by hotkey",
                &top_bars(items, 11),
                Unit::Tao,
                "No hotkey has stake",
            )
        }
        other => {
            return Err(PageError::not_found(
                "Chart not found",
                format!(
                    "There is no chart {other:?}: the charts are issuance.svg, emission.svg, subnets.svg and stake.svg, and per subnet /charts/subnet/NETUID/incentive.svg and stake.svg."
                ),
            ));
        }
    };
    Ok(svg(chart))
}

pub(crate) async fn subnet_chart(
    State(app): AppState,
    Path((netuid, name)): Path<(String, String)>,
    Query(_): Params,
) -> Result<Response, PageError> {
    let n = parse_u64("netuid", &netuid)?;
    let netuid = u16::try_from(n)
        .map_err(|_| PageError::BadRequest(format!("netuid {n} is out of range (0 to 65535)")))?;
    let chart = match name.as_str() {
        "incentive.svg" => {
            let info = call!(app, state_get_subnet(netuid)).await?.ok_or_else(|| {
                PageError::not_found("Subnet not found", format!("There is no subnet {netuid}."))
            })?;
            let h = app.history.read().unwrap_or_else(|e| e.into_inner());
            // The 8 uids with the highest incentive at the latest sample.
            let mut top: Vec<(u16, u16)> = h
                .epochs(netuid)
                .next_back()
                .map(|s| s.neurons.iter().map(|n| (n.incentive, n.uid)).collect())
                .unwrap_or_default();
            top.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            top.truncate(8);
            let series = top
                .iter()
                .map(|(_, uid)| Series {
                    label: format!("uid {uid}"),
                    points: h
                        .epochs(netuid)
                        .filter_map(|s| {
                            s.neurons
                                .iter()
                                .find(|n| n.uid == *uid)
                                .map(|n| (s.block as f64, f64::from(n.incentive) / 65_535.0))
                        })
                        .collect(),
                })
                .collect();
            let title = if info.info.name.is_empty() {
                format!("SN{netuid}: incentive per uid")
            } else {
                format!("SN{netuid} {}: incentive per uid", info.info.name)
            };
            line_chart(&LineChart {
                title,
                x_label: "block (one point per epoch)".into(),
                y_unit: Unit::Fraction,
                y_from_zero: true,
                series,
                empty:
                    "No epoch sampled yet: incentive is drawn from the epochs the explorer has seen"
                        .into(),
            })
        }
        "stake.svg" => {
            let m = call!(app, state_get_metagraph(netuid, false, false))
                .await?
                .ok_or_else(|| {
                    PageError::not_found(
                        "Subnet not found",
                        format!("There is no subnet {netuid}."),
                    )
                })?;
            let items = m
                .neurons
                .iter()
                .map(|n| {
                    (
                        format!("uid {} · {}", n.uid, format::short_address(&n.hotkey)),
                        n.stake.0,
                    )
                })
                .collect();
            bar_chart(
                &format!("SN{netuid}: stake by uid"),
                &top_bars(items, 11),
                Unit::Tao,
                "No stake on this subnet's neurons",
            )
        }
        other => {
            return Err(PageError::not_found(
                "Chart not found",
                format!("There is no subnet chart {other:?}: use incentive.svg or stake.svg."),
            ));
        }
    };
    Ok(svg(chart))
}
