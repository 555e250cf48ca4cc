//! `pos-drivers`: how devices are reached. Each module implements `pos_hal::device` traits over
//! one transport; none of them knows about the shop (`app`).
//!
//! - [`pcsc`]: contact and contactless card readers through pcscd.
//! - [`usb`]: HID card readers and scanners, USB printers, through rusb.
//! - [`serial`]: serial printers and scanners through serialport.
//! - [`net`]: TCP (port 9100) printers.
//! - [`pipe`]: the byte-pipe trait every printer transport implements.
//! - [`escpos`]: receipt documents to ESC/POS bytes, status replies to printer status.
//! - [`sim`]: simulators of every device, and the virtual EMV card for pcscd's vpcd reader.

pub mod escpos;
pub mod net;
pub mod pcsc;
pub mod pipe;
pub mod serial;
pub mod sim;
pub mod usb;
