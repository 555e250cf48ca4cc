//! Magnetic stripe readers and ISO/IEC 7813 track data.
//!
//! Tracks hold the full PAN, so every type here has a hand-written `Debug` that masks it, no
//! `Display`, and errors that name the fault and its position but never the data. Track
//! layouts: ISO/IEC 7813 (track 1 IATA, track 2 ABA) and ISO 4909 (track 3), as summarised in
//! ID TECH's "Magnetic Stripe Standard Formats" appendix; LRC per ISO/IEC 7811-2.

use std::fmt;
use std::time::Duration;

use super::{DeviceError, UposDevice};

/// A PAN read from a stripe. Only [`CardNumber::masked`] and [`CardNumber::expose`] show it.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

impl CardNumber {
    /// `************1111`.
    pub fn masked(&self) -> String {
        let keep = self.0.len().saturating_sub(4);
        format!("{}{}", "*".repeat(keep), &self.0[keep..])
    }

    /// The clear PAN, for the payment kernel only (never for logs or storage).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

/// Which track a fault is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackNo {
    One,
    Two,
    Three,
}

/// What is wrong with a track. Positions are character offsets; no card data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TrackFault {
    #[error("no start sentinel")]
    StartSentinel,
    #[error("no end sentinel")]
    EndSentinel,
    #[error("character not allowed on this track at position {0}")]
    Character(usize),
    #[error("track longer than the standard allows")]
    TooLong,
    #[error("LRC does not match")]
    Lrc,
    #[error("data after the LRC")]
    Trailing,
    #[error("unsupported format code")]
    FormatCode,
    #[error("field separator missing")]
    Separator,
    #[error("PAN length outside 12..19 digits")]
    PanLength,
    #[error("PAN check digit wrong")]
    PanCheckDigit,
    #[error("name length outside 2..26")]
    NameLength,
    #[error("expiry or service code malformed")]
    ExpiryOrService,
    #[error("the reader reported a decode error")]
    Decode,
    #[error("no data")]
    Empty,
}

/// A track that could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("track {track:?}: {fault}")]
pub struct TrackError {
    pub track: TrackNo,
    pub fault: TrackFault,
}

/// Track 1 (IATA) format B.
#[derive(Clone, PartialEq, Eq)]
pub struct Track1 {
    pub pan: CardNumber,
    name: String,
    expiry: String,
    pub service_code: String,
    discretionary: String,
}

/// Track 2 (ABA).
#[derive(Clone, PartialEq, Eq)]
pub struct Track2 {
    pub pan: CardNumber,
    expiry: String,
    pub service_code: String,
    discretionary: String,
}

/// Track 3 (ISO 4909), kept whole: its layout varies by issuer.
#[derive(Clone, PartialEq, Eq)]
pub struct Track3 {
    data: String,
}

impl Track1 {
    /// Cardholder name as encoded (`SURNAME/FIRST`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// YYMM.
    pub fn expiry(&self) -> &str {
        &self.expiry
    }
    pub fn discretionary(&self) -> &str {
        &self.discretionary
    }
}

impl Track2 {
    /// YYMM.
    pub fn expiry(&self) -> &str {
        &self.expiry
    }
    pub fn discretionary(&self) -> &str {
        &self.discretionary
    }
}

impl Track3 {
    pub fn expose(&self) -> &str {
        &self.data
    }
}

impl fmt::Debug for Track1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track1")
            .field("pan", &self.pan)
            .field("service_code", &self.service_code)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Track2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track2")
            .field("pan", &self.pan)
            .field("service_code", &self.service_code)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Track3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Track3({} chars)", self.data.len())
    }
}

/// Splits `start ... end [LRC]`, checks the character set and the LRC when present, and
/// returns the data between the sentinels.
fn frame(
    raw: &str,
    track: TrackNo,
    start: char,
    max_len: usize,
    (low, bits): (u8, u32),
) -> Result<&str, TrackError> {
    let err = |fault| TrackError { track, fault };
    if raw.is_empty() {
        return Err(err(TrackFault::Empty));
    }
    let bytes = raw.as_bytes();
    if bytes[0] != start as u8 {
        return Err(err(TrackFault::StartSentinel));
    }
    let end = raw.find('?').ok_or(err(TrackFault::EndSentinel))?;
    if end + 1 > max_len {
        return Err(err(TrackFault::TooLong));
    }
    let mask = (1u8 << bits) - 1;
    let high = low + mask;
    for (i, b) in bytes[..=end].iter().enumerate() {
        if *b < low || *b > high {
            return Err(err(TrackFault::Character(i)));
        }
    }
    match &bytes[end + 1..] {
        [] => {}
        [lrc] => {
            if *lrc < low || *lrc > high {
                return Err(err(TrackFault::Character(end + 1)));
            }
            let sum = bytes[..=end]
                .iter()
                .fold(0u8, |acc, b| acc ^ ((b - low) & mask));
            if sum != (lrc - low) & mask {
                return Err(err(TrackFault::Lrc));
            }
        }
        _ => return Err(err(TrackFault::Trailing)),
    }
    Ok(&raw[1..end])
}

fn luhn_ok(pan: &str) -> bool {
    let sum: u32 = pan
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn pan(digits: &str, track: TrackNo) -> Result<CardNumber, TrackError> {
    let err = |fault| TrackError { track, fault };
    if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(TrackFault::PanLength));
    }
    if !luhn_ok(digits) {
        return Err(err(TrackFault::PanCheckDigit));
    }
    Ok(CardNumber(digits.to_string()))
}

fn expiry_service(rest: &str, track: TrackNo) -> Result<(String, String, String), TrackError> {
    let ok = rest.len() >= 7 && rest.as_bytes()[..7].iter().all(u8::is_ascii_digit);
    if !ok {
        return Err(TrackError {
            track,
            fault: TrackFault::ExpiryOrService,
        });
    }
    Ok((
        rest[..4].to_string(),
        rest[4..7].to_string(),
        rest[7..].to_string(),
    ))
}

impl Track1 {
    /// Parses `%B<PAN>^<NAME>^<YYMM><SVC><DD>?[LRC]`.
    pub fn parse(raw: &str) -> Result<Self, TrackError> {
        let t = TrackNo::One;
        let body = frame(raw, t, '%', 79, (0x20, 6))?;
        let body = body.strip_prefix('B').ok_or(TrackError {
            track: t,
            fault: TrackFault::FormatCode,
        })?;
        let mut fields = body.splitn(3, '^');
        let (Some(pan_digits), Some(name), Some(rest)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return Err(TrackError {
                track: t,
                fault: TrackFault::Separator,
            });
        };
        let pan = pan(pan_digits, t)?;
        if !(2..=26).contains(&name.len()) {
            return Err(TrackError {
                track: t,
                fault: TrackFault::NameLength,
            });
        }
        let (expiry, service_code, discretionary) = expiry_service(rest, t)?;
        Ok(Self {
            pan,
            name: name.trim_end().to_string(),
            expiry,
            service_code,
            discretionary,
        })
    }
}

impl Track2 {
    /// Parses `;<PAN>=<YYMM><SVC><DD>?[LRC]`.
    pub fn parse(raw: &str) -> Result<Self, TrackError> {
        let t = TrackNo::Two;
        let body = frame(raw, t, ';', 40, (0x30, 4))?;
        let (pan_digits, rest) = body.split_once('=').ok_or(TrackError {
            track: t,
            fault: TrackFault::Separator,
        })?;
        let pan = pan(pan_digits, t)?;
        let (expiry, service_code, discretionary) = expiry_service(rest, t)?;
        Ok(Self {
            pan,
            expiry,
            service_code,
            discretionary,
        })
    }
}

impl Track3 {
    pub fn parse(raw: &str) -> Result<Self, TrackError> {
        frame(raw, TrackNo::Three, ';', 107, (0x30, 4))?;
        Ok(Self {
            data: raw.to_string(),
        })
    }
}

/// One swipe: the tracks that read well, and the faults of those that did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swipe {
    pub track1: Option<Track1>,
    pub track2: Option<Track2>,
    pub track3: Option<Track3>,
    pub faults: Vec<TrackError>,
}

impl Swipe {
    /// Parses the tracks a reader delivered (`None` when it delivered nothing for one). Fails
    /// with the first fault when neither track 1 nor track 2 is usable, or when they disagree
    /// on the PAN.
    pub fn parse(t1: Option<&str>, t2: Option<&str>, t3: Option<&str>) -> Result<Self, TrackError> {
        fn keep<T>(faults: &mut Vec<TrackError>, r: Option<Result<T, TrackError>>) -> Option<T> {
            match r {
                Some(Ok(track)) => Some(track),
                Some(Err(e)) => {
                    faults.push(e);
                    None
                }
                None => None,
            }
        }
        let mut faults = Vec::new();
        let track1 = keep(&mut faults, t1.map(Track1::parse));
        let track2 = keep(&mut faults, t2.map(Track2::parse));
        let track3 = keep(&mut faults, t3.map(Track3::parse));
        if let (Some(a), Some(b)) = (&track1, &track2)
            && a.pan != b.pan
        {
            return Err(TrackError {
                track: TrackNo::Two,
                fault: TrackFault::Separator,
            });
        }
        if track1.is_none() && track2.is_none() {
            return Err(faults.first().copied().unwrap_or(TrackError {
                track: TrackNo::Two,
                fault: TrackFault::Empty,
            }));
        }
        Ok(Self {
            track1,
            track2,
            track3,
            faults,
        })
    }

    /// The PAN from track 2, else track 1.
    pub fn pan(&self) -> Option<&CardNumber> {
        self.track2
            .as_ref()
            .map(|t| &t.pan)
            .or(self.track1.as_ref().map(|t| &t.pan))
    }
}

/// What a magstripe reader reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsrEvent {
    Swiped(Box<Swipe>),
    /// The card was swiped but no usable track came through: ask for another swipe.
    BadSwipe(TrackError),
}

/// A magnetic stripe reader.
pub trait MagStripeReader: UposDevice {
    /// Waits at most `timeout` for the next swipe.
    fn next_event(&mut self, timeout: Duration) -> Result<Option<MsrEvent>, DeviceError>;
}

/// Computes the LRC character a reader in "send LRC" mode appends (for tests and simulators).
pub fn lrc_char(framed: &str, track: TrackNo) -> char {
    let (low, mask) = match track {
        TrackNo::One => (0x20u8, 0x3fu8),
        TrackNo::Two | TrackNo::Three => (0x30, 0x0f),
    };
    let sum = framed
        .bytes()
        .fold(0u8, |acc, b| acc ^ (b.wrapping_sub(low) & mask));
    char::from(sum + low)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Visa test PAN 4111 1111 1111 1111 (public test number); layouts per ISO/IEC 7813.
    const T1: &str = "%B4111111111111111^TEST/CARD^30121010000000000000?";
    const T2: &str = ";4111111111111111=30121010000000000?";

    #[test]
    fn parses_tracks_one_and_two() {
        let t1 = Track1::parse(T1).unwrap();
        assert_eq!(t1.pan.expose(), "4111111111111111");
        assert_eq!(t1.name(), "TEST/CARD");
        assert_eq!((t1.expiry(), t1.service_code.as_str()), ("3012", "101"));
        let t2 = Track2::parse(T2).unwrap();
        assert_eq!(t2.expiry(), "3012");
        assert_eq!(t2.service_code, "101");
        let swipe = Swipe::parse(Some(T1), Some(T2), None).unwrap();
        assert_eq!(swipe.pan().unwrap().masked(), "************1111");
    }

    #[test]
    fn checks_the_lrc_when_sent() {
        let good = format!("{T2}{}", lrc_char(T2, TrackNo::Two));
        assert!(Track2::parse(&good).is_ok());
        let good1 = format!("{T1}{}", lrc_char(T1, TrackNo::One));
        assert!(Track1::parse(&good1).is_ok());
        let lrc = lrc_char(T2, TrackNo::Two);
        let bad_char = if lrc == '0' { '1' } else { '0' };
        let bad = format!("{T2}{bad_char}");
        assert_eq!(Track2::parse(&bad).unwrap_err().fault, TrackFault::Lrc);
    }

    #[test]
    fn typed_faults_without_card_data() {
        let cases = [
            ("4111111111111111=3012101?", TrackFault::StartSentinel),
            (";4111111111111111=3012101", TrackFault::EndSentinel),
            (";4111111111111112=3012101?", TrackFault::PanCheckDigit),
            (";41111111=3012101?", TrackFault::PanLength),
            (";41111111111111113012101?", TrackFault::Separator),
            (";4111111111111111=30?", TrackFault::ExpiryOrService),
            (";4111111111111111=3012101?55", TrackFault::Trailing),
            (";4111A11111111111=3012101?", TrackFault::Character(5)),
        ];
        for (raw, fault) in cases {
            let err = Track2::parse(raw).unwrap_err();
            assert_eq!(err.fault, fault, "{raw}");
            assert!(!err.to_string().contains("411111"));
        }
        assert_eq!(
            Track1::parse("%A4111111111111111^X^3012101?")
                .unwrap_err()
                .fault,
            TrackFault::FormatCode
        );
    }

    #[test]
    fn debug_masks_the_pan() {
        let swipe = Swipe::parse(Some(T1), Some(T2), Some(";0123456789?")).unwrap();
        let debug = format!("{swipe:?}");
        assert!(!debug.contains("4111111111111111"), "{debug}");
        assert!(!debug.contains("TEST/CARD"), "{debug}");
        assert!(debug.contains("************1111"));
    }

    #[test]
    fn one_good_track_is_enough_and_none_is_an_error() {
        let swipe = Swipe::parse(Some("%B4111"), Some(T2), None).unwrap();
        assert_eq!(swipe.faults.len(), 1);
        assert!(Swipe::parse(Some("%B4111"), Some(";"), None).is_err());
    }
}
