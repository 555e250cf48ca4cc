//! Cardholder verification (EMV Book 3 10.5, Book 4 6.3): walk the CVM list with its
//! conditions and amounts X/Y, perform offline plaintext or enciphered PIN, online PIN,
//! signature, no CVM and their combinations, honour the PIN try counter, and record the CVM
//! results (9F34) and the TVR bits.

use super::bits::*;
use super::outcome::CvmPerformed;
use super::session::{Session, Step};
use super::{Action, Event, Message, PinEntry, PinRequest};
use crate::emv::crypto::sha1;
use crate::tlv::tags;
use zeroize::Zeroizing;

/// The result of performing one CVM.
enum Done {
    /// Verified (CVM result `02`).
    Success,
    /// Signature or online PIN: the result is known later (`00`).
    Unknown,
    Failed,
}

impl Session {
    pub(super) async fn cardholder_verification(&mut self) -> Step<()> {
        let aip = self
            .card_value(tags::AIP)
            .and_then(|a| a.first().copied())
            .unwrap_or(0);
        if aip & 0x10 == 0 {
            self.cvm_results = [0x3F, 0x00, 0x00];
            return Ok(());
        }
        let list = self
            .card_value(tags::CVM_LIST)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        if list.len() < 10 || !list.len().is_multiple_of(2) {
            self.set(ICC_DATA_MISSING);
            self.cvm_results = [0x3F, 0x00, 0x00];
            return Ok(());
        }
        self.set_tsi(TSI_CVM_PERFORMED);
        let x = u64::from(u32::from_be_bytes([list[0], list[1], list[2], list[3]]));
        let y = u64::from(u32::from_be_bytes([list[4], list[5], list[6], list[7]]));
        for rule in list[8..].chunks_exact(2) {
            let (code, condition) = (rule[0], rule[1]);
            let method = code & 0x3F;
            if !self.condition_met(condition, method, x, y) {
                continue;
            }
            let outcome = if self.terminal_supports(method) {
                self.perform(method).await?
            } else {
                Done::Failed
            };
            match outcome {
                Done::Success => {
                    self.cvm_results = [code, condition, 0x02];
                    return Ok(());
                }
                Done::Unknown => {
                    self.cvm_results = [code, condition, 0x00];
                    return Ok(());
                }
                Done::Failed if code & 0x40 != 0 => {
                    self.cvm_results = [code, condition, 0x01];
                }
                Done::Failed => {
                    self.fail_cvm([code, condition, 0x01]);
                    return Ok(());
                }
            }
        }
        self.fail_cvm([0x3F, 0x00, 0x01]);
        Ok(())
    }

    fn fail_cvm(&mut self, results: [u8; 3]) {
        self.set(CVM_NOT_SUCCESSFUL);
        self.cvm_results = results;
        self.cvm = CvmPerformed::Failed;
    }

    fn condition_met(&self, condition: u8, method: u8, x: u64, y: u64) -> bool {
        let amount = self.p.amount;
        let same_currency = self.card_value(tags::APP_CURRENCY) == Some(&self.p.currency[..]);
        match condition {
            0x00 => true,
            0x01 | 0x04 => false, // unattended cash, manual cash: not a POS purchase
            0x02 => self.p.transaction_type == 0x00 && self.p.amount_other == 0,
            0x03 => self.terminal_supports(method),
            0x05 => self.p.amount_other > 0,
            0x06 => same_currency && amount < x,
            0x07 => same_currency && amount > x,
            0x08 => same_currency && amount < y,
            0x09 => same_currency && amount > y,
            _ => false,
        }
    }

    fn terminal_supports(&self, method: u8) -> bool {
        let caps = self.cfg.capabilities[1];
        match method {
            0x00 => true,
            0x01 | 0x03 => caps & 0x80 != 0,
            0x02 => caps & 0x40 != 0,
            0x04 | 0x05 => caps & 0x10 != 0,
            0x1E => caps & 0x20 != 0,
            0x1F => caps & 0x08 != 0,
            _ => true, // unrecognised: perform() flags it
        }
    }

    async fn perform(&mut self, method: u8) -> Step<Done> {
        Ok(match method {
            0x00 => Done::Failed,
            0x1F => {
                self.cvm = CvmPerformed::None;
                Done::Success
            }
            0x1E => {
                self.cvm = CvmPerformed::Signature;
                Done::Unknown
            }
            0x02 => match self.ask(Action::AskPin(PinRequest::Online)).await? {
                Event::Pin(PinEntry::OnlineBlock(block)) => {
                    self.online_pin_block = Some(block);
                    self.set(ONLINE_PIN_ENTERED);
                    self.cvm = CvmPerformed::OnlinePin;
                    Done::Unknown
                }
                _ => {
                    self.set(PIN_NOT_ENTERED);
                    Done::Failed
                }
            },
            0x01 | 0x03 | 0x04 | 0x05 => {
                let enciphered = matches!(method, 0x04 | 0x05);
                match self.offline_pin(enciphered).await? {
                    true if matches!(method, 0x03 | 0x05) => {
                        self.cvm = CvmPerformed::OfflinePinAndSignature;
                        Done::Unknown
                    }
                    true => {
                        self.cvm = CvmPerformed::OfflinePin;
                        Done::Success
                    }
                    false => Done::Failed,
                }
            }
            _ => {
                self.set(UNRECOGNISED_CVM);
                Done::Failed
            }
        })
    }

    /// Offline PIN with retries while the card says tries are left.
    async fn offline_pin(&mut self, enciphered: bool) -> Step<bool> {
        let mut tries_left = self
            .get_data(tags::PIN_TRY_COUNTER)
            .await?
            .and_then(|t| t.first().copied());
        if tries_left == Some(0) {
            self.set(PIN_TRY_LIMIT_EXCEEDED);
            return Ok(false);
        }
        let key = if enciphered {
            match self
                .icc_key
                .clone()
                .map(Ok)
                .unwrap_or_else(|| self.icc_public_key())
            {
                Ok(k) => Some(k),
                Err(why) => {
                    tracing::info!(%why, "no ICC key for enciphered PIN");
                    return Ok(false);
                }
            }
        } else {
            None
        };
        // Bounded even if a card keeps answering "wrong PIN, tries left".
        for _ in 0..16 {
            let request = PinRequest::Offline {
                tries_left,
                enciphered,
            };
            let digits = match self.ask(Action::AskPin(request)).await? {
                Event::Pin(PinEntry::Offline(d)) => d,
                _ => {
                    self.set(PIN_NOT_ENTERED);
                    return Ok(false);
                }
            };
            let Some(block) = pin_block(&digits) else {
                self.set(PIN_NOT_ENTERED);
                return Ok(false);
            };
            let (p2, data) = match &key {
                None => (0x80, block.to_vec()),
                Some(key) => {
                    let r = self.exchange(vec![0x00, 0x84, 0x00, 0x00, 0x00]).await?;
                    if !r.ok() || r.data.len() != 8 {
                        return Ok(false);
                    }
                    let mut message = Zeroizing::new(vec![0x7F]);
                    message.extend_from_slice(&block[..]);
                    message.extend_from_slice(&r.data);
                    let seed = sha1(&[&self.p.unpredictable_number, &r.data]);
                    while message.len() < key.len() {
                        let next = seed[message.len() % 20];
                        message.push(next);
                    }
                    match key.recover(&message) {
                        Ok(c) => (0x88, c),
                        Err(_) => return Ok(false),
                    }
                }
            };
            let r = self.command([0x00, 0x20, 0x00, p2], &data).await?;
            match r.sw {
                [0x90, 0x00] => return Ok(true),
                [0x63, sw2] if sw2 & 0xF0 == 0xC0 && sw2 & 0x0F > 0 => {
                    let left = sw2 & 0x0F;
                    tries_left = Some(left);
                    let msg = if left == 1 {
                        Message::LastPinTry
                    } else {
                        Message::IncorrectPin { tries_left: left }
                    };
                    self.ask(Action::ShowMessage(msg)).await?;
                }
                [0x63, _] | [0x69, 0x83] | [0x69, 0x84] => {
                    self.set(PIN_TRY_LIMIT_EXCEEDED);
                    return Ok(false);
                }
                _ => return Ok(false),
            }
        }
        Ok(false)
    }
}

/// ISO 9564 format 2 block: `2N` ‖ PIN digits ‖ `F` fill (4–12 digits).
fn pin_block(digits: &str) -> Option<Zeroizing<[u8; 8]>> {
    if !(4..=12).contains(&digits.len()) || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let mut nibbles: Vec<u8> = vec![0x2, digits.len() as u8];
    nibbles.extend(digits.bytes().map(|d| d - b'0'));
    nibbles.resize(16, 0xF);
    let mut block = Zeroizing::new([0u8; 8]);
    for (i, pair) in nibbles.chunks_exact(2).enumerate() {
        block[i] = (pair[0] << 4) | pair[1];
    }
    nibbles.fill(0);
    Some(block)
}
