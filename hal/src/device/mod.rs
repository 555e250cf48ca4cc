//! Devices as UnifiedPOS defines them: a lifecycle every device shares, typed errors with a
//! coarse [`ErrorKind`] callers can act on, and one small trait per device category.
//!
//! The lifecycle is open → claim → enable; disable → release → close. [`Lifecycle`] tracks it
//! and refuses out-of-order calls with [`ErrorKind::IllegalState`], so a driver cannot, say,
//! print on a printer it has not claimed.

mod error;
mod lifecycle;

pub use error::{DeviceError, ErrorKind};
pub use lifecycle::{Lifecycle, PowerState, State};
mod upos;

pub mod display;
pub mod drawer;
pub mod msr;
pub mod printer;
pub mod scanner;

pub use upos::UposDevice;
