//! The outbox: one row per event for the back office, written in the same transaction as
//! the change it announces. Delivery (attempts, acknowledgements) belongs to `sync`.

use super::values::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::{Transaction, params};

/// Queues one event inside the caller's transaction; returns its idempotency key.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<String, StoreError> {
    let event_id = uuid::Uuid::new_v4().to_string();
    enqueue_with_id(tx, &event_id, kind, payload)?;
    Ok(event_id)
}

/// Queues an event whose key the caller chose (the sale row records the same key).
pub(crate) fn enqueue_with_id<T: serde::Serialize + ?Sized>(
    tx: &Transaction<'_>,
    event_id: &str,
    kind: &str,
    payload: &T,
) -> Result<(), StoreError> {
    let now = now_rfc3339();
    tx.prepare_cached(
        "INSERT INTO outbox (event_id, kind, payload, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![
        event_id,
        kind,
        serde_json::to_string(payload)?,
        now
    ])?;
    Ok(())
}

impl Store {
    /// Number of events waiting for HQ (parked ones not included).
    pub fn outbox_pending(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND parked_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Number of events HQ refused for good, parked until `pos sync retry`.
    pub fn outbox_parked(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND parked_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }
}
