//! Thin wrappers over the RustCrypto block ciphers with fixed-size arrays, plus CBC with
//! ISO 9797-1 padding method 2 for the variable-length card data.

use aes::{Aes128, Aes256};
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};
use des::{Des, TdesEde2};

use super::CryptoError;

pub fn des_encrypt(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let cipher = Des::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.encrypt_block(&mut b);
    b.into()
}

pub fn des_decrypt(key: &[u8; 8], block: &[u8; 8]) -> [u8; 8] {
    let cipher = Des::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.decrypt_block(&mut b);
    b.into()
}

pub fn tdes_encrypt(key: &[u8; 16], block: &[u8; 8]) -> [u8; 8] {
    let cipher = TdesEde2::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.encrypt_block(&mut b);
    b.into()
}

pub fn tdes_decrypt(key: &[u8; 16], block: &[u8; 8]) -> [u8; 8] {
    let cipher = TdesEde2::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.decrypt_block(&mut b);
    b.into()
}

pub fn aes128_encrypt(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = Aes128::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.encrypt_block(&mut b);
    b.into()
}

pub fn aes128_decrypt(key: &[u8; 16], block: &[u8; 16]) -> [u8; 16] {
    let cipher = Aes128::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.decrypt_block(&mut b);
    b.into()
}

pub fn aes256_encrypt(key: &[u8; 32], block: &[u8; 16]) -> [u8; 16] {
    let cipher = Aes256::new(&GenericArray::from(*key));
    let mut b = GenericArray::from(*block);
    cipher.encrypt_block(&mut b);
    b.into()
}

pub fn xor_into<const N: usize>(a: &mut [u8; N], b: &[u8; N]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x ^= y);
}

/// ISO 9797-1 padding method 2: `80` then zeros up to a whole block (always adds a byte).
pub fn pad_method2(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    out.push(0x80);
    while !out.len().is_multiple_of(block) {
        out.push(0);
    }
    out
}

fn unpad_method2(mut data: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
    while let Some(0) = data.last() {
        data.pop();
    }
    match data.pop() {
        Some(0x80) => Ok(data),
        _ => Err(CryptoError::BadPadding),
    }
}

/// Which cipher a CBC operation uses; the IV is zero (every DUKPT key encrypts one message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbcCipher {
    Tdes,
    Aes128,
}

impl CbcCipher {
    fn block(self) -> usize {
        match self {
            Self::Tdes => 8,
            Self::Aes128 => 16,
        }
    }
}

pub fn cbc_encrypt(cipher: CbcCipher, key: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    let mut buf = pad_method2(plain, cipher.block());
    let len = buf.len();
    let result = match cipher {
        CbcCipher::Tdes => cbc::Encryptor::<TdesEde2>::new(key.into(), &[0u8; 8].into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .map(|_| ()),
        CbcCipher::Aes128 => cbc::Encryptor::<Aes128>::new(key.into(), &[0u8; 16].into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .map(|_| ()),
    };
    // The buffer is padded to whole blocks above, so NoPadding cannot fail.
    debug_assert!(result.is_ok());
    buf
}

pub fn cbc_decrypt(cipher: CbcCipher, key: &[u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if data.is_empty() || !data.len().is_multiple_of(cipher.block()) {
        return Err(CryptoError::BadCiphertextLength(data.len()));
    }
    let mut buf = data.to_vec();
    let ok = match cipher {
        CbcCipher::Tdes => cbc::Decryptor::<TdesEde2>::new(key.into(), &[0u8; 8].into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .is_ok(),
        CbcCipher::Aes128 => cbc::Decryptor::<Aes128>::new(key.into(), &[0u8; 16].into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .is_ok(),
    };
    if !ok {
        return Err(CryptoError::BadCiphertextLength(data.len()));
    }
    unpad_method2(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbc_round_trips_and_rejects_bad_lengths() {
        let key = [7u8; 16];
        for cipher in [CbcCipher::Tdes, CbcCipher::Aes128] {
            for len in [0usize, 1, 7, 8, 15, 16, 40] {
                let plain: Vec<u8> = (0..len as u8).collect();
                let enc = cbc_encrypt(cipher, &key, &plain);
                assert_eq!(enc.len() % cipher.block(), 0);
                if len > 0 {
                    assert_ne!(&enc[..len], &plain[..]);
                }
                assert_eq!(cbc_decrypt(cipher, &key, &enc).unwrap(), plain);
            }
            assert_eq!(
                cbc_decrypt(cipher, &key, &[1, 2, 3]),
                Err(CryptoError::BadCiphertextLength(3))
            );
        }
        // a wrong key yields garbage whose padding almost never checks
        let enc = cbc_encrypt(CbcCipher::Aes128, &key, b"4012345678909");
        assert!(cbc_decrypt(CbcCipher::Aes128, &[8u8; 16], &enc).is_err());
    }
}
