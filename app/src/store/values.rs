//! How values are written to and read from the database: canonical Decimal strings and
//! RFC 3339 UTC timestamps.

use super::StoreError;
use rust_decimal::Decimal;
use std::str::FromStr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The one canonical text form of a Decimal (no trailing zeros, no "-0").
pub fn canonical(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Parses a Decimal read back from a column; a damaged value is a typed error.
pub(crate) fn parse_dec(s: &str, what: &'static str) -> Result<Decimal, StoreError> {
    Decimal::from_str(s).map_err(|_| StoreError::BadValue {
        what,
        value: s.to_string(),
    })
}

/// Now, UTC, RFC 3339.
pub fn now_rfc3339() -> String {
    format_time(OffsetDateTime::now_utc())
}

pub(crate) fn format_time(t: OffsetDateTime) -> String {
    // Formatting a UTC OffsetDateTime as RFC 3339 only fails for years outside 0..=9999.
    t.format(&Rfc3339)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00Z"))
}

pub(crate) fn parse_time(s: &str, what: &'static str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|_| StoreError::BadValue {
        what,
        value: s.to_string(),
    })
}
