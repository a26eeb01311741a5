//! The explorer's HTTP handlers against the real running network: every route's status and
//! content, sorting, fragments, the live long poll, bad input (4xx pages), an unreachable node
//! (502 naming the URL), and the node serving the explorer on its RPC port.

use std::time::{Duration, Instant};

use taonet_client::{TxStatus, prelude::*};
use taonet_crypto::Ss58;

use crate::net::{ALICE_IDENTITY, DAVE_COMMITMENT, HOSTILE_DESCRIPTION, HOSTILE_NAME, keys, net};
use crate::web::{Response, get};
use crate::xml::well_formed;

/// `GET url`, asserting a 200 HTML page with the security headers.
pub fn ok_html(url: &str) -> Response {
    let r = get(url);
    assert_eq!(r.status, 200, "{url}: {}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{url}"
    );
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'")),
        "{url}: no CSP"
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    r
}

/// `GET url`, asserting the status and that the HTML page says `says`.
pub fn status_of(url: &str, status: u16, says: &str) -> Response {
    let r = get(url);
    assert_eq!(r.status, status, "{url}: {}", r.body);
    assert!(
        r.body.to_lowercase().contains(&says.to_lowercase()),
        "{url}: the page does not say {says:?}:\n{}",
        r.body
    );
    assert!(
        r.body.starts_with("<!DOCTYPE html>"),
        "{url}: not an HTML page"
    );
    r
}

fn ss58(pair: &taonet_crypto::Keypair) -> String {
    pair.account_id().to_ss58()
}

/// Uids in the order the metagraph table lists them.
pub fn uid_order(html: &str) -> Vec<u16> {
    let table = html
        .split(r#"data-table="metagraph""#)
        .nth(1)
        .expect("metagraph table");
    let body = table
        .split("<tbody>")
        .nth(1)
        .expect("tbody")
        .split("</tbody>")
        .next()
        .expect("end");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split(r#"<td class="num" data-v=""#)
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|v| v.parse().ok())
                .expect("uid cell")
        })
        .collect()
}

async fn rpc() -> Client {
    Client::connect(&format!("ws://{}", net().node))
        .await
        .expect("client")
}

fn finalized_height() -> u64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        rpc()
            .await
            .chain_get_finalized_head()
            .await
            .expect("head")
            .height
    })
}

#[test]
fn overview_shows_heights_supply_seats_and_recent_blocks() {
    let n = net();
    let r = ok_html(&n.url("/"));
    for text in [
        "<h1>Overview</h1>",
        r#"data-live="finalized_height""#,
        r#"data-live="issuance""#,
        r#"data-live="block_reward""#,
        "Emission per block",
        "Seats of consensus epoch",
        "Recent blocks",
        "/charts/issuance.svg",
        "taonet-dev",
    ] {
        assert!(r.body.contains(text), "overview lacks {text:?}");
    }
    // Alice's hotkey holds the only seat, and votes for every counted block.
    let (_, alice_hot) = keys("alice");
    assert!(r.body.contains(&ss58(&alice_hot)));
    assert!(r.body.contains("Votes this epoch"), "{}", r.body);
    assert!(r.body.contains("(0.00% missed)"), "{}", r.body);
    assert!(r.body.contains("<td>active</td>"), "{}", r.body);
    // Block reward of the dev chain: 1 TAO.
    assert!(
        r.body.contains(r#"data-live="block_reward">1 τ<"#),
        "{}",
        r.body
    );
}

#[test]
fn the_node_serves_the_explorer_on_its_rpc_port() {
    let n = net();
    let r = ok_html(&n.node_url("/"));
    assert!(r.body.contains("<h1>Overview</h1>"));
    let r = ok_html(&n.node_url("/subnet/1"));
    assert!(r.body.contains("text-prediction"));
    assert_eq!(get(&n.node_url("/static/explorer.js")).status, 200);
    // JSON-RPC over HTTP and WebSocket on the same port still work.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let http = Client::http(&format!("http://{}", n.node)).unwrap();
        assert!(http.chain_get_finalized_head().await.unwrap().height >= n.setup_height);
        let ws = Client::connect(&format!("ws://{}", n.node)).await.unwrap();
        assert_eq!(ws.system_chain().await.unwrap(), "taonet-dev");
    });
}

#[test]
fn blocks_and_transactions_show_decoded_calls() {
    let n = net();
    let (bob, _) = keys("bob");
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        rpc()
            .await
            .author_get_transaction_status(n.transfer)
            .await
            .unwrap()
    });
    let TxStatus::Finalized {
        block_height,
        block_hash,
        ..
    } = status
    else {
        panic!("transfer not finalized: {status:?}");
    };
    for path in [
        format!("/block/{block_height}"),
        format!("/block/{block_hash}"),
    ] {
        let r = ok_html(&n.url(&path));
        assert!(r.body.contains("balances.transfer"), "{path}");
        assert!(
            r.body
                .contains("transfer <span title=\"2 τ (2000000000 rao)\">2 τ</span> to"),
            "{path}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("/account/{}", ss58(&bob))),
            "{path}"
        );
        assert!(r.body.contains(&format!("/tx/{}", n.transfer)), "{path}");
        assert!(
            r.body
                .contains(r#"<span class="badge ok">finalized</span>"#)
        );
    }
    // A commitment decodes on its transaction page.
    let r = ok_html(&n.url(&format!("/tx/{}", n.commitment)));
    for text in [
        "commitments.set",
        "<code>hf://dave/&lt;model&gt;@v1</code> (20 bytes)",
        r#"<a href="/subnet/1">SN1</a>"#,
    ] {
        assert!(r.body.contains(text), "commitment tx page lacks {text:?}");
    }
    // An identity decodes on its transaction page, escaped.
    let r = ok_html(&n.url(&format!("/tx/{}", n.identity)));
    for text in [
        "identity.set",
        "set the account's identity to “Alice &lt;i&gt;Validator&lt;/i&gt;”",
        "<code>https://alice.example/&lt;x&gt;</code>",
        "Runs the first validator",
    ] {
        assert!(r.body.contains(text), "identity tx page lacks {text:?}");
    }
    let r = ok_html(&n.url(&format!("/tx/{}", n.transfer)));
    for text in [
        "<h2>Arguments</h2>",
        "Fee paid",
        "Fee limit",
        "success",
        &ss58(&bob),
        "2 τ",
    ] {
        assert!(r.body.contains(text), "tx page lacks {text:?}");
    }
    // The list pages 25 blocks at a time: wait until there is an older page to link to (a
    // slow machine may not have finalized that many blocks yet when the setup ends).
    let t0 = Instant::now();
    while finalized_height() < 25 {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the chain stalled below 25 blocks"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = ok_html(&n.url("/blocks"));
    assert!(r.body.contains(r#"<section id="blocks" data-refresh="1">"#));
    assert!(r.body.contains("Older →"), "{}", r.body);
    let r = ok_html(&n.url("/blocks?from=3"));
    assert!(
        r.body.contains(r#"<a href="/block/3">3</a>"#)
            && r.body.contains(r#"<a href="/block/0">0</a>"#)
    );
    assert!(!r.body.contains(r#"<a href="/block/4">4</a>"#));
}

#[test]
fn accounts_show_balance_stake_unbonding_history_and_delegation() {
    let n = net();
    let (bob, _) = keys("bob");
    let (_, alice_hot) = keys("alice");
    let r = ok_html(&n.url(&format!("/account/{}", ss58(&bob))));
    for text in [
        "Free balance",
        "<h2>Stake positions</h2>",
        "<h2>Unbonding</h2>",
        "<h2>Transactions</h2>",
        &ss58(&alice_hot),
        r#"<span title="10 τ (10000000000 rao)">10 τ</span>"#, // unbonding
        &format!("/tx/{}", n.transfer),                        // received
        &format!("/tx/{}", n.stake),                           // sent
        "in ",                                                 // blocks until paid out
    ] {
        assert!(r.body.contains(text), "bob's page lacks {text:?}");
    }
    let r = ok_html(&n.url(&format!("/account/{}", ss58(&alice_hot))));
    for text in [
        "Hotkey and delegation",
        "<h3>Nominators</h3>",
        &ss58(&bob),
        "not jailed",
        "SN1</a> uid 0",
    ] {
        assert!(r.body.contains(text), "alice's hotkey page lacks {text:?}");
    }
    // The hotkey shows its owner's identity; the coldkey its own, whole.
    assert!(
        r.body.contains(
            r#"<dt>Owner&#39;s identity</dt><dd><strong class="identity">Alice &lt;i&gt;Validator&lt;/i&gt;</strong></dd>"#
        ),
        "alice's hotkey page lacks the owner's identity"
    );
    let (alice, _) = keys("alice");
    let r = ok_html(&n.url(&format!("/account/{}", ss58(&alice))));
    for text in [
        r#"<strong class="identity">Alice &lt;i&gt;Validator&lt;/i&gt;</strong> (set at block"#,
        "<code>https://alice.example/&lt;x&gt;</code>",
        "Runs the first validator",
    ] {
        assert!(r.body.contains(text), "alice's coldkey page lacks {text:?}");
    }
    assert!(!r.body.contains(ALICE_IDENTITY));
    // Pagination of history: a `before` cursor is accepted and validated.
    ok_html(&n.url(&format!("/account/{}?before=999999-0", ss58(&bob))));
    status_of(
        &n.url(&format!("/account/{}?before=x", ss58(&bob))),
        400,
        "before=",
    );
}

#[test]
fn subnets_and_the_metagraph_sort_on_the_server() {
    let n = net();
    let r = ok_html(&n.url("/subnets"));
    assert!(r.body.contains("text-prediction"));
    assert!(
        r.body.contains("&lt;b&gt;evil&lt;/b&gt;&lt;script&gt;"),
        "hostile name not escaped"
    );
    assert!(!r.body.contains(HOSTILE_NAME));
    let r = ok_html(&n.url("/subnet/1"));
    assert_eq!(uid_order(&r.body), vec![0, 1, 2]);
    // Commitments: text escaped, binary as hex, the whole of it in the title.
    assert!(
        r.body.contains(
            r#"<code class="commitment" title="hf://dave/&lt;model&gt;@v1 (20 bytes)">hf://dave/&lt;model&gt;@v1</code>"#
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains(r#">0x0001feff</code>"#));
    assert!(!r.body.contains(DAVE_COMMITMENT));
    for text in [
        "<h2>Hyperparameters</h2>",
        "<code>tempo</code>",
        "<h2>Metagraph</h2>",
        "incentive.svg",
    ] {
        assert!(r.body.contains(text), "subnet page lacks {text:?}");
    }
    // uid 2 got the larger weight, so the most incentive.
    let r = ok_html(&n.url("/subnet/1?sort=incentive&dir=desc"));
    assert_eq!(uid_order(&r.body)[0], 2, "{}", r.body);
    assert!(
        r.body
            .contains(r#"data-key="incentive" data-type="num" aria-sort="descending""#)
    );
    let r = ok_html(&n.url("/subnet/1?sort=uid&dir=desc"));
    assert_eq!(uid_order(&r.body), vec![2, 1, 0]);
    status_of(
        &n.url("/subnet/1?sort=bogus"),
        400,
        "cannot sort by &quot;bogus&quot;",
    );
    status_of(
        &n.url("/subnet/1?sort=uid&dir=up"),
        400,
        "must be asc or desc",
    );
    let r = ok_html(&n.url(&format!("/subnet/{}", n.new_netuid)));
    assert!(r.body.contains("&lt;b&gt;evil&lt;/b&gt;"));
    // A javascript: URL is shown as text, never as a link.
    assert!(r.body.contains("javascript:window.__xss=4") && !r.body.contains("href=\"javascript:"));
    assert!(
        r.body
            .contains("&quot;quotes&quot; &amp; &lt;i&gt;tags&lt;/i&gt;")
    );
}

#[test]
fn validators_list_delegates_with_take_and_nominators() {
    let n = net();
    let (_, alice_hot) = keys("alice");
    let r = ok_html(&n.url("/validators"));
    for text in [
        r#"data-table="validators""#,
        &ss58(&alice_hot),
        "Seats of consensus epoch",
        "Stake needed for a seat",
        "/charts/stake.svg",
    ] {
        assert!(r.body.contains(text), "validators page lacks {text:?}");
    }
    // Alice's hotkey row shows her coldkey's identity, escaped, in the identity column.
    let row = r
        .body
        .split("<tr>")
        .find(|row| row.contains(&ss58(&alice_hot)))
        .expect("alice's row");
    assert!(
        row.contains(
            r#"<span class="identity" title="https://alice.example/&lt;x&gt; — Runs the first validator">Alice &lt;i&gt;Validator&lt;/i&gt;</span>"#
        ),
        "{row}"
    );
    assert!(r.body.contains(r#"data-key="identity""#));
    assert!(!r.body.contains(ALICE_IDENTITY));
    let r = ok_html(&n.url("/validators?sort=identity&dir=asc"));
    assert!(
        r.body
            .contains(r#"data-key="identity" data-type="text" aria-sort="ascending""#)
    );
    let r = ok_html(&n.url("/validators?sort=nominators&dir=asc"));
    assert!(
        r.body
            .contains(r#"data-key="nominators" data-type="num" aria-sort="ascending""#)
    );
}

#[test]
fn governance_shows_the_treasury_proposal_tally_and_votes() {
    let n = net();
    let (alice, _) = keys("alice");
    let r = ok_html(&n.url("/governance"));
    for text in [
        "Treasury",
        r#"<a href="/proposal/0">0</a>"#,
        "text only",
        "Quorum",
        "<dt>Protocol version</dt><dd>v1</dd>",
        "<dt>Upgrade</dt><dd>none scheduled</dd>",
    ] {
        assert!(r.body.contains(text), "governance page lacks {text:?}");
    }
    let r = ok_html(&n.url("/proposal/0"));
    for text in [
        "<h2>Tally",
        "<h2>Votes</h2>",
        &ss58(&alice),
        r#"<span class="badge ok">aye</span>"#,
        "Lower fees &lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;",
        "<meter",
    ] {
        assert!(r.body.contains(text), "proposal page lacks {text:?}");
    }
    assert!(!r.body.contains(HOSTILE_DESCRIPTION));
}

#[test]
fn charts_are_well_formed_svg_with_data() {
    let n = net();
    // The history needs a few samples; the explorer has been sampling since the setup.
    let t0 = Instant::now();
    while !get(&n.url("/charts/issuance.svg")).body.contains("<path") {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no issuance history after 20 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for (path, must) in [
        ("/charts/issuance.svg", "<path"),
        ("/charts/emission.svg", "block reward"),
        ("/charts/subnets.svg", "SN1"),
        ("/charts/stake.svg", "(100.0%)"),
        ("/charts/subnet/1/incentive.svg", "uid 2"),
        ("/charts/subnet/1/stake.svg", "uid 0"),
    ] {
        let r = get(&n.url(path));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("image/svg+xml; charset=utf-8")
        );
        well_formed(&r.body).unwrap_or_else(|e| panic!("{path}: {e}\n{}", r.body));
        if path != "/charts/stake.svg" {
            assert!(r.body.contains(must), "{path} lacks {must:?}:\n{}", r.body);
        } else {
            assert!(r.body.contains("%)"), "{path}: no bars");
        }
    }
    status_of(&n.url("/charts/nope.svg"), 404, "There is no chart");
    status_of(&n.url("/charts/subnet/1/nope.svg"), 404, "no subnet chart");
    status_of(
        &n.url("/charts/subnet/x/stake.svg"),
        400,
        "netuid must be a whole number",
    );
    let r = ok_html(&n.url("/charts"));
    assert!(r.body.contains("/charts/subnet/1/incentive.svg"));
}

#[test]
fn bad_input_gets_clear_4xx_pages() {
    let n = net();
    status_of(
        &n.url("/account/not-an-address"),
        400,
        "is not a taonet address",
    );
    status_of(
        &n.url("/account/%3Cscript%3E"),
        400,
        "&quot;&lt;script&gt;&quot; is not a taonet address",
    );
    // A valid address with nothing on chain.
    let nobody = taonet_types::AccountId([7u8; 32]).to_ss58();
    status_of(
        &n.url(&format!("/account/{nobody}")),
        404,
        "has no balance, stake",
    );
    status_of(&n.url("/block/0xzz"), 400, "is not a hash");
    status_of(&n.url("/block/12abc"), 400, "must be a whole number");
    status_of(&n.url("/block/99999999"), 404, "is not finalized yet");
    status_of(
        &n.url(&format!("/block/0x{}", "00".repeat(32))),
        404,
        "knows no block with hash",
    );
    status_of(&n.url("/block/1?page=9"), 400, "does not exist");
    status_of(
        &n.url(&format!("/tx/0x{}", "11".repeat(32))),
        404,
        "knows no transaction",
    );
    status_of(&n.url("/tx/12"), 400, "is not a hash");
    status_of(&n.url("/subnet/999"), 404, "There is no subnet 999");
    status_of(&n.url("/subnet/70000"), 400, "out of range");
    status_of(&n.url("/subnet/abc"), 400, "netuid must be a whole number");
    status_of(&n.url("/proposal/77"), 404, "There is no proposal 77");
    status_of(&n.url("/proposal/-1"), 400, "must be a whole number");
    status_of(&n.url("/blocks?from=x"), 400, "from must be a whole number");
    status_of(
        &n.url("/no/such/page"),
        404,
        "There is no page at /no/such/page",
    );
    status_of(&n.url("/?fragment=nope"), 404, "no section");
    status_of(&n.url("/search?q="), 400, "the search box is empty");
    status_of(
        &n.url("/search?q=hello%20world"),
        400,
        "is not a taonet address",
    );
    status_of(
        &n.url(&format!("/search?q=0x{}", "22".repeat(32))),
        404,
        "No block or transaction",
    );
}

#[test]
fn search_redirects_to_what_was_asked_for() {
    let n = net();
    let (bob, _) = keys("bob");
    let cases = [
        ("12".to_string(), "/block/12".to_string()),
        (
            format!(" {} ", ss58(&bob)),
            format!("/account/{}", ss58(&bob)),
        ),
        (n.transfer.to_string(), format!("/tx/{}", n.transfer)),
        ("SN1".into(), "/subnet/1".into()),
    ];
    for (q, to) in cases {
        let r = get(&n.url(&format!(
            "/search?q={}",
            taonet_explorer::html::path_segment(&q)
        )));
        assert_eq!(r.status, 303, "{q}: {}", r.body);
        assert_eq!(r.header("location"), Some(to.as_str()), "{q}");
    }
    let block1 = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async { rpc().await.chain_get_block_hash(1).await.unwrap().unwrap() });
    let r = get(&n.url(&format!("/search?q={block1}")));
    assert_eq!(
        r.header("location"),
        Some(format!("/block/{block1}").as_str())
    );
}

#[test]
fn fragments_are_single_sections() {
    let n = net();
    let r = ok_html(&n.url("/?fragment=recent"));
    assert!(r.body.starts_with("<h2>Recent blocks</h2>"), "{}", r.body);
    assert!(!r.body.contains("<html"));
    let r = ok_html(&n.url("/subnet/1?sort=incentive&dir=desc&fragment=metagraph"));
    assert_eq!(uid_order(&r.body)[0], 2);
}

#[test]
fn the_live_endpoint_answers_when_a_newer_block_is_final() {
    let n = net();
    let first: serde_json::Value = serde_json::from_str(&get(&n.url("/api/live")).body).unwrap();
    let h = first["height"].as_u64().expect("a height");
    assert!(first["fields"]["finalized_height"].is_string());
    assert!(
        first["fields"]["issuance"]
            .as_str()
            .unwrap()
            .ends_with(" τ")
    );
    assert!(first["error"].is_null());
    let t0 = Instant::now();
    let next = get(&n.url(&format!("/api/live?after={h}")));
    assert_eq!(next.header("content-type"), Some("application/json"));
    let next: serde_json::Value = serde_json::from_str(&next.body).unwrap();
    assert!(next["height"].as_u64().unwrap() > h, "{next}");
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "took {:?}",
        t0.elapsed()
    );
    let bad = get(&n.url("/api/live?after=soon"));
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("after must be a whole number"));
}

#[test]
fn an_unreachable_node_gives_a_502_naming_its_url() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = taonet_explorer::ExplorerConfig::new(format!("127.0.0.1:{port}"));
        config.long_poll_timeout = Duration::from_secs(2);
        tokio::spawn(taonet_explorer::serve(
            listener,
            config,
            std::future::pending(),
        ));
        addr
    });
    let url = |p: &str| format!("http://{addr}{p}");
    for path in [
        "/",
        "/subnet/1",
        &format!("/account/{}", ss58(&keys("bob").0)),
        "/charts/stake.svg",
    ] {
        let r = get(&url(path));
        assert_eq!(r.status, 502, "{path}: {}", r.body);
        assert!(r.body.contains("Node unreachable"), "{path}");
        assert!(
            r.body.contains(&format!("http://127.0.0.1:{port}")),
            "{path}: {}",
            r.body
        );
    }
    // Input is still checked first, without the node.
    assert_eq!(get(&url("/account/nope")).status, 400);
    // The live endpoint reports the failure.
    let live: serde_json::Value = serde_json::from_str(&get(&url("/api/live")).body).unwrap();
    assert!(
        live["error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("127.0.0.1:{port}"))),
        "{live}"
    );
    drop(rt);
}
