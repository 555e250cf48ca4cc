//! BER tags as EMV uses them: 1 to 3 bytes (we accept 4), class and constructed bit in the
//! first byte, subsequent bytes while b8 = 1 (EMV Book 3 Annex B1).

use super::TlvError;
use std::fmt;

/// A BER tag, kept as its bytes packed big-endian into a `u32` (`0x9F02`, `0xDFDF39`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

/// Why a tag could not be read; the caller adds the offset.
pub(super) enum TagReadError {
    Truncated,
    TooLong,
}

impl TagReadError {
    pub(super) fn at(self, offset: usize) -> TlvError {
        match self {
            Self::Truncated => TlvError::TruncatedTag { offset },
            Self::TooLong => TlvError::TagTooLong { offset },
        }
    }
}

impl Tag {
    /// Reads a tag from the start of `input`; returns it and how many bytes it took.
    pub(super) fn read(input: &[u8]) -> Result<(Tag, usize), TagReadError> {
        let first = *input.first().ok_or(TagReadError::Truncated)?;
        let mut value = u32::from(first);
        let mut len = 1;
        if first & 0x1F == 0x1F {
            loop {
                let next = *input.get(len).ok_or(TagReadError::Truncated)?;
                len += 1;
                if len > 4 {
                    return Err(TagReadError::TooLong);
                }
                value = (value << 8) | u32::from(next);
                if next & 0x80 == 0 {
                    break;
                }
            }
        }
        Ok((Tag(value), len))
    }

    /// Parses a whole byte string as exactly one tag (for DOLs, tag lists, config).
    pub fn from_bytes(bytes: &[u8]) -> Result<Tag, TlvError> {
        let (tag, len) = Tag::read(bytes).map_err(|e| e.at(0))?;
        if len != bytes.len() {
            return Err(TlvError::TagTooLong { offset: 0 });
        }
        Ok(tag)
    }

    /// The tag's encoding.
    pub fn to_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        let skip = bytes.iter().take(3).take_while(|b| **b == 0).count();
        bytes[skip..].to_vec()
    }

    fn first_byte(self) -> u8 {
        self.to_bytes().first().copied().unwrap_or(0)
    }

    /// b6 of the first byte: the value is a list of objects.
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.to_bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

/// Names for the tags the kernel and the card use, so code reads `tags::PAN`, not `0x5A`.
#[allow(missing_docs)]
pub mod tags {
    use super::Tag;
    pub const AID_ICC: Tag = Tag(0x4F);
    pub const APP_LABEL: Tag = Tag(0x50);
    pub const TRACK2: Tag = Tag(0x57);
    pub const PAN: Tag = Tag(0x5A);
    pub const CARDHOLDER_NAME: Tag = Tag(0x5F20);
    pub const EXPIRY: Tag = Tag(0x5F24);
    pub const EFFECTIVE: Tag = Tag(0x5F25);
    pub const ISSUER_COUNTRY: Tag = Tag(0x5F28);
    pub const TXN_CURRENCY: Tag = Tag(0x5F2A);
    pub const LANG_PREF: Tag = Tag(0x5F2D);
    pub const SERVICE_CODE: Tag = Tag(0x5F30);
    pub const PSN: Tag = Tag(0x5F34);
    pub const APP_TEMPLATE: Tag = Tag(0x61);
    pub const FCI: Tag = Tag(0x6F);
    pub const RECORD: Tag = Tag(0x70);
    pub const SCRIPT_71: Tag = Tag(0x71);
    pub const SCRIPT_72: Tag = Tag(0x72);
    pub const DIR_DISCRETIONARY: Tag = Tag(0x73);
    pub const RESPONSE_FORMAT2: Tag = Tag(0x77);
    pub const RESPONSE_FORMAT1: Tag = Tag(0x80);
    pub const AIP: Tag = Tag(0x82);
    pub const COMMAND_TEMPLATE: Tag = Tag(0x83);
    pub const DF_NAME: Tag = Tag(0x84);
    pub const SCRIPT_COMMAND: Tag = Tag(0x86);
    pub const PRIORITY: Tag = Tag(0x87);
    pub const SFI: Tag = Tag(0x88);
    pub const AUTH_CODE: Tag = Tag(0x89);
    pub const ARC: Tag = Tag(0x8A);
    pub const CDOL1: Tag = Tag(0x8C);
    pub const CDOL2: Tag = Tag(0x8D);
    pub const CVM_LIST: Tag = Tag(0x8E);
    pub const CA_INDEX: Tag = Tag(0x8F);
    pub const ISSUER_CERT: Tag = Tag(0x90);
    pub const ISSUER_AUTH_DATA: Tag = Tag(0x91);
    pub const ISSUER_REMAINDER: Tag = Tag(0x92);
    pub const SSAD: Tag = Tag(0x93);
    pub const AFL: Tag = Tag(0x94);
    pub const TVR: Tag = Tag(0x95);
    pub const TDOL: Tag = Tag(0x97);
    pub const TXN_DATE: Tag = Tag(0x9A);
    pub const TSI: Tag = Tag(0x9B);
    pub const TXN_TYPE: Tag = Tag(0x9C);
    pub const FCI_PROPRIETARY: Tag = Tag(0xA5);
    pub const AMOUNT_AUTH: Tag = Tag(0x9F02);
    pub const AMOUNT_OTHER: Tag = Tag(0x9F03);
    pub const AID_TERMINAL: Tag = Tag(0x9F06);
    pub const AUC: Tag = Tag(0x9F07);
    pub const APP_VERSION_ICC: Tag = Tag(0x9F08);
    pub const APP_VERSION_TERMINAL: Tag = Tag(0x9F09);
    pub const IAC_DEFAULT: Tag = Tag(0x9F0D);
    pub const IAC_DENIAL: Tag = Tag(0x9F0E);
    pub const IAC_ONLINE: Tag = Tag(0x9F0F);
    pub const IAD: Tag = Tag(0x9F10);
    pub const ISSUER_CODE_TABLE: Tag = Tag(0x9F11);
    pub const APP_PREFERRED_NAME: Tag = Tag(0x9F12);
    pub const LAST_ONLINE_ATC: Tag = Tag(0x9F13);
    pub const LCOL: Tag = Tag(0x9F14);
    pub const PIN_TRY_COUNTER: Tag = Tag(0x9F17);
    pub const TERMINAL_COUNTRY: Tag = Tag(0x9F1A);
    pub const TERMINAL_ID: Tag = Tag(0x9F1C);
    pub const UCOL: Tag = Tag(0x9F23);
    pub const AC: Tag = Tag(0x9F26);
    pub const CID: Tag = Tag(0x9F27);
    pub const ICC_PIN_CERT: Tag = Tag(0x9F2D);
    pub const ICC_PIN_EXP: Tag = Tag(0x9F2E);
    pub const ICC_PIN_REMAINDER: Tag = Tag(0x9F2F);
    pub const ISSUER_EXP: Tag = Tag(0x9F32);
    pub const TERMINAL_CAPS: Tag = Tag(0x9F33);
    pub const CVM_RESULTS: Tag = Tag(0x9F34);
    pub const TERMINAL_TYPE: Tag = Tag(0x9F35);
    pub const ATC: Tag = Tag(0x9F36);
    pub const UN: Tag = Tag(0x9F37);
    pub const PDOL: Tag = Tag(0x9F38);
    pub const POS_ENTRY_MODE: Tag = Tag(0x9F39);
    pub const ADD_TERMINAL_CAPS: Tag = Tag(0x9F40);
    pub const APP_CURRENCY: Tag = Tag(0x9F42);
    pub const ICC_CERT: Tag = Tag(0x9F46);
    pub const ICC_EXP: Tag = Tag(0x9F47);
    pub const ICC_REMAINDER: Tag = Tag(0x9F48);
    pub const DDOL: Tag = Tag(0x9F49);
    pub const SDA_TAG_LIST: Tag = Tag(0x9F4A);
    pub const SDAD: Tag = Tag(0x9F4B);
    pub const ICC_DYNAMIC_NUMBER: Tag = Tag(0x9F4C);
    pub const TTQ: Tag = Tag(0x9F66);
    pub const CTQ: Tag = Tag(0x9F6C);
    pub const FFI: Tag = Tag(0x9F6E);
    pub const FCI_ISSUER_DISCRETIONARY: Tag = Tag(0xBF0C);
}
