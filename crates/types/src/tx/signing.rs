//! What identifies a chain for signatures ([`ChainDomain`]), the domain tags, and the payloads
//! signed outside a transaction: a hotkey's consent to be owned, and a consensus key's proof
//! of possession.
//!
//! # Rules
//! - Every signature is domain-separated: its payload starts with its own domain tag, or it is
//!   made under its own namespace, so a signature made for one purpose (a transaction, a hotkey
//!   claim, a consensus-key proof, a vote) is never valid for another.
//! - Payloads that must not carry over between chains include the chain id and genesis hash.

use bytes::BufMut;
use commonware_codec::Write;
use serde::{Deserialize, Serialize};

use crate::codec::write_str;
use crate::{AccountId, Hash};

/// Domain tag of transaction signatures.
pub const TX_SIGNING_DOMAIN: &[u8] = b"taonet/tx/v1";
/// Domain tag of a hotkey's consent to be owned by a coldkey.
pub const HOTKEY_OWNERSHIP_DOMAIN: &[u8] = b"taonet/hotkey-owner/v1";
/// Suffix of the namespace a consensus key signs its registration proof under.
pub const CONSENSUS_KEY_PROOF_SUFFIX: &[u8] = b"_REGISTER_KEY";

/// What identifies a chain for signatures: its id and its genesis block hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainDomain {
    /// The chain's name, e.g. `"taonet-dev"`.
    pub chain_id: String,
    /// The hash of its genesis block.
    pub genesis_hash: Hash,
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
