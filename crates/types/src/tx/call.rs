//! [`Call`]: every call a transaction can make, grouped by runtime module, and its codec.
//!
//! # Rules
//! - A call is encoded as `module ‖ index ‖ fields`: one byte for the module (`balances` 0,
//!   `staking` 1, `subnets` 2, `neurons` 3, `weights` 4, `consensus` 5, `governance` 6,
//!   `channels` 7, `commitments` 8,
//!   `identity` 9), one for the call within it, then its fields in declaration order. These
//!   bytes are consensus-critical: they are what is signed, hashed and charged for.
//! - An unknown module byte (above 9) is rejected as `InvalidEnum(module)`, an unknown call
//!   index as `InvalidEnum(index)`; vectors and text are read with their bounds
//!   ([`MAX_WEIGHTS`], [`MAX_SALT`], [`MAX_TEXT`], [`MAX_DESCRIPTION`], [`MAX_CLAIM_MINERS`],
//!   [`MAX_COMMITMENT_BYTES`]).
//! - [`Call::encode_size`](EncodeSize::encode_size) is computed without encoding, so fees can
//!   be quoted before signing; it must match what [`Write`] emits.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use super::{
    AxonInfo, BalancesCall, ChannelCall, CommitmentCall, ConsensusCall, GovernanceCall,
    IdentityCall, MAX_COMMITMENT_BYTES, MAX_SALT, MAX_TEXT, MAX_WEIGHTS, NeuronCall, StakingCall,
    SubnetCall, WeightsCall,
};
use crate::channel::{MAX_CLAIM_MINERS, MinerShare, SignedVoucher};
use crate::codec::{read_str, read_vec, str_size, write_str};
use crate::evidence::Equivocation;
use crate::gov::{MAX_DESCRIPTION, ProposalAction, VoteKind};
use crate::params::HyperparamUpdate;
use crate::{AccountId, Hash, NetUid, Rao};

/// Every call, grouped by module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// `balances.*`: transfers of free TAO.
    Balances(BalancesCall),
    /// Staking and delegation.
    Staking(StakingCall),
    /// `subnets.*`: subnet creation, identity and hyperparameters.
    Subnets(SubnetCall),
    /// `neurons.*`: neuron registration and axon serving.
    Neurons(NeuronCall),
    /// `weights.*`: setting, committing and revealing weights (free calls).
    Weights(WeightsCall),
    /// Consensus seats.
    Consensus(ConsensusCall),
    /// `governance.*`: proposals, votes and cancellations.
    Governance(GovernanceCall),
    /// Payment channels.
    Channels(ChannelCall),
    /// `commitments.*`: data a registered hotkey publishes for its uid (a free call).
    Commitments(CommitmentCall),
    /// `identity.*`: the signing coldkey's name, URL and description (a paying call).
    Identity(IdentityCall),
}

impl Call {
    /// Free calls pay no fee and are signed by a registered hotkey.
    pub fn is_free(&self) -> bool {
        matches!(
            self,
            Call::Weights(_)
                | Call::Neurons(NeuronCall::ServeAxon { .. } | NeuronCall::ResetAxon { .. })
                | Call::Commitments(_)
        )
    }

    /// A short `module.call` name, for receipts and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Balances(BalancesCall::Transfer { .. }) => "balances.transfer",
            Call::Staking(c) => match c {
                StakingCall::AssociateHotkey { .. } => "staking.associate_hotkey",
                StakingCall::AddStake { .. } => "staking.add_stake",
                StakingCall::RemoveStake { .. } => "staking.remove_stake",
                StakingCall::IncreaseTake { .. } => "staking.increase_take",
                StakingCall::DecreaseTake { .. } => "staking.decrease_take",
                StakingCall::MoveStake { .. } => "staking.move_stake",
                StakingCall::TransferStake { .. } => "staking.transfer_stake",
                StakingCall::SwapHotkey { .. } => "staking.swap_hotkey",
                StakingCall::AnnounceColdkeySwap { .. } => "staking.announce_coldkey_swap",
                StakingCall::DisputeColdkeySwap => "staking.dispute_coldkey_swap",
                StakingCall::ExecuteColdkeySwap { .. } => "staking.execute_coldkey_swap",
            },
            Call::Subnets(c) => match c {
                SubnetCall::RegisterNetwork { .. } => "subnets.register_network",
                SubnetCall::SetIdentity { .. } => "subnets.set_identity",
                SubnetCall::SetHyperparameter { .. } => "subnets.set_hyperparameter",
            },
            Call::Neurons(c) => match c {
                NeuronCall::BurnedRegister { .. } => "neurons.burned_register",
                NeuronCall::RootRegister { .. } => "neurons.root_register",
                NeuronCall::ServeAxon { .. } => "neurons.serve_axon",
                NeuronCall::ResetAxon { .. } => "neurons.reset_axon",
            },
            Call::Weights(c) => match c {
                WeightsCall::SetWeights { .. } => "weights.set_weights",
                WeightsCall::CommitWeights { .. } => "weights.commit_weights",
                WeightsCall::RevealWeights { .. } => "weights.reveal_weights",
            },
            Call::Consensus(ConsensusCall::RegisterConsensusKey { .. }) => {
                "consensus.register_consensus_key"
            }
            Call::Consensus(ConsensusCall::Unjail { .. }) => "consensus.unjail",
            Call::Consensus(ConsensusCall::ReportEquivocation { .. }) => {
                "consensus.report_equivocation"
            }
            Call::Governance(c) => match c {
                GovernanceCall::Propose { .. } => "governance.propose",
                GovernanceCall::Vote { .. } => "governance.vote",
                GovernanceCall::Cancel { .. } => "governance.cancel",
            },
            Call::Channels(c) => match c {
                ChannelCall::Open { .. } => "channels.open",
                ChannelCall::TopUp { .. } => "channels.top_up",
                ChannelCall::Claim { .. } => "channels.claim",
                ChannelCall::Reclaim { .. } => "channels.reclaim",
            },
            Call::Commitments(CommitmentCall::Set { .. }) => "commitments.set",
            Call::Identity(IdentityCall::Set { .. }) => "identity.set",
            Call::Identity(IdentityCall::Clear) => "identity.clear",
        }
    }
}

impl Write for Call {
    fn write(&self, buf: &mut impl BufMut) {
        match self {
            Call::Balances(BalancesCall::Transfer { dest, amount }) => {
                buf.put_slice(&[0, 0]);
                dest.write(buf);
                amount.write(buf);
            }
            Call::Staking(c) => match c {
                StakingCall::AssociateHotkey { hotkey, proof } => {
                    buf.put_slice(&[1, 0]);
                    hotkey.write(buf);
                    buf.put_slice(proof);
                }
                StakingCall::AddStake { hotkey, amount } => {
                    buf.put_slice(&[1, 1]);
                    hotkey.write(buf);
                    amount.write(buf);
                }
                StakingCall::RemoveStake { hotkey, amount } => {
                    buf.put_slice(&[1, 2]);
                    hotkey.write(buf);
                    amount.write(buf);
                }
                StakingCall::IncreaseTake { hotkey, take } => {
                    buf.put_slice(&[1, 3]);
                    hotkey.write(buf);
                    take.write(buf);
                }
                StakingCall::DecreaseTake { hotkey, take } => {
                    buf.put_slice(&[1, 4]);
                    hotkey.write(buf);
                    take.write(buf);
                }
                StakingCall::MoveStake {
                    from_hotkey,
                    to_hotkey,
                    amount,
                } => {
                    buf.put_slice(&[1, 5]);
                    from_hotkey.write(buf);
                    to_hotkey.write(buf);
                    amount.write(buf);
                }
                StakingCall::TransferStake {
                    hotkey,
                    dest_coldkey,
                    amount,
                } => {
                    buf.put_slice(&[1, 6]);
                    hotkey.write(buf);
                    dest_coldkey.write(buf);
                    amount.write(buf);
                }
                StakingCall::SwapHotkey {
                    old_hotkey,
                    new_hotkey,
                    proof,
                } => {
                    buf.put_slice(&[1, 7]);
                    old_hotkey.write(buf);
                    new_hotkey.write(buf);
                    buf.put_slice(proof);
                }
                StakingCall::AnnounceColdkeySwap { new_coldkey } => {
                    buf.put_slice(&[1, 8]);
                    new_coldkey.write(buf);
                }
                StakingCall::DisputeColdkeySwap => buf.put_slice(&[1, 9]),
                StakingCall::ExecuteColdkeySwap { old_coldkey } => {
                    buf.put_slice(&[1, 10]);
                    old_coldkey.write(buf);
                }
            },
            Call::Subnets(c) => match c {
                SubnetCall::RegisterNetwork { hotkey } => {
                    buf.put_slice(&[2, 0]);
                    hotkey.write(buf);
                }
                SubnetCall::SetIdentity {
                    netuid,
                    name,
                    url,
                    description,
                } => {
                    buf.put_slice(&[2, 1]);
                    netuid.write(buf);
                    write_str(name, buf);
                    write_str(url, buf);
                    write_str(description, buf);
                }
                SubnetCall::SetHyperparameter { netuid, update } => {
                    buf.put_slice(&[2, 2]);
                    netuid.write(buf);
                    update.write(buf);
                }
            },
            Call::Neurons(c) => match c {
                NeuronCall::BurnedRegister {
                    netuid,
                    hotkey,
                    max_burn,
                } => {
                    buf.put_slice(&[3, 0]);
                    netuid.write(buf);
                    hotkey.write(buf);
                    max_burn.write(buf);
                }
                NeuronCall::RootRegister { hotkey } => {
                    buf.put_slice(&[3, 1]);
                    hotkey.write(buf);
                }
                NeuronCall::ServeAxon { netuid, axon } => {
                    buf.put_slice(&[3, 2]);
                    netuid.write(buf);
                    axon.write(buf);
                }
                NeuronCall::ResetAxon { netuid } => {
                    buf.put_slice(&[3, 3]);
                    netuid.write(buf);
                }
            },
            Call::Weights(c) => match c {
                WeightsCall::SetWeights {
                    netuid,
                    uids,
                    weights,
                    version_key,
                } => {
                    buf.put_slice(&[4, 0]);
                    netuid.write(buf);
                    uids.write(buf);
                    weights.write(buf);
                    version_key.write(buf);
                }
                WeightsCall::CommitWeights {
                    netuid,
                    commit_hash,
                } => {
                    buf.put_slice(&[4, 1]);
                    netuid.write(buf);
                    commit_hash.write(buf);
                }
                WeightsCall::RevealWeights {
                    netuid,
                    uids,
                    weights,
                    salt,
                    version_key,
                } => {
                    buf.put_slice(&[4, 2]);
                    netuid.write(buf);
                    uids.write(buf);
                    weights.write(buf);
                    salt.write(buf);
                    version_key.write(buf);
                }
            },
            Call::Consensus(ConsensusCall::RegisterConsensusKey { hotkey, key, proof }) => {
                buf.put_slice(&[5, 0]);
                hotkey.write(buf);
                key.write(buf);
                buf.put_slice(proof);
            }
            Call::Consensus(ConsensusCall::Unjail { hotkey }) => {
                buf.put_slice(&[5, 1]);
                hotkey.write(buf);
            }
            Call::Consensus(ConsensusCall::ReportEquivocation { evidence }) => {
                buf.put_slice(&[5, 2]);
                evidence.write(buf);
            }
            Call::Governance(c) => match c {
                GovernanceCall::Propose {
                    action,
                    description,
                } => {
                    buf.put_slice(&[6, 0]);
                    action.write(buf);
                    write_str(description, buf);
                }
                GovernanceCall::Vote { proposal, vote } => {
                    buf.put_slice(&[6, 1]);
                    proposal.write(buf);
                    vote.write(buf);
                }
                GovernanceCall::Cancel { proposal } => {
                    buf.put_slice(&[6, 2]);
                    proposal.write(buf);
                }
            },
            Call::Channels(c) => match c {
                ChannelCall::Open {
                    gateway,
                    deposit,
                    expiry,
                } => {
                    buf.put_slice(&[7, 0]);
                    gateway.write(buf);
                    deposit.write(buf);
                    expiry.write(buf);
                }
                ChannelCall::TopUp {
                    channel,
                    amount,
                    expiry,
                } => {
                    buf.put_slice(&[7, 1]);
                    channel.write(buf);
                    amount.write(buf);
                    expiry.write(buf);
                }
                ChannelCall::Claim {
                    channel,
                    voucher,
                    netuid,
                    miners,
                } => {
                    buf.put_slice(&[7, 2]);
                    channel.write(buf);
                    voucher.write(buf);
                    netuid.write(buf);
                    miners.write(buf);
                }
                ChannelCall::Reclaim { channel } => {
                    buf.put_slice(&[7, 3]);
                    channel.write(buf);
                }
            },
            Call::Commitments(CommitmentCall::Set { netuid, data }) => {
                buf.put_slice(&[8, 0]);
                netuid.write(buf);
                data.write(buf);
            }
            Call::Identity(IdentityCall::Set {
                name,
                url,
                description,
            }) => {
                buf.put_slice(&[9, 0]);
                write_str(name, buf);
                write_str(url, buf);
                write_str(description, buf);
            }
            Call::Identity(IdentityCall::Clear) => buf.put_slice(&[9, 1]),
        }
    }
}

impl EncodeSize for Call {
    fn encode_size(&self) -> usize {
        2 + match self {
            Call::Balances(BalancesCall::Transfer { .. }) => 32 + 8,
            Call::Staking(c) => match c {
                StakingCall::AssociateHotkey { .. } => 32 + 64,
                StakingCall::AddStake { .. } | StakingCall::RemoveStake { .. } => 40,
                StakingCall::IncreaseTake { .. } | StakingCall::DecreaseTake { .. } => 34,
                StakingCall::MoveStake { .. } | StakingCall::TransferStake { .. } => 72,
                StakingCall::SwapHotkey { .. } => 32 + 32 + 64,
                StakingCall::AnnounceColdkeySwap { .. }
                | StakingCall::ExecuteColdkeySwap { .. } => 32,
                StakingCall::DisputeColdkeySwap => 0,
            },
            Call::Subnets(c) => match c {
                SubnetCall::RegisterNetwork { .. } => 32,
                SubnetCall::SetIdentity {
                    name,
                    url,
                    description,
                    ..
                } => 2 + str_size(name) + str_size(url) + str_size(description),
                SubnetCall::SetHyperparameter { update, .. } => 2 + update.encode_size(),
            },
            Call::Neurons(c) => match c {
                NeuronCall::BurnedRegister { .. } => 2 + 32 + 8,
                NeuronCall::RootRegister { .. } => 32,
                NeuronCall::ServeAxon { axon, .. } => 2 + axon.encode_size(),
                NeuronCall::ResetAxon { .. } => 2,
            },
            Call::Weights(c) => match c {
                WeightsCall::SetWeights { uids, weights, .. } => {
                    2 + uids.encode_size() + weights.encode_size() + 8
                }
                WeightsCall::CommitWeights { .. } => 2 + 32,
                WeightsCall::RevealWeights {
                    uids,
                    weights,
                    salt,
                    ..
                } => 2 + uids.encode_size() + weights.encode_size() + salt.encode_size() + 8,
            },
            Call::Consensus(ConsensusCall::RegisterConsensusKey { .. }) => 64 + 64,
            Call::Consensus(ConsensusCall::Unjail { .. }) => 32,
            Call::Consensus(ConsensusCall::ReportEquivocation { evidence }) => {
                evidence.encode_size()
            }
            Call::Governance(c) => match c {
                GovernanceCall::Propose {
                    action,
                    description,
                } => action.encode_size() + str_size(description),
                GovernanceCall::Vote { .. } => 9,
                GovernanceCall::Cancel { .. } => 8,
            },
            Call::Channels(c) => match c {
                ChannelCall::Open { .. } | ChannelCall::TopUp { .. } => 32 + 8 + 8,
                ChannelCall::Claim {
                    voucher, miners, ..
                } => 32 + voucher.encode_size() + 2 + miners.encode_size(),
                ChannelCall::Reclaim { .. } => 32,
            },
            Call::Commitments(CommitmentCall::Set { data, .. }) => 2 + data.encode_size(),
            Call::Identity(IdentityCall::Set {
                name,
                url,
                description,
            }) => str_size(name) + str_size(url) + str_size(description),
            Call::Identity(IdentityCall::Clear) => 0,
        }
    }
}

impl Read for Call {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let module = u8::read(buf)?;
        let index = u8::read(buf)?;
        Ok(match (module, index) {
            (0, 0) => Call::Balances(BalancesCall::Transfer {
                dest: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            }),
            (1, 0) => Call::Staking(StakingCall::AssociateHotkey {
                hotkey: AccountId::read(buf)?,
                proof: <[u8; 64]>::read(buf)?,
            }),
            (1, 1) => Call::Staking(StakingCall::AddStake {
                hotkey: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            }),
            (1, 2) => Call::Staking(StakingCall::RemoveStake {
                hotkey: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            }),
            (1, 3) => Call::Staking(StakingCall::IncreaseTake {
                hotkey: AccountId::read(buf)?,
                take: u16::read(buf)?,
            }),
            (1, 5) => Call::Staking(StakingCall::MoveStake {
                from_hotkey: AccountId::read(buf)?,
                to_hotkey: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            }),
            (1, 6) => Call::Staking(StakingCall::TransferStake {
                hotkey: AccountId::read(buf)?,
                dest_coldkey: AccountId::read(buf)?,
                amount: Rao::read(buf)?,
            }),
            (1, 7) => Call::Staking(StakingCall::SwapHotkey {
                old_hotkey: AccountId::read(buf)?,
                new_hotkey: AccountId::read(buf)?,
                proof: <[u8; 64]>::read(buf)?,
            }),
            (1, 8) => Call::Staking(StakingCall::AnnounceColdkeySwap {
                new_coldkey: AccountId::read(buf)?,
            }),
            (1, 9) => Call::Staking(StakingCall::DisputeColdkeySwap),
            (1, 10) => Call::Staking(StakingCall::ExecuteColdkeySwap {
                old_coldkey: AccountId::read(buf)?,
            }),
            (1, 4) => Call::Staking(StakingCall::DecreaseTake {
                hotkey: AccountId::read(buf)?,
                take: u16::read(buf)?,
            }),
            (2, 0) => Call::Subnets(SubnetCall::RegisterNetwork {
                hotkey: AccountId::read(buf)?,
            }),
            (2, 1) => Call::Subnets(SubnetCall::SetIdentity {
                netuid: NetUid::read(buf)?,
                name: read_str(buf, MAX_TEXT)?,
                url: read_str(buf, MAX_TEXT)?,
                description: read_str(buf, MAX_TEXT)?,
            }),
            (2, 2) => Call::Subnets(SubnetCall::SetHyperparameter {
                netuid: NetUid::read(buf)?,
                update: HyperparamUpdate::read(buf)?,
            }),
            (3, 0) => Call::Neurons(NeuronCall::BurnedRegister {
                netuid: NetUid::read(buf)?,
                hotkey: AccountId::read(buf)?,
                max_burn: Rao::read(buf)?,
            }),
            (3, 1) => Call::Neurons(NeuronCall::RootRegister {
                hotkey: AccountId::read(buf)?,
            }),
            (3, 2) => Call::Neurons(NeuronCall::ServeAxon {
                netuid: NetUid::read(buf)?,
                axon: AxonInfo::read(buf)?,
            }),
            (3, 3) => Call::Neurons(NeuronCall::ResetAxon {
                netuid: NetUid::read(buf)?,
            }),
            (4, 0) => Call::Weights(WeightsCall::SetWeights {
                netuid: NetUid::read(buf)?,
                uids: read_vec(buf, MAX_WEIGHTS)?,
                weights: read_vec(buf, MAX_WEIGHTS)?,
                version_key: u64::read(buf)?,
            }),
            (4, 1) => Call::Weights(WeightsCall::CommitWeights {
                netuid: NetUid::read(buf)?,
                commit_hash: Hash::read(buf)?,
            }),
            (4, 2) => Call::Weights(WeightsCall::RevealWeights {
                netuid: NetUid::read(buf)?,
                uids: read_vec(buf, MAX_WEIGHTS)?,
                weights: read_vec(buf, MAX_WEIGHTS)?,
                salt: read_vec(buf, MAX_SALT)?,
                version_key: u64::read(buf)?,
            }),
            (5, 0) => Call::Consensus(ConsensusCall::RegisterConsensusKey {
                hotkey: AccountId::read(buf)?,
                key: <[u8; 32]>::read(buf)?,
                proof: <[u8; 64]>::read(buf)?,
            }),
            (5, 1) => Call::Consensus(ConsensusCall::Unjail {
                hotkey: AccountId::read(buf)?,
            }),
            (5, 2) => Call::Consensus(ConsensusCall::ReportEquivocation {
                evidence: Box::new(Equivocation::read(buf)?),
            }),
            (6, 0) => Call::Governance(GovernanceCall::Propose {
                action: ProposalAction::read(buf)?,
                description: read_str(buf, MAX_DESCRIPTION)?,
            }),
            (6, 1) => Call::Governance(GovernanceCall::Vote {
                proposal: u64::read(buf)?,
                vote: VoteKind::read(buf)?,
            }),
            (6, 2) => Call::Governance(GovernanceCall::Cancel {
                proposal: u64::read(buf)?,
            }),
            (7, 0) => Call::Channels(ChannelCall::Open {
                gateway: AccountId::read(buf)?,
                deposit: Rao::read(buf)?,
                expiry: u64::read(buf)?,
            }),
            (7, 1) => Call::Channels(ChannelCall::TopUp {
                channel: Hash::read(buf)?,
                amount: Rao::read(buf)?,
                expiry: u64::read(buf)?,
            }),
            (7, 2) => Call::Channels(ChannelCall::Claim {
                channel: Hash::read(buf)?,
                voucher: SignedVoucher::read(buf)?,
                netuid: NetUid::read(buf)?,
                miners: read_vec::<MinerShare>(buf, MAX_CLAIM_MINERS)?,
            }),
            (7, 3) => Call::Channels(ChannelCall::Reclaim {
                channel: Hash::read(buf)?,
            }),
            (8, 0) => Call::Commitments(CommitmentCall::Set {
                netuid: NetUid::read(buf)?,
                data: read_vec(buf, MAX_COMMITMENT_BYTES)?,
            }),
            (9, 0) => Call::Identity(IdentityCall::Set {
                name: read_str(buf, MAX_TEXT)?,
                url: read_str(buf, MAX_TEXT)?,
                description: read_str(buf, MAX_TEXT)?,
            }),
            (9, 1) => Call::Identity(IdentityCall::Clear),
            (m, _) if m > 9 => return Err(Error::InvalidEnum(m)),
            (_, i) => return Err(Error::InvalidEnum(i)),
        })
    }
}
