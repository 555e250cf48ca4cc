//! Shared helpers for the end-to-end tests: locating the `pos` binary, temporary data dirs,
//! and starting real services (pcscd) only when none is running.

pub mod postgres;
