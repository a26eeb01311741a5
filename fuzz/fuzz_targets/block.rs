//! Blocks from arbitrary bytes: decoding with limits never panics and round-trips.
#![no_main]
use commonware_codec::{Copying, Decode, Encode};
use libfuzzer_sys::fuzz_target;
use taonet_types::{Block, BlockLimits};

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::decode_cfg(Copying(data), &BlockLimits { max_transactions: 64 }) {
        assert_eq!(block.encode().as_ref(), data);
        let _ = block.hash();
    }
});
