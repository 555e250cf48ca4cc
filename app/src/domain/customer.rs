//! Customers: the record a sale may be attached to, its purchase history (by receipt
//! reference; the store keeps the rows) and the loyalty points rule.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a customer record or loyalty rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("customer id must be 1-64 printable characters without blanks")]
    BadId,
    #[error("customer name must not be empty")]
    EmptyName,
    #[error("customer name is longer than 200 characters")]
    NameTooLong,
    #[error("e-mail address {0:?} is not valid")]
    BadEmail(String),
    #[error("phone number {0:?} is not valid")]
    BadPhone(String),
    #[error("loyalty rule needs a spend per step of at least 0.01 and 0-1000 points")]
    BadRule,
}

/// A customer record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Points balance; may go below zero when points already spent are reversed by a refund.
    pub points: i64,
    /// Lifetime spend net of refunds, in major units.
    pub total_spent: Decimal,
    pub visits: u32,
}

/// One entry of a customer's history: which receipt, how much, what it did to the points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub receipt: String,
    /// Positive for a sale, negative for a refund.
    pub amount: Decimal,
    pub points: i64,
}

impl Customer {
    /// A new customer with no history.
    pub fn new(
        id: &str,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Customer, CustomerError> {
        let customer = Customer {
            id: id.trim().to_owned(),
            name: name.trim().to_owned(),
            email: email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
            phone: phone.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()),
            points: 0,
            total_spent: Decimal::ZERO,
            visits: 0,
        };
        customer.validate()?;
        Ok(customer)
    }

    /// Checks id, name, e-mail and phone shapes.
    pub fn validate(&self) -> Result<(), CustomerError> {
        if !(1..=64).contains(&self.id.len()) || !self.id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(CustomerError::BadId);
        }
        if self.name.trim().is_empty() {
            return Err(CustomerError::EmptyName);
        }
        if self.name.chars().count() > 200 {
            return Err(CustomerError::NameTooLong);
        }
        if let Some(email) = &self.email {
            let valid = email.len() <= 254
                && !email.chars().any(char::is_whitespace)
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains('@')
                });
            if !valid {
                return Err(CustomerError::BadEmail(email.chars().take(40).collect()));
            }
        }
        if let Some(phone) = &self.phone {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let allowed = phone
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || " -()./".contains(c) || (i == 0 && c == '+'));
            if !allowed || !(6..=15).contains(&digits) {
                return Err(CustomerError::BadPhone(phone.chars().take(24).collect()));
            }
        }
        Ok(())
    }

    /// Records a sale: adds spend, a visit and the points the rule gives.
    pub fn record_sale(
        &mut self,
        receipt: &str,
        total: Decimal,
        rule: &LoyaltyRule,
    ) -> HistoryEntry {
        let points = rule.points_for(total);
        self.points = self.points.saturating_add(points);
        self.total_spent += total;
        self.visits = self.visits.saturating_add(1);
        HistoryEntry {
            receipt: receipt.to_owned(),
            amount: total,
            points,
        }
    }

    /// Records a refund of `refund_total` against a sale of `sale_total` of which
    /// `refunded_before` was already refunded: takes back exactly the points that sale no
    /// longer earns.
    pub fn record_refund(
        &mut self,
        receipt: &str,
        sale_total: Decimal,
        refunded_before: Decimal,
        refund_total: Decimal,
        rule: &LoyaltyRule,
    ) -> HistoryEntry {
        let points = rule.points_reversed(sale_total, refunded_before, refund_total);
        self.points = self.points.saturating_sub(points);
        self.total_spent -= refund_total;
        HistoryEntry {
            receipt: receipt.to_owned(),
            amount: -refund_total,
            points: -points,
        }
    }
}

/// Loyalty points: `points` for every whole `per` spent (1 point per 1.00 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoyaltyRule {
    pub points: i64,
    pub per: Decimal,
}

impl Default for LoyaltyRule {
    fn default() -> Self {
        LoyaltyRule {
            points: 1,
            per: Decimal::ONE,
        }
    }
}

impl LoyaltyRule {
    /// `per` at least 0.01 and `points` 0-1000: anything else is a typo in the config.
    pub fn validate(&self) -> Result<(), CustomerError> {
        if self.per < Decimal::new(1, 2) || !(0..=1000).contains(&self.points) {
            return Err(CustomerError::BadRule);
        }
        Ok(())
    }

    /// Points earned by a purchase of `total` (whole steps only; nothing for refunds or
    /// an invalid rule).
    pub fn points_for(&self, total: Decimal) -> i64 {
        if self.validate().is_err() || total <= Decimal::ZERO {
            return 0;
        }
        let Some(steps) = total.checked_div(self.per).map(|q| q.floor()) else {
            return 0;
        };
        i64::try_from(steps)
            .unwrap_or(i64::MAX)
            .saturating_mul(self.points)
    }

    /// Points to take back for a refund: what the sale earned on what was left before,
    /// minus what it earns on what is left after. Refunding everything, in any number of
    /// steps, takes back exactly what the sale earned.
    pub fn points_reversed(
        &self,
        sale_total: Decimal,
        refunded_before: Decimal,
        refund_total: Decimal,
    ) -> i64 {
        let left_before = sale_total - refunded_before;
        let left_after = left_before - refund_total;
        self.points_for(left_before) - self.points_for(left_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn valid_and_invalid_customers() {
        assert!(
            Customer::new(
                "C-1",
                "Ada Lovelace",
                Some("ada@example.org"),
                Some("+44 20 7946 0000")
            )
            .is_ok()
        );
        assert!(Customer::new("C-2", "Bob", None, Some("")).is_ok());
        assert_eq!(
            Customer::new("", "X", None, None),
            Err(CustomerError::BadId)
        );
        assert_eq!(
            Customer::new("C 3", "X", None, None),
            Err(CustomerError::BadId)
        );
        assert_eq!(
            Customer::new("C-3", " ", None, None),
            Err(CustomerError::EmptyName)
        );
        for bad in [
            "ada",
            "ada@",
            "@x.org",
            "a@b",
            "a b@c.org",
            "a@.org",
            "a@b@c.org",
        ] {
            assert!(
                matches!(
                    Customer::new("C", "A", Some(bad), None),
                    Err(CustomerError::BadEmail(_))
                ),
                "{bad}"
            );
        }
        for bad in ["12", "call me", "++4412345678", "1234567890123456"] {
            assert!(
                matches!(
                    Customer::new("C", "A", None, Some(bad)),
                    Err(CustomerError::BadPhone(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn points_rule_table() {
        // (points, per, total, expected)
        let table = [
            (1, dec!(1), dec!(17.99), 17),
            (1, dec!(1), dec!(0.99), 0),
            (1, dec!(10), dec!(99.99), 9),
            (5, dec!(1), dec!(3.50), 15),
            (1, dec!(1), dec!(-5), 0),
            (0, dec!(1), dec!(100), 0),
        ];
        for (points, per, total, expected) in table {
            assert_eq!(
                LoyaltyRule { points, per }.points_for(total),
                expected,
                "{total}"
            );
        }
        assert_eq!(
            LoyaltyRule {
                points: 1,
                per: dec!(0)
            }
            .points_for(dec!(5)),
            0
        );
        let tiny = LoyaltyRule {
            points: 1,
            per: Decimal::new(1, 28),
        };
        assert_eq!(tiny.validate(), Err(CustomerError::BadRule));
        assert_eq!(tiny.points_for(dec!(1000000)), 0);
    }

    #[test]
    fn refunds_take_back_exactly_what_was_earned() {
        let rule = LoyaltyRule::default();
        let mut c = Customer::new("C-1", "Ada", None, None).unwrap();
        let sale = c.record_sale("R-1", dec!(25.50), &rule);
        assert_eq!(sale.points, 25);
        assert_eq!((c.points, c.visits), (25, 1));
        // Refund in three steps of uneven size.
        let r1 = c.record_refund("R-2", dec!(25.50), dec!(0), dec!(0.75), &rule);
        let r2 = c.record_refund("R-3", dec!(25.50), dec!(0.75), dec!(10.20), &rule);
        let r3 = c.record_refund("R-4", dec!(25.50), dec!(10.95), dec!(14.55), &rule);
        assert_eq!(r1.points + r2.points + r3.points, -25);
        assert_eq!(c.points, 0);
        assert_eq!(c.total_spent, dec!(0));
    }
}
