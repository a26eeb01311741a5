//! Keyfiles: bittensor's JSON key format and its encryption.
//!
//! # Format
//! A keyfile's plaintext is one flat JSON object with camelCase keys (see [`KeyfileData`]):
//! `accountId`, `publicKey`, `privateKey`, `secretPhrase`, `secretSeed`, `ss58Address`,
//! `cryptoType` (1 = sr25519). Public files (`coldkeypub.txt`, `<hotkey>pub.txt`) carry only
//! the public fields. Key order is not significant.
//!
//! Loading takes the first usable of `secretPhrase` → `secretSeed` → `privateKey`, and falls
//! back to a public-only key from `ss58Address`/`publicKey`. Whatever secret is used must give
//! the public key the file states, otherwise the file is rejected as inconsistent.
//!
//! # Encryption
//! A keyfile is encrypted when its bytes start with:
//! - `$NACL` (written by taonet, bittensor-wallet ≥ 2 and bittensor 11): then a 24-byte nonce,
//!   then a libsodium `crypto_secretbox` (XSalsa20-Poly1305, tag first) of the plaintext, under
//!   a key from argon2i v1.3 (opslimit 8, memlimit 512 MiB, 1 lane, 32 bytes) of the password
//!   with bittensor's fixed salt. Each encryption or decryption costs about half a GiB of RAM
//!   and a few seconds, by design.
//! - `$ANSIBLE_VAULT` (legacy bittensor ≤ 5): ansible-vault 1.1 AES256, read only.
//! - `gAAAAA` (older Fernet tokens): recognised and refused with an explanation, since no
//!   current tool can open them.
//!
//! Decryption authenticates before it returns anything: a wrong password is reported as
//! [`KeyfileError::WrongPassword`] and never yields garbage.

use aes::cipher::{KeyIvInit, StreamCipher};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Nonce, XSalsa20Poly1305};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use taonet_types::AccountId;
use zeroize::Zeroizing;

use crate::keys::{KeyError, Keypair};
use crate::ss58::{Ss58, Ss58Error};

/// Prefix of `$NACL`-encrypted keyfiles.
pub const NACL_PREFIX: &[u8] = b"$NACL";
/// Prefix of legacy ansible-vault keyfiles.
pub const ANSIBLE_PREFIX: &[u8] = b"$ANSIBLE_VAULT";
/// Prefix of legacy Fernet keyfiles.
pub const FERNET_PREFIX: &[u8] = b"gAAAAA";

/// bittensor's fixed argon2 salt for `$NACL` keyfiles.
pub const NACL_SALT: [u8; 16] = [
    0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1,
];
/// argon2i passes (libsodium's "sensitive" opslimit).
pub const NACL_OPSLIMIT: u32 = 8;
/// argon2i memory in KiB (libsodium's "sensitive" memlimit, 512 MiB).
pub const NACL_MEMLIMIT_KIB: u32 = 512 * 1024;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// The `cryptoType` of sr25519 keys.
pub const CRYPTO_TYPE_SR25519: u8 = 1;

/// How a keyfile's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Plain JSON.
    Plain,
    /// `$NACL` (argon2i + XSalsa20-Poly1305).
    Nacl,
    /// Legacy ansible-vault.
    AnsibleVault,
    /// Legacy Fernet, unreadable by current tools.
    Fernet,
}

impl Encoding {
    /// Detects the encoding from the first bytes.
    pub fn detect(bytes: &[u8]) -> Encoding {
        if bytes.starts_with(NACL_PREFIX) {
            Encoding::Nacl
        } else if bytes.starts_with(ANSIBLE_PREFIX) {
            Encoding::AnsibleVault
        } else if bytes.starts_with(FERNET_PREFIX) {
            Encoding::Fernet
        } else {
            Encoding::Plain
        }
    }

    /// Whether a password is needed to read it.
    pub fn is_encrypted(self) -> bool {
        self != Encoding::Plain
    }
}

/// What went wrong reading or decrypting a keyfile.
#[derive(Debug, thiserror::Error)]
pub enum KeyfileError {
    /// The password does not open the keyfile.
    #[error("wrong password: the keyfile could not be decrypted with it (nothing was changed)")]
    WrongPassword,
    /// The encrypted bytes are damaged or truncated.
    #[error("the encrypted keyfile is damaged or truncated: {0}")]
    Corrupt(String),
    /// A Fernet keyfile from very old bittensor versions.
    #[error(
        "this keyfile uses the legacy Fernet format, which current bittensor tools cannot open either; regenerate the key from its mnemonic"
    )]
    Fernet,
    /// The plaintext is not a keyfile JSON object.
    #[error("not a keyfile: {0}")]
    Json(String),
    /// The keyfile has no usable key material.
    #[error(
        "the keyfile holds no key: none of secretPhrase, secretSeed, privateKey, ss58Address, publicKey is usable"
    )]
    NoKey,
    /// A key field is malformed.
    #[error("keyfile field {field} is invalid: {reason}")]
    Field {
        /// The JSON field name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The secret does not match the public key the file states.
    #[error("the keyfile is inconsistent: its secret gives {derived} but the file says {stated}")]
    Inconsistent {
        /// The address derived from the secret.
        derived: String,
        /// The address written in the file.
        stated: String,
    },
    /// An ed25519 keyfile (cryptoType 0) — not supported for wallets.
    #[error("the keyfile holds an ed25519 key (cryptoType 0); taonet wallets use sr25519")]
    UnsupportedCryptoType,
    /// The key derivation function failed (out of memory, usually).
    #[error("key derivation failed: {0}")]
    Kdf(String),
}

/// The JSON content of a keyfile, field for field as bittensor writes it. Its secret fields
/// (mnemonic, seed, private key) are wiped when it is dropped.
#[derive(
    Clone, Default, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop,
)]
#[serde(rename_all = "camelCase")]
pub struct KeyfileData {
    /// `0x` + public key hex (same as `publicKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// `0x` + public key hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// `0x` + 64-byte schnorrkel secret hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// The BIP39 mnemonic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_phrase: Option<String>,
    /// `0x` + 32-byte mini secret hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_seed: Option<String>,
    /// SS58 address of the public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ss58_address: Option<String>,
    /// 1 = sr25519, 0 = ed25519; absent in older files (= sr25519).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypto_type: Option<u8>,
}

impl std::fmt::Debug for KeyfileData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyfileData")
            .field("ss58_address", &self.ss58_address)
            .field("has_secret", &self.has_secret())
            .finish()
    }
}

impl KeyfileData {
    /// The full keyfile of a keypair (secret fields included).
    pub fn from_keypair(pair: &Keypair) -> KeyfileData {
        let public = pair.account_id().to_hex();
        KeyfileData {
            account_id: Some(public.clone()),
            public_key: Some(public),
            // The hex is built in wiped buffers; only the final strings live in the struct
            // (wiped on its drop).
            private_key: Some(format!(
                "0x{}",
                *Zeroizing::new(hex::encode(&pair.private_key()[..]))
            )),
            secret_phrase: pair.phrase().map(str::to_string),
            secret_seed: pair
                .seed()
                .map(|s| format!("0x{}", *Zeroizing::new(hex::encode(&s[..])))),
            ss58_address: Some(pair.ss58()),
            crypto_type: Some(CRYPTO_TYPE_SR25519),
        }
    }

    /// The public-only keyfile of an account (`coldkeypub.txt`, `<hotkey>pub.txt`).
    pub fn public(account: &AccountId) -> KeyfileData {
        KeyfileData {
            account_id: Some(account.to_hex()),
            public_key: Some(account.to_hex()),
            private_key: None,
            secret_phrase: None,
            secret_seed: None,
            ss58_address: Some(account.to_ss58()),
            crypto_type: Some(CRYPTO_TYPE_SR25519),
        }
    }

    /// Whether the file carries secret material.
    pub fn has_secret(&self) -> bool {
        self.secret_phrase.is_some() || self.secret_seed.is_some() || self.private_key.is_some()
    }

    /// Parses keyfile JSON (plaintext).
    pub fn from_json(bytes: &[u8]) -> Result<KeyfileData, KeyfileError> {
        serde_json::from_slice(bytes).map_err(|e| KeyfileError::Json(e.to_string()))
    }

    /// Serialises to compact JSON.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        // Serialising a struct of strings cannot fail.
        Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The public key the file states (`publicKey`, `accountId`, or `ss58Address`).
    pub fn stated_account(&self) -> Result<Option<AccountId>, KeyfileError> {
        if let Some(pk) = self.public_key.as_ref().or(self.account_id.as_ref()) {
            return AccountId::from_hex(pk)
                .map(Some)
                .map_err(|e| KeyfileError::Field {
                    field: "publicKey",
                    reason: e.to_string(),
                });
        }
        if let Some(addr) = &self.ss58_address {
            return AccountId::from_ss58(addr)
                .map(Some)
                .map_err(|e: Ss58Error| KeyfileError::Field {
                    field: "ss58Address",
                    reason: e.to_string(),
                });
        }
        Ok(None)
    }

    /// The secret keypair, taken from the first usable of `secretPhrase`, `secretSeed`,
    /// `privateKey`; `Ok(None)` for a public-only file.
    pub fn keypair(&self) -> Result<Option<Keypair>, KeyfileError> {
        if self.crypto_type == Some(0) {
            return Err(KeyfileError::UnsupportedCryptoType);
        }
        let field = |field: &'static str| {
            move |e: KeyError| KeyfileError::Field {
                field,
                reason: e.to_string(),
            }
        };
        let pair = if let Some(phrase) = &self.secret_phrase {
            Some(Keypair::from_mnemonic(phrase).map_err(field("secretPhrase"))?)
        } else {
            // bittensor-wallet 4 writes a malformed `secretSeed` for keys made from a seed; fall
            // through to `privateKey` when the seed is not 32 bytes of hex.
            let seed = self
                .secret_seed
                .as_deref()
                .and_then(|s| Keypair::from_seed_hex(s).ok());
            match (seed, &self.private_key) {
                (Some(p), _) => Some(p),
                (None, Some(pk)) => {
                    let digits = pk.trim().strip_prefix("0x").unwrap_or(pk.trim());
                    let bytes =
                        Zeroizing::new(hex::decode(digits).map_err(|e| KeyfileError::Field {
                            field: "privateKey",
                            reason: e.to_string(),
                        })?);
                    Some(Keypair::from_private_key(&bytes).map_err(field("privateKey"))?)
                }
                (None, None) if self.secret_seed.is_some() => {
                    return Err(KeyfileError::Field {
                        field: "secretSeed",
                        reason: "expected 0x followed by 64 hex digits".into(),
                    });
                }
                (None, None) => None,
            }
        };
        if let (Some(pair), Some(stated)) = (&pair, self.stated_account()?)
            && pair.account_id() != stated
        {
            return Err(KeyfileError::Inconsistent {
                derived: pair.ss58(),
                stated: stated.to_ss58(),
            });
        }
        Ok(pair)
    }

    /// The account of the file: from the secret if present, else the stated public key.
    pub fn account(&self) -> Result<AccountId, KeyfileError> {
        if let Some(pair) = self.keypair()? {
            return Ok(pair.account_id());
        }
        self.stated_account()?.ok_or(KeyfileError::NoKey)
    }
}

fn nacl_key(password: &str) -> Result<Zeroizing<[u8; 32]>, KeyfileError> {
    let params = argon2::Params::new(NACL_MEMLIMIT_KIB, NACL_OPSLIMIT, 1, Some(32))
        .map_err(|e| KeyfileError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), &NACL_SALT, key.as_mut())
        .map_err(|e| KeyfileError::Kdf(e.to_string()))?;
    Ok(key)
}

fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XSalsa20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(Nonce::from_slice(nonce), plaintext)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(NACL_PREFIX.len() + NONCE_LEN + sealed.len());
    out.extend_from_slice(NACL_PREFIX);
    out.extend_from_slice(nonce);
    out.extend_from_slice(&sealed);
    out
}

fn open(key: &[u8; 32], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyfileError> {
    let body = data
        .strip_prefix(NACL_PREFIX)
        .ok_or_else(|| KeyfileError::Corrupt("missing $NACL prefix".into()))?;
    if body.len() < NONCE_LEN + TAG_LEN {
        return Err(KeyfileError::Corrupt(format!(
            "{} bytes after $NACL, need at least {}",
            body.len(),
            NONCE_LEN + TAG_LEN
        )));
    }
    let (nonce, sealed) = body.split_at(NONCE_LEN);
    let cipher = XSalsa20Poly1305::new(key.into());
    cipher
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map(Zeroizing::new)
        .map_err(|_| KeyfileError::WrongPassword)
}

/// Encrypts keyfile plaintext in the `$NACL` format with `password`.
pub fn encrypt(plaintext: &[u8], password: &str) -> Result<Vec<u8>, KeyfileError> {
    let key = nacl_key(password)?;
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    Ok(seal(&key, &nonce, plaintext))
}

/// Decrypts an encrypted keyfile (`$NACL` or `$ANSIBLE_VAULT`); plain files are returned as
/// they are.
pub fn decrypt(data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, KeyfileError> {
    match Encoding::detect(data) {
        Encoding::Plain => Ok(Zeroizing::new(data.to_vec())),
        Encoding::Nacl => {
            // Check the shape before paying for the key derivation.
            if data.len() < NACL_PREFIX.len() + NONCE_LEN + TAG_LEN {
                return Err(KeyfileError::Corrupt("too short".into()));
            }
            open(&*nacl_key(password)?, data)
        }
        Encoding::AnsibleVault => ansible::decrypt(data, password),
        Encoding::Fernet => Err(KeyfileError::Fernet),
    }
}

/// Legacy ansible-vault 1.1/1.2 AES256 decryption.
///
/// Layout: a header line `$ANSIBLE_VAULT;1.1;AES256`, then hex (in lines) of
/// `hex(salt) \n hex(hmac) \n hex(ciphertext)`. Keys: PBKDF2-HMAC-SHA256(password, salt,
/// 10,000 rounds, 80 bytes) = AES key (32) ‖ HMAC key (32) ‖ CTR IV (16). The HMAC-SHA256 of
/// the ciphertext is checked before decrypting; the plaintext is PKCS#7 padded.
mod ansible {
    use super::*;

    type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

    fn corrupt(what: &str) -> KeyfileError {
        KeyfileError::Corrupt(format!("ansible vault: {what}"))
    }

    pub(super) fn decrypt(data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, KeyfileError> {
        let text = std::str::from_utf8(data).map_err(|_| corrupt("not text"))?;
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| corrupt("empty"))?;
        let fields: Vec<&str> = header.trim().split(';').collect();
        if fields.len() < 3 || !fields[1].starts_with("1.") || fields[2] != "AES256" {
            return Err(corrupt(&format!("unsupported header {header:?}")));
        }
        let hex_body: String = lines.map(str::trim).collect();
        let inner = hex::decode(hex_body).map_err(|_| corrupt("body is not hex"))?;
        let inner = std::str::from_utf8(&inner).map_err(|_| corrupt("inner body not text"))?;
        let parts: Vec<&str> = inner.split('\n').collect();
        if parts.len() != 3 {
            return Err(corrupt("expected salt, hmac and ciphertext"));
        }
        let salt = hex::decode(parts[0]).map_err(|_| corrupt("bad salt"))?;
        let mac = hex::decode(parts[1]).map_err(|_| corrupt("bad hmac"))?;
        let mut body = hex::decode(parts[2]).map_err(|_| corrupt("bad ciphertext"))?;

        let mut derived = Zeroizing::new([0u8; 80]);
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, 10_000, derived.as_mut());
        let (aes_key, rest) = derived.split_at(32);
        let (hmac_key, iv) = rest.split_at(32);

        let mut check =
            <Hmac<Sha256> as Mac>::new_from_slice(hmac_key).map_err(|_| corrupt("hmac key"))?;
        check.update(&body);
        check
            .verify_slice(&mac)
            .map_err(|_| KeyfileError::WrongPassword)?;

        let mut cipher =
            Aes256Ctr::new_from_slices(aes_key, iv).map_err(|_| corrupt("cipher init"))?;
        cipher.apply_keystream(&mut body);
        let pad = usize::from(*body.last().ok_or_else(|| corrupt("empty plaintext"))?);
        if pad == 0 || pad > 16 || pad > body.len() {
            return Err(corrupt("bad padding"));
        }
        body.truncate(body.len() - pad);
        Ok(Zeroizing::new(body))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secretbox_round_trip_and_tamper() {
        // The sealing layer with a fixed key (the slow argon2 is covered by integration tests).
        let key = [9u8; 32];
        let nonce = [3u8; NONCE_LEN];
        let sealed = seal(&key, &nonce, b"{\"a\":1}");
        assert_eq!(sealed.len(), 5 + 24 + 16 + 7);
        assert_eq!(&*open(&key, &sealed).unwrap(), b"{\"a\":1}");
        assert!(matches!(
            open(&[8u8; 32], &sealed),
            Err(KeyfileError::WrongPassword)
        ));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(matches!(
            open(&key, &tampered),
            Err(KeyfileError::WrongPassword)
        ));
        assert!(matches!(
            open(&key, &sealed[..30]),
            Err(KeyfileError::Corrupt(_))
        ));
    }

    #[test]
    fn detects_encodings() {
        assert_eq!(Encoding::detect(b"$NACLxx"), Encoding::Nacl);
        assert_eq!(
            Encoding::detect(b"$ANSIBLE_VAULT;1.1"),
            Encoding::AnsibleVault
        );
        assert_eq!(Encoding::detect(b"gAAAAABk"), Encoding::Fernet);
        assert_eq!(Encoding::detect(b"{}"), Encoding::Plain);
        assert!(matches!(
            decrypt(b"gAAAAAB", "x"),
            Err(KeyfileError::Fernet)
        ));
        assert!(matches!(
            decrypt(b"$NACL123", "x"),
            Err(KeyfileError::Corrupt(_))
        ));
    }

    #[test]
    fn keyfile_priority_and_consistency() {
        let (pair, _) = Keypair::generate(12).unwrap();
        let full = KeyfileData::from_keypair(&pair);
        assert_eq!(
            full.keypair().unwrap().unwrap().account_id(),
            pair.account_id()
        );

        // Seed only, private key only.
        let mut seed_only = KeyfileData::default();
        seed_only.secret_seed = full.secret_seed.clone();
        assert_eq!(seed_only.account().unwrap(), pair.account_id());
        let mut private_only = KeyfileData::default();
        private_only.private_key = full.private_key.clone();
        assert_eq!(private_only.account().unwrap(), pair.account_id());

        // Public only.
        let public = KeyfileData::public(&pair.account_id());
        assert!(public.keypair().unwrap().is_none());
        assert_eq!(public.account().unwrap(), pair.account_id());

        // A secret that does not match the stated public key.
        let other = Keypair::generate(12).unwrap().0;
        let mut mixed = KeyfileData::from_keypair(&other);
        mixed.public_key = full.public_key.clone();
        mixed.account_id = full.account_id.clone();
        assert!(matches!(
            mixed.keypair(),
            Err(KeyfileError::Inconsistent { .. })
        ));

        assert!(matches!(
            KeyfileData::default().account(),
            Err(KeyfileError::NoKey)
        ));
        // Secret fields are wiped on drop.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        wiped_on_drop(&full);
        assert!(matches!(
            KeyfileData::from_json(b"[1,2]"),
            Err(KeyfileError::Json(_))
        ));
        let mut ed = full.clone();
        ed.crypto_type = Some(0);
        assert!(matches!(
            ed.keypair(),
            Err(KeyfileError::UnsupportedCryptoType)
        ));
    }
}
