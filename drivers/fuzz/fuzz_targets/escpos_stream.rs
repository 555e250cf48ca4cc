//! Arbitrary bytes into the simulated printer (ESC/POS decoder, real-time status, rendering).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_drivers::sim::printer::SimPrinterHandle;

fuzz_target!(|data: &[u8]| {
    let printer = SimPrinterHandle::new(32);
    for piece in data.chunks(7) {
        let _ = printer.exchange(piece);
    }
    for receipt in printer.receipts() {
        let _ = receipt.text();
    }
});
