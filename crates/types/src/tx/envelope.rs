//! The transaction envelope: [`Transaction`] (who signs, nonce, fee limit, tip, call) and
//! [`SignedTransaction`] (with its sr25519 signature).
//!
//! # Rules
//! - A transaction is encoded as `signer ‖ nonce ‖ fee_limit ‖ tip ‖ call`; a signed one
//!   appends the 64-byte signature. Sizes are known before signing
//!   ([`SignedTransaction::size_of`]), since the fee depends on them.
//! - The signature covers [`Transaction::signing_payload`], which binds the transaction to one
//!   chain through [`ChainDomain`]; the transaction hash is SHA-256 of the signed encoding.

use bytes::BufMut;
use commonware_codec::{Buf, EncodeSize, Error, Read, ReadExt, Write};
use serde::{Deserialize, Serialize};

use super::{Call, ChainDomain, TX_SIGNING_DOMAIN};
use crate::codec::write_str;
use crate::{AccountId, Hash, Rao};

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
