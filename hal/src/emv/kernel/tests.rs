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

/// Replays a recorded trace: each command the kernel sends gets the next recorded answer to
/// a command with the same INS (the kernel's data, e.g. its PDOL values, may differ).
fn replay_trace(
    trace: &str,
    cfg: TerminalConfig,
    p: TransactionParams,
) -> (Outcome, Vec<OnlineRequest>) {
    let mut script: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut pending_ins = None;
    for line in trace.lines() {
        let bytes = |s: &str| hex::decode(s.replace(' ', "")).unwrap();
        if let Some(c) = line.strip_prefix("send:") {
            pending_ins = bytes(c.trim()).get(1).copied();
        } else if let (Some(r), Some(ins)) = (line.strip_prefix("resp:"), pending_ins.take()) {
            script.push((ins, bytes(r.trim())));
        }
    }
    let mut k = Kernel::new(Arc::new(cfg), p);
    let mut online = Vec::new();
    let mut action = k.start();
    loop {
        action = match action {
            Action::SendApdu(c) => {
                let at = script
                    .iter()
                    .position(|(ins, _)| *ins == c[1])
                    .expect("no recorded answer for this command");
                let (_, r) = script.remove(at);
                k.handle(Event::CardResponse(r))
            }
            Action::GoOnline(r) => {
                online.push(*r);
                k.handle(Event::Online(OnlineResponse {
                    arc: *b"00",
                    ..OnlineResponse::default()
                }))
            }
            Action::ShowMessage(_) => k.handle(Event::Acknowledged),
            Action::AskPin(_) => k.handle(Event::PinBypassed),
            Action::ChooseApplication(_) => k.handle(Event::ApplicationChosen(0)),
            Action::Done(o) => return (*o, online),
        };
    }
}

#[test]
fn real_contactless_visa_trace_replays_through_qvsdc() {
    let aids = vec![
        AidConfig::new(&[0xA0, 0, 0, 0, 3]),
        AidConfig::new(&[0xA0, 0, 0, 0, 0x42]),
    ];
    let cfg = TerminalConfig::new(aids, CaKeyTable::default());
    let mut p = params();
    p.interface = Interface::Contactless;
    p.amount = 10_00;
    let (outcome, online) = replay_trace(include_str!("testdata/devnied_visa_ppse.txt"), cfg, p);
    // The co-badged card lists CB (priority 1) before Visa (priority 2).
    assert_eq!(outcome.aid, vec![0xA0, 0, 0, 0, 0x42, 0x10, 0x10]);
    // Format-2 GPO with a cryptogram and no CID: the kernel goes online with it.
    assert_eq!(online.len(), 1);
    let f55 = crate::tlv::parse(&online[0].field55).unwrap();
    assert_eq!(
        crate::tlv::find_bytes(&f55, crate::tlv::tags::ATC),
        Some(&[0x02, 0x8F][..])
    );
    assert_eq!(
        crate::tlv::find_bytes(&f55, crate::tlv::tags::AC),
        Some(&[0xFF; 8][..])
    );
    // PAN from track 2 (no tag 5A on this card), masked.
    assert_eq!(outcome.masked_pan, "499999******9999");
    assert_eq!(outcome.decision, Decision::ApprovedOnline);
    assert_eq!(outcome.apdu_count, 3);
}
