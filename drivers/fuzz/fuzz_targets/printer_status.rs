//! Printer back-channel bytes: DLE EOT replies, ASB blocks, garbage. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_drivers::escpos::status::{DrawerWiring, Reply, ReplySplitter, apply_realtime, parse_asb};
use pos_hal::device::printer::PrinterStatus;

fuzz_target!(|data: &[u8]| {
    let wiring = DrawerWiring { open_when_high: data.first().is_some_and(|b| b & 1 == 1) };
    let mut status = PrinterStatus::default();
    for (i, byte) in data.iter().enumerate() {
        let _ = apply_realtime(&mut status, (i % 6) as u8, *byte, wiring);
    }
    for chunk in data.chunks_exact(4) {
        let _ = parse_asb([chunk[0], chunk[1], chunk[2], chunk[3]], wiring);
    }
    let mut split = ReplySplitter::default();
    for piece in data.chunks(3) {
        split.push(piece);
        while let Some(reply) = split.next_reply() {
            if let Ok(Reply::Asb(block)) = reply {
                assert!(parse_asb(block, wiring).is_ok());
            }
        }
    }
    let _ = status.attention();
});
