//! The production entry point: commonware's tokio runtime and authenticated discovery p2p.
//!
//! # Rules
//! - The node's identity on p2p is its ed25519 consensus key; connections are encrypted and
//!   mutually authenticated. Only keys of tracked peer sets may connect: each epoch's seats
//!   (and the next epoch's), plus as secondary peers the configured bootstrap peers and the
//!   registered nodes: consensus keys registered on chain under a hotkey, most stake first
//!   (this is how non-seat full nodes are admitted, by their operator's bootstrap list or
//!   by registering their key).
//! - The consensus key is a file holding the 32-byte ed25519 private key in hex (created with
//!   fresh randomness by [`load_or_create_key`] if missing, mode 0600).
//! - commonware's journals and archives live in `<data_dir>/consensus`; evidence in
//!   `<data_dir>/evidence.jsonl`.

use std::future::Future;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use commonware_codec::{Copying, DecodeExt};
use commonware_cryptography::ChaCha20Poly1305;
use commonware_cryptography::ed25519::{PrivateKey, PublicKey};
use commonware_p2p::authenticated::discovery;
use commonware_runtime::{
    Clock as _, Metrics as _, Quota, Runner as _, Spawner as _, Supervisor as _, tokio as cw_tokio,
};
use commonware_stream::cups::{self, Cups};
use commonware_stream::sake::{self, Sake};

use super::evidence::{EvidenceError, EvidenceLog};
use super::orchestrator::{
    CHANNEL_BACKFILL, CHANNEL_BLOCKS, CHANNEL_CERTIFICATES, CHANNEL_RESOLVER, CHANNEL_TRANSACTIONS,
    CHANNEL_VOTES, ConsensusParams, P2pChannels, StartError, start,
};
use super::provider::namespace;
use crate::chain::Chain;
use crate::rpc::NetworkStatus;

/// Peers with a live connection, from the p2p tracker's `…connected{peer="<key>"}` gauges.
fn connected_peers(metrics: &str) -> Vec<String> {
    let mut peers: Vec<String> = metrics
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("connected{"))
        .filter_map(|l| {
            let start = l.find("peer=\"")? + 6;
            let end = start + l[start..].find('"')?;
            Some(l[start..end].to_string())
        })
        .collect();
    peers.sort();
    peers.dedup();
    peers
}

/// A peer: its ed25519 key and address, written `<hex key>@<host:port>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The peer's consensus (p2p identity) key.
    pub key: [u8; 32],
    /// Where to dial it.
    pub address: SocketAddr,
}

impl FromStr for Peer {
    type Err = NodeError;
    fn from_str(s: &str) -> Result<Self, NodeError> {
        let bad = || NodeError::Peer(s.to_string());
        let (key, address) = s.split_once('@').ok_or_else(bad)?;
        let bytes = hex::decode(key.trim_start_matches("0x")).map_err(|_| bad())?;
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad())?;
        PublicKey::decode(Copying(&key[..])).map_err(|_| bad())?;
        let address = address.parse().map_err(|_| bad())?;
        Ok(Peer { key, address })
    }
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", hex::encode(self.key), self.address)
    }
}

/// Configuration of a node's consensus and p2p.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Address to listen on for p2p.
    pub listen: SocketAddr,
    /// Address peers dial to reach this node (defaults to `listen`).
    pub dialable: Option<SocketAddr>,
    /// Peers to bootstrap from (also admitted as secondary peers in every epoch).
    pub bootstrap: Vec<Peer>,
    /// File holding the consensus private key.
    pub key_file: PathBuf,
    /// The node's data directory (consensus storage goes in `consensus/` under it).
    pub data_dir: PathBuf,
    /// Allow peers on private and loopback addresses (local networks).
    pub allow_private_ips: bool,
    /// Worker threads of the runtime.
    pub worker_threads: usize,
    /// Messages per second each peer may send on each channel (also the burst size). p2p
    /// reserves mailbox room for one burst per retained peer on every channel, so memory grows
    /// with `messages_per_second × params.max_peers_per_set`.
    pub messages_per_second: u32,
    /// Where the connected peers are reported (for RPC health and metrics).
    pub network: NetworkStatus,
    /// Timeouts and sizes.
    pub params: ConsensusParams,
    /// The newest protocol version the node runs (this build's newest by default; less to
    /// rehearse an upgrade as an older build would meet it).
    pub max_protocol_version: u32,
}

impl NodeConfig {
    /// A configuration with defaults for everything but the addresses and paths.
    pub fn new(listen: SocketAddr, key_file: PathBuf, data_dir: PathBuf) -> Self {
        NodeConfig {
            listen,
            dialable: None,
            bootstrap: Vec::new(),
            key_file,
            data_dir,
            allow_private_ips: true,
            worker_threads: 2,
            messages_per_second: 100,
            network: NetworkStatus::default(),
            params: ConsensusParams {
                block_interval: Duration::from_millis(500),
                ..ConsensusParams::default()
            },
            max_protocol_version: taonet_types::protocol::PROTOCOL_VERSION,
        }
    }
}

/// Why the node stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A peer string is not `<hex ed25519 key>@<host:port>`.
    #[error("peer {0:?} is not <hex ed25519 key>@<host:port>")]
    Peer(String),
    /// The key file could not be read, written or parsed.
    #[error("consensus key {path}: {reason}")]
    Key {
        /// The consensus key file (hex ed25519 secret).
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The data directory could not be created.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The node's data directory.
        path: PathBuf,
        /// Why creating it failed.
        source: std::io::Error,
    },
    /// The evidence log could not be opened.
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    /// The consensus stack could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The chain moved to a protocol version this node cannot run; the text says which and
    /// what to install.
    #[error("{0}")]
    Halted(String),
}

/// Reads the consensus key from `path`, creating a fresh one if the file does not exist.
pub fn load_or_create_key(path: &Path) -> Result<PrivateKey, NodeError> {
    let err = |reason: String| NodeError::Key {
        path: path.to_path_buf(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim().trim_start_matches("0x"))
                .map_err(|e| err(format!("not hex: {e}")))?;
            PrivateKey::decode(Copying(bytes.as_slice()))
                .map_err(|e| err(format!("not an ed25519 key: {e}")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A fresh key, written atomically with mode 0600 from creation (never partially
            // visible, never readable by others); then read back like an existing one.
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            }
            taonet_crypto::secret_file::create_random_hex_key(path)
                .map_err(|e| err(e.to_string()))?;
            load_or_create_key(path)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

/// Runs a node's consensus (seat or follower) until `shutdown` resolves.
///
/// This **blocks the calling thread**: it starts commonware's own tokio runtime. Call it from
/// a dedicated thread (`std::thread::spawn`) or `tokio::task::spawn_blocking`. The chain is
/// shared: RPC and the mempool keep working on it from other threads.
pub fn run_validator(
    config: NodeConfig,
    chain: Chain,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
) -> Result<(), NodeError> {
    let key = load_or_create_key(&config.key_file)?;
    let storage = config.data_dir.join("consensus");
    std::fs::create_dir_all(&storage).map_err(|source| NodeError::DataDir {
        path: storage.clone(),
        source,
    })?;
    let evidence = EvidenceLog::open(&config.data_dir.join("evidence.jsonl"), 10_000)?;
    let runtime = cw_tokio::Config::new()
        .with_storage_directory(storage)
        .with_worker_threads(config.worker_threads.max(1));
    cw_tokio::Runner::new(runtime).start(|context| async move {
        let mut peers = Vec::new();
        let mut bootstrappers = Vec::new();
        for peer in &config.bootstrap {
            if let Ok(key) = PublicKey::decode(Copying(&peer.key[..])) {
                peers.push(key.clone());
                bootstrappers.push((key, peer.address.into()));
            }
        }
        let handshake = Cups::<_, ChaCha20Poly1305>::new(
            Sake {
                signer: key.clone(),
                synchrony_bound: Duration::from_secs(5),
                max_handshake_age: Duration::from_secs(10),
                version: sake::Version::V1,
            },
            cups::Version::V1,
        );
        let max_message =
            u32::try_from(config.params.block_codec.max_bytes + 1024 * 1024).unwrap_or(u32::MAX);
        let max_peers =
            NonZeroUsize::new(config.params.max_peers_per_set.max(1)).unwrap_or(NonZeroUsize::MIN);
        let mailbox = NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN);
        let dialable = config.dialable.unwrap_or(config.listen);
        let namespace = namespace(&chain);
        // Local and test networks accept private and loopback peers; otherwise use the
        // recommended (public-internet) settings. Same arguments either way.
        let make = if config.allow_private_ips {
            discovery::Config::local
        } else {
            discovery::Config::recommended
        };
        let p2p = make(
            handshake,
            &namespace,
            config.listen,
            dialable,
            bootstrappers,
            max_peers,
            max_message,
            mailbox,
        );
        let (mut network, oracle) = discovery::Network::new(context.child("network"), p2p);
        let rate = NonZeroU32::new(config.messages_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate);
        let p2p = P2pChannels {
            votes: network.register(CHANNEL_VOTES, quota),
            certificates: network.register(CHANNEL_CERTIFICATES, quota),
            resolver: network.register(CHANNEL_RESOLVER, quota),
            backfill: network.register(CHANNEL_BACKFILL, quota),
            blocks: network.register(CHANNEL_BLOCKS, quota),
            transactions: network.register(CHANNEL_TRANSACTIONS, quota),
        };
        network.start();
        // Report connected peers: p2p's tracker keeps a `connected{peer=…}` gauge per live
        // connection; read it from the runtime's metrics every two seconds.
        {
            let status = config.network.clone();
            context
                .child("peer_status")
                .spawn(move |context| async move {
                    loop {
                        status.set_peers(connected_peers(&context.encode()));
                        context.sleep(Duration::from_secs(2)).await;
                    }
                });
        }
        let halted = chain.clone();
        start(
            context.child("consensus"),
            chain,
            key,
            peers,
            p2p,
            oracle.clone(),
            oracle,
            config.params,
            evidence,
        )
        .await?;
        let signal = async move {
            match shutdown {
                Some(signal) => signal.await,
                None => futures::future::pending::<()>().await,
            }
        };
        futures::pin_mut!(signal);
        let halt = halted.wait_halted();
        futures::pin_mut!(halt);
        if let futures::future::Either::Right((reason, _)) =
            futures::future::select(signal, halt).await
        {
            tracing::error!("node stopping: {reason}");
            return Err(NodeError::Halted(reason));
        }
        tracing::info!("consensus shutting down");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::connected_peers;

    #[test]
    fn connected_peers_are_read_from_the_tracker_gauges() {
        let metrics = "# HELP network_tracker_connected Unix timestamp…\n\
            # TYPE network_tracker_connected gauge\n\
            network_tracker_connected{peer=\"bb\"} 1700000000000\n\
            network_tracker_connected{peer=\"aa\"} 1700000000001\n\
            network_tracker_blocked{peer=\"cc\"} 1\n\
            other_metric 3\n";
        assert_eq!(
            connected_peers(metrics),
            vec!["aa".to_string(), "bb".to_string()]
        );
        assert!(connected_peers("").is_empty());
    }
}
