//! Encodings of a transaction and a block, pinned by checked-in hex fixtures
//! (`tests/fixtures/*.hex`; regenerate deliberately with `UPDATE_FIXTURES=1`), and bounded,
//! strict decoding: trailing bytes, truncation, oversized vectors and unknown tags fail.

use commonware_codec::{Copying, Decode, DecodeExt, Encode, EncodeSize, Error};
use taonet_types::tx::{BalancesCall, CommitmentCall, MAX_COMMITMENT_BYTES, WeightsCall};
use taonet_types::{
    AccountId, Block, BlockLimits, Call, Hash, HyperparamUpdate, ParentVote, ParentVoteKind,
    ParentVotes, Rao, Seat, SeatSet, SignedTransaction, Transaction,
};

fn fixture(name: &str, actual: &[u8]) {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let hex = hex::encode(actual);
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, format!("{hex}\n")).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).expect("fixture exists");
    assert_eq!(hex, pinned.trim(), "the encoding of {name} changed");
}

fn transaction() -> SignedTransaction {
    SignedTransaction {
        tx: Transaction {
            signer: AccountId([1; 32]),
            nonce: 7,
            fee_limit: Rao(1_000_000),
            tip: Rao::ZERO,
            call: Call::Weights(WeightsCall::SetWeights {
                netuid: 3,
                uids: vec![0, 5],
                weights: vec![100, 65_535],
                version_key: 2,
            }),
        },
        signature: [0xAB; 64],
    }
}

fn block() -> Block {
    let transfer = SignedTransaction {
        tx: Transaction {
            signer: AccountId([8; 32]),
            nonce: 0,
            fee_limit: Rao(5),
            tip: Rao::ZERO,
            call: Call::Balances(BalancesCall::Transfer {
                dest: AccountId([9; 32]),
                amount: Rao(1_000_000_000),
            }),
        },
        signature: [0xCD; 64],
    };
    Block {
        parent: Hash([2; 32]),
        height: 9,
        timestamp_ms: 1_234,
        proposer: AccountId([3; 32]),
        transactions: vec![transaction(), transfer],
        state_root: Hash([4; 32]),
        seats: Some(SeatSet {
            epoch: 2,
            seats: vec![Seat {
                hotkey: AccountId([5; 32]),
                consensus_key: [6; 32],
                stake: Rao(7),
            }],
        }),
        parent_votes: None,
        version: 1,
    }
}

fn voted_block() -> Block {
    Block {
        parent_votes: Some(ParentVotes {
            view: 12,
            parent_view: 11,
            votes: vec![
                ParentVote {
                    seat: 0,
                    kind: ParentVoteKind::Notarize,
                    signature: [0x11; 64],
                },
                ParentVote {
                    seat: 3,
                    kind: ParentVoteKind::Finalize,
                    signature: [0x22; 64],
                },
            ],
        }),
        ..block()
    }
}

fn decode_block(bytes: &[u8]) -> Result<Block, Error> {
    Block::decode_cfg(Copying(bytes), &BlockLimits::default())
}

fn decode_tx(bytes: &[u8]) -> Result<SignedTransaction, Error> {
    SignedTransaction::decode(Copying(bytes))
}

#[test]
fn transaction_encoding_is_pinned() {
    let tx = transaction();
    let bytes = tx.encode();
    fixture("transaction.hex", &bytes);
    fixture("transaction_hash.hex", &tx.hash().0);
    assert_eq!(decode_tx(&bytes).unwrap(), tx);
}

#[test]
fn block_encoding_is_pinned() {
    let b = block();
    let bytes = b.encode();
    fixture("block.hex", &bytes);
    fixture("block_hash.hex", &b.hash().0);
    assert_eq!(decode_block(&bytes).unwrap(), b);
}

/// A channel claim: the voucher's signing payload and the claim transaction are pinned, so a
/// change to either (which would invalidate every voucher users hold) is deliberate.
#[test]
fn voucher_and_claim_encodings_are_pinned() {
    use taonet_types::channel::{MinerShare, SignedVoucher, Voucher};
    use taonet_types::tx::ChannelCall;
    let voucher = SignedVoucher {
        voucher: Voucher {
            channel: Hash([0x11; 32]),
            amount: Rao(123_456_789),
        },
        signature: [0x22; 64],
    };
    let domain = taonet_types::ChainDomain {
        chain_id: "taonet-dev".into(),
        genesis_hash: Hash([0x33; 32]),
    };
    fixture(
        "voucher_payload.hex",
        &voucher.voucher.signing_payload(&domain),
    );
    let tx = SignedTransaction {
        tx: Transaction {
            signer: AccountId([0x44; 32]),
            nonce: 3,
            fee_limit: Rao(9),
            tip: Rao::ZERO,
            call: Call::Channels(ChannelCall::Claim {
                channel: Hash([0x11; 32]),
                voucher,
                netuid: 1,
                miners: vec![
                    MinerShare { uid: 2, units: 30 },
                    MinerShare { uid: 5, units: 1 },
                ],
            }),
        },
        signature: [0x55; 64],
    };
    let bytes = tx.encode();
    fixture("claim_transaction.hex", &bytes);
    assert_eq!(decode_tx(&bytes).unwrap(), tx);
    for len in 0..bytes.len() {
        assert!(decode_tx(&bytes[..len]).is_err(), "prefix of {len}");
    }
}

#[test]
fn parent_votes_are_encoded_and_hashed() {
    let b = voted_block();
    let bytes = b.encode();
    fixture("voted_block.hex", &bytes);
    assert_eq!(decode_block(&bytes).unwrap(), b);
    // The votes are covered by the hash; a block without them keeps its old hash.
    assert_ne!(b.hash(), block().hash());
    let mut other = b.clone();
    other.parent_votes.as_mut().unwrap().votes[1].signature[0] ^= 1;
    assert_ne!(other.hash(), b.hash());
    for len in 0..bytes.len() {
        assert!(decode_block(&bytes[..len]).is_err(), "prefix of {len}");
    }
    // An unknown vote kind and more votes than seats are refused.
    let mut bad_kind = bytes.to_vec();
    let kind_at = bytes.len() - 4 - 64 - 1;
    assert_eq!(bad_kind[kind_at], 1);
    bad_kind[kind_at] = 2;
    assert!(matches!(
        decode_block(&bad_kind),
        Err(Error::InvalidEnum(2))
    ));
    let mut many = b.clone();
    let one = many.parent_votes.as_ref().unwrap().votes[0].clone();
    many.parent_votes.as_mut().unwrap().votes = vec![one; taonet_types::block::MAX_SEATS + 1];
    assert!(decode_block(&many.encode()).is_err());
    // JSON: absent when there are none, round-trips when present.
    let json = serde_json::to_value(block()).unwrap();
    assert!(json.get("parent_votes").is_none());
    let back: Block = serde_json::from_value(serde_json::to_value(&b).unwrap()).unwrap();
    assert_eq!(back, b);
}

/// The protocol version is the encoding's last field; version-1 blocks keep the hash they had
/// before versions existed, and any other version is covered by the hash.
#[test]
fn the_protocol_version_is_encoded_and_hashed() {
    let b = block();
    let bytes = b.encode();
    assert_eq!(bytes[bytes.len() - 4..], [0, 0, 0, 1]);
    let mut header = b.header_bytes();
    let v2 = Block {
        version: 2,
        ..b.clone()
    };
    assert_ne!(v2.hash(), b.hash());
    assert_eq!(decode_block(&v2.encode()).unwrap(), v2);
    // Version 2's header is version 1's plus the marker and the version.
    header.extend_from_slice(&[0xff, 0, 0, 0, 2]);
    assert_eq!(v2.header_bytes(), header);
    // JSON without a version (from before versions) reads as version 1.
    let mut json = serde_json::to_value(&b).unwrap();
    json.as_object_mut().unwrap().remove("version");
    assert_eq!(serde_json::from_value::<Block>(json).unwrap().version, 1);
}

#[test]
fn decoding_rejects_trailing_bytes_and_truncation() {
    let tx = transaction().encode().to_vec();
    let mut long = tx.clone();
    long.push(0);
    assert!(matches!(decode_tx(&long[..]), Err(Error::ExtraData(1))));
    for len in 0..tx.len() {
        assert!(decode_tx(&tx[..len]).is_err(), "prefix of {len}");
    }
    let b = block().encode().to_vec();
    let mut long = b.clone();
    long.extend_from_slice(&[1, 2]);
    assert!(matches!(decode_block(&long), Err(Error::ExtraData(2))));
    for len in 0..b.len() {
        assert!(decode_block(&b[..len]).is_err(), "prefix of {len}");
    }
}

#[test]
fn decoding_bounds_vectors() {
    // 4097 weights: one more than MAX_WEIGHTS.
    let mut t = transaction();
    t.tx.call = Call::Weights(WeightsCall::SetWeights {
        netuid: 1,
        uids: (0..4097).collect(),
        weights: vec![1; 4097],
        version_key: 0,
    });
    assert!(matches!(
        decode_tx(&t.encode()),
        Err(Error::InvalidLength(4097))
    ));
    t.tx.call = Call::Weights(WeightsCall::SetWeights {
        netuid: 1,
        uids: (0..4096).collect(),
        weights: vec![1; 4096],
        version_key: 0,
    });
    assert!(decode_tx(&t.encode()).is_ok());
    // A salt of 65 words.
    t.tx.call = Call::Weights(WeightsCall::RevealWeights {
        netuid: 1,
        uids: vec![],
        weights: vec![],
        salt: vec![0; 65],
        version_key: 0,
    });
    assert!(matches!(
        decode_tx(&t.encode()),
        Err(Error::InvalidLength(65))
    ));
    // A text field of 257 bytes.
    t.tx.call = crate::support::call::set_identity(1, &"n".repeat(257), "", "");
    assert!(matches!(
        decode_tx(&t.encode()),
        Err(Error::InvalidLength(257))
    ));
    // Commitment data of 1025 bytes (1024 decode).
    t.tx.call = Call::Commitments(CommitmentCall::Set {
        netuid: 1,
        data: vec![7; MAX_COMMITMENT_BYTES + 1],
    });
    assert!(matches!(
        decode_tx(&t.encode()),
        Err(Error::InvalidLength(1025))
    ));
    t.tx.call = Call::Commitments(CommitmentCall::Set {
        netuid: 1,
        data: vec![7; MAX_COMMITMENT_BYTES],
    });
    assert_eq!(decode_tx(&t.encode()).unwrap(), t);
    // More transactions than the block limit.
    let bytes = block().encode();
    assert!(matches!(
        Block::decode_cfg(
            bytes,
            &BlockLimits {
                max_transactions: 1
            }
        ),
        Err(Error::InvalidLength(2))
    ));
    // A vector length far beyond the input is refused before allocating.
    let mut huge = transaction().encode().to_vec();
    // signer 32 + nonce 8 + fee limit 8 + tip 8 + tags 2 + netuid 2, then the uids length.
    let at = 32 + 8 + 8 + 8 + 2 + 2;
    assert_eq!(huge[at], 2);
    huge.splice(at..=at, [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(decode_tx(&huge[..]).is_err());
}

#[test]
fn decoding_rejects_unknown_tags() {
    let tx = transaction().encode().to_vec();
    let tag = 32 + 8 + 8 + 8;
    assert_eq!(&tx[tag..tag + 2], &[4, 0]);
    let mut bad = tx.clone();
    // Module 9 is identity; 10 is the first unknown module.
    bad[tag] = 10;
    assert!(matches!(decode_tx(&bad[..]), Err(Error::InvalidEnum(10))));
    let mut bad = tx.clone();
    bad[tag + 1] = 3;
    assert!(matches!(decode_tx(&bad[..]), Err(Error::InvalidEnum(3))));
    assert!(matches!(
        HyperparamUpdate::decode(Copying(&[99u8, 0, 0])),
        Err(Error::InvalidEnum(99))
    ));
    // The seats option tag of a block must be 0 or 1.
    let mut b = block();
    b.seats = None;
    let mut bytes = b.encode().to_vec();
    // ‖ seats tag (0) ‖ parent votes tag (0) ‖ version (u32).
    let tag = bytes.len() - 6;
    assert_eq!(bytes[tag..], [0, 0, 0, 0, 0, 1]);
    bytes[tag] = 2;
    assert!(decode_block(&bytes).is_err());
    // A bool must be 0 or 1.
    let mut t = transaction();
    t.tx.call = crate::support::call::set_hyperparameter(1, HyperparamUpdate::Yuma3(true));
    let mut bytes = t.encode().to_vec();
    let at = 32 + 8 + 8 + 8 + 2 + 2 + 1;
    assert_eq!(bytes[at], 1);
    bytes[at] = 2;
    assert!(decode_tx(&bytes[..]).is_err());
}

/// Every call that carries a proof of possession encodes to exactly its declared size and
/// decodes back to itself (the proof in its place, after the keys).
#[test]
fn calls_with_proofs_round_trip() {
    use taonet_types::tx::{ConsensusCall, StakingCall};
    for call in [
        Call::Staking(StakingCall::AssociateHotkey {
            hotkey: AccountId([5; 32]),
            proof: [6; 64],
        }),
        Call::Consensus(ConsensusCall::RegisterConsensusKey {
            hotkey: AccountId([5; 32]),
            key: [7; 32],
            proof: [8; 64],
        }),
    ] {
        let mut t = transaction();
        t.tx.call = call;
        t.tx.tip = Rao(3);
        let bytes = t.encode();
        assert_eq!(bytes.len(), t.encode_size());
        assert_eq!(decode_tx(&bytes).unwrap(), t);
    }
}

/// The calls of stake moves, key swaps and axon reset encode to exactly their declared size,
/// at their pinned module and call index, and decode back to themselves; a truncated one is
/// refused.
#[test]
fn stake_move_swap_and_reset_calls_round_trip() {
    use taonet_types::tx::{NeuronCall, StakingCall};
    let (a, b) = (AccountId([5; 32]), AccountId([6; 32]));
    for (call, index) in [
        (
            Call::Staking(StakingCall::MoveStake {
                from_hotkey: a,
                to_hotkey: b,
                amount: Rao(7),
            }),
            [1, 5],
        ),
        (
            Call::Staking(StakingCall::TransferStake {
                hotkey: a,
                dest_coldkey: b,
                amount: Rao(8),
            }),
            [1, 6],
        ),
        (
            Call::Staking(StakingCall::SwapHotkey {
                old_hotkey: a,
                new_hotkey: b,
                proof: [9; 64],
            }),
            [1, 7],
        ),
        (
            Call::Staking(StakingCall::AnnounceColdkeySwap { new_coldkey: b }),
            [1, 8],
        ),
        (Call::Staking(StakingCall::DisputeColdkeySwap), [1, 9]),
        (
            Call::Staking(StakingCall::ExecuteColdkeySwap { old_coldkey: a }),
            [1, 10],
        ),
        (Call::Neurons(NeuronCall::ResetAxon { netuid: 3 }), [3, 3]),
    ] {
        let mut t = transaction();
        t.tx.call = call;
        let bytes = t.encode();
        assert_eq!(bytes.len(), t.encode_size(), "{}", t.tx.call.name());
        let tag = 32 + 8 + 8 + 8;
        assert_eq!(bytes[tag..tag + 2], index, "{}", t.tx.call.name());
        assert_eq!(decode_tx(&bytes).unwrap(), t);
        assert!(decode_tx(&bytes[..bytes.len() - 65]).is_err());
    }
    // Index 11 of staking is not a call.
    let mut t = transaction();
    t.tx.call = Call::Staking(StakingCall::DisputeColdkeySwap);
    let mut bytes = t.encode().to_vec();
    bytes[32 + 8 + 8 + 8 + 1] = 11;
    assert!(matches!(decode_tx(&bytes[..]), Err(Error::InvalidEnum(11))));
}
