//! The text subnet's untrusted inputs: a `NextByte` JSON body as a miner receives it (and a
//! validator reads the answer), and n-gram model files. Typed errors only; what decodes
//! stays within the limits and is usable.
#![no_main]
use libfuzzer_sys::fuzz_target;
use taonet_subnet_text::synapse::{MAX_PREFIX_BYTES, MAX_PREFIXES};
use taonet_subnet_text::{NextByte, NgramModel, score};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = serde_json::from_slice::<NextByte>(data) {
        if let Ok(prefixes) = s.decode_prefixes() {
            assert!(!prefixes.is_empty() && prefixes.len() <= MAX_PREFIXES);
            assert!(prefixes.iter().all(|p| p.len() <= MAX_PREFIX_BYTES));
        }
        let n = s.distributions.as_ref().map_or(0, Vec::len);
        if let Ok(ds) = s.decode_distributions(n) {
            let targets = vec![0u8; ds.len()];
            let bpb = score::bits_per_byte(Some(&ds), &targets);
            assert!((0.0..=score::WORST_BITS + 1e-9).contains(&bpb));
        }
    }
    if let Ok(m) = NgramModel::from_bytes(data) {
        let p = m.predict(data);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    }
});
