//! Store benchmarks (criterion):
//! (a) durable completion of a 10-line sale (cart, payment, stock, journal, outbox: one
//!     transaction) against a bare one-row durable commit, same file system, same run;
//! (b) barcode lookup and (c) search as you type (prefix and substring, first 20 hits) over a
//!     synthetic catalog of `POS_BENCH_ITEMS` products (default 1,000,000).
//! p50/p99 figures for (b) and (c) come from `pos bench` on the same kind of catalog.
//! The databases live under CARGO_TARGET_TMPDIR: on disk like a lane's, not in tmpfs.
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use pos_app::store::Store;
use std::hint::black_box;
use std::time::Duration;
use support::{DurablePair, bench_dir, ok};

fn durable_completion(c: &mut Criterion) {
    let mut pair = DurablePair::new();
    let mut g = c.benchmark_group("durable_commit");
    g.sample_size(50).measurement_time(Duration::from_secs(10));
    // Both sides checkpoint the WAL outside the clock between commits, as the lane does when
    // idle between customers (`Store::checkpoint_idle`), so neither pays a checkpoint inside
    // its measured commit.
    g.bench_function("bare_one_row", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| pair.bare_commit()).sum())
    });
    // Completion only: the cart is rung up (10 scans, a cash tender) outside the clock.
    g.bench_function("sale_10_lines_complete", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| pair.sale_commit()).sum())
    });
    // The same, with the idle checkpoint that follows the sale inside the clock: the whole
    // disk work a sale causes, for comparison.
    g.bench_function("sale_10_lines_complete_and_checkpoint", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    pair.ring_up();
                    let t = std::time::Instant::now();
                    black_box(ok(pair.lane.complete_sale()));
                    ok(pair.lane.store().checkpoint_idle());
                    t.elapsed()
                })
                .sum()
        })
    });
    // The whole sale as a cashier sees it: ring up 10 lines, tender, complete.
    g.bench_function("sale_10_lines_ring_up_and_complete", |b| {
        b.iter(|| {
            pair.ring_up();
            black_box(ok(pair.lane.complete_sale()))
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
