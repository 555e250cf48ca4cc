//! Command and response APDUs (ISO/IEC 7816-3 §12.1, 7816-4 §5.1): encoding, and parsing of
//! untrusted bytes into the four cases, short and extended.

use super::StatusWord;

/// Largest Nc / Ne a short APDU carries (Le `00` means 256).
const SHORT_MAX_NC: usize = 255;
const SHORT_MAX_NE: usize = 256;
/// Largest Nc / Ne an extended APDU carries (Le `0000` means 65536).
const EXTENDED_MAX_NC: usize = 65_535;
const EXTENDED_MAX_NE: usize = 65_536;

/// ISO 7816-3 command cases: whether data goes in (Nc > 0) and whether data is expected out
/// (Le present); `extended` when either length needs the 3-byte form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApduCase {
    /// No data either way.
    Case1,
    /// Data out only.
    Case2 { extended: bool },
    /// Data in only.
    Case3 { extended: bool },
    /// Data in and out.
    Case4 { extended: bool },
}

/// Bytes that are not a well-formed APDU, or an APDU that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("command APDU is {len} bytes, shorter than the 4-byte header")]
    TooShort { len: usize },
    #[error("command APDU of {len} bytes matches no case of ISO 7816-3 §12.1.3")]
    BadLength { len: usize },
    #[error("extended Lc of zero is not allowed")]
    ZeroExtendedLc,
    #[error("command data of {len} bytes exceeds 65535")]
    DataTooLong { len: usize },
    #[error("expected length {le} is outside 1..=65536")]
    BadLe { le: usize },
    #[error("response APDU is {len} bytes; it needs at least SW1 SW2")]
    ResponseTooShort { len: usize },
    #[error("response APDU carries {len} data bytes, more than 65536")]
    ResponseTooLong { len: usize },
    #[error("SW1 {sw1:02X} is not a status byte (ISO 7816-3 allows 61-6F and 90-9F)")]
    InvalidSw1 { sw1: u8 },
}

/// A command APDU. `le` is Ne, the number of bytes expected (`None`: case 1 or 3), with
/// 256 / 65536 standing for the encodings `00` / `0000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    pub le: Option<usize>,
}

impl Command {
    /// A case-1 command (header only); add data and Le with the builders.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// SELECT by DF name (AID), first or only occurrence, FCI requested, Le `00`.
    pub fn select_aid(aid: &[u8]) -> Self {
        Self::new(0x00, 0xA4, 0x04, 0x00)
            .with_data(aid)
            .with_le(256)
    }

    /// GET RESPONSE for `le` bytes (ISO 7816-4 §7.6.1).
    pub fn get_response(cla: u8, le: usize) -> Self {
        Self::new(cla, 0xC0, 0x00, 0x00).with_le(le)
    }

    /// The case, deciding short vs extended by the lengths.
    pub fn case(&self) -> ApduCase {
        let extended = self.needs_extended();
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => ApduCase::Case1,
            (true, true) => ApduCase::Case2 { extended },
            (false, false) => ApduCase::Case3 { extended },
            (false, true) => ApduCase::Case4 { extended },
        }
    }

    fn needs_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_NC || self.le.is_some_and(|le| le > SHORT_MAX_NE)
    }

    /// Encodes the command, short when both lengths fit, extended otherwise.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > EXTENDED_MAX_NC {
            return Err(ApduError::DataTooLong {
                len: self.data.len(),
            });
        }
        if let Some(le) = self.le
            && !(1..=EXTENDED_MAX_NE).contains(&le)
        {
            return Err(ApduError::BadLe { le });
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let nc = self.data.len();
        if self.needs_extended() {
            // Extended form: one 00 byte, then two-byte Lc and/or Le (Le after data has no 00).
            out.push(0x00);
            if nc > 0 {
                out.extend_from_slice(&two_bytes(nc));
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.extend_from_slice(&two_bytes(le % EXTENDED_MAX_NE));
            }
        } else {
            if nc > 0 {
                out.push(short_byte(nc));
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(short_byte(le % SHORT_MAX_NE));
            }
        }
        Ok(out)
    }

    /// Parses a command APDU per ISO 7816-3 §12.1.3; any length that fits no case is an error.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let len = bytes.len();
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(ApduError::TooShort { len });
        };
        let mut cmd = Command::new(*cla, *ins, *p1, *p2);
        let bad = ApduError::BadLength { len };
        match body {
            [] => {}
            [le] => cmd.le = Some(short_ne(*le)),
            [0x00, rest @ ..] if body.len() >= 3 => {
                let (hi, lo, tail) = match rest {
                    [hi, lo, tail @ ..] => (*hi, *lo, tail),
                    _ => return Err(bad),
                };
                let n = usize::from(u16::from_be_bytes([hi, lo]));
                if tail.is_empty() {
                    // Case 2E: 00 Le1 Le2.
                    cmd.le = Some(if n == 0 { EXTENDED_MAX_NE } else { n });
                } else {
                    if n == 0 {
                        return Err(ApduError::ZeroExtendedLc);
                    }
                    match tail.len() {
                        l if l == n => cmd.data = tail.to_vec(),
                        l if l == n + 2 => {
                            cmd.data = tail[..n].to_vec();
                            let le = usize::from(u16::from_be_bytes([tail[n], tail[n + 1]]));
                            cmd.le = Some(if le == 0 { EXTENDED_MAX_NE } else { le });
                        }
                        _ => return Err(bad),
                    }
                }
            }
            [lc, rest @ ..] if *lc != 0 => {
                let n = usize::from(*lc);
                match rest.len() {
                    l if l == n => cmd.data = rest.to_vec(),
                    l if l == n + 1 => {
                        cmd.data = rest[..n].to_vec();
                        cmd.le = Some(short_ne(rest[n]));
                    }
                    _ => return Err(bad),
                }
            }
            _ => return Err(bad),
        }
        Ok(cmd)
    }
}

fn short_ne(byte: u8) -> usize {
    if byte == 0 {
        SHORT_MAX_NE
    } else {
        usize::from(byte)
    }
}

/// Low byte of a length already checked to fit (256 is encoded as 00 by the caller's modulo).
fn short_byte(n: usize) -> u8 {
    u8::try_from(n & 0xFF).unwrap_or(0)
}

fn two_bytes(n: usize) -> [u8; 2] {
    u16::try_from(n & 0xFFFF).unwrap_or(0).to_be_bytes()
}

/// A response APDU: data then SW1 SW2.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Self {
            data: data.into(),
            sw,
        }
    }

    /// Splits raw bytes into data and status word; refuses truncated (< 2 bytes) and
    /// oversized (> 65536 data bytes) responses and a SW1 that is no status byte.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let len = bytes.len();
        let [data @ .., sw1, sw2] = bytes else {
            return Err(ApduError::ResponseTooShort { len });
        };
        if data.len() > EXTENDED_MAX_NE {
            return Err(ApduError::ResponseTooLong { len: data.len() });
        }
        if !matches!(sw1, 0x61..=0x6F | 0x90..=0x9F) {
            return Err(ApduError::InvalidSw1 { sw1: *sw1 });
        }
        Ok(Self {
            data: data.to_vec(),
            sw: StatusWord::from_bytes(*sw1, *sw2),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    pub fn is_success(&self) -> bool {
        self.sw.is_success()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_the_four_short_cases() {
        let c1 = Command::new(0x00, 0x20, 0x00, 0x80);
        assert_eq!(c1.case(), ApduCase::Case1);
        assert_eq!(c1.to_bytes().unwrap(), [0x00, 0x20, 0x00, 0x80]);
        let c2 = Command::new(0x00, 0xB2, 0x01, 0x0C).with_le(256);
        assert_eq!(c2.case(), ApduCase::Case2 { extended: false });
        assert_eq!(c2.to_bytes().unwrap(), [0x00, 0xB2, 0x01, 0x0C, 0x00]);
        let c3 = Command::new(0x00, 0x20, 0x00, 0x80).with_data([0x24, 0x12, 0x34]);
        assert_eq!(
            c3.to_bytes().unwrap(),
            [0x00, 0x20, 0x00, 0x80, 0x03, 0x24, 0x12, 0x34]
        );
        // PPSE select, the form every contactless kernel sends (EMV Book B).
        let c4 = Command::select_aid(b"2PAY.SYS.DDF01");
        let bytes = c4.to_bytes().unwrap();
        assert_eq!(&bytes[..5], [0x00, 0xA4, 0x04, 0x00, 0x0E]);
        assert_eq!(*bytes.last().unwrap(), 0x00);
        assert_eq!(c4.case(), ApduCase::Case4 { extended: false });
    }

    #[test]
    fn encodes_extended_when_lengths_demand_it() {
        let c = Command::new(0x00, 0xD6, 0x00, 0x00)
            .with_data(vec![0xAB; 300])
            .with_le(65536);
        let bytes = c.to_bytes().unwrap();
        assert_eq!(&bytes[4..7], [0x00, 0x01, 0x2C]);
        assert_eq!(&bytes[bytes.len() - 2..], [0x00, 0x00]);
        assert_eq!(c.case(), ApduCase::Case4 { extended: true });
        let c2e = Command::new(0x00, 0xB0, 0x00, 0x00).with_le(1000);
        assert_eq!(
            c2e.to_bytes().unwrap(),
            [0x00, 0xB0, 0x00, 0x00, 0x00, 0x03, 0xE8]
        );
    }

    #[test]
    fn refuses_lengths_that_fit_no_case() {
        assert_eq!(
            Command::parse(&[0x00, 0xA4]),
            Err(ApduError::TooShort { len: 2 })
        );
        // Lc says 5, only 2 data bytes follow.
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0, 5, 1, 2]),
            Err(ApduError::BadLength { len: 7 })
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0, 0, 0, 0, 1]),
            Err(ApduError::ZeroExtendedLc)
        );
        assert_eq!(
            Command::parse(&[0, 0xA4, 4, 0, 0, 0]),
            Err(ApduError::BadLength { len: 6 })
        );
        assert!(Command::new(0, 0, 0, 0).with_le(0).to_bytes().is_err());
        assert!(Command::new(0, 0, 0, 0).with_le(65537).to_bytes().is_err());
    }

    #[test]
    fn response_parsing_types_every_bad_input() {
        assert_eq!(
            Response::parse(&[0x90]),
            Err(ApduError::ResponseTooShort { len: 1 })
        );
        assert_eq!(
            Response::parse(&[0x01, 0x02]),
            Err(ApduError::InvalidSw1 { sw1: 0x01 })
        );
        assert_eq!(
            Response::parse(&[0x60, 0x00]),
            Err(ApduError::InvalidSw1 { sw1: 0x60 })
        );
        let huge = vec![0x90; 65_539];
        assert_eq!(
            Response::parse(&huge),
            Err(ApduError::ResponseTooLong { len: 65_537 })
        );
        let ok = Response::parse(&[0x6F, 0x00, 0x90, 0x00]).unwrap();
        assert_eq!(ok.data, [0x6F, 0x00]);
        assert!(ok.is_success());
        // An unknown but well-formed SW is data, not an error: the caller decides.
        assert_eq!(Response::parse(&[0x9F, 0x42]).unwrap().sw.to_u16(), 0x9F42);
    }

    fn any_command() -> impl Strategy<Value = Command> {
        (
            any::<[u8; 4]>(),
            prop_oneof![
                3 => proptest::collection::vec(any::<u8>(), 0..=300),
                1 => proptest::collection::vec(any::<u8>(), 0..=1),
            ],
            proptest::option::of(prop_oneof![1usize..=300, Just(256usize), Just(65536usize)]),
        )
            .prop_map(|(h, data, le)| Command {
                cla: h[0],
                ins: h[1],
                p1: h[2],
                p2: h[3],
                data,
                le,
            })
    }

    proptest! {
        #[test]
        fn command_round_trips(cmd in any_command()) {
            let bytes = cmd.to_bytes().unwrap();
            prop_assert_eq!(Command::parse(&bytes).unwrap(), cmd);
        }

        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(cmd) = Command::parse(&bytes) {
                // Whatever parses re-encodes to something that parses to the same command.
                let again = Command::parse(&cmd.to_bytes().unwrap()).unwrap();
                prop_assert_eq!(again, cmd);
            }
            if let Ok(resp) = Response::parse(&bytes) {
                prop_assert_eq!(resp.to_bytes(), bytes);
            }
        }
    }
}
