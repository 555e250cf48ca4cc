//! Makes any [`CardModel`] behave like a T=0 card at the APDU level, the way real contact EMV
//! cards do: a case-4 answer arrives as `61xx` and waits for GET RESPONSE, a case-4 warning
//! arrives alone (EMV Contact Interface Specification, Annex A), and a case-2 command with the
//! wrong Le gets `6Cxx` (ISO 7816-3 §12.2).

use std::fmt;

use pos_hal::iso7816::{Command, StatusWord};

use super::card::CardModel;

const INS_GET_RESPONSE: u8 = 0xC0;
const SW_WRONG_LENGTH: [u8; 2] = [0x67, 0x00];
const SW_CONDITIONS_NOT_SATISFIED: [u8; 2] = [0x69, 0x85];

/// A card model behind T=0 rules.
pub struct T0Card {
    inner: Box<dyn CardModel>,
    /// Response data waiting for GET RESPONSE.
    pending: Vec<u8>,
    /// Status to give once `pending` is fully fetched.
    pending_sw: [u8; 2],
}

impl fmt::Debug for T0Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("T0Card")
            .field("pending_len", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl T0Card {
    pub fn new(inner: Box<dyn CardModel>) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            pending_sw: [0x90, 0x00],
        }
    }

    /// Hands out up to `ne` pending bytes; `61xx` while more remain.
    fn get_response(&mut self, ne: usize) -> Vec<u8> {
        if self.pending.is_empty() {
            return SW_CONDITIONS_NOT_SATISFIED.to_vec();
        }
        if ne > self.pending.len() {
            return vec![0x6C, len_byte(self.pending.len())];
        }
        let mut out: Vec<u8> = self.pending.drain(..ne).collect();
        self.push_remaining_or_final(&mut out);
        out
    }

    fn push_remaining_or_final(&mut self, out: &mut Vec<u8>) {
        if self.pending.is_empty() {
            out.extend_from_slice(&self.pending_sw);
        } else {
            out.extend_from_slice(&[0x61, len_byte(self.pending.len())]);
        }
    }
}

/// A length as SW2 of `61xx`/`6Cxx`: `00` stands for 256 or more.
fn len_byte(len: usize) -> u8 {
    if len >= 256 {
        0
    } else {
        u8::try_from(len).unwrap_or(0)
    }
}

impl CardModel for T0Card {
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }

    fn reset(&mut self) {
        self.pending.clear();
        self.inner.reset();
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        let Ok(cmd) = Command::parse(command) else {
            return SW_WRONG_LENGTH.to_vec();
        };
        if cmd.ins == INS_GET_RESPONSE && cmd.cla & 0x80 == 0 {
            return self.get_response(cmd.le.unwrap_or(256));
        }
        // Any other command discards what the previous one left behind.
        self.pending.clear();
        let response = self.inner.process_apdu(command);
        let [data @ .., sw1, sw2] = response.as_slice() else {
            return response;
        };
        let sw = StatusWord::from_bytes(*sw1, *sw2);
        if data.is_empty() {
            return response;
        }
        if !cmd.data.is_empty() {
            // Case 3/4: the data wait for GET RESPONSE.
            self.pending = data.to_vec();
            if sw.is_warning() {
                self.pending_sw = [0x90, 0x00];
                return sw.to_bytes().to_vec();
            }
            self.pending_sw = sw.to_bytes();
            return vec![0x61, len_byte(self.pending.len())];
        }
        let ne = cmd.le.unwrap_or(256);
        if data.len() < ne {
            return vec![0x6C, len_byte(data.len())];
        }
        if data.len() == ne {
            return response;
        }
        // More than Le: the first Ne bytes now, the rest by GET RESPONSE.
        self.pending = data[ne..].to_vec();
        self.pending_sw = sw.to_bytes();
        let mut out = data[..ne].to_vec();
        self.push_remaining_or_final(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_card::TestCard;
    use pos_hal::iso7816::{ApduTransport, Response, Transmit};

    struct Direct(T0Card);
    impl Transmit for Direct {
        type Error = std::convert::Infallible;
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error> {
            Ok(self.0.process_apdu(command))
        }
    }

    fn card() -> T0Card {
        T0Card::new(Box::new(TestCard::contact()))
    }

    #[test]
    fn case4_answers_61xx_then_get_response_delivers() {
        let mut c = card();
        let select = Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap();
        let first = c.process_apdu(&select);
        assert_eq!(first[0], 0x61);
        let len = first[1];
        let fci = c.process_apdu(&[0x00, 0xC0, 0x00, 0x00, len]);
        let fci = Response::parse(&fci).unwrap();
        assert!(fci.is_success());
        assert_eq!(fci.data.len(), usize::from(len));
        assert_eq!(fci.data[0], 0x6F);
    }

    #[test]
    fn wrong_le_gets_6cxx() {
        let mut c = card();
        let select = Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap();
        c.process_apdu(&select);
        let answer = c.process_apdu(&[0x00, 0xB2, 0x01, 0x0C, 0x00]);
        assert_eq!(answer[0], 0x6C);
        let exact = c.process_apdu(&[0x00, 0xB2, 0x01, 0x0C, answer[1]]);
        assert_eq!(
            Response::parse(&exact).unwrap().data.len(),
            usize::from(answer[1])
        );
        // GET RESPONSE asking for more than is pending is itself corrected with 6Cxx.
        c.process_apdu(&select);
        assert_eq!(c.process_apdu(&[0x00, 0xC0, 0x00, 0x00, 0x00])[0], 0x6C);
    }

    #[test]
    fn the_transport_hides_t0_from_the_caller() {
        let mut t = ApduTransport::new(Direct(card()));
        let fci = t
            .exchange(&Command::select_aid(TestCard::TEST_AID))
            .unwrap();
        assert!(fci.is_success());
        let all = t
            .exchange(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256))
            .unwrap();
        assert_eq!(all.data.len(), 256);
        let rec = t
            .exchange(&Command::new(0x00, 0xB2, 0x02, 0x0C).with_le(256))
            .unwrap();
        assert_eq!(rec.data[0], 0x70);
    }

    #[test]
    fn get_response_without_pending_data_is_refused() {
        let mut c = card();
        assert_eq!(
            c.process_apdu(&[0x00, 0xC0, 0x00, 0x00, 0x10]),
            [0x69, 0x85]
        );
        assert_eq!(c.process_apdu(&[0x00]), [0x67, 0x00]);
    }
}
