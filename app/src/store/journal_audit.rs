//! What the hash chain alone cannot see: its newest entries deleted. Two cross-checks run
//! after the chain is found sound:
//!
//! - every Z report anchors the journal head at its closing (seq and hash of its own entry):
//!   each anchor must still be in the chain, unchanged;
//! - every document in the tables has its journal entry (sale, refund, void, shift close as
//!   Z report) and every sale, refund or void entry its document; the receipt counter must
//!   not be ahead of the receipts that exist.
//!
//! An attacker who deletes documents, their entries and rewinds the counter after the last Z
//! report still goes unseen; only a copy kept off the lane (the outbox at HQ) shows that.

use super::{JournalBroken, Store, StoreError};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Most names listed in one message; the count says how many more.
const MAX_NAMED: usize = 5;

/// What the journal records, by document.
#[derive(Debug, Default)]
struct Recorded {
    sales: HashMap<String, i64>,
    refunds: HashMap<String, i64>,
    voids: HashMap<String, i64>,
    z_reports: HashSet<i64>,
}

fn read_recorded(conn: &Connection) -> Result<Recorded, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, kind, content FROM journal
         WHERE kind IN ('sale', 'refund', 'void', 'z_report') ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut recorded = Recorded::default();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let kind: String = row.get(1)?;
        let content: String = row.get(2)?;
        // The chain vouches for the text; a text that is not JSON was written that way.
        let value: serde_json::Value =
            serde_json::from_str(&content).map_err(|_| StoreError::BadValue {
                what: "journal.content",
                value: format!("entry {seq}"),
            })?;
        let receipt = || value["receipt_no"].as_str().unwrap_or_default().to_owned();
        match kind.as_str() {
            "sale" => {
                recorded.sales.insert(receipt(), seq);
            }
            "refund" => {
                recorded.refunds.insert(receipt(), seq);
            }
            "void" => {
                recorded.voids.insert(receipt(), seq);
            }
            _ => {
                if let Some(no) = value["no"].as_i64() {
                    recorded.z_reports.insert(no);
                }
            }
        }
    }
    Ok(recorded)
}

/// "a, b, c and 4 more".
fn list(names: &[String]) -> String {
    let shown = names[..names.len().min(MAX_NAMED)].join(", ");
    match names.len().saturating_sub(MAX_NAMED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// Z reports whose anchor is gone from the chain or changed.
fn check_anchors(
    conn: &Connection,
    entries: i64,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT no, journal_seq, journal_hash FROM z_reports
         WHERE journal_seq IS NOT NULL ORDER BY no",
    )?;
    let anchors: Vec<(i64, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut hash_at = conn.prepare("SELECT hash FROM journal WHERE seq = ?1")?;
    for (no, seq, hash) in anchors {
        if seq > entries {
            problems.push(format!(
                "Z report {no} was closed at journal entry {seq}, but the journal ends at entry \
                 {entries}: entries {} to {seq} at least were deleted",
                entries + 1
            ));
            continue;
        }
        let found: Option<String> = hash_at.query_row([seq], |r| r.get(0)).optional()?;
        if found.as_deref() != Some(hash.as_str()) {
            problems.push(format!(
                "journal entry {seq} is not the one Z report {no} was closed at (hash differs)"
            ));
        }
    }
    Ok(())
}

/// Documents without their entry, entries without their document, and a receipt counter
/// ahead of the receipts that exist.
fn check_documents(
    conn: &Connection,
    recorded: &Recorded,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("SELECT receipt_no, kind, status FROM sales ORDER BY id")?;
    let docs: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut unjournaled = Vec::new();
    let mut numbers = BTreeSet::new();
    let in_table: HashSet<&str> = docs.iter().map(|d| d.0.as_str()).collect();
    for (receipt, kind, status) in &docs {
        if let Some(n) = receipt
            .rsplit('-')
            .next()
            .and_then(|n| n.parse::<i64>().ok())
        {
            numbers.insert(n);
        }
        let journal = if kind == "refund" {
            &recorded.refunds
        } else {
            &recorded.sales
        };
        if !journal.contains_key(receipt) {
            unjournaled.push(format!("{kind} {receipt}"));
        }
        if status == "voided" && !recorded.voids.contains_key(receipt) {
            unjournaled.push(format!("void of {receipt}"));
        }
    }
    let mut z_stmt = conn.prepare(
        "SELECT s.id, z.no FROM shifts s LEFT JOIN z_reports z ON z.shift_id = s.id
         WHERE s.closed_at IS NOT NULL ORDER BY s.id",
    )?;
    let closes: Vec<(i64, Option<i64>)> = z_stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (shift, z) in closes {
        match z {
            Some(no) if recorded.z_reports.contains(&no) => {}
            Some(no) => unjournaled.push(format!("shift {shift} close (Z report {no})")),
            None => unjournaled.push(format!("shift {shift} close (no Z report)")),
        }
    }
    if !unjournaled.is_empty() {
        problems.push(format!("no journal entry for {}", list(&unjournaled)));
    }
    let mut orphans: Vec<(i64, String)> = recorded
        .sales
        .iter()
        .chain(&recorded.refunds)
        .chain(&recorded.voids)
        .filter(|(receipt, _)| !in_table.contains(receipt.as_str()))
        .map(|(receipt, seq)| (*seq, format!("entry {seq} ({receipt})")))
        .collect();
    orphans.sort();
    if !orphans.is_empty() {
        let names: Vec<String> = orphans.into_iter().map(|(_, n)| n).collect();
        problems.push(format!(
            "journal {} record documents missing from the sales table",
            list(&names)
        ));
    }
    let counter: Option<i64> = conn
        .query_row(
            "SELECT value FROM counters WHERE name = 'receipt'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(counter) = counter {
        let missing: Vec<String> = (1..=counter)
            .filter(|n| !numbers.contains(n))
            .map(|n| format!("{n:06}"))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "the receipt counter is at {counter} but receipt numbers {} have no document",
                list(&missing)
            ));
        }
    }
    Ok(())
}

impl Store {
    /// The cross-checks above, against a chain of `entries` entries already verified.
    pub(crate) fn journal_audit(
        &self,
        entries: i64,
    ) -> Result<Result<(), JournalBroken>, StoreError> {
        let mut problems = Vec::new();
        check_anchors(&self.conn, entries, &mut problems)?;
        let recorded = read_recorded(&self.conn)?;
        check_documents(&self.conn, &recorded, &mut problems)?;
        if problems.is_empty() {
            Ok(Ok(()))
        } else {
            Ok(Err(JournalBroken::Missing(problems.join("; "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let names: Vec<String> = (1..=7).map(|n| n.to_string()).collect();
        assert_eq!(list(&names), "1, 2, 3, 4, 5 and 2 more");
        assert_eq!(list(&names[..2]), "1, 2");
    }
}
