//! Tampering: changing any byte of any journal entry in the database makes
//! `pos journal verify` fail and name the first bad entry.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_tests::{CASHIER, MANAGER, Pos};
use rusqlite::types::Value;

const COLUMNS: [&str; 5] = ["at", "kind", "content", "prev_hash", "hash"];

fn lane_with_history() -> Pos {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    pos.open_shift();
    let r = pos.sale(
        CASHIER,
        &[
            "--scan",
            "5012345001074",
            "--scan",
            "SKU-01002*2",
            "--pay",
            "cash:20",
        ],
    );
    pos.sale(CASHIER, &["--scan", "SKU-01003", "--pay", "cash:5"]);
    pos.ok(MANAGER, &["refund", &r, "--line", "1"]);
    pos.ok(
        CASHIER,
        &[
            "shift",
            "cash-in",
            "--amount",
            "10",
            "--reason",
            "change float",
        ],
    );
    assert_eq!(pos.run(&["journal", "verify"]).code, 0);
    pos
}

/// Copies the database (checkpointed: the CLI closed it) into a fresh data dir.
fn copy_of(pos: &Pos) -> Pos {
    let copy = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    std::fs::copy(pos.db_path(), copy.db_path()).unwrap();
    copy
}

/// Flips one bit of byte `at` of a column of entry `seq`, going around the triggers as an
/// attacker with the file would. The value is rewritten with the same storage class.
fn flip(pos: &Pos, seq: i64, column: &str, at: usize) -> bool {
    let db = rusqlite::Connection::open(pos.db_path()).unwrap();
    db.execute_batch("DROP TRIGGER journal_no_update").unwrap();
    let v: Value = db
        .query_row(
            &format!("SELECT {column} FROM journal WHERE seq = ?1"),
            [seq],
            |r| r.get(0),
        )
        .unwrap();
    let Value::Text(text) = v else {
        panic!("{column} is not text")
    };
    let mut bytes = text.into_bytes();
    if at >= bytes.len() {
        return false;
    }
    // Flip the lowest bit; keep it ASCII so the value stays TEXT.
    bytes[at] ^= 0x01;
    let Ok(changed) = String::from_utf8(bytes) else {
        return false;
    };
    db.execute(
        &format!("UPDATE journal SET {column} = ?1 WHERE seq = ?2"),
        rusqlite::params![changed, seq],
    )
    .unwrap();
    true
}

#[test]
fn flipping_any_byte_names_the_entry() {
    let pos = lane_with_history();
    let entries: i64 = pos
        .db()
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert!(entries >= 6);
    let mut checked = 0;
    for seq in 1..=entries {
        for column in COLUMNS {
            let len: usize = pos
                .db()
                .query_row(
                    &format!("SELECT length({column}) FROM journal WHERE seq = ?1"),
                    [seq],
                    |r| r.get(0),
                )
                .unwrap();
            // First, last and a middle byte of every column of every entry.
            for at in [0, len / 2, len - 1] {
                let copy = copy_of(&pos);
                if !flip(&copy, seq, column, at) {
                    continue;
                }
                let r = copy.run(&["journal", "verify"]);
                assert_eq!(
                    r.code, 3,
                    "entry {seq} {column}[{at}]: verify passed: {}",
                    r.stdout
                );
                assert!(
                    r.stderr.contains(&format!("journal entry {seq} is bad")),
                    "entry {seq} {column}[{at}]: {}",
                    r.stderr
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= entries * 10, "only {checked} flips checked");
}

#[test]
fn deleting_or_renumbering_an_entry_is_caught() {
    let pos = lane_with_history();
    let copy = copy_of(&pos);
    {
        let db = rusqlite::Connection::open(copy.db_path()).unwrap();
        db.execute_batch("DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = 3;")
            .unwrap();
    }
    let r = copy.run(&["journal", "verify"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("journal entry 3 is bad"), "{}", r.stderr);

    let copy = copy_of(&pos);
    {
        let db = rusqlite::Connection::open(copy.db_path()).unwrap();
        db.execute_batch(
            "DROP TRIGGER journal_no_update; UPDATE journal SET seq = 100 WHERE seq = 2;",
        )
        .unwrap();
    }
    let r = copy.run(&["journal", "verify"]);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("journal entry 2 is bad"), "{}", r.stderr);
}

#[test]
fn the_journal_and_z_reports_refuse_updates_and_deletes() {
    let pos = lane_with_history();
    pos.ok(
        CASHIER,
        &["shift", "close", "--count", "50x2", "--count", "0.5x3"],
    );
    let db = rusqlite::Connection::open(pos.db_path()).unwrap();
    assert!(
        db.execute("UPDATE journal SET kind = 'x' WHERE seq = 1", [])
            .is_err()
    );
    assert!(db.execute("DELETE FROM journal WHERE seq = 1", []).is_err());
    assert!(
        db.execute("UPDATE z_reports SET content = '{}' WHERE no = 1", [])
            .is_err()
    );
    assert!(
        db.execute("DELETE FROM z_reports WHERE no = 1", [])
            .is_err()
    );
    drop(db);
    let z: serde_json::Value =
        serde_json::from_str(&pos.ok(CASHIER, &["--json", "report", "z"])).unwrap();
    assert_eq!(z["no"], 1);
    // Closing twice is refused: the Z report is final.
    assert_eq!(pos.run_as(CASHIER, &["shift", "close"]).code, 1);
}
