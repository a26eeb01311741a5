//! A complete, deliberately small subnet: validators ask for square roots, miners answer,
//! and the closer a miner's answers are, the more it earns. It is the worked example of
//! `docs/guide/08-writing-a-subnet.md`, which quotes this file (the guide's test checks that
//! every quote is still in here, and runs the commands below).
//!
//! ```text
//! cargo run -p taonet-neuron --example square_roots -- miner --netuid 2 \
//!     --wallet-name my-wallet --hotkey sqrt-precise --iterations 3 --port 8111
//! cargo run -p taonet-neuron --example square_roots -- validator --netuid 2 \
//!     --wallet-name my-wallet --hotkey default
//! ```
//!
//! Flags (all `--name value`): `--netuid` (required), `--wallet-name` (default `default`),
//! `--hotkey` (default `default`), `--wallet-path` (default `~/.bittensor/wallets`), `--rpc`
//! (default `http://127.0.0.1:9944`); miners also take `--port` (default 8091) and
//! `--iterations` (default 3). Both run until Ctrl-C.

use std::collections::HashMap;
use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use taonet_crypto::Keypair;
use taonet_crypto::wallet::Wallet;
use taonet_neuron::miner::{Miner, MinerConfig};
use taonet_neuron::tx::TxSender;
use taonet_neuron::validator::{Validator, ValidatorConfig};
use taonet_neuron::{Dendrite, DendriteConfig, ForwardError, MinerModel, Score, Subnet, Synapse};

/// The most numbers one request may carry (a miner refuses more).
const MAX_NUMBERS: usize = 64;

/// The synapse: one type for the request (`numbers`, filled by the validator) and the
/// response (`roots`, filled by the miner). It travels as JSON in bittensor's wire format.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SquareRoots {
    /// The numbers to take the square root of.
    #[serde(default)]
    pub numbers: Vec<u64>,
    /// One root per number; `None` in requests.
    #[serde(default)]
    pub roots: Option<Vec<f64>>,
}

impl Synapse for SquareRoots {
    /// The route: miners serve `POST /SquareRoots`.
    const NAME: &'static str = "SquareRoots";
    /// The request fields the caller's signature covers (bittensor's `required_hash_fields`).
    const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["numbers"];
}

/// A miner's model: Newton's method from a power-of-two first guess. Each iteration
/// roughly squares the relative error (41% → 6% → 0.2% → 0.0002%), so `iterations` is
/// this toy's "model quality".
pub struct Newton {
    /// Newton steps per root.
    pub iterations: u32,
}

impl Newton {
    fn root(&self, x: u64) -> f64 {
        if x == 0 {
            return 0.0;
        }
        let bits = 64 - x.leading_zeros() as i32;
        let mut r = 2f64.powi(bits / 2);
        for _ in 0..self.iterations {
            r = 0.5 * (r + x as f64 / r);
        }
        r
    }
}

impl MinerModel<SquareRoots> for Newton {
    fn answer(&self, mut request: SquareRoots) -> Result<SquareRoots, ForwardError> {
        if request.numbers.len() > MAX_NUMBERS {
            return Err(ForwardError(format!("at most {MAX_NUMBERS} numbers")));
        }
        request.roots = Some(request.numbers.iter().map(|&x| self.root(x)).collect());
        Ok(request)
    }
}

/// The validator's side: how to build a challenge and how to score an answer.
pub struct SquareRootSubnet;

impl Subnet for SquareRootSubnet {
    type Synapse = SquareRoots;
    /// What the validator keeps to itself: the true roots.
    type Challenge = Vec<f64>;

    fn name(&self) -> &str {
        "square-roots"
    }

    /// Eight numbers below 2³², read from the round's secret seed (the same seed always gives
    /// the same challenge, so a validator's rounds can be replayed and checked).
    fn challenge(&self, seed: [u8; 32]) -> (SquareRoots, Vec<f64>) {
        let numbers: Vec<u64> = seed
            .chunks_exact(4)
            .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        let truth = numbers.iter().map(|&x| (x as f64).sqrt()).collect();
        let request = SquareRoots {
            numbers,
            roots: None,
        };
        (request, truth)
    }

    /// Reward in [0, 1] from the mean relative error: 1 for exact answers, 0 for none.
    fn score(&self, truth: &Vec<f64>, answer: Option<&SquareRoots>) -> Score {
        let roots = answer.and_then(|a| a.roots.as_ref());
        let Some(roots) = roots.filter(|r| r.len() == truth.len()) else {
            return Score {
                reward: 0.0,
                metric: f64::INFINITY,
            };
        };
        let error = roots
            .iter()
            .zip(truth)
            .map(|(r, t)| (r - t).abs() / t.max(1.0))
            .sum::<f64>()
            / truth.len() as f64;
        // A NaN (a miner answering nonsense) becomes a reward of 0 in the validator loop.
        Score {
            reward: 1.0 / (1.0 + 1000.0 * error),
            metric: error,
        }
    }
}

/// Serves the model on `netuid` until Ctrl-C. The hotkey must be registered on the subnet
/// (`taonet subnet register`); the loop publishes the axon's address on chain by itself.
async fn run_miner(args: &Args, hotkey: Keypair, chain: TxSender) -> Result<(), Box<dyn Error>> {
    let mut config = MinerConfig::new(args.netuid()?);
    // The address validators dial: your public IP on a real network.
    config.axon.external_ip = "127.0.0.1".into();
    let model = Newton {
        iterations: args.get("iterations", "3").parse()?,
    };
    let port: u16 = args.get("port", "8091").parse()?;
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    let miner = Miner::new(hotkey, Arc::new(chain), model, config);
    miner.run(listener, ctrl_c()).await?;
    Ok(())
}

/// Queries every miner of `netuid` every 2 s and sets weights every tempo, until Ctrl-C.
async fn run_validator(
    args: &Args,
    hotkey: Keypair,
    chain: TxSender,
) -> Result<(), Box<dyn Error>> {
    let mut config = ValidatorConfig::new(args.netuid()?);
    config.round_interval = Duration::from_secs(2);
    config.query_timeout = Duration::from_secs(2);
    // The miners publish 127.0.0.1: dial private addresses (never on a public network).
    let local = DendriteConfig {
        allow_private_axons: true,
        ..DendriteConfig::default()
    };
    let dendrite = Dendrite::new(hotkey.clone(), local);
    let validator = Validator::new(SquareRootSubnet, hotkey, Arc::new(chain), dendrite, config);
    validator.run(ctrl_c()).await;
    Ok(())
}

/// The hotkey's secret from a bittensor-layout wallet (hotkeys are stored unencrypted so
/// neurons run unattended; the coldkey is not needed at all).
fn load_hotkey(args: &Args) -> Result<Keypair, Box<dyn Error>> {
    let root = match args.flags.get("wallet-path") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var("HOME")?).join(".bittensor/wallets"),
    };
    let wallet = Wallet::new(root, args.get("wallet-name", "default"))?;
    let file = wallet.hotkey(args.get("hotkey", "default"))?;
    let keypair = file.read(None)?.keypair()?;
    keypair.ok_or_else(|| format!("{} holds only a public key", file.path().display()).into())
}

fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .init();
    let args = Args::parse()?;
    let hotkey = load_hotkey(&args)?;
    let rpc = args.get("rpc", "http://127.0.0.1:9944").to_string();
    tokio::runtime::Runtime::new()?.block_on(async {
        let chain = TxSender::connect(&rpc).await?;
        match args.role.as_str() {
            "miner" => run_miner(&args, hotkey, chain).await,
            "validator" => run_validator(&args, hotkey, chain).await,
            other => Err(format!("unknown role {other:?}: use miner or validator").into()),
        }
    })
}

/// Completes on Ctrl-C.
async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

/// `ROLE --name value …`.
struct Args {
    role: String,
    flags: HashMap<String, String>,
}

impl Args {
    fn parse() -> Result<Args, Box<dyn Error>> {
        let mut it = std::env::args().skip(1);
        let role = it
            .next()
            .ok_or("usage: square_roots miner|validator --netuid N …")?;
        let mut flags = HashMap::new();
        while let Some(name) = it.next() {
            let name = name
                .strip_prefix("--")
                .ok_or(format!("expected --flag, got {name}"))?;
            let value = it.next().ok_or(format!("--{name} needs a value"))?;
            flags.insert(name.to_string(), value);
        }
        Ok(Args { role, flags })
    }

    fn get<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.flags.get(name).map_or(default, String::as_str)
    }

    fn netuid(&self) -> Result<u16, Box<dyn Error>> {
        let n = self.flags.get("netuid").ok_or("--netuid is required")?;
        Ok(n.parse()?)
    }
}
