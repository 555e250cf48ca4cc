//! Price- or weight-embedded EAN-13 (in-store prefixes 20-29): configurable layouts per
//! prefix, the GS1 price/weight verifier digit, and the catalogue key a label maps to.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{BarcodeError, Gtin, digits_of, render};

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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

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
}
