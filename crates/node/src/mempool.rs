//! The transaction pool.
//!
//! # Rules
//! - A submitted transaction is checked against the latest finalized state before it is
//!   accepted: size, signature (for this chain), nonce not already used, nonce at most
//!   [`MempoolConfig::max_future_nonces`] ahead of the signer's next nonce, and — when it is the
//!   signer's next transaction — every other inclusion rule (fee limit, fee payable, free-call
//!   registration and rate limit). Rejections are typed ([`MempoolError`]).
//! - One transaction per (signer, nonce). A second one replaces the first only if its fee limit
//!   is strictly higher (fee priority); otherwise it is refused.
//! - Limits: at most `max_transactions` in total, `max_bytes` of encoded transactions and
//!   `max_per_account` per signer. When full, a new transaction evicts the lowest-priority
//!   one only if it pays a higher fee limit; otherwise it is refused with `Full`.
//! - [`Mempool::pending`] returns transactions for a block: each signer's in nonce order, signers
//!   ordered by the fee limit of their first transaction (highest first), then by arrival.
//! - After each finalized block, transactions whose nonce is now used are dropped, and so are
//!   transactions older than `max_age_blocks`.
//! - Newly accepted transactions are announced on [`Mempool::subscribe`] (for gossip).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use commonware_codec::EncodeSize;
use taonet_runtime::apply::verify_signature;
use taonet_runtime::{State, TxInvalid, validate_transaction};
use taonet_types::{AccountId, ChainDomain, Hash, Rao, SignedTransaction};
use tokio::sync::broadcast;

/// Limits of the pool.
#[derive(Clone, Debug)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub max_transactions: usize,
    /// Most encoded bytes held.
    pub max_bytes: usize,
    /// Most transactions per signer.
    pub max_per_account: usize,
    /// How far ahead of the next nonce a transaction may be.
    pub max_future_nonces: u64,
    /// Blocks after which an unincluded transaction is dropped.
    pub max_age_blocks: u64,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            max_transactions: 100_000,
            max_bytes: 64 * 1024 * 1024,
            max_per_account: 1_024,
            max_future_nonces: 1_024,
            max_age_blocks: 600,
        }
    }
}

/// Why a transaction was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// Invalid now and forever (or until the state changes in a way the signer controls).
    #[error("{0}")]
    Invalid(TxInvalid),
    /// The nonce was already used.
    #[error("nonce {got} was already used; the signer's next nonce is {next}")]
    Stale {
        /// The nonce given.
        got: u64,
        /// The next unused nonce.
        next: u64,
    },
    /// Too far in the future.
    #[error("nonce {got} is too far ahead of the signer's next nonce {next} (at most {max} ahead)")]
    TooFarAhead {
        /// The nonce given.
        got: u64,
        /// The next unused nonce.
        next: u64,
        /// The window.
        max: u64,
    },
    /// Already in the pool.
    #[error("transaction {0} is already pending")]
    AlreadyKnown(Hash),
    /// A transaction with the same nonce is pending with a fee limit at least as high.
    #[error(
        "a transaction with the same signer and nonce is pending; raise the fee limit above {0} to replace it"
    )]
    Underpriced(Rao),
    /// The signer has too many pending transactions.
    #[error("the signer already has {0} pending transactions")]
    AccountFull(usize),
    /// The pool is full.
    #[error("the transaction pool is full; retry later or raise the fee limit")]
    Full,
}

#[derive(Clone, Debug)]
struct Entry {
    tx: SignedTransaction,
    hash: Hash,
    size: usize,
    seq: u64,
    added_at: u64,
}

struct Inner {
    domain: ChainDomain,
    state: State,
    by_account: BTreeMap<AccountId, BTreeMap<u64, Entry>>,
    by_hash: HashMap<Hash, (AccountId, u64)>,
    bytes: usize,
    seq: u64,
}

/// The transaction pool (cheap to clone; shared).
#[derive(Clone)]
pub struct Mempool {
    inner: Arc<Mutex<Inner>>,
    config: MempoolConfig,
    announce: broadcast::Sender<SignedTransaction>,
}

impl std::fmt::Debug for Mempool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mempool({} pending)", self.len())
    }
}

impl Mempool {
    /// An empty pool validating against `state` (the finalized state) for `domain`.
    pub fn new(domain: ChainDomain, state: State, config: MempoolConfig) -> Mempool {
        let (announce, _) = broadcast::channel(4096);
        Mempool {
            inner: Arc::new(Mutex::new(Inner {
                domain,
                state,
                by_account: BTreeMap::new(),
                by_hash: HashMap::new(),
                bytes: 0,
                seq: 0,
            })),
            config,
            announce,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-update of plain data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Encoded bytes held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The nonce a new transaction of `signer` should use: the first one after the signer's
    /// run of consecutive pending nonces starting at its next nonce on chain.
    pub fn next_nonce(&self, signer: &AccountId) -> u64 {
        let inner = self.lock();
        let mut next = inner.state.nonce(signer);
        if let Some(queue) = inner.by_account.get(signer) {
            while queue.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Whether `hash` is pending.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.lock().by_hash.contains_key(hash)
    }

    /// Newly accepted transactions (for gossip).
    pub fn subscribe(&self) -> broadcast::Receiver<SignedTransaction> {
        self.announce.subscribe()
    }

    /// Checks and adds a transaction. Returns its hash.
    pub fn submit(&self, tx: SignedTransaction) -> Result<Hash, MempoolError> {
        let hash = tx.hash();
        let size = tx.encode_size();
        let mut inner = self.lock();
        if inner.by_hash.contains_key(&hash) {
            return Err(MempoolError::AlreadyKnown(hash));
        }
        let signer = tx.tx.signer;
        let next = inner.state.nonce(&signer);
        let nonce = tx.tx.nonce;
        if nonce < next {
            return Err(MempoolError::Stale { got: nonce, next });
        }
        let max = self.config.max_future_nonces;
        if nonce > next.saturating_add(max) {
            return Err(MempoolError::TooFarAhead {
                got: nonce,
                next,
                max,
            });
        }
        if nonce == next {
            // Every inclusion rule, signature included.
            validate_transaction(&inner.state, &inner.domain, &tx, true)
                .map_err(MempoolError::Invalid)?;
        } else {
            let max_size = inner.state.params().max_transaction_bytes as usize;
            if size > max_size {
                return Err(MempoolError::Invalid(TxInvalid::TooLarge {
                    size,
                    max: max_size,
                }));
            }
            if !verify_signature(&tx, &inner.domain) {
                return Err(MempoolError::Invalid(TxInvalid::BadSignature));
            }
        }
        // Replacement of the same (signer, nonce).
        if let Some(existing) = inner.by_account.get(&signer).and_then(|q| q.get(&nonce)) {
            if existing.tx.tx.fee_limit >= tx.tx.fee_limit {
                return Err(MempoolError::Underpriced(existing.tx.tx.fee_limit));
            }
            let old = existing.hash;
            inner.remove(&old);
        }
        let per_account = inner.by_account.get(&signer).map_or(0, BTreeMap::len);
        if per_account >= self.config.max_per_account {
            return Err(MempoolError::AccountFull(per_account));
        }
        while inner.by_hash.len() >= self.config.max_transactions
            || inner.bytes + size > self.config.max_bytes
        {
            // Evict the lowest fee limit (the newest among equals), if it pays less.
            let victim = inner
                .by_account
                .values()
                .flat_map(|q| q.values())
                .min_by(|a, b| {
                    a.tx.tx
                        .fee_limit
                        .cmp(&b.tx.tx.fee_limit)
                        .then(b.seq.cmp(&a.seq))
                })
                .map(|e| (e.hash, e.tx.tx.fee_limit));
            match victim {
                Some((h, fee)) if fee < tx.tx.fee_limit => inner.remove(&h),
                _ => return Err(MempoolError::Full),
            }
        }
        let seq = inner.seq;
        inner.seq += 1;
        let added_at = inner.state.globals.height;
        inner.bytes += size;
        inner.by_hash.insert(hash, (signer, nonce));
        inner.by_account.entry(signer).or_default().insert(
            nonce,
            Entry {
                tx: tx.clone(),
                hash,
                size,
                seq,
                added_at,
            },
        );
        drop(inner);
        // Nobody listening is fine.
        let _ = self.announce.send(tx);
        Ok(hash)
    }

    /// Up to `max` transactions for the next block (see the module rules for the order).
    pub fn pending(&self, max: usize) -> Vec<SignedTransaction> {
        let inner = self.lock();
        let mut queues: Vec<(&AccountId, Vec<&Entry>)> = inner
            .by_account
            .iter()
            .map(|(a, q)| (a, q.values().collect()))
            .collect();
        queues.sort_by(|(_, a), (_, b)| {
            let (fa, sa) = a
                .first()
                .map_or((Rao::ZERO, 0), |e| (e.tx.tx.fee_limit, e.seq));
            let (fb, sb) = b
                .first()
                .map_or((Rao::ZERO, 0), |e| (e.tx.tx.fee_limit, e.seq));
            fb.cmp(&fa).then(sa.cmp(&sb))
        });
        let mut out = Vec::new();
        for (_, queue) in queues {
            for e in queue {
                if out.len() >= max {
                    return out;
                }
                out.push(e.tx.clone());
            }
        }
        out
    }

    /// Removes transactions by hash (e.g. permanently invalid ones found while building).
    pub fn remove(&self, hashes: &[Hash]) {
        let mut inner = self.lock();
        for h in hashes {
            inner.remove(h);
        }
    }

    /// After a finalized block: adopt its state, drop used nonces and old transactions.
    pub fn on_finalized(&self, state: &State) {
        let mut inner = self.lock();
        inner.state = state.clone();
        let height = state.globals.height;
        let max_age = self.config.max_age_blocks;
        let stale: Vec<Hash> = inner
            .by_account
            .iter()
            .flat_map(|(account, q)| {
                let next = state.nonce(account);
                q.values()
                    .filter(move |e| {
                        e.tx.tx.nonce < next || height.saturating_sub(e.added_at) > max_age
                    })
                    .map(|e| e.hash)
            })
            .collect();
        for h in stale {
            inner.remove(&h);
        }
    }
}

impl Inner {
    fn remove(&mut self, hash: &Hash) {
        let Some((account, nonce)) = self.by_hash.remove(hash) else {
            return;
        };
        if let Some(queue) = self.by_account.get_mut(&account) {
            if let Some(e) = queue.remove(&nonce) {
                self.bytes = self.bytes.saturating_sub(e.size);
            }
            if queue.is_empty() {
                self.by_account.remove(&account);
            }
        }
    }
}
