//! Benchmark (a) of the foundation issue, measured as a paired comparison: a durable 10-line
//! sale (`Lane::complete_sale`: lines, payment, stock, journal, outbox in one transaction)
//! against a bare one-row durable commit, in files side by side on the same file system.
//!
//! Why not only criterion (see `benches/store.rs`, which has both as separate functions):
//! the cost of an fsync on a shared disk drifts by 30x within minutes, so two benchmarks run
//! one after the other compare two different disks. Here every round runs one bare commit and
//! one sale back to back, alternating which goes first, so both sides see the same disk; the
//! report gives each side's percentiles, the ratio of the medians and the median of the
//! per-round ratios. Both sides checkpoint the WAL outside the clock before each commit, as
//! the lane does when idle between customers.
//!
//! `cargo bench -p pos-app --bench durable_ratio` (env `POS_BENCH_ROUNDS`, default 3000).
// Benchmark set-up that fails must stop the run.
#![allow(clippy::panic)]

use pos_app::config::Config;
use pos_app::domain::tender::TenderKind;
use pos_app::services::Lane;
use pos_app::store::Store;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("bench setup: {e}"))
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() - 1) * p / 100]
}

fn micros(d: Duration) -> String {
    let n = d.as_nanos();
    format!("{}.{} µs", n / 1000, n % 1000 / 100)
}

/// `a / b` in hundredths, in integers (the workspace forbids float arithmetic).
fn hundredths(a: Duration, b: Duration) -> u128 {
    a.as_nanos() * 100 / b.as_nanos().max(1)
}

fn times(h: u128) -> String {
    format!("{}.{:02}x", h / 100, h % 100)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that names another benchmark skips this one.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !"durable_ratio".contains(f.as_str())) {
        return;
    }
    let rounds: usize = std::env::var("POS_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let dir = ok(tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")));
    let bare_store = ok(Store::open(&dir.path().join("bare.sqlite3")));
    let bare = bare_store.connection();
    ok(bare.execute_batch("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"));
    let (mut lane, _) = ok(Lane::init(
        &dir.path().join("lane"),
        Config::default(),
        true,
    ));
    ok(lane.login("manager", "9999"));
    ok(lane.open_shift(Decimal::from(100)));
    let skus: Vec<String> = ok(lane.items_in_category("Bakery"))
        .into_iter()
        .filter(|i| i.unit == "each")
        .take(10)
        .map(|i| i.sku)
        .collect();
    assert_eq!(skus.len(), 10);

    let bare_commit = || {
        ok(bare_store.checkpoint_idle());
        let t = Instant::now();
        ok(bare
            .prepare_cached("INSERT INTO bench_bare (v) VALUES (?1)")
            .and_then(|mut s| s.execute(["sale"])));
        t.elapsed()
    };
    let sale_commit = |lane: &mut Lane| {
        for sku in &skus {
            ok(lane.add_sku(sku, None));
        }
        ok(lane.add_tender(TenderKind::Cash, Decimal::from(500)));
        ok(lane.store().checkpoint_idle());
        let t = Instant::now();
        ok(lane.complete_sale());
        t.elapsed()
    };
    // Warm-up: caches, prepared statements, the WAL files at their working size.
    for _ in 0..50 {
        bare_commit();
        sale_commit(&mut lane);
    }
    let mut bares = Vec::with_capacity(rounds);
    let mut sales = Vec::with_capacity(rounds);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (b, s) = if round % 2 == 0 {
            let b = bare_commit();
            (b, sale_commit(&mut lane))
        } else {
            let s = sale_commit(&mut lane);
            (bare_commit(), s)
        };
        bares.push(b);
        sales.push(s);
        ratios.push(hundredths(s, b));
    }
    bares.sort();
    sales.sort();
    ratios.sort();
    println!("durable_ratio: {rounds} paired rounds (bare one-row commit, 10-line sale)");
    for (name, v) in [("bare_one_row", &bares), ("sale_10_lines", &sales)] {
        println!(
            "  {name:<14} p10 {}  p50 {}  p90 {}  p99 {}",
            micros(percentile(v, 10)),
            micros(percentile(v, 50)),
            micros(percentile(v, 90)),
            micros(percentile(v, 99))
        );
    }
    println!(
        "  ratio of medians {}; per-round ratio p10 {} p50 {} p90 {} (goal <= 1.50x)",
        times(hundredths(percentile(&sales, 50), percentile(&bares, 50))),
        times(ratios[(rounds - 1) / 10]),
        times(ratios[(rounds - 1) / 2]),
        times(ratios[(rounds - 1) * 9 / 10])
    );
}
