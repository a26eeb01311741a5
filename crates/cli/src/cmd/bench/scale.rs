//! `taonet bench scale`: what a node costs at Bittensor's size (issue 17).
//!
//! For each `--accounts` size the benchmark:
//! 1. **Generates** a state through the runtime's public state methods (no blocks): the
//!    accounts (the first `--transfers` of them derived from seeds, so their transfers can be
//!    signed), `--subnets` subnets of `--uids` neurons each (uid 0 the owner's hotkey, uids
//!    1..=`--validators` validators, the rest miners, every neuron with a hotkey owned by one of
//!    the accounts), stake positions of 1 to 40 TAO from the accounts on the validators'
//!    hotkeys (every validator hotkey gets one, the rest skewed towards the first hotkeys),
//!    validator permits and a full weight row from every validator over every uid. The
//!    issuance is the sum of what was credited and staked, less the registration burns; the
//!    state's invariants (`taonet_runtime::invariants`) are checked.
//! 2. **Writes** it as block 0 of a chain of its own (no chain spec describes it) into a real
//!    node data directory ([`Chain::open_genesis`]). Subnet `i`'s epoch is scheduled at block
//!    `tempo + i`: the first `--subnets` empty blocks after `tempo` run one epoch each, which
//!    gives every validator its bonds.
//! 3. **A block of `--transfers` transfers** (one per seeded account, to other accounts):
//!    built once and submitted to the node's pool (which verifies and caches each signature,
//!    as when the transfers arrive by gossip), then verified ([`Chain::verify`]: the
//!    runtime's block execution on a clone of the finalized state, signatures from the cache,
//!    state root) and finalized ([`Chain::finalize`]: the store commit, fsynced, and the pool
//!    pruned), each timed, on the state and store of this size; `--repeat` blocks in a row,
//!    the median reported. `apply_uncached_ms` is the same block applied with no signature
//!    verified beforehand (every signature checked in the block), for comparison.
//! 4. **Epoch blocks**: the next blocks, at `2 × tempo + i`, each run exactly one subnet's
//!    epoch (checked), timed the same way; `min(--repeat, --subnets)` of them.
//! 5. **Start-up**: the data directory is closed and a child process (this binary, `bench
//!    scale --serve DIR`, hidden) opens it from disk ([`Chain::open_existing`]: store, records,
//!    state root check) and starts the node's JSON-RPC server, then prints one JSON line. The
//!    start-up time is from spawning the child to that line.
//! 6. **`state_getAccount` under load**: `--rpc-rate` calls per second for `--rpc-seconds` on
//!    `--rpc-connections` HTTP clients, each for a random account, sent on a fixed schedule
//!    whatever the answers (open loop); a call's latency runs from its scheduled send time,
//!    so a stalled server shows in the tail (no coordinated omission). The child's resident
//!    memory (`VmRSS`, and its peak `VmHWM`) is read after the load.
//!
//! Goals (issue 17): start-up < 10 s, resident memory < 4 GiB, a 5,000-transfer block
//! applied and committed < 150 ms, a 4,096-uid epoch block < 100 ms, `state_getAccount` p99
//! < 5 ms at 1,000 calls/s. They are marked per size; they mean something only at the
//! default sizes, in a release build.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use taonet_client::prelude::*;
use taonet_crypto::{Keypair, Ss58};
use taonet_node::chain::Chain;
use taonet_node::mempool::MempoolConfig;
use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
use taonet_runtime::genesis::{Address, GenesisSubnet, GenesisValidator, Key32, Tao};
use taonet_runtime::{ChainSpec, Genesis, State, apply_block, build_block, invariants};
use taonet_types::params::{MAX_TEMPO, MAX_UIDS_LIMIT, MIN_TEMPO};
use taonet_types::tx::BalancesCall;
use taonet_types::{
    AccountId, Block, Call, ChainDomain, ChainParams, RAO_PER_TAO, Rao, SignedTransaction,
    Transaction,
};

use super::{DEBUG_WARNING, cpu_model, memory_mib, round3, summary};
use crate::{Global, usage};

/// The goals.
const GOAL_STARTUP_MS: f64 = 10_000.0;
const GOAL_RSS_MIB: f64 = 4_096.0;
const GOAL_TRANSFER_BLOCK_MS: f64 = 150.0;
const GOAL_EPOCH_BLOCK_MS: f64 = 100.0;
const GOAL_RPC_P99_MS: f64 = 5.0;

/// Free balance of every account (the 21M TAO supply allows about 10 TAO each at 1M).
const ACCOUNT_FREE: Rao = Rao(5 * RAO_PER_TAO);
/// What each seeded account sends per transfer.
const TRANSFER_AMOUNT: Rao = Rao(RAO_PER_TAO / 10);
/// The genesis validator's stake (its hotkey proposes every block).
const PROPOSER_STAKE: Rao = Rao(10_000 * RAO_PER_TAO);

/// `taonet bench scale`'s options.
#[derive(Args, Debug)]
pub struct ScaleArgs {
    /// Account counts to measure, comma-separated [default: 10000,100000,1000000; --quick:
    /// 2000].
    #[arg(long, value_delimiter = ',', value_name = "N[,N…]")]
    accounts: Vec<usize>,
    /// Stake positions per 1,000 accounts [default: 200, i.e. 200,000 positions at 1M
    /// accounts].
    #[arg(long, value_name = "PER_MILLE")]
    positions_per_mille: Option<usize>,
    /// Subnets (besides root) [default: 64; --quick: 2].
    #[arg(long)]
    subnets: Option<u16>,
    /// Neurons per subnet, 2 to 4096 [default: 4096; --quick: 256].
    #[arg(long)]
    uids: Option<u16>,
    /// Validators per subnet, each with a permit and a full weight row [default: 64;
    /// --quick: 16].
    #[arg(long)]
    validators: Option<u16>,
    /// Subnet tempo in blocks; at least `--subnets` + `--repeat` so that the transfer blocks
    /// fall between two rounds of epochs [default: that sum, at least 10].
    #[arg(long)]
    tempo: Option<u16>,
    /// Transfers in the transfer block, each from its own account [default: 5000; --quick:
    /// 500].
    #[arg(long)]
    transfers: Option<usize>,
    /// Transfer blocks (and epoch blocks, at most one per subnet) measured per size; the
    /// median is reported [default: 5; --quick: 2].
    #[arg(long)]
    repeat: Option<usize>,
    /// `state_getAccount` calls per second [default: 1000; --quick: 200].
    #[arg(long)]
    rpc_rate: Option<u64>,
    /// Seconds of `state_getAccount` load [default: 10; --quick: 1].
    #[arg(long)]
    rpc_seconds: Option<u64>,
    /// HTTP clients the calls are spread over.
    #[arg(long, default_value_t = 8)]
    rpc_connections: usize,
    /// Directory for the data directories, one per size [default: a temporary directory].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Keep the data directories afterwards.
    #[arg(long)]
    keep: bool,
    /// A small run for tests: 2,000 accounts, 2 subnets × 256 uids, 16 validators, 500
    /// transfers, 2 repeats, 1 s of 200 calls/s (flags given explicitly still apply).
    #[arg(long)]
    quick: bool,
    /// Internal: serve the data directory DIR as a node (open it, start JSON-RPC, print one
    /// JSON line, serve until stdin closes).
    #[arg(long, hide = true, value_name = "DIR")]
    serve: Option<PathBuf>,
    /// Internal: the RPC port for `--serve` (0: any free port).
    #[arg(long, hide = true, default_value_t = 0)]
    rpc_port: u16,
}

/// The options with their defaults resolved and checked.
#[derive(Debug)]
struct Config {
    accounts: Vec<usize>,
    positions_per_mille: usize,
    subnets: u16,
    uids: u16,
    validators: u16,
    tempo: u16,
    transfers: usize,
    repeat: usize,
    rpc_rate: u64,
    rpc_seconds: u64,
    rpc_connections: usize,
}

impl Config {
    fn resolve(a: &ScaleArgs) -> Result<Config> {
        let q = a.quick;
        let accounts = if a.accounts.is_empty() {
            if q {
                vec![2_000]
            } else {
                vec![10_000, 100_000, 1_000_000]
            }
        } else {
            a.accounts.clone()
        };
        let subnets = a.subnets.unwrap_or(if q { 2 } else { 64 });
        let uids = a.uids.unwrap_or(if q { 256 } else { MAX_UIDS_LIMIT });
        let validators = a.validators.unwrap_or(if q { 16 } else { 64 });
        let transfers = a.transfers.unwrap_or(if q { 500 } else { 5_000 });
        let repeat = a.repeat.unwrap_or(if q { 2 } else { 5 });
        let c = Config {
            positions_per_mille: a.positions_per_mille.unwrap_or(200),
            subnets,
            uids,
            validators,
            tempo: a.tempo.unwrap_or_else(|| {
                let sum = u32::from(subnets) + u32::try_from(repeat).unwrap_or(u32::MAX);
                u16::try_from(sum.max(u32::from(MIN_TEMPO))).unwrap_or(MAX_TEMPO)
            }),
            transfers,
            repeat,
            rpc_rate: a.rpc_rate.unwrap_or(if q { 200 } else { 1_000 }),
            rpc_seconds: a.rpc_seconds.unwrap_or(if q { 1 } else { 10 }),
            rpc_connections: a.rpc_connections,
            accounts,
        };
        if c.subnets == 0 || c.repeat == 0 || c.transfers == 0 || c.rpc_connections == 0 {
            return Err(usage!(
                "--subnets, --repeat, --transfers and --rpc-connections must be at least 1"
            ));
        }
        if c.rpc_rate == 0 || c.rpc_seconds == 0 {
            return Err(usage!("--rpc-rate and --rpc-seconds must be at least 1"));
        }
        if !(2..=MAX_UIDS_LIMIT).contains(&c.uids) {
            return Err(usage!(
                "--uids must be between 2 and {MAX_UIDS_LIMIT}, got {}",
                c.uids
            ));
        }
        if c.validators == 0 || c.validators >= c.uids {
            return Err(usage!(
                "--validators must be between 1 and --uids − 1 ({}), got {}",
                c.uids - 1,
                c.validators
            ));
        }
        let needed = u32::from(c.subnets) + u32::try_from(c.repeat).unwrap_or(u32::MAX);
        if !(MIN_TEMPO..=MAX_TEMPO).contains(&c.tempo) || u32::from(c.tempo) < needed {
            return Err(usage!(
                "--tempo must be between {MIN_TEMPO} and {MAX_TEMPO} and at least --subnets + \
                 --repeat ({needed}) so the transfer blocks fall between two rounds of epochs, \
                 got {}",
                c.tempo
            ));
        }
        for &n in &c.accounts {
            if n < c.transfers {
                return Err(usage!(
                    "every --accounts size must be at least --transfers ({}): each transfer \
                     comes from its own account; got {n}",
                    c.transfers
                ));
            }
            if n > 2_000_000 {
                return Err(usage!(
                    "--accounts sizes above 2,000,000 would exceed the 21M TAO supply at {} \
                     TAO per account; got {n}",
                    ACCOUNT_FREE.0 / RAO_PER_TAO
                ));
            }
        }
        Ok(c)
    }
}

/// Runs `taonet bench scale` (or, with `--serve`, the child node).
pub fn run(a: ScaleArgs, global: Global) -> Result<ExitCode> {
    if let Some(dir) = &a.serve {
        return serve(dir, a.rpc_port);
    }
    let config = Config::resolve(&a)?;
    let profile = if cfg!(debug_assertions) {
        eprintln!("warning: {DEBUG_WARNING}");
        "debug"
    } else {
        "release"
    };
    let base = a.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("taonet-bench-scale-{}", std::process::id()))
    });
    std::fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
    let mut rows = Vec::new();
    for &n in &config.accounts {
        let dir = base.join(format!("accounts-{n}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("clearing the old data directory {}", dir.display()))?;
        }
        let row = measure_size(&config, n, &dir);
        if !a.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
        rows.push(row?);
    }
    if !a.keep && a.dir.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
    let report = json!({
        "profile": profile,
        "machine": {
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "cpu_model": cpu_model(),
            "load_average": load_average(),
        },
        "config": {
            "positions_per_mille": config.positions_per_mille,
            "subnets": config.subnets,
            "uids": config.uids,
            "validators": config.validators,
            "tempo": config.tempo,
            "transfers": config.transfers,
            "repeat": config.repeat,
            "rpc_rate": config.rpc_rate,
            "rpc_seconds": config.rpc_seconds,
            "rpc_connections": config.rpc_connections,
        },
        "sizes": rows,
    });
    if global.json {
        println!("{report}");
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

/// The 1-minute load average, if readable.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A synthetic 32-byte id: `tag` everywhere, `i` in the first 8 bytes.
fn synthetic(tag: u8, i: u64) -> AccountId {
    let mut b = [tag; 32];
    b[..8].copy_from_slice(&i.to_be_bytes());
    AccountId(b)
}

/// The key of seeded account `i` (the transfer senders).
fn sender_key(i: usize) -> Keypair {
    let mut seed = [0x5c; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Keypair::from_seed(&seed)
}

/// A deterministic 64-bit mix (splitmix64), for pseudo-random but reproducible choices.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The accounts of one size: the first `senders.len()` are seeded keys, the rest synthetic.
struct Accounts {
    senders: Vec<Keypair>,
    count: usize,
}

impl Accounts {
    fn id(&self, i: usize) -> AccountId {
        match self.senders.get(i) {
            Some(k) => k.account_id(),
            None => synthetic(0xac, i as u64),
        }
    }
}

/// Hotkey of uid `uid` on subnet `netuid` (uid 0: the subnet owner's hotkey).
fn neuron_hotkey(netuid: u16, uid: u16) -> AccountId {
    synthetic(0x40, (u64::from(netuid) << 16) | u64::from(uid))
}

/// The account that registers (and owns the hotkey of) uid `uid` on subnet `netuid`.
fn registrant(netuid: u16, uid: u16, accounts: u64) -> usize {
    (mix((u64::from(netuid) << 16) | u64::from(uid)) % accounts) as usize
}

/// What generating a state produced.
struct Generated {
    genesis: Genesis,
    proposer: AccountId,
    positions: usize,
    neurons: usize,
    weights: usize,
}

/// Builds the state of one size (module doc, step 1) as a genesis of its own.
fn generate(c: &Config, accounts: &Accounts) -> Result<Generated> {
    let proposer = Keypair::from_seed(&[0xaa; 32]);
    let mut params = ChainParams::default();
    params.initial_burn = params.default_hyperparams.min_burn;
    params.max_block_transactions = params
        .max_block_transactions
        .max(u32::try_from(c.transfers).unwrap_or(u32::MAX));
    let hp = &mut params.default_hyperparams;
    hp.tempo = c.tempo;
    hp.max_allowed_uids = c.uids;
    hp.max_allowed_validators = c.validators;
    // A flat registration price: otherwise ×1.26 per registration reaches max_burn quickly.
    hp.burn_increase_mult_ppm = 1_000_000;
    let owner = |netuid: u16| synthetic(0x0e, u64::from(netuid));
    let spec = ChainSpec {
        chain_id: "taonet-bench-scale".into(),
        genesis_timestamp_ms: 0,
        params,
        balances: Vec::new(),
        validators: vec![GenesisValidator {
            coldkey: Address(proposer.account_id()),
            hotkey: Address(proposer.account_id()),
            stake: Tao(PROPOSER_STAKE),
            consensus_key: Some(Key32([9u8; 32])),
            root: false,
        }],
        subnets: (1..=c.subnets)
            .map(|netuid| GenesisSubnet {
                owner: Address(owner(netuid)),
                owner_hotkey: Address(neuron_hotkey(netuid, 0)),
                hyperparams: None,
                name: format!("scale-{netuid}"),
                url: String::new(),
                description: String::new(),
            })
            .collect(),
    };
    let base = spec.build().context("building the base genesis")?;
    let mut state = base.state;
    let mut issued: u128 = 0;
    let credit = |state: &mut State, who: &AccountId, amount: Rao, issued: &mut u128| {
        state
            .credit(who, amount)
            .map_err(|e| anyhow::anyhow!("crediting {who}: {e}"))?;
        *issued += u128::from(amount.0);
        anyhow::Ok(())
    };
    for i in 0..accounts.count {
        credit(&mut state, &accounts.id(i), ACCOUNT_FREE, &mut issued)?;
    }
    let n = accounts.count as u64;
    // Neurons: uid 0 is the owner's hotkey (genesis); validators 1..=V, then miners, each
    // registered (burn paid) by one of the accounts, which owns the hotkey.
    for netuid in 1..=c.subnets {
        for uid in 1..c.uids {
            let registrant = accounts.id(registrant(netuid, uid, n));
            let got = state
                .burned_register(
                    &registrant,
                    netuid,
                    &neuron_hotkey(netuid, uid),
                    Rao(u64::MAX),
                )
                .map_err(|e| anyhow::anyhow!("registering uid {uid} on subnet {netuid}: {e}"))?;
            if got != uid {
                bail!("subnet {netuid}: expected uid {uid}, the registration got {got}");
            }
        }
    }
    // Stake positions on the validator hotkeys: first each validator's self-stake (from the
    // account that registered and owns it, 100 to 499 TAO), then positions of 1 to 40 TAO
    // from random accounts, skewed towards the first hotkeys (a few large validators, a long
    // tail); at least one position per validator.
    let validators: Vec<(AccountId, usize)> = (1..=c.subnets)
        .flat_map(|netuid| (1..=c.validators).map(move |uid| (netuid, uid)))
        .map(|(netuid, uid)| (neuron_hotkey(netuid, uid), registrant(netuid, uid, n)))
        .collect();
    let hotkeys = validators.len() as u64;
    let positions = (accounts.count * c.positions_per_mille / 1_000).max(validators.len());
    let mut seen = BTreeSet::new();
    let mut made = 0usize;
    let mut j = 0u64;
    while made < positions {
        let r = mix(j);
        j += 1;
        let (h, coldkey, amount) = if (made as u64) < hotkeys {
            let tao = 100 + r % 400;
            (made, validators[made].1, tao)
        } else {
            // r² / 2⁶⁴ is skewed towards 0.
            let u = u128::from(r >> 32);
            let h = ((u * u * u128::from(hotkeys)) >> 64) as usize;
            (h, (mix(r) % n) as usize, 1 + r % 40)
        };
        if !seen.insert((h, coldkey)) {
            continue;
        }
        let amount = Rao(amount * RAO_PER_TAO);
        state
            .increase_stake(&validators[h].0, &accounts.id(coldkey), amount)
            .map_err(|e| anyhow::anyhow!("staking position {made}: {e}"))?;
        issued += u128::from(amount.0);
        made += 1;
    }
    let g = state.globals_mut();
    g.total_issuance = Rao(u64::try_from(u128::from(g.total_issuance.0) + issued)
        .context("the generated balances overflow the issuance")?);
    // Permits as an epoch gives them (the validators hold all the subnet's stake), then
    // every validator's full weight row (set through `set_weights`); subnet i's epoch falls at
    // tempo + i.
    let all: Vec<u16> = (0..c.uids).collect();
    let mut weights = 0usize;
    for netuid in 1..=c.subnets {
        if let Some(s) = state.subnets.get_mut(&netuid) {
            s.last_epoch_block = u64::from(netuid);
        }
        for uid in 1..=c.validators {
            if let Some(neuron) = state.neurons.get_mut(&(netuid, uid)) {
                neuron.validator_permit = true;
            }
        }
        for uid in 1..=c.validators {
            let row: Vec<u16> = all
                .iter()
                .map(|u| {
                    let x = mix((u64::from(netuid) << 32) | (u64::from(uid) << 16) | u64::from(*u));
                    ((x >> 48) as u16) | 1
                })
                .collect();
            state
                .set_weights(&neuron_hotkey(netuid, uid), netuid, &all, &row, 0)
                .map_err(|e| anyhow::anyhow!("weights of uid {uid} on subnet {netuid}: {e}"))?;
            // An epoch ignores a weight not newer than its target's registration; at genesis
            // both are block 0, so the rows count as set in block 1 (before any epoch).
            if let Some(neuron) = state.neurons.get_mut(&(netuid, uid)) {
                neuron.last_update = 1;
            }
            weights += row.len();
        }
    }
    invariants::check(&state).map_err(|e| anyhow::anyhow!("generated state: {e}"))?;
    invariants::check_indexes(&state)
        .map_err(|e| anyhow::anyhow!("generated state's indexes: {e}"))?;
    // Block 0 over the whole state, as `ChainSpec::build` makes it.
    let genesis = Genesis::seal(&spec.chain_id, 0, state);
    let neurons = usize::from(c.subnets) * usize::from(c.uids);
    Ok(Generated {
        genesis,
        proposer: proposer.account_id(),
        positions: made,
        neurons,
        weights,
    })
}

/// Milliseconds since `t`.
fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Proposes and finalizes an empty block on the finalized head.
fn empty_block(chain: &Chain, proposer: &AccountId) -> Result<Block> {
    let head = chain.finalized();
    let block = chain
        .propose(&head.hash, proposer, head.timestamp_ms + 1_000)
        .with_context(|| format!("proposing block {}", head.height + 1))?;
    chain
        .finalize(&block)
        .with_context(|| format!("finalizing block {}", block.height))?;
    Ok(block)
}

/// One measured block: verified (applied on a clone of the finalized state), then finalized
/// (committed to the store).
fn measured_block(chain: &Chain, block: &Block) -> Result<Value> {
    let t = Instant::now();
    chain
        .verify(block)
        .with_context(|| format!("verifying block {}", block.height))?;
    let apply = ms(t);
    let t = Instant::now();
    chain
        .finalize(block)
        .with_context(|| format!("finalizing block {}", block.height))?;
    let commit = ms(t);
    Ok(json!({
        "height": block.height,
        "apply_ms": round3(apply),
        "commit_ms": round3(commit),
        "total_ms": round3(apply + commit),
    }))
}

/// The median of each timing over `runs`.
fn medians(runs: &[Value]) -> Value {
    let median = |key: &str| {
        let mut v: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let mut m = json!({
        "apply_ms": round3(median("apply_ms")),
        "commit_ms": round3(median("commit_ms")),
        "total_ms": round3(median("total_ms")),
    });
    if runs.iter().any(|r| r.get("apply_uncached_ms").is_some()) {
        m["apply_uncached_ms"] = round3(median("apply_uncached_ms"));
    }
    m
}

fn sign(domain: &ChainDomain, signer: &Keypair, nonce: u64, call: Call) -> SignedTransaction {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(RAO_PER_TAO),
        tip: Rao::ZERO,
        call,
    };
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

/// Measures one size (module doc, steps 1 to 6).
fn measure_size(c: &Config, n: usize, dir: &Path) -> Result<Value> {
    eprintln!("[{n} accounts] generating…");
    let t = Instant::now();
    let accounts = Accounts {
        senders: (0..c.transfers).map(sender_key).collect(),
        count: n,
    };
    let generated = generate(c, &accounts)?;
    let generate_s = t.elapsed().as_secs_f64();
    let records = generated.genesis.state.all_records().len();
    eprintln!(
        "[{n} accounts] {records} records generated in {generate_s:.1} s; writing {}…",
        dir.display()
    );
    let t = Instant::now();
    let chain = Chain::open_genesis(dir, &generated.genesis, MempoolConfig::default())
        .context("writing the data directory")?;
    let write_s = t.elapsed().as_secs_f64();
    let proposer = generated.proposer;
    let domain = chain.domain();
    drop(generated.genesis);

    // The first round of epochs (bonds), one subnet per block from tempo + 1.
    let tempo = u64::from(c.tempo);
    let subnets = u64::from(c.subnets);
    let t = Instant::now();
    while chain.finalized().height < tempo + subnets {
        empty_block(&chain, &proposer)?;
    }
    let state = chain.finalized_state();
    for netuid in 1..=c.subnets {
        let bonded = (1..=c.validators).all(|uid| {
            state
                .neuron(netuid, uid)
                .is_some_and(|n| n.validator_permit && !n.bonds.is_empty())
        });
        if !bonded {
            bail!("subnet {netuid}: after its first epoch some validator has no permit or bonds");
        }
    }
    let setup_s = t.elapsed().as_secs_f64();
    eprintln!(
        "[{n} accounts] {} setup blocks (first epochs, bonds) in {setup_s:.1} s; transfer blocks…",
        state.height()
    );

    // Transfer blocks.
    let mut transfer_runs = Vec::new();
    let mut receipts = 0usize;
    let mut successful = 0usize;
    let mut epochs_in_transfer_blocks = 0usize;
    for r in 0..c.repeat {
        let state = chain.finalized_state();
        let txs: Vec<SignedTransaction> = accounts
            .senders
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut d = (mix((i as u64) << 8 | r as u64) % n as u64) as usize;
                if d == i {
                    d = (d + 1) % n;
                }
                let call = Call::Balances(BalancesCall::Transfer {
                    dest: accounts.id(d),
                    amount: TRANSFER_AMOUNT,
                });
                sign(&domain, k, state.nonce(&k.account_id()), call)
            })
            .collect();
        let head = chain.finalized();
        let built = build_block(
            &state,
            chain.runtime_domain(),
            proposer,
            head.timestamp_ms + 1_000,
            &txs,
        )
        .context("building the transfer block")?;
        if built.block.transactions.len() != txs.len() {
            bail!(
                "the transfer block holds {} of {} transfers; refused: {:?}",
                built.block.transactions.len(),
                txs.len(),
                built.rejected.first()
            );
        }
        let ok = built
            .outcome
            .receipts
            .iter()
            .filter(|r| r.success())
            .count();
        receipts += built.outcome.receipts.len();
        successful += ok;
        epochs_in_transfer_blocks += built.outcome.epochs.len();
        // For comparison: applying the block with no signature verified beforehand.
        let mut scratch = state.clone();
        let t = Instant::now();
        apply_block(&mut scratch, chain.runtime_domain(), &built.block)
            .context("applying the transfer block")?;
        let uncached = ms(t);
        drop((scratch, state));
        // As gossip would, the pool verifies (and caches) each signature before the block
        // arrives; the measured verification then finds them in the cache, as a node does.
        for tx in &built.block.transactions {
            chain
                .mempool()
                .submit(tx.clone())
                .context("submitting a transfer to the pool")?;
        }
        let mut run = measured_block(&chain, &built.block)?;
        run["apply_uncached_ms"] = round3(uncached);
        run["receipts"] = json!(built.outcome.receipts.len());
        run["successful"] = json!(ok);
        transfer_runs.push(run);
    }

    // Epoch blocks: 2 × tempo + i runs subnet i's second epoch.
    while chain.finalized().height < 2 * tempo {
        empty_block(&chain, &proposer)?;
    }
    eprintln!("[{n} accounts] epoch blocks…");
    let mut epoch_runs = Vec::new();
    let mut epoch_subnets = Vec::new();
    for _ in 0..c.repeat.min(usize::from(c.subnets)) {
        let state = chain.finalized_state();
        let head = chain.finalized();
        let built = build_block(
            &state,
            chain.runtime_domain(),
            proposer,
            head.timestamp_ms + 1_000,
            &[],
        )
        .context("building the epoch block")?;
        let ran: Vec<u16> = built.outcome.epochs.iter().map(|e| e.netuid).collect();
        if ran.len() != 1 {
            bail!(
                "block {} should run exactly one subnet epoch, it ran {ran:?}",
                built.block.height
            );
        }
        let neurons = state.subnet(ran[0]).map_or(0, |s| s.n);
        drop(state);
        let mut run = measured_block(&chain, &built.block)?;
        run["netuid"] = json!(ran[0]);
        run["neurons"] = json!(neurons);
        epoch_subnets.push(ran[0]);
        epoch_runs.push(run);
    }
    let height = chain.finalized().height;
    drop(chain);
    let data_dir_mib = super::dir_size(dir, true) as f64 / (1024.0 * 1024.0);

    // Start-up in a child process, then the RPC load on it.
    eprintln!("[{n} accounts] starting a node on the data directory…");
    let mut node = NodeProcess::spawn(dir)?;
    let ready = node.ready.clone();
    eprintln!(
        "[{n} accounts] node ready in {:.0} ms at {}; {} state_getAccount/s for {} s…",
        node.startup_ms,
        ready["addr"].as_str().unwrap_or("?"),
        c.rpc_rate,
        c.rpc_seconds
    );
    let addr = ready["addr"]
        .as_str()
        .context("the node's ready line has no address")?
        .to_string();
    let rpc = rpc_load(c, &accounts, &addr);
    let memory_after = memory_mib(node.child.id());
    let served_height = ready["height"].as_u64();
    let startup_ms = node.startup_ms;
    node.stop();
    let rpc = rpc?;
    if served_height != Some(height) {
        bail!("the node opened height {served_height:?}, the benchmark finalized {height}");
    }
    let (rss, hwm) = memory_after.unwrap_or((f64::NAN, f64::NAN));

    let transfer = medians(&transfer_runs);
    let epoch = medians(&epoch_runs);
    let p99 = rpc["latency_ms"]["p99"].as_f64();
    let errors = rpc["errors"].as_u64().unwrap_or(u64::MAX);
    let goals = json!({
        "startup_lt_10s": startup_ms < GOAL_STARTUP_MS,
        "rss_lt_4gib": hwm < GOAL_RSS_MIB,
        "transfer_block_lt_150ms": transfer["total_ms"].as_f64().is_some_and(|t| t < GOAL_TRANSFER_BLOCK_MS),
        "epoch_block_lt_100ms": epoch["total_ms"].as_f64().is_some_and(|t| t < GOAL_EPOCH_BLOCK_MS),
        "rpc_p99_lt_5ms": errors == 0 && p99.is_some_and(|p| p < GOAL_RPC_P99_MS),
    });
    Ok(json!({
        "accounts": n,
        "positions": generated.positions,
        "subnets": c.subnets,
        "uids": c.uids,
        "validators": c.validators,
        "neurons": generated.neurons,
        "weights": generated.weights,
        "records": records,
        "generate_s": round3(generate_s),
        "write_s": round3(write_s),
        "setup_s": round3(setup_s),
        "data_dir_mib": round3(data_dir_mib),
        "height": height,
        "startup": {
            "spawn_to_ready_ms": round3(startup_ms),
            "open_ms": ready["open_ms"],
            "rpc_start_ms": ready["rpc_start_ms"],
        },
        "memory": {
            "rss_ready_mib": ready["rss_mib"],
            "peak_ready_mib": ready["peak_rss_mib"],
            "rss_mib": round3(rss),
            "peak_rss_mib": round3(hwm),
        },
        "transfer_block": {
            "transactions": c.transfers,
            "blocks": transfer_runs.len(),
            "receipts": receipts,
            "successful": successful,
            "epochs_in_blocks": epochs_in_transfer_blocks,
            "median": transfer,
            "runs": transfer_runs,
        },
        "epoch_block": {
            "blocks": epoch_runs.len(),
            "epochs_ran": epoch_subnets.len(),
            "median": epoch,
            "runs": epoch_runs,
        },
        "rpc": rpc,
        "goals": goals,
    }))
}

/// The child node (`bench scale --serve DIR`): killed when dropped.
struct NodeProcess {
    child: Child,
    ready: Value,
    startup_ms: f64,
}

impl NodeProcess {
    /// Spawns the child and waits for its ready line.
    fn spawn(dir: &Path) -> Result<NodeProcess> {
        let exe = std::env::current_exe().context("finding the taonet binary")?;
        let started = Instant::now();
        let mut child = Command::new(exe)
            .args(["bench", "scale", "--serve"])
            .arg(dir)
            .args(["--rpc-port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the node process")?;
        let stdout = child.stdout.take().context("the node's stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let startup_ms = ms(started);
        let mut node = NodeProcess {
            child,
            ready: Value::Null,
            startup_ms,
        };
        match read {
            Ok(n) if n > 0 => {}
            _ => bail!(
                "the node process ended before it was ready (its error is above); exit status {:?}",
                node.child.try_wait().ok().flatten()
            ),
        }
        node.ready = serde_json::from_str(line.trim())
            .with_context(|| format!("the node's ready line is not JSON: {line}"))?;
        Ok(node)
    }

    /// Closes the child's stdin (it exits) and waits for it, killing it after 10 s.
    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `--rpc-rate` × `--rpc-seconds` `state_getAccount` calls on a fixed schedule (open loop).
fn rpc_load(c: &Config, accounts: &Accounts, addr: &str) -> Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let url = format!("http://{addr}");
    let total = c.rpc_rate.saturating_mul(c.rpc_seconds);
    // The addresses, chosen up front so that the schedule does no work but sending.
    let addresses: Vec<String> = (0..total)
        .map(|j| {
            accounts
                .id((mix(j ^ 0x5eed) % accounts.count as u64) as usize)
                .to_ss58()
        })
        .collect();
    runtime.block_on(async move {
        let mut clients = Vec::new();
        for _ in 0..c.rpc_connections {
            let client = Arc::new(Client::http(&url).context("creating an HTTP client")?);
            // Warm the connection up (not measured).
            client
                .state_get_account(addresses[0].clone())
                .await
                .context("the first state_getAccount call failed")?;
            clients.push(client);
        }
        let errors = Arc::new(AtomicU64::new(0));
        let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
        let interval_ns = 1_000_000_000 / c.rpc_rate;
        let start = tokio::time::Instant::now() + Duration::from_millis(20);
        let mut calls = Vec::with_capacity(addresses.len());
        for (j, address) in addresses.into_iter().enumerate() {
            let at = start + Duration::from_nanos(j as u64 * interval_ns);
            tokio::time::sleep_until(at).await;
            let client = clients[j % clients.len()].clone();
            let errors = errors.clone();
            let first_error = first_error.clone();
            calls.push(tokio::spawn(async move {
                let result = client.state_get_account(address).await;
                let latency = at.elapsed().as_secs_f64() * 1000.0;
                if let Err(e) = result {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut first) = first_error.lock()
                        && first.is_none()
                    {
                        *first = Some(e.to_string());
                    }
                }
                latency
            }));
        }
        let sent_s = start.elapsed().as_secs_f64();
        let mut latencies = Vec::with_capacity(calls.len());
        for call in calls {
            latencies.push(call.await.context("an RPC task failed")?);
        }
        let first_error = first_error.lock().ok().and_then(|f| f.clone());
        anyhow::Ok(json!({
            "rate": c.rpc_rate,
            "seconds": c.rpc_seconds,
            "connections": c.rpc_connections,
            "calls": total,
            "sent_in_s": round3(sent_s),
            "errors": errors.load(Ordering::Relaxed),
            "first_error": first_error,
            "latency_ms": summary(latencies),
        }))
    })
}

/// The child: opens `dir` as a node, serves JSON-RPC on `port`, prints one JSON line (open
/// and RPC start times, memory, address) and serves until stdin closes.
fn serve(dir: &Path, port: u16) -> Result<ExitCode> {
    let started = Instant::now();
    let chain = Chain::open_existing(dir, MempoolConfig::default())
        .with_context(|| format!("opening the data directory {}", dir.display()))?;
    let open_ms = ms(started);
    let height = chain.finalized().height;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let t = Instant::now();
    let config = RpcConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        // The benchmark's load must not be throttled.
        requests_per_second: 1_000_000,
        ..RpcConfig::default()
    };
    let (handle, addr) = runtime
        .block_on(taonet_node::rpc::start(
            &config,
            RpcApi::new(chain, NetworkStatus::default()),
        ))
        .with_context(|| format!("starting JSON-RPC on 127.0.0.1:{port}"))?;
    let rpc_start_ms = ms(t);
    let (rss, hwm) = memory_mib(std::process::id()).unwrap_or((f64::NAN, f64::NAN));
    let line = json!({
        "addr": addr.to_string(),
        "height": height,
        "open_ms": round3(open_ms),
        "rpc_start_ms": round3(rpc_start_ms),
        "rss_mib": round3(rss),
        "peak_rss_mib": round3(hwm),
    });
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{line}").context("writing the ready line")?;
    stdout.flush().context("writing the ready line")?;
    // Serve (on the runtime's threads) until the parent closes stdin.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(handle);
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &Value) {
    let text = |v: &Value| match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let c = &r["config"];
    println!(
        "taonet bench scale: {} subnets × {} uids ({} validators with full weight rows), \
         tempo {}, {} transfers per block; {} build, {} × {}, load {}",
        c["subnets"],
        c["uids"],
        c["validators"],
        c["tempo"],
        c["transfers"],
        text(&r["profile"]),
        r["machine"]["cpus"],
        text(&r["machine"]["cpu_model"]),
        text(&r["machine"]["load_average"])
    );
    if r["profile"] == "debug" {
        println!("WARNING: {DEBUG_WARNING}");
    }
    let sizes = r["sizes"].as_array().cloned().unwrap_or_default();
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["metric".to_string()];
    header.extend(sizes.iter().map(|s| format!("{} accounts", s["accounts"])));
    header.push("goal".into());
    table.set_header(header);
    type Cell = fn(&Value) -> String;
    let f = |v: &Value| text(v);
    let rows: Vec<(&str, Cell, &str)> = vec![
        ("stake positions", |s| s["positions"].to_string(), ""),
        (
            "neurons / weights",
            |s| format!("{} / {}", s["neurons"], s["weights"]),
            "",
        ),
        ("state records", |s| s["records"].to_string(), ""),
        (
            "generate / write (s)",
            |s| format!("{} / {}", s["generate_s"], s["write_s"]),
            "",
        ),
        (
            "data directory (MiB)",
            |s| s["data_dir_mib"].to_string(),
            "",
        ),
        (
            "start-up: spawn→ready (ms)",
            |s| {
                format!(
                    "{} (open {})",
                    s["startup"]["spawn_to_ready_ms"], s["startup"]["open_ms"]
                )
            },
            "< 10,000",
        ),
        (
            "node RSS / peak after load (MiB)",
            |s| {
                format!(
                    "{} / {}",
                    s["memory"]["rss_mib"], s["memory"]["peak_rss_mib"]
                )
            },
            "< 4,096",
        ),
        (
            "transfer block apply+commit (ms)",
            |s| {
                let m = &s["transfer_block"]["median"];
                format!(
                    "{} ({} + {}; uncached apply {})",
                    m["total_ms"], m["apply_ms"], m["commit_ms"], m["apply_uncached_ms"]
                )
            },
            "< 150",
        ),
        (
            "  receipts ok / transfers",
            |s| {
                let t = &s["transfer_block"];
                format!("{} / {}", t["successful"], t["receipts"])
            },
            "",
        ),
        (
            "epoch block apply+commit (ms)",
            |s| {
                let m = &s["epoch_block"]["median"];
                format!("{} ({} + {})", m["total_ms"], m["apply_ms"], m["commit_ms"])
            },
            "< 100",
        ),
        (
            "state_getAccount p50 / p99 / max (ms)",
            |s| {
                let l = &s["rpc"]["latency_ms"];
                format!("{} / {} / {}", l["p50"], l["p99"], l["max"])
            },
            "p99 < 5",
        ),
        (
            "  calls / errors",
            |s| format!("{} / {}", s["rpc"]["calls"], s["rpc"]["errors"]),
            "0 errors",
        ),
    ];
    for (name, cell, goal) in rows {
        let mut row = vec![name.to_string()];
        row.extend(sizes.iter().map(cell));
        row.push(goal.to_string());
        table.add_row(row);
    }
    println!("{table}");
    for s in &sizes {
        let g = &s["goals"];
        let mark = |k: &str| if g[k] == true { "met" } else { "NOT met" };
        println!(
            "{} accounts: start-up {}; memory {}; transfer block {}; epoch block {}; \
             state_getAccount p99 {}.",
            f(&s["accounts"]),
            mark("startup_lt_10s"),
            mark("rss_lt_4gib"),
            mark("transfer_block_lt_150ms"),
            mark("epoch_block_lt_100ms"),
            mark("rpc_p99_lt_5ms")
        );
    }
}
