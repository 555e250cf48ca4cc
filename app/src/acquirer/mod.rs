//! The acquirer link: ISO 8583 messages, DUKPT keys, PIN blocks and MACs, the lane-side
//! client and the simulated acquirer/issuer host.

pub mod crypto;
pub mod iso8583;
