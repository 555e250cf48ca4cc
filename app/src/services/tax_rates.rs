//! The tax rates in force: `[tax]` of `pos.toml` with the rates HQ published laid over it
//! (sync pulls them into `sync_tax_rates`; an HQ rate replaces the configured rate of its
//! class). A rate that arrives while a cart is open applies from the next cart: the open cart
//! keeps the table it started with, so the prices the customer saw, the totals, the tenders
//! already taken and the receipt all agree.

use super::setup::tax_table_with;
use super::{Lane, ServiceError};
use crate::config::Config;
use crate::domain::tax::TaxTable;
use crate::store::{Store, StoreError};
use crate::sync::lane_store::{self, LaneStoreError};

/// The table from `config` and the HQ rates stored in `store`.
pub(super) fn load_tax_table(config: &Config, store: &Store) -> Result<TaxTable, ServiceError> {
    let hq_rates = lane_store::hq_tax_rates(store.connection()).map_err(|e| match e {
        LaneStoreError::Sqlite(e) => ServiceError::Store(StoreError::Sqlite(e)),
        LaneStoreError::CorruptTaxRate { text, .. } => ServiceError::Store(StoreError::BadValue {
            what: "sync_tax_rates.percent",
            value: text,
        }),
        other => ServiceError::Config(other.to_string()),
    })?;
    if !hq_rates.is_empty() {
        tracing::debug!(?hq_rates, "tax rates from HQ in force");
    }
    tax_table_with(config, &hq_rates)
}

impl Lane {
    /// The tax table the current cart is priced with.
    pub fn tax_table(&self) -> &TaxTable {
        &self.tax
    }

    /// Before the first line of a cart: take up the rates HQ published since the last cart.
    /// Does nothing while the cart has lines.
    pub(super) fn refresh_tax_for_new_cart(&mut self) -> Result<(), ServiceError> {
        if self.cart.is_empty() {
            self.tax = load_tax_table(&self.config, &self.store)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
