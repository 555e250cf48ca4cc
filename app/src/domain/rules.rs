//! The shop's sale rules in one configuration section: currency, cash rounding, loyalty,
//! in-store barcode layouts and the discount limit above which a manager must approve.
//! Tax has its own section ([`super::tax::TaxTable`]).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::barcode::{BarcodeError, EmbeddedRules};
use super::customer::{CustomerError, LoyaltyRule};
use super::money::Currency;
use super::tender::{CashRounding, TenderError};

/// Why the sale rules were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("cash rounding: {0}")]
    CashRounding(#[from] TenderError),
    #[error("loyalty: {0}")]
    Loyalty(#[from] CustomerError),
    #[error("barcodes: {0}")]
    Barcodes(#[from] BarcodeError),
    #[error("max_discount_percent {0} must be 0-100")]
    DiscountLimit(Decimal),
}

/// Sale rules (serde + defaults, for a `[sale]` section or to flatten into `[store]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SaleRules {
    pub currency: Currency,
    pub cash_rounding: CashRounding,
    pub loyalty: LoyaltyRule,
    /// Price/weight-embedded EAN-13 layouts per prefix 20-29.
    pub barcodes: EmbeddedRules,
    /// Line or cart discounts above this percentage need a manager.
    pub max_discount_percent: Decimal,
}

impl Default for SaleRules {
    fn default() -> Self {
        SaleRules {
            currency: Currency::EUR,
            cash_rounding: CashRounding::default(),
            loyalty: LoyaltyRule::default(),
            barcodes: EmbeddedRules::default(),
            max_discount_percent: Decimal::TEN,
        }
    }
}

impl SaleRules {
    /// Checks every part against the others (cash increment in the currency's units).
    pub fn validate(&self) -> Result<(), RulesError> {
        self.cash_rounding.validate(self.currency)?;
        self.loyalty.validate()?;
        EmbeddedRules::new(self.barcodes.rules().to_vec())?;
        if self.max_discount_percent < Decimal::ZERO
            || self.max_discount_percent > Decimal::ONE_HUNDRED
        {
            return Err(RulesError::DiscountLimit(self.max_discount_percent));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn defaults_are_valid_and_toml_overrides_parts() {
        SaleRules::default().validate().unwrap();
        let rules: SaleRules = toml::from_str(
            r#"
            currency = "CHF"
            max_discount_percent = "20"
            [cash_rounding]
            increment = "0.05"
            [loyalty]
            points = 2
            per = "5"
            "#,
        )
        .unwrap();
        rules.validate().unwrap();
        assert_eq!(rules.currency, Currency::CHF);
        assert_eq!(rules.cash_rounding.increment, dec!(0.05));
        assert_eq!(rules.loyalty.points_for(dec!(12)), 4);
        assert_eq!(rules.barcodes, EmbeddedRules::default());
    }

    #[test]
    fn inconsistent_rules_are_refused() {
        let yen = SaleRules {
            currency: Currency::JPY,
            cash_rounding: CashRounding::to(dec!(0.05)),
            ..SaleRules::default()
        };
        assert!(matches!(yen.validate(), Err(RulesError::CashRounding(_))));
        let limit = SaleRules {
            max_discount_percent: dec!(150),
            ..SaleRules::default()
        };
        assert_eq!(limit.validate(), Err(RulesError::DiscountLimit(dec!(150))));
        assert!(toml::from_str::<SaleRules>("currency = \"XYZ\"").is_err());
    }
}
