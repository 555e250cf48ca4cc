//! Magnetic stripe data (ISO/IEC 7813): track 1 and track 2 as a reader delivers them (ASCII
//! with start/end sentinels, field separators and an optional LRC), and the service code rules
//! a chip terminal applies to a swipe: a chip card swiped is told to insert its chip, and a
//! swipe is only accepted from a chip card after a failed chip read — flagged as fallback.

use super::kernel::SensitiveData;

/// Why track data is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    #[error("missing start sentinel")]
    NoStartSentinel,
    #[error("missing end sentinel")]
    NoEndSentinel,
    #[error("LRC does not match")]
    BadLrc,
    #[error("missing field separator")]
    NoSeparator,
    #[error("format code is not B")]
    BadFormatCode,
    #[error("PAN is not 12–19 digits")]
    BadPan,
    #[error("expiry or service code is not numeric")]
    BadDigits,
    #[error("character outside the track's character set")]
    BadCharacter,
    #[error("track too long")]
    TooLong,
}

/// The parsed content of a swipe. PAN and discretionary data are held as [`SensitiveData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// PAN digits (ASCII) — masked in `Debug`.
    pub pan: SensitiveData,
    /// Cardholder name (track 1 only).
    pub name: Option<String>,
    /// `YYMM`.
    pub expiry: [u8; 4],
    pub service_code: ServiceCode,
    pub discretionary: SensitiveData,
}

/// The three-digit service code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCode(pub [u8; 3]);

impl ServiceCode {
    /// First digit 2 or 6: the card has a chip (ISO 7813 / EMV Book 4 11.2).
    pub fn has_chip(self) -> bool {
        matches!(self.0[0], b'2' | b'6')
    }

    /// Second digit 2 or 4: authorisation by the issuer (online) required.
    pub fn online_required(self) -> bool {
        matches!(self.0[1], b'2' | b'4')
    }

    /// Third digit 0, 3 or 5: PIN required.
    pub fn pin_required(self) -> bool {
        matches!(self.0[2], b'0' | b'3' | b'5')
    }
}

/// What the terminal does with a swipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwipeDecision {
    /// A chip card: ask for the chip to be inserted.
    InsertChip,
    /// Go ahead with the magstripe transaction; `fallback` marks a chip card after a failed
    /// chip read (POS entry mode 80 instead of 90).
    Proceed { fallback: bool },
}

impl SwipeDecision {
    /// POS entry mode (9F39) for the authorisation.
    pub fn entry_mode(self) -> Option<u8> {
        match self {
            SwipeDecision::InsertChip => None,
            SwipeDecision::Proceed { fallback: true } => Some(0x80),
            SwipeDecision::Proceed { fallback: false } => Some(0x90),
        }
    }
}

/// Applies the service code rules.
pub fn swipe_decision(code: ServiceCode, chip_read_failed: bool) -> SwipeDecision {
    match (code.has_chip(), chip_read_failed) {
        (true, false) => SwipeDecision::InsertChip,
        (true, true) => SwipeDecision::Proceed { fallback: true },
        (false, _) => SwipeDecision::Proceed { fallback: false },
    }
}

/// Checks sentinels and the LRC (if present) and returns the data between the sentinels.
/// `bits` is 4 for track 2 (characters `0x30..=0x3F`) and 6 for track 1 (`0x20..=0x5F`).
fn frame(raw: &[u8], start: u8, base: u8, mask: u8) -> Result<&[u8], TrackError> {
    if raw.len() > 110 {
        return Err(TrackError::TooLong);
    }
    if raw.first() != Some(&start) {
        return Err(TrackError::NoStartSentinel);
    }
    let end = raw
        .iter()
        .position(|b| *b == b'?')
        .ok_or(TrackError::NoEndSentinel)?;
    let framed = &raw[..=end];
    if framed.iter().any(|c| *c < base || *c > base + mask) {
        return Err(TrackError::BadCharacter);
    }
    match raw.get(end + 1..) {
        Some([lrc]) => {
            let expected = framed.iter().fold(0u8, |acc, c| acc ^ ((c - base) & mask));
            if *lrc != base + expected {
                return Err(TrackError::BadLrc);
            }
        }
        Some([]) | None => {}
        Some(_) => return Err(TrackError::BadCharacter),
    }
    Ok(&raw[1..end])
}

fn pan(digits: &[u8]) -> Result<SensitiveData, TrackError> {
    if !(12..=19).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(TrackError::BadPan);
    }
    Ok(SensitiveData::new(digits.to_vec()))
}

fn tail(rest: &[u8]) -> Result<([u8; 4], ServiceCode, SensitiveData), TrackError> {
    let expiry: [u8; 4] = rest
        .get(..4)
        .and_then(|e| e.try_into().ok())
        .ok_or(TrackError::BadDigits)?;
    let code: [u8; 3] = rest
        .get(4..7)
        .and_then(|e| e.try_into().ok())
        .ok_or(TrackError::BadDigits)?;
    if !expiry.iter().chain(code.iter()).all(u8::is_ascii_digit) {
        return Err(TrackError::BadDigits);
    }
    Ok((
        expiry,
        ServiceCode(code),
        SensitiveData::new(rest[7..].to_vec()),
    ))
}

/// Parses track 2: `;PAN=YYMMSSS<discretionary>?[LRC]`.
pub fn parse_track2(raw: &[u8]) -> Result<Track, TrackError> {
    let body = frame(raw, b';', 0x30, 0x0F)?;
    let sep = body
        .iter()
        .position(|b| *b == b'=')
        .ok_or(TrackError::NoSeparator)?;
    let (expiry, service_code, discretionary) = tail(&body[sep + 1..])?;
    Ok(Track {
        pan: pan(&body[..sep])?,
        name: None,
        expiry,
        service_code,
        discretionary,
    })
}

/// Parses track 1: `%B PAN ^ NAME ^ YYMMSSS<discretionary>?[LRC]`.
pub fn parse_track1(raw: &[u8]) -> Result<Track, TrackError> {
    let body = frame(raw, b'%', 0x20, 0x3F)?;
    let body = body.strip_prefix(b"B").ok_or(TrackError::BadFormatCode)?;
    let mut fields = body.splitn(3, |b| *b == b'^');
    let (p, name, rest) = match (fields.next(), fields.next(), fields.next()) {
        (Some(p), Some(n), Some(r)) => (p, n, r),
        _ => return Err(TrackError::NoSeparator),
    };
    let (expiry, service_code, discretionary) = tail(rest)?;
    let name = String::from_utf8_lossy(name).trim().to_string();
    Ok(Track {
        pan: pan(p)?,
        name: Some(name),
        expiry,
        service_code,
        discretionary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Card data from openemv/emv-utils tests/emv_read_application_data_test.c (track 2
    // equivalent 4761739001010119D22122011758928889), written as a swipe would read it.
    // LRCs computed independently (XOR of the 4-/6-bit character values).
    const T2: &[u8] = b";4761739001010119=22122011758928889?8";
    const T1: &[u8] = b"%B4761739001010119^TEST/CARD^2212201175892888900000?T";

    #[test]
    fn track2_parses_and_checks_the_lrc() {
        let t = parse_track2(T2).unwrap();
        assert_eq!(t.pan.expose(), b"4761739001010119");
        assert_eq!(&t.expiry, b"2212");
        assert_eq!(t.service_code, ServiceCode(*b"201"));
        assert!(!format!("{t:?}").contains("4761739001010119"));
        let mut bad = T2.to_vec();
        *bad.last_mut().unwrap() = b'9';
        assert_eq!(parse_track2(&bad), Err(TrackError::BadLrc));
        assert!(parse_track2(&T2[..T2.len() - 1]).is_ok(), "LRC is optional");
    }

    #[test]
    fn track1_parses_name_and_fields() {
        let t = parse_track1(T1).unwrap();
        assert_eq!(t.name.as_deref(), Some("TEST/CARD"));
        assert_eq!(t.service_code, ServiceCode(*b"201"));
        assert_eq!(
            parse_track1(b"%A123^X^2212201?"),
            Err(TrackError::BadFormatCode)
        );
    }

    #[test]
    fn malformed_tracks_are_typed_errors() {
        assert_eq!(
            parse_track2(b"4761=2212201?"),
            Err(TrackError::NoStartSentinel)
        );
        assert_eq!(
            parse_track2(b";4761739001010119=2212201"),
            Err(TrackError::NoEndSentinel)
        );
        assert_eq!(
            parse_track2(b";4761739001010119?"),
            Err(TrackError::NoSeparator)
        );
        assert_eq!(parse_track2(b";47617=2212201?"), Err(TrackError::BadPan));
        assert_eq!(
            parse_track2(b";4761739001010119=22A2201?"),
            Err(TrackError::BadCharacter)
        );
        assert_eq!(
            parse_track2(b";4761739001010119=2212?"),
            Err(TrackError::BadDigits)
        );
        assert_eq!(
            parse_track1(b"%B4761739001010119TEST?"),
            Err(TrackError::NoSeparator)
        );
    }

    #[test]
    fn service_code_rules() {
        let chip = ServiceCode(*b"201");
        assert_eq!(swipe_decision(chip, false), SwipeDecision::InsertChip);
        assert_eq!(
            swipe_decision(chip, true),
            SwipeDecision::Proceed { fallback: true }
        );
        assert_eq!(swipe_decision(chip, true).entry_mode(), Some(0x80));
        let stripe_only = ServiceCode(*b"101");
        assert_eq!(swipe_decision(stripe_only, false).entry_mode(), Some(0x90));
        assert!(ServiceCode(*b"220").online_required() && ServiceCode(*b"220").pin_required());
        assert!(!ServiceCode(*b"101").online_required());
    }
}
