//! What the durable-commit benchmarks share: a lane on disk with the demo catalog and an open
//! shift, ten bakery items to ring up, and a bare one-row table in a file beside it opened by
//! `Store::open` like the lane's (same pragmas: WAL, synchronous=FULL, cache size).
// Each benchmark uses part of this; benchmark set-up that fails must stop the run.
#![allow(dead_code, clippy::panic)]

use pos_app::config::Config;
use pos_app::domain::tender::TenderKind;
use pos_app::services::Lane;
use pos_app::store::Store;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

pub fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("bench setup: {e}"))
}

/// A temporary directory under CARGO_TARGET_TMPDIR: on disk like a lane's, not in tmpfs.
pub fn bench_dir() -> tempfile::TempDir {
    ok(tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")))
}

pub struct DurablePair {
    pub bare: Store,
    pub lane: Lane,
    pub skus: Vec<String>,
    _dir: tempfile::TempDir,
}

impl DurablePair {
    pub fn new() -> Self {
        let dir = bench_dir();
        let bare = ok(Store::open(&dir.path().join("bare.sqlite3")));
        ok(bare
            .connection()
            .execute_batch("CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"));
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
        DurablePair {
            bare,
            lane,
            skus,
            _dir: dir,
        }
    }

    /// One bare row, one durable commit: the time of the commit alone. The WAL is
    /// checkpointed outside the clock first, as the lane does when idle between customers.
    pub fn bare_commit(&self) -> Duration {
        ok(self.bare.checkpoint_idle());
        let t = Instant::now();
        ok(self
            .bare
            .connection()
            .prepare_cached("INSERT INTO bench_bare (v) VALUES (?1)")
            .and_then(|mut s| s.execute(["sale"])));
        t.elapsed()
    }

    /// Rings up the ten items and a cash tender (outside any clock).
    pub fn ring_up(&mut self) {
        for sku in &self.skus {
            ok(self.lane.add_sku(sku, None));
        }
        ok(self.lane.add_tender(TenderKind::Cash, Decimal::from(500)));
    }

    /// Rings up a sale, checkpoints outside the clock, then times its durable completion.
    pub fn sale_commit(&mut self) -> Duration {
        self.ring_up();
        ok(self.lane.store().checkpoint_idle());
        let t = Instant::now();
        ok(self.lane.complete_sale());
        t.elapsed()
    }
}
