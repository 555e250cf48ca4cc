//! The EMV kernel against the virtual EMV card through real transports: the in-process
//! simulated reader with the T=0 card wrapper (61xx / 6Cxx handled by the ISO 7816 transport),
//! and the real pcscd with the card on vpcd's socket. Whole transactions, cardholder choice,
//! offline PIN right and wrong, and a card pulled mid-transaction.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::emv_card::EmvCard;
use pos_drivers::sim::emv_card::harness::{Issuer, TestIssuer};
use pos_drivers::sim::reader::SimReader;
use pos_drivers::sim::t0::T0Card;
use pos_drivers::sim::vpcd::{VirtualCard, VpcdControl, vpcd_addr};
use pos_hal::device::UposDevice;
use pos_hal::device::{CardReader, CardSession};
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::kernel::*;
use pos_hal::iso7816::ApduTransport as Transport;
use pos_tests::pcscd::{PcscdGuard, wait_card_presence};

const READER0: &str = "Virtual PCD 00 00";
const READER1: &str = "Virtual PCD 00 01";
const CAPK: &str = include_str!("../../assets/ca/capk.toml");

fn config() -> Arc<TerminalConfig> {
    let aids = vec![
        AidConfig::new(&[0xA0, 0, 0, 0, 3]),
        AidConfig::new(&[0xA0, 0, 0, 0, 4]),
    ];
    Arc::new(TerminalConfig::new(
        aids,
        CaKeyTable::from_toml(CAPK).unwrap(),
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
        unpredictable_number: [0x12, 0x34, 0x56, 0x78],
        random_percent: 99,
        force_online: false,
    }
}

/// The thin shell: the kernel's actions carried out over a card session.
struct Shell {
    pins: Vec<&'static str>,
    choice: usize,
    pin_requests: usize,
    choices: usize,
    amount: u64,
}

impl Shell {
    fn new(pins: &[&'static str]) -> Self {
        Shell {
            pins: pins.to_vec(),
            choice: 0,
            pin_requests: 0,
            choices: 0,
            amount: 12_34,
        }
    }

    fn run(&mut self, session: &mut dyn CardSession, interface: Interface) -> Outcome {
        let mut transport = Transport::new(session);
        let mut issuer = TestIssuer::default();
        let mut kernel = Kernel::new(config(), params(interface, self.amount));
        let mut action = kernel.start();
        loop {
            let event = match action {
                Action::SendApdu(c) => match transport.exchange_bytes(&c) {
                    Ok(r) => Event::CardResponse(r.to_bytes()),
                    Err(_) => Event::CardRemoved,
                },
                Action::ChooseApplication(_) => {
                    self.choices += 1;
                    Event::ApplicationChosen(self.choice)
                }
                Action::AskPin(request) => {
                    self.pin_requests += 1;
                    match (request, self.pins.is_empty()) {
                        (_, true) => Event::PinBypassed,
                        (PinRequest::Online, false) => {
                            Event::Pin(PinEntry::OnlineBlock(vec![0xEE; 8]))
                        }
                        _ => Event::Pin(PinEntry::Offline(self.pins.remove(0).to_string().into())),
                    }
                }
                Action::GoOnline(r) => issuer
                    .authorise(&r)
                    .map_or(Event::OnlineUnavailable, Event::Online),
                Action::ShowMessage(_) => Event::Acknowledged,
                Action::Done(o) => return *o,
            };
            action = kernel.handle(event);
        }
    }
}

fn t0_emv(profile: &str) -> Box<T0Card> {
    Box::new(T0Card::new(Box::new(EmvCard::builtin(profile).unwrap())))
}

#[test]
fn in_process_reader_with_t0_card_runs_a_full_transaction() {
    let (mut reader, handle) = SimReader::new("sim", 1);
    reader.start(std::time::Duration::from_secs(5)).unwrap();
    assert!(handle.insert(0, t0_emv("visa_credit")));
    let name = reader.readers().unwrap()[0].name.clone();
    let mut session = reader.power_on(&name).unwrap();
    let outcome = Shell::new(&["1234"]).run(&mut *session, Interface::Contact);
    assert_eq!(outcome.decision, Decision::ApprovedOnline, "{outcome:?}");
    assert!(!is_set(&outcome.tvr, DDA_FAILED));
    assert_eq!(outcome.masked_pan, "476173******0119");
}

fn open_reader() -> PcscReader {
    let mut reader = PcscReader::new(
        "card_reader",
        PcscSettings {
            reader_filter: "Virtual PCD".into(),
        },
    );
    reader
        .start(std::time::Duration::from_secs(5))
        .expect("pcscd reachable");
    reader
}

fn wait_presence(reader: &mut PcscReader, present: bool) {
    wait_card_presence(reader, READER0, present);
}

/// Inserts a fresh virtual card once the previous one is gone.
fn insert(reader: &mut PcscReader, profile: &str) -> VirtualCard {
    wait_presence(reader, false);
    let card = VirtualCard::spawn(vpcd_addr(0), t0_emv(profile), true);
    wait_presence(reader, true);
    card
}

#[test]
fn through_pcscd_every_step_of_a_contact_transaction() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();

    // Visa-like: PSE, DDA, online PIN, online approval, issuer authentication.
    let card = insert(&mut reader, "visa_credit");
    let mut session = reader.power_on(READER0).unwrap();
    let mut shell = Shell::new(&["1234"]);
    let o = shell.run(&mut *session, Interface::Contact);
    assert_eq!(o.decision, Decision::ApprovedOnline, "{o:?}");
    assert!(is_set(&o.tsi, TSI_ISSUER_AUTH) && !is_set(&o.tvr, ISSUER_AUTH_FAILED));
    assert!(
        card.stats().apdus() > o.apdu_count,
        "T=0: GET RESPONSE rounds on top"
    );
    drop(session);
    drop(card);

    // Mastercard-like: CDA and offline enciphered PIN, wrong then right.
    let card = insert(&mut reader, "mc_debit");
    let mut session = reader.power_on(READER0).unwrap();
    let mut shell = Shell::new(&["0000", "1234"]);
    let o = shell.run(&mut *session, Interface::Contact);
    assert_eq!(o.decision, Decision::ApprovedOnline, "{o:?}");
    assert_eq!(shell.pin_requests, 2);
    assert_eq!(o.cvm, CvmPerformed::OfflinePin);
    assert!(!is_set(&o.tvr, CDA_FAILED));
    drop(session);
    drop(card);

    // Two applications: the cardholder chooses.
    let card = insert(&mut reader, "two_apps");
    let mut session = reader.power_on(READER0).unwrap();
    let mut shell = Shell::new(&["1234"]);
    shell.choice = 1;
    let o = shell.run(&mut *session, Interface::Contact);
    assert_eq!(shell.choices, 1);
    assert_eq!(o.label, "VISA DEBIT");
    drop(session);
    drop(card);

    // Card pulled after a few APDUs: a clean "card removed" outcome.
    let card = insert(&mut reader, "visa_credit");
    let mut session = reader.power_on(READER0).unwrap();
    card.control(VpcdControl::RemoveAfterApdus(6));
    let o = Shell::new(&["1234"]).run(&mut *session, Interface::Contact);
    assert_eq!(o.decision, Decision::Terminated);
    assert_eq!(o.termination, Some(TerminationReason::CardRemoved));
}

/// The other profiles through pcscd end as the in-process kernel tests say they do.
#[test]
fn through_pcscd_blocked_expired_declined_and_pin_blocked_cards() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();

    let card = insert(&mut reader, "app_blocked");
    let mut session = reader.power_on(READER0).unwrap();
    let o = Shell::new(&[]).run(&mut *session, Interface::Contact);
    assert_eq!(o.decision, Decision::Terminated, "{o:?}");
    assert_eq!(o.termination, Some(TerminationReason::NoApplication));
    drop(session);
    drop(card);

    let card = insert(&mut reader, "expired");
    let mut session = reader.power_on(READER0).unwrap();
    let o = Shell::new(&["1234"]).run(&mut *session, Interface::Contact);
    assert!(is_set(&o.tvr, EXPIRED_APPLICATION), "{o:?}");
    drop(session);
    drop(card);

    let card = insert(&mut reader, "issuer_decline");
    let mut session = reader.power_on(READER0).unwrap();
    let o = Shell::new(&["1234"]).run(&mut *session, Interface::Contact);
    assert_eq!(o.decision, Decision::Declined, "{o:?}");
    assert_eq!(o.arc, Some(*b"05"));
    drop(session);
    drop(card);

    let card = insert(&mut reader, "pin_blocked");
    let mut session = reader.power_on(READER0).unwrap();
    let mut shell = Shell::new(&["1234"]);
    let o = shell.run(&mut *session, Interface::Contact);
    assert_eq!(shell.pin_requests, 0, "a blocked PIN is never asked for");
    assert!(is_set(&o.tvr, PIN_TRY_LIMIT_EXCEEDED), "{o:?}");
    drop(session);
    drop(card);
}

/// A contactless card tapped on vpcd's second reader: qVSDC offline under the floor limit,
/// with no T=0 wrapper (ISO 14443 cards answer in one frame).
#[test]
fn through_pcscd_a_contactless_tap() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    wait_card_presence(&mut reader, READER1, false);
    let card = VirtualCard::spawn(
        vpcd_addr(1),
        Box::new(EmvCard::builtin("visa_contactless").unwrap()),
        true,
    );
    wait_card_presence(&mut reader, READER1, true);
    let mut session = reader.power_on(READER1).unwrap();
    let mut shell = Shell::new(&[]);
    shell.amount = 10_00;
    let o = shell.run(&mut *session, Interface::Contactless);
    assert_eq!(o.decision, Decision::ApprovedOffline, "{o:?}");
    assert_eq!(o.interface, Interface::Contactless);
    assert!(!is_set(&o.tvr, DDA_FAILED));
    drop(session);
    drop(card);
}
