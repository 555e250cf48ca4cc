//! USB devices through libusb (rusb): printers (bulk), HID barcode scanners (keyboard
//! emulation or HID POS) and HID magstripe readers. The report parsers
//! ([`keyboard`], [`hidpos`], [`magtek`]) are pure; [`libusb`] is the thin I/O layer;
//! [`devices`] puts them together behind the `pos_hal::device` traits.

pub mod devices;
pub mod hidpos;
pub mod keyboard;
pub mod libusb;
pub mod magtek;
pub mod report_descriptor;

pub use devices::{ScannerMode, UsbHidMsr, UsbHidScanner};
pub use libusb::{CLASS_HID, CLASS_PRINTER, UsbBulkPipe, UsbId, UsbTarget};
