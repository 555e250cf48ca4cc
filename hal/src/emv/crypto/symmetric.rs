//! Symmetric EMV crypto: ICC master key derivation (Book 2 A1.4.1 option A), the common session
//! key (A1.3.1), the application cryptogram MAC (ISO 9797-1 algorithm 3 with single-DES blocks
//! and a final triple-DES step), and the ARPC (8.2.1 method 1, 8.2.2 method 2).

use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use des::{Des, TdesEde2};

/// A double-length (2-key) triple-DES key.
pub type Key16 = [u8; 16];

/// How the MAC input is padded to a multiple of 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacPadding {
    /// ISO 9797-1 method 2: append `80`, then `00` to the block boundary (EMV default).
    Method2,
    /// ISO 9797-1 method 1: append `00` up to the boundary, nothing if already aligned
    /// (Visa CVN 10).
    Method1,
}

/// Triple-DES (2-key EDE) encryption of one block.
pub fn tdes_encrypt_block(key: &Key16, block: [u8; 8]) -> [u8; 8] {
    let cipher = TdesEde2::new(key.into());
    let mut b = block.into();
    cipher.encrypt_block(&mut b);
    b.into()
}

/// Triple-DES (2-key EDE) decryption of one block.
pub fn tdes_decrypt_block(key: &Key16, block: [u8; 8]) -> [u8; 8] {
    let cipher = TdesEde2::new(key.into());
    let mut b = block.into();
    cipher.decrypt_block(&mut b);
    b.into()
}

/// Sets odd parity on every byte (DES keys carry a parity bit in b1).
pub fn adjust_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
    }
}

/// Key check value: the first 3 bytes of the key encrypting a zero block.
pub fn key_check_value(key: &Key16) -> [u8; 3] {
    let e = tdes_encrypt_block(key, [0; 8]);
    [e[0], e[1], e[2]]
}

/// ICC master key from the issuer master key, option A (Book 2 A1.4.1): the rightmost 16
/// digits of PAN ‖ PSN (left-padded with zeros) enciphered, and enciphered inverted.
/// `pan_digits` are the PAN's decimal digits; `psn` is the PAN sequence number (tag 5F34, a
/// BCD byte; `00` when absent).
pub fn derive_icc_mk(imk: &Key16, pan_digits: &str, psn: u8) -> Key16 {
    let mut digits: Vec<u8> = pan_digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| d - b'0')
        .collect();
    digits.push(psn >> 4);
    digits.push(psn & 0x0F);
    let mut y = [0u8; 8];
    let take = digits.len().min(16);
    let rightmost = &digits[digits.len() - take..];
    let offset = 16 - take;
    for (i, d) in rightmost.iter().enumerate() {
        let nibble = offset + i;
        y[nibble / 2] |= if nibble.is_multiple_of(2) { d << 4 } else { *d };
    }
    let left = tdes_encrypt_block(imk, y);
    let right = tdes_encrypt_block(imk, y.map(|b| b ^ 0xFF));
    join_with_parity(left, right)
}

/// EMV common session key (Book 2 A1.3.1) from the ICC master key and the diversification
/// value R (usually ATC ‖ `000000000000`, or ATC ‖ `0000` ‖ UN).
pub fn session_key(mk: &Key16, r: [u8; 8]) -> Key16 {
    let mut f1 = r;
    f1[2] = 0xF0;
    let mut f2 = r;
    f2[2] = 0x0F;
    join_with_parity(tdes_encrypt_block(mk, f1), tdes_encrypt_block(mk, f2))
}

/// Mastercard's AC session key (M/Chip CVN 16): the EMV common session key with
/// R = ATC ‖ `0000` ‖ unpredictable number.
pub fn mastercard_session_key(icc_mk: &Key16, atc: [u8; 2], un: [u8; 4]) -> Key16 {
    session_key(icc_mk, [atc[0], atc[1], 0, 0, un[0], un[1], un[2], un[3]])
}

fn join_with_parity(left: [u8; 8], right: [u8; 8]) -> Key16 {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&left);
    key[8..].copy_from_slice(&right);
    adjust_parity(&mut key);
    key
}

/// ISO 9797-1 MAC algorithm 3 ("retail MAC"): single-DES CBC under the left key half, then
/// decrypt with the right half and encrypt with the left on the last block.
pub fn retail_mac(key: &Key16, data: &[u8], padding: MacPadding) -> [u8; 8] {
    let left = Des::new((&key[..8]).into());
    let right = Des::new((&key[8..]).into());
    let mut padded = data.to_vec();
    match padding {
        MacPadding::Method2 => padded.push(0x80),
        MacPadding::Method1 if padded.is_empty() => padded.push(0),
        MacPadding::Method1 => {}
    }
    while !padded.len().is_multiple_of(8) {
        padded.push(0);
    }
    let mut h = Block::default();
    for block in padded.chunks_exact(8) {
        xor_into(&mut h, block);
        left.encrypt_block(&mut h);
    }
    right.decrypt_block(&mut h);
    left.encrypt_block(&mut h);
    h.into()
}

type Block = cipher::generic_array::GenericArray<u8, cipher::consts::U8>;

fn xor_into(h: &mut Block, block: &[u8]) {
    for (a, b) in h.iter_mut().zip(block) {
        *a ^= b;
    }
}

/// An application cryptogram (ARQC, TC or AAC) over the CDOL-selected data, under the session
/// key (or, for schemes that use none such as Visa CVN 10, the ICC master key).
pub fn generate_ac(key: &Key16, data: &[u8], padding: MacPadding) -> [u8; 8] {
    retail_mac(key, data, padding)
}

/// ARPC method 1 (Book 2 8.2.1): 3DES(key, ARQC ⊕ (ARC ‖ `00`×6)).
pub fn arpc_method1(key: &Key16, arqc: [u8; 8], arc: [u8; 2]) -> [u8; 8] {
    let mut y = arqc;
    y[0] ^= arc[0];
    y[1] ^= arc[1];
    tdes_encrypt_block(key, y)
}

/// ARPC method 2 (Book 2 8.2.2): the leftmost 4 bytes of the MAC (method-2 padding) over
/// ARQC ‖ CSU ‖ proprietary authentication data.
pub fn arpc_method2(key: &Key16, arqc: [u8; 8], csu: [u8; 4], proprietary: &[u8]) -> [u8; 4] {
    let mut data = arqc.to_vec();
    data.extend_from_slice(&csu);
    data.extend_from_slice(proprietary);
    let mac = retail_mac(key, &data, MacPadding::Method2);
    [mac[0], mac[1], mac[2], mac[3]]
}
