//! The command line prints on the configured printer: `pos sale` prints the committed sale's
//! receipt and kicks the drawer after cash, `pos receipt print` reprints it marked COPY, `pos shift no-sale` (manager) opens the drawer
//! through the printer, and a printer that is out of paper never fails or undoes the sale.

// Test helpers outside #[test] fns unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;

use pos_drivers::sim::printer::{SimPrinterHandle, SimServer, serve};
use pos_hal::device::printer::PaperLevel;
use pos_tests::pos_cli::{CASHIER, MANAGER, Pos};

/// A demo data dir whose `[devices] printer` is the simulated printer on a TCP port.
fn pos_with_printer(wait_secs: u64) -> (Pos, SimPrinterHandle, SimServer) {
    let sim = SimPrinterHandle::new(48);
    let server = serve::serve_tcp(TcpListener::bind("127.0.0.1:0").unwrap(), sim.clone()).unwrap();
    let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
    let path = pos.dir().join(pos_app::config::CONFIG_FILE);
    let toml = std::fs::read_to_string(&path).unwrap();
    assert!(toml.contains("printer = \"sim\""), "{toml}");
    let toml = toml
        .replace(
            "printer = \"sim\"",
            &format!("printer = \"tcp:{}\"", server.endpoint),
        )
        .replace("wait_secs = 10 ", &format!("wait_secs = {wait_secs} "))
        .replace("drawer = \"sim\"", "drawer = \"printer\"");
    std::fs::write(&path, toml).unwrap();
    pos.open_shift();
    (pos, sim, server)
}

#[test]
fn pos_sale_prints_the_receipt_and_opens_the_drawer_after_cash() {
    let (pos, sim, server) = pos_with_printer(10);
    let receipt = pos.sale(CASHIER, &["--scan", "5012345001074", "--pay", "cash:5"]);
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 1);
    let text = receipts[0].text();
    assert!(
        text.contains("Sourdough Loaf 800g") && text.contains("EUR 3.49"),
        "{text}"
    );
    assert!(text.contains(&format!("[QR {receipt}]")), "{text}");
    assert_eq!(sim.drawer_kicks(), 1);

    let reprint = pos.run_as(CASHIER, &["receipt", "print", &receipt]);
    assert_eq!(reprint.code, 0, "{}", reprint.stderr);
    let receipts = sim.receipts();
    assert_eq!(receipts.len(), 2);
    let copy = receipts[1].text();
    assert!(
        copy.contains("*** COPY ***") && copy.contains("Sourdough Loaf 800g"),
        "{copy}"
    );
    let missing = pos.run_as(CASHIER, &["receipt", "print", "L01-999999"]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("L01-999999"), "{}", missing.stderr);

    let refused = pos.run_as(CASHIER, &["shift", "no-sale"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_eq!(sim.drawer_kicks(), 1, "no drawer without a manager");
    pos.ok(CASHIER, &["shift", "no-sale", "--manager-pin", "9999"]);
    pos.ok(MANAGER, &["shift", "no-sale"]);
    // Each kick crosses TCP from a process that has exited; wait until the printer read it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sim.drawer_kicks() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(sim.drawer_kicks(), 3);
    server.stop();
}

#[test]
fn paper_out_never_fails_the_sale_and_says_how_to_reprint() {
    let (pos, sim, server) = pos_with_printer(1);
    sim.set_paper(PaperLevel::Out);
    let run = pos.run_as(
        CASHIER,
        &[
            "--json",
            "sale",
            "--scan",
            "5012345001074",
            "--pay",
            "cash:5",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sale: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let receipt = sale["receipt_no"].as_str().unwrap();
    assert!(
        run.stderr.contains("held: printer is out of paper"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("pos receipt print {receipt}")),
        "{}",
        run.stderr
    );
    assert!(sim.receipts().is_empty());
    let kind: String = pos
        .db()
        .query_row(
            "SELECT status FROM sales WHERE receipt_no = ?1",
            [receipt],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "completed");
    server.stop();
}
