//! The lane's SQLite side of sync: reading the outbox head, recording what HQ said, and
//! applying a pull of catalog changes in one transaction.
//!
//! Works on the store's `outbox`, `items` and `users` tables plus the sync tables of
//! migration 0100 (listed in the store's migrations).

use super::protocol::{ChangeBody, OutboxEvent, PullResponse, raw_payload, redact_long_digit_runs};
use crate::store::canonical;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum LaneStoreError {
    #[error("lane database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("outbox row seq {seq} is corrupt: {why}")]
    CorruptRow { seq: i64, why: String },
    #[error("sync_tax_rates {class}: percent {text:?} is not a decimal")]
    CorruptTaxRate { class: String, text: String },
    #[error("pull refused: {0}")]
    InvalidPull(#[from] super::protocol::ProtocolError),
    #[error("clock: {0}")]
    Clock(#[from] time::error::Format),
    #[error("event {0} is not parked (unknown, delivered, or already back in the queue)")]
    NotParked(Uuid),
}

/// An undelivered outbox row, ready to send, with when it may next be tried.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    pub event: OutboxEvent,
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// What `pos sync status` shows and the UI's status bar repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Events waiting for delivery (parked ones not included).
    pub queue_depth: u64,
    /// Events HQ refused for good, set aside until `pos sync retry`.
    pub parked: u64,
    pub oldest_pending_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub last_push_ok_at: Option<String>,
    pub last_pull_ok_at: Option<String>,
    pub catalog_version: i64,
    pub last_error: Option<String>,
}

/// An event HQ refused for good, as `pos sync status` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParkedEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub created_at: String,
    pub parked_at: String,
    /// HQ's refusal, word for word (long digit runs redacted).
    pub reason: String,
}

pub fn now_rfc3339() -> Result<String, LaneStoreError> {
    Ok(OffsetDateTime::now_utc().format(&Rfc3339)?)
}

pub fn format_time(at: OffsetDateTime) -> Result<String, LaneStoreError> {
    Ok(at.format(&Rfc3339)?)
}

/// The first `limit` undelivered rows in delivery order.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<PendingRow>, LaneStoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, kind, payload, created_at, next_attempt_at FROM outbox
         WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut rows = stmt.query(params![limit])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let corrupt = |why: String| LaneStoreError::CorruptRow { seq, why };
        let event_id: String = row.get(1)?;
        let event_id = Uuid::parse_str(&event_id).map_err(|e| corrupt(format!("event_id: {e}")))?;
        let payload: String = row.get(3)?;
        let payload = raw_payload(payload).map_err(|e| corrupt(e.0))?;
        let next_attempt_at: String = row.get(5)?;
        out.push(PendingRow {
            event: OutboxEvent {
                seq,
                event_id,
                kind: row.get(2)?,
                payload,
                created_at: row.get(4)?,
            },
            // An unreadable time must not stall the queue: treat it as due.
            next_attempt_at: OffsetDateTime::parse(&next_attempt_at, &Rfc3339).ok(),
        });
    }
    Ok(out)
}

/// HQ holds these events: mark them delivered and note the success, in one transaction.
pub fn record_delivered(conn: &mut Connection, event_ids: &[Uuid]) -> Result<(), LaneStoreError> {
    let now = now_rfc3339()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET delivered_at = ?1, attempts = attempts + 1, last_error = NULL
             WHERE event_id = ?2 AND delivered_at IS NULL",
        )?;
        for id in event_ids {
            stmt.execute(params![now, id.to_string()])?;
        }
        tx.execute(
            "UPDATE sync_state SET last_push_ok_at = ?1, last_error = NULL, last_error_at = NULL",
            params![now],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// A push failed: count the attempt on every event sent, keep the reason, set the next try.
pub fn record_failure(
    conn: &mut Connection,
    event_ids: &[Uuid],
    error: &str,
    next_attempt_at: OffsetDateTime,
) -> Result<(), LaneStoreError> {
    let now = now_rfc3339()?;
    let next = format_time(next_attempt_at)?;
    let error = redact_long_digit_runs(error);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2
             WHERE event_id = ?3 AND delivered_at IS NULL",
        )?;
        for id in event_ids {
            stmt.execute(params![error, next, id.to_string()])?;
        }
    }
    tx.execute(
        "UPDATE sync_state SET last_error = ?1, last_error_at = ?2",
        params![error, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// HQ refused this one event for good: set it aside with HQ's reason so the queue behind it
/// moves on. It stays undelivered (and counted as parked) until [`retry_parked`].
pub fn park(conn: &mut Connection, event_id: Uuid, reason: &str) -> Result<(), LaneStoreError> {
    let now = now_rfc3339()?;
    let reason = redact_long_digit_runs(reason);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE outbox SET parked_at = ?1, parked_reason = ?2, last_error = ?2,
           attempts = attempts + 1
         WHERE event_id = ?3 AND delivered_at IS NULL AND parked_at IS NULL",
        params![now, reason, event_id.to_string()],
    )?;
    tx.execute(
        "UPDATE sync_state SET last_error = ?1, last_error_at = ?2",
        params![format!("parked event {event_id}: {reason}"), now],
    )?;
    tx.commit()?;
    Ok(())
}

/// The parked events, oldest first.
pub fn parked(conn: &Connection) -> Result<Vec<ParkedEvent>, LaneStoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, kind, created_at, parked_at, coalesce(parked_reason, '')
         FROM outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ParkedEvent {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            kind: r.get(2)?,
            created_at: r.get(3)?,
            parked_at: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Puts parked events back in the queue, due now: one (`Some(id)`, refused with
/// [`LaneStoreError::NotParked`] when it is not parked) or all (`None`). Returns how many.
pub fn retry_parked(
    conn: &mut Connection,
    event_id: Option<Uuid>,
) -> Result<usize, LaneStoreError> {
    let now = now_rfc3339()?;
    let sql = "UPDATE outbox SET parked_at = NULL, parked_reason = NULL, next_attempt_at = ?1
               WHERE parked_at IS NOT NULL AND delivered_at IS NULL
                 AND (?2 IS NULL OR event_id = ?2)";
    let changed = conn.execute(sql, params![now, event_id.map(|id| id.to_string())])?;
    match event_id {
        Some(id) if changed == 0 => Err(LaneStoreError::NotParked(id)),
        _ => Ok(changed),
    }
}

/// Notes a failure that concerns no outbox row (a failed pull, a corrupt row).
pub fn record_error(conn: &Connection, error: &str) -> Result<(), LaneStoreError> {
    let now = now_rfc3339()?;
    conn.execute(
        "UPDATE sync_state SET last_error = ?1, last_error_at = ?2",
        params![redact_long_digit_runs(error), now],
    )?;
    Ok(())
}

pub fn catalog_version(conn: &Connection) -> Result<i64, LaneStoreError> {
    Ok(conn.query_row(
        "SELECT catalog_version FROM sync_state WHERE id = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Applies a pull: every change and the new version in ONE transaction, or nothing.
/// Returns the version the lane now holds.
pub fn apply_pull(conn: &mut Connection, pull: &PullResponse) -> Result<i64, LaneStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let since: i64 = tx.query_row("SELECT catalog_version FROM sync_state", [], |r| r.get(0))?;
    pull.validate(since)?;
    let now = now_rfc3339()?;
    for change in &pull.changes {
        apply_change(&tx, change.version, &change.body, &now)?;
    }
    let version = pull.applied_version(since);
    tx.execute(
        "UPDATE sync_state SET catalog_version = ?1, last_pull_ok_at = ?2",
        params![version, now],
    )?;
    tx.commit()?;
    Ok(version)
}

fn apply_change(
    tx: &rusqlite::Transaction<'_>,
    version: i64,
    body: &ChangeBody,
    now: &str,
) -> Result<(), LaneStoreError> {
    match body {
        ChangeBody::Item(item) => {
            // Stock is the lane's own count: a new item starts at 0, an edit keeps it.
            tx.prepare_cached(
                "INSERT INTO items (sku, gtin, name, category, price, tax_class, unit, stock,
                                    active, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '0', ?8, ?9)
                 ON CONFLICT (sku) DO UPDATE SET gtin = excluded.gtin, name = excluded.name,
                   category = excluded.category, price = excluded.price,
                   tax_class = excluded.tax_class, unit = excluded.unit,
                   active = excluded.active, updated_at = excluded.updated_at",
            )?
            .execute(params![
                item.sku,
                item.gtin,
                item.name,
                item.category,
                canonical(item.price),
                item.tax_class,
                item.unit,
                item.active,
                now
            ])?;
        }
        ChangeBody::Price { sku, price } => {
            let changed = tx
                .prepare_cached("UPDATE items SET price = ?1, updated_at = ?2 WHERE sku = ?3")?
                .execute(params![canonical(*price), now, sku])?;
            if changed == 0 {
                tracing::warn!(%sku, version, "price change for an item this lane does not have");
            }
        }
        ChangeBody::TaxRate { tax_class, percent } => {
            tx.prepare_cached(
                "INSERT INTO sync_tax_rates (tax_class, percent, version) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tax_class) DO UPDATE SET percent = excluded.percent,
                   version = excluded.version",
            )?
            .execute(params![tax_class, canonical(*percent), version])?;
        }
        ChangeBody::User(user) => {
            // HQ owns role, PIN hash and active; the lane keeps its failure counter and lock.
            tx.prepare_cached(
                "INSERT INTO users (name, role, pin_hash, active, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role,
                   pin_hash = excluded.pin_hash, active = excluded.active",
            )?
            .execute(params![
                user.name,
                user.role,
                user.pin_hash,
                user.active,
                now
            ])?;
        }
    }
    Ok(())
}

/// Tax rates HQ published (class -> percent), to lay over `[tax] rates` of `pos.toml`.
pub fn hq_tax_rates(
    conn: &Connection,
) -> Result<std::collections::BTreeMap<String, rust_decimal::Decimal>, LaneStoreError> {
    let mut stmt = conn.prepare_cached("SELECT tax_class, percent FROM sync_tax_rates")?;
    let mut rows = stmt.query([])?;
    let mut rates = std::collections::BTreeMap::new();
    while let Some(row) = rows.next()? {
        let class: String = row.get(0)?;
        let text: String = row.get(1)?;
        let Ok(percent) = text.parse() else {
            return Err(LaneStoreError::CorruptTaxRate { class, text });
        };
        rates.insert(class, percent);
    }
    Ok(rates)
}

pub fn status(conn: &Connection) -> Result<SyncStatus, LaneStoreError> {
    let (queue_depth, parked): (i64, i64) = conn.query_row(
        "SELECT COUNT(*) FILTER (WHERE parked_at IS NULL),
                COUNT(*) FILTER (WHERE parked_at IS NOT NULL)
         FROM outbox WHERE delivered_at IS NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let head: Option<(String, String)> = conn
        .query_row(
            "SELECT created_at, next_attempt_at FROM outbox
             WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (oldest_pending_at, next_attempt_at) = head.unzip();
    conn.query_row(
        "SELECT catalog_version, last_push_ok_at, last_pull_ok_at, last_error FROM sync_state",
        [],
        |r| {
            Ok(SyncStatus {
                queue_depth: u64::try_from(queue_depth).unwrap_or(0),
                parked: u64::try_from(parked).unwrap_or(0),
                oldest_pending_at,
                next_attempt_at,
                catalog_version: r.get(0)?,
                last_push_ok_at: r.get(1)?,
                last_pull_ok_at: r.get(2)?,
                last_error: r.get(3)?,
            })
        },
    )
    .map_err(Into::into)
}

#[cfg(test)]
mod tests;
