//! The acquirer link: ISO 8583 messages, DUKPT keys, PIN blocks and MACs, the lane-side
//! client and the simulated acquirer/issuer host.

pub mod card;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod host;
pub mod iso8583;
pub mod protocol;
pub mod requests;
