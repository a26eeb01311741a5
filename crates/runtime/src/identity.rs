//! On-chain identities: a name, a URL and a description an account publishes for itself, as
//! btcli's `wallet set-identity` does with subtensor's chain identity.
//!
//! # Rules
//! - `identity.set(name, url, description)` is a **paying** call signed by the account whose
//!   identity it is: in practice a coldkey (the explorer shows a hotkey under its owner
//!   coldkey's identity). The normal fee (`tx_base_fee + tx_byte_fee × size`) prices its bytes;
//!   no deposit is taken, since state is bounded by one identity per account.
//! - Each field is at most [`MAX_TEXT`] bytes of UTF-8 (the decoder refuses longer text and
//!   invalid UTF-8; the call refuses longer text too, `TooLong`, for a call not built by the
//!   decoder) and contains no control character (`ControlCharacter`: no newline, tab, escape,
//!   …, so the text shows on one line wherever it is displayed). `name` is not empty
//!   (`NoName`); `url` and `description` may be.
//! - A set identity replaces the signer's previous one, whole; it is stored by account as
//!   [`Identity`] `{ name, url, description, block }`, `block` being the block that included it.
//! - `identity.clear()` removes the signer's identity; an account without one is refused
//!   (`NotSet`). A call that fails pays its fee and changes nothing else.
//! - An identity is never touched by any other rule: it stays while the account exists or
//!   not (an account reaped for a zero balance keeps its identity until it clears it).
//! - The stored record is a format version ([`Identity::FORMAT_VERSION`], 1) followed by the
//!   three texts (length-prefixed, at most [`MAX_TEXT`] bytes each) and the block; another
//!   version, longer text, invalid UTF-8 or trailing bytes are decode errors.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::Serialize;
use taonet_types::codec::{read_str, str_size, write_str};
use taonet_types::tx::MAX_TEXT;
use taonet_types::{AccountId, BlockNumber};

use crate::state::State;

/// Why an `identity.set` or `identity.clear` call was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum IdentityError {
    /// `identity.set` without a name.
    #[error("an identity needs a name; to remove an identity use identity.clear")]
    NoName,
    /// A field longer than [`MAX_TEXT`] bytes.
    #[error("identity {field} is {len} bytes; at most {max} are allowed")]
    TooLong {
        /// Which field: name, url or description.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// [`MAX_TEXT`].
        max: usize,
    },
    /// A field containing a control character.
    #[error(
        "identity {field} contains a control character (U+{code:04X}); newlines, tabs and other control characters are not allowed"
    )]
    ControlCharacter {
        /// Which field: name, url or description.
        field: &'static str,
        /// The first control character's code point.
        code: u32,
    },
    /// `identity.clear` by an account that has no identity.
    #[error("this account has no identity to clear")]
    NotSet,
}

/// The identity of one account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Display name (1 to [`MAX_TEXT`] bytes).
    pub name: String,
    /// A URL (at most [`MAX_TEXT`] bytes; may be empty).
    pub url: String,
    /// A description (at most [`MAX_TEXT`] bytes; may be empty).
    pub description: String,
    /// The block that included the identity.
    pub block: BlockNumber,
}

impl Identity {
    /// The version byte that starts the stored record; decoding refuses any other.
    pub const FORMAT_VERSION: u8 = 1;
}

impl Write for Identity {
    fn write(&self, buf: &mut impl BufMut) {
        Self::FORMAT_VERSION.write(buf);
        write_str(&self.name, buf);
        write_str(&self.url, buf);
        write_str(&self.description, buf);
        self.block.write(buf);
    }
}

impl EncodeSize for Identity {
    fn encode_size(&self) -> usize {
        1 + str_size(&self.name)
            + str_size(&self.url)
            + str_size(&self.description)
            + self.block.encode_size()
    }
}

impl Read for Identity {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        if u8::read(buf)? != Self::FORMAT_VERSION {
            return Err(Error::Invalid("Identity", "unknown format version"));
        }
        Ok(Identity {
            name: read_str(buf, MAX_TEXT)?,
            url: read_str(buf, MAX_TEXT)?,
            description: read_str(buf, MAX_TEXT)?,
            block: BlockNumber::read(buf)?,
        })
    }
}

/// Checks the three texts of an `identity.set` against the rules of this module (the same
/// check the runtime makes; clients use it to refuse bad input before signing).
pub fn check_identity(name: &str, url: &str, description: &str) -> Result<(), IdentityError> {
    for (field, text) in [("name", name), ("url", url), ("description", description)] {
        if text.len() > MAX_TEXT {
            return Err(IdentityError::TooLong {
                field,
                len: text.len(),
                max: MAX_TEXT,
            });
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(IdentityError::ControlCharacter {
                field,
                code: u32::from(c),
            });
        }
    }
    if name.is_empty() {
        return Err(IdentityError::NoName);
    }
    Ok(())
}

impl State {
    /// `identity.set`: stores the signer's identity, replacing any previous one.
    pub fn set_identity(
        &mut self,
        signer: &AccountId,
        name: &str,
        url: &str,
        description: &str,
    ) -> Result<(), IdentityError> {
        check_identity(name, url, description)?;
        let block = self.globals.height;
        self.identities.insert(
            *signer,
            Identity {
                name: name.to_owned(),
                url: url.to_owned(),
                description: description.to_owned(),
                block,
            },
        );
        Ok(())
    }

    /// `identity.clear`: removes the signer's identity.
    pub fn clear_identity(&mut self, signer: &AccountId) -> Result<(), IdentityError> {
        if self.identities.get(signer).is_none() {
            return Err(IdentityError::NotSet);
        }
        self.identities.remove(signer);
        Ok(())
    }
}
