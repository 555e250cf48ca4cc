//! Key containers. Their `Debug` shows only the length, never the bytes, so a key can sit
//! in a struct that gets logged without leaking.

use std::fmt;

use super::CryptoError;

/// A 16-byte key: double-length TDES (2TDEA) or AES-128.
#[derive(Clone, PartialEq, Eq)]
pub struct Key16(pub(crate) [u8; 16]);

impl Key16 {
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKeyHex)?;
        let array: [u8; 16] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| CryptoError::BadKeyLength {
                    expected: "16",
                    got: bytes.len(),
                })?;
        Ok(Self(array))
    }

    pub fn bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// XOR with a variant mask (TDES DUKPT key variants).
    pub(crate) fn xor(&self, mask: &[u8; 16]) -> Key16 {
        let mut out = self.0;
        out.iter_mut().zip(mask).for_each(|(b, m)| *b ^= m);
        Key16(out)
    }
}

impl fmt::Debug for Key16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key16(<secret>)")
    }
}

/// An AES key of 128 or 256 bits (AES DUKPT base derivation keys may be either).
#[derive(Clone, PartialEq, Eq)]
pub enum AesKey {
    Aes128([u8; 16]),
    Aes256([u8; 32]),
}

impl AesKey {
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKeyHex)?;
        Self::from_slice(&bytes)
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        if let Ok(k) = <[u8; 16]>::try_from(bytes) {
            Ok(Self::Aes128(k))
        } else if let Ok(k) = <[u8; 32]>::try_from(bytes) {
            Ok(Self::Aes256(k))
        } else {
            Err(CryptoError::BadKeyLength {
                expected: "16 or 32",
                got: bytes.len(),
            })
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Aes128(k) => k,
            Self::Aes256(k) => k,
        }
    }

    /// Length in bits, as written into X9.24-3 derivation data.
    pub fn bits(&self) -> u16 {
        match self {
            Self::Aes128(_) => 128,
            Self::Aes256(_) => 256,
        }
    }
}

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AesKey{}(<secret>)", self.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let k = Key16::from_hex("0123456789ABCDEFFEDCBA9876543210").unwrap();
        assert_eq!(format!("{k:?}"), "Key16(<secret>)");
        let a = AesKey::from_hex("FEDCBA9876543210F1F1F1F1F1F1F1F1").unwrap();
        assert!(!format!("{a:?}").to_uppercase().contains("FEDC"));
        assert_eq!(
            Key16::from_hex("0123"),
            Err(CryptoError::BadKeyLength {
                expected: "16",
                got: 2
            })
        );
        assert_eq!(AesKey::from_hex("zz"), Err(CryptoError::BadKeyHex));
    }
}
