//! Stored state records from arbitrary bytes: rebuilding a state never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use taonet_runtime::State;
use taonet_types::Hash;

fuzz_target!(|records: Vec<(Vec<u8>, Vec<u8>)>| {
    let _ = State::from_records(records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())), Hash::ZERO);
});
