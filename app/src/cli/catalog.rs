//! `pos catalog import|export|find|generate` and `pos stock adjust`.

use super::{CliError, Ctx, decimal};
use crate::store::ImportMode;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CatalogCmd {
    /// Imports a CSV (sku,gtin,name,category,price,tax_class,unit,stock,active). A bad line
    /// refuses the whole file unless --skip-invalid.
    Import {
        file: PathBuf,
        #[arg(long)]
        skip_invalid: bool,
        #[arg(long)]
        manager_pin: Option<String>,
    },
    /// Exports the catalog as CSV.
    Export { file: PathBuf },
    /// Search as you type: first 20 names that start with or contain TEXT, or a barcode.
    Find { text: String },
    /// Inserts N synthetic products with valid EAN-13s.
    Generate {
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        manager_pin: Option<String>,
    },
}

pub fn run(ctx: &Ctx, c: CatalogCmd) -> Result<(), CliError> {
    match c {
        CatalogCmd::Import {
            file,
            skip_invalid,
            manager_pin,
        } => {
            let mut lane = ctx.session()?;
            let mut f = std::fs::File::open(&file)
                .map_err(|e| CliError::Data(format!("{}: {e}", file.display())))?;
            let mode = if skip_invalid {
                ImportMode::SkipInvalid
            } else {
                ImportMode::AllOrNothing
            };
            let report = lane.import_catalog(&mut f, mode, manager_pin.as_deref())?;
            for s in &report.skipped {
                eprintln!("pos: skipped line {}: {}", s.line, s.reason);
            }
            ctx.print(&report, || {
                format!(
                    "imported {} items, skipped {} lines\n",
                    report.imported,
                    report.skipped.len()
                )
            })
        }
        CatalogCmd::Export { file } => {
            let lane = ctx.lane()?;
            let mut f = std::fs::File::create(&file)
                .map_err(|e| CliError::Data(format!("{}: {e}", file.display())))?;
            let n = lane.export_catalog(&mut f)?;
            ctx.print(&serde_json::json!({"exported": n}), || {
                format!("exported {n} items to {}\n", file.display())
            })
        }
        CatalogCmd::Find { text } => {
            let lane = ctx.lane()?;
            let mut hits = lane.search(&text)?;
            // A barcode typed in finds its item too.
            if hits.is_empty()
                && let Ok(g) = crate::store::normalise_gtin(&text)
                && let Some(i) = lane.store().item_by_gtin(&g)?
            {
                hits.push(crate::store::SearchHit {
                    sku: i.sku,
                    gtin: i.gtin,
                    name: i.name,
                    price: i.price,
                    unit: i.unit,
                });
            }
            ctx.print(&hits, || {
                hits.iter()
                    .map(|h| {
                        format!(
                            "{:<12} {:<14} {:<40} {:>9} /{}\n",
                            h.sku,
                            h.gtin.as_deref().unwrap_or("-"),
                            h.name,
                            h.price,
                            h.unit
                        )
                    })
                    .collect()
            })
        }
        CatalogCmd::Generate {
            count,
            seed,
            manager_pin,
        } => {
            let mut lane = ctx.session()?;
            let started = std::time::Instant::now();
            let n = lane.generate_catalog(count, seed, manager_pin.as_deref())?;
            let secs = started.elapsed().as_secs_f64();
            ctx.print(
                &serde_json::json!({"generated": n, "seconds": secs}),
                || format!("generated {n} items in {secs:.1} s\n"),
            )
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StockCmd {
    /// Moves an item's stock by DELTA (e.g. -2 damaged, 24 delivered): needs a manager.
    Adjust {
        sku: String,
        #[arg(long, allow_hyphen_values = true)]
        delta: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        manager_pin: Option<String>,
    },
}

pub fn stock(ctx: &Ctx, c: StockCmd) -> Result<(), CliError> {
    let StockCmd::Adjust {
        sku,
        delta,
        note,
        manager_pin,
    } = c;
    let mut lane = ctx.session()?;
    let new = lane.adjust_stock(
        &sku,
        decimal(&delta, "delta")?,
        &note,
        manager_pin.as_deref(),
    )?;
    ctx.print(&serde_json::json!({"sku": sku, "stock": new}), || {
        format!("{sku}: stock {new}\n")
    })
}
