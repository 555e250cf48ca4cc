//! Services tests on a real SQLite file: the rules the UI and the CLI rely on.

use super::*;
use crate::domain::cart::Discount;
use crate::domain::tender::TenderKind;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn lane_with(config: Config) -> (tempfile::TempDir, Lane) {
    let dir = tempfile::tempdir().unwrap();
    let (lane, _) = Lane::init(dir.path(), config, true).unwrap();
    (dir, lane)
}

fn cashier_lane() -> (tempfile::TempDir, Lane) {
    let (d, mut lane) = lane_with(Config::default());
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(100)).unwrap();
    (d, lane)
}

fn stock(lane: &Lane, sku: &str) -> Decimal {
    lane.item(sku).unwrap().unwrap().stock
}

#[test]
fn a_sale_needs_an_open_shift_and_full_payment() {
    let (_d, mut lane) = lane_with(Config::default());
    lane.login("cashier", "1111").unwrap();
    lane.scan("5012345001074").unwrap();
    assert!(matches!(
        lane.complete_sale(),
        Err(ServiceError::NoOpenShift)
    ));
    lane.open_shift(dec!(50)).unwrap();
    lane.add_tender(TenderKind::Cash, dec!(1)).unwrap();
    assert!(matches!(
        lane.complete_sale(),
        Err(ServiceError::NotPaid(_))
    ));
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let r = lane.complete_sale().unwrap();
    // Sourdough Loaf 800g at 3.49, paid 6.00.
    assert_eq!(r.totals.total, dec!(3.49));
    assert_eq!(r.settlement.change, dec!(2.51));
    assert!(lane.cart().is_empty() && lane.tenders().is_empty());
}

#[test]
fn cash_rounding_from_config_is_recorded() {
    let mut config = Config::default();
    config.lane.cash_rounding = dec!(0.05);
    let (_d, mut lane) = lane_with(config);
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(0)).unwrap();
    lane.scan("5012345001074").unwrap(); // 3.49 -> 3.50 in cash
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let r = lane.complete_sale().unwrap();
    assert_eq!(r.settlement.rounding, dec!(0.01));
    assert_eq!(r.settlement.change, dec!(1.50));
    let doc = lane.find_receipt(&r.receipt_no).unwrap();
    assert_eq!(doc.cash_rounding, dec!(0.01));
    assert_eq!(doc.payments[0].amount, dec!(3.50));
    assert_eq!(lane.x_report().unwrap().expected_cash, dec!(3.50));
}

#[test]
fn refunding_everything_reverses_to_the_cent() {
    let (_d, mut lane) = cashier_lane();
    let before = (stock(&lane, "SKU-01001"), stock(&lane, "SKU-01002"));
    lane.scan("SKU-01001*3").unwrap();
    lane.scan("SKU-01002").unwrap();
    lane.scan("2120001012340").unwrap(); // tomatoes, weight label 1.234 kg
    lane.cart_discount(Discount::Percent(dec!(7)), None)
        .unwrap();
    let total = lane.totals().unwrap().total;
    lane.add_tender(TenderKind::Cash, dec!(50)).unwrap();
    let sale = lane.complete_sale().unwrap();
    // Two partial refunds, then the rest.
    lane.refund(&sale.receipt_no, &[(1, Some(dec!(1)))], Some("9999"))
        .unwrap();
    lane.refund(&sale.receipt_no, &[(3, None)], Some("9999"))
        .unwrap();
    lane.refund(&sale.receipt_no, &[], Some("9999")).unwrap();
    let doc = lane.find_receipt(&sale.receipt_no).unwrap();
    assert_eq!(doc.refunded_total, total);
    assert!(doc.lines.iter().all(|l| l.refunded_quantity == l.quantity));
    assert_eq!(
        (stock(&lane, "SKU-01001"), stock(&lane, "SKU-01002")),
        before
    );
    let x = lane.x_report().unwrap();
    assert_eq!(x.sales_total + x.refunds_total, Decimal::ZERO);
    assert_eq!(x.tax_total, Decimal::ZERO, "tax reversed exactly");
    assert!(matches!(
        lane.refund(&sale.receipt_no, &[], Some("9999")),
        Err(ServiceError::Refund(_))
    ));
}

#[test]
fn manager_only_actions_need_a_manager_pin() {
    let (_d, mut lane) = cashier_lane();
    let line = lane.scan("SKU-01001").unwrap();
    assert!(matches!(
        lane.override_price(line, dec!(1), "damaged box", None),
        Err(ServiceError::ApprovalRequired(ManagerAction::PriceOverride))
    ));
    assert!(matches!(
        lane.override_price(line, dec!(1), "damaged box", Some("1111")),
        Err(ServiceError::BadApproval)
    ));
    lane.override_price(line, dec!(1), "damaged box", Some("9999"))
        .unwrap();
    // A small discount is fine, a large one is not.
    lane.cart_discount(Discount::Percent(dec!(5)), None)
        .unwrap();
    assert!(
        lane.cart_discount(Discount::Percent(dec!(40)), None)
            .is_err()
    );
    lane.add_tender(TenderKind::Cash, dec!(1)).unwrap();
    let r = lane.complete_sale().unwrap();
    let approved: Option<i64> = lane
        .store()
        .connection()
        .query_row(
            "SELECT approved_by FROM sales WHERE receipt_no = ?1",
            [&r.receipt_no],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(approved, Some(1), "the manager who approved is on record");
    assert!(lane.no_sale("check float", None).is_err());
    assert!(
        lane.adjust_stock("SKU-01001", dec!(-1), "broken", None)
            .is_err()
    );
    assert!(lane.void_sale(&r.receipt_no, None).is_err());
    lane.void_sale(&r.receipt_no, Some("9999")).unwrap();
}

#[test]
fn hold_and_recall_keep_the_cart() {
    let (_d, mut lane) = cashier_lane();
    lane.scan("SKU-01001*2").unwrap();
    let totals = lane.totals().unwrap();
    let id = lane.hold("customer forgot wallet").unwrap();
    assert!(lane.cart().is_empty());
    assert_eq!(lane.holds().unwrap().len(), 1);
    lane.recall(id).unwrap();
    assert_eq!(lane.totals().unwrap(), totals);
    assert!(lane.holds().unwrap().is_empty());
    assert!(matches!(lane.recall(id), Err(ServiceError::CartNotEmpty)));
}

#[test]
fn close_shift_counts_cash_and_numbers_z_reports() {
    let (_d, mut lane) = cashier_lane();
    lane.scan("SKU-01001").unwrap(); // 3.49
    lane.add_tender(TenderKind::Cash, dec!(10)).unwrap();
    lane.complete_sale().unwrap();
    lane.cash_in(dec!(20), "change from bank").unwrap();
    lane.cash_out(dec!(5), "window cleaner").unwrap();
    // Expected: 100 + 3.49 + 20 - 5 = 118.49. Counted: 2x50 + 18 x 1 + 0.20 x 2 = 118.40.
    let z = lane
        .close_shift(&[(dec!(50), 2), (dec!(1), 18), (dec!(0.20), 2)])
        .unwrap();
    assert_eq!(z.no, 1);
    assert_eq!(z.totals.expected_cash, dec!(118.49));
    assert_eq!(z.counted_cash, dec!(118.40));
    assert_eq!(z.difference, dec!(-0.09));
    assert!(matches!(
        lane.close_shift(&[]),
        Err(ServiceError::NoOpenShift)
    ));
    lane.open_shift(dec!(100)).unwrap();
    assert_eq!(lane.close_shift(&[(dec!(100), 1)]).unwrap().no, 2);
}

#[test]
fn customers_earn_and_lose_points() {
    let (_d, mut lane) = cashier_lane();
    lane.add_customer("C-1", "Ada", None, None).unwrap();
    lane.scan("SKU-01001*3").unwrap(); // 10.47 -> 10 points
    lane.set_customer(Some("C-1")).unwrap();
    lane.add_tender(TenderKind::Cash, dec!(20)).unwrap();
    let r = lane.complete_sale().unwrap();
    assert_eq!(r.loyalty_points, 10);
    let c = lane.store().customer("C-1").unwrap().unwrap();
    assert_eq!((c.points, c.visits, c.total_spent), (10, 1, dec!(10.47)));
    lane.refund(&r.receipt_no, &[], Some("9999")).unwrap();
    let c = lane.store().customer("C-1").unwrap().unwrap();
    assert_eq!((c.points, c.total_spent), (0, dec!(0)));
    assert!(lane.set_customer(Some("nobody")).is_err());
}

#[test]
fn an_unmasked_card_number_never_reaches_the_store() {
    let (_d, mut lane) = cashier_lane();
    lane.scan("SKU-01001").unwrap();
    let card = CardDetails {
        masked_pan: "4761739001010010".into(),
        brand: "VISA".into(),
        auth_code: "123456".into(),
        emv: None,
    };
    assert!(lane.add_card_tender(dec!(3.49), card).is_err());
    let card = CardDetails {
        masked_pan: "476173******0010".into(),
        brand: "VISA".into(),
        auth_code: "123456".into(),
        emv: None,
    };
    lane.add_card_tender(dec!(3.49), card).unwrap();
    let r = lane.complete_sale().unwrap();
    let doc = lane.find_receipt(&r.receipt_no).unwrap();
    assert_eq!(
        doc.payments[0].masked_pan.as_deref(),
        Some("476173******0010")
    );
    let bytes = std::fs::read(lane.store().path()).unwrap();
    let wal = std::fs::read(lane.store().path().with_extension("sqlite3-wal")).unwrap_or_default();
    let needle = b"4761739001010010";
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    assert!(!wal.windows(needle.len()).any(|w| w == needle));
}

#[test]
fn lockout_is_enforced_by_the_services() {
    let (_d, mut lane) = lane_with(Config::default());
    for _ in 0..4 {
        assert!(matches!(
            lane.login("cashier", "0000"),
            Err(ServiceError::WrongPin { .. })
        ));
    }
    assert!(matches!(
        lane.login("cashier", "0000"),
        Err(ServiceError::Locked { .. })
    ));
    assert!(matches!(
        lane.login("cashier", "1111"),
        Err(ServiceError::Locked { .. })
    ));
    assert!(lane.user().is_none());
}
