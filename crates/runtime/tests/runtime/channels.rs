//! Payment channels: open, top up, claim with the miners' share, reclaim after expiry; every
//! refusal; the governance parameter; persistence of the records; and a random-sequence
//! property on issuance and payouts.

use proptest::prelude::*;
use taonet_crypto::{Keypair, voucher};
use taonet_runtime::error::{ChannelError, DispatchError};
use taonet_runtime::{ChainSpec, State, invariants};
use taonet_types::channel::{MinerShare, SignedVoucher, Voucher, channel_id, split_payment};
use taonet_types::gov::{ParamUpdate, ProposalAction, ProposalStatus, VoteKind};
use taonet_types::tx::{ChannelCall, GovernanceCall};
use taonet_types::{AccountId, Call, ChainDomain, Hash, NetUid, Rao};

use crate::support::{Chain, add, call, cold, hot, sub, tao};

fn err<T>(e: ChannelError) -> Result<T, DispatchError> {
    Err(DispatchError::Channels(e))
}

fn open(gateway: AccountId, deposit: Rao, expiry: u64) -> Call {
    Call::Channels(ChannelCall::Open {
        gateway,
        deposit,
        expiry,
    })
}

fn top_up(channel: Hash, amount: Rao, expiry: u64) -> Call {
    Call::Channels(ChannelCall::TopUp {
        channel,
        amount,
        expiry,
    })
}

fn claim(channel: Hash, voucher: SignedVoucher, netuid: NetUid, miners: &[(u16, u64)]) -> Call {
    Call::Channels(ChannelCall::Claim {
        channel,
        voucher,
        netuid,
        miners: miners
            .iter()
            .map(|&(uid, units)| MinerShare { uid, units })
            .collect(),
    })
}

fn reclaim(channel: Hash) -> Call {
    Call::Channels(ChannelCall::Reclaim { channel })
}

fn pay(domain: &ChainDomain, opener: &Keypair, channel: Hash, amount: Rao) -> SignedVoucher {
    voucher::sign(opener, Voucher { channel, amount }, domain)
}

/// The dev chain with a gateway and two miners: bob's hotkey (owned by bob) is the gateway;
/// charlie's and dave's hotkeys are uids 1 and 2 of subnet 1 (alice's hotkey is uid 0).
fn network_with(spec: &ChainSpec) -> Chain {
    let mut c = Chain::new(spec);
    let txs = c.txs(&[
        (cold("bob"), call::associate(hot("bob").account_id())),
        (
            cold("charlie"),
            call::register(1, hot("charlie").account_id(), tao(1)),
        ),
        (
            cold("dave"),
            call::register(1, hot("dave").account_id(), tao(1)),
        ),
    ]);
    let out = c.block(&txs);
    assert!(out.receipts.iter().all(|r| r.success()), "{out:?}");
    assert_eq!(c.state.uid_of(1, &hot("charlie").account_id()), Some(1));
    assert_eq!(c.state.uid_of(1, &hot("dave").account_id()), Some(2));
    c
}

fn network() -> Chain {
    network_with(&ChainSpec::dev(&[]))
}

/// Eve opens a channel to bob's gateway; returns its id.
fn opened(c: &mut Chain, deposit: Rao, blocks: u64) -> Hash {
    let eve = cold("eve");
    let id = channel_id(&eve.account_id(), c.state.nonce(&eve.account_id()));
    let expiry = c.height() + 1 + blocks;
    c.ok(eve, open(hot("bob").account_id(), deposit, expiry));
    id
}

#[test]
fn a_channel_opens_is_claimed_with_the_miners_share_and_is_reclaimed_after_expiry() {
    let mut c = network();
    let (eve, bob, charlie, dave) = (cold("eve"), cold("bob"), cold("charlie"), cold("dave"));
    let issuance = c.state.globals.total_issuance;
    let eve_free = c.free(eve);

    // Open: the deposit leaves eve's free balance and is held by the channel.
    let nonce = c.state.nonce(&eve.account_id());
    let expiry = c.height() + 31;
    let r = c.ok(eve, open(hot("bob").account_id(), tao(10), expiry));
    let id = channel_id(&eve.account_id(), nonce);
    let ch = c.state.channel(&id).unwrap().clone();
    assert_eq!(ch.opener, eve.account_id());
    assert_eq!(ch.gateway, hot("bob").account_id());
    assert_eq!(
        (ch.deposit, ch.claimed, ch.expiry),
        (tao(10), Rao::ZERO, expiry)
    );
    assert_eq!(ch.opened_at, c.height());
    assert_eq!(c.free(eve), sub(sub(eve_free, tao(10)), r.fee));
    assert_eq!(c.state.globals.total_channels, tao(10));
    assert_eq!(
        c.state.globals.total_issuance, issuance,
        "nothing minted by opening"
    );
    assert_eq!(c.state.channels_of(&eve.account_id()).len(), 1);
    assert_eq!(c.state.channels_of(&hot("bob").account_id()).len(), 1);
    assert_eq!(
        c.state.channels_of(&bob.account_id()).len(),
        1,
        "the gateway's owner"
    );
    assert!(c.state.channels_of(&charlie.account_id()).is_empty());

    // First claim: 3 TAO for charlie (3 units) and dave (1 unit), half to the miners.
    let (bob_free, charlie_free, dave_free) = (c.free(bob), c.free(charlie), c.free(dave));
    let v1 = pay(&c.domain, eve, id, Rao(3_000_000_001));
    let r = c.ok(bob, claim(id, v1, 1, &[(1, 3), (2, 1)]));
    let (to_gateway, to_miners) = split_payment(
        Rao(3_000_000_001),
        500_000_000,
        &[
            MinerShare { uid: 1, units: 3 },
            MinerShare { uid: 2, units: 1 },
        ],
    );
    assert_eq!(to_gateway, Rao(1_500_000_001));
    assert_eq!(to_miners, vec![Rao(1_125_000_000), Rao(375_000_000)]);
    assert_eq!(c.free(bob), sub(add(bob_free, to_gateway), r.fee));
    assert_eq!(c.free(charlie), add(charlie_free, to_miners[0]));
    assert_eq!(c.free(dave), add(dave_free, to_miners[1]));
    let ch = c.state.channel(&id).unwrap().clone();
    assert_eq!(ch.claimed, Rao(3_000_000_001));
    assert_eq!(ch.paid_to_miners, Rao(1_500_000_000));
    assert_eq!(c.state.globals.total_channels, Rao(6_999_999_999));
    let mut bob_fees = r.fee;

    // Second claim pays only the increase, here with one miner.
    let charlie_free = c.free(charlie);
    let bob_free = c.free(bob);
    let v2 = pay(&c.domain, eve, id, tao(4));
    let r = c.ok(bob, claim(id, v2, 1, &[(1, 7)]));
    bob_fees = add(bob_fees, r.fee);
    assert_eq!(c.free(charlie), add(charlie_free, Rao(499_999_999)));
    assert_eq!(c.free(bob), sub(add(bob_free, Rao(500_000_000)), r.fee));
    assert_eq!(c.state.channel(&id).unwrap().claimed, tao(4));
    assert_eq!(c.state.globals.total_channels, tao(6));

    // Reclaim: refused before the expiry, accepted at it; the rest returns to eve.
    let e = c.fail(eve, reclaim(id));
    assert_eq!(
        Err(e),
        err::<()>(ChannelError::NotYetExpired {
            channel: id,
            expiry,
            height: c.height(),
        })
    );
    c.advance_to(expiry - 1);
    let before = c.free(eve);
    let r = c.ok(eve, reclaim(id));
    assert_eq!(c.height(), expiry);
    assert_eq!(c.free(eve), sub(add(before, tao(6)), r.fee));
    assert!(c.state.channel(&id).is_none());
    assert_eq!(c.state.globals.total_channels, Rao::ZERO);

    // Exact accounting: of the 10 TAO, 4 were claimed (2 to the miners, 2 to bob) and 6
    // came back; issuance moved only by emission.
    assert_eq!(add(to_gateway, Rao(500_000_000)), Rao(2_000_000_001));
    assert_eq!(
        add(add(to_miners[0], to_miners[1]), Rao(499_999_999)),
        Rao(1_999_999_999)
    );
    assert!(bob_fees > Rao::ZERO);
    // A voucher for the closed channel is refused.
    let v3 = pay(&c.domain, eve, id, tao(5));
    assert_eq!(
        Err(c.fail(bob, claim(id, v3, 1, &[]))),
        err::<()>(ChannelError::UnknownChannel(id))
    );
    assert_eq!(
        Err(c.fail(eve, reclaim(id))),
        err::<()>(ChannelError::UnknownChannel(id))
    );
}

#[test]
fn opening_is_refused_for_bad_deposits_gateways_and_expiries() {
    let mut c = network();
    let eve = cold("eve");
    let gateway = hot("bob").account_id();
    let h = c.height() + 1; // the block the call lands in
    let max = c.state.params().max_channel_duration;
    assert_eq!(
        Err(c.fail(eve, open(gateway, Rao::ZERO, h + 5))),
        err::<()>(ChannelError::ZeroDeposit)
    );
    let ed = c.state.params().existential_deposit;
    assert_eq!(
        Err(c.fail(eve, open(gateway, Rao(ed.0 - 1), h + 6))),
        err::<()>(ChannelError::DepositBelowMinimum {
            deposit: Rao(ed.0 - 1),
            minimum: ed,
        })
    );
    let nobody = Keypair::from_seed(&[42; 32]).account_id();
    assert_eq!(
        Err(c.fail(eve, open(nobody, tao(1), h + 7))),
        err::<()>(ChannelError::UnknownGateway(nobody))
    );
    let h = c.height() + 1;
    assert_eq!(
        Err(c.fail(eve, open(gateway, tao(1), h))),
        err::<()>(ChannelError::ExpiryInPast {
            expiry: h,
            height: h
        })
    );
    let h = c.height() + 1;
    assert_eq!(
        Err(c.fail(eve, open(gateway, tao(1), h + max + 1))),
        err::<()>(ChannelError::ExpiryTooFar {
            expiry: h + max + 1,
            max_duration: max,
            latest: h + max,
        })
    );
    let free = c.free(eve);
    let h = c.height() + 1;
    let e = c.fail(eve, open(gateway, add(free, Rao(1)), h + 3));
    assert!(
        matches!(
            e,
            DispatchError::Channels(ChannelError::InsufficientBalance { .. })
        ),
        "{e:?}"
    );
    // The longest allowed expiry, and a gateway that is only registered (alice's hotkey,
    // the subnet owner) are accepted.
    let h = c.height() + 1;
    c.ok(eve, open(gateway, tao(1), h + max));
    c.ok(eve, open(hot("alice").account_id(), tao(1), c.height() + 2));
    assert_eq!(c.state.channels.len(), 2);
    assert!(
        c.state
            .channels
            .iter()
            .all(|(_, ch)| ch.claimed == Rao::ZERO)
    );
}

#[test]
fn top_ups_add_deposit_and_move_the_expiry_later_only() {
    let mut c = network();
    let eve = cold("eve");
    let id = opened(&mut c, tao(2), 20);
    let expiry = c.state.channel(&id).unwrap().expiry;
    let free = c.free(eve);
    let r = c.ok(eve, top_up(id, tao(3), expiry + 5));
    assert_eq!(c.free(eve), sub(sub(free, tao(3)), r.fee));
    let ch = c.state.channel(&id).unwrap().clone();
    assert_eq!((ch.deposit, ch.expiry), (tao(5), expiry + 5));
    assert_eq!(c.state.globals.total_channels, tao(5));
    // Only the expiry.
    c.ok(eve, top_up(id, Rao::ZERO, expiry + 6));
    assert_eq!(c.state.channel(&id).unwrap().expiry, expiry + 6);
    assert_eq!(
        Err(c.fail(eve, top_up(id, Rao::ZERO, expiry + 6))),
        err::<()>(ChannelError::NothingToChange)
    );
    assert_eq!(
        Err(c.fail(eve, top_up(id, tao(1), expiry))),
        err::<()>(ChannelError::ExpiryShortened {
            current: expiry + 6,
            requested: expiry,
        })
    );
    assert_eq!(
        Err(c.fail(cold("ferdie"), top_up(id, tao(1), expiry + 6))),
        err::<()>(ChannelError::NotOpener(id))
    );
    let max = c.state.params().max_channel_duration;
    let h = c.height() + 1;
    assert!(matches!(
        c.fail(eve, top_up(id, Rao::ZERO, h + max + 1)),
        DispatchError::Channels(ChannelError::ExpiryTooFar { .. })
    ));
    let unknown = Hash([7; 32]);
    assert_eq!(
        Err(c.fail(eve, top_up(unknown, tao(1), expiry))),
        err::<()>(ChannelError::UnknownChannel(unknown))
    );
    c.advance_to(expiry + 6 - 1);
    assert_eq!(
        Err(c.fail(eve, top_up(id, tao(1), expiry + 9))),
        err::<()>(ChannelError::ChannelExpired {
            channel: id,
            expiry: expiry + 6,
            height: expiry + 6,
        })
    );
    assert_eq!(c.state.channel(&id).unwrap().deposit, tao(5));
}

#[test]
fn claims_are_refused_for_every_broken_rule() {
    let mut c = network();
    let (eve, bob) = (cold("eve"), cold("bob"));
    let id = opened(&mut c, tao(5), 40);
    let other = opened(&mut c, tao(5), 40);
    let domain = c.domain.clone();

    // Unknown channel.
    let unknown = Hash([9; 32]);
    let v = pay(&domain, eve, unknown, tao(1));
    assert_eq!(
        Err(c.fail(bob, claim(unknown, v, 1, &[]))),
        err::<()>(ChannelError::UnknownChannel(unknown))
    );
    // A voucher of one channel claimed on another of the same opener and gateway.
    let v = pay(&domain, eve, other, tao(1));
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[]))),
        err::<()>(ChannelError::VoucherForAnotherChannel {
            voucher: other,
            channel: id
        })
    );
    // A voucher edited to name another channel no longer verifies.
    let mut moved = pay(&domain, eve, other, tao(1));
    moved.voucher.channel = id;
    assert_eq!(
        Err(c.fail(bob, claim(id, moved, 1, &[]))),
        err::<()>(ChannelError::BadVoucherSignature)
    );
    // Claimed by someone other than the gateway's owner (eve herself, or charlie).
    let v = pay(&domain, eve, id, tao(1));
    for who in ["eve", "charlie"] {
        assert_eq!(
            Err(c.fail(cold(who), claim(id, v, 1, &[]))),
            err::<()>(ChannelError::NotGatewayOwner {
                channel: id,
                gateway: hot("bob").account_id()
            })
        );
    }
    // Signed by someone else; signed for another chain; an edited amount.
    let forged = pay(&domain, cold("ferdie"), id, tao(1));
    assert_eq!(
        Err(c.fail(bob, claim(id, forged, 1, &[]))),
        err::<()>(ChannelError::BadVoucherSignature)
    );
    let elsewhere = ChainDomain {
        chain_id: "another-chain".into(),
        ..domain.chain.clone()
    };
    let wrong_chain = pay(&elsewhere, eve, id, tao(1));
    assert_eq!(
        Err(c.fail(bob, claim(id, wrong_chain, 1, &[]))),
        err::<()>(ChannelError::BadVoucherSignature)
    );
    let mut inflated = pay(&domain, eve, id, tao(1));
    inflated.voucher.amount = tao(2);
    assert_eq!(
        Err(c.fail(bob, claim(id, inflated, 1, &[]))),
        err::<()>(ChannelError::BadVoucherSignature)
    );
    // Overspend.
    let v = pay(&domain, eve, id, Rao(tao(5).0 + 1));
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[]))),
        err::<()>(ChannelError::Overspend {
            amount: Rao(tao(5).0 + 1),
            deposit: tao(5)
        })
    );
    // Bad miner lists.
    let v = pay(&domain, eve, id, tao(2));
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 9, &[(0, 1)]))),
        err::<()>(ChannelError::SubnetNotFound(9))
    );
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[(1, 1), (7, 1)]))),
        err::<()>(ChannelError::UnknownMiner { netuid: 1, uid: 7 })
    );
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[(1, 1), (1, 2)]))),
        err::<()>(ChannelError::DuplicateMiner(1))
    );
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[(2, 0)]))),
        err::<()>(ChannelError::ZeroUnits(2))
    );
    assert_eq!(
        c.state.channel(&id).unwrap().claimed,
        Rao::ZERO,
        "nothing paid yet"
    );
    // A valid claim, then the same and a lower voucher are refused.
    c.ok(bob, claim(id, v, 1, &[(1, 1)]));
    assert_eq!(
        Err(c.fail(bob, claim(id, v, 1, &[(1, 1)]))),
        err::<()>(ChannelError::VoucherNotIncreasing {
            amount: tao(2),
            claimed: tao(2)
        })
    );
    let lower = pay(&domain, eve, id, tao(1));
    assert_eq!(
        Err(c.fail(bob, claim(id, lower, 1, &[]))),
        err::<()>(ChannelError::VoucherNotIncreasing {
            amount: tao(1),
            claimed: tao(2)
        })
    );
    // At the expiry block claims stop (a voucher in the last block before it still counts).
    let expiry = c.state.channel(&id).unwrap().expiry;
    c.advance_to(expiry - 2);
    let last = pay(&domain, eve, id, tao(3));
    c.ok(bob, claim(id, last, 1, &[]));
    assert_eq!(c.height(), expiry - 1);
    let late = pay(&domain, eve, id, tao(4));
    assert_eq!(
        Err(c.fail(bob, claim(id, late, 1, &[]))),
        err::<()>(ChannelError::ChannelExpired {
            channel: id,
            expiry,
            height: expiry
        })
    );
    assert_eq!(c.state.channel(&id).unwrap().claimed, tao(3));
}

#[test]
fn only_the_opener_reclaims_and_only_after_expiry() {
    let mut c = network();
    let (eve, bob) = (cold("eve"), cold("bob"));
    let id = opened(&mut c, tao(3), 5);
    let expiry = c.state.channel(&id).unwrap().expiry;
    c.advance_to(expiry - 2);
    let h = c.height() + 1;
    assert_eq!(
        Err(c.fail(eve, reclaim(id))),
        err::<()>(ChannelError::NotYetExpired {
            channel: id,
            expiry,
            height: h
        })
    );
    assert_eq!(c.height(), expiry - 1);
    for who in [bob, cold("ferdie")] {
        assert_eq!(
            Err(c.fail(who, reclaim(id))),
            err::<()>(ChannelError::NotOpener(id))
        );
    }
    let free = c.free(eve);
    let r = c.ok(eve, reclaim(id));
    assert_eq!(c.free(eve), sub(add(free, tao(3)), r.fee));
    assert!(c.state.channels.is_empty());
}

#[test]
fn the_miners_share_is_a_governance_parameter() {
    // Alice (a genesis validator with stake) proposes a 20% share and passes it alone.
    let mut c = network_with(&ChainSpec::dev(&[[1; 32]]));
    let id = c.state.globals.next_proposal_id;
    c.ok(
        cold("alice"),
        Call::Governance(GovernanceCall::Propose {
            action: ProposalAction::SetParams(vec![ParamUpdate::QueryMinerSharePpb(200_000_000)]),
            description: "pay miners a fifth".into(),
        }),
    );
    c.ok(
        cold("alice"),
        Call::Governance(GovernanceCall::Vote {
            proposal: id,
            vote: VoteKind::Aye,
        }),
    );
    let at = c.state.proposals.get(&id).unwrap().execute_at;
    c.advance_to(at);
    assert_eq!(
        c.state.proposals.get(&id).unwrap().status,
        ProposalStatus::Executed
    );
    assert_eq!(c.state.params().query_miner_share_ppb, 200_000_000);

    let ch = opened(&mut c, tao(10), 30);
    let dave_free = c.free(cold("dave"));
    let v = pay(&c.domain, cold("eve"), ch, tao(5));
    c.ok(cold("bob"), claim(ch, v, 1, &[(2, 1)]));
    assert_eq!(c.free(cold("dave")), add(dave_free, tao(1)));
    assert_eq!(c.state.channel(&ch).unwrap().paid_to_miners, tao(1));
}

#[test]
fn channel_records_survive_a_rebuild_from_records() {
    let mut c = network();
    let id = opened(&mut c, tao(4), 30);
    let v = pay(&c.domain, cold("eve"), id, tao(1));
    c.ok(cold("bob"), claim(id, v, 1, &[(1, 1)]));
    let records = c.state.all_records();
    let rebuilt = State::from_records(
        records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())),
        c.state.head,
    )
    .unwrap();
    crate::support::assert_same_state(&rebuilt, &c.state);
    assert_eq!(rebuilt.channel(&id), c.state.channel(&id));
    assert_eq!(rebuilt.globals.total_channels, tao(3));
    invariants::check(&rebuilt).unwrap();
}

#[test]
fn channel_calls_round_trip_through_the_codec() {
    use commonware_codec::{Copying, Decode, DecodeExt, Encode, Error};
    let v = SignedVoucher {
        voucher: Voucher {
            channel: Hash([3; 32]),
            amount: Rao(77),
        },
        signature: [5; 64],
    };
    let calls = [
        open(AccountId([1; 32]), tao(2), 99),
        top_up(Hash([2; 32]), Rao(0), 100),
        claim(Hash([3; 32]), v, 1, &[(0, 5), (3, 9)]),
        claim(Hash([3; 32]), v, 1, &[]),
        reclaim(Hash([4; 32])),
    ];
    for call in calls {
        let bytes = call.encode();
        assert_eq!(
            bytes.len(),
            commonware_codec::EncodeSize::encode_size(&call)
        );
        assert_eq!(Call::decode(bytes).unwrap(), call);
    }
    // More than 256 miners do not decode; unknown channel calls neither.
    let many: Vec<(u16, u64)> = (0..257).map(|u| (u, 1)).collect();
    let bytes = claim(Hash([3; 32]), v, 1, &many).encode();
    assert!(matches!(
        Call::decode_cfg(Copying(&bytes), &()),
        Err(Error::InvalidLength(257))
    ));
    assert!(matches!(
        Call::decode(Copying(&[7, 4])),
        Err(Error::InvalidEnum(4))
    ));
    assert!(matches!(
        Call::decode(Copying(&[10, 0])),
        Err(Error::InvalidEnum(10))
    ));
}

#[derive(Clone, Debug)]
enum Op {
    Open {
        who: usize,
        rao: u64,
        blocks: u64,
    },
    TopUp {
        who: usize,
        channel: usize,
        rao: u64,
        blocks: u64,
    },
    Pay {
        channel: usize,
        rao: u64,
    },
    Claim {
        channel: usize,
        miners: Vec<(u16, u64)>,
        by_gateway: bool,
    },
    Reclaim {
        who: usize,
        channel: usize,
    },
}

const OPENERS: [&str; 3] = ["eve", "ferdie", "grace"];

/// The `i`-th channel opened so far, cycling (so most indices hit a channel).
fn pick(channels: &[(Hash, usize)], i: usize) -> Option<(Hash, usize)> {
    (!channels.is_empty()).then(|| channels[i % channels.len()])
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, 1..5_000_000_000u64, 1..25u64)
            .prop_map(|(who, rao, blocks)| Op::Open { who, rao, blocks }),
        2 => (0..3usize, 0..6usize, 0..1_000_000_000u64, 0..10u64)
            .prop_map(|(who, channel, rao, blocks)| Op::TopUp { who, channel, rao, blocks }),
        4 => (0..6usize, 1..500_000_000u64).prop_map(|(channel, rao)| Op::Pay { channel, rao }),
        4 => (0..6usize, prop::collection::vec((0..3u16, 0..5u64), 0..4), prop::bool::weighted(0.8))
            .prop_map(|(channel, miners, by_gateway)| Op::Claim { channel, miners, by_gateway }),
        2 => (0..3usize, 0..6usize).prop_map(|(who, channel)| Op::Reclaim { who, channel }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Any sequence of opens, top-ups, claims (valid or not) and reclaims conserves issuance
    /// (every invariant holds after every block, with the channels' total in it), never
    /// pays out of a channel more than was deposited in it, and pays each channel's opener,
    /// gateway and miners exactly what the channel lost.
    #[test]
    fn channels_conserve_issuance_and_never_overpay(
        steps in prop::collection::vec((prop::collection::vec(op(), 1..6), 0..6u64), 4..14)
    ) {
        let mut c = network();
        let start = c.state.globals.total_issuance;
        let start_burned = c.state.globals.total_burned;
        let mut channels: Vec<(Hash, usize)> = Vec::new(); // id, opener index
        let mut paid: std::collections::BTreeMap<Hash, Rao> = Default::default(); // highest voucher
        let mut deposited: std::collections::BTreeMap<Hash, Rao> = Default::default();
        let mut minted_total = Rao::ZERO;
        let mut reclaimed_total = Rao::ZERO;
        let mut claimed_total = Rao::ZERO;
        for (ops, idle) in &steps {
            let mut calls: Vec<(&'static Keypair, Call)> = Vec::new();
            let mut nonces: std::collections::BTreeMap<AccountId, u64> = Default::default();
            for o in ops {
                let call = match o {
                    Op::Open { who, rao, blocks } => {
                        let k = cold(OPENERS[*who]);
                        let n = nonces
                            .entry(k.account_id())
                            .or_insert_with(|| c.state.nonce(&k.account_id()));
                        let id = channel_id(&k.account_id(), *n);
                        *n += 1;
                        channels.push((id, *who));
                        (k, open(hot("bob").account_id(), Rao(*rao), c.height() + 1 + blocks))
                    }
                    Op::TopUp { who, channel, rao, blocks } => {
                        let Some((id, opener)) = pick(&channels, *channel) else { continue };
                        let expiry = c.state.channel(&id).map_or(0, |ch| ch.expiry);
                        // Mostly the opener; sometimes another coldkey (refused).
                        let k = cold(OPENERS[if *who == 0 { (opener + 1) % 3 } else { opener }]);
                        *nonces.entry(k.account_id()).or_insert_with(|| c.state.nonce(&k.account_id())) += 1;
                        (k, top_up(id, Rao(*rao), expiry + blocks))
                    }
                    Op::Pay { channel, rao } => {
                        if let Some((id, _)) = pick(&channels, *channel) {
                            let e = paid.entry(id).or_insert(Rao::ZERO);
                            *e = add(*e, Rao(*rao));
                        }
                        continue;
                    }
                    Op::Claim { channel, miners, by_gateway } => {
                        let Some((id, opener)) = pick(&channels, *channel) else { continue };
                        let amount = paid.get(&id).copied().unwrap_or(Rao(1));
                        let v = pay(&c.domain, cold(OPENERS[opener]), id, amount);
                        let k = if *by_gateway { cold("bob") } else { cold("charlie") };
                        *nonces.entry(k.account_id()).or_insert_with(|| c.state.nonce(&k.account_id())) += 1;
                        (k, claim(id, v, 1, miners))
                    }
                    Op::Reclaim { who, channel } => {
                        let Some((id, opener)) = pick(&channels, *channel) else { continue };
                        let k = cold(OPENERS[if *who == 0 { (opener + 1) % 3 } else { opener }]);
                        *nonces.entry(k.account_id()).or_insert_with(|| c.state.nonce(&k.account_id())) += 1;
                        (k, reclaim(id))
                    }
                };
                calls.push(call);
            }
            let before = c.state.clone();
            let txs = c.txs(&calls.iter().map(|(k, call)| (*k, call.clone())).collect::<Vec<_>>());
            let (out, _) = c.try_block(&txs);
            minted_total = add(minted_total, crate::support::minted([&out]));
            // Follow each channel across the block.
            for (id, _) in &channels {
                let old = before.channel(id);
                let new = c.state.channel(id);
                match (old, new) {
                    (None, Some(ch)) => {
                        // Opened (and perhaps already claimed from) in this block.
                        deposited.insert(*id, ch.deposit);
                        claimed_total = add(claimed_total, ch.claimed);
                    }
                    (Some(o), Some(n)) => {
                        prop_assert!(n.claimed >= o.claimed && n.deposit >= o.deposit);
                        claimed_total = add(claimed_total, sub(n.claimed, o.claimed));
                        deposited.insert(*id, n.deposit);
                    }
                    (Some(o), None) => {
                        reclaimed_total = add(reclaimed_total, o.remaining());
                        prop_assert!(c.height() >= o.expiry);
                    }
                    (None, None) => {}
                }
                if let Some(ch) = c.state.channel(id) {
                    prop_assert!(ch.claimed <= ch.deposit, "paid out at most the deposit");
                    prop_assert!(ch.paid_to_miners <= ch.claimed);
                }
            }
            let outs = c.advance(*idle);
            minted_total = add(minted_total, crate::support::minted(&outs));
            invariants::check(&c.state).map_err(TestCaseError::fail)?;
            let g = &c.state.globals;
            // Channels mint and burn nothing: issuance moves only by emission.
            prop_assert_eq!(g.total_burned, start_burned);
            prop_assert_eq!(
                u128::from(g.total_issuance.0),
                u128::from(start.0) + u128::from(minted_total.0)
            );
            let open_total: u64 = c.state.channels.iter().map(|(_, ch)| ch.remaining().0).sum();
            prop_assert_eq!(Rao(open_total), g.total_channels);
        }
        // Whatever went into channels came out as claims, reclaims, or is still held.
        let total_deposited: u128 = deposited.values().map(|r| u128::from(r.0)).sum();
        prop_assert_eq!(
            total_deposited,
            u128::from(claimed_total.0) + u128::from(reclaimed_total.0) + u128::from(c.state.globals.total_channels.0)
        );
    }
}
