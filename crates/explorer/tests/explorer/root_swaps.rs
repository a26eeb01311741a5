//! The root page (members with their identity and normalised weights, emission shares,
//! candidates member or waiting) and an announced coldkey swap on the old coldkey's page,
//! then disputed, against the shared network.

use std::time::{Duration, Instant};

use taonet_client::prelude::*;
use taonet_crypto::Ss58;
use taonet_types::Call;
use taonet_types::tx::StakingCall;

use crate::http::{ok_html, status_of};
use crate::net::{HOSTILE_NAME, domain, finalize_all, keys, net, sign};

/// The markup of `<section id="{id}" …>…</section>` in a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<section id="{id}""#))
        .unwrap_or_else(|| panic!("no section {id}:\n{html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").expect("end of section")]
}

/// The rows of the first table in `html`, each as its cells' markup.
fn rows(html: &str) -> Vec<Vec<String>> {
    let body = html
        .split("<tbody>")
        .nth(1)
        .expect("tbody")
        .split("</tbody>")
        .next()
        .expect("end of tbody");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let inner = &cell[cell.find('>').expect("cell") + 1..];
                    inner[..inner.find("</td>").expect("end of cell")].to_string()
                })
                .collect()
        })
        .collect()
}

fn finalized_height(rt: &tokio::runtime::Runtime, client: &Client) -> u64 {
    rt.block_on(client.chain_get_finalized_head())
        .expect("head")
        .height
}

#[test]
fn the_root_page_lists_members_weights_shares_and_candidates() {
    let n = net();
    let (_, alice_hot) = keys("alice");
    let (_, ferdie_hot) = keys("ferdie");
    let alice_hot = alice_hot.account_id().to_ss58();
    let ferdie_hot = ferdie_hot.account_id().to_ss58();
    // The shares follow the weights at the next root epoch (every 10 blocks).
    let t0 = Instant::now();
    let r = loop {
        let r = ok_html(&n.url("/root"));
        if section(&r.body, "weights").contains("66.67%") {
            break r;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the emission shares never followed the root weights:\n{}",
            r.body
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let body = &r.body;
    assert!(body.contains("<h1>Root subnet</h1>"));
    assert!(body.contains(r#"<a href="/root" class="active" aria-current="page">Root</a>"#));
    let summary = section(body, "summary");
    assert!(
        summary.contains("<dd>1 of at most 1 (<code>root_max_uids</code>)</dd>"),
        "{summary}"
    );
    assert!(
        summary.contains("<dt>Candidates</dt><dd>2</dd>"),
        "{summary}"
    );
    assert!(summary.contains("<dt>Next recompute</dt><dd>block <a href=\"/block/"));

    // Members: Alice's genesis hotkey, uid 0, with her coldkey's identity (escaped).
    let members = section(body, "members");
    let member_rows = rows(members);
    assert_eq!(member_rows.len(), 1, "{members}");
    let alice = &member_rows[0];
    assert_eq!(alice[0], "0");
    assert!(
        alice[1].contains(&format!("/account/{alice_hot}")),
        "{alice:?}"
    );
    assert!(
        alice[2].contains(">Alice &lt;i&gt;Validator&lt;/i&gt;</span>"),
        "{alice:?}"
    );
    assert_eq!(alice[4], "100.00%", "the only member has all the stake");
    assert_eq!(alice[5], "2", "two subnets weighted");
    assert_eq!(alice[6], "0", "no weight on a removed subnet");

    // Weights by subnet: 65535 and 32768 normalised to 2/3 and 1/3; the subnet names are
    // escaped; the last row is the emission shares those weights produce.
    let weights = section(body, "weights");
    assert!(
        weights.contains("<th>SN1 · text-prediction</th>"),
        "{weights}"
    );
    assert!(
        weights.contains("<th>SN2 · &lt;b&gt;evil&lt;/b&gt;&lt;script&gt;"),
        "{weights}"
    );
    assert!(!body.contains(HOSTILE_NAME));
    let matrix = rows(weights);
    assert_eq!(matrix.len(), 2, "{weights}");
    assert!(matrix[0][0].starts_with("uid 0 · "), "{:?}", matrix[0]);
    assert!(matrix[0][1].ends_with(">0.6667</span>"), "{:?}", matrix[0]);
    assert!(matrix[0][2].ends_with(">0.3333</span>"), "{:?}", matrix[0]);
    assert!(matrix[1][0].contains("Emission share"));
    assert!(
        matrix[1][1].starts_with("<strong>66.67%</strong>"),
        "{:?}",
        matrix[1]
    );
    assert!(
        matrix[1][2].starts_with("<strong>33.33%</strong>"),
        "{:?}",
        matrix[1]
    );

    // Candidates in membership order: Alice (genesis, member) then Ferdie (waiting: the one
    // seat is taken by more stake).
    let candidates = section(body, "candidates");
    let cand = rows(candidates);
    assert_eq!(cand.len(), 2, "{candidates}");
    assert_eq!(cand[0][0], "1");
    assert!(cand[0][1].contains(&format!("/account/{alice_hot}")));
    assert_eq!(cand[0][3], "genesis");
    assert!(cand[0][4].contains("member (uid 0)"), "{:?}", cand[0]);
    assert_eq!(cand[1][0], "2");
    assert!(cand[1][1].contains(&format!("/account/{ferdie_hot}")));
    assert!(cand[1][2].ends_with(">0 τ</span>"), "{:?}", cand[1]);
    assert!(cand[1][3].starts_with("<a href=\"/block/"), "{:?}", cand[1]);
    assert_eq!(cand[1][4], r#"<span class="badge">waiting</span>"#);

    // The members table sorts on the server and refuses unknown columns; sections are
    // fragments for the live update; subnet 0's page links here.
    ok_html(&n.url("/root?sort=stake&dir=desc"));
    status_of(&n.url("/root?sort=nope"), 400, "cannot sort by");
    let f = ok_html(&n.url("/root?fragment=candidates"));
    assert!(f.body.starts_with("<h2>Candidates</h2>") && !f.body.contains("<html"));
    let sn0 = ok_html(&n.url("/subnet/0"));
    assert!(
        sn0.body.contains(r#"<a href="/root">"#),
        "subnet 0 does not link to /root"
    );
    let sn1 = ok_html(&n.url("/subnet/1"));
    assert!(!sn1.body.contains("<dt>Root membership</dt>"));
}

#[test]
fn an_announced_coldkey_swap_shows_on_the_old_coldkey_until_disputed() {
    let n = net();
    let (grace, _) = keys("grace");
    let (heidi, _) = keys("heidi");
    let grace_ss58 = grace.account_id().to_ss58();
    let heidi_ss58 = heidi.account_id().to_ss58();
    let page = n.url(&format!("/account/{grace_ss58}"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt
        .block_on(Client::connect(&format!("ws://{}", n.node)))
        .expect("client");
    let domain = rt.block_on(domain(&client));

    // Nothing announced: the notice section is there, empty.
    let r = ok_html(&page);
    assert!(
        r.body
            .contains(r#"<section id="coldkey-swap" data-refresh="2"></section>"#),
        "{}",
        r.body
    );

    rt.block_on(finalize_all(
        &client,
        vec![sign(
            &grace,
            0,
            Call::Staking(StakingCall::AnnounceColdkeySwap {
                new_coldkey: heidi.account_id(),
            }),
            &domain,
        )],
    ));
    let swap = rt
        .block_on(client.state_get_coldkey_swap(grace_ss58.clone()))
        .expect("swap")
        .expect("announced");
    assert_eq!(swap.disputed_at, None);
    let before = finalized_height(&rt, &client);
    let r = ok_html(&page);
    let after = finalized_height(&rt, &client);
    let notice = section(&r.body, "coldkey-swap");
    for text in [
        r#"<div class="notice" role="status"><h2>Coldkey swap announced</h2>"#.to_string(),
        format!(
            r#"<dt>New coldkey</dt><dd><a class="mono" href="/account/{heidi_ss58}">{heidi_ss58}</a></dd>"#
        ),
        format!(
            r#"<dt>Announced at</dt><dd><a href="/block/{}">"#,
            swap.announced_at
        ),
        format!(
            r#"executable from block <a href="/block/{}">"#,
            swap.executable_at
        ),
    ] {
        assert!(
            notice.contains(&text),
            "the notice lacks {text:?}:\n{notice}"
        );
    }
    assert_eq!(swap.executable_at, swap.announced_at + 30, "the dev delay");
    // "(in N blocks)" counted from the finalized head the page read.
    match notice.split("</a> (in ").nth(1) {
        Some(rest) => {
            let left: u64 = rest
                .split(" blocks)")
                .next()
                .and_then(|s| s.replace(',', "").parse().ok())
                .expect("a number of blocks");
            let seen = swap.executable_at - left;
            assert!(
                (before..=after).contains(&seen),
                "{left} blocks left means height {seen}, outside {before}..={after}"
            );
        }
        None => {
            assert!(
                notice.contains("(executable now, by either coldkey)"),
                "{notice}"
            );
            assert!(after >= swap.executable_at);
        }
    }
    // The section alone, for the live update.
    let f = ok_html(&format!("{page}?fragment=coldkey-swap"));
    assert!(
        f.body.starts_with(r#"<div class="notice" role="status">"#),
        "{}",
        f.body
    );

    rt.block_on(finalize_all(
        &client,
        vec![sign(
            &grace,
            1,
            Call::Staking(StakingCall::DisputeColdkeySwap),
            &domain,
        )],
    ));
    let disputed = rt
        .block_on(client.state_get_coldkey_swap(grace_ss58.clone()))
        .expect("swap")
        .expect("still recorded");
    let at = disputed.disputed_at.expect("disputed");
    let r = ok_html(&page);
    let notice = section(&r.body, "coldkey-swap");
    assert!(
        notice.contains(r#"<div class="notice bad" role="status"><h2>Coldkey swap disputed</h2>"#),
        "{notice}"
    );
    assert!(
        notice.contains(&format!(r#"disputed at block <a href="/block/{at}">"#))
            && notice.contains("</a> — cannot be executed."),
        "{notice}"
    );
    assert!(!notice.contains("executable from block"), "{notice}");
    assert!(notice.contains(&format!("/account/{heidi_ss58}")));
}
