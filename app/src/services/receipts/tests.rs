//! Receipts read back from a real SQLite file and laid out as the printer prints them.

use super::*;
use crate::domain::tender::TenderKind;
use crate::services::CardDetails;
use pos_hal::receipt::text;
use rust_decimal_macros::dec;

fn lane() -> (tempfile::TempDir, Lane) {
    let dir = tempfile::tempdir().unwrap();
    let (mut lane, _) = Lane::init(dir.path(), Config::default(), true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(100)).unwrap();
    (dir, lane)
}

fn plain(lane: &Lane, receipt: &str, copy: ReceiptCopy) -> String {
    text::render(&lane.receipt_document(receipt, copy).unwrap())
}

#[test]
fn cash_sale_shows_lines_taxes_tenders_change_and_code() {
    let (_d, mut lane) = lane();
    lane.scan("5012345001074").unwrap(); // Sourdough Loaf 800g 3.49, reduced
    lane.scan("SKU-01210*0.350").unwrap(); // tomatoes 0.350 kg x 2.49 = 0.87
    lane.scan("SKU-01001*2").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(20)).unwrap();
    let r = lane.complete_sale().unwrap();
    let text = plain(&lane, &r.receipt_no, ReceiptCopy::Original);
    for want in [
        "D e m o   S t o r e",
        "VAT FR00123456789",
        "Sourdough Loaf 800g",
        "0.350 kg x 2.49/kg",
        "2 x 3.49",
        "6.98 A",
        "EUR 11.34",
        "5.5%",
        "Cash",
        "20.00",
        "Change",
        "8.66",
        "Cashier: cashier",
        "Thank you for shopping with us!",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    assert!(text.contains(&format!("[QR {}]", r.receipt_no)), "{text}");
    assert!(!text.contains("COPY"));
}

#[test]
fn card_sale_prints_the_masked_pan_only_and_reprint_says_copy() {
    let (_d, mut lane) = lane();
    lane.scan("SKU-01001").unwrap();
    let card = CardDetails {
        masked_pan: "476173******0010".into(),
        brand: "VISA".into(),
        auth_code: "A1B2C3".into(),
        emv: None,
    };
    lane.add_card_tender(dec!(3.49), card).unwrap();
    let r = lane.complete_sale().unwrap();
    for columns in [Columns::C32, Columns::C42, Columns::C48] {
        let receipt = lane.receipt(&r.receipt_no, ReceiptCopy::Reprint).unwrap();
        let doc = lane.find_receipt(&r.receipt_no).unwrap();
        let text = text::render(&layout(&doc, &receipt, columns).unwrap());
        assert!(text.trim_start().starts_with("*** COPY ***"), "{text}");
        assert!(text.contains("476173******0010") && text.contains("A1B2C3"));
        assert!(text.contains("Card VISA"));
        assert!(text.lines().all(|l| l.chars().count() <= columns.count()));
    }
}

#[test]
fn stored_emv_data_prints_the_emv_block_and_bad_data_falls_back_to_lines() {
    let (_d, mut lane) = lane();
    let emv = crate::store::CardEmv {
        aid: "A0000000041010".into(),
        label: "MASTERCARD".into(),
        entry_mode: "contactless".into(),
        tvr: "0000000000".into(),
        tsi: "E800".into(),
        cvm: "NO CVM".into(),
    };
    for (tvr, block) in [("0000000000", true), ("00", false)] {
        lane.scan("SKU-01001").unwrap();
        let card = CardDetails {
            masked_pan: "541333******9130".into(),
            brand: "MASTERCARD".into(),
            auth_code: "654321".into(),
            emv: Some(crate::store::CardEmv {
                tvr: tvr.into(),
                ..emv.clone()
            }),
        };
        lane.add_card_tender(dec!(3.49), card).unwrap();
        let r = lane.complete_sale().unwrap();
        let text = plain(&lane, &r.receipt_no, ReceiptCopy::Original);
        assert!(
            text.contains("541333******9130") && text.contains("654321"),
            "{text}"
        );
        assert_eq!(text.contains("A0000000041010"), block, "{text}");
        assert_eq!(text.contains("CONTACTLESS"), block, "{text}");
    }
}

#[test]
fn refund_and_void_receipts_say_what_they_are() {
    let (_d, mut lane) = lane();
    lane.scan("SKU-01001*2").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(10)).unwrap();
    let sale = lane.complete_sale().unwrap();
    let refund = lane
        .refund(&sale.receipt_no, &[(1, Some(dec!(1)))], Some("9999"))
        .unwrap();
    let text = plain(&lane, &refund.receipt_no, ReceiptCopy::Original);
    assert!(
        text.contains(&format!("REFUND of {}", sale.receipt_no)),
        "{text}"
    );
    assert!(text.contains("-3.49"), "{text}");

    lane.scan("SKU-01001").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let other = lane.complete_sale().unwrap();
    lane.void_sale(&other.receipt_no, Some("9999")).unwrap();
    let text = plain(&lane, &other.receipt_no, ReceiptCopy::Reprint);
    assert!(text.contains("*** COPY ***") && text.contains("*** VOIDED ***"));
}

#[test]
fn footer_and_code_come_from_the_config_file_or_environment() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        (
            "POS_RECEIPT_FOOTER".to_string(),
            "Open 7-22 | Returns 30 days".to_string(),
        ),
        ("POS_RECEIPT_CODE".to_string(), "code128".to_string()),
    ];
    let config = Config::load(dir.path(), env).unwrap();
    let (mut lane, _) = Lane::init(dir.path(), config, true).unwrap();
    lane.login("cashier", "1111").unwrap();
    lane.open_shift(dec!(0)).unwrap();
    lane.scan("SKU-01001").unwrap();
    lane.add_tender(TenderKind::Cash, dec!(5)).unwrap();
    let r = lane.complete_sale().unwrap();
    let text = plain(&lane, &r.receipt_no, ReceiptCopy::Original);
    assert!(
        text.contains("Open 7-22") && text.contains("Returns 30 days"),
        "{text}"
    );
    // Code 128 prints bars with the number under them, and no QR.
    assert!(text.contains("|||") && !text.contains("[QR"), "{text}");
}

#[test]
fn unknown_receipt_and_bad_code_setting_are_typed_errors() {
    let (_d, lane) = lane();
    assert!(matches!(
        lane.receipt_document("L01-999999", ReceiptCopy::Original),
        Err(ServiceError::Store(StoreError::NotFound(_)))
    ));
    let config = ReceiptConfig {
        code: "pdf417".into(),
        ..ReceiptConfig::default()
    };
    assert!(matches!(
        config.receipt_code(),
        Err(ServiceError::Config(_))
    ));
}
