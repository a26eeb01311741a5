//! The node's view of the chain: the finalized state (durable), the states of verified but
//! not yet finalized blocks, and the mempool, behind one thread-safe handle.
//!
//! # Rules
//! - [`Chain::propose`] builds a block on any *known* parent — the finalized head or a block
//!   this node verified — from the mempool, and remembers the resulting state.
//! - [`Chain::verify`] re-executes a block on its parent's state; the block is valid only if
//!   every transaction is includable and the computed state root (and seat election) equal the
//!   block's. An unknown parent is reported as such ([`ChainError::UnknownParent`]), so the
//!   caller can supply the ancestors first; any other failure is permanent.
//! - [`Chain::finalize`] accepts finalized blocks in height order. It reuses the verified state
//!   when it has it (re-executing otherwise), writes the block and the state changes to the
//!   store in one atomic step, drops fork states at or below the new height, prunes the
//!   mempool and announces the new head. Finalizing a height already finalized is a no-op if
//!   the block is the same one, and an error (`Conflict`) if it is not.
//! - Reopening a data directory restores exactly the last finalized state (checked against
//!   its block's state root); a directory of another chain is refused.
//! - **Protocol versions** (`taonet_runtime::upgrade`): the chain runs blocks of versions up
//!   to its `max_protocol_version` (this build's newest unless told less,
//!   [`Chain::with_max_protocol_version`]). A finalized block of a later version **halts**
//!   the chain: [`Chain::finalize`] refuses it with [`ChainError::Halted`], whose text says
//!   which version at which height and what to install, and [`Chain::halted`] /
//!   [`Chain::wait_halted`] report it so the node stops instead of following a fork; a node
//!   reopened where the next block needs such a version refuses to start with the same text.
//!   While an upgrade this node cannot run is scheduled, every finalized block 10 or fewer
//!   blocks before it, and every 100th before that, logs a warning.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use taonet_runtime::apply::BlockOutcome;
use taonet_runtime::{ChainSpec, Domain, Genesis, State, apply_block_cached, build_block_cached};
use taonet_store::{Store, StoreError};
use taonet_types::{AccountId, Block, ChainDomain, Hash, ParentVotes, SeatSet};
use tokio::sync::broadcast;

use crate::consensus::vote_namespaces;
use crate::mempool::{Mempool, MempoolConfig};

/// Most unfinalized states kept (older ones are dropped first).
const MAX_FORK_STATES: usize = 1_024;

/// A block's identity and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    /// Block number (genesis is 0).
    pub height: u64,
    /// Block hash.
    pub hash: Hash,
    /// State root after the block.
    pub state_root: Hash,
    /// Block timestamp (ms).
    pub timestamp_ms: u64,
}

impl Head {
    fn of(block: &Block) -> Head {
        Head {
            height: block.height,
            hash: block.hash(),
            state_root: block.state_root,
            timestamp_ms: block.timestamp_ms,
        }
    }
}

/// What finalizing a block did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizeOutcome {
    /// The finalized height.
    pub height: u64,
    /// Seats elected in the block, if any.
    pub seats: Option<SeatSet>,
}

/// Chain events, for subscribers (RPC, metrics, consensus).
#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A block was verified or proposed (a new best head candidate).
    NewHead(Head),
    /// A block was finalized.
    Finalized(Head),
}

/// Errors of the chain handle.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The parent block is not known (not finalized, not verified).
    #[error("parent block {0} is unknown")]
    UnknownParent(Hash),
    /// The block is invalid.
    #[error("invalid block: {0}")]
    Invalid(String),
    /// A different block is already finalized at this height.
    #[error("block {got} conflicts with the finalized block {finalized} at height {height}")]
    Conflict {
        /// The contested height.
        height: u64,
        /// Finalized hash.
        finalized: Hash,
        /// The other hash.
        got: Hash,
    },
    /// Finalized out of order.
    #[error("cannot finalize height {got}: the finalized height is {finalized}")]
    Gap {
        /// Finalized height.
        finalized: u64,
        /// Block height.
        got: u64,
    },
    /// The data directory belongs to another chain.
    #[error(
        "the data directory holds chain {found_id} (genesis {found}), not {expected_id} (genesis {expected}); use another --data-dir"
    )]
    WrongChain {
        /// Chain id on disk.
        found_id: String,
        /// Genesis hash on disk.
        found: Hash,
        /// Chain id of the spec.
        expected_id: String,
        /// Genesis hash of the spec.
        expected: Hash,
    },
    /// The chain spec is invalid.
    #[error("{0}")]
    Genesis(#[from] taonet_runtime::GenesisError),
    /// Storage failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The chain moved to a protocol version this node cannot run (module rules).
    #[error("{0}")]
    Halted(String),
}

struct Fork {
    block: Block,
    state: State,
    outcome: BlockOutcome,
}

struct Inner {
    finalized: State,
    finalized_head: Head,
    best: Head,
    forks: HashMap<Hash, Arc<Fork>>,
}

struct Shared {
    inner: Mutex<Inner>,
    /// Outside the lock: redb serves concurrent readers (MVCC), so RPC reads never hold up
    /// consensus; writes happen only in `finalize`, under the lock.
    store: Store,
    /// The chain's domain, with the consensus engine's vote namespaces.
    domain: Domain,
    genesis: Block,
    mempool: Mempool,
    events: broadcast::Sender<ChainEvent>,
    dir: PathBuf,
    /// Why the chain halted (a protocol version this node cannot run), once it has.
    halt: tokio::sync::watch::Sender<Option<String>>,
}

/// Handle to the node's chain (cheap to clone; thread-safe).
#[derive(Clone)]
pub struct Chain {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chain({})", self.shared.domain.chain_id)
    }
}

impl Chain {
    /// Opens the chain stored under `dir`, creating it from `spec` if the directory is empty.
    pub fn open(dir: &Path, spec: &ChainSpec) -> Result<Chain, ChainError> {
        Chain::open_with(dir, spec, MempoolConfig::default())
    }

    /// [`Chain::open`] with explicit mempool limits.
    pub fn open_with(
        dir: &Path,
        spec: &ChainSpec,
        mempool: MempoolConfig,
    ) -> Result<Chain, ChainError> {
        Chain::open_genesis(dir, &spec.build()?, mempool)
    }

    /// [`Chain::open_with`] from a genesis built without a chain spec (a state assembled
    /// directly, e.g. by `taonet bench scale`): an empty directory is initialised with it, a
    /// directory of another chain is refused ([`ChainError::WrongChain`]).
    pub fn open_genesis(
        dir: &Path,
        genesis: &Genesis,
        mempool: MempoolConfig,
    ) -> Result<Chain, ChainError> {
        let store = Store::open(&dir.join("chain.redb"))?;
        match store.chain()? {
            None => store.init_genesis(genesis)?,
            Some((id, hash))
                if id != genesis.domain.chain_id || hash != genesis.domain.genesis_hash =>
            {
                return Err(ChainError::WrongChain {
                    found_id: id,
                    found: hash,
                    expected_id: genesis.domain.chain.chain_id.clone(),
                    expected: genesis.domain.chain.genesis_hash,
                });
            }
            Some(_) => {}
        }
        Chain::from_store(
            dir,
            store,
            genesis.domain.clone(),
            genesis.block.clone(),
            mempool,
        )
    }

    /// Opens the chain a data directory already holds, whichever spec or genesis created it:
    /// the chain id and genesis block are read from the store. Refused with
    /// [`StoreError::Empty`] if the directory holds no chain yet (create it with
    /// [`Chain::open`] or [`Chain::open_genesis`] first).
    pub fn open_existing(dir: &Path, mempool: MempoolConfig) -> Result<Chain, ChainError> {
        let store = Store::open(&dir.join("chain.redb"))?;
        let (chain_id, genesis_hash) = store.chain()?.ok_or(StoreError::Empty)?;
        let genesis = store
            .block(0)?
            .ok_or_else(|| StoreError::Corrupt("genesis block missing".into()))?;
        if genesis.hash() != genesis_hash {
            return Err(StoreError::Corrupt(format!(
                "genesis block hash {} does not match the stored genesis hash {genesis_hash}",
                genesis.hash()
            ))
            .into());
        }
        let domain = Domain::new(ChainDomain {
            chain_id,
            genesis_hash,
        });
        Chain::from_store(dir, store, domain, genesis, mempool)
    }

    /// The chain over an initialised `store`: loads the finalized state (root checked).
    fn from_store(
        dir: &Path,
        store: Store,
        domain: Domain,
        genesis: Block,
        mempool: MempoolConfig,
    ) -> Result<Chain, ChainError> {
        let finalized = store.load_state()?;
        let height = finalized.height();
        let block = store
            .block(height)?
            .ok_or_else(|| StoreError::Corrupt(format!("block {height} missing")))?;
        let head = Head::of(&block);
        let (events, _) = broadcast::channel(1024);
        let namespaces = vote_namespaces(&domain);
        let domain = domain.with_votes(namespaces);
        let mempool = Mempool::new(domain.clone(), finalized.clone(), mempool);
        Ok(Chain {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    finalized,
                    finalized_head: head,
                    best: head,
                    forks: HashMap::new(),
                }),
                store,
                domain,
                genesis,
                mempool,
                events,
                dir: dir.to_path_buf(),
                halt: tokio::sync::watch::Sender::new(None),
            }),
        })
    }

    /// Limits the protocol versions this chain runs to `max` (module rules; a node told an
    /// older maximum behaves as an older build). Refused with [`ChainError::Halted`] if the
    /// next block already needs a later version.
    pub fn with_max_protocol_version(self, max: u32) -> Result<Chain, ChainError> {
        {
            let mut inner = self.lock();
            inner.finalized.max_version = max;
            inner.forks.clear();
            let next = inner.finalized.height() + 1;
            let version = inner.finalized.version_at(next);
            if version > max {
                let upgrade = inner.finalized.pending_upgrade().cloned();
                let e = taonet_runtime::BlockError::UnsupportedVersion {
                    version,
                    height: upgrade.as_ref().map_or(next, |u| u.height),
                    name: upgrade.map(|u| u.name).unwrap_or_default(),
                    supported: max,
                };
                return Err(ChainError::Halted(e.to_string()));
            }
        }
        Ok(self)
    }

    /// The newest protocol version this chain runs.
    pub fn max_protocol_version(&self) -> u32 {
        self.lock().finalized.max_version
    }

    /// Why the chain halted, if it has (module rules).
    pub fn halted(&self) -> Option<String> {
        self.shared.halt.borrow().clone()
    }

    /// Completes when the chain halts, with the reason.
    pub async fn wait_halted(&self) -> String {
        let mut rx = self.shared.halt.subscribe();
        loop {
            if let Some(reason) = rx.borrow_and_update().clone() {
                return reason;
            }
            if rx.changed().await.is_err() {
                return futures::future::pending().await;
            }
        }
    }

    /// Warns (module rules) when a scheduled upgrade this node cannot run approaches.
    fn warn_of_upgrade(state: &State) {
        let Some(u) = state.pending_upgrade() else {
            return;
        };
        if u.version <= state.max_version {
            return;
        }
        let left = u.height.saturating_sub(state.height());
        if left <= 10 || left % 100 == 0 {
            tracing::warn!(
                version = u.version,
                height = u.height,
                name = %u.name,
                blocks_left = left,
                supported = state.max_version,
                "this chain moves to protocol v{} at height {} (upgrade \"{}\") in {left} blocks; this node runs protocol v{} at most and will stop there: install a taonet release that runs protocol v{} before then",
                u.version,
                u.height,
                u.name,
                state.max_version,
                u.version
            );
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The signing domain (chain id + genesis hash).
    pub fn domain(&self) -> ChainDomain {
        self.shared.domain.chain.clone()
    }

    /// The domain blocks and transactions are executed in: the signing domain and the
    /// consensus engine's vote namespaces ([`vote_namespaces`]).
    pub fn runtime_domain(&self) -> &Domain {
        &self.shared.domain
    }

    /// The genesis block.
    pub fn genesis(&self) -> Block {
        self.shared.genesis.clone()
    }

    /// The finalized head.
    pub fn finalized(&self) -> Head {
        self.lock().finalized_head
    }

    /// The highest block known (verified or finalized).
    pub fn best(&self) -> Head {
        self.lock().best
    }

    /// A snapshot of the finalized state (O(1)).
    pub fn finalized_state(&self) -> State {
        self.lock().finalized.clone()
    }

    /// The pool of transactions waiting for a block (checked against the finalized state).
    pub fn mempool(&self) -> &Mempool {
        &self.shared.mempool
    }

    /// Chain events.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.shared.events.subscribe()
    }

    /// Blocks per consensus epoch.
    pub fn consensus_epoch_length(&self) -> u64 {
        self.lock().finalized.params().consensus_epoch_length.max(1)
    }

    /// Seats of a consensus epoch, from the finalized state.
    pub fn seats(&self, epoch: u64) -> Option<SeatSet> {
        self.lock().finalized.seats(epoch).cloned()
    }

    /// The finalized block at `height`.
    pub fn block_by_height(&self, height: u64) -> Option<Block> {
        self.shared.store.block(height).ok().flatten()
    }

    /// A finalized block, or a verified unfinalized one, by hash.
    pub fn block_by_hash(&self, hash: &Hash) -> Option<Block> {
        let inner = self.lock();
        if let Some(f) = inner.forks.get(hash) {
            return Some(f.block.clone());
        }
        drop(inner);
        self.shared.store.block_by_hash(hash).ok().flatten()
    }

    /// Runs `f` with the store (for RPC reads; does not block consensus).
    pub fn with_store<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(&self.shared.store)
    }

    fn parent_state(inner: &Inner, parent: &Hash) -> Option<State> {
        if *parent == inner.finalized_head.hash {
            return Some(inner.finalized.clone());
        }
        inner.forks.get(parent).map(|f| f.state.clone())
    }

    fn remember(
        &self,
        inner: &mut Inner,
        block: Block,
        state: State,
        outcome: BlockOutcome,
    ) -> Head {
        let head = Head::of(&block);
        if inner.forks.len() >= MAX_FORK_STATES {
            // Drop the lowest fork states first.
            let mut heights: Vec<(u64, Hash)> = inner
                .forks
                .iter()
                .map(|(h, f)| (f.block.height, *h))
                .collect();
            heights.sort();
            for (_, h) in heights.iter().take(MAX_FORK_STATES / 4) {
                inner.forks.remove(h);
            }
        }
        inner.forks.insert(
            head.hash,
            Arc::new(Fork {
                block,
                state,
                outcome,
            }),
        );
        if head.height > inner.best.height {
            inner.best = head;
        }
        head
    }

    /// Builds a block on `parent` with transactions from the mempool.
    pub fn propose(
        &self,
        parent: &Hash,
        proposer: &AccountId,
        timestamp_ms: u64,
    ) -> Result<Block, ChainError> {
        self.propose_with_votes(parent, proposer, timestamp_ms, None)
    }

    /// [`Chain::propose`], carrying `parent_votes` (consensus votes for the parent; left out
    /// of the block if the runtime does not accept them).
    pub fn propose_with_votes(
        &self,
        parent: &Hash,
        proposer: &AccountId,
        timestamp_ms: u64,
        parent_votes: Option<ParentVotes>,
    ) -> Result<Block, ChainError> {
        let (state, max) = {
            let inner = self.lock();
            let state =
                Chain::parent_state(&inner, parent).ok_or(ChainError::UnknownParent(*parent))?;
            let max = state.params().max_block_transactions as usize;
            (state, max)
        };
        // The byte budget: the builder enforces it; asking the pool for what fits keeps the
        // candidate list (and the work of skipping) small.
        let budget = taonet_runtime::BlockBudget::of(&state);
        let candidates = self.shared.mempool.pending_within(max, budget.bytes);
        // Build outside the lock: execution may take a while.
        let built = build_block_cached(
            &state,
            &self.shared.domain,
            *proposer,
            timestamp_ms,
            &candidates,
            parent_votes,
            self.shared.mempool.signatures(),
        )
        .map_err(|e| ChainError::Invalid(e.to_string()))?;
        let permanent: Vec<Hash> = built
            .rejected
            .iter()
            .filter(|(_, e)| {
                matches!(
                    e,
                    taonet_runtime::TxInvalid::BadSignature
                        | taonet_runtime::TxInvalid::TooLarge { .. }
                        | taonet_runtime::TxInvalid::FeeLimit { .. }
                        | taonet_runtime::TxInvalid::TipOnFreeCall(_)
                        | taonet_runtime::TxInvalid::FreeCallFailed(_)
                        | taonet_runtime::TxInvalid::HotkeyNotRegistered { .. }
                        | taonet_runtime::TxInvalid::RateLimited { .. }
                )
            })
            .map(|(h, _)| *h)
            .collect();
        self.shared.mempool.remove(&permanent);
        let block = built.block.clone();
        let head = {
            let mut inner = self.lock();
            self.remember(&mut inner, built.block, built.state, built.outcome)
        };
        let _ = self.shared.events.send(ChainEvent::NewHead(head));
        Ok(block)
    }

    /// Re-executes `block` on its parent's state (see the module rules).
    pub fn verify(&self, block: &Block) -> Result<(), ChainError> {
        let hash = block.hash();
        let mut state = {
            let inner = self.lock();
            if inner.forks.contains_key(&hash) {
                return Ok(());
            }
            if block.height <= inner.finalized_head.height {
                return match self.shared.store.block(block.height)? {
                    Some(b) if b.hash() == hash => Ok(()),
                    Some(b) => Err(ChainError::Conflict {
                        height: block.height,
                        finalized: b.hash(),
                        got: hash,
                    }),
                    None => Err(ChainError::Invalid(format!(
                        "no block at height {}",
                        block.height
                    ))),
                };
            }
            Chain::parent_state(&inner, &block.parent)
                .ok_or(ChainError::UnknownParent(block.parent))?
        };
        let outcome = apply_block_cached(
            &mut state,
            &self.shared.domain,
            block,
            self.shared.mempool.signatures(),
        )
        .map_err(|e| ChainError::Invalid(e.to_string()))?;
        let head = {
            let mut inner = self.lock();
            self.remember(&mut inner, block.clone(), state, outcome)
        };
        let _ = self.shared.events.send(ChainEvent::NewHead(head));
        Ok(())
    }

    /// Applies and persists a finalized block (see the module rules).
    pub fn finalize(&self, block: &Block) -> Result<FinalizeOutcome, ChainError> {
        let hash = block.hash();
        let mut inner = self.lock();
        let finalized = inner.finalized_head.height;
        if block.height <= finalized {
            return match self.shared.store.block(block.height)? {
                Some(b) if b.hash() == hash => Ok(FinalizeOutcome {
                    height: block.height,
                    seats: block.seats.clone(),
                }),
                Some(b) => Err(ChainError::Conflict {
                    height: block.height,
                    finalized: b.hash(),
                    got: hash,
                }),
                None => Err(ChainError::Gap {
                    finalized,
                    got: block.height,
                }),
            };
        }
        if block.height != finalized + 1 {
            return Err(ChainError::Gap {
                finalized,
                got: block.height,
            });
        }
        let fork = match inner.forks.get(&hash) {
            Some(f) => f.clone(),
            None => {
                let mut state = inner.finalized.clone();
                let outcome = match apply_block_cached(
                    &mut state,
                    &self.shared.domain,
                    block,
                    self.shared.mempool.signatures(),
                ) {
                    Ok(outcome) => outcome,
                    Err(e @ taonet_runtime::BlockError::UnsupportedVersion { .. }) => {
                        let reason = e.to_string();
                        if self.shared.halt.borrow().is_none() {
                            tracing::error!(height = block.height, "{reason}");
                            self.shared.halt.send_replace(Some(reason.clone()));
                        }
                        return Err(ChainError::Halted(reason));
                    }
                    Err(e) => return Err(ChainError::Invalid(e.to_string())),
                };
                Arc::new(Fork {
                    block: block.clone(),
                    state,
                    outcome,
                })
            }
        };
        self.shared.store.commit_block(block, &fork.outcome)?;
        let replaced = std::mem::replace(&mut inner.finalized, fork.state.clone());
        let head = Head::of(block);
        inner.finalized_head = head;
        if inner.best.height <= head.height {
            inner.best = head;
        }
        let height = head.height;
        let settled: Vec<Arc<Fork>> = inner
            .forks
            .extract_if(|_, f| f.block.height <= height)
            .map(|(_, f)| f)
            .collect();
        let state = inner.finalized.clone();
        drop(inner);
        // What the block rewrote is owned by the replaced state alone: free it off this path.
        crate::retire::retire((replaced, settled, fork));
        Chain::warn_of_upgrade(&state);
        self.shared.mempool.on_finalized(&state);
        tracing::info!(
            height,
            hash = %head.hash,
            transactions = block.transactions.len(),
            "finalized"
        );
        let _ = self.shared.events.send(ChainEvent::Finalized(head));
        Ok(FinalizeOutcome {
            height,
            seats: block.seats.clone(),
        })
    }
}
