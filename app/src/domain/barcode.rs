//! Barcodes: GTIN check digits (EAN-13, EAN-8, UPC-A, UPC-E, GTIN-14), normalisation for
//! lookup, price- or weight-embedded EAN-13 (prefixes 20-29) and the `CODE*QTY` scan syntax.
//!
//! Check digits follow the GS1 General Specifications, section 7.9 (GTIN mod-10 check digit,
//! section 7.9.1; price/weight verifier digits, section 7.9.3).

use std::fmt;

use rust_decimal::Decimal;
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

/// Price/weight verifier digit of a 4- or 5-digit field (GS1 Gen. Specs 7.9.3). `None` for
/// other lengths.
pub fn price_check_digit(field: &[u8]) -> Option<u8> {
    // Weighting tables, indexed by digit.
    const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
    const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
    const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
    const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
    let weigh =
        |table: &[u8; 10], d: u8| u32::from(table.get(usize::from(d)).copied().unwrap_or(0));
    match field {
        [a, b, c, d] => {
            let sum = weigh(&TWO_MINUS, *a)
                + weigh(&TWO_MINUS, *b)
                + weigh(&THREE, *c)
                + weigh(&FIVE_MINUS, *d);
            u8::try_from((sum * 3) % 10).ok()
        }
        [a, b, c, d, e] => {
            let sum = weigh(&FIVE_PLUS, *a)
                + weigh(&TWO_MINUS, *b)
                + weigh(&FIVE_MINUS, *c)
                + weigh(&FIVE_PLUS, *d)
                + weigh(&TWO_MINUS, *e);
            let target = u8::try_from((10 - sum % 10) % 10).ok()?;
            // The verifier is the digit whose 5- weighted product equals the target.
            FIVE_MINUS
                .iter()
                .position(|&p| p == target)
                .and_then(|p| u8::try_from(p).ok())
        }
        _ => None,
    }
}

/// What an in-store EAN-13 carries in its value field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddedKind {
    /// A price with `decimals` implied decimals (2 for cents).
    Price,
    /// A weight in kg with `decimals` implied decimals (3 for grams).
    Weight,
}

/// How to read EAN-13s with one in-store prefix (20-29):
/// `PP` + `item_digits` item code + optional verifier digit + `value_digits` value + check.
/// The common `2x IIIII V PPPP C` layout is `item_digits: 5, verifier: true, value_digits: 4`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedRule {
    pub prefix: u8,
    pub kind: EmbeddedKind,
    pub item_digits: u8,
    pub value_digits: u8,
    /// The value field is preceded by a GS1 price/weight verifier digit.
    #[serde(default)]
    pub verifier: bool,
    /// Implied decimals of the value (2: minor units of EUR; 3: grams as kg).
    pub decimals: u32,
}

impl EmbeddedRule {
    /// `2x IIIII V PPPP C`: price in cents with a verifier digit.
    pub fn price_with_verifier(prefix: u8) -> EmbeddedRule {
        EmbeddedRule {
            prefix,
            kind: EmbeddedKind::Price,
            item_digits: 5,
            value_digits: 4,
            verifier: true,
            decimals: 2,
        }
    }

    /// `2x IIIII PPPPP C`: price in cents, no verifier.
    pub fn price(prefix: u8) -> EmbeddedRule {
        EmbeddedRule {
            prefix,
            kind: EmbeddedKind::Price,
            item_digits: 5,
            value_digits: 5,
            verifier: false,
            decimals: 2,
        }
    }

    /// `2x IIIII WWWWW C`: weight in grams, no verifier.
    pub fn weight_grams(prefix: u8) -> EmbeddedRule {
        EmbeddedRule {
            prefix,
            kind: EmbeddedKind::Weight,
            item_digits: 5,
            value_digits: 5,
            verifier: false,
            decimals: 3,
        }
    }

    /// Checks the layout adds up to 13 digits and the prefix is in 20-29.
    pub fn validate(&self) -> Result<(), BarcodeError> {
        let bad = |reason| BarcodeError::BadRule {
            prefix: self.prefix,
            reason,
        };
        if !(20..=29).contains(&self.prefix) {
            return Err(bad("prefix must be 20-29"));
        }
        let used =
            u32::from(self.item_digits) + u32::from(self.value_digits) + u32::from(self.verifier);
        if used != 10 {
            return Err(bad("item digits + verifier + value digits must be 10"));
        }
        if self.item_digits == 0 || self.value_digits == 0 {
            return Err(bad("item and value fields must not be empty"));
        }
        if self.verifier && !(4..=5).contains(&self.value_digits) {
            return Err(bad("a verifier digit needs a 4- or 5-digit value"));
        }
        if self.decimals > 6 {
            return Err(bad("at most 6 implied decimals"));
        }
        Ok(())
    }
}

/// The value an in-store barcode carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum EmbeddedValue {
    Price(Decimal),
    /// Kilograms.
    Weight(Decimal),
}

/// An in-store EAN-13 decoded by its rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedBarcode {
    /// The code as scanned (normalised).
    pub scanned: Gtin,
    /// The catalogue key: the same code with verifier and value zeroed and the check digit
    /// recomputed, e.g. `2012345000008` for every price of item `12345` under prefix 20.
    pub lookup: Gtin,
    /// The item code digits (without prefix).
    pub item_code: String,
    pub value: EmbeddedValue,
}

/// The in-store rules in force, one per prefix. In configuration it is a plain list of
/// rules, validated when loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<EmbeddedRule>", into = "Vec<EmbeddedRule>")]
pub struct EmbeddedRules {
    rules: Vec<EmbeddedRule>,
}

impl Default for EmbeddedRules {
    fn default() -> Self {
        EmbeddedRules::common()
    }
}

impl TryFrom<Vec<EmbeddedRule>> for EmbeddedRules {
    type Error = BarcodeError;
    fn try_from(rules: Vec<EmbeddedRule>) -> Result<Self, Self::Error> {
        EmbeddedRules::new(rules)
    }
}

impl From<EmbeddedRules> for Vec<EmbeddedRule> {
    fn from(r: EmbeddedRules) -> Self {
        r.rules
    }
}

impl EmbeddedRules {
    /// Validates every rule and refuses two rules for one prefix.
    pub fn new(rules: Vec<EmbeddedRule>) -> Result<EmbeddedRules, BarcodeError> {
        for (i, rule) in rules.iter().enumerate() {
            rule.validate()?;
            if rules.iter().skip(i + 1).any(|r| r.prefix == rule.prefix) {
                return Err(BarcodeError::BadRule {
                    prefix: rule.prefix,
                    reason: "two rules for one prefix",
                });
            }
        }
        Ok(EmbeddedRules { rules })
    }

    /// The default setup: 20 price with verifier (`20 IIIII V PPPP C`), 21 weight in grams
    /// (`21 IIIII WWWWW C`, as the demo catalogue's scale labels), 22-24 price in cents,
    /// 25-29 weight in grams.
    pub fn common() -> EmbeddedRules {
        let mut rules = vec![
            EmbeddedRule::price_with_verifier(20),
            EmbeddedRule::weight_grams(21),
        ];
        rules.extend((22..=24).map(EmbeddedRule::price));
        rules.extend((25..=29).map(EmbeddedRule::weight_grams));
        EmbeddedRules { rules }
    }

    /// The rules, one per prefix.
    pub fn rules(&self) -> &[EmbeddedRule] {
        &self.rules
    }

    /// The rule for a GTIN's prefix, if it is an in-store EAN-13 with a rule.
    pub fn rule_for(&self, gtin: &Gtin) -> Option<&EmbeddedRule> {
        if !gtin.is_in_store() {
            return None;
        }
        let prefix: u8 = gtin.as_str().get(..2)?.parse().ok()?;
        self.rules.iter().find(|r| r.prefix == prefix)
    }

    /// Decodes `gtin` if a rule covers its prefix; `Ok(None)` for ordinary GTINs.
    pub fn decode(&self, gtin: &Gtin) -> Result<Option<EmbeddedBarcode>, BarcodeError> {
        let Some(rule) = self.rule_for(gtin) else {
            return Ok(None);
        };
        rule.validate()?;
        let digits = digits_of(gtin.as_str())?;
        let item_end = 2 + usize::from(rule.item_digits);
        let value_start = item_end + usize::from(rule.verifier);
        let value_end = value_start + usize::from(rule.value_digits);
        let (Some(item), Some(value)) =
            (digits.get(2..item_end), digits.get(value_start..value_end))
        else {
            return Err(BarcodeError::WrongLength {
                len: digits.len(),
                expected: "13 (EAN-13)",
            });
        };
        if rule.verifier {
            let found = digits.get(item_end).copied().unwrap_or(0);
            let expected = price_check_digit(value).unwrap_or(0);
            if found != expected {
                return Err(BarcodeError::BadPriceCheckDigit {
                    code: gtin.as_str().to_owned(),
                    expected,
                    found,
                });
            }
        }
        let raw: i64 = value.iter().fold(0, |acc, &d| acc * 10 + i64::from(d));
        let amount = Decimal::new(raw, rule.decimals);
        let value = match rule.kind {
            EmbeddedKind::Price => EmbeddedValue::Price(amount),
            EmbeddedKind::Weight => EmbeddedValue::Weight(amount),
        };
        let mut base: Vec<u8> = digits
            .get(..item_end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        base.resize(12, 0);
        let lookup = Gtin::ean13_with_check(&render(&base))?;
        Ok(Some(EmbeddedBarcode {
            scanned: gtin.clone(),
            lookup,
            item_code: render(item),
            value,
        }))
    }
}

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

    // GS1 General Specifications 7.9.3 worked examples: 2875 -> 9, 14685 -> 6.
    #[test]
    fn price_verifier_digits() {
        assert_eq!(price_check_digit(&[2, 8, 7, 5]), Some(9));
        assert_eq!(price_check_digit(&[1, 4, 6, 8, 5]), Some(6));
        assert_eq!(price_check_digit(&[1, 2, 3]), None);
    }

    #[test]
    fn price_embedded_with_verifier() {
        let rules = EmbeddedRules::common();
        // 20 12345 9 2875 C: item 12345, verifier 9, price 28.75.
        let gtin = Gtin::ean13_with_check("201234592875").unwrap();
        let decoded = rules.decode(&gtin).unwrap().unwrap();
        assert_eq!(decoded.item_code, "12345");
        assert_eq!(decoded.value, EmbeddedValue::Price(dec!(28.75)));
        assert_eq!(
            decoded.lookup,
            Gtin::ean13_with_check("201234500000").unwrap()
        );
        // A wrong verifier with a valid EAN check digit is still refused.
        let wrong = Gtin::ean13_with_check("201234582875").unwrap();
        assert!(matches!(
            rules.decode(&wrong),
            Err(BarcodeError::BadPriceCheckDigit {
                expected: 9,
                found: 8,
                ..
            })
        ));
    }

    #[test]
    fn weight_embedded_in_grams() {
        let rules = EmbeddedRules::common();
        let gtin = Gtin::ean13_with_check("250004201250").unwrap();
        let decoded = rules.decode(&gtin).unwrap().unwrap();
        assert_eq!(decoded.item_code, "00042");
        assert_eq!(decoded.value, EmbeddedValue::Weight(dec!(1.250)));
        assert_eq!(
            decoded.lookup.as_str(),
            Gtin::ean13_with_check("250004200000").unwrap().as_str()
        );
        // Ordinary GTINs are not decoded.
        assert_eq!(
            rules.decode(&Gtin::parse("4006381333931").unwrap()),
            Ok(None)
        );
    }

    /// The demo catalogue's weighed items carry `21 PPPPP 00000 C`; a scale label for 1.250 kg
    /// of PLU 00001 finds that base code.
    #[test]
    fn demo_scale_label_finds_the_base_code() {
        let label = Gtin::ean13_with_check("212000101250").unwrap();
        let decoded = EmbeddedRules::default().decode(&label).unwrap().unwrap();
        assert_eq!(decoded.lookup.as_str(), "2120001000002");
        assert_eq!(decoded.value, EmbeddedValue::Weight(dec!(1.250)));
    }

    #[test]
    fn rules_are_validated() {
        let mut rule = EmbeddedRule::price(22);
        rule.value_digits = 6;
        assert!(EmbeddedRules::new(vec![rule]).is_err());
        assert!(EmbeddedRules::new(vec![EmbeddedRule::price(19)]).is_err());
        assert!(
            EmbeddedRules::new(vec![
                EmbeddedRule::price(22),
                EmbeddedRule::weight_grams(22)
            ])
            .is_err()
        );
        assert!(EmbeddedRules::new(EmbeddedRules::common().rules).is_ok());
        // From configuration: a list, validated on load.
        let toml_text = r#"
            [[barcodes]]
            prefix = 22
            kind = "price"
            item_digits = 5
            value_digits = 4
            verifier = true
            decimals = 2
        "#;
        #[derive(Deserialize)]
        struct Section {
            barcodes: EmbeddedRules,
        }
        let section: Section = toml::from_str(toml_text).unwrap();
        assert_eq!(
            section.barcodes.rules(),
            &[EmbeddedRule::price_with_verifier(22)]
        );
        let bad = toml_text.replace("value_digits = 4", "value_digits = 6");
        assert!(toml::from_str::<Section>(&bad).is_err());
        let mut custom = EmbeddedRule::weight_grams(28);
        custom.item_digits = 4;
        custom.value_digits = 6;
        assert!(EmbeddedRules::new(vec![custom]).is_ok());
    }

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

    #[test]
    fn gtin_serde_validates() {
        let g: Gtin = serde_json::from_str("\"036000291452\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"0036000291452\"");
        assert!(serde_json::from_str::<Gtin>("\"036000291453\"").is_err());
    }
}
