//! The touchscreen's receipt path over the real services and a printer on TCP: the payment
//! screen's preview is the receipt as the printer lays it out, "Print receipt" prints the
//! stored sale, paper out is reported as held (and prints once after recovery), a cash sale
//! opens the drawer, and the devices screen's "Printer" test prints `pos print test`'s page.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::services::ServicesBackend;
use pos_app::ui::backend::{Backend, BackendError, PaymentOutcome, TenderKind};
use pos_drivers::sim::printer::{SimPrinterHandle, serve};
use pos_hal::device::printer::PaperLevel;
use rust_decimal_macros::dec;

fn eventually(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn payment_preview_print_held_and_test_page_through_the_ui_backend() {
    let sim = SimPrinterHandle::new(48);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.devices.printer = format!("tcp:{}", server.endpoint);
    config.devices.drawer = "printer".into();
    let (lane, _) = Lane::init(dir.path(), config, true).unwrap();
    let backend = ServicesBackend::new(lane);
    backend.login("cashier", "1111").unwrap();
    backend.open_shift(dec!(100)).unwrap();

    backend.scan("5012345001074").unwrap();
    let PaymentOutcome::Completed(receipt) = backend.pay(TenderKind::Cash, dec!(5)).unwrap() else {
        panic!("sale not completed")
    };
    let preview = receipt.text.join("\n");
    assert!(
        preview.contains("Sourdough Loaf 800g") && preview.contains("EUR 3.49"),
        "{preview}"
    );
    assert!(
        preview.contains(&format!("[QR {}]", receipt.number)),
        "{preview}"
    );
    // The kick crosses TCP; the simulated printer counts it when it has read it.
    assert!(
        eventually(|| sim.drawer_kicks() == 1),
        "cash sale opens the drawer"
    );

    backend.print_receipt(&receipt.number).unwrap();
    assert_eq!(sim.receipts().len(), 1);
    assert!(sim.receipts()[0].text().contains("Sourdough Loaf 800g"));

    sim.set_paper(PaperLevel::Out);
    let held = backend.print_receipt(&receipt.number).unwrap_err();
    assert!(
        matches!(&held, BackendError::Refused(m) if m.contains("held") && m.contains("out of paper")),
        "{held}"
    );
    sim.set_paper(PaperLevel::Adequate);
    assert!(
        eventually(|| sim.receipts().len() == 2),
        "the held receipt printed by itself"
    );

    let done = backend.test_device("Printer").unwrap();
    assert!(done.contains("test page printed"), "{done}");
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 3, "printed once each");
    assert!(receipts[2].text().contains("TEST PAGE") || receipts[2].text().contains("T E S T"));
    server.stop();
}
