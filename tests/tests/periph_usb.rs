//! USB devices through libusb for real: each outer test runs this test binary again under
//! `umockdev-run`, which fakes the device in sysfs and /dev/bus/usb and replays a usbmon
//! capture (tests/captures/, see its README) to libusb; the inner test (ignored in a normal
//! run) drives our rusb driver against it. The printer replay also checks our OUT bytes: the
//! replay stalls on any byte that differs from the capture.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use pos_drivers::escpos::printer::EscPosPrinter;
use pos_drivers::escpos::spooler::SpoolerConfig;
use pos_drivers::usb::hidpos::HidPosLayout;
use pos_drivers::usb::{
    CLASS_HID, CLASS_PRINTER, ScannerMode, UsbBulkPipe, UsbHidMsr, UsbHidScanner, UsbId, UsbTarget,
};
use pos_hal::device::UposDevice;
use pos_hal::device::msr::{MagStripeReader, MsrEvent, TrackFault};
use pos_hal::device::printer::{JobState, PrinterEvent, ReceiptPrinter};
use pos_hal::device::scanner::{BarcodeScanner, Symbology, gs1};
use pos_hal::receipt::{Columns, DocumentBuilder};

const SYSFS: &str = "/sys/devices/pci0000:00/0000:00:14.0/usb1";

fn captures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures")
}

/// Runs `inner` in a fresh process under umockdev with the named fixture.
fn replay(fixture: &str, port: u8, inner: &str) {
    let dir = captures();
    let device = dir.join(format!("{fixture}.umockdev"));
    let pcap = dir.join(format!("{fixture}.pcap"));
    let output = Command::new("umockdev-run")
        .arg("-d")
        .arg(&device)
        .arg("-p")
        .arg(format!("{SYSFS}/1-{port}={}", pcap.display()))
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            inner,
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .output()
        .expect("umockdev-run (Debian package umockdev; scripts/setup-debian installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "replay of {fixture} failed\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "inner test did not run\n{stdout}\n{stderr}"
    );
}

fn in_testbed() {
    assert!(
        std::env::var_os("UMOCKDEV_DIR").is_some(),
        "this test runs only inside umockdev-run (see replay())"
    );
}

fn target(vid: u16, pid: u16, class: u8) -> UsbTarget {
    // A second, absent id first: the driver takes the first id in the list that is present.
    UsbTarget {
        ids: vec![UsbId { vid, pid: 0xffff }, UsbId { vid, pid }],
        class,
        detach_kernel_driver: false,
    }
}

#[test]
fn usb_printer_replay() {
    replay("printer", 4, "inner_usb_printer");
}

#[test]
#[ignore = "runs inside umockdev-run, started by usb_printer_replay"]
fn inner_usb_printer() {
    in_testbed();
    let pipe = UsbBulkPipe::new(
        target(0x04b8, 0x0202, CLASS_PRINTER),
        Duration::from_secs(1),
    );
    let config = SpoolerConfig {
        segments_per_check: 8,
        ..SpoolerConfig::default()
    };
    let mut printer = EscPosPrinter::new("printer0", pipe, config);
    printer.start(Duration::from_secs(1)).unwrap();
    let doc = DocumentBuilder::new(Columns::C32)
        .line("USB printer OK")
        .cut()
        .build();
    let job = printer.print(&doc).unwrap();
    let events = printer.poll().unwrap();
    assert_eq!(
        events,
        vec![PrinterEvent::PaperNearEnd, PrinterEvent::Completed { job }]
    );
    assert_eq!(printer.job_state(job), Some(JobState::Completed));
}

#[test]
fn usb_keyboard_scanner_replay() {
    replay("scanner", 1, "inner_usb_keyboard_scanner");
}

#[test]
#[ignore = "runs inside umockdev-run, started by usb_keyboard_scanner_replay"]
fn inner_usb_keyboard_scanner() {
    in_testbed();
    let mut scanner = UsbHidScanner::new(
        "scanner0",
        target(0x0c2e, 0x0b61, CLASS_HID),
        ScannerMode::Keyboard,
    );
    scanner.start(Duration::from_secs(1)).unwrap();
    let scan = scanner.next_scan(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(scan.data, "4006381333931");
    assert_eq!(scan.symbology, Symbology::Ean13);
    assert_eq!(
        scanner.next_scan(Duration::from_millis(200)).unwrap(),
        None,
        "end of the recording"
    );
}

#[test]
fn usb_hid_pos_scanner_replay() {
    replay("hidpos", 5, "inner_usb_hid_pos_scanner");
}

#[test]
#[ignore = "runs inside umockdev-run, started by usb_hid_pos_scanner_replay"]
fn inner_usb_hid_pos_scanner() {
    in_testbed();
    let mode = ScannerMode::HidPos(HidPosLayout::default());
    let mut scanner = UsbHidScanner::new("scanner1", target(0x0c2e, 0x0b61, CLASS_HID), mode);
    scanner.start(Duration::from_secs(1)).unwrap();
    let scan = scanner.next_scan(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(scan.symbology, Symbology::Gs1_128);
    let elements = gs1::parse(&scan.data).unwrap();
    assert_eq!(gs1::gtin(&elements), Some("09501101020917"));
    assert_eq!(gs1::net_weight_kg(&elements).as_deref(), Some("1.250"));
}

#[test]
fn usb_hid_swipe_reader_replay() {
    replay("msr", 2, "inner_usb_hid_swipe_reader");
}

#[test]
#[ignore = "runs inside umockdev-run, started by usb_hid_swipe_reader_replay"]
fn inner_usb_hid_swipe_reader() {
    in_testbed();
    let mut msr = UsbHidMsr::new("msr0", target(0x0801, 0x0002, CLASS_HID));
    msr.start(Duration::from_secs(1)).unwrap();
    let Some(MsrEvent::Swiped(swipe)) = msr.next_event(Duration::from_secs(5)).unwrap() else {
        panic!("first report is a good swipe");
    };
    assert_eq!(swipe.pan().unwrap().masked(), "************1111");
    assert_eq!(swipe.track2.as_ref().unwrap().service_code, "101");
    let debug = format!("{swipe:?}");
    assert!(
        !debug.contains("4111111111111111"),
        "Debug leaks the PAN: {debug}"
    );
    match msr.next_event(Duration::from_secs(5)).unwrap() {
        Some(MsrEvent::BadSwipe(e)) => {
            assert_eq!(e.fault, TrackFault::Lrc);
            assert!(!e.to_string().contains("4111"));
        }
        other => panic!("second report has a bad LRC: {other:?}"),
    }
}
