//! The miner loop: register if asked, serve the axon, publish its address, answer.
//!
//! # What it does
//! 1. Reads the subnet's [`Metagraph`]. If our hotkey is not registered and
//!    [`MinerConfig::register`] is set, it registers by burning (the coldkey signs and pays,
//!    refusing a burn above `max_burn`); otherwise it waits, saying how to register.
//! 2. Serves an [`Axon`] with the default policies: the [`MetagraphBlacklist`] (unregistered
//!    callers and, unless disabled, callers without a validator permit are refused) and
//!    [`StakePriority`]. Requests reach the [`MinerModel`] on tokio's blocking pool.
//! 3. Publishes the axon's public address on chain (`serve_axon`, signed by the hotkey)
//!    whenever the chain's record differs from it, e.g. after a restart on a new port.
//! 4. Refreshes the metagraph every [`MinerConfig::refresh_interval`], re-registering if the
//!    neuron was pruned (when registration is enabled) and republishing if needed. Failures
//!    are logged, kept in [`MinerHealth::last_error`] and retried; the loop never stops by
//!    itself.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Serialize;
use taonet_crypto::Keypair;
use taonet_types::tx::{AxonInfo, NeuronCall};
use taonet_types::{Call, Rao};
use tokio::net::TcpListener;

use crate::axon::{Axon, AxonConfig, AxonHandle, ForwardError};
use crate::error::MinerError;
use crate::health::{SharedHealth, update};
use crate::metagraph::{Metagraph, MetagraphBlacklist, SharedMetagraph, StakePriority};
use crate::subnet::MinerModel;
use crate::synapse::Synapse;
use crate::tx::TxSender;

/// Burned registration settings.
#[derive(Debug)]
pub struct Register {
    /// The coldkey that signs and pays.
    pub coldkey: Keypair,
    /// Highest burn accepted.
    pub max_burn: Rao,
}

/// Miner settings.
#[derive(Debug)]
pub struct MinerConfig {
    /// The subnet the miner registers on, serves and reads its metagraph from.
    pub netuid: u16,
    /// Axon settings; `external_ip`/`external_port` are what gets published.
    pub axon: AxonConfig,
    /// Refuse callers without a validator permit (default true).
    pub require_validator_permit: bool,
    /// Register when not registered.
    pub register: Option<Register>,
    /// Metagraph refresh period (5 s).
    pub refresh_interval: Duration,
    /// Axon version published on chain.
    pub axon_version: u32,
}

impl MinerConfig {
    /// Defaults for subnet `netuid`.
    pub fn new(netuid: u16) -> Self {
        MinerConfig {
            netuid,
            axon: AxonConfig::default(),
            require_validator_permit: true,
            register: None,
            refresh_interval: Duration::from_secs(5),
            axon_version: 1,
        }
    }
}

/// What the miner is doing, for `GET /health` and logs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MinerHealth {
    /// The subnet the miner serves.
    pub netuid: u16,
    /// Our hotkey.
    pub hotkey: String,
    /// Our uid (`None` while not registered).
    pub uid: Option<u16>,
    /// Last finalized block seen.
    pub block: u64,
    /// Where the axon listens.
    pub listen: Option<String>,
    /// The address published on chain.
    pub published: Option<String>,
    /// Requests answered.
    pub answered: u64,
    /// Requests the model failed on.
    pub failed: u64,
    /// Our incentive (u16 proportion) at the last refresh.
    pub incentive: u16,
    /// Our emission at the last epoch (rao).
    pub emission: u64,
    /// The last failure in words.
    pub last_error: Option<String>,
}

/// A miner serving model `M` for synapse `S`.
pub struct Miner<S: Synapse, M: MinerModel<S>> {
    hotkey: Keypair,
    chain: Arc<TxSender>,
    model: Arc<M>,
    config: MinerConfig,
    health: SharedHealth<MinerHealth>,
    answered: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    _synapse: PhantomData<fn(S)>,
}

impl<S: Synapse, M: MinerModel<S>> Miner<S, M> {
    /// A miner answering with `model`, its axon signing as `hotkey`.
    pub fn new(hotkey: Keypair, chain: Arc<TxSender>, model: M, config: MinerConfig) -> Self {
        let health = SharedHealth::default();
        update(&health, |h: &mut MinerHealth| {
            h.netuid = config.netuid;
            h.hotkey = hotkey.ss58();
        });
        Miner {
            hotkey,
            chain,
            model: Arc::new(model),
            config,
            health,
            answered: Arc::new(AtomicU64::new(0)),
            failed: Arc::new(AtomicU64::new(0)),
            _synapse: PhantomData,
        }
    }

    /// The status shared with a health endpoint.
    pub fn health(&self) -> SharedHealth<MinerHealth> {
        self.health.clone()
    }

    /// Registers if needed and allowed, starts the axon on `listener`, publishes it and
    /// keeps everything current until `shutdown` completes. Errors only if the axon cannot
    /// start or the configuration is unusable.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), MinerError> {
        tokio::pin!(shutdown);
        let netuid = self.config.netuid;
        let hotkey = self.hotkey.ss58();
        // The first snapshot (retried: the node may still be starting).
        let metagraph = loop {
            match Metagraph::sync(self.chain.client(), netuid).await {
                Ok(m) => break m,
                Err(e) => {
                    self.fail(format!("cannot read subnet {netuid}: {e}"));
                    tokio::select! {
                        _ = &mut shutdown => return Ok(()),
                        _ = tokio::time::sleep(self.config.refresh_interval) => {}
                    }
                }
            }
        };
        let shared: SharedMetagraph = Arc::new(RwLock::new(metagraph));
        let axon = self.start_axon(listener, shared.clone())?;
        let port = match self.config.axon.external_port {
            0 => axon.local_addr.port(),
            p => p,
        };
        let ip: IpAddr = self.config.axon.external_ip.parse().map_err(|_| {
            MinerError::Config(format!(
                "external IP {:?} is not an IPv4 or IPv6 address",
                self.config.axon.external_ip
            ))
        })?;
        let public = SocketAddr::new(ip, port);
        tracing::info!(
            netuid,
            "miner {hotkey}: axon listening on {}, publishing {public}",
            axon.local_addr
        );
        let listen = axon.local_addr.to_string();
        update(&self.health, |h| h.listen = Some(listen));

        loop {
            if let Err(e) = self.tick(&shared, public).await {
                self.fail(e.to_string());
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = tokio::time::sleep(self.config.refresh_interval) => {}
            }
        }
        axon.stop();
        Ok(())
    }

    fn fail(&self, msg: String) {
        tracing::warn!(netuid = self.config.netuid, "miner: {msg}; retrying");
        update(&self.health, |h| h.last_error = Some(msg));
    }

    fn start_axon(
        &self,
        listener: TcpListener,
        shared: SharedMetagraph,
    ) -> Result<AxonHandle, MinerError> {
        let model = self.model.clone();
        let answered = self.answered.clone();
        let failed = self.failed.clone();
        let axon = Axon::new(
            self.hotkey.clone(),
            self.config.axon.clone(),
            MetagraphBlacklist {
                metagraph: shared.clone(),
                require_validator_permit: self.config.require_validator_permit,
            },
        )
        .priority(StakePriority(shared))
        .attach(move |request: S, _caller| {
            let model = model.clone();
            let answered = answered.clone();
            let failed = failed.clone();
            async move {
                let result = tokio::task::spawn_blocking(move || model.answer(request))
                    .await
                    .map_err(|e| ForwardError(format!("model task failed: {e}")))
                    .and_then(|r| r);
                match &result {
                    Ok(_) => answered.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
                result
            }
        });
        Ok(axon.serve(listener)?)
    }

    /// One refresh: metagraph, registration, axon publication, health.
    async fn tick(&self, shared: &SharedMetagraph, public: SocketAddr) -> Result<(), TickError> {
        let netuid = self.config.netuid;
        let hotkey = self.hotkey.ss58();
        let mut m = Metagraph::sync(self.chain.client(), netuid)
            .await
            .map_err(|e| TickError(e.to_string()))?;
        if m.by_hotkey(&hotkey).is_none() {
            let Some(reg) = &self.config.register else {
                update(&self.health, |h| h.uid = None);
                return Err(TickError(format!(
                    "hotkey {hotkey} is not registered on subnet {netuid}; register it \
                     (taonet subnet register --netuid {netuid}) or run with --register"
                )));
            };
            let call = Call::Neurons(NeuronCall::BurnedRegister {
                netuid,
                hotkey: self.hotkey.account_id(),
                max_burn: reg.max_burn,
            });
            let inc = self
                .chain
                .submit(&reg.coldkey, call)
                .await
                .map_err(|e| TickError(format!("registration failed: {e}")))?;
            tracing::info!(
                netuid,
                block = inc.block_height,
                "miner {hotkey}: registered"
            );
            m = Metagraph::sync(self.chain.client(), netuid)
                .await
                .map_err(|e| TickError(e.to_string()))?;
        }
        let Some(me) = m.by_hotkey(&hotkey).cloned() else {
            return Err(TickError(format!(
                "hotkey {hotkey} is still not registered on subnet {netuid}"
            )));
        };
        let on_chain = me.axon.as_ref().map(|a| a.address.clone());
        if on_chain.as_deref() != Some(public.to_string().as_str()) {
            let (ip, ip_type) = match public.ip() {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4),
                IpAddr::V6(v6) => (u128::from(v6), 6),
            };
            let call = Call::Neurons(NeuronCall::ServeAxon {
                netuid,
                axon: AxonInfo {
                    version: self.config.axon_version,
                    ip,
                    port: public.port(),
                    ip_type,
                    protocol: 4,
                },
            });
            match self.chain.submit(&self.hotkey, call).await {
                Ok(inc) => {
                    tracing::info!(
                        netuid,
                        block = inc.block_height,
                        "miner {hotkey}: axon {public} published"
                    );
                }
                Err(e) => {
                    return Err(TickError(format!("publishing the axon failed: {e}")));
                }
            }
        }
        let (block, answered, failed) = (
            m.block(),
            self.answered.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        );
        {
            let mut guard = shared.write().unwrap_or_else(|e| e.into_inner());
            *guard = m;
        }
        update(&self.health, |h| {
            h.uid = Some(me.uid);
            h.block = block;
            h.published = Some(public.to_string());
            h.answered = answered;
            h.failed = failed;
            h.incentive = me.incentive;
            h.emission = me.emission.0;
            h.last_error = None;
        });
        Ok(())
    }
}

#[derive(Debug)]
struct TickError(String);

impl std::fmt::Display for TickError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
