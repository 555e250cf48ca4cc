//! HQ's sales listing across lanes and stores: the same columns as a lane's `pos report
//! sales --csv` (receipt_no, kind, status, created_at, cashier_id, total, tax_total), with the
//! store and lane in front. Read from the sale, refund and void events the lanes pushed.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A stored event as the listing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDoc {
    pub store_id: String,
    pub lane_id: String,
    pub kind: String,
    pub created_at: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HqSalesRow {
    pub store_id: String,
    pub lane_id: String,
    pub receipt_no: String,
    pub kind: String,
    /// `completed`, or `voided` once a void event names the receipt.
    pub status: String,
    pub created_at: String,
    pub cashier_id: i64,
    pub total: Decimal,
    pub tax_total: Decimal,
}

// The store's outbox payloads (app/src/store/sales.rs), read leniently: unknown fields ignored.
#[derive(Deserialize)]
struct SaleEvent {
    receipt_no: String,
    sale: SaleBody,
}

#[derive(Deserialize)]
struct SaleBody {
    cashier_id: i64,
    total: Decimal,
    tax_total: Decimal,
}

#[derive(Deserialize)]
struct RefundEvent {
    receipt_no: String,
    refund: RefundBody,
}

#[derive(Deserialize)]
struct RefundBody {
    cashier_id: i64,
    lines: Vec<RefundLine>,
}

#[derive(Deserialize)]
struct RefundLine {
    tax: Decimal,
    total: Decimal,
}

#[derive(Deserialize)]
struct VoidEvent {
    receipt_no: String,
}

/// Sales and refunds in [`from`, `to`) (RFC 3339 strings or dates, compared as text like the
/// lane does), oldest first; voids anywhere in `docs` mark their receipt. Returns the rows and
/// how many events could not be read.
pub fn sales_rows(docs: &[StoredDoc], from: &str, to: &str) -> (Vec<HqSalesRow>, usize) {
    let voided: HashSet<(&str, String)> = docs
        .iter()
        .filter(|d| d.kind == "void")
        .filter_map(|d| {
            let void: VoidEvent = serde_json::from_str(&d.payload).ok()?;
            Some((d.lane_id.as_str(), void.receipt_no))
        })
        .collect();
    let mut rows = Vec::new();
    let mut unreadable = 0;
    for doc in docs {
        let in_window = doc.created_at.as_str() >= from && doc.created_at.as_str() < to;
        if !in_window || (doc.kind != "sale" && doc.kind != "refund") {
            continue;
        }
        let Some((receipt_no, cashier_id, total, tax_total)) = read(doc) else {
            unreadable += 1;
            continue;
        };
        let status = if voided.contains(&(doc.lane_id.as_str(), receipt_no.clone())) {
            "voided"
        } else {
            "completed"
        };
        rows.push(HqSalesRow {
            store_id: doc.store_id.clone(),
            lane_id: doc.lane_id.clone(),
            receipt_no,
            kind: doc.kind.clone(),
            status: status.into(),
            created_at: doc.created_at.clone(),
            cashier_id,
            total,
            tax_total,
        });
    }
    rows.sort_by(|a, b| (&a.created_at, &a.lane_id).cmp(&(&b.created_at, &b.lane_id)));
    (rows, unreadable)
}

/// (receipt, cashier, total, tax) of a sale or refund; a refund counts negative, as at the lane.
fn read(doc: &StoredDoc) -> Option<(String, i64, Decimal, Decimal)> {
    if doc.kind == "sale" {
        let e: SaleEvent = serde_json::from_str(&doc.payload).ok()?;
        return Some((
            e.receipt_no,
            e.sale.cashier_id,
            e.sale.total,
            e.sale.tax_total,
        ));
    }
    let e: RefundEvent = serde_json::from_str(&doc.payload).ok()?;
    let total: Decimal = e.refund.lines.iter().map(|l| l.total).sum();
    let tax: Decimal = e.refund.lines.iter().map(|l| l.tax).sum();
    Some((e.receipt_no, e.refund.cashier_id, -total, -tax))
}

pub fn write_csv(rows: &[HqSalesRow], out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(lane: &str, kind: &str, at: &str, payload: &str) -> StoredDoc {
        StoredDoc {
            store_id: "s1".into(),
            lane_id: lane.into(),
            kind: kind.into(),
            created_at: at.into(),
            payload: payload.into(),
        }
    }

    #[test]
    fn sales_refunds_and_voids_become_the_lanes_columns() {
        let sale = r#"{"receipt_no":"L1-1","sale":{"cashier_id":2,"total":"4.49","tax_total":"0.23","lines":[]}}"#;
        let sale2 =
            r#"{"receipt_no":"L1-2","sale":{"cashier_id":2,"total":"10","tax_total":"1.67"}}"#;
        let refund = r#"{"receipt_no":"L1-3","refund":{"cashier_id":3,"lines":[{"tax":"0.23","total":"4.49"}]}}"#;
        let void = r#"{"receipt_no":"L1-2","total":"10"}"#;
        let docs = vec![
            doc("l1", "sale", "2026-11-29T09:00:00Z", sale),
            doc("l1", "sale", "2026-11-29T09:05:00Z", sale2),
            doc("l1", "refund", "2026-11-29T09:10:00Z", refund),
            doc("l1", "void", "2026-11-30T08:00:00Z", void),
            doc("l1", "sale", "2026-11-30T09:00:00Z", sale),
            doc("l1", "sale", "2026-11-29T09:20:00Z", "{}"),
            doc("l1", "shift_close", "2026-11-29T09:30:00Z", "{}"),
        ];
        let (rows, unreadable) = sales_rows(&docs, "2026-11-29", "2026-11-30");
        assert_eq!(unreadable, 1);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1].status, "voided",
            "the void came later but still marks it"
        );
        assert_eq!(
            (rows[2].total, rows[2].tax_total),
            (Decimal::new(-449, 2), Decimal::new(-23, 2))
        );
        let mut out = Vec::new();
        write_csv(&rows[..1], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "store_id,lane_id,receipt_no,kind,status,created_at,cashier_id,total,tax_total\n\
             s1,l1,L1-1,sale,completed,2026-11-29T09:00:00Z,2,4.49,0.23\n"
        );
    }
}
