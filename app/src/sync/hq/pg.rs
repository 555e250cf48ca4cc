//! HQ on PostgreSQL: a connection pool and the SQL. Exactly-once comes from the primary key
//! on `event_id` and the unique (`lane_id`, `lane_seq`): a batch is one INSERT … ON CONFLICT
//! DO NOTHING, and the rows it did not insert are judged against what is stored.

use super::{HqError, LaneAuth, StoredEvent, build_ack, canonical_payload, decode_change};
use crate::sync::protocol::{PullResponse, PushAck, PushBatch};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio_postgres::NoTls;
use uuid::Uuid;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lanes (
  lane_id TEXT PRIMARY KEY,
  store_id TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS events (
  event_id UUID PRIMARY KEY,
  lane_id TEXT NOT NULL REFERENCES lanes (lane_id),
  lane_seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (lane_id, lane_seq)
);
CREATE TABLE IF NOT EXISTS catalog_changes (
  version BIGINT PRIMARY KEY,
  body TEXT NOT NULL,
  changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
";

/// Serialises schema creation and catalog publishing across HQ instances.
const SCHEMA_LOCK: i64 = 0x5359_4e43_0001;
const CATALOG_LOCK: i64 = 0x5359_4e43_0002;

#[derive(Clone)]
pub struct PgHq {
    pool: Pool,
}

impl std::fmt::Debug for PgHq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: show only the pool's shape.
        f.debug_struct("PgHq")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PgHq {
    pub fn connect(url: &str) -> Result<Self, HqError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| HqError::BadUrl(format!("postgres URL: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| HqError::Internal(e.to_string()))?;
        Ok(PgHq { pool })
    }

    pub(super) async fn migrate(&self) -> Result<(), HqError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        tx.batch_execute(SCHEMA).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn lane_by_token_hash(&self, hash: &str) -> Result<Option<LaneAuth>, HqError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "SELECT lane_id, store_id, revoked_at IS NOT NULL FROM lanes WHERE token_sha256 = $1",
            )
            .await?;
        let row = client.query_opt(&stmt, &[&hash]).await?;
        Ok(row.map(|r| LaneAuth {
            lane_id: r.get(0),
            store_id: r.get(1),
            revoked: r.get(2),
        }))
    }

    pub(super) async fn apply_push(
        &self,
        lane_id: &str,
        batch: &PushBatch,
    ) -> Result<PushAck, HqError> {
        let ids: Vec<Uuid> = batch.event_ids();
        let seqs: Vec<i64> = batch.events.iter().map(|e| e.seq).collect();
        let kinds: Vec<&str> = batch.events.iter().map(|e| e.kind.as_str()).collect();
        let payloads: Vec<&str> = batch.events.iter().map(canonical_payload).collect();
        let created: Vec<&str> = batch.events.iter().map(|e| e.created_at.as_str()).collect();

        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO events (event_id, lane_id, lane_seq, kind, payload, created_at)
                 SELECT e, $2, s, k, p, c
                 FROM UNNEST($1::uuid[], $3::int8[], $4::text[], $5::text[], $6::text[])
                      AS t (e, s, k, p, c)
                 ON CONFLICT DO NOTHING
                 RETURNING event_id",
            )
            .await?;
        let rows = tx
            .query(
                &insert,
                &[&ids, &lane_id, &seqs, &kinds, &payloads, &created],
            )
            .await?;
        let inserted: HashSet<Uuid> = rows.iter().map(|r| r.get(0)).collect();

        let mut stored = HashMap::new();
        if inserted.len() < ids.len() {
            let others: Vec<Uuid> = ids
                .iter()
                .filter(|id| !inserted.contains(id))
                .copied()
                .collect();
            let select = tx
                .prepare_cached(
                    "SELECT event_id, lane_id, lane_seq, kind, payload FROM events
                     WHERE event_id = ANY($1)",
                )
                .await?;
            for row in tx.query(&select, &[&others]).await? {
                let stored_event = StoredEvent {
                    lane_id: row.get(1),
                    seq: row.get(2),
                    kind: row.get(3),
                    payload: row.get(4),
                };
                stored.insert(row.get::<_, Uuid>(0), stored_event);
            }
        }
        // A refusal returns before commit: dropping the transaction rolls everything back.
        let ack = build_ack(lane_id, batch, &inserted, &stored)?;
        tx.commit().await?;
        Ok(ack)
    }

    pub(super) async fn pull(&self, since: i64, limit: usize) -> Result<PullResponse, HqError> {
        let client = self.pool.get().await?;
        // Versions are assigned under CATALOG_LOCK in commit order, so reading the latest
        // first and then everything up to it never skips a change still in flight.
        let latest: i64 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::int8 FROM catalog_changes",
                &[],
            )
            .await?
            .get(0);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let stmt = client
            .prepare_cached(
                "SELECT version, body FROM catalog_changes WHERE version > $1 AND version <= $2
                 ORDER BY version LIMIT $3",
            )
            .await?;
        let mut changes = Vec::new();
        for row in client.query(&stmt, &[&since, &latest, &limit]).await? {
            changes.push(decode_change(row.get(0), row.get(1))?);
        }
        Ok(PullResponse {
            changes,
            latest_version: latest,
        })
    }

    pub(super) async fn add_lane(
        &self,
        lane_id: &str,
        store_id: &str,
        hash: &str,
    ) -> Result<(), HqError> {
        let client = self.pool.get().await?;
        let added = client
            .execute(
                "INSERT INTO lanes (lane_id, store_id, token_sha256) VALUES ($1, $2, $3)
                 ON CONFLICT (lane_id) DO NOTHING",
                &[&lane_id, &store_id, &hash],
            )
            .await?;
        if added == 0 {
            return Err(HqError::LaneExists(lane_id.to_owned()));
        }
        Ok(())
    }

    pub(super) async fn revoke_lane(&self, lane_id: &str) -> Result<(), HqError> {
        let client = self.pool.get().await?;
        let changed = client
            .execute(
                "UPDATE lanes SET revoked_at = COALESCE(revoked_at, now()) WHERE lane_id = $1",
                &[&lane_id],
            )
            .await?;
        if changed == 0 {
            return Err(HqError::NoSuchLane(lane_id.to_owned()));
        }
        Ok(())
    }

    pub(super) async fn publish(&self, body: &str) -> Result<i64, HqError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CATALOG_LOCK])
            .await?;
        let version: i64 = tx
            .query_one(
                "INSERT INTO catalog_changes (version, body)
                 SELECT COALESCE(MAX(version), 0) + 1, $1 FROM catalog_changes
                 RETURNING version",
                &[&body],
            )
            .await?
            .get(0);
        tx.commit().await?;
        Ok(version)
    }

    pub(super) async fn report_rows(&self) -> Result<Vec<super::report::EventRow>, HqError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT l.store_id, e.lane_id, e.kind, e.payload
                 FROM events e JOIN lanes l USING (lane_id)",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| super::report::EventRow {
                store_id: r.get(0),
                lane_id: r.get(1),
                kind: r.get(2),
                total: super::report::total_of(r.get(3)),
            })
            .collect())
    }

    pub(super) async fn sales_docs(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<super::sales_report::StoredDoc>, HqError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT l.store_id, e.lane_id, e.kind, e.created_at, e.payload
                 FROM events e JOIN lanes l USING (lane_id)
                 WHERE e.kind = 'void'
                    OR (e.kind IN ('sale', 'refund') AND e.created_at >= $1 AND e.created_at < $2)",
                &[&from, &to],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| super::sales_report::StoredDoc {
                store_id: r.get(0),
                lane_id: r.get(1),
                kind: r.get(2),
                created_at: r.get(3),
                payload: r.get(4),
            })
            .collect())
    }

    pub(super) async fn event_counts(&self) -> Result<(i64, i64), HqError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events", &[])
            .await?;
        Ok((row.get(0), row.get(1)))
    }
}
