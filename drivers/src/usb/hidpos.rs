//! HID POS barcode scanners (USB-IF "HID Point of Sale Usage Tables" 1.02, Bar Code Scanner
//! page 0x8C, Scanned Data Report usage 0x12) → [`ScanData`].
//!
//! The report layout is what HID POS scanners in their "HID POS" mode commonly send (report
//! ID 2): byte 1 the number of data bytes in this report, bytes 2-4 the AIM symbology
//! identifier (`]E0`; zeros when the scanner sends none), then up to 56 data bytes, and in the last byte bit 0 set when
//! the scan continues in the next report. The exact offsets come from the report descriptor
//! of the device; [`HidPosLayout`] keeps them configurable.

use pos_hal::device::scanner::ScanData;

/// Where the fields sit in a scanned-data report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HidPosLayout {
    pub report_id: u8,
    pub report_len: usize,
    /// Offset of the 3-byte symbology identifier.
    pub symbology_at: usize,
    pub data_at: usize,
    pub data_max: usize,
}

impl Default for HidPosLayout {
    fn default() -> Self {
        Self {
            report_id: 0x02,
            report_len: 64,
            symbology_at: 2,
            data_at: 5,
            data_max: 56,
        }
    }
}

/// A report that does not fit the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HidPosError {
    #[error("report of {0} bytes does not match the layout")]
    Length(usize),
    #[error("report id {0:#04x} is not a scanned-data report")]
    ReportId(u8),
    #[error("data length {0} exceeds the report")]
    DataLength(u8),
    #[error("scan data is not text")]
    Encoding,
    #[error("scan longer than {0} bytes")]
    TooLong(usize),
}

/// Reassembles scans from scanned-data reports.
#[derive(Debug, Clone, Default)]
pub struct HidPosDecoder {
    layout: HidPosLayout,
    aim: Vec<u8>,
    data: Vec<u8>,
}

const MAX_SCAN: usize = 4096;

impl HidPosDecoder {
    pub fn new(layout: HidPosLayout) -> Self {
        Self {
            layout,
            ..Self::default()
        }
    }

    /// Feeds one report; returns a scan when its last report arrived.
    pub fn feed(&mut self, report: &[u8]) -> Result<Option<ScanData>, HidPosError> {
        let l = self.layout;
        if report.len() != l.report_len {
            return Err(HidPosError::Length(report.len()));
        }
        if report[0] != l.report_id {
            return Err(HidPosError::ReportId(report[0]));
        }
        let len = report[1];
        if usize::from(len) > l.data_max {
            self.data.clear();
            return Err(HidPosError::DataLength(len));
        }
        if self.data.is_empty() {
            self.aim = report[l.symbology_at..l.symbology_at + 3].to_vec();
        }
        self.data
            .extend_from_slice(&report[l.data_at..l.data_at + usize::from(len)]);
        if self.data.len() > MAX_SCAN {
            self.data.clear();
            return Err(HidPosError::TooLong(MAX_SCAN));
        }
        let more = report[l.report_len - 1] & 1 == 1;
        if more {
            return Ok(None);
        }
        let data = std::mem::take(&mut self.data);
        let text = String::from_utf8(data).map_err(|_| HidPosError::Encoding)?;
        if text.is_empty() {
            return Ok(None);
        }
        let aim: String = self
            .aim
            .iter()
            .filter(|b| **b != 0)
            .map(|b| char::from(*b))
            .collect();
        Ok(Some(ScanData::from_raw(&format!("{aim}{text}"))))
    }
}

/// Builds reports for one scan (for simulators and tests).
pub fn build(layout: HidPosLayout, aim: &str, data: &str) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = data.as_bytes().chunks(layout.data_max.max(1)).collect();
    let count = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut r = vec![0u8; layout.report_len];
            r[0] = layout.report_id;
            r[1] = chunk.len() as u8;
            for (j, b) in aim.bytes().take(3).enumerate() {
                r[layout.symbology_at + j] = b;
            }
            r[layout.data_at..layout.data_at + chunk.len()].copy_from_slice(chunk);
            r[layout.report_len - 1] = u8::from(i + 1 < count);
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hal::device::scanner::Symbology;
    use proptest::prelude::*;

    #[test]
    fn decodes_single_and_continued_reports() {
        let layout = HidPosLayout::default();
        let mut d = HidPosDecoder::new(layout);
        let scan = d
            .feed(&build(layout, "]E0", "4006381333931")[0])
            .unwrap()
            .unwrap();
        assert_eq!(
            (scan.data.as_str(), scan.symbology),
            ("4006381333931", Symbology::Ean13)
        );
        let long = "0109501101020917".repeat(5);
        let reports = build(layout, "]C1", &long);
        assert_eq!(reports.len(), 2);
        assert_eq!(d.feed(&reports[0]).unwrap(), None);
        let scan = d.feed(&reports[1]).unwrap().unwrap();
        assert_eq!((scan.data, scan.symbology), (long, Symbology::Gs1_128));
    }

    #[test]
    fn truncated_or_foreign_reports_are_errors() {
        let mut d = HidPosDecoder::default();
        assert_eq!(d.feed(&[2, 1, 0]), Err(HidPosError::Length(3)));
        let mut r = vec![0u8; 64];
        r[0] = 7;
        assert_eq!(d.feed(&r), Err(HidPosError::ReportId(7)));
        r[0] = 2;
        r[1] = 200;
        assert_eq!(d.feed(&r), Err(HidPosError::DataLength(200)));
    }

    proptest! {
        #[test]
        fn never_panics(reports in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 64..=64), 1..4)) {
            let mut d = HidPosDecoder::default();
            for r in reports {
                let _ = d.feed(&r);
            }
        }
    }
}
