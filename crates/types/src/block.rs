//! Blocks and consensus seats.
//!
//! # Rules
//! - A block names its parent by hash and has `height = parent height + 1`; the genesis
//!   block has height 0 and parent [`Hash::ZERO`].
//! - `state_root` is the root of the state *after* applying the block; `seats`, present only
//!   in the last block of a consensus epoch, is the seat set elected (by the runtime) for a
//!   later epoch.
//! - `parent_votes` (absent in the genesis block and its child) carries consensus votes for
//!   the *parent* block, signed by seats of the parent's consensus epoch: the round the parent
//!   was proposed in (`view`, `parent_view`) and, per voting seat (index into that epoch's
//!   [`SeatSet::seats`], strictly increasing), the kind (notarize or finalize) and the 64-byte
//!   ed25519 signature. The runtime verifies them and counts each seat's participation
//!   (`taonet_runtime::liveness`). Decoding allows at most [`MAX_SEATS`] votes.
//! - The block hash is SHA-256 of the header encoding, where the transactions are represented
//!   by `tx_root` = SHA-256 of the concatenated transaction hashes; the parent votes follow
//!   the seats, and only when present, so blocks without votes (the genesis block among
//!   them) keep the hashes they had before votes existed.
//! - `version` is the protocol version the block was built under ([`crate::protocol`]): the
//!   last field of the encoding, and in the hashed header a byte 255 and the version after
//!   the votes, only for versions after the genesis one (version-1 blocks keep their hashes).
//! - Decoding is bounded by [`BlockLimits`].

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, RangeCfg, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::codec::read_vec;
use crate::tx::SignedTransaction;
use crate::{AccountId, BlockNumber, Hash, Rao};

/// Most seats a seat set may hold.
pub const MAX_SEATS: usize = 1024;

/// A block-producing seat: a hotkey, the ed25519 key it votes with, and its stake when
/// elected.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Seat {
    /// The validator's hotkey.
    pub hotkey: AccountId,
    /// Its ed25519 consensus key.
    #[serde(with = "crate::codec::hex_array")]
    pub consensus_key: [u8; 32],
    /// Its total stake at election.
    pub stake: Rao,
}

crate::plain_codec!(Seat {
    hotkey: AccountId,
    consensus_key: [u8; 32],
    stake: Rao,
});

/// The seats of one consensus epoch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatSet {
    /// The consensus epoch these seats serve.
    pub epoch: u64,
    /// The seats, ordered by stake (descending), ties by hotkey.
    pub seats: Vec<Seat>,
}

impl Write for SeatSet {
    fn write(&self, buf: &mut impl BufMut) {
        self.epoch.write(buf);
        self.seats.write(buf);
    }
}

impl EncodeSize for SeatSet {
    fn encode_size(&self) -> usize {
        8 + self.seats.encode_size()
    }
}

impl Read for SeatSet {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(SeatSet {
            epoch: u64::read(buf)?,
            seats: read_vec(buf, MAX_SEATS)?,
        })
    }
}

/// What a carried vote signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentVoteKind {
    /// A notarize vote.
    Notarize,
    /// A finalize vote.
    Finalize,
}

impl Write for ParentVoteKind {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            ParentVoteKind::Notarize => 0,
            ParentVoteKind::Finalize => 1,
        };
        tag.write(buf);
    }
}

impl EncodeSize for ParentVoteKind {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for ParentVoteKind {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(ParentVoteKind::Notarize),
            1 => Ok(ParentVoteKind::Finalize),
            t => Err(Error::InvalidEnum(t)),
        }
    }
}

/// One seat's signed vote for the parent block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentVote {
    /// Index of the seat in the parent epoch's [`SeatSet::seats`].
    pub seat: u16,
    /// Notarize or finalize.
    pub kind: ParentVoteKind,
    /// The ed25519 signature.
    #[serde(with = "crate::codec::hex_array")]
    pub signature: [u8; 64],
}

crate::plain_codec!(ParentVote {
    seat: u16,
    kind: ParentVoteKind,
    signature: [u8; 64],
});

/// The consensus votes for a block's parent that the block carries (liveness accounting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentVotes {
    /// The view the parent was proposed in.
    pub view: u64,
    /// The view of the parent's own parent, as named in that proposal.
    pub parent_view: u64,
    /// The votes, by strictly increasing seat index.
    pub votes: Vec<ParentVote>,
}

impl Write for ParentVotes {
    fn write(&self, buf: &mut impl BufMut) {
        self.view.write(buf);
        self.parent_view.write(buf);
        self.votes.write(buf);
    }
}

impl EncodeSize for ParentVotes {
    fn encode_size(&self) -> usize {
        16 + self.votes.encode_size()
    }
}

impl Read for ParentVotes {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(ParentVotes {
            view: u64::read(buf)?,
            parent_view: u64::read(buf)?,
            votes: read_vec(buf, MAX_SEATS)?,
        })
    }
}

/// Decoding limits of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    /// Most transactions.
    pub max_transactions: usize,
}

impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits {
            max_transactions: 20_000,
        }
    }
}

/// A block as proposed, voted on and stored: its place in the chain, its proposer, the
/// transactions it applies, the state root they lead to and, at a consensus epoch's end, the
/// seats elected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Hash of the parent block.
    pub parent: Hash,
    /// Height (genesis = 0).
    pub height: BlockNumber,
    /// Proposer's clock, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Hotkey of the seat that proposed the block (receives the fees).
    pub proposer: AccountId,
    /// The transactions, applied in order.
    pub transactions: Vec<SignedTransaction>,
    /// State root after the block.
    pub state_root: Hash,
    /// Seats elected in this block (last block of a consensus epoch only).
    pub seats: Option<SeatSet>,
    /// Signed consensus votes for the parent block (see the module rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_votes: Option<ParentVotes>,
    /// The protocol version the block was built under ([`crate::protocol`]).
    #[serde(default = "genesis_version")]
    pub version: u32,
}

fn genesis_version() -> u32 {
    crate::protocol::GENESIS_VERSION
}

impl Block {
    /// SHA-256 of the concatenated transaction hashes.
    pub fn tx_root(&self) -> Hash {
        let mut buf = Vec::with_capacity(32 * self.transactions.len());
        for tx in &self.transactions {
            buf.extend_from_slice(&tx.hash().0);
        }
        Hash::digest(&buf)
    }

    /// The header bytes the block hash covers.
    pub fn header_bytes(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(256);
        self.parent.write(&mut buf);
        self.height.write(&mut buf);
        self.timestamp_ms.write(&mut buf);
        self.proposer.write(&mut buf);
        (self.transactions.len() as u32).write(&mut buf);
        self.tx_root().write(&mut buf);
        self.state_root.write(&mut buf);
        self.seats.write(&mut buf);
        // Appended only when present, so blocks without votes (the genesis block among them)
        // keep the hash they had before votes existed; the seat field is self-delimiting, so
        // the two forms cannot collide.
        if let Some(votes) = &self.parent_votes {
            votes.write(&mut buf);
        }
        // Likewise the protocol version: appended (after a marker byte) only from the first
        // version after the genesis one, so version-1 blocks keep their hash. No two forms
        // collide: the suffix is exactly 5 bytes, and the votes' encoding is self-delimiting
        // and at least 17 bytes long.
        if self.version != crate::protocol::GENESIS_VERSION {
            buf.push(0xff);
            self.version.write(&mut buf);
        }
        buf
    }

    /// The block hash.
    pub fn hash(&self) -> Hash {
        Hash::digest(&self.header_bytes())
    }
}

impl Write for Block {
    fn write(&self, buf: &mut impl BufMut) {
        self.parent.write(buf);
        self.height.write(buf);
        self.timestamp_ms.write(buf);
        self.proposer.write(buf);
        self.transactions.write(buf);
        self.state_root.write(buf);
        self.seats.write(buf);
        self.parent_votes.write(buf);
        self.version.write(buf);
    }
}

impl EncodeSize for Block {
    fn encode_size(&self) -> usize {
        32 + 8
            + 8
            + 32
            + self.transactions.encode_size()
            + 32
            + self.seats.encode_size()
            + self.parent_votes.encode_size()
            + 4
    }
}

impl Read for Block {
    type Cfg = BlockLimits;
    fn read_cfg(buf: &mut impl Buf, limits: &BlockLimits) -> Result<Self, Error> {
        Ok(Block {
            parent: Hash::read(buf)?,
            height: u64::read(buf)?,
            timestamp_ms: u64::read(buf)?,
            proposer: AccountId::read(buf)?,
            transactions: Vec::<SignedTransaction>::read_cfg(
                buf,
                &(RangeCfg::new(0..=limits.max_transactions), ()),
            )?,
            state_root: Hash::read(buf)?,
            seats: Option::<SeatSet>::read(buf)?,
            parent_votes: Option::<ParentVotes>::read(buf)?,
            version: u32::read(buf)?,
        })
    }
}
