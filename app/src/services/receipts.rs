//! Receipts from the store: a completed sale, refund or void read back and laid out as a
//! `hal::receipt` document — lines, tax breakdown, tenders, the card's masked PAN (never more
//! than first 6 / last 4, checked again here), a QR code or Code 128 of the receipt number so
//! returns can scan it, and header/footer from the config. Reprints are marked COPY.

use super::{Lane, ServiceError};
use crate::config::Config;
use crate::domain::money::Currency;
use crate::store::{NewPayment, SaleDoc, StoreError};
use pos_hal::receipt::{
    Block, CardBlock, Columns, Document, EntryMode, ItemLine, MaskedPan, ReceiptCode, SaleReceipt,
    Style, TaxLine, TenderLine, TotalLine,
};
use rust_decimal::Decimal;

/// `[receipt]`: how receipts look (paper width is `[devices] paper_mm`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ReceiptConfig {
    /// Footer lines, separated by `|`.
    pub footer: String,
    /// Code of the receipt number: `qr`, `code128` or `none`.
    pub code: String,
}

impl Default for ReceiptConfig {
    fn default() -> Self {
        Self {
            footer: "Thank you for shopping with us!".into(),
            code: "qr".into(),
        }
    }
}

impl ReceiptConfig {
    fn receipt_code(&self) -> Result<ReceiptCode, ServiceError> {
        match self.code.as_str() {
            "qr" => Ok(ReceiptCode::Qr),
            "code128" => Ok(ReceiptCode::Code128),
            "none" => Ok(ReceiptCode::None),
            other => Err(ServiceError::Config(format!(
                "receipt.code {other:?}: expected qr, code128 or none"
            ))),
        }
    }
}

/// Original print or reprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptCopy {
    Original,
    /// Printed later from the store: marked `COPY`.
    Reprint,
}

impl Lane {
    /// The receipt of a stored sale, refund or void, as the shop prints it.
    pub fn receipt(
        &self,
        receipt_no: &str,
        copy: ReceiptCopy,
    ) -> Result<SaleReceipt, ServiceError> {
        let doc = self.find_receipt(receipt_no)?;
        let cashier = self
            .store
            .user(doc.cashier_id)?
            .map_or_else(|| format!("#{}", doc.cashier_id), |u| u.name);
        sale_receipt(&doc, &cashier, &self.config, copy)
    }

    /// The receipt laid out for the configured paper width.
    pub fn receipt_document(
        &self,
        receipt_no: &str,
        copy: ReceiptCopy,
    ) -> Result<Document, ServiceError> {
        let doc = self.find_receipt(receipt_no)?;
        let receipt = self.receipt(receipt_no, copy)?;
        let columns = Columns::for_paper_mm(self.config.devices.paper_mm)
            .map_err(|e| ServiceError::Config(format!("devices.paper_mm: {e}")))?;
        layout(&doc, &receipt, columns)
    }
}

/// Lays a receipt out, with the document's kind (refund, void) under the copy label.
pub fn layout(
    doc: &SaleDoc,
    receipt: &SaleReceipt,
    columns: Columns,
) -> Result<Document, ServiceError> {
    let mut document = receipt.to_document(columns).map_err(receipt_error)?;
    let title = match (doc.kind.as_str(), doc.status.as_str()) {
        ("refund", _) => Some(format!(
            "REFUND of {}",
            doc.original_receipt.as_deref().unwrap_or("?")
        )),
        (_, "voided") => Some("*** VOIDED ***".to_string()),
        _ => None,
    };
    if let Some(title) = title {
        let at = usize::from(receipt.copy_label.is_some());
        document.blocks.insert(
            at,
            Block::Text {
                text: title,
                style: Style::centered().bold().size(1, 2),
            },
        );
    }
    Ok(document)
}

fn receipt_error(e: pos_hal::receipt::ReceiptError) -> ServiceError {
    ServiceError::Store(StoreError::Invalid(format!("receipt layout: {e}")))
}

/// Tax rows as stored: a sale keeps the full breakdown, a refund the tax per rate.
#[derive(serde::Deserialize)]
struct StoredTax {
    code: String,
    percent: Option<Decimal>,
    base: Option<Decimal>,
    #[serde(alias = "amount")]
    tax: Decimal,
}

/// The receipt of `doc`; `cashier` is the name printed on it.
pub fn sale_receipt(
    doc: &SaleDoc,
    cashier: &str,
    config: &Config,
    copy: ReceiptCopy,
) -> Result<SaleReceipt, ServiceError> {
    let currency = Currency::from_code(&doc.currency).map_err(|_| StoreError::BadValue {
        what: "sales.currency",
        value: doc.currency.clone(),
    })?;
    let dp = currency.minor_units() as usize;
    let money = |d: Decimal| format!("{:.dp$}", d.round_dp(dp as u32));
    let taxes: Vec<StoredTax> =
        serde_json::from_value(doc.taxes.clone()).map_err(|_| StoreError::BadValue {
            what: "sales.taxes",
            value: format!("receipt {}", doc.receipt_no),
        })?;
    // A letter per rate (A, B, ...) ties each line to its row of the tax table.
    let letter = |code: &str| {
        taxes
            .iter()
            .position(|t| t.code == code)
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| char::from(b'A' + i % 26).to_string())
            .unwrap_or_default()
    };
    let lines = doc
        .lines
        .iter()
        .map(|l| {
            let quantity = if l.unit == "kg" {
                format!("{:.3} kg x {}/kg", l.quantity, money(l.unit_price))
            } else if l.quantity != Decimal::ONE {
                format!("{} x {}", l.quantity.normalize(), money(l.unit_price))
            } else {
                String::new()
            };
            let quantity = if l.discount.is_zero() {
                quantity
            } else {
                format!("{quantity} disc -{}", money(l.discount))
                    .trim()
                    .to_string()
            };
            ItemLine {
                description: l.name.clone(),
                quantity,
                amount: money(l.total),
                tax_code: letter(&l.tax_class),
            }
        })
        .collect();
    let mut totals = Vec::new();
    let plain = |label: &str, d: Decimal| TotalLine {
        label: label.into(),
        amount: money(d),
        emphasis: false,
    };
    if !doc.discount_total.is_zero() {
        totals.push(plain("Subtotal", doc.subtotal));
        totals.push(plain("Discount", -doc.discount_total));
    }
    totals.push(TotalLine {
        label: "TOTAL".into(),
        amount: format!("{} {}", currency.code(), money(doc.total)),
        emphasis: true,
    });
    totals.push(plain("incl. tax", doc.tax_total));
    let taxes = taxes
        .iter()
        .map(|t| TaxLine {
            code: letter(&t.code),
            rate: t
                .percent
                .map(|p| format!("{}%", p.normalize()))
                .unwrap_or_default(),
            net: t.base.map(money).unwrap_or_default(),
            tax: money(t.tax),
            gross: t.base.map(|b| money(b + t.tax)).unwrap_or_default(),
        })
        .collect();
    // The first chip/contactless payment gets the full EMV block; others print as lines.
    let card = doc
        .payments
        .iter()
        .enumerate()
        .find_map(|(i, p)| Some((i, card_block(p, &money, &currency)?)));
    let mut tenders: Vec<TenderLine> = doc
        .payments
        .iter()
        .enumerate()
        .flat_map(|(i, p)| tender(p, &money, card.as_ref().is_some_and(|(at, _)| *at == i)))
        .collect();
    if !doc.cash_rounding.is_zero() {
        tenders.push(TenderLine {
            label: "Cash rounding".into(),
            amount: money(doc.cash_rounding),
        });
    }
    if !doc.change_given.is_zero() {
        tenders.push(TenderLine {
            label: "Change".into(),
            amount: money(doc.change_given),
        });
    }
    let mut header = vec![config.store.name.clone(), config.store.address.clone()];
    if !config.store.vat_id.is_empty() {
        header.push(format!("VAT {}", config.store.vat_id));
    }
    header.retain(|l| !l.is_empty());
    Ok(SaleReceipt {
        header,
        receipt_no: doc.receipt_no.clone(),
        timestamp: doc
            .created_at
            .get(..16)
            .unwrap_or(&doc.created_at)
            .replace('T', " "),
        lane: format!("Lane {}  Cashier: {cashier}", doc.lane_id),
        lines,
        totals,
        taxes,
        tenders,
        card: card.map(|(_, block)| block),
        footer: config
            .receipt
            .footer
            .split('|')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        code: config.receipt.receipt_code()?,
        copy_label: (copy == ReceiptCopy::Reprint).then(|| "COPY".to_string()),
    })
}

/// The EMV block of a card payment that stored one; `None` (plain tender lines instead) when
/// the stored fields do not make a valid block.
fn card_block(
    p: &NewPayment,
    money: &dyn Fn(Decimal) -> String,
    currency: &Currency,
) -> Option<CardBlock> {
    let emv = p.emv.as_ref()?;
    let pan = MaskedPan::parse(p.masked_pan.as_deref()?).ok()?;
    let entry_mode = match emv.entry_mode.as_str() {
        "chip" => EntryMode::Chip,
        "contactless" => EntryMode::Contactless,
        "swipe" => EntryMode::Swipe,
        "fallback" => EntryMode::Fallback,
        "manual" => EntryMode::Manual,
        _ => return None,
    };
    let mut block = CardBlock::new(
        &emv.aid,
        emv.label.clone(),
        pan,
        entry_mode,
        &emv.tvr,
        &emv.tsi,
        p.auth_code.clone().unwrap_or_default(),
        format!("{} {}", currency.code(), money(p.amount)),
    )
    .inspect_err(|e| tracing::warn!(error = %e, "stored EMV data does not make a receipt block"))
    .ok()?;
    block.cvm = emv.cvm.clone();
    Some(block)
}

/// The printed lines of one payment; a card shows brand, masked PAN and auth code only (just
/// brand and amount when its EMV block prints them).
fn tender(
    p: &NewPayment,
    money: &dyn Fn(Decimal) -> String,
    in_card_block: bool,
) -> Vec<TenderLine> {
    let line = |label: String, amount: String| TenderLine { label, amount };
    match p.kind.as_str() {
        "cash" => vec![line("Cash".into(), money(p.tendered))],
        "card" => {
            let brand = p.card_brand.clone().unwrap_or_else(|| "Card".into());
            // Stored data is masked already; parse again so a bad row never prints digits.
            let pan = p
                .masked_pan
                .as_deref()
                .and_then(|m| MaskedPan::parse(m).ok())
                .map_or_else(|| "card number withheld".to_string(), |m| m.to_string());
            if in_card_block {
                return vec![line(format!("Card {brand}"), money(p.amount))];
            }
            let mut lines = vec![
                line(format!("Card {brand}"), money(p.amount)),
                line(format!("  {pan}"), String::new()),
            ];
            if let Some(code) = p.auth_code.as_deref().filter(|c| !c.is_empty()) {
                lines.push(line("  Auth code".into(), code.to_string()));
            }
            lines
        }
        _ => vec![line(
            p.reference.clone().unwrap_or_else(|| "Other".into()),
            money(p.amount),
        )],
    }
}

#[cfg(test)]
mod tests;
