//! Barcodes: GTIN check digits (EAN-13, EAN-8, UPC-A, UPC-E, GTIN-14) and normalisation for
//! lookup here; price- or weight-embedded EAN-13 (prefixes 20-29) in `embedded.rs`; the
//! `CODE*QTY` scan syntax in `scan.rs`.
//!
//! Check digits follow the GS1 General Specifications, section 7.9 (GTIN mod-10 check digit,
//! section 7.9.1; price/weight verifier digits, section 7.9.3).

mod embedded;
mod scan;

pub use embedded::{
    EmbeddedBarcode, EmbeddedKind, EmbeddedRule, EmbeddedRules, EmbeddedValue, price_check_digit,
};
pub use scan::{Scan, ScanTarget};

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a barcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("barcode is empty")]
    Empty,
    #[error("barcode contains a character that is not a digit at position {position}")]
    NotDigits { position: usize },
    #[error("barcode has {len} digits; expected {expected}")]
    WrongLength { len: usize, expected: &'static str },
    #[error("bad check digit in {code}: expected {expected}, found {found}")]
    BadCheckDigit {
        code: String,
        expected: u8,
        found: u8,
    },
    #[error("UPC-E number system must be 0 or 1, found {0}")]
    UpcENumberSystem(u8),
    #[error("bad price/weight verifier digit in {code}: expected {expected}, found {found}")]
    BadPriceCheckDigit {
        code: String,
        expected: u8,
        found: u8,
    },
    #[error("embedded-barcode rule for prefix {prefix} is invalid: {reason}")]
    BadRule { prefix: u8, reason: &'static str },
    #[error("quantity {0:?} is not a positive number")]
    BadQuantity(String),
    #[error("code {0:?} is not a barcode nor a SKU")]
    BadCode(String),
}

/// The symbology a GTIN was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GtinKind {
    Ean8,
    UpcE,
    UpcA,
    Ean13,
    Gtin14,
}

/// A validated GTIN, kept in its normalised lookup form: 13 digits (EAN-13; UPC-A and EAN-8
/// left-padded with zeros, UPC-E expanded first), or 14 digits when the GTIN-14 indicator digit
/// is not zero. Two scans of the same product always give equal `Gtin`s.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gtin {
    normalised: String,
}

impl Gtin {
    /// Parses EAN-8 (8 digits), UPC-A (12), EAN-13 (13) or GTIN-14 (14) and checks the check
    /// digit. Eight digits are read as EAN-8; use [`Gtin::parse_upc_e`] for UPC-E.
    pub fn parse(code: &str) -> Result<Gtin, BarcodeError> {
        let digits = digits_of(code)?;
        match digits.len() {
            8 | 12 | 13 | 14 => {
                verify_check_digit(&digits)?;
                Ok(Gtin::from_valid_digits(&digits))
            }
            len => Err(BarcodeError::WrongLength {
                len,
                expected: "8, 12, 13 or 14",
            }),
        }
    }

    /// Parses a UPC-E code: 8 digits (number system 0/1, six data digits, check digit), or
    /// the six data digits alone (number system 0, check digit computed). Expands to UPC-A.
    pub fn parse_upc_e(code: &str) -> Result<Gtin, BarcodeError> {
        let digits = digits_of(code)?;
        let (number_system, body, check) = match digits.as_slice() {
            [ns, body @ .., check] if digits.len() == 8 => (*ns, body, Some(*check)),
            body if digits.len() == 6 => (0, body, None),
            _ => {
                return Err(BarcodeError::WrongLength {
                    len: digits.len(),
                    expected: "6 or 8 (UPC-E)",
                });
            }
        };
        if number_system > 1 {
            return Err(BarcodeError::UpcENumberSystem(number_system));
        }
        let mut upc_a = expand_upc_e(number_system, body);
        let expected = check_digit(&upc_a);
        if let Some(found) = check
            && found != expected
        {
            return Err(BarcodeError::BadCheckDigit {
                code: render(&digits),
                expected,
                found,
            });
        }
        upc_a.push(expected);
        Ok(Gtin::from_valid_digits(&upc_a))
    }

    /// Parses in a known symbology (e.g. told by the scanner's symbology identifier).
    pub fn parse_as(code: &str, kind: GtinKind) -> Result<Gtin, BarcodeError> {
        if kind == GtinKind::UpcE {
            return Gtin::parse_upc_e(code);
        }
        let expected_len = match kind {
            GtinKind::Ean8 => 8,
            GtinKind::UpcA => 12,
            GtinKind::Ean13 => 13,
            GtinKind::Gtin14 | GtinKind::UpcE => 14,
        };
        let len = digits_of(code)?.len();
        if len != expected_len {
            return Err(BarcodeError::WrongLength {
                len,
                expected: kind_len_name(kind),
            });
        }
        Gtin::parse(code)
    }

    /// Builds a GTIN-13 from its first 12 digits, computing the check digit.
    pub fn ean13_with_check(first12: &str) -> Result<Gtin, BarcodeError> {
        let mut digits = digits_of(first12)?;
        if digits.len() != 12 {
            return Err(BarcodeError::WrongLength {
                len: digits.len(),
                expected: "12 (EAN-13 without check digit)",
            });
        }
        digits.push(check_digit(&digits));
        Ok(Gtin::from_valid_digits(&digits))
    }

    /// The normalised form (13 or 14 digits): the key stored in `items.gtin`.
    pub fn as_str(&self) -> &str {
        &self.normalised
    }

    /// The check digit.
    pub fn check_digit(&self) -> u8 {
        self.normalised
            .as_bytes()
            .last()
            .map_or(0, |b| b.saturating_sub(b'0'))
    }

    /// The GTIN-14 form (always 14 digits).
    pub fn to_gtin14(&self) -> String {
        format!("{:0>14}", self.normalised)
    }

    /// True for an EAN-13 in the in-store range 20-29 (variable measure / restricted
    /// circulation), whose digits may carry a price or weight.
    pub fn is_in_store(&self) -> bool {
        self.normalised.len() == 13 && self.normalised.starts_with('2')
    }

    fn from_valid_digits(digits: &[u8]) -> Gtin {
        let full = render(digits);
        // Leading zeros carry no information: EAN-8, UPC-A and EAN-13 of the same number match.
        let stripped = full.trim_start_matches('0');
        let width = if stripped.len() > 13 { 14 } else { 13 };
        Gtin {
            normalised: format!("{stripped:0>width$}"),
        }
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.normalised)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalised)
    }
}

impl std::str::FromStr for Gtin {
    type Err = BarcodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gtin::parse(s)
    }
}

impl TryFrom<String> for Gtin {
    type Error = BarcodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Gtin::parse(&s)
    }
}

impl From<Gtin> for String {
    fn from(g: Gtin) -> String {
        g.normalised
    }
}

fn kind_len_name(kind: GtinKind) -> &'static str {
    match kind {
        GtinKind::Ean8 => "8 (EAN-8)",
        GtinKind::UpcE => "6 or 8 (UPC-E)",
        GtinKind::UpcA => "12 (UPC-A)",
        GtinKind::Ean13 => "13 (EAN-13)",
        GtinKind::Gtin14 => "14 (GTIN-14)",
    }
}

/// Digits of `code` (blanks around it ignored), as values 0-9.
fn digits_of(code: &str) -> Result<Vec<u8>, BarcodeError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(BarcodeError::Empty);
    }
    if code.len() > 64 {
        return Err(BarcodeError::WrongLength {
            len: code.len(),
            expected: "at most 14",
        });
    }
    code.chars()
        .enumerate()
        .map(|(position, c)| {
            c.to_digit(10)
                .and_then(|d| u8::try_from(d).ok())
                .filter(|_| c.is_ascii_digit())
                .ok_or(BarcodeError::NotDigits { position })
        })
        .collect()
}

fn render(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// GS1 mod-10 check digit of `body` (all digits but the check digit): weights 3,1,3,...
/// from the rightmost digit.
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    // `sum % 10` is below 10, so the cast cannot truncate.
    ((10 - sum % 10) % 10) as u8
}

fn verify_check_digit(digits: &[u8]) -> Result<(), BarcodeError> {
    let Some((&found, body)) = digits.split_last() else {
        return Err(BarcodeError::Empty);
    };
    let expected = check_digit(body);
    if found == expected {
        Ok(())
    } else {
        Err(BarcodeError::BadCheckDigit {
            code: render(digits),
            expected,
            found,
        })
    }
}

/// UPC-E data digits to the 11 UPC-A digits before the check digit (GS1 Gen. Specs 5.2.2.4.2).
fn expand_upc_e(number_system: u8, body: &[u8]) -> Vec<u8> {
    let d = |i: usize| body.get(i).copied().unwrap_or(0);
    let (manufacturer, product): ([u8; 5], [u8; 5]) = match d(5) {
        0..=2 => ([d(0), d(1), d(5), 0, 0], [0, 0, d(2), d(3), d(4)]),
        3 => ([d(0), d(1), d(2), 0, 0], [0, 0, 0, d(3), d(4)]),
        4 => ([d(0), d(1), d(2), d(3), 0], [0, 0, 0, 0, d(4)]),
        _ => ([d(0), d(1), d(2), d(3), d(4)], [0, 0, 0, 0, d(5)]),
    };
    let mut out = Vec::with_capacity(12);
    out.push(number_system);
    out.extend_from_slice(&manufacturer);
    out.extend_from_slice(&product);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published examples: EAN-13 4006381333931 (Wikipedia "International Article Number"),
    // UPC-A 036000291452 (Wikipedia "Universal Product Code"), EAN-8 96385074 (Wikipedia
    // "EAN-8"), GTIN-13 6291041500213 (GS1 "How to calculate a check digit manually").
    #[test]
    fn published_gtins_validate() {
        for (code, normalised) in [
            ("4006381333931", "4006381333931"),
            ("036000291452", "0036000291452"),
            ("96385074", "0000096385074"),
            ("6291041500213", "6291041500213"),
            ("10036000291459", "10036000291459"),
        ] {
            assert_eq!(Gtin::parse(code).unwrap().as_str(), normalised, "{code}");
        }
    }

    #[test]
    fn same_product_same_key_whatever_the_symbology() {
        let upc_a = Gtin::parse("036000291452").unwrap();
        let ean13 = Gtin::parse("0036000291452").unwrap();
        let gtin14 = Gtin::parse("00036000291452").unwrap();
        assert_eq!(upc_a, ean13);
        assert_eq!(ean13, gtin14);
        assert_eq!(gtin14.to_gtin14(), "00036000291452");
    }

    #[test]
    fn malformed_barcodes_are_typed_errors() {
        assert_eq!(Gtin::parse(""), Err(BarcodeError::Empty));
        assert_eq!(
            Gtin::parse("40063813339X1"),
            Err(BarcodeError::NotDigits { position: 11 })
        );
        assert!(matches!(
            Gtin::parse("1234567"),
            Err(BarcodeError::WrongLength { len: 7, .. })
        ));
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(BarcodeError::BadCheckDigit {
                code: "4006381333932".into(),
                expected: 1,
                found: 2
            })
        );
        // Unicode digits are not barcode digits.
        assert!(matches!(
            Gtin::parse("٤006381333931"),
            Err(BarcodeError::NotDigits { position: 0 })
        ));
    }

    // UPC-E expansion cases from the GS1 General Specifications zero-suppression table,
    // one per last-digit group; the UPC-A check digit was recomputed by hand.
    #[test]
    fn upc_e_expands_to_upc_a() {
        for (upc_e, upc_a) in [
            ("01234565", "0012345000065"), // last digit 5-9
            ("01234531", "0012300000451"), // last digit 3
            ("01234543", "0012340000053"), // last digit 4
            ("01234505", "0012000003455"), // last digit 0-2
            ("11234562", "0112345000062"), // number system 1
        ] {
            let gtin = Gtin::parse_upc_e(upc_e).unwrap();
            assert_eq!(gtin.as_str(), upc_a, "{upc_e}");
            assert_eq!(Gtin::parse(&upc_a[1..]).unwrap(), gtin);
        }
        assert_eq!(
            Gtin::parse_upc_e("123456").unwrap().as_str(),
            "0012345000065"
        );
        assert!(matches!(
            Gtin::parse_upc_e("01234566"),
            Err(BarcodeError::BadCheckDigit { .. })
        ));
        assert_eq!(
            Gtin::parse_upc_e("21234565"),
            Err(BarcodeError::UpcENumberSystem(2))
        );
        assert_eq!(
            Gtin::parse_as("01234565", GtinKind::UpcE).unwrap(),
            Gtin::parse("012345000065").unwrap()
        );
        assert!(Gtin::parse_as("4006381333931", GtinKind::UpcA).is_err());
    }

    #[test]
    fn gtin_serde_validates() {
        let g: Gtin = serde_json::from_str("\"036000291452\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"0036000291452\"");
        assert!(serde_json::from_str::<Gtin>("\"036000291453\"").is_err());
    }
}
