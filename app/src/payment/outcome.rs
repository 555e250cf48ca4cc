//! What the payment link hands back: the payment to authorize, its outcome, and the
//! reports of reversal, store-and-forward and settlement runs.

use std::fmt;

use rust_decimal::Decimal;

use super::settle::Mismatch;
use crate::acquirer::card::CardData;
use crate::acquirer::crypto::pin_block::Pin;
use crate::acquirer::protocol::response;
use crate::acquirer::requests::{RequestKind, Totals};

/// A card payment or refund to authorize.
#[derive(Clone)]
pub struct CardPayment {
    pub kind: RequestKind,
    pub amount: Decimal,
    pub refund: bool,
    pub card: CardData,
    pub pin: Option<Pin>,
    pub icc_data: Option<Vec<u8>>,
    pub entry_mode: String,
    /// The card (offline approval) or a merchant rule allows store-and-forward.
    pub offline_allowed: bool,
}

impl fmt::Debug for CardPayment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardPayment")
            .field("amount", &self.amount)
            .field("refund", &self.refund)
            .field("card", &self.card)
            .field("pin", &self.pin.as_ref().map(|_| "<hidden>"))
            .finish_non_exhaustive()
    }
}

/// Proof of an approval that is still reversible; hand it to `complete` once the sale is
/// committed, or to `abandon` if it will not be (card declined the ARPC, sale cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletionToken(pub(crate) i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub stan: u32,
    pub auth_code: Option<String>,
    pub rrn: Option<String>,
    pub masked_pan: String,
    /// Field 55 of the answer (issuer authentication data, scripts) for the kernel.
    pub icc_response: Option<Vec<u8>>,
    pub token: CompletionToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalStatus {
    Acknowledged,
    /// Kept in the store, retried by `reverse_due` / `recover`.
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Approved(Approval),
    Declined {
        stan: u32,
        code: String,
        reason: &'static str,
        /// Field 55 of the answer (the ARPC still authenticates the issuer to the card).
        icc_response: Option<Vec<u8>>,
    },
    /// Host unreachable; approved offline and queued as an advice.
    ApprovedOffline {
        stan: u32,
        masked_pan: String,
    },
    /// No valid answer: the request is being reversed; the sale must not complete.
    NoAnswer {
        stan: u32,
        reason: String,
        reversal: ReversalStatus,
    },
    /// Host unreachable and offline approval refused.
    Unavailable {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReversalReport {
    pub acknowledged: u32,
    pub pending: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub forwarded: u32,
    pub remaining: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub reversals: ReversalReport,
    pub advices: DrainReport,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReport {
    pub batch_number: u32,
    pub lane_totals: Totals,
    pub host_totals: Option<Totals>,
    pub host_code: Option<String>,
    /// Differences between the acquirer batch and the journal, one per line.
    pub mismatches: Vec<Mismatch>,
}

impl SettlementReport {
    pub fn in_balance(&self) -> bool {
        self.host_code.as_deref() == Some(response::APPROVED) && self.mismatches.is_empty()
    }
}
