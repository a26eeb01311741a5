use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use taonet_crypto::Keypair;
use taonet_neuron::{
    AllowAll, Axon, AxonConfig, AxonHandle, AxonTarget, Blacklist, Dendrite, DendriteConfig,
    ForwardError, Synapse,
};

/// The echo synapse, also defined in `interop.py`: output = 2·value + sum(items).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EchoSynapse {
    #[serde(default)]
    pub value: i64,
    #[serde(default)]
    pub items: Vec<i64>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub output: Option<i64>,
}

impl Synapse for EchoSynapse {
    const NAME: &'static str = "EchoSynapse";
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["value", "items"];
}

impl EchoSynapse {
    pub fn new(value: i64, items: Vec<i64>) -> Self {
        EchoSynapse {
            value,
            items,
            ..Default::default()
        }
    }
    pub fn expected(&self) -> i64 {
        2 * self.value + self.items.iter().sum::<i64>()
    }
}

/// A synapse the test axons never attach.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Unattached {}

impl Synapse for Unattached {
    const NAME: &'static str = "Unattached";
}

pub fn miner() -> Keypair {
    Keypair::from_uri("//Miner").unwrap()
}

pub fn validator() -> Keypair {
    Keypair::from_uri("//Validator").unwrap()
}

pub const T: Duration = Duration::from_secs(5);

pub async fn echo_axon(config: AxonConfig, blacklist: impl Blacklist) -> AxonHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    Axon::new(miner(), config, blacklist)
        .attach(|mut e: EchoSynapse, _caller| async move {
            if e.text == "fail" {
                return Err(ForwardError("asked to fail".into()));
            }
            if e.text == "slow" {
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            e.output = Some(e.expected());
            Ok(e)
        })
        .serve(listener)
        .unwrap()
}

pub async fn default_axon() -> AxonHandle {
    echo_axon(AxonConfig::default(), AllowAll).await
}

pub fn target(addr: SocketAddr) -> AxonTarget {
    AxonTarget {
        addr,
        hotkey: miner().ss58(),
    }
}

/// A dendrite of the validator that may dial the test axons on 127.0.0.1.
pub fn dendrite() -> Dendrite {
    Dendrite::new(validator(), local())
}

/// A dendrite configuration allowing loopback axons (every test axon is on 127.0.0.1).
pub fn local() -> DendriteConfig {
    DendriteConfig {
        allow_private_axons: true,
        ..DendriteConfig::default()
    }
}

pub fn set(headers: &mut [(String, String)], name: &str, value: String) {
    for (k, v) in headers.iter_mut() {
        if k == name {
            *v = value;
            return;
        }
    }
    panic!("no header {name}");
}

pub fn now_ns() -> u64 {
    taonet_neuron::nonce::now_ns()
}

/// A dev chain (one seat, alice proposing) behind a real RPC server on a free port, finalizing
/// a block every `interval`; the producer stops when the node is dropped.
pub struct DevNode {
    pub chain: taonet_node::chain::Chain,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    stop: Arc<AtomicBool>,
    producer: Option<JoinHandle<()>>,
    _server: Box<dyn std::any::Any + Send>,
}

impl DevNode {
    /// `requests_per_second`: the RPC rate limit per connection (`None`: the default).
    pub async fn start(interval: Duration, requests_per_second: Option<u32>) -> DevNode {
        use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
        let dir = tempfile::tempdir().unwrap();
        let spec = taonet_runtime::ChainSpec::dev(&[[5u8; 32]]);
        let chain = taonet_node::chain::Chain::open(dir.path(), &spec).unwrap();
        let mut config = RpcConfig {
            addr: ([127, 0, 0, 1], 0).into(),
            ..RpcConfig::default()
        };
        if let Some(rps) = requests_per_second {
            config.requests_per_second = rps;
        }
        let (server, addr) = taonet_node::rpc::start(
            &config,
            RpcApi::new(chain.clone(), NetworkStatus::default()),
        )
        .await
        .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let producer = {
            let (chain, stop) = (chain.clone(), stop.clone());
            std::thread::spawn(move || {
                let proposer = taonet_runtime::genesis::dev_keys("alice").1.account_id();
                while !stop.load(Ordering::Relaxed) {
                    let head = chain.finalized();
                    if let Ok(block) =
                        chain.propose(&head.hash, &proposer, head.timestamp_ms + 1_000)
                    {
                        chain.finalize(&block).unwrap();
                    }
                    std::thread::sleep(interval);
                }
            })
        };
        DevNode {
            chain,
            addr,
            dir,
            stop,
            producer: Some(producer),
            _server: Box::new(server),
        }
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(p) = self.producer.take() {
            let _ = p.join();
        }
    }
}
