//! Barcode scanners: what a scan is ([`ScanData`] with a [`Symbology`] hint), the scanner
//! trait, GS1 element strings ([`gs1`]) and the keyboard-wedge decoder that tells a scanner's
//! keystrokes apart from a person typing ([`wedge`]).

pub mod gs1;
pub mod wedge;

use std::time::Duration;

use super::{DeviceError, UposDevice};

/// The symbology a scan most likely came from. Scanners that send AIM symbology identifiers
/// (`]E0`, `]C1`, ...) give it exactly; otherwise it is guessed from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Symbology {
    Ean13,
    Ean8,
    UpcA,
    UpcE,
    Code128,
    /// Code 128 with FNC1 first: GS1 application identifiers follow.
    Gs1_128,
    Gs1DataBar,
    Code39,
    Qr,
    DataMatrix,
    Unknown,
}

/// One decoded scan. The data excludes the AIM identifier, prefix and suffix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScanData {
    pub data: String,
    pub symbology: Symbology,
}

impl ScanData {
    /// Builds a scan from what the scanner sent, taking an AIM identifier (ISO/IEC 15424) off
    /// the front when there is one.
    pub fn from_raw(raw: &str) -> Self {
        if let Some((symbology, rest)) = strip_aim(raw) {
            return Self {
                data: rest.to_string(),
                symbology,
            };
        }
        Self {
            data: raw.to_string(),
            symbology: guess(raw),
        }
    }
}

fn strip_aim(raw: &str) -> Option<(Symbology, &str)> {
    let id = raw.get(..3)?;
    let rest = &raw[3..];
    let symbology = match id {
        "]E0" if rest.len() == 12 => Symbology::UpcA,
        "]E0" => Symbology::Ean13,
        "]E4" => Symbology::Ean8,
        "]C0" => Symbology::Code128,
        "]C1" => Symbology::Gs1_128,
        "]e0" => Symbology::Gs1DataBar,
        "]A0" => Symbology::Code39,
        "]Q1" | "]Q3" => Symbology::Qr,
        "]d1" | "]d2" => Symbology::DataMatrix,
        _ => return None,
    };
    Some((symbology, rest))
}

fn guess(data: &str) -> Symbology {
    if !data.bytes().all(|b| b.is_ascii_digit()) {
        return if data.contains('\u{1d}') {
            Symbology::Gs1_128
        } else {
            Symbology::Unknown
        };
    }
    match data.len() {
        13 if gtin_check_ok(data) => Symbology::Ean13,
        12 if gtin_check_ok(data) => Symbology::UpcA,
        8 if gtin_check_ok(data) => Symbology::Ean8,
        6 => Symbology::UpcE,
        _ => Symbology::Unknown,
    }
}

/// GS1 mod-10 check digit over a whole GTIN (the last digit is the check digit).
pub fn gtin_check_ok(digits: &str) -> bool {
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if values.len() != digits.len() || values.len() < 2 {
        return false;
    }
    let (body, check) = values.split_at(values.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// A barcode scanner.
pub trait BarcodeScanner: UposDevice {
    /// Waits at most `timeout` for the next scan.
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanData>, DeviceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbology_from_aim_identifier_or_content() {
        assert_eq!(
            ScanData::from_raw("]E04006381333931").symbology,
            Symbology::Ean13
        );
        assert_eq!(ScanData::from_raw("]E04006381333931").data, "4006381333931");
        assert_eq!(
            ScanData::from_raw("4006381333931").symbology,
            Symbology::Ean13
        );
        assert_eq!(
            ScanData::from_raw("4006381333932").symbology,
            Symbology::Unknown
        );
        assert_eq!(
            ScanData::from_raw("036000291452").symbology,
            Symbology::UpcA
        );
        assert_eq!(ScanData::from_raw("96385074").symbology, Symbology::Ean8);
        assert_eq!(
            ScanData::from_raw("]C10101234567890128").symbology,
            Symbology::Gs1_128
        );
    }
}
