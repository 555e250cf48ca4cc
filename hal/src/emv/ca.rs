//! The terminal's certification authority public key table (EMV Book 2 11.2.2) and the
//! certificate revocation list (Book 2 5.1). Loaded from a TOML file
//! (`assets/ca/capk.toml`); every key's published checksum is verified on load, so a typo in
//! a modulus is an error, not a silent ODA failure.

use super::crypto::{RsaPublicKey, sha1};
use serde::Deserialize;

/// Why a CA key table could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CaTableError {
    #[error("CA key table is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("CA key {rid}/{index}: field {field} is not valid hex of the right length")]
    BadHex {
        rid: String,
        index: String,
        field: &'static str,
    },
    #[error(
        "CA key {rid}/{index}: checksum does not match SHA-1(RID ‖ index ‖ modulus ‖ exponent)"
    )]
    Checksum { rid: String, index: String },
}

/// One CA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPublicKey {
    pub rid: [u8; 5],
    pub index: u8,
    pub key: RsaPublicKey,
    /// Key expiry `YYMMDD` BCD.
    pub expiry: [u8; 3],
    pub label: String,
}

/// An entry of the revocation list: an issuer certificate the terminal must refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokedCert {
    pub rid: [u8; 5],
    pub index: u8,
    pub serial: [u8; 3],
}

/// The CA keys and the revocation list the kernel consults during ODA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaKeyTable {
    pub keys: Vec<CaPublicKey>,
    pub revoked: Vec<RevokedCert>,
}

#[derive(Deserialize)]
struct FileKey {
    label: String,
    rid: String,
    index: String,
    exponent: String,
    expiry: String,
    checksum: String,
    modulus: String,
}

#[derive(Deserialize)]
struct FileRevoked {
    rid: String,
    index: String,
    serial: String,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    key: Vec<FileKey>,
    #[serde(default)]
    revoked: Vec<FileRevoked>,
}

fn unhex<const N: usize>(
    s: &str,
    rid: &str,
    index: &str,
    field: &'static str,
) -> Result<[u8; N], CaTableError> {
    let bytes = unhex_vec(s, rid, index, field)?;
    bytes.try_into().map_err(|_| CaTableError::BadHex {
        rid: rid.into(),
        index: index.into(),
        field,
    })
}

fn unhex_vec(
    s: &str,
    rid: &str,
    index: &str,
    field: &'static str,
) -> Result<Vec<u8>, CaTableError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    crate::hexutil::decode(&clean).ok_or_else(|| CaTableError::BadHex {
        rid: rid.into(),
        index: index.into(),
        field,
    })
}

impl CaKeyTable {
    /// Parses a table and verifies every checksum.
    pub fn from_toml(text: &str) -> Result<CaKeyTable, CaTableError> {
        let file: File = toml::from_str(text)?;
        let mut keys = Vec::with_capacity(file.key.len());
        for k in &file.key {
            let (r, i) = (k.rid.as_str(), k.index.as_str());
            let rid = unhex::<5>(r, r, i, "rid")?;
            let [index] = unhex::<1>(i, r, i, "index")?;
            let modulus = unhex_vec(&k.modulus, r, i, "modulus")?;
            let exponent = unhex_vec(&k.exponent, r, i, "exponent")?;
            let checksum = unhex::<20>(&k.checksum, r, i, "checksum")?;
            if sha1(&[&rid, &[index], &modulus, &exponent]) != checksum {
                return Err(CaTableError::Checksum {
                    rid: r.into(),
                    index: i.into(),
                });
            }
            let expiry = unhex::<3>(&k.expiry, r, i, "expiry")?;
            let key = RsaPublicKey { modulus, exponent };
            keys.push(CaPublicKey {
                rid,
                index,
                key,
                expiry,
                label: k.label.clone(),
            });
        }
        let mut revoked = Vec::with_capacity(file.revoked.len());
        for c in &file.revoked {
            let (r, i) = (c.rid.as_str(), c.index.as_str());
            revoked.push(RevokedCert {
                rid: unhex::<5>(r, r, i, "rid")?,
                index: unhex::<1>(i, r, i, "index")?[0],
                serial: unhex::<3>(&c.serial, r, i, "serial")?,
            });
        }
        Ok(CaKeyTable { keys, revoked })
    }

    /// The key for a RID and index (tag 8F), if the terminal has it.
    pub fn find(&self, rid: &[u8], index: u8) -> Option<&CaPublicKey> {
        self.keys
            .iter()
            .find(|k| k.rid[..] == *rid && k.index == index)
    }

    /// True if the issuer certificate with this serial is on the revocation list.
    pub fn is_revoked(&self, rid: &[u8], index: u8, serial: [u8; 3]) -> bool {
        self.revoked
            .iter()
            .any(|c| c.rid[..] == *rid && c.index == index && c.serial == serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = include_str!("../../../assets/ca/capk.toml");

    #[test]
    fn shipped_table_loads_and_every_checksum_matches() {
        // Checksums of the EMVCo test keys as published in openemv/emv-utils
        // src/emv_capk_static_data.h and proxmark3 client/resources/capk.txt.
        let table = CaKeyTable::from_toml(TABLE).unwrap();
        assert!(table.keys.len() >= 11);
        let visa92 = table.find(&[0xA0, 0, 0, 0, 0x03], 0x92).unwrap();
        assert_eq!(visa92.key.len(), 176);
        assert!(table.find(&[0xA0, 0, 0, 0, 0x04], 0xFE).is_some());
        assert!(table.find(&[0xA0, 0, 0, 0, 0x04], 0xE1).is_some());
        assert!(table.find(&[0xA0, 0, 0, 0, 0x04], 0x42).is_none());
    }

    #[test]
    fn every_published_emvco_test_key_is_in_the_table() {
        // The twelve Visa and Mastercard test keys of payments.md 3.6 (openemv/emv-utils
        // src/emv_capk_static_data.h; checksums verified on load).
        let table = CaKeyTable::from_toml(TABLE).unwrap();
        let visa = [0xA0, 0, 0, 0, 0x03];
        let mc = [0xA0, 0, 0, 0, 0x04];
        for index in [0x92, 0x94, 0x95, 0x99] {
            assert!(table.find(&visa, index).is_some(), "Visa {index:02X}");
        }
        for index in [0xEF, 0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFA, 0xFE] {
            assert!(table.find(&mc, index).is_some(), "Mastercard {index:02X}");
        }
        // 1984 bits, the largest an EMV CA key may be; F5 has exponent 65537.
        assert_eq!(table.find(&visa, 0x94).unwrap().key.len(), 248);
        assert_eq!(table.find(&mc, 0xF5).unwrap().key.len(), 248);
    }

    #[test]
    fn a_changed_modulus_fails_the_checksum() {
        let tampered = TABLE.replacen("modulus = \"9", "modulus = \"8", 1);
        assert!(matches!(
            CaKeyTable::from_toml(&tampered),
            Err(CaTableError::Checksum { .. })
        ));
    }

    #[test]
    fn revocation_list_is_read() {
        let text = "[[revoked]]\nrid = \"A000000003\"\nindex = \"E1\"\nserial = \"000042\"\n";
        let t = CaKeyTable::from_toml(text).unwrap();
        assert!(t.is_revoked(&[0xA0, 0, 0, 0, 3], 0xE1, [0, 0, 0x42]));
        assert!(!t.is_revoked(&[0xA0, 0, 0, 0, 3], 0xE1, [0, 0, 0x43]));
    }
}
