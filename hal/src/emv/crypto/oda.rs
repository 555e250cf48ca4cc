//! Offline data authentication (EMV Book 2 sections 5 and 6): recovering the issuer and ICC
//! public keys from their certificates, and opening signed static (SDA) and dynamic (DDA,
//! CDA) data. Every signed block has the same shape: `6A` ‖ body ‖ SHA-1 ‖ `BC`, where the hash
//! covers the body and some extra data that is not in the block. [`seal`] makes such blocks
//! (the virtual card and the test CA sign with it).

use super::rsa::{RsaError, RsaPrivateKey, RsaPublicKey};
use super::sha1;

/// Why offline data authentication failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OdaError {
    #[error("RSA: {0}")]
    Rsa(#[from] RsaError),
    #[error("recovered data header is not 6A")]
    BadHeader,
    #[error("recovered data trailer is not BC")]
    BadTrailer,
    #[error("recovered data format {found:02X}, expected {expected:02X}")]
    BadFormat { expected: u8, found: u8 },
    #[error("hash in the recovered data does not match")]
    HashMismatch,
    #[error("unsupported hash or public key algorithm")]
    UnsupportedAlgorithm,
    #[error("issuer identifier does not match the PAN")]
    IssuerIdMismatch,
    #[error("PAN in the ICC certificate does not match the application PAN")]
    PanMismatch,
    #[error("certificate expired")]
    Expired,
    #[error("recovered key or data has an inconsistent length")]
    BadLength,
}

/// Which kind of signed block, by its format byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedHeader {
    IssuerCert = 0x02,
    Ssad = 0x03,
    IccCert = 0x04,
    Sdad = 0x05,
}

/// Builds and signs `6A ‖ body ‖ SHA-1(body ‖ extra) ‖ BC`. `body` must be
/// `key length − 22` bytes long and starts with the format byte.
pub fn seal(key: &RsaPrivateKey, body: &[u8], extra: &[u8]) -> Result<Vec<u8>, OdaError> {
    if body.len() + 22 != key.public.len() {
        return Err(OdaError::BadLength);
    }
    let mut block = Vec::with_capacity(key.public.len());
    block.push(0x6A);
    block.extend_from_slice(body);
    block.extend_from_slice(&sha1(&[body, extra]));
    block.push(0xBC);
    Ok(key.sign(&block)?)
}

/// Recovers a signed block and checks header, trailer, format and hash; returns the body.
fn open(
    key: &RsaPublicKey,
    signed: &[u8],
    format: SignedHeader,
    extra: &[&[u8]],
) -> Result<Vec<u8>, OdaError> {
    // Shortest body each format needs before its variable part.
    let min_body = match format {
        SignedHeader::IssuerCert => 14,
        SignedHeader::IccCert => 20,
        SignedHeader::Ssad => 4,
        SignedHeader::Sdad => 3,
    };
    let block = key.recover(signed)?;
    let n = block.len();
    if n < 22 + min_body {
        return Err(OdaError::BadLength);
    }
    if block[0] != 0x6A {
        return Err(OdaError::BadHeader);
    }
    if block[n - 1] != 0xBC {
        return Err(OdaError::BadTrailer);
    }
    let body = &block[1..n - 21];
    if body[0] != format as u8 {
        return Err(OdaError::BadFormat {
            expected: format as u8,
            found: body[0],
        });
    }
    let mut parts = vec![body];
    parts.extend_from_slice(extra);
    if sha1(&parts) != block[n - 21..n - 1] {
        return Err(OdaError::HashMismatch);
    }
    Ok(body.to_vec())
}

/// An issuer public key recovered from its certificate, with what the terminal checks next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKey {
    pub key: RsaPublicKey,
    /// Certificate serial number, for the revocation list.
    pub serial: [u8; 3],
    /// Certificate expiry, `MMYY` BCD.
    pub expiry: [u8; 2],
}

/// Recovers the issuer public key (Book 2 5.3 / 6.3) with the CA key. `pan` is the value of
/// tag 5A; `today` is the transaction date `YYMMDD` (tag 9A) for the expiry check.
pub fn recover_issuer_key(
    ca: &RsaPublicKey,
    cert: &[u8],
    remainder: &[u8],
    exponent: &[u8],
    pan: &[u8],
    today: [u8; 3],
) -> Result<IssuerKey, OdaError> {
    let body = open(ca, cert, SignedHeader::IssuerCert, &[remainder, exponent])?;
    // body: format(1) id(4) expiry(2) serial(3) hash alg(1) pk alg(1) len(1) exp len(1) key…
    check_algorithms(body[10], body[11])?;
    if !issuer_id_matches(&body[1..5], pan) {
        return Err(OdaError::IssuerIdMismatch);
    }
    let expiry = [body[5], body[6]];
    check_not_expired(expiry, today)?;
    let modulus = assemble_modulus(&body[14..], usize::from(body[12]), remainder)?;
    if usize::from(body[13]) != exponent.len() {
        return Err(OdaError::BadLength);
    }
    Ok(IssuerKey {
        key: RsaPublicKey {
            modulus,
            exponent: exponent.to_vec(),
        },
        serial: [body[7], body[8], body[9]],
        expiry,
    })
}

/// Recovers the ICC public key (Book 2 6.4) with the issuer key. `static_data` is the data to
/// be authenticated (records marked for ODA ‖ the tag-list values).
pub fn recover_icc_key(
    issuer: &RsaPublicKey,
    cert: &[u8],
    remainder: &[u8],
    exponent: &[u8],
    pan: &[u8],
    static_data: &[u8],
    today: [u8; 3],
) -> Result<RsaPublicKey, OdaError> {
    let body = open(
        issuer,
        cert,
        SignedHeader::IccCert,
        &[remainder, exponent, static_data],
    )?;
    // body: format(1) PAN(10) expiry(2) serial(3) hash alg(1) pk alg(1) len(1) exp len(1) key…
    check_algorithms(body[16], body[17])?;
    if !pan_field_matches(&body[1..11], pan) {
        return Err(OdaError::PanMismatch);
    }
    check_not_expired([body[11], body[12]], today)?;
    let modulus = assemble_modulus(&body[20..], usize::from(body[18]), remainder)?;
    if usize::from(body[19]) != exponent.len() {
        return Err(OdaError::BadLength);
    }
    Ok(RsaPublicKey {
        modulus,
        exponent: exponent.to_vec(),
    })
}

/// Opens signed static application data (SDA, Book 2 5.4); returns the data authentication
/// code (tag 9F45).
pub fn open_ssad(
    issuer: &RsaPublicKey,
    ssad: &[u8],
    static_data: &[u8],
) -> Result<[u8; 2], OdaError> {
    let body = open(issuer, ssad, SignedHeader::Ssad, &[static_data])?;
    check_algorithms(body[1], 0x01)?;
    Ok([body[2], body[3]])
}

/// Opens signed dynamic application data for DDA (Book 2 6.5); `ddol_data` is the terminal
/// dynamic data sent in INTERNAL AUTHENTICATE. Returns the ICC dynamic number (tag 9F4C).
pub fn open_sdad_dda(
    icc: &RsaPublicKey,
    sdad: &[u8],
    ddol_data: &[u8],
) -> Result<Vec<u8>, OdaError> {
    let dynamic = open_dynamic(icc, sdad, ddol_data)?;
    let idn_len = usize::from(*dynamic.first().ok_or(OdaError::BadLength)?);
    dynamic
        .get(1..1 + idn_len)
        .map(<[u8]>::to_vec)
        .ok_or(OdaError::BadLength)
}

/// What a CDA signature proves (Book 2 6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdaResult {
    pub icc_dynamic_number: Vec<u8>,
    pub cid: u8,
    pub ac: [u8; 8],
}

/// Opens a CDA signature with the unpredictable number the terminal sent, and checks the
/// transaction data hash code against `tdh` (see [`transaction_data_hash`]).
pub fn open_sdad_cda(
    icc: &RsaPublicKey,
    sdad: &[u8],
    un: &[u8],
    tdh: &[u8; 20],
) -> Result<CdaResult, OdaError> {
    let d = open_dynamic(icc, sdad, un)?;
    let idn_len = usize::from(*d.first().ok_or(OdaError::BadLength)?);
    let rest = d
        .get(1 + idn_len..1 + idn_len + 29)
        .ok_or(OdaError::BadLength)?;
    if rest[9..29] != tdh[..] {
        return Err(OdaError::HashMismatch);
    }
    let mut ac = [0u8; 8];
    ac.copy_from_slice(&rest[1..9]);
    Ok(CdaResult {
        icc_dynamic_number: d[1..1 + idn_len].to_vec(),
        cid: rest[0],
        ac,
    })
}

/// The CDA transaction data hash code: SHA-1 over PDOL data ‖ CDOL data ‖ the GENERATE AC
/// response's TLV objects other than 9F4B, in the order received.
pub fn transaction_data_hash(pdol_data: &[u8], cdol_data: &[u8], response_tlvs: &[u8]) -> [u8; 20] {
    sha1(&[pdol_data, cdol_data, response_tlvs])
}

fn open_dynamic(icc: &RsaPublicKey, sdad: &[u8], terminal: &[u8]) -> Result<Vec<u8>, OdaError> {
    let body = open(icc, sdad, SignedHeader::Sdad, &[terminal])?;
    check_algorithms(body[1], 0x01)?;
    let len = usize::from(body[2]);
    body.get(3..3 + len)
        .map(<[u8]>::to_vec)
        .ok_or(OdaError::BadLength)
}

fn check_algorithms(hash: u8, pk: u8) -> Result<(), OdaError> {
    if hash == 0x01 && pk == 0x01 {
        Ok(())
    } else {
        Err(OdaError::UnsupportedAlgorithm)
    }
}

/// The key is the certificate field (padded with BB when short) plus the remainder.
fn assemble_modulus(field: &[u8], key_len: usize, remainder: &[u8]) -> Result<Vec<u8>, OdaError> {
    if key_len <= field.len() {
        return Ok(field[..key_len].to_vec());
    }
    if field.len() + remainder.len() != key_len {
        return Err(OdaError::BadLength);
    }
    Ok([field, remainder].concat())
}

fn digits(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| [b >> 4, b & 0x0F])
        .take_while(|n| *n <= 9)
        .collect()
}

/// Issuer identifier: the leftmost 3–8 PAN digits, F-padded.
fn issuer_id_matches(id: &[u8], pan: &[u8]) -> bool {
    let id = digits(id);
    let pan = digits(pan);
    id.len() >= 3 && pan.starts_with(&id)
}

/// The ICC certificate carries the whole PAN, F-padded to 10 bytes.
fn pan_field_matches(field: &[u8], pan: &[u8]) -> bool {
    let pan_digits = digits(pan);
    !pan_digits.is_empty() && digits(field) == pan_digits
}

fn bcd(b: u8) -> u32 {
    u32::from(b >> 4) * 10 + u32::from(b & 0x0F)
}

/// A certificate is valid through the last day of its expiry month (`MMYY`).
fn check_not_expired(expiry: [u8; 2], today: [u8; 3]) -> Result<(), OdaError> {
    let (exp_month, exp_year) = (bcd(expiry[0]), bcd(expiry[1]));
    let (year, month) = (bcd(today[0]), bcd(today[1]));
    // Book 3: YY 00–49 is 20YY, 50–99 is 19YY.
    let full = |yy: u32| if yy < 50 { 2000 + yy } else { 1900 + yy };
    if (full(exp_year), exp_month) < (full(year), month) {
        Err(OdaError::Expired)
    } else {
        Ok(())
    }
}
