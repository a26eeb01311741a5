//! Neuron protocol: the axon (server), the dendrite (client), synapses (typed, JSON for
//! types known only at run time, and streaming) and a metagraph view, wire-compatible with
//! the Python bittensor 10.x axon/dendrite (`StreamingSynapse` included) and with bittensor
//! 11's `btauth/1` signed headers; the miner and validator loops; and the [`gateway`],
//! which sells a subnet's answers per query against payment-channel vouchers.
//!
//! ```text
//!  validator                                   miner
//!  Dendrite ── POST /<Synapse> (signed) ──▶  Axon: route → body limit → headers
//!     ▲                                          → blacklist → verify → rate limit
//!     └────── 200 synapse / {"message"} ◀────── → priority → body hash → forward
//! ```
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use serde::{Deserialize, Serialize};
//! use std::time::Duration;
//! use taonet_crypto::Keypair;
//! use taonet_neuron::{AllowAll, Axon, AxonConfig, AxonTarget, Dendrite, DendriteConfig, Synapse};
//!
//! #[derive(Clone, Debug, Default, Serialize, Deserialize)]
//! struct Echo {
//!     value: i64,
//!     #[serde(default)]
//!     output: Option<i64>,
//! }
//! impl Synapse for Echo {
//!     const NAME: &'static str = "Echo";
//!     const REQUIRED_HASH_FIELDS: &'static [&'static str] = &["value"];
//! }
//!
//! let miner = Keypair::from_uri("//Miner")?;
//! let miner_hotkey = miner.ss58();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let axon = Axon::new(miner, AxonConfig::default(), AllowAll)
//!     .attach(|mut e: Echo, _caller| async move {
//!         e.output = Some(e.value);
//!         Ok(e)
//!     })
//!     .serve(listener)?;
//!
//! // The axon is on 127.0.0.1: a dendrite dials only public addresses unless told otherwise
//! // (here: loopback too; LAN and link-local addresses stay refused).
//! let config = DendriteConfig { allow_loopback_axons: true, ..DendriteConfig::default() };
//! let dendrite = Dendrite::new(Keypair::from_uri("//Validator")?, config);
//! let target = AxonTarget { addr: axon.local_addr, hotkey: miner_hotkey };
//! let r = dendrite.call(&target, &Echo { value: 7, output: None }, Duration::from_secs(12)).await?;
//! assert_eq!(r.synapse.and_then(|e| e.output), Some(7));
//! # Ok(()) }
//! ```
//!
//! # Invariants
//! - The axon answers every request with the reference's status codes and `{"message"}`
//!   bodies ([`axon`]); nothing reaches a forward function unless blacklist, signature,
//!   nonce, rate limit, priority and (bittensor 10) body hash all passed.
//! - All per-caller state (nonces, btauth replay cache, rate buckets) is bounded; an entry
//!   is only forgotten once forgetting it cannot reopen a replay ([`nonce`]).
//! - The dendrite never errors on transport problems: they are [`Outcome`]s.
//! - Nothing dials a non-public axon address (loopback, private, link-local, …) unless
//!   configured with `allow_private_axons`, or, for loopback only, `allow_loopback_axons`
//!   ([`address`]).
//! - Typed, JSON (run-time typed, [`Axon::attach_json`] / [`Dendrite::call_json`]) and
//!   streaming ([`Axon::attach_stream`] / [`Dendrite::call_stream`]) synapses share one
//!   axon pipeline and one dendrite signing path.
//! - Body hashes follow Python `str()` for the value kinds listed in [`synapse`].

pub mod address;
pub mod axon;
pub mod btauth;
pub mod dendrite;
pub mod error;
pub mod fair;
pub mod gateway;
pub mod health;
pub mod metagraph;
pub mod miner;
pub mod nonce;
pub mod priority;
pub mod rate;
pub mod subnet;
pub mod synapse;
pub mod tx;
pub mod validator;

pub use address::NonPublicAxon;
pub use axon::{
    AllowAll, AuthScheme, Axon, AxonConfig, AxonHandle, Blacklist, Caller, ChunkStream, Fifo,
    ForwardError, Priority, Reply,
};
pub use dendrite::{
    AxonTarget, CallResult, Dendrite, DendriteConfig, JsonCallResult, Outcome, StreamCall,
};
pub use error::{AxonError, DendriteError, HashError, MetagraphError, VerifyError};
pub use metagraph::{Metagraph, MetagraphBlacklist, SharedMetagraph, StakePriority};
pub use rate::RateLimit;
pub use subnet::{MinerModel, Score, Subnet};
pub use synapse::{Ping, Synapse, SynapseBase, SynapseMessage, TerminalInfo};
