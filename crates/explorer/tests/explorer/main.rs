//! Tests of the explorer: rendering without a node (escaping, formats, tables, SVG, history),
//! its HTTP handlers against a real running single-validator chain, and headless Chromium
//! against the same chain (rendered pages, screenshots, sorting, live updates, escaping).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod chromium;
mod http;
mod net;
mod render;
mod web;
mod xml;
