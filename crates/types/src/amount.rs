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
/// `Display` prints the amount in TAO with all 9 decimals (`"1.500000000"`); `FromStr`
/// parses a decimal TAO string (`"1.5"`, `"0.000000001"`, `"21000000"`).
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

    /// The amount in TAO with trailing zero decimals removed (`"1.5"`, `"2"`).
    pub fn to_tao_compact(self) -> String {
        let (tao, rao) = self.split();
        if rao == 0 {
            return tao.to_string();
        }
        let decimals = format!("{rao:09}");
        format!("{tao}.{}", decimals.trim_end_matches('0'))
    }
}

impl fmt::Display for Rao {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tao, rao) = self.split();
        write!(f, "{tao}.{rao:09}")
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
