//! The payment link shell: builds, seals and sends requests through the acquirer client,
//! and keeps the no-double-charge promises durable in [`PaymentStore`]:
//! - the pending reversal is committed BEFORE a request leaves the lane;
//! - no valid answer -> the request is reversed (0400), retried until acknowledged;
//! - an approval stays reversible until the sale calls [`PaymentLink::complete`]; a lane
//!   that stopped in between reverses it in [`PaymentLink::recover`] at its next start;
//! - host unreachable (nothing sent) -> an offline approval within limits is queued as a
//!   0220 advice and forwarded by [`PaymentLink::drain_advices`].
//!
//! The decisions themselves are the pure functions of [`super::decision`].

use std::time::Duration;

use rust_decimal::Decimal;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::{info, warn};

use super::decision::{self, AfterSend, AmountError, SafQueueState};
use super::outcome::{
    Approval, CardPayment, CompletionToken, DrainReport, Outcome, RecoveryReport, ReversalReport,
    ReversalStatus, SettlementReport,
};
use super::settle::{self, JournalCardPayment};
use super::store::{BatchLine, Channel, PaymentStore, PendingState, QueuedAdvice, StoreError};
use crate::acquirer::client::AcquirerClient;
use crate::acquirer::config::AcquirerConfig;
use crate::acquirer::crypto::session::DukptTerminal;
use crate::acquirer::crypto::{CryptoError, TransactionKeys};
use crate::acquirer::iso8583::{Message, Mti};
use crate::acquirer::protocol::{self, Direction, ProtocolError, field, response};
use crate::acquirer::requests::{
    self, CardRequest, OriginalRef, RequestKind, Totals, card_message, reversal_message,
    settlement_message, transmission_time,
};

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Amount(#[from] AmountError),
}

/// What came back from one exchange.
struct Exchanged {
    sent: bool,
    answer: Option<Message>,
    problem: Option<String>,
}

#[derive(Debug)]
pub struct PaymentLink {
    config: AcquirerConfig,
    client: AcquirerClient,
    store: PaymentStore,
    terminal: DukptTerminal,
}

fn rfc3339(now: OffsetDateTime) -> String {
    now.format(&Rfc3339).unwrap_or_default()
}

impl PaymentLink {
    pub fn new(config: AcquirerConfig, store: PaymentStore) -> Result<Self, PaymentError> {
        let last = store.last_ksn(&config.key_set_label())?;
        let terminal = config.dukpt_terminal(last.as_deref())?;
        let mut client = AcquirerClient::new(config.address.clone(), config.timeout());
        client.connect_timeout = Duration::from_millis(config.connect_timeout_ms);
        Ok(Self {
            config,
            client,
            store,
            terminal,
        })
    }

    pub fn store(&self) -> &PaymentStore {
        &self.store
    }

    /// Derives the next keys and persists the KSN before anything uses them.
    fn next_keys(&mut self) -> Result<TransactionKeys, PaymentError> {
        let keys = self.terminal.next_keys()?;
        self.store
            .save_ksn(&self.config.key_set_label(), keys.ksn())?;
        Ok(keys)
    }

    fn exchange(&self, wire: &[u8], keys: &TransactionKeys, expect: Mti, stan: u32) -> Exchanged {
        match self.client.exchange(wire) {
            Ok(bytes) => match protocol::open(&bytes, keys, Direction::Response) {
                Ok(m)
                    if m.mti == expect
                        && m.text(field::STAN) == Some(&requests::stan_text(stan)) =>
                {
                    Exchanged {
                        sent: true,
                        answer: Some(m),
                        problem: None,
                    }
                }
                Ok(m) => Exchanged {
                    sent: true,
                    answer: None,
                    problem: Some(format!("unexpected answer {} to {}", m.mti, expect)),
                },
                Err(e) => {
                    warn!(error = %e, "acquirer answer rejected");
                    Exchanged {
                        sent: true,
                        answer: None,
                        problem: Some(e.to_string()),
                    }
                }
            },
            Err(e) => {
                warn!(error = %e, "acquirer exchange failed");
                Exchanged {
                    sent: e.request_may_have_arrived(),
                    answer: None,
                    problem: Some(e.to_string()),
                }
            }
        }
    }

    /// Authorizes one card payment or refund.
    pub fn authorize(
        &mut self,
        payment: &CardPayment,
        now: OffsetDateTime,
    ) -> Result<Outcome, PaymentError> {
        let exponent = self.config.currency_exponent;
        let amount_minor = decision::to_minor(payment.amount, exponent)?;
        let stan = self.store.next_stan()?;
        let transmitted = transmission_time(now);
        let request = CardRequest {
            kind: payment.kind,
            stan,
            transmitted: transmitted.clone(),
            amount_minor,
            refund: payment.refund,
            card: payment.card.clone(),
            pin: payment.pin.clone(),
            icc_data: payment.icc_data.clone(),
            entry_mode: payment.entry_mode.clone(),
        };
        let keys = self.next_keys()?;
        let wire = protocol::seal(
            card_message(&self.config.identity(), &request, &keys)?,
            &keys,
            Direction::Request,
        )?;
        let original = OriginalRef {
            mti: payment.kind.mti(),
            stan,
            transmitted: transmitted.clone(),
            amount_minor,
            refund: payment.refund,
        };
        let pending = self
            .store
            .insert_pending(&original, payment.amount, &rfc3339(now))?;
        let result = self.exchange(&wire, &keys, payment.kind.mti().response(), stan);
        let code = result
            .answer
            .as_ref()
            .and_then(|m| m.text(field::RESPONSE_CODE));
        let masked_pan = payment.card.masked_pan();
        match decision::after_send(result.sent, code) {
            AfterSend::Answered { code } if code == response::APPROVED => {
                let answer = result.answer.as_ref();
                let auth_code = answer
                    .and_then(|m| m.text(field::AUTH_CODE))
                    .map(str::to_owned);
                self.store
                    .set_pending_state(pending, PendingState::AwaitingCompletion)?;
                self.store.record_batch_line(&BatchLine {
                    stan,
                    transmitted,
                    refund: payment.refund,
                    amount: payment.amount,
                    auth_code: auth_code.clone(),
                    masked_pan: masked_pan.clone(),
                    channel: Channel::Online,
                })?;
                info!(stan, pan = %masked_pan, "approved online");
                Ok(Outcome::Approved(Approval {
                    stan,
                    auth_code,
                    rrn: answer.and_then(|m| m.text(field::RRN)).map(str::to_owned),
                    masked_pan,
                    icc_response: answer
                        .and_then(|m| m.get(field::ICC_DATA))
                        .map(<[u8]>::to_vec),
                    token: CompletionToken(pending),
                }))
            }
            AfterSend::Answered { code } => {
                self.store.delete_pending(pending)?;
                info!(stan, code = %code, "declined");
                Ok(Outcome::Declined {
                    icc_response: result
                        .answer
                        .as_ref()
                        .and_then(|m| m.get(field::ICC_DATA))
                        .map(<[u8]>::to_vec),
                    stan,
                    reason: response::describe(&code),
                    code,
                })
            }
            AfterSend::Reverse => {
                self.store
                    .set_pending_state(pending, PendingState::Reverse)?;
                self.reverse_due(now)?;
                let reversal = if self.store.due_reversals()?.iter().any(|r| r.id == pending) {
                    ReversalStatus::Pending
                } else {
                    ReversalStatus::Acknowledged
                };
                Ok(Outcome::NoAnswer {
                    stan,
                    reason: result.problem.unwrap_or_else(|| "no answer".to_owned()),
                    reversal,
                })
            }
            AfterSend::NotSent => {
                self.store.delete_pending(pending)?;
                let reason = result
                    .problem
                    .unwrap_or_else(|| "acquirer unreachable".to_owned());
                match decision::saf_allows(
                    &self.config.store_and_forward,
                    &self.saf_state(now)?,
                    payment.amount,
                    payment.offline_allowed,
                ) {
                    Ok(()) => self.queue_advice(request, payment.amount, now),
                    Err(refusal) => Ok(Outcome::Unavailable {
                        reason: format!("{reason}; {refusal}"),
                    }),
                }
            }
        }
    }

    fn saf_state(&self, now: OffsetDateTime) -> Result<SafQueueState, PaymentError> {
        let queued = self.store.queued_advices()?;
        let oldest_age = queued
            .first()
            .and_then(|a| OffsetDateTime::parse(&a.created_at, &Rfc3339).ok())
            .map(|t| Duration::try_from(now - t).unwrap_or_default());
        Ok(SafQueueState {
            count: queued.len() as u32,
            total: queued.iter().map(|a| a.amount).sum(),
            oldest_age,
        })
    }

    fn queue_advice(
        &mut self,
        mut request: CardRequest,
        amount: Decimal,
        now: OffsetDateTime,
    ) -> Result<Outcome, PaymentError> {
        request.kind = RequestKind::Advice;
        // An advice reports an approval already given: no PIN travels with it.
        request.pin = None;
        let keys = self.next_keys()?;
        let frame = protocol::seal(
            card_message(&self.config.identity(), &request, &keys)?,
            &keys,
            Direction::Request,
        )?;
        let masked_pan = request.card.masked_pan();
        let advice = QueuedAdvice {
            id: 0,
            stan: request.stan,
            transmitted: request.transmitted.clone(),
            amount,
            ksn: keys.ksn().to_vec(),
            frame,
            created_at: rfc3339(now),
        };
        self.store.queue_advice(&advice, &masked_pan)?;
        self.store.record_batch_line(&BatchLine {
            stan: request.stan,
            transmitted: request.transmitted,
            refund: request.refund,
            amount,
            auth_code: None,
            masked_pan: masked_pan.clone(),
            channel: Channel::Offline,
        })?;
        info!(stan = request.stan, pan = %masked_pan, "approved offline, advice queued");
        Ok(Outcome::ApprovedOffline {
            stan: request.stan,
            masked_pan,
        })
    }

    /// The sale holding this approval is committed: it is no longer reversible.
    pub fn complete(&self, token: CompletionToken) -> Result<(), PaymentError> {
        Ok(self.store.delete_pending(token.0)?)
    }

    /// The sale will not complete: reverse the approval now (and later if unreachable).
    pub fn abandon(
        &mut self,
        token: CompletionToken,
        now: OffsetDateTime,
    ) -> Result<ReversalReport, PaymentError> {
        self.store
            .set_pending_state(token.0, PendingState::Reverse)?;
        self.reverse_due(now)
    }

    /// Sends every reversal that is due, oldest first; stops at an unreachable host.
    pub fn reverse_due(&mut self, now: OffsetDateTime) -> Result<ReversalReport, PaymentError> {
        let mut report = ReversalReport::default();
        let due = self.store.due_reversals()?;
        let mut reachable = true;
        for pending in due {
            if !reachable {
                report.pending += 1;
                continue;
            }
            let mut original = pending.original.clone();
            original.amount_minor =
                decision::to_minor(pending.amount, self.config.currency_exponent)?;
            let stan = self.store.next_stan()?;
            let keys = self.next_keys()?;
            let message = reversal_message(
                &self.config.identity(),
                &original,
                stan,
                &transmission_time(now),
            );
            let wire = protocol::seal(message, &keys, Direction::Request)?;
            let result = self.exchange(&wire, &keys, Mti::REVERSAL_RESPONSE, stan);
            let code = result
                .answer
                .as_ref()
                .and_then(|m| m.text(field::RESPONSE_CODE));
            if code.is_some_and(decision::reversal_acknowledged) {
                self.store.delete_pending(pending.id)?;
                self.store
                    .mark_batch_line_reversed(original.stan, &original.transmitted)?;
                info!(stan = original.stan, "reversal acknowledged");
                report.acknowledged += 1;
            } else {
                let problem = code
                    .map(|c| format!("reversal answered {c}"))
                    .or(result.problem)
                    .unwrap_or_default();
                self.store.note_reversal_attempt(pending.id, &problem)?;
                reachable = result.sent;
                report.pending += 1;
            }
        }
        Ok(report)
    }

    /// At lane start: whatever was in flight or awaiting completion did not complete, so
    /// reverse it; then forward queued advices.
    pub fn recover(&mut self, now: OffsetDateTime) -> Result<RecoveryReport, PaymentError> {
        let marked = self.store.mark_all_for_reversal()?;
        if marked > 0 {
            warn!(
                count = marked,
                "unfinished authorizations found at start; reversing"
            );
        }
        Ok(RecoveryReport {
            reversals: self.reverse_due(now)?,
            advices: self.drain_advices()?,
        })
    }

    /// Forwards queued 0220 advices in order; stops at the first failure.
    pub fn drain_advices(&mut self) -> Result<DrainReport, PaymentError> {
        let queued = self.store.queued_advices()?;
        let mut report = DrainReport {
            forwarded: 0,
            remaining: queued.len() as u32,
        };
        for advice in queued {
            let keys = self.terminal.keys_for_ksn(&advice.ksn)?;
            let result = self.exchange(&advice.frame, &keys, Mti::ADVICE_RESPONSE, advice.stan);
            match result
                .answer
                .as_ref()
                .and_then(|m| m.text(field::RESPONSE_CODE))
            {
                Some(response::APPROVED) => {
                    self.store.delete_advice(advice.id)?;
                    report.forwarded += 1;
                    report.remaining -= 1;
                }
                other => {
                    let problem = other
                        .map(|c| format!("advice answered {c}"))
                        .or(result.problem)
                        .unwrap_or_default();
                    self.store.note_advice_attempt(advice.id, &problem)?;
                    break;
                }
            }
        }
        Ok(report)
    }

    /// 0800 echo: true when the host answers with a valid MAC.
    pub fn echo(&mut self, now: OffsetDateTime) -> Result<bool, PaymentError> {
        let stan = self.store.next_stan()?;
        let keys = self.next_keys()?;
        let wire = protocol::seal(
            requests::echo_message(&self.config.identity(), stan, &transmission_time(now)),
            &keys,
            Direction::Request,
        )?;
        Ok(self
            .exchange(&wire, &keys, Mti::NETWORK_RESPONSE, stan)
            .answer
            .is_some())
    }

    /// Closes the batch: forwards advices and due reversals first, reconciles the batch
    /// against the journal line by line, sends the 0500 and compares the host's totals.
    pub fn settle(
        &mut self,
        journal: &[JournalCardPayment],
        now: OffsetDateTime,
    ) -> Result<SettlementReport, PaymentError> {
        self.reverse_due(now)?;
        self.drain_advices()?;
        let batch = self.store.open_batch()?;
        let mismatches = settle::reconcile(&batch, journal);
        let lane_totals = settle::totals(&batch, self.config.currency_exponent)?;
        let batch_number = self.store.batch_number()?;
        let stan = self.store.next_stan()?;
        let keys = self.next_keys()?;
        let message = settlement_message(
            &self.config.identity(),
            stan,
            &transmission_time(now),
            batch_number,
            &lane_totals,
        );
        let wire = protocol::seal(message, &keys, Direction::Request)?;
        let result = self.exchange(&wire, &keys, Mti::SETTLEMENT_RESPONSE, stan);
        let host_code = result
            .answer
            .as_ref()
            .and_then(|m| m.text(field::RESPONSE_CODE))
            .map(str::to_owned);
        let host_totals = result.answer.as_ref().and_then(Totals::from_message);
        if host_code.is_some() {
            // The host closed its side either way; close ours so the next batch starts clean.
            self.store.close_batch(&rfc3339(now))?;
        }
        for line in &mismatches {
            warn!(%line, "settlement mismatch");
        }
        Ok(SettlementReport {
            batch_number,
            lane_totals,
            host_totals,
            host_code,
            mismatches,
        })
    }
}
