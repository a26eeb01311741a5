//! The network-wide scalars: one record, [`Globals`], under prefix 0.
//!
//! # Rules
//! - `Globals` holds the chain parameters and every running total that is not a map entry
//!   (issuance, stake, locks, treasury, counters). It is one record of the state root: any
//!   write goes through [`super::State::globals_mut`], which marks it for the next root.
//! - Its encoding is a format version followed by every field in declaration order, `params`
//!   in `ChainParams`'s own versioned encoding. The format follows the protocol version
//!   ([`taonet_types::protocol`]): format 1 (every field up to `pending_upgrade`) while the
//!   chain runs protocol 1, format 2 (format 1, then `total_fees_burned`) from protocol 2 on,
//!   so a node replaying protocol-1 blocks computes their roots with the records of then.
//!   Decoding accepts both (format 1 reads `total_fees_burned` as zero); any other version, a
//!   short record or trailing bytes fail to decode.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use taonet_types::protocol::{GENESIS_VERSION, Upgrade};
use taonet_types::{BlockNumber, ChainParams, Rao};

/// Network-wide scalars (one record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Globals {
    /// Governance parameters.
    pub params: ChainParams,
    /// Height of the last applied block.
    pub height: BlockNumber,
    /// Timestamp of the last applied block (ms).
    pub last_timestamp_ms: u64,
    /// All TAO in existence: free + staked + unbonding + locked + treasury + deposits +
    /// channels.
    pub total_issuance: Rao,
    /// Sum of all stake.
    pub total_stake: Rao,
    /// Sum of all unbonding amounts.
    pub total_unbonding: Rao,
    /// Sum of subnet locks.
    pub total_locked: Rao,
    /// Treasury balance.
    pub treasury: Rao,
    /// Sum of subnets' pending (not yet issued) emission.
    pub total_pending_emission: Rao,
    /// Total TAO burned (registrations).
    pub total_burned: Rao,
    /// Next unbonding entry id.
    pub next_unbonding_id: u64,
    /// Block of the last subnet registration (0 = never).
    pub last_network_registration: BlockNumber,
    /// Lock cost paid by the last subnet registration.
    pub last_lock_cost: Rao,
    /// Block of the last root epoch.
    pub last_root_epoch: BlockNumber,
    /// Id of the next governance proposal.
    pub next_proposal_id: u64,
    /// Sum of the deposits reserved by proposals in their voting period.
    pub total_deposits: Rao,
    /// TAO held by open payment channels: Σ (deposit − claimed).
    pub total_channels: Rao,
    /// The protocol version the chain runs ([`taonet_types::protocol`]).
    pub protocol_version: u32,
    /// The upgrade governance scheduled, until its height.
    pub pending_upgrade: Option<Upgrade>,
    /// Fees burned under protocol 2's fee split (part of `total_burned`); format 2 only.
    pub total_fees_burned: Rao,
}

impl Globals {
    /// The globals of an empty chain with `params`: every total and counter zero.
    pub fn new(params: ChainParams) -> Globals {
        Globals {
            params,
            protocol_version: GENESIS_VERSION,
            ..Globals::default()
        }
    }

    /// The record format of these globals: 1 under protocol 1, 2 from protocol 2 on.
    pub fn format_version(&self) -> u8 {
        if self.protocol_version >= 2 { 2 } else { 1 }
    }
}

/// Declares the format-1 fields once, for the writer, the size and the reader.
macro_rules! format_1_fields {
    ($m:ident!($($args:tt)*)) => {
        $m!($($args)* params, height, last_timestamp_ms, total_issuance, total_stake,
            total_unbonding, total_locked, treasury, total_pending_emission, total_burned,
            next_unbonding_id, last_network_registration, last_lock_cost, last_root_epoch,
            next_proposal_id, total_deposits, total_channels, protocol_version, pending_upgrade)
    };
}

macro_rules! write_fields {
    ($self:ident, $buf:ident, $($f:ident),*) => { $( $self.$f.write($buf); )* };
}

macro_rules! size_fields {
    ($self:ident, $($f:ident),*) => { 0 $( + $self.$f.encode_size() )* };
}

macro_rules! read_fields {
    ($buf:ident, $($f:ident),*) => {
        Globals { $( $f: ReadExt::read($buf)?, )* total_fees_burned: Rao::ZERO }
    };
}

impl Write for Globals {
    fn write(&self, buf: &mut impl BufMut) {
        let format = self.format_version();
        format.write(buf);
        format_1_fields!(write_fields!(self, buf,));
        if format >= 2 {
            self.total_fees_burned.write(buf);
        }
    }
}

impl EncodeSize for Globals {
    fn encode_size(&self) -> usize {
        let v2 = if self.format_version() >= 2 {
            self.total_fees_burned.encode_size()
        } else {
            0
        };
        1 + format_1_fields!(size_fields!(self,)) + v2
    }
}

impl Read for Globals {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let format = u8::read(buf)?;
        if !(1..=2).contains(&format) {
            return Err(Error::Invalid("Globals", "unknown format version"));
        }
        let mut g = format_1_fields!(read_fields!(buf,));
        if format == 2 {
            g.total_fees_burned = Rao::read(buf)?;
        }
        Ok(g)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use commonware_codec::{Copying, DecodeExt, Encode, EncodeSize, Error};

    fn sample() -> Globals {
        let params = ChainParams {
            gov_voting_period: 77,
            jail_epochs: 9,
            query_miner_share_ppb: 3,
            max_block_bytes: 1 << 20,
            free_block_bytes_ppb: 5,
            ..ChainParams::default()
        };
        let mut g = Globals::new(params);
        g.height = 12;
        g.next_proposal_id = 3;
        g.total_deposits = Rao(9);
        g.total_channels = Rao(42);
        g
    }

    #[test]
    fn globals_round_trip_every_field() {
        let g = sample();
        let bytes = g.encode().to_vec();
        assert_eq!(bytes.len(), g.encode_size());
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[1], ChainParams::FORMAT_VERSION);
        assert_eq!(Globals::decode(Copying(&bytes[..])).unwrap(), g);
    }

    #[test]
    fn globals_decode_strictly() {
        let bytes = sample().encode().to_vec();
        let mut other_version = bytes.clone();
        other_version[0] = 3;
        assert!(matches!(
            Globals::decode(Copying(&other_version[..])),
            Err(Error::Invalid("Globals", _))
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            Globals::decode(Copying(&trailing[..])),
            Err(Error::ExtraData(1))
        ));
        assert!(Globals::decode(Copying(&bytes[..bytes.len() - 1])).is_err());
    }

    /// Protocol 2 writes format 2 (with `total_fees_burned`); format 1 still decodes, with
    /// zero fees burned; a format-1 record cut where format 2 would go on is exact, not short.
    #[test]
    fn the_format_follows_the_protocol_version() {
        let mut g = sample();
        g.pending_upgrade = Some(Upgrade {
            version: 2,
            height: 99,
            name: "v2".into(),
            notes: String::new(),
        });
        let v1 = g.encode().to_vec();
        assert_eq!(v1[0], 1);
        assert_eq!(Globals::decode(Copying(&v1[..])).unwrap(), g);
        g.protocol_version = 2;
        g.pending_upgrade = None;
        g.total_fees_burned = Rao(7);
        let v2 = g.encode().to_vec();
        assert_eq!((v2[0], v2.len()), (2, g.encode_size()));
        assert_eq!(Globals::decode(Copying(&v2[..])).unwrap(), g);
        let mut as_v1 = v2.clone();
        as_v1[0] = 1;
        assert!(matches!(
            Globals::decode(Copying(&as_v1[..])),
            Err(Error::ExtraData(8))
        ));
    }
}
