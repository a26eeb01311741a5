//! Plain-text formatting of chain values for display: amounts, proportions, heights, times,
//! hashes. Every function returns text (not markup); callers escape it with
//! [`crate::html::esc`] like any other string.

use taonet_types::{RAO_PER_TAO, Rao, TaoFormat, abbreviate, group_thousands};

/// `1234567` → `"1,234,567"` ([`taonet_types::group_thousands`]).
pub fn group(n: u64) -> String {
    group_thousands(n)
}

/// An amount in TAO, exact, with thousands separators and trailing zero decimals removed:
/// `Rao(1_234_500_000_000)` → `"1,234.5 τ"`, `Rao(1)` → `"0.000000001 τ"`.
pub fn tao(amount: Rao) -> String {
    amount.to_tao_string(TaoFormat::COMPACT.grouped().with_symbol())
}

/// [`tao`] without the unit.
pub fn tao_number(amount: Rao) -> String {
    amount.to_tao_string(TaoFormat::COMPACT.grouped())
}

/// An amount in TAO rounded down to at most 4 decimals, for dense tables:
/// `Rao(1_234_567_890_123)` → `"1,234.5678 τ"`, `Rao(10)` → `"< 0.0001 τ"`.
pub fn tao_short(amount: Rao) -> String {
    amount.to_tao_string(TaoFormat::COMPACT.grouped().at_most(4).with_symbol())
}

/// A u16 proportion (`u16::MAX` = 1) as a decimal with 4 places: `32768` → `"0.5000"`.
pub fn proportion(v: u16) -> String {
    // Exact rounding in integers: v / 65535 to 4 places.
    let scaled = (u64::from(v) * 20_000 + 65_535) / (2 * 65_535);
    format!("{}.{:04}", scaled / 10_000, scaled % 10_000)
}

/// `part / total` as a decimal with 4 places, rounded to nearest like [`proportion`]:
/// `(1, 3)` → `"0.3333"`, `(2, 3)` → `"0.6667"`; `"0.0000"` when `total` is 0.
pub fn fraction(part: u64, total: u64) -> String {
    if total == 0 {
        return "0.0000".into();
    }
    let total = u128::from(total);
    let scaled = (u128::from(part) * 20_000 + total) / (2 * total);
    format!("{}.{:04}", scaled / 10_000, scaled % 10_000)
}

/// A u16 proportion as a percentage with 2 places: `u16::MAX` → `"100.00%"`.
pub fn percent_u16(v: u16) -> String {
    let basis = (u64::from(v) * 20_000 + 65_535) / (2 * 65_535);
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// Parts per billion as a percentage with 2 places: `123_456_789` → `"12.35%"`.
pub fn percent_ppb(ppb: u64) -> String {
    let basis = (u128::from(ppb) + 50_000) / 100_000;
    format!("{}.{:02}%", basis / 100, basis % 100)
}

/// `0x1234…cdef` (the first and last 4 hex digits) of a `0x`-hex string
/// ([`taonet_types::abbreviate`] on the digits); short strings are returned unchanged.
pub fn short_hex(s: &str) -> String {
    match s.strip_prefix("0x") {
        Some(digits) => format!("0x{}", abbreviate(digits, 4, 4)),
        None => abbreviate(s, 4, 4),
    }
}

/// `5GrwvaEF…utQY`: the first 8 and last 4 characters of an SS58 address (or any id;
/// [`taonet_types::abbreviate`]).
pub fn short_address(s: &str) -> String {
    abbreviate(s, 8, 4)
}

/// Commitment data as shown: its text when it is UTF-8 without control characters, else
/// `0x`-hex: `b"sha256:ab"` → `"sha256:ab"`, `[0, 1]` → `"0x0001"`.
pub fn commitment(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => text.to_string(),
        _ => {
            let mut out = String::with_capacity(2 + 2 * data.len());
            out.push_str("0x");
            for b in data {
                out.push_str(&format!("{b:02x}"));
            }
            out
        }
    }
}

/// The bytes of a `0x`-hex string (as the RPC sends commitment data); `None` if it is not
/// hex.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if !digits.len().is_multiple_of(2) || !digits.is_ascii() {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).ok())
        .collect()
}

/// `s` cut to its first `max` characters, with `…` when it was longer.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// How long ago `then_ms` was, seen at `now_ms`: `"4 s ago"`, `"3 min ago"`, `"2 h ago"`,
/// `"5 d ago"`; `"just now"` for the future or under a second.
pub fn age(then_ms: u64, now_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    match secs {
        0 => "just now".into(),
        1..=119 => format!("{secs} s ago"),
        120..=7_199 => format!("{} min ago", secs / 60),
        7_200..=172_799 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// The current time in milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// An amount as a float number of TAO (for chart coordinates only).
pub fn tao_f64(amount: Rao) -> f64 {
    amount.0 as f64 / RAO_PER_TAO as f64
}
