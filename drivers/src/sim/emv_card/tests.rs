//! Unit tests of the virtual card on its own: commands in, responses checked with the same
//! hal crypto a terminal uses.

use super::*;
use crate::sim::card::CardModel;
use pos_hal::emv::ca::CaKeyTable;
use pos_hal::emv::crypto::{
    ac_data, arpc_method2, cvn18_ac, cvn18_session_key, open_sdad_dda, recover_icc_key,
    recover_issuer_key, script_mac, visa_sm_session_key,
};
use pos_hal::tlv::{Dol, find_bytes, parse};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn send(card: &mut EmvCard, apdu: &str) -> (Vec<u8>, [u8; 2]) {
    let r = card.process_apdu(&h(apdu));
    let n = r.len();
    (r[..n - 2].to_vec(), [r[n - 2], r[n - 1]])
}

fn select(aid: &str) -> String {
    format!("00A40400{:02X}{aid}00", aid.len() / 2)
}

#[test]
fn every_builtin_profile_loads_and_answers_select() {
    for name in builtin_names() {
        let mut card = EmvCard::builtin(name).unwrap();
        assert!(!card.atr().is_empty());
        let (_, sw) = send(&mut card, &select("A000000003"));
        let (_, sw2) = send(&mut card, &select("A000000004"));
        assert!(
            sw == [0x90, 0] || sw2 == [0x90, 0] || sw == [0x62, 0x83],
            "{name}"
        );
    }
}

#[test]
fn pse_directory_lists_both_applications() {
    let mut card = EmvCard::builtin("two_apps").unwrap();
    let (fci, sw) = send(&mut card, "00A404000E315041592E5359532E444446303100");
    assert_eq!(sw, [0x90, 0x00]);
    assert_eq!(find_bytes(&parse(&fci).unwrap(), tags::SFI).unwrap(), [1]);
    let (rec, sw) = send(&mut card, "00B2010C00");
    assert_eq!(sw, [0x90, 0x00]);
    let apps = pos_hal::tlv::find_all(&parse(&rec).unwrap(), tags::APP_TEMPLATE).len();
    assert_eq!(apps, 2);
    assert_eq!(send(&mut card, "00B2020C00").1, [0x6A, 0x83]);
}

#[test]
fn blocked_card_and_blocked_application() {
    let mut card = EmvCard::builtin("app_blocked").unwrap();
    assert_eq!(send(&mut card, &select("A0000000031010")).1, [0x62, 0x83]);
    assert_eq!(send(&mut card, "80A8000002830000").1, [0x69, 0x85]);
    let mut no_pse = EmvCard::builtin("mc_debit").unwrap();
    assert_eq!(
        send(&mut no_pse, "00A404000E315041592E5359532E444446303100").1,
        [0x6A, 0x82]
    );
}

#[test]
fn malformed_commands_get_status_words_not_panics() {
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    assert_eq!(send(&mut card, "00A4").1, [0x67, 0x00]);
    assert_eq!(send(&mut card, "00A40400FF01").1, [0x67, 0x00]);
    assert_eq!(send(&mut card, "00FF000000").1, [0x6D, 0x00]);
    assert_eq!(send(&mut card, "80AE800000").1, [0x69, 0x85]);
    send(&mut card, &select("A0000000031010"));
    // PDOL asks for 2 bytes (9F1A); sending none is a wrong length.
    assert_eq!(send(&mut card, "80A8000002830000").1, [0x67, 0x00]);
}

#[test]
fn offline_pin_right_wrong_and_blocked() {
    let mut card = EmvCard::builtin("mc_debit").unwrap();
    send(&mut card, &select("A0000000041010"));
    assert_eq!(
        send(&mut card, "0020008008241111FFFFFFFFFF").1,
        [0x63, 0xC2]
    );
    assert_eq!(send(&mut card, "80CA9F1700").0, h("9F170102"));
    assert_eq!(
        send(&mut card, "0020008008241234FFFFFFFFFF").1,
        [0x90, 0x00]
    );
    assert_eq!(card.pin_tries(), 3);
    for expected in [[0x63, 0xC2], [0x63, 0xC1], [0x69, 0x83], [0x69, 0x83]] {
        assert_eq!(send(&mut card, "0020008008241111FFFFFFFFFF").1, expected);
    }
    assert_eq!(
        send(&mut card, "0020008008241234FFFFFFFFFF").1,
        [0x69, 0x83]
    );
}

/// Reads SFI 1–2 records and returns all their objects and the ODA static data.
fn read_app(card: &mut EmvCard, aip: &[u8]) -> (Vec<pos_hal::tlv::Tlv>, Vec<u8>) {
    let mut all = Vec::new();
    let mut static_data = Vec::new();
    for (sfi, rec) in [(1u8, 1u8), (1, 2), (2, 1), (2, 2)] {
        let (r, sw) = send(card, &format!("00B2{rec:02X}{:02X}00", (sfi << 3) | 4));
        assert_eq!(sw, [0x90, 0x00]);
        let parsed = parse(&r).unwrap();
        if (sfi, rec) == (1, 1) {
            static_data.extend_from_slice(&pos_hal::tlv::encode(parsed[0].children()));
        }
        all.extend(parsed[0].children().iter().cloned());
    }
    static_data.extend_from_slice(aip);
    (all, static_data)
}

#[test]
fn dda_card_certificates_verify_with_the_shipped_ca_table() {
    let table = CaKeyTable::from_toml(include_str!("../../../../assets/ca/capk.toml")).unwrap();
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    send(&mut card, &select("A0000000031010"));
    let (gpo, sw) = send(&mut card, "80A80000048302082600");
    assert_eq!(sw, [0x90, 0x00]);
    let gpo = parse(&gpo).unwrap();
    let aip = find_bytes(&gpo, tags::AIP).unwrap().to_vec();
    let (objects, static_data) = read_app(&mut card, &aip);
    let get = |t| find_bytes(&objects, t).unwrap();
    let ca = table
        .find(&h("A000000003"), get(tags::CA_INDEX)[0])
        .unwrap();
    let today = [0x26, 0x11, 0x29];
    let issuer = recover_issuer_key(
        &ca.key,
        get(tags::ISSUER_CERT),
        get(tags::ISSUER_REMAINDER),
        get(tags::ISSUER_EXP),
        get(tags::PAN),
        today,
    )
    .unwrap();
    let icc = recover_icc_key(
        &issuer.key,
        get(tags::ICC_CERT),
        get(tags::ICC_REMAINDER),
        get(tags::ICC_EXP),
        get(tags::PAN),
        &static_data,
        today,
    )
    .unwrap();
    let (sdad, sw) = send(&mut card, "0088000004CAFEBABE00");
    assert_eq!(sw, [0x90, 0x00]);
    let sdad = parse(&sdad).unwrap();
    let idn = open_sdad_dda(&icc, sdad[0].bytes().unwrap(), &h("CAFEBABE")).unwrap();
    assert_eq!(idn.len(), 8);
}

#[test]
fn arqc_verifies_at_the_issuer_and_arpc_gets_a_tc() {
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    let mk = card.icc_master_key(0).unwrap();
    send(&mut card, &select("A0000000031010"));
    send(&mut card, "80A80000048302082600");
    let cdol1 = Dol::parse(&h(
        "9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704 9F3501 9F3403",
    ))
    .unwrap();
    let cdol1_data =
        h("000000001234 000000000000 0826 0000000000 0978 261129 00 11223344 22 420302");
    assert_eq!(cdol1_data.len(), cdol1.data_len());
    let (r, sw) = send(
        &mut card,
        &format!(
            "80AE8000{:02X}{}00",
            cdol1_data.len(),
            hex::encode(&cdol1_data)
        ),
    );
    assert_eq!(sw, [0x90, 0x00]);
    let body = parse(&r).unwrap()[0].bytes().unwrap().to_vec();
    assert_eq!(body[0], 0x80, "ARQC");
    let atc = [body[1], body[2]];
    assert_eq!(u16::from_be_bytes(atc), 0x11, "ATC incremented by GPO");
    let arqc: [u8; 8] = body[3..11].try_into().unwrap();
    let iad = body[11..].to_vec();
    // Issuer side: rebuild the AC input from the "field 55" values and check the ARQC.
    let values = cdol1.split(&cdol1_data).unwrap();
    let aip = h("3C00");
    let data = ac_data(|t| match t {
        tags::AIP => Some(&aip[..]),
        tags::ATC => Some(&atc[..]),
        tags::IAD => Some(&iad[..]),
        other => values.iter().find(|(k, _)| *k == other).map(|(_, v)| *v),
    });
    assert_eq!(cvn18_ac(&mk, atc, &data), arqc);
    let sk = cvn18_session_key(&mk, atc);
    let arpc = arpc_method2(&sk, arqc, [0; 4], &[]);
    let cdol2_data = [
        &b"00"[..],
        &arpc,
        &[0u8; 4],
        &h("0000000000"),
        &h("11223344"),
    ]
    .concat();
    let (r, sw) = send(
        &mut card,
        &format!(
            "80AE4000{:02X}{}00",
            cdol2_data.len(),
            hex::encode(&cdol2_data)
        ),
    );
    assert_eq!(sw, [0x90, 0x00]);
    assert_eq!(parse(&r).unwrap()[0].bytes().unwrap()[0], 0x40, "TC");

    // An issuer script (APPLICATION BLOCK) MAC'd under the AC session key is refused; under
    // the secure-messaging session key of the card's MK-SMI it is carried out.
    let script = |key: &pos_hal::emv::crypto::Key16| {
        let mac = script_mac(key, [0x84, 0x1E, 0x00, 0x00], &[], atc, arqc);
        format!("841E000008{}", hex::encode(mac))
    };
    let (_, sw) = send(&mut card, &script(&sk));
    assert_eq!(sw, [0x69, 0x88], "a script MAC'd with the AC key");
    let mk_smi = card.icc_smi_key(0).unwrap();
    assert_ne!(mk_smi, mk, "script integrity has its own master key");
    let (_, sw) = send(&mut card, &script(&visa_sm_session_key(&mk_smi, atc)));
    assert_eq!(sw, [0x90, 0x00]);
    let (_, sw) = send(&mut card, &select("A0000000031010"));
    assert_eq!(sw, [0x62, 0x83], "the application is now blocked");

    // A wrong ARPC makes the card decline.
    let mut card = EmvCard::builtin("visa_credit").unwrap();
    send(&mut card, &select("A0000000031010"));
    send(&mut card, "80A80000048302082600");
    send(
        &mut card,
        &format!(
            "80AE8000{:02X}{}00",
            cdol1_data.len(),
            hex::encode(&cdol1_data)
        ),
    );
    let bad = [
        &b"00"[..],
        &[1, 2, 3, 4],
        &[0u8; 4],
        &h("0000000000"),
        &h("11223344"),
    ]
    .concat();
    let (r, _) = send(
        &mut card,
        &format!("80AE4000{:02X}{}00", bad.len(), hex::encode(&bad)),
    );
    assert_eq!(parse(&r).unwrap()[0].bytes().unwrap()[0], 0x00, "AAC");
}
