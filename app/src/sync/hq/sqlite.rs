//! HQ on one SQLite file, for a single small store: the same tables and constraints as on
//! PostgreSQL, one writer at a time, calls moved off the async threads.

use super::{HqError, LaneAuth, StoredEvent, build_ack, canonical_payload, decode_change};
use crate::sync::protocol::{PullResponse, PushAck, PushBatch};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lanes (
  lane_id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS events (
  event_id TEXT PRIMARY KEY,
  lane_id TEXT NOT NULL REFERENCES lanes (lane_id),
  lane_seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (lane_id, lane_seq)
);
CREATE TABLE IF NOT EXISTS catalog_changes (
  version INTEGER PRIMARY KEY,
  body TEXT NOT NULL,
  changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";

#[derive(Debug, Clone)]
pub struct SqliteHq {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteHq {
    pub fn open(path: &str) -> Result<Self, HqError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;",
        )?;
        Ok(SqliteHq {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` on the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, HqError> + Send + 'static,
    ) -> Result<T, HqError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| HqError::Internal("HQ database lock poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| HqError::Internal(e.to_string()))?
    }

    pub(super) async fn migrate(&self) -> Result<(), HqError> {
        self.with(|conn| Ok(conn.execute_batch(SCHEMA)?)).await
    }

    pub(super) async fn lane_by_token_hash(&self, hash: &str) -> Result<Option<LaneAuth>, HqError> {
        let hash = hash.to_owned();
        self.with(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT lane_id, store_id, revoked_at IS NOT NULL FROM lanes
                     WHERE token_sha256 = ?1",
                )?
                .query_row([hash], |r| {
                    Ok(LaneAuth {
                        lane_id: r.get(0)?,
                        store_id: r.get(1)?,
                        revoked: r.get(2)?,
                    })
                })
                .optional()?)
        })
        .await
    }

    pub(super) async fn apply_push(
        &self,
        lane_id: &str,
        batch: &PushBatch,
    ) -> Result<PushAck, HqError> {
        let lane_id = lane_id.to_owned();
        let batch = batch.clone();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut inserted = HashSet::new();
            let mut stored = HashMap::new();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO events (event_id, lane_id, lane_seq, kind, payload, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                )?;
                let mut select = tx.prepare_cached(
                    "SELECT lane_id, lane_seq, kind, payload FROM events WHERE event_id = ?1",
                )?;
                for event in &batch.events {
                    let id = event.event_id.to_string();
                    let added = insert.execute(params![
                        id,
                        lane_id,
                        event.seq,
                        event.kind,
                        canonical_payload(event),
                        event.created_at
                    ])?;
                    if added == 1 {
                        inserted.insert(event.event_id);
                    } else if let Some(found) = select
                        .query_row([&id], |r| {
                            Ok(StoredEvent {
                                lane_id: r.get(0)?,
                                seq: r.get(1)?,
                                kind: r.get(2)?,
                                payload: r.get(3)?,
                            })
                        })
                        .optional()?
                    {
                        stored.insert(event.event_id, found);
                    }
                }
            }
            // A refusal returns before commit: dropping the transaction rolls it back.
            let ack = build_ack(&lane_id, &batch, &inserted, &stored)?;
            tx.commit()?;
            Ok(ack)
        })
        .await
    }

    pub(super) async fn pull(&self, since: i64, limit: usize) -> Result<PullResponse, HqError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let latest: i64 = tx.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM catalog_changes",
                [],
                |r| r.get(0),
            )?;
            let mut changes = Vec::new();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT version, body FROM catalog_changes WHERE version > ?1
                     ORDER BY version LIMIT ?2",
                )?;
                let mut rows = stmt.query(params![since, limit])?;
                while let Some(row) = rows.next()? {
                    let body: String = row.get(1)?;
                    changes.push(decode_change(row.get(0)?, &body)?);
                }
            }
            Ok(PullResponse {
                changes,
                latest_version: latest,
            })
        })
        .await
    }

    pub(super) async fn add_lane(
        &self,
        lane_id: &str,
        store_id: &str,
        hash: &str,
    ) -> Result<(), HqError> {
        let (lane_id, store_id, hash) = (lane_id.to_owned(), store_id.to_owned(), hash.to_owned());
        self.with(move |conn| {
            let added = conn.execute(
                "INSERT INTO lanes (lane_id, store_id, token_sha256) VALUES (?1, ?2, ?3)
                 ON CONFLICT (lane_id) DO NOTHING",
                params![lane_id, store_id, hash],
            )?;
            if added == 0 {
                return Err(HqError::LaneExists(lane_id));
            }
            Ok(())
        })
        .await
    }

    pub(super) async fn revoke_lane(&self, lane_id: &str) -> Result<(), HqError> {
        let lane_id = lane_id.to_owned();
        self.with(move |conn| {
            let changed = conn.execute(
                "UPDATE lanes SET revoked_at = COALESCE(revoked_at,
                   strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE lane_id = ?1",
                [&lane_id],
            )?;
            if changed == 0 {
                return Err(HqError::NoSuchLane(lane_id));
            }
            Ok(())
        })
        .await
    }

    pub(super) async fn publish(&self, body: &str) -> Result<i64, HqError> {
        let body = body.to_owned();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row(
                "INSERT INTO catalog_changes (version, body)
                 SELECT COALESCE(MAX(version), 0) + 1, ?1 FROM catalog_changes RETURNING version",
                [&body],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(version)
        })
        .await
    }

    pub(super) async fn report_rows(&self) -> Result<Vec<super::report::EventRow>, HqError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT l.store_id, e.lane_id, e.kind, e.payload
                 FROM events e JOIN lanes l USING (lane_id)",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (store_id, lane_id, kind, payload) = row?;
                let total = super::report::total_of(&payload);
                out.push(super::report::EventRow {
                    store_id,
                    lane_id,
                    kind,
                    total,
                });
            }
            Ok(out)
        })
        .await
    }

    pub(super) async fn sales_docs(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<super::sales_report::StoredDoc>, HqError> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.with(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT l.store_id, e.lane_id, e.kind, e.created_at, e.payload
                 FROM events e JOIN lanes l USING (lane_id)
                 WHERE e.kind = 'void'
                    OR (e.kind IN ('sale', 'refund') AND e.created_at >= ?1 AND e.created_at < ?2)",
            )?;
            let rows = stmt.query_map([&from, &to], |r| {
                Ok(super::sales_report::StoredDoc {
                    store_id: r.get(0)?,
                    lane_id: r.get(1)?,
                    kind: r.get(2)?,
                    created_at: r.get(3)?,
                    payload: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub(super) async fn event_counts(&self) -> Result<(i64, i64), HqError> {
        self.with(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
    }
}
