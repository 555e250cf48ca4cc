//! The pure decisions of the payment link (no I/O): what an exchange's result means for
//! the transaction, whether an offline approval fits the store-and-forward limits, and the
//! conversion between Decimal amounts and the link's minor units.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::acquirer::protocol::response;

/// What to do after sending a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterSend {
    /// The host answered with a verified response code.
    Answered { code: String },
    /// The request may have arrived and no valid answer came: reverse it.
    Reverse,
    /// The request never left the lane: nothing to reverse; offline rules decide.
    NotSent,
}

/// Classifies an exchange: `sent` says whether the request may have reached the host,
/// `answer_code` is the response code of an answer whose MAC verified.
pub fn after_send(sent: bool, answer_code: Option<&str>) -> AfterSend {
    match (sent, answer_code) {
        (_, Some(code)) => AfterSend::Answered {
            code: code.to_owned(),
        },
        (true, None) => AfterSend::Reverse,
        (false, None) => AfterSend::NotSent,
    }
}

/// A reversal is done when the host says it applied it or never saw the original.
pub fn reversal_acknowledged(code: &str) -> bool {
    code == response::APPROVED || code == response::UNABLE_TO_LOCATE_ORIGINAL
}

/// Store-and-forward limits (amounts in major units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SafLimits {
    pub max_per_transaction: Decimal,
    pub max_total: Decimal,
    pub max_count: u32,
    /// No new offline approval once the oldest queued advice is older than this.
    pub max_age_hours: u64,
}

impl Default for SafLimits {
    fn default() -> Self {
        Self {
            max_per_transaction: Decimal::new(5000, 2),
            max_total: Decimal::new(50000, 2),
            max_count: 50,
            max_age_hours: 72,
        }
    }
}

/// Why an offline approval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafRefusal {
    #[error("offline approval not allowed for this card or merchant")]
    NotAllowed,
    #[error("amount above the offline limit of {0}")]
    OverTransactionLimit(Decimal),
    #[error("offline total would exceed {0}")]
    OverTotalLimit(Decimal),
    #[error("too many offline transactions waiting ({0})")]
    OverCount(u32),
    #[error("offline queue too old; connect to the acquirer first")]
    TooOld,
}

/// What is already queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafQueueState {
    pub count: u32,
    pub total: Decimal,
    pub oldest_age: Option<Duration>,
}

pub fn saf_allows(
    limits: &SafLimits,
    queued: &SafQueueState,
    amount: Decimal,
    offline_allowed: bool,
) -> Result<(), SafRefusal> {
    if !offline_allowed {
        return Err(SafRefusal::NotAllowed);
    }
    if amount > limits.max_per_transaction {
        return Err(SafRefusal::OverTransactionLimit(limits.max_per_transaction));
    }
    if queued.total + amount > limits.max_total {
        return Err(SafRefusal::OverTotalLimit(limits.max_total));
    }
    if queued.count >= limits.max_count {
        return Err(SafRefusal::OverCount(queued.count));
    }
    if queued
        .oldest_age
        .is_some_and(|age| age > Duration::from_secs(limits.max_age_hours * 3600))
    {
        return Err(SafRefusal::TooOld);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount {0} has more decimals than the currency allows")]
    TooPrecise(Decimal),
    #[error("amount {0} is negative or too large for the link")]
    OutOfRange(Decimal),
}

/// Decimal major units to minor units, exactly.
pub fn to_minor(amount: Decimal, exponent: u32) -> Result<u64, AmountError> {
    let scaled = amount
        .checked_mul(Decimal::from(10u64.pow(exponent)))
        .ok_or(AmountError::OutOfRange(amount))?;
    if scaled.fract() != Decimal::ZERO {
        return Err(AmountError::TooPrecise(amount));
    }
    let minor = u64::try_from(scaled).map_err(|_| AmountError::OutOfRange(amount))?;
    if amount.is_sign_negative() || minor > 999_999_999_999 {
        return Err(AmountError::OutOfRange(amount));
    }
    Ok(minor)
}

pub fn from_minor(minor: u64, exponent: u32) -> Decimal {
    Decimal::from_i128_with_scale(i128::from(minor), exponent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn exchange_results_map_to_the_safe_next_step() {
        assert_eq!(after_send(true, None), AfterSend::Reverse);
        assert_eq!(after_send(false, None), AfterSend::NotSent);
        assert_eq!(
            after_send(true, Some("51")),
            AfterSend::Answered { code: "51".into() }
        );
        assert!(reversal_acknowledged("25") && reversal_acknowledged("00"));
        assert!(!reversal_acknowledged("96"));
    }

    #[test]
    fn saf_limits_refuse_each_way() {
        let limits = SafLimits::default();
        let empty = SafQueueState {
            count: 0,
            total: Decimal::ZERO,
            oldest_age: None,
        };
        assert_eq!(saf_allows(&limits, &empty, dec!(10), true), Ok(()));
        assert_eq!(
            saf_allows(&limits, &empty, dec!(10), false),
            Err(SafRefusal::NotAllowed)
        );
        assert!(matches!(
            saf_allows(&limits, &empty, dec!(50.01), true),
            Err(SafRefusal::OverTransactionLimit(_))
        ));
        let full = SafQueueState {
            count: 3,
            total: dec!(480),
            oldest_age: None,
        };
        assert!(matches!(
            saf_allows(&limits, &full, dec!(30), true),
            Err(SafRefusal::OverTotalLimit(_))
        ));
        let many = SafQueueState {
            count: 50,
            total: dec!(1),
            oldest_age: None,
        };
        assert_eq!(
            saf_allows(&limits, &many, dec!(1), true),
            Err(SafRefusal::OverCount(50))
        );
        let old = SafQueueState {
            count: 1,
            total: dec!(1),
            oldest_age: Some(Duration::from_secs(73 * 3600)),
        };
        assert_eq!(
            saf_allows(&limits, &old, dec!(1), true),
            Err(SafRefusal::TooOld)
        );
    }

    #[test]
    fn minor_units_are_exact() {
        assert_eq!(to_minor(dec!(12.34), 2), Ok(1234));
        assert_eq!(to_minor(dec!(12.3), 2), Ok(1230));
        assert_eq!(to_minor(dec!(500), 0), Ok(500));
        assert_eq!(
            to_minor(dec!(1.005), 2),
            Err(AmountError::TooPrecise(dec!(1.005)))
        );
        assert!(to_minor(dec!(-1), 2).is_err());
        assert!(to_minor(dec!(10000000000), 2).is_err());
        assert_eq!(from_minor(1234, 2), dec!(12.34));
    }
}
