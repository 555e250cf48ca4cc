//! HQ: the back office the lanes sync with. A stateless HTTP service ([`server`]) over a
//! database that makes every apply exactly-once by unique constraints: PostgreSQL ([`pg`]) for
//! a chain, SQLite ([`sqlite`]) for one small store. Reports across lanes in [`report`].

pub mod pg;
pub mod report;
pub mod sales_report;
pub mod server;
pub mod sqlite;

use super::protocol::{
    AckStatus, ChangeBody, ErrorCode, OutboxEvent, PullResponse, PushAck, PushBatch, validate_id,
};
use rand::RngCore;
use report::ReportRow;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Why HQ refused or failed a request. The message is shown to the lane: it names seqs and
/// ids, never payload content.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("unknown lane token")]
    Unauthorized,
    #[error("lane {0} has been revoked")]
    Revoked(String),
    #[error("{0}")]
    ForeignEvent(String),
    #[error("{0}")]
    Conflict(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("database URL must be postgres://... or sqlite://PATH, got {0:?}")]
    BadUrl(String),
    #[error("no lane {0}")]
    NoSuchLane(String),
    #[error("lane {0} exists already")]
    LaneExists(String),
    /// One event of the batch is refused for what it is (the inner error says why); the lane
    /// may park that event and deliver the others.
    #[error("{error}")]
    Event { event_id: Uuid, error: Box<HqError> },
}

impl HqError {
    pub fn code(&self) -> ErrorCode {
        match self {
            HqError::Malformed(_) | HqError::BadUrl(_) => ErrorCode::Malformed,
            HqError::Unauthorized | HqError::NoSuchLane(_) => ErrorCode::Unauthorized,
            HqError::Revoked(_) => ErrorCode::Revoked,
            HqError::ForeignEvent(_) => ErrorCode::ForeignEvent,
            HqError::Conflict(_) | HqError::LaneExists(_) => ErrorCode::Conflict,
            HqError::Unavailable(_) => ErrorCode::Unavailable,
            HqError::Internal(_) => ErrorCode::Internal,
            HqError::Event { error, .. } => error.code(),
        }
    }

    /// The event this refusal is about, when HQ refuses one event for what it is.
    pub fn event_id(&self) -> Option<Uuid> {
        match self {
            HqError::Event { event_id, .. } => Some(*event_id),
            _ => None,
        }
    }

    /// Names `event` as the one refused.
    pub fn about(self, event_id: Uuid) -> HqError {
        HqError::Event {
            event_id,
            error: Box::new(self),
        }
    }
}

impl From<tokio_postgres::Error> for HqError {
    fn from(e: tokio_postgres::Error) -> Self {
        HqError::Unavailable(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for HqError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        HqError::Unavailable(e.to_string())
    }
}

impl From<rusqlite::Error> for HqError {
    fn from(e: rusqlite::Error) -> Self {
        HqError::Unavailable(e.to_string())
    }
}

/// The lane a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneAuth {
    pub lane_id: String,
    pub store_id: String,
    pub revoked: bool,
}

/// An event as HQ already holds it, to judge a redelivery.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub lane_id: String,
    pub seq: i64,
    pub kind: String,
    pub payload: String,
}

/// The payload text HQ stores and compares: exactly what the lane sent.
pub fn canonical_payload(event: &OutboxEvent) -> &str {
    event.payload.get()
}

/// Judges an event the database did not insert: a harmless redelivery, or a refusal.
pub fn classify_existing(
    lane_id: &str,
    event: &OutboxEvent,
    stored: Option<&StoredEvent>,
) -> Result<AckStatus, HqError> {
    let Some(stored) = stored else {
        return Err(HqError::Conflict(format!(
            "event seq {}: lane {lane_id} already delivered another event with this seq",
            event.seq
        )));
    };
    if stored.lane_id != lane_id {
        return Err(HqError::ForeignEvent(format!(
            "event {} (seq {}) belongs to another lane",
            event.event_id, event.seq
        )));
    }
    if stored.seq != event.seq
        || stored.kind != event.kind
        || stored.payload != canonical_payload(event)
    {
        return Err(HqError::Conflict(format!(
            "event {} (seq {}) was delivered before with different content",
            event.event_id, event.seq
        )));
    }
    Ok(AckStatus::Duplicate)
}

/// Builds the ack from the set of inserted ids and the stored rows of the others.
pub fn build_ack(
    lane_id: &str,
    batch: &PushBatch,
    inserted: &std::collections::HashSet<Uuid>,
    stored: &std::collections::HashMap<Uuid, StoredEvent>,
) -> Result<PushAck, HqError> {
    let mut acks = Vec::with_capacity(batch.events.len());
    for event in &batch.events {
        let status = if inserted.contains(&event.event_id) {
            AckStatus::Applied
        } else {
            classify_existing(lane_id, event, stored.get(&event.event_id))
                .map_err(|e| e.about(event.event_id))?
        };
        acks.push(super::protocol::EventAck {
            event_id: event.event_id,
            status,
        });
    }
    Ok(PushAck { acks })
}

/// A fresh lane token (shown once) and the hash HQ keeps.
pub fn new_token() -> (String, String) {
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// HQ's database, chosen by URL scheme.
#[derive(Debug, Clone)]
pub enum HqDb {
    Postgres(pg::PgHq),
    Sqlite(sqlite::SqliteHq),
}

impl HqDb {
    /// Opens `postgres://...` or `sqlite://PATH` and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self, HqError> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            HqDb::Postgres(pg::PgHq::connect(url)?)
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            HqDb::Sqlite(sqlite::SqliteHq::open(path)?)
        } else {
            return Err(HqError::BadUrl(url.to_owned()));
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), HqError> {
        match self {
            HqDb::Postgres(db) => db.migrate().await,
            HqDb::Sqlite(db) => db.migrate().await,
        }
    }

    /// The lane behind a bearer token, refusing unknown and revoked ones.
    pub async fn authenticate(&self, token: &str) -> Result<LaneAuth, HqError> {
        let hash = token_hash(token);
        let lane = match self {
            HqDb::Postgres(db) => db.lane_by_token_hash(&hash).await?,
            HqDb::Sqlite(db) => db.lane_by_token_hash(&hash).await?,
        };
        let lane = lane.ok_or(HqError::Unauthorized)?;
        if lane.revoked {
            return Err(HqError::Revoked(lane.lane_id));
        }
        Ok(lane)
    }

    /// Applies a validated batch in one transaction: every event stored once, or nothing.
    pub async fn apply_push(&self, lane_id: &str, batch: &PushBatch) -> Result<PushAck, HqError> {
        match self {
            HqDb::Postgres(db) => db.apply_push(lane_id, batch).await,
            HqDb::Sqlite(db) => db.apply_push(lane_id, batch).await,
        }
    }

    pub async fn pull(&self, since: i64, limit: usize) -> Result<PullResponse, HqError> {
        match self {
            HqDb::Postgres(db) => db.pull(since, limit).await,
            HqDb::Sqlite(db) => db.pull(since, limit).await,
        }
    }

    /// Registers a lane and returns its token; only the token's hash is stored.
    pub async fn add_lane(&self, lane_id: &str, store_id: &str) -> Result<String, HqError> {
        validate_id("lane_id", lane_id).map_err(|e| HqError::Malformed(e.0))?;
        validate_id("store_id", store_id).map_err(|e| HqError::Malformed(e.0))?;
        let (token, hash) = new_token();
        match self {
            HqDb::Postgres(db) => db.add_lane(lane_id, store_id, &hash).await?,
            HqDb::Sqlite(db) => db.add_lane(lane_id, store_id, &hash).await?,
        }
        Ok(token)
    }

    pub async fn revoke_lane(&self, lane_id: &str) -> Result<(), HqError> {
        match self {
            HqDb::Postgres(db) => db.revoke_lane(lane_id).await,
            HqDb::Sqlite(db) => db.revoke_lane(lane_id).await,
        }
    }

    /// Publishes a catalog change to every lane; returns its version.
    pub async fn publish(&self, body: &ChangeBody) -> Result<i64, HqError> {
        body.validate().map_err(|e| HqError::Malformed(e.0))?;
        let text = serde_json::to_string(body).map_err(|e| HqError::Internal(e.to_string()))?;
        match self {
            HqDb::Postgres(db) => db.publish(&text).await,
            HqDb::Sqlite(db) => db.publish(&text).await,
        }
    }

    /// Events per store, lane and kind, with the sum of their `total` fields.
    pub async fn report(&self) -> Result<Vec<ReportRow>, HqError> {
        let rows = match self {
            HqDb::Postgres(db) => db.report_rows().await?,
            HqDb::Sqlite(db) => db.report_rows().await?,
        };
        Ok(report::aggregate(rows))
    }

    /// Sales and refunds in [`from`, `to`) across lanes, as a lane's sales report lists them;
    /// also returns how many events could not be read.
    pub async fn sales(
        &self,
        from: &str,
        to: &str,
    ) -> Result<(Vec<sales_report::HqSalesRow>, usize), HqError> {
        let docs = match self {
            HqDb::Postgres(db) => db.sales_docs(from, to).await?,
            HqDb::Sqlite(db) => db.sales_docs(from, to).await?,
        };
        Ok(sales_report::sales_rows(&docs, from, to))
    }

    /// How many events HQ holds, and how many distinct event ids (equal when exactly-once).
    pub async fn event_counts(&self) -> Result<(i64, i64), HqError> {
        match self {
            HqDb::Postgres(db) => db.event_counts().await,
            HqDb::Sqlite(db) => db.event_counts().await,
        }
    }
}

fn decode_change(version: i64, body: &str) -> Result<super::protocol::Change, HqError> {
    let body = serde_json::from_str(body)
        .map_err(|e| HqError::Internal(format!("catalog change {version} unreadable: {e}")))?;
    Ok(super::protocol::Change { version, body })
}

#[cfg(test)]
mod tests;
