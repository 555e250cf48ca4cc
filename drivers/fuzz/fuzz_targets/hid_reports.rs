//! HID reports from scanners and swipe readers: boot keyboard, HID POS, MagTek 337-byte
//! reports and the ISO 7813 tracks inside them. Must never panic, and a parsed swipe's Debug
//! must never show a whole PAN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_drivers::usb::hidpos::HidPosDecoder;
use pos_drivers::usb::keyboard::BootKeyboard;
use pos_drivers::usb::magtek;
use pos_hal::device::msr::{MsrEvent, Swipe};

fuzz_target!(|data: &[u8]| {
    let mut keyboard = BootKeyboard::default();
    for report in data.chunks(8) {
        let _ = keyboard.feed(report);
    }
    let mut hidpos = HidPosDecoder::default();
    for report in data.chunks(64) {
        let _ = hidpos.feed(report);
    }
    let mut report = data.to_vec();
    report.resize(magtek::REPORT_LEN, 0);
    if let Ok((_, MsrEvent::Swiped(swipe))) = magtek::parse(&report) {
        if let Some(pan) = swipe.pan() {
            assert!(!format!("{swipe:?}").contains(pan.expose()));
        }
    }
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let _ = Swipe::parse(parts.next(), parts.next(), parts.next());
});
