//! ISO 9564-1 PIN blocks: formats 0 and 3 (PIN field XOR PAN field), 2 (ICC plaintext
//! offline PIN) and 4 (AES, enciphered in two passes with the PAN field between).

use std::fmt;

use super::CryptoError;
use super::blocks::{aes128_decrypt, aes128_encrypt, xor_into};

/// A cardholder PIN (4 to 12 digits). Debug hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn new(digits: &str) -> Result<Self, CryptoError> {
        let ok = (4..=12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(digits.to_owned()))
            .ok_or(CryptoError::BadPin)
    }

    /// The digits, for comparison on the issuer side only.
    pub fn digits(&self) -> &str {
        &self.0
    }

    fn nibbles(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b - b'0')
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<secret>)")
    }
}

fn pan_digits(pan: &str) -> Result<Vec<u8>, CryptoError> {
    let ok = (12..=19).contains(&pan.len()) && pan.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| pan.bytes().map(|b| b - b'0').collect())
        .ok_or(CryptoError::BadPan)
}

fn pack<const N: usize>(nibbles: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, pair) in nibbles.chunks(2).take(N).enumerate() {
        let hi = pair.first().copied().unwrap_or(0);
        let lo = pair.get(1).copied().unwrap_or(0);
        out[i] = (hi << 4) | lo;
    }
    out
}

fn unpack(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| [b >> 4, b & 0xF]).collect()
}

/// `0000` followed by the 12 rightmost PAN digits excluding the check digit.
fn pan_field_iso0(pan: &str) -> Result<[u8; 8], CryptoError> {
    let digits = pan_digits(pan)?;
    let body = &digits[..digits.len() - 1];
    let take = body.len().min(12);
    let mut nibbles = vec![0u8; 4 + 12 - take];
    nibbles.extend_from_slice(&body[body.len() - take..]);
    Ok(pack(&nibbles))
}

/// Control nibble, length nibble, PIN digits, then `fill` nibbles up to 16.
fn pin_field_8(control: u8, pin: &Pin, fill: impl Iterator<Item = u8>) -> [u8; 8] {
    let mut nibbles = vec![control, pin.0.len() as u8];
    nibbles.extend(pin.nibbles());
    let needed = 16 - nibbles.len();
    nibbles.extend(fill.take(needed));
    pack(&nibbles)
}

/// Reads a control/length/digits/fill layout back; `fill_ok` validates each fill nibble.
fn parse_pin_field(
    format: u8,
    nibbles: &[u8],
    fill_ok: impl Fn(u8) -> bool,
) -> Result<Pin, CryptoError> {
    let bad = CryptoError::BadPinBlock(format);
    let (&control, rest) = nibbles.split_first().ok_or(bad.clone())?;
    let (&length, rest) = rest.split_first().ok_or(bad.clone())?;
    let length = usize::from(length);
    if control != format || !(4..=12).contains(&length) || rest.len() < length {
        return Err(bad);
    }
    let (digits, fill) = rest.split_at(length);
    if digits.iter().any(|d| *d > 9) || !fill.iter().all(|n| fill_ok(*n)) {
        return Err(bad);
    }
    Pin::new(
        &digits
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect::<String>(),
    )
}

/// ISO 9564-1 format 0 clear block.
pub fn iso0_block(pin: &Pin, pan: &str) -> Result<[u8; 8], CryptoError> {
    let mut block = pin_field_8(0, pin, std::iter::repeat(0xF));
    xor_into(&mut block, &pan_field_iso0(pan)?);
    Ok(block)
}

pub fn iso0_decode(block: &[u8; 8], pan: &str) -> Result<Pin, CryptoError> {
    let mut field = *block;
    xor_into(&mut field, &pan_field_iso0(pan)?);
    parse_pin_field(0, &unpack(&field), |n| n == 0xF)
}

/// ISO 9564-1 format 2 (plaintext PIN for an ICC VERIFY).
pub fn iso2_block(pin: &Pin) -> [u8; 8] {
    pin_field_8(2, pin, std::iter::repeat(0xF))
}

pub fn iso2_decode(block: &[u8; 8]) -> Result<Pin, CryptoError> {
    parse_pin_field(2, &unpack(block), |n| n == 0xF)
}

/// ISO 9564-1 format 3: like format 0 with fill nibbles drawn from A-F. `random` supplies
/// the fill (its values are mapped onto A-F).
pub fn iso3_block(pin: &Pin, pan: &str, random: [u8; 8]) -> Result<[u8; 8], CryptoError> {
    let fill = unpack(&random).into_iter().map(|n| 0xA + n % 6);
    let mut block = pin_field_8(3, pin, fill);
    xor_into(&mut block, &pan_field_iso0(pan)?);
    Ok(block)
}

pub fn iso3_decode(block: &[u8; 8], pan: &str) -> Result<Pin, CryptoError> {
    let mut field = *block;
    xor_into(&mut field, &pan_field_iso0(pan)?);
    parse_pin_field(3, &unpack(&field), |n| (0xA..=0xF).contains(&n))
}

/// Format 4 plaintext PIN field: `4`, length, PIN, `A` fill to 16 nibbles, 8 random bytes.
pub fn iso4_pin_field(pin: &Pin, random: [u8; 8]) -> [u8; 16] {
    let head = pin_field_8(4, pin, std::iter::repeat(0xA));
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&head);
    out[8..].copy_from_slice(&random);
    out
}

/// Format 4 PAN field: `M` (= length - 12), the PAN (left-padded to 12 digits), zeros.
pub fn iso4_pan_field(pan: &str) -> Result<[u8; 16], CryptoError> {
    let digits = pan_digits(pan)?;
    let mut nibbles = vec![(digits.len() - 12) as u8];
    nibbles.extend_from_slice(&digits);
    Ok(pack(&nibbles))
}

/// Enciphers a format 4 block: E(K, E(K, PIN field) XOR PAN field).
pub fn iso4_encipher(
    key: &[u8; 16],
    pin: &Pin,
    pan: &str,
    random: [u8; 8],
) -> Result<[u8; 16], CryptoError> {
    let mut a = aes128_encrypt(key, &iso4_pin_field(pin, random));
    xor_into(&mut a, &iso4_pan_field(pan)?);
    Ok(aes128_encrypt(key, &a))
}

pub fn iso4_decipher(key: &[u8; 16], block: &[u8; 16], pan: &str) -> Result<Pin, CryptoError> {
    let mut a = aes128_decrypt(key, block);
    xor_into(&mut a, &iso4_pan_field(pan)?);
    let field = aes128_decrypt(key, &a);
    parse_pin_field(4, &unpack(&field[..8]), |n| n == 0xA)
}
