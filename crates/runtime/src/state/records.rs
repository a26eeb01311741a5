//! The values of the state's maps: accounts, hotkeys, stake in cooldown, subnets, neurons,
//! weight commits and governance tasks.
//!
//! # Rules
//! - Each type's codec is its record encoding (pinned by the runtime's golden fixtures):
//!   fields in declaration order, fixed-width integers, no version byte.
//! - Decoding is bounded: text fields by `MAX_TEXT`, a neuron's weights and bonds by
//!   `MAX_UIDS_LIMIT`, a hotkey's unrevealed commits by [`MAX_UNREVEALED_COMMITS`].

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, RangeCfg, Read, ReadExt, Write};
use taonet_types::codec::{read_str, str_size, write_str};
use taonet_types::tx::{AxonInfo, MAX_TEXT};
use taonet_types::{AccountId, BlockNumber, Hash, Rao, SubnetHyperparams, Uid, plain_codec};

/// A free-balance account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Spendable balance.
    pub free: Rao,
    /// Next transaction nonce.
    pub nonce: u64,
}

plain_codec!(Account {
    free: Rao,
    nonce: u64,
});

/// A hotkey's ownership and delegation settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotkeyInfo {
    /// The owning coldkey.
    pub owner: AccountId,
    /// Delegate take, u16 proportion.
    pub take: u16,
    /// Block of the last take increase (0 = never).
    pub last_take_increase: BlockNumber,
    /// ed25519 key for consensus votes, if registered.
    pub consensus_key: Option<[u8; 32]>,
}

plain_codec!(HotkeyInfo {
    owner: AccountId,
    take: u16,
    last_take_increase: BlockNumber,
    consensus_key: Option<[u8; 32]>,
});

/// Stake waiting for its cooldown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unbonding {
    /// Who receives it.
    pub coldkey: AccountId,
    /// The hotkey it was unstaked from (stays slashable for that hotkey's offences).
    pub hotkey: AccountId,
    /// Rao waiting to be paid out to `coldkey`'s free balance at the release block.
    pub amount: Rao,
    /// Block the unstake happened.
    pub started_at: BlockNumber,
}

plain_codec!(Unbonding {
    coldkey: AccountId,
    hotkey: AccountId,
    amount: Rao,
    started_at: BlockNumber,
});

/// A subnet's public identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SubnetIdentity {
    /// Display name chosen by the owner (shown by the explorer and `subnet list`).
    pub name: String,
    /// Web or repository address.
    pub url: String,
    /// What it does.
    pub description: String,
}

impl Write for SubnetIdentity {
    fn write(&self, buf: &mut impl BufMut) {
        write_str(&self.name, buf);
        write_str(&self.url, buf);
        write_str(&self.description, buf);
    }
}

impl EncodeSize for SubnetIdentity {
    fn encode_size(&self) -> usize {
        str_size(&self.name) + str_size(&self.url) + str_size(&self.description)
    }
}

impl Read for SubnetIdentity {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(SubnetIdentity {
            name: read_str(buf, MAX_TEXT)?,
            url: read_str(buf, MAX_TEXT)?,
            description: read_str(buf, MAX_TEXT)?,
        })
    }
}

/// A subnet's record: owner, hyperparameters, registration price and emission state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetRecord {
    /// Owner coldkey.
    pub owner: AccountId,
    /// Owner hotkey (uid 0 at creation; immune from pruning).
    pub owner_hotkey: AccountId,
    /// The owner-settable rules of this subnet (tempo, limits, Yuma options).
    pub hyperparams: SubnetHyperparams,
    /// Number of neurons (uids `0..n`).
    pub n: u16,
    /// Registration burn as of `burn_block` (it decays from there).
    pub burn: Rao,
    /// Block at which `burn` was set.
    pub burn_block: BlockNumber,
    /// Block the subnet was created.
    pub created_at: BlockNumber,
    /// Block of the last epoch (or the staggered start before the first).
    pub last_epoch_block: BlockNumber,
    /// Whether an epoch has run.
    pub stepped: bool,
    /// Epochs run so far.
    pub epoch_index: u64,
    /// Emission accrued since the last epoch, to be distributed (not yet issued).
    pub pending_emission: Rao,
    /// Emission share from the last root epoch, u64 proportion of `u64::MAX`.
    pub emission_share: u64,
    /// Block of the owner's last hyperparameter change (0 = never).
    pub last_hyperparam_change: BlockNumber,
    /// TAO locked when the subnet was created.
    pub locked: Rao,
    /// Name, URL and description set by the owner.
    pub identity: SubnetIdentity,
}

plain_codec!(SubnetRecord {
    owner: AccountId,
    owner_hotkey: AccountId,
    hyperparams: SubnetHyperparams,
    n: u16,
    burn: Rao,
    burn_block: BlockNumber,
    created_at: BlockNumber,
    last_epoch_block: BlockNumber,
    stepped: bool,
    epoch_index: u64,
    pending_emission: Rao,
    emission_share: u64,
    last_hyperparam_change: BlockNumber,
    locked: Rao,
    identity: SubnetIdentity,
});

/// A neuron: one uid of a subnet, with its inputs to and outputs of the last epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neuron {
    /// The hotkey registered at this uid (its emission is staked to this hotkey).
    pub hotkey: AccountId,
    /// Block it registered (on this uid).
    pub registered_at: BlockNumber,
    /// Block of its last weight update.
    pub last_update: BlockNumber,
    /// Served axon.
    pub axon: AxonInfo,
    /// Block of the last serve_axon (0 = never).
    pub last_serve: BlockNumber,
    /// Weights it sets: (uid, u16) sorted by uid, max-upscaled.
    pub weights: Vec<(Uid, u16)>,
    /// Its bonds: (uid, u16) sorted by uid.
    pub bonds: Vec<(Uid, u16)>,
    /// Active at the last epoch.
    pub active: bool,
    /// Validator permit (for the next epoch).
    pub validator_permit: bool,
    /// Stake weight at the last epoch (u16).
    pub stake_weight: u16,
    /// Consensus (u16).
    pub consensus: u16,
    /// Incentive (u16).
    pub incentive: u16,
    /// Dividends (u16).
    pub dividends: u16,
    /// Validator trust (u16).
    pub validator_trust: u16,
    /// Emission at the last epoch.
    pub emission: Rao,
}

impl Neuron {
    /// A freshly registered neuron.
    pub fn new(hotkey: AccountId, block: BlockNumber) -> Neuron {
        Neuron {
            hotkey,
            registered_at: block,
            last_update: block,
            axon: AxonInfo::default(),
            last_serve: 0,
            weights: Vec::new(),
            bonds: Vec::new(),
            active: true,
            validator_permit: false,
            stake_weight: 0,
            consensus: 0,
            incentive: 0,
            dividends: 0,
            validator_trust: 0,
            emission: Rao::ZERO,
        }
    }
}

impl Write for Neuron {
    fn write(&self, buf: &mut impl BufMut) {
        self.hotkey.write(buf);
        self.registered_at.write(buf);
        self.last_update.write(buf);
        self.axon.write(buf);
        self.last_serve.write(buf);
        self.weights.write(buf);
        self.bonds.write(buf);
        self.active.write(buf);
        self.validator_permit.write(buf);
        self.stake_weight.write(buf);
        self.consensus.write(buf);
        self.incentive.write(buf);
        self.dividends.write(buf);
        self.validator_trust.write(buf);
        self.emission.write(buf);
    }
}

impl EncodeSize for Neuron {
    fn encode_size(&self) -> usize {
        32 + 8
            + 8
            + self.axon.encode_size()
            + 8
            + self.weights.encode_size()
            + self.bonds.encode_size()
            + 2
            + 2 * 5
            + 8
    }
}

impl Read for Neuron {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        let max = taonet_types::params::MAX_UIDS_LIMIT as usize;
        Ok(Neuron {
            hotkey: AccountId::read(buf)?,
            registered_at: u64::read(buf)?,
            last_update: u64::read(buf)?,
            axon: AxonInfo::read(buf)?,
            last_serve: u64::read(buf)?,
            weights: Vec::<(Uid, u16)>::read_cfg(buf, &(RangeCfg::new(0..=max), ((), ())))?,
            bonds: Vec::<(Uid, u16)>::read_cfg(buf, &(RangeCfg::new(0..=max), ((), ())))?,
            active: bool::read(buf)?,
            validator_permit: bool::read(buf)?,
            stake_weight: u16::read(buf)?,
            consensus: u16::read(buf)?,
            incentive: u16::read(buf)?,
            dividends: u16::read(buf)?,
            validator_trust: u16::read(buf)?,
            emission: Rao::read(buf)?,
        })
    }
}

/// A weights commit awaiting its reveal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightCommit {
    /// The committed hash.
    pub hash: Hash,
    /// Block of the commit.
    pub block: BlockNumber,
    /// Subnet epoch index at the commit.
    pub epoch: u64,
}

plain_codec!(WeightCommit {
    hash: Hash,
    block: BlockNumber,
    epoch: u64,
});

/// Most unrevealed commits per hotkey and subnet.
pub const MAX_UNREVEALED_COMMITS: usize = 10;

/// A list of commits (a record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Commits(pub Vec<WeightCommit>);

impl Write for Commits {
    fn write(&self, buf: &mut impl BufMut) {
        self.0.write(buf);
    }
}

impl EncodeSize for Commits {
    fn encode_size(&self) -> usize {
        self.0.encode_size()
    }
}

impl Read for Commits {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        Ok(Commits(Vec::<WeightCommit>::read_cfg(
            buf,
            &(RangeCfg::new(0..=MAX_UNREVEALED_COMMITS), ()),
        )?))
    }
}

/// A governance task due at the end of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GovTask {
    /// Count the votes of a proposal whose voting period ends.
    Tally,
    /// Execute a passed proposal.
    Execute,
}

impl Write for GovTask {
    fn write(&self, buf: &mut impl BufMut) {
        let tag: u8 = match self {
            GovTask::Tally => 0,
            GovTask::Execute => 1,
        };
        tag.write(buf);
    }
}

impl EncodeSize for GovTask {
    fn encode_size(&self) -> usize {
        1
    }
}

impl Read for GovTask {
    type Cfg = ();
    fn read_cfg(buf: &mut impl Buf, _: &()) -> Result<Self, Error> {
        match u8::read(buf)? {
            0 => Ok(GovTask::Tally),
            1 => Ok(GovTask::Execute),
            t => Err(Error::InvalidEnum(t)),
        }
    }
}
