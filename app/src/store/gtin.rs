//! GTIN normalisation for the `items.gtin` column: EAN-8, UPC-A, EAN-13 and GTIN-14 with a
//! valid check digit, stored as 13 digits (14 for GTIN-14). UPC-E is expanded by the domain's
//! barcode parser before lookup; the catalog stores full-length codes only.

/// Why a code cannot be a catalog GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("barcode {0:?} contains characters other than digits")]
    NotDigits(String),
    #[error("barcode {code:?} has {len} digits; expected 8, 12, 13 or 14")]
    BadLength { code: String, len: usize },
    #[error("barcode {code:?} has check digit {found}, expected {expected}")]
    BadCheckDigit { code: String, found: u32, expected: u32 },
}

/// The GS1 mod-10 check digit of `body` (all digits but the last).
pub(crate) fn check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

/// Validates and normalises a scanned or imported code to the stored form.
pub fn normalise_gtin(code: &str) -> Result<String, GtinError> {
    let code = code.trim();
    let digits: Option<Vec<u32>> = code.chars().map(|c| c.to_digit(10)).collect();
    let digits = digits.ok_or_else(|| GtinError::NotDigits(code.to_string()))?;
    if !matches!(digits.len(), 8 | 12 | 13 | 14) {
        return Err(GtinError::BadLength { code: code.to_string(), len: digits.len() });
    }
    let (body, last) = digits.split_at(digits.len() - 1);
    let expected = check_digit(body);
    if last[0] != expected {
        return Err(GtinError::BadCheckDigit { code: code.to_string(), found: last[0], expected });
    }
    Ok(if code.len() < 13 { format!("{code:0>13}") } else { code.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_examples() {
        // GS1 General Specifications, check digit calculation example: 629104150021 -> 3.
        assert_eq!(normalise_gtin("6291041500213").unwrap(), "6291041500213");
        // EAN-8 and UPC-A are padded to 13 digits.
        assert_eq!(normalise_gtin("96385074").unwrap(), "0000096385074");
        assert_eq!(normalise_gtin("036000291452").unwrap(), "0036000291452");
    }

    #[test]
    fn refuses_bad_codes() {
        assert!(matches!(normalise_gtin("6291041500214"), Err(GtinError::BadCheckDigit { .. })));
        assert!(matches!(normalise_gtin("12ab"), Err(GtinError::NotDigits(_))));
        assert!(matches!(normalise_gtin("12345"), Err(GtinError::BadLength { .. })));
    }
}
