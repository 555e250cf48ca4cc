//! Fuzz target: DOL parsing and building never panic, and building always yields exactly the
//! length the DOL declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::tlv::Dol;

fuzz_target!(|data: &[u8]| {
    let split = data.len() / 2;
    if let Ok(dol) = Dol::parse(&data[..split]) {
        let value = &data[split..];
        let built = dol.build(|_| Some(value));
        assert_eq!(built.len(), dol.data_len());
        assert!(dol.split(&built).is_some());
        let _ = Dol::parse(&dol.encode());
    }
});
