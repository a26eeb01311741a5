//! Signing and checking payment-channel vouchers, shared by the runtime (which redeems
//! them), the gateway (which accepts them with each paid query) and `taonet query` (which
//! makes them).
//!
//! A voucher is signed by the channel opener's coldkey over
//! [`Voucher::signing_payload`]: `"taonet/voucher/v1" ‖ chain id ‖ genesis hash ‖ channel ‖
//! amount` (see [`taonet_types::channel`]). A signature made for another channel, another
//! amount or another chain does not verify.
//!
//! ```
//! use taonet_crypto::{Keypair, voucher};
//! use taonet_types::channel::{Voucher, channel_id};
//! use taonet_types::{ChainDomain, Hash, Rao};
//!
//! let user = Keypair::from_uri("//Alice")?;
//! let domain = ChainDomain { chain_id: "taonet-dev".into(), genesis_hash: Hash([1; 32]) };
//! let channel = channel_id(&user.account_id(), 0);
//! let v = voucher::sign(&user, Voucher { channel, amount: Rao(1_000) }, &domain);
//! assert!(voucher::verify(&user.account_id(), &v, &domain));
//! let other = ChainDomain { chain_id: "other".into(), ..domain.clone() };
//! assert!(!voucher::verify(&user.account_id(), &v, &other));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use taonet_types::channel::{SignedVoucher, Voucher};
use taonet_types::{AccountId, ChainDomain};

use crate::keys::{Keypair, Signature};

/// Signs `voucher` with the opener's key for `domain`.
pub fn sign(opener: &Keypair, voucher: Voucher, domain: &ChainDomain) -> SignedVoucher {
    SignedVoucher {
        voucher,
        signature: opener.sign(&voucher.signing_payload(domain)).0,
    }
}

/// Whether `signed` carries `opener`'s signature for `domain`.
pub fn verify(opener: &AccountId, signed: &SignedVoucher, domain: &ChainDomain) -> bool {
    crate::keys::verify(
        opener,
        &signed.voucher.signing_payload(domain),
        &Signature(signed.signature),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use taonet_types::channel::channel_id;
    use taonet_types::{Hash, Rao};

    use super::*;

    #[test]
    fn a_voucher_verifies_only_for_its_channel_amount_chain_and_signer() {
        let user = Keypair::from_seed(&[3; 32]);
        let other = Keypair::from_seed(&[4; 32]);
        let domain = ChainDomain {
            chain_id: "c".into(),
            genesis_hash: Hash([9; 32]),
        };
        let channel = channel_id(&user.account_id(), 5);
        let v = sign(
            &user,
            Voucher {
                channel,
                amount: Rao(77),
            },
            &domain,
        );
        assert!(verify(&user.account_id(), &v, &domain));
        assert!(!verify(&other.account_id(), &v, &domain));
        let mut more = v;
        more.voucher.amount = Rao(78);
        assert!(!verify(&user.account_id(), &more, &domain));
        let mut moved = v;
        moved.voucher.channel = channel_id(&user.account_id(), 6);
        assert!(!verify(&user.account_id(), &moved, &domain));
        let restarted = ChainDomain {
            genesis_hash: Hash([8; 32]),
            ..domain.clone()
        };
        assert!(!verify(&user.account_id(), &v, &restarted));
        // A transaction signature over the same bytes' tail is not a voucher signature.
        let tx_like = user.sign(
            &[
                b"taonet/tx/v1".as_slice(),
                &v.voucher.signing_payload(&domain)[17..],
            ]
            .concat(),
        );
        let forged = SignedVoucher {
            signature: tx_like.0,
            ..v
        };
        assert!(!verify(&user.account_id(), &forged, &domain));
    }
}
