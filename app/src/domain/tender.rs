//! Tenders: cash, card and other payments, split tender, change (only ever from cash) and
//! cash rounding (e.g. to 0.05) applied to the cash part alone, with the rounding difference
//! recorded so the books still balance to the cent.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::{Currency, MAX_AMOUNT, RoundingMode};

/// Why a payment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenderError {
    #[error("payment amount {0} must be above zero")]
    NotPositive(Decimal),
    #[error("payment amount {0} has more decimals than the currency allows")]
    TooPrecise(Decimal),
    #[error("payment amount {0} is above the maximum")]
    TooLarge(Decimal),
    #[error("{kind} payment of {amount} exceeds the {remaining} still due; only cash gives change")]
    NonCashOverpayment {
        kind: TenderKind,
        amount: Decimal,
        remaining: Decimal,
    },
    #[error("the sale is already paid")]
    AlreadyPaid,
    #[error("amount due {0} is negative")]
    NegativeDue(Decimal),
    #[error("payment reference looks like a card number; refused")]
    ReferenceLooksLikePan,
    #[error("payment reference is longer than 64 characters")]
    ReferenceTooLong,
    #[error("unknown tender {0:?}")]
    UnknownTender(String),
    #[error(
        "cash rounding increment {0} must be zero (off) or a positive multiple of the minor unit"
    )]
    BadIncrement(Decimal),
}

/// How a payment was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderKind {
    Cash,
    Card,
    /// Voucher, gift card, cheque, ...: named by the shop.
    Other(String),
}

impl TenderKind {
    pub fn is_cash(&self) -> bool {
        matches!(self, TenderKind::Cash)
    }
}

impl fmt::Display for TenderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenderKind::Cash => f.write_str("cash"),
            TenderKind::Card => f.write_str("card"),
            TenderKind::Other(name) => f.write_str(name),
        }
    }
}

impl std::str::FromStr for TenderKind {
    type Err = TenderError;
    /// `cash`, `card`, or any other lower-case word (`voucher`, `gift_card`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        match name.as_str() {
            "cash" => Ok(TenderKind::Cash),
            "card" => Ok(TenderKind::Card),
            other
                if (1..=24).contains(&other.len())
                    && other.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                Ok(TenderKind::Other(other.to_owned()))
            }
            other => Err(TenderError::UnknownTender(other.chars().take(24).collect())),
        }
    }
}

/// One payment towards a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub kind: TenderKind,
    /// Amount tendered (for cash: what the customer handed over, before change).
    pub amount: Decimal,
    /// Authorisation code, voucher number, ... never a card number.
    pub reference: Option<String>,
}

impl Payment {
    /// A checked payment: positive, exact in the currency, and a reference that cannot be a
    /// card number (13-19 digits passing Luhn are refused, so a PAN never lands in storage).
    pub fn new(
        kind: TenderKind,
        amount: Decimal,
        reference: Option<String>,
        currency: Currency,
    ) -> Result<Payment, TenderError> {
        if amount <= Decimal::ZERO {
            return Err(TenderError::NotPositive(amount));
        }
        if amount > MAX_AMOUNT {
            return Err(TenderError::TooLarge(amount));
        }
        if amount.normalize().scale() > currency.minor_units() {
            return Err(TenderError::TooPrecise(amount));
        }
        if let Some(r) = &reference {
            if r.chars().count() > 64 {
                return Err(TenderError::ReferenceTooLong);
            }
            if looks_like_pan(r) {
                return Err(TenderError::ReferenceLooksLikePan);
            }
        }
        Ok(Payment {
            kind,
            amount,
            reference,
        })
    }

    pub fn cash(amount: Decimal, currency: Currency) -> Result<Payment, TenderError> {
        Payment::new(TenderKind::Cash, amount, None, currency)
    }

    pub fn card(
        amount: Decimal,
        auth_code: Option<String>,
        currency: Currency,
    ) -> Result<Payment, TenderError> {
        Payment::new(TenderKind::Card, amount, auth_code, currency)
    }
}

/// True when the digits of `text` (ignoring blanks and dashes) form a 13-19 digit number that
/// passes the Luhn check, i.e. could be a card number.
pub fn looks_like_pan(text: &str) -> bool {
    let digits: Vec<u32> = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
        .unwrap_or_default();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2 == 1, d * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Cash rounding: the cash part of a payment is rounded to `increment` (0.05 in Switzerland;
/// 0 turns it off). Card and other tenders always pay exact amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CashRounding {
    pub increment: Decimal,
    pub mode: RoundingMode,
}

impl Default for CashRounding {
    fn default() -> Self {
        CashRounding {
            increment: Decimal::ZERO,
            mode: RoundingMode::HalfUp,
        }
    }
}

impl CashRounding {
    /// Rounding to `increment` half-up.
    pub fn to(increment: Decimal) -> CashRounding {
        CashRounding {
            increment,
            mode: RoundingMode::HalfUp,
        }
    }

    /// Checks the increment is off or a positive multiple of the currency's minor unit.
    pub fn validate(&self, currency: Currency) -> Result<(), TenderError> {
        let unit = currency.smallest_unit();
        if self.increment.is_zero() {
            return Ok(());
        }
        if self.increment < Decimal::ZERO
            || self.increment > Decimal::ONE_HUNDRED
            || !(self.increment % unit).is_zero()
        {
            return Err(TenderError::BadIncrement(self.increment));
        }
        Ok(())
    }

    /// The amount to ask for in cash.
    pub fn round(&self, amount: Decimal) -> Decimal {
        self.mode.round_to_increment(amount, self.increment)
    }

    /// A cash amount and its rounding difference, e.g. a refund paid out in cash:
    /// 10.03 -> (10.05, +0.02) with a 0.05 increment.
    pub fn apply(&self, amount: Decimal) -> (Decimal, Decimal) {
        let rounded = self.round(amount);
        (rounded, rounded - amount)
    }
}

/// Where a sale stands with the payments so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The sale total (exact, before cash rounding).
    pub total: Decimal,
    /// Card and other tenders.
    pub non_cash: Decimal,
    pub cash_tendered: Decimal,
    /// The cash part of the total after cash rounding (what the cash actually paid).
    pub cash_due: Decimal,
    /// `cash_due` minus the exact cash part: recorded on the sale so totals reconcile.
    pub rounding: Decimal,
    pub change: Decimal,
    /// Still owed if the rest is paid by card (exact).
    pub remaining: Decimal,
    /// Still owed if the rest is paid in cash (rounded).
    pub remaining_cash: Decimal,
    pub complete: bool,
}

/// Works out change, cash rounding and what is still due. Non-cash tenders may not exceed the
/// total (change comes only from cash). With cash rounding on, a remainder that rounds to
/// zero in cash completes the sale (the difference becomes the rounding).
pub fn settle(
    total: Decimal,
    payments: &[Payment],
    rounding: &CashRounding,
) -> Result<Settlement, TenderError> {
    if total < Decimal::ZERO {
        return Err(TenderError::NegativeDue(total));
    }
    let non_cash: Decimal = payments
        .iter()
        .filter(|p| !p.kind.is_cash())
        .map(|p| p.amount)
        .sum();
    if non_cash > total {
        let last = payments.iter().rfind(|p| !p.kind.is_cash());
        return Err(TenderError::NonCashOverpayment {
            kind: last.map_or(TenderKind::Card, |p| p.kind.clone()),
            amount: last.map_or(non_cash, |p| p.amount),
            remaining: total - (non_cash - last.map_or(Decimal::ZERO, |p| p.amount)),
        });
    }
    let cash_tendered: Decimal = payments
        .iter()
        .filter(|p| p.kind.is_cash())
        .map(|p| p.amount)
        .sum();
    let cash_part = total - non_cash;
    let cash_due = rounding.round(cash_part);
    let complete =
        cash_tendered >= cash_due && (cash_tendered > Decimal::ZERO || cash_due.is_zero());
    let settlement = if complete {
        // Rounding applies only when cash actually settles a part.
        let (cash_due, diff) = if cash_part.is_zero() {
            (Decimal::ZERO, Decimal::ZERO)
        } else {
            (cash_due, cash_due - cash_part)
        };
        Settlement {
            total,
            non_cash,
            cash_tendered,
            cash_due,
            rounding: diff,
            change: cash_tendered - cash_due,
            remaining: Decimal::ZERO,
            remaining_cash: Decimal::ZERO,
            complete: true,
        }
    } else {
        let remaining = cash_part - cash_tendered;
        Settlement {
            total,
            non_cash,
            cash_tendered,
            cash_due: Decimal::ZERO,
            rounding: Decimal::ZERO,
            change: Decimal::ZERO,
            remaining,
            remaining_cash: rounding.round(remaining).max(Decimal::ZERO),
            complete: false,
        }
    };
    Ok(settlement)
}

/// Payments collected for one sale, refusing any that break the rules as they come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    pub total: Decimal,
    pub rounding: CashRounding,
    payments: Vec<Payment>,
}

impl Checkout {
    pub fn new(total: Decimal, rounding: CashRounding) -> Result<Checkout, TenderError> {
        settle(total, &[], &rounding)?;
        Ok(Checkout {
            total,
            rounding,
            payments: Vec::new(),
        })
    }

    pub fn payments(&self) -> &[Payment] {
        &self.payments
    }

    /// Where the sale stands now.
    pub fn settlement(&self) -> Result<Settlement, TenderError> {
        settle(self.total, &self.payments, &self.rounding)
    }

    /// Adds a payment; nothing changes when it is refused.
    pub fn add(&mut self, payment: Payment) -> Result<Settlement, TenderError> {
        if self.settlement()?.complete {
            return Err(TenderError::AlreadyPaid);
        }
        self.payments.push(payment);
        match self.settlement() {
            Ok(s) => Ok(s),
            Err(e) => {
                self.payments.pop();
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn cash(a: Decimal) -> Payment {
        Payment::cash(a, Currency::EUR).unwrap()
    }
    fn card(a: Decimal) -> Payment {
        Payment::card(a, Some("A1B2C3".into()), Currency::EUR).unwrap()
    }

    #[test]
    fn cash_with_change() {
        let s = settle(dec!(17.35), &[cash(dec!(20))], &CashRounding::default()).unwrap();
        assert!(s.complete);
        assert_eq!(s.change, dec!(2.65));
        assert_eq!(s.rounding, dec!(0));
    }

    #[test]
    fn split_card_then_cash() {
        let s = settle(
            dec!(50.00),
            &[card(dec!(30)), cash(dec!(50))],
            &CashRounding::default(),
        )
        .unwrap();
        assert!(s.complete);
        assert_eq!(s.change, dec!(30.00));
        let partial = settle(dec!(50.00), &[card(dec!(30))], &CashRounding::default()).unwrap();
        assert!(!partial.complete);
        assert_eq!(partial.remaining, dec!(20.00));
    }

    #[test]
    fn change_only_from_cash() {
        let err = settle(dec!(10.00), &[card(dec!(10.01))], &CashRounding::default()).unwrap_err();
        assert!(matches!(err, TenderError::NonCashOverpayment { .. }));
        let mut checkout = Checkout::new(dec!(10.00), CashRounding::default()).unwrap();
        checkout.add(card(dec!(6))).unwrap();
        assert!(checkout.add(card(dec!(5))).is_err());
        assert_eq!(
            checkout.payments().len(),
            1,
            "a refused payment changes nothing"
        );
        let done = checkout.add(cash(dec!(5))).unwrap();
        assert_eq!(done.change, dec!(1));
        assert_eq!(checkout.add(cash(dec!(1))), Err(TenderError::AlreadyPaid));
    }

    /// Cash rounding table: (total, payments, increment, cash_due, rounding, change, complete).
    #[test]
    fn cash_rounding_table() {
        let table = [
            (
                dec!(10.02),
                vec![cash(dec!(20))],
                dec!(0.05),
                dec!(10.00),
                dec!(-0.02),
                dec!(10.00),
                true,
            ),
            (
                dec!(10.03),
                vec![cash(dec!(20))],
                dec!(0.05),
                dec!(10.05),
                dec!(0.02),
                dec!(9.95),
                true,
            ),
            (
                dec!(10.03),
                vec![cash(dec!(10.05))],
                dec!(0.05),
                dec!(10.05),
                dec!(0.02),
                dec!(0),
                true,
            ),
            (
                dec!(10.03),
                vec![cash(dec!(10))],
                dec!(0.05),
                dec!(0),
                dec!(0),
                dec!(0),
                false,
            ),
            (
                dec!(10.07),
                vec![card(dec!(10.07))],
                dec!(0.05),
                dec!(0),
                dec!(0),
                dec!(0),
                true,
            ),
            // Only the cash part is rounded: 3.03 in cash -> 3.05.
            (
                dec!(10.03),
                vec![card(dec!(7)), cash(dec!(5))],
                dec!(0.05),
                dec!(3.05),
                dec!(0.02),
                dec!(1.95),
                true,
            ),
            (
                dec!(10.03),
                vec![cash(dec!(20))],
                dec!(0.10),
                dec!(10.00),
                dec!(-0.03),
                dec!(10.00),
                true,
            ),
            (
                dec!(10.03),
                vec![cash(dec!(20))],
                dec!(0),
                dec!(10.03),
                dec!(0),
                dec!(9.97),
                true,
            ),
            // A remainder that rounds to nothing in cash completes the sale.
            (
                dec!(10.02),
                vec![card(dec!(10.00))],
                dec!(0.05),
                dec!(0.00),
                dec!(-0.02),
                dec!(0),
                true,
            ),
        ];
        for (i, (total, payments, increment, due, diff, change, complete)) in
            table.into_iter().enumerate()
        {
            let s = settle(total, &payments, &CashRounding::to(increment)).unwrap();
            assert_eq!(s.complete, complete, "row {i}");
            assert_eq!(s.cash_due, due, "row {i}");
            assert_eq!(s.rounding, diff, "row {i}");
            assert_eq!(s.change, change, "row {i}");
            if complete {
                // Books balance: what was kept equals total + rounding.
                assert_eq!(
                    s.non_cash + s.cash_tendered - s.change,
                    total + s.rounding,
                    "row {i}"
                );
            }
        }
        // Refund payouts in cash round the same way.
        let nickel = CashRounding::to(dec!(0.05));
        assert_eq!(nickel.apply(dec!(7.22)), (dec!(7.20), dec!(-0.02)));
        assert_eq!(
            CashRounding::default().apply(dec!(7.22)),
            (dec!(7.22), dec!(0))
        );
        let partial = settle(
            dec!(10.03),
            &[cash(dec!(10))],
            &CashRounding::to(dec!(0.05)),
        )
        .unwrap();
        assert_eq!(partial.remaining, dec!(0.03));
        assert_eq!(partial.remaining_cash, dec!(0.05));
    }

    #[test]
    fn bad_payments_are_refused() {
        assert!(Payment::cash(dec!(0), Currency::EUR).is_err());
        assert!(Payment::cash(dec!(-1), Currency::EUR).is_err());
        assert!(Payment::cash(dec!(1.001), Currency::EUR).is_err());
        assert!(Payment::cash(dec!(1.5), Currency::JPY).is_err());
        // A Visa test PAN as a reference is refused.
        assert_eq!(
            Payment::card(dec!(1), Some("4111 1111 1111 1111".into()), Currency::EUR),
            Err(TenderError::ReferenceLooksLikePan)
        );
        assert!(Payment::card(dec!(1), Some("123456".into()), Currency::EUR).is_ok());
        assert!(CashRounding::to(dec!(0.05)).validate(Currency::EUR).is_ok());
        assert!(
            CashRounding::to(dec!(0.005))
                .validate(Currency::EUR)
                .is_err()
        );
        assert!(
            CashRounding::to(dec!(-0.05))
                .validate(Currency::EUR)
                .is_err()
        );
        assert!(settle(dec!(-1), &[], &CashRounding::default()).is_err());
    }

    #[test]
    fn tender_kinds_parse() {
        assert_eq!("Cash".parse::<TenderKind>(), Ok(TenderKind::Cash));
        assert_eq!(
            "voucher".parse::<TenderKind>(),
            Ok(TenderKind::Other("voucher".into()))
        );
        assert!("".parse::<TenderKind>().is_err());
        assert!("gift card!".parse::<TenderKind>().is_err());
        assert_eq!(
            serde_json::to_string(&TenderKind::Card).unwrap(),
            "\"card\""
        );
    }
}
