//! Stored state records from arbitrary bytes: rebuilding a state never panics, and a record
//! that decodes on its own (an identity, a stake move, a coldkey swap) re-encodes to exactly
//! the same bytes.
#![no_main]
use commonware_codec::{Copying, Decode, Encode};
use libfuzzer_sys::fuzz_target;
use taonet_runtime::State;
use taonet_runtime::identity::Identity;
use taonet_runtime::keyswap::ColdkeySwap;
use taonet_runtime::stake_moves::StakeMove;
use taonet_types::Hash;

fuzz_target!(|records: Vec<(Vec<u8>, Vec<u8>)>| {
    let _ = State::from_records(records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())), Hash::ZERO);
    for (_, v) in &records {
        if let Ok(identity) = Identity::decode_cfg(Copying(v), &()) {
            assert_eq!(identity.encode().as_ref(), v.as_slice());
        }
        if let Ok(record) = StakeMove::decode_cfg(Copying(v), &()) {
            assert_eq!(record.encode().as_ref(), v.as_slice());
        }
        if let Ok(swap) = ColdkeySwap::decode_cfg(Copying(v), &()) {
            assert_eq!(swap.encode().as_ref(), v.as_slice());
        }
    }
});
