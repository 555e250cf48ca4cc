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
    CompletedDoc, NewPayment, NewRefund, NewRefundLine, NewSale, NewSaleLine, SaleDoc, SaleLineDoc,
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

    /// Copies committed WAL pages back into the database file, without waiting for readers
    /// or blocking writers (`PRAGMA wal_checkpoint(PASSIVE)`). For the lane to call while it
    /// is idle (between customers), so that checkpoint work does not land inside a sale's
    /// commit; SQLite's own autocheckpoint (1000 pages) stays on as the safety net.
    /// Returns the WAL size in pages and how many of them are now checkpointed.
    pub fn checkpoint_idle(&self) -> Result<(i64, i64), StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })?)
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
