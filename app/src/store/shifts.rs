//! Shifts: open with a float, cash in/out with a reason, no-sale drawer openings, close with
//! the counted cash by denomination, and the numbered, irreversible Z report written in the
//! same transaction as the close.

use super::reports::{ShiftTotals, shift_totals};
use super::values::{canonical, now_rfc3339, parse_dec};
use super::{Store, StoreError, journal, outbox};
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;

/// A shift as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShiftRow {
    pub id: i64,
    pub lane_id: String,
    pub opened_by: i64,
    pub opened_at: String,
    pub opening_float: Decimal,
    pub closed_at: Option<String>,
}

/// Why cash moved in or out of the drawer outside a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CashMovementKind {
    In,
    Out,
    NoSale,
}

impl CashMovementKind {
    fn as_str(self) -> &'static str {
        match self {
            CashMovementKind::In => "in",
            CashMovementKind::Out => "out",
            CashMovementKind::NoSale => "no_sale",
        }
    }
}

/// A Z report: the closed shift's totals, numbered consecutively, never changed afterwards.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ZReport {
    pub no: i64,
    pub shift_id: i64,
    pub created_at: String,
    pub totals: ShiftTotals,
    pub counted_cash: Decimal,
    pub counted_detail: Vec<(Decimal, u32)>,
    /// counted - expected: negative when cash is missing.
    pub difference: Decimal,
}

impl Store {
    /// The lane's open shift, if any.
    pub fn open_shift_of(&self, lane: &str) -> Result<Option<ShiftRow>, StoreError> {
        let row: Option<(i64, i64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT id, opened_by, opened_at, opening_float FROM shifts
                 WHERE lane_id = ?1 AND closed_at IS NULL",
            )?
            .query_row([lane], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        row.map(|(id, opened_by, opened_at, float)| {
            Ok(ShiftRow {
                id,
                lane_id: lane.to_string(),
                opened_by,
                opened_at,
                opening_float: parse_dec(&float, "shifts.opening_float")?,
                closed_at: None,
            })
        })
        .transpose()
    }

    /// Opens a shift with a cash float; refused while another is open on this lane.
    pub fn open_shift(
        &mut self,
        lane: &str,
        user_id: i64,
        float: Decimal,
    ) -> Result<ShiftRow, StoreError> {
        if float < Decimal::ZERO {
            return Err(StoreError::Invalid(format!("negative float {float}")));
        }
        if self.open_shift_of(lane)?.is_some() {
            return Err(StoreError::Refused(format!(
                "lane {lane} already has an open shift"
            )));
        }
        let tx = self.conn.transaction()?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO shifts (lane_id, opened_by, opened_at, opening_float) VALUES (?1, ?2, ?3, ?4)",
            params![lane, user_id, now, canonical(float)],
        )?;
        let id = tx.last_insert_rowid();
        journal::append(
            &tx,
            "shift_open",
            &serde_json::json!({"shift_id": id, "lane_id": lane, "user_id": user_id, "float": canonical(float)}),
        )?;
        tx.commit()?;
        Ok(ShiftRow {
            id,
            lane_id: lane.into(),
            opened_by: user_id,
            opened_at: now,
            opening_float: float,
            closed_at: None,
        })
    }

    /// Records cash put in or taken out (with a reason), or a no-sale drawer opening.
    pub fn cash_movement(
        &mut self,
        shift_id: i64,
        kind: CashMovementKind,
        amount: Decimal,
        reason: &str,
        user_id: i64,
        approved_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        if amount < Decimal::ZERO {
            return Err(StoreError::Invalid(format!(
                "negative amount {amount}; use cash-in or cash-out"
            )));
        }
        if kind != CashMovementKind::NoSale && reason.trim().is_empty() {
            return Err(StoreError::Invalid("a cash movement needs a reason".into()));
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO cash_movements (shift_id, kind, amount, reason, user_id, approved_by, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                shift_id,
                kind.as_str(),
                canonical(amount),
                reason,
                user_id,
                approved_by,
                now_rfc3339()
            ],
        )?;
        let id = tx.last_insert_rowid();
        journal::append(
            &tx,
            &format!("cash_{}", kind.as_str()),
            &serde_json::json!({"shift_id": shift_id, "amount": canonical(amount), "reason": reason,
                "user_id": user_id, "approved_by": approved_by}),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// X report: the open shift's totals so far; changes nothing.
    pub fn x_report(&self, shift_id: i64) -> Result<ShiftTotals, StoreError> {
        shift_totals(&self.conn, shift_id)
    }

    /// Closes the shift with the counted cash and writes the next Z report, all at once.
    pub fn close_shift(
        &mut self,
        shift_id: i64,
        user_id: i64,
        counted: &[(Decimal, u32)],
    ) -> Result<ZReport, StoreError> {
        if counted.iter().any(|(d, _)| *d <= Decimal::ZERO) {
            return Err(StoreError::Invalid("denominations must be positive".into()));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let closed: Option<Option<String>> = tx
            .query_row(
                "SELECT closed_at FROM shifts WHERE id = ?1",
                [shift_id],
                |r| r.get(0),
            )
            .optional()?;
        match closed {
            None => return Err(StoreError::NotFound(format!("shift {shift_id}"))),
            Some(Some(_)) => {
                return Err(StoreError::Refused(format!(
                    "shift {shift_id} is already closed"
                )));
            }
            Some(None) => {}
        }
        let totals = shift_totals(&tx, shift_id)?;
        let counted_cash: Decimal = counted.iter().map(|(d, n)| *d * Decimal::from(*n)).sum();
        let now = now_rfc3339();
        let detail: Vec<(String, u32)> = counted.iter().map(|(d, n)| (canonical(*d), *n)).collect();
        tx.execute(
            "UPDATE shifts SET closed_by = ?1, closed_at = ?2, expected_cash = ?3, counted_cash = ?4,
               counted_detail = ?5 WHERE id = ?6",
            params![
                user_id,
                now,
                canonical(totals.expected_cash),
                canonical(counted_cash),
                serde_json::to_string(&detail)?,
                shift_id
            ],
        )?;
        let no: i64 = tx.query_row("SELECT coalesce(max(no), 0) + 1 FROM z_reports", [], |r| {
            r.get(0)
        })?;
        let difference = counted_cash - totals.expected_cash;
        let z = ZReport {
            no,
            shift_id,
            created_at: now.clone(),
            totals,
            counted_cash,
            counted_detail: counted.to_vec(),
            difference,
        };
        let content = serde_json::to_value(&z)?;
        // The Z report's own journal entry is the head at closing: the report keeps its seq
        // and hash, so deleting the newest entries later shows in `pos journal verify`.
        let journal_seq = journal::append(&tx, "z_report", &content)?;
        let journal_hash: String = tx.query_row(
            "SELECT hash FROM journal WHERE seq = ?1",
            [journal_seq],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO z_reports (no, shift_id, created_at, content, journal_seq, journal_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                no,
                shift_id,
                now,
                serde_json::to_string(&content)?,
                journal_seq,
                journal_hash
            ],
        )?;
        outbox::enqueue(&tx, "shift_close", &content)?;
        tx.commit()?;
        Ok(z)
    }

    /// A stored Z report by number.
    pub fn z_report(&self, no: i64) -> Result<Option<serde_json::Value>, StoreError> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT content FROM z_reports WHERE no = ?1", [no], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
    }
}
