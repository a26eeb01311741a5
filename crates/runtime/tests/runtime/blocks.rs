//! Blocks: header checks, signatures bound to the chain, nonces, fees, sizes, state roots;
//! a rejected block changes nothing; the same blocks give the same roots everywhere.

use commonware_codec::EncodeSize;
use taonet_runtime::{
    BlockError, ChainSpec, SignatureCache, TxInvalid, apply_block, apply_block_cached,
    build_block_cached,
};
use taonet_types::{ChainDomain, Hash, Rao};

use crate::support::{Chain, assert_same_state, call, cold, key, sign, tao};

fn invalid_tx(index: usize, error: TxInvalid) -> Result<(), BlockError> {
    Err(BlockError::InvalidTransaction { index, error })
}

#[test]
fn header_checks() {
    let mut c = Chain::dev();
    c.advance(2);
    let good = c.build(&[]).block;

    let mut b = good.clone();
    b.height += 1;
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::Height {
            expected: 3,
            got: 4,
        })
    );
    let mut b = good.clone();
    b.parent = Hash::digest(b"elsewhere");
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::Parent {
            expected: c.state.head,
            got: b.parent,
        })
    );
    let parent_ms = c.state.globals.last_timestamp_ms;
    let mut b = good.clone();
    b.timestamp_ms = parent_ms;
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::Timestamp {
            parent: parent_ms,
            got: parent_ms,
        })
    );
    let mut b = good.clone();
    b.state_root = Hash::digest(b"wrong");
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::StateRoot {
            declared: b.state_root,
            computed: good.state_root,
        })
    );
    // The good block applies, once.
    c.apply(&good).unwrap();
    assert_eq!(c.state.root(), good.state_root);
    assert_eq!(c.state.head, good.hash());
    assert!(matches!(
        c.apply(&good),
        Err(BlockError::Height {
            expected: 4,
            got: 3
        })
    ));
}

#[test]
fn too_many_transactions() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.max_block_transactions = 1;
    let mut c = Chain::new(&spec);
    let txs = c.txs(&[
        (cold("alice"), call::transfer(key(1).account_id(), tao(1))),
        (cold("alice"), call::transfer(key(1).account_id(), tao(1))),
    ]);
    // The builder stops at the limit.
    let built = c.build(&txs);
    assert_eq!(built.block.transactions.len(), 1);
    let mut b = built.block;
    b.transactions = txs;
    assert_eq!(
        c.apply(&b).map(|_| ()),
        Err(BlockError::TooManyTransactions { got: 2, max: 1 })
    );
}

#[test]
fn tampered_and_foreign_signatures_are_rejected() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let good = c.tx(alice, call::transfer(key(1).account_id(), tao(1)));
    // Tampered amount.
    let mut tampered = good.clone();
    tampered.tx.call = call::transfer(key(1).account_id(), tao(1_000));
    assert_eq!(c.invalid(tampered.clone()), TxInvalid::BadSignature);
    let mut b = c.build(std::slice::from_ref(&good)).block;
    b.transactions = vec![good.clone(), tampered];
    assert_eq!(
        c.apply(&b).map(|_| ()),
        invalid_tx(1, TxInvalid::BadSignature)
    );
    // Signed by someone else.
    let mut forged = good.clone();
    forged.signature = key(9).sign(&good.tx.signing_payload(&c.domain)).0;
    assert_eq!(c.invalid(forged), TxInvalid::BadSignature);
    // Signed for another chain id, or another genesis of the same chain id.
    for domain in [
        ChainDomain {
            chain_id: "taonet-other".into(),
            genesis_hash: c.domain.genesis_hash,
        },
        ChainDomain {
            chain_id: c.domain.chain_id.clone(),
            genesis_hash: Hash::digest(b"another genesis"),
        },
    ] {
        let foreign = sign(&domain, alice, good.tx.clone());
        assert_eq!(c.invalid(foreign), TxInvalid::BadSignature);
    }
    assert_eq!(c.state.nonce(&alice.account_id()), 0);
}

#[test]
fn a_transaction_cannot_be_replayed_on_another_chain() {
    let mut a = Chain::dev();
    let mut spec = ChainSpec::dev(&[]);
    spec.chain_id = "taonet-fork".into();
    let mut b = Chain::new(&spec);
    let tx = a.tx(cold("alice"), call::transfer(key(1).account_id(), tao(1)));
    a.block(std::slice::from_ref(&tx));
    assert_eq!(a.state.free(&key(1).account_id()), tao(1));
    // Same accounts, same nonce on chain b — but the signature binds chain a.
    assert_eq!(b.invalid(tx.clone()), TxInvalid::BadSignature);
    let mut block = b.build(&[]).block;
    block.transactions = vec![tx];
    assert_eq!(
        b.apply(&block).map(|_| ()),
        invalid_tx(0, TxInvalid::BadSignature)
    );
    assert_eq!(b.state.free(&key(1).account_id()), Rao::ZERO);
}

#[test]
fn nonces_must_be_next_and_stop_replays() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let future = c.tx_with(
        alice,
        3,
        tao(1),
        call::transfer(key(1).account_id(), tao(1)),
    );
    assert_eq!(
        c.invalid(future),
        TxInvalid::Nonce {
            expected: 0,
            got: 3
        }
    );
    let tx = c.tx(alice, call::transfer(key(1).account_id(), tao(1)));
    c.block(std::slice::from_ref(&tx));
    assert_eq!(
        c.invalid(tx.clone()),
        TxInvalid::Nonce {
            expected: 1,
            got: 0
        }
    );
    let mut b = c.build(&[]).block;
    b.transactions = vec![tx];
    assert_eq!(
        c.apply(&b).map(|_| ()),
        invalid_tx(
            0,
            TxInvalid::Nonce {
                expected: 1,
                got: 0
            }
        )
    );
    assert_eq!(c.state.free(&key(1).account_id()), tao(1));
}

#[test]
fn fees_follow_the_formula_and_the_limits() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let tx = c.tx(alice, call::transfer(key(1).account_id(), tao(1)));
    let size = tx.encode_size() as u64;
    let fee = Rao(100_000 + 100 * size);
    let r = c.block(&[tx]).receipts.remove(0);
    assert_eq!(r.fee, fee);
    // A limit below the fee.
    let low = c.tx_with(
        alice,
        1,
        Rao(fee.0 - 1),
        call::transfer(key(1).account_id(), tao(1)),
    );
    assert_eq!(
        c.invalid(low),
        TxInvalid::FeeLimit {
            fee,
            limit: Rao(fee.0 - 1),
        }
    );
    // An account that cannot pay at all.
    let broke = key(5);
    let tx = c.tx(&broke, call::transfer(key(1).account_id(), tao(1)));
    assert_eq!(
        c.invalid(tx),
        TxInvalid::CannotPayFee {
            fee,
            free: Rao::ZERO,
        }
    );
    assert_eq!(c.state.nonce(&broke.account_id()), 0);
}

#[test]
fn oversized_transactions_are_invalid() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.max_transaction_bytes = 300;
    let mut c = Chain::new(&spec);
    let alice = cold("alice");
    let tx = c.tx(alice, call::set_identity(1, "n", "u", &"d".repeat(250)));
    let size = tx.encode_size();
    assert!(size > 300);
    assert_eq!(
        c.invalid(tx.clone()),
        TxInvalid::TooLarge { size, max: 300 }
    );
    let mut b = c.build(&[]).block;
    b.transactions = vec![tx];
    assert_eq!(
        c.apply(&b).map(|_| ()),
        invalid_tx(0, TxInvalid::TooLarge { size, max: 300 })
    );
    c.ok(alice, call::set_identity(1, "n", "u", "short"));
}

#[test]
fn a_rejected_block_leaves_the_state_unchanged() {
    let mut c = Chain::dev();
    c.advance(3);
    let before = c.state.clone();
    let txs = c.txs(&[
        (cold("alice"), call::transfer(key(1).account_id(), tao(5))),
        (cold("bob"), call::add_stake(key(1).account_id(), tao(5))),
    ]);
    let mut b = c.build(&txs).block;
    b.state_root = Hash::ZERO;
    let mut s = c.state.clone();
    assert!(matches!(
        apply_block(&mut s, &c.domain, &b),
        Err(BlockError::StateRoot { .. })
    ));
    assert_same_state(&before, &s);
    assert_eq!(s.free(&key(1).account_id()), Rao::ZERO);
    assert_eq!(s.nonce(&cold("alice").account_id()), 0);
}

#[test]
fn the_same_blocks_give_the_same_roots_on_independent_states() {
    let mut c = Chain::dev();
    let (alice, bob) = (cold("alice"), cold("bob"));
    let txs = c.txs(&[
        (alice, call::transfer(key(1).account_id(), tao(5))),
        (bob, call::register(1, key(2).account_id(), tao(1))),
        (bob, call::add_stake(key(2).account_id(), tao(50))),
    ]);
    c.block(&txs);
    c.advance(12);
    c.ok(bob, call::remove_stake(key(2).account_id(), tao(10)));
    c.advance(25);
    // An independent node: its own genesis from the same spec, then the same blocks.
    let genesis = ChainSpec::dev(&[]).build().unwrap();
    assert_eq!(genesis.domain.chain, c.domain.chain);
    let mut s = genesis.state;
    for block in &c.blocks {
        let out = apply_block(&mut s, &genesis.domain, block).unwrap();
        assert_eq!(out.state_root, block.state_root);
        assert_eq!(s.head, block.hash());
    }
    assert_same_state(&s, &c.state);
}

#[test]
fn tips_are_paid_on_top_of_the_base_fee() {
    let mut c = Chain::dev();
    let alice = cold("alice");
    let treasury_before = c.state.globals.treasury;
    let mut tx = c.tx(alice, call::transfer(key(1).account_id(), tao(1))).tx;
    tx.tip = Rao(5_000_000);
    let tipped = sign(&c.domain, alice, tx.clone());
    let base = Rao(100_000 + 100 * tipped.encode_size() as u64);
    let out = c.block(std::slice::from_ref(&tipped));
    assert_eq!(out.receipts[0].fee, Rao(base.0 + 5_000_000));
    assert_eq!(out.fees.0 + out.treasury_fees.0, base.0 + 5_000_000);
    assert_eq!(
        c.state.globals.treasury.0 - treasury_before.0,
        out.treasury_fees.0
    );
    // The fee limit must cover base fee and tip.
    let mut low = tx.clone();
    low.nonce = 1;
    low.fee_limit = Rao(base.0 + 4_999_999);
    assert_eq!(
        c.invalid(sign(&c.domain, alice, low.clone())),
        TxInvalid::FeeLimit {
            fee: Rao(base.0 + 5_000_000),
            limit: low.fee_limit,
        }
    );
    // Free calls carry no tip.
    let m = key(1);
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    let mut free = c.tx(&m, call::set_weights(1, &[0], &[1], 0)).tx;
    free.tip = Rao(1);
    assert_eq!(
        c.invalid(sign(&c.domain, &m, free)),
        TxInvalid::TipOnFreeCall(Rao(1))
    );
}

#[test]
fn blocks_have_a_byte_budget() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.max_transaction_bytes = 4096;
    spec.params.max_block_bytes = 64 * 1024;
    let mut c = Chain::new(&spec);
    let signers = ["alice", "bob", "charlie", "dave"];
    let calls: Vec<_> = (0..500)
        .map(|i| {
            (
                cold(signers[i % signers.len()]),
                call::transfer(key(1).account_id(), tao(1)),
            )
        })
        .collect();
    let txs = c.txs(&calls);
    let total: usize = txs.iter().map(|t| t.encode_size()).sum();
    assert!(total > 64 * 1024);
    // The builder fills the budget and leaves the rest (not rejected: they wait).
    let built = c.build(&txs);
    let used: usize = built
        .block
        .transactions
        .iter()
        .map(|t| t.encode_size())
        .sum();
    assert!(used <= 64 * 1024 && used + 200 > 64 * 1024, "{used}");
    assert!(built.rejected.is_empty());
    assert!(built.block.transactions.len() < txs.len());
    // A block over the budget is invalid on every node.
    let mut over = built.block.clone();
    over.transactions = txs.clone();
    assert_eq!(
        c.apply(&over).map(|_| ()),
        Err(BlockError::TooManyBytes {
            got: total,
            max: 64 * 1024,
        })
    );
    c.apply(&built.block).expect("the built block applies");
}

#[test]
fn free_calls_take_at_most_their_share_of_the_block() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.free_block_bytes_ppb = 0;
    let mut c = Chain::new(&spec);
    let m = key(1);
    c.ok(cold("bob"), call::register(1, m.account_id(), tao(1)));
    let axon = taonet_types::tx::AxonInfo {
        version: 1,
        ip: 0x0808_0808,
        port: 8091,
        ip_type: 4,
        protocol: 4,
    };
    let free = c.tx(&m, call::serve_axon(1, axon));
    let paid = c.tx(cold("alice"), call::transfer(key(2).account_id(), tao(1)));
    let built = c.build(&[free.clone(), paid.clone()]);
    assert_eq!(built.block.transactions, vec![paid.clone()]);
    assert!(built.rejected.is_empty(), "held back, not rejected");
    let mut over = built.block.clone();
    over.transactions = vec![free.clone(), paid];
    assert_eq!(
        c.apply(&over).map(|_| ()),
        Err(BlockError::TooManyFreeBytes {
            got: free.encode_size(),
            max: 0,
        })
    );
}

#[test]
fn a_signature_cache_changes_no_verdict() {
    // Each node keeps the hashes of the transactions whose signatures it verified
    // (runtime::sigcache): a warm cache must accept and refuse exactly what a cold one does.
    let c = Chain::dev();
    let alice = cold("alice");
    let bob = cold("bob");
    let txs = c.txs(&[
        (alice, call::transfer(key(1).account_id(), tao(1))),
        (bob, call::transfer(key(2).account_id(), tao(2))),
        (alice, call::transfer(key(3).account_id(), tao(3))),
    ]);
    let cache = SignatureCache::new(64);
    let proposer = c.next_proposer();
    let built =
        build_block_cached(&c.state, &c.domain, proposer, c.time_ms, &txs, None, &cache).unwrap();
    assert!(built.rejected.is_empty());
    assert_eq!(built.block.transactions.len(), 3);
    // Building verified (and cached) all three.
    assert_eq!(cache.len(), 3);
    // A cached apply equals a cold apply, receipts and root included.
    let mut cold_state = c.state.clone();
    let cold_outcome = apply_block(&mut cold_state, &c.domain, &built.block).unwrap();
    let mut warm_state = c.state.clone();
    let warm_outcome =
        apply_block_cached(&mut warm_state, &c.domain, &built.block, &cache).unwrap();
    assert_eq!(cold_outcome, warm_outcome);
    assert_eq!(cold_state.root(), warm_state.root());
    // The same block with one transaction's amount changed: its hash is not cached, so the
    // signature is checked and the block refused, warm cache or not.
    let mut tampered = built.block.clone();
    tampered.transactions[1].tx.call = call::transfer(key(2).account_id(), tao(2_000));
    let mut s = c.state.clone();
    assert_eq!(
        apply_block_cached(&mut s, &c.domain, &tampered, &cache).map(|_| ()),
        invalid_tx(1, TxInvalid::BadSignature)
    );
    assert_eq!(s.root(), c.state.root(), "a refused block changes nothing");
    // A builder with a warm cache leaves the tampered transaction out, as a cold one does.
    let rebuilt = build_block_cached(
        &c.state,
        &c.domain,
        proposer,
        c.time_ms,
        &tampered.transactions,
        None,
        &cache,
    )
    .unwrap();
    // Bob's tampered transfer is left out; Alice's two go in.
    assert_eq!(rebuilt.block.transactions.len(), 2);
    assert_eq!(rebuilt.rejected.len(), 1);
    assert_eq!(rebuilt.rejected[0].1, TxInvalid::BadSignature);
}
