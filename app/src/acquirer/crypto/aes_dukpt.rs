//! AES DUKPT, ANSI X9.24-3:2017: the initial key from the BDK and initial key ID, the
//! intermediate derivation keys along the 32-bit counter (at most sixteen 1-bits), and the
//! working keys by usage. Derivation is AES-ECB of 16-byte derivation data under the parent.

use std::fmt;

use super::blocks::{aes128_encrypt, aes256_encrypt};
use super::{AesKey, CryptoError, Key16};

const MAX_ONE_BITS: u32 = 16;

/// Key usage indicators (X9.24-3:2017 6.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Usage {
    KeyDerivation = 0x8000,
    KeyDerivationInitialKey = 0x8001,
    PinEncryption = 0x1000,
    MacGeneration = 0x2000,
    MacVerification = 0x2001,
    DataEncryptEncrypt = 0x3000,
    DataEncryptDecrypt = 0x3001,
}

/// Algorithm indicator and bit length of the key being derived.
fn algorithm(bits: u16) -> u16 {
    if bits == 256 { 0x0004 } else { 0x0002 }
}

/// A 12-byte AES DUKPT KSN: 8-byte initial key ID and 4-byte counter.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AesKsn(pub [u8; 12]);

impl AesKsn {
    pub fn new(initial_key_id: [u8; 8], counter: u32) -> Self {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&initial_key_id);
        out[8..].copy_from_slice(&counter.to_be_bytes());
        Self(out)
    }

    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        <[u8; 12]>::try_from(bytes)
            .map(Self)
            .map_err(|_| CryptoError::BadKsnLength {
                expected: 12,
                got: bytes.len(),
            })
    }

    pub fn initial_key_id(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.0[..8]);
        out
    }

    pub fn counter(&self) -> u32 {
        u32::from_be_bytes([self.0[8], self.0[9], self.0[10], self.0[11]])
    }

    pub fn is_valid(&self) -> bool {
        let c = self.counter();
        c != 0 && c.count_ones() <= MAX_ONE_BITS
    }

    /// The next usable KSN, or `Exhausted` past 0xFFFF0000.
    pub fn next(&self) -> Result<Self, CryptoError> {
        let c = self.counter();
        let step = if c.count_ones() >= MAX_ONE_BITS {
            c & c.wrapping_neg()
        } else {
            1
        };
        let next = c.checked_add(step).ok_or(CryptoError::Exhausted)?;
        Ok(Self::new(self.initial_key_id(), next))
    }
}

impl fmt::Debug for AesKsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AesKsn({})", hex::encode_upper(self.0))
    }
}

/// Derivation data: version 01, block counter, usage, algorithm, length, then the initial key
/// ID (for the initial key) or its last 4 bytes followed by the counter.
fn derivation_data(usage: Usage, bits: u16, ksn: &AesKsn, initial: bool) -> [u8; 16] {
    let mut d = [0u8; 16];
    d[0] = 0x01;
    d[1] = 0x01;
    d[2..4].copy_from_slice(&(usage as u16).to_be_bytes());
    d[4..6].copy_from_slice(&algorithm(bits).to_be_bytes());
    d[6..8].copy_from_slice(&bits.to_be_bytes());
    if initial {
        d[8..].copy_from_slice(&ksn.0[..8]);
    } else {
        d[8..].copy_from_slice(&ksn.0[4..]);
    }
    d
}

fn encrypt_block(key: &AesKey, block: &[u8; 16]) -> [u8; 16] {
    match key {
        AesKey::Aes128(k) => aes128_encrypt(k, block),
        AesKey::Aes256(k) => aes256_encrypt(k, block),
    }
}

/// Derives a key of `bits` from `parent`, one AES block per 128 bits (block counter 1, 2).
fn derive(parent: &AesKey, data: [u8; 16], bits: u16) -> AesKey {
    let first = encrypt_block(parent, &data);
    if bits == 256 {
        let mut second_data = data;
        second_data[1] = 0x02;
        let second = encrypt_block(parent, &second_data);
        let mut out = [0u8; 32];
        out[..16].copy_from_slice(&first);
        out[16..].copy_from_slice(&second);
        AesKey::Aes256(out)
    } else {
        AesKey::Aes128(first)
    }
}

/// The initial key (IK) a terminal is loaded with.
pub fn derive_initial_key(bdk: &AesKey, initial_key_id: [u8; 8]) -> AesKey {
    let ksn = AesKsn::new(initial_key_id, 0);
    let data = derivation_data(Usage::KeyDerivationInitialKey, bdk.bits(), &ksn, true);
    derive(bdk, data, bdk.bits())
}

/// The intermediate derivation key for `ksn`, walking the counter's 1-bits from the top.
pub fn derivation_key(initial_key: &AesKey, ksn: &AesKsn) -> Result<AesKey, CryptoError> {
    if !ksn.is_valid() {
        return Err(CryptoError::InvalidCounter(ksn.counter()));
    }
    let counter = ksn.counter();
    let mut key = initial_key.clone();
    let mut working = 0u32;
    let mut bit = 1u32 << 31;
    while bit != 0 {
        if counter & bit != 0 {
            working |= bit;
            let partial = AesKsn::new(ksn.initial_key_id(), working);
            let data = derivation_data(Usage::KeyDerivation, key.bits(), &partial, false);
            key = derive(&key, data, key.bits());
        }
        bit >>= 1;
    }
    Ok(key)
}

/// An AES-128 working key of the given usage for the transaction `ksn`.
pub fn working_key(derivation_key: &AesKey, ksn: &AesKsn, usage: Usage) -> Key16 {
    Key16(encrypt_block(
        derivation_key,
        &derivation_data(usage, 128, ksn, false),
    ))
}

/// Terminal side: the initial key and the KSN of the last transaction.
#[derive(Clone, Debug)]
pub struct AesTerminal {
    initial_key: AesKey,
    ksn: AesKsn,
}

impl AesTerminal {
    pub fn new(initial_key: AesKey, ksn: AesKsn) -> Self {
        Self { initial_key, ksn }
    }

    /// Advances to the next KSN and returns it with its derivation key.
    pub fn next_transaction(&mut self) -> Result<(AesKsn, AesKey), CryptoError> {
        let ksn = self.ksn.next()?;
        let key = derivation_key(&self.initial_key, &ksn)?;
        self.ksn = ksn;
        Ok((ksn, key))
    }

    pub fn ksn(&self) -> AesKsn {
        self.ksn
    }

    /// The derivation key of any KSN of this device's initial key.
    pub fn derivation_key(&self, ksn: &AesKsn) -> Result<AesKey, CryptoError> {
        if ksn.initial_key_id() != self.ksn.initial_key_id() {
            return Err(CryptoError::InvalidCounter(ksn.counter()));
        }
        derivation_key(&self.initial_key, ksn)
    }
}

/// Host side: the derivation key for any KSN, from the BDK.
pub fn host_derivation_key(bdk: &AesKey, ksn: &AesKsn) -> Result<AesKey, CryptoError> {
    derivation_key(&derive_initial_key(bdk, ksn.initial_key_id()), ksn)
}
