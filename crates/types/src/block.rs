//! Blocks and consensus seats.
//!
//! # Rules
//! - A block names its parent by hash and has `height = parent height + 1`; the genesis
//!   block has height 0 and parent [`Hash::ZERO`].
//! - `state_root` is the root of the state *after* applying the block; `seats`, present only
//!   in the last block of a consensus epoch, is the seat set elected (by the runtime) for a
//!   later epoch.
//! - The block hash is SHA-256 of the header encoding, where the transactions are represented
//!   by `tx_root` = SHA-256 of the concatenated transaction hashes.
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

/// A block.
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
    }
}

impl EncodeSize for Block {
    fn encode_size(&self) -> usize {
        32 + 8 + 8 + 32 + self.transactions.encode_size() + 32 + self.seats.encode_size()
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
        })
    }
}
