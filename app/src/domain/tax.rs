//! Tax: rates per tax class, inclusive or exclusive pricing, rounding per line or per
//! document with a configurable mode, and the per-rate breakdown a receipt prints.
//!
//! Every line ends up with its own tax per rate, and the lines always add up to the document's
//! tax per rate exactly. With per-document rounding the document tax per rate is rounded once
//! and then allocated back to the lines (largest remainder), so a refund of some lines can
//! reverse precisely what those lines were charged.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::catalog::TaxClass;
use super::money::{Currency, RoundingMode};

/// Why a tax computation or table was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("tax class {0:?} is not in the tax table")]
    UnknownClass(String),
    #[error("tax class {class:?} refers to unknown rate {rate:?}")]
    UnknownRate { class: String, rate: String },
    #[error("tax rate {code:?} has percent {percent}; expected 0-100")]
    BadPercent { code: String, percent: Decimal },
    #[error("tax rate code {0:?} is defined twice")]
    DuplicateRate(String),
    #[error("tax rate code must be 1-16 characters, got {0:?}")]
    BadRateCode(String),
    #[error("amount {0} is negative")]
    NegativeAmount(Decimal),
    #[error("amount {0} is above the maximum a document may carry")]
    AmountTooLarge(Decimal),
}

/// Largest line amount `compute` accepts; keeps every product and sum far inside `Decimal`.
const MAX_LINE_AMOUNT: Decimal = Decimal::from_parts(0x4E72_A000, 0x0000_0918, 0, false, 0); // 1e13

/// Whether shelf prices include tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Prices include tax (Europe): tax is extracted from the amount.
    #[default]
    Inclusive,
    /// Prices exclude tax (North America): tax is added to the amount.
    Exclusive,
}

/// Where tax is rounded to the currency's minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingPlacement {
    /// Each line's tax per rate is rounded, the document adds rounded values.
    #[default]
    PerLine,
    /// The document's tax per rate is rounded once from exact line values.
    PerDocument,
}

/// One tax rate, e.g. `A` = VAT 20 %.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    /// Short code printed on receipts next to each line (`A`, `B`, `state`, ...).
    pub code: String,
    pub name: String,
    /// Percent: `20` means 20 %.
    pub percent: Decimal,
}

impl TaxRate {
    pub fn new(code: &str, name: &str, percent: Decimal) -> TaxRate {
        TaxRate {
            code: code.to_owned(),
            name: name.to_owned(),
            percent,
        }
    }

    fn fraction(&self) -> Decimal {
        self.percent / Decimal::ONE_HUNDRED
    }
}

/// The tax rules in force (the `[tax]` configuration section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxTable {
    pub mode: TaxMode,
    pub placement: RoundingPlacement,
    /// Rounding of tax amounts (and of line amounts in the cart).
    pub rounding: RoundingMode,
    pub rates: Vec<TaxRate>,
    /// Tax class -> rate codes applied to it (several rates add up, e.g. state + county).
    pub classes: BTreeMap<String, Vec<String>>,
}

impl Default for TaxTable {
    /// French VAT: `standard` 20 %, `intermediate` 10 %, `reduced` 5.5 % (food), `zero`;
    /// the demo catalogue uses `standard`, `reduced` and `zero`.
    fn default() -> Self {
        let rate = |code: &str, name: &str, percent: Decimal| TaxRate::new(code, name, percent);
        let classes = [
            ("standard", "A"),
            ("intermediate", "B"),
            ("reduced", "C"),
            ("zero", "Z"),
        ]
        .into_iter()
        .map(|(class, code)| (class.to_owned(), vec![code.to_owned()]))
        .collect();
        TaxTable {
            mode: TaxMode::Inclusive,
            placement: RoundingPlacement::PerLine,
            rounding: RoundingMode::HalfUp,
            rates: vec![
                rate("A", "VAT 20%", Decimal::new(20, 0)),
                rate("B", "VAT 10%", Decimal::new(10, 0)),
                rate("C", "VAT 5.5%", Decimal::new(55, 1)),
                rate("Z", "VAT 0%", Decimal::ZERO),
            ],
            classes,
        }
    }
}

/// Tax of one rate on one line or document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateAmount {
    pub code: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// The tax of one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTax {
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    /// One entry per rate of the line's class, in table order.
    pub taxes: Vec<RateAmount>,
    #[serde(with = "rust_decimal::serde::str")]
    pub tax: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
}

/// One row of the receipt's tax summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBreakdown {
    pub code: String,
    pub name: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub percent: Decimal,
    /// Net amount of the lines this rate applies to.
    #[serde(with = "rust_decimal::serde::str")]
    pub base: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub tax: Decimal,
}

/// Tax of a whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxResult {
    pub lines: Vec<LineTax>,
    /// Rates actually used, in table order.
    pub rates: Vec<TaxBreakdown>,
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
}

impl TaxTable {
    /// Checks percents, codes, and that every class names known rates.
    pub fn validate(&self) -> Result<(), TaxError> {
        for (i, rate) in self.rates.iter().enumerate() {
            if !(1..=16).contains(&rate.code.len()) {
                return Err(TaxError::BadRateCode(rate.code.chars().take(24).collect()));
            }
            if rate.percent < Decimal::ZERO || rate.percent > Decimal::ONE_HUNDRED {
                return Err(TaxError::BadPercent {
                    code: rate.code.clone(),
                    percent: rate.percent,
                });
            }
            if self.rates.iter().skip(i + 1).any(|r| r.code == rate.code) {
                return Err(TaxError::DuplicateRate(rate.code.clone()));
            }
        }
        for (class, codes) in &self.classes {
            TaxClass::new(class).map_err(|_| TaxError::UnknownClass(class.clone()))?;
            for code in codes {
                if !self.rates.iter().any(|r| &r.code == code) {
                    return Err(TaxError::UnknownRate {
                        class: class.clone(),
                        rate: code.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// True when the class is in the table.
    pub fn knows(&self, class: &TaxClass) -> bool {
        self.classes.contains_key(class.as_str())
    }

    /// The rates of a class, in table order (each rate once).
    pub fn rates_for(&self, class: &TaxClass) -> Result<Vec<&TaxRate>, TaxError> {
        let codes = self
            .classes
            .get(class.as_str())
            .ok_or_else(|| TaxError::UnknownClass(class.as_str().to_owned()))?;
        for code in codes {
            if !self.rates.iter().any(|r| &r.code == code) {
                return Err(TaxError::UnknownRate {
                    class: class.as_str().to_owned(),
                    rate: code.clone(),
                });
            }
        }
        Ok(self
            .rates
            .iter()
            .filter(|r| codes.contains(&r.code))
            .collect())
    }

    /// Computes the tax of a document. Each line is `(tax class, amount)` where the amount is
    /// already rounded to the currency and discounted: gross when prices include tax, net
    /// otherwise. Amounts must not be negative (refunds reverse recorded lines instead).
    pub fn compute(
        &self,
        currency: Currency,
        lines: &[(&TaxClass, Decimal)],
    ) -> Result<TaxResult, TaxError> {
        self.validate()?;
        // Exact (unrounded) tax per line per rate, in table-rate index space.
        let mut exact: Vec<Vec<(usize, Decimal)>> = Vec::with_capacity(lines.len());
        for (class, amount) in lines {
            if amount.is_sign_negative() && !amount.is_zero() {
                return Err(TaxError::NegativeAmount(*amount));
            }
            if *amount > MAX_LINE_AMOUNT {
                return Err(TaxError::AmountTooLarge(*amount));
            }
            let rates = self.rates_for(class)?;
            let total_fraction: Decimal = rates.iter().map(|r| r.fraction()).sum();
            let per_rate = rates
                .iter()
                .map(|rate| {
                    let index = self.rate_index(&rate.code);
                    let tax = match self.mode {
                        TaxMode::Exclusive => *amount * rate.fraction(),
                        TaxMode::Inclusive => {
                            *amount * rate.fraction() / (Decimal::ONE + total_fraction)
                        }
                    };
                    (index, tax)
                })
                .collect();
            exact.push(per_rate);
        }

        let rounded = match self.placement {
            RoundingPlacement::PerLine => exact
                .iter()
                .map(|line| {
                    line.iter()
                        .map(|&(i, tax)| (i, currency.round(tax, self.rounding)))
                        .collect()
                })
                .collect(),
            RoundingPlacement::PerDocument => self.allocate_document_tax(currency, &exact)?,
        };

        let mut result = TaxResult {
            lines: Vec::with_capacity(lines.len()),
            rates: Vec::new(),
            net: Decimal::ZERO,
            tax: Decimal::ZERO,
            gross: Decimal::ZERO,
        };
        let mut base = vec![Decimal::ZERO; self.rates.len()];
        let mut tax_by_rate = vec![Decimal::ZERO; self.rates.len()];
        let mut used = vec![false; self.rates.len()];
        for ((_, amount), taxes) in lines.iter().zip(&rounded) {
            let tax: Decimal = taxes.iter().map(|(_, t)| *t).sum();
            let (net, gross) = match self.mode {
                TaxMode::Exclusive => (*amount, *amount + tax),
                TaxMode::Inclusive => (*amount - tax, *amount),
            };
            for &(i, t) in taxes {
                if let (Some(b), Some(sum), Some(u)) =
                    (base.get_mut(i), tax_by_rate.get_mut(i), used.get_mut(i))
                {
                    *b += net;
                    *sum += t;
                    *u = true;
                }
            }
            result.net += net;
            result.tax += tax;
            result.gross += gross;
            result.lines.push(LineTax {
                net,
                taxes: taxes
                    .iter()
                    .map(|&(i, amount)| RateAmount {
                        code: self
                            .rates
                            .get(i)
                            .map(|r| r.code.clone())
                            .unwrap_or_default(),
                        amount,
                    })
                    .collect(),
                tax,
                gross,
            });
        }
        for (i, rate) in self.rates.iter().enumerate() {
            if used.get(i).copied().unwrap_or(false) {
                result.rates.push(TaxBreakdown {
                    code: rate.code.clone(),
                    name: rate.name.clone(),
                    percent: rate.percent,
                    base: base.get(i).copied().unwrap_or_default(),
                    tax: tax_by_rate.get(i).copied().unwrap_or_default(),
                });
            }
        }
        Ok(result)
    }

    fn rate_index(&self, code: &str) -> usize {
        self.rates
            .iter()
            .position(|r| r.code == code)
            .unwrap_or(usize::MAX)
    }

    /// Rounds each rate's document total once, then shares it over the lines in proportion
    /// to their exact tax so lines add up to the document exactly.
    fn allocate_document_tax(
        &self,
        currency: Currency,
        exact: &[Vec<(usize, Decimal)>],
    ) -> Result<Vec<Vec<(usize, Decimal)>>, TaxError> {
        let mut rounded: Vec<Vec<(usize, Decimal)>> = exact.to_vec();
        for rate in 0..self.rates.len() {
            let positions: Vec<(usize, usize)> = exact
                .iter()
                .enumerate()
                .flat_map(|(line, taxes)| {
                    taxes
                        .iter()
                        .enumerate()
                        .filter(move |(_, (i, _))| *i == rate)
                        .map(move |(slot, _)| (line, slot))
                })
                .collect();
            if positions.is_empty() {
                continue;
            }
            let weights: Vec<Decimal> = positions
                .iter()
                .map(|&(line, slot)| {
                    exact
                        .get(line)
                        .and_then(|t| t.get(slot))
                        .map_or(Decimal::ZERO, |(_, tax)| *tax)
                })
                .collect();
            let total = currency.round(weights.iter().copied().sum(), self.rounding);
            let shares = allocate(total, &weights, currency.smallest_unit())
                .ok_or(TaxError::AmountTooLarge(total))?;
            for (&(line, slot), share) in positions.iter().zip(shares) {
                if let Some(entry) = rounded.get_mut(line).and_then(|t| t.get_mut(slot)) {
                    entry.1 = share;
                }
            }
        }
        Ok(rounded)
    }
}

/// Largest total or weight [`allocate`] takes (1e18): sums of a few thousand stay in range.
const MAX_ALLOCATION: Decimal = Decimal::from_parts(0xA764_0000, 0x0DE0_B6B3, 0, false, 0);

/// Shares `total` (a multiple of `unit`) over `weights` in proportion, to the `unit`, by the
/// largest-remainder method: the shares always add up to `total` exactly, and each share is
/// within one unit of its exact proportion. Ties go to the earlier weight. All-zero weights
/// share evenly in the same way. `None` for a non-positive unit or values above 1e18; an
/// empty list of weights gives an empty list.
pub fn allocate(total: Decimal, weights: &[Decimal], unit: Decimal) -> Option<Vec<Decimal>> {
    let too_big = |d: &Decimal| d.abs() > MAX_ALLOCATION;
    if unit <= Decimal::ZERO || too_big(&total) || weights.iter().any(too_big) {
        return None;
    }
    if weights.is_empty() {
        return Some(Vec::new());
    }
    let negative = total.is_sign_negative();
    let total = total.abs();
    let weight_sum: Decimal = weights.iter().map(|w| w.abs()).sum();
    let count = Decimal::from(weights.len());
    let exact: Vec<Decimal> = weights
        .iter()
        .map(|w| {
            if weight_sum.is_zero() {
                total / count
            } else {
                // The ratio is at most 1, so the product cannot overflow.
                total * (w.abs() / weight_sum)
            }
        })
        .collect();
    let mut shares: Vec<Decimal> = exact.iter().map(|e| (e / unit).trunc() * unit).collect();
    let given: Decimal = shares.iter().copied().sum();
    let mut left = ((total - given) / unit).round();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; stable sort keeps earlier lines first on ties.
    order.sort_by(|&a, &b| {
        let rem = |i: usize| {
            exact.get(i).copied().unwrap_or_default() - shares.get(i).copied().unwrap_or_default()
        };
        rem(b).cmp(&rem(a))
    });
    let mut cursor = order.iter().cycle();
    while left > Decimal::ZERO {
        if let Some(share) = cursor.next().and_then(|&i| shares.get_mut(i)) {
            *share += unit;
        }
        left -= Decimal::ONE;
    }
    if negative {
        shares.iter_mut().for_each(|s| *s = -*s);
    }
    Some(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn class(name: &str) -> TaxClass {
        TaxClass::new(name).unwrap()
    }

    #[test]
    fn default_table_is_valid_and_loads_from_toml() {
        TaxTable::default().validate().unwrap();
        let toml_text = r#"
            mode = "exclusive"
            placement = "per_document"
            rounding = "half_even"
            [[rates]]
            code = "state"
            name = "State 6%"
            percent = 6
            [[rates]]
            code = "city"
            name = "City 2.25%"
            percent = "2.25"
            [classes]
            general = ["state", "city"]
            grocery = []
        "#;
        let table: TaxTable = toml::from_str(toml_text).unwrap();
        table.validate().unwrap();
        assert_eq!(table.mode, TaxMode::Exclusive);
        assert_eq!(table.rates_for(&class("general")).unwrap().len(), 2);
        assert_eq!(table.rates.get(1).map(|r| r.percent), Some(dec!(2.25)));
    }

    #[test]
    fn bad_tables_are_refused() {
        let mut t = TaxTable::default();
        t.classes.insert("odd".into(), vec!["Q".into()]);
        assert!(matches!(t.validate(), Err(TaxError::UnknownRate { .. })));
        let mut t = TaxTable::default();
        t.rates.push(TaxRate::new("A", "again", dec!(1)));
        assert_eq!(t.validate(), Err(TaxError::DuplicateRate("A".into())));
        let mut t = TaxTable::default();
        t.rates.push(TaxRate::new("N", "neg", dec!(-1)));
        assert!(matches!(t.validate(), Err(TaxError::BadPercent { .. })));
        assert!(matches!(
            TaxTable::default().compute(Currency::EUR, &[(&class("nope"), dec!(1))]),
            Err(TaxError::UnknownClass(_))
        ));
    }

    #[test]
    fn allocate_is_exact_and_fair() {
        let shares = allocate(dec!(1.00), &[dec!(1), dec!(1), dec!(1)], dec!(0.01)).unwrap();
        assert_eq!(shares, vec![dec!(0.34), dec!(0.33), dec!(0.33)]);
        let shares = allocate(dec!(-0.05), &[dec!(3), dec!(1)], dec!(0.01)).unwrap();
        assert_eq!(shares.iter().copied().sum::<Decimal>(), dec!(-0.05));
        assert_eq!(shares, vec![dec!(-0.04), dec!(-0.01)]);
        assert_eq!(
            allocate(dec!(0.02), &[dec!(0), dec!(0)], dec!(0.01)),
            Some(vec![dec!(0.01), dec!(0.01)])
        );
        assert_eq!(allocate(dec!(1), &[], dec!(0.01)), Some(vec![]));
        assert_eq!(allocate(dec!(1), &[dec!(1)], dec!(0)), None);
        let huge = Decimal::from(10_i64.pow(18)) + Decimal::ONE;
        assert_eq!(allocate(huge, &[dec!(1)], dec!(0.01)), None);
        assert!(matches!(
            TaxTable::default().compute(Currency::EUR, &[(&class("standard"), huge)]),
            Err(TaxError::AmountTooLarge(_))
        ));
    }
}
