#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The touchscreen's receipt buttons over the real services and the in-process simulated
//! printer (`[devices] printer = "sim"`): after a cash sale the drawer opens, the preview is the
//! receipt as printed, "Print receipt" prints it once, and the devices screen's printer test
//! prints the test page.

mod ui_support;

use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::services::ServicesBackend;
use pos_app::ui::screen::settings;
use pos_app::ui::{Message, Screen};
use std::sync::Arc;
use ui_support::Harness;

#[test]
fn print_receipt_after_a_cash_sale_and_the_printer_test_page() {
    let dir = tempfile::tempdir().unwrap();
    let (lane, _) = Lane::init(dir.path(), Config::default(), true).unwrap();
    let backend = Arc::new(ServicesBackend::new(lane));
    let sim = backend.printer().unwrap().sim().unwrap().clone();
    let mut h = Harness::new(backend.clone());
    h.keep(dir);
    h.login("cashier", "1111");
    h.taps(&["1", "0", "0", "Open"]);
    h.tap("Sale");
    h.send(Message::Scanned("5012345007724".into())); // Ground Coffee 227g, 3.79
    h.tap("Pay 3.79 EUR");
    h.tap("5.00 EUR");
    let Screen::Payment(p) = h.app.screen() else {
        panic!("left the payment screen")
    };
    let receipt = p.receipt().expect("sale completed").clone();
    let preview = receipt.text.join("\n");
    assert!(
        preview.contains("Ground Coffee 227g") && preview.contains("EUR 3.79"),
        "{preview}"
    );
    let line = receipt
        .text
        .iter()
        .find(|l| l.contains("Ground Coffee 227g"))
        .unwrap();
    assert!(h.shows(line), "the preview is on screen: {line:?}");
    assert_eq!(sim.drawer_kicks(), 1, "a cash sale opens the drawer");
    assert!(sim.receipts().is_empty(), "nothing printed until asked");

    h.tap("Print receipt");
    assert!(
        !matches!(h.app.screen(), Screen::Payment(_)),
        "printed: the payment screen is done"
    );
    let printed = sim.receipts();
    assert_eq!(printed.len(), 1);
    assert!(
        printed[0]
            .text()
            .contains(&format!("[QR {}]", receipt.number))
    );

    h.tap("Devices");
    h.send(Message::Settings(settings::Message::Test("Printer".into())));
    assert!(matches!(h.app.screen(), Screen::Settings(_)));
    assert_eq!(sim.receipts().len(), 2, "the test page printed");
    assert!(h.shows("✔ test page printed"), "the cashier is told");
}
