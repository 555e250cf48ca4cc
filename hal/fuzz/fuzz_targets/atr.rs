//! ATR parser on arbitrary bytes: never panics; an accepted ATR keeps its bytes and names at
//! least one protocol.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::iso7816::Atr;

fuzz_target!(|data: &[u8]| {
    if let Ok(atr) = Atr::parse(data) {
        assert_eq!(atr.as_bytes(), data);
        assert!(!atr.protocols().is_empty());
        assert!(atr.historical.len() <= 15);
        let _ = atr.is_pcsc_contactless();
    }
});
