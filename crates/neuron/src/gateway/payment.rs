//! The payment side of a paid query: [`check_payment`] checks rules 1 and 2 (stated in
//! `query.rs`) against the channel as the chain reports it, refusing in this order: another
//! channel (`unknown_channel`), another gateway, too close to expiry, a bad signature, more
//! than the deposit, less than what is accepted plus the price. [`ChannelLocks`] serve the
//! queries on one channel one at a time; a channel's lock exists only while a query holds or
//! waits for it, so random channel ids cost no memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use taonet_client::types::ChannelInfo;
use taonet_crypto::Ss58;
use taonet_types::channel::SignedVoucher;
use taonet_types::{AccountId, ChainDomain, Hash, Rao};

use super::QueryError;

/// Checks a query's payment against the channel as the chain reports it (rules 1 and 2).
///
/// `accepted` is the highest amount the gateway holds for the channel; `price` the
/// query's price.
pub fn check_payment(
    channel: &ChannelInfo,
    gateway: &str,
    domain: &ChainDomain,
    voucher: &SignedVoucher,
    accepted: Rao,
    price: Rao,
    min_blocks_left: u64,
) -> Result<(), QueryError> {
    let id = voucher.voucher.channel;
    if channel.id != id {
        return Err(QueryError::UnknownChannel(id));
    }
    if channel.gateway != gateway {
        return Err(QueryError::WrongGateway {
            channel: id,
            gateway: channel.gateway.clone(),
            ours: gateway.to_string(),
        });
    }
    if channel.height.saturating_add(min_blocks_left) >= channel.expiry {
        return Err(QueryError::Expiring {
            channel: id,
            expiry: channel.expiry,
            height: channel.height,
            min_blocks_left,
        });
    }
    let opener =
        AccountId::from_ss58(&channel.opener).map_err(|e| QueryError::Chain(e.to_string()))?;
    if !taonet_crypto::voucher::verify(&opener, voucher, domain) {
        return Err(QueryError::BadSignature(id));
    }
    let amount = voucher.voucher.amount;
    if amount > channel.deposit {
        return Err(QueryError::Overspend {
            amount,
            deposit: channel.deposit,
        });
    }
    let accepted = accepted.max(channel.claimed);
    let required = accepted
        .checked_add(price)
        .ok_or_else(|| QueryError::BadRequest("price overflow".into()))?;
    if amount < required {
        return Err(QueryError::TooLow {
            amount,
            accepted,
            price,
            required,
        });
    }
    Ok(())
}

/// Per-channel locks that exist only while a query holds or waits for them.
#[derive(Default)]
pub(super) struct ChannelLocks {
    map: Mutex<HashMap<Hash, Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while a query is served on a channel; forgets the lock when nobody else wants it.
pub(super) struct ChannelGuard<'a> {
    locks: &'a ChannelLocks,
    id: Hash,
    mutex: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl ChannelLocks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Hash, Arc<tokio::sync::Mutex<()>>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Channels with a lock right now.
    pub(super) fn len(&self) -> usize {
        self.map().len()
    }

    /// Waits for channel `id`'s lock, creating it if no query holds or waits for it.
    pub(super) async fn lock(&self, id: Hash) -> ChannelGuard<'_> {
        let mutex = {
            let mut map = self.map();
            // Entries nobody holds (left by cancelled waiters) are dropped here.
            if map.len() >= 1024 {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            map.entry(id).or_default().clone()
        };
        let mut g = ChannelGuard {
            locks: self,
            id,
            mutex,
            guard: None,
        };
        g.guard = Some(g.mutex.clone().lock_owned().await);
        g
    }
}

impl Drop for ChannelGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.locks.map();
        // Only the map and this guard hold it: no other query waits on the channel.
        if Arc::strong_count(&self.mutex) <= 2 {
            map.remove(&self.id);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use taonet_crypto::{Keypair, voucher};
    use taonet_types::channel::Voucher;

    use super::*;

    fn channel(opener: &Keypair, id: Hash) -> ChannelInfo {
        ChannelInfo {
            id,
            opener: opener.ss58(),
            gateway: "5Gate".into(),
            gateway_owner: "5Owner".into(),
            deposit: Rao(1_000),
            claimed: Rao(100),
            paid_to_miners: Rao(50),
            remaining: Rao(900),
            expiry: 500,
            opened_at: 1,
            expired: false,
            height: 100,
        }
    }

    #[test]
    fn payments_are_checked_in_order() {
        let user = Keypair::from_seed(&[1; 32]);
        let domain = ChainDomain {
            chain_id: "c".into(),
            genesis_hash: Hash([3; 32]),
        };
        let id = Hash([9; 32]);
        let c = channel(&user, id);
        let pay = |amount: u64| {
            voucher::sign(
                &user,
                Voucher {
                    channel: id,
                    amount: Rao(amount),
                },
                &domain,
            )
        };
        let check = |v: &SignedVoucher, accepted: u64, margin: u64| {
            check_payment(&c, "5Gate", &domain, v, Rao(accepted), Rao(10), margin)
        };
        assert_eq!(check(&pay(220), 200, 10), Ok(()));
        // The chain's claimed amount counts as accepted too.
        assert_eq!(check(&pay(110), 0, 10), Ok(()));
        assert_eq!(
            check(&pay(209), 200, 10),
            Err(QueryError::TooLow {
                amount: Rao(209),
                accepted: Rao(200),
                price: Rao(10),
                required: Rao(210)
            })
        );
        assert_eq!(
            check(&pay(1_001), 0, 10),
            Err(QueryError::Overspend {
                amount: Rao(1_001),
                deposit: Rao(1_000)
            })
        );
        let forged = voucher::sign(
            &Keypair::from_seed(&[2; 32]),
            Voucher {
                channel: id,
                amount: Rao(500),
            },
            &domain,
        );
        assert_eq!(check(&forged, 0, 10), Err(QueryError::BadSignature(id)));
        let other = voucher::sign(
            &user,
            Voucher {
                channel: Hash([8; 32]),
                amount: Rao(500),
            },
            &domain,
        );
        assert_eq!(
            check(&other, 0, 10),
            Err(QueryError::UnknownChannel(Hash([8; 32])))
        );
        assert!(matches!(
            check(&pay(500), 0, 400),
            Err(QueryError::Expiring { .. })
        ));
        assert!(matches!(
            check_payment(&c, "5Else", &domain, &pay(500), Rao(0), Rao(10), 10),
            Err(QueryError::WrongGateway { .. })
        ));
        let e = QueryError::TooLow {
            amount: Rao(1),
            accepted: Rao(2),
            price: Rao(3),
            required: Rao(5),
        };
        assert_eq!((e.status(), e.kind()), (402, "voucher_too_low"));
        assert_eq!(e.body().required, Some(Rao(5)));
    }
}
