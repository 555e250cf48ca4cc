//! The card tender: a lane with an acquirer link takes card payments through
//! [`crate::payment::flow`], keeps each online approval's completion token with its tender
//! so the sale's commit ends the approval's reversibility in the same transaction, reverses
//! approvals of carts that will not complete, and closes the acquirer batch against the
//! journal.

use super::sale::Tender;
use super::{CardDetails, Lane, ServiceError};
use crate::domain::tender::Payment;
use crate::payment::flow::{self, CardResult, Cardholder, Prompt};
use crate::payment::outcome::{RecoveryReport, SettlementReport};
use crate::payment::settle::JournalCardPayment;
use crate::payment::{PaymentError, PaymentLink};
use crate::store::{CompletedDoc, NewPayment, StoreError};
use pos_hal::device::CardSession;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Why a card payment could not run (a decline is not an error: see [`CardResult`]).
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("no acquirer link on this lane")]
    NoLink,
    #[error(transparent)]
    Flow(#[from] flow::FlowError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
}

impl From<CardError> for ServiceError {
    fn from(e: CardError) -> Self {
        ServiceError::Card(e.to_string())
    }
}

/// How a refund to the card ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardRefund {
    Done(CompletedDoc),
    /// Nothing was recorded; the reason a cashier understands.
    Declined {
        reason: String,
    },
}

/// The payment reference a card tender carries: the acquirer's STAN, which settlement
/// matches against the batch.
fn stan_reference(stan: u32) -> String {
    format!("stan:{stan:06}")
}

impl Lane {
    /// Gives the lane its acquirer link and runs the link's start-up recovery: whatever was
    /// in flight or approved without a committed sale when the lane stopped is reversed;
    /// queued advices are forwarded.
    pub fn attach_payment_link(
        &mut self,
        mut link: PaymentLink,
    ) -> Result<RecoveryReport, ServiceError> {
        let report = link
            .recover(time::OffsetDateTime::now_utc())
            .map_err(CardError::from)?;
        self.payment = Some(link);
        Ok(report)
    }

    /// Gives the lane a link whose start-up recovery already ran (the touchscreen runs it in
    /// the background at start); a lane that has a link keeps it.
    pub fn install_recovered_link(&mut self, link: PaymentLink) {
        if self.payment.is_none() {
            self.payment = Some(link);
        }
    }

    /// The EMV terminal set-up for card payments (default: `flow::terminal_config(0)`).
    pub fn set_emv_terminal(
        &mut self,
        terminal: std::sync::Arc<pos_hal::emv::kernel::TerminalConfig>,
    ) {
        self.emv_terminal = Some(terminal);
    }

    /// The acquirer link, if attached.
    pub fn payment_link(&mut self) -> Option<&mut PaymentLink> {
        self.payment.as_mut()
    }

    /// Takes a card payment of `amount` with the card in `session`. Approved, it becomes
    /// a tender of the sale; declined, nothing changes and the reason is returned.
    pub fn pay_by_card(
        &mut self,
        session: &mut dyn CardSession,
        amount: Decimal,
        cardholder: &mut dyn Cardholder,
        prompt: &mut dyn FnMut(Prompt),
    ) -> Result<CardResult, ServiceError> {
        self.require_user()?;
        let remaining = self.settlement()?.remaining;
        if amount <= Decimal::ZERO || amount > remaining {
            return Err(ServiceError::Card(format!(
                "card amount {amount} must be positive and at most the {remaining} due"
            )));
        }
        let terminal = match &self.emv_terminal {
            Some(t) => t.clone(),
            None => flow::terminal_config(0).map_err(CardError::from)?,
        };
        let link = self.payment.as_mut().ok_or(CardError::NoLink)?;
        let txn = flow::CardTransaction {
            amount,
            currency: self.currency,
            refund: false,
        };
        let result = flow::transact(terminal, session, link, txn, cardholder, prompt)
            .map_err(CardError::from)?;
        if let CardResult::Approved(a) = &result {
            self.add_approved_card(a.amount, a.details.clone(), a.stan, a.token)?;
        }
        Ok(result)
    }

    fn add_approved_card(
        &mut self,
        amount: Decimal,
        card: CardDetails,
        stan: u32,
        token: Option<crate::payment::CompletionToken>,
    ) -> Result<(), ServiceError> {
        let payment = Payment::card(amount, Some(stan_reference(stan)), self.currency)?;
        let pushed = self.push_tender(Tender {
            payment,
            card: Some(card),
            approval: token,
        });
        if let (Err(_), Some(token)) = (&pushed, token) {
            self.abandon_approval(token);
        }
        pushed.map(|_| ())
    }

    /// Reverses an approval the sale will not use. If the acquirer cannot be reached the
    /// reversal stays queued in the link (retried, and again at the next start).
    pub(super) fn abandon_approval(&mut self, token: crate::payment::CompletionToken) {
        if let Some(link) = self.payment.as_mut()
            && let Err(e) = link.abandon(token, time::OffsetDateTime::now_utc())
        {
            tracing::error!(error = %e, "could not record the reversal of a card approval");
        }
    }

    /// Refunds lines of a sale to the card presented in `session` (manager approval as for
    /// any refund): a refund authorization at the acquirer, then the refund document,
    /// which ends the approval's reversibility in its own transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn refund_to_card(
        &mut self,
        receipt: &str,
        lines: &[(i64, Option<Decimal>)],
        manager_pin: Option<&str>,
        session: &mut dyn CardSession,
        cardholder: &mut dyn Cardholder,
        prompt: &mut dyn FnMut(Prompt),
    ) -> Result<CardRefund, ServiceError> {
        let mut refund = self.prepare_refund(receipt, lines, manager_pin)?;
        let amount: Decimal = refund.payments.iter().map(|p| p.amount).sum();
        let terminal = match &self.emv_terminal {
            Some(t) => t.clone(),
            None => flow::terminal_config(0).map_err(CardError::from)?,
        };
        let link = self.payment.as_mut().ok_or(CardError::NoLink)?;
        let txn = flow::CardTransaction {
            amount,
            currency: self.currency,
            refund: true,
        };
        let approved = match flow::transact(terminal, session, link, txn, cardholder, prompt)
            .map_err(CardError::from)?
        {
            CardResult::Declined { reason } => return Ok(CardRefund::Declined { reason }),
            CardResult::Approved(a) => a,
        };
        refund.payments = vec![NewPayment {
            kind: "card".into(),
            amount,
            tendered: amount,
            masked_pan: Some(approved.details.masked_pan.clone()),
            card_brand: Some(approved.details.brand.clone()),
            auth_code: Some(approved.details.auth_code.clone()),
            reference: Some(stan_reference(approved.stan)),
            emv: approved.details.emv.clone(),
        }];
        let approvals: Vec<i64> = approved.token.map(|t| t.0).into_iter().collect();
        match self.store.record_refund_settling(&refund, &approvals) {
            Ok(doc) => Ok(CardRefund::Done(doc)),
            Err(e) => {
                if let Some(token) = approved.token {
                    self.abandon_approval(token);
                }
                Err(e.into())
            }
        }
    }

    /// Card payments of completed documents since the last closed batch (sale ids above
    /// `after`), for reconciliation; and the highest sale id seen.
    fn journal_card_payments(
        &self,
        after: i64,
    ) -> Result<(Vec<JournalCardPayment>, i64), ServiceError> {
        let conn = self.store.connection();
        let up_to: i64 = conn
            .query_row("SELECT coalesce(max(id), 0) FROM sales", [], |r| r.get(0))
            .map_err(StoreError::from)?;
        let mut stmt = conn
            .prepare(
                "SELECT p.reference, p.amount, s.kind FROM payments p JOIN sales s ON s.id = p.sale_id
                 WHERE p.kind = 'card' AND s.status = 'completed' AND p.reference LIKE 'stan:%'
                   AND s.id > ?1 AND s.id <= ?2",
            )
            .map_err(StoreError::from)?;
        let rows = stmt
            .query_map([after, up_to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(StoreError::from)?;
        let mut out = Vec::new();
        for row in rows {
            let (reference, amount, kind) = row.map_err(StoreError::from)?;
            let bad = |what: &'static str, value: &str| StoreError::BadValue {
                what,
                value: value.to_string(),
            };
            let stan = reference
                .trim_start_matches("stan:")
                .parse()
                .map_err(|_| bad("payments.reference", &reference))?;
            let amount = Decimal::from_str(&amount).map_err(|_| bad("payments.amount", &amount))?;
            out.push(JournalCardPayment {
                stan,
                amount: amount.abs(),
                refund: kind == "refund",
            });
        }
        Ok((out, up_to))
    }

    /// The last sale id a closed batch covered.
    fn last_settled_sale(&self) -> Result<i64, ServiceError> {
        let last: Option<i64> = self
            .store
            .connection()
            .query_row(
                "SELECT json_extract(content, '$.up_to_sale_id') FROM journal
                 WHERE kind = 'card_settlement' AND json_extract(content, '$.closed')
                 ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(StoreError::from)?;
        Ok(last.unwrap_or(0))
    }

    /// Closes the acquirer batch (0500) and reconciles it with the journal.
    pub fn settle_card_batch(&mut self) -> Result<SettlementReport, ServiceError> {
        self.require_user()?;
        let (journal, up_to) = self.journal_card_payments(self.last_settled_sale()?)?;
        let link = self.payment.as_mut().ok_or(CardError::NoLink)?;
        let report = link
            .settle(&journal, time::OffsetDateTime::now_utc())
            .map_err(CardError::from)?;
        self.store.journal_record(
            "card_settlement",
            &serde_json::json!({
                "batch": report.batch_number,
                "closed": report.host_code.is_some(),
                "up_to_sale_id": up_to,
                "in_balance": report.in_balance(),
                "mismatches": report.mismatches.len(),
            }),
        )?;
        Ok(report)
    }
}
