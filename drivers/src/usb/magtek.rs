//! MagTek-style USB HID swipe reports (also ID TECH readers in "USB HID" mode) → a
//! [`Swipe`]. Layout from MagTek "USB HID SureSwipe & USB HID Swipe Reader Technical
//! Reference Manual" (P/N D99875191): 337-byte input report; bytes 0-2 track 1-3 decode
//! status (bit 0 = error), 3-5 track lengths, 6 card encode type, then three 110-byte track
//! fields. Errors carry no track data, and nothing here logs the tracks.
//!
//! Other MagTek readers size the fields differently (112-byte tracks on the MagnePrint
//! reader): [`Layout::from_descriptor`] places every field by its usage in the device's report
//! descriptor (vendor page 0xFF00: 0x20-0x22 decode status, 0x28-0x2A lengths, 0x38 encode
//! type, 0x30-0x32 track data), and [`Layout::default`] is the manual's 337-byte report.

use super::report_descriptor::{DescriptorError, input_fields, input_report_len};
use pos_hal::device::msr::{MsrEvent, Swipe, TrackError, TrackFault, TrackNo};

pub const REPORT_LEN: usize = 337;
const TRACK_FIELD: usize = 110;

/// Byte offsets of a swipe report's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub report_len: usize,
    pub status_at: [usize; 3],
    pub len_at: [usize; 3],
    pub encode_at: usize,
    pub track_at: [usize; 3],
    pub track_field: [usize; 3],
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            report_len: REPORT_LEN,
            status_at: [0, 1, 2],
            len_at: [3, 4, 5],
            encode_at: 6,
            track_at: [7, 7 + TRACK_FIELD, 7 + 2 * TRACK_FIELD],
            track_field: [TRACK_FIELD; 3],
        }
    }
}

/// A report descriptor that does not describe a MagTek-style swipe report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("report descriptor: {0}")]
    Descriptor(#[from] DescriptorError),
    #[error("no byte-sized input field with usage {0:#04x} on page 0xFF00")]
    Missing(u16),
}

const VENDOR_PAGE: u16 = 0xFF00;

impl Layout {
    /// The layout a reader's report descriptor declares (HID 1.11 6.2.2).
    pub fn from_descriptor(descriptor: &[u8]) -> Result<Layout, LayoutError> {
        let fields = input_fields(descriptor)?;
        let id_byte = |id: u8| usize::from(id != 0);
        // (byte offset, byte count) of the field with `usage`, byte-sized values only.
        let find = |usage: u16| -> Result<(usize, usize, u8), LayoutError> {
            for f in fields
                .iter()
                .filter(|f| f.usage_page == VENDOR_PAGE && f.size == 8)
            {
                let base = f.bit_offset / 8 + id_byte(f.report_id);
                if f.usages.len() <= 1 {
                    if f.usages.first() == Some(&usage) {
                        return Ok((base, f.count, f.report_id));
                    }
                } else if let Some(i) = (0..f.count).find(|i| f.usage_of(*i) == Some(usage)) {
                    return Ok((base + i, 1, f.report_id));
                }
            }
            Err(LayoutError::Missing(usage))
        };
        let one = |usage: u16| find(usage).map(|(at, _, _)| at);
        let (t1, f1, report_id) = find(0x30)?;
        let (t2, f2, _) = find(0x31)?;
        let (t3, f3, _) = find(0x32)?;
        Ok(Layout {
            report_len: input_report_len(&fields, report_id),
            status_at: [one(0x20)?, one(0x21)?, one(0x22)?],
            len_at: [one(0x28)?, one(0x29)?, one(0x2A)?],
            encode_at: one(0x38)?,
            track_at: [t1, t2, t3],
            track_field: [f1, f2, f3],
        })
    }
}

/// A report that does not follow the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("swipe report of {got} bytes ({expected} expected)")]
    Length { got: usize, expected: usize },
    #[error("track {track} length {len} exceeds its {field}-byte field")]
    TrackLength { track: u8, len: u8, field: usize },
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

/// Parses one swipe report of the manual's layout; see [`parse_with`].
pub fn parse(report: &[u8]) -> Result<(EncodeType, MsrEvent), ReportError> {
    parse_with(report, &Layout::default())
}

/// Parses one swipe report. A swipe whose tracks are unusable is [`MsrEvent::BadSwipe`], not
/// an error: the reader worked, the card (or the swipe) did not.
pub fn parse_with(report: &[u8], layout: &Layout) -> Result<(EncodeType, MsrEvent), ReportError> {
    let byte = |at: usize| report.get(at).copied();
    let wrong_length = ReportError::Length {
        got: report.len(),
        expected: layout.report_len,
    };
    if report.len() != layout.report_len {
        return Err(wrong_length);
    }
    let encode = match byte(layout.encode_at).ok_or(wrong_length)? {
        0 => EncodeType::IsoAba,
        1 => EncodeType::Aamva,
        3 => EncodeType::Blank,
        other => EncodeType::Other(other),
    };
    let mut tracks: [Option<String>; 3] = [None, None, None];
    let mut decode_fault = None;
    for (i, slot) in tracks.iter_mut().enumerate() {
        let status = byte(layout.status_at[i]).ok_or(wrong_length)?;
        let len = byte(layout.len_at[i]).ok_or(wrong_length)?;
        if usize::from(len) > layout.track_field[i] {
            return Err(ReportError::TrackLength {
                track: i as u8 + 1,
                len,
                field: layout.track_field[i],
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
        let start = layout.track_at[i];
        let bytes = report
            .get(start..start + usize::from(len))
            .ok_or(wrong_length)?;
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

/// Builds a report of the manual's layout (for simulators and tests).
pub fn build(t1: &str, t2: &str, t3: &str) -> Vec<u8> {
    build_with(&Layout::default(), t1, t2, t3)
}

/// Builds a report of `layout` (for simulators and tests).
pub fn build_with(layout: &Layout, t1: &str, t2: &str, t3: &str) -> Vec<u8> {
    let mut report = vec![0u8; layout.report_len];
    for (i, track) in [t1, t2, t3].iter().enumerate() {
        let n = track.len().min(layout.track_field[i]).min(255);
        let at = layout.track_at[i];
        // A layout from an odd descriptor may place a field past the report: leave it empty.
        if layout.len_at[i] < report.len() && at + n <= report.len() {
            report[layout.len_at[i]] = n as u8;
            report[at..at + n].copy_from_slice(&track.as_bytes()[..n]);
        }
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
        assert_eq!(
            parse(&[0u8; 336]),
            Err(ReportError::Length {
                got: 336,
                expected: 337
            })
        );
        let mut report = build(T1, T2, "");
        report[4] = 111;
        assert_eq!(
            parse(&report),
            Err(ReportError::TrackLength {
                track: 2,
                len: 111,
                field: 110
            })
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

    #[test]
    fn the_manuals_descriptor_gives_the_manuals_layout() {
        use crate::usb::report_descriptor::tests::{MAGTEK, bytes};
        assert_eq!(
            Layout::from_descriptor(&bytes(MAGTEK)).unwrap(),
            Layout::default()
        );
    }

    #[test]
    fn a_reader_with_112_byte_tracks_is_read_by_its_descriptor() {
        use crate::usb::report_descriptor::tests::{MAGTEK, bytes};
        // The MagnePrint reader's fields (reference/devices.md 4.2): 112-byte tracks.
        let desc = bytes(&MAGTEK.replace("95 6E", "95 70"));
        let layout = Layout::from_descriptor(&desc).unwrap();
        assert_eq!(layout.report_len, 7 + 3 * 112);
        assert_eq!(layout.track_at, [7, 119, 231]);
        let report = build_with(&layout, T1, T2, "");
        let (_, event) = parse_with(&report, &layout).unwrap();
        assert!(matches!(event, MsrEvent::Swiped(_)), "{event:?}");
        // The fixed 337-byte layout refuses it instead of reading the wrong bytes.
        assert!(matches!(parse(&report), Err(ReportError::Length { .. })));
        // A descriptor without the track usages is refused by name.
        let no_tracks = bytes("06 00 FF 09 01 A1 01 75 08 95 07 09 20 81 02 C0");
        assert_eq!(
            Layout::from_descriptor(&no_tracks),
            Err(LayoutError::Missing(0x30))
        );
    }

    proptest! {
        #[test]
        fn any_descriptor_and_report_never_panic(
            desc in proptest::collection::vec(any::<u8>(), 0..96),
            report in proptest::collection::vec(any::<u8>(), 0..400),
        ) {
            if let Ok(layout) = Layout::from_descriptor(&desc) {
                let _ = parse_with(&report, &layout);
                let _ = build_with(&layout, "%B1^A^1?", ";1=1?", "");
            }
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 337..=337)) {
            let _ = parse(&bytes);
        }
    }
}
