//! The store against the real runtime: blocks committed, reopened, state rebuilt.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use taonet_runtime::genesis::dev_keys;
use taonet_runtime::{ChainSpec, Genesis, apply_block, build_block};
use taonet_store::{HistoryEntry, Store, StoreError};
use taonet_types::tx::{BalancesCall, StakingCall};
use taonet_types::{AccountId, Call, Rao, SignedTransaction, Transaction};

fn signed(genesis: &Genesis, name: &str, nonce: u64, call: Call) -> SignedTransaction {
    let (cold, _) = dev_keys(name);
    let tx = Transaction {
        signer: cold.account_id(),
        nonce,
        fee_limit: Rao(1_000_000_000),
        tip: Rao::ZERO,
        call,
    };
    let signature = cold.sign(&tx.signing_payload(&genesis.domain)).0;
    SignedTransaction { tx, signature }
}

/// Builds `count` blocks with a transfer from alice to bob each, committing each to `store`.
fn run_chain(genesis: &mut Genesis, store: &Store, count: u64) {
    let (_, alice_hot) = dev_keys("alice");
    let (bob, _) = dev_keys("bob");
    for i in 0..count {
        let nonce = genesis.state.nonce(&dev_keys("alice").0.account_id());
        let mut txs = vec![signed(
            genesis,
            "alice",
            nonce,
            Call::Balances(BalancesCall::Transfer {
                dest: bob.account_id(),
                amount: Rao(1_000_000 + i),
            }),
        )];
        if i == 2 {
            let bob_nonce = genesis.state.nonce(&bob.account_id());
            txs.push(signed(
                genesis,
                "bob",
                bob_nonce,
                // Bob nominates alice's validator hotkey.
                Call::Staking(StakingCall::AddStake {
                    hotkey: alice_hot.account_id(),
                    amount: Rao(5_000_000_000),
                }),
            ));
        }
        let ts = genesis.state.globals.last_timestamp_ms + 1_000;
        let built = build_block(
            &genesis.state,
            &genesis.domain,
            alice_hot.account_id(),
            ts,
            &txs,
        )
        .unwrap();
        let outcome = apply_block(&mut genesis.state, &genesis.domain, &built.block).unwrap();
        store.commit_block(&built.block, &outcome).unwrap();
    }
}

#[test]
fn state_survives_reopen_and_matches_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let mut genesis = ChainSpec::dev(&[[1u8; 32], [2u8; 32]]).build().unwrap();
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.committed_height().unwrap(), None);
        assert!(matches!(store.load_state(), Err(StoreError::Empty)));
        store.init_genesis(&genesis).unwrap();
        assert!(matches!(
            store.init_genesis(&genesis),
            Err(StoreError::NotEmpty(0))
        ));
        let loaded = store.load_state().unwrap();
        assert_eq!(loaded.root(), genesis.block.state_root);
        // 25 blocks cross two subnet epochs (tempo 10) and emission.
        run_chain(&mut genesis, &store, 25);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.committed_height().unwrap(), Some(25));
    assert_eq!(
        store.chain().unwrap(),
        Some(("taonet-dev".to_string(), genesis.domain.genesis_hash))
    );
    let loaded = store.load_state().unwrap();
    assert_eq!(loaded.root(), genesis.state.root());
    assert_eq!(loaded.head, genesis.state.head);
    assert_eq!(loaded.globals, genesis.state.globals);
    taonet_runtime::invariants::check(&loaded).unwrap();

    // The reloaded state keeps producing the same roots as the original.
    let mut a = Genesis {
        state: loaded,
        ..genesis.clone()
    };
    let mut b = genesis.clone();
    let dir2 = tempfile::tempdir().unwrap();
    let scratch = Store::open(&dir2.path().join("x.redb")).unwrap();
    scratch.init_genesis(&genesis).unwrap();
    for g in [&mut a, &mut b] {
        let (_, hot) = dev_keys("alice");
        let ts = g.state.globals.last_timestamp_ms + 1_000;
        let built = build_block(&g.state, &g.domain, hot.account_id(), ts, &[]).unwrap();
        apply_block(&mut g.state, &g.domain, &built.block).unwrap();
    }
    assert_eq!(a.state.root(), b.state.root());
}

#[test]
fn blocks_transactions_and_history_are_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("chain.redb")).unwrap();
    let mut genesis = ChainSpec::dev(&[[1u8; 32]]).build().unwrap();
    store.init_genesis(&genesis).unwrap();
    run_chain(&mut genesis, &store, 4);

    let b3 = store.block(3).unwrap().unwrap();
    assert_eq!(store.block_by_hash(&b3.hash()).unwrap(), Some(b3.clone()));
    assert_eq!(store.height_of(&b3.hash()).unwrap(), Some(3));
    assert_eq!(store.block(99).unwrap(), None);

    let stake_tx = &b3.transactions[1];
    let found = store.transaction(&stake_tx.hash()).unwrap().unwrap();
    assert_eq!(found.block_height, 3);
    assert_eq!(found.index, 1);
    assert_eq!(found.block_hash, b3.hash());
    assert!(found.receipt.success, "{:?}", found.receipt);
    assert_eq!(found.receipt.call, "staking.add_stake");
    assert!(found.receipt.fee > Rao::ZERO);
    // A failed call is stored with its typed error and its message.
    let bad = signed(
        &genesis,
        "bob",
        genesis.state.nonce(&dev_keys("bob").0.account_id()),
        Call::Staking(StakingCall::AddStake {
            hotkey: AccountId([4; 32]),
            amount: Rao(5_000_000_000),
        }),
    );
    let (_, hot) = dev_keys("alice");
    let ts = genesis.state.globals.last_timestamp_ms + 1_000;
    let built = build_block(
        &genesis.state,
        &genesis.domain,
        hot.account_id(),
        ts,
        std::slice::from_ref(&bad),
    )
    .unwrap();
    let outcome = apply_block(&mut genesis.state, &genesis.domain, &built.block).unwrap();
    store.commit_block(&built.block, &outcome).unwrap();
    let failed = store.transaction(&bad.hash()).unwrap().unwrap().receipt;
    assert!(!failed.success);
    assert!(failed.error_message.unwrap().contains("not associated"));
    assert_eq!(failed.error.unwrap()["module"], "staking");
    assert_eq!(
        store.transaction(&taonet_types::Hash([9; 32])).unwrap(),
        None
    );

    // Bob received four transfers and signed one stake.
    let bob = dev_keys("bob").0.account_id();
    let history = store.account_history(&bob, 10, None).unwrap();
    assert_eq!(history.len(), 6, "{history:?}");
    assert_eq!(
        history[0],
        HistoryEntry {
            block_height: 5,
            index: 0
        }
    );
    let older = store.account_history(&bob, 2, Some(history[1])).unwrap();
    assert_eq!(older, history[2..4].to_vec());
    assert!(
        store
            .account_history(&AccountId([3; 32]), 10, None)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn out_of_order_blocks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("chain.redb")).unwrap();
    let mut genesis = ChainSpec::dev(&[[1u8; 32]]).build().unwrap();
    store.init_genesis(&genesis).unwrap();
    let (_, hot) = dev_keys("alice");
    let b1 = build_block(
        &genesis.state,
        &genesis.domain,
        hot.account_id(),
        1_000,
        &[],
    )
    .unwrap();
    let o1 = apply_block(&mut genesis.state, &genesis.domain, &b1.block).unwrap();
    let b2 = build_block(
        &genesis.state,
        &genesis.domain,
        hot.account_id(),
        2_000,
        &[],
    )
    .unwrap();
    let o2 = apply_block(&mut genesis.state, &genesis.domain, &b2.block).unwrap();
    assert!(matches!(
        store.commit_block(&b2.block, &o2),
        Err(StoreError::OutOfOrder {
            committed: 0,
            got: 2
        })
    ));
    store.commit_block(&b1.block, &o1).unwrap();
    assert!(matches!(
        store.commit_block(&b1.block, &o1),
        Err(StoreError::OutOfOrder {
            committed: 1,
            got: 1
        })
    ));
    store.commit_block(&b2.block, &o2).unwrap();
    assert_eq!(store.load_state().unwrap().root(), genesis.state.root());
}

/// Builds a block of `txs` (all included, all successful) on `g`, applies it and commits it.
fn commit_successful_block(
    g: &mut Genesis,
    store: &Store,
    proposer: taonet_types::AccountId,
    txs: &[SignedTransaction],
) {
    let ts = g.state.globals.last_timestamp_ms + 1_000;
    let built = build_block(&g.state, &g.domain, proposer, ts, txs).unwrap();
    assert!(built.rejected.is_empty());
    let outcome = apply_block(&mut g.state, &g.domain, &built.block).unwrap();
    assert!(outcome.receipts.iter().all(|r| r.success()), "{outcome:?}");
    store.commit_block(&built.block, &outcome).unwrap();
}

#[test]
fn governance_state_survives_reopen_and_keeps_its_schedule() {
    use taonet_types::gov::{ProposalAction, ProposalStatus, VoteKind};
    use taonet_types::tx::GovernanceCall;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let mut genesis = ChainSpec::dev(&[[1u8; 32], [2u8; 32]]).build().unwrap();
    let (_, alice_hot) = dev_keys("alice");
    let step = |g: &mut Genesis, store: &Store, txs: Vec<SignedTransaction>| {
        commit_successful_block(g, store, alice_hot.account_id(), &txs)
    };
    {
        let store = Store::open(&path).unwrap();
        store.init_genesis(&genesis).unwrap();
        // Alice (a genesis validator with 10,000 TAO staked) proposes; bob votes nay.
        let propose = Call::Governance(GovernanceCall::Propose {
            action: ProposalAction::Text,
            description: "persist me".into(),
        });
        let tx = signed(&genesis, "alice", 0, propose);
        step(&mut genesis, &store, vec![tx]);
        let vote = Call::Governance(GovernanceCall::Vote {
            proposal: 0,
            vote: VoteKind::Nay,
        });
        let tx = signed(&genesis, "bob", 0, vote);
        step(&mut genesis, &store, vec![tx]);
    }
    let store = Store::open(&path).unwrap();
    let loaded = store.load_state().unwrap();
    assert_eq!(loaded.root(), genesis.state.root());
    assert_eq!(loaded.globals, genesis.state.globals);
    assert_eq!(loaded.proposals.get(&0), genesis.state.proposals.get(&0));
    assert_eq!(loaded.votes_on(0), genesis.state.votes_on(0));
    taonet_runtime::invariants::check(&loaded).unwrap();
    // The reloaded state tallies the proposal exactly like the original.
    let ends = loaded.proposals.get(&0).unwrap().voting_ends;
    let mut a = Genesis {
        state: loaded,
        ..genesis.clone()
    };
    let mut b = genesis.clone();
    for g in [&mut a, &mut b] {
        while g.state.globals.height < ends {
            let ts = g.state.globals.last_timestamp_ms + 1_000;
            let built = build_block(&g.state, &g.domain, alice_hot.account_id(), ts, &[]).unwrap();
            apply_block(&mut g.state, &g.domain, &built.block).unwrap();
        }
    }
    assert_eq!(a.state.root(), b.state.root());
    let p = a.state.proposals.get(&0).unwrap();
    assert_eq!(p.status, ProposalStatus::Rejected);
}

#[test]
fn channel_state_survives_reopen() {
    use taonet_types::channel::{MinerShare, Voucher, channel_id};
    use taonet_types::tx::ChannelCall;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let mut genesis = ChainSpec::dev(&[[1u8; 32]]).build().unwrap();
    let (_, alice_hot) = dev_keys("alice");
    let (eve, _) = dev_keys("eve");
    let step = |g: &mut Genesis, store: &Store, txs: Vec<SignedTransaction>| {
        commit_successful_block(g, store, alice_hot.account_id(), &txs)
    };
    let id = channel_id(&eve.account_id(), 0);
    {
        let store = Store::open(&path).unwrap();
        store.init_genesis(&genesis).unwrap();
        let open = Call::Channels(ChannelCall::Open {
            gateway: alice_hot.account_id(),
            deposit: Rao(3_000_000_000),
            expiry: 50,
        });
        let tx = signed(&genesis, "eve", 0, open);
        step(&mut genesis, &store, vec![tx]);
        let voucher = taonet_crypto::voucher::sign(
            &eve,
            Voucher {
                channel: id,
                amount: Rao(1_000_000_000),
            },
            &genesis.domain,
        );
        let claim = Call::Channels(ChannelCall::Claim {
            channel: id,
            voucher,
            netuid: 1,
            miners: vec![MinerShare { uid: 0, units: 2 }],
        });
        let tx = signed(&genesis, "alice", 0, claim);
        step(&mut genesis, &store, vec![tx]);
    }
    let store = Store::open(&path).unwrap();
    let loaded = store.load_state().unwrap();
    assert_eq!(loaded.root(), genesis.state.root());
    assert_eq!(loaded.globals, genesis.state.globals);
    assert_eq!(loaded.globals.total_channels, Rao(2_000_000_000));
    let ch = loaded.channel(&id).unwrap();
    assert_eq!(ch, genesis.state.channel(&id).unwrap());
    assert_eq!(
        (ch.claimed, ch.paid_to_miners),
        (Rao(1_000_000_000), Rao(500_000_000))
    );
    taonet_runtime::invariants::check(&loaded).unwrap();
}

/// The index reads (status by tx hash, history pages with hashes) answer exactly what the
/// blocks hold, also for a store written before the height → hash table existed (it is filled
/// on open).
#[test]
fn index_reads_match_the_blocks_and_old_stores_are_backfilled() {
    use redb::TableHandle as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let mut genesis = ChainSpec::dev(&[[1u8; 32]]).build().unwrap();
    {
        let store = Store::open(&path).unwrap();
        store.init_genesis(&genesis).unwrap();
        run_chain(&mut genesis, &store, 6);
    }
    let check = |store: &Store| {
        for height in 0..=6u64 {
            let block = store.block(height).unwrap().unwrap();
            assert_eq!(store.block_hash(height).unwrap(), Some(block.hash()));
            for (i, t) in block.transactions.iter().enumerate() {
                let r = store.transaction_receipt(&t.hash()).unwrap().unwrap();
                let full = store.transaction(&t.hash()).unwrap().unwrap();
                assert_eq!(r.block_height, height);
                assert_eq!(r.block_hash, block.hash());
                assert_eq!(r.index as usize, i);
                assert_eq!(r.receipt, full.receipt);
            }
        }
        assert_eq!(
            store
                .transaction_receipt(&taonet_types::Hash([9; 32]))
                .unwrap(),
            None
        );
        // History pages: every entry once, newest first, each with its block's tx hash.
        let bob = dev_keys("bob").0.account_id();
        let all = store.account_history(&bob, 100, None).unwrap();
        let mut paged = Vec::new();
        let mut before = None;
        loop {
            let page = store.account_history_page(&bob, 2, before).unwrap();
            if page.is_empty() {
                break;
            }
            before = page.last().map(|i| i.entry);
            paged.extend(page);
        }
        assert_eq!(paged.iter().map(|i| i.entry).collect::<Vec<_>>(), all);
        for item in &paged {
            let block = store.block(item.entry.block_height).unwrap().unwrap();
            assert_eq!(
                block.transactions[item.entry.index as usize].hash(),
                item.tx_hash
            );
        }
    };
    check(&Store::open(&path).unwrap());
    // An old store: no height → hash table.
    {
        let db = redb::Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        let table = tx
            .list_tables()
            .unwrap()
            .find(|t| t.name() == "block_hashes")
            .unwrap();
        assert!(tx.delete_table(table).unwrap());
        tx.commit().unwrap();
    }
    check(&Store::open(&path).unwrap());
}
