//! Protocol upgrades (issue 19): governance schedules version 2, blocks switch at its height
//! and run its fee rule, the migration rewrites the globals record, a replay from genesis
//! crosses the upgrade to the same roots, and a build that runs only version 1 stops at the
//! height with a message instead of forking.

use commonware_codec::Encode;
use taonet_runtime::error::{BlockError, DispatchError, GovernanceError};
use taonet_runtime::{State, apply_block};
use taonet_types::gov::{ProposalAction, ProposalStatus, VoteKind};
use taonet_types::protocol::Upgrade;
use taonet_types::tx::GovernanceCall;
use taonet_types::{Call, Rao};

use crate::support::{Chain, assert_same_state, call, cold, hot, key, tao};

fn propose(action: ProposalAction) -> Call {
    Call::Governance(GovernanceCall::Propose {
        action,
        description: "upgrade".into(),
    })
}

fn upgrade(version: u32, height: u64) -> Upgrade {
    Upgrade {
        version,
        height,
        name: "v2-fee-burn".into(),
        notes: "half of the proposer's fee share is burned".into(),
    }
}

/// The dev chain with alice (1,000 TAO) and bob (500 TAO) staked on their hotkeys.
fn staked() -> Chain {
    let mut c = Chain::dev();
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let txs = c.txs(&[
        (cold("bob"), call::associate(hb)),
        (cold("alice"), call::add_stake(ha, tao(1_000))),
        (cold("bob"), call::add_stake(hb, tao(500))),
    ]);
    c.block(&txs);
    c
}

/// Proposes `action` and votes it through; returns the proposal id after its execution.
fn pass(c: &mut Chain, action: ProposalAction) -> u64 {
    let id = c.state.globals.next_proposal_id;
    c.ok(cold("alice"), propose(action));
    c.ok(
        cold("bob"),
        Call::Governance(GovernanceCall::Vote {
            proposal: id,
            vote: VoteKind::Aye,
        }),
    );
    let p = c.state.proposals.get(&id).unwrap().clone();
    c.advance_to(p.execute_at);
    id
}

fn status(c: &Chain, id: u64) -> ProposalStatus {
    c.state.proposals.get(&id).unwrap().status.clone()
}

#[test]
fn governance_schedules_version_2_and_the_fee_rule_changes_at_its_height() {
    let mut c = staked();
    let p = c.state.params().clone();
    let height = c.height() + p.gov_voting_period + p.gov_execution_delay + 20;
    let id = pass(&mut c, ProposalAction::ScheduleUpgrade(upgrade(2, height)));
    assert_eq!(status(&c, id), ProposalStatus::Executed);
    assert_eq!(c.state.pending_upgrade(), Some(&upgrade(2, height)));
    assert_eq!(c.state.protocol_version(), 1);
    assert_eq!(c.state.version_at(height - 1), 1);
    assert_eq!(c.state.version_at(height), 2);

    // Version 1 until the height: no fee is burned.
    c.advance_to(height - 2);
    let r = c.ok(cold("alice"), call::transfer(key(1).account_id(), tao(1)));
    let before = c.state.clone();
    assert_eq!(c.blocks.last().unwrap().version, 1);
    assert_eq!(c.state.globals.total_fees_burned, Rao::ZERO);
    assert!(r.fee > Rao::ZERO);

    // The block at the height runs version 2 from its start.
    let tx = c.tx(cold("alice"), call::transfer(key(1).account_id(), tao(1)));
    let out = c.block(&[tx]);
    assert_eq!(c.height(), height);
    assert_eq!(out.upgraded, Some(upgrade(2, height)));
    assert_eq!(c.blocks.last().unwrap().version, 2);
    assert_eq!(c.state.protocol_version(), 2);
    assert_eq!(c.state.pending_upgrade(), None);
    // Treasury share first (20%), then half of the rest burned.
    let fee = out.receipts[0].fee.0;
    let treasury = fee / 5;
    let burned = (fee - treasury) / 2;
    assert_eq!(out.treasury_fees.0, treasury);
    assert_eq!(out.fees_burned.0, burned);
    assert_eq!(out.fees.0, fee - treasury - burned);
    assert_eq!(c.state.globals.total_fees_burned.0, burned);
    assert_eq!(
        c.state.globals.total_burned.0 - before.globals.total_burned.0,
        burned
    );
    // The issuance fell by the burn (plus nothing else but the block reward's accounting,
    // which lives in pending emission).
    let g0 = &before.globals;
    let g1 = &c.state.globals;
    assert_eq!(
        u128::from(g0.total_issuance.0)
            + u128::from(g0.total_pending_emission.0)
            + u128::from(out.accrued.0)
            - u128::from(g1.total_issuance.0)
            - u128::from(g1.total_pending_emission.0),
        u128::from(burned)
    );
    c.advance(3);

    // A node replaying from genesis crosses the upgrade to the same roots.
    let mut replay = c.genesis.clone();
    for block in &c.blocks {
        let out = apply_block(&mut replay, &c.domain, block).unwrap();
        assert_eq!(out.state_root, block.state_root);
    }
    assert_same_state(&replay, &c.state);
}

#[test]
fn a_build_without_the_new_version_stops_at_the_height_and_wrong_versions_are_refused() {
    let mut c = staked();
    let p = c.state.params().clone();
    let height = c.height() + p.gov_voting_period + p.gov_execution_delay + 5;
    pass(&mut c, ProposalAction::ScheduleUpgrade(upgrade(2, height)));
    c.advance_to(height + 1);

    // An old build: every block up to the height applies, the one at the height does not.
    let mut old = c.genesis.clone();
    old.max_version = 1;
    let mut stopped = None;
    for block in &c.blocks {
        match apply_block(&mut old, &c.domain, block) {
            Ok(_) => {}
            Err(e) => {
                stopped = Some((block.height, e));
                break;
            }
        }
    }
    let (at, e) = stopped.expect("the old build stops");
    assert_eq!(at, height);
    assert_eq!(
        old.height(),
        height - 1,
        "nothing of the new version was applied"
    );
    assert_eq!(
        e,
        BlockError::UnsupportedVersion {
            version: 2,
            height,
            name: "v2-fee-burn".into(),
            supported: 1,
        }
    );
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "this chain moved to protocol v2 at height {height}"
        )),
        "{text}"
    );
    assert!(
        text.contains("install a taonet release that runs protocol v2"),
        "{text}"
    );

    // The block at the height carrying version 1, or one before it carrying version 2, is
    // invalid for the new build too.
    let mut fresh = c.genesis.clone();
    for block in &c.blocks {
        if block.height == height {
            let mut wrong = block.clone();
            wrong.version = 1;
            assert_eq!(
                apply_block(&mut fresh.clone(), &c.domain, &wrong).unwrap_err(),
                BlockError::Version {
                    expected: 2,
                    got: 1
                }
            );
        }
        if block.height == height - 1 {
            let mut early = block.clone();
            early.version = 2;
            assert_eq!(
                apply_block(&mut fresh.clone(), &c.domain, &early).unwrap_err(),
                BlockError::Version {
                    expected: 1,
                    got: 2
                }
            );
        }
        apply_block(&mut fresh, &c.domain, block).unwrap();
    }
}

#[test]
fn upgrade_proposals_are_checked_and_a_cancelled_upgrade_never_happens() {
    let mut c = staked();
    let p = c.state.params().clone();
    let soonest = c.height() + 1 + p.gov_voting_period + p.gov_execution_delay;
    let fail = |c: &mut Chain, action| c.submit(cold("alice"), propose(action)).result;
    assert_eq!(
        fail(
            &mut c,
            ProposalAction::ScheduleUpgrade(upgrade(3, soonest + 50))
        ),
        Err(DispatchError::Governance(GovernanceError::UpgradeVersion {
            version: 3,
            current: 1,
        }))
    );
    let soonest = c.height() + 1 + p.gov_voting_period + p.gov_execution_delay;
    assert_eq!(
        fail(
            &mut c,
            ProposalAction::ScheduleUpgrade(upgrade(2, soonest + 1))
        ),
        Err(DispatchError::Governance(GovernanceError::UpgradeTooSoon {
            height: soonest + 1,
            executes_at: soonest,
        }))
    );
    assert_eq!(
        fail(&mut c, ProposalAction::CancelUpgrade { version: 2 }),
        Err(DispatchError::Governance(GovernanceError::NoSuchUpgrade(2)))
    );
    let bad_name = Upgrade {
        name: "has space".into(),
        ..upgrade(2, soonest + 50)
    };
    assert_eq!(
        fail(&mut c, ProposalAction::ScheduleUpgrade(bad_name)),
        Err(DispatchError::Governance(GovernanceError::UpgradeName(
            "an upgrade name uses only letters, digits, '.', '-' and '_'"
        )))
    );

    // Scheduled, then a second schedule is refused, then cancelled by a later proposal.
    let height = c.height() + 3 * (p.gov_voting_period + p.gov_execution_delay);
    pass(&mut c, ProposalAction::ScheduleUpgrade(upgrade(2, height)));
    assert!(c.state.pending_upgrade().is_some());
    assert_eq!(
        fail(
            &mut c,
            ProposalAction::ScheduleUpgrade(upgrade(2, height + 10))
        ),
        Err(DispatchError::Governance(
            GovernanceError::UpgradeAlreadyScheduled { version: 2, height }
        ))
    );
    let id = pass(&mut c, ProposalAction::CancelUpgrade { version: 2 });
    assert_eq!(status(&c, id), ProposalStatus::Executed);
    assert_eq!(c.state.pending_upgrade(), None);
    c.advance_to(height + 2);
    assert_eq!(c.state.protocol_version(), 1);
    assert!(c.blocks.iter().all(|b| b.version == 1));
}

/// The version-2 migration: the globals record is rewritten in format 2 at the height (the
/// root changes with it), and a state restored from its records is the same state.
#[test]
fn the_version_2_migration_rewrites_the_globals_record() {
    let mut c = staked();
    let p = c.state.params().clone();
    let height = c.height() + p.gov_voting_period + p.gov_execution_delay + 5;
    pass(&mut c, ProposalAction::ScheduleUpgrade(upgrade(2, height)));
    let globals_format = |s: &State| s.globals.encode()[0];
    c.advance_to(height - 1);
    assert_eq!(globals_format(&c.state), 1);
    c.advance(1);
    assert_eq!(globals_format(&c.state), 2);
    let records = c.state.all_records();
    let (key, value) = &records[0];
    assert_eq!((key.as_slice(), value[0]), (&[0u8][..], 2));
    let restored = State::from_records(
        records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
        c.state.head,
    )
    .unwrap();
    assert_eq!(restored.root(), c.state.root());
    assert_eq!(restored.globals, c.state.globals);
    // The chain goes on under version 2.
    let out = c.advance(2);
    assert!(out.iter().all(|o| o.upgraded.is_none()));
    assert_eq!(c.blocks.last().unwrap().version, 2);
}
