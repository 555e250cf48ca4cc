//! How fast a receipt goes from document to printer bytes, through the simulated printer, to a
//! PNG preview; and how fast status and swipe reports parse.
//! Run: `cargo bench -p pos-drivers --bench receipts`.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use pos_drivers::escpos::{encode, status};
use pos_drivers::sim::printer::{SimPrinterHandle, preview};
use pos_drivers::usb::magtek;
use pos_hal::receipt::{
    CardBlock, Columns, Document, EntryMode, ItemLine, MaskedPan, ReceiptCode, SaleReceipt,
    TenderLine, TotalLine,
};

fn card_sale() -> Document {
    let card = CardBlock::new(
        "A0000000031010",
        "VISA CREDIT",
        MaskedPan::last4("4761739001010010").unwrap(),
        EntryMode::Chip,
        "0000008000",
        "E800",
        "A1B2C3",
        "EUR 20.00",
    )
    .unwrap();
    let lines = (0..20)
        .map(|i| ItemLine {
            description: format!("Item number {i}"),
            quantity: String::new(),
            amount: "1.00".into(),
            tax_code: "A".into(),
        })
        .collect();
    SaleReceipt {
        header: vec!["Corner Shop".into(), "1 Main Street".into()],
        receipt_no: "0001-000042".into(),
        timestamp: "2026-11-29 09:30".into(),
        lines,
        totals: vec![TotalLine {
            label: "TOTAL".into(),
            amount: "€20.00".into(),
            emphasis: true,
        }],
        tenders: vec![TenderLine {
            label: "Card".into(),
            amount: "€20.00".into(),
        }],
        card: Some(card),
        code: ReceiptCode::Qr,
        ..Default::default()
    }
    .to_document(Columns::C48)
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let doc = card_sale();
    let bytes = encode::document(&doc).concat();
    c.bench_function("encode 20-line card sale to ESC/POS", |b| {
        b.iter(|| encode::document(black_box(&doc)))
    });
    c.bench_function("simulated printer decodes the receipt", |b| {
        b.iter(|| {
            let sim = SimPrinterHandle::new(48);
            sim.exchange(black_box(&bytes));
        })
    });
    c.bench_function("PNG preview of the receipt", |b| {
        b.iter(|| preview(black_box(&doc)).unwrap())
    });
    let replies: Vec<u8> = (0..1024)
        .map(|i| if i % 5 == 4 { 0x10 } else { 0x12 })
        .collect();
    c.bench_function("split 1 KiB of status replies", |b| {
        b.iter(|| {
            let mut split = status::ReplySplitter::default();
            split.push(black_box(&replies));
            while split.next_reply().is_some() {}
        })
    });
    let report = magtek::build(
        "%B4111111111111111^TEST/CARD^30121010000000000000?",
        ";4111111111111111=30121010000000000?",
        "",
    );
    c.bench_function("parse a MagTek swipe report", |b| {
        b.iter(|| magtek::parse(black_box(&report)).unwrap())
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(group);
