//! What the chain-backed neuron benchmarks share: a real single-process taonet chain whose
//! subnet [`NETUID`] is filled through the public transaction path, and its JSON-RPC server.
//!
//! Used by `benches/network.rs` (`metagraph::sync`) and by
//! `examples/sdk_bench_targets.rs` (`chain` mode, the Python SDK benchmark's chain).
//!
//! # The chain ([`open`] then [`populate`])
//! - Genesis is `ChainSpec::dev(&[[5u8; 32]])` with, in `params.default_hyperparams`:
//!   `max_allowed_uids = uids`, `max_allowed_validators = 2 × validators` (every staked
//!   validator and alice's staked owner hotkey get a permit) and `burn_increase_mult_ppm =
//!   1_000_000` (a flat 0.1 TAO registration price: at the default ×1.26 per registration
//!   the burn reaches `max_burn` after ~35 registrations and thousands of them would cost
//!   more than the dev accounts hold).
//! - Block 1: `uids − 1` `NeuronCall::BurnedRegister` transactions (uid 0 is alice's owner
//!   hotkey from genesis), signed offline by the 8 funded dev coldkeys with increasing
//!   nonces; hotkey `i` is derived from a fixed seed (see [`hotkey`]).
//! - Block 2: the first `validators` registered hotkeys (uids 1..=validators) get 1,000 TAO
//!   of stake each (`AddStake` from their coldkeys).
//! - Then empty blocks until an epoch has given all of them a validator permit, and the
//!   blocks in which each of them sets weights on every uid (deterministic pseudo-random u16
//!   values, never 0): one block while the rows fit the block's budget for free calls
//!   (`free_block_bytes_ppb` of `max_block_bytes`, 1 MiB by default, i.e. 63 rows of 4096
//!   uids), more otherwise.
//!
//! Everything is asserted as it is built; [`populate`] produces no block after the weights
//! (the SDK benchmark's example then produces more, with [`produce`], until bonds appear).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Instant;

use taonet_crypto::Keypair;
use taonet_node::chain::Chain;
use taonet_node::rpc::{NetworkStatus, RpcApi, RpcConfig};
use taonet_runtime::ChainSpec;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};
use taonet_types::tx::{NeuronCall, StakingCall, WeightsCall};
use taonet_types::{Call, ChainDomain, RAO_PER_TAO, Rao, SignedTransaction, Transaction};

/// The subnet that is filled.
pub const NETUID: u16 = 1;

/// The most uids a subnet may hold on this chain.
pub const MAX_UIDS: usize = 4096;

fn sign(domain: &ChainDomain, signer: &Keypair, nonce: u64, call: Call) -> SignedTransaction {
    let tx = Transaction {
        signer: signer.account_id(),
        nonce,
        fee_limit: Rao(u64::MAX),
        tip: Rao::ZERO,
        call,
    };
    SignedTransaction {
        signature: signer.sign(&tx.signing_payload(domain)).0,
        tx,
    }
}

/// Proposes and finalizes one block with whatever the mempool holds; returns how many
/// transactions it carried.
pub fn produce(chain: &Chain) -> usize {
    let proposer = dev_keys("alice").1.account_id();
    let head = chain.finalized();
    let block = chain
        .propose(&head.hash, &proposer, head.timestamp_ms + 1_000)
        .unwrap();
    chain.finalize(&block).unwrap();
    block.transactions.len()
}

/// A seed-derived hotkey (the registering coldkey signs, so no URI derivation is needed).
pub fn hotkey(i: usize) -> Keypair {
    let mut seed = [0x4bu8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Keypair::from_seed(&seed)
}

/// Opens a fresh chain in `dir` whose genesis lets subnet [`NETUID`] hold `uids` neurons
/// with `validators` permitted validators (see the module doc).
pub fn open(dir: &Path, uids: usize, validators: usize) -> Chain {
    assert!(
        (2..=MAX_UIDS).contains(&uids),
        "uids must be 2..={MAX_UIDS}, got {uids}"
    );
    assert!(
        (1..uids).contains(&validators),
        "validators must be 1..{uids}, got {validators}"
    );
    let mut spec = ChainSpec::dev(&[[5u8; 32]]);
    let hp = &mut spec.params.default_hyperparams;
    hp.max_allowed_uids = uids as u16;
    // Every stake-holding validator (alice's owner hotkey included) gets a permit.
    hp.max_allowed_validators = 2 * validators as u16;
    // A flat registration price (initial_burn, 0.1 TAO): with the default ×1.26 per
    // registration the burn would sit at max_burn (100 TAO) after ~35 registrations and
    // 4095 of them would cost more than the dev accounts hold.
    hp.burn_increase_mult_ppm = 1_000_000;
    Chain::open(dir, &spec).unwrap()
}

/// Builds the `uids`-neuron subnet on `chain` through signed transactions (see the module
/// doc): registration, stake for `validators` hotkeys, their permits, their weights.
pub fn populate(chain: &Chain, uids: usize, validators: usize) {
    let domain = chain.domain();
    let colds: Vec<Keypair> = DEV_NAMES.iter().map(|n| dev_keys(n).0).collect();
    // uid 0 is the owner's hotkey (genesis); register the other uids − 1.
    let hotkeys: Vec<Keypair> = (0..uids - 1).map(hotkey).collect();
    let t0 = Instant::now();
    let state = chain.finalized_state();
    let mut nonces: Vec<u64> = colds.iter().map(|c| state.nonce(&c.account_id())).collect();
    let mut next = |k: usize| {
        let n = nonces[k];
        nonces[k] += 1;
        n
    };
    for (i, hot) in hotkeys.iter().enumerate() {
        let k = i % colds.len();
        let call = Call::Neurons(NeuronCall::BurnedRegister {
            netuid: NETUID,
            hotkey: hot.account_id(),
            max_burn: Rao(RAO_PER_TAO),
        });
        chain
            .mempool()
            .submit(sign(&domain, &colds[k], next(k), call))
            .unwrap();
    }
    let included = produce(chain);
    let state = chain.finalized_state();
    let n = state.subnet(NETUID).unwrap().n as usize;
    assert_eq!(n, uids, "{included} transactions in the registration block");
    eprintln!(
        "metagraph setup: {} BurnedRegister transactions in block {} ({:.1} s)",
        uids - 1,
        state.height(),
        t0.elapsed().as_secs_f64()
    );

    // Stake the first `validators` registered hotkeys (uids 1..=validators).
    let validator_keys = &hotkeys[..validators];
    for (i, hot) in validator_keys.iter().enumerate() {
        let k = i % colds.len();
        let call = Call::Staking(StakingCall::AddStake {
            hotkey: hot.account_id(),
            amount: Rao(1_000 * RAO_PER_TAO),
        });
        chain
            .mempool()
            .submit(sign(&domain, &colds[k], next(k), call))
            .unwrap();
    }
    assert_eq!(produce(chain), validators);

    // Blocks until an epoch has given all of them validator permits.
    let permitted = |chain: &Chain| {
        let state = chain.finalized_state();
        validator_keys.iter().all(|h| {
            state
                .uid_of(NETUID, &h.account_id())
                .and_then(|uid| state.neuron(NETUID, uid))
                .is_some_and(|n| n.validator_permit)
        })
    };
    let mut blocks = 0;
    while !permitted(chain) {
        assert!(blocks < 100, "no validator permits after {blocks} blocks");
        produce(chain);
        blocks += 1;
    }

    // Every validator weights all uids (deterministic pseudo-random weights).
    let state = chain.finalized_state();
    let all: Vec<u16> = (0..uids as u16).collect();
    for (v, hot) in validator_keys.iter().enumerate() {
        let weights: Vec<u16> = all
            .iter()
            .map(|u| {
                let x = (u64::from(*u) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (v as u64);
                ((x >> 48) as u16) | 1
            })
            .collect();
        let call = Call::Weights(WeightsCall::SetWeights {
            netuid: NETUID,
            uids: all.clone(),
            weights,
            version_key: 0,
        });
        let nonce = state.nonce(&hot.account_id());
        chain
            .mempool()
            .submit(sign(&domain, hot, nonce, call))
            .unwrap();
    }
    // Weights are free calls, which may fill only `free_block_bytes_ppb` of a block (1 MiB
    // of 4 MiB by default: 63 full rows of 4096 uids), so they may need more than one.
    let weighted = |chain: &Chain| {
        let state = chain.finalized_state();
        validator_keys.iter().all(|h| {
            state
                .uid_of(NETUID, &h.account_id())
                .and_then(|uid| state.neuron(NETUID, uid))
                .is_some_and(|n| n.weights.len() == uids)
        })
    };
    let mut weight_blocks = 0;
    while !weighted(chain) {
        assert!(
            weight_blocks < 10,
            "weights still missing after {weight_blocks} blocks"
        );
        produce(chain);
        weight_blocks += 1;
    }
    let state = chain.finalized_state();
    eprintln!(
        "metagraph setup: {validators} validators staked, permitted after {blocks} blocks, \
         weights set on {uids} uids in {weight_blocks} blocks; head {} ({:.1} s total)",
        state.height(),
        t0.elapsed().as_secs_f64()
    );
}

/// Serves `chain` over JSON-RPC (HTTP and WebSocket) on `addr` (port 0: any free port)
/// without a rate limit that a benchmark could hit; returns the server handle (keep it
/// alive) and the bound address.
pub async fn serve_rpc(chain: &Chain, addr: SocketAddr) -> (impl Sized, SocketAddr) {
    let config = RpcConfig {
        addr,
        requests_per_second: 100_000,
        ..RpcConfig::default()
    };
    taonet_node::rpc::start(
        &config,
        RpcApi::new(chain.clone(), NetworkStatus::default()),
    )
    .await
    .unwrap()
}
