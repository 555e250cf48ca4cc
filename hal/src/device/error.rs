//! Typed device errors, in the style of embedded-hal: a driver keeps its own detail, callers
//! match on [`ErrorKind`].

use std::fmt;

/// What went wrong, coarsely enough that a caller can decide what to do (retry, tell the
/// cashier, reconnect) without knowing the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The call is not allowed in the device's current lifecycle state.
    IllegalState,
    /// The device (or its service, e.g. pcscd) is not there.
    NoDevice,
    /// Another process or lane holds the device.
    Busy,
    /// The device did not answer in time.
    Timeout,
    /// The device went away during the operation (unplugged, card pulled).
    Removed,
    /// The device answered with something that does not follow its protocol.
    Protocol,
    /// The device reports a condition that needs a person (paper out, cover open).
    NeedsAttention,
    /// The operating system refused access (permissions, udev rules).
    Permission,
    /// The configuration names something that cannot work.
    Config,
    /// Any other I/O failure.
    Io,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ErrorKind::IllegalState => "not allowed in the device's current state",
            ErrorKind::NoDevice => "device not present",
            ErrorKind::Busy => "device in use elsewhere",
            ErrorKind::Timeout => "device did not answer in time",
            ErrorKind::Removed => "device or card removed during the operation",
            ErrorKind::Protocol => "device answered outside its protocol",
            ErrorKind::NeedsAttention => "device needs attention",
            ErrorKind::Permission => "access to the device refused",
            ErrorKind::Config => "device configuration is invalid",
            ErrorKind::Io => "device I/O failed",
        };
        f.write_str(text)
    }
}

/// A device error: the kind, where it happened, and the driver's own detail.
///
/// The detail must never carry card data (PAN, track, PIN): drivers pass only what a
/// technician needs.
#[derive(Debug, thiserror::Error)]
#[error("{device}: {kind} while {operation}{}", detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct DeviceError {
    pub kind: ErrorKind,
    /// Logical device name, e.g. `printer0`.
    pub device: String,
    /// What was being done, e.g. `transmit APDU`.
    pub operation: &'static str,
    pub detail: Option<String>,
}

impl DeviceError {
    pub fn new(kind: ErrorKind, device: impl Into<String>, operation: &'static str) -> Self {
        Self {
            kind,
            device: device.into(),
            operation,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl fmt::Display) -> Self {
        self.detail = Some(detail.to_string());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}
