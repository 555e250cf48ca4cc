//! Devices as UnifiedPOS defines them: a lifecycle every device shares, typed errors with a
//! coarse [`ErrorKind`] callers can act on, and one small trait per device category.
//!
//! The lifecycle is open → claim → enable; disable → release → close. [`Lifecycle`] tracks it
//! and refuses out-of-order calls with [`ErrorKind::IllegalState`], so a driver cannot, say,
//! print on a printer it has not claimed.

pub mod card_reader;
pub mod display;
pub mod drawer;
mod error;
mod lifecycle;
pub mod msr;
pub mod printer;
pub mod registry;
pub mod scanner;
mod upos;

pub use card_reader::{
    ApduChannel, CardInterface, CardReader, CardSession, ReaderEvent, ReaderInfo,
};
pub use error::{DeviceError, ErrorKind};
pub use lifecycle::{Lifecycle, PowerState, State};
pub use registry::{DeviceCategory, DeviceRegistry, DeviceSpec, DevicesConfig, Transport};
pub use upos::UposDevice;
