//! Fuzz target: arbitrary card responses fed into the EMV kernel, contact and contactless.
//! The input is a sequence of responses, each prefixed by a one-byte length; the kernel must
//! always end in an outcome (never panic, never loop forever).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::*;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut rest)) = data.split_first() else { return };
    let aids = vec![AidConfig::new(&[0xA0, 0, 0, 0, 3]), AidConfig::new(&[0xA0, 0, 0, 0, 4])];
    let cfg = Arc::new(TerminalConfig::new(aids, CaKeyTable::default()));
    let params = TransactionParams {
        interface: if mode & 1 == 0 { Interface::Contact } else { Interface::Contactless },
        amount: u64::from(mode) * 100,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [0x26, 0x11, 0x29],
        time: [0x10, 0, 0],
        transaction_type: 0,
        unpredictable_number: [1, 2, 3, 4],
        random_percent: mode % 100,
        force_online: mode & 2 != 0,
    };
    let mut kernel = Kernel::new(cfg, params);
    let mut action = kernel.start();
    for _ in 0..400 {
        let event = match action {
            Action::SendApdu(_) => {
                let Some((&len, tail)) = rest.split_first() else {
                    action = kernel.handle(Event::CardRemoved);
                    continue;
                };
                let n = usize::from(len).min(tail.len());
                let (response, tail) = tail.split_at(n);
                rest = tail;
                Event::CardResponse(response.to_vec())
            }
            Action::ChooseApplication(list) => Event::ApplicationChosen(usize::from(mode) % list.len().max(1)),
            Action::AskPin(PinRequest::Online) => Event::Pin(PinEntry::OnlineBlock(vec![0; 8])),
            Action::AskPin(_) => Event::Pin(PinEntry::Offline(zeroize::Zeroizing::new("1234".into()))),
            Action::GoOnline(_) => Event::Online(OnlineResponse {
                arc: *b"00",
                auth_code: None,
                issuer_auth_data: Some(rest.get(..8).unwrap_or_default().to_vec()),
                scripts: rest.get(..rest.len().min(40)).unwrap_or_default().to_vec(),
            }),
            Action::ShowMessage(_) => Event::Acknowledged,
            Action::Done(_) => return,
        };
        action = kernel.handle(event);
    }
    panic!("kernel did not finish within 400 steps");
});
