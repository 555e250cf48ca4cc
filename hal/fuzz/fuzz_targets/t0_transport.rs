//! The T=0 transport against a card that answers arbitrary bytes: it must end (success or a
//! typed error) within its round limit and never panic. The input is a list of responses,
//! each prefixed with one length byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::iso7816::{Command, Transmit, ApduTransport};

#[derive(Debug)]
struct Exhausted;
impl std::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("script exhausted")
    }
}
impl std::error::Error for Exhausted {}

struct Replay<'a> {
    data: &'a [u8],
    sent: usize,
}

impl Transmit for Replay<'_> {
    type Error = Exhausted;
    fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, Exhausted> {
        self.sent += 1;
        let (&len, rest) = self.data.split_first().ok_or(Exhausted)?;
        let len = usize::from(len).min(rest.len());
        let (answer, rest) = rest.split_at(len);
        self.data = rest;
        Ok(answer.to_vec())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut transport = ApduTransport::new(Replay { data, sent: 0 }).with_max_rounds(50);
    let cmd = Command::new(0x80, 0xAE, 0x80, 0x00).with_data([0u8; 29]).with_le(256);
    let _ = transport.exchange(&cmd);
    assert!(transport.into_inner().sent <= 50);
});
