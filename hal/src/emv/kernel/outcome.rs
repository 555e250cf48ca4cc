//! What the kernel hands out: the online request, the final outcome with everything a receipt
//! and the acquirer need, and the zeroising holder of the only full PAN that leaves the kernel.

use crate::tlv::mask_pan_digits;
use zeroize::Zeroize;

/// Full card data (PAN or track 2) that must be encrypted before it goes anywhere. It is wiped
/// from memory when dropped and its `Debug` shows only the masked form.
#[derive(Clone, PartialEq, Eq)]
pub struct SensitiveData(Vec<u8>);

impl Drop for SensitiveData {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl SensitiveData {
    pub fn new(bytes: Vec<u8>) -> Self {
        SensitiveData(bytes)
    }

    /// The clear bytes, for the one place that encrypts them (DUKPT in the acquirer link).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The PAN's digits masked to first 6 / last 4 (for cn-encoded PAN or track 2 data).
    pub fn masked(&self) -> String {
        let digits: String = self
            .0
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0F])
            .map_while(|n| char::from_digit(u32::from(n), 10))
            .collect();
        mask_pan_digits(&digits)
    }
}

impl std::fmt::Debug for SensitiveData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SensitiveData({})", self.masked())
    }
}

/// What the kernel asks the acquirer to authorise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineRequest {
    /// ICC data for ISO 8583 field 55 (no PAN or track data in it).
    pub field55: Vec<u8>,
    pub pan: SensitiveData,
    pub track2: Option<SensitiveData>,
    pub psn: Option<u8>,
    /// The encrypted online PIN block from the PIN pad, if online PIN was the CVM.
    pub online_pin_block: Option<Vec<u8>>,
}

/// The issuer's answer, from the acquirer link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnlineResponse {
    /// Authorisation response code (8A), e.g. `*b"00"`.
    pub arc: [u8; 2],
    pub auth_code: Option<[u8; 6]>,
    /// Issuer authentication data (91).
    pub issuer_auth_data: Option<Vec<u8>>,
    /// Issuer script templates 71 and 72, encoded.
    pub scripts: Vec<u8>,
}

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    ApprovedOffline,
    ApprovedOnline,
    Declined,
    /// Contactless: ask for another interface (insert the card).
    TryAnotherInterface,
    /// The transaction could not complete (card removed, no application, data error...).
    Terminated,
}

/// How the cardholder was verified, for the receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvmPerformed {
    None,
    OfflinePin,
    OnlinePin,
    Signature,
    OfflinePinAndSignature,
    ConsumerDevice,
    Failed,
}

/// Why a transaction was terminated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminationReason {
    #[error("card removed")]
    CardRemoved,
    #[error("card blocked")]
    CardBlocked,
    #[error("no application supported by both card and terminal")]
    NoApplication,
    #[error("cancelled")]
    Cancelled,
    #[error("card answered {0}")]
    CardError(String),
    #[error("missing mandatory card data {0}")]
    MissingData(String),
    #[error("malformed card data: {0}")]
    Malformed(String),
    #[error("unexpected event")]
    UnexpectedEvent,
}

/// The end of a transaction: the decision, what the receipt prints, what the acquirer keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub termination: Option<TerminationReason>,
    pub interface: super::Interface,
    pub aid: Vec<u8>,
    pub label: String,
    /// First 6 / last 4 digits only.
    pub masked_pan: String,
    pub expiry: Option<[u8; 3]>,
    pub tvr: [u8; 5],
    pub tsi: [u8; 2],
    pub atc: Option<u16>,
    pub cvm_results: [u8; 3],
    pub cvm: CvmPerformed,
    pub cid: Option<u8>,
    pub cryptogram: Option<[u8; 8]>,
    pub arc: Option<[u8; 2]>,
    pub auth_code: Option<[u8; 6]>,
    /// The TLV set for field 55 of the final message (clearing/advice).
    pub field55: Vec<u8>,
    /// The full PAN, only for the acquirer to encrypt.
    pub pan: Option<SensitiveData>,
    /// Script results (tag 9F5B style: one byte result + 4 bytes id per command).
    pub script_results: Vec<u8>,
    pub apdu_count: usize,
}
