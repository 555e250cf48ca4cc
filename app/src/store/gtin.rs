//! GTIN normalisation for the `items.gtin` column, delegated to the domain's barcode rules
//! so that the store and a scan always agree on the key.

use crate::domain::barcode::{BarcodeError, Gtin};

/// Why a code cannot be a catalog GTIN.
pub type GtinError = BarcodeError;

/// Validates (check digit included) and normalises a code to the stored form.
pub fn normalise_gtin(code: &str) -> Result<String, GtinError> {
    Gtin::parse(code.trim()).map(|g| g.as_str().to_string())
}

/// An EAN-13 from a 12-digit body.
pub(crate) fn ean13(body: u64) -> Result<String, GtinError> {
    Gtin::ean13_with_check(&format!("{:012}", body % 1_000_000_000_000))
        .map(|g| g.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_examples() {
        // GS1 "How to calculate a check digit manually": 629104150021 -> 3.
        assert_eq!(normalise_gtin("6291041500213").unwrap(), "6291041500213");
        // EAN-8 96385074 (Wikipedia "EAN-8") and UPC-A 036000291452 (Wikipedia "Universal
        // Product Code") are padded to 13 digits.
        assert_eq!(normalise_gtin("96385074").unwrap(), "0000096385074");
        assert_eq!(normalise_gtin("036000291452").unwrap(), "0036000291452");
    }

    #[test]
    fn refuses_bad_codes() {
        assert!(normalise_gtin("6291041500214").is_err());
        assert!(normalise_gtin("12ab").is_err());
        assert!(normalise_gtin("12345").is_err());
    }
}
