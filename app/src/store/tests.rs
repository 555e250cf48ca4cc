//! Store unit tests on real SQLite files in a temporary directory.

use super::*;
use rust_decimal_macros::dec;
use tempfile::TempDir;

fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join(DB_FILE)).unwrap();
    (dir, s)
}

fn item(sku: &str, gtin: &str, price: rust_decimal::Decimal) -> ItemRow {
    ItemRow {
        sku: sku.into(),
        gtin: Some(gtin.into()),
        name: format!("Item {sku}"),
        category: "Test".into(),
        price,
        tax_class: "standard".into(),
        unit: "each".into(),
        stock: dec!(10),
        active: true,
    }
}

fn sale_of(
    sku: &str,
    qty: rust_decimal::Decimal,
    price: rust_decimal::Decimal,
    cashier: i64,
) -> NewSale {
    let total = qty * price;
    NewSale {
        lane_id: "L01".into(),
        shift_id: None,
        cashier_id: cashier,
        approved_by: None,
        customer_id: None,
        currency: "EUR".into(),
        subtotal: total,
        discount_total: dec!(0),
        tax_total: dec!(0),
        total,
        cash_rounding: dec!(0),
        change_given: dec!(0),
        taxes: serde_json::json!([]),
        detail: "{}".into(),
        loyalty_points: 0,
        lines: vec![NewSaleLine {
            sku: sku.into(),
            name: sku.into(),
            quantity: qty,
            unit: "each".into(),
            unit_price: price,
            discount: dec!(0),
            tax_class: "standard".into(),
            tax: dec!(0),
            total,
            price_overridden: false,
        }],
        payments: vec![NewPayment::cash(total, total)],
    }
}

#[test]
fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let mut s = Store::open(&path).unwrap();
        s.add_user("ann", Role::Manager, "1234").unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.users().unwrap().len(), 1);
    let mode: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = s
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[test]
fn foreign_and_corrupt_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("other.sqlite");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    assert!(matches!(
        Store::open(&foreign),
        Err(StoreError::Foreign { .. })
    ));
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"this is not a database at all, just text").unwrap();
    let before = std::fs::read(&junk).unwrap();
    assert!(matches!(
        Store::open(&junk),
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(std::fs::read(&junk).unwrap(), before);
}

#[test]
fn sale_writes_everything_once_and_refund_reverses_stock() {
    let (_d, mut s) = store();
    let cashier = s.add_user("bob", Role::Cashier, "1111").unwrap();
    let manager = s.add_user("meg", Role::Manager, "9999").unwrap();
    s.upsert_item(item("A", "4006381333931", dec!(2.50)), manager)
        .unwrap();
    let done = s
        .record_sale(&sale_of("A", dec!(3), dec!(2.50), cashier))
        .unwrap();
    assert_eq!(s.item("A").unwrap().unwrap().stock, dec!(7));
    let doc = s.sale_doc(&done.receipt_no).unwrap().unwrap();
    assert_eq!(doc.total, dec!(7.50));
    let outbox: i64 = s
        .connection()
        .query_row(
            "SELECT count(*) FROM outbox WHERE event_id = ?1",
            [&done.event_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outbox, 1);

    let refund = NewRefund {
        original_receipt: done.receipt_no.clone(),
        lane_id: "L01".into(),
        shift_id: None,
        cashier_id: cashier,
        approved_by: manager,
        lines: vec![NewRefundLine {
            original_line_no: 1,
            quantity: dec!(2),
            discount: dec!(0),
            tax: dec!(0),
            total: dec!(5),
        }],
        taxes: serde_json::json!([]),
        payments: vec![NewPayment::cash(dec!(5), dec!(5))],
        loyalty_points: 0,
    };
    s.record_refund(&refund).unwrap();
    assert_eq!(s.item("A").unwrap().unwrap().stock, dec!(9));
    // Only one unit is left to refund.
    let again = s.record_refund(&refund);
    assert!(matches!(again, Err(StoreError::Refused(_))), "{again:?}");
    assert_eq!(s.item("A").unwrap().unwrap().stock, dec!(9));
    assert!(s.journal_verify().unwrap().is_ok());
}

#[test]
fn unmasked_pan_is_refused_and_nothing_is_written() {
    let (_d, mut s) = store();
    let cashier = s.add_user("bob", Role::Cashier, "1111").unwrap();
    s.upsert_item(item("A", "4006381333931", dec!(1)), cashier)
        .unwrap();
    let mut sale = sale_of("A", dec!(1), dec!(1), cashier);
    sale.payments[0].kind = "card".into();
    // Visa test PAN from EMVCo test card sets.
    sale.payments[0].masked_pan = Some("4761739001010010".into());
    assert!(matches!(s.record_sale(&sale), Err(StoreError::Invalid(_))));
    let n: i64 = s
        .connection()
        .query_row("SELECT count(*) FROM sales", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(s.item("A").unwrap().unwrap().stock, dec!(10));
}

#[test]
fn search_finds_prefix_then_substring() {
    let (_d, mut s) = store();
    let u = s.add_user("meg", Role::Manager, "9999").unwrap();
    let mut a = item("A", "4006381333931", dec!(1));
    a.name = "Milk Whole 1L".into();
    let mut b = item("B", "96385074", dec!(1));
    b.name = "Oat Milk".into();
    s.upsert_item(a, u).unwrap();
    s.upsert_item(b, u).unwrap();
    let hits = s.search_items("milk", 20).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.sku.as_str()).collect::<Vec<_>>(),
        ["A", "B"]
    );
    assert_eq!(s.search_items("at m", 20).unwrap().len(), 1);
    assert_eq!(s.search_items("mi", 20).unwrap().len(), 1);
    assert_eq!(s.item_by_gtin("0000096385074").unwrap().unwrap().sku, "B");
}

#[test]
fn lockout_after_repeated_failures() {
    let (_d, mut s) = store();
    s.add_user("bob", Role::Cashier, "1111").unwrap();
    let lock = time::Duration::minutes(5);
    assert!(matches!(
        s.login("bob", "2222", 3, lock).unwrap(),
        LoginOutcome::WrongPin { attempts_left: 2 }
    ));
    assert!(matches!(
        s.login("bob", "2222", 3, lock).unwrap(),
        LoginOutcome::WrongPin { attempts_left: 1 }
    ));
    assert!(matches!(
        s.login("bob", "2222", 3, lock).unwrap(),
        LoginOutcome::Locked { .. }
    ));
    // Even the right PIN is refused while locked.
    assert!(matches!(
        s.login("bob", "1111", 3, lock).unwrap(),
        LoginOutcome::Locked { .. }
    ));
}

#[test]
fn sale_journal_entry_is_key_sorted_and_outbox_payload_carries_the_sale() {
    let (_d, mut s) = store();
    let cashier = s.add_user("bob", Role::Cashier, "1111").unwrap();
    s.upsert_item(item("A", "4006381333931", dec!(2.50)), cashier)
        .unwrap();
    let done = s
        .record_sale(&sale_of("A", dec!(3), dec!(2.50), cashier))
        .unwrap();
    let journal: String = s
        .connection()
        .query_row("SELECT content FROM journal WHERE kind = 'sale'", [], |r| {
            r.get(0)
        })
        .unwrap();
    // The canonical text: what serde_json's sorted map would print, byte for byte.
    let value: serde_json::Value = serde_json::from_str(&journal).unwrap();
    assert_eq!(serde_json::to_string(&value).unwrap(), journal);
    assert_eq!(value["receipt_no"], done.receipt_no.as_str());
    assert_eq!(value["lines"][0]["quantity"], "3");
    assert_eq!(value["total"], "7.5");
    let payload: String = s
        .connection()
        .query_row(
            "SELECT payload FROM outbox WHERE event_id = ?1",
            [&done.event_id],
            |r| r.get(0),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["receipt_no"], done.receipt_no.as_str());
    assert_eq!(payload["sale"]["lines"][0]["sku"], "A");
    // The sale as the domain handed it over (Decimal keeps its scale here).
    assert_eq!(payload["sale"]["total"], "7.50");
    assert!(payload["sale"].get("detail").is_none());
}

#[test]
fn idle_checkpoint_copies_the_wal_once_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let mut s = Store::open(&path).unwrap();
    let cashier = s.add_user("bob", Role::Cashier, "1111").unwrap();
    s.upsert_item(item("A", "4006381333931", dec!(2.50)), cashier)
        .unwrap();
    let done = s
        .record_sale(&sale_of("A", dec!(1), dec!(2.50), cashier))
        .unwrap();
    let (log, copied) = s.checkpoint_idle().unwrap();
    assert!(log > 0 && copied == log, "{log} {copied}");
    // Nothing written since: nothing to do.
    assert_eq!(s.checkpoint_idle().unwrap(), (0, 0));
    let second = s
        .record_sale(&sale_of("A", dec!(1), dec!(2.50), cashier))
        .unwrap();
    let (log, copied) = s.checkpoint_idle().unwrap();
    assert!(log > 0 && copied == log, "{log} {copied}");
    drop(s);
    let s = Store::open(&path).unwrap();
    assert!(s.sale_doc(&done.receipt_no).unwrap().is_some());
    assert!(s.sale_doc(&second.receipt_no).unwrap().is_some());
    assert_eq!(s.item("A").unwrap().unwrap().stock, dec!(8));
    assert!(s.journal_verify().unwrap().is_ok());
}

#[test]
fn upgrade_to_keyed_lines_and_payments_keeps_every_sale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let (receipt, before) = {
        // The file as release 0300 left it: rowid tables for lines and payments.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        migrate::apply_up_to(&mut conn, 300).unwrap();
        let mut old = Store {
            conn,
            path: path.clone(),
            idle_mark: std::cell::Cell::new(0),
        };
        let cashier = old.add_user("bob", Role::Cashier, "1111").unwrap();
        let manager = old.add_user("meg", Role::Manager, "9999").unwrap();
        old.upsert_item(item("A", "4006381333931", dec!(2.50)), manager)
            .unwrap();
        let done = old
            .record_sale(&sale_of("A", dec!(3), dec!(2.50), cashier))
            .unwrap();
        let before = old.sale_doc(&done.receipt_no).unwrap().unwrap();
        (done.receipt_no, before)
    };
    let s = Store::open(&path).unwrap();
    let doc = s.sale_doc(&receipt).unwrap().unwrap();
    assert_eq!(
        doc, before,
        "the sale reads back the same after the upgrade"
    );
    assert_eq!((doc.lines.len(), doc.payments.len()), (1, 1));
    let schema = |name: &str| -> String {
        s.connection()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(schema("sale_lines").contains("WITHOUT ROWID"));
    assert!(schema("payments").contains("WITHOUT ROWID"));
    assert!(schema("payments").contains("emv TEXT"));
    let gone: i64 = s
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_pending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, 0);
    let broken: i64 = s
        .connection()
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "every line and payment still points at its sale");
    assert!(s.journal_verify().unwrap().is_ok());
}
