//! The `pos` command line end to end: configuration from file and environment, exit codes,
//! JSON output, catalog round trip, reports and journal export.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_tests::{CASHIER, MANAGER, Pos};

#[test]
fn config_comes_from_the_file_and_the_environment() {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    let toml = std::fs::read_to_string(pos.dir().join("pos.toml")).unwrap();
    std::fs::write(
        pos.dir().join("pos.toml"),
        toml.replace("id = \"L01\"", "id = \"L07\""),
    )
    .unwrap();
    let out = pos.run(&["config"]).stdout;
    assert!(out.contains("id = \"L07\""), "{out}");
    assert!(out.contains("address = \"127.0.0.1:8583\""), "{out}");
    let r = pos.run_as(CASHIER, &["--json", "config"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["lane"]["id"], "L07");
    // Environment beats the file; the receipt numbers follow the lane id.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pos-cli"));
    c.env("POS_DATA_DIR", pos.dir())
        .env("POS_ACQUIRER_ADDRESS", "127.0.0.1:9583")
        .arg("config");
    let out = String::from_utf8(c.output().unwrap().stdout).unwrap();
    assert!(out.contains("address = \"127.0.0.1:9583\""), "{out}");
    pos.open_shift();
    let receipt = pos.sale(CASHIER, &["--scan", "SKU-01003", "--pay", "cash:2"]);
    assert!(receipt.starts_with("L07-"), "{receipt}");
    // A broken value is a data error with the variable named.
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_pos-cli"));
    c.env("POS_DATA_DIR", pos.dir())
        .env("POS_ACQUIRER_TIMEOUT_MS", "soon")
        .arg("config");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("POS_ACQUIRER_TIMEOUT_MS"));
}

#[test]
fn exit_codes_follow_the_contract() {
    let pos = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    assert_eq!(pos.run(&["--help"]).code, 0, "--help");
    assert_eq!(pos.run(&["no-such-command"]).code, 2);
    let r = pos.run(&["journal", "verify"]);
    assert_eq!(r.code, 3, "no database yet");
    assert!(r.stderr.contains("pos init"), "{}", r.stderr);
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    let r = pos.run(&["shift", "open", "--float", "10"]);
    assert_eq!(r.code, 1, "nobody logged in: {}", r.stderr);
    assert_eq!(
        pos.run_as(CASHIER, &["sale", "--scan", "SKU-01001", "--pay", "cash:5"])
            .code,
        1,
        "no shift"
    );
}

#[test]
fn catalog_export_import_round_trip_and_find() {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    let file = pos.dir().join("export.csv");
    pos.ok(CASHIER, &["catalog", "export", file.to_str().unwrap()]);
    let exported = std::fs::read_to_string(&file).unwrap();
    assert_eq!(exported.lines().count(), 230, "header + 229 demo items");
    let fresh = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    assert_eq!(
        fresh
            .run(&["init", "--manager", "boss", "--manager-pin", "2468"])
            .code,
        0
    );
    let r = fresh.run_as(
        ("boss", "2468"),
        &["catalog", "import", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let again = fresh.dir().join("again.csv");
    fresh.ok(
        ("boss", "2468"),
        &["catalog", "export", again.to_str().unwrap()],
    );
    assert_eq!(std::fs::read_to_string(again).unwrap(), exported);
    let hits: serde_json::Value =
        serde_json::from_str(&pos.ok(CASHIER, &["--json", "catalog", "find", "sourd"])).unwrap();
    assert_eq!(hits[0]["name"], "Sourdough Loaf 800g", "prefix match first");
    let hits: serde_json::Value =
        serde_json::from_str(&pos.ok(CASHIER, &["--json", "catalog", "find", "5012345001074"]))
            .unwrap();
    assert_eq!(hits[0]["sku"], "SKU-01001", "a barcode finds its item");
    pos.ok(MANAGER, &["catalog", "generate", "--count", "1000"]);
    let n: i64 = pos
        .db()
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1229);
    let hits: serde_json::Value =
        serde_json::from_str(&pos.ok(CASHIER, &["--json", "catalog", "find", "ilk"])).unwrap();
    assert!(
        hits.as_array().unwrap().len() == 20,
        "substring search fills 20 hits"
    );
}

#[test]
fn reports_and_journal_export() {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    pos.open_shift();
    let a = pos.sale(CASHIER, &["--scan", "SKU-01001*2", "--pay", "cash:10"]);
    pos.sale(
        CASHIER,
        &[
            "--scan",
            "SKU-01002",
            "--pay",
            "cash:5",
            "--pay",
            "voucher:1",
        ],
    );
    pos.ok(MANAGER, &["refund", &a, "--line", "1:1"]);
    let x: serde_json::Value =
        serde_json::from_str(&pos.ok(CASHIER, &["--json", "report", "x"])).unwrap();
    assert_eq!(x["sales_count"], 2);
    assert_eq!(x["refunds_count"], 1);
    // 3.49 x 2 + 2.19 - 3.49 = 5.68 net; cash: 6.98 + 1.19 (voucher paid 1.00) - 3.49.
    assert_eq!(x["sales_total"], "9.17");
    assert_eq!(x["tenders"]["cash"], "4.68");
    let csv = pos.dir().join("sales.csv");
    let out = pos.ok(
        CASHIER,
        &[
            "report",
            "sales",
            "--from",
            "2000-01-01",
            "--to",
            "2999-01-01",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    assert!(out.contains("3 documents, net total 5.68"), "{out}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 4);
    let z: serde_json::Value = serde_json::from_str(&pos.ok(
        CASHIER,
        &[
            "--json", "shift", "close", "--count", "100x1", "--count", "2x2", "--count", "0.5x1",
        ],
    ))
    .unwrap();
    assert_eq!(z["no"], 1);
    // Expected 100 + 4.68 = 104.68, counted 104.50.
    assert_eq!(z["difference"], "-0.18");
    let file = pos.dir().join("journal.jsonl");
    pos.ok(CASHIER, &["journal", "export", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(file).unwrap();
    let kinds: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for k in ["sale", "refund", "shift_open", "z_report"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
}

#[test]
fn no_command_without_a_display_says_so() {
    let pos = Pos::new(env!("CARGO_BIN_EXE_pos-cli"));
    // The helper clears the environment, so there is no DISPLAY.
    let r = pos.run(&[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("no display"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}
