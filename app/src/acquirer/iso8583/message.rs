//! An ISO 8583 message as values: the MTI plus a sorted map of field number to content.
//! Content is kept in its logical form (ASCII digits for n, characters for an/ans/z, raw
//! bytes for b), independent of the wire encoding.

use std::collections::BTreeMap;
use std::fmt;

use super::error::CodecError;

/// A message type indicator (version 0 = ISO 8583:1987).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mti(u16);

impl Mti {
    pub const AUTH_REQUEST: Mti = Mti(0x0100);
    pub const AUTH_RESPONSE: Mti = Mti(0x0110);
    pub const FINANCIAL_REQUEST: Mti = Mti(0x0200);
    pub const FINANCIAL_RESPONSE: Mti = Mti(0x0210);
    pub const ADVICE: Mti = Mti(0x0220);
    pub const ADVICE_RESPONSE: Mti = Mti(0x0230);
    pub const REVERSAL: Mti = Mti(0x0400);
    pub const REVERSAL_RESPONSE: Mti = Mti(0x0410);
    pub const REVERSAL_ADVICE: Mti = Mti(0x0420);
    pub const REVERSAL_ADVICE_RESPONSE: Mti = Mti(0x0430);
    pub const SETTLEMENT: Mti = Mti(0x0500);
    pub const SETTLEMENT_RESPONSE: Mti = Mti(0x0510);
    pub const NETWORK: Mti = Mti(0x0800);
    pub const NETWORK_RESPONSE: Mti = Mti(0x0810);

    const SUPPORTED: [Mti; 14] = [
        Self::AUTH_REQUEST,
        Self::AUTH_RESPONSE,
        Self::FINANCIAL_REQUEST,
        Self::FINANCIAL_RESPONSE,
        Self::ADVICE,
        Self::ADVICE_RESPONSE,
        Self::REVERSAL,
        Self::REVERSAL_RESPONSE,
        Self::REVERSAL_ADVICE,
        Self::REVERSAL_ADVICE_RESPONSE,
        Self::SETTLEMENT,
        Self::SETTLEMENT_RESPONSE,
        Self::NETWORK,
        Self::NETWORK_RESPONSE,
    ];

    /// The MTI from its packed-BCD wire form (e.g. `0x0200`), if it is one we speak.
    pub fn from_bcd(raw: u16) -> Result<Mti, CodecError> {
        let nibbles_ok = (0..4).all(|i| (raw >> (i * 4)) & 0xF <= 9);
        if !nibbles_ok {
            return Err(CodecError::BadMti(raw));
        }
        let mti = Mti(raw);
        if Self::SUPPORTED.contains(&mti) {
            Ok(mti)
        } else {
            Err(CodecError::UnsupportedMti(format!("{raw:04X}")))
        }
    }

    /// The packed-BCD wire form.
    pub fn bcd(self) -> u16 {
        self.0
    }

    /// The answer's MTI (0100 -> 0110); a response maps to itself.
    pub fn response(self) -> Mti {
        if self.is_response() {
            self
        } else {
            Mti(self.0 + 0x10)
        }
    }

    /// True when the function digit is odd: 0110 (request response), 0230 (advice response).
    pub fn is_response(self) -> bool {
        (self.0 >> 4) & 0x1 == 1
    }
}

impl fmt::Debug for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Display for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

/// Fields whose content must never be printed: PAN, tracks, PIN data, ICC data, card data.
const SECRET_FIELDS: [u8; 6] = [2, 35, 45, 52, 55, 127];

/// One ISO 8583 message.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    pub mti: Mti,
    fields: BTreeMap<u8, Vec<u8>>,
}

impl Message {
    pub fn new(mti: Mti) -> Self {
        Self {
            mti,
            fields: BTreeMap::new(),
        }
    }

    /// Sets a field's logical content (checked against the dialect on encode).
    pub fn set(&mut self, field: u8, value: impl Into<Vec<u8>>) -> &mut Self {
        self.fields.insert(field, value.into());
        self
    }

    /// Builder form of [`Message::set`].
    pub fn with(mut self, field: u8, value: impl Into<Vec<u8>>) -> Self {
        self.set(field, value);
        self
    }

    pub fn get(&self, field: u8) -> Option<&[u8]> {
        self.fields.get(&field).map(Vec::as_slice)
    }

    /// A text field as `&str` (n, an, ans, z fields are always ASCII after decoding).
    pub fn text(&self, field: u8) -> Option<&str> {
        self.get(field).and_then(|v| std::str::from_utf8(v).ok())
    }

    pub fn remove(&mut self, field: u8) -> Option<Vec<u8>> {
        self.fields.remove(&field)
    }

    pub fn has(&self, field: u8) -> bool {
        self.fields.contains_key(&field)
    }

    /// Present fields in ascending order.
    pub fn fields(&self) -> impl Iterator<Item = (u8, &[u8])> {
        self.fields.iter().map(|(k, v)| (*k, v.as_slice()))
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        map.entry(&"mti", &self.mti);
        for (number, value) in &self.fields {
            if SECRET_FIELDS.contains(number) {
                map.entry(number, &format_args!("<{} bytes hidden>", value.len()));
            } else if value.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                map.entry(number, &String::from_utf8_lossy(value));
            } else {
                map.entry(number, &format_args!("{}", hex::encode_upper(value)));
            }
        }
        map.finish()
    }
}
