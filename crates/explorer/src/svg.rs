//! Charts rendered on the server as standalone SVG documents (served as `image/svg+xml` and
//! shown with `<img>`, so they carry no script and load nothing).
//!
//! - [`line_chart`]: one or more series of (x, y) points on shared linear axes with "nice"
//!   tick values (1, 2, 5 × 10ᵏ; x is a block height, so its ticks are whole numbers), a
//!   legend, and a note when there is no data yet.
//! - [`bar_chart`]: horizontal bars with labels and values (stake distribution).
//!
//! Every label is XML-escaped; non-finite values are dropped; a zero-width range is widened so
//! a flat series draws as a line in the middle, never a division by zero.

use std::fmt::Write as _;

use crate::html::esc;

/// Width of every chart's view box.
pub const WIDTH: f64 = 800.0;
/// Height of every chart's view box.
pub const HEIGHT: f64 = 300.0;

const LEFT: f64 = 78.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 40.0;

/// Series colours (distinct, readable on white).
pub const PALETTE: [&str; 10] = [
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#475569", "#ea580c",
];

/// How axis values are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A plain number (block heights, counts).
    Count,
    /// An amount in TAO, written compactly with a `τ` suffix.
    Tao,
    /// A fraction 0..1 shown as is (incentive, consensus).
    Fraction,
    /// A percentage (values already in percent).
    Percent,
}

impl Unit {
    /// `value` written for an axis label, with `step` (the tick spacing) deciding decimals.
    pub fn label(self, value: f64, step: f64) -> String {
        let decimals = decimals_for(step);
        let number = match self {
            Unit::Count | Unit::Tao | Unit::Percent => compact(value, decimals),
            Unit::Fraction => format!("{value:.decimals$}"),
        };
        match self {
            Unit::Tao => format!("{number} τ"),
            Unit::Percent => format!("{number}%"),
            _ => number,
        }
    }
}

fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        0
    } else {
        (-step.log10().floor()).clamp(0.0, 9.0) as usize
    }
}

/// 1234567 → "1.23M" (k, M, B), small numbers with `decimals` places.
fn compact(v: f64, decimals: usize) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.2}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.decimals$}")
    }
}

/// A linear map from a data range onto a pixel range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Data range start.
    pub d0: f64,
    /// Data range end.
    pub d1: f64,
    /// Pixel range start.
    pub r0: f64,
    /// Pixel range end.
    pub r1: f64,
}

impl Scale {
    /// Maps `d0..d1` onto `r0..r1`; a zero-width data range is widened to `d0 ± 1`.
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Scale {
        let (d0, d1) = if (d1 - d0).abs() < f64::EPSILON * d0.abs().max(1.0) {
            (d0 - 1.0, d0 + 1.0)
        } else {
            (d0, d1)
        };
        Scale { d0, d1, r0, r1 }
    }

    /// The pixel position of `v`.
    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// About `target` evenly spaced "nice" tick values (steps of 1, 2 or 5 × 10ᵏ) covering
/// `min..=max`, with the step. The first tick is ≤ `min` and the last ≥ `max`.
pub fn nice_ticks(min: f64, max: f64, target: usize) -> (Vec<f64>, f64) {
    let (min, max) = if min.is_finite() && max.is_finite() {
        (min.min(max), min.max(max))
    } else {
        (0.0, 1.0)
    };
    let (min, max) = if max - min < f64::EPSILON * max.abs().max(1.0) {
        if min == 0.0 {
            (0.0, 1.0)
        } else {
            (min - min.abs() * 0.1, max + max.abs() * 0.1)
        }
    } else {
        (min, max)
    };
    let raw = (max - min) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (min / step).floor() * step;
    let mut ticks = Vec::new();
    let mut v = start;
    // Bounded: (max - min) / step ≤ target + 2.
    for _ in 0..(target + 3) {
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        if v >= max - step * 1e-9 {
            break;
        }
        v += step;
    }
    (ticks, step)
}

/// Ticks of the x axis, which counts blocks: whole numbers only (a single x value gets one
/// tick under it).
fn x_ticks(x0: f64, x1: f64) -> (Vec<f64>, f64) {
    if (x1 - x0).abs() < f64::EPSILON * x0.abs().max(1.0) {
        return (vec![x0], 1.0);
    }
    let (ticks, step) = nice_ticks(x0, x1, 8);
    if step >= 1.0 {
        return (ticks, step);
    }
    // A range of fewer than 8 blocks: every whole number in it.
    let ticks = (x0.ceil() as i64..=x1.floor() as i64)
        .map(|v| v as f64)
        .collect();
    (ticks, 1.0)
}

/// One series of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y); drawn in the order given.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title (drawn at the top).
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis unit.
    pub y_unit: Unit,
    /// Whether the y axis starts at zero.
    pub y_from_zero: bool,
    /// The lines drawn, one per series, with a legend entry each.
    pub series: Vec<Series>,
    /// What to say when there are no points.
    pub empty: String,
}

fn header(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{t}" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">
<title>{t}</title>
<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>
<text x="{LEFT}" y="20" font-size="14" font-weight="600" fill="#111827">{t}</text>
"##,
        t = esc(title)
    );
}

fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn no_data(out: &mut String, message: &str) {
    let _ = write!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{w}" height="{h}" fill="#f9fafb" stroke="#e5e7eb"/>
<text x="{cx}" y="{cy}" text-anchor="middle" fill="#6b7280">{m}</text>
"##,
        w = WIDTH - LEFT - RIGHT,
        h = HEIGHT - TOP - BOTTOM,
        cx = LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        cy = TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        m = esc(message)
    );
}

/// A series to draw: its index (colour), the series, its finite points.
type Drawn<'a> = (usize, &'a Series, Vec<(f64, f64)>);

/// Renders `chart` as an SVG document.
pub fn line_chart(chart: &LineChart) -> String {
    let mut out = String::new();
    header(&mut out, &chart.title);
    let series: Vec<Drawn<'_>> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            (i, s, pts)
        })
        .filter(|(_, _, pts)| !pts.is_empty())
        .collect();
    if series.is_empty() {
        no_data(&mut out, &chart.empty);
        out.push_str("</svg>\n");
        return out;
    }
    let all = series.iter().flat_map(|(_, _, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if chart.y_from_zero {
        y0 = y0.min(0.0);
    }
    let (yticks, ystep) = nice_ticks(y0, y1, 5);
    let (xticks, xstep) = x_ticks(x0, x1);
    let ylo = yticks.first().copied().unwrap_or(y0);
    let yhi = yticks.last().copied().unwrap_or(y1);
    let xs = Scale::new(x0, x1, LEFT, WIDTH - RIGHT);
    let ys = Scale::new(ylo, yhi, HEIGHT - BOTTOM, TOP);
    // Grid and y labels.
    for t in &yticks {
        let y = ys.map(*t);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#e5e7eb"/><text x="{lx}" y="{ty:.1}" text-anchor="end" fill="#4b5563">{l}</text>"##,
            x2 = WIDTH - RIGHT,
            lx = LEFT - 6.0,
            ty = y + 4.0,
            l = esc(&chart.y_unit.label(*t, ystep))
        );
    }
    // X labels (only ticks inside the data range).
    let (xs0, xs1) = (xs.d0.min(xs.d1), xs.d0.max(xs.d1));
    for t in xticks
        .iter()
        .filter(|t| **t >= xs0 - 1e-9 && **t <= xs1 + 1e-9)
    {
        let x = xs.map(*t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{yb}" x2="{x:.1}" y2="{yt}" stroke="#9ca3af"/><text x="{x:.1}" y="{ly}" text-anchor="middle" fill="#4b5563">{l}</text>"##,
            yb = HEIGHT - BOTTOM,
            yt = HEIGHT - BOTTOM + 4.0,
            ly = HEIGHT - BOTTOM + 17.0,
            l = esc(&Unit::Count.label(*t, xstep))
        );
    }
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{y}" x2="{x2}" y2="{y}" stroke="#6b7280"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y}" stroke="#6b7280"/><text x="{cx}" y="{ly}" text-anchor="middle" fill="#374151">{xl}</text>"##,
        y = HEIGHT - BOTTOM,
        x2 = WIDTH - RIGHT,
        cx = LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        ly = HEIGHT - 6.0,
        xl = esc(&chart.x_label)
    );
    // Lines.
    for (i, _, pts) in &series {
        let color = PALETTE[i % PALETTE.len()];
        if pts.len() == 1 {
            let (x, y) = pts[0];
            let _ = writeln!(
                out,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"/>"##,
                xs.map(x),
                ys.map(y)
            );
            continue;
        }
        let mut d = String::new();
        for (k, (x, y)) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if k == 0 { "M" } else { " L" },
                xs.map(*x),
                ys.map(*y)
            );
        }
        let _ = writeln!(
            out,
            r##"<path d="{d}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round"/>"##
        );
    }
    // Legend (top right, one row per series, at most 10).
    if chart.series.len() > 1 || !chart.series.first().is_some_and(|s| s.label.is_empty()) {
        let mut y = 14.0;
        for (i, s, _) in series.iter().take(10) {
            let color = PALETTE[i % PALETTE.len()];
            let x = WIDTH - RIGHT - 190.0;
            let _ = writeln!(
                out,
                r##"<rect x="{x}" y="{ry}" width="10" height="10" fill="{color}"/><text x="{tx}" y="{y}" fill="#374151">{l}</text>"##,
                ry = y - 9.0,
                tx = x + 14.0,
                l = esc(&truncate(&s.label, 28))
            );
            y += 14.0;
        }
    }
    out.push_str("</svg>\n");
    out
}

/// One bar of a bar chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label (left of the bar).
    pub label: String,
    /// Value (≥ 0; negative and non-finite values draw as 0).
    pub value: f64,
}

/// Renders horizontal bars (at most 12; the caller aggregates the rest into an "others" bar),
/// each with its label and its value written in `unit` plus its share of the total.
pub fn bar_chart(title: &str, bars: &[Bar], unit: Unit, empty: &str) -> String {
    let mut out = String::new();
    header(&mut out, title);
    let bars: Vec<&Bar> = bars.iter().take(12).collect();
    let clean = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let total: f64 = bars.iter().map(|b| clean(b.value)).sum();
    if bars.is_empty() || total <= 0.0 {
        no_data(&mut out, empty);
        out.push_str("</svg>\n");
        return out;
    }
    let max = bars.iter().map(|b| clean(b.value)).fold(0.0, f64::max);
    let label_w = 190.0;
    let value_w = 170.0;
    let x0 = 12.0 + label_w;
    let scale = Scale::new(0.0, max, x0, WIDTH - RIGHT - value_w);
    let row = ((HEIGHT - TOP - 8.0) / bars.len() as f64).min(26.0);
    for (i, b) in bars.iter().enumerate() {
        let v = clean(b.value);
        let y = TOP + i as f64 * row;
        let w = (scale.map(v) - x0).max(if v > 0.0 { 1.0 } else { 0.0 });
        let share = v / total * 100.0;
        let _ = writeln!(
            out,
            r##"<text x="{lx}" y="{ty:.1}" text-anchor="end" fill="#374151">{l}</text><rect x="{x0}" y="{ry:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"/><text x="{vx:.1}" y="{ty:.1}" fill="#111827">{val} ({share:.1}%)</text>"##,
            lx = x0 - 8.0,
            ty = y + row * 0.5 + 4.0,
            l = esc(&truncate(&b.label, 26)),
            ry = y + row * 0.15,
            h = row * 0.7,
            c = PALETTE[i % PALETTE.len()],
            vx = x0 + w + 6.0,
            val = esc(&unit.label(v, if v >= 100.0 { 1.0 } else { 0.0001 })),
        );
    }
    out.push_str("</svg>\n");
    out
}
