//! Cash drawers. Most are kicked through the receipt printer's drawer port and report their
//! state on the same port (DLE EOT 1 bit 2), so a printer driver usually implements this too.
//! Who may open the drawer outside a cash sale ("no sale") is the app's rule, not the driver's.

use super::{DeviceError, UposDevice};

/// Which drawer kick connector pin drives the solenoid.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum DrawerPin {
    #[default]
    Pin2,
    Pin5,
}

/// A cash drawer.
pub trait CashDrawer: UposDevice {
    /// Fires the kick pulse.
    fn open_drawer(&mut self) -> Result<(), DeviceError>;
    /// Reads the drawer switch.
    fn is_drawer_open(&mut self) -> Result<bool, DeviceError>;
}
