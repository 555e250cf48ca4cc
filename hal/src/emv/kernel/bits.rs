//! Terminal verification results (tag 95) and transaction status information (tag 9B), bit by
//! bit as EMV Book 3 Annex C5 and C6 define them. A bit is (byte index, mask).

/// One bit of the TVR or TSI: zero-based byte index and mask.
pub type Bit = (usize, u8);

/// TVR byte 1: offline data authentication.
pub const ODA_NOT_PERFORMED: Bit = (0, 0x80);
pub const SDA_FAILED: Bit = (0, 0x40);
pub const ICC_DATA_MISSING: Bit = (0, 0x20);
pub const CARD_ON_EXCEPTION_FILE: Bit = (0, 0x10);
pub const DDA_FAILED: Bit = (0, 0x08);
pub const CDA_FAILED: Bit = (0, 0x04);
pub const SDA_SELECTED: Bit = (0, 0x02);
/// TVR byte 2: processing restrictions.
pub const DIFFERENT_APP_VERSIONS: Bit = (1, 0x80);
pub const EXPIRED_APPLICATION: Bit = (1, 0x40);
pub const NOT_YET_EFFECTIVE: Bit = (1, 0x20);
pub const SERVICE_NOT_ALLOWED: Bit = (1, 0x10);
pub const NEW_CARD: Bit = (1, 0x08);
/// TVR byte 3: cardholder verification.
pub const CVM_NOT_SUCCESSFUL: Bit = (2, 0x80);
pub const UNRECOGNISED_CVM: Bit = (2, 0x40);
pub const PIN_TRY_LIMIT_EXCEEDED: Bit = (2, 0x20);
pub const PIN_PAD_NOT_WORKING: Bit = (2, 0x10);
pub const PIN_NOT_ENTERED: Bit = (2, 0x08);
pub const ONLINE_PIN_ENTERED: Bit = (2, 0x04);
/// TVR byte 4: terminal risk management.
pub const FLOOR_LIMIT_EXCEEDED: Bit = (3, 0x80);
pub const LCOL_EXCEEDED: Bit = (3, 0x40);
pub const UCOL_EXCEEDED: Bit = (3, 0x20);
pub const RANDOMLY_SELECTED_ONLINE: Bit = (3, 0x10);
pub const MERCHANT_FORCED_ONLINE: Bit = (3, 0x08);
/// TVR byte 5: issuer authentication and scripts.
pub const DEFAULT_TDOL_USED: Bit = (4, 0x80);
pub const ISSUER_AUTH_FAILED: Bit = (4, 0x40);
pub const SCRIPT_FAILED_BEFORE: Bit = (4, 0x20);
pub const SCRIPT_FAILED_AFTER: Bit = (4, 0x10);

/// TSI byte 1.
pub const TSI_ODA_PERFORMED: Bit = (0, 0x80);
pub const TSI_CVM_PERFORMED: Bit = (0, 0x40);
pub const TSI_CARD_RISK_MANAGEMENT: Bit = (0, 0x20);
pub const TSI_ISSUER_AUTH: Bit = (0, 0x10);
pub const TSI_TERMINAL_RISK_MANAGEMENT: Bit = (0, 0x08);
pub const TSI_SCRIPT_PROCESSING: Bit = (0, 0x04);

/// Sets a bit in a TVR or TSI.
pub fn set<const N: usize>(bytes: &mut [u8; N], bit: Bit) {
    if let Some(b) = bytes.get_mut(bit.0) {
        *b |= bit.1;
    }
}

/// Reads a bit.
pub fn is_set<const N: usize>(bytes: &[u8; N], bit: Bit) -> bool {
    bytes.get(bit.0).is_some_and(|b| b & bit.1 != 0)
}
