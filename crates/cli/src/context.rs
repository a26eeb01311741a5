//! Where chain commands find the node and the wallets.
//!
//! - RPC, the first of:
//!   1. the `--rpc` / `--network` flag (`NAME` or `URL`; btcli's `--subtensor.network`,
//!      `--chain` and `--subtensor.chain_endpoint` are aliases);
//!   2. `TAONET_RPC` (a name or a URL);
//!   3. the config file's default network (`network = …` in `$TAONET_CONFIG`, else
//!      `~/.taonet/config.toml`; see [`crate::config`]);
//!   4. the first node of the running local network (`taonet localnet up`);
//!   5. `ws://127.0.0.1:9944`.
//!
//!   A value containing `:` is a URL, used as is. Anything else is a network name: `local`
//!   (built in) is steps 4–5; other names are looked up in the config file's `[networks]`.
//!   An unknown name is a usage error (exit 2) listing the known names. The config file is
//!   read only when a name or its default is needed, so `--rpc URL` works whatever it holds.
//! - Wallets: `--wallet-path`, else `TAONET_WALLET_PATH`, else `~/.bittensor/wallets` — unless
//!   the wallet name is not there but is one of a running local network's development wallets
//!   (`alice`, `bob`, …), which live under the local network's directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::usage;

/// Environment variable naming the node RPC URL.
pub const RPC_ENV: &str = "TAONET_RPC";
/// Environment variable naming the local network directory.
pub const LOCALNET_ENV: &str = "TAONET_LOCALNET_DIR";
/// Default RPC URL.
pub const DEFAULT_RPC: &str = "ws://127.0.0.1:9944";

/// One node of a local network, as recorded in `localnet.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocalnetNode {
    /// Name (`validator-0`, …).
    pub name: String,
    /// RPC URL.
    pub rpc: String,
    /// P2P listen address.
    pub p2p: String,
    /// Metrics address.
    pub metrics: String,
    /// Process id of the running node (0 when stopped).
    pub pid: u32,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Log file.
    pub log: PathBuf,
    /// Consensus public key (hex).
    pub consensus_key: String,
}

/// One subnet neuron (miner or subnet validator) of a local network.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocalnetNeuron {
    /// Name (`miner-0`, `subnet-validator-0`, …).
    pub name: String,
    /// The subnet it mines or validates on.
    pub netuid: u16,
    /// `miner` or `validator`.
    pub role: String,
    /// Hotkey (SS58).
    pub hotkey: String,
    /// Wallet (coldkey) name under the network's wallet path.
    pub wallet_name: String,
    /// Hotkey name in that wallet.
    pub hotkey_name: String,
    /// The axon's address ("ip:port"; miners only).
    pub axon: Option<String>,
    /// The model file (miners only).
    pub model: Option<PathBuf>,
    /// Its `GET /health` address.
    pub health: String,
    /// The paid-query gateway's address ("ip:port"; a subnet validator run with `--gateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// The node it talks to.
    pub rpc: String,
    /// Process id (0 when stopped).
    pub pid: u32,
    /// Log file.
    pub log: PathBuf,
}

/// A local network's record (`<dir>/localnet.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Localnet {
    /// Chain id.
    pub chain_id: String,
    /// The local network's directory.
    pub dir: PathBuf,
    /// Where its development wallets are (bittensor layout).
    pub wallet_path: PathBuf,
    /// The chain spec file every node uses.
    pub chain_spec: PathBuf,
    /// The validator nodes (`validator-0`, …), one per genesis consensus key.
    pub nodes: Vec<LocalnetNode>,
    /// Subnet neurons (miners and subnet validators).
    #[serde(default)]
    pub neurons: Vec<LocalnetNeuron>,
    /// The nodes' `--rpc-rate-limit` (calls/s per client address, loopback included); none:
    /// loopback clients are not limited.
    #[serde(default)]
    pub rpc_rate_limit: Option<u32>,
}

/// The default local network directory: `TAONET_LOCALNET_DIR` or `~/.taonet/localnet`.
pub fn default_localnet_dir() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var(LOCALNET_ENV)
        && !dir.is_empty()
    {
        return Ok(PathBuf::from(dir));
    }
    let home =
        dirs::home_dir().context("cannot find the home directory; set TAONET_LOCALNET_DIR")?;
    Ok(home.join(".taonet").join("localnet"))
}

/// Whether process `pid` is alive.
pub fn pid_alive(pid: u32) -> bool {
    pid != 0 && Path::new(&format!("/proc/{pid}")).exists() && {
        // A zombie is not alive.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                !s.split(") ")
                    .nth(1)
                    .is_some_and(|rest| rest.starts_with('Z'))
            })
            .unwrap_or(false)
    }
}

impl Localnet {
    /// The record file of a local network directory.
    pub fn file(dir: &Path) -> PathBuf {
        dir.join("localnet.json")
    }

    /// Reads the record in `dir`, if any.
    pub fn load(dir: &Path) -> Result<Option<Localnet>> {
        let file = Localnet::file(dir);
        match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("{} is not a local network record", file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
        }
    }

    /// Writes the record atomically.
    pub fn save(&self) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)?;
        let file = Localnet::file(&self.dir);
        taonet_crypto::atomic_file::write_atomic(&file, &json)
            .with_context(|| format!("writing {}", file.display()))
    }

    /// The running local network in the default directory, if one is up.
    pub fn running() -> Option<Localnet> {
        let dir = default_localnet_dir().ok()?;
        let net = Localnet::load(&dir).ok()??;
        net.nodes.iter().any(|n| pid_alive(n.pid)).then_some(net)
    }

    /// RPC URL of the first running node.
    pub fn first_rpc(&self) -> Option<String> {
        self.nodes
            .iter()
            .find(|n| pid_alive(n.pid))
            .map(|n| n.rpc.clone())
    }
}

/// Where the RPC URL came from (the step of the module's resolution order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcSource {
    /// `--rpc` / `--network`.
    Flag,
    /// `TAONET_RPC`.
    Env,
    /// The config file's default network.
    Config,
    /// The running local network, or the default URL when none is running.
    Local,
}

impl RpcSource {
    /// A short name for output: `flag`, `env`, `config`, `local`.
    pub fn as_str(self) -> &'static str {
        match self {
            RpcSource::Flag => "flag",
            RpcSource::Env => "env",
            RpcSource::Config => "config",
            RpcSource::Local => "local",
        }
    }
}

/// The built-in `local` network: the running local network's first node, else
/// [`DEFAULT_RPC`].
pub fn local_rpc() -> String {
    Localnet::running()
        .and_then(|n| n.first_rpc())
        .unwrap_or_else(|| DEFAULT_RPC.to_string())
}

/// The URL of `value` (a URL, `local` or a name from the config file), given by `what`.
fn network_url(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if crate::config::is_url(value) {
        return Ok(value.to_string());
    }
    if value == crate::config::LOCAL {
        return Ok(local_rpc());
    }
    let config = crate::config::Config::load()?;
    match config.known(value) {
        Ok(Some(url)) => Ok(url.to_string()),
        Ok(None) => Ok(local_rpc()),
        Err(why) => Err(usage!("{what}: {why}")),
    }
}

/// The RPC URL chain commands use, and where it came from (see the module's order).
pub fn resolve_rpc_source(flag: Option<&str>) -> Result<(String, RpcSource)> {
    if let Some(value) = flag {
        return Ok((network_url(value, "--network")?, RpcSource::Flag));
    }
    if let Ok(value) = std::env::var(RPC_ENV)
        && !value.is_empty()
    {
        return Ok((network_url(&value, RPC_ENV)?, RpcSource::Env));
    }
    let file = crate::config::Config::path()?;
    if let Some(default) = crate::config::Config::load_from(&file)?.network {
        let what = format!("the default network in {}", file.display());
        return Ok((network_url(&default, &what)?, RpcSource::Config));
    }
    Ok((local_rpc(), RpcSource::Local))
}

/// The RPC URL chain commands use (see the module's order).
pub fn resolve_rpc(flag: Option<&str>) -> Result<String> {
    resolve_rpc_source(flag).map(|(url, _)| url)
}

/// The wallet root for `name` (see the module rules).
pub fn resolve_wallet_root(flag: Option<&Path>, name: &str) -> Result<PathBuf> {
    let root = crate::cmd::wallet::wallet_root(flag)?;
    if flag.is_some() || root.join(name).exists() {
        return Ok(root);
    }
    if let Some(net) = Localnet::running()
        && net.wallet_path.join(name).exists()
    {
        return Ok(net.wallet_path);
    }
    Ok(root)
}
