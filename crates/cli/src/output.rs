//! How the CLI shows things: TAO amounts, shortened addresses, proportions, tables and
//! JSON lines.
//!
//! # Rules
//! - Human output goes to stdout; with `--json` stdout carries only JSON, one value per
//!   line ([`print_json`]), and messages go to stderr.
//! - Amounts are exact ([`tao`]); addresses in tables are shortened ([`short`]) where the
//!   whole address is available elsewhere (`--json`, a `show` command).

use anyhow::Result;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use taonet_types::{Rao, TaoFormat, abbreviate};

/// `1.5 τ`: an amount in TAO, exact, trailing zeros removed
/// ([`TaoFormat::COMPACT`] with the symbol).
pub fn tao(r: Rao) -> String {
    r.to_tao_string(TaoFormat::COMPACT.with_symbol())
}

/// A shortened SS58 address for tables: `5Grwv…utQY` (the first 5 and last 4 characters;
/// [`taonet_types::abbreviate`]).
pub fn short(addr: &str) -> String {
    abbreviate(addr, 5, 4)
}

/// A u16 proportion as a 0..1 decimal.
pub fn unit(v: u16) -> String {
    format!("{:.4}", f64::from(v) / f64::from(u16::MAX))
}

/// A u16 proportion as a percentage.
pub fn percent(v: u16) -> String {
    format!("{:.2}%", f64::from(v) / f64::from(u16::MAX) * 100.0)
}

/// A new table in the CLI's style.
pub fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

/// Prints `value` as one JSON line.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_addresses_and_units() {
        let a = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert_eq!(short(a), "5Grwv…utQY");
        assert_eq!(unit(u16::MAX), "1.0000");
        assert_eq!(percent(0), "0.00%");
        assert_eq!(tao(Rao(1_500_000_000)), "1.5 τ");
    }
}
