//! Blocks and transactions: `/blocks`, `/block/{height or hash}`, `/tx/{hash}`.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures::future::join_all;
use taonet_client::{BlockInfo, TransactionInfo, TxStatus};

use super::{AppState, Params, PathText, calls, parse_hash, parse_u64, respond, ss58};
use crate::App;
use crate::error::PageError;
use crate::format;
use crate::html::{
    Nav, Page, account_link, account_link_full, block_hash_link, block_link, esc, facts, outcome,
    plain_table, tao_cell, tx_link,
};
use crate::source::call;

const BLOCKS_PER_PAGE: u64 = 25;
const TXS_PER_PAGE: u32 = 100;

/// Blocks `from` and below (at most `count`, newest first), skipping heights the node lacks.
pub(crate) async fn recent_blocks(
    app: &App,
    from: u64,
    count: u64,
) -> Result<Vec<BlockInfo>, PageError> {
    let lowest = from.saturating_sub(count.saturating_sub(1));
    let calls = (lowest..=from)
        .rev()
        .map(|h| call!(app, chain_get_block_by_height(h)));
    let mut out = Vec::new();
    for b in join_all(calls).await {
        if let Some(b) = b? {
            out.push(b);
        }
    }
    Ok(out)
}

/// The table of blocks.
pub(crate) fn blocks_table(blocks: &[BlockInfo], now_ms: u64) -> String {
    let rows: Vec<Vec<String>> = blocks
        .iter()
        .map(|b| {
            vec![
                block_link(b.height),
                block_hash_link(&b.hash.to_string()),
                format!(
                    r#"<span title="{}">{}</span>"#,
                    esc(&format::utc(b.timestamp_ms)),
                    esc(&format::age(b.timestamp_ms, now_ms))
                ),
                account_link(&b.proposer),
                b.transactions.len().to_string(),
                if b.seats.is_some() {
                    r#"<span class="badge">seats elected</span>"#.into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    plain_table(
        &["Height", "Hash", "Time", "Proposer", "Transactions", ""],
        &rows,
        "No blocks yet.",
    )
}

pub(crate) async fn list(
    State(app): AppState,
    Query(params): Params,
) -> Result<Response, PageError> {
    let head = call!(app, chain_get_finalized_head()).await?;
    let from = match params.get("from") {
        Some(f) => parse_u64("from", f)?.min(head.height),
        None => head.height,
    };
    let blocks = recent_blocks(&app, from, BLOCKS_PER_PAGE).await?;
    let mut nav = String::from(r#"<p class="pager">"#);
    if from < head.height {
        nav.push_str(&format!(
            r#"<a href="/blocks?from={}">← Newer</a> "#,
            (from + BLOCKS_PER_PAGE).min(head.height)
        ));
        nav.push_str(r#"<a href="/blocks">Latest</a> "#);
    }
    if from >= BLOCKS_PER_PAGE {
        nav.push_str(&format!(
            r#"<a href="/blocks?from={}">Older →</a>"#,
            from - BLOCKS_PER_PAGE
        ));
    }
    nav.push_str("</p>");
    let table = blocks_table(&blocks, format::now_ms());
    let page = Page::new("Blocks", Nav::Blocks);
    let page = if params.contains_key("from") {
        page.section("blocks", format!("{table}{nav}"))
    } else {
        page.live_section("blocks", 1, format!("{table}{nav}"))
    };
    Ok(respond(&app, page, &params))
}

fn seats_table(
    seats: &taonet_types::SeatSet,
    participation: Option<&taonet_client::types::ParticipationInfo>,
) -> String {
    // Participation rows are in seat-set order; only used when they are of the same epoch.
    let participation =
        participation.filter(|p| p.epoch == seats.epoch && p.seats.len() == seats.seats.len());
    let total: u128 = seats.seats.iter().map(|s| u128::from(s.stake.0)).sum();
    let rows: Vec<Vec<String>> = seats
        .seats
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let share =
                u64::try_from(u128::from(s.stake.0) * 1_000_000_000 / total.max(1)).unwrap_or(0);
            let mut row = vec![
                (i + 1).to_string(),
                account_link_full(&ss58(&s.hotkey)),
                tao_cell(s.stake),
                esc(&format::percent_ppb(share)),
                format!(
                    r#"<code title="0x{k}">{}</code>"#,
                    esc(&format::short_hex(&format!(
                        "0x{}",
                        hex_of(&s.consensus_key)
                    ))),
                    k = esc(&hex_of(&s.consensus_key))
                ),
            ];
            if let Some(p) = participation {
                let seat = &p.seats[i];
                row.push(format!(
                    "{} / {} <span class=\"muted\">({} missed)</span>",
                    seat.voted,
                    p.counted_blocks,
                    esc(&format::percent_ppb(u64::from(seat.missed_ppb)))
                ));
                row.push(if seat.jailed { "jailed" } else { "active" }.to_string());
            }
            row
        })
        .collect();
    let mut header = vec![
        "Seat",
        "Hotkey",
        "Stake at election",
        "Share",
        "Consensus key",
    ];
    if participation.is_some() {
        header.extend(["Votes this epoch", "Status"]);
    }
    plain_table(&header, &rows, "No seats.")
}

/// Seats of an epoch as a section body (with each seat's votes so far when `participation`
/// is of the same epoch).
pub(crate) fn seats_section(
    seats: &taonet_types::SeatSet,
    participation: Option<&taonet_client::types::ParticipationInfo>,
) -> String {
    format!(
        "<h2>Seats of consensus epoch {}</h2>{}",
        seats.epoch,
        seats_table(seats, participation)
    )
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn tx_rows(txs: &[TransactionInfo]) -> Vec<Vec<String>> {
    txs.iter()
        .map(|t| {
            vec![
                t.index.to_string(),
                tx_link(&t.hash.to_string()),
                account_link(&t.signer),
                format!("<code>{}</code>", esc(&t.call_name)),
                calls::summary(&t.call),
                tao_cell(t.fee),
                outcome(Some(t.success)).to_string(),
            ]
        })
        .collect()
}

pub(crate) async fn block(
    State(app): AppState,
    Path(id): PathText,
    Query(params): Params,
) -> Result<Response, PageError> {
    let id = id.trim();
    let block = if id.starts_with("0x") || id.len() == 64 {
        let hash = parse_hash("block hash", id)?;
        call!(app, chain_get_block_by_hash(hash))
            .await?
            .ok_or_else(|| {
                PageError::not_found(
                    "Block not found",
                    format!("The node knows no block with hash {hash}."),
                )
            })?
    } else {
        let height = parse_u64("a block number", id)?;
        match call!(app, chain_get_block_by_height(height)).await? {
            Some(b) => b,
            None => {
                let head = call!(app, chain_get_finalized_head()).await?;
                return Err(PageError::not_found(
                    "Block not found",
                    format!(
                        "Block {} is not finalized yet: the finalized head is {}.",
                        format::group(height),
                        format::group(head.height)
                    ),
                ));
            }
        }
    };
    let tx_count = u32::try_from(block.transactions.len()).unwrap_or(u32::MAX);
    let pages = tx_count.div_ceil(TXS_PER_PAGE).max(1);
    let page_no = match params.get("page") {
        Some(p) => {
            let n = parse_u64("page", p)?;
            if n == 0 || n > u64::from(pages) {
                return Err(PageError::BadRequest(format!(
                    "page {n} does not exist: this block's transactions fill {pages} page(s)"
                )));
            }
            u32::try_from(n).unwrap_or(1)
        }
        None => 1,
    };
    let mut header = vec![
        ("Height", block_link(block.height)),
        (
            "Hash",
            format!("<code>{}</code>", esc(&block.hash.to_string())),
        ),
        ("Parent", block_hash_link(&block.parent.to_string())),
        (
            "Time",
            format!(
                "{} ({})",
                esc(&format::utc(block.timestamp_ms)),
                esc(&format::age(block.timestamp_ms, format::now_ms()))
            ),
        ),
        ("Proposer", account_link_full(&block.proposer)),
        (
            "State root",
            format!("<code>{}</code>", esc(&block.state_root.to_string())),
        ),
        (
            "Finalized",
            if block.finalized {
                r#"<span class="badge ok">finalized</span>"#.into()
            } else {
                r#"<span class="badge">not finalized</span>"#.into()
            },
        ),
        ("Transactions", format::group(u64::from(tx_count))),
    ];
    if block.height > 0 {
        header.push((
            "Neighbours",
            format!(
                r#"<a href="/block/{}">← {}</a> · <a href="/block/{}">{} →</a>"#,
                block.height - 1,
                esc(&format::group(block.height - 1)),
                block.height + 1,
                esc(&format::group(block.height + 1))
            ),
        ));
    }
    let txs_html = if block.finalized && tx_count > 0 {
        let offset = (page_no - 1) * TXS_PER_PAGE;
        let txs = call!(
            app,
            chain_get_block_transactions(block.height, offset, TXS_PER_PAGE)
        )
        .await?
        .unwrap_or_default();
        let mut html = plain_table(
            &[
                "#",
                "Hash",
                "Signer",
                "Call",
                "What it does",
                "Fee",
                "Outcome",
            ],
            &tx_rows(&txs),
            "No transactions.",
        );
        if pages > 1 {
            html.push_str(r#"<p class="pager">"#);
            for p in 1..=pages {
                if p == page_no {
                    html.push_str(&format!("<strong>{p}</strong> "));
                } else {
                    html.push_str(&format!(
                        r#"<a href="/block/{}?page={p}">{p}</a> "#,
                        block.height
                    ));
                }
            }
            html.push_str("</p>");
        }
        html
    } else {
        let rows: Vec<Vec<String>> = block
            .transactions
            .iter()
            .enumerate()
            .map(|(i, t)| {
                vec![
                    i.to_string(),
                    tx_link(&t.hash.to_string()),
                    account_link(&t.signer),
                    format!("<code>{}</code>", esc(&t.call)),
                    outcome(t.success).to_string(),
                ]
            })
            .collect();
        plain_table(
            &["#", "Hash", "Signer", "Call", "Outcome"],
            &rows,
            "No transactions in this block.",
        )
    };
    let mut page = Page::new(
        format!("Block {}", format::group(block.height)),
        Nav::Blocks,
    )
    .section("header", facts(&header))
    .section("transactions", format!("<h2>Transactions</h2>{txs_html}"));
    if let Some(seats) = &block.seats {
        page = page.section("seats", seats_section(seats, None));
    }
    Ok(respond(&app, page, &params))
}

pub(crate) async fn transaction(
    State(app): AppState,
    Path(hash): PathText,
    Query(params): Params,
) -> Result<Response, PageError> {
    let hash = parse_hash("transaction hash", &hash)?;
    let status = call!(app, author_get_transaction_status(hash)).await?;
    let title = format!("Transaction {}", format::short_hex(&hash.to_string()));
    let pending = status == TxStatus::Pending;
    let body = match status {
        TxStatus::Unknown => {
            return Err(PageError::not_found(
                "Transaction not found",
                format!(
                    "The node knows no transaction {hash}: it was never submitted to it, or it was dropped from the mempool."
                ),
            ));
        }
        TxStatus::Pending => format!(
            r#"{}<p>Waiting in the node's mempool; this page updates when it is finalized.</p>"#,
            facts(&[
                ("Hash", format!("<code>{}</code>", esc(&hash.to_string()))),
                ("Status", outcome(None).to_string()),
            ])
        ),
        TxStatus::Finalized {
            block_height,
            index,
            ..
        } => {
            let tx = call!(app, chain_get_block_transactions(block_height, index, 1))
                .await?
                .and_then(|v| v.into_iter().next())
                .ok_or_else(|| PageError::Node {
                    url: app.source.url().to_string(),
                    message: format!(
                        "transaction {hash} is reported in block {block_height} at index {index}, but the block does not hold it"
                    ),
                })?;
            let mut rows = vec![
                (
                    "Hash",
                    format!("<code>{}</code>", esc(&tx.hash.to_string())),
                ),
                ("Status", outcome(Some(tx.success)).to_string()),
                (
                    "Block",
                    format!("{} (index {})", block_link(tx.block_height), tx.index),
                ),
                ("Signer", account_link_full(&tx.signer)),
                ("Nonce", tx.nonce.to_string()),
                ("Call", format!("<code>{}</code>", esc(&tx.call_name))),
                ("What it does", calls::summary(&tx.call)),
                ("Fee paid", tao_cell(tx.fee)),
                ("Fee limit", tao_cell(tx.fee_limit)),
                ("Size", format!("{} bytes", format::group(tx.size as u64))),
            ];
            if let Some(e) = &tx.error_message {
                rows.push(("Error", format!(r#"<span class="bad">{}</span>"#, esc(e))));
            }
            let args: Vec<(&str, String)> = calls::details(&tx.call);
            format!("{}<h2>Arguments</h2>{}", facts(&rows), facts(&args))
        }
    };
    let page = Page::new(title, Nav::Blocks);
    let page = if pending {
        page.live_section("transaction", 1, body)
    } else {
        page.section("transaction", body)
    };
    Ok(respond(&app, page, &params))
}
