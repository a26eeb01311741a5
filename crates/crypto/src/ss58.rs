//! SS58 addresses (format 42).
//!
//! # Rules
//! An address is Base58 (Bitcoin alphabet) of `prefix ‖ public key ‖ checksum` where, for the
//! generic Substrate format used by Bittensor and taonet, `prefix` is the single byte `42`, the
//! key is 32 bytes and the checksum is the first two bytes of
//! BLAKE2b-512(`"SS58PRE"` ‖ prefix ‖ key). The result is 48 characters starting with `5`.
//!
//! Decoding accepts only that form and says precisely what is wrong otherwise:
//! [`Ss58Error::Base58`] (not Base58), [`Ss58Error::Length`] (decodes to the wrong number of
//! bytes), [`Ss58Error::Prefix`] (another network's address), [`Ss58Error::Checksum`] (a typo).

use blake2::{Blake2b512, Digest};
use taonet_types::AccountId;

/// The SS58 address format taonet uses (the generic Substrate format, as Bittensor does).
pub const SS58_PREFIX: u16 = 42;

/// Longest string accepted for decoding; a 35-byte payload is 48 characters.
const MAX_ADDRESS_CHARS: usize = 64;

/// Why an SS58 string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ss58Error {
    /// Not valid Base58, or absurdly long.
    #[error("not an SS58 address: {0} (expected 48 Base58 characters starting with 5)")]
    Base58(String),
    /// Valid Base58, but not 35 bytes (1 prefix + 32 key + 2 checksum).
    #[error("SS58 address decodes to {0} bytes; a format-42 address of a 32-byte key has 35")]
    Length(usize),
    /// An address of another network format.
    #[error("SS58 address has format {0}; taonet uses format 42 (addresses starting with 5)")]
    Prefix(u16),
    /// The checksum does not match: usually a mistyped character.
    #[error("SS58 address checksum mismatch: the address has a typo")]
    Checksum,
}

fn checksum(payload: &[u8]) -> [u8; 2] {
    let mut h = Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(payload);
    let out = h.finalize();
    [out[0], out[1]]
}

/// Encodes a public key as a format-42 SS58 address.
pub fn encode(key: &[u8; 32]) -> String {
    let mut payload = Vec::with_capacity(35);
    payload.push(SS58_PREFIX as u8);
    payload.extend_from_slice(key);
    let sum = checksum(&payload);
    payload.extend_from_slice(&sum);
    bs58::encode(payload).into_string()
}

/// Decodes a format-42 SS58 address to its 32-byte public key.
pub fn decode(address: &str) -> Result<[u8; 32], Ss58Error> {
    let address = address.trim();
    if address.is_empty() || address.len() > MAX_ADDRESS_CHARS {
        return Err(Ss58Error::Base58(format!(
            "{} characters",
            address.chars().count()
        )));
    }
    let bytes = bs58::decode(address)
        .into_vec()
        .map_err(|e| Ss58Error::Base58(e.to_string()))?;
    // Determine the prefix first so another network's address is reported as such.
    let (prefix, prefix_len) = match bytes.first() {
        Some(&b) if b < 64 => (u16::from(b), 1),
        Some(&b) if b < 128 => match bytes.get(1) {
            // Two-byte "full" format prefix (14 bits), as in the SS58 specification.
            Some(&b1) => {
                let lower = (u16::from(b) << 2) | (u16::from(b1) >> 6);
                let upper = u16::from(b1 & 0b0011_1111);
                (lower | (upper << 8), 2)
            }
            None => return Err(Ss58Error::Length(bytes.len())),
        },
        Some(_) => return Err(Ss58Error::Base58("reserved SS58 prefix byte".into())),
        None => return Err(Ss58Error::Length(0)),
    };
    if bytes.len() != prefix_len + 32 + 2 {
        if prefix != SS58_PREFIX {
            return Err(Ss58Error::Prefix(prefix));
        }
        return Err(Ss58Error::Length(bytes.len()));
    }
    if prefix != SS58_PREFIX {
        return Err(Ss58Error::Prefix(prefix));
    }
    let (payload, sum) = bytes.split_at(33);
    if checksum(payload) != sum {
        return Err(Ss58Error::Checksum);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&payload[1..]);
    Ok(key)
}

/// SS58 conversions for [`AccountId`].
pub trait Ss58: Sized {
    /// The format-42 SS58 address.
    fn to_ss58(&self) -> String;
    /// Parses a format-42 SS58 address.
    fn from_ss58(address: &str) -> Result<Self, Ss58Error>;
}

impl Ss58 for AccountId {
    fn to_ss58(&self) -> String {
        encode(&self.0)
    }

    fn from_ss58(address: &str) -> Result<Self, Ss58Error> {
        decode(address).map(AccountId)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const ALICE_HEX: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    #[test]
    fn known_address() {
        let key: [u8; 32] = hex::decode(ALICE_HEX).unwrap().try_into().unwrap();
        assert_eq!(encode(&key), ALICE);
        assert_eq!(decode(ALICE).unwrap(), key);
    }

    #[test]
    fn distinct_errors() {
        // Bad Base58 ('0' and 'l' are not in the alphabet).
        assert!(matches!(decode("5Grwva0l"), Err(Ss58Error::Base58(_))));
        assert!(matches!(decode(""), Err(Ss58Error::Base58(_))));
        // Wrong length: a format-42 payload with a 20-byte key.
        let mut short = vec![42u8];
        short.extend_from_slice(&[1u8; 20]);
        short.extend_from_slice(&[0, 0]);
        assert_eq!(
            decode(&bs58::encode(&short).into_string()),
            Err(Ss58Error::Length(23))
        );
        // Wrong prefix: Polkadot (0) and Kusama (2) addresses of the same key.
        let key: [u8; 32] = hex::decode(ALICE_HEX).unwrap().try_into().unwrap();
        for prefix in [0u8, 2] {
            let mut p = vec![prefix];
            p.extend_from_slice(&key);
            let sum = checksum(&p);
            p.extend_from_slice(&sum);
            assert_eq!(
                decode(&bs58::encode(&p).into_string()),
                Err(Ss58Error::Prefix(u16::from(prefix)))
            );
        }
        // Bad checksum: change one character.
        let mut typo = ALICE.to_string();
        typo.replace_range(10..11, "Y");
        assert_eq!(decode(&typo), Err(Ss58Error::Checksum));
    }

    proptest! {
        #[test]
        fn round_trip(key in any::<[u8; 32]>()) {
            let a = encode(&key);
            prop_assert_eq!(a.len(), 48);
            prop_assert!(a.starts_with('5'));
            prop_assert_eq!(decode(&a).unwrap(), key);
        }

        #[test]
        fn never_panics(s in ".{0,80}") {
            let _ = decode(&s);
        }
    }
}
