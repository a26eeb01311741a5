//! Headless Chromium against the real running network: every page type renders its data after
//! the scripts ran (`--dump-dom`), screenshots are real pages (`--screenshot`, decoded), a
//! metagraph column sorts on a mouse click without a reload, the height updates live without
//! a reload, and hostile chain strings never execute.

use std::time::Duration;

use serde_json::json;
use taonet_crypto::Ss58;

use crate::chromium::{Cdp, dump_dom, screenshot};
use crate::net::{keys, net};

fn ss58(pair: &taonet_crypto::Keypair) -> String {
    pair.account_id().to_ss58()
}

/// The (path, texts the rendered DOM must contain) of every page type.
fn pages() -> Vec<(String, Vec<String>)> {
    let n = net();
    let (alice, alice_hot) = keys("alice");
    let (bob, _) = keys("bob");
    vec![
        (
            "/".into(),
            vec![
                "<h1>Overview</h1>".into(),
                "Seats of consensus epoch".into(),
                "Recent blocks".into(),
            ],
        ),
        (
            "/blocks".into(),
            vec!["<h1>Blocks</h1>".into(), "Proposer".into()],
        ),
        (
            "/block/1".into(),
            vec!["<h1>Block 1</h1>".into(), "State root".into()],
        ),
        (
            format!("/tx/{}", n.transfer),
            vec!["balances.transfer".into(), ss58(&bob)],
        ),
        (
            format!("/account/{}", ss58(&bob)),
            vec!["Stake positions".into(), ss58(&alice_hot)],
        ),
        (
            format!("/account/{}", ss58(&alice_hot)),
            vec!["Hotkey and delegation".into(), ss58(&bob)],
        ),
        (
            "/subnets".into(),
            vec!["text-prediction".into(), "Registration burn".into()],
        ),
        (
            "/subnet/1".into(),
            vec![
                "Metagraph".into(),
                "Hyperparameters".into(),
                "text-prediction".into(),
            ],
        ),
        (
            format!("/subnet/{}", n.new_netuid),
            vec!["&lt;b&gt;evil&lt;/b&gt;".into()],
        ),
        (
            "/root".into(),
            vec![
                "<h1>Root subnet</h1>".into(),
                "Weights by subnet".into(),
                ss58(&alice_hot),
            ],
        ),
        (
            "/validators".into(),
            vec!["Delegates".into(), ss58(&alice_hot)],
        ),
        (
            "/governance".into(),
            vec!["Proposals".into(), "text only".into()],
        ),
        (
            "/proposal/0".into(),
            vec!["Tally".into(), ss58(&alice), "aye".into()],
        ),
        (
            "/charts".into(),
            vec!["<h1>Charts</h1>".into(), "incentive.svg".into()],
        ),
        (
            "/account/nope".into(),
            vec!["Bad request".into(), "is not a taonet address".into()],
        ),
    ]
}

fn check_page(path: &str, texts: &[String], dom: &str) {
    assert!(
        dom.contains("taonet explorer"),
        "{path}: no page in the DOM:\n{dom}"
    );
    // The script ran (it marks the document, which turns the live indicator on).
    assert!(
        dom.contains(r#"<html lang="en" class="js">"#),
        "{path}: the script did not run"
    );
    for t in texts {
        assert!(
            dom.contains(t.as_str()),
            "{path}: the rendered DOM lacks {t:?}:\n{dom}"
        );
    }
    // Hostile strings are text, never elements.
    assert!(
        !dom.contains("<script>window.__xss"),
        "{path}: injected script element"
    );
    assert!(
        !dom.contains("<img src=\"x\""),
        "{path}: injected image element"
    );
}

#[test]
fn every_page_type_renders_in_chromium() {
    let n = net();
    // One browser, page after page: the DOM after each page's load event and scripts.
    let mut b = Cdp::start();
    for (path, texts) in pages() {
        b.open(&n.url(&path));
        let dom = b.eval("document.documentElement.outerHTML");
        check_page(&path, &texts, dom.as_str().expect("the DOM"));
    }
}

#[test]
fn dump_dom_shows_rendered_pages() {
    let n = net();
    // Chromium's own `--dump-dom`, for the overview and a server-sorted metagraph.
    let dom = dump_dom(&n.url("/"));
    check_page("/", &pages()[0].1, &dom);
    let dom = dump_dom(&n.url("/subnet/1?sort=incentive&dir=desc"));
    check_page("/subnet/1", &["Metagraph".to_string()], &dom);
    assert_eq!(crate::http::uid_order(&dom)[0], 2, "{dom}");
    assert!(dom.contains(r#"aria-sort="descending""#));
}

#[test]
fn screenshots_show_real_pages() {
    let n = net();
    for path in ["/", "/subnet/1"] {
        let shot = screenshot(&n.url(path));
        assert_eq!((shot.width, shot.height), (1280, 900), "{path}");
        // The dark header band at the top, the light page below it.
        let header = shot.at(640, 10);
        assert!(
            header.iter().all(|c| *c < 60),
            "{path}: header pixel {header:?}"
        );
        let page = shot.at(4, 600);
        assert!(page.iter().all(|c| *c > 230), "{path}: page pixel {page:?}");
        // Not blank: many colours (text, links, badges, charts) and plenty of ink.
        let mut colours: Vec<[u8; 3]> = shot.rgb.clone();
        colours.sort_unstable();
        colours.dedup();
        assert!(
            colours.len() > 200,
            "{path}: only {} colours",
            colours.len()
        );
        let background = [248u8, 250, 252];
        let ink = shot
            .rgb
            .iter()
            .skip((shot.width * 90) as usize) // below the header
            .filter(|p| p.iter().zip(background).any(|(a, b)| a.abs_diff(b) > 24))
            .count();
        let share = ink as f64 / (shot.rgb.len() as f64);
        assert!(
            share > 0.015,
            "{path}: only {:.1}% of the page is drawn",
            share * 100.0
        );
    }
}

#[test]
fn clicking_a_metagraph_header_sorts_in_place() {
    let n = net();
    let mut b = Cdp::start();
    b.open(&n.url("/subnet/1"));
    b.eval("window.__marker = 'same page'");
    let order = |b: &mut Cdp| {
        b.eval("Array.from(document.querySelectorAll('table[data-table=metagraph] tbody tr')).map(r => Number(r.cells[0].dataset.v))")
    };
    assert_eq!(order(&mut b), json!([0, 1, 2]));
    // Incentive: numeric, so the first click sorts descending.
    b.click("table[data-table=metagraph] th[data-key=incentive] a");
    b.wait_for(
        "document.querySelector('th[data-key=incentive]').getAttribute('aria-sort') === 'descending'",
        Duration::from_secs(30),
    );
    let desc = order(&mut b);
    assert_eq!(desc[0], json!(2), "{desc}");
    let incentives = b.eval("Array.from(document.querySelectorAll('table[data-table=metagraph] tbody tr')).map(r => Number(r.cells[8].dataset.v))");
    let values: Vec<i64> = incentives
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    // A second click reverses it.
    b.click("table[data-table=metagraph] th[data-key=incentive] a");
    b.wait_for(
        "document.querySelector('th[data-key=incentive]').getAttribute('aria-sort') === 'ascending'",
        Duration::from_secs(30),
    );
    let asc = order(&mut b);
    assert_eq!(asc.as_array().unwrap().last(), Some(&json!(2)), "{asc}");
    // Text columns sort too.
    b.click("table[data-table=metagraph] th[data-key=hotkey] a");
    b.wait_for(
        "location.search.includes('sort=hotkey')",
        Duration::from_secs(30),
    );
    // No navigation happened; the address bar records the sort.
    assert_eq!(b.eval("window.__marker"), json!("same page"));
    assert_eq!(
        b.eval("new URL(location.href).searchParams.get('dir')"),
        json!("asc")
    );
}

#[test]
fn the_height_updates_live_without_reloading() {
    let n = net();
    let mut b = Cdp::start();
    b.open(&n.url("/"));
    b.eval("window.__marker = 'same page'");
    let height = |b: &mut Cdp| -> u64 {
        b.eval("document.getElementById('live-height').textContent.replace(/,/g, '')")
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("a height in the header")
    };
    let start = height(&mut b);
    let first_row =
        "Number(document.querySelector('#recent tbody tr td').textContent.replace(/,/g, ''))";
    let start_row = b.eval(first_row).as_f64().unwrap();
    b.wait_for(
        &format!(
            "Number(document.getElementById('live-height').textContent.replace(/,/g, '')) >= {}",
            start + 2
        ),
        Duration::from_secs(60),
    );
    // The stats and the recent blocks (a refreshed section) moved on as well.
    b.wait_for(
        &format!("Number(document.querySelector('[data-live=finalized_height]').textContent.replace(/,/g, '')) > {start}"),
        Duration::from_secs(30),
    );
    b.wait_for(
        &format!("{first_row} > {start_row}"),
        Duration::from_secs(30),
    );
    assert_eq!(
        b.eval("window.__marker"),
        json!("same page"),
        "the page was reloaded"
    );
    assert_eq!(
        b.eval("document.getElementById('node-status').className"),
        json!("status")
    );
}

#[test]
fn hostile_chain_strings_never_run() {
    let n = net();
    let mut b = Cdp::start();
    for path in [
        format!("/subnet/{}", n.new_netuid),
        "/subnets".into(),
        "/proposal/0".into(),
        "/governance".into(),
        "/root".into(),
    ] {
        b.open(&n.url(&path));
        // Give any injected handler a chance to fire.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(b.eval("typeof window.__xss"), json!("undefined"), "{path}");
        assert_eq!(
            b.eval("document.querySelectorAll('img[src=x], b, i').length"),
            json!(0),
            "{path}"
        );
        assert_eq!(
            b.eval("Array.from(document.querySelectorAll('a')).filter(a => a.href.startsWith('javascript:')).length"),
            json!(0),
            "{path}"
        );
    }
    // The text itself is shown.
    b.open(&n.url(&format!("/subnet/{}", n.new_netuid)));
    let h1 = b.eval("document.querySelector('h1').textContent");
    assert!(h1.as_str().unwrap().contains("<b>evil</b><script>"), "{h1}");
}
