//! Routes and the helpers every page shares.
//!
//! | route | page |
//! | --- | --- |
//! | `/` | overview: heights, finality, issuance, emission rate, seats, recent blocks |
//! | `/blocks?from=H` | 25 blocks from height H down (default: the finalized head) |
//! | `/block/{height or 0x hash}?page=N` | a block's header and its transactions, decoded (100 a page) |
//! | `/tx/{0x hash}` | a transaction: call and arguments, fee, outcome (or pending) |
//! | `/account/{ss58}?before=H-I` | balance, stake, unbonding, history; delegation and jail of a hotkey; a coldkey's announced swap |
//! | `/subnets` | every subnet (sortable) |
//! | `/subnet/{netuid}` | hyperparameters, metagraph (sortable), charts |
//! | `/root` | root membership: members (sortable), weights by subnet, emission shares, candidates |
//! | `/validators` | delegates: take, stake, nominators, seats (sortable) |
//! | `/governance`, `/proposal/{id}` | treasury, proposals; a proposal's tally and votes |
//! | `/charts`, `/charts/{name}.svg`, `/charts/subnet/{netuid}/{name}.svg` | charts |
//! | `/search?q=` | redirects to the block, transaction, account or subnet asked for |
//! | `/api/live?after=H` | long poll: the head and overview figures once a block above H is finalized |
//! | `/static/explorer.{css,js}` | the stylesheet and the script |
//!
//! Every page accepts `?fragment=<section id>` and then answers with that section only (what
//! the live-update script fetches); sortable pages accept `?sort=<column>&dir=asc|desc`.

mod accounts;
mod blocks;
mod calls;
mod charts;
mod governance;
mod live;
mod overview;
mod root;
mod subnets;
mod validators;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use taonet_client::TxStatus;
use taonet_crypto::Ss58;
use taonet_types::{AccountId, Hash};

use crate::App;
use crate::error::PageError;
use crate::html::{Dir, LiveHeader, Page, Sort, Table};
use crate::source::call;

/// Handler state.
pub(crate) type AppState = State<Arc<App>>;
/// Query parameters.
pub(crate) type Params = Query<HashMap<String, String>>;

const CSS: &str = include_str!("../../static/explorer.css");
const JS: &str = include_str!("../../static/explorer.js");

/// Content-Security-Policy of every response: scripts, styles, images and requests only from
/// the explorer itself (SVG charts are images, so they cannot run scripts either).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub(crate) fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(overview::page))
        .route("/blocks", get(blocks::list))
        .route("/block/{id}", get(blocks::block))
        .route("/tx/{hash}", get(blocks::transaction))
        .route("/account/{address}", get(accounts::page))
        .route("/subnets", get(subnets::list))
        .route("/subnet/{netuid}", get(subnets::subnet))
        .route("/root", get(root::page))
        .route("/validators", get(validators::page))
        .route("/governance", get(governance::list))
        .route("/proposal/{id}", get(governance::proposal))
        .route("/charts", get(charts::page))
        .route("/charts/{name}", get(charts::chain_chart))
        .route("/charts/subnet/{netuid}/{name}", get(charts::subnet_chart))
        .route("/search", get(search))
        .route("/api/live", get(live::poll))
        .route("/static/explorer.css", get(css))
        .route("/static/explorer.js", get(js))
        .fallback(not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn not_found(uri: Uri) -> PageError {
    PageError::not_found(
        "Page not found",
        format!(
            "There is no page at {}. Use the search box, or start from the overview.",
            uri.path()
        ),
    )
}

/// The header as the sampler last saw the node.
pub(crate) fn live_header(app: &App) -> LiveHeader {
    let live = app.live.borrow();
    LiveHeader {
        chain: live.chain.clone().unwrap_or_default(),
        height: live.head.map(|h| h.height),
        error: live.error.clone(),
    }
}

/// An HTML response.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The page, or only the section `?fragment=` names.
pub(crate) fn respond(app: &App, page: Page, params: &HashMap<String, String>) -> Response {
    match params.get("fragment") {
        Some(id) => match page.fragment(id) {
            Some(section) => html(StatusCode::OK, section.to_string()),
            None => PageError::not_found(
                "No such section",
                format!("This page has no section {id:?}."),
            )
            .into_response(),
        },
        None => html(StatusCode::OK, page.render(&live_header(app))),
    }
}

/// The sort `?sort=&dir=` asks for (checked against `table`), or `default`.
pub(crate) fn sort_param(
    params: &HashMap<String, String>,
    table: &Table,
    default: Sort,
) -> Result<Sort, PageError> {
    let Some(key) = params.get("sort") else {
        return Ok(default);
    };
    let dir = match params.get("dir").map(String::as_str) {
        None => Dir::Desc,
        Some(d) => Dir::parse(d).ok_or_else(|| {
            PageError::BadRequest(format!("sort direction {d:?} must be asc or desc"))
        })?,
    };
    let sort = Sort {
        key: key.clone(),
        dir,
    };
    table
        .check_sort(&sort)
        .map_err(|e| PageError::BadRequest(e.to_string()))?;
    Ok(sort)
}

/// A non-negative integer query or path parameter.
pub(crate) fn parse_u64(what: &str, s: &str) -> Result<u64, PageError> {
    s.trim().parse::<u64>().map_err(|_| {
        PageError::BadRequest(format!(
            "{what} must be a whole number, got {:?}",
            truncate_input(s)
        ))
    })
}

/// A hash written as `0x` + 64 hex digits.
pub(crate) fn parse_hash(what: &str, s: &str) -> Result<Hash, PageError> {
    let t = s.trim();
    let digits = t.strip_prefix("0x").unwrap_or(t);
    if digits.len() != 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(PageError::BadRequest(format!(
            "{what} {:?} is not a hash: write 0x followed by 64 hex digits",
            truncate_input(s)
        )));
    }
    Hash::from_hex(digits)
        .map_err(|e| PageError::BadRequest(format!("{what} {:?}: {e}", truncate_input(s))))
}

/// An SS58 address (format 42).
pub(crate) fn parse_address(s: &str) -> Result<AccountId, PageError> {
    AccountId::from_ss58(s.trim()).map_err(|e| {
        PageError::BadRequest(format!(
            "{:?} is not a taonet address: {e}. Addresses are SS58 (format 42), e.g. 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            truncate_input(s)
        ))
    })
}

/// At most 80 characters of user input, for messages.
pub(crate) fn truncate_input(s: &str) -> String {
    if s.chars().count() > 80 {
        let mut t: String = s.chars().take(79).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

/// SS58 of an account id.
pub(crate) fn ss58(id: &AccountId) -> String {
    id.to_ss58()
}

/// `/search?q=`: a block number, `sn<netuid>`, an SS58 address, or a block or transaction hash.
async fn search(State(app): AppState, Query(params): Params) -> Result<Response, PageError> {
    let q = params.get("q").map(|s| s.trim()).unwrap_or_default();
    if q.is_empty() {
        return Err(PageError::BadRequest(
            "the search box is empty: type an address, a block number or a hash".into(),
        ));
    }
    let see = |to: String| Ok(Redirect::to(&to).into_response());
    if q.bytes().all(|b| b.is_ascii_digit()) {
        let height = parse_u64("a block number", q)?;
        return see(format!("/block/{height}"));
    }
    let lower = q.to_ascii_lowercase();
    if let Some(n) = lower.strip_prefix("sn").filter(|n| !n.is_empty())
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        let netuid: u16 = n.parse().map_err(|_| {
            PageError::BadRequest(format!("subnet {n} is out of range (0 to 65535)"))
        })?;
        return see(format!("/subnet/{netuid}"));
    }
    if q.starts_with("0x") || q.len() == 64 && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        let hash = parse_hash("search", q)?;
        if call!(app, chain_get_block_by_hash(hash)).await?.is_some() {
            return see(format!("/block/{hash}"));
        }
        return match call!(app, author_get_transaction_status(hash)).await? {
            TxStatus::Finalized { .. } | TxStatus::Pending => see(format!("/tx/{hash}")),
            TxStatus::Unknown => Err(PageError::not_found(
                "Nothing found",
                format!("No block or transaction has the hash {hash}."),
            )),
        };
    }
    let account = parse_address(q)?;
    see(format!("/account/{}", ss58(&account)))
}

/// Path parameter as text (the handlers parse and explain errors themselves).
pub(crate) type PathText = Path<String>;
