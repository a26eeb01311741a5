//! Integration tests of taonet-crypto against fixtures made by the real Python
//! `bittensor-wallet` package (see `tests/fixtures/generate.py`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::path::PathBuf;

use serde_json::Value;
use taonet_crypto::keyfile::{self, Encoding, KeyfileData, KeyfileError};
use taonet_crypto::wallet::{Wallet, WalletError, mode_of};
use taonet_crypto::{Keypair, Signature, SignedMessage, Ss58, verify, verify_batch};
use taonet_types::AccountId;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&fs::read(fixture(name)).unwrap()).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn mnemonics_derive_the_same_keys_as_bittensor_wallet() {
    let vectors = json("derivation.json");
    let vectors = vectors["vectors"].as_array().unwrap();
    let mut word_counts: Vec<u64> = vectors
        .iter()
        .map(|v| v["words"].as_u64().unwrap())
        .collect();
    word_counts.dedup();
    assert_eq!(word_counts, vec![12, 15, 18, 21, 24]);
    for v in vectors {
        let pair = Keypair::from_mnemonic(s(&v["mnemonic"])).unwrap();
        assert_eq!(pair.ss58(), s(&v["ss58"]), "mnemonic {}", s(&v["mnemonic"]));
        assert_eq!(pair.account_id().to_hex(), s(&v["public_key"]));

        // Every field of the keyfile bittensor wrote is reproduced.
        let py = &v["keyfile"];
        let ours = KeyfileData::from_keypair(&pair);
        assert_eq!(ours.secret_seed.as_deref(), Some(s(&py["secretSeed"])));
        assert_eq!(ours.private_key.as_deref(), Some(s(&py["privateKey"])));
        assert_eq!(ours.public_key.as_deref(), Some(s(&py["publicKey"])));
        assert_eq!(ours.account_id.as_deref(), Some(s(&py["accountId"])));
        assert_eq!(ours.ss58_address.as_deref(), Some(s(&py["ss58Address"])));
        assert_eq!(ours.secret_phrase.as_deref(), Some(s(&py["secretPhrase"])));
        assert_eq!(
            ours.crypto_type,
            Some(py["cryptoType"].as_u64().unwrap() as u8)
        );

        // Their keyfile loads here, and so do keys made from the seed or private key alone.
        let theirs: KeyfileData = serde_json::from_value(py.clone()).unwrap();
        assert_eq!(theirs.account().unwrap(), pair.account_id());
        assert_eq!(
            Keypair::from_seed_hex(s(&py["secretSeed"])).unwrap().ss58(),
            pair.ss58()
        );
        let private = hex::decode(&s(&py["privateKey"])[2..]).unwrap();
        assert_eq!(
            Keypair::from_private_key(&private).unwrap().ss58(),
            pair.ss58()
        );

        // Their signature verifies here; ours over the same message verifies too.
        let sig = Signature::from_hex(s(&v["signature"])).unwrap();
        let msg = s(&v["message"]).as_bytes();
        assert!(verify(&pair.account_id(), msg, &sig));
        assert!(!verify(&pair.account_id(), b"another message", &sig));
        assert!(verify(&pair.account_id(), msg, &pair.sign(msg)));
    }
}

#[test]
fn seeds_and_dev_uris_match_bittensor_wallet() {
    for v in json("seeds.json")["seeds"].as_array().unwrap() {
        let pair = Keypair::from_seed_hex(s(&v["seed"])).unwrap();
        assert_eq!(pair.ss58(), s(&v["ss58"]));
        assert_eq!(pair.account_id().to_hex(), s(&v["public_key"]));
    }
    for v in json("dev_uris.json")["uris"].as_array().unwrap() {
        assert_eq!(
            Keypair::from_uri(s(&v["uri"])).unwrap().ss58(),
            s(&v["ss58"])
        );
    }
}

#[test]
fn batch_verification_of_python_signatures() {
    let vectors = json("derivation.json");
    let vectors = vectors["vectors"].as_array().unwrap();
    let ids: Vec<AccountId> = vectors
        .iter()
        .map(|v| AccountId::from_ss58(s(&v["ss58"])).unwrap())
        .collect();
    let mut sigs: Vec<Signature> = vectors
        .iter()
        .map(|v| Signature::from_hex(s(&v["signature"])).unwrap())
        .collect();
    let msg = s(&vectors[0]["message"]).as_bytes();
    let check = |sigs: &[Signature]| {
        let items: Vec<SignedMessage<'_>> = ids
            .iter()
            .zip(sigs)
            .map(|(account, signature)| SignedMessage {
                account,
                message: msg,
                signature,
            })
            .collect();
        verify_batch(&items)
    };
    assert!(check(&sigs).iter().all(|&ok| ok));
    sigs.swap(0, 1);
    let verdicts = check(&sigs);
    assert_eq!(&verdicts[..3], &[false, false, true]);
}

#[test]
fn python_nacl_coldkey_opens_and_wrong_password_is_refused() {
    // Two argon2i (512 MiB) runs: the real bittensor parameters.
    let expected = json("nacl_coldkey.json");
    let path = fixture("nacl_coldkey");
    let raw = fs::read(&path).unwrap();
    assert_eq!(Encoding::detect(&raw), Encoding::Nacl);

    let plain = keyfile::decrypt(&raw, s(&expected["password"])).unwrap();
    let data = KeyfileData::from_json(&plain).unwrap();
    let want: KeyfileData = serde_json::from_value(expected["plaintext"].clone()).unwrap();
    assert_eq!(data, want);
    assert_eq!(
        data.account().unwrap().to_ss58(),
        s(&expected["plaintext"]["ss58Address"])
    );

    let before = fs::read(&path).unwrap();
    let err = taonet_crypto::Keyfile::new(&path)
        .read(Some("not the password"))
        .unwrap_err();
    assert!(err.is_wrong_password(), "{err}");
    assert!(err.to_string().contains("wrong password"));
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "a failed read must not change the file"
    );
}

#[test]
fn nacl_round_trip_with_real_parameters() {
    // Two argon2i runs: encrypt, then decrypt what we wrote through the wallet API.
    let dir = tempfile::tempdir().unwrap();
    let wallet = Wallet::new(dir.path(), "enc").unwrap();
    let (pair, _) = Keypair::generate(24).unwrap();
    let data = KeyfileData::from_keypair(&pair);
    wallet
        .coldkey()
        .write(&data, Some("hunter22"), false)
        .unwrap();
    let raw = fs::read(wallet.coldkey().path()).unwrap();
    assert!(raw.starts_with(b"$NACL"));
    assert_eq!(raw.len(), 5 + 24 + 16 + data.to_json().len());
    assert!(matches!(
        wallet.coldkey().read(None),
        Err(WalletError::PasswordRequired(_))
    ));
    let back = wallet.coldkey().read(Some("hunter22")).unwrap();
    assert_eq!(back, data);
    assert_eq!(mode_of(wallet.coldkey().path()).unwrap(), 0o600);
}

#[test]
fn legacy_ansible_vault_keyfile_opens() {
    let expected = json("ansible_coldkey.json");
    let raw = fs::read(fixture("ansible_coldkey")).unwrap();
    assert_eq!(Encoding::detect(&raw), Encoding::AnsibleVault);
    let plain = keyfile::decrypt(&raw, s(&expected["password"])).unwrap();
    let data = KeyfileData::from_json(&plain).unwrap();
    let want: KeyfileData = serde_json::from_value(expected["plaintext"].clone()).unwrap();
    assert_eq!(data, want);
    assert!(matches!(
        keyfile::decrypt(&raw, "wrong"),
        Err(KeyfileError::WrongPassword)
    ));
    let mut damaged = raw.clone();
    damaged.truncate(raw.len() - 10);
    assert!(keyfile::decrypt(&damaged, s(&expected["password"])).is_err());
}

#[test]
fn python_wallet_directory_reads() {
    let wallet = Wallet::new(fixture("wallet"), "pywallet").unwrap();
    let cold = wallet.coldkey_account().unwrap().unwrap();
    let coldkey = wallet.coldkey().read(None).unwrap();
    assert_eq!(coldkey.account().unwrap(), cold);
    assert_eq!(wallet.hotkeys().unwrap(), vec!["pyhot".to_string()]);
    let hot = wallet.hotkey("pyhot").unwrap().read(None).unwrap();
    let hot_account = hot.keypair().unwrap().unwrap().account_id();
    assert_eq!(wallet.hotkey_account("pyhot").unwrap(), Some(hot_account));
    assert_ne!(hot_account, cold);
    let pubfile = wallet.hotkeypub("pyhot").unwrap().read(None).unwrap();
    assert_eq!(pubfile.account().unwrap(), hot_account);
    assert!(!pubfile.has_secret());
}
#[path = "crypto/secret_file.rs"]
mod secret_file;
