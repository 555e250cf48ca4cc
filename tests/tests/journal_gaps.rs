//! Deleting the newest journal entries (after dropping the no-delete trigger, as an attacker
//! with the file would) keeps the hash chain sound; `pos journal verify` still fails, through
//! the Z reports' anchors and the documents cross-checked against the journal.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_tests::{CASHIER, MANAGER, Pos};

/// Shift 1: two sales, a refund, closed (Z report 1). Shift 2: one sale (the newest entry).
/// Returns the lane and the newest sale's receipt.
fn lane_with_history() -> (Pos, String) {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    pos.open_shift();
    let first = pos.sale(CASHIER, &["--scan", "SKU-01002*2", "--pay", "cash:20"]);
    pos.sale(CASHIER, &["--scan", "SKU-01003", "--pay", "cash:5"]);
    pos.ok(MANAGER, &["refund", &first, "--line", "1:1"]);
    pos.ok(CASHIER, &["shift", "close", "--count", "50x2"]);
    pos.open_shift();
    let last = pos.sale(CASHIER, &["--scan", "SKU-01001", "--pay", "cash:5"]);
    (pos, last)
}

fn copy_of(pos: &Pos) -> Pos {
    let copy = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    std::fs::copy(pos.db_path(), copy.db_path()).unwrap();
    copy
}

/// Runs `sql` on the copy's file with the triggers out of the way.
fn tamper(pos: &Pos, sql: &str) {
    let db = rusqlite::Connection::open(pos.db_path()).unwrap();
    db.execute_batch("DROP TRIGGER journal_no_delete;").unwrap();
    db.execute_batch(sql).unwrap();
}

fn newest_seq(pos: &Pos) -> i64 {
    pos.db()
        .query_row("SELECT max(seq) FROM journal", [], |r| r.get(0))
        .unwrap()
}

fn verify_fails(pos: &Pos) -> String {
    let r = pos.run(&["journal", "verify"]);
    assert_eq!(r.code, 3, "verify passed: {}", r.stdout);
    r.stderr
}

#[test]
fn the_passing_case_keeps_its_output() {
    let (pos, _) = lane_with_history();
    let r = pos.run(&["journal", "verify"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("journal ok: "), "{}", r.stdout);
    assert!(r.stdout.contains(" entries, head "), "{}", r.stdout);
    let z: (i64, String) = pos
        .db()
        .query_row(
            "SELECT journal_seq, journal_hash FROM z_reports WHERE no = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (kind, hash): (String, String) = pos
        .db()
        .query_row(
            "SELECT kind, hash FROM journal WHERE seq = ?1",
            [z.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "z_report", "the Z report anchors its own entry");
    assert_eq!(hash, z.1);
}

#[test]
fn deleting_the_newest_entry_names_the_document_left_without_one() {
    let (pos, last) = lane_with_history();
    let copy = copy_of(&pos);
    tamper(
        &copy,
        &format!("DELETE FROM journal WHERE seq = {}", newest_seq(&copy)),
    );
    let err = verify_fails(&copy);
    assert!(
        err.contains(&format!("no journal entry for sale {last}")),
        "{err}"
    );
}

#[test]
fn deleting_the_newest_entries_past_a_z_report_names_its_anchor() {
    let (pos, _) = lane_with_history();
    let copy = copy_of(&pos);
    let z_seq: i64 = copy
        .db()
        .query_row("SELECT journal_seq FROM z_reports WHERE no = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let newest = newest_seq(&copy);
    tamper(&copy, &format!("DELETE FROM journal WHERE seq >= {z_seq}"));
    let err = verify_fails(&copy);
    assert!(
        err.contains(&format!(
            "Z report 1 was closed at journal entry {z_seq}, but the journal ends at entry {}",
            z_seq - 1
        )),
        "{err}"
    );
    assert!(err.contains("shift 1 close (Z report 1)"), "{err}");
    assert!(newest > z_seq);
}

#[test]
fn deleting_an_entry_with_its_sale_row_shows_in_the_receipt_counter() {
    let (pos, last) = lane_with_history();
    let copy = copy_of(&pos);
    let number = last.rsplit('-').next().unwrap().to_owned();
    tamper(
        &copy,
        &format!(
            "DELETE FROM journal WHERE seq = {};
             DELETE FROM payments WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = '{last}');
             DELETE FROM stock_movements WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = '{last}');
             DELETE FROM sale_lines WHERE sale_id = (SELECT id FROM sales WHERE receipt_no = '{last}');
             DELETE FROM sales WHERE receipt_no = '{last}';",
            newest_seq(&copy)
        ),
    );
    let err = verify_fails(&copy);
    assert!(
        err.contains(&format!("receipt numbers {number} have no document")),
        "{err}"
    );
    // The same with the sale row alone gone: its journal entry names it.
    let copy = copy_of(&pos);
    tamper(
        &copy,
        &format!("PRAGMA foreign_keys = OFF; DELETE FROM sales WHERE receipt_no = '{last}';"),
    );
    let err = verify_fails(&copy);
    assert!(
        err.contains(&format!("({last}) record documents missing")),
        "{err}"
    );
}
