//! Catalogue items: what the shop sells, validated before it reaches a cart or the store.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::barcode::Gtin;
use super::money::MAX_AMOUNT;

/// Why an item was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("SKU must be 1-64 printable characters without blanks, got {0:?}")]
    BadSku(String),
    #[error("item name must not be empty")]
    EmptyName,
    #[error("item name is longer than 200 characters")]
    NameTooLong,
    #[error("category must not be empty")]
    EmptyCategory,
    #[error("price {0} is negative")]
    NegativePrice(Decimal),
    #[error("price {0} is above the maximum")]
    PriceTooLarge(Decimal),
    #[error("price {0} has more than 4 decimals")]
    PriceTooPrecise(Decimal),
    #[error("stock {0} is out of range or has more than 3 decimals")]
    BadStock(Decimal),
    #[error("tax class must be 1-32 characters of a-z, 0-9, '_' or '-', got {0:?}")]
    BadTaxClass(String),
    #[error("unknown unit {0:?}; expected \"each\" or \"kg\"")]
    BadUnit(String),
    #[error("quantity {quantity} is not valid for unit {unit}")]
    BadQuantity { quantity: Decimal, unit: Unit },
}

/// How an item is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Counted pieces: quantities are whole numbers.
    #[default]
    Each,
    /// Weighed: quantities in kg with up to 3 decimals (grams).
    Kg,
}

/// Largest quantity on one line (pieces or kg).
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

impl Unit {
    /// The text stored in `items.unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Each => "each",
            Unit::Kg => "kg",
        }
    }

    /// Decimals a quantity may have: 0 pieces, 3 for kg.
    pub fn quantity_decimals(self) -> u32 {
        match self {
            Unit::Each => 0,
            Unit::Kg => 3,
        }
    }

    /// Checks a quantity sold in this unit: positive, not too large, not too precise.
    pub fn check_quantity(self, quantity: Decimal) -> Result<Decimal, ItemError> {
        let normalised = quantity.normalize();
        if normalised <= Decimal::ZERO
            || normalised > MAX_QUANTITY
            || normalised.scale() > self.quantity_decimals()
        {
            return Err(ItemError::BadQuantity {
                quantity,
                unit: self,
            });
        }
        Ok(normalised)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Unit {
    type Err = ItemError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "each" | "ea" | "pc" => Ok(Unit::Each),
            "kg" => Ok(Unit::Kg),
            other => Err(ItemError::BadUnit(other.chars().take(16).collect())),
        }
    }
}

/// A tax class name, e.g. `standard`, `reduced`, `zero`; the tax table maps it to rates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TaxClass(String);

impl TaxClass {
    /// Validates a tax class name (lower-case ASCII letters, digits, `_`, `-`; 1-32 long).
    pub fn new(name: &str) -> Result<TaxClass, ItemError> {
        let name = name.trim();
        let ok = (1..=32).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok {
            Ok(TaxClass(name.to_owned()))
        } else {
            Err(ItemError::BadTaxClass(name.chars().take(40).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaxClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TaxClass {
    type Error = ItemError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TaxClass::new(&s)
    }
}

impl From<TaxClass> for String {
    fn from(t: TaxClass) -> String {
        t.0
    }
}

/// Checks a SKU: 1-64 printable ASCII characters, no blanks.
pub fn check_sku(sku: &str) -> Result<(), ItemError> {
    if (1..=64).contains(&sku.len()) && sku.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(ItemError::BadSku(sku.chars().take(40).collect()))
    }
}

/// A catalogue item. Fields are public for the store's row mapping; call [`Item::validate`]
/// (the cart does) before trusting one built by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    pub gtin: Option<Gtin>,
    pub name: String,
    pub category: String,
    /// Shelf price in major units, per piece or per kg.
    #[serde(with = "rust_decimal::serde::str")]
    pub price: Decimal,
    pub tax_class: TaxClass,
    pub unit: Unit,
    #[serde(with = "rust_decimal::serde::str")]
    pub stock: Decimal,
    pub active: bool,
}

impl Item {
    /// Checks every field; the first problem is reported.
    pub fn validate(&self) -> Result<(), ItemError> {
        check_sku(&self.sku)?;
        if self.name.trim().is_empty() {
            return Err(ItemError::EmptyName);
        }
        if self.name.chars().count() > 200 {
            return Err(ItemError::NameTooLong);
        }
        if self.category.trim().is_empty() {
            return Err(ItemError::EmptyCategory);
        }
        check_price(self.price)?;
        let stock_limit = MAX_AMOUNT;
        if self.stock.abs() > stock_limit || self.stock.normalize().scale() > 3 {
            return Err(ItemError::BadStock(self.stock));
        }
        Ok(())
    }
}

/// Checks a shelf or override price: not negative, at most [`MAX_AMOUNT`], at most 4
/// decimals (per-kg prices may carry sub-cent precision).
pub fn check_price(price: Decimal) -> Result<(), ItemError> {
    if price.is_sign_negative() && !price.is_zero() {
        return Err(ItemError::NegativePrice(price));
    }
    if price > MAX_AMOUNT {
        return Err(ItemError::PriceTooLarge(price));
    }
    if price.normalize().scale() > 4 {
        return Err(ItemError::PriceTooPrecise(price));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A valid item for tests elsewhere in the domain.
    pub(crate) fn item(sku: &str, price: Decimal, tax_class: &str, unit: Unit) -> Item {
        Item {
            sku: sku.into(),
            gtin: None,
            name: format!("Item {sku}"),
            category: "Grocery".into(),
            price,
            tax_class: TaxClass::new(tax_class).unwrap(),
            unit,
            stock: dec!(100),
            active: true,
        }
    }

    #[test]
    fn valid_item_passes() {
        let mut it = item("A1", dec!(1.99), "standard", Unit::Each);
        it.gtin = Some(Gtin::parse("4006381333931").unwrap());
        assert_eq!(it.validate(), Ok(()));
        let json = serde_json::to_string(&it).unwrap();
        let back: Item = serde_json::from_str(&json).unwrap();
        assert_eq!(back, it);
    }

    #[test]
    fn bad_items_are_refused_with_reason() {
        let base = item("A1", dec!(1.99), "standard", Unit::Each);
        let cases: Vec<(Item, ItemError)> = vec![
            (
                Item {
                    price: dec!(-0.01),
                    ..base.clone()
                },
                ItemError::NegativePrice(dec!(-0.01)),
            ),
            (
                Item {
                    name: "  ".into(),
                    ..base.clone()
                },
                ItemError::EmptyName,
            ),
            (
                Item {
                    category: String::new(),
                    ..base.clone()
                },
                ItemError::EmptyCategory,
            ),
            (
                Item {
                    sku: "A 1".into(),
                    ..base.clone()
                },
                ItemError::BadSku("A 1".into()),
            ),
            (
                Item {
                    sku: String::new(),
                    ..base.clone()
                },
                ItemError::BadSku(String::new()),
            ),
            (
                Item {
                    price: dec!(0.00001),
                    ..base.clone()
                },
                ItemError::PriceTooPrecise(dec!(0.00001)),
            ),
            (
                Item {
                    price: dec!(2000000000),
                    ..base.clone()
                },
                ItemError::PriceTooLarge(dec!(2000000000)),
            ),
            (
                Item {
                    stock: dec!(1.0001),
                    ..base.clone()
                },
                ItemError::BadStock(dec!(1.0001)),
            ),
        ];
        for (bad, expected) in cases {
            assert_eq!(bad.validate(), Err(expected));
        }
        // Zero price is allowed (free items); negative stock is allowed (oversold).
        assert!(
            Item {
                price: dec!(0),
                stock: dec!(-3),
                ..base
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn tax_class_and_unit_parsing() {
        assert!(TaxClass::new("reduced").is_ok());
        assert!(TaxClass::new("Reduced").is_err());
        assert!(TaxClass::new("").is_err());
        assert!(serde_json::from_str::<TaxClass>("\"a b\"").is_err());
        assert_eq!("KG".parse::<Unit>(), Ok(Unit::Kg));
        assert_eq!("each".parse::<Unit>(), Ok(Unit::Each));
        assert!("litre".parse::<Unit>().is_err());
        assert_eq!(serde_json::to_string(&Unit::Kg).unwrap(), "\"kg\"");
    }

    #[test]
    fn quantities_follow_the_unit() {
        assert_eq!(Unit::Each.check_quantity(dec!(3.0)), Ok(dec!(3)));
        assert!(Unit::Each.check_quantity(dec!(1.5)).is_err());
        assert_eq!(Unit::Kg.check_quantity(dec!(0.750)), Ok(dec!(0.75)));
        assert!(Unit::Kg.check_quantity(dec!(0.0005)).is_err());
        assert!(Unit::Kg.check_quantity(dec!(0)).is_err());
        assert!(Unit::Each.check_quantity(dec!(-1)).is_err());
        assert!(Unit::Each.check_quantity(dec!(1000000)).is_err());
    }
}
