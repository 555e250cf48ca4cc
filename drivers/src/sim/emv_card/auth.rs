//! Cardholder and card authentication commands: GET CHALLENGE, VERIFY (plaintext and
//! enciphered offline PIN, EMV Book 3 6.5.12 and Book 2 7.2) and INTERNAL AUTHENTICATE (DDA,
//! Book 2 6.5).

use super::{Command, EmvCard, Oda, sw, with_sw};
use pos_hal::emv::crypto::seal;
use pos_hal::tlv::{Tlv, encode, tags};

impl EmvCard {
    pub(super) fn get_challenge(&mut self) -> Vec<u8> {
        let challenge = self.random8();
        self.txn.challenge = Some(challenge);
        with_sw(challenge.to_vec(), sw::OK)
    }

    pub(super) fn verify(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        if self.app().is_none() || cmd.p1 != 0 {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let block = match cmd.p2 {
            0x80 => cmd.data.to_vec(),
            0x88 => match self.decipher_pin(cmd.data) {
                Some(b) => b,
                None => return sw::WRONG_DATA.to_vec(),
            },
            _ => return sw::WRONG_P1P2.to_vec(),
        };
        if self.pin_tries == 0 {
            return sw::AUTH_METHOD_BLOCKED.to_vec();
        }
        match pin_from_block(&block) {
            Some(pin) if pin == self.pin => {
                self.pin_tries = self.pin_try_limit;
                self.txn.offline_pin_ok = true;
                sw::OK.to_vec()
            }
            Some(_) => {
                self.pin_tries -= 1;
                if self.pin_tries == 0 {
                    sw::AUTH_METHOD_BLOCKED.to_vec()
                } else {
                    vec![0x63, 0xC0 | self.pin_tries.min(0x0F)]
                }
            }
            None => sw::WRONG_DATA.to_vec(),
        }
    }

    /// Enciphered PIN (Book 2 7.2): RSA under the ICC key of
    /// `7F` ‖ PIN block ‖ the challenge from GET CHALLENGE ‖ random padding.
    fn decipher_pin(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let challenge = self.txn.challenge.take()?;
        let key = &self.app()?.icc_key;
        let plain = key.sign(data).ok()?;
        if plain.first() != Some(&0x7F) || plain.get(9..17) != Some(&challenge[..]) {
            return None;
        }
        Some(plain[1..9].to_vec())
    }

    pub(super) fn internal_authenticate(&mut self, cmd: &Command<'_>) -> Vec<u8> {
        let Some(app) = self.app() else {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        };
        if !matches!(app.oda, Oda::Dda | Oda::Cda) {
            return sw::CONDITIONS_NOT_SATISFIED.to_vec();
        }
        let format2 = app.genac_format == 2;
        let idn = self.random8();
        let mut dynamic = vec![idn.len() as u8];
        dynamic.extend_from_slice(&idn);
        match self.sign_dynamic(&dynamic, cmd.data) {
            Some(sdad) if format2 => with_sw(
                encode(&[Tlv::constructed(
                    tags::RESPONSE_FORMAT2,
                    vec![Tlv::primitive(tags::SDAD, sdad)],
                )]),
                sw::OK,
            ),
            Some(sdad) => with_sw(
                Tlv::primitive(tags::RESPONSE_FORMAT1, sdad).encode(),
                sw::OK,
            ),
            None => sw::CONDITIONS_NOT_SATISFIED.to_vec(),
        }
    }

    /// Signed dynamic application data (Book 2 table 17) over `terminal_data`.
    pub(super) fn sign_dynamic(&self, icc_dynamic: &[u8], terminal_data: &[u8]) -> Option<Vec<u8>> {
        let key = &self.app()?.icc_key;
        let mut body = vec![0x05, 0x01, icc_dynamic.len() as u8];
        body.extend_from_slice(icc_dynamic);
        body.resize(key.public.len().checked_sub(22)?, 0xBB);
        seal(key, &body, terminal_data).ok()
    }
}

/// The PIN digits of an ISO 9564 format 2 block (`2N` ‖ digits ‖ `F` fill).
fn pin_from_block(block: &[u8]) -> Option<String> {
    if block.len() != 8 || block[0] >> 4 != 0x2 {
        return None;
    }
    let n = usize::from(block[0] & 0x0F);
    if !(4..=12).contains(&n) {
        return None;
    }
    let digits: String = block[1..]
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .take(n)
        .map(|d| char::from_digit(u32::from(d), 10))
        .collect::<Option<String>>()?;
    Some(digits)
}
