#![allow(dead_code)]
//! A small harness: a chain (state + domain) that builds, re-applies and records blocks.

use std::sync::OnceLock;

use taonet_crypto::Keypair;
use taonet_runtime::error::DispatchError;
use taonet_runtime::genesis::{DEV_NAMES, dev_keys};
use taonet_runtime::{
    BlockOutcome, ChainSpec, Domain, Receipt, State, TxInvalid, VoteNamespaces, apply_block,
    build_block, invariants,
};
use taonet_types::{
    AccountId, Block, Call, ChainDomain, Hash, RAO_PER_TAO, Rao, SignedTransaction, Transaction,
};

/// `t` whole TAO.
pub fn tao(t: u64) -> Rao {
    Rao(t * RAO_PER_TAO)
}

/// The development accounts' (coldkey, hotkey) pairs, derived once.
pub fn dev(name: &str) -> &'static (Keypair, Keypair) {
    static KEYS: OnceLock<Vec<(Keypair, Keypair)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| DEV_NAMES.iter().map(|n| dev_keys(n)).collect());
    let i = DEV_NAMES
        .iter()
        .position(|n| *n == name)
        .expect("a dev name");
    &keys[i]
}

/// Coldkey of a dev account.
pub fn cold(name: &str) -> &'static Keypair {
    &dev(name).0
}

/// Hotkey of a dev account.
pub fn hot(name: &str) -> &'static Keypair {
    &dev(name).1
}

/// A fresh keypair from a one-byte seed (not a dev account).
pub fn key(seed: u8) -> Keypair {
    Keypair::from_seed(&[seed; 32])
}

/// Consensus key of dev validator `i` (alice = 0, bob = 1, …) in [`chain_with_seats`].
pub fn seat_key(i: u64) -> commonware_cryptography::ed25519::PrivateKey {
    use commonware_cryptography::Signer;
    commonware_cryptography::ed25519::PrivateKey::from_seed(7_000 + i)
}

/// An ed25519 consensus key from a seed (the harness knows the private key of seeds 0–255
/// and of [`seat_key`]s, so it can sign their proofs of possession).
pub fn ck(seed: u64) -> [u8; 32] {
    use commonware_cryptography::Signer;
    key_bytes(&commonware_cryptography::ed25519::PrivateKey::from_seed(
        seed,
    ))
}

/// The private keys the harness signs proofs with: sr25519 hotkeys (dev accounts' coldkeys and
/// hotkeys, [`key`] seeds 0–255) and ed25519 consensus keys ([`ck`] seeds 0–255, seat keys).
struct KnownKeys {
    sr25519: std::collections::BTreeMap<AccountId, Keypair>,
    ed25519: std::collections::BTreeMap<[u8; 32], commonware_cryptography::ed25519::PrivateKey>,
}

fn known_keys() -> &'static KnownKeys {
    static KEYS: OnceLock<KnownKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        use commonware_cryptography::Signer;
        let mut sr25519 = std::collections::BTreeMap::new();
        for name in DEV_NAMES {
            let (c, h) = dev(name);
            sr25519.insert(c.account_id(), c.clone());
            sr25519.insert(h.account_id(), h.clone());
        }
        for seed in 0..=255u8 {
            let k = key(seed);
            sr25519.insert(k.account_id(), k);
        }
        let mut ed25519 = std::collections::BTreeMap::new();
        for seed in (0..=255u64).chain(7_000..7_064) {
            let k = commonware_cryptography::ed25519::PrivateKey::from_seed(seed);
            ed25519.insert(key_bytes(&k), k);
        }
        KnownKeys { sr25519, ed25519 }
    })
}

/// `call` with its proofs of possession filled in when they are left zero and the harness
/// knows the key (see [`known_keys`]): the hotkey's ownership proof for `signer`, a consensus
/// key's signature over the hotkey. Tests of the proofs themselves pass non-zero proofs.
pub fn with_proofs(domain: &ChainDomain, signer: &AccountId, call: Call) -> Call {
    use commonware_codec::Encode;
    use commonware_cryptography::Signer;
    use taonet_types::tx::{ConsensusCall, StakingCall};
    match call {
        Call::Staking(StakingCall::AssociateHotkey { hotkey, proof }) if proof == [0; 64] => {
            let proof = known_keys().sr25519.get(&hotkey).map_or(proof, |k| {
                k.sign(&taonet_types::tx::hotkey_ownership_payload(domain, signer))
                    .0
            });
            Call::Staking(StakingCall::AssociateHotkey { hotkey, proof })
        }
        Call::Staking(StakingCall::SwapHotkey {
            old_hotkey,
            new_hotkey,
            proof,
        }) if proof == [0; 64] => {
            let proof = known_keys().sr25519.get(&new_hotkey).map_or(proof, |k| {
                k.sign(&taonet_types::tx::hotkey_ownership_payload(domain, signer))
                    .0
            });
            Call::Staking(StakingCall::SwapHotkey {
                old_hotkey,
                new_hotkey,
                proof,
            })
        }
        Call::Consensus(ConsensusCall::RegisterConsensusKey { hotkey, key, proof })
            if proof == [0; 64] =>
        {
            let proof = known_keys().ed25519.get(&key).map_or(proof, |k| {
                let sig = k.sign(
                    &taonet_types::tx::consensus_key_namespace(domain),
                    &taonet_types::tx::consensus_key_payload(&hotkey),
                );
                let mut out = [0u8; 64];
                out.copy_from_slice(&sig.encode());
                out
            });
            Call::Consensus(ConsensusCall::RegisterConsensusKey { hotkey, key, proof })
        }
        other => other,
    }
}

/// The 32 bytes of an ed25519 key's public key.
pub fn key_bytes(k: &commonware_cryptography::ed25519::PrivateKey) -> [u8; 32] {
    use commonware_codec::Encode;
    use commonware_cryptography::Signer;
    let mut out = [0u8; 32];
    out.copy_from_slice(&k.public_key().encode());
    out
}

/// A dev chain whose four validators (alice … dave) vote with [`seat_key`], its spec
/// adjusted by `f`.
pub fn chain_with_seats(f: impl FnOnce(&mut ChainSpec)) -> Chain {
    let keys: Vec<[u8; 32]> = (0..4).map(|i| key_bytes(&seat_key(i))).collect();
    let mut spec = ChainSpec::dev(&keys);
    f(&mut spec);
    Chain::new(&spec)
}

/// The block author used when no seats exist; it receives the fees and nothing else.
pub const PROPOSER: AccountId = AccountId([0xEE; 32]);

/// Signs `tx` for `domain`.
pub fn sign(domain: &ChainDomain, signer: &Keypair, tx: Transaction) -> SignedTransaction {
    let signature = signer.sign(&tx.signing_payload(domain)).0;
    SignedTransaction { tx, signature }
}

/// The vote namespaces the tests' "consensus engine" signs under on the chain of `domain`:
/// the chain's consensus namespace with suffixes of the tests' own. The runtime verifies
/// votes under whatever namespaces its [`Domain`] carries (the node supplies the real
/// engine's); these differ from commonware's on purpose.
pub fn test_votes(domain: &ChainDomain) -> VoteNamespaces {
    let base = taonet_types::evidence::consensus_namespace(domain);
    let with = |suffix: &[u8]| [&base[..], suffix].concat();
    VoteNamespaces {
        notarize: with(b"/test-notarize"),
        finalize: with(b"/test-finalize"),
        nullify: with(b"/test-nullify"),
    }
}

/// A chain under test.
#[derive(Clone)]
pub struct Chain {
    /// The current state.
    pub state: State,
    /// The signing domain, with the test vote namespaces ([`test_votes`]).
    pub domain: Domain,
    /// The genesis state (for replays).
    pub genesis: State,
    /// Every block applied since genesis.
    pub blocks: Vec<Block>,
    /// Clock of the next block.
    pub time_ms: u64,
}

impl Chain {
    /// A chain from a spec.
    pub fn new(spec: &ChainSpec) -> Chain {
        let g = spec.build().expect("valid spec");
        Chain {
            genesis: g.state.clone(),
            state: g.state,
            domain: g.domain.clone().with_votes(test_votes(&g.domain)),
            blocks: Vec::new(),
            time_ms: spec.genesis_timestamp_ms + 1_000,
        }
    }

    /// The development chain without validators (anyone may propose).
    pub fn dev() -> Chain {
        Chain::new(&ChainSpec::dev(&[]))
    }

    /// Current height.
    pub fn height(&self) -> u64 {
        self.state.globals.height
    }

    /// The proposer of the next block: the first seat if seats exist, else [`PROPOSER`].
    pub fn next_proposer(&self) -> AccountId {
        let epoch = self.state.consensus_epoch(self.height() + 1);
        self.state
            .seats(epoch)
            .and_then(|s| s.seats.first())
            .map_or(PROPOSER, |s| s.hotkey)
    }

    /// A transaction from `signer` with its next nonce and a generous fee limit.
    pub fn tx(&self, signer: &Keypair, call: Call) -> SignedTransaction {
        let nonce = self.state.nonce(&signer.account_id());
        self.tx_with(signer, nonce, tao(1), call)
    }

    /// A transaction with explicit nonce and fee limit.
    pub fn tx_with(
        &self,
        signer: &Keypair,
        nonce: u64,
        fee_limit: Rao,
        call: Call,
    ) -> SignedTransaction {
        let tx = Transaction {
            signer: signer.account_id(),
            nonce,
            fee_limit,
            tip: Rao::ZERO,
            call: with_proofs(&self.domain, &signer.account_id(), call),
        };
        sign(&self.domain, signer, tx)
    }

    /// Several transactions in order, with consecutive nonces per signer.
    pub fn txs(&self, calls: &[(&Keypair, Call)]) -> Vec<SignedTransaction> {
        let mut nonces: std::collections::BTreeMap<AccountId, u64> = Default::default();
        calls
            .iter()
            .map(|(kp, call)| {
                let id = kp.account_id();
                let n = nonces.entry(id).or_insert_with(|| self.state.nonce(&id));
                let tx = self.tx_with(kp, *n, tao(1), call.clone());
                *n += 1;
                tx
            })
            .collect()
    }

    /// Builds a block from `candidates` (as a proposer would), applies it to the state (as
    /// every node would), and returns what happened plus the candidates left out.
    pub fn try_block(
        &mut self,
        candidates: &[SignedTransaction],
    ) -> (BlockOutcome, Vec<(Hash, TxInvalid)>) {
        let proposer = self.next_proposer();
        let built = build_block(
            &self.state,
            &self.domain,
            proposer,
            self.time_ms,
            candidates,
        )
        .expect("block builds");
        self.time_ms += 1_000;
        let outcome =
            apply_block(&mut self.state, &self.domain, &built.block).expect("built block applies");
        assert_eq!(outcome, built.outcome, "building and applying agree");
        assert_eq!(self.state.root(), built.block.state_root);
        assert_eq!(self.state.root(), built.state.root());
        assert_eq!(self.state.head, built.block.hash());
        invariants::check(&self.state).expect("invariants hold");
        self.blocks.push(built.block);
        (outcome, built.rejected)
    }

    /// A block that must include every candidate.
    pub fn block(&mut self, candidates: &[SignedTransaction]) -> BlockOutcome {
        let (outcome, rejected) = self.try_block(candidates);
        assert!(rejected.is_empty(), "rejected: {rejected:?}");
        outcome
    }

    /// One transaction in its own block; returns its receipt.
    pub fn submit(&mut self, signer: &Keypair, call: Call) -> Receipt {
        let tx = self.tx(signer, call);
        let mut outcome = self.block(&[tx]);
        outcome.receipts.remove(0)
    }

    /// One free call (weights, serving, commitments) in its own block: `Ok` if it was included (an included
    /// free call always succeeded), or the error that kept it out — a failing free call is
    /// invalid, never included, and leaves the signer's nonce as it was (checked here).
    pub fn submit_free(&mut self, signer: &Keypair, call: Call) -> FreeOutcome {
        assert!(call.is_free(), "{} is not a free call", call.name());
        let nonce = self.state.nonce(&signer.account_id());
        let tx = self.tx(signer, call);
        let (outcome, rejected) = self.try_block(&[tx]);
        match (outcome.receipts.as_slice(), rejected.as_slice()) {
            ([r], []) => {
                assert!(r.success(), "an included free call succeeded: {r:?}");
                FreeOutcome { result: Ok(()) }
            }
            ([], [(_, TxInvalid::FreeCallFailed(e))]) => {
                assert_eq!(self.state.nonce(&signer.account_id()), nonce);
                FreeOutcome {
                    result: Err(e.clone()),
                }
            }
            other => panic!("unexpected outcome of a free call: {other:?}"),
        }
    }

    /// One call that must succeed.
    pub fn ok(&mut self, signer: &Keypair, call: Call) -> Receipt {
        let r = self.submit(signer, call);
        assert!(r.success(), "{} failed: {:?}", r.call, r.result);
        r
    }

    /// One call that must fail; returns its error. A paying call is included and still pays
    /// its fee; a free call that fails is not included at all (`TxInvalid::FreeCallFailed`),
    /// which this checks: no block space, no nonce, no state change.
    pub fn fail(&mut self, signer: &Keypair, call: Call) -> DispatchError {
        if call.is_free() {
            return match self.submit_free(signer, call).result {
                Ok(()) => panic!("the free call unexpectedly succeeded"),
                Err(e) => e,
            };
        }
        let r = self.submit(signer, call);
        match r.result {
            Ok(()) => panic!("{} unexpectedly succeeded", r.call),
            Err(e) => e,
        }
    }

    /// A transaction that must be rejected from the block as invalid.
    pub fn invalid(&mut self, tx: SignedTransaction) -> TxInvalid {
        let (outcome, mut rejected) = self.try_block(&[tx]);
        assert!(outcome.receipts.is_empty());
        assert_eq!(rejected.len(), 1);
        rejected.remove(0).1
    }

    /// `n` empty blocks; their outcomes.
    pub fn advance(&mut self, n: u64) -> Vec<BlockOutcome> {
        (0..n).map(|_| self.block(&[])).collect()
    }

    /// Empty blocks until the height is `h`.
    pub fn advance_to(&mut self, h: u64) -> Vec<BlockOutcome> {
        assert!(h >= self.height(), "height {} is past {h}", self.height());
        self.advance(h - self.height())
    }

    /// Free balance.
    pub fn free(&self, who: &Keypair) -> Rao {
        self.state.free(&who.account_id())
    }

    /// Stake of `coldkey` on `hotkey`.
    pub fn stake(&self, hotkey: &Keypair, coldkey: &Keypair) -> Rao {
        self.state
            .stake(&hotkey.account_id(), &coldkey.account_id())
    }
}

/// What happened to a free call ([`Chain::submit_free`]).
#[derive(Debug)]
pub struct FreeOutcome {
    /// `Ok` when included, else why it was refused.
    pub result: Result<(), DispatchError>,
}

/// Shorthand for `Rao` arithmetic in expectations.
pub fn sub(a: Rao, b: Rao) -> Rao {
    a.checked_sub(b).expect("no underflow")
}

/// Shorthand for `Rao` arithmetic in expectations.
pub fn add(a: Rao, b: Rao) -> Rao {
    a.checked_add(b).expect("no overflow")
}

/// Call constructors.
pub mod call {
    use taonet_types::tx::{
        AxonInfo, BalancesCall, ConsensusCall, NeuronCall, StakingCall, SubnetCall, WeightsCall,
    };
    use taonet_types::{AccountId, Call, Hash, HyperparamUpdate, NetUid, Rao, Uid};

    pub fn transfer(dest: AccountId, amount: Rao) -> Call {
        Call::Balances(BalancesCall::Transfer { dest, amount })
    }
    pub fn associate(hotkey: AccountId) -> Call {
        // The harness fills in the hotkey's proof ([`super::with_proofs`]).
        Call::Staking(StakingCall::AssociateHotkey {
            hotkey,
            proof: [0; 64],
        })
    }
    pub fn add_stake(hotkey: AccountId, amount: Rao) -> Call {
        Call::Staking(StakingCall::AddStake { hotkey, amount })
    }
    pub fn remove_stake(hotkey: AccountId, amount: Rao) -> Call {
        Call::Staking(StakingCall::RemoveStake { hotkey, amount })
    }
    pub fn increase_take(hotkey: AccountId, take: u16) -> Call {
        Call::Staking(StakingCall::IncreaseTake { hotkey, take })
    }
    pub fn decrease_take(hotkey: AccountId, take: u16) -> Call {
        Call::Staking(StakingCall::DecreaseTake { hotkey, take })
    }
    pub fn register_network(hotkey: AccountId) -> Call {
        Call::Subnets(SubnetCall::RegisterNetwork { hotkey })
    }
    pub fn set_identity(netuid: NetUid, name: &str, url: &str, description: &str) -> Call {
        Call::Subnets(SubnetCall::SetIdentity {
            netuid,
            name: name.into(),
            url: url.into(),
            description: description.into(),
        })
    }
    pub fn set_hyperparameter(netuid: NetUid, update: HyperparamUpdate) -> Call {
        Call::Subnets(SubnetCall::SetHyperparameter { netuid, update })
    }
    pub fn register(netuid: NetUid, hotkey: AccountId, max_burn: Rao) -> Call {
        Call::Neurons(NeuronCall::BurnedRegister {
            netuid,
            hotkey,
            max_burn,
        })
    }
    pub fn root_register(hotkey: AccountId) -> Call {
        Call::Neurons(NeuronCall::RootRegister { hotkey })
    }
    pub fn serve_axon(netuid: NetUid, axon: AxonInfo) -> Call {
        Call::Neurons(NeuronCall::ServeAxon { netuid, axon })
    }
    pub fn set_weights(netuid: NetUid, uids: &[Uid], weights: &[u16], version_key: u64) -> Call {
        Call::Weights(WeightsCall::SetWeights {
            netuid,
            uids: uids.to_vec(),
            weights: weights.to_vec(),
            version_key,
        })
    }
    pub fn commit(netuid: NetUid, commit_hash: Hash) -> Call {
        Call::Weights(WeightsCall::CommitWeights {
            netuid,
            commit_hash,
        })
    }
    pub fn reveal(
        netuid: NetUid,
        uids: &[Uid],
        weights: &[u16],
        salt: &[u16],
        version_key: u64,
    ) -> Call {
        Call::Weights(WeightsCall::RevealWeights {
            netuid,
            uids: uids.to_vec(),
            weights: weights.to_vec(),
            salt: salt.to_vec(),
            version_key,
        })
    }
    pub fn consensus_key(hotkey: AccountId, key: [u8; 32]) -> Call {
        // The harness fills in the key's proof ([`super::with_proofs`]).
        Call::Consensus(ConsensusCall::RegisterConsensusKey {
            hotkey,
            key,
            proof: [0; 64],
        })
    }
    pub fn unjail(hotkey: AccountId) -> Call {
        Call::Consensus(ConsensusCall::Unjail { hotkey })
    }
    pub fn move_stake(from_hotkey: AccountId, to_hotkey: AccountId, amount: Rao) -> Call {
        Call::Staking(StakingCall::MoveStake {
            from_hotkey,
            to_hotkey,
            amount,
        })
    }
    pub fn transfer_stake(hotkey: AccountId, dest_coldkey: AccountId, amount: Rao) -> Call {
        Call::Staking(StakingCall::TransferStake {
            hotkey,
            dest_coldkey,
            amount,
        })
    }
    pub fn swap_hotkey(old_hotkey: AccountId, new_hotkey: AccountId) -> Call {
        // The harness fills in the new hotkey's proof ([`super::with_proofs`]).
        Call::Staking(StakingCall::SwapHotkey {
            old_hotkey,
            new_hotkey,
            proof: [0; 64],
        })
    }
    pub fn announce_coldkey_swap(new_coldkey: AccountId) -> Call {
        Call::Staking(StakingCall::AnnounceColdkeySwap { new_coldkey })
    }
    pub fn dispute_coldkey_swap() -> Call {
        Call::Staking(StakingCall::DisputeColdkeySwap)
    }
    pub fn execute_coldkey_swap(old_coldkey: AccountId) -> Call {
        Call::Staking(StakingCall::ExecuteColdkeySwap { old_coldkey })
    }
    pub fn reset_axon(netuid: NetUid) -> Call {
        Call::Neurons(NeuronCall::ResetAxon { netuid })
    }
    pub fn set_commitment(netuid: NetUid, data: &[u8]) -> Call {
        Call::Commitments(taonet_types::tx::CommitmentCall::Set {
            netuid,
            data: data.to_vec(),
        })
    }
}

/// What the subnet epochs of these blocks paid out (owner cuts, miners, validators).
pub fn minted<'a>(outcomes: impl IntoIterator<Item = &'a BlockOutcome>) -> Rao {
    let mut total = Rao::ZERO;
    for o in outcomes {
        for e in &o.epochs {
            total = add(total, add(e.owner_cut, add(e.miners, e.validators)));
        }
    }
    total
}

impl Chain {
    /// Builds the next block without applying it.
    pub fn build(&self, candidates: &[SignedTransaction]) -> taonet_runtime::BuiltBlock {
        build_block(
            &self.state,
            &self.domain,
            self.next_proposer(),
            self.time_ms,
            candidates,
        )
        .expect("block builds")
    }

    /// Applies a block someone else built; on error the state must be untouched.
    pub fn apply(&mut self, block: &Block) -> Result<BlockOutcome, taonet_runtime::BlockError> {
        let before = self.state.clone();
        match apply_block(&mut self.state, &self.domain, block) {
            Ok(o) => {
                self.blocks.push(block.clone());
                self.time_ms = block.timestamp_ms + 1_000;
                Ok(o)
            }
            Err(e) => {
                assert_same_state(&before, &self.state);
                Err(e)
            }
        }
    }
}

/// Two states are the same: root, head, globals, and every record's root contribution.
pub fn assert_same_state(a: &State, b: &State) {
    assert_eq!(a.root(), b.root());
    assert_eq!(a.head, b.head);
    assert_eq!(a.globals, b.globals);
    // Uncommitted changes would show in a fresh root.
    assert_eq!(a.clone().commit_root(), b.clone().commit_root());
}
