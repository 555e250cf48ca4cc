//! A small non-EMV card for transport tests: applications selectable by AID (including the
//! payment directory names, so outside tools can SELECT PPSE), a transparent file per
//! application, records by SFI, GET CHALLENGE, and a UID when contactless.
//!
//! It answers as a T=1 card would (data and SW in one response); wrap it in
//! [`super::t0::T0Card`] to get T=0 behaviour.

use pos_hal::iso7816::Command;

use super::card::CardModel;

/// One application on the test card.
#[derive(Debug, Clone)]
struct TestApp {
    aid: Vec<u8>,
    label: &'static str,
    /// Contents of the application's transparent file (READ BINARY).
    binary: Vec<u8>,
    /// Records by (SFI, record number) (READ RECORD).
    records: Vec<((u8, u8), Vec<u8>)>,
}

/// The test card. Deterministic: the same commands always give the same answers.
#[derive(Debug, Clone)]
pub struct TestCard {
    atr: Vec<u8>,
    uid: Option<Vec<u8>>,
    apps: Vec<TestApp>,
    selected: Option<usize>,
    challenge_counter: u64,
}

const SW_OK: [u8; 2] = [0x90, 0x00];

fn sw(code: u16) -> Vec<u8> {
    code.to_be_bytes().to_vec()
}

/// BER-TLV with a one- or two-byte tag and short/long length (test data stays < 256 bytes
/// per object).
fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    match u8::try_from(value.len()) {
        Ok(len) if len < 0x80 => out.push(len),
        Ok(len) => out.extend([0x81, len]),
        Err(_) => out.extend([0x82, (value.len() >> 8) as u8, (value.len() & 0xFF) as u8]),
    }
    out.extend_from_slice(value);
    out
}

impl TestCard {
    /// AID of the test application (`F0` proprietary RID + "POSTEST").
    pub const TEST_AID: &'static [u8] = b"\xF0POSTEST";
    /// The payment system directory names (EMV Book 1 §12.2.2, Book B).
    pub const PSE: &'static [u8] = b"1PAY.SYS.DDF01";
    pub const PPSE: &'static [u8] = b"2PAY.SYS.DDF01";
    /// The contactless card's UID.
    pub const UID: &'static [u8] = &[0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

    /// A contact card with a T=0 ATR (TB1 TC1, 8 historical bytes, no TCK).
    pub fn contact() -> Self {
        Self::with_atr(
            vec![
                0x3B, 0x68, 0x00, 0x00, 0x00, 0x73, 0xC8, 0x40, 0x00, 0x00, 0x90, 0x00,
            ],
            None,
        )
    }

    /// A contactless card with the PC/SC part 3 ATR a reader synthesises, and a UID.
    pub fn contactless() -> Self {
        let mut atr = vec![0x3B, 0x88, 0x80, 0x01];
        atr.extend_from_slice(b"POSTEST1");
        let tck = atr[1..].iter().fold(0u8, |acc, b| acc ^ b);
        atr.push(tck);
        Self::with_atr(atr, Some(Self::UID.to_vec()))
    }

    fn with_atr(atr: Vec<u8>, uid: Option<Vec<u8>>) -> Self {
        let binary: Vec<u8> = (0..300u16).map(|i| (i % 251) as u8).collect();
        let records = (1..=3u8)
            .map(|n| ((1u8, n), tlv(&[0x70], &tlv(&[0x80], &[n; 0x30]))))
            .collect();
        let test_app = TestApp {
            aid: Self::TEST_AID.to_vec(),
            label: "POS TEST",
            binary,
            records,
        };
        let directory = |aid: &[u8], label| TestApp {
            aid: aid.to_vec(),
            label,
            binary: Vec::new(),
            records: Vec::new(),
        };
        let apps = vec![
            test_app,
            directory(Self::PSE, "PSE"),
            directory(Self::PPSE, "PPSE"),
        ];
        Self {
            atr,
            uid,
            apps,
            selected: None,
            challenge_counter: 0,
        }
    }

    fn select(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.p1 != 0x04 {
            return sw(0x6A86);
        }
        let Some(index) = self.apps.iter().position(|a| a.aid == cmd.data) else {
            return sw(0x6A82);
        };
        self.selected = Some(index);
        let app = &self.apps[index];
        let mut proprietary = tlv(&[0x50], app.label.as_bytes());
        if app.aid == Self::PPSE || app.aid == Self::PSE {
            // A directory entry pointing at the test application.
            let entry = [tlv(&[0x4F], Self::TEST_AID), tlv(&[0x50], b"POS TEST")].concat();
            proprietary.extend(tlv(&[0xBF, 0x0C], &tlv(&[0x61], &entry)));
        }
        let fci = tlv(
            &[0x6F],
            &[tlv(&[0x84], &app.aid), tlv(&[0xA5], &proprietary)].concat(),
        );
        [fci, SW_OK.to_vec()].concat()
    }

    fn read_binary(&self, cmd: &Command) -> Vec<u8> {
        let Some(app) = self.selected.map(|i| &self.apps[i]) else {
            return sw(0x6986);
        };
        if cmd.p1 & 0x80 != 0 {
            return sw(0x6A86);
        }
        let Some(ne) = cmd.le else { return sw(0x6700) };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        if offset >= app.binary.len() {
            return sw(0x6B00);
        }
        let end = (offset + ne).min(app.binary.len());
        let status = if end - offset < ne {
            [0x62, 0x82]
        } else {
            SW_OK
        };
        [&app.binary[offset..end], &status[..]].concat()
    }

    fn read_record(&self, cmd: &Command) -> Vec<u8> {
        let Some(app) = self.selected.map(|i| &self.apps[i]) else {
            return sw(0x6986);
        };
        if cmd.p2 & 0x07 != 0x04 {
            return sw(0x6A86);
        }
        let key = (cmd.p2 >> 3, cmd.p1);
        match app.records.iter().find(|(k, _)| *k == key) {
            Some((_, record)) => [record.as_slice(), &SW_OK].concat(),
            None => sw(0x6A83),
        }
    }

    fn get_challenge(&mut self, cmd: &Command) -> Vec<u8> {
        if cmd.le != Some(8) {
            return sw(0x6700);
        }
        self.challenge_counter += 1;
        [self.challenge_counter.to_be_bytes().as_slice(), &SW_OK].concat()
    }

    fn get_uid(&self) -> Vec<u8> {
        match &self.uid {
            Some(uid) => [uid.as_slice(), &SW_OK].concat(),
            None => sw(0x6E00),
        }
    }
}

impl CardModel for TestCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn reset(&mut self) {
        self.selected = None;
    }

    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        let Ok(cmd) = Command::parse(command) else {
            return sw(0x6700);
        };
        match (cmd.cla, cmd.ins) {
            // PC/SC part 3 GET DATA (UID); a contactless reader answers it for the card.
            (0xFF, 0xCA) if cmd.p1 == 0x00 => self.get_uid(),
            (0x00, 0xA4) => self.select(&cmd),
            (0x00, 0xB0) => self.read_binary(&cmd),
            (0x00, 0xB2) => self.read_record(&cmd),
            (0x00, 0x84) => self.get_challenge(&cmd),
            (0x00, _) => sw(0x6D00),
            _ => sw(0x6E00),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hal::iso7816::Response;

    fn run(card: &mut TestCard, cmd: Command) -> Response {
        Response::parse(&card.process_apdu(&cmd.to_bytes().unwrap())).unwrap()
    }

    #[test]
    fn selects_by_aid_and_reads() {
        let mut card = TestCard::contact();
        assert_eq!(
            run(&mut card, Command::select_aid(b"\xA0\x00")).sw.to_u16(),
            0x6A82
        );
        assert_eq!(
            run(&mut card, Command::new(0, 0xB0, 0, 0).with_le(4))
                .sw
                .to_u16(),
            0x6986
        );
        let fci = run(&mut card, Command::select_aid(TestCard::TEST_AID));
        assert!(fci.is_success());
        assert_eq!(&fci.data[4..12], TestCard::TEST_AID);
        let tail = run(&mut card, Command::new(0, 0xB0, 0x01, 0x00).with_le(256));
        assert_eq!(tail.data.len(), 300 - 256);
        assert_eq!(tail.sw.to_u16(), 0x6282);
        assert_eq!(
            run(&mut card, Command::new(0, 0xB2, 4, 0x0C).with_le(256))
                .sw
                .to_u16(),
            0x6A83
        );
        assert_eq!(
            run(&mut card, Command::new(0, 0xB2, 3, 0x0C).with_le(256)).data[4],
            3
        );
    }

    #[test]
    fn ppse_points_at_the_test_application() {
        let mut card = TestCard::contactless();
        let fci = run(&mut card, Command::select_aid(TestCard::PPSE));
        assert!(fci.is_success());
        let needle = [&[0x4F, 0x08][..], TestCard::TEST_AID].concat();
        assert!(fci.data.windows(needle.len()).any(|w| w == needle));
    }

    #[test]
    fn uid_only_on_contactless_and_challenges_differ() {
        let uid_cmd = Command::new(0xFF, 0xCA, 0, 0).with_le(256);
        assert_eq!(
            run(&mut TestCard::contactless(), uid_cmd.clone()).data,
            TestCard::UID
        );
        assert_eq!(run(&mut TestCard::contact(), uid_cmd).sw.to_u16(), 0x6E00);
        let mut card = TestCard::contact();
        let a = run(&mut card, Command::new(0, 0x84, 0, 0).with_le(8)).data;
        let b = run(&mut card, Command::new(0, 0x84, 0, 0).with_le(8)).data;
        assert_ne!(a, b);
        assert_eq!(card.process_apdu(&[0x00]), [0x67, 0x00]);
    }
}
