//! ISO/IEC 7816: what a smart card and a terminal exchange, above the transport.
//!
//! - [`Command`] and [`Response`]: APDUs, cases 1-4, short and extended (ISO 7816-3 §12.1).
//! - [`StatusWord`]: SW1 SW2 with its meaning (ISO 7816-4 §5.6, EMV Book 1/3).
//! - [`Atr`]: the answer to reset, parsed and checked (ISO 7816-3 §8).
//! - [`ApduTransport`]: the T=0 rules a PC/SC application must apply itself (`61xx`, `6Cxx`, the
//!   case-4 warning rule) over anything that implements [`Transmit`].
//!
//! Every parser takes untrusted bytes and answers with a typed error, never a panic.

mod apdu;
mod atr;
mod status;
mod transport;

pub use apdu::{ApduCase, ApduError, Command, Response};
pub use atr::{Atr, AtrError, Convention, InterfaceBytes};
pub use status::{StatusMeaning, StatusWord};
pub use transport::{ApduTransport, Transmit, TransportError};
