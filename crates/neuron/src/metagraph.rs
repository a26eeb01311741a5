//! A subnet's metagraph as a neuron sees it: neurons by uid and by hotkey, synced from a
//! node through [`taonet_client`], plus the default axon policies built on it.
//!
//! [`Metagraph::refresh`] re-reads the subnet only when the node's finalized block moved,
//! so calling it every few seconds costs one cheap RPC when nothing changed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use taonet_client::prelude::*;
use taonet_client::types::{MetagraphInfo, NeuronInfo, SubnetInfo};

use crate::axon::{Blacklist, Priority};
use crate::dendrite::AxonTarget;
use crate::error::MetagraphError;

/// A snapshot of one subnet.
#[derive(Clone, Debug)]
pub struct Metagraph {
    netuid: u16,
    block: u64,
    subnet: SubnetInfo,
    neurons: Vec<NeuronInfo>,
    by_hotkey: HashMap<String, u16>,
}

impl Metagraph {
    /// A metagraph from an RPC snapshot.
    pub fn from_rpc(m: MetagraphInfo) -> Self {
        let by_hotkey = m
            .neurons
            .iter()
            .map(|n| (n.hotkey.clone(), n.uid))
            .collect();
        Metagraph {
            netuid: m.netuid,
            block: m.block,
            subnet: m.subnet,
            neurons: m.neurons,
            by_hotkey,
        }
    }

    /// Reads subnet `netuid` (without weights and bonds).
    pub async fn sync(client: &Client, netuid: u16) -> Result<Self, MetagraphError> {
        let m = client
            .state_get_metagraph(netuid, false, false)
            .await
            .map_err(|e| MetagraphError::Rpc(e.to_string()))?
            .ok_or(MetagraphError::NoSubnet(netuid))?;
        Ok(Metagraph::from_rpc(m))
    }

    /// Re-syncs if the finalized block moved past ours; returns whether it did.
    pub async fn refresh(&mut self, client: &Client) -> Result<bool, MetagraphError> {
        let head = client
            .chain_get_finalized_head()
            .await
            .map_err(|e| MetagraphError::Rpc(e.to_string()))?;
        if head.height <= self.block {
            return Ok(false);
        }
        *self = Metagraph::sync(client, self.netuid).await?;
        Ok(true)
    }

    /// Subnet id.
    pub fn netuid(&self) -> u16 {
        self.netuid
    }

    /// Block the snapshot was read at.
    pub fn block(&self) -> u64 {
        self.block
    }

    /// The subnet's summary (tempo, epoch index, next epoch block, …) at [`Self::block`].
    pub fn subnet(&self) -> &SubnetInfo {
        &self.subnet
    }

    /// All neurons, by uid order.
    pub fn neurons(&self) -> &[NeuronInfo] {
        &self.neurons
    }

    /// The neuron with `uid`.
    pub fn by_uid(&self, uid: u16) -> Option<&NeuronInfo> {
        self.neurons
            .get(uid as usize)
            .filter(|n| n.uid == uid)
            .or_else(|| self.neurons.iter().find(|n| n.uid == uid))
    }

    /// The neuron registered with `hotkey`.
    pub fn by_hotkey(&self, hotkey: &str) -> Option<&NeuronInfo> {
        self.by_hotkey.get(hotkey).and_then(|uid| self.by_uid(*uid))
    }

    /// Serving axons as dendrite targets (neurons without a parsable address are skipped).
    pub fn axons(&self) -> Vec<(u16, AxonTarget)> {
        self.neurons
            .iter()
            .filter_map(|n| {
                let addr: SocketAddr = n.axon.as_ref()?.address.parse().ok()?;
                if addr.ip().is_unspecified() {
                    return None;
                }
                Some((
                    n.uid,
                    AxonTarget {
                        addr,
                        hotkey: n.hotkey.clone(),
                    },
                ))
            })
            .collect()
    }
}

/// A metagraph shared between a refresher and the axon's policies.
pub type SharedMetagraph = Arc<RwLock<Metagraph>>;

/// The default blacklist: refuses hotkeys not registered on the subnet and, when
/// `require_validator_permit`, registered hotkeys without a validator permit.
#[derive(Clone, Debug)]
pub struct MetagraphBlacklist {
    /// The subnet's metagraph, kept current by a refresher; read on every request.
    pub metagraph: SharedMetagraph,
    /// Refuse neurons without a validator permit.
    pub require_validator_permit: bool,
}

impl Blacklist for MetagraphBlacklist {
    fn blacklist(&self, hotkey: &str, _synapse: &str) -> Option<String> {
        let m = self.metagraph.read().unwrap_or_else(|e| e.into_inner());
        match m.by_hotkey(hotkey) {
            None => Some(format!("Unrecognized hotkey {hotkey}")),
            Some(n) if self.require_validator_permit && !n.validator_permit => {
                Some(format!("Non-validator hotkey {hotkey}"))
            }
            Some(_) => None,
        }
    }
}

/// The default priority: the caller's stake (0 when unregistered).
#[derive(Clone, Debug)]
pub struct StakePriority(pub SharedMetagraph);

impl Priority for StakePriority {
    fn priority(&self, hotkey: &str, _synapse: &str) -> f64 {
        let m = self.0.read().unwrap_or_else(|e| e.into_inner());
        m.by_hotkey(hotkey).map(|n| n.stake.0 as f64).unwrap_or(0.0)
    }
}
