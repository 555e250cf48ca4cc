//! The cart: lines added by item with a quantity or weight, line and cart discounts, manager
//! price overrides (recorded as needing approval; the services decide who may approve), and
//! the totals with tax per rate. A cart is plain data (serde), so hold/recall stores it as is.
//! Totals are computed in `totals.rs`; manager approvals are tracked in `approval.rs`.

mod approval;
mod totals;

pub use approval::ApprovalNeed;
pub use totals::{LineTotals, Totals};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::barcode::{EmbeddedValue, Gtin};
use super::catalog::{Item, ItemError, TaxClass, Unit, check_price};
use super::money::{Currency, RoundingMode};
use super::tax::TaxError;

/// Most lines one cart may hold.
pub const MAX_LINES: usize = 500;

/// Why a cart operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error(transparent)]
    Item(#[from] ItemError),
    #[error(transparent)]
    Tax(#[from] TaxError),
    #[error("item {0} is not active")]
    InactiveItem(String),
    #[error("no line {0} in the cart")]
    NoSuchLine(u32),
    #[error("the cart is full ({MAX_LINES} lines)")]
    TooManyLines,
    #[error("discount percent {0} must be above 0 and at most 100")]
    BadPercent(Decimal),
    #[error("discount amount {0} must be above 0 and within the amount it reduces ({1})")]
    BadDiscountAmount(Decimal, Decimal),
    #[error("amount {0} has more decimals than the currency allows")]
    TooPrecise(Decimal),
    #[error("a price override needs a reason")]
    MissingReason,
    #[error("the cart is empty")]
    Empty,
    #[error("the cart needs a manager's approval for {} change(s)", .0.len())]
    NeedsApproval(Vec<ApprovalNeed>),
    #[error("held cart is not valid: {0}")]
    BadHeldCart(String),
    #[error("item {0} is sold by weight; a weight is required")]
    WeightRequired(String),
    #[error("item {0} is sold by the piece; a weight label does not fit it")]
    NotWeighed(String),
    #[error("line {0} carries a price label; its quantity cannot change")]
    LabelledLine(u32),
    #[error("the cart's amounts are beyond what can be computed")]
    AmountTooLarge,
}

/// Identifies a line for the life of the cart (not reused after removal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LineId(pub u32);

/// A discount: a percentage or a fixed amount (major units). With exclusive pricing the
/// discount reduces the net amount, before tax; with inclusive pricing, the gross amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Discount {
    Percent(Decimal),
    Amount(Decimal),
}

impl Discount {
    /// The reduction on `amount`, rounded to the currency; never more than `amount`.
    fn reduction(self, amount: Decimal, currency: Currency, mode: RoundingMode) -> Decimal {
        let raw = match self {
            Discount::Percent(p) => currency.round(amount * p / Decimal::ONE_HUNDRED, mode),
            Discount::Amount(a) => a,
        };
        raw.min(amount).max(Decimal::ZERO)
    }

    fn check(self, base: Decimal, currency: Currency) -> Result<(), CartError> {
        match self {
            Discount::Percent(p) if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED => {
                Err(CartError::BadPercent(p))
            }
            Discount::Amount(a) if a <= Decimal::ZERO || a > base => {
                Err(CartError::BadDiscountAmount(a, base))
            }
            Discount::Amount(a) if a.normalize().scale() > currency.minor_units() => {
                Err(CartError::TooPrecise(a))
            }
            _ => Ok(()),
        }
    }
}

/// A discount as applied, with the manager who approved it (when one had to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDiscount {
    pub discount: Discount,
    pub approved_by: Option<String>,
}

/// A manager price override on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOverride {
    /// New unit price (per piece or per kg).
    pub price: Decimal,
    pub reason: String,
    /// Who approved it; `None` until a manager does. Overrides always need approval.
    pub approved_by: Option<String>,
}

/// One line of the cart: a snapshot of the item as it was when added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub id: LineId,
    pub sku: String,
    pub gtin: Option<Gtin>,
    pub name: String,
    pub tax_class: TaxClass,
    pub unit: Unit,
    /// Pieces, or kg for weighed items.
    pub quantity: Decimal,
    /// Catalogue unit price when added.
    pub unit_price: Decimal,
    /// A price read from a price-embedded label: the line amount, whatever the quantity.
    pub label_amount: Option<Decimal>,
    pub price_override: Option<PriceOverride>,
    pub discount: Option<AppliedDiscount>,
}

impl CartLine {
    /// The unit price in force (override or catalogue).
    pub fn effective_unit_price(&self) -> Decimal {
        self.price_override
            .as_ref()
            .map_or(self.unit_price, |o| o.price)
    }

    /// Amount before any discount, rounded to the currency.
    pub fn amount_before_discount(&self, currency: Currency, mode: RoundingMode) -> Decimal {
        match (&self.price_override, self.label_amount) {
            (None, Some(label)) => label,
            _ => currency.round(self.effective_unit_price() * self.quantity, mode),
        }
    }
}

/// A cart being rung up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    currency: Currency,
    lines: Vec<CartLine>,
    discount: Option<AppliedDiscount>,
    /// Customer id, when one is attached to the sale.
    pub customer: Option<String>,
    next_id: u32,
}

impl Cart {
    /// An empty cart.
    pub fn new(currency: Currency) -> Cart {
        Cart {
            currency,
            lines: Vec::new(),
            discount: None,
            customer: None,
            next_id: 1,
        }
    }

    /// Restores a held cart from its JSON, checking every line as if it were added again.
    pub fn recall(json: &str) -> Result<Cart, CartError> {
        let cart: Cart =
            serde_json::from_str(json).map_err(|e| CartError::BadHeldCart(e.to_string()))?;
        cart.check_consistent()?;
        Ok(cart)
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The cart as JSON for holding.
    pub fn hold(&self) -> Result<String, CartError> {
        serde_json::to_string(self).map_err(|e| CartError::BadHeldCart(e.to_string()))
    }

    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn line(&self, id: LineId) -> Result<&CartLine, CartError> {
        self.lines
            .iter()
            .find(|l| l.id == id)
            .ok_or(CartError::NoSuchLine(id.0))
    }

    fn line_mut(&mut self, id: LineId) -> Result<&mut CartLine, CartError> {
        self.lines
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or(CartError::NoSuchLine(id.0))
    }

    pub fn cart_discount(&self) -> Option<&AppliedDiscount> {
        self.discount.as_ref()
    }

    /// Adds `quantity` of an item: pieces (1 when `None`), or kg for weighed items, which
    /// must be given (from the scale or a `CODE*0.750` scan).
    pub fn add_item(
        &mut self,
        item: &Item,
        quantity: Option<Decimal>,
    ) -> Result<LineId, CartError> {
        let quantity = match (item.unit, quantity) {
            (Unit::Kg, None) => return Err(CartError::WeightRequired(item.sku.clone())),
            (_, q) => item.unit.check_quantity(q.unwrap_or(Decimal::ONE))?,
        };
        self.push_line(item, quantity, None)
    }

    /// Adds an item whose price was read from a price-embedded label. For a weighed item the
    /// quantity is the weight the price implies (to the gram), so stock moves sensibly.
    pub fn add_labelled(&mut self, item: &Item, label_price: Decimal) -> Result<LineId, CartError> {
        check_price(label_price)?;
        if label_price.normalize().scale() > self.currency.minor_units() {
            return Err(CartError::TooPrecise(label_price));
        }
        let quantity = match item.unit {
            Unit::Kg if item.price > Decimal::ZERO => {
                let kg = RoundingMode::HalfUp.round(label_price / item.price, 3);
                item.unit
                    .check_quantity(kg.max(Decimal::new(1, 3)))
                    .map_err(|_| CartError::AmountTooLarge)?
            }
            _ => Decimal::ONE,
        };
        self.push_line(item, quantity, Some(label_price))
    }

    /// Adds an item found through a price- or weight-embedded barcode.
    pub fn add_embedded(&mut self, item: &Item, value: EmbeddedValue) -> Result<LineId, CartError> {
        match value {
            EmbeddedValue::Price(price) => self.add_labelled(item, price),
            EmbeddedValue::Weight(_) if item.unit != Unit::Kg => {
                Err(CartError::NotWeighed(item.sku.clone()))
            }
            EmbeddedValue::Weight(kg) => self.add_item(item, Some(kg)),
        }
    }

    fn push_line(
        &mut self,
        item: &Item,
        quantity: Decimal,
        label_amount: Option<Decimal>,
    ) -> Result<LineId, CartError> {
        item.validate()?;
        if !item.active {
            return Err(CartError::InactiveItem(item.sku.clone()));
        }
        if self.lines.len() >= MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        let id = LineId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        self.lines.push(CartLine {
            id,
            sku: item.sku.clone(),
            gtin: item.gtin.clone(),
            name: item.name.clone(),
            tax_class: item.tax_class.clone(),
            unit: item.unit,
            quantity,
            unit_price: item.price,
            label_amount,
            price_override: None,
            discount: None,
        });
        Ok(id)
    }

    /// Removes a line (a line void before payment).
    pub fn remove_line(&mut self, id: LineId) -> Result<CartLine, CartError> {
        let index = self
            .lines
            .iter()
            .position(|l| l.id == id)
            .ok_or(CartError::NoSuchLine(id.0))?;
        Ok(self.lines.remove(index))
    }

    /// Changes a line's quantity (not of a price-labelled line). An amount discount larger
    /// than the new line amount is reduced to it when totals are computed.
    pub fn set_quantity(&mut self, id: LineId, quantity: Decimal) -> Result<(), CartError> {
        let line = self.line_mut(id)?;
        if line.label_amount.is_some() {
            return Err(CartError::LabelledLine(id.0));
        }
        line.quantity = line.unit.check_quantity(quantity)?;
        Ok(())
    }

    /// Sets (or replaces) a line discount. It needs approval again when above the limit.
    pub fn set_line_discount(&mut self, id: LineId, discount: Discount) -> Result<(), CartError> {
        let (currency, mode) = (self.currency, RoundingMode::HalfUp);
        let line = self.line_mut(id)?;
        discount.check(line.amount_before_discount(currency, mode), currency)?;
        line.discount = Some(AppliedDiscount {
            discount,
            approved_by: None,
        });
        Ok(())
    }

    pub fn clear_line_discount(&mut self, id: LineId) -> Result<(), CartError> {
        self.line_mut(id)?.discount = None;
        Ok(())
    }

    /// Sets (or replaces) the cart discount, spread over the lines when totals are computed.
    pub fn set_cart_discount(&mut self, discount: Discount) -> Result<(), CartError> {
        let base: Decimal = self
            .lines
            .iter()
            .map(|l| l.amount_before_discount(self.currency, RoundingMode::HalfUp))
            .sum();
        discount.check(base, self.currency)?;
        self.discount = Some(AppliedDiscount {
            discount,
            approved_by: None,
        });
        Ok(())
    }

    pub fn clear_cart_discount(&mut self) {
        self.discount = None;
    }

    /// Overrides a line's unit price. Always needs a manager's approval.
    pub fn override_price(
        &mut self,
        id: LineId,
        price: Decimal,
        reason: &str,
    ) -> Result<(), CartError> {
        check_price(price)?;
        if reason.trim().is_empty() {
            return Err(CartError::MissingReason);
        }
        let line = self.line_mut(id)?;
        line.price_override = Some(PriceOverride {
            price,
            reason: reason.trim().to_owned(),
            approved_by: None,
        });
        Ok(())
    }

    /// Checks a cart that came from outside (held carts): ids unique, quantities, prices.
    fn check_consistent(&self) -> Result<(), CartError> {
        if self.lines.len() > MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.id.0 >= self.next_id || self.lines.iter().skip(i + 1).any(|l| l.id == line.id) {
                return Err(CartError::BadHeldCart(format!("line id {}", line.id.0)));
            }
            super::catalog::check_sku(&line.sku)?;
            line.unit.check_quantity(line.quantity)?;
            check_price(line.unit_price)?;
            if let Some(label) = line.label_amount {
                check_price(label)?;
                if label.normalize().scale() > self.currency.minor_units() {
                    return Err(CartError::TooPrecise(label));
                }
            }
            if let Some(o) = &line.price_override {
                check_price(o.price)?;
            }
            if let Some(d) = &line.discount {
                let base = line.amount_before_discount(self.currency, RoundingMode::HalfUp);
                d.discount.check(base, self.currency)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::tests::item;
    use crate::domain::tax::TaxTable;
    use rust_decimal_macros::dec;

    fn eur_cart() -> Cart {
        Cart::new(Currency::EUR)
    }

    #[test]
    fn add_change_remove() {
        let mut cart = eur_cart();
        assert_eq!(
            cart.checkout(&TaxTable::default(), dec!(10)),
            Err(CartError::Empty)
        );
        let bread = item("BREAD", dec!(2.40), "reduced", Unit::Each);
        let apples = item("APPLE", dec!(3.49), "reduced", Unit::Kg);
        let a = cart.add_item(&bread, Some(dec!(2))).unwrap();
        let b = cart.add_item(&apples, Some(dec!(0.750))).unwrap();
        let t = cart.totals(&TaxTable::default()).unwrap();
        // 2 x 2.40 + 0.750 kg x 3.49 = 4.80 + 2.6175 -> 2.62
        assert_eq!(t.total, dec!(7.42));
        cart.set_quantity(a, dec!(3)).unwrap();
        assert!(cart.set_quantity(a, dec!(1.5)).is_err());
        assert_eq!(cart.totals(&TaxTable::default()).unwrap().total, dec!(9.82));
        cart.remove_line(b).unwrap();
        assert_eq!(cart.totals(&TaxTable::default()).unwrap().total, dec!(7.20));
        assert_eq!(cart.remove_line(b), Err(CartError::NoSuchLine(b.0)));
        // Ids are never reused.
        let c = cart.add_item(&apples, Some(dec!(1))).unwrap();
        assert_ne!(b, c);
    }

    #[test]
    fn refuses_bad_items_and_quantities() {
        let mut cart = eur_cart();
        let mut off = item("OFF", dec!(1), "standard", Unit::Each);
        off.active = false;
        assert_eq!(
            cart.add_item(&off, None),
            Err(CartError::InactiveItem("OFF".into()))
        );
        let neg = item("NEG", dec!(-1), "standard", Unit::Each);
        assert!(matches!(cart.add_item(&neg, None), Err(CartError::Item(_))));
        let ok = item("OK", dec!(1), "standard", Unit::Each);
        assert!(cart.add_item(&ok, Some(dec!(0))).is_err());
        assert!(cart.add_item(&ok, Some(dec!(-2))).is_err());
        assert!(cart.is_empty());
        let unknown = item("UNK", dec!(1), "mystery", Unit::Each);
        cart.add_item(&unknown, None).unwrap();
        assert!(matches!(
            cart.totals(&TaxTable::default()),
            Err(CartError::Tax(TaxError::UnknownClass(_)))
        ));
    }

    #[test]
    fn labelled_and_weighed_lines() {
        let mut cart = eur_cart();
        let cheese = item("CHEESE", dec!(18.90), "reduced", Unit::Kg);
        let jar = item("JAR", dec!(2.00), "standard", Unit::Each);
        // 4.73 / 18.90 per kg = 0.25026 kg -> 0.250 kg for stock; the label sets the amount.
        let a = cart
            .add_embedded(&cheese, EmbeddedValue::Price(dec!(4.73)))
            .unwrap();
        assert_eq!(cart.line(a).unwrap().quantity, dec!(0.25));
        assert_eq!(
            cart.set_quantity(a, dec!(1)),
            Err(CartError::LabelledLine(a.0))
        );
        assert!(cart.add_labelled(&cheese, dec!(4.731)).is_err());
        let j = cart
            .add_embedded(&jar, EmbeddedValue::Price(dec!(1.50)))
            .unwrap();
        assert_eq!(cart.line(j).unwrap().quantity, dec!(1));
        let w = cart
            .add_embedded(&cheese, EmbeddedValue::Weight(dec!(0.412)))
            .unwrap();
        assert_eq!(cart.line(w).unwrap().quantity, dec!(0.412));
        assert_eq!(
            cart.add_embedded(&jar, EmbeddedValue::Weight(dec!(1))),
            Err(CartError::NotWeighed("JAR".into()))
        );
        assert_eq!(
            cart.add_item(&cheese, None),
            Err(CartError::WeightRequired("CHEESE".into()))
        );
        // 4.73 + 1.50 + 0.412 x 18.90 (7.7868 -> 7.79)
        assert_eq!(
            cart.totals(&TaxTable::default()).unwrap().total,
            dec!(14.02)
        );
    }

    #[test]
    fn discounts_and_cart_discount_spread_to_the_cent() {
        let mut cart = eur_cart();
        let a = cart
            .add_item(&item("A", dec!(10.00), "standard", Unit::Each), None)
            .unwrap();
        cart.add_item(&item("B", dec!(10.00), "reduced", Unit::Each), None)
            .unwrap();
        cart.add_item(&item("C", dec!(10.00), "zero", Unit::Each), None)
            .unwrap();
        cart.set_line_discount(a, Discount::Percent(dec!(10)))
            .unwrap();
        cart.set_cart_discount(Discount::Amount(dec!(1.00)))
            .unwrap();
        let t = cart.totals(&TaxTable::default()).unwrap();
        assert_eq!(t.subtotal, dec!(30.00));
        assert_eq!(t.line_discounts, dec!(1.00));
        assert_eq!(t.cart_discount, dec!(1.00));
        let shares: Vec<Decimal> = t.lines.iter().map(|l| l.cart_discount).collect();
        // 9 : 10 : 10 of 1.00 -> 0.31, 0.35 (largest remainder), 0.34
        assert_eq!(shares.iter().copied().sum::<Decimal>(), dec!(1.00));
        assert_eq!(shares, vec![dec!(0.31), dec!(0.35), dec!(0.34)]);
        assert_eq!(t.total, dec!(28.00));
        assert_eq!(t.lines.iter().map(|l| l.total).sum::<Decimal>(), t.total);
        assert_eq!(t.taxes.iter().map(|r| r.tax).sum::<Decimal>(), t.tax);
    }

    #[test]
    fn bad_discounts_are_refused() {
        let mut cart = eur_cart();
        let a = cart
            .add_item(&item("A", dec!(5.00), "standard", Unit::Each), None)
            .unwrap();
        for bad in [
            Discount::Percent(dec!(0)),
            Discount::Percent(dec!(101)),
            Discount::Amount(dec!(5.01)),
            Discount::Amount(dec!(-1)),
            Discount::Amount(dec!(0.001)),
        ] {
            assert!(cart.set_line_discount(a, bad).is_err(), "{bad:?}");
            assert!(cart.set_cart_discount(bad).is_err(), "{bad:?}");
        }
        assert!(
            cart.set_line_discount(LineId(99), Discount::Percent(dec!(5)))
                .is_err()
        );
    }

    #[test]
    fn hold_and_recall_round_trip() {
        let mut cart = eur_cart();
        let a = cart
            .add_item(
                &item("A", dec!(1.25), "standard", Unit::Each),
                Some(dec!(4)),
            )
            .unwrap();
        cart.set_line_discount(a, Discount::Amount(dec!(0.50)))
            .unwrap();
        cart.customer = Some("C-1".into());
        let held = cart.hold().unwrap();
        let back = Cart::recall(&held).unwrap();
        assert_eq!(back, cart);
        assert_eq!(
            back.totals(&TaxTable::default()).unwrap(),
            cart.totals(&TaxTable::default()).unwrap()
        );
        // A tampered held cart is refused, not trusted.
        let tampered = held.replace("\"quantity\":\"4\"", "\"quantity\":\"-4\"");
        assert_ne!(tampered, held);
        assert!(Cart::recall(&tampered).is_err());
        assert!(Cart::recall("{not json").is_err());
    }
}
