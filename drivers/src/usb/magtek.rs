//! MagTek-style USB HID swipe reports (also ID TECH readers in "USB HID" mode) → a
//! [`Swipe`]. Layout from MagTek "USB HID SureSwipe & USB HID Swipe Reader Technical
//! Reference Manual" (P/N D99875191): 337-byte input report; bytes 0-2 track 1-3 decode
//! status (bit 0 = error), 3-5 track lengths, 6 card encode type, then three 110-byte track
//! fields. Errors carry no track data, and nothing here logs the tracks.

use pos_hal::device::msr::{MsrEvent, Swipe, TrackError, TrackFault, TrackNo};

pub const REPORT_LEN: usize = 337;
const TRACK_FIELD: usize = 110;

/// A report that does not follow the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("swipe report of {0} bytes ({REPORT_LEN} expected)")]
    Length(usize),
    #[error("track {track} length {len} exceeds the {TRACK_FIELD}-byte field")]
    TrackLength { track: u8, len: u8 },
    #[error("track {0} holds bytes that are not text")]
    Encoding(u8),
}

/// The card's encoding as the reader reports it (byte 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeType {
    IsoAba,
    Aamva,
    Blank,
    Other(u8),
}

/// Parses one swipe report. A swipe whose tracks are unusable is [`MsrEvent::BadSwipe`], not
/// an error: the reader worked, the card (or the swipe) did not.
pub fn parse(report: &[u8]) -> Result<(EncodeType, MsrEvent), ReportError> {
    if report.len() != REPORT_LEN {
        return Err(ReportError::Length(report.len()));
    }
    let encode = match report[6] {
        0 => EncodeType::IsoAba,
        1 => EncodeType::Aamva,
        3 => EncodeType::Blank,
        other => EncodeType::Other(other),
    };
    let mut tracks: [Option<String>; 3] = [None, None, None];
    let mut decode_fault = None;
    for (i, slot) in tracks.iter_mut().enumerate() {
        let status = report[i];
        let len = report[3 + i];
        if usize::from(len) > TRACK_FIELD {
            return Err(ReportError::TrackLength {
                track: i as u8 + 1,
                len,
            });
        }
        if status & 1 == 1 {
            let track = [TrackNo::One, TrackNo::Two, TrackNo::Three][i];
            decode_fault.get_or_insert(TrackError {
                track,
                fault: TrackFault::Decode,
            });
            continue;
        }
        if len == 0 {
            continue;
        }
        let start = 7 + i * TRACK_FIELD;
        let bytes = &report[start..start + usize::from(len)];
        if !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
            return Err(ReportError::Encoding(i as u8 + 1));
        }
        *slot = Some(bytes.iter().map(|b| char::from(*b)).collect());
    }
    let event = match Swipe::parse(
        tracks[0].as_deref(),
        tracks[1].as_deref(),
        tracks[2].as_deref(),
    ) {
        Ok(swipe) => MsrEvent::Swiped(Box::new(swipe)),
        Err(e) => {
            let empty = e.fault == TrackFault::Empty || tracks.iter().all(Option::is_none);
            MsrEvent::BadSwipe(if empty { decode_fault.unwrap_or(e) } else { e })
        }
    };
    Ok((encode, event))
}

/// Builds a report (for simulators and tests).
pub fn build(t1: &str, t2: &str, t3: &str) -> Vec<u8> {
    let mut report = vec![0u8; REPORT_LEN];
    for (i, track) in [t1, t2, t3].iter().enumerate() {
        let bytes = &track.as_bytes()[..track.len().min(TRACK_FIELD)];
        report[3 + i] = bytes.len() as u8;
        report[7 + i * TRACK_FIELD..7 + i * TRACK_FIELD + bytes.len()].copy_from_slice(bytes);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Same tracks as the verified QEMU gadget run in reference/devices.md 3.3 (Visa test PAN).
    const T1: &str = "%B4111111111111111^TEST/CARD^30121010000000000000?";
    const T2: &str = ";4111111111111111=30121010000000000?";

    #[test]
    fn parses_a_good_swipe() {
        let report = build(T1, T2, "");
        assert_eq!((report[3], report[4], report[5]), (50, 36, 0));
        let (encode, event) = parse(&report).unwrap();
        assert_eq!(encode, EncodeType::IsoAba);
        let MsrEvent::Swiped(swipe) = event else {
            panic!("not a swipe: {event:?}")
        };
        assert_eq!(swipe.pan().unwrap().masked(), "************1111");
        assert!(!format!("{swipe:?}").contains("4111111111111111"));
    }

    #[test]
    fn bad_reports_are_typed_errors() {
        assert_eq!(parse(&[0u8; 336]), Err(ReportError::Length(336)));
        let mut report = build(T1, T2, "");
        report[4] = 111;
        assert_eq!(
            parse(&report),
            Err(ReportError::TrackLength { track: 2, len: 111 })
        );
        let mut report = build(T1, T2, "");
        report[7 + 110 + 3] = 0xff;
        assert_eq!(parse(&report), Err(ReportError::Encoding(2)));
    }

    #[test]
    fn unreadable_swipe_is_a_bad_swipe() {
        let mut report = build("", "", "");
        report[0] = 1;
        report[1] = 1;
        let (_, event) = parse(&report).unwrap();
        assert_eq!(
            event,
            MsrEvent::BadSwipe(TrackError {
                track: TrackNo::One,
                fault: TrackFault::Decode
            })
        );
        let good = pos_hal::device::msr::lrc_char(T2, TrackNo::Two);
        let bad_lrc = format!("{T2}{}", if good == '0' { '1' } else { '0' });
        let (_, event) = parse(&build("", &bad_lrc, "")).unwrap();
        assert!(
            matches!(
                event,
                MsrEvent::BadSwipe(TrackError {
                    fault: TrackFault::Lrc,
                    ..
                })
            ),
            "{event:?}"
        );
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 337..=337)) {
            let _ = parse(&bytes);
        }
    }
}
