//! Equivocation evidence: two conflicting consensus votes of one seat, as carried by
//! `consensus.report_equivocation`.
//!
//! # Rules
//! - Consensus votes (commonware simplex, ed25519 scheme) are signed under the chain's
//!   consensus namespace [`consensus_namespace`] = `taonet/<chain_id>/<genesis hash hex>`,
//!   followed by `_NOTARIZE`, `_FINALIZE` or `_NULLIFY`. The node builds its engines with this
//!   function and the runtime verifies evidence with it, so both agree byte for byte.
//! - An [`Equivocation`] names the kind of conflict, the consensus epoch and view, the
//!   offender's ed25519 key and the two votes. A notarize or finalize vote carries its
//!   proposal (parent view and payload digest) and signature; a nullify vote only its
//!   signature (it signs the round). Shapes: `Notarize` = two notarize votes, `Finalize` = two
//!   finalize votes, `NullifyFinalize` = `a` a nullify (no proposal), `b` a finalize.
//! - The offence id is SHA-256 of `"taonet/offence/equivocation/v1" ‖ kind ‖ epoch ‖ view ‖
//!   key` ([`Equivocation::offence_id`]): the same offence reported with another pair of
//!   signatures has the same id and is refused as a duplicate.
//! - Encoding (after the call tag `[5, 2]` of `consensus.report_equivocation`): kind (u8),
//!   epoch and view (u64 each), key (32 bytes), then per vote an optional proposal (commonware
//!   `Option`: a bool tag, then the u64 parent view and the 32-byte payload) and the 64-byte
//!   signature. Fixed-size fields only, so decoding is bounded: at most
//!   49 + 2·(1 + 8 + 32 + 64) = 259 bytes.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::{ChainDomain, Hash};

/// Domain tag of equivocation offence ids.
pub const OFFENCE_ID_DOMAIN: &[u8] = b"taonet/offence/equivocation/v1";

/// The base namespace of a chain's consensus votes: `taonet/<chain_id>/<genesis hash hex>`.
pub fn consensus_namespace(domain: &ChainDomain) -> Vec<u8> {
    format!(
        "taonet/{}/{}",
        domain.chain_id,
        hex::encode(domain.genesis_hash.0)
    )
    .into_bytes()
}

/// What kind of conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EquivocationKind {
    /// Two notarize votes for different proposals in one round.
    Notarize,
    /// Two finalize votes for different proposals in one round.
    Finalize,
    /// A nullify and a finalize vote in one round.
    NullifyFinalize,
}

impl EquivocationKind {
    fn tag(self) -> u8 {
        match self {
            EquivocationKind::Notarize => 0,
            EquivocationKind::Finalize => 1,
            EquivocationKind::NullifyFinalize => 2,
        }
    }
}

impl Write for EquivocationKind {
    fn write(&self, buf: &mut impl BufMut) {
        self.tag().write(buf);
    }
}

impl EncodeSize for EquivocationKind {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for EquivocationKind {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(EquivocationKind::Notarize),
            1 => Ok(EquivocationKind::Finalize),
            2 => Ok(EquivocationKind::NullifyFinalize),
            t => Err(Error::InvalidEnum(t)),
        }
    }
}

/// The proposal a notarize or finalize vote signs (its round is the evidence's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteProposal {
    /// View of the parent proposal.
    pub parent: u64,
    /// The payload digest (the block hash).
    pub payload: Hash,
}

crate::plain_codec!(VoteProposal {
    parent: u64,
    payload: Hash,
});

/// One signed vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedVote {
    /// The proposal voted for (`None` for a nullify vote).
    pub proposal: Option<VoteProposal>,
    /// The 64-byte ed25519 signature.
    #[serde(with = "crate::codec::hex_array")]
    pub signature: [u8; 64],
}

impl Write for SignedVote {
    fn write(&self, buf: &mut impl BufMut) {
        self.proposal.write(buf);
        buf.put_slice(&self.signature);
    }
}

impl EncodeSize for SignedVote {
    fn encode_size(&self) -> usize {
        self.proposal.encode_size() + 64
    }
}

impl Read for SignedVote {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(SignedVote {
            proposal: Option::<VoteProposal>::read(buf)?,
            signature: <[u8; 64]>::read(buf)?,
        })
    }
}

/// Two conflicting votes of one consensus key in one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivocation {
    /// What kind of conflict.
    pub kind: EquivocationKind,
    /// Consensus epoch of the round.
    pub epoch: u64,
    /// View of the round.
    pub view: u64,
    /// The offender's ed25519 consensus key.
    #[serde(with = "crate::codec::hex_array")]
    pub key: [u8; 32],
    /// The first vote (the nullify for `NullifyFinalize`).
    pub a: SignedVote,
    /// The second vote (the finalize for `NullifyFinalize`).
    pub b: SignedVote,
}

crate::plain_codec!(Equivocation {
    kind: EquivocationKind,
    epoch: u64,
    view: u64,
    key: [u8; 32],
    a: SignedVote,
    b: SignedVote,
});

impl Equivocation {
    /// The offence id: SHA-256 of the domain tag and the canonical encoding of
    /// `(kind, epoch, view, key)` — independent of the signatures.
    pub fn offence_id(&self) -> Hash {
        let mut buf = Vec::with_capacity(OFFENCE_ID_DOMAIN.len() + 1 + 8 + 8 + 32);
        buf.put_slice(OFFENCE_ID_DOMAIN);
        self.kind.write(&mut buf);
        self.epoch.write(&mut buf);
        self.view.write(&mut buf);
        self.key.write(&mut buf);
        Hash::digest(&buf)
    }
}
