//! Commitments: data a registered neuron publishes on chain for its uid (a model hash, an
//! endpoint, …), as subtensor's `commitments` pallet does.
//!
//! # Rules
//! - `commitments.set(netuid, data)` is a free call signed by the neuron's hotkey: the hotkey
//!   must hold a uid on `netuid` (`TxInvalid::HotkeyNotRegistered`, before inclusion) and the
//!   uid's previous commitment must be at least `commitment_rate_limit` blocks old
//!   (`TxInvalid::RateLimited`, before inclusion; a uid without a commitment may commit at
//!   once). As every free call, one that fails is invalid and never included.
//! - `data` is 1 to [`MAX_COMMITMENT_BYTES`] bytes: the decoder refuses more, the call refuses
//!   none (`Empty`) or more (`TooLong`, for a call not built by the decoder).
//! - The commitment is stored by `(netuid, uid)` as [`Commitment`] `{ data, block }` and
//!   replaces the uid's previous one. Only the newest is kept.
//! - A commitment belongs to the hotkey that made it: when a uid is given to another hotkey
//!   (pruning on a full subnet, a root replacement) its commitment is deleted, so the new
//!   hotkey never inherits it. (Subnets are never removed; when they are, their commitments
//!   go with their neurons.)

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::Serialize;
use taonet_types::codec::read_vec;
use taonet_types::tx::MAX_COMMITMENT_BYTES;
use taonet_types::{AccountId, BlockNumber, NetUid, Uid};

use crate::state::State;

/// Why a `commitments.set` call was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentError {
    /// No subnet has this netuid.
    #[error("subnet {0} does not exist")]
    SubnetNotFound(NetUid),
    /// The signing hotkey holds no uid on the subnet.
    #[error("hotkey is not registered on subnet {0}")]
    NotRegistered(NetUid),
    /// No data: a commitment has at least one byte.
    #[error("a commitment needs at least one byte of data")]
    Empty,
    /// More data than a commitment may hold.
    #[error("commitment data is {len} bytes; at most {max} are allowed")]
    TooLong {
        /// The length of the data given.
        len: usize,
        /// [`MAX_COMMITMENT_BYTES`].
        max: usize,
    },
}

/// The commitment of one uid: the newest data it published and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commitment {
    /// The bytes committed (1 to [`MAX_COMMITMENT_BYTES`]).
    pub data: Vec<u8>,
    /// The block that included the commitment.
    pub block: BlockNumber,
}

impl Write for Commitment {
    fn write(&self, buf: &mut impl BufMut) {
        self.data.write(buf);
        self.block.write(buf);
    }
}

impl EncodeSize for Commitment {
    fn encode_size(&self) -> usize {
        self.data.encode_size() + self.block.encode_size()
    }
}

impl Read for Commitment {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Commitment {
            data: read_vec(buf, MAX_COMMITMENT_BYTES)?,
            block: BlockNumber::read(buf)?,
        })
    }
}

impl State {
    /// `commitments.set` (registration and the rate limit are checked at validation).
    pub fn set_commitment(
        &mut self,
        hotkey: &AccountId,
        netuid: NetUid,
        data: &[u8],
    ) -> Result<(), CommitmentError> {
        if !self.subnets.contains_key(&netuid) {
            return Err(CommitmentError::SubnetNotFound(netuid));
        }
        let uid = self
            .uid_of(netuid, hotkey)
            .ok_or(CommitmentError::NotRegistered(netuid))?;
        if data.is_empty() {
            return Err(CommitmentError::Empty);
        }
        if data.len() > MAX_COMMITMENT_BYTES {
            return Err(CommitmentError::TooLong {
                len: data.len(),
                max: MAX_COMMITMENT_BYTES,
            });
        }
        let block = self.globals.height;
        self.commitments.insert(
            (netuid, uid),
            Commitment {
                data: data.to_vec(),
                block,
            },
        );
        Ok(())
    }

    /// Whether `hotkey` may commit now on `netuid` (rate limit); `Err(next block)`.
    pub(crate) fn commitment_rate_ok(&self, netuid: NetUid, hotkey: &AccountId) -> Result<(), u64> {
        let (Some(info), Some(uid)) = (self.subnets.get(&netuid), self.uid_of(netuid, hotkey))
        else {
            return Ok(());
        };
        let Some(last) = self.commitments.get(&(netuid, uid)) else {
            return Ok(());
        };
        let next = last
            .block
            .saturating_add(info.hyperparams.commitment_rate_limit);
        if self.globals.height < next {
            Err(next)
        } else {
            Ok(())
        }
    }

    /// Deletes the commitment of `uid` on `netuid` (the uid changes hands).
    pub(crate) fn clear_commitment(&mut self, netuid: NetUid, uid: Uid) {
        self.commitments.remove(&(netuid, uid));
    }
}
