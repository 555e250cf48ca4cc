//! Catalog rows: lookup by barcode or SKU, search as you type, admin edits and stock
//! adjustments (each adjustment with its movement, journal entry and outbox row).

use super::values::{canonical, now_rfc3339, parse_dec};
use super::{Store, StoreError, journal, normalise_gtin, outbox};
use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;

/// One catalog item as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ItemRow {
    pub sku: String,
    pub gtin: Option<String>,
    pub name: String,
    pub category: String,
    pub price: Decimal,
    pub tax_class: String,
    /// `each` or `kg`.
    pub unit: String,
    pub stock: Decimal,
    pub active: bool,
}

/// A search result: enough to show a row and add it to a cart.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub sku: String,
    pub gtin: Option<String>,
    pub name: String,
    pub price: Decimal,
    pub unit: String,
}

pub(crate) const ITEM_COLUMNS: &str =
    "sku, gtin, name, category, price, tax_class, unit, stock, active";

pub(crate) fn item_from_row(r: &Row<'_>) -> Result<ItemRow, StoreError> {
    let price: String = r.get(4)?;
    let stock: String = r.get(7)?;
    Ok(ItemRow {
        sku: r.get(0)?,
        gtin: r.get(1)?,
        name: r.get(2)?,
        category: r.get(3)?,
        price: parse_dec(&price, "items.price")?,
        tax_class: r.get(5)?,
        unit: r.get(6)?,
        stock: parse_dec(&stock, "items.stock")?,
        active: r.get::<_, i64>(8)? != 0,
    })
}

impl ItemRow {
    /// Checks what the schema cannot: a usable name, a non-negative price, a known unit, a
    /// valid barcode (normalised in place).
    pub fn validate(&mut self) -> Result<(), StoreError> {
        let bad = |m: String| Err(StoreError::Invalid(m));
        if self.sku.trim().is_empty() {
            return bad("empty SKU".into());
        }
        if self.name.trim().is_empty() {
            return bad(format!("item {}: empty name", self.sku));
        }
        if self.price.is_sign_negative() && !self.price.is_zero() {
            return bad(format!("item {}: negative price {}", self.sku, self.price));
        }
        if !matches!(self.unit.as_str(), "each" | "kg") {
            return bad(format!(
                "item {}: unit {:?} is not each or kg",
                self.sku, self.unit
            ));
        }
        if self.tax_class.trim().is_empty() {
            return bad(format!("item {}: empty tax class", self.sku));
        }
        if let Some(g) = &self.gtin {
            let n = normalise_gtin(g)
                .map_err(|e| StoreError::Invalid(format!("item {}: {e}", self.sku)))?;
            self.gtin = Some(n);
        }
        Ok(())
    }
}

pub(crate) fn insert_item(
    tx: &rusqlite::Connection,
    item: &ItemRow,
    now: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO items (sku, gtin, name, category, price, tax_class, unit, stock, active, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (sku) DO UPDATE SET gtin = excluded.gtin, name = excluded.name,
           category = excluded.category, price = excluded.price, tax_class = excluded.tax_class,
           unit = excluded.unit, stock = excluded.stock, active = excluded.active,
           updated_at = excluded.updated_at",
    )?
    .execute(params![
            item.sku,
            item.gtin,
            item.name,
            item.category,
            canonical(item.price),
            item.tax_class,
            item.unit,
            canonical(item.stock),
            item.active as i64,
            now
        ])?;
    Ok(())
}

/// One stock movement: which item, by how much, why, under which document and user, when.
pub(crate) struct StockMove<'a> {
    pub sku: &'a str,
    pub delta: Decimal,
    pub reason: &'a str,
    pub sale_id: Option<i64>,
    pub user_id: Option<i64>,
    pub note: Option<&'a str>,
    /// The document's own time: every movement of one sale carries the sale's timestamp.
    pub at: &'a str,
}

/// Changes one item's stock inside a transaction and records the movement.
pub(crate) fn move_stock(
    tx: &rusqlite::Transaction<'_>,
    m: &StockMove<'_>,
) -> Result<Decimal, StoreError> {
    let stock: Option<String> = tx
        .prepare_cached("SELECT stock FROM items WHERE sku = ?1")?
        .query_row([m.sku], |r| r.get(0))
        .optional()?;
    let stock = stock.ok_or_else(|| StoreError::NotFound(format!("item {}", m.sku)))?;
    let new = parse_dec(&stock, "items.stock")? + m.delta;
    tx.prepare_cached("UPDATE items SET stock = ?1, updated_at = ?2 WHERE sku = ?3")?
        .execute(params![canonical(new), m.at, m.sku])?;
    tx.prepare_cached(
        "INSERT INTO stock_movements (sku, delta, reason, sale_id, user_id, note, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        m.sku,
        canonical(m.delta),
        m.reason,
        m.sale_id,
        m.user_id,
        m.note,
        m.at
    ])?;
    Ok(new)
}

type HitRow = (String, Option<String>, String, String, String);

fn push_hits(hits: &mut Vec<SearchHit>, rows: Vec<HitRow>, limit: usize) -> Result<(), StoreError> {
    for (sku, gtin, name, price, unit) in rows {
        if hits.len() < limit && !hits.iter().any(|h| h.sku == sku) {
            let price = parse_dec(&price, "items.price")?;
            hits.push(SearchHit {
                sku,
                gtin,
                name,
                price,
                unit,
            });
        }
    }
    Ok(())
}

/// Removes what LIKE would treat as wildcards; search text is literal.
fn literal(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '%' | '_')).collect()
}

impl Store {
    /// One item by SKU.
    pub fn item(&self, sku: &str) -> Result<Option<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE sku = ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([sku])?;
        rows.next()?.map(item_from_row).transpose()
    }

    /// One item by its normalised GTIN (see [`normalise_gtin`]).
    pub fn item_by_gtin(&self, gtin: &str) -> Result<Option<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE gtin = ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([gtin])?;
        rows.next()?.map(item_from_row).transpose()
    }

    /// Search as you type: names that start with `text` first, then names that contain it,
    /// active items only, at most `limit` hits. Case-insensitive.
    pub fn search_items(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let text = literal(text.trim());
        let mut hits: Vec<SearchHit> = Vec::new();
        if text.is_empty() || limit == 0 {
            return Ok(hits);
        }
        let hit = |r: &Row<'_>| -> rusqlite::Result<HitRow> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        };
        // Prefix: the NOCASE index on name serves `LIKE 'x%'` directly.
        let prefix = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT sku, gtin, name, price, unit FROM items
                 WHERE name LIKE ?1 AND active = 1 ORDER BY name COLLATE NOCASE LIMIT ?2",
            )?;
            stmt.query_map(params![format!("{text}%"), limit as i64], hit)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        push_hits(&mut hits, prefix, limit)?;
        // Substring: the trigram index needs three characters.
        if hits.len() < limit && text.chars().count() >= 3 {
            let mut stmt = self.conn.prepare_cached(
                "SELECT i.sku, i.gtin, i.name, i.price, i.unit FROM items_fts f
                 JOIN items i ON i.rowid = f.rowid
                 WHERE f.name LIKE ?1 AND i.active = 1 LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![format!("%{text}%"), (limit * 2) as i64], hit)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            push_hits(&mut hits, rows, limit)?;
        }
        Ok(hits)
    }

    /// Adds or replaces one item (catalog admin). The change is journaled and queued for HQ.
    pub fn upsert_item(&mut self, mut item: ItemRow, user_id: i64) -> Result<ItemRow, StoreError> {
        item.validate()?;
        let tx = self.conn.transaction()?;
        insert_item(&tx, &item, &now_rfc3339())?;
        let doc = serde_json::json!({ "item": item, "user_id": user_id });
        journal::append(&tx, "item_upsert", &doc)?;
        outbox::enqueue(&tx, "item_change", &doc)?;
        tx.commit()?;
        Ok(item)
    }

    /// Sets an item's stock to a counted value or moves it by a delta (manager action; the
    /// services check the approval). Returns the new stock.
    pub fn adjust_stock(
        &mut self,
        sku: &str,
        delta: Decimal,
        user_id: i64,
        note: &str,
    ) -> Result<Decimal, StoreError> {
        let tx = self.conn.transaction()?;
        let now = now_rfc3339();
        let new = move_stock(
            &tx,
            &StockMove {
                sku,
                delta,
                reason: "adjust",
                sale_id: None,
                user_id: Some(user_id),
                note: Some(note),
                at: &now,
            },
        )?;
        let doc = serde_json::json!({
            "sku": sku, "delta": canonical(delta), "stock": canonical(new),
            "user_id": user_id, "note": note,
        });
        journal::append(&tx, "stock_adjust", &doc)?;
        outbox::enqueue(&tx, "stock_change", &doc)?;
        tx.commit()?;
        Ok(new)
    }

    /// Number of items.
    pub fn item_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    }

    /// Every category with its number of active items, for category tiles.
    pub fn categories(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT category, count(*) FROM items WHERE active = 1 GROUP BY category ORDER BY category",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Active items of one category, by name.
    pub fn items_in_category(
        &self,
        category: &str,
        limit: usize,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE category = ?1 AND active = 1 ORDER BY name LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![category, limit as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(item_from_row(r)?);
        }
        Ok(out)
    }

    /// Items whose stock is at or below `threshold`.
    pub fn low_stock(&self, threshold: Decimal, limit: usize) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE active = 1 ORDER BY sku");
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let item = item_from_row(r)?;
            if item.stock <= threshold {
                out.push(item);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}
