//! Key management and cryptography for the acquirer link: DUKPT (TDES per ANSI X9.24-1:2009,
//! AES per X9.24-3:2017), ISO 9564-1 PIN blocks, message MACs and data encryption. Ciphers
//! come from RustCrypto (`des`, `aes`, `cmac`, `cbc`); only the key-management logic the
//! standards define is written here. Keys never appear in Debug output.

pub mod aes_dukpt;
pub mod blocks;
pub mod keys;
pub mod mac;
pub mod pin_block;
pub mod session;
pub mod tdes_dukpt;

#[cfg(test)]
mod tests;

pub use keys::{AesKey, Key16};
pub use session::{Bdk, DukptTerminal, KeyScheme, TransactionKeys};

/// Why a cryptographic operation failed. Never carries key, PIN or PAN material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("key must be {expected} bytes of hex, got {got} bytes")]
    BadKeyLength { expected: &'static str, got: usize },
    #[error("key is not valid hex")]
    BadKeyHex,
    #[error("KSN must be {expected} bytes, got {got}")]
    BadKsnLength { expected: usize, got: usize },
    #[error("security information names key scheme {0:#04x}, which this key set does not use")]
    WrongScheme(u8),
    #[error("KSN counter {0:#x} is not a valid DUKPT counter")]
    InvalidCounter(u32),
    #[error("DUKPT key set exhausted: no transaction counter left")]
    Exhausted,
    #[error("PIN must be 4 to 12 digits")]
    BadPin,
    #[error("PAN must be 12 to 19 digits")]
    BadPan,
    #[error("PIN block is not a valid ISO 9564 format {0} block")]
    BadPinBlock(u8),
    #[error("ciphertext length {0} is not a whole number of blocks")]
    BadCiphertextLength(usize),
    #[error("decrypted data has no valid ISO 9797-1 method 2 padding")]
    BadPadding,
}
