//! Which axon addresses a neuron may dial.
//!
//! Axon addresses come from the chain, where anyone who registers can publish anything. A
//! validator, gateway or dendrite that dials them blindly can be pointed at its own
//! loopback services, its LAN or a cloud metadata endpoint (SSRF). So the dendrite, the
//! validator and the gateway refuse every address that is not globally routable unless
//! they are told `allow_private_axons` (a local network, where every axon is on
//! 127.0.0.1).
//!
//! # Loopback only
//! A dendrite may instead be told `allow_loopback_axons` ([`check_axon_with`]): then
//! loopback addresses ([`is_loopback`]: `127.0.0.0/8`, `::1`, and `127.0.0.0/8` in
//! v4-mapped form `::ffff:127.x.y.z`) are dialled, and every other range below stays
//! refused, so a local network on one machine works while LAN and cloud-metadata
//! addresses published on chain do not. The v4-compatible (`::127.0.0.1`) and NAT64
//! (`64:ff9b::7f00:1`) forms are not loopback on this host and stay refused.
//!
//! # Refused ranges ([`non_public`])
//! IPv4: `0.0.0.0/8` (unspecified, "this network"), `127.0.0.0/8` (loopback), `10.0.0.0/8`,
//! `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918 private), `100.64.0.0/10` (CGNAT shared),
//! `169.254.0.0/16` (link-local), `192.0.0.0/24` (IETF protocol assignments),
//! `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` (documentation), `198.18.0.0/15`
//! (benchmarking), `224.0.0.0/4` (multicast), `240.0.0.0/4` (reserved) and
//! `255.255.255.255` (broadcast).
//! IPv6: `::` (unspecified), `::1` (loopback), `fc00::/7` (unique local), `fe80::/10`
//! (link-local), `ff00::/8` (multicast), `2001:db8::/32` (documentation), and the IPv4
//! ranges above in v4-mapped (`::ffff:a.b.c.d`), v4-compatible (`::a.b.c.d`) and NAT64
//! (`64:ff9b::/96`) form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// An axon address that was refused because it is not public.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to dial axon {addr}: {range} addresses are not public (an axon on chain may not point validators at private networks); set allow_private_axons (CLI: --allow-private-axons) only on a local network"
)]
pub struct NonPublicAxon {
    /// The axon address that was refused.
    pub addr: SocketAddr,
    /// Which range it is in.
    pub range: &'static str,
}

/// The name of the non-public range `ip` is in, or `None` for a public address.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_broadcast() => "broadcast",
        (0, _, _) => "unspecified (0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) => "private (RFC 1918)",
        (172, 16..=31, _) => "private (RFC 1918)",
        (192, 168, _) => "private (RFC 1918)",
        (100, 64..=127, _) => "shared CGNAT (100.64.0.0/10)",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    // v4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4
    // address that a translator would reach.
    let embedded = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return non_public_v4(embedded);
    }
    match s[0] {
        x if x & 0xfe00 == 0xfc00 => Some("unique local (fc00::/7)"),
        x if x & 0xffc0 == 0xfe80 => Some("link-local (fe80::/10)"),
        x if x & 0xff00 == 0xff00 => Some("multicast"),
        0x2001 if s[1] == 0x0db8 => Some("documentation (2001:db8::/32)"),
        _ => None,
    }
}

/// `Ok` when `addr` may be dialled: it is public, or `allow_private` is set.
pub fn check_axon(addr: SocketAddr, allow_private: bool) -> Result<(), NonPublicAxon> {
    if allow_private {
        return Ok(());
    }
    match non_public(addr.ip()) {
        Some(range) => Err(NonPublicAxon { addr, range }),
        None => Ok(()),
    }
}

/// Whether `ip` is a loopback address of this host: `127.0.0.0/8`, `::1`, or
/// `::ffff:127.0.0.0/104` (v4-mapped).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// `Ok` when `addr` may be dialled: it is public, or `allow_private` is set, or it is a
/// loopback address ([`is_loopback`]) and `allow_loopback` is set.
pub fn check_axon_with(
    addr: SocketAddr,
    allow_private: bool,
    allow_loopback: bool,
) -> Result<(), NonPublicAxon> {
    if allow_loopback && is_loopback(addr.ip()) {
        return Ok(());
    }
    check_axon(addr, allow_private)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        non_public(s.parse().unwrap()).is_some()
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:192.168.0.1",
            "::ffff:100.64.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "198.17.0.1",
            "198.20.0.1",
            "223.255.255.254",
            "2606:4700::1111",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "fec0::1",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn check_axon_explains_and_can_be_allowed() {
        let addr: SocketAddr = "127.0.0.1:8091".parse().unwrap();
        let e = check_axon(addr, false).unwrap_err();
        assert_eq!(e.range, "loopback");
        let msg = e.to_string();
        assert!(msg.contains("127.0.0.1:8091") && msg.contains("allow_private_axons"));
        assert_eq!(check_axon(addr, true), Ok(()));
        assert_eq!(check_axon("8.8.8.8:80".parse().unwrap(), false), Ok(()));
    }

    #[test]
    fn loopback_only_allows_loopback() {
        for ok in [
            "127.0.0.1:1",
            "127.9.8.7:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            let addr: SocketAddr = ok.parse().unwrap();
            assert_eq!(check_axon_with(addr, false, true), Ok(()), "{ok}");
            assert!(check_axon_with(addr, false, false).is_err(), "{ok}");
        }
        for refused in [
            "10.0.0.1:1",
            "169.254.169.254:80",
            "192.168.1.1:1",
            "[::ffff:10.0.0.1]:1",
            "[::127.0.0.1]:1",
            "[64:ff9b::7f00:1]:1",
            "[fe80::1]:1",
            "0.0.0.0:1",
        ] {
            let addr: SocketAddr = refused.parse().unwrap();
            assert!(check_axon_with(addr, false, true).is_err(), "{refused}");
            assert_eq!(check_axon_with(addr, true, false), Ok(()), "{refused}");
        }
        assert_eq!(
            check_axon_with("8.8.8.8:80".parse().unwrap(), false, true),
            Ok(())
        );
    }
}
