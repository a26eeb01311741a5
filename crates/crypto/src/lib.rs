//! Keys, addresses, signatures and wallets for taonet, compatible with bittensor's.
//!
//! - [`Keypair`]: sr25519 keys derived exactly like bittensor wallets (BIP39 mnemonic →
//!   substrate-bip39 mini secret → schnorrkel Ed25519-mode expansion), so the same mnemonic
//!   gives the same address in both; signing with the `substrate` context.
//! - [`ss58`]: format-42 SS58 addresses with distinct decoding errors.
//! - [`verify`] / [`verify_batch`]: signature checks that also accept the `<Bytes>…</Bytes>`
//!   wrapped form, one by one or batched.
//! - [`keyfile`]: bittensor's JSON keyfiles and their `$NACL` encryption (argon2i +
//!   XSalsa20-Poly1305), plus reading legacy `$ANSIBLE_VAULT` files.
//! - [`voucher`]: signing and checking payment-channel vouchers (domain-separated from
//!   transaction signatures).
//! - [`wallet`]: the `~/.bittensor/wallets/<name>/{coldkey,coldkeypub.txt,hotkeys/…}` layout,
//!   with atomic, no-clobber, 0600/0700 writes.
//! - [`atomic_file`]: the one atomic file writer (temporary file in the same directory,
//!   fsync, rename or no-clobber link, directory fsync), used by every crate that replaces a
//!   file in place; [`secret_file`] is its 0600 form behind wallet keyfiles, node consensus
//!   keys and voucher books.
//!
//! ```
//! use taonet_crypto::{Keypair, Ss58, verify};
//!
//! let pair = Keypair::from_uri("//Alice")?;
//! assert_eq!(pair.ss58(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
//! let sig = pair.sign(b"hello");
//! assert!(verify(&pair.account_id(), b"hello", &sig));
//!
//! let account = taonet_types::AccountId::from_ss58(&pair.ss58())?;
//! assert_eq!(account, pair.account_id());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//! - Derivation, SS58 and keyfile formats are pinned by fixtures produced with the real
//!   Python `bittensor-wallet` package (`tests/fixtures/`).
//! - Secrets are zeroised on drop and never appear in `Debug` output or error messages.
//! - A keyfile on disk is replaced only on request, and always atomically; reading never
//!   writes, so a wrong password changes nothing.
//! - Decoding of addresses, signatures and keyfiles is bounded and returns typed errors; no
//!   input makes it panic.

pub mod atomic_file;
pub mod keyfile;
pub mod keys;
pub mod secret_file;
pub mod ss58;
pub mod voucher;
pub mod wallet;

pub use keyfile::{KeyfileData, KeyfileError};
pub use keys::{
    DEV_PHRASE, KeyError, Keypair, MNEMONIC_WORD_COUNTS, SIGNING_CONTEXT, Signature,
    SignatureParseError, SignedMessage, verify, verify_batch,
};
pub use ss58::{SS58_PREFIX, Ss58, Ss58Error};
pub use wallet::{Keyfile, Wallet, WalletError, list_wallets};
