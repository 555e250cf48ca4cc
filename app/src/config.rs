//! Configuration: one TOML file `pos.toml` in the data directory, every key overridable by
//! an environment variable `POS_<SECTION>_<KEY>` (e.g. `POS_ACQUIRER_ADDRESS`), every key
//! with a sane default. `pos config` prints the settings in force.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The config file's name inside the data directory.
pub const CONFIG_FILE: &str = "pos.toml";

/// The default configuration file shipped with the program.
pub const DEFAULT_TOML: &str = include_str!("../../assets/config/pos.toml");

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: invalid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

/// Everything in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub lane: LaneConfig,
    pub store: StoreConfig,
    pub tax: TaxConfig,
    pub devices: DevicesConfig,
    pub acquirer: AcquirerConfig,
    pub sync: SyncConfig,
    /// `[receipt]`: paper width, footer, receipt-number code (printing helper).
    pub receipt: crate::services::ReceiptConfig,
}

/// This terminal and its rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaneConfig {
    /// Lane id; prefixes receipt numbers.
    pub id: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Failed PIN attempts before a user is locked out.
    pub max_pin_attempts: u32,
    pub lockout_minutes: i64,
    /// Discounts above this percentage of the line (or cart) need a manager.
    pub discount_limit_percent: Decimal,
    /// Cash payments are rounded to this step (0.01 = none, 0.05 = Swiss/Nordic style).
    pub cash_rounding: Decimal,
    /// Loyalty points per whole currency unit spent.
    pub loyalty_points_per_unit: i64,
}

impl Default for LaneConfig {
    fn default() -> Self {
        LaneConfig {
            id: "L01".into(),
            currency: "EUR".into(),
            max_pin_attempts: 5,
            lockout_minutes: 15,
            discount_limit_percent: Decimal::from(10),
            cash_rounding: Decimal::new(1, 2),
            loyalty_points_per_unit: 1,
        }
    }
}

/// The shop, as printed on receipts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreConfig {
    pub name: String,
    pub address: String,
    pub vat_id: String,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            name: "Demo Store".into(),
            address: "1 Market Street".into(),
            vat_id: "FR00123456789".into(),
        }
    }
}

/// Tax rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxConfig {
    /// `inclusive` (shelf prices include tax) or `exclusive`.
    pub mode: String,
    /// `line` or `document`.
    pub rounding: String,
    /// `half_up`, `half_even`, `down`, `up`.
    pub rounding_mode: String,
    /// Tax class -> percent.
    pub rates: BTreeMap<String, Decimal>,
}

impl Default for TaxConfig {
    fn default() -> Self {
        let rates = [
            ("standard", Decimal::from(20)),
            ("reduced", Decimal::new(55, 1)),
            ("zero", Decimal::ZERO),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        TaxConfig {
            mode: "inclusive".into(),
            rounding: "line".into(),
            rounding_mode: "half_up".into(),
            rates,
        }
    }
}

/// Which device is where; `sim` is the built-in simulator. The card reader code reads
/// these keys as [`pos_hal::device::DevicesConfig`], the printing code as
/// [`crate::printing::PrinterConfig`]: this struct is the union, so `pos config` shows them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevicesConfig {
    /// `sim` | `pcsc:<name substring>`
    pub card_reader: String,
    /// `sim` | `tcp:HOST:PORT` | `serial:PATH:BAUD` | `usb:VID:PID`
    pub printer: String,
    /// Paper width of the receipt printer: 58 or 80 (mm).
    pub paper_mm: u16,
    /// Serial flow control for `serial:` printers: none | software | hardware.
    pub printer_flow: String,
    /// Seconds a CLI print waits for the printer before reporting the job held.
    pub wait_secs: u64,
    /// `sim` | `serial:PATH:BAUD` | `usb:VID:PID` (keyboard mode) | `usb-hidpos:VID:PID`
    pub scanner: String,
    /// `sim` | `printer` (kicked through the receipt printer)
    pub drawer: String,
    /// `sim` | `usb:VID:PID` (MagTek-style HID swipe reader)
    pub msr: String,
    pub display: String,
}

impl Default for DevicesConfig {
    fn default() -> Self {
        DevicesConfig {
            card_reader: "sim".into(),
            printer: "sim".into(),
            paper_mm: 80,
            printer_flow: "none".into(),
            wait_secs: 10,
            scanner: "sim".into(),
            drawer: "sim".into(),
            msr: "sim".into(),
            display: "sim".into(),
        }
    }
}

impl DevicesConfig {
    /// The device registry's view of this section.
    pub fn registry(&self) -> pos_hal::device::DevicesConfig {
        pos_hal::device::DevicesConfig {
            card_reader: self.card_reader.clone(),
            printer: self.printer.clone(),
            scanner: self.scanner.clone(),
            drawer: self.drawer.clone(),
            msr: self.msr.clone(),
            display: self.display.clone(),
            ..pos_hal::device::DevicesConfig::default()
        }
    }

    /// The printing code's view of this section.
    pub fn printer_config(&self) -> Result<crate::printing::PrinterConfig, ConfigError> {
        let invalid = |e: &dyn std::fmt::Display| ConfigError::Invalid(format!("[devices]: {e}"));
        toml::Value::try_from(self)
            .map_err(|e| invalid(&e))?
            .try_into()
            .map_err(|e: toml::de::Error| invalid(&e.message()))
    }
}

/// The acquirer host link (defined with the link itself).
pub use crate::acquirer::config::AcquirerConfig;

/// The back-office link (defined with the sync worker).
pub use crate::sync::config::SyncConfig;

impl Config {
    /// Loads `pos.toml` from `data_dir` (absent = defaults) and applies `POS_*` overrides
    /// from `env` (pass `std::env::vars()`).
    pub fn load(
        data_dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        let shown = path.display().to_string();
        let file: toml::Table = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: shown.clone(),
                    message: e.message().to_string(),
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: shown,
                    source,
                });
            }
        };
        let mut merged = toml::Table::try_from(Config::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        merge(&mut merged, file);
        for (var, value) in env {
            apply_env(&mut merged, &var, &value)?;
        }
        let config: Config =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: shown,
                    message: e.message().to_string(),
                })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if self.lane.id.is_empty() || !self.lane.id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return bad(format!(
                "lane.id {:?} must be letters and digits",
                self.lane.id
            ));
        }
        if self.lane.cash_rounding <= Decimal::ZERO {
            return bad("lane.cash_rounding must be positive".into());
        }
        if self.lane.max_pin_attempts == 0 {
            return bad("lane.max_pin_attempts must be at least 1".into());
        }
        if !matches!(self.tax.mode.as_str(), "inclusive" | "exclusive") {
            return bad(format!(
                "tax.mode {:?} is not inclusive or exclusive",
                self.tax.mode
            ));
        }
        if !matches!(self.tax.rounding.as_str(), "line" | "document") {
            return bad(format!(
                "tax.rounding {:?} is not line or document",
                self.tax.rounding
            ));
        }
        Ok(())
    }

    /// A copy with secrets masked, for printing.
    pub fn masked(&self) -> Config {
        let mut shown = self.clone();
        if !shown.sync.lane_token.is_empty() {
            shown.sync.lane_token = "********".into();
        }
        shown.acquirer.initial_key = crate::acquirer::config::SecretHex("********".into());
        shown
    }

    /// The settings as TOML, secrets masked.
    pub fn to_display_toml(&self) -> String {
        toml::to_string_pretty(&self.masked()).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// `POS_ACQUIRER_TIMEOUT_MS=5000` sets `[acquirer] timeout_ms`; `POS_TAX_RATES_REDUCED=7`
/// sets `[tax.rates] reduced`. Variables naming no section (POS_DATA_DIR ...) are ignored.
fn apply_env(root: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let Some(rest) = var.strip_prefix("POS_") else {
        return Ok(());
    };
    let rest = rest.to_ascii_lowercase();
    let Some((section, key)) = rest.split_once('_') else {
        return Ok(());
    };
    let Some(toml::Value::Table(table)) = root.get_mut(section) else {
        return Ok(());
    };
    set_path(table, key, value).map_err(|message| ConfigError::Env {
        var: var.to_string(),
        message,
    })
}

fn set_path(table: &mut toml::Table, key: &str, value: &str) -> Result<(), String> {
    if let Some(existing) = table.get(key) {
        let typed = match existing {
            toml::Value::Integer(_) => value
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| format!("{value:?} is not an integer"))?,
            toml::Value::Boolean(_) => value
                .parse::<bool>()
                .map(toml::Value::Boolean)
                .map_err(|_| format!("{value:?} is not true or false"))?,
            _ => toml::Value::String(value.to_string()),
        };
        table.insert(key.to_string(), typed);
        return Ok(());
    }
    // A nested table whose name is a prefix of the key: `rates_reduced` -> rates.reduced.
    for (name, sub) in table.iter_mut() {
        if let (Some(rest), toml::Value::Table(sub)) = (key.strip_prefix(&format!("{name}_")), sub)
        {
            if sub.is_empty() || sub.values().all(|v| v.is_str()) {
                sub.insert(rest.to_string(), toml::Value::String(value.to_string()));
                return Ok(());
            }
            return set_path(sub, rest, value);
        }
    }
    // Unknown key: kept as a string for sections other helpers add.
    table.insert(key.to_string(), toml::Value::String(value.to_string()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn devices_section_feeds_the_registry_and_the_printer() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(
            dir.path(),
            env(&[
                ("POS_DEVICES_PRINTER", "tcp:127.0.0.1:9100"),
                ("POS_DEVICES_PAPER_MM", "58"),
                ("POS_DEVICES_PRINTER_FLOW", "hardware"),
            ]),
        )
        .unwrap();
        let printer = c.devices.printer_config().unwrap();
        assert_eq!(printer.printer, "tcp:127.0.0.1:9100");
        assert_eq!(printer.paper_mm, 58);
        assert_eq!(printer.printer_flow, pos_drivers::serial::Flow::Hardware);
        assert_eq!(c.devices.registry().printer, "tcp:127.0.0.1:9100");

        let bad = Config::load(dir.path(), env(&[("POS_DEVICES_PRINTER_FLOW", "sideways")]))
            .unwrap()
            .devices
            .printer_config();
        assert!(matches!(bad, Err(ConfigError::Invalid(_))), "{bad:?}");
    }

    #[test]
    fn printed_config_hides_the_dukpt_key() {
        let shown = Config::default().to_display_toml();
        assert!(!shown.contains(&Config::default().acquirer.initial_key.0));
        assert!(shown.contains("initial_key = \"********\""));
    }

    #[test]
    fn defaults_without_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(dir.path(), env(&[])).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn the_shipped_file_parses_to_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), DEFAULT_TOML).unwrap();
        assert_eq!(
            Config::load(dir.path(), env(&[])).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn env_overrides_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[acquirer]\naddress = \"10.0.0.1:1\"\n",
        )
        .unwrap();
        let c = Config::load(
            dir.path(),
            env(&[
                ("POS_ACQUIRER_ADDRESS", "127.0.0.1:9999"),
                ("POS_ACQUIRER_TIMEOUT_MS", "1500"),
                ("POS_TAX_RATES_REDUCED", "7"),
                ("POS_LANE_CASH_ROUNDING", "0.05"),
                ("POS_DATA_DIR", "/ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(c.acquirer.address, "127.0.0.1:9999");
        assert_eq!(c.acquirer.timeout_ms, 1500);
        assert_eq!(c.tax.rates["reduced"], Decimal::from(7));
        assert_eq!(c.lane.cash_rounding, Decimal::new(5, 2));
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = Config::load(dir.path(), env(&[("POS_ACQUIRER_TIMEOUT_MS", "soon")])).unwrap_err();
        assert!(matches!(e, ConfigError::Env { .. }), "{e}");
        std::fs::write(dir.path().join(CONFIG_FILE), "[lane\n").unwrap();
        assert!(matches!(
            Config::load(dir.path(), env(&[])),
            Err(ConfigError::Parse { .. })
        ));
    }
}
