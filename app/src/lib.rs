//! `pos-app`: everything about the shop. The UI and the CLI are thin shells over the same
//! application services; neither touches SQL or a driver directly.

pub mod acquirer;
pub mod card_emv;
pub mod cli;
pub mod config;
pub mod devices;
pub mod domain;
pub mod payment;
pub mod printing;
pub mod services;
pub mod store;
pub mod sync;
pub mod ui;
