//! Kernel CPU for one full contact transaction (Visa-like card: PSE, DDA, online PIN, online
//! authorisation with issuer authentication, second GENERATE AC), measured two ways:
//! - `kernel_only_replay`: the kernel alone, fed the card's recorded answers (pure kernel CPU);
//! - `kernel_and_card_in_process`: kernel plus the virtual card (RSA signing on the card side).
//!   Also a contactless qVSDC tap replayed.

// Setup of a benchmark: a broken fixture should abort the run loudly.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use pos_drivers::sim::card::CardModel;
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::emv_card::harness::{Cardholder, Issuer, TestIssuer, run};
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::{
    Action, AidConfig, Event, Interface, Kernel, OnlineResponse, PinEntry, PinRequest,
    TerminalConfig, TransactionParams,
};
use std::hint::black_box;
use std::sync::Arc;

fn config() -> Arc<TerminalConfig> {
    let capk = include_str!("../../assets/ca/capk.toml");
    let aids = vec![
        AidConfig::new(&[0xA0, 0, 0, 0, 3]),
        AidConfig::new(&[0xA0, 0, 0, 0, 4]),
    ];
    Arc::new(TerminalConfig::new(
        aids,
        CaKeyTable::from_toml(capk).expect("CA table"),
    ))
}

fn params(interface: Interface, amount: u64) -> TransactionParams {
    TransactionParams {
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
    }
}

/// Records the card's answers and the issuer's response for one transaction.
fn record(profile: &str, p: &TransactionParams) -> (Vec<Vec<u8>>, Option<OnlineResponse>, usize) {
    let mut card = EmvCard::builtin(profile).expect("profile");
    let mut k = Kernel::new(config(), p.clone());
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let mut issuer = RecordingIssuer {
        inner: TestIssuer::default(),
        response: None,
    };
    let (outcome, t) = run(&mut k, &mut card, &who, &mut issuer, None);
    eprintln!(
        "{profile}: {:?}, {} APDUs",
        outcome.decision, outcome.apdu_count
    );
    (
        t.apdus.into_iter().map(|(_, r)| r).collect(),
        issuer.response,
        outcome.apdu_count,
    )
}

struct RecordingIssuer {
    inner: TestIssuer,
    response: Option<OnlineResponse>,
}

impl Issuer for RecordingIssuer {
    fn authorise(&mut self, r: &pos_hal::emv::kernel::OnlineRequest) -> Option<OnlineResponse> {
        self.response = self.inner.authorise(r);
        self.response.clone()
    }
}

fn replay(
    cfg: &Arc<TerminalConfig>,
    p: &TransactionParams,
    answers: &[Vec<u8>],
    online: &Option<OnlineResponse>,
) -> usize {
    let mut k = Kernel::new(cfg.clone(), p.clone());
    let mut answers = answers.iter();
    let mut action = k.start();
    loop {
        let event = match action {
            Action::SendApdu(_) => Event::CardResponse(answers.next().cloned().unwrap_or_default()),
            Action::AskPin(PinRequest::Online) => Event::Pin(PinEntry::OnlineBlock(vec![0xEE; 8])),
            Action::AskPin(_) => {
                Event::Pin(PinEntry::Offline(zeroize::Zeroizing::new("1234".into())))
            }
            Action::GoOnline(_) => online
                .clone()
                .map_or(Event::OnlineUnavailable, Event::Online),
            Action::ShowMessage(_) => Event::Acknowledged,
            Action::ChooseApplication(_) => Event::ApplicationChosen(0),
            Action::Done(o) => return o.apdu_count,
        };
        action = k.handle(event);
    }
}

fn bench(c: &mut Criterion) {
    let cfg = config();
    let contact = params(Interface::Contact, 12_34);
    let (answers, online, count) = record("visa_credit", &contact);
    assert_eq!(replay(&cfg, &contact, &answers, &online), count);
    c.bench_function("contact_visa_dda_online_kernel_only_replay", |b| {
        b.iter(|| black_box(replay(&cfg, &contact, &answers, &online)))
    });

    let (mc_answers, mc_online, mc_count) = record("mc_debit", &contact);
    assert_eq!(replay(&cfg, &contact, &mc_answers, &mc_online), mc_count);
    c.bench_function("contact_mc_cda_offline_pin_kernel_only_replay", |b| {
        b.iter(|| black_box(replay(&cfg, &contact, &mc_answers, &mc_online)))
    });

    let tap = params(Interface::Contactless, 10_00);
    let (cl_answers, cl_online, _) = record("visa_contactless", &tap);
    c.bench_function("contactless_visa_qvsdc_fdda_kernel_only_replay", |b| {
        b.iter(|| black_box(replay(&cfg, &tap, &cl_answers, &cl_online)))
    });

    c.bench_function("contact_visa_kernel_and_card_in_process", |b| {
        let mut card = EmvCard::builtin("visa_credit").expect("profile");
        let who = Cardholder {
            pins: vec!["1234".into()],
            choice: 0,
        };
        b.iter(|| {
            card.reset();
            let mut k = Kernel::new(cfg.clone(), contact.clone());
            black_box(
                run(&mut k, &mut card, &who, &mut TestIssuer::default(), None)
                    .0
                    .decision,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
