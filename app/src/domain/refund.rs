//! Refunds and voids of a completed sale, computed from the sale's recorded line totals.
//!
//! Each line's charged total and tax per rate are shared out by quantity cumulatively:
//! refunding `q` more of a line with `q0` already refunded gives `share(q0 + q) - share(q0)`,
//! where `share(k)` is the line's value times `k / sold`, rounded. `share(sold)` is the value
//! itself, so any sequence of partial refunds that ends with everything returned reverses the
//! sale to the cent, discounts and per-rate tax included.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::cart::{LineId, LineTotals, Totals};
use super::catalog::Unit;
use super::money::{Currency, RoundingMode};
use super::tax::RateAmount;

/// Why a refund was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("the sale has no line {0}")]
    NoSuchLine(u32),
    #[error("line {line}: quantity {quantity} is not valid for unit {unit}")]
    BadQuantity {
        line: u32,
        quantity: Decimal,
        unit: Unit,
    },
    #[error("line {line}: cannot refund {requested}, only {left} left to refund")]
    MoreThanSold {
        line: u32,
        requested: Decimal,
        left: Decimal,
    },
    #[error("line {0} is named twice in the refund")]
    DuplicateLine(u32),
    #[error("nothing left to refund")]
    NothingToRefund,
    #[error("the recorded sale line {0} is not consistent; refusing to compute a refund")]
    CorruptSale(u32),
}

/// Largest recorded line amount accepted (1e13): keeps `value * quantity` inside `Decimal`.
const MAX_RECORDED_AMOUNT: Decimal = Decimal::from_parts(0x4E72_A000, 0x0000_0918, 0, false, 0);

/// Refuses a recorded line whose figures could not have come from a cart.
fn check_recorded(line: &LineTotals) -> Result<(), RefundError> {
    let in_range = |d: Decimal| d >= Decimal::ZERO && d <= MAX_RECORDED_AMOUNT;
    let tax: Decimal = line.taxes.iter().map(|t| t.amount).sum();
    let ok = line.unit.check_quantity(line.quantity).is_ok()
        && in_range(line.total)
        && line.taxes.iter().all(|t| in_range(t.amount))
        && tax <= line.total;
    if ok {
        Ok(())
    } else {
        Err(RefundError::CorruptSale(line.line.0))
    }
}

/// A line to refund: all that is left of it (`quantity: None`) or part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub line: LineId,
    pub quantity: Option<Decimal>,
}

impl RefundRequest {
    pub fn whole(line: LineId) -> RefundRequest {
        RefundRequest {
            line,
            quantity: None,
        }
    }

    pub fn partial(line: LineId, quantity: Decimal) -> RefundRequest {
        RefundRequest {
            line,
            quantity: Some(quantity),
        }
    }
}

/// A quantity of a line already refunded earlier (from the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlreadyRefunded {
    pub line: LineId,
    pub quantity: Decimal,
}

/// Whether the reversal is a refund of some lines or a void of the whole sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalKind {
    Refund,
    Void,
}

/// One refunded line: amounts are positive and are what goes back to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub line: LineId,
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    pub quantity: Decimal,
    pub net: Decimal,
    pub taxes: Vec<RateAmount>,
    pub tax: Decimal,
    pub total: Decimal,
    /// Stock to put back (pieces or kg).
    pub restock: Decimal,
}

/// The full reversal: per line, per rate and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundPlan {
    pub kind: ReversalKind,
    pub currency: Currency,
    pub lines: Vec<RefundLine>,
    pub net: Decimal,
    /// Tax per rate code, in the order the rates first appear in the sale.
    pub taxes: Vec<RateAmount>,
    pub tax: Decimal,
    pub total: Decimal,
}

/// Plans a refund of the requested lines of `sale`, given what earlier refunds returned.
pub fn plan(
    sale: &Totals,
    already: &[AlreadyRefunded],
    requests: &[RefundRequest],
) -> Result<RefundPlan, RefundError> {
    let refunded_before = refunded_by_line(already);
    let mut lines = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        if requests.iter().skip(i + 1).any(|r| r.line == request.line) {
            return Err(RefundError::DuplicateLine(request.line.0));
        }
        let sold = sale
            .lines
            .iter()
            .find(|l| l.line == request.line)
            .ok_or(RefundError::NoSuchLine(request.line.0))?;
        check_recorded(sold)?;
        let before = refunded_before
            .get(&sold.line)
            .copied()
            .unwrap_or(Decimal::ZERO);
        let left = (sold.quantity - before).max(Decimal::ZERO);
        let quantity = match request.quantity {
            None => left,
            Some(q) => {
                let q = q.normalize();
                if q <= Decimal::ZERO || q.scale() > sold.unit.quantity_decimals() {
                    return Err(RefundError::BadQuantity {
                        line: sold.line.0,
                        quantity: q,
                        unit: sold.unit,
                    });
                }
                q
            }
        };
        if quantity > left || quantity <= Decimal::ZERO {
            return Err(RefundError::MoreThanSold {
                line: sold.line.0,
                requested: quantity,
                left,
            });
        }
        lines.push(refund_line(sale.currency, sold, before, quantity));
    }
    if lines.is_empty() {
        return Err(RefundError::NothingToRefund);
    }
    Ok(summarise(ReversalKind::Refund, sale.currency, lines))
}

/// Plans a void: everything of `sale` not refunded yet.
pub fn void_plan(sale: &Totals, already: &[AlreadyRefunded]) -> Result<RefundPlan, RefundError> {
    let refunded_before = refunded_by_line(already);
    let requests: Vec<RefundRequest> = sale
        .lines
        .iter()
        .filter(|l| {
            refunded_before
                .get(&l.line)
                .is_none_or(|&before| before < l.quantity)
        })
        .map(|l| RefundRequest::whole(l.line))
        .collect();
    let mut plan = plan(sale, already, &requests)?;
    plan.kind = ReversalKind::Void;
    Ok(plan)
}

fn refunded_by_line(already: &[AlreadyRefunded]) -> BTreeMap<LineId, Decimal> {
    let mut by_line = BTreeMap::new();
    for a in already {
        *by_line.entry(a.line).or_insert(Decimal::ZERO) += a.quantity;
    }
    by_line
}

/// `value * k / sold`, rounded half-up to the currency; exactly `value` when `k == sold`.
fn share(currency: Currency, value: Decimal, k: Decimal, sold: Decimal) -> Decimal {
    if k >= sold || sold.is_zero() {
        return value;
    }
    currency.round(value * k / sold, RoundingMode::HalfUp)
}

fn refund_line(
    currency: Currency,
    sold: &LineTotals,
    before: Decimal,
    quantity: Decimal,
) -> RefundLine {
    let after = before + quantity;
    let portion = |value: Decimal| {
        share(currency, value, after, sold.quantity) - share(currency, value, before, sold.quantity)
    };
    let taxes: Vec<RateAmount> = sold
        .taxes
        .iter()
        .map(|t| RateAmount {
            code: t.code.clone(),
            amount: portion(t.amount),
        })
        .collect();
    let tax: Decimal = taxes.iter().map(|t| t.amount).sum();
    let total = portion(sold.total);
    RefundLine {
        line: sold.line,
        sku: sold.sku.clone(),
        name: sold.name.clone(),
        unit: sold.unit,
        quantity,
        net: total - tax,
        taxes,
        tax,
        total,
        restock: quantity,
    }
}

fn summarise(kind: ReversalKind, currency: Currency, lines: Vec<RefundLine>) -> RefundPlan {
    let mut taxes: Vec<RateAmount> = Vec::new();
    for t in lines.iter().flat_map(|l| &l.taxes) {
        match taxes.iter_mut().find(|x| x.code == t.code) {
            Some(x) => x.amount += t.amount,
            None => taxes.push(t.clone()),
        }
    }
    RefundPlan {
        kind,
        currency,
        net: lines.iter().map(|l| l.net).sum(),
        tax: lines.iter().map(|l| l.tax).sum(),
        total: lines.iter().map(|l| l.total).sum(),
        taxes,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cart::{Cart, Discount};
    use crate::domain::catalog::tests::item;
    use crate::domain::tax::TaxTable;
    use rust_decimal_macros::dec;

    fn sale() -> Totals {
        let mut cart = Cart::new(Currency::EUR);
        let a = cart
            .add_item(
                &item("A", dec!(3.33), "standard", Unit::Each),
                Some(dec!(3)),
            )
            .unwrap();
        cart.add_item(
            &item("B", dec!(4.99), "reduced", Unit::Kg),
            Some(dec!(1.234)),
        )
        .unwrap();
        cart.set_line_discount(a, Discount::Percent(dec!(7)))
            .unwrap();
        cart.set_cart_discount(Discount::Amount(dec!(1.11)))
            .unwrap();
        cart.totals(&TaxTable::default()).unwrap()
    }

    #[test]
    fn whole_refund_equals_sale() {
        let sale = sale();
        let all: Vec<RefundRequest> = sale
            .lines
            .iter()
            .map(|l| RefundRequest::whole(l.line))
            .collect();
        let plan = plan(&sale, &[], &all).unwrap();
        assert_eq!(plan.total, sale.total);
        assert_eq!(plan.tax, sale.tax);
        assert_eq!(plan.net, sale.net);
        for rate in &sale.taxes {
            let refunded = plan
                .taxes
                .iter()
                .find(|t| t.code == rate.code)
                .map(|t| t.amount);
            assert_eq!(refunded, Some(rate.tax), "rate {}", rate.code);
        }
    }

    #[test]
    fn partial_refunds_add_up_to_the_line() {
        let sale = sale();
        let line = sale.lines.first().unwrap();
        let mut already = Vec::new();
        let mut total = Decimal::ZERO;
        let mut tax = Decimal::ZERO;
        for _ in 0..3 {
            let p = plan(
                &sale,
                &already,
                &[RefundRequest::partial(line.line, dec!(1))],
            )
            .unwrap();
            total += p.total;
            tax += p.tax;
            already.push(AlreadyRefunded {
                line: line.line,
                quantity: dec!(1),
            });
        }
        assert_eq!(total, line.total);
        assert_eq!(tax, line.tax);
        assert_eq!(
            plan(&sale, &already, &[RefundRequest::whole(line.line)]),
            Err(RefundError::MoreThanSold {
                line: line.line.0,
                requested: dec!(0),
                left: dec!(0)
            })
        );
    }

    #[test]
    fn bad_refunds_are_refused() {
        let sale = sale();
        let a = sale.lines.first().unwrap().line;
        let b = sale.lines.get(1).unwrap().line;
        assert_eq!(plan(&sale, &[], &[]), Err(RefundError::NothingToRefund));
        assert_eq!(
            plan(&sale, &[], &[RefundRequest::whole(LineId(42))]),
            Err(RefundError::NoSuchLine(42))
        );
        assert!(matches!(
            plan(&sale, &[], &[RefundRequest::partial(a, dec!(4))]),
            Err(RefundError::MoreThanSold { .. })
        ));
        assert!(matches!(
            plan(&sale, &[], &[RefundRequest::partial(a, dec!(1.5))]),
            Err(RefundError::BadQuantity { .. })
        ));
        assert!(matches!(
            plan(&sale, &[], &[RefundRequest::partial(b, dec!(0))]),
            Err(RefundError::BadQuantity { .. })
        ));
        assert_eq!(
            plan(
                &sale,
                &[],
                &[RefundRequest::whole(a), RefundRequest::partial(a, dec!(1))]
            ),
            Err(RefundError::DuplicateLine(a.0))
        );
        // Weighed lines refund by weight.
        let p = plan(&sale, &[], &[RefundRequest::partial(b, dec!(0.5))]).unwrap();
        assert_eq!(p.lines.first().map(|l| l.restock), Some(dec!(0.5)));
    }

    #[test]
    fn void_reverses_what_is_left() {
        let sale = sale();
        let a = sale.lines.first().unwrap().line;
        let first = plan(&sale, &[], &[RefundRequest::partial(a, dec!(2))]).unwrap();
        let already = [AlreadyRefunded {
            line: a,
            quantity: dec!(2),
        }];
        let void = void_plan(&sale, &already).unwrap();
        assert_eq!(void.kind, ReversalKind::Void);
        assert_eq!(first.total + void.total, sale.total);
        assert_eq!(first.tax + void.tax, sale.tax);
        let restocked: Decimal = void.lines.iter().map(|l| l.restock).sum();
        assert_eq!(restocked, dec!(1) + dec!(1.234));
        let everything = [
            AlreadyRefunded {
                line: a,
                quantity: dec!(3),
            },
            AlreadyRefunded {
                line: sale.lines.get(1).unwrap().line,
                quantity: dec!(1.234),
            },
        ];
        assert_eq!(
            void_plan(&sale, &everything),
            Err(RefundError::NothingToRefund)
        );
    }

    #[test]
    fn corrupt_recorded_sale_is_refused() {
        let mut sale = sale();
        let a = sale.lines.first().unwrap().line;
        if let Some(l) = sale.lines.first_mut() {
            l.total = dec!(-5);
        }
        assert_eq!(
            plan(&sale, &[], &[RefundRequest::whole(a)]),
            Err(RefundError::CorruptSale(a.0))
        );
    }
}
