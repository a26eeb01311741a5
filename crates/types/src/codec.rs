//! Binary encoding of taonet's types with `commonware-codec`.
//!
//! # Rules
//! - Integers are fixed-width big-endian; lengths are varints; `bool` is one byte 0/1.
//! - Every variable-length field has an explicit maximum, enforced while decoding, before
//!   anything is allocated for it (see the `MAX_*` constants of each type).
//! - Decoding of untrusted bytes goes through [`commonware_codec::Decode::decode_cfg`] (or
//!   `DecodeExt::decode`), which fails unless the whole buffer is consumed.
//! - Strings are UTF-8 bytes with a length prefix; invalid UTF-8 is rejected.
//! - Enums are a one-byte tag followed by the variant's fields; unknown tags are rejected.
//!
//! Encodings of transactions, blocks and state records are consensus-critical: they are
//! pinned by fixtures in the tests, and changing one is a deliberate act.

use bytes::{Buf as _, BufMut};
use commonware_codec::{Buf, EncodeSize, Error, FixedSize, RangeCfg, Read, ReadExt, Write};

use crate::{AccountId, Hash, Rao};

impl Write for AccountId {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0);
    }
}

impl FixedSize for AccountId {
    const SIZE: usize = 32;
}

impl Read for AccountId {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(AccountId(<[u8; 32]>::read(buf)?))
    }
}

impl Write for Hash {
    fn write(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0);
    }
}

impl FixedSize for Hash {
    const SIZE: usize = 32;
}

impl Read for Hash {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Hash(<[u8; 32]>::read(buf)?))
    }
}

impl Write for Rao {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl FixedSize for Rao {
    const SIZE: usize = 8;
}

impl Read for Rao {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Rao(u64::read(buf)?))
    }
}

/// Writes a length-prefixed UTF-8 string.
pub fn write_str(s: &str, buf: &mut impl BufMut) {
    s.len().write(buf);
    buf.put_slice(s.as_bytes());
}

/// Encoded size of a string written by [`write_str`].
pub fn str_size(s: &str) -> usize {
    s.len().encode_size() + s.len()
}

/// Reads a string written by [`write_str`], at most `max` bytes.
pub fn read_str(buf: &mut impl Buf, max: usize) -> Result<String, Error> {
    let len = usize::read_cfg(buf, &RangeCfg::new(0..=max))?;
    if buf.remaining() < len {
        return Err(Error::EndOfBuffer);
    }
    let mut bytes = vec![0u8; len];
    buf.copy_to_slice(&mut bytes);
    String::from_utf8(bytes).map_err(|_| Error::Invalid("string", "not valid UTF-8"))
}

/// Reads a vector of at most `max` items whose element config is `()`.
pub fn read_vec<T: Read<Cfg = ()>>(buf: &mut impl Buf, max: usize) -> Result<Vec<T>, Error> {
    Vec::<T>::read_cfg(buf, &(RangeCfg::new(0..=max), ()))
}

/// Serde helpers for fixed-size byte arrays written as `0x`-hex strings in JSON
/// (`#[serde(with = "taonet_types::codec::hex_array")]`).
pub mod hex_array {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises as `0x` + lower-case hex.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    /// Parses hex with or without `0x`; the length must be exactly `N` bytes.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").unwrap_or(&s);
        let bytes = hex::decode(digits).map_err(serde::de::Error::custom)?;
        bytes.as_slice().try_into().map_err(|_| {
            serde::de::Error::custom(format!("expected {N} bytes, got {}", bytes.len()))
        })
    }
}

/// Serde helpers for byte vectors written as `0x`-hex strings in JSON
/// (`#[serde(with = "taonet_types::codec::hex_bytes")]`).
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises as `0x` + lower-case hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    /// Parses hex with or without `0x`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        let digits = s.strip_prefix("0x").unwrap_or(&s);
        hex::decode(digits).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, Decode, DecodeExt, Encode};

    #[test]
    fn fixed_types_round_trip_and_reject_trailing_bytes() {
        let id = AccountId([5; 32]);
        assert_eq!(AccountId::decode(id.encode()).unwrap(), id);
        let r = Rao(123_456);
        assert_eq!(r.encode().as_ref(), &123_456u64.to_be_bytes());
        assert_eq!(Rao::decode(r.encode()).unwrap(), r);
        let mut long = r.encode().to_vec();
        long.push(0);
        assert!(matches!(Rao::decode(long), Err(Error::ExtraData(1))));
        assert!(matches!(
            Hash::decode(Copying(&[0u8; 31])),
            Err(Error::EndOfBuffer)
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// The decoders of untrusted bytes never panic, and what decodes round-trips.
        #[test]
        fn decoders_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            use crate::{Block, BlockLimits, SignedTransaction};
            if let Ok(tx) = SignedTransaction::decode_cfg(Copying(&data), &()) {
                proptest::prop_assert_eq!(tx.encode().to_vec(), data.clone());
            }
            if let Ok(b) = Block::decode_cfg(Copying(&data), &BlockLimits { max_transactions: 8 }) {
                proptest::prop_assert_eq!(b.encode().to_vec(), data.clone());
            }
            if let Ok(v) = crate::channel::SignedVoucher::decode(Copying(&data)) {
                proptest::prop_assert_eq!(v.encode().to_vec(), data.clone());
            }
            let _ = crate::HyperparamUpdate::decode(Copying(&data));
            let _ = crate::SeatSet::decode(Copying(&data));
        }
    }

    #[test]
    fn strings_are_bounded_and_utf8() {
        let mut buf = Vec::new();
        write_str("héllo", &mut buf);
        assert_eq!(buf.len(), str_size("héllo"));
        assert_eq!(read_str(&mut Copying(&buf), 16).unwrap(), "héllo");
        assert!(matches!(
            read_str(&mut Copying(&buf), 3),
            Err(Error::InvalidLength(6))
        ));
        let bad = [2u8, 0xff, 0xfe];
        assert!(matches!(
            read_str(&mut Copying(&bad), 16),
            Err(Error::Invalid(..))
        ));
        let short = [5u8, b'a'];
        assert!(matches!(
            read_str(&mut Copying(&short), 16),
            Err(Error::EndOfBuffer)
        ));
    }
}
