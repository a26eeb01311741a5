//! `/account/{ss58}`: an account's balances, stake positions, unbonding, subnets it owns and
//! transaction history; for a hotkey also its delegation (take, nominators), registrations,
//! jail status and slashes. An account's on-chain identity (`identity.set`: name, URL,
//! description) heads its summary; a hotkey without one shows its owner coldkey's.
//!
//! A coldkey that announced a swap (`staking.announce_coldkey_swap`) shows it first, as a
//! notice: the new coldkey, the announcement block and the first block it can be executed in
//! (with how many blocks are left), or, once the old key disputed it, the dispute block and
//! that it can no longer be executed. The announcement is public for exactly this: the owner
//! of a stolen coldkey sees it and disputes within the delay. Only the old coldkey is indexed,
//! so the new coldkey's page does not mention it. The notice section is always on the page
//! (empty without a swap) so the live update shows a swap announced, disputed or executed
//! while the page is open.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures::future::join_all;
use taonet_client::ColdkeySwapInfo;
use taonet_types::Rao;

use super::{AppState, Params, PathText, calls, parse_address, parse_u64, respond, ss58};
use crate::error::PageError;
use crate::format;
use crate::html::{
    Nav, Page, account_link, account_link_full, block_link, esc, facts, outcome, plain_table,
    subnet_link, tao_cell, tx_link,
};
use crate::source::call;

const HISTORY_PAGE: u32 = 25;

fn parse_before(s: &str) -> Result<(u64, u32), PageError> {
    let bad = || {
        PageError::BadRequest(format!(
            "before={:?} must be <block height>-<index>, e.g. 120-0",
            super::truncate_input(s)
        ))
    };
    let (h, i) = s.split_once('-').ok_or_else(bad)?;
    let h = parse_u64("before", h).map_err(|_| bad())?;
    let i = u32::try_from(parse_u64("before", i).map_err(|_| bad())?).map_err(|_| bad())?;
    Ok((h, i))
}

/// The notice of an announced coldkey swap, seen at finalized height `now`.
fn swap_notice(swap: &ColdkeySwapInfo, now: u64) -> String {
    let (class, headline, status) = match swap.disputed_at {
        Some(d) => (
            "notice bad",
            "Coldkey swap disputed",
            format!(
                r#"<span class="badge bad">disputed</span> disputed at block {} — cannot be executed. This coldkey may announce a new swap (with a new delay)."#,
                block_link(d)
            ),
        ),
        None => {
            let left = swap.executable_at.saturating_sub(now);
            let when = if left == 0 {
                "executable now, by either coldkey".to_string()
            } else {
                format!("in {} blocks", format::group(left))
            };
            (
                "notice",
                "Coldkey swap announced",
                format!(
                    r#"<span class="badge">pending</span> executable from block {} ({when}). Until it is executed, the holder of this coldkey can dispute it (staking.dispute_coldkey_swap)."#,
                    block_link(swap.executable_at)
                ),
            )
        }
    };
    format!(
        r#"<div class="{class}" role="status"><h2>{headline}</h2><p>Everything this coldkey holds (free balance, stake positions, hotkeys, subnets) is to move to another coldkey.</p>{}</div>"#,
        facts(&[
            ("New coldkey", account_link_full(&swap.new_coldkey)),
            ("Announced at", block_link(swap.announced_at)),
            ("Status", status),
        ])
    )
}

pub(crate) async fn page(
    State(app): AppState,
    Path(address): PathText,
    Query(params): Params,
) -> Result<Response, PageError> {
    let id = parse_address(&address)?;
    let address = ss58(&id);
    let before = params.get("before").map(|b| parse_before(b)).transpose()?;
    let (
        account,
        stakes,
        unbonding,
        delegate,
        jail,
        slashes,
        history,
        subnets,
        head,
        identity,
        swap,
    ) = futures::join!(
        call!(app, state_get_account(address.clone())),
        call!(app, state_get_stake(address.clone())),
        call!(app, state_get_unbonding(address.clone())),
        call!(app, state_get_delegate(address.clone())),
        call!(app, state_get_jail(address.clone())),
        call!(app, state_get_slashes(address.clone())),
        call!(
            app,
            state_get_account_history(address.clone(), HISTORY_PAGE, before)
        ),
        call!(app, state_get_subnets()),
        call!(app, chain_get_finalized_head()),
        call!(app, state_get_identity(address.clone())),
        call!(app, state_get_coldkey_swap(address.clone())),
    );
    let (account, stakes, unbonding, delegate, jail, slashes, history, subnets, head, identity) = (
        account?, stakes?, unbonding?, delegate?, jail?, slashes?, history?, subnets?, head?,
        identity?,
    );
    let swap = swap?;
    let owned: Vec<_> = subnets
        .iter()
        .filter(|s| s.owner == address || s.owner_hotkey == address)
        .collect();
    let treasury = taonet_types::gov::treasury_account() == id;
    if account.free == Rao::ZERO
        && account.nonce == 0
        && account.staked == Rao::ZERO
        && account.unbonding == Rao::ZERO
        && stakes.is_empty()
        && history.is_empty()
        && before.is_none()
        && delegate.is_none()
        && owned.is_empty()
        && !treasury
        && swap.is_none()
    {
        return Err(PageError::not_found(
            "Unknown account",
            format!(
                "{address} is a valid address, but it has no balance, stake, subnets or transactions on this chain."
            ),
        ));
    }

    // Transaction details of the history page (one call per transaction, concurrently).
    let details = join_all(
        history
            .iter()
            .map(|(h, i, _)| call!(app, chain_get_block_transactions(*h, *i, 1))),
    )
    .await;
    let mut history_rows = Vec::new();
    for ((height, index, hash), d) in history.iter().zip(details) {
        let tx = d?.and_then(|v| v.into_iter().next());
        let (what, signer, result) = match &tx {
            Some(t) => (
                calls::summary(&t.call),
                if t.signer == address {
                    "out".to_string()
                } else {
                    format!("from {}", account_link(&t.signer))
                },
                outcome(Some(t.success)).to_string(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        history_rows.push(vec![
            format!("{} · {index}", block_link(*height)),
            tx_link(&hash.to_string()),
            signer,
            what,
            result,
        ]);
    }
    let mut history_html = plain_table(
        &[
            "Block · index",
            "Transaction",
            "Direction",
            "What it does",
            "Outcome",
        ],
        &history_rows,
        "No transactions.",
    );
    if history.len() == HISTORY_PAGE as usize
        && let Some((h, i, _)) = history.last()
    {
        history_html.push_str(&format!(
            r#"<p class="pager"><a href="/account/{}?before={h}-{i}">Older →</a></p>"#,
            crate::html::path_segment(&address)
        ));
    }
    if before.is_some() {
        history_html.push_str(&format!(
            r#"<p class="pager"><a href="/account/{}">Latest</a></p>"#,
            crate::html::path_segment(&address)
        ));
    }

    let mut summary = vec![
        ("Address", format!("<code>{}</code>", esc(&address))),
        ("Public key", format!("<code>{}</code>", esc(&id.to_hex()))),
        ("Free balance", tao_cell(account.free)),
        ("Staked", tao_cell(account.staked)),
        ("Unbonding", tao_cell(account.unbonding)),
        (
            "Total",
            tao_cell(Rao(account
                .free
                .0
                .saturating_add(account.staked.0)
                .saturating_add(account.unbonding.0))),
        ),
        ("Transactions sent", format::group(account.nonce)),
    ];
    if let Some(id) = &identity {
        summary.insert(
            0,
            (
                "Identity",
                format!(
                    r#"<strong class="identity">{}</strong> (set at block {})"#,
                    esc(&id.name),
                    block_link(id.block)
                ),
            ),
        );
        if !id.url.is_empty() {
            summary.insert(1, ("URL", format!("<code>{}</code>", esc(&id.url))));
        }
        if !id.description.is_empty() {
            let at = if id.url.is_empty() { 1 } else { 2 };
            summary.insert(
                at,
                (
                    "Description",
                    format!(r#"<span class="text">{}</span>"#, esc(&id.description)),
                ),
            );
        }
    } else if let Some(owner_id) = delegate.as_ref().and_then(|d| d.identity.as_ref()) {
        summary.insert(
            0,
            (
                "Owner's identity",
                format!(
                    r#"<strong class="identity">{}</strong>"#,
                    esc(&owner_id.name)
                ),
            ),
        );
    }
    if treasury {
        summary.push((
            "Role",
            r#"<span class="badge">treasury</span> the chain's treasury account (<a href="/governance">governance</a>)"#.into(),
        ));
    }

    let stake_rows: Vec<Vec<String>> = stakes
        .iter()
        .map(|s| vec![account_link_full(&s.hotkey), tao_cell(s.amount)])
        .collect();
    let unbonding_rows: Vec<Vec<String>> = unbonding
        .iter()
        .map(|u| {
            let left = u.release_block.saturating_sub(head.height);
            vec![
                account_link_full(&u.hotkey),
                tao_cell(u.amount),
                block_link(u.started_at),
                format!(
                    "{} ({})",
                    block_link(u.release_block),
                    if left == 0 {
                        "due now".to_string()
                    } else {
                        format!("in {} blocks", format::group(left))
                    }
                ),
            ]
        })
        .collect();

    let mut page = Page::new(
        format!("Account {}", format::short_address(&address)),
        Nav::None,
    )
    .live_section(
        "coldkey-swap",
        2,
        swap.as_ref()
            .map(|s| swap_notice(s, head.height))
            .unwrap_or_default(),
    )
    .live_section("summary", 2, facts(&summary))
    .live_section(
        "stake",
        2,
        format!(
            "<h2>Stake positions</h2>{}",
            plain_table(
                &["Hotkey", "Amount"],
                &stake_rows,
                "This coldkey stakes nothing."
            )
        ),
    )
    .live_section(
        "unbonding",
        2,
        format!(
            "<h2>Unbonding</h2>{}",
            plain_table(
                &["From hotkey", "Amount", "Started", "Paid out"],
                &unbonding_rows,
                "Nothing is unbonding."
            )
        ),
    );

    if let Some(d) = &delegate {
        let own = d
            .nominators
            .iter()
            .find(|(c, _)| *c == d.owner)
            .map(|(_, a)| *a)
            .unwrap_or(Rao::ZERO);
        let mut rows = vec![
            ("Owner (coldkey)", account_link_full(&d.owner)),
            ("Take", esc(&format::percent_u16(d.take))),
            ("Total stake", tao_cell(d.total_stake)),
            ("Owner's own stake", tao_cell(own)),
            ("Nominators", d.nominators.len().to_string()),
            (
                "Consensus key",
                d.consensus_key
                    .as_deref()
                    .map(|k| format!("<code>{}</code>", esc(k)))
                    .unwrap_or_else(|| "not registered".into()),
            ),
            (
                "Subnets",
                if d.registrations.is_empty() {
                    "not registered on any subnet".into()
                } else {
                    d.registrations
                        .iter()
                        .map(|(n, u)| format!(r#"<a href="/subnet/{n}">SN{n}</a> uid {u}"#))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ),
            (
                "Jail",
                if jail.jailed {
                    format!(
                        r#"<span class="badge bad">jailed</span> since block {}, until epoch {} ({}); current epoch {}"#,
                        jail.jailed_at.map(block_link).unwrap_or_default(),
                        jail.until_epoch.unwrap_or_default(),
                        esc(jail.reason.as_deref().unwrap_or("")),
                        jail.current_epoch
                    )
                } else {
                    r#"<span class="badge ok">not jailed</span>"#.into()
                },
            ),
        ];
        if !slashes.is_empty() {
            rows.push(("Slashes", slashes.len().to_string()));
        }
        let nominator_rows: Vec<Vec<String>> = d
            .nominators
            .iter()
            .map(|(c, a)| vec![account_link_full(c), tao_cell(*a)])
            .collect();
        let slash_rows: Vec<Vec<String>> = slashes
            .iter()
            .map(|s| {
                vec![
                    block_link(s.offence_block),
                    block_link(s.slashed_at),
                    esc(&format::percent_ppb(u64::from(s.fraction_ppb))),
                    tao_cell(s.stake_burned),
                    tao_cell(s.unbonding_burned),
                ]
            })
            .collect();
        page = page.live_section(
            "delegate",
            3,
            format!(
                "<h2>Hotkey and delegation</h2>{}<h3>Nominators</h3>{}<h3>Slashes</h3>{}",
                facts(&rows),
                plain_table(&["Coldkey", "Stake"], &nominator_rows, "No nominators."),
                plain_table(
                    &[
                        "Offence block",
                        "Slashed at",
                        "Fraction",
                        "Stake burned",
                        "Unbonding burned"
                    ],
                    &slash_rows,
                    "Never slashed (within the unbonding window)."
                )
            ),
        );
    }
    if !owned.is_empty() {
        let rows: Vec<Vec<String>> = owned
            .iter()
            .map(|s| {
                vec![
                    subnet_link(s.netuid, &s.name),
                    if s.owner == address {
                        "coldkey".into()
                    } else {
                        "hotkey".into()
                    },
                    format!("{}/{}", s.n, s.max_n),
                ]
            })
            .collect();
        page = page.section(
            "subnets",
            format!(
                "<h2>Subnets owned</h2>{}",
                plain_table(&["Subnet", "As", "Neurons"], &rows, "")
            ),
        );
    }
    page = page.section("history", format!("<h2>Transactions</h2>{history_html}"));
    Ok(respond(&app, page, &params))
}
