//! Proofs of possession: a call that binds a key to an account carries that key's signature.
//!
//! # Rules
//! - `staking.associate_hotkey { hotkey, proof }`: `proof` is the hotkey's sr25519 signature
//!   over [`hotkey_ownership_payload`]`(domain, coldkey)` — the hotkey agrees to be owned by
//!   this coldkey on this chain. Without it anyone could claim (squat) a hotkey they do not
//!   hold before its holder does.
//! - `consensus.register_consensus_key { hotkey, key, proof }`: `proof` is the ed25519
//!   signature of `key` over [`consensus_key_payload`]`(hotkey)` in commonware's signing format
//!   (`varint(len(ns)) ‖ ns ‖ msg`) under [`consensus_key_namespace`]`(domain)`, a namespace
//!   no consensus vote uses. Without it anyone could register another node's public key and
//!   block its owner from registering it (`KeyInUse`).
//! - Both payloads include the chain (id and genesis hash), so a proof made for one chain is
//!   worthless on another.
//! - Registering a neuron (`neurons.burned_register`) or a subnet still claims an unowned
//!   hotkey without its signature, as in Bittensor; such a claim burns the registration
//!   price or locks the subnet cost, which is what a squat costs there.

use commonware_codec::{Copying, DecodeExt};
use commonware_cryptography::Verifier;
use commonware_cryptography::ed25519::{PublicKey, Signature as EdSignature};
use taonet_crypto::{Signature, verify};
use taonet_types::tx::{consensus_key_namespace, consensus_key_payload, hotkey_ownership_payload};
use taonet_types::{AccountId, ChainDomain};

/// Whether `proof` is `hotkey`'s consent to be owned by `coldkey` on the chain of `domain`.
pub fn verify_hotkey_ownership(
    domain: &ChainDomain,
    coldkey: &AccountId,
    hotkey: &AccountId,
    proof: &[u8; 64],
) -> bool {
    verify(
        hotkey,
        &hotkey_ownership_payload(domain, coldkey),
        &Signature(*proof),
    )
}

/// Whether `proof` is the consensus key `key`'s signature registering it for `hotkey` on the
/// chain of `domain`. False for a key or signature that does not decode.
pub fn verify_consensus_key_proof(
    domain: &ChainDomain,
    hotkey: &AccountId,
    key: &[u8; 32],
    proof: &[u8; 64],
) -> bool {
    let (Ok(key), Ok(signature)) = (
        PublicKey::decode(Copying(&key[..])),
        EdSignature::decode(Copying(&proof[..])),
    ) else {
        return false;
    };
    key.verify(
        &consensus_key_namespace(domain),
        &consensus_key_payload(hotkey),
        &signature,
    )
}
