//! Through the real pcscd and its vpcd virtual readers, with our virtual card on the socket:
//! discovery, insert/remove events, APDU exchange with T=0 behaviour, a card pulled during a
//! transaction, a malformed answer, a contactless card's UID.

// A test fails by panicking; the helpers below are part of the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use pos_drivers::pcsc::{PcscReader, PcscSettings};
use pos_drivers::sim::card::CardModel;
use pos_drivers::sim::t0::T0Card;
use pos_drivers::sim::test_card::TestCard;
use pos_drivers::sim::vpcd::{VirtualCard, VpcdControl, vpcd_addr};
use pos_hal::device::{CardInterface, CardReader, ErrorKind, ReaderEvent, UposDevice};
use pos_hal::iso7816::{ApduTransport, Command, Response, StatusWord, TransportError};
use pos_tests::pcscd::{PcscdGuard, wait_card_presence};

const READER0: &str = "Virtual PCD 00 00";
const READER1: &str = "Virtual PCD 00 01";
const WAIT: Duration = Duration::from_secs(10);

fn open_reader() -> PcscReader {
    let mut reader = PcscReader::new(
        "card_reader",
        PcscSettings {
            reader_filter: "Virtual PCD".into(),
        },
    );
    reader.start(Duration::ZERO).expect("pcscd reachable");
    reader
}

/// Waits for the first event that `pred` accepts, failing after `WAIT`.
fn wait_for(reader: &mut PcscReader, pred: impl Fn(&ReaderEvent) -> bool) -> ReaderEvent {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Some(event) = reader.wait_event(Duration::from_millis(200)).unwrap()
            && pred(&event)
        {
            return event;
        }
    }
    panic!("no matching reader event within {WAIT:?}");
}

fn t0_test_card() -> Box<dyn CardModel> {
    Box::new(T0Card::new(Box::new(TestCard::contact())))
}

#[test]
fn discovers_both_virtual_readers() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let names: Vec<String> = reader
        .readers()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(names.iter().any(|n| n == READER0), "readers: {names:?}");
    assert!(names.iter().any(|n| n == READER1), "readers: {names:?}");

    let mut filtered = PcscReader::new(
        "r",
        PcscSettings {
            reader_filter: "00 01".into(),
        },
    );
    filtered.open().unwrap();
    let only: Vec<String> = filtered
        .readers()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(only, [READER1]);
}

#[test]
fn insert_and_remove_produce_events() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    wait_card_presence(&mut reader, READER0, false);
    // Prime the watcher so the insert is a change, not the initial state.
    assert_eq!(reader.wait_event(Duration::from_millis(10)).unwrap(), None);

    let card = VirtualCard::spawn(vpcd_addr(0), t0_test_card(), true);
    let inserted = wait_for(&mut reader, |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    assert_eq!(
        inserted,
        ReaderEvent::CardInserted {
            reader: READER0.into(),
            atr: TestCard::contact().atr()
        }
    );
    card.remove();
    let removed = wait_for(&mut reader, |e| {
        matches!(e, ReaderEvent::CardRemoved { .. })
    });
    assert_eq!(
        removed,
        ReaderEvent::CardRemoved {
            reader: READER0.into()
        }
    );

    card.insert();
    wait_for(&mut reader, |e| {
        matches!(e, ReaderEvent::CardInserted { .. })
    });
    drop(card);
    wait_for(&mut reader, |e| {
        matches!(e, ReaderEvent::CardRemoved { .. })
    });
}

#[test]
fn apdus_follow_t0_rules_through_pcscd() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let card = VirtualCard::spawn(vpcd_addr(0), t0_test_card(), true);
    wait_card_presence(&mut reader, READER0, true);

    let mut session = reader.power_on(READER0).unwrap();
    assert_eq!(session.atr(), TestCard::contact().atr());
    assert_eq!(session.interface(), CardInterface::Contact);

    // Raw, the T=0 card answers a case-4 SELECT with 61xx and a short Le with 6Cxx.
    let select = Command::select_aid(TestCard::TEST_AID);
    let raw = Response::parse(&session.transmit(&select.to_bytes().unwrap()).unwrap()).unwrap();
    assert_eq!(raw.sw.sw1(), 0x61);
    assert!(raw.data.is_empty());
    let raw = session.transmit(&[0x00, 0xB2, 0x01, 0x0C, 0x00]).unwrap();
    assert_eq!(Response::parse(&raw).unwrap().sw, StatusWord::new(0x6C34));

    // Through the transport the caller sees complete answers.
    let mut transport = ApduTransport::new(&mut *session);
    let fci = transport.exchange(&select).unwrap();
    assert!(fci.is_success());
    assert_eq!(fci.data[0], 0x6F);
    let record = transport
        .exchange(&Command::new(0x00, 0xB2, 0x01, 0x0C).with_le(256))
        .unwrap();
    assert_eq!(record.data.len(), 0x34);
    assert_eq!(record.data[0], 0x70);
    let binary = transport
        .exchange(&Command::new(0x00, 0xB0, 0x00, 0x00).with_le(256))
        .unwrap();
    assert_eq!(binary.data.len(), 256);
    drop(session);
    assert!(card.stats().apdus() >= 7);
}

#[test]
fn card_pulled_during_a_transaction_is_a_typed_error() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let card = VirtualCard::spawn(vpcd_addr(0), t0_test_card(), true);
    wait_card_presence(&mut reader, READER0, true);
    let mut session = reader.power_on(READER0).unwrap();

    // Two APDUs answered, the third one loses the card.
    card.control(VpcdControl::RemoveAfterApdus(2));
    let mut answered = 0;
    let outcome = session.exclusive(&mut |channel| {
        let select = Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap();
        for _ in 0..3 {
            channel.transmit(&select)?;
            answered += 1;
        }
        Ok(())
    });
    let error = outcome.unwrap_err();
    assert_eq!(answered, 2);
    assert_eq!(error.kind(), ErrorKind::Removed, "{error}");
    // Later calls keep failing cleanly rather than hanging or panicking.
    let again = session.transmit(&[0x00, 0xA4, 0x04, 0x00]).unwrap_err();
    assert!(
        matches!(again.kind(), ErrorKind::Removed | ErrorKind::NoDevice),
        "{again}"
    );
    drop(session);
    wait_card_presence(&mut reader, READER0, false);
    assert_eq!(
        reader.power_on(READER0).err().unwrap().kind(),
        ErrorKind::Removed
    );
}

#[test]
fn malformed_card_answer_is_a_typed_error() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    wait_card_presence(&mut reader, READER0, true);
    let mut session = reader.power_on(READER0).unwrap();
    card.control(VpcdControl::SendMalformed);
    std::thread::sleep(Duration::from_millis(50));
    let mut transport = ApduTransport::new(&mut *session);
    let error = transport
        .exchange(&Command::select_aid(TestCard::TEST_AID))
        .unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::Malformed(_) | TransportError::Link(_)
        ),
        "{error}"
    );
    // The card is still usable afterwards.
    assert!(
        transport
            .exchange(&Command::select_aid(TestCard::TEST_AID))
            .unwrap()
            .is_success()
    );
}

#[test]
fn contactless_card_on_the_second_reader_has_a_uid() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let _card = VirtualCard::spawn(vpcd_addr(1), Box::new(TestCard::contactless()), true);
    wait_card_presence(&mut reader, READER1, true);
    let mut session = reader.power_on(READER1).unwrap();
    assert_eq!(session.interface(), CardInterface::Contactless);
    assert_eq!(session.uid().unwrap(), TestCard::UID);
    let mut transport = ApduTransport::new(&mut *session);
    let ppse = transport
        .exchange(&Command::select_aid(TestCard::PPSE))
        .unwrap();
    assert!(ppse.is_success());
}

#[test]
fn mute_card_then_pulled_ends_the_blocked_command_with_removed() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    wait_card_presence(&mut reader, READER0, true);
    let mut session = reader.power_on(READER0).unwrap();
    card.control(VpcdControl::Mute(true));
    // The cashier pulls the card the terminal waits on.
    let puller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        card.remove();
        card
    });
    let error = session.transmit(&Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap());
    let _card = puller.join().unwrap();
    let error = error.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Removed, "{error}");
}

#[test]
fn slow_card_still_answers_correctly() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let card = VirtualCard::spawn(vpcd_addr(0), t0_test_card(), true);
    wait_card_presence(&mut reader, READER0, true);
    card.control(VpcdControl::Delay(Duration::from_millis(150)));
    let mut session = reader.power_on(READER0).unwrap();
    let mut transport = ApduTransport::new(&mut *session);
    let fci = transport
        .exchange(&Command::select_aid(TestCard::TEST_AID))
        .unwrap();
    assert!(fci.is_success());
    assert_eq!(&fci.data[4..12], TestCard::TEST_AID);
}

#[test]
fn exclusive_session_keeps_other_clients_out_until_it_ends() {
    let _pcscd = PcscdGuard::acquire().unwrap();
    let mut reader = open_reader();
    let _card = VirtualCard::spawn(vpcd_addr(0), Box::new(TestCard::contact()), true);
    wait_card_presence(&mut reader, READER0, true);
    let mut session = reader.power_on(READER0).unwrap();
    let select = Command::select_aid(TestCard::TEST_AID).to_bytes().unwrap();

    let mut other_outcome = None;
    let mut ended_at = None;
    session
        .exclusive(&mut |channel| {
            channel.transmit(&select)?;
            // Another application (its own pcsc context) tries to talk to the same card.
            let other = std::thread::spawn(|| {
                let mut other_reader = open_reader();
                let mut other_session = other_reader.power_on(READER0)?;
                let result = other_session.transmit(&[0x00, 0x84, 0x00, 0x00, 0x08]);
                Ok::<_, pos_hal::device::DeviceError>((result, Instant::now()))
            });
            std::thread::sleep(Duration::from_millis(500));
            channel.transmit(&select)?;
            ended_at = Some(Instant::now());
            other_outcome = Some(other);
            Ok(())
        })
        .unwrap();
    let ended_at = ended_at.unwrap();
    match other_outcome.unwrap().join().unwrap() {
        // Either pcscd made the other client wait for the end of our transaction ...
        Ok((Ok(answer), answered_at)) => {
            assert_eq!(answer[answer.len() - 2..], [0x90, 0x00]);
            assert!(
                answered_at >= ended_at,
                "the other client got in during the transaction"
            );
        }
        // ... or refused it as busy.
        Ok((Err(error), _)) | Err(error) => assert_eq!(error.kind(), ErrorKind::Busy, "{error}"),
    }
}
