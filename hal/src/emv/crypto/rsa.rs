//! Raw RSA as EMV uses it: no padding scheme, the message is a full modulus-length block that
//! carries its own header, hash and trailer (Book 2 A2.1, ISO 9796-2 with message recovery).

use num_bigint::BigUint;

/// Why an RSA operation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RsaError {
    #[error("input is {got} bytes, the modulus {want}")]
    WrongLength { got: usize, want: usize },
    #[error("input is not smaller than the modulus")]
    NotBelowModulus,
    #[error("empty modulus or exponent")]
    EmptyKey,
}

/// An RSA public key: modulus and exponent as big-endian bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
}

/// An RSA private key (the virtual card's and the test CA's): modulus, public and private
/// exponents. Its `Debug` never shows the private exponent.
#[derive(Clone)]
pub struct RsaPrivateKey {
    pub public: RsaPublicKey,
    pub private_exponent: Vec<u8>,
}

impl std::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RsaPublicKey({} bits, e={:02X?})",
            self.modulus.len() * 8,
            self.exponent
        )
    }
}

impl std::fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaPrivateKey({:?}, d=<hidden>)", self.public)
    }
}

impl RsaPublicKey {
    /// Modulus length in bytes (N_CA, N_I, N_IC in Book 2).
    pub fn len(&self) -> usize {
        self.modulus.len()
    }

    /// True for a key with an empty modulus (never valid).
    pub fn is_empty(&self) -> bool {
        self.modulus.is_empty()
    }

    /// Applies the public exponent: recovers a signed block.
    pub fn recover(&self, data: &[u8]) -> Result<Vec<u8>, RsaError> {
        modpow(data, &self.exponent, &self.modulus)
    }
}

impl RsaPrivateKey {
    /// Applies the private exponent: signs a block of modulus length.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, RsaError> {
        modpow(data, &self.private_exponent, &self.public.modulus)
    }
}

fn modpow(data: &[u8], exponent: &[u8], modulus: &[u8]) -> Result<Vec<u8>, RsaError> {
    if modulus.is_empty() || exponent.is_empty() {
        return Err(RsaError::EmptyKey);
    }
    if data.len() != modulus.len() {
        return Err(RsaError::WrongLength {
            got: data.len(),
            want: modulus.len(),
        });
    }
    let n = BigUint::from_bytes_be(modulus);
    let m = BigUint::from_bytes_be(data);
    if m >= n {
        return Err(RsaError::NotBelowModulus);
    }
    let out = m
        .modpow(&BigUint::from_bytes_be(exponent), &n)
        .to_bytes_be();
    let mut padded = vec![0u8; modulus.len() - out.len().min(modulus.len())];
    padded.extend_from_slice(&out);
    Ok(padded)
}
