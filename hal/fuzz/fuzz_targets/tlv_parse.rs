//! Fuzz target: BER-TLV parsing never panics, and whatever parses re-encodes to something that
//! parses to the same objects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::tlv::{Padding, encode, parse_with};

fuzz_target!(|data: &[u8]| {
    for padding in [Padding::ZerosOnly, Padding::ZerosAndFf] {
        if let Ok(objects) = parse_with(data, padding) {
            let bytes = encode(&objects);
            let again = parse_with(&bytes, Padding::ZerosOnly);
            assert_eq!(again.as_ref(), Ok(&objects));
            for o in &objects {
                let _ = pos_hal::tlv::display_value(o.tag, o.bytes().unwrap_or_default());
            }
        }
    }
});
