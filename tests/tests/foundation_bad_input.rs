//! Bad input: each case gets a clear one-line error and changes nothing. Malformed barcodes,
//! CSV with wrong columns, negative prices, bad check digits, duplicate barcodes, non-UTF-8
//! bytes (nothing imported unless --skip-invalid, which reports each skipped line), a corrupt
//! or foreign database file.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_tests::{CASHIER, MANAGER, Pos};

const HEADER: &str = "sku,gtin,name,category,price,tax_class,unit,stock,active\n";
// 4006381333931: EAN-13 example from Wikipedia "International Article Number".
const GOOD: &str = "T-1,4006381333931,Test Tea 20 bags,Drinks,2.50,standard,each,10,1\n";

fn pos() -> Pos {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    pos.open_shift();
    pos
}

fn import(pos: &Pos, name: &str, bytes: &[u8], extra: &[&str]) -> pos_tests::Run {
    let path = pos.dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut args = vec!["catalog", "import", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    pos.run_as(MANAGER, &args)
}

fn one_line(err: &str) -> bool {
    err.starts_with("pos: ") && err.trim_end().lines().count() == 1
}

#[test]
fn malformed_barcodes_are_refused_and_nothing_changes() {
    let pos = pos();
    let before = pos.fingerprint();
    for (code, expect) in [
        ("5012345001075", "check digit"), // demo item 5012345001074 with its check digit changed
        ("50123450010", "no item"),       // 11 digits: not a GTIN length, so looked up as a SKU
        ("5012!45001074", "code"),
        ("5012345001074*-1", "quantity"),
        ("5012345001074*abc", "quantity"),
        ("*3", "empty"),
    ] {
        let r = pos.run_as(CASHIER, &["sale", "--scan", code, "--pay", "cash:10"]);
        assert!(r.code == 1 || r.code == 2, "{code}: exit {}", r.code);
        assert!(one_line(&r.stderr), "{code}: {}", r.stderr);
        assert!(
            r.stderr.to_lowercase().contains(&expect.to_lowercase()),
            "{code}: {}",
            r.stderr
        );
        assert_eq!(pos.fingerprint(), before, "{code} changed the database");
    }
}

#[test]
fn bad_catalog_files_import_nothing() {
    let pos = pos();
    let before = pos.fingerprint();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong columns",
            b"sku,barcode,name,price\nA,1,B,2\n".to_vec(),
            "wrong columns",
        ),
        (
            "negative price",
            format!("{HEADER}{GOOD}N-1,,Bad,Misc,-1.00,standard,each,1,1\n").into_bytes(),
            "negative price",
        ),
        (
            "bad check digit",
            format!("{HEADER}{GOOD}C-1,4006381333932,Bad,Misc,1.00,standard,each,1,1\n")
                .into_bytes(),
            "check digit",
        ),
        (
            "duplicate in file",
            format!("{HEADER}{GOOD}D-1,4006381333931,Dup,Misc,1.00,standard,each,1,1\n")
                .into_bytes(),
            "duplicate barcode",
        ),
        (
            "duplicate of the catalog",
            format!("{HEADER}{GOOD}D-2,5012345001074,Dup,Misc,1.00,standard,each,1,1\n")
                .into_bytes(),
            "duplicate barcode",
        ),
        (
            "non-utf8",
            [
                HEADER.as_bytes(),
                GOOD.as_bytes(),
                b"U-1,,Caf\xe9,Misc,1.00,standard,each,1,1\n",
            ]
            .concat(),
            "UTF-8",
        ),
        (
            "bad unit",
            format!("{HEADER}{GOOD}W-1,,Rice,Misc,1.00,standard,litre,1,1\n").into_bytes(),
            "unit",
        ),
        (
            "short line",
            format!("{HEADER}{GOOD}S-1,,Rice\n").into_bytes(),
            "fields",
        ),
    ];
    for (name, bytes, expect) in cases {
        let r = import(&pos, "bad.csv", &bytes, &[]);
        assert_eq!(r.code, 3, "{name}: {}", r.stderr);
        assert!(one_line(&r.stderr), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(expect), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("nothing imported") || name == "wrong columns",
            "{name}: {}",
            r.stderr
        );
        assert_eq!(pos.fingerprint(), before, "{name} changed the database");
    }
}

#[test]
fn skip_invalid_imports_the_good_lines_and_reports_each_bad_one() {
    let pos = pos();
    let file = format!(
        "{HEADER}{GOOD}N-1,,Bad,Misc,-1.00,standard,each,1,1\nT-2,96385074,Test Coffee,Drinks,4.00,standard,each,5,1\nC-1,4006381333932,Bad,Misc,1.00,standard,each,1,1\n"
    );
    let r = import(&pos, "mixed.csv", file.as_bytes(), &["--skip-invalid"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("imported 2 items, skipped 2 lines"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("skipped line 3: ") && r.stderr.contains("negative price"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("skipped line 5: ") && r.stderr.contains("check digit"),
        "{}",
        r.stderr
    );
    let names: i64 = pos
        .db()
        .query_row(
            "SELECT count(*) FROM items WHERE sku IN ('T-1','T-2')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(names, 2);
    let bad: i64 = pos
        .db()
        .query_row(
            "SELECT count(*) FROM items WHERE sku IN ('N-1','C-1')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0);
}

#[test]
fn corrupt_or_foreign_database_files_are_refused_untouched() {
    // Not SQLite at all.
    let pos = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(pos.db_path(), &junk).unwrap();
    for args in [
        &["journal", "verify"][..],
        &["catalog", "find", "milk"],
        &["init", "--demo"],
    ] {
        let r = pos.run(args);
        assert_eq!(r.code, 3, "{args:?}");
        assert!(
            one_line(&r.stderr) && r.stderr.contains("corrupt"),
            "{}",
            r.stderr
        );
        assert_eq!(
            std::fs::read(pos.db_path()).unwrap(),
            junk,
            "{args:?} modified the file"
        );
    }
    // A damaged lane database: a valid header with garbage pages.
    let lane = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    let mut bytes = std::fs::read(lane.db_path()).unwrap();
    for b in bytes.iter_mut().skip(100).take(4000) {
        *b ^= 0x5a;
    }
    std::fs::write(lane.db_path(), &bytes).unwrap();
    let r = lane.run(&["catalog", "find", "milk"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(one_line(&r.stderr), "{}", r.stderr);
    assert_eq!(std::fs::read(lane.db_path()).unwrap(), bytes);
    // Another program's SQLite database.
    let other = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    {
        let db = rusqlite::Connection::open(other.db_path()).unwrap();
        db.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO invoices VALUES (1, '9.99');")
            .unwrap();
    }
    let before = std::fs::read(other.db_path()).unwrap();
    let r = other.run(&["init", "--demo"]);
    assert_eq!(r.code, 3);
    assert!(
        one_line(&r.stderr) && r.stderr.contains("not a POS database"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(other.db_path()).unwrap(), before);
}

#[test]
fn bad_amounts_and_unknown_things_are_refused_cleanly() {
    let pos = pos();
    let before = pos.fingerprint();
    for args in [
        &["sale", "--scan", "SKU-01001", "--pay", "cash:abc"][..],
        &["sale", "--scan", "SKU-01001", "--pay", "cash:1.00"], // not enough
        &["sale", "--scan", "SKU-01001", "--pay", "cash:-5"],
        &["sale", "--scan", "SKU-01001", "--pay", "bitcoin!:5"],
        &["sale", "--scan", "NO-SUCH-SKU", "--pay", "cash:5"],
        &[
            "sale",
            "--scan",
            "SKU-01001",
            "--pay",
            "cash:5",
            "--customer",
            "nobody",
        ],
        &["refund", "L01-999999", "--manager-pin", "9999"],
        &["shift", "cash-out", "--amount=-3", "--reason", "x"],
    ] {
        let r = pos.run_as(CASHIER, args);
        assert!(matches!(r.code, 1..=3), "{args:?}: exit {}", r.code);
        assert!(one_line(&r.stderr), "{args:?}: {}", r.stderr);
        assert_eq!(pos.fingerprint(), before, "{args:?} changed the database");
    }
    let r = pos.run_as(CASHIER, &["sale", "--pay", "cash:5"]);
    assert_eq!(r.code, 2, "missing --scan is a usage error");
}
