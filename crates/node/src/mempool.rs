//! The transaction pool.
//!
//! # Rules
//! - A submitted transaction is checked against the latest finalized state before it is
//!   accepted: size, signature (for this chain), nonce not already used, nonce at most
//!   [`MempoolConfig::max_future_nonces`] ahead of the signer's next nonce, and — when it is the
//!   signer's next transaction — every inclusion rule (fee limit, fee payable, free-call
//!   registration and rate limit, and for a free call a dry run: one that would fail is
//!   refused). Rejections are typed ([`MempoolError`]).
//! - **Everything pooled is payable.** A transaction's *debit* is its fee (base fee plus tip)
//!   and the most its call takes from the free balance (`taonet_runtime::max_debit`). One
//!   whose debit alone exceeds the free balance is refused before its signature is checked
//!   (the cheapest refusal of a flood from keys with no balance). The
//!   debits of all of a signer's pooled transactions, future nonces included, must fit in its
//!   free balance, or the new one is refused (`CannotPay`). After each finalized block the
//!   check is run again and a signer's last transactions are dropped until it holds.
//! - **Priority is what the signer pays**: fee per byte (base fee plus tip, ×1,000,000, over
//!   the encoded size); free calls have priority zero. A second transaction for the same
//!   (signer, nonce) replaces the first only if its fee is strictly higher.
//! - **Ready and future.** A transaction is *ready* when every nonce from the signer's next one
//!   up to it is pooled (it can go into the next block); otherwise it is a *future*
//!   transaction. Futures are bounded per signer ([`MempoolConfig::max_future_per_account`])
//!   and in total ([`MempoolConfig::max_future`]), and a future never evicts a ready one.
//! - **Free calls** (weights, serving, commitments) are signed by a hotkey that must be
//!   registered on the subnet (checked for every nonce) and at most
//!   [`MempoolConfig::max_free_per_account`] of them per signer are pooled.
//! - Limits: at most `max_transactions` in total, `max_bytes` of encoded transactions and
//!   `max_per_account` per signer. When full, a new transaction evicts the lowest-priority one
//!   (with the signer's later nonces, which could no longer run) only if it pays strictly more
//!   per byte; otherwise it is refused with `Full`.
//! - [`Mempool::pending_within`] returns ready transactions for a block: the highest-priority
//!   signer head first, each signer's in nonce order (a signer's next transaction competes
//!   once the previous one is taken), within a count and a byte budget.
//! - After each finalized block, transactions whose nonce is now used are dropped, and so are
//!   transactions older than `max_age_blocks` and unpayable ones (above).
//! - Newly accepted transactions are announced on [`Mempool::subscribe`] (for gossip).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use commonware_codec::EncodeSize;
use taonet_runtime::{
    Domain, SignatureCache, State, TxInvalid, admit_transaction, max_debit, precheck_transaction,
};
use taonet_types::{AccountId, Hash, Rao, SignedTransaction};
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
    /// Most future (not yet executable) transactions per signer.
    pub max_future_per_account: usize,
    /// Most future transactions in the pool.
    pub max_future: usize,
    /// Most free calls per signer.
    pub max_free_per_account: usize,
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
            max_future_per_account: 16,
            max_future: 4_096,
            max_free_per_account: 4,
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
        /// How far past the next nonce the pool accepts (`max_future_nonces`).
        max: u64,
    },
    /// Already in the pool.
    #[error("transaction {0} is already pending")]
    AlreadyKnown(Hash),
    /// A transaction with the same nonce is pending with a fee at least as high.
    #[error(
        "a transaction with the same signer and nonce is pending paying {0} TAO; raise the tip to pay more and replace it"
    )]
    Underpriced(Rao),
    /// The signer has too many pending transactions.
    #[error("the signer already has {0} pending transactions; wait for some to be included")]
    AccountFull(usize),
    /// The signer has too many pending transactions with gaps before them.
    #[error(
        "the signer already has {0} pending transactions that cannot run yet (nonce gaps); send the missing nonces first"
    )]
    TooManyFuture(usize),
    /// The signer has too many pending free calls.
    #[error(
        "the hotkey already has {0} pending free calls (weights, serving, commitments); wait for them"
    )]
    TooManyFree(usize),
    /// The signer cannot pay for all of its pooled transactions.
    #[error(
        "insufficient balance: the signer's free balance {free} TAO cannot pay for its pending transactions and this one ({needed} TAO in fees and amounts)"
    )]
    CannotPay {
        /// Fees and amounts of the pending transactions and this one.
        needed: Rao,
        /// The signer's free balance.
        free: Rao,
    },
    /// The pool is full.
    #[error("the transaction pool is full; retry later or pay a higher tip")]
    Full,
}

/// What a signer already has in the pool (besides the nonce being submitted).
#[derive(Default)]
struct Own {
    count: usize,
    free_calls: usize,
    futures: usize,
    debit: Rao,
    /// Pooled nonces from the signer's next one up to the submitted one.
    before: u64,
}

/// Eviction order: lowest priority first, the newest among equals first.
type Rank = (u128, Reverse<u64>, AccountId, u64);

#[derive(Clone, Debug)]
struct Entry {
    tx: SignedTransaction,
    hash: Hash,
    size: usize,
    seq: u64,
    added_at: u64,
    priority: u128,
    fee: Rao,
    debit: Rao,
    free_call: bool,
    future: bool,
}

impl Entry {
    fn rank(&self) -> Rank {
        (
            self.priority,
            Reverse(self.seq),
            self.tx.tx.signer,
            self.tx.tx.nonce,
        )
    }
}

struct Inner {
    state: State,
    by_account: BTreeMap<AccountId, BTreeMap<u64, Entry>>,
    by_hash: HashMap<Hash, (AccountId, u64)>,
    ranked: BTreeSet<Rank>,
    futures: BTreeSet<Rank>,
    bytes: usize,
    seq: u64,
}

/// The transaction pool (cheap to clone; shared).
#[derive(Clone)]
pub struct Mempool {
    inner: Arc<Mutex<Inner>>,
    domain: Arc<Domain>,
    signatures: Arc<SignatureCache>,
    config: MempoolConfig,
    announce: broadcast::Sender<SignedTransaction>,
}

impl std::fmt::Debug for Mempool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mempool({} pending)", self.len())
    }
}

/// Fee per byte, scaled by 10⁶ (what the pool and the block builder order by).
pub fn priority(fee: Rao, size: usize) -> u128 {
    u128::from(fee.0) * 1_000_000 / (size.max(1) as u128)
}

impl Mempool {
    /// An empty pool validating against `state` (the finalized state) for `domain`.
    pub fn new(domain: Domain, state: State, config: MempoolConfig) -> Mempool {
        let (announce, _) = broadcast::channel(4096);
        Mempool {
            inner: Arc::new(Mutex::new(Inner {
                state,
                by_account: BTreeMap::new(),
                by_hash: HashMap::new(),
                ranked: BTreeSet::new(),
                futures: BTreeSet::new(),
                bytes: 0,
                seq: 0,
            })),
            domain: Arc::new(domain),
            signatures: Arc::new(SignatureCache::default()),
            config,
            announce,
        }
    }

    /// The signatures this node verified (shared with block execution; see
    /// `taonet_runtime::sigcache`).
    pub fn signatures(&self) -> &Arc<SignatureCache> {
        &self.signatures
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

    /// Number of future transactions (nonce gaps before them).
    pub fn futures(&self) -> usize {
        self.lock().futures.len()
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
        self.cheap_checks(&self.lock(), &tx, &hash)?;
        // The signature outside the lock (submissions from RPC and gossip verify in parallel).
        if !self.signatures.verify(&tx, &hash, &self.domain) {
            return Err(MempoolError::Invalid(TxInvalid::BadSignature));
        }
        self.add_verified(tx, hash)
    }

    /// Checks and adds many transactions (a gossip batch): the cheap checks first, then the
    /// signatures of the survivors with one batch verification, then each as
    /// [`Mempool::submit`]. One result per transaction, in order.
    pub fn submit_batch(&self, txs: Vec<SignedTransaction>) -> Vec<Result<Hash, MempoolError>> {
        let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
        let mut results: Vec<Result<Hash, MempoolError>> = {
            let inner = self.lock();
            txs.iter()
                .zip(&hashes)
                .map(|(tx, hash)| self.cheap_checks(&inner, tx, hash).map(|()| *hash))
                .collect()
        };
        let (passed, passed_hashes): (Vec<SignedTransaction>, Vec<Hash>) = txs
            .iter()
            .zip(&hashes)
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|((tx, h), _)| (tx.clone(), *h))
            .unzip();
        let verdicts = self
            .signatures
            .verify_all(&passed, &passed_hashes, &self.domain);
        let mut verdicts = verdicts.into_iter();
        for (tx, result) in txs.into_iter().zip(results.iter_mut()) {
            let Ok(hash) = *result else { continue };
            *result = if verdicts.next().unwrap_or(false) {
                self.add_verified(tx, hash)
            } else {
                Err(MempoolError::Invalid(TxInvalid::BadSignature))
            };
        }
        results
    }

    /// The refusals that need no signature check: already pooled, stale or far-future nonce,
    /// and a paying transaction its signer's balance cannot cover on its own (a flood from keys
    /// with no balance costs one map lookup each).
    fn cheap_checks(
        &self,
        inner: &Inner,
        tx: &SignedTransaction,
        hash: &Hash,
    ) -> Result<(), MempoolError> {
        if inner.by_hash.contains_key(hash) {
            return Err(MempoolError::AlreadyKnown(*hash));
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
        let debit = max_debit(&inner.state, tx);
        let free = inner.state.free(&signer);
        if !tx.tx.call.is_free() && debit > free {
            return Err(MempoolError::CannotPay {
                needed: debit,
                free,
            });
        }
        Ok(())
    }

    /// Adds a transaction whose signature verified: every other check again under the lock
    /// (the state may have moved since the cheap ones), then the limits.
    fn add_verified(&self, tx: SignedTransaction, hash: Hash) -> Result<Hash, MempoolError> {
        let size = tx.encode_size();
        let mut inner = self.lock();
        self.cheap_checks(&inner, &tx, &hash)?;
        let signer = tx.tx.signer;
        let next = inner.state.nonce(&signer);
        let nonce = tx.tx.nonce;
        let free_call = tx.tx.call.is_free();
        let debit = max_debit(&inner.state, &tx);
        let free = inner.state.free(&signer);
        let valid = if nonce == next {
            // Every inclusion rule (and a dry run of a free call); the signature is verified.
            admit_transaction(&inner.state, &self.domain, &tx, false)
        } else {
            // What holds whatever comes before it (size, fee limit, registration).
            precheck_transaction(&inner.state, &self.domain, &tx, false)
        }
        .map_err(MempoolError::Invalid)?;
        let fee = valid.fee;
        let priority = if free_call { 0 } else { priority(fee, size) };

        // Replacement of the same (signer, nonce): it must pay strictly more.
        let replaced = inner
            .by_account
            .get(&signer)
            .and_then(|q| q.get(&nonce))
            .map(|e| (e.hash, e.fee));
        if let Some((_, old_fee)) = replaced
            && old_fee >= fee
        {
            return Err(MempoolError::Underpriced(old_fee));
        }
        // The signer's other pooled transactions, in one pass: how many, how many are free
        // calls and futures, what they may debit, and how many nonces before this one are in.
        let mut own = Own::default();
        for e in inner
            .by_account
            .get(&signer)
            .into_iter()
            .flat_map(|q| q.values())
            .filter(|e| e.tx.tx.nonce != nonce)
        {
            own.count += 1;
            own.free_calls += usize::from(e.free_call);
            own.futures += usize::from(e.future);
            own.debit = own.debit.saturating_add(e.debit);
            own.before += u64::from(e.tx.tx.nonce >= next && e.tx.tx.nonce < nonce);
        }
        // Payable: this and every other pooled transaction of the signer.
        let needed = own.debit.saturating_add(debit);
        if needed > free {
            return Err(MempoolError::CannotPay { needed, free });
        }
        if own.count >= self.config.max_per_account {
            return Err(MempoolError::AccountFull(own.count));
        }
        if free_call && own.free_calls >= self.config.max_free_per_account {
            return Err(MempoolError::TooManyFree(own.free_calls));
        }
        // Ready when every nonce from the next one up to it is pooled.
        let future = own.before < nonce - next;
        if future && own.futures >= self.config.max_future_per_account {
            return Err(MempoolError::TooManyFuture(own.futures));
        }
        if let Some((old, _)) = replaced {
            inner.remove(&old);
        }
        // Room: futures only displace futures; anything displaces only lower priorities.
        if future {
            while inner.futures.len() >= self.config.max_future {
                match inner.futures.first().cloned() {
                    Some(rank) if rank.0 < priority => inner.evict(&rank),
                    _ => return Err(MempoolError::Full),
                }
            }
        }
        while inner.by_hash.len() >= self.config.max_transactions
            || inner.bytes + size > self.config.max_bytes
        {
            // A future may only displace a cheaper future; a ready transaction displaces any
            // future first, then the cheapest ready one if it pays more.
            let victim = match (future, inner.futures.first().cloned()) {
                (true, Some(rank)) if rank.0 < priority => Some(rank),
                (true, _) => None,
                (false, Some(rank)) => Some(rank),
                (false, None) => inner.ranked.first().cloned().filter(|r| r.0 < priority),
            };
            match victim {
                Some(rank) => inner.evict(&rank),
                None => return Err(MempoolError::Full),
            }
        }
        let seq = inner.seq;
        inner.seq += 1;
        let added_at = inner.state.height();
        let entry = Entry {
            tx: tx.clone(),
            hash,
            size,
            seq,
            added_at,
            priority,
            fee,
            debit,
            free_call,
            future,
        };
        inner.ranked.insert(entry.rank());
        if future {
            inner.futures.insert(entry.rank());
        }
        inner.bytes += size;
        inner.by_hash.insert(hash, (signer, nonce));
        inner
            .by_account
            .entry(signer)
            .or_default()
            .insert(nonce, entry);
        if !future {
            // It may close a gap: the signer's futures behind it become ready.
            inner.reclassify(&signer);
        }
        drop(inner);
        // Nobody listening is fine.
        let _ = self.announce.send(tx);
        Ok(hash)
    }

    /// Up to `max` ready transactions for the next block (see the module rules for the order).
    pub fn pending(&self, max: usize) -> Vec<SignedTransaction> {
        self.pending_within(max, usize::MAX)
    }

    /// Up to `max` ready transactions taking at most `max_bytes` encoded bytes, in block order:
    /// the signer whose next transaction pays most per byte first.
    pub fn pending_within(&self, max: usize, max_bytes: usize) -> Vec<SignedTransaction> {
        let inner = self.lock();
        // Heap of (priority of the signer's next ready tx, earliest first, signer, nonce).
        let mut heap: BinaryHeap<(u128, Reverse<u64>, AccountId, u64)> = BinaryHeap::new();
        for (account, queue) in &inner.by_account {
            if let Some(e) = queue.values().next().filter(|e| !e.future) {
                heap.push((e.priority, Reverse(e.seq), *account, e.tx.tx.nonce));
            }
        }
        let mut out = Vec::new();
        let mut bytes = 0usize;
        while let Some((_, _, account, nonce)) = heap.pop() {
            if out.len() >= max {
                break;
            }
            let Some(queue) = inner.by_account.get(&account) else {
                continue;
            };
            let Some(e) = queue.get(&nonce) else {
                continue;
            };
            if bytes.saturating_add(e.size) > max_bytes {
                // This signer's chain stops here; smaller ones of others may still fit.
                continue;
            }
            bytes += e.size;
            out.push(e.tx.clone());
            if let Some(n) = queue.get(&(nonce + 1)).filter(|n| !n.future) {
                heap.push((n.priority, Reverse(n.seq), account, n.tx.tx.nonce));
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

    /// After a finalized block: adopt its state, drop used nonces, old and unpayable
    /// transactions, and re-sort ready and future ones.
    pub fn on_finalized(&self, state: &State) {
        let mut inner = self.lock();
        let replaced = std::mem::replace(&mut inner.state, state.clone());
        crate::retire::retire(replaced);
        let height = state.height();
        let max_age = self.config.max_age_blocks;
        let mut stale = Vec::new();
        for (account, q) in &inner.by_account {
            let next = state.nonce(account);
            let free = state.free(account);
            let mut committed = Rao::ZERO;
            let mut unpayable = false;
            for e in q.values() {
                if e.tx.tx.nonce < next || height.saturating_sub(e.added_at) > max_age {
                    stale.push(e.hash);
                    continue;
                }
                committed = committed.saturating_add(e.debit);
                // Once one is unpayable, it and every later nonce go.
                unpayable |= committed > free;
                if unpayable {
                    stale.push(e.hash);
                }
            }
        }
        for h in stale {
            inner.remove(&h);
        }
        let accounts: Vec<AccountId> = inner.by_account.keys().copied().collect();
        for account in accounts {
            inner.reclassify(&account);
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
                let rank = e.rank();
                self.ranked.remove(&rank);
                self.futures.remove(&rank);
            }
            if queue.is_empty() {
                self.by_account.remove(&account);
            }
        }
    }

    /// Removes the entry ranked `rank` and the signer's later nonces (which could not run
    /// without it).
    fn evict(&mut self, rank: &Rank) {
        let (_, _, account, nonce) = *rank;
        let hashes: Vec<Hash> = self
            .by_account
            .get(&account)
            .map(|q| q.range(nonce..).map(|(_, e)| e.hash).collect())
            .unwrap_or_default();
        for h in hashes {
            self.remove(&h);
        }
    }

    /// Recomputes which of the signer's transactions are ready.
    fn reclassify(&mut self, account: &AccountId) {
        let mut expected = self.state.nonce(account);
        let Some(queue) = self.by_account.get_mut(account) else {
            return;
        };
        for e in queue.values_mut() {
            let future = e.tx.tx.nonce != expected;
            if !future {
                expected += 1;
            }
            if e.future != future {
                let rank = e.rank();
                if future {
                    self.futures.insert(rank);
                } else {
                    self.futures.remove(&rank);
                }
                e.future = future;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use taonet_crypto::Keypair;
    use taonet_runtime::ChainSpec;
    use taonet_runtime::genesis::dev_keys;
    use taonet_types::tx::{BalancesCall, WeightsCall};
    use taonet_types::{Call, ChainDomain, RAO_PER_TAO, Transaction};

    use super::*;

    fn pool(config: MempoolConfig) -> (Mempool, ChainDomain) {
        let g = ChainSpec::dev(&[]).build().unwrap();
        (
            Mempool::new(g.domain.clone(), g.state, config),
            g.domain.chain,
        )
    }

    fn transfer(domain: &ChainDomain, who: &Keypair, nonce: u64, tip: u64) -> SignedTransaction {
        let tx = Transaction {
            signer: who.account_id(),
            nonce,
            fee_limit: Rao(u64::MAX),
            tip: Rao(tip),
            call: Call::Balances(BalancesCall::Transfer {
                dest: AccountId([7; 32]),
                amount: Rao(RAO_PER_TAO),
            }),
        };
        let signature = who.sign(&tx.signing_payload(domain)).0;
        SignedTransaction { tx, signature }
    }

    /// The flood of the hardening issue: fresh keys with no balance send future nonces with
    /// the highest fee limit. None of it is pooled, and an honest transfer still is.
    #[test]
    fn unfunded_future_nonces_are_refused() {
        let (pool, domain) = pool(MempoolConfig::default());
        for seed in 0..20u8 {
            let junk = Keypair::from_seed(&[seed; 32]);
            for nonce in 1..10 {
                let mut tx = transfer(&domain, &junk, nonce, 0);
                tx.tx.fee_limit = Rao(u64::MAX);
                assert!(matches!(
                    pool.submit(tx),
                    Err(MempoolError::CannotPay { free: Rao(0), .. })
                ));
            }
        }
        assert!(pool.is_empty());
        let (alice, _) = dev_keys("alice");
        pool.submit(transfer(&domain, &alice, 0, 0)).unwrap();
        assert_eq!(pool.pending(10).len(), 1);
    }

    /// A gossip batch: cheap refusals first, one batch check for the signatures of the rest,
    /// a bad signature refused alone; every accepted signature is cached for execution.
    #[test]
    fn a_batch_is_checked_like_single_submissions() {
        let (pool, domain) = pool(MempoolConfig::default());
        let (alice, _) = dev_keys("alice");
        let (bob, _) = dev_keys("bob");
        let junk = Keypair::from_seed(&[42; 32]);
        let mut forged = transfer(&domain, &bob, 0, 0);
        forged.signature[5] ^= 1;
        let first = transfer(&domain, &alice, 0, 0);
        let batch = vec![
            first.clone(),
            forged,
            transfer(&domain, &alice, 1, 0),
            transfer(&domain, &junk, 0, 0),
            first,
        ];
        let hashes: Vec<Hash> = batch.iter().map(SignedTransaction::hash).collect();
        let results = pool.submit_batch(batch);
        assert_eq!(results[0], Ok(hashes[0]));
        assert_eq!(
            results[1],
            Err(MempoolError::Invalid(TxInvalid::BadSignature))
        );
        assert_eq!(results[2], Ok(hashes[2]));
        assert!(matches!(
            results[3],
            Err(MempoolError::CannotPay { free: Rao(0), .. })
        ));
        // The same transaction twice in one batch: the second is a duplicate.
        assert_eq!(results[4], Err(MempoolError::AlreadyKnown(hashes[0])));
        assert_eq!(pool.len(), 2);
        assert!(pool.signatures().contains(&hashes[0]));
        assert!(pool.signatures().contains(&hashes[2]));
        assert!(!pool.signatures().contains(&hashes[1]));
        assert!(!pool.signatures().contains(&hashes[3]), "never verified");
    }

    /// A funded signer can pool only what its balance covers, and only a few gapped nonces.
    #[test]
    fn pooled_transactions_are_payable_and_futures_bounded() {
        let config = MempoolConfig {
            max_future_per_account: 3,
            ..MempoolConfig::default()
        };
        let (pool, domain) = pool(config);
        let (alice, _) = dev_keys("alice");
        for nonce in 10..13 {
            pool.submit(transfer(&domain, &alice, nonce, 0)).unwrap();
        }
        assert_eq!(pool.futures(), 3);
        assert_eq!(
            pool.submit(transfer(&domain, &alice, 13, 0)),
            Err(MempoolError::TooManyFuture(3))
        );
        assert!(pool.pending(10).is_empty(), "futures are never offered");
        // A tip beyond the balance cannot be pooled either.
        let rich_tip = transfer(&domain, &alice, 0, u64::MAX / 2);
        assert!(matches!(
            pool.submit(rich_tip),
            Err(MempoolError::CannotPay { .. })
        ));
        // Ready transactions whose amounts add up past the balance: the last is refused.
        let free = pool.lock().state.free(&alice.account_id());
        let per_tx = free.0 / 3;
        let spend = |nonce: u64| {
            let tx = Transaction {
                signer: alice.account_id(),
                nonce,
                fee_limit: Rao(u64::MAX),
                tip: Rao::ZERO,
                call: Call::Balances(BalancesCall::Transfer {
                    dest: AccountId([7; 32]),
                    amount: Rao(per_tx),
                }),
            };
            let signature = alice.sign(&tx.signing_payload(&domain)).0;
            SignedTransaction { tx, signature }
        };
        pool.submit(spend(0)).unwrap();
        pool.submit(spend(1)).unwrap();
        assert!(matches!(
            pool.submit(spend(2)),
            Err(MempoolError::CannotPay { .. })
        ));
    }

    /// Priority is what the signer pays per byte: a full pool evicts the cheapest, the
    /// pending order follows the tip, and a future never displaces a ready transaction.
    #[test]
    fn priority_is_the_fee_paid_and_futures_never_evict_ready_ones() {
        let config = MempoolConfig {
            max_transactions: 2,
            ..MempoolConfig::default()
        };
        let (pool, domain) = pool(config);
        let (alice, _) = dev_keys("alice");
        let (bob, _) = dev_keys("bob");
        let (charlie, _) = dev_keys("charlie");
        let cheap = transfer(&domain, &alice, 0, 0);
        pool.submit(cheap.clone()).unwrap();
        let bobs = transfer(&domain, &bob, 0, 1_000);
        pool.submit(bobs.clone()).unwrap();
        // Full: a future (nonce gap) cannot get in, whatever it pays.
        assert_eq!(
            pool.submit(transfer(&domain, &charlie, 5, 10_000_000)),
            Err(MempoolError::Full)
        );
        // An equal payer cannot evict; a higher one evicts the cheapest.
        assert_eq!(
            pool.submit(transfer(&domain, &charlie, 0, 0)),
            Err(MempoolError::Full)
        );
        pool.submit(transfer(&domain, &charlie, 0, 5_000)).unwrap();
        assert!(!pool.contains(&cheap.hash()));
        let order: Vec<AccountId> = pool.pending(10).iter().map(|t| t.tx.signer).collect();
        assert_eq!(order, vec![charlie.account_id(), bob.account_id()]);
        // Replacing a pooled nonce needs a strictly higher fee.
        assert!(matches!(
            pool.submit(bobs),
            Err(MempoolError::AlreadyKnown(_))
        ));
        assert!(matches!(
            pool.submit(transfer(&domain, &bob, 0, 1_000)),
            Err(MempoolError::Underpriced(_))
        ));
        assert!(matches!(
            pool.submit(transfer(&domain, &bob, 0, 999)),
            Err(MempoolError::Underpriced(_))
        ));
        pool.submit(transfer(&domain, &bob, 0, 2_000)).unwrap();
        assert_eq!(pool.len(), 2);
    }

    /// Free calls: registered hotkeys only, a few per hotkey, and a failing one is refused.
    #[test]
    fn free_calls_are_bounded_per_hotkey() {
        let (pool, domain) = pool(MempoolConfig::default());
        let stranger = Keypair::from_seed(&[42; 32]);
        let (_, alice_hot) = dev_keys("alice");
        let weights = |who: &Keypair, nonce: u64, uids: Vec<u16>| {
            let n = uids.len();
            let tx = Transaction {
                signer: who.account_id(),
                nonce,
                fee_limit: Rao::ZERO,
                tip: Rao::ZERO,
                call: Call::Weights(WeightsCall::SetWeights {
                    netuid: 1,
                    uids,
                    weights: vec![1; n],
                    version_key: 0,
                }),
            };
            let signature = who.sign(&tx.signing_payload(&domain)).0;
            SignedTransaction { tx, signature }
        };
        assert_eq!(
            pool.submit(weights(&stranger, 3, vec![0])),
            Err(MempoolError::Invalid(TxInvalid::HotkeyNotRegistered {
                netuid: 1
            }))
        );
        // The next nonce is dry-run: weights on a uid that does not exist fail and are refused.
        assert!(matches!(
            pool.submit(weights(&alice_hot, 0, vec![999])),
            Err(MempoolError::Invalid(TxInvalid::FreeCallFailed(_)))
        ));
        let limit = MempoolConfig::default().max_free_per_account;
        for nonce in 1..=limit as u64 {
            pool.submit(weights(&alice_hot, nonce, vec![0])).unwrap();
        }
        assert_eq!(
            pool.submit(weights(&alice_hot, limit as u64 + 1, vec![0])),
            Err(MempoolError::TooManyFree(limit))
        );
    }
}
