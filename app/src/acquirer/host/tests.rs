//! The host core driven in process with lane-built, DUKPT-protected requests.

use time::macros::datetime;

use super::*;
use crate::acquirer::crypto::AesKey;
use crate::acquirer::crypto::Key16;
use crate::acquirer::crypto::aes_dukpt::{self, AesKsn, AesTerminal};
use crate::acquirer::crypto::pin_block::Pin;
use crate::acquirer::crypto::session::DukptTerminal;
use crate::acquirer::crypto::tdes_dukpt::{self, TdesKsn, TdesTerminal};
use crate::acquirer::requests::*;

const NOW: OffsetDateTime = datetime!(2026-11-29 09:30 UTC);
const PAN: &str = "4761739001010119";

fn lane_aes() -> DukptTerminal {
    let bdk = AesKey::from_hex(config::DEMO_AES_BDK).unwrap();
    let ikid: [u8; 8] = hex::decode(config::DEMO_AES_IKID)
        .unwrap()
        .try_into()
        .unwrap();
    DukptTerminal::Aes(AesTerminal::new(
        aes_dukpt::derive_initial_key(&bdk, ikid),
        AesKsn::new(ikid, 0),
    ))
}

fn lane_tdes() -> DukptTerminal {
    let ksn = TdesKsn::from_hex(config::DEMO_TDES_KSN).unwrap();
    let ipek = tdes_dukpt::derive_ipek(&Key16::from_hex(config::DEMO_TDES_BDK).unwrap(), &ksn);
    DukptTerminal::Tdes(TdesTerminal::new(ipek, ksn))
}

fn identity() -> TerminalIdentity {
    TerminalIdentity {
        terminal_id: "LANE0001".into(),
        merchant_id: "MERCHANT0000001".into(),
        currency_numeric: "978".into(),
    }
}

fn request(stan: u32, amount_minor: u64, pin: Option<&str>) -> CardRequest {
    CardRequest {
        kind: RequestKind::Authorization,
        stan,
        transmitted: "1129093000".into(),
        amount_minor,
        refund: false,
        card: CardData::from_track2("4761739001010119D28122011758928889").unwrap(),
        pin: pin.map(|p| Pin::new(p).unwrap()),
        icc_data: Some(vec![0x9F, 0x36, 0x02, 0x00, 0x01]),
        entry_mode: "051".into(),
    }
}

struct Exchange {
    answer: Option<Message>,
    keys: TransactionKeys,
}

fn send(
    host: &mut Host,
    lane: &mut DukptTerminal,
    message: impl FnOnce(&TransactionKeys) -> Message,
) -> Exchange {
    let keys = lane.next_keys().unwrap();
    let wire = protocol::seal(message(&keys), &keys, Direction::Request).unwrap();
    let answer = match host.handle(&wire, NOW) {
        Reply::Answer(bytes) => Some(protocol::open(&bytes, &keys, Direction::Response).unwrap()),
        _ => None,
    };
    Exchange { answer, keys }
}

fn authorize(host: &mut Host, lane: &mut DukptTerminal, req: &CardRequest) -> Message {
    send(host, lane, |k| card_message(&identity(), req, k).unwrap())
        .answer
        .unwrap()
}

fn code(m: &Message) -> &str {
    m.text(field::RESPONSE_CODE).unwrap()
}

#[test]
fn approves_with_right_pin_under_both_schemes() {
    for mut lane in [lane_aes(), lane_tdes()] {
        let mut host = Host::new(HostConfig::demo());
        let answer = authorize(&mut host, &mut lane, &request(1, 1234, Some("1234")));
        assert_eq!(answer.mti, Mti::AUTH_RESPONSE);
        assert_eq!(code(&answer), "00");
        assert_eq!(answer.text(field::AUTH_CODE).map(str::len), Some(6));
        assert_eq!(answer.text(field::AMOUNT), Some("000000001234"));
    }
}

#[test]
fn declines_by_rule_pin_expiry_and_bin() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    assert_eq!(
        code(&authorize(&mut host, &mut lane, &request(1, 1051, None))),
        "51"
    );
    assert_eq!(
        code(&authorize(&mut host, &mut lane, &request(2, 1005, None))),
        "05"
    );
    assert_eq!(
        code(&authorize(
            &mut host,
            &mut lane,
            &request(3, 1000, Some("4321"))
        )),
        "55"
    );
    let mut expired = request(4, 1000, None);
    expired.card = CardData::from_track2("4761739001010119D22122011758928889").unwrap();
    assert_eq!(code(&authorize(&mut host, &mut lane, &expired)), "54");
    let mut unknown_bin = request(5, 1000, None);
    unknown_bin.card = CardData::new("6011000990139424", "3012").unwrap();
    assert_eq!(code(&authorize(&mut host, &mut lane, &unknown_bin)), "14");
    assert!(
        authorize(&mut host, &mut lane, &request(3, 1000, Some("4321")))
            .get(field::AUTH_CODE)
            .is_none()
    );
    assert_eq!(host.stats().declines, 5);
}

#[test]
fn velocity_limit_declines_with_65() {
    let mut config = HostConfig::demo();
    config.rules.velocity_limit = 2;
    let mut host = Host::new(config);
    let mut lane = lane_aes();
    let codes: Vec<String> = (1..=3)
        .map(|stan| code(&authorize(&mut host, &mut lane, &request(stan, 1000, None))).to_owned())
        .collect();
    assert_eq!(codes, ["00", "00", "65"]);
}

#[test]
fn repeated_request_is_answered_once() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    let first = authorize(&mut host, &mut lane, &request(7, 1000, None));
    let again = authorize(&mut host, &mut lane, &request(7, 1000, None));
    assert_eq!(first.text(field::AUTH_CODE), again.text(field::AUTH_CODE));
    assert_eq!(host.stats().approvals, 1);
}

#[test]
fn reversal_is_idempotent_and_removes_the_approval_from_the_batch() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    authorize(&mut host, &mut lane, &request(1, 1000, None));
    authorize(&mut host, &mut lane, &request(2, 2500, None));
    let original = OriginalRef {
        mti: Mti::AUTH_REQUEST,
        stan: 1,
        transmitted: "1129093000".into(),
        amount_minor: 1000,
        refund: false,
    };
    for stan in [3, 4] {
        let answer = send(&mut host, &mut lane, |_| {
            reversal_message(&identity(), &original, stan, "1129093005")
        })
        .answer
        .unwrap();
        assert_eq!((answer.mti, code(&answer)), (Mti::REVERSAL_RESPONSE, "00"));
    }
    assert_eq!(
        (
            host.stats().reversals_applied,
            host.stats().reversals_repeated
        ),
        (1, 1)
    );
    let unknown = OriginalRef {
        stan: 99,
        ..original
    };
    let answer = send(&mut host, &mut lane, |_| {
        reversal_message(&identity(), &unknown, 5, "1129093006")
    });
    assert_eq!(code(&answer.answer.unwrap()), "25");
    // settlement: only the 25.00 debit remains
    let totals = Totals {
        debits_count: 1,
        debits_amount: 2500,
        ..Totals::default()
    };
    let answer = send(&mut host, &mut lane, |_| {
        settlement_message(&identity(), 6, "1129100000", 1, &totals)
    });
    let answer = answer.answer.unwrap();
    assert_eq!(
        (answer.mti, code(&answer)),
        (Mti::SETTLEMENT_RESPONSE, "00")
    );
    assert_eq!(Totals::from_message(&answer), Some(totals));
}

#[test]
fn settlement_mismatch_answers_95_with_host_totals() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_tdes();
    authorize(&mut host, &mut lane, &request(1, 1000, None));
    let claimed = Totals {
        debits_count: 2,
        debits_amount: 3000,
        ..Totals::default()
    };
    let answer = send(&mut host, &mut lane, |_| {
        settlement_message(&identity(), 2, "1129100000", 1, &claimed)
    })
    .answer
    .unwrap();
    assert_eq!(code(&answer), "95");
    assert_eq!(Totals::from_message(&answer).unwrap().debits_amount, 1000);
}

#[test]
fn advice_is_recorded_once_and_never_declined() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    let mut advice = request(9, 1051, None);
    advice.kind = RequestKind::Advice;
    for _ in 0..2 {
        let a = send(&mut host, &mut lane, |k| {
            card_message(&identity(), &advice, k).unwrap()
        })
        .answer
        .unwrap();
        assert_eq!((a.mti, code(&a)), (Mti::ADVICE_RESPONSE, "00"));
    }
    assert_eq!(host.stats().advices, 1);
}

#[test]
fn bad_mac_is_rejected_and_noise_is_dropped() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    let keys = lane.next_keys().unwrap();
    let mut wire = protocol::seal(
        card_message(&identity(), &request(1, 1000, None), &keys).unwrap(),
        &keys,
        Direction::Request,
    )
    .unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 1;
    assert_eq!(host.handle(&wire, NOW), Reply::Drop);
    assert_eq!(host.stats().bad_macs, 1);
    assert_eq!(host.stats().approvals, 0);
    assert_eq!(host.handle(&[1, 2, 3], NOW), Reply::Drop);
    // a request MACed under a key set the host does not know gets an unsigned 63
    let foreign = DukptTerminal::Aes(AesTerminal::new(
        AesKey::Aes128([9; 16]),
        AesKsn::new([0xAB; 8], 0),
    ));
    let mut foreign = foreign;
    let keys = foreign.next_keys().unwrap();
    let wire = protocol::seal(
        echo_message(&identity(), 1, "1129093000"),
        &keys,
        Direction::Request,
    )
    .unwrap();
    let Reply::Answer(bytes) = host.handle(&wire, NOW) else {
        panic!("expected an answer")
    };
    assert_eq!(
        protocol::open(&bytes, &keys, Direction::Response),
        Err(ProtocolError::MissingMac)
    );
}

#[test]
fn faults_apply_after_processing() {
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    host.set_faults(Faults {
        no_answer: true,
        only: Some(Mti::AUTH_REQUEST),
        ..Faults::default()
    });
    let ex = send(&mut host, &mut lane, |k| {
        card_message(&identity(), &request(1, 1000, None), k).unwrap()
    });
    assert!(ex.answer.is_none());
    assert_eq!(
        host.stats().approvals,
        1,
        "the request was processed before the silence"
    );
    // the fault is limited to 0100: an echo still answers
    let echo = send(&mut host, &mut lane, |_| {
        echo_message(&identity(), 2, "1129093000")
    })
    .answer
    .unwrap();
    assert_eq!((echo.mti, code(&echo)), (Mti::NETWORK_RESPONSE, "00"));
    host.set_faults(Faults {
        malformed_answer: true,
        ..Faults::default()
    });
    let keys = lane.next_keys().unwrap();
    let wire = protocol::seal(
        echo_message(&identity(), 3, "1129093000"),
        &keys,
        Direction::Request,
    )
    .unwrap();
    let Reply::Answer(bytes) = host.handle(&wire, NOW) else {
        panic!("expected bytes")
    };
    assert!(matches!(
        protocol::open(&bytes, &keys, Direction::Response),
        Err(ProtocolError::Codec(_))
    ));
    let _ = ex.keys;
}

#[test]
fn no_clear_pan_in_any_request_byte() {
    let mut lane = lane_tdes();
    let keys = lane.next_keys().unwrap();
    let wire = protocol::seal(
        card_message(&identity(), &request(1, 1000, Some("1234")), &keys).unwrap(),
        &keys,
        Direction::Request,
    )
    .unwrap();
    let text = hex::encode_upper(&wire);
    assert!(!text.contains(PAN) && !String::from_utf8_lossy(&wire).contains(PAN));
}

/// Field 55 as the kernel would send it, with a real CVN 18 ARQC under the demo IMK.
fn icc_data_with_arqc(amount_bcd: [u8; 6], tamper: bool) -> (Vec<u8>, [u8; 16], [u8; 8]) {
    use pos_hal::emv::crypto::{ac_data, cvn18_ac, cvn18_session_key, derive_icc_mk};
    use pos_hal::tlv::{self, Tag, Tlv};
    let imk: [u8; 16] = hex::decode(config::DEMO_IMK_AC)
        .unwrap()
        .try_into()
        .unwrap();
    let mk = derive_icc_mk(&imk, PAN, 0x01);
    let atc = [0x00, 0x11];
    let mut objects = vec![
        Tlv::primitive(Tag(0x9F02), amount_bcd.to_vec()),
        Tlv::primitive(Tag(0x9F03), vec![0; 6]),
        Tlv::primitive(Tag(0x9F1A), vec![0x08, 0x26]),
        Tlv::primitive(Tag(0x95), vec![0; 5]),
        Tlv::primitive(Tag(0x5F2A), vec![0x09, 0x78]),
        Tlv::primitive(Tag(0x9A), vec![0x26, 0x11, 0x29]),
        Tlv::primitive(Tag(0x9C), vec![0x00]),
        Tlv::primitive(Tag(0x9F37), vec![0x12, 0x34, 0x56, 0x78]),
        Tlv::primitive(Tag(0x82), vec![0x3C, 0x00]),
        Tlv::primitive(Tag(0x9F36), atc.to_vec()),
        Tlv::primitive(Tag(0x9F10), vec![0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00]),
    ];
    let data = ac_data(|tag| tlv::find_bytes(&objects, tag));
    let mut arqc = cvn18_ac(&mk, atc, &data);
    if tamper {
        arqc[0] ^= 1;
    }
    objects.push(Tlv::primitive(Tag(0x9F26), arqc.to_vec()));
    (tlv::encode(&objects), cvn18_session_key(&mk, atc), arqc)
}

#[test]
fn arqc_is_checked_and_answered_with_a_verifiable_arpc() {
    use pos_hal::emv::crypto::arpc_method2;
    let mut host = Host::new(HostConfig::demo());
    let mut lane = lane_aes();
    let (icc, session_key, arqc) = icc_data_with_arqc([0, 0, 0, 0, 0x12, 0x34], false);
    let mut req = request(1, 1234, Some("1234"));
    req.card = req.card.with_pan_sequence(1);
    req.icc_data = Some(icc);
    let answer = authorize(&mut host, &mut lane, &req);
    assert_eq!(code(&answer), "00");
    let field55 = answer
        .get(field::ICC_DATA)
        .expect("issuer authentication data");
    let objects = pos_hal::tlv::parse(field55).unwrap();
    let tag91 = pos_hal::tlv::find_bytes(&objects, pos_hal::tlv::Tag(0x91)).unwrap();
    let csu: [u8; 4] = tag91[4..8].try_into().unwrap();
    assert_eq!(csu, [0x00, 0x80, 0x00, 0x00]);
    assert_eq!(arpc_method2(&session_key, arqc, csu, &[]), tag91[..4]);
    assert_eq!(
        (host.stats().arqc_verified, host.stats().arqc_failures),
        (1, 0)
    );

    let (bad, _, _) = icc_data_with_arqc([0, 0, 0, 0, 0x12, 0x34], true);
    let mut req = request(2, 1234, None);
    req.card = req.card.with_pan_sequence(1);
    req.icc_data = Some(bad);
    let answer = authorize(&mut host, &mut lane, &req);
    assert_eq!(code(&answer), "05");
    assert!(answer.get(field::ICC_DATA).is_none());
    assert_eq!(host.stats().arqc_failures, 1);
    // a declined but genuine cryptogram still gets an ARPC, with a "not approved" CSU
    let (icc, _, _) = icc_data_with_arqc([0, 0, 0, 0, 0x10, 0x51], false);
    let mut req = request(3, 1051, None);
    req.card = req.card.with_pan_sequence(1);
    req.icc_data = Some(icc);
    let answer = authorize(&mut host, &mut lane, &req);
    assert_eq!(code(&answer), "51");
    assert!(answer.get(field::ICC_DATA).is_some());
    // field 55 that is not BER-TLV
    let mut req = request(4, 1000, None);
    req.icc_data = Some(vec![0x9F, 0x26, 0x09, 1]);
    assert_eq!(code(&authorize(&mut host, &mut lane, &req)), "30");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn host_never_panics_on_noise(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut host = Host::new(HostConfig::demo());
            let _ = host.handle(&bytes, NOW);
        }

        #[test]
        fn a_mutated_request_is_never_approved(index in any::<usize>(), flip in 1u8..=255) {
            let mut host = Host::new(HostConfig::demo());
            let mut lane = lane_aes();
            let keys = lane.next_keys().unwrap();
            let message = card_message(&identity(), &request(1, 1000, None), &keys).unwrap();
            let mut wire = protocol::seal(message, &keys, Direction::Request).unwrap();
            let i = index % wire.len();
            wire[i] ^= flip;
            let _ = host.handle(&wire, NOW);
            prop_assert_eq!(host.stats().approvals, 0);
        }
    }
}
