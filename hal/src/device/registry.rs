//! The device registry: which logical device is reached through which driver and transport,
//! built from the `[devices]` section of the configuration.
//!
//! Plain data only: the app looks a spec up here and asks the drivers crate to build it, so
//! hal never names a driver type.

use std::collections::BTreeMap;
use std::fmt;

/// What kind of device a logical name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceCategory {
    CardReader,
    ReceiptPrinter,
    BarcodeScanner,
    CashDrawer,
    MagStripeReader,
    LineDisplay,
}

impl DeviceCategory {
    /// The `[devices]` key that configures this category.
    pub fn config_key(self) -> &'static str {
        match self {
            DeviceCategory::CardReader => "card_reader",
            DeviceCategory::ReceiptPrinter => "printer",
            DeviceCategory::BarcodeScanner => "scanner",
            DeviceCategory::CashDrawer => "drawer",
            DeviceCategory::MagStripeReader => "msr",
            DeviceCategory::LineDisplay => "display",
        }
    }
}

/// How a device is reached. Parsed from strings such as `sim`, `pcsc:Virtual PCD`,
/// `tcp:192.168.1.50:9100`, `serial:/dev/ttyUSB0:19200`, `usb:04b8:0202[,0519:0003...]`,
/// `usb-hidpos:0c2e:0b61` (the same forms the printer, scanner and MSR code accepts).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum Transport {
    /// An in-process simulator.
    Sim,
    /// A PC/SC reader whose name contains `reader` (any reader when empty).
    Pcsc {
        reader: String,
    },
    Tcp {
        host: String,
        port: u16,
    },
    Serial {
        path: String,
        baud: u32,
    },
    /// Any of these USB vendor:product ids (firmware modes change the product id).
    Usb {
        ids: Vec<(u16, u16)>,
    },
    /// A scanner in USB HID POS mode (HID POS usage tables), any of these ids.
    UsbHidPos {
        ids: Vec<(u16, u16)>,
    },
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Sim => f.write_str("sim"),
            Transport::Pcsc { reader } => write!(f, "pcsc:{reader}"),
            Transport::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
            Transport::Serial { path, baud } => write!(f, "serial:{path}:{baud}"),
            Transport::Usb { ids } => write!(f, "usb:{}", usb_ids_text(ids)),
            Transport::UsbHidPos { ids } => write!(f, "usb-hidpos:{}", usb_ids_text(ids)),
        }
    }
}

fn usb_ids_text(ids: &[(u16, u16)]) -> String {
    let parts: Vec<String> = ids
        .iter()
        .map(|(v, p)| format!("{v:04x}:{p:04x}"))
        .collect();
    parts.join(",")
}

/// A `[devices]` value that cannot name a transport.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "devices.{key}: unknown transport {value:?} (expected sim, pcsc:, tcp:, serial: or usb:)"
    )]
    UnknownTransport { key: String, value: String },
    #[error("devices.{key}: {value:?} is malformed: {reason}")]
    Malformed {
        key: String,
        value: String,
        reason: &'static str,
    },
    #[error("devices.{key}: transport {transport} cannot reach a {category:?}")]
    Unsupported {
        key: String,
        transport: String,
        category: DeviceCategory,
    },
}

impl Transport {
    /// Parses one `[devices]` value; `key` only labels the error.
    pub fn parse(key: &str, value: &str) -> Result<Transport, RegistryError> {
        let malformed = |reason| RegistryError::Malformed {
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        };
        let value_trimmed = value.trim();
        if value_trimmed == "sim" {
            return Ok(Transport::Sim);
        }
        let Some((scheme, rest)) = value_trimmed.split_once(':') else {
            return Err(RegistryError::UnknownTransport {
                key: key.to_owned(),
                value: value.to_owned(),
            });
        };
        match scheme {
            "pcsc" => Ok(Transport::Pcsc {
                reader: rest.to_owned(),
            }),
            "tcp" => {
                let (host, port) = rest
                    .rsplit_once(':')
                    .ok_or_else(|| malformed("expected HOST:PORT"))?;
                let port = port
                    .parse()
                    .map_err(|_| malformed("port is not a number 0-65535"))?;
                if host.is_empty() {
                    return Err(malformed("host is empty"));
                }
                Ok(Transport::Tcp {
                    host: host.to_owned(),
                    port,
                })
            }
            "serial" => {
                let (path, baud) = rest
                    .rsplit_once(':')
                    .ok_or_else(|| malformed("expected PATH:BAUD"))?;
                let baud = baud
                    .parse()
                    .map_err(|_| malformed("baud rate is not a number"))?;
                if path.is_empty() {
                    return Err(malformed("path is empty"));
                }
                Ok(Transport::Serial {
                    path: path.to_owned(),
                    baud,
                })
            }
            "usb" | "usb-hidpos" => {
                let mut ids = Vec::new();
                for pair in rest.split(',') {
                    let (vid, pid) = pair
                        .split_once(':')
                        .ok_or_else(|| malformed("expected VID:PID"))?;
                    let hex16 = |s: &str| {
                        u16::from_str_radix(s, 16)
                            .map_err(|_| malformed("VID and PID are 4 hex digits"))
                    };
                    ids.push((hex16(vid)?, hex16(pid)?));
                }
                Ok(if scheme == "usb" {
                    Transport::Usb { ids }
                } else {
                    Transport::UsbHidPos { ids }
                })
            }
            _ => Err(RegistryError::UnknownTransport {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
        }
    }

    fn can_reach(&self, category: DeviceCategory) -> bool {
        match self {
            Transport::Sim | Transport::Usb { .. } | Transport::Serial { .. } => true,
            Transport::UsbHidPos { .. } => category == DeviceCategory::BarcodeScanner,
            Transport::Pcsc { .. } => category == DeviceCategory::CardReader,
            Transport::Tcp { .. } => category == DeviceCategory::ReceiptPrinter,
        }
    }
}

/// One configured device: logical name, category, transport, and free-form driver settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceSpec {
    /// Logical name used in logs and errors, e.g. `card_reader`.
    pub name: String,
    pub category: DeviceCategory,
    pub transport: Transport,
    /// Driver-specific settings (e.g. a printer's code page), passed through untouched.
    pub settings: BTreeMap<String, String>,
}

/// The `[devices]` section of `pos.toml`. Every device defaults to its simulator.
///
/// Other keys of the section (the printer's paper width, flow control, ...) belong to the
/// code that reads them and are ignored here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DevicesConfig {
    pub card_reader: String,
    pub printer: String,
    pub scanner: String,
    pub drawer: String,
    pub msr: String,
    pub display: String,
    /// Extra settings per logical name, e.g. `[devices.settings.printer] codepage = "cp858"`.
    pub settings: BTreeMap<String, BTreeMap<String, String>>,
}

impl Default for DevicesConfig {
    fn default() -> Self {
        let sim = || "sim".to_owned();
        Self {
            card_reader: sim(),
            printer: sim(),
            scanner: sim(),
            drawer: sim(),
            msr: sim(),
            display: sim(),
            settings: BTreeMap::new(),
        }
    }
}

/// Every configured device, looked up by logical name or category.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeviceRegistry {
    devices: Vec<DeviceSpec>,
}

impl DeviceRegistry {
    /// Builds the registry, refusing values that name no transport or a transport that
    /// cannot reach the category (e.g. a PC/SC printer).
    pub fn from_config(config: &DevicesConfig) -> Result<Self, RegistryError> {
        let entries = [
            (DeviceCategory::CardReader, &config.card_reader),
            (DeviceCategory::ReceiptPrinter, &config.printer),
            (DeviceCategory::BarcodeScanner, &config.scanner),
            (DeviceCategory::CashDrawer, &config.drawer),
            (DeviceCategory::MagStripeReader, &config.msr),
            (DeviceCategory::LineDisplay, &config.display),
        ];
        let mut devices = Vec::with_capacity(entries.len());
        for (category, value) in entries {
            let key = category.config_key();
            let transport = Transport::parse(key, value)?;
            if !transport.can_reach(category) {
                return Err(RegistryError::Unsupported {
                    key: key.to_owned(),
                    transport: transport.to_string(),
                    category,
                });
            }
            devices.push(DeviceSpec {
                name: key.to_owned(),
                category,
                transport,
                settings: config.settings.get(key).cloned().unwrap_or_default(),
            });
        }
        Ok(Self { devices })
    }

    pub fn get(&self, name: &str) -> Option<&DeviceSpec> {
        self.devices.iter().find(|d| d.name == name)
    }

    pub fn by_category(&self, category: DeviceCategory) -> impl Iterator<Item = &DeviceSpec> {
        self.devices.iter().filter(move |d| d.category == category)
    }

    pub fn iter(&self) -> impl Iterator<Item = &DeviceSpec> {
        self.devices.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_transport_form() {
        assert_eq!(Transport::parse("k", "sim").unwrap(), Transport::Sim);
        assert_eq!(
            Transport::parse("k", "pcsc:Virtual PCD").unwrap(),
            Transport::Pcsc {
                reader: "Virtual PCD".into()
            }
        );
        assert_eq!(
            Transport::parse("k", "tcp:10.0.0.5:9100").unwrap(),
            Transport::Tcp {
                host: "10.0.0.5".into(),
                port: 9100
            }
        );
        assert_eq!(
            Transport::parse("k", "serial:/dev/ttyUSB0:19200").unwrap(),
            Transport::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: 19200
            }
        );
        assert_eq!(
            Transport::parse("k", "usb:04b8:0202").unwrap(),
            Transport::Usb {
                ids: vec![(0x04b8, 0x0202)]
            }
        );
        let hidpos = Transport::parse("k", "usb-hidpos:0c2e:0b61,05e0:1200").unwrap();
        assert_eq!(
            hidpos,
            Transport::UsbHidPos {
                ids: vec![(0x0c2e, 0x0b61), (0x05e0, 0x1200)]
            }
        );
        assert_eq!(hidpos.to_string(), "usb-hidpos:0c2e:0b61,05e0:1200");
    }

    #[test]
    fn refuses_malformed_values_with_the_key() {
        let err = Transport::parse("printer", "tcp:host:99999").unwrap_err();
        assert!(matches!(err, RegistryError::Malformed { .. }));
        assert!(err.to_string().contains("devices.printer"));
        assert!(matches!(
            Transport::parse("printer", "bluetooth:x").unwrap_err(),
            RegistryError::UnknownTransport { .. }
        ));
        assert!(Transport::parse("printer", "usb:04b8").is_err());
        assert!(Transport::parse("printer", "usb:zzzz:0202").is_err());
    }

    #[test]
    fn registry_maps_names_to_transports_and_rejects_impossible_pairs() {
        let mut config = DevicesConfig {
            card_reader: "pcsc:Virtual".into(),
            ..Default::default()
        };
        config.settings.insert(
            "printer".into(),
            [("codepage".into(), "cp858".into())].into(),
        );
        let registry = DeviceRegistry::from_config(&config).unwrap();
        let reader = registry.get("card_reader").unwrap();
        assert_eq!(
            reader.transport,
            Transport::Pcsc {
                reader: "Virtual".into()
            }
        );
        assert_eq!(
            registry.get("printer").unwrap().settings["codepage"],
            "cp858"
        );
        assert_eq!(registry.by_category(DeviceCategory::CashDrawer).count(), 1);

        let bad = DevicesConfig {
            printer: "pcsc:x".into(),
            ..Default::default()
        };
        assert!(matches!(
            DeviceRegistry::from_config(&bad).unwrap_err(),
            RegistryError::Unsupported {
                category: DeviceCategory::ReceiptPrinter,
                ..
            }
        ));
    }

    #[test]
    fn config_section_deserializes_with_defaults() {
        // The printer's own keys share the section and are ignored here.
        let config: DevicesConfig = toml_like(r#"{"card_reader":"pcsc:","paper_mm":58}"#);
        assert_eq!(config.card_reader, "pcsc:");
        assert_eq!(config.printer, "sim");
    }

    fn toml_like(json: &str) -> DevicesConfig {
        serde_json::from_str(json).unwrap()
    }
}
