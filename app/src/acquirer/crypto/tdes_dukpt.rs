//! TDES DUKPT, ANSI X9.24-1:2009: the initial PIN encryption key (IPEK) from the BDK, the
//! transaction key for any KSN (host side from the BDK, terminal side from the IPEK), the
//! counter advance that keeps at most ten 1-bits, and the request/response key variants.

use std::fmt;

use super::blocks::{des_encrypt, tdes_encrypt, xor_into};
use super::{CryptoError, Key16};

/// The 21-bit transaction counter occupies the low bits of the KSN.
const COUNTER_MASK: u32 = 0x1F_FFFF;
/// A counter may have at most this many 1-bits.
const MAX_ONE_BITS: u32 = 10;
const KEY_MASK: [u8; 16] = [
    0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0,
];
const PIN_VARIANT: [u8; 16] = variant(7);
const MAC_REQUEST_VARIANT: [u8; 16] = variant(6);
const MAC_RESPONSE_VARIANT: [u8; 16] = variant(4);
const DATA_REQUEST_VARIANT: [u8; 16] = variant(5);
const DATA_RESPONSE_VARIANT: [u8; 16] = variant(3);

/// `FF` at byte `i` of each half: PIN 7, MAC request 6, data request 5, MAC response 4,
/// data response 3 (X9.24-1:2009 Table A-1 variants).
const fn variant(i: usize) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[i] = 0xFF;
    v[i + 8] = 0xFF;
    v
}

/// A 10-byte key serial number: key set ID, device ID and the 21-bit counter.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TdesKsn(pub [u8; 10]);

impl TdesKsn {
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        <[u8; 10]>::try_from(bytes)
            .map(Self)
            .map_err(|_| CryptoError::BadKsnLength {
                expected: 10,
                got: bytes.len(),
            })
    }

    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text).map_err(|_| CryptoError::BadKeyHex)?;
        Self::from_slice(&bytes)
    }

    pub fn counter(&self) -> u32 {
        u32::from_be_bytes([0, self.0[7], self.0[8], self.0[9]]) & COUNTER_MASK
    }

    pub fn with_counter(&self, counter: u32) -> Self {
        let mut out = self.0;
        let low = (u32::from_be_bytes([0, out[7], out[8], out[9]]) & !COUNTER_MASK)
            | (counter & COUNTER_MASK);
        let [_, a, b, c] = low.to_be_bytes();
        out[7] = a;
        out[8] = b;
        out[9] = c;
        Self(out)
    }

    /// A counter is usable if it is non-zero with at most ten 1-bits.
    pub fn is_valid(&self) -> bool {
        let c = self.counter();
        c != 0 && c.count_ones() <= MAX_ONE_BITS
    }

    /// The next usable KSN: +1, or + the lowest set bit when ten bits are already set.
    pub fn next(&self) -> Result<Self, CryptoError> {
        let c = self.counter();
        let step = if c.count_ones() >= MAX_ONE_BITS {
            c & c.wrapping_neg()
        } else {
            1
        };
        let next = c + step;
        if next > COUNTER_MASK {
            return Err(CryptoError::Exhausted);
        }
        Ok(self.with_counter(next))
    }

    /// The KSN with the counter zeroed (identifies the initial key).
    pub fn initial(&self) -> Self {
        self.with_counter(0)
    }
}

impl fmt::Debug for TdesKsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TdesKsn({})", hex::encode_upper(self.0))
    }
}

fn half(bytes: &[u8; 16], right: bool) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(if right { &bytes[8..] } else { &bytes[..8] });
    out
}

fn join(left: [u8; 8], right: [u8; 8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&left);
    out[8..].copy_from_slice(&right);
    out
}

/// IPEK = TDES(BDK, KSN₈) ‖ TDES(BDK ⊕ C0C0C0C000000000…, KSN₈), KSN₈ being the leftmost
/// 8 bytes of the KSN with the counter cleared.
pub fn derive_ipek(bdk: &Key16, ksn: &TdesKsn) -> Key16 {
    let initial = ksn.initial().0;
    let mut ksn8 = [0u8; 8];
    ksn8.copy_from_slice(&initial[..8]);
    let left = tdes_encrypt(bdk.bytes(), &ksn8);
    let right = tdes_encrypt(bdk.xor(&KEY_MASK).bytes(), &ksn8);
    Key16(join(left, right))
}

/// The non-reversible key generation process (X9.24-1:2009 A.2).
fn non_reversible(key: &Key16, register: &[u8; 8]) -> Key16 {
    let one_way = |k: &[u8; 16]| {
        let (left, right) = (half(k, false), half(k, true));
        let mut block = *register;
        xor_into(&mut block, &right);
        let mut out = des_encrypt(&left, &block);
        xor_into(&mut out, &right);
        out
    };
    let new_right = one_way(key.bytes());
    let new_left = one_way(key.xor(&KEY_MASK).bytes());
    Key16(join(new_left, new_right))
}

/// The transaction key for `ksn`, derived from the IPEK by walking the counter's 1-bits
/// from the most significant down.
pub fn derive_transaction_key(ipek: &Key16, ksn: &TdesKsn) -> Result<Key16, CryptoError> {
    if !ksn.is_valid() {
        return Err(CryptoError::InvalidCounter(ksn.counter()));
    }
    let counter = ksn.counter();
    let mut register = [0u8; 8];
    register.copy_from_slice(&ksn.initial().0[2..]);
    let mut key = ipek.clone();
    let mut bit = 1u32 << 20;
    while bit != 0 {
        if counter & bit != 0 {
            let [_, a, b, c] = bit.to_be_bytes();
            register[5] |= a;
            register[6] |= b;
            register[7] |= c;
            key = non_reversible(&key, &register);
        }
        bit >>= 1;
    }
    Ok(key)
}

/// The working keys of one transaction (X9.24-1:2009 variants; data keys made one-way).
#[derive(Clone, Debug)]
pub struct TdesWorkingKeys {
    pub pin: Key16,
    pub mac_request: Key16,
    pub mac_response: Key16,
    pub data_request: Key16,
    pub data_response: Key16,
}

/// Data keys: variant, then each half TDES-encrypted under the variant itself (Fig. A-2).
fn one_way_data_key(variant: Key16) -> Key16 {
    let left = tdes_encrypt(variant.bytes(), &half(variant.bytes(), false));
    let right = tdes_encrypt(variant.bytes(), &half(variant.bytes(), true));
    Key16(join(left, right))
}

pub fn working_keys(transaction_key: &Key16) -> TdesWorkingKeys {
    TdesWorkingKeys {
        pin: transaction_key.xor(&PIN_VARIANT),
        mac_request: transaction_key.xor(&MAC_REQUEST_VARIANT),
        mac_response: transaction_key.xor(&MAC_RESPONSE_VARIANT),
        data_request: one_way_data_key(transaction_key.xor(&DATA_REQUEST_VARIANT)),
        data_response: one_way_data_key(transaction_key.xor(&DATA_RESPONSE_VARIANT)),
    }
}

/// Terminal side: holds the IPEK and the KSN of the last transaction.
#[derive(Clone, Debug)]
pub struct TdesTerminal {
    ipek: Key16,
    ksn: TdesKsn,
}

impl TdesTerminal {
    /// `ksn` is the last KSN used (counter 0 for a freshly injected key).
    pub fn new(ipek: Key16, ksn: TdesKsn) -> Self {
        Self { ipek, ksn }
    }

    /// Advances to the next KSN and returns it with its transaction key.
    pub fn next_transaction(&mut self) -> Result<(TdesKsn, Key16), CryptoError> {
        let ksn = self.ksn.next()?;
        let key = derive_transaction_key(&self.ipek, &ksn)?;
        self.ksn = ksn;
        Ok((ksn, key))
    }

    pub fn ksn(&self) -> TdesKsn {
        self.ksn
    }

    /// The transaction key of any KSN of this device's key set.
    pub fn transaction_key(&self, ksn: &TdesKsn) -> Result<Key16, CryptoError> {
        if ksn.initial() != self.ksn.initial() {
            return Err(CryptoError::InvalidCounter(ksn.counter()));
        }
        derive_transaction_key(&self.ipek, ksn)
    }
}

/// Host side: the transaction key for any KSN, straight from the BDK.
pub fn host_transaction_key(bdk: &Key16, ksn: &TdesKsn) -> Result<Key16, CryptoError> {
    derive_transaction_key(&derive_ipek(bdk, ksn), ksn)
}
