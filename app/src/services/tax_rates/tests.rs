//! HQ's tax rates on a real lane database: in force from the next cart, never mid-cart.

use super::super::{Lane, ReceiptCopy, ServiceError};
use crate::config::Config;
use crate::domain::tender::TenderKind;
use crate::sync::lane_store;
use crate::sync::protocol::{Change, ChangeBody, PullResponse};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Sourdough Loaf 800g, 3.49, class `reduced` (5.5 % in the default `[tax]`).
const LOAF: &str = "5012345001074";

fn lane() -> (tempfile::TempDir, Lane) {
    let dir = tempfile::tempdir().unwrap();
    let (mut lane, _) = Lane::init(dir.path(), Config::default(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(100)).unwrap();
    (dir, lane)
}

/// HQ publishes `class` at `percent`, applied the way the sync worker applies a pull: on its
/// own connection to the lane's file.
fn hq_publishes(lane: &Lane, version: i64, class: &str, percent: Decimal) {
    let mut conn = rusqlite::Connection::open(lane.store().path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    let pull = PullResponse {
        changes: vec![Change {
            version,
            body: ChangeBody::TaxRate {
                tax_class: class.into(),
                percent,
            },
        }],
        latest_version: version,
    };
    lane_store::apply_pull(&mut conn, &pull).unwrap();
}

fn reduced_percent(lane: &Lane) -> Decimal {
    let t = lane.totals().unwrap();
    let rate = t.taxes.iter().find(|r| r.code == "reduced").unwrap();
    rate.percent
}

#[test]
fn an_hq_rate_overrides_the_config_rate_of_its_class_from_the_next_cart() {
    let (_dir, mut lane) = lane();
    lane.scan(LOAF).unwrap();
    assert_eq!(reduced_percent(&lane), dec!(5.5));
    let before = lane.totals().unwrap();

    // The rate changes while the cart is open: the cart keeps its rate, lines and totals.
    hq_publishes(&lane, 1, "reduced", dec!(10));
    lane.scan(LOAF).unwrap();
    let open = lane.totals().unwrap();
    assert_eq!(reduced_percent(&lane), dec!(5.5), "no re-pricing mid-cart");
    assert_eq!(open.tax, before.tax * Decimal::TWO);
    lane.add_tender(TenderKind::Cash, dec!(10)).unwrap();
    let first = lane.complete_sale().unwrap();
    assert_eq!(first.totals, open, "the receipt is what the cart showed");

    // The next cart is priced at HQ's rate: 3.49 incl. 10 % = 0.32 tax (was 0.18).
    lane.scan(LOAF).unwrap();
    assert_eq!(reduced_percent(&lane), dec!(10));
    let next = lane.totals().unwrap();
    assert_eq!(next.tax, dec!(0.32));
    assert_eq!(next.total, dec!(3.49));
    let name = &next.taxes[0].name;
    assert!(name.contains("10%"), "breakdown names the new rate: {name}");
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let second = lane.complete_sale().unwrap();
    assert_eq!(second.totals.tax, dec!(0.32));
    // The printed receipt's tax breakdown carries the new rate and amount.
    let doc = lane
        .receipt_document(&second.receipt_no, ReceiptCopy::Original)
        .unwrap();
    let text = pos_hal::receipt::text::render(&doc);
    let row = text.lines().find(|l| l.contains("10%")).unwrap_or_default();
    assert!(row.contains("0.32"), "tax row at 10 %: {row:?}\n{text}");
    assert!(!text.contains("5.5%"), "{text}");
    // Classes HQ did not publish keep pos.toml's rate.
    let standard = lane.tax_table().rates.iter().find(|r| r.code == "standard");
    assert_eq!(standard.unwrap().percent, dec!(20));
}

#[test]
fn a_reopened_lane_starts_with_the_hq_rates() {
    let (dir, lane) = lane();
    hq_publishes(&lane, 1, "reduced", dec!(7));
    drop(lane);
    let lane = Lane::open(dir.path(), Config::default()).unwrap();
    let reduced = lane.tax_table().rates.iter().find(|r| r.code == "reduced");
    assert_eq!(reduced.unwrap().percent, dec!(7));
}

#[test]
fn a_damaged_hq_rate_is_a_typed_error_not_a_panic() {
    let (dir, lane) = lane();
    hq_publishes(&lane, 1, "reduced", dec!(7));
    let conn = rusqlite::Connection::open(lane.store().path()).unwrap();
    conn.execute("UPDATE sync_tax_rates SET percent = 'seven'", [])
        .unwrap();
    drop(lane);
    let err = Lane::open(dir.path(), Config::default()).unwrap_err();
    assert!(
        matches!(err, ServiceError::Store(_)) && err.to_string().contains("seven"),
        "{err}"
    );
}
