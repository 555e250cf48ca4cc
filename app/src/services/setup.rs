//! First start and `pos init`: the default config file, the demo catalog and demo users, and
//! the tax table built from the `[tax]` section.

use super::{Lane, ServiceError};
use crate::config::{CONFIG_FILE, Config, DEFAULT_TOML};
use crate::domain::money::RoundingMode;
use crate::domain::tax::{RoundingPlacement, TaxMode, TaxRate, TaxTable};
use crate::store::{ImportMode, ImportReport, Role, Store};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;

/// The demo catalog shipped with the program.
pub const DEMO_CATALOG: &str = include_str!("../../../assets/catalog/demo.csv");

/// A demo account created by `pos init --demo` (documented in the README; change them).
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub name: &'static str,
    pub role: Role,
    pub pin: &'static str,
}

/// The demo accounts.
pub const DEMO_USERS: [DemoUser; 2] = [
    DemoUser {
        name: "manager",
        role: Role::Manager,
        pin: "9999",
    },
    DemoUser {
        name: "cashier",
        role: Role::Cashier,
        pin: "1111",
    },
];

/// The domain's tax table from the `[tax]` section: one rate per tax class.
pub fn tax_table(config: &Config) -> Result<TaxTable, ServiceError> {
    tax_table_with(config, &BTreeMap::new())
}

/// The tax table in force: `[tax]` of `pos.toml`, with the rates HQ published (`hq_rates`,
/// class -> percent) replacing the configured rate of the same class and adding new classes.
pub fn tax_table_with(
    config: &Config,
    hq_rates: &BTreeMap<String, Decimal>,
) -> Result<TaxTable, ServiceError> {
    let t = &config.tax;
    let bad = |m: String| ServiceError::Config(m);
    let mode = match t.mode.as_str() {
        "inclusive" => TaxMode::Inclusive,
        "exclusive" => TaxMode::Exclusive,
        other => return Err(bad(format!("tax.mode {other:?}"))),
    };
    let placement = match t.rounding.as_str() {
        "line" => RoundingPlacement::PerLine,
        "document" => RoundingPlacement::PerDocument,
        other => return Err(bad(format!("tax.rounding {other:?}"))),
    };
    let rounding: RoundingMode =
        serde_json::from_value(serde_json::Value::String(t.rounding_mode.clone()))
            .map_err(|_| bad(format!("tax.rounding_mode {:?}", t.rounding_mode)))?;
    let mut in_force = t.rates.clone();
    in_force.extend(
        hq_rates
            .iter()
            .map(|(class, percent)| (class.clone(), *percent)),
    );
    let rates = in_force
        .iter()
        .map(|(class, percent)| TaxRate::new(class, &format!("{class} {percent}%"), *percent))
        .collect();
    let classes = in_force
        .keys()
        .map(|c| (c.clone(), vec![c.clone()]))
        .collect();
    let table = TaxTable {
        mode,
        placement,
        rounding,
        rates,
        classes,
    };
    table.validate().map_err(|e| bad(format!("tax: {e}")))?;
    Ok(table)
}

impl Lane {
    /// `pos init`: writes the default `pos.toml` if there is none, creates the database and,
    /// with `demo`, loads the demo catalog and the demo users (only into an empty store).
    pub fn init(
        data_dir: &Path,
        config: Config,
        demo: bool,
    ) -> Result<(Lane, Option<ImportReport>), ServiceError> {
        std::fs::create_dir_all(data_dir).map_err(crate::store::StoreError::from)?;
        let cfg_path = data_dir.join(CONFIG_FILE);
        if !cfg_path.exists() {
            std::fs::write(&cfg_path, DEFAULT_TOML).map_err(crate::store::StoreError::from)?;
        }
        let mut lane = Lane::open(data_dir, config)?;
        let report = if demo { lane.seed_demo()? } else { None };
        Ok((lane, report))
    }

    /// What `pos` with no arguments does before showing the UI: opens the lane, and on the
    /// very first start (no database yet) writes the default config and seeds the demo data.
    pub fn open_or_seed(data_dir: &Path, config: Config) -> Result<Lane, ServiceError> {
        let first_start = !data_dir.join(crate::store::DB_FILE).exists();
        if first_start {
            tracing::info!(dir = %data_dir.display(), "first start: seeding the demo catalog");
        }
        Ok(Lane::init(data_dir, config, first_start)?.0)
    }

    /// Loads the demo catalog and users into an empty store (first start); a store that
    /// already has items or users is left as it is.
    pub fn seed_demo(&mut self) -> Result<Option<ImportReport>, ServiceError> {
        seed_demo_store(&mut self.store)
    }
}

pub(crate) fn seed_demo_store(store: &mut Store) -> Result<Option<ImportReport>, ServiceError> {
    if store.users()?.is_empty() {
        for u in DEMO_USERS {
            store.add_user(u.name, u.role, u.pin)?;
        }
    }
    if !store.is_catalog_empty()? {
        return Ok(None);
    }
    let report =
        store.import_catalog(&mut DEMO_CATALOG.as_bytes(), ImportMode::AllOrNothing, None)?;
    Ok(Some(report))
}
