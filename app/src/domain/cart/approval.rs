//! Manager approvals the cart asks for: every price override, and discounts above the
//! configured limit. The cart only records who approved; the services check credentials.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Cart, CartError, Discount, LineId, Totals};
use crate::domain::tax::TaxTable;

/// Something in the cart a manager must approve before the sale completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ApprovalNeed {
    PriceOverride { line: LineId },
    LineDiscount { line: LineId, percent: Decimal },
    CartDiscount { percent: Decimal },
}

impl Cart {
    /// The totals to pay, once the cart may be paid: not empty, and nothing left for a
    /// manager to approve (see [`Cart::pending_approvals`]).
    pub fn checkout(
        &self,
        table: &TaxTable,
        max_discount_percent: Decimal,
    ) -> Result<Totals, CartError> {
        if self.lines.is_empty() {
            return Err(CartError::Empty);
        }
        let needs = self.pending_approvals(table, max_discount_percent);
        if !needs.is_empty() {
            return Err(CartError::NeedsApproval(needs));
        }
        self.totals(table)
    }

    /// What still needs a manager: every unapproved price override, and unapproved discounts
    /// above `max_discount_percent` of the amount they reduce.
    pub fn pending_approvals(
        &self,
        table: &TaxTable,
        max_discount_percent: Decimal,
    ) -> Vec<ApprovalNeed> {
        let mode = table.rounding;
        let mut needs = Vec::new();
        let percent_of = |discount: &Discount, base: Decimal| match *discount {
            Discount::Percent(p) => p,
            Discount::Amount(a) if base.is_zero() => {
                if a.is_zero() {
                    Decimal::ZERO
                } else {
                    Decimal::ONE_HUNDRED
                }
            }
            Discount::Amount(a) => a * Decimal::ONE_HUNDRED / base,
        };
        let mut after_lines = Decimal::ZERO;
        for line in &self.lines {
            let base = line.amount_before_discount(self.currency, mode);
            if line
                .price_override
                .as_ref()
                .is_some_and(|o| o.approved_by.is_none())
            {
                needs.push(ApprovalNeed::PriceOverride { line: line.id });
            }
            let mut after = base;
            if let Some(applied) = &line.discount {
                let percent = percent_of(&applied.discount, base);
                if applied.approved_by.is_none() && percent > max_discount_percent {
                    needs.push(ApprovalNeed::LineDiscount {
                        line: line.id,
                        percent,
                    });
                }
                after -= applied.discount.reduction(base, self.currency, mode);
            }
            after_lines += after;
        }
        if let Some(applied) = &self.discount {
            let percent = percent_of(&applied.discount, after_lines);
            if applied.approved_by.is_none() && percent > max_discount_percent {
                needs.push(ApprovalNeed::CartDiscount { percent });
            }
        }
        needs
    }

    /// Records `manager` as approver of every override and discount in the cart (the
    /// services check the manager's credentials first).
    pub fn approve_all(&mut self, manager: &str) {
        let who = Some(manager.to_owned());
        for line in &mut self.lines {
            if let Some(o) = &mut line.price_override {
                o.approved_by.clone_from(&who);
            }
            if let Some(d) = &mut line.discount {
                d.approved_by.clone_from(&who);
            }
        }
        if let Some(d) = &mut self.discount {
            d.approved_by = who;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Unit;
    use crate::domain::catalog::tests::item;
    use crate::domain::money::Currency;
    use rust_decimal_macros::dec;

    fn eur_cart() -> Cart {
        Cart::new(Currency::EUR)
    }

    #[test]
    fn overrides_and_big_discounts_need_a_manager() {
        let table = TaxTable::default();
        let mut cart = eur_cart();
        let a = cart
            .add_item(&item("A", dec!(10.00), "standard", Unit::Each), None)
            .unwrap();
        let b = cart
            .add_item(&item("B", dec!(10.00), "standard", Unit::Each), None)
            .unwrap();
        cart.set_line_discount(a, Discount::Percent(dec!(5)))
            .unwrap();
        assert!(cart.pending_approvals(&table, dec!(10)).is_empty());
        cart.set_line_discount(b, Discount::Amount(dec!(2.50)))
            .unwrap();
        cart.override_price(a, dec!(8.00), "damaged box").unwrap();
        assert!(cart.override_price(a, dec!(8.00), " ").is_err());
        cart.set_cart_discount(Discount::Percent(dec!(15))).unwrap();
        let needs = cart.pending_approvals(&table, dec!(10));
        assert_eq!(
            needs,
            vec![
                ApprovalNeed::PriceOverride { line: a },
                ApprovalNeed::LineDiscount {
                    line: b,
                    percent: dec!(25)
                },
                ApprovalNeed::CartDiscount { percent: dec!(15) },
            ]
        );
        assert!(matches!(
            cart.checkout(&table, dec!(10)),
            Err(CartError::NeedsApproval(n)) if n.len() == 3
        ));
        cart.approve_all("mgr-1");
        assert!(cart.pending_approvals(&table, dec!(10)).is_empty());
        assert!(cart.checkout(&table, dec!(10)).is_ok());
        // A new override needs approval again.
        cart.override_price(b, dec!(1.00), "price match").unwrap();
        assert_eq!(
            cart.pending_approvals(&table, dec!(10)),
            vec![ApprovalNeed::PriceOverride { line: b }]
        );
        let t = cart.totals(&table).unwrap();
        assert_eq!(t.lines.first().map(|l| l.unit_price), Some(dec!(8.00)));
    }
}
