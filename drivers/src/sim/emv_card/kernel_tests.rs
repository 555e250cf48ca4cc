//! The kernel against the virtual card, in-process: every profile, the PIN paths, online and
//! offline outcomes, issuer authentication and scripts, ODA failures, a card pulled at every
//! step, contactless limits, and replay of a recorded trace.

use super::harness::{Cardholder, TestIssuer, Transcript, run};
use super::{EmvCard, Profile};
use crate::sim::card::CardModel;
use pos_hal::emv::ca::{CaKeyTable, RevokedCert};
use pos_hal::emv::kernel::*;
use pos_hal::tlv::{parse, tags};
use std::sync::Arc;

const CAPK: &str = include_str!("../../../../assets/ca/capk.toml");

fn config() -> TerminalConfig {
    let visa = AidConfig::new(&[0xA0, 0, 0, 0, 0x03]);
    let mut mc = AidConfig::new(&[0xA0, 0, 0, 0, 0x04]);
    mc.app_version = [0x00, 0x02];
    mc.tac_default = [0xFC, 0x50, 0xBC, 0xA0, 0x00];
    mc.tac_online = [0xFC, 0x50, 0xBC, 0xF8, 0x00];
    mc.tac_denial = [0x00, 0x00, 0x00, 0x00, 0x00];
    TerminalConfig::new(vec![visa, mc], CaKeyTable::from_toml(CAPK).unwrap())
}

fn params(interface: Interface, amount: u64) -> TransactionParams {
    TransactionParams {
        interface,
        amount,
        amount_other: 0,
        currency: [0x09, 0x78],
        currency_exponent: 2,
        date: [0x26, 0x11, 0x29],
        time: [0x10, 0x30, 0x00],
        transaction_type: 0x00,
        unpredictable_number: [0xCA, 0xFE, 0xBA, 0xBE],
        random_percent: 99,
        force_online: false,
    }
}

struct Run {
    outcome: Outcome,
    t: Transcript,
    issuer: TestIssuer,
}

fn transact(
    card: &mut EmvCard,
    cfg: TerminalConfig,
    p: TransactionParams,
    who: &Cardholder,
    mut issuer: TestIssuer,
) -> Run {
    let mut k = Kernel::new(Arc::new(cfg), p);
    card.reset();
    let (outcome, t) = run(&mut k, card, who, &mut issuer, None);
    Run { outcome, t, issuer }
}

fn contact(name: &str, pins: &[&str]) -> Run {
    let mut card = EmvCard::builtin(name).unwrap();
    let who = Cardholder {
        pins: pins.iter().map(|p| p.to_string()).collect(),
        choice: 0,
    };
    transact(
        &mut card,
        config(),
        params(Interface::Contact, 12_34),
        &who,
        TestIssuer::default(),
    )
}

#[test]
fn visa_credit_online_pin_dda_approved_online() {
    let r = contact("visa_credit", &["1234"]);
    let o = &r.outcome;
    assert_eq!(o.decision, Decision::ApprovedOnline, "{o:?}");
    assert_eq!(r.issuer.verified, 1, "issuer verified the ARQC");
    assert_eq!(r.t.pin_requests, vec![PinRequest::Online]);
    assert_eq!(o.cvm, CvmPerformed::OnlinePin);
    assert_eq!(o.cvm_results, [0x42, 0x03, 0x00]);
    assert!(is_set(&o.tsi, TSI_ODA_PERFORMED) && is_set(&o.tsi, TSI_CVM_PERFORMED));
    assert!(is_set(&o.tsi, TSI_ISSUER_AUTH) && is_set(&o.tsi, TSI_TERMINAL_RISK_MANAGEMENT));
    assert!(!is_set(&o.tvr, DDA_FAILED) && !is_set(&o.tvr, ODA_NOT_PERFORMED));
    assert!(is_set(&o.tvr, ONLINE_PIN_ENTERED));
    assert!(!is_set(&o.tvr, ISSUER_AUTH_FAILED));
    assert_eq!(o.cid, Some(0x40), "second GENERATE AC gave a TC");
    assert_eq!(o.masked_pan, "476173******0119");
    assert_eq!(o.label, "VISA CREDIT");
    assert_eq!(o.arc, Some(*b"00"));
    // The full PAN is never in what the receipt or field 55 carry.
    let pan = [0x47, 0x61, 0x73, 0x90, 0x01, 0x01, 0x01, 0x19];
    assert!(!o.field55.windows(8).any(|w| w == pan));
    assert!(!format!("{o:?}").contains("4761739001010119"));
    assert_eq!(o.pan.as_ref().unwrap().expose(), pan);
}

#[test]
fn mc_debit_cda_and_enciphered_offline_pin() {
    let r = contact("mc_debit", &["1234"]);
    let o = &r.outcome;
    assert_eq!(o.decision, Decision::ApprovedOnline, "{o:?}");
    assert_eq!(
        r.t.pin_requests,
        vec![PinRequest::Offline {
            tries_left: Some(3),
            enciphered: true
        }]
    );
    assert_eq!(o.cvm, CvmPerformed::OfflinePin);
    assert_eq!(o.cvm_results, [0x44, 0x03, 0x02]);
    assert!(!is_set(&o.tvr, CDA_FAILED), "{:02X?}", o.tvr);
    // CDA was requested on the first GENERATE AC (P1 b5).
    let genac = r.t.apdus.iter().find(|(c, _)| c[1] == 0xAE).unwrap();
    assert_eq!(genac.0[2], 0x90);
    // No PSE on this card: the kernel fell back to its AID list.
    assert_eq!(r.t.apdus[0].1, vec![0x6A, 0x82]);
}

#[test]
fn wrong_then_right_offline_pin() {
    let r = contact("mc_debit", &["9999", "1234"]);
    assert_eq!(r.outcome.decision, Decision::ApprovedOnline);
    assert_eq!(r.t.pin_requests.len(), 2);
    assert_eq!(
        r.t.pin_requests[1],
        PinRequest::Offline {
            tries_left: Some(2),
            enciphered: true
        }
    );
    assert!(
        r.t.messages
            .contains(&Message::IncorrectPin { tries_left: 2 })
    );
    assert_eq!(r.outcome.cvm, CvmPerformed::OfflinePin);
}

#[test]
fn three_wrong_pins_block_the_pin_and_fall_back_to_signature() {
    let r = contact("mc_debit", &["1111", "2222", "3333"]);
    let o = &r.outcome;
    assert!(is_set(&o.tvr, PIN_TRY_LIMIT_EXCEEDED));
    assert_eq!(
        o.cvm,
        CvmPerformed::Signature,
        "enciphered and plaintext PIN fail, signature next"
    );
    assert_eq!(o.cvm_results, [0x1E, 0x03, 0x00]);
    assert!(r.t.messages.contains(&Message::LastPinTry));
}

#[test]
fn pin_blocked_card_never_asks_for_a_pin() {
    let r = contact("pin_blocked", &["1234"]);
    assert!(r.t.pin_requests.is_empty());
    assert!(is_set(&r.outcome.tvr, PIN_TRY_LIMIT_EXCEEDED));
    assert_eq!(r.outcome.cvm, CvmPerformed::Signature);
}

#[test]
fn bypassed_pin_sets_pin_not_entered() {
    let r = contact("mc_debit", &[]);
    assert!(is_set(&r.outcome.tvr, PIN_NOT_ENTERED));
}

#[test]
fn two_applications_ask_the_cardholder() {
    let mut card = EmvCard::builtin("two_apps").unwrap();
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 1,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 500),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(r.t.choices_offered, vec![2]);
    assert_eq!(r.outcome.label, "VISA DEBIT");
    assert_eq!(r.outcome.aid, vec![0xA0, 0, 0, 0, 3, 0x20, 0x10]);
    assert_eq!(r.outcome.decision, Decision::ApprovedOnline);
}

#[test]
fn blocked_application_is_not_selected() {
    let r = contact("app_blocked", &[]);
    assert_eq!(r.outcome.decision, Decision::Terminated);
    assert_eq!(
        r.outcome.termination,
        Some(TerminationReason::NoApplication)
    );
}

#[test]
fn expired_card_sets_the_tvr_bit() {
    let r = contact("expired", &["1234"]);
    assert!(is_set(&r.outcome.tvr, EXPIRED_APPLICATION));
    assert_eq!(r.outcome.masked_pan, "411111******1111");
}

#[test]
fn issuer_decline_ends_declined_with_an_aac() {
    let r = contact("issuer_decline", &["1234"]);
    assert_eq!(r.outcome.decision, Decision::Declined);
    assert_eq!(r.outcome.arc, Some(*b"05"));
    assert_eq!(r.outcome.cid, Some(0x00));
}

#[test]
fn unable_to_go_online_uses_the_default_action_codes() {
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    let issuer = TestIssuer {
        reachable: false,
        ..TestIssuer::default()
    };
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 12_34),
        &who,
        issuer,
    );
    assert!(r.t.went_online);
    assert_eq!(r.outcome.arc, Some(*b"Z3"));
    // TVR has floor limit / velocity bits that the default codes (DC4000A800) match → AAC.
    assert_eq!(r.outcome.decision, Decision::Declined);
}

#[test]
fn wrong_arpc_fails_issuer_authentication() {
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    let issuer = TestIssuer {
        bad_arpc: true,
        ..TestIssuer::default()
    };
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 12_34),
        &who,
        issuer,
    );
    assert!(is_set(&r.outcome.tvr, ISSUER_AUTH_FAILED));
    assert_eq!(r.outcome.decision, Decision::Declined);
}

#[test]
fn issuer_script_blocks_the_application_for_the_next_transaction() {
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    let issuer = TestIssuer {
        script_after: Some([0x84, 0x1E, 0x00, 0x00]),
        ..TestIssuer::default()
    };
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 12_34),
        &who,
        issuer,
    );
    assert!(is_set(&r.outcome.tsi, TSI_SCRIPT_PROCESSING));
    assert!(!is_set(&r.outcome.tvr, SCRIPT_FAILED_AFTER));
    assert_eq!(r.outcome.script_results, vec![0x20, 0, 0, 0, 1]);
    let again = transact(
        &mut card,
        config(),
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(
        again.outcome.termination,
        Some(TerminationReason::NoApplication)
    );
}

#[test]
fn card_pulled_at_every_step_terminates_cleanly() {
    let full = contact("mc_debit", &["1234"]);
    let count = full.t.apdus.len();
    assert!(count > 8);
    for pull_at in 0..count {
        let mut card = EmvCard::builtin("mc_debit").unwrap();
        let mut k = Kernel::new(Arc::new(config()), params(Interface::Contact, 12_34));
        let who = Cardholder {
            pins: vec!["1234".into()],
            choice: 0,
        };
        let mut pull = |n: usize, _c: &[u8], r: Vec<u8>| if n == pull_at { None } else { Some(r) };
        let (o, _) = run(
            &mut k,
            &mut card,
            &who,
            &mut TestIssuer::default(),
            Some(&mut pull),
        );
        assert_eq!(o.decision, Decision::Terminated, "pulled at {pull_at}");
        assert_eq!(o.termination, Some(TerminationReason::CardRemoved));
    }
}

fn run_tampered(name: &str, cfg: TerminalConfig, tamper: super::harness::Tamper<'_>) -> Outcome {
    let mut card = EmvCard::builtin(name).unwrap();
    let mut k = Kernel::new(Arc::new(cfg), params(Interface::Contact, 12_34));
    let who = Cardholder {
        pins: vec!["1234".into(), "1234".into()],
        choice: 0,
    };
    run(
        &mut k,
        &mut card,
        &who,
        &mut TestIssuer::default(),
        Some(tamper),
    )
    .0
}

#[test]
fn oda_failures_set_the_right_bits() {
    // Unknown CA index: a terminal without our test CA.
    let mut cfg = config();
    cfg.ca.keys.retain(|k| k.index != 0xE1);
    let o = run_tampered("visa_credit", cfg, &mut |_, _, r| Some(r));
    assert!(is_set(&o.tvr, DDA_FAILED));
    assert!(is_set(&o.tsi, TSI_ODA_PERFORMED));

    // Revoked issuer certificate (serial 000001).
    let mut cfg = config();
    cfg.ca.revoked.push(RevokedCert {
        rid: [0xA0, 0, 0, 0, 3],
        index: 0xE1,
        serial: [0, 0, 1],
    });
    let o = run_tampered("visa_credit", cfg, &mut |_, _, r| Some(r));
    assert!(is_set(&o.tvr, DDA_FAILED));

    // Bad signature: one bit of the dynamic signature flipped.
    let o = run_tampered("visa_credit", config(), &mut |_, c, mut r| {
        if c[1] == 0x88 {
            r[5] ^= 0x01;
        }
        Some(r)
    });
    assert!(is_set(&o.tvr, DDA_FAILED));

    // CDA: a changed GENERATE AC answer no longer matches its signature → declined.
    let o = run_tampered("mc_debit", config(), &mut |_, c, mut r| {
        if c[1] == 0xAE && c[2] & 0x10 != 0 {
            let n = r.len();
            r[n - 3] ^= 0x01; // last IAD byte, covered by the transaction data hash
        }
        Some(r)
    });
    assert!(is_set(&o.tvr, CDA_FAILED));
    assert_eq!(o.decision, Decision::Declined);
}

#[test]
fn expired_issuer_certificate_fails_oda() {
    let mut profile = Profile::builtin("visa_credit").unwrap();
    profile.applications[0].issuer_cert_expiry = "1224".into(); // December 2024
    let mut card = EmvCard::new(&profile).unwrap();
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert!(is_set(&r.outcome.tvr, DDA_FAILED));
}

#[test]
fn wrong_status_words_and_malformed_records_terminate() {
    // GPO answered 6A80.
    let o = run_tampered("visa_credit", config(), &mut |_, c, r| {
        Some(if c[1] == 0xA8 { vec![0x6A, 0x80] } else { r })
    });
    assert!(matches!(
        o.termination,
        Some(TerminationReason::CardError(_))
    ));
    // A record with a broken length.
    let o = run_tampered("visa_credit", config(), &mut |_, c, r| {
        Some(if c[1] == 0xB2 && c[3] == 0x14 {
            vec![0x70, 0x05, 0x5A, 0x90, 0x00]
        } else {
            r
        })
    });
    assert!(matches!(
        o.termination,
        Some(TerminationReason::Malformed(_))
    ));
    // Missing PAN (mandatory): record 1 of SFI 1 replaced by an empty template.
    let o = run_tampered("visa_credit", config(), &mut |_, c, r| {
        Some(if c[1] == 0xB2 && c[2] == 1 && c[3] == 0x0C {
            vec![0x70, 0x00, 0x90, 0x00]
        } else {
            r
        })
    });
    assert!(matches!(
        o.termination,
        Some(TerminationReason::MissingData(_))
    ));
    assert!(is_set(&o.tvr, ICC_DATA_MISSING));
}

fn tap(name: &str, amount: u64, pins: &[&str]) -> Run {
    let mut card = EmvCard::builtin(name).unwrap();
    let who = Cardholder {
        pins: pins.iter().map(|p| p.to_string()).collect(),
        choice: 0,
    };
    transact(
        &mut card,
        config(),
        params(Interface::Contactless, amount),
        &who,
        TestIssuer::default(),
    )
}

#[test]
fn contactless_visa_small_amount_approved_offline_with_fdda() {
    let r = tap("visa_contactless", 10_00, &[]);
    assert_eq!(
        r.outcome.decision,
        Decision::ApprovedOffline,
        "{:?}",
        r.outcome
    );
    assert!(!is_set(&r.outcome.tvr, DDA_FAILED));
    assert!(r.t.messages.contains(&Message::RemoveCard));
    assert!(!r.t.went_online);
    assert!(
        r.t.apdus.iter().all(|(c, _)| c[1] != 0xAE),
        "qVSDC: no GENERATE AC"
    );
}

#[test]
fn contactless_visa_above_floor_goes_online_and_asks_online_pin_above_cvm_limit() {
    let r = tap("visa_contactless", 80_00, &["1234"]);
    assert_eq!(
        r.outcome.decision,
        Decision::ApprovedOnline,
        "{:?}",
        r.outcome
    );
    assert_eq!(r.t.pin_requests, vec![PinRequest::Online]);
    assert_eq!(r.outcome.interface, Interface::Contactless);
}

#[test]
fn contactless_above_the_transaction_limit_asks_for_another_interface() {
    let r = tap("visa_contactless", 2_000_000, &[]);
    assert_eq!(r.outcome.decision, Decision::TryAnotherInterface);
    let contact_only = tap("visa_credit", 10_00, &[]);
    assert_eq!(contact_only.outcome.decision, Decision::TryAnotherInterface);
}

#[test]
fn contactless_mastercard_emv_mode_with_cda() {
    let r = tap("mc_contactless", 10_00, &[]);
    assert_eq!(
        r.outcome.decision,
        Decision::ApprovedOffline,
        "{:?}",
        r.outcome
    );
    assert!(!is_set(&r.outcome.tvr, CDA_FAILED));
    let online = tap("mc_contactless", 70_00, &["1234"]);
    assert_eq!(
        online.outcome.decision,
        Decision::ApprovedOnline,
        "{:?}",
        online.outcome
    );
}

#[test]
fn a_recorded_trace_replays_to_the_same_outcome() {
    let first = contact("visa_credit", &["1234"]);
    // Replay: the kernel sees only the recorded responses, no card.
    let mut k = Kernel::new(Arc::new(config()), params(Interface::Contact, 12_34));
    let mut responses = first.t.apdus.iter();
    let mut issuer = TestIssuer::default();
    let mut action = k.start();
    let outcome = loop {
        action = match action {
            Action::SendApdu(c) => {
                let (recorded_c, r) = responses.next().unwrap();
                assert_eq!(&c, recorded_c, "the kernel is deterministic");
                k.handle(Event::CardResponse(r.clone()))
            }
            Action::AskPin(_) => k.handle(Event::Pin(PinEntry::OnlineBlock(vec![0xEE; 8]))),
            Action::GoOnline(req) => k.handle(Event::Online(harness_issuer(&mut issuer, &req))),
            Action::ShowMessage(_) => k.handle(Event::Acknowledged),
            Action::ChooseApplication(_) => k.handle(Event::ApplicationChosen(0)),
            Action::Done(o) => break *o,
        };
    };
    assert_eq!(outcome, first.outcome);
}

fn harness_issuer(issuer: &mut TestIssuer, req: &OnlineRequest) -> OnlineResponse {
    use super::harness::Issuer;
    issuer.authorise(req).unwrap()
}

#[test]
fn field55_carries_the_acquirer_data_set() {
    let r = contact("visa_credit", &["1234"]);
    let f55 = parse(&r.outcome.field55).unwrap();
    for tag in [
        tags::AIP,
        tags::ATC,
        tags::AC,
        tags::CID,
        tags::IAD,
        tags::TVR,
        tags::UN,
        tags::AMOUNT_AUTH,
        tags::TXN_DATE,
        tags::CVM_RESULTS,
    ] {
        assert!(
            pos_hal::tlv::find(&f55, tag).is_some(),
            "field 55 lacks {tag}"
        );
    }
    assert!(pos_hal::tlv::find(&f55, tags::PAN).is_none());
    assert!(pos_hal::tlv::find(&f55, tags::TRACK2).is_none());
}

fn variant(name: &str, change: impl FnOnce(&mut Profile)) -> EmvCard {
    let mut profile = Profile::builtin(name).unwrap();
    change(&mut profile);
    EmvCard::new(&profile).unwrap()
}

#[test]
fn sda_card_is_authenticated_with_the_signed_static_data() {
    let mut card = variant("visa_credit", |p| p.applications[0].aip = "5C00".into());
    let mut profile = Profile::builtin("visa_credit").unwrap();
    profile.applications[0].oda = "sda".into();
    profile.applications[0].aip = "5C00".into(); // SDA, CVM, TRM, issuer authentication
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let mut sda = EmvCard::new(&profile).unwrap();
    let r = transact(
        &mut sda,
        config(),
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert!(is_set(&r.outcome.tvr, SDA_SELECTED));
    assert!(
        !is_set(&r.outcome.tvr, SDA_FAILED),
        "{:02X?}",
        r.outcome.tvr
    );
    assert!(is_set(&r.outcome.tsi, TSI_ODA_PERFORMED));
    assert!(
        r.t.apdus.iter().all(|(c, _)| c[1] != 0x88),
        "no INTERNAL AUTHENTICATE for SDA"
    );
    // The same card claiming SDA without an SSAD on it fails SDA.
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert!(is_set(&r.outcome.tvr, SDA_FAILED));
}

#[test]
fn plaintext_offline_pin() {
    let mut card = variant("mc_debit", |p| {
        p.applications[0].cvm_list = "00000000 00000000 4103 1E03".into()
    });
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(
        r.t.pin_requests,
        vec![PinRequest::Offline {
            tries_left: Some(3),
            enciphered: false
        }]
    );
    assert_eq!(r.outcome.cvm_results, [0x41, 0x03, 0x02]);
    let verify = r.t.apdus.iter().find(|(c, _)| c[1] == 0x20).unwrap();
    assert_eq!(verify.0[3], 0x80, "plaintext VERIFY P2");
}

#[test]
fn cvm_amount_conditions_pick_no_cvm_under_x() {
    // "No CVM if under X (10.00), else online PIN": 5.00 → no CVM; 20.00 → online PIN.
    let list = "000003E8 00000000 1F06 0200".to_string();
    let mut card = variant("visa_credit", |p| p.applications[0].cvm_list = list.clone());
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let small = transact(
        &mut card,
        config(),
        params(Interface::Contact, 500),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(small.outcome.cvm_results, [0x1F, 0x06, 0x02]);
    assert!(small.t.pin_requests.is_empty());
    let mut card = variant("visa_credit", |p| p.applications[0].cvm_list = list.clone());
    let big = transact(
        &mut card,
        config(),
        params(Interface::Contact, 2000),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(big.outcome.cvm_results, [0x02, 0x00, 0x00]);
}

#[test]
fn card_on_the_exception_file_is_flagged() {
    let mut cfg = config();
    cfg.exception_file.push("4761739001010119".into());
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    let who = Cardholder {
        pins: vec!["1234".into()],
        choice: 0,
    };
    let r = transact(
        &mut card,
        cfg,
        params(Interface::Contact, 100),
        &who,
        TestIssuer::default(),
    );
    assert!(is_set(&r.outcome.tvr, CARD_ON_EXCEPTION_FILE));
}

#[test]
fn phone_wallet_consumer_device_cvm_needs_no_pin() {
    let mut card = variant("visa_contactless", |p| {
        p.applications[0].ctq = "0080".into()
    });
    let who = Cardholder::default();
    let r = transact(
        &mut card,
        config(),
        params(Interface::Contactless, 80_00),
        &who,
        TestIssuer::default(),
    );
    assert_eq!(r.outcome.cvm, CvmPerformed::ConsumerDevice);
    assert!(r.t.pin_requests.is_empty());
    assert_eq!(r.outcome.decision, Decision::ApprovedOnline);
}
