//! Signatures this node has already verified, shared by its transaction pool and its block
//! execution, so that each transaction's sr25519 signature is checked once per node.
//!
//! # Rules
//! - The cache holds **transaction hashes** (SHA-256 of the whole signed encoding, signature
//!   included) of transactions whose signature verified **for one signing domain**. A node
//!   keeps one cache for its chain; it is never shared across domains.
//! - A hash is inserted only after [`taonet_crypto::verify`] or [`taonet_crypto::verify_batch`]
//!   said yes for that exact transaction; failures are never cached (a bad signature costs its
//!   sender a verification every time, and is refused before that by the pool's cheaper checks).
//! - **Determinism.** A lookup that hits skips a check whose answer is already known: the same
//!   bytes (same hash, barring a SHA-256 collision) verify the same way on every node. A node
//!   with an empty cache verifies everything and reaches the same verdicts, so blocks are
//!   accepted or refused identically whatever each node's cache holds; execution still refuses
//!   every transaction whose signature does not verify.
//! - **Bounded.** Two generations of at most `capacity` hashes each: inserts go to the current
//!   one; when it is full it becomes the previous one and the oldest generation is dropped. A
//!   hit in the previous generation is promoted. At most `2 × capacity` hashes are held
//!   (≈ 48 bytes each), and a verdict survives at least `capacity` newer insertions — far more
//!   than a transaction waits between admission and execution.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use taonet_crypto::{Signature, SignedMessage, verify, verify_batch};
use taonet_types::{ChainDomain, Hash, SignedTransaction};

/// Hashes per generation of [`SignatureCache::default`] (two generations: ≈ 12 MiB at most).
pub const DEFAULT_CAPACITY: usize = 131_072;

/// Transactions whose signatures this node verified (see the module rules).
#[derive(Debug)]
pub struct SignatureCache {
    capacity: usize,
    inner: Mutex<Generations>,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashSet<Hash>,
    previous: HashSet<Hash>,
}

impl Default for SignatureCache {
    fn default() -> Self {
        SignatureCache::new(DEFAULT_CAPACITY)
    }
}

impl SignatureCache {
    /// A cache of at most `2 × capacity` hashes (`capacity` at least 1).
    pub fn new(capacity: usize) -> SignatureCache {
        SignatureCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Generations::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        // A poisoned lock only means another thread panicked mid-insert of plain data.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of hashes held.
    pub fn len(&self) -> usize {
        let g = self.lock();
        g.current.len() + g.previous.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the transaction with `hash` was verified (a hit in the previous generation is
    /// moved to the current one).
    pub fn contains(&self, hash: &Hash) -> bool {
        self.hit_locked(&mut self.lock(), hash)
    }

    /// Whether `hash` is held, promoting a hit in the previous generation.
    fn hit_locked(&self, g: &mut Generations, hash: &Hash) -> bool {
        if g.current.contains(hash) {
            return true;
        }
        if g.previous.remove(hash) {
            self.insert_locked(g, *hash);
            return true;
        }
        false
    }

    fn insert_locked(&self, g: &mut Generations, hash: Hash) {
        if g.current.len() >= self.capacity {
            g.previous = std::mem::take(&mut g.current);
        }
        g.current.insert(hash);
    }

    fn insert_all(&self, hashes: impl IntoIterator<Item = Hash>) {
        let mut g = self.lock();
        for h in hashes {
            self.insert_locked(&mut g, h);
        }
    }

    /// Verifies `tx` (whose hash is `hash`) for `domain` unless it is cached; caches a success.
    pub fn verify(&self, tx: &SignedTransaction, hash: &Hash, domain: &ChainDomain) -> bool {
        if self.contains(hash) {
            return true;
        }
        let ok = verify(
            &tx.tx.signer,
            &tx.tx.signing_payload(domain),
            &Signature(tx.signature),
        );
        if ok {
            self.insert_all([*hash]);
        }
        ok
    }

    /// Verifies every transaction of `txs` (with `hashes[i]` the hash of `txs[i]`) that is not
    /// cached — together, with one batch check when there are several — and caches the
    /// successes. One verdict per transaction, in order.
    pub fn verify_all(
        &self,
        txs: &[SignedTransaction],
        hashes: &[Hash],
        domain: &ChainDomain,
    ) -> Vec<bool> {
        let mut verdicts = vec![true; txs.len()];
        let missing: Vec<usize> = {
            let mut g = self.lock();
            (0..txs.len().min(hashes.len()))
                .filter(|&i| !self.hit_locked(&mut g, &hashes[i]))
                .collect()
        };
        // Hashes not given count as not cached.
        let missing: Vec<usize> = missing.into_iter().chain(hashes.len()..txs.len()).collect();
        if missing.is_empty() {
            return verdicts;
        }
        let ok = verify_signatures(missing.iter().map(|&i| &txs[i]), domain);
        for (&i, ok) in missing.iter().zip(&ok) {
            verdicts[i] = *ok;
        }
        self.insert_all(
            missing
                .iter()
                .zip(&ok)
                .filter(|(i, ok)| **ok && **i < hashes.len())
                .map(|(&i, _)| hashes[i]),
        );
        verdicts
    }
}

/// Verifies the signatures of `txs` for `domain`: one batch check for several (individual
/// checks only if the batch fails), a plain check for one.
pub fn verify_signatures<'a>(
    txs: impl IntoIterator<Item = &'a SignedTransaction>,
    domain: &ChainDomain,
) -> Vec<bool> {
    let txs: Vec<&SignedTransaction> = txs.into_iter().collect();
    if let [tx] = txs.as_slice() {
        return vec![verify(
            &tx.tx.signer,
            &tx.tx.signing_payload(domain),
            &Signature(tx.signature),
        )];
    }
    let payloads: Vec<Vec<u8>> = txs.iter().map(|t| t.tx.signing_payload(domain)).collect();
    let signatures: Vec<Signature> = txs.iter().map(|t| Signature(t.signature)).collect();
    let items: Vec<SignedMessage<'_>> = txs
        .iter()
        .zip(&payloads)
        .zip(&signatures)
        .map(|((t, m), s)| SignedMessage {
            account: &t.tx.signer,
            message: m,
            signature: s,
        })
        .collect();
    verify_batch(&items)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use taonet_crypto::Keypair;
    use taonet_types::tx::{BalancesCall, Transaction};
    use taonet_types::{AccountId, Call, Rao};

    fn domain() -> ChainDomain {
        ChainDomain {
            chain_id: "sigcache-test".into(),
            genesis_hash: Hash([7; 32]),
        }
    }

    fn transfer(key: &Keypair, nonce: u64) -> SignedTransaction {
        let tx = Transaction {
            signer: key.account_id(),
            nonce,
            fee_limit: Rao(1_000_000),
            tip: Rao::ZERO,
            call: Call::Balances(BalancesCall::Transfer {
                dest: AccountId([9; 32]),
                amount: Rao(5),
            }),
        };
        let signature = key.sign(&tx.signing_payload(&domain())).0;
        SignedTransaction { tx, signature }
    }

    #[test]
    fn caches_successes_only_and_batch_verdicts_match_single_ones() {
        let alice = Keypair::from_uri("//Alice").unwrap();
        let cache = SignatureCache::new(16);
        let mut txs: Vec<SignedTransaction> = (0..5).map(|n| transfer(&alice, n)).collect();
        txs[3].signature[0] ^= 1;
        let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
        let verdicts = cache.verify_all(&txs, &hashes, &domain());
        assert_eq!(verdicts, vec![true, true, true, false, true]);
        assert_eq!(cache.len(), 4);
        assert!(!cache.contains(&hashes[3]));
        // The bad one is checked again (and refused again); the good ones are hits.
        assert!(!cache.verify(&txs[3], &hashes[3], &domain()));
        assert!(cache.verify(&txs[0], &hashes[0], &domain()));
        // Another domain: the same transaction does not verify (a fresh cache per domain).
        let other = ChainDomain {
            chain_id: "other".into(),
            genesis_hash: Hash([7; 32]),
        };
        assert!(!SignatureCache::new(4).verify(&txs[0], &hashes[0], &other));
    }

    #[test]
    fn stays_within_two_generations_and_promotes_hits() {
        let alice = Keypair::from_uri("//Alice").unwrap();
        let cache = SignatureCache::new(3);
        let txs: Vec<SignedTransaction> = (0..10).map(|n| transfer(&alice, n)).collect();
        let hashes: Vec<Hash> = txs.iter().map(SignedTransaction::hash).collect();
        for (tx, h) in txs.iter().zip(&hashes).take(4) {
            assert!(cache.verify(tx, h, &domain()));
        }
        // 0,1,2 moved to the previous generation when 3 came; 0 is promoted by a hit.
        assert!(cache.contains(&hashes[0]));
        assert_eq!(cache.len(), 4);
        for (tx, h) in txs.iter().zip(&hashes).skip(4) {
            assert!(cache.verify(tx, h, &domain()));
            assert!(cache.len() <= 6);
        }
        // The oldest verdicts are gone, the newest kept.
        assert!(!cache.contains(&hashes[1]));
        assert!(cache.contains(&hashes[9]));
    }
}
