//! The thin rusb layer: find a device by a list of VID:PID pairs, pick the interface of a
//! class and its endpoints from the descriptors, claim it, and move bytes (bulk for
//! printers, interrupt IN for HID readers). Everything above it is pure and unit-tested; this
//! layer is tested through libusb for real under umockdev replay (tests/captures/).

use std::time::Duration;

use rusb::{Context, Device, DeviceHandle, Direction, TransferType, UsbContext};

use crate::pipe::{BytePipe, PipeError};

/// A USB vendor/product id pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsbId {
    pub vid: u16,
    pub pid: u16,
}

impl UsbId {
    /// Parses `VID:PID` in hex (`04b8:0202`).
    pub fn parse(spec: &str) -> Result<Self, PipeError> {
        let bad = || PipeError::Config(format!("USB id {spec:?} is not VID:PID in hex"));
        let (vid, pid) = spec.split_once(':').ok_or_else(bad)?;
        let vid = u16::from_str_radix(vid, 16).map_err(|_| bad())?;
        let pid = u16::from_str_radix(pid, 16).map_err(|_| bad())?;
        Ok(Self { vid, pid })
    }
}

/// USB interface classes we drive.
pub const CLASS_HID: u8 = 0x03;
pub const CLASS_PRINTER: u8 = 0x07;

/// How to reach one interface of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbTarget {
    /// Accepted ids, in order of preference (devices change PID with their mode).
    pub ids: Vec<UsbId>,
    pub class: u8,
    /// Detach a kernel driver (usblp, usbhid) before claiming. Off under umockdev, which
    /// does not emulate the detach ioctls.
    pub detach_kernel_driver: bool,
}

fn usb_error(e: rusb::Error) -> PipeError {
    match e {
        rusb::Error::Timeout => PipeError::Timeout,
        rusb::Error::NoDevice => PipeError::Disconnected,
        rusb::Error::NotFound => PipeError::NotConnected,
        rusb::Error::Access => PipeError::Io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "USB access denied (udev rules?)",
        )),
        other => PipeError::Usb(other.to_string()),
    }
}

/// An open, claimed interface with its endpoints.
#[derive(Debug)]
pub struct Claimed {
    handle: DeviceHandle<Context>,
    interface: u8,
    pub endpoint_in: Option<(u8, TransferType, u16)>,
    pub endpoint_out: Option<(u8, TransferType, u16)>,
    pub id: UsbId,
}

impl Drop for Claimed {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.interface);
    }
}

fn find(context: &Context, target: &UsbTarget) -> Result<(Device<Context>, UsbId), PipeError> {
    let devices = context.devices().map_err(usb_error)?;
    for wanted in &target.ids {
        for device in devices.iter() {
            let Ok(desc) = device.device_descriptor() else {
                continue;
            };
            if desc.vendor_id() == wanted.vid && desc.product_id() == wanted.pid {
                return Ok((device, *wanted));
            }
        }
    }
    Err(PipeError::NotConnected)
}

/// Finds, opens and claims the target's interface.
pub fn claim(target: &UsbTarget) -> Result<Claimed, PipeError> {
    let context = Context::new().map_err(usb_error)?;
    let (device, id) = find(&context, target)?;
    let config = device.config_descriptor(0).map_err(usb_error)?;
    for interface in config.interfaces() {
        for alt in interface.descriptors() {
            if alt.class_code() != target.class {
                continue;
            }
            let mut endpoint_in = None;
            let mut endpoint_out = None;
            for ep in alt.endpoint_descriptors() {
                let entry = Some((ep.address(), ep.transfer_type(), ep.max_packet_size()));
                match ep.direction() {
                    Direction::In if endpoint_in.is_none() => endpoint_in = entry,
                    Direction::Out if endpoint_out.is_none() => endpoint_out = entry,
                    _ => {}
                }
            }
            let handle = device.open().map_err(usb_error)?;
            if target.detach_kernel_driver {
                // Not every platform supports it; claiming reports the real problem if any.
                let _ = handle.set_auto_detach_kernel_driver(true);
            }
            let number = alt.interface_number();
            handle.claim_interface(number).map_err(usb_error)?;
            tracing::debug!(
                vid = id.vid,
                pid = id.pid,
                interface = number,
                "USB interface claimed"
            );
            return Ok(Claimed {
                handle,
                interface: number,
                endpoint_in,
                endpoint_out,
                id,
            });
        }
    }
    Err(PipeError::Config(format!(
        "device {:04x}:{:04x} has no interface of class {:#04x}",
        id.vid, id.pid, target.class
    )))
}

/// A USB printer-class (or vendor bulk) link as a [`BytePipe`].
#[derive(Debug)]
pub struct UsbBulkPipe {
    target: UsbTarget,
    write_timeout: Duration,
    claimed: Option<Claimed>,
}

impl UsbBulkPipe {
    pub fn new(target: UsbTarget, write_timeout: Duration) -> Self {
        Self {
            target,
            write_timeout,
            claimed: None,
        }
    }

    fn lost(&mut self, e: rusb::Error) -> PipeError {
        if e == rusb::Error::NoDevice {
            self.claimed = None;
        }
        usb_error(e)
    }
}

impl BytePipe for UsbBulkPipe {
    fn connect(&mut self) -> Result<(), PipeError> {
        self.claimed = None;
        let claimed = claim(&self.target)?;
        if claimed.endpoint_out.is_none() {
            return Err(PipeError::Config(
                "printer interface has no OUT endpoint".into(),
            ));
        }
        self.claimed = Some(claimed);
        Ok(())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError> {
        if self.claimed.is_none() {
            self.connect()?;
        }
        let Some(claimed) = self.claimed.as_ref() else {
            return Err(PipeError::NotConnected);
        };
        let Some((ep, _, _)) = claimed.endpoint_out else {
            return Err(PipeError::NotConnected);
        };
        let mut sent = 0;
        while sent < data.len() {
            match claimed
                .handle
                .write_bulk(ep, &data[sent..], self.write_timeout)
            {
                Ok(n) => sent += n,
                Err(e) => return Err(self.lost(e)),
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        let Some(claimed) = self.claimed.as_ref() else {
            return Err(PipeError::NotConnected);
        };
        let Some((ep, _, _)) = claimed.endpoint_in else {
            return Err(PipeError::Timeout);
        };
        match claimed.handle.read_bulk(ep, buf, timeout) {
            Ok(0) => Err(PipeError::Timeout),
            Ok(n) => Ok(n),
            Err(e) => Err(self.lost(e)),
        }
    }

    fn describe(&self) -> String {
        let ids: Vec<String> = self
            .target
            .ids
            .iter()
            .map(|i| format!("{:04x}:{:04x}", i.vid, i.pid))
            .collect();
        format!("usb:{}", ids.join(","))
    }
}

/// Interrupt IN reports of a HID interface.
#[derive(Debug)]
pub struct HidReports {
    target: UsbTarget,
    claimed: Option<Claimed>,
}

impl HidReports {
    pub fn new(target: UsbTarget) -> Self {
        Self {
            target,
            claimed: None,
        }
    }

    pub fn connect(&mut self) -> Result<UsbId, PipeError> {
        self.claimed = None;
        let claimed = claim(&self.target)?;
        match claimed.endpoint_in {
            Some((_, TransferType::Interrupt, _)) => {}
            _ => {
                return Err(PipeError::Config(
                    "HID interface has no interrupt IN endpoint".into(),
                ));
            }
        }
        let id = claimed.id;
        self.claimed = Some(claimed);
        Ok(id)
    }

    /// The next report (`None` on timeout); `size` is the report length to ask for.
    pub fn next_report(
        &mut self,
        size: usize,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>, PipeError> {
        let Some(claimed) = self.claimed.as_ref() else {
            return Err(PipeError::NotConnected);
        };
        let Some((ep, _, _)) = claimed.endpoint_in else {
            return Err(PipeError::NotConnected);
        };
        let mut buf = vec![0u8; size];
        match claimed.handle.read_interrupt(ep, &mut buf, timeout) {
            Ok(n) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
            Err(rusb::Error::Timeout) => Ok(None),
            Err(e) => {
                if e == rusb::Error::NoDevice {
                    self.claimed = None;
                }
                Err(usb_error(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_usb_ids() {
        assert_eq!(
            UsbId::parse("04b8:0202").unwrap(),
            UsbId {
                vid: 0x04b8,
                pid: 0x0202
            }
        );
        assert!(UsbId::parse("04b8").is_err());
        assert!(UsbId::parse("zzzz:0202").is_err());
    }
}
