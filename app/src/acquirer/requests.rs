//! Lane-side message builders: purchase/refund authorizations (0100/0200), advices (0220),
//! reversals (0400), settlement (0500) and echo (0800). Card data goes into field 127
//! encrypted under the DUKPT data key and the PIN into field 52 under the PIN key; the
//! clear PAN is never placed in a field.

use std::fmt;

use super::card::CardData;
use super::crypto::pin_block::Pin;
use super::crypto::{CryptoError, TransactionKeys};
use super::iso8583::{Message, Mti};
use super::protocol::{self, field, processing};

/// Who is asking: terminal and merchant identity, transaction currency (ISO 4217 numeric).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalIdentity {
    pub terminal_id: String,
    pub merchant_id: String,
    pub currency_numeric: String,
}

/// How the request travels (0100 authorization, 0200 financial, 0220 advice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Authorization,
    Financial,
    Advice,
}

impl RequestKind {
    pub fn mti(self) -> Mti {
        match self {
            Self::Authorization => Mti::AUTH_REQUEST,
            Self::Financial => Mti::FINANCIAL_REQUEST,
            Self::Advice => Mti::ADVICE,
        }
    }
}

/// One card payment (or refund) as the link sees it.
#[derive(Clone)]
pub struct CardRequest {
    pub kind: RequestKind,
    pub stan: u32,
    /// MMDDhhmmss UTC.
    pub transmitted: String,
    pub amount_minor: u64,
    pub refund: bool,
    pub card: CardData,
    pub pin: Option<Pin>,
    /// EMV data for field 55 (ARQC and friends), opaque here.
    pub icc_data: Option<Vec<u8>>,
    /// Field 22, e.g. `051` chip with PIN, `071` contactless, `901` magstripe.
    pub entry_mode: String,
}

impl fmt::Debug for CardRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardRequest")
            .field("kind", &self.kind)
            .field("stan", &self.stan)
            .field("amount_minor", &self.amount_minor)
            .field("refund", &self.refund)
            .field("card", &self.card)
            .field("pin", &self.pin.as_ref().map(|_| "<hidden>"))
            .finish_non_exhaustive()
    }
}

pub fn stan_text(stan: u32) -> String {
    format!("{:06}", stan % 1_000_000)
}

fn base(mti: Mti, terminal: &TerminalIdentity, stan: u32, transmitted: &str) -> Message {
    Message::new(mti)
        .with(field::TRANSMISSION_DATE_TIME, transmitted)
        .with(field::STAN, stan_text(stan))
        .with(field::TERMINAL_ID, terminal.terminal_id.clone())
        .with(field::MERCHANT_ID, terminal.merchant_id.clone())
}

/// The 0100/0200/0220 for a card payment, card data and PIN encrypted under `keys`.
pub fn card_message(
    terminal: &TerminalIdentity,
    request: &CardRequest,
    keys: &TransactionKeys,
) -> Result<Message, CryptoError> {
    let code = if request.refund {
        processing::REFUND
    } else {
        processing::PURCHASE
    };
    let mut message = base(
        request.kind.mti(),
        terminal,
        request.stan,
        &request.transmitted,
    )
    .with(field::PROCESSING_CODE, code)
    .with(field::AMOUNT, protocol::amount_field(request.amount_minor))
    .with(field::ENTRY_MODE, request.entry_mode.clone())
    .with(field::CURRENCY, terminal.currency_numeric.clone())
    .with(
        field::ENCRYPTED_CARD_DATA,
        keys.encrypt_request_data(&request.card.to_plain()),
    );
    if let Some(psn) = request.card.pan_sequence() {
        message.set(field::CARD_SEQUENCE, format!("{psn:03}"));
    }
    if let Some(pin) = &request.pin {
        message.set(field::PIN_DATA, keys.encrypt_pin(pin, request.card.pan())?);
    }
    if let Some(icc) = &request.icc_data {
        message.set(field::ICC_DATA, icc.clone());
    }
    Ok(message)
}

/// What a reversal needs to name its original: no card data at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalRef {
    pub mti: Mti,
    pub stan: u32,
    pub transmitted: String,
    pub amount_minor: u64,
    pub refund: bool,
}

pub fn reversal_message(
    terminal: &TerminalIdentity,
    original: &OriginalRef,
    stan: u32,
    transmitted: &str,
) -> Message {
    let code = if original.refund {
        processing::REFUND
    } else {
        processing::PURCHASE
    };
    base(Mti::REVERSAL, terminal, stan, transmitted)
        .with(field::PROCESSING_CODE, code)
        .with(field::AMOUNT, protocol::amount_field(original.amount_minor))
        .with(field::CURRENCY, terminal.currency_numeric.clone())
        .with(
            field::ORIGINAL_DATA,
            protocol::original_data(
                original.mti,
                &stan_text(original.stan),
                &original.transmitted,
            ),
        )
}

/// Batch totals in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub debits_count: u64,
    pub debits_amount: u64,
    pub credits_count: u64,
    pub credits_amount: u64,
}

impl Totals {
    pub fn from_message(message: &Message) -> Option<Self> {
        let n = |f| message.text(f).and_then(protocol::parse_amount);
        Some(Self {
            debits_count: n(field::DEBITS_COUNT)?,
            debits_amount: n(field::DEBITS_AMOUNT)?,
            credits_count: n(field::CREDITS_COUNT)?,
            credits_amount: n(field::CREDITS_AMOUNT)?,
        })
    }
}

pub fn settlement_message(
    terminal: &TerminalIdentity,
    stan: u32,
    transmitted: &str,
    batch_number: u32,
    totals: &Totals,
) -> Message {
    base(Mti::SETTLEMENT, terminal, stan, transmitted)
        .with(field::PROCESSING_CODE, processing::SETTLEMENT)
        .with(field::CURRENCY, terminal.currency_numeric.clone())
        .with(field::BATCH_NUMBER, format!("{batch_number:06}"))
        .with(field::DEBITS_COUNT, format!("{:010}", totals.debits_count))
        .with(
            field::CREDITS_COUNT,
            format!("{:010}", totals.credits_count),
        )
        .with(
            field::DEBITS_AMOUNT,
            format!("{:016}", totals.debits_amount),
        )
        .with(
            field::CREDITS_AMOUNT,
            format!("{:016}", totals.credits_amount),
        )
}

/// 0800 echo test (network management code 301).
pub fn echo_message(terminal: &TerminalIdentity, stan: u32, transmitted: &str) -> Message {
    base(Mti::NETWORK, terminal, stan, transmitted).with(field::NETWORK_CODE, "301")
}

/// MMDDhhmmss for field 7.
pub fn transmission_time(now: time::OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:02}{:02}{:02}{:02}{:02}",
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
