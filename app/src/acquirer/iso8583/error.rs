//! Typed codec errors. Every error names the field (number and name) it is about and says
//! what was wrong with it, never what the field held: a PAN must not reach an error message.

use std::fmt;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    /// The message ended inside the field.
    Truncated { needed: usize, available: usize },
    /// A variable field's length prefix is not a number.
    BadLengthPrefix,
    /// More units than the field allows.
    TooLong { length: usize, max: usize },
    /// A fixed field of the wrong size.
    WrongLength { length: usize, expected: usize },
    /// A character the field's type does not allow, at this 0-based position.
    BadCharacter { position: usize },
    /// A nibble that is not a valid digit in a BCD field, at this 0-based digit position.
    BadBcd { position: usize },
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, {available} left")
            }
            Self::BadLengthPrefix => write!(f, "length prefix is not a decimal number"),
            Self::TooLong { length, max } => write!(f, "length {length} exceeds maximum {max}"),
            Self::WrongLength { length, expected } => {
                write!(f, "length {length}, the field is fixed at {expected}")
            }
            Self::BadCharacter { position } => {
                write!(
                    f,
                    "character at position {position} not allowed by the field type"
                )
            }
            Self::BadBcd { position } => write!(f, "invalid BCD digit at position {position}"),
        }
    }
}

/// Why a message could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("message truncated in the {part}: needs {needed} bytes, {available} left")]
    Truncated {
        part: &'static str,
        needed: usize,
        available: usize,
    },
    #[error("MTI {0:04X} is not a valid BCD message type")]
    BadMti(u16),
    #[error("MTI {0} is not supported")]
    UnsupportedMti(String),
    #[error("secondary bitmap announced but empty")]
    EmptySecondaryBitmap,
    #[error("bitmap names field {0}, which the dialect does not define")]
    UnknownField(u8),
    #[error("field {field} ({name}): {problem}")]
    Field {
        field: u8,
        name: &'static str,
        problem: FieldProblem,
    },
    #[error("{0} bytes left over after the last field")]
    TrailingBytes(usize),
    #[error("the MAC field must be the last field present (field {0} follows it)")]
    MacNotLast(u8),
}

/// Why a byte stream could not be split into frames.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {length} bytes exceeds the limit of {max}")]
    TooLarge { length: usize, max: usize },
    #[error("empty frame")]
    Empty,
    #[error("connection closed inside a frame ({got} of {expected} bytes)")]
    Truncated { got: usize, expected: usize },
    #[error("transport: {0}")]
    Io(#[from] std::io::Error),
}
