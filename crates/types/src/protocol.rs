//! Protocol versions and scheduled upgrades: how the chain changes its rules without a fork.
//!
//! # Rules
//! - Every block carries the protocol version it was built under ([`crate::Block::version`],
//!   covered by the block hash). A chain starts at version 1 ([`GENESIS_VERSION`]); this build
//!   can apply blocks of every version up to [`PROTOCOL_VERSION`], each with the rules of its
//!   own version, so a node syncing from genesis replays old blocks with old rules.
//! - Governance schedules an upgrade with a proposal [`Upgrade`] `{ version, height, name,
//!   notes }`: `version` is exactly the next one, and the first block at or after `height`
//!   runs under it (its migration runs once, at the start of that block). A later proposal
//!   can cancel it before the height. A node that meets a version it cannot run stops there
//!   with a message naming the version, the height and the upgrade, instead of following a
//!   fork.
//! - An upgrade's `name` is 1 to [`MAX_UPGRADE_NAME`] bytes of letters, digits, `.`, `-` and
//!   `_` (it appears in logs and metrics); `notes` at most [`MAX_UPGRADE_NOTES`] bytes. The
//!   decoder enforces both bounds.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::BlockNumber;
use crate::codec::{read_str, str_size, write_str};

/// The protocol version of a new chain.
pub const GENESIS_VERSION: u32 = 1;

/// The newest protocol version this build can run.
pub const PROTOCOL_VERSION: u32 = 2;

/// Longest upgrade name, in bytes.
pub const MAX_UPGRADE_NAME: usize = 64;

/// Longest upgrade notes, in bytes.
pub const MAX_UPGRADE_NOTES: usize = 1024;

/// A protocol upgrade governance schedules (module rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upgrade {
    /// The protocol version blocks run under from `height` on.
    pub version: u32,
    /// The first block of the new version.
    pub height: BlockNumber,
    /// A short name (`[A-Za-z0-9._-]`, 1 to [`MAX_UPGRADE_NAME`] bytes), e.g. `v2-fee-burn`.
    pub name: String,
    /// What changes and what operators must do (at most [`MAX_UPGRADE_NOTES`] bytes).
    pub notes: String,
}

impl Upgrade {
    /// Why `name` is not a valid upgrade name, if it is not.
    pub fn check_name(name: &str) -> Result<(), &'static str> {
        if name.is_empty() || name.len() > MAX_UPGRADE_NAME {
            return Err("an upgrade name is 1 to 64 bytes");
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err("an upgrade name uses only letters, digits, '.', '-' and '_'");
        }
        Ok(())
    }
}

impl Write for Upgrade {
    fn write(&self, buf: &mut impl BufMut) {
        self.version.write(buf);
        self.height.write(buf);
        write_str(&self.name, buf);
        write_str(&self.notes, buf);
    }
}

impl EncodeSize for Upgrade {
    fn encode_size(&self) -> usize {
        4 + 8 + str_size(&self.name) + str_size(&self.notes)
    }
}

impl Read for Upgrade {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let version = u32::read(buf)?;
        let height = BlockNumber::read(buf)?;
        let name = read_str(buf, MAX_UPGRADE_NAME)?;
        Upgrade::check_name(&name).map_err(|e| Error::Invalid("Upgrade", e))?;
        let notes = read_str(buf, MAX_UPGRADE_NOTES)?;
        Ok(Upgrade {
            version,
            height,
            name,
            notes,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use commonware_codec::{Copying, DecodeExt, Encode};

    use super::*;

    fn sample() -> Upgrade {
        Upgrade {
            version: 2,
            height: 1_000,
            name: "v2-fee-burn".into(),
            notes: "burns half of the proposer's fee share".into(),
        }
    }

    #[test]
    fn upgrades_round_trip_and_decode_within_bounds() {
        let u = sample();
        let bytes = u.encode().to_vec();
        assert_eq!(bytes.len(), u.encode_size());
        assert_eq!(Upgrade::decode(Copying(&bytes[..])).unwrap(), u);
        for bad in ["", "has space", "ünïcode", &"x".repeat(65)] {
            let b = Upgrade {
                name: bad.to_string(),
                ..sample()
            };
            assert!(Upgrade::check_name(bad).is_err(), "{bad:?}");
            assert!(
                Upgrade::decode(Copying(&b.encode()[..])).is_err(),
                "{bad:?}"
            );
        }
        let long = Upgrade {
            notes: "n".repeat(MAX_UPGRADE_NOTES + 1),
            ..sample()
        };
        assert!(Upgrade::decode(Copying(&long.encode()[..])).is_err());
        assert!(Upgrade::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }
}
