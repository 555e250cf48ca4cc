//! The append-only, hash-chained journal. Each entry stores the hash of the entry before it
//! and its own hash = SHA-256(previous hash ‖ canonical(seq, at, kind, content)), so changing
//! any byte of any entry breaks the chain at that entry. Triggers refuse UPDATE and DELETE;
//! `verify` catches what goes around them (a hand-edited file); deleting the newest entries
//! keeps the chain sound, so `verify` also runs [`super::journal_audit`].

use super::values::now_rfc3339;
use super::{Store, StoreError};
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::io::Write;

/// The previous-hash of the first entry.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// One entry as exported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JournalEntry {
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub content: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub head_hash: String,
}

/// Why verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalBroken {
    /// The chain breaks at this entry: the first bad entry and what is wrong with it.
    #[error("journal entry {seq} is bad: {reason}")]
    Entry { seq: i64, reason: String },
    /// The chain holds, but entries are missing from its end or documents have no entry
    /// (see [`super::journal_audit`]); the text names what is missing.
    #[error("journal is missing entries: {0}")]
    Missing(String),
}

fn entry_hash(prev: &[u8], seq: &[u8], at: &[u8], kind: &[u8], content: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    // Unit separators keep field boundaries unambiguous.
    for part in [seq, at, kind, content] {
        h.update([0x1f]);
        h.update(part);
    }
    h.finalize().into()
}

/// Appends one entry inside the caller's transaction (so it commits with the change it
/// records). `content` is serialised once; the stored text is what the hash covers.
pub(crate) fn append<T: serde::Serialize + ?Sized>(
    tx: &Transaction<'_>,
    kind: &str,
    content: &T,
) -> Result<i64, StoreError> {
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => {
            let prev = hex::decode(&h).map_err(|_| StoreError::BadValue {
                what: "journal.hash",
                value: h.clone(),
            })?;
            (s + 1, prev)
        }
        None => (1, GENESIS.to_vec()),
    };
    let at = now_rfc3339();
    let text = serde_json::to_string(content)?;
    let hash = entry_hash(
        &prev,
        seq.to_string().as_bytes(),
        at.as_bytes(),
        kind.as_bytes(),
        text.as_bytes(),
    );
    tx.prepare_cached(
        "INSERT INTO journal (seq, at, kind, content, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![seq, at, kind, text, hex::encode(&prev), hex::encode(hash)])?;
    Ok(seq)
}

/// The raw bytes of a column whatever its storage class, so a damaged row is still checked.
fn raw(v: ValueRef<'_>) -> Vec<u8> {
    match v {
        ValueRef::Null => Vec::new(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Real(f) => f.to_string().into_bytes(),
        ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
    }
}

impl Store {
    /// Walks the whole chain; names the first entry whose link or hash does not match.
    pub fn journal_verify(&self) -> Result<Result<VerifyReport, JournalBroken>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, kind, content, prev_hash, hash FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut expected_seq: i64 = 1;
        let mut prev: Vec<u8> = GENESIS.to_vec();
        while let Some(row) = rows.next()? {
            let seq_raw = raw(row.get_ref(0)?);
            let seq = match row.get_ref(0)? {
                ValueRef::Integer(i) => i,
                _ => expected_seq,
            };
            let broken = |reason: String| {
                Ok(Err(JournalBroken::Entry {
                    seq: expected_seq.min(seq),
                    reason,
                }))
            };
            if seq != expected_seq {
                return broken(format!(
                    "expected entry {expected_seq}, found {seq} (missing or renumbered)"
                ));
            }
            let (at, kind, content) = (
                raw(row.get_ref(1)?),
                raw(row.get_ref(2)?),
                raw(row.get_ref(3)?),
            );
            let stored_prev = raw(row.get_ref(4)?);
            let stored_hash = raw(row.get_ref(5)?);
            if stored_prev != hex::encode(&prev).into_bytes() {
                return broken("its previous-hash does not match the entry before it".into());
            }
            let hash = entry_hash(&prev, &seq_raw, &at, &kind, &content);
            if stored_hash != hex::encode(hash).into_bytes() {
                return broken("its content does not match its hash".into());
            }
            prev = hash.to_vec();
            expected_seq += 1;
        }
        let report = VerifyReport {
            entries: expected_seq - 1,
            head_hash: hex::encode(prev),
        };
        // A sound chain can still have lost its newest entries: check the Z anchors and the
        // documents against it.
        Ok(match self.journal_audit(report.entries)? {
            Ok(()) => Ok(report),
            Err(missing) => Err(missing),
        })
    }

    /// Writes every entry as JSON Lines.
    pub fn journal_export(&self, out: &mut dyn Write) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, kind, content, prev_hash, hash FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let content: String = row.get(3)?;
            let entry = JournalEntry {
                seq: row.get(0)?,
                at: row.get(1)?,
                kind: row.get(2)?,
                content: serde_json::from_str(&content)?,
                prev_hash: row.get(4)?,
                hash: row.get(5)?,
            };
            serde_json::to_writer(&mut *out, &entry)?;
            out.write_all(b"\n")?;
            n += 1;
        }
        Ok(n)
    }

    /// Appends a stand-alone entry (login, no-sale, approval ...) in its own transaction.
    pub fn journal_record(
        &mut self,
        kind: &str,
        content: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let seq = append(&tx, kind, content)?;
        tx.commit()?;
        Ok(seq)
    }
}
