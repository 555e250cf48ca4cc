//! The lane's SQLite store: one file on disk, WAL, `synchronous=FULL`, foreign keys on,
//! versioned migrations. Everything that must change together (a completed sale with its
//! lines, payments, stock, customer, journal entry and outbox row) is written in ONE
//! transaction by the functions of this module; the services above never write SQL.

mod catalog;
mod csv_io;
mod customers;
mod error;
mod generate;
mod gtin;
mod holds;
pub mod journal;
pub mod journal_audit;
mod migrate;
pub mod outbox;
mod reports;
mod sales;
mod shifts;
mod users;
mod values;

pub use catalog::{ItemRow, SearchHit};
pub use csv_io::{ImportMode, ImportReport, SkippedLine};
pub use customers::CustomerRow;
pub use error::StoreError;
pub use gtin::{GtinError, normalise_gtin};
pub use journal::{JournalBroken, JournalEntry, VerifyReport};
pub use migrate::{APPLICATION_ID, MIGRATIONS, Migration};
pub use reports::{SalesRow, ShiftTotals};
pub use sales::{
    CardEmv, CompletedDoc, NewPayment, NewRefund, NewRefundLine, NewSale, NewSaleLine, SaleDoc,
    SaleLineDoc,
};
pub use shifts::{CashMovementKind, ShiftRow, ZReport};
pub use users::{LoginOutcome, Role, UserRow};
pub use values::{canonical, now_rfc3339};

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The name of the database file inside the data directory.
pub const DB_FILE: &str = "pos.sqlite3";

/// An open lane database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// `total_changes` right after the last idle checkpoint (see `checkpoint_idle`).
    idle_mark: std::cell::Cell<u64>,
}

impl Store {
    /// Opens (creating if absent) the lane database at `path` and brings its schema up to
    /// date. A file that is not ours — another program's SQLite file, or not SQLite at all —
    /// is refused with a typed error before anything is written to it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let existed = path.exists() && std::fs::metadata(path)?.len() > 0;
        if existed {
            migrate::check_ownership(path)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::from_sqlite_at(e, path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| StoreError::from_sqlite_at(e, path))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 16 MiB of page cache (the default is 2 MiB): a big catalog's hot pages stay in memory.
        conn.pragma_update(None, "cache_size", -16_384)?;
        // Every statement on the sale path is prepared once and reused (the default keeps 16).
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            idle_mark: std::cell::Cell::new(0),
        };
        migrate::apply(&mut store.conn)?;
        Ok(store)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for benchmarks and tests that measure the file system itself.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Checkpoints the WAL, for the lane to call while it is idle (between customers) so that
    /// neither checkpoint work nor the WAL restart that follows it lands inside a sale.
    ///
    /// A PASSIVE checkpoint copies committed pages into the database file without waiting
    /// for readers or blocking writers. Once the WAL is fully copied, the next write restarts
    /// it from the top and, with `synchronous=FULL`, first syncs the new WAL header: a second
    /// fsync. A one-row write here (counting idle checkpoints) pays that restart now, and is
    /// left in the WAL so the next sale appends after it instead of restarting again. Calls
    /// with nothing written since do nothing. SQLite's autocheckpoint (1000 pages) stays on
    /// as the safety net for a lane that never idles. Returns the WAL frames seen and
    /// checkpointed.
    pub fn checkpoint_idle(&self) -> Result<(i64, i64), StoreError> {
        if self.conn.total_changes() == self.idle_mark.get() {
            return Ok((0, 0));
        }
        let (log, done): (i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get(1)?, r.get(2)?))
                })?;
        if log > 0 && log == done {
            self.conn
                .prepare_cached(
                    "INSERT INTO counters (name, value) VALUES ('idle_checkpoints', 1)
                     ON CONFLICT (name) DO UPDATE SET value = value + 1",
                )?
                .execute([])?;
            self.idle_mark.set(self.conn.total_changes());
        }
        Ok((log, done))
    }

    /// Whether the catalog has no items at all (first start).
    pub fn is_catalog_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?;
        Ok(n == 0)
    }
}

#[cfg(test)]
mod tests;
