//! Store benchmarks (criterion):
//! (a) durable completion of a 10-line sale (cart, payment, stock, journal, outbox: one
//!     transaction) against a bare one-row durable commit, same file system, same run;
//! (b) barcode lookup and (c) search as you type (prefix and substring, first 20 hits) over a
//!     synthetic catalog of `POS_BENCH_ITEMS` products (default 1,000,000).
//! p50/p99 figures for (b) and (c) come from `pos bench` on the same kind of catalog.
//! The databases live under CARGO_TARGET_TMPDIR: on disk like a lane's, not in tmpfs.
// Benchmark set-up that fails must stop the run.
#![allow(clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use pos_app::config::Config;
use pos_app::domain::tender::TenderKind;
use pos_app::services::Lane;
use pos_app::store::Store;
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn bench_dir() -> tempfile::TempDir {
    match tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")) {
        Ok(d) => d,
        Err(e) => panic!("bench dir: {e}"),
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("bench setup: {e}"))
}

/// Rings up a 10-line cart paid in cash (outside any clock).
fn ring_up(lane: &mut Lane, skus: &[String]) {
    for sku in skus {
        ok(lane.add_sku(sku, None));
    }
    ok(lane.add_tender(TenderKind::Cash, Decimal::from(500)));
}

fn durable_completion(c: &mut Criterion) {
    let dir = bench_dir();
    // The bare reference: one row, one durable commit, in a file opened by `Store::open` like
    // the lane's (same pragmas: WAL, synchronous=FULL, cache size) in the same directory.
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

    let mut g = c.benchmark_group("durable_commit");
    g.sample_size(50).measurement_time(Duration::from_secs(10));
    // Both sides checkpoint the WAL outside the clock between commits, as the lane does when
    // idle between customers (`Store::checkpoint_idle`), so neither pays a checkpoint inside
    // its measured commit.
    g.bench_function("bare_one_row", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                ok(bare_store.checkpoint_idle());
                let t = Instant::now();
                black_box(ok(bare
                    .prepare_cached("INSERT INTO bench_bare (v) VALUES (?1)")
                    .and_then(|mut s| s.execute(["sale"]))));
                spent += t.elapsed();
            }
            spent
        })
    });
    // Completion only: the cart is rung up (10 scans, a cash tender) outside the clock.
    g.bench_function("sale_10_lines_complete", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                ring_up(&mut lane, &skus);
                ok(lane.store().checkpoint_idle());
                let t = Instant::now();
                black_box(ok(lane.complete_sale()));
                spent += t.elapsed();
            }
            spent
        })
    });
    // The same, with the idle checkpoint that follows the sale inside the clock: the whole
    // disk work a sale causes, for comparison.
    g.bench_function("sale_10_lines_complete_and_checkpoint", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                ring_up(&mut lane, &skus);
                let t = Instant::now();
                black_box(ok(lane.complete_sale()));
                ok(lane.store().checkpoint_idle());
                spent += t.elapsed();
            }
            spent
        })
    });
    // The whole sale as a cashier sees it: ring up 10 lines, tender, complete.
    g.bench_function("sale_10_lines_ring_up_and_complete", |b| {
        b.iter(|| {
            for sku in &skus {
                ok(lane.add_sku(sku, None));
            }
            ok(lane.add_tender(TenderKind::Cash, Decimal::from(500)));
            black_box(ok(lane.complete_sale()))
        })
    });
    g.finish();
}

fn catalog_lookups(c: &mut Criterion) {
    let items: u64 = std::env::var("POS_BENCH_ITEMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = bench_dir();
    let mut store = ok(Store::open(&dir.path().join("catalog.sqlite3")));
    ok(store.generate_catalog(items, 7));
    let (codes, names) = ok(store.sample_items(10_000));
    let mut g = c.benchmark_group(format!("catalog_{items}"));
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    let mut i = 0usize;
    g.bench_function("barcode_lookup", |b| {
        b.iter(|| {
            i = (i + 1) % codes.len();
            black_box(ok(store.item_by_gtin(&codes[i])))
        })
    });
    g.bench_function("search_prefix_20", |b| {
        b.iter(|| {
            i = (i + 1) % names.len();
            let p: String = names[i].chars().take(1 + i % 6).collect();
            black_box(ok(store.search_items(&p, 20)))
        })
    });
    g.bench_function("search_substring_20", |b| {
        b.iter(|| {
            i = (i + 1) % names.len();
            let chars: Vec<char> = names[i].chars().collect();
            let start = (i * 7) % chars.len().saturating_sub(6).max(1);
            let s: String = chars.iter().skip(start).take(3 + i % 4).collect();
            black_box(ok(store.search_items(&s, 20)))
        })
    });
    g.finish();
}

criterion_group!(benches, durable_completion, catalog_lookups);
criterion_main!(benches);
