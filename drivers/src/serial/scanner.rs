//! Serial barcode scanners send each scan as one line (CR, LF or CR LF). [`LineFramer`] cuts
//! the byte stream into scans and throws away noise (over-long runs, non-text bytes) with a
//! typed error instead of passing it on as a product code.

use std::time::Duration;

use pos_hal::device::scanner::{BarcodeScanner, ScanData};
use pos_hal::device::{DeviceError, ErrorKind, Lifecycle, State, UposDevice};

use crate::pipe::{BytePipe, PipeError};

/// Why bytes from a scanner were not a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("scan longer than {0} bytes without a terminator")]
    TooLong(usize),
    #[error("byte {0:#04x} is not part of a barcode")]
    Noise(u8),
}

/// Splits a scanner's byte stream into lines.
#[derive(Debug, Clone)]
pub struct LineFramer {
    line: Vec<u8>,
    max_len: usize,
    discarding: bool,
}

impl LineFramer {
    pub fn new(max_len: usize) -> Self {
        Self {
            line: Vec::new(),
            max_len,
            discarding: false,
        }
    }

    /// Feeds bytes; returns complete scans and framing errors in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<ScanData, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                b'\r' | b'\n' => {
                    let line = std::mem::take(&mut self.line);
                    if !self.discarding && !line.is_empty() {
                        // Only printable ASCII and the GS1 separator reach here.
                        out.push(Ok(ScanData::from_raw(&String::from_utf8_lossy(&line))));
                    }
                    self.discarding = false;
                }
                0x1d | 0x20..=0x7e => {
                    if self.discarding {
                        continue;
                    }
                    if self.line.len() == self.max_len {
                        self.line.clear();
                        self.discarding = true;
                        out.push(Err(FrameError::TooLong(self.max_len)));
                    } else {
                        self.line.push(b);
                    }
                }
                other => {
                    if !self.discarding {
                        self.line.clear();
                        self.discarding = true;
                        out.push(Err(FrameError::Noise(other)));
                    }
                }
            }
        }
        out
    }
}

/// A barcode scanner on a serial port (or any byte pipe).
#[derive(Debug)]
pub struct SerialScanner<P: BytePipe> {
    life: Lifecycle,
    pipe: P,
    framer: LineFramer,
    ready: std::collections::VecDeque<ScanData>,
}

impl<P: BytePipe> SerialScanner<P> {
    pub fn new(name: impl Into<String>, pipe: P) -> Self {
        Self {
            life: Lifecycle::new(name),
            pipe,
            framer: LineFramer::new(256),
            ready: Default::default(),
        }
    }
}

impl<P: BytePipe> UposDevice for SerialScanner<P> {
    fn name(&self) -> &str {
        self.life.name()
    }
    fn state(&self) -> State {
        self.life.state()
    }
    fn open(&mut self) -> Result<(), DeviceError> {
        self.life.open()?;
        let name = self.life.name().to_string();
        self.pipe
            .connect()
            .map_err(|e| e.into_device(&name, "open"))
    }
    fn claim(&mut self, _timeout: Duration) -> Result<(), DeviceError> {
        self.life.claim()
    }
    fn enable(&mut self) -> Result<(), DeviceError> {
        self.life.enable()
    }
    fn disable(&mut self) -> Result<(), DeviceError> {
        self.life.disable()
    }
    fn release(&mut self) -> Result<(), DeviceError> {
        self.life.release()
    }
    fn close(&mut self) -> Result<(), DeviceError> {
        self.life.close()
    }
}

impl<P: BytePipe> BarcodeScanner for SerialScanner<P> {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanData>, DeviceError> {
        self.life.require_enabled("read scan")?;
        let deadline = std::time::Instant::now() + timeout;
        let mut buf = [0u8; 256];
        loop {
            if let Some(scan) = self.ready.pop_front() {
                return Ok(Some(scan));
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.pipe.read(&mut buf, left) {
                Ok(n) => {
                    for item in self.framer.push(&buf[..n]) {
                        match item {
                            Ok(scan) => self.ready.push_back(scan),
                            Err(e) => {
                                tracing::warn!(device = self.life.name(), error = %e, "scanner noise dropped")
                            }
                        }
                    }
                }
                Err(PipeError::Timeout) => return Ok(None),
                Err(e) => {
                    let kind = if e.is_link() {
                        ErrorKind::Removed
                    } else {
                        e.kind()
                    };
                    return Err(
                        DeviceError::new(kind, self.life.name(), "read scan").with_detail(e)
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serial::{Flow, SerialConfig, SerialPipe};
    use pos_hal::device::scanner::Symbology;
    use std::io::Write;

    #[test]
    fn frames_lines_and_drops_noise() {
        let mut f = LineFramer::new(16);
        let out = f.push(b"4006381333931\r\n\x01\x02garbage\r\n96385074\n");
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().symbology, Symbology::Ean13);
        assert_eq!(out[1], Err(FrameError::Noise(0x01)));
        assert_eq!(out[2].as_ref().unwrap().data, "96385074");
        let out = f.push(b"12345678901234567890\n42\n");
        assert_eq!(out[0], Err(FrameError::TooLong(16)));
        assert_eq!(out[1].as_ref().unwrap().data, "42");
    }

    #[test]
    fn scanner_over_a_real_pty() {
        let (mut device_end, app_end) = serialport::TTYPort::pair().unwrap();
        let config = SerialConfig {
            path: "pty".into(),
            baud: 9600,
            flow: Flow::None,
        };
        let mut scanner = SerialScanner::new("scanner0", SerialPipe::from_port(config, app_end));
        scanner.life.open().unwrap();
        scanner.claim(Duration::from_millis(1)).unwrap();
        scanner.enable().unwrap();
        device_end
            .write_all(b"\xff\xfe\r\n4006381333931\r\n")
            .unwrap();
        // Only bounds a stall of the kernel's pty flush.
        let scan = scanner.next_scan(Duration::from_secs(20)).unwrap().unwrap();
        assert_eq!(scan.data, "4006381333931");
        assert_eq!(scanner.next_scan(Duration::from_millis(50)).unwrap(), None);
    }
}
