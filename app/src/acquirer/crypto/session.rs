//! One transaction's keys, whichever DUKPT scheme made them, and the operations the
//! acquirer link needs: PIN block encryption, request/response MACs and card-data
//! encryption. Field 53 carries the scheme byte and the KSN so the host can derive the same.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::aes_dukpt::{self, AesKsn, AesTerminal, Usage};
use super::blocks::{CbcCipher, cbc_decrypt, cbc_encrypt, tdes_decrypt, tdes_encrypt};
use super::pin_block::{Pin, iso0_block, iso0_decode, iso4_decipher, iso4_encipher};
use super::tdes_dukpt::{self, TdesKsn, TdesTerminal};
use super::{AesKey, CryptoError, Key16, mac};

/// Which DUKPT variant a terminal uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum KeyScheme {
    /// X9.24-1 TDES DUKPT: ISO-0 PIN blocks, retail MAC, TDES-CBC data.
    Tdes,
    /// X9.24-3 AES-128 DUKPT: ISO-4 PIN blocks, AES-CMAC, AES-CBC data.
    #[default]
    Aes128,
}

impl KeyScheme {
    fn tag(self) -> u8 {
        match self {
            Self::Tdes => 0x01,
            Self::Aes128 => 0x02,
        }
    }
}

/// The working keys of one transaction. Debug shows the scheme and KSN only.
#[derive(Clone)]
pub struct TransactionKeys {
    scheme: KeyScheme,
    ksn: Vec<u8>,
    pin: Key16,
    mac_request: Key16,
    mac_response: Key16,
    data_request: Key16,
    data_response: Key16,
}

impl fmt::Debug for TransactionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionKeys")
            .field("scheme", &self.scheme)
            .field("ksn", &hex::encode_upper(&self.ksn))
            .finish_non_exhaustive()
    }
}

impl TransactionKeys {
    pub fn tdes(ksn: TdesKsn, transaction_key: &Key16) -> Self {
        let keys = tdes_dukpt::working_keys(transaction_key);
        Self {
            scheme: KeyScheme::Tdes,
            ksn: ksn.0.to_vec(),
            pin: keys.pin,
            mac_request: keys.mac_request,
            mac_response: keys.mac_response,
            data_request: keys.data_request,
            data_response: keys.data_response,
        }
    }

    pub fn aes(ksn: AesKsn, derivation_key: &AesKey) -> Self {
        let key = |usage| aes_dukpt::working_key(derivation_key, &ksn, usage);
        Self {
            scheme: KeyScheme::Aes128,
            ksn: ksn.0.to_vec(),
            pin: key(Usage::PinEncryption),
            mac_request: key(Usage::MacGeneration),
            mac_response: key(Usage::MacVerification),
            data_request: key(Usage::DataEncryptEncrypt),
            data_response: key(Usage::DataEncryptDecrypt),
        }
    }

    pub fn scheme(&self) -> KeyScheme {
        self.scheme
    }

    pub fn ksn(&self) -> &[u8] {
        &self.ksn
    }

    /// Field 53 content: scheme tag then KSN.
    pub fn security_info(&self) -> Vec<u8> {
        let mut out = vec![self.scheme.tag()];
        out.extend_from_slice(&self.ksn);
        out
    }

    /// The online PIN block: ISO-0 under TDES (8 bytes) or ISO-4 under AES (16 bytes).
    pub fn encrypt_pin(&self, pin: &Pin, pan: &str) -> Result<Vec<u8>, CryptoError> {
        match self.scheme {
            KeyScheme::Tdes => Ok(tdes_encrypt(self.pin.bytes(), &iso0_block(pin, pan)?).to_vec()),
            KeyScheme::Aes128 => {
                let random: [u8; 8] = rand::random();
                Ok(iso4_encipher(self.pin.bytes(), pin, pan, random)?.to_vec())
            }
        }
    }

    pub fn decrypt_pin(&self, block: &[u8], pan: &str) -> Result<Pin, CryptoError> {
        match self.scheme {
            KeyScheme::Tdes => {
                let block: [u8; 8] = block.try_into().map_err(|_| CryptoError::BadPinBlock(0))?;
                iso0_decode(&tdes_decrypt(self.pin.bytes(), &block), pan)
            }
            KeyScheme::Aes128 => {
                let block: [u8; 16] = block.try_into().map_err(|_| CryptoError::BadPinBlock(4))?;
                iso4_decipher(self.pin.bytes(), &block, pan)
            }
        }
    }

    fn mac(&self, key: &Key16, data: &[u8]) -> [u8; 8] {
        match self.scheme {
            KeyScheme::Tdes => mac::retail_mac(key.bytes(), data),
            KeyScheme::Aes128 => {
                let full = mac::aes_cmac(key.bytes(), data);
                let mut out = [0u8; 8];
                out.copy_from_slice(&full[..8]);
                out
            }
        }
    }

    /// MAC of a request (terminal generates, host verifies).
    pub fn request_mac(&self, data: &[u8]) -> [u8; 8] {
        self.mac(&self.mac_request, data)
    }

    /// MAC of a response (host generates, terminal verifies).
    pub fn response_mac(&self, data: &[u8]) -> [u8; 8] {
        self.mac(&self.mac_response, data)
    }

    fn cbc(&self) -> CbcCipher {
        match self.scheme {
            KeyScheme::Tdes => CbcCipher::Tdes,
            KeyScheme::Aes128 => CbcCipher::Aes128,
        }
    }

    /// Encrypts card data travelling terminal -> host.
    pub fn encrypt_request_data(&self, plain: &[u8]) -> Vec<u8> {
        cbc_encrypt(self.cbc(), self.data_request.bytes(), plain)
    }

    pub fn decrypt_request_data(&self, cipher: &[u8]) -> Result<Vec<u8>, CryptoError> {
        cbc_decrypt(self.cbc(), self.data_request.bytes(), cipher)
    }

    /// Encrypts data travelling host -> terminal.
    pub fn encrypt_response_data(&self, plain: &[u8]) -> Vec<u8> {
        cbc_encrypt(self.cbc(), self.data_response.bytes(), plain)
    }

    pub fn decrypt_response_data(&self, cipher: &[u8]) -> Result<Vec<u8>, CryptoError> {
        cbc_decrypt(self.cbc(), self.data_response.bytes(), cipher)
    }
}

/// The lane's DUKPT device: an initial key and the last KSN it used.
#[derive(Clone, Debug)]
pub enum DukptTerminal {
    Tdes(TdesTerminal),
    Aes(AesTerminal),
}

impl DukptTerminal {
    /// Advances the counter and derives the next transaction's keys.
    pub fn next_keys(&mut self) -> Result<TransactionKeys, CryptoError> {
        match self {
            Self::Tdes(t) => {
                let (ksn, key) = t.next_transaction()?;
                Ok(TransactionKeys::tdes(ksn, &key))
            }
            Self::Aes(t) => {
                let (ksn, key) = t.next_transaction()?;
                Ok(TransactionKeys::aes(ksn, &key))
            }
        }
    }

    /// The keys of an earlier transaction of this device (to check the answer to a stored
    /// advice sealed under that KSN).
    pub fn keys_for_ksn(&self, ksn: &[u8]) -> Result<TransactionKeys, CryptoError> {
        match self {
            Self::Tdes(t) => {
                let ksn = TdesKsn::from_slice(ksn)?;
                Ok(TransactionKeys::tdes(ksn, &t.transaction_key(&ksn)?))
            }
            Self::Aes(t) => {
                let ksn = AesKsn::from_slice(ksn)?;
                Ok(TransactionKeys::aes(ksn, &t.derivation_key(&ksn)?))
            }
        }
    }

    /// The last KSN used (persist it so a restart never reuses a key).
    pub fn last_ksn(&self) -> Vec<u8> {
        match self {
            Self::Tdes(t) => t.ksn().0.to_vec(),
            Self::Aes(t) => t.ksn().0.to_vec(),
        }
    }
}

/// The host's base derivation key for one terminal key set.
#[derive(Clone, Debug)]
pub enum Bdk {
    Tdes(Key16),
    Aes(AesKey),
}

impl Bdk {
    /// The transaction keys for a request's field 53.
    pub fn keys_for(&self, security_info: &[u8]) -> Result<TransactionKeys, CryptoError> {
        let (&tag, ksn) = security_info
            .split_first()
            .ok_or(CryptoError::BadKsnLength {
                expected: 11,
                got: 0,
            })?;
        match (self, tag) {
            (Self::Tdes(bdk), 0x01) => {
                let ksn = TdesKsn::from_slice(ksn)?;
                Ok(TransactionKeys::tdes(
                    ksn,
                    &tdes_dukpt::host_transaction_key(bdk, &ksn)?,
                ))
            }
            (Self::Aes(bdk), 0x02) => {
                let ksn = AesKsn::from_slice(ksn)?;
                Ok(TransactionKeys::aes(
                    ksn,
                    &aes_dukpt::host_derivation_key(bdk, &ksn)?,
                ))
            }
            (_, other) => Err(CryptoError::WrongScheme(other)),
        }
    }

    /// The key-set identifier in a KSN that selects this BDK (TDES: first 5 bytes, AES:
    /// the first 4 bytes of the initial key ID).
    pub fn key_set_id(security_info: &[u8]) -> Option<&[u8]> {
        match security_info.first() {
            Some(0x01) => security_info.get(1..6),
            Some(0x02) => security_info.get(1..5),
            _ => None,
        }
    }
}
