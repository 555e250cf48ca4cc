//! Helpers shared by the sync end-to-end tests: lane databases, HQ "processes" that can be
//! killed, and lane workers on their own threads.

#![allow(dead_code)]
// each test binary uses a different part
// Test support: a failed setup step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pos_app::sync::client::HqClient;
use pos_app::sync::config::SyncConfig;
use pos_app::sync::hq::{HqDb, server};
use pos_app::sync::lane_store;
use pos_app::sync::worker::{LaneWorker, WorkerThread};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::runtime::Runtime;
use uuid::Uuid;

/// A lane database with the store's schema (its migrations include sync's 0100), in WAL.
pub fn create_lane_db(path: &Path) -> Connection {
    drop(pos_app::store::Store::open(path).unwrap());
    open_lane_db(path)
}

pub fn open_lane_db(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

/// Writes `count` sales into the outbox as the store does, one transaction per `chunk`;
/// returns the sum of their totals.
pub fn write_sales(conn: &mut Connection, count: usize, chunk: usize, pause: Duration) -> Decimal {
    let mut sum = Decimal::ZERO;
    let mut written = 0;
    while written < count {
        let tx = conn.transaction().unwrap();
        for _ in 0..chunk.min(count - written) {
            written += 1;
            let total = Decimal::new(i64::try_from(written % 9_000 + 99).unwrap(), 2);
            sum += total;
            let now = lane_store::now_rfc3339().unwrap();
            tx.execute(
                "INSERT INTO outbox (event_id, kind, payload, created_at, next_attempt_at)
                 VALUES (?1, 'sale', ?2, ?3, ?3)",
                params![
                    Uuid::new_v4().to_string(),
                    serde_json::json!({ "total": total.to_string(), "lines": 3 }).to_string(),
                    now
                ],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        std::thread::sleep(pause);
    }
    sum
}

pub fn queue_depth(path: &Path) -> u64 {
    lane_store::status(&open_lane_db(path)).unwrap().queue_depth
}

/// HQ as a process would be: its own runtime and connection pool. [`HqProcess::kill`] drops
/// both at once, in-flight requests and transactions included, like SIGKILL.
pub struct HqProcess {
    runtime: Option<Runtime>,
}

impl HqProcess {
    pub fn start(addr: SocketAddr, database: &str) -> HqProcess {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let database = database.to_owned();
        runtime.block_on(async move {
            let db = HqDb::open(&database).await.unwrap();
            // The killed instance's listener may take a moment to close (its runtime shuts
            // down in the background); the port itself stays reserved for this test.
            let mut tries = 0;
            let listener = loop {
                match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => break l,
                    Err(_) if tries < 1_500 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => panic!("cannot bind HQ to {addr}: {e}"),
                }
            };
            tokio::spawn(server::serve(listener, db, std::future::pending()));
        });
        HqProcess {
            runtime: Some(runtime),
        }
    }

    pub fn kill(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A lane's sync worker running on its own thread, as in the app.
pub struct LaneThread {
    pub path: PathBuf,
    worker: WorkerThread,
}

impl LaneThread {
    pub fn spawn(
        path: &Path,
        lane_id: &str,
        hq_url: &str,
        token: &str,
        config: &SyncConfig,
    ) -> Self {
        let client = HqClient::new(hq_url, token, config.timeout()).unwrap();
        let worker = LaneWorker::new(open_lane_db(path), client, config.worker_settings(lane_id));
        LaneThread {
            path: path.to_owned(),
            worker: WorkerThread::spawn(worker).unwrap(),
        }
    }

    pub fn stop(self) {
        self.worker.stop();
    }
}

/// A fast-reacting worker configuration for tests on loopback.
pub fn test_config(hq_url: &str, token: &str, timeout_ms: u64) -> SyncConfig {
    SyncConfig {
        hq_url: hq_url.to_owned(),
        lane_token: token.to_owned(),
        timeout_ms,
        max_batch: 250,
        initial_batch: 50,
        slow_answer_ms: timeout_ms / 2,
        backoff_base_ms: 10,
        backoff_cap_ms: 300,
        idle_poll_ms: 100,
        ..SyncConfig::default()
    }
}

/// A loopback port for HQ, held for the whole test (HQ binds it, and binds it again after
/// a kill): a port probed and closed could be taken by anyone in between.
pub fn reserved_addr() -> pos_tests::net::ReservedPort {
    pos_tests::net::ReservedPort::new().unwrap()
}

pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
