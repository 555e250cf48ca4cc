//! Catalog admin through the services: edits, stock adjustments (manager), CSV import and
//! export, synthetic catalogs, lookups for the inventory screen.

use super::{Lane, ManagerAction, ServiceError};
use crate::store::{ImportMode, ImportReport, ItemRow};
use rust_decimal::Decimal;
use std::io::{Read, Write};

impl Lane {
    pub fn item(&self, sku: &str) -> Result<Option<ItemRow>, ServiceError> {
        Ok(self.store.item(sku)?)
    }

    pub fn categories(&self) -> Result<Vec<(String, i64)>, ServiceError> {
        Ok(self.store.categories()?)
    }

    pub fn items_in_category(&self, category: &str) -> Result<Vec<ItemRow>, ServiceError> {
        Ok(self.store.items_in_category(category, 200)?)
    }

    pub fn low_stock(&self, threshold: Decimal) -> Result<Vec<ItemRow>, ServiceError> {
        Ok(self.store.low_stock(threshold, 200)?)
    }

    /// Adds or edits an item (managers). Stock changes go through [`Lane::adjust_stock`]; an
    /// edit keeps the stored stock.
    pub fn save_item(
        &mut self,
        mut item: ItemRow,
        manager_pin: Option<&str>,
    ) -> Result<ItemRow, ServiceError> {
        let approver = self.authorize(ManagerAction::CatalogEdit, manager_pin)?;
        if let Some(existing) = self.store.item(&item.sku)? {
            item.stock = existing.stock;
        }
        Ok(self.store.upsert_item(item, approver)?)
    }

    /// Moves stock by `delta` with a note (counted, damaged, delivered ...): needs a manager.
    pub fn adjust_stock(
        &mut self,
        sku: &str,
        delta: Decimal,
        note: &str,
        manager_pin: Option<&str>,
    ) -> Result<Decimal, ServiceError> {
        let approver = self.authorize(ManagerAction::StockAdjustment, manager_pin)?;
        Ok(self.store.adjust_stock(sku, delta, approver, note)?)
    }

    /// Imports a catalog CSV (managers).
    pub fn import_catalog(
        &mut self,
        input: &mut dyn Read,
        mode: ImportMode,
        manager_pin: Option<&str>,
    ) -> Result<ImportReport, ServiceError> {
        let approver = self.authorize(ManagerAction::CatalogEdit, manager_pin)?;
        Ok(self.store.import_catalog(input, mode, Some(approver))?)
    }

    pub fn export_catalog(&self, out: &mut dyn Write) -> Result<usize, ServiceError> {
        Ok(self.store.export_catalog(out)?)
    }
}

impl Lane {
    /// Inserts `count` synthetic products (managers): load tests and benchmarks.
    pub fn generate_catalog(
        &mut self,
        count: u64,
        seed: u64,
        manager_pin: Option<&str>,
    ) -> Result<u64, ServiceError> {
        self.authorize(ManagerAction::CatalogEdit, manager_pin)?;
        Ok(self.store.generate_catalog(count, seed)?)
    }
}
