//! SS58 addresses and hex ids from arbitrary text: typed errors only, and valid ones
//! round-trip.
#![no_main]
use libfuzzer_sys::fuzz_target;
use taonet_crypto::ss58;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = ss58::decode(text) {
            assert_eq!(ss58::decode(&ss58::encode(&key)), Ok(key));
        }
        let _ = taonet_types::AccountId::from_hex(text);
        let _ = text.parse::<taonet_types::Rao>();
    }
});
