//! TAO amounts in rao.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Rao per TAO (10⁹).
pub const RAO_PER_TAO: u64 = 1_000_000_000;

/// The supply cap: 21,000,000 TAO, in rao.
pub const MAX_SUPPLY: Rao = Rao(21_000_000 * RAO_PER_TAO);

/// An amount of TAO in its base unit, the rao (1 TAO = 10⁹ rao).
///
/// `Display` prints the amount in TAO with all 9 decimals (`"1.500000000"`); every other
/// text form comes from [`Rao::to_tao_string`] with a [`TaoFormat`]. `FromStr` parses a
/// decimal TAO string (`"1.5"`, `"0.000000001"`, `"21000000"`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rao(pub u64);

impl Rao {
    /// Zero rao.
    pub const ZERO: Rao = Rao(0);
    /// One TAO.
    pub const ONE_TAO: Rao = Rao(RAO_PER_TAO);

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Rao) -> Option<Rao> {
        self.0.checked_add(other.0).map(Rao)
    }

    /// `self - other`, or `None` if `other > self`.
    pub fn checked_sub(self, other: Rao) -> Option<Rao> {
        self.0.checked_sub(other.0).map(Rao)
    }

    /// `self + other`, clamped at `u64::MAX` rao.
    pub fn saturating_add(self, other: Rao) -> Rao {
        Rao(self.0.saturating_add(other.0))
    }

    /// `self - other`, clamped at zero.
    pub fn saturating_sub(self, other: Rao) -> Rao {
        Rao(self.0.saturating_sub(other.0))
    }

    /// Whole TAO and the remaining rao: `(tao, rao)` with `rao < 10⁹`.
    pub fn split(self) -> (u64, u64) {
        (self.0 / RAO_PER_TAO, self.0 % RAO_PER_TAO)
    }

    /// The amount in TAO with trailing zero decimals removed (`"1.5"`, `"2"`):
    /// [`TaoFormat::COMPACT`].
    pub fn to_tao_compact(self) -> String {
        self.to_tao_string(TaoFormat::COMPACT)
    }

    /// The amount in TAO as text, written as `format` says: the one TAO formatter behind
    /// `Display`, the CLI and the explorer.
    ///
    /// ```
    /// use taonet_types::{Rao, TaoFormat};
    ///
    /// let r = Rao(1_234_567_890_123);
    /// assert_eq!(r.to_tao_string(TaoFormat::FIXED), "1234.567890123");
    /// assert_eq!(r.to_tao_string(TaoFormat::COMPACT.with_symbol()), "1234.567890123 τ");
    /// assert_eq!(r.to_tao_string(TaoFormat::COMPACT.grouped()), "1,234.567890123");
    /// assert_eq!(r.to_tao_string(TaoFormat::COMPACT.grouped().at_most(4)), "1,234.5678");
    /// assert_eq!(Rao(10).to_tao_string(TaoFormat::COMPACT.at_most(4)), "< 0.0001");
    /// ```
    pub fn to_tao_string(self, format: TaoFormat) -> String {
        let (whole, rao) = self.split();
        let whole_text = if format.grouped {
            group_thousands(whole)
        } else {
            whole.to_string()
        };
        let mut out = match format.decimals {
            Decimals::All => format!("{whole_text}.{rao:09}"),
            Decimals::Exact => with_decimals(whole_text, rao, 9),
            Decimals::AtMost(n) => {
                let n = usize::from(n.min(9));
                // 10^(9 - n) rao per unit of the last decimal shown (at most 10⁹).
                let step = (n..9).fold(1u64, |acc, _| acc * 10);
                let kept = rao / step;
                if kept == 0 && rao != 0 && whole == 0 {
                    let smallest = if n == 0 {
                        "1".to_string()
                    } else {
                        format!("0.{:0>n$}", 1)
                    };
                    format!("< {smallest}")
                } else {
                    with_decimals(whole_text, kept, n)
                }
            }
        };
        if format.symbol {
            out.push_str(" τ");
        }
        out
    }
}

/// How [`Rao::to_tao_string`] writes an amount: which decimals, whether thousands are
/// grouped, whether the `τ` symbol follows. Every form is exact or rounds down, never up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaoFormat {
    /// Which decimals are written.
    pub decimals: Decimals,
    /// Separate thousands of whole TAO with commas (`1,234.5`).
    pub grouped: bool,
    /// Follow the number with ` τ`.
    pub symbol: bool,
}

/// The decimals of a [`TaoFormat`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decimals {
    /// All nine, trailing zeros kept (`1.500000000`): the fixed-width exact form.
    All,
    /// As many as the amount needs, trailing zeros removed (`1.5`, `2`): exact.
    Exact,
    /// At most this many (0 to 9), rounded down, trailing zeros removed; a non-zero amount
    /// below one unit of the last decimal is written `< 0.0001` (for 4).
    AtMost(u8),
}

impl TaoFormat {
    /// `1234.500000000`: all nine decimals (what `Display` writes).
    pub const FIXED: TaoFormat = TaoFormat {
        decimals: Decimals::All,
        grouped: false,
        symbol: false,
    };
    /// `1234.5`: exact, trailing zeros removed.
    pub const COMPACT: TaoFormat = TaoFormat {
        decimals: Decimals::Exact,
        grouped: false,
        symbol: false,
    };

    /// The same with thousands grouped by commas (`1,234.5`).
    pub const fn grouped(self) -> TaoFormat {
        TaoFormat {
            grouped: true,
            ..self
        }
    }

    /// The same followed by ` τ`.
    pub const fn with_symbol(self) -> TaoFormat {
        TaoFormat {
            symbol: true,
            ..self
        }
    }

    /// The same rounded down to at most `decimals` decimals ([`Decimals::AtMost`]).
    pub const fn at_most(self, decimals: u8) -> TaoFormat {
        TaoFormat {
            decimals: Decimals::AtMost(decimals),
            ..self
        }
    }
}

/// `1234567` → `"1,234,567"`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `whole_text` followed by the `width`-digit fraction `frac` without its trailing zeros
/// (nothing when `frac` is zero).
fn with_decimals(whole_text: String, frac: u64, width: usize) -> String {
    if frac == 0 {
        return whole_text;
    }
    let decimals = format!("{frac:0width$}");
    format!("{whole_text}.{}", decimals.trim_end_matches('0'))
}

impl fmt::Display for Rao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_tao_string(TaoFormat::FIXED))
    }
}

/// Why a TAO amount string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The string was empty (after trimming whitespace).
    #[error("empty amount: write a number of TAO such as 1.5")]
    Empty,
    /// A character other than digits and one decimal point.
    #[error(
        "invalid amount {0:?}: use digits with at most one decimal point, e.g. 1.5 (no sign, no exponent)"
    )]
    Invalid(String),
    /// More than 9 decimals: below one rao.
    #[error("amount {0:?} has more than 9 decimals; 1 rao = 0.000000001 TAO is the smallest unit")]
    TooPrecise(String),
    /// The amount does not fit in a u64 of rao.
    #[error("amount {0:?} is too large")]
    TooLarge(String),
}

impl FromStr for Rao {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AmountError::Empty);
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s, ""),
        };
        let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits_only(whole) || !digits_only(frac) {
            return Err(AmountError::Invalid(s.to_string()));
        }
        if frac.len() > 9 {
            return Err(AmountError::TooPrecise(s.to_string()));
        }
        let too_large = || AmountError::TooLarge(s.to_string());
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let frac_rao: u64 = if frac.is_empty() {
            0
        } else {
            // Right-pad to 9 digits: "5" -> 500_000_000 rao.
            let padded = format!("{frac:0<9}");
            padded
                .parse()
                .map_err(|_| AmountError::Invalid(s.to_string()))?
        };
        whole
            .checked_mul(RAO_PER_TAO)
            .and_then(|r| r.checked_add(frac_rao))
            .map(Rao)
            .ok_or_else(too_large)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimal_tao() {
        assert_eq!("1".parse::<Rao>().unwrap(), Rao(1_000_000_000));
        assert_eq!("1.5".parse::<Rao>().unwrap(), Rao(1_500_000_000));
        assert_eq!(".5".parse::<Rao>().unwrap(), Rao(500_000_000));
        assert_eq!("2.".parse::<Rao>().unwrap(), Rao(2_000_000_000));
        assert_eq!("0.000000001".parse::<Rao>().unwrap(), Rao(1));
        assert_eq!(" 21000000 ".parse::<Rao>().unwrap(), MAX_SUPPLY);
        assert_eq!(
            "18446744073.709551615".parse::<Rao>().unwrap(),
            Rao(u64::MAX)
        );
    }

    #[test]
    fn rejects_bad_amounts_with_distinct_errors() {
        assert_eq!("".parse::<Rao>(), Err(AmountError::Empty));
        assert!(matches!("-1".parse::<Rao>(), Err(AmountError::Invalid(_))));
        assert!(matches!("1e9".parse::<Rao>(), Err(AmountError::Invalid(_))));
        assert!(matches!(
            "1.2.3".parse::<Rao>(),
            Err(AmountError::Invalid(_))
        ));
        assert!(matches!(".".parse::<Rao>(), Err(AmountError::Invalid(_))));
        assert!(matches!(
            "0.0000000001".parse::<Rao>(),
            Err(AmountError::TooPrecise(_))
        ));
        assert!(matches!(
            "18446744073.709551616".parse::<Rao>(),
            Err(AmountError::TooLarge(_))
        ));
        assert!(matches!(
            "99999999999999999999".parse::<Rao>(),
            Err(AmountError::TooLarge(_))
        ));
    }

    #[test]
    fn formats() {
        assert_eq!(Rao(1_500_000_000).to_string(), "1.500000000");
        assert_eq!(Rao(1).to_string(), "0.000000001");
        assert_eq!(Rao(1_500_000_000).to_tao_compact(), "1.5");
        assert_eq!(Rao(3_000_000_000).to_tao_compact(), "3");
        let grouped = TaoFormat::COMPACT.grouped().with_symbol();
        assert_eq!(Rao(1_234_500_000_000).to_tao_string(grouped), "1,234.5 τ");
        assert_eq!(Rao(1).to_tao_string(grouped), "0.000000001 τ");
        assert_eq!(Rao(0).to_tao_string(grouped), "0 τ");
        assert_eq!(Rao(u64::MAX).to_string(), "18446744073.709551615");
        let short = grouped.at_most(4);
        assert_eq!(Rao(1_234_567_890_123).to_tao_string(short), "1,234.5678 τ");
        assert_eq!(Rao(10).to_tao_string(short), "< 0.0001 τ");
        assert_eq!(Rao(2_000_000_000).to_tao_string(short), "2 τ");
        assert_eq!(Rao(2_000_000_010).to_tao_string(short), "2 τ");
        assert_eq!(Rao(0).to_tao_string(short), "0 τ");
        assert_eq!(Rao(1).to_tao_string(TaoFormat::COMPACT.at_most(0)), "< 1");
        assert_eq!(
            Rao(1).to_tao_string(TaoFormat::COMPACT.at_most(9)),
            "0.000000001"
        );
        assert_eq!(
            Rao(1).to_tao_string(TaoFormat::COMPACT.at_most(12)),
            "0.000000001"
        );
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn checked_arithmetic() {
        assert_eq!(Rao(u64::MAX).checked_add(Rao(1)), None);
        assert_eq!(Rao(1).checked_sub(Rao(2)), None);
        assert_eq!(Rao(1).saturating_sub(Rao(2)), Rao::ZERO);
    }

    proptest! {
        #[test]
        fn display_round_trips(v in any::<u64>()) {
            let r = Rao(v);
            prop_assert_eq!(r.to_string().parse::<Rao>().unwrap(), r);
            prop_assert_eq!(r.to_tao_compact().parse::<Rao>().unwrap(), r);
        }
    }
}
