//! The cryptogram version our cards, kernel tests and acquirer simulator agree on: Visa CVN 18
//! (the layout of knovichikhin/pyemv's HSM-checked vector): EMV common session key with
//! R = ATC ‖ `000000000000`; AC over 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖
//! 9F36 ‖ 9F10 with padding method 2; ARPC method 2. Issuer script MACs (Book 2 9.2) are
//! computed over the command header ‖ ATC ‖ ARQC ‖ data under a secure-messaging session key:
//! Visa's derivation from the card's own ICC master key for script integrity (MK-SMI, kept
//! apart from the AC key, as CVN 18 defines it).

use super::symmetric::{Key16, MacPadding, adjust_parity, generate_ac, retail_mac, session_key};
use crate::tlv::Tag;

/// The data objects in the AC input, with their lengths (zero-filled when absent).
pub const AC_DATA_TAGS: [(Tag, usize); 11] = [
    (Tag(0x9F02), 6),
    (Tag(0x9F03), 6),
    (Tag(0x9F1A), 2),
    (Tag(0x95), 5),
    (Tag(0x5F2A), 2),
    (Tag(0x9A), 3),
    (Tag(0x9C), 1),
    (Tag(0x9F37), 4),
    (Tag(0x82), 2),
    (Tag(0x9F36), 2),
    (Tag(0x9F10), 0),
];

/// Concatenates the AC input from a lookup (field 55 on the issuer side, CDOL data on the
/// card side). Fixed-length fields are zero-filled or cut to length; the IAD is taken whole.
pub fn ac_data<'a>(mut value_of: impl FnMut(Tag) -> Option<&'a [u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for (tag, len) in AC_DATA_TAGS {
        let v = value_of(tag).unwrap_or(&[]);
        if len == 0 {
            out.extend_from_slice(v);
        } else {
            let mut field = v.get(..len.min(v.len())).unwrap_or(&[]).to_vec();
            field.resize(len, 0);
            out.extend_from_slice(&field);
        }
    }
    out
}

/// The session key for an ATC.
pub fn cvn18_session_key(icc_mk: &Key16, atc: [u8; 2]) -> Key16 {
    session_key(icc_mk, [atc[0], atc[1], 0, 0, 0, 0, 0, 0])
}

/// The application cryptogram for an ATC and the AC input from [`ac_data`].
pub fn cvn18_ac(icc_mk: &Key16, atc: [u8; 2], data: &[u8]) -> [u8; 8] {
    generate_ac(&cvn18_session_key(icc_mk, atc), data, MacPadding::Method2)
}

/// Visa's secure-messaging session key for an ATC: the left half of MK-SMI XOR
/// `000000000000 ‖ ATC`, the right half XOR `000000000000 ‖ NOT ATC`, parity adjusted.
pub fn visa_sm_session_key(icc_mk_smi: &Key16, atc: [u8; 2]) -> Key16 {
    let mut key = *icc_mk_smi;
    key[6] ^= atc[0];
    key[7] ^= atc[1];
    key[14] ^= !atc[0];
    key[15] ^= !atc[1];
    adjust_parity(&mut key);
    key
}

/// The MAC an issuer script command carries (Book 2 9.2.1): over CLA INS P1 P2 Lc (Lc counts
/// the MAC) ‖ ATC ‖ ARQC ‖ command data without the MAC.
/// `sk` is the [`visa_sm_session_key`] of the card's MK-SMI.
pub fn script_mac(
    sk: &Key16,
    header: [u8; 4],
    data: &[u8],
    atc: [u8; 2],
    arqc: [u8; 8],
) -> [u8; 8] {
    let mut input = header.to_vec();
    input.push((data.len() + 8).min(255) as u8);
    input.extend_from_slice(&atc);
    input.extend_from_slice(&arqc);
    input.extend_from_slice(data);
    retail_mac(sk, &input, MacPadding::Method2)
}
