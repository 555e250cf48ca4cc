//! Sync gaps closed, end to end with the `pos` binary and a real HQ (SQLite HQ database,
//! HTTP on loopback): HQ's tax rates priced from the next sale, and an event HQ refuses for
//! good parked so the queue behind it moves on, then retried once its cause is fixed.
// Test code: helpers outside #[test] functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sync_common;

use pos_tests::net::ReservedPort;
use pos_tests::{CASHIER, MANAGER, Pos};
use std::path::{Path, PathBuf};
use sync_common::{HqProcess, reserved_addr};

/// Sourdough Loaf 800g, 3.49, tax class `reduced` (5.5 % in the default pos.toml).
const LOAF: &str = "5012345001074";

/// A demo lane `L01` registered at a running HQ, its pos.toml pointing there.
struct Setup {
    pos: Pos,
    hq_db: PathBuf,
    hq_url: String,
    _hq: HqProcess,
    /// HQ's port, held while the lane may talk to it.
    _port: ReservedPort,
    _dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let pos = Pos::demo(env!("CARGO_BIN_EXE_pos-cli"));
        let dir = tempfile::tempdir().unwrap();
        let hq_db = dir.path().join("hq.sqlite");
        let hq_url = format!("sqlite://{}", hq_db.display());
        let token = pos.ok(
            MANAGER,
            &[
                "hq",
                "--database",
                &hq_url,
                "add-lane",
                "L01",
                "--store",
                "S1",
            ],
        );
        let port = reserved_addr();
        let addr = port.addr();
        let hq = HqProcess::start(addr, &hq_url);
        let toml_path = pos.dir().join("pos.toml");
        let toml = std::fs::read_to_string(&toml_path).unwrap();
        let toml = toml
            .replace("hq_url = \"\"", &format!("hq_url = \"http://{addr}\""))
            .replace(
                "lane_token = \"\"",
                &format!("lane_token = \"{}\"", token.trim()),
            );
        std::fs::write(&toml_path, toml).unwrap();
        pos.open_shift();
        Setup {
            pos,
            hq_db,
            hq_url,
            _hq: hq,
            _port: port,
            _dir: dir,
        }
    }

    fn hq(&self, args: &[&str]) -> String {
        let mut all = vec!["hq", "--database", self.hq_url.as_str()];
        all.extend_from_slice(args);
        self.pos.ok(MANAGER, &all)
    }

    fn sale_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json", "sale"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.pos.ok(CASHIER, &all)).unwrap()
    }

    fn status(&self) -> serde_json::Value {
        serde_json::from_str(&self.pos.ok(CASHIER, &["--json", "sync", "status"])).unwrap()
    }
}

fn hq_conn(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn
}

/// The tax breakdown row of class `reduced` in a `pos sale --json` answer.
fn reduced_row(sale: &serde_json::Value) -> serde_json::Value {
    let taxes = sale["totals"]["taxes"].as_array().unwrap();
    taxes
        .iter()
        .find(|t| t["code"] == "reduced")
        .unwrap()
        .clone()
}

#[test]
fn a_tax_rate_published_at_hq_is_charged_by_the_next_sale_after_a_sync() {
    let s = Setup::new();
    let before = s.sale_json(&["--scan", LOAF, "--pay", "cash:5"]);
    assert_eq!(reduced_row(&before)["percent"], "5.5");
    assert_eq!(reduced_row(&before)["tax"], "0.18");
    let config = |json: bool| {
        let args: &[&str] = if json {
            &["--json", "config"]
        } else {
            &["config"]
        };
        s.pos.ok(CASHIER, args)
    };
    assert!(!config(false).contains("from HQ"));

    s.hq(&["set-tax-rate", "reduced", "10"]);
    // Not synced yet: the lane still charges pos.toml's rate.
    let unsynced = s.sale_json(&["--scan", LOAF, "--pay", "cash:5"]);
    assert_eq!(reduced_row(&unsynced)["percent"], "5.5");

    s.pos.ok(CASHIER, &["sync", "now"]);
    let status = s.pos.ok(CASHIER, &["sync", "status"]);
    assert!(status.contains("tax from HQ:     reduced 10%"), "{status}");
    assert_eq!(s.status()["hq_tax_rates"]["reduced"], "10");
    // `pos config` prints the settings in force: HQ's rate, named as HQ's.
    let text = config(false);
    assert!(text.contains("reduced = \"10\""), "{text}");
    assert!(
        text.contains("# [tax.rates] reduced in force from HQ"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&config(true)).unwrap();
    assert_eq!(json["tax"]["rates"]["reduced"], "10");
    assert_eq!(json["tax_rates_from_hq"], serde_json::json!(["reduced"]));
    assert_eq!(json["lane"]["id"], "L01");

    // 3.49 including 10 %: tax 0.32 (it was 0.18 at 5.5 %).
    let after = s.sale_json(&["--scan", LOAF, "--pay", "cash:5"]);
    let row = reduced_row(&after);
    assert_eq!(row["percent"], "10");
    assert_eq!(row["tax"], "0.32");
    assert_eq!(row["name"], "reduced 10%");
    assert_eq!(after["totals"]["tax"], "0.32");
    assert_eq!(after["totals"]["total"], "3.49");
    // The stored sale carries the same breakdown as the receipt.
    let receipt = after["receipt_no"].as_str().unwrap();
    let stored: String = s
        .pos
        .db()
        .query_row(
            "SELECT taxes FROM sales WHERE receipt_no = ?1",
            [receipt],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.contains("\"percent\":\"10\""), "{stored}");
}

#[test]
fn an_event_hq_refuses_for_good_is_parked_and_the_queue_behind_it_is_delivered() {
    let s = Setup::new();
    let receipts: Vec<String> = (0..3)
        .map(|_| {
            s.sale_json(&["--scan", LOAF, "--pay", "cash:5"])["receipt_no"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let lane = s.pos.db();
    let (refused_id, refused_payload): (String, String) = lane
        .query_row(
            "SELECT o.event_id, o.payload FROM outbox o JOIN sales s ON s.event_id = o.event_id
             WHERE s.receipt_no = ?1",
            [&receipts[1]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let queued: i64 = lane
        .query_row(
            "SELECT count(*) FROM outbox WHERE delivered_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(queued >= 3, "the three sales are queued: {queued}");

    // HQ already holds another content under the second sale's id (a restored lane backup, a
    // bug): it refuses that event for good, whatever the batch.
    let hq = hq_conn(&s.hq_db);
    hq.execute(
        "INSERT INTO events (event_id, lane_id, lane_seq, kind, payload, created_at)
         VALUES (?1, 'L01', 1000000, 'sale', '{\"total\":\"0\"}', '2026-01-01T00:00:00Z')",
        [&refused_id],
    )
    .unwrap();

    let now = s.pos.ok(CASHIER, &["sync", "now"]);
    assert!(
        now.contains(&format!("delivered {} events", queued - 1)),
        "{now}"
    );
    assert!(now.contains("parked 1 events"), "{now}");
    let status = s.status();
    assert_eq!(status["queue_depth"], 0, "{status}");
    assert_eq!(status["parked"], 1, "{status}");
    let parked = &status["parked_events"][0];
    assert_eq!(parked["event_id"], refused_id.as_str());
    let reason = parked["reason"].as_str().unwrap();
    assert!(
        reason.contains("Conflict") && reason.contains("different content"),
        "{reason}"
    );
    let text = s.pos.ok(CASHIER, &["sync", "status"]);
    assert!(text.contains("parked:          1"), "{text}");
    assert!(text.contains(&refused_id), "{text}");
    // Every event behind the refused one reached HQ; the refused one did not.
    let at_hq = |id: &str| -> i64 {
        hq.query_row(
            "SELECT count(*) FROM events WHERE event_id = ?1 AND lane_seq < 1000000",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    let delivered: Vec<String> = lane
        .prepare("SELECT event_id FROM outbox WHERE delivered_at IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(i64::try_from(delivered.len()).unwrap(), queued - 1);
    assert!(delivered.iter().all(|id| at_hq(id) == 1));

    // Retry is a manager's call; while HQ still refuses, the event is parked again.
    let r = s.pos.run_as(CASHIER, &["sync", "retry", "--all-parked"]);
    assert_eq!(r.code, 1, "a cashier may not: {}", r.stderr);
    let bogus = s.pos.run_as(
        MANAGER,
        &["sync", "retry", "00000000-0000-4000-8000-000000000000"],
    );
    assert_eq!(bogus.code, 1, "an id that is not parked is refused");
    assert!(bogus.stderr.contains("not parked"), "{}", bogus.stderr);
    s.pos.ok(MANAGER, &["sync", "retry", &refused_id]);
    assert_eq!(s.status()["queue_depth"], 1);
    let again = s.pos.ok(CASHIER, &["sync", "now"]);
    assert!(again.contains("parked 1 events"), "{again}");

    // The cause is fixed at HQ; the retried event is delivered, once.
    hq.execute("DELETE FROM events WHERE lane_seq = 1000000", [])
        .unwrap();
    let requeued = s.pos.ok(MANAGER, &["sync", "retry", "--all-parked"]);
    assert!(requeued.contains("1 parked events back"), "{requeued}");
    let last = s.pos.ok(CASHIER, &["sync", "now"]);
    assert!(last.contains("delivered 1 events"), "{last}");
    let status = s.status();
    assert_eq!(
        (status["queue_depth"].as_u64(), status["parked"].as_u64()),
        (Some(0), Some(0))
    );
    let (events, distinct): (i64, i64) = hq
        .query_row(
            "SELECT count(*), count(DISTINCT event_id) FROM events WHERE lane_id = 'L01'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (events, distinct),
        (queued, queued),
        "nothing delivered twice"
    );
    let stored: String = hq
        .query_row(
            "SELECT payload FROM events WHERE event_id = ?1",
            [&refused_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, refused_payload);
}

#[test]
fn hq_out_of_reach_parks_nothing() {
    let s = Setup::new();
    s.sale_json(&["--scan", LOAF, "--pay", "cash:5"]);
    let toml_path = s.pos.dir().join("pos.toml");
    let toml = std::fs::read_to_string(&toml_path).unwrap();
    // Held until the end: refused, and nobody else can start listening there meanwhile.
    let dead_port = reserved_addr();
    let dead = format!("hq_url = \"http://{}\"", dead_port.addr());
    let toml: String = toml
        .lines()
        .map(|l| {
            if l.starts_with("hq_url") {
                dead.clone()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&toml_path, toml).unwrap();
    let r = s.pos.run_as(CASHIER, &["sync", "now"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let status = s.status();
    assert_eq!(status["parked"], 0);
    assert!(status["queue_depth"].as_u64().unwrap() >= 2);
}
