//! Crash-test worker: completes sales (and now and then a refund) in a loop through the
//! application services and prints each completed receipt number, flushed, the moment the
//! store has committed it. The crash test SIGKILLs this process at random moments.
//!
//! Usage: sale-loop DATA_DIR SEED

use pos_app::config::Config;
use pos_app::domain::tender::TenderKind;
use pos_app::services::Lane;
use rust_decimal::Decimal;
use std::io::Write;

/// Items the loop sells (demo catalog SKUs sold by the piece).
const SKUS: [&str; 6] = [
    "SKU-01001",
    "SKU-01002",
    "SKU-01003",
    "SKU-01004",
    "SKU-01005",
    "SKU-01014",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: sale-loop DATA_DIR SEED")?;
    let mut seed: u64 = args
        .next()
        .ok_or("usage: sale-loop DATA_DIR SEED")?
        .parse()?;
    let mut next = move |n: u64| {
        // xorshift: deterministic per seed, no dependency needed.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let config = Config::load(std::path::Path::new(&dir), std::iter::empty())?;
    let mut lane = Lane::open(std::path::Path::new(&dir), config)?;
    lane.login("cashier", "1111")?;
    let mut out = std::io::stdout().lock();
    let mut sold: Vec<String> = Vec::new();
    for i in 0u64.. {
        if i % 4 == 3 && !sold.is_empty() {
            let receipt = sold[usize::try_from(next(sold.len() as u64))?].clone();
            if let Ok(done) = lane.refund(&receipt, &[(1, Some(Decimal::ONE))], Some("9999")) {
                writeln!(out, "refund {}", done.receipt_no)?;
                out.flush()?;
            }
            continue;
        }
        for _ in 0..=next(4) {
            let sku = SKUS[usize::try_from(next(SKUS.len() as u64))?];
            lane.add_sku(sku, Some(Decimal::from(1 + next(3))))?;
        }
        lane.add_tender(TenderKind::Cash, Decimal::from(500))?;
        let receipt = lane.complete_sale()?;
        writeln!(out, "sale {}", receipt.receipt_no)?;
        out.flush()?;
        sold.push(receipt.receipt_no);
    }
    Ok(())
}
