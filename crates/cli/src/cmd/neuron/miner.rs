//! `taonet miner run`: serve a model on a subnet until Ctrl-C or SIGTERM.
//!
//! With `--register` the hotkey is registered first by burning TAO from the coldkey (at most
//! `--max-burn`); the axon listens on `--axon-ip:--axon-port` and publishes
//! `--external-ip:--external-port` on chain (127.0.0.1 when listening on every address).
//! Only registered callers with a validator permit are answered, unless
//! `--allow-non-validators`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use taonet_neuron::miner::{Miner, MinerConfig, Register};

use super::model::load_model;
use super::{
    NeuronOpts, connect_chain, health_endpoint, multi_thread_runtime, neuron_rpc, shutdown_signal,
};
use crate::args::parse_tao;
use crate::{Global, usage};

#[derive(Args, Debug)]
pub(super) struct MinerRunArgs {
    /// The subnet to mine on (netuid).
    #[arg(long, default_value_t = 1)]
    netuid: u16,
    /// The model file (`taonet miner train --out PATH`).
    #[arg(long, value_name = "PATH")]
    model: PathBuf,
    /// Register the hotkey by burning TAO from the coldkey if it is not registered.
    #[arg(long)]
    register: bool,
    /// Highest registration burn accepted, in TAO.
    #[arg(long, default_value = "10", value_name = "TAO")]
    max_burn: String,
    /// Address the axon listens on.
    #[arg(long, default_value = "0.0.0.0")]
    axon_ip: IpAddr,
    /// Port the axon listens on (0: any free port).
    #[arg(long, default_value_t = 8091)]
    axon_port: u16,
    /// IP published on chain [default: 127.0.0.1 when listening on 0.0.0.0, else --axon-ip].
    #[arg(long)]
    external_ip: Option<IpAddr>,
    /// Port published on chain [default: the listening port].
    #[arg(long)]
    external_port: Option<u16>,
    /// Answer registered callers without a validator permit too.
    #[arg(long)]
    allow_non_validators: bool,
    #[command(flatten)]
    common: NeuronOpts,
}

/// `miner run`: checks the flags, then serves until a signal.
pub(super) fn run(a: MinerRunArgs, global: Global) -> Result<ExitCode> {
    crate::cmd::node::init_logging(a.common.log.as_deref());
    let model = load_model(&a.model)?;
    tracing::info!("model {}: {}", a.model.display(), model.describe());
    let hotkey = a.common.keys.hotkey_pair(global)?;
    let register = if a.register {
        Some(Register {
            coldkey: a.common.keys.coldkey(global)?,
            max_burn: parse_tao("--max-burn", &a.max_burn)?,
        })
    } else {
        None
    };
    let mut config = MinerConfig::new(a.netuid);
    config.register = register;
    config.require_validator_permit = !a.allow_non_validators;
    config.axon.external_ip = match a.external_ip {
        Some(ip) => ip.to_string(),
        None if a.axon_ip.is_unspecified() => "127.0.0.1".into(),
        None => a.axon_ip.to_string(),
    };
    config.axon.external_port = a.external_port.unwrap_or(0);
    if a.common.rpc.tip.is_some() {
        return Err(usage!(
            "--tip applies to the chain commands' paying transactions; neurons send free calls"
        ));
    }
    let url = neuron_rpc(a.common.rpc.rpc.as_deref())?;
    let rt = multi_thread_runtime()?;
    rt.block_on(async move {
        let listen = SocketAddr::new(a.axon_ip, a.axon_port);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| usage!("cannot listen on {listen}: {e}; pick another --axon-port"))?;
        let chain = connect_chain(&url).await?;
        let miner = Miner::new(hotkey, chain, model, config);
        let _health = match a.common.health_addr {
            Some(addr) => Some(health_endpoint(addr, miner.health()).await?),
            None => None,
        };
        tracing::info!(
            "miner on subnet {} listening on {} (node {url})",
            a.netuid,
            listener
                .local_addr()
                .map(|x| x.to_string())
                .unwrap_or_default()
        );
        miner
            .run(listener, shutdown_signal())
            .await
            .map_err(|e| anyhow::anyhow!("the miner stopped: {e}"))?;
        tracing::info!("miner stopped");
        Ok(ExitCode::SUCCESS)
    })
}
