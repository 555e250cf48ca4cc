//! Manager approval is enforced by the services: a cashier attempting each manager-only
//! action through the command line is refused (exit 1) and nothing changes; with a
//! manager's PIN (or as a manager) the same action goes through.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_tests::{CASHIER, MANAGER, Pos};

#[test]
fn a_cashier_is_refused_every_manager_only_action() {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    pos.open_shift();
    let receipt = pos.sale(CASHIER, &["--scan", "SKU-01001*2", "--pay", "cash:10"]);
    let before = pos.fingerprint();
    let actions: Vec<(&str, Vec<&str>)> = vec![
        ("refund", vec!["refund", &receipt]),
        ("void", vec!["void", &receipt]),
        (
            "price override",
            vec![
                "sale",
                "--scan",
                "SKU-01001",
                "--price-override",
                "1:0.10",
                "--pay",
                "cash:5",
            ],
        ),
        (
            "discount over limit",
            vec![
                "sale",
                "--scan",
                "SKU-01001",
                "--discount",
                "50%",
                "--pay",
                "cash:5",
            ],
        ),
        ("no-sale drawer", vec!["shift", "no-sale"]),
        (
            "stock adjustment",
            vec![
                "stock",
                "adjust",
                "SKU-01001",
                "--delta",
                "-3",
                "--note",
                "damaged",
            ],
        ),
        (
            "catalog import",
            vec!["catalog", "generate", "--count", "5"],
        ),
        (
            "user admin",
            vec![
                "user",
                "add",
                "eve",
                "--role",
                "manager",
                "--new-pin",
                "4444",
            ],
        ),
    ];
    for (name, args) in &actions {
        let r = pos.run_as(CASHIER, args);
        assert_eq!(r.code, 1, "{name}: exit {} {}", r.code, r.stderr);
        assert!(
            r.stderr.contains("needs a manager's approval"),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(pos.fingerprint(), before, "{name} changed the database");
        // A wrong manager PIN is refused too.
        let mut with_bad = args.clone();
        with_bad.extend(["--manager-pin", "1111"]);
        let r = pos.run_as(CASHIER, &with_bad);
        assert_eq!(
            r.code, 1,
            "{name} with a cashier's PIN as approval: {}",
            r.stderr
        );
        assert_eq!(pos.fingerprint(), before, "{name} changed the database");
    }
    // The same actions with a manager's PIN go through.
    let small = pos.sale(
        CASHIER,
        &[
            "--scan",
            "SKU-01002",
            "--discount",
            "50%",
            "--manager-pin",
            "9999",
            "--pay",
            "cash:5",
        ],
    );
    pos.ok(CASHIER, &["void", &small, "--manager-pin", "9999"]);
    pos.ok(
        CASHIER,
        &["refund", &receipt, "--line", "1:1", "--manager-pin", "9999"],
    );
    pos.ok(
        CASHIER,
        &[
            "stock",
            "adjust",
            "SKU-01001",
            "--delta",
            "-3",
            "--note",
            "damaged",
            "--manager-pin",
            "9999",
        ],
    );
    pos.ok(MANAGER, &["shift", "no-sale"]);
    let stock: String = pos
        .db()
        .query_row("SELECT stock FROM items WHERE sku = 'SKU-01001'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let start: String = {
        let csv = pos_app::services::DEMO_CATALOG;
        let line = csv.lines().find(|l| l.starts_with("SKU-01001,")).unwrap();
        line.split(',').nth(7).unwrap().to_string()
    };
    let start: rust_decimal::Decimal = start.parse().unwrap();
    // Sold 2, refunded 1, adjusted -3.
    assert_eq!(
        stock.parse::<rust_decimal::Decimal>().unwrap(),
        start - rust_decimal::Decimal::from(4)
    );
}

#[test]
fn repeated_wrong_pins_lock_the_user_out() {
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    for _ in 0..4 {
        assert_eq!(
            pos.run_as(("cashier", "0000"), &["shift", "open", "--float", "1"])
                .code,
            1
        );
    }
    let r = pos.run_as(("cashier", "0000"), &["shift", "open", "--float", "1"]);
    assert!(r.stderr.contains("locked"), "{}", r.stderr);
    // Now even the right PIN is refused.
    let r = pos.run_as(CASHIER, &["shift", "open", "--float", "1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("locked"), "{}", r.stderr);
}
