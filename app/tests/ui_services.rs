#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The main flows through the real screens AND the real application services: a SQLite
//! file in a temp dir, seeded with the demo catalog and users (`manager`/9999,
//! `cashier`/1111). Cash sale with change, refund with manager override, inventory edit
//! plus CSV import with errors, shift close with the Z report.

mod ui_support;

use pos_app::config::Config;
use pos_app::services::Lane;
use pos_app::ui::backend::ProductQuery;
use pos_app::ui::backend::services::ServicesBackend;
use pos_app::ui::screen::{inventory, refund, shift};
use pos_app::ui::{Message, Screen};
use rust_decimal_macros::dec;
use std::sync::Arc;
use ui_support::Harness;

const COFFEE: &str = "5012345007724"; // Ground Coffee 227g, 3.79
const MILK: &str = "5012345002408"; // Semi-Skimmed Milk 1L, 0.99

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let (lane, _) = Lane::init(dir.path(), Config::default(), true).unwrap();
    let mut h = Harness::new(Arc::new(ServicesBackend::new(lane)));
    h.keep(dir);
    h
}

fn item(h: &Harness, name: &str) -> pos_app::ui::backend::Product {
    let found = h.app.backend().products(&ProductQuery {
        text: name.into(),
        ..ProductQuery::default()
    });
    found
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no item {name}"))
}

/// The cashier logs in, opens the shift with 100.00 and rings up 2 coffee + 1 milk = 8.57.
fn sale_in_cart(h: &mut Harness) {
    h.login("cashier", "1111");
    assert!(matches!(h.app.screen(), Screen::Shift(_)));
    h.taps(&["1", "0", "0", "Open"]);
    h.tap("Sale");
    for code in [COFFEE, MILK, COFFEE] {
        h.send(Message::Scanned(code.into()));
    }
    let cart = h.app.backend().cart();
    assert_eq!(
        cart.lines.len(),
        3,
        "the domain cart keeps one line per scan"
    );
    assert_eq!(cart.total, dec!(8.57));
}

/// Pays 10.00 cash; returns the receipt number.
fn pay_cash(h: &mut Harness) -> String {
    h.tap("Pay 8.57 EUR");
    h.tap("10.00 EUR");
    assert!(h.shows("1.43 EUR"), "change due is shown");
    let Screen::Payment(p) = h.app.screen() else {
        panic!("left the payment screen")
    };
    let receipt = p.receipt().expect("sale completed").clone();
    assert_eq!(receipt.change, dec!(1.43));
    h.tap("No receipt");
    receipt.number
}

#[test]
fn cash_sale_with_change_is_stored() {
    let mut h = harness();
    let stock_before = {
        h.login("manager", "9999");
        let s = item(&h, "Ground Coffee 227g").stock;
        h.tap("Log out");
        s
    };
    sale_in_cart(&mut h);
    let number = pay_cash(&mut h);
    assert!(h.app.backend().cart().lines.is_empty());
    let sold = h.app.backend().find_receipt(&number).unwrap();
    assert_eq!(
        sold.lines
            .iter()
            .map(|l| l.quantity)
            .sum::<rust_decimal::Decimal>(),
        dec!(3)
    );
    assert_eq!(item(&h, "Ground Coffee 227g").stock, stock_before - dec!(2));
    assert_eq!(h.app.backend().shift().unwrap().expected_cash, dec!(108.57));
    assert!(
        h.app.backend().status().sync_queue >= 1,
        "the sale waits in the outbox"
    );
}

#[test]
fn refund_with_manager_override() {
    let mut h = harness();
    sale_in_cart(&mut h);
    let number = pay_cash(&mut h);
    h.tap("Refund");
    h.send(Message::Refund(refund::Message::Number(number.clone())));
    h.tap("Find");
    h.tap("+");
    h.tap("Give refund");
    let Screen::Refund(r) = h.app.screen() else {
        panic!()
    };
    assert!(r.needs_approval(), "the cashier needs a manager");
    h.taps(&["manager", "1", "2", "3", "4", "Approve"]);
    assert_eq!(
        h.app.backend().find_receipt(&number).unwrap().lines[0].refundable,
        dec!(1),
        "bad PIN: nothing refunded"
    );
    h.taps(&["9", "9", "9", "9", "Approve"]);
    let Screen::Refund(r) = h.app.screen() else {
        panic!()
    };
    assert!(
        r.notice()
            .is_some_and(|n| n.starts_with("refunded 3.79 on")),
        "{:?}",
        r.notice()
    );
    let line = &h.app.backend().find_receipt(&number).unwrap().lines[0];
    assert_eq!(
        (line.name.as_str(), line.refundable),
        ("Ground Coffee 227g", dec!(0))
    );
}

#[test]
fn inventory_edit_and_csv_import_with_errors() {
    let mut h = harness();
    h.login("manager", "9999");
    h.tap("Inventory");
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Search,
        "Ground Coffee".into(),
    )));
    h.tap("Ground Coffee 227g");
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Price,
        "4.25".into(),
    )));
    h.tap("Save");
    assert_eq!(item(&h, "Ground Coffee 227g").price, dec!(4.25));

    let stock = item(&h, "Ground Coffee 227g").stock;
    h.tap("Ground Coffee 227g");
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Adjust,
        "-3".into(),
    )));
    h.send(Message::Inventory(inventory::Message::Input(
        inventory::Field::Reason,
        "damaged".into(),
    )));
    h.tap("Adjust stock");
    assert_eq!(item(&h, "Ground Coffee 227g").stock, stock - dec!(3));
    h.tap("Cancel");

    let csv = h.dir.path().join("items.csv");
    std::fs::write(
        &csv,
        "sku,gtin,name,category,price,tax_class,unit,stock,active\n\
         NEW-1,,Rye crackers,Crackers,3.10,reduced,each,8,1\n\
         BAD-1,,Broken price,Bakery,three,reduced,each,1,1\n\
         NEW-2,,Pears (per kg),Produce,2.80,reduced,kg,20,1\n\
         BAD-2,,Wrong unit,Produce,1.00,reduced,litre,4,1\n",
    )
    .unwrap();
    let before = h.app.backend().categories();
    assert!(!before.contains(&"Crackers".to_string()));
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
    let report = inv.import_report().unwrap().clone();
    assert_eq!(report.imported, 2);
    assert_eq!(
        report
            .errors
            .iter()
            .map(|(row, _)| *row)
            .collect::<Vec<_>>(),
        vec![3, 5]
    );
    for (row, why) in &report.errors {
        assert!(
            h.shows(&format!("row {row}: {why}")),
            "row {row} error is listed"
        );
    }
    assert!(
        report.errors[0].1.contains("price"),
        "{}",
        report.errors[0].1
    );
    assert_eq!(item(&h, "Rye crackers").price, dec!(3.10));
    assert!(
        h.app
            .backend()
            .categories()
            .contains(&"Crackers".to_string()),
        "the cached category list is refreshed by an import"
    );
}

#[test]
fn shift_close_with_z_report() {
    let mut h = harness();
    sale_in_cart(&mut h);
    pay_cash(&mut h);
    h.tap("Shift");
    h.tap("Cash in");
    h.tap("Float top-up");
    h.taps(&["1", "0", "OK"]);
    assert_eq!(h.app.backend().shift().unwrap().expected_cash, dec!(118.57));
    h.tap("X report");
    assert!(h.shows("Expected in drawer"));
    h.tap("Done");
    h.tap("Count & close");
    // 100 + 10 + 5 + 2 + 1 + 0.50 + 0.05 + 0.02 = 118.57
    let index = |d: &str| shift::DENOMINATIONS.iter().position(|x| *x == d).unwrap();
    for d in ["100", "10", "5", "2", "1", "0.50", "0.05", "0.02"] {
        h.send(Message::Shift(shift::Message::Count(index(d), 1)));
    }
    h.tap("Close shift (Z)");
    let Screen::Shift(s) = h.app.screen() else {
        panic!()
    };
    let z = s.report().expect("Z report").clone();
    assert!(h.shows(&format!("Z report (shift {}) — shift closed", z.number)));
    assert_eq!(
        (z.counted, z.expected, z.difference()),
        (dec!(118.57), dec!(118.57), dec!(0))
    );
    assert!(
        h.app.backend().shift().is_none(),
        "the shift is closed in the store"
    );
}

#[test]
fn idle_tick_checkpoints_only_between_customers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(pos_app::store::DB_FILE);
    let (lane, _) = Lane::init(dir.path(), Config::default(), true).unwrap();
    let mut h = Harness::new(Arc::new(ServicesBackend::new(lane)));
    let idle_checkpoints = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT coalesce((SELECT value FROM counters WHERE name = 'idle_checkpoints'), 0)",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // A customer at the till: the tick leaves the WAL alone.
    sale_in_cart(&mut h);
    h.app.backend().idle();
    assert_eq!(idle_checkpoints(), 0);
    // Paid and gone: the next tick copies the WAL into the database, once.
    pay_cash(&mut h);
    h.app.backend().idle();
    assert_eq!(idle_checkpoints(), 1);
    h.app.backend().idle();
    assert_eq!(
        idle_checkpoints(),
        1,
        "nothing written since: nothing to do"
    );
}
