//! The scan syntax a scanner or the CLI hands in (`CODE` or `CODE*QTY`) and what a code
//! points at: a GTIN, an in-store embedded barcode, or a SKU.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{BarcodeError, EmbeddedBarcode, EmbeddedRules, Gtin};

/// What a scanner or the CLI hands in: `CODE` or `CODE*QTY`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub code: String,
    /// Multiplier (`*3`) or weight (`*0.750`), when given.
    pub quantity: Option<Decimal>,
}

/// Largest quantity a scan may carry.
const MAX_SCAN_QUANTITY: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

impl Scan {
    /// Parses `CODE` or `CODE*QTY`; QTY is a positive decimal with at most 3 decimals.
    pub fn parse(text: &str) -> Result<Scan, BarcodeError> {
        let text = text.trim();
        let (code, quantity) = match text.split_once('*') {
            Some((code, qty)) => (code.trim(), Some(parse_quantity(qty)?)),
            None => (text, None),
        };
        if code.is_empty() {
            return Err(BarcodeError::Empty);
        }
        if code.len() > 64 || !code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(BarcodeError::BadCode(code.chars().take(24).collect()));
        }
        Ok(Scan {
            code: code.to_owned(),
            quantity,
        })
    }

    /// Classifies the code: an all-digit code of GTIN length must be a valid GTIN (a bad
    /// check digit is an error, not a SKU); in-store prefixes decode by `rules`; anything else
    /// is a SKU.
    pub fn target(&self, rules: &EmbeddedRules) -> Result<ScanTarget, BarcodeError> {
        let all_digits = self.code.chars().all(|c| c.is_ascii_digit());
        if !all_digits || !matches!(self.code.len(), 8 | 12 | 13 | 14) {
            return Ok(ScanTarget::Sku(self.code.clone()));
        }
        let gtin = Gtin::parse(&self.code)?;
        Ok(match rules.decode(&gtin)? {
            Some(embedded) => ScanTarget::Embedded(embedded),
            None => ScanTarget::Gtin(gtin),
        })
    }
}

/// Where a scan points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanTarget {
    Gtin(Gtin),
    Embedded(EmbeddedBarcode),
    Sku(String),
}

fn parse_quantity(text: &str) -> Result<Decimal, BarcodeError> {
    let bad = || BarcodeError::BadQuantity(text.chars().take(24).collect());
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let qty: Decimal = text.parse().map_err(|_| bad())?;
    if qty <= Decimal::ZERO || qty > MAX_SCAN_QUANTITY || qty.normalize().scale() > 3 {
        return Err(bad());
    }
    Ok(qty.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn scan_syntax() {
        assert_eq!(
            Scan::parse("4006381333931*3").unwrap(),
            Scan {
                code: "4006381333931".into(),
                quantity: Some(dec!(3))
            }
        );
        assert_eq!(Scan::parse(" SKU-1 ").unwrap().quantity, None);
        assert_eq!(Scan::parse("APL*0.750").unwrap().quantity, Some(dec!(0.75)));
        for bad in [
            "", "*2", "A*", "A*0", "A*-1", "A*1.2345", "A*x", "A*1e3", "A B", "A*999999",
        ] {
            assert!(Scan::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn scan_targets() {
        let rules = EmbeddedRules::common();
        let target = |s: &str| Scan::parse(s).unwrap().target(&rules);
        assert!(matches!(target("4006381333931"), Ok(ScanTarget::Gtin(_))));
        assert!(matches!(target("SKU-42"), Ok(ScanTarget::Sku(_))));
        assert!(matches!(target("123"), Ok(ScanTarget::Sku(_))));
        assert!(matches!(
            target("4006381333932"),
            Err(BarcodeError::BadCheckDigit { .. })
        ));
        let weighed = Gtin::ean13_with_check("250004201250").unwrap();
        assert!(matches!(
            target(weighed.as_str()),
            Ok(ScanTarget::Embedded(_))
        ));
    }
}
