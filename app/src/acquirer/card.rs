//! The sensitive card data that travels encrypted in field 127, and its masking. The clear
//! form exists only in memory between the kernel and the DUKPT encryption (lane) or between
//! decryption and the issuer checks (host); Debug shows the masked PAN only.

use std::fmt;

/// Why card data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardDataError {
    #[error("PAN must be 12 to 19 digits with a valid Luhn check digit")]
    BadPan,
    #[error("expiry must be YYMM")]
    BadExpiry,
    #[error("track 2 equivalent data is malformed")]
    BadTrack2,
    #[error("encrypted card data is malformed")]
    Malformed,
}

/// PAN, expiry and optionally track 2 equivalent data of one card.
#[derive(Clone, PartialEq, Eq)]
pub struct CardData {
    pan: String,
    expiry: String,
    track2: Option<String>,
    pan_sequence: Option<u8>,
}

const TAG_PAN: u8 = 0x01;
const TAG_EXPIRY: u8 = 0x02;
const TAG_TRACK2: u8 = 0x03;
const TAG_PSN: u8 = 0x04;

/// Luhn check over an all-digit string.
pub fn luhn_valid(pan: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in pan.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

fn valid_pan(pan: &str) -> bool {
    (12..=19).contains(&pan.len()) && pan.bytes().all(|b| b.is_ascii_digit()) && luhn_valid(pan)
}

fn valid_expiry(expiry: &str) -> bool {
    expiry.len() == 4
        && expiry.bytes().all(|b| b.is_ascii_digit())
        && matches!(
            &expiry[2..],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
}

impl CardData {
    pub fn new(pan: &str, expiry: &str) -> Result<Self, CardDataError> {
        if !valid_pan(pan) {
            return Err(CardDataError::BadPan);
        }
        if !valid_expiry(expiry) {
            return Err(CardDataError::BadExpiry);
        }
        Ok(Self {
            pan: pan.to_owned(),
            expiry: expiry.to_owned(),
            track2: None,
            pan_sequence: None,
        })
    }

    /// From track 2 equivalent data: `PAN D YYMM service-code discretionary [F]`.
    pub fn from_track2(track2: &str) -> Result<Self, CardDataError> {
        let track2 = track2.trim_end_matches(['F', 'f']);
        let (pan, rest) = track2
            .split_once(['D', 'd', '='])
            .ok_or(CardDataError::BadTrack2)?;
        let expiry = rest.get(..4).ok_or(CardDataError::BadTrack2)?;
        if !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardDataError::BadTrack2);
        }
        let mut card = Self::new(pan, expiry)?;
        card.track2 = Some(format!("{pan}D{rest}"));
        Ok(card)
    }

    pub fn with_pan_sequence(mut self, psn: u8) -> Self {
        self.pan_sequence = Some(psn);
        self
    }

    pub fn pan(&self) -> &str {
        &self.pan
    }

    /// YYMM.
    pub fn expiry(&self) -> &str {
        &self.expiry
    }

    pub fn pan_sequence(&self) -> Option<u8> {
        self.pan_sequence
    }

    pub fn has_track2(&self) -> bool {
        self.track2.is_some()
    }

    /// First 6 and last 4 digits, the rest as `*`.
    pub fn masked_pan(&self) -> String {
        mask_pan(&self.pan)
    }

    /// Serialises as tag/length/value for encryption.
    pub fn to_plain(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let mut put = |tag: u8, value: &[u8]| {
            out.push(tag);
            out.push(value.len() as u8);
            out.extend_from_slice(value);
        };
        put(TAG_PAN, self.pan.as_bytes());
        put(TAG_EXPIRY, self.expiry.as_bytes());
        if let Some(t2) = &self.track2 {
            put(TAG_TRACK2, t2.as_bytes());
        }
        if let Some(psn) = self.pan_sequence {
            put(TAG_PSN, &[psn]);
        }
        out
    }

    pub fn from_plain(bytes: &[u8]) -> Result<Self, CardDataError> {
        let (mut pan, mut expiry, mut track2, mut psn) = (None, None, None, None);
        let mut rest = bytes;
        while let [tag, len, tail @ ..] = rest {
            let len = usize::from(*len);
            let value = tail.get(..len).ok_or(CardDataError::Malformed)?;
            let text = || std::str::from_utf8(value).map_err(|_| CardDataError::Malformed);
            match *tag {
                TAG_PAN => pan = Some(text()?),
                TAG_EXPIRY => expiry = Some(text()?),
                TAG_TRACK2 => track2 = Some(text()?),
                TAG_PSN => psn = value.first().copied(),
                _ => return Err(CardDataError::Malformed),
            }
            rest = &tail[len..];
        }
        if !rest.is_empty() {
            return Err(CardDataError::Malformed);
        }
        let mut card = match track2 {
            Some(t2) => Self::from_track2(t2)?,
            None => Self::new(
                pan.ok_or(CardDataError::Malformed)?,
                expiry.ok_or(CardDataError::Malformed)?,
            )?,
        };
        if pan.is_some_and(|p| p != card.pan) {
            return Err(CardDataError::Malformed);
        }
        card.pan_sequence = psn;
        Ok(card)
    }
}

/// Masks a PAN to first 6 / last 4.
pub fn mask_pan(pan: &str) -> String {
    let n = pan.len();
    if n < 11 {
        return "*".repeat(n);
    }
    format!("{}{}{}", &pan[..6], "*".repeat(n - 10), &pan[n - 4..])
}

impl fmt::Debug for CardData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardData")
            .field("pan", &self.masked_pan())
            .field("track2", &self.track2.as_ref().map(|_| "<hidden>"))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track2_parses_and_masks() {
        // Source: openemv/emv-utils tests/emv_read_application_data_test.c (payments.md 3.7)
        let card = CardData::from_track2("4761739001010119D22122011758928889").unwrap();
        assert_eq!(card.pan(), "4761739001010119");
        assert_eq!(card.expiry(), "2212");
        assert_eq!(card.masked_pan(), "476173******0119");
        let dbg = format!("{card:?}");
        assert!(
            !dbg.contains("4761739001010119") && !dbg.contains("758928889"),
            "{dbg}"
        );
        // Source: mrautio/emvpt emvpt/test_data.yaml, odd length F-padded
        let card = CardData::from_track2("1234560012345608D18112211229424900200F").unwrap();
        assert_eq!((card.pan(), card.expiry()), ("1234560012345608", "1811"));
    }

    #[test]
    fn plain_form_round_trips_and_rejects_garbage() {
        let card = CardData::from_track2("4761739001010119D22122011758928889")
            .unwrap()
            .with_pan_sequence(1);
        assert_eq!(CardData::from_plain(&card.to_plain()).unwrap(), card);
        let plain = CardData::new("4012345678909", "2512").unwrap().to_plain();
        assert_eq!(CardData::from_plain(&plain).unwrap().pan(), "4012345678909");
        assert_eq!(
            CardData::from_plain(&plain[..plain.len() - 1]),
            Err(CardDataError::Malformed)
        );
        assert_eq!(CardData::from_plain(&[9, 0]), Err(CardDataError::Malformed));
        assert_eq!(
            CardData::new("4012345678908", "2512"),
            Err(CardDataError::BadPan)
        );
        assert_eq!(
            CardData::new("4012345678909", "2513"),
            Err(CardDataError::BadExpiry)
        );
    }
}
