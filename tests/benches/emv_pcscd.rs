//! Wall time of whole EMV transactions through the real pcscd to the virtual card on vpcd
//! (T=0 wrapper, so GET RESPONSE rounds included), the online step answered locally by the
//! test issuer: a contact transaction (Visa-like, DDA, online PIN, second GENERATE AC) and a
//! contactless tap (qVSDC with fDDA, offline). Prints the APDU count of each.
//! Needs pcscd and vsmartcard-vpcd installed; takes the same lock as the pcscd tests.

// Benchmark setup: a broken fixture should abort the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::emv_card::harness::{Issuer, TestIssuer};
use pos_hal::device::UposDevice;
use pos_hal::device::{CardReader, CardSession};
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::*;
use pos_hal::iso7816::ApduTransport as Transport;
use pos_tests::card_lane::insert_contact_card;
use pos_tests::pcscd::{PcscdGuard, wait_card_presence};

const READER0: &str = "Virtual PCD 00 00";

fn transaction(
    session: &mut dyn CardSession,
    cfg: &Arc<TerminalConfig>,
    interface: Interface,
    amount: u64,
) -> Outcome {
    let params = TransactionParams {
        interface,
        amount,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [0x26, 0x11, 0x29],
        time: [0x10, 0, 0],
        transaction_type: 0,
        unpredictable_number: [1, 2, 3, 4],
        random_percent: 99,
        force_online: false,
    };
    let mut transport = Transport::new(session);
    let mut issuer = TestIssuer::default();
    let mut k = Kernel::new(cfg.clone(), params);
    let mut action = k.start();
    loop {
        let event = match action {
            Action::SendApdu(c) => {
                Event::CardResponse(transport.exchange_bytes(&c).expect("card").to_bytes())
            }
            Action::AskPin(PinRequest::Online) => Event::Pin(PinEntry::OnlineBlock(vec![0xEE; 8])),
            Action::AskPin(_) => Event::Pin(PinEntry::Offline("1234".to_string().into())),
            Action::GoOnline(r) => issuer
                .authorise(&r)
                .map_or(Event::OnlineUnavailable, Event::Online),
            Action::ShowMessage(_) => Event::Acknowledged,
            Action::ChooseApplication(_) => Event::ApplicationChosen(0),
            Action::Done(o) => return *o,
        };
        action = k.handle(event);
    }
}

fn bench(c: &mut Criterion) {
    let _pcscd = PcscdGuard::acquire().expect("pcscd");
    let capk = include_str!("../../assets/ca/capk.toml");
    let aids = vec![
        AidConfig::new(&[0xA0, 0, 0, 0, 3]),
        AidConfig::new(&[0xA0, 0, 0, 0, 4]),
    ];
    let cfg = Arc::new(TerminalConfig::new(
        aids,
        CaKeyTable::from_toml(capk).unwrap(),
    ));
    let mut reader = PcscReader::new(
        "bench",
        PcscSettings {
            reader_filter: "Virtual PCD".into(),
        },
    );
    reader.start(std::time::Duration::from_secs(5)).unwrap();

    for (label, profile, interface, amount) in [
        (
            "pcscd_contact_visa_dda_online_pin_online",
            "visa_credit",
            Interface::Contact,
            12_34,
        ),
        (
            "pcscd_contactless_visa_qvsdc_fdda_offline",
            "visa_contactless",
            Interface::Contactless,
            10_00,
        ),
    ] {
        wait_card_presence(&mut reader, READER0, false);
        let card = insert_contact_card(profile);
        wait_card_presence(&mut reader, READER0, true);
        let mut session = reader.power_on(READER0).unwrap();
        let first = transaction(&mut *session, &cfg, interface, amount);
        let before = card.stats().apdus();
        transaction(&mut *session, &cfg, interface, amount);
        eprintln!(
            "{label}: {:?}, {} kernel APDUs, {} APDUs on the wire (T=0)",
            first.decision,
            first.apdu_count,
            card.stats().apdus() - before
        );
        c.bench_function(label, |b| {
            b.iter(|| transaction(&mut *session, &cfg, interface, amount).decision)
        });
        drop(session);
        drop(card);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
