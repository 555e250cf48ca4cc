//! The `[acquirer]` section of `pos.toml` (env `POS_ACQUIRER_<KEY>` overrides, applied by
//! the config loader). The initial DUKPT key is configured, never logged: its Debug is
//! hidden. Defaults reach the demo simulator (`pos sim acquirer`) with the public X9.24-3
//! test key.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::crypto::aes_dukpt::{AesKsn, AesTerminal};
use super::crypto::session::DukptTerminal;
use super::crypto::tdes_dukpt::{TdesKsn, TdesTerminal};
use super::crypto::{AesKey, CryptoError, Key16, KeyScheme};
use super::requests::TerminalIdentity;
use crate::payment::decision::SafLimits;

/// A hex key from configuration; Debug never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretHex(pub String);

impl fmt::Debug for SecretHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcquirerConfig {
    pub address: String,
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub terminal_id: String,
    pub merchant_id: String,
    /// ISO 4217 numeric code of the transaction currency, e.g. "978" for EUR.
    pub currency_numeric: String,
    /// Minor units of that currency (2 for EUR).
    pub currency_exponent: u32,
    pub key_scheme: KeyScheme,
    /// AES: the initial key (IK); TDES: the IPEK.
    pub initial_key: SecretHex,
    /// AES: 12-byte KSN (initial key ID + counter 0); TDES: 10-byte initial KSN.
    pub initial_ksn: String,
    pub store_and_forward: SafLimits,
}

impl Default for AcquirerConfig {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:8583".to_owned(),
            timeout_ms: 5000,
            connect_timeout_ms: 2000,
            terminal_id: "LANE0001".to_owned(),
            merchant_id: "MERCHANT0000001".to_owned(),
            currency_numeric: "978".to_owned(),
            currency_exponent: 2,
            key_scheme: KeyScheme::Aes128,
            // X9.24-3-2017 test vector IK for BDK FEDCBA9876543210F1F1F1F1F1F1F1F1.
            initial_key: SecretHex("1273671EA26AC29AFA4D1084127652A1".to_owned()),
            initial_ksn: "123456789012345600000000".to_owned(),
            store_and_forward: SafLimits::default(),
        }
    }
}

impl AcquirerConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn identity(&self) -> TerminalIdentity {
        TerminalIdentity {
            terminal_id: self.terminal_id.clone(),
            merchant_id: self.merchant_id.clone(),
            currency_numeric: self.currency_numeric.clone(),
        }
    }

    /// The DUKPT device, resuming after `last_ksn` if one was persisted.
    pub fn dukpt_terminal(&self, last_ksn: Option<&[u8]>) -> Result<DukptTerminal, CryptoError> {
        let ksn_hex = hex::decode(&self.initial_ksn).map_err(|_| CryptoError::BadKeyHex)?;
        let ksn = last_ksn.unwrap_or(&ksn_hex);
        Ok(match self.key_scheme {
            KeyScheme::Tdes => DukptTerminal::Tdes(TdesTerminal::new(
                Key16::from_hex(&self.initial_key.0)?,
                TdesKsn::from_slice(ksn)?,
            )),
            KeyScheme::Aes128 => DukptTerminal::Aes(AesTerminal::new(
                AesKey::from_hex(&self.initial_key.0)?,
                AesKsn::from_slice(ksn)?,
            )),
        })
    }

    /// Identifies the key set in the KSN table: the initial KSN.
    pub fn key_set_label(&self) -> String {
        self.initial_ksn.to_uppercase()
    }
}
