//! EMV cryptography, pure functions only (EMV Book 2): ICC master key and session key
//! derivation, application cryptograms (ISO 9797-1 MAC algorithm 3), ARPC methods 1 and 2,
//! RSA recovery and signing, and the certificate chain of offline data authentication.
//!
//! The terminal (kernel), the virtual card and the acquirer simulator all use these, so a
//! cryptogram one side makes is checked by the same code the other side runs.

mod cvn18;
mod oda;
mod rsa;
mod symmetric;

pub use cvn18::{
    AC_DATA_TAGS, ac_data, cvn18_ac, cvn18_session_key, script_mac, visa_sm_session_key,
};
pub use oda::{
    CdaResult, IssuerKey, OdaError, SignedHeader, open_sdad_cda, open_sdad_dda, open_ssad,
    recover_icc_key, recover_issuer_key, seal, transaction_data_hash,
};
pub use rsa::{RsaError, RsaPrivateKey, RsaPublicKey};
pub use symmetric::{
    Key16, MacPadding, adjust_parity, arpc_method1, arpc_method2, derive_icc_mk, generate_ac,
    key_check_value, mastercard_session_key, retail_mac, session_key, tdes_decrypt_block,
    tdes_encrypt_block,
};

/// SHA-1, the only hash algorithm EMV offline data authentication uses (indicator `01`).
pub fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests;
