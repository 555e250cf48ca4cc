//! Issuer-side EMV checks on field 55 (Visa CVN 18, the layout our virtual cards and kernel
//! share through `hal::emv::crypto`): the ICC master key from the issuer master key (option
//! A), the ARQC recomputed over the field 55 data, and the ARPC (method 2) returned in tag 91.

use pos_hal::emv::crypto::{ac_data, arpc_method2, cvn18_ac, cvn18_session_key, derive_icc_mk};
use pos_hal::tlv::{self, Tag, Tlv};

use crate::acquirer::crypto::Key16;

const ARQC: Tag = Tag(0x9F26);
const ATC: Tag = Tag(0x9F36);
const ISSUER_AUTHENTICATION_DATA: Tag = Tag(0x91);
/// Card status update, byte 2 bit 8: the issuer approves the online transaction.
const CSU_APPROVED: [u8; 4] = [0x00, 0x80, 0x00, 0x00];
const CSU_DECLINED: [u8; 4] = [0x00, 0x00, 0x00, 0x00];

/// The result of checking field 55.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArqcCheck {
    /// No cryptogram to check (no field 55, or it carries no ARQC/ATC).
    Absent,
    /// Field 55 is not valid BER-TLV.
    Malformed,
    /// The ARQC is not what the card's key makes of this data.
    Wrong,
    /// Verified; keep what is needed for the ARPC.
    Verified {
        session_key: [u8; 16],
        arqc: [u8; 8],
    },
}

pub fn check_arqc(icc_data: Option<&[u8]>, imk: &Key16, pan: &str, psn: u8) -> ArqcCheck {
    let Some(icc_data) = icc_data else {
        return ArqcCheck::Absent;
    };
    let Ok(objects) = tlv::parse(icc_data) else {
        return ArqcCheck::Malformed;
    };
    let (Some(arqc), Some(atc)) = (
        tlv::find_bytes(&objects, ARQC),
        tlv::find_bytes(&objects, ATC),
    ) else {
        return ArqcCheck::Absent;
    };
    let (Ok(arqc), Ok(atc)) = (<[u8; 8]>::try_from(arqc), <[u8; 2]>::try_from(atc)) else {
        return ArqcCheck::Malformed;
    };
    let mk = derive_icc_mk(imk.bytes(), pan, psn);
    let data = ac_data(|tag| tlv::find_bytes(&objects, tag));
    if cvn18_ac(&mk, atc, &data) == arqc {
        ArqcCheck::Verified {
            session_key: cvn18_session_key(&mk, atc),
            arqc,
        }
    } else {
        ArqcCheck::Wrong
    }
}

/// Field 55 of the answer: tag 91 = ARPC (method 2) ‖ CSU.
pub fn issuer_authentication(session_key: &[u8; 16], arqc: [u8; 8], approved: bool) -> Vec<u8> {
    let csu = if approved { CSU_APPROVED } else { CSU_DECLINED };
    let arpc = arpc_method2(session_key, arqc, csu, &[]);
    let mut value = arpc.to_vec();
    value.extend_from_slice(&csu);
    Tlv::primitive(ISSUER_AUTHENTICATION_DATA, value).encode()
}
