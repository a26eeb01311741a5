//! Rendering without a node: escaping, formatting, tables, SVG charts (well-formed XML,
//! scales, empty and degenerate data) and the history's bounds.

use taonet_explorer::format;
use taonet_explorer::history::{ChainSample, EpochSample, History, HistoryLimits, NeuronSample};
use taonet_explorer::html::{
    Cell, Column, Dir, LiveHeader, Nav, Page, Sort, Table, esc, path_segment,
};
use taonet_explorer::svg::{
    Bar, LineChart, Scale, Series, Unit, bar_chart, line_chart, nice_ticks,
};
use taonet_types::Rao;

use crate::xml::well_formed;

#[test]
fn escaping_covers_markup_quotes_and_controls() {
    assert_eq!(
        esc(r#"<a href="x" onclick='y'>&amp;</a>"#),
        "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
    );
    assert_eq!(esc("plain τ text"), "plain τ text");
    assert_eq!(esc("a\u{0}b\u{1b}c\td\ne"), "a\u{FFFD}b\u{FFFD}c\td\ne");
    assert_eq!(path_segment("5Grw/../x?y=1#z"), "5Grw%2F..%2Fx%3Fy%3D1%23z");
    assert_eq!(path_segment("0xabc"), "0xabc");
}

#[test]
fn amounts_proportions_and_times_format_exactly() {
    assert_eq!(format::group(0), "0");
    assert_eq!(format::group(999), "999");
    assert_eq!(format::group(1_000), "1,000");
    assert_eq!(format::group(u64::MAX), "18,446,744,073,709,551,615");
    assert_eq!(format::tao(Rao(1_234_500_000_000)), "1,234.5 τ");
    assert_eq!(format::tao(Rao(1)), "0.000000001 τ");
    assert_eq!(format::tao(Rao(0)), "0 τ");
    assert_eq!(format::tao_short(Rao(1_234_567_890_123)), "1,234.5678 τ");
    assert_eq!(format::tao_short(Rao(10)), "< 0.0001 τ");
    assert_eq!(format::tao_short(Rao(2_000_000_000)), "2 τ");
    assert_eq!(format::proportion(u16::MAX), "1.0000");
    assert_eq!(format::proportion(0), "0.0000");
    assert_eq!(format::proportion(32_768), "0.5000");
    assert_eq!(format::fraction(2, 3), "0.6667");
    assert_eq!(format::fraction(1, 3), "0.3333");
    assert_eq!(format::fraction(65_535, 98_303), "0.6667");
    assert_eq!(format::fraction(1, 20_000), "0.0001"); // 0.00005 rounds up
    assert_eq!(format::fraction(7, 7), "1.0000");
    assert_eq!(format::fraction(5, 0), "0.0000");
    assert_eq!(format::fraction(u64::MAX, u64::MAX), "1.0000");
    assert_eq!(format::percent_u16(u16::MAX), "100.00%");
    assert_eq!(format::percent_u16(11_796), "18.00%");
    assert_eq!(format::percent_ppb(123_456_789), "12.35%");
    assert_eq!(format::percent_ppb(1_000_000_000), "100.00%");
    assert_eq!(format::utc(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(format::utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
    assert_eq!(format::utc(1_767_225_599_000), "2025-12-31 23:59:59 UTC");
    assert_eq!(format::age(10_000, 14_500), "4 s ago");
    assert_eq!(format::age(0, 3 * 60_000), "3 min ago");
    assert_eq!(format::age(5_000, 1_000), "just now");
    assert_eq!(
        format::short_hex(&format!("0x{}", "ab".repeat(32))),
        "0xabab…abab"
    );
    assert_eq!(format::short_hex("0x12"), "0x12");
    assert_eq!(
        format::short_address("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
        "5GrwvaEF…utQY"
    );
}

fn table() -> Table {
    Table {
        name: "t",
        columns: vec![
            Column::num("n", "N", "a number"),
            Column::text("name", "Name", "<help>"),
        ],
        rows: vec![
            vec![Cell::num(10u64, "10".into()), Cell::text("beta")],
            vec![Cell::num(2u64, "2".into()), Cell::text("<alpha>")],
            vec![Cell::num(2u64, "2b".into()), Cell::text("Gamma")],
        ],
        empty: "none",
    }
}

#[test]
fn tables_sort_on_the_server_and_escape_their_text() {
    let sort = Sort {
        key: "n".into(),
        dir: Dir::Asc,
    };
    let html = table().render(Some(&sort));
    // Numeric ascending, ties kept in order.
    let p2 = html.find(">2<").unwrap();
    let p2b = html.find(">2b<").unwrap();
    let p10 = html.find(">10<").unwrap();
    assert!(p2 < p2b && p2b < p10, "{html}");
    assert!(html.contains(r#"data-key="n" data-type="num" aria-sort="ascending""#));
    // The header link flips the direction; the other column starts ascending (text).
    assert!(html.contains(r#"href="?sort=n&amp;dir=desc""#));
    assert!(html.contains(r#"href="?sort=name&amp;dir=asc""#));
    assert!(html.contains("&lt;alpha&gt;") && !html.contains("<alpha>"));
    assert!(html.contains(r#"title="&lt;help&gt;""#));
    let desc = table().render(Some(&Sort {
        key: "name".into(),
        dir: Dir::Desc,
    }));
    let g = desc.find(">Gamma<").unwrap();
    let b = desc.find(">beta<").unwrap();
    let a = desc.find("&lt;alpha&gt;</td>").unwrap();
    assert!(g < b && b < a, "{desc}");
    let err = table()
        .check_sort(&Sort {
            key: "nope".into(),
            dir: Dir::Asc,
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot sort by "nope": the columns are n, name"#
    );
    let empty = Table {
        rows: vec![],
        ..table()
    }
    .render(None);
    assert!(empty.contains(r#"<td colspan="2">none</td>"#));
}

#[test]
fn pages_render_sections_and_fragments() {
    let page = Page::new("A <title>", Nav::Blocks)
        .section("one", "<p>1</p>".into())
        .live_section("two", 3, "<p>2</p>".into());
    let html = page.render(&LiveHeader {
        chain: "dev<script>".into(),
        height: Some(1234),
        error: Some("down & out".into()),
    });
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>A &lt;title&gt; · taonet explorer</title>"));
    assert!(html.contains(r#"<section id="two" data-refresh="3"><p>2</p></section>"#));
    assert!(html.contains(r#"data-live="finalized_height">1,234<"#));
    assert!(html.contains(r#"<body data-height="1234">"#));
    assert!(html.contains("dev&lt;script&gt;") && !html.contains("dev<script>"));
    assert!(html.contains(r#"class="status down" role="status">down &amp; out<"#));
    assert!(html.contains(r#"<a href="/blocks" class="active" aria-current="page">Blocks</a>"#));
    assert_eq!(page.fragment("one"), Some("<p>1</p>"));
    assert_eq!(page.fragment("three"), None);
}

#[test]
fn nice_ticks_cover_the_range_with_round_steps() {
    for (lo, hi) in [
        (0.0, 1.0),
        (0.0, 7.3),
        (3.0, 3.0),
        (0.0, 0.0),
        (-5.0, 12.0),
        (1e-6, 3e-6),
        (1e9, 1.000001e9),
        (123_456.0, 9_876_543_210.0),
        (f64::NAN, 1.0),
    ] {
        let (ticks, step) = nice_ticks(lo, hi, 5);
        assert!(step > 0.0 && step.is_finite(), "{lo}..{hi}: step {step}");
        let mantissa = step / 10f64.powf(step.log10().floor());
        assert!(
            [1.0, 2.0, 5.0, 10.0]
                .iter()
                .any(|m| (m - mantissa).abs() < 1e-6),
            "{lo}..{hi}: step {step} is not 1, 2 or 5 × 10^k"
        );
        assert!((2..=9).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
        if lo.is_finite() {
            assert!(
                ticks[0] <= lo.min(hi) + 1e-9 * step,
                "{lo}..{hi}: {ticks:?}"
            );
            assert!(
                *ticks.last().unwrap() >= hi - 1e-9 * step.max(hi.abs()),
                "{lo}..{hi}: {ticks:?}"
            );
        }
        for w in ticks.windows(2) {
            assert!(((w[1] - w[0]) - step).abs() <= step * 1e-6, "{ticks:?}");
        }
    }
}

#[test]
fn scales_map_ends_and_survive_zero_width_ranges() {
    let s = Scale::new(10.0, 20.0, 100.0, 0.0);
    assert_eq!(s.map(10.0), 100.0);
    assert_eq!(s.map(20.0), 0.0);
    assert_eq!(s.map(15.0), 50.0);
    let flat = Scale::new(5.0, 5.0, 0.0, 100.0);
    assert_eq!(flat.map(5.0), 50.0);
    assert!(flat.map(7.0).is_finite());
}

fn chart(series: Vec<Series>) -> String {
    line_chart(&LineChart {
        title: "T <script>alert(1)</script>".into(),
        x_label: "block & height".into(),
        y_unit: Unit::Tao,
        y_from_zero: false,
        series,
        empty: "nothing \"yet\"".into(),
    })
}

#[test]
fn line_charts_are_well_formed_svg_for_any_data() {
    let cases: Vec<Vec<Series>> = vec![
        vec![],
        vec![Series {
            label: "a".into(),
            points: vec![],
        }],
        vec![Series {
            label: "one".into(),
            points: vec![(5.0, 1.0)],
        }],
        vec![Series {
            label: "flat".into(),
            points: vec![(1.0, 3.0), (2.0, 3.0), (3.0, 3.0)],
        }],
        vec![
            Series {
                label: "<b>x</b>".into(),
                points: (0..500).map(|i| (i as f64, (i * i) as f64)).collect(),
            },
            Series {
                label: "nan".into(),
                points: vec![(1.0, f64::NAN), (2.0, f64::INFINITY), (3.0, 1.0)],
            },
        ],
        vec![Series {
            label: "huge".into(),
            points: vec![(0.0, 0.0), (1.0, u64::MAX as f64)],
        }],
        (0..15)
            .map(|i| Series {
                label: format!("s{i} {}", "ω".repeat(40)),
                points: vec![(0.0, i as f64), (1.0, 1.0)],
            })
            .collect(),
    ];
    for series in cases {
        let svg = chart(series.clone());
        well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains(r#"viewBox="0 0 800 300""#));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(!svg.contains("<script") && svg.contains("&lt;script&gt;"));
        let points: usize = series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .count()
            })
            .sum();
        if points == 0 {
            assert!(svg.contains("nothing &quot;yet&quot;"), "{svg}");
            assert!(!svg.contains("<path"));
        } else {
            assert!(svg.contains("<path") || svg.contains("<circle"), "{svg}");
        }
    }
}

#[test]
fn line_chart_coordinates_follow_the_data() {
    let svg = chart(vec![Series {
        label: "up".into(),
        points: vec![(0.0, 0.0), (10.0, 10.0)],
    }]);
    // The path rises left to right: y decreases in SVG coordinates.
    let d = svg
        .split("<path d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let coords: Vec<(f64, f64)> = d
        .split(['M', 'L'])
        .filter(|s| !s.trim().is_empty())
        .map(|p| {
            let (x, y) = p.trim().split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert_eq!(coords.len(), 2);
    assert!(
        coords[0].0 < coords[1].0 && coords[0].1 > coords[1].1,
        "{coords:?}"
    );
    for (x, y) in coords {
        assert!((0.0..=800.0).contains(&x) && (0.0..=300.0).contains(&y));
    }
    // Axis labels in TAO.
    assert!(svg.contains(" τ</text>"));
}

#[test]
fn bar_charts_show_shares_and_handle_empty_data() {
    let svg = bar_chart(
        "Stake <by> hotkey",
        &[
            Bar {
                label: "a".into(),
                value: 3.0,
            },
            Bar {
                label: "<b>".into(),
                value: 1.0,
            },
            Bar {
                label: "neg".into(),
                value: -5.0,
            },
            Bar {
                label: "nan".into(),
                value: f64::NAN,
            },
        ],
        Unit::Tao,
        "no stake",
    );
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.contains("(75.0%)") && svg.contains("(25.0%)"), "{svg}");
    assert!(svg.contains("&lt;b&gt;") && !svg.contains("NaN"));
    for empty in [
        vec![],
        vec![Bar {
            label: "z".into(),
            value: 0.0,
        }],
    ] {
        let svg = bar_chart("t", &empty, Unit::Count, "no stake");
        well_formed(&svg).unwrap();
        assert!(svg.contains("no stake"));
    }
}

fn sample(height: u64) -> ChainSample {
    ChainSample {
        height,
        timestamp_ms: 1_000_000 + height * 500,
        total_issuance: Rao(height),
        total_stake: Rao(0),
        pending_emission: Rao(0),
        total_burned: Rao(0),
        block_reward: Rao(1),
        subnet_shares: (0..100).map(|n| (100 - n, 1)).collect(),
    }
}

fn epoch(block: u64, index: u64, n: u16) -> EpochSample {
    EpochSample {
        block,
        epoch_index: index,
        neurons: (0..n)
            .map(|uid| NeuronSample {
                uid,
                incentive: uid,
                dividends: 0,
                emission: Rao(1),
            })
            .collect(),
    }
}

#[test]
fn history_keeps_its_bounds() {
    let limits = HistoryLimits {
        blocks: 10,
        epochs: 4,
        subnets: 3,
        neuron_entries: 100,
    };
    let mut h = History::new(limits);
    for height in 0..50 {
        h.record_block(sample(height));
        h.record_block(sample(height)); // duplicates are ignored
    }
    assert_eq!(h.blocks().len(), 10);
    assert_eq!(h.blocks().next().unwrap().height, 40);
    // Subnet shares are capped at `subnets`, lowest netuids kept.
    assert_eq!(
        h.blocks().next().unwrap().subnet_shares,
        vec![(1, 1), (2, 1), (3, 1)]
    );
    assert_eq!(h.block_time_ms(), Some(500));

    // Epochs: per-subnet cap, dedup by index, entry budget with each latest sample kept.
    for i in 0..10 {
        h.record_epoch(1, epoch(i * 10, i, 20));
        h.record_epoch(1, epoch(i * 10, i, 20));
    }
    assert_eq!(h.epochs(1).count(), 4);
    assert_eq!(h.last_epoch_index(1), Some(9));
    assert_eq!(h.neuron_entries(), 80);
    h.record_epoch(2, epoch(100, 0, 60));
    assert!(h.neuron_entries() <= 100, "{}", h.neuron_entries());
    assert_eq!(h.epochs(2).count(), 1);
    assert_eq!(
        h.last_epoch_index(1),
        Some(9),
        "the latest sample of each subnet stays"
    );
    // A single sample larger than the budget is kept (it is the latest).
    h.record_epoch(3, epoch(110, 0, 500));
    assert_eq!(h.epochs(3).count(), 1);
    assert!(h.neuron_entries() <= 100 + 500 + 60 + 20);
    // At most `subnets` subnets: a lower netuid replaces the highest, a higher one is ignored.
    h.record_epoch(9, epoch(120, 0, 1));
    assert_eq!(h.subnets().collect::<Vec<_>>(), vec![1, 2, 3]);
    h.record_epoch(0, epoch(120, 0, 1));
    assert_eq!(h.subnets().collect::<Vec<_>>(), vec![0, 1, 2]);
    // A subnet epoch counter going back restarts its series; dissolved subnets are dropped.
    h.record_epoch(1, epoch(130, 1, 5));
    assert_eq!(h.epochs(1).count(), 1);
    h.retain_subnets(&[1]);
    assert_eq!(h.subnets().collect::<Vec<_>>(), vec![1]);
    assert_eq!(h.neuron_entries(), 5);
    // A lower height means another chain: everything is cleared.
    h.record_block(sample(3));
    assert_eq!(h.blocks().len(), 1);
    assert_eq!(h.subnets().count(), 0);
    assert_eq!(h.neuron_entries(), 0);
}

#[test]
fn history_block_time_ignores_genesis() {
    let mut h = History::new(HistoryLimits::default());
    let mut genesis = sample(0);
    genesis.timestamp_ms = 0;
    h.record_block(genesis);
    assert_eq!(h.block_time_ms(), None);
    h.record_block(sample(4));
    assert_eq!(h.block_time_ms(), None);
    h.record_block(sample(8));
    assert_eq!(h.block_time_ms(), Some(500));
}

/// The x axis counts blocks: whole-number ticks, one under a single point.
#[test]
fn x_ticks_are_whole_blocks() {
    let labels = |svg: &str| -> Vec<String> {
        svg.lines()
            .filter(|l| l.contains(r##"text-anchor="middle" fill="#4b5563""##))
            .filter_map(|l| {
                l.rsplit("\">")
                    .next()
                    .map(|t| t.trim_end_matches("</text>").to_string())
            })
            .collect()
    };
    let one = chart(vec![Series {
        label: "p".into(),
        points: vec![(7.0, 1.0)],
    }]);
    assert_eq!(labels(&one), vec!["7"]);
    let few = chart(vec![Series {
        label: "p".into(),
        points: vec![(3.0, 1.0), (6.0, 2.0)],
    }]);
    assert_eq!(labels(&few), vec!["3", "4", "5", "6"]);
    let many = chart(vec![Series {
        label: "p".into(),
        points: vec![(100.0, 1.0), (1100.0, 2.0)],
    }]);
    assert!(
        labels(&many).iter().all(|l| !l.contains('.')),
        "{:?}",
        labels(&many)
    );
}

#[test]
fn commitments_show_as_text_or_hex_and_are_cut_with_a_title() {
    use taonet_explorer::html::commitment_cell;
    assert_eq!(format::commitment(b"sha256:ab"), "sha256:ab");
    assert_eq!(format::commitment("τ model".as_bytes()), "τ model");
    assert_eq!(format::commitment(&[0, 1, 0xff]), "0x0001ff");
    assert_eq!(format::commitment(b"line\nbreak"), "0x6c696e650a627265616b");
    assert_eq!(format::from_hex("0x0001ff"), Some(vec![0, 1, 0xff]));
    assert_eq!(format::from_hex("0x0"), None);
    assert_eq!(format::from_hex("zz"), None);
    assert_eq!(format::truncate("abcdef", 3), "abc…");
    assert_eq!(format::truncate("abc", 3), "abc");
    let long = "x".repeat(100);
    let cell = commitment_cell(long.as_bytes());
    assert!(cell.contains(&format!(r#"title="{long} (100 bytes)""#)));
    assert!(cell.ends_with(&format!(">{}…</code>", "x".repeat(40))));
    assert_eq!(
        commitment_cell(b"<b>"),
        r#"<code class="commitment" title="&lt;b&gt; (3 bytes)">&lt;b&gt;</code>"#
    );
}
