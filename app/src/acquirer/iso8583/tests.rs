//! Codec tests: hand-checked wire bytes, every error path, and a proptest round trip.

use proptest::prelude::*;

use super::*;
use crate::acquirer::iso8583::spec::{Kind, Length};

fn auth_request() -> Message {
    Message::new(Mti::AUTH_REQUEST)
        .with(3, "000000")
        .with(4, "000000001234")
        .with(11, "000042")
        .with(22, "051")
        .with(41, "LANE0001")
        .with(55, vec![0x9F, 0x36, 0x02, 0x00, 0x01])
}

#[test]
fn encodes_known_wire_bytes() {
    let wire = encode(&POS_1987, &auth_request()).unwrap();
    let expected = [
        "0100",             // MTI
        "3020040000800200", // bitmap: 3 4 11 22 41 55
        "000000",           // 3 n6 BCD
        "000000001234",     // 4 n12 BCD
        "000042",           // 11
        "0051",             // 22 n3, right-justified
        "4C414E4530303031", // 41 ans8 ASCII
        "0005",             // 55 LLL as 2 BCD bytes
        "9F36020001",
    ]
    .concat();
    assert_eq!(hex::encode_upper(&wire), expected);
    assert_eq!(decode(&POS_1987, &wire).unwrap(), auth_request());
}

#[test]
fn secondary_bitmap_is_written_only_when_needed() {
    let msg = Message::new(Mti::NETWORK)
        .with(11, "000001")
        .with(70, "301");
    let wire = encode(&POS_1987, &msg).unwrap();
    // bit 1 set in the primary bitmap, bit 70 (bit 6 of secondary) set
    assert_eq!(
        &wire[2..18],
        hex::decode("80200000000000000400000000000000").unwrap()
    );
    assert_eq!(decode(&POS_1987, &wire).unwrap(), msg);
    let short = encode(&POS_1987, &Message::new(Mti::NETWORK).with(11, "000001")).unwrap();
    assert_eq!(short.len(), 2 + 8 + 3);
}

#[test]
fn track2_is_left_justified_with_f_pad() {
    let msg = Message::new(Mti::AUTH_REQUEST).with(35, "1234560012345608D1811221");
    let wire = encode(&POS_1987, &msg).unwrap();
    assert_eq!(hex::encode_upper(&wire[10..]), "241234560012345608D1811221");
    let odd = Message::new(Mti::AUTH_REQUEST).with(35, "4761739001010119D2212201");
    assert_eq!(
        decode(&POS_1987, &encode(&POS_1987, &odd).unwrap()).unwrap(),
        odd
    );
    let odd = Message::new(Mti::AUTH_REQUEST).with(35, "476173900101011D2212201");
    let wire = encode(&POS_1987, &odd).unwrap();
    assert_eq!(wire.last(), Some(&0x1F));
    assert_eq!(decode(&POS_1987, &wire).unwrap(), odd);
}

#[test]
fn truncated_message_names_the_field() {
    let wire = encode(&POS_1987, &auth_request()).unwrap();
    let err = decode(&POS_1987, &wire[..wire.len() - 1]).unwrap_err();
    assert_eq!(
        err,
        CodecError::Field {
            field: 55,
            name: "integrated circuit card system related data",
            problem: FieldProblem::Truncated {
                needed: 5,
                available: 4
            }
        }
    );
    assert!(
        err.to_string()
            .starts_with("field 55 (integrated circuit card")
    );
    assert!(matches!(
        decode(&POS_1987, &wire[..5]),
        Err(CodecError::Truncated {
            part: "primary bitmap",
            ..
        })
    ));
    assert!(matches!(
        decode(&POS_1987, &[]),
        Err(CodecError::Truncated { part: "MTI", .. })
    ));
    let err = decode(&POS_1987, &wire[..12]).unwrap_err();
    assert!(matches!(err, CodecError::Field { field: 3, .. }), "{err}");
}

#[test]
fn bitmap_naming_an_undefined_field_is_rejected() {
    let mut wire = encode(&POS_1987, &auth_request()).unwrap();
    wire[2] |= 0x08; // field 5 is not in the dialect
    assert_eq!(decode(&POS_1987, &wire), Err(CodecError::UnknownField(5)));
    // secondary bitmap announced but missing
    let mut wire = encode(&POS_1987, &Message::new(Mti::NETWORK).with(11, "000001")).unwrap();
    wire[2] |= 0x80;
    assert!(matches!(
        decode(&POS_1987, &wire),
        Err(CodecError::Truncated {
            part: "secondary bitmap",
            needed: 8,
            available: 3
        })
    ));
    // secondary bitmap announced, present, but naming nothing: not canonical, rejected
    let mut wire = hex::decode("08008000000000000000").unwrap();
    wire.extend([0u8; 8]);
    assert_eq!(
        decode(&POS_1987, &wire),
        Err(CodecError::EmptySecondaryBitmap)
    );
    // a set bit whose data is absent is a truncated field
    let mut wire = encode(&POS_1987, &Message::new(Mti::NETWORK).with(11, "000001")).unwrap();
    wire[2] |= 0x20; // field 3
    assert!(matches!(
        decode(&POS_1987, &wire),
        Err(CodecError::Field { field: 11, .. })
    ));
}

#[test]
fn oversize_variable_field_is_rejected_both_ways() {
    let too_long = Message::new(Mti::AUTH_REQUEST).with(2, "12345678901234567890");
    assert_eq!(
        encode(&POS_1987, &too_long),
        Err(CodecError::Field {
            field: 2,
            name: "primary account number",
            problem: FieldProblem::TooLong {
                length: 20,
                max: 19
            }
        })
    );
    // hand-built: field 55 announcing 300 bytes (max 255)
    let mut wire = hex::decode("0100").unwrap();
    wire.extend(hex::decode("0000000000000200").unwrap());
    wire.extend(hex::decode("0300").unwrap());
    wire.extend(vec![0u8; 300]);
    assert!(matches!(
        decode(&POS_1987, &wire),
        Err(CodecError::Field {
            field: 55,
            problem: FieldProblem::TooLong {
                length: 300,
                max: 255
            },
            ..
        })
    ));
}

#[test]
fn bad_content_is_rejected_with_position_not_value() {
    let err = encode(
        &POS_1987,
        &Message::new(Mti::AUTH_REQUEST).with(4, "00000000123A"),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CodecError::Field {
            field: 4,
            problem: FieldProblem::BadCharacter { position: 11 },
            ..
        }
    ));
    assert!(matches!(
        encode(&POS_1987, &Message::new(Mti::AUTH_REQUEST).with(11, "42")),
        Err(CodecError::Field {
            field: 11,
            problem: FieldProblem::WrongLength {
                length: 2,
                expected: 6
            },
            ..
        })
    ));
    // A-F nibble in a BCD amount
    let mut wire = encode(
        &POS_1987,
        &Message::new(Mti::AUTH_REQUEST).with(4, "000000001234"),
    )
    .unwrap();
    let last = wire.len() - 1;
    wire[last] = 0x3A;
    assert!(matches!(
        decode(&POS_1987, &wire),
        Err(CodecError::Field {
            field: 4,
            problem: FieldProblem::BadBcd { position: 11 },
            ..
        })
    ));
    // PAN digits never appear in the error text
    let pan = Message::new(Mti::AUTH_REQUEST).with(2, "4012345678909X");
    let text = encode(&POS_1987, &pan).unwrap_err().to_string();
    assert!(!text.contains("4012345678909"), "{text}");
    assert!(!format!("{pan:?}").contains("4012345678909"));
}

#[test]
fn bad_length_prefix_and_mti_and_trailing_bytes() {
    let mut wire = hex::decode("01004000000000000000").unwrap();
    wire.extend([0x1A]); // LL prefix with an A nibble
    assert!(matches!(
        decode(&POS_1987, &wire),
        Err(CodecError::Field {
            field: 2,
            problem: FieldProblem::BadLengthPrefix,
            ..
        })
    ));
    assert_eq!(
        decode(&POS_1987, &hex::decode("0A000000000000000000").unwrap()),
        Err(CodecError::BadMti(0x0A00))
    );
    assert!(matches!(
        decode(&POS_1987, &hex::decode("09990000000000000000").unwrap()),
        Err(CodecError::UnsupportedMti(_))
    ));
    let mut wire = encode(&POS_1987, &auth_request()).unwrap();
    wire.push(0);
    assert_eq!(decode(&POS_1987, &wire), Err(CodecError::TrailingBytes(1)));
}

#[test]
fn ascii_length_prefix_dialect_works_from_the_same_table() {
    let ascii = Dialect {
        name: "ascii",
        length_prefix: spec::Encoding::Ascii,
        ..POS_1987
    };
    let wire = encode(&ascii, &auth_request()).unwrap();
    assert!(hex::encode_upper(&wire).ends_with("3030359F36020001"));
    assert_eq!(decode(&ascii, &wire).unwrap(), auth_request());
}

#[test]
fn every_mti_in_the_brief_round_trips() {
    for raw in [
        0x0100u16, 0x0110, 0x0200, 0x0210, 0x0220, 0x0230, 0x0400, 0x0410, 0x0420, 0x0430, 0x0500,
        0x0510, 0x0800, 0x0810,
    ] {
        let mti = Mti::from_bcd(raw).unwrap();
        let msg = Message::new(mti).with(11, "123456").with(128, vec![1u8; 8]);
        assert_eq!(
            decode(&POS_1987, &encode(&POS_1987, &msg).unwrap()).unwrap(),
            msg
        );
        assert!(mti.response().is_response());
    }
    assert_eq!(Mti::REVERSAL.response(), Mti::REVERSAL_RESPONSE);
}

fn value_for(spec: &spec::FieldSpec) -> BoxedStrategy<Vec<u8>> {
    let chars: BoxedStrategy<u8> = match spec.kind {
        Kind::N => (b'0'..=b'9').boxed(),
        Kind::Z => prop_oneof![9 => b'0'..=b'9', 1 => Just(b'D')].boxed(),
        Kind::An => prop_oneof![b'A'..=b'Z', b'a'..=b'z', b'0'..=b'9', Just(b' ')].boxed(),
        Kind::Ans => (0x20u8..=0x7E).boxed(),
        Kind::B => any::<u8>().boxed(),
    };
    let range = match spec.length {
        Length::Fixed(n) => usize::from(n)..=usize::from(n),
        Length::LlVar(max) | Length::LllVar(max) => 0..=usize::from(max).min(64),
    };
    proptest::collection::vec(chars, range).boxed()
}

fn any_message() -> impl Strategy<Value = Message> {
    let fields = POS_1987.fields;
    let mtis = [
        0x0100u16, 0x0110, 0x0200, 0x0210, 0x0220, 0x0400, 0x0500, 0x0800, 0x0810,
    ];
    (
        proptest::sample::select(mtis.to_vec()),
        proptest::sample::subsequence(fields.to_vec(), 0..fields.len()),
    )
        .prop_flat_map(|(mti, chosen)| {
            let values: Vec<_> = chosen.iter().map(value_for).collect();
            let numbers: Vec<u8> = chosen.iter().map(|s| s.number).collect();
            (Just(mti), Just(numbers), values)
        })
        .prop_map(|(mti, numbers, values)| {
            let mut msg = Message::new(Mti::from_bcd(mti).unwrap());
            for (n, v) in numbers.into_iter().zip(values) {
                msg.set(n, v);
            }
            msg
        })
}

proptest! {
    #[test]
    fn any_valid_message_round_trips(msg in any_message()) {
        let wire = encode(&POS_1987, &msg).unwrap();
        prop_assert_eq!(decode(&POS_1987, &wire).unwrap(), msg);
    }

    #[test]
    fn decoder_never_panics_on_noise(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&POS_1987, &bytes);
    }

    #[test]
    fn decoder_never_panics_on_mutated_messages(msg in any_message(), index in any::<usize>(), byte in any::<u8>()) {
        let mut wire = encode(&POS_1987, &msg).unwrap();
        let i = index % wire.len();
        wire[i] = byte;
        let _ = decode(&POS_1987, &wire);
    }
}
