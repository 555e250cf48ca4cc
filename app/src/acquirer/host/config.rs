//! What the simulated acquirer knows: terminal key sets (BDKs), issuers by BIN range with
//! their keys and cardholder PINs, approval rules and the fault knobs for testers.

use std::time::Duration;

use crate::acquirer::crypto::tdes_dukpt::TdesKsn;
use crate::acquirer::crypto::{AesKey, Bdk, Key16};
use crate::acquirer::iso8583::Mti;

/// A BDK and the key-set identifier that selects it (TDES: first 5 KSN bytes; AES: the
/// first 4 bytes of the initial key ID).
#[derive(Debug, Clone)]
pub struct KeySet {
    pub key_set_id: Vec<u8>,
    pub bdk: Bdk,
}

/// An issuer for a range of BINs (compared on the first 6 PAN digits).
#[derive(Clone)]
pub struct Issuer {
    pub name: String,
    pub bin_low: u32,
    pub bin_high: u32,
    /// Issuer master key for application cryptograms (checked once the EMV crypto lands).
    pub imk_ac: Option<Key16>,
    /// The PIN every card of this issuer has, unless listed in `pins`.
    pub default_pin: String,
    /// Per-card PINs, keyed by PAN (simulator data only; never logged).
    pub pins: Vec<(String, String)>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("name", &self.name)
            .field("bin_low", &self.bin_low)
            .field("bin_high", &self.bin_high)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    pub fn covers(&self, pan: &str) -> bool {
        pan.get(..6)
            .and_then(|b| b.parse::<u32>().ok())
            .is_some_and(|bin| (self.bin_low..=self.bin_high).contains(&bin))
    }

    pub fn pin_for(&self, pan: &str) -> &str {
        self.pins
            .iter()
            .find(|(p, _)| p == pan)
            .map_or(self.default_pin.as_str(), |(_, pin)| pin.as_str())
    }
}

/// Approval rules beyond the issuer checks.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Amounts whose minor-unit remainder mod 100 is 51 decline with 51.
    pub insufficient_funds_cents: Option<u64>,
    /// ... and 5 with 05 (do not honour).
    pub do_not_honour_cents: Option<u64>,
    /// At most this many approvals per card within `velocity_window` (65 beyond).
    pub velocity_limit: u32,
    pub velocity_window: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            insufficient_funds_cents: Some(51),
            do_not_honour_cents: Some(5),
            velocity_limit: 20,
            velocity_window: Duration::from_secs(60),
        }
    }
}

/// Misbehaviour on demand. `only` limits the faults to one request MTI.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub delay: Duration,
    /// Process the request, then never answer.
    pub no_answer: bool,
    /// Process the request, then close the connection.
    pub drop_after_request: bool,
    /// Answer with bytes that do not decode.
    pub malformed_answer: bool,
    pub only: Option<Mti>,
}

impl Faults {
    pub fn applies_to(&self, mti: Option<Mti>) -> bool {
        match (self.only, mti) {
            (None, _) => true,
            (Some(only), Some(mti)) => only == mti,
            (Some(_), None) => false,
        }
    }
}

/// Everything the host needs.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub key_sets: Vec<KeySet>,
    pub issuers: Vec<Issuer>,
    pub rules: Rules,
}

/// Test keys from the public X9.24 vectors (payments.md 3.1, 3.2); never production keys.
pub const DEMO_TDES_BDK: &str = "0123456789ABCDEFFEDCBA9876543210";
pub const DEMO_TDES_KSN: &str = "FFFF9876543210E00000";
pub const DEMO_AES_BDK: &str = "FEDCBA9876543210F1F1F1F1F1F1F1F1";
pub const DEMO_AES_IKID: &str = "1234567890123456";
/// Issuer master key of the pyemv vectors (payments.md 3.4); the Visa-like virtual cards
/// (`assets/cards/visa_*.toml`) are personalised with it.
pub const DEMO_IMK_AC: &str = "0123456789ABCDEFFEDCBA9876543210";
/// The Mastercard-like virtual cards' issuer master key (`assets/cards/mc_*.toml`).
pub const DEMO_MC_IMK_AC: &str = "89ABCDEF01234567FEDCBA9876543210";

impl HostConfig {
    /// The demo acquirer: both test BDKs, a Visa-like and a Mastercard-like test issuer,
    /// PIN 1234 for every card.
    pub fn demo() -> Self {
        let tdes_ksn = TdesKsn::from_hex(DEMO_TDES_KSN).ok();
        let mut key_sets = Vec::new();
        if let (Ok(bdk), Some(ksn)) = (Key16::from_hex(DEMO_TDES_BDK), tdes_ksn) {
            key_sets.push(KeySet {
                key_set_id: ksn.0[..5].to_vec(),
                bdk: Bdk::Tdes(bdk),
            });
        }
        if let (Ok(bdk), Ok(ikid)) = (AesKey::from_hex(DEMO_AES_BDK), hex::decode(DEMO_AES_IKID)) {
            key_sets.push(KeySet {
                key_set_id: ikid[..4].to_vec(),
                bdk: Bdk::Aes(bdk),
            });
        }
        let issuer = |name: &str, low, high, imk| Issuer {
            name: name.to_owned(),
            bin_low: low,
            bin_high: high,
            imk_ac: Key16::from_hex(imk).ok(),
            default_pin: "1234".to_owned(),
            pins: Vec::new(),
        };
        Self {
            key_sets,
            issuers: vec![
                issuer("Test Visa", 400_000, 499_999, DEMO_IMK_AC),
                issuer("Test Mastercard", 510_000, 559_999, DEMO_MC_IMK_AC),
                issuer("Test scheme", 123_456, 123_456, DEMO_IMK_AC),
            ],
            rules: Rules::default(),
        }
    }

    pub fn bdk_for(&self, security_info: &[u8]) -> Option<Bdk> {
        let id = Bdk::key_set_id(security_info)?;
        self.key_sets
            .iter()
            .find(|k| k.key_set_id == id)
            .map(|k| k.bdk.clone())
    }

    pub fn issuer_for(&self, pan: &str) -> Option<&Issuer> {
        self.issuers.iter().find(|i| i.covers(pan))
    }
}
