//! The text subnet of a local network: miners of different quality and two subnet
//! validators, each its own `taonet miner run` / `taonet validator run` process.
//!
//! - Models: byte n-grams trained once on the public synthetic language, saved under
//!   `<dir>/models/ngram-N.safetensors`; miner *i* serves order [`MINER_ORDERS`]`[i]`, so
//!   `miner-0` is the best, then `miner-1`, `miner-2`, ….
//! - Keys: miner *i* is hotkey `miner` of development wallet `DEV_NAMES[2 + i]` (charlie,
//!   dave, …; derived as `//Charlie//miner`), written in bittensor's layout under the
//!   network's wallet path, so the Python SDK can load them. The subnet validators are the
//!   `default` hotkeys of alice (subnet 1's owner, uid 0) and bob (registered here by
//!   burning, with his genesis self-stake).
//! - Miners register themselves (`--register`) and publish their axons; validators query
//!   every few seconds and set weights every tempo.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use taonet_client::prelude::*;
use taonet_crypto::Keypair;
use taonet_crypto::keyfile::KeyfileData;
use taonet_crypto::wallet::Wallet;
use taonet_neuron::tx::TxSender;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};
use taonet_subnet_text::{Language, NgramModel};
use taonet_types::tx::NeuronCall;
use taonet_types::{Call, RAO_PER_TAO, Rao};

use crate::context::{Localnet, LocalnetNeuron, pid_alive};

/// The subnet the neurons work on.
pub const NETUID: u16 = 1;
/// n-gram order of miner i: the best first.
pub const MINER_ORDERS: [usize; 6] = [6, 4, 2, 5, 3, 1];
/// Most miners a local network runs (one per spare development wallet).
pub const MAX_MINERS: usize = 6;

/// Settings of the neurons `localnet up` creates.
#[derive(Clone, Debug)]
pub struct NeuronPlan {
    /// Number of miners (0 to [`MAX_MINERS`]).
    pub miners: usize,
    /// First axon port (miner i listens on port + i).
    pub axon_port: u16,
    /// First health port (neuron j serves `/health` on port + j).
    pub health_port: u16,
    /// Port of the gateway run by the first subnet validator.
    pub gateway_port: u16,
    /// Bytes of synthetic text each model is trained on.
    pub train_bytes: usize,
}

/// Trains the models (if missing), writes the miners' hotkeys and returns the neuron
/// records for a new network. `progress(done, total, what)` follows the training.
pub fn plan(
    net: &Localnet,
    p: &NeuronPlan,
    progress: &dyn Fn(usize, usize, String),
) -> Result<Vec<LocalnetNeuron>> {
    let models = net.dir.join("models");
    std::fs::create_dir_all(&models).with_context(|| format!("creating {}", models.display()))?;
    let logs = net.dir.join("neurons");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let rpc = http_rpc(&net.nodes[0].rpc);
    let mut neurons = Vec::new();
    let mut health_port = p.health_port;
    let mut next_health = || {
        let addr = format!("127.0.0.1:{health_port}");
        health_port = health_port.saturating_add(1);
        addr
    };
    let language = Language::new();
    let mut text: Option<Vec<u8>> = None;
    let model_path = |order: usize| models.join(format!("ngram-{order}.safetensors"));
    let miners = p.miners.min(MAX_MINERS);
    let to_train = MINER_ORDERS[..miners]
        .iter()
        .filter(|o| !model_path(**o).exists())
        .count();
    let mut trained = 0;
    progress(0, to_train, "models on disk".into());
    for i in 0..miners {
        let order = MINER_ORDERS[i];
        let path = model_path(order);
        if !path.exists() {
            progress(trained, to_train, format!("training a byte {order}-gram…"));
            let text = text.get_or_insert_with(|| language.text(1, p.train_bytes));
            NgramModel::train(order, text, |_| {})
                .and_then(|m| m.save(&path))
                .with_context(|| format!("training {}", path.display()))?;
            trained += 1;
            progress(trained, to_train, format!("byte {order}-gram trained"));
        }
        let wallet_name = DEV_NAMES[2 + i].to_string();
        let hotkey = miner_hotkey(&net.wallet_path, &wallet_name)?;
        let name = format!("miner-{i}");
        let port = p
            .axon_port
            .checked_add(i as u16)
            .context("--axon-port too high")?;
        neurons.push(LocalnetNeuron {
            log: logs.join(format!("{name}.log")),
            name,
            netuid: NETUID,
            role: "miner".into(),
            hotkey: hotkey.ss58(),
            wallet_name,
            hotkey_name: "miner".into(),
            axon: Some(format!("127.0.0.1:{port}")),
            model: Some(path),
            health: next_health(),
            gateway: None,
            rpc: rpc.clone(),
            pid: 0,
        });
    }
    if p.miners > 0 {
        for (j, owner) in ["alice", "bob"].into_iter().enumerate() {
            let name = format!("subnet-validator-{j}");
            neurons.push(LocalnetNeuron {
                log: logs.join(format!("{name}.log")),
                name,
                netuid: NETUID,
                role: "validator".into(),
                hotkey: dev_keys(owner).1.ss58(),
                wallet_name: owner.into(),
                hotkey_name: "default".into(),
                axon: None,
                model: None,
                health: next_health(),
                // alice's validator also sells answers to paid queries.
                gateway: (j == 0).then(|| format!("127.0.0.1:{}", p.gateway_port)),
                rpc: rpc.clone(),
                pid: 0,
            });
        }
    }
    Ok(neurons)
}

/// The `http://` form of a node's RPC URL (neurons use stateless HTTP requests).
fn http_rpc(url: &str) -> String {
    crate::cmd::neuron::http_url(url)
}

/// Writes hotkey `miner` of development wallet `name` (derived `//Name//miner`).
fn miner_hotkey(root: &Path, name: &str) -> Result<Keypair> {
    let mut title = name.to_string();
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let key = Keypair::from_uri(&format!("//{title}//miner"))
        .map_err(|e| anyhow::anyhow!("deriving {name}'s miner hotkey: {e}"))?;
    let wallet = Wallet::new(root, name)?;
    let file = wallet.hotkey("miner")?;
    if !file.exists() {
        file.write(&KeyfileData::from_keypair(&key), None, false)?;
    }
    let public = wallet.hotkeypub("miner")?;
    if !public.exists() {
        public.write(&KeyfileData::public(&key.account_id()), None, false)?;
    }
    Ok(key)
}

/// Checks that the neurons' ports are free.
pub fn check_ports(neurons: &[LocalnetNeuron]) -> Result<()> {
    for n in neurons {
        for addr in n
            .axon
            .iter()
            .chain(n.gateway.iter())
            .chain(std::iter::once(&n.health))
        {
            let parsed: SocketAddr = addr.parse().with_context(|| format!("address {addr}"))?;
            if std::net::TcpListener::bind(parsed).is_err() {
                bail!(
                    "{addr} ({}) is already in use; pick other ports (--axon-port, --health-port, --gateway-port) or stop what uses it",
                    n.name
                );
            }
        }
    }
    Ok(())
}

/// Registers bob's hotkey on the subnet (alice's is the owner's, uid 0) if it is not.
pub async fn register_validators(net: &Localnet) -> Result<()> {
    let rpc = http_rpc(&net.nodes[0].rpc);
    let chain = TxSender::connect(&rpc)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to {rpc}: {e}"))?;
    let (bob, bob_hot) = dev_keys("bob");
    let registered = chain
        .client()
        .state_get_metagraph(NETUID, false, false)
        .await
        .map_err(|e| anyhow::anyhow!("reading subnet {NETUID}: {e}"))?
        .is_some_and(|m| m.neurons.iter().any(|n| n.hotkey == bob_hot.ss58()));
    if !registered {
        chain
            .submit(
                &bob,
                Call::Neurons(NeuronCall::BurnedRegister {
                    netuid: NETUID,
                    hotkey: bob_hot.account_id(),
                    max_burn: Rao(10 * RAO_PER_TAO),
                }),
            )
            .await
            .map_err(|e| anyhow::anyhow!("registering bob's hotkey on subnet {NETUID}: {e}"))?;
    }
    Ok(())
}

/// Starts neuron `index` as a `taonet miner run` / `taonet validator run` process.
pub fn spawn(net: &Localnet, index: usize) -> Result<u32> {
    let n = &net.neurons[index];
    let exe = std::env::current_exe().context("finding the taonet binary")?;
    let mut cmd = Command::new(exe);
    cmd.arg("--no-prompt");
    if n.role == "miner" {
        let axon: SocketAddr = n
            .axon
            .as_deref()
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("{}: axon address", n.name))?;
        cmd.args(["miner", "run", "--register", "--max-burn", "10"])
            .arg("--model")
            .arg(n.model.as_deref().unwrap_or(Path::new("")))
            .arg("--axon-ip")
            .arg(axon.ip().to_string())
            .arg("--axon-port")
            .arg(axon.port().to_string());
    } else {
        // Short rounds so scores settle within a few tempos of a 10-block dev subnet.
        cmd.args([
            "validator",
            "run",
            "--round-interval",
            "3",
            "--query-timeout",
            "5",
            "--alpha",
            "0.3",
            // Every axon of a local network is on 127.0.0.1.
            "--allow-private-axons",
        ]);
        if let Some(gateway) = &n.gateway {
            // Claims every 10 s (20 dev blocks); channels need 40 blocks left to be served.
            cmd.args(["--gateway", "--gateway-listen", gateway]).args([
                "--claim-interval",
                "10",
                "--min-blocks-left",
                "40",
            ]);
        }
    }
    cmd.arg("--netuid")
        .arg(n.netuid.to_string())
        .arg("--wallet-path")
        .arg(&net.wallet_path)
        .arg("--wallet-name")
        .arg(&n.wallet_name)
        .arg("--hotkey")
        .arg(&n.hotkey_name)
        .arg("--rpc")
        .arg(&n.rpc)
        .arg("--health-addr")
        .arg(&n.health);
    super::process::spawn_logged(cmd, &n.log, &n.name)
}

/// `GET http://addr/health` (a small blocking HTTP/1.0 request), parsed as JSON.
pub fn health(addr: &str) -> Option<Value> {
    use std::io::{Read, Write};
    let parsed: SocketAddr = addr.parse().ok()?;
    let mut s = std::net::TcpStream::connect_timeout(&parsed, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(format!("GET /health HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .ok()?;
    let mut buf = Vec::new();
    s.take(4 << 20).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8(buf).ok()?;
    let body = text.split_once("\r\n\r\n")?.1;
    serde_json::from_str(body).ok()
}

/// Status rows of the neurons: the local record, the chain's metagraph and each process's
/// health.
pub async fn status_rows(net: &Localnet, client: Option<&Client>) -> Vec<Value> {
    let mut metagraphs = std::collections::BTreeMap::new();
    if let Some(c) = client {
        for n in &net.neurons {
            if let std::collections::btree_map::Entry::Vacant(e) = metagraphs.entry(n.netuid)
                && let Ok(Some(m)) = c.state_get_metagraph(n.netuid, true, false).await
            {
                e.insert(m);
            }
        }
    }
    net.neurons
        .iter()
        .map(|n| {
            let running = pid_alive(n.pid);
            let neuron = metagraphs
                .get(&n.netuid)
                .and_then(|m| m.neurons.iter().find(|x| x.hotkey == n.hotkey));
            let health = if running { health(&n.health) } else { None };
            let axon = neuron
                .and_then(|x| x.axon.as_ref())
                .map(|a| a.address.clone())
                .or_else(|| n.axon.clone());
            json!({
                "name": n.name,
                "netuid": n.netuid,
                "uid": neuron.map(|x| x.uid),
                "role": n.role,
                "hotkey": n.hotkey,
                "axon": axon,
                "gateway": n.gateway,
                "wallet_name": n.wallet_name,
                "hotkey_name": n.hotkey_name,
                "pid": if running { n.pid } else { 0 },
                "running": running,
                "model": n.model,
                "stake": neuron.map(|x| x.stake.0),
                "incentive": neuron.map(|x| x.incentive),
                "dividends": neuron.map(|x| x.dividends),
                "emission": neuron.map(|x| x.emission.0),
                "validator_permit": neuron.map(|x| x.validator_permit),
                "weights": neuron.and_then(|x| x.weights.clone()),
                "last_weights_block": health.as_ref().and_then(|h| h.get("last_weights_block").cloned()),
                "last_error": health.as_ref().and_then(|h| h.get("last_error").cloned()),
                "health": health,
                "log": n.log,
            })
        })
        .collect()
}
