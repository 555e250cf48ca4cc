//! Fuzzes the ISO 8583 decoder and the frame splitter: no input may panic, and whatever
//! decodes must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The codec is self-contained (thiserror + hex); compiling it directly keeps the fuzz build
// free of the whole app (iced, SQLite) under sanitizer instrumentation.
#[path = "../../src/acquirer/iso8583/mod.rs"]
#[allow(dead_code, unused_imports)]
mod iso8583;

use iso8583::{FrameDecoder, POS_1987, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = decode(&POS_1987, data) {
        let again = encode(&POS_1987, &message).expect("a decoded message re-encodes");
        assert_eq!(again, data, "decode/encode is not canonical");
    }
    let mut frames = FrameDecoder::default();
    frames.push(data);
    while let Ok(Some(frame)) = frames.next_frame() {
        let _ = decode(&POS_1987, &frame);
    }
});
