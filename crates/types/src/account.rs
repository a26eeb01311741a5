//! Account identifiers.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 32-byte public key of an account (a coldkey or a hotkey).
///
/// Its human form is an SS58 address (see `taonet-crypto`); here it prints and parses as
/// `0x`-prefixed lower-case hex, and serialises that way in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct AccountId(pub [u8; 32]);

/// Why a hex account id was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountIdError {
    /// Not valid hex.
    #[error("account id is not valid hex: {0}")]
    Hex(String),
    /// Valid hex but not 32 bytes.
    #[error("account id must be 32 bytes (64 hex digits), got {0} bytes")]
    Length(usize),
}

impl AccountId {
    /// The raw public key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `0x` + 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses 64 hex digits, with or without a `0x` prefix.
    pub fn from_hex(s: &str) -> Result<Self, AccountIdError> {
        let s = s.trim();
        let digits = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(digits).map_err(|e| AccountIdError::Hex(e.to_string()))?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| AccountIdError::Length(bytes.len()))?;
        Ok(AccountId(arr))
    }
}

impl From<[u8; 32]> for AccountId {
    fn from(bytes: [u8; 32]) -> Self {
        AccountId(bytes)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.to_hex())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let id = AccountId([7u8; 32]);
        assert_eq!(AccountId::from_hex(&id.to_hex()).unwrap(), id);
        assert_eq!(AccountId::from_hex(&hex::encode([7u8; 32])).unwrap(), id);
        assert_eq!(
            AccountId::from_hex("0x0102"),
            Err(AccountIdError::Length(2))
        );
        assert!(matches!(
            AccountId::from_hex("0xzz"),
            Err(AccountIdError::Hex(_))
        ));
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
    }
}
