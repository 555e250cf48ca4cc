//! Completed sales, refunds and voids. Each is ONE transaction: the document, its lines and
//! payments, the stock movements, the customer update, the journal entry and the outbox row
//! commit together or not at all.

use super::catalog::{StockMove, move_stock};
use super::values::{canonical, now_rfc3339, parse_dec};
use super::{Store, StoreError, journal, outbox};
use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde::Serialize;

/// One line of a sale to record; amounts already computed by the domain.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NewSaleLine {
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    /// Discount on the line (line and share of cart discounts), positive.
    pub discount: Decimal,
    pub tax_class: String,
    pub tax: Decimal,
    /// What the customer pays for the line, tax included, after discounts.
    pub total: Decimal,
    pub price_overridden: bool,
}

/// One tender. Card fields hold masked data only: the store refuses a full PAN.
#[derive(Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NewPayment {
    /// `cash`, `card` or `other`.
    pub kind: String,
    /// The part of the total this tender pays.
    pub amount: Decimal,
    /// What was handed over (cash: may exceed `amount`; the rest is change).
    pub tendered: Decimal,
    pub masked_pan: Option<String>,
    pub card_brand: Option<String>,
    pub auth_code: Option<String>,
    pub reference: Option<String>,
    /// What the receipt's EMV block prints (card payments read by the EMV kernel).
    #[serde(default)]
    pub emv: Option<CardEmv>,
}

/// The EMV data a card receipt prints: never a PAN, track data or PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CardEmv {
    /// Hex, 5 to 16 bytes.
    pub aid: String,
    /// Application label or preferred name (`VISA CREDIT`).
    pub label: String,
    /// `chip`, `contactless`, `swipe`, `fallback` or `manual`.
    pub entry_mode: String,
    /// Hex, 5 bytes.
    pub tvr: String,
    /// Hex, 2 bytes.
    pub tsi: String,
    /// As printed: `PIN VERIFIED`, `SIGNATURE`, `NO CVM`.
    pub cvm: String,
}

impl std::fmt::Debug for NewPayment {
    // Hand-written so that even a mistakenly unmasked value never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPayment")
            .field("kind", &self.kind)
            .field("amount", &self.amount)
            .field("tendered", &self.tendered)
            .field(
                "masked_pan",
                &self.masked_pan.as_deref().map(mask_for_debug),
            )
            .field("card_brand", &self.card_brand)
            .field("auth_code", &self.auth_code)
            .finish()
    }
}

fn mask_for_debug(s: &str) -> String {
    let digits: Vec<char> = s.chars().filter(char::is_ascii_digit).collect();
    let last4: String = digits.iter().rev().take(4).rev().collect();
    format!("****{last4}")
}

impl NewPayment {
    /// A cash tender.
    pub fn cash(amount: Decimal, tendered: Decimal) -> Self {
        NewPayment {
            kind: "cash".into(),
            amount,
            tendered,
            masked_pan: None,
            card_brand: None,
            auth_code: None,
            reference: None,
            emv: None,
        }
    }

    fn check(&self) -> Result<(), StoreError> {
        if !matches!(self.kind.as_str(), "cash" | "card" | "other") {
            return Err(StoreError::Invalid(format!(
                "unknown tender kind {:?}",
                self.kind
            )));
        }
        if let Some(p) = &self.masked_pan {
            // First 6 / last 4 at most: never more than 10 digits.
            if p.chars().filter(char::is_ascii_digit).count() > 10 {
                return Err(StoreError::Invalid(
                    "refusing to store an unmasked card number".into(),
                ));
            }
        }
        Ok(())
    }
}

/// A sale to record.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NewSale {
    pub lane_id: String,
    pub shift_id: Option<i64>,
    pub cashier_id: i64,
    /// The manager who approved something in it (price override, large discount).
    pub approved_by: Option<i64>,
    pub customer_id: Option<String>,
    pub currency: String,
    pub subtotal: Decimal,
    pub discount_total: Decimal,
    pub tax_total: Decimal,
    pub total: Decimal,
    /// Cash rounding applied to the amount due (e.g. -0.02).
    pub cash_rounding: Decimal,
    pub change_given: Decimal,
    /// Per-rate tax breakdown as the domain computed it.
    pub taxes: serde_json::Value,
    /// The domain's totals as computed at the sale (refunds reverse from these exactly).
    /// Kept in the sales row; not repeated in the outbox payload. Serialised once, by the
    /// caller, as JSON text (an empty string stores `null`).
    #[serde(skip)]
    pub detail: String,
    pub loyalty_points: i64,
    pub lines: Vec<NewSaleLine>,
    pub payments: Vec<NewPayment>,
}

/// One line of a refund: which original line, how much of it, and the exact amounts the
/// domain computed for that share (positive).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NewRefundLine {
    pub original_line_no: i64,
    pub quantity: Decimal,
    pub discount: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// A refund of (part of) an original sale, approved by a manager.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NewRefund {
    pub original_receipt: String,
    pub lane_id: String,
    pub shift_id: Option<i64>,
    pub cashier_id: i64,
    pub approved_by: i64,
    pub lines: Vec<NewRefundLine>,
    pub taxes: serde_json::Value,
    /// How the money goes back (positive amounts).
    pub payments: Vec<NewPayment>,
    pub loyalty_points: i64,
}

/// What a committed document is known by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletedDoc {
    pub id: i64,
    pub receipt_no: String,
    pub event_id: String,
}

/// A stored line, read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaleLineDoc {
    pub line_no: i64,
    pub sku: String,
    pub name: String,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    pub discount: Decimal,
    pub tax_class: String,
    pub tax: Decimal,
    pub total: Decimal,
    pub original_line_no: Option<i64>,
    /// For a sale line: how much of it has been refunded so far.
    pub refunded_quantity: Decimal,
}

/// A stored sale or refund, read back (receipt reprint, refund lookup, reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaleDoc {
    pub id: i64,
    pub receipt_no: String,
    pub kind: String,
    pub status: String,
    pub original_receipt: Option<String>,
    pub lane_id: String,
    pub shift_id: Option<i64>,
    pub cashier_id: i64,
    pub customer_id: Option<String>,
    pub currency: String,
    pub subtotal: Decimal,
    pub discount_total: Decimal,
    pub tax_total: Decimal,
    pub total: Decimal,
    pub cash_rounding: Decimal,
    pub change_given: Decimal,
    pub taxes: serde_json::Value,
    pub created_at: String,
    pub event_id: String,
    pub loyalty_points: i64,
    /// The domain's totals recorded with the sale.
    pub detail: serde_json::Value,
    /// For a sale: the sum of its refunds so far (positive).
    pub refunded_total: Decimal,
    pub lines: Vec<SaleLineDoc>,
    pub payments: Vec<NewPayment>,
}

// The journal entry and outbox event of a sale, serialised straight from borrowed data (no
// intermediate `serde_json::Value`). Fields are declared in alphabetical order so the journal
// text stays the canonical, key-sorted JSON it has always been.

#[derive(Serialize)]
struct LineSummary<'a> {
    quantity: String,
    sku: &'a str,
    total: String,
}

#[derive(Serialize)]
struct PaymentSummary<'a> {
    amount: String,
    kind: &'a str,
}

#[derive(Serialize)]
struct SaleSummary<'a> {
    cashier_id: i64,
    currency: &'a str,
    event_id: &'a str,
    lines: Vec<LineSummary<'a>>,
    payments: Vec<PaymentSummary<'a>>,
    receipt_no: &'a str,
    tax_total: String,
    total: String,
}

#[derive(Serialize)]
struct SaleEvent<'a> {
    created_at: &'a str,
    receipt_no: &'a str,
    sale: &'a NewSale,
}

fn next_receipt(tx: &Transaction<'_>, lane: &str) -> Result<String, StoreError> {
    // One statement: bump and read back the counter.
    let n: i64 = tx
        .prepare_cached(
            "INSERT INTO counters (name, value) VALUES ('receipt', 1)
             ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        )?
        .query_row([], |r| r.get(0))?;
    Ok(format!("{lane}-{n:06}"))
}

#[allow(clippy::too_many_arguments)]
fn insert_doc(
    tx: &Transaction<'_>,
    receipt: &str,
    kind: &str,
    original: Option<i64>,
    s: &NewSale,
    event_id: &str,
    now: &str,
) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO sales (receipt_no, kind, status, original_sale_id, lane_id, shift_id, cashier_id,
           approved_by, customer_id, currency, subtotal, discount_total, tax_total, total,
           cash_rounding, change_given, taxes, event_id, created_at, loyalty_points, detail)
         VALUES (?1, ?2, 'completed', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
            receipt,
            kind,
            original,
            s.lane_id,
            s.shift_id,
            s.cashier_id,
            s.approved_by,
            s.customer_id,
            s.currency,
            canonical(s.subtotal),
            canonical(s.discount_total),
            canonical(s.tax_total),
            canonical(s.total),
            canonical(s.cash_rounding),
            canonical(s.change_given),
            serde_json::to_string(&s.taxes)?,
            event_id,
            now,
            s.loyalty_points,
            if s.detail.is_empty() {
                "null"
            } else {
                s.detail.as_str()
            }
        ])?;
    let id = tx.last_insert_rowid();
    for (i, p) in s.payments.iter().enumerate() {
        p.check()?;
        tx.prepare_cached(
            "INSERT INTO payments (sale_id, seq, kind, amount, tendered, masked_pan, card_brand, auth_code, reference, emv)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
                id,
                i as i64 + 1,
                p.kind,
                canonical(p.amount),
                canonical(p.tendered),
                p.masked_pan,
                p.card_brand,
                p.auth_code,
                p.reference,
                p.emv.as_ref().map(serde_json::to_string).transpose()?
            ])?;
    }
    Ok(id)
}

fn update_customer(
    tx: &Transaction<'_>,
    id: &str,
    spent: Decimal,
    points: i64,
    visits: i64,
) -> Result<(), StoreError> {
    let current: Option<String> = tx
        .prepare_cached("SELECT total_spent FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let current = current.ok_or_else(|| StoreError::NotFound(format!("customer {id}")))?;
    let total = parse_dec(&current, "customers.total_spent")? + spent;
    tx.prepare_cached(
        "UPDATE customers SET total_spent = ?1, points = max(0, points + ?2), visits = visits + ?3,
           updated_at = ?4 WHERE id = ?5",
    )?
    .execute(params![canonical(total), points, visits, now_rfc3339(), id])?;
    Ok(())
}

fn sum<'a>(it: impl Iterator<Item = &'a Decimal>) -> Decimal {
    it.copied().sum()
}

impl Store {
    /// Records a completed sale: everything in one durable transaction.
    pub fn record_sale(&mut self, sale: &NewSale) -> Result<CompletedDoc, StoreError> {
        self.record_sale_settling(sale, &[])
    }

    /// Records a sale and, in the same transaction, ends the reversibility of the card
    /// approvals it is paid with (their `acq_pending_reversal` rows, see
    /// `payment::flow`). Refused, with nothing written, when an approval is no longer
    /// pending (already reversed or being reversed).
    pub fn record_sale_settling(
        &mut self,
        sale: &NewSale,
        card_approvals: &[i64],
    ) -> Result<CompletedDoc, StoreError> {
        if sale.lines.is_empty() {
            return Err(StoreError::Invalid("a sale needs at least one line".into()));
        }
        let paid = sum(sale.payments.iter().map(|p| &p.amount));
        if paid != sale.total + sale.cash_rounding {
            return Err(StoreError::Invalid(format!(
                "payments {paid} do not match the amount due {}",
                sale.total + sale.cash_rounding
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now = now_rfc3339();
        let receipt = next_receipt(&tx, &sale.lane_id)?;
        let event_id = uuid::Uuid::new_v4().to_string();
        let id = insert_doc(&tx, &receipt, "sale", None, sale, &event_id, &now)?;
        for (i, l) in sale.lines.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO sale_lines (sale_id, line_no, sku, name, quantity, unit, unit_price, discount,
                   tax_class, tax, total, price_overridden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                    id,
                    i as i64 + 1,
                    l.sku,
                    l.name,
                    canonical(l.quantity),
                    l.unit,
                    canonical(l.unit_price),
                    canonical(l.discount),
                    l.tax_class,
                    canonical(l.tax),
                    canonical(l.total),
                    l.price_overridden as i64
                ])?;
            move_stock(
                &tx,
                &StockMove {
                    sku: &l.sku,
                    delta: -l.quantity,
                    reason: "sale",
                    sale_id: Some(id),
                    user_id: Some(sale.cashier_id),
                    note: None,
                    at: &now,
                },
            )?;
        }
        if let Some(c) = &sale.customer_id {
            update_customer(&tx, c, sale.total, sale.loyalty_points, 1)?;
        }
        let summary = SaleSummary {
            cashier_id: sale.cashier_id,
            currency: &sale.currency,
            event_id: &event_id,
            lines: sale
                .lines
                .iter()
                .map(|l| LineSummary {
                    quantity: canonical(l.quantity),
                    sku: &l.sku,
                    total: canonical(l.total),
                })
                .collect(),
            payments: sale
                .payments
                .iter()
                .map(|p| PaymentSummary {
                    amount: canonical(p.amount),
                    kind: &p.kind,
                })
                .collect(),
            receipt_no: &receipt,
            tax_total: canonical(sale.tax_total),
            total: canonical(sale.total),
        };
        journal::append(&tx, "sale", &summary)?;
        settle_card_approvals(&tx, card_approvals)?;
        let payload = SaleEvent {
            created_at: &now,
            receipt_no: &receipt,
            sale,
        };
        outbox::enqueue_with_id(&tx, &event_id, "sale", &payload)?;
        tx.commit()?;
        Ok(CompletedDoc {
            id,
            receipt_no: receipt,
            event_id,
        })
    }

    /// Records a refund against an original sale, refusing more than what remains refundable.
    pub fn record_refund(&mut self, refund: &NewRefund) -> Result<CompletedDoc, StoreError> {
        self.record_refund_settling(refund, &[])
    }

    /// Records a refund and, in the same transaction, ends the reversibility of the card
    /// refund approvals it pays out with (see [`Store::record_sale_settling`]).
    pub fn record_refund_settling(
        &mut self,
        refund: &NewRefund,
        card_approvals: &[i64],
    ) -> Result<CompletedDoc, StoreError> {
        if refund.lines.is_empty() {
            return Err(StoreError::Invalid(
                "a refund needs at least one line".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let original = doc_by_receipt(&tx, &refund.original_receipt)?
            .ok_or_else(|| StoreError::NotFound(format!("receipt {}", refund.original_receipt)))?;
        if original.kind != "sale" || original.status != "completed" {
            return Err(StoreError::Refused(format!(
                "receipt {} is a {} ({}) and cannot be refunded",
                original.receipt_no, original.kind, original.status
            )));
        }
        let mut lines = Vec::new();
        for rl in &refund.lines {
            let ol = original
                .lines
                .iter()
                .find(|l| l.line_no == rl.original_line_no)
                .ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "line {} of {}",
                        rl.original_line_no, original.receipt_no
                    ))
                })?;
            let left = ol.quantity - ol.refunded_quantity;
            if rl.quantity <= Decimal::ZERO || rl.quantity > left {
                return Err(StoreError::Refused(format!(
                    "line {} of {}: {} can be refunded, asked for {}",
                    ol.line_no, original.receipt_no, left, rl.quantity
                )));
            }
            lines.push((ol.clone(), rl));
        }
        let total = sum(refund.lines.iter().map(|l| &l.total));
        let paid = sum(refund.payments.iter().map(|p| &p.amount));
        if paid != total {
            return Err(StoreError::Invalid(format!(
                "refund tenders {paid} do not match the refund {total}"
            )));
        }
        let tax = sum(refund.lines.iter().map(|l| &l.tax));
        let discount = sum(refund.lines.iter().map(|l| &l.discount));
        let doc = NewSale {
            lane_id: refund.lane_id.clone(),
            shift_id: refund.shift_id,
            cashier_id: refund.cashier_id,
            approved_by: Some(refund.approved_by),
            customer_id: original.customer_id.clone(),
            currency: original.currency.clone(),
            subtotal: -(total + discount),
            discount_total: -discount,
            tax_total: -tax,
            total: -total,
            cash_rounding: Decimal::ZERO,
            change_given: Decimal::ZERO,
            taxes: refund.taxes.clone(),
            detail: String::new(),
            loyalty_points: -refund.loyalty_points,
            lines: Vec::new(),
            payments: refund
                .payments
                .iter()
                .map(|p| NewPayment {
                    amount: -p.amount,
                    tendered: -p.tendered,
                    ..p.clone()
                })
                .collect(),
        };
        let now = now_rfc3339();
        let receipt = next_receipt(&tx, &refund.lane_id)?;
        let event_id = uuid::Uuid::new_v4().to_string();
        let id = insert_doc(
            &tx,
            &receipt,
            "refund",
            Some(original.id),
            &doc,
            &event_id,
            &now,
        )?;
        for (i, (ol, rl)) in lines.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO sale_lines (sale_id, line_no, sku, name, quantity, unit, unit_price, discount,
                   tax_class, tax, total, original_line_no)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                    id,
                    i as i64 + 1,
                    ol.sku,
                    ol.name,
                    canonical(-rl.quantity),
                    ol.unit,
                    canonical(ol.unit_price),
                    canonical(-rl.discount),
                    ol.tax_class,
                    canonical(-rl.tax),
                    canonical(-rl.total),
                    ol.line_no
                ])?;
            move_stock(
                &tx,
                &StockMove {
                    sku: &ol.sku,
                    delta: rl.quantity,
                    reason: "refund",
                    sale_id: Some(id),
                    user_id: Some(refund.cashier_id),
                    note: None,
                    at: &now,
                },
            )?;
        }
        if let Some(c) = &original.customer_id {
            update_customer(&tx, c, -total, -refund.loyalty_points, 0)?;
        }
        let summary = serde_json::json!({
            "receipt_no": receipt, "original_receipt": original.receipt_no, "event_id": event_id,
            "cashier_id": refund.cashier_id, "approved_by": refund.approved_by,
            "total": canonical(-total), "tax_total": canonical(-tax),
            "lines": refund.lines.iter().map(|l| serde_json::json!({
                "original_line_no": l.original_line_no, "quantity": canonical(l.quantity),
                "total": canonical(l.total)
            })).collect::<Vec<_>>(),
        });
        journal::append(&tx, "refund", &summary)?;
        settle_card_approvals(&tx, card_approvals)?;
        let payload =
            serde_json::json!({ "receipt_no": receipt, "created_at": now, "refund": refund });
        outbox::enqueue_with_id(&tx, &event_id, "refund", &payload)?;
        tx.commit()?;
        Ok(CompletedDoc {
            id,
            receipt_no: receipt,
            event_id,
        })
    }

    /// Voids a completed sale that has no refunds: stock goes back, the customer is reversed.
    pub fn void_sale(
        &mut self,
        receipt: &str,
        user_id: i64,
        approved_by: i64,
    ) -> Result<CompletedDoc, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let doc = doc_by_receipt(&tx, receipt)?
            .ok_or_else(|| StoreError::NotFound(format!("receipt {receipt}")))?;
        if doc.kind != "sale" || doc.status != "completed" {
            return Err(StoreError::Refused(format!(
                "receipt {receipt} is a {} ({}) and cannot be voided",
                doc.kind, doc.status
            )));
        }
        if doc.lines.iter().any(|l| !l.refunded_quantity.is_zero()) {
            return Err(StoreError::Refused(format!(
                "receipt {receipt} has refunds and cannot be voided"
            )));
        }
        let now = now_rfc3339();
        tx.prepare_cached(
            "UPDATE sales SET status = 'voided', voided_at = ?1, voided_by = ?2 WHERE id = ?3",
        )?
        .execute(params![now, approved_by, doc.id])?;
        for l in &doc.lines {
            move_stock(
                &tx,
                &StockMove {
                    sku: &l.sku,
                    delta: l.quantity,
                    reason: "void",
                    sale_id: Some(doc.id),
                    user_id: Some(user_id),
                    note: None,
                    at: &now,
                },
            )?;
        }
        if let Some(c) = &doc.customer_id {
            update_customer(&tx, c, -doc.total, -doc.loyalty_points, -1)?;
        }
        let content = serde_json::json!({
            "receipt_no": receipt, "user_id": user_id, "approved_by": approved_by,
            "total": canonical(doc.total),
        });
        journal::append(&tx, "void", &content)?;
        let event_id = outbox::enqueue(&tx, "void", &content)?;
        tx.commit()?;
        Ok(CompletedDoc {
            id: doc.id,
            receipt_no: receipt.to_string(),
            event_id,
        })
    }

    /// A sale or refund by receipt number, with lines, payments and refunded quantities.
    pub fn sale_doc(&self, receipt: &str) -> Result<Option<SaleDoc>, StoreError> {
        doc_by_receipt(&self.conn, receipt)
    }
}

pub(crate) fn doc_by_receipt(
    conn: &rusqlite::Connection,
    receipt: &str,
) -> Result<Option<SaleDoc>, StoreError> {
    let head = conn
        .query_row(
            "SELECT s.id, s.receipt_no, s.kind, s.status, o.receipt_no, s.lane_id, s.shift_id, s.cashier_id,
               s.customer_id, s.currency, s.subtotal, s.discount_total, s.tax_total, s.total,
               s.cash_rounding, s.change_given, s.taxes, s.created_at, s.event_id, s.loyalty_points, s.detail
             FROM sales s LEFT JOIN sales o ON o.id = s.original_sale_id WHERE s.receipt_no = ?1",
            [receipt],
            |r| {
                let d = |i: usize| r.get::<_, String>(i);
                Ok((
                    (r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                    (r.get::<_, Option<String>>(4)?, r.get::<_, String>(5)?, r.get::<_, Option<i64>>(6)?, r.get::<_, i64>(7)?),
                    (r.get::<_, Option<String>>(8)?, d(9)?, d(10)?, d(11)?, d(12)?, d(13)?),
                    (d(14)?, d(15)?, d(16)?, d(17)?, d(18)?, r.get::<_, i64>(19)?, d(20)?),
                ))
            },
        )
        .optional()?;
    let Some((
        (id, receipt_no, kind, status),
        (original_receipt, lane_id, shift_id, cashier_id),
        c,
        e,
    )) = head
    else {
        return Ok(None);
    };
    let (customer_id, currency, subtotal, discount_total, tax_total, total) = c;
    let (cash_rounding, change_given, taxes, created_at, event_id, loyalty_points, detail) = e;
    let mut lines = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT l.line_no, l.sku, l.name, l.quantity, l.unit, l.unit_price, l.discount, l.tax_class,
               l.tax, l.total, l.original_line_no
             FROM sale_lines l WHERE l.sale_id = ?1 ORDER BY l.line_no",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let d = |i: usize, w: &'static str| -> Result<Decimal, StoreError> {
                parse_dec(&r.get::<_, String>(i)?, w)
            };
            lines.push(SaleLineDoc {
                line_no: r.get(0)?,
                sku: r.get(1)?,
                name: r.get(2)?,
                quantity: d(3, "sale_lines.quantity")?,
                unit: r.get(4)?,
                unit_price: d(5, "sale_lines.unit_price")?,
                discount: d(6, "sale_lines.discount")?,
                tax_class: r.get(7)?,
                tax: d(8, "sale_lines.tax")?,
                total: d(9, "sale_lines.total")?,
                original_line_no: r.get(10)?,
                refunded_quantity: Decimal::ZERO,
            });
        }
    }
    if kind == "sale" {
        // Refund lines hold negative quantities pointing at this sale's lines.
        let mut stmt = conn.prepare_cached(
            "SELECT l.original_line_no, l.quantity FROM sale_lines l JOIN sales s ON s.id = l.sale_id
             WHERE s.original_sale_id = ?1 AND s.kind = 'refund'",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let no: Option<i64> = r.get(0)?;
            let q = parse_dec(&r.get::<_, String>(1)?, "sale_lines.quantity")?;
            if let Some(l) = lines.iter_mut().find(|l| Some(l.line_no) == no) {
                l.refunded_quantity -= q;
            }
        }
    }
    let mut refunded_total = Decimal::ZERO;
    if kind == "sale" {
        let mut stmt = conn.prepare_cached(
            "SELECT total FROM sales WHERE original_sale_id = ?1 AND kind = 'refund'",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            refunded_total -= parse_dec(&r.get::<_, String>(0)?, "sales.total")?;
        }
    }
    let mut payments = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT kind, amount, tendered, masked_pan, card_brand, auth_code, reference, emv
             FROM payments WHERE sale_id = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            payments.push(NewPayment {
                kind: r.get(0)?,
                amount: parse_dec(&r.get::<_, String>(1)?, "payments.amount")?,
                tendered: parse_dec(&r.get::<_, String>(2)?, "payments.tendered")?,
                masked_pan: r.get(3)?,
                card_brand: r.get(4)?,
                auth_code: r.get(5)?,
                reference: r.get(6)?,
                emv: r
                    .get::<_, Option<String>>(7)?
                    .map(|json| serde_json::from_str(&json))
                    .transpose()?,
            });
        }
    }
    let dec = |s: &str, w| parse_dec(s, w);
    Ok(Some(SaleDoc {
        id,
        receipt_no,
        kind,
        status,
        original_receipt,
        lane_id,
        shift_id,
        cashier_id,
        customer_id,
        currency,
        subtotal: dec(&subtotal, "sales.subtotal")?,
        discount_total: dec(&discount_total, "sales.discount_total")?,
        tax_total: dec(&tax_total, "sales.tax_total")?,
        total: dec(&total, "sales.total")?,
        cash_rounding: dec(&cash_rounding, "sales.cash_rounding")?,
        change_given: dec(&change_given, "sales.change_given")?,
        taxes: serde_json::from_str(&taxes)?,
        created_at,
        event_id,
        loyalty_points,
        detail: serde_json::from_str(&detail)?,
        refunded_total,
        lines,
        payments,
    }))
}

/// Deletes the pending-reversal rows of the card approvals a document is paid with, inside
/// the document's transaction; refuses when one is no longer awaiting completion (it was
/// reversed, or is being reversed).
fn settle_card_approvals(
    tx: &rusqlite::Transaction<'_>,
    card_approvals: &[i64],
) -> Result<(), StoreError> {
    for approval in card_approvals {
        let settled = tx.execute(
            "DELETE FROM acq_pending_reversal WHERE id = ?1 AND state = 'awaiting_completion'",
            [approval],
        )?;
        if settled != 1 {
            return Err(StoreError::Refused(
                "the card approval was reversed; take the payment again".into(),
            ));
        }
    }
    Ok(())
}
