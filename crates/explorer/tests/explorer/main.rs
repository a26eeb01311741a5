//! Tests of the explorer: rendering without a node (escaping, formats, tables, SVG, history),
//! its HTTP handlers against a real running single-validator chain (including the root page
//! and coldkey swap notices), and headless Chromium against the same chain (rendered pages,
//! screenshots, sorting, live updates, escaping).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod chromium;
mod http;
mod net;
mod render;
mod root_swaps;
mod web;
mod xml;
