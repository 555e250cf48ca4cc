//! Shared helpers for the end-to-end tests: locating the `pos` binary, temporary data dirs,
//! and starting real services (pcscd only when none is running; a throwaway PostgreSQL).

pub mod card_lane;
pub mod child;
pub mod net;
pub mod pcscd;
pub mod pos_cli;
pub mod postgres;

pub use pos_cli::{CASHIER, MANAGER, Pos, Run};
