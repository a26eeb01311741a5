//! Payment-channel input from arbitrary bytes: signed vouchers (binary and the hex form the
//! gateway and `taonet channel claim` read) and channel calls never panic, and whatever
//! decodes re-encodes to exactly the same bytes.
#![no_main]
use commonware_codec::{Copying, Decode, Encode};
use libfuzzer_sys::fuzz_target;
use taonet_types::Call;
use taonet_types::channel::{SignedVoucher, voucher_from_hex, voucher_to_hex};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = SignedVoucher::decode_cfg(Copying(data), &()) {
        assert_eq!(v.encode().as_ref(), data);
        assert_eq!(voucher_from_hex(&voucher_to_hex(&v)), Ok(v));
    }
    // Channel calls are module 7 of `Call`.
    let mut call = vec![7u8];
    call.extend_from_slice(data);
    if let Ok(c) = Call::decode_cfg(Copying(&call), &()) {
        assert_eq!(c.encode().as_ref(), call.as_slice());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = voucher_from_hex(text);
    }
});
