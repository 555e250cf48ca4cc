//! The host's memory: every transaction by (terminal, STAN, transmission time) so repeats
//! and reversals are idempotent, the open batch per terminal, and card use times (by PAN
//! hash) for velocity checks.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use time::OffsetDateTime;

use crate::acquirer::iso8583::Message;
use crate::acquirer::protocol::{field, response};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TxnKey {
    pub terminal: String,
    pub stan: String,
    pub transmitted: String,
}

impl TxnKey {
    pub fn of(message: &Message) -> Option<Self> {
        Some(Self {
            terminal: message.text(field::TERMINAL_ID)?.to_owned(),
            stan: message.text(field::STAN)?.to_owned(),
            transmitted: message.text(field::TRANSMISSION_DATE_TIME)?.to_owned(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct TxnRecord {
    pub code: &'static str,
    pub auth_code: Option<String>,
    pub rrn: String,
    pub amount: u64,
    pub credit: bool,
    pub approved: bool,
    pub reversed: bool,
    /// A reversal arrived before (or instead of) its original.
    pub tombstone: bool,
    /// Field 55 of the answer (tag 91 with the ARPC), repeated for duplicates.
    pub icc_response: Option<Vec<u8>>,
}

impl TxnRecord {
    pub fn tombstone() -> Self {
        Self {
            code: response::DO_NOT_HONOUR,
            auth_code: None,
            rrn: "000000000000".to_owned(),
            amount: 0,
            credit: false,
            approved: false,
            reversed: true,
            tombstone: true,
            icc_response: None,
        }
    }
}

/// Counts and amounts (minor units) of what a batch holds, reversals excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchTotals {
    pub debits_count: u64,
    pub debits_amount: u64,
    pub credits_count: u64,
    pub credits_amount: u64,
}

#[derive(Debug, Default)]
pub struct Ledger {
    records: HashMap<TxnKey, TxnRecord>,
    open_batch: HashMap<String, Vec<TxnKey>>,
    uses: HashMap<[u8; 32], VecDeque<OffsetDateTime>>,
}

impl Ledger {
    pub fn get(&self, key: &TxnKey) -> Option<&TxnRecord> {
        self.records.get(key)
    }

    pub fn get_mut(&mut self, key: &TxnKey) -> Option<&mut TxnRecord> {
        self.records.get_mut(key)
    }

    pub fn insert(&mut self, key: TxnKey, record: TxnRecord) {
        if record.approved {
            self.open_batch
                .entry(key.terminal.clone())
                .or_default()
                .push(key.clone());
        }
        self.records.insert(key, record);
    }

    /// Records a use of a card, forgetting uses older than `window`.
    pub fn note_use(&mut self, card: [u8; 32], now: OffsetDateTime, window: Duration) {
        let times = self.uses.entry(card).or_default();
        while times.front().is_some_and(|t| *t < now - window) {
            times.pop_front();
        }
        times.push_back(now);
    }

    pub fn uses_since(&self, card: &[u8; 32], since: OffsetDateTime) -> usize {
        self.uses.get(card).map_or(0, |times| {
            times.len() - times.partition_point(|t| *t < since)
        })
    }

    /// Totals of the terminal's open batch; the batch is then closed.
    pub fn close_batch(&mut self, terminal: &str) -> BatchTotals {
        let mut totals = BatchTotals::default();
        for key in self.open_batch.remove(terminal).unwrap_or_default() {
            let Some(record) = self.records.get(&key) else {
                continue;
            };
            if !record.approved || record.reversed {
                continue;
            }
            if record.credit {
                totals.credits_count += 1;
                totals.credits_amount += record.amount;
            } else {
                totals.debits_count += 1;
                totals.debits_amount += record.amount;
            }
        }
        totals
    }
}
