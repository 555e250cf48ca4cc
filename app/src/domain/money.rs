//! Money: an amount as `rust_decimal::Decimal` tied to an ISO 4217 currency.
//!
//! Amounts stay decimal everywhere inside the shop; minor units (integer cents) exist only at
//! the edges (EMV `n12` amounts, ISO 8583 field 4), through the checked conversions here.
//! Every rounding names its [`RoundingMode`] so no code path rounds implicitly.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Largest amount (in major units) the shop accepts anywhere: far below `Decimal`'s range, so
/// sums of many such amounts can never overflow, and within 12 digits of minor units.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Errors from parsing or converting money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    #[error("unknown ISO 4217 numeric currency code {0}")]
    UnknownNumericCurrency(u16),
    #[error("currency mismatch: {left} vs {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("not a decimal amount: {0:?}")]
    NotANumber(String),
    #[error("amount {amount} has more decimals than {currency} allows ({minor_units})")]
    TooPrecise {
        amount: Decimal,
        currency: Currency,
        minor_units: u32,
    },
    #[error("amount {0} is outside the accepted range")]
    OutOfRange(Decimal),
    #[error("amount {0} is negative")]
    Negative(Decimal),
}

/// An ISO 4217 currency: alphabetic code, numeric code and number of minor units.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    numeric: u16,
    minor_units: u32,
}

macro_rules! currencies {
    ($($name:ident = $code:literal, $num:literal, $minor:literal;)*) => {
        impl Currency {
            $(
                #[doc = concat!("ISO 4217 ", $code, " (", stringify!($num), "), ", stringify!($minor), " minor units.")]
                pub const $name: Currency = Currency { code: $code, numeric: $num, minor_units: $minor };
            )*
            /// Every currency this build knows.
            pub const ALL: &'static [Currency] = &[$(Currency::$name),*];
        }
    };
}

// Source: ISO 4217 list one (SIX Group, current currency & funds code list).
currencies! {
    EUR = "EUR", 978, 2;
    USD = "USD", 840, 2;
    GBP = "GBP", 826, 2;
    CHF = "CHF", 756, 2;
    CAD = "CAD", 124, 2;
    AUD = "AUD", 36, 2;
    NZD = "NZD", 554, 2;
    SEK = "SEK", 752, 2;
    NOK = "NOK", 578, 2;
    DKK = "DKK", 208, 2;
    PLN = "PLN", 985, 2;
    CZK = "CZK", 203, 2;
    HUF = "HUF", 348, 2;
    RON = "RON", 946, 2;
    CNY = "CNY", 156, 2;
    INR = "INR", 356, 2;
    BRL = "BRL", 986, 2;
    MXN = "MXN", 484, 2;
    ZAR = "ZAR", 710, 2;
    SGD = "SGD", 702, 2;
    HKD = "HKD", 344, 2;
    JPY = "JPY", 392, 0;
    KRW = "KRW", 410, 0;
    ISK = "ISK", 352, 0;
    CLP = "CLP", 152, 0;
    KWD = "KWD", 414, 3;
    BHD = "BHD", 48, 3;
    JOD = "JOD", 400, 3;
    OMR = "OMR", 512, 3;
    TND = "TND", 788, 3;
}

impl Currency {
    /// Looks a currency up by its alphabetic code (case-insensitive, surrounding blanks ignored).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let wanted = code.trim();
        Currency::ALL
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(wanted))
            .copied()
            .ok_or_else(|| MoneyError::UnknownCurrency(wanted.chars().take(8).collect()))
    }

    /// Looks a currency up by its ISO 4217 numeric code (EMV tag 5F2A, ISO 8583 field 49).
    pub fn from_numeric(numeric: u16) -> Result<Currency, MoneyError> {
        Currency::ALL
            .iter()
            .find(|c| c.numeric == numeric)
            .copied()
            .ok_or(MoneyError::UnknownNumericCurrency(numeric))
    }

    /// Alphabetic code, e.g. `"EUR"`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Numeric code, e.g. 978 for EUR.
    pub fn numeric(self) -> u16 {
        self.numeric
    }

    /// Numeric code as EMV `n3` packed BCD (tag 5F2A / 9F1A style): 978 -> `[0x09, 0x78]`.
    pub fn numeric_bcd(self) -> [u8; 2] {
        let n = self.numeric;
        // Each nibble is one decimal digit (0-9), so the casts cannot truncate.
        let digit = |d: u16| (d % 10) as u8;
        [
            digit(n / 1000) << 4 | digit(n / 100),
            digit(n / 10) << 4 | digit(n),
        ]
    }

    /// Number of decimals of the minor unit (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn minor_units(self) -> u32 {
        self.minor_units
    }

    /// The smallest coin or cent: 0.01 for EUR, 1 for JPY.
    pub fn smallest_unit(self) -> Decimal {
        Decimal::new(1, self.minor_units)
    }

    /// Rounds `amount` to this currency's minor units with an explicit mode.
    pub fn round(self, amount: Decimal, mode: RoundingMode) -> Decimal {
        amount.round_dp_with_strategy(self.minor_units, mode.strategy())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl std::str::FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::EUR
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// How a value is rounded. Named after the usual commercial terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero (commercial rounding): 0.125 -> 0.13, -0.125 -> -0.13.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 0.125 -> 0.12, 0.135 -> 0.14.
    HalfEven,
    /// Half toward zero: 0.125 -> 0.12.
    HalfDown,
    /// Away from zero: 0.121 -> 0.13.
    Up,
    /// Toward zero (truncate): 0.129 -> 0.12.
    Down,
    /// Toward positive infinity.
    Ceiling,
    /// Toward negative infinity.
    Floor,
}

impl RoundingMode {
    /// The matching `rust_decimal` strategy.
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Ceiling => RoundingStrategy::ToPositiveInfinity,
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
        }
    }

    /// Rounds `value` to `dp` decimals.
    pub fn round(self, value: Decimal, dp: u32) -> Decimal {
        value.round_dp_with_strategy(dp, self.strategy())
    }

    /// Rounds `value` to a multiple of `increment` (e.g. 0.05 for cash). A non-positive
    /// increment leaves the value unchanged.
    pub fn round_to_increment(self, value: Decimal, increment: Decimal) -> Decimal {
        if increment <= Decimal::ZERO {
            return value;
        }
        // An increment so small the quotient overflows cannot round anything: keep the value.
        let Some(steps) = value.checked_div(increment) else {
            return value;
        };
        let steps = steps.round_dp_with_strategy(0, self.strategy());
        steps.checked_mul(increment).unwrap_or(value)
    }
}

/// An amount in a currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount as given (not rounded; see [`Money::round`]).
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal amount in major units, e.g. `"12.50"`. Refuses more decimals than
    /// the currency has and amounts beyond [`MAX_AMOUNT`].
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let amount = parse_decimal(text)?;
        let money = Money::new(amount, currency);
        money.check_exact()?;
        Ok(money)
    }

    /// Builds an amount from integer minor units (cents): 1234 EUR cents is 12.34 EUR.
    pub fn from_minor_units(minor: i64, currency: Currency) -> Money {
        Money::new(Decimal::new(minor, currency.minor_units), currency)
    }

    /// The amount in major units.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True for amounts below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Rounded to the currency's minor units with an explicit mode.
    pub fn round(&self, mode: RoundingMode) -> Money {
        Money::new(self.currency.round(self.amount, mode), self.currency)
    }

    /// Sum of two amounts of the same currency.
    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::OutOfRange(self.amount))?;
        Ok(Money::new(sum, self.currency))
    }

    /// Difference of two amounts of the same currency.
    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let diff = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::OutOfRange(self.amount))?;
        Ok(Money::new(diff, self.currency))
    }

    /// The amount negated (refunds).
    pub fn negated(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// Integer minor units, for the edges. Refuses amounts that are not exact in minor units
    /// (round first, explicitly) and amounts beyond [`MAX_AMOUNT`].
    pub fn to_minor_units(&self) -> Result<i64, MoneyError> {
        self.check_exact()?;
        let scaled = self.amount * Decimal::from(10_i64.pow(self.currency.minor_units));
        i64::try_from(scaled.trunc()).map_err(|_| MoneyError::OutOfRange(self.amount))
    }

    /// The amount as EMV `n12` / ISO 8583 field 4: twelve decimal digits of minor units.
    pub fn to_n12(&self) -> Result<String, MoneyError> {
        let minor = self.to_minor_units()?;
        if minor < 0 {
            return Err(MoneyError::Negative(self.amount));
        }
        if minor > 999_999_999_999 {
            return Err(MoneyError::OutOfRange(self.amount));
        }
        Ok(format!("{minor:012}"))
    }

    /// Reads an `n12` amount (twelve decimal digits of minor units), e.g. ISO 8583 field 4.
    pub fn from_n12(digits: &str, currency: Currency) -> Result<Money, MoneyError> {
        let shown = || digits.chars().take(16).collect::<String>();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber(shown()));
        }
        let minor: i64 = digits
            .parse()
            .map_err(|_| MoneyError::NotANumber(shown()))?;
        Ok(Money::from_minor_units(minor, currency))
    }

    /// The amount as EMV `n12` packed BCD (six bytes), e.g. tag 9F02.
    pub fn to_n12_bcd(&self) -> Result<[u8; 6], MoneyError> {
        let digits = self.to_n12()?;
        let mut out = [0u8; 6];
        for (byte, pair) in out.iter_mut().zip(digits.as_bytes().chunks(2)) {
            let high = pair.first().map_or(0, |d| d - b'0');
            let low = pair.get(1).map_or(0, |d| d - b'0');
            *byte = (high << 4) | low;
        }
        Ok(out)
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    fn check_exact(&self) -> Result<(), MoneyError> {
        if self.amount.abs() > MAX_AMOUNT {
            return Err(MoneyError::OutOfRange(self.amount));
        }
        if self.amount.normalize().scale() > self.currency.minor_units {
            return Err(MoneyError::TooPrecise {
                amount: self.amount,
                currency: self.currency,
                minor_units: self.currency.minor_units,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Money {
    /// `12.50 EUR`: always shows the currency's minor units.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.amount;
        if shown.scale() < self.currency.minor_units {
            shown.rescale(self.currency.minor_units);
        }
        write!(f, "{shown} {}", self.currency)
    }
}

/// Parses a plain decimal (`12`, `12.5`, `-0.01`); no exponents, no thousands separators.
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let trimmed = text.trim();
    let plain = !trimmed.is_empty()
        && trimmed.len() <= 40
        && trimmed
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+')));
    let shown = || trimmed.chars().take(24).collect::<String>();
    if !plain {
        return Err(MoneyError::NotANumber(shown()));
    }
    let value: Decimal = trimmed
        .parse()
        .map_err(|_| MoneyError::NotANumber(shown()))?;
    if value.abs() > MAX_AMOUNT {
        return Err(MoneyError::OutOfRange(value));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn currency_lookup_by_code_and_numeric() {
        assert_eq!(Currency::from_code("eur").unwrap(), Currency::EUR);
        assert_eq!(Currency::from_code(" JPY ").unwrap().minor_units(), 0);
        assert_eq!(Currency::from_numeric(826).unwrap(), Currency::GBP);
        assert_eq!(Currency::KWD.minor_units(), 3);
        assert!(matches!(
            Currency::from_code("XXQ"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(Currency::from_numeric(1).is_err());
    }

    #[test]
    fn currency_serde_is_the_code() {
        let json = serde_json::to_string(&Currency::USD).unwrap();
        assert_eq!(json, "\"USD\"");
        let back: Currency = serde_json::from_str("\"usd\"").unwrap();
        assert_eq!(back, Currency::USD);
        assert!(serde_json::from_str::<Currency>("\"ABC\"").is_err());
    }

    #[test]
    fn rounding_modes_table() {
        // (value, mode, expected at 2 dp)
        let table = [
            (dec!(0.125), RoundingMode::HalfUp, dec!(0.13)),
            (dec!(-0.125), RoundingMode::HalfUp, dec!(-0.13)),
            (dec!(0.125), RoundingMode::HalfEven, dec!(0.12)),
            (dec!(0.135), RoundingMode::HalfEven, dec!(0.14)),
            (dec!(0.125), RoundingMode::HalfDown, dec!(0.12)),
            (dec!(0.121), RoundingMode::Up, dec!(0.13)),
            (dec!(0.129), RoundingMode::Down, dec!(0.12)),
            (dec!(-0.121), RoundingMode::Ceiling, dec!(-0.12)),
            (dec!(-0.121), RoundingMode::Floor, dec!(-0.13)),
        ];
        for (value, mode, expected) in table {
            assert_eq!(mode.round(value, 2), expected, "{value} {mode:?}");
        }
    }

    #[test]
    fn round_to_cash_increment() {
        let m = RoundingMode::HalfUp;
        assert_eq!(m.round_to_increment(dec!(10.02), dec!(0.05)), dec!(10.00));
        assert_eq!(m.round_to_increment(dec!(10.025), dec!(0.05)), dec!(10.05));
        assert_eq!(m.round_to_increment(dec!(10.03), dec!(0.05)), dec!(10.05));
        assert_eq!(m.round_to_increment(dec!(10.07), dec!(0.05)), dec!(10.05));
        assert_eq!(m.round_to_increment(dec!(10.08), dec!(0.10)), dec!(10.1));
        assert_eq!(m.round_to_increment(dec!(10.08), dec!(0)), dec!(10.08));
        let tiny = Decimal::new(1, 28);
        assert_eq!(m.round_to_increment(dec!(1000000), tiny), dec!(1000000));
    }

    #[test]
    fn minor_units_round_trip() {
        let m = Money::parse("12.34", Currency::EUR).unwrap();
        assert_eq!(m.to_minor_units().unwrap(), 1234);
        assert_eq!(Money::from_minor_units(1234, Currency::EUR), m);
        assert_eq!(
            Money::parse("500", Currency::JPY)
                .unwrap()
                .to_minor_units()
                .unwrap(),
            500
        );
        assert_eq!(
            Money::parse("1.234", Currency::KWD)
                .unwrap()
                .to_minor_units()
                .unwrap(),
            1234
        );
    }

    #[test]
    fn too_precise_amounts_are_refused_not_rounded() {
        assert!(matches!(
            Money::parse("1.005", Currency::EUR),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("1.5", Currency::JPY),
            Err(MoneyError::TooPrecise { .. })
        ));
        // Trailing zeros are not extra precision.
        assert_eq!(
            Money::parse("1.500", Currency::EUR)
                .unwrap()
                .to_minor_units()
                .unwrap(),
            150
        );
        let raw = Money::new(dec!(1.005), Currency::EUR);
        assert!(raw.to_minor_units().is_err());
        assert_eq!(
            raw.round(RoundingMode::HalfUp).to_minor_units().unwrap(),
            101
        );
    }

    #[test]
    fn bad_numbers_are_typed_errors() {
        for bad in ["", "abc", "1e5", "1,50", "--1", "1.2.3", "12 EUR", "NaN"] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            parse_decimal("99999999999999999999"),
            Err(MoneyError::OutOfRange(_))
        ));
        assert_eq!(parse_decimal(" +1.50 ").unwrap(), dec!(1.50));
    }

    #[test]
    fn n12_for_emv_and_iso8583() {
        let m = Money::parse("12.34", Currency::EUR).unwrap();
        assert_eq!(m.to_n12().unwrap(), "000000001234");
        assert_eq!(
            m.to_n12_bcd().unwrap(),
            [0x00, 0x00, 0x00, 0x00, 0x12, 0x34]
        );
        assert!(m.negated().to_n12().is_err());
        assert_eq!(Money::from_n12("000000001234", Currency::EUR).unwrap(), m);
        assert!(Money::from_n12("00000000123", Currency::EUR).is_err());
        assert!(Money::from_n12("0000000012a4", Currency::EUR).is_err());
        assert_eq!(Currency::EUR.numeric_bcd(), [0x09, 0x78]);
        assert_eq!(Currency::AUD.numeric_bcd(), [0x00, 0x36]);
    }

    #[test]
    fn arithmetic_checks_currency() {
        let a = Money::parse("1.10", Currency::EUR).unwrap();
        let b = Money::parse("2.25", Currency::EUR).unwrap();
        assert_eq!(a.checked_add(b).unwrap().amount(), dec!(3.35));
        assert_eq!(a.checked_sub(b).unwrap().amount(), dec!(-1.15));
        let usd = Money::parse("1", Currency::USD).unwrap();
        assert!(matches!(
            a.checked_add(usd),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn display_shows_minor_units() {
        assert_eq!(Money::new(dec!(5), Currency::EUR).to_string(), "5.00 EUR");
        assert_eq!(Money::new(dec!(5), Currency::JPY).to_string(), "5 JPY");
        let json = serde_json::to_string(&Money::new(dec!(1.50), Currency::EUR)).unwrap();
        assert_eq!(json, r#"{"amount":"1.50","currency":"EUR"}"#);
    }
}
