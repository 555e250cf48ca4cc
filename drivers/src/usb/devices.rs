//! HID scanners and magstripe readers over libusb, as `pos_hal::device` devices.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use pos_hal::device::msr::{MagStripeReader, MsrEvent};
use pos_hal::device::scanner::wedge::Key;
use pos_hal::device::scanner::{BarcodeScanner, ScanData};
use pos_hal::device::{DeviceError, ErrorKind, Lifecycle, State, UposDevice};

use super::hidpos::{HidPosDecoder, HidPosLayout};
use super::keyboard::BootKeyboard;
use super::libusb::{HidReports, UsbTarget};
use super::magtek;
use crate::pipe::PipeError;

/// How a HID scanner presents its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScannerMode {
    /// Boot keyboard reports; a scan ends with Enter. The device is ours (claimed), so every
    /// key is scan data — no need to tell it from typing.
    Keyboard,
    HidPos(HidPosLayout),
}

#[derive(Debug)]
enum Decoder {
    Keyboard {
        keyboard: BootKeyboard,
        line: String,
    },
    HidPos(HidPosDecoder),
}

/// Lifecycle methods shared by the two HID devices.
macro_rules! upos_over_hid {
    ($t:ty) => {
        impl UposDevice for $t {
            fn name(&self) -> &str {
                self.life.name()
            }
            fn state(&self) -> State {
                self.life.state()
            }
            fn open(&mut self) -> Result<(), DeviceError> {
                self.life.open()
            }
            fn claim(&mut self, _timeout: Duration) -> Result<(), DeviceError> {
                let name = self.life.name().to_string();
                self.reports
                    .connect()
                    .map_err(|e| e.into_device(&name, "claim"))?;
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
    };
}

fn read_error(name: &str, e: PipeError) -> DeviceError {
    let kind = if matches!(e, PipeError::Disconnected) {
        ErrorKind::Removed
    } else {
        e.kind()
    };
    DeviceError::new(kind, name, "read report").with_detail(e)
}

/// A USB HID barcode scanner.
#[derive(Debug)]
pub struct UsbHidScanner {
    life: Lifecycle,
    reports: HidReports,
    decoder: Decoder,
    report_len: usize,
    ready: VecDeque<ScanData>,
}

impl UsbHidScanner {
    pub fn new(name: impl Into<String>, target: UsbTarget, mode: ScannerMode) -> Self {
        let (decoder, report_len) = match mode {
            ScannerMode::Keyboard => (
                Decoder::Keyboard {
                    keyboard: BootKeyboard::default(),
                    line: String::new(),
                },
                8,
            ),
            ScannerMode::HidPos(layout) => (
                Decoder::HidPos(HidPosDecoder::new(layout)),
                layout.report_len,
            ),
        };
        Self {
            life: Lifecycle::new(name),
            reports: HidReports::new(target),
            decoder,
            report_len,
            ready: VecDeque::new(),
        }
    }

    fn take_report(&mut self, report: &[u8]) {
        let name = self.life.name();
        match &mut self.decoder {
            Decoder::Keyboard { keyboard, line } => match keyboard.feed(report) {
                Ok(keys) => {
                    for key in keys {
                        match key {
                            Key::Char(c) if line.len() < 4096 => line.push(c),
                            Key::Char(_) => line.clear(),
                            Key::Enter | Key::Tab => {
                                if !line.is_empty() {
                                    self.ready
                                        .push_back(ScanData::from_raw(&std::mem::take(line)));
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(device = name, error = %e, "scanner report dropped"),
            },
            Decoder::HidPos(decoder) => match decoder.feed(report) {
                Ok(Some(scan)) => self.ready.push_back(scan),
                Ok(None) => {}
                Err(e) => tracing::warn!(device = name, error = %e, "scanner report dropped"),
            },
        }
    }
}

upos_over_hid!(UsbHidScanner);

impl BarcodeScanner for UsbHidScanner {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanData>, DeviceError> {
        self.life.require_enabled("read scan")?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(scan) = self.ready.pop_front() {
                return Ok(Some(scan));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.reports.next_report(self.report_len, left) {
                Ok(Some(report)) => self.take_report(&report),
                Ok(None) => return Ok(None),
                Err(e) => return Err(read_error(self.life.name(), e)),
            }
        }
    }
}

/// A MagTek-style USB HID swipe reader.
#[derive(Debug)]
pub struct UsbHidMsr {
    life: Lifecycle,
    reports: HidReports,
    layout: magtek::Layout,
}

impl UsbHidMsr {
    /// A reader with the 337-byte report of MagTek's SureSwipe manual.
    pub fn new(name: impl Into<String>, target: UsbTarget) -> Self {
        Self::with_layout(name, target, magtek::Layout::default())
    }

    /// A reader whose fields sit elsewhere, e.g. as `magtek::Layout::from_descriptor` read
    /// them from its report descriptor.
    pub fn with_layout(name: impl Into<String>, target: UsbTarget, layout: magtek::Layout) -> Self {
        Self {
            life: Lifecycle::new(name),
            reports: HidReports::new(target),
            layout,
        }
    }
}

upos_over_hid!(UsbHidMsr);

impl MagStripeReader for UsbHidMsr {
    fn next_event(&mut self, timeout: Duration) -> Result<Option<MsrEvent>, DeviceError> {
        self.life.require_enabled("read swipe")?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let report = match self.reports.next_report(self.layout.report_len, left) {
                Ok(Some(report)) => report,
                Ok(None) => return Ok(None),
                Err(e) => return Err(read_error(self.life.name(), e)),
            };
            match magtek::parse_with(&report, &self.layout) {
                Ok((_, event)) => return Ok(Some(event)),
                // The error names lengths and positions only, never track data.
                Err(e) => {
                    tracing::warn!(device = self.life.name(), error = %e, "swipe report dropped")
                }
            }
        }
    }
}
