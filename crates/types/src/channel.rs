//! Payment channels for pay-per-query access: channels, vouchers and the miners' share of a
//! claim.
//!
//! # Rules
//! - A user (the *opener*, a coldkey) locks a deposit in a channel to a *gateway* (a hotkey;
//!   its owner coldkey redeems) until an expiry block. The channel id is
//!   [`channel_id`]`(opener, nonce)`: SHA-256 of `"taonet/channel/v1" ‖ opener ‖ nonce` with the
//!   nonce of the opening transaction, so it is known before the transaction is sent and never
//!   repeats (a signer's nonces are used once).
//! - A [`Voucher`] says "the opener has paid `amount` in total through `channel`". Amounts are
//!   cumulative: each request carries a voucher for more than the previous one, and the
//!   gateway redeems only the highest. The opener signs [`Voucher::signing_payload`]:
//!   `"taonet/voucher/v1" ‖ chain id ‖ genesis hash ‖ channel id ‖ amount` (string with a
//!   varint length, amount as a big-endian u64), so a voucher cannot be replayed on another
//!   channel, another chain, or a re-started chain; and the tag keeps it apart from
//!   transaction signatures (`"taonet/tx/v1"`). Signing and checking live in
//!   `taonet_crypto::voucher`, used by the runtime, the gateway and `taonet query` alike.
//! - A [`SignedVoucher`] encodes as channel id (32 bytes) ‖ amount (u64 BE) ‖ signature (64)
//!   = 104 bytes; `taonet channel voucher` prints it as `0x`-hex ([`voucher_to_hex`]). The
//!   signing payload and a claim transaction are pinned by the runtime's fixtures
//!   `tests/fixtures/voucher_payload.hex` and `claim_transaction.hex`.
//! - A claim names the miners that answered the paid queries: a subnet and at most
//!   [`MAX_CLAIM_MINERS`] distinct `(uid, units)` pairs, units > 0. The runtime pays
//!   `query_miner_share_ppb` of the claimed amount to those miners pro rata by units, exactly
//!   as [`split_payment`] divides it (the rules of claims are in `taonet_runtime::channels`).
//! - Decoding is bounded and fixed-size apart from the miner list.

use bytes::BufMut;
use commonware_codec::{EncodeSize, Write};
use serde::{Deserialize, Serialize};

use crate::codec::write_str;
use crate::tx::ChainDomain;
use crate::{AccountId, BlockNumber, Hash, Rao, Uid, plain_codec};

/// Domain tag of voucher signatures.
pub const VOUCHER_SIGNING_DOMAIN: &[u8] = b"taonet/voucher/v1";
/// Domain tag of channel ids.
pub const CHANNEL_ID_DOMAIN: &[u8] = b"taonet/channel/v1";
/// Most miners one claim may pay.
pub const MAX_CLAIM_MINERS: usize = 256;

/// The id of the channel `opener` opens with the transaction of nonce `nonce`.
pub fn channel_id(opener: &AccountId, nonce: u64) -> Hash {
    Hash::digest_parts(&[CHANNEL_ID_DOMAIN, &opener.0, &nonce.to_be_bytes()])
}

/// A cumulative payment through a channel (signed by the channel's opener).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// Id of the channel it draws on ([`channel_id`]).
    pub channel: Hash,
    /// Everything paid through the channel so far (not the increment).
    pub amount: Rao,
}

plain_codec!(Voucher {
    channel: Hash,
    amount: Rao,
});

impl Voucher {
    /// The bytes the opener signs: domain tag ‖ chain id ‖ genesis hash ‖ channel ‖ amount.
    pub fn signing_payload(&self, domain: &ChainDomain) -> Vec<u8> {
        let mut buf = Vec::with_capacity(VOUCHER_SIGNING_DOMAIN.len() + 1 + 64 + 32 + 32 + 8);
        buf.put_slice(VOUCHER_SIGNING_DOMAIN);
        write_str(&domain.chain_id, &mut buf);
        domain.genesis_hash.write(&mut buf);
        self.write(&mut buf);
        buf
    }
}

/// A voucher with the opener's 64-byte sr25519 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedVoucher {
    /// The payment the opener signed.
    pub voucher: Voucher,
    /// Signature over [`Voucher::signing_payload`].
    #[serde(with = "crate::codec::hex_array")]
    pub signature: [u8; 64],
}

plain_codec!(SignedVoucher {
    voucher: Voucher,
    signature: [u8; 64],
});

/// One miner's part in the queries a claim pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MinerShare {
    /// The miner's uid on the claim's subnet.
    pub uid: Uid,
    /// Its contribution (any unit; only the ratios matter), > 0.
    pub units: u64,
}

plain_codec!(MinerShare {
    uid: Uid,
    units: u64,
});

/// An open payment channel (a state record, removed when the opener reclaims it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentChannel {
    /// The coldkey that opened it (signs vouchers, reclaims the rest).
    pub opener: AccountId,
    /// The gateway hotkey; its owner coldkey claims.
    pub gateway: AccountId,
    /// Everything deposited (the opening deposit plus top-ups).
    pub deposit: Rao,
    /// The highest voucher amount claimed so far (≤ `deposit`).
    pub claimed: Rao,
    /// Of `claimed`, what was paid to miners.
    pub paid_to_miners: Rao,
    /// Claims are accepted in blocks below this height; reclaim from this height on.
    pub expiry: BlockNumber,
    /// Block it was opened.
    pub opened_at: BlockNumber,
}

plain_codec!(PaymentChannel {
    opener: AccountId,
    gateway: AccountId,
    deposit: Rao,
    claimed: Rao,
    paid_to_miners: Rao,
    expiry: BlockNumber,
    opened_at: BlockNumber,
});

impl PaymentChannel {
    /// What is still locked in the channel: `deposit − claimed`.
    pub fn remaining(&self) -> Rao {
        self.deposit.saturating_sub(self.claimed)
    }
}

/// A signed voucher as `0x`-hex of its encoding (the form `taonet channel claim` reads).
pub fn voucher_to_hex(v: &SignedVoucher) -> String {
    let mut buf = Vec::with_capacity(v.encode_size());
    v.write(&mut buf);
    format!("0x{}", hex::encode(buf))
}

/// Why a hex voucher was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VoucherParseError {
    /// Not hex.
    #[error("the voucher is not valid hex: {0}")]
    Hex(String),
    /// Hex, but not a voucher's encoding.
    #[error("the voucher does not decode: {0}")]
    Decode(String),
}

/// Parses [`voucher_to_hex`]'s form (with or without `0x`; the whole input must decode).
pub fn voucher_from_hex(s: &str) -> Result<SignedVoucher, VoucherParseError> {
    use commonware_codec::DecodeExt;
    let s = s.trim();
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.len() > 2 * (32 + 8 + 64) {
        return Err(VoucherParseError::Decode(format!(
            "{} hex digits; a voucher is {}",
            digits.len(),
            2 * (32 + 8 + 64)
        )));
    }
    let bytes = hex::decode(digits).map_err(|e| VoucherParseError::Hex(e.to_string()))?;
    SignedVoucher::decode(commonware_codec::Copying(&bytes))
        .map_err(|e| VoucherParseError::Decode(e.to_string()))
}

/// How a claimed amount is divided: `(gateway's part, each miner's part in list order)`.
///
/// The miners get `⌊amount · share_ppb / 10⁹⌋` together (`share_ppb` is capped at 10⁹),
/// divided pro rata by units: miner `i` gets `⌊m · uᵢ / U⌋`, and the `m − Σ⌊…⌋` rao left
/// by rounding (fewer than the number of miners) go one each to the miners with the largest
/// remainders `m · uᵢ mod U`, ties to the one listed first. The gateway gets the rest. With no
/// miners (or zero total units) the gateway gets everything. The parts always add up to
/// `amount` exactly; integer arithmetic in u128, no rounding anywhere else.
pub fn split_payment(amount: Rao, share_ppb: u32, miners: &[MinerShare]) -> (Rao, Vec<Rao>) {
    let total_units: u128 = miners.iter().map(|m| u128::from(m.units)).sum();
    if miners.is_empty() || total_units == 0 {
        return (amount, vec![Rao::ZERO; miners.len()]);
    }
    let share = u128::from(share_ppb.min(crate::gov::PPB));
    // ≤ amount, so it fits in u64.
    let pool = u128::from(amount.0) * share / u128::from(crate::gov::PPB);
    let mut parts: Vec<u128> = Vec::with_capacity(miners.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(miners.len());
    for (i, m) in miners.iter().enumerate() {
        let num = pool * u128::from(m.units);
        parts.push(num / total_units);
        remainders.push((num % total_units, i));
    }
    let given: u128 = parts.iter().sum();
    let mut leftover = pool - given;
    // Largest remainder first; ties by list position.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if leftover == 0 {
            break;
        }
        parts[i] += 1;
        leftover -= 1;
    }
    let to_rao = |v: u128| Rao(u64::try_from(v).unwrap_or(u64::MAX));
    let gateway = to_rao(u128::from(amount.0) - pool);
    (gateway, parts.into_iter().map(to_rao).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use commonware_codec::{Copying, DecodeExt, Encode};

    use super::*;

    fn miner(uid: Uid, units: u64) -> MinerShare {
        MinerShare { uid, units }
    }

    #[test]
    fn channel_ids_differ_by_opener_and_nonce() {
        let a = AccountId([1; 32]);
        let b = AccountId([2; 32]);
        assert_ne!(channel_id(&a, 0), channel_id(&a, 1));
        assert_ne!(channel_id(&a, 0), channel_id(&b, 0));
        assert_eq!(
            channel_id(&a, 7),
            Hash::digest(
                &[
                    b"taonet/channel/v1".as_slice(),
                    &[1; 32],
                    &7u64.to_be_bytes()
                ]
                .concat()
            )
        );
    }

    #[test]
    fn the_voucher_payload_is_domain_separated() {
        let domain = ChainDomain {
            chain_id: "ab".into(),
            genesis_hash: Hash([3; 32]),
        };
        let v = Voucher {
            channel: Hash([4; 32]),
            amount: Rao(0x0102),
        };
        let p = v.signing_payload(&domain);
        let mut expected = b"taonet/voucher/v1".to_vec();
        expected.extend_from_slice(&[2, b'a', b'b']);
        expected.extend_from_slice(&[3; 32]);
        expected.extend_from_slice(&[4; 32]);
        expected.extend_from_slice(&0x0102u64.to_be_bytes());
        assert_eq!(p, expected);
    }

    #[test]
    fn vouchers_round_trip_in_binary_hex_and_json() {
        let v = SignedVoucher {
            voucher: Voucher {
                channel: Hash([9; 32]),
                amount: Rao(5),
            },
            signature: [7; 64],
        };
        let bytes = v.encode();
        assert_eq!(bytes.len(), 104);
        assert_eq!(SignedVoucher::decode(bytes.clone()).unwrap(), v);
        assert_eq!(voucher_from_hex(&voucher_to_hex(&v)).unwrap(), v);
        assert!(matches!(
            voucher_from_hex("0xzz"),
            Err(VoucherParseError::Hex(_))
        ));
        assert!(matches!(
            voucher_from_hex(&voucher_to_hex(&v)[..100]),
            Err(VoucherParseError::Decode(_))
        ));
        let mut long = bytes.to_vec();
        long.push(0);
        assert!(SignedVoucher::decode(Copying(&long)).is_err());
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<SignedVoucher>(&json).unwrap(), v);
        let c = PaymentChannel {
            opener: AccountId([1; 32]),
            gateway: AccountId([2; 32]),
            deposit: Rao(10),
            claimed: Rao(4),
            paid_to_miners: Rao(2),
            expiry: 99,
            opened_at: 3,
        };
        assert_eq!(PaymentChannel::decode(c.encode()).unwrap(), c);
        assert_eq!(c.remaining(), Rao(6));
    }

    #[test]
    fn payments_split_exactly_by_largest_remainder() {
        // 50% of 1,001 = 500 to the miners, 501 to the gateway.
        let (g, m) = split_payment(
            Rao(1_001),
            500_000_000,
            &[miner(0, 1), miner(1, 1), miner(2, 1)],
        );
        assert_eq!(g, Rao(501));
        // 500 / 3 = 166 r 2 each: equal remainders, so the first two listed get the 2 rao.
        assert_eq!(m, vec![Rao(167), Rao(167), Rao(166)]);
        // Pro rata: 3:1 of 100.
        let (g, m) = split_payment(Rao(200), 500_000_000, &[miner(4, 3), miner(9, 1)]);
        assert_eq!((g, m), (Rao(100), vec![Rao(75), Rao(25)]));
        // Largest remainder wins the rounding rao: 10 · (1, 2) / 3 = 3.33, 6.67.
        let (_, m) = split_payment(Rao(10), 1_000_000_000, &[miner(0, 1), miner(1, 2)]);
        assert_eq!(m, vec![Rao(3), Rao(7)]);
        // No miners: everything to the gateway; share 0: nothing to miners.
        assert_eq!(split_payment(Rao(10), 500_000_000, &[]), (Rao(10), vec![]));
        assert_eq!(
            split_payment(Rao(10), 0, &[miner(0, 5)]),
            (Rao(10), vec![Rao(0)])
        );
        // Extremes do not overflow.
        let (g, m) = split_payment(
            Rao(u64::MAX),
            u32::MAX,
            &[miner(0, u64::MAX), miner(1, u64::MAX), miner(2, 1)],
        );
        let total: u128 = m.iter().map(|r| u128::from(r.0)).sum::<u128>() + u128::from(g.0);
        assert_eq!(total, u128::from(u64::MAX));
        assert_eq!(g, Rao(0));
    }

    proptest::proptest! {
        #[test]
        fn splits_add_up(
            amount in 0u64..=u64::MAX,
            share in 0u32..=1_100_000_000,
            units in proptest::collection::vec(0u64..1_000_000, 0..20),
        ) {
            let miners: Vec<MinerShare> = units
                .iter()
                .enumerate()
                .map(|(i, u)| miner(i as u16, *u))
                .collect();
            let (g, m) = split_payment(Rao(amount), share, &miners);
            proptest::prop_assert_eq!(m.len(), miners.len());
            let total: u128 = m.iter().map(|r| u128::from(r.0)).sum::<u128>() + u128::from(g.0);
            proptest::prop_assert_eq!(total, u128::from(amount));
            let pool = u128::from(amount) * u128::from(share.min(1_000_000_000)) / 1_000_000_000;
            let units_total: u128 = units.iter().map(|u| u128::from(*u)).sum();
            if units_total > 0 {
                proptest::prop_assert_eq!(u128::from(amount) - u128::from(g.0), pool);
                for (part, u) in m.iter().zip(&units) {
                    // Within one rao of the exact pro-rata share.
                    let exact_floor = (pool * u128::from(*u)).checked_div(units_total).unwrap_or(0);
                    proptest::prop_assert!(u128::from(part.0) == exact_floor || u128::from(part.0) == exact_floor + 1);
                }
            }
        }
    }
}
