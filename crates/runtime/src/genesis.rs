//! Genesis: the chain spec and the first state.
//!
//! # Chain spec (JSON)
//! ```json
//! {
//!   "chain_id": "taonet-local",
//!   "genesis_timestamp_ms": 0,
//!   "params": { "unbonding_period": 20, "default_hyperparams": { "tempo": 10 } },
//!   "balances": [ { "account": "5Grw…", "amount": "1000" } ],
//!   "validators": [ { "coldkey": "5Grw…", "hotkey": "5F…", "stake": "5000",
//!                     "consensus_key": "0x…32 bytes…", "root": true } ],
//!   "subnets": [ { "owner": "5Grw…", "owner_hotkey": "5F…", "name": "text",
//!                  "hyperparams": { "tempo": 10 } } ]
//! }
//! ```
//! Addresses are SS58, amounts are TAO as decimal strings (up to 9 decimals), every field but
//! `chain_id` is optional, and unknown fields are errors (a typo never silently becomes a
//! default). `params` and `hyperparams` take any subset of their fields.
//!
//! # Rules
//! The root subnet (netuid 0) always exists. Balances are credited and validators' stakes are
//! created (both counted as issuance); validators get their consensus key and, with `"root":
//! true`, a root seat. Subnets get netuids 1, 2, … in order, lock nothing, and start with equal
//! emission shares. The seats of consensus epochs 0 and 1 are elected from the genesis stake.
//! The genesis block has height 0, the zero parent and the genesis state root; its hash binds
//! every transaction signature to this chain ([`ChainDomain`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use taonet_crypto::{Keypair, Ss58};
use taonet_types::{
    AccountId, Block, ChainDomain, ChainParams, Hash, MAX_SUPPLY, Rao, SubnetHyperparams,
};

use taonet_types::gov::ParamUpdate;

use crate::domain::Domain;
use crate::state::{State, SubnetIdentity, SubnetRecord};

/// An SS58 address in a chain spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Address(pub AccountId);

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_ss58())
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::from_ss58(&s)
            .map(Address)
            .map_err(serde::de::Error::custom)
    }
}

/// A TAO amount written as a decimal string in a chain spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tao(pub Rao);

impl Serialize for Tao {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_tao_compact())
    }
}

impl<'de> Deserialize<'de> for Tao {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Rao>().map(Tao).map_err(serde::de::Error::custom)
    }
}

/// A 32-byte key as 0x-hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key32(pub [u8; 32]);

impl Serialize for Key32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(self.0)))
    }
}

impl<'de> Deserialize<'de> for Key32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AccountId::from_hex(&s)
            .map(|a| Key32(a.0))
            .map_err(serde::de::Error::custom)
    }
}

/// A funded account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisBalance {
    /// The account credited.
    pub account: Address,
    /// Free balance.
    pub amount: Tao,
}

/// A genesis validator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidator {
    /// Owner coldkey.
    pub coldkey: Address,
    /// The validator's hotkey, owned by `coldkey` from genesis.
    pub hotkey: Address,
    /// Stake of the coldkey on the hotkey.
    pub stake: Tao,
    /// ed25519 consensus key.
    pub consensus_key: Option<Key32>,
    /// Whether the hotkey joins the root subnet.
    #[serde(default)]
    pub root: bool,
}

/// A genesis subnet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisSubnet {
    /// Owner coldkey.
    pub owner: Address,
    /// Owner hotkey (uid 0).
    pub owner_hotkey: Address,
    /// Hyperparameters (defaults from `params.default_hyperparams`).
    #[serde(default)]
    pub hyperparams: Option<SubnetHyperparams>,
    /// Display name of the subnet's identity (empty if not given).
    #[serde(default)]
    pub name: String,
    /// Web or repository address of the subnet (empty if not given).
    #[serde(default)]
    pub url: String,
    /// What the subnet does (empty if not given).
    #[serde(default)]
    pub description: String,
}

/// A chain spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainSpec {
    /// The chain's name; part of every signature.
    pub chain_id: String,
    /// Timestamp of the genesis block.
    #[serde(default)]
    pub genesis_timestamp_ms: u64,
    /// Chain parameters; fields left out keep their defaults.
    #[serde(default)]
    pub params: ChainParams,
    /// Funded accounts.
    #[serde(default)]
    pub balances: Vec<GenesisBalance>,
    /// Staked validators; the seats of the first two consensus epochs are elected from them.
    #[serde(default)]
    pub validators: Vec<GenesisValidator>,
    /// Subnets to create, given netuids 1, 2, … in this order.
    #[serde(default)]
    pub subnets: Vec<GenesisSubnet>,
}

/// Why a chain spec was rejected.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// Malformed JSON, with the path of the problem.
    #[error("chain spec: {0}")]
    Json(String),
    /// A semantic problem.
    #[error("chain spec: {0}")]
    Invalid(String),
}

/// The names of the development accounts, in order.
pub const DEV_NAMES: [&str; 8] = [
    "alice", "bob", "charlie", "dave", "eve", "ferdie", "grace", "heidi",
];

/// A development account: coldkey `//Name`, hotkey `//Name//hotkey`.
pub fn dev_keys(name: &str) -> (Keypair, Keypair) {
    let mut title = name.to_string();
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    // A valid URI always derives.
    let cold =
        Keypair::from_uri(&format!("//{title}")).unwrap_or_else(|_| Keypair::from_seed(&[0u8; 32]));
    let hot = Keypair::from_uri(&format!("//{title}//hotkey"))
        .unwrap_or_else(|_| Keypair::from_seed(&[1u8; 32]));
    (cold, hot)
}

impl ChainSpec {
    /// Parses a chain spec, naming the JSON path of any problem.
    pub fn from_json(text: &str) -> Result<ChainSpec, GenesisError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            GenesisError::Json(format!("{path}: {}", e.into_inner()))
        })
    }

    /// The development chain: the accounts of [`DEV_NAMES`] funded with 100,000 TAO each,
    /// one validator per consensus key (alice, bob, … with 10,000 TAO self-stake and a root
    /// seat), subnet 1 owned by alice, and short periods (tempo 10, unbonding 20 blocks,
    /// consensus epochs of 50 blocks, governance votes of 40 blocks executed 10 blocks later,
    /// 100 TAO of stake and a 10 TAO deposit to propose, jails of 2 consensus epochs, hotkey
    /// swaps 10 blocks apart, coldkey swaps executable 30 blocks after their announcement) so
    /// every mechanism shows within minutes.
    pub fn dev(consensus_keys: &[[u8; 32]]) -> ChainSpec {
        let tao = |t: u64| Tao(Rao(t * taonet_types::RAO_PER_TAO));
        let hyperparams = SubnetHyperparams {
            tempo: 10,
            immunity_period: 50,
            activity_cutoff: 200,
            weights_rate_limit: 2,
            serving_rate_limit: 2,
            commitment_rate_limit: 2,
            min_burn: Rao(500_000),
            ..SubnetHyperparams::default()
        };
        let params = ChainParams {
            unbonding_period: 20,
            network_min_lock: Rao(100 * taonet_types::RAO_PER_TAO),
            network_rate_limit: 1,
            take_increase_rate_limit: 10,
            initial_burn: Rao(taonet_types::RAO_PER_TAO / 10),
            seat_count: consensus_keys.len().clamp(4, 64) as u16,
            min_seat_stake: Rao(1_000 * taonet_types::RAO_PER_TAO),
            consensus_epoch_length: 50,
            root_tempo: 10,
            subnet_limit: 32,
            default_hyperparams: hyperparams,
            gov_min_proposer_stake: Rao(100 * taonet_types::RAO_PER_TAO),
            gov_proposal_deposit: Rao(10 * taonet_types::RAO_PER_TAO),
            gov_voting_period: 40,
            gov_execution_delay: 10,
            jail_epochs: 2,
            hotkey_swap_rate_limit: 10,
            coldkey_swap_delay: 30,
            ..ChainParams::default()
        };
        let mut balances = Vec::new();
        let mut validators = Vec::new();
        for (i, name) in DEV_NAMES.iter().enumerate() {
            let (cold, hot) = dev_keys(name);
            balances.push(GenesisBalance {
                account: Address(cold.account_id()),
                amount: tao(100_000),
            });
            if let Some(key) = consensus_keys.get(i) {
                validators.push(GenesisValidator {
                    coldkey: Address(cold.account_id()),
                    hotkey: Address(hot.account_id()),
                    stake: tao(10_000),
                    consensus_key: Some(Key32(*key)),
                    root: true,
                });
            }
        }
        let (alice, alice_hot) = dev_keys("alice");
        ChainSpec {
            chain_id: "taonet-dev".into(),
            genesis_timestamp_ms: 0,
            params,
            balances,
            validators,
            subnets: vec![GenesisSubnet {
                owner: Address(alice.account_id()),
                owner_hotkey: Address(alice_hot.account_id()),
                hyperparams: None,
                name: "text-prediction".into(),
                url: String::new(),
                description: "next-byte prediction, scored in bits per byte".into(),
            }],
        }
    }

    /// Builds the genesis state and block.
    pub fn build(&self) -> Result<Genesis, GenesisError> {
        let invalid = |m: String| GenesisError::Invalid(m);
        if self.chain_id.trim().is_empty() || self.chain_id.len() > 64 {
            return Err(invalid("chain_id must be 1 to 64 characters".into()));
        }
        if self.params.consensus_epoch_length == 0 {
            return Err(invalid(
                "params.consensus_epoch_length must be at least 1".into(),
            ));
        }
        // The governance parameters within the bounds a proposal would have to respect.
        let p = &self.params;
        let mut checked = p.clone();
        for u in [
            ParamUpdate::GovMinProposerStake(p.gov_min_proposer_stake),
            ParamUpdate::GovProposalDeposit(p.gov_proposal_deposit),
            ParamUpdate::GovVotingPeriod(p.gov_voting_period),
            ParamUpdate::GovExecutionDelay(p.gov_execution_delay),
            ParamUpdate::GovQuorum(p.gov_quorum),
            ParamUpdate::GovApprovalThreshold(p.gov_approval_threshold),
            ParamUpdate::GovBurnBelowPpb(p.gov_burn_below_ppb),
            ParamUpdate::TreasuryFeeShare(p.treasury_fee_share),
            ParamUpdate::GovMaxActiveProposals(p.gov_max_active_proposals),
            ParamUpdate::SlashFractionPpb(p.slash_fraction_ppb),
            ParamUpdate::JailEpochs(p.jail_epochs),
            ParamUpdate::MissedVotesJailPpb(p.missed_votes_jail_ppb),
            ParamUpdate::QueryMinerSharePpb(p.query_miner_share_ppb),
            ParamUpdate::MaxChannelDuration(p.max_channel_duration),
        ] {
            u.apply(&mut checked)
                .map_err(|e| invalid(format!("params: {e}")))?;
        }
        let mut state = State::new(self.params.clone());
        let mut root_params = self.params.default_hyperparams.clone();
        root_params.max_allowed_uids = self.params.root_max_uids;
        root_params.tempo = self.params.root_tempo;
        root_params.registration_allowed = false;
        state.subnets.insert(
            0,
            SubnetRecord {
                owner: AccountId::default(),
                owner_hotkey: AccountId::default(),
                hyperparams: root_params,
                n: 0,
                burn: Rao::ZERO,
                burn_block: 0,
                created_at: 0,
                last_epoch_block: 0,
                stepped: false,
                epoch_index: 0,
                pending_emission: Rao::ZERO,
                emission_share: 0,
                last_hyperparam_change: 0,
                locked: Rao::ZERO,
                identity: SubnetIdentity {
                    name: "root".into(),
                    ..SubnetIdentity::default()
                },
            },
        );
        let mut issued: u128 = 0;
        for (i, b) in self.balances.iter().enumerate() {
            state
                .credit(&b.account.0, b.amount.0)
                .map_err(|e| invalid(format!("balances[{i}]: {e}")))?;
            issued += u128::from(b.amount.0.0);
        }
        for (i, v) in self.validators.iter().enumerate() {
            let (cold, hot) = (v.coldkey.0, v.hotkey.0);
            state
                .ensure_hotkey_owner(&hot, &cold)
                .map_err(|e| invalid(format!("validators[{i}]: {e}")))?;
            state
                .increase_stake(&hot, &cold, v.stake.0)
                .map_err(|e| invalid(format!("validators[{i}]: {e}")))?;
            issued += u128::from(v.stake.0.0);
            if let Some(key) = v.consensus_key {
                state
                    .register_consensus_key(&cold, &hot, key.0)
                    .map_err(|e| invalid(format!("validators[{i}].consensus_key: {e}")))?;
            }
            if v.root {
                state
                    .root_register(&cold, &hot)
                    .map_err(|e| invalid(format!("validators[{i}].root: {e}")))?;
            }
        }
        if issued > u128::from(MAX_SUPPLY.0) {
            return Err(invalid(
                "balances and stakes exceed the 21M TAO supply".into(),
            ));
        }
        state.globals_mut().total_issuance = Rao(u64::try_from(issued).unwrap_or(u64::MAX));
        for (i, s) in self.subnets.iter().enumerate() {
            let netuid = u16::try_from(i + 1).map_err(|_| invalid("too many subnets".into()))?;
            state
                .create_subnet(&s.owner.0, &s.owner_hotkey.0, netuid, Rao::ZERO)
                .map_err(|e| invalid(format!("subnets[{i}]: {e}")))?;
            if let Some(info) = state.subnets.get_mut(&netuid) {
                if let Some(h) = &s.hyperparams {
                    info.hyperparams = h.clone();
                }
                info.identity = SubnetIdentity {
                    name: s.name.clone(),
                    url: s.url.clone(),
                    description: s.description.clone(),
                };
            }
        }
        state.root_epoch();
        for epoch in [0, 1] {
            let set = state.elect_seats(epoch);
            state.seat_sets.insert(epoch, set);
        }
        crate::invariants::check(&state).map_err(invalid)?;
        let mut g = state.globals_mut();
        g.last_timestamp_ms = self.genesis_timestamp_ms;
        g = state.globals_mut();
        g.height = 0;
        Ok(Genesis::seal(
            &self.chain_id,
            self.genesis_timestamp_ms,
            state,
        ))
    }
}

impl Genesis {
    /// The genesis of chain `chain_id` whose state after block 0 is `state`: block 0 (no
    /// parent, no transactions, the state's root and its epoch-0 seats) and the signing domain
    /// it defines. What [`ChainSpec::build`] ends with; also for a state assembled directly
    /// (`taonet bench scale`).
    pub fn seal(chain_id: &str, timestamp_ms: u64, mut state: State) -> Genesis {
        let state_root = state.commit_root();
        let block = Block {
            parent: Hash::ZERO,
            height: 0,
            timestamp_ms,
            proposer: AccountId::default(),
            transactions: Vec::new(),
            state_root,
            seats: state.seats(0).cloned(),
            parent_votes: None,
            version: taonet_types::protocol::GENESIS_VERSION,
        };
        let hash = block.hash();
        state.head = hash;
        Genesis {
            domain: Domain::new(ChainDomain {
                chain_id: chain_id.to_string(),
                genesis_hash: hash,
            }),
            block,
            state,
        }
    }
}

/// The genesis state and block of a chain spec.
#[derive(Clone, Debug)]
pub struct Genesis {
    /// The signing domain (chain id + genesis hash), without vote namespaces: whoever runs
    /// a consensus engine adds its namespaces ([`Domain::with_votes`]).
    pub domain: Domain,
    /// The genesis block.
    pub block: Block,
    /// The state after genesis.
    pub state: State,
}
