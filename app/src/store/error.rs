//! The store's typed error: what went wrong, said once, without card data.

use std::path::Path;

/// Everything the store can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is SQLite but belongs to another program (or another schema family).
    #[error("{path}: not a POS database (application_id {found:#010x}); left untouched")]
    Foreign { path: String, found: i32 },
    /// The file is not SQLite at all, or its pages are damaged.
    #[error("{path}: not a SQLite database or the file is corrupt; left untouched")]
    Corrupt { path: String },
    /// The file was written by a newer program with migrations we do not know.
    #[error("{path}: schema version {found} is newer than this program knows ({known})")]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    /// A value read back from the database does not parse (hand-edited or damaged row).
    #[error("bad stored value in {what}: {value:?}")]
    BadValue { what: &'static str, value: String },
    /// A record the caller named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A business rule checked inside the transaction refused the change; nothing was written.
    #[error("{0}")]
    Refused(String),
    /// Input the caller handed in is invalid; nothing was written.
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("csv error: {0}")]
    Csv(String),
}

impl StoreError {
    /// Maps the SQLite errors that mean "this file is not a usable database" to `Corrupt`.
    pub(crate) fn from_sqlite_at(e: rusqlite::Error, path: &Path) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match e.sqlite_error_code() {
            Some(NotADatabase | DatabaseCorrupt) => StoreError::Corrupt {
                path: path.display().to_string(),
            },
            _ => StoreError::Sqlite(e),
        }
    }

    /// True when the error is a business-rule refusal rather than a data or I/O failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, StoreError::Refused(_) | StoreError::NotFound(_))
    }
}
