//! The T=0 rules a PC/SC application applies itself, over any byte link.
//!
//! PC/SC hands the application raw response APDUs, so with T=0 cards the application must:
//! - on `61xx`, send GET RESPONSE (Le = xx) and keep going while the card says `61xx`;
//! - on `6Cxx`, resend the same command with Le = xx;
//! - on a case-4 command answered with a warning `62xx`/`63xx` and no data, send GET
//!   RESPONSE (Le = `00`) and return that data with the *original* warning (EMV Contact
//!   Interface Specification, Annex A; payments.md §4.2).

use std::fmt;

use super::{ApduError, Command, Response, StatusWord};

/// Anything that sends one command APDU and returns one raw response APDU.
pub trait Transmit {
    type Error: std::error::Error + 'static;
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error>;
}

impl<T: Transmit + ?Sized> Transmit for &mut T {
    type Error = T::Error;
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, Self::Error> {
        (**self).transmit(command)
    }
}

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum TransportError<E: std::error::Error + 'static> {
    /// The link below failed (card pulled, reader gone, timeout).
    #[error(transparent)]
    Link(E),
    /// The command cannot be encoded.
    #[error("command cannot be encoded: {0}")]
    Encode(ApduError),
    /// The card answered bytes that are not a response APDU.
    #[error("card answered a malformed response: {0}")]
    Malformed(ApduError),
    /// The card kept asking for more exchanges than any real command needs.
    #[error("gave up after {rounds} exchanges for one command")]
    TooManyRounds { rounds: usize },
    /// The chained GET RESPONSE data grew beyond what an APDU can carry.
    #[error("chained response data exceeds 65536 bytes")]
    ResponseTooLong,
}

/// Exchanges commands over `link`, applying the T=0 rules. Harmless for T=1 cards, which
/// never answer `61xx`/`6Cxx`.
pub struct ApduTransport<T> {
    link: T,
    max_rounds: usize,
}

impl<T> fmt::Debug for ApduTransport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApduTransport")
            .field("max_rounds", &self.max_rounds)
            .finish_non_exhaustive()
    }
}

/// More than any real command needs: a 64 KiB answer in 256-byte GET RESPONSE steps is 257.
const DEFAULT_MAX_ROUNDS: usize = 300;
const MAX_DATA: usize = 65_536;

impl<T: Transmit> ApduTransport<T> {
    pub fn new(link: T) -> Self {
        Self {
            link,
            max_rounds: DEFAULT_MAX_ROUNDS,
        }
    }

    /// Caps the exchanges one command may take (a misbehaving card cannot loop forever).
    pub fn with_max_rounds(mut self, max_rounds: usize) -> Self {
        self.max_rounds = max_rounds;
        self
    }

    pub fn into_inner(self) -> T {
        self.link
    }

    pub fn link_mut(&mut self) -> &mut T {
        &mut self.link
    }

    /// Parses raw command bytes, then [`ApduTransport::exchange`]s them.
    pub fn exchange_bytes(&mut self, command: &[u8]) -> Result<Response, TransportError<T::Error>> {
        let cmd = Command::parse(command).map_err(TransportError::Encode)?;
        self.exchange(&cmd)
    }

    /// Sends `cmd` and returns the complete response after every GET RESPONSE and resend.
    pub fn exchange(&mut self, cmd: &Command) -> Result<Response, TransportError<T::Error>> {
        let mut rounds = 0;
        let first = self.send_with_le_fix(cmd.clone(), &mut rounds)?;
        let is_case4 = !cmd.data.is_empty() && cmd.le.is_some();
        let get_response_cla = cmd.cla & 0x03;

        // Case-4 warning rule: fetch the data, keep the warning.
        if is_case4 && first.sw.is_warning() && first.data.is_empty() {
            let warning = first.sw;
            let fetched =
                self.send_with_le_fix(Command::get_response(get_response_cla, 256), &mut rounds)?;
            if !(fetched.sw.is_success() || fetched.sw.sw1() == 0x61) {
                // Nothing to fetch after all: the warning alone is the answer.
                return Ok(Response::new(Vec::new(), warning));
            }
            let mut full = self.drain_61(fetched, get_response_cla, &mut rounds)?;
            if full.sw.is_success() {
                full.sw = warning;
            }
            return Ok(full);
        }
        self.drain_61(first, get_response_cla, &mut rounds)
    }

    /// Follows `61xx` with GET RESPONSE until the card stops, accumulating the data.
    fn drain_61(
        &mut self,
        mut response: Response,
        cla: u8,
        rounds: &mut usize,
    ) -> Result<Response, TransportError<T::Error>> {
        while response.sw.sw1() == 0x61 {
            let le = le_from_sw2(response.sw);
            let next = self.send_with_le_fix(Command::get_response(cla, le), rounds)?;
            if response.data.len() + next.data.len() > MAX_DATA {
                return Err(TransportError::ResponseTooLong);
            }
            response.data.extend_from_slice(&next.data);
            response.sw = next.sw;
        }
        Ok(response)
    }

    /// Sends `cmd`; while the card answers `6Cxx`, resends it with Le = xx.
    fn send_with_le_fix(
        &mut self,
        mut cmd: Command,
        rounds: &mut usize,
    ) -> Result<Response, TransportError<T::Error>> {
        loop {
            let response = self.send_once(&cmd, rounds)?;
            if response.sw.sw1() != 0x6C {
                return Ok(response);
            }
            cmd.le = Some(le_from_sw2(response.sw));
        }
    }

    fn send_once(
        &mut self,
        cmd: &Command,
        rounds: &mut usize,
    ) -> Result<Response, TransportError<T::Error>> {
        *rounds += 1;
        if *rounds > self.max_rounds {
            return Err(TransportError::TooManyRounds {
                rounds: self.max_rounds,
            });
        }
        let bytes = cmd.to_bytes().map_err(TransportError::Encode)?;
        let raw = self.link.transmit(&bytes).map_err(TransportError::Link)?;
        Response::parse(&raw).map_err(TransportError::Malformed)
    }
}

/// SW2 of `61xx`/`6Cxx` as a length; `00` stands for 256.
fn le_from_sw2(sw: StatusWord) -> usize {
    match sw.sw2() {
        0 => 256,
        n => usize::from(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[derive(Debug, thiserror::Error)]
    #[error("link down")]
    struct LinkDown;

    /// Scripted link: checks each command it receives and returns the scripted answer.
    struct Script {
        steps: VecDeque<(Vec<u8>, Vec<u8>)>,
    }

    impl Script {
        fn new(steps: &[(&[u8], &[u8])]) -> Self {
            Self {
                steps: steps
                    .iter()
                    .map(|(c, r)| (c.to_vec(), r.to_vec()))
                    .collect(),
            }
        }
    }

    impl Transmit for Script {
        type Error = LinkDown;
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, LinkDown> {
            let (expected, answer) = self.steps.pop_front().ok_or(LinkDown)?;
            assert_eq!(command, expected.as_slice(), "unexpected command");
            Ok(answer)
        }
    }

    const SELECT_PSE: &[u8] = b"\x00\xA4\x04\x00\x0E1PAY.SYS.DDF01\x00";

    #[test]
    fn follows_61xx_with_get_response() {
        // The trace from payments.md §4.2: SELECT PSE -> 61 2E, GET RESPONSE 2E -> FCI 9000.
        let fci = [0x6Fu8; 0x2E];
        let mut fci_sw = fci.to_vec();
        fci_sw.extend([0x90, 0x00]);
        let mut t = ApduTransport::new(Script::new(&[
            (SELECT_PSE, &[0x61, 0x2E]),
            (&[0x00, 0xC0, 0x00, 0x00, 0x2E], &fci_sw),
        ]));
        let r = t.exchange_bytes(SELECT_PSE).unwrap();
        assert_eq!(r.data, fci);
        assert!(r.is_success());
        assert!(t.into_inner().steps.is_empty());
    }

    #[test]
    fn repeats_get_response_while_the_card_has_more() {
        let mut part1 = vec![0x01; 256];
        part1.extend([0x61, 0x10]);
        let mut part2 = vec![0x02; 16];
        part2.extend([0x90, 0x00]);
        let mut t = ApduTransport::new(Script::new(&[
            (SELECT_PSE, &[0x61, 0x00]),
            (&[0x00, 0xC0, 0x00, 0x00, 0x00], &part1),
            (&[0x00, 0xC0, 0x00, 0x00, 0x10], &part2),
        ]));
        let r = t.exchange_bytes(SELECT_PSE).unwrap();
        assert_eq!(r.data.len(), 272);
        assert_eq!(r.data[256], 0x02);
    }

    #[test]
    fn resends_with_le_after_6cxx() {
        // READ RECORD with Le=00 -> 6C32 first, as emvpt's card does (payments.md §4.2).
        let mut record = vec![0x70; 0x32];
        record.extend([0x90, 0x00]);
        let mut t = ApduTransport::new(Script::new(&[
            (&[0x00, 0xB2, 0x01, 0x0C, 0x00], &[0x6C, 0x32]),
            (&[0x00, 0xB2, 0x01, 0x0C, 0x32], &record),
        ]));
        let r = t
            .exchange(&Command::new(0x00, 0xB2, 0x01, 0x0C).with_le(256))
            .unwrap();
        assert_eq!(r.data.len(), 0x32);
        assert!(r.is_success());
    }

    #[test]
    fn case4_warning_fetches_data_and_keeps_the_warning() {
        // GENERATE AC answered 6283-style warning without data; the data come by GET RESPONSE.
        let cmd = Command::new(0x80, 0xAE, 0x80, 0x00)
            .with_data([0x11; 4])
            .with_le(256);
        let bytes = cmd.to_bytes().unwrap();
        let mut t = ApduTransport::new(Script::new(&[
            (&bytes, &[0x62, 0x83]),
            (&[0x00, 0xC0, 0x00, 0x00, 0x00], &[0x6C, 0x03]),
            (
                &[0x00, 0xC0, 0x00, 0x00, 0x03],
                &[0xAA, 0xBB, 0xCC, 0x90, 0x00],
            ),
        ]));
        let r = t.exchange(&cmd).unwrap();
        assert_eq!(r.data, [0xAA, 0xBB, 0xCC]);
        assert_eq!(r.sw, StatusWord::new(0x6283));
    }

    #[test]
    fn case4_warning_without_data_keeps_warning_alone() {
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80)
            .with_data([0x24, 0x12])
            .with_le(256);
        let bytes = cmd.to_bytes().unwrap();
        let mut t = ApduTransport::new(Script::new(&[
            (&bytes, &[0x63, 0xC2]),
            (&[0x00, 0xC0, 0x00, 0x00, 0x00], &[0x6D, 0x00]),
        ]));
        let r = t.exchange(&cmd).unwrap();
        assert!(r.data.is_empty());
        assert_eq!(r.sw, StatusWord::new(0x63C2));
    }

    #[test]
    fn case2_warning_is_returned_as_is() {
        let mut t = ApduTransport::new(Script::new(&[(
            &[0x00, 0xB0, 0x00, 0x00, 0x04],
            &[0x62, 0x82],
        )]));
        let r = t
            .exchange(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(4))
            .unwrap();
        assert_eq!(r.sw, StatusWord::new(0x6282));
    }

    #[test]
    fn a_looping_card_is_cut_off() {
        struct Forever;
        impl Transmit for Forever {
            type Error = LinkDown;
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, LinkDown> {
                Ok(vec![0x61, 0x01, 0x61, 0x01][2..].to_vec())
            }
        }
        let mut t = ApduTransport::new(Forever).with_max_rounds(10);
        let err = t
            .exchange(&Command::new(0, 0xCA, 0x9F, 0x36).with_le(256))
            .unwrap_err();
        assert!(matches!(err, TransportError::TooManyRounds { rounds: 10 }));
    }

    #[test]
    fn malformed_and_link_errors_are_typed() {
        let mut t = ApduTransport::new(Script::new(&[(&[0x00, 0xCA, 0x9F, 0x36, 0x00], &[0x90])]));
        let err = t
            .exchange(&Command::new(0, 0xCA, 0x9F, 0x36).with_le(256))
            .unwrap_err();
        assert!(matches!(
            err,
            TransportError::Malformed(ApduError::ResponseTooShort { len: 1 })
        ));
        let err = t
            .exchange(&Command::new(0, 0xCA, 0x9F, 0x36).with_le(256))
            .unwrap_err();
        assert!(matches!(err, TransportError::Link(LinkDown)));
    }
}
