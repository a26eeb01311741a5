//! [`AxonInfo`]: where a neuron serves, as published by `neurons.serve_axon` and kept in the
//! neuron's state.
//!
//! # Rules
//! - Encoded as its fields in order (`version ‖ ip ‖ port ‖ ip_type ‖ protocol`, fixed width).
//! - `ip_type` says how to read `ip`: 4 uses the low 32 bits, 6 all 128; any other value has
//!   no socket address.

use serde::{Deserialize, Serialize};

/// Where a neuron serves its axon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxonInfo {
    /// Software version of the axon.
    pub version: u32,
    /// IPv4 (as the low 32 bits) or IPv6 address.
    pub ip: u128,
    /// TCP port (0 = not serving).
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Protocol identifier (4 = HTTP, as bittensor).
    pub protocol: u8,
}

crate::plain_codec!(AxonInfo {
    version: u32,
    ip: u128,
    port: u16,
    ip_type: u8,
    protocol: u8,
});

impl AxonInfo {
    /// The address as `ip:port` text (`[v6]:port` for IPv6).
    pub fn socket_addr(&self) -> Option<std::net::SocketAddr> {
        let ip: std::net::IpAddr = match self.ip_type {
            4 => std::net::Ipv4Addr::from(u32::try_from(self.ip).ok()?).into(),
            6 => std::net::Ipv6Addr::from(self.ip).into(),
            _ => return None,
        };
        Some(std::net::SocketAddr::new(ip, self.port))
    }
}
