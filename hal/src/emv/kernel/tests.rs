//! Kernel unit tests with scripted card answers (the end-to-end tests against the virtual
//! card live in `drivers::sim::emv_card` and `tests/`).

use super::*;
use crate::emv::ca::CaKeyTable;

fn params() -> TransactionParams {
    TransactionParams {
        interface: Interface::Contact,
        amount: 1234,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [0x26, 0x11, 0x29],
        time: [0x12, 0, 0],
        transaction_type: 0,
        unpredictable_number: [1, 2, 3, 4],
        random_percent: 50,
        force_online: false,
    }
}

fn kernel() -> Kernel {
    let cfg = TerminalConfig::new(
        vec![AidConfig::new(&[0xA0, 0, 0, 0, 3])],
        CaKeyTable::default(),
    );
    Kernel::new(Arc::new(cfg), params())
}

fn terminated(a: Action) -> TerminationReason {
    match a {
        Action::Done(o) => {
            assert_eq!(o.decision, Decision::Terminated);
            o.termination.unwrap()
        }
        other => panic!("expected Done, got {other:?}"),
    }
}

#[test]
fn starts_by_selecting_the_pse() {
    let mut k = kernel();
    let Action::SendApdu(apdu) = k.start() else {
        panic!()
    };
    assert_eq!(apdu[..5], [0x00, 0xA4, 0x04, 0x00, 0x0E]);
    assert_eq!(&apdu[5..19], b"1PAY.SYS.DDF01");
}

#[test]
fn blocked_card_terminates() {
    let mut k = kernel();
    k.start();
    assert_eq!(
        terminated(k.handle(Event::CardResponse(vec![0x6A, 0x81]))),
        TerminationReason::CardBlocked
    );
}

#[test]
fn card_removed_at_first_step_terminates() {
    let mut k = kernel();
    k.start();
    assert_eq!(
        terminated(k.handle(Event::CardRemoved)),
        TerminationReason::CardRemoved
    );
    // After Done, the kernel keeps answering Done.
    assert!(matches!(k.handle(Event::Acknowledged), Action::Done(_)));
}

#[test]
fn no_pse_then_no_aid_means_no_application() {
    let mut k = kernel();
    k.start();
    // 6A82 to PSE → list of AIDs: SELECT A000000003 → 6A82 → no candidates.
    let Action::SendApdu(apdu) = k.handle(Event::CardResponse(vec![0x6A, 0x82])) else {
        panic!()
    };
    assert_eq!(&apdu[5..10], &[0xA0, 0, 0, 0, 3]);
    assert_eq!(
        terminated(k.handle(Event::CardResponse(vec![0x6A, 0x82]))),
        TerminationReason::NoApplication
    );
}

#[test]
fn truncated_and_malformed_answers_terminate_cleanly() {
    let mut k = kernel();
    k.start();
    assert!(matches!(
        terminated(k.handle(Event::CardResponse(vec![0x90]))),
        TerminationReason::Malformed(_)
    ));
    let mut k = kernel();
    k.start();
    // FCI with an indefinite length.
    assert!(matches!(
        terminated(k.handle(Event::CardResponse(vec![0x6F, 0x80, 0x90, 0x00]))),
        TerminationReason::Malformed(_)
    ));
}

#[test]
fn bcd_amounts() {
    assert_eq!(session::bcd12(1234), [0, 0, 0, 0, 0x12, 0x34]);
}
