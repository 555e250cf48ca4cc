//! One transaction's state and the small helpers every step uses: exchanging APDUs, the
//! data store (card objects and terminal objects), DOL building, and the top-level flow that
//! turns an early stop into a terminated outcome.

use super::bits::{self, Bit};
use super::config::{AidConfig, Interface, TerminalConfig, TransactionParams};
use super::io::Io;
use super::outcome::{CvmPerformed, Decision, Outcome, SensitiveData, TerminationReason};
use super::{Action, Candidate, Event};
use crate::emv::crypto::RsaPublicKey;
use crate::tlv::{Dol, Tag, Tlv, encode, tags};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A response APDU split into data and status word.
#[derive(Debug, Clone)]
pub(super) struct Rapdu {
    pub data: Vec<u8>,
    pub sw: [u8; 2],
}

impl Rapdu {
    pub fn ok(&self) -> bool {
        self.sw == [0x90, 0x00]
    }
}

/// Why the flow stopped early.
#[derive(Debug)]
pub(super) enum Stop {
    Terminate(TerminationReason),
    /// Contactless pre-processing or a contactless card asked for another interface.
    TryAnotherInterface,
}

pub(super) type Step<T> = Result<T, Stop>;

pub(super) fn card_error(sw: [u8; 2], what: &str) -> Stop {
    Stop::Terminate(TerminationReason::CardError(format!(
        "{:02X}{:02X} to {what}",
        sw[0], sw[1]
    )))
}

pub(super) fn malformed(what: impl Into<String>) -> Stop {
    Stop::Terminate(TerminationReason::Malformed(what.into()))
}

/// The transaction in progress.
pub(super) struct Session {
    io: Io,
    pub cfg: Arc<TerminalConfig>,
    pub p: TransactionParams,
    pub tvr: [u8; 5],
    pub tsi: [u8; 2],
    /// Card data objects (FCI, GPO answer, records, GENERATE AC answers), last one wins.
    pub card: BTreeMap<Tag, Vec<u8>>,
    pub candidates: Vec<Candidate>,
    pub aid_cfg: Option<AidConfig>,
    pub selected: Option<Candidate>,
    pub pdol_data: Vec<u8>,
    pub cdol1_data: Vec<u8>,
    pub static_data: Vec<u8>,
    pub oda_record_invalid: bool,
    pub icc_key: Option<RsaPublicKey>,
    pub cvm_results: [u8; 3],
    pub cvm: CvmPerformed,
    pub online_pin_block: Option<Vec<u8>>,
    pub arc: Option<[u8; 2]>,
    /// The TVR as the card saw it in the data its last cryptogram covers.
    pub cryptogram_tvr: Option<[u8; 5]>,
    pub auth_code: Option<[u8; 6]>,
    pub script_results: Vec<u8>,
    pub apdus: usize,
}

impl Session {
    pub fn new(io: Io, cfg: Arc<TerminalConfig>, p: TransactionParams) -> Session {
        Session {
            io,
            cfg,
            p,
            tvr: [0; 5],
            tsi: [0; 2],
            card: BTreeMap::new(),
            candidates: Vec::new(),
            aid_cfg: None,
            selected: None,
            pdol_data: Vec::new(),
            cdol1_data: Vec::new(),
            static_data: Vec::new(),
            oda_record_invalid: false,
            icc_key: None,
            cvm_results: [0x3F, 0x00, 0x00],
            cvm: CvmPerformed::None,
            online_pin_block: None,
            arc: None,
            cryptogram_tvr: None,
            auth_code: None,
            script_results: Vec::new(),
            apdus: 0,
        }
    }

    /// The whole transaction: contact or contactless, ending in an outcome whatever happens.
    pub async fn run(mut self) -> Outcome {
        let result = match self.p.interface {
            Interface::Contact => self.contact().await,
            Interface::Contactless => self.contactless().await,
        };
        match result {
            Ok(decision) => self.outcome(decision, None),
            Err(Stop::TryAnotherInterface) => {
                self.outcome(super::Decision::TryAnotherInterface, None)
            }
            Err(Stop::Terminate(reason)) => {
                tracing::info!(%reason, "EMV transaction terminated");
                self.outcome(Decision::Terminated, Some(reason))
            }
        }
    }

    pub fn set(&mut self, bit: Bit) {
        bits::set(&mut self.tvr, bit);
    }

    pub fn set_tsi(&mut self, bit: Bit) {
        bits::set(&mut self.tsi, bit);
    }

    /// Hands out an action that is not a card command and returns the answer.
    pub async fn ask(&mut self, action: Action) -> Step<Event> {
        match self.io.request(action).await {
            Event::Cancel => Err(Stop::Terminate(TerminationReason::Cancelled)),
            Event::CardRemoved => Err(Stop::Terminate(TerminationReason::CardRemoved)),
            other => Ok(other),
        }
    }

    /// Sends one command APDU.
    pub async fn exchange(&mut self, apdu: Vec<u8>) -> Step<Rapdu> {
        self.apdus += 1;
        match self.ask(Action::SendApdu(apdu)).await? {
            Event::CardResponse(r) if r.len() >= 2 => {
                let n = r.len();
                Ok(Rapdu {
                    data: r[..n - 2].to_vec(),
                    sw: [r[n - 2], r[n - 1]],
                })
            }
            Event::CardResponse(_) => Err(malformed("response shorter than a status word")),
            _ => Err(Stop::Terminate(TerminationReason::UnexpectedEvent)),
        }
    }

    pub async fn select(&mut self, name: &[u8], next: bool) -> Step<Rapdu> {
        let mut apdu = vec![
            0x00,
            0xA4,
            0x04,
            if next { 0x02 } else { 0x00 },
            name.len() as u8,
        ];
        apdu.extend_from_slice(name);
        apdu.push(0x00);
        self.exchange(apdu).await
    }

    pub async fn read_record(&mut self, sfi: u8, record: u8) -> Step<Rapdu> {
        self.exchange(vec![0x00, 0xB2, record, (sfi << 3) | 0x04, 0x00])
            .await
    }

    pub async fn get_data(&mut self, tag: Tag) -> Step<Option<Vec<u8>>> {
        let [_, _, p1, p2] = tag.0.to_be_bytes();
        let r = self.exchange(vec![0x80, 0xCA, p1, p2, 0x00]).await?;
        if !r.ok() {
            return Ok(None);
        }
        let objects = crate::tlv::parse(&r.data).map_err(|e| malformed(e.to_string()))?;
        Ok(crate::tlv::find_bytes(&objects, tag).map(<[u8]>::to_vec))
    }

    /// A case-4 command with class/ins/p1/p2 and data.
    pub async fn command(&mut self, header: [u8; 4], data: &[u8]) -> Step<Rapdu> {
        let mut apdu = header.to_vec();
        apdu.push(data.len() as u8);
        apdu.extend_from_slice(data);
        apdu.push(0x00);
        self.exchange(apdu).await
    }

    /// Stores every primitive object of a TLV list (recursively).
    pub fn store(&mut self, objects: &[Tlv]) {
        for o in objects {
            match o.bytes() {
                Some(v) => {
                    self.card.insert(o.tag, v.to_vec());
                }
                None => self.store(o.children()),
            }
        }
    }

    /// The PAN (cn): tag 5A, or the PAN part of track 2 equivalent data (qVSDC cards).
    pub fn pan(&self) -> Option<Vec<u8>> {
        if let Some(pan) = self.card_value(tags::PAN) {
            return Some(pan.to_vec());
        }
        let track2 = self.card_value(tags::TRACK2)?;
        let nibbles: Vec<u8> = track2
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0F])
            .take_while(|n| *n <= 9)
            .collect();
        let mut packed: Vec<u8> = nibbles
            .chunks(2)
            .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0x0F))
            .collect();
        packed.truncate(10);
        Some(packed)
    }

    pub fn card_value(&self, tag: Tag) -> Option<&[u8]> {
        self.card.get(&tag).map(Vec::as_slice)
    }

    /// A terminal-sourced data object, built on demand.
    pub fn terminal_value(&self, tag: Tag) -> Option<Vec<u8>> {
        let c = &self.cfg;
        Some(match tag.0 {
            0x9F02 => bcd12(self.p.amount).to_vec(),
            0x9F03 => bcd12(self.p.amount_other).to_vec(),
            0x9F1A => c.country.to_vec(),
            0x5F2A => self.p.currency.to_vec(),
            0x5F36 => vec![self.p.currency_exponent],
            0x9A => self.p.date.to_vec(),
            0x9F21 => self.p.time.to_vec(),
            0x9C => vec![self.p.transaction_type],
            0x9F37 => self.p.unpredictable_number.to_vec(),
            0x95 => self.tvr.to_vec(),
            0x9B => self.tsi.to_vec(),
            0x9F35 => vec![c.terminal_type],
            0x9F33 => c.capabilities.to_vec(),
            0x9F40 => c.additional_capabilities.to_vec(),
            0x9F1C => c.terminal_id.to_vec(),
            0x9F66 => self.ttq().to_vec(),
            0x9F34 => self.cvm_results.to_vec(),
            0x8A => self.arc?.to_vec(),
            0x9F09 => self.aid_cfg.as_ref()?.app_version.to_vec(),
            0x9F06 => self.selected.as_ref()?.aid.clone(),
            _ => return None,
        })
    }

    /// Terminal transaction qualifiers after contactless pre-processing.
    pub fn ttq(&self) -> [u8; 4] {
        let mut ttq = self.cfg.ttq;
        if let Some(a) = &self.aid_cfg {
            if self.p.amount > a.cl_floor_limit || self.p.force_online {
                ttq[1] |= 0x80; // online cryptogram required
            }
            if self.p.amount > a.cl_cvm_limit {
                ttq[1] |= 0x40; // CVM required
            }
        }
        ttq
    }

    /// Builds DOL data: terminal objects first (they are current), then card objects.
    pub fn dol_data(&self, dol: &Dol) -> Vec<u8> {
        let values: Vec<(Tag, Vec<u8>)> = dol
            .entries
            .iter()
            .filter_map(|e| {
                self.terminal_value(e.tag)
                    .or_else(|| self.card_value(e.tag).map(<[u8]>::to_vec))
                    .map(|v| (e.tag, v))
            })
            .collect();
        dol.build(|t| {
            values
                .iter()
                .find(|(k, _)| *k == t)
                .map(|(_, v)| v.as_slice())
        })
    }

    fn outcome(&self, decision: Decision, termination: Option<TerminationReason>) -> Outcome {
        let pan = self.pan().map(SensitiveData::new);
        Outcome {
            decision,
            termination,
            interface: self.p.interface,
            aid: self
                .selected
                .as_ref()
                .map(|c| c.aid.clone())
                .unwrap_or_default(),
            label: self
                .selected
                .as_ref()
                .map(|c| c.label.clone())
                .unwrap_or_default(),
            masked_pan: pan.as_ref().map(SensitiveData::masked).unwrap_or_default(),
            expiry: self
                .card_value(tags::EXPIRY)
                .and_then(|e| e.try_into().ok()),
            tvr: self.tvr,
            tsi: self.tsi,
            atc: self
                .card_value(tags::ATC)
                .and_then(|a| a.try_into().ok())
                .map(u16::from_be_bytes),
            cvm_results: self.cvm_results,
            cvm: self.cvm,
            cid: self.card_value(tags::CID).and_then(|c| c.first().copied()),
            cryptogram: self.card_value(tags::AC).and_then(|c| c.try_into().ok()),
            arc: self.arc,
            auth_code: self.auth_code,
            field55: self.field55(),
            pan,
            script_results: self.script_results.clone(),
            apdu_count: self.apdus,
        }
    }

    /// The ICC data set for ISO 8583 field 55 (never PAN or track data).
    pub fn field55(&self) -> Vec<u8> {
        const CARD: [u32; 9] = [
            0x82, 0x9F36, 0x9F26, 0x9F27, 0x9F10, 0x5F34, 0x84, 0x9F08, 0x9F6E,
        ];
        const TERMINAL: [u32; 13] = [
            0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37, 0x9F33, 0x9F34, 0x9F35,
            0x9F1E, 0x9F09,
        ];
        let mut out = Vec::new();
        for t in CARD {
            if let Some(v) = self.card_value(Tag(t)) {
                out.extend(Tlv::primitive(Tag(t), v).encode());
            }
        }
        for t in TERMINAL {
            let value = match (t, self.cryptogram_tvr) {
                (0x95, Some(tvr)) => Some(tvr.to_vec()),
                _ => self.terminal_value(Tag(t)),
            };
            if let Some(v) = value {
                out.extend(encode(&[Tlv::primitive(Tag(t), v)]));
            }
        }
        out
    }
}

/// An amount as n12 BCD (6 bytes).
pub(super) fn bcd12(amount: u64) -> [u8; 6] {
    let mut out = [0u8; 6];
    let mut v = amount % 1_000_000_000_000;
    for b in out.iter_mut().rev() {
        let lo = (v % 10) as u8;
        v /= 10;
        let hi = (v % 10) as u8;
        v /= 10;
        *b = (hi << 4) | lo;
    }
    out
}
