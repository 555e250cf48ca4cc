//! What lane and host say to each other, on top of the ISO 8583 codec: field numbers with
//! names, response codes, and the security wrapper every message goes through (field 53
//! carries the DUKPT KSN, the last field 64/128 the MAC over everything before it).

use super::crypto::{Bdk, CryptoError, TransactionKeys};
use super::iso8583::{self, CodecError, Message, POS_1987};

/// Field numbers used by this link.
pub mod field {
    pub const PROCESSING_CODE: u8 = 3;
    pub const AMOUNT: u8 = 4;
    pub const TRANSMISSION_DATE_TIME: u8 = 7;
    pub const STAN: u8 = 11;
    pub const ENTRY_MODE: u8 = 22;
    pub const CARD_SEQUENCE: u8 = 23;
    pub const RRN: u8 = 37;
    pub const AUTH_CODE: u8 = 38;
    pub const RESPONSE_CODE: u8 = 39;
    pub const TERMINAL_ID: u8 = 41;
    pub const MERCHANT_ID: u8 = 42;
    pub const CURRENCY: u8 = 49;
    pub const PIN_DATA: u8 = 52;
    pub const SECURITY_INFO: u8 = 53;
    pub const ICC_DATA: u8 = 55;
    pub const BATCH_NUMBER: u8 = 60;
    pub const NETWORK_CODE: u8 = 70;
    pub const CREDITS_COUNT: u8 = 74;
    pub const DEBITS_COUNT: u8 = 76;
    pub const DEBIT_REVERSALS_COUNT: u8 = 77;
    pub const CREDITS_AMOUNT: u8 = 86;
    pub const DEBITS_AMOUNT: u8 = 88;
    pub const DEBIT_REVERSALS_AMOUNT: u8 = 89;
    pub const ORIGINAL_DATA: u8 = 90;
    pub const ENCRYPTED_CARD_DATA: u8 = 127;
}

/// Processing codes (field 3).
pub mod processing {
    pub const PURCHASE: &str = "000000";
    pub const REFUND: &str = "200000";
    pub const SETTLEMENT: &str = "920000";
}

/// ISO 8583:1987 response codes the simulator gives and the lane understands.
pub mod response {
    pub const APPROVED: &str = "00";
    pub const REFER_TO_ISSUER: &str = "01";
    pub const DO_NOT_HONOUR: &str = "05";
    pub const INVALID_TRANSACTION: &str = "12";
    pub const INVALID_CARD_NUMBER: &str = "14";
    pub const UNABLE_TO_LOCATE_ORIGINAL: &str = "25";
    pub const FORMAT_ERROR: &str = "30";
    pub const INSUFFICIENT_FUNDS: &str = "51";
    pub const EXPIRED_CARD: &str = "54";
    pub const INCORRECT_PIN: &str = "55";
    pub const EXCEEDS_FREQUENCY_LIMIT: &str = "65";
    pub const SECURITY_VIOLATION: &str = "63";
    pub const ISSUER_UNAVAILABLE: &str = "91";
    pub const RECONCILE_ERROR: &str = "95";
    pub const SYSTEM_MALFUNCTION: &str = "96";

    /// A reason a cashier understands.
    pub fn describe(code: &str) -> &'static str {
        match code {
            APPROVED => "approved",
            REFER_TO_ISSUER => "call the card issuer (referral)",
            DO_NOT_HONOUR => "declined by the issuer: do not honour",
            INVALID_TRANSACTION => "declined: invalid transaction",
            INVALID_CARD_NUMBER => "declined: invalid card number",
            UNABLE_TO_LOCATE_ORIGINAL => "original transaction not found",
            FORMAT_ERROR => "rejected: message format error",
            INSUFFICIENT_FUNDS => "declined: insufficient funds",
            EXPIRED_CARD => "declined: card expired",
            INCORRECT_PIN => "declined: wrong PIN",
            EXCEEDS_FREQUENCY_LIMIT => "declined: too many transactions on this card",
            SECURITY_VIOLATION => "rejected: security check failed",
            ISSUER_UNAVAILABLE => "issuer unavailable, try again",
            RECONCILE_ERROR => "batch totals do not match",
            SYSTEM_MALFUNCTION => "acquirer system error, try again",
            _ => "declined",
        }
    }
}

/// Why a message failed the security wrapper or the codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(transparent)]
    Codec(#[from] CodecError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("message has no MAC field (64 or 128)")]
    MissingMac,
    #[error("message has no security information (field 53)")]
    MissingKsn,
    #[error("MAC does not verify")]
    BadMac,
    #[error("no key set for this terminal's KSN")]
    UnknownKeySet,
}

/// Which MAC key signs a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

fn mac_field(message: &Message) -> u8 {
    if message.fields().any(|(n, _)| n > 64) {
        128
    } else {
        64
    }
}

fn compute(keys: &TransactionKeys, direction: Direction, data: &[u8]) -> [u8; 8] {
    match direction {
        Direction::Request => keys.request_mac(data),
        Direction::Response => keys.response_mac(data),
    }
}

/// Encodes a message with field 53 (requests) and a MAC as its last field.
pub fn seal(
    mut message: Message,
    keys: &TransactionKeys,
    direction: Direction,
) -> Result<Vec<u8>, ProtocolError> {
    message.remove(64);
    message.remove(128);
    if direction == Direction::Request {
        message.set(field::SECURITY_INFO, keys.security_info());
    }
    let mac_at = mac_field(&message);
    message.set(mac_at, vec![0u8; 8]);
    let mut wire = iso8583::encode(&POS_1987, &message)?;
    let split = wire.len() - 8;
    let mac = compute(keys, direction, &wire[..split]);
    wire[split..].copy_from_slice(&mac);
    Ok(wire)
}

/// Decodes a message and checks its MAC; the MAC must be the last field present.
pub fn open(
    wire: &[u8],
    keys: &TransactionKeys,
    direction: Direction,
) -> Result<Message, ProtocolError> {
    let message = iso8583::decode(&POS_1987, wire)?;
    check_mac(&message, wire, keys, direction)?;
    Ok(message)
}

fn check_mac(
    message: &Message,
    wire: &[u8],
    keys: &TransactionKeys,
    direction: Direction,
) -> Result<(), ProtocolError> {
    let last = message.fields().last().map(|(n, _)| n);
    let mac_at = match last {
        Some(n @ (64 | 128)) => n,
        _ => return Err(ProtocolError::MissingMac),
    };
    if mac_at == 128 && message.has(64) {
        return Err(CodecError::MacNotLast(128).into());
    }
    let received = message.get(mac_at).ok_or(ProtocolError::MissingMac)?;
    let split = wire.len() - 8;
    let expected = compute(keys, direction, &wire[..split]);
    if super::crypto::mac::equal(&expected, received) {
        Ok(())
    } else {
        Err(ProtocolError::BadMac)
    }
}

/// Host side: decode, find the BDK for field 53, derive the keys and check the MAC.
pub fn open_request(
    wire: &[u8],
    bdk_for: impl Fn(&[u8]) -> Option<Bdk>,
) -> Result<(Message, TransactionKeys), (Option<Message>, ProtocolError)> {
    let message = iso8583::decode(&POS_1987, wire).map_err(|e| (None, e.into()))?;
    let fail = |m: &Message, e: ProtocolError| (Some(m.clone()), e);
    let info = message
        .get(field::SECURITY_INFO)
        .ok_or_else(|| fail(&message, ProtocolError::MissingKsn))?;
    let bdk = bdk_for(info).ok_or_else(|| fail(&message, ProtocolError::UnknownKeySet))?;
    let keys = bdk.keys_for(info).map_err(|e| fail(&message, e.into()))?;
    check_mac(&message, wire, &keys, Direction::Request).map_err(|e| fail(&message, e))?;
    Ok((message, keys))
}

/// The 42-digit field 90: original MTI, STAN, transmission date/time, then two zeroed
/// institution codes.
pub fn original_data(mti: iso8583::Mti, stan: &str, transmitted: &str) -> String {
    format!("{mti}{stan}{transmitted}{}", "0".repeat(22))
}

/// Splits field 90 into (MTI, STAN, transmission date/time).
pub fn parse_original_data(value: &str) -> Option<(&str, &str, &str)> {
    Some((value.get(0..4)?, value.get(4..10)?, value.get(10..20)?))
}

/// Amount in minor units as n12.
pub fn amount_field(minor: u64) -> String {
    format!("{minor:012}")
}

/// n12/n16 text back to minor units.
pub fn parse_amount(text: &str) -> Option<u64> {
    text.parse().ok()
}
