//! Card profiles: what a simulated EMV card is, as data (`assets/cards/*.toml`). A profile names
//! its RSA keys (`assets/cards/keys/`, `assets/ca/private/`); the certificates are signed when
//! the profile is loaded, so changing a record never leaves a stale signature behind.

use pos_hal::emv::crypto::{RsaPrivateKey, RsaPublicKey};
use pos_hal::hexutil;
use serde::Deserialize;

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown card profile {0:?}")]
    Unknown(String),
    #[error("profile is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("profile field {0} is not valid hex of the right length")]
    BadHex(&'static str),
    #[error("unknown key {0:?}")]
    UnknownKey(String),
    #[error("signing the card's certificates failed: {0}")]
    Signing(String),
}

/// The card as a whole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub atr: String,
    /// Answers SELECT 1PAY.SYS.DDF01 (contact directory).
    #[serde(default)]
    pub pse: bool,
    /// Answers SELECT 2PAY.SYS.DDF01 (contactless directory).
    #[serde(default)]
    pub ppse: bool,
    /// SELECT PSE answers 6A81: the card is blocked.
    #[serde(default)]
    pub card_blocked: bool,
    pub pin: String,
    pub pin_try_limit: u8,
    pub pin_tries: u8,
    /// Application transaction counter at power-on.
    pub atc: u16,
    #[serde(rename = "application")]
    pub applications: Vec<AppProfile>,
}

/// One EMV application on the card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppProfile {
    pub aid: String,
    pub label: String,
    pub priority: u8,
    pub pan: String,
    pub psn: String,
    /// `YYMMDD`.
    pub expiry: String,
    pub effective: String,
    pub service_code: String,
    pub cardholder_name: String,
    pub issuer_country: String,
    pub currency: String,
    pub aip: String,
    pub auc: String,
    pub app_version: String,
    pub cvm_list: String,
    pub iac_default: String,
    pub iac_denial: String,
    pub iac_online: String,
    #[serde(default)]
    pub pdol: String,
    pub cdol1: String,
    pub cdol2: String,
    #[serde(default)]
    pub ddol: String,
    /// GPO answer format: 1 (tag 80) or 2 (tag 77).
    pub gpo_format: u8,
    /// GENERATE AC answer format when CDA is not requested: 1 or 2.
    pub genac_format: u8,
    /// `none`, `sda`, `dda` or `cda` (CDA cards also do DDA).
    pub oda: String,
    pub ca_index: String,
    pub ca_key: String,
    pub issuer_key: String,
    pub icc_key: String,
    /// Issuer certificate serial and expiry (`MMYY`) — change them to test revocation/expiry.
    #[serde(default = "default_serial")]
    pub issuer_cert_serial: String,
    #[serde(default = "default_cert_expiry")]
    pub issuer_cert_expiry: String,
    pub issuer_master_key: String,
    /// The issuer's master key for script integrity (IMK-SMI): issuer scripts are MAC'd under
    /// a session key of the card's MK-SMI derived from it, never under the AC key.
    #[serde(default = "default_smi_key")]
    pub issuer_smi_key: String,
    /// SELECT answers the FCI with 6283: application blocked.
    #[serde(default)]
    pub blocked: bool,
    /// The card asks to go online (ARQC) even when the terminal asks for a TC.
    #[serde(default = "yes")]
    pub always_online: bool,
    /// Contactless qVSDC: GPO carries the cryptogram (Visa-like kernel path).
    #[serde(default)]
    pub qvsdc: bool,
    /// Card transaction qualifiers (9F6C) for qVSDC: `C000` = online PIN or signature when a
    /// CVM is required; `0080` = a phone that verified the cardholder itself (CDCVM).
    #[serde(default = "default_ctq")]
    pub ctq: String,
    /// Lower / upper consecutive offline limits (tags 9F14 / 9F23).
    #[serde(default)]
    pub lcol: u8,
    #[serde(default)]
    pub ucol: u8,
}

/// The test issuers' IMK-SMI (knovichikhin/pyemv's HSM-checked CVN 18 test key).
pub const TEST_ISSUER_SMI_KEY: &str = "FEDCBA98765432100123456789ABCDEF";

fn default_smi_key() -> String {
    TEST_ISSUER_SMI_KEY.into()
}

fn default_serial() -> String {
    "000001".into()
}

fn default_cert_expiry() -> String {
    "1249".into()
}

fn default_ctq() -> String {
    "C000".into()
}

fn yes() -> bool {
    true
}

/// Profiles shipped with the program, by name.
const BUILTIN: &[(&str, &str)] = &[
    (
        "visa_credit",
        include_str!("../../../../assets/cards/visa_credit.toml"),
    ),
    (
        "mc_debit",
        include_str!("../../../../assets/cards/mc_debit.toml"),
    ),
    (
        "visa_contactless",
        include_str!("../../../../assets/cards/visa_contactless.toml"),
    ),
    (
        "mc_contactless",
        include_str!("../../../../assets/cards/mc_contactless.toml"),
    ),
    (
        "expired",
        include_str!("../../../../assets/cards/expired.toml"),
    ),
    (
        "app_blocked",
        include_str!("../../../../assets/cards/app_blocked.toml"),
    ),
    (
        "pin_blocked",
        include_str!("../../../../assets/cards/pin_blocked.toml"),
    ),
    (
        "issuer_decline",
        include_str!("../../../../assets/cards/issuer_decline.toml"),
    ),
    (
        "two_apps",
        include_str!("../../../../assets/cards/two_apps.toml"),
    ),
];

/// Names of the built-in profiles.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

impl Profile {
    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ProfileError::Unknown(name.into()))?;
        Profile::from_toml(text)
    }

    /// A profile from TOML text.
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        Ok(toml::from_str(text)?)
    }
}

/// Keys shipped with the program: the test CA's and the cards' private keys.
const KEYS: &[(&str, &str)] = &[
    (
        "test-ca-visa-E1",
        include_str!("../../../../assets/ca/private/test-ca-visa-E1.toml"),
    ),
    (
        "test-ca-mc-E1",
        include_str!("../../../../assets/ca/private/test-ca-mc-E1.toml"),
    ),
    (
        "issuer-visa",
        include_str!("../../../../assets/cards/keys/issuer-visa.toml"),
    ),
    (
        "issuer-mc",
        include_str!("../../../../assets/cards/keys/issuer-mc.toml"),
    ),
    (
        "icc-visa",
        include_str!("../../../../assets/cards/keys/icc-visa.toml"),
    ),
    (
        "icc-mc",
        include_str!("../../../../assets/cards/keys/icc-mc.toml"),
    ),
];

#[derive(Deserialize)]
struct KeyFile {
    modulus: String,
    public_exponent: String,
    private_exponent: String,
}

/// A private key shipped in assets, by name.
pub fn private_key(name: &str) -> Result<RsaPrivateKey, ProfileError> {
    let (_, text) = KEYS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| ProfileError::UnknownKey(name.into()))?;
    let file: KeyFile = toml::from_str(text)?;
    Ok(RsaPrivateKey {
        public: RsaPublicKey {
            modulus: hex(&file.modulus, "modulus")?,
            exponent: hex(&file.public_exponent, "public_exponent")?,
        },
        private_exponent: hex(&file.private_exponent, "private_exponent")?,
    })
}

/// Decodes a hex field, ignoring spaces (profiles group bytes for readability).
pub fn hex(s: &str, field: &'static str) -> Result<Vec<u8>, ProfileError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hexutil::decode(&clean).ok_or(ProfileError::BadHex(field))
}

/// Decodes a hex field of an exact length.
pub fn hex_n<const N: usize>(s: &str, field: &'static str) -> Result<[u8; N], ProfileError> {
    hex(s, field)?
        .try_into()
        .map_err(|_| ProfileError::BadHex(field))
}

/// Packs decimal digits as BCD, right-padding an odd count with `F` (cn format).
pub fn cn(digits: &str, field: &'static str) -> Result<Vec<u8>, ProfileError> {
    let mut s: String = digits.chars().filter(|c| !c.is_whitespace()).collect();
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(ProfileError::BadHex(field));
    }
    if s.len() % 2 == 1 {
        s.push('F');
    }
    hex(&s, field)
}
