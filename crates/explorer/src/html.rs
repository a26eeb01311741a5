//! HTML building blocks: escaping, links, sortable tables and the page layout.
//!
//! Markup is built as `String`s. The one rule: **every value that did not come from a string
//! literal in this crate goes through [`esc`]** (text and attribute values alike; attributes
//! are always double-quoted), and every path segment built from a value goes through
//! [`path_segment`]. The helpers here ([`account_link`], [`Table`], …) do that themselves.

use std::fmt::Write as _;

use crate::format;

/// Escapes `s` for HTML text and double- or single-quoted attribute values (and for XML,
/// so SVG uses it too): `& < > " '` become character references.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids (C0 controls other than tab/newline/CR) would make
            // an SVG ill-formed; show them as the replacement character.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `s` for use as one URL path segment or query value: everything but
/// ASCII letters, digits and `-._~` is encoded.
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A link to an account page showing the shortened address (full address in the title).
pub fn account_link(ss58: &str) -> String {
    format!(
        r#"<a class="mono" href="/account/{}" title="{}">{}</a>"#,
        path_segment(ss58),
        esc(ss58),
        esc(&format::short_address(ss58))
    )
}

/// A link to an account page showing the whole address.
pub fn account_link_full(ss58: &str) -> String {
    format!(
        r#"<a class="mono" href="/account/{}">{}</a>"#,
        path_segment(ss58),
        esc(ss58)
    )
}

/// A link to a block by height.
pub fn block_link(height: u64) -> String {
    format!(
        r#"<a href="/block/{height}">{}</a>"#,
        esc(&format::group(height))
    )
}

/// A link to a block by hash (shortened).
pub fn block_hash_link(hash: &str) -> String {
    format!(
        r#"<a class="mono" href="/block/{}" title="{}">{}</a>"#,
        path_segment(hash),
        esc(hash),
        esc(&format::short_hex(hash))
    )
}

/// A link to a transaction (shortened hash).
pub fn tx_link(hash: &str) -> String {
    format!(
        r#"<a class="mono" href="/tx/{}" title="{}">{}</a>"#,
        path_segment(hash),
        esc(hash),
        esc(&format::short_hex(hash))
    )
}

/// A link to a subnet page.
pub fn subnet_link(netuid: u16, name: &str) -> String {
    if name.is_empty() {
        format!(r#"<a href="/subnet/{netuid}">SN{netuid}</a>"#)
    } else {
        format!(
            r#"<a href="/subnet/{netuid}">SN{netuid} · {}</a>"#,
            esc(name)
        )
    }
}

/// An amount in TAO: exact in the title, 4 decimals shown.
pub fn tao_cell(amount: taonet_types::Rao) -> String {
    format!(
        r#"<span title="{} ({} rao)">{}</span>"#,
        esc(&format::tao(amount)),
        amount.0,
        esc(&format::tao_short(amount))
    )
}

/// Commitment data ([`format::commitment`]: text, or hex when not printable), cut to 40
/// characters; the whole of it in the title.
pub fn commitment_cell(data: &[u8]) -> String {
    let full = format::commitment(data);
    format!(
        r#"<code class="commitment" title="{} ({} bytes)">{}</code>"#,
        esc(&full),
        data.len(),
        esc(&format::truncate(&full, 40))
    )
}

/// A yes/no badge.
pub fn yes_no(v: bool) -> &'static str {
    if v {
        r#"<span class="badge ok">yes</span>"#
    } else {
        r#"<span class="badge">no</span>"#
    }
}

/// A success/failure badge for a transaction.
pub fn outcome(success: Option<bool>) -> &'static str {
    match success {
        Some(true) => r#"<span class="badge ok">success</span>"#,
        Some(false) => r#"<span class="badge bad">failed</span>"#,
        None => r#"<span class="badge">pending</span>"#,
    }
}

/// A definition list of (label, markup) pairs; labels are escaped, values are markup.
pub fn facts(rows: &[(&str, String)]) -> String {
    let mut out = String::from(r#"<dl class="facts">"#);
    for (label, value) in rows {
        let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", esc(label));
    }
    out.push_str("</dl>");
    out
}

/// Sort direction of a table column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

impl Dir {
    /// `asc` / `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Asc => "asc",
            Dir::Desc => "desc",
        }
    }

    /// Parses `asc` / `desc`.
    pub fn parse(s: &str) -> Option<Dir> {
        match s {
            "asc" => Some(Dir::Asc),
            "desc" => Some(Dir::Desc),
            _ => None,
        }
    }

    fn flip(self) -> Dir {
        match self {
            Dir::Asc => Dir::Desc,
            Dir::Desc => Dir::Asc,
        }
    }
}

/// What a cell sorts by.
#[derive(Clone, Debug, PartialEq)]
pub enum SortKey {
    /// A number (sorted numerically; exact for integers up to 2⁵³ in the browser, exact on
    /// the server).
    Num(i128),
    /// Text (sorted case-insensitively).
    Text(String),
}

/// One cell: its markup and what it sorts by.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Markup (already escaped).
    pub html: String,
    /// Sort value.
    pub key: SortKey,
}

impl Cell {
    /// A numeric cell.
    pub fn num(value: impl Into<i128>, html: String) -> Cell {
        Cell {
            html,
            key: SortKey::Num(value.into()),
        }
    }

    /// A text cell sorted by `text` (escaped here) and showing it.
    pub fn text(text: &str) -> Cell {
        Cell {
            html: esc(text),
            key: SortKey::Text(text.to_lowercase()),
        }
    }

    /// A cell showing `html` and sorted by `text`.
    pub fn text_with(text: &str, html: String) -> Cell {
        Cell {
            html,
            key: SortKey::Text(text.to_lowercase()),
        }
    }
}

/// A column of a [`Table`].
#[derive(Clone, Debug)]
pub struct Column {
    /// Key used in `?sort=` (ASCII, no spaces).
    pub key: &'static str,
    /// Header text.
    pub label: &'static str,
    /// Whether it sorts numerically (and starts descending).
    pub numeric: bool,
    /// Explanation shown on hover.
    pub help: &'static str,
}

impl Column {
    /// A numeric column.
    pub const fn num(key: &'static str, label: &'static str, help: &'static str) -> Column {
        Column {
            key,
            label,
            numeric: true,
            help,
        }
    }

    /// A text column.
    pub const fn text(key: &'static str, label: &'static str, help: &'static str) -> Column {
        Column {
            key,
            label,
            numeric: false,
            help,
        }
    }
}

/// The sort a page asked for: a column key and a direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column's key.
    pub key: String,
    /// Ascending or descending.
    pub dir: Dir,
}

/// A table whose columns sort on the server (`?sort=key&dir=asc|desc`, so it works without
/// scripts) and in the browser (the script intercepts header clicks and reorders the rows in
/// place, keeping the URL in step).
#[derive(Clone, Debug)]
pub struct Table {
    /// Its name (the `data-table` attribute).
    pub name: &'static str,
    /// The columns, left to right; their keys are what `?sort=` may name.
    pub columns: Vec<Column>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<Cell>>,
    /// Text shown when there are no rows.
    pub empty: &'static str,
}

/// Why a requested sort was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot sort by {asked:?}: the columns are {valid}")]
pub struct SortError {
    /// The key asked for.
    pub asked: String,
    /// The valid keys, comma-separated.
    pub valid: String,
}

impl Table {
    /// Checks `sort` against the columns.
    pub fn check_sort(&self, sort: &Sort) -> Result<(), SortError> {
        if self.columns.iter().any(|c| c.key == sort.key) {
            Ok(())
        } else {
            Err(SortError {
                asked: sort.key.clone(),
                valid: self
                    .columns
                    .iter()
                    .map(|c| c.key)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }

    /// Sorts the rows by `sort` (stable; unknown keys leave the order unchanged).
    pub fn sort(&mut self, sort: &Sort) {
        let Some(idx) = self.columns.iter().position(|c| c.key == sort.key) else {
            return;
        };
        self.rows.sort_by(|a, b| {
            let ord = match (a.get(idx).map(|c| &c.key), b.get(idx).map(|c| &c.key)) {
                (Some(SortKey::Num(x)), Some(SortKey::Num(y))) => x.cmp(y),
                (Some(SortKey::Text(x)), Some(SortKey::Text(y))) => x.cmp(y),
                (Some(SortKey::Num(_)), _) => std::cmp::Ordering::Less,
                (_, Some(SortKey::Num(_))) => std::cmp::Ordering::Greater,
                _ => std::cmp::Ordering::Equal,
            };
            match sort.dir {
                Dir::Asc => ord,
                Dir::Desc => ord.reverse(),
            }
        });
    }

    /// Renders the table, sorted by `sort` if given (the caller checked it).
    pub fn render(mut self, sort: Option<&Sort>) -> String {
        if let Some(sort) = sort {
            self.sort(sort);
        }
        let mut out = String::new();
        let (sort_key, sort_dir) = match sort {
            Some(s) => (s.key.as_str(), s.dir.as_str()),
            None => ("", ""),
        };
        let _ = write!(
            out,
            r#"<div class="scroll"><table class="sortable" data-table="{}" data-sort-key="{}" data-sort-dir="{}"><thead><tr>"#,
            esc(self.name),
            esc(sort_key),
            esc(sort_dir)
        );
        for c in &self.columns {
            let current = sort.filter(|s| s.key == c.key).map(|s| s.dir);
            let next = match current {
                Some(d) => d.flip(),
                None if c.numeric => Dir::Desc,
                None => Dir::Asc,
            };
            let aria = match current {
                Some(Dir::Asc) => r#" aria-sort="ascending""#,
                Some(Dir::Desc) => r#" aria-sort="descending""#,
                None => "",
            };
            let _ = write!(
                out,
                r#"<th data-key="{}" data-type="{}"{aria} title="{}"><a href="?sort={}&amp;dir={}">{}</a></th>"#,
                esc(c.key),
                if c.numeric { "num" } else { "text" },
                esc(c.help),
                path_segment(c.key),
                next.as_str(),
                esc(c.label)
            );
        }
        out.push_str("</tr></thead><tbody>");
        if self.rows.is_empty() {
            let _ = write!(
                out,
                r#"<tr class="empty"><td colspan="{}">{}</td></tr>"#,
                self.columns.len().max(1),
                esc(self.empty)
            );
        }
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                match &cell.key {
                    SortKey::Num(v) => {
                        let _ = write!(out, r#"<td class="num" data-v="{v}">{}</td>"#, cell.html);
                    }
                    SortKey::Text(t) => {
                        let _ = write!(out, r#"<td data-v="{}">{}</td>"#, esc(t), cell.html);
                    }
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>");
        out
    }
}

/// A plain (unsorted) table: header labels and rows of markup cells.
pub fn plain_table(headers: &[&str], rows: &[Vec<String>], empty: &str) -> String {
    let mut out = String::from(r#"<div class="scroll"><table><thead><tr>"#);
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(
            out,
            r#"<tr class="empty"><td colspan="{}">{}</td></tr>"#,
            headers.len().max(1),
            esc(empty)
        );
    }
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The navigation entry a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// `/`.
    Overview,
    /// Blocks and transactions.
    Blocks,
    /// `/subnets` and each subnet's page.
    Subnets,
    /// `/root`: root membership, candidates and weights.
    Root,
    /// Validators and delegation.
    Validators,
    /// `/governance` and each proposal's page.
    Governance,
    /// `/charts`.
    Charts,
    /// None (accounts, errors).
    None,
}

/// One part of a page; sections with `refresh` are re-fetched by the live-update script
/// (`?fragment=<id>` on the page's own URL) at most every `refresh` seconds, when a new block
/// is finalized.
#[derive(Clone, Debug)]
pub struct Section {
    /// Element id.
    pub id: &'static str,
    /// Minimum seconds between live refreshes (`None`: static).
    pub refresh: Option<u32>,
    /// The section's inner HTML, written into the page as is (chain data in it must already
    /// be escaped with [`esc`]).
    pub html: String,
}

/// A page: a title, its navigation entry and its sections.
#[derive(Clone, Debug)]
pub struct Page {
    /// Title (escaped when rendered).
    pub title: String,
    /// Navigation entry.
    pub nav: Nav,
    /// Sections, in order.
    pub sections: Vec<Section>,
}

impl Page {
    /// An empty page.
    pub fn new(title: impl Into<String>, nav: Nav) -> Page {
        Page {
            title: title.into(),
            nav,
            sections: Vec::new(),
        }
    }

    /// Adds a static section.
    pub fn section(mut self, id: &'static str, html: String) -> Page {
        self.sections.push(Section {
            id,
            refresh: None,
            html,
        });
        self
    }

    /// Adds a section the live-update script refreshes at most every `secs` seconds.
    pub fn live_section(mut self, id: &'static str, secs: u32, html: String) -> Page {
        self.sections.push(Section {
            id,
            refresh: Some(secs),
            html,
        });
        self
    }

    /// The markup of section `id`, if the page has it.
    pub fn fragment(&self, id: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.html.as_str())
    }

    /// The whole document. `header` is what the live header shows before the first update.
    pub fn render(&self, header: &LiveHeader) -> String {
        let mut body = String::new();
        for s in &self.sections {
            match s.refresh {
                Some(secs) => {
                    let _ = write!(
                        body,
                        r#"<section id="{}" data-refresh="{secs}">{}</section>"#,
                        esc(s.id),
                        s.html
                    );
                }
                None => {
                    let _ = write!(body, r#"<section id="{}">{}</section>"#, esc(s.id), s.html);
                }
            }
        }
        layout(&self.title, self.nav, header, &body)
    }
}

/// What the header shows: the chain and its finalized height (kept current by the script).
#[derive(Clone, Debug, Default)]
pub struct LiveHeader {
    /// Chain id.
    pub chain: String,
    /// Finalized height, if known.
    pub height: Option<u64>,
    /// Why the node cannot be reached, if it cannot.
    pub error: Option<String>,
}

fn layout(title: &str, nav: Nav, header: &LiveHeader, body: &str) -> String {
    let link = |n: Nav, href: &str, label: &str| {
        format!(
            r#"<a href="{href}"{}>{label}</a>"#,
            if n == nav {
                r#" class="active" aria-current="page""#
            } else {
                ""
            }
        )
    };
    let height = header
        .height
        .map(format::group)
        .unwrap_or_else(|| "–".into());
    let (status_class, status_text) = match &header.error {
        Some(e) => ("status down", e.as_str()),
        None => ("status", ""),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · taonet explorer</title><link rel="stylesheet" href="/static/explorer.css"><link rel="icon" href="data:,">
<script src="/static/explorer.js" defer></script></head>
<body data-height="{raw_height}">
<header><div class="bar"><a class="brand" href="/">τ taonet <span>explorer</span></a>
<nav>{n1}{n2}{n3}{n7}{n4}{n5}{n6}</nav>
<form class="search" action="/search" method="get" role="search"><input type="search" name="q" placeholder="Address, block number, block or transaction hash" aria-label="Search" required><button type="submit">Search</button></form>
<div class="head"><span class="chain">{chain}</span> finalized <a id="live-height" href="/blocks" data-live="finalized_height">{height}</a><span class="live-dot" title="Updates as blocks are finalized">● live</span></div></div>
<div id="node-status" class="{status_class}" role="status">{status_text}</div></header>
<main><h1>{title}</h1>
{body}
</main>
<footer>Data from the node's JSON-RPC API; read-only. Pages update live as blocks are finalized.</footer>
</body></html>"#,
        title = esc(title),
        raw_height = header.height.unwrap_or(0),
        n1 = link(Nav::Overview, "/", "Overview"),
        n2 = link(Nav::Blocks, "/blocks", "Blocks"),
        n3 = link(Nav::Subnets, "/subnets", "Subnets"),
        n4 = link(Nav::Validators, "/validators", "Validators"),
        n5 = link(Nav::Governance, "/governance", "Governance"),
        n6 = link(Nav::Charts, "/charts", "Charts"),
        n7 = link(Nav::Root, "/root", "Root"),
        chain = esc(&header.chain),
        height = esc(&height),
        status_class = status_class,
        status_text = esc(status_text),
    )
}
