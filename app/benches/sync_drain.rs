//! Draining 100,000 outbox rows from one lane to HQ over loopback (goal: >= 10,000 rows/s).
//!
//! HQ runs in-process on 127.0.0.1 over a throwaway PostgreSQL cluster with its durable
//! defaults (fsync on), or over `POS_BENCH_HQ_DATABASE` when set (e.g. `sqlite:///tmp/hq.db`).
//! Each sample fills a fresh lane database (untimed) and times `sync_now` until it is empty.
//!
//! Run: `cargo bench -p pos-app --bench sync_drain`

// Benchmark harness: a failed setup step should stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pos_app::sync::client::HqClient;
use pos_app::sync::config::SyncConfig;
use pos_app::sync::hq::{HqDb, server};
use pos_app::sync::lane_store;
use pos_app::sync::worker::LaneWorker;
use rusqlite::{Connection, params};
use std::path::Path;
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../../tests/src/postgres.rs"]
mod postgres;

const ROWS: usize = 100_000;

fn fill_lane(path: &Path) -> Connection {
    drop(pos_app::store::Store::open(path).unwrap());
    let mut conn = Connection::open(path).unwrap();
    let now = lane_store::now_rfc3339().unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO outbox (event_id, kind, payload, created_at, next_attempt_at)
                 VALUES (?1, 'sale', ?2, ?3, ?3)",
            )
            .unwrap();
        for i in 0..ROWS {
            // A sale summary about the size the store writes: totals, a few lines, masked card.
            let payload = serde_json::json!({
                "sale_id": uuid::Uuid::new_v4(),
                "total": format!("{}.{:02}", i % 500, i % 100),
                "tax": "1.23",
                "lines": [
                    {"sku": "COFFEE-250", "qty": "1", "price": "4.49"},
                    {"sku": "MILK-1L", "qty": "2", "price": "1.09"}
                ],
                "tender": {"kind": "card", "pan": "476173******0010", "auth_code": "123456"}
            });
            insert
                .execute(params![
                    uuid::Uuid::new_v4().to_string(),
                    payload.to_string(),
                    now
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    conn
}

fn drain(c: &mut Criterion) {
    let _pg;
    let database = match std::env::var("POS_BENCH_HQ_DATABASE") {
        Ok(url) => url,
        Err(_) => {
            let pg = postgres::PgCluster::start_durable().unwrap();
            let url = pg.create_database("hq").unwrap();
            _pg = pg;
            url
        }
    };
    let hq_runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, addr) = hq_runtime.block_on(async {
        let db = HqDb::open(&database).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(server::serve(listener, db.clone(), std::future::pending()));
        (db, addr)
    });
    let lane_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = SyncConfig {
        hq_url: format!("http://{addr}"),
        lane_token: String::new(),
        max_batch: 2_000,
        ..SyncConfig::default()
    };

    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .throughput(Throughput::Elements(u64::try_from(ROWS).unwrap()));
    let mut lane_no = 0;
    group.bench_function("drain_100k_outbox_rows_to_hq", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                lane_no += 1;
                let lane_id = format!("bench-lane-{lane_no}");
                let token = hq_runtime
                    .block_on(db.add_lane(&lane_id, "bench-store"))
                    .unwrap();
                let dir = tempfile::tempdir().unwrap();
                let conn = fill_lane(&dir.path().join("lane.sqlite"));
                let client = HqClient::new(&config.hq_url, &token, config.timeout()).unwrap();
                let mut worker = LaneWorker::new(conn, client, config.worker_settings(&lane_id));
                let started = Instant::now();
                let report = lane_runtime.block_on(worker.sync_now()).unwrap();
                total += started.elapsed();
                assert_eq!(report.delivered, ROWS, "{report:?}");
                assert_eq!(
                    lane_store::status(worker.connection()).unwrap().queue_depth,
                    0
                );
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, drain);
criterion_main!(benches);
