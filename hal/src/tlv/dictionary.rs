//! The EMV data dictionary (EMV Book 3 Annex A, Book 4, and the contactless books for the few
//! tags the kernel uses): name, format and length range per tag, used to validate what a card
//! sends and to display it. Sensitive objects (PAN, track data) are only ever displayed masked.

use super::Tag;

/// EMV data element formats (Book 3 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Numeric: BCD digits, right-justified, leading zeros.
    N,
    /// Compressed numeric: BCD digits, left-justified, trailing `F` nibbles.
    Cn,
    /// Alphanumeric ASCII (letters and digits).
    An,
    /// Alphanumeric special: printable ASCII (the common character set).
    Ans,
    /// Binary.
    B,
    /// A constructed template: its value is more TLV objects.
    Template,
}

/// What the dictionary knows about a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagInfo {
    pub tag: Tag,
    pub name: &'static str,
    pub format: Format,
    /// Allowed value length in bytes, inclusive.
    pub min_len: usize,
    pub max_len: usize,
    /// PAN or track data: never displayed in clear.
    pub sensitive: bool,
}

/// Why a value does not fit its dictionary entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("tag {tag}: length {len} outside {min}..={max}")]
    Length {
        tag: Tag,
        len: usize,
        min: usize,
        max: usize,
    },
    #[error("tag {tag}: not valid {format:?} data")]
    Content { tag: Tag, format: Format },
}

const fn info(tag: u32, name: &'static str, format: Format, min: usize, max: usize) -> TagInfo {
    TagInfo {
        tag: Tag(tag),
        name,
        format,
        min_len: min,
        max_len: max,
        sensitive: false,
    }
}

const fn secret(tag: u32, name: &'static str, format: Format, min: usize, max: usize) -> TagInfo {
    TagInfo {
        tag: Tag(tag),
        name,
        format,
        min_len: min,
        max_len: max,
        sensitive: true,
    }
}

use Format::{An, Ans, B, Cn, N, Template as T};

/// Looked up linearly: about a hundred entries, read rarely.
static DICTIONARY: &[TagInfo] = &[
    info(0x42, "Issuer Identification Number", N, 3, 3),
    info(0x4F, "Application Identifier (ICC)", B, 5, 16),
    info(0x50, "Application Label", Ans, 1, 16),
    secret(0x56, "Track 1 Data", Ans, 0, 76),
    secret(0x57, "Track 2 Equivalent Data", B, 0, 19),
    secret(0x5A, "Application PAN", Cn, 0, 10),
    info(0x61, "Application Template", T, 0, 252),
    info(0x6F, "FCI Template", T, 0, 252),
    info(0x70, "READ RECORD Response Template", T, 0, 65535),
    info(0x71, "Issuer Script Template 1", T, 0, 255),
    info(0x72, "Issuer Script Template 2", T, 0, 255),
    info(0x73, "Directory Discretionary Template", T, 0, 252),
    info(0x77, "Response Message Template Format 2", T, 0, 65535),
    info(0x80, "Response Message Template Format 1", B, 0, 65535),
    info(0x82, "Application Interchange Profile", B, 2, 2),
    info(0x83, "Command Template", B, 0, 255),
    info(0x84, "Dedicated File Name", B, 5, 16),
    info(0x86, "Issuer Script Command", B, 0, 261),
    info(0x87, "Application Priority Indicator", B, 1, 1),
    info(0x88, "Short File Identifier", B, 1, 1),
    info(0x89, "Authorisation Code", An, 6, 6),
    info(0x8A, "Authorisation Response Code", An, 2, 2),
    info(0x8C, "CDOL1", B, 0, 252),
    info(0x8D, "CDOL2", B, 0, 252),
    info(0x8E, "CVM List", B, 10, 252),
    info(0x8F, "CA Public Key Index (ICC)", B, 1, 1),
    info(0x90, "Issuer Public Key Certificate", B, 0, 248),
    info(0x91, "Issuer Authentication Data", B, 8, 16),
    info(0x92, "Issuer Public Key Remainder", B, 0, 248),
    info(0x93, "Signed Static Application Data", B, 0, 248),
    info(0x94, "Application File Locator", B, 0, 252),
    info(0x95, "Terminal Verification Results", B, 5, 5),
    info(0x97, "TDOL", B, 0, 252),
    info(0x9A, "Transaction Date", N, 3, 3),
    info(0x9B, "Transaction Status Information", B, 2, 2),
    info(0x9C, "Transaction Type", N, 1, 1),
    info(0x9D, "DDF Name", B, 5, 16),
    info(0xA5, "FCI Proprietary Template", T, 0, 252),
    info(0x5F20, "Cardholder Name", Ans, 2, 26),
    info(0x5F24, "Application Expiration Date", N, 3, 3),
    info(0x5F25, "Application Effective Date", N, 3, 3),
    info(0x5F28, "Issuer Country Code", N, 2, 2),
    info(0x5F2A, "Transaction Currency Code", N, 2, 2),
    info(0x5F2D, "Language Preference", An, 2, 8),
    info(0x5F30, "Service Code", N, 2, 2),
    info(0x5F34, "PAN Sequence Number", N, 1, 1),
    info(0x5F36, "Transaction Currency Exponent", N, 1, 1),
    info(0x9F01, "Acquirer Identifier", N, 6, 6),
    info(0x9F02, "Amount, Authorised", N, 6, 6),
    info(0x9F03, "Amount, Other", N, 6, 6),
    info(0x9F06, "Application Identifier (Terminal)", B, 5, 16),
    info(0x9F07, "Application Usage Control", B, 2, 2),
    info(0x9F08, "Application Version Number (ICC)", B, 2, 2),
    info(0x9F09, "Application Version Number (Terminal)", B, 2, 2),
    info(0x9F0D, "Issuer Action Code - Default", B, 5, 5),
    info(0x9F0E, "Issuer Action Code - Denial", B, 5, 5),
    info(0x9F0F, "Issuer Action Code - Online", B, 5, 5),
    info(0x9F10, "Issuer Application Data", B, 0, 32),
    info(0x9F11, "Issuer Code Table Index", N, 1, 1),
    info(0x9F12, "Application Preferred Name", Ans, 1, 16),
    info(0x9F13, "Last Online ATC Register", B, 2, 2),
    info(0x9F14, "Lower Consecutive Offline Limit", B, 1, 1),
    info(0x9F15, "Merchant Category Code", N, 2, 2),
    info(0x9F16, "Merchant Identifier", Ans, 15, 15),
    info(0x9F17, "PIN Try Counter", B, 1, 1),
    info(0x9F1A, "Terminal Country Code", N, 2, 2),
    info(0x9F1B, "Terminal Floor Limit", B, 4, 4),
    info(0x9F1C, "Terminal Identification", An, 8, 8),
    info(0x9F1E, "IFD Serial Number", An, 8, 8),
    secret(0x9F1F, "Track 1 Discretionary Data", Ans, 0, 54),
    secret(0x9F20, "Track 2 Discretionary Data", Cn, 0, 16),
    info(0x9F21, "Transaction Time", N, 3, 3),
    info(0x9F23, "Upper Consecutive Offline Limit", B, 1, 1),
    info(0x9F26, "Application Cryptogram", B, 8, 8),
    info(0x9F27, "Cryptogram Information Data", B, 1, 1),
    info(
        0x9F2D,
        "ICC PIN Encipherment Public Key Certificate",
        B,
        0,
        248,
    ),
    info(0x9F2E, "ICC PIN Encipherment Public Key Exponent", B, 1, 3),
    info(
        0x9F2F,
        "ICC PIN Encipherment Public Key Remainder",
        B,
        0,
        248,
    ),
    info(0x9F32, "Issuer Public Key Exponent", B, 1, 3),
    info(0x9F33, "Terminal Capabilities", B, 3, 3),
    info(0x9F34, "CVM Results", B, 3, 3),
    info(0x9F35, "Terminal Type", N, 1, 1),
    info(0x9F36, "Application Transaction Counter", B, 2, 2),
    info(0x9F37, "Unpredictable Number", B, 4, 4),
    info(0x9F38, "PDOL", B, 0, 252),
    info(0x9F39, "POS Entry Mode", N, 1, 1),
    info(0x9F40, "Additional Terminal Capabilities", B, 5, 5),
    info(0x9F41, "Transaction Sequence Counter", N, 2, 4),
    info(0x9F42, "Application Currency Code", N, 2, 2),
    info(0x9F44, "Application Currency Exponent", N, 1, 1),
    info(0x9F45, "Data Authentication Code", B, 2, 2),
    info(0x9F46, "ICC Public Key Certificate", B, 0, 248),
    info(0x9F47, "ICC Public Key Exponent", B, 1, 3),
    info(0x9F48, "ICC Public Key Remainder", B, 0, 248),
    info(0x9F49, "DDOL", B, 0, 252),
    info(0x9F4A, "Static Data Authentication Tag List", B, 0, 252),
    info(0x9F4B, "Signed Dynamic Application Data", B, 0, 248),
    info(0x9F4C, "ICC Dynamic Number", B, 2, 8),
    info(0x9F4D, "Log Entry", B, 2, 2),
    info(0x9F4E, "Merchant Name and Location", Ans, 0, 255),
    info(0x9F4F, "Log Format", B, 0, 252),
    info(0x9F66, "Terminal Transaction Qualifiers", B, 4, 4),
    info(0x9F6C, "Card Transaction Qualifiers", B, 2, 2),
    info(0x9F6E, "Form Factor Indicator / Third Party Data", B, 4, 32),
    info(0xBF0C, "FCI Issuer Discretionary Data", T, 0, 222),
];

/// The dictionary entry for `tag`, if we know it.
pub fn lookup(tag: Tag) -> Option<&'static TagInfo> {
    DICTIONARY.iter().find(|i| i.tag == tag)
}

impl TagInfo {
    /// Checks a value's length and content against this entry.
    pub fn validate(&self, value: &[u8]) -> Result<(), FormatError> {
        if value.len() < self.min_len || value.len() > self.max_len {
            return Err(FormatError::Length {
                tag: self.tag,
                len: value.len(),
                min: self.min_len,
                max: self.max_len,
            });
        }
        let ok = match self.format {
            Format::N => nibbles(value).all(|n| n <= 9),
            Format::Cn => {
                let digits = nibbles(value).take_while(|n| *n <= 9).count();
                nibbles(value).skip(digits).all(|n| n == 0xF)
            }
            Format::An => value.iter().all(u8::is_ascii_alphanumeric),
            Format::Ans => value.iter().all(|b| (0x20..=0x7E).contains(b)),
            Format::B | Format::Template => true,
        };
        if ok {
            Ok(())
        } else {
            Err(FormatError::Content {
                tag: self.tag,
                format: self.format,
            })
        }
    }
}

fn nibbles(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    bytes.iter().flat_map(|b| [b >> 4, b & 0x0F])
}

/// Digits of a BCD/cn value, stopping at the first non-digit nibble (`F` padding, `D`).
pub(crate) fn bcd_digits(bytes: &[u8]) -> String {
    nibbles(bytes)
        .map_while(|n| char::from_digit(u32::from(n), 10))
        .collect()
}

/// Keeps the first 6 and last 4 digits of a PAN, replacing the rest with `*`.
/// Shorter numbers keep only the last 4.
pub fn mask_pan_digits(pan: &str) -> String {
    let n = pan.chars().count();
    pan.chars()
        .enumerate()
        .map(|(i, c)| {
            let keep = i + 4 >= n || (n >= 13 && i < 6);
            if keep { c } else { '*' }
        })
        .collect()
}

/// A human-readable rendering of a value: digits for n/cn, text for an/ans, hex otherwise.
/// PAN and track data are masked (first 6 / last 4 of the PAN, the rest of a track hidden).
pub fn display_value(tag: Tag, value: &[u8]) -> String {
    let Some(info) = lookup(tag) else {
        return hex(value);
    };
    if info.sensitive {
        return match tag.0 {
            0x5A => mask_pan_digits(&bcd_digits(value)),
            0x57 => format!("{}D****", mask_pan_digits(&bcd_digits(value))),
            _ => format!("<{} bytes masked>", value.len()),
        };
    }
    match info.format {
        Format::N | Format::Cn => bcd_digits(value),
        Format::An | Format::Ans if info.validate(value).is_ok() => {
            String::from_utf8_lossy(value).into_owned()
        }
        _ => hex(value),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
