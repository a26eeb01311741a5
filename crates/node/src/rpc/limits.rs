//! Per-address limits of the RPC server: one token bucket and one connection count per client
//! address, shared by every connection from it (WebSocket, HTTP, batches and explorer pages
//! alike).
//!
//! # Rules
//! - An address is an IPv4 address, or an IPv6 /64 prefix (one host can trivially use a whole
//!   /64); IPv4-mapped IPv6 addresses count as their IPv4 address.
//! - The bucket holds at most `2 × rate` tokens (the burst) and refills at `rate` per second;
//!   every call, batch entry and explorer page takes one token. A refused request takes none.
//! - At most `max_connections` concurrent connections per address.
//! - The table is bounded ([`MAX_TRACKED_ADDRESSES`]): when it is full, idle entries (no open
//!   connection, bucket refilled to the burst, so forgetting them changes nothing) are
//!   dropped; if none is idle, the least recently seen entry without a connection is.
//! - Loopback is exempt unless `limit_loopback` (then it is limited like any address).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most client addresses tracked at once.
pub const MAX_TRACKED_ADDRESSES: usize = 65_536;

/// The client address of a request (put in the HTTP request's extensions by the accept loop,
/// handed on by jsonrpsee to every call of the request or WebSocket connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

#[derive(Debug)]
struct Entry {
    tokens: f64,
    last: Instant,
    connections: u32,
}

/// The shared per-address limits.
#[derive(Debug)]
pub struct AddressLimits {
    table: Mutex<HashMap<IpAddr, Entry>>,
    /// Tokens per second (`None`: unlimited).
    rate: Option<f64>,
    max_connections: u32,
    limit_loopback: bool,
    max_addresses: usize,
}

/// A refused request: how long until it would be served.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttled {
    /// Seconds until enough tokens are back.
    pub retry_after_secs: f64,
}

/// An admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct ConnectionPermit {
    limits: Option<(Arc<AddressLimits>, IpAddr)>,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        if let Some((limits, key)) = self.limits.take() {
            let mut table = limits.table.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = table.get_mut(&key) {
                e.connections = e.connections.saturating_sub(1);
            }
        }
    }
}

/// The key an address is limited under.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

impl AddressLimits {
    /// Limits of `rate` calls per second (burst `2 × rate`) and `max_connections` connections
    /// per address.
    pub fn new(rate: u32, max_connections: u32, limit_loopback: bool) -> AddressLimits {
        AddressLimits::with_capacity(rate, max_connections, limit_loopback, MAX_TRACKED_ADDRESSES)
    }

    /// As [`AddressLimits::new`], tracking at most `max_addresses` addresses.
    pub fn with_capacity(
        rate: u32,
        max_connections: u32,
        limit_loopback: bool,
        max_addresses: usize,
    ) -> AddressLimits {
        AddressLimits {
            table: Mutex::new(HashMap::new()),
            rate: Some(f64::from(rate.max(1))),
            max_connections: max_connections.max(1),
            limit_loopback,
            max_addresses: max_addresses.max(1),
        }
    }

    /// No limits at all (the explorer's private loopback endpoint).
    pub fn unlimited() -> AddressLimits {
        AddressLimits {
            table: Mutex::new(HashMap::new()),
            rate: None,
            max_connections: u32::MAX,
            limit_loopback: false,
            max_addresses: 1,
        }
    }

    /// Calls per second per address (`None`: unlimited).
    pub fn rate(&self) -> Option<u32> {
        self.rate.map(|r| r as u32)
    }

    /// Most connections per address.
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }

    /// Number of addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.table.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn exempt(&self, ip: IpAddr) -> bool {
        self.rate.is_none() || (ip.is_loopback() && !self.limit_loopback)
    }

    fn burst(&self) -> f64 {
        self.rate.unwrap_or(1.0) * 2.0
    }

    /// The entry of `key`, made room for if the table is full.
    fn entry<'a>(
        &self,
        table: &'a mut HashMap<IpAddr, Entry>,
        key: IpAddr,
        now: Instant,
    ) -> &'a mut Entry {
        if !table.contains_key(&key) && table.len() >= self.max_addresses {
            let rate = self.rate.unwrap_or(1.0);
            let burst = self.burst();
            // Idle entries are as good as new ones: forgetting them changes nothing.
            table.retain(|_, e| {
                e.connections > 0
                    || e.tokens + now.duration_since(e.last).as_secs_f64() * rate < burst
            });
            if table.len() >= self.max_addresses
                && let Some(oldest) = table
                    .iter()
                    .filter(|(_, e)| e.connections == 0)
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| *k)
            {
                table.remove(&oldest);
            }
        }
        let burst = self.burst();
        table.entry(key).or_insert(Entry {
            tokens: burst,
            last: now,
            connections: 0,
        })
    }

    /// Takes `n` tokens from the bucket of `ip`, or none if it holds fewer.
    pub fn take(&self, ip: IpAddr, n: u32) -> Result<(), Throttled> {
        if self.exempt(ip) {
            return Ok(());
        }
        let rate = self.rate.unwrap_or(1.0);
        let burst = self.burst();
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let e = self.entry(&mut table, address_key(ip), now);
        e.tokens = (e.tokens + now.duration_since(e.last).as_secs_f64() * rate).min(burst);
        e.last = now;
        let need = f64::from(n);
        if e.tokens >= need {
            e.tokens -= need;
            Ok(())
        } else {
            Err(Throttled {
                retry_after_secs: ((need.min(burst) - e.tokens) / rate).max(0.001),
            })
        }
    }

    /// Admits a connection from `ip`, or `None` if the address holds the most already.
    pub fn connect(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionPermit> {
        if self.exempt(ip) {
            return Some(ConnectionPermit { limits: None });
        }
        let key = address_key(ip);
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let e = self.entry(&mut table, key, now);
        if e.connections >= self.max_connections {
            return None;
        }
        e.connections += 1;
        Some(ConnectionPermit {
            limits: Some((self.clone(), key)),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let l = AddressLimits::new(10, 4, true);
        for _ in 0..20 {
            assert!(l.take(ip("10.0.0.1"), 1).is_ok());
        }
        let t = l.take(ip("10.0.0.1"), 1).unwrap_err();
        assert!(t.retry_after_secs > 0.0);
        // Another address has its own bucket.
        assert!(l.take(ip("10.0.0.2"), 20).is_ok());
        // A request needing more than is left takes nothing.
        assert!(l.take(ip("10.0.0.2"), 5).is_err());
    }

    #[test]
    fn loopback_is_exempt_unless_asked() {
        let l = AddressLimits::new(1, 1, false);
        for _ in 0..100 {
            assert!(l.take(ip("127.0.0.1"), 1).is_ok());
        }
        let l = AddressLimits::new(1, 1, true);
        assert!(l.take(ip("127.0.0.1"), 2).is_ok());
        assert!(l.take(ip("127.0.0.1"), 1).is_err());
    }

    #[test]
    fn ipv6_addresses_of_one_prefix_share_a_bucket() {
        let l = AddressLimits::new(1, 4, true);
        assert!(l.take(ip("2001:db8::1"), 2).is_ok());
        assert!(l.take(ip("2001:db8::ffff:2"), 1).is_err());
        assert!(l.take(ip("2001:db8:0:1::1"), 1).is_ok());
        assert_eq!(address_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn connections_per_address_are_capped_and_freed() {
        let l = Arc::new(AddressLimits::new(10, 2, true));
        let a = l.connect(ip("10.0.0.1")).unwrap();
        let _b = l.connect(ip("10.0.0.1")).unwrap();
        assert!(l.connect(ip("10.0.0.1")).is_none());
        assert!(l.connect(ip("10.0.0.2")).is_some());
        drop(a);
        assert!(l.connect(ip("10.0.0.1")).is_some());
    }

    #[test]
    fn the_table_is_bounded() {
        let l = Arc::new(AddressLimits::with_capacity(10, 2, true, 8));
        let _held = l.connect(ip("10.0.0.1")).unwrap();
        for i in 0..1_000u32 {
            let _ = l.take(IpAddr::V4((0x0b00_0000 + i).into()), 1);
            assert!(l.tracked() <= 8);
        }
        // The entry with an open connection was kept: its count still holds the first.
        let _second = l.connect(ip("10.0.0.1")).unwrap();
        assert!(l.connect(ip("10.0.0.1")).is_none());
    }
}
