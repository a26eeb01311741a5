//! The network-wide scalars: one record, [`Globals`], under prefix 0.
//!
//! # Rules
//! - `Globals` holds the chain parameters and every running total that is not a map entry
//!   (issuance, stake, locks, treasury, counters). It is one record of the state root: any
//!   write goes through [`super::State::globals_mut`], which marks it for the next root.
//! - Its encoding is a format version (`Globals::FORMAT_VERSION`, 1) followed by every field
//!   in declaration order, `params` in `ChainParams`'s own versioned encoding; any other
//!   version, a short record or trailing bytes fail to decode.

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
}

impl Globals {
    /// The globals of an empty chain with `params`: every total and counter zero.
    pub fn new(params: ChainParams) -> Globals {
        Globals {
            params,
            ..Globals::default()
        }
    }
}

// A field added, removed or moved takes the next version.
taonet_types::versioned_codec!(Globals, version 1 {
    params: ChainParams,
    height: BlockNumber,
    last_timestamp_ms: u64,
    total_issuance: Rao,
    total_stake: Rao,
    total_unbonding: Rao,
    total_locked: Rao,
    treasury: Rao,
    total_pending_emission: Rao,
    total_burned: Rao,
    next_unbonding_id: u64,
    last_network_registration: BlockNumber,
    last_lock_cost: Rao,
    last_root_epoch: BlockNumber,
    next_proposal_id: u64,
    total_deposits: Rao,
    total_channels: Rao,
});

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
        assert_eq!(bytes[0], Globals::FORMAT_VERSION);
        assert_eq!(bytes[1], ChainParams::FORMAT_VERSION);
        assert_eq!(Globals::decode(Copying(&bytes[..])).unwrap(), g);
    }

    #[test]
    fn globals_decode_strictly() {
        let bytes = sample().encode().to_vec();
        let mut other_version = bytes.clone();
        other_version[0] = 2;
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
}
