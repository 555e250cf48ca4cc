//! Versioned migrations and the check that a database file is ours. Each migration is a SQL
//! file `migrations/NNNN_name.sql` listed once in [`MIGRATIONS`]; applied versions are
//! recorded in `schema_migrations`, so migrations from several branches (0001-0099 store,
//! 0100+ sync, 0200+ acquirer) apply in version order whatever order they were merged in.

use super::StoreError;
use super::values::now_rfc3339;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::io::Read;
use std::path::Path;

/// `PRAGMA application_id` of a lane database: "POSL".
pub const APPLICATION_ID: i32 = 0x504F_534C;

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in version order. Add new files here (one line each).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "sale_path_indexes",
        sql: include_str!("migrations/0002_sale_path_indexes.sql"),
    },
    Migration {
        version: 100,
        name: "sync_state",
        sql: include_str!("migrations/0100_sync_state.sql"),
    },
    Migration {
        version: 200,
        name: "acquirer",
        sql: include_str!("migrations/0200_acquirer.sql"),
    },
    Migration {
        version: 300,
        name: "payment_emv",
        sql: include_str!("migrations/0300_payment_emv.sql"),
    },
    Migration {
        version: 400,
        name: "sale_path_tables",
        sql: include_str!("migrations/0400_sale_path_tables.sql"),
    },
    Migration {
        version: 410,
        name: "parked_events_and_z_anchors",
        sql: include_str!("migrations/0410_parked_events_and_z_anchors.sql"),
    },
];

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a file that is not SQLite, is damaged, or is another program's database, opening
/// it read-only so that a refused file is never modified.
pub(crate) fn check_ownership(path: &Path) -> Result<(), StoreError> {
    let shown = || path.display().to_string();
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    if file.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
        return Err(StoreError::Corrupt { path: shown() });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::from_sqlite_at(e, path))?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite_at(e, path))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite_at(e, path))?;
    if app_id == APPLICATION_ID || (app_id == 0 && tables == 0) {
        Ok(())
    } else {
        Err(StoreError::Foreign {
            path: shown(),
            found: app_id,
        })
    }
}

/// Applies every migration not yet recorded, each in its own transaction.
pub(crate) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    apply_up_to(conn, i64::MAX)
}

/// Applies the migrations up to `last` (tests build a file as an older release left it).
pub(crate) fn apply_up_to(conn: &mut Connection, last: i64) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    let newest: Option<i64> =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
    if let Some(found) = newest.filter(|v| *v > known) {
        let path = conn.path().unwrap_or("").to_string();
        return Err(StoreError::TooNew { path, found, known });
    }
    let mut ordered: Vec<&Migration> = MIGRATIONS.iter().collect();
    ordered.sort_by_key(|m| m.version);
    for m in ordered.into_iter().filter(|m| m.version <= last) {
        let tx = conn.transaction()?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        if done.is_some() {
            continue;
        }
        tracing::info!(version = m.version, name = m.name, "applying migration");
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, now_rfc3339()],
        )?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
    }
    Ok(())
}
