//! One byte-pipe trait for every printer transport (TCP 9100, serial, USB bulk), so the
//! spooler and the ESC/POS driver are written once and unit-tested over an in-memory pipe.

use std::io;
use std::time::Duration;

use pos_hal::device::{DeviceError, ErrorKind};

/// Why a transport operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PipeError {
    #[error("no answer in time")]
    Timeout,
    #[error("connection lost")]
    Disconnected,
    #[error("not connected")]
    NotConnected,
    #[error("I/O: {0}")]
    Io(#[from] io::Error),
    #[error("USB: {0}")]
    Usb(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl PipeError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PipeError::Timeout => ErrorKind::Timeout,
            PipeError::Disconnected => ErrorKind::Removed,
            PipeError::NotConnected => ErrorKind::NoDevice,
            PipeError::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                ErrorKind::Permission
            }
            PipeError::Io(e) if e.kind() == io::ErrorKind::NotFound => ErrorKind::NoDevice,
            PipeError::Io(_) | PipeError::Usb(_) => ErrorKind::Io,
            PipeError::Config(_) => ErrorKind::Config,
        }
    }

    /// True when the link itself is gone or silent: the data is kept and the link retried.
    pub fn is_link(&self) -> bool {
        matches!(
            self,
            PipeError::Timeout
                | PipeError::Disconnected
                | PipeError::NotConnected
                | PipeError::Io(_)
        )
    }

    pub fn into_device(self, device: &str, operation: &'static str) -> DeviceError {
        DeviceError::new(self.kind(), device, operation).with_detail(self)
    }
}

/// A bidirectional byte stream to a device.
pub trait BytePipe: Send {
    /// (Re)establishes the link; a no-op for links that cannot drop.
    fn connect(&mut self) -> Result<(), PipeError>;
    fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError>;
    /// Reads what is available, waiting at most `timeout`; never returns `Ok(0)`.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError>;
    /// Where the pipe goes, for logs (`tcp:127.0.0.1:9100`).
    fn describe(&self) -> String;
}

impl<P: BytePipe + ?Sized> BytePipe for Box<P> {
    fn connect(&mut self) -> Result<(), PipeError> {
        (**self).connect()
    }
    fn write_all(&mut self, data: &[u8]) -> Result<(), PipeError> {
        (**self).write_all(data)
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        (**self).read(buf, timeout)
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}
