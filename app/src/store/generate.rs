//! `pos catalog generate`: bulk insert of realistic synthetic products with valid EAN-13s,
//! for load tests and benchmarks. One transaction; the name index is rebuilt once at the end
//! instead of row by row (several times faster for a million rows).

use super::gtin::ean13;
use super::values::{canonical, now_rfc3339};
use super::{Store, StoreError, journal};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

const BRANDS: &[&str] = &[
    "Alpine",
    "Bella",
    "Golden Field",
    "Nordic",
    "Sunny",
    "Harvest",
    "Meadow",
    "Blue Bay",
    "Riverside",
    "Oak & Stone",
    "Fresh Farm",
    "Casa",
    "Highland",
    "Green Leaf",
    "Urban",
];
const ADJECTIVES: &[&str] = &[
    "Organic",
    "Classic",
    "Crunchy",
    "Smoked",
    "Light",
    "Extra Virgin",
    "Whole",
    "Spicy",
    "Wholegrain",
    "Sweet",
    "Salted",
    "Dark",
    "Creamy",
    "Fresh",
    "Roasted",
    "Mild",
    "Premium",
];
const PRODUCTS: &[(&str, &str, &str, &str)] = &[
    // (product, category, tax class, unit)
    ("Milk", "Dairy", "reduced", "each"),
    ("Yoghurt", "Dairy", "reduced", "each"),
    ("Cheddar", "Dairy", "reduced", "each"),
    ("Butter", "Dairy", "reduced", "each"),
    ("Sourdough Bread", "Bakery", "reduced", "each"),
    ("Croissants", "Bakery", "reduced", "each"),
    ("Apples", "Produce", "reduced", "kg"),
    ("Bananas", "Produce", "reduced", "kg"),
    ("Tomatoes", "Produce", "reduced", "kg"),
    ("Coffee Beans", "Pantry", "reduced", "each"),
    ("Peanut Butter", "Pantry", "reduced", "each"),
    ("Olive Oil", "Pantry", "reduced", "each"),
    ("Pasta", "Pantry", "reduced", "each"),
    ("Orange Juice", "Drinks", "standard", "each"),
    ("Sparkling Water", "Drinks", "standard", "each"),
    ("Cola", "Drinks", "standard", "each"),
    ("Chocolate", "Snacks", "standard", "each"),
    ("Potato Chips", "Snacks", "standard", "each"),
    ("Dish Soap", "Household", "standard", "each"),
    ("Paper Towels", "Household", "standard", "each"),
    ("Shampoo", "Personal Care", "standard", "each"),
    ("Toothpaste", "Personal Care", "standard", "each"),
    ("Newspaper", "Press", "zero", "each"),
];
const SIZES: &[&str] = &[
    "250g", "500g", "1kg", "330ml", "1L", "1.5L", "6-pack", "200g", "750ml", "100g",
];

impl Store {
    /// Inserts `count` synthetic products (SKUs `G00000001`...) after any generated earlier.
    /// Deterministic for a given `seed`. Returns the number inserted.
    pub fn generate_catalog(&mut self, count: u64, seed: u64) -> Result<u64, StoreError> {
        let mut rng = StdRng::seed_from_u64(seed);
        // A big page cache keeps the random-order name index in memory until the commit.
        let cache: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        let result = self.generate_in_tx(&mut rng, count, seed);
        self.conn.pragma_update(None, "cache_size", cache)?;
        result
    }

    fn generate_in_tx(
        &mut self,
        rng: &mut StdRng,
        count: u64,
        seed: u64,
    ) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let start: i64 = tx.query_row(
            "SELECT count(*) FROM items WHERE sku GLOB 'G[0-9]*'",
            [],
            |r| r.get(0),
        )?;
        let now = now_rfc3339();
        tx.execute_batch("DROP TRIGGER items_fts_insert")?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO items (sku, gtin, name, category, price, tax_class, unit, stock, active, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
            )?;
            for i in 0..count {
                let n = start as u64 + i + 1;
                let (product, category, tax, unit) = PRODUCTS[rng.gen_range(0..PRODUCTS.len())];
                let name = format!(
                    "{} {} {} {}",
                    BRANDS[rng.gen_range(0..BRANDS.len())],
                    ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())],
                    product,
                    if unit == "kg" {
                        "loose"
                    } else {
                        SIZES[rng.gen_range(0..SIZES.len())]
                    },
                );
                let price = Decimal::new(rng.gen_range(29..5000), 2);
                let stock = Decimal::from(rng.gen_range(0..500));
                stmt.execute(rusqlite::params![
                    format!("G{n:08}"),
                    ean13(300_000_000_000 + n).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    name,
                    category,
                    canonical(price),
                    tax,
                    unit,
                    canonical(stock),
                    now
                ])?;
            }
        }
        tx.execute_batch(
            "INSERT INTO items_fts (items_fts) VALUES ('rebuild');
             CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
               INSERT INTO items_fts (rowid, name) VALUES (new.rowid, new.name);
             END;",
        )?;
        journal::append(
            &tx,
            "catalog_generate",
            &serde_json::json!({ "count": count, "seed": seed }),
        )?;
        tx.commit()?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_valid_ean13() {
        for body in [0u64, 1, 400_000_000_001, 999_999_999_999] {
            let code = ean13(body).unwrap();
            assert_eq!(code.len(), 13);
            assert!(crate::store::normalise_gtin(&code).is_ok(), "{code}");
        }
    }
}
