//! Receipts from the store to a printer, end to end: a sale committed in a SQLite file is read
//! back by `services::receipts`, encoded as ESC/POS and printed on the simulated printer over
//! TCP (as a 9100 printer) and over a real pty (as a serial printer). Paper out during the
//! sale's receipt keeps the sale, holds the job and prints it once after recovery; a reprint
//! is marked COPY; a cash sale kicks the drawer through the printer.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::time::Duration;

use pos_app::config::Config;
use pos_app::domain::tender::TenderKind;
use pos_app::printing::{self, ReceiptCmd, ReceiptPrint};
use pos_app::services::{CardDetails, Lane};
use pos_app::store::CardEmv;
use pos_drivers::sim::printer::{SimPrinterHandle, SimServer, serve};
use pos_hal::device::printer::PaperLevel;
use pos_hal::receipt::MaskedPan;
use pos_tests::net::ReservedPort;
use rust_decimal_macros::dec;

/// The Visa test PAN of EMVCo's contact test card set (see shared/reference/payments.md); it
/// may only ever appear masked.
const TEST_PAN: &str = "4761739001010010";

fn tcp_printer(columns: usize) -> (SimPrinterHandle, SimServer) {
    let sim = SimPrinterHandle::new(columns);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    (sim, server)
}

/// A demo lane with `printer` configured, a cashier logged in and a shift open.
fn lane(printer: &str, paper_mm: u16) -> (tempfile::TempDir, Lane) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.devices.printer = printer.to_string();
    config.devices.paper_mm = paper_mm;
    config.devices.wait_secs = 10;
    let (mut lane, _) = Lane::init(dir.path(), config, true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(100)).unwrap();
    (dir, lane)
}

/// Sourdough loaf 3.49 and two whole wheat breads 2.19, paid by card.
fn card_sale(lane: &mut Lane) -> String {
    lane.scan("5012345001074").unwrap();
    lane.scan("SKU-01002*2").unwrap();
    let card = CardDetails {
        masked_pan: MaskedPan::bin_last4(TEST_PAN).unwrap().to_string(),
        brand: "VISA".into(),
        auth_code: "A1B2C3".into(),
        emv: Some(CardEmv {
            aid: "A0000000031010".into(),
            label: "VISA CREDIT".into(),
            entry_mode: "chip".into(),
            tvr: "0000008000".into(),
            tsi: "E800".into(),
            cvm: "PIN VERIFIED".into(),
        }),
    };
    lane.add_card_tender(dec!(7.87), card).unwrap();
    lane.complete_sale().unwrap().receipt_no
}

fn assert_card_receipt(text: &str, receipt_no: &str) {
    for want in [
        "Sourdough Loaf 800g",
        "Whole Wheat Bread 500g",
        "2 x 2.19",
        "4.38",
        "EUR 7.87",
        "Card VISA",
        "476173******0010",
        "A1B2C3",
        // The EMV block.
        "VISA CREDIT",
        "A0000000031010",
        "0000008000",
        "E800",
        "CHIP",
        "PIN VERIFIED",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    assert!(text.contains(&format!("[QR {receipt_no}]")), "{text}");
    assert!(!text.contains(TEST_PAN), "full PAN printed:\n{text}");
}

#[test]
fn card_sale_prints_over_tcp_with_the_masked_pan_only() {
    let (sim, server) = tcp_printer(48);
    let (_dir, mut lane) = lane(&format!("tcp:{}", server.endpoint), 80);
    let receipt_no = card_sale(&mut lane);
    let mut heard = Vec::new();
    let outcome = printing::print_sale_receipt(&lane, &receipt_no, false, &mut |m| heard.push(m));
    assert!(matches!(outcome, ReceiptPrint::Printed { .. }), "{heard:?}");
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1);
    assert_card_receipt(&receipts[0].text(), &receipt_no);
    assert_eq!(sim.drawer_kicks(), 0, "no drawer for a card sale");
    server.stop();
}

#[test]
fn card_sale_prints_over_a_pty_as_a_serial_printer() {
    let sim = SimPrinterHandle::new(32);
    let server = serve::serve_pty(sim.clone()).unwrap();
    let (_dir, mut lane) = lane(&format!("serial:{}:19200", server.endpoint), 58);
    let receipt_no = card_sale(&mut lane);
    let outcome = printing::print_sale_receipt(&lane, &receipt_no, false, &mut |_| {});
    assert!(matches!(outcome, ReceiptPrint::Printed { .. }));
    let text = sim.receipts()[0].text();
    assert_card_receipt(&text, &receipt_no);
    assert!(text.lines().all(|l| l.chars().count() <= 32), "{text}");
    server.stop();
}

#[test]
fn paper_out_during_the_receipt_keeps_the_sale_and_prints_once_after_recovery() {
    let (sim, server) = tcp_printer(48);
    let (_dir, mut lane) = lane(&format!("tcp:{}", server.endpoint), 80);
    lane.scan("5012345001074").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(10)).unwrap();
    let receipt_no = lane.complete_sale().unwrap().receipt_no;

    sim.paper_end_after_rows(6);
    let (tx, rx) = std::sync::mpsc::channel();
    let recovery = {
        let sim = sim.clone();
        std::thread::spawn(move || {
            // The cashier changes the roll once the lane has said the job is held.
            let held: String = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            assert!(held.contains("held"), "{held}");
            assert!(sim.receipts().is_empty(), "nothing cut while paper is out");
            sim.set_paper(PaperLevel::Adequate);
        })
    };
    let mut heard = Vec::new();
    let outcome = printing::print_sale_receipt(&lane, &receipt_no, true, &mut |m| {
        if m.contains("held") {
            tx.send(m.clone()).unwrap();
        }
        heard.push(m);
    });
    recovery.join().unwrap();
    assert!(matches!(outcome, ReceiptPrint::Printed { .. }), "{heard:?}");
    assert!(
        heard
            .iter()
            .any(|m| m.contains("held: printer is out of paper")),
        "{heard:?}"
    );
    assert_eq!(heard.iter().filter(|m| m.contains("resumed")).count(), 1);

    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1, "printed exactly once");
    let text = receipts[0].text();
    assert_eq!(text.matches("Sourdough Loaf 800g").count(), 1, "{text}");
    assert!(text.contains("Change") && text.contains("6.51"), "{text}");
    assert_eq!(sim.drawer_kicks(), 1, "a cash sale opens the drawer");
    // The sale was committed before printing and is still there.
    assert_eq!(lane.find_receipt(&receipt_no).unwrap().status, "completed");
    server.stop();
}

#[test]
fn a_printer_that_is_gone_never_loses_the_sale() {
    // A port nobody listens on, held so that nobody else takes it meanwhile.
    let reserved = ReservedPort::new().unwrap();
    let port = reserved.addr().port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.devices.printer = format!("tcp:127.0.0.1:{port}");
    config.devices.wait_secs = 1;
    let (mut lane, _) = Lane::init(dir.path(), config, true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(0)).unwrap();
    lane.scan("5012345001074").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let receipt_no = lane.complete_sale().unwrap().receipt_no;
    let outcome = printing::print_sale_receipt(&lane, &receipt_no, false, &mut |_| {});
    let ReceiptPrint::NotPrinted { reason } = outcome else {
        panic!("printed on a printer that is not there")
    };
    assert!(
        reason.contains(&format!("pos receipt print {receipt_no}")),
        "{reason}"
    );
    assert_eq!(lane.find_receipt(&receipt_no).unwrap().status, "completed");
}

#[test]
fn reprint_from_the_store_is_marked_copy() {
    let (sim, server) = tcp_printer(48);
    let (_dir, mut lane) = lane(&format!("tcp:{}", server.endpoint), 80);
    let receipt_no = card_sale(&mut lane);
    printing::run_receipt(
        ReceiptCmd::Print {
            receipt: receipt_no.clone(),
            printer: None,
        },
        &lane,
    )
    .unwrap();
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1);
    let text = receipts[0].text();
    assert!(text.contains("*** COPY ***"), "{text}");
    assert_card_receipt(&text, &receipt_no);
    let missing = printing::run_receipt(
        ReceiptCmd::Print {
            receipt: "L01-999999".into(),
            printer: None,
        },
        &lane,
    );
    assert!(missing.unwrap_err().to_string().contains("L01-999999"));
    server.stop();
}
