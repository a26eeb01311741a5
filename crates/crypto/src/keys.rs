//! sr25519 keys as bittensor wallets derive them, and signatures.
//!
//! # Derivation (bittensor-compatible)
//! 1. A BIP39 English mnemonic of 12, 15, 18, 21 or 24 words gives its *entropy* (16–32 bytes).
//! 2. substrate-bip39: PBKDF2-HMAC-SHA512(password = entropy, salt = `"mnemonic"`, 2048
//!    rounds); the first 32 bytes are the *mini secret* (a keyfile's `secretSeed`).
//! 3. The mini secret is expanded to a schnorrkel keypair in Ed25519 expansion mode; its 64-byte
//!    secret (scalar ‖ nonce) is a keyfile's `privateKey`.
//!
//! No derivation path is applied to wallet keys. Development keys (`//Alice`, `//Bob//stash`,
//! …) use Substrate's hard derivation from the well-known development phrase; see
//! [`Keypair::from_uri`].
//!
//! # Signatures
//! Signing uses the Substrate signing context `b"substrate"` and gives 64-byte signatures.
//! [`verify`] accepts a signature over the message itself or over `<Bytes>` ‖ message ‖
//! `</Bytes>` (the form browser extensions sign), as bittensor does. [`verify_batch`] checks
//! many signatures at once.

use std::fmt;

use bip39::{Language, Mnemonic};
use rand_core::{OsRng, RngCore};
use schnorrkel::derive::ChainCode;
use schnorrkel::{ExpansionMode, MiniSecretKey, PublicKey, SecretKey, signing_context};
use taonet_types::AccountId;
use zeroize::Zeroizing;

use crate::ss58::Ss58;

/// The signing context Substrate (and so Bittensor) uses for sr25519 signatures.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// The public development phrase behind `//Alice`, `//Bob`, … (never use for real funds).
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// Word counts a mnemonic may have.
pub const MNEMONIC_WORD_COUNTS: [usize; 5] = [12, 15, 18, 21, 24];

const BYTES_PREFIX: &[u8] = b"<Bytes>";
const BYTES_SUFFIX: &[u8] = b"</Bytes>";

/// Why a key could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The word count is not one of 12, 15, 18, 21, 24.
    #[error("a mnemonic has 12, 15, 18, 21 or 24 words, not {0}")]
    WordCount(usize),
    /// The phrase is not a valid BIP39 English mnemonic.
    #[error("invalid mnemonic: {0} (check the spelling and order of the words)")]
    Mnemonic(String),
    /// A seed that is not 32 bytes of hex.
    #[error("invalid seed: {0} (expected 0x followed by 64 hex digits)")]
    Seed(String),
    /// A private key that is not a valid 64-byte sr25519 secret.
    #[error("invalid private key: {0} (expected 0x followed by 128 hex digits)")]
    PrivateKey(String),
    /// A key URI that cannot be parsed.
    #[error("invalid key URI {0:?}: use a mnemonic or 0x seed followed by //hard junctions")]
    Uri(String),
}

/// A 64-byte sr25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl Signature {
    /// `0x` + 128 hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses 128 hex digits, with or without `0x`.
    pub fn from_hex(s: &str) -> Result<Self, SignatureParseError> {
        let s = s.trim();
        let digits = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(digits).map_err(|e| SignatureParseError::Hex(e.to_string()))?;
        let arr: [u8; 64] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SignatureParseError::Length(bytes.len()))?;
        Ok(Signature(arr))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_hex())
    }
}

/// Why a signature string was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureParseError {
    /// Not hex.
    #[error("signature is not valid hex: {0}")]
    Hex(String),
    /// Not 64 bytes.
    #[error("a signature is 64 bytes (128 hex digits), got {0} bytes")]
    Length(usize),
}

/// An sr25519 keypair together with what it was made from (mnemonic and/or seed), so it can
/// be written back to a keyfile with the same fields bittensor writes.
#[derive(Clone)]
pub struct Keypair {
    pair: schnorrkel::Keypair,
    seed: Option<Zeroizing<[u8; 32]>>,
    phrase: Option<Zeroizing<String>>,
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        write!(f, "Keypair({})", self.ss58())
    }
}

/// The phrase in lower case with single spaces, built in one wiped buffer (no intermediate
/// copies of the words are left behind).
fn normalise_phrase(phrase: &str) -> Zeroizing<String> {
    // Lower-casing can lengthen non-ASCII text; reserve enough to never reallocate (a
    // reallocation would leave the old buffer unwiped).
    let mut out = Zeroizing::new(String::with_capacity(phrase.len() * 3));
    for (i, word) in phrase.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

impl Keypair {
    /// Makes a new random mnemonic of `words` words and its keypair.
    pub fn generate(words: usize) -> Result<(Keypair, Zeroizing<String>), KeyError> {
        if !MNEMONIC_WORD_COUNTS.contains(&words) {
            return Err(KeyError::WordCount(words));
        }
        // 12 words = 128 bits of entropy, +32 bits per 3 words.
        let mut entropy = Zeroizing::new([0u8; 32]);
        let len = words / 3 * 4;
        OsRng.fill_bytes(&mut entropy[..len]);
        let mnemonic = Mnemonic::from_entropy_in(Language::English, &entropy[..len])
            .map_err(|e| KeyError::Mnemonic(e.to_string()))?;
        let phrase = Zeroizing::new(mnemonic.to_string());
        let pair = Keypair::from_mnemonic(&phrase)?;
        Ok((pair, phrase))
    }

    /// The keypair of a BIP39 English mnemonic (case and extra whitespace are ignored).
    pub fn from_mnemonic(phrase: &str) -> Result<Keypair, KeyError> {
        let phrase = normalise_phrase(phrase);
        let words = phrase.split(' ').filter(|w| !w.is_empty()).count();
        if !MNEMONIC_WORD_COUNTS.contains(&words) {
            return Err(KeyError::WordCount(words));
        }
        let mnemonic = Mnemonic::parse_in_normalized(Language::English, &phrase)
            .map_err(|e| KeyError::Mnemonic(e.to_string()))?;
        let entropy = Zeroizing::new(mnemonic.to_entropy());
        let mini = substrate_bip39::mini_secret_from_entropy(&entropy, "")
            .map_err(|_| KeyError::Mnemonic("bad entropy length".into()))?;
        let mut keypair = Keypair::from_mini(&mini);
        keypair.phrase = Some(phrase);
        Ok(keypair)
    }

    /// The keypair of a 32-byte mini secret (a keyfile's `secretSeed`).
    pub fn from_seed(seed: &[u8; 32]) -> Keypair {
        match MiniSecretKey::from_bytes(seed) {
            Ok(mini) => Keypair::from_mini(&mini),
            // A 32-byte slice is always a valid mini secret; keep the type total anyway.
            Err(_) => unreachable_mini(),
        }
    }

    /// Parses a `0x` + 64-hex-digit seed and makes its keypair.
    pub fn from_seed_hex(seed: &str) -> Result<Keypair, KeyError> {
        let seed = seed.trim();
        let digits = seed.strip_prefix("0x").unwrap_or(seed);
        let bytes = Zeroizing::new(hex::decode(digits).map_err(|e| KeyError::Seed(e.to_string()))?);
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Seed(format!("{} bytes, not 32", bytes.len())))?;
        let arr = Zeroizing::new(arr);
        Ok(Keypair::from_seed(&arr))
    }

    /// The keypair of a 64-byte schnorrkel secret (a keyfile's `privateKey`).
    pub fn from_private_key(secret: &[u8]) -> Result<Keypair, KeyError> {
        let secret =
            SecretKey::from_bytes(secret).map_err(|e| KeyError::PrivateKey(e.to_string()))?;
        Ok(Keypair {
            pair: secret.to_keypair(),
            seed: None,
            phrase: None,
        })
    }

    /// A key from a Substrate secret URI: `PHRASE_OR_0xSEED//hard//junctions`, or just
    /// `//Alice` for the development phrase. Soft (`/x`) junctions and passwords (`///pw`)
    /// are not supported and are rejected.
    pub fn from_uri(uri: &str) -> Result<Keypair, KeyError> {
        let bad = || KeyError::Uri(redact_uri(uri));
        let (base, path) = match uri.find("//") {
            Some(i) => (&uri[..i], &uri[i..]),
            None => (uri, ""),
        };
        let base = base.trim();
        let mut pair = if base.is_empty() {
            Keypair::from_mnemonic(DEV_PHRASE)?
        } else if base.starts_with("0x") {
            Keypair::from_seed_hex(base)?
        } else {
            Keypair::from_mnemonic(base)?
        };
        if path.is_empty() {
            return Ok(pair);
        }
        if path.contains("///") {
            return Err(bad());
        }
        let junctions = path.strip_prefix("//").ok_or_else(bad)?;
        for junction in junctions.split("//") {
            if junction.is_empty() || junction.contains('/') {
                return Err(bad());
            }
            let cc = chain_code(junction);
            let (mini, _) = pair
                .pair
                .secret
                .hard_derive_mini_secret_key(Some(ChainCode(cc)), b"");
            pair = Keypair::from_mini(&mini);
        }
        Ok(pair)
    }

    fn from_mini(mini: &MiniSecretKey) -> Keypair {
        Keypair {
            pair: mini.expand_to_keypair(ExpansionMode::Ed25519),
            seed: Some(Zeroizing::new(mini.to_bytes())),
            phrase: None,
        }
    }

    /// The account id (public key).
    pub fn account_id(&self) -> AccountId {
        AccountId(self.pair.public.to_bytes())
    }

    /// The SS58 address of the public key.
    pub fn ss58(&self) -> String {
        self.account_id().to_ss58()
    }

    /// The mnemonic, if the key was made from one.
    pub fn phrase(&self) -> Option<&str> {
        self.phrase.as_ref().map(|p| p.as_str())
    }

    /// The 32-byte mini secret, if known.
    pub fn seed(&self) -> Option<&[u8; 32]> {
        self.seed.as_deref()
    }

    /// The 64-byte schnorrkel secret (scalar ‖ nonce).
    pub fn private_key(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.pair.secret.to_bytes())
    }

    /// Signs `message` with the `substrate` signing context.
    pub fn sign(&self, message: &[u8]) -> Signature {
        let sig = self
            .pair
            .sign(signing_context(SIGNING_CONTEXT).bytes(message));
        Signature(sig.to_bytes())
    }
}

#[allow(clippy::panic)]
fn unreachable_mini() -> Keypair {
    // MiniSecretKey::from_bytes only fails for a slice whose length is not 32, and callers
    // pass `&[u8; 32]`.
    panic!("a 32-byte array is always a valid mini secret key")
}

/// Hides a mnemonic inside an error message: keep only the derivation path.
fn redact_uri(uri: &str) -> String {
    match uri.find("//") {
        Some(i) if i > 0 => format!("<secret>{}", &uri[i..]),
        _ if uri.contains(' ') => "<secret>".to_string(),
        _ => uri.to_string(),
    }
}

/// Substrate's chain code for a junction: a number is encoded as a little-endian u64, text as
/// a SCALE string (compact length, then the bytes); the encoding is zero-padded to 32 bytes, or
/// hashed with BLAKE2b-256 if longer.
fn chain_code(junction: &str) -> [u8; 32] {
    let encoded: Vec<u8> = match junction.parse::<u64>() {
        Ok(n) => n.to_le_bytes().to_vec(),
        Err(_) => {
            let bytes = junction.as_bytes();
            let mut out = compact_len(bytes.len());
            out.extend_from_slice(bytes);
            out
        }
    };
    let mut cc = [0u8; 32];
    if encoded.len() > 32 {
        use blake2::digest::{Update, VariableOutput};
        let mut h = blake2::Blake2bVar::new(32).unwrap_or_else(|_| unreachable_blake());
        h.update(&encoded);
        let _ = h.finalize_variable(&mut cc);
    } else {
        cc[..encoded.len()].copy_from_slice(&encoded);
    }
    cc
}

#[allow(clippy::panic)]
fn unreachable_blake() -> blake2::Blake2bVar {
    panic!("32 is a valid BLAKE2b output size")
}

/// SCALE compact encoding of a length.
fn compact_len(n: usize) -> Vec<u8> {
    let n = n as u64;
    if n < 1 << 6 {
        vec![(n as u8) << 2]
    } else if n < 1 << 14 {
        ((n as u16) << 2 | 0b01).to_le_bytes().to_vec()
    } else if n < 1 << 30 {
        ((n as u32) << 2 | 0b10).to_le_bytes().to_vec()
    } else {
        let bytes = n.to_le_bytes();
        let len = 8 - (n.leading_zeros() / 8) as usize;
        let mut out = vec![(((len - 4) as u8) << 2) | 0b11];
        out.extend_from_slice(&bytes[..len]);
        out
    }
}

/// Decoded public keys per generation of [`public_key`]'s cache (two generations: at most
/// 2 × 16,384 keys, ≈ 6 MiB).
const KEY_CACHE_CAPACITY: usize = 16_384;

/// Recently decoded public keys: decoding (a Ristretto decompression, a field square root)
/// is about a fifth of a verification, and the same signers verify again and again (a
/// node checks each of its pool's transactions and every account sends many). Decoding is
/// a pure function of the 32 bytes, so a hit returns exactly what decoding would; invalid
/// encodings are not kept. Two generations bound it: when the current one is full it
/// replaces the previous one.
struct KeyCache {
    current: std::collections::HashMap<[u8; 32], PublicKey>,
    previous: std::collections::HashMap<[u8; 32], PublicKey>,
}

fn key_cache() -> &'static std::sync::Mutex<KeyCache> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<KeyCache>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        std::sync::Mutex::new(KeyCache {
            current: std::collections::HashMap::new(),
            previous: std::collections::HashMap::new(),
        })
    })
}

fn public_key(account: &AccountId) -> Option<PublicKey> {
    {
        let mut cache = key_cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(key) = cache.current.get(&account.0) {
            return Some(*key);
        }
        if let Some(key) = cache.previous.remove(&account.0) {
            cache.current.insert(account.0, key);
            return Some(key);
        }
    }
    let key = PublicKey::from_bytes(&account.0).ok()?;
    let mut cache = key_cache().lock().unwrap_or_else(|e| e.into_inner());
    if cache.current.len() >= KEY_CACHE_CAPACITY {
        cache.previous = std::mem::take(&mut cache.current);
    }
    cache.current.insert(account.0, key);
    Some(key)
}

fn wrapped(message: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(message.len() + BYTES_PREFIX.len() + BYTES_SUFFIX.len());
    m.extend_from_slice(BYTES_PREFIX);
    m.extend_from_slice(message);
    m.extend_from_slice(BYTES_SUFFIX);
    m
}

fn verify_exact(key: &PublicKey, message: &[u8], signature: &schnorrkel::Signature) -> bool {
    key.verify(signing_context(SIGNING_CONTEXT).bytes(message), signature)
        .is_ok()
}

/// Verifies an sr25519 signature by `account` over `message`, or over the `<Bytes>`-wrapped
/// message. Returns `false` for an invalid public key or signature encoding.
pub fn verify(account: &AccountId, message: &[u8], signature: &Signature) -> bool {
    let Some(key) = public_key(account) else {
        return false;
    };
    let Ok(sig) = schnorrkel::Signature::from_bytes(&signature.0) else {
        return false;
    };
    if verify_exact(&key, message, &sig) {
        return true;
    }
    // Already wrapped messages are not wrapped twice.
    !(message.starts_with(BYTES_PREFIX) && message.ends_with(BYTES_SUFFIX))
        && verify_exact(&key, &wrapped(message), &sig)
}

/// One item of a batch: who signed, what, and the signature.
#[derive(Clone, Copy, Debug)]
pub struct SignedMessage<'a> {
    /// The account whose sr25519 key made `signature`.
    pub account: &'a AccountId,
    /// The message as signed (or as it would be before `<Bytes>` wrapping).
    pub message: &'a [u8],
    /// The 64-byte sr25519 signature to check.
    pub signature: &'a Signature,
}

/// Verifies many signatures at once, returning one verdict per item in order.
///
/// All items are first checked together with schnorrkel's batch verification (one
/// multi-scalar multiplication, several times faster than one by one). Only if the batch
/// fails are items checked individually (including the `<Bytes>` form), so a batch of valid
/// signatures costs one batch check.
pub fn verify_batch(items: &[SignedMessage<'_>]) -> Vec<bool> {
    let mut keys = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    let mut transcripts = Vec::with_capacity(items.len());
    let mut all_decoded = true;
    let ctx = signing_context(SIGNING_CONTEXT);
    for item in items {
        match (
            public_key(item.account),
            schnorrkel::Signature::from_bytes(&item.signature.0),
        ) {
            (Some(k), Ok(s)) => {
                keys.push(k);
                sigs.push(s);
                transcripts.push(ctx.bytes(item.message));
            }
            _ => all_decoded = false,
        }
    }
    if all_decoded
        && !items.is_empty()
        && schnorrkel::verify_batch(transcripts, &sigs, &keys, false).is_ok()
    {
        return vec![true; items.len()];
    }
    items
        .iter()
        .map(|i| verify(i.account, i.message, i.signature))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dev_uris_match_substrate() {
        // Values from bittensor-wallet's Keypair.create_from_uri (see tests/fixtures).
        let alice = Keypair::from_uri("//Alice").unwrap();
        assert_eq!(
            alice.ss58(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        let stash = Keypair::from_uri("//Alice//stash").unwrap();
        assert_eq!(
            stash.ss58(),
            "5GNJqTPyNqANBkUVMN1LPPrxXnFouWXoe2wNSmmEoLctxiZY"
        );
        let one = Keypair::from_uri("//1").unwrap();
        assert_eq!(
            one.ss58(),
            "5GBNeWRhZc2jXu7D55rBimKYDk8PGk8itRYFTPfC8RJLKG5o"
        );
        let dev = Keypair::from_uri(DEV_PHRASE).unwrap();
        assert_eq!(
            dev.ss58(),
            "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
        );
        assert!(matches!(
            Keypair::from_uri("//Alice/soft"),
            Err(KeyError::Uri(_))
        ));
        assert!(matches!(
            Keypair::from_uri("//Alice///pw"),
            Err(KeyError::Uri(_))
        ));
    }

    #[test]
    fn long_junction_is_hashed() {
        let name = "a".repeat(40);
        let cc = chain_code(&name);
        assert_ne!(cc[..2], [160, 97]);
        assert_eq!(compact_len(40), vec![160]);
        assert_eq!(compact_len(64), vec![0x01, 0x01]);
    }

    #[test]
    fn sign_verify_and_bytes_wrapping() {
        let (k, phrase) = Keypair::generate(12).unwrap();
        assert_eq!(phrase.split(' ').count(), 12);
        let id = k.account_id();
        let sig = k.sign(b"hello");
        assert!(verify(&id, b"hello", &sig));
        assert!(!verify(&id, b"hellO", &sig));
        let wrapped_sig = k.sign(b"<Bytes>hello</Bytes>");
        assert!(verify(&id, b"hello", &wrapped_sig));
        let other = Keypair::generate(12).unwrap().0;
        assert!(!verify(&other.account_id(), b"hello", &sig));
    }

    #[test]
    fn decoded_keys_are_cached_without_changing_verdicts() {
        let k = Keypair::from_seed(&[77; 32]);
        let id = k.account_id();
        let sig = k.sign(b"cached");
        // The first check decodes and caches the key; the next ones hit the cache.
        for _ in 0..3 {
            assert!(verify(&id, b"cached", &sig));
            assert!(!verify(&id, b"cacheD", &sig));
        }
        assert!(key_cache().lock().unwrap().current.contains_key(&id.0));
        // Bytes that are no Ristretto point never verify and are never kept.
        let bad = AccountId([0xff; 32]);
        assert!(!verify(&bad, b"cached", &sig));
        assert!(!verify(&bad, b"cached", &sig));
        let cache = key_cache().lock().unwrap();
        assert!(!cache.current.contains_key(&bad.0) && !cache.previous.contains_key(&bad.0));
    }

    #[test]
    fn the_key_cache_holds_at_most_two_generations() {
        // More distinct signers than two generations hold: the cache never exceeds them, and
        // every key still verifies (evicted ones are decoded again).
        let keys: Vec<Keypair> = (0..(2 * KEY_CACHE_CAPACITY + 100) as u64)
            .map(|i| {
                let mut seed = [0x5au8; 32];
                seed[..8].copy_from_slice(&i.to_le_bytes());
                Keypair::from_seed(&seed)
            })
            .collect();
        let sig = keys[0].sign(b"first");
        for k in &keys {
            assert!(public_key(&k.account_id()).is_some());
            let cache = key_cache().lock().unwrap();
            assert!(cache.current.len() <= KEY_CACHE_CAPACITY);
            assert!(cache.previous.len() <= KEY_CACHE_CAPACITY);
        }
        assert!(verify(&keys[0].account_id(), b"first", &sig));
    }

    #[test]
    fn batch_reports_each_item() {
        let keys: Vec<Keypair> = (0..8).map(|i| Keypair::from_seed(&[i as u8; 32])).collect();
        let ids: Vec<AccountId> = keys.iter().map(Keypair::account_id).collect();
        let msgs: Vec<Vec<u8>> = (0..8).map(|i| format!("m{i}").into_bytes()).collect();
        let mut sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
        let items = |sigs: &[Signature]| -> Vec<bool> {
            let batch: Vec<SignedMessage<'_>> = (0..8)
                .map(|i| SignedMessage {
                    account: &ids[i],
                    message: &msgs[i],
                    signature: &sigs[i],
                })
                .collect();
            verify_batch(&batch)
        };
        assert_eq!(items(&sigs), vec![true; 8]);
        sigs[3].0[5] ^= 1;
        let mut expect = vec![true; 8];
        expect[3] = false;
        assert_eq!(items(&sigs), expect);
        assert!(verify_batch(&[]).is_empty());
    }

    #[test]
    fn rejects_bad_mnemonics() {
        assert!(matches!(
            Keypair::generate(13),
            Err(KeyError::WordCount(13))
        ));
        assert!(matches!(
            Keypair::from_mnemonic("abandon abandon"),
            Err(KeyError::WordCount(2))
        ));
        // Twelve valid words with a wrong checksum.
        let bad = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";
        assert!(matches!(
            Keypair::from_mnemonic(bad),
            Err(KeyError::Mnemonic(_))
        ));
        assert!(matches!(
            Keypair::from_seed_hex("0x1234"),
            Err(KeyError::Seed(_))
        ));
        assert!(matches!(
            Keypair::from_private_key(&[1u8; 10]),
            Err(KeyError::PrivateKey(_))
        ));
    }

    #[test]
    fn debug_hides_secrets() {
        let (k, _phrase) = Keypair::generate(12).unwrap();
        assert_eq!(format!("{k:?}"), format!("Keypair({})", k.ss58()));
    }
}
