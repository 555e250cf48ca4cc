//! The payment link's durable state in SQLite (migration `0200_acquirer.sql`): counters,
//! the DUKPT KSN, pending reversals, the store-and-forward queue and the acquirer batch.
//! Every write that must precede a network send is committed before the method returns.

use std::path::Path;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use crate::acquirer::iso8583::Mti;
use crate::acquirer::requests::OriginalRef;

/// The acquirer tables; the lead lists this file in the store's migration array.
pub const MIGRATION_0200: &str = include_str!("../store/migrations/0200_acquirer.sql");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("payment store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("payment store holds a malformed {0}")]
    Corrupt(&'static str),
}

/// Where a pending reversal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingState {
    /// Sent (or about to be); no answer yet.
    InFlight,
    /// Approved; reversed unless the sale completes.
    AwaitingCompletion,
    /// Must be reversed.
    Reverse,
}

impl PendingState {
    fn as_str(self) -> &'static str {
        match self {
            Self::InFlight => "in_flight",
            Self::AwaitingCompletion => "awaiting_completion",
            Self::Reverse => "reverse",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReversal {
    pub id: i64,
    pub original: OriginalRef,
    pub amount: Decimal,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedAdvice {
    pub id: i64,
    pub stan: u32,
    pub transmitted: String,
    pub amount: Decimal,
    pub ksn: Vec<u8>,
    pub frame: Vec<u8>,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Online,
    Offline,
}

/// One approved card transaction in the open batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLine {
    pub stan: u32,
    pub transmitted: String,
    pub refund: bool,
    pub amount: Decimal,
    pub auth_code: Option<String>,
    pub masked_pan: String,
    pub channel: Channel,
}

/// The payment tables, on their own connection to the lane's database file.
#[derive(Debug)]
pub struct PaymentStore {
    conn: Connection,
}

fn decimal(text: String) -> Result<Decimal, StoreError> {
    Decimal::from_str(&text).map_err(|_| StoreError::Corrupt("amount"))
}

impl PaymentStore {
    /// Opens (creating if needed) the database file with WAL and synchronous=FULL.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::from_connection(conn)
    }

    pub fn from_connection(conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(MIGRATION_0200)?;
        Ok(Self { conn })
    }

    fn bump(&self, name: &str, start: i64) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "INSERT INTO acq_counter (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
            params![name, start],
            |r| r.get(0),
        )?)
    }

    /// The next systems trace audit number (1..=999999, wrapping).
    pub fn next_stan(&self) -> Result<u32, StoreError> {
        let value = self.bump("stan", 1)?;
        Ok(((value - 1).rem_euclid(999_999) + 1) as u32)
    }

    pub fn batch_number(&self) -> Result<u32, StoreError> {
        let value: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM acq_counter WHERE name = 'batch'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(value.unwrap_or(1) as u32)
    }

    pub fn last_ksn(&self, key_set: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT last_ksn FROM acq_dukpt WHERE key_set = ?1",
                [key_set],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| hex::decode(t).map_err(|_| StoreError::Corrupt("KSN")))
            .transpose()
    }

    pub fn save_ksn(&self, key_set: &str, ksn: &[u8]) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO acq_dukpt (key_set, last_ksn) VALUES (?1, ?2)
             ON CONFLICT (key_set) DO UPDATE SET last_ksn = excluded.last_ksn",
            params![key_set, hex::encode_upper(ksn)],
        )?;
        Ok(())
    }

    pub fn insert_pending(
        &self,
        original: &OriginalRef,
        amount: Decimal,
        now: &str,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO acq_pending_reversal
               (state, original_mti, stan, transmitted, amount, refund, created_at)
             VALUES ('in_flight', ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                original.mti.to_string(),
                original.stan,
                original.transmitted,
                amount.to_string(),
                original.refund,
                now
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn set_pending_state(&self, id: i64, state: PendingState) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE acq_pending_reversal SET state = ?2 WHERE id = ?1",
            params![id, state.as_str()],
        )?;
        Ok(())
    }

    /// Every pending row becomes due for reversal (lane start: whatever was in flight or
    /// awaiting completion when the lane stopped did not complete).
    pub fn mark_all_for_reversal(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE acq_pending_reversal SET state = 'reverse' WHERE state != 'reverse'",
            [],
        )?)
    }

    pub fn delete_pending(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM acq_pending_reversal WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn note_reversal_attempt(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE acq_pending_reversal SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    /// Rows due for reversal, oldest first.
    pub fn due_reversals(&self) -> Result<Vec<PendingReversal>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, original_mti, stan, transmitted, amount, refund, attempts
             FROM acq_pending_reversal WHERE state = 'reverse' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
                r.get::<_, u32>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, mti, stan, transmitted, amount, refund, attempts) = row?;
            let raw = u16::from_str_radix(&mti, 16).map_err(|_| StoreError::Corrupt("MTI"))?;
            let mti = Mti::from_bcd(raw).map_err(|_| StoreError::Corrupt("MTI"))?;
            out.push(PendingReversal {
                id,
                original: OriginalRef {
                    mti,
                    stan,
                    transmitted,
                    amount_minor: 0,
                    refund,
                },
                amount: decimal(amount)?,
                attempts,
            });
        }
        Ok(out)
    }

    pub fn pending_count(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM acq_pending_reversal", [], |r| {
                r.get(0)
            })?)
    }

    pub fn queue_advice(&self, advice: &QueuedAdvice, masked_pan: &str) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO acq_saf_queue (stan, transmitted, amount, masked_pan, ksn, frame, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                advice.stan,
                advice.transmitted,
                advice.amount.to_string(),
                masked_pan,
                hex::encode_upper(&advice.ksn),
                advice.frame,
                advice.created_at
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn queued_advices(&self) -> Result<Vec<QueuedAdvice>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, stan, transmitted, amount, ksn, frame, created_at FROM acq_saf_queue ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, stan, transmitted, amount, ksn, frame, created_at) = row?;
            out.push(QueuedAdvice {
                id,
                stan,
                transmitted,
                amount: decimal(amount)?,
                ksn: hex::decode(ksn).map_err(|_| StoreError::Corrupt("KSN"))?,
                frame,
                created_at,
            });
        }
        Ok(out)
    }

    pub fn delete_advice(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM acq_saf_queue WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn note_advice_attempt(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE acq_saf_queue SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?;
        Ok(())
    }

    pub fn record_batch_line(&self, line: &BatchLine) -> Result<(), StoreError> {
        let batch = self.batch_number()?;
        self.conn.execute(
            "INSERT INTO acq_batch_line
               (batch_number, stan, transmitted, refund, amount, auth_code, masked_pan, channel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (stan, transmitted) DO NOTHING",
            params![
                batch,
                line.stan,
                line.transmitted,
                line.refund,
                line.amount.to_string(),
                line.auth_code,
                line.masked_pan,
                match line.channel {
                    Channel::Online => "online",
                    Channel::Offline => "offline",
                }
            ],
        )?;
        Ok(())
    }

    pub fn mark_batch_line_reversed(&self, stan: u32, transmitted: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE acq_batch_line SET reversed = 1 WHERE stan = ?1 AND transmitted = ?2",
            params![stan, transmitted],
        )?;
        Ok(())
    }

    /// The open batch's lines that still count (not reversed).
    pub fn open_batch(&self) -> Result<Vec<BatchLine>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT stan, transmitted, refund, amount, auth_code, masked_pan, channel
             FROM acq_batch_line WHERE settled_at IS NULL AND reversed = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (stan, transmitted, refund, amount, auth_code, masked_pan, channel) = row?;
            out.push(BatchLine {
                stan,
                transmitted,
                refund,
                amount: decimal(amount)?,
                auth_code,
                masked_pan,
                channel: if channel == "offline" {
                    Channel::Offline
                } else {
                    Channel::Online
                },
            });
        }
        Ok(out)
    }

    /// Marks the open batch settled and starts the next batch number, atomically.
    pub fn close_batch(&mut self, now: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE acq_batch_line SET settled_at = ?1 WHERE settled_at IS NULL",
            [now],
        )?;
        tx.execute(
            "INSERT INTO acq_counter (name, value) VALUES ('batch', 2)
             ON CONFLICT (name) DO UPDATE SET value = value + 1",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acquirer::config::AcquirerConfig;

    #[test]
    fn stan_wraps_and_ksn_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("pos.db");
        let config = AcquirerConfig::default();
        let used = {
            let store = PaymentStore::open(&db).unwrap();
            assert_eq!(store.next_stan().unwrap(), 1);
            store
                .conn
                .execute(
                    "UPDATE acq_counter SET value = 999999 WHERE name = 'stan'",
                    [],
                )
                .unwrap();
            assert_eq!(
                store.next_stan().unwrap(),
                1,
                "999999 is followed by 1, never 0"
            );
            let mut terminal = config.dukpt_terminal(None).unwrap();
            let keys = terminal.next_keys().unwrap();
            store.save_ksn(&config.key_set_label(), keys.ksn()).unwrap();
            keys.ksn().to_vec()
        };
        let store = PaymentStore::open(&db).unwrap();
        let last = store.last_ksn(&config.key_set_label()).unwrap().unwrap();
        assert_eq!(last, used);
        let mut resumed = config.dukpt_terminal(Some(&last)).unwrap();
        let next = resumed.next_keys().unwrap();
        assert_ne!(next.ksn(), &used[..], "a restarted lane never reuses a KSN");
        assert_eq!(next.ksn()[11], used[11] + 1);
    }
}
