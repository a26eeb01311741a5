//! The value side of a parameter table: how a value of each type is written as text, read
//! back from text, and checked against its bounds.
//!
//! # Rules
//! - Every parameter's type implements [`ParamValue`]: amounts ([`Rao`]) are written and read
//!   as decimal TAO (`"0.5"`), integers as plain decimal numbers (`_` allowed as a separator
//!   when read: `"250_000_000"`), flags as `true`/`false` (also read: `yes`/`no`, `on`/`off`,
//!   `1`/`0`).
//! - A bound is an inclusive interval `[min, max]` of the value's own type; a side equal to
//!   the type's extreme is not stated in the refusal ("at most 1 TAO", "at least 1", "within
//!   [1, 1,024]"), followed by the parameter's [`Unit`].
//! - Nothing here uses floating point; bound checks are plain integer comparisons.

use crate::{Rao, group_thousands};

/// What a parameter's number counts, as shown after a bound and in listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// An amount, written in TAO.
    Tao,
    /// A number of blocks.
    Blocks,
    /// A number of subnet epochs (tempos).
    Epochs,
    /// A number of consensus epochs (seat-set periods).
    ConsensusEpochs,
    /// A ratio in parts per billion (1,000,000,000 = 100%).
    Ppb,
    /// A ratio in parts per million (1,000,000 = 100% or ×1).
    Ppm,
    /// A ratio as a u16 proportion (65,535 = 100%).
    Proportion,
    /// A number of bytes.
    Bytes,
    /// A count, key or other plain number.
    Number,
    /// A yes/no switch.
    Flag,
    /// A record of parameters of its own (set one field at a time).
    Record,
}

impl Unit {
    /// The text written after a number of this unit (`" blocks"`, `" ppb"`, or nothing).
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Tao => " TAO",
            Unit::Blocks => " blocks",
            Unit::Epochs => " epochs",
            Unit::ConsensusEpochs => " consensus epochs",
            Unit::Ppb => " ppb",
            Unit::Ppm => " ppm",
            Unit::Proportion => " (of 65,535)",
            Unit::Bytes => " bytes",
            Unit::Number | Unit::Flag | Unit::Record => "",
        }
    }
}

/// One row of a parameter table, for listings: the field's name, unit and documentation,
/// and whether an update sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field's name, which is also the name users type to change it.
    pub name: &'static str,
    /// What its number counts.
    pub unit: Unit,
    /// Whether an update (a governance proposal or an owner's call) can change it.
    pub settable: bool,
    /// The field's documentation.
    pub doc: &'static str,
}

/// Why a `NAME` / `VALUE` text pair is not a parameter update.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamParseError {
    /// No settable parameter has this name.
    #[error("{name:?} is not a settable parameter; valid names: {}", valid.join(", "))]
    UnknownName {
        /// The name as given.
        name: String,
        /// The names that are settable in the table that was asked.
        valid: &'static [&'static str],
    },
    /// The value is not text of the parameter's type.
    #[error("{value:?} is not a valid value for {name}: expected {expected}")]
    BadValue {
        /// The parameter's name as given.
        name: String,
        /// The text given.
        value: String,
        /// What a value looks like.
        expected: String,
    },
}

impl ParamParseError {
    /// The same error for a parameter of the record field `field` (`tempo` becomes
    /// `default_hyperparams.tempo`).
    pub fn within(self, field: &str) -> Self {
        match self {
            ParamParseError::UnknownName { name, valid } => ParamParseError::UnknownName {
                name: format!("{field}.{name}"),
                valid,
            },
            ParamParseError::BadValue {
                name,
                value,
                expected,
            } => ParamParseError::BadValue {
                name: format!("{field}.{name}"),
                value,
                expected,
            },
        }
    }
}

/// A type a parameter can have: its text forms, its extremes, and its neighbours (for
/// testing bounds).
pub(crate) trait ParamValue: Copy + Ord {
    /// The smallest value of the type (a lower bound equal to it is not stated).
    const MIN: Self;
    /// The largest value of the type (an upper bound equal to it is not stated).
    const MAX: Self;
    /// What a text value looks like, for a refusal.
    const EXPECTED: &'static str;
    /// Reads a value from user text (surrounding white space is ignored).
    fn parse_text(text: &str) -> Option<Self>;
    /// The value as users write it (`"0.5"` for half a TAO, `"20"`, `"true"`).
    fn text(&self) -> String;
    /// The value as written in a bound (thousands grouped: `"10,000,000"`).
    fn bound_text(&self) -> String;
    /// The next smaller value, if any.
    #[cfg(test)]
    fn below(self) -> Option<Self>;
    /// The next larger value, if any.
    #[cfg(test)]
    fn above(self) -> Option<Self>;
}

macro_rules! unsigned_value {
    ($($t:ty => $expected:literal),* $(,)?) => {$(
        impl ParamValue for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            const EXPECTED: &'static str = $expected;
            fn parse_text(text: &str) -> Option<Self> {
                text.trim().replace('_', "").parse().ok()
            }
            fn text(&self) -> String {
                self.to_string()
            }
            fn bound_text(&self) -> String {
                group_thousands(u64::from(*self))
            }
            #[cfg(test)]
            fn below(self) -> Option<Self> {
                self.checked_sub(1)
            }
            #[cfg(test)]
            fn above(self) -> Option<Self> {
                self.checked_add(1)
            }
        }
    )*};
}

unsigned_value!(
    u16 => "a whole number up to 65,535",
    u32 => "a whole number up to 4,294,967,295",
    u64 => "a whole number",
);

impl ParamValue for i16 {
    const MIN: Self = i16::MIN;
    const MAX: Self = i16::MAX;
    const EXPECTED: &'static str = "a whole number from -32,768 to 32,767";
    fn parse_text(text: &str) -> Option<Self> {
        text.trim().replace('_', "").parse().ok()
    }
    fn text(&self) -> String {
        self.to_string()
    }
    fn bound_text(&self) -> String {
        let sign = if *self < 0 { "-" } else { "" };
        format!("{sign}{}", group_thousands(u64::from(self.unsigned_abs())))
    }
    #[cfg(test)]
    fn below(self) -> Option<Self> {
        self.checked_sub(1)
    }
    #[cfg(test)]
    fn above(self) -> Option<Self> {
        self.checked_add(1)
    }
}

impl ParamValue for bool {
    const MIN: Self = false;
    const MAX: Self = true;
    const EXPECTED: &'static str = "true or false";
    fn parse_text(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        }
    }
    fn text(&self) -> String {
        self.to_string()
    }
    fn bound_text(&self) -> String {
        self.to_string()
    }
    #[cfg(test)]
    fn below(self) -> Option<Self> {
        self.then_some(false)
    }
    #[cfg(test)]
    fn above(self) -> Option<Self> {
        (!self).then_some(true)
    }
}

impl ParamValue for Rao {
    const MIN: Self = Rao::ZERO;
    const MAX: Self = Rao(u64::MAX);
    const EXPECTED: &'static str = "an amount in TAO with at most 9 decimals, such as 0.5";
    fn parse_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    fn text(&self) -> String {
        self.to_tao_compact()
    }
    fn bound_text(&self) -> String {
        let (whole, _) = self.split();
        let compact = self.to_tao_compact();
        match compact.split_once('.') {
            Some((_, decimals)) => format!("{}.{decimals}", group_thousands(whole)),
            None => group_thousands(whole),
        }
    }
    #[cfg(test)]
    fn below(self) -> Option<Self> {
        self.0.checked_sub(1).map(Rao)
    }
    #[cfg(test)]
    fn above(self) -> Option<Self> {
        self.0.checked_add(1).map(Rao)
    }
}

/// Checks `min ≤ v ≤ max`; the refusal states the bound in words.
pub(crate) fn check_bounds<T: ParamValue>(v: T, min: T, max: T, unit: Unit) -> Result<(), String> {
    if min <= v && v <= max {
        return Ok(());
    }
    let s = unit.suffix();
    Err(if min == T::MIN {
        format!("at most {}{s}", max.bound_text())
    } else if max == T::MAX {
        format!("at least {}{s}", min.bound_text())
    } else {
        format!("within [{}, {}]{s}", min.bound_text(), max.bound_text())
    })
}

/// Reads the value of the parameter `name` from user text.
pub(crate) fn parse_value<T: ParamValue>(name: &str, text: &str) -> Result<T, ParamParseError> {
    T::parse_text(text).ok_or_else(|| ParamParseError::BadValue {
        name: name.to_string(),
        value: text.to_string(),
        expected: T::EXPECTED.to_string(),
    })
}

/// Splits the text of a parameter made of `count` values (`"2000, 60000"`) at its commas.
pub(crate) fn split_values<'a>(
    name: &str,
    text: &'a str,
    fields: &[&str],
) -> Result<Vec<&'a str>, ParamParseError> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() == fields.len() {
        return Ok(parts);
    }
    Err(ParamParseError::BadValue {
        name: name.to_string(),
        value: text.to_string(),
        expected: format!(
            "{} comma-separated values: {}",
            fields.len(),
            fields.join(",")
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::RAO_PER_TAO;

    #[test]
    fn text_forms() {
        assert_eq!(u32::parse_text(" 250_000_000 "), Some(250_000_000));
        assert_eq!(u16::parse_text("70000"), None);
        assert_eq!(bool::parse_text("Yes"), Some(true));
        assert_eq!(bool::parse_text("maybe"), None);
        assert_eq!(Rao::parse_text("0.0002"), Some(Rao(200_000)));
        assert_eq!(Rao::parse_text("1.0000000001"), None);
        assert_eq!(Rao(1_500_000_000).text(), "1.5");
        assert_eq!(Rao(1_000_000 * RAO_PER_TAO).bound_text(), "1,000,000");
        assert_eq!(Rao(RAO_PER_TAO / 10 + 1).bound_text(), "0.100000001");
        assert_eq!((-1234i16).bound_text(), "-1,234");
    }

    #[test]
    fn bounds_in_words() {
        assert_eq!(check_bounds(5u64, 0, 5, Unit::Blocks), Ok(()));
        assert_eq!(
            check_bounds(6u64, 0, 5, Unit::Blocks).unwrap_err(),
            "at most 5 blocks"
        );
        assert_eq!(
            check_bounds(0u16, 1, u16::MAX, Unit::Number).unwrap_err(),
            "at least 1"
        );
        assert_eq!(
            check_bounds(0u32, 1, 10_000_000, Unit::Ppb).unwrap_err(),
            "within [1, 10,000,000] ppb"
        );
        assert_eq!(
            check_bounds(Rao(2 * RAO_PER_TAO), Rao::ZERO, Rao(RAO_PER_TAO), Unit::Tao).unwrap_err(),
            "at most 1 TAO"
        );
    }
}
