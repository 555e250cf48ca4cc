#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Simulator tests of the main flows, through the real screens and the backend seam:
//! a cash sale with change, a refund with manager override, an inventory edit plus a CSV
//! import with errors, a shift close with the Z report, and barcode routing.

mod ui_support;

use pos_app::ui::backend::memory::MemoryBackend;
use pos_app::ui::backend::{Backend, CardPrompt, ProductQuery, TenderKind};
use pos_app::ui::devices::DeviceEvent;
use pos_app::ui::scan::WedgeKey;
use pos_app::ui::screen::{inventory, refund, shift};
use pos_app::ui::{Message, Nav, Screen};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ui_support::Harness;

fn backend() -> Arc<dyn Backend> {
    Arc::new(MemoryBackend::demo())
}

/// Alice logs in, opens the shift with a 100.00 float and goes to the sale screen.
fn open_lane(h: &mut Harness) {
    h.login("Alice", "1234");
    assert!(
        matches!(h.app.screen(), Screen::Shift(_)),
        "no shift open: login lands on the shift screen"
    );
    h.taps(&["1", "0", "0", "Open"]);
    assert_eq!(h.app.backend().shift().map(|s| s.float), Some(dec!(100)));
    h.tap("Sale");
    assert!(matches!(h.app.screen(), Screen::Checkout(_)));
}

fn wedge(h: &mut Harness, code: &str) {
    let mut at = Instant::now();
    for c in code.chars() {
        h.send(Message::Wedge(WedgeKey::Char(c), at));
        at += Duration::from_millis(4);
    }
    h.send(Message::Wedge(WedgeKey::Enter, at));
}

/// Rings up coffee (tile), milk (tile) and coffee again (keyboard-wedge scan): 14.13.
fn ring_up(h: &mut Harness) {
    h.tap("Grocery");
    h.tap("Coffee beans 250 g");
    h.tap("Dairy");
    h.tap("Whole milk 1 l");
    wedge(h, "4006381333931");
    let cart = h.app.backend().cart();
    assert_eq!(
        cart.lines.len(),
        2,
        "the scanned coffee joins the coffee line"
    );
    assert_eq!(cart.total, dec!(14.13));
    assert!(h.shows("14.13 EUR"));
}

#[test]
fn a_half_typed_pin_is_not_in_debug_output() {
    let mut h = Harness::new(backend());
    h.taps(&["Alice", "1", "2", "3"]);
    let dump = format!("{:?}", h.app);
    assert!(
        dump.contains("PinEntry(3 digits)"),
        "the login state is in the dump"
    );
    assert!(!dump.contains("123"), "but not the digits");
}

#[test]
fn wrong_pin_is_refused_on_screen() {
    let mut h = Harness::new(backend());
    h.taps(&["Alice", "9", "9", "9", "9", "Login"]);
    assert!(h.app.user().is_none());
    assert!(h.shows("⚠ wrong user or PIN"));
}

#[test]
fn cash_sale_with_change() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    assert!(matches!(h.app.screen(), Screen::Payment(_)));
    h.tap("20.00 EUR");
    assert!(h.shows("5.87 EUR"), "change due is shown");
    let Screen::Payment(p) = h.app.screen() else {
        panic!("left the payment screen")
    };
    let receipt = p.receipt().expect("sale completed").clone();
    assert_eq!(receipt.change, dec!(5.87));
    h.tap("No receipt");
    assert!(matches!(h.app.screen(), Screen::Checkout(_)));
    assert!(
        h.app.backend().cart().lines.is_empty(),
        "a new sale starts empty"
    );
    let shift = h.app.backend().shift().expect("shift open");
    assert_eq!(
        shift.expected_cash,
        dec!(114.13),
        "the drawer holds float + the sale"
    );
    assert_eq!(
        h.app
            .backend()
            .find_receipt(&receipt.number)
            .map(|r| r.lines.len()),
        Ok(2)
    );
}

#[test]
fn split_tender_then_cash() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("Voucher");
    h.taps(&["1", "0", "Tender"]);
    assert_eq!(h.app.backend().cart().due(), dec!(4.13));
    h.tap("Cash");
    h.tap("Exact");
    let Screen::Payment(p) = h.app.screen() else {
        panic!("left the payment screen")
    };
    assert_eq!(p.receipt().map(|r| r.change), Some(dec!(0)));
    let mix = h.app.backend().sales_report().tender_mix;
    assert_eq!(
        mix,
        vec![
            ("Cash".to_string(), dec!(4.13)),
            ("Voucher".to_string(), dec!(10))
        ]
    );
}

#[test]
fn card_sale_through_the_simulated_card_flow() {
    let backend = Arc::new(MemoryBackend::with_simulated_card());
    let mut h = Harness::new(backend.clone());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("Card");
    h.tap("Charge 14.13 EUR to card");
    h.wait_until("the application choice", |app| {
        matches!(
            ui_support::card_prompt(app),
            Some(CardPrompt::ChooseApplication(_))
        )
    });
    assert!(h.shows("Choose how to pay"));
    h.tap("VISA DEBIT");
    h.wait_until("approval", |app| {
        ui_support::card_prompt(app).is_some_and(|p| p.is_final())
    });
    // The card covered the whole sale: straight to the receipt choice.
    assert!(h.shows("Card 476173******0119 approved, auth code SIM042"));
    h.tap("Print receipt");
    assert_eq!(backend.printed(), vec!["R000001".to_string()]);
    assert_eq!(
        h.app.backend().sales_report().tender_mix,
        vec![("Card".to_string(), dec!(14.13))]
    );
}

#[test]
fn split_card_then_cash() {
    let mut h = Harness::new(Arc::new(MemoryBackend::with_simulated_card()));
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("Card");
    h.taps(&["1", "0", "Tender"]);
    h.wait_until("the application choice", |app| {
        matches!(
            ui_support::card_prompt(app),
            Some(CardPrompt::ChooseApplication(_))
        )
    });
    h.tap("VISA CREDIT");
    h.wait_until("approval", |app| {
        ui_support::card_prompt(app).is_some_and(|p| p.is_final())
    });
    assert!(h.shows("✔ Approved 10.00 EUR, auth code SIM042"));
    h.tap("Close");
    assert_eq!(h.app.backend().cart().due(), dec!(4.13));
    h.tap("Cash");
    h.tap("5.00 EUR");
    let Screen::Payment(p) = h.app.screen() else {
        panic!()
    };
    assert_eq!(p.receipt().map(|r| r.change), Some(dec!(0.87)));
}

#[test]
fn cancelling_a_card_payment_takes_nothing() {
    let mut h = Harness::new(Arc::new(MemoryBackend::with_simulated_card()));
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("Card");
    h.tap("Charge 14.13 EUR to card");
    h.wait_until("the application choice", |app| {
        matches!(
            ui_support::card_prompt(app),
            Some(CardPrompt::ChooseApplication(_))
        )
    });
    h.tap("Cancel card payment");
    h.wait_until("the end of the flow", |app| {
        ui_support::card_prompt(app).is_some_and(|p| p.is_final())
    });
    assert!(h.shows("⚠ Card payment failed: cancelled"));
    assert_eq!(h.app.backend().cart().paid, dec!(0));
}

#[test]
fn card_tender_says_the_acquirer_link_is_needed() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("Card");
    assert!(h.shows("⚠ card payments need the acquirer link"));
    assert_eq!(h.app.backend().cart().paid, dec!(0));
}

#[test]
fn keypad_sets_quantity_and_cart_discount() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    h.taps(&["Bakery", "Croissant"]);
    h.taps(&["6", "OK"]);
    assert_eq!(h.app.backend().cart().lines[0].quantity, dec!(6));
    h.taps(&["Cart %", "1", "0", "OK"]);
    assert_eq!(h.app.backend().cart().total, dec!(6.48));
    // Weighed items need the weight first.
    h.taps(&["Qty / kg", "Produce", "Apples (kg)"]);
    assert_eq!(
        h.app.backend().cart().lines.len(),
        1,
        "no weight typed: refused"
    );
    h.taps(&["1", ".", "5", "Apples (kg)"]);
    let cart = h.app.backend().cart();
    assert_eq!(cart.lines[1].quantity, dec!(1.5));
    assert_eq!(cart.lines[1].total, dec!(4.49));
}

#[test]
fn hold_and_recall() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Hold");
    assert!(h.app.backend().cart().lines.is_empty());
    h.tap("Recall");
    h.tap("Hold #1");
    assert_eq!(h.app.backend().cart().total, dec!(14.13));
}

#[test]
fn a_scan_lands_in_the_cart_from_any_screen() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    h.tap("Devices");
    wedge(&mut h, "5449000000996");
    assert!(
        matches!(h.app.screen(), Screen::Checkout(_)),
        "a scan brings the sale screen back"
    );
    assert_eq!(h.app.backend().cart().lines[0].name, "Cola 0.33 l");
    // The search field has focus-like content: the wedge's digits are taken back out.
    h.send(Message::Checkout(
        pos_app::ui::screen::checkout::Message::Search("milk5449000000996".into()),
    ));
    h.send(Message::Scanned("5449000000996".into()));
    assert_eq!(h.app.backend().cart().lines[0].quantity, dec!(2));
    assert!(h.shows("milk"), "search keeps what the cashier typed");
}

#[test]
fn a_scanner_device_event_lands_in_the_cart() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    h.tap("Refund");
    h.send(Message::Device(DeviceEvent::Scanned(
        "5449000000996".into(),
    )));
    // On the refund screen a scan is a receipt lookup, not an item.
    assert!(h.app.backend().cart().lines.is_empty());
    h.tap("Sale");
    h.send(Message::Device(DeviceEvent::Scanned(
        "5449000000996".into(),
    )));
    assert_eq!(h.app.backend().cart().lines[0].name, "Cola 0.33 l");
}

#[test]
fn refund_needs_manager_override() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("20.00 EUR");
    let Screen::Payment(p) = h.app.screen() else {
        panic!()
    };
    let number = p.receipt().expect("sale").number.clone();
    h.tap("No receipt");

    h.tap("Refund");
    h.send(Message::Refund(refund::Message::Number(number.clone())));
    h.tap("Find");
    h.tap("+"); // one coffee
    assert!(h.shows("6.49 EUR"));
    h.tap("Give refund");
    let Screen::Refund(r) = h.app.screen() else {
        panic!()
    };
    assert!(r.needs_approval(), "a cashier cannot refund alone");
    // A wrong manager PIN is refused and nothing is refunded.
    h.taps(&["Morgan", "1", "1", "1", "1", "Approve"]);
    assert_eq!(
        h.app
            .backend()
            .find_receipt(&number)
            .map(|s| s.lines[0].refundable),
        Ok(dec!(2))
    );
    h.taps(&["9", "9", "9", "9", "Approve"]);
    let Screen::Refund(r) = h.app.screen() else {
        panic!()
    };
    assert_eq!(
        r.notice(),
        Some(format!("refunded 6.49 on {number} — give the cash back").as_str())
    );
    assert_eq!(
        h.app
            .backend()
            .find_receipt(&number)
            .map(|s| s.lines[0].refundable),
        Ok(dec!(1))
    );
    assert_eq!(
        h.app.backend().shift().map(|s| s.expected_cash),
        Some(dec!(107.64))
    );
}

#[test]
fn inventory_is_for_managers_only() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    assert!(!h.shows("Inventory"));
    h.send(Message::Nav(Nav::Inventory));
    assert!(matches!(h.app.screen(), Screen::Checkout(_)));
}

#[test]
fn inventory_edit_and_csv_import_with_errors() {
    let mut h = Harness::new(backend());
    h.login("Morgan", "9999");
    h.tap("Inventory");
    h.tap("Coffee beans 250 g");
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Price,
        "7.25".into(),
    )));
    h.tap("Save");
    let coffee = h.app.backend().products(&ProductQuery {
        text: "COF-250".into(),
        ..ProductQuery::default()
    });
    assert_eq!(coffee[0].price, dec!(7.25));

    // Stock adjustment with a reason.
    h.tap("Coffee beans 250 g");
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Adjust,
        "-3".into(),
    )));
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Reason,
        "damaged".into(),
    )));
    h.tap("Adjust stock");
    let coffee = h.app.backend().products(&ProductQuery {
        text: "COF-250".into(),
        ..ProductQuery::default()
    });
    assert_eq!(coffee[0].stock, dec!(37));
    h.tap("Cancel");

    let csv = h.dir.path().join("items.csv");
    std::fs::write(
        &csv,
        "sku,gtin,name,category,price,tax_class,unit,stock,active\n\
         NEW-1,,Rye bread,Bakery,3.10,standard,each,8,1\n\
         BAD-1,,Broken price,Bakery,three,standard,each,1,1\n\
         NEW-2,96385074,Pears (kg),Produce,2.80,reduced,kg,20,1\n\
         BAD-2,,Wrong unit,Produce,1.00,standard,litre,4,1\n\
         NEW-3,,Honey,Grocery,5.50,standard,each,2,1\n",
    )
    .unwrap();
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Path,
        csv.display().to_string(),
    )));
    h.tap("Import");
    h.wait_until(
        "the import",
        |app| matches!(app.screen(), Screen::Inventory(i) if i.import_report().is_some()),
    );
    let Screen::Inventory(inv) = h.app.screen() else {
        panic!()
    };
    let report = inv.import_report().expect("import finished").clone();
    assert_eq!(report.imported, 3);
    assert_eq!(
        report
            .errors
            .iter()
            .map(|(row, _)| *row)
            .collect::<Vec<_>>(),
        vec![3, 5]
    );
    assert!(h.shows("row 3: price \"three\" is not a number"));
    assert!(h.shows("row 5: unit \"litre\" is not each or kg"));
    assert!(h.shows("Rye bread"), "imported items are listed");

    h.tap("Low stock");
    let Screen::Inventory(inv) = h.app.screen() else {
        panic!()
    };
    assert!(inv.items().iter().all(|p| p.is_low_stock()));
    assert!(inv.items().iter().any(|p| p.name == "Honey"));
}

#[test]
fn shift_close_with_z_report() {
    let mut h = Harness::new(backend());
    open_lane(&mut h);
    ring_up(&mut h);
    h.tap("Pay 14.13 EUR");
    h.tap("20.00 EUR");
    h.tap("No receipt");
    h.tap("Shift");
    h.tap("Cash in");
    h.tap("Float top-up");
    h.taps(&["1", "0", "OK"]);
    assert_eq!(
        h.app.backend().shift().map(|s| s.expected_cash),
        Some(dec!(124.13))
    );
    h.tap("X report");
    assert!(h.shows("X report (shift 1)"));
    h.tap("Done");
    h.tap("Count & close");
    // 100 + 20 + 2 + 2 + 0.10 + 0.02 + 0.01 = 124.13
    let index = |d: &str| shift::DENOMINATIONS.iter().position(|x| *x == d).unwrap();
    for (d, n) in [
        ("100", 1),
        ("20", 1),
        ("2", 2),
        ("0.10", 1),
        ("0.02", 1),
        ("0.01", 1),
    ] {
        h.send(Message::Shift(shift::Message::Count(index(d), n)));
    }
    assert!(h.shows("124.13 EUR"));
    h.tap("Close shift (Z)");
    assert!(h.shows("Z report (shift 1) — shift closed"));
    let Screen::Shift(s) = h.app.screen() else {
        panic!()
    };
    let z = s.report().expect("Z report").clone();
    assert_eq!(
        (z.counted, z.expected, z.difference()),
        (dec!(124.13), dec!(124.13), dec!(0))
    );
    assert!(h.app.backend().shift().is_none());
    assert!(h.app.backend().pay(TenderKind::Cash, dec!(1)).is_err());
}
