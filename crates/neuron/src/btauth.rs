//! `btauth/1`: bittensor 11's signed HTTP headers, accepted by the axon on every route.
//!
//! # Headers
//! `X-Bittensor-Version: 1`, `X-Bittensor-Hotkey: <sender ss58>`, `X-Bittensor-Nonce:
//! <time_ns>`, `X-Bittensor-Signature: 0x<hex>`, `X-Bittensor-Receiver: <receiver ss58>`
//! (required by this server), optional `X-Bittensor-Crypto` (absent = `sr25519`; only sr25519
//! is supported here, `ed25519` is refused as malformed).
//!
//! # Signed payload
//! UTF-8 lines joined by `\n`: `btauth/1`, scheme (`sr25519`), upper-case method, request
//! target (path and `?query` as sent), lower-case hex SHA-256 of the raw body, nonce,
//! sender ss58, receiver ss58 (or `-`).
//!
//! # Verification order
//! header shape → receiver equals our hotkey → freshness (nonce at most 10 s old and at most
//! 2 s ahead) → not a known replay ([`BtAuthVerifier::precheck`], which the axon runs, with
//! its blacklist, before it reads the body) → signature (over the body's hash, so after the
//! body is read) → replay cache of (hotkey, nonce), kept 12 s and written only after a good
//! signature. Every failure is a [`BtAuthError`]; the axon answers 401.
//!
//! # Bounded replay cache, fair per hotkey
//! At most `capacity` (hotkey, nonce) pairs, and at most `per_hotkey` of one hotkey
//! ([`crate::fair::FairTable`]). An
//! entry is dropped only once expired (dropping a live one would reopen its replay), so a
//! hotkey over its quota is refused ([`BtAuthError::HotkeyQuotaFull`]) until its own
//! entries expire: one caller cannot push out or lock out the others.

use std::sync::Mutex;

use sha2::{Digest, Sha256};
use taonet_crypto::{Keypair, Signature, Ss58};
use taonet_types::AccountId;
use thiserror::Error;

use crate::fair::{FairTable, Refused};

/// Header names (lower case, as HTTP/1 libraries normalise them).
pub mod header {
    /// Protocol version (`1`).
    pub const VERSION: &str = "x-bittensor-version";
    /// Sender hotkey.
    pub const HOTKEY: &str = "x-bittensor-hotkey";
    /// Nonce (ns).
    pub const NONCE: &str = "x-bittensor-nonce";
    /// Sender's sr25519 signature over [`payload`](super::payload), `0x`-hex.
    pub const SIGNATURE: &str = "x-bittensor-signature";
    /// Receiver hotkey.
    pub const RECEIVER: &str = "x-bittensor-receiver";
    /// Signature scheme.
    pub const CRYPTO: &str = "x-bittensor-crypto";
}

/// Oldest accepted nonce age.
pub const MAX_AGE_NS: u64 = 10_000_000_000;
/// Furthest accepted nonce ahead of our clock.
pub const MAX_AHEAD_NS: u64 = 2_000_000_000;
/// How long a (hotkey, nonce) pair is remembered.
pub const REPLAY_TTL_NS: u64 = 12_000_000_000;

/// A btauth/1 failure.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum BtAuthError {
    /// A header is missing or malformed.
    #[error("malformed header {0}")]
    Malformed(&'static str),
    /// The receiver is not this axon.
    #[error("wrong receiver {0}")]
    WrongReceiver(String),
    /// Outside the freshness window.
    #[error("stale nonce")]
    Stale,
    /// Seen before.
    #[error("replayed nonce")]
    Replayed,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// The replay cache is full of live entries.
    #[error("replay cache full: too many callers at once; retry in a few seconds")]
    CacheFull,
    /// This hotkey holds its whole share of the replay cache.
    #[error("too many requests from this hotkey in the last 12 s (quota {0}); slow down")]
    HotkeyQuotaFull(usize),
}

/// Parsed btauth/1 headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtAuthHeaders {
    /// Sender hotkey ss58.
    pub hotkey: String,
    /// The sender's clock in nanoseconds since the Unix epoch (checked for freshness and
    /// replay).
    pub nonce: u64,
    /// The sender's sr25519 signature over [`payload`].
    pub signature: Signature,
    /// Receiver ss58 (`None` when absent).
    pub receiver: Option<String>,
}

/// The signed payload.
pub fn payload(
    method: &str,
    target: &str,
    body: &[u8],
    nonce: u64,
    sender: &str,
    receiver: Option<&str>,
) -> String {
    format!(
        "btauth/1\nsr25519\n{}\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        target,
        hex::encode(Sha256::digest(body)),
        nonce,
        sender,
        receiver.unwrap_or("-")
    )
}

/// The headers a sender attaches (name, value) to sign `method target body` for `receiver`.
pub fn sign(
    keypair: &Keypair,
    method: &str,
    target: &str,
    body: &[u8],
    nonce: u64,
    receiver: &str,
) -> Vec<(&'static str, String)> {
    let sender = keypair.ss58();
    let sig =
        keypair.sign(payload(method, target, body, nonce, &sender, Some(receiver)).as_bytes());
    vec![
        (header::VERSION, "1".to_string()),
        (header::HOTKEY, sender),
        (header::NONCE, nonce.to_string()),
        (header::SIGNATURE, sig.to_hex()),
        (header::RECEIVER, receiver.to_string()),
    ]
}

/// Parses the headers through `get` (lower-case names).
pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<BtAuthHeaders, BtAuthError> {
    if get(header::VERSION).map(str::trim) != Some("1") {
        return Err(BtAuthError::Malformed(header::VERSION));
    }
    if let Some(c) = get(header::CRYPTO)
        && !c.trim().eq_ignore_ascii_case("sr25519")
    {
        return Err(BtAuthError::Malformed(header::CRYPTO));
    }
    let hotkey = get(header::HOTKEY)
        .ok_or(BtAuthError::Malformed(header::HOTKEY))?
        .trim()
        .to_string();
    let nonce = get(header::NONCE)
        .and_then(|n| n.trim().parse::<u64>().ok())
        .ok_or(BtAuthError::Malformed(header::NONCE))?;
    let signature = get(header::SIGNATURE)
        .and_then(|s| Signature::from_hex(s.trim()).ok())
        .ok_or(BtAuthError::Malformed(header::SIGNATURE))?;
    let receiver = get(header::RECEIVER).map(|r| r.trim().to_string());
    Ok(BtAuthHeaders {
        hotkey,
        nonce,
        signature,
        receiver,
    })
}

/// Verifier state: our hotkey and the replay cache.
#[derive(Debug)]
pub struct BtAuthVerifier {
    own: String,
    /// hotkey → nonce → expiry (ns).
    seen: Mutex<FairTable<u64, u64>>,
}

impl BtAuthVerifier {
    /// A verifier for receiver `own` remembering at most `capacity` pairs, at most
    /// `per_hotkey` of one hotkey.
    pub fn new(own: String, capacity: usize, per_hotkey: usize) -> Self {
        BtAuthVerifier {
            own,
            seen: Mutex::new(FairTable::new(capacity, per_hotkey)),
        }
    }

    /// The checks that need no body: receiver, freshness, hotkey shape, known replay.
    pub fn precheck(&self, h: &BtAuthHeaders, now_ns: u64) -> Result<(), BtAuthError> {
        let receiver = h
            .receiver
            .as_deref()
            .ok_or(BtAuthError::Malformed(header::RECEIVER))?;
        if receiver != self.own {
            return Err(BtAuthError::WrongReceiver(receiver.to_string()));
        }
        if h.nonce < now_ns.saturating_sub(MAX_AGE_NS) || h.nonce > now_ns + MAX_AHEAD_NS {
            return Err(BtAuthError::Stale);
        }
        AccountId::from_ss58(&h.hotkey).map_err(|_| BtAuthError::Malformed(header::HOTKEY))?;
        if self
            .lock()
            .get(&h.hotkey, &h.nonce)
            .is_some_and(|exp| *exp > now_ns)
        {
            return Err(BtAuthError::Replayed);
        }
        Ok(())
    }

    /// Verifies a request in the documented order.
    pub fn verify(
        &self,
        h: &BtAuthHeaders,
        method: &str,
        target: &str,
        body: &[u8],
        now_ns: u64,
    ) -> Result<(), BtAuthError> {
        self.precheck(h, now_ns)?;
        let account =
            AccountId::from_ss58(&h.hotkey).map_err(|_| BtAuthError::Malformed(header::HOTKEY))?;
        let receiver = h.receiver.as_deref();
        let msg = payload(method, target, body, h.nonce, &h.hotkey, receiver);
        if !taonet_crypto::verify(&account, msg.as_bytes(), &h.signature) {
            return Err(BtAuthError::BadSignature);
        }
        let mut seen = self.lock();
        if seen
            .get(&h.hotkey, &h.nonce)
            .is_some_and(|exp| *exp > now_ns)
        {
            return Err(BtAuthError::Replayed);
        }
        let quota = seen.per_hotkey();
        seen.insert(&h.hotkey, h.nonce, now_ns + REPLAY_TTL_NS, now_ns, |exp| {
            *exp <= now_ns
        })
        .map_err(|refused| match refused {
            Refused::HotkeyQuotaFull => BtAuthError::HotkeyQuotaFull(quota),
            Refused::TableFull => BtAuthError::CacheFull,
        })
    }

    /// Pairs held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no pair is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FairTable<u64, u64>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }
}
