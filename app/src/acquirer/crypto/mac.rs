//! Message authentication: the TDES retail MAC (ISO 9797-1 algorithm 3, padding method 2,
//! single-DES CBC then a final triple-DES step) and AES-CMAC (NIST SP 800-38B) truncated to
//! 8 bytes, the size of ISO 8583 fields 64/128.

use cmac::{Cmac, Mac};

use super::blocks::{des_decrypt, des_encrypt, pad_method2, xor_into};

/// ISO 9797-1 MAC algorithm 3 ("retail MAC") with padding method 2.
pub fn retail_mac(key: &[u8; 16], data: &[u8]) -> [u8; 8] {
    let mut k1 = [0u8; 8];
    let mut k2 = [0u8; 8];
    k1.copy_from_slice(&key[..8]);
    k2.copy_from_slice(&key[8..]);
    let padded = pad_method2(data, 8);
    let mut state = [0u8; 8];
    for chunk in padded.chunks(8) {
        let mut block = [0u8; 8];
        block.copy_from_slice(chunk);
        xor_into(&mut state, &block);
        state = des_encrypt(&k1, &state);
    }
    des_encrypt(&k1, &des_decrypt(&k2, &state))
}

/// AES-CMAC, full 16 bytes.
pub fn aes_cmac(key: &[u8; 16], data: &[u8]) -> [u8; 16] {
    let mut mac = <Cmac<aes::Aes128> as cmac::digest::KeyInit>::new(key.into());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time comparison, so a MAC check does not leak how many bytes matched.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
