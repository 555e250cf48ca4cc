//! ISO 8583 (1987) messages: a codec driven by a field table ([`spec`]), the message value
//! type, typed errors that name the offending field, and the 2-byte TCP framing.

pub mod codec;
pub mod error;
pub mod framing;
pub mod message;
pub mod spec;

pub use codec::{decode, encode};
pub use error::{CodecError, FieldProblem, FrameError};
pub use framing::{FrameDecoder, read_frame, write_frame};
pub use message::{Message, Mti};
pub use spec::{Dialect, POS_1987};

#[cfg(test)]
mod tests;
