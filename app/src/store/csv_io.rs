//! Catalog CSV import and export. Columns: `sku,gtin,name,category,price,tax_class,unit,
//! stock,active`. A file with any bad line imports nothing (one transaction) unless the
//! caller asks to skip invalid lines, in which case every skipped line is reported.

use super::catalog::{ITEM_COLUMNS, ItemRow, insert_item, item_from_row};
use super::values::{canonical, now_rfc3339};
use super::{Store, StoreError, journal, outbox};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::str::FromStr;

/// The columns of a catalog file, in export order.
pub const COLUMNS: [&str; 9] = [
    "sku",
    "gtin",
    "name",
    "category",
    "price",
    "tax_class",
    "unit",
    "stock",
    "active",
];

/// What to do with a bad line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Any bad line refuses the whole file.
    AllOrNothing,
    /// Bad lines are skipped and reported; the good ones are imported.
    SkipInvalid,
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedLine {
    pub line: u64,
    pub reason: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: Vec<SkippedLine>,
}

fn field<'a>(rec: &'a csv::ByteRecord, idx: usize, name: &str) -> Result<&'a str, String> {
    let bytes = rec.get(idx).unwrap_or_default();
    std::str::from_utf8(bytes)
        .map(str::trim)
        .map_err(|_| format!("column {name} is not valid UTF-8"))
}

fn parse_line(rec: &csv::ByteRecord, cols: &[usize; 9]) -> Result<ItemRow, String> {
    if rec.len() != COLUMNS.len() {
        return Err(format!("{} fields, expected {}", rec.len(), COLUMNS.len()));
    }
    let f = |i: usize| field(rec, cols[i], COLUMNS[i]);
    let dec = |i: usize| -> Result<Decimal, String> {
        let s = f(i)?;
        if s.is_empty() && COLUMNS[i] == "stock" {
            return Ok(Decimal::ZERO);
        }
        Decimal::from_str(s).map_err(|_| format!("{} {s:?} is not a number", COLUMNS[i]))
    };
    let gtin = f(1)?;
    let active = match f(8)?.to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" => true,
        "0" | "false" | "no" => false,
        other => return Err(format!("active {other:?} is not 1/0/true/false")),
    };
    let mut item = ItemRow {
        sku: f(0)?.to_string(),
        gtin: (!gtin.is_empty()).then(|| gtin.to_string()),
        name: f(2)?.to_string(),
        category: f(3)?.to_string(),
        price: dec(4)?,
        tax_class: f(5)?.to_string(),
        unit: f(6)?.to_string(),
        stock: dec(7)?,
        active,
    };
    item.validate().map_err(|e| e.to_string())?;
    Ok(item)
}

/// Maps the header to column positions; wrong, missing or unknown columns are an error.
fn header_positions(header: &csv::ByteRecord) -> Result<[usize; 9], StoreError> {
    let names: Vec<String> = header
        .iter()
        .map(|b| {
            std::str::from_utf8(b).map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
        })
        .collect::<Result<_, _>>()
        .map_err(|_| StoreError::Invalid("line 1: header is not valid UTF-8".into()))?;
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !COLUMNS.contains(n))
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !names.iter().any(|n| n == c))
        .collect();
    if !unknown.is_empty() || !missing.is_empty() || names.len() != COLUMNS.len() {
        return Err(StoreError::Invalid(format!(
            "line 1: wrong columns (missing: [{}], unknown: [{}]); expected {}",
            missing.join(","),
            unknown.join(","),
            COLUMNS.join(",")
        )));
    }
    let mut pos = [0usize; 9];
    for (i, c) in COLUMNS.iter().enumerate() {
        pos[i] = names.iter().position(|n| n == c).unwrap_or(i);
    }
    Ok(pos)
}

impl Store {
    /// Imports (adds or replaces by SKU) every line of a catalog CSV.
    pub fn import_catalog(
        &mut self,
        input: &mut dyn Read,
        mode: ImportMode,
        user_id: Option<i64>,
    ) -> Result<ImportReport, StoreError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| StoreError::Csv(e.to_string()))?
            .clone();
        let cols = header_positions(&header)?;
        let mut report = ImportReport::default();
        let mut good: Vec<ItemRow> = Vec::new();
        let mut seen_sku: HashMap<String, u64> = HashMap::new();
        let mut seen_gtin: HashMap<String, u64> = HashMap::new();
        let mut rec = csv::ByteRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    report.skipped.push(SkippedLine {
                        line,
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
            let line = rec.position().map_or(line, |p| p.line());
            let checked = parse_line(&rec, &cols).and_then(|item| {
                if let Some(first) = seen_sku.get(&item.sku) {
                    return Err(format!(
                        "duplicate SKU {} (first on line {first})",
                        item.sku
                    ));
                }
                if let Some(g) = &item.gtin {
                    if let Some(first) = seen_gtin.get(g) {
                        return Err(format!("duplicate barcode {g} (first on line {first})"));
                    }
                    match self.item_by_gtin(g) {
                        Err(e) => return Err(e.to_string()),
                        Ok(Some(other)) if other.sku != item.sku => {
                            return Err(format!(
                                "duplicate barcode {g}: already used by SKU {}",
                                other.sku
                            ));
                        }
                        Ok(_) => {}
                    }
                }
                Ok(item)
            });
            match checked {
                Ok(item) => {
                    seen_sku.insert(item.sku.clone(), line);
                    if let Some(g) = &item.gtin {
                        seen_gtin.insert(g.clone(), line);
                    }
                    good.push(item);
                }
                Err(reason) => report.skipped.push(SkippedLine { line, reason }),
            }
        }
        if mode == ImportMode::AllOrNothing && !report.skipped.is_empty() {
            let first = &report.skipped[0];
            let more = report.skipped.len() - 1;
            let tail = if more > 0 {
                format!(" (and {more} more bad lines)")
            } else {
                String::new()
            };
            return Err(StoreError::Invalid(format!(
                "line {}: {}{tail}; nothing imported",
                first.line, first.reason
            )));
        }
        let tx = self.conn.transaction()?;
        let now = now_rfc3339();
        for item in &good {
            insert_item(&tx, item, &now)?;
        }
        let doc = serde_json::json!({
            "imported": good.len(), "skipped": report.skipped.len(), "user_id": user_id,
        });
        journal::append(&tx, "catalog_import", &doc)?;
        outbox::enqueue(&tx, "catalog_import", &doc)?;
        tx.commit()?;
        report.imported = good.len();
        Ok(report)
    }

    /// Writes the whole catalog as CSV (the import format), in SKU order.
    pub fn export_catalog(&self, out: &mut dyn Write) -> Result<usize, StoreError> {
        let mut w = csv::Writer::from_writer(out);
        let csv_err = |e: csv::Error| StoreError::Csv(e.to_string());
        w.write_record(COLUMNS).map_err(csv_err)?;
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY sku");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let i = item_from_row(r)?;
            let active = if i.active { "1" } else { "0" };
            w.write_record([
                i.sku.as_str(),
                i.gtin.as_deref().unwrap_or(""),
                &i.name,
                &i.category,
                &canonical(i.price),
                &i.tax_class,
                &i.unit,
                &canonical(i.stock),
                active,
            ])
            .map_err(csv_err)?;
            n += 1;
        }
        w.flush()?;
        Ok(n)
    }
}
