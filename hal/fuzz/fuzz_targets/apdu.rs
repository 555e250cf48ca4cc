//! Command and response APDU parsers on arbitrary bytes: never panic, and whatever parses
//! re-encodes to an equal value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::iso7816::{Command, Response};

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = Command::parse(data) {
        let bytes = cmd.to_bytes().expect("a parsed command encodes");
        assert_eq!(Command::parse(&bytes).expect("re-parses"), cmd);
        let _ = cmd.case();
    }
    if let Ok(response) = Response::parse(data) {
        assert_eq!(response.to_bytes(), data);
        let _ = response.sw.meaning().to_string();
    }
});
