//! Signed transactions from arbitrary bytes: decoding never panics, and whatever decodes
//! re-encodes to exactly the same bytes.
#![no_main]
use commonware_codec::{Copying, Decode, Encode};
use libfuzzer_sys::fuzz_target;
use taonet_types::SignedTransaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = SignedTransaction::decode_cfg(Copying(data), &()) {
        assert_eq!(tx.encode().as_ref(), data);
    }
});
