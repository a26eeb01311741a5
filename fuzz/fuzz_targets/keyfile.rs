//! Keyfiles from arbitrary bytes: parsing and decryption attempts never panic. (The `$NACL`
//! path is skipped: each attempt costs 512 MiB of argon2i by design.)
#![no_main]
use libfuzzer_sys::fuzz_target;
use taonet_crypto::keyfile::{self, Encoding, KeyfileData};

fuzz_target!(|data: &[u8]| {
    if Encoding::detect(data) != Encoding::Nacl {
        let _ = keyfile::decrypt(data, "password");
    }
    if let Ok(kf) = KeyfileData::from_json(data) {
        let _ = kf.keypair();
        let _ = kf.account();
    }
});
