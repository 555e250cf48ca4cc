//! Tests for BER-TLV parsing, DOLs and the dictionary, including every pitfall of
//! EMV Book 3 Annex B listed in the project's payments reference (section 4.1).

use super::*;
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn two_application_templates_in_a_pse_record_are_both_kept_in_order() {
    let record = h("70 1C 61 0C 4F 07 A0000000031010 87 01 01 61 0C 4F 07 A0000000041010 87 01 02");
    let parsed = parse(&record).unwrap();
    let apps = find_all(&parsed, tags::APP_TEMPLATE);
    assert_eq!(apps.len(), 2);
    assert_eq!(
        find_bytes(apps[0].children(), tags::AID_ICC).unwrap(),
        h("A0000000031010")
    );
    assert_eq!(
        find_bytes(apps[1].children(), tags::AID_ICC).unwrap(),
        h("A0000000041010")
    );
}

#[test]
fn zero_padding_between_objects_is_ignored() {
    let parsed = parse(&h("00 00 5A 02 1234 00 9F36 02 0001 00")).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[1].tag, Tag(0x9F36));
}

#[test]
fn ff_padding_depends_on_the_policy() {
    // openemv emv-utils test 5: a record template followed by FF FF.
    let data = h("70 04 5F 34 01 01 FF FF");
    assert_eq!(parse(&data), Err(TlvError::UnexpectedPadding { offset: 6 }));
    let parsed = parse_with(&data, Padding::ZerosAndFf).unwrap();
    assert_eq!(parsed.len(), 1);
}

#[test]
fn indefinite_length_is_refused() {
    assert_eq!(
        parse(&h("70 80 5A 01 12 00 00")),
        Err(TlvError::IndefiniteLength { offset: 1 })
    );
}

#[test]
fn three_byte_tags_are_read() {
    let parsed = parse(&h("DF DF 39 01 AA 9F 81 01 02 BBCC")).unwrap();
    assert_eq!(parsed[0].tag, Tag(0xDFDF39));
    assert_eq!(parsed[1].tag, Tag(0x9F8101));
    assert_eq!(parsed[1].bytes().unwrap(), h("BBCC"));
}

#[test]
fn long_form_lengths_are_read() {
    let mut data = h("90 81 80");
    data.extend(vec![0xAB; 0x80]);
    data.extend(h("93 82 01 00"));
    data.extend(vec![0xCD; 0x100]);
    let parsed = parse(&data).unwrap();
    assert_eq!(parsed[0].bytes().unwrap().len(), 0x80);
    assert_eq!(parsed[1].bytes().unwrap().len(), 0x100);
}

#[test]
fn tvr_is_a_one_byte_tag_in_a_dol() {
    let dol = Dol::parse(&h("9F02 06 95 05 9F37 04")).unwrap();
    assert_eq!(
        dol.entries[1],
        DolEntry {
            tag: Tag(0x95),
            len: 5
        }
    );
    assert_eq!(dol.data_len(), 15);
}

#[test]
fn malformed_input_gives_typed_errors() {
    assert_eq!(parse(&h("9F")), Err(TlvError::TruncatedTag { offset: 0 }));
    assert_eq!(
        parse(&h("9F 81 81 81 01 00")),
        Err(TlvError::TagTooLong { offset: 0 })
    );
    assert_eq!(
        parse(&h("5A")),
        Err(TlvError::TruncatedLength { offset: 1 })
    );
    assert_eq!(
        parse(&h("5A 82 01")),
        Err(TlvError::TruncatedLength { offset: 1 })
    );
    assert_eq!(
        parse(&h("5A 84 00 00 00 01 00")),
        Err(TlvError::LengthTooLong {
            offset: 1,
            bytes: 4
        })
    );
    assert_eq!(
        parse(&h("5A 05 1234")),
        Err(TlvError::ValueOverrun {
            tag: Tag(0x5A),
            offset: 0,
            declared: 5,
            available: 2
        })
    );
    // A child overrunning its template reports the absolute offset.
    assert_eq!(
        parse(&h("70 04 5A 05 1234")),
        Err(TlvError::ValueOverrun {
            tag: Tag(0x5A),
            offset: 2,
            declared: 5,
            available: 2
        })
    );
}

#[test]
fn duplicate_tags_are_kept() {
    let parsed = parse(&h("9F36 02 0001 9F36 02 0002")).unwrap();
    assert_eq!(find_all(&parsed, Tag(0x9F36)).len(), 2);
    assert_eq!(find_bytes(&parsed, Tag(0x9F36)).unwrap(), h("0001"));
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let mut data = h("5A 01 12");
    for _ in 0..40 {
        let mut outer = vec![0x70];
        encode_length(data.len(), &mut outer);
        outer.extend(data);
        data = outer;
    }
    assert!(matches!(parse(&data), Err(TlvError::TooDeep { .. })));
}

#[test]
fn format2_gpo_response_from_a_real_card_parses() {
    // devnied/EMV-NFC-Paycard-Enrollment VisaCardPpse (masked): format-2 GPO answer.
    let gpo = h("77 0E 82 02 2000 94 08 08010100 10010301");
    let parsed = parse(&gpo).unwrap();
    assert_eq!(find_bytes(&parsed, tags::AIP).unwrap(), h("2000"));
    assert_eq!(find_bytes(&parsed, tags::AFL).unwrap().len(), 8);
}

#[test]
fn dol_build_pads_and_truncates_by_format() {
    // EMV Book 3 section 5.4 rules.
    let dol = Dol::parse(&h(
        "9F02 08 9F02 04 5A 0A 5A 02 50 04 50 02 9F37 04 DF01 02 70 03",
    ))
    .unwrap();
    let amount = h("000000001234");
    let pan = h("4761739001010119");
    let label = b"VISA CREDIT".to_vec();
    let data = dol.build(|tag| match tag.0 {
        0x9F02 => Some(&amount[..]),
        0x5A => Some(&pan[..]),
        0x50 => Some(&label[..]),
        _ => None,
    });
    let expected = [
        "0000000000001234",     // n, longer: left-pad 00
        "00001234",             // n, shorter: keep rightmost
        "4761739001010119FFFF", // cn: right-pad FF
        "4761",                 // cn: keep leftmost
        "56495341",             // ans: keep leftmost "VISA"
        "5649",
        "00000000", // missing: zeros
        "0000",     // unknown and missing
        "000000",   // constructed: zeros
    ]
    .concat();
    assert_eq!(data, h(&expected));
}

#[test]
fn dol_may_repeat_a_tag_and_split_inverts_build() {
    // python-emv test_dol: a DOL repeating a tag is legal.
    let dol = Dol::parse(&h("9F37 04 9F37 04")).unwrap();
    let un = h("01020304");
    let data = dol.build(|_| Some(&un[..]));
    assert_eq!(data, h("0102030401020304"));
    let split = dol.split(&data).unwrap();
    assert_eq!(split.len(), 2);
    assert!(dol.split(&data[1..]).is_none());
    assert_eq!(dol.encode(), h("9F37 04 9F37 04"));
}

#[test]
fn dol_parse_rejects_truncation() {
    assert_eq!(
        Dol::parse(&h("9F")),
        Err(TlvError::TruncatedTag { offset: 0 })
    );
    assert_eq!(
        Dol::parse(&h("9F02")),
        Err(TlvError::TruncatedLength { offset: 2 })
    );
    assert_eq!(
        Dol::parse(&h("9F02 06 9F37")),
        Err(TlvError::TruncatedLength { offset: 5 })
    );
}

#[test]
fn dictionary_validates_formats() {
    let n = lookup(Tag(0x9F02)).unwrap();
    assert!(n.validate(&h("000000001234")).is_ok());
    assert!(n.validate(&h("00000000123A")).is_err());
    assert!(n.validate(&h("001234")).is_err());
    let cn = lookup(tags::PAN).unwrap();
    assert!(cn.validate(&h("1234560012345608")).is_ok());
    assert!(cn.validate(&h("123456001234560F")).is_ok());
    assert!(cn.validate(&h("12F4")).is_err());
    let an = lookup(tags::ARC).unwrap();
    assert!(an.validate(b"00").is_ok());
    assert!(an.validate(b"0 ").is_err());
    let ans = lookup(tags::APP_LABEL).unwrap();
    assert!(ans.validate(b"VISA CREDIT").is_ok());
    assert!(ans.validate(&[0x07]).is_err());
}

#[test]
fn display_masks_pan_and_track2() {
    assert_eq!(
        display_value(tags::PAN, &h("4761739001010119")),
        "476173******0119"
    );
    let t2 = h("4761739001010119D22122011758928889");
    let shown = display_value(tags::TRACK2, &t2);
    assert_eq!(shown, "476173******0119D****");
    assert!(!shown.contains("22122011758928889"));
    assert_eq!(
        display_value(tags::AMOUNT_AUTH, &h("000000001234")),
        "000000001234"
    );
    assert_eq!(display_value(tags::APP_LABEL, b"VISA"), "VISA");
    assert_eq!(display_value(tags::TVR, &h("0000008000")), "0000008000");
}

#[test]
fn tag_encoding_and_class() {
    assert_eq!(Tag(0x9F02).to_bytes(), h("9F02"));
    assert_eq!(Tag(0x5A).to_bytes(), h("5A"));
    assert!(tags::RECORD.is_constructed());
    assert!(!tags::PAN.is_constructed());
    assert!(tags::FCI_ISSUER_DISCRETIONARY.is_constructed());
    assert_eq!(Tag::from_bytes(&h("9F8101")).unwrap(), Tag(0x9F8101));
    assert!(Tag::from_bytes(&h("9F0201")).is_err());
}

fn arb_tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        // one-byte primitive tags, avoiding 00/FF padding and the multi-byte marker
        (0x01u32..0x1F).prop_map(|t| Tag(t | 0x40)),
        (0x9F01u32..0x9F7F).prop_map(Tag),
        (0xDF8101u32..0xDF817F).prop_map(Tag),
    ]
}

fn arb_tlv() -> impl Strategy<Value = Tlv> {
    let leaf = (arb_tag(), proptest::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(t, v)| Tlv::primitive(t, v));
    leaf.prop_recursive(3, 24, 4, |inner| {
        (
            prop_oneof![Just(Tag(0x70)), Just(Tag(0x77)), Just(Tag(0xBF0C))],
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(t, c)| Tlv::constructed(t, c))
    })
}

proptest! {
    #[test]
    fn encode_then_parse_round_trips(objects in proptest::collection::vec(arb_tlv(), 0..5)) {
        let bytes = encode(&objects);
        prop_assert_eq!(parse(&bytes).unwrap(), objects);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_with(&bytes, Padding::ZerosAndFf);
        let _ = Dol::parse(&bytes);
    }

    #[test]
    fn dol_build_always_has_the_declared_length(
        entries in proptest::collection::vec((arb_tag(), 0usize..40), 0..8),
        value in proptest::collection::vec(any::<u8>(), 0..50),
    ) {
        let dol = Dol { entries: entries.into_iter().map(|(tag, len)| DolEntry { tag, len }).collect() };
        prop_assert_eq!(dol.build(|_| Some(&value[..])).len(), dol.data_len());
    }
}
