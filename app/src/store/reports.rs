//! Reports read from the store: shift totals (X and Z) and the sales list for a period.
//! Sums are done in Rust over Decimal strings, never with SQL SUM.

use super::values::parse_dec;
use super::{Store, StoreError};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The totals of one shift.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ShiftTotals {
    pub shift_id: i64,
    pub opening_float: Decimal,
    pub sales_count: u64,
    pub refunds_count: u64,
    pub voids_count: u64,
    pub sales_total: Decimal,
    pub refunds_total: Decimal,
    pub tax_total: Decimal,
    /// Net amount per tender kind (cash, card, other).
    pub tenders: BTreeMap<String, Decimal>,
    pub cash_in: Decimal,
    pub cash_out: Decimal,
    pub no_sales: u64,
    /// float + cash tenders + cash in - cash out.
    pub expected_cash: Decimal,
}

/// One document in a sales report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SalesRow {
    pub receipt_no: String,
    pub kind: String,
    pub status: String,
    pub created_at: String,
    pub cashier_id: i64,
    pub total: Decimal,
    pub tax_total: Decimal,
}

pub(crate) fn shift_totals(
    conn: &rusqlite::Connection,
    shift_id: i64,
) -> Result<ShiftTotals, StoreError> {
    let float: String = conn
        .query_row(
            "SELECT opening_float FROM shifts WHERE id = ?1",
            [shift_id],
            |r| r.get(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => {
                StoreError::NotFound(format!("shift {shift_id}"))
            }
            e => e.into(),
        })?;
    let mut t = ShiftTotals {
        shift_id,
        opening_float: parse_dec(&float, "shifts.opening_float")?,
        ..Default::default()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, status, total, tax_total FROM sales WHERE shift_id = ?1",
    )?;
    let mut rows = stmt.query([shift_id])?;
    let mut counted_ids = Vec::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(1)?;
        let status: String = r.get(2)?;
        let total = parse_dec(&r.get::<_, String>(3)?, "sales.total")?;
        let tax = parse_dec(&r.get::<_, String>(4)?, "sales.tax_total")?;
        if status == "voided" {
            t.voids_count += 1;
            continue;
        }
        counted_ids.push(r.get::<_, i64>(0)?);
        t.tax_total += tax;
        if kind == "refund" {
            t.refunds_count += 1;
            t.refunds_total += total;
        } else {
            t.sales_count += 1;
            t.sales_total += total;
        }
    }
    let mut pay = conn.prepare_cached("SELECT kind, amount FROM payments WHERE sale_id = ?1")?;
    for id in counted_ids {
        let mut rows = pay.query([id])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let amount = parse_dec(&r.get::<_, String>(1)?, "payments.amount")?;
            *t.tenders.entry(kind).or_default() += amount;
        }
    }
    let mut stmt =
        conn.prepare_cached("SELECT kind, amount FROM cash_movements WHERE shift_id = ?1")?;
    let mut rows = stmt.query([shift_id])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let amount = parse_dec(&r.get::<_, String>(1)?, "cash_movements.amount")?;
        match kind.as_str() {
            "in" => t.cash_in += amount,
            "out" => t.cash_out += amount,
            _ => t.no_sales += 1,
        }
    }
    let cash = t.tenders.get("cash").copied().unwrap_or_default();
    t.expected_cash = t.opening_float + cash + t.cash_in - t.cash_out;
    Ok(t)
}

impl Store {
    /// Every sale and refund created in `[from, to)` (RFC 3339 strings or dates, UTC).
    pub fn sales_between(&self, from: &str, to: &str) -> Result<Vec<SalesRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT receipt_no, kind, status, created_at, cashier_id, total, tax_total FROM sales
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id",
        )?;
        let mut rows = stmt.query([from, to])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(SalesRow {
                receipt_no: r.get(0)?,
                kind: r.get(1)?,
                status: r.get(2)?,
                created_at: r.get(3)?,
                cashier_id: r.get(4)?,
                total: parse_dec(&r.get::<_, String>(5)?, "sales.total")?,
                tax_total: parse_dec(&r.get::<_, String>(6)?, "sales.tax_total")?,
            });
        }
        Ok(out)
    }
}

impl Store {
    /// The newest Z report number.
    pub fn latest_z_no(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT max(no) FROM z_reports", [], |r| r.get(0))?)
    }

    /// Up to `n` random items' barcodes and names (for benchmarks).
    pub fn sample_items(&self, n: usize) -> Result<(Vec<String>, Vec<String>), StoreError> {
        use rand::Rng;
        let max: i64 =
            self.conn
                .query_row("SELECT coalesce(max(rowid), 0) FROM items", [], |r| {
                    r.get(0)
                })?;
        let mut rng = rand::thread_rng();
        let mut stmt = self
            .conn
            .prepare("SELECT gtin, name FROM items WHERE rowid = ?1 AND gtin IS NOT NULL")?;
        let (mut codes, mut names) = (Vec::new(), Vec::new());
        let mut tries = 0;
        while codes.len() < n && max > 0 && tries < n * 4 {
            tries += 1;
            let id = rng.gen_range(1..=max);
            let mut rows = stmt.query([id])?;
            if let Some(r) = rows.next()? {
                codes.push(r.get(0)?);
                names.push(r.get(1)?);
            }
        }
        Ok((codes, names))
    }
}
