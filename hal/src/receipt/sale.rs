//! The shop's sale receipt and its layout as a [`Document`].

use super::{
    Align, Barcode, Block, Columns, Cut, Document, DocumentBuilder, MaskedPan, QrCode,
    ReceiptError, Style, Symbology,
};

/// One sold item: description, quantity text (`2 x 1.50`, `0.350 kg x 12.90/kg`), amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub description: String,
    /// Empty for a single unit at its price.
    pub quantity: String,
    pub amount: String,
    /// Tax class marker printed after the amount (`A`, `B`), matching a [`TaxLine`].
    pub tax_code: String,
}

/// A totals line (`Subtotal`, `Discount`, `TOTAL`); `emphasis` prints it bold and tall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalLine {
    pub label: String,
    pub amount: String,
    pub emphasis: bool,
}

/// One row of the tax breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxLine {
    pub code: String,
    pub rate: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

/// A tender line (`Cash`, `Card`, `Change`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderLine {
    pub label: String,
    pub amount: String,
}

/// How the card was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryMode {
    Chip,
    Contactless,
    Swipe,
    /// Magstripe after a failed chip read.
    Fallback,
    Manual,
}

impl EntryMode {
    pub fn label(self) -> &'static str {
        match self {
            EntryMode::Chip => "CHIP",
            EntryMode::Contactless => "CONTACTLESS",
            EntryMode::Swipe => "SWIPE",
            EntryMode::Fallback => "FALLBACK SWIPE",
            EntryMode::Manual => "MANUAL",
        }
    }
}

/// The EMV block of a card payment. It holds only what may be printed: the PAN is a
/// [`MaskedPan`]; AID, TVR and TSI are checked hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardBlock {
    aid: String,
    tvr: String,
    tsi: String,
    pub label: String,
    pub pan: MaskedPan,
    pub entry_mode: EntryMode,
    pub auth_code: String,
    /// Cardholder verification as printed (`PIN VERIFIED`, `NO CVM`, `SIGNATURE`).
    pub cvm: String,
    /// Outcome text (`APPROVED`, `DECLINED`).
    pub result: String,
    pub amount: String,
}

fn check_hex(
    value: &str,
    field: &'static str,
    lens: &[usize],
    expected: &'static str,
) -> Result<String, ReceiptError> {
    if lens.contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err(ReceiptError::Hex { field, expected })
    }
}

impl CardBlock {
    /// `aid` 5..16 bytes as hex, `tvr` 5 bytes, `tsi` 2 bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        aid: &str,
        label: impl Into<String>,
        pan: MaskedPan,
        entry_mode: EntryMode,
        tvr: &str,
        tsi: &str,
        auth_code: impl Into<String>,
        amount: impl Into<String>,
    ) -> Result<Self, ReceiptError> {
        let aid_lens: Vec<usize> = (5..=16).map(|n| n * 2).collect();
        Ok(Self {
            aid: check_hex(aid, "AID", &aid_lens, "10 to 32")?,
            tvr: check_hex(tvr, "TVR", &[10], "10")?,
            tsi: check_hex(tsi, "TSI", &[4], "4")?,
            label: label.into(),
            pan,
            entry_mode,
            auth_code: auth_code.into(),
            cvm: String::new(),
            result: "APPROVED".into(),
            amount: amount.into(),
        })
    }

    pub fn aid(&self) -> &str {
        &self.aid
    }

    pub fn tvr(&self) -> &str {
        &self.tvr
    }

    pub fn tsi(&self) -> &str {
        &self.tsi
    }
}

/// What identifies the receipt for a later scan (returns, reprints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReceiptCode {
    #[default]
    Qr,
    Code128,
    None,
}

/// A sale receipt as the shop knows it, with every amount already formatted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SaleReceipt {
    /// First line is the shop name (printed large, in place of a logo); then address lines.
    pub header: Vec<String>,
    pub receipt_no: String,
    pub timestamp: String,
    /// E.g. `Lane 1  Cashier: Ann`.
    pub lane: String,
    pub lines: Vec<ItemLine>,
    pub totals: Vec<TotalLine>,
    pub taxes: Vec<TaxLine>,
    pub tenders: Vec<TenderLine>,
    pub card: Option<CardBlock>,
    pub footer: Vec<String>,
    pub code: ReceiptCode,
    /// Printed above everything on reprints (`DUPLICATE`).
    pub copy_label: Option<String>,
}

impl SaleReceipt {
    /// Lays the receipt out for a paper width.
    pub fn to_document(&self, columns: Columns) -> Result<Document, ReceiptError> {
        let mut b = DocumentBuilder::new(columns);
        if let Some(label) = &self.copy_label {
            b = b.text(format!("*** {label} ***"), Style::centered().bold());
        }
        let mut header = self.header.iter();
        if let Some(name) = header.next() {
            b = b.text(name.clone(), Style::centered().bold().size(2, 2));
        }
        for line in header {
            b = b.centered(line.clone());
        }
        b = b.rule().pair(
            format!("Receipt {}", self.receipt_no),
            self.timestamp.clone(),
        );
        if !self.lane.is_empty() {
            b = b.line(self.lane.clone());
        }
        b = b.rule();
        for item in &self.lines {
            let amount = format!("{} {}", item.amount, item.tax_code)
                .trim_end()
                .to_string();
            if item.quantity.is_empty() {
                b = b.pair(item.description.clone(), amount);
            } else {
                b = b
                    .line(item.description.clone())
                    .pair(format!("  {}", item.quantity), amount);
            }
        }
        b = b.rule();
        for total in &self.totals {
            let style = if total.emphasis {
                Style::default().bold().size(1, 2)
            } else {
                Style::default()
            };
            b = b.pair_styled(total.label.clone(), total.amount.clone(), style);
        }
        if !self.taxes.is_empty() {
            // One fixed-width table that fits the narrowest paper (32 columns).
            let row = |c: &str, r: &str, n: &str, t: &str, g: &str| {
                format!("{c:<3}{r:>5}{n:>8}{t:>7}{g:>9}")
            };
            b = b.feed(1).line(row("Tax", "Rate", "Net", "Tax", "Gross"));
            for tax in &self.taxes {
                b = b.line(row(&tax.code, &tax.rate, &tax.net, &tax.tax, &tax.gross));
            }
        }
        if !self.tenders.is_empty() {
            b = b.rule();
            for tender in &self.tenders {
                b = b.pair(tender.label.clone(), tender.amount.clone());
            }
        }
        if let Some(card) = &self.card {
            b = card_block(b, card);
        }
        b = b.feed(1);
        match self.code {
            ReceiptCode::Qr => b = b.qr(QrCode::new(self.receipt_no.clone())?),
            ReceiptCode::Code128 => {
                b = b.barcode(Barcode::new(Symbology::Code128, self.receipt_no.clone())?)
            }
            ReceiptCode::None => {}
        }
        for line in &self.footer {
            b = b.centered(line.clone());
        }
        Ok(b.push(Block::Cut(Cut::Partial)).build())
    }
}

fn card_block(mut b: DocumentBuilder, card: &CardBlock) -> DocumentBuilder {
    b = b
        .rule()
        .text(card.label.clone(), Style::centered().bold())
        .pair("Card", card.pan.to_string())
        .pair("Entry", card.entry_mode.label())
        .pair("AID", card.aid.clone())
        .pair("TVR", card.tvr.clone())
        .pair("TSI", card.tsi.clone())
        .pair("Auth code", card.auth_code.clone());
    if !card.cvm.is_empty() {
        b = b.centered(card.cvm.clone());
    }
    b.pair_styled(
        card.result.clone(),
        card.amount.clone(),
        Style::default().bold().align(Align::Left),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::text;

    pub(crate) fn card_sale() -> SaleReceipt {
        let mut card = CardBlock::new(
            "A0000000031010",
            "VISA CREDIT",
            MaskedPan::last4("4761739001010010").unwrap(),
            EntryMode::Chip,
            "0000008000",
            "E800",
            "123456",
            "EUR 12.34",
        )
        .unwrap();
        card.cvm = "PIN VERIFIED".into();
        SaleReceipt {
            header: vec!["Corner Shop".into(), "1 Main Street".into()],
            receipt_no: "0001-000042".into(),
            timestamp: "2026-11-29 09:00".into(),
            lane: "Lane 1  Cashier: Ann".into(),
            lines: vec![
                ItemLine {
                    description: "Milk 1l".into(),
                    quantity: String::new(),
                    amount: "1.20".into(),
                    tax_code: "A".into(),
                },
                ItemLine {
                    description: "Apples".into(),
                    quantity: "0.350 kg x 2.90 €/kg".into(),
                    amount: "1.02".into(),
                    tax_code: "A".into(),
                },
            ],
            totals: vec![TotalLine {
                label: "TOTAL".into(),
                amount: "€12.34".into(),
                emphasis: true,
            }],
            taxes: vec![TaxLine {
                code: "A".into(),
                rate: "7%".into(),
                net: "11.53".into(),
                tax: "0.81".into(),
                gross: "12.34".into(),
            }],
            tenders: vec![TenderLine {
                label: "Card".into(),
                amount: "12.34".into(),
            }],
            card: Some(card),
            footer: vec!["Thank you!".into()],
            code: ReceiptCode::Qr,
            copy_label: None,
        }
    }

    #[test]
    fn card_sale_fits_every_width_and_shows_only_masked_pan() {
        for columns in [Columns::C32, Columns::C42, Columns::C48] {
            let doc = card_sale().to_document(columns).unwrap();
            let plain = text::render(&doc);
            for line in plain.lines() {
                assert!(
                    line.chars().count() <= columns.count(),
                    "{line:?} wider than {columns:?}"
                );
            }
            assert!(plain.contains("************0010"));
            assert!(!plain.contains("4761739001010010"));
            assert!(
                plain.contains("A0000000031010")
                    && plain.contains("0000008000")
                    && plain.contains("E800")
            );
            assert!(plain.contains("123456") && plain.contains("€12.34"));
            assert!(matches!(doc.blocks.last(), Some(Block::Cut(_))));
        }
    }

    #[test]
    fn card_block_checks_hex_fields() {
        let pan = MaskedPan::last4("4761739001010010").unwrap();
        let bad_tvr = CardBlock::new(
            "A0000000031010",
            "V",
            pan.clone(),
            EntryMode::Chip,
            "00",
            "E800",
            "1",
            "1",
        );
        assert_eq!(
            bad_tvr.unwrap_err(),
            ReceiptError::Hex {
                field: "TVR",
                expected: "10"
            }
        );
        let bad_aid = CardBlock::new(
            "A0Z0000000",
            "V",
            pan,
            EntryMode::Chip,
            "0000000000",
            "E800",
            "1",
            "1",
        );
        assert!(matches!(
            bad_aid,
            Err(ReceiptError::Hex { field: "AID", .. })
        ));
    }
}
