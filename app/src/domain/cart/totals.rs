//! Cart totals: line amounts, line discounts, the cart discount spread over the lines to the
//! cent, then tax per the table, giving per-line and per-rate figures for receipt and refunds.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Cart, CartError, LineId};
use crate::domain::catalog::{TaxClass, Unit};
use crate::domain::money::{Currency, Money};
use crate::domain::tax::{RateAmount, TaxBreakdown, TaxMode, TaxTable, allocate};

/// Totals of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    pub line: LineId,
    pub sku: String,
    pub name: String,
    pub tax_class: TaxClass,
    pub unit: Unit,
    pub quantity: Decimal,
    /// Unit price in force (after any override).
    pub unit_price: Decimal,
    pub amount_before_discount: Decimal,
    pub line_discount: Decimal,
    /// This line's share of the cart discount.
    pub cart_discount: Decimal,
    /// After discounts, in the pricing mode (gross if inclusive, net if exclusive).
    pub amount: Decimal,
    pub net: Decimal,
    pub taxes: Vec<RateAmount>,
    pub tax: Decimal,
    /// What the customer pays for this line (net + tax).
    pub total: Decimal,
}

/// Totals of the cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub currency: Currency,
    pub mode: TaxMode,
    /// Sum of line amounts before discounts (gross if inclusive, net if exclusive).
    pub subtotal: Decimal,
    pub line_discounts: Decimal,
    pub cart_discount: Decimal,
    pub net: Decimal,
    pub tax: Decimal,
    pub taxes: Vec<TaxBreakdown>,
    /// What the customer owes.
    pub total: Decimal,
    pub lines: Vec<LineTotals>,
}

impl Totals {
    /// All discounts together.
    pub fn discounts(&self) -> Decimal {
        self.line_discounts + self.cart_discount
    }

    /// The total as money.
    pub fn total_money(&self) -> Money {
        Money::new(self.total, self.currency)
    }

    /// The line printed as number `number` (1-based) on the receipt. Cart line ids have gaps
    /// after removals; receipt numbers do not.
    pub fn line_at(&self, number: usize) -> Option<&LineTotals> {
        number.checked_sub(1).and_then(|i| self.lines.get(i))
    }
}

impl Cart {
    /// Computes the totals: line amounts, line discounts, the cart discount spread over the
    /// lines in proportion (to the cent), then tax per the table.
    pub fn totals(&self, table: &TaxTable) -> Result<Totals, CartError> {
        let (currency, mode) = (self.currency, table.rounding);
        let before: Vec<Decimal> = self
            .lines
            .iter()
            .map(|l| l.amount_before_discount(currency, mode))
            .collect();
        let line_discounts: Vec<Decimal> = self
            .lines
            .iter()
            .zip(&before)
            .map(|(l, &b)| {
                l.discount
                    .as_ref()
                    .map_or(Decimal::ZERO, |d| d.discount.reduction(b, currency, mode))
            })
            .collect();
        let after_line: Vec<Decimal> = before
            .iter()
            .zip(&line_discounts)
            .map(|(b, d)| b - d)
            .collect();
        let after_line_sum: Decimal = after_line.iter().copied().sum();
        let cart_discount = self.discount.as_ref().map_or(Decimal::ZERO, |d| {
            d.discount.reduction(after_line_sum, currency, mode)
        });
        let shares = if cart_discount.is_zero() {
            vec![Decimal::ZERO; self.lines.len()]
        } else {
            allocate(cart_discount, &after_line, currency.smallest_unit())
                .ok_or(CartError::AmountTooLarge)?
        };
        let amounts: Vec<Decimal> = after_line.iter().zip(&shares).map(|(a, s)| a - s).collect();
        let tax_input: Vec<(&TaxClass, Decimal)> = self
            .lines
            .iter()
            .zip(&amounts)
            .map(|(l, &a)| (&l.tax_class, a))
            .collect();
        let tax = table.compute(currency, &tax_input)?;

        let lines = self
            .lines
            .iter()
            .zip(before.iter().zip(&line_discounts))
            .zip(shares.iter().zip(&amounts))
            .zip(&tax.lines)
            .map(|(((line, (&b, &ld)), (&share, &amount)), lt)| LineTotals {
                line: line.id,
                sku: line.sku.clone(),
                name: line.name.clone(),
                tax_class: line.tax_class.clone(),
                unit: line.unit,
                quantity: line.quantity,
                unit_price: line.effective_unit_price(),
                amount_before_discount: b,
                line_discount: ld,
                cart_discount: share,
                amount,
                net: lt.net,
                taxes: lt.taxes.clone(),
                tax: lt.tax,
                total: lt.gross,
            })
            .collect();
        Ok(Totals {
            currency,
            mode: table.mode,
            subtotal: before.iter().copied().sum(),
            line_discounts: line_discounts.iter().copied().sum(),
            cart_discount,
            net: tax.net,
            tax: tax.tax,
            taxes: tax.rates,
            total: tax.gross,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::cart::Cart;
    use crate::domain::catalog::Unit;
    use crate::domain::catalog::tests::item;
    use crate::domain::money::Currency;
    use crate::domain::tax::TaxTable;
    use rust_decimal_macros::dec;

    #[test]
    fn receipt_numbers_skip_removed_lines() {
        let mut cart = Cart::new(Currency::EUR);
        let a = cart
            .add_item(&item("A", dec!(1), "standard", Unit::Each), None)
            .unwrap();
        let b = cart
            .add_item(&item("B", dec!(2), "standard", Unit::Each), None)
            .unwrap();
        cart.remove_line(a).unwrap();
        let t = cart.totals(&TaxTable::default()).unwrap();
        assert_eq!(t.line_at(1).map(|l| l.line), Some(b));
        assert!(t.line_at(0).is_none());
        assert!(t.line_at(2).is_none());
    }
}
