//! Transactions: the calls a signed transaction can make, and their signing rules.
//!
//! # Rules
//! - The signer's sr25519 signature
//!   covers [`Transaction::signing_payload`]: the domain tag `"taonet/tx/v1"`, the chain id,
//!   the genesis hash and the encoded transaction, so a transaction signed for one chain is
//!   invalid on every other chain (and on a re-started chain with a new genesis).
//! - A [`Transaction`] is `signer ‖ nonce ‖ fee_limit ‖ tip ‖ call`.
//! - `nonce` must equal the signer's next nonce. The fee is `tx_base_fee + tx_byte_fee ×
//!   encoded size + tip` (see `ChainParams`); `fee_limit` is the most the signer agrees to pay
//!   and must cover it. The tip buys priority: pools and block builders order paying
//!   transactions by fee per byte. Free calls pay nothing and carry no tip.
//! - Claiming a hotkey (`staking.associate_hotkey`) needs the hotkey's own signature over
//!   [`hotkey_ownership_payload`] (the chain and the claiming coldkey); registering a consensus
//!   key needs the key's ed25519 signature over [`consensus_key_payload`] (the hotkey), so
//!   nobody can squat a key they do not hold.
//! - Calls are grouped by runtime module ([`Call`]). Weight setting, commit/reveal and serving
//!   are *free*: they are signed by the neuron's hotkey, pay no fee, and must come from a
//!   registered hotkey within its rate limits. Every other call is signed by a coldkey and
//!   pays the fee.
//! - Decoding is bounded: at most [`MAX_WEIGHTS`] weights, [`MAX_SALT`] salt words,
//!   [`MAX_TEXT`] bytes per text field, [`MAX_CLAIM_MINERS`] miners per channel claim; the
//!   whole buffer must be consumed.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use crate::channel::{MAX_CLAIM_MINERS, MinerShare, SignedVoucher};
use crate::codec::{read_str, read_vec, str_size, write_str};
use crate::evidence::Equivocation;
use crate::gov::{MAX_DESCRIPTION, ProposalAction, VoteKind};
use crate::params::{HyperparamUpdate, MAX_UIDS_LIMIT};
use crate::{AccountId, BlockNumber, Hash, NetUid, Rao, Uid};

/// Domain tag of transaction signatures.
pub const TX_SIGNING_DOMAIN: &[u8] = b"taonet/tx/v1";
/// Domain tag of a hotkey's consent to be owned by a coldkey.
pub const HOTKEY_OWNERSHIP_DOMAIN: &[u8] = b"taonet/hotkey-owner/v1";
/// Suffix of the namespace a consensus key signs its registration proof under.
pub const CONSENSUS_KEY_PROOF_SUFFIX: &[u8] = b"_REGISTER_KEY";
/// Most weights in one set_weights / reveal_weights call.
pub const MAX_WEIGHTS: usize = MAX_UIDS_LIMIT as usize;
/// Most salt words in a reveal.
pub const MAX_SALT: usize = 64;
/// Longest text field (names, URLs, descriptions) in bytes.
pub const MAX_TEXT: usize = 256;

/// What identifies a chain for signatures: its id and its genesis block hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainDomain {
    /// The chain's name, e.g. `"taonet-dev"`.
    pub chain_id: String,
    /// The hash of its genesis block.
    pub genesis_hash: Hash,
}

/// Where a neuron serves its axon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxonInfo {
    /// Software version of the axon.
    pub version: u32,
    /// IPv4 (as the low 32 bits) or IPv6 address.
    pub ip: u128,
    /// TCP port (0 = not serving).
    pub port: u16,
    /// 4 or 6.
    pub ip_type: u8,
    /// Protocol identifier (4 = HTTP, as bittensor).
    pub protocol: u8,
}

crate::plain_codec!(AxonInfo {
    version: u32,
    ip: u128,
    port: u16,
    ip_type: u8,
    protocol: u8,
});

impl AxonInfo {
    /// The address as `ip:port` text (`[v6]:port` for IPv6).
    pub fn socket_addr(&self) -> Option<std::net::SocketAddr> {
        let ip: std::net::IpAddr = match self.ip_type {
            4 => std::net::Ipv4Addr::from(u32::try_from(self.ip).ok()?).into(),
            6 => std::net::Ipv6Addr::from(self.ip).into(),
            _ => return None,
        };
        Some(std::net::SocketAddr::new(ip, self.port))
    }
}

/// Moving TAO between accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalancesCall {
    /// Send `amount` of the signer's free balance to `dest`.
    Transfer {
        /// The account credited; its resulting free balance must reach the existential deposit.
        dest: AccountId,
        /// Rao taken from the signer's free balance (more than zero).
        amount: Rao,
    },
}

/// Staking, delegation and hotkey ownership (signed by a coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakingCall {
    /// Claim an unowned hotkey for the signing coldkey. The hotkey proves it agrees:
    /// `proof` is its sr25519 signature over [`hotkey_ownership_payload`] for the signer.
    AssociateHotkey {
        /// The unowned hotkey the signer claims.
        hotkey: AccountId,
        /// The hotkey's signature over [`hotkey_ownership_payload`]`(domain, signer)`.
        #[serde(with = "crate::codec::hex_array")]
        proof: [u8; 64],
    },
    /// Stake `amount` of free balance on `hotkey` (own or a delegate's).
    AddStake {
        /// The owned hotkey to stake on.
        hotkey: AccountId,
        /// Rao moved from the signer's free balance into stake (at least `min_stake`).
        amount: Rao,
    },
    /// Unstake `amount` from `hotkey`: it enters the unbonding queue.
    RemoveStake {
        /// The hotkey the signer has stake on.
        hotkey: AccountId,
        /// Rao to unstake: at most the signer's stake on `hotkey`, and at least `min_stake`
        /// unless it is the whole position.
        amount: Rao,
    },
    /// Raise the hotkey's delegate take (rate-limited).
    IncreaseTake {
        /// The hotkey (owned by the signer).
        hotkey: AccountId,
        /// New take, u16 proportion.
        take: u16,
    },
    /// Lower the hotkey's delegate take.
    DecreaseTake {
        /// The hotkey (owned by the signer).
        hotkey: AccountId,
        /// New take, u16 proportion.
        take: u16,
    },
}

/// Subnet creation and ownership (signed by the owner coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubnetCall {
    /// Create a subnet; the signer pays the lock cost and `hotkey` becomes uid 0.
    RegisterNetwork {
        /// The owner's hotkey.
        hotkey: AccountId,
    },
    /// Set the subnet's identity.
    SetIdentity {
        /// The subnet to describe (owned by the signer).
        netuid: NetUid,
        /// Display name (at most [`MAX_TEXT`] bytes, as `url` and `description`).
        name: String,
        /// Web or repository address.
        url: String,
        /// What the subnet does.
        description: String,
    },
    /// Change one owner-settable hyperparameter.
    SetHyperparameter {
        /// The subnet to change (owned by the signer; not root).
        netuid: NetUid,
        /// Which hyperparameter gets which value (checked against its bounds).
        update: HyperparamUpdate,
    },
}

/// Neuron registration and serving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeuronCall {
    /// Register `hotkey` on `netuid` by burning the current registration price (coldkey
    /// signs and pays); fails if the price is above `max_burn`.
    BurnedRegister {
        /// The subnet to join (not root: that is [`NeuronCall::RootRegister`]).
        netuid: NetUid,
        /// The neuron's hotkey.
        hotkey: AccountId,
        /// Highest burn the signer accepts.
        max_burn: Rao,
    },
    /// Join the root subnet (coldkey signs; the hotkey needs stake).
    RootRegister {
        /// The hotkey to seat on the root subnet (unowned or owned by the signer).
        hotkey: AccountId,
    },
    /// Publish the axon address (free; hotkey signs).
    ServeAxon {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// Where the axon listens (IPv4 or IPv6, non-zero address and port).
        axon: AxonInfo,
    },
}

/// Weights (free; signed by the validator's hotkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightsCall {
    /// Set weights directly.
    SetWeights {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// Destination uids.
        uids: Vec<Uid>,
        /// Weights, one per uid.
        weights: Vec<u16>,
        /// Version key of the validator software.
        version_key: u64,
    },
    /// Commit to weights by hash (commit-reveal subnets).
    CommitWeights {
        /// The subnet the signing hotkey is registered on.
        netuid: NetUid,
        /// `weights_commit_hash(hotkey, netuid, uids, weights, salt, version_key)`.
        commit_hash: Hash,
    },
    /// Reveal committed weights.
    RevealWeights {
        /// The subnet the weights were committed on.
        netuid: NetUid,
        /// Destination uids.
        uids: Vec<Uid>,
        /// Weights, one per uid.
        weights: Vec<u16>,
        /// The salt used in the commit.
        salt: Vec<u16>,
        /// Version key of the validator software, as committed.
        version_key: u64,
    },
}

/// Block-producer registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusCall {
    /// Register (or replace) the ed25519 key `hotkey` votes with if elected to a seat.
    /// Signed by the hotkey's owner coldkey; `proof` shows possession of the key.
    RegisterConsensusKey {
        /// The hotkey (owned by the signer) whose seat votes with `key`.
        hotkey: AccountId,
        /// ed25519 public key.
        key: [u8; 32],
        /// The key's ed25519 signature over [`consensus_key_payload`]`(hotkey)` under the
        /// namespace [`consensus_key_namespace`]`(domain)` (commonware's signing format).
        #[serde(with = "crate::codec::hex_array")]
        proof: [u8; 64],
    },
    /// Take a jailed hotkey out of jail once its jail period has passed, so it can be
    /// elected to a seat again. Signed by the hotkey's owner coldkey.
    Unjail {
        /// The jailed hotkey (owned by the signer).
        hotkey: AccountId,
    },
    /// Report two conflicting consensus votes of one seat (signed by anyone, pays the fee).
    /// Every node verifies the evidence itself; if it holds, the seat's hotkey is slashed
    /// and jailed.
    ReportEquivocation {
        /// The evidence (boxed: it is much larger than the other consensus calls).
        evidence: Box<Equivocation>,
    },
}

/// On-chain governance (signed by a coldkey).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceCall {
    /// Submit a proposal; the signer needs `gov_min_proposer_stake` of stake and pays the
    /// deposit (reserved until the tally).
    Propose {
        /// What it does if it passes.
        action: ProposalAction,
        /// Why (at most [`MAX_DESCRIPTION`] bytes).
        description: String,
    },
    /// Vote (or change one's vote) on a proposal in its voting period.
    Vote {
        /// The proposal id.
        proposal: u64,
        /// Aye, nay or abstain; it counts with the voter's stake at the tally.
        vote: VoteKind,
    },
    /// Withdraw one's own proposal before anyone has voted on it (the deposit is returned).
    Cancel {
        /// The proposal id.
        proposal: u64,
    },
}

/// Payment channels for pay-per-query access (signed by a coldkey; see
/// [`crate::channel`] and the runtime's `channels` module for the rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelCall {
    /// Open a channel to `gateway` (a hotkey with an owner): `deposit` moves from the signer's
    /// free balance into the channel until block `expiry`. The channel id is
    /// `channel_id(signer, nonce of this transaction)`.
    Open {
        /// The gateway's hotkey.
        gateway: AccountId,
        /// Amount locked in the channel.
        deposit: Rao,
        /// First block at which the gateway can no longer claim and the opener may reclaim.
        expiry: BlockNumber,
    },
    /// Add `amount` to an open channel's deposit and/or move its expiry later (opener only,
    /// before expiry).
    TopUp {
        /// Id of the open channel (opened by the signer).
        channel: Hash,
        /// Added deposit (may be zero when only the expiry moves).
        amount: Rao,
        /// New expiry, at least the current one.
        expiry: BlockNumber,
    },
    /// Redeem a voucher (signed by the gateway hotkey's owner coldkey, before expiry): pays
    /// the increase over the last claim, `query_miner_share_ppb` of it to the listed miners
    /// of `netuid` pro rata by units, the rest to the signer.
    Claim {
        /// Id of the channel the voucher draws on (its gateway is a hotkey the signer owns).
        channel: Hash,
        /// The highest voucher the gateway holds.
        voucher: SignedVoucher,
        /// The subnet the miners answered on.
        netuid: NetUid,
        /// The miners that answered, with their contributions (distinct uids, units > 0).
        miners: Vec<MinerShare>,
    },
    /// Close an expired channel and return what was not claimed (opener only).
    Reclaim {
        /// Id of the expired channel (opened by the signer).
        channel: Hash,
    },
}

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
}

impl Call {
    /// Free calls pay no fee and are signed by a registered hotkey.
    pub fn is_free(&self) -> bool {
        matches!(
            self,
            Call::Weights(_) | Call::Neurons(NeuronCall::ServeAxon { .. })
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
        }
    }
}

/// The bytes a hotkey signs to agree to be owned by `coldkey` on the chain of `domain`:
/// [`HOTKEY_OWNERSHIP_DOMAIN`] ‖ chain id ‖ genesis hash ‖ coldkey.
pub fn hotkey_ownership_payload(domain: &ChainDomain, coldkey: &AccountId) -> Vec<u8> {
    let mut buf = Vec::with_capacity(HOTKEY_OWNERSHIP_DOMAIN.len() + 100);
    buf.put_slice(HOTKEY_OWNERSHIP_DOMAIN);
    write_str(&domain.chain_id, &mut buf);
    domain.genesis_hash.write(&mut buf);
    coldkey.write(&mut buf);
    buf
}

/// The namespace a consensus key signs its registration proof under: the chain's consensus
/// namespace ‖ [`CONSENSUS_KEY_PROOF_SUFFIX`] (distinct from every vote namespace, so a proof
/// can never be taken for a vote or the other way round).
pub fn consensus_key_namespace(domain: &ChainDomain) -> Vec<u8> {
    let mut ns = crate::evidence::consensus_namespace(domain);
    ns.extend_from_slice(CONSENSUS_KEY_PROOF_SUFFIX);
    ns
}

/// The message a consensus key signs to be registered for `hotkey`: the hotkey's bytes.
pub fn consensus_key_payload(hotkey: &AccountId) -> Vec<u8> {
    hotkey.0.to_vec()
}

/// The commit hash of weights for commit-reveal: SHA-256 of the encoding of
/// `(hotkey, netuid, uids, weights, salt, version_key)`.
pub fn weights_commit_hash(
    hotkey: &AccountId,
    netuid: NetUid,
    uids: &[Uid],
    weights: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Hash {
    let mut buf = Vec::new();
    hotkey.write(&mut buf);
    netuid.write(&mut buf);
    uids.write(&mut buf);
    weights.write(&mut buf);
    salt.write(&mut buf);
    version_key.write(&mut buf);
    Hash::digest(&buf)
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
            (m, _) if m > 7 => return Err(Error::InvalidEnum(m)),
            (_, i) => return Err(Error::InvalidEnum(i)),
        })
    }
}

/// An unsigned transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The account that signs (a coldkey, or a hotkey for free calls).
    pub signer: AccountId,
    /// The signer's next nonce.
    pub nonce: u64,
    /// The most the signer agrees to pay in fees (the fee, tip included, must not exceed it).
    pub fee_limit: Rao,
    /// Paid on top of the base fee to the block producer (and treasury), for priority: the
    /// pool and the block builder order by fee per byte. Zero for free calls.
    #[serde(default)]
    pub tip: Rao,
    /// What to do.
    pub call: Call,
}

impl Write for Transaction {
    fn write(&self, buf: &mut impl BufMut) {
        self.signer.write(buf);
        self.nonce.write(buf);
        self.fee_limit.write(buf);
        self.tip.write(buf);
        self.call.write(buf);
    }
}

impl Transaction {
    /// Encoded bytes besides the call: signer (32), nonce, fee limit and tip (8 each).
    pub const HEADER_SIZE: usize = 32 + 8 + 8 + 8;
}

impl EncodeSize for Transaction {
    fn encode_size(&self) -> usize {
        Transaction::HEADER_SIZE + self.call.encode_size()
    }
}

impl Read for Transaction {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Transaction {
            signer: AccountId::read(buf)?,
            nonce: u64::read(buf)?,
            fee_limit: Rao::read(buf)?,
            tip: Rao::read(buf)?,
            call: Call::read(buf)?,
        })
    }
}

impl Transaction {
    /// The bytes the signer signs: domain tag ‖ chain id ‖ genesis hash ‖ transaction.
    pub fn signing_payload(&self, domain: &ChainDomain) -> Vec<u8> {
        let mut buf = Vec::with_capacity(TX_SIGNING_DOMAIN.len() + 64 + self.encode_size());
        buf.put_slice(TX_SIGNING_DOMAIN);
        write_str(&domain.chain_id, &mut buf);
        domain.genesis_hash.write(&mut buf);
        self.write(&mut buf);
        buf
    }
}

/// A transaction with its signer's 64-byte sr25519 signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTransaction {
    /// The signed content: signer, nonce, fee limit, tip and call.
    pub tx: Transaction,
    /// Signature over [`Transaction::signing_payload`].
    #[serde(with = "crate::codec::hex_array")]
    pub signature: [u8; 64],
}

impl Write for SignedTransaction {
    fn write(&self, buf: &mut impl BufMut) {
        self.tx.write(buf);
        buf.put_slice(&self.signature);
    }
}

impl SignedTransaction {
    /// Encoded size of a signed transaction making `call` (what its fee is computed from),
    /// known before it is signed.
    pub fn size_of(call: &Call) -> usize {
        Transaction::HEADER_SIZE + call.encode_size() + 64
    }
}

impl EncodeSize for SignedTransaction {
    fn encode_size(&self) -> usize {
        SignedTransaction::size_of(&self.tx.call)
    }
}

impl Read for SignedTransaction {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(SignedTransaction {
            tx: Transaction::read(buf)?,
            signature: <[u8; 64]>::read(buf)?,
        })
    }
}

impl SignedTransaction {
    /// SHA-256 of the encoded signed transaction.
    pub fn hash(&self) -> Hash {
        let mut buf = Vec::with_capacity(self.encode_size());
        self.write(&mut buf);
        Hash::digest(&buf)
    }
}
