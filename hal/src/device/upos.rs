//! The control surface every UnifiedPOS device shares (open, claim, enable and back), so the
//! app can manage a printer, a drawer or a scanner the same way.

use std::time::Duration;

use super::{DeviceError, State};

/// UnifiedPOS common methods. Drivers keep a [`super::Lifecycle`] and do their transport work
/// (connect, claim a USB interface) in `open`/`claim`.
pub trait UposDevice {
    /// Logical device name, e.g. `printer0`.
    fn name(&self) -> &str;
    fn state(&self) -> State;
    fn open(&mut self) -> Result<(), DeviceError>;
    /// Takes exclusive access, waiting at most `timeout` for another holder to let go.
    fn claim(&mut self, timeout: Duration) -> Result<(), DeviceError>;
    fn enable(&mut self) -> Result<(), DeviceError>;
    fn disable(&mut self) -> Result<(), DeviceError>;
    fn release(&mut self) -> Result<(), DeviceError>;
    fn close(&mut self) -> Result<(), DeviceError>;

    /// Open, claim and enable in one go.
    fn start(&mut self, timeout: Duration) -> Result<(), DeviceError> {
        self.open()?;
        self.claim(timeout)?;
        self.enable()
    }
}
