//! Governance and the treasury: proposals through tally and execution, quorum and deposits,
//! delegated votes and nominator overrides, treasury funding and spends, every rejection,
//! persistence of the records, and a random-sequence property on issuance.

use proptest::prelude::*;
use taonet_runtime::error::{DispatchError, GovernanceError};
use taonet_runtime::{ChainSpec, State, invariants};
use taonet_types::gov::{
    MAX_DESCRIPTION, PPB, ParamUpdate, ProposalAction, ProposalStatus, VoteKind, treasury_account,
};
use taonet_types::tx::GovernanceCall;
use taonet_types::{Call, HyperparamUpdate, Rao};

use crate::support::{Chain, PROPOSER, add, call, cold, hot, key, minted, sub, tao};

fn err<T>(e: GovernanceError) -> Result<T, DispatchError> {
    Err(DispatchError::Governance(e))
}

fn propose(action: ProposalAction, description: &str) -> Call {
    Call::Governance(GovernanceCall::Propose {
        action,
        description: description.into(),
    })
}

fn vote(proposal: u64, vote: VoteKind) -> Call {
    Call::Governance(GovernanceCall::Vote { proposal, vote })
}

fn cancel(proposal: u64) -> Call {
    Call::Governance(GovernanceCall::Cancel { proposal })
}

fn params(updates: Vec<ParamUpdate>) -> ProposalAction {
    ProposalAction::SetParams(updates)
}

/// The dev chain with stake: alice 1,000 TAO and bob 500 TAO on their own hotkeys, charlie
/// nominating alice's hotkey with 300 TAO and dave bob's with 200 TAO (2,000 TAO in all).
fn staked_with(spec: &ChainSpec) -> Chain {
    let mut c = Chain::new(spec);
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let txs = c.txs(&[
        (cold("bob"), call::associate(hb)),
        (cold("alice"), call::add_stake(ha, tao(1_000))),
        (cold("bob"), call::add_stake(hb, tao(500))),
        (cold("charlie"), call::add_stake(ha, tao(300))),
        (cold("dave"), call::add_stake(hb, tao(200))),
    ]);
    let out = c.block(&txs);
    assert!(out.receipts.iter().all(|r| r.success()), "{out:?}");
    assert_eq!(c.state.globals.total_stake, tao(2_000));
    c
}

fn staked() -> Chain {
    staked_with(&ChainSpec::dev(&[]))
}

/// Submits a proposal by `who` that must succeed; returns its id.
fn submit(c: &mut Chain, who: &str, action: ProposalAction) -> u64 {
    let id = c.state.globals.next_proposal_id;
    c.ok(cold(who), propose(action, "a proposal"));
    id
}

fn status(c: &Chain, id: u64) -> ProposalStatus {
    c.state.proposals.get(&id).unwrap().status.clone()
}

#[test]
fn a_parameter_change_passes_and_takes_effect() {
    // (Bob proposes: alice owns subnet 1, so her free balance also grows by owner cuts.)
    let mut c = staked();
    let (alice, bob) = (cold("alice"), cold("bob"));
    let deposit = c.state.params().gov_proposal_deposit;
    let free = c.free(bob);
    let id = c.state.globals.next_proposal_id;
    let r = c.ok(
        bob,
        propose(
            params(vec![
                ParamUpdate::TxBaseFee(Rao(300_000)),
                ParamUpdate::UnbondingPeriod(5),
            ]),
            "cheaper to leave, dearer to transact",
        ),
    );
    // The deposit is reserved: out of the free balance, into the deposits total.
    assert_eq!(c.free(bob), sub(sub(free, deposit), r.fee));
    assert_eq!(c.state.globals.total_deposits, deposit);
    let p = c.state.proposals.get(&id).unwrap().clone();
    assert_eq!(p.status, ProposalStatus::Voting);
    assert_eq!(p.voting_ends, p.submitted + 40);
    assert_eq!(p.execute_at, p.voting_ends + 10);
    assert_eq!(c.state.active_proposals(), 1);

    c.ok(alice, vote(id, VoteKind::Aye));
    c.ok(cold("bob"), vote(id, VoteKind::Aye));
    c.advance_to(p.voting_ends - 1);
    assert_eq!(status(&c, id), ProposalStatus::Voting);
    let before_tally = c.free(bob);
    let out = c.advance(1).pop().unwrap();
    assert_eq!(out.governance.len(), 1);
    assert_eq!(out.governance[0].status, ProposalStatus::Passed);
    let p = c.state.proposals.get(&id).unwrap().clone();
    let tally = p.tally.unwrap();
    // Everyone's stake votes: alice's and bob's own, and their nominators' through them
    // (stake as of the tally, emission included).
    assert_eq!(tally.aye, c.state.globals.total_stake);
    assert_eq!(tally.total_stake, c.state.globals.total_stake);
    assert!(tally.aye > tao(2_000));
    assert!(tally.quorum_met && tally.approved);
    assert!(!p.deposit_burned);
    assert_eq!(c.free(bob), add(before_tally, deposit), "deposit returned");
    assert_eq!(c.state.globals.total_deposits, Rao::ZERO);
    // Not yet in force; votes are closed.
    assert_eq!(c.state.params().unbonding_period, 20);
    assert_eq!(
        c.submit(cold("charlie"), vote(id, VoteKind::Nay)).result,
        err(GovernanceError::VotingClosed {
            proposal: id,
            status: "passed"
        })
    );
    c.advance_to(p.execute_at - 1);
    assert_eq!(c.state.params().tx_base_fee, Rao(100_000));
    let out = c.advance(1).pop().unwrap();
    assert_eq!(out.governance[0].status, ProposalStatus::Executed);
    assert_eq!(status(&c, id), ProposalStatus::Executed);
    assert_eq!(c.state.params().unbonding_period, 5);
    assert_eq!(c.state.params().tx_base_fee, Rao(300_000));
    // The next transaction pays the new fee.
    let tx = c.tx(alice, call::transfer(key(1).account_id(), tao(1)));
    let size = commonware_codec::EncodeSize::encode_size(&tx) as u64;
    let r = c.block(&[tx]).receipts.remove(0);
    assert_eq!(r.fee, Rao(300_000 + 100 * size));
    // And the next unstake waits 5 blocks.
    c.ok(
        cold("charlie"),
        call::remove_stake(hot("alice").account_id(), tao(1)),
    );
    let (release, _) = c.state.unbonding_of(&cold("charlie").account_id())[0].clone();
    assert_eq!(release, c.height() + 5);
}

#[test]
fn without_quorum_the_deposit_is_returned_or_burned() {
    // Turnout 10%: below the 20% quorum, above the 5% burn line → expired, returned.
    let mut c = staked();
    let deposit = c.state.params().gov_proposal_deposit;
    let id = submit(&mut c, "bob", ProposalAction::Text);
    c.ok(cold("dave"), vote(id, VoteKind::Aye));
    let free = c.free(cold("bob"));
    let issuance = c.state.globals.total_issuance;
    let ends = c.state.proposals.get(&id).unwrap().voting_ends;
    c.advance_to(ends);
    let p = c.state.proposals.get(&id).unwrap().clone();
    assert_eq!(p.status, ProposalStatus::Expired);
    let t = p.tally.unwrap();
    assert_eq!((t.aye, t.quorum_met, t.approved), (tao(200), false, false));
    assert!(!p.deposit_burned);
    assert_eq!(c.free(cold("bob")), add(free, deposit));
    assert!(c.state.globals.total_issuance >= issuance);

    // Nobody votes: turnout 0 < 5% → expired and the deposit is burned.
    let mut c = staked();
    let id = submit(&mut c, "bob", ProposalAction::Text);
    let free = c.free(cold("bob"));
    let issuance = c.state.globals.total_issuance;
    let burned = c.state.globals.total_burned;
    let ends = c.state.proposals.get(&id).unwrap().voting_ends;
    let outs = c.advance_to(ends);
    let p = c.state.proposals.get(&id).unwrap().clone();
    assert_eq!(p.status, ProposalStatus::Expired);
    assert!(p.deposit_burned);
    assert_eq!(c.free(cold("bob")), free, "not returned");
    assert_eq!(c.state.globals.total_burned, add(burned, deposit));
    assert_eq!(
        c.state.globals.total_issuance,
        sub(add(issuance, minted(&outs)), deposit),
        "issuance falls by exactly the burned deposit"
    );
    assert_eq!(c.state.globals.total_deposits, Rao::ZERO);
}

#[test]
fn nays_reject_and_equal_split_is_not_approval() {
    let mut c = staked();
    let id = submit(&mut c, "bob", ProposalAction::Text);
    c.ok(cold("alice"), vote(id, VoteKind::Nay));
    c.ok(cold("bob"), vote(id, VoteKind::Aye));
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!(
        (t.aye, t.nay),
        (
            c.state.total_hotkey_stake(&hb),
            c.state.total_hotkey_stake(&ha)
        )
    );
    assert!(t.quorum_met && !t.approved);
    let ends = c.state.proposals.get(&id).unwrap().voting_ends;
    c.advance_to(ends);
    assert_eq!(status(&c, id), ProposalStatus::Rejected);
    assert!(!c.state.proposals.get(&id).unwrap().deposit_burned);
    // Nothing is scheduled for a rejected proposal.
    assert!(c.state.gov_queue.is_empty());

    // aye = nay is not "more than 50%".
    let mut c = staked();
    let id = submit(&mut c, "alice", ProposalAction::Text);
    c.ok(cold("dave"), vote(id, VoteKind::Aye)); // 200
    c.ok(cold("eve"), call::add_stake(hb, tao(300)));
    c.ok(cold("eve"), vote(id, VoteKind::Aye)); // 300
    c.ok(cold("bob"), vote(id, VoteKind::Nay)); // 500 (dave and eve override bob for theirs)
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!((t.aye, t.nay), (tao(500), tao(500)));
    assert!(t.quorum_met && !t.approved);
    // Abstentions count for the quorum only.
    c.ok(cold("alice"), vote(id, VoteKind::Abstain));
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!(t.abstain, c.state.total_hotkey_stake(&ha));
    assert!(!t.approved);
}

#[test]
fn delegates_vote_their_nominators_stake_unless_overridden() {
    // Bob's hotkey earns no emission on the dev chain, so its stake stays put; alice's
    // hotkey (subnet 1's owner) grows, so her side is read from the state.
    let mut c = staked();
    let (ha, hb) = (hot("alice").account_id(), hot("bob").account_id());
    let (bob, dave) = (cold("bob").account_id(), cold("dave").account_id());
    let id = submit(&mut c, "bob", ProposalAction::Text);
    c.ok(cold("bob"), vote(id, VoteKind::Aye));
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!(t.aye, tao(700), "bob's own 500 + dave's 200 on his hotkey");
    assert_eq!(c.state.stake(&hb, &bob), tao(500));
    // Dave votes himself: his 200 leave bob's vote.
    c.ok(cold("dave"), vote(id, VoteKind::Nay));
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!((t.aye, t.nay), (tao(500), tao(200)));
    // One record per coldkey: changing the vote replaces it.
    c.ok(cold("dave"), vote(id, VoteKind::Abstain));
    assert_eq!(c.state.votes_on(id).len(), 2);
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!((t.aye, t.nay, t.abstain), (tao(500), Rao::ZERO, tao(200)));
    assert_eq!(c.state.stake(&hb, &dave), tao(200));
    // A nominator's own vote counts the stake it owns on every hotkey; a delegate's vote does
    // not reach stake on other hotkeys.
    c.ok(cold("dave"), call::add_stake(ha, tao(100)));
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!(t.abstain, tao(300));
    // Alice votes aye: her hotkey's stake except dave's 100 joins the ayes.
    c.ok(cold("alice"), vote(id, VoteKind::Aye));
    let t = c.state.gov_tally(id).unwrap();
    assert_eq!(
        t.aye,
        add(
            tao(500),
            sub(c.state.total_hotkey_stake(&ha), c.state.stake(&ha, &dave))
        )
    );
    assert!(t.quorum_met && t.approved);
    // Stake is counted as of the tally: bob stakes more and votes nay at the last block.
    let ends = c.state.proposals.get(&id).unwrap().voting_ends;
    c.advance_to(ends - 1);
    let txs = c.txs(&[
        (
            cold("bob"),
            call::add_stake(hot("bob").account_id(), tao(2_000)),
        ),
        (cold("bob"), vote(id, VoteKind::Nay)),
    ]);
    let out = c.block(&txs);
    assert_eq!(c.height(), ends);
    assert!(out.receipts.iter().all(|r| r.success()));
    let t = c.state.proposals.get(&id).unwrap().tally.unwrap();
    let dave_on_alice = c.state.stake(&ha, &dave);
    assert_eq!(
        t.nay,
        tao(2_500),
        "bob's own 2,500; dave keeps his abstention"
    );
    assert_eq!(t.abstain, add(tao(200), dave_on_alice));
    assert_eq!(
        t.aye,
        sub(c.state.total_hotkey_stake(&ha), dave_on_alice),
        "alice's hotkey but dave's part"
    );
    assert_eq!(t.total_stake, c.state.globals.total_stake);
    assert_eq!(status(&c, id), ProposalStatus::Rejected);
}

#[test]
fn the_treasury_is_funded_by_fees_and_pays_passed_spends() {
    let mut c = staked();
    let share = u128::from(c.state.params().treasury_fee_share);
    assert!(share > 0);
    let t0 = c.state.treasury_balance();
    assert!(t0 > Rao::ZERO, "the setup block's fees already paid it");
    let proposer_before = c.state.free(&PROPOSER);
    let txs = c.txs(&[
        (cold("eve"), call::transfer(key(1).account_id(), tao(1))),
        (cold("ferdie"), call::transfer(key(2).account_id(), tao(1))),
    ]);
    let out = c.block(&txs);
    let expected: u64 = out
        .receipts
        .iter()
        .map(|r| (u128::from(r.fee.0) * share / u128::from(PPB)) as u64)
        .sum();
    let total_fees: u64 = out.receipts.iter().map(|r| r.fee.0).sum();
    assert_eq!(out.treasury_fees, Rao(expected));
    assert_eq!(out.fees, Rao(total_fees - expected));
    assert_eq!(c.state.treasury_balance(), add(t0, Rao(expected)));
    assert_eq!(c.state.free(&PROPOSER), add(proposer_before, out.fees));
    // A transfer to the treasury address is a donation.
    c.ok(cold("grace"), call::transfer(treasury_account(), tao(100)));
    assert_eq!(c.state.free(&treasury_account()), Rao::ZERO);
    let treasury = c.state.treasury_balance();
    assert!(treasury > tao(100));

    // Two spends that each fit now but not together: the first pays, the second fails.
    let dest = key(9).account_id();
    let first = submit(
        &mut c,
        "alice",
        ProposalAction::TreasurySpend {
            to: dest,
            amount: tao(60),
        },
    );
    let second = submit(
        &mut c,
        "bob",
        ProposalAction::TreasurySpend {
            to: dest,
            amount: tao(60),
        },
    );
    for id in [first, second] {
        c.ok(cold("alice"), vote(id, VoteKind::Aye));
    }
    let exec = c.state.proposals.get(&second).unwrap().execute_at;
    let outs = c.advance_to(exec);
    let events: Vec<_> = outs.iter().flat_map(|o| o.governance.clone()).collect();
    assert!(
        events
            .iter()
            .any(|e| e.proposal == first && e.status == ProposalStatus::Executed)
    );
    assert_eq!(status(&c, first), ProposalStatus::Executed);
    assert_eq!(c.state.free(&dest), tao(60));
    match status(&c, second) {
        ProposalStatus::Failed(reason) => assert!(reason.contains("treasury holds"), "{reason}"),
        s => panic!("expected a failed spend, got {s:?}"),
    }
    assert!(c.state.treasury_balance() < tao(60));
    invariants::check(&c.state).unwrap();
}

#[test]
fn bad_proposals_are_rejected_with_clear_errors() {
    let mut c = staked();
    let alice = cold("alice");
    let text = ProposalAction::Text;
    let long = "x".repeat(MAX_DESCRIPTION + 1);
    assert_eq!(
        c.submit(alice, propose(text.clone(), &long)).result,
        err(GovernanceError::DescriptionTooLong {
            len: MAX_DESCRIPTION + 1,
            max: MAX_DESCRIPTION
        })
    );
    assert_eq!(
        c.submit(cold("eve"), propose(text.clone(), "")).result,
        err(GovernanceError::InsufficientStake {
            stake: Rao::ZERO,
            required: tao(100)
        })
    );
    let e = c
        .submit(alice, propose(params(vec![ParamUpdate::SeatCount(0)]), ""))
        .result;
    match e {
        Err(DispatchError::Governance(GovernanceError::InvalidParameter(m))) => {
            assert!(m.contains("seat_count"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let e = c
        .submit(
            alice,
            propose(
                params(vec![ParamUpdate::DefaultHyperparam(
                    HyperparamUpdate::Tempo(1),
                )]),
                "",
            ),
        )
        .result;
    assert!(
        matches!(e, Err(DispatchError::Governance(GovernanceError::InvalidParameter(ref m))) if m.contains("default_hyperparams.tempo")),
        "{e:?}"
    );
    assert_eq!(
        c.submit(alice, propose(params(vec![]), "")).result,
        err(GovernanceError::BadUpdateCount { count: 0, max: 32 })
    );
    let r = c.submit(
        alice,
        propose(
            ProposalAction::TreasurySpend {
                to: key(1).account_id(),
                amount: tao(1_000_000),
            },
            "",
        ),
    );
    // The treasury as the call saw it (its own fee share already paid in).
    assert_eq!(
        r.result,
        err(GovernanceError::SpendExceedsTreasury {
            amount: tao(1_000_000),
            treasury: c.state.treasury_balance()
        })
    );
    assert_eq!(
        c.submit(
            alice,
            propose(
                ProposalAction::TreasurySpend {
                    to: key(1).account_id(),
                    amount: Rao::ZERO
                },
                ""
            )
        )
        .result,
        err(GovernanceError::ZeroSpend)
    );
    assert_eq!(
        c.submit(alice, vote(7, VoteKind::Aye)).result,
        err(GovernanceError::UnknownProposal(7))
    );
    // Nothing was reserved by any of these.
    assert_eq!(c.state.globals.total_deposits, Rao::ZERO);
    assert!(c.state.proposals.is_empty());

    let id = submit(&mut c, "alice", text.clone());
    assert_eq!(
        c.submit(cold("eve"), vote(id, VoteKind::Aye)).result,
        err(GovernanceError::NoVotingWeight)
    );
    assert_eq!(
        c.submit(cold("bob"), cancel(id)).result,
        err(GovernanceError::NotProposer(id))
    );
    // Cancelling before any vote returns the deposit.
    let free = c.free(alice);
    let r = c.ok(alice, cancel(id));
    assert_eq!(status(&c, id), ProposalStatus::Cancelled);
    assert_eq!(
        c.free(alice),
        sub(add(free, c.state.params().gov_proposal_deposit), r.fee)
    );
    assert_eq!(c.state.active_proposals(), 0);
    assert_eq!(
        c.submit(alice, vote(id, VoteKind::Aye)).result,
        err(GovernanceError::VotingClosed {
            proposal: id,
            status: "cancelled"
        })
    );
    let id = submit(&mut c, "alice", text.clone());
    c.ok(cold("dave"), vote(id, VoteKind::Nay));
    assert_eq!(
        c.submit(alice, cancel(id)).result,
        err(GovernanceError::AlreadyVoted(id))
    );
}

#[test]
fn limits_on_active_proposals_and_the_deposit() {
    let mut spec = ChainSpec::dev(&[]);
    spec.params.gov_max_active_proposals = 1;
    let mut c = staked_with(&spec);
    submit(&mut c, "alice", ProposalAction::Text);
    assert_eq!(
        c.submit(cold("bob"), propose(ProposalAction::Text, ""))
            .result,
        err(GovernanceError::TooManyActiveProposals(1))
    );

    let mut spec = ChainSpec::dev(&[]);
    spec.params.gov_proposal_deposit = tao(1_000_000);
    let mut c = staked_with(&spec);
    let free = c.free(cold("alice"));
    let r = c.submit(cold("alice"), propose(ProposalAction::Text, ""));
    assert_eq!(
        r.result,
        err(GovernanceError::InsufficientBalance {
            needed: tao(1_000_000),
            available: sub(free, r.fee)
        })
    );

    // A chain spec with governance parameters out of bounds is refused.
    let mut spec = ChainSpec::dev(&[]);
    spec.params.gov_approval_threshold = PPB;
    let e = spec.build().unwrap_err().to_string();
    assert!(e.contains("gov_approval_threshold"), "{e}");
}

#[test]
fn execution_revalidates_parameters() {
    // Two proposals pass; the first lowers max_take below the second's default_take.
    let mut c = staked();
    let take = c.state.params().default_take;
    let a = submit(
        &mut c,
        "alice",
        params(vec![
            ParamUpdate::DefaultTake(take - 100),
            ParamUpdate::MaxTake(take - 100),
        ]),
    );
    let b = submit(&mut c, "bob", params(vec![ParamUpdate::DefaultTake(take)]));
    for id in [a, b] {
        c.ok(cold("alice"), vote(id, VoteKind::Aye));
    }
    let exec = c.state.proposals.get(&b).unwrap().execute_at;
    c.advance_to(exec);
    assert_eq!(status(&c, a), ProposalStatus::Executed);
    match status(&c, b) {
        ProposalStatus::Failed(reason) => assert!(reason.contains("default_take"), "{reason}"),
        s => panic!("{s:?}"),
    }
    assert_eq!(c.state.params().default_take, take - 100);
}

#[test]
fn governance_records_survive_a_rebuild_from_records() {
    let mut c = staked();
    let id = submit(&mut c, "alice", ProposalAction::Text);
    c.ok(cold("charlie"), vote(id, VoteKind::Nay));
    let records = c.state.all_records();
    let rebuilt = State::from_records(
        records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
        c.state.head,
    )
    .unwrap();
    crate::support::assert_same_state(&rebuilt, &c.state);
    assert_eq!(rebuilt.proposals.get(&id), c.state.proposals.get(&id));
    assert_eq!(rebuilt.votes_on(id), c.state.votes_on(id));
    assert_eq!(rebuilt.gov_queue.len(), 1);
}

#[test]
fn governance_calls_round_trip_through_the_codec() {
    use commonware_codec::{DecodeExt, Encode};
    for call in [
        propose(
            params(vec![
                ParamUpdate::TxByteFee(Rao(7)),
                ParamUpdate::DefaultHyperparam(HyperparamUpdate::AlphaValues(2_000, 3_000)),
            ]),
            "d",
        ),
        propose(
            ProposalAction::TreasurySpend {
                to: key(4).account_id(),
                amount: tao(3),
            },
            "",
        ),
        propose(ProposalAction::Text, "ünïcode"),
        vote(3, VoteKind::Abstain),
        cancel(9),
    ] {
        let bytes = call.encode();
        assert_eq!(
            bytes.len(),
            commonware_codec::EncodeSize::encode_size(&call)
        );
        assert_eq!(Call::decode(bytes).unwrap(), call);
    }
}

#[derive(Clone, Debug)]
enum Op {
    Propose { who: usize, kind: u8, amount: u64 },
    Vote { who: usize, proposal: u64, vote: u8 },
    Cancel { who: usize, proposal: u64 },
    Transfer { from: usize, rao: u64 },
    Stake { who: usize, hot: usize, rao: u64 },
    Unstake { who: usize, hot: usize },
}

const NAMES: [&str; 5] = ["alice", "bob", "charlie", "dave", "eve"];

fn op() -> impl Strategy<Value = Op> {
    let who = 0..5usize;
    prop_oneof![
        3 => (who.clone(), 0..4u8, 1..200u64).prop_map(|(who, kind, amount)| Op::Propose { who, kind, amount }),
        5 => (who.clone(), 0..6u64, 0..3u8).prop_map(|(who, proposal, vote)| Op::Vote { who, proposal, vote }),
        1 => (who.clone(), 0..6u64).prop_map(|(who, proposal)| Op::Cancel { who, proposal }),
        2 => (who.clone(), 1..500u64).prop_map(|(from, rao)| Op::Transfer { from, rao }),
        2 => (who.clone(), 0..2usize, 1..2_000u64).prop_map(|(who, hot, rao)| Op::Stake { who, hot, rao }),
        1 => (who, 0..2usize).prop_map(|(who, hot)| Op::Unstake { who, hot }),
    ]
}

fn to_call(c: &Chain, op: &Op) -> (&'static taonet_crypto::Keypair, Call) {
    let hk = |i: usize| hot(NAMES[i]).account_id();
    match *op {
        Op::Propose { who, kind, amount } => {
            let action = match kind {
                0 => ProposalAction::Text,
                1 => ProposalAction::TreasurySpend {
                    to: key(3).account_id(),
                    amount: Rao(amount * 1_000_000),
                },
                2 => params(vec![ParamUpdate::TreasuryFeeShare(
                    (amount as u32) * 5_000_000,
                )]),
                _ => params(vec![ParamUpdate::GovProposalDeposit(tao(amount))]),
            };
            (cold(NAMES[who]), propose(action, "p"))
        }
        Op::Vote {
            who,
            proposal,
            vote: v,
        } => {
            let v = [VoteKind::Aye, VoteKind::Nay, VoteKind::Abstain][usize::from(v)];
            (cold(NAMES[who]), vote(proposal, v))
        }
        Op::Cancel { who, proposal } => (cold(NAMES[who]), cancel(proposal)),
        Op::Transfer { from, rao } => (
            cold(NAMES[from]),
            call::transfer(treasury_account(), tao(rao)),
        ),
        Op::Stake { who, hot, rao } => (cold(NAMES[who]), call::add_stake(hk(hot), tao(rao))),
        Op::Unstake { who, hot } => {
            let staked = c.state.stake(&hk(hot), &cold(NAMES[who]).account_id());
            (
                cold(NAMES[who]),
                call::remove_stake(hk(hot), Rao(staked.0 / 2 + 1)),
            )
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Issuance is conserved by governance: it grows only by minted emission and falls only
    /// by burned deposits; every invariant (deposits and treasury included) holds after
    /// every block.
    #[test]
    fn governance_conserves_issuance(
        steps in prop::collection::vec((prop::collection::vec(op(), 0..4), 0..15u64), 4..12)
    ) {
        let mut spec = ChainSpec::dev(&[]);
        spec.params.gov_voting_period = 8;
        spec.params.gov_execution_delay = 3;
        let mut c = staked_with(&spec);
        let start_issuance = c.state.globals.total_issuance;
        let start_burned = c.state.globals.total_burned;
        let mut minted_total = Rao::ZERO;
        for (ops, idle) in &steps {
            let calls: Vec<_> = ops.iter().map(|o| to_call(&c, o)).collect();
            let refs: Vec<_> = calls.iter().map(|(k, call)| (*k, call.clone())).collect();
            let txs = c.txs(&refs);
            let (out, _) = c.try_block(&txs);
            minted_total = add(minted_total, minted([&out]));
            let outs = c.advance(*idle);
            minted_total = add(minted_total, minted(&outs));
            invariants::check(&c.state).map_err(TestCaseError::fail)?;
            let g = &c.state.globals;
            let burned = u128::from(g.total_burned.0 - start_burned.0);
            prop_assert_eq!(
                u128::from(g.total_issuance.0) + burned,
                u128::from(start_issuance.0) + u128::from(minted_total.0)
            );
            let deposits: u64 = c
                .state
                .proposals
                .iter()
                .filter(|(_, p)| p.deposit_burned)
                .map(|(_, p)| p.deposit.0)
                .sum();
            prop_assert_eq!(u128::from(deposits), burned, "only deposits are burned");
        }
    }
}
