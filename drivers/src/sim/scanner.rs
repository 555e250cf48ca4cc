//! A simulated barcode scanner: tests and the demo inject scans through a
//! [`SimScannerHandle`]; the lane reads them through the ordinary [`BarcodeScanner`] trait.
//! [`wedge_keystrokes`] produces what a keyboard-wedge scanner would type, with timestamps,
//! for code that feeds a `WedgeDecoder`.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use pos_hal::device::scanner::wedge::Key;
use pos_hal::device::scanner::{BarcodeScanner, ScanData};
use pos_hal::device::{DeviceError, ErrorKind, Lifecycle};

/// Injects scans into a [`SimScanner`].
#[derive(Debug, Clone)]
pub struct SimScannerHandle {
    tx: Sender<String>,
}

impl SimScannerHandle {
    /// Scans `raw` as the scanner would send it (an AIM prefix such as `]E0` is allowed).
    pub fn scan(&self, raw: &str) -> bool {
        self.tx.send(raw.to_string()).is_ok()
    }
}

/// The simulated scanner device.
#[derive(Debug)]
pub struct SimScanner {
    life: Lifecycle,
    rx: Receiver<String>,
}

impl SimScanner {
    pub fn new(name: impl Into<String>) -> (Self, SimScannerHandle) {
        let (tx, rx) = channel();
        (
            Self {
                life: Lifecycle::new(name),
                rx,
            },
            SimScannerHandle { tx },
        )
    }
}

upos_over_lifecycle!(SimScanner);

impl BarcodeScanner for SimScanner {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanData>, DeviceError> {
        self.life.require_enabled("read scan")?;
        match self.rx.recv_timeout(timeout) {
            Ok(raw) => Ok(Some(ScanData::from_raw(&raw))),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(
                    DeviceError::new(ErrorKind::Removed, self.life.name(), "read scan")
                        .with_detail("handle dropped"),
                )
            }
        }
    }
}

/// The keys a keyboard-wedge scanner types for `data` (then Enter), `gap` apart from `start`.
pub fn wedge_keystrokes(data: &str, start: Duration, gap: Duration) -> Vec<(Key, Duration)> {
    let mut at = start;
    let mut keys = Vec::new();
    for key in data.chars().map(Key::Char).chain([Key::Enter]) {
        keys.push((key, at));
        at += gap;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_hal::device::UposDevice;
    use pos_hal::device::scanner::Symbology;
    use pos_hal::device::scanner::wedge::{WedgeConfig, WedgeDecoder, WedgeOutput};

    #[test]
    fn injected_scans_arrive_in_order() {
        let (mut scanner, handle) = SimScanner::new("scanner0");
        scanner.start(Duration::from_millis(1)).unwrap();
        assert!(handle.scan("]E04006381333931") && handle.scan("96385074"));
        let first = scanner.next_scan(Duration::from_secs(1)).unwrap().unwrap();
        assert_eq!(
            (first.data.as_str(), first.symbology),
            ("4006381333931", Symbology::Ean13)
        );
        assert_eq!(
            scanner
                .next_scan(Duration::from_secs(1))
                .unwrap()
                .unwrap()
                .symbology,
            Symbology::Ean8
        );
        assert_eq!(scanner.next_scan(Duration::from_millis(10)).unwrap(), None);
        drop(handle);
        assert_eq!(
            scanner
                .next_scan(Duration::from_millis(10))
                .unwrap_err()
                .kind(),
            ErrorKind::Removed
        );
    }

    #[test]
    fn wedge_keystrokes_decode_as_a_scan() {
        let mut decoder = WedgeDecoder::new(WedgeConfig::default());
        let out: Vec<WedgeOutput> =
            wedge_keystrokes("4006381333931", Duration::ZERO, Duration::from_millis(4))
                .into_iter()
                .flat_map(|(key, at)| decoder.key(key, at))
                .collect();
        assert_eq!(out, vec![WedgeOutput::Scan("4006381333931".into())]);
    }
}
