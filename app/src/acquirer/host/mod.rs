//! The simulated acquirer and issuer. [`Host`] is the sans-IO core: request bytes in, a
//! [`Reply`] out; [`server`] is the TCP shell `pos sim acquirer` runs. The host checks the
//! MAC, decrypts the card data and PIN block under the terminal's DUKPT keys, applies the
//! issuer and approval rules, answers reversals idempotently and settles batches.

pub mod config;
mod emv;
mod ledger;
pub mod server;

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tracing::{debug, warn};

pub use config::{Faults, HostConfig, Issuer, KeySet, Rules};
use emv::ArqcCheck;
use ledger::{Ledger, TxnKey, TxnRecord};

use super::card::CardData;
use super::crypto::TransactionKeys;
use super::iso8583::{Message, Mti};
use super::protocol::{self, Direction, ProtocolError, field, processing, response};

/// What the shell should do with the connection after a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Answer(Vec<u8>),
    /// Say nothing (fault: no answer).
    Silence,
    /// Close the connection (undecodable input, or fault: drop after request).
    Drop,
}

/// Counters testers and tests read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostStats {
    pub received: HashMap<String, u32>,
    pub approvals: u32,
    pub declines: u32,
    pub reversals_applied: u32,
    pub reversals_repeated: u32,
    pub advices: u32,
    pub bad_macs: u32,
    pub arqc_verified: u32,
    pub arqc_failures: u32,
    pub malformed: u32,
}

impl HostStats {
    pub fn received(&self, mti: Mti) -> u32 {
        self.received.get(&mti.to_string()).copied().unwrap_or(0)
    }
}

/// The acquirer/issuer state machine.
#[derive(Debug)]
pub struct Host {
    config: HostConfig,
    faults: Faults,
    ledger: Ledger,
    stats: HostStats,
    sequence: u64,
}

impl Host {
    pub fn new(config: HostConfig) -> Self {
        Self {
            config,
            faults: Faults::default(),
            ledger: Ledger::default(),
            stats: HostStats::default(),
            sequence: 0,
        }
    }

    pub fn set_faults(&mut self, faults: Faults) {
        self.faults = faults;
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn stats(&self) -> &HostStats {
        &self.stats
    }

    pub fn config_mut(&mut self) -> &mut HostConfig {
        &mut self.config
    }

    /// Handles one request frame.
    pub fn handle(&mut self, wire: &[u8], now: OffsetDateTime) -> Reply {
        let opened = protocol::open_request(wire, |info| self.config.bdk_for(info));
        let (request, keys) = match opened {
            Ok(ok) => ok,
            Err((message, error)) => return self.reject(message, error),
        };
        *self
            .stats
            .received
            .entry(request.mti.to_string())
            .or_default() += 1;
        let answer = match request.mti {
            Mti::AUTH_REQUEST | Mti::FINANCIAL_REQUEST => self.authorize(&request, &keys, now),
            Mti::ADVICE => self.advice(&request, &keys, now),
            Mti::REVERSAL | Mti::REVERSAL_ADVICE => self.reverse(&request),
            Mti::SETTLEMENT => self.settle(&request),
            Mti::NETWORK => respond(&request, response::APPROVED),
            _ => respond(&request, response::INVALID_TRANSACTION),
        };
        let faults = &self.faults;
        if faults.applies_to(Some(request.mti)) {
            if faults.no_answer {
                return Reply::Silence;
            }
            if faults.drop_after_request {
                return Reply::Drop;
            }
            if faults.malformed_answer {
                return Reply::Answer(vec![0x02, 0x10, 0xFF]);
            }
        }
        match protocol::seal(answer, &keys, Direction::Response) {
            Ok(bytes) => Reply::Answer(bytes),
            Err(e) => {
                warn!(error = %e, "simulated host could not encode its answer");
                Reply::Drop
            }
        }
    }

    fn reject(&mut self, message: Option<Message>, error: ProtocolError) -> Reply {
        warn!(error = %error, "simulated host rejected a request");
        match (&error, message) {
            (ProtocolError::BadMac, Some(_)) => {
                self.stats.bad_macs += 1;
                Reply::Drop
            }
            (_, Some(m)) if !m.mti.is_response() => {
                self.stats.malformed += 1;
                // Without verified keys the answer cannot carry a valid MAC; the lane
                // treats it as no answer, which is the safe side.
                let answer = respond(&m, response::SECURITY_VIOLATION);
                crate::acquirer::iso8583::encode(&crate::acquirer::iso8583::POS_1987, &answer)
                    .map_or(Reply::Drop, Reply::Answer)
            }
            _ => {
                self.stats.malformed += 1;
                Reply::Drop
            }
        }
    }

    fn next_sequence(&mut self) -> u64 {
        self.sequence += 1;
        self.sequence
    }

    fn authorize(
        &mut self,
        request: &Message,
        keys: &TransactionKeys,
        now: OffsetDateTime,
    ) -> Message {
        let Some(key) = TxnKey::of(request) else {
            return respond(request, response::FORMAT_ERROR);
        };
        if let Some(done) = self.ledger.get(&key) {
            debug!(stan = %key.stan, "duplicate request answered from the ledger");
            return answer_from(request, done);
        }
        let decision = self.decide(request, keys, now);
        match decision.arqc {
            ArqcCheck::Verified { .. } => self.stats.arqc_verified += 1,
            ArqcCheck::Wrong => self.stats.arqc_failures += 1,
            ArqcCheck::Absent | ArqcCheck::Malformed => {}
        }
        let amount = request
            .text(field::AMOUNT)
            .and_then(protocol::parse_amount)
            .unwrap_or(0);
        let credit = request.text(field::PROCESSING_CODE) == Some(processing::REFUND);
        let approved = decision.code == response::APPROVED;
        let icc_response = match decision.arqc {
            ArqcCheck::Verified { session_key, arqc } => {
                Some(emv::issuer_authentication(&session_key, arqc, approved))
            }
            _ => None,
        };
        let sequence = self.next_sequence();
        let record = TxnRecord {
            code: decision.code,
            auth_code: approved.then(|| format!("A{:05}", sequence % 100_000)),
            rrn: format!("{:012}", sequence),
            amount,
            credit,
            approved,
            reversed: false,
            tombstone: false,
            icc_response,
        };
        if approved {
            self.stats.approvals += 1;
            if let Some(card) = decision.card_hash {
                self.ledger
                    .note_use(card, now, self.config.rules.velocity_window);
            }
        } else {
            self.stats.declines += 1;
        }
        let answer = answer_from(request, &record);
        self.ledger.insert(key, record);
        answer
    }

    fn decide(&self, request: &Message, keys: &TransactionKeys, now: OffsetDateTime) -> Decision {
        let card = match decrypt_card(request, keys) {
            Ok(card) => card,
            Err(code) => return Decision::code(code),
        };
        let Some(issuer) = self.config.issuer_for(card.pan()) else {
            return Decision::code(response::INVALID_CARD_NUMBER);
        };
        let arqc = match issuer.imk_ac.as_ref() {
            Some(imk) => {
                // field 23 / card data carry the PSN as a number; the key derivation wants BCD
                let psn = card
                    .pan_sequence()
                    .map_or(0, |n| ((n / 10) << 4) | (n % 10));
                emv::check_arqc(request.get(field::ICC_DATA), imk, card.pan(), psn)
            }
            None => ArqcCheck::Absent,
        };
        let code = match arqc {
            ArqcCheck::Malformed => response::FORMAT_ERROR,
            ArqcCheck::Wrong => response::DO_NOT_HONOUR,
            ArqcCheck::Absent | ArqcCheck::Verified { .. } => {
                self.issuer_rules(request, keys, &card, issuer, now)
            }
        };
        let card_hash = (code == response::APPROVED).then(|| card_hash(&card));
        Decision {
            code,
            card_hash,
            arqc,
        }
    }

    fn issuer_rules(
        &self,
        request: &Message,
        keys: &TransactionKeys,
        card: &CardData,
        issuer: &Issuer,
        now: OffsetDateTime,
    ) -> &'static str {
        if is_expired(card.expiry(), now) {
            return response::EXPIRED_CARD;
        }
        if let Some(block) = request.get(field::PIN_DATA) {
            match keys.decrypt_pin(block, card.pan()) {
                Ok(pin) if pin.digits() == issuer.pin_for(card.pan()) => {}
                _ => return response::INCORRECT_PIN,
            }
        }
        let amount = request
            .text(field::AMOUNT)
            .and_then(protocol::parse_amount)
            .unwrap_or(0);
        let cents = amount % 100;
        let rules = &self.config.rules;
        if rules.insufficient_funds_cents == Some(cents) {
            return response::INSUFFICIENT_FUNDS;
        }
        if rules.do_not_honour_cents == Some(cents) {
            return response::DO_NOT_HONOUR;
        }
        let recent = self
            .ledger
            .uses_since(&card_hash(card), now - rules.velocity_window);
        if recent >= rules.velocity_limit as usize {
            return response::EXCEEDS_FREQUENCY_LIMIT;
        }
        response::APPROVED
    }

    fn advice(
        &mut self,
        request: &Message,
        keys: &TransactionKeys,
        now: OffsetDateTime,
    ) -> Message {
        let Some(key) = TxnKey::of(request) else {
            return respond(request, response::FORMAT_ERROR);
        };
        if self.ledger.get(&key).is_none() {
            // An advice tells of an approval already given offline: record, never decline.
            let card = decrypt_card(request, keys).ok();
            if let Some(card) = &card {
                let window = self.config.rules.velocity_window;
                self.ledger.note_use(card_hash(card), now, window);
            }
            let sequence = self.next_sequence();
            self.ledger.insert(
                key,
                TxnRecord {
                    code: response::APPROVED,
                    auth_code: None,
                    rrn: format!("{:012}", sequence),
                    amount: request
                        .text(field::AMOUNT)
                        .and_then(protocol::parse_amount)
                        .unwrap_or(0),
                    credit: request.text(field::PROCESSING_CODE) == Some(processing::REFUND),
                    approved: true,
                    reversed: false,
                    tombstone: false,
                    icc_response: None,
                },
            );
            self.stats.advices += 1;
        }
        respond(request, response::APPROVED)
    }

    fn reverse(&mut self, request: &Message) -> Message {
        let terminal = request
            .text(field::TERMINAL_ID)
            .unwrap_or_default()
            .to_owned();
        let Some((_, stan, transmitted)) = request
            .text(field::ORIGINAL_DATA)
            .and_then(protocol::parse_original_data)
        else {
            return respond(request, response::FORMAT_ERROR);
        };
        let key = TxnKey {
            terminal,
            stan: stan.to_owned(),
            transmitted: transmitted.to_owned(),
        };
        match self.ledger.get_mut(&key) {
            Some(record) if record.tombstone => {
                self.stats.reversals_repeated += 1;
                respond(request, response::UNABLE_TO_LOCATE_ORIGINAL)
            }
            Some(record) if record.reversed => {
                self.stats.reversals_repeated += 1;
                respond(request, response::APPROVED)
            }
            Some(record) => {
                record.reversed = true;
                self.stats.reversals_applied += 1;
                respond(request, response::APPROVED)
            }
            None => {
                // Never reached us: nothing to undo. Remember it so a late original is refused.
                self.ledger.insert(key, TxnRecord::tombstone());
                self.stats.reversals_applied += 1;
                respond(request, response::UNABLE_TO_LOCATE_ORIGINAL)
            }
        }
    }

    fn settle(&mut self, request: &Message) -> Message {
        let terminal = request.text(field::TERMINAL_ID).unwrap_or_default();
        let totals = self.ledger.close_batch(terminal);
        let claimed = |f| {
            request
                .text(f)
                .and_then(protocol::parse_amount)
                .unwrap_or(u64::MAX)
        };
        let matches = claimed(field::DEBITS_COUNT) == totals.debits_count
            && claimed(field::DEBITS_AMOUNT) == totals.debits_amount
            && claimed(field::CREDITS_COUNT) == totals.credits_count
            && claimed(field::CREDITS_AMOUNT) == totals.credits_amount;
        let code = if matches {
            response::APPROVED
        } else {
            response::RECONCILE_ERROR
        };
        let mut answer = respond(request, code);
        answer
            .set(field::DEBITS_COUNT, format!("{:010}", totals.debits_count))
            .set(
                field::CREDITS_COUNT,
                format!("{:010}", totals.credits_count),
            )
            .set(
                field::DEBITS_AMOUNT,
                format!("{:016}", totals.debits_amount),
            )
            .set(
                field::CREDITS_AMOUNT,
                format!("{:016}", totals.credits_amount),
            );
        answer
    }
}

struct Decision {
    code: &'static str,
    /// Set on approval: the card use counts towards velocity.
    card_hash: Option<[u8; 32]>,
    arqc: ArqcCheck,
}

impl Decision {
    fn code(code: &'static str) -> Self {
        Self {
            code,
            card_hash: None,
            arqc: ArqcCheck::Absent,
        }
    }
}

fn decrypt_card(request: &Message, keys: &TransactionKeys) -> Result<CardData, &'static str> {
    let secret = request
        .get(field::ENCRYPTED_CARD_DATA)
        .ok_or(response::FORMAT_ERROR)?;
    let plain = keys
        .decrypt_request_data(secret)
        .map_err(|_| response::SECURITY_VIOLATION)?;
    CardData::from_plain(&plain).map_err(|_| response::INVALID_CARD_NUMBER)
}

/// Cards are tracked by a hash of the PAN, so the host keeps no clear PAN either.
fn card_hash(card: &CardData) -> [u8; 32] {
    Sha256::digest(card.pan().as_bytes()).into()
}

/// Expired after the last day of the YYMM month.
fn is_expired(expiry: &str, now: OffsetDateTime) -> bool {
    let (Ok(yy), Ok(mm)) = (expiry[..2].parse::<i32>(), expiry[2..].parse::<u8>()) else {
        return true;
    };
    let current = (now.year() - 2000) * 100 + i32::from(u8::from(now.month()));
    yy * 100 + i32::from(mm) < current
}

/// The answer skeleton: response MTI, echoed identifying fields, the response code.
fn respond(request: &Message, code: &str) -> Message {
    let mut answer = Message::new(request.mti.response());
    for f in [
        field::PROCESSING_CODE,
        field::AMOUNT,
        field::TRANSMISSION_DATE_TIME,
        field::STAN,
        field::TERMINAL_ID,
        field::MERCHANT_ID,
        field::CURRENCY,
        field::BATCH_NUMBER,
        field::NETWORK_CODE,
    ] {
        if let Some(v) = request.get(f) {
            answer.set(f, v.to_vec());
        }
    }
    answer.set(field::RESPONSE_CODE, code);
    answer
}

fn answer_from(request: &Message, record: &TxnRecord) -> Message {
    let mut answer = respond(request, record.code);
    answer.set(field::RRN, record.rrn.clone());
    if let Some(code) = &record.auth_code {
        answer.set(field::AUTH_CODE, code.clone());
    }
    if let Some(icc) = &record.icc_response {
        answer.set(field::ICC_DATA, icc.clone());
    }
    answer
}

#[cfg(test)]
mod tests;
