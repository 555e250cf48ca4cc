//! `pos report ...`, `pos journal ...` and `pos bench`.

use super::{CliError, Ctx};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// X report: the open shift so far (changes nothing).
    X,
    /// A stored Z report (the latest, or --no N). Z reports are written by `pos shift close`.
    Z {
        #[arg(long)]
        no: Option<i64>,
    },
    /// Sales and refunds in [FROM, TO) (dates or RFC 3339 times, UTC).
    Sales {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

pub fn report(ctx: &Ctx, c: ReportCmd) -> Result<(), CliError> {
    match c {
        ReportCmd::X => {
            let lane = ctx.session()?;
            let x = lane.x_report()?;
            ctx.print(&x, || {
                format!(
                    "X report (shift {})\nsales {} = {}\nrefunds {} = {}\ntax {}\ncash in {} / out {}\nexpected cash {}\n",
                    x.shift_id, x.sales_count, x.sales_total, x.refunds_count, x.refunds_total, x.tax_total, x.cash_in, x.cash_out, x.expected_cash
                )
            })
        }
        ReportCmd::Z { no } => {
            let lane = ctx.lane()?;
            let no = match no {
                Some(n) => n,
                None => lane
                    .store()
                    .latest_z_no()?
                    .ok_or_else(|| CliError::Refused("no Z report yet".into()))?,
            };
            let z = lane
                .store()
                .z_report(no)?
                .ok_or_else(|| CliError::Refused(format!("no Z report {no}")))?;
            ctx.print(&z, || {
                format!("{}\n", serde_json::to_string_pretty(&z).unwrap_or_default())
            })
        }
        ReportCmd::Sales { from, to, csv } => {
            let lane = ctx.lane()?;
            let rows = lane.store().sales_between(&from, &to)?;
            if let Some(path) = csv {
                let mut w = csv::Writer::from_path(&path)
                    .map_err(|e| CliError::Data(format!("{}: {e}", path.display())))?;
                for r in &rows {
                    w.serialize(r).map_err(|e| CliError::Data(e.to_string()))?;
                }
                w.flush()?;
            }
            let total: rust_decimal::Decimal = rows
                .iter()
                .filter(|r| r.status == "completed")
                .map(|r| r.total)
                .sum();
            ctx.print(&rows, || {
                let mut s: String = rows
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {:<6} {:<9} {} {:>10}\n",
                            r.receipt_no, r.kind, r.status, r.created_at, r.total
                        )
                    })
                    .collect();
                s += &format!("{} documents, net total {total}\n", rows.len());
                s
            })
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Checks the whole hash chain; names the first bad entry.
    Verify,
    /// Writes every entry as JSON Lines.
    Export { file: PathBuf },
}

pub fn journal(ctx: &Ctx, c: JournalCmd) -> Result<(), CliError> {
    let lane = ctx.lane()?;
    match c {
        JournalCmd::Verify => match lane.store().journal_verify()? {
            Ok(r) => ctx.print(&r, || {
                format!("journal ok: {} entries, head {}\n", r.entries, r.head_hash)
            }),
            Err(broken) => Err(CliError::Data(broken.to_string())),
        },
        JournalCmd::Export { file } => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(&file)
                    .map_err(|e| CliError::Data(format!("{}: {e}", file.display())))?,
            );
            let n = lane.store().journal_export(&mut f)?;
            ctx.print(&serde_json::json!({"entries": n}), || {
                format!("exported {n} entries to {}\n", file.display())
            })
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Number of timed lookups / searches.
    #[arg(long, default_value_t = 20_000)]
    pub samples: usize,
}

fn percentiles(mut v: Vec<Duration>) -> serde_json::Value {
    v.sort();
    let at = |q: usize| {
        v.get((v.len().saturating_sub(1)) * q / 100)
            .copied()
            .unwrap_or_default()
    };
    serde_json::json!({
        "samples": v.len(),
        "p50_us": at(50).as_micros(), "p99_us": at(99).as_micros(),
        "max_us": v.last().copied().unwrap_or_default().as_micros(),
    })
}

/// Times barcode lookups and search-as-you-type over the catalog in the data dir.
pub fn bench(ctx: &Ctx, a: BenchArgs) -> Result<(), CliError> {
    let lane = ctx.lane()?;
    let store = lane.store();
    let (codes, names) = store.sample_items(a.samples)?;
    if codes.is_empty() {
        return Err(CliError::Refused(
            "the catalog is empty: `pos catalog generate --count 1000000`".into(),
        ));
    }
    let mut lookup = Vec::with_capacity(codes.len());
    for c in &codes {
        let t = Instant::now();
        let found = store.item_by_gtin(c)?;
        lookup.push(t.elapsed());
        if found.is_none() {
            return Err(CliError::Data(format!("sampled barcode {c} not found")));
        }
    }
    let (mut prefix, mut substring) = (Vec::new(), Vec::new());
    for (i, name) in names.iter().enumerate() {
        let chars: Vec<char> = name.chars().collect();
        // Typing: 1..=6 characters of the start, or 3..=6 characters from inside a word.
        let plen = 1 + i % 6;
        let p: String = chars.iter().take(plen).collect();
        let t = Instant::now();
        store.search_items(&p, 20)?;
        prefix.push(t.elapsed());
        let start = (i * 7) % chars.len().saturating_sub(6).max(1);
        let s: String = chars.iter().skip(start).take(3 + i % 4).collect();
        let t = Instant::now();
        store.search_items(&s, 20)?;
        substring.push(t.elapsed());
    }
    let doc = serde_json::json!({
        "items": store.item_count()?,
        "barcode_lookup": percentiles(lookup),
        "search_prefix": percentiles(prefix),
        "search_substring": percentiles(substring),
    });
    ctx.print(&doc, || {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    })
}
